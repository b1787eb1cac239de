package rules

import (
	"reflect"
	"strings"
	"testing"
)

// TestCompileLazyAll: the rules made in one allocation are the rules
// CompileLazy makes one by one, and a bad spec's error names its rule.
func TestCompileLazyAll(t *testing.T) {
	def, err := Defaults()
	if err != nil {
		t.Fatal(err)
	}
	specs := make([]*RuleSpec, len(def.Rules))
	for i := range def.Rules {
		specs[i] = &def.Rules[i]
	}
	all, err := CompileLazyAll(specs)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(specs) {
		t.Fatalf("%d rules from %d specs", len(all), len(specs))
	}
	for i, s := range specs {
		one, err := CompileLazy(*s)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(all[i].RuleSpec, one.RuleSpec) || !reflect.DeepEqual(all[i].LowerKeywords(), one.LowerKeywords()) ||
			(all[i].checksum == nil) != (one.checksum == nil) || (all[i].validate == nil) != (one.validate == nil) {
			t.Fatalf("rule %s differs from CompileLazy's", s.ID)
		}
		if s.Allowlist != nil && all[i].Allowlist == s.Allowlist {
			t.Fatalf("rule %s shares its spec's allowlist", s.ID)
		}
	}
	bad := *specs[0]
	bad.Keywords = []string{"x"}
	if _, err := CompileLazyAll([]*RuleSpec{specs[1], &bad}); err == nil || !strings.HasPrefix(err.Error(), "rule "+bad.ID+": keywords:") {
		t.Errorf("a one-byte keyword: %v; want an error naming rule %s", err, bad.ID)
	}
}
