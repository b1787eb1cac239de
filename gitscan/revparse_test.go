package gitscan

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestReadThroughGitAgrees: git's answers (revparse.go) are go-git's,
// for revisions, files at a commit and merge bases.
func TestReadThroughGitAgrees(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "hello\n")
	write(t, dir, "sub/b.txt", "b\n")
	write(t, dir, "sp ace.txt", "x\n")
	write(t, dir, "[x].txt", "pattern\n")
	if err := os.Symlink("a.txt", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	base := commitAll(t, dir, "base")
	run(t, dir, "tag", "-a", "-m", "t", "v1")
	run(t, dir, "checkout", "-q", "-b", "side")
	write(t, dir, "s.txt", "side\n")
	side := commitAll(t, dir, "side")
	run(t, dir, "checkout", "-q", "main")
	write(t, dir, "m.txt", "main\n")
	main := commitAll(t, dir, "main")
	tree := run(t, dir, "rev-parse", "HEAD^{tree}")

	r := open(t, dir)
	if err := r.load(); err != nil {
		t.Fatal(err)
	}
	g, err := r.newGitBackend()
	if err != nil {
		t.Fatal(err)
	}
	for _, rev := range []string{"HEAD", "main", "side", "v1", base, base[:10], "HEAD~1", tree, "nope", "-x", "main..side"} {
		hg, eg := r.resolveVia(g, rev)
		hh, eh := r.resolveVia(nil, rev)
		if hg != hh || (eg == nil) != (eh == nil) {
			t.Errorf("resolve %q: git %v %v, go-git %v %v", rev, hg, eg, hh, eh)
		}
	}
	if h, _, _ := g.commit("v1"); h.String() != base {
		t.Errorf("v1 peels to %s, want %s", h, base)
	}
	for _, p := range []string{"a.txt", "sub/b.txt", "./sub/../a.txt", "sp ace.txt", "[x].txt", "link", "sub", "missing.txt", "sub/missing"} {
		bg, eg := g.readAt(main, p, maxShow)
		bh, eh := r.goGitReadAt(main, p, maxShow)
		if string(bg) != string(bh) || (eg == nil) != (eh == nil) || errors.Is(eg, fs.ErrNotExist) != errors.Is(eh, fs.ErrNotExist) {
			t.Errorf("read %q: git %q %v, go-git %q %v", p, bg, eg, bh, eh)
		}
	}
	if b, err := g.readAt(main, "[x].txt", maxShow); string(b) != "pattern\n" || err != nil {
		t.Errorf("a path that is a glob is read literally: %q %v", b, err)
	}
	if _, err := g.readAt(strings.Repeat("1", 40), "a.txt", maxShow); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing commit: %v, want an error that is not 'no such file'", err)
	}
	got := mergeBases(g, r.r, plumbing.NewHash(side), plumbing.NewHash(main))
	want := mergeBases(nil, r.r, plumbing.NewHash(side), plumbing.NewHash(main))
	if len(got) != 1 || len(want) != 1 || got[0] != want[0] || got[0].String() != base {
		t.Errorf("merge bases: git %v, go-git %v, want %s", got, want, base)
	}
}
