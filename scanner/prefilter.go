package scanner

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// prefilter finds every occurrence of a set of keywords, ASCII
// case-insensitively, overlapping ones included, in order of start.
//
// Each position's last three bytes (lowered) are hashed into a 64 Ki-bit
// set of the keywords' first three bytes: 8 KiB, so it stays in the L1
// cache, and in source code it says "maybe" at a few percent of positions.
// Only then are the keywords that start with those bytes compared.
// Two-byte keywords have their own small set. Keywords of one byte are not
// supported (none is useful).
//
// The sets are exact over their 16-bit keys, so a key's group of
// keywords is found by its rank among the set's keys: the keys before its
// word and the bits below it in its word. Every process builds the
// prefilter, a pre-commit hook's included: 20 KiB of tables, where a
// table of every key's group took 256 KiB to clear and fault in.
type prefilter struct {
	tri   keySet      // hashed first trigrams of keywords of 3+ bytes
	bi    keySet      // bigrams of 2-byte keywords
	long  [][]keyword // the groups of tri's keys, in key order
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

func triHash(t uint32) uint32 { return (t * 0x9E3779B1) >> 16 }

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
	long, short := map[uint32][]keyword{}, map[uint32][]keyword{}
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
			bg := uint32(k.lower[0])<<8 | uint32(k.lower[1])
			short[bg] = append(short[bg], k)
			continue
		}
		h := triHash(uint32(k.lower[0])<<16 | uint32(k.lower[1])<<8 | uint32(k.lower[2]))
		long[h] = append(long[h], k)
	}
	p.long = p.tri.index(long)
	p.short = p.bi.index(short)
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
			if h := triHash(t); p.tri.has(h) {
				p.verify(b, i-2, p.long[p.tri.rank(h)], fn)
			}
		}
		if bg := t & 0xFFFF; p.bi.has(bg) {
			p.verify(b, i-1, p.short[p.bi.rank(bg)], fn)
		}
		// Two newlines start no keyword, nor do the newlines after
		// them: runs of them (blank lines, the gaps of a binary's text
		// before archive.Strings kept them short) are skipped a word at
		// a time. The window is then all newlines.
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
			if h := triHash(t); p.tri.has(h) {
				maybes++
				compares += len(p.long[p.tri.rank(h)])
			}
		}
		if bg := t & 0xFFFF; p.bi.has(bg) {
			maybes++
			compares += len(p.short[p.bi.rank(bg)])
		}
	}
	return maybes, compares
}
