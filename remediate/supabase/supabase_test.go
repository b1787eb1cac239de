package supabase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/internal/testkit/fakeapi"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/remediate/httpx"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

func newFake(t *testing.T) (*fakeapi.Supabase, *Target, *[]time.Duration) {
	t.Helper()
	f := fakeapi.NewSupabase(t, "abcdefghijklmnopqrst", "sbp"+rules.RandString(20, "hex"))
	var waits []time.Duration
	c := &httpx.Client{
		BaseURL: f.URL, HTTP: f.Client, Timeout: 2 * time.Second,
		Token:  httpx.TokenFromEnv(func(string) string { return f.Token }, "SUPABASE_ACCESS_TOKEN"),
		Sleep:  func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() },
		Jitter: func(d time.Duration) time.Duration { return d },
	}
	tg, err := New(Config{Name: "supa", ProjectRef: f.Ref}, c)
	if err != nil {
		t.Fatal(err)
	}
	return f, tg, &waits
}

func newValue() secret.Value { return secret.New("s_" + rules.RandString(40, "alnum")) }

func noLeak(t *testing.T, err error, vals ...secret.Value) {
	t.Helper()
	if err == nil {
		return
	}
	for _, v := range vals {
		if strings.Contains(err.Error(), v.Reveal()) {
			t.Fatalf("error leaks the value: %v", err)
		}
	}
}

func TestWriteAndVerify(t *testing.T) {
	f, tg, _ := newFake(t)
	ctx := context.Background()
	v := newValue()
	if err := tg.Verify(ctx, "API_KEY", v); !errors.Is(err, remediate.ErrMissing) {
		t.Fatalf("before: %v", err)
	}
	if err := tg.Put(ctx, "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	if f.Secrets()["API_KEY"] != v.Reveal() {
		t.Fatal("not written")
	}
	if err := tg.Verify(ctx, "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	other := newValue()
	err := tg.Verify(ctx, "API_KEY", other)
	if !errors.Is(err, remediate.ErrMismatch) {
		t.Fatalf("mismatch: %v", err)
	}
	noLeak(t, err, v, other)
}

func TestReservedPrefixRefused(t *testing.T) {
	f, tg, _ := newFake(t)
	v := newValue()
	err := tg.Put(context.Background(), "SUPABASE_SERVICE_KEY", v)
	if err == nil || !strings.Contains(err.Error(), "SUPABASE_") || f.Calls() != 0 {
		t.Fatalf("err %v, calls %d", err, f.Calls())
	}
	noLeak(t, err, v)
	if _, err := New(Config{ProjectRef: "x", KeyName: "supabase_x"}, &httpx.Client{}); err == nil {
		t.Fatal("reserved name override accepted")
	}
	tg.cfg.KeyName = "SERVICE_KEY"
	if err := tg.Put(context.Background(), "SUPABASE_SERVICE_KEY", v); err != nil || f.Secrets()["SERVICE_KEY"] != v.Reveal() {
		t.Fatalf("renamed: %v", err)
	}
}

func TestRateLimited(t *testing.T) {
	f, tg, waits := newFake(t)
	n := 0
	f.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		n++
		if n <= 2 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
			fmt.Fprint(w, `{"message":"Too many requests"}`)
			return true
		}
		return false
	}
	if err := tg.Put(context.Background(), "K", newValue()); err != nil {
		t.Fatal(err)
	}
	if len(*waits) != 2 || (*waits)[0] != 2*time.Second {
		t.Fatalf("waits %v", *waits)
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("500 then success", func(t *testing.T) {
		f, tg, _ := newFake(t)
		n := 0
		f.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
			n++
			if n == 1 {
				w.WriteHeader(502)
				return true
			}
			return false
		}
		v := newValue()
		if err := tg.Put(ctx, "K", v); err != nil {
			t.Fatal(err)
		}
		if err := tg.Verify(ctx, "K", v); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		f, tg, _ := newFake(t)
		tg.client.Timeout = 50 * time.Millisecond
		n := 0
		f.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
			n++
			if n == 1 {
				io.Copy(io.Discard, r.Body) // so the server notices the client hanging up
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
				return true
			}
			return false
		}
		if err := tg.Put(ctx, "K", newValue()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("malformed JSON", func(t *testing.T) {
		f, tg, _ := newFake(t)
		f.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
			fmt.Fprint(w, `[{"name":"K",`)
			return true
		}
		v := newValue()
		err := tg.Verify(ctx, "K", v)
		if err == nil || !strings.Contains(err.Error(), "malformed JSON") {
			t.Fatalf("err %v", err)
		}
		noLeak(t, err, v)
	})
	t.Run("401 no retry", func(t *testing.T) {
		f, tg, waits := newFake(t)
		tg.client.Token = func() (string, error) { return "bad", nil }
		v := newValue()
		err := tg.Put(ctx, "K", v)
		if httpx.StatusOf(err) != 401 || f.Calls() != 1 || len(*waits) != 0 {
			t.Fatalf("err %v calls %d", err, f.Calls())
		}
		noLeak(t, err, v)
	})
	t.Run("plain value returned instead of digest", func(t *testing.T) {
		f, tg, _ := newFake(t)
		v := newValue()
		f.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
			json.NewEncoder(w).Encode([]item{{Name: "K", Value: v.Reveal()}})
			return true
		}
		err := tg.Verify(ctx, "K", v)
		if err == nil || errors.Is(err, remediate.ErrMismatch) {
			t.Fatalf("err %v", err)
		}
		noLeak(t, err, v)
	})
}

// A client without an API root talks to Supabase's, and one without a
// backoff base waits twice httpx's (60 requests a minute); the caller's
// client is left as it was, and what it sets is kept.
func TestNewClientDefaults(t *testing.T) {
	c := &httpx.Client{}
	tg, err := New(Config{ProjectRef: "ref"}, c)
	if err != nil {
		t.Fatal(err)
	}
	if tg.client.BaseURL != DefaultAPIURL || tg.client.BaseDelay != time.Second || c.BaseURL != "" || c.BaseDelay != 0 {
		t.Fatalf("API root %q, base delay %s (caller's %q, %s)", tg.client.BaseURL, tg.client.BaseDelay, c.BaseURL, c.BaseDelay)
	}
	own := &httpx.Client{BaseURL: "https://supabase.example", BaseDelay: time.Millisecond}
	if tg, err = New(Config{ProjectRef: "ref"}, own); err != nil || tg.client != own {
		t.Fatalf("a set API root and delay: %v, client replaced: %v", err, tg.client != own)
	}
	half := &httpx.Client{BaseURL: "https://supabase.example"}
	if tg, err = New(Config{ProjectRef: "ref"}, half); err != nil || tg.client.BaseURL != half.BaseURL || tg.client.BaseDelay != time.Second {
		t.Fatalf("a set API root without a delay: %v, %q %s", err, tg.client.BaseURL, tg.client.BaseDelay)
	}
}
