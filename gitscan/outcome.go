package gitscan

import (
	"fmt"
	"io"

	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/scanner/report"
)

// # What a scan's result means
//
// A scan fails on its failing findings (--fail-on), and a hook's scan
// fails closed: on files it did not read and on objects it could not
// read. [Result.Outcome] decides, once for every command that ends with
// a scan's verdict, and writes what it says on the writers the command
// layer gives; the command layer picks the exit code.

// Outcome is what a scan's result means (see [Result.Outcome]).
type Outcome struct {
	// Failing are the findings that fail the scan; the others are
	// reported, not failing.
	Failing []scanner.Finding
	// Block is a hook's scan with failing findings: the commit or push
	// is blocked, and the user is told what to do.
	Block bool
	// Passed is a hook's scan that found nothing and read everything: it
	// prints no summary unless asked.
	Passed bool
	// Unscanned are the files a hook did not read, worded ("not scanned:
	// PATH: REASON"): the hook fails on them, so they are said even when
	// nothing else is.
	Unscanned []string
	// Err is an incomplete scan that found nothing at --fail-on or above
	// (findings below it do not pass it): files a hook did not read, or
	// objects missing under strict. It carries a hint; nil otherwise.
	Err error
	// Below says how many findings are reported but below --fail-on, or
	// "" when none are.
	Below string
	// Warnings and Notes are the result's (see collect_words.go).
	Warnings, Notes []string
}

// Outcome decides what r means: which of its findings fail it (failOn),
// and whether it is incomplete. strict (--strict) makes missing objects
// an incomplete scan; a hook's scan is always strict.
func (r *Result) Outcome(failOn scanner.FailOn, strict bool) Outcome {
	o := Outcome{Failing: failOn.Failing(r.Findings), Warnings: r.Warnings, Notes: r.Notes}
	if r.Hook {
		o.Block = len(o.Failing) > 0
		o.Passed = len(r.Findings) == 0 && len(r.Warnings) == 0 && len(r.Unscanned) == 0
		for _, u := range r.Unscanned {
			o.Unscanned = append(o.Unscanned, fmt.Sprintf("not scanned: %s: %s", report.Printable(u.Path), u.Reason))
		}
	}
	switch {
	case len(o.Failing) > 0: // a leak comes first
	case len(o.Unscanned) > 0:
		o.Err = hint.Errorf("scan them with a larger limit (--max-size 50MiB, or [scan] max_size in leakguard.toml), or exclude their paths ([allowlist] paths in leakguard.toml)",
			"%s not scanned: this hook does not pass what it cannot read", english.Count(len(o.Unscanned), "file"))
	case r.Missing > 0 && (strict || r.Hook):
		h := "fetch the missing objects (git fetch --unshallow, or a full clone) or drop --strict"
		if r.Hook {
			h = "fetch the missing objects (git fetch), or check the repository with 'git fsck'"
		}
		o.Err = hint.Errorf(h, "scan incomplete: %s missing", english.Count(r.Missing, "object"))
	}
	if below := len(r.Findings) - len(o.Failing); below > 0 {
		o.Below = fmt.Sprintf("%s below --fail-on %s: reported, not failing", english.Count(below, "finding"), failOn)
	}
	return o
}

// WriteHead writes what a scan says before its verdict: its warnings and
// notes, then summary (a hook's scan that passed: only when verbose).
func (o Outcome) WriteHead(w io.Writer, summary string, verbose bool) {
	for _, m := range o.Warnings {
		fmt.Fprintf(w, "leakguard: warning: %s\n", m)
	}
	for _, m := range o.Notes {
		fmt.Fprintf(w, "leakguard: notice: %s\n", m)
	}
	if !o.Passed || verbose {
		fmt.Fprintf(w, "leakguard: %s\n", summary)
	}
}

// WriteTail writes what a scan says after its verdict: the files a hook
// did not read on always (the hook fails on them), then, unless the scan
// is incomplete, how many findings are below --fail-on on w.
func (o Outcome) WriteTail(w, always io.Writer) {
	for _, u := range o.Unscanned {
		fmt.Fprintf(always, "leakguard: %s\n", u)
	}
	if o.Err == nil && o.Below != "" {
		fmt.Fprintf(w, "leakguard: %s\n", o.Below)
	}
}
