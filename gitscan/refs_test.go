package gitscan

import (
	"path/filepath"
	"reflect"
	"strings"
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

// TestHistoryAllRefs: a key reachable only from a closed pull request's
// ref is found with AllRefs and, by default, on a mirror clone; a plain
// history scan reads only the project's own refs (issue 12 item 8).
func TestHistoryAllRefs(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "hello\n")
	commitAll(t, dir, "base")
	run(t, dir, "checkout", "-q", "-b", "pr")
	write(t, dir, "pr.txt", "token = \""+key()+"\"\n")
	pr := commitAll(t, dir, "pull request work")
	run(t, dir, "checkout", "-q", "main")
	run(t, dir, "branch", "-q", "-D", "pr")
	run(t, dir, "update-ref", "refs/pull/7/head", pr)
	mirror := filepath.Join(t.TempDir(), "mirror.git")
	run(t, dir, "clone", "-q", "--mirror", dir, mirror)
	bothBackends(t, func(t *testing.T, backend string) {
		fs, st := history(t, dir, backend, HistoryOptions{})
		if len(fs) != 0 || st.Commits != 1 {
			t.Fatalf("default refs: %v (%d commits), want none (1 commit)", where(fs), st.Commits)
		}
		fs, st = history(t, dir, backend, HistoryOptions{AllRefs: true})
		wantWhere(t, where(fs), pr[:7]+" pr.txt:1")
		if st.Commits != 2 {
			t.Fatalf("all refs: %d commits", st.Commits)
		}
		fs, _ = history(t, mirror, backend, HistoryOptions{})
		wantWhere(t, where(fs), pr[:7]+" pr.txt:1")
	})
}

// TestHistoryRefsToTreesAndBlobs: a ref that leads to a tree or a blob
// (git tag -a NAME <tree-or-blob>) holds content no commit reaches; a
// history scan reads it too.
func TestHistoryRefsToTreesAndBlobs(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "hello\n")
	commitAll(t, dir, "base")
	blob := gitHashObject(t, dir, "token = \""+key()+"\"\n")
	run(t, dir, "tag", "-a", "-m", "a blob", "blobtag", blob)
	write(t, dir, "sub/conf.env", "token = \""+key()+"\"\n")
	run(t, dir, "add", "sub")
	tree := run(t, dir, "write-tree")
	run(t, dir, "rm", "-q", "-r", "--cached", "sub")
	run(t, dir, "update-ref", "refs/tags/treeref", tree)
	bothBackends(t, func(t *testing.T, backend string) {
		fs, _ := history(t, dir, backend, HistoryOptions{})
		wantWhere(t, where(fs), "refs/tags/blobtag:1", "sub/conf.env:1")
	})
}

func gitHashObject(t *testing.T, dir, content string) string {
	t.Helper()
	cmd := gitCmd(dir, "hash-object", "-w", "--stdin")
	cmd.Stdin = strings.NewReader(content)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// TestHistoryTreeRefNoRepeat: a ref to a tree that commits hold already
// adds no second finding.
func TestHistoryTreeRefNoRepeat(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "token = \""+key()+"\"\n")
	c := commitAll(t, dir, "base")
	run(t, dir, "tag", "-a", "-m", "the tree", "treetag", c+"^{tree}")
	bothBackends(t, func(t *testing.T, backend string) {
		fs, _ := history(t, dir, backend, HistoryOptions{})
		wantWhere(t, where(fs), c[:7]+" a.txt:1")
	})
}
