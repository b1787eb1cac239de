package config

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/rules"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// The user-level file is $XDG_CONFIG_HOME/leakguard/leakguard.toml, else
// ~/.config/leakguard/leakguard.toml, read through the injected getenv.
func TestUserPath(t *testing.T) {
	if got := UserPath(envOf(map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"})); got != filepath.Join("/x", "leakguard", "leakguard.toml") {
		t.Errorf("XDG: %q", got)
	}
	if got := UserPath(envOf(map[string]string{"HOME": "/h"})); got != filepath.Join("/h", ".config", "leakguard", "leakguard.toml") {
		t.Errorf("HOME: %q", got)
	}
	if got := UserPath(envOf(nil)); got != "" {
		t.Errorf("no HOME: %q, want none", got)
	}
	// A relative XDG_CONFIG_HOME is invalid by the spec and ignored.
	if got := UserPath(envOf(map[string]string{"XDG_CONFIG_HOME": "rel", "HOME": "/h"})); got != filepath.Join("/h", ".config", "leakguard", "leakguard.toml") {
		t.Errorf("relative XDG: %q", got)
	}
}

const userLayer = `
[state]
dir = "/var/lib/lg-user"

[policy]
rotate_after = "60d"

[[keys]]
name = "TAVILY_API_KEY"
source = "dotenv:~/.claude/.env#TAVILY_API_KEY"
targets = ["vercel"]
rotated = 2026-01-09
fingerprints = ["sha256:` + "1111111111111111111111111111111111111111111111111111111111111111" + `"]

[[keys]]
name = "PERSONAL_TOKEN"
provider = "github"
source = "env:PERSONAL_TOKEN"
targets = ["vercel"]

[targets.vercel]
type = "vercel"
project = "infra"
environments = ["production"]
`

// The user layer lies under the repository's file: keys, targets, state
// and policy from either, the repository winning per key.
func TestUserLayerMergedUnderRepository(t *testing.T) {
	user := writeConfig(t, userLayer)
	repo := writeConfig(t, `
[[keys]]
name = "TAVILY_API_KEY"
targets = ["local", "vercel"]
fingerprints = ["sha256:`+strings.Repeat("2", 64)+`"]

[targets.local]
type = "dotenv"
path = ".env.local"
`)
	c, err := LoadLayers(repo, user, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != repo || c.UserPath != user {
		t.Errorf("paths %q %q", c.Path, c.UserPath)
	}
	k := keyNamed(t, c, "TAVILY_API_KEY")
	if !slices.Equal(k.Targets, []string{"local", "vercel"}) {
		t.Errorf("targets %v: the repository's list wins", k.Targets)
	}
	if k.Source != "dotenv:~/.claude/.env#TAVILY_API_KEY" || k.Provider != "tavily" {
		t.Errorf("source %q provider %q: fields the repository leaves unset come from below", k.Source, k.Provider)
	}
	if !k.Rotated.Equal(time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("rotated %v", k.Rotated)
	}
	// A past value known to either layer is still a leak.
	if len(k.Fingerprints) != 2 {
		t.Errorf("fingerprints %v: want both layers'", k.Fingerprints)
	}
	if keyNamed(t, c, "PERSONAL_TOKEN").Provider != "github" {
		t.Error("a key only the user defines is managed")
	}
	if _, ok := c.Targets["vercel"]; !ok {
		t.Error("the user's target is missing")
	}
	if _, ok := c.Targets["local"]; !ok {
		t.Error("the repository's target is missing")
	}
	if c.State.Dir != "/var/lib/lg-user" || c.Policy.RotateAfter != "60d" {
		t.Errorf("state %q policy %q", c.State.Dir, c.Policy.RotateAfter)
	}
	if got := c.LayerOf("TAVILY_API_KEY"); got != repo {
		t.Errorf("TAVILY_API_KEY is written to %q, want the repository's file", got)
	}
	if got := c.LayerOf("PERSONAL_TOKEN"); got != user {
		t.Errorf("PERSONAL_TOKEN is written to %q, want the user's file", got)
	}
	if got := c.LayerOf("OPENCODE_API_KEY"); got != "" {
		t.Errorf("a default key no file defines: %q", got)
	}

	// The repository's settings win over the user's.
	repo2 := writeConfig(t, "[state]\ndir = \"/repo-state\"\n[policy]\nrotate_after = \"30d\"\n")
	c, err = LoadLayers(repo2, user, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.State.Dir != "/repo-state" || c.Policy.RotateAfter != "30d" {
		t.Errorf("state %q policy %q", c.State.Dir, c.Policy.RotateAfter)
	}
	// Without a repository file the user's file alone is read.
	c, err = LoadLayers("", user, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.LayerOf("TAVILY_API_KEY") != user || len(keyNamed(t, c, "TAVILY_API_KEY").Targets) != 1 {
		t.Errorf("user only: %v", keyNamed(t, c, "TAVILY_API_KEY"))
	}
	// A missing user file is no layer.
	c, err = LoadLayers(repo2, filepath.Join(t.TempDir(), "none.toml"), nil)
	if err != nil {
		t.Fatalf("missing user file: %v", err)
	}
	if c.UserPath != "" {
		t.Errorf("missing user file: UserPath %q", c.UserPath)
	}
}

// The repository's key may name a target the user's file defines.
func TestRepositoryKeyUsesUserTarget(t *testing.T) {
	user := writeConfig(t, "[targets.vercel]\ntype = \"vercel\"\nproject = \"infra\"\n")
	repo := writeConfig(t, "[[keys]]\nname = \"APP_KEY\"\ntargets = [\"vercel\"]\n")
	if _, err := LoadLayers(repo, user, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLayers(repo, "", nil); err == nil || !strings.Contains(err.Error(), "no [targets.vercel]") {
		t.Fatalf("without the user layer: %v", err)
	}
}

// The user file holds the inventory only; anything else, and errors, are
// reported against it, and a relative source (relative to which project?)
// is refused.
func TestUserLayerErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"[[rules]]\nid = \"x\"\nregex = \"y\"\n", "rules"},
		{"[allowlist]\npaths = [\"x\"]\n", "allowlist"},
		{"[github]\nrepo = \"a/b\"\n", "github"},
		{"[[keys]]\nname = \"K\"\ntargets = [\"nope\"]\n", "no [targets.nope]"},
		{"[[keys]]\nname = \"K\"\nsource = \"dotenv:.env#K\"\n", "relative"},
		{"[[keys]]\nname = \"K\"\nsource = \"file:conf/k.json#/k\"\n", "relative"},
	} {
		user := writeConfig(t, tc.body)
		_, err := LoadLayers("", user, nil)
		if err == nil || !strings.Contains(err.Error(), user) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error naming %s and %q", tc.body, err, user, tc.want)
		}
	}
	// Absolute, home-relative and env sources are fine.
	user := writeConfig(t, "[[keys]]\nname = \"A\"\nsource = \"file:/etc/k.json#/k\"\n[[keys]]\nname = \"B\"\nsource = \"dotenv:~/.env#B\"\n[[keys]]\nname = \"C\"\nsource = \"env:C\"\n")
	if _, err := LoadLayers("", user, nil); err != nil {
		t.Fatal(err)
	}
}

func keyNamed(t *testing.T, c *Config, name string) rules.Key {
	t.Helper()
	for _, k := range c.Keys {
		if k.Name == name {
			return k
		}
	}
	t.Fatalf("no key %s", name)
	return rules.Key{}
}

// FileFor: the file that defines a key; for a key only the defaults
// know, the repository's leakguard file, else the user's when it is the
// only one, else leakguard.toml at the root.
func TestFileFor(t *testing.T) {
	user := writeConfig(t, userLayer)
	repo := writeConfig(t, "[[keys]]\nname = \"TAVILY_API_KEY\"\nsource = \"env:TAVILY_API_KEY\"\n")
	root := t.TempDir()
	both, err := LoadLayers(repo, user, nil)
	if err != nil {
		t.Fatal(err)
	}
	userOnly, err := LoadLayers("", user, nil)
	if err != nil {
		t.Fatal(err)
	}
	neither, err := LoadLayers("", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	gitleaks := &Config{Path: filepath.Join(root, ".gitleaks.toml"), UserPath: user}
	for _, c := range []struct {
		name string
		cfg  *Config
		key  string
		want string
	}{
		{"defined by the repository", both, "TAVILY_API_KEY", repo},
		{"defined by the user", both, "PERSONAL_TOKEN", user},
		{"a default key, with a repository file", both, "OPENCODE_API_KEY", repo},
		{"a default key, the user's file alone", userOnly, "OPENCODE_API_KEY", user},
		{"a default key, no file", neither, "OPENCODE_API_KEY", filepath.Join(root, "leakguard.toml")},
		{"a default key, a gitleaks config", gitleaks, "OPENCODE_API_KEY", filepath.Join(root, "leakguard.toml")},
	} {
		if got := c.cfg.FileFor(c.key, root); got != c.want {
			t.Errorf("%s: FileFor(%s) = %q, want %q", c.name, c.key, got, c.want)
		}
	}
}

// The inventory writes a key's fingerprints to the file that defines it
// (the user's here), keeping that file's own and adding the new one;
// Preview shows the change without writing it.
func TestInventory(t *testing.T) {
	user := writeConfig(t, userLayer)
	repo := writeConfig(t, "[[keys]]\nname = \"OTHER\"\nsource = \"env:OTHER\"\n")
	cfg, err := LoadLayers(repo, user, nil)
	if err != nil {
		t.Fatal(err)
	}
	fp := "sha256:" + strings.Repeat("2", 64)
	var wrote string
	var data []byte
	inv := Inventory{Config: cfg, Root: t.TempDir(), Write: func(p string, b []byte) error { wrote, data = p, b; return nil }}
	d, err := inv.Preview("TAVILY_API_KEY", fp)
	if err != nil || wrote != "" || !strings.Contains(d, "+13: fingerprints = [") || !strings.Contains(d, fp) {
		t.Fatalf("preview %v, wrote %q:\n%s", err, wrote, d)
	}
	path, err := inv.Add("TAVILY_API_KEY", fp)
	if err != nil || path != user || wrote != user {
		t.Fatalf("add: %q %v, wrote %q", path, err, wrote)
	}
	if !strings.Contains(string(data), `fingerprints = ["sha256:`+strings.Repeat("1", 64)+`", "`+fp+`"]`) || !strings.Contains(string(data), "[policy]") {
		t.Fatalf("written:\n%s", data)
	}
	// A broken file is not written.
	wrote = ""
	if err := os.WriteFile(user, []byte("[[keys]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := inv.Add("TAVILY_API_KEY", fp); err == nil || wrote != "" {
		t.Fatalf("a broken file: %v, wrote %q", err, wrote)
	}
}

// A rotation is recorded in the file that defines the key: the new
// fingerprint joins the old ones and rotated is the day; the repository's
// file is untouched. A file that would break is not written.
func TestInventoryRotated(t *testing.T) {
	user := writeConfig(t, userLayer)
	repoText := "[[keys]]\nname = \"OTHER\"\nsource = \"env:OTHER\"\n"
	repo := writeConfig(t, repoText)
	cfg, err := LoadLayers(repo, user, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wrote []string
	inv := Inventory{Config: cfg, Root: t.TempDir(), Write: func(p string, b []byte) error {
		wrote = append(wrote, p)
		return os.WriteFile(p, b, 0o600)
	}}
	fp := "sha256:" + strings.Repeat("3", 64)
	if err := inv.Rotated("TAVILY_API_KEY", fp, "2026-02-03"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(user)
	if !strings.Contains(string(b), "rotated = 2026-02-03\n") || strings.Contains(string(b), "2026-01-09") ||
		!strings.Contains(string(b), `fingerprints = ["sha256:`+strings.Repeat("1", 64)+`", "`+fp+`"]`) {
		t.Fatalf("the user's file:\n%s", b)
	}
	if len(wrote) != 2 || wrote[0] != user || wrote[1] != user {
		t.Fatalf("wrote %q, want the user's file twice", wrote)
	}
	if b, _ := os.ReadFile(repo); string(b) != repoText {
		t.Fatalf("the repository's file changed:\n%s", b)
	}
	if _, err := LoadLayers(repo, user, nil); err != nil {
		t.Fatalf("the rotated file does not load: %v", err)
	}
	wrote = nil
	if err := os.WriteFile(user, []byte("[[keys]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := inv.Rotated("TAVILY_API_KEY", fp, "2026-02-04"); err == nil || len(wrote) != 0 {
		t.Fatalf("a broken file: %v, wrote %q", err, wrote)
	}
}

// TestLoadLeavesDefaultsAlone: loading reads the shared embedded rules
// (rules.SharedDefaults; the rules hold their specs by pointer) and never
// writes them: a project file with its own rules, disabled ones and keys
// over a user-level file, loaded twice and its rules compiled, leaves
// them as they were.
func TestLoadLeavesDefaultsAlone(t *testing.T) {
	before, err := json.Marshal(rules.SharedDefaults())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	user := filepath.Join(dir, "user.toml")
	project := filepath.Join(dir, "project.toml")
	write := func(path, body string) {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(user, "[[keys]]\nname = \"OPENAI_API_KEY\"\nprovider = \"me\"\n")
	write(project, `[extend]
disabled_rules = ["github-pat"]

[allowlist]
stopwords = ["mine"]

[[rules]]
id = "acme-token"
regex = '''acme_[a-z0-9]{24}'''
keywords = ["acme_"]

[[keys]]
name = "ANTHROPIC_API_KEY"
provider = "mine"
`)
	for range 2 {
		cfg, err := LoadLayers(project, user, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range cfg.Rules {
			r.Regexp() // compiled on first use
			r.SkipsPath("vendor/x.json")
		}
	}
	after, err := json.Marshal(rules.SharedDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("loading a configuration changed the embedded rules")
	}
}
