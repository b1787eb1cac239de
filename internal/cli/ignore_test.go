package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
)

// Issue 12 item 5: the block message prints the exact 'leakguard ignore'
// command; 'ignore' writes one entry; 'baseline' refuses managed and
// high-confidence findings without --include-high; the advice fits the
// context.

// hookEnv is the environment of an in-process hook run: a state
// directory of the test's own.
func hookEnv(t *testing.T) map[string]string {
	return map[string]string{"XDG_STATE_HOME": t.TempDir(), "HOME": t.TempDir(), "NO_COLOR": "1"}
}

// committedRepo is a repository with one commit (its fingerprint key).
func committedRepo(t *testing.T) string {
	dir := gitRepo(t)
	writeT(t, dir, "README", "hello\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "init")
	return dir
}

// genericPassword is a medium-confidence finding in config.yaml (with a
// digit: a value of letters alone may be a word, and is not reported).
func genericPassword() string {
	return "service_password = \"" + rules.RandString(9, "alnum") + "7" + rules.RandString(8, "alnum") + "\"\n"
}

var ignoreCmdRe = regexp.MustCompile(`leakguard ignore ([a-z0-9-]+:[0-9a-f]{32}) --reason`)

func TestBlockMessageIgnoreCommand(t *testing.T) {
	env := hookEnv(t)
	dir := committedRepo(t)
	pw := genericPassword()
	writeT(t, dir, "config.yaml", pw)
	gitT(t, dir, "add", ".")
	code, out, errs := runWithEnv(t, env, false, "scan", "--staged", "-C", dir)
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	m := ignoreCmdRe.FindStringSubmatch(errs)
	if m == nil {
		t.Fatalf("the block message has no 'leakguard ignore RULE:KEYED-HASH' command:\n%s", errs)
	}
	if !strings.Contains(errs, "commit .leakguardignore") {
		t.Errorf("the block message does not say to commit .leakguardignore:\n%s", errs)
	}
	if strings.Contains(errs, "leakguard baseline") {
		t.Errorf("the block message still sends a hurried user to 'leakguard baseline':\n%s", errs)
	}
	secretPart := strings.Split(pw, "\"")[1]
	for _, o := range []string{out, errs} {
		if strings.Contains(o, secretPart) {
			t.Fatalf("secret printed:\n%s", o)
		}
	}
	// The record in the state directory holds no secret.
	recs, _ := filepath.Glob(filepath.Join(env["XDG_STATE_HOME"], "leakguard", "blocked", "*.json"))
	if len(recs) != 1 {
		t.Fatalf("block records: %v", recs)
	}
	if b := readT(t, recs[0]); strings.Contains(b, secretPart) || !strings.Contains(b, m[1]) {
		t.Fatalf("block record:\n%s", b)
	}

	code, _, errs = runWithEnv(t, env, false, "ignore", "-C", dir, m[1], "--reason", "test fixture, never deployed")
	if code != ExitClean {
		t.Fatalf("ignore: exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, "added 1 entry") || !strings.Contains(errs, "git add .leakguardignore") {
		t.Errorf("ignore: stderr:\n%s", errs)
	}
	ig := readT(t, filepath.Join(dir, ".leakguardignore"))
	if !strings.Contains(ig, m[1]+" config.yaml\n") || !strings.Contains(ig, "# reason: test fixture, never deployed") {
		t.Fatalf(".leakguardignore:\n%s", ig)
	}
	if n := strings.Count(ig, m[1]); n != 1 {
		t.Fatalf("%d entries, want exactly one:\n%s", n, ig)
	}
	// Again: nothing added.
	if code, _, errs := runWithEnv(t, env, false, "ignore", "-C", dir, m[1]); code != ExitClean || !strings.Contains(errs, "already in") {
		t.Fatalf("ignore twice: exit %d\n%s", code, errs)
	}
	if n := strings.Count(readT(t, filepath.Join(dir, ".leakguardignore")), m[1]); n != 1 {
		t.Fatalf("ignore twice: %d entries", n)
	}
	gitT(t, dir, "add", ".leakguardignore")
	if code, _, errs := runWithEnv(t, env, false, "scan", "--staged", "-C", dir); code != ExitClean {
		t.Fatalf("after ignore: exit %d\n%s", code, errs)
	}
}

func TestIgnoreUsage(t *testing.T) {
	env := hookEnv(t)
	dir := committedRepo(t)
	for _, args := range [][]string{
		{"ignore", "-C", dir},
		{"ignore", "-C", dir, "--last", "generic-secret-assignment:" + strings.Repeat("ab", 16)},
		{"ignore", "-C", dir, "not-a-fingerprint"},
		{"ignore", "-C", dir, "no-such-rule:" + strings.Repeat("ab", 16)},
		{"ignore", "-C", dir, "--last"},                                               // nothing blocked yet
		{"ignore", "-C", dir, "generic-secret-assignment:" + strings.Repeat("ab", 8)}, // unkeyed, nowhere to be found
	} {
		if code, _, errs := runWithEnv(t, env, false, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", args, code, ExitUsage, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".leakguardignore")); err == nil {
		t.Fatal("a refused ignore wrote the file")
	}
}

// TestIgnoreReportFingerprint: the fingerprint a report prints (unkeyed)
// is keyed from the finding in the work tree.
func TestIgnoreReportFingerprint(t *testing.T) {
	env := hookEnv(t)
	dir := committedRepo(t)
	writeT(t, dir, "config.yaml", genericPassword())
	code, out, errs := runWithEnv(t, env, false, "scan", "-C", dir, "-f", "json", ".")
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	fs := decodeFindings(t, out)
	if len(fs) != 1 {
		t.Fatalf("findings: %+v", fs)
	}
	code, _, errs = runWithEnv(t, env, false, "ignore", "-C", dir, fs[0].Fingerprint)
	if code != ExitClean {
		t.Fatalf("ignore %s: exit %d\n%s", fs[0].Fingerprint, code, errs)
	}
	ig := readT(t, filepath.Join(dir, ".leakguardignore"))
	if strings.Contains(ig, fs[0].Fingerprint) || !regexp.MustCompile(`(?m)^[a-z-]+:[0-9a-f]{32} config.yaml$`).MatchString(ig) {
		t.Fatalf("want one keyed entry:\n%s", ig)
	}
	if code, _, errs := runWithEnv(t, env, false, "scan", "-C", dir, "."); code != ExitClean {
		t.Fatalf("after ignore: exit %d\n%s", code, errs)
	}
}

func TestIgnoreLast(t *testing.T) {
	env := hookEnv(t)
	dir := committedRepo(t)
	k := testKey()
	writeT(t, dir, "keys.txt", "ANTHROPIC = \""+k+"\"\n")
	writeT(t, dir, "config.yaml", genericPassword())
	gitT(t, dir, "add", ".")
	if code, _, errs := runWithEnv(t, env, false, "scan", "--staged", "-C", dir); code != ExitFindings || !strings.Contains(errs, "leakguard ignore --last") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	code, _, errs := runWithEnv(t, env, false, "ignore", "-C", dir, "--last", "--reason", "fixtures")
	if code != ExitClean {
		t.Fatalf("ignore --last: exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, "1 finding not accepted") || !strings.Contains(errs, "anthropic-api-key") || !strings.Contains(errs, "--include-high") {
		t.Errorf("ignore --last does not say what it refused:\n%s", errs)
	}
	ig := readT(t, filepath.Join(dir, ".leakguardignore"))
	if strings.Contains(ig, "anthropic") || strings.Count(ig, "config.yaml\n") != 1 {
		t.Fatalf("ignore --last accepted a high-confidence finding, or not the other:\n%s", ig)
	}
	noLeak(t, k, errs, ig)
	gitT(t, dir, "add", ".")
	code, _, errs = runWithEnv(t, env, false, "scan", "--staged", "-C", dir)
	if code != ExitFindings || !strings.Contains(errs, "anthropic-api-key") {
		t.Fatalf("the Anthropic key must still block: exit %d\n%s", code, errs)
	}
	if code, _, errs := runWithEnv(t, env, false, "ignore", "-C", dir, "--last", "--include-high"); code != ExitClean {
		t.Fatalf("ignore --last --include-high: exit %d\n%s", code, errs)
	}
	gitT(t, dir, "add", ".")
	if code, _, errs := runWithEnv(t, env, false, "scan", "--staged", "-C", dir); code != ExitClean {
		t.Fatalf("after --include-high: exit %d\n%s", code, errs)
	}
}

func TestBaselineRefusesHigh(t *testing.T) {
	env := hookEnv(t)
	dir := committedRepo(t)
	k := testKey()
	writeT(t, dir, "keys.txt", "ANTHROPIC = \""+k+"\"\n")
	writeT(t, dir, "config.yaml", genericPassword())
	code, _, errs := runWithEnv(t, env, false, "baseline", "-C", dir)
	if code != ExitFindings {
		t.Fatalf("baseline with a high-confidence finding: exit %d, want %d\n%s", code, ExitFindings, errs)
	}
	ig := readT(t, filepath.Join(dir, ".leakguardignore"))
	if strings.Contains(ig, "anthropic-api-key:") || strings.Count(ig, " config.yaml\n") != 1 {
		t.Fatalf("baseline accepted a high-confidence finding, or not the other:\n%s", ig)
	}
	if !strings.Contains(errs, "--include-high") || !strings.Contains(errs, "leakguard ignore anthropic-api-key:") {
		t.Errorf("baseline does not say how to accept the refused finding:\n%s", errs)
	}
	noLeak(t, k, errs, ig)
	if code, _, errs := runWithEnv(t, env, false, "baseline", "-C", dir, "--include-high"); code != ExitClean {
		t.Fatalf("baseline --include-high: exit %d\n%s", code, errs)
	}
	if code, _, errs := runWithEnv(t, env, false, "scan", "-C", dir, "."); code != ExitClean {
		t.Fatalf("after baseline --include-high: exit %d\n%s", code, errs)
	}
}

func TestBlockAdviceTrackedDotenv(t *testing.T) {
	env := hookEnv(t)
	dir := committedRepo(t)
	if err := os.MkdirAll(filepath.Join(dir, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeT(t, dir, "app/.env", "ANTHROPIC_API_KEY="+testKey()+"\n")
	gitT(t, dir, "add", ".")
	code, _, errs := runWithEnv(t, env, false, "scan", "--staged", "-C", dir)
	if code != ExitFindings || !strings.Contains(errs, "git rm --cached app/.env && echo .env >> .gitignore") {
		t.Fatalf("exit %d; want the untrack advice:\n%s", code, errs)
	}
	// Not for other files.
	gitT(t, dir, "rm", "-q", "--cached", "app/.env")
	writeT(t, dir, "cfg.txt", "api = \""+testKey()+"\"\n")
	gitT(t, dir, "add", "cfg.txt")
	if _, _, errs := runWithEnv(t, env, false, "scan", "--staged", "-C", dir); strings.Contains(errs, "git rm --cached") {
		t.Fatalf("untrack advice for a file that is not a .env file:\n%s", errs)
	}
}

func TestBlockAdviceUnpushedManagedKey(t *testing.T) {
	env := hookEnv(t)
	dir := committedRepo(t)
	writeT(t, dir, "leakguard.toml", "[[keys]]\nname = \"ACME_TOKEN\"\nprovider = \"acme\"\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "config")
	base := gitT(t, dir, "rev-parse", "HEAD")
	writeT(t, dir, "deploy.sh", "export ACME_TOKEN=\""+rules.RandString(40, "alnum")+"\"\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "deploy")
	head := gitT(t, dir, "rev-parse", "HEAD")
	in := "refs/heads/main " + head + " refs/heads/main " + base + "\n"
	code, _, errs := runWithEnvStdin(t, env, in, false, "scan", "--pre-push", "-C", dir)
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	for _, want := range []string{"ACME_TOKEN: not pushed: no rotation needed", "git commit --amend", "git reset --soft @{u}", "git push --no-verify"} {
		if !strings.Contains(errs, want) {
			t.Errorf("pre-push advice lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "and rotated") {
		t.Errorf("pre-push advice asks to rotate a key that never left the machine:\n%s", errs)
	}
}
