package cli

import (
	"context"
	"fmt"

	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/scanner"
)

// writeReportFile writes a report file (atomicfile.WriteReport: 0600 when
// it holds secrets, never through a link).
var writeReportFile = atomicfile.WriteReport

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
		k, err := gitscan.RepoKey(context.Background(), root)
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
	k, err := gitscan.RepoKey(context.Background(), e.repoRoot)
	if err != nil && s != nil {
		fmt.Fprintf(s.Err, "leakguard: warning: SARIF fingerprints hold no secret hash (%v): code scanning tracks results by position\n", err)
	}
	return k
}
