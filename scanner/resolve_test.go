package scanner

import (
	"math/rand/v2"
	"testing"
)

// TestLineCursor: the line cursor gives the line and column of the line
// index it replaced, moving forward and back.
func TestLineCursor(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 4096)
	for i := range b {
		if rng.IntN(20) == 0 {
			b[i] = '\n'
		} else {
			b[i] = 'x'
		}
	}
	want := func(off int) (int, int) {
		line, start := 1, 0
		for i := 0; i < off; i++ {
			if b[i] == '\n' {
				line, start = line+1, i+1
			}
		}
		return line, off - start + 1
	}
	c := newLineCursor(b, 1)
	off := 0
	for range 2000 {
		switch rng.IntN(4) {
		case 0:
			off = max(0, off-rng.IntN(300)) // back, maybe lines back
		default:
			off = min(len(b)-1, off+rng.IntN(100))
		}
		gl, gc := c.pos(off)
		if wl, wc := want(off); gl != wl || gc != wc {
			t.Fatalf("pos(%d) = %d:%d, want %d:%d", off, gl, gc, wl, wc)
		}
	}
}
