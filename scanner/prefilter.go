package scanner

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// prefilter finds every occurrence of a set of keywords, ASCII
// case-insensitively, overlapping ones included, in order of start.
//
// At each position the next three bytes (lowered) are hashed into a 64
// Ki-bit set of the keywords' first three bytes: 8 KiB, so it stays in
// the L1 cache. Where it says "maybe" (at about one position in ten of
// source code: "con", "str", "int" and "cli" begin common words as well
// as keywords), the next four bytes are looked up in a second set, of the
// first four bytes of the keywords of four bytes or more, which says
// maybe at about one position in twenty; only then are the keywords that
// start with those bytes compared. Comparing the keywords of every
// three-byte maybe was 45 % of the prefilter's time in source code.
// Keywords of three bytes are compared at their trigram's maybe, and
// those of two have a set of their own. Keywords of one byte are not
// supported (none is useful).
//
// The sets are exact over their 16-bit keys, so a key's group of
// keywords is found by its rank among the set's keys: the keys before its
// word and the bits below it in its word. Every process builds the
// prefilter, a pre-commit hook's included: 30 KiB of tables, where a
// table of every key's group took 256 KiB to clear and fault in.
type prefilter struct {
	tri   keySet      // hashed first three bytes of keywords of 3+ bytes
	quad  keySet      // hashed first four bytes of keywords of 4+ bytes
	bi    keySet      // keywords of 2 bytes
	mid   [][]keyword // the 3-byte keywords of tri's keys, in key order
	long  [][]keyword // the groups of quad's keys, in key order
	short [][]keyword // the groups of bi's keys
	n     int
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

// keyHash hashes three or four bytes (big-endian in t) to a 16-bit key.
func keyHash(t uint32) uint32 { return (t * 0x9E3779B1) >> 16 }

// keySet is a set of 16-bit keys: a bit per key (8 KiB, read at every
// position), and for each word of bits the number of keys in the words
// before it (read only for a key in the set).
type keySet struct {
	bits [1 << 10]uint64
	base [1 << 10]uint16
}

func (s *keySet) has(key uint32) bool { return s.bits[key>>6]&(1<<(key&63)) != 0 }

// rank is the number of keys of s below key.
func (s *keySet) rank(key uint32) int {
	return int(s.base[key>>6]) + bits.OnesCount64(s.bits[key>>6]&(1<<(key&63)-1))
}

// index fills s with the keys of groups and returns the groups in key
// order.
func (s *keySet) index(groups map[uint32][]keyword) [][]keyword {
	keys := make([]uint32, 0, len(groups))
	// Written before the keys are ORed in: read first, fresh memory maps
	// the zero page, and the first write copies it and flushes every
	// other CPU's TLB.
	clear(s.bits[:])
	for h := range groups {
		keys = append(keys, h)
		s.bits[h>>6] |= 1 << (h & 63)
	}
	slices.Sort(keys)
	out := make([][]keyword, len(keys))
	for i, h := range keys {
		out[i] = groups[h]
	}
	n := 0
	for w := range s.bits {
		s.base[w] = uint16(n) // at most 65,472: the keys of 1,023 words
		n += bits.OnesCount64(s.bits[w])
	}
	return out
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
	long, mid, short := map[uint32][]keyword{}, map[uint32][]keyword{}, map[uint32][]keyword{}
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
		var t uint32 // the first four bytes, big-endian
		for i := range min(4, len(k.lower)) {
			t |= uint32(k.lower[i]) << (24 - 8*i)
		}
		if len(k.lower) == 2 {
			short[t>>16] = append(short[t>>16], k)
			continue
		}
		h := keyHash(t >> 8)
		if len(k.lower) == 3 {
			mid[h] = append(mid[h], k)
			continue
		}
		if _, ok := mid[h]; !ok {
			mid[h] = nil // in tri's set, with no 3-byte keyword of its own
		}
		h = keyHash(t)
		long[h] = append(long[h], k)
	}
	p.long = p.quad.index(long)
	p.mid = p.tri.index(mid)
	p.short = p.bi.index(short)
	return p
}

// next4 is b's four (lowered) bytes from i, big-endian, zeros past its end.
func next4(b []byte, i int) uint32 {
	var t uint32
	for j := i; j < i+4; j++ {
		t <<= 8
		if j < len(b) {
			t |= uint32(lowerTable[b[j]])
		}
	}
	return t
}

// each calls fn for every keyword occurrence b[start:end]: at each start,
// those of two bytes, then three, then more.
func (p *prefilter) each(b []byte, fn func(id, start, end int)) {
	if p.n == 0 || len(b) < 2 {
		return
	}
	lt := &lowerTable
	t := next4(b, 0) // the bytes from s on (past the end zeros: verify checks the end)
	for s := 0; s < len(b)-1; s++ {
		if bg := t >> 16; bg == '\n'<<8|'\n' && !p.nlStart {
			// Two newlines start no keyword, nor do the newlines after
			// them but the last: runs of them (blank lines, the gaps of a
			// binary's text before archive.Strings kept them short) are
			// skipped a word at a time.
			s = skipNewlines(b, s+2) - 1
			t = next4(b, s)
		}
		if bg := t >> 16; p.bi.has(bg) {
			p.verify(b, s, p.short[p.bi.rank(bg)], fn)
		}
		if h := keyHash(t >> 8); p.tri.has(h) {
			if m := p.mid[p.tri.rank(h)]; len(m) > 0 {
				p.verify(b, s, m, fn)
			}
			if h := keyHash(t); p.quad.has(h) {
				p.verify(b, s, p.long[p.quad.rank(h)], fn)
			}
		}
		t <<= 8
		if s+4 < len(b) {
			t |= uint32(lt[b[s+4]])
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
	for s := 0; s < len(b)-1; s++ {
		t := next4(b, s)
		if bg := t >> 16; p.bi.has(bg) {
			maybes++
			compares += len(p.short[p.bi.rank(bg)])
		}
		if h := keyHash(t >> 8); p.tri.has(h) {
			if m := p.mid[p.tri.rank(h)]; len(m) > 0 {
				maybes++
				compares += len(m)
			}
			if h := keyHash(t); p.quad.has(h) {
				maybes++
				compares += len(p.long[p.quad.rank(h)])
			}
		}
	}
	return maybes, compares
}
