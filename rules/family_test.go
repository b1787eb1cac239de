package rules

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestIdentWords(t *testing.T) {
	for in, want := range map[string][]string{
		"NEW_RELIC_LICENSE_KEY": {"new", "relic", "license", "key"},
		"newRelicLicenseKey":    {"new", "relic", "license", "key"},
		"AI21Token":             {"ai21", "token"},
		"ai21_api-key":          {"ai21", "api", "key"},
		"SAUCE_APIKey":          {"sauce", "api", "key"},
		"keen.writeKey":         {"keen", "write", "key"},
	} {
		if got := identWords(in); !reflect.DeepEqual(got, want) {
			t.Errorf("identWords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNamesIn(t *testing.T) {
	for _, c := range []struct {
		text  string
		names []string
		want  bool
	}{
		{`NEW_RELIC_LICENSE_KEY=`, []string{"new relic"}, true},
		{`export newRelicKey: "`, []string{"new relic"}, true},
		{`"NEWRELIC_KEY": "`, []string{"new relic"}, true},
		{`AI21Token = "`, []string{"ai21"}, true},
		{`INBOX_TOKEN=`, []string{"box"}, false},
		{`mybox_token=`, []string{"box"}, false},
		{`myBoxToken=`, []string{"box"}, true},
		{`RELIC_KEY=`, []string{"new relic"}, false},
		{`ACME_API_KEY=`, []string{"ai21"}, false},
	} {
		if got := namesIn(c.text, c.names); got != c.want {
			t.Errorf("namesIn(%q, %q) = %v, want %v", c.text, c.names, got, c.want)
		}
	}
}

func TestShapeRegex(t *testing.T) {
	for shape, in := range map[string][2]string{
		"uuid":       {"0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950"},
		"hex40":      {strings.Repeat("ab12", 10), strings.Repeat("ab12", 10) + "c"},
		"lower26":    {strings.Repeat("a1", 13), strings.Repeat("A1", 13)},
		"alnum20-32": {strings.Repeat("aB3", 8), strings.Repeat("aB3", 12)},
		"b64n40":     {"b64n40", "x"}, // not a shorthand: the regex as written
		"uuid|hex32": {strings.Repeat("ab", 16), strings.Repeat("ab", 17)},
		"a|hex32":    {"a", strings.Repeat("ab", 17)},
		"(?:a|b)c":   {"bc", "a"}, // the | inside a group is the regex's
	} {
		re := regexp.MustCompile(`^(?:` + ShapeRegex(shape) + `)$`)
		if !re.MatchString(in[0]) || re.MatchString(in[1]) {
			t.Errorf("shape %q (%s): want %q in and %q out", shape, ShapeRegex(shape), in[0], in[1])
		}
	}
}

func TestRandMatching(t *testing.T) {
	for _, src := range []string{
		ShapeRegex("uuid"), ShapeRegex("hex32"), `[a-z0-9]{26}`, `(?:ab|cd)+x?[0-9]{2,4}`,
		`tskey-(?:auth|api)-[A-Za-z0-9]{10,}-[A-Za-z0-9]{30}`, `[^"'\s]{8}`,
	} {
		re := regexp.MustCompile(`^(?:` + src + `)$`)
		for i := 0; i < 20; i++ {
			s, err := RandMatching(src)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			if !re.MatchString(s) {
				t.Fatalf("RandMatching(%s) = %q, which it does not match", src, s)
			}
		}
	}
	if _, err := RandMatching(`a(?=b)`); err == nil {
		t.Error("a regex that does not parse: want an error")
	}
}

// TestFamilyExpansion: each member becomes a rule with the family's
// regex, the member's names as keywords in every spelling, its shape, and
// examples filled in for it.
func TestFamilyExpansion(t *testing.T) {
	f := Family{
		ID: "named", Description: "%s key", Regex: `([A-Za-z_]+)=(\S+)`, SecretGroup: 2,
		TP: []string{"{NAME}_KEY={value}", "{camel}Key"},
		Members: []Member{
			{Provider: "newrelic", Title: "New Relic", Names: []string{"new relic"}, Shape: "hex40", RotateURL: "https://x"},
			{Provider: "ai21", Shape: "uuid", Entropy: 2.5},
		},
		Entropy: 3,
	}
	rs, err := f.Rules()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].ID != "named-newrelic" || rs[1].ID != "named-ai21" {
		t.Fatalf("ids: %+v", rs)
	}
	r := rs[0]
	if r.Description != "New Relic key" || r.Regex != f.Regex || r.SecretGroup != 2 || r.RotateURL != "https://x" {
		t.Errorf("fields not carried over: %+v", r)
	}
	if want := []string{"newrelic", "new_relic", "new-relic", "new.relic"}; !reflect.DeepEqual(r.Keywords, want) {
		t.Errorf("keywords %q, want %q", r.Keywords, want)
	}
	if rs[0].Entropy != 3 || rs[1].Entropy != 2.5 {
		t.Errorf("entropy floors %v, %v: want the family's 3 and the member's 2.5", rs[0].Entropy, rs[1].Entropy)
	}
	if r.TP[0] != "NEW_RELIC_KEY={{re `"+ShapeRegex("hex40")+"`}}" || r.TP[1] != "newRelicKey" {
		t.Errorf("examples %q", r.TP)
	}
	if _, err := (&Family{ID: "x", Regex: "y", Members: []Member{{Provider: "p"}}}).Rules(); err == nil {
		t.Error("a member without a shape: want an error")
	}
	// Compiled members share one regex.
	a, _ := Compile(rs[0])
	b, _ := Compile(rs[1])
	if a.Regexp() != b.Regexp() {
		t.Error("members compiled the family regex twice")
	}
}

// TestNamesAndShape: a rule with names and a shape reports only values of
// that shape assigned to a name that holds the provider's.
func TestNamesAndShape(t *testing.T) {
	r, err := Compile(RuleSpec{ID: "x", Regex: `([A-Za-z0-9_]+)\s*=\s*(\S+)`, SecretGroup: 2, Names: []string{"ai21"}, Shape: ShapeRegex("uuid")})
	if err != nil {
		t.Fatal(err)
	}
	u := "0f8fad5b-d9cb-469f-a165-70867728950e"
	for s, want := range map[string]bool{
		"AI21_TOKEN = " + u:       true,
		"ACME_TOKEN = " + u:       false,
		"AI21_TOKEN = " + u + "0": false,
	} {
		if got := ruleFinds(r, s); got != want {
			t.Errorf("%q: found %v, want %v", s, got, want)
		}
	}
}

// TestOneByteKeyword: the prefilter skips one-byte keywords, so a rule
// that has one would never run; it is refused when compiled.
func TestOneByteKeyword(t *testing.T) {
	if _, err := CompileLazy(RuleSpec{ID: "x", Regex: "a_b", Keywords: []string{"_"}}); err == nil || !strings.Contains(err.Error(), "two bytes") {
		t.Fatalf("a one-byte keyword: err = %v, want a refusal", err)
	}
}
