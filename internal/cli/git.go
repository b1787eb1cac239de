package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/hooks"
	"github.com/leakguard/leakguard/scanner"
)

const hintNoRepo = "run inside a repository or pass -C DIR"

// collectGit scans git sources: --staged, --pre-push or --history.
func collectGit(ctx context.Context, s *IO, f *scanFlags, e *env, args []string) (*scanResult, error) {
	n := 0
	for _, b := range []bool{f.staged, f.prePush, f.history} {
		if b {
			n++
		}
	}
	if n > 1 {
		return nil, usageErr("pass one of --staged, --pre-push or --history", "--staged, --pre-push and --history are exclusive")
	}
	if len(args) > 0 {
		return nil, usageErr("select the repository with -C DIR", "git scans take no paths (got %q)", strings.Join(args, " "))
	}
	if !f.history && (f.revRange != "" || f.sinceCommit != "" || f.branch != "" || f.allRefs || f.noCache) {
		return nil, usageErr("add --history", "--range, --since-commit, --branch, --all-refs and --no-cache apply to --history")
	}
	if f.allRefs && (f.revRange != "" || f.branch != "") {
		return nil, usageErr("drop --all-refs, or --range and --branch", "--all-refs reads every ref; --range and --branch choose commits")
	}
	repo, err := openRepo(e.base)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	o := gitscan.Options{
		Detector:  newDetector(e.cfg, e.ignore),
		MaxSize:   e.maxSize,
		IndexFile: s.Getenv("GIT_INDEX_FILE"),
		Backend:   s.Getenv("LEAKGUARD_GIT_BACKEND"),
	}
	progress := f.history && isTerminal(s.Err)
	if progress {
		o.Progress = func(st gitscan.Stats) {
			fmt.Fprintf(s.Err, "\r\x1b[Kleakguard: %s, %s, %s", plural(st.Commits, "commit"), plural(st.Blobs, "blob"), humanBytes(st.Bytes))
		}
	}
	start := time.Now()
	var (
		found []scanner.Finding
		st    gitscan.Stats
		what  string
	)
	switch {
	case f.staged:
		what = "staged changes"
		found, st, err = repo.Staged(ctx, o)
	case f.prePush:
		what = "pushed commits"
		var ups []gitscan.PushUpdate
		ups, err = gitscan.ParsePushUpdates(s.In)
		if err != nil {
			return nil, usageErr("run it from a pre-push hook: leakguard hooks install --pre-push", "%v", err)
		}
		if len(ups) == 0 {
			ups, err = repo.FrameworkUpdates(preCommitFrameworkPush(s))
			if errors.Is(err, gitscan.ErrNoPushRange) {
				return nil, &Error{Code: ExitIncomplete, Err: err,
					Hint: "run it as the pre-commit framework's pre-push hook (pre-commit install -t pre-push), or name the range: pre-commit run --hook-stage pre-push --from-ref REMOTE_SHA --to-ref HEAD"}
			}
		}
		if err == nil {
			found, st, err = repo.PrePush(ctx, o, ups)
		}
	default:
		what = "history"
		if !f.noCache && f.revRange == "" && f.sinceCommit == "" {
			o.Cache = historyCache(s, e, f.quiet)
		}
		found, st, err = repo.History(ctx, o, gitscan.HistoryOptions{Range: f.revRange, SinceCommit: f.sinceCommit, Branch: f.branch, AllRefs: f.allRefs})
	}
	if progress {
		fmt.Fprint(s.Err, "\r\x1b[K")
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, gitscan.ErrBadRevision) {
			return nil, usageErr("check --range, --branch and --since-commit (e.g. --range main..HEAD)", "%v", err)
		}
		return nil, &Error{Code: ExitIncomplete, Err: err, Hint: "check the repository with 'git fsck'"}
	}
	found = e.gitleaks.Drop(found, e.base, e.repoRoot)
	// A hook fails closed: what it cannot read may be what leaks.
	hook := f.staged || f.prePush
	res := &scanResult{found: found, missing: st.Missing, strict: f.strict || hook, blocked: hook}
	if st.Missing > 0 {
		res.warnings = append(res.warnings, fmt.Sprintf("%s missing (partial or shallow clone, or pruned objects): the scan is incomplete", plural(st.Missing, "object")))
		if hook {
			res.missingHint = "fetch the missing objects (git fetch), or check the repository with 'git fsck'"
		}
	}
	res.unscanned(st.Unscanned, hook)
	res.malformed(st.Notices)
	commits := ""
	if !f.staged {
		commits = plural(st.Commits, "commit") + ", "
	}
	skipped := ""
	if st.Skipped > 0 {
		skipped = fmt.Sprintf("; %d skipped (links, submodules, over --max-size or archive limits)", st.Skipped)
	}
	cached := ""
	if st.CachedCommits > 0 {
		cached = fmt.Sprintf("; %s proven clean before, from the history cache", plural(st.CachedCommits, "commit"))
	}
	res.summary = fmt.Sprintf("%s in %s (%s%s, %s) in %s%s%s",
		plural(len(found), "finding"), what, commits, plural(st.Blobs, "file"), humanBytes(st.Bytes),
		time.Since(start).Round(time.Millisecond), skipped, cached)
	return res, nil
}

const hintSHA256 = "scan the files with 'leakguard scan .'; git scans need a SHA-1 repository for now"

// openRepo opens the repository holding dir; its errors are usage errors
// with a hint.
func openRepo(dir string) (*gitscan.Repo, error) {
	repo, err := gitscan.Open(dir)
	switch {
	case err == nil:
		return repo, nil
	case errors.Is(err, gitscan.ErrNotRepository):
		return nil, &Error{Code: ExitUsage, Err: err, Hint: hintNoRepo}
	case errors.Is(err, gitscan.ErrSHA256):
		return nil, &Error{Code: ExitUsage, Err: err, Hint: hintSHA256}
	}
	return nil, &Error{Code: ExitUsage, Err: fmt.Errorf("opening the repository: %w", err), Hint: hintNoRepo}
}

// preCommitFrameworkPush reads the push the pre-commit framework
// describes in the environment (it keeps the hook's standard input).
func preCommitFrameworkPush(s *IO) gitscan.FrameworkPush {
	return gitscan.FrameworkPush{
		From:      s.Getenv("PRE_COMMIT_FROM_REF"),
		To:        s.Getenv("PRE_COMMIT_TO_REF"),
		LocalRef:  s.Getenv("PRE_COMMIT_LOCAL_BRANCH"),
		RemoteRef: s.Getenv("PRE_COMMIT_REMOTE_BRANCH"),
		Framework: s.Getenv("PRE_COMMIT") == "1",
	}
}

func newHooksCmd(s *IO) *cobra.Command {
	c := &cobra.Command{
		Use:   "hooks",
		Short: "Install, remove or inspect leakguard's git hooks",
		Long: `Install leakguard as a git pre-commit hook (scans the staged changes) or
pre-push hook (scans the commits being pushed).

Hooks go to the effective hooks directory: core.hooksPath, husky's .husky
directory, the main repository's hooks for a linked worktree, else
.git/hooks. An existing hook is kept and runs first (it moves to
<hook>.leakguard-chained); uninstall puts it back. In husky's .husky
directory (shared by the team) one line is appended that runs leakguard
from PATH. --global installs into ~/.config/leakguard/hooks and sets
core.hooksPath in your git config.`,
	}
	var dir string
	var global, prePush, force, required bool
	opts := func() hooks.Options {
		return hooks.Options{Dir: dir, Global: global, Force: force, Required: required, Getenv: s.Getenv}
	}
	fail := func(err error) error {
		if errors.Is(err, hooks.ErrNotRepository) {
			return &Error{Code: ExitUsage, Err: err, Hint: hintNoRepo + ", or use --global"}
		}
		return &Error{Code: ExitUsage, Err: err}
	}
	install := &cobra.Command{
		Use:   "install",
		Short: "Install the pre-commit hook (or, with --pre-push, the pre-push hook)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			hook := hooks.PreCommit
			if prePush {
				hook = hooks.PrePush
			}
			res, err := hooks.Install(opts(), hook)
			if err != nil {
				return fail(err)
			}
			switch {
			case !res.Changed:
				fmt.Fprintf(s.Err, "leakguard: %s hook already installed in %s\n", hook, res.Path)
			case res.Husky:
				fmt.Fprintf(s.Err, "leakguard: added one line to %s (it runs leakguard from PATH); commit the file to share it with your team\n", res.Path)
			case res.State == hooks.Chained:
				fmt.Fprintf(s.Err, "leakguard: installed %s hook in %s; the previous hook runs first (%s)\n", hook, res.Path, res.Path+hooks.ChainSuffix)
			default:
				fmt.Fprintf(s.Err, "leakguard: installed %s hook in %s\n", hook, res.Path)
			}
			for _, w := range res.Warnings {
				fmt.Fprintf(s.Err, "leakguard: warning: %s\n", w)
			}
			if _, note, err := hooks.Dir(opts()); err == nil && note != "" {
				fmt.Fprintf(s.Err, "leakguard: warning: %s\n", note)
			}
			if hook == hooks.PreCommit {
				if _, _, rs, err := hooks.Status(opts()); err == nil && len(rs) == 2 && rs[1].State == hooks.Missing {
					also := "leakguard hooks install --pre-push"
					if global {
						also += " --global"
					}
					fmt.Fprintf(s.Err, "leakguard: to check pushes too (the commits a push sends, also those made with --no-verify): %s\n", also)
				}
			}
			return nil
		},
	}
	install.Flags().BoolVar(&prePush, "pre-push", false, "install the pre-push hook instead of the pre-commit hook")
	install.Flags().BoolVar(&force, "force", false, "replace a leftover chained hook, or a global core.hooksPath that points elsewhere")
	install.Flags().BoolVar(&required, "required", false, "husky: fail the hook when leakguard is not installed (default: warn and let the change through)")
	uninstall := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove leakguard's hooks and restore the hooks they chained",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			rs, err := hooks.Uninstall(opts())
			if err != nil {
				return fail(err)
			}
			for _, r := range rs {
				switch {
				case r.Changed && r.Husky:
					fmt.Fprintf(s.Err, "leakguard: removed leakguard's line from %s\n", r.Path)
				case r.Changed && r.State == hooks.Foreign:
					fmt.Fprintf(s.Err, "leakguard: removed %s hook; restored the previous one\n", r.Hook)
				case r.Changed:
					fmt.Fprintf(s.Err, "leakguard: removed %s hook\n", r.Hook)
				case r.State == hooks.Foreign:
					fmt.Fprintf(s.Err, "leakguard: %s hook is not leakguard's; left alone\n", r.Hook)
				}
			}
			return nil
		},
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "Show each hook's state: installed, chained, missing or foreign",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			d, note, rs, err := hooks.Status(opts())
			if err != nil {
				return fail(err)
			}
			tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
			for _, r := range rs {
				st := string(r.State)
				if r.Global && r.State != hooks.Missing {
					st += " (global)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Hook, st, r.Path)
			}
			tw.Flush()
			fmt.Fprintf(s.Err, "leakguard: hooks directory %s\n", d)
			switch {
			case note != "" && !global && len(rs) > 0 && rs[0].Global:
				fmt.Fprintf(s.Err, "leakguard: %s\n", note) // a global install: fine
			case note != "":
				fmt.Fprintf(s.Err, "leakguard: warning: %s\n", note)
			}
			return nil
		},
	}
	for _, sub := range []*cobra.Command{install, uninstall, status} {
		sub.Flags().StringVarP(&dir, "chdir", "C", "", "the repository in `DIR`")
		sub.Flags().BoolVar(&global, "global", false, "the user's global hooks (~/.config/leakguard/hooks, via core.hooksPath)")
		c.AddCommand(sub)
	}
	return c
}
