package scanner

import (
	"slices"
	"strings"

	"github.com/leakguard/leakguard/rules"
)

// extraAllowlists are an imported gitleaks config's allowlists: each
// keeps its own condition, regex target and commits, and those with
// target rules apply to those rules' findings only. They are applied to
// every candidate before candidates merge, so an allowlist of one rule
// never hides what another rule finds in the same place.
type extraAllowlists struct {
	global []*rules.Allowlist
	byRule map[string][]*rules.Allowlist
}

func newExtraAllowlists(as []*rules.Allowlist) extraAllowlists {
	var e extraAllowlists
	for _, a := range as {
		if len(a.TargetRules) == 0 {
			e.global = append(e.global, a)
			continue
		}
		if e.byRule == nil {
			e.byRule = map[string][]*rules.Allowlist{}
		}
		for _, id := range a.TargetRules {
			e.byRule[id] = append(e.byRule[id], a)
		}
	}
	return e
}

// skipsFile reports whether a global allowlist suppresses everything in
// path by its path alone.
func (e extraAllowlists) skipsFile(path string) bool {
	for _, a := range e.global {
		if a.SkipsFile(path) {
			return true
		}
	}
	return false
}

// filter drops the candidates an allowlist suppresses whatever the
// commit, and records on the others the commits that would suppress them.
func (e extraAllowlists) filter(f Fragment, cs []candidate) []candidate {
	if len(e.global) == 0 && len(e.byRule) == 0 {
		return cs
	}
	out := make([]candidate, 0, len(cs)) // cs stays whole for previews
	for _, c := range cs {
		as := e.global
		if c.rule != nil {
			if scoped := e.byRule[c.rule.ID]; len(scoped) > 0 {
				as = append(slices.Clip(as), scoped...)
			}
		}
		if len(as) == 0 {
			out = append(out, c)
			continue
		}
		ls, le := lineSpanAt(f.Content, c.start)
		line, match := string(f.Content[ls:le]), string(f.Content[c.mstart:c.mend])
		allowed := false
		var commits []string
		for _, a := range as {
			ok, cs := a.Decide(f.Path, c.secret, match, line)
			if ok {
				allowed = true
				break
			}
			commits = append(commits, cs...)
		}
		if allowed {
			continue
		}
		slices.Sort(commits)
		c.allowCommits = slices.Compact(commits)
		out = append(out, c)
	}
	return out
}

// commonCommits are the commits in both sorted lists: a merged finding is
// suppressed in a commit only when every candidate it stands for is.
func commonCommits(a, b []string) []string {
	var out []string
	for _, c := range a {
		if _, ok := slices.BinarySearch(b, c); ok {
			out = append(out, c)
		}
	}
	return out
}

// AllowedIn reports whether an allowlist of an imported gitleaks config
// suppresses the finding once it is attributed to commit (its commits
// criterion): history and push scans drop such findings.
func (f *Finding) AllowedIn(commit string) bool {
	if len(f.allowCommits) == 0 || commit == "" {
		return false
	}
	_, ok := slices.BinarySearch(f.allowCommits, strings.ToLower(commit))
	return ok
}
