package gitscan

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// headFiles is what the repository's files say of HEAD ([Repo.readHead]).
type headFiles int

const (
	headUnknown   headFiles = iota // in doubt: git reads HEAD
	headCommitted                  // HEAD names a commit
	headUnborn                     // HEAD's branch does not exist yet
)

// readHead reads HEAD from the repository's files, without git: the
// commit it names (detached, or its branch's loose ref or packed-refs
// line), or that its branch does not exist yet (before the first
// commit). In doubt — a reftable, a symbolic ref, a file it cannot read
// — headUnknown, and git is asked.
func (r *Repo) readHead() (plumbing.Hash, headFiles) {
	id := func(b []byte) (plumbing.Hash, headFiles) {
		s := strings.TrimSpace(string(b))
		if len(s) != 40 || !isObjectID(s) {
			return plumbing.ZeroHash, headUnknown
		}
		return plumbing.NewHash(s), headCommitted
	}
	b, err := os.ReadFile(filepath.Join(r.gitDir, "HEAD"))
	if err != nil {
		return plumbing.ZeroHash, headUnknown
	}
	if h, state := id(b); state == headCommitted {
		return h, state
	}
	ref, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "ref: ")
	if !ok || !strings.HasPrefix(ref, "refs/") || strings.Contains(ref, "..") {
		return plumbing.ZeroHash, headUnknown
	}
	common := r.commonDir()
	// Reftable repositories keep no loose refs: go-git cannot read them
	// either, leave them to git.
	if _, err := os.Lstat(filepath.Join(common, "reftable")); !os.IsNotExist(err) {
		return plumbing.ZeroHash, headUnknown
	}
	// A worktree's own refs are in its git directory, the others in
	// the common one, as git reads them.
	dir := common
	for _, own := range []string{"refs/worktree/", "refs/bisect/", "refs/rewritten/"} {
		if strings.HasPrefix(ref, own) {
			dir = r.gitDir
		}
	}
	b, err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(ref)))
	if err == nil {
		return id(b)
	}
	if !os.IsNotExist(err) {
		return plumbing.ZeroHash, headUnknown
	}
	f, err := os.Open(filepath.Join(common, "packed-refs"))
	if os.IsNotExist(err) {
		return plumbing.ZeroHash, headUnborn
	}
	if err != nil {
		return plumbing.ZeroHash, headUnknown
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if h, name, ok := strings.Cut(sc.Text(), " "); ok && name == ref && !strings.HasPrefix(h, "#") {
			return id([]byte(h))
		}
	}
	if sc.Err() != nil {
		return plumbing.ZeroHash, headUnknown
	}
	return plumbing.ZeroHash, headUnborn
}
