package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
)

func confidence(s string) rules.Confidence { return rules.Confidence(s) }

const (
	red   = "\x1b[31m"
	bold  = "\x1b[1m"
	dim   = "\x1b[2m"
	reset = "\x1b[0m"
)

// Location is "file:line:col", with the commit in front for git findings.
// A file name with control or invisible characters is quoted and escaped
// (see [Printable]).
func Location(f *scanner.Finding) string {
	file := Printable(f.File)
	if file == "" {
		file = "(commit message)"
		if f.Commit == "" {
			file = "-"
		}
	}
	loc := fmt.Sprintf("%s:%d:%d", file, f.StartLine, f.StartColumn)
	if f.Commit != "" {
		loc = shortSHA(f.Commit) + ":" + loc
	}
	return loc
}

func shortSHA(s string) string { return s[:min(12, len(s))] }

// Printable is s for a terminal: unchanged when every character is
// printable, else Go-quoted ("a\x1b[2Jb\n"), so that a file name cannot
// move the cursor, clear the screen, set the window title, reverse text
// or forge a line of output.
func Printable(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// escapeControls escapes the characters of s that [Printable] would.
func escapeControls(s string) string {
	if Printable(s) == s {
		return s
	}
	q := strconv.Quote(s)
	return strings.ReplaceAll(strings.ReplaceAll(q[1:len(q)-1], `\\`, `\`), `\"`, `"`)
}

// Title names what leaked: the managed key, else the rule.
func Title(f *scanner.Finding) string {
	if f.KeyName != "" && f.RuleID != "managed-key" && f.RuleID != "known-value" {
		return f.KeyName + " (" + f.RuleID + ")"
	}
	if f.KeyName != "" {
		return f.KeyName
	}
	return f.RuleID
}

func writeText(w io.Writer, fs []scanner.Finding, o Options) error {
	c := func(code, s string) string {
		if !o.Color {
			return s
		}
		return code + s + reset
	}
	var b strings.Builder
	for i := range fs {
		f := &fs[i]
		m, s := Shown(f, o.ShowSecrets)
		fmt.Fprintf(&b, "%s %s  %s\n", c(red+bold, "leak"), c(bold, Location(f)), Title(f))
		fmt.Fprintf(&b, "  %-11s %s [%s confidence]\n", "what:", f.Description, f.Confidence)
		fmt.Fprintf(&b, "  %-11s %s\n", "secret:", s)
		fmt.Fprintf(&b, "  %-11s %s\n", "match:", escapeControls(oneLine(m)))
		if len(f.Decoded) > 0 {
			fmt.Fprintf(&b, "  %-11s %s\n", "encoded:", strings.Join(f.Decoded, " > "))
		}
		if f.Commit != "" {
			fmt.Fprintf(&b, "  %-11s %s %s <%s> %s\n", "commit:", shortSHA(f.Commit), escapeControls(f.Author), escapeControls(f.Email), escapeControls(f.Date))
		}
		if f.Validity != "" {
			v := f.Validity
			if f.Validity == "live" {
				v = c(red+bold, v)
			}
			fmt.Fprintf(&b, "  %-11s %s — %s\n", "validity:", v, f.ValidityDetail)
		}
		if f.Exposure != "" {
			fmt.Fprintf(&b, "  %-11s %s (remediated: not a live leak)\n", "value:", f.Exposure)
		}
		if f.RotateURL != "" {
			fmt.Fprintf(&b, "  %-11s %s\n", "rotate at:", f.RotateURL)
		}
		fmt.Fprintf(&b, "  %-11s %s\n\n", "fingerprint:", c(dim, f.Fingerprint))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// oneLine folds a multi-line match and caps its length.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 160 {
		s = string(r[:157]) + "..."
	}
	return s
}
