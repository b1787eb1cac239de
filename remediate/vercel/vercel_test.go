package vercel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/remediate/httpx"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// fake is a Vercel API that speaks the documented subset and fails the
// test on anything else.
type fake struct {
	t       *testing.T
	token   string
	team    string
	project string

	mu     sync.Mutex
	envs   []envRec
	nextID int
	calls  []string
	// inject, when set, may answer a request itself (fault injection).
	inject func(w http.ResponseWriter, r *http.Request) bool
	// noDecrypt makes the list return encrypted blobs even with decrypt.
	noDecrypt bool
}

type envRec struct {
	ID, Key, Value, Type string
	Target               []string
	GitBranch            string
}

var (
	listRe  = regexp.MustCompile(`^/v10/projects/([^/]+)/env$`)
	patchRe = regexp.MustCompile(`^/v9/projects/([^/]+)/env/([^/]+)$`)
)

func newFake(t *testing.T) (*fake, *Target) {
	t.Helper()
	f := &fake{t: t, token: "vt" + rules.RandString(24, "alnum"), team: "team_x", project: "my-app"}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := &httpx.Client{
		BaseURL: srv.URL, HTTP: srv.Client(), Timeout: 2 * time.Second,
		Token:  httpx.TokenFromEnv(func(string) string { return f.token }, "VERCEL_TOKEN"),
		Sleep:  func(ctx context.Context, d time.Duration) error { return ctx.Err() },
		Jitter: func(d time.Duration) time.Duration { return d },
	}
	tg, err := New(Config{Name: "vercel", Project: f.project, TeamID: f.team}, c)
	if err != nil {
		t.Fatal(err)
	}
	return f, tg
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	if f.inject != nil && f.inject(w, r) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"error":{"code":"forbidden","message":"Not authorized"}}`)
		return
	}
	if r.URL.Query().Get("teamId") != f.team {
		f.t.Errorf("%s %s without teamId", r.Method, r.URL.Path)
	}
	if m := listRe.FindStringSubmatch(r.URL.Path); m != nil && m[1] == f.project {
		switch r.Method {
		case http.MethodGet:
			f.list(w, r)
			return
		case http.MethodPost:
			f.create(w, r)
			return
		}
	}
	if m := patchRe.FindStringSubmatch(r.URL.Path); m != nil && m[1] == f.project && r.Method == http.MethodPatch {
		f.patch(w, r, m[2])
		return
	}
	f.t.Errorf("unexpected call %s %s", r.Method, r.URL.Path)
	w.WriteHeader(404)
	fmt.Fprint(w, `{"error":{"code":"not_found","message":"unexpected"}}`)
}

func (f *fake) list(w http.ResponseWriter, r *http.Request) {
	decrypt := r.URL.Query().Get("decrypt") == "true"
	var out []map[string]any
	for _, e := range f.envs {
		m := map[string]any{"id": e.ID, "key": e.Key, "type": e.Type, "target": e.Target}
		if e.GitBranch != "" {
			m["gitBranch"] = e.GitBranch
		}
		switch {
		case e.Type == "sensitive":
			m["value"] = ""
		case decrypt && !f.noDecrypt:
			m["value"], m["decrypted"] = e.Value, true
		default:
			m["value"], m["decrypted"] = "enc:"+fmt.Sprint(len(e.Value)), false
		}
		out = append(out, m)
	}
	json.NewEncoder(w).Encode(map[string]any{"envs": out})
}

func (f *fake) overlaps(key string, target []string, skipID string) *envRec {
	for i, e := range f.envs {
		if e.Key != key || e.ID == skipID || e.GitBranch != "" {
			continue
		}
		for _, t := range target {
			if slices.Contains(e.Target, t) {
				return &f.envs[i]
			}
		}
	}
	return nil
}

func badRequest(w http.ResponseWriter, code, msg string) {
	w.WriteHeader(400)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func (f *fake) create(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var items []createBody
	if json.Unmarshal(b, &items) != nil {
		var one createBody
		if err := json.Unmarshal(b, &one); err != nil {
			badRequest(w, "bad_request", "invalid body")
			return
		}
		items = []createBody{one}
	}
	upsert := r.URL.Query().Get("upsert") == "true"
	for _, it := range items {
		if it.Type == "sensitive" && slices.Contains(it.Target, "development") {
			badRequest(w, "bad_request", "sensitive variables are not allowed in development")
			return
		}
		if e := f.overlaps(it.Key, it.Target, ""); e != nil {
			// Upsert only updates a variable with exactly these targets.
			same := slices.Equal(slices.Sorted(slices.Values(e.Target)), slices.Sorted(slices.Values(it.Target)))
			if !upsert || !same {
				badRequest(w, "ENV_ALREADY_EXISTS", "A variable with the name `"+it.Key+"` already exists for the target")
				return
			}
			e.Value, e.Type = it.Value, it.Type
			continue
		}
		f.nextID++
		f.envs = append(f.envs, envRec{ID: fmt.Sprintf("env%d", f.nextID), Key: it.Key, Value: it.Value, Type: it.Type, Target: it.Target})
	}
	w.WriteHeader(201)
	fmt.Fprint(w, `{"created":[]}`)
}

func (f *fake) patch(w http.ResponseWriter, r *http.Request, id string) {
	var body patchBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		badRequest(w, "bad_request", "invalid body")
		return
	}
	for i := range f.envs {
		e := &f.envs[i]
		if e.ID != id {
			continue
		}
		typ, target := e.Type, e.Target
		if body.Type != "" {
			typ = body.Type
		}
		if body.Target != nil {
			target = body.Target
		}
		if typ == "sensitive" && slices.Contains(target, "development") {
			badRequest(w, "bad_request", "sensitive variables are not allowed in development")
			return
		}
		if f.overlaps(e.Key, target, e.ID) != nil {
			badRequest(w, "ENV_ALREADY_EXISTS", "overlapping targets")
			return
		}
		e.Type, e.Target = typ, target
		if body.Value != nil {
			e.Value = *body.Value
		}
		json.NewEncoder(w).Encode(map[string]string{"id": e.ID})
		return
	}
	w.WriteHeader(404)
	fmt.Fprint(w, `{"error":{"code":"not_found","message":"no such env"}}`)
}

func (f *fake) add(key, value, typ string, target ...string) {
	f.nextID++
	f.envs = append(f.envs, envRec{ID: fmt.Sprintf("env%d", f.nextID), Key: key, Value: value, Type: typ, Target: target})
}

// state returns "type:targets=value-matches" per variable of key.
func (f *fake) values(key string) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for _, e := range f.envs {
		if e.Key == key {
			for _, t := range e.Target {
				out[t] = e.Type + ":" + e.Value
			}
		}
	}
	return out
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
	got := f.values("API_KEY")
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
	f.add("API_KEY", old.Reveal(), "encrypted", "production", "preview", "development")
	ctx := context.Background()
	if err := tg.Verify(ctx, "API_KEY", v); !errors.Is(err, remediate.ErrMismatch) {
		t.Fatalf("verify before put: %v", err)
	} else {
		noLeak(t, err, v, old)
	}
	if err := tg.Put(ctx, "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	if n := len(f.envs); n != 1 {
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
	f.add("API_KEY", old.Reveal(), "encrypted", "preview", "development")
	f.add("API_KEY", old.Reveal(), "plain", "production")
	ctx := context.Background()
	if err := tg.Put(ctx, "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	got := f.values("API_KEY")
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
	f.add("API_KEY", old.Reveal(), "encrypted", "production", "preview", "development")
	// The first upsert is refused as if the API did not merge it.
	refused := false
	f.inject = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost && !refused {
			refused = true
			badRequest(w, "ENV_ALREADY_EXISTS", "exists")
			return true
		}
		return false
	}
	if err := tg.Put(context.Background(), "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	if got := f.values("API_KEY")["preview"]; got != "encrypted:"+v.Reveal() {
		t.Fatalf("preview %q", got)
	}
	if !slices.Contains(f.calls, "PATCH /v9/projects/my-app/env/env1") {
		t.Fatalf("no PATCH in %v", f.calls)
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
	got := f.values("API_KEY")
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
	f2.add("API_KEY", newValue().Reveal(), "encrypted", "production", "preview", "development")
	if err := tg2.Put(ctx, "API_KEY", v); err != nil {
		t.Fatal(err)
	}
	if got := f2.values("API_KEY"); got["production"] != "sensitive:"+v.Reveal() || got["development"] != "encrypted:"+v.Reveal() {
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
	f.add("API_KEY", v.Reveal(), "encrypted", "production")
	if err := tg.Verify(ctx, "API_KEY", v); !errors.Is(err, remediate.ErrMissing) || !strings.Contains(err.Error(), "preview, development") {
		t.Fatalf("partial: %v", err)
	}
	f.add("API_KEY", v.Reveal(), "encrypted", "preview", "development")
	f.noDecrypt = true
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
	if len(f.values("RENAMED")) != 3 || len(f.values("API_KEY")) != 0 {
		t.Fatal("name override not applied")
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("500 then success", func(t *testing.T) {
		f, tg := newFake(t)
		n := 0
		f.inject = func(w http.ResponseWriter, r *http.Request) bool {
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
		f.inject = func(w http.ResponseWriter, r *http.Request) bool {
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
		f.inject = func(w http.ResponseWriter, r *http.Request) bool {
			n++
			if n == 1 {
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
		f.inject = func(w http.ResponseWriter, r *http.Request) bool {
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
		tg.client.Token = func() (string, error) { return "wrong" + f.token, nil }
		v := newValue()
		err := tg.Put(ctx, "K", v)
		if httpx.StatusOf(err) != 401 || len(f.calls) != 1 || !strings.Contains(hint.Of(err), "token") {
			t.Fatalf("err %v, calls %v", err, f.calls)
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
		f.inject = func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodPost {
				badRequest(w, "bad_value", "invalid value "+v.Reveal())
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
