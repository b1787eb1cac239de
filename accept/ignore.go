package accept

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// fingerprintRe is a fingerprint as reports and the block message print
// it: rule:hash, the hash keyed (32 hex digits) or not (16).
var fingerprintRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*):([0-9a-f]{32}|[0-9a-f]{16})$`)
})

// Entry is one entry of the ignore file.
type Entry struct {
	Fingerprint, Glob string
	Where             string // file:line rule, for the comment
	// Blocked is the blocked finding the entry was made from, if any.
	Blocked *Finding
	// KeyErr says why the entry holds an unkeyed hash when the
	// repository's key could not be derived.
	KeyErr error
}

func entryOf(b *Finding) Entry {
	return Entry{Fingerprint: b.Fingerprint(), Glob: b.File, Where: fmt.Sprintf("%s:%d %s", b.File, b.Line, b.RuleID), Blocked: b}
}

// Last are the entries of the last blocked scan, and the findings left
// out: managed keys and high-confidence findings are accepted only with
// includeHigh.
func Last(rec *Record, includeHigh bool) (entries []Entry, refused []Finding, err error) {
	if rec == nil || len(rec.Findings) == 0 {
		return nil, nil, hint.Usagef("run it after a blocked commit or push, or pass the fingerprint the report prints", "no blocked commit or push recorded for this repository")
	}
	for i := range rec.Findings {
		b := &rec.Findings[i]
		if b.Serious() && !includeHigh {
			refused = append(refused, *b)
			continue
		}
		entries = append(entries, entryOf(b))
	}
	return entries, refused, nil
}

// Lookup finds the finding a fingerprint names.
type Lookup struct {
	Rules  []*rules.Rule // the configuration's rules
	Record *Record       // the last blocked scan, or nil
	// Key derives the repository's key; Scan finds the work tree's
	// findings.
	Key  func() ([]byte, error)
	Scan func() ([]scanner.Finding, error)
}

// Entry is the entry of fingerprint fp: a keyed fingerprint is written as
// given (with the file of the blocked finding it names, when recorded);
// an unkeyed one is looked up in the last blocked scan, then in the work
// tree, to key it.
func (l *Lookup) Entry(fp string) (Entry, error) {
	m := fingerprintRe().FindStringSubmatch(fp)
	if m == nil {
		return Entry{}, hint.Usagef("copy it from the block message or the report (rule:hash)", "%q is not a fingerprint", fp)
	}
	if !l.knownRule(m[1]) {
		return Entry{}, hint.Usagef("check the rule id ('leakguard rules list')", "%s: no rule %q", fp, m[1])
	}
	keyed := len(m[2]) == secret.KeyedHashLen
	if l.Record != nil {
		for i, b := range l.Record.Findings {
			if b.Keyed == fp || b.Content == fp {
				return entryOf(&l.Record.Findings[i]), nil
			}
		}
	}
	key, kerr := l.Key()
	if keyed {
		if kerr != nil {
			return Entry{}, hint.Usagef("run it in the repository the fingerprint was printed in", "%s is keyed by a repository, and here there is none to check it against (%v)", fp, kerr)
		}
		return Entry{Fingerprint: fp, Where: m[1]}, nil
	}
	if kerr != nil {
		return Entry{Fingerprint: fp, Where: m[1], KeyErr: kerr}, nil
	}
	// Key it: find the finding in the work tree.
	found, err := l.Scan()
	if err != nil {
		return Entry{}, err
	}
	for i := range found {
		if found[i].ContentFingerprint() == fp {
			f := &found[i]
			return Entry{Fingerprint: f.KeyedFingerprint(key), Glob: f.File, Where: fmt.Sprintf("%s:%d %s", f.File, f.StartLine, f.RuleID)}, nil
		}
	}
	return Entry{}, hint.Usagef("pass the keyed fingerprint the block message prints (rule and 32 hex digits)",
		"%s: no such finding in the work tree or the last blocked scan, and an unkeyed fingerprint cannot be keyed without it", fp)
}

// knownRule reports whether id names a rule of the configuration or a
// finding kind of the managed keys.
func (l *Lookup) knownRule(id string) bool {
	if id == "managed-key" || id == "known-value" {
		return true
	}
	for _, r := range l.Rules {
		if r.ID == id {
			return true
		}
	}
	return false
}

// Append adds entries to the ignore file at path, each limited to glob
// when set (else to its own), with a comment saying what it is and why
// (reason, when given); entries already there are left and returned as
// dups (their lines).
func Append(path string, entries []Entry, glob, reason string) (added int, dups []string, err error) {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, nil, err
	}
	have := map[string]bool{}
	if len(old) > 0 {
		if _, err := scanner.ParseIgnore(bytes.NewReader(old)); err != nil {
			return 0, nil, hint.Usagef("fix the file first", "%s: %v", path, err)
		}
		for _, l := range strings.Split(string(old), "\n") {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			fp := strings.Fields(l)[0]
			have[fp+" "+strings.TrimSpace(l[len(fp):])] = true
		}
	}
	var b bytes.Buffer
	b.Write(old)
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		b.WriteByte('\n')
	}
	for _, en := range entries {
		if glob != "" {
			en.Glob = glob
		}
		line := strings.TrimSpace(en.Fingerprint + " " + en.Glob)
		if have[en.Fingerprint+" "+en.Glob] {
			dups = append(dups, line)
			continue
		}
		have[en.Fingerprint+" "+en.Glob] = true
		fmt.Fprintf(&b, "\n# %s, accepted %s with 'leakguard ignore'\n", en.Where, time.Now().UTC().Format("2006-01-02"))
		if reason != "" {
			fmt.Fprintf(&b, "# reason: %s\n", reason)
		}
		b.WriteString(line + "\n")
		added++
	}
	if added == 0 {
		return 0, dups, nil
	}
	return added, dups, atomicfile.Replace(path, b.Bytes(), 0o644)
}

// Baseline writes found to the ignore file at path as a baseline
// (scanner.WriteBaseline, keyed by key's repository key; when there is
// none, log warns that the entries hold unkeyed hashes), leaving out the
// findings that must not be accepted in bulk unless includeHigh. It
// tells log what it wrote and lists the findings left out with the
// command that accepts each ([WriteRefused]); it returns how many.
func Baseline(log io.Writer, path string, found []scanner.Finding, key func() ([]byte, error), includeHigh bool) (refused int, err error) {
	k, kerr := key()
	if kerr != nil {
		fmt.Fprintf(log, "leakguard: warning: entries are written with unkeyed hashes (%v), which a dictionary reverses for weak secrets\n", kerr)
	}
	var left []scanner.Finding
	if !includeHigh {
		kept := found[:0:0]
		for _, fd := range found {
			if fd.KeyName != "" || fd.Confidence == rules.High {
				left = append(left, fd)
			} else {
				kept = append(kept, fd)
			}
		}
		found = kept
	}
	var b strings.Builder
	if err := scanner.WriteBaseline(&b, found, k); err != nil {
		return 0, err
	}
	if err := atomicfile.Replace(path, []byte(b.String()), 0o644); err != nil {
		return 0, err
	}
	fmt.Fprintf(log, "leakguard: wrote %s to %s; review it and commit it\n", english.Count(len(found), "entry"), path)
	if len(left) > 0 {
		WriteRefused(log, Findings(left, k))
	}
	return len(left), nil
}

// LoadWarn is [Load] for the repository at root, nil outside one; an
// error reading the record is a warning on log (nothing to look up).
func LoadWarn(log io.Writer, state, root string) *Record {
	if root == "" {
		return nil
	}
	rec, err := Load(state, root)
	if err != nil {
		fmt.Fprintf(log, "leakguard: warning: the last blocked scan cannot be read: %v\n", err)
	}
	return rec
}

// ErrNothingAccepted is [LastEntries]' error when every finding of the
// last blocked scan was left out.
var ErrNothingAccepted = hint.Wrap(errors.New("nothing accepted"), "accept one with 'leakguard ignore FINGERPRINT --reason TEXT', or all with --include-high")

// LastEntries is [Last], telling log which entries hold an unkeyed hash
// (the repository had no commit to key them by when they were blocked)
// and which findings were left out ([WriteRefused]); when that is all of
// them, the error is [ErrNothingAccepted].
func LastEntries(log io.Writer, rec *Record, includeHigh bool) ([]Entry, error) {
	entries, refused, err := Last(rec, includeHigh)
	if err != nil {
		return nil, err
	}
	for _, en := range entries {
		if en.Blocked.Keyed == "" {
			fmt.Fprintf(log, "leakguard: warning: %s:%d: written with an unkeyed hash (the repository had no commit to key it by when it was blocked)\n", en.Blocked.File, en.Blocked.Line)
		}
	}
	if len(refused) > 0 {
		WriteRefused(log, refused)
		if len(entries) == 0 {
			return nil, ErrNothingAccepted
		}
	}
	return entries, nil
}

// DefaultFile is the ignore file 'leakguard ignore' and 'leakguard
// baseline' write by default: .leakguardignore at the repository root
// (outside a repository, in the directory the run is anchored in).
func DefaultFile(repoRoot, anchor string) string {
	if repoRoot == "" {
		repoRoot = anchor
	}
	return filepath.Join(repoRoot, scanner.IgnoreFile)
}

// Ignore adds findings to an ignore file, as 'leakguard ignore' does,
// telling Log what it did ([Add]).
type Ignore struct {
	Lookup             // finds a fingerprint's finding; Record is the last blocked scan
	File, Glob, Reason string
	Log                io.Writer
}

// AddLast adds the findings of the last blocked scan ([LastEntries]).
func (ig *Ignore) AddLast(includeHigh bool) error {
	entries, err := LastEntries(ig.Log, ig.Record, includeHigh)
	if err != nil {
		return err
	}
	return Add(ig.Log, ig.File, entries, ig.Glob, ig.Reason)
}

// AddFingerprint adds the finding fingerprint fp names ([Lookup.Entry]).
func (ig *Ignore) AddFingerprint(fp string) error {
	en, err := ig.Entry(fp)
	if err != nil {
		return err
	}
	return Add(ig.Log, ig.File, []Entry{en}, ig.Glob, ig.Reason)
}

// Add appends entries to the ignore file at path ([Append]) and tells
// log what it did: an entry written with an unkeyed hash (its KeyErr),
// the entries already there, and what was added with how to commit it.
func Add(log io.Writer, path string, entries []Entry, glob, reason string) error {
	for _, en := range entries {
		if en.KeyErr != nil {
			fmt.Fprintf(log, "leakguard: warning: the entry is written with an unkeyed hash (%v), which a dictionary reverses for weak secrets\n", en.KeyErr)
		}
	}
	added, dups, err := Append(path, entries, glob, reason)
	for _, d := range dups {
		fmt.Fprintf(log, "leakguard: %s is already in %s\n", d, path)
	}
	if err != nil || added == 0 {
		return err
	}
	fmt.Fprintf(log, "leakguard: added %s to %s; commit it with your change (git add %s): CI reads it from the repository\n",
		english.Count(added, "entry"), path, ShellQuote(filepath.Base(path)))
	return nil
}
