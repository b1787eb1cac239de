package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
)

// # What a blocked hook says and remembers
//
// A hook that blocks prints, after the report, what to do: the exact
// 'leakguard ignore' command of each finding (the entry it writes is
// keyed by the repository, so the command names the keyed fingerprint),
// advice that fits where the secret is (a tracked .env file, commits
// not pushed yet) and a reminder to commit .leakguardignore. It records
// the blocked findings' fingerprints — never a secret — in the state
// directory, for 'leakguard ignore --last'.

// blockedFinding is what the state directory keeps of a blocked finding:
// where it was and its fingerprints, never the secret.
type blockedFinding struct {
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

// serious reports whether a finding must not be accepted in bulk: a
// managed key, or a high-confidence finding.
func (b blockedFinding) serious() bool { return b.KeyName != "" || b.Confidence == rules.High }

// blockRecord is the last blocked scan of a repository.
type blockRecord struct {
	Repo     string           `json:"repo"`
	Hook     string           `json:"hook"` // "pre-commit" or "pre-push"
	Findings []blockedFinding `json:"findings"`
}

// entry is the fingerprint an ignore entry is written with: keyed when
// the repository has a key.
func (b blockedFinding) entry() string {
	if b.Keyed != "" {
		return b.Keyed
	}
	return b.Content
}

func toBlocked(fs []scanner.Finding, key []byte) []blockedFinding {
	var out []blockedFinding
	for i := range fs {
		f := &fs[i]
		b := blockedFinding{RuleID: f.RuleID, File: f.File, Line: f.StartLine, Commit: f.Commit,
			KeyName: f.KeyName, Confidence: f.Confidence, Content: f.ContentFingerprint()}
		if key != nil {
			b.Keyed = f.KeyedFingerprint(key)
		}
		out = append(out, b)
	}
	return out
}

// blockRecordPath is where the last blocked scan of the repository at
// root is recorded: one file per repository in the state directory.
func blockRecordPath(state, root string) string {
	abs, err := filepath.Abs(root)
	if err != nil {
		abs = root
	}
	h := sha256.Sum256([]byte(abs))
	return filepath.Join(state, "blocked", hex.EncodeToString(h[:8])+".json")
}

func saveBlockRecord(state string, rec *blockRecord) error {
	p := blockRecordPath(state, rec.Repo)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Replace(p, append(b, '\n'), 0o600)
}

// loadBlockRecord reads the last blocked scan of the repository at root;
// fs.ErrNotExist when there was none.
func loadBlockRecord(state, root string) (*blockRecord, error) {
	b, err := os.ReadFile(blockRecordPath(state, root))
	if err != nil {
		return nil, err
	}
	var rec blockRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s: %w", blockRecordPath(state, root), err)
	}
	return &rec, nil
}

// failingFindings are the findings that fail the scan (--fail-on).
func failingFindings(fs []scanner.Finding, failOn string) []scanner.Finding {
	th, _ := failThreshold(failOn)
	if failOn == "" {
		return fs
	}
	var out []scanner.Finding
	for _, f := range fs {
		if th != "" && f.Confidence.AtLeast(th) {
			out = append(out, f)
		}
	}
	return out
}

// recordBlocked records the blocked findings of a hook for 'leakguard
// ignore --last' (a failure to record is a warning: the hook still
// blocks) and returns them with their fingerprints.
func recordBlocked(ctx context.Context, s *IO, f *scanFlags, e *env, found []scanner.Finding) []blockedFinding {
	hook := "pre-commit"
	if !f.staged {
		hook = "pre-push"
	}
	key, _ := gitscan.RepoKey(ctx, e.repoRoot)
	bs := toBlocked(found, key)
	if e.repoRoot != "" {
		rec := &blockRecord{Repo: e.repoRoot, Hook: hook, Findings: bs}
		if err := saveBlockRecord(stateDir(s.Getenv, e.cfg), rec); err != nil {
			fmt.Fprintf(s.Err, "leakguard: warning: the blocked findings are not recorded for 'leakguard ignore --last': %v\n", err)
		}
	}
	return bs
}

// blocked tells the user what to do about a blocked commit or push.
func blocked(s *IO, commit bool, bs []blockedFinding) {
	verb, bypass := "commit", "git commit --no-verify"
	if !commit {
		verb, bypass = "push", "git push --no-verify"
	}
	w := func(format string, a ...any) { fmt.Fprintf(s.Err, format, a...) }
	w("leakguard: this %s is blocked: it would add the secrets above to the repository.\n", verb)
	w("  - move the value to a git-ignored .env file (or your secret store) and\n")
	w("    reference it from the code, e.g. os.Getenv(\"NAME\"); then stage again\n")
	seen := map[string]bool{}
	for _, b := range bs {
		if isDotenv(b.File) && !seen[b.File] && !strings.Contains(b.File, "!") {
			seen[b.File] = true
			w("  - %s is a .env file in git: take it out of the repository and ignore it:\n", b.File)
			w("      git rm --cached %s && echo %s >> .gitignore\n", shellQuote(b.File), shellQuote(path.Base(b.File)))
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
		w("      leakguard ignore %s --reason \"...\"    # %s:%d %s\n", b.entry(), b.File, b.Line, b.RuleID)
	}
	if len(bs) > 1 {
		w("    (all of them: leakguard ignore --last --reason \"...\")\n")
	}
	w("    then commit .leakguardignore with the change: CI reads it from the repository\n")
	w("  - last resort, if you are sure: %s\n", bypass)
}

// isDotenv reports whether file is a dotenv file: .env or .env.NAME.
func isDotenv(file string) bool {
	b := path.Base(file)
	return b == ".env" || (strings.HasPrefix(b, ".env.") && !strings.HasSuffix(b, ".example") && !strings.HasSuffix(b, ".sample"))
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/+@:=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// errNoRecord: no blocked scan was recorded for the repository.
var errNoRecord = errors.New("no blocked commit or push recorded for this repository")

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
