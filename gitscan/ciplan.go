package gitscan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/leakguard/leakguard/internal/hint"
)

// # CI event planning
//
// A [Planner] turns what a CI run was started for (a --range, a GitHub
// Actions event's payload, or origin/HEAD..HEAD) into the commits to scan:
// it resolves revisions, peels annotated tags, finds merge bases, and
// refuses a shallow clone that lacks the commits a plan needs. Its errors
// are [*PlanError]s: the clone or the range cannot give the plan, with a
// hint.

// hintFetchDepth is what to do about a clone that lacks the commits a
// scan needs.
const hintFetchDepth = "set fetch-depth: 0 on actions/checkout (locally: git fetch --unshallow)"

// PlanError is a plan that cannot be made: an unknown revision, a commit
// the clone lacks, a payload without what its event needs. It wraps a
// [hint.Error], so its hint reaches the command layer the way every
// other hint does (hint.Of), and its type says the plan, not the scan,
// failed (a usage error).
type PlanError struct{ err error }

func (e *PlanError) Error() string { return e.err.Error() }
func (e *PlanError) Unwrap() error { return e.err }

func planErr(text, format string, a ...any) error {
	return &PlanError{hint.Errorf(text, format, a...)}
}

// Planner plans CI scans of one repository.
type Planner struct {
	gr  *goRepo
	git *gitBackend // nil: go-git resolves (revparse.go)
}

// OpenPlanner opens the repository holding dir for planning.
func OpenPlanner(dir string) (*Planner, error) {
	gr, err := plainOpen(dir, true)
	if err != nil {
		return nil, openError(err, dir)
	}
	pn := &Planner{gr: gr}
	if r := discover(dir); r != nil {
		pn.git, _ = r.newGitBackend()
	}
	return pn, nil
}

func short(c string) string { return c[:min(12, len(c))] }

// CIPlan is what a CI run scans.
type CIPlan struct {
	What  string // for people: "push to main (abc..def)"
	Range string // a history scan's range; "" with Full
	Full  bool   // every ref's history
	Skip  bool   // nothing to scan (a deleted branch)
	Notes []string
	// Base and Head are a pull request's or merge group's commits: its
	// config and ignore file are read from Base, which it cannot change.
	Base, Head string
	// tips and excludes resolve Range, for the shallow-clone check.
	tips, excludes []plumbing.Hash
}

// CIEvent is the part of an Actions event payload leakguard reads.
type CIEvent struct {
	Ref        string `json:"ref"`
	Before     string `json:"before"`
	After      string `json:"after"`
	Deleted    bool   `json:"deleted"`
	Forced     bool   `json:"forced"`
	Repository struct {
		DefaultBranch string `json:"default_branch"`
	} `json:"repository"`
	PullRequest *struct {
		Number int `json:"number"`
		Base   struct {
			SHA string `json:"sha"`
			Ref string `json:"ref"`
		} `json:"base"`
		Head struct {
			SHA string `json:"sha"`
			Ref string `json:"ref"`
		} `json:"head"`
	} `json:"pull_request"`
	MergeGroup *struct {
		BaseSHA string `json:"base_sha"`
		HeadSHA string `json:"head_sha"`
	} `json:"merge_group"`
}

func zeroSHA(s string) bool { return s == "" || strings.Trim(s, "0") == "" }

// commit resolves rev to a commit present in the repository, peeling
// annotated tags.
func (pn *Planner) commit(rev string) (plumbing.Hash, bool) {
	if pn.git != nil {
		if h, ok, err := pn.git.commit(rev); err == nil {
			return h, ok
		}
	}
	h, err := pn.gr.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		if !plumbing.IsHash(rev) {
			return plumbing.ZeroHash, false
		}
		hh := plumbing.NewHash(rev)
		h = &hh
	}
	for i := 0; i < 10; i++ {
		o, err := pn.gr.Storer.EncodedObject(plumbing.AnyObject, *h)
		if err != nil {
			return plumbing.ZeroHash, false
		}
		switch o.Type() {
		case plumbing.CommitObject:
			return *h, true
		case plumbing.TagObject:
			t, err := object.DecodeTag(pn.gr.Storer, o)
			if err != nil {
				return plumbing.ZeroHash, false
			}
			h = &t.Target
		default:
			return plumbing.ZeroHash, false
		}
	}
	return plumbing.ZeroHash, false
}

func (pn *Planner) shallow() bool {
	sh, err := pn.gr.Storer.Shallow()
	return err == nil && len(sh) > 0
}

// missingErr is the error for a commit the clone lacks.
func (pn *Planner) missingErr(what, sha, hint string) error {
	if pn.shallow() || hint == "" {
		hint = hintFetchDepth
	}
	return planErr(hint, "the clone lacks %s %s", what, short(sha))
}

// pushPlan: before..after; a new branch: the commits not on the default
// branch; before missing from the clone (a force push rewrote it): the
// same as a new branch.
func (pn *Planner) pushPlan(ev *CIEvent) (*CIPlan, error) {
	name := strings.TrimPrefix(strings.TrimPrefix(ev.Ref, "refs/heads/"), "refs/tags/")
	if ev.Deleted || zeroSHA(ev.After) {
		return &CIPlan{What: "push deleting " + name, Skip: true, Notes: []string{name + " was deleted: nothing to scan"}}, nil
	}
	after, ok := pn.commit(ev.After)
	if !ok {
		return nil, pn.missingErr("the pushed commit", ev.After, "check out the pushed commit (actions/checkout with fetch-depth: 0)")
	}
	if !zeroSHA(ev.Before) {
		if before, ok := pn.commit(ev.Before); ok {
			what := fmt.Sprintf("push to %s (%s..%s)", name, short(ev.Before), short(ev.After))
			if ev.Forced {
				what = fmt.Sprintf("force push to %s (%s..%s: the new commits)", name, short(ev.Before), short(ev.After))
			}
			return &CIPlan{What: what, Range: before.String() + ".." + after.String(), tips: []plumbing.Hash{after}, excludes: []plumbing.Hash{before}}, nil
		}
		if pn.shallow() {
			return nil, pn.missingErr("the commit before the push", ev.Before, "")
		}
		pl := pn.newBranchPlan(ev, name, after)
		pl.Notes = append([]string{fmt.Sprintf("the commit before the push (%s) is not in the clone (a force push rewrote it?): scanning the commits not on the default branch instead", short(ev.Before))}, pl.Notes...)
		return pl, nil
	}
	return pn.newBranchPlan(ev, name, after), nil
}

// newBranchPlan scans a new branch's commits: those not on the default
// branch, else those not on any other remote-tracking branch.
func (pn *Planner) newBranchPlan(ev *CIEvent, name string, after plumbing.Hash) *CIPlan {
	def := ev.Repository.DefaultBranch
	if def == "" {
		if ref, err := pn.gr.Reference("refs/remotes/origin/HEAD", false); err == nil && ref.Type() == plumbing.SymbolicReference {
			def = strings.TrimPrefix(ref.Target().String(), "refs/remotes/origin/")
		}
	}
	full := func(what string, notes ...string) *CIPlan {
		return &CIPlan{What: what, Range: after.String(), tips: []plumbing.Hash{after}, Notes: notes}
	}
	if def != "" && ev.Ref == "refs/heads/"+def {
		return full(fmt.Sprintf("new default branch %s: all of its history", name))
	}
	if def != "" {
		if h, ok := pn.commit("refs/remotes/origin/" + def); ok {
			return &CIPlan{What: fmt.Sprintf("new %s %s (the commits not on %s)", refKind(ev.Ref), name, def),
				Range: after.String() + " ^" + h.String(), tips: []plumbing.Hash{after}, excludes: []plumbing.Hash{h}}
		}
	}
	// No default branch in the clone: exclude every other remote-tracking
	// branch.
	pl := &CIPlan{What: fmt.Sprintf("new %s %s (the commits on no other branch)", refKind(ev.Ref), name), tips: []plumbing.Hash{after}}
	own := "refs/remotes/origin/" + strings.TrimPrefix(ev.Ref, "refs/heads/")
	var names []string
	if it, err := pn.gr.References(); err == nil {
		_ = it.ForEach(func(r *plumbing.Reference) error {
			n := r.Name().String()
			if r.Type() == plumbing.HashReference && strings.HasPrefix(n, "refs/remotes/") && n != own && !strings.HasSuffix(n, "/HEAD") {
				names = append(names, n)
			}
			return nil
		})
	}
	sort.Strings(names)
	parts := []string{after.String()}
	for _, n := range names {
		if h, ok := pn.commit(n); ok {
			pl.excludes = append(pl.excludes, h)
			parts = append(parts, "^"+h.String())
		}
	}
	if len(pl.excludes) == 0 {
		return full(fmt.Sprintf("new %s %s: all of its history", refKind(ev.Ref), name),
			"no default branch in the clone to compare the new branch with: scanning all of its history")
	}
	pl.Range = strings.Join(parts, " ")
	return pl
}

func refKind(ref string) string {
	if strings.HasPrefix(ref, "refs/tags/") {
		return "tag"
	}
	return "branch"
}

// RangePlan resolves a user's range: "A..B", "A...B" or revisions with
// "^" excludes.
func (pn *Planner) RangePlan(rng, what string) (*CIPlan, error) {
	pl := &CIPlan{What: what, Range: rng}
	bad := func(rev string) error {
		return planErr("check --range (e.g. --range main..HEAD); in a shallow clone: "+hintFetchDepth, "unknown revision %q in the range %q", rev, rng)
	}
	res := func(rev string) (plumbing.Hash, error) {
		if rev == "" {
			rev = "HEAD"
		}
		h, ok := pn.commit(rev)
		if !ok {
			return h, bad(rev)
		}
		return h, nil
	}
	// ends resolves both ends of a range.
	ends := func(a, b string) (plumbing.Hash, plumbing.Hash, error) {
		ha, err := res(a)
		if err != nil {
			return ha, ha, err
		}
		hb, err := res(b)
		return ha, hb, err
	}
	if a, b, ok := strings.Cut(rng, "..."); ok {
		ha, hb, err := ends(a, b)
		if err != nil {
			return nil, err
		}
		pl.tips, pl.excludes = []plumbing.Hash{ha, hb}, mergeBases(pn.git, pn.gr, ha, hb)
		return pl, nil
	}
	if a, b, ok := strings.Cut(rng, ".."); ok {
		ha, hb, err := ends(a, b)
		if err != nil {
			return nil, err
		}
		pl.tips, pl.excludes = []plumbing.Hash{hb}, []plumbing.Hash{ha}
		return pl, nil
	}
	for _, fld := range strings.Fields(rng) {
		h, err := res(strings.TrimPrefix(fld, "^"))
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(fld, "^") {
			pl.excludes = append(pl.excludes, h)
		} else {
			pl.tips = append(pl.tips, h)
		}
	}
	return pl, nil
}

// CheckShallow fails when a shallow clone lacks commits the plan needs:
// a full-history scan, or a range whose walk reaches the clone's
// shallow boundary.
func (pn *Planner) CheckShallow(pl *CIPlan) error {
	sh, err := pn.gr.Storer.Shallow()
	if err != nil || len(sh) == 0 {
		return nil
	}
	fail := func() error {
		return planErr(hintFetchDepth, "the clone is shallow and lacks commits of %s", pl.What)
	}
	if pl.Full {
		return fail()
	}
	boundary := map[plumbing.Hash]bool{}
	for _, h := range sh {
		boundary[h] = true
	}
	// Everything the excludes reach is not scanned; walk the rest.
	excluded := map[plumbing.Hash]bool{}
	walk := func(from []plumbing.Hash, visit func(h plumbing.Hash) bool) {
		stack := append([]plumbing.Hash(nil), from...)
		seen := map[plumbing.Hash]bool{}
		for len(stack) > 0 {
			h := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[h] || !visit(h) {
				continue
			}
			seen[h] = true
			c, err := pn.gr.CommitObject(h)
			if err != nil {
				continue
			}
			stack = append(stack, c.ParentHashes...)
		}
	}
	walk(pl.excludes, func(h plumbing.Hash) bool { excluded[h] = true; return true })
	hit := false
	walk(pl.tips, func(h plumbing.Hash) bool {
		if excluded[h] || hit {
			return false
		}
		if boundary[h] {
			hit = true
			return false
		}
		return true
	})
	if hit {
		return fail()
	}
	return nil
}

// DefaultPlan is the plan outside GitHub Actions: origin/HEAD..HEAD.
func (pn *Planner) DefaultPlan() (*CIPlan, error) {
	if _, ok := pn.commit("refs/remotes/origin/HEAD"); !ok {
		return nil, planErr("pass --range BASE..HEAD, or set origin/HEAD: git remote set-head origin --auto",
			"origin/HEAD is not set: cannot tell which commits are new")
	}
	return pn.RangePlan("origin/HEAD..HEAD", "origin/HEAD..HEAD")
}

// EventPlan is the plan of a GitHub Actions event: push, pull_request(_target),
// merge_group (their commits), schedule and workflow_dispatch (the full
// history); any other event scans the full history with a note. For a
// push, ev.After and ev.Ref default to the caller's GITHUB_SHA and
// GITHUB_REF.
func (pn *Planner) EventPlan(name string, ev *CIEvent) (*CIPlan, error) {
	switch name {
	case "push":
		return pn.pushPlan(ev)
	case "pull_request", "pull_request_target":
		if ev.PullRequest == nil {
			return nil, planErr("check GITHUB_EVENT_PATH", "the %s payload has no pull_request", name)
		}
		pr := ev.PullRequest
		head, ok := pn.commit(pr.Head.SHA)
		if !ok {
			hint := ""
			if name == "pull_request_target" {
				hint = "pull_request_target checks out the base branch: pass ref: ${{ github.event.pull_request.head.sha }} and fetch-depth: 0 to actions/checkout"
			}
			return nil, pn.missingErr("the pull request's head", pr.Head.SHA, hint)
		}
		base, ok := pn.commit(pr.Base.SHA)
		if !ok {
			return nil, pn.missingErr("the pull request's base", pr.Base.SHA, "")
		}
		what := fmt.Sprintf("pull request #%d (%s..%s)", pr.Number, short(pr.Base.SHA), short(pr.Head.SHA))
		return &CIPlan{What: what, Range: base.String() + ".." + head.String(), Base: base.String(), Head: head.String(), tips: []plumbing.Hash{head}, excludes: []plumbing.Hash{base}}, nil
	case "merge_group":
		if ev.MergeGroup == nil {
			return nil, planErr("check GITHUB_EVENT_PATH", "the merge_group payload has no merge_group")
		}
		head, ok := pn.commit(ev.MergeGroup.HeadSHA)
		if !ok {
			return nil, pn.missingErr("the merge group's head", ev.MergeGroup.HeadSHA, "")
		}
		base, ok := pn.commit(ev.MergeGroup.BaseSHA)
		if !ok {
			return nil, pn.missingErr("the merge group's base", ev.MergeGroup.BaseSHA, "")
		}
		return &CIPlan{What: "merge group (" + short(base.String()) + ".." + short(head.String()) + ")",
			Range: base.String() + ".." + head.String(), Base: base.String(), Head: head.String(), tips: []plumbing.Hash{head}, excludes: []plumbing.Hash{base}}, nil
	case "schedule", "workflow_dispatch":
		return &CIPlan{What: name + ": the full history", Full: true}, nil
	}
	if name == "" {
		name = "unknown event"
	}
	return &CIPlan{What: name + ": the full history", Full: true,
		Notes: []string{"event " + name + " brings no commit range: scanning the full history"}}, nil
}
