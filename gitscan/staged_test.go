package gitscan

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func wantWhere(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("findings = %q, want %q", got, want)
	}
}

func TestStagedFirstCommit(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "config.txt", "a\nanthropic = \""+key()+"\"\n")
	run(t, dir, "add", ".")
	fs, _ := staged(t, dir)
	wantWhere(t, where(fs), "config.txt:2")
}

func TestStagedOnlyAddedLines(t *testing.T) {
	dir := newRepo(t)
	old := key()
	write(t, dir, "a.txt", "one\nk = \""+old+"\"\ntwo\n")
	commitAll(t, dir, "first")
	write(t, dir, "a.txt", "zero\none\nk = \""+old+"\"\ntwo\nnew = \""+key()+"\"\n")
	run(t, dir, "add", ".")
	fs, _ := staged(t, dir)
	wantWhere(t, where(fs), "a.txt:5")
}

func TestStagedCRLF(t *testing.T) {
	dir := newRepo(t)
	run(t, dir, "config", "core.autocrlf", "false")
	write(t, dir, "w.txt", "one\r\ntwo\r\n")
	commitAll(t, dir, "first")
	write(t, dir, "w.txt", "one\r\ntwo\r\nk = \""+key()+"\"\r\nthree\r\n")
	run(t, dir, "add", ".")
	fs, _ := staged(t, dir)
	wantWhere(t, where(fs), "w.txt:3")
	if c := fs[0].Secret.Reveal(); strings.ContainsAny(c, "\r\n") {
		t.Fatalf("secret holds a line ending")
	}
}

func TestStagedOddPath(t *testing.T) {
	dir := newRepo(t)
	name := "dir é/my file ü.txt"
	write(t, dir, name, "k = \""+key()+"\"\n")
	run(t, dir, "add", ".")
	fs, _ := staged(t, dir)
	wantWhere(t, where(fs), name+":1")
}

func TestStagedSkips(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "keep.txt", "x\n")
	head := commitAll(t, dir, "first")
	k := key()
	// A submodule (gitlink), a symlink whose target is key-like, a binary
	// file and an intent-to-add file: none is scanned.
	run(t, dir, "update-index", "--add", "--cacheinfo", "160000,"+head+",sub")
	if err := os.Symlink("k = \""+k+"\"", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "bin.dat", "\x00\x01k = \""+k+"\"\n")
	run(t, dir, "add", "link", "bin.dat")
	write(t, dir, "later.txt", "k = \""+k+"\"\n")
	run(t, dir, "add", "-N", "later.txt")
	fs, st := staged(t, dir)
	wantWhere(t, where(fs))
	if st.Skipped < 3 {
		t.Fatalf("skipped = %d, want >= 3 (submodule, link, binary)", st.Skipped)
	}
}

func TestStagedRenameDeleteMode(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "k = \""+key()+"\"\n")
	write(t, dir, "b.txt", "k = \""+key()+"\"\n")
	write(t, dir, "c.sh", "k = \""+key()+"\"\n")
	commitAll(t, dir, "first")
	run(t, dir, "mv", "a.txt", "renamed.txt")
	run(t, dir, "rm", "-q", "b.txt")
	run(t, dir, "update-index", "--chmod=+x", "c.sh")
	fs, _ := staged(t, dir)
	wantWhere(t, where(fs))
}

func TestStagedPartialStaging(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "x\n")
	commitAll(t, dir, "first")
	// Staged, then removed from the work tree: the commit would hold it.
	write(t, dir, "a.txt", "x\nk = \""+key()+"\"\n")
	run(t, dir, "add", "a.txt")
	write(t, dir, "a.txt", "x\n")
	// Only in the work tree: not part of the commit.
	write(t, dir, "b.txt", "k = \""+key()+"\"\n")
	fs, _ := staged(t, dir)
	wantWhere(t, where(fs), "a.txt:2")
}

func TestStagedMergeConflict(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "base\n")
	commitAll(t, dir, "base")
	run(t, dir, "checkout", "-q", "-b", "side")
	write(t, dir, "a.txt", "side\nk = \""+key()+"\"\n")
	commitAll(t, dir, "side")
	run(t, dir, "checkout", "-q", "main")
	write(t, dir, "a.txt", "main\n")
	commitAll(t, dir, "main")
	runOK(t, dir, "merge", "-q", "side")
	if !strings.Contains(run(t, dir, "ls-files", "-u"), "a.txt") {
		t.Fatal("expected a conflict")
	}
	fs, _ := staged(t, dir)
	wantWhere(t, where(fs), "a.txt:2")
}

func TestStagedLinkedWorktreeAndSubdir(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "sub/deep/a.txt", "x\n")
	commitAll(t, dir, "first")
	wt := filepath.Join(t.TempDir(), "wt")
	run(t, dir, "worktree", "add", "-q", "-b", "other", wt)
	write(t, wt, "sub/deep/b.txt", "k = \""+key()+"\"\n")
	run(t, wt, "add", ".")
	// From a subdirectory of the linked worktree (.git is a file there).
	fs, _ := staged(t, filepath.Join(wt, "sub", "deep"))
	wantWhere(t, where(fs), "sub/deep/b.txt:1")
	// The main work tree's index is untouched.
	fs, _ = staged(t, filepath.Join(dir, "sub"))
	wantWhere(t, where(fs))
}

func TestStagedIndexFile(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "x\n")
	commitAll(t, dir, "first")
	write(t, dir, "a.txt", "x\nk = \""+key()+"\"\n")
	alt := filepath.Join(t.TempDir(), "index")
	cmd := []string{"update-index", "--add", "a.txt"}
	run(t, dir, "read-tree", "--index-output="+alt, "HEAD")
	c := gitCmd(dir, cmd...)
	c.Env = append(c.Env, "GIT_INDEX_FILE="+alt)
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	r := open(t, dir)
	fs, _, err := r.Staged(t.Context(), Options{Detector: detector(t), IndexFile: alt})
	if err != nil {
		t.Fatal(err)
	}
	wantWhere(t, where(fs), "a.txt:2")
	fs, _ = staged(t, dir) // the default index has nothing staged
	wantWhere(t, where(fs))
}

func TestNotARepository(t *testing.T) {
	_, err := Open(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "not a git repository") {
		t.Fatalf("err = %v", err)
	}
}

func TestAddedLines(t *testing.T) {
	cases := []struct {
		a, b string
		want []int
	}{
		{"", "a\nb\n", []int{1, 2}},
		{"a\nb\n", "a\nb\n", nil},
		{"a\nb\nc\n", "a\nx\nb\nc\ny", []int{2, 5}},
		{"a\nb\n", "b\na\n", []int{2}},
	}
	for _, c := range cases {
		got := addedLines([]byte(c.a), []byte(c.b))
		var lines []int
		for i := 1; i <= 10; i++ {
			if got[i] {
				lines = append(lines, i)
			}
		}
		if !reflect.DeepEqual(lines, c.want) {
			t.Errorf("addedLines(%q, %q) = %v, want %v", c.a, c.b, lines, c.want)
		}
	}
	// Large inputs stay fast (anchored, not quadratic): 200k lines with
	// one insertion in the middle.
	var a, b strings.Builder
	for i := 0; i < 200000; i++ {
		line := "line " + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "\n"
		if i%1000 == 0 {
			line = "unique " + itoaTest(i) + "\n"
		}
		a.WriteString(line)
		if i == 100000 {
			b.WriteString("inserted\n")
		}
		b.WriteString(line)
	}
	got := addedLines([]byte(a.String()), []byte(b.String()))
	if len(got) != 1 || !got[100001] {
		t.Fatalf("large diff: %d added lines", len(got))
	}
}
