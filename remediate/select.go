package remediate

import (
	"context"
	"fmt"
	"io"

	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/scanner/report"
	"github.com/leakguard/leakguard/secret"
)

// Select splits findings into those remediate acts on — managed keys (by
// name, known value, or the only managed key of the provider) and
// findings at or above min — and the rest.
func Select(fs []scanner.Finding, keys []rules.Key, min rules.Confidence) (act, rest []scanner.Finding) {
	providers := map[string]int{}
	for _, k := range keys {
		if k.Provider != "" {
			providers[k.Provider]++
		}
	}
	for _, f := range fs {
		if f.KeyName != "" || providers[f.Provider] == 1 || f.Confidence.Rank() >= min.Rank() {
			act = append(act, f)
		} else {
			rest = append(rest, f)
		}
	}
	return act, rest
}

// SummarizeRest lists the findings not acted on, one line per rule.
func SummarizeRest(rest []scanner.Finding) []string {
	type acc struct {
		n    int
		conf rules.Confidence
		loc  string
	}
	by := map[string]*acc{}
	var order []string
	for i := range rest {
		f := &rest[i]
		a := by[f.RuleID]
		if a == nil {
			a = &acc{conf: f.Confidence, loc: report.Location(f)}
			by[f.RuleID] = a
			order = append(order, f.RuleID)
		}
		a.n++
	}
	var out []string
	for _, r := range order {
		a := by[r]
		out = append(out, fmt.Sprintf("%s (%s confidence), %s, e.g. %s", r, a.conf, english.Count(a.n, "finding"), a.loc))
	}
	return out
}

// Secrets are the values the findings carry.
func Secrets(fs []scanner.Finding) []secret.Value {
	var vs []secret.Value
	for _, f := range fs {
		if !f.Secret.IsZero() {
			vs = append(vs, f.Secret)
		}
	}
	return vs
}

// OpenReport is remediate -f json: a stable contract.
type OpenReport struct {
	Incidents   []IncidentJSON `json:"incidents"`
	Skipped     []Skip         `json:"skipped"`
	NotSelected []NotSelected  `json:"not_selected"`
}

// NotSelected is a finding remediate did not act on (see [Select]).
type NotSelected struct {
	RuleID     string `json:"rule_id"`
	File       string `json:"file,omitempty"`
	Line       int    `json:"line,omitempty"`
	Commit     string `json:"commit,omitempty"`
	Confidence string `json:"confidence"`
	Preview    string `json:"preview"`
}

// NewOpenReport is the report of a run that did not act on rest (the
// redacted line only); [OpenReport.Add] adds what Open did.
func NewOpenReport(rest []scanner.Finding) *OpenReport {
	r := &OpenReport{Incidents: []IncidentJSON{}, Skipped: []Skip{}, NotSelected: []NotSelected{}}
	for i := range rest {
		f := &rest[i]
		r.NotSelected = append(r.NotSelected, NotSelected{RuleID: f.RuleID, File: f.File, Line: f.StartLine, Commit: f.Commit,
			Confidence: string(f.Confidence), Preview: f.RedactedLine()})
	}
	return r
}

// Add adds the incidents and skips of [Playbook.Open].
func (r *OpenReport) Add(opened []Opened, skips []Skip) {
	for _, o := range opened {
		r.Incidents = append(r.Incidents, NewIncidentJSON(o.Incident, o.New))
	}
	r.Skipped = append(r.Skipped, skips...)
}

// IssuesToOpen counts the audit issues [Playbook.Open] would create for
// fs: a dry run that writes, sends and prints nothing.
func (p *Playbook) IssuesToOpen(ctx context.Context, fs []scanner.Finding) (int, error) {
	out := p.Out
	p.Out = io.Discard
	dry, _, err := p.Open(ctx, append([]scanner.Finding(nil), fs...), true)
	p.Out = out
	n := 0
	for _, o := range dry {
		if o.Incident.Issue == nil {
			n++
		}
	}
	return n, err
}
