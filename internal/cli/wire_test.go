package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/internal/testkit/fakeapi"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

func noEnv(string) string { return "" }

func TestNewTargetDispatch(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		t    config.Target
		want string // "" = builds
	}{
		{config.Target{Type: "vercel", Project: "p"}, ""},
		{config.Target{Type: "vercel"}, "project is not set"},
		{config.Target{Type: "supabase-secrets", ProjectRef: "ref"}, ""},
		{config.Target{Type: "supabase-secrets"}, "project_ref"},
		{config.Target{Type: "postgres"}, ""},
		{config.Target{Type: "postgres", Table: "x;y"}, "not a plain identifier"},
		{config.Target{Type: "dotenv", Path: filepath.Join(dir, ".env")}, ""},
		{config.Target{Type: "file", Path: filepath.Join(dir, "s.json"), Pointer: "/env/{key}"}, ""},
		{config.Target{Type: "file"}, "path is not set"},
		{config.Target{Type: "s3"}, `unknown type "s3"`},
		{config.Target{}, "type is not set"},
	} {
		tg, err := newTarget("mytarget", c.t, "", noEnv, nil)
		if c.want == "" {
			if err != nil {
				t.Errorf("%+v: %v", c.t, err)
			} else if tg.Name() != "mytarget" {
				t.Errorf("name %q", tg.Name())
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "mytarget") {
			t.Errorf("%+v: got %v, want %q naming the target", c.t, err, c.want)
		}
		if c.t.Type == "s3" && !strings.Contains(err.Error(), "vercel, supabase-secrets, postgres, dotenv, file") {
			t.Errorf("unknown type error lacks the known types: %v", err)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".env")
	tg, err := newTarget("env", config.Target{Type: "dotenv", Path: p, Name: "RENAMED"}, "", noEnv, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	v := secret.New(rules.RandString(40, "alnum"))
	if err := tg.Verify(ctx, "KEY", v); !errors.Is(err, remediate.ErrMissing) {
		t.Fatalf("missing: %v", err)
	}
	if err := tg.Put(ctx, "KEY", v); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); !strings.HasPrefix(string(b), "RENAMED=") {
		t.Fatalf("name override: %q", b)
	}
	res, err := remediate.VerifyDetail(ctx, tg, "KEY", v)
	if err != nil || res.String() != "verified" {
		t.Fatalf("verify: %v %v", res, err)
	}
	other := secret.New(rules.RandString(40, "alnum"))
	err = tg.Verify(ctx, "KEY", other)
	if !errors.Is(err, remediate.ErrMismatch) || errors.Is(err, remediate.ErrMissing) {
		t.Fatalf("mismatch: %v", err)
	}
	if strings.Contains(err.Error(), v.Reveal()) || strings.Contains(err.Error(), other.Reveal()) {
		t.Fatalf("error leaks a value: %v", err)
	}
	if remediate.NoteOf(tg) != "" {
		t.Fatal("dotenv has no note")
	}
}

func TestVercelPresenceOnlyAndNote(t *testing.T) {
	v := secret.New(rules.RandString(40, "alnum"))
	token := rules.RandString(24, "alnum")
	f := fakeapi.NewVercel(t, "app", token)
	f.Add("K", v.Reveal(), "sensitive", "production", "preview")
	getenv := func(k string) string {
		if k == "MY_VERCEL" {
			return token
		}
		return ""
	}
	tg, err := newTarget("vc", config.Target{Type: "vercel", Project: "app", APIURL: f.URL, TokenEnv: "MY_VERCEL", Environments: []string{"production", "preview"}, Sensitive: true}, "", getenv, f.Client)
	if err != nil {
		t.Fatal(err)
	}
	res, err := remediate.VerifyDetail(context.Background(), tg, "K", v)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.String(); got != "verified (presence: sensitive values cannot be read back)" {
		t.Fatalf("status %q", got)
	}
	if n := remediate.NoteOf(tg); !strings.Contains(n, "new deployments") || !strings.Contains(n, "presence only: sensitive values cannot be read back") {
		t.Fatalf("note %q", n)
	}
	// Missing token variable.
	tg2, _ := newTarget("vc", config.Target{Type: "vercel", Project: "app", APIURL: f.URL}, "", noEnv, f.Client)
	if err := tg2.Put(context.Background(), "K", v); err == nil || !strings.Contains(err.Error(), "VERCEL_TOKEN is not set") {
		t.Fatalf("no token: %v", err)
	}
	// Missing DSN variable.
	tg3, _ := newTarget("db", config.Target{Type: "postgres", DSNEnv: "APP_DSN"}, "", noEnv, nil)
	if err := tg3.Verify(context.Background(), "K", v); err == nil || !strings.Contains(err.Error(), "APP_DSN is not set") {
		t.Fatalf("no DSN: %v", err)
	}
}

// $LEAKGUARD_HTTP_TIMEOUT sets the run's one HTTP client's timeout (a Go
// duration; unset, 30 s; httpx's TestClientFromEnv checks what is
// refused).
func TestHTTPTimeoutFromEnv(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 30 * time.Second, "250ms": 250 * time.Millisecond, " 2m ": 2 * time.Minute} {
		s := &IO{Getenv: func(k string) string {
			if k == "LEAKGUARD_HTTP_TIMEOUT" {
				return v
			}
			return ""
		}}
		hc, err := s.httpClient()
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if got := hc.Timeout; got != want {
			t.Errorf("%q: timeout %s, want %s", v, got, want)
		}
		if again, _ := s.httpClient(); again != hc {
			t.Errorf("%q: a second client for the same run", v)
		}
	}
}

// An invalid $LEAKGUARD_HTTP_TIMEOUT stops any command that would call an
// API with a usage error (exit 2) and a hint, before anything is sent.
func TestHTTPTimeoutInvalidIsUsage(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"LEAKGUARD_HTTP_TIMEOUT": "soon", "XDG_STATE_HOME": filepath.Join(dir, "state"), "HOME": dir}
	code, _, stderr := runWithEnv(t, env, false, "incidents", "-C", dir)
	if code != ExitUsage || !strings.Contains(stderr, `LEAKGUARD_HTTP_TIMEOUT="soon"`) || !strings.Contains(stderr, "hint: ") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// Every command that would call an API refuses the same way, with the
	// duration's hint, before any request: doctor --online and audit
	// --open-issue too.
	repo := gitRepo(t)
	writeT(t, repo, "leakguard.toml", "[github]\nrepo = \"acme/infra\"\n\n[[keys]]\nname = \"DEPLOY_TOKEN\"\nsource = \"env:DEPLOY_TOKEN\"\ntargets = [\"local\"]\n\n[targets.local]\ntype = \"dotenv\"\npath = \".env.local\"\n")
	gitT(t, repo, "add", ".")
	gitT(t, repo, "commit", "-qm", "config")
	env["LG_TOKEN"] = "x"
	for _, args := range [][]string{{"doctor", "--online", "-C", repo}, {"audit", "--open-issue", "-C", repo}} {
		code, _, stderr := runWithEnv(t, env, false, args...)
		if code != ExitUsage || !strings.Contains(stderr, `LEAKGUARD_HTTP_TIMEOUT="soon"`) || !strings.Contains(stderr, "hint: set it to a Go duration") {
			t.Errorf("%s: exit %d, stderr %q", args[0], code, stderr)
		}
	}
}

// --verify asks providers through the run's HTTP settings: an invalid
// $LEAKGUARD_HTTP_TIMEOUT refuses it (exit 2) before anything is sent,
// and a valid one bounds each request to the provider.
func TestVerifyHonoursHTTPTimeout(t *testing.T) {
	release := make(chan struct{})
	calls := 0
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		select { // a provider that answers late
		case <-release:
		case <-time.After(2 * time.Second):
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":[]}`)
	}))
	defer srv.Close()
	defer close(release)
	dir := t.TempDir()
	writeT(t, dir, "leakguard.toml", "[verify.endpoints]\nanthropic = \""+srv.URL+"\"\n")
	env := hookEnv(t)
	in := "ANTHROPIC = \"" + testKey() + "\"\n"

	env["LEAKGUARD_HTTP_TIMEOUT"] = "soon"
	code, _, stderr := runWithEnvStdin(t, env, in, false, "scan", "--verify", "-C", dir, "-")
	mu.Lock()
	n := calls
	mu.Unlock()
	if code != ExitUsage || !strings.Contains(stderr, `LEAKGUARD_HTTP_TIMEOUT="soon"`) || n != 0 {
		t.Fatalf("invalid timeout: exit %d, %d calls, stderr %q", code, n, stderr)
	}

	env["LEAKGUARD_HTTP_TIMEOUT"] = "100ms"
	code, _, stderr = runWithEnvStdin(t, env, in, false, "scan", "--verify", "-C", dir, "-")
	if code != ExitFindings || !strings.Contains(stderr, "verified: 1 unknown") || strings.Contains(stderr, "live") {
		t.Fatalf("100ms timeout against a 2s provider: exit %d, stderr %q", code, stderr)
	}
}
