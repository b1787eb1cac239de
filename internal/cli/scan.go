package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/leakguard/leakguard/accept"
	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/internal/tty"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/scanner/report"
)

// scanFlags are the flags shared by commands that scan.
type scanFlags struct {
	dir            string
	configPath     string
	format         string
	output         string
	showSecrets    bool
	noIgnore       bool
	maxSize        string
	followSymlinks bool
	ignoreFile     string

	// git sources (see git.go)
	staged      bool
	prePush     bool
	history     bool
	revRange    string
	sinceCommit string
	branch      string
	allRefs     bool
	strict      bool
	noCache     bool // --no-cache: no incremental history cache (cache.go)

	// --verify (see verify.go)
	verify        bool
	verifyFlag    *pflag.Flag
	minConfidence string // --min-confidence: report only findings at or above
	failOn        string // scan's --fail-on (ci has its own)

	// scan's -v, -q and --exit-code (see finish)
	verbose, quiet bool
	exitCode       int
	// base, when set, is where the config and the ignore files are read
	// from: a pull request's base commit (gitscan.BaseSource).
	base *gitscan.BaseSource
	// early is --staged's git processes, started before the config loads;
	// earlyPush --pre-push's walks, and pushIn the hook's standard input
	// they were started from (read before the config loads).
	early     *gitscan.Early
	earlyPush *gitscan.EarlyPush
	pushIn    io.Reader
}

// maxEarlyPush bounds the pre-push hook input read before the
// configuration loads: about 6,000 refs. A larger push is read as it
// always was, by Collect, without walks started early.
const maxEarlyPush = 1 << 20

// errReader returns its error, or io.EOF (and a MultiReader moves on).
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err == nil {
		return 0, io.EOF
	}
	return 0, r.err
}

func (f *scanFlags) register(c *cobra.Command) {
	fl := c.Flags()
	f.registerSite(fl, "config `FILE` (leakguard.toml or a gitleaks config); default: $LEAKGUARD_CONFIG, then leakguard.toml")
	fl.StringVarP(&f.format, "format", "f", "text", "output format: text, json or sarif")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to `FILE` instead of stdout")
	fl.BoolVar(&f.showSecrets, "show-secrets", false, "print secrets in full (they are redacted otherwise)")
	fl.BoolVar(&f.noIgnore, "no-ignore", false, "scan files that .gitignore excludes")
	fl.StringVar(&f.maxSize, "max-size", "", "skip files larger than `SIZE` (default 10MiB; e.g. 512KiB, 50MiB)")
	fl.BoolVar(&f.followSymlinks, "follow-symlinks", false, "scan the targets of symbolic links")
	fl.StringVar(&f.ignoreFile, "ignore-file", "", "content-fingerprint ignore `FILE` (default: .leakguardignore at the repository root)")
	fl.BoolVar(&f.staged, "staged", false, "scan the changes staged for commit (what the index holds), for a pre-commit hook")
	fl.BoolVar(&f.prePush, "pre-push", false, "scan the commits being pushed, read from a pre-push hook's standard input")
	fl.BoolVar(&f.history, "history", false, "scan the git history (HEAD, branches, tags, remote-tracking refs, notes, the stash): each unique blob once, commit and tag messages")
	fl.StringVar(&f.revRange, "range", "", "with --history: only commits in `REVS` (e.g. main..feature)")
	fl.StringVar(&f.sinceCommit, "since-commit", "", "with --history: only commits after `SHA`")
	fl.StringVar(&f.branch, "branch", "", "with --history: only commits reachable from `NAME`")
	fl.BoolVar(&f.allRefs, "all-refs", false, "with --history: every ref, pull requests (refs/pull/*) included (default on mirror clones)")
	fl.BoolVar(&f.noCache, "no-cache", false, "with --history: read the whole history again, neither using nor updating the history cache")
	fl.BoolVar(&f.strict, "strict", false, "exit 3 when objects are missing (partial or shallow clones)")
	fl.StringVar(&f.minConfidence, "min-confidence", "low", "report only findings at `LEVEL` or above: low (all), medium or high")
}

// registerSite adds -C DIR and -c FILE (with usage) to fl.
func (f *scanFlags) registerSite(fl *pflag.FlagSet, usage string) {
	fl.StringVarP(&f.dir, "chdir", "C", "", "run as if started in `DIR`")
	fl.StringVarP(&f.configPath, "config", "c", "", usage)
}

// env is what a scanning command resolved from its flags.
type env struct {
	base     string // working directory for relative paths
	anchor   string // directory of the first scanned path, else base
	repoRoot string // enclosing git work tree, or ""
	cfg      *config.Config
	ignore   *scanner.Ignore
	// ignoreSum is a SHA-256 of the ignore file (zero without one): part
	// of the history cache's key.
	ignoreSum [32]byte
	maxSize   int64
	gitleaks  *scanner.GitleaksIgnore // .gitleaksignore, when the repository has one
}

// resolve loads the configuration and the ignore files of the site the
// scan runs (gitscan.Locate): the repository holding the first scanned
// path, else the one holding -C DIR or the current directory.
func (f *scanFlags) resolve(s *IO, withIgnore bool, paths ...string) (*env, error) {
	site, err := gitscan.Locate(f.dir, paths, f.base)
	if err != nil {
		return nil, err
	}
	e := &env{base: site.Base, anchor: site.Anchor, repoRoot: site.Root}
	root, read, exists := site.Files()
	cfg, err := config.Lookup{Flag: f.configPath, Dir: f.dir, Root: root, Anchor: site.Anchor, Getenv: s.Getenv, Read: read, Exists: exists}.Load()
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			return nil, &Error{Code: ExitUsage, Err: err, Hint: "fix the config file (see 'Configuration' in README.md)"}
		}
		return nil, &Error{Code: ExitUsage, Err: err}
	}
	e.cfg = cfg
	if f.minConfidence != "" {
		mc, err := rules.ParseConfidence(f.minConfidence)
		if err != nil {
			return nil, usageErr("use low, medium or high", "--min-confidence: %v", err)
		}
		cfg.MinConfidence = mc
	}
	e.maxSize = cfg.MaxSize
	if f.maxSize != "" {
		n, err := config.ParseSize(f.maxSize)
		if err != nil || n <= 0 {
			return nil, usageErr("use a size such as 10MiB", "--max-size: %q is not a size", f.maxSize)
		}
		e.maxSize = n
	}
	switch f.format {
	case "", "text", "json", "sarif":
	default:
		return nil, usageErr("use text, json or sarif", "--format: unknown format %q", f.format)
	}
	if withIgnore {
		ig, err := site.LoadIgnores(f.under(e, f.ignoreFile), config.GitleaksRuleIDs, s.warner(f.quiet))
		if err != nil {
			return nil, err
		}
		e.ignore, e.ignoreSum, e.gitleaks = ig.Ignore, ig.Sum, ig.Gitleaks
	}
	return e, nil
}

// write sends a report to -o FILE or stdout.
func (f *scanFlags) write(s *IO, e *env, fs []scanner.Finding) error {
	var w io.Writer = s.Out
	color := f.format == "text" && tty.Color(s.Getenv, s.Out)
	var buf bytes.Buffer
	if f.output != "" {
		w, color = &buf, false
	}
	o := report.Options{Format: f.format, ShowSecrets: f.showSecrets, Color: color, Version: Version(), Rules: e.cfg.Rules}
	if f.format == "sarif" {
		o.FingerprintKey = sarifKey(e, s.warner(f.quiet))
	}
	if err := report.Write(w, fs, o); err != nil {
		return err
	}
	if f.output == "" {
		return nil
	}
	return atomicfile.WriteReport(f.under(e, f.output), buf.Bytes(), f.showSecrets)
}

// under is a path given on the command line: with -C DIR, a relative
// path is relative to DIR ("" stays "").
func (f *scanFlags) under(e *env, path string) string {
	if path == "" || filepath.IsAbs(path) || f.dir == "" {
		return path
	}
	return filepath.Join(e.base, path)
}

func newScanCmd(s *IO) *cobra.Command {
	var f scanFlags
	c := &cobra.Command{
		Use:   "scan [PATH...|-]",
		Short: "Scan files, directories or stdin for secrets",
		Long: `Scan files and directories (default: the current directory) or standard
input (-) for secrets: known key formats, the managed keys' names assigned
to literal values, and the managed keys' known values in any encoding.

Inside a git work tree, files that .gitignore excludes are skipped unless
--no-ignore is given. Binary files, symbolic links and files over
--max-size are skipped.

With --verify (or [verify] enabled = true, except for --staged and
--pre-push), each secret is sent to its own provider's API — and nowhere
else — to learn whether it still works: live, invalid or unknown.`,
		RunE: func(c *cobra.Command, args []string) error {
			return runScan(c.Context(), s, &f, args)
		},
	}
	f.register(c)
	f.registerVerify(c.Flags())
	c.Flags().StringVar(&f.failOn, "fail-on", "medium", "exit 1 on a finding at `LEVEL` or above: low, medium or high (none: never); lower findings are reported, not failing")
	c.Flags().BoolVarP(&f.verbose, "verbose", "v", false, "print the summary even when a hook passes (--staged, --pre-push)")
	c.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "print nothing on stderr but errors: no summary, warnings or advice (the report still goes to stdout or -o)")
	c.Flags().IntVar(&f.exitCode, "exit-code", ExitFindings, "exit with `N` when findings fail the scan (0: never; 2 and 3 are reserved)")
	c.PreRunE = func(c *cobra.Command, _ []string) error {
		if f.quiet && f.verbose {
			return usageErr("pass one of them", "--quiet and --verbose are exclusive")
		}
		return f.checkExitCode()
	}
	return c
}

func runScan(ctx context.Context, s *IO, f *scanFlags, args []string) error {
	if _, err := scanner.ParseFailOn(f.failOn); err != nil {
		return err
	}
	if f.staged && !f.prePush && !f.history && len(args) == 0 {
		// git reads the index while the rules load.
		f.early = gitscan.StartStaged(ctx, f.dir, s.Getenv)
		defer f.early.Close()
	}
	if f.prePush && !f.staged && !f.history && len(args) == 0 && !tty.IsTerminal(s.In) {
		// git walks the pushed commits while the rules load. The
		// updates are read now, up to maxEarlyPush bytes: past that, or
		// on a read error, Collect reads on from there (and fails as it
		// would have).
		in, err := io.ReadAll(io.LimitReader(s.In, maxEarlyPush+1))
		f.pushIn = io.MultiReader(bytes.NewReader(in), errReader{err}, s.In)
		if err == nil && len(in) <= maxEarlyPush {
			f.earlyPush = gitscan.StartPrePush(ctx, f.dir, in, s.Getenv)
			defer f.earlyPush.Close()
		}
	}
	e, err := f.resolve(s, true, args...)
	if err != nil {
		return err
	}
	if !f.staged {
		s.gcOn() // a staged scan is small: it finishes without a collection
	}
	res, err := collect(ctx, s, f, e, args)
	if err != nil {
		return err
	}
	if err := f.afterScan(ctx, s, e, res); err != nil {
		return err
	}
	if err := f.write(s, e, res.Findings); err != nil {
		return err
	}
	return res.finish(ctx, s, f, e)
}

// scanResult is what a scan found and how complete it was.
type scanResult struct {
	*gitscan.Result
	summary string // the closing line, without the program name
}

// finish prints the warnings, the summary and what to do, and maps the
// result to an exit code (gitscan.Result.Outcome decides what fails). A
// hook that passes prints nothing (-v: its summary); --quiet leaves
// stderr to errors.
func (r *scanResult) finish(ctx context.Context, s *IO, f *scanFlags, e *env) error {
	failOn, _ := scanner.ParseFailOn(f.failOn)
	o := r.Outcome(failOn, f.strict)
	var say io.Writer = s.Err
	if f.quiet {
		say = io.Discard
	}
	o.WriteHead(say, r.summary, f.verbose)
	if o.Block {
		bs := recordBlocked(ctx, s, f, e, o.Failing)
		if f.format == "text" {
			accept.WriteAdvice(say, f.staged, bs)
		}
	}
	o.WriteTail(say, s.Err)
	if o.Err != nil {
		return o.Err
	}
	return outcomeCode(len(o.Failing), len(r.Errors), f.exitCode)
}

// checkExitCode refuses an --exit-code that would read as another
// outcome: 2 (usage) and 3 (incomplete) keep their meaning.
func (f *scanFlags) checkExitCode() error {
	switch n := f.exitCode; {
	case n < 0 || n > 125:
		return usageErr("use a code from 0 to 125", "--exit-code %d: out of range", n)
	case n == ExitUsage || n == ExitIncomplete:
		return usageErr("use 1, or a code other than 2 (usage errors) and 3 (incomplete scans)", "--exit-code %d: that code means something else", n)
	}
	return nil
}

// collect runs the scan the flags select: files, stdin or git (see
// gitscan.Collect), and words its result.
func collect(ctx context.Context, s *IO, f *scanFlags, e *env, args []string) (*scanResult, error) {
	req := gitscan.Request{
		Dir: f.dir, Paths: args, Stdin: s.In, FollowSymlinks: f.followSymlinks, NoIgnore: f.noIgnore,
		Staged: f.staged, PrePush: f.prePush, History: f.history, NoCache: f.noCache,
		HistoryOptions: gitscan.HistoryOptions{Range: f.revRange, SinceCommit: f.sinceCommit, Branch: f.branch, AllRefs: f.allRefs},
		NewCache:       func() *gitscan.Cache { return historyCache(s, e, f.quiet) },
		Early:          f.early,
		EarlyPush:      f.earlyPush,
		Options:        gitscan.Options{Detector: newDetector(e.cfg, e.ignore), MaxSize: e.maxSize},
		Getenv:         s.Getenv,
	}
	if f.pushIn != nil {
		req.Stdin = f.pushIn
	}
	progress := f.history && tty.IsTerminal(s.Err)
	if progress {
		req.Progress = func(st gitscan.Stats) {
			fmt.Fprintf(s.Err, "\r\x1b[Kleakguard: %s, %s, %s", english.Count(st.Commits, "commit"), english.Count(st.Blobs, "blob"), english.Bytes(st.Bytes))
		}
	}
	start := time.Now()
	r, err := gitscan.Collect(ctx, req)
	if progress {
		fmt.Fprint(s.Err, "\r\x1b[K")
	}
	if err != nil {
		return nil, err
	}
	if !r.Stdin {
		r.Findings = e.gitleaks.Drop(r.Findings, e.base, e.repoRoot)
	}
	return &scanResult{Result: r, summary: r.Summary(len(r.Findings), time.Since(start))}, nil
}

// outcomeCode maps a scan's result to an exit code, with code for
// findings (--exit-code): with 0, an incomplete scan still exits 3.
func outcomeCode(findings, errs, code int) error {
	switch {
	case findings > 0 && code != ExitClean:
		return &Error{Code: code, Err: errSilent}
	case errs > 0:
		return &Error{Code: ExitIncomplete, Err: fmt.Errorf("scan incomplete: %s could not be read", english.Count(errs, "path")), Hint: "fix the permissions or exclude the paths, and scan again"}
	}
	return nil
}
