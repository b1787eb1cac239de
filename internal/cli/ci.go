package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/internal/tty"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/scanner/report"
)

// ciFlags are the flags of 'leakguard ci'.
type ciFlags struct {
	scan      scanFlags
	failOn    string
	sarif     string
	report    string
	remediate bool
	noIssue   bool
}

func newCICmd(s *IO) *cobra.Command {
	var f ciFlags
	c := &cobra.Command{
		Use:   "ci",
		Short: "Scan what a CI event brings: annotations, job summary, SARIF and outputs on GitHub Actions",
		Long: `Scan exactly the commits a GitHub Actions event brings:

  push                          before..after; a new branch: the commits not on
                                the default branch; a force push: the new commits
  pull_request(_target)         base..head
  merge_group                   base..head of the queued merge
  schedule, workflow_dispatch   the full history (every ref)

On GitHub Actions (GITHUB_ACTIONS=true) it first masks every secret it found
(::add-mask::), then prints one error annotation per finding (redacted), the
report, a Markdown job summary with the playbook ($GITHUB_STEP_SUMMARY), the
outputs findings, sarif and report ($GITHUB_OUTPUT), and writes the SARIF
file (--sarif) and the JSON report (--report), both redacted.

Elsewhere it scans origin/HEAD..HEAD (or --range) and prints the findings as
text; --sarif and --report write those files only when given.

A shallow clone that lacks the commits to scan is an error (exit 2): set
fetch-depth: 0 on actions/checkout. --fail-on decides the exit code: none
(always 0), any (1 with findings, the default) or high (1 with a
high-confidence finding). --remediate opens the incidents and audit issues
as 'leakguard remediate' does, with $GITHUB_TOKEN, in $GITHUB_REPOSITORY
unless [github] repo says otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fl := c.Flags()
			return runCI(c.Context(), s, &f, fl.Changed("sarif"), fl.Changed("report"))
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.scan.dir, "chdir", "C", "", "the repository in `DIR` (default: $GITHUB_WORKSPACE on GitHub Actions, else the current directory)")
	fl.StringVarP(&f.scan.configPath, "config", "c", "", "config `FILE` (leakguard.toml or a gitleaks config); default: $LEAKGUARD_CONFIG, then leakguard.toml")
	fl.StringVar(&f.scan.revRange, "range", "", "scan the commits in `REVS` (e.g. main..HEAD) instead of what the event brings")
	fl.StringVar(&f.scan.maxSize, "max-size", "", "skip files larger than `SIZE` (default 10MiB)")
	fl.StringVar(&f.scan.ignoreFile, "ignore-file", "", "content-fingerprint ignore `FILE` (default: .leakguardignore at the repository root)")
	fl.BoolVar(&f.scan.strict, "strict", false, "exit 3 when objects are missing (partial clones)")
	fl.BoolVar(&f.scan.noCache, "no-cache", false, "on a full scan (schedule, workflow_dispatch): read the whole history again, neither using nor updating the history cache")
	fl.StringVar(&f.failOn, "fail-on", "medium", "exit 1 on a finding at `LEVEL` or above: low (any), medium or high; none: never")
	fl.StringVar(&f.sarif, "sarif", "leakguard.sarif", "write SARIF to `FILE` (relative to the repository; outside GitHub Actions only when given)")
	fl.StringVar(&f.report, "report", "", "write the JSON report to `FILE` (relative to the repository; default on GitHub Actions: $RUNNER_TEMP/leakguard-report.json; elsewhere only when given)")
	fl.BoolVar(&f.remediate, "remediate", false, "open an incident per leaked key and its audit issue, as 'leakguard remediate' does")
	fl.BoolVar(&f.noIssue, "no-issue", false, "with --remediate: record incidents without opening audit issues")
	f.scan.registerVerify(fl)
	return c
}

func runCI(ctx context.Context, s *IO, f *ciFlags, sarifSet, reportSet bool) error {
	gha := report.InActions(s.Getenv)
	err := runCI1(ctx, s, f, gha, sarifSet, reportSet)
	if gha && err != nil && ctx.Err() == nil {
		// The log's error line is easy to miss: make it an annotation,
		// with the message and hint the exit code comes with.
		if _, msg, hnt := classify(&ranErr{err}); msg != "" {
			fmt.Fprintln(s.Out, report.GitHubError(msg, hnt))
		}
	}
	return err
}

func runCI1(ctx context.Context, s *IO, f *ciFlags, gha, sarifSet, reportSet bool) error {
	if _, err := scanner.ParseFailOn(f.failOn); err != nil {
		return err
	}
	if f.noIssue && !f.remediate {
		return usageErr("add --remediate", "--no-issue applies to --remediate")
	}
	if f.scan.dir == "" && gha {
		f.scan.dir = s.Getenv("GITHUB_WORKSPACE")
	}
	// A pull request's own config and ignore file do not apply to it:
	// the base commit's do (run.Base).
	run, err := gitscan.PlanCI(f.scan.dir, f.scan.revRange, gha, s.Getenv)
	if err != nil {
		return err
	}
	defer run.Close()
	pl := run.Plan
	f.scan.base = run.Base
	e, err := f.scan.resolve(s, true)
	if err != nil {
		return err
	}
	changed := run.NoteChanged(f.scan.configPath, f.scan.ignoreFile)
	res := &scanResult{Result: &gitscan.Result{}, summary: "nothing to scan"}
	if !pl.Skip {
		if err := run.CheckShallow(); err != nil {
			return err
		}
		sf := f.scan
		sf.history, sf.revRange, sf.format = true, pl.Range, "text"
		if res, err = collect(ctx, s, &sf, e, nil); err != nil {
			return err
		}
		if err := f.scan.afterScan(ctx, s, e, res); err != nil {
			return err
		}
	}
	c := &report.CI{Findings: res.Findings, What: pl.What, Summary: res.summary, Notes: pl.Notes, Warnings: res.Warnings,
		Changed: changed, Files: report.Options{Version: Version(), Rules: e.cfg.Rules}, FailOnNone: f.failOn == "none"}
	if f.remediate && len(res.Findings) > 0 {
		c.Remediate = func() ([]report.SummaryIncident, error) { return ciRemediate(ctx, s, e, f.noIssue, res.Findings) }
	}
	act := report.ActionsFrom(s.Getenv)
	if gha || sarifSet {
		c.SARIF, c.Files.FingerprintKey = run.Abs(f.sarif), sarifKey(e, nil)
	}
	if gha {
		c.JSON = run.Abs(act.ReportPath(f.report))
		err = c.WriteActions(s.Out, s.Err, act)
	} else {
		if reportSet {
			c.JSON = run.Abs(f.report)
		}
		c.Color = tty.Color(s.Getenv, s.Out)
		err = c.WriteText(s.Out, s.Err)
	}
	if err != nil {
		return err
	}
	return ciOutcome(s, f, res, c.RemediateErr)
}

// ciOutcome maps a CI scan to an exit code by --fail-on.
func ciOutcome(s *IO, f *ciFlags, res *scanResult, remErr error) error {
	if remErr != nil {
		var e *Error
		if errors.As(remErr, &e) {
			return e // a configuration error, with its hint
		}
		return &Error{Code: ExitIncomplete, Err: fmt.Errorf("remediation incomplete: %w", remErr),
			Hint: "fix the cause and run 'leakguard remediate' again (it extends the open incidents)"}
	}
	failOn, _ := scanner.ParseFailOn(f.failOn)
	o := res.Outcome(failOn, f.scan.strict) // a leak comes first
	if len(o.Failing) > 0 {
		return &Error{Code: ExitFindings, Err: errSilent}
	}
	if o.Err != nil {
		return o.Err // --strict: objects missing
	}
	if len(res.Findings) > 0 {
		fmt.Fprintf(s.Err, "leakguard: --fail-on %s: exiting 0 with %s\n", f.failOn, english.Count(len(res.Findings), "finding"))
	}
	return nil
}

// ciRemediate opens the incidents of the findings, as remediate does; it
// returns them for the job summary.
func ciRemediate(ctx context.Context, s *IO, e *env, noIssue bool, fs []scanner.Finding) ([]report.SummaryIncident, error) {
	e.cfg.GitHub.WorkflowAPI(s.Getenv) // GitHub Enterprise Server's
	// The leaked values must never reach the audit issue.
	p, err := newPlaybook(s, e, noIssue, remediate.Secrets(fs)...)
	if err != nil {
		return nil, err
	}
	opened, _, err := p.Open(ctx, fs, false)
	return remediate.Summaries(opened), err
}
