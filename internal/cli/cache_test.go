package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/internal/buildinfo"
)

const fromCache = "from the history cache"

// historyScan runs scan --history and fails on an unexpected exit code.
func historyScan(t *testing.T, want int, args ...string) (string, string) {
	t.Helper()
	code, out, errs := runCLI(t, "", append([]string{"scan", "--history"}, args...)...)
	if code != want {
		t.Fatalf("scan --history %v: exit %d, want %d\n%s\n%s", args, code, want, out, errs)
	}
	return out, errs
}

// A rule added in the config finds what the cached runs proved clean
// under the old rules: the cache is keyed by the rules.
func TestHistoryCacheRuleChange(t *testing.T) {
	t.Setenv(gitscan.CacheEnv, t.TempDir())
	dir := gitRepo(t)
	writeT(t, dir, "notes.txt", "ticket ZQX-"+strings.Repeat("4", 24)+"\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "notes")
	writeT(t, dir, "more.txt", "nothing\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "more")
	historyScan(t, ExitClean, "-C", dir)
	if _, errs := historyScan(t, ExitClean, "-C", dir); !strings.Contains(errs, fromCache) {
		t.Fatalf("the second run does not use the cache:\n%s", errs)
	}
	cfg := filepath.Join(t.TempDir(), "leakguard.toml")
	writeT(t, filepath.Dir(cfg), "leakguard.toml", "[[rules]]\nid = \"zqx-ticket\"\ndescription = \"ZQX ticket\"\nregex = '''ZQX-[0-9]{24}'''\nkeywords = [\"zqx-\"]\n")
	out, errs := historyScan(t, ExitFindings, "-C", dir, "-c", cfg, "--fail-on", "low")
	if !strings.Contains(out, "zqx-ticket") || strings.Contains(errs, fromCache) {
		t.Fatalf("a new rule must read the history again:\n%s\n%s", out, errs)
	}
	// The new key's cache is used next time, and still reports it.
	out, errs = historyScan(t, ExitFindings, "-C", dir, "-c", cfg, "--fail-on", "low")
	if !strings.Contains(out, "notes.txt") || !strings.Contains(errs, fromCache) {
		t.Fatalf("cached run with the new rule:\n%s\n%s", out, errs)
	}
}

// An allowlist dropped from the config, or an ignore file removed,
// brings back what they hid although the cache had the history clean.
func TestHistoryCacheConfigChange(t *testing.T) {
	t.Setenv(gitscan.CacheEnv, t.TempDir())
	dir := gitRepo(t)
	k := testKey()
	if err := os.MkdirAll(filepath.Join(dir, "fixtures"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeT(t, dir, "fixtures/app.env", "ANTHROPIC_API_KEY="+k+"\n")
	writeT(t, dir, "main.go", "package main\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "fixtures")
	cfg := filepath.Join(t.TempDir(), "leakguard.toml")
	writeT(t, filepath.Dir(cfg), "leakguard.toml", "[allowlist]\npaths = ['''^fixtures/''']\n")
	historyScan(t, ExitClean, "-C", dir, "-c", cfg)
	if _, errs := historyScan(t, ExitClean, "-C", dir, "-c", cfg); !strings.Contains(errs, fromCache) {
		t.Fatalf("the second run does not use the cache:\n%s", errs)
	}
	writeT(t, filepath.Dir(cfg), "leakguard.toml", "# no allowlist\n")
	out, errs := historyScan(t, ExitFindings, "-C", dir, "-c", cfg)
	if !strings.Contains(out, "fixtures/app.env") {
		t.Fatalf("the allowlist is gone, the key must be reported:\n%s\n%s", out, errs)
	}
	noLeak(t, k, out, errs)

	// The ignore file: baseline hides the key, the cache learns the
	// history clean; without the ignore file the key is back.
	if code, _, errs := runCLI(t, "", "baseline", "--include-high", "-C", dir, "-c", cfg); code != ExitClean {
		t.Fatalf("baseline: exit %d\n%s", code, errs)
	}
	historyScan(t, ExitClean, "-C", dir, "-c", cfg)
	if _, errs := historyScan(t, ExitClean, "-C", dir, "-c", cfg); !strings.Contains(errs, fromCache) {
		t.Fatalf("the cache is not used with the ignore file:\n%s", errs)
	}
	if err := os.Remove(filepath.Join(dir, ".leakguardignore")); err != nil {
		t.Fatal(err)
	}
	if out, errs := historyScan(t, ExitFindings, "-C", dir, "-c", cfg); !strings.Contains(out, "fixtures/app.env") {
		t.Fatalf("the ignore file is gone, the key must be reported:\n%s\n%s", out, errs)
	}
}

// A cached run still has the values (--show-secrets prints them, as
// --verify and remediate need them), the cache file holds none, and
// --no-cache neither reads nor writes it.
func TestHistoryCacheValuesAndNoCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(gitscan.CacheEnv, cache)
	dir := gitRepo(t)
	k := testKey()
	writeT(t, dir, "app.py", "api_key = \""+k+"\"\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "key")
	writeT(t, dir, "b.txt", "b\n")
	gitT(t, dir, "add", ".")
	gitT(t, dir, "commit", "-q", "-m", "b")
	out, errs := historyScan(t, ExitFindings, "-C", dir)
	noLeak(t, k, out, errs)
	out, errs = historyScan(t, ExitFindings, "-C", dir, "--show-secrets")
	if !strings.Contains(out, k) || !strings.Contains(errs, fromCache) {
		t.Fatalf("a cached run must carry the value:\n%s\n%s", out, errs)
	}
	ents, err := os.ReadDir(cache)
	if err != nil || len(ents) != 1 {
		t.Fatalf("cache directory: %v %v", ents, err)
	}
	b, err := os.ReadFile(filepath.Join(cache, ents[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	noLeak(t, k, string(b))
	if strings.Contains(string(b), "app.py") {
		t.Fatal("the cache holds paths")
	}
	if fi, _ := os.Stat(filepath.Join(cache, ents[0].Name())); fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file mode %v", fi.Mode().Perm())
	}

	if err := os.RemoveAll(cache); err != nil {
		t.Fatal(err)
	}
	if _, errs := historyScan(t, ExitFindings, "-C", dir, "--no-cache"); strings.Contains(errs, fromCache) {
		t.Fatalf("--no-cache used the cache:\n%s", errs)
	}
	if _, err := os.Stat(cache); !os.IsNotExist(err) {
		t.Fatalf("--no-cache wrote the cache: %v", err)
	}
	if code, _, errs := runCLI(t, "", "scan", "--no-cache", "-C", dir); code != ExitUsage {
		t.Fatalf("--no-cache without --history: exit %d\n%s", code, errs)
	}
}

// The key changes with the build, the rules, the config and the limits.
func TestCacheKeyInputs(t *testing.T) {
	dir := gitRepo(t)
	e, err := (&scanFlags{dir: dir}).resolve(&IO{Getenv: func(string) string { return "" }}, true)
	if err != nil {
		t.Fatal(err)
	}
	bi := buildinfo.Info{Version: "v1.2.3", Commit: strings.Repeat("a", 40)}
	base, err := gitscan.CacheKey(cacheInput(e), bi)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := gitscan.CacheKey(cacheInput(e), bi); again != base {
		t.Fatal("the key is not stable")
	}
	changes := map[string]func(e *env, bi *buildinfo.Info){
		"release":    func(_ *env, bi *buildinfo.Info) { bi.Version = "v1.2.4" },
		"rule":       func(e *env, _ *buildinfo.Info) { e.cfg.Rules = e.cfg.Rules[1:] },
		"confidence": func(e *env, _ *buildinfo.Info) { e.cfg.MinConfidence = "high" },
		"depth":      func(e *env, _ *buildinfo.Info) { e.cfg.DecodeDepth++ },
		"ignore":     func(e *env, _ *buildinfo.Info) { e.ignoreSum[0] ^= 1 },
		"max size":   func(e *env, _ *buildinfo.Info) { e.maxSize++ },
	}
	for name, change := range changes {
		e2, err := (&scanFlags{dir: dir}).resolve(&IO{Getenv: func(string) string { return "" }}, true)
		if err != nil {
			t.Fatal(err)
		}
		bi2 := bi
		change(e2, &bi2)
		if k, err := gitscan.CacheKey(cacheInput(e2), bi2); err != nil || k == base {
			t.Errorf("%s: the key did not change (%v)", name, err)
		}
	}
}

// ci's full scan (schedule) is incremental and reports the same keys;
// --no-cache reads everything.
func TestCIScheduleUsesHistoryCache(t *testing.T) {
	r := newCIRepo(t)
	env := r.event("schedule", map[string]any{})
	env[gitscan.CacheEnv] = filepath.Join(r.tmp, "history-cache")
	first := r.run(env)
	if first.code != ExitFindings || strings.Contains(first.stderr, fromCache) {
		t.Fatalf("first run: exit %d\n%s", first.code, first.stderr)
	}
	second := r.run(env)
	if second.code != ExitFindings || !strings.Contains(second.stderr, fromCache) {
		t.Fatalf("second run: exit %d, want the cache used\n%s", second.code, second.stderr)
	}
	if a, b := r.found(first), r.found(second); strings.Join(a, " ") != strings.Join(b, " ") || len(a) != 4 {
		t.Fatalf("keys found: first %v, second %v", a, b)
	}
	r.secretsOnlyMasked(second)
	if cr := r.run(env, "--no-cache"); cr.code != ExitFindings || strings.Contains(cr.stderr, fromCache) || len(r.found(cr)) != 4 {
		t.Fatalf("--no-cache: exit %d, %v\n%s", cr.code, r.found(cr), cr.stderr)
	}
}
