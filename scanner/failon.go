package scanner

import (
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/rules"
)

// FailOn is which findings fail a scan (--fail-on): those at a confidence
// or above, none, or (the zero value, a command without the flag) every
// finding. Lower findings are reported, not failing.
type FailOn struct {
	name string           // as given; "" for every finding
	min  rules.Confidence // "" with a name: none fails
}

// ParseFailOn parses --fail-on: none, low, medium or high; any is low,
// as ci spells it. Anything else is a usage error.
func ParseFailOn(v string) (FailOn, error) {
	switch v {
	case "none":
		return FailOn{name: v}, nil
	case "any":
		return FailOn{name: v, min: rules.Low}, nil
	}
	c, err := rules.ParseConfidence(v)
	if err != nil {
		return FailOn{}, hint.Usagef("use none, low, medium or high", "--fail-on: %v", err)
	}
	return FailOn{name: v, min: c}, nil
}

// Min is the least confidence that fails, or "" when none does (or, for
// the zero FailOn, when every finding does).
func (t FailOn) Min() rules.Confidence { return t.min }

// String is the value as given ("" for the zero FailOn).
func (t FailOn) String() string { return t.name }

// Failing returns the findings of fs that fail the scan.
func (t FailOn) Failing(fs []Finding) []Finding {
	if t.name == "" {
		return fs
	}
	var out []Finding
	for _, f := range fs {
		if t.min != "" && f.Confidence.AtLeast(t.min) {
			out = append(out, f)
		}
	}
	return out
}
