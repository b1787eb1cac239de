package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/scanner/report"
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
	minConf := rules.Confidence(o.minConfidence)
	if o.includeUnmanaged {
		minConf = rules.Low
	}
	if minConf.Rank() == 0 {
		return usageErr("use high, medium or low", "--min-confidence: unknown level %q", o.minConfidence)
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
		fh, err := os.Open(o.reportPath)
		if err != nil {
			return usageErr("write one with: leakguard scan -f json -o FILE", "--report: %v", err)
		}
		found, err = report.ReadJSON(fh)
		fh.Close()
		if err != nil {
			return usageErr("pass a JSON report written by leakguard scan -f json", "--report %s: %v", o.reportPath, err)
		}
	} else {
		res, err := collect(ctx, s, f, e, args)
		if err != nil {
			return err
		}
		if err := f.afterScan(ctx, s, e, res); err != nil {
			return err
		}
		found = res.found
		fmt.Fprintln(s.Err, "leakguard: "+res.summary)
	}
	act, rest := remediate.Select(found, e.cfg.Keys, minConf)
	for _, r := range remediate.SummarizeRest(rest) {
		fmt.Fprintln(s.Err, "leakguard: not acted on: "+r)
	}
	if len(rest) > 0 {
		fmt.Fprintf(s.Err, "leakguard: %s outside the inventory below %s confidence not acted on; include them with --min-confidence medium|low or --include-unmanaged\n", plural(len(rest), "finding"), minConf)
	}
	out := remediate.NewOpenReport(rest)
	if len(act) == 0 {
		fmt.Fprintln(s.Err, "leakguard: nothing to remediate")
		if f.format == "json" {
			return writeJSONOut(s.Out, out)
		}
		return nil
	}
	p, err := newPlaybook(s, e, o.noIssue || o.dryRun, remediate.Secrets(act)...)
	if err != nil {
		return err
	}
	if f.format == "json" {
		p.Out = io.Discard
	}
	if p.Issues != nil && !o.yes && isTerminal(s.Err) && isTerminalReader(s.In) {
		n, err := p.IssuesToOpen(ctx, act)
		if err != nil {
			return err
		}
		if n > 0 && !ask(s, fmt.Sprintf("this will open %s in %s; continue?", plural(n, "GitHub issue"), p.Repo)) {
			return usageErr("pass --no-issue to record the incidents without GitHub, or --yes not to be asked", "cancelled: no issue opened")
		}
	}
	opened, skips, err := p.Open(ctx, act, o.dryRun)
	if f.format == "json" {
		out.Add(opened, skips)
		if werr := writeJSONOut(s.Out, out); werr != nil {
			return werr
		}
	}
	if err != nil {
		return &Error{Code: ExitIncomplete, Err: err, Hint: "the incidents are recorded; fix the cause and run leakguard remediate again: it finds the issue again instead of opening a second one (--no-issue records without GitHub)"}
	}
	if len(skips) > 0 {
		fmt.Fprintf(s.Err, "leakguard: %s already dealt with (closed, rotated or revoked): nothing to do\n", plural(len(skips), "value"))
	}
	if len(opened) == 0 {
		return nil
	}
	fmt.Fprintf(s.Err, "leakguard: %s; next: regenerate each key, then leakguard rotate NAME\n", plural(len(opened), "incident"))
	return &Error{Code: ExitFindings, Err: errSilent}
}

// ask asks a yes/no question on the terminal; no is the default.
func ask(s *IO, q string) bool {
	fmt.Fprintf(s.Err, "leakguard: %s [y/N] ", q)
	line, _ := bufio.NewReader(s.In).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}

// isTerminalReader reports whether r is a terminal.
func isTerminalReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func writeJSONOut(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
