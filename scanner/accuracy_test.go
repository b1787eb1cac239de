package scanner

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// seedWorld writes a tree like the seed user's: global configs holding keys
// (some of no known format, under managed names), a project with a .env,
// docs full of placeholders, AWS's documentation keys, lockfile and go.sum
// hashes, cache keys, public keys, an unsigned test JWT, a known value
// pasted into a CSV, a password inside a postgres URL and a base64-encoded
// k8s secret. It returns the managed keys (with the known value's
// fingerprint) and the findings expected: "file:line" -> rule id or key
// name.
func seedWorld(t *testing.T, dir string) ([]rules.Key, map[string]string) {
	t.Helper()
	mimo := "mimo-" + rules.RandString(40, "alnum")
	skyvern := rules.RandString(8, "alnum") + "-" + rules.RandString(24, "alnum")
	tavily := "tvly-" + rules.RandString(32, "alnum")
	tavily2 := "tvly-" + rules.RandString(32, "alnum")
	youtube := "AIza" + rules.RandString(35, "urlsafe")
	opencode := rules.RandString(48, "alnum")
	anthropic := "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA"
	dbpass := rules.RandString(20, "alnum")
	h := func(n int) string { return rules.RandString(n, "hex") }
	b64 := func(n int) string { return rules.RandString(n, "base64") }
	unsigned := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"1234567890","name":"test"}`)) + "."

	files := map[string]string{
		"home/.claude/settings.json": `{
  "env": {
    "ANTHROPIC_API_KEY": "` + mimo + `",
    "ANTHROPIC_BASE_URL": "https://api.xiaomimimo.com/anthropic"
  },
  "model": "mimo-v2-flash"
}
`,
		"home/.claude/.claude.json": `{
  "mcpServers": {
    "tavily": {"command": "npx", "args": ["-y", "tavily-mcp"], "env": {"TAVILY_API_KEY": "` + tavily + `"}},
    "youtube": {"env": {"YOUTUBE_API_KEY": "` + youtube + `"}},
    "skyvern": {"env": {"SKYVERN_API_KEY": "` + skyvern + `"}}
  }
}
`,
		"home/.config/opencode/opencode.json": `{
  "$schema": "https://opencode.ai/config.json",
  "model": "opencode/glm-4.7",
  "provider": {"opencode": {"options": {"apiKey": "{env:OPENCODE_API_KEY}", "baseURL": "https://api.opencode.ai"}}}
}
`,
		"project/.env": `# project secrets
OPENCODE_API_KEY=` + opencode + `
ANTHROPIC_API_KEY=` + anthropic + `
DATABASE_URL=postgres://app:` + dbpass + `@db.internal:5432/app
NODE_ENV=production
`,
		"project/.env.example": `OPENCODE_API_KEY=
ANTHROPIC_API_KEY=sk-ant-...
TAVILY_API_KEY=tvly-your-key
DATABASE_URL=postgres://user:password@localhost:5432/app
`,
		"project/docs/SETUP.md": "# Setup\n\n```bash\n" + `ANTHROPIC_API_KEY=your-key
TAVILY_API_KEY=tvly-` + strings.Repeat("x", 32) + `
export YOUTUBE_API_KEY=${YOUTUBE_API_KEY}
supabase secrets set OPENCODE_API_KEY="your-key"
vercel env add TAVILY_API_KEY
"SKYVERN_API_KEY": "<your-skyvern-key>"
const key = process.env.TAVILY_API_KEY
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
YOUTUBE_API_KEY=AIza` + strings.Repeat("X", 35) + `
DATABASE_URL=postgres://postgres:postgres@localhost:5432/db
api_key: "<insert key>"
password: ********
GITHUB_TOKEN=${{ secrets.GITHUB_TOKEN }}
` + "```\n",
		"project/go.sum":            "github.com/a/b v1.2.3 h1:" + b64(43) + "=\ngithub.com/a/b v1.2.3/go.mod h1:" + b64(43) + "=\n",
		"project/package-lock.json": `{"packages": {"node_modules/x": {"version": "1.0.0", "integrity": "sha512-` + b64(86) + `=="}}}` + "\n",
		"project/web/index.html":    `<script src="https://cdn.example.com/x.js" integrity="sha384-` + b64(64) + `" crossorigin="anonymous"></script>` + "\n",
		"project/build/cache.go": `package build

const cacheKey = "` + h(64) + `"
var etag = "W/\"` + h(32) + `\""
var sha256sum = "` + h(64) + `"
var checksum = "` + h(40) + `"
var requestID = "` + uuid() + `"
var clientID = "` + uuid() + `"
var commit = "` + h(40) + `"
`,
		"project/keys/id_ed25519.pub": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA" + b64(43) + " dev@laptop\n",
		"project/keys/public.pem":     "-----BEGIN PUBLIC KEY-----\n" + b64(64) + "\n" + b64(64) + "\n-----END PUBLIC KEY-----\n",
		"project/auth/auth_test.go": `package auth

// An unsigned token: the verifier must reject alg none.
const unsignedToken = "` + unsigned + `"
var token = "` + unsigned + `"
`,
		"project/exports/keys.csv": "service,value,rotated\nskyvern," + skyvern + ",2026-01-09\n",
		"project/deploy/secret.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: search
data:
  api-key: ` + base64.StdEncoding.EncodeToString([]byte(tavily2)) + `
`,
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keys := []rules.Key{{Name: "SKYVERN_API_KEY", Provider: "skyvern", Fingerprints: []string{secret.Fingerprint(skyvern)}}}
	want := map[string]string{
		"home/.claude/settings.json:3": "ANTHROPIC_API_KEY",
		"home/.claude/.claude.json:3":  "tavily-api-key",
		"home/.claude/.claude.json:4":  "google-api-key",
		"home/.claude/.claude.json:5":  "SKYVERN_API_KEY",
		"project/.env:2":               "OPENCODE_API_KEY",
		"project/.env:3":               "anthropic-api-key",
		"project/.env:4":               "postgres",
		"project/exports/keys.csv:2":   "SKYVERN_API_KEY",
		"project/deploy/secret.yaml:6": "tavily-api-key",
	}
	return keys, want
}

func uuid() string {
	h := rules.RandString(32, "hex")
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

// TestSeedWorldAccuracy: every real key is reported, and none of the bait.
func TestSeedWorldAccuracy(t *testing.T) {
	dir := t.TempDir()
	keys, want := seedWorld(t, dir)
	d := testDetector(t, keys...)
	fs, st, err := ScanPaths(context.Background(), d, []string{dir}, DirOptions{})
	if err != nil || len(st.Errors) > 0 {
		t.Fatal(err, st.Errors)
	}
	got := map[string]bool{}
	for _, f := range fs {
		loc := f.File + ":" + strconv.Itoa(f.StartLine)
		got[loc] = true
		w, ok := want[loc]
		if !ok {
			t.Errorf("bait reported: %s %s key=%s secret=%s", loc, f.RuleID, f.KeyName, f.Secret.Redacted())
			continue
		}
		if f.KeyName != w && !strings.HasPrefix(f.RuleID, w) {
			t.Errorf("%s: got rule %s key %q, want %s", loc, f.RuleID, f.KeyName, w)
		}
	}
	var missed []string
	for loc := range want {
		if !got[loc] {
			missed = append(missed, loc+" ("+want[loc]+")")
		}
	}
	sort.Strings(missed)
	for _, m := range missed {
		t.Errorf("missed: %s", m)
	}
	// Managed-key names are attached where the name is known.
	for _, f := range fs {
		if f.File == "project/.env" && f.StartLine == 3 && f.KeyName != "ANTHROPIC_API_KEY" {
			t.Errorf("anthropic key in .env lost its managed name: %q", f.KeyName)
		}
	}
}
