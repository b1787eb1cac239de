package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
)

// Exit codes come from the error's type, never from its text, and an
// error prints one hint.
func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err       error
		code      int
		msg, hint string
	}{
		// A command's failure whose text holds "flag", "arg" and "unknown"
		// is not a usage error.
		{&ranErr{errors.New("unknown flag in the remote's argument list")}, ExitIncomplete, "unknown flag in the remote's argument list", ""},
		// A core error's own hint is printed once.
		{&ranErr{fmt.Errorf("sync: %w", hint.Errorf("export T", "T is not set"))}, ExitIncomplete, "sync: T is not set", "export T"},
		// The command's hint wins over the core's: still one hint.
		{&ranErr{&Error{Code: ExitUsage, Err: hint.Errorf("core", "x"), Hint: "command"}}, ExitUsage, "x", "command"},
		// Cobra's own errors (not from a RunE) are usage errors.
		{errors.New(`unknown command "x" for "leakguard"`), ExitUsage, `unknown command "x" for "leakguard"`, "run 'leakguard --help' for usage"},
		{&ranErr{&Error{Code: ExitFindings, Err: errSilent}}, ExitFindings, "", ""},
	} {
		code, msg, h := classify(c.err)
		if code != c.code || msg != c.msg || h != c.hint {
			t.Errorf("classify(%v) = %d %q %q, want %d %q %q", c.err, code, msg, h, c.code, c.msg, c.hint)
		}
	}
	code, _, errb := runCLI(t, "", "bogus-command")
	if code != ExitUsage || strings.Count(errb, "hint:") != 1 {
		t.Errorf("unknown command: exit %d\n%s", code, errb)
	}
}
