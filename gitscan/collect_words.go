package gitscan

import (
	"fmt"
	"time"

	"github.com/leakguard/leakguard/archive"
	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/scanner/report"
)

// # What a scan says
//
// A [Result] is worded for people here, once for every command that
// collects a scan: the closing summary, the warnings (what was not read)
// and the notes (what was read in an unusual way). The command layer
// prints them.

// word fills r.Warnings and r.Notes: paths that could not be read,
// missing objects, files not read for their size or an archive's limits
// (five at most; a hook fails on them instead, see Unscanned) and
// malformed archives scanned as binary files.
func (r *Result) word() {
	for _, err := range r.Errors {
		r.Warnings = append(r.Warnings, fmt.Sprintf("not scanned: %v", err))
	}
	if r.Missing > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s missing (partial or shallow clone, or pruned objects): the scan is incomplete", english.Count(r.Missing, "object")))
	}
	if !r.Hook {
		r.Warnings = append(r.Warnings, skips(r.Unscanned, func(n int) string { return english.Count(n, "more file") + " not scanned" }, "not scanned: ")...)
	}
	r.Notes = skips(r.Notices, func(n int) string { return fmt.Sprintf("%d more malformed archives scanned as binary files", n) }, "")
}

// skips words the first five of us, then how many more.
func skips(us []archive.Skip, more func(int) string, prefix string) []string {
	var out []string
	for i, u := range us {
		if i == 5 {
			return append(out, more(len(us)-i))
		}
		out = append(out, fmt.Sprintf("%s%s: %s", prefix, report.Printable(u.Path), u.Reason))
	}
	return out
}

// Summary is the closing line of a scan that reported n findings and
// took took: what it read, what it skipped on purpose, what the history
// cache spared.
func (r *Result) Summary(n int, took time.Duration) string {
	took = took.Round(time.Millisecond)
	if r.What == "" {
		return fmt.Sprintf("%s in %s (%s) in %s%s", english.Count(n, "finding"), english.Count(r.Blobs, "file"), english.Bytes(r.Bytes), took,
			skipped(r.Skipped, "links, over --max-size or archive limits"))
	}
	commits := ""
	if r.What != stagedChanges {
		commits = english.Count(r.Commits, "commit") + ", "
	}
	cached := ""
	if r.CachedCommits > 0 {
		cached = fmt.Sprintf("; %s proven clean before, from the history cache", english.Count(r.CachedCommits, "commit"))
	}
	return fmt.Sprintf("%s in %s (%s%s, %s) in %s%s%s", english.Count(n, "finding"), r.What, commits, english.Count(r.Blobs, "file"), english.Bytes(r.Bytes),
		took, skipped(r.Skipped, "links, submodules, over --max-size or archive limits"), cached)
}

func skipped(n int, why string) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d skipped (%s)", n, why)
}
