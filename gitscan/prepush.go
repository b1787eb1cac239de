package gitscan

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

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

// PrePush scans the commits a push sends: for each update, the commits
// reachable from the local sha and not from the remote sha (for a new
// branch: not from any remote-tracking ref); deletions send nothing.
// Each commit's added lines against its parents and its message are
// scanned.
func (r *Repo) PrePush(ctx context.Context, o Options, updates []PushUpdate) ([]scanner.Finding, Stats, error) {
	var st Stats
	if err := r.load(); err != nil {
		return nil, st, err
	}
	missingSet := map[plumbing.Hash]bool{}
	missing := func(h plumbing.Hash) { missingSet[h] = true }
	var remotes []plumbing.Hash
	remotesLoaded := false
	seen := map[plumbing.Hash]bool{}
	var all []*commitInfo
	var tips []plumbing.Hash
	for _, u := range updates {
		if u.Local.IsZero() {
			continue // deletion
		}
		var excludes []plumbing.Hash
		if !u.Remote.IsZero() {
			if _, err := r.r.CommitObject(u.Remote); err == nil {
				excludes = []plumbing.Hash{u.Remote}
			}
		}
		if excludes == nil {
			if !remotesLoaded {
				remotes, remotesLoaded = r.remoteTips(), true
			}
			excludes = remotes
		}
		cs, err := r.goGitWalk(ctx, []plumbing.Hash{u.Local}, excludes, missing, nil)
		if err != nil {
			return nil, st, err
		}
		tips = append(tips, u.Local)
		for _, c := range cs {
			if !seen[c.hash] {
				seen[c.hash] = true
				all = append(all, c)
			}
		}
	}
	all = topoOrder(all, tips)
	st.Commits = len(all)
	var out []scanner.Finding
	for _, c := range all {
		if err := ctx.Err(); err != nil {
			return nil, st, err
		}
		var fs []scanner.Finding
		inMessage := o.Detector.Detect(scanner.Fragment{Content: []byte(c.message)})
		subject := redactedSubject(c.message, inMessage)
		fs = append(fs, inMessage...)
		var jobs []fileJob
		for _, ch := range c.changes {
			if !c.introduces(ch) {
				continue
			}
			jobs = append(jobs, fileJob{path: ch.path, blob: ch.blob, olds: ch.olds})
		}
		fs = append(fs, scanDiffs(ctx, o, jobs, &st, r.readBlob)...)
		for _, f := range fs {
			f.Commit = c.hash.String()
			f.Author, f.Email, f.Date = c.author, c.email, c.date
			f.Message = subject
			out = append(out, f)
		}
	}
	st.Missing += len(missingSet)
	sortHistory(out, all)
	return out, st, nil
}

// remoteTips returns the commits of the remote-tracking refs.
func (r *Repo) remoteTips() []plumbing.Hash {
	it, err := r.r.Storer.IterReferences()
	if err != nil {
		return nil
	}
	var out []plumbing.Hash
	_ = it.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() == plumbing.HashReference && strings.HasPrefix(ref.Name().String(), "refs/remotes/") {
			if h, ok := r.peel(ref.Hash()); ok {
				out = append(out, h)
			}
		}
		return nil
	})
	return out
}
