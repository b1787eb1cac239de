package remediate

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/scanner/report"
)

// The level a run acts from: the flag's, or low for every finding; any
// other is a usage error.
func TestActLevel(t *testing.T) {
	if c, err := ActLevel("medium", false); c != rules.Medium || err != nil {
		t.Errorf("medium: %q, %v", c, err)
	}
	if c, err := ActLevel("high", true); c != rules.Low || err != nil {
		t.Errorf("all: %q, %v", c, err)
	}
	if _, err := ActLevel("most", false); err == nil || !hint.IsUsage(err) || err.Error() != `--min-confidence: unknown level "most"` {
		t.Errorf("unknown level: %v", err)
	}
}

// --report reads a scan's JSON report; a missing or malformed file is a
// usage error that says how to write one.
func TestReadReport(t *testing.T) {
	dir := t.TempDir()
	v := tvly()
	var b bytes.Buffer
	if err := report.Write(&b, leak(v), report.Options{Format: "json", ShowSecrets: true}); err != nil {
		t.Fatal(err)
	}
	good, bad := filepath.Join(dir, "r.json"), filepath.Join(dir, "bad.json")
	if err := os.WriteFile(good, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fs, err := ReadReport(good); err != nil || len(fs) != 1 || fs[0].RuleID != "tavily-api-key" || fs[0].File != ".env" || fs[0].StartLine != 3 {
		t.Errorf("report: %d findings, %v", len(fs), err)
	}
	for path, want := range map[string]string{filepath.Join(dir, "none.json"): "write one with", bad: "pass a JSON report"} {
		if _, err := ReadReport(path); err == nil || !hint.IsUsage(err) || !strings.Contains(hint.Of(err), want) || !strings.Contains(err.Error(), "--report") {
			t.Errorf("%s: %v (hint %q)", path, err, hint.Of(err))
		}
	}
}

// A run lists what it does not act on; with nothing to act on it says so
// (JSON: an empty report); otherwise it asks before opening issues (no
// opens nothing), opens the incidents and says what comes next.
func TestRun(t *testing.T) {
	ctx := context.Background()
	low := scanner.Finding{RuleID: "generic", Confidence: rules.Low, File: "a.env", StartLine: 2, StartColumn: 5}
	keys := []rules.Key{{Name: "TAVILY_API_KEY", Provider: "tavily"}}

	r := NewRun([]scanner.Finding{low}, keys, rules.High)
	r.JSON = true
	var out, log bytes.Buffer
	if more, err := r.Start(&out, &log); more || err != nil {
		t.Fatalf("nothing to act on: %v, %v", more, err)
	}
	if !strings.Contains(log.String(), "leakguard: not acted on: generic (low confidence), 1 finding, e.g. a.env:2:5\n") ||
		!strings.Contains(log.String(), "1 finding outside the inventory below high confidence not acted on") ||
		!strings.HasSuffix(log.String(), "leakguard: nothing to remediate\n") {
		t.Errorf("log:\n%s", log.String())
	}
	var rep OpenReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.NotSelected) != 1 || rep.Incidents == nil {
		t.Errorf("JSON report: %v\n%s", err, out.String())
	}

	p, tr, _, _ := testPlaybook(t)
	p.Err = &log
	r = NewRun(append(leak(tvly()), low), keys, rules.High)
	log.Reset()
	if more, err := r.Start(&out, &log); !more || err != nil || strings.Contains(log.String(), "nothing to remediate") {
		t.Fatalf("to act on: %v, %v\n%s", more, err, log.String())
	}
	var asked []string
	p.Confirm = func(q string) bool { asked = append(asked, q); return false }
	if n, err := r.Open(ctx, p); n != 0 || !hint.IsUsage(err) || err.Error() != "cancelled: no issue opened" || tr.creates != 0 {
		t.Fatalf("answered no: %d, %v, %d issues", n, err, tr.creates)
	}
	if len(asked) != 1 || asked[0] != "this will open 1 GitHub issue in acme/infra; continue?" {
		t.Errorf("asked %q", asked)
	}
	p.Confirm = func(string) bool { return true }
	log.Reset()
	if n, err := r.Open(ctx, p); n != 1 || err != nil || tr.creates != 1 {
		t.Fatalf("answered yes: %d, %v, %d issues", n, err, tr.creates)
	}
	if !strings.Contains(p.Out.(*bytes.Buffer).String(), "incident LG-") || log.String() != "leakguard: 1 incident; next: regenerate each key, then leakguard rotate NAME\n" {
		t.Errorf("out:\n%s\nlog:\n%s", p.Out.(*bytes.Buffer).String(), log.String())
	}

	// As JSON: the report on Out, none of the playbook's text; the issue
	// exists, so nothing is asked.
	text := p.Out.(*bytes.Buffer)
	text.Reset()
	r.JSON, p.Confirm = true, func(string) bool { t.Error("asked with no issue to open"); return false }
	if n, err := r.Open(ctx, p); n != 1 || err != nil {
		t.Fatalf("JSON: %d, %v", n, err)
	}
	if p.Out != text || json.Unmarshal(text.Bytes(), &rep) != nil || len(rep.Incidents) != 1 || rep.Incidents[0].New || len(rep.NotSelected) != 1 {
		t.Errorf("JSON report:\n%s", text.String())
	}
}
