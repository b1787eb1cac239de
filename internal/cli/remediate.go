package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/internal/tty"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/scanner"
)

// remediateOptions are remediate's own flags.
type remediateOptions struct {
	reportPath       string
	dryRun, noIssue  bool
	includeUnmanaged bool
	minConfidence    string
	yes              bool
}

func newRemediateCmd(s *IO) *cobra.Command {
	var f scanFlags
	var o remediateOptions
	c := &cobra.Command{
		Use:   "remediate [PATH...]",
		Short: "Open an incident for each leaked key: flag it for regeneration, print the playbook, open the audit issue",
		Long: `Take findings — a JSON report (--report) or a fresh scan with the scan
flags — tie each to a managed key (by name, by known value, or by provider)
and open or extend an incident per key and value in the ledger: the
playbook is printed (regenerate, rotate, sync, revoke, audit usage), and
an audit issue is opened or updated on GitHub ([github] in leakguard.toml;
never a second one for the same incident).

It acts on managed keys and high-confidence findings; the others are
listed, and --min-confidence medium|low or --include-unmanaged takes them
in. A value whose incident is closed, that was rotated away, or that its
provider rejects (--verify) opens nothing. On a terminal it says how many
issues it will open and asks first (--yes does not ask).

Then: leakguard rotate NAME, leakguard sync, leakguard revoke ID,
leakguard incidents close ID.`,
		RunE: func(c *cobra.Command, args []string) error {
			return runRemediate(c.Context(), s, &f, &o, args)
		},
	}
	f.register(c)
	f.registerVerify(c.Flags())
	fl := c.Flags()
	fl.StringVar(&o.reportPath, "report", "", "read findings from a JSON report (leakguard scan -f json) instead of scanning")
	fl.BoolVar(&o.dryRun, "dry-run", false, "show the incidents and steps without writing the ledger or opening issues")
	fl.BoolVar(&o.noIssue, "no-issue", false, "do not open or update GitHub audit issues")
	fl.BoolVar(&o.includeUnmanaged, "include-unmanaged", false, "act on every finding, whatever its confidence (same as --min-confidence low)")
	// The scan's --min-confidence means here: act on findings outside the
	// inventory from LEVEL up (the scan itself reports every level, so
	// the others can be listed).
	mc := fl.Lookup("min-confidence")
	mc.Usage = "act on findings outside the inventory from `LEVEL` up: high, medium or low (the others are listed)"
	mc.DefValue = "high"
	f.minConfidence = "high"
	fl.BoolVarP(&o.yes, "yes", "y", false, "do not ask before opening issues")
	return c
}

func runRemediate(ctx context.Context, s *IO, f *scanFlags, o *remediateOptions, args []string) error {
	switch f.format {
	case "text", "json":
	default:
		return usageErr("use text or json", "--format: remediate writes text or json, not %q", f.format)
	}
	o.minConfidence, f.minConfidence = f.minConfidence, ""
	minConf, err := remediate.ActLevel(o.minConfidence, o.includeUnmanaged)
	if err != nil {
		return err
	}
	e, err := f.resolve(s, true, args...)
	if err != nil {
		return err
	}
	var found []scanner.Finding
	if o.reportPath != "" {
		if len(args) > 0 || f.staged || f.history || f.prePush {
			return usageErr("pass either --report or what to scan", "--report cannot be combined with a scan")
		}
		if found, err = remediate.ReadReport(o.reportPath); err != nil {
			return err
		}
	} else {
		res, err := collect(ctx, s, f, e, args)
		if err != nil {
			return err
		}
		if err := f.afterScan(ctx, s, e, res); err != nil {
			return err
		}
		found = res.Findings
		fmt.Fprintln(s.Err, "leakguard: "+res.summary)
	}
	run := remediate.NewRun(found, e.cfg.Keys, minConf)
	run.DryRun, run.JSON = o.dryRun, f.format == "json"
	if more, err := run.Start(s.Out, s.Err); !more || err != nil {
		return err
	}
	p, err := newPlaybook(s, e, o.noIssue || o.dryRun, remediate.Secrets(run.Act)...)
	if err != nil {
		return err
	}
	p.Confirm = s.confirmer(o.yes)
	if n, err := run.Open(ctx, p); n == 0 || err != nil {
		return err
	}
	return &Error{Code: ExitFindings, Err: errSilent}
}

// confirmer is a playbook's Confirm: the question asked on the terminal,
// unless yes or no terminal (nil: nothing is asked).
func (s *IO) confirmer(yes bool) func(string) bool {
	if yes || !tty.IsTerminal(s.Err) || !tty.IsTerminal(s.In) {
		return nil
	}
	return func(q string) bool { return ask(s, q) }
}

// ask asks a yes/no question on the terminal; no is the default.
func ask(s *IO, q string) bool {
	fmt.Fprintf(s.Err, "leakguard: %s [y/N] ", q)
	line, _ := bufio.NewReader(s.In).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}
