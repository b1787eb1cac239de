package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hooksEnv isolates the user's git config and home for hooks commands.
func hooksEnv(t *testing.T) (home string) {
	home = t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(home, ".gitconfig"))
	return home
}

func TestHooksGlobalOffersPrePushAndStatusKnowsIt(t *testing.T) {
	home := hooksEnv(t)
	repo := gitRepo(t)
	code, _, errs := runCLI(t, "", "hooks", "install", "--global")
	if code != ExitClean || !strings.Contains(errs, "leakguard hooks install --pre-push --global") {
		t.Fatalf("install --global: exit %d\n%s", code, errs)
	}
	code, _, errs = runCLI(t, "", "hooks", "install", "--global", "--pre-push")
	if code != ExitClean || strings.Contains(errs, "--pre-push --global") {
		t.Fatalf("install --global --pre-push: exit %d\n%s", code, errs)
	}
	code, out, errs := runCLI(t, "", "hooks", "status", "-C", repo)
	dir := filepath.Join(home, ".config", "leakguard", "hooks")
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		got = append(got, strings.Join(strings.Fields(l), " "))
	}
	want := []string{"pre-commit installed (global) " + filepath.Join(dir, "pre-commit"), "pre-push installed (global) " + filepath.Join(dir, "pre-push")}
	if code != ExitClean || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("status: exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(errs, "leakguard: git runs the global hooks") {
		t.Fatalf("status note:\n%s", errs)
	}
}

func TestHooksInstallHuskyAndTemporaryBuild(t *testing.T) {
	hooksEnv(t)
	t.Setenv("PATH", "/usr/bin:/bin")
	repo := gitRepo(t)
	// The test binary is a temporary build, as 'go run' makes.
	code, _, errs := runCLI(t, "", "hooks", "install", "-C", repo)
	if code != ExitClean || !strings.Contains(errs, "warning: this leakguard is a temporary build") || !strings.Contains(errs, "go install github.com/leakguard/leakguard/cmd/leakguard@latest") {
		t.Fatalf("install from a temporary build: exit %d\n%s", code, errs)
	}
	self, _ := os.Executable()
	if b, _ := os.ReadFile(filepath.Join(repo, ".git", "hooks", "pre-commit")); strings.Contains(string(b), self) {
		t.Fatalf("hook names %s:\n%s", self, b)
	}

	gitT(t, repo, "config", "core.hooksPath", ".husky/_")
	code, _, errs = runCLI(t, "", "hooks", "install", "-C", repo, "--required")
	if code != ExitClean || !strings.Contains(errs, "added one line to "+filepath.Join(repo, ".husky", "pre-commit")) || !strings.Contains(errs, "commit the file") ||
		!strings.Contains(errs, "the hook fails until you install it") {
		t.Fatalf("husky: exit %d\n%s", code, errs)
	}
	code, _, errs = runCLI(t, "", "hooks", "uninstall", "-C", repo)
	if code != ExitClean || !strings.Contains(errs, "removed leakguard's line from") {
		t.Fatalf("husky uninstall: exit %d\n%s", code, errs)
	}
}
