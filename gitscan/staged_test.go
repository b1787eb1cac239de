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
	bothBackends(t, func(t *testing.T, be string) {
		dir := newRepo(t)
		write(t, dir, "config.txt", "a\nanthropic = \""+key()+"\"\n")
		run(t, dir, "add", ".")
		fs, _ := staged(t, dir, be)
		wantWhere(t, where(fs), "config.txt:2")
	})
}

func TestStagedOnlyAddedLines(t *testing.T) {
	bothBackends(t, func(t *testing.T, be string) {
		dir := newRepo(t)
		old := key()
		write(t, dir, "a.txt", "one\nk = \""+old+"\"\ntwo\n")
		commitAll(t, dir, "first")
		write(t, dir, "a.txt", "zero\none\nk = \""+old+"\"\ntwo\nnew = \""+key()+"\"\n")
		run(t, dir, "add", ".")
		fs, _ := staged(t, dir, be)
		wantWhere(t, where(fs), "a.txt:5")
	})
}

func TestStagedCRLF(t *testing.T) {
	bothBackends(t, func(t *testing.T, be string) {
		dir := newRepo(t)
		run(t, dir, "config", "core.autocrlf", "false")
		write(t, dir, "w.txt", "one\r\ntwo\r\n")
		commitAll(t, dir, "first")
		write(t, dir, "w.txt", "one\r\ntwo\r\nk = \""+key()+"\"\r\nthree\r\n")
		run(t, dir, "add", ".")
		fs, _ := staged(t, dir, be)
		wantWhere(t, where(fs), "w.txt:3")
		if c := fs[0].Secret.Reveal(); strings.ContainsAny(c, "\r\n") {
			t.Fatalf("secret holds a line ending")
		}
	})
}

func TestStagedOddPath(t *testing.T) {
	bothBackends(t, func(t *testing.T, be string) {
		dir := newRepo(t)
		name := "dir é/my file ü.txt"
		write(t, dir, name, "k = \""+key()+"\"\n")
		run(t, dir, "add", ".")
		fs, _ := staged(t, dir, be)
		wantWhere(t, where(fs), name+":1")
	})
}

func TestStagedSkips(t *testing.T) {
	bothBackends(t, func(t *testing.T, be string) {
		dir := newRepo(t)
		write(t, dir, "keep.txt", "x\n")
		head := commitAll(t, dir, "first")
		k := key()
		// A submodule (gitlink), a symlink whose target is key-like and an
		// intent-to-add file: none is scanned. A binary file's printable
		// text is.
		run(t, dir, "update-index", "--add", "--cacheinfo", "160000,"+head+",sub")
		if err := os.Symlink("k = \""+k+"\"", filepath.Join(dir, "link")); err != nil {
			t.Fatal(err)
		}
		write(t, dir, "bin.dat", "\x00\x01k = \""+k+"\"\n")
		run(t, dir, "add", "link", "bin.dat")
		write(t, dir, "later.txt", "k = \""+k+"\"\n")
		run(t, dir, "add", "-N", "later.txt")
		fs, st := staged(t, dir, be)
		wantWhere(t, where(fs), "bin.dat:3")
		if st.Skipped < 2 {
			t.Fatalf("skipped = %d, want >= 2 (submodule, link)", st.Skipped)
		}
	})
}

func TestStagedRenameDeleteMode(t *testing.T) {
	bothBackends(t, func(t *testing.T, be string) {
		dir := newRepo(t)
		write(t, dir, "a.txt", "k = \""+key()+"\"\n")
		write(t, dir, "b.txt", "k = \""+key()+"\"\n")
		write(t, dir, "c.sh", "k = \""+key()+"\"\n")
		commitAll(t, dir, "first")
		run(t, dir, "mv", "a.txt", "renamed.txt")
		run(t, dir, "rm", "-q", "b.txt")
		run(t, dir, "update-index", "--chmod=+x", "c.sh")
		fs, _ := staged(t, dir, be)
		wantWhere(t, where(fs))
	})
}

func TestStagedPartialStaging(t *testing.T) {
	bothBackends(t, func(t *testing.T, be string) {
		dir := newRepo(t)
		write(t, dir, "a.txt", "x\n")
		commitAll(t, dir, "first")
		// Staged, then removed from the work tree: the commit would hold it.
		write(t, dir, "a.txt", "x\nk = \""+key()+"\"\n")
		run(t, dir, "add", "a.txt")
		write(t, dir, "a.txt", "x\n")
		// Only in the work tree: not part of the commit.
		write(t, dir, "b.txt", "k = \""+key()+"\"\n")
		fs, _ := staged(t, dir, be)
		wantWhere(t, where(fs), "a.txt:2")
	})
}

func TestStagedMergeConflict(t *testing.T) {
	bothBackends(t, func(t *testing.T, be string) {
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
		fs, _ := staged(t, dir, be)
		wantWhere(t, where(fs), "a.txt:2")
	})
}

func TestStagedLinkedWorktreeAndSubdir(t *testing.T) {
	bothBackends(t, func(t *testing.T, be string) {
		dir := newRepo(t)
		write(t, dir, "sub/deep/a.txt", "x\n")
		commitAll(t, dir, "first")
		wt := filepath.Join(t.TempDir(), "wt")
		run(t, dir, "worktree", "add", "-q", "-b", "other", wt)
		write(t, wt, "sub/deep/b.txt", "k = \""+key()+"\"\n")
		run(t, wt, "add", ".")
		// From a subdirectory of the linked worktree (.git is a file there).
		fs, _ := staged(t, filepath.Join(wt, "sub", "deep"), be)
		wantWhere(t, where(fs), "sub/deep/b.txt:1")
		// The main work tree's index is untouched.
		fs, _ = staged(t, filepath.Join(dir, "sub"), be)
		wantWhere(t, where(fs))
	})
}

func TestStagedIndexFile(t *testing.T) {
	bothBackends(t, func(t *testing.T, be string) {
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
		fs, _, err := r.Staged(t.Context(), Options{Detector: detector(t), IndexFile: alt, Backend: be})
		if err != nil {
			t.Fatal(err)
		}
		wantWhere(t, where(fs), "a.txt:2")
		fs, _ = staged(t, dir, be) // the default index has nothing staged
		wantWhere(t, where(fs))
	})
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

// TestStagedBackendsAgree stages every kind of change at once, conflicts
// included, and wants the same findings and counts from both backends.
func TestStagedBackendsAgree(t *testing.T) {
	dir := newRepo(t)
	k := func() string { return "k = \"" + key() + "\"\n" }
	write(t, dir, "conflict.txt", "base\n")
	write(t, dir, "deleted-by-them.txt", "base\n")
	write(t, dir, "deleted-by-us.txt", "base\n")
	write(t, dir, "both-deleted.txt", "base\n")
	write(t, dir, "same.txt", "base\n")
	write(t, dir, "tolink.txt", k())
	write(t, dir, "moved.txt", k())
	write(t, dir, "mod.txt", "one\n"+k()+"two\n")
	if err := os.Symlink("mod.txt", filepath.Join(dir, "fromlink")); err != nil {
		t.Fatal(err)
	}
	commitAll(t, dir, "base")
	run(t, dir, "checkout", "-q", "-b", "side")
	write(t, dir, "conflict.txt", "side\n"+k())
	write(t, dir, "deleted-by-us.txt", "base\nside "+k())
	run(t, dir, "rm", "-q", "deleted-by-them.txt")
	run(t, dir, "mv", "both-deleted.txt", "side-name.txt")
	write(t, dir, "same.txt", "base\nsame "+k())
	commitAll(t, dir, "side")
	run(t, dir, "checkout", "-q", "main")
	write(t, dir, "conflict.txt", "main\n")
	write(t, dir, "deleted-by-them.txt", "base\nmain "+k())
	run(t, dir, "rm", "-q", "deleted-by-us.txt")
	run(t, dir, "mv", "both-deleted.txt", "main-name.txt")
	write(t, dir, "same.txt", "base\nsame "+k())
	commitAll(t, dir, "main")
	runOK(t, dir, "merge", "-q", "side")
	run(t, dir, "pack-refs", "--all") // HEAD's branch only in packed-refs
	// Every other kind of staged change.
	os.Remove(filepath.Join(dir, "tolink.txt"))
	if err := os.Symlink("mod.txt", filepath.Join(dir, "tolink.txt")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "fromlink"))
	write(t, dir, "fromlink", "x\n"+k())
	b, _ := os.ReadFile(filepath.Join(dir, "moved.txt"))
	write(t, dir, "copy of moved.txt", string(b))
	write(t, dir, "mod.txt", "zero\none\n"+k()+"two\r\n"+k())
	write(t, dir, "empty.txt", "")
	write(t, dir, "big.txt", strings.Repeat("x", 5000)+"\n"+k())
	write(t, dir, "bin.dat", "\x00"+k())
	write(t, dir, "ünï cödé/tab\tname.txt", k())
	if err := os.WriteFile(filepath.Join(dir, "run.sh"), []byte(k()), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "add", "tolink.txt", "fromlink", "copy of moved.txt", "mod.txt", "empty.txt", "big.txt", "bin.dat", "ünï cödé", "run.sh")
	write(t, dir, "ita.txt", k())
	run(t, dir, "add", "-N", "ita.txt")
	run(t, dir, "update-index", "--add", "--cacheinfo", "160000,"+run(t, dir, "rev-parse", "HEAD")+",sub")
	if !strings.Contains(run(t, dir, "ls-files", "-u"), "conflict.txt") {
		t.Fatal("expected conflicts")
	}

	type result struct {
		where []string
		rules []string
		st    Stats
	}
	res := map[string]result{}
	for _, be := range hookBackends {
		fs, st, err := open(t, dir).Staged(t.Context(), Options{Detector: detector(t), Backend: be, MaxSize: 4096})
		if err != nil {
			t.Fatalf("%s: %v", be, err)
		}
		var rs []string
		for _, f := range fs {
			rs = append(rs, f.RuleID+" "+f.Secret.Reveal())
		}
		st.Backend = ""
		res[be] = result{where(fs), rs, st}
	}
	g, gg := res["git"], res["go-git"]
	if !reflect.DeepEqual(g, gg) {
		t.Fatalf("backends differ:\ngit:    %+v\ngo-git: %+v", g, gg)
	}
	// deleted-by-us.txt and same.txt: their version (stage 3); the
	// copy is new content at a new path, unlike a rename.
	wantWhere(t, gg.where,
		"bin.dat:2", "conflict.txt:2", "copy of moved.txt:1", "deleted-by-us.txt:2", "fromlink:2", "mod.txt:3", "mod.txt:5",
		"run.sh:1", "same.txt:2", "ünï cödé/tab\tname.txt:1")
	// tolink.txt, sub; big.txt (bin.dat's printable text is scanned).
	if gg.st.Skipped != 3 || len(gg.st.Unscanned) != 1 || gg.st.Unscanned[0].Path != "big.txt" {
		t.Fatalf("skipped = %d, unscanned %v; want 3, big.txt", gg.st.Skipped, gg.st.Unscanned)
	}
}

func TestStagedHeadStates(t *testing.T) {
	bothBackends(t, func(t *testing.T, be string) {
		dir := newRepo(t)
		first := "k = \"" + key() + "\"\n"
		write(t, dir, "a.txt", first)
		commitAll(t, dir, "first")
		write(t, dir, "a.txt", first+"k = \""+key()+"\"\n")
		run(t, dir, "add", "a.txt")
		// Branch in packed-refs only.
		run(t, dir, "pack-refs", "--all")
		fs, _ := staged(t, dir, be)
		wantWhere(t, where(fs), "a.txt:2")
		// Detached HEAD.
		run(t, dir, "checkout", "-q", "--detach")
		fs, _ = staged(t, dir, be)
		wantWhere(t, where(fs), "a.txt:2")
		// An orphan branch: everything in the index is new.
		run(t, dir, "checkout", "-q", "--orphan", "fresh")
		fs, _ = staged(t, dir, be)
		wantWhere(t, where(fs), "a.txt:1", "a.txt:2")
		run(t, dir, "rm", "-q", "--cached", "a.txt")
		fs, _ = staged(t, dir, be)
		wantWhere(t, where(fs))
	})
}

func TestStagedErrors(t *testing.T) {
	bothBackends(t, func(t *testing.T, be string) {
		dir := newRepo(t)
		_, _, err := open(t, dir).Staged(t.Context(), Options{Detector: detector(t), Backend: be, IndexFile: filepath.Join(dir, "no-such-index")})
		if err == nil || !strings.Contains(err.Error(), "reading the index") {
			t.Fatalf("err = %v", err)
		}
	})
	dir := newRepo(t)
	if _, _, err := open(t, dir).Staged(t.Context(), Options{Detector: detector(t), Backend: "svn"}); err == nil {
		t.Fatal("unknown backend: no error")
	}
}

func TestStagedDefaultBackend(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "k = \""+key()+"\"\n")
	run(t, dir, "add", ".")
	// A small repository: go-git starts faster.
	if _, st, _ := open(t, dir).Staged(t.Context(), Options{Detector: detector(t)}); st.Backend != "go-git" {
		t.Fatalf("small repository: backend = %q, want go-git", st.Backend)
	}
	// A large one (the heuristic says so): git.
	r := open(t, dir)
	r.goGitFaster = func() bool { return false }
	fs, st, err := r.Staged(t.Context(), Options{Detector: detector(t)})
	if err != nil {
		t.Fatal(err)
	}
	wantWhere(t, where(fs), "a.txt:1")
	if st.Backend != "git" {
		t.Fatalf("backend = %q, want git", st.Backend)
	}
	if r.r != nil {
		t.Fatal("the git path opened the repository with go-git")
	}
	// A partial clone: git could fetch, go-git reads.
	run(t, dir, "config", "remote.origin.promisor", "true")
	if _, st, _ = open(t, dir).Staged(t.Context(), Options{Detector: detector(t)}); st.Backend != "go-git" {
		t.Fatalf("partial clone: backend = %q, want go-git", st.Backend)
	}
	run(t, dir, "config", "--unset", "remote.origin.promisor")
	// No git on PATH: go-git.
	t.Setenv("PATH", t.TempDir())
	fs, st, err = open(t, dir).Staged(t.Context(), Options{Detector: detector(t)})
	if err != nil {
		t.Fatal(err)
	}
	wantWhere(t, where(fs), "a.txt:1")
	if st.Backend != "go-git" {
		t.Fatalf("backend = %q, want go-git", st.Backend)
	}
	if _, _, err := open(t, dir).Staged(t.Context(), Options{Detector: detector(t), Backend: "git"}); err == nil {
		t.Fatal("forced git without git: no error")
	}
}
