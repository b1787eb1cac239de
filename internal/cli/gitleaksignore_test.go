package cli

import (
	"strings"
	"testing"
)

// Issue 12 item 9: a repository moving from gitleaks keeps its
// .gitleaksignore: gitleaks's fingerprints (commit:file:rule-id:line in
// git scans, file:rule-id:line for any commit and outside git), with
// gitleaks's rule ids mapped to leakguard's.

// gitleaksRepo commits config.yaml (a generic assignment on line 2) and
// keys.txt (an Anthropic key on line 1) and returns the repository and
// the commit.
func gitleaksRepo(t *testing.T) (string, string, string) {
	dir := committedRepo(t)
	k := testKey()
	writeT(t, dir, "config.yaml", "name: app\n"+genericPassword())
	writeT(t, dir, "keys.txt", "ANTHROPIC = \""+k+"\"\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "leak")
	return dir, gitT(t, dir, "rev-parse", "HEAD"), k
}

func rulesReported(t *testing.T, out string) string {
	t.Helper()
	var ids []string
	for _, f := range decodeFindings(t, out) {
		ids = append(ids, f.File+":"+f.RuleID)
	}
	return strings.Join(ids, ",")
}

func TestGitleaksIgnoreHistory(t *testing.T) {
	env := hookEnv(t)
	dir, commit, k := gitleaksRepo(t)
	run := func(ignore string) (int, string, string) {
		t.Helper()
		writeT(t, dir, ".gitleaksignore", ignore)
		return runWithEnv(t, env, false, "scan", "--history", "-C", dir, "-f", "json")
	}
	code, out, errs := run("# none yet\n")
	if code != ExitFindings || rulesReported(t, out) != "config.yaml:generic-secret-assignment,keys.txt:anthropic-api-key" {
		t.Fatalf("without entries: exit %d, %s\n%s", code, rulesReported(t, out), errs)
	}
	// gitleaks's generic-api-key is leakguard's generic-secret-assignment;
	// the commit's fingerprint hides the finding in that commit.
	code, out, errs = run(commit + ":config.yaml:generic-api-key:2\n")
	if code != ExitFindings || rulesReported(t, out) != "keys.txt:anthropic-api-key" {
		t.Fatalf("commit fingerprint: exit %d, %s\n%s", code, rulesReported(t, out), errs)
	}
	// Another commit, another line, another rule: hides nothing.
	for _, e := range []string{
		strings.Repeat("0", 40) + ":config.yaml:generic-api-key:2",
		commit + ":config.yaml:generic-api-key:1",
		commit + ":config.yaml:aws-access-token:2",
		commit + ":other.yaml:generic-api-key:2",
	} {
		if _, out, errs := run(e + "\n"); rulesReported(t, out) != "config.yaml:generic-secret-assignment,keys.txt:anthropic-api-key" {
			t.Fatalf("%s hid %s\n%s", e, rulesReported(t, out), errs)
		}
	}
	// A fingerprint without a commit hides the finding in every commit; a
	// rule id both share is that rule.
	code, out, errs = run(commit + ":config.yaml:generic-api-key:2\nkeys.txt:anthropic-api-key:1\n")
	if code != ExitClean || rulesReported(t, out) != "" {
		t.Fatalf("both hidden: exit %d, %s\n%s", code, rulesReported(t, out), errs)
	}
	noLeak(t, k, out, errs)
}

func TestGitleaksIgnoreDirAndHook(t *testing.T) {
	env := hookEnv(t)
	dir, _, _ := gitleaksRepo(t)
	writeT(t, dir, ".gitleaksignore", "config.yaml:generic-api-key:2\nnot a fingerprint\n./keys.txt:anthropic-api-key:1\n")
	code, out, errs := runWithEnv(t, env, false, "scan", "-C", dir, "-f", "json", ".")
	if code != ExitClean || rulesReported(t, out) != "" {
		t.Fatalf("dir scan: exit %d, %s\n%s", code, rulesReported(t, out), errs)
	}
	if !strings.Contains(errs, `line 2: "not a fingerprint" is not a gitleaks fingerprint`) {
		t.Errorf("no warning for the line that is not a fingerprint:\n%s", errs)
	}
	// A moved line is a different position: reported again, as gitleaks does.
	writeT(t, dir, "config.yaml", "name: app\n\n"+genericPassword())
	gitT(t, dir, "add", "config.yaml")
	if code, _, errs := runWithEnv(t, env, false, "scan", "--staged", "-C", dir); code != ExitFindings || !strings.Contains(errs, "generic-secret-assignment") {
		t.Fatalf("moved line: exit %d\n%s", code, errs)
	}
}

// .gitleaksignore names files of the repository: it never hides what is
// read from standard input, whatever the entry says (gitleaks' stdin
// scan reads no ignore file either).
func TestGitleaksIgnoreNotStdin(t *testing.T) {
	env := hookEnv(t)
	dir, _, k := gitleaksRepo(t)
	writeT(t, dir, ".gitleaksignore", "-:anthropic-api-key:1\n")
	code, out, errs := runWithEnvStdin(t, env, "ANTHROPIC = \""+k+"\"\n", false, "scan", "-C", dir, "-f", "json", "-")
	if code != ExitFindings || rulesReported(t, out) != "-:anthropic-api-key" {
		t.Fatalf("stdin: exit %d, %q\n%s", code, rulesReported(t, out), errs)
	}
}
