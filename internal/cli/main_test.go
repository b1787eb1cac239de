package cli

import (
	"os"
	"testing"
)

// TestMain keeps the tests off the developer's own user-level inventory
// (~/.config/leakguard/leakguard.toml): runCLI reads the process's
// environment, and the tests that want a user file set their own.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "leakguard-cli-test-xdg")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
