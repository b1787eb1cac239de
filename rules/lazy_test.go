package rules

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
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
	specs, all := compileAll(t, def)
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

// TestSharedSpecsNotWritten: rules hold their specs by pointer, the
// embedded ones SharedDefaults' own; compiling every rule, its
// anchored form and its allowlist, and checking secrets and paths with
// it, leaves the specs as they were.
func TestSharedSpecsNotWritten(t *testing.T) {
	before, err := json.Marshal(SharedDefaults())
	if err != nil {
		t.Fatal(err)
	}
	specs, all := compileAll(t, SharedDefaults())
	for i, r := range all {
		if r.RuleSpec != specs[i] {
			t.Fatalf("rule %s copied its spec", r.ID)
		}
		r.Regexp()
		r.Anchored()
		r.CheckSecret("AKIAEXAMPLEEXAMPLE00", "key = AKIAEXAMPLEEXAMPLE00", "key = AKIAEXAMPLEEXAMPLE00")
		r.SkipsPath("vendor/x/test_data.json")
	}
	// A spec without a confidence gets the default in a copy.
	bare := RuleSpec{ID: "bare", Regex: "bare_[a-z]{8}", Keywords: []string{"bare_"}}
	r, err := CompileLazyAll([]*RuleSpec{&bare})
	if err != nil {
		t.Fatal(err)
	}
	if bare.Confidence != "" || r[0].Confidence != Medium {
		t.Fatalf("spec confidence %q, rule's %q; want empty and %q", bare.Confidence, r[0].Confidence, Medium)
	}
	// Keywords in upper case are lowered in a copy: the spec keeps its own.
	mixed := RuleSpec{ID: "mixed", Regex: "acme_[a-z]{8}", Keywords: []string{"tok_", "Acme_", "BEE"}}
	r, err = CompileLazyAll([]*RuleSpec{&mixed})
	if err != nil {
		t.Fatal(err)
	}
	if got := r[0].LowerKeywords(); !slices.Equal(got, []string{"tok_", "acme_", "bee"}) || !slices.Equal(mixed.Keywords, []string{"tok_", "Acme_", "BEE"}) {
		t.Fatalf("keywords %q, spec's %q", got, mixed.Keywords)
	}
	after, err := json.Marshal(SharedDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("compiling and running the embedded rules changed their specs")
	}
}

// compileAll is CompileLazyAll of every rule of f, and their specs.
func compileAll(t *testing.T, f *File) ([]*RuleSpec, []*Rule) {
	t.Helper()
	specs := make([]*RuleSpec, len(f.Rules))
	for i := range f.Rules {
		specs[i] = &f.Rules[i]
	}
	all, err := CompileLazyAll(specs)
	if err != nil {
		t.Fatal(err)
	}
	return specs, all
}
