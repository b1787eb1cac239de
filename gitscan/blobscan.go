package gitscan

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/leakguard/leakguard/archive"
	"github.com/leakguard/leakguard/scanner"
)

// blobScanner scans blobs in parallel and keeps their findings.
type blobScanner struct {
	det      *scanner.Detector
	workers  int
	pr       *progress
	archives archive.Limits

	mu        sync.Mutex
	found     map[plumbing.Hash][]scanner.Finding // blobs with findings
	scanned   map[plumbing.Hash]bool
	dirty     map[plumbing.Hash]bool // read with gaps or notices: not clean
	blobs     int
	bytes     int64
	skipped   int
	unscanned []archive.Skip
	notices   []archive.Skip

	held *heldBytes // blobs read and not yet scanned
}

// maxBlobsHeld bounds the bytes of blobs a history scan has read and not
// yet scanned (a variable: tests lower it). The reader stays ahead of the
// scan by this much, not by a number of blobs: sixty-four blobs of up to
// the size limit each were hundreds of MB.
var maxBlobsHeld int64 = 16 << 20

// blobScanned, when set, is called after each blob a history scan
// scans (tests).
var blobScanned func()

// heldBytes counts bytes held and makes a holder wait while more than
// max are; one holder always gets through, whatever its size. Holders
// are let in in the order they came: a blob over the room left is not
// passed by smaller ones while it waits (the two readers of a large
// history).
type heldBytes struct {
	mu            sync.Mutex
	freed         *sync.Cond
	n, max        int64
	next, serving uint64        // tickets: the next to give, the next to let in
	peak          *atomic.Int64 // the most held at once (Repo.blobsHeldPeak)
}

func newHeldBytes(max int64, peak *atomic.Int64) *heldBytes {
	h := &heldBytes{max: max, peak: peak}
	h.freed = sync.NewCond(&h.mu)
	return h
}

func (h *heldBytes) hold(n int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.next
	h.next++
	for t != h.serving || (h.n > 0 && h.n+n > h.max) {
		h.freed.Wait()
	}
	h.serving++
	h.n += n
	if h.peak != nil && h.n > h.peak.Load() {
		h.peak.Store(h.n)
	}
	h.freed.Broadcast() // the next in line may fit too
}

func (h *heldBytes) release(n int64) {
	h.mu.Lock()
	h.n -= n
	h.mu.Unlock()
	h.freed.Broadcast()
}

func (s *blobScanner) nworkers() int {
	if s.workers > 0 {
		return s.workers
	}
	return runtime.GOMAXPROCS(0)
}

type blobJob struct {
	h    plumbing.Hash
	path string
	b    []byte
	text *archive.Strings // a binary read as it streamed: b is nil
	held int64            // what the job holds of maxBlobsHeld
}

func (s *blobScanner) run(ctx context.Context, be historyBackend, want []plumbing.Hash, pathOf map[plumbing.Hash]string, max int64, missing func(plumbing.Hash)) error {
	jobs := make(chan blobJob, 64)
	var wg sync.WaitGroup
	for w := 0; w < s.nworkers(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if ctx.Err() != nil {
					s.held.release(j.held)
					continue
				}
				var fs []scanner.Finding
				var res archive.Result
				size := int64(len(j.b))
				if j.text != nil {
					fs, size = s.det.DetectStrings(j.path, j.text), j.text.Size()
				} else {
					fs, res = s.det.DetectFile(scanner.Fragment{Path: j.path, Content: j.b}, s.archives)
				}
				s.held.release(j.held)
				if blobScanned != nil {
					blobScanned()
				}
				s.pr.blobs.Add(1)
				s.pr.bytes.Add(size)
				s.mu.Lock()
				s.blobs++
				s.bytes += size
				if len(fs) > 0 {
					s.found[j.h] = fs
				}
				if len(res.Skipped)+len(res.Notices) > 0 {
					s.dirty[j.h] = true
				}
				s.skipped += len(res.Skipped)
				s.unscanned = append(s.unscanned, res.Skipped...)
				s.notices = append(s.notices, res.Notices...)
				s.mu.Unlock()
				s.pr.tick(false)
			}
		}()
	}
	err := be.blobs(ctx, want, max, func(h plumbing.Hash, b []byte, status blobStatus) {
		s.mu.Lock()
		s.scanned[h] = true
		s.dirty[h] = status != blobOK
		s.mu.Unlock()
		switch status {
		case blobMissing:
			missing(h)
			return
		case blobSkip:
			s.mu.Lock()
			s.skipped++
			if p := pathOf[h]; !s.det.PathAllowed(p) {
				s.unscanned = append(s.unscanned, archive.Skip{Path: p, Reason: fmt.Sprintf("larger than the size limit (%d bytes)", max)})
			}
			s.mu.Unlock()
			return
		}
		s.held.hold(int64(len(b)))
		jobs <- blobJob{h: h, path: pathOf[h], b: b, held: int64(len(b))}
	}, func(h plumbing.Hash, t *archive.Strings) {
		s.mu.Lock()
		s.scanned[h] = true
		s.dirty[h] = false
		s.mu.Unlock()
		text, wide := t.Text()
		n := int64(len(text) + len(wide))
		s.held.hold(n)
		jobs <- blobJob{h: h, path: pathOf[h], text: t, held: n}
	})
	close(jobs)
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// parallel runs fn(0..n-1) on workers.
func parallel(ctx context.Context, workers, n int, fn func(int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}
