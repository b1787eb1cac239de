package scanner

import (
	"bytes"

	"github.com/leakguard/leakguard/archive"
)

// DetectFile finds the secrets in a whole file's content, whatever it
// holds: an archive's entries ([archive.Walk]: findings point at
// "path!/entry"), a binary file's printable text ([archive.Text]), else
// the text itself (f.Lines applies to text only). It returns what an
// archive expansion could not read (res.Skipped: the scan is incomplete
// there) and the malformed archives it read as binaries (res.Notices).
//
// Every source calls it, so that a secret in a zip, a tarball or a file
// with a NUL byte is found the same way in a directory, a staged change,
// a push and the history.
func (d *Detector) DetectFile(f Fragment, l archive.Limits) (_ []Finding, res archive.Result) {
	if archive.Detect(f.Content) != archive.None {
		var out []Finding
		// An entry's content is the walker's own, read for this call;
		// a malformed archive is handed on whole, as it came (p is then
		// f.Path).
		res := archive.Walk(f.Path, f.Content, l, func(p string, b []byte) {
			out = append(out, d.detectWhole(p, b, f.Scratch || p != f.Path)...)
		})
		return out, res
	}
	if !IsBinary(f.Content) {
		return d.Detect(f), res
	}
	return d.detectWhole(f.Path, f.Content, f.Scratch), res
}

// detectWhole scans a file's text, or a binary's printable text: made
// in b's memory when scratch says that b is not read after the call.
func (d *Detector) detectWhole(path string, b []byte, scratch bool) []Finding {
	switch {
	case !IsBinary(b):
	case scratch:
		// Its UTF-16 text, which Text appends, is scanned apart, from
		// the line it would begin: appending to b would copy it whole.
		// Only a match that would run from the last ASCII line into
		// the first UTF-16 one (wrapped base64 split between the two)
		// is lost by the split.
		text, wide := archive.TextOver(b)
		fs := d.Detect(Fragment{Path: path, Content: text})
		if len(wide) > 0 {
			fs = append(fs, d.Detect(Fragment{Path: path, Content: wide, FirstLine: bytes.Count(text, []byte{'\n'}) + 1})...)
		}
		return fs
	default:
		b = archive.Text(b)
	}
	return d.Detect(Fragment{Path: path, Content: b})
}

// PathAllowed reports whether the global allowlist excludes path: such
// a file is never scanned, so it is never missed either.
func (d *Detector) PathAllowed(path string) bool { return d.allow.AllowsPath(path) }
