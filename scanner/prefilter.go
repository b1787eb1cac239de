package scanner

// prefilter finds every occurrence of a set of keywords, ASCII
// case-insensitively, overlapping ones included, in order of start. It
// looks each position's first two bytes up in a 64 Ki table and compares
// only the keywords that start with them: in source code that is a few
// percent of positions, so it runs several times faster than a byte-wise
// automaton. Keywords of one byte are not supported (none is useful).
type prefilter struct {
	table  [1 << 16]uint16 // bigram -> 1 + index into groups; 0: none
	groups [][]keyword
	n      int
}

type keyword struct {
	lower []byte
	id    int
}

var lowerTable = func() (t [256]byte) {
	for i := range t {
		c := byte(i)
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		t[i] = c
	}
	return t
}()

// newPrefilter indexes patterns (already lower case, two bytes or more);
// the id of a match is the pattern's index.
func newPrefilter(pats []string) *prefilter {
	p := &prefilter{n: len(pats)}
	for id, s := range pats {
		if len(s) < 2 {
			continue
		}
		k := keyword{lower: []byte(s), id: id}
		for i, c := range k.lower {
			k.lower[i] = lowerTable[c]
		}
		bg := uint16(k.lower[0])<<8 | uint16(k.lower[1])
		if p.table[bg] == 0 {
			p.groups = append(p.groups, nil)
			p.table[bg] = uint16(len(p.groups))
		}
		g := p.table[bg] - 1
		p.groups[g] = append(p.groups[g], k)
	}
	return p
}

// each calls fn for every keyword occurrence b[start:end].
func (p *prefilter) each(b []byte, fn func(id, start, end int)) {
	if p.n == 0 || len(b) < 2 {
		return
	}
	lt := &lowerTable
	prev := uint16(lt[b[0]])
	for i := 1; i < len(b); i++ {
		cur := uint16(lt[b[i]])
		g := p.table[prev<<8|cur]
		prev = cur
		if g == 0 {
			continue
		}
		s := i - 1
		for _, k := range p.groups[g-1] {
			e := s + len(k.lower)
			if e > len(b) {
				continue
			}
			ok := true
			for j := 2; j < len(k.lower); j++ {
				if lt[b[s+j]] != k.lower[j] {
					ok = false
					break
				}
			}
			if ok {
				fn(k.id, s, e)
			}
		}
	}
}
