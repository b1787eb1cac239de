package gitscan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/leakguard/leakguard/archive"
	"github.com/leakguard/leakguard/internal/gitdir"
)

// gitBackend reads history through git's plumbing: 'git log --raw' for
// the commits and their changed paths, 'git cat-file --batch' for blobs.
// It is several times faster than go-git on large histories.
type gitBackend struct {
	r      *Repo
	gitDir string
	env    []string
}

func (r *Repo) gitBackend() (historyBackend, error) {
	return r.newGitBackend()
}

func (r *Repo) newGitBackend() (*gitBackend, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, err
	}
	// GIT_OPTIONAL_LOCKS=0: never refresh (and lock) the index.
	// GIT_NO_LAZY_FETCH=1: never fetch a partial clone's missing objects
	// from its promisor remote (a scan reads what is here).
	env := []string{"GIT_NO_REPLACE_OBJECTS=1", "LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0", "GIT_NO_LAZY_FETCH=1"}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
			"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE",
			"GIT_REPLACE_REF_BASE", "LC_ALL", "GIT_NO_REPLACE_OBJECTS", "GIT_OPTIONAL_LOCKS", "GIT_NO_LAZY_FETCH":
			continue
		}
		env = append(env, kv)
	}
	return &gitBackend{r: r, gitDir: r.gitDir, env: env}, nil
}

func (g *gitBackend) name() string { return "git" }

func (g *gitBackend) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", append([]string{"--git-dir=" + g.gitDir, "-c", "core.quotepath=off"}, args...)...)
	cmd.Env = g.env
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func (g *gitBackend) walk(ctx context.Context, tips, excludes []plumbing.Hash, missing func(plumbing.Hash), progress func(int)) ([]*commitInfo, error) {
	if len(tips) == 0 {
		return nil, nil
	}
	return g.log(ctx, revs(tips, excludes), progress, missing)
}

// revs is the input of a git command's --stdin: tips, then excludes as
// ^HASH.
func revs(tips, excludes []plumbing.Hash) *bytes.Buffer {
	var in bytes.Buffer
	for _, t := range tips {
		fmt.Fprintln(&in, t)
	}
	for _, e := range excludes {
		fmt.Fprintf(&in, "^%s\n", e)
	}
	return &in
}

// gitExit is a git command's failure: what ran, how it ended, what it
// said.
type gitExit struct {
	what   string
	err    error
	stderr string
}

func (e *gitExit) Error() string {
	return fmt.Sprintf("%s: %v: %s", e.what, e.err, strings.TrimSpace(e.stderr))
}

// stream runs git with args and stdin in (nil: none), hands its stdout
// to read, drains what read left and waits. The error is ctx's when it
// ended, else git's failure (*gitExit), else read's (as "what: err").
func (g *gitBackend) stream(ctx context.Context, what string, in io.Reader, read func(io.Reader) error, args ...string) error {
	cmd := g.command(ctx, args...)
	cmd.Stdin = in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	rerr := read(out)
	io.Copy(io.Discard, out)
	werr := cmd.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if werr != nil {
		return &gitExit{what: what, err: werr, stderr: stderr.String()}
	}
	if rerr != nil {
		return fmt.Errorf("%s: %w", what, rerr)
	}
	return nil
}

// logArgs are the arguments of the 'git log' parseLog reads.
var logArgs = []string{"--raw", "-c", "--root", "--no-abbrev", "--no-renames", "-z",
	"--no-color", "--no-ext-diff", "--no-textconv", "--encoding=UTF-8",
	"--format=%x01%H%x00%P%x00%an%x00%ae%x00%aI%x00%B%x00"}

// log runs 'git log --stdin' with logArgs (and extra arguments before
// them) on the revisions in in.
func (g *gitBackend) log(ctx context.Context, in io.Reader, progress func(int), missing func(plumbing.Hash), extra ...string) ([]*commitInfo, error) {
	var commits []*commitInfo
	g.r.logs.Add(1)
	err := g.stream(ctx, "git log", in, func(out io.Reader) error {
		var err error
		commits, err = parseLog(bufio.NewReaderSize(out, 1<<20), progress)
		return err
	}, append(append([]string{"log", "--stdin"}, extra...), logArgs...)...)
	var ge *gitExit
	if errors.As(err, &ge) {
		if oe := gitObjectError(ge.what, ge.stderr); oe != nil {
			return nil, oe
		}
	}
	if err != nil {
		return nil, err
	}
	// Shallow clones: git shows boundary commits without parents; their
	// real parents are missing.
	if b, err := os.ReadFile(filepath.Join(g.r.commonDir(), "shallow")); err == nil {
		in := map[plumbing.Hash]bool{}
		for _, c := range commits {
			in[c.hash] = true
		}
		for _, l := range strings.Fields(string(b)) {
			h := plumbing.NewHash(l)
			if !in[h] {
				continue
			}
			if c, err := g.r.r.CommitObject(h); err == nil {
				for _, p := range c.ParentHashes {
					missing(p)
				}
			}
		}
	}
	return commits, nil
}

// commonDir is the repository's common git directory.
func (r *Repo) commonDir() string { return gitdir.Repo{Root: r.root, GitDir: r.gitDir}.CommonDir() }

// parseLog parses 'git log -z --raw -c' with leakguard's format.
func parseLog(rd *bufio.Reader, progress func(int)) ([]*commitInfo, error) {
	var out []*commitInfo
	var cur *commitInfo
	field := func() (string, error) {
		s, err := rd.ReadString(0)
		if err != nil {
			return "", errors.New("truncated output")
		}
		return s[:len(s)-1], nil
	}
	for {
		b, err := rd.ReadByte()
		if err == io.EOF {
			if cur != nil {
				cur.parsed()
			}
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch b {
		case 0, '\n':
			continue
		case 1:
			var f [6]string
			for i := range f {
				if f[i], err = field(); err != nil {
					return nil, err
				}
			}
			if cur != nil {
				cur.parsed()
			}
			cur = &commitInfo{hash: plumbing.NewHash(f[0]), author: f[2], email: f[3], message: f[5]}
			for _, p := range strings.Fields(f[1]) {
				cur.parents = append(cur.parents, plumbing.NewHash(p))
			}
			cur.merge = len(cur.parents) > 1
			if !cur.merge {
				cur.removed = map[plumbing.Hash]bool{}
			}
			if t, err := time.Parse(time.RFC3339, f[4]); err == nil {
				cur.date = rfc3339(t)
			} else {
				cur.date = f[4]
			}
			out = append(out, cur)
			if progress != nil {
				progress(len(out))
			}
		case ':':
			meta, err := field()
			if err != nil {
				return nil, err
			}
			path, err := field()
			if err != nil {
				return nil, err
			}
			if cur == nil {
				return nil, errors.New("diff before a commit")
			}
			if err := cur.addRaw(":"+meta, path); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unexpected byte %q", b)
		}
	}
}

// addRaw records one raw diff line: ":<modes> <shas> <status>" with one
// colon, mode and sha per parent (plus the result's).
func (c *commitInfo) addRaw(meta, path string) error {
	n := 0
	for n < len(meta) && meta[n] == ':' {
		n++
	}
	fs := strings.Fields(meta[n:])
	if len(fs) != 2*(n+1)+1 {
		return fmt.Errorf("bad raw line %q", meta)
	}
	modes, shas := fs[:n+1], fs[n+1:2*(n+1)]
	m, err := strconv.ParseUint(modes[n], 8, 32)
	if err != nil {
		return fmt.Errorf("bad mode in %q", meta)
	}
	ch := change{path: path, mode: filemode.FileMode(m), blob: plumbing.NewHash(shas[n])}
	for i := 0; i < n; i++ {
		ch.olds = append(ch.olds, plumbing.NewHash(shas[i]))
	}
	if !c.merge {
		if om, _ := strconv.ParseUint(modes[0], 8, 32); om != 0 && filemode.FileMode(om) != filemode.Dir && ch.olds[0] != ch.blob {
			c.removed[ch.olds[0]] = true
		}
	}
	if ch.blob.IsZero() {
		if !c.merge {
			c.deleted = append(c.deleted, path)
		}
		return nil // deletion
	}
	c.changes = append(c.changes, ch)
	return nil
}

// catFileParts is how many cat-file processes read n blobs: two from
// 512 blobs when there is more than one CPU, else one. A Repo's
// catFileParts replaces it (tests). On go-git's own history (1,147
// blobs, 30 MB) two took a scan from 542 to 476 ms (8 pairs) for 4 %
// more CPU: one process inflating alone was what the scan waited on.
func catFileParts(n int) int {
	if n >= 512 && runtime.GOMAXPROCS(0) > 1 {
		return 2
	}
	return 1
}

// blobs streams blobs through 'git cat-file --batch'.
func (g *gitBackend) blobs(ctx context.Context, want []plumbing.Hash, max int64, fn func(plumbing.Hash, []byte, blobStatus), text func(plumbing.Hash, *archive.Strings)) error {
	if len(want) == 0 {
		return nil
	}
	if g.r.isPartialClone() {
		// git dies on a promised object it may not fetch: ask only for
		// the objects that are here.
		var err error
		if want, err = g.present(ctx, want, fn); err != nil {
			return err
		}
	}
	// Two cat-file processes on a large list, one from each end (claims):
	// git inflates and resolves deltas on one core each, and the scanner
	// keeps up. Halves fixed in advance ended far apart (on go-git's
	// history one process was done at 143 ms, the other at 258 ms: the
	// large binaries and tarballs are not spread evenly); claimed a
	// stretch at a time, both end together.
	split := catFileParts
	if g.r != nil && g.r.catFileParts != nil {
		split = g.r.catFileParts
	}
	parts := 1
	if split(len(want)) >= 2 && len(want) >= 2 {
		parts = 2
	}
	cl := &claims{want: want, hi: len(want)}
	if g.r != nil {
		cl.size = g.r.claimStretch
	}
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for i := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := g.startCatFile(ctx)
			if err != nil {
				cl.stop()
				errs[i] = err
				return
			}
			if g.r != nil {
				g.r.catFiles.Add(1)
			}
			errs[i] = c.readClaims(cl, i == 1, max, fn, text)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// present reports the objects of want that the repository lacks as
// missing and returns the others.
func (g *gitBackend) present(ctx context.Context, want []plumbing.Hash, fn func(plumbing.Hash, []byte, blobStatus)) ([]plumbing.Hash, error) {
	wanted := make(map[plumbing.Hash]bool, len(want))
	for _, h := range want {
		wanted[h] = false
	}
	err := g.stream(ctx, "git cat-file --batch-all-objects", nil, func(out io.Reader) error {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if h := plumbing.NewHash(sc.Text()); !h.IsZero() {
				if _, ok := wanted[h]; ok {
					wanted[h] = true
				}
			}
		}
		return nil
	}, "cat-file", "--batch-check=%(objectname)", "--batch-all-objects", "--unordered")
	if err != nil {
		return nil, err
	}
	here := want[:0:0]
	for _, h := range want {
		if wanted[h] {
			here = append(here, h)
		} else {
			fn(h, nil, blobMissing)
		}
	}
	return here, nil
}

// catFile is a running 'git cat-file --batch'. It may start before the
// caller knows which blobs it wants (the start-up then overlaps other
// work); read (or close) must follow.
type catFile struct {
	ctx    context.Context
	cancel context.CancelFunc
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	stderr bytes.Buffer
	closed bool
}

func (g *gitBackend) startCatFile(ctx context.Context) (*catFile, error) {
	cctx, cancel := context.WithCancel(ctx)
	c := &catFile{ctx: ctx, cancel: cancel, cmd: g.command(cctx, "cat-file", "--batch")}
	var err error
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		cancel()
		return nil, err
	}
	if c.stdout, err = c.cmd.StdoutPipe(); err != nil {
		cancel()
		return nil, err
	}
	c.cmd.Stderr = &c.stderr
	if err := catFileStart(c.cmd); err != nil {
		cancel()
		return nil, err
	}
	if catFileStarted != nil {
		catFileStarted(c)
	}
	return c, nil
}

// catFileStarted, when set, is called with each cat-file process started
// (tests).
var catFileStarted func(*catFile)

// catFileStart starts a cat-file process (tests make it fail).
var catFileStart = (*exec.Cmd).Start

// close ends the process without reading anything; again, it does
// nothing.
func (c *catFile) close() {
	if c.closed {
		return
	}
	c.closed = true
	c.stdin.Close()
	c.stdout.Close()
	c.cmd.Wait()
	c.cancel()
}

// claims hands out a list of blobs a stretch at a time to two cat-file
// processes, one from each end, until they meet or one fails: the
// process that reads cheaper blobs reads more of them, and each still
// reads contiguous stretches (git's cache of delta bases stays useful).
type claims struct {
	mu      sync.Mutex
	want    []plumbing.Hash
	lo, hi  int  // want[lo:hi] is unclaimed
	size    int  // the stretch when set (tests)
	stopped bool // a process failed: the read has failed, claim no more
}

// stop ends the claims: a process has failed, and what the other would
// read now would be thrown away with the scan.
func (c *claims) stop() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
}

// stretch is how many blobs a claim takes: a 32nd of the list, from 16
// to 256. Short stretches balance the two processes' ends more finely;
// long ones keep more of git's delta bases in reach.
func (c *claims) stretch() int {
	if c.size > 0 {
		return c.size
	}
	return min(256, max(16, len(c.want)/32))
}

// claim takes the next stretch from the front, or from the back; nil
// when none is left or the claims are stopped.
func (c *claims) claim(back bool) []plumbing.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := min(c.stretch(), c.hi-c.lo)
	if n <= 0 || c.stopped {
		return nil
	}
	if back {
		c.hi -= n
		return c.want[c.hi : c.hi+n]
	}
	c.lo += n
	return c.want[c.lo-n : c.lo]
}

// read requests want and calls fn for each, in order, then ends the
// process. With text set, a binary blob of streamMin bytes or more is
// read as it streams into its printable text, handed to text instead of
// fn.
func (c *catFile) read(want []plumbing.Hash, max int64, fn func(plumbing.Hash, []byte, blobStatus), text func(plumbing.Hash, *archive.Strings)) error {
	return c.readClaims(&claims{want: want, hi: len(want)}, false, max, fn, text)
}

// readClaims reads the stretches it claims from cl (from the back when
// back is set) as read reads its list. The writer claims a stretch,
// hands it to the reader and only then asks git for it: the reader is
// always ready for the answers to what git has been asked, whatever the
// pipes hold (a stretch written before the reader had it deadlocked on
// pipes of one page: git waiting for the reader to take an answer, the
// reader for the stretch, the writer for git to read). It stays at most
// two stretches ahead of the reader, so the other process can still
// claim what this one has not reached.
func (c *catFile) readClaims(cl *claims, back bool, max int64, fn func(plumbing.Hash, []byte, blobStatus), text func(plumbing.Hash, *archive.Strings)) error {
	defer c.cancel()
	asked := make(chan []plumbing.Hash, 1)
	done := make(chan struct{}) // the reader has stopped
	go func() {
		defer close(asked)
		defer c.stdin.Close()
		w := bufio.NewWriterSize(c.stdin, 64<<10)
		for c.ctx.Err() == nil {
			s := cl.claim(back)
			if s == nil {
				return
			}
			// A claimed stretch is the reader's before git is asked: if
			// git then does not take it, the reader fails on the missing
			// answers, and no claimed blob goes unread in silence. A
			// stretch dropped here goes with a reader that has failed or
			// a cancelled scan.
			select {
			case asked <- s:
			case <-done:
				return
			case <-c.ctx.Done():
				return
			}
			for _, h := range s {
				w.WriteString(h.String())
				w.WriteByte('\n')
			}
			if w.Flush() != nil {
				return
			}
		}
	}()
	// 256 KiB: the pipe gives at most 64 KiB a read, and a blob larger
	// than the buffer is read past it. Each of the two readers had 1 MiB,
	// most of it touched: 3.5 MB of a history scan's own peak.
	rd := bufio.NewReaderSize(c.stdout, 256<<10)
	var win []byte // the window binaries stream through, reused
	one := func(h plumbing.Hash) error {
		typ, size, err := readHeader(rd, h)
		switch {
		case errors.Is(err, plumbing.ErrObjectNotFound):
			fn(h, nil, blobMissing)
			return nil
		case err != nil:
			return err
		case typ != "blob":
			fn(h, nil, blobMissing)
			return skipBody(rd, size)
		case size > max:
			fn(h, nil, blobSkip)
			return skipBody(rd, size)
		}
		if text != nil && size >= streamMin {
			head, err := rd.Peek(int(min(size, 8000)))
			if err != nil {
				return fmt.Errorf("git cat-file: %w", err)
			}
			if streamable(head) {
				s := archive.NewStrings(win)
				if err := streamStrings(rd, size, s); err != nil {
					return err
				}
				win = s.Close()
				text(h, s)
				return nil
			}
		}
		body, err := readBody(rd, size)
		if err != nil {
			return err
		}
		fn(h, body, blobOK)
		return nil
	}
	perr := func() error {
		defer close(done)
		for s := range asked {
			for _, h := range s {
				if err := one(h); err != nil {
					return err
				}
			}
		}
		return c.ctx.Err()
	}()
	if perr != nil {
		cl.stop()
		c.cancel()
	}
	c.stdout.Close()
	werr := c.cmd.Wait()
	if err := c.ctx.Err(); err != nil {
		return err
	}
	if perr != nil || werr != nil {
		if oe := gitObjectError("git cat-file", c.stderr.String()); oe != nil {
			return oe
		}
	}
	if perr != nil {
		return perr
	}
	if werr != nil {
		return fmt.Errorf("git cat-file: %v: %s", werr, strings.TrimSpace(c.stderr.String()))
	}
	return nil
}

var objectID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b[0-9a-f]{40}\b`) })

// gitObjectError reads git's report of an object it could not read
// (corrupt, or missing) into an [*ObjectError]; nil when git said
// something else.
func gitObjectError(what, stderr string) *ObjectError {
	var msg string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "fatal: ") || msg == "" && strings.HasPrefix(l, "error: ") {
			msg = l
		}
	}
	low := strings.ToLower(stderr)
	var corrupt bool
	switch {
	case strings.Contains(low, "corrupt"), strings.Contains(low, "does not match index"),
		strings.Contains(low, "inflate"), strings.Contains(low, "unable to unpack"):
		corrupt = true
	case strings.Contains(low, "unable to read"), strings.Contains(low, "bad object"),
		strings.Contains(low, "could not fetch"), strings.Contains(low, "missing"):
	default:
		return nil
	}
	id := objectID().FindString(msg)
	if id == "" {
		id = objectID().FindString(stderr)
	}
	return &ObjectError{What: what, Hash: plumbing.NewHash(id), Corrupt: corrupt, Err: errors.New(strings.TrimSpace(msg))}
}
