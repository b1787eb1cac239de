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
