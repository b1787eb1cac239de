package gitscan

import (
	"bytes"
	"context"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// EarlyPush is a push scan's walks, started before the scan's
// configuration loaded ([StartPrePush]): git walks the pushed commits
// (git log --raw) while leakguard loads its rules, as [Early] does for a
// staged scan. A one-commit push waited about 10 ms for that walk after
// the rules had loaded (bench/startup.sh). [Collect] takes it from
// [Request.EarlyPush] for a push of the same directory and backend;
// Close ends what the scan did not take.
type EarlyPush struct {
	dir, backend string
	repo         *Repo
	ctx          context.Context // the walks'
	cancel       context.CancelFunc
	done         chan struct{}
	walks        map[string]earlyWalk // by walkKey
	answered     int                  // walks walkOr answered (tests)
}

// earlyWalk is one walk's answer: its commits, and the parents it found
// missing (a shallow clone's boundary).
type earlyWalk struct {
	commits []*commitInfo
	missing []plumbing.Hash
}

// StartPrePush reads a pre-push hook's standard input (given whole as
// in) and starts, on another goroutine, the walks a push scan of the
// repository holding dir will ask for, through git: the same pushed
// commits, back to the same remote commits ([pushExcludes]). It returns
// nil when the scan would not read through git, or anything fails:
// Collect then walks itself, and reports what failed.
func StartPrePush(ctx context.Context, dir string, in []byte, getenv func(string) string) *EarlyPush {
	ups, err := ParsePushUpdates(bytes.NewReader(in))
	if err != nil || len(ups) == 0 {
		return nil
	}
	if dir == "" {
		dir = "."
	}
	repo, err := Open(dir)
	if err != nil {
		return nil
	}
	e := &EarlyPush{dir: dir, backend: getenv("LEAKGUARD_GIT_BACKEND"), repo: repo, done: make(chan struct{}), walks: map[string]earlyWalk{}}
	g, err := repo.hookBackend(e.backend)
	if err != nil || g == nil || repo.load() != nil {
		repo.Close()
		return nil
	}
	// Close cancels what is still walking: a scan that fails before it
	// takes the walks (a bad configuration) does not wait for them.
	e.ctx, e.cancel = context.WithCancel(ctx)
	ctx = e.ctx
	go func() {
		defer close(e.done)
		e.prewalk(ctx, g, ups)
	}()
	return e
}

// prewalk walks what prePush will: each update's pushed commit back to
// its excludes. A failure is passed over: prePush walks again, and
// reports it.
func (e *EarlyPush) prewalk(ctx context.Context, g *gitBackend, ups []PushUpdate) {
	b := g.batch(ctx)
	defer b.close()
	ex := pushExcludes{r: e.repo, remote: b.typed}
	for _, u := range ups {
		if u.Local.IsZero() || u.Local == u.Remote {
			continue
		}
		p, err := peelWith(b.encoded, "", u.Local)
		if err != nil || p.kind != plumbing.CommitObject {
			continue
		}
		excludes := ex.of(u)
		key := walkKey(p.target, excludes)
		if _, ok := e.walks[key]; ok {
			continue
		}
		var w earlyWalk
		cs, err := g.walk(ctx, []plumbing.Hash{p.target}, excludes, func(h plumbing.Hash) { w.missing = append(w.missing, h) }, nil)
		if err != nil {
			continue
		}
		w.commits = cs
		e.walks[key] = w
	}
}

// walkKey names a walk from tip back to excludes.
func walkKey(tip plumbing.Hash, excludes []plumbing.Hash) string {
	var sb strings.Builder
	sb.WriteString(tip.String())
	for _, h := range excludes {
		sb.WriteByte(' ')
		sb.WriteString(h.String())
	}
	return sb.String()
}

// take hands the repository and the walks to a push scan of dir with
// backend, once they have ended; nil when they were made for another.
// The scan then owns (and closes) the repository.
func (e *EarlyPush) take(dir, backend string) (*Repo, *EarlyPush) {
	if e == nil || e.repo == nil || e.dir != dir || e.backend != backend {
		return nil, nil
	}
	<-e.done // the scan reads the repository next
	e.cancel()
	repo := e.repo
	e.repo = nil
	return repo, e
}

// walkOr answers a walk from what was walked early, each walk once, and
// asks walk for the others.
func (e *EarlyPush) walkOr(walk walkFunc) walkFunc {
	return func(ctx context.Context, tips, excludes []plumbing.Hash, missing func(plumbing.Hash), progress func(int)) ([]*commitInfo, error) {
		if len(tips) == 1 {
			key := walkKey(tips[0], excludes)
			if w, ok := e.walks[key]; ok {
				delete(e.walks, key)
				e.answered++
				for _, h := range w.missing {
					missing(h)
				}
				return w.commits, nil
			}
		}
		return walk(ctx, tips, excludes, missing, progress)
	}
}

// Close ends the walks and closes the repository unless a scan took
// them. It may be called on nil.
func (e *EarlyPush) Close() {
	if e == nil || e.repo == nil {
		return
	}
	e.cancel()
	<-e.done
	e.repo.Close()
	e.repo = nil
}

// walkFunc walks commits from tips back to excludes (gitBackend.walk,
// Repo.goGitWalk).
type walkFunc = func(ctx context.Context, tips, excludes []plumbing.Hash, missing func(plumbing.Hash), progress func(int)) ([]*commitInfo, error)

// pushExcludes decides what a pushed commit's walk stops at: the
// remote's commit for the ref, else (a new ref, or a remote commit this
// repository does not have) every remote-tracking ref, read once.
type pushExcludes struct {
	r      *Repo
	remote objectReader
	tips   []plumbing.Hash
	loaded bool
}

func (x *pushExcludes) of(u PushUpdate) []plumbing.Hash {
	if !u.Remote.IsZero() {
		if h, ok := peelCommit(x.remote, u.Remote); ok {
			return []plumbing.Hash{h}
		}
	}
	if !x.loaded {
		x.tips, x.loaded = x.r.remoteTips(x.remote), true
	}
	return x.tips
}
