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
	"github.com/leakguard/leakguard/secret"
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

// remediateJSON is remediate -f json: a stable contract.
type remediateJSON struct {
	Incidents   []incidentJSON   `json:"incidents"`
	Skipped     []remediate.Skip `json:"skipped"`
	NotSelected []notSelected    `json:"not_selected"`
}

type notSelected struct {
	RuleID     string `json:"rule_id"`
	File       string `json:"file,omitempty"`
	Line       int    `json:"line,omitempty"`
	Commit     string `json:"commit,omitempty"`
	Confidence string `json:"confidence"`
	Preview    string `json:"preview"`
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
	act, rest := selectFindings(found, e.cfg.Keys, minConf)
	for _, r := range summarizeRest(rest) {
		fmt.Fprintln(s.Err, "leakguard: not acted on: "+r)
	}
	if len(rest) > 0 {
		fmt.Fprintf(s.Err, "leakguard: %s outside the inventory below %s confidence not acted on; include them with --min-confidence medium|low or --include-unmanaged\n", plural(len(rest), "finding"), minConf)
	}
	out := remediateJSON{Incidents: []incidentJSON{}, Skipped: []remediate.Skip{}, NotSelected: []notSelected{}}
	for i := range rest {
		r := &rest[i]
		out.NotSelected = append(out.NotSelected, notSelected{RuleID: r.RuleID, File: r.File, Line: r.StartLine, Commit: r.Commit, Confidence: string(r.Confidence), Preview: r.RedactedLine()})
	}
	if len(act) == 0 {
		fmt.Fprintln(s.Err, "leakguard: nothing to remediate")
		if f.format == "json" {
			return writeJSONOut(s.Out, out)
		}
		return nil
	}
	var leaked []secret.Value
	for _, f := range act {
		if !f.Secret.IsZero() {
			leaked = append(leaked, f.Secret)
		}
	}
	p, err := newPlaybook(s, e, o.noIssue || o.dryRun, leaked...)
	if err != nil {
		return err
	}
	if f.format == "json" {
		p.Out = io.Discard
	}
	if p.Issues != nil && !o.yes && isTerminal(s.Err) && isTerminalReader(s.In) {
		if err := confirmIssues(ctx, s, p, act); err != nil {
			return err
		}
	}
	opened, skips, err := p.Open(ctx, act, o.dryRun)
	if f.format == "json" {
		for _, op := range opened {
			out.Incidents = append(out.Incidents, toIncidentJSON(op.Incident, op.New))
		}
		out.Skipped = append(out.Skipped, skips...)
		if werr := writeJSONOut(s.Out, out); werr != nil {
			return werr
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
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

// confirmIssues says how many issues remediate will open and asks.
func confirmIssues(ctx context.Context, s *IO, p *remediate.Playbook, act []scanner.Finding) error {
	out := p.Out
	p.Out = io.Discard
	dry, _, err := p.Open(ctx, append([]scanner.Finding(nil), act...), true)
	p.Out = out
	if err != nil {
		return err
	}
	n := 0
	for _, o := range dry {
		if o.Incident.Issue == nil {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	if !ask(s, fmt.Sprintf("this will open %s in %s; continue?", plural(n, "GitHub issue"), p.Repo)) {
		return usageErr("pass --no-issue to record the incidents without GitHub, or --yes not to be asked", "cancelled: no issue opened")
	}
	return nil
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

// selectFindings splits findings into those remediate acts on — managed
// keys (by name, known value, or the only managed key of the provider)
// and findings at or above min — and the rest.
func selectFindings(fs []scanner.Finding, keys []rules.Key, min rules.Confidence) (act, rest []scanner.Finding) {
	providers := map[string]int{}
	for _, k := range keys {
		if k.Provider != "" {
			providers[k.Provider]++
		}
	}
	for _, f := range fs {
		if f.KeyName != "" || providers[f.Provider] == 1 || f.Confidence.Rank() >= min.Rank() {
			act = append(act, f)
		} else {
			rest = append(rest, f)
		}
	}
	return act, rest
}

// summarizeRest lists the findings not acted on, one line per rule.
func summarizeRest(rest []scanner.Finding) []string {
	type acc struct {
		n    int
		conf rules.Confidence
		loc  string
	}
	by := map[string]*acc{}
	var order []string
	for i := range rest {
		f := &rest[i]
		a := by[f.RuleID]
		if a == nil {
			a = &acc{conf: f.Confidence, loc: report.Location(f)}
			by[f.RuleID] = a
			order = append(order, f.RuleID)
		}
		a.n++
	}
	var out []string
	for _, r := range order {
		a := by[r]
		line := fmt.Sprintf("%s (%s confidence), %s, e.g. %s", r, a.conf, plural(a.n, "finding"), a.loc)
		out = append(out, line)
	}
	return out
}
