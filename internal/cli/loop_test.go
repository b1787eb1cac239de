package cli

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// doctor --online never says a target "holds the current value" when it
// could only see that the key is present (a Vercel sensitive variable):
// failed on the main of a322c24.
func TestDoctorVerifierPresenceOnly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"envs":[{"id":"e1","key":"TAVILY_API_KEY","type":"sensitive","target":["production"]}]}`))
	}))
	defer srv.Close()
	cfg := &config.Config{Targets: map[string]config.Target{"vercel": {Type: "vercel", Project: "p", Environments: []string{"production"}, APIURL: srv.URL}}}
	env := func(k string) string {
		if k == "VERCEL_TOKEN" {
			return "test-token"
		}
		return ""
	}
	check := verifierOf(cfg, t.TempDir(), env, srv.Client())
	err := check(context.Background(), "vercel", "TAVILY_API_KEY", secret.New("tvly-"+rules.RandString(32, "alnum")))
	if !errors.Is(err, remediate.ErrNotReadable) {
		t.Fatalf("presence-only target: %v, want ErrNotReadable", err)
	}
}
