// Package scanner owns findings and the sources they come from: the
// [Detector] that applies rules, managed key names and known values to
// content, the decoders, and the file-system source.
package scanner

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// Finding is one secret found in one place. Its fields follow gitleaks's
// report (git fields are empty outside git) plus Provider, KeyName,
// Confidence and RotateURL.
//
// Line and column numbers are 1-based and point at the secret itself (for
// a secret found in decoded text, at the encoded text that holds it).
// Columns count bytes.
type Finding struct {
	RuleID      string
	Description string
	StartLine   int
	EndLine     int
	StartColumn int
	EndColumn   int
	// Match is the text the rule matched, Secret the credential within
	// it. Both redact themselves when printed or marshalled.
	Match  secret.Value
	Secret secret.Value
	// Line is the line that holds the secret (for context; redact with
	// RedactedLine).
	Line        secret.Value
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
	Confidence  rules.Confidence
	RotateURL   string
	// Decoded names the encodings peeled off to reach the secret, outer
	// first ("base64", "hex", "percent", "unicode"); empty for plain text.
	Decoded []string
}

// SecretHash is a short, stable, non-reversible digest of a secret used in
// fingerprints and ignore files: the first 16 hex digits of SHA-256 over a
// domain-separated value.
func SecretHash(s string) string {
	sum := sha256.Sum256([]byte("leakguard\x00" + s))
	return hex.EncodeToString(sum[:8])
}

// ContentFingerprint identifies a finding by what leaked, not where: the
// rule and the secret's hash. It does not change when lines move.
func (f *Finding) ContentFingerprint() string {
	return f.RuleID + ":" + SecretHash(f.Secret.Reveal())
}

// RedactedMatch is Match with the secret replaced by its redacted preview
// and anything else in it that looks like a credential masked.
func (f *Finding) RedactedMatch() string {
	return redactAround(f.Match.Reveal(), f.Secret)
}

// RedactedLine is the line holding the secret, cut to the 60 bytes before
// it, with every occurrence of the secret redacted and anything else that
// looks like a credential masked (another key on the same line, one an
// ignore entry hides); nothing after the secret is shown.
func (f *Finding) RedactedLine() string {
	l, s := f.Line.Reveal(), f.Secret.Reveal()
	if l == "" {
		return f.RedactedMatch()
	}
	i := -1
	if s != "" {
		i = strings.Index(l, s)
	}
	if i < 0 {
		return secret.Redact(l)
	}
	pre, post := l[:i], l[i+len(s):]
	if len(pre) > 60 {
		pre = "…" + pre[len(pre)-60:]
	}
	out := redactAround(pre, f.Secret) + f.Secret.Redacted()
	if strings.TrimSpace(post) != "" {
		out += "…"
	}
	return strings.Join(strings.Fields(out), " ")
}

// redactAround redacts every occurrence of sec in text and masks
// credential-like tokens in the rest.
func redactAround(text string, sec secret.Value) string {
	s := sec.Reveal()
	if s == "" {
		return secret.MaskTokens(text)
	}
	parts := strings.Split(text, s)
	for i := range parts {
		parts[i] = secret.MaskTokens(parts[i])
	}
	return strings.Join(parts, sec.Redacted())
}
