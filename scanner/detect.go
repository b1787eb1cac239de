package scanner

import (
	"bytes"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/leakguard/leakguard/rules"
)

// Window limits for regex matching around a keyword hit: single-line rules
// see the hit's line, clipped to this many bytes either side on long
// (minified) lines; multiline rules see this far past the hit.
const (
	lineWindow      = 1024
	multilineWindow = 16 << 10
)

// Options configure a [Detector].
type Options struct {
	Rules     []*rules.Rule
	Allowlist *rules.Allowlist // global; may be nil
	// Allowlists are an imported gitleaks config's allowlists, each with
	// its own condition, regex target, commits and target rules (see
	// allowlists.go).
	Allowlists []*rules.Allowlist
	Keys       []rules.Key // managed keys
	// DecodeDepth is how many layers of encoding are peeled off (0: none).
	DecodeDepth int
	// Ignore suppresses findings by content fingerprint; may be nil.
	Ignore *Ignore
	// MinConfidence drops findings less certain than it (empty: report
	// every finding, as audit does). What fails a scan is the caller's
	// choice: hooks and CI fail on [DefaultFailOn] and above.
	MinConfidence rules.Confidence
}

// DefaultFailOn is the confidence from which hooks and CI fail by
// default: a keyword with a shaped value, a known format or a credential
// store. Low findings (generic evidence) are reported, not blocking.
const DefaultFailOn = rules.Medium

// Detector finds secrets in content. It is safe for concurrent use.
type Detector struct {
	rules     []*rules.Rule
	allow     *rules.Allowlist
	keywords  *prefilter
	patRules  [][]int // keyword pattern -> rule indexes
	patKey    []int   // keyword pattern -> managed key index, or -1
	noKeyword []int   // rules without keywords: run everywhere
	// anyPath matches every path that some keywordless path-scoped rule
	// wants: one test per file instead of one per rule.
	anyPathOnce sync.Once
	anyPath     *regexp.Regexp
	keys        []rules.Key
	known       knownValues
	depth       int
	ignore      *Ignore
	min         rules.Confidence
	extra       extraAllowlists
}

// NewDetector builds a detector.
func NewDetector(o Options) *Detector {
	d := &Detector{rules: o.Rules, allow: o.Allowlist, keys: o.Keys, depth: o.DecodeDepth, ignore: o.Ignore, min: o.MinConfidence, extra: newExtraAllowlists(o.Allowlists)}
	// Every process builds this once, a pre-commit hook's included: the
	// tables are sized up front and the rules of all patterns share one
	// backing array, not ~1,500 small slices grown one rule at a time.
	n := len(o.Keys)
	for _, r := range o.Rules {
		n += len(r.LowerKeywords())
	}
	idx := make(map[string]int, n)
	pats := make([]string, 0, n)
	d.patKey = make([]int, 0, n)
	nRules := make([]int, 0, n) // rules per pattern
	add := func(p string) int {
		if i, ok := idx[p]; ok {
			return i
		}
		idx[p] = len(pats)
		pats = append(pats, p)
		d.patKey = append(d.patKey, -1)
		nRules = append(nRules, 0)
		return len(pats) - 1
	}
	for i, r := range o.Rules {
		if len(r.LowerKeywords()) == 0 {
			d.noKeyword = append(d.noKeyword, i)
			continue
		}
		for _, k := range r.LowerKeywords() {
			nRules[add(k)]++
		}
	}
	for i, k := range o.Keys {
		if k.Name == "" {
			continue
		}
		d.patKey[add(strings.ToLower(k.Name))] = i
	}
	// patRules[p] is a window of one array, filled in rule order.
	d.patRules = make([][]int, len(pats))
	all := make([]int, 0, n)
	for p, c := range nRules {
		d.patRules[p] = all[len(all) : len(all) : len(all)+c]
		all = all[:len(all)+c]
	}
	for i, r := range o.Rules {
		for _, k := range r.LowerKeywords() {
			p := idx[k]
			d.patRules[p] = append(d.patRules[p], i)
		}
	}
	d.keywords = newPrefilter(pats)
	d.known = newKnownValues(o.Keys)
	return d
}

// Fragment is content to scan with where it came from.
type Fragment struct {
	// Path is the file's path relative to the scan root (empty for stdin
	// and commit messages).
	Path    string
	Content []byte
	// Lines, when set, limits findings to these 1-based line numbers (the
	// added lines of a diff); nil means every line.
	Lines map[int]bool
	// FirstLine is the line number of Content's first line (0: 1), for
	// content that continues a text scanned before it.
	FirstLine int
}

// candidate is a finding before locations are resolved.
type candidate struct {
	rule       *rules.Rule // nil for managed and known-value findings
	keyIdx     int         // managed key, or -1
	kind       int
	start, end int // secret span in content
	mstart     int // match span in content
	mend       int
	secret     string
	confidence rules.Confidence
	decoded    []string
	// allowCommits are the commits in which an imported allowlist
	// suppresses the candidate (see allowlists.go).
	allowCommits []string
}

const (
	kindRule = iota
	kindManaged
	kindKnown
)

// Detect returns the findings in a fragment, sorted by position.
func (d *Detector) Detect(f Fragment) []Finding {
	if d.allow.AllowsPath(f.Path) || d.extra.skipsFile(f.Path) {
		return nil
	}
	all := d.detect(f.Path, f.Content, d.depth)
	cands := d.extra.filter(f, all)
	if len(cands) == 0 {
		return nil
	}
	// Previews hide every candidate, allowlisted ones too.
	pv := &previewer{d: d, path: f.Path, content: f.Content, cands: all}
	merged := mergeCandidates(cands)
	// Tests, fixtures, examples and documentation lower a rule's
	// confidence one level: they are reported, not hidden. A managed
	// key's name or known value is the user's own key wherever it is.
	if fc := newFileContext(f.Path); fc.test || fc.doc {
		for i := range merged {
			if merged[i].kind == kindRule {
				merged[i].confidence = lower(merged[i].confidence)
			}
		}
	}
	li := newLineCursor(f.Content, max(f.FirstLine, 1))
	var out []Finding
	for _, c := range merged {
		if d.min != "" && !c.confidence.AtLeast(d.min) {
			continue
		}
		fd := d.finding(f, li, c, pv)
		if fd == nil {
			continue
		}
		out = append(out, *fd)
	}
	return out
}

// detect collects candidates in content, peeling encodings up to depth.
//
// Memory is bounded by the windows matched in, not by the number of
// keyword hits (a keyword fires at every byte of a run of one letter):
// hits arrive in order of start, so a rule's overlapping windows merge as
// they come, and anchored rules and assignment sites are matched at once,
// each word or name once, instead of being collected first.
func (d *Detector) detect(path string, content []byte, depth int) []candidate {
	var cands []candidate
	windows := map[int][]span{} // rule -> its regex windows
	var (
		lastAt map[int]int  // rule -> the last word or name start it matched at
		pathOK map[int]bool // rule -> whether its path filters let path through
		fc     *fileContext
		lb     lineBounds
	)
	// applies reports whether rule ri runs on path: an assignment rule
	// unless it skips the path, an anchored one when its path matches too.
	applies := func(ri int, scoped bool) bool {
		ok, seen := pathOK[ri]
		if !seen {
			r := d.rules[ri]
			ok = !r.SkipsPath(path) && (!scoped || r.Path == "" || pathMatches(r, path))
			if pathOK == nil {
				pathOK = map[int]bool{}
			}
			pathOK[ri] = ok
		}
		return ok
	}
	// once reports whether rule ri has not yet matched at `at`: starts
	// come in order, so a repeat (two keywords in one name) follows the
	// start it repeats.
	once := func(ri, at int) bool {
		if lastAt == nil {
			lastAt = map[int]int{}
		}
		if last, ok := lastAt[ri]; ok && last == at {
			return false
		}
		lastAt[ri] = at
		return true
	}
	d.keywords.each(content, func(p, ks, ke int) {
		if len(d.patRules[p]) > 0 {
			ls, le := lb.around(content, ks, ke)
			for _, ri := range d.patRules[p] {
				r := d.rules[ri]
				switch {
				case r.Detector != "":
					ns, ne := nameAround(content, ls, le, ks, ke)
					if assignable(content, ns, ne, le) && applies(ri, false) && once(ri, ns) {
						if fc == nil {
							fc = newFileContext(path)
						}
						if c, ok := d.assignmentAt(r, fc, content, assignSite{ns, ne, ls, le, lb.firstWord(content)}); ok {
							cands = append(cands, c)
						}
					}
				case r.KeywordAnchor:
					if assignedAfter(content, ke, le) && applies(ri, true) {
						if st := wordStart(content, ls, ks); once(ri, st) {
							end := min(len(content), st+anchoredWindow)
							if i := bytes.IndexByte(content[st:end], '\n'); i >= 0 {
								end = st + i
							}
							cands = d.matchAnchored(cands, r, path, content, st, end)
						}
					}
				default:
					windows[ri] = addWindow(windows[ri], window(content, ls, le, ks, ke, r.Multiline))
				}
			}
		}
		if ki := d.patKey[p]; ki >= 0 {
			if fc == nil {
				fc = newFileContext(path)
			}
			if c, ok := d.managedAt(content, ks, ke, ki, fc.dotenv); ok {
				cands = append(cands, c)
			}
		}
	})
	if len(d.noKeyword) > 0 {
		pathy := d.anyPathRe().MatchString(path)
		for _, ri := range d.noKeyword {
			if d.rules[ri].Path != "" && !pathy {
				continue
			}
			windows[ri] = append(windows[ri], span{0, len(content), false, false})
		}
	}
	for ri, ws := range windows {
		r := d.rules[ri]
		if r.Regexp() == nil || (r.Path != "" && !pathMatches(r, path)) || r.SkipsPath(path) {
			continue
		}
		for _, w := range mergeSpans(ws) {
			cands = d.matchRule(cands, r, path, content, w)
		}
	}
	cands = append(cands, d.known.find(content)...)
	if depth > 0 {
		cands = append(cands, d.decodeAndDetect(path, content, depth)...)
	}
	return cands
}

// anyPathRe is the union of the keywordless rules' path regexes.
func (d *Detector) anyPathRe() *regexp.Regexp {
	d.anyPathOnce.Do(func() {
		var alts []string
		for _, ri := range d.noKeyword {
			if p := d.rules[ri].Path; p != "" {
				alts = append(alts, "(?:"+p+")")
			}
		}
		if len(alts) == 0 {
			d.anyPath = regexp.MustCompile(`$^`) // matches nothing
			return
		}
		re, err := regexp.Compile(strings.Join(alts, "|"))
		if err != nil {
			re = regexp.MustCompile(`.*`) // each rule still checks its own
		}
		d.anyPath = re
	})
	return d.anyPath
}

func pathMatches(r *rules.Rule, path string) bool {
	return r.PathRe() != nil && r.PathRe().MatchString(path)
}

// span is a byte range; clippedStart/End mark edges that cut a line.
type span struct {
	start, end   int
	clippedStart bool
	clippedEnd   bool
}

// anchoredWindow is how far past the start of its word an anchored rule's
// regex may match.
const anchoredWindow = 512

// wordStart is the start of the name that holds a keyword hit at ks: back
// over identifier bytes and dots or dashes, and one opening quote, within
// the line.
func wordStart(b []byte, ls, ks int) int {
	i := ks
	for i > ls && ks-i < 128 {
		c := b[i-1]
		if !isIdentByte(c) && c != '.' && c != '-' {
			break
		}
		i--
	}
	if i > ls && (b[i-1] == '"' || b[i-1] == '\'') {
		i--
	}
	return i
}

// assignedAfter reports whether the word holding a keyword that ends at
// ke is followed by an assignment (= or :, after an optional closing
// quote and blanks) before the line ends at le: the shape every anchored
// rule needs, checked before its regex runs.
func assignedAfter(b []byte, ke, le int) bool {
	i := ke
	for i < le && i-ke < 128 && (isIdentByte(b[i]) || b[i] == '.' || b[i] == '-') {
		i++
	}
	if i < le && (b[i] == '"' || b[i] == '\'' || b[i] == ']') {
		i++
	}
	for i < le && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i < le && (b[i] == '=' || b[i] == ':')
}

// matchAnchored runs an anchored rule at one word start.
func (d *Detector) matchAnchored(cands []candidate, r *rules.Rule, path string, content []byte, s, e int) []candidate {
	if !r.MayMatch(content[s:e]) {
		return cands // checked first: most rules' windows never compile their regex
	}
	a := r.Anchored()
	if a == nil {
		return cands // a regex that does not compile matches nothing
	}
	m := a.FindSubmatchIndex(content[s:e])
	if m == nil {
		return cands
	}
	return d.accept(cands, r, path, content, s, m)
}

// lineBounds finds the line around a keyword hit, reusing the previous
// hit's line: hits arrive in order, so a long (minified) line is scanned
// once, not once per hit.
type lineBounds struct {
	start, end int
	ok         bool
	first      int // the line's first byte that is not a blank; -1 until asked
}

func (lb *lineBounds) around(b []byte, ks, ke int) (int, int) {
	if lb.ok && ks >= lb.start && ke <= lb.end {
		return lb.start, lb.end
	}
	ls := bytes.LastIndexByte(b[:ks], '\n') + 1
	le := len(b)
	if i := bytes.IndexByte(b[ke:], '\n'); i >= 0 {
		le = ke + i
	}
	*lb = lineBounds{ls, le, true, -1}
	return ls, le
}

// firstWord is the offset of the first byte of the current line that is
// not a blank (its end when there is none), found once per line.
func (lb *lineBounds) firstWord(b []byte) int {
	if lb.first < 0 {
		lb.first = lb.start
		for lb.first < lb.end && (b[lb.first] == ' ' || b[lb.first] == '\t') {
			lb.first++
		}
	}
	return lb.first
}

// window is the range the regex of a rule sees around a keyword hit at
// b[ks:ke] on the line b[ls:le].
func window(b []byte, ls, le, ks, ke int, multiline bool) span {
	if multiline {
		end := min(len(b), ks+multilineWindow)
		return span{ls, end, false, end < len(b)}
	}
	w := span{start: ls, end: le}
	if ks-ls > lineWindow {
		w.start, w.clippedStart = ks-lineWindow, true
	}
	if le-ke > lineWindow {
		w.end, w.clippedEnd = ke+lineWindow, true
	}
	return w
}

// addWindow adds w to a rule's windows, merged into the last one when it
// starts within it: hits arrive in order of start, so a run of hits costs
// one window, not one each. (mergeSpans still merges what is left.)
func addWindow(ws []span, w span) []span {
	if n := len(ws); n > 0 && w.start >= ws[n-1].start && w.start <= ws[n-1].end {
		if w.end > ws[n-1].end {
			ws[n-1].end, ws[n-1].clippedEnd = w.end, w.clippedEnd
		}
		return ws
	}
	return append(ws, w)
}

// mergeSpans sorts and merges overlapping windows.
func mergeSpans(ws []span) []span {
	if len(ws) < 2 {
		return ws
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].start < ws[j].start })
	out := ws[:1]
	for _, w := range ws[1:] {
		last := &out[len(out)-1]
		if w.start <= last.end {
			if w.end > last.end {
				last.end, last.clippedEnd = w.end, w.clippedEnd
			}
			continue
		}
		out = append(out, w)
	}
	return out
}

// matchRule runs a rule's regex over one window.
func (d *Detector) matchRule(cands []candidate, r *rules.Rule, path string, content []byte, w span) []candidate {
	text := content[w.start:w.end]
	if !r.MayMatch(text) {
		return cands
	}
	for _, m := range r.Regexp().FindAllSubmatchIndex(text, -1) {
		if (w.clippedStart && m[0] == 0) || (w.clippedEnd && m[1] == len(text)) {
			continue // may be cut by the window: not a whole match
		}
		cands = d.accept(cands, r, path, content, w.start, m)
	}
	return cands
}

// accept turns a regex match (offsets relative to base) into a candidate
// when it passes the rule's filters.
func (d *Detector) accept(cands []candidate, r *rules.Rule, path string, content []byte, base int, m []int) []candidate {
	text := content[base:]
	ss, se := secretSpan(r, m)
	if ss < 0 {
		return cands
	}
	sec := string(text[ss:se])
	match := string(text[m[0]:m[1]])
	if r.CodeAware && !literalInContext(path, content, base+ss, sec) {
		return cands
	}
	line := ""
	if r.NeedsLine() {
		line = lineAt(content, base+ss)
	}
	if !r.CheckSecret(sec, match, line) {
		return cands
	}
	conf := r.Confidence
	if r.HasChecksum() {
		if !r.ChecksumOK(sec) {
			return cands // the provider never issued it
		}
		conf = rules.High
	}
	if r.Multiline && isEncryptedPrivateKey(sec) {
		conf = rules.Low // needs its passphrase (see isEncryptedPrivateKey)
	}
	cands = append(cands, candidate{
		rule: r, keyIdx: -1, kind: kindRule,
		start: base + ss, end: base + se,
		mstart: base + m[0], mend: base + m[1],
		secret: sec, confidence: conf,
	})
	return cands
}

// secretSpan is the secret's span in a match of r's regex: its
// secret_group, else (like gitleaks) the first group that matched, else
// the whole match; -1 when the secret group did not take part.
func secretSpan(r *rules.Rule, m []int) (int, int) {
	if g := r.SecretGroup; g > 0 {
		if 2*g+1 >= len(m) || m[2*g] < 0 {
			return -1, -1
		}
		return m[2*g], m[2*g+1]
	}
	if r.SecretGroup == 0 && len(m) > 2 && m[2] >= 0 {
		return m[2], m[3]
	}
	return m[0], m[1]
}

// lineAt returns the line holding offset i, without its newline; on a
// long (minified) line, the part within 4 KiB of i. It reads at most that
// far either way, so it costs the same on any line.
func lineAt(b []byte, i int) string {
	s, e := lineSpanAt(b, i)
	return string(b[s:e])
}

// lineSpanAt is the span of [lineAt].
func lineSpanAt(b []byte, i int) (int, int) {
	const reach = 4 * lineWindow
	lo := max(0, i-reach)
	s := bytes.LastIndexByte(b[lo:i], '\n') + 1 + lo
	if s == lo && lo > 0 {
		s = max(lo, i-lineWindow)
	}
	hi := min(len(b), i+reach)
	e := bytes.IndexByte(b[i:hi], '\n')
	if e < 0 {
		e = hi
		if hi < len(b) {
			e = min(hi, i+lineWindow)
		}
	} else {
		e += i
	}
	return s, e
}
