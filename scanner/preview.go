package scanner

import (
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/leakguard/leakguard/secret"
)

// Previews: the line (or match) shown with a finding, for people — in
// reports, the ledger, baseline comments and GitHub issues. A preview
// shows the finding's own secret redacted and hides everything else on
// the line that is or may be a secret:
//
//   - every other candidate of the fragment (findings, and candidates an
//     inline allow, an allowlist or an ignore entry suppressed);
//   - every span any rule's regex or a managed name's assignment matches
//     on the line, whatever the rule's filters said;
//   - every known value;
//   - the value of every assignment (NAME=v, NAME: v, "NAME": "v",
//     --flag v for credential-like flags), the password of a URL, the
//     token after Bearer or Basic;
//   - every token that looks random ([secret.TokenSpans]).
//
// When in doubt it shows less: a hidden span is "…", with no head and no
// length.

// view locates, in a finding's Line and Match, the secret and the spans
// previews hide. The Detector sets it; findings made elsewhere (a JSON
// report read back) have none, and their previews rely on the text alone.
type view struct {
	line, match layout
}

// layout is where the secret (or the encoded text that holds it) and the
// other sensitive spans sit in one text.
type layout struct {
	own  [2]int // empty when the secret is not in the text
	hide [][2]int
}

// previewer computes views for the findings of one fragment.
type previewer struct {
	d       *Detector
	path    string
	content []byte
	cands   []candidate      // every candidate of the fragment, before merging
	exposed map[int][][2]int // line start -> spans any rule or name matches there
	spans   [][2]int         // the candidates' spans, by start
	maxEnd  []int            // maxEnd[i]: the largest end of spans[:i+1]
}

// view is the view of candidate c on the line content[ls:le].
func (p *previewer) view(c candidate, ls, le int) *view {
	if p.exposed == nil {
		p.exposed = map[int][][2]int{}
		for _, o := range p.cands {
			p.spans = append(p.spans, [2]int{o.start, o.end})
		}
		sort.Slice(p.spans, func(i, j int) bool { return p.spans[i][0] < p.spans[j][0] })
		p.maxEnd = make([]int, len(p.spans))
		for i, sp := range p.spans {
			p.maxEnd[i] = sp[1]
			if i > 0 {
				p.maxEnd[i] = max(sp[1], p.maxEnd[i-1])
			}
		}
	}
	ex, ok := p.exposed[ls]
	if !ok {
		ex = p.d.exposedSpans(p.content[ls:le], newFileContext(p.path).dotenv)
		for i := range ex {
			ex[i][0] += ls
			ex[i][1] += ls
		}
		p.exposed[ls] = ex
	}
	return &view{
		line:  p.layout(c, ls, le, ex),
		match: p.layout(c, c.mstart, c.mend, ex),
	}
}

// layout places c and every sensitive span over content[s:e] relative to s.
func (p *previewer) layout(c candidate, s, e int, exposed [][2]int) layout {
	var l layout
	if r, ok := clip(c.start, c.end, s, e); ok {
		l.own = r
	}
	// The candidates that start before e, back to the last that may
	// still reach s.
	for i := sort.Search(len(p.spans), func(i int) bool { return p.spans[i][0] >= e }) - 1; i >= 0 && p.maxEnd[i] > s; i-- {
		if r, ok := clip(p.spans[i][0], p.spans[i][1], s, e); ok {
			l.hide = append(l.hide, r)
		}
	}
	for _, x := range exposed {
		if r, ok := clip(x[0], x[1], s, e); ok {
			l.hide = append(l.hide, r)
		}
	}
	return l
}

// clip is [a,b) within [s,e), relative to s.
func clip(a, b, s, e int) ([2]int, bool) {
	a, b = max(a, s), min(b, e)
	if a >= b {
		return [2]int{}, false
	}
	return [2]int{a - s, b - s}, true
}

// exposedSpans returns the spans of a line that any rule's regex (its
// secret group), a managed name's assignment or a known value matches,
// whatever the rules' filters decide: a preview hides them all.
func (d *Detector) exposedSpans(b []byte, dotenv bool) [][2]int {
	var out [][2]int
	hit := map[int]bool{}
	d.keywords.each(b, func(p, ks, ke int) {
		for _, ri := range d.patRules[p] {
			hit[ri] = true
		}
		if ki := d.patKey[p]; ki >= 0 {
			if c, ok := d.managedAt(b, ks, ke, ki, dotenv); ok {
				out = append(out, [2]int{c.start, c.end})
			}
		}
	})
	for _, ri := range d.noKeyword {
		hit[ri] = true
	}
	for ri := range hit {
		r := d.rules[ri]
		re := r.Regexp()
		if re == nil {
			continue
		}
		for _, m := range re.FindAllSubmatchIndex(b, -1) {
			if ss, se := secretSpan(r, m); ss < se {
				out = append(out, [2]int{ss, se})
			}
		}
	}
	for _, c := range d.known.find(b) {
		out = append(out, [2]int{c.start, c.end})
	}
	return out
}

// Byte marks of a text being previewed.
const (
	markShow = iota
	markHide
	markOwn
)

// render shows text[from:to] with the secret's span (and every other
// occurrence of it) as its redacted preview and every sensitive span as
// "…"; to the text alone it adds what [hideByShape] finds. White space
// is folded.
func render(text string, l layout, sec secret.Value, from, to int) string {
	marks := make([]byte, len(text))
	for _, h := range l.hide {
		fill(marks, h[0], h[1], markHide)
	}
	hideByShape(text, marks)
	if s := sec.Reveal(); s != "" {
		for i := 0; ; {
			j := strings.Index(text[i:], s)
			if j < 0 {
				break
			}
			fill(marks, i+j, i+j+len(s), markOwn)
			i += j + len(s)
		}
	}
	fill(marks, l.own[0], l.own[1], markOwn)

	var b strings.Builder
	from, to = max(from, 0), min(to, len(text))
	for i := from; i < to; {
		j := i
		for j < to && marks[j] == marks[i] {
			j++
		}
		switch marks[i] {
		case markOwn:
			b.WriteString(sec.Redacted())
		case markHide:
			if !strings.HasSuffix(b.String(), "…") {
				b.WriteString("…")
			}
		default:
			b.WriteString(text[i:j])
		}
		i = j
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// lastBytes keeps the last n bytes of s (whole runes), with "…" in front
// when it cut.
func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return "…" + s[i:]
}

func fill(marks []byte, s, e int, m byte) {
	s, e = max(s, 0), min(e, len(marks))
	for i := s; i < e; i++ {
		marks[i] = m
	}
}

var urlScheme = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`) })

// credFlag is a command-line flag that takes a credential as its next
// word, and the words that precede a credential in an HTTP header.
var credFlag = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(?:--?[a-z0-9_.-]*(?:pass|pwd|token|secret|key|auth|cred)[a-z0-9_.-]*|\bbearer|\bbasic)[ \t]+`)
})

// hideByShape marks what looks like a secret in text by its shape alone:
// assignment values, URL passwords, credential flags' values and random
// tokens.
func hideByShape(text string, marks []byte) {
	for _, t := range secret.TokenSpans(text) {
		fill(marks, t[0], t[1], markHide)
	}
	for i := 0; i < len(text); i++ {
		if c := text[i]; c == '=' || c == ':' {
			if vs, ok := assignmentValue(text, i); ok {
				s, e := valueSpan(text, vs)
				fill(marks, s, e, markHide)
			}
		}
	}
	for _, m := range credFlag().FindAllStringIndex(text, -1) {
		s, e := valueSpan(text, m[1])
		fill(marks, s, e, markHide)
	}
	// scheme://user:password@host: the password (and an empty user's).
	for i := 0; ; {
		j := strings.Index(text[i:], "://")
		if j < 0 {
			break
		}
		s := i + j + 3
		e := s
		for e < len(text) && text[e] != '@' && text[e] != '/' && !isSpace(text[e]) {
			e++
		}
		if e < len(text) && text[e] == '@' {
			if k := strings.IndexByte(text[s:e], ':'); k >= 0 {
				fill(marks, s+k+1, e, markHide)
			}
		}
		i = s
	}
}

// assignmentValue reports whether the separator at text[i] ('=' or ':')
// assigns a value to a name, and where the value starts. Comparisons
// (==, !=, <=, >=), scopes (::) and URL schemes (://) are not
// assignments.
func assignmentValue(text string, i int) (int, bool) {
	c := text[i]
	next := func(k int) byte {
		if k < len(text) {
			return text[k]
		}
		return 0
	}
	if c == ':' && (next(i+1) == ':' || next(i+1) == '/' && next(i+2) == '/') {
		return 0, false
	}
	if c == '=' && (next(i+1) == '=' || i > 0 && strings.IndexByte("=!<>:", text[i-1]) >= 0) {
		return 0, false
	}
	if c == ':' && i > 0 && text[i-1] == ':' {
		return 0, false
	}
	// A name before it: an identifier, maybe quoted or closing a subscript.
	k := i
	for k > 0 && (text[k-1] == ' ' || text[k-1] == '\t') {
		k--
	}
	if k > 0 && (text[k-1] == '"' || text[k-1] == '\'' || text[k-1] == ']') {
		k--
	}
	if k == 0 || !isIdentByte(text[k-1]) && text[k-1] != '-' && text[k-1] != '.' {
		return 0, false
	}
	v := i + 1
	if c == ':' && next(i+1) == '=' || c == '=' && next(i+1) == '>' {
		v++ // := and =>
	}
	for v < len(text) && (text[v] == ' ' || text[v] == '\t') {
		v++
	}
	return v, true
}

// valueSpan is the value starting at vs: inside its quotes when quoted,
// else up to the next white space (a value may hold &, quotes or
// punctuation: when in doubt, the preview shows less). A structure ({, [)
// is not a value: its members are assignments of their own.
func valueSpan(text string, vs int) (int, int) {
	if vs >= len(text) {
		return vs, vs
	}
	switch q := text[vs]; q {
	case '"', '\'', '`':
		if j := strings.IndexByte(text[vs+1:], q); j >= 0 {
			return vs + 1, vs + 1 + j
		}
		return vs + 1, len(text)
	case '{', '[':
		return vs, vs
	}
	e := vs
	for e < len(text) && !isSpace(text[e]) {
		e++
	}
	if urlScheme().MatchString(text[vs:e]) {
		return vs, vs // a URL: its password and query values are hidden on their own
	}
	return vs, e
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
