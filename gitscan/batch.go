package gitscan

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/leakguard/leakguard/archive"
	"github.com/leakguard/leakguard/scanner"
)

// batch reads objects one at a time, for code that reads as it goes (a
// push: its refs, then its diffs), where go-git would first load every
// pack index whole (about a second on a 200,000-commit repository): from
// the object directory in-process (objectDir), else through a 'git
// cat-file --batch' it starts on first need. Once the process fails,
// every later read through it fails too. close ends it.
type batch struct {
	ctx context.Context
	g   *gitBackend
	dir *objectDir // nil: every object through git (tests)
	c   *catFile
	w   *bufio.Writer
	rd  *bufio.Reader
	err error
}

func (g *gitBackend) batch(ctx context.Context) *batch {
	b := &batch{ctx: ctx, g: g}
	if g.r != nil {
		b.dir = newObjectDir(g.r.commonDir())
	}
	return b
}

func (b *batch) close() {
	if b.c != nil {
		b.c.close()
		b.c = nil
	}
	if b.dir != nil {
		b.dir.close()
	}
}

// maxDirObject bounds what batch reads from the object directory
// besides blobs (a tag, and the commits and trees peeled on the way):
// anything larger goes through git.
const maxDirObject = 1 << 20

// object reads h's type, and its content when keep says so (else it is
// skipped: nil), from the object directory when h is there in at most
// max bytes, else from git. It returns plumbing.ErrObjectNotFound when
// git has no object h.
func (b *batch) object(h plumbing.Hash, max int64, keep func(typ string, size int64) bool) (string, []byte, error) {
	if b.dir != nil {
		if typ, body, ok := b.dir.object(h, max); ok {
			if !keep(typ.String(), int64(len(body))) {
				body = nil
			}
			return typ.String(), body, nil
		}
	}
	if err := b.start(); err != nil {
		return "", nil, err
	}
	b.ask(h)
	if err := b.w.Flush(); err != nil {
		return "", nil, b.fail(fmt.Errorf("git cat-file: %w", err))
	}
	typ, _, body, err := b.answer(h, keep)
	if err != nil && !errors.Is(err, plumbing.ErrObjectNotFound) {
		err = b.fail(err)
	}
	return typ, body, err
}

// start starts cat-file unless it runs, or has failed. A batch whose
// context is done fails: its git may be killed, or about to be.
func (b *batch) start() error {
	if err := b.ctx.Err(); err != nil && b.err == nil {
		if b.c != nil {
			return b.fail(err)
		}
		b.err = err
	}
	if b.err == nil && b.c == nil {
		if b.g.r != nil {
			b.g.r.catFiles.Add(1)
		}
		if b.c, b.err = b.g.startCatFile(b.ctx); b.err == nil {
			b.w, b.rd = bufio.NewWriter(b.c.stdin), bufio.NewReaderSize(b.c.stdout, 64<<10)
		}
	}
	return b.err
}

// fail records that cat-file failed with err (git's own words when it
// said what it could not read), for every later read. It ends the
// process first: its stderr is complete, and no longer written by
// os/exec's copy, only once it has exited.
func (b *batch) fail(err error) error {
	b.c.close()
	if oe := gitObjectError("git cat-file", b.c.stderr.String()); oe != nil {
		err = oe
	}
	b.err = err
	return err
}

// ask requests h (buffered: Flush sends it).
func (b *batch) ask(h plumbing.Hash) {
	b.w.WriteString(h.String())
	b.w.WriteByte('\n')
}

// answer reads git's answer for h (readAnswer).
func (b *batch) answer(h plumbing.Hash, keep func(typ string, size int64) bool) (string, int64, []byte, error) {
	return readAnswer(b.rd, h, keep)
}

// readAnswer reads the answer of 'git cat-file --batch' for h from rd: its
// type and size, and its content when keep says so (else it is skipped:
// nil); plumbing.ErrObjectNotFound when git has no object h.
func readAnswer(rd *bufio.Reader, h plumbing.Hash, keep func(typ string, size int64) bool) (string, int64, []byte, error) {
	typ, size, err := readHeader(rd, h)
	if err != nil {
		return "", 0, nil, err
	}
	if !keep(typ, size) {
		return typ, size, nil, skipBody(rd, size)
	}
	body, err := readBody(rd, size)
	if err != nil {
		return "", 0, nil, err
	}
	return typ, size, body, nil
}

// readBody reads an object's content of size bytes and the newline
// after it.
func readBody(rd *bufio.Reader, size int64) ([]byte, error) {
	body := make([]byte, size+1)
	if _, err := io.ReadFull(rd, body); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	if body[size] != '\n' {
		return nil, errNoNewline
	}
	return body[:size], nil
}

// errNoNewline: an object's content in cat-file's output is not followed
// by the newline that ends it (the output is not what was asked for).
var errNoNewline = errors.New("git cat-file: unexpected output: no newline after an object")

// readHeader reads the line before an object's content in the output of
// 'git cat-file --batch': its type and size; plumbing.ErrObjectNotFound
// when git has no object h.
func readHeader(rd *bufio.Reader, h plumbing.Hash) (string, int64, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", 0, fmt.Errorf("git cat-file: truncated output")
	}
	fs, id := strings.Fields(line), h.String()
	if len(fs) == 2 && fs[1] == "missing" && fs[0] == id {
		return "", 0, plumbing.ErrObjectNotFound
	}
	var size int64
	if len(fs) == 3 {
		size, err = strconv.ParseInt(fs[2], 10, 64)
	}
	if len(fs) != 3 || err != nil || size < 0 || fs[0] != id {
		return "", 0, fmt.Errorf("git cat-file: unexpected %q", strings.TrimSpace(line))
	}
	return fs[1], size, nil
}

// skipBody skips an object's content of size bytes and reads the
// newline after it.
func skipBody(rd *bufio.Reader, size int64) error {
	if _, err := rd.Discard(int(size)); err != nil {
		return fmt.Errorf("git cat-file: %w", err)
	}
	switch c, err := rd.ReadByte(); {
	case err != nil:
		return fmt.Errorf("git cat-file: %w", err)
	case c != '\n':
		return errNoNewline
	}
	return nil
}

// streamMin is the size from which a history scan reads a binary blob
// as it streams, into its printable text ([archive.Strings]), instead of
// holding it whole: a large binary then costs its text, not its size in
// fresh memory (pages first touched cost about 15 µs each on a shared
// machine, more than reading them).
const streamMin = 64 << 10

// streamStrings reads an object's content of size bytes, which begins
// with a binary's bytes and no archive's, into s, and the newline after
// it.
func streamStrings(rd *bufio.Reader, size int64, s *archive.Strings) error {
	for left := size; left > 0; {
		n := rd.Buffered()
		if n == 0 {
			if _, err := rd.Peek(1); err != nil {
				return fmt.Errorf("git cat-file: %w", err)
			}
			n = rd.Buffered()
		}
		n = int(min(int64(n), left))
		p, _ := rd.Peek(n)
		s.Write(p)
		rd.Discard(n)
		left -= int64(n)
	}
	return skipBody(rd, 0)
}

// streamable reports whether a blob whose content begins with head (at
// least its first 8000 bytes) is a binary and not an archive: what
// [scanner.Detector.DetectFile] reads as printable text.
func streamable(head []byte) bool {
	return scanner.IsBinary(head) && archive.Detect(head) == archive.None
}

// fetched is a blob read ahead ([batch.blobs]), as a [blobReader]
// returns it.
type fetched struct {
	b    []byte
	skip bool
	err  error
}

// blobs reads hs ahead: the blobs, up to budget bytes of them, and what
// a blobReader says of the others (over max: skip; not a blob or
// missing: plumbing.ErrObjectNotFound). What the budget leaves out is
// not in the map (read it with blob). The object directory gives what
// it holds; the rest goes to git in one request. An error that stops
// cat-file is returned with what was read before it, and fails every
// later read.
func (b *batch) blobs(hs []plumbing.Hash, max, budget int64) (map[plumbing.Hash]fetched, error) {
	out := make(map[plumbing.Hash]fetched, len(hs))
	b.asked(len(hs))
	var kept int64
	if b.dir != nil {
		var rest []plumbing.Hash
		for _, h := range hs {
			if kept >= budget {
				break // the rest is read later, with blob
			}
			typ, body, ok := b.dir.object(h, max)
			switch {
			case !ok:
				rest = append(rest, h)
			case typ != plumbing.BlobObject:
				out[h] = fetched{err: plumbing.ErrObjectNotFound}
			case kept+int64(len(body)) <= budget:
				kept += int64(len(body))
				out[h] = fetched{b: body}
			}
		}
		if hs = rest; len(hs) == 0 {
			return out, nil
		}
	}
	if err := b.start(); err != nil {
		return out, err
	}
	// The requests go from their own goroutine: cat-file stops reading
	// them while its answers wait to be read.
	sent := make(chan error, 1)
	go func() {
		for _, h := range hs {
			b.ask(h)
		}
		sent <- b.w.Flush()
	}()
	for _, h := range hs {
		typ, size, body, err := b.answer(h, func(typ string, size int64) bool {
			return typ == "blob" && size <= max && kept+size <= budget
		})
		switch {
		case errors.Is(err, plumbing.ErrObjectNotFound) || (err == nil && typ != "blob"):
			out[h] = fetched{err: plumbing.ErrObjectNotFound}
		case err != nil:
			b.c.cancel() // the requests may wait on a pipe no one reads
			<-sent
			return out, b.fail(err)
		case size > max:
			out[h] = fetched{skip: true}
		case body != nil:
			kept += size
			out[h] = fetched{b: body}
		}
	}
	if err := <-sent; err != nil {
		return out, b.fail(fmt.Errorf("git cat-file: %w", err))
	}
	return out, nil
}

// asked counts n blobs asked for (Repo.blobsAsked).
func (b *batch) asked(n int) {
	if b.g.r != nil {
		b.g.r.blobsAsked.Add(int64(n))
	}
}

// blob is a [blobReader]: what is not a blob is missing.
func (b *batch) blob(h plumbing.Hash, max int64) ([]byte, bool, error) {
	if h == emptyBlob {
		return nil, false, nil
	}
	b.asked(1)
	typ, body, err := b.object(h, max, func(typ string, size int64) bool { return typ == "blob" && size <= max })
	switch {
	case err != nil:
		return nil, false, err
	case typ != "blob":
		return nil, false, plumbing.ErrObjectNotFound
	case body == nil:
		return nil, true, nil
	}
	return body, false, nil
}

// encoded is an [objectReader]: an annotated tag with its content (the
// one kind peelWith decodes), anything else with its type only. What
// git cannot read, go-git reads: cat-file says "missing" of a corrupt
// object too, and go-git tells the two apart ([ObjectError.Corrupt]).
func (b *batch) encoded(h plumbing.Hash) (plumbing.EncodedObject, error) {
	o, err := b.typed(h)
	if err != nil {
		return b.g.r.goGitObject(h)
	}
	return o, nil
}

// typed is encoded without go-git: for peelCommit, to which a corrupt
// object is as good as a missing one (a remote's sha the repository may
// not have), and which would otherwise load go-git's pack indexes for
// nothing.
func (b *batch) typed(h plumbing.Hash) (plumbing.EncodedObject, error) {
	typ, body, err := b.object(h, maxDirObject, func(typ string, _ int64) bool { return typ == "tag" })
	if err != nil {
		return nil, err
	}
	t, err := plumbing.ParseObjectType(typ)
	if err != nil {
		return nil, fmt.Errorf("git cat-file: object %s: %w", h, err)
	}
	o := &plumbing.MemoryObject{}
	o.SetType(t)
	if _, err := o.Write(body); err != nil {
		return nil, err
	}
	return o, nil
}
