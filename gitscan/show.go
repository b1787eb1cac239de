package gitscan

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// maxShow bounds what ReadAt reads: configs and ignore files are small.
const maxShow = 16 << 20

// ReadAt returns the content of the file at path (slash-separated,
// relative to the repository root) in commit, as 'git show commit:path'
// would, never the work tree's: a CI run reads the base commit's config
// this way, which the pull request it scans cannot change. A path absent
// from the commit is an error that wraps fs.ErrNotExist; a symbolic link
// is not followed (an error).
func (r *Repo) ReadAt(commit, p string) ([]byte, error) { return r.ReadAtMost(commit, p, maxShow) }

// ReadAtMost is ReadAt for a file of up to max bytes (a larger one is an
// error): remediation reads again the file a leak was found in, which
// may be as large as the scan's size limit.
func (r *Repo) ReadAtMost(commit, p string, max int64) ([]byte, error) {
	if r.gitDir != "" {
		if g, err := r.newGitBackend(); err == nil {
			if b, err := g.readAt(commit, p, max); !errors.Is(err, errNoGit) {
				return b, err // git's answer (revparse.go)
			}
		}
	}
	return r.goGitReadAt(commit, p, max)
}

// goGitReadAt is ReadAtMost through go-git.
func (r *Repo) goGitReadAt(commit, p string, max int64) ([]byte, error) {
	if err := r.load(); err != nil {
		return nil, err
	}
	id := commit[:min(12, len(commit))]
	c, err := object.GetCommit(r.r.Storer, plumbing.NewHash(commit))
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", id, err)
	}
	t, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", id, err)
	}
	f, err := t.File(path.Clean(p))
	if errors.Is(err, object.ErrFileNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
		return nil, fmt.Errorf("%s at %s: %w", p, id, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", p, id, err)
	}
	if !f.Mode.IsFile() || f.Mode == filemode.Symlink {
		return nil, fmt.Errorf("%s at %s is not a regular file", p, id)
	}
	if f.Size > max {
		return nil, fmt.Errorf("%s at %s is larger than %d bytes", p, id, max)
	}
	rd, err := f.Reader()
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", p, id, err)
	}
	defer rd.Close()
	return io.ReadAll(rd)
}
