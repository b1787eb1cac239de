package archive

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// MinRun is the shortest run of printable characters [Strings] keeps.
const MinRun = 8

// printableByte is the table of the bytes a run is made of: printable
// ASCII and the tab.
var printableByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = true
	}
	t['\t'] = true
	return t
}()

// Strings is the printable text of binary content, as strings(1) finds
// it, made as the content is written: the runs of at least [MinRun]
// printable ASCII characters (and tabs), in order, each on a line of its
// own; then the runs of UTF-16 text (either byte order), each after a
// newline, those whose pairs start at even offsets first. A NUL at the
// start of a text file thus hides nothing.
//
// Line numbers are those of the content with every byte outside an ASCII
// run made a newline: a run's line tells where it sits. The text keeps
// a gap of up to [MaxGap] bytes between two runs as that many newlines,
// so that a secret written over several lines of a padded string table
// reads as it did, and cuts a longer gap to MaxGap newlines;
// [Strings.Lines] turns its line numbers back into the content's.
//
// Its memory is its text and a window of the content (256 KiB; more only
// while a run of printable bytes and zeros goes on), whatever the
// content's size: a history scan streams a large binary through it
// instead of holding it. It looks at one byte in MinRun until it meets a
// printable one, so random bytes and machine code go by at several
// hundred MB/s (BenchmarkStrings).
type Strings struct {
	win      []byte // content written and not yet read: from offset off
	off      int64
	text     []byte    // the text being written
	full     [][]byte  // the parts of it written before (see room)
	wide     [2][]byte // the UTF-16 runs by the parity of their offset
	gap      int64     // bytes outside runs since the last run kept
	lines    int       // newlines in text
	shifts   []byte    // where text's line numbers leave the content's (shift)
	last     shift     // the last shift written
	size     int64     // bytes written
	runBytes int64     // bytes in ASCII runs
	done     bool
}

// shift says that from text line from on, the content's line numbers are
// add more than text's. Strings.shifts holds them in order, each as two
// uvarints: from and add less the previous shift's (a few bytes for
// each gap between two runs, where a binary has tens of thousands).
type shift struct{ from, add int }

// stringsWindow is the window Strings reads content through.
const stringsWindow = 256 << 10

// MaxGap is the most newlines [Strings] writes for a gap between two
// runs. Sixteen keeps the alignment padding of compiled string tables
// (to 8 or 16 bytes): a private key whose lines sit in such a table has
// the text, and the fingerprint, it had when every byte outside a run
// was a newline. An executable's text is about a quarter of its size
// (10 MB: 2.6 MB; 2.2 MB with gaps cut to two).
const MaxGap = 16

// NewStrings is an empty Strings that reads through win's memory (a
// window that [Strings.Close] gave back; nil: its own).
func NewStrings(win []byte) *Strings {
	if cap(win) < stringsWindow {
		return &Strings{}
	}
	return &Strings{win: win[:0]}
}

// StringsOf is the Strings of b, read whole.
func StringsOf(b []byte) *Strings {
	s := &Strings{size: int64(len(b))}
	s.read(b)
	s.Close()
	return s
}

// Write adds p to the content and never fails; after Close it panics.
// Content is read up to the last byte that no run can cross, the rest
// kept for the next write.
func (s *Strings) Write(p []byte) (int, error) {
	if s.done {
		panic("archive: Strings.Write after Close")
	}
	n := len(p)
	s.size += int64(n)
	for len(p) > 0 {
		if s.win == nil {
			s.win = make([]byte, 0, stringsWindow)
		}
		k := copy(s.win[len(s.win):cap(s.win)], p)
		s.win, p = s.win[:len(s.win)+k], p[k:]
		if len(s.win) < cap(s.win) {
			break
		}
		c := lastCut(s.win)
		if c <= 0 {
			// No cut in the window: the run goes on; read it whole
			// when it ends.
			s.win = slices.Grow(s.win, len(s.win))
			continue
		}
		s.read(s.win[:c])
		s.off += int64(c)
		rest := s.win[c:]
		switch {
		case len(rest) > cap(s.win)/2: // most of the window: grow it
			s.win = slices.Grow(s.win[:copy(s.win, rest)], cap(s.win))
		case cap(s.win) > stringsWindow && len(rest) <= stringsWindow/2:
			// The long run has ended: back to a window of the usual
			// size, not one of the run's kept for the rest.
			s.win = append(make([]byte, 0, stringsWindow), rest...)
		default:
			s.win = s.win[:copy(s.win, rest)]
		}
	}
	return n, nil
}

// lastCut is the end of b's longest prefix that no run crosses out of:
// one that ends with a byte that belongs to no ASCII run and to no
// UTF-16 pair of a printable byte and a zero, the unit of a UTF-16 run:
// a byte neither printable nor zero, or a zero after a zero (the padding
// that fills much of an executable). 0 when there is none.
func lastCut(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if c := b[i]; !printableByte[c] && (c != 0 || i > 0 && b[i-1] == 0) {
			return i + 1
		}
	}
	return 0
}

// read reads b, which starts at offset s.off and ends where no run
// crosses.
func (s *Strings) read(b []byte) {
	end := 0
	runs(b, func(start, e int) {
		s.gap += int64(start - end)
		s.room(MaxGap + e - start)
		s.newlines(s.gap)
		s.text = append(s.text, b[start:e]...)
		s.runBytes += int64(e - start)
		s.gap, end = 0, e
	})
	s.gap += int64(len(b) - end)
	for align := range 2 {
		p := (s.off + int64(align)) % 2
		s.wide[p] = utf16Runs(s.wide[p], b, align)
	}
}

// room makes room in text for n more bytes. The text is written in
// parts, each twice the size of the one before up to 1 MiB, and joined
// once when it ends: a slice grown by append is copied at every growth
// (by a quarter, for a large one) into fresh memory, and fresh memory
// costs more to touch than to copy into (about 15 µs a page on a shared
// machine): about five times the text's size, against two.
func (s *Strings) room(n int) {
	if len(s.text)+n <= cap(s.text) {
		return
	}
	if len(s.text) > 0 {
		s.full = append(s.full, s.text)
	}
	s.text = make([]byte, 0, max(n, min(2*cap(s.text), 1<<20), 4<<10))
}

// newlines writes the newlines of a gap of n bytes: n, at most MaxGap.
func (s *Strings) newlines(n int64) {
	k := min(n, MaxGap)
	s.room(int(k))
	for range k {
		s.text = append(s.text, '\n')
	}
	s.lines += int(k)
	if n > k {
		next := shift{s.lines + 1, s.last.add + int(n-k)}
		s.shifts = binary.AppendUvarint(s.shifts, uint64(next.from-s.last.from))
		s.shifts = binary.AppendUvarint(s.shifts, uint64(next.add-s.last.add))
		s.last = next
	}
}

// Close ends the content and gives back the window it was read
// through, for another Strings (nil when it grew: a long run's window is
// not kept). Text may follow; Write may not. Closing again gives nil.
func (s *Strings) Close() []byte {
	if s.done {
		return nil
	}
	s.done = true
	s.read(s.win)
	win := s.win
	s.win = nil
	if cap(win) > stringsWindow {
		win = nil // a long run's: not kept, nor given back
	}
	s.newlines(s.gap)
	s.gap = 0
	if len(s.wide[1]) > 0 {
		s.wide[0], s.wide[1] = append(s.wide[0], s.wide[1]...), nil
	}
	if len(s.full) > 0 {
		n := len(s.text)
		for _, p := range s.full {
			n += len(p)
		}
		t := make([]byte, 0, n)
		for _, p := range s.full {
			t = append(t, p...)
		}
		s.text, s.full = append(t, s.text...), nil
	}
	return win[:0]
}

// Size is the number of bytes written.
func (s *Strings) Size() int64 { return s.size }

// Text ends the content and returns its ASCII runs (text) and its UTF-16
// runs (wide), as [Strings] describes them. The wide text's first line
// is line TextLines()+1.
func (s *Strings) Text() (text, wide []byte) {
	s.Close()
	return s.text, s.wide[0]
}

// TextLines is the number of lines before the UTF-16 runs: one for each
// byte of the content outside an ASCII run.
func (s *Strings) TextLines() int { return int(s.size - s.runBytes) }

// Lines maps text's line numbers to the content's ([LineMap.Line]);
// cheapest for numbers asked in order.
func (s *Strings) Lines() *LineMap { return &LineMap{shifts: s.shifts} }

// A LineMap turns line numbers of a [Strings]' text into the content's.
type LineMap struct {
	shifts []byte
	i      int   // shifts read
	cur    shift // the last shift read (zero: none yet)
	next   shift // the one at i, when i < len(shifts)
	peeked bool
}

// Line is the content's line number of line l (1-based) of the text.
func (m *LineMap) Line(l int) int {
	if l < m.cur.from {
		*m = LineMap{shifts: m.shifts} // back: read again from the start
	}
	for {
		if !m.peeked {
			if m.i >= len(m.shifts) {
				break
			}
			df, n := binary.Uvarint(m.shifts[m.i:])
			da, k := binary.Uvarint(m.shifts[m.i+n:])
			m.i += n + k
			m.next, m.peeked = shift{m.cur.from + int(df), m.cur.add + int(da)}, true
		}
		if m.next.from > l {
			break
		}
		m.cur, m.peeked = m.next, false
	}
	return l + m.cur.add
}

// runs calls fn with the bounds of each run of at least MinRun
// printable bytes of b, in order. It reads b 64 bytes at a time as a
// mask of its printable bytes (printableBits), and looks for runs only
// in a block whose mask holds MinRun ones in a row or ends with ones: in
// random bytes (compressed data, packs) about one block in a hundred.
// Probing one byte in MinRun, as it did, mispredicted a branch on about
// a third of the probes there (1 GB/s; this, 3 GB/s).
func runs(b []byte, fn func(start, end int)) {
	start := -1 // the run that reached the end of the last block, or -1
	for o := 0; o < len(b); o += 64 {
		var m uint64
		if len(b)-o >= 64 {
			blk := b[o : o+64]
			for i := range 8 {
				m |= printableBits(binary.LittleEndian.Uint64(blk[8*i:])) << (8 * i)
			}
		} else {
			for i, c := range b[o:] {
				if printableByte[c] {
					m |= 1 << i
				}
			}
		}
		if start >= 0 {
			// The run goes on through the block's first ones.
			lead := bits.TrailingZeros64(^m)
			if lead == 64 {
				continue
			}
			if o+lead-start >= MinRun {
				fn(start, o+lead)
			}
			start = -1
			m &^= 1<<lead - 1
		}
		// The ones that end the block may go on in the next one.
		if top := bits.LeadingZeros64(^m); top > 0 {
			start = o + 64 - top
			m &^= ^uint64(0) << (64 - top)
		}
		// w: where MinRun ones in a row begin (MinRun is 8).
		w := m & (m >> 1)
		w &= w >> 2
		w &= w >> 4
		for w != 0 {
			// The lowest such place begins a run: the bit below it is
			// zero, or the place below would begin MinRun ones too.
			s := bits.TrailingZeros64(w)
			n := bits.TrailingZeros64(^(m >> s)) // < 64-s: m's top is clear
			fn(o+s, o+s+n)
			w &^= 1<<(s+n) - 1
		}
	}
	if start >= 0 && len(b)-start >= MinRun {
		fn(start, len(b))
	}
}

// printableBits is the mask of w's printable bytes ([printableByte]):
// bit i for byte i, w read little endian.
func printableBits(w uint64) uint64 {
	const (
		ones  = 0x0101010101010101
		low7  = 0x7f7f7f7f7f7f7f7f
		highs = 0x8080808080808080
	)
	l := w & low7
	// High bit set where the byte is below 0x80 and its low seven bits
	// are at least 0x20 and not 0x7f; or where the byte is a tab.
	p := (l + (0x80-0x20)*ones) &^ (l + (0x80-0x7f)*ones) &^ w & highs
	t := w ^ '\t'*ones
	p |= ^((t&low7 + low7) | t | low7)
	// One bit per byte, gathered into the low eight.
	return (p >> 7) * 0x0102040810204080 >> 56
}

// nextProbe is where runs' loop goes on after a run ending at end
// (exclusive) found from probe p: the first probe at or after end, less
// the MinRun the loop adds.
func nextProbe(p, end int) int {
	if end < p+MinRun {
		return p
	}
	return end + (2*MinRun-1-end%MinRun)%MinRun - MinRun
}

// utf16Runs appends to out the runs of UTF-16 text in b whose pairs
// start at offset align (0 or 1), each after a newline: a printable byte
// and a zero byte, repeated (little endian from an even offset, big
// endian from an odd one and back). A pair is the unit here, and the
// same skipping as runs' applies to pairs.
func utf16Runs(out, b []byte, align int) []byte {
	pairs := (len(b) - align) / 2
	unit := func(k int) bool {
		i := align + 2*k
		return printableByte[b[i]] && b[i+1] == 0
	}
	for k, floor := MinRun-1, 0; k < pairs; k += MinRun {
		// unit(k), inline: most probes stop at the zero byte.
		if i := align + 2*k; b[i+1] != 0 || !printableByte[b[i]] {
			continue
		}
		start, end := k, k+1
		for start > floor && unit(start-1) {
			start--
		}
		for end < pairs && unit(end) {
			end++
		}
		if end-start >= MinRun {
			out = append(out, '\n')
			for j := start; j < end; j++ {
				out = append(out, b[align+2*j])
			}
		}
		floor = end
		k = nextProbe(k, end)
	}
	return out
}
