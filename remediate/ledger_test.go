package remediate

import (
	"os"
	"path/filepath"
	"testing"
)

// The state directory is [state] dir (a leading ~/ the home directory),
// else $XDG_STATE_HOME/leakguard, else ~/.local/state/leakguard.
func TestStateDir(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no home directory:", err)
	}
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	xdg := env(map[string]string{"XDG_STATE_HOME": "/x/state", "HOME": "/h"})
	for _, c := range []struct {
		getenv    func(string) string
		dir, want string
	}{
		{xdg, "", "/x/state/leakguard"},
		{env(map[string]string{"HOME": "/h"}), "", "/h/.local/state/leakguard"},
		{xdg, "/srv/lg", "/srv/lg"},
		{xdg, "~/lg-state", filepath.Join(home, "lg-state")},
		{xdg, "rel/state", "rel/state"},
	} {
		if got := StateDir(c.getenv, c.dir); got != c.want {
			t.Errorf("StateDir(%q) = %q, want %q", c.dir, got, c.want)
		}
	}
}
