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

// strongPassword is a password that the generic assignment rule reports:
// letters, digits and symbols.
func strongPassword() string {
	return rules.RandString(5, "alnum") + "&3" + rules.RandString(5, "alnum") + "!q"
}

// githubPAT is a classic GitHub token with a valid checksum.
func githubPAT() string {
	b := rules.RandString(30, "alnum")
	return "ghp_" + b + rules.CRC32Base62(b)
}

// holdsPiece reports whether shown holds any 6 consecutive bytes of v.
func holdsPiece(shown, v string) bool {
	for i := 0; i+6 <= len(v); i++ {
		if strings.Contains(shown, v[i:i+6]) {
			return true
		}
	}
	return false
}

// TestPreviewsRedactEverySecretOnTheLine: the context shown with a finding
// never holds another secret of its line — another finding, a value a
// rule or managed name matches, a password in an assignment or a URL —
// however the secrets are placed.
func TestPreviewsRedactEverySecretOnTheLine(t *testing.T) {
	pw := strongPassword()
	weak := "hunter2" + rules.RandString(7, "alnum") // under the token mask's 16 bytes
	ghp := githubPAT()
	ant := "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA"
	mimo := mimoKey()
	d := testDetector(t, rules.Key{Name: "SKYVERN_API_KEY", Fingerprints: []string{Fingerprint(mimo)}})
	for _, tc := range []struct {
		line   string
		others []string // secrets no preview may show
		keep   string   // context the key's preview keeps
	}{
		{`export DB_PASSWORD="` + pw + `" GITHUB_TOKEN=` + ghp, []string{pw, ghp}, "GITHUB_TOKEN="},
		{`DB_PASSWORD=` + pw + ` ANTHROPIC_API_KEY=` + ant, []string{pw, ant}, "ANTHROPIC_API_KEY="},
		{`DB_PASSWORD=` + weak + ` ANTHROPIC_API_KEY=` + ant, []string{weak, ant}, "ANTHROPIC_API_KEY="},
		{`psql --password=` + weak + ` && GITHUB_TOKEN=` + ghp + ` gh pr list`, []string{weak, ghp}, "GITHUB_TOKEN="},
		{`DATABASE_URL=postgres://app:` + weak + `@db.internal/app ANTHROPIC_API_KEY=` + ant, []string{weak, ant}, "ANTHROPIC_API_KEY="},
		{`{"db": {"password": "` + pw + `"}, "github": "` + ghp + `"}`, []string{pw, ghp}, `"github":`},
		{`svc ` + mimo + ` GITHUB_TOKEN=` + ghp, []string{mimo, ghp}, "GITHUB_TOKEN="},
		{`pass: ` + weak + `, token: ` + ghp, []string{weak, ghp}, "token:"},
	} {
		fs := d.Detect(Fragment{Path: "run.sh", Content: []byte(tc.line + "\n")})
		key := false
		for _, f := range fs {
			own := f.Secret.Reveal()
			for _, shown := range []string{f.RedactedLine(), f.RedactedMatch()} {
				for _, v := range tc.others {
					if v != own && holdsPiece(shown, v) {
						t.Errorf("%.30q: %s preview %q shows part of another secret", tc.line, f.RuleID, shown)
					}
				}
				if holdsPiece(shown, own) {
					t.Errorf("%.30q: %s preview %q shows its own secret", tc.line, f.RuleID, shown)
				}
			}
			if own == ghp || own == ant {
				key = true
				if !strings.Contains(f.RedactedLine(), tc.keep) {
					t.Errorf("%.30q: preview %q lost its context %q", tc.line, f.RedactedLine(), tc.keep)
				}
			}
		}
		if !key {
			t.Errorf("%.30q: the key was not found (%d findings)", tc.line, len(fs))
		}
	}
}
