package gitscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime/debug"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// diffIndex is 'git diff-index --cached --raw --no-renames <tree>' read
// in-process: what the index holds that the tree (HEAD's, or nothing
// before the first commit) does not, and what the tree holds that the
// index does not. It reads the index file and the trees it must compare
// through objectDir; a staged scan then starts no git process (the
// diff-index process was its critical path: bench/startup.sh).
//
// As git does, it skips every subdirectory whose cache-tree entry in
// the index (the TREE extension) is valid and names the tree's own
// directory: a small change reads the root tree, the trees on its paths
// and no other.
//
// It reads only the common case, and errIndexUnsupported sends the
// others to git, which reads them as it always has:
//   - index versions other than 2 and 3 (4 compresses paths), a split
//     index ("link") or a sparse one ("sdir", directory entries), and
//     any other extension git requires;
//   - conflicts (stages 1-3) and intent-to-add entries;
//   - a mode, an order or a length that is not what git writes, and a
//     cache tree that contradicts itself or the entries (a name given
//     twice, a count that is not its entries');
//   - a tree or commit objectDir does not give (an alternate object
//     store, the read bound, more than maxIndexTrees trees);
//   - a platform without a read-only file mapping.
//
// The index's trailing checksum is not verified: git does not verify it
// either when it reads the index (only fsck does).
func diffIndex(ix *indexFile, objs *objectDir, tree plumbing.Hash) ([]rawEntry, error) {
	ct, err := ix.cacheTree()
	if err != nil {
		return nil, err
	}
	d := indexDiffer{ix: ix, objs: objs}
	if err := d.dir(tree, "", 0, ix.count, ct); err != nil {
		return nil, err
	}
	return d.out, nil
}

var errIndexUnsupported = errors.New("index not read in-process")

// indexFile is an index file's bytes (a read-only mapping) and where its
// entries start.
type indexFile struct {
	b       []byte
	version uint32
	count   int
	offs    []uint32 // entry i starts at b[offs[i]]
	ext     int      // the extensions start here
}

// Index entry layout (git's Documentation/gitformat-index.txt): ten
// 32-bit stat and mode fields, the object name, 16 bits of flags, in
// version 3 16 more when the extended bit is set, then the path and
// 1-8 NULs padding the entry to a multiple of 8 bytes.
const (
	ixHeader    = 12
	ixModeAt    = 24
	ixOIDAt     = 40
	ixFlagsAt   = 60
	ixNameAt    = 62
	ixExtended  = 0x4000
	ixStageMask = 0x3000
	ixNameMask  = 0x0fff
	ixIntentAdd = 0x2000 // of the extended flags
	ixExtKnown  = 0x4000 // skip-worktree, the other extended flag
	maxIndex    = 1 << 30
)

// parseIndex checks an index file's header and entries and finds its
// extensions; errIndexUnsupported when it is not one diffIndex reads.
func parseIndex(b []byte) (*indexFile, error) {
	if len(b) < ixHeader+20 || len(b) > maxIndex || string(b[:4]) != "DIRC" {
		return nil, errIndexUnsupported
	}
	count := uint64(binary.BigEndian.Uint32(b[8:])) // not an int: negative on 32-bit platforms
	ix := &indexFile{b: b, version: binary.BigEndian.Uint32(b[4:])}
	if ix.version != 2 && ix.version != 3 || count > uint64(len(b)/ixNameAt) {
		return nil, errIndexUnsupported
	}
	ix.count = int(count)
	ix.offs = make([]uint32, ix.count)
	end := len(b) - 20 // the checksum
	off := ixHeader
	var prev []byte
	for i := range ix.count {
		if off+ixNameAt > end {
			return nil, errIndexUnsupported
		}
		flags := binary.BigEndian.Uint16(b[off+ixFlagsAt:])
		name := off + ixNameAt
		if flags&ixExtended != 0 {
			if ix.version < 3 || name+2 > end {
				return nil, errIndexUnsupported
			}
			ext := binary.BigEndian.Uint16(b[name:])
			if ext&^ixExtKnown != 0 { // intent-to-add, or a flag git does not write
				return nil, errIndexUnsupported
			}
			name += 2
		}
		if flags&ixStageMask != 0 {
			return nil, errIndexUnsupported // a conflict
		}
		n := int(flags & ixNameMask)
		if name+n >= end {
			return nil, errIndexUnsupported
		}
		if n == ixNameMask {
			k := bytes.IndexByte(b[name+n:end], 0)
			if k < 0 {
				return nil, errIndexUnsupported
			}
			n += k
		}
		size := (name - off + n + 8) &^ 7
		if off+size > end || bytes.IndexByte(b[name:name+n], 0) >= 0 || b[name+n] != 0 {
			return nil, errIndexUnsupported
		}
		path := b[name : name+n]
		if !indexMode(binary.BigEndian.Uint32(b[off+ixModeAt:])) || !cleanPath(path) ||
			prev != nil && bytes.Compare(prev, path) >= 0 {
			return nil, errIndexUnsupported
		}
		ix.offs[i] = uint32(off)
		prev = path
		off += size
	}
	ix.ext = off
	return ix, nil
}

// entry returns entry i's path, mode and object name.
func (ix *indexFile) entry(i int) (path []byte, mode filemode.FileMode, oid plumbing.Hash) {
	off := int(ix.offs[i])
	flags := binary.BigEndian.Uint16(ix.b[off+ixFlagsAt:])
	name := off + ixNameAt
	if flags&ixExtended != 0 {
		name += 2
	}
	n := bytes.IndexByte(ix.b[name:], 0) // parseIndex checked it is there
	copy(oid[:], ix.b[off+ixOIDAt:off+ixOIDAt+20])
	return ix.b[name : name+n], filemode.FileMode(binary.BigEndian.Uint32(ix.b[off+ixModeAt:])), oid
}

// indexMode reports whether an index entry's mode is one git writes for
// a file, a symbolic link or a submodule (not a sparse directory).
func indexMode(m uint32) bool {
	switch filemode.FileMode(m) {
	case filemode.Regular, filemode.Executable, filemode.Symlink, filemode.Submodule:
		return true
	}
	return false
}

// cleanPath reports whether p is a path git would store: relative,
// slash-separated, no empty, "." or ".." component.
func cleanPath(p []byte) bool {
	for len(p) > 0 {
		c, rest, _ := bytes.Cut(p, []byte{'/'})
		if len(c) == 0 || string(c) == "." || string(c) == ".." {
			return false
		}
		if len(rest) == 0 && len(c) < len(p) {
			return false // a trailing slash
		}
		p = rest
	}
	return true
}

// cacheNode is one directory of the index's cache tree: how many entries
// it covers and, when valid, the tree object they make.
type cacheNode struct {
	name     string
	count    int
	valid    bool
	oid      plumbing.Hash
	children map[string]*cacheNode
}

func (c *cacheNode) child(name []byte) *cacheNode {
	if c == nil {
		return nil
	}
	return c.children[string(name)]
}

// cacheTree reads the extensions: the cache tree (nil when there is
// none); errIndexUnsupported for an extension git requires readers to
// understand (its name starts with a lower-case letter: "link", "sdir")
// or a damaged one.
func (ix *indexFile) cacheTree() (*cacheNode, error) {
	var root *cacheNode
	b := ix.b[ix.ext : len(ix.b)-20]
	for len(b) > 0 {
		if len(b) < 8 {
			return nil, errIndexUnsupported
		}
		sig, size := string(b[:4]), binary.BigEndian.Uint32(b[4:])
		if uint64(size) > uint64(len(b)-8) || sig[0] < 'A' || sig[0] > 'Z' {
			return nil, errIndexUnsupported
		}
		data := b[8 : 8+size]
		b = b[8+size:]
		if sig != "TREE" {
			continue // optional: untracked cache, resolve-undo, fsmonitor, offsets
		}
		n, rest, err := parseCacheNode(data, 0)
		if err != nil || len(rest) != 0 {
			return nil, errIndexUnsupported
		}
		root = n
	}
	if root != nil && (root.name != "" || root.valid && root.count != ix.count) {
		return nil, errIndexUnsupported
	}
	return root, nil
}

// parseCacheNode reads one cache-tree entry and its subtrees:
// "<name>\0<entries> <subtrees>\n" and, when entries is not -1, the
// tree's object name.
func parseCacheNode(b []byte, depth int) (*cacheNode, []byte, error) {
	bad := errIndexUnsupported
	if depth > 4096 {
		return nil, nil, bad
	}
	name, b, ok := bytes.Cut(b, []byte{0})
	if !ok {
		return nil, nil, bad
	}
	line, b, ok := bytes.Cut(b, []byte{'\n'})
	if !ok {
		return nil, nil, bad
	}
	e, s, ok := bytes.Cut(line, []byte{' '})
	count, err1 := strconv.Atoi(string(e))
	subs, err2 := strconv.Atoi(string(s))
	if !ok || err1 != nil || err2 != nil || count < -1 || subs < 0 || subs > len(b) {
		return nil, nil, bad
	}
	n := &cacheNode{name: string(name), count: count, valid: count >= 0}
	if n.valid {
		if len(b) < 20 {
			return nil, nil, bad
		}
		copy(n.oid[:], b[:20])
		b = b[20:]
	}
	for range subs {
		k, rest, err := parseCacheNode(b, depth+1)
		if err != nil || k.name == "" || n.child([]byte(k.name)) != nil {
			return nil, nil, bad // git dies on a name given twice
		}
		if n.children == nil {
			// A map: a directory of 20,000 subdirectories took 1.9 s
			// looked up in a list. The hint is bounded by the bytes
			// left, not by what the extension claims.
			n.children = make(map[string]*cacheNode, min(subs, len(b)/4))
		}
		n.children[k.name] = k
		b = rest
	}
	return n, b, nil
}

// indexDiffer walks the index against a tree, one directory at a time.
type indexDiffer struct {
	ix    *indexFile
	objs  *objectDir
	out   []rawEntry
	trees int // read (maxIndexTrees)
}

// maxIndexTrees bounds the trees diffIndex reads (a variable: tests
// lower it). A commit touches a few directories, and the cache tree
// spares the others; an index written without one (go-git writes none)
// would have every directory of a large repository read, which git
// does faster.
var maxIndexTrees = 128

// treeEntry is one entry of a tree object.
type treeEntry struct {
	name []byte
	mode filemode.FileMode
	oid  plumbing.Hash
}

// key orders a tree entry as the index orders paths: a directory sorts
// as its name and a slash.
func (t treeEntry) key() []byte {
	if t.mode == filemode.Dir {
		return append(t.name[:len(t.name):len(t.name)], '/')
	}
	return t.name
}

// dir compares the index entries lo..hi, the paths under prefix, with
// tree (zero: no tree holds the directory). c is the directory's cache-
// tree node, or nil.
func (d *indexDiffer) dir(tree plumbing.Hash, prefix string, lo, hi int, c *cacheNode) error {
	// As git does (unpack_callback, diff-index --cached): a
	// subdirectory's entry only, never the root's, and only one that
	// covers entries. A stale root entry would otherwise hide a changed
	// file at the top.
	if prefix != "" && c != nil && c.valid && c.count > 0 && !tree.IsZero() && c.oid == tree {
		if c.count != hi-lo {
			return errIndexUnsupported
		}
		return nil // the index holds the tree as it is
	}
	var ents []treeEntry
	if !tree.IsZero() {
		var err error
		if ents, err = d.readTree(tree); err != nil {
			return err
		}
	}
	i, t := lo, 0
	for i < hi || t < len(ents) {
		var ikey, comp []byte
		j := i + 1 // the end of the index's entries for ikey
		if i < hi {
			p, _, _ := d.ix.entry(i)
			ikey = p[len(prefix):]
			if k := bytes.IndexByte(ikey, '/'); k >= 0 {
				comp, ikey = ikey[:k], ikey[:k+1]
				for j < hi {
					q, _, _ := d.ix.entry(j)
					if !bytes.HasPrefix(q[len(prefix):], ikey) {
						break
					}
					j++
				}
			}
		}
		cmp := -1 // the index's entry comes first
		switch {
		case i == hi:
			cmp = 1
		case t < len(ents):
			cmp = bytes.Compare(ikey, ents[t].key())
		}
		switch {
		case cmp < 0: // only in the index: added
			for ; i < j; i++ {
				p, m, h := d.ix.entry(i)
				d.emit(p, 0, m, plumbing.ZeroHash, h, 'A')
			}
		case cmp > 0: // only in the tree: deleted
			e := ents[t]
			t++
			if e.mode == filemode.Dir {
				if err := d.deleted(e.oid, prefix+string(e.name)+"/", 0); err != nil {
					return err
				}
				continue
			}
			d.emit([]byte(prefix+string(e.name)), e.mode, 0, e.oid, plumbing.ZeroHash, 'D')
		case comp != nil: // a directory on both sides
			if err := d.dir(ents[t].oid, prefix+string(ikey), i, j, c.child(comp)); err != nil {
				return err
			}
			i, t = j, t+1
		default: // a file on both sides
			p, m, h := d.ix.entry(i)
			e := ents[t]
			i, t = i+1, t+1
			switch {
			case m == e.mode && h == e.oid:
			case m&0o170000 != e.mode&0o170000:
				d.emit(p, e.mode, m, e.oid, h, 'T')
			default:
				d.emit(p, e.mode, m, e.oid, h, 'M')
			}
		}
	}
	return nil
}

// deleted reports every file of tree, which the index no longer holds.
func (d *indexDiffer) deleted(tree plumbing.Hash, prefix string, depth int) error {
	if depth > 4096 {
		return errIndexUnsupported
	}
	ents, err := d.readTree(tree)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.mode == filemode.Dir {
			if err := d.deleted(e.oid, prefix+string(e.name)+"/", depth+1); err != nil {
				return err
			}
			continue
		}
		d.emit([]byte(prefix+string(e.name)), e.mode, 0, e.oid, plumbing.ZeroHash, 'D')
	}
	return nil
}

func (d *indexDiffer) emit(path []byte, oldMode, newMode filemode.FileMode, old, new plumbing.Hash, status byte) {
	d.out = append(d.out, rawEntry{path: string(path), oldMode: oldMode, newMode: newMode, old: old, new: new, status: status})
}

// readTree reads and parses a tree through objectDir: entries
// "<octal mode> <name>\0<object name>", in git's order, with the modes
// git writes.
func (d *indexDiffer) readTree(h plumbing.Hash) ([]treeEntry, error) {
	if d.trees >= maxIndexTrees {
		return nil, errIndexUnsupported
	}
	d.trees++
	typ, b, ok := d.objs.object(h, maxDirObject)
	if !ok || typ != plumbing.TreeObject {
		return nil, errIndexUnsupported
	}
	var ents []treeEntry
	for len(b) > 0 {
		mode, rest, ok := bytes.Cut(b, []byte{' '})
		if !ok {
			return nil, errIndexUnsupported
		}
		name, rest, ok := bytes.Cut(rest, []byte{0})
		if !ok || len(rest) < 20 {
			return nil, errIndexUnsupported
		}
		var e treeEntry
		switch string(mode) {
		case "100644":
			e.mode = filemode.Regular
		case "100755":
			e.mode = filemode.Executable
		case "120000":
			e.mode = filemode.Symlink
		case "160000":
			e.mode = filemode.Submodule
		case "40000":
			e.mode = filemode.Dir
		default:
			return nil, errIndexUnsupported // git would read it as another mode
		}
		e.name = name
		copy(e.oid[:], rest[:20])
		b = rest[20:]
		if len(name) == 0 || bytes.IndexByte(name, '/') >= 0 || string(name) == "." || string(name) == ".." ||
			len(ents) > 0 && bytes.Compare(ents[len(ents)-1].key(), e.key()) >= 0 {
			return nil, errIndexUnsupported
		}
		ents = append(ents, e)
	}
	return ents, nil
}

// commitTree reads a commit through objectDir and returns its tree.
func commitTree(objs *objectDir, h plumbing.Hash) (plumbing.Hash, error) {
	typ, b, ok := objs.object(h, maxDirObject)
	if !ok || typ != plumbing.CommitObject {
		return plumbing.ZeroHash, errIndexUnsupported
	}
	line, _, _ := bytes.Cut(b, []byte{'\n'})
	hex, ok := bytes.CutPrefix(line, []byte("tree "))
	if !ok || len(hex) != 40 || !isObjectID(string(hex)) {
		return plumbing.ZeroHash, errIndexUnsupported
	}
	return plumbing.NewHash(string(hex)), nil
}

// afterMap runs once readIndexDiff mapped the index (tests cut the file
// short there).
var afterMap func()

// readIndexDiff is diffIndex on the index file against head's tree (no
// tree when head is zero, before the first commit). Any error means git
// is to be asked.
func readIndexDiff(file string, head plumbing.Hash, objs *objectDir) (entries []rawEntry, err error) {
	b, release, err := mapIndex(file)
	if err != nil {
		return nil, err
	}
	defer release()
	if afterMap != nil {
		afterMap()
	}
	// A file truncated under the mapping faults: a panic here, recovered
	// below, rather than the end of the process.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			if _, fault := v.(interface{ Addr() uintptr }); !fault {
				panic(v)
			}
			entries, err = nil, errIndexUnsupported
		}
	}()
	ix, err := parseIndex(b)
	if err != nil {
		return nil, err
	}
	var tree plumbing.Hash
	if !head.IsZero() {
		if tree, err = commitTree(objs, head); err != nil {
			return nil, err
		}
	}
	return diffIndex(ix, objs, tree)
}
