package gitscan

import "github.com/leakguard/leakguard/internal/hint"

// usageErr is a scan that cannot be asked for: flags that exclude each
// other, paths with a git source, a revision that does not resolve, a
// directory that is not a repository. The command layer exits with its
// usage code (hint.IsUsage) and prints the hint.
func usageErr(text, format string, a ...any) error { return hint.Usagef(text, format, a...) }

// Hints shared with the command layer.
const (
	HintNoRepo = "run inside a repository or pass -C DIR"
	HintSHA256 = "scan the files with 'leakguard scan .'; git scans need a SHA-1 repository for now"
	hintNoRepo = HintNoRepo
)
