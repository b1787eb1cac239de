package gitscan

// What a history scan holds while it reads the blobs: tests of memory
// that are not timings (bench/scaling.sh measures it).

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// A history scan through git peels the refs with go-git, which loads
// every pack index whole (about 80 bytes per object) and keeps it while
// the storage lives: the scan must not hold the storage that peeled
// while it reads the history.
func TestHistoryThroughGitLetsGoGitIndexesGo(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "k = \""+key()+"\"\n")
	commitAll(t, dir, "first")
	write(t, dir, "b.txt", "x\n")
	commitAll(t, dir, "second")
	// An annotated tag: a decoded tag object points at its storage too.
	run(t, dir, "tag", "-a", "-m", "release", "v1")
	run(t, dir, "gc", "-q") // everything in a pack, with its index
	r := open(t, dir)
	if err := r.load(); err != nil {
		t.Fatal(err)
	}
	freed := make(chan struct{})
	runtime.AddCleanup(r.st, func(ch chan struct{}) { close(ch) }, freed)
	checked, gone := false, false
	// Progress is called while the scan runs, after the refs are peeled.
	progress := func(Stats) {
		if checked {
			return
		}
		checked = true
		for range 50 {
			runtime.GC()
			select {
			case <-freed:
				gone = true
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	fs, _, err := r.History(t.Context(), Options{Detector: detector(t), Backend: "git", Progress: progress}, HistoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].File != "a.txt" {
		t.Fatalf("findings = %q, want the key in a.txt", where(fs))
	}
	if !checked {
		t.Fatal("the scan reported no progress: nothing was checked")
	}
	if !gone {
		t.Fatal("the storage that peeled the refs is still reachable while the scan reads the history: go-git's pack indexes stay loaded")
	}
}

// A commit that adds no file keeps no record of the blobs it removed
// (introduces looks them up for added files only: a pure rename), and a
// pure rename is still no new content.
func TestHistoryKeepsRemovedOnlyForAddedFiles(t *testing.T) {
	dir := newRepo(t)
	k := key()
	write(t, dir, "a.txt", "k = \""+k+"\"\n")
	commitAll(t, dir, "add")
	write(t, dir, "a.txt", "k = \""+k+"\"\nmore\n")
	modify := commitAll(t, dir, "modify")
	run(t, dir, "mv", "a.txt", "b.txt")
	rename := commitAll(t, dir, "rename")
	r := open(t, dir)
	if err := r.load(); err != nil {
		t.Fatal(err)
	}
	g, err := r.gitBackend()
	if err != nil {
		t.Fatal(err)
	}
	head, _ := r.resolve("HEAD")
	commits, err := g.walk(t.Context(), []plumbing.Hash{head}, nil, func(plumbing.Hash) {}, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, c := range commits {
		switch c.hash.String() {
		case modify:
			seen++
			if c.removed != nil {
				t.Errorf("modify-only commit keeps %d removed blobs", len(c.removed))
			}
		case rename:
			seen++
			if len(c.removed) == 0 {
				t.Error("the rename's removed blobs were dropped")
			}
			for _, ch := range c.changes {
				if c.introduces(ch) {
					t.Errorf("the pure rename introduces %s", ch.path)
				}
			}
		}
	}
	if seen != 2 {
		t.Fatalf("saw %d of the 2 commits", seen)
	}
	fs, _ := history(t, dir, "git", HistoryOptions{})
	if len(fs) != 1 || fs[0].File != "a.txt" {
		t.Fatalf("findings = %q, want the key once, in a.txt where it was added", where(fs))
	}
}

// A commit message is scanned whole, then only its first line (all a
// finding shows of it) is kept while the blobs are read: a history of
// long messages does not hold them all.
func TestHistoryKeepsOnlyMessageSubjects(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "x\n")
	body := strings.Repeat("a long explanation of the change\n", 200)
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "subject line\n\n"+body+"token = \""+key()+"\"\n")
	for _, be := range hookBackends {
		t.Run(be, func(t *testing.T) {
			r := open(t, dir)
			keep := &historyData{}
			fs, _, err := r.History(t.Context(), Options{Detector: detector(t), Backend: be, keep: keep}, HistoryOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 || fs[0].File != "" || fs[0].Message != "subject line" {
				t.Fatalf("findings = %q (subject %q), want the key in the message body", where(fs), fs[0].Message)
			}
			for _, c := range keep.commits {
				if c.message != "subject line" {
					t.Fatalf("the scan kept %d bytes of message, want its subject only", len(c.message))
				}
			}
		})
	}
}

// A history scan holds a bounded number of bytes of blobs read and not
// yet scanned, not a number of blobs: 64 read ahead of the scan, each up
// to the size limit, were hundreds of MB on a history of large files.
func TestHistoryBoundsBlobsHeld(t *testing.T) {
	defer func(old int64) { maxBlobsHeld, blobScanned = old, nil }(maxBlobsHeld)
	maxBlobsHeld = 1 << 20
	dir := newRepo(t)
	line := strings.Repeat("filler text of a large file\n", 1<<10) // 28 KiB
	for i := range 24 {
		write(t, dir, fmt.Sprintf("big%02d.txt", i), fmt.Sprintf("%d\n%s", i, strings.Repeat(line, 10)))
		commitAll(t, dir, fmt.Sprint("big ", i))
	}
	write(t, dir, "k.txt", "k = \""+key()+"\"\n")
	commitAll(t, dir, "key")
	for _, be := range []string{"git", "go-git"} {
		r := open(t, dir)
		// The scan stops after its first blob while the reader goes on:
		// without a bound it reads every blob meanwhile.
		var once sync.Once
		blobScanned = func() { once.Do(func() { time.Sleep(300 * time.Millisecond) }) }
		fs, _, err := r.History(t.Context(), Options{Detector: detector(t), Backend: be, Workers: 1}, HistoryOptions{})
		blobScanned = nil
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || fs[0].File != "k.txt" {
			t.Fatalf("%s: findings = %q, want the key in k.txt", be, where(fs))
		}
		// One blob (280 KiB) may go over the bound, never more.
		if peak, limit := r.blobsHeldPeak.Load(), maxBlobsHeld+300<<10; peak > limit || peak == 0 {
			t.Errorf("%s: %d bytes of blobs held at once, want at most %d", be, peak, limit)
		}
	}
}

// A holder over the room left is not passed by smaller ones that come
// after it: two readers share the bound, and one reading small blobs
// would keep a large one waiting for as long as it read.
func TestHeldBytesInOrder(t *testing.T) {
	h := newHeldBytes(10, nil)
	h.hold(5)
	waiting := func(n uint64) {
		for {
			h.mu.Lock()
			got := h.next
			h.mu.Unlock()
			if got == n {
				return
			}
			runtime.Gosched()
		}
	}
	var order []string
	var mu sync.Mutex
	in := func(who string) {
		mu.Lock()
		order = append(order, who)
		mu.Unlock()
	}
	big, small := make(chan bool), make(chan bool)
	go func() { h.hold(20); in("big"); <-big; h.release(20) }()
	waiting(2) // the large one waits
	go func() { h.hold(1); in("small"); <-small; h.release(1) }()
	waiting(3)
	h.release(5) // room: the large one first, alone
	for {
		mu.Lock()
		n := len(order)
		mu.Unlock()
		if n > 0 {
			break
		}
		runtime.Gosched()
	}
	close(big)
	close(small)
	for {
		mu.Lock()
		n := len(order)
		mu.Unlock()
		if n == 2 {
			break
		}
		runtime.Gosched()
	}
	if order[0] != "big" || order[1] != "small" {
		t.Fatalf("let in %v, want the large one first", order)
	}
}
