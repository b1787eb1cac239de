// Package tty answers what a stream is connected to: whether it is a
// terminal, and whether output written to it should be coloured.
package tty

import (
	"os"

	"golang.org/x/term"
)

// IsTerminal reports whether stream (an io.Reader or io.Writer) is an
// *os.File connected to a terminal.
func IsTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Color decides colour for output written to stream: on a terminal,
// unless $NO_COLOR is set; anywhere when $CLICOLOR_FORCE is set and not
// "0" (NO_COLOR wins over both).
func Color(getenv func(string) string, stream any) bool {
	if getenv("NO_COLOR") != "" {
		return false
	}
	if v := getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	return IsTerminal(stream)
}
