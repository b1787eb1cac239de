package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/audit"
)

// Issue 12 item 11: audit links to GitHub when the origin remote is
// there, and skips the hooks check in CI.
func TestAuditGitHubLinksAndCI(t *testing.T) {
	env := hookEnv(t)
	dir := committedRepo(t)
	writeT(t, dir, "app.py", "api_key = \""+testKey()+"\"\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "leak")
	sha := gitT(t, dir, "rev-parse", "HEAD")
	gitT(t, dir, "remote", "add", "origin", "git@github.com:acme/app.git")
	code, out, errs := runWithEnv(t, env, false, "audit", "-C", dir, "-f", "html")
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if want := `href="https://github.com/acme/app/commit/` + sha + `"`; !strings.Contains(out, want) {
		t.Errorf("no %s in the HTML report", want)
	}
	env["GITHUB_ACTIONS"] = "true"
	env["GITHUB_REPOSITORY"] = "acme/other"
	_, out, errs = runWithEnv(t, env, false, "audit", "-C", dir, "-f", "json")
	var r audit.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, errs)
	}
	if r.GitHub != "https://github.com/acme/other" {
		t.Errorf("in Actions the repository is GITHUB_REPOSITORY's: %q", r.GitHub)
	}
	for _, c := range r.Checks {
		if c.ID == "hooks" && c.Status != audit.Skip {
			t.Errorf("hooks check in CI: %+v", c)
		}
	}
}
