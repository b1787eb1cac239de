package gitscan

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/secret"
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
	if k, err := RepoKey(context.Background(), dir); err != nil || !bytes.Equal(k, secret.RepoKey(base)) {
		t.Errorf("RepoKey = %x, %v; want the key of %s", k, err, base)
	}
	if err := os.WriteFile(filepath.Join(dir, ".git", "shallow"), []byte(head+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := RepoKey(context.Background(), dir); !errors.Is(err, ErrShallow) {
		t.Errorf("RepoKey of a shallow clone: %v, want ErrShallow", err)
	}
	if _, err := RepoKey(context.Background(), ""); err == nil {
		t.Error("RepoKey outside a repository: no error")
	}
}

// TestReadAtMost: ReadAt stops at 16 MiB (configs and ignore files);
// ReadAtMost reads up to the limit it is given (remediation reads again
// a file a leak was found in, up to the scan's size limit), through git
// and through go-git alike.
func TestReadAtMost(t *testing.T) {
	dir := newRepo(t)
	big := strings.Repeat("x", maxShow) + "tail\n"
	write(t, dir, "big.txt", big)
	c := commitAll(t, dir, "big")
	r := open(t, dir)
	if _, err := r.ReadAt(c, "big.txt"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("ReadAt of %d bytes: %v, want too large", len(big), err)
	}
	if b, err := r.ReadAtMost(c, "big.txt", 32<<20); err != nil || string(b) != big {
		t.Errorf("ReadAtMost through git: %d bytes, %v", len(b), err)
	}
	if b, err := r.goGitReadAt(c, "big.txt", 32<<20); err != nil || string(b) != big {
		t.Errorf("ReadAtMost through go-git: %d bytes, %v", len(b), err)
	}
	if _, err := r.ReadAtMost(c, "big.txt", 1<<20); err == nil {
		t.Error("ReadAtMost read past its limit")
	}
}
