// Package hint gives an error a hint: what the user can do about it. The
// command layer prints it once, after the message ("leakguard: error:
// MSG; hint: HINT"); core packages never write "hint:" into a message.
package hint

import (
	"errors"
	"fmt"
)

// Error is an error with a hint.
type Error struct {
	Err   error
	Text  string
	usage bool // see Usagef
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Hint says what to do about the error.
func (e *Error) Hint() string { return e.Text }

// Wrap gives err the hint text.
func Wrap(err error, text string) error { return &Error{Err: err, Text: text} }

// Errorf is fmt.Errorf with a hint.
func Errorf(text, format string, a ...any) error {
	return &Error{Err: fmt.Errorf(format, a...), Text: text}
}

// Of returns the hint of the first error in err's chain that has one
// (a Hint() string method), or "".
func Of(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

// Usagef is [Errorf] for a mistake in what the user passed (an argument,
// a flag, a file to fix first): the command layer exits with its usage
// code ([IsUsage]).
func Usagef(text, format string, a ...any) error {
	return &Error{Err: fmt.Errorf(format, a...), Text: text, usage: true}
}

// IsUsage reports whether err's chain holds an error of [Usagef].
func IsUsage(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.usage
}
