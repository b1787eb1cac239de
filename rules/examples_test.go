package rules

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRuleExamples checks every embedded rule against its own examples:
// each true-positive template yields a match that passes the rule's filters
// and checksum, and each false-positive template does not. The scanner
// package runs the same examples through the whole engine.
func TestRuleExamples(t *testing.T) {
	f, err := Defaults()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := CompileAll(f.Rules)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		t.Run(r.ID, func(t *testing.T) {
			reseed(r.ID)
			if len(r.TP) == 0 || len(r.FP) == 0 {
				t.Fatalf("rule needs at least one tp and one fp example")
			}
			if r.RotateURL == "" {
				t.Errorf("rule has no rotate_url")
			}
			if len(r.Keywords) == 0 && r.Path == "" {
				t.Errorf("rule has no keywords: it would run on every byte")
			}
			if r.Path != "" && (r.ExamplePath == "" || !r.PathRe().MatchString(r.ExamplePath)) {
				t.Errorf("rule has a path but no example_path that matches it")
			}
			if r.Detector != "" {
				return // a Go matcher: the scanner's engine test runs its examples
			}
			for i := 0; i < 3; i++ { // random bodies: try a few
				for _, tp := range r.TP {
					s, err := Expand(tp)
					if err != nil {
						t.Fatalf("tp %q: %v", tp, err)
					}
					if len(r.Keywords) > 0 && !hasKeyword(r, s) {
						t.Errorf("tp %q: no keyword of %q in %q", tp, r.Keywords, s)
					}
					if !ruleFinds(r, s) {
						t.Errorf("tp %q: expanded to %q, no finding", tp, s)
					}
				}
				for _, fp := range r.FP {
					s, err := Expand(fp)
					if err != nil {
						t.Fatalf("fp %q: %v", fp, err)
					}
					if ruleFinds(r, s) {
						t.Errorf("fp %q: expanded to %q, found", fp, s)
					}
				}
			}
		})
	}
}

func hasKeyword(r *Rule, s string) bool {
	ls := strings.ToLower(s)
	for _, k := range r.LowerKeywords() {
		if strings.Contains(ls, k) {
			return true
		}
	}
	return false
}

// ruleFinds reports whether rule r alone finds a secret in s.
func ruleFinds(r *Rule, s string) bool {
	for _, m := range r.Regexp().FindAllStringSubmatchIndex(s, -1) {
		sec := s[m[0]:m[1]]
		if r.SecretGroup > 0 && m[2*r.SecretGroup] >= 0 {
			sec = s[m[2*r.SecretGroup]:m[2*r.SecretGroup+1]]
		}
		if r.CheckSecret(sec, s[m[0]:m[1]], s) && r.ChecksumOK(sec) {
			return true
		}
	}
	return false
}

func TestCountDefaults(t *testing.T) {
	f, err := Defaults()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Keys) != 5 {
		t.Errorf("embedded inventory has %d keys, want the seed's 5", len(f.Keys))
	}
	t.Logf("%d embedded rules", len(f.Rules))
}

// TestSnapshotCurrent: the start-up snapshot equals the TOML it was made
// from. If this fails, run: go generate ./rules
func TestSnapshotCurrent(t *testing.T) {
	fromTOML, err := ParseDefaultTOML()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Defaults()
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(fromTOML)
	b, _ := json.Marshal(snap)
	if string(a) != string(b) {
		t.Fatal("rules/defaults_gen.go is stale: run go generate ./rules")
	}
}

// TestRuleFilesSize: rule files are grouped by domain and each stays
// readable; a file past the limit should be split by sub-domain.
func TestRuleFilesSize(t *testing.T) {
	files, names, err := DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if lines := strings.Count(string(files[n]), "\n"); lines > 1000 {
			t.Errorf("%s has %d lines: split it by domain (at most 1,000)", n, lines)
		}
	}
}
