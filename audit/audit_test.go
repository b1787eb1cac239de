package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// Keys are built at run time: no format-valid key is ever committed.
func anthropicKey() string { return "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA" }
func tavilyKey() string    { return "tvly-" + rules.RandString(32, "alnum") }

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func loadConfig(t *testing.T, toml string) *config.Config {
	t.Helper()
	path := ""
	if toml != "" {
		path = filepath.Join(t.TempDir(), "leakguard.toml")
		if err := os.WriteFile(path, []byte(toml), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// detect runs the real detector and stamps the findings with a commit.
func detect(t *testing.T, cfg *config.Config, path, content, commit, date, author string) []scanner.Finding {
	t.Helper()
	fs := scanner.NewDetector(scanner.Options{Rules: cfg.Rules, Allowlist: cfg.Allowlist, Keys: cfg.Keys, DecodeDepth: cfg.DecodeDepth}).Detect(scanner.Fragment{Path: path, Content: []byte(content)})
	if len(fs) == 0 {
		t.Fatalf("no finding in %s", path)
	}
	for i := range fs {
		fs[i].File, fs[i].Commit, fs[i].Date, fs[i].Author, fs[i].Email = path, commit, date, author, author+"@example.com"
		fs[i].Message = "commit " + commit[:4]
	}
	return fs
}

// sampleReport is a report with a live key (two introductions, the
// working tree and two refs), a removed one, and one in a commit message.
func sampleReport(t *testing.T) (*Report, []string) {
	t.Helper()
	cfg := loadConfig(t, "")
	live, gone, msg := anthropicKey(), tavilyKey(), anthropicKey()
	c1, c2, c3, c4 := strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40), strings.Repeat("d", 40)
	var fs []scanner.Finding
	fs = append(fs, detect(t, cfg, ".env.production", "ANTHROPIC_API_KEY="+live+"\n", c1, "2025-06-01T10:00:00Z", "ada")...)
	fs = append(fs, detect(t, cfg, "app/config.py", "TAVILY_API_KEY = \""+gone+"\"\n", c2, "2025-08-01T10:00:00Z", "bob")...)
	fs = append(fs, detect(t, cfg, ".env.development", "ANTHROPIC_API_KEY="+live+"\n", c3, "2025-09-01T10:00:00Z", "eve")...)
	m := detect(t, cfg, "", "fix: oops "+msg+" <script>alert(1)</script> | `x`\n", c4, "2025-10-01T10:00:00Z", "mallory <x>")
	for i := range m {
		m[i].File = ""
	}
	fs = append(fs, m...)
	removals := make([][]gitscan.Removal, len(fs))
	for i, f := range fs {
		if f.File == "app/config.py" {
			removals[i] = []gitscan.Removal{{Commit: gitscan.CommitRef{Hash: c3, Author: "eve", Date: "2025-09-01T10:00:00Z", Message: "use env"}, Path: f.File, OnHead: true}}
		}
	}
	ex := &gitscan.Exposure{
		Findings: fs, Removals: removals, HeadRef: "refs/heads/main",
		Refs: []gitscan.RefTip{{Name: "HEAD", Commit: c4}, {Name: "refs/heads/main", Commit: c4}},
		Present: map[string][]gitscan.Place{
			secret.Hash(live): {{Ref: "HEAD", Path: ".env.production"}, {Ref: "refs/heads/main", Path: ".env.production"}},
		},
	}
	wt := detect(t, cfg, ".env.production", "ANTHROPIC_API_KEY="+live+"\n", c1, "", "")
	for i := range wt {
		wt[i].Commit, wt[i].Date, wt[i].Author, wt[i].Email, wt[i].Message = "", "", "", "", ""
	}
	inc := &remediate.Incident{ID: "LG-0000ABCD", Key: "TAVILY_API_KEY", RuleID: "tavily-api-key", Status: "open",
		SecretHashes: []string{secret.Hash(gone)}, Opened: now.Add(-48 * time.Hour),
		Steps: []*remediate.Step{{ID: "regenerate", Status: remediate.StepDone}, {ID: "rotate", Status: remediate.StepPending}}}
	r := Build(Input{
		Now: now, Version: "test", Root: t.TempDir(), Head: "main", Config: cfg, History: ex,
		Stats: gitscan.Stats{Commits: 4, Blobs: 4}, WorkTree: wt, Incidents: []*remediate.Incident{inc},
	})
	return r, []string{live, gone, msg}
}

func TestBuildGroupsExposures(t *testing.T) {
	r, keys := sampleReport(t)
	if len(r.Exposures) != 3 {
		t.Fatalf("%d exposures, want 3: %+v", len(r.Exposures), r.Exposures)
	}
	live := r.Exposures[0]
	if !live.Live || !live.AtHead || !live.InWorkTree || live.Key != "ANTHROPIC_API_KEY" || live.ID != secret.Hash(keys[0]) {
		t.Errorf("first exposure should be the live managed key: %+v", live)
	}
	if live.Introduced == nil || live.Introduced.Author != "ada" || live.Introduced.Path != ".env.production" {
		t.Errorf("introduced: %+v", live.Introduced)
	}
	var hist, wt, refs int
	for _, l := range live.Locations {
		switch l.Kind {
		case "history":
			hist++
		case "worktree":
			wt++
		case "ref":
			refs++
		}
	}
	if hist != 2 || wt != 1 || refs != 2 || len(live.Refs) != 2 {
		t.Errorf("locations: %d history, %d worktree, %d ref; refs %v", hist, wt, refs, live.Refs)
	}
	gone := r.Exposures[1]
	if gone.Live || gone.Removed == nil || gone.Removed.Author != "eve" || len(gone.Incidents) != 1 || gone.Incidents[0].Pending[0] != "rotate" {
		t.Errorf("removed exposure: %+v", gone)
	}
	if gone.Key != "TAVILY_API_KEY" {
		t.Errorf("removed exposure key %q", gone.Key)
	}
	msg := r.Exposures[2]
	if !msg.InMessage || msg.Live {
		t.Errorf("message exposure: %+v", msg)
	}
	if r.Summary.Live != 1 || r.Summary.Removed != 2 || !r.Failed() {
		t.Errorf("summary %+v", r.Summary)
	}
	// dev and prod share the live key.
	if c := find(r.Checks, "separate-environments"); c.Status != Fail || !strings.Contains(strings.Join(c.Details, " "), "development") {
		t.Errorf("separate-environments: %+v", c)
	}
	if c := find(r.Checks, "incidents"); c.Status != Fail || !strings.Contains(c.Details[0], "LG-0000ABCD") {
		t.Errorf("incidents: %+v", c)
	}
}

func find(cs []Check, id string) Check {
	for _, c := range cs {
		if c.ID == id {
			return c
		}
	}
	return Check{}
}

// TestReportsNeverHoldSecrets renders every format and looks for each
// generated secret, whole and in part.
func TestReportsNeverHoldSecrets(t *testing.T) {
	r, keys := sampleReport(t)
	for _, f := range Formats {
		var b bytes.Buffer
		if err := Write(&b, r, Options{Format: f, Color: true}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out := b.String()
		for _, k := range keys {
			for i := 4; i+12 <= len(k); i += 6 {
				if strings.Contains(out, k[i:i+12]) {
					t.Fatalf("%s report holds part of a secret (%d..%d)", f, i, i+12)
				}
			}
		}
		if f == "json" {
			var back Report
			if err := json.Unmarshal(b.Bytes(), &back); err != nil || len(back.Exposures) != 3 {
				t.Fatalf("json: %v (%d exposures)", err, len(back.Exposures))
			}
		}
		if f == "html" {
			if strings.Contains(out, "<script>alert") || strings.Contains(out, "http://") || strings.Contains(out, "src=") {
				t.Fatalf("html: unescaped text or external resource")
			}
		}
		if f == "markdown" && strings.Contains(out, "<script>") {
			t.Fatalf("markdown: raw HTML from a commit message")
		}
	}
}

func TestTextLeadsWithLiveExposures(t *testing.T) {
	r, _ := sampleReport(t)
	var b bytes.Buffer
	if err := Write(&b, r, Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	liveAt, goneAt, hyg := strings.Index(out, "LIVE EXPOSURES (1)"), strings.Index(out, "REMOVED, STILL IN HISTORY (2)"), strings.Index(out, "HYGIENE")
	if liveAt < 0 || goneAt < liveAt || hyg < goneAt {
		t.Fatalf("sections out of order:\n%s", out)
	}
	for _, want := range []string{"LIVE at HEAD", "working tree .env.production:1", "HEAD:.env.production", "introduced  aaaaaaaaaa 2025-06-01 by ada", "removed     cccccccccc 2025-09-01 by eve", "incident LG-0000ABCD is open: rotate left", "https://console.anthropic.com/settings/keys"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour without Color")
	}
}

func TestTimelineHasOneMarkPerExposure(t *testing.T) {
	r, _ := sampleReport(t)
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), `<g class="mark `); n != len(r.Exposures) {
		t.Fatalf("%d marks, want %d", n, len(r.Exposures))
	}
	empty := Build(Input{Now: now, Config: loadConfig(t, "")})
	b.Reset()
	if err := WriteHTML(&b, empty); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), `<g class="mark `) || !strings.Contains(b.String(), "No exposures") {
		t.Fatal("empty report")
	}
}

func TestHygieneChecks(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string, mode os.FileMode) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(full, mode)
	}
	write(".env", "A=1\n", 0o644)
	write(".env.example", "A=\n", 0o644)
	write("id_generator.go", "package x\n", 0o644)
	write("deploy/id_ed25519", "x\n", 0o600)
	write(".github/workflows/ci.yml", `on: push
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      TOKEN: ${{ secrets.DEPLOY_TOKEN }}
    steps:
      - run: echo "${{ secrets.NPM_TOKEN }}" > ~/.npmrc
      - run: |
          set -e
          echo "token is $TOKEN"
      - run: echo "${{ github.sha }}"
`, 0o644)
	cfg := loadConfig(t, `
[policy]
rotate_after = "30d"
[targets.vercel]
type = "vercel"
project = "web"
environments = ["production", "preview", "development"]
[[keys]]
name = "ANTHROPIC_API_KEY"
rotated = 2026-01-01
targets = ["vercel"]
[[keys]]
name = "TAVILY_API_KEY"
source = "env:TAVILY_API_KEY"
`)
	r := Build(Input{Now: now, Root: root, Config: cfg,
		Tracked: []string{".env", ".env.example", "id_generator.go", "deploy/id_ed25519", "src/app.go"},
		Hooks:   []HookState{{Hook: "pre-commit", State: "missing"}, {Hook: "pre-push", State: "missing"}},
	})
	want := map[string]string{
		"tracked-secret-files":  Fail,
		"gitignore":             Fail,
		"hooks":                 Fail,
		"rotation":              Fail,
		"separate-environments": Fail,
		"permissions":           Fail,
		"workflows":             Fail,
		"incidents":             Pass,
	}
	for id, st := range want {
		if c := find(r.Checks, id); c.Status != st {
			t.Errorf("%s: %s, want %s: %+v", id, c.Status, st, c)
		} else if st == Fail && c.Fix == "" {
			t.Errorf("%s: no fix", id)
		}
	}
	tracked := strings.Join(find(r.Checks, "tracked-secret-files").Details, "\n")
	if !strings.Contains(tracked, ".env (") || !strings.Contains(tracked, "deploy/id_ed25519") || strings.Contains(tracked, "example") || strings.Contains(tracked, "id_generator") {
		t.Errorf("tracked:\n%s", tracked)
	}
	wf := strings.Join(find(r.Checks, "workflows").Details, "\n")
	for _, w := range []string{"ci.yml:2: permissions: write-all", "ci.yml:9: a run step prints a secret", "ci.yml:12: a run step prints a secret"} {
		if !strings.Contains(wf, w) {
			t.Errorf("workflows lack %q:\n%s", w, wf)
		}
	}
	if strings.Contains(wf, ":13:") {
		t.Errorf("echo of a non-secret flagged:\n%s", wf)
	}
	perm := strings.Join(find(r.Checks, "permissions").Details, "\n")
	if !strings.Contains(perm, ".env is 0644") || strings.Contains(perm, "example") || strings.Contains(perm, "id_ed25519") {
		t.Errorf("permissions:\n%s", perm)
	}
	if rot := strings.Join(find(r.Checks, "rotation").Details, "\n"); !strings.Contains(rot, "ANTHROPIC_API_KEY: last rotated 2026-01-01, 59 days ago") || !strings.Contains(rot, "TAVILY_API_KEY: rotation date unknown") {
		t.Errorf("rotation:\n%s", rot)
	}

	// Fixed: ignored, untracked, private, hooks in, keys fresh.
	write(".gitignore", ".env\n.env.*\n!.env.example\n*.pem\nid_rsa*\nid_dsa*\nid_ecdsa*\nid_ed25519*\n.claude/settings.local.json\n.claude.json\ncredentials.json\n*credentials\n", 0o644)
	write(".env", "A=1\n", 0o600)
	write(".github/workflows/ci.yml", "on: push\npermissions:\n  contents: read\njobs: {}\n", 0o644)
	cfg = loadConfig(t, `
[[keys]]
name = "ANTHROPIC_API_KEY"
rotated = 2026-02-15
`)
	r = Build(Input{Now: now, Root: root, Config: cfg, Tracked: []string{".env.example", "src/app.go"},
		Hooks: []HookState{{Hook: "pre-commit", State: "installed"}, {Hook: "pre-push", State: "chained"}}})
	for _, c := range r.Checks {
		if c.Status != Pass {
			t.Errorf("%s: %s %v", c.ID, c.Status, c.Details)
		}
	}
	if r.Failed() {
		t.Error("a clean audit fails")
	}
}

func TestDoctor(t *testing.T) {
	root := t.TempDir()
	value := tavilyKey()
	if err := os.WriteFile(filepath.Join(root, ".env"), []byte("TAVILY_API_KEY="+value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, `
[targets.vercel]
type = "vercel"
project = "web"
[[keys]]
name = "TAVILY_API_KEY"
source = "dotenv:`+filepath.Join(root, ".env")+`#TAVILY_API_KEY"
fingerprints = ["`+secret.Fingerprint(value)+`"]
targets = ["vercel"]
[[keys]]
name = "SKYVERN_API_KEY"
source = "dotenv:`+filepath.Join(root, "missing.env")+`#SKYVERN_API_KEY"
[[keys]]
name = "YOUTUBE_API_KEY"
source = "env:YT"
fingerprints = ["`+secret.Fingerprint("old-value-"+rules.RandString(20, "alnum"))+`"]
`)
	env := map[string]string{"YT": "current-" + rules.RandString(24, "alnum")}
	var verified []string
	in := DoctorInput{Config: cfg, ConfigPath: "leakguard.toml", Root: root, StateDir: state,
		Getenv: func(k string) string { return env[k] },
		Hooks:  []HookState{{Hook: "pre-commit", State: "installed"}, {Hook: "pre-push", State: "installed"}},
		Verify: func(ctx context.Context, target, key string, v secret.Value) error {
			verified = append(verified, target+"/"+key)
			if v.Reveal() != value {
				t.Errorf("verify got another value")
			}
			return remediate.ErrMismatch
		},
	}
	cs := Doctor(context.Background(), in)
	want := map[string]string{
		"config": Pass, "key:TAVILY_API_KEY": Pass, "key:SKYVERN_API_KEY": Fail, "key:YOUTUBE_API_KEY": Fail,
		"target:vercel": Fail, "hooks": Pass, "gitignore": Fail, "state-dir": Fail, "keys-unused": Skip,
	}
	for id, st := range want {
		if c := find(cs, id); c.Status != st {
			t.Errorf("%s: %q, want %s: %+v", id, c.Status, st, c)
		}
	}
	if !strings.Contains(strings.Join(find(cs, "target:vercel").Details, " "), "$VERCEL_TOKEN is not set") {
		t.Errorf("vercel: %+v", find(cs, "target:vercel"))
	}
	if len(verified) != 0 {
		t.Errorf("offline doctor contacted %v", verified)
	}
	// Online, with the token: the target is asked, and its mismatch fails.
	env["VERCEL_TOKEN"] = "t"
	in.Online = true
	os.Chmod(state, 0o700)
	cs = Doctor(context.Background(), in)
	if c := find(cs, "target:vercel"); c.Status != Fail || !strings.Contains(strings.Join(c.Details, " "), "TAVILY_API_KEY: holds a different value") || c.Fix != "leakguard sync TAVILY_API_KEY" {
		t.Errorf("online vercel: %+v", c)
	}
	if len(verified) != 1 || verified[0] != "vercel/TAVILY_API_KEY" {
		t.Errorf("verified %v", verified)
	}
	if c := find(cs, "state-dir"); c.Status != Pass {
		t.Errorf("state dir: %+v", c)
	}
	var b bytes.Buffer
	if err := WriteChecks(&b, cs, false, false); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{value, env["YT"], env["YT"][8:20], value[5:17]} {
		if strings.Contains(b.String(), v) {
			t.Fatalf("doctor printed a secret:\n%s", b.String())
		}
	}
	// A broken config is a failed check, not a crash.
	cs = Doctor(context.Background(), DoctorInput{ConfigErr: &config.Error{File: "leakguard.toml", Line: 3, Field: "keys", Err: os.ErrInvalid}, ReadSource: keyfile.Read})
	if c := find(cs, "config"); c.Status != Fail || !strings.Contains(c.Details[0], "leakguard.toml:3") {
		t.Errorf("config: %+v", c)
	}
	// Outside a repository the hooks cannot be read.
	if c := find(cs, "hooks"); c.Status != Warn || !strings.Contains(strings.Join(c.Details, " "), "not inside a git repository") {
		t.Errorf("hooks outside a repository: %+v", c)
	}
}
