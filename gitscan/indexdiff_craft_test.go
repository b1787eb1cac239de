package gitscan

import (
	"context"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Indexes git would not write but a buggy writer, or a hostile one,
// could: diffIndex reads them as git does, or leaves them to git.

// setCacheTree rewrites dir's index with tree (encoded) as its only
// extension, after edit changes the entries in place.
func setCacheTree(t *testing.T, dir string, tree []byte, edit func(b []byte, ix *indexFile)) {
	t.Helper()
	file := filepath.Join(dir, ".git", "index")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := parseIndex(b)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(b, ix)
	}
	out := slices.Clone(b[:ix.ext])
	if tree != nil {
		out = append(out, "TREE"...)
		out = binary.BigEndian.AppendUint32(out, uint32(len(tree)))
		out = append(out, tree...)
	}
	sum := sha1.Sum(out)
	if err := os.WriteFile(file, append(out, sum[:]...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// cacheEntry encodes one cache-tree entry (without its subtrees).
func cacheEntry(name string, count, subs int, oid string) []byte {
	b := []byte(name + "\x00" + itoaTest(count) + " " + itoaTest(subs) + "\n")
	if count >= 0 {
		raw, _ := hex.DecodeString(oid)
		b = append(b, raw...)
	}
	return b
}

// hashObject writes content as an object of type typ, as is.
func hashObject(t *testing.T, dir, typ, content string) string {
	t.Helper()
	c := gitCmd(dir, "hash-object", "-w", "--literally", "-t", typ, "--stdin")
	c.Stdin = strings.NewReader(content)
	out, err := c.Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// stagedFindings is the number of findings of a staged scan of dir read
// in-process (or left to git by it), and read by git diff-index alone.
func stagedFindings(t *testing.T, dir string) (inProcess, viaGit int) {
	t.Helper()
	scan := func() int {
		fs, _, err := open(t, dir).Staged(context.Background(), Options{Detector: detector(t), Backend: "git"})
		if err != nil {
			t.Fatal(err)
		}
		return len(fs)
	}
	inProcess = scan()
	inProcessIndex = false
	defer func() { inProcessIndex = true }()
	return inProcess, scan()
}

// TestDiffIndexStaleCacheTree: git trusts a subdirectory's cache-tree
// entry, never the root's (unpack_callback, diff-index --cached), and
// so does diffIndex. A root entry that still names HEAD's tree while a
// file at the top holds a key hid that key (found in review).
func TestDiffIndexStaleCacheTree(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "a\n")
	write(t, dir, "d/f.txt", "f\n")
	commitAll(t, dir, "first")
	root := run(t, dir, "rev-parse", "HEAD^{tree}")
	sub := run(t, dir, "rev-parse", "HEAD:d")
	keyBlob, _ := hex.DecodeString(hashObject(t, dir, "blob", "k = \""+key()+"\"\n"))
	// a.txt's entry (the first) names the key's blob; the cache tree
	// still says the index is HEAD's tree.
	setCacheTree(t, dir, append(cacheEntry("", 2, 1, root), cacheEntry("d", 1, 0, sub)...), func(b []byte, ix *indexFile) {
		copy(b[ix.offs[0]+ixOIDAt:], keyBlob)
	})
	if got := sameAsGit(t, dir, ""); len(got) != 1 {
		t.Fatalf("%d changes, want a.txt's", len(got))
	}
	if in, git := stagedFindings(t, dir); in != 1 || git != 1 {
		t.Fatalf("findings: %d in-process, %d through git diff-index; want 1", in, git)
	}

	// The same under d: git trusts the stale entry, and so does
	// diffIndex (the answers must agree, not be right).
	run(t, dir, "read-tree", "HEAD")
	setCacheTree(t, dir, append(cacheEntry("", -1, 1, ""), cacheEntry("d", 1, 0, sub)...), func(b []byte, ix *indexFile) {
		copy(b[ix.offs[1]+ixOIDAt:], keyBlob) // d/f.txt
	})
	sameAsGit(t, dir, "")

	// An empty index whose root entry covers nothing but names HEAD's
	// tree: everything is deleted.
	run(t, dir, "read-tree", "--empty")
	setCacheTree(t, dir, cacheEntry("", 0, 0, root), nil)
	if got := sameAsGit(t, dir, ""); len(got) != 2 {
		t.Fatalf("%d changes, want 2 deletions", len(got))
	}
}

// TestDiffIndexCacheTreeChecks: a cache tree that contradicts itself or
// the entries is left to git.
func TestDiffIndexCacheTreeChecks(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "a\n")
	write(t, dir, "d/f.txt", "f\n")
	write(t, dir, "d/g.txt", "g\n")
	commitAll(t, dir, "first")
	root := run(t, dir, "rev-parse", "HEAD^{tree}")
	sub := run(t, dir, "rev-parse", "HEAD:d")
	write(t, dir, "d/f.txt", "k = \""+key()+"\"\n")
	run(t, dir, "add", "d/f.txt")
	cases := []struct {
		name string
		tree []byte
	}{
		// git dies on a name given twice ("cache-tree: internal
		// error"); the first d, valid, would hide the key.
		{"a child named twice", slices.Concat(cacheEntry("", -1, 2, ""), cacheEntry("d", 2, 0, sub), cacheEntry("d", -1, 0, ""))},
		{"a child's count is not its entries'", slices.Concat(cacheEntry("", -1, 1, ""), cacheEntry("d", 1, 0, sub))},
		{"the root's count is not the index's", slices.Concat(cacheEntry("", 5, 1, root), cacheEntry("d", -1, 0, ""))},
		{"a child without a name", slices.Concat(cacheEntry("", -1, 1, ""), cacheEntry("", -1, 0, ""))},
		{"more children than bytes", cacheEntry("", -1, 1000, "")},
		{"a count that is not a number", []byte("\x00x 0\n")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			setCacheTree(t, dir, tc.tree, nil)
			if _, _, err := inProcessDiff(t, dir, ""); !errors.Is(err, errIndexUnsupported) {
				t.Fatalf("read in-process (err %v)", err)
			}
		})
	}
}

// TestDiffIndexObjectChecks: trees git would read differently, entries
// with paths git does not store, and counts no file could hold are left
// to git.
func TestDiffIndexObjectChecks(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "a\n")
	write(t, dir, "b.txt", "b\n")
	commitAll(t, dir, "first")
	blob, _ := hex.DecodeString(run(t, dir, "rev-parse", "HEAD:a.txt"))
	entry := func(mode, name string) string { return mode + " " + name + "\x00" + string(blob) }
	for name, tree := range map[string]string{
		"unsorted":      entry("100644", "b.txt") + entry("100644", "a.txt"),
		"a name twice":  entry("100644", "a.txt") + entry("100644", "a.txt"),
		"an odd mode":   entry("100664", "a.txt"),
		"a slash":       entry("100644", "x/a.txt"),
		"no name":       entry("100644", ""),
		"cut short":     entry("100644", "a.txt")[:20],
		"dir after dir": entry("40000", "d") + entry("100644", "d.txt") + entry("40000", "c"),
	} {
		t.Run("tree "+name, func(t *testing.T) {
			tree := hashObject(t, dir, "tree", tree)
			commit := hashObject(t, dir, "commit", "tree "+tree+"\nauthor A <a@b> 0 +0000\ncommitter A <a@b> 0 +0000\n\nx\n")
			r := open(t, dir)
			objs := newObjectDir(r.commonDir())
			defer objs.close()
			raw, _ := hex.DecodeString(commit)
			var h [20]byte
			copy(h[:], raw)
			if _, err := readIndexDiff(filepath.Join(dir, ".git", "index"), h, objs); !errors.Is(err, errIndexUnsupported) {
				t.Fatalf("read in-process (err %v)", err)
			}
		})
	}

	good, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := parseIndex(good)
	if err != nil {
		t.Fatal(err)
	}
	name := int(ix.offs[1]) + ixNameAt // b.txt
	for what, edit := range map[string]func(b []byte){
		"an empty component": func(b []byte) { copy(b[name:], "b//xt") },
		"a dot component":    func(b []byte) { copy(b[name:], "./txt") },
		"a trailing slash":   func(b []byte) { copy(b[name:], "bbbb/") },
		"out of order":       func(b []byte) { copy(b[name:], "a.txa") },
		"a sparse directory": func(b []byte) { binary.BigEndian.PutUint32(b[int(ix.offs[1])+ixModeAt:], 0o40000) },
		"a count past the file": func(b []byte) {
			binary.BigEndian.PutUint32(b[8:], 0x80000000) // negative as a 32-bit int
		},
		"version 5": func(b []byte) { binary.BigEndian.PutUint32(b[4:], 5) },
	} {
		t.Run("index "+what, func(t *testing.T) {
			b := slices.Clone(good)
			edit(b)
			if _, err := parseIndex(b); !errors.Is(err, errIndexUnsupported) {
				t.Fatalf("parsed (err %v)", err)
			}
		})
	}
}

// TestDiffIndexShapes: names of 4,095 bytes and more (their length no
// longer fits the entry's flags), odd bytes, a linked worktree's own
// index and HEAD, a detached HEAD and packed refs.
func TestDiffIndexShapes(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "a\n")
	write(t, dir, "s/x", "x\n")
	commitAll(t, dir, "first")
	blob := hashObject(t, dir, "blob", "long\n")
	var long []string
	for _, n := range []int{0xffe, 0xfff, 0x1000, 5000} {
		p := strings.Repeat(strings.Repeat("p", 199)+"/", (n-1)/200) + "q"
		p = strings.Repeat("r", n-len(p)) + p
		if len(p) != n {
			t.Fatalf("a path of %d bytes, want %d", len(p), n)
		}
		long = append(long, p)
		run(t, dir, "update-index", "--add", "--cacheinfo", "100644,"+blob+","+p)
	}
	run(t, dir, "update-index", "--add", "--cacheinfo", "100644,"+blob+",odd\x01\t\x7f\xff name")
	sameAsGit(t, dir, "")
	run(t, dir, "commit", "-q", "-m", "long")
	blob2 := hashObject(t, dir, "blob", "long2\n")
	run(t, dir, "update-index", "--cacheinfo", "100644,"+blob2+","+long[1])
	sameAsGit(t, dir, "")
	run(t, dir, "commit", "-q", "-m", "long2")
	run(t, dir, "pack-refs", "--all")
	run(t, dir, "gc", "-q")
	sameAsGit(t, dir, "")

	// (Another repository: a path of 5,000 bytes cannot be checked out.)
	dir = newRepo(t)
	write(t, dir, "a.txt", "a\n")
	write(t, dir, "s/x", "x\n")
	commitAll(t, dir, "first")
	run(t, dir, "pack-refs", "--all")
	wt := filepath.Join(t.TempDir(), "wt")
	run(t, dir, "worktree", "add", "-q", "-b", "side", wt, "main")
	write(t, dir, "a.txt", "main changed\n")
	commitAll(t, dir, "main moves")
	write(t, wt, "s/x", "in the worktree\n")
	run(t, wt, "add", "s/x")
	if got := sameAsGit(t, wt, ""); len(got) != 1 {
		t.Fatalf("worktree: %d changes, want s/x", len(got))
	}
	run(t, dir, "checkout", "-q", "--detach", "HEAD~1")
	run(t, dir, "update-index", "--add", "--cacheinfo", "100644,"+hashObject(t, dir, "blob", "detached\n")+",a.txt")
	sameAsGit(t, dir, "")
}
