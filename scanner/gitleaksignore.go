package scanner

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// GitleaksIgnoreFile is gitleaks's ignore file, read so that a repository
// moving from gitleaks keeps its accepted findings.
const GitleaksIgnoreFile = ".gitleaksignore"

// GitleaksIgnore suppresses findings by gitleaks's fingerprints, one a
// line (# starts a comment):
//
//	<commit>:<file>:<rule-id>:<line>   a finding in that commit (git scans)
//	<file>:<rule-id>:<line>            a finding at that place in any commit, or outside git
//
// as gitleaks prints them in its report's Fingerprint. Unlike
// .leakguardignore they are positions: an entry stops matching when its
// line moves, and hides whatever is found there. A gitleaks rule id
// names the leakguard rules for the same secrets (the ruleIDs function
// given to [ParseGitleaksIgnore]).
type GitleaksIgnore struct {
	set map[string]bool // commit \x00 file \x00 leakguard rule \x00 line ("" commit: any)
}

// commitRe is a commit id at the start of a gitleaks fingerprint.
var commitRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64}):`) })

// ParseGitleaksIgnore reads a .gitleaksignore. ruleIDs maps a rule id
// an entry names to the leakguard rule ids it stands for. Lines that are
// not fingerprints are returned as warnings: gitleaks compares each line
// with its fingerprints, so such a line never hid anything there either.
func ParseGitleaksIgnore(r io.Reader, ruleIDs func(string) []string) (*GitleaksIgnore, []string, error) {
	ig := &GitleaksIgnore{set: map[string]bool{}}
	var warnings []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.ReplaceAll(line, `\`, "/") // gitleaks on Windows
		commit := ""
		if m := commitRe().FindString(line); m != "" {
			commit = strings.ToLower(m[:len(m)-1])
			line = line[len(m):]
		}
		rest, num, ok1 := cutLast(line, ":")
		file, rule, ok2 := cutLast(rest, ":")
		ln, err := strconv.Atoi(num)
		if !ok1 || !ok2 || err != nil || ln < 1 || file == "" || rule == "" {
			warnings = append(warnings, fmt.Sprintf("line %d: %q is not a gitleaks fingerprint ([commit:]file:rule-id:line): ignored", n, sc.Text()))
			continue
		}
		file = strings.TrimPrefix(file, "./")
		for _, id := range ruleIDs(rule) {
			ig.set[gitleaksKey(commit, file, id, ln)] = true
		}
	}
	return ig, warnings, sc.Err()
}

func gitleaksKey(commit, file, rule string, line int) string {
	return commit + "\x00" + file + "\x00" + rule + "\x00" + strconv.Itoa(line)
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// Len is the number of fingerprints (one per leakguard rule a gitleaks
// rule id stands for).
func (ig *GitleaksIgnore) Len() int {
	if ig == nil {
		return 0
	}
	return len(ig.set)
}

// Matches reports whether an entry hides f, found in file (a path as
// gitleaks would print it: relative to the repository, or to the scanned
// directory; the caller passes each form it has).
func (ig *GitleaksIgnore) Matches(f *Finding, files ...string) bool {
	if ig == nil || len(ig.set) == 0 {
		return false
	}
	commit := strings.ToLower(f.Commit)
	for _, file := range files {
		file = strings.TrimPrefix(file, "./")
		if ig.set[gitleaksKey("", file, f.RuleID, f.StartLine)] {
			return true
		}
		if commit != "" && ig.set[gitleaksKey(commit, file, f.RuleID, f.StartLine)] {
			return true
		}
	}
	return false
}
