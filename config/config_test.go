package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "leakguard.toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsLoad(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rules) < 150 {
		t.Errorf("%d default rules, want at least 150", len(c.Rules))
	}
	if len(c.Keys) != 5 || c.DecodeDepth != DefaultDecodeDepth || c.MaxSize != 10<<20 {
		t.Errorf("defaults: %d keys, depth %d, max size %d", len(c.Keys), c.DecodeDepth, c.MaxSize)
	}
	seen := map[string]bool{}
	for _, r := range c.Rules {
		if seen[r.ID] {
			t.Errorf("two default rules have the id %q", r.ID)
		}
		seen[r.ID] = true
	}
}

// TestUserRuleReplacesDefault: a rule of the user's with a default
// rule's id takes its place: one rule of that id, the user's.
func TestUserRuleReplacesDefault(t *testing.T) {
	def, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	id := def.Rules[0].ID
	c, err := Load(writeConfig(t, "[[rules]]\nid = \""+id+"\"\nregex = 'user-regex'\n"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range c.Rules {
		if r.ID == id {
			n++
			if r.Regex != "user-regex" {
				t.Errorf("rule %s: regex %q, want the user's", id, r.Regex)
			}
		}
	}
	if n != 1 || len(c.Rules) != len(def.Rules) {
		t.Errorf("%d rules of id %s (want 1), %d rules (want %d)", n, id, len(c.Rules), len(def.Rules))
	}
}

func TestIssueFourConfigLoads(t *testing.T) {
	p := writeConfig(t, `
[[keys]]
name = "TAVILY_API_KEY"
provider = "tavily"
rotate_url = "https://app.tavily.com/home"
source = "file:~/.claude/.claude.json#/mcpServers/tavily/env/TAVILY_API_KEY"
targets = ["vercel", "supabase", "app_secrets", "dotenv"]
rotated = 2026-01-09
fingerprints = []

[targets.vercel]
type = "vercel"
project = "infra"
team_id = ""
environments = ["production", "preview", "development"]
token_env = "VERCEL_TOKEN"
api_url = "https://api.vercel.com"

[targets.supabase]
type = "supabase-secrets"
project_ref = "abcdefghijklmnopqrst"
token_env = "SUPABASE_ACCESS_TOKEN"
api_url = "https://api.supabase.com"

[targets.app_secrets]
type = "postgres"
dsn_env = "DATABASE_URL"
table = "app_secrets"
environment = "production"
project_id = "infra"

[targets.dotenv]
type = "dotenv"
path = ".env"

[github]
repo = "acme/infra"
api_url = "https://api.github.com/"
token_env = "GITHUB_TOKEN"
labels = ["security", "leaked-secret"]

[state]
dir = "~/.local/state/leakguard"

[policy]
rotate_after = "90d"
`)
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	var tav *struct{}
	for _, k := range c.Keys {
		if k.Name == "TAVILY_API_KEY" {
			if len(k.Targets) != 4 || k.Rotated.Year() != 2026 || k.Provider != "tavily" {
				t.Errorf("tavily key: %+v", k)
			}
			tav = &struct{}{}
		}
	}
	if tav == nil || len(c.Keys) != 5 {
		t.Errorf("user key should extend the default of the same name: %d keys", len(c.Keys))
	}
	if c.Targets["vercel"].Project != "infra" || c.GitHub.Repo != "acme/infra" {
		t.Errorf("targets or github not loaded")
	}
}

func TestConfigErrorsNameLineAndField(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"[scan]\nmax_size = \"lots\"\n", "max_size"},
		{"[[keys]]\nname = \"A\"\ntargets = [\"nowhere\"]\n", ":3: keys[0].targets: no [targets.nowhere] table"},
		{"[policy]\nrotate_after = \"soon\"\n", ":2: policy.rotate_after"},
		{"[scan]\ndecode_depth = 99\n", ":2: scan.decode_depth: must be between 0 and 8"},
		{"[[rules]]\nid = \"x\"\nregex = 'a'\nconfidence = \"sure\"\n", `rules[0].confidence (id "x"): "sure" is not high`},
		{"[[rules]]\nid = \"x\"\nregex = 'a'\nchecksum = \"luhn\"\n", "unknown validator"},
		{"[[keys]]\nname = \"ANTHROPIC_API_KEY\"\nbase_url = \"api.xiaomimimo.com/anthropic\"\n", ":3: keys[0].base_url: "},
		{"[verify]\nenabled = \"yes\"\n", "enabled"},
		{"[[rules]]\nid = \"x\"\nregex = 'a'\n[[rules]]\nid = \"x\"\nregex = 'b'\n", `rules[1].id: duplicate id "x"`},
	} {
		_, err := Load(writeConfig(t, tc.body))
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error containing %q", tc.body, err, tc.want)
		}
	}
}

func TestEditKeyFieldKeepsTheRest(t *testing.T) {
	p := writeConfig(t, "# top comment\n[scan]\nmax_size = \"5MiB\" # inline\n\n[[keys]]\nname = \"A_KEY\"\nfingerprints = [\n  \"sha256:"+strings.Repeat("a", 64)+"\",\n]\n\n[[keys]]\nname = \"B_KEY\"\n")
	fps := TOMLStrings([]string{"sha256:" + strings.Repeat("a", 64), "sha256:" + strings.Repeat("b", 64)})
	apply := func(p, name, field, value string) error {
		b, err := EditKeyField(p, name, field, value)
		if err != nil {
			return err
		}
		return os.WriteFile(p, b, 0o644)
	}
	if err := apply(p, "A_KEY", "fingerprints", fps); err != nil {
		t.Fatal(err)
	}
	if err := apply(p, "B_KEY", "fingerprints", fps); err != nil {
		t.Fatal(err)
	}
	if err := apply(p, "C_KEY", "fingerprints", fps); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	s := string(b)
	for _, want := range []string{"# top comment", `max_size = "5MiB" # inline`, "name = \"C_KEY\"\nfingerprints = "} {
		if !strings.Contains(s, want) {
			t.Errorf("lost %q:\n%s", want, s)
		}
	}
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range c.Keys {
		if strings.HasSuffix(k.Name, "_KEY") && len(k.Fingerprints) == 2 && (k.Name == "A_KEY" || k.Name == "B_KEY" || k.Name == "C_KEY") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d keys with two fingerprints, want 3:\n%s", n, s)
	}
	// An edit that would break the file is refused and leaves it alone.
	if err := apply(p, "A_KEY", "fingerprints", `"not an array"`); err == nil {
		t.Error("invalid edit accepted")
	}
	if b2, _ := os.ReadFile(p); string(b2) != s {
		t.Error("refused edit changed the file")
	}
}

func FuzzLoad(f *testing.F) {
	f.Add("[[rules]]\nid = \"x\"\nregex = 'a(b)'\nsecret_group = 1\n")
	f.Add("[extend]\nuseDefault = true\n[[rules]]\nid='g'\nregex='x'\n")
	f.Add("[[keys]]\nname = \"K\"\nfingerprints = [\"sha256:00\"]\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body string) {
		p := filepath.Join(dir, "fuzz.toml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(p)
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
		if err != nil && !strings.Contains(err.Error(), "fuzz.toml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

func TestLineDiff(t *testing.T) {
	a := "one\ntwo\nthree\nfour\n"
	b := "one\n2\nthree\nfour\nfive\n"
	got := LineDiff("f.toml", a, b)
	want := "--- f.toml\n-2: two\n+2: 2\n+5: five\n"
	if got != want {
		t.Fatalf("LineDiff:\n%s\nwant:\n%s", got, want)
	}
	if LineDiff("f", a, a) != "" {
		t.Fatal("no change should give no diff")
	}
}

func TestPreviewKeyFieldWritesNothing(t *testing.T) {
	p := writeConfig(t, "[[keys]]\nname = \"A_KEY\"\n")
	before, _ := os.ReadFile(p)
	d, err := PreviewKeyField(p, "A_KEY", "fingerprints", TOMLStrings([]string{"sha256:" + strings.Repeat("c", 64)}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d, "+3: fingerprints = [\"sha256:ccc") {
		t.Fatalf("preview: %s", d)
	}
	if after, _ := os.ReadFile(p); string(after) != string(before) {
		t.Fatal("preview wrote the file")
	}
}

// [verify] and a key's base_url load; a default key keeps its other
// fields when the user adds base_url.
func TestVerifyConfig(t *testing.T) {
	c, err := Load(writeConfig(t, `[verify]
enabled = true
[verify.endpoints]
github = "http://127.0.0.1:8080"

[[keys]]
name = "ANTHROPIC_API_KEY"
base_url = "https://api.xiaomimimo.com/anthropic"
`))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Verify.Enabled || c.Verify.Endpoints["github"] != "http://127.0.0.1:8080" {
		t.Errorf("verify: %+v", c.Verify)
	}
	for _, k := range c.Keys {
		if k.Name == "ANTHROPIC_API_KEY" && (k.BaseURL != "https://api.xiaomimimo.com/anthropic" || k.Provider != "anthropic") {
			t.Errorf("key: %+v", k)
		}
	}
	d, err := Load("")
	if err != nil || d.Verify.Enabled {
		t.Errorf("defaults verify: %+v %v", d.Verify, err)
	}
}

// In GitHub Actions an unset [github] repo is $GITHUB_REPOSITORY; a set
// one is kept.
func TestGitHubWithEnv(t *testing.T) {
	getenv := func(k string) string {
		if k == "GITHUB_REPOSITORY" {
			return "acme/from-env"
		}
		return ""
	}
	if got := (GitHub{TokenEnv: "T"}).WithEnv(getenv); got.Repo != "acme/from-env" || got.TokenEnv != "T" {
		t.Errorf("unset repo: %+v", got)
	}
	if got := (GitHub{Repo: "acme/infra"}).WithEnv(getenv); got.Repo != "acme/infra" {
		t.Errorf("set repo: %+v", got)
	}
	if got := (GitHub{}).WithEnv(func(string) string { return "" }); got.Repo != "" {
		t.Errorf("no environment: %+v", got)
	}
}

// A workflow reaches its own repository through the API Actions names
// (GitHub Enterprise Server's), unless the table says otherwise.
func TestWorkflowAPI(t *testing.T) {
	env := func(k string) string { return map[string]string{"GITHUB_API_URL": "https://ghe.example/api/v3"}[k] }
	for _, c := range []struct {
		in   GitHub
		want string
	}{
		{GitHub{}, "https://ghe.example/api/v3"},
		{GitHub{Repo: "o/r"}, ""},
		{GitHub{APIURL: "https://api.example"}, "https://api.example"},
	} {
		g := c.in
		if g.WorkflowAPI(env); g.APIURL != c.want {
			t.Errorf("%+v: API %q, want %q", c.in, g.APIURL, c.want)
		}
	}
}
