package scanner

import (
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/rules"
)

func TestFailOn(t *testing.T) {
	fs := []Finding{{RuleID: "l", Confidence: rules.Low}, {RuleID: "m", Confidence: rules.Medium}, {RuleID: "h", Confidence: rules.High}}
	ids := func(fs []Finding) string {
		s := ""
		for _, f := range fs {
			s += f.RuleID
		}
		return s
	}
	for _, c := range []struct{ flag, min, failing string }{
		{"none", "", ""},
		{"any", "low", "lmh"},
		{"low", "low", "lmh"},
		{"medium", "medium", "mh"},
		{"HIGH", "high", "h"},
	} {
		th, err := ParseFailOn(c.flag)
		if err != nil {
			t.Fatalf("%q: %v", c.flag, err)
		}
		if got := ids(th.Failing(fs)); got != c.failing || string(th.Min()) != c.min || th.String() != c.flag {
			t.Errorf("%q: failing %q min %q name %q, want %q %q", c.flag, got, th.Min(), th, c.failing, c.min)
		}
	}
	if got := ids(FailOn{}.Failing(fs)); got != "lmh" {
		t.Errorf("the zero FailOn fails %q, want every finding", got)
	}
	if _, err := ParseFailOn(""); !hint.IsUsage(err) {
		t.Errorf("an empty --fail-on: %v", err)
	}
	_, err := ParseFailOn("severe")
	if !hint.IsUsage(err) || err.Error() != `--fail-on: "severe" is not low, medium or high` || hint.Of(err) != "use none, low, medium or high" {
		t.Fatalf("severe: %v (%q)", err, hint.Of(err))
	}
}

// countAtLeast counts the findings at min confidence or above.
func countAtLeast(fs []Finding, min rules.Confidence) int {
	n := 0
	for i := range fs {
		if fs[i].Confidence.AtLeast(min) {
			n++
		}
	}
	return n
}
