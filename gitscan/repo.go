// Package gitscan scans git sources for secrets: the changes staged for
// commit ([Repo.Staged]), the commits a push sends ([Repo.PrePush]) and
// the whole history ([Repo.History]).
//
// Everything works with go-git alone; a git binary is never required.
// [Repo.History] uses git's plumbing (log --raw and cat-file --batch) as
// a faster path when git is on PATH, with go-git as the fallback; both
// give identical findings.
//
// # What counts as new
//
// Staged and pre-push scans report only added lines: a new file's every
// line, a modified file's lines that a line diff marks as inserted. Pure
// renames, deletions and mode changes add nothing. Binary files, files
// over the size limit, symbolic links and submodules are skipped.
//
// A history scan reads each unique blob once and attributes its findings
// to the commits that introduced the blob at a path, in topological order
// (parents first). A commit introduces a blob at a path when no parent
// has that blob at that path, so a merge does not repeat its parents'
// findings. A secret that the previous version of the file (any parent's)
// already held is not reported again; a secret that was removed and added
// back later is a second finding, attributed to the commit that re-added
// it. Path-scoped rules and path allowlists see the path where the blob
// first appeared.
//
// # Missing objects
//
// Partial and shallow clones and pruned blobs miss objects inside the
// history. Scans do not abort on them: they count them in
// [Stats.Missing]. What a scan cannot do without — a ref tip, a pushed
// object — and any corrupt object is an [*ObjectError] instead: the scan
// never passes as empty. Neither backend fetches missing objects from a
// partial clone's promisor remote.
package gitscan

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	gitconfig "github.com/go-git/go-git/v5/plumbing/format/config"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/leakguard/leakguard/archive"
	"github.com/leakguard/leakguard/internal/gitdir"
	"github.com/leakguard/leakguard/scanner"
)

// ErrNotRepository is returned by [Open] outside a git repository.
var ErrNotRepository = gitdir.ErrNotRepository

// ErrSHA256 is returned by [Open] for a repository in the SHA-256 object
// format: go-git v5, and so every scan here, reads SHA-1 repositories
// only.
var ErrSHA256 = errors.New("SHA-256 repositories are not supported yet")

// Options configure a scan.
type Options struct {
	Detector *scanner.Detector
	// MaxSize skips blobs larger than this many bytes (0: scanner.DefaultMaxSize).
	MaxSize int64
	// Workers is the number of parallel scanners (0: GOMAXPROCS).
	Workers int
	// IndexFile overrides the index a staged scan reads (GIT_INDEX_FILE,
	// which git sets for 'git commit -a' and 'git commit PATH').
	IndexFile string
	// Backend picks the history reader: "" (git when on PATH, else
	// go-git), "git" or "go-git".
	Backend string
	// Progress, when set, receives progress updates (a terminal).
	Progress func(Stats)
	// Archives bound archive expansion (MaxEntry: MaxSize by default).
	Archives archive.Limits

	// Cache, when set, makes a whole-history scan incremental (see
	// cache.go).
	Cache *Cache

	// keep, when set, receives a history scan's walk and blob findings
	// (see exposure.go).
	keep *historyData
	// early, when set, is a staged scan's git processes, already started
	// (see Early); earlyPush a push scan's walks (see EarlyPush).
	early     *stagedRun
	earlyPush *EarlyPush
}

func (o *Options) maxSize() int64 {
	if o.MaxSize <= 0 {
		return scanner.DefaultMaxSize
	}
	return o.MaxSize
}

func (o *Options) archives() archive.Limits {
	l := o.Archives
	if l.MaxEntry <= 0 {
		l.MaxEntry = o.maxSize()
	}
	return l
}

// Stats counts what a scan read and what it could not.
type Stats struct {
	Commits int
	Blobs   int   // blobs (files) scanned
	Bytes   int64 // bytes scanned
	// Skipped are blobs not scanned on purpose: over the size limit,
	// symbolic links, submodules and archive entries not read.
	Skipped int
	// Unscanned are the files (and archive entries) not read for their
	// size or an archive's limits, with the reason.
	Unscanned []archive.Skip
	// Notices are malformed archives, scanned as binary files (and for
	// what their entries gave): read, so not a gap.
	Notices []archive.Skip
	// Missing are objects that could not be read (partial or shallow
	// clones, pruned or corrupt objects): the scan is incomplete.
	Missing int
	// Backend is the history reader used ("git" or "go-git").
	Backend string
	// CachedCommits and CachedBlobs are the commits and blobs a history
	// scan did not read again: the cache proved them clean.
	CachedCommits, CachedBlobs int
}

// Repo is an opened repository.
type Repo struct {
	dir    string // as passed to Open
	root   string // work tree, "" when bare
	gitDir string // the (worktree's) git directory
	bare   bool   // dir is (in) a bare repository

	// catFileParts, when set, replaces the heuristic that decides how
	// many cat-file processes read a history's blobs (tests).
	catFileParts func(n int) int
	// claimStretch, when set, is the size of every stretch cat-file
	// processes claim (tests).
	claimStretch int
	// goGitFaster, when set, replaces the heuristic (the size of the
	// pack indexes) that picks go-git over git for a staged scan (tests).
	goGitFaster func() bool
	// catFiles counts the cat-file processes started for blobs.
	catFiles atomic.Int32
	// logs counts the git log walks (a push's, a history's).
	logs atomic.Int32
	// diffIndexes counts the git diff-index processes a staged scan
	// started: none when it read the index itself (diffIndex).
	diffIndexes atomic.Int32
	// blobsAsked counts the blobs a push asked git's cat-file for.
	blobsAsked atomic.Int64
	// blobsHeldPeak is the most bytes of blobs a history scan held read
	// and not yet scanned.
	blobsHeldPeak atomic.Int64
	// rootWalked counts the commits RootCommit read; rootGits the git
	// processes it started.
	rootWalked atomic.Int64
	rootGits   atomic.Int32

	// go-git is opened on first use: a staged scan through git's
	// plumbing never needs it.
	once    sync.Once
	loadErr error
	r       *goRepo
	st      *filesystem.Storage
	// dotGit and workTree are what go-git opened (see dropObjects).
	dotGit, workTree billy.Filesystem
}

// Open opens the repository holding dir (dir itself or a parent), linked
// worktrees included.
func Open(dir string) (*Repo, error) {
	if dir == "" {
		dir = "."
	}
	if repo := discover(dir); repo != nil {
		if sha256Format(repo.commonDir()) {
			return nil, fmt.Errorf("%w: %s", ErrSHA256, repo.commonDir())
		}
		return repo, nil
	}
	// Anything unusual: go-git decides, with its errors.
	repo := &Repo{dir: dir}
	if err := repo.load(); err != nil {
		return nil, err
	}
	return repo, nil
}

// discover finds the work tree holding dir without opening it
// ([gitdir.Find]), or returns nil when anything is unusual (a bare
// repository, a broken .git): go-git decides then.
func discover(dir string) *Repo {
	if strings.HasPrefix(dir, "~") {
		return nil
	}
	loc, err := gitdir.Find(dir)
	if err != nil {
		return nil
	}
	if loc.Root == "" {
		// A bare repository, a mirror clone.
		return &Repo{dir: dir, gitDir: loc.GitDir, bare: true}
	}
	return &Repo{dir: dir, root: loc.Root, gitDir: loc.GitDir}
}

// sha256Format reports whether the repository's config sets
// extensions.objectFormat to sha256.
func sha256Format(commonDir string) bool {
	f, err := os.Open(filepath.Join(commonDir, "config"))
	if err != nil {
		return false
	}
	defer f.Close()
	cfg := gitconfig.New()
	if err := gitconfig.NewDecoder(f).Decode(cfg); err != nil {
		return false // go-git reports a broken config when it opens it
	}
	return strings.EqualFold(cfg.Section("extensions").Option("objectformat"), "sha256")
}

// openError names go-git's errors for a directory that holds no
// repository, or a SHA-256 one, by this package's errors.
func openError(err error, dir string) error {
	abs, _ := filepath.Abs(dir)
	if errors.Is(err, errRepositoryNotExists) {
		return fmt.Errorf("%w: %s", ErrNotRepository, abs)
	}
	if errors.Is(err, errUnknownExtension) && strings.Contains(strings.ToLower(err.Error()), "objectformat") {
		return fmt.Errorf("%w: %s", ErrSHA256, abs)
	}
	return err
}

// load opens the repository with go-git, once.
func (r *Repo) load() error {
	r.once.Do(func() { r.loadErr = r.openGoGit() })
	return r.loadErr
}

func (r *Repo) openGoGit() error {
	dir, detect := r.dir, true
	if r.bare {
		// go-git looks for a .git in every parent before it tries the
		// directory itself.
		dir, detect = r.gitDir, false
	}
	gr, err := plainOpen(dir, detect)
	if err != nil {
		return openError(err, r.dir)
	}
	r.gitDir, r.root = gr.Storer.Filesystem().Root(), ""
	if gr.wt != nil {
		r.root = gr.wt.Root()
	}
	r.dotGit, r.workTree = gr.Storer.Filesystem(), gr.wt
	r.r, r.st, err = r.openStorage()
	return err
}

// openStorage opens go-git on a storage that keeps pack descriptors open
// and caches more objects: history scans read many objects.
func (r *Repo) openStorage() (*goRepo, *filesystem.Storage, error) {
	st := filesystem.NewStorageWithOptions(r.dotGit, cache.NewObjectLRU(64*cache.MiByte), filesystem.Options{KeepDescriptors: true})
	gr, err := openGoRepo(st, r.workTree)
	if err != nil {
		return nil, nil, err
	}
	return gr, st, nil
}

// dropObjects reopens go-git's storage so that the garbage collector
// takes what the old one loaded: go-git reads every pack index whole on
// its first object read and keeps it, about 80 bytes per object (127 MB
// in a history of 1.6 million objects). A history scan through git calls
// it once the refs are peeled: it reads no object through go-git after
// that but at a shallow boundary, which loads them anew.
func (r *Repo) dropObjects() {
	if r.st == nil {
		return
	}
	gr, st, err := r.openStorage()
	if err != nil {
		return // keep the one that works
	}
	r.st.Close()
	r.r, r.st = gr, st
}

// Root is the repository's work tree ("" for a bare repository).
func (r *Repo) Root() string { return r.root }

// GitDir is the repository's git directory (a linked worktree's own).
func (r *Repo) GitDir() string { return r.gitDir }

// Close releases the repository's open files.
func (r *Repo) Close() error {
	if r.st == nil {
		return nil
	}
	return r.st.Close()
}

// emptyBlob is the hash of the empty blob, which git does not always
// store (intent-to-add entries).
var emptyBlob = plumbing.NewHash("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")

// readBlob reads a blob unless it is larger than max (skip) or missing.
func (r *Repo) readBlob(h plumbing.Hash, max int64) (b []byte, skip bool, err error) {
	if h == emptyBlob {
		return nil, false, nil
	}
	o, err := r.r.Storer.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return nil, false, err
	}
	if o.Size() > max {
		return nil, true, nil
	}
	rd, err := o.Reader()
	if err != nil {
		return nil, false, err
	}
	defer rd.Close()
	b = make([]byte, o.Size())
	if _, err := io.ReadFull(rd, b); err != nil {
		return nil, false, fmt.Errorf("blob %s: %w", h, err)
	}
	return b, false, nil
}

// headTree returns HEAD's tree, or an empty tree on an unborn branch.
func (r *Repo) headTree() (*object.Tree, error) {
	ref, err := r.r.Head()
	if err != nil {
		if errors.Is(err, plumbing.ErrReferenceNotFound) {
			return &object.Tree{}, nil
		}
		return nil, err
	}
	c, err := r.r.CommitObject(ref.Hash())
	if err != nil {
		return nil, fmt.Errorf("HEAD: %w", err)
	}
	return c.Tree()
}

func isMissing(err error) bool {
	return errors.Is(err, plumbing.ErrObjectNotFound) || errors.Is(err, os.ErrNotExist)
}

// CommonDir is the repository's common git directory (the main
// repository's for a linked worktree).
func (r *Repo) CommonDir() string { return r.commonDir() }
