package gitscan

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// ReadAt reads a commit's file, never the work tree's; an absent path is
// fs.ErrNotExist, a symbolic link is not followed.
func TestReadAtReadsTheCommitNotTheWorkTree(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "leakguard.toml", "[allowlist]\npaths = ['''^docs/''']\n")
	base := commitAll(t, dir, "base")
	write(t, dir, "leakguard.toml", "[allowlist]\npaths = ['''.*''']\n")
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link.toml")); err != nil {
		t.Fatal(err)
	}
	head := commitAll(t, dir, "head")
	write(t, dir, "leakguard.toml", "work tree\n")
	r := open(t, dir)
	for commit, want := range map[string]string{base: "[allowlist]\npaths = ['''^docs/''']\n", head: "[allowlist]\npaths = ['''.*''']\n"} {
		b, err := r.ReadAt(commit, "leakguard.toml")
		if err != nil || string(b) != want {
			t.Fatalf("ReadAt(%s) = %q, %v; want %q", commit[:7], b, err, want)
		}
	}
	if _, err := r.ReadAt(base, "link.toml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("absent at base: %v", err)
	}
	if _, err := r.ReadAt(head, "link.toml"); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a symbolic link must be refused: %v", err)
	}
	if root, err := r.RootCommit(context.Background()); err != nil || root != base {
		t.Errorf("RootCommit = %s, %v; want %s", root, err, base)
	}
}
