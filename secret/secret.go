// Package secret holds the [Value] type that carries secret material through
// leakguard without ever printing it.
//
// # Redaction
//
// A [Value] redacts itself in every way Go formats or serialises a value:
// fmt verbs, [Value.String], JSON and slog. The only way to see the plain
// text is [Value.Reveal], which callers use when the user asked for it
// explicitly (for example with --show-secrets) or to write a value to a
// place where it is meant to live (a rotation target).
package secret

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Value is a secret string. The zero value is the empty secret.
type Value struct {
	s string
}

// New wraps s.
func New(s string) Value { return Value{s: s} }

// Reveal returns the plain text. Call it only where the plain text is meant
// to go (a target, or output the user explicitly asked to be unredacted).
func (v Value) Reveal() string { return v.s }

// Len is the length of the secret in bytes.
func (v Value) Len() int { return len(v.s) }

// IsZero reports whether the secret is empty.
func (v Value) IsZero() bool { return v.s == "" }

// Equal reports whether two secrets hold the same text.
func (v Value) Equal(o Value) bool { return v.s == o.s }

// Redact returns a preview of s that is safe to print: a short head of the
// value (at most 4 characters, and none for short values) followed by an
// ellipsis and the length.
func Redact(s string) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	keep := 0
	switch {
	case n >= 32:
		keep = 4
	case n >= 16:
		keep = 2
	}
	head := []rune(s)[:keep]
	return string(head) + "…(" + strconv.Itoa(n) + " chars)"
}

// Redacted is the printable preview of v.
func (v Value) Redacted() string { return Redact(v.s) }

// String implements fmt.Stringer with the redacted preview.
func (v Value) String() string { return v.Redacted() }

// GoString implements fmt.GoStringer so %#v redacts too.
func (v Value) GoString() string { return "secret.Value(" + strconv.Quote(v.Redacted()) + ")" }

// Format implements fmt.Formatter: every verb prints the redacted preview.
func (v Value) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprint(f, strconv.Quote(v.Redacted()))
	case 'v':
		if f.Flag('#') {
			fmt.Fprint(f, v.GoString())
			return
		}
		fmt.Fprint(f, v.Redacted())
	default:
		fmt.Fprint(f, v.Redacted())
	}
}

// MarshalJSON writes the redacted preview.
func (v Value) MarshalJSON() ([]byte, error) { return json.Marshal(v.Redacted()) }

// MarshalText writes the redacted preview (used by encoders such as TOML
// and by map keys).
func (v Value) MarshalText() ([]byte, error) { return []byte(v.Redacted()), nil }

// LogValue implements slog.LogValuer with the redacted preview.
func (v Value) LogValue() slog.Value { return slog.StringValue(v.Redacted()) }

// MaskTokens redacts every run of token characters in s that could be a
// credential: 16 bytes or more holding both letters and digits, or 20
// letters or more of high variety. Names (ANTHROPIC_API_KEY, apiKey) and
// words stay readable. It guards free text that is shown next to a finding
// — the rest of a line, a commit subject — where a secret the scanner did
// not report on (another key, one suppressed by an ignore entry) may sit.
func MaskTokens(s string) string {
	var b strings.Builder
	i := 0
	for _, t := range TokenSpans(s) {
		b.WriteString(s[i:t[0]])
		b.WriteString(Redact(s[t[0]:t[1]]))
		i = t[1]
	}
	b.WriteString(s[i:])
	return b.String()
}

// TokenSpans returns the byte ranges of s that [MaskTokens] redacts: the
// runs of token characters that could be a credential.
func TokenSpans(s string) [][2]int {
	var out [][2]int
	i := 0
	for i < len(s) {
		if !isTokenByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isTokenByte(s[j]) {
			j++
		}
		// Base64 padding belongs to the run; an = between two runs
		// (NAME=value) separates them.
		k := j
		for k < len(s) && s[k] == '=' {
			k++
		}
		if k > j && (k == len(s) || !isTokenByte(s[k])) {
			j = k
		}
		if looksSecret(s[i:j]) {
			out = append(out, [2]int{i, j})
		}
		i = j
	}
	return out
}

func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '+' || c == '/' || c == '.' || c == '~'
}

func looksSecret(run string) bool {
	if len(run) < 16 {
		return false
	}
	letters, digits := 0, 0
	var seen [256]bool
	distinct := 0
	for i := 0; i < len(run); i++ {
		c := run[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters++
		}
		if !seen[c] {
			seen[c] = true
			distinct++
		}
	}
	if letters > 0 && digits > 0 {
		return true
	}
	// Letters only: a random run uses many distinct letters; a name or a
	// word (configurationManager, ANTHROPIC_API_KEY) repeats few.
	return len(run) >= 20 && distinct >= 16
}
