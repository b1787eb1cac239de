package gitscan

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rawLines formats diff entries one per line, sorted, as git's --raw
// output reads.
func rawLines(es []rawEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf(":%06o %06o %s %s %c\t%s", uint32(e.oldMode), uint32(e.newMode), e.old, e.new, e.status, e.path))
	}
	slices.Sort(out)
	return out
}

// gitDiffIndex is what git diff-index says the index (file; "" the
// repository's own) changes.
func gitDiffIndex(t *testing.T, dir, file string) []string {
	t.Helper()
	base := "HEAD"
	if gitCmd(dir, "rev-parse", "-q", "--verify", "HEAD").Run() != nil {
		base = emptyTree
	}
	c := gitCmd(dir, "diff-index", "--cached", "-z", "--raw", "--no-renames", "--no-abbrev", "--ignore-submodules=none", base, "--")
	if file != "" {
		c.Env = append(c.Env, "GIT_INDEX_FILE="+file)
	}
	out, err := c.Output()
	if err != nil {
		t.Fatalf("diff-index: %v", err)
	}
	es, err := parseRaw(out)
	if err != nil {
		t.Fatal(err)
	}
	return rawLines(es)
}

// inProcessDiff is diffIndex on dir's index (or file), and the objects it
// read.
func inProcessDiff(t *testing.T, dir, file string) ([]string, int, error) {
	t.Helper()
	r := open(t, dir)
	head, state := r.readHead()
	if state == headUnknown {
		t.Fatal("HEAD unknown")
	}
	if file == "" {
		file = filepath.Join(r.gitDir, "index")
	}
	objs := newObjectDir(r.commonDir())
	defer objs.close()
	es, err := readIndexDiff(file, head, objs)
	return rawLines(es), objs.reads, err
}

// sameAsGit fails unless diffIndex reads dir's index and finds what git
// finds.
func sameAsGit(t *testing.T, dir, file string) []string {
	t.Helper()
	got, _, err := inProcessDiff(t, dir, file)
	if err != nil {
		t.Fatalf("not read in-process: %v", err)
	}
	want := gitDiffIndex(t, dir, file)
	if !slices.Equal(got, want) {
		t.Fatalf("in-process:\n%s\ngit diff-index:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	return got
}

// TestDiffIndexMatchesGit: the index's changes, read in-process, are git
// diff-index's, change by change.
func TestDiffIndexMatchesGit(t *testing.T) {
	dir := newRepo(t)
	// Before the first commit: everything is added.
	write(t, dir, "a.txt", "a\n")
	write(t, dir, "d/e/f.txt", "f\n")
	run(t, dir, "add", ".")
	if got := sameAsGit(t, dir, ""); len(got) != 2 {
		t.Fatalf("unborn: %d entries, want 2", len(got))
	}
	// Names that sort around a directory's slash.
	for _, p := range []string{"a.b", "a-b", "a0", "a/b", "a/c/d", "ab/x", "b", "d/e.x", "d/e/g.txt", "z/z/z/z/z"} {
		write(t, dir, p+"_", p+"\n")
		write(t, dir, p, p+"\n")
	}
	run(t, dir, "add", ".")
	sameAsGit(t, dir, "")
	commitAll(t, dir, "first")
	if got := sameAsGit(t, dir, ""); len(got) != 0 {
		t.Fatalf("after the commit: %v", got)
	}

	steps := []struct {
		name string
		do   func()
	}{
		{"modified", func() { write(t, dir, "a/c/d", "changed\n") }},
		{"added deep", func() { write(t, dir, "n/e/w/file.txt", "new\n") }},
		{"deleted", func() { os.Remove(filepath.Join(dir, "a.b")) }},
		{"directory deleted", func() { os.RemoveAll(filepath.Join(dir, "z")) }},
		{"executable", func() { os.Chmod(filepath.Join(dir, "a0"), 0o755) }},
		{"symbolic link", func() { os.Symlink("a0", filepath.Join(dir, "link")) }},
		{"file to link", func() { os.Remove(filepath.Join(dir, "b")); os.Symlink("a0", filepath.Join(dir, "b")) }},
		{"file to directory", func() { os.Remove(filepath.Join(dir, "a-b")); write(t, dir, "a-b/inner", "x\n") }},
		{"directory to file", func() { os.RemoveAll(filepath.Join(dir, "ab")); write(t, dir, "ab", "now a file\n") }},
		{"moved", func() { os.Rename(filepath.Join(dir, "a.txt"), filepath.Join(dir, "moved.txt")) }},
	}
	for _, s := range steps {
		s.do()
		run(t, dir, "add", "-A")
		sameAsGit(t, dir, "")
		if s.name == "modified" {
			// The cache tree (git write-tree) valid again: the same.
			run(t, dir, "write-tree")
			sameAsGit(t, dir, "")
		}
	}
	// A submodule's commit in the index, in place of a file and as new.
	head := run(t, dir, "rev-parse", "HEAD")
	run(t, dir, "update-index", "--add", "--cacheinfo", "160000,"+head+",sub")
	run(t, dir, "rm", "-q", "--cached", "a0_")
	run(t, dir, "update-index", "--add", "--cacheinfo", "160000,"+head+",a0_")
	sameAsGit(t, dir, "")
	commitAll(t, dir, "second")
	sameAsGit(t, dir, "")
	// Packed objects, and another index file.
	run(t, dir, "gc", "-q")
	write(t, dir, "d/e/f.txt", "f2\n")
	alt := filepath.Join(t.TempDir(), "index")
	c := gitCmd(dir, "add", "-A")
	c.Env = append(c.Env, "GIT_INDEX_FILE="+alt)
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	sameAsGit(t, dir, alt)
	sameAsGit(t, dir, "")
	// A sparse checkout (without a sparse index): entries marked
	// skip-worktree, an index of version 3.
	run(t, dir, "sparse-checkout", "set", "--no-cone", "/d/")
	write(t, dir, "d/e/f.txt", "f3\n")
	run(t, dir, "add", "--sparse", "d/e/f.txt")
	if v := run(t, dir, "ls-files", "-t", "a0"); !strings.HasPrefix(v, "S ") {
		t.Fatalf("a0 is not skip-worktree: %q", v)
	}
	sameAsGit(t, dir, "")
	run(t, dir, "sparse-checkout", "disable")
	// Nothing staged at all: an empty index against HEAD.
	run(t, dir, "rm", "-r", "-q", "--cached", ".")
	sameAsGit(t, dir, "")
}

// TestDiffIndexUsesCacheTree: a change in one directory of many reads
// the trees on its path only, as git does.
func TestDiffIndexUsesCacheTree(t *testing.T) {
	dir := newRepo(t)
	for d := range 40 {
		for f := range 3 {
			write(t, dir, fmt.Sprintf("dir%02d/sub/f%d.txt", d, f), "x\n")
		}
	}
	commitAll(t, dir, "first")
	write(t, dir, "dir17/sub/f1.txt", "changed\n")
	// (git add . would re-add the files written in the same second as
	// the index, and invalidate their directories too.)
	run(t, dir, "add", "dir17/sub/f1.txt")
	sameAsGit(t, dir, "")
	_, reads, _ := inProcessDiff(t, dir, "")
	// The commit, the root tree, dir17's and dir17/sub's.
	if reads != 4 {
		t.Fatalf("%d objects read, want 4 (the cache tree skips the other 39 directories)", reads)
	}
	// Without the cache tree every tree is read, and the answer is the
	// same.
	setCacheTree(t, dir, nil, nil)
	sameAsGit(t, dir, "")
	if _, reads, _ = inProcessDiff(t, dir, ""); reads < 80 {
		t.Fatalf("%d objects read without a cache tree", reads)
	}
	// Past the bound on trees, git reads it.
	defer func(n int) { maxIndexTrees = n }(maxIndexTrees)
	maxIndexTrees = 40
	if _, _, err := inProcessDiff(t, dir, ""); !errors.Is(err, errIndexUnsupported) {
		t.Fatalf("81 trees read under a bound of 40 (err %v)", err)
	}
}

// TestDiffIndexLeavesToGit: what diffIndex does not read, git does.
func TestDiffIndexLeavesToGit(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{"conflict", func(t *testing.T, dir string) {
			run(t, dir, "checkout", "-q", "-b", "other")
			write(t, dir, "a.txt", "other\n")
			commitAll(t, dir, "other")
			run(t, dir, "checkout", "-q", "main")
			write(t, dir, "a.txt", "main\n")
			commitAll(t, dir, "main")
			runOK(t, dir, "merge", "-q", "other")
		}},
		{"one stage of a conflict", func(t *testing.T, dir string) {
			// As "added by us" leaves it: stage 2 alone.
			blob := run(t, dir, "rev-parse", "HEAD:a.txt")
			c := gitCmd(dir, "update-index", "--index-info")
			c.Stdin = strings.NewReader("100644 " + blob + " 2\tours.txt\n")
			if out, err := c.CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
		}},
		{"intent to add", func(t *testing.T, dir string) {
			write(t, dir, "later.txt", "x\n")
			run(t, dir, "add", "-N", "later.txt")
		}},
		{"index version 4", func(t *testing.T, dir string) {
			write(t, dir, "b.txt", "x\n")
			run(t, dir, "add", ".")
			run(t, dir, "update-index", "--index-version", "4")
		}},
		{"split index", func(t *testing.T, dir string) {
			write(t, dir, "b.txt", "x\n")
			run(t, dir, "add", ".")
			run(t, dir, "update-index", "--split-index")
		}},
		{"sparse index", func(t *testing.T, dir string) {
			write(t, dir, "in/x.txt", "x\n")
			write(t, dir, "out/y.txt", "y\n")
			commitAll(t, dir, "dirs")
			run(t, dir, "sparse-checkout", "set", "--cone", "--sparse-index", "in")
			write(t, dir, "in/x.txt", "x2\n")
			run(t, dir, "add", "in/x.txt")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := newRepo(t)
			write(t, dir, "a.txt", "a\n")
			commitAll(t, dir, "first")
			tc.setup(t, dir)
			if _, _, err := inProcessDiff(t, dir, ""); !errors.Is(err, errIndexUnsupported) {
				t.Fatalf("read in-process (err %v); git should read it", err)
			}
			// The scan asks git, once.
			r := open(t, dir)
			if _, _, err := r.Staged(context.Background(), Options{Detector: detector(t), Backend: "git"}); err != nil {
				t.Fatal(err)
			}
			if n := r.diffIndexes.Load(); n != 1 {
				t.Fatalf("%d diff-index processes, want 1", n)
			}
		})
	}
}

// TestDiffIndexRandom compares diffIndex with git over random changes:
// files added, changed, removed, made executable or links, directories
// turned into files and back, commits, packs and a valid cache tree.
func TestDiffIndexRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2026))
	dir := newRepo(t)
	names := []string{"a", "a.b", "a-b", "a0", "b", "c.txt"}
	randPath := func() string {
		var parts []string
		for range 1 + rng.IntN(3) {
			parts = append(parts, names[rng.IntN(len(names))])
		}
		return strings.Join(parts, "/")
	}
	var files []string
	listFiles := func() {
		files = files[:0]
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if d != nil && d.IsDir() && d.Name() == ".git" {
				return filepath.SkipDir
			}
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
	}
	for step := range 70 {
		listFiles()
		p := randPath()
		switch op := rng.IntN(10); {
		case op < 4 || len(files) == 0:
			// A new or changed file; a file or directory in the way goes.
			full := filepath.Join(dir, filepath.FromSlash(p))
			for q := filepath.Dir(full); q != dir; q = filepath.Dir(q) {
				if fi, err := os.Lstat(q); err == nil && !fi.IsDir() {
					os.Remove(q)
				}
			}
			os.RemoveAll(full)
			write(t, dir, p, fmt.Sprintf("step %d\n", step))
		case op < 6:
			os.Remove(filepath.Join(dir, files[rng.IntN(len(files))]))
		case op < 7:
			os.Chmod(filepath.Join(dir, files[rng.IntN(len(files))]), 0o755)
		case op < 8:
			f := filepath.Join(dir, files[rng.IntN(len(files))])
			os.Remove(f)
			os.Symlink("target", f)
		case op < 9:
			commitAll(t, dir, fmt.Sprintf("step %d", step))
			if rng.IntN(3) == 0 {
				run(t, dir, "gc", "-q")
			}
		default:
			run(t, dir, "add", "-A")
			run(t, dir, "write-tree") // the cache tree made valid
		}
		run(t, dir, "add", "-A")
		sameAsGit(t, dir, "")
	}
}

// TestDiffIndexDamage: a damaged index is read as git reads it, or left
// to git; it never panics and never crashes the process, even when the
// file is cut short under the mapping.
func TestDiffIndexDamage(t *testing.T) {
	dir := newRepo(t)
	for i := range 30 {
		write(t, dir, fmt.Sprintf("d%d/f%d.txt", i%4, i), "x\n")
	}
	commitAll(t, dir, "first")
	write(t, dir, "d1/f1.txt", "changed\n")
	write(t, dir, "new.txt", "new\n")
	run(t, dir, "add", ".")
	good, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	r := open(t, dir)
	head, _ := r.readHead()
	file := filepath.Join(t.TempDir(), "index")
	rng := rand.New(rand.NewPCG(1, 2))
	read := 0
	for i := range 150 {
		b := slices.Clone(good)
		switch i % 3 {
		case 0:
			b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		case 1:
			b = b[:rng.IntN(len(b))]
		default:
			b[ixHeader+rng.IntN(len(b)-ixHeader)] = 0xff
		}
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		objs := newObjectDir(r.commonDir())
		es, err := readIndexDiff(file, head, objs)
		objs.close()
		if err == nil {
			read++
			// Read: git must read the same file, and read it the same.
			want := gitDiffIndexOK(dir, file)
			if want == nil {
				t.Fatalf("mutation %d read in-process; git refuses it", i)
			}
			if !slices.Equal(rawLines(es), want) {
				t.Fatalf("mutation %d read differently from git:\n%s\ngit:\n%s", i, strings.Join(rawLines(es), "\n"), strings.Join(want, "\n"))
			}
		}
	}
	if read == 0 || read == 150 {
		t.Fatalf("%d of 150 damaged indexes read in-process", read)
	}

	// Cut short once mapped: the fault is recovered, git reads it.
	if err := os.WriteFile(file, good, 0o644); err != nil {
		t.Fatal(err)
	}
	afterMap = func() { os.Truncate(file, 0) }
	defer func() { afterMap = nil }()
	objs := newObjectDir(r.commonDir())
	defer objs.close()
	if _, err := readIndexDiff(file, head, objs); !errors.Is(err, errIndexUnsupported) {
		t.Fatalf("truncated under the mapping: err %v", err)
	}
}

// gitDiffIndexOK is gitDiffIndex, nil when git refuses the index.
func gitDiffIndexOK(dir, file string) []string {
	c := gitCmd(dir, "diff-index", "--cached", "-z", "--raw", "--no-renames", "--no-abbrev", "--ignore-submodules=none", "HEAD", "--")
	c.Env = append(c.Env, "GIT_INDEX_FILE="+file)
	out, err := c.Output()
	if err != nil {
		return nil
	}
	es, err := parseRaw(out)
	if err != nil {
		return nil
	}
	return rawLines(es)
}
