package gitscan

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/leakguard/leakguard/internal/gitdir"
	"github.com/leakguard/leakguard/scanner"
)

// # The work tree
//
// One work-tree source serves 'leakguard scan DIR' and the audit: inside a
// git work tree it scans every tracked file, whatever .gitignore says (git
// tracks it all the same: 'git add -f .env'), and the untracked files that
// .gitignore, .git/info/exclude and the global excludes file do not
// exclude. Outside a work tree every file is scanned.

// WorkTreeOptions configure [ScanWorkTree].
type WorkTreeOptions struct {
	scanner.DirOptions
	// NoIgnore scans the files .gitignore excludes too.
	NoIgnore bool
	// Skip lists files, relative to the work tree's top, that are counted
	// but not read (the audit's clean files, whose findings are HEAD's).
	Skip map[string]bool
}

// WorkTreeStats counts a work-tree scan.
type WorkTreeStats struct {
	scanner.Stats
	// Known counts the files of Skip that were passed over.
	Known int
	// Warnings say what could not be established (an unreadable index:
	// tracked files that .gitignore matches may have been left out).
	Warnings []string
}

// ScanWorkTree scans roots (directories or files) with d. Each finding's
// File is relative to the root it was found under, or the path as given
// for a file root.
func ScanWorkTree(ctx context.Context, d *scanner.Detector, roots []string, o WorkTreeOptions) ([]scanner.Finding, WorkTreeStats, error) {
	var st WorkTreeStats
	var all []scanner.Finding
	for _, root := range roots {
		dop := o.DirOptions
		if !o.NoIgnore || len(o.Skip) > 0 {
			f, warn := workTreeFilter(root, o.NoIgnore, o.Skip, &st.Known)
			if warn != "" {
				st.Warnings = append(st.Warnings, warn)
			}
			dop.Filter = f
		}
		found, s, err := scanner.ScanPaths(ctx, d, []string{root}, dop)
		all = append(all, found...)
		st.add(s)
		if err != nil {
			return nil, st, err
		}
	}
	scanner.SortFindings(all)
	return all, st, nil
}

// add counts s in st.
func (st *WorkTreeStats) add(s scanner.Stats) {
	st.Files += s.Files
	st.Bytes += s.Bytes
	st.Skipped += s.Skipped
	st.Errors = append(st.Errors, s.Errors...)
	st.Unscanned = append(st.Unscanned, s.Unscanned...)
	st.Notices = append(st.Notices, s.Notices...)
}

// workTreeFilter returns the filter of a directory root inside a work
// tree: tracked files always, untracked ones unless ignored; nil outside
// a work tree (or for a file root).
func workTreeFilter(root string, noIgnore bool, skip map[string]bool, known *int) (func(string, bool) bool, string) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, ""
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return nil, ""
	}
	top := gitdir.Root(abs)
	if top == "" {
		return nil, ""
	}
	wt := &workTree{top: top, tracked: map[string]bool{}, trackedDirs: map[string]bool{}}
	warn := ""
	if files, err := trackedFiles(top); err != nil {
		warn = "reading the index of " + top + ": " + err.Error() + ": files that .gitignore matches were not scanned even if git tracks them"
	} else {
		for _, p := range files {
			wt.tracked[p] = true
			for d := path.Dir(p); d != "." && !wt.trackedDirs[d]; d = path.Dir(d) {
				wt.trackedDirs[d] = true
			}
		}
	}
	if !noIgnore {
		wt.loadBase(abs)
	}
	return func(p string, isDir bool) bool {
		rel := wt.rel(p)
		if isDir {
			if noIgnore {
				return true
			}
			if wt.trackedDirs[rel] {
				wt.enter(p)
				return true
			}
			if wt.ignored(rel, true) {
				return false
			}
			wt.enter(p)
			return true
		}
		if skip[rel] {
			*known++
			return false
		}
		return noIgnore || wt.tracked[rel] || !wt.ignored(rel, false)
	}, warn
}

// trackedFiles lists the index's paths of the repository at top; a
// directory whose .git is not a repository tracks nothing.
func trackedFiles(top string) ([]string, error) {
	if _, err := gitdir.Find(top); err != nil {
		return nil, nil
	}
	r, err := Open(top)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.TrackedFiles()
}

// workTree applies .gitignore files as a walk enters directories.
type workTree struct {
	top                  string
	tracked, trackedDirs map[string]bool
	patterns             []gitignore.Pattern
}

func (w *workTree) rel(p string) string {
	rel, err := filepath.Rel(w.top, p)
	if err != nil {
		return ""
	}
	return filepath.ToSlash(rel)
}

func (w *workTree) parts(rel string) []string {
	if rel == "." || rel == "" {
		return nil
	}
	return strings.Split(rel, "/")
}

// loadBase loads the global excludes, .git/info/exclude and the
// .gitignore files of the directories from the top down to abs.
func (w *workTree) loadBase(abs string) {
	if g, err := gitignore.LoadGlobalPatterns(osfs.New("/")); err == nil {
		w.patterns = append(w.patterns, g...)
	}
	if r, err := gitdir.Find(w.top); err == nil {
		w.load(filepath.Join(r.CommonDir(), "info", "exclude"), nil)
	} else {
		w.load(filepath.Join(w.top, ".git", "info", "exclude"), nil)
	}
	for dir := w.top; dir != abs; {
		w.enter(dir)
		rel, _ := filepath.Rel(dir, abs)
		next := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]
		dir = filepath.Join(dir, next)
	}
	w.enter(abs)
}

// enter loads the .gitignore of directory dir.
func (w *workTree) enter(dir string) {
	w.load(filepath.Join(dir, ".gitignore"), w.parts(w.rel(dir)))
}

func (w *workTree) load(file string, domain []string) {
	b, err := os.ReadFile(file)
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		w.patterns = append(w.patterns, gitignore.ParsePattern(line, domain))
	}
}

func (w *workTree) ignored(rel string, isDir bool) bool {
	parts := w.parts(rel)
	for i := len(w.patterns) - 1; i >= 0; i-- {
		switch w.patterns[i].Match(parts, isDir) {
		case gitignore.Exclude:
			return true
		case gitignore.Include:
			return false
		}
	}
	return false
}
