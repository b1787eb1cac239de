package vercel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/internal/testkit/fakeapi"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/remediate/httpx"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

func newFake(t *testing.T) (*fakeapi.Vercel, *Target) {
	t.Helper()
	f := fakeapi.NewVercel(t, "my-app", "vt"+rules.RandString(24, "alnum"))
	f.Team = "team_x"
	c := &httpx.Client{
		BaseURL: f.URL, HTTP: f.Client, Timeout: 2 * time.Second,
		Token:  httpx.TokenFromEnv(func(string) string { return f.Token }, "VERCEL_TOKEN"),
		Sleep:  func(ctx context.Context, d time.Duration) error { return ctx.Err() },
		Jitter: func(d time.Duration) time.Duration { return d },
	}
	tg, err := New(Config{Name: "vercel", Project: f.Project, TeamID: f.Team}, c)
	if err != nil {
		t.Fatal(err)
	}
	return f, tg
}

func newValue() secret.Value { return secret.New("v_" + rules.RandString(40, "alnum")) }

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

func TestCreateNewAndVerify(t *testing.T) {
	f, tg := newFake(t)
	v := newValue()
	ctx := context.Background()
	if err := tg.Put(ctx, "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	got := f.Values("API_KEY")
	for _, env := range Environments {
		if got[env] != "encrypted:"+v.Reveal() {
			t.Errorf("%s: %q", env, got[env])
		}
	}
	res, err := tg.VerifyDetail(ctx, "API_KEY", v)
	if err != nil || res.PresenceOnly {
		t.Fatalf("verify: %+v %v", res, err)
	}
	if !strings.Contains(tg.Note(), "new deployments") {
		t.Errorf("note %q", tg.Note())
	}
}

func TestUpdateExistingUpsert(t *testing.T) {
	f, tg := newFake(t)
	old, v := newValue(), newValue()
	f.Add("API_KEY", old.Reveal(), "encrypted", "production", "preview", "development")
	ctx := context.Background()
	if err := tg.Verify(ctx, "API_KEY", v); !errors.Is(err, remediate.ErrMismatch) {
		t.Fatalf("verify before put: %v", err)
	} else {
		noLeak(t, err, v, old)
	}
	if err := tg.Put(ctx, "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Envs()); n != 1 {
		t.Fatalf("%d variables, want the existing one updated", n)
	}
	if err := tg.Verify(ctx, "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	// Idempotent.
	if err := tg.Put(ctx, "API_KEY", v); err != nil {
		t.Fatal(err)
	}
}

func TestExistingWithDifferentTargets(t *testing.T) {
	f, tg := newFake(t)
	tg.envs = []string{"production", "preview"}
	old, v := newValue(), newValue()
	// One variable spans a managed and an unmanaged environment, another
	// covers only part of the managed set.
	f.Add("API_KEY", old.Reveal(), "encrypted", "preview", "development")
	f.Add("API_KEY", old.Reveal(), "plain", "production")
	ctx := context.Background()
	if err := tg.Put(ctx, "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	got := f.Values("API_KEY")
	want := map[string]string{
		"production":  "encrypted:" + v.Reveal(),
		"preview":     "encrypted:" + v.Reveal(),
		"development": "encrypted:" + old.Reveal(), // not managed: untouched
	}
	for env, w := range want {
		if got[env] != w {
			t.Errorf("%s: got %q want %q", env, got[env], w)
		}
	}
	if err := tg.Verify(ctx, "API_KEY", v); err != nil {
		t.Fatal(err)
	}
}

func TestEnvAlreadyExistsFallback(t *testing.T) {
	f, tg := newFake(t)
	old, v := newValue(), newValue()
	f.Add("API_KEY", old.Reveal(), "encrypted", "production", "preview", "development")
	// The first upsert is refused as if the API did not merge it.
	refused := false
	f.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost && !refused {
			refused = true
			fakeapi.VercelBadRequest(w, "ENV_ALREADY_EXISTS", "exists")
			return true
		}
		return false
	}
	if err := tg.Put(context.Background(), "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	if got := f.Values("API_KEY")["preview"]; got != "encrypted:"+v.Reveal() {
		t.Fatalf("preview %q", got)
	}
	if !slices.Contains(f.Calls(), "PATCH /v9/projects/my-app/env/env1") {
		t.Fatalf("no PATCH in %v", f.Calls())
	}
}

func TestSensitive(t *testing.T) {
	f, tg := newFake(t)
	tg.cfg.Sensitive = true
	v := newValue()
	ctx := context.Background()
	if err := tg.Put(ctx, "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	got := f.Values("API_KEY")
	if got["production"] != "sensitive:"+v.Reveal() || got["preview"] != "sensitive:"+v.Reveal() || got["development"] != "encrypted:"+v.Reveal() {
		t.Fatalf("types: %v", got)
	}
	res, err := tg.VerifyDetail(ctx, "API_KEY", v)
	if err != nil || !res.PresenceOnly || !strings.Contains(res.Reason, "sensitive values cannot be read back") {
		t.Fatalf("verify: %+v %v", res, err)
	}
	// Development is readable: a wrong value there is still caught.
	if err := tg.Verify(ctx, "API_KEY", newValue()); !errors.Is(err, remediate.ErrMismatch) || !strings.Contains(err.Error(), "development") {
		t.Fatalf("verify other value: %v", err)
	}
	// Turning an existing encrypted variable into sensitive ones.
	f2, tg2 := newFake(t)
	tg2.cfg.Sensitive = true
	f2.Add("API_KEY", newValue().Reveal(), "encrypted", "production", "preview", "development")
	if err := tg2.Put(ctx, "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	if got := f2.Values("API_KEY"); got["production"] != "sensitive:"+v.Reveal() || got["development"] != "encrypted:"+v.Reveal() {
		t.Fatalf("after convert: %v", got)
	}
}

func TestVerifyMissingAndPresenceOnly(t *testing.T) {
	f, tg := newFake(t)
	v := newValue()
	ctx := context.Background()
	err := tg.Verify(ctx, "API_KEY", v)
	if !errors.Is(err, remediate.ErrMissing) {
		t.Fatalf("want missing, got %v", err)
	}
	f.Add("API_KEY", v.Reveal(), "encrypted", "production")
	if err := tg.Verify(ctx, "API_KEY", v); !errors.Is(err, remediate.ErrMissing) || !strings.Contains(err.Error(), "preview, development") {
		t.Fatalf("partial: %v", err)
	}
	f.Add("API_KEY", v.Reveal(), "encrypted", "preview", "development")
	f.NoDecrypt = true
	res, err := tg.VerifyDetail(ctx, "API_KEY", v)
	if err != nil || !res.PresenceOnly || res.Reason == "" {
		t.Fatalf("presence: %+v %v", res, err)
	}
}

func TestKeyNameOverride(t *testing.T) {
	f, tg := newFake(t)
	tg.cfg.KeyName = "RENAMED"
	v := newValue()
	if err := tg.Put(context.Background(), "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	if len(f.Values("RENAMED")) != 3 || len(f.Values("API_KEY")) != 0 {
		t.Fatal("name override not applied")
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("500 then success", func(t *testing.T) {
		f, tg := newFake(t)
		n := 0
		f.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
			n++
			if n == 1 {
				w.WriteHeader(500)
				return true
			}
			return false
		}
		if err := tg.Put(ctx, "K", newValue()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("429 with Retry-After", func(t *testing.T) {
		f, tg := newFake(t)
		var waits []time.Duration
		tg.client.Sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
		n := 0
		f.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
			n++
			if n == 1 {
				w.Header().Set("Retry-After", "3")
				w.WriteHeader(429)
				return true
			}
			return false
		}
		if err := tg.Put(ctx, "K", newValue()); err != nil {
			t.Fatal(err)
		}
		if len(waits) != 1 || waits[0] != 3*time.Second {
			t.Fatalf("waits %v", waits)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		f, tg := newFake(t)
		tg.client.Timeout = 50 * time.Millisecond
		n := 0
		f.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
			n++
			if n == 1 {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
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
	t.Run("malformed JSON", func(t *testing.T) {
		f, tg := newFake(t)
		v := newValue()
		f.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
			fmt.Fprint(w, `{"envs":[{"key":"K","value":"`+v.Reveal()+`"`)
			return true
		}
		err := tg.Verify(ctx, "K", v)
		if err == nil || !strings.Contains(err.Error(), "malformed JSON") {
			t.Fatalf("err %v", err)
		}
		noLeak(t, err, v)
	})
	t.Run("401 no retry", func(t *testing.T) {
		f, tg := newFake(t)
		tg.client.Token = func() (string, error) { return "wrong" + f.Token, nil }
		v := newValue()
		err := tg.Put(ctx, "K", v)
		if httpx.StatusOf(err) != 401 || len(f.Calls()) != 1 || !strings.Contains(hint.Of(err), "token") {
			t.Fatalf("err %v, calls %v", err, f.Calls())
		}
		noLeak(t, err, v)
	})
	t.Run("token not set", func(t *testing.T) {
		_, tg := newFake(t)
		tg.client.Token = httpx.TokenFromEnv(func(string) string { return "" }, "VERCEL_TOKEN")
		err := tg.Put(ctx, "K", newValue())
		if err == nil || !strings.Contains(err.Error(), "VERCEL_TOKEN is not set") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("value echoed in an API error", func(t *testing.T) {
		f, tg := newFake(t)
		v := newValue()
		f.Intercept = func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodPost {
				fakeapi.VercelBadRequest(w, "bad_value", "invalid value "+v.Reveal())
				return true
			}
			return false
		}
		err := tg.Put(ctx, "K", v)
		if err == nil || !strings.Contains(err.Error(), "bad_value") {
			t.Fatalf("err %v", err)
		}
		noLeak(t, err, v)
	})
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}, &httpx.Client{}); err == nil {
		t.Error("empty project accepted")
	}
	if _, err := New(Config{Project: "p", Environments: []string{"staging"}}, &httpx.Client{}); err == nil {
		t.Error("unknown environment accepted")
	}
}

// A client without an API root talks to Vercel's; the caller's client is
// left as it was.
func TestNewDefaultAPIURL(t *testing.T) {
	c := &httpx.Client{}
	tg, err := New(Config{Project: "p"}, c)
	if err != nil {
		t.Fatal(err)
	}
	if tg.client.BaseURL != DefaultAPIURL || c.BaseURL != "" {
		t.Fatalf("API root %q (caller's %q), want %q", tg.client.BaseURL, c.BaseURL, DefaultAPIURL)
	}
	own := &httpx.Client{BaseURL: "https://vercel.example"}
	if tg, err = New(Config{Project: "p"}, own); err != nil || tg.client != own {
		t.Fatalf("a set API root: %v, client replaced: %v", err, tg.client != own)
	}
}
