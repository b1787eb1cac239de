package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/rules"
)

// sleeper records waits instead of sleeping.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func newClient(t *testing.T, h http.HandlerFunc) (*Client, *sleeper) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s := &sleeper{}
	token := "tok" + rules.RandString(24, "alnum")
	return &Client{
		Service: "test",
		BaseURL: srv.URL,
		HTTP:    srv.Client(),
		Token:   func() (string, error) { return token, nil },
		Timeout: 2 * time.Second,
		Sleep:   s.sleep,
		Jitter:  func(d time.Duration) time.Duration { return d },
	}, s
}

func noLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Fatalf("error leaks a secret: %v", err)
		}
	}
}

func TestRetry500ThenSuccessReplaysBody(t *testing.T) {
	secret := rules.RandString(40, "alnum")
	var n atomic.Int32
	c, s := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var got map[string]string
		if err := json.Unmarshal(b, &got); err != nil || got["value"] != secret {
			t.Errorf("attempt %d: body not replayed: %v", n.Load()+1, err)
		}
		if n.Add(1) == 1 {
			w.WriteHeader(500)
			w.Write([]byte(`{"error":{"code":"internal","message":"boom ` + secret + `"}}`))
			return
		}
		w.Write([]byte(`{"ok":true}`))
	})
	var out struct{ OK bool }
	status, err := c.Do(context.Background(), Request{Method: "POST", Path: "/x", Body: map[string]string{"value": secret}, Scrub: []string{secret}}, &out)
	if err != nil || status != 200 || !out.OK {
		t.Fatalf("status %d, err %v, out %+v", status, err, out)
	}
	if n.Load() != 2 || len(s.waits) != 1 || s.waits[0] != DefaultBaseDelay {
		t.Fatalf("calls %d, waits %v", n.Load(), s.waits)
	}
}

func TestRetryAfterSecondsAndDate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var n atomic.Int32
	c, s := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
		case 2:
			w.Header().Set("Retry-After", now.Add(3*time.Second).Format(http.TimeFormat))
			w.WriteHeader(503)
		default:
			w.WriteHeader(204)
		}
	})
	c.Now = func() time.Time { return now }
	if _, err := c.Do(context.Background(), Request{Method: "GET", Path: "/x"}, nil); err != nil {
		t.Fatal(err)
	}
	if len(s.waits) != 2 || s.waits[0] != 7*time.Second || s.waits[1] != 3*time.Second {
		t.Fatalf("waits %v", s.waits)
	}
}

func TestTotalWaitCapped(t *testing.T) {
	var n atomic.Int32
	c, s := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "90")
		w.WriteHeader(429)
		w.Write([]byte(`{"message":"rate limited"}`))
	})
	c.MaxWait = 2 * time.Minute
	_, err := c.Do(context.Background(), Request{Method: "GET", Path: "/x"}, nil)
	if StatusOf(err) != 429 || n.Load() != 2 || len(s.waits) != 1 {
		t.Fatalf("err %v, calls %d, waits %v", err, n.Load(), s.waits)
	}
	if !strings.Contains(err.Error(), "rate limited") || !strings.Contains(err.Error(), "retry budget") {
		t.Fatalf("error text: %v", err)
	}
}

func TestNoRetryOn401(t *testing.T) {
	secret := rules.RandString(40, "alnum")
	var n atomic.Int32
	c, s := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(401)
		// A provider that echoes the token and the value must not leak either.
		w.Write([]byte(`{"error":{"code":"forbidden","message":"bad token ` + r.Header.Get("Authorization") + ` for ` + secret + `"}}`))
	})
	tok, _ := c.Token()
	_, err := c.Do(context.Background(), Request{Method: "POST", Path: "/v1/x", Query: url.Values{"teamId": {"team_q"}}, Body: map[string]string{"v": secret}, Scrub: []string{secret}}, nil)
	if StatusOf(err) != 401 || n.Load() != 1 || len(s.waits) != 0 {
		t.Fatalf("err %v, calls %d", err, n.Load())
	}
	noLeak(t, err, secret, tok, "team_q")
	for _, want := range []string{"POST /v1/x", "401", "forbidden"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if h := hint.Of(err); !strings.Contains(h, "token") || strings.Contains(err.Error(), "hint:") {
		t.Errorf("hint %q of %q: want the token hint, apart from the message", h, err)
	}
}

func TestTimeoutThenSuccess(t *testing.T) {
	var n atomic.Int32
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		}
		w.Write([]byte(`{}`))
	})
	// The first call hangs until the client gives up on it; the next is
	// answered at once. A timeout long enough for an answer on a loaded
	// machine: the retry must still follow the first attempt's timeout.
	c.Timeout = time.Second
	if _, err := c.Do(context.Background(), Request{Method: "GET", Path: "/x"}, nil); err != nil {
		t.Fatal(err)
	}
	if n.Load() < 2 {
		t.Fatalf("calls %d: want the timed-out call retried", n.Load())
	}
}

func TestTimeoutExhausted(t *testing.T) {
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	c.Timeout = 50 * time.Millisecond
	c.MaxRetries = 1
	_, err := c.Do(context.Background(), Request{Method: "GET", Path: "/x", Query: url.Values{"q": {"hidden"}}}, nil)
	if err == nil || !strings.Contains(err.Error(), "timed out") || strings.Contains(err.Error(), "hidden") {
		t.Fatalf("err %v", err)
	}
}

func TestCancelStops(t *testing.T) {
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	ctx, cancel := context.WithCancel(context.Background())
	c.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	_, err := c.Do(ctx, Request{Method: "GET", Path: "/x"}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

func TestMalformedJSON(t *testing.T) {
	secret := rules.RandString(40, "alnum")
	c, _ := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"value":"` + secret + `"`))
	})
	var out map[string]any
	_, err := c.Do(context.Background(), Request{Method: "GET", Path: "/x", Scrub: []string{secret}}, &out)
	if err == nil || !strings.Contains(err.Error(), "malformed JSON") {
		t.Fatalf("err %v", err)
	}
	noLeak(t, err, secret)
}

func TestTokenFromEnv(t *testing.T) {
	_, err := TokenFromEnv(func(string) string { return "" }, "VERCEL_TOKEN")()
	if err == nil || !strings.Contains(err.Error(), "VERCEL_TOKEN is not set") {
		t.Fatalf("err %v", err)
	}
	tok, err := TokenFromEnv(func(string) string { return " abc\n" }, "X")()
	if err != nil || tok != "abc" {
		t.Fatalf("%q %v", tok, err)
	}
}

func TestScrubForms(t *testing.T) {
	sec := "a/b+c\"d" + rules.RandString(8, "alnum")
	q, _ := json.Marshal(sec)
	in := "raw " + sec + " url " + url.QueryEscape(sec) + " json " + string(q)
	out := Scrub(in, sec)
	if strings.Contains(out, sec) || strings.Contains(out, url.QueryEscape(sec)) || strings.Contains(out, string(q[1:len(q)-1])) {
		t.Fatalf("not scrubbed: %s", out)
	}
}
