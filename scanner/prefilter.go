package scanner

// prefilter finds every occurrence of a set of keywords, ASCII
// case-insensitively, overlapping ones included, in order of start.
//
// Each position's last three bytes (lowered) are hashed into a 64 Ki-bit
// set of the keywords' first three bytes: 8 KiB, so it stays in the L1
// cache, and in source code it says "maybe" at a few percent of positions.
// Only then are the keywords that start with those bytes compared.
// Two-byte keywords have their own small set. Keywords of one byte are not
// supported (none is useful).
type prefilter struct {
	tri    [1 << 10]uint64 // hashed first trigrams of keywords of 3+ bytes
	bi     [1 << 10]uint64 // bigrams of 2-byte keywords
	table  [1 << 16]uint16 // bigram -> 1 + index into groups; 0: none
	groups []group
	n      int
}

// group is the keywords that start with one bigram.
type group struct {
	long  []keyword // three bytes or more
	short []keyword // exactly two bytes
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

func triHash(t uint32) uint32 { return (t * 0x9E3779B1) >> 16 }

// newPrefilter indexes patterns (two bytes or more); the id of a match is
// the pattern's index.
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
			p.groups = append(p.groups, group{})
			p.table[bg] = uint16(len(p.groups))
		}
		g := &p.groups[p.table[bg]-1]
		if len(k.lower) == 2 {
			g.short = append(g.short, k)
			p.bi[bg>>6] |= 1 << (bg & 63)
			continue
		}
		g.long = append(g.long, k)
		h := triHash(uint32(k.lower[0])<<16 | uint32(k.lower[1])<<8 | uint32(k.lower[2]))
		p.tri[h>>6] |= 1 << (h & 63)
	}
	return p
}

// each calls fn for every keyword occurrence b[start:end].
func (p *prefilter) each(b []byte, fn func(id, start, end int)) {
	if p.n == 0 || len(b) < 2 {
		return
	}
	lt := &lowerTable
	var t uint32 = uint32(lt[b[0]])
	for i := 1; i < len(b); i++ {
		t = (t<<8 | uint32(lt[b[i]])) & 0xFFFFFF
		if i >= 2 {
			if h := triHash(t); p.tri[h>>6]&(1<<(h&63)) != 0 {
				p.verify(b, i-2, p.groups, true, fn)
			}
		}
		if bg := uint16(t); p.bi[bg>>6]&(1<<(bg&63)) != 0 {
			p.verify(b, i-1, p.groups, false, fn)
		}
	}
}

// verify compares the keywords that start at s.
func (p *prefilter) verify(b []byte, s int, groups []group, long bool, fn func(id, start, end int)) {
	bg := uint16(lowerTable[b[s]])<<8 | uint16(lowerTable[b[s+1]])
	g := p.table[bg]
	if g == 0 {
		return
	}
	kws := groups[g-1].short
	if long {
		kws = groups[g-1].long
	}
	for _, k := range kws {
		e := s + len(k.lower)
		if e > len(b) {
			continue
		}
		ok := true
		for j := 2; j < len(k.lower); j++ {
			if lowerTable[b[s+j]] != k.lower[j] {
				ok = false
				break
			}
		}
		if ok {
			fn(k.id, s, e)
		}
	}
}
