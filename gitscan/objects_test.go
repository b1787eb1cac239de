package gitscan

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/leakguard/leakguard/internal/testkit/alloc"
)

// deltaRepo makes a repository whose files changed over many commits,
// so that a repack stores most of their versions as deltas.
func deltaRepo(t *testing.T) string {
	t.Helper()
	dir := newRepo(t)
	var body strings.Builder
	for i := range 300 {
		fmt.Fprintf(&body, "line %d of a file that changes a little in each commit\n", i)
	}
	text := body.String()
	for c := range 12 {
		text = strings.Replace(text, fmt.Sprintf("line %d ", c*20), fmt.Sprintf("line %d (edited in %d) ", c*20, c), 1)
		write(t, dir, "a.txt", text)
		write(t, dir, "b.txt", strings.Repeat(fmt.Sprintf("b %d\n", c), 200+c))
		commitAll(t, dir, fmt.Sprintf("c%d", c))
	}
	return dir
}

// gitBlobs lists the repository's blobs (every object, reachable or not).
func gitBlobs(t *testing.T, dir string) []plumbing.Hash {
	t.Helper()
	var out []plumbing.Hash
	for _, l := range strings.Split(run(t, dir, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectname)"), "\n") {
		if typ, h, ok := strings.Cut(l, " "); ok && typ == "blob" {
			out = append(out, plumbing.NewHash(h))
		}
	}
	return out
}

func catBlob(t *testing.T, dir string, h plumbing.Hash) []byte {
	t.Helper()
	b, err := gitCmd(dir, "cat-file", "blob", h.String()).Output()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestObjectDirMatchesGit reads every blob of a repository in-process,
// loose, packed whole, and packed as deltas on an offset or on a name,
// and wants git's bytes for each.
func TestObjectDirMatchesGit(t *testing.T) {
	dir := deltaRepo(t)
	for _, tc := range []struct {
		name   string
		repack []string // nil: loose objects
	}{
		{"loose", nil},
		{"ofs-delta", []string{"repack", "-adfq", "--depth=50"}},
		{"ref-delta", []string{"-c", "repack.useDeltaBaseOffset=false", "repack", "-adfq", "--depth=50"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.repack != nil {
				run(t, dir, tc.repack...)
			}
			blobs := gitBlobs(t, dir)
			if len(blobs) < 24 {
				t.Fatalf("%d blobs, want 24 or more", len(blobs))
			}
			o := newObjectDir(filepath.Join(dir, ".git"))
			defer o.close()
			for _, h := range blobs {
				b, ok := o.blob(h, 1<<20)
				if !ok {
					t.Fatalf("blob %s: not read", h)
				}
				if want := catBlob(t, dir, h); !bytes.Equal(b, want) {
					t.Fatalf("blob %s: %d bytes, git has %d", h, len(b), len(want))
				}
			}
			// Commits and trees too (a push peels refs, the root walk
			// reads commits): every object as git's --batch gives it.
			all := strings.Split(run(t, dir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)"), "\n")
			if len(all) < len(blobs)+24 {
				t.Fatalf("%d objects, want commits and trees besides %d blobs", len(all), len(blobs))
			}
			for _, l := range all {
				name, typ, _ := strings.Cut(l, " ")
				got, b, ok := o.object(plumbing.NewHash(name), 1<<20)
				want, err := gitCmd(dir, "cat-file", typ, name).Output()
				if err != nil || !ok || got.String() != typ || !bytes.Equal(b, want) {
					t.Fatalf("%s %s: read %v as %s, %d bytes; git has %d (%v)", typ, name, ok, got, len(b), len(want), err)
				}
			}
			switch {
			case tc.repack == nil && (o.deltas != 0 || len(o.packs) != 0):
				t.Fatalf("loose objects: %d deltas in %d packs", o.deltas, len(o.packs))
			case tc.name == "ofs-delta" && o.deltas < len(blobs)/2:
				t.Fatalf("%d deltas resolved for %d blobs: the repack made too few to test", o.deltas, len(blobs))
			case tc.name == "ref-delta" && o.refDeltas < len(blobs)/2:
				t.Fatalf("%d deltas on a name for %d blobs: the repack made too few to test", o.refDeltas, len(blobs))
			}
			if _, ok := o.blob(plumbing.NewHash(strings.Repeat("ab", 20)), 1<<20); ok {
				t.Fatal("an object the repository lacks was read")
			}
			if tc.repack == nil {
				return
			}
			// A chain longer than the limit is left to git; so are deltas
			// that together pass the size limit.
			defer func(n int) { maxDeltaChain = n }(maxDeltaChain)
			maxDeltaChain = 1
			deep := 0
			for _, h := range blobs {
				if _, ok := o.blob(h, 1<<20); !ok {
					deep++
				}
			}
			if deep == 0 || deep == len(blobs) {
				t.Fatalf("with chains of one delta at most, %d of %d blobs not read", deep, len(blobs))
			}

		})
	}
}

// TestObjectDirReadsBounded: past maxDirReads objects, git reads.
func TestObjectDirReadsBounded(t *testing.T) {
	dir := deltaRepo(t)
	blobs := gitBlobs(t, dir)
	defer func(n int) { maxDirReads = n }(maxDirReads)
	maxDirReads = 3
	o := newObjectDir(filepath.Join(dir, ".git"))
	defer o.close()
	for i, h := range blobs[:4] {
		if _, ok := o.blob(h, 1<<20); ok != (i < 3) {
			t.Fatalf("read %d: ok = %v with a bound of 3", i+1, ok)
		}
	}
}

// TestObjectDirLooseHeaderBounded: a loose object's header is read up
// to 64 bytes, as git reads at most 32: one that never ends cost go-git's
// reader gigabytes (found by review).
func TestObjectDirLooseHeaderBounded(t *testing.T) {
	dir := newRepo(t)
	h := plumbing.NewHash(strings.Repeat("a1", 20))
	path := filepath.Join(dir, ".git", "objects", "a1", h.String()[2:])
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	z := zlib.NewWriter(&buf)
	z.Write(bytes.Repeat([]byte{'x'}, 1<<20)) // a header with no space
	z.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o444); err != nil {
		t.Fatal(err)
	}
	var ok bool
	n := alloc.Bytes(func() {
		o := newObjectDir(filepath.Join(dir, ".git"))
		_, ok = o.blob(h, 10<<20)
		o.close()
	})
	if ok {
		t.Fatal("an object with no header was read")
	}
	if n > 256<<10 {
		t.Fatalf("reading a 1 MiB header allocated %d bytes", n)
	}
}

// TestObjectDirIndexMismatch: an index whose offsets point at each
// other's objects (a stale index beside a rewritten pack) gives nothing
// under the wrong name: the hash of what was read must be the name
// asked for (found by review).
func TestObjectDirIndexMismatch(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "one.txt", "one one one\n")
	write(t, dir, "two.txt", "two two two\n")
	commitAll(t, dir, "first")
	one := plumbing.NewHash(run(t, dir, "rev-parse", "HEAD:one.txt"))
	two := plumbing.NewHash(run(t, dir, "rev-parse", "HEAD:two.txt"))
	run(t, dir, "repack", "-adq")
	idxs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.idx"))
	if len(idxs) != 1 {
		t.Fatalf("%d pack indexes, want 1", len(idxs))
	}
	idx, err := os.ReadFile(idxs[0])
	if err != nil {
		t.Fatal(err)
	}
	n := int64(binary.BigEndian.Uint32(idx[8+255*4:]))
	at := func(h plumbing.Hash) int64 { // the offset entry of h
		for i := range n {
			if bytes.Equal(idx[8+1024+i*20:8+1024+i*20+20], h[:]) {
				return 8 + 1024 + n*24 + i*4
			}
		}
		t.Fatalf("%s not in the index", h)
		return 0
	}
	a, b := at(one), at(two)
	var x [4]byte
	copy(x[:], idx[a:a+4])
	copy(idx[a:a+4], idx[b:b+4])
	copy(idx[b:b+4], x[:])
	os.Chmod(idxs[0], 0o644)
	if err := os.WriteFile(idxs[0], idx, 0o644); err != nil {
		t.Fatal(err)
	}
	o := newObjectDir(filepath.Join(dir, ".git"))
	defer o.close()
	if got, ok := o.blob(one, 1<<20); ok {
		t.Fatalf("read %q under one's name", got)
	}
}

// TestObjectDirDeltaResultBounded: a delta of a few hundred bytes that
// copies its base a hundred times is refused under a limit below what it
// declares, before it is applied (found by review).
func TestObjectDirDeltaResultBounded(t *testing.T) {
	base := bytes.Repeat([]byte{'a'}, 1000)
	var d bytes.Buffer
	d.Write([]byte{0xe8, 0x07})       // the base's size, 1,000
	d.Write([]byte{0xa0, 0x8d, 0x06}) // the result's, 100,000
	for range 100 {
		d.Write([]byte{0x80 | 0x10 | 0x20, 0xe8, 0x03}) // copy 1,000 bytes from 0
	}
	if _, err := patch(base, d.Bytes(), 5000); err == nil {
		t.Fatal("a 100,000-byte result was made under a limit of 5,000")
	}
	if b, err := patch(base, d.Bytes(), 100000); err != nil || len(b) != 100000 {
		t.Fatalf("not made under a limit of 100,000: %d bytes, %v", len(b), err)
	}
}

// TestObjectDirBlobIsABlob: blob gives blobs only; object gives the rest.
func TestObjectDirBlobIsABlob(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "a\n")
	commitAll(t, dir, "first")
	tree := plumbing.NewHash(run(t, dir, "rev-parse", "HEAD^{tree}"))
	o := newObjectDir(filepath.Join(dir, ".git"))
	defer o.close()
	if _, ok := o.blob(tree, 1<<20); ok {
		t.Fatal("a tree was read as a blob")
	}
	if typ, _, ok := o.object(tree, 1<<20); !ok || typ != plumbing.TreeObject {
		t.Fatalf("object(tree) = %v, %v", typ, ok)
	}
}

// TestObjectDirPacksBounded: at most maxDirPacks packs are opened; an
// object in another is left to git (found by review: 600 packs ran a
// push out of file descriptors).
func TestObjectDirPacksBounded(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "a\n")
	commitAll(t, dir, "first")
	run(t, dir, "repack", "-dq")
	write(t, dir, "b.txt", "b\n")
	commitAll(t, dir, "second")
	run(t, dir, "repack", "-dq")
	idxs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.idx"))
	if len(idxs) != 2 {
		t.Fatalf("%d packs, want 2", len(idxs))
	}
	blobs := []plumbing.Hash{plumbing.NewHash(run(t, dir, "rev-parse", "HEAD:a.txt")), plumbing.NewHash(run(t, dir, "rev-parse", "HEAD:b.txt"))}
	read := func() (n int) {
		o := newObjectDir(filepath.Join(dir, ".git"))
		defer o.close()
		for _, h := range blobs {
			if _, ok := o.blob(h, 1<<20); ok {
				n++
			}
		}
		return n
	}
	if n := read(); n != 2 {
		t.Fatalf("%d of 2 blobs read from 2 packs", n)
	}
	defer func(n int) { maxDirPacks = n }(maxDirPacks)
	maxDirPacks = 1
	if n := read(); n != 1 {
		t.Fatalf("%d of 2 blobs read with one pack opened, want 1", n)
	}
}

// TestObjectDirDeltaBytes: the deltas of a chain count against the size
// limit together. The pack is made here: a blob of 1,000 bytes, then
// three deltas that each replace it with 1,000 bytes of their own.
func TestObjectDirDeltaBytes(t *testing.T) {
	dir := newRepo(t)
	var pack bytes.Buffer
	pack.WriteString("PACK\x00\x00\x00\x02\x00\x00\x00\x04")
	header := func(typ byte, size int) {
		c := typ<<4 | byte(size&15)
		for size >>= 4; size > 0; size >>= 7 {
			pack.WriteByte(c | 0x80)
			c = byte(size & 0x7f)
		}
		pack.WriteByte(c)
	}
	deflate := func(b []byte) {
		z := zlib.NewWriter(&pack)
		z.Write(b)
		z.Close()
	}
	content := func(i int) []byte { return bytes.Repeat([]byte{'a' + byte(i)}, 1000) }
	size := func(n int) []byte { return []byte{byte(n&0x7f) | 0x80, byte(n >> 7)} } // 1000: two bytes
	offs := []int{pack.Len()}
	header(3, 1000)
	deflate(content(0))
	for i := 1; i <= 3; i++ {
		var d bytes.Buffer
		d.Write(size(1000)) // the base's size
		d.Write(size(1000)) // the result's
		for b := content(i); len(b) > 0; b = b[min(len(b), 125):] {
			d.WriteByte(byte(min(len(b), 125))) // insert what follows
			d.Write(b[:min(len(b), 125)])
		}
		off := pack.Len()
		header(6, d.Len())
		rel := off - offs[i-1] // the base is the object before
		enc := []byte{byte(rel & 0x7f)}
		for rel >>= 7; rel > 0; rel >>= 7 {
			rel--
			enc = append([]byte{byte(rel&0x7f) | 0x80}, enc...)
		}
		pack.Write(enc)
		deflate(d.Bytes())
		offs = append(offs, off)
	}
	sum := sha1.Sum(pack.Bytes())
	pack.Write(sum[:])
	packs := filepath.Join(dir, ".git", "objects", "pack")
	if err := os.WriteFile(filepath.Join(packs, "pack-t.pack"), pack.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "index-pack", "-o", filepath.Join(packs, "pack-t.idx"), filepath.Join(packs, "pack-t.pack"))
	last := plumbing.ComputeHash(plumbing.BlobObject, content(3))
	if got := catBlob(t, dir, last); !bytes.Equal(got, content(3)) {
		t.Fatalf("git reads %d bytes from the made pack", len(got))
	}
	read := func(max int64) bool {
		o := newObjectDir(filepath.Join(dir, ".git"))
		defer o.close()
		b, ok := o.blob(last, max)
		if ok && !bytes.Equal(b, content(3)) {
			t.Fatalf("read %d other bytes", len(b))
		}
		return ok
	}
	// Each object is 1,000 bytes (the deltas a few more); the deltas
	// are 3,036 together.
	if read(3000) {
		t.Fatal("read with deltas of 3,036 bytes under a limit of 3,000")
	}
	if !read(3100) {
		t.Fatal("not read under a limit of 3,100")
	}
}

// TestObjectDirRefusesDamage: what the object directory holds damaged,
// or over the size limit, is left to git, never returned.
func TestObjectDirRefusesDamage(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "one.txt", strings.Repeat("one\n", 500))
	write(t, dir, "two.txt", strings.Repeat("two\n", 500))
	commitAll(t, dir, "first")
	one := plumbing.NewHash(run(t, dir, "rev-parse", "HEAD:one.txt"))
	two := plumbing.NewHash(run(t, dir, "rev-parse", "HEAD:two.txt"))
	loose := func(h plumbing.Hash) string {
		return filepath.Join(dir, ".git", "objects", h.String()[:2], h.String()[2:])
	}
	read := func(h plumbing.Hash, max int64) bool {
		o := newObjectDir(filepath.Join(dir, ".git"))
		defer o.close()
		_, ok := o.blob(h, max)
		return ok
	}
	if !read(one, 1<<20) || !read(two, 1<<20) {
		t.Fatal("intact loose objects not read")
	}
	if read(one, 1999) {
		t.Fatal("a 2,000-byte blob was read under a limit of 1,999")
	}
	if !read(one, 2000) {
		t.Fatal("a 2,000-byte blob was not read under a limit of 2,000")
	}
	// Another object's file in one's place: it inflates, and hashes to two.
	good, err := os.ReadFile(loose(one))
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.ReadFile(loose(two))
	if err != nil {
		t.Fatal(err)
	}
	replace := func(path string, b []byte) {
		t.Helper()
		os.Chmod(path, 0o644)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	replace(loose(one), other)
	if read(one, 1<<20) {
		t.Fatal("a loose object whose content hashes to another name was read")
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x20
	replace(loose(one), flipped)
	if read(one, 1<<20) {
		t.Fatal("a damaged loose object was read")
	}
	replace(loose(one), good)

	// The same in a pack: damage one object's data, the other still reads.
	run(t, dir, "repack", "-adq")
	packs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.pack"))
	if len(packs) != 1 {
		t.Fatalf("%d packs, want 1", len(packs))
	}
	if !read(one, 1<<20) || !read(two, 1<<20) {
		t.Fatal("intact packed objects not read")
	}
	o := newObjectDir(filepath.Join(dir, ".git"))
	off, found, err := o.packList()[0].find(one)
	o.close()
	if err != nil || !found {
		t.Fatalf("find: %v %v", found, err)
	}
	pack, err := os.ReadFile(packs[0])
	if err != nil {
		t.Fatal(err)
	}
	pack[off+8] ^= 0x01 // inside the compressed data
	replace(packs[0], pack)
	if read(one, 1<<20) {
		t.Fatal("a damaged packed object was read")
	}
	if !read(two, 1<<20) {
		t.Fatal("an intact object of a damaged pack was not read")
	}
}

// TestPackIndexLargeOffset finds an object past 2 GiB: a version-2
// index keeps such offsets in a table of its own.
func TestPackIndexLargeOffset(t *testing.T) {
	hashes := []plumbing.Hash{plumbing.NewHash(strings.Repeat("11", 20)), plumbing.NewHash(strings.Repeat("c4", 20))}
	offsets := []uint64{12, 5 << 30}
	var idx bytes.Buffer
	idx.Write([]byte{0xff, 't', 'O', 'c', 0, 0, 0, 2})
	for b := range 256 {
		n := uint32(0)
		for _, h := range hashes {
			if int(h[0]) <= b {
				n++
			}
		}
		binary.Write(&idx, binary.BigEndian, n)
	}
	for _, h := range hashes {
		idx.Write(h[:])
	}
	idx.Write(make([]byte, 4*len(hashes))) // CRCs
	binary.Write(&idx, binary.BigEndian, uint32(offsets[0]))
	binary.Write(&idx, binary.BigEndian, uint32(0x80000000)) // the first large offset
	binary.Write(&idx, binary.BigEndian, offsets[1])
	idx.Write(make([]byte, 40)) // checksums
	d := t.TempDir()
	if err := os.WriteFile(filepath.Join(d, "pack-x.idx"), idx.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "pack-x.pack"), append([]byte("PACK\x00\x00\x00\x02\x00\x00\x00\x02"), make([]byte, 20)...), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := openPack(filepath.Join(d, "pack-x.idx"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	for i, h := range hashes {
		off, found, err := p.find(h)
		if err != nil || !found || uint64(off) != offsets[i] {
			t.Fatalf("find(%s) = %d, %v, %v; want %d", h, off, found, err, offsets[i])
		}
	}
	if _, found, _ := p.find(plumbing.NewHash(strings.Repeat("12", 20))); found {
		t.Fatal("found an object the index lacks")
	}
}

// TestStagedReadsObjectsInProcess: a staged scan through git reads the
// blobs it compares in-process, packed or loose, and starts no 'git
// cat-file'; an object only an alternate object store holds still goes
// to git.
func TestStagedReadsObjectsInProcess(t *testing.T) {
	dir := deltaRepo(t)
	run(t, dir, "repack", "-adq")
	old := run(t, dir, "show", "HEAD:a.txt")
	write(t, dir, "a.txt", old+"\nk = \""+key()+"\"\n")
	write(t, dir, "new.txt", "k = \""+key()+"\"\n")
	run(t, dir, "add", ".")
	scan := func(t *testing.T, dir string) *Repo {
		t.Helper()
		r := open(t, dir)
		fs, _, err := r.Staged(context.Background(), Options{Detector: detector(t), Backend: "git"})
		if err != nil {
			t.Fatal(err)
		}
		wantWhere(t, where(fs), fmt.Sprintf("a.txt:%d", strings.Count(old, "\n")+2), "new.txt:1")
		return r
	}
	if r := scan(t, dir); r.catFiles.Load() != 0 || r.diffIndexes.Load() != 0 {
		t.Fatalf("%d cat-file and %d diff-index processes started; the index, trees and blobs are all here",
			r.catFiles.Load(), r.diffIndexes.Load())
	}

	// A clone that borrows its objects: HEAD's commit, trees and blobs
	// are in the alternate, which git reads.
	shared := filepath.Join(t.TempDir(), "shared")
	if out, err := exec.Command("git", "clone", "-q", "--shared", dir, shared).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v: %s", err, out)
	}
	write(t, shared, "a.txt", old+"\nk = \""+key()+"\"\n")
	write(t, shared, "new.txt", "k = \""+key()+"\"\n")
	run(t, shared, "add", ".")
	if r := scan(t, shared); r.catFiles.Load() != 1 || r.diffIndexes.Load() != 1 {
		t.Fatalf("%d cat-file and %d diff-index processes started, want 1 of each for the alternate's objects",
			r.catFiles.Load(), r.diffIndexes.Load())
	}
}

// TestPrePushReadsObjectsInProcess: a push read through git reads its
// objects (the pushed refs, the commits' blobs) from the object
// directory and starts no 'git cat-file'.
func TestPrePushReadsObjectsInProcess(t *testing.T) {
	dir := deltaRepo(t)
	base := run(t, dir, "rev-parse", "HEAD")
	run(t, dir, "update-ref", "refs/remotes/origin/main", base)
	run(t, dir, "repack", "-adq")
	old := run(t, dir, "show", "HEAD:a.txt")
	write(t, dir, "a.txt", old+"\nk = \""+key()+"\"\n")
	write(t, dir, "new.txt", "k = \""+key()+"\"\n")
	c1 := commitAll(t, dir, "keys")
	run(t, dir, "tag", "-a", "-m", "v1", "v1")
	tag := run(t, dir, "rev-parse", "v1")
	ups, err := ParsePushUpdates(strings.NewReader("refs/heads/main " + c1 + " refs/heads/main " + base + "\nrefs/tags/v1 " + tag + " refs/tags/v1 " + zero + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := open(t, dir)
	fs, _, err := r.PrePush(t.Context(), Options{Detector: detector(t), Backend: "git"}, ups)
	if err != nil {
		t.Fatal(err)
	}
	wantWhere(t, where(fs), fmt.Sprintf("%s a.txt:%d", c1[:7], strings.Count(old, "\n")+2), c1[:7]+" new.txt:1")
	if n := r.catFiles.Load(); n != 0 {
		t.Fatalf("%d cat-file processes started; the objects are in the object directory", n)
	}
}
