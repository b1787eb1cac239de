package gitscan

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/leakguard/leakguard/scanner"
)

// PushUpdate is one line of a pre-push hook's standard input.
type PushUpdate struct {
	LocalRef, RemoteRef string
	Local, Remote       plumbing.Hash
}

// ParsePushUpdates reads a pre-push hook's standard input:
// "<local ref> <local sha> <remote ref> <remote sha>" per line.
func ParsePushUpdates(in io.Reader) ([]PushUpdate, error) {
	var out []PushUpdate
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 4 || !plumbing.IsHash(f[1]) || !plumbing.IsHash(f[3]) {
			return nil, fmt.Errorf("pre-push input line %d: want '<local ref> <local sha> <remote ref> <remote sha>'", n)
		}
		out = append(out, PushUpdate{LocalRef: f[0], Local: plumbing.NewHash(f[1]), RemoteRef: f[2], Remote: plumbing.NewHash(f[3])})
	}
	return out, sc.Err()
}

// FrameworkPush is what the pre-commit framework tells a pre-push hook in
// its environment; it keeps the hook's standard input to itself
// (pre_commit/commands/hook_impl.py). From and To are PRE_COMMIT_FROM_REF
// and PRE_COMMIT_TO_REF; LocalRef and RemoteRef are
// PRE_COMMIT_LOCAL_BRANCH and PRE_COMMIT_REMOTE_BRANCH, the pushed ref as
// git names it (refs/heads/main, HEAD, HEAD~1, a sha); Framework is
// PRE_COMMIT=1. The framework passes only the first pushed ref with new
// commits.
type FrameworkPush struct {
	From, To            string
	LocalRef, RemoteRef string
	Framework           bool
}

// ErrNoPushRange: a pre-push scan could not tell what is pushed.
var ErrNoPushRange = errors.New("the pushed commits are unknown")

// FrameworkUpdates turns the pre-commit framework's description of a push
// into updates for [Repo.PrePush]. From..To when To is given (From empty
// or all zeros: a new ref). Without them, which the framework does when
// the pushed commits begin with a root commit (a new repository's first
// push), LocalRef is pushed as a new ref: the commits no remote-tracking
// ref has. A framework run that names nothing, or a revision that does
// not resolve, is an error wrapping [ErrNoPushRange], never an empty
// push. Not the framework (nothing set): no updates.
func (r *Repo) FrameworkUpdates(p FrameworkPush) ([]PushUpdate, error) {
	if p.To == "" && p.LocalRef == "" {
		if p.Framework || p.From != "" {
			return nil, fmt.Errorf("%w: the pre-commit framework set neither PRE_COMMIT_TO_REF nor PRE_COMMIT_LOCAL_BRANCH", ErrNoPushRange)
		}
		return nil, nil
	}
	if err := r.load(); err != nil {
		return nil, err
	}
	u := PushUpdate{LocalRef: p.LocalRef, RemoteRef: p.RemoteRef}
	local := p.To
	if local == "" {
		local = p.LocalRef
	}
	if u.LocalRef == "" {
		u.LocalRef = local
	}
	var err error
	if u.Local, err = r.pushedObject(local); err != nil {
		return nil, err
	}
	if p.To != "" && strings.Trim(p.From, "0") != "" {
		if u.Remote, err = r.pushedObject(p.From); err != nil {
			return nil, err
		}
	}
	return []PushUpdate{u}, nil
}

// pushedObject resolves a revision as git's push names it: a sha as it
// is (PrePush reports it when it cannot be read), a ref unpeeled (a
// pushed tag's message is scanned), else a revision to its commit.
func (r *Repo) pushedObject(rev string) (plumbing.Hash, error) {
	if plumbing.IsHash(rev) {
		return plumbing.NewHash(rev), nil
	}
	if rev == "HEAD" || strings.HasPrefix(rev, "refs/") {
		if ref, err := r.r.Reference(plumbing.ReferenceName(rev), true); err == nil {
			return ref.Hash(), nil
		}
	}
	h, err := r.r.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("%w: unknown revision %q", ErrNoPushRange, rev)
	}
	return *h, nil
}

// PrePush scans what a push sends: for each update, the commits
// reachable from the local sha and not from the remote sha (for a new
// ref: not from any remote-tracking ref); deletions send nothing. Each
// commit's added lines against its parents and its message are scanned.
// An annotated tag is peeled: its message is scanned and the commit it
// tags is pushed like a branch (a tag of a tree or blob: every file of
// it). A pushed object that cannot be read is an [*ObjectError]: the push
// is never passed unread.
//
// git reads the push when it can (as for a staged scan, [Repo.Staged]):
// 'git log' walks only the commits between the pushed and the remote's
// sha, where go-git's walk reads every commit the remote already has,
// and git's cat-file reads objects without loading go-git's pack indexes
// (a one-commit push to a 200,000-commit repository took 8.8 s and
// 360 MB through go-git, 0.12 s and 19 MB through git; bench/startup.sh
// times a push).
func (r *Repo) PrePush(ctx context.Context, o Options, updates []PushUpdate) ([]scanner.Finding, Stats, error) {
	if err := r.load(); err != nil {
		return nil, Stats{}, err
	}
	g, err := r.hookBackend(o.Backend)
	if err != nil {
		return nil, Stats{Backend: o.Backend}, err
	}
	if g != nil {
		fs, st, err := r.prePush(ctx, o, updates, g)
		if err == nil || ctx.Err() != nil || o.Backend == "git" {
			return fs, st, err
		}
		// git failed (an old or broken install, an odd repository):
		// go-git reads everything itself, and reports what it cannot.
	}
	return r.prePush(ctx, o, updates, nil)
}

// prePush scans a push through g, or go-git when g is nil.
func (r *Repo) prePush(ctx context.Context, o Options, updates []PushUpdate, g *gitBackend) ([]scanner.Finding, Stats, error) {
	st := Stats{Backend: "go-git"}
	walk, read := r.goGitWalk, blobReader(r.readBlob)
	object, remote := objectReader(r.goGitObject), objectReader(r.goGitObject)
	var b *batch
	if g != nil {
		st.Backend = "git"
		b = g.batch(ctx)
		defer b.close()
		walk, object, remote = g.walk, b.encoded, b.typed
	}
	if o.earlyPush != nil && g != nil {
		walk = o.earlyPush.walkOr(walk)
	}
	missingSet := map[plumbing.Hash]bool{}
	missing := func(h plumbing.Hash) { missingSet[h] = true }
	ex := pushExcludes{r: r, remote: remote}
	walked := map[string]bool{}
	seen := map[plumbing.Hash]bool{}
	var all []*commitInfo
	var tips []plumbing.Hash
	var out []scanner.Finding
	noteRef := map[plumbing.Hash]string{}
	for _, u := range updates {
		if u.Local.IsZero() {
			continue // deletion
		}
		if u.Local == u.Remote {
			continue // nothing new
		}
		p, err := peelWith(object, "pushed "+u.LocalRef, u.Local)
		if err != nil {
			return nil, st, err
		}
		var commit plumbing.Hash
		if p.kind == plumbing.CommitObject {
			commit = p.target
		}
		for _, t := range p.tags {
			out = append(out, tagFindings(o.Detector, refTag{ref: u.LocalRef, tag: t, commit: commit})...)
		}
		if commit.IsZero() {
			// A tag of a tree or a blob: all of it is new.
			fs, err := r.scanObject(ctx, o, p, u.LocalRef, &st, nil)
			if err != nil {
				return nil, st, err
			}
			out = append(out, fs...)
			continue
		}
		excludes := ex.of(u)
		tips = append(tips, commit)
		key := walkKey(commit, excludes)
		if walked[key] {
			continue // another ref pushes the same commits: all seen
		}
		walked[key] = true
		cs, err := walk(ctx, []plumbing.Hash{commit}, excludes, missing, nil)
		if err != nil {
			return nil, st, err
		}
		for _, c := range cs {
			if !seen[c.hash] {
				seen[c.hash] = true
				all = append(all, c)
				if strings.HasPrefix(u.RemoteRef, "refs/notes/") {
					noteRef[c.hash] = u.RemoteRef
				}
			}
		}
	}
	all = topoOrder(all, tips)
	st.Commits = len(all)
	jobs := make([][]fileJob, len(all))
	for i, c := range all {
		for _, ch := range c.changes {
			if c.introduces(ch) {
				jobs[i] = append(jobs[i], fileJob{path: ch.path, blob: ch.blob, olds: ch.olds})
			}
		}
	}
	var ahead map[plumbing.Hash]fetched
	next := 0 // the first commit whose blobs are not read ahead
	var last map[plumbing.Hash]int32
	if b != nil {
		last = lastReads(jobs)
		read = func(h plumbing.Hash, max int64) ([]byte, bool, error) {
			if f, ok := ahead[h]; ok {
				return f.b, f.skip, f.err
			}
			return b.blob(h, max)
		}
	}
	for i, c := range all {
		if err := ctx.Err(); err != nil {
			return nil, st, err
		}
		if b != nil && i >= next {
			// The blobs of this commit and the next ones, in one request
			// to git rather than one round trip each. A blob read for one
			// commit is often a later one's parent version: what the last
			// batches read and later commits need again stays (keptBlobs).
			next = readAhead(jobs, i)
			kept := keptBlobs(ahead, last, i, aheadBytes)
			clear(ahead) // the last batch's blobs go before the next's come
			var want []plumbing.Hash
			for _, h := range jobBlobs(jobs[i:next]) {
				if _, ok := kept[h]; !ok {
					want = append(want, h)
				}
			}
			ahead, _ = b.blobs(want, o.maxSize(), aheadBytes) // a failure fails the reads
			maps.Copy(ahead, kept)
		}
		var fs []scanner.Finding
		inMessage := o.Detector.Detect(scanner.Fragment{Content: []byte(c.message)})
		subject := redactedSubject(c.message, inMessage)
		fs = append(fs, inMessage...)
		fs = append(fs, scanDiffs(ctx, o, jobs[i], &st, read)...)
		for _, f := range fs {
			if f.AllowedIn(c.hash.String()) {
				continue // an imported allowlist's commits
			}
			f.Commit = c.hash.String()
			f.Author, f.Email, f.Date = c.author, c.email, c.date
			f.Message = subject
			if ref := noteRef[c.hash]; ref != "" && f.File != "" {
				asNote(&f, ref, f.File)
			}
			out = append(out, f)
		}
	}
	for h := range r.shallowParents(all) {
		delete(missingSet, h) // the remote has them: they are not pushed
	}
	st.Missing += len(missingSet)
	sortHistory(out, all)
	return out, st, nil
}

// shallowParents are the parents of the shallow clone's boundary commits
// among commits: absent by design.
func (r *Repo) shallowParents(commits []*commitInfo) map[plumbing.Hash]bool {
	sh, err := r.r.Storer.Shallow()
	if err != nil || len(sh) == 0 {
		return nil
	}
	boundary := map[plumbing.Hash]bool{}
	for _, h := range sh {
		boundary[h] = true
	}
	out := map[plumbing.Hash]bool{}
	for _, c := range commits {
		if boundary[c.hash] {
			for _, p := range c.parents {
				out[p] = true
			}
		}
	}
	return out
}

// scanObject scans a tree's every file (or a blob, under name) whole,
// but the blobs done already says were scanned.
func (r *Repo) scanObject(ctx context.Context, o Options, p peeled, name string, st *Stats, done map[plumbing.Hash]bool) ([]scanner.Finding, error) {
	if p.kind == plumbing.BlobObject {
		if done[p.target] {
			return nil, nil
		}
		return scanDiffs(ctx, o, []fileJob{{path: name, blob: p.target}}, st, r.readBlob), nil
	}
	if p.kind != plumbing.TreeObject {
		return nil, nil
	}
	t, err := object.GetTree(r.r.Storer, p.target)
	if err != nil {
		return nil, objectError(name, p.target, err)
	}
	var jobs []fileJob
	walker := object.NewTreeWalker(t, true, nil)
	defer walker.Close()
	for {
		path, e, err := walker.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, objectError(name, p.target, err)
		}
		if e.Mode.IsFile() && e.Mode != filemode.Symlink && !done[e.Hash] {
			jobs = append(jobs, fileJob{path: path, blob: e.Hash})
		}
	}
	return scanDiffs(ctx, o, jobs, st, r.readBlob), nil
}

// aheadBlobs and aheadBytes bound a push's read-ahead: the blobs asked
// for at once, and the bytes of them kept (what is over is read again
// when scanned).
const (
	aheadBlobs = 512
	aheadBytes = 32 << 20
)

// readAhead returns the end of the commits, from i, whose blobs are read
// ahead together: at least commit i, then while they want fewer than
// aheadBlobs.
func readAhead(jobs [][]fileJob, i int) int {
	n, j := 0, i
	for ; j < len(jobs); j++ {
		m := 0
		for _, jb := range jobs[j] {
			m += 1 + len(jb.olds)
		}
		if j > i && n+m > aheadBlobs {
			break
		}
		n += m
	}
	return j
}

// lastReads maps each blob the jobs read to the last commit (an index
// into jobs) that reads it: an int32 a blob, where the commits' changes
// already take about a hundred bytes each.
func lastReads(jobs [][]fileJob) map[plumbing.Hash]int32 {
	last := map[plumbing.Hash]int32{}
	for i, js := range jobs {
		for _, j := range js {
			last[j.blob] = int32(i)
			for _, h := range j.olds {
				last[h] = int32(i)
			}
		}
	}
	return last
}

// keptBlobs is what of the blobs read for the last batch (a push's
// read-ahead) is worth keeping for the commits from i on: those read
// whole that a commit from i reads again, up to budget bytes, those whose
// last reader comes first kept first. A version of a file is mostly read
// twice, by the commit that writes it and by the next that changes the
// file: its last reader is its next one.
func keptBlobs(ahead map[plumbing.Hash]fetched, last map[plumbing.Hash]int32, i int, budget int64) map[plumbing.Hash]fetched {
	type later struct {
		h    plumbing.Hash
		last int32
	}
	var ls []later
	for h, f := range ahead {
		if l, ok := last[h]; ok && f.b != nil && int(l) >= i { // not skipped or missing
			ls = append(ls, later{h, l})
		}
	}
	slices.SortFunc(ls, func(a, b later) int { return cmp.Compare(a.last, b.last) })
	kept := make(map[plumbing.Hash]fetched, len(ls))
	var size int64
	for _, l := range ls {
		f := ahead[l.h]
		if size+int64(len(f.b)) > budget {
			break
		}
		size += int64(len(f.b))
		kept[l.h] = f
	}
	return kept
}

// jobBlobs lists the blobs jobs read, once each (not the empty blob).
func jobBlobs(jobs [][]fileJob) []plumbing.Hash {
	seen := map[plumbing.Hash]bool{plumbing.ZeroHash: true, emptyBlob: true}
	var out []plumbing.Hash
	add := func(h plumbing.Hash) {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	for _, js := range jobs {
		for _, j := range js {
			add(j.blob)
			for _, h := range j.olds {
				add(h)
			}
		}
	}
	return out
}

// remoteTips returns the commits of the remote-tracking refs.
func (r *Repo) remoteTips(object objectReader) []plumbing.Hash {
	it, err := r.r.Storer.IterReferences()
	if err != nil {
		return nil
	}
	var out []plumbing.Hash
	_ = it.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() == plumbing.HashReference && strings.HasPrefix(ref.Name().String(), "refs/remotes/") {
			if h, ok := peelCommit(object, ref.Hash()); ok {
				out = append(out, h)
			}
		}
		return nil
	})
	return out
}
