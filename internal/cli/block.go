package cli

import (
	"context"
	"fmt"

	"github.com/leakguard/leakguard/accept"
	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/scanner"
)

// failingFindings are the findings that fail the scan (--fail-on).
func failingFindings(fs []scanner.Finding, failOn string) []scanner.Finding {
	th, _ := failThreshold(failOn)
	if failOn == "" {
		return fs
	}
	var out []scanner.Finding
	for _, f := range fs {
		if th != "" && f.Confidence.AtLeast(th) {
			out = append(out, f)
		}
	}
	return out
}

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
		fmt.Fprintf(s.Err, "leakguard: warning: the blocked findings are not recorded for 'leakguard ignore --last': %v\n", err)
	}
	return bs
}

// blocked tells the user what to do about a blocked commit or push.
func blocked(s *IO, commit bool, bs []accept.Finding) { accept.WriteAdvice(s.Err, commit, bs) }
