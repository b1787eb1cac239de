package gitscan

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestRootCommitRemembered: the root of HEAD's first-parent chain is
// remembered per commit, so that a later HEAD walks back only to a
// commit it knows (a blocked commit in a repository of 200,000 commits
// spent 1.1 s finding its root), and is still right after the history is
// rewritten or the record is damaged.
func TestRootCommitRemembered(t *testing.T) {
	ctx := context.Background()
	dir := newRepo(t)
	var first string
	for i := range 5 {
		write(t, dir, "f.txt", fmt.Sprint(i))
		if c := commitAll(t, dir, fmt.Sprint("c", i)); i == 0 {
			first = c
		}
	}
	root := func(wantRoot string, maxWalked int64) {
		t.Helper()
		r := open(t, dir)
		got, err := r.RootCommit(ctx)
		if err != nil || got != wantRoot {
			t.Fatalf("RootCommit = %s, %v; want %s", got, err, wantRoot)
		}
		if n := r.rootWalked.Load(); n > maxWalked {
			t.Fatalf("walked %d commits to the root, want at most %d", n, maxWalked)
		}
	}
	root(first, 5)
	root(first, 1) // HEAD is remembered
	for i := range 3 {
		write(t, dir, "f.txt", fmt.Sprint("more", i))
		commitAll(t, dir, "more")
	}
	root(first, 4) // back to the remembered commit
	tip := run(t, dir, "rev-parse", "HEAD")

	// A rewritten history: an orphan branch has a root of its own.
	run(t, dir, "checkout", "-q", "--orphan", "rewritten")
	write(t, dir, "g.txt", "new")
	newRoot := commitAll(t, dir, "new root")
	root(newRoot, 1)
	run(t, dir, "checkout", "-q", "-f", tip)
	root(first, 1) // both are remembered

	// A damaged record is not trusted.
	for _, junk := range []string{"garbage\n", tip + " not-a-commit\n", tip + "\n", ""} {
		if err := os.WriteFile(filepath.Join(dir, ".git", "leakguard", "roots"), []byte(junk), 0o644); err != nil {
			t.Fatal(err)
		}
		root(first, 8)
		root(first, 1)
	}
	// A chain longer than the walk back: the root is git's, not the last
	// commit the walk saw.
	defer func(old int) { maxRootSteps = old }(maxRootSteps)
	maxRootSteps = 3
	if err := os.Remove(filepath.Join(dir, ".git", "leakguard", "roots")); err != nil {
		t.Fatal(err)
	}
	root(first, int64(maxRootSteps))
	root(first, 1)
	maxRootSteps = 1024

	// A roots file that is not a regular file is neither read nor
	// written through.
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(target, []byte(tip+" "+tip+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	roots := filepath.Join(dir, ".git", "leakguard", "roots")
	if err := os.Remove(roots); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, roots); err != nil {
		t.Logf("no symbolic link here (%v): not checked", err)
	} else {
		root(first, 8)
		if b, _ := os.ReadFile(target); string(b) != tip+" "+tip+"\n" {
			t.Fatalf("written through a link: %q", b)
		}
		if err := os.Remove(roots); err != nil {
			t.Fatal(err)
		}
	}

	// At most a few commits are remembered, the latest first.
	run(t, dir, "checkout", "-q", "rewritten")
	root(newRoot, 2)
	for i := range maxRemembered + 2 {
		write(t, dir, "g.txt", fmt.Sprint("again", i))
		commitAll(t, dir, "again")
		root(newRoot, 2)
	}
	b, err := os.ReadFile(filepath.Join(dir, ".git", "leakguard", "roots"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("\n")); n != maxRemembered {
		t.Fatalf("%d commits remembered, want %d:\n%s", n, maxRemembered, b)
	}
}

// TestRootCommitInProcess: HEAD and its first parents are read from the
// repository's files, with no git process, whether refs and commits are
// loose or packed; what those files do not settle (a chain longer than
// the walk, grafts) goes to git, whose answer stands.
func TestRootCommitInProcess(t *testing.T) {
	ctx := context.Background()
	dir := newRepo(t)
	write(t, dir, "f.txt", "0")
	first := commitAll(t, dir, "first")
	// A merged history with a root of its own, on the second parent.
	run(t, dir, "checkout", "-q", "--orphan", "side")
	write(t, dir, "side.txt", "side")
	commitAll(t, dir, "side root")
	run(t, dir, "checkout", "-q", "main")
	run(t, dir, "merge", "-q", "--allow-unrelated-histories", "-m", "merge side", "side")
	for i := range 3 {
		write(t, dir, "f.txt", fmt.Sprint(i))
		commitAll(t, dir, "more")
	}
	roots := filepath.Join(dir, ".git", "leakguard", "roots")
	root := func(want string, gits int32) {
		t.Helper()
		r := open(t, dir)
		got, err := r.RootCommit(ctx)
		if err != nil || got != want {
			t.Fatalf("RootCommit = %s, %v; want %s", got, err, want)
		}
		if n := r.rootGits.Load(); n != gits {
			t.Fatalf("%d git processes to find the root, want %d", n, gits)
		}
	}
	if got := run(t, dir, "rev-list", "--first-parent", "--max-parents=0", "HEAD"); got != first {
		t.Fatalf("git's root %s, want %s", got, first)
	}
	forget := func() {
		t.Helper()
		if err := os.Remove(roots); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	for _, step := range []struct {
		name string
		args []string
	}{
		{"loose", nil},
		{"packed", []string{"gc", "-q"}},                     // packed refs and objects
		{"detached", []string{"checkout", "-q", "--detach"}}, // HEAD holds the commit
	} {
		if step.args != nil {
			run(t, dir, step.args...)
		}
		forget()
		root(first, 0) // walked to the root
		root(first, 0) // HEAD remembered
	}
	run(t, dir, "checkout", "-q", "main")

	// A walk that stops short of the root: git finds it.
	defer func(old int) { maxRootSteps = old }(maxRootSteps)
	maxRootSteps = 2
	forget()
	root(first, 1)
	maxRootSteps = 1024

	// Grafts change the chain for git: the walk is git's.
	side := run(t, dir, "rev-parse", "side")
	head := run(t, dir, "rev-parse", "HEAD")
	if err := os.WriteFile(filepath.Join(dir, ".git", "info", "grafts"), []byte(head+" "+side+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	forget()
	root(side, 1) // git walks to the grafted root
}

// TestRootCommitInWorktree: in a linked worktree HEAD is the worktree's
// and its branch the common directory's, as git reads them: a stray
// branch file in the worktree's own directory is not read (found by
// review).
func TestRootCommitInWorktree(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "f.txt", "0")
	first := commitAll(t, dir, "first")
	write(t, dir, "f.txt", "1")
	commitAll(t, dir, "second")
	run(t, dir, "branch", "wtb")
	run(t, dir, "checkout", "-q", "--orphan", "other")
	write(t, dir, "o.txt", "o")
	other := commitAll(t, dir, "other root")
	run(t, dir, "checkout", "-q", "main")
	wt := filepath.Join(t.TempDir(), "wt")
	run(t, dir, "worktree", "add", "-q", wt, "wtb")
	stray := filepath.Join(dir, ".git", "worktrees", "wt", "refs", "heads", "wtb")
	if err := os.MkdirAll(filepath.Dir(stray), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stray, []byte(other+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := run(t, wt, "rev-list", "--first-parent", "--max-parents=0", "HEAD"); got != first {
		t.Fatalf("git's root %s, want %s", got, first)
	}
	r := open(t, wt)
	got, err := r.RootCommit(context.Background())
	if err != nil || got != first {
		t.Fatalf("RootCommit = %s, %v; want %s", got, err, first)
	}
	if n := r.rootGits.Load(); n != 0 {
		t.Fatalf("%d git processes to find the root, want 0", n)
	}
}
