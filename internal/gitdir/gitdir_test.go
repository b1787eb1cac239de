package gitdir

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/leakguard/leakguard/internal/testkit/gitrepo"
)

var git = gitrepo.Git

func TestFind(t *testing.T) {
	tmp, _ := filepath.EvalSymlinks(t.TempDir())
	repo := filepath.Join(tmp, "repo")
	git(t, tmp, "init", "-q", "repo")
	git(t, repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x")
	sub := filepath.Join(repo, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := Find(sub)
	if err != nil || r.Root != repo || r.GitDir != filepath.Join(repo, ".git") || r.CommonDir() != r.GitDir {
		t.Errorf("Find(sub) = %+v, %v", r, err)
	}
	wt := filepath.Join(tmp, "wt")
	git(t, repo, "worktree", "add", "-q", "-b", "w", wt)
	r, err = Find(wt)
	if err != nil || r.Root != wt || r.CommonDir() != filepath.Join(repo, ".git") || r.GitDir == r.CommonDir() {
		t.Errorf("Find(worktree) = %+v (common %s), %v", r, r.CommonDir(), err)
	}
	bare := filepath.Join(tmp, "bare.git")
	git(t, tmp, "init", "-q", "--bare", "bare.git")
	if r, err := Find(bare); err != nil || r.Root != "" || r.GitDir != bare {
		t.Errorf("Find(bare) = %+v, %v", r, err)
	}
	outside := filepath.Join(tmp, "outside")
	os.Mkdir(outside, 0o755)
	if _, err := Find(outside); !errors.Is(err, ErrNotRepository) {
		t.Errorf("Find(outside) error = %v, want ErrNotRepository", err)
	}
	if Root(outside) != "" || Root(sub) != repo {
		t.Errorf("Root: %q, %q", Root(outside), Root(sub))
	}
}
