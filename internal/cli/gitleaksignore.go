package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/scanner"
)

// loadGitleaksIgnore reads the .gitleaksignore at the root of the
// repository (or the scanned directory), from the pull request's base
// commit in ci as the config is; nil when there is none.
func (f *scanFlags) loadGitleaksIgnore(s *IO, e *env) (*scanner.GitleaksIgnore, error) {
	root := e.repoRoot
	if root == "" {
		root = e.anchor
	}
	read := os.ReadFile
	if f.base != nil {
		root, read = f.base.Root(), f.base.Read
	}
	p := filepath.Join(root, scanner.GitleaksIgnoreFile)
	b, err := read(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, usageErr("check the file's permissions", "%s: %v", p, err)
	}
	ig, warnings, err := scanner.ParseGitleaksIgnore(bytes.NewReader(b), config.GitleaksRuleIDs)
	if err != nil {
		return nil, usageErr("fix the file", "%s: %v", p, err)
	}
	if !f.quiet {
		for _, w := range warnings {
			fmt.Fprintf(s.Err, "leakguard: warning: %s: %s\n", p, w)
		}
	}
	return ig, nil
}

// dropGitleaksIgnored removes the findings a .gitleaksignore entry hides.
// A finding's file is matched as shown and relative to the repository
// (gitleaks prints git findings relative to the repository, and a
// directory scan's relative to the scanned directory).
func (e *env) dropGitleaksIgnored(found []scanner.Finding) []scanner.Finding {
	if e.gitleaks.Len() == 0 {
		return found
	}
	root, _ := filepath.Abs(e.repoRoot)
	kept := found[:0]
	for i := range found {
		f := &found[i]
		files := []string{f.File}
		if e.repoRoot != "" && f.Commit == "" {
			if abs, err := filepath.Abs(filepath.Join(e.base, f.File)); err == nil {
				if rel, err := filepath.Rel(root, abs); err == nil {
					files = append(files, filepath.ToSlash(rel))
				}
			}
		}
		if !e.gitleaks.Matches(f, files...) {
			kept = append(kept, *f)
		}
	}
	return kept
}
