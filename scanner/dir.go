package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"

	"github.com/leakguard/leakguard/archive"
)

// DefaultMaxSize is the largest file scanned unless configured otherwise.
const DefaultMaxSize = 10 << 20

// DirOptions configure a file-system scan.
type DirOptions struct {
	// MaxSize skips files larger than this many bytes (0: DefaultMaxSize).
	MaxSize int64
	// Filter, when set, decides which paths below a directory root are
	// scanned: it sees each directory and file (absolute paths, .git
	// already left out) and returns false to skip it, a directory with
	// everything below it. gitscan's work-tree source sets it to apply
	// .gitignore to untracked files.
	Filter func(abs string, isDir bool) bool
	// FollowSymlinks scans the targets of symbolic links.
	FollowSymlinks bool
	// Workers is the number of parallel scanners (0: GOMAXPROCS).
	Workers int
	// Archives bound archive expansion (MaxEntry: MaxSize by default).
	Archives archive.Limits
}

// Stats counts what a scan read and what it could not.
type Stats struct {
	Files   int
	Bytes   int64
	Skipped int // too large, a link, or archive entries not read
	// Errors are files or directories that could not be read: the scan is
	// incomplete.
	Errors []error
	// Unscanned are files (and archive entries) not read for their size
	// or an archive's limits, with the reason.
	Unscanned []archive.Skip
	// Notices are malformed archives, scanned as binary files (and for
	// what their entries gave): read, so not a gap.
	Notices []archive.Skip
}

type job struct {
	abs, rel string
}

// ScanPaths scans files and directories. Each finding's File is relative
// to the root it was found under (or the path as given, for a file root).
// Findings are returned sorted by file and position.
func ScanPaths(ctx context.Context, d *Detector, roots []string, o DirOptions) ([]Finding, Stats, error) {
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Archives.MaxEntry <= 0 {
		o.Archives.MaxEntry = o.MaxSize
	}
	jobs := make(chan job, 256)
	var (
		mu    sync.Mutex
		st    Stats
		found []Finding
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		st.Errors = append(st.Errors, err)
		mu.Unlock()
	}
	for w := 0; w < o.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []Finding
			var files, skipped int
			var nbytes int64
			var unscanned, notices []archive.Skip
			for j := range jobs {
				if ctx.Err() != nil {
					continue
				}
				b, skip, err := readCandidate(j.abs, o.MaxSize)
				if err != nil {
					fail(err)
					continue
				}
				if skip != "" {
					skipped++
					if skip != skipNotRegular && !d.PathAllowed(j.rel) {
						unscanned = append(unscanned, archive.Skip{Path: j.rel, Reason: skip})
					}
					continue
				}
				files++
				nbytes += int64(len(b))
				fs, res := d.DetectFile(Fragment{Path: j.rel, Content: b}, o.Archives)
				local = append(local, fs...)
				skipped += len(res.Skipped)
				unscanned = append(unscanned, res.Skipped...)
				notices = append(notices, res.Notices...)
			}
			mu.Lock()
			found = append(found, local...)
			st.Files += files
			st.Skipped += skipped
			st.Bytes += nbytes
			st.Unscanned = append(st.Unscanned, unscanned...)
			st.Notices = append(st.Notices, notices...)
			mu.Unlock()
		}()
	}
	var walkErr error
	for _, root := range roots {
		if err := walkRoot(ctx, root, o, jobs, fail, &mu, &st); err != nil {
			walkErr = err
			break
		}
	}
	close(jobs)
	wg.Wait()
	if walkErr == nil {
		walkErr = ctx.Err()
	}
	SortFindings(found)
	sort.Slice(st.Unscanned, func(i, j int) bool { return st.Unscanned[i].Path < st.Unscanned[j].Path })
	sort.Slice(st.Notices, func(i, j int) bool { return st.Notices[i].Path < st.Notices[j].Path })
	return found, st, walkErr
}

// SortFindings orders findings by file, position and rule.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return Less(&fs[i], &fs[j]) })
}

// Less orders two findings by file, position and rule, then by what is
// left to tell them apart.
func Less(a, b *Finding) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.StartLine != b.StartLine {
		return a.StartLine < b.StartLine
	}
	if a.StartColumn != b.StartColumn {
		return a.StartColumn < b.StartColumn
	}
	if a.RuleID != b.RuleID {
		return a.RuleID < b.RuleID
	}
	// Ties only between findings of different sources (commits, links):
	// a total order all the same, so reports do not depend on which
	// worker finished first.
	if a.EndLine != b.EndLine {
		return a.EndLine < b.EndLine
	}
	if a.EndColumn != b.EndColumn {
		return a.EndColumn < b.EndColumn
	}
	if a.Fingerprint != b.Fingerprint {
		return a.Fingerprint < b.Fingerprint
	}
	if a.Commit != b.Commit {
		return a.Commit < b.Commit
	}
	return a.SymlinkFile < b.SymlinkFile
}

const skipNotRegular = "not a regular file"

// readCandidate reads a file unless it is not a regular file or too
// large (skip says which).
func readCandidate(path string, maxSize int64) (b []byte, skip string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, "", err
	}
	if !fi.Mode().IsRegular() {
		return nil, skipNotRegular, nil
	}
	if fi.Size() > maxSize {
		return nil, OverSize(fi.Size(), maxSize), nil
	}
	b = make([]byte, fi.Size())
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return b[:n], "", nil
}

// OverSize is the reason a file of size bytes is not scanned under the
// limit max.
func OverSize(size, max int64) string {
	return fmt.Sprintf("over the size limit (%d bytes > %d)", size, max)
}

// IsBinary applies git's heuristic: a NUL byte in the first 8000 bytes.
func IsBinary(b []byte) bool {
	return bytes.IndexByte(b[:min(len(b), 8000)], 0) >= 0
}

// walkRoot walks one root and sends its files.
func walkRoot(ctx context.Context, root string, o DirOptions, jobs chan<- job, fail func(error), mu *sync.Mutex, st *Stats) error {
	fi, err := os.Lstat(root)
	if err != nil {
		return fmt.Errorf("%s: %w", root, errNoPath(err))
	}
	if fi.Mode()&fs.ModeSymlink != 0 && o.FollowSymlinks {
		fi, err = os.Stat(root)
		if err != nil {
			return fmt.Errorf("%s: %w", root, errNoPath(err))
		}
	}
	if !fi.IsDir() {
		jobs <- job{abs: root, rel: filepath.ToSlash(filepath.Clean(root))}
		return nil
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	keep := o.Filter
	if keep == nil {
		keep = func(string, bool) bool { return true }
	}
	return filepath.WalkDir(abs, func(p string, de fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			fail(err)
			if de != nil && de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(abs, p)
		rel = filepath.ToSlash(rel)
		if de.IsDir() {
			if p != abs && (de.Name() == ".git" || !keep(p, true)) {
				return fs.SkipDir
			}
			return nil
		}
		if de.Name() == ".git" { // a worktree's or submodule's .git file
			return nil
		}
		if !keep(p, false) {
			return nil
		}
		if de.Type()&fs.ModeSymlink != 0 {
			if !o.FollowSymlinks {
				mu.Lock()
				st.Skipped++
				mu.Unlock()
				return nil
			}
			if t, err := os.Stat(p); err != nil || t.IsDir() {
				return nil // dangling, or a directory: not followed
			}
		} else if !de.Type().IsRegular() {
			return nil
		}
		jobs <- job{abs: p, rel: rel}
		return nil
	})
}

func errNoPath(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("no such file or directory")
	}
	return err
}
