package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
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

// WriteFile makes the report's directory, writes it redacted (0600 with
// secrets shown) and never through a link.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	fs := sample()
	p := filepath.Join(dir, "new", "dir", "r.json")
	if err := WriteFile(p, fs, Options{Format: "json"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || !strings.Contains(string(b), `"RuleID": "anthropic-api-key"`) || strings.Contains(string(b), fs[0].Secret.Reveal()) {
		t.Fatalf("report %v:\n%s", err, b)
	}
	s := filepath.Join(dir, "s.json")
	if err := WriteFile(s, fs, Options{Format: "json", ShowSecrets: true}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(s); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("a report with secrets: %v, mode %v", err, fi.Mode())
	}
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "leakguard.sarif")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "leakguard.sarif"), nil, Options{Format: "sarif"}); !hint.IsUsage(err) || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("err %v: want the link refused as a usage error", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
		t.Fatalf("wrote through the link (%d bytes)", len(b))
	}
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "file", "r.json"), fs, Options{Format: "json"}); err == nil || hint.Of(err) != "check that the output directory is writable" {
		t.Fatalf("a file in the way of the directory: %v", err)
	}
}
