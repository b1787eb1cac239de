package gitscan

import (
	"reflect"
	"testing"
)

// TestHistoryTagsAndNotes: annotated tag messages and notes are scanned
// like commit messages, on both backends (issue 13 item 13): a tag's
// finding points at the tag's ref and the commit it tags, a note's at
// the notes ref and the commit it annotates.
func TestHistoryTagsAndNotes(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "hello\n")
	c1 := commitAll(t, dir, "base")
	run(t, dir, "tag", "-a", "-m", "release 1\n\ntoken "+key(), "v1")
	run(t, dir, "notes", "add", "-m", "deployed with "+key(), c1)
	// A note added and removed again is still in the notes history.
	c2 := commitAll(t, dir, "second")
	run(t, dir, "notes", "--ref", "review", "add", "-m", "key "+key(), c2)
	run(t, dir, "notes", "--ref", "review", "remove", c2)
	bothBackends(t, func(t *testing.T, backend string) {
		fs, _ := history(t, dir, backend, HistoryOptions{})
		got := map[string]bool{}
		for _, f := range fs {
			got[f.Commit[:7]+" "+f.File] = true
		}
		want := map[string]bool{
			c1[:7] + " refs/tags/v1":       true,
			c1[:7] + " refs/notes/commits": true,
			c2[:7] + " refs/notes/review":  true,
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("findings = %v, want %v", got, want)
		}
		for _, f := range fs {
			if f.Author == "" || f.Date == "" {
				t.Errorf("%s: no author or date", f.File)
			}
		}
	})
}
