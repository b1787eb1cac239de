// Package gitdir finds the git repository that holds a directory, the way
// git does, without opening it: the nearest .git directory or "gitdir:"
// file, or a bare repository. It is the one repository-discovery helper
// of leakguard: the git sources, the hooks and the command layer use it.
package gitdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotRepository is returned outside a git repository.
var ErrNotRepository = errors.New("not a git repository")

// Repo is where a repository lives.
type Repo struct {
	// Root is the work tree ("" for a bare repository).
	Root string
	// GitDir is the git directory (a linked worktree's own).
	GitDir string
}

// CommonDir is the repository's common git directory: the main
// repository's for a linked worktree, else GitDir.
func (r Repo) CommonDir() string {
	b, err := os.ReadFile(filepath.Join(r.GitDir, "commondir"))
	if err != nil {
		return r.GitDir
	}
	p := strings.TrimSpace(string(b))
	if !filepath.IsAbs(p) {
		p = filepath.Join(r.GitDir, p)
	}
	return p
}

// Find returns the repository holding dir (dir itself or a parent). It
// fails with an error wrapping [ErrNotRepository] when there is none, and
// with another error when a .git entry is there but unreadable or broken.
func Find(dir string) (Repo, error) {
	if dir == "" {
		dir = "."
	}
	path, err := filepath.Abs(dir)
	if err != nil {
		return Repo{}, err
	}
	if fi, err := os.Stat(path); err != nil {
		return Repo{}, err
	} else if !fi.IsDir() {
		return Repo{}, fmt.Errorf("%s is not a directory", path)
	}
	for {
		fi, err := os.Stat(filepath.Join(path, ".git"))
		switch {
		case err == nil:
			gitDir := filepath.Join(path, ".git")
			if !fi.IsDir() {
				if gitDir, err = readGitFile(gitDir); err != nil {
					return Repo{}, err
				}
			}
			if _, err := os.Stat(filepath.Join(gitDir, "HEAD")); err != nil {
				return Repo{}, fmt.Errorf("%s: no HEAD: a broken repository", gitDir)
			}
			return Repo{Root: path, GitDir: gitDir}, nil
		case !os.IsNotExist(err):
			return Repo{}, err
		case isBare(path):
			return Repo{GitDir: path}, nil
		}
		parent := filepath.Dir(path)
		if parent == path {
			abs, _ := filepath.Abs(dir)
			return Repo{}, fmt.Errorf("%w: %s", ErrNotRepository, abs)
		}
		path = parent
	}
}

// Root returns the top of the work tree holding dir: the nearest
// directory, dir itself or a parent, with a .git entry (readable or not),
// or "" when there is none. It is where leakguard.toml and
// .leakguardignore are looked up.
func Root(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		p := filepath.Dir(d)
		if p == d {
			return ""
		}
		d = p
	}
}

// readGitFile reads a "gitdir: PATH" file (a linked worktree, a
// submodule).
func readGitFile(p string) (string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	rest, ok := strings.CutPrefix(string(b), "gitdir: ")
	if !ok {
		return "", fmt.Errorf("%s: not a gitdir file", p)
	}
	gitDir, _, _ := strings.Cut(rest, "\n")
	gitDir = strings.TrimSpace(gitDir)
	if !filepath.IsAbs(gitDir) {
		gitDir = filepath.Join(filepath.Dir(p), gitDir)
	}
	return gitDir, nil
}

// isBare reports whether dir is a bare repository's git directory.
func isBare(dir string) bool {
	for _, n := range []string{"HEAD", "objects", "refs"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			return false
		}
	}
	return true
}
