package scanner

import (
	"bytes"
	"sort"
	"strings"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// From candidates to findings: one candidate per secret location, in a
// total order, then each resolved into a Finding (its line and column,
// inline and configured allows, the ignore file, its preview).

// mergeCandidates keeps one candidate per secret location: the most
// specific rule wins, and the managed key name and the highest confidence
// are kept from the others.
//
// Candidates arrive in no fixed order (rules run from a map, decoded
// text after plain), so they are put in a total order first: the same
// content gives the same findings every run.
func mergeCandidates(cs []candidate) []candidate {
	sort.Slice(cs, func(i, j int) bool { return candLess(&cs[i], &cs[j]) })
	var out []candidate
	for _, c := range cs {
		if n := len(out); n > 0 && overlaps(out[n-1], c) {
			ac := commonCommits(out[n-1].allowCommits, c.allowCommits)
			out[n-1] = better(out[n-1], c)
			out[n-1].allowCommits = ac
			continue
		}
		out = append(out, c)
	}
	return out
}

// candLess orders candidates by position (the widest first), then the
// best first, then by everything else that tells two apart.
func candLess(a, b *candidate) bool {
	if a.start != b.start {
		return a.start < b.start
	}
	if a.end != b.end {
		return a.end > b.end
	}
	if ra, rb := rank(*a), rank(*b); ra != rb {
		return ra > rb
	}
	if ia, ib := ruleID(a), ruleID(b); ia != ib {
		return ia < ib
	}
	if a.keyIdx != b.keyIdx {
		return a.keyIdx < b.keyIdx
	}
	if a.secret != b.secret {
		return a.secret < b.secret
	}
	if len(a.decoded) != len(b.decoded) {
		return len(a.decoded) < len(b.decoded) // plain text first
	}
	for i := range a.decoded {
		if a.decoded[i] != b.decoded[i] {
			return a.decoded[i] < b.decoded[i]
		}
	}
	if a.mstart != b.mstart {
		return a.mstart < b.mstart
	}
	return a.mend < b.mend
}

func ruleID(c *candidate) string {
	if c.rule == nil {
		return ""
	}
	return c.rule.ID
}

func overlaps(a, b candidate) bool { return a.start < b.end && b.start < a.end }

// better merges two candidates for the same secret; on equal rank the
// first (in [candLess] order) wins.
func better(a, b candidate) candidate {
	win, other := a, b
	if rank(b) > rank(a) {
		win, other = b, a
	}
	if win.keyIdx < 0 && other.keyIdx >= 0 {
		win.keyIdx = other.keyIdx
	}
	if other.confidence.Rank() > win.confidence.Rank() {
		win.confidence = other.confidence
	}
	return win
}

// rank orders candidates for the same secret: a provider rule names the
// format best, then a known value, then a managed name, then a generic
// rule; confidence breaks ties.
func rank(c candidate) int {
	base := 0
	switch {
	case c.kind == kindRule && c.rule.Provider != "generic" && c.rule.Provider != "":
		base = 40
	case c.kind == kindKnown:
		base = 30
	case c.kind == kindManaged:
		base = 20
	default:
		base = 10
	}
	if c.kind == kindRule && c.rule.HasChecksum() {
		base += 5 // a verified checksum names the format for certain
	}
	return base + c.confidence.Rank()
}

// finding resolves a candidate into a Finding, or nil when it is
// suppressed.
func (d *Detector) finding(f Fragment, li *lineCursor, c candidate, pv *previewer) *Finding {
	sl, sc := li.pos(c.start)
	el, ec := li.pos(max(c.end-1, c.start))
	if f.Lines != nil && !f.Lines[sl] {
		return nil
	}
	if inIgnoreEntry(f.Path, f.Content, c.start, c.end) {
		return nil
	}
	ls, le := lineSpanAt(f.Content, c.start)
	line := string(f.Content[ls:le])
	if hasInlineAllow(line) {
		return nil
	}
	if d.allow != nil && d.allow.Allows(c.secret, string(f.Content[c.mstart:c.mend]), line) {
		return nil
	}
	fd := &Finding{
		StartLine: sl, StartColumn: sc, EndLine: el, EndColumn: ec,
		Match:      secret.New(string(f.Content[c.mstart:c.mend])),
		Secret:     secret.New(c.secret),
		Line:       secret.New(line),
		File:       f.Path,
		Entropy:    rules.ShannonEntropy(c.secret),
		Confidence: c.confidence,
		Decoded:    c.decoded,

		allowCommits: c.allowCommits,
	}
	if c.rule != nil {
		fd.RuleID, fd.Description, fd.Provider = c.rule.ID, c.rule.Description, c.rule.Provider
		fd.RotateURL, fd.Tags = c.rule.RotateURL, append([]string(nil), c.rule.Tags...)
	}
	if c.keyIdx >= 0 {
		k := d.keys[c.keyIdx]
		fd.KeyName = k.Name
		if c.rule == nil || fd.Provider == "generic" {
			fd.Provider = k.Provider
		}
		if k.RotateURL != "" {
			fd.RotateURL = k.RotateURL
		}
	}
	switch c.kind {
	case kindManaged:
		if c.rule == nil {
			fd.RuleID = "managed-key"
			fd.Description = "Managed key " + fd.KeyName + " assigned a literal value"
		}
	case kindKnown:
		if c.rule == nil {
			fd.RuleID = "known-value"
			fd.Description = "Known value of managed key " + fd.KeyName
		}
	}
	fd.Fingerprint = fd.ContentFingerprint()
	if d.ignore.Matches(fd) {
		return nil
	}
	fd.view = pv.view(c, ls, le)
	return fd
}

// hasInlineAllow reports a leakguard:allow (or gitleaks:allow) marker on
// the line.
func hasInlineAllow(line string) bool {
	return strings.Contains(line, "leakguard:allow") || strings.Contains(line, "gitleaks:allow")
}

// lineCursor maps byte offsets to 1-based line and column, counting
// newlines as it moves (findings come in order of position) rather than
// indexing every line: its memory does not grow with the content's lines.
type lineCursor struct {
	b     []byte
	off   int // the newlines before off are counted
	line  int // the line at off
	start int // where that line starts
}

// newLineCursor counts lines in b from first, the number of its first
// line.
func newLineCursor(b []byte, first int) *lineCursor { return &lineCursor{b: b, line: first} }

func (c *lineCursor) pos(off int) (line, col int) {
	if off < c.start {
		// Back before the current line (a candidate that overlaps the
		// previous one): count back to it.
		c.line -= bytes.Count(c.b[off:c.start], []byte{'\n'})
		c.start = bytes.LastIndexByte(c.b[:off], '\n') + 1
	} else if off > c.off {
		seg := c.b[c.off:off]
		if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
			c.line += n
			c.start = c.off + bytes.LastIndexByte(seg, '\n') + 1
		}
	}
	c.off = off
	return c.line, off - c.start + 1
}
