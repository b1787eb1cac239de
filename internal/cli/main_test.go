package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/leakguard/leakguard/gitscan"
)

// TestMain keeps the tests off the developer's own user-level inventory
// and history cache
// (~/.config/leakguard/leakguard.toml): runCLI reads the process's
// environment, and the tests that want a user file set their own.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "leakguard-cli-test-xdg")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	// The history cache of every test in a directory of its own, never
	// the user's state directory (tests that look at it set their own).
	cache, err := os.MkdirTemp("", "leakguard-cli-test-cache")
	if err != nil {
		panic(err)
	}
	os.Setenv(gitscan.CacheEnv, cache)
	// A blocked hook records its findings in the state directory: the
	// tests' hooks keep out of the user's.
	os.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	code := m.Run()
	os.RemoveAll(dir)
	os.RemoveAll(cache)
	os.Exit(code)
}
