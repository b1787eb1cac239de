package cli

import (
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
)

// TestScanFailOnConfidence: scan reports every level, fails on medium and
// above by default; --fail-on moves the threshold, --min-confidence hides
// what is below it.
func TestScanFailOnConfidence(t *testing.T) {
	dir := t.TempDir()
	weak := "qw" + "lkjh" // a short lower-case password: low confidence
	writeT(t, dir, "low.py", "password = \""+weak+"\"\n")
	strong := rules.RandString(32, "alnum") + "7Q"
	writeT(t, dir, "med.py", "api_token = \""+strong+"\"\n")

	code, out, errb := runCLI(t, "", "scan", "--no-ignore", "-C", dir, "low.py")
	if code != 0 || !strings.Contains(out, "low") || !strings.Contains(errb, "below --fail-on medium") {
		t.Fatalf("a low finding: exit %d, want 0 with the finding reported\n%s\n%s", code, out, errb)
	}
	if code, _, _ := runCLI(t, "", "scan", "--no-ignore", "--fail-on", "low", "-C", dir, "low.py"); code != 1 {
		t.Fatalf("--fail-on low: exit %d, want 1", code)
	}
	if code, out, _ := runCLI(t, "", "scan", "--no-ignore", "--min-confidence", "medium", "-C", dir, "low.py"); code != 0 || strings.Contains(out, "generic-secret-assignment") {
		t.Fatalf("--min-confidence medium: exit %d, output %q", code, out)
	}
	code, out, errb = runCLI(t, "", "scan", "--no-ignore", "-C", dir, "med.py")
	if code != 1 {
		t.Fatalf("a medium finding: exit %d, want 1\n%s\n%s", code, out, errb)
	}
	noLeakValue(t, strong, out, errb)
	if code, _, _ := runCLI(t, "", "scan", "--no-ignore", "--fail-on", "high", "-C", dir, "med.py"); code != 0 {
		t.Fatalf("--fail-on high: exit %d, want 0", code)
	}
	if code, _, errb := runCLI(t, "", "scan", "--fail-on", "sometimes", "-C", dir); code != 2 || !strings.Contains(errb, "hint:") {
		t.Fatalf("bad --fail-on: exit %d %q", code, errb)
	}
	if code, _, _ := runCLI(t, "", "scan", "--min-confidence", "certain", "-C", dir); code != 2 {
		t.Fatalf("bad --min-confidence: exit %d", code)
	}
}

func noLeakValue(t *testing.T, v string, outs ...string) {
	t.Helper()
	for _, o := range outs {
		if strings.Contains(o, v[4:24]) {
			t.Fatalf("secret printed:\n%s", o)
		}
	}
}
