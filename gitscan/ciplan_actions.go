package gitscan

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// Plan decides what a CI run scans: rng (--range) when given, else on
// GitHub Actions (actions) the commits of the event getenv describes
// (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_SHA, GITHUB_REF), else
// origin/HEAD..HEAD.
func (pn *Planner) Plan(rng string, actions bool, getenv func(string) string) (*CIPlan, error) {
	if rng != "" {
		return pn.RangePlan(rng, "commits in "+rng)
	}
	if !actions {
		return pn.DefaultPlan()
	}
	const hintActions = "run it in a GitHub Actions job, or pass --range"
	name := getenv("GITHUB_EVENT_NAME")
	var ev CIEvent
	if p := getenv("GITHUB_EVENT_PATH"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, planErr(hintActions, "event payload: %v", err)
		}
		if err := json.Unmarshal(b, &ev); err != nil {
			return nil, planErr(hintActions, "event payload %s: %v", p, err)
		}
	} else if name == "push" || strings.HasPrefix(name, "pull_request") || name == "merge_group" {
		return nil, planErr(hintActions, "GITHUB_EVENT_PATH is not set for a %s event", name)
	}
	if ev.After == "" {
		ev.After = getenv("GITHUB_SHA")
	}
	if ev.Ref == "" {
		ev.Ref = getenv("GITHUB_REF")
	}
	return pn.EventPlan(name, &ev)
}

// OpenCIPlanner is [OpenPlanner] for 'leakguard ci': its errors are
// usage errors whose hint, on GitHub Actions (actions), is to check the
// repository out first.
func OpenCIPlanner(dir string, actions bool) (*Planner, error) {
	pn, err := OpenPlanner(dir)
	if errors.Is(err, ErrSHA256) {
		return nil, usageErr(HintSHA256, "%w", err)
	}
	if err != nil {
		abs, _ := filepath.Abs(dir)
		h := HintNoRepo
		if actions {
			h = "check the repository out first: actions/checkout with fetch-depth: 0"
		}
		return nil, usageErr(h, "no git repository at %s: %v", abs, err)
	}
	return pn, nil
}

// CIRun is a planned CI scan: the plan, and for a pull request or merge
// group the base commit's files, which its config and ignore files are
// read from ([BaseSource]).
type CIRun struct {
	Plan *CIPlan
	Base *BaseSource // nil without a base commit
	pn   *Planner
	dir  string
}

// PlanCI plans the CI scan of the repository at dir ("" is the current
// directory): [OpenCIPlanner], then [Planner.Plan] with rng, actions
// and getenv; a plan with a base commit opens it ([OpenBase]). Close the
// run when done.
func PlanCI(dir, rng string, actions bool, getenv func(string) string) (*CIRun, error) {
	if dir == "" {
		dir = "."
	}
	pn, err := OpenCIPlanner(dir, actions)
	if err != nil {
		return nil, err
	}
	pl, err := pn.Plan(rng, actions, getenv)
	if err != nil {
		return nil, err
	}
	r := &CIRun{Plan: pl, pn: pn, dir: dir}
	if pl.Base != "" {
		if r.Base, err = OpenBase(dir, pl.Base, pl.Head); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// NoteChanged lists the trusted files the pull request changes
// ([BaseSource.ChangedTrusted] with extra), each with its note added to
// the plan ([ChangedNote]); none without a base commit.
func (r *CIRun) NoteChanged(extra ...string) []string {
	if r.Base == nil {
		return nil
	}
	changed := r.Base.ChangedTrusted(extra...)
	for _, p := range changed {
		r.Plan.Notes = append(r.Plan.Notes, ChangedNote(p))
	}
	return changed
}

// Abs is the absolute path of a file the run writes (its reports): a
// relative path is relative to the run's directory.
func (r *CIRun) Abs(path string) string {
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.dir, path)
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// CheckShallow is [Planner.CheckShallow] of the run's plan.
func (r *CIRun) CheckShallow() error { return r.pn.CheckShallow(r.Plan) }

// Close closes the base commit's repository, if open.
func (r *CIRun) Close() error {
	if r.Base == nil {
		return nil
	}
	return r.Base.Close()
}
