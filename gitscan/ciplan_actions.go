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
