package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/testkit/gitrepo"
	"github.com/leakguard/leakguard/rules"
)

func testKey() string { return "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA" }

// The git helpers of internal/testkit/gitrepo, under this package's
// names.
var (
	gitT    = gitrepo.Git
	gitRepo = gitrepo.New
	writeT  = gitrepo.Write
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// noLeak fails when any part of a planted key shows up in output.
func noLeak(t *testing.T, key string, outs ...string) {
	t.Helper()
	body := key[len("sk-ant-api03-"):]
	for _, o := range outs {
		if strings.Contains(o, key) || strings.Contains(o, body[:20]) || strings.Contains(o, body[len(body)-20:]) {
			t.Fatalf("secret printed:\n%s", o)
		}
	}
}

func TestScanStagedCLI(t *testing.T) {
	dir := gitRepo(t)
	writeT(t, dir, "ok.txt", "hello\n")
	gitT(t, dir, "add", ".")
	if code, _, errs := runCLI(t, "", "scan", "--staged", "-C", dir); code != ExitClean {
		t.Fatalf("clean: exit %d\n%s", code, errs)
	}
	k := testKey()
	writeT(t, dir, "cfg.txt", "api = \""+k+"\"\n")
	gitT(t, dir, "add", ".")
	code, out, errs := runCLI(t, "", "scan", "--staged", "-C", dir)
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if !strings.Contains(out, "cfg.txt") {
		t.Fatalf("report:\n%s", out)
	}
	for _, want := range []string{".env", "leakguard:allow", ".leakguardignore", "git commit --no-verify"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	noLeak(t, k, out, errs)
	// JSON output: no advice on stderr, still redacted.
	code, out, errs = runCLI(t, "", "scan", "--staged", "-C", dir, "-f", "json")
	if code != ExitFindings || strings.Contains(errs, "--no-verify") {
		t.Fatalf("json: exit %d\n%s", code, errs)
	}
	noLeak(t, k, out, errs)
}

func TestScanGitUsageErrors(t *testing.T) {
	code, _, errs := runCLI(t, "", "scan", "--staged", "-C", t.TempDir())
	if code != ExitUsage || !strings.Contains(errs, "not a git repository") || !strings.Contains(errs, "hint: run inside a repository or pass -C DIR") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	dir := gitRepo(t)
	if code, _, errs := runCLI(t, "", "scan", "--history", "--range", "nope..main", "-C", dir); code != ExitUsage {
		t.Fatalf("bad range: exit %d\n%s", code, errs)
	}
	if code, _, _ := runCLI(t, "", "scan", "--staged", "--history", "-C", dir); code != ExitUsage {
		t.Fatalf("two modes: exit %d", code)
	}
	if code, _, _ := runCLI(t, "", "scan", "--staged", "--range", "a..b", "-C", dir); code != ExitUsage {
		t.Fatalf("--range without --history: exit %d", code)
	}
}

func TestScanHistoryCLI(t *testing.T) {
	src := gitRepo(t)
	k := testKey()
	writeT(t, src, "a.txt", "k = \""+k+"\"\n")
	gitT(t, src, "add", ".")
	gitT(t, src, "commit", "-q", "-m", "add")
	gitT(t, src, "rm", "-q", "a.txt")
	gitT(t, src, "commit", "-q", "-m", "remove")
	code, out, errs := runCLI(t, "", "scan", "--history", "-C", src, "-f", "json")
	if code != ExitFindings || !strings.Contains(out, `"Commit"`) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	noLeak(t, k, out, errs)

	// A partial clone: old blobs are missing. Not aborted; --strict
	// makes it exit 3.
	gitT(t, src, "config", "uploadpack.allowFilter", "true")
	dst := t.TempDir()
	gitT(t, dst, "clone", "-q", "--filter=blob:none", "--no-checkout", "file://"+src, "c")
	clone := filepath.Join(dst, "c")
	code, _, errs = runCLI(t, "", "scan", "--history", "-C", clone)
	if code != ExitClean || !strings.Contains(errs, "missing") {
		t.Fatalf("partial clone: exit %d\n%s", code, errs)
	}
	code, _, errs = runCLI(t, "", "scan", "--history", "--strict", "-C", clone)
	if code != ExitIncomplete {
		t.Fatalf("partial clone --strict: exit %d\n%s", code, errs)
	}
}

func TestScanPrePushCLI(t *testing.T) {
	dir := gitRepo(t)
	writeT(t, dir, "a.txt", "x\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "base")
	base := gitT(t, dir, "rev-parse", "HEAD")
	k := testKey()
	writeT(t, dir, "a.txt", "x\nk = \""+k+"\"\n")
	gitT(t, dir, "commit", "-q", "-am", "leak")
	head := gitT(t, dir, "rev-parse", "HEAD")
	in := "refs/heads/main " + head + " refs/heads/main " + base + "\n"
	code, out, errs := runCLI(t, in, "scan", "--pre-push", "-C", dir)
	if code != ExitFindings || !strings.Contains(errs, "git push --no-verify") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	noLeak(t, k, out, errs)
	// The pre-commit framework passes the range in the environment.
	t.Setenv("PRE_COMMIT_FROM_REF", base)
	t.Setenv("PRE_COMMIT_TO_REF", head)
	if code, _, errs := runCLI(t, "", "scan", "--pre-push", "-C", dir); code != ExitFindings {
		t.Fatalf("pre-commit framework: exit %d\n%s", code, errs)
	}
	t.Setenv("PRE_COMMIT_TO_REF", "")
	in = "(delete) 0000000000000000000000000000000000000000 refs/heads/x " + base + "\n"
	if code, _, errs := runCLI(t, in, "scan", "--pre-push", "-C", dir); code != ExitClean {
		t.Fatalf("deletion: exit %d\n%s", code, errs)
	}

	// Input past what is read before the configuration loads
	// (maxEarlyPush) is read on from there: the update at its end is
	// scanned. Garbage that long fails as before.
	noop := "refs/heads/main " + base + " refs/heads/main " + base + "\n"
	long := strings.Repeat(noop, maxEarlyPush/len(noop)+10) + "refs/heads/main " + head + " refs/heads/main " + base + "\n"
	if code, out, errs := runCLI(t, long, "scan", "--pre-push", "-C", dir); code != ExitFindings || !strings.Contains(out, "a.txt") {
		t.Fatalf("a long push: exit %d\n%s", code, errs)
	}
	if code, _, errs := runCLI(t, strings.Repeat("y\n", maxEarlyPush), "scan", "--pre-push", "-C", dir); code != ExitUsage || !strings.Contains(errs, "pre-push") {
		t.Fatalf("garbage: exit %d\n%s", code, errs)
	}
}

// TestScanPrePushPreCommitFramework: the pre-commit framework keeps the
// pre-push hook's standard input and describes the push in its
// environment (pre_commit/commands/hook_impl.py, _pre_push_ns). When the
// pushed commits begin with a root commit (a new repository's first push)
// it gives no PRE_COMMIT_FROM_REF/TO_REF, only the local branch: the scan
// reads the commits no remote-tracking ref has, never nothing. A range it
// cannot work out is exit 3 with a hint, never a pass.
func TestScanPrePushPreCommitFramework(t *testing.T) {
	framework := func(local string) {
		t.Setenv("PRE_COMMIT", "1")
		t.Setenv("PRE_COMMIT_FROM_REF", "")
		t.Setenv("PRE_COMMIT_TO_REF", "")
		t.Setenv("PRE_COMMIT_LOCAL_BRANCH", local)
		t.Setenv("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main")
		t.Setenv("PRE_COMMIT_REMOTE_NAME", "origin")
		t.Setenv("PRE_COMMIT_REMOTE_URL", "https://example.com/r.git")
	}
	// A new repository whose only commit holds a key.
	dir := gitRepo(t)
	k := testKey()
	writeT(t, dir, "a.txt", "k = \""+k+"\"\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "root")
	framework("refs/heads/main")
	code, out, errs := runCLI(t, "", "scan", "--pre-push", "-C", dir)
	if code != ExitFindings || !strings.Contains(errs, "this push is blocked") {
		t.Fatalf("first push of a new repository: exit %d\n%s\n%s", code, out, errs)
	}
	noLeak(t, k, out, errs)
	// Its second commit leaks; the local ref as git names it (HEAD, a
	// revision, a sha) is what the framework passes on.
	writeT(t, dir, "a.txt", "clean\n")
	gitT(t, dir, "commit", "-q", "-am", "clean")
	root := gitT(t, dir, "rev-parse", "HEAD~1")
	writeT(t, dir, "b.txt", "k = \""+testKey()+"\"\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "leak")
	for _, local := range []string{"HEAD", "main", gitT(t, dir, "rev-parse", "HEAD")} {
		framework(local)
		if code, out, errs := runCLI(t, "", "scan", "--pre-push", "-C", dir); code != ExitFindings || !strings.Contains(out, "b.txt") {
			t.Fatalf("local ref %q: exit %d\n%s\n%s", local, code, out, errs)
		}
	}
	// Commits a remote-tracking ref has are not pushed again: the root's
	// key is on the remote, the clean commit is all that is new.
	gitT(t, dir, "update-ref", "refs/remotes/origin/main", "HEAD~1")
	framework("HEAD~1")
	if code, _, errs := runCLI(t, "", "scan", "--pre-push", "-C", dir); code != ExitClean {
		t.Fatalf("pushed commits on a remote-tracking ref: exit %d\n%s", code, errs)
	}
	gitT(t, dir, "update-ref", "-d", "refs/remotes/origin/main")
	// pre-commit run --hook-stage pre-push --from-ref … --to-ref … takes
	// revisions as well as shas.
	framework("")
	t.Setenv("PRE_COMMIT_FROM_REF", root)
	t.Setenv("PRE_COMMIT_TO_REF", "main")
	if code, out, errs := runCLI(t, "", "scan", "--pre-push", "-C", dir); code != ExitFindings || !strings.Contains(out, "b.txt") || strings.Contains(out, "a.txt") {
		t.Fatalf("--from-ref ROOT --to-ref main: exit %d\n%s\n%s", code, out, errs)
	}
	// What cannot be worked out fails closed: exit 3 with a hint.
	for name, env := range map[string][2]string{
		"no range":          {"", ""},
		"unknown local ref": {"refs/heads/nope", ""},
		"unknown to-ref":    {"", "nope"},
	} {
		framework(env[0])
		t.Setenv("PRE_COMMIT_FROM_REF", root)
		if env[1] == "" {
			t.Setenv("PRE_COMMIT_FROM_REF", "")
		}
		t.Setenv("PRE_COMMIT_TO_REF", env[1])
		code, _, errs := runCLI(t, "", "scan", "--pre-push", "-C", dir)
		if code != ExitIncomplete || !strings.Contains(errs, "hint:") || !strings.Contains(errs, "pre-push") {
			t.Fatalf("%s: exit %d\n%s", name, code, errs)
		}
	}
	// A plain git hook with nothing on its standard input pushes nothing.
	for _, v := range []string{"PRE_COMMIT", "PRE_COMMIT_LOCAL_BRANCH", "PRE_COMMIT_REMOTE_BRANCH", "PRE_COMMIT_REMOTE_NAME", "PRE_COMMIT_REMOTE_URL", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF"} {
		t.Setenv(v, "")
	}
	if code, _, errs := runCLI(t, "", "scan", "--pre-push", "-C", dir); code != ExitClean {
		t.Fatalf("plain hook, nothing pushed: exit %d\n%s", code, errs)
	}
}

func TestHooksCLI(t *testing.T) {
	dir := gitRepo(t)
	if code, _, errs := runCLI(t, "", "hooks", "install", "-C", dir); code != ExitClean {
		t.Fatalf("install: exit %d\n%s", code, errs)
	}
	if code, _, errs := runCLI(t, "", "hooks", "install", "--pre-push", "-C", dir); code != ExitClean {
		t.Fatalf("install --pre-push: exit %d\n%s", code, errs)
	}
	code, out, _ := runCLI(t, "", "hooks", "status", "-C", dir)
	if code != ExitClean || !strings.Contains(out, "pre-commit  installed") || !strings.Contains(out, "pre-push    installed") {
		t.Fatalf("status:\n%s", out)
	}
	b, err := os.ReadFile(filepath.Join(dir, ".git", "hooks", "pre-commit"))
	if err != nil || !strings.HasPrefix(string(b), "#!/bin/sh\n") || !strings.Contains(string(b), "scan --staged") {
		t.Fatalf("script:\n%s", b)
	}
	if code, _, _ := runCLI(t, "", "hooks", "uninstall", "-C", dir); code != ExitClean {
		t.Fatal("uninstall")
	}
	_, out, _ = runCLI(t, "", "hooks", "status", "-C", dir)
	if strings.Count(out, "missing") != 2 {
		t.Fatalf("status after uninstall:\n%s", out)
	}
	if code, _, errs := runCLI(t, "", "hooks", "status", "-C", t.TempDir()); code != ExitUsage {
		t.Fatalf("outside a repository: exit %d\n%s", code, errs)
	}
}

// TestScanBrokenRepositoryExitCodes: a ref tip that cannot be read exits
// 3 (with or without --strict), and a hook that cannot read what it
// must exits 3 even without --strict (issue 13 items 1 and 5).
func TestScanBrokenRepositoryExitCodes(t *testing.T) {
	dir := gitRepo(t)
	writeT(t, dir, "a.txt", "x\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "base")
	base := gitT(t, dir, "rev-parse", "HEAD")
	ghost := strings.Repeat("ab", 20)
	if err := os.WriteFile(filepath.Join(dir, ".git", "refs", "heads", "ghost"), []byte(ghost+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, be := range []string{"go-git", "git"} {
		t.Setenv("LEAKGUARD_GIT_BACKEND", be)
		for _, args := range [][]string{{"scan", "--history"}, {"scan", "--history", "--strict"}, {"audit"}} {
			code, _, errs := runCLI(t, "", append(args, "-C", dir)...)
			if code != ExitIncomplete || !strings.Contains(errs, "refs/heads/ghost: object "+ghost+" is missing") {
				t.Fatalf("%s %v: exit %d\n%s", be, args, code, errs)
			}
		}
		// A pushed sha that is not there.
		in := "refs/heads/main " + ghost + " refs/heads/main " + base + "\n"
		if code, _, errs := runCLI(t, in, "scan", "--pre-push", "-C", dir); code != ExitIncomplete {
			t.Fatalf("%s pre-push of a missing object: exit %d\n%s", be, code, errs)
		}
	}
	// A staged blob that is missing fails the pre-commit hook.
	writeT(t, dir, "b.txt", "y\n")
	gitT(t, dir, "add", "b.txt")
	blob := gitT(t, dir, "rev-parse", ":b.txt")
	if err := os.Remove(filepath.Join(dir, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatal(err)
	}
	for _, be := range []string{"go-git", "git"} {
		t.Setenv("LEAKGUARD_GIT_BACKEND", be)
		if code, _, errs := runCLI(t, "", "scan", "--staged", "-C", dir); code != ExitIncomplete {
			t.Fatalf("%s staged with a missing blob: exit %d\n%s", be, code, errs)
		}
	}
}

// TestScanAllRefs: a key only a closed pull request's ref reaches is
// found by --all-refs and by audit (which reads every ref by default),
// not by a plain --history (issue 12 item 8).
func TestScanAllRefs(t *testing.T) {
	dir := gitRepo(t)
	writeT(t, dir, "a.txt", "x\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "base")
	gitT(t, dir, "checkout", "-q", "-b", "pr")
	k := testKey()
	writeT(t, dir, "pr.txt", "k = \""+k+"\"\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "pr")
	gitT(t, dir, "update-ref", "refs/pull/1/head", "HEAD")
	gitT(t, dir, "checkout", "-q", "main")
	gitT(t, dir, "branch", "-q", "-D", "pr")
	if code, _, errs := runCLI(t, "", "scan", "--history", "-C", dir); code != ExitClean {
		t.Fatalf("--history: exit %d\n%s", code, errs)
	}
	code, out, errs := runCLI(t, "", "scan", "--history", "--all-refs", "-C", dir)
	if code != ExitFindings || !strings.Contains(out, "pr.txt") {
		t.Fatalf("--all-refs: exit %d\n%s\n%s", code, out, errs)
	}
	noLeak(t, k, out, errs)
	code, out, errs = runCLI(t, "", "audit", "-C", dir)
	if code != ExitFindings || !strings.Contains(out, "pr.txt") {
		t.Fatalf("audit: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "", "scan", "--all-refs", "-C", dir); code != ExitUsage {
		t.Fatalf("--all-refs without --history: exit %d\n%s", code, errs)
	}
}

// TestScanSHA256Repository: git scans of a SHA-256 repository exit 2
// and say why (issue 13 item 15).
func TestScanSHA256Repository(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	gitT(t, dir, "init", "-q", "--object-format=sha256")
	writeT(t, dir, "a.txt", "x\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "base")
	for _, be := range []string{"go-git", "git"} {
		t.Setenv("LEAKGUARD_GIT_BACKEND", be)
		for _, args := range [][]string{{"scan", "--staged"}, {"scan", "--history"}, {"scan", "--pre-push"}, {"audit"}, {"ci"}} {
			code, _, errs := runCLI(t, "", append(args, "-C", dir)...)
			if code != ExitUsage || !strings.Contains(errs, "SHA-256 repositories are not supported yet") {
				t.Fatalf("%s %v: exit %d\n%s", be, args, code, errs)
			}
		}
	}
	if code, _, errs := runCLI(t, "", "scan", dir); code != ExitClean {
		t.Fatalf("scan DIR: exit %d\n%s", code, errs)
	}
}

// TestHookFailsOnUnscannedFiles: a staged file over --max-size fails the
// pre-commit hook (exit 3) with a hint on how to allow it; a larger limit
// or a path allowlist lets it through (issue 13 item 4).
func TestHookFailsOnUnscannedFiles(t *testing.T) {
	dir := gitRepo(t)
	writeT(t, dir, "big.bin", strings.Repeat("0123456789abcdef", 16))
	gitT(t, dir, "add", ".")
	for _, be := range []string{"go-git", "git"} {
		t.Setenv("LEAKGUARD_GIT_BACKEND", be)
		code, _, errs := runCLI(t, "", "scan", "--staged", "--max-size", "100", "-C", dir)
		if code != ExitIncomplete || !strings.Contains(errs, "not scanned: big.bin") || !strings.Contains(errs, "--max-size") || !strings.Contains(errs, "[allowlist] paths") {
			t.Fatalf("%s: exit %d\n%s", be, code, errs)
		}
		if code, _, errs := runCLI(t, "", "scan", "--staged", "--max-size", "1KiB", "-C", dir); code != ExitClean {
			t.Fatalf("%s: larger limit: exit %d\n%s", be, code, errs)
		}
	}
	writeT(t, dir, "leakguard.toml", "[allowlist]\npaths = ['''^big\\.bin$''']\n")
	if code, _, errs := runCLI(t, "", "scan", "--staged", "--max-size", "100", "-C", dir); code != ExitClean {
		t.Fatalf("allowlisted path: exit %d\n%s", code, errs)
	}
	// Outside hooks it is a warning.
	os.Remove(filepath.Join(dir, "leakguard.toml"))
	code, _, errs := runCLI(t, "", "scan", "--max-size", "100", dir)
	if code != ExitClean || !strings.Contains(errs, "not scanned: "+filepath.ToSlash(filepath.Join(dir, "big.bin"))) {
		t.Fatalf("scan DIR: exit %d\n%s", code, errs)
	}
}
