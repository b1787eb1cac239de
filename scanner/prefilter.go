package scanner

import (
	"encoding/binary"
	"math/bits"
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
// three-byte maybe was about half the prefilter's time in source code.
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

// fill sets the bits of keys but noKey (s is empty) and counts them into
// base.
func (s *keySet) fill(keys []uint32) {
	// Written before the keys are ORed in: read first, fresh memory maps
	// the zero page, and the first write copies it and flushes every
	// other CPU's TLB.
	clear(s.bits[:])
	for _, h := range keys {
		if h != noKey {
			s.bits[h>>6] |= 1 << (h & 63)
		}
	}
	n := 0
	for w := range s.bits {
		s.base[w] = uint16(n) // at most 65,472: the keys of 1,023 words
		n += bits.OnesCount64(s.bits[w])
	}
}

// size is the number of keys of s.
func (s *keySet) size() int {
	last := len(s.bits) - 1
	return int(s.base[last]) + bits.OnesCount64(s.bits[last])
}

// groups is the keywords of s's keys by rank: kws[i] belongs to the key
// keys[i] (none when it is noKey), and keeps its order (of ids) within
// its group.
// One array holds them all, counted into place: no map of groups, no
// sort (a hook's start-up).
func (s *keySet) groups(kws []keyword, keys []uint32) [][]keyword {
	end := make([]int, s.size()+1) // end[r+1]: the end of rank r's group
	for _, h := range keys {
		if h != noKey {
			end[s.rank(h)+1]++
		}
	}
	for r := 1; r < len(end); r++ {
		end[r] += end[r-1]
	}
	all := make([]keyword, end[len(end)-1])
	out := make([][]keyword, len(end)-1)
	for r := range out {
		out[r] = all[end[r]:end[r]:end[r+1]]
	}
	for i, h := range keys {
		if h != noKey {
			r := s.rank(h)
			out[r] = append(out[r], kws[i])
		}
	}
	return out
}

// noKey marks a keyword without a key in a set ([keySet.groups]).
const noKey = 1 << 16

// newPrefilter indexes patterns (two bytes or more); the id of a match is
// the pattern's index.
func newPrefilter(pats []string) *prefilter {
	p := &prefilter{n: len(pats)}
	size := 0
	for _, s := range pats {
		size += len(s)
	}
	lowered := make([]byte, 0, size) // every keyword's bytes, one allocation
	kws := make([]keyword, 0, len(pats))
	// Each keyword's key in the sets of two, three and four bytes, or
	// noKey: bi for a keyword of two bytes; tri for one of three or more,
	// mid for one of three; quad for one of four or more.
	bi, tri, mid, quad := make([]uint32, 0, len(pats)), make([]uint32, 0, len(pats)), make([]uint32, 0, len(pats)), make([]uint32, 0, len(pats))
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
		kws = append(kws, k)
		var t uint32 // the first four bytes, big-endian
		for i := range min(4, len(k.lower)) {
			t |= uint32(k.lower[i]) << (24 - 8*i)
		}
		kb, kt, km, kq := uint32(noKey), uint32(noKey), uint32(noKey), uint32(noKey)
		switch {
		case len(s) == 2:
			kb = t >> 16
		case len(s) == 3:
			kt, km = keyHash(t>>8), keyHash(t>>8)
		default:
			kt, kq = keyHash(t>>8), keyHash(t)
		}
		bi, tri, mid, quad = append(bi, kb), append(tri, kt), append(mid, km), append(quad, kq)
	}
	p.bi.fill(bi)
	p.tri.fill(tri)
	p.quad.fill(quad)
	p.short = p.bi.groups(kws, bi)
	p.mid = p.tri.groups(kws, mid) // tri's keys, with the keywords of three bytes
	p.long = p.quad.groups(kws, quad)
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

// each calls fn for every keyword occurrence b[start:end], in order of
// start; at one start, the keywords of two bytes, then the longer ones,
// each in the order of their ids (the patterns' order), as when one set
// held every keyword of three bytes or more: the detector's assignment
// rules take the first of their keywords to reach a name.
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
			m := p.mid[p.tri.rank(h)]
			var l []keyword
			if h := keyHash(t); p.quad.has(h) {
				l = p.long[p.quad.rank(h)]
			}
			switch {
			case len(l) == 0:
				p.verify(b, s, m, fn)
			case len(m) == 0:
				p.verify(b, s, l, fn)
			default: // rare: "pat" and "patreon" at one start
				p.verifyMerged(b, s, m, l, fn)
			}
		}
		t <<= 8
		if s+4 < len(b) {
			t |= uint32(lt[b[s+4]])
		}
	}
}

// verifyMerged verifies the keywords of m and l (groups, each in id
// order) at s in id order.
func (p *prefilter) verifyMerged(b []byte, s int, m, l []keyword, fn func(id, start, end int)) {
	for len(m) > 0 || len(l) > 0 {
		if len(l) == 0 || len(m) > 0 && m[0].id < l[0].id {
			p.verify(b, s, m[:1], fn)
			m = m[1:]
		} else {
			p.verify(b, s, l[:1], fn)
			l = l[1:]
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
// keywords that agree. Past the end of b the word holds zeros; a keyword
// that reaches past the end is skipped.
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

// stats counts, over b, the groups of keywords the prefilter compared
// and the keywords in them (for the benchmark; it reads the runs of
// newlines that each skips).
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
