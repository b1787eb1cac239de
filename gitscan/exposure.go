package gitscan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// historyData is what a history scan keeps for [Repo.HistoryWithExposure]:
// the walk (topological order) and the findings of each scanned blob.
type historyData struct {
	commits []*commitInfo
	found   map[plumbing.Hash][]scanner.Finding
	pathOf  map[plumbing.Hash]string // the path each blob was scanned under
}

// Exposure is a history scan with, for each finding, where its secret
// still is and when it left the file that introduced it.
//
// # Removal
//
// A finding's secret is removed on a line of history by the first
// descendant of the introducing commit whose version of the file no
// longer holds the secret: the file was deleted, or changed to content
// without it. A pure rename carries the secret to the new path; it is
// followed, not counted as a removal. Branches may remove a secret in
// different commits: all are listed, those on HEAD's history first, then
// by date and ancestry. A merge that takes the version without the secret
// from one parent removes it from the other parent's line. A merge that
// deletes a file both parents hold is not seen as a removal (Present is
// still exact).
//
// # Presence
//
// Present says which ref tips (HEAD, branches, tags, remote-tracking refs,
// the stash) hold a secret in their tree, and at which paths. It reuses
// the scan's per-blob findings: no blob is read or scanned again, only the
// tips' trees are listed.
type Exposure struct {
	// Findings are [Repo.History]'s findings, in its order.
	Findings []scanner.Finding
	// Removals[i] lists the removals of Findings[i] (none for a secret
	// still in every descendant, or a finding in a commit message).
	Removals [][]Removal
	// Refs are the ref tips examined, HEAD first.
	Refs []RefTip
	// HeadRef is the branch HEAD points at ("refs/heads/main"), or "" when
	// detached or unborn.
	HeadRef string
	// Present maps a secret's [secret.Hash] to the places tips
	// hold it.
	Present map[string][]Place
	// Head are the findings of HEAD's files (File set, no commit): what a
	// scan of a clean checkout would find, from the blobs already scanned.
	Head []scanner.Finding
}

// CommitRef names a commit.
type CommitRef struct {
	Hash    string
	Author  string
	Email   string
	Date    string // RFC 3339
	Message string // first line
}

// Removal is a commit that took a secret out of a file.
type Removal struct {
	Commit CommitRef
	Path   string
	// Deleted: the file was deleted (else changed to content without the
	// secret).
	Deleted bool
	// OnHead: the commit is in HEAD's history.
	OnHead bool

	order int // topological: parents first
}

// RefTip is a ref and the commit it points at.
type RefTip struct {
	Name   string // "HEAD", "refs/heads/main", "refs/tags/v1", …
	Commit string
}

// Place is a file at a ref tip.
type Place struct {
	Ref  string
	Path string
}

// HistoryWithExposure is [Repo.History] plus the removal of each finding
// and the secrets each ref tip still holds. Its findings and stats are
// exactly History's.
func (r *Repo) HistoryWithExposure(ctx context.Context, o Options, h HistoryOptions) (*Exposure, Stats, error) {
	if err := r.load(); err != nil {
		return nil, Stats{}, err
	}
	keep := &historyData{}
	o.keep = keep
	fs, st, err := r.History(ctx, o, h)
	if err != nil {
		return nil, st, err
	}
	ex := &Exposure{Findings: fs, Present: map[string][]Place{}}
	var head plumbing.Hash
	ex.Refs, ex.HeadRef, head = r.refTips(h.AllRefs)
	ex.Removals = keep.removals(ctx, r, fs, head)
	if err := ctx.Err(); err != nil {
		return nil, st, err
	}
	if err := r.presence(ctx, keep.found, keep.pathOf, ex); err != nil {
		return nil, st, err
	}
	return ex, st, nil
}

// refTips lists HEAD and the refs a history scan starts from (see
// [Repo.historyRefs]) that lead to commits, with HEAD's branch and commit.
func (r *Repo) refTips(all bool) (tips []RefTip, headRef string, head plumbing.Hash) {
	if ref, err := r.r.Storer.Reference(plumbing.HEAD); err == nil && ref.Type() == plumbing.SymbolicReference {
		headRef = ref.Target().String()
	}
	refs, _ := r.historyRefs(all || r.isMirror()) // an error failed the scan already
	for _, rf := range refs {
		h, ok := r.peel(rf.h)
		if !ok {
			continue
		}
		if rf.name == "HEAD" {
			head = h
		}
		tips = append(tips, RefTip{Name: rf.name, Commit: h.String()})
	}
	return tips, headRef, head
}

// treeHit is a file with findings inside a tree.
type treeHit struct {
	path string
	blob plumbing.Hash
}

// presence lists, for each tip, the files of its tree whose blob has
// findings. Subtrees are listed once across all tips.
func (r *Repo) presence(ctx context.Context, found map[plumbing.Hash][]scanner.Finding, pathOf map[plumbing.Hash]string, ex *Exposure) error {
	memo := map[plumbing.Hash][]treeHit{}
	var walk func(h plumbing.Hash) []treeHit
	walk = func(h plumbing.Hash) []treeHit {
		if hs, ok := memo[h]; ok {
			return hs
		}
		memo[h] = nil
		t, err := object.GetTree(r.r.Storer, h)
		if err != nil {
			return nil // missing: counted by the scan
		}
		var out []treeHit
		for _, e := range t.Entries {
			switch {
			case e.Mode == filemode.Dir:
				for _, sub := range walk(e.Hash) {
					out = append(out, treeHit{e.Name + "/" + sub.path, sub.blob})
				}
			case e.Mode == filemode.Submodule:
			case len(found[e.Hash]) > 0:
				out = append(out, treeHit{e.Name, e.Hash})
			}
		}
		memo[h] = out
		return out
	}
	hashes := map[plumbing.Hash][]string{}
	seen := map[string]bool{}
	for _, tip := range ex.Refs {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, err := object.GetCommit(r.r.Storer, plumbing.NewHash(tip.Commit))
		if err != nil {
			continue
		}
		for _, hit := range walk(c.TreeHash) {
			ks, ok := hashes[hit.blob]
			if !ok {
				ks = secretHashes(found[hit.blob])
				hashes[hit.blob] = ks
			}
			for _, k := range ks {
				id := k + "\x00" + tip.Name + "\x00" + hit.path
				if seen[id] {
					continue
				}
				seen[id] = true
				ex.Present[k] = append(ex.Present[k], Place{Ref: tip.Name, Path: hit.path})
			}
			if tip.Name == "HEAD" {
				for _, f := range found[hit.blob] {
					// Inside an archive: "path!/entry" under this path.
					file := hit.path + strings.TrimPrefix(f.File, pathOf[hit.blob])
					f.File, f.Commit, f.Author, f.Email, f.Date, f.Message = file, "", "", "", "", ""
					ex.Head = append(ex.Head, f)
				}
			}
		}
	}
	scanner.SortFindings(ex.Head)
	return nil
}

// secretHashes are the distinct secret hashes of findings.
func secretHashes(fs []scanner.Finding) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range fs {
		k := secret.Hash(f.Secret.Reveal())
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// liveEntry is an introduction whose secret is still in the file it
// follows at a commit.
type liveEntry struct {
	intro int
	path  string
}

type intro struct {
	finding int
	key     string // secret hash
}

// removals follows each introduction down its descendants until the file
// it is in loses the secret.
func (d *historyData) removals(ctx context.Context, r *Repo, fs []scanner.Finding, head plumbing.Hash) [][]Removal {
	out := make([][]Removal, len(fs))
	if len(d.commits) == 0 {
		return out
	}
	byHash := make(map[plumbing.Hash]*commitInfo, len(d.commits))
	for _, c := range d.commits {
		byHash[c.hash] = c
	}
	// Introductions, by commit.
	var intros []intro
	introAt := map[int][]liveEntry{}
	tracked := map[string]bool{}
	for i, f := range fs {
		if f.File == "" {
			continue // commit message
		}
		c := byHash[plumbing.NewHash(f.Commit)]
		if c == nil || !c.changesPath(f.File) {
			continue // outside the walk, or a tag message or a note
		}
		intros = append(intros, intro{finding: i, key: secret.Hash(f.Secret.Reveal())})
		introAt[c.order] = append(introAt[c.order], liveEntry{len(intros) - 1, f.File})
		tracked[f.File] = true
	}
	if len(intros) == 0 {
		return out
	}
	keys := map[plumbing.Hash]map[string]bool{}
	has := func(b plumbing.Hash, key string) bool {
		if b.IsZero() {
			return false
		}
		ks, ok := keys[b]
		if !ok {
			ks = map[string]bool{}
			for _, k := range secretHashes(d.found[b]) {
				ks[k] = true
			}
			keys[b] = ks
		}
		return ks[key]
	}
	onHead := headAncestors(byHash, head)
	state := make([]map[string]plumbing.Hash, len(d.commits))
	live := make([][]liveEntry, len(d.commits))
	recorded := map[[2]int]bool{}
	for _, c := range d.commits {
		if c.order%1024 == 0 && ctx.Err() != nil {
			return out
		}
		var ps []*commitInfo
		for _, p := range c.parents {
			if pc := byHash[p]; pc != nil {
				ps = append(ps, pc)
			}
		}
		base := map[string]plumbing.Hash(nil)
		if len(ps) > 0 {
			base = state[ps[0].order]
		}
		// Updates of tracked paths.
		var upd map[string]plumbing.Hash
		set := func(p string, b plumbing.Hash) {
			if upd == nil {
				upd = map[string]plumbing.Hash{}
			}
			upd[p] = b
		}
		for _, ch := range c.changes {
			if tracked[ch.path] {
				set(ch.path, ch.blob)
			}
		}
		for _, p := range c.deleted {
			if tracked[p] {
				set(p, plumbing.ZeroHash)
			}
		}
		if len(ps) > 1 {
			// A path a merge does not list is one of its parents'
			// versions: when they differ, read which.
			for p := range tracked {
				if _, ok := upd[p]; ok {
					continue
				}
				v := state[ps[0].order][p]
				for _, q := range ps[1:] {
					if state[q.order][p] != v {
						set(p, r.entryAt(c.hash, p))
						break
					}
				}
			}
		}
		st := base
		if len(upd) > 0 {
			st = make(map[string]plumbing.Hash, len(base)+len(upd))
			for k, v := range base {
				st[k] = v
			}
			for k, v := range upd {
				st[k] = v
			}
		}
		// Live entries: the parents', then checked where this commit
		// touched their file.
		var cur []liveEntry
		switch {
		case len(ps) == 1:
			cur = live[ps[0].order]
		case len(ps) > 1:
			seen := map[liveEntry]bool{}
			for _, p := range ps {
				for _, e := range live[p.order] {
					if !seen[e] {
						seen[e] = true
						cur = append(cur, e)
					}
				}
			}
		}
		if len(upd) > 0 && len(cur) > 0 {
			var next []liveEntry
			for _, e := range cur {
				b, touched := upd[e.path]
				if !touched && len(ps) < 2 {
					next = append(next, e)
					continue
				}
				if !touched {
					b = st[e.path]
				}
				key := intros[e.intro].key
				if has(b, key) {
					next = append(next, e)
					continue
				}
				// A pure rename carries the secret to another path.
				moved := false
				for _, ch := range c.changes {
					if ch.path != e.path && has(ch.blob, key) && !c.introduces(ch) {
						tracked[ch.path] = true
						st[ch.path] = ch.blob
						next = append(next, liveEntry{e.intro, ch.path})
						moved = true
						break
					}
				}
				if moved {
					continue
				}
				fi := intros[e.intro].finding
				if !recorded[[2]int{fi, c.order}] {
					recorded[[2]int{fi, c.order}] = true
					out[fi] = append(out[fi], Removal{
						Commit:  CommitRef{Hash: c.hash.String(), Author: c.author, Email: c.email, Date: c.date, Message: secret.MaskTokens(firstLine(c.message))},
						Path:    e.path,
						Deleted: b.IsZero(),
						OnHead:  onHead[c.hash],
						order:   c.order,
					})
				}
			}
			cur = next
		}
		if add := introAt[c.order]; len(add) > 0 {
			cur = append(append([]liveEntry(nil), cur...), add...)
		}
		state[c.order], live[c.order] = st, cur
	}
	for _, rs := range out {
		sort.SliceStable(rs, func(i, j int) bool {
			if rs[i].OnHead != rs[j].OnHead {
				return rs[i].OnHead
			}
			ti, _ := time.Parse(time.RFC3339, rs[i].Commit.Date)
			tj, _ := time.Parse(time.RFC3339, rs[j].Commit.Date)
			if !ti.Equal(tj) {
				return ti.Before(tj)
			}
			return rs[i].order < rs[j].order
		})
	}
	return out
}

// entryAt is the blob at path in commit h, or zero when there is none
// (or it cannot be read).
func (r *Repo) entryAt(h plumbing.Hash, path string) plumbing.Hash {
	c, err := object.GetCommit(r.r.Storer, h)
	if err != nil {
		return plumbing.ZeroHash
	}
	t, err := object.GetTree(r.r.Storer, c.TreeHash)
	if err != nil {
		return plumbing.ZeroHash
	}
	e, err := t.FindEntry(path)
	if err != nil || e.Mode == filemode.Dir {
		return plumbing.ZeroHash
	}
	return e.Hash
}

// headAncestors are the scanned commits reachable from head.
func headAncestors(byHash map[plumbing.Hash]*commitInfo, head plumbing.Hash) map[plumbing.Hash]bool {
	seen := map[plumbing.Hash]bool{}
	if head.IsZero() {
		return seen
	}
	stack := []plumbing.Hash{head}
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		c := byHash[h]
		if c == nil || seen[h] {
			continue
		}
		seen[h] = true
		stack = append(stack, c.parents...)
	}
	return seen
}

// TrackedFiles lists the paths in the index (what git tracks), sorted.
// A repository without an index tracks nothing.
func (r *Repo) TrackedFiles() ([]string, error) {
	if err := r.load(); err != nil {
		return nil, err
	}
	idx, err := r.r.Storer.Index()
	if err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return nil, nil
		}
		return nil, err
	}
	out := make([]string, 0, len(idx.Entries))
	for _, e := range idx.Entries {
		out = append(out, e.Name)
	}
	sort.Strings(out)
	return out, nil
}

// CleanFiles returns the tracked files whose work-tree copy is known to be
// HEAD's version: the index holds HEAD's blob for the path, and the file's
// size and modification time are those the index recorded (git's own
// test; a file modified in the second the index was written is not
// trusted). A scan of the work tree can take their findings from
// [Exposure.Head] instead of reading them again.
func (r *Repo) CleanFiles() (map[string]bool, error) {
	out := map[string]bool{}
	if err := r.load(); err != nil {
		return nil, err
	}
	if r.root == "" {
		return out, nil
	}
	idx, err := r.r.Storer.Index()
	if err != nil {
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			return out, nil
		}
		return nil, err
	}
	head, err := r.headTree()
	if err != nil {
		return out, nil
	}
	inHead := map[string]plumbing.Hash{}
	var walk func(t *object.Tree, prefix string)
	walk = func(t *object.Tree, prefix string) {
		for _, e := range t.Entries {
			if e.Mode == filemode.Dir {
				if sub, err := object.GetTree(r.r.Storer, e.Hash); err == nil {
					walk(sub, prefix+e.Name+"/")
				}
				continue
			}
			inHead[prefix+e.Name] = e.Hash
		}
	}
	walk(head, "")
	var indexTime time.Time
	if fi, err := os.Stat(filepath.Join(r.gitDir, "index")); err == nil {
		indexTime = fi.ModTime()
	}
	for _, e := range idx.Entries {
		if e.Stage != 0 || inHead[e.Name] != e.Hash || (e.Mode != filemode.Regular && e.Mode != filemode.Executable) {
			continue
		}
		fi, err := os.Lstat(filepath.Join(r.root, filepath.FromSlash(e.Name)))
		if err != nil || !fi.Mode().IsRegular() || fi.Size() != int64(e.Size) {
			continue
		}
		if !fi.ModTime().Equal(e.ModifiedAt) || !fi.ModTime().Before(indexTime.Truncate(time.Second)) {
			continue
		}
		out[e.Name] = true
	}
	return out, nil
}
