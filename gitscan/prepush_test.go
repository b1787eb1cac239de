package gitscan

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

const zero = "0000000000000000000000000000000000000000"

// prePush scans a push through each backend, and through git with its
// walks made early (StartPrePush): all must read it, and find the same.
func prePush(t *testing.T, dir, input string) []string {
	t.Helper()
	ups, err := ParsePushUpdates(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	var stats []Stats
	for _, be := range []string{"go-git", "git", "git, early"} {
		o := Options{Detector: detector(t), Backend: strings.TrimSuffix(be, ", early")}
		r := open(t, dir)
		var walked int32
		if be == "git, early" {
			e := StartPrePush(t.Context(), dir, []byte(input), env(map[string]string{"LEAKGUARD_GIT_BACKEND": "git"}))
			if e == nil {
				t.Fatal("StartPrePush started nothing")
			}
			r, o.earlyPush = e.take(dir, "git")
			t.Cleanup(func() { r.Close() })
			walked = r.logs.Load()
		}
		fs, st, err := r.PrePush(context.Background(), o, ups)
		if err != nil {
			t.Fatalf("%s: %v", be, err)
		}
		if st.Backend != o.Backend {
			t.Fatalf("the push was read through %q, want %q", st.Backend, o.Backend)
		}
		if o.earlyPush != nil && (r.logs.Load() != walked || len(o.earlyPush.walks) != 0) {
			t.Fatalf("%d walks made early, %d more made by the scan; %d early walks unused",
				walked, r.logs.Load()-walked, len(o.earlyPush.walks))
		}
		got, stats = append(got, where(fs)), append(stats, st)
	}
	for i := 1; i < len(got); i++ {
		if !slices.Equal(got[0], got[i]) {
			t.Fatalf("go-git found %v, git (%d) %v", got[0], i, got[i])
		}
		stats[i].Backend = ""
		if stats[0].Backend = ""; !reflect.DeepEqual(stats[0], stats[i]) {
			t.Fatalf("go-git's stats %+v, git's (%d) %+v", stats[0], i, stats[i])
		}
	}
	return got[1]
}

func TestPrePush(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "old = \""+key()+"\"\n")
	base := commitAll(t, dir, "base")
	run(t, dir, "update-ref", "refs/remotes/origin/main", base)
	write(t, dir, "a.txt", "old line kept\n")
	write(t, dir, "b.txt", "x\nnew = \""+key()+"\"\n")
	c1 := commitAll(t, dir, "add b")
	run(t, dir, "commit", "-q", "--allow-empty", "-m", "msg "+key())
	c2 := run(t, dir, "rev-parse", "HEAD")

	// An update of main: base..c2.
	got := prePush(t, dir, "refs/heads/main "+c2+" refs/heads/main "+base+"\n")
	wantWhere(t, got, c1[:7]+" b.txt:2", c2[:7]+" :1")
	// A new branch: what no remote-tracking ref has.
	got = prePush(t, dir, "refs/heads/topic "+c1+" refs/heads/topic "+zero+"\n")
	wantWhere(t, got, c1[:7]+" b.txt:2")
	// One commit to two new refs: walked once.
	got = prePush(t, dir, "refs/heads/a "+c1+" refs/heads/a "+zero+"\nrefs/heads/b "+c1+" refs/heads/b "+zero+"\n")
	wantWhere(t, got, c1[:7]+" b.txt:2")
	// A deletion sends nothing.
	got = prePush(t, dir, "(delete) "+zero+" refs/heads/old "+base+"\n")
	wantWhere(t, got)
	// Nothing new.
	got = prePush(t, dir, "refs/heads/main "+base+" refs/heads/main "+base+"\n")
	wantWhere(t, got)
	if _, err := ParsePushUpdates(strings.NewReader("garbage\n")); err == nil {
		t.Fatal("bad input accepted")
	}
}

// TestPrePushTags: an annotated tag is peeled to what it tags (a commit,
// a tree, a blob), its message is scanned, and a pushed object that
// cannot be read is an error, never an empty push.
func TestPrePushTags(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "hello\n")
	base := commitAll(t, dir, "base")
	run(t, dir, "update-ref", "refs/remotes/origin/main", base)
	write(t, dir, "config.env", "token = \""+key()+"\"\n")
	c1 := commitAll(t, dir, "add config")
	run(t, dir, "tag", "-a", "-m", "release", "v1", c1)
	run(t, dir, "tag", "-a", "-m", "outer", "outer", "v1")
	tree := run(t, dir, "rev-parse", "HEAD^{tree}")
	run(t, dir, "tag", "-a", "-m", "a tree", "treetag", tree)
	blob := run(t, dir, "rev-parse", "HEAD:config.env")
	run(t, dir, "tag", "-a", "-m", "a blob", "blobtag", blob)
	run(t, dir, "tag", "-a", "-m", "notes "+key(), "msgtag", base)
	run(t, dir, "reset", "-q", "--hard", base)
	sha := func(ref string) string { return run(t, dir, "rev-parse", ref) }

	got := prePush(t, dir, "refs/tags/v1 "+sha("v1")+" refs/tags/v1 "+zero+"\n")
	wantWhere(t, got, c1[:7]+" config.env:1")
	got = prePush(t, dir, "refs/tags/outer "+sha("outer")+" refs/tags/outer "+zero+"\n")
	wantWhere(t, got, c1[:7]+" config.env:1")
	got = prePush(t, dir, "refs/tags/treetag "+sha("treetag")+" refs/tags/treetag "+zero+"\n")
	wantWhere(t, got, "config.env:1")
	got = prePush(t, dir, "refs/tags/blobtag "+sha("blobtag")+" refs/tags/blobtag "+zero+"\n")
	wantWhere(t, got, "refs/tags/blobtag:1")
	got = prePush(t, dir, "refs/tags/msgtag "+sha("msgtag")+" refs/tags/msgtag "+zero+"\n")
	wantWhere(t, got, base[:7]+" refs/tags/msgtag:1")

	ups, _ := ParsePushUpdates(strings.NewReader("refs/tags/x 1111111111111111111111111111111111111111 refs/tags/x " + zero + "\n"))
	for _, be := range []string{"go-git", "git", ""} {
		_, _, err := open(t, dir).PrePush(context.Background(), Options{Detector: detector(t), Backend: be}, ups)
		var oe *ObjectError
		if !errors.As(err, &oe) || oe.Corrupt {
			t.Fatalf("%q: missing pushed object: err = %v, want a missing *ObjectError", be, err)
		}
	}
}

// TestFrameworkUpdates: the pre-commit framework's description of a push.
// Without a range (the pushed commits begin with a root commit) the local
// ref is pushed as a new ref; an annotated tag stays a tag (its message is
// scanned); what cannot be resolved is ErrNoPushRange.
func TestFrameworkUpdates(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "k = \""+key()+"\"\n")
	root := commitAll(t, dir, "root")
	run(t, dir, "tag", "-a", "-m", "release "+key(), "v1", root)
	write(t, dir, "b.txt", "k = \""+key()+"\"\n")
	c1 := commitAll(t, dir, "second")
	r := open(t, dir)
	push := func(p FrameworkPush) []string {
		t.Helper()
		ups, err := r.FrameworkUpdates(p)
		if err != nil {
			t.Fatal(err)
		}
		fs, _, err := r.PrePush(context.Background(), Options{Detector: detector(t)}, ups)
		if err != nil {
			t.Fatal(err)
		}
		return where(fs)
	}
	// A new repository's first push: no From/To, only the local ref.
	wantWhere(t, push(FrameworkPush{LocalRef: "refs/heads/main", RemoteRef: "refs/heads/main", Framework: true}),
		root[:7]+" a.txt:1", c1[:7]+" b.txt:1")
	wantWhere(t, push(FrameworkPush{LocalRef: "HEAD~1", Framework: true}), root[:7]+" a.txt:1")
	wantWhere(t, push(FrameworkPush{LocalRef: "refs/tags/v1", Framework: true}), root[:7]+" a.txt:1", root[:7]+" refs/tags/v1:1")
	// What a remote-tracking ref has is not pushed again.
	run(t, dir, "update-ref", "refs/remotes/origin/main", root)
	wantWhere(t, push(FrameworkPush{LocalRef: "refs/heads/main", Framework: true}), c1[:7]+" b.txt:1")
	// A range; all-zero From is a new ref.
	wantWhere(t, push(FrameworkPush{From: root, To: c1}), c1[:7]+" b.txt:1")
	wantWhere(t, push(FrameworkPush{From: zero, To: "main", LocalRef: "refs/heads/main"}), c1[:7]+" b.txt:1")
	// Not the framework: nothing.
	if ups, err := r.FrameworkUpdates(FrameworkPush{}); ups != nil || err != nil {
		t.Fatalf("no framework: %v, %v", ups, err)
	}
	for _, p := range []FrameworkPush{
		{Framework: true},
		{From: root, Framework: true},
		{LocalRef: "refs/heads/nope", Framework: true},
		{From: "nope", To: c1},
	} {
		if _, err := r.FrameworkUpdates(p); !errors.Is(err, ErrNoPushRange) {
			t.Fatalf("%+v: err = %v, want ErrNoPushRange", p, err)
		}
	}
}

// TestPrePushBackendsAgree: merges, notes and a shallow clone's boundary
// read the same through git as through go-git (prePush compares them).
func TestPrePushBackendsAgree(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "hello\n")
	base := commitAll(t, dir, "base")
	run(t, dir, "update-ref", "refs/remotes/origin/main", base)
	run(t, dir, "checkout", "-q", "-b", "side")
	write(t, dir, "side.txt", "s = \""+key()+"\"\n")
	side := commitAll(t, dir, "side")
	run(t, dir, "checkout", "-q", "main")
	write(t, dir, "main.txt", "m = \""+key()+"\"\n")
	main := commitAll(t, dir, "main")
	// A merge that resolves a conflict-free merge with a key of its own.
	run(t, dir, "merge", "-q", "--no-commit", "--no-ff", "side")
	write(t, dir, "merge.txt", "k = \""+key()+"\"\n")
	run(t, dir, "add", "merge.txt")
	run(t, dir, "commit", "-q", "-m", "merge")
	merge := run(t, dir, "rev-parse", "HEAD")
	got := prePush(t, dir, "refs/heads/main "+merge+" refs/heads/main "+base+"\n")
	wantWhere(t, got, main[:7]+" main.txt:1", side[:7]+" side.txt:1", merge[:7]+" merge.txt:1")

	// Notes: a key in a note is reported under the notes ref, for the
	// commit it annotates.
	run(t, dir, "notes", "add", "-m", "n = \""+key()+"\"", merge)
	notes := run(t, dir, "rev-parse", "refs/notes/commits")
	got = prePush(t, dir, "refs/notes/commits "+notes+" refs/notes/commits "+zero+"\n")
	wantWhere(t, got, merge[:7]+" refs/notes/commits:1")

	// A shallow clone: the boundary's parents are missing by design.
	clone := filepath.Join(t.TempDir(), "clone")
	run(t, dir, "clone", "-q", "--depth=1", "file://"+dir, clone)
	write(t, clone, "c.txt", "c = \""+key()+"\"\n")
	c := commitAll(t, clone, "in the clone")
	got = prePush(t, clone, "refs/heads/topic "+c+" refs/heads/topic "+zero+"\n")
	wantWhere(t, got, c[:7]+" c.txt:1")
}

// TestBatchBlobs: blobs read ahead in one request answer as blob would:
// a blob, skip over max, missing for what is not a blob or not there,
// nothing for what the budget leaves out (blob reads it after, in step).
func TestBatchBlobs(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "aaaa\n")
	write(t, dir, "big.txt", strings.Repeat("b", 300)+"\n")
	write(t, dir, "c.txt", "cccc\n")
	commitAll(t, dir, "files")
	blob := func(p string) plumbing.Hash { return plumbing.NewHash(run(t, dir, "rev-parse", "HEAD:"+p)) }
	a, big, c := blob("a.txt"), blob("big.txt"), blob("c.txt")
	tree := plumbing.NewHash(run(t, dir, "rev-parse", "HEAD^{tree}"))
	gone := plumbing.NewHash("1111111111111111111111111111111111111111")
	for _, through := range []string{"objects", "git"} {
		t.Run(through, func(t *testing.T) { testBatchBlobs(t, dir, through, a, big, c, tree, gone) })
	}
}

// testBatchBlobs reads through the object directory first ("objects"),
// or through git alone ("git").
func testBatchBlobs(t *testing.T, dir, through string, a, big, c, tree, gone plumbing.Hash) {
	r := open(t, dir)
	g, err := r.newGitBackend()
	if err != nil {
		t.Fatal(err)
	}
	b := g.batch(t.Context())
	defer b.close()
	if through == "git" {
		b.dir.close()
		b.dir = nil
	}
	// max 200: big is skipped (the tree, about 100 bytes, is not); budget
	// 8: a (5 bytes) is kept, c (5 more) is not.
	got, err := b.blobs([]plumbing.Hash{a, big, tree, gone, c}, 200, 8)
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := got[a]; !ok || string(f.b) != "aaaa\n" || f.skip || f.err != nil {
		t.Errorf("a: %+v, %v", f, ok)
	}
	if f, ok := got[big]; !ok || !f.skip || f.b != nil {
		t.Errorf("big: %+v, %v", f, ok)
	}
	for _, h := range []plumbing.Hash{tree, gone} {
		if f, ok := got[h]; !ok || !errors.Is(f.err, plumbing.ErrObjectNotFound) {
			t.Errorf("%s: %+v, %v", h, f, ok)
		}
	}
	if f, ok := got[c]; ok {
		t.Errorf("c, over the budget, was kept: %+v", f)
	}
	// The stream is in step: c reads one at a time after the batch.
	if body, skip, err := b.blob(c, 200); string(body) != "cccc\n" || skip || err != nil {
		t.Fatalf("c after the batch: %q %v %v", body, skip, err)
	}
	// One cat-file either way: through the object directory, for big
	// (over max) and gone (not there) only.
	if n := r.catFiles.Load(); n != 1 {
		t.Fatalf("%d cat-file processes, want 1", n)
	}
	if through == "objects" {
		// The tree alone: the object directory says it is no blob.
		b := g.batch(t.Context())
		defer b.close()
		got, err := b.blobs([]plumbing.Hash{tree}, 200, 8)
		if f := got[tree]; err != nil || !errors.Is(f.err, plumbing.ErrObjectNotFound) {
			t.Fatalf("tree: %+v, %v", f, err)
		}
		if b.c != nil {
			t.Fatal("cat-file started for a tree the object directory holds")
		}
	}
}

// TestPrePushReadAhead: a push of more blobs than one read-ahead holds
// (aheadBlobs) finds through git what go-git finds (prePush compares).
func TestPrePushReadAhead(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "hello\n")
	base := commitAll(t, dir, "base")
	var want []string
	for c := 0; c < 3; c++ {
		for i := 0; i < aheadBlobs/2+10; i++ {
			write(t, dir, fmt.Sprintf("d%d/f%03d.txt", c, i), fmt.Sprintf("file %d %d\n", c, i))
		}
		write(t, dir, fmt.Sprintf("d%d/key.txt", c), "k = \""+key()+"\"\n")
		h := commitAll(t, dir, fmt.Sprintf("batch %d", c))
		want = append(want, h[:7]+fmt.Sprintf(" d%d/key.txt:1", c))
	}
	if n := readAhead([][]fileJob{make([]fileJob, aheadBlobs/2+11), make([]fileJob, aheadBlobs/2+11)}, 0); n != 1 {
		t.Fatalf("readAhead took %d commits of more than aheadBlobs blobs, want 1", n)
	}
	head := run(t, dir, "rev-parse", "HEAD")
	got := prePush(t, dir, "refs/heads/main "+head+" refs/heads/main "+base+"\n")
	wantWhere(t, got, want...)
}

// TestPrePushReadsEachBlobOnce: a blob read ahead for one commit is kept
// for a later commit of the push that reads it again, as its parent
// version, instead of being asked of git twice; and the lines that later
// commit adds are still told from those it keeps.
func TestPrePushReadsEachBlobOnce(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "hello\n")
	base := commitAll(t, dir, "base")
	n := aheadBlobs/2 + 10
	for i := range n {
		write(t, dir, fmt.Sprintf("d/f%03d.txt", i), fmt.Sprintf("v1 %d\n", i))
	}
	k := key()
	write(t, dir, "d/key.txt", "k = \""+k+"\"\n")
	first := commitAll(t, dir, "first")
	for i := range n {
		write(t, dir, fmt.Sprintf("d/f%03d.txt", i), fmt.Sprintf("v1 %d\nv2\n", i))
	}
	write(t, dir, "d/key.txt", "k = \""+k+"\"\nx = 1\n") // the key stays: not added again
	write(t, dir, "e.txt", "e = \""+key()+"\"\n")
	second := commitAll(t, dir, "second")
	// Two batches (readAhead): the commits' n+1 and n+2 files are more
	// than aheadBlobs together. The second reads the first's blobs again
	// as its parent versions.
	input := "refs/heads/main " + second + " refs/heads/main " + base + "\n"
	wantWhere(t, prePush(t, dir, input), first[:7]+" d/key.txt:1", second[:7]+" e.txt:1")

	r := open(t, dir)
	ups, _ := ParsePushUpdates(strings.NewReader(input))
	if _, _, err := r.PrePush(context.Background(), Options{Detector: detector(t), Backend: "git"}, ups); err != nil {
		t.Fatal(err)
	}
	// n+1 blobs in each commit's d/, and e.txt.
	if got, want := r.blobsAsked.Load(), int64(2*(n+1)+1); got != want {
		t.Errorf("git was asked for %d blobs, want %d: each once", got, want)
	}
}

// TestBatchFailAfterGitExits: a batch whose cat-file dies reads git's
// last words only once git has exited. It read the stderr buffer while
// os/exec still copied into it (a data race: go test -race failed
// TestEarlyPush now and then, when Close cancelled a walk mid-read).
func TestBatchFailAfterGitExits(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "hello\n")
	commitAll(t, dir, "base")
	head := plumbing.NewHash(strings.TrimSpace(run(t, dir, "rev-parse", "HEAD")))
	r := open(t, dir)
	g, err := r.newGitBackend()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		ctx, cancel := context.WithCancel(t.Context())
		b := g.batch(ctx)
		b.dir.close()
		b.dir = nil // through git
		if _, _, err := b.object(head, 1<<20, func(string, int64) bool { return true }); err != nil {
			t.Fatal(err)
		}
		cancel() // git is killed; the next read fails
		if _, _, err := b.object(head, 1<<20, func(string, int64) bool { return true }); err == nil {
			t.Fatal("a read through a killed cat-file succeeded")
		}
		if _, _, err := b.object(head, 1<<20, func(string, int64) bool { return true }); err == nil {
			t.Fatal("a read after a failure succeeded")
		}
		b.close()
	}
}
