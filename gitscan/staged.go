package gitscan

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/utils/merkletrie"
	mindex "github.com/go-git/go-git/v5/utils/merkletrie/index"
	"github.com/go-git/go-git/v5/utils/merkletrie/noder"

	"github.com/leakguard/leakguard/archive"
	"github.com/leakguard/leakguard/scanner"
)

// stagedGoGit is Staged read with go-git.
func (r *Repo) stagedGoGit(ctx context.Context, o Options) ([]scanner.Finding, Stats, error) {
	st := Stats{Backend: "go-git"}
	if err := r.load(); err != nil {
		return nil, st, err
	}
	idx, err := r.index(o.IndexFile)
	if err != nil {
		return nil, st, err
	}
	head, err := r.headTree()
	if err != nil {
		return nil, st, err
	}
	entries := resolveConflicts(idx)
	changes, err := merkletrie.DiffTreeContext(ctx, object.NewTreeRootNode(head), mindex.NewRootNode(&index.Index{Version: idx.Version, Entries: entries}), equalNoder)
	if err != nil {
		return nil, st, fmt.Errorf("diffing the index against HEAD: %w", err)
	}
	byPath := make(map[string]*index.Entry, len(entries))
	for _, e := range entries {
		byPath[e.Name] = e
	}
	// Blobs that left a path in this commit: an insert of one of them
	// is a pure rename (or copy of moved content) and adds nothing.
	removed := map[plumbing.Hash]bool{}
	for _, c := range changes {
		if c.From != nil && c.To == nil || c.From != nil && c.To != nil {
			if h, m := noderHash(c.From); m.IsFile() {
				removed[h] = true
			}
		}
	}
	var jobs []fileJob
	for _, c := range changes {
		if c.To == nil {
			continue // deletion
		}
		p := c.To.String()
		e := byPath[p]
		if e == nil {
			continue
		}
		if e.Mode != filemode.Regular && e.Mode != filemode.Executable && e.Mode != filemode.Deprecated {
			st.Skipped++ // symbolic link or submodule
			continue
		}
		j := fileJob{path: p, blob: e.Hash}
		if c.From != nil {
			h, m := noderHash(c.From)
			if h == e.Hash {
				continue // mode change only
			}
			if m.IsFile() {
				j.olds = []plumbing.Hash{h}
			}
		} else if removed[e.Hash] {
			continue // pure rename
		}
		jobs = append(jobs, j)
	}
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].path < jobs[b].path })
	found := scanDiffs(ctx, o, jobs, &st, r.readBlob)
	scanner.SortFindings(found)
	return found, st, ctx.Err()
}

// fileJob is a file version to scan for lines added relative to olds
// (none: every line).
type fileJob struct {
	path string
	blob plumbing.Hash
	olds []plumbing.Hash
}

// blobReader reads a blob unless it is larger than max (skip) or
// missing (err).
type blobReader func(h plumbing.Hash, max int64) (b []byte, skip bool, err error)

// scanDiffs scans the added lines of each job. Reading is sequential
// (go-git's pack access is not concurrent), detection is not needed in
// parallel for the few files of a commit.
func scanDiffs(ctx context.Context, o Options, jobs []fileJob, st *Stats, readBlob blobReader) []scanner.Finding {
	var found []scanner.Finding
	max := o.maxSize()
	for _, j := range jobs {
		if ctx.Err() != nil {
			return found
		}
		b, skip, err := readBlob(j.blob, max)
		if err != nil {
			st.Missing++
			continue
		}
		if skip {
			st.Skipped++
			if !o.Detector.PathAllowed(j.path) {
				st.Unscanned = append(st.Unscanned, archive.Skip{Path: j.path, Reason: fmt.Sprintf("larger than the size limit (%d bytes)", max)})
			}
			continue
		}
		if len(b) == 0 {
			continue
		}
		if archive.Detect(b) != archive.None || scanner.IsBinary(b) {
			found = append(found, scanWhole(o, j, b, st, readBlob)...)
			continue
		}
		var lines map[int]bool
		if len(j.olds) > 0 {
			for k, oh := range j.olds {
				var ob []byte
				var oskip bool
				var err error
				if !oh.IsZero() {
					ob, oskip, err = readBlob(oh, max)
				}
				if err != nil {
					st.Missing++
					ob = nil
				} else if oskip || scanner.IsBinary(ob) {
					ob = nil
				}
				add := addedLines(ob, b)
				if k == 0 {
					lines = add
					continue
				}
				for l := range lines { // added relative to every parent
					if !add[l] {
						delete(lines, l)
					}
				}
			}
			if len(lines) == 0 {
				continue
			}
		}
		st.Blobs++
		st.Bytes += int64(len(b))
		found = append(found, o.Detector.Detect(scanner.Fragment{Path: j.path, Content: b, Lines: lines})...)
	}
	return found
}

// scanWhole scans an archive or a binary file whole (there are no lines
// to diff) and keeps the secrets no previous version (olds) held.
func scanWhole(o Options, j fileJob, b []byte, st *Stats, readBlob blobReader) []scanner.Finding {
	fs, res := o.Detector.DetectFile(scanner.Fragment{Path: j.path, Content: b}, o.archives())
	st.Blobs++
	st.Bytes += int64(len(b))
	st.Skipped += len(res.Skipped)
	st.Unscanned = append(st.Unscanned, res.Skipped...)
	st.Notices = append(st.Notices, res.Notices...)
	had := map[string]bool{}
	for _, oh := range j.olds {
		if oh.IsZero() {
			continue
		}
		ob, oskip, err := readBlob(oh, o.maxSize())
		if err != nil || oskip {
			continue
		}
		ofs, _ := o.Detector.DetectFile(scanner.Fragment{Path: j.path, Content: ob}, o.archives())
		for _, f := range ofs {
			had[secretKey(f)] = true
		}
	}
	out := fs[:0]
	for _, f := range fs {
		if !had[secretKey(f)] {
			out = append(out, f)
		}
	}
	return out
}

// index reads the index: GIT_INDEX_FILE when set, else the repository's.
func (r *Repo) index(file string) (*index.Index, error) {
	if file == "" {
		idx, err := r.r.Storer.Index()
		if err != nil {
			return nil, fmt.Errorf("reading the index: %w", err)
		}
		return idx, nil
	}
	file = r.indexPath(file)
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("reading the index: %w", err)
	}
	defer f.Close()
	idx := &index.Index{}
	if err := index.NewDecoder(f).Decode(idx); err != nil {
		return nil, fmt.Errorf("reading the index %s: %w", file, err)
	}
	return idx, nil
}

// indexPath resolves GIT_INDEX_FILE: git runs hooks at the top of the
// work tree and may pass a path relative to it.
func (r *Repo) indexPath(file string) string {
	if !filepath.IsAbs(file) && r.root != "" {
		if _, err := os.Stat(file); err != nil {
			file = filepath.Join(r.root, file)
		}
	}
	return file
}

// resolveConflicts returns the index entries with one entry per path:
// during a merge with conflicts, the incoming version (stage 3, else our
// stage 2) stands for the path.
func resolveConflicts(idx *index.Index) []*index.Entry {
	conflicted := map[string]*index.Entry{}
	var out []*index.Entry
	for _, e := range idx.Entries {
		if e.Stage == 0 {
			out = append(out, e)
			continue
		}
		if e.Stage == index.TheirMode || e.Stage == index.OurMode && conflicted[e.Name] == nil {
			conflicted[e.Name] = e
		} else if _, ok := conflicted[e.Name]; !ok {
			conflicted[e.Name] = nil // base only: deleted on both sides
		}
	}
	for _, e := range conflicted {
		if e != nil {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

var zeroNoderHash = make([]byte, 24)

// equalNoder compares tree and index nodes; directories of the index
// have no hash and always differ.
func equalNoder(a, b noder.Hasher) bool {
	ha, hb := a.Hash(), b.Hash()
	if string(ha) == string(zeroNoderHash) || string(hb) == string(zeroNoderHash) {
		return false
	}
	return string(ha) == string(hb)
}

// noderHash splits a tree or index node's hash into blob hash and mode.
func noderHash(p noder.Path) (plumbing.Hash, filemode.FileMode) {
	var h plumbing.Hash
	b := p.Last().Hash()
	copy(h[:], b)
	var m filemode.FileMode
	if len(b) >= 24 {
		m = filemode.FileMode(binary.LittleEndian.Uint32(b[20:24]))
	}
	return h, m
}
