package rules

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestRequiredRandomRegexes checks MayMatch's soundness beyond the
// default rules' shapes: random regexes over the characters whose case
// folding or encoding is tricky (k and s with the Kelvin sign and the long
// s, é, ß, dotted and dotless i, invalid bytes and U+FFFD), with classes,
// repeats, alternations, flags and assertions, each against texts
// generated from its parse tree with noise around and mutations; every
// match the regex finds must pass MayMatch, alone and in its text.
func TestRequiredRandomRegexes(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 3000
	}
	rng := rand.New(rand.NewPCG(1, 99))
	matched, required := 0, 0
	for range n {
		src := genRe(rng, 1+rng.IntN(4))
		m, req, ok := probeOne(t, rng, src, 20)
		matched += m
		if req {
			required++
		}
		if !ok {
			return // one counterexample is enough to read
		}
	}
	t.Logf("%d regexes, %d requiring something, %d texts matched", n, required, matched)
	if required < n/4 || matched < n {
		t.Errorf("%d of %d regexes require something, %d texts matched: the generator is off", required, n, matched)
	}
}

// The pieces genRe makes regexes of.
var probeLits = []string{"a", "b", "c", "k", "K", "s", "S", "x", "\u212A", "\u017F", "é", "É", "@", ":", "=", "0", "1", "\uFFFD", `\xff`, `\x{80}`, `\.`, "-", "_", "ab", "ks", "sk", "sec", "Key", "github", "\u00ff", "ß", "ẞ", "i", "I", "ı", "İ", "Å", "\u212B", "å", "µ", "μ", `\x{D800}`}
var probeClasses = []string{"[a-c]", "[^a]", "[kK]", "[sS]", "[\\x{80}-\\x{ff}]", `\pL`, `\d`, `\w`, `\s`, `\S`, `\W`, ".", "[[:alpha:]]", "[0-9a-f]", "[a-z]", "[A-Z]", "[^:@/]", "[:=]", "[ab]", "[kx]", "[\\x{212A}]", "[\\x{17F}s]", "[^\\x00-\\x7f]", "[\\x{7e}-\\x{81}]", "[\\x{FFFD}]", "[^\\x{FFFD}]", "[é]", "[Aa]", "[Kk]", "[^\\n]", `\p{Greek}`, "[a-zA-Z0-9]", "[\\x00-\\x{10FFFF}]", "[^\\x00-\\x{10FFFF}]", "[J-L]", "[r-t]", "[^J-L]", "[\\x{17e}-\\x{180}]", "[\\x{2129}-\\x{212b}]", "[0-9A-Fa-f]", "[^0-9a-f]", "[[:^alpha:]]", `\PL`, "[a-zA-Z0-9+/=]"}
var probeAsserts = []string{`\b`, `\B`, "^", "$", `\A`, `\z`}
var probeFlags = []string{"(?i)", "(?-i)", "(?s)", "(?m)", "(?U)", "(?is)", "(?i-s)"}

// genRe is a random regex of the given nesting depth, over probeLits,
// probeClasses, probeAsserts and probeFlags. Some do not compile.
func genRe(rng *rand.Rand, depth int) string {
	if depth <= 0 {
		return genAtom(rng)
	}
	switch rng.IntN(10) {
	case 0, 1, 2:
		n := 1 + rng.IntN(4)
		var parts []string
		for range n {
			parts = append(parts, genRe(rng, depth-1))
		}
		return strings.Join(parts, "")
	case 3:
		n := 2 + rng.IntN(3)
		var parts []string
		for range n {
			parts = append(parts, genRe(rng, depth-1))
		}
		return "(?:" + strings.Join(parts, "|") + ")"
	case 4:
		g := []string{"(", "(?:", "(?i:", "(?-i:", "(?P<n" + strconv.Itoa(rng.IntN(1000)) + ">", "(?s:", "(?U:"}[rng.IntN(7)]
		return g + genRe(rng, depth-1) + ")"
	case 5:
		return genRep(rng, "(?:"+genRe(rng, depth-1)+")")
	case 6:
		return probeFlags[rng.IntN(len(probeFlags))] + genRe(rng, depth-1)
	default:
		return genAtom(rng)
	}
}

func genRep(rng *rand.Rand, a string) string {
	var q string
	switch rng.IntN(8) {
	case 0:
		q = "?"
	case 1:
		q = "*"
	case 2:
		q = "+"
	case 3:
		q = "{" + strconv.Itoa(rng.IntN(11)) + "}"
	case 4:
		q = "{" + strconv.Itoa(rng.IntN(11)) + ",}"
	default:
		n := rng.IntN(11)
		q = "{" + strconv.Itoa(n) + "," + strconv.Itoa(n+rng.IntN(4)) + "}"
	}
	if rng.IntN(4) == 0 {
		q += "?"
	}
	return a + q
}

func genAtom(rng *rand.Rand) string {
	switch rng.IntN(10) {
	case 0, 1, 2, 3:
		return probeLits[rng.IntN(len(probeLits))]
	case 4, 5:
		return probeClasses[rng.IntN(len(probeClasses))]
	case 6:
		return probeAsserts[rng.IntN(len(probeAsserts))]
	case 7:
		a := probeClasses[rng.IntN(len(probeClasses))]
		if rng.IntN(2) == 0 {
			a = probeLits[rng.IntN(len(probeLits))]
			if utf8.RuneCountInString(a) > 1 && !strings.HasPrefix(a, `\`) {
				a = "(?:" + a + ")"
			}
		}
		return genRep(rng, a)
	case 8:
		var b strings.Builder
		for range 1 + rng.IntN(5) {
			b.WriteString(probeLits[rng.IntN(len(probeLits))])
		}
		return b.String()
	default:
		return probeFlags[rng.IntN(len(probeFlags))]
	}
}

var probeNoise = []string{"a", "A", "b", "k", "K", "s", "S", "\u212A", "\u017F", "é", "É", "\xff", "\x80", "\xc3", "\xe2\x84", "@", ":", " ", "\n", "0", "x", "X", "\uFFFD", "ß", "ı", "İ"}

// genText appends to b a random text that re's parse tree describes:
// each folded letter drawn from its whole folding orbit, each class
// member from its whole range, an invalid byte now and then where U+FFFD
// may match. Assertions such as \b are not enforced (sometimes a blank
// or a letter is written there): callers keep only what the regex
// matches.
func genText(b *strings.Builder, re *syntax.Regexp, rng *rand.Rand) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				orbit := []rune{r}
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					orbit = append(orbit, f)
				}
				r = orbit[rng.IntN(len(orbit))]
			}
			if r == utf8.RuneError && rng.IntN(2) == 0 {
				b.WriteString([]string{"\xff", "\x80", "\xc3", "\xed\xa0\x80"}[rng.IntN(4)][:1])
				continue
			}
			b.WriteRune(r)
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return
		}
		i := 2 * rng.IntN(len(re.Rune)/2)
		lo, hi := re.Rune[i], re.Rune[i+1]
		if hi-lo > 200 && rng.IntN(2) == 0 {
			hi = lo + 200
		}
		r := lo + rune(rng.Int64N(int64(hi-lo)+1))
		if r == utf8.RuneError || (lo <= utf8.RuneError && utf8.RuneError <= hi && rng.IntN(3) == 0) {
			b.WriteByte("\xff\x80\xc3\xe2"[rng.IntN(4)])
			return
		}
		if !utf8.ValidRune(r) {
			r = lo
		}
		b.WriteRune(r)
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		b.WriteString(probeNoise[rng.IntN(len(probeNoise))])
	case syntax.OpCapture:
		genText(b, re.Sub[0], rng)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 3
		switch re.Op {
		case syntax.OpPlus:
			lo, hi = 1, 4
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 || hi > lo+3 {
				hi = lo + 3
			}
		}
		for range lo + rng.IntN(hi-lo+1) {
			genText(b, re.Sub[0], rng)
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			genText(b, sub, rng)
		}
	case syntax.OpAlternate:
		genText(b, re.Sub[rng.IntN(len(re.Sub))], rng)
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText:
		if rng.IntN(3) == 0 {
			b.WriteString([]string{" ", "\n", "a"}[rng.IntN(3)])
		}
	}
}

// randNoise is n random pieces of probeNoise.
func randNoise(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(probeNoise[rng.IntN(len(probeNoise))])
	}
	return b.String()
}

// probeOne checks regex src against texts random texts: it returns how
// many it matched, whether Required asks for anything, and false after
// reporting a counterexample.
func probeOne(t *testing.T, rng *rand.Rand, src string, texts int) (int, bool, bool) {
	re, err := regexp.Compile(src)
	if err != nil {
		return 0, false, true
	}
	tree, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		t.Fatalf("compile ok, parse not: %q", src)
	}
	req := RequiredOf(src)
	matched, nonEmpty := 0, !req.Empty()
	for range texts {
		var b strings.Builder
		if rng.IntN(2) == 0 {
			b.WriteString(randNoise(rng, rng.IntN(3)))
		}
		if rng.IntN(8) != 0 {
			genText(&b, tree, rng)
		}
		if rng.IntN(2) == 0 {
			b.WriteString(randNoise(rng, rng.IntN(3)))
		}
		text := []byte(b.String())
		// Mutate a quarter: flip a letter's case, insert or drop a byte.
		if rng.IntN(4) == 0 && len(text) > 0 {
			i := rng.IntN(len(text))
			switch rng.IntN(3) {
			case 0:
				text[i] ^= 0x20
			case 1:
				text = append(text[:i:i], append([]byte(probeNoise[rng.IntN(len(probeNoise))]), text[i:]...)...)
			case 2:
				text = append(text[:i:i], text[i+1:]...)
			}
		}
		for _, m := range re.FindAllIndex(text, -1) {
			if !req.MayMatch(text[m[0]:m[1]]) {
				t.Errorf("regex %q matches %q in %q, but MayMatch says no to the match (requires %s)", src, text[m[0]:m[1]], text, req)
				return matched, nonEmpty, false
			}
		}
		if re.Match(text) {
			matched++
			if !req.MayMatch(text) {
				t.Errorf("regex %q matches %q (at %q), but MayMatch says no (requires %s)", src, text, re.Find(text), req)
				return matched, nonEmpty, false
			}
		}
	}
	return matched, nonEmpty, true
}
