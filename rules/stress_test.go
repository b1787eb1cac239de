package rules

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// TestExamplesStress expands every rule's examples many times with fresh
// random bodies and reports, per rule, why a true positive was missed (a
// real key of that format would be missed as often). It runs only with
// LEAKGUARD_STRESS_ROUNDS=N; CI runs the seeded examples instead.
func TestExamplesStress(t *testing.T) {
	rounds, _ := strconv.Atoi(os.Getenv("LEAKGUARD_STRESS_ROUNDS"))
	if rounds == 0 {
		t.Skip("set LEAKGUARD_STRESS_ROUNDS to run")
	}
	SeedExamples(uint64(rounds) * 7919)
	f, _ := Defaults()
	rs, _ := CompileAll(f.Rules)
	for _, r := range rs {
		if r.Detector != "" {
			continue // a Go matcher, stressed by the scanner's tests
		}
		reasons := map[string]int{}
		for i := 0; i < rounds; i++ {
			for _, tp := range r.TP {
				s, _ := Expand(tp)
				if !ruleFinds(r, s) {
					reasons[why(r, s)]++
				}
			}
			for _, fp := range r.FP {
				s, _ := Expand(fp)
				if ruleFinds(r, s) {
					reasons["fp found: "+fp]++
				}
			}
		}
		if len(reasons) > 0 {
			t.Errorf("%s (entropy %.2f, validate %q): %v", r.ID, r.Entropy, r.Validate, reasons)
		}
	}
}

// why says which filter dropped an expanded true positive.
func why(r *Rule, s string) string {
	ms := r.Regexp().FindAllStringSubmatchIndex(s, -1)
	if len(ms) == 0 {
		return "no regex match"
	}
	m := ms[0]
	sec := s[m[0]:m[1]]
	if r.SecretGroup > 0 && m[2*r.SecretGroup] >= 0 {
		sec = s[m[2*r.SecretGroup]:m[2*r.SecretGroup+1]]
	}
	switch {
	case r.Entropy > 0 && ShannonEntropy(sec) < r.Entropy:
		return fmt.Sprintf("entropy<%.1f", r.Entropy)
	case r.validate != nil && !r.validate(sec):
		if IsPlaceholder(sec) {
			return "placeholder"
		}
		return "validate"
	case !r.ChecksumOK(sec):
		return "checksum"
	}
	return "allowlist/other"
}
