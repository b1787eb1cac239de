package gitscan

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/leakguard/leakguard/scanner"
)

// # What a pull request cannot change
//
// On pull_request, pull_request_target and merge_group, the commits under
// scan may change leakguard.toml (an allowlist of every path, use_default
// = false), the gitleaks config, .leakguardignore or .gitleaksignore and
// so switch their own scan off. leakguard ci reads them from the base
// commit instead — the reviewed state the pull request would merge into —
// through a [BaseSource] (git show base:path), never from the work tree,
// and names every one of them the pull request changes.

// TrustedFiles decide what a scan reports (relative to the repository):
// ci reads them from a pull request's base commit.
var TrustedFiles = []string{"leakguard.toml", ".gitleaks.toml", scanner.IgnoreFile, scanner.GitleaksIgnoreFile}

// BaseSource reads the files of a pull request's base commit.
type BaseSource struct {
	repo   *Repo
	root   string // the work tree, for paths given on the command line
	commit string // base
	head   string
}

// OpenBase opens the repository at dir to read the files of a pull
// request's base commit (the planner found both commits).
func OpenBase(dir, base, head string) (*BaseSource, error) {
	repo, err := Open(dir)
	if err != nil {
		return nil, usageErr(hintNoRepo, "no git repository at %s: %v", dir, err)
	}
	return &BaseSource{repo: repo, root: repo.Root(), commit: base, head: head}, nil
}

// Root is the work tree.
func (b *BaseSource) Root() string { return b.root }

// Close closes the repository.
func (b *BaseSource) Close() error { return b.repo.Close() }

// Read reads the file at the absolute or work-tree path p from the base
// commit; a file outside the repository is read from disk (the
// workflow's own, not the pull request's).
func (b *BaseSource) Read(p string) ([]byte, error) {
	rel, ok := b.rel(p)
	if !ok {
		return os.ReadFile(p)
	}
	return b.repo.ReadAt(b.commit, rel)
}

func (b *BaseSource) rel(p string) (string, bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(b.root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// Exists reports whether p is a file of the base commit.
func (b *BaseSource) Exists(p string) bool {
	_, err := b.Read(p)
	return err == nil
}

// Changed lists the files (relative to the work tree, or absolute) the
// pull request adds, changes or deletes, as paths relative to the work
// tree; files outside it and "" are passed over.
func (b *BaseSource) Changed(files ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range files {
		if p == "" {
			continue
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(b.root, p)
		}
		rel, ok := b.rel(p)
		if !ok || seen[rel] {
			continue
		}
		seen[rel] = true
		old, errOld := b.repo.ReadAt(b.commit, rel)
		cur, errCur := b.repo.ReadAt(b.head, rel)
		if errors.Is(errOld, fs.ErrNotExist) && errors.Is(errCur, fs.ErrNotExist) {
			continue
		}
		if errOld != nil || errCur != nil || string(old) != string(cur) {
			out = append(out, rel)
		}
	}
	return out
}

// ChangedTrusted is [BaseSource.Changed] of the [TrustedFiles] and extra
// (the config and ignore file the command line names, when set).
func (b *BaseSource) ChangedTrusted(extra ...string) []string {
	return b.Changed(append(append([]string(nil), TrustedFiles...), extra...)...)
}

// ChangedNote is the job summary's note for a trusted file a pull
// request changes.
func ChangedNote(file string) string {
	return "this pull request changes " + file + ": the scan used the base commit's version; review the change, it decides what future scans report"
}
