package scanner

import (
	"crypto/sha256"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// Known values are found without their plain text: every candidate token
// of the content is hashed and looked up among the inventory's
// fingerprints.
const (
	minKnownLen   = 8
	maxKnownLen   = 512
	maxDelimiters = 6
	maxSpanParts  = 4
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
		case '=', ':', '/', '.', '+', '~', '@', '%', '!', '*', '$', '&', '?', '#', '^':
			t[c] = tokWord | tokDelim
		}
	}
	return t
}()

// find hashes every token run of content, and the parts of each run
// between delimiters, and reports those that are known values.
func (kv knownValues) find(b []byte) []candidate {
	if len(kv.digests) == 0 {
		return nil
	}
	var out []candidate
	var cuts []int
	check := func(s, e int) {
		if e-s < minKnownLen || e-s > maxKnownLen || !secret.Findable(b[s:e]) {
			return
		}
		if ki, ok := kv.digests[sha256.Sum256(b[s:e])]; ok {
			out = append(out, candidate{
				keyIdx: ki, kind: kindKnown, start: s, end: e, mstart: s, mend: e,
				secret: string(b[s:e]), confidence: rules.High,
			})
		}
	}
	for i := 0; i < len(b); {
		if tokenClass[b[i]] == 0 {
			i++
			continue
		}
		j := i
		cuts = cuts[:0]
		cuts = append(cuts, i)
		for j < len(b) {
			cl := tokenClass[b[j]]
			if cl == 0 {
				break
			}
			if cl&tokDelim != 0 {
				cuts = append(cuts, j, j+1)
			}
			j++
		}
		cuts = append(cuts, j)
		if j-i >= minKnownLen {
			// cuts holds run start, then (delimiter, after-delimiter) pairs,
			// then run end: starts are cuts[0], cuts[2], ...; ends are
			// cuts[1], cuts[3], ...
			n := len(cuts) / 2
			all := n-1 <= maxDelimiters
			for a := 0; a < n; a++ {
				for z := a; z < n && (all || z-a <= maxSpanParts); z++ {
					check(cuts[2*a], cuts[2*z+1])
				}
				if !all {
					check(cuts[2*a], j)   // each suffix
					check(i, cuts[2*a+1]) // each prefix
				}
			}
		}
		i = j
	}
	return dedupeCands(out)
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
