package scanner

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// mimoKey is a value of no known format, as the seed routes Claude Code to
// MiMo through ANTHROPIC_API_KEY. It has a digit, always: without one,
// unquoted, it reads as a member access (a.b), as one random draw in
// about 1,100 did.
func mimoKey() string {
	return "mimo" + rules.RandString(27, "alnum") + "4." + rules.RandString(12, "alnum")
}

func TestManagedNameAssignments(t *testing.T) {
	d := testDetector(t)
	v := mimoKey()
	for _, tmpl := range []string{
		"ANTHROPIC_API_KEY=%s",
		"export ANTHROPIC_API_KEY=%s",
		"ANTHROPIC_API_KEY='%s'",
		`{"env": {"ANTHROPIC_API_KEY": "%s"}}`,
		"ANTHROPIC_API_KEY: %s",
		"anthropic_api_key: \"%s\"",
		`ANTHROPIC_API_KEY = "%s"`,
		`const ANTHROPIC_API_KEY = "%s";`,
		`ANTHROPIC_API_KEY := "%s"`,
		`'ANTHROPIC_API_KEY' => '%s',`,
		"      - ANTHROPIC_API_KEY=%s",
		"docker run --env ANTHROPIC_API_KEY=%s image",
		"docker run -e ANTHROPIC_API_KEY=%s image",
		"env:\n  - name: ANTHROPIC_API_KEY\n    value: %s\n",
		"env:\n  - name: ANTHROPIC_API_KEY\n    value: \"%s\"\n",
		"[env]\nANTHROPIC_API_KEY = '%s'\n",
		"os.environ['ANTHROPIC_API_KEY'] = '%s'",
	} {
		text := strings.ReplaceAll(tmpl, "%s", v)
		fs := d.Detect(Fragment{Path: "x", Content: []byte(text)})
		if len(fs) != 1 {
			t.Errorf("%q: %d findings, want 1", tmpl, len(fs))
			continue
		}
		f := fs[0]
		if f.KeyName != "ANTHROPIC_API_KEY" || f.Secret.Reveal() != v {
			t.Errorf("%q: got key %q secret %q", tmpl, f.KeyName, f.Secret.Redacted())
		}
		if f.Confidence != rules.High {
			t.Errorf("%q: confidence %s", tmpl, f.Confidence)
		}
	}
}

func TestManagedNamePlaceholdersAndReferences(t *testing.T) {
	d := testDetector(t)
	for _, text := range []string{
		"ANTHROPIC_API_KEY=",
		`ANTHROPIC_API_KEY=""`,
		"ANTHROPIC_API_KEY=${ANTHROPIC_API_KEY}",
		"ANTHROPIC_API_KEY=$ANTHROPIC_KEY",
		`ANTHROPIC_API_KEY="{{ .Values.anthropicKey }}"`,
		"ANTHROPIC_API_KEY: ${{ secrets.ANTHROPIC_API_KEY }}",
		"const key = process.env.ANTHROPIC_API_KEY",
		"ANTHROPIC_API_KEY = process.env.ANTHROPIC_API_KEY",
		`ANTHROPIC_API_KEY = os.Getenv("ANTHROPIC_API_KEY")`,
		`ANTHROPIC_API_KEY = os.environ["X"]`,
		"ANTHROPIC_API_KEY=<your-anthropic-key>",
		"ANTHROPIC_API_KEY=your-key",
		"ANTHROPIC_API_KEY=your-api-key-here",
		"ANTHROPIC_API_KEY=changeme",
		"ANTHROPIC_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxx",
		"ANTHROPIC_API_KEY=***",
		"ANTHROPIC_API_KEY=********************",
		"ANTHROPIC_API_KEY=...",
		"ANTHROPIC_API_KEY=REDACTED",
		"ANTHROPIC_API_KEY=[REDACTED]",
		"ANTHROPIC_API_KEY=aaaaaaaaaaaaaaaa",
		"ANTHROPIC_API_KEY=12345678",
		"ANTHROPIC_API_KEY = anthropicKey",
		"ANTHROPIC_API_KEY = config.anthropic.key",
		"if ANTHROPIC_API_KEY == \"abcdefghij1234\" {",
		"echo $ANTHROPIC_API_KEY",
		"vercel env add ANTHROPIC_API_KEY",
		`supabase secrets set ANTHROPIC_API_KEY="your-key"`,
		"MY_ANTHROPIC_API_KEY_NAME=Kq8v2LmN0pRt5WxYz3",
		"# set ANTHROPIC_API_KEY: see the docs",
		"ANTHROPIC_API_KEY: |",
	} {
		if fs := d.Detect(Fragment{Path: "x", Content: []byte(text)}); len(fs) != 0 {
			t.Errorf("%q: %d findings (%s %s), want none", text, len(fs), fs[0].RuleID, fs[0].Secret.Redacted())
		}
	}
}

func TestKnownValuesAnywhereAndEncoded(t *testing.T) {
	v := mimoKey()
	d := testDetector(t, rules.Key{Name: "SKYVERN_API_KEY", Provider: "skyvern", Fingerprints: []string{secret.Fingerprint(v)}})
	for name, text := range map[string]string{
		"csv":        "service,value,owner\nskyvern," + v + ",ops\n",
		"url":        "https://api.example.com/run?key=" + v + "&x=1",
		"json":       `{"k":"` + v + `"}`,
		"prose":      "the key is " + v + ".",
		"base64":     "data: " + base64.StdEncoding.EncodeToString([]byte(v)) + "\n",
		"base64url":  "x=" + base64.RawURLEncoding.EncodeToString([]byte("k="+v)),
		"hex":        "blob " + hex.EncodeToString([]byte(v)),
		"percent":    "q=" + url.QueryEscape("a b/"+v+"?&"),
		"basic-auth": "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("user:"+v)),
		"unicode":    `"\u0061\u003d` + v + `"`,
	} {
		fs := d.Detect(Fragment{Path: "f", Content: []byte(text)})
		if len(fs) != 1 {
			t.Errorf("%s: %d findings, want 1", name, len(fs))
			continue
		}
		if fs[0].KeyName != "SKYVERN_API_KEY" || fs[0].Secret.Reveal() != v {
			t.Errorf("%s: key %q secret %s rule %s", name, fs[0].KeyName, fs[0].Secret.Redacted(), fs[0].RuleID)
		}
	}
	// Near misses are not the known value.
	for _, text := range []string{v[:len(v)-1], v + "Z", strings.ToUpper(v)} {
		if fs := d.Detect(Fragment{Path: "f", Content: []byte("value " + text)}); len(fs) != 0 {
			t.Errorf("near miss reported: %s", fs[0].RuleID)
		}
	}
}

func TestDecodedFindingPointsAtEncodedText(t *testing.T) {
	d := testDetector(t)
	key := "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA"
	enc := base64.StdEncoding.EncodeToString([]byte(key))
	text := "apiVersion: v1\nkind: Secret\ndata:\n  api-token: " + enc + "\n"
	fs := d.Detect(Fragment{Path: "secret.yaml", Content: []byte(text)})
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1", len(fs))
	}
	f := fs[0]
	if f.RuleID != "anthropic-api-key" || f.StartLine != 4 || f.StartColumn != 14 {
		t.Errorf("got %s at %d:%d, want anthropic-api-key at 4:14", f.RuleID, f.StartLine, f.StartColumn)
	}
	if f.Secret.Reveal() != key || len(f.Decoded) != 1 || f.Decoded[0] != "base64" {
		t.Errorf("secret or decoding chain wrong: %v", f.Decoded)
	}
}

func TestLongMinifiedLine(t *testing.T) {
	d := testDetector(t)
	key := "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA"
	var b strings.Builder
	for b.Len() < 4<<20 {
		b.WriteString(`var token=a.key||b.secret;function password(x){return x.api_key};`)
	}
	b.WriteString(`k="` + key + `";`)
	fs := d.Detect(Fragment{Path: "app.min.js", Content: []byte(b.String())})
	if len(fs) != 1 || fs[0].RuleID != "anthropic-api-key" {
		t.Fatalf("want the one key in a 4 MiB line, got %d findings", len(fs))
	}
	if fs[0].StartLine != 1 || fs[0].StartColumn != b.Len()-len(key)-1 {
		t.Errorf("column %d, want %d", fs[0].StartColumn, b.Len()-len(key)-1)
	}
}

func TestInlineAllowAndIgnoreFile(t *testing.T) {
	key := "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA"
	d := testDetector(t)
	if fs := d.Detect(Fragment{Path: "a", Content: []byte("k = '" + key + "' # leakguard:allow")}); len(fs) != 0 {
		t.Errorf("inline allow ignored")
	}
	fs := d.Detect(Fragment{Path: "a.txt", Content: []byte("\n\nk = '" + key + "'")})
	if len(fs) != 1 {
		t.Fatalf("want 1 finding, got %d", len(fs))
	}
	var b strings.Builder
	if err := WriteBaseline(&b, fs, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), key) || strings.Contains(b.String(), key[20:60]) {
		t.Fatal("baseline holds the secret")
	}
	ig, err := ParseIgnore(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	def, _ := rules.Defaults()
	rs, _ := rules.CompileAll(def.Rules)
	d2 := NewDetector(Options{Rules: rs, Keys: def.Keys, DecodeDepth: 2, Ignore: ig})
	// The entry holds when the line moves ...
	if fs := d2.Detect(Fragment{Path: "a.txt", Content: []byte("moved\n\n\n\nk = '" + key + "'")}); len(fs) != 0 {
		t.Errorf("ignored secret reported after its line moved")
	}
	// ... but not for another file or another secret.
	if fs := d2.Detect(Fragment{Path: "b.txt", Content: []byte("k = '" + key + "'")}); len(fs) != 1 {
		t.Errorf("ignore entry for a.txt hid the secret in b.txt")
	}
	other := "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA"
	if fs := d2.Detect(Fragment{Path: "a.txt", Content: []byte("k = '" + key + "'\nj = '" + other + "'")}); len(fs) != 1 || fs[0].Secret.Reveal() != other {
		t.Errorf("a new secret on an ignored file must be reported")
	}
}

func TestAddedLinesFilter(t *testing.T) {
	d := testDetector(t)
	k1 := "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA"
	k2 := "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA"
	text := "a=" + k1 + "\nb=" + k2 + "\n"
	fs := d.Detect(Fragment{Path: "x", Content: []byte(text), Lines: map[int]bool{2: true}})
	if len(fs) != 1 || fs[0].StartLine != 2 {
		t.Fatalf("want only line 2, got %d findings", len(fs))
	}
}

// TestManagedNameInCodeBuildingText: code that builds a config around a
// variable is not a literal assignment.
func TestManagedNameInCodeBuildingText(t *testing.T) {
	d := testDetector(t)
	for _, text := range []string{
		"body := `{\"TAVILY_API_KEY\": \"` + v.Reveal() + `\"}`",
		`os.WriteFile(p, []byte("TAVILY_API_KEY="+key), 0o600)`,
		`cfg := fmt.Sprintf("TAVILY_API_KEY=%s", key)`,
		`"TAVILY_API_KEY": "{env:TAVILY_API_KEY}"`,
		`TAVILY_API_KEY: "$(cat /run/secrets/tavily)"`,
		// The name closes a string and the "value" between quotes is the
		// code around a variable (Go, JS, Java, C#, Python concatenation).
		`writeT(t, dir, ".env", "TAVILY_API_KEY="+tavily+"\n")`,
		`env := "TAVILY_API_KEY=" + config.tavilyKey + "\n"`,
		`line = 'TAVILY_API_KEY=' + tavily_key + '\n'`,
	} {
		if fs := d.Detect(Fragment{Path: "x.go", Content: []byte(text)}); len(fs) != 0 {
			t.Errorf("%q: reported %s", text, fs[0].RuleID)
		}
	}
}

// TestPreviewsHideOtherSecrets: the context shown with a finding never
// holds another secret on the same line, nor the rest of its own.
func TestPreviewsHideOtherSecrets(t *testing.T) {
	d := testDetector(t)
	tav := "tvly-" + rules.RandString(32, "alnum")
	ant := "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA"
	line := "TAVILY_API_KEY=" + tav + " ANTHROPIC_API_KEY=" + ant + " # also " + ant
	fs := d.Detect(Fragment{Path: "both.sh", Content: []byte(line)})
	if len(fs) < 2 {
		t.Fatalf("%d findings, want both keys", len(fs))
	}
	for _, f := range fs {
		for _, shown := range []string{f.RedactedLine(), f.RedactedMatch()} {
			for _, v := range []string{tav, ant} {
				for i := 0; i+16 <= len(v); i += 4 {
					if strings.Contains(shown, v[i:i+16]) {
						t.Fatalf("%s preview %q holds 16 characters of a secret", f.RuleID, shown)
					}
				}
			}
		}
		if !strings.Contains(f.RedactedLine(), "_API_KEY=") {
			t.Errorf("preview lost its context: %q", f.RedactedLine())
		}
	}
}

func TestFindable(t *testing.T) {
	for v, want := range map[string]bool{
		"short7!":               false,
		"Println1":              true,
		"configuration":         false,
		"fmt.Sprintf":           false,
		"abcdefghijklmnopq":     true,
		"pass-word_x":           false,
		"hunter2hunter":         true,
		"a/b:c@d!":              true,
		strings.Repeat("Ab", 4): false,
		strings.Repeat("Ab", 8): true,
	} {
		if got := secret.Findable([]byte(v)); got != want {
			t.Errorf("Findable(%q) = %v, want %v", v, got, want)
		}
	}
}

// In a .env file an unquoted value is the value, never an expression: a
// managed key's value of letters alone (one random key in about 300) is
// found there, while in code such a value reads as an identifier. Words
// put in place of a value (openai_api_key) are still not a key.
func TestManagedNameLettersOnlyInDotenv(t *testing.T) {
	d := testDetector(t)
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for _, c := range []struct{ name, value string }{
		{"ANTHROPIC_API_KEY", rules.RandString(40, letters)},
		{"ANTHROPIC_API_KEY", "mimo" + rules.RandString(28, letters) + "." + rules.RandString(12, letters)},
		{"SKYVERN_API_KEY", strings.Join([]string{"sk", "live", rules.RandString(32, letters)}, "_")},
	} {
		for _, path := range []string{".env", "deploy/.env.production", "app.env"} {
			fs := d.Detect(Fragment{Path: path, Content: []byte(c.name + "=" + c.value + "\n")})
			if len(fs) != 1 || fs[0].KeyName != c.name || fs[0].Secret.Reveal() != c.value {
				t.Errorf("%s: %s=%s: %d findings, want one of the managed key", path, c.name, secret.New(c.value).Redacted(), len(fs))
			}
		}
		if fs := d.Detect(Fragment{Path: "app.py", Content: []byte(c.name + " = " + c.value + "\n")}); len(fs) != 0 && fs[0].KeyName != "" {
			t.Errorf("app.py: %s = identifier: a managed finding", c.name)
		}
	}
	for _, v := range []string{"openai_api_key", "test_api_key", "anthropicKey", "productionKey", "my_anthropic_key"} {
		if fs := d.Detect(Fragment{Path: ".env", Content: []byte("ANTHROPIC_API_KEY=" + v + "\n")}); len(fs) != 0 {
			t.Errorf(".env: ANTHROPIC_API_KEY=%s: %d findings, want none", v, len(fs))
		}
	}
}
