package rules

import (
	"fmt"
	"regexp/syntax"
	"strings"
)

// RandMatching returns a random string that the regex src matches in full:
// example templates write {{re `[a-z0-9]{26}`}} for a value of a rule's
// or a family member's documented shape. Unbounded repetitions (*, +, {n,})
// repeat at most three times more than their minimum; . and negated
// classes draw from the alphanumerics they allow.
func RandMatching(src string) (string, error) {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := genRegexp(&b, re.Simplify()); err != nil {
		return "", err
	}
	return b.String(), nil
}

func genRegexp(b *strings.Builder, re *syntax.Regexp) error {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return nil
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
		return nil
	case syntax.OpCharClass:
		b.WriteString(RandString(1, classChars(re.Rune)))
		return nil
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		b.WriteString(RandString(1, "alnum"))
		return nil
	case syntax.OpCapture:
		return genRegexp(b, re.Sub[0])
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if err := genRegexp(b, s); err != nil {
				return err
			}
		}
		return nil
	case syntax.OpAlternate:
		return genRegexp(b, re.Sub[randIntn(len(re.Sub))])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 3
		switch re.Op {
		case syntax.OpPlus:
			lo, hi = 1, 4
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 {
				hi = lo + 3
			}
		}
		n := lo + randIntn(hi-lo+1)
		for i := 0; i < n; i++ {
			if err := genRegexp(b, re.Sub[0]); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("re: unsupported regex operator %v", re.Op)
}

// classChars lists the printable ASCII characters of a class given as
// rune ranges (lo, hi pairs).
func classChars(ranges []rune) string {
	var b strings.Builder
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := max(ranges[i], 0x21); r <= min(ranges[i+1], 0x7e); r++ {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "alnum"
	}
	if b.Len() == 1 {
		return b.String() + b.String() // RandString needs an alphabet
	}
	return b.String()
}
