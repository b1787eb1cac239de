package archive

// MinRun is the shortest run of printable characters [Text] keeps.
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

// Text is the printable text of binary content, as strings(1) finds it:
// runs of at least [MinRun] printable ASCII characters keep their byte
// offsets and every other byte becomes a newline, so each run is a line
// of its own; then the runs of UTF-16 text (either byte order), one per
// line. A NUL at the start of a text file thus hides nothing.
//
// It looks at one byte in MinRun until it meets a printable one: a run
// of MinRun bytes or more holds a byte whose offset is MinRun-1 modulo
// MinRun, so the others are read only around such a byte. Random bytes
// and machine code go by at several hundred MB/s (BenchmarkText).
func Text(b []byte) []byte {
	out := make([]byte, len(b), len(b)+len(b)/8)
	fill(out)
	runs(b, func(start, end int) { copy(out[start:end], b[start:end]) })
	return utf16Runs(out, b)
}

// nextProbe is where Text's loop goes on after a run ending at end
// (exclusive) found from probe p: the first probe at or after end, less
// the MinRun the loop adds.
func nextProbe(p, end int) int {
	if end < p+MinRun {
		return p
	}
	return end + (2*MinRun-1-end%MinRun)%MinRun - MinRun
}

// TextOver is [Text] made in b's own memory, in two parts: text is b,
// overwritten with its ASCII runs as Text keeps them, and wide the
// UTF-16 runs Text appends after them (each after a newline; usually
// empty). Their concatenation is Text(b). For content the caller no
// longer reads (a blob read for the scan alone): a large binary then
// costs no second buffer of its size.
func TextOver(b []byte) (text, wide []byte) {
	// The UTF-16 runs first: they are read from the bytes the ASCII
	// pass overwrites.
	wide = utf16Runs(nil, b)
	kept := 0
	runs(b, func(start, end int) {
		fill(b[kept:start])
		kept = end
	})
	fill(b[kept:])
	return b, wide
}

// fill sets every byte of b to a newline.
func fill(b []byte) {
	if len(b) == 0 {
		return
	}
	b[0] = '\n'
	for n := 1; n < len(b); n *= 2 {
		copy(b[n:], b[:n])
	}
}

// runs calls fn with the bounds of each run of at least MinRun
// printable bytes of b, in order.
func runs(b []byte, fn func(start, end int)) {
	for p, floor := MinRun-1, 0; p < len(b); p += MinRun {
		if !printableByte[b[p]] {
			continue
		}
		start, end := p, p+1
		for start > floor && printableByte[b[start-1]] {
			start--
		}
		for end < len(b) && printableByte[b[end]] {
			end++
		}
		if end-start >= MinRun {
			fn(start, end)
		}
		// The next run starts after this one's end (a non-printable
		// byte, or the end of b).
		floor = end
		p = nextProbe(p, end)
	}
}

// utf16Runs appends to out the runs of UTF-16 text in b, each after a
// newline: a printable byte and a zero byte, alternating (little endian
// from an even offset, big endian from an odd one and back). A pair is
// the unit here, and the same skipping as runs' applies to pairs.
func utf16Runs(out, b []byte) []byte {
	for align := 0; align < 2; align++ {
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
	}
	return out
}
