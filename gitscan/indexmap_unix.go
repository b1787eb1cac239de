//go:build linux || darwin

package gitscan

import (
	"os"
	"syscall"
)

// mapIndex maps an index file read-only: the pages a read touches come
// from the page cache, and no copy of the whole file is made. release
// unmaps it. git replaces the index by renaming a new file over it, so
// the mapping keeps the file it was made of; a tool that truncated it in
// place would fault the reader, which readIndexDiff turns into a panic
// it recovers from (debug.SetPanicOnFault).
func mapIndex(path string) (b []byte, release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() < ixHeader+20 || fi.Size() > maxIndex {
		return nil, nil, errIndexUnsupported
	}
	b, err = syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return b, func() { syscall.Munmap(b) }, nil
}
