package gitscan

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/archive"
	"github.com/leakguard/leakguard/internal/hint"
)

// A request that mixes sources is a usage error with a hint, refused
// before anything is read.
func TestCollectRefusesMixedSources(t *testing.T) {
	dir := newRepo(t)
	getenv := func(string) string { return "" }
	for name, req := range map[string]Request{
		"two git sources":     {Staged: true, History: true},
		"paths with git":      {Staged: true, Paths: []string{"a"}},
		"range without git":   {HistoryOptions: HistoryOptions{Range: "a..b"}},
		"no-cache with hook":  {PrePush: true, NoCache: true},
		"all-refs and branch": {History: true, HistoryOptions: HistoryOptions{AllRefs: true, Branch: "main"}},
		"stdin and paths":     {Paths: []string{"-", "a"}},
		"not a repository":    {Staged: true, Dir: t.TempDir()},
	} {
		req.Getenv = getenv
		if name != "not a repository" {
			req.Dir = dir
		}
		_, err := Collect(context.Background(), req)
		if !hint.IsUsage(err) || hint.Of(err) == "" {
			t.Errorf("%s: %v (%T), want a usage error with a hint", name, err, err)
		}
	}
	if _, err := Collect(context.Background(), Request{Paths: []string{"-"}, Stdin: strings.NewReader("12345"), Options: Options{Detector: detector(t), MaxSize: 4}}); !hint.IsUsage(err) {
		t.Errorf("stdin over the limit: %v", err)
	}
}

// The stats of several roots add up, and each root's findings are shown
// under it.
func TestCollectPathsShownUnderTheirRoot(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a/x.env", "ANTHROPIC_API_KEY="+key()+"\n")
	write(t, dir, "b/y.txt", "nothing\n")
	res, err := Collect(context.Background(), Request{Dir: dir, Paths: []string{"a", "b"}, Options: Options{Detector: detector(t), MaxSize: 1 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Blobs != 2 || len(res.Findings) != 1 || res.Findings[0].File != "a/x.env" || res.What != "" {
		t.Fatalf("files %d, findings %v, what %q", res.Blobs, where(res.Findings), res.What)
	}
}

// What a scan did not read is worded once: five files, then how many
// more; a hook keeps them for itself (it fails on them).
func TestResultWords(t *testing.T) {
	var us []archive.Skip
	for _, p := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		us = append(us, archive.Skip{Path: p, Reason: "too big"})
	}
	r := &Result{Stats: Stats{Unscanned: us, Missing: 1, Blobs: 3, Bytes: 2048, Skipped: 7}}
	r.word()
	want := []string{"1 object missing (partial or shallow clone, or pruned objects): the scan is incomplete",
		"not scanned: a: too big", "not scanned: b: too big", "not scanned: c: too big", "not scanned: d: too big", "not scanned: e: too big", "2 more files not scanned"}
	if strings.Join(r.Warnings, "|") != strings.Join(want, "|") {
		t.Errorf("warnings:\n%q\nwant\n%q", r.Warnings, want)
	}
	if got := r.Summary(1, 1500*time.Microsecond); got != "1 finding in 3 files (2.0 KiB) in 2ms; 7 skipped (links, over --max-size or archive limits)" {
		t.Errorf("summary %q", got)
	}
	h := &Result{Stats: Stats{Unscanned: us, Blobs: 1}, Hook: true, What: stagedChanges}
	h.word()
	if len(h.Warnings) != 0 || h.Summary(0, 0) != "0 findings in staged changes (1 file, 0 B) in 0s" {
		t.Errorf("hook: warnings %q, summary %q", h.Warnings, h.Summary(0, 0))
	}
}
