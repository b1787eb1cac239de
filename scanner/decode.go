package scanner

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strconv"
	"unicode/utf8"
)

// Encoded text is found by shape, decoded, and scanned again with one
// level less of depth. A finding inside decoded text points at the encoded
// text: its span in the parent content.
const (
	minBase64Len = 16
	minHexLen    = 16
	maxDecodeLen = 1 << 20
)

type encodedRun struct {
	start, end int
	kind       string
	decoded    []byte
}

func (d *Detector) decodeAndDetect(path string, b []byte, depth int) []candidate {
	var out []candidate
	for _, r := range findEncoded(b) {
		inner := d.detect(path, r.decoded, depth-1)
		for _, c := range inner {
			c.start, c.end = r.start, r.end
			c.mstart, c.mend = r.start, r.end
			c.decoded = append([]string{r.kind}, c.decoded...)
			out = append(out, c)
		}
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
			if n := j - i; n >= minHexLen && allHex && n%2 == 0 && n <= 2*maxDecodeLen {
				if dec, err := hex.DecodeString(string(b[i:j])); err == nil && printable(dec) {
					out = append(out, encodedRun{i, j, "hex", dec})
				}
			} else if n := j - i; n >= minBase64Len && n <= 2*maxDecodeLen && !allHex {
				if dec := decodeBase64(b[i:j]); dec != nil && printable(dec) {
					out = append(out, encodedRun{i, k, "base64", dec})
				}
			}
			i = k // the run holds at least c: always progress
		case c == '%' && i+2 < len(b) && isHexByte(b[i+1]) && isHexByte(b[i+2]):
			s, e := runAround(b, i)
			if dec, err := url.PathUnescape(string(b[s:e])); err == nil && dec != string(b[s:e]) {
				out = append(out, encodedRun{s, e, "percent", []byte(dec)})
			}
			i = e
		case c == '\\' && i+1 < len(b) && (b[i+1] == 'u' || b[i+1] == 'x'):
			s, e := runAround(b, i)
			if dec, ok := unescape(b[s:e]); ok {
				out = append(out, encodedRun{s, e, "unicode", dec})
			}
			i = e
		default:
			i++
		}
	}
	return out
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

// unescape decodes \uXXXX and \xXX escapes, leaving other bytes.
func unescape(b []byte) ([]byte, bool) {
	var out []byte
	changed := false
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			switch b[i+1] {
			case 'u':
				if i+6 <= len(b) {
					if v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 32); err == nil {
						out = utf8.AppendRune(out, rune(v))
						i += 5
						changed = true
						continue
					}
				}
			case 'x':
				if i+4 <= len(b) {
					if v, err := strconv.ParseUint(string(b[i+2:i+4]), 16, 8); err == nil {
						out = append(out, byte(v))
						i += 3
						changed = true
						continue
					}
				}
			}
		}
		out = append(out, b[i])
	}
	return out, changed
}
