package remediate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// remediate acts on managed keys (by name, or the provider's only managed
// key) and findings at min or above; the rest are summed up per rule and
// listed in the JSON report by their redacted line only.
func TestSelect(t *testing.T) {
	v := tvly()
	fs := []scanner.Finding{
		{RuleID: "generic", Confidence: rules.Low, KeyName: "TAVILY_API_KEY"},                   // managed by name
		{RuleID: "tavily-api-key", Provider: "tavily", Confidence: rules.Low},                   // the provider's only key
		{RuleID: "acme", Provider: "acme", Confidence: rules.High},                              // high
		{RuleID: "generic", Confidence: rules.Low, File: "a.env", StartLine: 2, StartColumn: 5}, // rest
		{RuleID: "generic", Confidence: rules.Low, File: "b.env", Secret: secret.New(v), Match: secret.New(v), Line: secret.New("K=" + v)},
		{RuleID: "openai", Provider: "openai", Confidence: rules.Medium, File: "c.env"},
	}
	keys := []rules.Key{{Name: "TAVILY_API_KEY", Provider: "tavily"}, {Name: "O1", Provider: "openai"}, {Name: "O2", Provider: "openai"}}
	act, rest := Select(fs, keys, rules.High)
	if len(act) != 3 || len(rest) != 3 || rest[2].RuleID != "openai" {
		t.Fatalf("act %d, rest %d", len(act), len(rest))
	}
	if act, _ := Select(fs, keys, rules.Medium); len(act) != 4 {
		t.Errorf("from medium: %d acted on", len(act))
	}
	sum := SummarizeRest(rest)
	if len(sum) != 2 || sum[0] != "generic (low confidence), 2 findings, e.g. a.env:2:5" || !strings.HasPrefix(sum[1], "openai (medium confidence), 1 finding, e.g. c.env") {
		t.Errorf("summary: %q", sum)
	}
	b, err := json.Marshal(NewOpenReport(rest))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"incidents":[]`) || !strings.Contains(s, `"skipped":[]`) || strings.Count(s, `"rule_id"`) != 3 || strings.Contains(s, v) {
		t.Errorf("report: %s", s)
	}
	if got := Secrets(fs); len(got) != 1 || !got[0].Equal(secret.New(v)) {
		t.Errorf("secrets: %d", len(got))
	}
}

// IssuesToOpen counts the issues a run would open, and writes, sends and
// prints nothing.
func TestIssuesToOpen(t *testing.T) {
	p, tr, _, _ := testPlaybook(t)
	n, err := p.IssuesToOpen(context.Background(), leak(tvly()))
	st, _ := p.Ledger.Read()
	if err != nil || n != 1 || tr.creates != 0 || len(st.Incidents) != 0 || p.Out.(interface{ Len() int }).Len() != 0 {
		t.Fatalf("n %d, err %v, %d issues created, %d incidents", n, err, tr.creates, len(st.Incidents))
	}
}
