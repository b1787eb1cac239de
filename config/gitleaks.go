package config

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/leakguard/leakguard/rules"
)

// gitleaksFile is the subset of gitleaks's configuration leakguard
// imports.
type gitleaksFile struct {
	Title  string `toml:"title"`
	Extend struct {
		UseDefault    bool     `toml:"useDefault"`
		Path          string   `toml:"path"`
		URL           string   `toml:"url"`
		DisabledRules []string `toml:"disabledRules"`
	} `toml:"extend"`
	Rules []struct {
		ID          string              `toml:"id"`
		Description string              `toml:"description"`
		Regex       string              `toml:"regex"`
		SecretGroup int                 `toml:"secretGroup"`
		Entropy     float64             `toml:"entropy"`
		Keywords    []string            `toml:"keywords"`
		Path        string              `toml:"path"`
		Tags        []string            `toml:"tags"`
		Allowlist   *gitleaksAllowlist  `toml:"allowlist"`
		Allowlists  []gitleaksAllowlist `toml:"allowlists"`
		Required    []map[string]any    `toml:"required"`
	} `toml:"rules"`
	Allowlist  *gitleaksAllowlist  `toml:"allowlist"`
	Allowlists []gitleaksAllowlist `toml:"allowlists"`
}

type gitleaksAllowlist struct {
	Description string   `toml:"description"`
	Condition   string   `toml:"condition"`
	Commits     []string `toml:"commits"`
	Paths       []string `toml:"paths"`
	Regexes     []string `toml:"regexes"`
	RegexTarget string   `toml:"regexTarget"`
	Stopwords   []string `toml:"stopwords"`
	TargetRules []string `toml:"targetRules"`
}

var gitleaksMarkers = regexp.MustCompile(`(?m)^\s*(useDefault|secretGroup|regexTarget|disabledRules)\s*=|^\s*\[\[\s*(rules\.)?allowlists\s*\]\]|^\s*title\s*=`)

// IsGitleaks reports whether a config file is in gitleaks's format: by its
// name (.gitleaks.toml, gitleaks.toml) or its gitleaks-only keys.
func IsGitleaks(path string, b []byte) bool {
	base := strings.ToLower(filepath.Base(path))
	if base == ".gitleaks.toml" || base == "gitleaks.toml" {
		return true
	}
	return gitleaksMarkers.Match(b)
}

// importGitleaks maps a gitleaks config onto a leakguard File.
// [extend] useDefault maps to leakguard's embedded defaults (gitleaks's own
// defaults are not shipped); rules keep their ids, regexes, secret groups,
// entropy, keywords, paths and allowlists.
func importGitleaks(path string, b []byte) (*File, error) {
	var g gitleaksFile
	if err := decodeStrictLoose(path, b, &g); err != nil {
		return nil, err
	}
	useDefault := g.Extend.UseDefault || len(g.Rules) == 0
	f := &File{Extend: Extend{UseDefault: &useDefault, DisabledRules: g.Extend.DisabledRules}}
	for i, r := range g.Rules {
		if len(r.Required) > 0 {
			return nil, &Error{File: path, Line: lineOfTable(b, "rules", i), Field: fmt.Sprintf("rules[%d].required", i), Err: fmt.Errorf("composite rules are not supported yet; remove rule %q or rewrite it as a single regex", r.ID)}
		}
		spec := rules.RuleSpec{
			ID: r.ID, Description: r.Description, Regex: r.Regex, SecretGroup: r.SecretGroup,
			Entropy: r.Entropy, Keywords: r.Keywords, Path: r.Path, Tags: r.Tags,
			Provider: "gitleaks", Confidence: rules.Medium,
		}
		als := r.Allowlists
		if r.Allowlist != nil {
			als = append(als, *r.Allowlist)
		}
		if len(als) > 0 {
			spec.Allowlist = mergeGitleaksAllow(als)
		}
		f.Rules = append(f.Rules, spec)
	}
	als := g.Allowlists
	if g.Allowlist != nil {
		als = append(als, *g.Allowlist)
	}
	if len(als) > 0 {
		f.Allowlist = mergeGitleaksAllow(als)
	}
	return f, nil
}

// mergeGitleaksAllow folds gitleaks allowlists into one. gitleaks's
// condition = "AND" (every criterion must hold) is treated as OR, which
// suppresses at least as much.
func mergeGitleaksAllow(as []gitleaksAllowlist) *rules.Allowlist {
	out := &rules.Allowlist{}
	for _, a := range as {
		out.Regexes = append(out.Regexes, a.Regexes...)
		out.Paths = append(out.Paths, a.Paths...)
		out.Stopwords = append(out.Stopwords, a.Stopwords...)
		if a.RegexTarget != "" {
			out.RegexTarget = a.RegexTarget
		}
	}
	return out
}

// decodeStrictLoose decodes with positions but tolerates keys leakguard
// does not use.
func decodeStrictLoose(path string, b []byte, v any) error {
	err := decodeStrict(path, b, v)
	if e, ok := err.(*Error); ok && strings.Contains(e.Err.Error(), "unknown field") {
		return nil
	}
	return err
}
