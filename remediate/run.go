package remediate

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/scanner/report"
)

// ActLevel is the confidence from which a remediate run acts on findings
// outside the inventory: level (high, medium or low), or low with all.
func ActLevel(level string, all bool) (rules.Confidence, error) {
	c := rules.Confidence(level)
	if all {
		c = rules.Low
	}
	if c.Rank() == 0 {
		return "", hint.Usagef("use high, medium or low", "--min-confidence: unknown level %q", level)
	}
	return c, nil
}

// ReadReport reads the findings of the JSON report at path (leakguard
// scan -f json): what remediate --report acts on.
func ReadReport(path string) ([]scanner.Finding, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, hint.Usagef("write one with: leakguard scan -f json -o FILE", "--report: %v", err)
	}
	defer fh.Close()
	found, err := report.ReadJSON(fh)
	if err != nil {
		return nil, hint.Usagef("pass a JSON report written by leakguard scan -f json", "--report %s: %v", path, err)
	}
	return found, nil
}

// Run is one remediate run: the findings it acts on and the rest (see
// [Select]), how it reports.
type Run struct {
	Act, Rest []scanner.Finding
	// Min is the confidence it acts from, outside the inventory.
	Min rules.Confidence
	// DryRun writes no ledger and opens no issue; JSON reports the run
	// as an [OpenReport] instead of the playbook's text.
	DryRun, JSON bool
}

// NewRun selects what a run at min acts on among found (see [Select]).
func NewRun(found []scanner.Finding, keys []rules.Key, min rules.Confidence) *Run {
	act, rest := Select(found, keys, min)
	return &Run{Act: act, Rest: rest, Min: min}
}

// Start tells log what the run does not act on, one line per rule and
// how to include them. With nothing to act on it says so (and writes the
// JSON report to out) and returns false.
func (r *Run) Start(out, log io.Writer) (bool, error) {
	for _, s := range SummarizeRest(r.Rest) {
		fmt.Fprintln(log, "leakguard: not acted on: "+s)
	}
	if len(r.Rest) > 0 {
		fmt.Fprintf(log, "leakguard: %s outside the inventory below %s confidence not acted on; include them with --min-confidence medium|low or --include-unmanaged\n",
			english.Count(len(r.Rest), "finding"), r.Min)
	}
	if len(r.Act) > 0 {
		return true, nil
	}
	fmt.Fprintln(log, "leakguard: nothing to remediate")
	if r.JSON {
		return false, writeJSON(out, NewOpenReport(r.Rest))
	}
	return false, nil
}

// Open opens or extends the incidents of what the run acts on through p
// (see [Playbook.Open]): when p.Confirm is set and audit issues would be
// opened, it asks first. The JSON report goes to p.Out; on p.Err, what
// was dealt with already and what comes next. It returns how many
// incidents the findings are in.
func (r *Run) Open(ctx context.Context, p *Playbook) (int, error) {
	out := p.Out
	if r.JSON {
		p.Out = io.Discard
		defer func() { p.Out = out }()
	}
	if p.Issues != nil && p.Confirm != nil {
		n, err := p.IssuesToOpen(ctx, r.Act)
		if err != nil {
			return 0, err
		}
		if n > 0 && !p.Confirm(fmt.Sprintf("this will open %s in %s; continue?", english.Count(n, "GitHub issue"), p.Repo)) {
			return 0, hint.Usagef("pass --no-issue to record the incidents without GitHub, or --yes not to be asked", "cancelled: no issue opened")
		}
	}
	opened, skips, err := p.Open(ctx, r.Act, r.DryRun)
	if r.JSON {
		rep := NewOpenReport(r.Rest)
		rep.Add(opened, skips)
		if werr := writeJSON(out, rep); werr != nil {
			return 0, werr
		}
	}
	if err != nil {
		return 0, hint.Wrap(err, "the incidents are recorded; fix the cause and run leakguard remediate again: it finds the issue again instead of opening a second one (--no-issue records without GitHub)")
	}
	if len(skips) > 0 {
		p.notef("%s already dealt with (closed, rotated or revoked): nothing to do", english.Count(len(skips), "value"))
	}
	if len(opened) > 0 {
		p.notef("%s; next: regenerate each key, then leakguard rotate NAME", english.Count(len(opened), "incident"))
	}
	return len(opened), nil
}
