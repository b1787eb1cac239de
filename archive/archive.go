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
package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
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
}

// Walk expands the archive b named name and calls fn with each regular
// file inside it ("name!/inner/path") that is not itself an archive
// opened in turn. fn is called in archive order, one at a time.
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
}

func (w *walker) skip(p, reason string) {
	w.res.Skipped = append(w.res.Skipped, Skip{Path: p, Reason: reason})
}

// archive expands one archive at depth (1: the outer one).
func (w *walker) archive(name string, b []byte, depth int) {
	var err error
	switch Detect(b) {
	case Zip:
		err = w.zip(name, b, depth)
	case Tar:
		err = w.tar(name, tar.NewReader(bytes.NewReader(b)), depth)
	case Gzip:
		err = w.gzip(name, b, depth)
	}
	if err != nil {
		w.skip(name, "unreadable archive: "+err.Error())
	}
}

// entry reads an entry (of declared size, -1 unknown) and hands it on.
func (w *walker) entry(archive, inner string, size int64, open func() (io.Reader, error), depth int) error {
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
	b, err := io.ReadAll(io.LimitReader(r, min(w.l.MaxEntry, left)+1))
	if err != nil {
		w.skip(p, "unreadable: "+err.Error())
		return nil
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
			return nil
		}
		w.skip(p, fmt.Sprintf("an archive nested deeper than %d levels", w.l.Depth))
		return nil
	}
	w.fn(p, b)
	return nil
}

func (w *walker) zip(name string, b []byte, depth int) error {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !f.Mode().IsRegular() {
			continue
		}
		size := int64(f.UncompressedSize64)
		if f.UncompressedSize64 > 1<<62 {
			size = 1 << 62
		}
		if err := w.entry(name, f.Name, size, func() (io.Reader, error) { return f.Open() }, depth); err != nil {
			return err
		}
	}
	return nil
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
		if err := w.entry(name, h.Name, h.Size, func() (io.Reader, error) { return tr, nil }, depth); err != nil {
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
	return w.entry(name, inner, -1, func() (io.Reader, error) { return r, nil }, depth)
}
