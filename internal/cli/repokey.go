package cli

import (
	"context"
	"fmt"

	"github.com/leakguard/leakguard/gitscan"
)

// sarifKey is the key of SARIF partialFingerprints: the repository's, or
// nil outside one (the fingerprints then hold no hash of the secret).
// With warn, it says why there is none inside a repository.
func sarifKey(e *env, warn func(string)) []byte {
	if e.repoRoot == "" {
		return nil
	}
	k, err := gitscan.RepoKey(context.Background(), e.repoRoot)
	if err != nil && warn != nil {
		warn(fmt.Sprintf("SARIF fingerprints hold no secret hash (%v): code scanning tracks results by position", err))
	}
	return k
}
