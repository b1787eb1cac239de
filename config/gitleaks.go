package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/leakguard/leakguard/rules"
)

// # Importing a gitleaks config
//
// A gitleaks config (.gitleaks.toml at the repository root is imported
// without asking) must never make leakguard pass what gitleaks would
// block. Every documented key is read and kept with its meaning, or the
// file is refused with an error naming the key:
//
//   - each allowlist keeps its own condition (OR: any criterion; AND:
//     every criterion it sets), regex target, paths, regexes, stopwords
//     and commits (full ids, any case; they hold in history and push
//     scans, never outside git), and applies to its rule, its target
//     rules, or everything;
//   - [extend] path reads another gitleaks config (relative to the file
//     that names it, at most two levels, as gitleaks), whose rules the
//     file's own rules override field by field, whose allowlists are
//     added, and whose targeted allowlists are dropped, as gitleaks drops
//     them; [extend] url (which gitleaks does not implement) and path
//     with useDefault are refused;
//   - [extend] useDefault means leakguard's embedded rules (gitleaks's own
//     are not shipped). Where a disabled rule, a targeted allowlist or a
//     regex-less rule that extends a default names a gitleaks rule id,
//     the id is mapped to leakguard's rules for the same secrets
//     ([gitleaksIDs]); an id leakguard has no rule for is dropped, which
//     only ever reports more.
//
// Composite rules ([[rules.required]]) are refused.

// gitleaksMaxDepth is how deep [extend] path may nest (gitleaks's limit).
const gitleaksMaxDepth = 2

// gitleaksFile is gitleaks's configuration format, every documented key.
// Keys are matched in any case, as gitleaks (viper) matches them.
type gitleaksFile struct {
	Title       string `toml:"title"`
	Description string `toml:"description"`
	Extend      struct {
		UseDefault    bool     `toml:"useDefault"`
		Path          string   `toml:"path"`
		URL           string   `toml:"url"`
		DisabledRules []string `toml:"disabledRules"`
	} `toml:"extend"`
	Rules      []gitleaksRule      `toml:"rules"`
	Allowlist  *gitleaksAllowlist  `toml:"allowlist"`
	Allowlists []gitleaksAllowlist `toml:"allowlists"`
}

type gitleaksRule struct {
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
	SkipReport  bool                `toml:"skipReport"`
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

var gitleaksMarkers = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\s*(useDefault|secretGroup|regexTarget|disabledRules|targetRules)\s*=|^\s*\[\[\s*(rules\.)?allowlists\s*\]\]|^\s*title\s*=`)
})

// IsGitleaks reports whether a config file is in gitleaks's format: by its
// name (.gitleaks.toml, gitleaks.toml) or its gitleaks-only keys.
func IsGitleaks(path string, b []byte) bool {
	base := strings.ToLower(filepath.Base(path))
	if base == ".gitleaks.toml" || base == "gitleaks.toml" {
		return true
	}
	return gitleaksMarkers().Match(b)
}

// gitleaksIDs maps gitleaks's default rule ids to leakguard's rules for
// the same secrets, where the ids differ (an id both share is the same
// rule, unless listed here). An allowlist or a disabled rule that names
// the gitleaks id applies to these rules. The list is kept narrow: a
// gitleaks rule that leakguard splits by format maps to each part, and
// generic-api-key (secret-named assignments) to the rules that report
// such assignments, not to every generic rule.
var gitleaksIDs = sync.OnceValue(func() map[string][]string {
	return map[string][]string{
		"generic-api-key":                             {"generic-secret-assignment", "dotenv-password", "php-password-variable", "spring-config-password", "xml-secret-element"},
		"aws-access-token":                            {"aws-access-key-id"},
		"private-key":                                 {"private-key-rsa", "private-key-ec", "private-key-dsa", "private-key-pkcs8", "private-key-pkcs8-encrypted", "private-key-openssh", "private-key-ssh2-encrypted", "pgp-private-key-block"},
		"github-oauth":                                {"github-oauth-token"},
		"github-app-token":                            {"github-user-to-server-token", "github-server-to-server-token"},
		"gitlab-runner-authentication-token":          {"gitlab-runner-token"},
		"gitlab-runner-authentication-token-routable": {"gitlab-runner-token-routable"},
		"gitlab-kubernetes-agent-token":               {"gitlab-agent-token"},
		"gitlab-ptt":                                  {"gitlab-pipeline-trigger-token"},
		"gitlab-rrt":                                  {"gitlab-runner-registration-token"},
		"slack-legacy-bot-token":                      {"slack-bot-token"},
		"slack-legacy-workspace-token":                {"slack-workspace-token"},
		"stripe-access-token":                         {"stripe-live-secret-key", "stripe-test-secret-key", "stripe-restricted-key"},
		"openai-api-key":                              {"openai-project-key", "openai-service-account-key", "openai-admin-key", "openai-legacy-key"},
		"anthropic-admin-api-key":                     {"anthropic-admin-key"},
		"gcp-api-key":                                 {"google-api-key"},
		"alibaba-secret-key":                          {"alibaba-access-key-secret"},
		"cloudflare-api-key":                          {"cloudflare-api-token"},
		"digitalocean-pat":                            {"digitalocean-personal-access-token"},
		"digitalocean-access-token":                   {"digitalocean-oauth-access-token"},
		"digitalocean-refresh-token":                  {"digitalocean-oauth-refresh-token"},
		"doppler-api-token":                           {"doppler-personal-token"},
		"dropbox-short-lived-api-token":               {"dropbox-short-lived-token"},
		"dropbox-long-lived-api-token":                {"dropbox-long-lived-token"},
		"facebook-secret":                             {"facebook-app-secret"},
		"flutterwave-secret-key":                      {"flutterwave-live-secret-key", "flutterwave-test-secret-key"},
		"hashicorp-tf-api-token":                      {"terraform-cloud-api-token"},
		"heroku-api-key":                              {"heroku-api-key-legacy"}, // gitleaks's is the UUID form
		"heroku-api-key-v2":                           {"heroku-api-key"},
		"huggingface-organization-api-token":          {"huggingface-org-token"},
		"hubspot-api-key":                             {"hubspot-api-key-legacy"},
		"infracost-api-token":                         {"infracost-api-key"},
		"intercom-api-key":                            {"intercom-access-token"},
		"artifactory-api-key":                         {"jfrog-api-key"},
		"artifactory-reference-token":                 {"jfrog-reference-token"},
		"lob-api-key":                                 {"lob-live-api-key"},
		"mailgun-private-api-token":                   {"mailgun-api-key-legacy"},
		"microsoft-teams-webhook":                     {"microsoft-teams-webhook-url"},
		"new-relic-user-api-key":                      {"newrelic-user-api-key"},
		"new-relic-insert-key":                        {"newrelic-insights-key"},
		"new-relic-browser-api-token":                 {"newrelic-browser-api-key"},
		"okta-access-token":                           {"okta-api-token"},
		"pulumi-api-token":                            {"pulumi-access-token"},
		"postman-api-token":                           {"postman-api-key"},
		"prefect-api-token":                           {"prefect-api-key"},
		"rubygems-api-token":                          {"rubygems-api-key"},
		"sendgrid-api-token":                          {"sendgrid-api-key"},
		"sendinblue-api-token":                        {"brevo-api-key"},
		"sentry-org-token":                            {"sentry-org-auth-token"},
		"sentry-user-token":                           {"sentry-user-auth-token"},
		"shopify-custom-access-token":                 {"shopify-custom-app-token"},
		"shopify-private-app-access-token":            {"shopify-private-app-token"},
		"sonar-api-token":                             {"sonarqube-user-token", "sonarqube-global-token", "sonarqube-project-token"},
		"telegram-bot-api-token":                      {"telegram-bot-token"},
		"cohere-api-token":                            {"cohere-api-key"},
		"databricks-api-token":                        {"databricks-access-token"},
		"airtable-personnal-access-token":             {"airtable-personal-access-token"},
		"airtable-api-key":                            {"airtable-api-key-legacy"},
		"curl-auth-user":                              {"curl-user-password"},
	}
})

// GitleaksRuleIDs is the leakguard rules a gitleaks rule id names (in a
// .gitleaksignore entry): those [gitleaksIDs] maps it to, else the rule of
// that id (a rule both share, or one of the config's own).
func GitleaksRuleIDs(id string) []string {
	if ids, ok := gitleaksIDs()[id]; ok {
		return ids
	}
	return []string{id}
}

// glRule is a gitleaks rule after [extend] path is resolved.
type glRule struct {
	r      gitleaksRule
	allows []*rules.Allowlist
}

// glConfig is a gitleaks config with its [extend] path resolved.
type glConfig struct {
	order      []string
	rules      map[string]*glRule
	global     []*rules.Allowlist
	targeted   []*rules.Allowlist // depth 0 only, as gitleaks
	useDefault bool
	disabled   []string // gitleaks ids disabled from the defaults
}

// importGitleaks maps a gitleaks config onto a leakguard File. read reads
// the files [extend] path names; defaultIDs are leakguard's embedded rule
// ids.
func importGitleaks(path string, b []byte, read func(string) ([]byte, error), defaultIDs map[string]bool) (*File, error) {
	g, err := resolveGitleaks(path, b, read, 0)
	if err != nil {
		return nil, err
	}
	useDefault := g.useDefault || len(g.rules) == 0
	fail := func(format string, a ...any) error { return &Error{File: path, Err: fmt.Errorf(format, a...)} }
	// mapped are leakguard's rules for a gitleaks default rule id.
	mapped := func(id string) []string {
		if !useDefault {
			return nil
		}
		if ids, ok := gitleaksIDs()[id]; ok {
			return ids
		}
		if defaultIDs[id] {
			return []string{id}
		}
		return nil
	}
	f := &File{Extend: Extend{UseDefault: &useDefault}}
	for _, id := range g.disabled {
		f.Extend.DisabledRules = append(f.Extend.DisabledRules, mapped(id)...)
	}
	own := map[string]bool{}
	for _, id := range g.order {
		gr := g.rules[id]
		targets := []string{id}
		if gr.r.Regex != "" || gr.r.Path != "" {
			own[id] = true
			f.Rules = append(f.Rules, rules.RuleSpec{
				ID: id, Description: gr.r.Description, Regex: gr.r.Regex, SecretGroup: gr.r.SecretGroup,
				Entropy: gr.r.Entropy, Keywords: gr.r.Keywords, Path: gr.r.Path, Tags: gr.r.Tags,
				Provider: "gitleaks", Confidence: rules.Medium,
			})
		} else {
			// A rule without a regex extends a default rule.
			if !useDefault {
				return nil, fail("rules: rule %q has neither regex nor path, and there is no default rule to extend", id)
			}
			if gr.r.SecretGroup != 0 || gr.r.Entropy != 0 || len(gr.r.Keywords) > 0 {
				return nil, fail("rules: rule %q changes gitleaks's default rule of that id (secretGroup, entropy or keywords), which leakguard does not ship; give it a regex of its own, or keep only allowlists, description and tags", id)
			}
			targets = mapped(id)
		}
		for _, a := range gr.allows {
			if len(targets) > 0 {
				a.TargetRules = targets
				f.allowlists = append(f.allowlists, a)
			}
		}
	}
	f.allowlists = append(f.allowlists, g.global...)
	for _, a := range g.targeted {
		var targets []string
		for _, id := range a.TargetRules {
			switch {
			case own[id]:
				targets = append(targets, id)
			case useDefault:
				targets = append(targets, mapped(id)...)
			default:
				return nil, fail("allowlists: target rule %q does not exist", id)
			}
		}
		// An allowlist whose targets leakguard has no rule for applies to
		// nothing: it is dropped, never widened to every rule.
		if len(targets) > 0 {
			a.TargetRules = slices.Compact(slices.Sorted(slices.Values(targets)))
			f.allowlists = append(f.allowlists, a)
		}
	}
	return f, nil
}

// resolveGitleaks decodes a gitleaks config and the files it extends.
func resolveGitleaks(path string, b []byte, read func(string) ([]byte, error), depth int) (*glConfig, error) {
	var gf gitleaksFile
	if err := decodeStrict(path, b, &gf); err != nil {
		var ce *Error
		if errors.As(err, &ce) && strings.HasPrefix(ce.Err.Error(), "unknown field") {
			ce.Err = errors.New("not a key of gitleaks's config format (leakguard refuses what it cannot import faithfully)")
		}
		return nil, err
	}
	fail := func(line int, field string, err error) error {
		return &Error{File: path, Line: line, Field: field, Err: err}
	}
	g := &glConfig{rules: map[string]*glRule{}}
	for i, r := range gf.Rules {
		field := fmt.Sprintf("rules[%d]", i)
		if len(r.Required) > 0 {
			return nil, fail(lineOfTable(b, "rules", i), field+".required", fmt.Errorf("composite rules are not supported yet; remove rule %q or rewrite it as a single regex", r.ID))
		}
		if r.ID == "" {
			return nil, fail(lineOfTable(b, "rules", i), field+".id", errors.New("missing"))
		}
		if _, dup := g.rules[r.ID]; dup {
			return nil, fail(lineOfTable(b, "rules", i), field+".id", fmt.Errorf("duplicate id %q", r.ID))
		}
		als := r.Allowlists
		if r.Allowlist != nil {
			if len(als) > 0 {
				return nil, fail(lineOfTable(b, "rules", i), field+".allowlist", errors.New("[rules.allowlist] cannot be used alongside [[rules.allowlists]] (as in gitleaks)"))
			}
			als = []gitleaksAllowlist{*r.Allowlist}
		}
		gr := &glRule{r: r}
		for j, a := range als {
			if len(a.TargetRules) > 0 {
				return nil, fail(lineOfTable(b, "rules.allowlists", j), fmt.Sprintf("%s.allowlists[%d].targetRules", field, j), errors.New("only top-level [[allowlists]] take targetRules"))
			}
			al, err := gitleaksAllow(a)
			if err != nil {
				return nil, fail(lineOfTable(b, "rules.allowlists", j), fmt.Sprintf("%s.allowlists[%d]", field, j), err)
			}
			gr.allows = append(gr.allows, al)
		}
		g.order = append(g.order, r.ID)
		g.rules[r.ID] = gr
	}
	als := gf.Allowlists
	if gf.Allowlist != nil {
		if len(als) > 0 {
			return nil, fail(lineOfKey(b, "allowlist"), "allowlist", errors.New("[allowlist] cannot be used alongside [[allowlists]] (as in gitleaks)"))
		}
		als = []gitleaksAllowlist{*gf.Allowlist}
	}
	for i, a := range als {
		al, err := gitleaksAllow(a)
		if err != nil {
			return nil, fail(lineOfTable(b, "allowlists", i), fmt.Sprintf("allowlists[%d]", i), err)
		}
		switch {
		case len(a.TargetRules) == 0:
			g.global = append(g.global, al)
		case depth == 0:
			al.TargetRules = a.TargetRules
			g.targeted = append(g.targeted, al)
		}
	}
	ext := gf.Extend
	switch {
	case ext.URL != "":
		return nil, fail(lineOfKey(b, "url"), "extend.url", errors.New("remote configs are not fetched (gitleaks does not implement extend.url either); copy the file and use extend.path"))
	case ext.Path != "" && ext.UseDefault:
		return nil, fail(lineOfKey(b, "path"), "extend", errors.New("extend.path and extend.useDefault cannot both be set (as in gitleaks)"))
	case (ext.Path != "" || ext.UseDefault) && depth >= gitleaksMaxDepth:
		return nil, fail(lineOfKey(b, "extend"), "extend", fmt.Errorf("configs extend each other more than %d levels deep, which gitleaks ignores without a word; flatten them", gitleaksMaxDepth))
	case ext.UseDefault:
		g.useDefault, g.disabled = true, ext.DisabledRules
	case ext.Path != "":
		p := ext.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(path), p)
		}
		bb, err := read(p)
		if err != nil {
			return nil, fail(lineOfKey(b, "path"), "extend.path", fmt.Errorf("reading %s: %w", p, unwrapPath(err)))
		}
		base, err := resolveGitleaks(p, bb, read, depth+1)
		if err != nil {
			return nil, err
		}
		g.extend(base, ext.DisabledRules)
	}
	return g, nil
}

// extend lays g over the config it extends, as gitleaks does: base rules
// that g disables are dropped, g's rules override base rules of the same
// id field by field (tags, keywords and allowlists add up), and the
// base's allowlists are added.
func (g *glConfig) extend(base *glConfig, disabled []string) {
	off := map[string]bool{}
	for _, id := range disabled {
		off[id] = true
	}
	for _, id := range base.order {
		if off[id] {
			continue
		}
		b := base.rules[id]
		cur, ok := g.rules[id]
		if !ok {
			g.order = append(g.order, id)
			g.rules[id] = b
			continue
		}
		m := b.r
		if cur.r.Description != "" {
			m.Description = cur.r.Description
		}
		if cur.r.Entropy != 0 {
			m.Entropy = cur.r.Entropy
		}
		if cur.r.SecretGroup != 0 {
			m.SecretGroup = cur.r.SecretGroup
		}
		if cur.r.Regex != "" {
			m.Regex = cur.r.Regex
		}
		if cur.r.Path != "" {
			m.Path = cur.r.Path
		}
		m.Tags = append(slices.Clip(m.Tags), cur.r.Tags...)
		m.Keywords = append(slices.Clip(m.Keywords), cur.r.Keywords...)
		g.rules[id] = &glRule{r: m, allows: append(slices.Clip(b.allows), cur.allows...)}
	}
	g.global = append(g.global, base.global...)
	g.useDefault = base.useDefault
	g.disabled = append(slices.Clip(base.disabled), disabled...)
}

// gitleaksAllow checks one gitleaks allowlist and converts it.
func gitleaksAllow(a gitleaksAllowlist) (*rules.Allowlist, error) {
	al := &rules.Allowlist{
		Description: a.Description, Regexes: a.Regexes, Paths: a.Paths,
		Stopwords: a.Stopwords, Commits: a.Commits,
	}
	switch strings.ToUpper(strings.TrimSpace(a.Condition)) {
	case "", "OR", "||":
		al.Condition = "or"
	case "AND", "&&":
		al.Condition = "and"
	default:
		return nil, fmt.Errorf("condition: %q is not AND or OR", a.Condition)
	}
	switch a.RegexTarget {
	case "", "secret":
	case "match", "line":
		al.RegexTarget = a.RegexTarget
	default:
		return nil, fmt.Errorf("regexTarget: %q is not secret, match or line", a.RegexTarget)
	}
	if len(a.Commits)+len(a.Paths)+len(a.Regexes)+len(a.Stopwords) == 0 {
		return nil, errors.New("an allowlist needs at least one of commits, paths, regexes or stopwords (as in gitleaks)")
	}
	if err := al.Compiled(); err != nil {
		return nil, err
	}
	return al, nil
}

// unwrapPath drops the *PathError's own path from a read error (the
// message names the path already).
func unwrapPath(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}
