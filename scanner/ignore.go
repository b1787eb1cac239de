package scanner

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/leakguard/leakguard/secret"
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
//
// The hash is keyed per repository (32 hex digits, [secret.KeyedHash]
// under the key [Ignore.SetKey] gives): the file is committed, and an
// unkeyed hash of a weak secret is guessed offline with a dictionary
// computed once for every repository. Entries of the old, unkeyed form
// (16 hex digits, [secret.Hash]) are still read; 'leakguard baseline'
// rewrites them.
type Ignore struct {
	entries map[string][]string // fingerprint -> path globs ("" = any)
	legacy  int                 // entries with an unkeyed hash
	keyed   int

	keyOnce sync.Once
	keyFn   func() []byte
	key     []byte
}

// SetKey gives the repository's fingerprint key, computed on first need
// (a scan without findings never asks). A nil key leaves keyed entries
// unmatched: the findings they would hide are reported.
func (ig *Ignore) SetKey(fn func() []byte) {
	if ig != nil {
		ig.keyFn = fn
	}
}

func (ig *Ignore) repoKey() []byte {
	ig.keyOnce.Do(func() {
		if ig.keyFn != nil {
			ig.key = ig.keyFn()
		}
	})
	return ig.key
}

// Legacy is the number of entries with an unkeyed hash, and Keyed the
// number with a keyed one.
func (ig *Ignore) Legacy() int {
	if ig == nil {
		return 0
	}
	return ig.legacy
}

// Keyed is the number of entries with a keyed hash.
func (ig *Ignore) Keyed() int {
	if ig == nil {
		return 0
	}
	return ig.keyed
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
		switch len(fp) - strings.LastIndexByte(fp, ':') - 1 {
		case secret.KeyedHashLen:
			ig.keyed++
		default:
			ig.legacy++
		}
		ig.entries[fp] = append(ig.entries[fp], glob)
	}
	return ig, sc.Err()
}

// entryRe is an ignore entry's fingerprint at the start of its line:
// <rule-id>:<secret-hash>, the hash as [SecretHash] writes it.
var entryRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[ \t]*[A-Za-z0-9][A-Za-z0-9._-]*:(?:[0-9a-f]{32}|[0-9a-f]{16})(?:[ \t]|$)`)
})

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
	m := entryRe().FindIndex(content[ls:le])
	return m != nil && e <= ls+m[1]
}

// Matches reports whether f is ignored.
func (ig *Ignore) Matches(f *Finding) bool {
	if ig == nil {
		return false
	}
	if ig.legacy > 0 && globsMatch(ig.entries[f.ContentFingerprint()], f.File) {
		return true
	}
	if ig.keyed > 0 {
		if k := ig.repoKey(); k != nil {
			return globsMatch(ig.entries[f.KeyedFingerprint(k)], f.File)
		}
	}
	return false
}

func globsMatch(globs []string, file string) bool {
	for _, g := range globs {
		if g == "" || g == file {
			return true
		}
		if ok, _ := path.Match(g, file); ok {
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
// a reviewable comment: file, line, rule and a redacted preview. Entries
// are keyed with key (the repository's); a nil key (no repository) writes
// the old, unkeyed form.
func WriteBaseline(w io.Writer, fs []Finding, key []byte) error {
	var b bytes.Buffer
	b.WriteString("# leakguard baseline: findings accepted as known. Review each entry;\n")
	b.WriteString("# delete an entry to report its secret again. Format: <rule>:<secret-hash> [path]\n")
	seen := map[string]bool{}
	for _, f := range fs {
		fp := f.ContentFingerprint()
		if key != nil {
			fp = f.KeyedFingerprint(key)
		}
		if seen[fp+" "+f.File] {
			continue
		}
		seen[fp+" "+f.File] = true
		loc := f.File
		if f.Commit != "" {
			loc = f.Commit[:min(len(f.Commit), 12)] + ":" + loc
		}
		preview := f.RedactedLine()
		fmt.Fprintf(&b, "\n# %s:%d %s %s\n", loc, f.StartLine, f.RuleID, preview)
		if f.File != "" {
			fmt.Fprintf(&b, "%s %s\n", fp, f.File)
		} else {
			fmt.Fprintf(&b, "%s\n", fp)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}
