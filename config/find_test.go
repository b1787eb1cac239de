package config

import (
	"errors"
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

// A scan's config: -c relative to -C, else the lookup's file, over the
// user-level file $XDG_CONFIG_HOME names; read through Read.
func TestLookupLoad(t *testing.T) {
	root, xdg := t.TempDir(), t.TempDir()
	write := func(p, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "leakguard.toml"), "[scan]\nmax_size = \"1MiB\"\n")
	write(filepath.Join(root, "other.toml"), "[scan]\nmax_size = \"2MiB\"\n")
	write(filepath.Join(xdg, "leakguard", "leakguard.toml"), "[state]\ndir = \"/tmp/state\"\n")
	env := func(k string) string { return map[string]string{"XDG_CONFIG_HOME": xdg}[k] }
	for _, c := range []struct {
		name string
		l    Lookup
		path string
		size int64
	}{
		{"found", Lookup{Root: root, Anchor: root, Getenv: env}, filepath.Join(root, "leakguard.toml"), 1 << 20},
		{"-c relative to -C", Lookup{Flag: "other.toml", Dir: root, Root: root, Anchor: root, Getenv: env}, filepath.Join(root, "other.toml"), 2 << 20},
		{"-c absolute", Lookup{Flag: filepath.Join(root, "other.toml"), Dir: t.TempDir(), Getenv: env}, filepath.Join(root, "other.toml"), 2 << 20},
		{"none", Lookup{Root: t.TempDir(), Anchor: ".", Getenv: env}, "", DefaultMaxSize},
	} {
		cfg, err := c.l.Load()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if cfg.Path != c.path || cfg.MaxSize != c.size || cfg.UserPath != filepath.Join(xdg, "leakguard", "leakguard.toml") || cfg.State.Dir != "/tmp/state" {
			t.Errorf("%s: path %q size %d user %q state %q", c.name, cfg.Path, cfg.MaxSize, cfg.UserPath, cfg.State.Dir)
		}
	}
	// A base commit's files, through Read and Exists.
	base := filepath.Join(root, "leakguard.toml")
	l := Lookup{Root: root, Anchor: root, Getenv: env, Exists: func(p string) bool { return p == base },
		Read: func(p string) ([]byte, error) { return []byte("[scan]\nmax_size = \"3MiB\"\n"), nil }}
	if cfg, err := l.Load(); err != nil || cfg.MaxSize != 3<<20 {
		t.Fatalf("base commit: %+v %v", cfg, err)
	}
	var ce *Error
	if _, err := (Lookup{Flag: filepath.Join(root, "missing.toml"), Getenv: env}).Load(); !errors.As(err, &ce) {
		t.Fatalf("a missing -c file: %v", err)
	}
}
