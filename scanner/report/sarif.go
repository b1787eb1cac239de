package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	InformationURI  string      `json:"informationUri"`
	Version         string      `json:"version,omitempty"`
	SemanticVersion string      `json:"semanticVersion,omitempty"`
	Rules           []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name,omitempty"`
	ShortDescription sarifText      `json:"shortDescription"`
	FullDescription  sarifText      `json:"fullDescription"`
	Help             sarifHelp      `json:"help"`
	HelpURI          string         `json:"helpUri,omitempty"`
	Default          sarifConfig    `json:"defaultConfiguration"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

// writeSARIF writes SARIF 2.1.0 as GitHub code scanning accepts it.
// Messages are always redacted: SARIF files are uploaded and shared.
//
// Each rule's metadata is the rule's own (Options.Rules): its
// description, the page where its keys are regenerated, the playbook as
// help and a security-severity from its confidence. A finding's own page
// (a managed key's) stays with the result (properties.rotateUrl).
func writeSARIF(w io.Writer, fs []scanner.Finding, o Options) error {
	byID := map[string]*rules.Rule{}
	for _, r := range o.Rules {
		byID[r.ID] = r
	}
	ruleIdx := map[string]int{}
	var srules []sarifRule
	ids := []string{}
	first := map[string]*scanner.Finding{}
	for i := range fs {
		f := &fs[i]
		if p, ok := first[f.RuleID]; !ok {
			first[f.RuleID] = f
			ids = append(ids, f.RuleID)
		} else if p.KeyName != "" && f.KeyName == "" {
			first[f.RuleID] = f // a finding of no managed key describes its rule best
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		ruleIdx[id] = len(srules)
		srules = append(srules, sarifRuleOf(id, byID[id], first[id]))
	}
	results := make([]sarifResult, 0, len(fs))
	for i := range fs {
		f := &fs[i]
		uri := sarifURI(f.File)
		msg := Title(f) + ": " + f.Description + " — " + f.Secret.Redacted()
		if f.Commit != "" {
			msg += " (commit " + shortSHA(f.Commit) + ")"
		}
		level := "error"
		if f.Confidence == "low" {
			level = "warning"
		}
		props := map[string]any{"confidence": string(f.Confidence)}
		if f.KeyName != "" {
			props["keyName"] = f.KeyName
		}
		if f.Commit != "" {
			props["commit"] = f.Commit
		}
		if f.RotateURL != "" {
			props["rotateUrl"] = f.RotateURL
		}
		if f.Validity != "" {
			props["validity"] = f.Validity
			props["validityDetail"] = f.ValidityDetail
		}
		if f.Exposure != "" {
			props["exposure"] = f.Exposure
		}
		results = append(results, sarifResult{
			RuleID: f.RuleID, RuleIndex: ruleIdx[f.RuleID], Level: level,
			Message: sarifText{msg},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: uri},
				Region:           sarifRegion{StartLine: max(1, f.StartLine), StartColumn: f.StartColumn, EndLine: f.EndLine, EndColumn: f.EndColumn + 1},
			}}},
			PartialFingerprints: map[string]string{"leakguard/v2": sarifFingerprint(f, uri, o.FingerprintKey)},
			Properties:          props,
		})
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{Name: "leakguard", InformationURI: "https://github.com/leakguard/leakguard",
				Version: o.Version, SemanticVersion: semver(o.Version), Rules: srules}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// Pseudo-rules of the detector: a managed key's name or known value.
const (
	managedRule = "managed-key"
	knownRule   = "known-value"
)

// sarifRuleOf describes rule id: from its definition r, else (a rule the
// run's config did not pass, or a pseudo-rule) from a finding of it, f.
func sarifRuleOf(id string, r *rules.Rule, f *scanner.Finding) sarifRule {
	var desc, provider, url string
	conf := f.Confidence
	switch {
	case id == managedRule:
		desc = "Managed key assigned a literal value"
	case id == knownRule:
		desc = "Known value of a managed key"
	case r != nil:
		desc, provider, url, conf = r.Description, r.Provider, r.RotateURL, r.Confidence
	default:
		desc, provider = f.Description, f.Provider
		if f.KeyName == "" {
			url = f.RotateURL // else the managed key's page, not the rule's
		}
	}
	if conf == "" {
		conf = rules.Medium
	}
	full := desc + "."
	switch {
	case id == managedRule:
		full = "A managed key (one of leakguard.toml's [[keys]]) is assigned a literal value: the value is one of your own keys, or a new one about to leak."
	case id == knownRule:
		full = "A known value of a managed key (one of its recorded fingerprints) appears, plain or encoded: this is one of your own keys."
	case provider != "" && provider != "generic" && provider != "gitleaks":
		full = desc + " (" + provider + ")."
	}
	// A generic rule's page is a guide, not where its keys are made.
	where, link := "the provider's dashboard", url
	switch {
	case provider == "" || provider == "generic" || provider == "gitleaks":
		where, link = "the service it belongs to", ""
	case url != "":
		where = url
	}
	lead := "A secret in a repository is readable by everyone who can read the repository, and stays in every clone, fork and CI log: deleting the line does not revoke it."
	tags := []string{"security", "secret"}
	var ruleTags []string
	if r != nil {
		ruleTags = r.Tags
	} else {
		ruleTags = f.Tags
	}
	for _, t := range ruleTags {
		if t != "security" && t != "secret" {
			tags = append(tags, t)
		}
	}
	level := "error"
	if conf == rules.Low {
		level = "warning"
	}
	precision := map[rules.Confidence]string{rules.High: "very-high", rules.Medium: "high", rules.Low: "medium"}[conf]
	return sarifRule{
		ID: id, Name: id,
		ShortDescription: sarifText{desc},
		FullDescription:  sarifText{full},
		Help: sarifHelp{
			Text:     full + "\n\n" + lead + "\n\n" + remediationText(where) + "\n" + falsePositive,
			Markdown: full + "\n\n" + lead + "\n\n" + remediationMarkdown(where, link, "") + "\n" + falsePositive,
		},
		HelpURI: url,
		Default: sarifConfig{Level: level},
		Properties: map[string]any{
			"tags":              tags,
			"precision":         precision,
			"security-severity": securitySeverity(id, conf),
		},
	}
}

// securitySeverity ranks a rule's alerts in code scanning (GitHub reads
// over 9.0 as critical, 7.0 to 8.9 as high, 4.0 to 6.9 as medium): a
// managed key is one of your own, critical; then by the rule's
// confidence.
func securitySeverity(id string, c rules.Confidence) string {
	switch {
	case id == managedRule || id == knownRule:
		return "9.5"
	case c == rules.High:
		return "9.0"
	case c == rules.Medium:
		return "7.5"
	}
	return "4.0"
}

// semver is a release version without its v (SARIF's semanticVersion),
// or "" for a build that is not a release.
func semver(v string) string {
	s, ok := strings.CutPrefix(v, "v")
	if !ok || s == "" || s[0] < '0' || s[0] > '9' || strings.Count(strings.SplitN(s, "-", 2)[0], ".") != 2 {
		return ""
	}
	return s
}

// sarifURI is a file's relative URI reference: each segment
// percent-encoded (RFC 3986), ":" too so that no segment reads as a
// scheme; "." for no file (a commit message).
func sarifURI(file string) string {
	if file == "" {
		return "."
	}
	segs := strings.Split(file, "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(segs, "/")
}

// sarifFingerprint tells a result from the others across runs: the rule,
// the secret's hash keyed by the repository (the file may be published:
// an unkeyed hash of a weak secret is reversed with a dictionary computed
// once for every repository) and the path. Without a key (no repository)
// it holds no hash of the secret: the rule, path and position.
func sarifFingerprint(f *scanner.Finding, uri string, key []byte) string {
	if key == nil {
		return fmt.Sprintf("%s:%s:%d:%d", f.RuleID, uri, f.StartLine, f.StartColumn)
	}
	return f.KeyedFingerprint(key) + ":" + uri
}
