package gitscan

import (
	"strings"
	"testing"

	"github.com/leakguard/leakguard/archive"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
)

func failOn(t *testing.T, v string) scanner.FailOn {
	t.Helper()
	th, err := scanner.ParseFailOn(v)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// A scan fails on its findings at --fail-on or above and says how many
// it reports below; missing objects make it incomplete only under
// --strict.
func TestOutcomeOfAScan(t *testing.T) {
	fs := []scanner.Finding{{Confidence: rules.Low}, {Confidence: rules.Medium}, {Confidence: rules.Low}}
	r := &Result{Findings: fs, Warnings: []string{"w"}}
	o := r.Outcome(failOn(t, "medium"), false)
	if len(o.Failing) != 1 || o.Failing[0].Confidence != rules.Medium || o.Block || o.Passed || o.Err != nil ||
		o.Below != "2 findings below --fail-on medium: reported, not failing" {
		t.Fatalf("%+v", o)
	}
	if o := r.Outcome(failOn(t, "none"), false); len(o.Failing) != 0 || o.Below != "3 findings below --fail-on none: reported, not failing" {
		t.Fatalf("none: %+v", o)
	}
	if o := r.Outcome(failOn(t, "low"), false); len(o.Failing) != 3 || o.Below != "" {
		t.Fatalf("low: %+v", o)
	}

	missing := &Result{Stats: Stats{Missing: 2}}
	if o := missing.Outcome(failOn(t, "medium"), false); o.Err != nil || o.Passed {
		t.Fatalf("missing objects without --strict: %+v", o)
	}
	o = missing.Outcome(failOn(t, "medium"), true)
	if o.Err == nil || o.Err.Error() != "scan incomplete: 2 objects missing" || hint.IsUsage(o.Err) ||
		hint.Of(o.Err) != "fetch the missing objects (git fetch --unshallow, or a full clone) or drop --strict" {
		t.Fatalf("missing objects under --strict: %v (%q)", o.Err, hint.Of(o.Err))
	}
	// Findings are the verdict: the scan fails on them, not as incomplete.
	missing.Findings = fs
	if o := missing.Outcome(failOn(t, "medium"), true); o.Err != nil || len(o.Failing) != 1 {
		t.Fatalf("findings and missing objects: %+v", o)
	}
	// Findings below --fail-on fail nothing: the scan is still incomplete.
	missing.Findings = fs[:1]
	if o := missing.Outcome(failOn(t, "medium"), true); o.Err == nil || len(o.Failing) != 0 {
		t.Fatalf("a finding below --fail-on passed an incomplete --strict scan: %+v", o)
	}
}

// A hook blocks on failing findings, passes quietly, and fails closed on
// what it could not read: files over the limits (each named, even beside
// findings) and missing objects, without --strict.
func TestOutcomeOfAHook(t *testing.T) {
	if o := (&Result{Hook: true}).Outcome(failOn(t, "medium"), false); !o.Passed || o.Block || o.Err != nil {
		t.Fatalf("clean hook: %+v", o)
	}
	if o := (&Result{Hook: true, Warnings: []string{"w"}}).Outcome(failOn(t, "medium"), false); o.Passed {
		t.Fatalf("a hook with warnings passed quietly: %+v", o)
	}
	low := []scanner.Finding{{Confidence: rules.Low}}
	if o := (&Result{Hook: true, Findings: low}).Outcome(failOn(t, "medium"), false); o.Block || o.Passed || o.Below == "" {
		t.Fatalf("a hook with a low finding: %+v", o)
	}
	if o := (&Result{Hook: true, Findings: low}).Outcome(failOn(t, "low"), false); !o.Block || len(o.Failing) != 1 {
		t.Fatalf("a hook with a failing finding: %+v", o)
	}

	big := []archive.Skip{{Path: "big.bin", Reason: "over --max-size"}, {Path: "x\x1b.zip", Reason: "archive limit"}}
	o := (&Result{Hook: true, Stats: Stats{Unscanned: big}}).Outcome(failOn(t, "medium"), false)
	if strings.Join(o.Unscanned, "\n") != "not scanned: big.bin: over --max-size\nnot scanned: \"x\\x1b.zip\": archive limit" || o.Passed {
		t.Fatalf("unscanned words: %q", o.Unscanned)
	}
	if o.Err == nil || o.Err.Error() != "2 files not scanned: this hook does not pass what it cannot read" || !strings.HasPrefix(hint.Of(o.Err), "scan them with a larger limit") {
		t.Fatalf("unscanned: %v", o.Err)
	}
	if o := (&Result{Hook: true, Stats: Stats{Unscanned: big}, Findings: low}).Outcome(failOn(t, "low"), false); o.Err != nil || len(o.Unscanned) != 2 || !o.Block {
		t.Fatalf("unscanned beside findings: %+v", o)
	}
	// Beside findings below --fail-on, nothing blocks: the files it could
	// not read still fail the hook.
	if o := (&Result{Hook: true, Stats: Stats{Unscanned: big}, Findings: low}).Outcome(failOn(t, "medium"), false); o.Err == nil || o.Block {
		t.Fatalf("a hook passed unread files beside a finding below --fail-on: %+v", o)
	}
	if o := (&Result{Hook: true, Stats: Stats{Missing: 1}, Findings: low}).Outcome(failOn(t, "medium"), false); o.Err == nil {
		t.Fatalf("a hook passed a missing object beside a finding below --fail-on: %+v", o)
	}
	// A scan that is not a hook's warns about such files instead (word).
	if o := (&Result{Stats: Stats{Unscanned: big}}).Outcome(failOn(t, "medium"), false); o.Err != nil || len(o.Unscanned) != 0 {
		t.Fatalf("unscanned outside a hook: %+v", o)
	}

	o = (&Result{Hook: true, Stats: Stats{Missing: 1}}).Outcome(failOn(t, "medium"), false)
	if o.Err == nil || o.Err.Error() != "scan incomplete: 1 object missing" || hint.Of(o.Err) != "fetch the missing objects (git fetch), or check the repository with 'git fsck'" {
		t.Fatalf("a hook with a missing object: %v (%q)", o.Err, hint.Of(o.Err))
	}
}

// What a scan says around its verdict: warnings, notes and the summary
// before (a hook that passed only with -v); after, the files a hook did
// not read on the writer that is always shown, then the count below
// --fail-on unless the scan is incomplete.
func TestOutcomeWords(t *testing.T) {
	head := func(o Outcome, verbose bool) string {
		var w strings.Builder
		o.WriteHead(&w, "3 findings in 2 files", verbose)
		return w.String()
	}
	tail := func(o Outcome) (string, string) {
		var w, always strings.Builder
		o.WriteTail(&w, &always)
		return w.String(), always.String()
	}
	r := &Result{Findings: []scanner.Finding{{Confidence: rules.Low}}, Warnings: []string{"not scanned: a: denied"}, Notes: []string{"x.zip: malformed"}}
	o := r.Outcome(failOn(t, "medium"), false)
	if got, want := head(o, false), "leakguard: warning: not scanned: a: denied\nleakguard: notice: x.zip: malformed\nleakguard: 3 findings in 2 files\n"; got != want {
		t.Fatalf("head:\n%s\nwant:\n%s", got, want)
	}
	if w, always := tail(o); w != "leakguard: 1 finding below --fail-on medium: reported, not failing\n" || always != "" {
		t.Fatalf("tail: %q %q", w, always)
	}
	passed := (&Result{Hook: true}).Outcome(failOn(t, "medium"), false)
	if head(passed, false) != "" || head(passed, true) != "leakguard: 3 findings in 2 files\n" {
		t.Fatalf("a hook that passed: %q, verbose %q", head(passed, false), head(passed, true))
	}
	big := (&Result{Hook: true, Stats: Stats{Unscanned: []archive.Skip{{Path: "big.bin", Reason: "over --max-size"}}}}).Outcome(failOn(t, "medium"), false)
	if w, always := tail(big); w != "" || always != "leakguard: not scanned: big.bin: over --max-size\n" {
		t.Fatalf("unscanned tail: %q %q", w, always)
	}
	// Incomplete: no count below --fail-on (the error says what matters).
	o.Err = big.Err
	if w, _ := tail(o); w != "" {
		t.Fatalf("incomplete tail: %q", w)
	}
}
