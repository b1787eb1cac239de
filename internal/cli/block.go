package cli

import (
	"context"
	"fmt"

	"github.com/leakguard/leakguard/accept"
	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/scanner"
)

// recordBlocked records the blocked findings of a hook for 'leakguard
// ignore --last' (a failure to record is a warning: the hook still
// blocks) and returns them with their fingerprints.
func recordBlocked(ctx context.Context, s *IO, f *scanFlags, e *env, found []scanner.Finding) []accept.Finding {
	hook := "pre-commit"
	if !f.staged {
		hook = "pre-push"
	}
	key, _ := gitscan.RepoKey(ctx, e.repoRoot)
	bs, err := accept.Block(stateDir(s.Getenv, e.cfg), e.repoRoot, hook, found, key)
	if err != nil {
		s.warner(f.quiet)(fmt.Sprintf("the blocked findings are not recorded for 'leakguard ignore --last': %v", err))
	}
	return bs
}
