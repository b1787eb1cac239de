package gitscan

import (
	"context"
	"errors"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// commitInfo is a commit with the file versions it introduces.
type commitInfo struct {
	hash    plumbing.Hash
	parents []plumbing.Hash
	author  string
	email   string
	date    string // RFC 3339
	message string
	changes []change
	merge   bool
	// removed are the blobs that left a path (non-merge commits): an
	// added file with one of them is a pure rename.
	removed map[plumbing.Hash]bool
	// deleted are the paths of files deleted (non-merge commits).
	deleted []string
	order   int // position in topological order
}

// change is a regular file added or modified at path: blob differs from
// every parent's version at path (olds, zero where a parent has none).
type change struct {
	path string
	mode filemode.FileMode
	blob plumbing.Hash
	olds []plumbing.Hash
}

// parsed drops removed once every change of the commit is known, unless
// a change adds a file (the only ones introduces looks it up for): most
// commits only modify files, and a scan keeps every commit to the end
// (about a seventh of a history scan's memory per commit).
func (ci *commitInfo) parsed() {
	for _, c := range ci.changes {
		added := true
		for _, o := range c.olds {
			added = added && o.IsZero()
		}
		if added {
			return
		}
	}
	ci.removed = nil
}

// introduces reports whether c brings new content at its path: a regular
// file, not a parent's version, not a pure rename.
func (ci *commitInfo) introduces(c change) bool {
	if c.mode != filemode.Regular && c.mode != filemode.Executable && c.mode != filemode.Deprecated {
		return false
	}
	allZero := true
	for _, o := range c.olds {
		if o == c.blob {
			return false
		}
		if !o.IsZero() {
			allZero = false
		}
	}
	if !ci.merge && allZero && ci.removed[c.blob] {
		return false
	}
	return true
}

func rfc3339(t time.Time) string { return t.Format(time.RFC3339) }

// goGitCommit loads a commit with its changes. missing counts objects
// that could not be read.
func (r *Repo) goGitCommit(h plumbing.Hash, missing func(plumbing.Hash)) (*commitInfo, error) {
	c, err := object.GetCommit(r.r.Storer, h)
	if err != nil {
		return nil, err
	}
	ci := &commitInfo{
		hash: h, parents: c.ParentHashes,
		author: c.Author.Name, email: c.Author.Email, date: rfc3339(c.Author.When),
		message: c.Message, merge: len(c.ParentHashes) > 1,
	}
	var parentTrees []plumbing.Hash
	for _, p := range c.ParentHashes {
		pc, err := object.GetCommit(r.r.Storer, p)
		if err != nil {
			if !isMissing(err) {
				return nil, objectError("commit", p, err)
			}
			missing(p) // shallow boundary or missing commit: no tree
			parentTrees = append(parentTrees, plumbing.ZeroHash)
			continue
		}
		parentTrees = append(parentTrees, pc.TreeHash)
	}
	var first plumbing.Hash
	if len(parentTrees) > 0 {
		first = parentTrees[0]
	}
	d := &treeDiffer{r: r, missing: missing}
	if !ci.merge {
		ci.removed = map[plumbing.Hash]bool{}
		d.removed = ci.removed
	}
	d.diff(first, c.TreeHash, "")
	changes := d.changes
	ci.deleted = d.deleted
	if ci.merge {
		// Keep what differs from every parent.
		others := make([]*object.Tree, len(parentTrees))
		for i, th := range parentTrees[1:] {
			if th.IsZero() {
				continue
			}
			t, err := d.tree(th)
			if err == nil {
				others[i+1] = t
			}
		}
		kept := changes[:0]
		for _, ch := range changes {
			for i := 1; i < len(parentTrees); i++ {
				var oh plumbing.Hash
				if others[i] != nil {
					if e, err := others[i].FindEntry(ch.path); err == nil && e.Mode != filemode.Dir {
						oh = e.Hash
					}
				}
				ch.olds = append(ch.olds, oh)
			}
			kept = append(kept, ch)
		}
		changes = kept
	}
	ci.changes = changes
	if d.err != nil {
		return nil, d.err
	}
	return ci, nil
}

// treeDiffer diffs two trees, skipping equal subtrees.
type treeDiffer struct {
	r       *Repo
	missing func(plumbing.Hash)
	changes []change
	removed map[plumbing.Hash]bool // nil: not collected
	deleted []string               // collected with removed
	err     error                  // the first corrupt tree
}

// tree reads a tree: a missing one is counted, a corrupt one fails the
// diff.
func (d *treeDiffer) tree(h plumbing.Hash) (*object.Tree, error) {
	t, err := object.GetTree(d.r.r.Storer, h)
	switch {
	case err == nil:
	case isMissing(err):
		d.missing(h)
	case d.err == nil:
		d.err = objectError("tree", h, err)
	}
	return t, err
}

func (d *treeDiffer) diff(from, to plumbing.Hash, prefix string) {
	if from == to {
		return
	}
	var ft, tt *object.Tree
	var err error
	if !from.IsZero() {
		if ft, err = d.tree(from); err != nil {
			ft = nil
		}
	}
	if !to.IsZero() {
		if tt, err = d.tree(to); err != nil {
			return
		}
	}
	old := map[string]object.TreeEntry{}
	if ft != nil {
		for _, e := range ft.Entries {
			old[e.Name] = e
		}
	}
	if tt != nil {
		for _, e := range tt.Entries {
			p := prefix + e.Name
			o, had := old[e.Name]
			delete(old, e.Name)
			if e.Mode == filemode.Dir {
				if had && o.Mode == filemode.Dir {
					d.diff(o.Hash, e.Hash, p+"/")
					continue
				}
				if had {
					d.remove(o, p)
				}
				d.diff(plumbing.ZeroHash, e.Hash, p+"/")
				continue
			}
			var oh plumbing.Hash
			if had && o.Mode != filemode.Dir {
				if o.Hash == e.Hash && o.Mode == e.Mode {
					continue
				}
				oh = o.Hash
				if o.Hash != e.Hash && d.removed != nil {
					d.removed[o.Hash] = true
				}
			} else if had {
				d.remove(o, p)
			}
			d.changes = append(d.changes, change{path: p, mode: e.Mode, blob: e.Hash, olds: []plumbing.Hash{oh}})
		}
	}
	if d.removed != nil {
		for name, o := range old {
			d.remove(o, prefix+name)
		}
	}
}

// remove records the blobs under a removed entry.
func (d *treeDiffer) remove(e object.TreeEntry, p string) {
	if d.removed == nil {
		return
	}
	if e.Mode != filemode.Dir {
		d.removed[e.Hash] = true
		d.deleted = append(d.deleted, p)
		return
	}
	t, err := d.tree(e.Hash)
	if err != nil {
		return
	}
	for _, c := range t.Entries {
		d.remove(c, p+"/"+c.Name)
	}
}

// goGitWalk loads the commits reachable from tips and not from excludes.
func (r *Repo) goGitWalk(ctx context.Context, tips, excludes []plumbing.Hash, missing func(plumbing.Hash), progress func(int)) ([]*commitInfo, error) {
	ex, err := r.ancestors(ctx, excludes)
	if err != nil {
		return nil, err
	}
	seen := map[plumbing.Hash]bool{}
	var out []*commitInfo
	stack := append([]plumbing.Hash(nil), tips...)
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[h] || ex[h] {
			continue
		}
		seen[h] = true
		ci, err := r.goGitCommit(h, missing)
		if err != nil {
			var oe *ObjectError
			switch {
			case errors.As(err, &oe):
				return nil, err
			case isMissing(err):
				missing(h)
				continue
			}
			return nil, objectError("commit", h, err)
		}
		out = append(out, ci)
		if progress != nil {
			progress(len(out))
		}
		for _, p := range ci.parents {
			if !seen[p] && !ex[p] {
				stack = append(stack, p)
			}
		}
	}
	return out, nil
}

// ancestors returns the commits reachable from hs (themselves included).
func (r *Repo) ancestors(ctx context.Context, hs []plumbing.Hash) (map[plumbing.Hash]bool, error) {
	seen := map[plumbing.Hash]bool{}
	err := r.eachAncestor(ctx, hs, func(h plumbing.Hash, _ *object.Commit, _ error) error {
		seen[h] = true // missing: the walk stops here
		return nil
	})
	if err != nil {
		return nil, err
	}
	return seen, nil
}

// eachAncestor calls fn once for each commit reachable from hs, with the
// commit or the error reading it (the walk does not go past it); an
// error fn returns stops the walk.
func (r *Repo) eachAncestor(ctx context.Context, hs []plumbing.Hash, fn func(plumbing.Hash, *object.Commit, error) error) error {
	seen := map[plumbing.Hash]bool{}
	stack := append([]plumbing.Hash(nil), hs...)
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[h] {
			continue
		}
		seen[h] = true
		c, err := object.GetCommit(r.r.Storer, h)
		if err := fn(h, c, err); err != nil {
			return err
		}
		if err == nil {
			stack = append(stack, c.ParentHashes...)
		}
	}
	return nil
}

// changesPath reports whether the commit adds or modifies the file at
// path.
func (ci *commitInfo) changesPath(path string) bool {
	for _, ch := range ci.changes {
		if ch.path == path {
			return true
		}
	}
	return false
}
