// Package rules owns rule definitions: the TOML rule format, the embedded
// default rule set, example templates, checksum validators and the
// managed-key inventory.
//
// # Rule format
//
// A rule file holds [[rules]] tables:
//
//	[[rules]]
//	id = "github-pat"
//	description = "GitHub personal access token (classic)"
//	provider = "github"
//	regex = '''\b(ghp_[A-Za-z0-9]{36})\b'''
//	secret_group = 1
//	keywords = ["ghp_"]
//	entropy = 3.0
//	checksum = "github"
//	rotate_url = "https://github.com/settings/tokens"
//	tags = ["vcs"]
//	tp = ['token = "ghp_{{$b := rand 30 "alnum"}}{{$b}}{{crc32b62 $b}}"']
//	fp = ['ghp_{{repeat "x" 36}}']
//	[rules.allowlist]
//	stopwords = ["example"]
//
// Examples are templates expanded at test time (see [Expand]) so the
// repository never holds a format-valid key.
package rules

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Confidence grades how sure a finding is.
type Confidence string

// Confidence levels, from most to least certain.
const (
	High   Confidence = "high"
	Medium Confidence = "medium"
	Low    Confidence = "low"
)

// Rank orders confidences: high is 3, medium 2, low 1, anything else 0.
func (c Confidence) Rank() int {
	switch c {
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	}
	return 0
}

// ParseConfidence reads a confidence threshold: low, medium or high.
func ParseConfidence(s string) (Confidence, error) {
	c := Confidence(strings.ToLower(strings.TrimSpace(s)))
	if c.Rank() == 0 {
		return "", fmt.Errorf("%q is not low, medium or high", s)
	}
	return c, nil
}

// AtLeast reports whether c is min or more certain.
func (c Confidence) AtLeast(min Confidence) bool { return c.Rank() >= min.Rank() }

// Allowlist suppresses matches.
type Allowlist struct {
	Description string   `toml:"description"`
	Regexes     []string `toml:"regexes"`
	// RegexTarget is what Regexes are matched against: "secret" (default),
	// "match" or "line".
	RegexTarget string   `toml:"regex_target"`
	Stopwords   []string `toml:"stopwords"`
	Paths       []string `toml:"paths"`

	// The fields below come from an imported gitleaks config only (see
	// [Allowlist.Decide]); leakguard.toml cannot set them, so a file
	// written for leakguard never means more than it says.

	// Condition is how the criteria combine: "" or "or" (any one
	// suppresses), "and" (every criterion set must hold).
	Condition string `toml:"-"`
	// Commits are full commit ids (any case): a finding introduced by one
	// of them is a criterion that holds.
	Commits []string `toml:"-"`
	// TargetRules limits the allowlist to these rule ids (empty: every
	// finding).
	TargetRules []string `toml:"-"`

	regexes []*regexp.Regexp
	paths   []*regexp.Regexp
	commits []string // lower case
}

// RuleSpec is a rule as written in TOML.
type RuleSpec struct {
	ID          string   `toml:"id"`
	Description string   `toml:"description"`
	Provider    string   `toml:"provider"`
	Regex       string   `toml:"regex"`
	SecretGroup int      `toml:"secret_group"`
	Keywords    []string `toml:"keywords"`
	Entropy     float64  `toml:"entropy"`
	// SecretMinLen and SecretMaxLen bound the secret's length in bytes
	// (0: no bound): cheaper than a counted repetition in the regex,
	// which makes Go's matcher slow on large programs.
	SecretMinLen int        `toml:"secret_min_len"`
	SecretMaxLen int        `toml:"secret_max_len"`
	Path         string     `toml:"path"`
	Tags         []string   `toml:"tags"`
	Checksum     string     `toml:"checksum"`
	RotateURL    string     `toml:"rotate_url"`
	Confidence   Confidence `toml:"confidence"`
	// Multiline rules may match across lines (private keys); others are
	// matched line by line around keyword hits.
	Multiline bool `toml:"multiline"`
	// KeywordAnchor runs the regex anchored at the start of the word that
	// holds each keyword hit (a name such as DB_PASSWORD), instead of over
	// the whole line: much faster for rules whose match begins with the
	// keyword's word. The word must be followed by = or : (after an
	// optional quote and blanks), or the regex is not run at all.
	KeywordAnchor bool `toml:"keyword_anchor"`
	// CodeAware drops two classes of noise that only context reveals: an
	// unquoted value in a source-code file (an identifier or expression,
	// not a literal) and a hex-only value of 32+ characters in a test
	// file (a test vector).
	CodeAware bool `toml:"code_aware"`
	// Validate names a structural check of the secret beyond the regex
	// ("jwt", "jwt-supabase-service-role", "placeholder").
	Validate string `toml:"validate"`
	// Detector names a matcher written in Go that runs at each keyword
	// hit instead of a regex ("assignment": secret-named assignments in
	// any syntax, judged by their context; see the scanner package).
	Detector string `toml:"detector"`
	// Names, when set, must be words of an identifier in the match before
	// the secret (see [Family]): PROVIDER_API_KEY for names ["provider"].
	Names []string `toml:"names"`
	// Shape, when set, is a regex the whole secret must match.
	Shape     string     `toml:"shape"`
	Allowlist *Allowlist `toml:"allowlist"`
	TP        []string   `toml:"tp"`
	FP        []string   `toml:"fp"`
	// ExamplePath is the file path the examples are scanned under (for
	// rules with a path); default "example.txt".
	ExamplePath string `toml:"example_path"`
}

// Rule is a compiled rule. Its regexes are compiled on first use when it
// was made by [CompileLazy] (the embedded rules, checked by the tests), so
// a pre-commit scan pays only for the rules whose keywords appear.
type Rule struct {
	// RuleSpec is shared, never written through: the embedded rules'
	// specs are [SharedDefaults]'. Holding it by pointer rather than
	// copying it saves every scan copying ~900 specs of 360 bytes into
	// fresh memory (a hook's start-up).
	*RuleSpec
	// Allowlist is the rule's own copy of the spec's allowlist, which
	// it compiles on first use (ensureAllow); it hides the spec's.
	Allowlist *Allowlist
	checksum  Validator
	validate  func(string) bool
	lowerKW   []string

	once       sync.Once
	anchorOnce sync.Once
	allowOnce  sync.Once
	allowErr   error
	re         *regexp.Regexp
	anchoredRe *regexp.Regexp
	shapeRe    *regexp.Regexp
	pathRe     *regexp.Regexp
	reqOnce    sync.Once
	req        Required
	err        error
}

// Regexp is the rule's regex, or nil for a path-only rule.
func (r *Rule) Regexp() *regexp.Regexp { r.ensure(); return r.re }

// Anchored is the regex anchored at the start of its input (for
// KeywordAnchor rules), compiled on its own first use: the detector runs
// only this form of an anchored rule.
func (r *Rule) Anchored() *regexp.Regexp {
	r.anchorOnce.Do(func() {
		if r.Regex != "" {
			r.anchoredRe = anchor(r.Regex)
		}
	})
	return r.anchoredRe
}

// MayMatch reports whether the rule's regex (either form) could match
// somewhere in b: false only when b lacks a literal, or a run of one
// character class, that every match holds (see [Required]). The detector
// asks before running the regex.
func (r *Rule) MayMatch(b []byte) bool {
	r.reqOnce.Do(func() {
		if r.Regex != "" {
			r.req = requiredShared(r.Regex)
		}
	})
	return r.req.MayMatch(b)
}

// anchor compiles src anchored at the start of its input, or returns nil
// when src does not compile. A regex that ends inside \Q (quoted to its
// end) would quote the wrapper's closing parenthesis too: such a regex is
// anchored through its parse tree, whose String form is equivalent.
func anchor(src string) *regexp.Regexp {
	if re, err := compileShared(`^(?:` + src + `)`); err == nil {
		return re
	}
	tree, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil
	}
	re, _ := compileShared(`^(?:` + tree.String() + `)`)
	return re
}

// PathRe is the compiled path regex, or nil.
func (r *Rule) PathRe() *regexp.Regexp { r.ensure(); return r.pathRe }

// ensure compiles the regexes once. Errors were reported by Compile for
// user rules; for embedded rules the tests guarantee there are none, and a
// rule that still fails to compile matches nothing.
func (r *Rule) ensure() {
	r.once.Do(func() { r.err = r.compileRegexes() })
}

func (r *Rule) compileRegexes() error {
	work.compiled.Add(1)
	s := r.RuleSpec
	if s.Regex != "" {
		re, err := compileShared(s.Regex)
		if err != nil {
			return fmt.Errorf("regex: %v", err)
		}
		if s.SecretGroup < 0 || s.SecretGroup > re.NumSubexp() {
			return fmt.Errorf("secret_group: %d but the regex has %d groups", s.SecretGroup, re.NumSubexp())
		}
		r.re = re
	}
	if s.Path != "" {
		re, err := regexp.Compile(s.Path)
		if err != nil {
			return fmt.Errorf("path: %v", err)
		}
		r.pathRe = re
	}
	if s.Shape != "" {
		re, err := compileShared(`^(?:` + s.Shape + `)$`)
		if err != nil {
			return fmt.Errorf("shape: %v", err)
		}
		r.shapeRe = re
	}
	return nil
}

// work counts what this process has done with rules, for the start-up
// tests: a command that scans nothing (version, help) makes no rule and
// compiles nothing.
var work struct{ made, compiled atomic.Int64 }

// Work reports how many rules this process has made ([CompileLazy]) and
// how many rules and allowlists it has compiled.
func Work() (made, compiled int64) { return work.made.Load(), work.compiled.Load() }

// sharedRegexps holds compiled regexes by source: the members of a
// [Family] share one regex, compiled once. A *regexp.Regexp is safe for
// concurrent use.
var sharedRegexps sync.Map

func compileShared(src string) (*regexp.Regexp, error) {
	if re, ok := sharedRegexps.Load(src); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, err
	}
	actual, _ := sharedRegexps.LoadOrStore(src, re)
	return actual.(*regexp.Regexp), nil
}

// sharedRequired holds [RequiredOf] by regex source, as sharedRegexps
// the regexes.
var sharedRequired sync.Map

func requiredShared(src string) Required {
	if r, ok := sharedRequired.Load(src); ok {
		return r.(Required)
	}
	r, _ := sharedRequired.LoadOrStore(src, RequiredOf(src))
	return r.(Required)
}

// ensureAllow compiles the rule's allowlist once, apart from its regex:
// most rules run without ever needing it.
func (r *Rule) ensureAllow() {
	r.allowOnce.Do(func() {
		if r.Allowlist != nil {
			if err := r.Allowlist.compile(); err != nil {
				r.allowErr = fmt.Errorf("allowlist.%v", err)
			}
		}
	})
}

// Compile checks and compiles a rule, reporting any regex error now.
func Compile(s RuleSpec) (*Rule, error) {
	r, err := CompileLazy(s)
	if err != nil {
		return nil, err
	}
	r.ensure()
	if r.err != nil {
		return nil, r.err
	}
	r.ensureAllow()
	if r.allowErr != nil {
		return nil, r.allowErr
	}
	return r, nil
}

// CompileLazy checks a rule's fields and defers compiling its regexes to
// first use.
func CompileLazy(s RuleSpec) (*Rule, error) {
	r := new(Rule)
	if err := r.initLazy(&s); err != nil {
		return nil, err
	}
	return r, nil
}

// CompileLazyAll is CompileLazy for each spec, the rules made in one
// allocation: every scan loads the ~900 embedded rules, a pre-commit
// hook's too, and 900 allocations of a rule each cost it more than the
// copying. An error names the rule's id.
func CompileLazyAll(specs []*RuleSpec) ([]*Rule, error) {
	all := make([]Rule, len(specs))
	out := make([]*Rule, len(specs))
	for i, s := range specs {
		// Written whole before initLazy reads any of it: fresh memory
		// that a process reads first maps the zero page, and its first
		// write then copies that page and flushes every other CPU's TLB
		// (a hook's start-up: 4 % of a staged scan's samples, 60 runs).
		all[i] = Rule{}
		if err := all[i].initLazy(s); err != nil {
			return nil, fmt.Errorf("rule %s: %w", s.ID, err)
		}
		out[i] = &all[i]
	}
	return out, nil
}

// initLazy makes r, a zero Rule, the rule of s (see CompileLazy).
func (r *Rule) initLazy(s *RuleSpec) error {
	if s.ID == "" {
		return fmt.Errorf("id: missing")
	}
	if s.Regex == "" && s.Path == "" && s.Detector == "" {
		return fmt.Errorf("regex: missing (a rule needs a regex, a path or a detector)")
	}
	switch s.Detector {
	case "", "assignment":
	default:
		return fmt.Errorf("detector: unknown detector %q (known: assignment)", s.Detector)
	}
	work.made.Add(1)
	if s.Confidence == "" {
		c := *s // the spec is not written: a copy holds the default
		c.Confidence = Medium
		s = &c
	} else if s.Confidence.Rank() == 0 {
		return fmt.Errorf("confidence: %q is not high, medium or low", s.Confidence)
	}
	r.RuleSpec = s
	if s.Allowlist != nil {
		al := *s.Allowlist // each rule owns its compiled allowlist
		r.Allowlist = &al
	}
	if s.Checksum != "" {
		v, ok := Checksums[s.Checksum]
		if !ok {
			return fmt.Errorf("checksum: unknown validator %q (known: %s)", s.Checksum, strings.Join(checksumNames(), ", "))
		}
		r.checksum = v
	}
	if s.Validate != "" {
		v, ok := validators[s.Validate]
		if !ok {
			return fmt.Errorf("validate: unknown check %q", s.Validate)
		}
		r.validate = v
	}
	// The spec's keywords themselves when they are in lower case already
	// (the defaults' are): ~900 fewer allocations in every process.
	r.lowerKW = s.Keywords
	copied := false
	for i, k := range s.Keywords {
		if len(k) < 2 {
			return fmt.Errorf("keywords: %q: a keyword needs two bytes or more (the prefilter does not look for single bytes)", k)
		}
		if l := strings.ToLower(k); l != k {
			if !copied {
				r.lowerKW, copied = slices.Clone(s.Keywords), true
			}
			r.lowerKW[i] = l
		}
	}
	if s.Allowlist != nil {
		switch s.Allowlist.RegexTarget {
		case "", "secret", "match", "line":
		default:
			return fmt.Errorf("allowlist.regex_target: %q is not secret, match or line", s.Allowlist.RegexTarget)
		}
	}
	return nil
}

func (a *Allowlist) compile() error {
	switch a.RegexTarget {
	case "", "secret", "match", "line":
	default:
		return fmt.Errorf("regex_target: %q is not secret, match or line", a.RegexTarget)
	}
	switch a.Condition {
	case "", "or", "and":
	default:
		return fmt.Errorf("condition: %q is not or, and", a.Condition)
	}
	work.compiled.Add(1)
	a.regexes = a.regexes[:0]
	a.paths = a.paths[:0]
	a.commits = a.commits[:0]
	for _, c := range a.Commits {
		if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
			a.commits = append(a.commits, c)
		}
	}
	for _, s := range a.Regexes {
		re, err := regexp.Compile(s)
		if err != nil {
			return fmt.Errorf("regexes: %v", err)
		}
		a.regexes = append(a.regexes, re)
	}
	for _, s := range a.Paths {
		re, err := regexp.Compile(s)
		if err != nil {
			return fmt.Errorf("paths: %v", err)
		}
		a.paths = append(a.paths, re)
	}
	return nil
}

// Compiled compiles the allowlist's patterns.
func (a *Allowlist) Compiled() error { return a.compile() }

// AllowsPath reports whether path is allowlisted.
func (a *Allowlist) AllowsPath(path string) bool {
	return a != nil && anyMatch(a.paths, path)
}

// Allows reports whether a match is allowlisted by its regexes or
// stopwords.
func (a *Allowlist) Allows(secret, match, line string) bool {
	if a == nil {
		return false
	}
	return anyMatch(a.regexes, a.target(secret, match, line)) || hasStopword(a.Stopwords, secret)
}

// target is what the allowlist's regexes are matched against.
func (a *Allowlist) target(secret, match, line string) string {
	switch a.RegexTarget {
	case "match":
		return match
	case "line":
		return line
	}
	return secret
}

// LowerKeywords returns the rule's keywords in lower case; read only (it
// may be the spec's own slice).
func (r *Rule) LowerKeywords() []string { return r.lowerKW }

// CheckSecret applies the rule's own filters to a candidate secret:
// entropy, stopwords, allowlist, structural validation. It returns false
// when the candidate is not a finding. A checksum failure is reported
// separately by [Rule.ChecksumOK].
func (r *Rule) CheckSecret(secret, match, line string) bool {
	if len(secret) < r.SecretMinLen || (r.SecretMaxLen > 0 && len(secret) > r.SecretMaxLen) {
		return false
	}
	if r.Entropy > 0 && ShannonEntropy(secret) < r.Entropy {
		return false
	}
	// The validator before the allowlist: it is cheap, and the allowlist's
	// regexes are compiled only for candidates that get this far.
	if r.validate != nil && !r.validate(secret) {
		return false
	}
	if r.Shape != "" {
		r.ensure()
		if r.shapeRe == nil || !r.shapeRe.MatchString(secret) {
			return false
		}
	}
	if len(r.Names) > 0 {
		before := match
		if i := strings.LastIndex(match, secret); i >= 0 {
			before = match[:i]
		}
		if !namesIn(before, r.Names) {
			return false
		}
	}
	if r.Allowlist != nil {
		r.ensureAllow()
		if r.Allowlist.Allows(secret, match, line) {
			return false
		}
	}
	return true
}

// NeedsLine reports whether CheckSecret looks at the line (an allowlist
// regex targets it), so callers can skip building it otherwise.
func (r *Rule) NeedsLine() bool {
	return r.Allowlist != nil && r.Allowlist.RegexTarget == "line" && len(r.Allowlist.Regexes) > 0
}

// SkipsPath reports whether the rule's own allowlist excludes path.
func (r *Rule) SkipsPath(path string) bool {
	if r.Allowlist == nil || len(r.Allowlist.Paths) == 0 {
		return false
	}
	r.ensureAllow()
	return r.Allowlist.AllowsPath(path)
}

// HasChecksum reports whether the rule validates a checksum.
func (r *Rule) HasChecksum() bool { return r.checksum != nil }

// ChecksumOK runs the rule's checksum validator, if any.
func (r *Rule) ChecksumOK(secret string) bool {
	if r.checksum == nil {
		return true
	}
	return r.checksum(secret)
}
