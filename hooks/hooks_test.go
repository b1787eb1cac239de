package hooks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = []string{"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "HOME=" + dir, "PATH=" + os.Getenv("PATH"),
		"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func newRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q")
	return dir
}

// fakeLeakguard is a stand-in executable recording its arguments and
// standard input.
func fakeLeakguard(t *testing.T) (exe, log string) {
	d := t.TempDir()
	exe, log = filepath.Join(d, "leakguard"), filepath.Join(d, "log")
	script := "#!/bin/sh\necho \"leakguard $*\" >> " + log + "\ncat >> " + log + "\nexit ${FAKE_EXIT:-0}\n"
	if err := os.WriteFile(exe, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return exe, log
}

func opts(dir, exe string) Options {
	return Options{Dir: dir, Exe: exe, Getenv: func(k string) string {
		if k == "HOME" {
			return dir
		}
		if k == "GIT_CONFIG_GLOBAL" {
			return filepath.Join(dir, "global.gitconfig")
		}
		return ""
	}}
}

func states(t *testing.T, o Options) string {
	t.Helper()
	_, _, rs, err := Status(o)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, r := range rs {
		s = append(s, r.Hook+"="+string(r.State))
	}
	return strings.Join(s, " ")
}

func TestInstallChainUninstall(t *testing.T) {
	dir := newRepo(t)
	exe, log := fakeLeakguard(t)
	o := opts(dir, exe)
	hooksDir := filepath.Join(dir, ".git", "hooks")
	if got := states(t, o); got != "pre-commit=missing pre-push=missing" {
		t.Fatal(got)
	}
	// A previous hook to chain.
	prev := "#!/bin/sh\necho previous >> " + log + "\n"
	os.MkdirAll(hooksDir, 0o755)
	if err := os.WriteFile(filepath.Join(hooksDir, "pre-commit"), []byte(prev), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := states(t, o); got != "pre-commit=foreign pre-push=missing" {
		t.Fatal(got)
	}
	res, err := Install(o, PreCommit)
	if err != nil || !res.Changed || res.State != Chained {
		t.Fatalf("install: %+v %v", res, err)
	}
	first, _ := os.ReadFile(res.Path)
	// Idempotent.
	res, err = Install(o, PreCommit)
	if err != nil || res.Changed {
		t.Fatalf("second install: %+v %v", res, err)
	}
	again, _ := os.ReadFile(res.Path)
	if string(first) != string(again) {
		t.Fatal("second install changed the script")
	}
	if _, err := Install(o, PrePush); err != nil {
		t.Fatal(err)
	}
	if got := states(t, o); got != "pre-commit=chained pre-push=installed" {
		t.Fatal(got)
	}
	// A real commit runs the previous hook, then leakguard.
	os.WriteFile(filepath.Join(dir, "f"), []byte("x\n"), 0o644)
	git(t, dir, "add", "f")
	git(t, dir, "commit", "-q", "-m", "c")
	b, _ := os.ReadFile(log)
	if got := string(b); got != "previous\nleakguard scan --staged\n" {
		t.Fatalf("hook log = %q", got)
	}
	// The pre-push hook passes its stdin to leakguard.
	os.Remove(log)
	cmd := exec.Command(filepath.Join(hooksDir, "pre-push"), "origin", "url")
	cmd.Stdin = strings.NewReader("refs/heads/main abc refs/heads/main def\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pre-push: %v %s", err, out)
	}
	b, _ = os.ReadFile(log)
	if got := string(b); got != "leakguard scan --pre-push\nrefs/heads/main abc refs/heads/main def\n" {
		t.Fatalf("pre-push log = %q", got)
	}
	// A failing chained hook stops before leakguard.
	os.WriteFile(filepath.Join(hooksDir, "pre-commit"+ChainSuffix), []byte("#!/bin/sh\nexit 3\n"), 0o755)
	os.Remove(log)
	if err := exec.Command(filepath.Join(hooksDir, "pre-commit")).Run(); err == nil {
		t.Fatal("failing chained hook did not stop the commit")
	}
	if _, err := os.Stat(log); err == nil {
		t.Fatal("leakguard ran after the chained hook failed")
	}
	os.WriteFile(filepath.Join(hooksDir, "pre-commit"+ChainSuffix), []byte(prev), 0o755)
	// Uninstall restores the previous hook.
	if _, err := Uninstall(o); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(hooksDir, "pre-commit"))
	if string(b) != prev {
		t.Fatalf("previous hook not restored: %q", b)
	}
	if got := states(t, o); got != "pre-commit=foreign pre-push=missing" {
		t.Fatal(got)
	}
}

func TestHooksPathAndHusky(t *testing.T) {
	dir := newRepo(t)
	exe, _ := fakeLeakguard(t)
	git(t, dir, "config", "core.hooksPath", ".githooks")
	res, err := Install(opts(dir, exe), PreCommit)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, ".githooks", "pre-commit"); res.Path != want {
		t.Fatalf("path %s, want %s", res.Path, want)
	}
	git(t, dir, "config", "core.hooksPath", ".husky/_")
	res, err = Install(opts(dir, exe), PreCommit)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, ".husky", "pre-commit"); res.Path != want {
		t.Fatalf("husky path %s, want %s", res.Path, want)
	}
}

func TestLinkedWorktree(t *testing.T) {
	dir := newRepo(t)
	exe, _ := fakeLeakguard(t)
	git(t, dir, "commit", "-q", "--allow-empty", "-m", "c")
	wt := filepath.Join(t.TempDir(), "wt")
	git(t, dir, "worktree", "add", "-q", "-b", "w", wt)
	res, err := Install(opts(wt, exe), PreCommit)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, ".git", "hooks", "pre-commit"); res.Path != want {
		t.Fatalf("path %s, want %s", res.Path, want)
	}
}

func TestGlobal(t *testing.T) {
	home := t.TempDir()
	exe, _ := fakeLeakguard(t)
	cfg := filepath.Join(home, "global.gitconfig")
	os.WriteFile(cfg, []byte("# my settings\n[user]\n\tname = me\n[core]\n\teditor = vi\n"), 0o644)
	o := opts(home, exe)
	o.Global = true
	res, err := Install(o, PreCommit)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(home, ".config", "leakguard", "hooks")
	if res.Path != filepath.Join(dir, "pre-commit") {
		t.Fatal(res.Path)
	}
	b, _ := os.ReadFile(cfg)
	if !strings.Contains(string(b), "hooksPath = "+dir) || !strings.Contains(string(b), "# my settings") || !strings.Contains(string(b), "editor = vi") {
		t.Fatalf("global config:\n%s", b)
	}
	if out := gitGlobal(t, cfg, "config", "--global", "core.hooksPath"); out != dir {
		t.Fatalf("git sees core.hooksPath = %q", out)
	}
	if got := states(t, o); got != "pre-commit=installed pre-push=missing" {
		t.Fatal(got)
	}
	if _, err := Uninstall(o); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(cfg)
	if strings.Contains(string(b), "hooksPath") || !strings.Contains(string(b), "editor = vi") {
		t.Fatalf("after uninstall:\n%s", b)
	}
	// Another tool's core.hooksPath is not replaced without --force.
	os.WriteFile(cfg, []byte("[core]\n\thooksPath = /elsewhere\n"), 0o644)
	if _, err := Install(o, PreCommit); err == nil {
		t.Fatal("replaced a foreign core.hooksPath")
	}
	o.Force = true
	if _, err := Install(o, PreCommit); err != nil {
		t.Fatal(err)
	}
}

func gitGlobal(t *testing.T, cfg string, args ...string) string {
	cmd := exec.Command("git", args...)
	cmd.Env = []string{"GIT_CONFIG_GLOBAL=" + cfg, "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}
