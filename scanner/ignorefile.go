package scanner

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io/fs"
	"path/filepath"

	"github.com/leakguard/leakguard/internal/hint"
)

// # Loading the ignore files
//
// A scan reads .leakguardignore (or the file --ignore-file names) and
// .gitleaksignore at the root of the repository it scans, or of the
// scanned directory. read is how: os.ReadFile, or a pull request's base
// commit in ci, which the pull request cannot change. Errors are usage
// errors with hints.

// LoadIgnore reads and parses the ignore file at p through read, and
// returns it with the SHA-256 of its bytes. A missing file that was not
// named explicitly is no ignore file (nil).
func LoadIgnore(read func(string) ([]byte, error), p string, explicit bool) (*Ignore, [32]byte, error) {
	b, err := read(p)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return nil, [32]byte{}, nil
		}
		return nil, [32]byte{}, hint.Usagef("check the --ignore-file path", "ignore file: %v", err)
	}
	ig, err := ParseIgnore(bytes.NewReader(b))
	if err != nil {
		return nil, [32]byte{}, hint.Usagef("fix or regenerate it with 'leakguard baseline'", "%s: %v", p, err)
	}
	return ig, sha256.Sum256(b), nil
}

// LoadGitleaksIgnore reads the .gitleaksignore at p through read (see
// [ParseGitleaksIgnore] for ruleIDs and the warnings); nil when there is
// none.
func LoadGitleaksIgnore(read func(string) ([]byte, error), p string, ruleIDs func(string) []string) (*GitleaksIgnore, []string, error) {
	b, err := read(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, nil
		}
		return nil, nil, hint.Usagef("check the file's permissions", "%s: %v", p, err)
	}
	ig, warnings, err := ParseGitleaksIgnore(bytes.NewReader(b), ruleIDs)
	if err != nil {
		return nil, nil, hint.Usagef("fix the file", "%s: %v", p, err)
	}
	return ig, warnings, nil
}

// Drop removes the findings an entry hides. A finding's file is matched
// as shown and, for a file scanned outside git history, relative to the
// repository at repoRoot (gitleaks prints git findings relative to the
// repository, and a directory scan's relative to the scanned directory);
// base is the directory shown paths are relative to.
func (ig *GitleaksIgnore) Drop(found []Finding, base, repoRoot string) []Finding {
	if ig.Len() == 0 {
		return found
	}
	root, _ := filepath.Abs(repoRoot)
	kept := found[:0]
	for i := range found {
		f := &found[i]
		files := []string{f.File}
		if repoRoot != "" && f.Commit == "" {
			if abs, err := filepath.Abs(filepath.Join(base, f.File)); err == nil {
				if rel, err := filepath.Rel(root, abs); err == nil {
					files = append(files, filepath.ToSlash(rel))
				}
			}
		}
		if !ig.Matches(f, files...) {
			kept = append(kept, *f)
		}
	}
	return kept
}
