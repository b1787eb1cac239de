package report

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

type sarifRuleOut struct {
	ID               string
	Name             string
	ShortDescription struct{ Text string }
	FullDescription  struct{ Text string }
	Help             struct{ Text, Markdown string }
	HelpURI          string
	Default          struct{ Level string } `json:"defaultConfiguration"`
	Properties       map[string]any
}

func sarifRules(t *testing.T, fs []scanner.Finding, o Options) (map[string]sarifRuleOut, string) {
	t.Helper()
	o.Format = "sarif"
	var b bytes.Buffer
	if err := Write(&b, fs, o); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Version         string
					SemanticVersion string
					Rules           []sarifRuleOut
				}
			}
			Results []struct {
				RuleID     string
				RuleIndex  int
				Properties map[string]any
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	out := map[string]sarifRuleOut{}
	for _, r := range run.Tool.Driver.Rules {
		out[r.ID] = r
	}
	for _, res := range run.Results {
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result of %s points at rule %d (%s)", res.RuleID, res.RuleIndex, run.Tool.Driver.Rules[res.RuleIndex].ID)
		}
	}
	return out, b.String()
}

func ruleSet(t *testing.T, ids ...string) []*rules.Rule {
	t.Helper()
	d, err := rules.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	var out []*rules.Rule
	for _, spec := range d.Rules {
		for _, id := range ids {
			if spec.ID == id {
				out = append(out, &rules.Rule{RuleSpec: &spec})
			}
		}
	}
	if len(out) != len(ids) {
		t.Fatalf("found %d of the rules %v", len(out), ids)
	}
	return out
}

func finding(rule, desc, provider string, conf rules.Confidence, keyName, rotateURL string) scanner.Finding {
	v := rules.RandString(40, "alnum")
	f := scanner.Finding{RuleID: rule, Description: desc, Provider: provider, Confidence: conf, KeyName: keyName, RotateURL: rotateURL,
		Secret: secret.New(v), Match: secret.New(v), File: "x.env", StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 40}
	f.Fingerprint = f.ContentFingerprint()
	return f
}

// Issue 12 item 10: SARIF rule metadata is the rule's own, whatever
// finding came first: a Stripe key assigned to SKYVERN_API_KEY carries
// Skyvern's settings page, but the Stripe rule's helpUri is Stripe's.
// Each rule has a full description, help with the remediation steps and
// a security-severity that ranks managed and high-confidence rules first.
func TestSARIFRuleMetadata(t *testing.T) {
	rs := ruleSet(t, "stripe-live-secret-key", "generic-secret-assignment")
	stripe, generic := rs[0], rs[1]
	if stripe.ID != "stripe-live-secret-key" {
		stripe, generic = generic, stripe
	}
	fs := []scanner.Finding{
		finding(stripe.ID, stripe.Description, "stripe", rules.High, "SKYVERN_API_KEY", "https://app.skyvern.com/settings"),
		finding(stripe.ID, stripe.Description, "stripe", rules.High, "", stripe.RotateURL),
		finding(generic.ID, generic.Description, "generic", rules.Low, "", ""),
		finding("managed-key", "Managed key TAVILY_API_KEY assigned a literal value", "tavily", rules.High, "TAVILY_API_KEY", "https://app.tavily.com/home"),
		finding("known-value", "Known value of managed key TAVILY_API_KEY", "tavily", rules.High, "TAVILY_API_KEY", "https://app.tavily.com/home"),
	}
	got, raw := sarifRules(t, fs, Options{Rules: rs, Version: "v1.2.3"})
	if len(got) != 4 {
		t.Fatalf("want 4 rules, got %d", len(got))
	}
	st := got[stripe.ID]
	if st.HelpURI != stripe.RotateURL || stripe.RotateURL == "" {
		t.Errorf("stripe helpUri %q, want the rule's %q", st.HelpURI, stripe.RotateURL)
	}
	if strings.Contains(raw, "skyvern") && strings.Contains(st.Help.Text+st.HelpURI+st.FullDescription.Text, "skyvern") {
		t.Errorf("the Stripe rule carries a managed key's page: %+v", st)
	}
	sev := map[string]float64{}
	for id, r := range got {
		if r.ShortDescription.Text == "" || r.FullDescription.Text == "" || r.Help.Text == "" || r.Help.Markdown == "" {
			t.Errorf("%s: descriptions and help must be set: %+v", id, r)
		}
		if strings.Contains(r.ShortDescription.Text, "TAVILY") || strings.Contains(r.FullDescription.Text, "TAVILY") {
			t.Errorf("%s: a rule's description names one key: %+v", id, r)
		}
		for _, step := range []string{"Regenerate", "leakguard remediate", "leakguard:allow"} {
			if !strings.Contains(r.Help.Text, step) || !strings.Contains(r.Help.Markdown, step) {
				t.Errorf("%s: help lacks %q:\n%s", id, step, r.Help.Text)
			}
		}
		s, ok := r.Properties["security-severity"].(string)
		f, err := strconv.ParseFloat(s, 64)
		if !ok || err != nil || f <= 0 || f > 10 {
			t.Errorf("%s: security-severity %v", id, r.Properties["security-severity"])
		}
		sev[id] = f
		if r.Default.Level == "" {
			t.Errorf("%s: no default level", id)
		}
	}
	if !strings.Contains(st.Help.Markdown, "["+"https://dashboard.stripe.com") && !strings.Contains(st.Help.Markdown, "(https://dashboard.stripe.com") {
		t.Errorf("stripe help markdown does not link its page:\n%s", st.Help.Markdown)
	}
	if !(sev["managed-key"] >= sev[stripe.ID] && sev["known-value"] >= sev[stripe.ID] && sev[stripe.ID] > sev[generic.ID]) {
		t.Errorf("severities do not rank managed, then high, then low: %v", sev)
	}
	if sev["managed-key"] < 9 || sev[stripe.ID] < 7 {
		t.Errorf("a managed key is critical (9+), a high-confidence key at least high (7+): %v", sev)
	}
	// A finding's own page (a managed key's) stays with the result.
	if !strings.Contains(raw, `"rotateUrl": "https://app.skyvern.com/settings"`) {
		t.Errorf("the result lost its key's rotate page")
	}
}

// The driver carries the real version, and a semantic version when it is
// one.
func TestSARIFVersion(t *testing.T) {
	fs := sample()
	for _, tc := range []struct{ v, sem string }{{"v1.2.3", "1.2.3"}, {"v0.4.0-rc.1", "0.4.0-rc.1"}, {"dev-1a2b3c4d5e6f", ""}} {
		var log struct {
			Runs []struct {
				Tool struct {
					Driver struct{ Version, SemanticVersion string }
				}
			}
		}
		var b bytes.Buffer
		if err := Write(&b, fs, Options{Format: "sarif", Version: tc.v}); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b.Bytes(), &log); err != nil {
			t.Fatal(err)
		}
		d := log.Runs[0].Tool.Driver
		if d.Version != tc.v || d.SemanticVersion != tc.sem {
			t.Errorf("%s: version %q, semanticVersion %q, want %q", tc.v, d.Version, d.SemanticVersion, tc.sem)
		}
	}
}
