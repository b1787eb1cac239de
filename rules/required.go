package rules

import (
	"bytes"
	"regexp/syntax"
	"slices"
	"unicode/utf8"
)

// Required is what every match of a regex contains: a list of clauses,
// each a set of literals of which a match holds at least one. The
// detector checks a window against it before running the regex there, and
// skips the regex when some clause has no literal in the window: most
// windows a keyword opens hold no match, and the regex's run is the
// costly part (for a regex with no literal prefix, Go's engines step
// through the window byte by byte).
//
// It is sound, never exact: a clause is kept only when the parse tree
// proves it, and anything the walk does not understand requires nothing.
// The zero value requires nothing.
type Required struct {
	clauses [][]literal
	// run, when runN > 0: a match holds runN bytes in a row that run
	// has (a repeated character class, such as [0-9a-f]{32}).
	run  *[256]bool
	runN int
}

// minRun is the shortest run of a class worth checking for.
const minRun = 8

// literal is a string a match contains; fold ones are lower-case ASCII
// that match ASCII case-insensitively.
type literal struct {
	s    []byte
	fold bool
}

// maxClause bounds a clause's literals: an alternation of more branches
// requires nothing (checking it would cost more than it saves).
const maxClause = 8

// RequiredOf is what every match of the regex src contains, parsed as
// [regexp.Compile] parses it. A regex that does not parse requires
// nothing.
func RequiredOf(src string) Required {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return Required{}
	}
	var r Required
	for _, c := range required(re) {
		c = minimal(c)
		slices.SortFunc(c, func(a, b literal) int { return cmpLiteral(b, a) })
		if !slices.ContainsFunc(r.clauses, func(d []literal) bool { return sameClause(c, d) }) {
			r.clauses = append(r.clauses, c)
		}
	}
	if set, n := longestRun(re); n >= minRun {
		r.run, r.runN = set, n
	}
	// The most telling clause first: its best literal the longest
	// case-sensitive one.
	slices.SortStableFunc(r.clauses, func(a, b []literal) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return cmpLiteral(b[0], a[0])
	})
	return r
}

func sameClause(a, b []literal) bool {
	return slices.EqualFunc(a, b, func(x, y literal) bool { return x.fold == y.fold && bytes.Equal(x.s, y.s) })
}

// cmpLiteral orders literals by how much they tell: case-sensitive before
// folded, then longer before shorter.
func cmpLiteral(a, b literal) int {
	if a.fold != b.fold {
		if a.fold {
			return -1
		}
		return 1
	}
	return len(a.s) - len(b.s)
}

// MayMatch reports whether b holds a literal of every clause: false means
// the regex cannot match anywhere in b.
func (r Required) MayMatch(b []byte) bool {
	for _, c := range r.clauses {
		ok := false
		for _, l := range c {
			if l.in(b) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return r.runN == 0 || hasRun(b, r.run, r.runN)
}

// hasRun reports whether b holds n bytes in a row that set has.
func hasRun(b []byte, set *[256]bool, n int) bool {
	k := 0
	for _, c := range b {
		if !set[c] {
			k = 0
			continue
		}
		if k++; k >= n {
			return true
		}
	}
	return false
}

// longestRun finds the longest run of one character class that every
// match holds, outside any alternation or optional part: a repeat of at
// least n of a class. A class's character outside ASCII is two bytes or
// more, each 0x80 or over, and an invalid byte (which U+FFFD matches) is
// one such byte: the class's run of n characters is a run of at least n
// bytes, each in the class or 0x80 and over.
func longestRun(re *syntax.Regexp) (*[256]bool, int) {
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return longestRun(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil, 0
		}
		if sub := re.Sub[0]; sub.Op == syntax.OpCharClass {
			return byteSet(sub.Rune), re.Min
		}
		return longestRun(re.Sub[0])
	case syntax.OpConcat:
		var best *[256]bool
		n := 0
		for _, sub := range re.Sub {
			if s, m := longestRun(sub); m > n {
				best, n = s, m
			}
		}
		return best, n
	}
	return nil, 0
}

// byteSet is the bytes a class's characters may be made of: its ASCII
// characters, and every byte from 0x80 on when it has any other.
func byteSet(ranges []rune) *[256]bool {
	var set [256]bool
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= min(ranges[i+1], utf8.RuneSelf-1); r++ {
			set[r] = true
		}
		if ranges[i+1] >= utf8.RuneSelf {
			for c := utf8.RuneSelf; c < 256; c++ {
				set[c] = true
			}
		}
	}
	return &set
}

// Empty reports whether r requires nothing.
func (r Required) Empty() bool { return len(r.clauses) == 0 && r.runN == 0 }

func (l literal) in(b []byte) bool {
	if !l.fold {
		return bytes.Contains(b, l.s)
	}
	return containsFold(b, l.s)
}

// containsFold reports whether b holds lower-case ASCII s, ASCII
// case-insensitively. It finds the next of s's first byte in either case
// with IndexByte, each case's next position found once: linear in b.
func containsFold(b, s []byte) bool {
	n := len(b) - len(s) + 1 // the starts there are
	if n <= 0 {
		return false
	}
	lo, up := s[0], s[0]
	if lo >= 'a' && lo <= 'z' {
		up = lo - 'a' + 'A'
	}
	next := func(c byte, from int) int {
		if k := bytes.IndexByte(b[from:n], c); k >= 0 {
			return from + k
		}
		return n
	}
	pl, pu := next(lo, 0), n
	if up != lo {
		pu = next(up, 0)
	}
	for {
		j := min(pl, pu)
		if j >= n {
			return false
		}
		if equalFold(b[j+1:j+len(s)], s[1:]) {
			return true
		}
		if j == pl {
			pl = next(lo, j+1)
		}
		if j == pu && up != lo {
			pu = next(up, j+1)
		}
	}
}

// equalFold compares b with lower-case ASCII s, ASCII case-insensitively.
func equalFold(b, s []byte) bool {
	for i, c := range s {
		if lowerASCII(b[i]) != c {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// required walks a parse tree: the clauses all of whose every match
// holds a literal of each.
func required(re *syntax.Regexp) [][]literal {
	switch re.Op {
	case syntax.OpLiteral:
		return runClauses(re.Rune, re.Flags&syntax.FoldCase != 0)
	case syntax.OpCharClass:
		if c := classClause(re.Rune); c != nil {
			return [][]literal{c}
		}
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		var out [][]literal
		var run []rune
		fold := false
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpLiteral {
				f := sub.Flags&syntax.FoldCase != 0
				if len(run) > 0 && f != fold {
					out = append(out, runClauses(run, fold)...)
					run = nil
				}
				run, fold = append(run, sub.Rune...), f
				continue
			}
			out = append(out, runClauses(run, fold)...)
			run = nil
			out = append(out, required(sub)...)
		}
		return append(out, runClauses(run, fold)...)
	case syntax.OpAlternate:
		// Each branch's most telling clause: a match holds one of
		// them, so a literal of their union.
		var c []literal
		for _, sub := range re.Sub {
			cs := required(sub)
			if len(cs) == 0 {
				return nil
			}
			best := cs[0]
			for _, x := range cs[1:] {
				if better(x, best) {
					best = x
				}
			}
			c = append(c, best...)
		}
		if c = minimal(c); len(c) <= maxClause {
			return [][]literal{c}
		}
	}
	return nil
}

// better reports whether clause a tells more than b: fewer literals, or
// as many with a better best one.
func better(a, b []literal) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return cmpLiteral(slices.MaxFunc(a, cmpLiteral), slices.MaxFunc(b, cmpLiteral)) > 0
}

// runClauses turns a run of literal runes into clauses of one literal
// each. A folded run is cut at every rune whose case-folding orbit is not
// just its ASCII upper and lower case: k and s (the Kelvin sign and the
// long s fold to them) and anything outside ASCII. A case-sensitive run
// is cut only at U+FFFD, which also matches an invalid byte.
func runClauses(run []rune, fold bool) [][]literal {
	var out [][]literal
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			// Folding leaves all but ASCII letters as they are.
			f := fold && bytes.ContainsFunc(cur, func(r rune) bool { return r >= 'a' && r <= 'z' })
			out = append(out, []literal{{s: cur, fold: f}})
		}
		cur = nil
	}
	for _, r := range run {
		switch {
		case r == utf8.RuneError:
			flush()
		case !fold:
			cur = utf8.AppendRune(cur, r)
		case r >= utf8.RuneSelf || r == 'k' || r == 'K' || r == 's' || r == 'S':
			flush()
		default:
			cur = append(cur, lowerASCII(byte(r)))
		}
	}
	flush()
	return out
}

// classClause is a small character class as a clause of one-byte
// literals, or nil: a class of more than four characters or with any
// outside ASCII.
func classClause(ranges []rune) []literal {
	var c []literal
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		if hi >= utf8.RuneSelf || hi-lo >= 4 {
			return nil
		}
		for r := lo; r <= hi; r++ {
			c = append(c, literal{s: []byte{byte(r)}})
		}
		if len(c) > 4 {
			return nil
		}
	}
	return c
}

// minimal drops from a clause each literal that another one implies: a
// match holding "ab" holds "a", so {"a", "ab"} is just {"a"}, and a
// case-sensitive "A" implies a folded "a".
func minimal(c []literal) []literal {
	out := c[:0:0]
	for i, l := range c {
		implied := false
		for j, m := range c {
			if i == j {
				continue
			}
			if implies(l, m) && (!implies(m, l) || j < i) {
				implied = true
				break
			}
		}
		if !implied {
			out = append(out, l)
		}
	}
	return out
}

// implies reports whether a text holding l always holds m.
func implies(l, m literal) bool {
	switch {
	case l.fold == m.fold:
		return bytes.Contains(l.s, m.s)
	case m.fold:
		// m is ASCII and holds neither k nor s (runClauses), so
		// lowering l's ASCII letters is enough.
		low := make([]byte, len(l.s))
		for i, c := range l.s {
			low[i] = lowerASCII(c)
		}
		return bytes.Contains(low, m.s)
	}
	return false
}
