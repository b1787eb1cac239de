// Package archive expands archives for scanning: zip (and the formats
// that are zips: jar, war, ear, apk, whl, nupkg, …), tar, gzip and
// tar.gz/tgz, nested to a bounded depth, and finds the printable text of
// binary files.
//
// It reads from memory and imports nothing of leakguard's, so that every
// source (the directory walker in scanner, the git sources in gitscan)
// expands archives the same way.
//
// # Bounds
//
// An archive is hostile until read: a zip bomb expands a few KiB into
// gigabytes. [Walk] stops at [Limits]: nested archives deeper than Depth
// are not opened, an entry larger than MaxEntry is not read, and the
// expansion stops after MaxBytes expanded bytes or MaxEntries entries.
// Whatever was not read is reported in [Result.Skipped]: a scan that
// skipped something says so.
//
// # Malformed archives
//
// An archive that cannot be read as one (a bad header, a cut-off zip, a
// truncated or corrupt stream) is still a file: its own bytes are handed
// on whole (a binary to the scanner, which reads its printable text),
// and so is everything its entries give before the damage — a zip
// without its central directory is read by its local headers, a cut
// stream up to the cut. Nothing a tool could recover is left unread, so
// it is listed in [Result.Notices], not [Result.Skipped]: a damaged tar
// in Go's test data does not make a scan incomplete. An entry compressed
// with a method this package cannot read is a gap, and skipped.
package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Limits bound an expansion; zero fields take the defaults.
type Limits struct {
	// Depth is how many levels of nested archives are opened (default 2:
	// an archive and the archives inside it).
	Depth int
	// MaxEntry is the largest entry read (default 10 MiB).
	MaxEntry int64
	// MaxBytes is the most bytes expanded from one outer archive, all
	// levels together (default 256 MiB).
	MaxBytes int64
	// MaxEntries is the most entries read from one outer archive
	// (default 10,000).
	MaxEntries int
}

// Defaults.
const (
	DefaultDepth      = 2
	DefaultMaxEntry   = 10 << 20
	DefaultMaxBytes   = 256 << 20
	DefaultMaxEntries = 10000
)

func (l Limits) withDefaults() Limits {
	if l.Depth <= 0 {
		l.Depth = DefaultDepth
	}
	if l.MaxEntry <= 0 {
		l.MaxEntry = DefaultMaxEntry
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	return l
}

// Sep separates an archive's path from an entry's path inside it:
// "dist/app.zip!/config/.env".
const Sep = "!/"

// Kind is an archive format.
type Kind int

const (
	None Kind = iota
	Zip
	Tar
	Gzip // a gzip stream: a .tar.gz, or one compressed file
)

// Detect tells whether b is an archive, by content: zip's local header,
// gzip's magic, or a tar header's "ustar" magic with a valid checksum.
func Detect(b []byte) Kind {
	switch {
	case len(b) >= 4 && string(b[:4]) == "PK\x03\x04",
		len(b) >= 4 && string(b[:4]) == "PK\x05\x06": // an empty zip
		return Zip
	case len(b) >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8:
		return Gzip
	case isTar(b):
		return Tar
	}
	return None
}

func isTar(b []byte) bool {
	if len(b) < 512 || string(b[257:262]) != "ustar" {
		return false
	}
	_, err := tar.NewReader(bytes.NewReader(b[:512])).Next()
	return err == nil || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// Skip is something an expansion did not read, and why.
type Skip struct {
	Path   string // the entry ("a.zip!/b.bin"), or the archive when it stopped
	Reason string
}

// Result is what an expansion read and skipped.
type Result struct {
	Entries int   // files read
	Bytes   int64 // bytes expanded
	Skipped []Skip
	// Notices are malformed archives, handed on whole as well as for what
	// their entries gave: read, but not as the archives they claim to be.
	Notices []Skip
}

// Walk expands the archive b named name and calls fn with each regular
// file inside it ("name!/inner/path") that is not itself an archive
// opened in turn. fn is called in archive order, one at a time; a
// malformed archive is also handed to fn whole, under its own name.
func Walk(name string, b []byte, l Limits, fn func(path string, data []byte)) Result {
	w := &walker{l: l.withDefaults(), fn: fn}
	w.archive(name, b, 1)
	return w.res
}

type walker struct {
	l    Limits
	fn   func(string, []byte)
	res  Result
	done bool // a total limit was reached
	// unmet is how many bytes entries' declared sizes promised and
	// their content did not hold (see entry).
	unmet int64
}

func (w *walker) skip(p, reason string) {
	w.res.Skipped = append(w.res.Skipped, Skip{Path: p, Reason: reason})
}

// MalformedReason is the start of a malformed archive's notice.
const MalformedReason = "malformed archive"

// archive expands one archive at depth (1: the outer one).
func (w *walker) archive(name string, b []byte, depth int) {
	var err error
	switch Detect(b) {
	case Zip:
		if err = w.zip(name, b, depth); err != nil && !w.done {
			w.zipLocal(name, b, depth)
		}
	case Tar:
		err = w.tar(name, tar.NewReader(bytes.NewReader(b)), depth)
	case Gzip:
		err = w.gzip(name, b, depth)
	}
	if err != nil {
		w.res.Notices = append(w.res.Notices, Skip{Path: name, Reason: MalformedReason + " (" + err.Error() + "): scanned as a binary file, with what its entries gave"})
		w.fn(name, b)
	}
}

// entry reads an entry (of declared size, -1 unknown) and hands it on.
// A read that fails part-way hands on what it read and returns the
// error: the archive is malformed from there.
//
// The buffer it is read into starts at hint bytes, the size the archive
// declares (-1: unknown): an entry read by growing a buffer is copied
// several times over. Headers may lie, so hints are followed only until
// the bytes they declared and did not deliver reach MaxBytes: lying
// headers then cost no more memory than an honest expansion.
func (w *walker) entry(archive, inner string, size, hint int64, open func() (io.Reader, error), depth int) error {
	p := archive + Sep + strings.TrimPrefix(path.Clean("/"+inner), "/")
	if w.done {
		return nil
	}
	if w.res.Entries >= w.l.MaxEntries {
		w.skip(archive, fmt.Sprintf("stopped after %d entries", w.l.MaxEntries))
		w.done = true
		return nil
	}
	if size > w.l.MaxEntry {
		w.skip(p, fmt.Sprintf("over the size limit (%d bytes)", size))
		return nil
	}
	left := w.l.MaxBytes - w.res.Bytes
	r, err := open()
	if err != nil {
		w.skip(p, "unreadable: "+err.Error())
		return nil
	}
	if w.unmet >= w.l.MaxBytes {
		hint = -1
	}
	b, readErr := readAtMost(r, hint, min(w.l.MaxEntry, left))
	if short := hint - int64(len(b)); short > 0 && hint <= min(w.l.MaxEntry, left) {
		w.unmet += short
	}
	if readErr != nil {
		readErr = fmt.Errorf("%s: %w", strings.TrimPrefix(p, archive+Sep), readErr)
		if len(b) == 0 {
			return readErr
		}
	}
	if int64(len(b)) > left {
		w.skip(archive, fmt.Sprintf("stopped after %d expanded bytes", w.l.MaxBytes))
		w.done = true
		return nil
	}
	if int64(len(b)) > w.l.MaxEntry {
		w.skip(p, "over the size limit")
		return nil
	}
	w.res.Entries++
	w.res.Bytes += int64(len(b))
	if Detect(b) != None {
		if depth < w.l.Depth {
			w.archive(p, b, depth+1)
			return readErr
		}
		w.skip(p, fmt.Sprintf("an archive nested deeper than %d levels", w.l.Depth))
		return readErr
	}
	w.fn(p, b)
	return readErr
}

// readAtMost reads r to its end, or to max bytes and one more (the
// caller tells "too large" by that byte), into a buffer made for hint
// bytes when 0 <= hint <= max. Like io.ReadAll, it returns what it read
// before an error.
func readAtMost(r io.Reader, hint, max int64) ([]byte, error) {
	r = io.LimitReader(r, max+1)
	if hint < 0 || hint > max {
		return io.ReadAll(r)
	}
	// One byte more than the hint, to read the end of input into.
	b := make([]byte, 0, hint+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			if int64(len(b)) > max {
				return b, nil // the byte that says "too large": r holds no more
			}
			b = append(b, 0)[:len(b)] // more than declared: grow as io.ReadAll does
		}
	}
}

func (w *walker) zip(name string, b []byte, depth int) error {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	var first error // a damaged entry: the others are still read
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !f.Mode().IsRegular() {
			continue
		}
		size := int64(f.UncompressedSize64)
		if f.UncompressedSize64 > 1<<62 {
			size = 1 << 62
		}
		if err := w.entry(name, f.Name, size, size, func() (io.Reader, error) { return f.Open() }, depth); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// zipLocal reads a zip that has no readable central directory by its
// local file headers, as a streaming unzip does: stored entries of known
// size and deflated ones (a deflate stream ends itself). Other entries
// are in the archive's own bytes, which are handed on whole.
func (w *walker) zipLocal(name string, b []byte, depth int) {
	le16 := func(b []byte) int { return int(b[0]) | int(b[1])<<8 }
	le32 := func(b []byte) int64 { return int64(b[0]) | int64(b[1])<<8 | int64(b[2])<<16 | int64(b[3])<<24 }
	for o := 0; !w.done; {
		i := bytes.Index(b[o:], []byte("PK\x03\x04"))
		if i < 0 || o+i+30 > len(b) {
			return
		}
		o += i
		h := b[o:]
		flags, method := le16(h[6:]), uint16(le16(h[8:]))
		csize, usize := le32(h[18:]), le32(h[22:])
		n, m := le16(h[26:]), le16(h[28:])
		start := o + 30 + n + m
		if start > len(b) {
			return
		}
		inner := string(h[30 : 30+n])
		o = start
		sized := flags&8 == 0 && csize != 0xffffffff // sizes in the header, not after the data
		if sized && start+int(csize) <= len(b) {
			o = start + int(csize)
		}
		size := int64(-1)
		if sized && usize != 0xffffffff {
			size = usize
		}
		var r io.Reader
		switch {
		case strings.HasSuffix(inner, "/"):
			continue
		case method == zip.Store && sized && start+int(csize) <= len(b):
			r = bytes.NewReader(b[start : start+int(csize)])
		case method == zip.Deflate:
			r = flate.NewReader(bytes.NewReader(b[start:]))
		default:
			continue
		}
		w.entry(name, inner, size, size, func() (io.Reader, error) { return r, nil }, depth) // damage: the archive's notice says so
	}
}

func (w *walker) tar(name string, tr *tar.Reader, depth int) error {
	for !w.done {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg { // the reader turns the old TypeRegA into TypeReg
			continue
		}
		if err := w.entry(name, h.Name, h.Size, h.Size, func() (io.Reader, error) { return tr, nil }, depth); err != nil {
			return err
		}
	}
	return nil
}

// gzip expands a gzip stream: a tar inside is walked as this archive's
// entries ("x.tar.gz!/inner"), anything else is one entry named after
// the stream ("x.gz!/x").
func (w *walker) gzip(name string, b []byte, depth int) error {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	// Peek at the start to tell a tar from a single file.
	head := make([]byte, 512)
	n, err := io.ReadFull(zr, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return err
	}
	head = head[:n]
	r := io.MultiReader(bytes.NewReader(head), zr)
	if isTar(head) {
		return w.tar(name, tar.NewReader(r), depth)
	}
	inner := zr.Name
	if inner == "" {
		base := path.Base(strings.ReplaceAll(name, Sep, "/"))
		inner = strings.TrimSuffix(strings.TrimSuffix(base, ".gz"), ".GZ")
		if inner == base || inner == "" {
			inner = "data"
		}
	}
	return w.entry(name, inner, -1, -1, func() (io.Reader, error) { return r, nil }, depth)
}
