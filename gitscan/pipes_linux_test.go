package gitscan

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestHistorySmallPipes: with pipes of one page to and from cat-file
// (what Linux gives a user past fs.pipe-user-pages-soft) and stretches
// of 256 blobs (10.5 KB of requests, more than the pipe and git's stdio
// buffer hold), the scan still reads every blob. A writer that finished
// writing a stretch before its reader could take it deadlocked: git
// waited for the reader to take an answer, the reader for the stretch,
// the writer for git to read.
func TestHistorySmallPipes(t *testing.T) {
	dir := newRepo(t)
	const n = 600
	for i := range n {
		write(t, dir, fmt.Sprintf("d%02d/f%03d.txt", i%16, i), strings.Repeat(fmt.Sprintf("line of file %d\n", i), 200))
	}
	write(t, dir, "d00/key.txt", "token = \""+key()+"\"\n")
	commitAll(t, dir, "add")
	catFileStarted = func(c *catFile) {
		for _, f := range []any{c.stdin, c.stdout} {
			fd, ok := f.(interface{ Fd() uintptr })
			if !ok {
				t.Errorf("a cat-file pipe of type %T has no Fd", f)
				return
			}
			if _, err := unix.FcntlInt(fd.Fd(), unix.F_SETPIPE_SZ, 4096); err != nil {
				t.Errorf("F_SETPIPE_SZ: %v", err)
			}
		}
	}
	defer func() { catFileStarted = nil }()
	for _, parts := range []int{1, 2} {
		r := open(t, dir)
		r.catFileParts = func(int) int { return parts }
		r.claimStretch = 256
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		fs, st, err := r.History(ctx, Options{Detector: detector(t), Backend: "git"}, HistoryOptions{})
		cancel()
		if err != nil {
			t.Fatalf("%d processes: %v (a deadline: deadlocked)", parts, err)
		}
		if st.Blobs != n+1 || len(fs) != 1 {
			t.Fatalf("%d processes: %d blobs scanned, %d findings; want %d and 1", parts, st.Blobs, len(fs), n+1)
		}
	}
}
