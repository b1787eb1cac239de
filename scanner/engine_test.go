package scanner

import (
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
)

// testDetector builds a detector from the embedded defaults plus keys.
func testDetector(t testing.TB, keys ...rules.Key) *Detector {
	t.Helper()
	def, err := rules.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rules.CompileAll(def.Rules)
	if err != nil {
		t.Fatal(err)
	}
	if err := def.Allowlist.Compiled(); err != nil {
		t.Fatal(err)
	}
	return NewDetector(Options{Rules: rs, Allowlist: def.Allowlist, Keys: append(def.Keys, keys...), DecodeDepth: 2})
}

func expand(t testing.TB, tmpl string) string {
	t.Helper()
	s, err := rules.Expand(tmpl)
	if err != nil {
		t.Fatalf("expand %q: %v", tmpl, err)
	}
	return s
}

// TestEngineRuleExamples runs every rule's examples through the whole
// engine (keyword prefilter, windows, merging, filters): each true
// positive is reported, by that rule or a more specific one, and no false
// positive is reported by the rule.
func TestEngineRuleExamples(t *testing.T) {
	d := testDetector(t)
	def, _ := rules.Defaults()
	for _, r := range def.Rules {
		path := "example.txt"
		if r.ExamplePath != "" {
			path = r.ExamplePath
		}
		t.Run(r.ID, func(t *testing.T) {
			reseed(r.ID)
			for _, tp := range r.TP {
				s := expand(t, tp)
				fs := d.Detect(Fragment{Path: path, Content: []byte(s)})
				if len(fs) == 0 {
					t.Errorf("tp %q (%q): no finding", tp, s)
					continue
				}
				// Reported by this rule, or claimed by another specific
				// (non-generic) rule for the same secret.
				own := false
				for _, f := range fs {
					own = own || f.RuleID == r.ID || (f.Provider != "generic" && f.RuleID != "managed-key" && f.RuleID != "known-value")
				}
				if r.Provider != "generic" && !own {
					t.Errorf("tp %q: not reported by %s but by %s", tp, r.ID, fs[0].RuleID)
				}
				for _, f := range fs {
					if !strings.Contains(s, f.Secret.Reveal()) && len(f.Decoded) == 0 {
						t.Errorf("tp %q: secret not in the text", tp)
					}
				}
			}
			for _, fp := range r.FP {
				s := expand(t, fp)
				for _, f := range d.Detect(Fragment{Path: path, Content: []byte(s)}) {
					if f.RuleID == r.ID {
						t.Errorf("fp %q (%q): reported by its own rule", fp, s)
					}
				}
			}
		})
	}
}

// TestRuleAllowlistPaths: a rule's own allowlist paths exclude files from
// that rule only.
func TestRuleAllowlistPaths(t *testing.T) {
	r, err := rules.Compile(rules.RuleSpec{
		ID: "acme", Regex: `ACME-([a-z0-9]{20})`, SecretGroup: 1, Keywords: []string{"acme-"},
		Allowlist: &rules.Allowlist{Paths: []string{`(^|/)fixtures/`}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := NewDetector(Options{Rules: []*rules.Rule{r}})
	text := []byte("x = ACME-" + rules.RandString(20, "alnumlower"))
	if fs := d.Detect(Fragment{Path: "src/a.txt", Content: text}); len(fs) != 1 {
		t.Fatalf("want a finding outside fixtures/, got %d", len(fs))
	}
	if fs := d.Detect(Fragment{Path: "test/fixtures/a.txt", Content: text}); len(fs) != 0 {
		t.Fatalf("rule allowlist path ignored: %d findings", len(fs))
	}
}

// TestAnchoredRuleQuotedToEnd: a keyword-anchored user rule whose regex
// ends inside \Q runs (its anchored form used to be nil: a panic).
func TestAnchoredRuleQuotedToEnd(t *testing.T) {
	r, err := rules.Compile(rules.RuleSpec{
		ID: "quoted", Regex: `qkey\s*=\s*([a-z]{16})\Q;;`, SecretGroup: 1, Keywords: []string{"qkey"}, KeywordAnchor: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	d := NewDetector(Options{Rules: []*rules.Rule{r}})
	text := []byte("x\nqkey = " + rules.RandString(16, "lower") + ";;\n")
	if fs := d.Detect(Fragment{Path: "a.txt", Content: text}); len(fs) != 1 {
		t.Fatalf("want one finding, got %d", len(fs))
	}
}
