package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// # Per-repository fingerprint keys
//
// Hashes of secrets written to files that are committed or published
// (.leakguardignore entries, SARIF partialFingerprints) are keyed by the
// repository ([secret.RepoKey]): the key is derived from the id of the
// root commit, so every clone and CI checkout derives it without setup,
// and a dictionary of hashes computed once is worth nothing in another
// repository. It is not a secret (anyone who can read a public
// repository can derive it): a weak secret in a public repository can
// still be guessed from its entry by someone who targets that
// repository. SECURITY.md says so.

// writeReportFile writes a report file (atomicfile.WriteReport: 0600 when
// it holds secrets, never through a link).
var writeReportFile = atomicfile.WriteReport

// repoKey derives the fingerprint key of the repository at root.
func repoKey(ctx context.Context, root string) ([]byte, error) {
	if root == "" {
		return nil, errors.New("not inside a git repository")
	}
	r, err := gitscan.Open(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	id, err := r.RootCommit(ctx)
	if errors.Is(err, gitscan.ErrShallow) {
		return nil, fmt.Errorf("%w: the key is derived from the root commit (fetch-depth: 0 on actions/checkout; locally: git fetch --unshallow)", err)
	}
	if err != nil {
		return nil, err
	}
	return secret.RepoKey(id), nil
}

// keyIgnore gives ig the repository's key, derived when a finding first
// needs it; when it cannot be, the keyed entries hide nothing (their
// findings are reported) and stderr says why. It warns about entries of
// the old, unkeyed form.
func keyIgnore(s *IO, ig *scanner.Ignore, root, path string) {
	if ig == nil {
		return
	}
	if n := ig.Legacy(); n > 0 {
		fmt.Fprintf(s.Err, "leakguard: warning: %s: %d of its entries hold an unkeyed hash, which a dictionary reverses for weak secrets; rewrite the file with 'leakguard baseline' and commit it\n", path, n)
	}
	if ig.Keyed() == 0 {
		return
	}
	ig.SetKey(func() []byte {
		k, err := repoKey(context.Background(), root)
		if err != nil {
			fmt.Fprintf(s.Err, "leakguard: warning: %s: keyed entries are not applied (%v): their findings are reported\n", path, err)
			return nil
		}
		return k
	})
}

// sarifKey is the key of SARIF partialFingerprints: the repository's, or
// nil outside one (the fingerprints then hold no hash of the secret).
// With s, stderr says why there is none inside a repository.
func sarifKey(s *IO, e *env) []byte {
	if e.repoRoot == "" {
		return nil
	}
	k, err := repoKey(context.Background(), e.repoRoot)
	if err != nil && s != nil {
		fmt.Fprintf(s.Err, "leakguard: warning: SARIF fingerprints hold no secret hash (%v): code scanning tracks results by position\n", err)
	}
	return k
}
