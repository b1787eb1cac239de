package gitscan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrShallow is returned where a shallow clone cannot give a true answer.
var ErrShallow = errors.New("the clone is shallow")

// RootCommit is the root of HEAD's first-parent chain: the same commit in
// every clone of the repository while its history is not rewritten (the
// key of per-repository fingerprints, secret.RepoKey). A shallow clone
// has no true root: ErrShallow.
func (r *Repo) RootCommit(ctx context.Context) (string, error) {
	if _, err := os.Stat(filepath.Join(r.commonDir(), "shallow")); err == nil {
		return "", ErrShallow
	}
	if g, err := r.newGitBackend(); err == nil && r.gitDir != "" {
		out, err := g.command(ctx, "rev-list", "--first-parent", "--max-parents=0", "HEAD").Output()
		if err != nil {
			return "", fmt.Errorf("finding the root commit: %w", err)
		}
		if id := strings.TrimSpace(string(out)); id != "" && !strings.Contains(id, "\n") {
			return id, nil
		}
		return "", errors.New("finding the root commit: no single root")
	}
	if err := r.load(); err != nil {
		return "", err
	}
	head, err := r.r.Head()
	if err != nil {
		return "", fmt.Errorf("finding the root commit: %w", err)
	}
	h := head.Hash()
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		c, err := object.GetCommit(r.r.Storer, h)
		if err != nil {
			return "", fmt.Errorf("finding the root commit: %w", err)
		}
		if len(c.ParentHashes) == 0 {
			return h.String(), nil
		}
		h = c.ParentHashes[0]
	}
}
