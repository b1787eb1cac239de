package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

func sample() []scanner.Finding {
	key := "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA"
	f := scanner.Finding{
		RuleID: "anthropic-api-key", Description: "Anthropic API key", StartLine: 3, EndLine: 3, StartColumn: 5, EndColumn: 112,
		Match: secret.New(`k="` + key + `"`), Secret: secret.New(key), Line: secret.New(`k="` + key + `"`),
		File: "a/b.env", Provider: "anthropic", KeyName: "ANTHROPIC_API_KEY", Confidence: rules.High, Tags: []string{"ai"},
	}
	f.Fingerprint = f.ContentFingerprint()
	return []scanner.Finding{f}
}

func TestEveryFormatRedacts(t *testing.T) {
	fs := sample()
	plain := fs[0].Secret.Reveal()
	for _, format := range Formats {
		var b bytes.Buffer
		if err := Write(&b, fs, Options{Format: format}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), plain) || strings.Contains(b.String(), plain[20:50]) {
			t.Errorf("%s report holds the secret", format)
		}
		var shown bytes.Buffer
		Write(&shown, fs, Options{Format: format, ShowSecrets: true})
		if format != "sarif" && !strings.Contains(shown.String(), plain) {
			t.Errorf("%s report with ShowSecrets lacks the secret", format)
		}
		if format == "sarif" && strings.Contains(shown.String(), plain) {
			t.Error("SARIF must stay redacted: it is uploaded")
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	fs := sample()
	var b bytes.Buffer
	if err := Write(&b, fs, Options{Format: "json"}); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 1 || back[0].RuleID != fs[0].RuleID || back[0].KeyName != "ANTHROPIC_API_KEY" || back[0].Fingerprint != fs[0].Fingerprint || back[0].Confidence != rules.High {
		t.Fatalf("round trip lost fields: %+v", back[0])
	}
}

func TestSARIFShape(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample(), Options{Format: "sarif", Version: "1.2.3"}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
				PartialFingerprints map[string]string
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	r := log.Runs[0]
	if log.Version != "2.1.0" || r.Tool.Driver.Name != "leakguard" || r.Tool.Driver.Rules[0].ID != "anthropic-api-key" {
		t.Fatalf("bad SARIF header: %+v", log)
	}
	res := r.Results[0]
	if res.RuleID != "anthropic-api-key" || res.Locations[0].PhysicalLocation.ArtifactLocation.URI != "a/b.env" ||
		res.Locations[0].PhysicalLocation.Region.StartLine != 3 || res.PartialFingerprints["leakguard/v2"] == "" {
		t.Fatalf("bad result: %+v", res)
	}
}

// A verified finding carries Validity and ValidityDetail in JSON (and
// back), text and SARIF (properties.validity); an unverified one carries
// neither.
func TestValidityInEveryFormat(t *testing.T) {
	fs := sample()
	fs = append(fs, fs[0])
	fs[0].Validity, fs[0].ValidityDetail = "live", "Anthropic accepted it (GET /v1/models: 200)"
	var b bytes.Buffer
	if err := Write(&b, fs, Options{Format: "json"}); err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if raw[0]["Validity"] != "live" || raw[0]["ValidityDetail"] != fs[0].ValidityDetail {
		t.Errorf("JSON: %v", raw[0])
	}
	if _, ok := raw[1]["Validity"]; ok {
		t.Errorf("JSON of an unverified finding has Validity: %v", raw[1])
	}
	back, err := ReadJSON(&b)
	if err != nil || back[0].Validity != "live" || back[0].ValidityDetail != fs[0].ValidityDetail || back[1].Validity != "" {
		t.Fatalf("round trip: %+v %v", back, err)
	}

	b.Reset()
	Write(&b, fs, Options{Format: "text"})
	if !strings.Contains(b.String(), "validity:   live — Anthropic accepted it") || strings.Count(b.String(), "validity:") != 1 {
		t.Errorf("text:\n%s", b.String())
	}

	b.Reset()
	Write(&b, fs, Options{Format: "sarif"})
	var sl struct {
		Runs []struct {
			Results []struct {
				Properties map[string]any `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &sl); err != nil {
		t.Fatal(err)
	}
	p := sl.Runs[0].Results[0].Properties
	if p["validity"] != "live" || p["validityDetail"] != fs[0].ValidityDetail {
		t.Errorf("SARIF properties: %v", p)
	}
	if _, ok := sl.Runs[0].Results[1].Properties["validity"]; ok {
		t.Errorf("SARIF of an unverified finding has validity")
	}
}
