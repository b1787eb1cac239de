package archive

// MinRun is the shortest run of printable characters [Text] keeps.
const MinRun = 8

func printable(c byte) bool { return c >= 0x20 && c < 0x7f || c == '\t' }

// Text is the printable text of binary content, as strings(1) finds it:
// runs of at least [MinRun] printable ASCII characters keep their byte
// offsets and every other byte becomes a newline, so each run is a line
// of its own; then the runs of UTF-16 text (either byte order), one per
// line. A NUL at the start of a text file thus hides nothing.
func Text(b []byte) []byte {
	out := make([]byte, len(b), len(b)+len(b)/8)
	start := -1
	flush := func(end int) {
		if start >= 0 && end-start >= MinRun {
			copy(out[start:end], b[start:end])
		}
		start = -1
	}
	for i, c := range b {
		out[i] = '\n'
		if printable(c) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(b))
	// UTF-16: a printable byte and a zero byte, alternating (little
	// endian from an even offset, big endian from an odd one and back).
	for align := 0; align < 2; align++ {
		var run []byte
		end := func() {
			if len(run) >= MinRun {
				out = append(out, '\n')
				out = append(out, run...)
			}
			run = run[:0]
		}
		for i := align; i+1 < len(b); i += 2 {
			if printable(b[i]) && b[i+1] == 0 {
				run = append(run, b[i])
				continue
			}
			end()
		}
		end()
	}
	return out
}
