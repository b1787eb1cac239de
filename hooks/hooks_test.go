package hooks

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/testkit/gitrepo"
)

var (
	git     = gitrepo.Git
	newRepo = gitrepo.New
)

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

// TestTemporaryBuildUsesPath: 'go run ./cmd/leakguard hooks install'
// runs a binary that go deletes (or the build cache trims) later; the
// hook must look leakguard up on PATH, and say how to install it.
func TestTemporaryBuildUsesPath(t *testing.T) {
	dir := newRepo(t)
	fake, log := fakeLeakguard(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if !TemporaryBuild(self, os.Getenv) {
		t.Skipf("the test binary %s is not in a temporary build directory", self)
	}
	t.Setenv("PATH", "/usr/bin:/bin") // no leakguard
	o := opts(dir, "")
	res, err := Install(o, PreCommit)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(res.Path)
	if strings.Contains(string(b), self) || strings.Contains(string(b), filepath.Dir(self)) {
		t.Fatalf("the hook names the temporary build %s:\n%s", self, b)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "temporary build") || !strings.Contains(res.Warnings[0], "go install github.com/leakguard/leakguard/cmd/leakguard@") ||
		!strings.Contains(res.Warnings[0], "not on PATH") {
		t.Fatalf("warnings: %q", res.Warnings)
	}
	os.WriteFile(filepath.Join(dir, "f"), []byte("x\n"), 0o644)
	git(t, dir, "add", "f")
	// Not installed: the commit fails, saying why.
	cmd := gitrepo.Cmd(dir, []string{"PATH=/usr/bin:/bin"}, "commit", "-q", "-m", "c")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "leakguard: not found") {
		t.Fatalf("commit without leakguard on PATH: %v\n%s", err, out)
	}
	// Installed on PATH: the hook runs it.
	t.Setenv("PATH", filepath.Dir(fake)+":/usr/bin:/bin")
	res, err = Install(o, PreCommit)
	if err != nil || res.Changed {
		t.Fatalf("reinstall: %+v %v", res, err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "(now "+fake+")") {
		t.Fatalf("warnings with leakguard on PATH: %q", res.Warnings)
	}
	git(t, dir, "commit", "-q", "-m", "c")
	if b, _ := os.ReadFile(log); string(b) != "leakguard scan --staged\n" {
		t.Fatalf("hook log = %q", b)
	}
}

func TestTemporaryBuild(t *testing.T) {
	home := t.TempDir()
	env := func(k string) string {
		if k == "GOCACHE" {
			return "/srv/cache/go"
		}
		return ""
	}
	cache, _ := os.UserCacheDir()
	for p, want := range map[string]bool{
		"/tmp/go-build1590258146/b001/exe/leakguard":                  true, // go run
		filepath.Join(cache, "go-build", "23", "2369-d", "leakguard"): true, // go run, cached
		"/srv/cache/go/23/2369-d/leakguard":                           true, // GOCACHE
		filepath.Join(os.TempDir(), "lg", "leakguard"):                true,
		filepath.Join(home, "go", "bin", "leakguard"):                 false, // go install
		"/usr/local/bin/leakguard":                                    false,
		"/opt/homebrew/bin/leakguard":                                 false,
		"/home/u/src/go-builder/bin/leakguard":                        false,
	} {
		if p == filepath.Join(home, "go", "bin", "leakguard") && strings.HasPrefix(home, os.TempDir()) {
			continue // the test's home is itself temporary
		}
		if got := TemporaryBuild(p, env); got != want {
			t.Errorf("TemporaryBuild(%s) = %v, want %v", p, got, want)
		}
	}
}

// husky's hook files are committed and shared: leakguard appends one
// line that finds leakguard on PATH.
func TestHuskyLine(t *testing.T) {
	dir := newRepo(t)
	fake, log := fakeLeakguard(t)
	git(t, dir, "config", "core.hooksPath", ".husky/_")
	hook := filepath.Join(dir, ".husky", "pre-commit")
	os.MkdirAll(filepath.Dir(hook), 0o755)
	team := "npm test\n"
	os.WriteFile(hook, []byte(team), 0o644)
	t.Setenv("PATH", filepath.Dir(fake)+":/usr/bin:/bin")

	o := opts(dir, fake) // even with a path to write, none goes into the shared file
	res, err := Install(o, PreCommit)
	if err != nil || !res.Changed || res.State != Installed || res.Path != hook {
		t.Fatalf("install: %+v %v", res, err)
	}
	b, _ := os.ReadFile(hook)
	if want := team + HuskyLine(PreCommit, false) + "\n"; string(b) != want {
		t.Fatalf("husky file:\n%s\nwant:\n%s", b, want)
	}
	if strings.Contains(string(b), fake) || strings.Contains(string(b), "/tmp") {
		t.Fatalf("a machine's path in the shared hook:\n%s", b)
	}
	if res, err := Install(o, PreCommit); err != nil || res.Changed {
		t.Fatalf("second install: %+v %v", res, err)
	}
	if got := states(t, o); got != "pre-commit=installed pre-push=missing" {
		t.Fatal(got)
	}
	// husky 9 runs the file with sh -e. Our line alone (the team's
	// "npm test" is not what is tested here).
	only := filepath.Join(t.TempDir(), "line")
	runLine := func(line, path string, exit string) (string, error) {
		os.WriteFile(only, []byte(line+"\n"), 0o644)
		os.Remove(log)
		cmd := exec.Command("/bin/sh", "-e", only)
		cmd.Env = []string{"PATH=" + path, "FAKE_EXIT=" + exit}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	withLG := filepath.Dir(fake) + ":/usr/bin:/bin"
	if out, err := runLine(HuskyLine(PreCommit, false), withLG, "0"); err != nil {
		t.Fatalf("clean: %v %s", err, out)
	}
	if b, _ := os.ReadFile(log); string(b) != "leakguard scan --staged\n" {
		t.Fatalf("log %q", b)
	}
	if _, err := runLine(HuskyLine(PreCommit, false)+"\necho after", withLG, "1"); err == nil {
		t.Fatal("findings did not fail the hook")
	}
	out, err := runLine(HuskyLine(PreCommit, false), "/usr/bin:/bin", "0")
	if err != nil || !strings.Contains(out, "leakguard is not installed") {
		t.Fatalf("not installed, default: %v %q", err, out)
	}
	out, err = runLine(HuskyLine(PreCommit, true), "/usr/bin:/bin", "0")
	if err == nil || !strings.Contains(out, "leakguard is not installed") {
		t.Fatalf("not installed, required: %v %q", err, out)
	}
	if _, err := runLine(HuskyLine(PreCommit, true), withLG, "1"); err == nil {
		t.Fatal("findings did not fail the required hook")
	}
	// The pre-push line passes git's stdin on.
	os.WriteFile(only, []byte(HuskyLine(PrePush, false)+"\n"), 0o644)
	os.Remove(log)
	cmd := exec.Command("/bin/sh", "-e", only)
	cmd.Env = []string{"PATH=" + withLG}
	cmd.Stdin = strings.NewReader("refs/heads/main abc refs/heads/main def\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pre-push: %v %s", err, out)
	}
	if b, _ := os.ReadFile(log); string(b) != "leakguard scan --pre-push\nrefs/heads/main abc refs/heads/main def\n" {
		t.Fatalf("pre-push log %q", b)
	}
	// --required replaces the line rather than adding a second one.
	o.Required = true
	if res, err := Install(o, PreCommit); err != nil || !res.Changed {
		t.Fatalf("required: %+v %v", res, err)
	}
	if b, _ := os.ReadFile(hook); string(b) != team+HuskyLine(PreCommit, true)+"\n" {
		t.Fatalf("required:\n%s", b)
	}
	// A missing file is made; uninstall removes it again, and gives the
	// team's file back as it was.
	if _, err := Install(o, PrePush); err != nil {
		t.Fatal(err)
	}
	if _, err := Uninstall(o); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(hook); string(b) != team {
		t.Fatalf("after uninstall:\n%q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, ".husky", "pre-push")); !os.IsNotExist(err) {
		t.Fatalf("pre-push file left: %v", err)
	}
}

// An older leakguard replaced .husky/pre-commit with a whole script
// naming its own path (and chained the team's file): installing again
// puts the team's file back with the one line.
func TestHuskyMigratesWholeScript(t *testing.T) {
	dir := newRepo(t)
	fake, _ := fakeLeakguard(t)
	git(t, dir, "config", "core.hooksPath", ".husky")
	hook := filepath.Join(dir, ".husky", "pre-commit")
	os.MkdirAll(filepath.Dir(hook), 0o755)
	os.WriteFile(hook+ChainSuffix, []byte("npm test\n"), 0o755)
	os.WriteFile(hook, script(PreCommit, fake, false), 0o755)
	if _, err := Install(opts(dir, fake), PreCommit); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(hook); string(b) != "npm test\n"+HuskyLine(PreCommit, false)+"\n" {
		t.Fatalf("migrated:\n%s", b)
	}
	if _, err := os.Stat(hook + ChainSuffix); !os.IsNotExist(err) {
		t.Fatal("chained file left behind")
	}
}

// A global install (core.hooksPath in the user's git config) is what git
// runs in a repository that sets no hooksPath: status says so.
func TestGlobalStatus(t *testing.T) {
	dir := newRepo(t)
	exe, _ := fakeLeakguard(t)
	o := opts(dir, exe)
	g := o
	g.Global = true
	for _, h := range Names {
		if _, err := Install(g, h); err != nil {
			t.Fatal(err)
		}
	}
	d, note, rs, err := Status(o)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, ".config", "leakguard", "hooks")
	if d != want || !strings.Contains(note, "global hooks") {
		t.Fatalf("dir %s note %q", d, note)
	}
	for _, r := range rs {
		if r.State != Installed || !r.Global || r.Path != filepath.Join(want, r.Hook) {
			t.Fatalf("%+v", r)
		}
	}
	// A repository's own core.hooksPath wins over the global one.
	git(t, dir, "config", "core.hooksPath", ".githooks")
	if d, _, rs, _ := Status(o); d != filepath.Join(dir, ".githooks") || rs[0].Global || rs[0].State != Missing {
		t.Fatalf("local hooksPath: %s %+v", d, rs)
	}
}
