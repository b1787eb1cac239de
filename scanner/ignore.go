package scanner

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
)

// IgnoreFile is the name of the content-fingerprint ignore file.
const IgnoreFile = ".leakguardignore"

// Ignore suppresses findings by content fingerprint: rule and secret hash,
// optionally limited to a path glob. Unlike position-based fingerprints,
// an entry stays valid when lines move and never hides a different secret.
//
// Format, one entry a line; # starts a comment:
//
//	<rule-id>:<secret-hash> [path-glob]
type Ignore struct {
	entries map[string][]string // fingerprint -> path globs ("" = any)
}

// ParseIgnore reads an ignore file.
func ParseIgnore(r io.Reader) (*Ignore, error) {
	ig := &Ignore{entries: map[string][]string{}}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		fp := fields[0]
		if strings.Count(fp, ":") < 1 {
			return nil, fmt.Errorf("line %d: %q is not <rule-id>:<secret-hash>", n, fp)
		}
		glob := ""
		if rest := strings.TrimSpace(line[len(fp):]); rest != "" {
			glob = rest
			if _, err := path.Match(glob, ""); err != nil {
				return nil, fmt.Errorf("line %d: bad path glob %q: %v", n, glob, err)
			}
		}
		ig.entries[fp] = append(ig.entries[fp], glob)
	}
	return ig, sc.Err()
}

// entryRe is an ignore entry's fingerprint at the start of its line:
// <rule-id>:<secret-hash>, the hash as [SecretHash] writes it.
var entryRe = regexp.MustCompile(`^[ \t]*[A-Za-z0-9][A-Za-z0-9._-]*:[0-9a-f]{16}(?:[ \t]|$)`)

// inIgnoreEntry reports whether content[s:e] lies inside the fingerprint
// of an entry of an ignore file: a hash, never a secret. An ignore file is
// otherwise scanned like any file (a key in a comment or a path glob is
// found).
func inIgnoreEntry(p string, content []byte, s, e int) bool {
	if path.Base(p) != IgnoreFile {
		return false
	}
	ls := bytes.LastIndexByte(content[:s], '\n') + 1
	le := len(content)
	if i := bytes.IndexByte(content[ls:], '\n'); i >= 0 {
		le = ls + i
	}
	m := entryRe.FindIndex(content[ls:le])
	return m != nil && e <= ls+m[1]
}

// Matches reports whether f is ignored.
func (ig *Ignore) Matches(f *Finding) bool {
	if ig == nil {
		return false
	}
	globs, ok := ig.entries[f.ContentFingerprint()]
	if !ok {
		return false
	}
	for _, g := range globs {
		if g == "" || g == f.File {
			return true
		}
		if ok, _ := path.Match(g, f.File); ok {
			return true
		}
	}
	return false
}

// Len is the number of entries.
func (ig *Ignore) Len() int {
	if ig == nil {
		return 0
	}
	return len(ig.entries)
}

// WriteBaseline writes an ignore file for findings, each entry preceded by
// a reviewable comment: file, line, rule and a redacted preview.
func WriteBaseline(w io.Writer, fs []Finding) error {
	var b bytes.Buffer
	b.WriteString("# leakguard baseline: findings accepted as known. Review each entry;\n")
	b.WriteString("# delete an entry to report its secret again. Format: <rule>:<secret-hash> [path]\n")
	seen := map[string]bool{}
	for _, f := range fs {
		key := f.ContentFingerprint() + " " + f.File
		if seen[key] {
			continue
		}
		seen[key] = true
		loc := f.File
		if f.Commit != "" {
			loc = f.Commit[:min(len(f.Commit), 12)] + ":" + loc
		}
		preview := f.RedactedLine()
		fmt.Fprintf(&b, "\n# %s:%d %s %s\n", loc, f.StartLine, f.RuleID, preview)
		if f.File != "" {
			fmt.Fprintf(&b, "%s %s\n", f.ContentFingerprint(), f.File)
		} else {
			fmt.Fprintf(&b, "%s\n", f.ContentFingerprint())
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}
