package rules

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
)

// String shows r as the tests compare it: clauses in order, each a list
// of literals, folded ones marked i.
func (r Required) String() string {
	var cs []string
	for _, c := range r.clauses {
		var ls []string
		for _, l := range c {
			if l.fold {
				ls = append(ls, fmt.Sprintf("i%q", l.s))
			} else {
				ls = append(ls, fmt.Sprintf("%q", l.s))
			}
		}
		cs = append(cs, "["+strings.Join(ls, " ")+"]")
	}
	if r.runN > 0 {
		var set []byte
		for c := range 128 {
			if r.run[c] {
				set = append(set, byte(c))
			}
		}
		high := ""
		for c := 128; c < 256; c++ {
			if r.run[c] != r.run[128] {
				high = "+some high" // never made: every byte or none
				break
			}
			if r.run[c] {
				high = "+high"
			}
		}
		cs = append(cs, fmt.Sprintf("run{%d %q%s}", r.runN, set, high))
	}
	return strings.Join(cs, " ")
}

func TestRequiredOf(t *testing.T) {
	for _, c := range []struct{ re, want string }{
		{`\b(SK[0-9a-f]{32})\b`, `["SK"] run{32 "0123456789abcdef"}`},
		// Go's parser factors the branches' common "@git" out.
		{`(?i)\bhttps?://[^:@/]+:([^@/]+)@(?:github\.com|gitlab\.com)\b`, `["://"] [":"] [i"http"] [i"@git"] [i"hub.com" i"lab.com"]`},
		// k and s fold to the Kelvin sign and the long s: cut there.
		{`(?i)secret[_-]?key`, `[i"ecret"] [i"ey"]`},
		{`(?i)token`, `[i"to"] [i"en"]`},
		// Case-sensitive inside a folded regex.
		{`(?i)facebook[a-z]{0,5}=((?-i:EAA[A-Za-z0-9]{90,}))`, `["EAA"] ["="] [i"faceboo"] run{90 "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}`},
		// Runs of a class: the longest, of eight or more, outside
		// alternations and optional parts. A class with characters
		// outside ASCII ((?i) adds the Kelvin sign and the long s to
		// [a-z]) takes every byte from 0x80 on.
		{`x[0-9]{8}y[a-z]{12}`, `["x"] ["y"] run{12 "abcdefghijklmnopqrstuvwxyz"}`},
		{`(?i)[a-z]{10}`, `run{10 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"+high}`},
		{`[^"']{16}`, `run{16 "\x00\x01\x02\x03\x04\x05\x06\a\b\t\n\v\f\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_` + "`" + `abcdefghijklmnopqrstuvwxyz{|}~\x7f"+high}`},
		{`[a-f]{0,10}`, ``},
		{`(?:[a-f]{10}|x)`, ``},
		{`(?:[0-9]{4}-){3}`, `["-"]`},
		// Alternation: one literal per branch, the weaker kept when one
		// implies the other.
		{`(?:=|:|:=|=>)`, `[":" "="]`},
		{`(?:abc|abd)x`, `["ab"] ["x"] ["c" "d"]`},
		{`[:=]`, `[":" "="]`},
		// Nothing proven: optional parts, wide classes, empty branches,
		// too many branches.
		{`a?b*`, ``},
		{`(?:foo|)`, ``},
		{`[A-Za-z]+`, ``},
		{`(?:a1|b2|c3|d4|e5|f6|g7|h8|i9|j0)`, ``},
		{`x{0,3}`, ``},
		{`(?:xy){2}`, `["xy"]`},
		{`\d-\d-\d`, `["-"]`}, // one clause, not three
		// U+FFFD also matches an invalid byte: never required.
		{"ab\uFFFDcd", `["ab"] ["cd"]`},
		{"é", `["é"]`},
		{"(?i)é", ``},
		{`[`, ``}, // does not parse
	} {
		if got := RequiredOf(c.re).String(); got != c.want {
			t.Errorf("RequiredOf(%q) = %s, want %s", c.re, got, c.want)
		}
	}
}

func TestRequiredMayMatch(t *testing.T) {
	r := RequiredOf(`(?i)\bhttps?://[^:@/]+:([^@/]+)@(?:github\.com|gitlab\.com)\b`)
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"import \"github.com/go-git/go-git/v5\"", false},
		{"see https://github.com/go-git/go-git", false},
		{"HTTPS://u:p@GitLab.COM/x", true},
		{"https://u:p@gitlab.co", false},
		{"", false},
	} {
		if got := r.MayMatch([]byte(c.s)); got != c.want {
			t.Errorf("MayMatch(%q) = %v, want %v", c.s, got, c.want)
		}
	}
	r = RequiredOf(`\b(SK[0-9a-f]{32})\b`)
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"task := SKIP_" + strings.Repeat("0", 31), false},
		{"SK" + strings.Repeat("0", 31) + "g" + strings.Repeat("1", 31), false},
		{"SKIP " + strings.Repeat("0", 32), true}, // may, though the regex does not
	} {
		if got := r.MayMatch([]byte(c.s)); got != c.want {
			t.Errorf("MayMatch(%q) = %v, want %v", c.s, got, c.want)
		}
	}
	if !(Required{}).MayMatch(nil) || !(Required{}).Empty() {
		t.Error("the zero Required must allow everything")
	}
}

func TestContainsFold(t *testing.T) {
	for _, c := range []struct {
		b, s string
		want bool
	}{
		{"xxGiThUb", "github", true},
		{"github", "github", true},
		{"githu", "github", false},
		{"gGgGgGithub", "github", true},
		{"AaAaAaAab", "ab", true},
		{"AaAaAaAac", "ab", false},
		{"=:=", "=>", false},
		{"a=>", "=>", true},
		{"Abc", "abc", true},
		{"x", "abc", false},
	} {
		if got := containsFold([]byte(c.b), []byte(c.s)); got != c.want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", c.b, c.s, got, c.want)
		}
	}
	// Against the obvious form on random text of few letters.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := randFrom(rng, "aAbB=", rng.IntN(12))
		s := strings.ToLower(randFrom(rng, "aAbB=", 1+rng.IntN(3)))
		want := strings.Contains(strings.ToLower(b), s)
		if got := containsFold([]byte(b), []byte(s)); got != want {
			t.Fatalf("containsFold(%q, %q) = %v, want %v", b, s, got, want)
		}
	}
}

func randFrom(rng *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// TestRequiredSound checks, for every embedded rule, that a text the
// regex matches always passes MayMatch: on the rule's own true-positive
// examples, and on strings generated from the regex's parse tree, each
// folded letter drawn from its whole folding orbit (the Kelvin sign for k,
// the long s for s) and each class from its whole range.
func TestRequiredSound(t *testing.T) {
	f, err := Defaults()
	if err != nil {
		t.Fatal(err)
	}
	per := 60
	if testing.Short() {
		per = 15
	}
	rng := rand.New(rand.NewPCG(7, 11))
	tried, matched, filtered := 0, 0, 0
	for _, s := range f.Rules {
		if s.Regex == "" {
			continue
		}
		re := regexp.MustCompile(s.Regex)
		req := RequiredOf(s.Regex)
		if !req.Empty() {
			filtered++
		}
		check := func(text, from string) {
			tried++
			if !re.MatchString(text) {
				return
			}
			matched++
			if !req.MayMatch([]byte(text)) {
				t.Errorf("%s: the regex matches %s %q, but MayMatch says no (requires %s)", s.ID, from, text, req)
			}
		}
		reseed(s.ID)
		for _, tp := range s.TP {
			x, err := Expand(tp)
			if err != nil {
				t.Fatal(err)
			}
			check(x, "its example")
		}
		tree, err := syntax.Parse(s.Regex, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		for range per {
			var b strings.Builder
			genText(&b, tree, rng)
			check(b.String(), "the generated")
		}
	}
	t.Logf("%d rules of %d require literals; %d texts, %d matched", filtered, len(f.Rules), tried, matched)
	if matched < tried/2 {
		t.Errorf("only %d of %d texts matched: the generator is off", matched, tried)
	}
}

// TestMayMatchCompilesNothing: asking whether a window may match reads
// the regex's parse tree, not its compiled forms: a keyword-anchored rule
// compiles only its anchored form, and MayMatch must not add the
// unanchored one (with the path and shape regexes).
func TestMayMatchCompilesNothing(t *testing.T) {
	r, err := CompileLazy(RuleSpec{ID: "mm", Regex: `mmkey\s*=\s*([a-z]{12})`, Keywords: []string{"mmkey"}, KeywordAnchor: true, Shape: `[a-z]{12}`})
	if err != nil {
		t.Fatal(err)
	}
	_, before := Work()
	if !r.MayMatch([]byte("mmkey = abcdefghijkl")) || r.MayMatch([]byte("mmkey = abc")) {
		t.Error("MayMatch: wrong answer")
	}
	if _, after := Work(); after != before {
		t.Errorf("MayMatch compiled %d rules; want none", after-before)
	}
}

// TestAnchoredUnterminatedQuote: a regex that ends inside \Q (quoted to
// its end) compiles, but wrapped as ^(?:…) its closing parenthesis is
// quoted too: the anchored form is built from the parse tree instead,
// and matches as the regex does.
func TestAnchoredUnterminatedQuote(t *testing.T) {
	r, err := Compile(RuleSpec{ID: "q", Regex: `qkey=([a-z]{12})\Q!*`, Keywords: []string{"qkey"}, KeywordAnchor: true})
	if err != nil {
		t.Fatal(err)
	}
	a := r.Anchored()
	if a == nil {
		t.Fatal("no anchored form")
	}
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"qkey=abcdefghijkl!*", true},
		{"qkey=abcdefghijkl!", false},
		{" qkey=abcdefghijkl!*", false},
	} {
		if got := a.MatchString(c.s); got != c.want {
			t.Errorf("anchored form %q on %q: %v, want %v", a, c.s, got, c.want)
		}
	}
}
