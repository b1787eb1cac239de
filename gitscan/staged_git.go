package gitscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/leakguard/leakguard/scanner"
)

// Staged scans what the next commit would add: the index's content
// against HEAD's tree (an empty tree before the first commit), added
// lines only. The work tree is never read.
//
// With git on PATH it reads the index and the objects itself
// (stagedRun), and through git's plumbing what it does not read
// (diff-index, cat-file --batch); that skips go-git's start-up (pack
// index loading) on large repositories. go-git is the fallback.
// o.Backend forces either.
func (r *Repo) Staged(ctx context.Context, o Options) ([]scanner.Finding, Stats, error) {
	if o.early != nil {
		defer o.early.close() // when go-git reads after all
	}
	g, err := r.hookBackend(o.Backend)
	switch {
	case err != nil:
		return nil, Stats{Backend: o.Backend}, err
	case g == nil:
		return r.stagedGoGit(ctx, o)
	}
	fs, st, err := r.stagedGit(ctx, o, g)
	if err == nil || ctx.Err() != nil || o.Backend == "git" {
		return fs, st, err
	}
	// git failed (an old or broken install, an odd repository): go-git
	// reads everything itself.
	return r.stagedGoGit(ctx, o)
}

// hookBackend is the git a hook's scan (staged, or a push) reads
// through, or nil when go-git reads it (see Staged).
func (r *Repo) hookBackend(backend string) (*gitBackend, error) {
	switch backend {
	case "go-git":
		return nil, nil
	case "git":
		return r.newGitBackend()
	case "":
		if r.partialCloneConfig() {
			// git would fetch missing objects from the promisor remote.
			return nil, nil
		}
		small := r.smallObjectStore
		if r.goGitFaster != nil {
			small = r.goGitFaster
		}
		if small() {
			// go-git starts faster than two git processes.
			return nil, nil
		}
		g, err := r.newGitBackend()
		if err != nil {
			return nil, nil // no git on PATH
		}
		return g, nil
	}
	return nil, fmt.Errorf("unknown git backend %q (use git or go-git)", backend)
}

// Early is a staged scan whose git diff-index started before the scan's
// configuration was loaded ([StartStaged]): git reads the index while
// leakguard loads its rules (about 10 ms of CPU; a clean staged scan of
// a 10,000-file repository went from 106 to 97 ms, bench/startup.sh).
// [Collect] takes it from [Request.Early]; Close ends what the scan did
// not take.
type Early struct {
	dir, indexFile, backend string
	repo                    *Repo
	run                     *stagedRun
}

// StartStaged opens the repository holding dir and starts the git
// process a staged scan of it reads, as [Collect] would for a Request
// with the same Dir and Getenv. It returns nil when the scan would not
// read through git (go-git, see Staged) or anything fails: Collect then
// opens the repository and starts git itself, and reports what failed.
func StartStaged(ctx context.Context, dir string, getenv func(string) string) *Early {
	if dir == "" {
		dir = "."
	}
	repo, err := Open(dir)
	if err != nil {
		return nil
	}
	e := &Early{dir: dir, indexFile: getenv("GIT_INDEX_FILE"), backend: getenv("LEAKGUARD_GIT_BACKEND"), repo: repo}
	if g, err := repo.hookBackend(e.backend); err == nil && g != nil {
		e.run, _ = repo.startStaged(ctx, e.indexFile, g)
	}
	if e.run == nil {
		repo.Close()
		return nil
	}
	return e
}

// take hands the repository and the started processes to a staged scan
// of dir with o's index file and backend; nil when they were started for
// another. The scan then owns (and closes) both.
func (e *Early) take(dir string, o Options) (*Repo, *stagedRun) {
	if e == nil || e.repo == nil || e.dir != dir || e.indexFile != o.IndexFile || e.backend != o.Backend {
		return nil, nil
	}
	repo, run := e.repo, e.run
	e.repo, e.run = nil, nil
	return repo, run
}

// Close ends the processes and closes the repository unless a scan took
// them. It may be called on nil.
func (e *Early) Close() {
	if e == nil {
		return
	}
	if e.run != nil {
		e.run.close()
		e.run = nil
	}
	if e.repo != nil {
		e.repo.Close()
		e.repo = nil
	}
}

// partialCloneConfig reports whether the repository's config mentions a
// promisor remote or partial clone filter. It reads the file as text
// (no go-git): a false positive only costs the faster path.
func (r *Repo) partialCloneConfig() bool {
	b, err := os.ReadFile(filepath.Join(r.commonDir(), "config"))
	if err != nil {
		return false
	}
	b = bytes.ToLower(b)
	return bytes.Contains(b, []byte("partialclone")) || bytes.Contains(b, []byte("promisor"))
}

// smallPackIndexes is the total size of pack indexes under which go-git
// reads HEAD faster than git's processes start (go-git loads every pack
// index whole: ~12 ms per MB measured).
const smallPackIndexes = 256 << 10

// smallObjectStore reports whether the repository's pack indexes are
// small enough for go-git to be the faster reader. Alternates and
// anything unreadable count as large.
func (r *Repo) smallObjectStore() bool {
	objects := filepath.Join(r.commonDir(), "objects")
	if _, err := os.Stat(filepath.Join(objects, "info", "alternates")); !os.IsNotExist(err) {
		return false
	}
	des, err := os.ReadDir(filepath.Join(objects, "pack"))
	if err != nil && !os.IsNotExist(err) {
		return false
	}
	var total int64
	for _, de := range des {
		if !strings.HasSuffix(de.Name(), ".idx") {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			return false
		}
		total += fi.Size()
	}
	return total <= smallPackIndexes
}

// emptyTree is the empty tree's hash: the base before the first commit.
const emptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

// warmUp holds the assignments most files hit (see stagedGit).
var warmUp = []byte("password = \"warm-up-value-0000\"\napi_key: \"warm-up-value-0000\"\nexport TOKEN=warm-up-value-0000\n")

// rawEntry is one line of 'git diff-index --raw': a path's mode and blob
// in the base tree and in the index (zero when absent).
type rawEntry struct {
	path             string
	oldMode, newMode filemode.FileMode
	old, new         plumbing.Hash
	status           byte
}

// stagedGit is Staged read through git's plumbing. It must report what
// stagedGoGit reports.
func (r *Repo) stagedGit(ctx context.Context, o Options, g *gitBackend) ([]scanner.Finding, Stats, error) {
	st := Stats{Backend: "git"}
	run := o.early
	if run == nil {
		var err error
		if run, err = r.startStaged(ctx, o.IndexFile, g); err != nil {
			return nil, st, err
		}
	}
	defer run.close()
	if <-run.read; run.diff != nil && o.Detector != nil {
		// Rules compile their regexes on first use: compile the common
		// ones while git works. (When the index was read in-process
		// there is no wait to fill: the warm-up only took a core from
		// the scan, 1.5-5 ms of a staged scan's 45-50.)
		go o.Detector.Detect(scanner.Fragment{Path: "warm-up", Content: warmUp})
	}
	cmd := run.command
	entries, err := run.entries()
	if err != nil {
		return nil, st, err
	}
	if err := ctx.Err(); err != nil {
		return nil, st, err
	}
	// Conflicts: the incoming version (stage 3, else our stage 2) stands
	// for the path, as in resolveConflicts.
	var unmerged map[string]stageEntry
	for _, e := range entries {
		if e.status == 'U' {
			out, err := gitOutput(cmd("ls-files", "-u", "-z", "--full-name"))
			if err != nil {
				return nil, st, err
			}
			if unmerged, err = parseUnmerged(out); err != nil {
				return nil, st, fmt.Errorf("git ls-files: %w", err)
			}
			break
		}
	}
	var kept []rawEntry
	for _, e := range entries {
		if e.status == 'U' {
			s := unmerged[e.path]
			e.new, e.newMode = s.hash, s.mode
			if e.new == e.old && e.newMode == e.oldMode {
				continue // resolves to HEAD's version
			}
		}
		kept = append(kept, e)
	}
	jobs := stagedJobs(kept, &st)
	if len(jobs) == 0 {
		return nil, st, nil
	}

	// The blobs the jobs read: from the object directory, and what it
	// does not give from one cat-file.
	want := jobBlobs([][]fileJob{jobs})
	type blob struct {
		b      []byte
		status blobStatus
	}
	blobs := make(map[plumbing.Hash]blob, len(want))
	max := o.maxSize()
	objs := run.objs
	var rest []plumbing.Hash
	for _, h := range want {
		if b, ok := objs.blob(h, max); ok {
			blobs[h] = blob{b, blobOK}
		} else {
			rest = append(rest, h)
		}
	}
	if len(rest) > 0 {
		cf, err := run.catFile()
		if err != nil {
			return nil, st, err
		}
		if err := cf.read(rest, max, func(h plumbing.Hash, b []byte, s blobStatus) {
			blobs[h] = blob{b, s}
		}, nil); err != nil {
			return nil, st, err
		}
	}
	read := func(h plumbing.Hash, _ int64) ([]byte, bool, error) {
		if h == emptyBlob {
			return nil, false, nil
		}
		b, ok := blobs[h]
		switch {
		case !ok || b.status == blobMissing:
			return nil, false, plumbing.ErrObjectNotFound
		case b.status == blobSkip:
			return nil, true, nil
		}
		return b.b, false, nil
	}
	found := scanDiffs(ctx, o, jobs, &st, read)
	scanner.SortFindings(found)
	return found, st, ctx.Err()
}

// stagedRun is how a staged scan learns what the index changes, and
// reads the blobs. The index is compared with HEAD's tree in-process
// (diffIndex), in a goroutine that runs while the configuration loads;
// what it does not read is left to git diff-index, which that goroutine
// then starts. Blobs come from the object directory (objs), and what it
// does not give from a cat-file --batch started only then.
type stagedRun struct {
	command          func(args ...string) *exec.Cmd
	catFile          func() (*catFile, error)
	objs             *objectDir
	read             chan struct{} // closed once the index was read, or diff started
	inProcess        []rawEntry    // the index's changes, when diff is nil
	diff             *exec.Cmd     // git diff-index, when the index was left to git
	diffStart        error         // why diff did not start
	diffOut, diffErr bytes.Buffer
}

// inProcessIndex turns diffIndex off (tests run the staged scans both
// ways).
var inProcessIndex = true

// entries waits for the index's changes: read in-process, or parsed
// from git diff-index's output.
func (s *stagedRun) entries() ([]rawEntry, error) {
	<-s.read
	switch {
	case s.diffStart != nil:
		return nil, s.diffStart
	case s.diff == nil:
		return s.inProcess, nil
	}
	if err := s.diff.Wait(); err != nil {
		return nil, fmt.Errorf("git diff-index: %v: %s", err, strings.TrimSpace(s.diffErr.String()))
	}
	entries, err := parseRaw(s.diffOut.Bytes())
	if err != nil {
		return nil, fmt.Errorf("git diff-index: %w", err)
	}
	return entries, nil
}

// startStaged starts a staged scan's processes on the index file (""
// the repository's own, else GIT_INDEX_FILE's value).
func (r *Repo) startStaged(ctx context.Context, indexFile string, g *gitBackend) (*stagedRun, error) {
	env := g.env
	file := filepath.Join(r.gitDir, "index")
	if indexFile != "" {
		file = r.indexPath(indexFile)
		// git reads a missing index as empty; go-git fails.
		if _, err := os.Stat(file); err != nil {
			return nil, fmt.Errorf("reading the index: %w", err)
		}
		if abs, err := filepath.Abs(file); err == nil {
			file = abs
		}
		env = append(env[:len(env):len(env)], "GIT_INDEX_FILE="+file)
	}
	head, state := r.readHead()
	base := "HEAD"
	if state == headUnborn {
		base = emptyTree
	}
	run := &stagedRun{command: func(args ...string) *exec.Cmd {
		c := g.command(ctx, args...)
		c.Env = env
		c.Dir = r.gitDir
		return c
	}, objs: newObjectDir(r.commonDir()), read: make(chan struct{})}
	startDiff := func() error {
		r.diffIndexes.Add(1)
		diff := run.command("diff-index", "--cached", "-z", "--raw", "--no-renames", "--no-abbrev",
			"--no-ext-diff", "--no-textconv", "--ignore-submodules=none", base, "--")
		diff.Stdout, diff.Stderr = &run.diffOut, &run.diffErr
		if err := diff.Start(); err != nil {
			return err
		}
		run.diff = diff
		return nil
	}
	if state == headUnknown || !inProcessIndex {
		err := startDiff()
		close(run.read)
		if err != nil {
			run.objs.close()
			return nil, err
		}
	} else {
		go func() {
			defer close(run.read)
			entries, err := readIndexDiff(file, head, run.objs)
			if err == nil {
				run.inProcess = entries
				return
			}
			run.diffStart = startDiff()
		}()
	}
	gc := *g
	gc.env = env
	run.catFile = func() (*catFile, error) {
		r.catFiles.Add(1)
		return gc.startCatFile(ctx)
	}
	return run, nil
}

// close ends diff-index when the scan never waited for it, and closes
// the object directory.
func (s *stagedRun) close() {
	<-s.read
	s.objs.close()
	if s.diff != nil && s.diff.ProcessState == nil {
		s.diff.Process.Kill()
		s.diff.Wait()
	}
}

// stagedJobs turns the index's changes into scan jobs, as stagedGoGit
// does with go-git's tree diff.
func stagedJobs(entries []rawEntry, st *Stats) []fileJob {
	// Blobs that left a path in this commit: an insert of one of them
	// is a pure rename (or copy of moved content) and adds nothing.
	removed := map[plumbing.Hash]bool{}
	for _, e := range entries {
		if !e.old.IsZero() && e.oldMode.IsFile() {
			removed[e.old] = true
		}
	}
	var jobs []fileJob
	for _, e := range entries {
		if e.new.IsZero() {
			continue // deletion
		}
		if e.newMode != filemode.Regular && e.newMode != filemode.Executable && e.newMode != filemode.Deprecated {
			st.Skipped++ // symbolic link or submodule
			continue
		}
		j := fileJob{path: e.path, blob: e.new}
		if !e.old.IsZero() {
			if e.old == e.new {
				continue // mode change only
			}
			if e.oldMode.IsFile() {
				j.olds = []plumbing.Hash{e.old}
			}
		} else if removed[e.new] {
			continue // pure rename
		}
		jobs = append(jobs, j)
	}
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].path < jobs[b].path })
	return jobs
}

// parseRaw parses 'git diff-index -z --raw' output:
// ":<old mode> <new mode> <old sha> <new sha> <status>\0<path>\0".
func parseRaw(out []byte) ([]rawEntry, error) {
	var entries []rawEntry
	for len(out) > 0 {
		meta, rest, ok := bytes.Cut(out, []byte{0})
		if !ok {
			return nil, errors.New("truncated output")
		}
		path, rest, ok := bytes.Cut(rest, []byte{0})
		if !ok {
			return nil, errors.New("truncated output")
		}
		out = rest
		fs := strings.Fields(string(meta))
		if len(fs) != 5 || !strings.HasPrefix(fs[0], ":") || fs[4] == "" {
			return nil, fmt.Errorf("bad raw line %q", meta)
		}
		om, err1 := strconv.ParseUint(fs[0][1:], 8, 32)
		nm, err2 := strconv.ParseUint(fs[1], 8, 32)
		if err1 != nil || err2 != nil || !plumbing.IsHash(fs[2]) || !plumbing.IsHash(fs[3]) {
			return nil, fmt.Errorf("bad raw line %q", meta)
		}
		entries = append(entries, rawEntry{
			path:    string(path),
			oldMode: filemode.FileMode(om), newMode: filemode.FileMode(nm),
			old: plumbing.NewHash(fs[2]), new: plumbing.NewHash(fs[3]),
			status: fs[4][0],
		})
	}
	return entries, nil
}

// stageEntry is the version of an unmerged path that stands for it.
type stageEntry struct {
	mode  filemode.FileMode
	hash  plumbing.Hash
	stage int
}

// parseUnmerged parses 'git ls-files -u -z' ("<mode> <sha> <stage>\t<path>\0")
// into the version standing for each path: stage 3, else stage 2, else
// none (deleted on both sides).
func parseUnmerged(out []byte) (map[string]stageEntry, error) {
	m := map[string]stageEntry{}
	for len(out) > 0 {
		rec, rest, ok := bytes.Cut(out, []byte{0})
		if !ok {
			return nil, errors.New("truncated output")
		}
		out = rest
		meta, path, ok := bytes.Cut(rec, []byte{'\t'})
		fs := strings.Fields(string(meta))
		if !ok || len(fs) != 3 || !plumbing.IsHash(fs[1]) {
			return nil, fmt.Errorf("bad line %q", rec)
		}
		mode, err1 := strconv.ParseUint(fs[0], 8, 32)
		stage, err2 := strconv.Atoi(fs[2])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad line %q", rec)
		}
		p := string(path)
		if stage < 2 || stage < m[p].stage {
			continue
		}
		m[p] = stageEntry{mode: filemode.FileMode(mode), hash: plumbing.NewHash(fs[1]), stage: stage}
	}
	return m, nil
}

// gitOutput runs a git command and returns its standard output; a
// failure carries git's message.
func gitOutput(cmd *exec.Cmd) ([]byte, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		name := "git"
		if len(cmd.Args) > 4 {
			name = "git " + cmd.Args[4]
		}
		return nil, fmt.Errorf("%s: %v: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
