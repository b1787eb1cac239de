package gitscan

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/leakguard/leakguard/scanner"
)

// # Refs
//
// A default history scan starts from HEAD and the refs that hold a
// project's own history: branches (refs/heads), tags, remote-tracking
// refs (refs/remotes), the stash and notes (refs/notes). With
// [HistoryOptions.AllRefs], and by default on a mirror clone
// (remote.*.mirror), it starts from every ref: pull-request heads
// (refs/pull/*, refs/merge-requests/*), refs/original from a history
// rewrite, refs/keep-around, and anything else a host or tool wrote.

// ObjectError is an object a scan must read and cannot: a ref tip or a
// pushed object that is missing, or one that is corrupt. The scan is
// incomplete; it never passes as empty.
type ObjectError struct {
	What    string // "ref refs/heads/main", "pushed refs/tags/v1", …
	Hash    plumbing.Hash
	Corrupt bool // unreadable (corrupt) rather than absent
	Err     error
}

func (e *ObjectError) Error() string {
	if e.Corrupt {
		return fmt.Sprintf("%s: object %s is corrupt: %v", e.What, e.Hash, e.Err)
	}
	return fmt.Sprintf("%s: object %s is missing", e.What, e.Hash)
}

func (e *ObjectError) Unwrap() error { return e.Err }

// objectError classifies a failure to read h.
func objectError(what string, h plumbing.Hash, err error) *ObjectError {
	return &ObjectError{What: what, Hash: h, Corrupt: !isMissing(err), Err: err}
}

// peeled is what a ref or a pushed sha names once annotated tags are
// followed.
type peeled struct {
	tags   []*object.Tag // the annotated tags followed, outermost first
	target plumbing.Hash
	kind   plumbing.ObjectType // commit, tree or blob
}

// objectReader reads an object: go-git's storage, or git's ([batch]).
type objectReader func(plumbing.Hash) (plumbing.EncodedObject, error)

// goGitObject is the objectReader of go-git's storage.
func (r *Repo) goGitObject(h plumbing.Hash) (plumbing.EncodedObject, error) {
	return r.r.Storer.EncodedObject(plumbing.AnyObject, h)
}

// peelWith follows annotated tags from h to a commit, tree or blob,
// reading through read. An object on the way that cannot be read is an
// [*ObjectError] about what.
func peelWith(read objectReader, what string, h plumbing.Hash) (peeled, error) {
	var p peeled
	for i := 0; i < 32; i++ {
		o, err := read(h)
		if err != nil {
			return p, objectError(what, h, err)
		}
		if o.Type() != plumbing.TagObject {
			p.target, p.kind = h, o.Type()
			return p, nil
		}
		t, err := object.DecodeTag(nil, o)
		if err != nil {
			return p, &ObjectError{What: what, Hash: h, Corrupt: true, Err: err}
		}
		// Its fields only: a decoded tag holds the storage it was read
		// from, and with it go-git's pack indexes (see dropObjects).
		p.tags = append(p.tags, &object.Tag{Hash: t.Hash, Name: t.Name, Tagger: t.Tagger, Message: t.Message,
			PGPSignature: t.PGPSignature, TargetType: t.TargetType, Target: t.Target})
		h = t.Target
	}
	return p, &ObjectError{What: what, Hash: h, Corrupt: true, Err: errors.New("a chain of more than 32 tags")}
}

// peel follows annotated tags to a commit.
func (r *Repo) peel(h plumbing.Hash) (plumbing.Hash, bool) { return peelCommit(r.goGitObject, h) }

// peelCommit is peel reading through read.
func peelCommit(read objectReader, h plumbing.Hash) (plumbing.Hash, bool) {
	p, err := peelWith(read, "", h)
	return p.target, err == nil && p.kind == plumbing.CommitObject
}

// namedRef is a ref and the object it names.
type namedRef struct {
	name string
	h    plumbing.Hash
}

// scannedRef reports whether a default history scan starts from ref name.
func scannedRef(name string, all bool) bool {
	if all {
		return strings.HasPrefix(name, "refs/")
	}
	for _, p := range []string{"refs/heads/", "refs/tags/", "refs/remotes/", "refs/notes/"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return name == "refs/stash"
}

// historyRefs lists HEAD (when born) and the refs a history scan starts
// from, HEAD first, then by name.
func (r *Repo) historyRefs(all bool) ([]namedRef, error) {
	it, err := r.r.Storer.IterReferences()
	if err != nil {
		return nil, fmt.Errorf("reading refs: %w", err)
	}
	var refs []namedRef
	err = it.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() == plumbing.HashReference && scannedRef(ref.Name().String(), all) {
			refs = append(refs, namedRef{ref.Name().String(), ref.Hash()})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading refs: %w", err)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].name < refs[j].name })
	head, err := r.r.Head()
	switch {
	case err == nil:
		refs = append([]namedRef{{"HEAD", head.Hash()}}, refs...)
	case !errors.Is(err, plumbing.ErrReferenceNotFound):
		return nil, fmt.Errorf("reading HEAD: %w", err)
	}
	return refs, nil
}

// isMirror reports whether the repository is a mirror clone (git clone
// --mirror sets remote.<name>.mirror): its refs are a host's, pull
// requests included.
func (r *Repo) isMirror() bool {
	cfg, err := r.r.Config()
	if err != nil {
		return false
	}
	for _, s := range cfg.Raw.Section("remote").Subsections {
		if strings.EqualFold(s.Option("mirror"), "true") {
			return true
		}
	}
	return false
}

// selection is what a history scan reads: commits reachable from tips
// and not from excludes, and, in a whole-repository scan, the messages of
// annotated tags and the notes refs whose blobs are notes.
type selection struct {
	tips, excludes []plumbing.Hash
	tags           []refTag
	// notes maps the tip of each notes ref to the ref's name.
	notes map[plumbing.Hash]string
	// loose are the refs that lead to a tree or a blob, not a commit.
	loose []looseRef
}

// looseRef is a ref that leads to a tree or a blob.
type looseRef struct {
	ref string
	p   peeled
}

// refTag is an annotated tag a ref leads to.
type refTag struct {
	ref    string
	tag    *object.Tag
	commit plumbing.Hash // the commit it peels to (zero: a tree or blob)
}

// refSelection is a whole-repository scan's selection: every ref
// [scannedRef] names. A ref whose object cannot be read is an error.
func (r *Repo) refSelection(all bool, object objectReader) (selection, error) {
	s := selection{notes: map[plumbing.Hash]string{}}
	refs, err := r.historyRefs(all || r.isMirror())
	if err != nil {
		return s, err
	}
	dup := map[plumbing.Hash]bool{}
	tagSeen := map[plumbing.Hash]bool{}
	for _, rf := range refs {
		p, err := peelWith(object, "ref "+rf.name, rf.h)
		if err != nil {
			return s, err
		}
		var commit plumbing.Hash
		if p.kind == plumbing.CommitObject {
			commit = p.target
		}
		for _, t := range p.tags {
			if !tagSeen[t.Hash] {
				tagSeen[t.Hash] = true
				s.tags = append(s.tags, refTag{ref: rf.name, tag: t, commit: commit})
			}
		}
		if commit.IsZero() {
			if !dup[p.target] {
				dup[p.target] = true
				s.loose = append(s.loose, looseRef{rf.name, p})
			}
			continue
		}
		if dup[commit] {
			continue
		}
		dup[commit] = true
		s.tips = append(s.tips, commit)
		if strings.HasPrefix(rf.name, "refs/notes/") {
			s.notes[commit] = rf.name
		}
	}
	return s, nil
}

// tagFindings scans an annotated tag's message like a commit message.
// Its findings point at the ref (File) and the commit the tag peels to.
func tagFindings(det *scanner.Detector, t refTag) []scanner.Finding {
	fs := det.Detect(scanner.Fragment{Content: []byte(t.tag.Message)})
	subject := redactedSubject(t.tag.Message, fs)
	for i := range fs {
		f := &fs[i]
		f.File = t.ref
		if !t.commit.IsZero() {
			f.Commit = t.commit.String()
		}
		f.Author, f.Email, f.Date = t.tag.Tagger.Name, t.tag.Tagger.Email, rfc3339(t.tag.Tagger.When)
		f.Message = subject
	}
	return fs
}

// notesRefs maps each commit of a notes ref's history (among commits) to
// the ref's name. A notes commit's files are notes, named by the object
// they annotate ("ab/cdef…" with fan-out).
func notesRefs(commits []*commitInfo, notes map[plumbing.Hash]string) map[plumbing.Hash]string {
	if len(notes) == 0 {
		return nil
	}
	by := make(map[plumbing.Hash]*commitInfo, len(commits))
	for _, c := range commits {
		by[c.hash] = c
	}
	out := map[plumbing.Hash]string{}
	tips := make([]plumbing.Hash, 0, len(notes))
	for h := range notes {
		tips = append(tips, h)
	}
	sort.Slice(tips, func(i, j int) bool { return notes[tips[i]] < notes[tips[j]] })
	for _, t := range tips {
		stack := []plumbing.Hash{t}
		for len(stack) > 0 {
			h := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			c := by[h]
			if c == nil || out[h] != "" {
				continue
			}
			out[h] = notes[t]
			stack = append(stack, c.parents...)
		}
	}
	return out
}

// asNote points a finding in a note at what the note annotates: File is
// the notes ref, Commit the annotated object (the note's path without
// fan-out). The author and date stay the notes commit's.
func asNote(f *scanner.Finding, ref, path string) {
	if h := strings.ReplaceAll(path, "/", ""); plumbing.IsHash(h) {
		f.Commit = h
	}
	f.File = ref
}
