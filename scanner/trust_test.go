package scanner

import (
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
)

// TestIgnoreFilesAreScanned: a file named .leakguardignore, in any folder,
// is scanned like any other; a baseline's own entries never match.
func TestIgnoreFilesAreScanned(t *testing.T) {
	d := testDetector(t)
	key := "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA"
	for _, p := range []string{".leakguardignore", "docs/.leakguardignore", "a/b/.leakguardignore"} {
		fs := d.Detect(Fragment{Path: p, Content: []byte("# notes\nANTHROPIC_API_KEY=" + key + "\n")})
		if len(fs) != 1 || fs[0].Secret.Reveal() != key {
			t.Errorf("%s: %d findings, want the key", p, len(fs))
		}
	}
	// Only an entry's fingerprint is exempt: a key in its path glob, or
	// in place of its hash, is found.
	for _, line := range []string{
		"anthropic-api-key:0123456789abcdef " + key,
		"anthropic-api-key:" + key,
	} {
		if fs := d.Detect(Fragment{Path: IgnoreFile, Content: []byte(line + "\n")}); len(fs) != 1 {
			t.Errorf("%.40q: %d findings, want the key", line, len(fs))
		}
	}

	// A baseline of every rule's true positives scans clean: its entries
	// are hashes and its comments redacted previews.
	def, _ := rules.Defaults()
	var all []Finding
	for _, r := range def.Rules {
		path := "example.txt"
		if r.ExamplePath != "" {
			path = r.ExamplePath
		}
		reseed(r.ID)
		for _, tp := range r.TP {
			all = append(all, d.Detect(Fragment{Path: path, Content: []byte(expand(t, tp))})...)
		}
	}
	if len(all) < len(def.Rules) {
		t.Fatalf("only %d findings from %d rules' examples", len(all), len(def.Rules))
	}
	var b strings.Builder
	if err := WriteBaseline(&b, all); err != nil {
		t.Fatal(err)
	}
	if fs := d.Detect(Fragment{Path: IgnoreFile, Content: []byte(b.String())}); len(fs) != 0 {
		t.Errorf("a baseline of %d entries has %d findings, first %s at line %d: %q", len(all), len(fs), fs[0].RuleID, fs[0].StartLine, fs[0].RedactedLine())
	}
}
