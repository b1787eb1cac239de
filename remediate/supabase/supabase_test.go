package supabase

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/remediate/httpx"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// fake is the Management API's secrets subset; anything else fails the
// test.
type fake struct {
	t       *testing.T
	token   string
	ref     string
	mu      sync.Mutex
	secrets map[string]string // name → plain value
	calls   int
	inject  func(w http.ResponseWriter, r *http.Request) bool
}

func newFake(t *testing.T) (*fake, *Target, *[]time.Duration) {
	t.Helper()
	f := &fake{t: t, token: "sbp" + rules.RandString(20, "hex"), ref: "abcdefghijklmnopqrst", secrets: map[string]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	var waits []time.Duration
	c := &httpx.Client{
		BaseURL: srv.URL, HTTP: srv.Client(), Timeout: 2 * time.Second,
		Token:  httpx.TokenFromEnv(func(string) string { return f.token }, "SUPABASE_ACCESS_TOKEN"),
		Sleep:  func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() },
		Jitter: func(d time.Duration) time.Duration { return d },
	}
	tg, err := New(Config{Name: "supa", ProjectRef: f.ref}, c)
	if err != nil {
		t.Fatal(err)
	}
	return f, tg, &waits
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.inject != nil && f.inject(w, r) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"message":"Unauthorized"}`)
		return
	}
	if r.URL.Path != "/v1/projects/"+f.ref+"/secrets" {
		f.t.Errorf("unexpected call %s %s", r.Method, r.URL.Path)
		w.WriteHeader(404)
		return
	}
	switch r.Method {
	case http.MethodGet:
		var out []map[string]string
		for n, v := range f.secrets {
			s := sha256.Sum256([]byte(v))
			out = append(out, map[string]string{"name": n, "value": hex.EncodeToString(s[:])})
		}
		sort.Slice(out, func(i, j int) bool { return out[i]["name"] < out[j]["name"] })
		json.NewEncoder(w).Encode(out)
	case http.MethodPost:
		var in []item
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"message":"body must be an array"}`)
			return
		}
		for _, it := range in {
			if strings.HasPrefix(it.Name, "SUPABASE_") {
				f.t.Errorf("reserved name %s reached the API", it.Name)
			}
			f.secrets[it.Name] = it.Value
		}
		w.WriteHeader(201)
	default:
		f.t.Errorf("unexpected call %s %s", r.Method, r.URL.Path)
		w.WriteHeader(405)
	}
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
	if f.secrets["API_KEY"] != v.Reveal() {
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
	if err == nil || !strings.Contains(err.Error(), "SUPABASE_") || f.calls != 0 {
		t.Fatalf("err %v, calls %d", err, f.calls)
	}
	noLeak(t, err, v)
	if _, err := New(Config{ProjectRef: "x", KeyName: "supabase_x"}, &httpx.Client{}); err == nil {
		t.Fatal("reserved name override accepted")
	}
	tg.cfg.KeyName = "SERVICE_KEY"
	if err := tg.Put(context.Background(), "SUPABASE_SERVICE_KEY", v); err != nil || f.secrets["SERVICE_KEY"] != v.Reveal() {
		t.Fatalf("renamed: %v", err)
	}
}

func TestRateLimited(t *testing.T) {
	f, tg, waits := newFake(t)
	n := 0
	f.inject = func(w http.ResponseWriter, r *http.Request) bool {
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
		f.inject = func(w http.ResponseWriter, r *http.Request) bool {
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
		f.inject = func(w http.ResponseWriter, r *http.Request) bool {
			n++
			if n == 1 {
				io.Copy(io.Discard, r.Body) // so the server notices the client hanging up
				f.mu.Unlock()
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
				f.mu.Lock()
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
		f.inject = func(w http.ResponseWriter, r *http.Request) bool {
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
		if httpx.StatusOf(err) != 401 || f.calls != 1 || len(*waits) != 0 {
			t.Fatalf("err %v calls %d", err, f.calls)
		}
		noLeak(t, err, v)
	})
	t.Run("plain value returned instead of digest", func(t *testing.T) {
		f, tg, _ := newFake(t)
		v := newValue()
		f.inject = func(w http.ResponseWriter, r *http.Request) bool {
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
