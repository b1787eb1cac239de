package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// Issue 13 item 11: 'keys fingerprint NAME' touches only the named keys,
// whatever their order in the config, and --source files the value under
// NAME alone.
func TestKeysFingerprintOnlyNamed(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "leakguard.toml")
	writeT(t, dir, "leakguard.toml", `[[keys]]
name = "AAA_API_KEY"

[[keys]]
name = "TAVILY_API_KEY"

[[keys]]
name = "YOUTUBE_API_KEY"

[[keys]]
name = "SKYVERN_API_KEY"
`)
	tavily := "tvly-" + rules.RandString(32, "alnum")
	writeT(t, dir, ".env", strings.Join([]string{"TAVILY_API_KEY", tavily}, "=")+"\n")
	fpsOf := func() map[string][]string {
		t.Helper()
		cfg, err := config.Load(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]string{}
		for _, k := range cfg.Keys {
			out[k.Name] = k.Fingerprints
		}
		return out
	}
	for _, name := range []string{"TAVILY_API_KEY", "AAA_API_KEY", "SKYVERN_API_KEY"} {
		// Each named key in turn, with keys before and after it.
		code, out, errb := runCLI(t, "", "keys", "fingerprint", "-C", dir, "-c", cfgPath, "--source", "dotenv:"+filepath.Join(dir, ".env")+"#TAVILY_API_KEY", name)
		if code != 0 {
			t.Fatalf("keys fingerprint %s: exit %d\n%s%s", name, code, out, errb)
		}
		for _, other := range []string{"AAA_API_KEY", "TAVILY_API_KEY", "YOUTUBE_API_KEY", "SKYVERN_API_KEY"} {
			if other != name && regexp.MustCompile(`(?m)^`+other+`\s`).MatchString(out) {
				t.Errorf("keys fingerprint %s also processed %s:\n%s", name, other, out)
			}
		}
		got := fpsOf()
		if len(got[name]) != 1 || got[name][0] != secret.Fingerprint(tavily) {
			t.Errorf("%s fingerprints = %v, want the value's", name, got[name])
		}
		if len(got["YOUTUBE_API_KEY"]) != 0 {
			t.Fatalf("YOUTUBE_API_KEY got a fingerprint it was never given: %v", got["YOUTUBE_API_KEY"])
		}
	}
}
