package scanner

import (
	"github.com/leakguard/leakguard/archive"
)

// DetectFile finds the secrets in a whole file's content, whatever it
// holds: an archive's entries ([archive.Walk]: findings point at
// "path!/entry"), a binary file's printable text ([DetectStrings]), else
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
			out = append(out, d.detectWhole(p, b)...)
		})
		return out, res
	}
	if !IsBinary(f.Content) {
		return d.Detect(f), res
	}
	return d.DetectStrings(f.Path, archive.StringsOf(f.Content)), res
}

// detectWhole scans a file's text, or a binary's printable text.
func (d *Detector) detectWhole(path string, b []byte) []Finding {
	if !IsBinary(b) {
		return d.Detect(Fragment{Path: path, Content: b})
	}
	return d.DetectStrings(path, archive.StringsOf(b))
}

// DetectStrings finds the secrets in a binary's printable text, read
// whole or as it streamed ([archive.Strings]). Its lines are the
// binary's with every byte outside a run of text made a newline: the
// same wherever the binary is read.
//
// Its UTF-16 text is scanned apart, from the line it would begin: only a
// match that would run from the last ASCII line into the first UTF-16
// one (wrapped base64 split between the two) is lost by the split.
func (d *Detector) DetectStrings(path string, s *archive.Strings) []Finding {
	text, wide := s.Text()
	fs := d.Detect(Fragment{Path: path, Content: text})
	m := s.Lines()
	for i := range fs {
		fs[i].StartLine, fs[i].EndLine = m.Line(fs[i].StartLine), m.Line(fs[i].EndLine)
	}
	if len(wide) > 0 {
		fs = append(fs, d.Detect(Fragment{Path: path, Content: wide, FirstLine: s.TextLines() + 1})...)
	}
	return fs
}

// PathAllowed reports whether the global allowlist excludes path: such
// a file is never scanned, so it is never missed either.
func (d *Detector) PathAllowed(path string) bool { return d.allow.AllowsPath(path) }
