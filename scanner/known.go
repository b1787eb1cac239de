package scanner

import (
	"crypto/sha256"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// Known values are found without their plain text: every candidate span
// of the content is hashed and looked up among the inventory's
// fingerprints. A value ends at a value boundary, not a word boundary:
// any delimiter, - and _ included, so a value glued into a longer name
// (svc-<value>_prod) is found.
const (
	minKnownLen = 8
	maxKnownLen = 512
	// A run with at most maxDelimiters delimiters has every span hashed;
	// a longer one, the spans of up to maxSpanParts+1 parts and the spans
	// that leave at most edgeParts parts at either end of the run (the
	// glue around a value that holds delimiters itself).
	maxDelimiters = 6
	maxSpanParts  = 4
	edgeParts     = 2
	// Runs longer than knownSegment bytes are hashed a segment at a
	// time, each overlapping the next by maxKnownLen: memory stays
	// bounded on a run of any length.
	knownSegment = 64 << 10
)

type knownValues struct {
	digests map[[32]byte]int // sha256 -> key index
}

func newKnownValues(keys []rules.Key) knownValues {
	kv := knownValues{}
	for i, k := range keys {
		for _, fp := range k.Fingerprints {
			d, ok := secret.ParseFingerprint(fp)
			if !ok {
				continue
			}
			if kv.digests == nil {
				kv.digests = map[[32]byte]int{}
			}
			kv.digests[d] = i
		}
	}
	return kv
}

// hasAlnum reports whether v holds a letter or a digit: a run of
// delimiters alone (a ruler of dashes) is not a value.
func hasAlnum(v []byte) bool {
	for _, c := range v {
		if tokenClass[c]&tokDelim == 0 && c != '_' {
			return true
		}
	}
	return false
}

// Token byte classes for known values, in a table: this loop sees every
// byte of the content.
const (
	tokWord  = 1 << iota // part of a value
	tokDelim             // part of a value, but may also separate one (k=v, a:b, URLs, JWT dots)
)

var tokenClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if isIdentByte(b) || b == '-' {
			t[c] = tokWord
		}
		switch b {
		case '=', ':', '/', '.', '+', '~', '@', '%', '!', '*', '$', '&', '?', '#', '^', '-', '_':
			t[c] = tokWord | tokDelim
		}
	}
	return t
}()

// find hashes the spans of every token run of content between value
// boundaries and reports those that are known values.
func (kv knownValues) find(b []byte) []candidate {
	if len(kv.digests) == 0 {
		return nil
	}
	cs, _ := kv.scan(b)
	return cs
}

// scan is find, also counting the spans it hashed.
func (kv knownValues) scan(b []byte) ([]candidate, int) {
	f := knownFinder{kv: kv, b: b}
	for i := 0; i < len(b); {
		if tokenClass[b[i]] == 0 {
			i++
			continue
		}
		// One pass over the run finds its end and its delimiters.
		// cuts: the start, then (delimiter, after-delimiter) pairs, then
		// the end: part a starts at cuts[2a] and part z ends at
		// cuts[2z+1].
		j := i
		cuts := append(f.cuts[:0], i)
		for j < len(b) {
			cl := tokenClass[b[j]]
			if cl == 0 {
				break
			}
			if cl&tokDelim != 0 && j-i < knownSegment {
				cuts = append(cuts, j, j+1)
			}
			j++
		}
		f.cuts = cuts
		switch {
		case j-i < minKnownLen:
		case len(cuts) == 1:
			f.check(i, j) // one part: one span
		case j-i <= maxCachedRun:
			// Source repeats its tokens (*testing.T, cipher suite names):
			// a run already seen without a known value is not hashed
			// again.
			if f.clean[string(b[i:j])] {
				break
			}
			f.cuts = append(f.cuts, j)
			found := len(f.out)
			f.spans(i, j, j, i, j)
			if len(f.out) == found {
				if f.clean == nil || len(f.clean) >= maxCachedRuns {
					f.clean = make(map[string]bool, 256)
				}
				f.clean[string(b[i:j])] = true
			}
		case j-i <= knownSegment:
			f.cuts = append(f.cuts, j)
			f.spans(i, j, j, i, j)
		default:
			for s := i; s < j; s += knownSegment {
				e := min(j, s+knownSegment+maxKnownLen)
				cuts := append(f.cuts[:0], s)
				for k := s; k < e; k++ {
					if tokenClass[b[k]]&tokDelim != 0 {
						cuts = append(cuts, k, k+1)
					}
				}
				f.cuts = append(cuts, e)
				f.spans(s, e, min(j, s+knownSegment), i, j)
			}
		}
		i = j
	}
	return dedupeCands(f.out), f.hashed
}

type knownFinder struct {
	kv     knownValues
	b      []byte
	cuts   []int
	out    []candidate
	hashed int
	clean  map[string]bool // runs seen without a known value
}

// Runs of several parts up to maxCachedRun bytes are remembered when
// clean, up to maxCachedRuns of them per content.
const (
	maxCachedRun  = 256
	maxCachedRuns = 1 << 12
)

// spans hashes the spans of b[s:e] (whose cuts are f.cuts) that start
// before limit, in the run b[i:j].
func (f *knownFinder) spans(s, e, limit, i, j int) {
	b, cuts := f.b, f.cuts
	n := len(cuts) / 2
	// A segment's edge inside a run is a boundary only next to a
	// delimiter.
	a0, zn := 0, n-1
	if s > i && tokenClass[b[s-1]]&tokDelim == 0 {
		a0 = 1
	}
	if e < j && tokenClass[b[e]]&tokDelim == 0 {
		zn = n - 2
	}
	all := s == i && e == j && n-1 <= maxDelimiters
	for a := a0; a < n && cuts[2*a] < limit; a++ {
		st := cuts[2*a]
		last := zn
		if !all {
			last = min(zn, a+maxSpanParts)
		}
		for z := a; z <= last; z++ {
			f.check(st, cuts[2*z+1])
		}
		if all {
			continue
		}
		switch {
		case s == i && a <= edgeParts: // the glue before a value: every end
			for z := last + 1; z <= zn && cuts[2*z+1]-st <= maxKnownLen; z++ {
				f.check(st, cuts[2*z+1])
			}
		case e == j: // the glue after it: the last ends
			for z := max(last+1, zn-edgeParts); z <= zn; z++ {
				f.check(st, cuts[2*z+1])
			}
		}
	}
}

func (f *knownFinder) check(s, e int) {
	if e-s < minKnownLen || e-s > maxKnownLen || !secret.Findable(f.b[s:e]) || !hasAlnum(f.b[s:e]) {
		return
	}
	f.hashed++
	if ki, ok := f.kv.digests[sha256.Sum256(f.b[s:e])]; ok {
		f.out = append(f.out, candidate{
			keyIdx: ki, kind: kindKnown, start: s, end: e, mstart: s, mend: e,
			secret: string(f.b[s:e]), confidence: rules.High,
		})
	}
}

func dedupeCands(cs []candidate) []candidate {
	if len(cs) < 2 {
		return cs
	}
	// Keep the widest of nested matches of the same key.
	out := cs[:0]
	for _, c := range cs {
		dup := false
		for k, o := range out {
			if overlaps(o, c) && o.keyIdx == c.keyIdx {
				if c.end-c.start > o.end-o.start {
					out[k] = c
				}
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out
}
