// Package accept is what leakguard does when a finding is accepted rather
// than fixed: the advice a blocking hook gives, the record of what it
// blocked ('leakguard ignore --last' reads it), and the entries 'leakguard
// ignore' and 'leakguard baseline' add to the content-fingerprint ignore
// file (.leakguardignore).
//
// # What a blocked hook says and remembers
//
// A hook that blocks prints, after the report, what to do ([WriteAdvice]):
// the exact 'leakguard ignore' command of each finding (the entry it
// writes is keyed by the repository, so the command names the keyed
// fingerprint), advice that fits where the secret is (a tracked .env
// file, commits not pushed yet) and a reminder to commit
// .leakguardignore. It records the blocked findings' fingerprints — never
// a secret — in the state directory ([Block]).
package accept

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
)

// Finding is what the state directory keeps of a blocked finding: where
// it was and its fingerprints, never the secret.
type Finding struct {
	RuleID     string           `json:"rule_id"`
	File       string           `json:"file"`
	Line       int              `json:"line"`
	Commit     string           `json:"commit,omitempty"`
	KeyName    string           `json:"key_name,omitempty"`
	Confidence rules.Confidence `json:"confidence"`
	// Keyed is the entry 'leakguard ignore' writes (rule:keyed hash), or
	// "" when the repository has no key yet (no commit); Content is the
	// fingerprint the reports print (rule:hash), to find the finding by.
	Keyed   string `json:"keyed,omitempty"`
	Content string `json:"content"`
}

// Serious reports whether a finding must not be accepted in bulk: a
// managed key, or a high-confidence finding.
func (b Finding) Serious() bool { return b.KeyName != "" || b.Confidence == rules.High }

// Fingerprint is the fingerprint an ignore entry is written with: keyed
// when the repository has a key.
func (b Finding) Fingerprint() string {
	if b.Keyed != "" {
		return b.Keyed
	}
	return b.Content
}

// Record is the last blocked scan of a repository.
type Record struct {
	Repo     string    `json:"repo"`
	Hook     string    `json:"hook"` // "pre-commit" or "pre-push"
	Findings []Finding `json:"findings"`
}

// Findings are fs as the record keeps them, keyed by key when set.
func Findings(fs []scanner.Finding, key []byte) []Finding {
	var out []Finding
	for i := range fs {
		f := &fs[i]
		b := Finding{RuleID: f.RuleID, File: f.File, Line: f.StartLine, Commit: f.Commit,
			KeyName: f.KeyName, Confidence: f.Confidence, Content: f.ContentFingerprint()}
		if key != nil {
			b.Keyed = f.KeyedFingerprint(key)
		}
		out = append(out, b)
	}
	return out
}

// recordPath is where the last blocked scan of the repository at root is
// recorded: one file per repository in the state directory.
func recordPath(state, root string) string {
	abs, err := filepath.Abs(root)
	if err != nil {
		abs = root
	}
	h := sha256.Sum256([]byte(abs))
	return filepath.Join(state, "blocked", hex.EncodeToString(h[:8])+".json")
}

// Block records the findings a hook blocked in the repository at root
// (none outside a repository) in the state directory and returns them
// with their fingerprints; an error says only that the record failed.
// The record is not synced ([atomicfile.ReplaceVolatile]): a crash may
// lose it, and the commit it names is blocked either way.
func Block(state, root, hook string, found []scanner.Finding, key []byte) ([]Finding, error) {
	bs := Findings(found, key)
	if root == "" {
		return bs, nil
	}
	b, err := json.MarshalIndent(&Record{Repo: root, Hook: hook, Findings: bs}, "", "  ")
	if err != nil {
		return bs, err
	}
	return bs, atomicfile.ReplaceVolatile(recordPath(state, root), append(b, '\n'), 0o600)
}

// Load reads the last blocked scan of the repository at root; nil when
// there was none.
func Load(state, root string) (*Record, error) {
	b, err := os.ReadFile(recordPath(state, root))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s: %w", recordPath(state, root), err)
	}
	return &rec, nil
}

// WriteAdvice tells the user what to do about a blocked commit (or push).
func WriteAdvice(out io.Writer, commit bool, bs []Finding) {
	verb, bypass := "commit", "git commit --no-verify"
	if !commit {
		verb, bypass = "push", "git push --no-verify"
	}
	w := func(format string, a ...any) { fmt.Fprintf(out, format, a...) }
	w("leakguard: this %s is blocked: it would add the secrets above to the repository.\n", verb)
	w("  - move the value to a git-ignored .env file (or your secret store) and\n")
	w("    reference it from the code, e.g. os.Getenv(\"NAME\"); then stage again\n")
	seen := map[string]bool{}
	for _, b := range bs {
		if isDotenv(b.File) && !seen[b.File] && !strings.Contains(b.File, "!") {
			seen[b.File] = true
			w("  - %s is a .env file in git: take it out of the repository and ignore it:\n", b.File)
			w("      git rm --cached %s && echo %s >> .gitignore\n", ShellQuote(b.File), ShellQuote(path.Base(b.File)))
		}
	}
	if !commit {
		w("  - these commits are not pushed yet: take the secret out of them before pushing\n")
		w("      in the last commit: fix the file, then git commit --amend\n")
		w("      in earlier commits: git reset --soft @{u} (your changes stay staged), fix the files, commit again\n")
		names := map[string]bool{}
		for _, b := range bs {
			if b.KeyName != "" && !names[b.KeyName] {
				names[b.KeyName] = true
				w("  - %s: not pushed: no rotation needed (it never left this machine); remove it from the commits\n", b.KeyName)
			}
		}
		if len(names) == 0 {
			w("    not pushed: once no commit holds it, the secret has not left this machine\n")
		}
	}
	w("  - a false positive? add \"leakguard:allow\" in a comment on that line, or accept it:\n")
	for _, b := range bs {
		w("      leakguard ignore %s --reason \"...\"    # %s:%d %s\n", b.Fingerprint(), b.File, b.Line, b.RuleID)
	}
	if len(bs) > 1 {
		w("    (all of them: leakguard ignore --last --reason \"...\")\n")
	}
	w("    then commit .leakguardignore with the change: CI reads it from the repository\n")
	w("  - last resort, if you are sure: %s\n", bypass)
}

// WriteRefused lists the findings a bulk acceptance left out.
func WriteRefused(w io.Writer, refused []Finding) {
	fmt.Fprintf(w, "leakguard: %s not accepted: managed keys and high-confidence findings are real secrets until shown otherwise\n", english.Count(len(refused), "finding"))
	for _, b := range refused {
		what := b.RuleID
		if b.KeyName != "" {
			what += " (managed key " + b.KeyName + ")"
		}
		fmt.Fprintf(w, "  %s:%d %s: leakguard ignore %s --reason \"...\"\n", b.File, b.Line, what, b.Fingerprint())
	}
	fmt.Fprintln(w, "  remove and rotate them, accept one with the command shown, or all with --include-high")
}

// isDotenv reports whether file is a dotenv file: .env or .env.NAME.
func isDotenv(file string) bool {
	b := path.Base(file)
	return b == ".env" || (strings.HasPrefix(b, ".env.") && !strings.HasSuffix(b, ".example") && !strings.HasSuffix(b, ".sample"))
}

// ShellQuote quotes s for a POSIX shell when it needs it.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/+@:=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
