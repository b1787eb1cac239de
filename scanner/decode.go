package scanner

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"unicode/utf8"
)

// Encoded text is found by shape, decoded, and scanned again with one
// level less of depth. A finding inside decoded text points at the encoded
// text of its own secret: its span, mapped back into the parent content,
// so two secrets in one run are two findings at two places.
const (
	minBase64Len = 16
	minHexLen    = 16
	maxDecodeLen = 1 << 20
)

type encodedRun struct {
	start, end int
	kind       string
	decoded    []byte
	// off maps decoded offsets to content offsets where escapes vary in
	// width (percent, unicode): decoded[i] comes from content[off[i]:],
	// and off[len(decoded)] is the run's end. Base64 and hex map by
	// arithmetic and leave it nil.
	off []int
	// pieces are the lines of base64 wrapped across line breaks (PEM,
	// MIME, a k8s Secret's block), joined before decoding; nil for one
	// piece.
	pieces [][2]int
}

// outer maps a span of the decoded text to the encoded text that holds it.
func (r *encodedRun) outer(s, e int) (int, int) {
	switch {
	case r.off != nil:
		return r.off[s], r.off[e]
	case r.kind == "hex":
		return r.start + 2*s, r.start + 2*e
	default: // base64: 4 characters per 3 bytes; a character may carry bits of two bytes
		return r.b64pos(4 * s / 3), min(r.end, r.b64pos((4*e+2)/3-1)+1)
	}
}

// b64pos is the content offset of character c of the (joined) base64.
func (r *encodedRun) b64pos(c int) int {
	if r.pieces == nil {
		return r.start + c
	}
	for _, p := range r.pieces {
		if c < p[1]-p[0] {
			return p[0] + c
		}
		c -= p[1] - p[0]
	}
	return r.end
}

func (d *Detector) decodeAndDetect(path string, b []byte, depth int) []candidate {
	var out []candidate
	one := func(p string, r *encodedRun) {
		for _, c := range d.detect(p, r.decoded, depth-1) {
			c.start, c.end = r.outer(c.start, c.end)
			c.mstart, c.mend = r.outer(c.mstart, c.mend)
			c.decoded = append([]string{r.kind}, c.decoded...)
			out = append(out, c)
		}
	}
	eachEncoded(b, func(r *encodedRun) { one(path, r) })
	// Notebooks, source maps, continued commands (hide.go).
	emb, embPath := embeddedRuns(path, b)
	for i := range emb {
		one(embPath, &emb[i])
	}
	return out
}

// Byte classes, looked up in a table on the hot path.
const (
	clsB64 = 1 << iota
	clsHex
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '+' || b == '/' || b == '-' || b == '_' {
			t[c] |= clsB64
		}
		if b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' {
			t[c] |= clsHex
		}
	}
	return t
}()

func isB64Byte(c byte) bool { return byteClass[c]&clsB64 != 0 }

func isHexByte(c byte) bool { return byteClass[c]&clsHex != 0 }

// findEncoded returns the base64, hex, percent-encoded and escaped runs of
// b whose decoding is mostly printable text.
func findEncoded(b []byte) []encodedRun {
	var out []encodedRun
	eachEncoded(b, func(r *encodedRun) { out = append(out, *r) })
	return out
}

// eachEncoded calls fn with each encoded run of b whose decoding is mostly
// printable text, in order, one at a time: only one decoded run is held
// at once.
func eachEncoded(b []byte, fn func(*encodedRun)) {
	// joined is the end of the last wrapped block that was joined and did
	// not decode to text: its lines are then decoded one at a time, and
	// none of them starts a block again (which made a long block of
	// binary cost its length squared).
	joined := 0
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case isB64Byte(c):
			j := i
			cls := uint8(clsHex)
			for j < len(b) && byteClass[b[j]]&clsB64 != 0 {
				cls &= byteClass[b[j]]
				j++
			}
			allHex := cls != 0
			k := j
			for k < len(b) && k-j < 2 && b[k] == '=' {
				k++
			}
			if n := j - i; i >= joined && n >= minWrapWidth && n%4 == 0 && k == j && j < len(b) && (b[j] == '\n' || b[j] == '\r') {
				r, ok := wrappedBase64(b, i, j, k)
				if ok {
					fn(&r) // r escapes: allocated only here
					i = r.end
					continue
				}
				joined = r.end
			}
			if n := j - i; n >= minHexLen && allHex && n%2 == 0 && n <= 2*maxDecodeLen {
				if dec, err := hex.DecodeString(string(b[i:j])); err == nil && printable(dec) {
					fn(&encodedRun{start: i, end: j, kind: "hex", decoded: dec})
				}
			} else if n := j - i; n >= minBase64Len && n <= 2*maxDecodeLen && !allHex {
				if dec := decodeBase64(b[i:j]); dec != nil && printable(dec) {
					fn(&encodedRun{start: i, end: k, kind: "base64", decoded: dec})
				}
			}
			i = k // the run holds at least c: always progress
		case c == '%' && i+2 < len(b) && isHexByte(b[i+1]) && isHexByte(b[i+2]):
			s, e := runAround(b, i)
			if dec, off, ok := percentDecode(b, s, e); ok {
				fn(&encodedRun{start: s, end: e, kind: "percent", decoded: dec, off: off})
			}
			i = e
		case c == '\\' && i+1 < len(b) && (b[i+1] == 'u' || b[i+1] == 'x'):
			s, e := runAround(b, i)
			if dec, off, ok := unescape(b, s, e); ok {
				fn(&encodedRun{start: s, end: e, kind: "unicode", decoded: dec, off: off})
			}
			i = e
		case c == '\n':
			// Runs of blank lines go by a word at a time.
			i = skipNewlines(b, i+1)
		default:
			i++
		}
	}
}

// minWrapWidth is the shortest line of wrapped base64 that is joined with
// the next (PEM wraps at 64 columns, MIME at 76).
const minWrapWidth = 40

// wrappedBase64 joins the base64 run b[i:j] (k: after its padding) with
// the lines that continue it — a line of the same width (a multiple of 4,
// no padding), then more such lines and a last, shorter one, each alone
// on its line after any indentation — and decodes them as one. ok is
// false when the run is not wrapped or its decoding is not text; each
// line is then decoded on its own, and the returned run's end is where
// the block that was tried ends.
func wrappedBase64(b []byte, i, j, k int) (encodedRun, bool) {
	width := j - i
	if width < minWrapWidth || width%4 != 0 || k != j {
		return encodedRun{}, false
	}
	pieces := [][2]int{{i, j}}
	total, end := width, j
	for total <= 2*maxDecodeLen {
		q := end
		if q < len(b) && b[q] == '\r' {
			q++
		}
		if q >= len(b) || b[q] != '\n' {
			break
		}
		q = skipBlank(b, q+1)
		r := q
		for r < len(b) && r-q <= width && isB64Byte(b[r]) {
			r++
		}
		pad := r
		for pad < len(b) && pad-r < 2 && b[pad] == '=' {
			pad++
		}
		if r == q || r-q > width || pad < len(b) && b[pad] != '\n' && b[pad] != '\r' {
			break
		}
		pieces = append(pieces, [2]int{q, r})
		total += r - q
		end = pad
		if r-q < width || pad > r {
			break // the last line
		}
	}
	if len(pieces) < 2 {
		return encodedRun{end: end}, false
	}
	joined := make([]byte, 0, total)
	for _, p := range pieces {
		joined = append(joined, b[p[0]:p[1]]...)
	}
	dec := decodeBase64(joined)
	if dec == nil || !printable(dec) {
		return encodedRun{end: end}, false
	}
	return encodedRun{start: i, end: end, kind: "base64", decoded: dec, pieces: pieces}, true
}

// runAround is the run of non-space, non-quote bytes around i, starting no
// earlier than the previous delimiter.
func runAround(b []byte, i int) (int, int) {
	stop := func(c byte) bool {
		return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>'
	}
	s := i
	for s > 0 && !stop(b[s-1]) && i-s < 4096 {
		s--
	}
	e := i
	for e < len(b) && !stop(b[e]) && e-i < maxDecodeLen {
		e++
	}
	return s, e
}

func decodeBase64(run []byte) []byte {
	s := string(run)
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if dec, err := enc.DecodeString(s); err == nil {
			return dec
		}
	}
	// A length that is not a whole number of quanta: drop the tail.
	if t := len(s) - len(s)%4; t >= minBase64Len {
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			if dec, err := enc.DecodeString(s[:t]); err == nil {
				return dec
			}
		}
	}
	return nil
}

// printable reports whether b is valid UTF-8 text with few control bytes.
func printable(b []byte) bool {
	if len(b) < 6 || !utf8.Valid(b) {
		return false
	}
	bad := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			bad++
		}
	}
	return bad*20 <= len(b)
}

// percentDecode decodes the %XX escapes of b[s:e] (a malformed escape
// stays as it is), with the offset of each decoded byte; ok is false when
// nothing was escaped.
func percentDecode(b []byte, s, e int) (dec []byte, off []int, ok bool) {
	for i := s; i < e; i++ {
		off = append(off, i)
		if b[i] == '%' && i+2 < e && isHexByte(b[i+1]) && isHexByte(b[i+2]) {
			dec = append(dec, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
			ok = true
			continue
		}
		dec = append(dec, b[i])
	}
	return dec, append(off, e), ok
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// appendUEscape decodes the \uXXXX escape at b[i:] (within e) onto out,
// each decoded byte at offset i.
func appendUEscape(b []byte, i, e int, out []byte, off []int) ([]byte, []int, bool) {
	if i+6 > e {
		return out, off, false
	}
	v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 32)
	if err != nil {
		return out, off, false
	}
	n := len(out)
	out = utf8.AppendRune(out, rune(v))
	for ; n < len(out); n++ {
		off = append(off, i)
	}
	return out, off, true
}

// unescape decodes the \uXXXX and \xXX escapes of b[s:e], leaving other
// bytes, with the offset of each decoded byte.
func unescape(b []byte, s, e int) (out []byte, off []int, changed bool) {
	for i := s; i < e; i++ {
		if b[i] == '\\' && i+1 < e {
			switch b[i+1] {
			case 'u':
				var ok bool
				if out, off, ok = appendUEscape(b, i, e, out, off); ok {
					i += 5
					changed = true
					continue
				}
			case 'x':
				if i+4 <= e {
					if v, err := strconv.ParseUint(string(b[i+2:i+4]), 16, 8); err == nil {
						off = append(off, i)
						out = append(out, byte(v))
						i += 3
						changed = true
						continue
					}
				}
			}
		}
		off = append(off, i)
		out = append(out, b[i])
	}
	return out, append(off, e), changed
}
