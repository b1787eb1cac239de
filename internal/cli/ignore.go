package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
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
			out := f.ignoreFile
			if out == "" {
				out = e.ignoreFile()
			} else if !filepath.IsAbs(out) && f.dir != "" {
				out = filepath.Join(e.base, out)
			}
			var rec *accept.Record
			if e.repoRoot != "" {
				if rec, err = accept.Load(stateDir(s.Getenv, e.cfg), e.repoRoot); err != nil {
					fmt.Fprintf(s.Err, "leakguard: warning: the last blocked scan cannot be read: %v\n", err)
				}
			}
			var entries []accept.Entry
			if last {
				entries, err = lastEntries(s, rec, includeHigh)
			} else {
				var en accept.Entry
				en, err = fingerprintEntry(c.Context(), s, e, rec, args[0])
				entries = []accept.Entry{en}
			}
			if err != nil {
				return err
			}
			added, dups, err := accept.Append(out, entries, glob, reason)
			for _, d := range dups {
				fmt.Fprintf(s.Err, "leakguard: %s is already in %s\n", d, out)
			}
			if err != nil || added == 0 {
				return err
			}
			fmt.Fprintf(s.Err, "leakguard: added %s to %s; commit it with your change (git add %s): CI reads it from the repository\n",
				plural(added, "entry"), out, accept.ShellQuote(filepath.Base(out)))
			return nil
		},
	}
	c.Flags().StringVarP(&f.dir, "chdir", "C", "", "run as if started in `DIR`")
	c.Flags().StringVarP(&f.configPath, "config", "c", "", "config `FILE`")
	c.Flags().StringVar(&f.ignoreFile, "ignore-file", "", "the ignore `FILE` to add to (default: .leakguardignore at the repository root)")
	c.Flags().StringVar(&reason, "reason", "", "why the finding is accepted (`TEXT`, written above the entry for reviewers)")
	c.Flags().StringVar(&glob, "path", "", "limit the entry to files matching `GLOB` (default: the finding's file when known, else any file)")
	c.Flags().BoolVar(&last, "last", false, "add the findings of the last blocked commit or push of this repository")
	c.Flags().BoolVar(&includeHigh, "include-high", false, "with --last: accept managed keys and high-confidence findings too")
	f.format = "text"
	return c
}

// ignoreFile is the ignore file at the repository root (outside one,
// where the run is anchored).
func (e *env) ignoreFile() string {
	root := e.repoRoot
	if root == "" {
		root = e.anchor
	}
	return filepath.Join(root, scanner.IgnoreFile)
}

// lastEntries are the entries of the last blocked scan; managed keys and
// high-confidence findings only with includeHigh.
func lastEntries(s *IO, rec *accept.Record, includeHigh bool) ([]accept.Entry, error) {
	entries, refused, err := accept.Last(rec, includeHigh)
	if err != nil {
		return nil, err
	}
	for _, en := range entries {
		if en.Blocked.Keyed == "" {
			fmt.Fprintf(s.Err, "leakguard: warning: %s:%d: written with an unkeyed hash (the repository had no commit to key it by when it was blocked)\n", en.Blocked.File, en.Blocked.Line)
		}
	}
	if len(refused) > 0 {
		accept.WriteRefused(s.Err, refused)
		if len(entries) == 0 {
			return nil, &Error{Code: ExitFindings, Err: errors.New("nothing accepted"),
				Hint: "accept one with 'leakguard ignore FINGERPRINT --reason TEXT', or all with --include-high"}
		}
	}
	return entries, nil
}

// fingerprintEntry is the entry of fingerprint fp (accept.Lookup).
func fingerprintEntry(ctx context.Context, s *IO, e *env, rec *accept.Record, fp string) (accept.Entry, error) {
	l := &accept.Lookup{Rules: e.cfg.Rules, Record: rec,
		Key: func() ([]byte, error) { return gitscan.RepoKey(ctx, e.repoRoot) },
		Scan: func() ([]scanner.Finding, error) {
			found, _, err := gitscan.ScanWorkTree(ctx, newDetector(e.cfg, nil), []string{e.repoRoot}, gitscan.WorkTreeOptions{
				DirOptions: scanner.DirOptions{MaxSize: e.maxSize}})
			if err != nil {
				return nil, &Error{Code: ExitIncomplete, Err: err}
			}
			return found, nil
		}}
	en, err := l.Entry(fp)
	if en.KeyErr != nil {
		fmt.Fprintf(s.Err, "leakguard: warning: the entry is written with an unkeyed hash (%v), which a dictionary reverses for weak secrets\n", en.KeyErr)
	}
	return en, err
}
