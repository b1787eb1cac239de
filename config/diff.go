package config

import (
	"fmt"
	"os"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// PreviewKeyField returns, as a line diff, what EditKeyField would change
// in the file at path, without writing it. The diff shows only the config
// file's text (names and fingerprints, never a secret value).
func PreviewKeyField(path, name, field, value string) (string, error) {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	return LineDiff(path, string(old), setKeyField(string(old), name, field, value)), nil
}

// LineDiff renders the line changes from a to b: removed lines with "-",
// added lines with "+", each with its line number, under a "--- name"
// header. It uses go-diff's line mode, without a deadline, so the result
// is the same on every run.
func LineDiff(name, a, b string) string {
	if a == b {
		return ""
	}
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	ca, cb, lines := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n", name)
	la, lb := 1, 1
	for _, d := range diffs {
		text := strings.TrimSuffix(d.Text, "\n")
		n := strings.Count(d.Text, "\n")
		if !strings.HasSuffix(d.Text, "\n") {
			n++
		}
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			la, lb = la+n, lb+n
		case diffmatchpatch.DiffDelete:
			for i, l := range strings.Split(text, "\n") {
				fmt.Fprintf(&out, "-%d: %s\n", la+i, l)
			}
			la += n
		case diffmatchpatch.DiffInsert:
			for i, l := range strings.Split(text, "\n") {
				fmt.Fprintf(&out, "+%d: %s\n", lb+i, l)
			}
			lb += n
		}
	}
	return out.String()
}
