package archive

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestStringsLargeWindows: content of megabytes through the real window,
// written in pieces of random sizes (empty ones too), with runs far
// longer than the window: ASCII, UTF-16 in both byte orders and at
// either parity, zero padding, NUL-separated strings and noise. The text,
// its lines and the UTF-16 text are the reference's.
func TestStringsLargeWindows(t *testing.T) {
	r := rand.New(rand.NewPCG(36, 1))
	seg := func() []byte {
		n := r.IntN(600 << 10)
		var p []byte
		switch r.IntN(7) {
		case 0: // a long printable run
			p = bytes.Repeat([]byte("abcdefghij"), n/10+1)
		case 1: // UTF-16LE
			for range n / 2 {
				p = append(p, 'x', 0)
			}
		case 2: // zero padding
			p = make([]byte, n)
		case 3: // noise
			p = make([]byte, n)
			for i := range p {
				p[i] = byte(0x80 | r.IntN(128))
			}
		case 4: // UTF-16BE at an odd offset
			p = append(p, 1)
			for range n / 2 {
				p = append(p, 0, 'Q')
			}
		case 5: // NUL-terminated strings
			for range n / 9 {
				p = append(p, "abcdefgh\x00"...)
			}
		default:
			p = []byte{byte(r.IntN(256))}
		}
		return p
	}
	var win []byte
	for iter := range 12 {
		var b []byte
		for range 1 + r.IntN(8) {
			b = append(b, seg()...)
		}
		wantText, wantWide, lineOf := compactReference(b)
		s := NewStrings(win)
		for p := b; len(p) > 0; {
			n := min(len(p), r.IntN(400<<10))
			if r.IntN(5) == 0 {
				n = 0
			}
			s.Write(p[:n])
			p = p[n:]
		}
		win = s.Close()
		text, wide := s.Text()
		if !bytes.Equal(text, wantText) || !bytes.Equal(wide, wantWide) {
			t.Fatalf("content %d (%d bytes): text %d bytes, want %d; wide %d, want %d", iter, len(b), len(text), len(wantText), len(wide), len(wantWide))
		}
		m := s.Lines()
		for l, want := range lineOf {
			if got := m.Line(l); got != want {
				t.Fatalf("content %d: Line(%d) = %d, want %d", iter, l, got, want)
			}
		}
		if got, want := s.TextLines(), bytes.Count(textReference(b)[:len(b)], []byte{'\n'}); got != want {
			t.Fatalf("content %d: TextLines = %d, want %d", iter, got, want)
		}
		if cap(win) > stringsWindow {
			t.Fatalf("content %d: a window of %d bytes given back", iter, cap(win))
		}
	}
}

// TestStringsReusedWindow: a window given back and read through again
// leaves the text of the Strings that gave it back as it was.
func TestStringsReusedWindow(t *testing.T) {
	a := append(bytes.Repeat([]byte("AAAAAAAAAA\x01"), 50000), 0)
	b := append(bytes.Repeat([]byte("BBBBBBBBBB\x01"), 50000), 0)
	s1 := NewStrings(nil)
	s1.Write(a)
	win := s1.Close()
	if cap(win) != stringsWindow {
		t.Fatalf("window of %d bytes given back, want %d", cap(win), stringsWindow)
	}
	t1, w1 := s1.Text()
	keep, keepWide := bytes.Clone(t1), bytes.Clone(w1)
	s2 := NewStrings(win)
	s2.Write(b)
	s2.Close()
	if t1, w1 := s1.Text(); !bytes.Equal(t1, keep) || !bytes.Equal(w1, keepWide) {
		t.Fatal("the reused window changed the first text")
	}
}

// TestStringsWindowShrinks: a window grown for a long run goes back to
// its size when the run ends, instead of staying grown for the rest of
// the content.
func TestStringsWindowShrinks(t *testing.T) {
	s := NewStrings(nil)
	s.Write([]byte{0})
	s.Write(bytes.Repeat([]byte("abcdefgh"), 4<<20/8)) // 4 MiB printable
	if cap(s.win) < 4<<20 {
		t.Fatalf("window of %d bytes during a 4 MiB run", cap(s.win))
	}
	s.Write([]byte{1})
	noise := bytes.Repeat([]byte{0x81}, 8<<20)
	for p := noise; len(p) > 0; p = p[64<<10:] {
		s.Write(p[:64<<10])
	}
	if cap(s.win) > stringsWindow {
		t.Fatalf("window of %d bytes after the run, want %d", cap(s.win), stringsWindow)
	}
	if text, _ := s.Text(); !bytes.HasPrefix(text, []byte("\nabcdefgh")) {
		t.Fatalf("text begins %q", text[:min(len(text), 20)])
	}
}

// TestStringsEmpty: no content, or empty writes, give no text; Text twice
// gives the same.
func TestStringsEmpty(t *testing.T) {
	s := NewStrings(nil)
	s.Write(nil)
	s.Write([]byte{})
	if text, wide := s.Text(); len(text) != 0 || len(wide) != 0 || s.TextLines() != 0 {
		t.Fatalf("%q %q %d", text, wide, s.TextLines())
	}
	s = StringsOf([]byte("\x00a\x00b\x00c\x00d\x00e\x00f\x00g\x00h\x00\x01i\x00j\x00k\x00l\x00m\x00n\x00o\x00p\x00"))
	_, w1 := s.Text()
	w1 = bytes.Clone(w1)
	if _, w2 := s.Text(); !bytes.Equal(w1, w2) || len(w1) == 0 {
		t.Fatalf("%q, then %q", w1, w2)
	}
}

// naiveRuns is runs' definition, a byte at a time: the maximal runs of
// printable bytes of at least MinRun.
func naiveRuns(b []byte) [][2]int {
	var out [][2]int
	for i := 0; i < len(b); {
		if !printableByte[b[i]] {
			i++
			continue
		}
		j := i
		for j < len(b) && printableByte[b[j]] {
			j++
		}
		if j-i >= MinRun {
			out = append(out, [2]int{i, j})
		}
		i = j
	}
	return out
}

// TestRunsNaive: runs, which reads 64 bytes at a time through a mask,
// finds exactly the runs a byte-at-a-time reading does, whatever the
// length of the content and of its runs (7, 8, 63, 64, 65 and across
// blocks), their densities, tabs, DEL and bytes above 0x7f among them.
func TestRunsNaive(t *testing.T) {
	for c := range 256 {
		for i := range 8 {
			w := uint64(0x41) * 0x0101010101010101 // 'A' in every byte
			w = w&^(0xff<<(8*i)) | uint64(c)<<(8*i)
			if got, want := printableBits(w)>>i&1 == 1, printableByte[c]; got != want {
				t.Fatalf("printableBits: byte %#x at %d: %v, want %v", c, i, got, want)
			}
			if m := printableBits(w) &^ (1 << i); m != 0xff&^(1<<i) {
				t.Fatalf("printableBits: byte %#x at %d changed the others: %08b", c, i, m)
			}
		}
	}
	r := rand.New(rand.NewPCG(8, 64))
	alphabet := []byte("a\t\x7f\x80\xff\x00\n ~\x1f")
	for n := range 20000 {
		size := r.IntN(400)
		if n < 200 {
			size = n
		}
		b := make([]byte, size)
		dense := r.Float64()
		for i := range b {
			switch {
			case r.Float64() < dense:
				b[i] = 'x'
			case r.IntN(2) == 0:
				b[i] = alphabet[r.IntN(len(alphabet))]
			default:
				b[i] = byte(r.IntN(256))
			}
		}
		// Runs of exact lengths at exact offsets, about block edges.
		if len(b) > 0 && r.IntN(2) == 0 {
			at, k := r.IntN(len(b)), []int{7, 8, 9, 63, 64, 65, 128}[r.IntN(7)]
			for i := at; i < min(len(b), at+k); i++ {
				b[i] = 'y'
			}
		}
		var got [][2]int
		runs(b, func(s, e int) { got = append(got, [2]int{s, e}) })
		if want := naiveRuns(b); !slices.Equal(got, want) {
			t.Fatalf("content %q:\nruns  %v\nwant  %v", b, got, want)
		}
	}
}
