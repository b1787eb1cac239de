// Package gitrepo makes real git repositories for tests: git run with a
// hermetic environment (no user or system config, a fixed identity), a
// fresh repository, files written into it. One helper for every package's
// tests instead of a copy each. Only tests import this package
// (layers_test.go checks it).
package gitrepo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Env is a hermetic environment for git: no global or system config,
// HOME=home, author and committer "a <a@example.com>", the process's
// PATH, the C locale.
func Env(home string) []string {
	return []string{
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "HOME=" + home,
		"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com",
		"GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com",
		"PATH=" + os.Getenv("PATH"), "LC_ALL=C",
	}
}

// Cmd is git ARGS in dir with Env(dir) plus env (later entries win), new
// branches named main and local file transports allowed (submodules).
func Cmd(dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(Env(dir), env...)
	return cmd
}

// Git runs git ARGS in dir (see Cmd) and returns its output, trimmed; a
// failure fails the test.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	return GitEnv(t, dir, nil, args...)
}

// GitEnv is Git with extra environment entries.
func GitEnv(t testing.TB, dir string, env []string, args ...string) string {
	t.Helper()
	out, err := Cmd(dir, env, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// New makes an empty repository (branch main) in a temporary directory
// and returns its path; the test is skipped when git is not installed.
func New(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	Git(t, dir, "init", "-q")
	return dir
}

// Write writes content to dir/name, making its directories.
func Write(t testing.TB, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
