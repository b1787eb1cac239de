package gitscan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/leakguard/leakguard/archive"
	"github.com/leakguard/leakguard/archive/archivetest"
	"github.com/leakguard/leakguard/scanner"
)

// TestHistoryStreamsLargeBinaries: a history scan through git reads a
// large binary as it streams, into its printable text, and holds only
// that; it finds what a scan of the whole content finds, at the same
// lines (the go-git backend and DetectFile read it whole), keys in its
// ASCII and UTF-16 text included. A large archive and a large text file
// are read whole as before.
func TestHistoryStreamsLargeBinaries(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	noise := func(n int) []byte { // machine code and tables: no text
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
			if b[i] >= 0x20 && b[i] < 0x7f && r.IntN(4) > 0 {
				b[i] = 0x80 | b[i]
			}
		}
		return b
	}
	utf16 := func(s string) []byte {
		var b []byte
		for _, c := range []byte(s) {
			b = append(b, c, 0)
		}
		return b
	}
	var bin []byte
	bin = append(bin, 0x7f, 'E', 'L', 'F', 2, 1, 1, 0)
	for i := range 8 {
		bin = append(bin, noise(400<<10)...)
		switch i % 3 {
		case 0:
			bin = append(bin, "\x00ANTHROPIC_API_KEY="+key()+"\x00"...)
		case 1:
			bin = append(bin, 0x01)
			bin = append(bin, utf16("token: "+key())...)
			bin = append(bin, 0x01)
		default:
			bin = append(bin, make([]byte, 300<<10)...) // padding
		}
	}
	text := []byte(strings.Repeat("plain line of source code, nothing here\n", 2000) + "k = \"" + key() + "\"\n")
	zip := archivetest.Zip(archivetest.File{Name: "conf/.env", Data: append(noise(200<<10), "\x00\nKEY="+key()+"\n"...)})

	dir := newRepo(t)
	for name, b := range map[string][]byte{"app.bin": bin, "big.txt": text, "dist.zip": zip} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commitAll(t, dir, "add")

	type seen struct {
		Rule, File, Secret string
		Lines, Cols        [2]int
	}
	view := func(fs []scanner.Finding) (out []seen) {
		for _, f := range fs {
			out = append(out, seen{f.RuleID, f.File, f.Secret.Reveal(), [2]int{f.StartLine, f.EndLine}, [2]int{f.StartColumn, f.EndColumn}})
		}
		slices.SortFunc(out, func(a, b seen) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		return out
	}
	d := detector(t)
	var want []scanner.Finding
	for name, b := range map[string][]byte{"app.bin": bin, "big.txt": text, "dist.zip": zip} {
		fs, _ := d.DetectFile(scanner.Fragment{Path: name, Content: b}, archive.Limits{})
		want = append(want, fs...)
	}
	if len(want) != 8 {
		t.Fatalf("DetectFile: %d findings, want 8 (6 in app.bin, 1 in big.txt, 1 in dist.zip)", len(want))
	}
	peaks := map[string]int64{}
	for _, be := range []string{"git", "go-git"} {
		r := open(t, dir)
		fs, _, err := r.History(t.Context(), Options{Detector: d, Backend: be}, HistoryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := view(fs); !reflect.DeepEqual(got, view(want)) {
			t.Errorf("%s:\n%+v\nwant\n%+v", be, got, view(want))
		}
		peaks[be] = r.blobsHeldPeak.Load()
	}
	// go-git hands the binary whole; git its text, which is a few KB:
	// what is held at once is then at most the archive, the text file
	// and that.
	if peaks["go-git"] < int64(len(bin)) {
		t.Errorf("go-git: held at most %d bytes, less than the binary's %d: the check below proves nothing", peaks["go-git"], len(bin))
	}
	if limit := int64(len(text) + len(zip) + 64<<10); peaks["git"] > limit {
		t.Errorf("git: held %d bytes of blobs at once, want at most %d: the binary (%d bytes) was held whole", peaks["git"], limit, len(bin))
	}
}

// TestStreamStringsChecksNewline: what follows an object in cat-file's
// output is a newline; anything else, or nothing, is an error, not a
// blob read.
func TestStreamStringsChecksNewline(t *testing.T) {
	body := bytes.Repeat([]byte("\x01abcdefghij\x00"), 10000)
	for _, c := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"whole", append(bytes.Clone(body), '\n'), true},
		{"no newline", bytes.Clone(body), false},
		{"cut in the content", body[:len(body)/2], false},
		{"another byte for the newline", append(bytes.Clone(body), 'X'), false},
	} {
		rd := bufio.NewReaderSize(bytes.NewReader(c.in), 4096)
		err := streamStrings(rd, int64(len(body)), archive.NewStrings(nil))
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
		rd = bufio.NewReaderSize(bytes.NewReader(c.in), 4096)
		_, _, _, err = readAnswer(bufio.NewReader(io.MultiReader(strings.NewReader(fmt.Sprintf("%s blob %d\n", plumbing.ZeroHash, len(body))), rd)), plumbing.ZeroHash, func(string, int64) bool { return true })
		if (err == nil) != c.ok {
			t.Errorf("%s, read whole: err = %v", c.name, err)
		}
	}
}

// TestHistoryCatFileCutShort: git's output cut off in the middle of a
// streamed binary fails the scan, even when git exits 0.
func TestHistoryCatFileCutShort(t *testing.T) {
	real, err := exec.LookPath("git")
	if err != nil {
		t.Skip(err)
	}
	dir := newRepo(t)
	if err := os.WriteFile(filepath.Join(dir, "app.bin"), bytes.Repeat([]byte("\x01\x02abc\x00"), 200<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	commitAll(t, dir, "add")
	wrap := t.TempDir()
	script := "#!/bin/sh\ncase \" $* \" in *\" cat-file --batch \"*) \"" + real + "\" \"$@\" | head -c 300000; exit 0;; esac\nexec \"" + real + "\" \"$@\"\n"
	if err := os.WriteFile(filepath.Join(wrap, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", wrap+string(os.PathListSeparator)+os.Getenv("PATH"))
	_, _, err = open(t, dir).History(t.Context(), Options{Detector: detector(t), Backend: "git"}, HistoryOptions{})
	if err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want cat-file's output reported cut short", err)
	}
}

// TestHistoryCancelWhileStreaming: a scan cancelled while large binaries
// stream stops with the context's error.
func TestHistoryCancelWhileStreaming(t *testing.T) {
	dir := newRepo(t)
	for i := range 6 {
		b := bytes.Repeat([]byte("\x01\x02abcdefghijk\x00"), 300<<10)
		b[0] = byte(i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprint(i, ".bin")), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commitAll(t, dir, "add")
	ctx, cancel := context.WithCancel(t.Context())
	blobScanned = cancel
	defer func() { blobScanned = nil }()
	_, _, err := open(t, dir).History(ctx, Options{Detector: detector(t), Backend: "git"}, HistoryOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if left := writersLeft(); left != "" {
		t.Fatalf("a cat-file writer is still running after the scan was cancelled:\n%s", left)
	}
}

// TestClaims: two readers claiming from the two ends of a list, at the
// same time, get every blob exactly once, in stretches of at most the
// stretch size, each contiguous; the front's move forward and the back's
// backward.
func TestClaims(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 100, 1000, 5000, 20000} {
		want := make([]plumbing.Hash, n)
		for i := range want {
			binary.BigEndian.PutUint32(want[i][:], uint32(i))
		}
		cl := &claims{want: want, hi: n}
		seen := make([]int, n)
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, back := range []bool{false, true} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				last := -1
				if back {
					last = n
				}
				for {
					s := cl.claim(back)
					if s == nil {
						return
					}
					if len(s) > cl.stretch() {
						t.Errorf("n=%d: a stretch of %d, over %d", n, len(s), cl.stretch())
					}
					first := int(binary.BigEndian.Uint32(s[0][:]))
					if back && first+len(s) > last || !back && first < last {
						t.Errorf("n=%d back=%v: a stretch at %d after one at %d", n, back, first, last)
					}
					last = first
					mu.Lock()
					for k, h := range s {
						i := int(binary.BigEndian.Uint32(h[:]))
						if i != first+k {
							t.Errorf("n=%d: stretch not contiguous at %d", n, i)
						}
						seen[i]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d: blob %d claimed %d times", n, i, c)
			}
		}
	}
}

// TestHistoryCatFileFailsNoWriterLeft: when cat-file answers with
// something that is not an object and stops there (its stdin still
// open), the reader fails, and the writer that was waiting to hand it
// the next stretch ends too (it waited forever: the scan's context is
// not cancelled by a failed read).
func TestHistoryCatFileFailsNoWriterLeft(t *testing.T) {
	real, err := exec.LookPath("git")
	if err != nil {
		t.Skip(err)
	}
	dir := newRepo(t)
	for i := range 120 {
		write(t, dir, fmt.Sprintf("f%03d.txt", i), strings.Repeat(fmt.Sprintf("line of file %d\n", i), 50))
	}
	commitAll(t, dir, "add")
	wrap := t.TempDir()
	script := "#!/bin/sh\ncase \" $* \" in *\" cat-file --batch \"*) read line; echo garbage; exec sleep 5;; esac\nexec \"" + real + "\" \"$@\"\n"
	if err := os.WriteFile(filepath.Join(wrap, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", wrap+string(os.PathListSeparator)+os.Getenv("PATH"))
	r := open(t, dir)
	r.claimStretch = 16
	if _, _, err := r.History(t.Context(), Options{Detector: detector(t), Backend: "git"}, HistoryOptions{}); err == nil {
		t.Fatal("no error from an answer that is not an object")
	}
	if left := writersLeft(); left != "" {
		t.Fatalf("a cat-file writer is still running after the scan failed:\n%s", left)
	}
}

// TestCatFileFailureStopsTheOther: when one of the two cat-file
// processes fails, the other reads at most the stretches it had already
// claimed, not all that is left: the scan has failed, and what it would
// read is thrown away. Its git starts late (after the failure), so
// without the stop it would read nearly the whole list.
func TestCatFileFailureStopsTheOther(t *testing.T) {
	real, err := exec.LookPath("git")
	if err != nil {
		t.Skip(err)
	}
	dir, want := fourHundredBlobs(t)

	wrap := t.TempDir()
	lock := filepath.Join(wrap, "failed")
	script := "#!/bin/sh\ncase \" $* \" in *\" cat-file --batch \"*)\n" +
		"  if mkdir \"" + lock + "\" 2>/dev/null; then read line; touch \"" + lock + "/answered\"; echo garbage; exec sleep 5; fi\n" +
		"  until [ -e \"" + lock + "/answered\" ]; do sleep 0.01; done; sleep 0.2;;\nesac\nexec \"" + real + "\" \"$@\"\n"
	if err := os.WriteFile(filepath.Join(wrap, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", wrap+string(os.PathListSeparator)+os.Getenv("PATH"))
	r, g := splitBackend(t, dir)
	var mu sync.Mutex
	read := 0
	err = g.blobs(t.Context(), want, 1<<20, func(plumbing.Hash, []byte, blobStatus) {
		mu.Lock()
		read++
		mu.Unlock()
	}, nil)
	if err == nil {
		t.Fatal("no error from an answer that is not an object")
	}
	if r.catFiles.Load() != 2 {
		t.Fatalf("%d cat-file processes, want 2", r.catFiles.Load())
	}
	// The one left may have claimed three stretches (one read, two
	// asked for) before it learnt of the failure.
	if read > 3*16 {
		t.Errorf("the other process read %d of %d blobs after the first failed; want at most %d", read, len(want), 3*16)
	}
}

// TestCatFileStartFailureStopsTheOther: when one of the two cat-file
// processes cannot start, the other claims no more of the list (the scan
// fails; what it read would be thrown away).
func TestCatFileStartFailureStopsTheOther(t *testing.T) {
	dir, want := fourHundredBlobs(t)
	_, g := splitBackend(t, dir)
	// The second start fails; the first waits for it, and a little
	// more for its goroutine to say so, before it starts. Were there no
	// second start, the first would start after 5 s and the count
	// below would fail the test rather than hang it.
	var calls atomic.Int32
	failed := make(chan struct{})
	catFileStart = func(c *exec.Cmd) error {
		if calls.Add(1) == 2 {
			close(failed)
			return errors.New("injected start failure")
		}
		select {
		case <-failed:
			time.Sleep(100 * time.Millisecond)
		case <-time.After(5 * time.Second):
		}
		return c.Start()
	}
	defer func() { catFileStart = (*exec.Cmd).Start }()
	var read atomic.Int32
	err := g.blobs(t.Context(), want, 1<<20, func(plumbing.Hash, []byte, blobStatus) { read.Add(1) }, nil)
	if err == nil || !strings.Contains(err.Error(), "injected start failure") {
		t.Fatalf("error %v, want the start failure", err)
	}
	if calls.Load() != 2 {
		t.Fatalf("%d cat-file starts, want 2", calls.Load())
	}
	if n := read.Load(); n > 0 {
		t.Errorf("the other process read %d of %d blobs after the first failed to start; want none", n, len(want))
	}
}

// fourHundredBlobs is a repository of one commit adding 400 small files,
// and their blobs.
func fourHundredBlobs(t *testing.T) (string, []plumbing.Hash) {
	t.Helper()
	dir := newRepo(t)
	for i := range 400 {
		write(t, dir, fmt.Sprintf("f%03d.txt", i), fmt.Sprintf("file %d\n", i))
	}
	commitAll(t, dir, "add")
	var want []plumbing.Hash
	for _, line := range strings.Split(strings.TrimSpace(run(t, dir, "ls-tree", "-r", "HEAD")), "\n") {
		want = append(want, plumbing.NewHash(strings.Fields(line)[2]))
	}
	return dir, want
}

// splitBackend is dir's git backend reading blobs through two cat-file
// processes, 16 blobs a stretch.
func splitBackend(t *testing.T, dir string) (*Repo, *gitBackend) {
	t.Helper()
	r := open(t, dir)
	r.claimStretch = 16
	r.catFileParts = func(int) int { return 2 }
	if err := r.load(); err != nil {
		t.Fatal(err)
	}
	g, err := r.newGitBackend()
	if err != nil {
		t.Fatal(err)
	}
	return r, g
}

// writersLeft returns the stacks of cat-file writer goroutines still
// running after waiting up to a second for them to end.
func writersLeft() string {
	var left string
	for range 50 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		left = ""
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "gitscan.(*catFile).readClaims.func1") {
				left += g + "\n\n"
			}
		}
		if left == "" {
			return ""
		}
		time.Sleep(20 * time.Millisecond)
	}
	return left
}
