package gitscan

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/leakguard/leakguard/internal/testkit/gitrepo"
)

// TestResolveRevisionMatchesGit: without git, revisions resolve to the
// commits 'git rev-parse REV^{commit}' names.
func TestResolveRevisionMatchesGit(t *testing.T) {
	dir := newRepo(t)
	day := 0
	commit := func(msg string) string { // a day apart: ^{/re} takes the youngest
		day++
		date := fmt.Sprintf("GIT_COMMITTER_DATE=2024-01-%02dT00:00:00Z", day)
		run(t, dir, "add", "-A")
		gitrepo.GitEnv(t, dir, append(slices.Clone(ada), date), "commit", "-q", "--allow-empty", "-m", msg)
		return strings.TrimSpace(run(t, dir, "rev-parse", "HEAD"))
	}
	write(t, dir, "a.txt", "1\n")
	commit("first")
	run(t, dir, "tag", "-a", "v1", "-m", "release one")
	run(t, dir, "tag", "-a", "v1-outer", "-m", "a tag of a tag", "v1")
	write(t, dir, "a.txt", "2\n")
	commit("second: fix the parser")
	run(t, dir, "tag", "light")
	run(t, dir, "checkout", "-q", "-b", "side")
	write(t, dir, "b.txt", "side\n")
	commit("on the side: fix the lexer, x{2}")
	run(t, dir, "checkout", "-q", "main")
	write(t, dir, "a.txt", "3\n")
	commit("third")
	day++
	gitrepo.GitEnv(t, dir, append(slices.Clone(ada), fmt.Sprintf("GIT_COMMITTER_DATE=2024-01-%02dT00:00:00Z", day)), "merge", "-q", "--no-ff", "-m", "merge side", "side")
	write(t, dir, "a.txt", "4\n")
	head := commit("fourth")
	run(t, dir, "update-ref", "refs/remotes/origin/main", "HEAD~1")

	r := open(t, dir)
	if err := r.load(); err != nil {
		t.Fatal(err)
	}
	revs := []string{
		"HEAD", "@", "@~1", "main", "heads/main", "refs/heads/main", "side", "v1", "v1^{}", "v1^{commit}", "v1-outer", "light",
		"origin/main", "remotes/origin/main", "HEAD~1", "HEAD~", "HEAD^", "HEAD^1", "HEAD~1^2", "HEAD~1^2~1",
		"HEAD^0", "main~2^", "HEAD~1^^", "v1~0", "HEAD^{}~1", "HEAD~1^{commit}^2",
		head, strings.ToUpper(head), head[:7], head[:12], head[:9], strings.ToUpper(head[:8]),
		"HEAD^{/fix the}", "HEAD^{/!-fourth}", "HEAD^{/x.2}}", "HEAD~1^{/fix}",
	}
	for _, rev := range revs {
		want := strings.TrimSpace(run(t, dir, "rev-parse", "--verify", "-q", rev+"^{commit}"))
		got, err := r.r.ResolveRevision(plumbing.Revision(rev))
		if err != nil || got.String() != want {
			t.Errorf("%s: %v %v, git says %s", rev, got, err, want)
		}
	}
	for _, rev := range []string{"nope", "HEAD~9", "HEAD^3", "v1^2", "HEAD@{1}", "HEAD:a.txt", "HEAD^{tree}",
		"HEAD^{/no such message}", "", "0000000", head[:3], "HEAD^{}x", "HEAD^{}2", "HEAD^^{", "~1", "^"} {
		if got, err := r.r.ResolveRevision(plumbing.Revision(rev)); err == nil {
			t.Errorf("%q resolved to %s", rev, got)
		}
	}
}

// TestPlainOpenShapes: repositories open as go-git's root package opened
// them, and what it refused is refused.
func TestPlainOpenShapes(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "sub/a.txt", "1\n")
	commitAll(t, dir, "first")
	root, _ := filepath.EvalSymlinks(dir)

	check := func(name, path string, detect bool, wantGit, wantWT string) {
		t.Helper()
		gr, err := plainOpen(path, detect)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		gotGit, _ := filepath.EvalSymlinks(gr.Storer.Filesystem().Root())
		var gotWT string
		if wt, err := gr.Worktree(); err == nil {
			gotWT, _ = filepath.EvalSymlinks(wt.Root())
		} else if !errors.Is(err, errBareRepository) {
			t.Fatalf("%s: %v", name, err)
		}
		if gotGit != wantGit || gotWT != wantWT {
			t.Errorf("%s: git dir %q, work tree %q; want %q, %q", name, gotGit, gotWT, wantGit, wantWT)
		}
		if _, err := gr.Head(); err != nil {
			t.Errorf("%s: HEAD: %v", name, err)
		}
	}
	check("root", dir, true, filepath.Join(root, ".git"), root)
	check("subdirectory", filepath.Join(dir, "sub"), true, filepath.Join(root, ".git"), root)
	check("a file", filepath.Join(dir, "sub", "a.txt"), true, filepath.Join(root, ".git"), root)

	bare := filepath.Join(t.TempDir(), "bare.git")
	run(t, dir, "clone", "-q", "--bare", dir, bare)
	bareReal, _ := filepath.EvalSymlinks(bare)
	check("bare", bare, false, bareReal, "")

	wt := filepath.Join(t.TempDir(), "wt")
	run(t, dir, "worktree", "add", "-q", "-b", "other", wt)
	wtReal, _ := filepath.EvalSymlinks(wt)
	gr, err := plainOpen(wt, true)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := gr.Head(); err != nil || h.Name() != "refs/heads/other" {
		t.Errorf("linked worktree: HEAD %v %v, want refs/heads/other", h, err)
	}
	if w, _ := gr.Worktree(); w == nil || w.Root() != wt && w.Root() != wtReal {
		t.Errorf("linked worktree: work tree %v", w)
	}
	// Its refs and objects are the main repository's (commondir).
	if _, err := gr.Reference("refs/heads/main", true); err != nil {
		t.Errorf("linked worktree: refs/heads/main: %v", err)
	}

	// A relative gitdir in a .git file.
	moved := filepath.Join(t.TempDir(), "moved")
	if err := os.MkdirAll(moved, 0o755); err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(moved, filepath.Join(root, ".git"))
	if err := os.WriteFile(filepath.Join(moved, ".git"), []byte("gitdir: "+rel+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if gr, err := plainOpen(moved, true); err != nil {
		t.Errorf("relative gitdir: %v", err)
	} else if _, err := gr.Head(); err != nil {
		t.Errorf("relative gitdir: HEAD: %v", err)
	}

	// Refused.
	if _, err := plainOpen(t.TempDir(), false); !errors.Is(err, errRepositoryNotExists) {
		t.Errorf("no repository: %v", err)
	}
	if err := os.WriteFile(filepath.Join(moved, ".git"), []byte("not a gitdir line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := plainOpen(moved, true); err == nil {
		t.Error("a .git file without gitdir opened")
	}
	wtGit := strings.TrimSpace(run(t, wt, "rev-parse", "--git-dir"))
	if err := os.WriteFile(filepath.Join(wtGit, "commondir"), []byte("../../../nowhere\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := plainOpen(wt, true); !errors.Is(err, errRepositoryIncomplete) {
		t.Errorf("a commondir that does not exist: %v", err)
	}
	for _, c := range []struct {
		config []string
		want   error
	}{
		{[]string{"extensions.objectformat", "sha256"}, errExtensionV0},
		{[]string{"core.repositoryformatversion", "1", "extensions.objectformat", "sha256"}, errUnknownExtension},
		{[]string{"core.repositoryformatversion", "1", "extensions.noop", "true"}, nil},
	} {
		d := newRepo(t)
		commitAll(t, d, "x")
		for i := 0; i < len(c.config); i += 2 {
			run(t, d, "config", c.config[i], c.config[i+1])
		}
		if _, err := plainOpen(d, true); !errors.Is(err, c.want) && (c.want != nil || err != nil) {
			t.Errorf("%v: %v, want %v", c.config, err, c.want)
		}
	}
}
