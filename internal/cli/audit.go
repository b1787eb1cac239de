package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/audit"
	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/tty"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/scanner"
)

// auditOptions are the audit command's flags and dependencies.
type auditOptions struct {
	scan      scanFlags // -C, -c, -o, --max-size, --ignore-file
	format    string
	openIssue bool
	now       func() time.Time
}

func newAuditCmd(s *IO) *cobra.Command {
	o := &auditOptions{now: time.Now}
	c := &cobra.Command{
		Use:   "audit",
		Short: "Audit the repository: exposures across history, refs and work tree; hygiene checks",
		Long: `Audit the repository on demand: scan every ref's history, the commit
messages and the working tree (tracked files, and untracked ones that are
not ignored), and group the findings of each secret into one exposure:
when and by whom it was introduced, every place it was seen, whether HEAD
or another ref still holds it, when it was removed, and the managed key it
is. Live exposures come first.

Hygiene checks, each with a fix: secret-bearing files tracked, .gitignore
coverage, hooks, key rotation against [policy] rotate_after (default 90d),
one value used in several environments, local secret files readable by
others, workflows that grant write-all or print secrets, open incidents.

Formats: text (default), json, markdown, html (one self-contained file
with a timeline; write it with -o). Secrets are always redacted.
--open-issue opens or updates the day's audit issue on GitHub ([github]
repo, or $GITHUB_REPOSITORY) with the Markdown report.

Exit status: 1 when there are exposures or failed checks, else 0.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runAudit(c.Context(), s, o)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&o.scan.dir, "chdir", "C", "", "audit the repository in `DIR`")
	fl.StringVarP(&o.scan.configPath, "config", "c", "", "config `FILE` (default: $LEAKGUARD_CONFIG, then leakguard.toml)")
	fl.StringVarP(&o.format, "format", "f", "text", "report format: text, json, markdown or html")
	fl.StringVarP(&o.scan.output, "output", "o", "", "write the report to `FILE` instead of stdout")
	fl.StringVar(&o.scan.maxSize, "max-size", "", "skip files larger than `SIZE` (default 10MiB)")
	fl.StringVar(&o.scan.ignoreFile, "ignore-file", "", "content-fingerprint ignore `FILE` (default: .leakguardignore at the repository root)")
	o.scan.allRefs = true
	fl.BoolVar(&o.scan.noCache, "no-cache", false, "read every blob again, neither using nor updating the history cache")
	fl.BoolVar(&o.scan.allRefs, "all-refs", true, "read every ref, pull requests included (--all-refs=false: HEAD, branches, tags, remote-tracking refs, notes and the stash)")
	fl.BoolVar(&o.openIssue, "open-issue", false, "open or update today's audit issue on GitHub with the Markdown report")
	o.scan.registerVerify(fl)
	return c
}

func runAudit(ctx context.Context, s *IO, o *auditOptions) error {
	if err := audit.CheckFormat(o.format); err != nil {
		return err
	}
	if o.openIssue {
		// Refused before the scan, not after it.
		if _, err := s.httpClient(); err != nil {
			return err
		}
	}
	e, err := o.scan.resolve(s, true)
	if err != nil {
		return err
	}
	start := time.Now()
	ro := audit.RunOptions{
		Git:     gitscan.Options{Detector: newDetector(e.cfg, e.ignore), MaxSize: e.maxSize, Backend: s.Getenv("LEAKGUARD_GIT_BACKEND")},
		History: gitscan.HistoryOptions{AllRefs: o.scan.allRefs},
		Sources: audit.Sources{Config: e.cfg, StateDir: stateDir(s.Getenv, e.cfg), Getenv: s.Getenv},
		Now:     o.now, Version: Version(), Log: s.Err, Progress: tty.IsTerminal(s.Err),
		// --verify and the exposures remediation retired, on every finding.
		Annotate: func(all []scanner.Finding) error {
			return o.scan.afterScan(ctx, s, e, &scanResult{Result: &gitscan.Result{Findings: all}})
		},
	}
	if !o.scan.noCache {
		ro.Cache = func() *gitscan.Cache { return historyCache(s, e, false) }
	}
	res, err := audit.Run(ctx, e.base, ro)
	if err != nil {
		return err
	}
	out := o.scan.under(e, o.scan.output)
	ao := audit.Options{Format: o.format, Color: o.format == "text" && out == "" && tty.Color(s.Getenv, s.Out)}
	if err := audit.WriteOut(s.Out, out, res.Report, ao); err != nil {
		return err
	}
	if out != "" {
		fmt.Fprintf(s.Err, "leakguard: wrote %s\n", out)
	}
	res.WriteStatus(s.Err, time.Since(start))
	rep := res.Report
	if o.openIssue {
		if err := openAuditIssue(ctx, s, e.cfg, rep, res.Findings); err != nil {
			return err
		}
	}
	if rep.Failed() {
		return &Error{Code: ExitFindings, Err: errSilent}
	}
	return nil
}

// openAuditIssue opens or updates the day's audit issue. The marker makes
// a re-run on the same day update the issue instead of opening another.
func openAuditIssue(ctx context.Context, s *IO, cfg *config.Config, rep *audit.Report, found []scanner.Finding) error {
	gh := cfg.GitHub.WithEnv(s.Getenv)
	if gh.Repo == "" {
		return usageErr("set repo = \"owner/name\" in the [github] table, or $GITHUB_REPOSITORY", "--open-issue: no GitHub repository configured")
	}
	hc, err := s.httpClient()
	if err != nil {
		return err
	}
	tr, err := newTracker(gh, s.Getenv, hc)
	if err != nil {
		return &Error{Code: ExitUsage, Err: fmt.Errorf("audit issue: %w", err), Hint: "export the token named by [github] token_env"}
	}
	tr.Forbid(remediate.Secrets(found)...)
	if err := audit.OpenIssue(ctx, s.Err, tr, rep, gh.Labels); err != nil {
		return &Error{Code: ExitIncomplete, Err: err}
	}
	return nil
}

// doctorOptions are the doctor command's flags.
type doctorOptions struct {
	site   scanFlags // -C, -c
	online bool
	format string
}

func newDoctorCmd(s *IO) *cobra.Command {
	o := &doctorOptions{}
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check leakguard's setup: config, key sources, targets, hooks, .gitignore, state",
		Long: `Check leakguard's setup and print a checklist with a fix for each problem:
the config is valid; each managed key's source exists and holds a value
whose fingerprint is in the inventory; each target's token variable is
set (the target is contacted only with --online, which verifies that it
holds the current value); the hooks are installed; .gitignore covers
secret-bearing files; the state directory is private.

Exit status: 1 when a check fails, else 0.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDoctor(c.Context(), s, o)
		},
	}
	fl := c.Flags()
	o.site.registerSite(fl, "config `FILE` (default: $LEAKGUARD_CONFIG, then leakguard.toml)")
	fl.BoolVar(&o.online, "online", false, "contact each target and verify it holds each key's current value")
	fl.StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	return c
}

func runDoctor(ctx context.Context, s *IO, o *doctorOptions) error {
	if o.format != "text" && o.format != "json" {
		return usageErr("use text or json", "--format: unknown format %q", o.format)
	}
	in, err := audit.LoadDoctor(o.site.dir, o.site.configPath, s.Getenv)
	if err != nil {
		return err
	}
	in.Online = o.online
	if o.online && in.Config != nil {
		hc, err := s.httpClient()
		if err != nil {
			return err
		}
		in.Verify = remediate.VerifyAt(targetsOf(in.Config, in.Root, s.Getenv, hc))
	}
	checks := audit.Doctor(ctx, in)
	if err := ctx.Err(); err != nil {
		return err
	}
	failed, err := audit.WriteDoctor(s.Out, s.Err, checks, o.format == "json", tty.Color(s.Getenv, s.Out))
	if err != nil {
		return err
	}
	if failed > 0 {
		return &Error{Code: ExitFindings, Err: errSilent}
	}
	return nil
}
