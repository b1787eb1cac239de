package report

import (
	"encoding/json"
	"io"
	"net/url"
	"sort"
	"strings"

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
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name,omitempty"`
	ShortDescription sarifText      `json:"shortDescription"`
	HelpURI          string         `json:"helpUri,omitempty"`
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
func writeSARIF(w io.Writer, fs []scanner.Finding, o Options) error {
	ruleIdx := map[string]int{}
	var srules []sarifRule
	ids := []string{}
	descr := map[string]*scanner.Finding{}
	for i := range fs {
		if _, ok := descr[fs[i].RuleID]; !ok {
			descr[fs[i].RuleID] = &fs[i]
			ids = append(ids, fs[i].RuleID)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		f := descr[id]
		ruleIdx[id] = len(srules)
		srules = append(srules, sarifRule{
			ID: id, Name: id, ShortDescription: sarifText{f.Description}, HelpURI: f.RotateURL,
			Properties: map[string]any{"tags": append([]string{"security", "secret"}, f.Tags...)},
		})
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
		if f.Validity != "" {
			props["validity"] = f.Validity
			props["validityDetail"] = f.ValidityDetail
		}
		results = append(results, sarifResult{
			RuleID: f.RuleID, RuleIndex: ruleIdx[f.RuleID], Level: level,
			Message: sarifText{msg},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: uri},
				Region:           sarifRegion{StartLine: max(1, f.StartLine), StartColumn: f.StartColumn, EndLine: f.EndLine, EndColumn: f.EndColumn + 1},
			}}},
			PartialFingerprints: map[string]string{"leakguard/v1": f.Fingerprint + ":" + uri},
			Properties:          props,
		})
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:    sarifTool{Driver: sarifDriver{Name: "leakguard", InformationURI: "https://github.com/leakguard/leakguard", Version: o.Version, Rules: srules}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
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
