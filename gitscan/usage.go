package gitscan

import "github.com/leakguard/leakguard/internal/hint"

// UsageError is a scan that cannot be asked for: flags that exclude each
// other, paths with a git source, a revision that does not resolve, a
// directory that is not a repository. It wraps a [hint.Error], so its
// hint reaches the command layer through hint.Of, and its type says the
// request, not the scan, failed (a usage error).
type UsageError struct{ err error }

func (e *UsageError) Error() string { return e.err.Error() }
func (e *UsageError) Unwrap() error { return e.err }

func usageErr(text, format string, a ...any) error {
	return &UsageError{hint.Errorf(text, format, a...)}
}

// Hints shared with the command layer.
const (
	HintNoRepo = "run inside a repository or pass -C DIR"
	HintSHA256 = "scan the files with 'leakguard scan .'; git scans need a SHA-1 repository for now"
	hintNoRepo = HintNoRepo
)
