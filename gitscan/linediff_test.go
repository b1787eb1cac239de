package gitscan

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// oracleAdded is go-diff's answer for addedLines: the 1-based numbers of
// b's lines in inserted runs of an exact line diff (DiffLinesToChars,
// then DiffMain without a deadline, which is Myers' minimal diff), and
// how many lines the diff keeps. It also checks that the diff, mapped
// back to lines by DiffCharsToLines, spells b.
func oracleAdded(t *testing.T, a, b []byte) (map[int]bool, int) {
	t.Helper()
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	ca, cb, lines := dmp.DiffLinesToChars(string(a), string(b))
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
	added := map[int]bool{}
	var spelled strings.Builder
	n, kept := 0, 0
	for _, d := range diffs {
		if d.Type == diffmatchpatch.DiffDelete {
			continue
		}
		spelled.WriteString(d.Text)
		for range splitLines([]byte(d.Text)) {
			n++
			if d.Type == diffmatchpatch.DiffInsert {
				added[n] = true
			} else {
				kept++
			}
		}
	}
	if spelled.String() != string(b) {
		t.Fatalf("oracle: go-diff's diff does not spell b")
	}
	return added, kept
}

// checkAddedLines compares addedLines with go-diff on one input.
//
// Line diffs are not unique (a moved line may be either one), so the
// test checks what any correct diff gives: the lines addedLines keeps
// (does not mark added) appear in a in the same order, so no line that
// is new to its place goes unscanned; a line whose text a lacks is
// always added; and where addedLines runs its exact LCS (small regions,
// so small inputs) it keeps as many lines as go-diff's minimal diff.
// On larger inputs its anchored diff may keep fewer (scanning more),
// never more.
func checkAddedLines(t *testing.T, a, b []byte) {
	t.Helper()
	got := addedLines(a, b)
	want, oracleKept := oracleAdded(t, a, b)
	x, y := splitLines(a), splitLines(b)
	inA := map[string]bool{}
	for _, l := range x {
		inA[string(l)] = true
	}
	i, kept := 0, 0
	for j, l := range y {
		if got[j+1] {
			continue
		}
		kept++
		for i < len(x) && !bytes.Equal(x[i], l) {
			i++
		}
		if i == len(x) {
			t.Fatalf("addedLines(%q, %q) keeps line %d (%q) out of a's order: added %v, go-diff %v", a, b, j+1, l, got, want)
		}
		i++
	}
	for j, l := range y {
		if !inA[string(l)] && !got[j+1] {
			t.Fatalf("addedLines(%q, %q): line %d (%q) is new but not added", a, b, j+1, l)
		}
	}
	for n := range got {
		if n < 1 || n > len(y) {
			t.Fatalf("addedLines(%q, %q) marks line %d of %d", a, b, n, len(y))
		}
	}
	switch {
	case kept > oracleKept:
		t.Fatalf("addedLines(%q, %q) keeps %d lines, more than a minimal diff (%d): the oracle is wrong", a, b, kept, oracleKept)
	case kept < oracleKept && len(x)*len(y) <= maxGapCells:
		t.Fatalf("addedLines(%q, %q) keeps %d lines, go-diff %d: added %v, go-diff %v", a, b, kept, oracleKept, got, want)
	}
}

// FuzzAddedLines checks the staged-lines diff against go-diff. The seed
// corpus covers the shapes staged changes take: insertions, deletions,
// edits, moves, repeated lines, a missing last newline, CRLF, blank
// lines, and inputs past the exact-LCS bound.
func FuzzAddedLines(f *testing.F) {
	seeds := [][2]string{
		{"", ""},
		{"", "a\nb\n"},
		{"a\nb\n", ""},
		{"a\nb\n", "a\nb\n"},
		{"a\nb\nc\n", "a\nx\nb\nc\ny"},
		{"a\nb\n", "b\na\n"},
		{"a\nb\nc", "a\nb\nc\n"},
		{"a\r\nb\r\n", "a\nb\r\n"},
		{"x\nx\nx\n", "x\ny\nx\nx\nx\n"},
		{"\n\n\n", "\n\nk=v\n\n"},
		{"a\nb\nc\nd\ne\n", "e\nd\nc\nb\na\n"},
		{"a\nb\na\nb\n", "b\na\nb\na\n"},
		{"k = 1\nsecret = old\n", "k = 1\nsecret = new\n"},
		{strings.Repeat("same\n", 300), strings.Repeat("same\n", 150) + "new\n" + strings.Repeat("same\n", 150)},
	}
	var big, bigger strings.Builder
	for i := range 400 {
		line := "l" + itoaTest(i%37) + "\n"
		big.WriteString(line)
		if i%50 == 0 {
			bigger.WriteString("added " + itoaTest(i) + "\n")
		}
		if i%90 != 0 {
			bigger.WriteString(line)
		}
	}
	seeds = append(seeds, [2]string{big.String(), bigger.String()})
	for _, s := range seeds {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if len(a)+len(b) > 64<<10 {
			t.Skip("the oracle (Myers, no deadline) is slow on large inputs; 64 KiB covers the anchored path")
		}
		checkAddedLines(t, a, b)
	})
}

// BenchmarkAddedLines compares the staged-lines diff with go-diff's line
// diff (no deadline) on the same inputs: a 20,000-line file with a line
// inserted every 100 lines, and one whose every fifth line changed.
// Compare the ns/op of each case's two sub-benchmarks.
func BenchmarkAddedLines(b *testing.B) {
	mk := func(n int, edit func(i int, line string) string) ([]byte, []byte) {
		var x, y strings.Builder
		for i := range n {
			line := "line " + itoaTest(i%97) + " value " + itoaTest(i) + "\n"
			x.WriteString(line)
			y.WriteString(edit(i, line))
		}
		return []byte(x.String()), []byte(y.String())
	}
	cases := []struct {
		name string
		edit func(i int, line string) string
	}{
		{"inserts", func(i int, l string) string {
			if i%100 == 0 {
				return "inserted " + itoaTest(i) + "\n" + l
			}
			return l
		}},
		{"edits", func(i int, l string) string {
			if i%5 == 0 {
				return "changed " + itoaTest(i) + "\n"
			}
			return l
		}},
	}
	for _, c := range cases {
		x, y := mk(20000, c.edit)
		b.Run(c.name+"/anchored", func(b *testing.B) {
			for b.Loop() {
				addedLines(x, y)
			}
		})
		b.Run(c.name+"/go-diff", func(b *testing.B) {
			dmp := diffmatchpatch.New()
			dmp.DiffTimeout = 0
			for b.Loop() {
				ca, cb, _ := dmp.DiffLinesToChars(string(x), string(y))
				dmp.DiffMain(ca, cb, false)
			}
		})
	}
}
