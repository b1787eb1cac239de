// Package config loads leakguard's configuration: the embedded defaults,
// merged with a user file (leakguard.toml, or a gitleaks config), into the
// rules, allowlist, managed keys and settings a scan and the remediation
// playbook use.
//
// # Lookup
//
// The file is -c FILE, else $LEAKGUARD_CONFIG, else leakguard.toml at the
// repository root, else leakguard.toml in the current directory, else
// .gitleaks.toml at the repository root (imported). Without any, the
// embedded defaults apply alone. The user-level inventory ([UserPath])
// lies under it (see user.go and [LoadLayers]).
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// File is leakguard.toml as written.
type File struct {
	Extend    Extend            `toml:"extend"`
	Scan      Scan              `toml:"scan"`
	Rules     []rules.RuleSpec  `toml:"rules"`
	Allowlist *rules.Allowlist  `toml:"allowlist"`
	Keys      []rules.Key       `toml:"keys"`
	Targets   map[string]Target `toml:"targets"`
	GitHub    GitHub            `toml:"github"`
	State     State             `toml:"state"`
	Policy    Policy            `toml:"policy"`
	Verify    Verify            `toml:"verify"`

	// allowlists are an imported gitleaks config's (see gitleaks.go).
	allowlists []*rules.Allowlist
}

// Verify configures validity checks (see package verify).
type Verify struct {
	// Enabled verifies findings on every scan but a hook's (--staged,
	// --pre-push), which verifies only with --verify.
	Enabled bool `toml:"enabled"`
	// Endpoints replaces providers' base URLs, by provider id.
	Endpoints map[string]string `toml:"endpoints"`
}

// Extend says how the file combines with the embedded defaults.
type Extend struct {
	// UseDefault merges the file over the embedded defaults (default true).
	UseDefault *bool `toml:"use_default"`
	// DisabledRules removes default rules by id.
	DisabledRules []string `toml:"disabled_rules"`
}

// Scan holds scan settings.
type Scan struct {
	MaxSize     Size `toml:"max_size"`
	DecodeDepth *int `toml:"decode_depth"`
}

// Target is a place a managed key's value is synced to.
type Target struct {
	Type         string   `toml:"type"`
	Project      string   `toml:"project"`
	TeamID       string   `toml:"team_id"`
	Environments []string `toml:"environments"`
	TokenEnv     string   `toml:"token_env"`
	APIURL       string   `toml:"api_url"`
	ProjectRef   string   `toml:"project_ref"`
	DSNEnv       string   `toml:"dsn_env"`
	Table        string   `toml:"table"`
	Environment  string   `toml:"environment"`
	ProjectID    string   `toml:"project_id"`
	Path         string   `toml:"path"`
	Pointer      string   `toml:"pointer"`
	Name         string   `toml:"name"`
	Sensitive    bool     `toml:"sensitive"`
}

// TargetTypes are the values of a target's type field.
var TargetTypes = []string{"vercel", "supabase-secrets", "postgres", "dotenv", "file"}

// CredentialEnv is the variable that holds the target's credential: its
// token_env or dsn_env, else the type's default (VERCEL_TOKEN,
// SUPABASE_ACCESS_TOKEN, DATABASE_URL), else "" for a type that needs
// none.
func (t Target) CredentialEnv() string {
	switch t.Type {
	case "vercel":
		return or(t.TokenEnv, "VERCEL_TOKEN")
	case "supabase-secrets", "supabase":
		return or(t.TokenEnv, "SUPABASE_ACCESS_TOKEN")
	case "postgres":
		return or(t.DSNEnv, "DATABASE_URL")
	}
	return or(t.TokenEnv, t.DSNEnv)
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// GitHub configures audit issues.
type GitHub struct {
	Repo     string   `toml:"repo"`
	APIURL   string   `toml:"api_url"`
	TokenEnv string   `toml:"token_env"`
	Labels   []string `toml:"labels"`
}

// WithEnv is the table with the GitHub Actions environment's defaults,
// read through getenv: $GITHUB_REPOSITORY for an unset repo.
func (g GitHub) WithEnv(getenv func(string) string) GitHub {
	if g.Repo == "" {
		g.Repo = getenv("GITHUB_REPOSITORY")
	}
	return g
}

// WorkflowAPI sets the API a workflow reaches its own repository through
// (getenv's $GITHUB_API_URL: GitHub Enterprise Server's, in Actions)
// when the table names neither a repository nor an API.
func (g *GitHub) WorkflowAPI(getenv func(string) string) {
	if g.APIURL == "" && g.Repo == "" {
		g.APIURL = getenv("GITHUB_API_URL")
	}
}

// State configures where the ledger lives.
type State struct {
	Dir string `toml:"dir"`
}

// Policy holds hygiene policy.
type Policy struct {
	RotateAfter string `toml:"rotate_after"`
	// Waivers switch audit checks off, each with its reason, which the
	// report shows.
	Waivers []Waiver `toml:"waivers"`
}

// Waiver is a hygiene check the team has decided not to apply here.
type Waiver struct {
	Check  string `toml:"check"`  // the check's id (leakguard audit -f json: checks[].id)
	Reason string `toml:"reason"` // why: shown in the report
}

// Size is a byte count written as a number or "10MiB"/"512KB"/"1G".
type Size int64

// UnmarshalTOML accepts integers and strings with a unit.
func (s *Size) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case int64:
		*s = Size(x)
		return nil
	case string:
		n, err := ParseSize(x)
		*s = Size(n)
		return err
	}
	return fmt.Errorf("want a number of bytes or a string such as \"10MiB\"")
}

var sizeRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*(\d+)\s*([KMGkmg]?)(i?[Bb])?\s*$`) })

// ParseSize parses "10485760", "10MiB", "10M", "512KB".
func ParseSize(s string) (int64, error) {
	m := sizeRe().FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a size (try 10MiB)", s)
	}
	var n int64
	fmt.Sscan(m[1], &n)
	switch strings.ToUpper(m[2]) {
	case "K":
		n <<= 10
	case "M":
		n <<= 20
	case "G":
		n <<= 30
	}
	return n, nil
}

// Config is the merged, compiled configuration.
type Config struct {
	Path      string // the user file, or "" for defaults only
	Rules     []*rules.Rule
	Allowlist *rules.Allowlist
	// Allowlists are an imported gitleaks config's, each with its own
	// condition, regex target, commits and target rules.
	Allowlists  []*rules.Allowlist
	Keys        []rules.Key
	MaxSize     int64
	DecodeDepth int
	// MinConfidence drops findings below it (set from --min-confidence;
	// empty reports every finding).
	MinConfidence rules.Confidence
	Targets       map[string]Target
	GitHub        GitHub
	State         State
	Policy        Policy
	Verify        Verify
	// UserPath is the user-level file merged under Path ("" for none).
	UserPath string

	keyLayer map[string]string   // key name -> the file that defines it
	ownFPs   map[string][]string // file + "\x00" + key name -> its fingerprints there
}

// Defaults of the [scan] settings.
const (
	// DefaultDecodeDepth is how many encoding layers are peeled.
	DefaultDecodeDepth = 2
	// DefaultMaxSize is the largest file scanned (10 MiB).
	DefaultMaxSize = 10 << 20
)

// Error is a configuration error that names the file, line and field.
type Error struct {
	File  string
	Line  int
	Field string
	Err   error
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %v", loc, e.Field, e.Err)
	}
	return fmt.Sprintf("%s: %v", loc, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Find returns the config file to use, or "" for the defaults, following
// the lookup order in the package doc. repoRoot may be ""; getenv reads
// $LEAKGUARD_CONFIG.
func Find(flag, repoRoot string, getenv func(string) string) string {
	if flag != "" {
		return flag
	}
	if env := getenv("LEAKGUARD_CONFIG"); env != "" {
		return env
	}
	var cands []string
	if repoRoot != "" {
		cands = append(cands, filepath.Join(repoRoot, "leakguard.toml"))
	}
	cands = append(cands, "leakguard.toml")
	if repoRoot != "" {
		cands = append(cands, filepath.Join(repoRoot, ".gitleaks.toml"))
	}
	for _, c := range cands {
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
			return c
		}
	}
	return ""
}

// FindFor is the config file of a scan that no -c points at, or "" for
// the defaults: [Find]'s lookup in the repository at root, then
// leakguard.toml in the scanned directory anchor. With exists set (a pull
// request's base commit, whose files it reports), only that commit's
// files are looked at: $LEAKGUARD_CONFIG, else leakguard.toml, else
// .gitleaks.toml at root.
func FindFor(root, anchor string, getenv func(string) string, exists func(string) bool) string {
	if exists != nil {
		if env := getenv("LEAKGUARD_CONFIG"); env != "" {
			return env
		}
		for _, name := range []string{"leakguard.toml", ".gitleaks.toml"} {
			if p := filepath.Join(root, name); exists(p) {
				return p
			}
		}
		return ""
	}
	if p := Find("", root, getenv); p != "" || anchor == "." {
		return p
	}
	if _, err := os.Stat(filepath.Join(anchor, "leakguard.toml")); err == nil {
		return filepath.Join(anchor, "leakguard.toml")
	}
	return ""
}

// Load reads path (or only the defaults when path is "") and merges it over
// the embedded defaults.
func Load(path string) (*Config, error) { return LoadFrom(path, os.ReadFile) }

// LoadFrom is [Load] reading the file, and any file a gitleaks config
// extends, through read: a CI run reads them from the base commit.
func LoadFrom(path string, read func(string) ([]byte, error)) (*Config, error) {
	var b []byte
	if path != "" {
		var err error
		if b, err = read(path); err != nil {
			return nil, &Error{File: path, Err: unwrapPath(err)}
		}
	}
	return load(path, b, read)
}

// load merges b, the contents of the file at path, over the defaults.
func load(path string, b []byte, read func(string) ([]byte, error)) (*Config, error) {
	return loadOver(path, b, read, nil)
}

// loadOver merges b, the contents of the file at path, over the user
// layer u (nil for none) over the defaults.
func loadOver(path string, b []byte, read func(string) ([]byte, error), u *layer) (*Config, error) {
	def := rules.SharedDefaults() // merge only reads it
	var f File
	if path != "" {
		if IsGitleaks(path, b) {
			ids := make(map[string]bool, len(def.Rules))
			for _, r := range def.Rules {
				ids[r.ID] = true
			}
			gf, err := importGitleaks(path, b, read, ids)
			if err != nil {
				return nil, err
			}
			f = *gf
		} else if err := decodeStrict(path, b, &f); err != nil {
			return nil, err
		}
	}
	return merge(path, b, def, &f, u)
}

// decodeStrict decodes TOML and rejects unknown fields, with positions.
func decodeStrict(path string, b []byte, v any) error {
	md, err := toml.Decode(string(b), v)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			field := pe.LastKey
			msg := pe.Message
			if msg == "" {
				msg = pe.Error()
			}
			return &Error{File: path, Line: pe.Position.Line, Field: field, Err: errors.New(msg)}
		}
		return &Error{File: path, Err: err}
	}
	if u := md.Undecoded(); len(u) > 0 {
		k := u[0].String()
		return &Error{File: path, Line: lineOfKey(b, u[0][len(u[0])-1]), Field: k, Err: errors.New("unknown field (see the config reference in README.md)")}
	}
	return nil
}

// lineOfKey finds the first line that assigns key, for error messages.
func lineOfKey(b []byte, key string) int {
	re := regexp.MustCompile(`(?m)^\s*"?` + regexp.QuoteMeta(key) + `"?\s*=|^\s*\[+\s*[\w.]*` + regexp.QuoteMeta(key) + `\s*\]+`)
	loc := re.FindIndex(b)
	if loc == nil {
		return 0
	}
	return strings.Count(string(b[:loc[0]]), "\n") + 1
}

// lineOfField finds the line of field inside the nth [[name]] table, or
// the table's header line.
func lineOfField(b []byte, name string, n int, field string) int {
	hdr := lineOfTable(b, name, n)
	if hdr == 0 {
		return 0
	}
	lines := strings.Split(string(b), "\n")
	fre := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(field) + `"?\s*=`)
	for i := hdr; i < len(lines); i++ {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), "[") {
			break
		}
		if fre.MatchString(lines[i]) {
			return i + 1
		}
	}
	return hdr
}

// lineOfTable finds the line of the nth [[name]] table header.
func lineOfTable(b []byte, name string, n int) int {
	re := regexp.MustCompile(`(?m)^\s*\[\[\s*` + regexp.QuoteMeta(name) + `\s*\]\]`)
	locs := re.FindAllIndex(b, n+1)
	if len(locs) <= n {
		return 0
	}
	return strings.Count(string(b[:locs[n][0]]), "\n") + 1
}

func merge(path string, b []byte, def *rules.File, f *File, u *layer) (*Config, error) {
	useDefault := f.Extend.UseDefault == nil || *f.Extend.UseDefault
	c := &Config{
		Path: path, MaxSize: int64(f.Scan.MaxSize), DecodeDepth: DefaultDecodeDepth,
		Targets: f.Targets, GitHub: f.GitHub, State: f.State, Policy: f.Policy, Verify: f.Verify,
		Allowlist: &rules.Allowlist{}, keyLayer: map[string]string{}, ownFPs: map[string][]string{},
	}
	if u != nil {
		c.UserPath = u.path
		c.Targets, c.State, c.Policy, c.Verify = underlay(f, u)
	}
	if c.MaxSize <= 0 {
		c.MaxSize = DefaultMaxSize
	}
	if f.Scan.DecodeDepth != nil {
		if *f.Scan.DecodeDepth < 0 || *f.Scan.DecodeDepth > 8 {
			return nil, &Error{File: path, Line: lineOfKey(b, "decode_depth"), Field: "scan.decode_depth", Err: errors.New("must be between 0 and 8")}
		}
		c.DecodeDepth = *f.Scan.DecodeDepth
	}
	disabled := map[string]bool{}
	for _, id := range f.Extend.DisabledRules {
		disabled[id] = true
	}
	userIDs := map[string]bool{}
	for _, r := range f.Rules {
		userIDs[r.ID] = true
	}
	// Pointers: a rule spec is a few hundred bytes, and there are ~900.
	specs := make([]*rules.RuleSpec, 0, len(def.Rules)+len(f.Rules))
	if useDefault {
		for i := range def.Rules {
			if r := &def.Rules[i]; !disabled[r.ID] && !userIDs[r.ID] {
				specs = append(specs, r)
			}
		}
		appendAllow(c.Allowlist, def.Allowlist)
	}
	nDefault := len(specs)
	// Only the user's rules can repeat an id: one with a default rule's
	// id replaced it above, and the defaults' ids are unique (a test
	// keeps them so). Every process loads this: ~900 default ids in a map
	// were a hook's start-up work for nothing.
	seen := make(map[string]bool, len(f.Rules))
	for i := range f.Rules {
		r := &f.Rules[i]
		if seen[r.ID] {
			return nil, &Error{File: path, Line: lineOfTable(b, "rules", i), Field: fmt.Sprintf("rules[%d].id", i), Err: fmt.Errorf("duplicate id %q", r.ID)}
		}
		seen[r.ID] = true
		specs = append(specs, r)
	}
	// The embedded rules compile on first use (the tests compile every one).
	embedded, err := rules.CompileLazyAll(specs[:nDefault])
	if err != nil {
		return nil, fmt.Errorf("embedded %w", err)
	}
	c.Rules = append(make([]*rules.Rule, 0, len(specs)), embedded...)
	for ui, s := range specs[nDefault:] {
		r, err := rules.Compile(*s)
		if err != nil {
			field, msg, _ := strings.Cut(err.Error(), ": ")
			return nil, &Error{File: path, Line: lineOfField(b, "rules", ui, field), Field: fmt.Sprintf("rules[%d].%s (id %q)", ui, field, s.ID), Err: errors.New(msg)}
		}
		c.Rules = append(c.Rules, r)
	}
	appendAllow(c.Allowlist, f.Allowlist)
	c.Allowlists = f.allowlists
	if err := c.Allowlist.Compiled(); err != nil {
		return nil, &Error{File: path, Line: lineOfKey(b, "allowlist"), Field: "allowlist", Err: err}
	}
	// Managed keys: the user's entries replace defaults of the same name.
	byName := map[string]int{}
	if useDefault {
		for _, k := range def.Keys {
			byName[k.Name] = len(c.Keys)
			c.Keys = append(c.Keys, k)
		}
	}
	if u != nil { // checked when it was read
		for _, k := range u.f.Keys {
			c.keyLayer[k.Name] = u.path
			c.ownFPs[u.path+"\x00"+k.Name] = k.Fingerprints
			if j, ok := byName[k.Name]; ok {
				c.Keys[j] = mergeKey(c.Keys[j], k)
				continue
			}
			byName[k.Name] = len(c.Keys)
			c.Keys = append(c.Keys, k)
		}
	}
	for i, k := range f.Keys {
		if k.Name == "" {
			return nil, &Error{File: path, Line: lineOfTable(b, "keys", i), Field: fmt.Sprintf("keys[%d].name", i), Err: errors.New("missing")}
		}
		for j, fp := range k.Fingerprints {
			if _, ok := secret.ParseFingerprint(fp); !ok {
				return nil, &Error{File: path, Line: lineOfField(b, "keys", i, "fingerprints"), Field: fmt.Sprintf("keys[%d].fingerprints[%d]", i, j), Err: errors.New(`not "sha256:<64 hex digits>" (compute it with: leakguard keys fingerprint)`)}
			}
		}
		if k.BaseURL != "" {
			if u, err := url.Parse(k.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return nil, &Error{File: path, Line: lineOfField(b, "keys", i, "base_url"), Field: fmt.Sprintf("keys[%d].base_url", i), Err: fmt.Errorf("%q is not an http(s) URL", k.BaseURL)}
			}
		}
		for _, t := range k.Targets {
			if _, ok := c.Targets[t]; !ok {
				return nil, &Error{File: path, Line: lineOfField(b, "keys", i, "targets"), Field: fmt.Sprintf("keys[%d].targets", i), Err: fmt.Errorf("no [targets.%s] table", t)}
			}
		}
		if path != "" {
			c.keyLayer[k.Name] = path
			c.ownFPs[path+"\x00"+k.Name] = k.Fingerprints
		}
		if j, ok := byName[k.Name]; ok {
			c.Keys[j] = mergeKey(c.Keys[j], k)
			continue
		}
		byName[k.Name] = len(c.Keys)
		c.Keys = append(c.Keys, k)
	}
	if f.Policy.RotateAfter != "" {
		if _, err := ParseDuration(f.Policy.RotateAfter); err != nil {
			return nil, &Error{File: path, Line: lineOfKey(b, "rotate_after"), Field: "policy.rotate_after", Err: err}
		}
	}
	for i, w := range f.Policy.Waivers {
		if strings.TrimSpace(w.Check) == "" || strings.TrimSpace(w.Reason) == "" {
			return nil, &Error{File: path, Line: lineOfKey(b, "waivers"), Field: fmt.Sprintf("policy.waivers[%d]", i), Err: errors.New("a waiver names its check and gives a reason (check = \"hooks\", reason = \"...\")")}
		}
	}
	return c, nil
}

// mergeKey lays a key entry over a lower layer's (the defaults, or the
// user-level file): fields u sets win; the fingerprints of both are kept
// (a past value known to either layer is still a leak) and the later
// rotation date.
func mergeKey(def, u rules.Key) rules.Key {
	if u.Source == "" {
		u.Source = def.Source
	}
	if u.Targets == nil {
		u.Targets = def.Targets
	}
	if def.Rotated.After(u.Rotated) {
		u.Rotated = def.Rotated
	}
	for _, fp := range def.Fingerprints {
		if !slices.Contains(u.Fingerprints, fp) {
			u.Fingerprints = append(u.Fingerprints, fp)
		}
	}
	if u.Provider == "" {
		u.Provider = def.Provider
	}
	if u.Description == "" {
		u.Description = def.Description
	}
	if u.RotateURL == "" {
		u.RotateURL = def.RotateURL
	}
	if u.BaseURL == "" {
		u.BaseURL = def.BaseURL
	}
	return u
}

func appendAllow(dst, src *rules.Allowlist) {
	if src == nil {
		return
	}
	dst.Regexes = append(dst.Regexes, src.Regexes...)
	dst.Stopwords = append(dst.Stopwords, src.Stopwords...)
	dst.Paths = append(dst.Paths, src.Paths...)
	if src.RegexTarget != "" {
		dst.RegexTarget = src.RegexTarget
	}
}

// ParseDuration parses "90d", "12w", "36h" and Go durations.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n := len(s); n > 1 {
		var k int
		if _, err := fmt.Sscanf(s[:n-1], "%d", &k); err == nil && fmt.Sprint(k) == s[:n-1] {
			switch s[n-1] {
			case 'd':
				return time.Duration(k) * 24 * time.Hour, nil
			case 'w':
				return time.Duration(k) * 7 * 24 * time.Hour, nil
			}
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (try 90d)", s)
	}
	return d, nil
}
