package audit

import (
	"bytes"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/gitscan"
)

// TestTextEscapesHostileNames: a file name or author with terminal
// escapes or a newline is printed escaped in the text report (issue 13
// item 15).
func TestTextEscapesHostileNames(t *testing.T) {
	cfg := loadConfig(t, "")
	c1, c2 := strings.Repeat("a", 40), strings.Repeat("b", 40)
	bad := "x\x1b]0;pwned\x07\n1. fake.env"
	fs := detect(t, cfg, bad, "ANTHROPIC_API_KEY="+anthropicKey()+"\n", c1, "2025-06-01T10:00:00Z", "eve\x1b[2J")
	removals := [][]gitscan.Removal{{{Commit: gitscan.CommitRef{Hash: c2, Author: "eve\x1b[2J", Date: "2025-07-01T10:00:00Z"}, Path: bad, OnHead: true}}}
	ex := &gitscan.Exposure{Findings: fs, Removals: removals, HeadRef: "refs/heads/main",
		Refs: []gitscan.RefTip{{Name: "HEAD", Commit: c2}}, Present: map[string][]gitscan.Place{}}
	r := Build(Input{Now: now, Version: "test", Root: t.TempDir(), Head: "main", Config: cfg, History: ex,
		Stats: gitscan.Stats{Commits: 2, Blobs: 1}, WorkTree: fs})
	var b bytes.Buffer
	if err := Write(&b, r, Options{Format: "text"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"\x1b", "\x07", "\n1. fake.env"} {
		if strings.Contains(b.String(), c) {
			t.Fatalf("text report holds %q:\n%s", c, b.String())
		}
	}
}
