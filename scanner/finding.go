// Package scanner owns findings and the sources they come from: the
// [Detector] that applies rules, managed key names and known values to
// content, the decoders, and the file-system source.
package scanner

import (
	"strings"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// Finding is one secret found in one place. Its fields follow gitleaks's
// report (git fields are empty outside git) plus Provider, KeyName,
// Confidence, RotateURL, Decoded, and Validity when verified.
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
	// Validity is what the secret's provider said about it when the user
	// asked to verify ("live", "invalid" or "unknown"; empty: not
	// checked), and ValidityDetail how that was decided or why it could
	// not be. The scanner never sets them: the verify package does.
	Validity       string
	ValidityDetail string
	// Exposure is what remediation did to the value, when it is known to
	// be dead or replaced: "revoked", "rotated YYYY-MM-DD" or "closed
	// YYYY-MM-DD" (empty: nothing known; treat it as live). The scanner
	// never sets it: the remediate package does, from the inventory and
	// the incident ledger.
	Exposure string

	view *view // where previews find the secret and what they hide
	// allowCommits are the commits whose findings an imported allowlist
	// suppresses (see [Finding.AllowedIn]).
	allowCommits []string
}

// ContentFingerprint identifies a finding by what leaked, not where: the
// rule and the secret's hash. It does not change when lines move.
func (f *Finding) ContentFingerprint() string {
	return f.RuleID + ":" + secret.Hash(f.Secret.Reveal())
}

// KeyedFingerprint is [Finding.ContentFingerprint] with the secret's hash
// keyed by a repository's key ([secret.KeyedHash]): the form written to
// files that are committed or published (ignore entries, SARIF).
func (f *Finding) KeyedFingerprint(key []byte) string {
	return f.RuleID + ":" + secret.KeyedHash(key, f.Secret.Reveal())
}

// RedactedMatch is Match with the secret replaced by its redacted preview
// and everything else in it that is or may be a secret hidden (see
// preview.go).
func (f *Finding) RedactedMatch() string {
	m := f.Match.Reveal()
	return render(m, f.layout(m, false), f.Secret, 0, len(m))
}

// RedactedLine is the line holding the secret, cut to 60 bytes of
// context before it, with the secret redacted and everything else on the line that is or
// may be a secret hidden: another finding, any span a rule or a managed
// name matches, an assignment's value, a URL's password, a random-looking
// token. Nothing after the secret is shown.
func (f *Finding) RedactedLine() string {
	l := f.Line.Reveal()
	if l == "" {
		return f.RedactedMatch()
	}
	lay := f.layout(l, true)
	if lay.own[1] == 0 {
		return "…" // the secret is not in the line: show nothing of it
	}
	// What comes before, rendered (so a redacted secret counts for its
	// preview's length), keeps its last 60 bytes.
	pre := lastBytes(render(l, lay, f.Secret, 0, lay.own[0]), 60)
	out := pre + f.Secret.Redacted()
	if lay.own[0] > 0 && isSpace(l[lay.own[0]-1]) && pre != "" {
		out = pre + " " + f.Secret.Redacted()
	}
	if strings.TrimSpace(l[lay.own[1]:]) != "" {
		out += "…"
	}
	return out
}

// layout is the view of the line or the match, or for a finding made
// outside the Detector, the first occurrence of the secret in text.
func (f *Finding) layout(text string, line bool) layout {
	if f.view != nil {
		if line {
			return f.view.line
		}
		return f.view.match
	}
	var l layout
	if s := f.Secret.Reveal(); s != "" {
		if i := strings.Index(text, s); i >= 0 {
			l.own = [2]int{i, i + len(s)}
		}
	}
	return l
}
