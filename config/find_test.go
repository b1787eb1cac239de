package config

import (
	"os"
	"path/filepath"
	"testing"
)

// A scan's lookup: the repository's file, else the scanned directory's;
// in a base commit only its files and $LEAKGUARD_CONFIG count.
func TestFindFor(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	noEnv := func(string) string { return "" }
	if got := FindFor(root, sub, noEnv, nil); got != "" {
		t.Fatalf("no file: %q", got)
	}
	if err := os.WriteFile(filepath.Join(sub, "leakguard.toml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := FindFor(root, sub, noEnv, nil); got != filepath.Join(sub, "leakguard.toml") {
		t.Fatalf("the scanned directory's file: %q", got)
	}
	if err := os.WriteFile(filepath.Join(root, "leakguard.toml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := FindFor(root, sub, noEnv, nil); got != filepath.Join(root, "leakguard.toml") {
		t.Fatalf("the repository's file first: %q", got)
	}
	inBase := map[string]bool{filepath.Join(root, ".gitleaks.toml"): true}
	exists := func(p string) bool { return inBase[p] }
	if got := FindFor(root, sub, noEnv, exists); got != filepath.Join(root, ".gitleaks.toml") {
		t.Fatalf("base commit: %q, want its .gitleaks.toml, not the work tree's leakguard.toml", got)
	}
	env := func(k string) string { return map[string]string{"LEAKGUARD_CONFIG": "/etc/lg.toml"}[k] }
	if got := FindFor(root, sub, env, exists); got != "/etc/lg.toml" {
		t.Fatalf("base commit with $LEAKGUARD_CONFIG: %q", got)
	}
}
