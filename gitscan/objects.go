package gitscan

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
)

// objectDir reads objects from a repository's own object directory,
// in-process: loose objects, and packs through their version-2 indexes
// with deltas resolved. A staged scan reads the few blobs it compares
// this way, a push the objects it peels and reads, and a blocked commit
// HEAD's first parents; none starts 'git cat-file' (bench/startup.sh).
//
// It reads only what it can read plainly, and checks what it read: an
// object it does not find here (one an alternate object store holds), an
// index or pack it cannot parse, an object over the size limit, or
// content that does not hash to the name asked for is left to git, which
// the caller asks next. It never returns content whose hash is not the
// name asked for. It is not safe for concurrent use.
type objectDir struct {
	dir    string // <common dir>/objects
	packs  []*packFile
	listed bool
	reads  int // objects asked for (maxDirReads)

	// Reused for every packed object: a zlib reader allocates about
	// 40 KB, and a tree read through a chain of 40 deltas would
	// allocate (and fault in) 2 MB.
	br *bufio.Reader
	zr io.ReadCloser

	deltas, refDeltas int // deltas resolved, and those on a name (tests)
}

func newObjectDir(commonDir string) *objectDir {
	return &objectDir{dir: filepath.Join(commonDir, "objects")}
}

func (o *objectDir) close() {
	for _, p := range o.packs {
		p.close()
	}
	o.packs = nil
}

// blob returns h's content when h is a blob of at most max bytes that
// the directory holds and reads as h.
func (o *objectDir) blob(h plumbing.Hash, max int64) ([]byte, bool) {
	typ, b, ok := o.object(h, max)
	return b, ok && typ == plumbing.BlobObject
}

// maxDirReads is how many objects an objectDir reads (a variable: tests
// lower it); git reads the others. A hook reads a few. git keeps the
// bases of the deltas it resolved, and objectDir does not: a first push
// of 20,001 commits (51,206 blobs) took 29.9 s read here, against
// 10.3 s through git.
var maxDirReads = 256

// object returns h's type and content when the directory holds h, of at
// most max bytes, and it reads as h.
func (o *objectDir) object(h plumbing.Hash, max int64) (plumbing.ObjectType, []byte, bool) {
	if o.reads >= maxDirReads {
		return 0, nil, false
	}
	o.reads++
	if typ, b, found := o.loose(h, max); found {
		return typ, b, b != nil
	}
	for _, p := range o.packList() {
		off, found, err := p.find(h)
		if err != nil {
			return 0, nil, false
		}
		if !found {
			continue
		}
		typ, b, err := o.unpack(p, off, max)
		if err != nil || plumbing.ComputeHash(typ, b) != h {
			return 0, nil, false
		}
		return typ, b, true
	}
	return 0, nil, false
}

// loose reads h's loose object: found when the file exists; the content
// nil when it is not an object of h under max that reads plainly.
func (o *objectDir) loose(h plumbing.Hash, max int64) (typ plumbing.ObjectType, b []byte, found bool) {
	name := h.String()
	f, err := os.Open(filepath.Join(o.dir, name[:2], name[2:]))
	if err != nil {
		return 0, nil, false
	}
	defer f.Close()
	zr, err := zlib.NewReader(f)
	if err != nil {
		return 0, nil, true
	}
	defer zr.Close()
	// "TYPE SIZE\0": read up to maxLooseHeader bytes of it, no more (git
	// reads 32; go-git's objfile reader has no bound).
	rd := bufio.NewReaderSize(zr, 4096)
	var head []byte
	for {
		c, err := rd.ReadByte()
		if err != nil || len(head) == maxLooseHeader {
			return 0, nil, true
		}
		if c == 0 {
			break
		}
		head = append(head, c)
	}
	t, s, _ := strings.Cut(string(head), " ")
	typ, err = plumbing.ParseObjectType(t)
	size, serr := strconv.ParseInt(s, 10, 64)
	if err != nil || serr != nil || !wholeType(typ) || size < 0 || size > max {
		return 0, nil, true
	}
	b = make([]byte, size+1) // one more: content past the size is damage
	n, err := io.ReadFull(rd, b)
	if int64(n) != size || (err != io.EOF && err != io.ErrUnexpectedEOF) {
		return 0, nil, true
	}
	b = b[:size:size]
	if plumbing.ComputeHash(typ, b) != h {
		return 0, nil, true
	}
	return typ, b, true
}

// maxLooseHeader bounds a loose object's header ("blob 12345\0").
const maxLooseHeader = 64

// maxDirPacks bounds the packs an objectDir opens, two files each (a
// variable: tests lower it): a repository of hundreds of packs ran a
// push out of file descriptors. The objects of the others go to git.
var maxDirPacks = 64

// packList opens the directory's pack indexes once; one it cannot open
// is passed over (its objects then go to git).
func (o *objectDir) packList() []*packFile {
	if !o.listed {
		o.listed = true
		idxs, _ := filepath.Glob(filepath.Join(o.dir, "pack", "pack-*.idx"))
		for _, idx := range idxs {
			if len(o.packs) == maxDirPacks {
				break
			}
			if p, err := openPack(idx); err == nil {
				o.packs = append(o.packs, p)
			}
		}
	}
	return o.packs
}

// maxDeltaChain bounds the deltas followed to a base (a variable:
// tests lower it). git writes chains of 50 unless told otherwise (its
// limit is 4095); a longer one, or a cycle in a damaged pack, is left to
// git.
var maxDeltaChain = 512

// unpack reads the object at off in p, resolving deltas. Every object on
// the way must be at most max bytes, and so must the deltas together: a
// small pack may hold a long chain of deltas that inflate to max each.
func (o *objectDir) unpack(p *packFile, off, max int64) (plumbing.ObjectType, []byte, error) {
	var chain [][]byte // deltas, the outermost first
	var held int64     // their bytes
	for {
		if len(chain) >= maxDeltaChain {
			return 0, nil, errors.New("delta chain too long")
		}
		if off < packHeader || off >= p.size-20 { // the pack ends with its checksum
			return 0, nil, errors.New("offset outside the pack")
		}
		sr := io.NewSectionReader(p.pack, off, p.size-off)
		if o.br == nil {
			o.br = bufio.NewReaderSize(sr, 4096)
		} else {
			o.br.Reset(sr)
		}
		rd := o.br
		typ, size, err := objectHeader(rd)
		if err != nil {
			return 0, nil, err
		}
		if size > max {
			return 0, nil, errors.New("object over the size limit")
		}
		switch {
		case wholeType(typ):
			b, err := o.inflate(rd, size)
			if err != nil {
				return 0, nil, err
			}
			for i := len(chain) - 1; i >= 0; i-- {
				if b, err = patch(b, chain[i], max); err != nil {
					return 0, nil, err
				}
			}
			return typ, b, nil
		case typ == plumbing.OFSDeltaObject:
			rel, err := deltaOffset(rd)
			if err != nil {
				return 0, nil, err
			}
			if rel <= 0 || rel > off-packHeader {
				return 0, nil, errors.New("delta base outside the pack")
			}
			off -= rel
		case typ == plumbing.REFDeltaObject:
			var base plumbing.Hash
			if _, err := io.ReadFull(rd, base[:]); err != nil {
				return 0, nil, err
			}
			var found bool
			if off, found, err = p.find(base); err != nil || !found {
				return 0, nil, errors.New("delta base not in the pack")
			}
			o.refDeltas++
		default:
			return 0, nil, fmt.Errorf("object type %d", typ)
		}
		if held += size; held > max {
			return 0, nil, errors.New("deltas over the size limit")
		}
		d, err := o.inflate(rd, size)
		if err != nil {
			return 0, nil, err
		}
		chain = append(chain, d)
		o.deltas++
	}
}

// wholeType reports whether typ is an object's own type, not a delta's.
func wholeType(typ plumbing.ObjectType) bool {
	switch typ {
	case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
		return true
	}
	return false
}

// objectHeader reads a packed object's type and size.
func objectHeader(rd *bufio.Reader) (plumbing.ObjectType, int64, error) {
	c, err := rd.ReadByte()
	if err != nil {
		return 0, 0, err
	}
	typ, size := plumbing.ObjectType(c>>4&7), int64(c&15)
	for shift := 4; c&0x80 != 0; shift += 7 {
		if shift > 56 {
			return 0, 0, errors.New("object size overflows")
		}
		if c, err = rd.ReadByte(); err != nil {
			return 0, 0, err
		}
		size |= int64(c&0x7f) << shift
	}
	return typ, size, nil
}

// deltaOffset reads an offset delta's distance back to its base.
func deltaOffset(rd *bufio.Reader) (int64, error) {
	c, err := rd.ReadByte()
	if err != nil {
		return 0, err
	}
	rel := int64(c & 0x7f)
	for c&0x80 != 0 {
		if rel >= 1<<55 {
			return 0, errors.New("delta offset overflows")
		}
		if c, err = rd.ReadByte(); err != nil {
			return 0, err
		}
		rel = (rel+1)<<7 | int64(c&0x7f)
	}
	return rel, nil
}

// inflate reads one zlib stream of exactly size bytes.
func (o *objectDir) inflate(rd io.Reader, size int64) ([]byte, error) {
	if o.zr == nil {
		zr, err := zlib.NewReader(rd)
		if err != nil {
			return nil, err
		}
		o.zr = zr
	} else if err := o.zr.(zlib.Resetter).Reset(rd, nil); err != nil {
		return nil, err
	}
	b := make([]byte, size+1) // one more: the stream must end at size
	n, err := io.ReadFull(o.zr, b)
	if int64(n) != size || (err != io.EOF && err != io.ErrUnexpectedEOF) {
		return nil, errors.New("object data does not match its size")
	}
	return b[:size:size], nil
}

// patch applies delta to base, after checking that the result it
// declares is at most max bytes (a delta may copy its base many times).
func patch(base, delta []byte, max int64) ([]byte, error) {
	_, rest, err := uvarint(delta) // the base's size: PatchDelta checks it
	if err != nil {
		return nil, err
	}
	target, _, err := uvarint(rest)
	if err != nil {
		return nil, err
	}
	if target > uint64(max) {
		return nil, errors.New("delta result over the size limit")
	}
	return packfile.PatchDelta(base, delta)
}

// uvarint reads a delta header's size (little-endian base 128).
func uvarint(b []byte) (uint64, []byte, error) {
	var v uint64
	for i, shift := 0, 0; i < len(b); i, shift = i+1, shift+7 {
		if shift > 63 {
			break
		}
		v |= uint64(b[i]&0x7f) << shift
		if b[i]&0x80 == 0 {
			return v, b[i+1:], nil
		}
	}
	return 0, nil, errors.New("bad delta header")
}

// packHeader is the size of a pack's header: "PACK", version, count.
const packHeader = 12

// packFile is a pack and its version-2 index, read with ReadAt: the
// fan-out table in memory, the names and offsets looked up on disk (an
// index of millions of objects is not read whole for a few).
type packFile struct {
	idx, pack *os.File
	fanout    [256]uint32
	n         int64 // objects
	size      int64 // the pack's bytes
	large     int64 // entries of the index's table of 64-bit offsets
}

func openPack(idxPath string) (_ *packFile, err error) {
	p := &packFile{}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	if p.idx, err = os.Open(idxPath); err != nil {
		return nil, err
	}
	var head [8 + 256*4]byte
	if _, err := p.idx.ReadAt(head[:], 0); err != nil {
		return nil, err
	}
	if !bytes.Equal(head[:8], []byte{0xff, 't', 'O', 'c', 0, 0, 0, 2}) {
		return nil, errors.New("not a version-2 pack index")
	}
	for i := range p.fanout {
		p.fanout[i] = binary.BigEndian.Uint32(head[8+4*i:])
		if i > 0 && p.fanout[i] < p.fanout[i-1] {
			return nil, errors.New("pack index: bad fan-out table")
		}
	}
	p.n = int64(p.fanout[255])
	st, err := p.idx.Stat()
	if err != nil {
		return nil, err
	}
	rest := st.Size() - (8 + 256*4 + p.n*28 + 40)
	if rest < 0 || rest%8 != 0 {
		return nil, errors.New("pack index: truncated")
	}
	p.large = rest / 8
	if p.pack, err = os.Open(strings.TrimSuffix(idxPath, ".idx") + ".pack"); err != nil {
		return nil, err
	}
	var ph [packHeader]byte
	if _, err := p.pack.ReadAt(ph[:], 0); err != nil {
		return nil, err
	}
	if v := binary.BigEndian.Uint32(ph[4:]); string(ph[:4]) != "PACK" || (v != 2 && v != 3) || int64(binary.BigEndian.Uint32(ph[8:])) != p.n {
		return nil, errors.New("pack does not match its index")
	}
	if st, err = p.pack.Stat(); err != nil {
		return nil, err
	}
	p.size = st.Size()
	return p, nil
}

func (p *packFile) close() {
	if p.idx != nil {
		p.idx.Close()
	}
	if p.pack != nil {
		p.pack.Close()
	}
}

// find returns the offset of h's object in the pack.
func (p *packFile) find(h plumbing.Hash) (int64, bool, error) {
	lo := int64(0)
	if h[0] > 0 {
		lo = int64(p.fanout[h[0]-1])
	}
	hi := int64(p.fanout[h[0]])
	names := int64(8 + 256*4)
	var name plumbing.Hash
	for lo < hi {
		mid := lo + (hi-lo)/2
		if _, err := p.idx.ReadAt(name[:], names+mid*20); err != nil {
			return 0, false, err
		}
		switch c := bytes.Compare(name[:], h[:]); {
		case c < 0:
			lo = mid + 1
		case c > 0:
			hi = mid
		default:
			return p.offset(mid)
		}
	}
	return 0, false, nil
}

// offset returns the pack offset of the index's entry i.
func (p *packFile) offset(i int64) (int64, bool, error) {
	offsets := 8 + 256*4 + p.n*24
	var b [8]byte
	if _, err := p.idx.ReadAt(b[:4], offsets+i*4); err != nil {
		return 0, false, err
	}
	off := int64(binary.BigEndian.Uint32(b[:4]))
	if off&0x80000000 != 0 {
		j := off & 0x7fffffff
		if j >= p.large {
			return 0, false, errors.New("pack index: bad large offset")
		}
		if _, err := p.idx.ReadAt(b[:], offsets+p.n*4+j*8); err != nil {
			return 0, false, err
		}
		if off = int64(binary.BigEndian.Uint64(b[:])); off < 0 {
			return 0, false, errors.New("pack index: bad large offset")
		}
	}
	return off, true, nil
}
