package scanner

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
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
	if err := WriteBaseline(&b, all, nil); err != nil {
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
	d := testDetector(t, rules.Key{Name: "SKYVERN_API_KEY", Fingerprints: []string{secret.Fingerprint(mimo)}})
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

// sameFindings reports the first difference between two runs.
func sameFindings(a, b []Finding) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d findings, then %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.RuleID != y.RuleID || x.StartLine != y.StartLine || x.StartColumn != y.StartColumn || x.EndColumn != y.EndColumn ||
			x.Secret.Reveal() != y.Secret.Reveal() || x.KeyName != y.KeyName || x.Confidence != y.Confidence || x.RedactedLine() != y.RedactedLine() ||
			x.Match.Reveal() != y.Match.Reveal() || x.Fingerprint != y.Fingerprint || fmt.Sprint(x.Decoded) != fmt.Sprint(y.Decoded) {
			return fmt.Sprintf("finding %d: %s at %d:%d-%d, then %s at %d:%d-%d", i, x.RuleID, x.StartLine, x.StartColumn, x.EndColumn, y.RuleID, y.StartLine, y.StartColumn, y.EndColumn)
		}
	}
	return ""
}

// TestDecodedSecretsAreDeterministic: two secrets in one encoded run are
// two findings, each at the encoded text of its own, in every run.
func TestDecodedSecretsAreDeterministic(t *testing.T) {
	d := testDetector(t)
	id := "AKIA" + rules.RandString(16, "base32")
	// A secret access key with + and / in it, so that percent-encoding
	// changes it.
	sec := rules.RandString(12, "base64") + "+/" + rules.RandString(12, "base64") + "/+" + rules.RandString(12, "base64")
	encSec := url.QueryEscape(sec)
	query := "https://s3.example.com/b?aws_access_key_id=" + id + "&aws_secret_access_key=" + encSec + "&x=1"
	both := "aws_access_key_id=" + id + "\naws_secret_access_key=" + sec + "\n"
	b64 := base64.StdEncoding.EncodeToString([]byte(both))
	for name, tc := range map[string]struct {
		text string
		want map[string]string // rule -> the encoded text its finding points at ("" when not checked)
	}{
		"percent":     {"curl '" + query + "'\n", map[string]string{"aws-access-key-id": id, "aws-secret-access-key": encSec}},
		"percent-all": {"u=" + url.QueryEscape(query) + "\n", map[string]string{"aws-access-key-id": "", "aws-secret-access-key": ""}},
		"base64":      {"data:\n  creds: " + b64 + "\n", map[string]string{"aws-access-key-id": "", "aws-secret-access-key": ""}},
		"hex":         {"blob=" + hex.EncodeToString([]byte(both)) + "\n", map[string]string{"aws-access-key-id": "", "aws-secret-access-key": ""}},
	} {
		first := d.Detect(Fragment{Path: "run.sh", Content: []byte(tc.text)})
		got := map[string]Finding{}
		for _, f := range first {
			got[f.RuleID] = f
		}
		for rule, enc := range tc.want {
			f, ok := got[rule]
			if !ok {
				t.Errorf("%s: no %s finding (got %d findings)", name, rule, len(first))
				continue
			}
			if enc != "" {
				col := strings.Index(tc.text, enc) + 1
				if f.StartColumn != col || f.EndColumn != col+len(enc)-1 {
					t.Errorf("%s: %s at columns %d-%d, want %d-%d", name, rule, f.StartColumn, f.EndColumn, col, col+len(enc)-1)
				}
			}
		}
		if len(got) == 2 && got["aws-access-key-id"].StartColumn == got["aws-secret-access-key"].StartColumn {
			t.Errorf("%s: both secrets at column %d", name, got["aws-access-key-id"].StartColumn)
		}
		for i := 0; i < 200; i++ {
			if diff := sameFindings(first, d.Detect(Fragment{Path: "run.sh", Content: []byte(tc.text)})); diff != "" {
				t.Errorf("%s: run %d differs: %s", name, i+2, diff)
				break
			}
		}
	}
}

// TestMergeIsDeterministic: when rules of equal rank claim the same
// secret, the same one wins every run, whatever order they ran in.
func TestMergeIsDeterministic(t *testing.T) {
	var specs []rules.RuleSpec
	for _, id := range []string{"acme-token-b", "acme-token-a", "acme-token-d", "acme-token-c", "acme-token-e", "acme-token-f"} {
		specs = append(specs, rules.RuleSpec{ID: id, Provider: "acme", Regex: `\b(acme_[a-z0-9]{24})\b`, SecretGroup: 1, Keywords: []string{"acme_"}, Confidence: rules.High})
	}
	rs, err := rules.CompileAll(specs)
	if err != nil {
		t.Fatal(err)
	}
	d := NewDetector(Options{Rules: rs})
	text := []byte("token: acme_" + rules.RandString(24, "alnumlower") + "\n")
	first := d.Detect(Fragment{Path: "x", Content: text})
	if len(first) != 1 {
		t.Fatalf("%d findings, want 1", len(first))
	}
	for i := 0; i < 200; i++ {
		if diff := sameFindings(first, d.Detect(Fragment{Path: "x", Content: text})); diff != "" {
			t.Fatalf("run %d differs: %s", i+2, diff)
		}
	}
}

// TestKnownValuesOnValueBoundaries: a known value glued to - or _ (or
// holding them) is found, and so is one inside base64 wrapped across
// lines; a longer token is still not the value.
func TestKnownValuesOnValueBoundaries(t *testing.T) {
	for _, v := range []string{
		mimoKey(),
		"tok_" + rules.RandString(20, "alnum") + "-" + rules.RandString(8, "alnum") + "_" + rules.RandString(12, "alnum"),
	} {
		d := testDetector(t, rules.Key{Name: "SKYVERN_API_KEY", Provider: "skyvern", Fingerprints: []string{secret.Fingerprint(v)}})
		for _, tc := range []struct{ pre, post string }{
			{"svc-", ""},
			{"", "_prod"},
			{"svc-", "_prod"},
			{"my_svc-", "-v2"},
			{"id=a_b_c_d_e_f_g-", "_x_y_z"},
			{"https://api.example.com/run?key=svc_", "-live&x=1"},
		} {
			text := "value: " + tc.pre + v + tc.post + "\n"
			fs := d.Detect(Fragment{Path: "f", Content: []byte(text)})
			if len(fs) != 1 || fs[0].KeyName != "SKYVERN_API_KEY" || fs[0].Secret.Reveal() != v {
				t.Errorf("%q + value + %q: %d findings, want the known value", tc.pre, tc.post, len(fs))
				continue
			}
			if col := strings.Index(text, v) + 1; fs[0].StartColumn != col {
				t.Errorf("%q + value + %q: column %d, want %d", tc.pre, tc.post, fs[0].StartColumn, col)
			}
		}
		for _, near := range []string{v + "x", "x" + v, v[1:], v[:len(v)-1]} {
			if fs := d.Detect(Fragment{Path: "f", Content: []byte("value: svc-" + near + "_prod\n")}); len(fs) != 0 {
				t.Errorf("near miss %q reported", fs[0].RedactedMatch())
			}
		}

		// In a run longer than a segment, across segment edges.
		long := strings.Repeat("ab-", 3*knownSegment/4)
		for _, at := range []int{100, knownSegment - 20, knownSegment - 2, knownSegment + 1, knownSegment + maxKnownLen + 3} {
			text := long[:at] + "-" + v + "_" + long[at:]
			fs := d.Detect(Fragment{Path: "f", Content: []byte(text)})
			if len(fs) != 1 || fs[0].Secret.Reveal() != v || fs[0].StartColumn != at+2 {
				t.Errorf("value at %d of a %d-byte run: %d findings", at, len(text), len(fs))
			}
		}

		// Wrapped base64: a k8s Secret's data, a PEM-style block.
		payload := `{"service":"runner","region":"eu-1","token":"` + v + `","retries":3,"note":"` + strings.Repeat("padding ", 12) + `"}`
		enc := base64.StdEncoding.EncodeToString([]byte(payload))
		vs := 4 * strings.Index(payload, v) / 3
		for _, width := range []int{76, 64} {
			if vs/width == (4*(strings.Index(payload, v)+len(v))/3)/width {
				t.Fatalf("width %d: the value does not straddle a line break", width)
			}
			var wrapped []string
			for i := 0; i < len(enc); i += width {
				wrapped = append(wrapped, enc[i:min(len(enc), i+width)])
			}
			for name, text := range map[string]string{
				"k8s":  "apiVersion: v1\nkind: Secret\ndata:\n  config.json: |\n    " + strings.Join(wrapped, "\n    ") + "\n",
				"pem":  "-----BEGIN RUNNER CONFIG-----\n" + strings.Join(wrapped, "\n") + "\n-----END RUNNER CONFIG-----\n",
				"crlf": "blob:\r\n" + strings.Join(wrapped, "\r\n") + "\r\n",
			} {
				fs := d.Detect(Fragment{Path: "secret.yaml", Content: []byte(text)})
				if len(fs) != 1 || fs[0].KeyName != "SKYVERN_API_KEY" || fs[0].Secret.Reveal() != v {
					t.Errorf("%s wrapped at %d: %d findings, want the known value", name, width, len(fs))
					continue
				}
				first := strings.Index(text, wrapped[0])
				wantLine := strings.Count(text[:first], "\n") + 1 + vs/width
				if fs[0].StartLine != wantLine || fs[0].EndLine != wantLine+1 || fs[0].Decoded[0] != "base64" {
					t.Errorf("%s wrapped at %d: lines %d-%d (%v), want %d-%d", name, width, fs[0].StartLine, fs[0].EndLine, fs[0].Decoded, wantLine, wantLine+1)
				}
			}
		}
	}
}
