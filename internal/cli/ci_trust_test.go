package cli

import (
	"strings"
	"testing"

	"github.com/leakguard/leakguard/secret"
)

// Issue 13 item 7: a pull request cannot switch off its own scan. On
// pull_request, pull_request_target and merge_group, the config and the
// ignore file come from the base commit; a change to either in the pull
// request is shown in the job summary and as an annotation.
func TestCIPullRequestCannotSwitchOffItsScan(t *testing.T) {
	r := newCIRepo(t)
	// The base allows fixtures/ (its own, reviewed config).
	gitT(t, r.dir, "checkout", "-q", "main")
	r.commit("b1", "leakguard.toml", "[allowlist]\npaths = ['''^fixtures/''']\n")
	gitT(t, r.dir, "update-ref", "refs/remotes/origin/main", r.sha["b1"])
	gitT(t, r.dir, "checkout", "-q", "-b", "pr", r.sha["b1"])
	r.commit("p1", "leakguard.toml", "[extend]\nuse_default = false\n\n[allowlist]\npaths = ['''.*''']\n")
	leak := r.key("k5")
	r.commit("p2", ".leakguardignore", "anthropic-api-key:"+secret.Hash(leak)+"\n")
	r.commit("p2g", ".gitleaksignore", "src/app.txt:anthropic-api-key:1\n")
	r.commit("p3", "src/app.txt", "api = \""+leak+"\"\n")
	r.commit("p4", "fixtures/sample.txt", "api = \""+r.key("k6")+"\"\n")

	for _, ev := range []string{"pull_request", "pull_request_target", "merge_group"} {
		t.Run(ev, func(t *testing.T) {
			var env map[string]string
			if ev == "merge_group" {
				env = r.event(ev, map[string]any{"merge_group": map[string]any{"base_sha": r.sha["b1"], "head_sha": r.sha["p4"]}})
			} else {
				env = r.eventFile(ev, "pull_request.json", map[string]string{"base": "b1", "head": "p4"})
			}
			cr := r.run(env)
			if cr.code != ExitFindings {
				t.Fatalf("exit %d, want 1: the pull request's own config switched its scan off\n%s\n%s", cr.code, cr.stdout, cr.stderr)
			}
			if got := strings.Join(r.found(cr), ","); got != "k5" {
				t.Fatalf("found %v, want k5 (k6 is in the base's allowed fixtures/)\n%s", got, cr.stdout)
			}
			for _, f := range []string{"leakguard.toml", ".leakguardignore", ".gitleaksignore"} {
				if !strings.Contains(cr.stdout, "file="+f+",") && !strings.Contains(cr.stdout, "file="+f+"::") {
					t.Errorf("no annotation on %s:\n%s", f, cr.stdout)
				}
				if !strings.Contains(cr.summary, f) {
					t.Errorf("the summary does not name %s:\n%s", f, cr.summary)
				}
			}
			r.secretsOnlyMasked(cr)
		})
	}
}
