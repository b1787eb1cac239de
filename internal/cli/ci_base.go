package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/scanner/report"
)

// # What a pull request cannot change
//
// On pull_request, pull_request_target and merge_group, the commits under
// scan may change leakguard.toml (an allowlist of every path, use_default
// = false), the gitleaks config, .leakguardignore or .gitleaksignore and
// so switch their own scan off. leakguard ci reads them from the base
// commit instead —
// the reviewed state the pull request would merge into — through gitscan
// (git show base:path), never from the work tree, and names every one of
// them the pull request changes in an annotation and the job summary.

// trustedFiles are the files that decide what a scan reports, relative to
// the repository root.
var trustedFiles = []string{"leakguard.toml", ".gitleaks.toml", scanner.IgnoreFile, scanner.GitleaksIgnoreFile}

// baseSource reads the files of a commit.
type baseSource struct {
	repo   *gitscan.Repo
	root   string // the work tree, for paths given on the command line
	commit string // base
	head   string
}

// read reads the file at the absolute or work-tree path p from the base
// commit; a file outside the repository is read from disk (the
// workflow's own, not the pull request's).
func (b *baseSource) read(p string) ([]byte, error) {
	rel, ok := b.rel(p)
	if !ok {
		return os.ReadFile(p)
	}
	return b.repo.ReadAt(b.commit, rel)
}

func (b *baseSource) rel(p string) (string, bool) {
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

// exists reports whether p is a file of the base commit.
func (b *baseSource) exists(p string) bool {
	_, err := b.read(p)
	return err == nil
}

// changed lists the trusted files (and the ones given as -c and
// --ignore-file) the pull request adds, changes or deletes.
func (b *baseSource) changed(extra ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range append(append([]string{}, trustedFiles...), extra...) {
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

// newBaseSource opens the repository at dir to read the files of a
// pull request's base commit (the planner found both commits).
func newBaseSource(dir, base, head string) (*baseSource, error) {
	repo, err := gitscan.Open(dir)
	if err != nil {
		return nil, &Error{Code: ExitUsage, Err: fmt.Errorf("no git repository at %s: %v", dir, err), Hint: hintNoRepo}
	}
	return &baseSource{repo: repo, root: repo.Root(), commit: base, head: head}, nil
}

// changedNotes are the job summary's notes and the annotations for the
// trusted files a pull request changes.
func changedNotes(files []string) (notes, annotations []string) {
	for _, f := range files {
		notes = append(notes, "this pull request changes "+f+": the scan used the base commit's version; review the change, it decides what future scans report")
		annotations = append(annotations, fmt.Sprintf("::warning file=%s,title=%s::%s", report.GitHubEscapeProperty(f), report.GitHubEscapeProperty("leakguard: "+f+" changed"),
			report.GitHubEscapeData("this pull request changes "+f+", which decides what leakguard reports; the scan used the base commit's version")))
	}
	return notes, annotations
}
