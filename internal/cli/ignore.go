package cli

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/accept"
	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/scanner"
)

func newIgnoreCmd(s *IO) *cobra.Command {
	var f scanFlags
	var reason, glob string
	var last, includeHigh bool
	c := &cobra.Command{
		Use:   "ignore [FINGERPRINT]",
		Short: "Accept one finding: add its fingerprint to the ignore file",
		Long: `Add one entry to the content-fingerprint ignore file (default:
.leakguardignore at the repository root) for the finding FINGERPRINT
names: the rule:hash a blocked hook prints in its 'leakguard ignore'
command (keyed by the repository), or the fingerprint of a report
(rule:hash of 16 hex digits), which is looked up in the last blocked
scan, then in the work tree.

--last adds the findings of the last blocked commit or push of this
repository (the hook records their fingerprints, never the secrets, in
the state directory); managed keys and high-confidence findings need
--include-high.

Commit the ignore file with your change: CI reads it from the
repository.`,
		Args: cobra.MaximumNArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			if (len(args) == 1) == last {
				return usageErr("pass the fingerprint the block message printed, or --last", "ignore: pass one FINGERPRINT or --last")
			}
			if strings.ContainsAny(reason, "\r\n") {
				return usageErr("give the reason on one line", "--reason: a line break")
			}
			e, err := f.resolve(s, false)
			if err != nil {
				return err
			}
			out := f.under(e, f.ignoreFile)
			if out == "" {
				out = accept.DefaultFile(e.repoRoot, e.anchor)
			}
			ig := &accept.Ignore{Lookup: lookup(c.Context(), e), File: out, Glob: glob, Reason: reason, Log: s.Err}
			ig.Record = accept.LoadWarn(s.Err, stateDir(s.Getenv, e.cfg), e.repoRoot)
			if !last {
				return ig.AddFingerprint(args[0])
			}
			err = ig.AddLast(includeHigh)
			if errors.Is(err, accept.ErrNothingAccepted) {
				return &Error{Code: ExitFindings, Err: err}
			}
			return err
		},
	}
	f.registerSite(c.Flags(), "config `FILE`")
	c.Flags().StringVar(&f.ignoreFile, "ignore-file", "", "the ignore `FILE` to add to (default: .leakguardignore at the repository root)")
	c.Flags().StringVar(&reason, "reason", "", "why the finding is accepted (`TEXT`, written above the entry for reviewers)")
	c.Flags().StringVar(&glob, "path", "", "limit the entry to files matching `GLOB` (default: the finding's file when known, else any file)")
	c.Flags().BoolVar(&last, "last", false, "add the findings of the last blocked commit or push of this repository")
	c.Flags().BoolVar(&includeHigh, "include-high", false, "with --last: accept managed keys and high-confidence findings too")
	f.format = "text"
	return c
}

// lookup finds a fingerprint's finding (accept.Lookup) in the last
// blocked scan, then in e's work tree.
func lookup(ctx context.Context, e *env) accept.Lookup {
	return accept.Lookup{Rules: e.cfg.Rules,
		Key: func() ([]byte, error) { return gitscan.RepoKey(ctx, e.repoRoot) },
		Scan: func() ([]scanner.Finding, error) {
			found, _, err := gitscan.ScanWorkTree(ctx, newDetector(e.cfg, nil), []string{e.repoRoot}, gitscan.WorkTreeOptions{
				DirOptions: scanner.DirOptions{MaxSize: e.maxSize}})
			if err != nil {
				return nil, &Error{Code: ExitIncomplete, Err: err}
			}
			return found, nil
		}}
}
