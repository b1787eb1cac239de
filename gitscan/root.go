package gitscan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/leakguard/leakguard/secret"
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

// RepoKey derives the fingerprint key of the repository at root
// ([secret.RepoKey] of its root commit). Hashes of secrets written to
// files that are committed or published (.leakguardignore entries, SARIF
// partialFingerprints) are keyed by it: every clone and CI checkout
// derives it without setup, and a dictionary of hashes computed once is
// worth nothing in another repository. It is not a secret (anyone who
// can read a public repository can derive it): a weak secret in a public
// repository can still be guessed from its entry by someone who targets
// that repository. SECURITY.md says so.
func RepoKey(ctx context.Context, root string) ([]byte, error) {
	if root == "" {
		return nil, errors.New("not inside a git repository")
	}
	r, err := Open(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	id, err := r.RootCommit(ctx)
	if errors.Is(err, ErrShallow) {
		return nil, fmt.Errorf("%w: the key is derived from the root commit (fetch-depth: 0 on actions/checkout; locally: git fetch --unshallow)", err)
	}
	if err != nil {
		return nil, err
	}
	return secret.RepoKey(id), nil
}
