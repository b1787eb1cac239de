package scanner

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
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
	clsEsc // '%' and '\\', which begin percent and unicode escapes
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
		if b == '%' || b == '\\' {
			t[c] |= clsEsc
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
func eachEncoded(b []byte, fn func(*encodedRun)) { eachEncodedPassing(b, fn, quietUntil) }

// eachEncodedPassing is eachEncoded with the way it passes over text
// that cannot decode: pass(b, i) is an offset from i on, at or before the
// first where there is something to decode, given that b[i-1] is not a
// base64 byte (quietUntil; a test passes one byte at a time).
func eachEncodedPassing(b []byte, fn func(*encodedRun), pass func(b []byte, i int) int) {
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
		default:
			i = pass(b, i+1)
		}
	}
}

// minEncodedRun is the shortest base64 run eachEncoded decodes in any
// way.
const minEncodedRun = min(minBase64Len, minHexLen, minWrapWidth)

const _ uint = minEncodedRun - 16 // quietUntil's masks find runs of 16: no shorter

// quietUntil is the first offset from i on where eachEncoded has
// something to do, given that b[i-1] is not a base64 byte: the start of
// a run of at least minEncodedRun base64 bytes (shorter ones decode to
// nothing), a '%' before two hex digits or a backslash before 'u' or
// 'x'; len(b) when there is none.
//
// It reads b 64 bytes at a time as masks of its base64 bytes and of its
// '%' and '\\' (the byte classes), and looks closer only where a block
// holds such a run's start or one of those two: identifiers, most of
// source code, are base64 runs too short to decode, and reading them a
// byte at a time, with a branch at each one's end, was a third of the
// detector's time.
func quietUntil(b []byte, i int) int {
	var prev uint64 // whether the byte before the block is a base64 byte
	for o := i; o < len(b); o += 64 {
		blk := b[o:min(o+64, len(b))]
		var m, esc uint64
		if len(blk) == 64 {
			for k := range 8 {
				bm, em := classBits(binary.LittleEndian.Uint64(blk[8*k:]))
				m |= bm << (8 * k)
				esc |= em << (8 * k)
			}
		} else {
			for k, c := range blk {
				m |= uint64(byteClass[c]&clsB64) << k
				if byteClass[c]&clsEsc != 0 {
					esc |= 1 << k
				}
			}
		}
		// Runs of 16 base64 bytes: w's bit k is set when m's bits k to
		// k+15 are. A run that reaches the block's end is checked
		// whole where it starts.
		w := m & (m >> 1)
		w &= w >> 2
		w &= w >> 4
		w &= w >> 8
		if top := bits.LeadingZeros64(^m); top > 0 && len(blk) == 64 {
			w |= ^uint64(0) << (64 - top)
		}
		starts := m &^ (m<<1 | prev)
		for c := starts&w | esc; c != 0; c &= c - 1 {
			k := bits.TrailingZeros64(c)
			p := o + k
			switch b[p] {
			case '%':
				if p+2 < len(b) && isHexByte(b[p+1]) && isHexByte(b[p+2]) {
					return p
				}
			case '\\':
				if p+1 < len(b) && (b[p+1] == 'u' || b[p+1] == 'x') {
					return p
				}
			default:
				if p+minEncodedRun <= len(b) && b64Run(b[p:p+minEncodedRun]) {
					return p
				}
			}
		}
		prev = m >> 63
	}
	return len(b)
}

// classBits is the masks of w's base64 bytes (clsB64) and of its '%' and
// '\\' (clsEsc): bit i for byte i, w read little endian.
func classBits(w uint64) (b64, esc uint64) {
	const (
		ones  = 0x0101010101010101
		low7  = 0x7f7f7f7f7f7f7f7f
		highs = 0x8080808080808080
	)
	l := w & low7
	// inRange: high bit set where l's byte is in [lo, hi] (no carry
	// leaves a byte: l's are below 0x80). eq: where it is c.
	inRange := func(l uint64, lo, hi byte) uint64 {
		return (l + (0x80-uint64(lo))*ones) &^ (l + (0x80-uint64(hi)-1)*ones)
	}
	eq := func(c byte) uint64 { return ^(l ^ uint64(c)*ones + low7) }
	// Letters (either case: OR 0x20 maps 'A'-'Z' onto 'a'-'z' and
	// nothing else there), '+' to '9' but ',' and '.', and '_'.
	p := inRange(l|0x20*ones, 'a', 'z') | inRange(l, '+', '9')&^eq(',')&^eq('.') | eq('_')
	e := eq('%') | eq('\\')
	// Bytes of 0x80 and above are neither; one bit per byte, gathered
	// into the low eight.
	gather := func(p uint64) uint64 { return (p &^ w & highs >> 7) * 0x0102040810204080 >> 56 }
	return gather(p), gather(e)
}

// b64Run reports whether every byte of b is a base64 byte.
func b64Run(b []byte) bool {
	for _, c := range b {
		if !isB64Byte(c) {
			return false
		}
	}
	return true
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
