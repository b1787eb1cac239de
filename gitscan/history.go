package gitscan

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/leakguard/leakguard/archive"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// HistoryOptions choose the commits of a history scan. By default every
// commit reachable from HEAD, branches, tags, remote-tracking refs, notes
// and refs/stash, with the messages of annotated tags (see # Refs).
type HistoryOptions struct {
	// Range is a revision range: "A..B" (in B, not in A), "A...B" (in
	// either, not in both), or "REV" (reachable from REV).
	Range string
	// SinceCommit excludes the commit and its ancestors.
	SinceCommit string
	// Branch scans only what NAME reaches.
	Branch string
	// AllRefs starts a whole-repository scan from every ref (pull
	// requests included), not only HEAD, branches, tags, remote-tracking
	// refs, notes and the stash. A mirror clone is always scanned so.
	AllRefs bool
}

type blobStatus int

const (
	blobOK blobStatus = iota
	blobSkip
	blobMissing
)

// historyBackend reads commits and blobs.
type historyBackend interface {
	name() string
	// walk returns the commits reachable from tips and not from
	// excludes, with their changes, in any order.
	walk(ctx context.Context, tips, excludes []plumbing.Hash, missing func(plumbing.Hash), progress func(int)) ([]*commitInfo, error)
	// blobs calls fn for each wanted blob, one at a time, in order; a
	// backend may instead hand text a binary's printable text, read as
	// it streamed.
	blobs(ctx context.Context, want []plumbing.Hash, max int64, fn func(plumbing.Hash, []byte, blobStatus), text func(plumbing.Hash, *archive.Strings)) error
}

// goGitBackend reads with go-git.
type goGitBackend struct{ r *Repo }

func (g goGitBackend) name() string { return "go-git" }

func (g goGitBackend) walk(ctx context.Context, tips, excludes []plumbing.Hash, missing func(plumbing.Hash), progress func(int)) ([]*commitInfo, error) {
	return g.r.goGitWalk(ctx, tips, excludes, missing, progress)
}

func (g goGitBackend) blobs(ctx context.Context, want []plumbing.Hash, max int64, fn func(plumbing.Hash, []byte, blobStatus), _ func(plumbing.Hash, *archive.Strings)) error {
	for _, h := range want {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, skip, err := g.r.readBlob(h, max)
		switch {
		case err != nil && isMissing(err):
			fn(h, nil, blobMissing)
		case err != nil:
			return objectError("blob", h, err)
		case skip:
			fn(h, nil, blobSkip)
		default:
			fn(h, b, blobOK)
		}
	}
	return nil
}

// backend picks the history reader.
func (r *Repo) backend(name string) (historyBackend, error) {
	switch name {
	case "go-git":
		return goGitBackend{r}, nil
	case "git":
		return r.gitBackend()
	case "":
		if r.isPartialClone() {
			// git would fetch missing objects from the promisor remote.
			return goGitBackend{r}, nil
		}
		if _, err := exec.LookPath("git"); err != nil {
			return goGitBackend{r}, nil
		}
		if b, err := r.gitBackend(); err == nil {
			return b, nil
		}
		return goGitBackend{r}, nil
	}
	return nil, fmt.Errorf("unknown git backend %q (use git or go-git)", name)
}

func (r *Repo) isPartialClone() bool {
	cfg, err := r.r.Config()
	if err != nil {
		return false
	}
	if cfg.Raw.Section("extensions").Option("partialclone") != "" {
		return true
	}
	for _, s := range cfg.Raw.Section("remote").Subsections {
		if s.Option("promisor") == "true" || s.Option("partialclonefilter") != "" {
			return true
		}
	}
	return false
}

// resolve turns a revision into a commit hash.
func (r *Repo) resolve(rev string) (plumbing.Hash, error) { return r.resolveVia(nil, rev) }

// resolveVia is resolve through git when g is set (revparse.go).
func (r *Repo) resolveVia(g *gitBackend, rev string) (plumbing.Hash, error) {
	if rev == "" {
		rev = "HEAD"
	}
	if g != nil {
		h, ok, err := g.commit(rev)
		switch {
		case ok:
			return h, nil
		case err == nil:
			if _, err := g.output("rev-parse", "--verify", "-q", rev); err == nil && !strings.HasPrefix(rev, "-") {
				return plumbing.ZeroHash, fmt.Errorf("%q is not a commit", rev)
			}
			return plumbing.ZeroHash, fmt.Errorf("unknown revision %q", rev)
		}
	}
	h, err := r.r.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("unknown revision %q", rev)
	}
	c, ok := r.peel(*h)
	if !ok {
		return plumbing.ZeroHash, fmt.Errorf("%q is not a commit", rev)
	}
	return c, nil
}

// ErrBadRevision wraps revision errors (a usage error).
var ErrBadRevision = errors.New("bad revision")

// selection resolves the tips and excludes of a history scan.
func (r *Repo) selection(h HistoryOptions, object objectReader, g *gitBackend) (sel selection, err error) {
	if h.Range == "" && h.Branch == "" {
		sel, err = r.refSelection(h.AllRefs, object)
		if err != nil {
			return sel, err
		}
	}
	sel.tips, sel.excludes, err = r.revSelection(h, sel.tips, g)
	return sel, err
}

// revSelection resolves the tips and excludes of a range or branch
// (refTips otherwise), through git when g is set.
func (r *Repo) revSelection(h HistoryOptions, refTips []plumbing.Hash, g *gitBackend) (tips, excludes []plumbing.Hash, err error) {
	bad := func(err error) error { return fmt.Errorf("%w: %v", ErrBadRevision, err) }
	resolve := func(rev string) (plumbing.Hash, error) { return r.resolveVia(g, rev) }
	switch {
	case h.Range != "":
		rg := strings.TrimSpace(h.Range)
		ends := func(a, b string) (ha, hb plumbing.Hash, err error) {
			if ha, err = resolve(a); err == nil {
				hb, err = resolve(b)
			}
			return ha, hb, err
		}
		if a, b, ok := strings.Cut(rg, "..."); ok {
			ha, hb, err := ends(a, b)
			if err != nil {
				return nil, nil, bad(err)
			}
			tips, excludes = []plumbing.Hash{ha, hb}, mergeBases(g, r.r, ha, hb)
		} else if a, b, ok := strings.Cut(rg, ".."); ok {
			ha, hb, err := ends(a, b)
			if err != nil {
				return nil, nil, bad(err)
			}
			tips, excludes = []plumbing.Hash{hb}, []plumbing.Hash{ha}
		} else {
			for _, f := range strings.Fields(rg) {
				neg := strings.HasPrefix(f, "^")
				hh, err := resolve(strings.TrimPrefix(f, "^"))
				if err != nil {
					return nil, nil, bad(err)
				}
				if neg {
					excludes = append(excludes, hh)
				} else {
					tips = append(tips, hh)
				}
			}
		}
	case h.Branch != "":
		hb, err := resolve(h.Branch)
		if err != nil {
			return nil, nil, bad(err)
		}
		tips = []plumbing.Hash{hb}
	default:
		tips = refTips
	}
	if h.SinceCommit != "" && h.Range == "" {
		hs, err := resolve(h.SinceCommit)
		if err != nil {
			return nil, nil, bad(err)
		}
		excludes = append(excludes, hs)
	}
	return tips, excludes, nil
}

// History scans the commits h selects: each unique blob once, commit
// messages too. Findings carry the commit that introduced them and are
// sorted by commit (parents first), file and position.
func (r *Repo) History(ctx context.Context, o Options, h HistoryOptions) ([]scanner.Finding, Stats, error) {
	var st Stats
	if err := r.load(); err != nil {
		return nil, st, err
	}
	be, err := r.backend(o.Backend)
	if err != nil {
		return nil, st, err
	}
	st.Backend = be.name()
	object, peeled := objectReader(r.goGitObject), func() {}
	if g, ok := be.(*gitBackend); ok {
		// git peels the refs: go-git would first load every pack index
		// whole (0.2 s on 20,000 commits, 1 s on 200,000), a good part of
		// a cached run.
		b := g.batch(ctx)
		object, peeled = b.encoded, b.close
	}
	sel, err := r.selection(h, object, gitOf(be))
	peeled()
	if err != nil {
		return nil, st, err
	}
	if be.name() == "git" {
		r.dropObjects() // the pack indexes a range's revisions loaded
	}
	fs, st, err := r.history(ctx, o, be, sel, &st)
	if err != nil && ctx.Err() == nil && o.Backend == "" && be.name() == "git" {
		// git failed (an old or broken install, an odd repository):
		// go-git reads everything itself.
		st = Stats{Backend: "go-git"}
		return r.history(ctx, o, goGitBackend{r}, sel, &st)
	}
	return fs, st, err
}

// gitOf is be when it reads through git, else nil.
func gitOf(be historyBackend) *gitBackend {
	g, _ := be.(*gitBackend)
	return g
}

// progress reports to o.Progress at most every 100ms.
type progress struct {
	fn      func(Stats)
	last    time.Time
	commits atomic.Int64
	blobs   atomic.Int64
	bytes   atomic.Int64
	mu      sync.Mutex
}

func (p *progress) tick(force bool) {
	if p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !force && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.fn(Stats{Commits: int(p.commits.Load()), Blobs: int(p.blobs.Load()), Bytes: p.bytes.Load()})
}

func (r *Repo) history(ctx context.Context, o Options, be historyBackend, sel selection, st *Stats) ([]scanner.Finding, Stats, error) {
	pr := &progress{fn: o.Progress}
	missingSet := map[plumbing.Hash]bool{}
	var missingMu sync.Mutex
	missing := func(h plumbing.Hash) {
		missingMu.Lock()
		missingSet[h] = true
		missingMu.Unlock()
	}
	hc := o.Cache.open(r, sel, o.keep == nil) // nil: no cache (cache.go)
	commits, err := hc.walk(ctx, r, be, sel, missing, func(n int) {
		pr.commits.Store(int64(n))
		pr.tick(false)
	})
	if err != nil {
		return nil, *st, err
	}
	st.Commits = len(commits)
	pr.commits.Store(int64(len(commits)))

	// Plan: each introduced blob once, scanned under the path of its
	// first introduction.
	pathOf := map[plumbing.Hash]string{}
	var want []plumbing.Hash
	for _, c := range commits {
		for _, ch := range c.changes {
			if !c.introduces(ch) {
				continue
			}
			if _, ok := pathOf[ch.blob]; !ok {
				pathOf[ch.blob] = ch.path
				want = append(want, ch.blob)
			}
		}
	}
	// Newest first: packs store recent versions whole.
	for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
		want[i], want[j] = want[j], want[i]
	}
	sc := &blobScanner{det: o.Detector, workers: o.Workers, pr: pr, archives: o.archives(), found: map[plumbing.Hash][]scanner.Finding{}, scanned: map[plumbing.Hash]bool{}, dirty: map[plumbing.Hash]bool{}, held: newHeldBytes(maxBlobsHeld, &r.blobsHeldPeak)}
	// Commit messages, before the blobs: each is then cut to its first
	// line, all that a finding shows of it (redactedSubject, exposure), so
	// that a history of long messages does not hold them all while its
	// blobs are read.
	msgs := make([][]scanner.Finding, len(commits))
	parallel(ctx, sc.nworkers(), len(commits), func(i int) {
		msgs[i] = o.Detector.Detect(scanner.Fragment{Content: []byte(commits[i].message)})
		commits[i].message = strings.Clone(firstLine(commits[i].message))
	})
	if err := ctx.Err(); err != nil {
		return nil, *st, err
	}
	want = hc.skip(want, sc)
	if err := sc.run(ctx, be, want, pathOf, o.maxSize(), missing); err != nil {
		return nil, *st, err
	}
	// Previous versions of files with findings, when not scanned yet
	// (outside the selected commits): needed to tell new secrets from
	// old ones.
	var again []plumbing.Hash
	for _, c := range commits {
		for _, ch := range c.changes {
			if !c.introduces(ch) || len(sc.found[ch.blob]) == 0 {
				continue
			}
			for _, oh := range ch.olds {
				if oh.IsZero() || sc.scanned[oh] || hc.isClean(oh) {
					continue
				}
				if _, ok := pathOf[oh]; !ok {
					pathOf[oh] = ch.path
					again = append(again, oh)
				}
			}
		}
	}
	unscanned, notices := sc.unscanned, sc.notices
	if len(again) > 0 {
		if err := sc.run(ctx, be, again, pathOf, o.maxSize(), func(plumbing.Hash) {}); err != nil {
			return nil, *st, err
		}
	}
	pr.tick(true)

	var out []scanner.Finding
	noteRef := notesRefs(hc.notesGraph(commits), sel.notes)
	for _, c := range commits {
		subject := redactedSubject(c.message, msgs[c.order])
		attribute := func(f scanner.Finding, path string) {
			if f.AllowedIn(c.hash.String()) {
				return // an imported allowlist's commits
			}
			f.File = path
			f.Commit = c.hash.String()
			f.Author, f.Email, f.Date = c.author, c.email, c.date
			f.Message = subject
			if ref := noteRef[c.hash]; ref != "" && path != "" {
				asNote(&f, ref, path)
			}
			out = append(out, f)
		}
		for _, f := range msgs[c.order] {
			attribute(f, "")
		}
		for _, ch := range c.changes {
			fs := sc.found[ch.blob]
			if len(fs) == 0 || !c.introduces(ch) {
				continue
			}
			had := map[string]int{}
			for _, oh := range ch.olds {
				cnt := map[string]int{}
				for _, f := range sc.found[oh] {
					cnt[secretKey(f)]++
				}
				for k, n := range cnt {
					had[k] = max(had[k], n)
				}
			}
			scannedAs := pathOf[ch.blob]
			for _, f := range fs {
				if k := secretKey(f); had[k] > 0 {
					had[k]--
					continue
				}
				// Inside an archive: "path!/entry" under this path.
				attribute(f, ch.path+strings.TrimPrefix(f.File, scannedAs))
			}
		}
	}
	for _, t := range sel.tags {
		out = append(out, tagFindings(o.Detector, t)...)
	}
	st.Blobs, st.Bytes, st.Skipped = sc.blobs, sc.bytes, sc.skipped
	st.Unscanned, st.Notices = unscanned, notices
	// Trees and blobs that a ref leads to and no commit holds.
	for _, l := range sel.loose {
		fs, err := r.scanObject(ctx, o, l.p, l.ref, st, sc.scanned)
		if err != nil {
			return nil, *st, err
		}
		for i := range fs {
			fs[i].Message = "ref " + l.ref
		}
		out = append(out, fs...)
	}
	st.Missing = len(missingSet)
	hc.stats(st, commits)
	hc.save(commits, sc, msgs, st)
	sortHistory(out, commits)
	if o.keep != nil {
		o.keep.commits, o.keep.found, o.keep.pathOf = commits, sc.found, pathOf
	}
	return out, *st, nil
}

func secretKey(f scanner.Finding) string { return f.RuleID + "\x00" + f.Secret.Reveal() }

// redactedSubject is a commit's first line with every secret found in
// the message redacted: findings carry it as their Message, and reports
// print it.
func redactedSubject(message string, found []scanner.Finding) string {
	s := firstLine(message)
	for _, f := range found {
		for _, v := range []string{f.Secret.Reveal(), f.Match.Reveal()} {
			if len(v) >= 4 && strings.Contains(s, v) {
				s = strings.ReplaceAll(s, v, secret.Redact(v))
			}
		}
	}
	// A secret the message scan did not report (suppressed, or found only
	// in a file) must not ride along either.
	return secret.MaskTokens(s)
}

func firstLine(s string) string {
	s = strings.TrimLeft(s, "\n")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, "\r")
}

// sortHistory orders findings by commit order, then file and position.
func sortHistory(fs []scanner.Finding, commits []*commitInfo) {
	order := make(map[string]int, len(commits))
	for _, c := range commits {
		order[c.hash.String()] = c.order
	}
	sort.SliceStable(fs, func(i, j int) bool {
		if oa, ob := order[fs[i].Commit], order[fs[j].Commit]; oa != ob {
			return oa < ob
		}
		return scanner.Less(&fs[i], &fs[j])
	})
}

// topoOrder sorts commits parents first: a depth-first post-order from
// the tips in order, parents in order. Deterministic for a given graph.
func topoOrder(commits []*commitInfo, tips []plumbing.Hash) []*commitInfo {
	by := make(map[plumbing.Hash]*commitInfo, len(commits))
	for _, c := range commits {
		by[c.hash] = c
	}
	done := make(map[plumbing.Hash]bool, len(commits))
	out := make([]*commitInfo, 0, len(commits))
	type frame struct {
		c *commitInfo
		i int
	}
	visit := func(root *commitInfo) {
		if root == nil || done[root.hash] {
			return
		}
		done[root.hash] = true
		stack := []frame{{root, 0}}
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.i < len(top.c.parents) {
				p := by[top.c.parents[top.i]]
				top.i++
				if p != nil && !done[p.hash] {
					done[p.hash] = true
					stack = append(stack, frame{p, 0})
				}
				continue
			}
			out = append(out, top.c)
			stack = stack[:len(stack)-1]
		}
	}
	for _, t := range tips {
		visit(by[t])
	}
	// Anything not reached from a tip (should not happen), by hash.
	var rest []*commitInfo
	for _, c := range commits {
		if !done[c.hash] {
			rest = append(rest, c)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].hash.String() < rest[j].hash.String() })
	for _, c := range rest {
		visit(c)
	}
	for i, c := range out {
		c.order = i
	}
	return out
}
