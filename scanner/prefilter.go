package scanner

import "encoding/binary"

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
	long   [1 << 16]uint16 // trigram hash -> 1 + index into groups; 0: none
	short  [1 << 16]uint16 // bigram -> 1 + index into groups; 0: none
	groups [][]keyword
	n      int
	// nlStart: some keyword starts with two newlines, so each may not
	// skip runs of them.
	nlStart bool
}

type keyword struct {
	lower []byte
	// head is lower's first four bytes, little-endian, zero past its end;
	// mask keeps those of head that lower has. One compare rejects most
	// keywords of a group (see verify).
	head, mask uint32
	id         int
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

// add puts k in the group that slot points to, making the group if needed.
func (p *prefilter) add(slot *uint16, k keyword) {
	if *slot == 0 {
		p.groups = append(p.groups, nil)
		*slot = uint16(len(p.groups))
	}
	p.groups[*slot-1] = append(p.groups[*slot-1], k)
}

// newPrefilter indexes patterns (two bytes or more); the id of a match is
// the pattern's index.
func newPrefilter(pats []string) *prefilter {
	p := &prefilter{n: len(pats)}
	size := 0
	for _, s := range pats {
		size += len(s)
	}
	lowered := make([]byte, 0, size) // every keyword's bytes, one allocation
	for id, s := range pats {
		if len(s) < 2 {
			continue
		}
		if s[0] == '\n' && s[1] == '\n' {
			p.nlStart = true
		}
		lowered = append(lowered, s...)
		k := keyword{lower: lowered[len(lowered)-len(s) : len(lowered) : len(lowered)], id: id}
		for i, c := range k.lower {
			k.lower[i] = lowerTable[c]
			if i < 4 {
				k.head |= uint32(k.lower[i]) << (8 * i)
				k.mask |= 0xFF << (8 * i)
			}
		}
		if len(k.lower) == 2 {
			bg := uint16(k.lower[0])<<8 | uint16(k.lower[1])
			p.bi[bg>>6] |= 1 << (bg & 63)
			p.add(&p.short[bg], k)
			continue
		}
		h := triHash(uint32(k.lower[0])<<16 | uint32(k.lower[1])<<8 | uint32(k.lower[2]))
		p.tri[h>>6] |= 1 << (h & 63)
		p.add(&p.long[h], k)
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
				if g := p.long[h]; g != 0 {
					p.verify(b, i-2, p.groups[g-1], fn)
				}
			}
		}
		if bg := uint16(t); p.bi[bg>>6]&(1<<(bg&63)) != 0 {
			p.verify(b, i-1, p.groups[p.short[bg]-1], fn)
		}
		// Two newlines start no keyword, nor do the newlines after
		// them: a binary's text is mostly such runs (archive.Text),
		// skipped a word at a time. The window is then all newlines.
		if uint16(t) == '\n'<<8|'\n' && !p.nlStart {
			if j := skipNewlines(b, i+1); j > i+1 {
				i, t = j-1, '\n'<<16|'\n'<<8|'\n'
			}
		}
	}
}

// skipNewlines returns the first offset from i on whose byte is not a
// newline, reading eight bytes at a time.
func skipNewlines(b []byte, i int) int {
	const nl8 = 0x0a0a0a0a0a0a0a0a
	for i+8 <= len(b) && binary.LittleEndian.Uint64(b[i:]) == nl8 {
		i += 8
	}
	for i < len(b) && b[i] == '\n' {
		i++
	}
	return i
}

// verify compares the keywords of one group at s: the four (lowered)
// bytes there against each keyword's head at once, then the rest of the
// keywords that agree. Past the end of b the word holds zeros, which no
// keyword's head has.
func (p *prefilter) verify(b []byte, s int, kws []keyword, fn func(id, start, end int)) {
	var w uint32
	for j, end := s, min(s+4, len(b)); j < end; j++ {
		w |= uint32(lowerTable[b[j]]) << (8 * (j - s))
	}
	for i := range kws {
		k := &kws[i]
		if w&k.mask != k.head {
			continue
		}
		e := s + len(k.lower)
		if e > len(b) {
			continue
		}
		ok := true
		for j := 4; j < len(k.lower); j++ {
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

// stats counts, over b, the positions where the prefilter had to look at
// keywords and the keywords it compared there (for the benchmark).
func (p *prefilter) stats(b []byte) (maybes, compares int) {
	if p.n == 0 || len(b) < 2 {
		return 0, 0
	}
	var t uint32 = uint32(lowerTable[b[0]])
	for i := 1; i < len(b); i++ {
		t = (t<<8 | uint32(lowerTable[b[i]])) & 0xFFFFFF
		if i >= 2 {
			if h := triHash(t); p.tri[h>>6]&(1<<(h&63)) != 0 {
				if g := p.long[h]; g != 0 {
					maybes++
					compares += len(p.groups[g-1])
				}
			}
		}
		if bg := uint16(t); p.bi[bg>>6]&(1<<(bg&63)) != 0 {
			maybes++
			compares += len(p.groups[p.short[bg]-1])
		}
	}
	return maybes, compares
}
