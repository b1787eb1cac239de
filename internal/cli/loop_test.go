package cli

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/internal/testkit/fakeapi"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// doctor --online never says a target "holds the current value" when it
// could only see that the key is present (a Vercel sensitive variable):
// failed on the main of a322c24.
func TestDoctorVerifierPresenceOnly(t *testing.T) {
	f := fakeapi.NewVercel(t, "p", "test-token")
	f.Add("TAVILY_API_KEY", "", "sensitive", "production")
	cfg := &config.Config{Targets: map[string]config.Target{"vercel": {Type: "vercel", Project: "p", Environments: []string{"production"}, APIURL: f.URL}}}
	env := func(k string) string {
		if k == "VERCEL_TOKEN" {
			return "test-token"
		}
		return ""
	}
	check := remediate.VerifyAt(targetsOf(cfg, t.TempDir(), env, f.Client))
	err := check(context.Background(), "vercel", "TAVILY_API_KEY", secret.New("tvly-"+rules.RandString(32, "alnum")))
	if !errors.Is(err, remediate.ErrNotReadable) {
		t.Fatalf("presence-only target: %v, want ErrNotReadable", err)
	}
}

// The whole doctor --online: a Vercel sensitive variable (presence only)
// is reported "present (value not readable)" and never "holds the current
// value"; a readable target that holds the value says so (issue 11 item 4).
func TestDoctorOnlinePresenceOnly(t *testing.T) {
	v := "tvly-" + rules.RandString(32, "alnum")
	sensitive := fakeapi.NewVercel(t, "p", "test-token")
	sensitive.Add("TAVILY_API_KEY", v, "sensitive", "production")
	readable := fakeapi.NewVercel(t, "p", "test-token")
	readable.Add("TAVILY_API_KEY", v, "encrypted", "production")
	repo := gitRepo(t)
	config := func(apiURL string) {
		writeT(t, repo, "leakguard.toml", `[[keys]]
name = "TAVILY_API_KEY"
source = "env:LG_TEST_TV"
targets = ["vercel"]

[targets.vercel]
type = "vercel"
project = "p"
environments = ["production"]
token_env = "LG_TEST_VERCEL_TOKEN"
api_url = "`+apiURL+`"
`)
	}
	config(sensitive.URL)
	t.Setenv("LG_TEST_TV", v)
	t.Setenv("LG_TEST_VERCEL_TOKEN", "test-token")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	_, out, errs := runCLI(t, "", "doctor", "--online", "-C", repo)
	if !strings.Contains(out, "TAVILY_API_KEY: present (value not readable)") || strings.Contains(out, "holds the current value") {
		t.Fatalf("sensitive variable:\n%s%s", out, errs)
	}
	noLeakOf(t, []string{v}, out, errs)
	config(readable.URL)
	_, out, errs = runCLI(t, "", "doctor", "--online", "-C", repo)
	if !strings.Contains(out, "TAVILY_API_KEY: holds the current value") || strings.Contains(out, "not readable") {
		t.Fatalf("readable variable:\n%s%s", out, errs)
	}
}
