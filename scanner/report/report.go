// Package report writes findings as text, JSON or SARIF 2.1.0.
//
// # Contract
//
// JSON is an array of objects with gitleaks's field names (RuleID,
// Description, StartLine, EndLine, StartColumn, EndColumn, Match, Secret,
// File, SymlinkFile, Commit, Entropy, Author, Email, Date, Message, Tags,
// Fingerprint) plus Provider, KeyName, Confidence, RotateURL and Decoded,
// and — for findings verified with --verify — Validity ("live", "invalid"
// or "unknown") and ValidityDetail. Match and Secret are redacted unless
// Options.ShowSecrets is set. SARIF results carry properties.validity and
// properties.validityDetail likewise.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
)

// Formats are the output formats.
var Formats = []string{"text", "json", "sarif"}

// Options control a report.
type Options struct {
	Format      string
	ShowSecrets bool
	Color       bool
	Version     string
	// Rules are the run's rules: SARIF describes each rule from its
	// definition (description, rotate page, confidence).
	Rules []*rules.Rule
	// FingerprintKey keys the secret hashes of SARIF partialFingerprints
	// (the repository's, secret.RepoKey); without one they hold none.
	FingerprintKey []byte
}

// Write writes findings in the chosen format.
func Write(w io.Writer, fs []scanner.Finding, o Options) error {
	switch o.Format {
	case "", "text":
		return writeText(w, fs, o)
	case "json":
		return writeJSON(w, fs, o)
	case "sarif":
		return writeSARIF(w, fs, o)
	}
	return fmt.Errorf("unknown format %q (use %s)", o.Format, strings.Join(Formats, ", "))
}

type jsonFinding struct {
	RuleID      string
	Description string
	StartLine   int
	EndLine     int
	StartColumn int
	EndColumn   int
	Match       string
	Secret      string
	File        string
	SymlinkFile string
	Commit      string
	Entropy     float64
	Author      string
	Email       string
	Date        string
	Message     string
	Tags        []string
	Fingerprint string
	Provider    string
	KeyName     string
	Confidence  string
	RotateURL   string
	Decoded     []string `json:",omitempty"`
	// Validity and ValidityDetail are present only for verified findings
	// (--verify): "live", "invalid" or "unknown", and why.
	Validity       string `json:",omitempty"`
	ValidityDetail string `json:",omitempty"`
	// Exposure is present for values remediation rotated away or
	// revoked: "rotated YYYY-MM-DD", "revoked", "closed YYYY-MM-DD".
	Exposure string `json:",omitempty"`
}

// Shown returns the match and secret as the report shows them.
func Shown(f *scanner.Finding, show bool) (match, secret string) {
	if show {
		return f.Match.Reveal(), f.Secret.Reveal()
	}
	return f.RedactedMatch(), f.Secret.Redacted()
}

func writeJSON(w io.Writer, fs []scanner.Finding, o Options) error {
	out := make([]jsonFinding, 0, len(fs))
	for i := range fs {
		f := &fs[i]
		m, s := Shown(f, o.ShowSecrets)
		tags := f.Tags
		if tags == nil {
			tags = []string{}
		}
		out = append(out, jsonFinding{
			RuleID: f.RuleID, Description: f.Description,
			StartLine: f.StartLine, EndLine: f.EndLine, StartColumn: f.StartColumn, EndColumn: f.EndColumn,
			Match: m, Secret: s, File: f.File, SymlinkFile: f.SymlinkFile, Commit: f.Commit,
			Entropy: f.Entropy, Author: f.Author, Email: f.Email, Date: f.Date, Message: f.Message,
			Tags: tags, Fingerprint: f.Fingerprint, Provider: f.Provider, KeyName: f.KeyName,
			Confidence: string(f.Confidence), RotateURL: f.RotateURL, Decoded: f.Decoded,
			Validity: f.Validity, ValidityDetail: f.ValidityDetail, Exposure: f.Exposure,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// ReadJSON reads a JSON report back (for remediation). Secrets in it are
// redacted unless it was written with ShowSecrets.
func ReadJSON(r io.Reader) ([]scanner.Finding, error) {
	var in []jsonFinding
	if err := json.NewDecoder(r).Decode(&in); err != nil {
		return nil, err
	}
	var out []scanner.Finding
	for _, j := range in {
		out = append(out, scanner.Finding{
			RuleID: j.RuleID, Description: j.Description, StartLine: j.StartLine, EndLine: j.EndLine,
			StartColumn: j.StartColumn, EndColumn: j.EndColumn, File: j.File, SymlinkFile: j.SymlinkFile,
			Commit: j.Commit, Entropy: j.Entropy, Author: j.Author, Email: j.Email, Date: j.Date,
			Message: j.Message, Tags: j.Tags, Fingerprint: j.Fingerprint, Provider: j.Provider,
			KeyName: j.KeyName, Confidence: confidence(j.Confidence), RotateURL: j.RotateURL, Decoded: j.Decoded,
			Validity: j.Validity, ValidityDetail: j.ValidityDetail, Exposure: j.Exposure,
		})
	}
	return out, nil
}

// WriteFile writes the report o describes to the file at path, making
// its directory: atomically, 0600 when it shows secrets, never through a
// link (atomicfile.WriteReport).
func WriteFile(path string, fs []scanner.Finding, o Options) error {
	var buf bytes.Buffer
	if err := Write(&buf, fs, o); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return hint.Wrap(err, "check that the output directory is writable")
	}
	return atomicfile.WriteReport(path, buf.Bytes(), o.ShowSecrets)
}
