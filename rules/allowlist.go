package rules

import (
	"regexp"
	"strings"
)

// Decide applies every criterion of an allowlist to a finding, as
// gitleaks does: with condition "or" any criterion that holds suppresses
// it; with "and" every criterion the allowlist sets must hold. Paths match
// the file's path (never an empty one), regexes the secret, the match or
// the line (RegexTarget), stopwords the secret.
//
// The commit that introduced a finding is known only after detection:
// allowed reports a suppression that holds whatever the commit, and
// commits the commits that would suppress it when nothing else does
// (nil: none), in lower case.
func (a *Allowlist) Decide(path, secret, match, line string) (allowed bool, commits []string) {
	if a == nil {
		return false, nil
	}
	target := a.target(secret, match, line)
	pathOK := path != "" && anyMatch(a.paths, path)
	regexOK := target != "" && anyMatch(a.regexes, target)
	stopOK := secret != "" && hasStopword(a.Stopwords, secret)
	if a.Condition != "and" {
		if pathOK || regexOK || stopOK {
			return true, nil
		}
		return false, a.commits
	}
	held := (len(a.Paths) == 0 || pathOK) && (len(a.Regexes) == 0 || regexOK) && (len(a.Stopwords) == 0 || stopOK)
	switch {
	case !held:
		return false, nil
	case len(a.commits) > 0:
		return false, a.commits
	}
	return len(a.Paths)+len(a.Regexes)+len(a.Stopwords) > 0, nil
}

// SkipsFile reports whether the allowlist suppresses every finding in
// path, whatever its content: it applies to every rule, and its path
// alone decides.
func (a *Allowlist) SkipsFile(path string) bool {
	if a == nil || len(a.TargetRules) > 0 || path == "" || !anyMatch(a.paths, path) {
		return false
	}
	return a.Condition != "and" || len(a.Regexes)+len(a.Stopwords)+len(a.Commits) == 0
}

func anyMatch(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func hasStopword(words []string, s string) bool {
	ls := strings.ToLower(s)
	for _, w := range words {
		if strings.Contains(ls, strings.ToLower(w)) {
			return true
		}
	}
	return false
}
