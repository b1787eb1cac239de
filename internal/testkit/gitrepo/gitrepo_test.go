package gitrepo

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRepo(t *testing.T) {
	t.Setenv("GIT_AUTHOR_NAME", "leaks into the repo")
	dir := New(t)
	Write(t, dir, "a/b.txt", "x\n")
	Git(t, dir, "add", ".")
	GitEnv(t, dir, []string{"GIT_AUTHOR_NAME=Ada"}, "commit", "-q", "-m", "first")
	if got := Git(t, dir, "log", "-1", "--format=%an <%ae> / %cn"); got != "Ada <a@example.com> / a" {
		t.Fatalf("identity %q", got)
	}
	if got := Git(t, dir, "branch", "--show-current"); got != "main" {
		t.Fatalf("branch %q", got)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "a", "b.txt")); err != nil || string(b) != "x\n" {
		t.Fatalf("file %q %v", b, err)
	}
	if err := Cmd(dir, nil, "rev-parse", "nope").Run(); err == nil {
		t.Fatal("Cmd of a bad revision succeeded")
	}
}
