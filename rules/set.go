package rules

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"

	"github.com/BurntSushi/toml"
)

//go:generate go run gen_defaults.go

//go:embed defaults/*.toml
var defaultFS embed.FS

// Key is one managed key of the inventory: a secret the user keeps in
// several places and knows by name.
type Key struct {
	Name        string `toml:"name"`
	Provider    string `toml:"provider"`
	Description string `toml:"description"`
	RotateURL   string `toml:"rotate_url"`
	// Fingerprints are "sha256:<hex>" digests of the key's known values,
	// current and past.
	Fingerprints []string `toml:"fingerprints"`
	// Source is where the current value lives (file:PATH#/pointer,
	// dotenv:PATH#NAME, env:NAME).
	Source  string    `toml:"source"`
	Targets []string  `toml:"targets"`
	Rotated time.Time `toml:"rotated"`
	// BaseURL is the API the key is used against when it is not its
	// provider's own: an Anthropic-compatible gateway such as
	// https://api.xiaomimimo.com/anthropic for an ANTHROPIC_API_KEY that
	// holds a MiMo key. Verification sends the value there.
	BaseURL string `toml:"base_url"`
}

// File is one rule file as written in TOML: rules, families of rules, a
// global allowlist and managed keys.
type File struct {
	Rules []RuleSpec `toml:"rules"`
	// Families are expanded into Rules when the embedded files are parsed.
	Families  []Family   `toml:"families"`
	Allowlist *Allowlist `toml:"allowlist"`
	Keys      []Key      `toml:"keys"`
}

// DefaultFiles returns the embedded default rule files by name, in order.
func DefaultFiles() (map[string][]byte, []string, error) {
	names, err := fs.Glob(defaultFS, "defaults/*.toml")
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(names)
	out := make(map[string][]byte, len(names))
	for _, n := range names {
		b, err := defaultFS.ReadFile(n)
		if err != nil {
			return nil, nil, err
		}
		out[path.Base(n)] = b
	}
	var base []string
	for _, n := range names {
		base = append(base, path.Base(n))
	}
	return out, base, nil
}

// SharedDefaults is [Defaults] without its copies: the File and all it
// holds are shared by every caller and must not be modified. Loading a
// configuration reads the rule specs and copies each into its rule; the
// copy Defaults makes first took about 1 ms of a hook's start-up.
func SharedDefaults() *File { return &defaultSnapshot }

// Defaults returns the embedded default rules, global allowlist and
// managed keys as one File: defaults/*.toml as parsed ahead of time by
// gen_defaults.go into defaults_gen.go (a test checks that it is current).
// The slices are the caller's; the rules' allowlists are shared and must
// not be modified.
func Defaults() (*File, error) {
	f := defaultSnapshot
	f.Rules = append([]RuleSpec(nil), f.Rules...)
	f.Keys = append([]Key(nil), f.Keys...)
	if f.Allowlist != nil {
		al := *f.Allowlist
		f.Allowlist = &al
	}
	return &f, nil
}

// ParseDefaultTOML parses the embedded TOML rule files into one File.
func ParseDefaultTOML() (*File, error) {
	files, names, err := DefaultFiles()
	if err != nil {
		return nil, err
	}
	all := &File{Allowlist: &Allowlist{}}
	for _, n := range names {
		var f File
		md, err := toml.Decode(string(files[n]), &f)
		if err != nil {
			return nil, fmt.Errorf("embedded %s: %w", n, err)
		}
		if u := md.Undecoded(); len(u) > 0 {
			return nil, fmt.Errorf("embedded %s: unknown field %s", n, u[0])
		}
		all.Rules = append(all.Rules, f.Rules...)
		for _, fam := range f.Families {
			rs, err := fam.Rules()
			if err != nil {
				return nil, fmt.Errorf("embedded %s: %w", n, err)
			}
			all.Rules = append(all.Rules, rs...)
		}
		all.Keys = append(all.Keys, f.Keys...)
		if f.Allowlist != nil {
			all.Allowlist.Regexes = append(all.Allowlist.Regexes, f.Allowlist.Regexes...)
			all.Allowlist.Stopwords = append(all.Allowlist.Stopwords, f.Allowlist.Stopwords...)
			all.Allowlist.Paths = append(all.Allowlist.Paths, f.Allowlist.Paths...)
		}
	}
	return all, nil
}

// CompileAll compiles specs, rejecting duplicate ids.
func CompileAll(specs []RuleSpec) ([]*Rule, error) {
	seen := map[string]bool{}
	var out []*Rule
	for i, s := range specs {
		if seen[s.ID] {
			return nil, fmt.Errorf("rules[%d] (%s): id: duplicate", i, s.ID)
		}
		seen[s.ID] = true
		r, err := Compile(s)
		if err != nil {
			return nil, fmt.Errorf("rules[%d] (%s): %w", i, s.ID, err)
		}
		// CompileAll is eager: callers (tests, validation) want every error.
		out = append(out, r)
	}
	return out, nil
}
