package scanner

import "testing"

// TestBasicCredentialsAndJWKPrivateMembers: two shapes other scanners'
// examples hold that leakguard missed — HTTP Basic credentials outside an
// Authorization header (a YAML list of headers, a constant), and the
// private member of a JSON Web Key — and their look-alikes.
func TestBasicCredentialsAndJWKPrivateMembers(t *testing.T) {
	d := testDetector(t)
	found := []struct{ path, tmpl string }{
		{"deploy/headers.yaml", `headers:\n  - Basic {{b64 (print "deploy:" (rand 16 "alnum"))}}`},
		{"src/client.js", `const AUTH = 'Basic {{b64 (print "svc-ci:" (rand 20 "alnum"))}}';`},
		{"keys/signing.json", `{"kty":"EC","crv":"P-256","x":"{{rand 43 "urlsafe"}}","y":"{{rand 43 "urlsafe"}}","d":"{{rand 43 "urlsafe"}}"}`},
		{"keys/rsa.jwk", `{\n  "kty": "RSA",\n  "n": "{{rand 342 "urlsafe"}}",\n  "e": "AQAB",\n  "d": "{{rand 342 "urlsafe"}}",\n  "p": "{{rand 171 "urlsafe"}}"\n}`},
		{"keys/ed.json", `{"crv":"Ed25519","d":"{{rand 43 "urlsafe"}}","kty":"OKP","x":"{{rand 43 "urlsafe"}}"}`},
	}
	for _, c := range found {
		text := expandLabelled(t, 0, c.tmpl)
		fs := d.Detect(Fragment{Path: c.path, Content: []byte(text)})
		if countAtLeast(fs, DefaultFailOn) == 0 {
			t.Errorf("%s: not found at medium or above: %.90q", c.path, c.tmpl)
		}
	}
	clean := []struct{ path, tmpl string }{
		{"docs/http.md", `The Basic scheme sends Basic {{b64 "user:password"}} in every request.`},
		{"docs/auth.md", `Basic authentication is deprecated; Basic Auth clients must migrate.`},
		{"src/a.go", `// Basic {{rand 40 "base64"}}`},
		{"keys/public.json", `{"kty":"EC","crv":"P-256","x":"{{rand 43 "urlsafe"}}","y":"{{rand 43 "urlsafe"}}"}`},
		{"ui/icon.json", `{"d":"M10 10 L20 20 Z","fill":"none"}`},
		{"data/hash.json", `{"d":"{{rand 64 "hex"}}"}`},
	}
	for _, c := range clean {
		text := expandLabelled(t, 0, c.tmpl)
		if fs := d.Detect(Fragment{Path: c.path, Content: []byte(text)}); countAtLeast(fs, DefaultFailOn) > 0 {
			t.Errorf("%s: reported %s: %.90q", c.path, fs[0].RuleID, c.tmpl)
		}
	}
}
