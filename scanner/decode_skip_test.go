package scanner

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"testing"
)

// encodedBytewise is findEncoded as it was before quietUntil: every byte
// outside a run looked at in turn. The reference quietUntil must agree
// with.
func encodedBytewise(b []byte) []encodedRun {
	var out []encodedRun
	eachEncodedPassing(b, func(r *encodedRun) { out = append(out, *r) }, func(_ []byte, i int) int { return i })
	return out
}

func sameRuns(t *testing.T, b []byte) {
	t.Helper()
	got, want := findEncoded(b), encodedBytewise(b)
	if len(got) != len(want) {
		t.Fatalf("%q:\n got %d runs %v\nwant %d runs %v", b, len(got), spans(got), len(want), spans(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.start != w.start || g.end != w.end || g.kind != w.kind || !bytes.Equal(g.decoded, w.decoded) || !slices.Equal(g.off, w.off) || !slices.Equal(g.pieces, w.pieces) {
			t.Fatalf("%q: run %d: got %v, want %v", b, i, spans(got[i:i+1]), spans(want[i:i+1]))
		}
	}
}

func spans(rs []encodedRun) [][3]any {
	var out [][3]any
	for _, r := range rs {
		out = append(out, [3]any{r.start, r.end, r.kind})
	}
	return out
}

// TestQuietUntilMatchesBytewise: eachEncoded finds the runs it found
// reading every byte, in random text made of what its cases look at
// (base64 and hex runs of every length around 16, padding, wrapped
// lines, escapes, stops), of lengths that cross its 64-byte blocks, and
// in real source.
func TestQuietUntilMatchesBytewise(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	text := base64.StdEncoding.EncodeToString([]byte("a decoded secret of printable text, long enough to wrap over lines of base64"))
	pieces := []string{
		"=", "==", "\n", "\r\n", " ", "\t", "\"", "'", ".", ":", "%", "%4", "%41", "%4g", `\`, `\u`, `\u0041`, `\x41`, `\n`,
		"-", "_", "+", "/", "deadbeef", "DEADBEEF", "0123456789abcdef", "sk", "\n\n\n", "\x00", "\xff",
		text[:16], text[:17], text[:40], text[:44], text[:64], text, hex.EncodeToString([]byte("printable hex text")),
	}
	for n := 0; n < 20000; n++ {
		var b []byte
		for len(b) < 400 && r.IntN(24) > 0 {
			switch r.IntN(3) {
			case 0: // a run of one class, of a length near 16 or across a block
				l := []int{14, 15, 16, 17, 31, 32, 33, 63, 64, 65}[r.IntN(10)]
				alpha := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
				if r.IntN(2) == 0 {
					alpha = "0123456789abcdef"
				}
				for range l {
					b = append(b, alpha[r.IntN(len(alpha))])
				}
			default:
				b = append(b, pieces[r.IntN(len(pieces))]...)
			}
		}
		sameRuns(t, b)
		// And from every offset of the first block, so that runs and
		// escapes fall on each of a block's positions.
		if n < 200 {
			for o := 1; o < min(len(b), 70); o++ {
				sameRuns(t, b[o:])
			}
		}
	}
	t.Run("go source", func(t *testing.T) {
		corpus := benchCorpus(t)
		for o := 0; o < len(corpus); o += 64 << 10 {
			sameRuns(t, corpus[o:min(o+64<<10, len(corpus))])
		}
	})
}

// TestClassBits: every byte value at every position of a word, and
// random words, against byteClass.
func TestClassBits(t *testing.T) {
	check := func(w uint64) {
		b64, esc := classBits(w)
		for i := range 8 {
			c := byte(w >> (8 * i))
			if got, want := b64>>i&1 == 1, byteClass[c]&clsB64 != 0; got != want {
				t.Fatalf("%#x: byte %d (%q): base64 %v, want %v", w, i, c, got, want)
			}
			if got, want := esc>>i&1 == 1, byteClass[c]&clsEsc != 0; got != want {
				t.Fatalf("%#x: byte %d (%q): escape %v, want %v", w, i, c, got, want)
			}
		}
		if b64>>8 != 0 || esc>>8 != 0 {
			t.Fatalf("%#x: bits past the eighth", w)
		}
	}
	r := rand.New(rand.NewPCG(7, 8))
	for c := range 256 {
		for i := range 8 {
			// The byte among random neighbours, and among its own kind.
			check(r.Uint64()&^(0xff<<(8*i)) | uint64(c)<<(8*i))
			check(uint64(c) * 0x0101010101010101)
		}
	}
	for range 200000 {
		check(r.Uint64())
	}
}
