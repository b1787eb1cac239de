package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// fingerprintRe is a fingerprint as reports and the block message print
// it: rule:hash, the hash keyed (32 hex digits) or not (16).
var fingerprintRe = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*):([0-9a-f]{32}|[0-9a-f]{16})$`)

// ignoreEntry is one entry 'leakguard ignore' writes.
type ignoreEntry struct {
	fp, glob string
	where    string // file:line rule, for the comment
}

func newIgnoreCmd(s *IO) *cobra.Command {
	var f scanFlags
	var reason, glob string
	var last, includeHigh bool
	c := &cobra.Command{
		Use:   "ignore [FINGERPRINT]",
		Short: "Accept one finding: add its fingerprint to the ignore file",
		Long: `Add one entry to the content-fingerprint ignore file (default:
.leakguardignore at the repository root) for the finding FINGERPRINT
names: the rule:hash a blocked hook prints in its 'leakguard ignore'
command (keyed by the repository), or the fingerprint of a report
(rule:hash of 16 hex digits), which is looked up in the last blocked
scan, then in the work tree.

--last adds the findings of the last blocked commit or push of this
repository (the hook records their fingerprints, never the secrets, in
the state directory); managed keys and high-confidence findings need
--include-high.

Commit the ignore file with your change: CI reads it from the
repository.`,
		Args: cobra.MaximumNArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			if (len(args) == 1) == last {
				return usageErr("pass the fingerprint the block message printed, or --last", "ignore: pass one FINGERPRINT or --last")
			}
			if strings.ContainsAny(reason, "\r\n") {
				return usageErr("give the reason on one line", "--reason: a line break")
			}
			e, err := f.resolve(s, false)
			if err != nil {
				return err
			}
			root := e.repoRoot
			if root == "" {
				root = e.anchor
			}
			out := f.ignoreFile
			if out == "" {
				out = filepath.Join(root, scanner.IgnoreFile)
			} else if !filepath.IsAbs(out) && f.dir != "" {
				out = filepath.Join(e.base, out)
			}
			var rec *blockRecord
			if e.repoRoot != "" {
				r, err := loadBlockRecord(stateDir(s.Getenv, e.cfg), e.repoRoot)
				switch {
				case err == nil:
					rec = r
				case !isNotExist(err):
					fmt.Fprintf(s.Err, "leakguard: warning: the last blocked scan cannot be read: %v\n", err)
				}
			}
			var entries []ignoreEntry
			if last {
				entries, err = lastEntries(s, rec, includeHigh)
			} else {
				var en ignoreEntry
				en, err = fingerprintEntry(c.Context(), s, e, rec, args[0])
				entries = []ignoreEntry{en}
			}
			if err != nil {
				return err
			}
			if glob != "" {
				for i := range entries {
					entries[i].glob = glob
				}
			}
			return appendIgnore(s, out, entries, reason)
		},
	}
	c.Flags().StringVarP(&f.dir, "chdir", "C", "", "run as if started in `DIR`")
	c.Flags().StringVarP(&f.configPath, "config", "c", "", "config `FILE`")
	c.Flags().StringVar(&f.ignoreFile, "ignore-file", "", "the ignore `FILE` to add to (default: .leakguardignore at the repository root)")
	c.Flags().StringVar(&reason, "reason", "", "why the finding is accepted (`TEXT`, written above the entry for reviewers)")
	c.Flags().StringVar(&glob, "path", "", "limit the entry to files matching `GLOB` (default: the finding's file when known, else any file)")
	c.Flags().BoolVar(&last, "last", false, "add the findings of the last blocked commit or push of this repository")
	c.Flags().BoolVar(&includeHigh, "include-high", false, "with --last: accept managed keys and high-confidence findings too")
	f.format = "text"
	return c
}

// lastEntries are the entries of the last blocked scan; managed keys and
// high-confidence findings only with includeHigh.
func lastEntries(s *IO, rec *blockRecord, includeHigh bool) ([]ignoreEntry, error) {
	if rec == nil || len(rec.Findings) == 0 {
		return nil, usageErr("run it after a blocked commit or push, or pass the fingerprint the report prints", "%v", errNoRecord)
	}
	var entries []ignoreEntry
	var refused []blockedFinding
	for _, b := range rec.Findings {
		if b.serious() && !includeHigh {
			refused = append(refused, b)
			continue
		}
		if b.Keyed == "" {
			fmt.Fprintf(s.Err, "leakguard: warning: %s:%d: written with an unkeyed hash (the repository had no commit to key it by when it was blocked)\n", b.File, b.Line)
		}
		entries = append(entries, ignoreEntry{fp: b.entry(), glob: b.File, where: fmt.Sprintf("%s:%d %s", b.File, b.Line, b.RuleID)})
	}
	if len(refused) > 0 {
		refusedNote(s, refused)
		if len(entries) == 0 {
			return nil, &Error{Code: ExitFindings, Err: errors.New("nothing accepted"),
				Hint: "accept one with 'leakguard ignore FINGERPRINT --reason TEXT', or all with --include-high"}
		}
	}
	return entries, nil
}

// refusedNote lists the findings a bulk acceptance left out.
func refusedNote(s *IO, refused []blockedFinding) {
	fmt.Fprintf(s.Err, "leakguard: %s not accepted: managed keys and high-confidence findings are real secrets until shown otherwise\n", plural(len(refused), "finding"))
	for _, b := range refused {
		what := b.RuleID
		if b.KeyName != "" {
			what += " (managed key " + b.KeyName + ")"
		}
		fmt.Fprintf(s.Err, "  %s:%d %s: leakguard ignore %s --reason \"...\"\n", b.File, b.Line, what, b.entry())
	}
	fmt.Fprintln(s.Err, "  remove and rotate them, accept one with the command shown, or all with --include-high")
}

// fingerprintEntry is the entry of fingerprint fp: a keyed fingerprint is
// written as given (with the file of the blocked finding it names, when
// recorded); an unkeyed one is looked up in the last blocked scan, then
// in the work tree, to key it.
func fingerprintEntry(ctx context.Context, s *IO, e *env, rec *blockRecord, fp string) (ignoreEntry, error) {
	m := fingerprintRe.FindStringSubmatch(fp)
	if m == nil {
		return ignoreEntry{}, usageErr("copy it from the block message or the report (rule:hash)", "%q is not a fingerprint", fp)
	}
	if !knownRule(e, m[1]) {
		return ignoreEntry{}, usageErr("check the rule id ('leakguard rules list')", "%s: no rule %q", fp, m[1])
	}
	keyed := len(m[2]) == secret.KeyedHashLen
	if rec != nil {
		for _, b := range rec.Findings {
			if b.Keyed == fp || b.Content == fp {
				return ignoreEntry{fp: b.entry(), glob: b.File, where: fmt.Sprintf("%s:%d %s", b.File, b.Line, b.RuleID)}, nil
			}
		}
	}
	key, kerr := gitscan.RepoKey(ctx, e.repoRoot)
	if keyed {
		if kerr != nil {
			return ignoreEntry{}, usageErr("run it in the repository the fingerprint was printed in", "%s is keyed by a repository, and here there is none to check it against (%v)", fp, kerr)
		}
		return ignoreEntry{fp: fp, where: m[1]}, nil
	}
	if kerr != nil {
		fmt.Fprintf(s.Err, "leakguard: warning: the entry is written with an unkeyed hash (%v), which a dictionary reverses for weak secrets\n", kerr)
		return ignoreEntry{fp: fp, where: m[1]}, nil
	}
	// Key it: find the finding in the work tree.
	root := e.repoRoot
	found, _, err := gitscan.ScanWorkTree(ctx, newDetector(e.cfg, nil), []string{root}, gitscan.WorkTreeOptions{
		DirOptions: scanner.DirOptions{MaxSize: e.maxSize}})
	if err != nil {
		return ignoreEntry{}, &Error{Code: ExitIncomplete, Err: err}
	}
	for i := range found {
		if found[i].ContentFingerprint() == fp {
			f := &found[i]
			return ignoreEntry{fp: f.KeyedFingerprint(key), glob: f.File, where: fmt.Sprintf("%s:%d %s", f.File, f.StartLine, f.RuleID)}, nil
		}
	}
	return ignoreEntry{}, usageErr("pass the keyed fingerprint the block message prints (rule and 32 hex digits)",
		"%s: no such finding in the work tree or the last blocked scan, and an unkeyed fingerprint cannot be keyed without it", fp)
}

// knownRule reports whether id names a rule of the configuration or a
// finding kind of the managed keys.
func knownRule(e *env, id string) bool {
	if id == "managed-key" || id == "known-value" {
		return true
	}
	for _, r := range e.cfg.Rules {
		if r.ID == id {
			return true
		}
	}
	return false
}

// appendIgnore adds entries to the ignore file at out, each with a
// comment saying what it is and why; entries already there are left.
func appendIgnore(s *IO, out string, entries []ignoreEntry, reason string) error {
	old, err := os.ReadFile(out)
	if err != nil && !isNotExist(err) {
		return &Error{Code: ExitIncomplete, Err: err}
	}
	have := map[string]bool{}
	if len(old) > 0 {
		if _, err := scanner.ParseIgnore(bytes.NewReader(old)); err != nil {
			return usageErr("fix the file first", "%s: %v", out, err)
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
	added := 0
	for _, en := range entries {
		line := strings.TrimSpace(en.fp + " " + en.glob)
		if have[en.fp+" "+en.glob] {
			fmt.Fprintf(s.Err, "leakguard: %s is already in %s\n", line, out)
			continue
		}
		have[en.fp+" "+en.glob] = true
		fmt.Fprintf(&b, "\n# %s, accepted %s with 'leakguard ignore'\n", en.where, time.Now().UTC().Format("2006-01-02"))
		if reason != "" {
			fmt.Fprintf(&b, "# reason: %s\n", reason)
		}
		b.WriteString(line + "\n")
		added++
	}
	if added == 0 {
		return nil
	}
	if err := atomicfile.Replace(out, b.Bytes(), 0o644); err != nil {
		return &Error{Code: ExitIncomplete, Err: err}
	}
	fmt.Fprintf(s.Err, "leakguard: added %s to %s; commit it with your change (git add %s): CI reads it from the repository\n",
		plural(added, "entry"), out, shellQuote(filepath.Base(out)))
	return nil
}
