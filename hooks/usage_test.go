package hooks

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
)

// What the hooks commands refuse is a usage error: outside a repository
// with the hint to pass -C or --global (and still ErrNotRepository), a
// foreign global core.hooksPath with its own message.
func TestErrorsAreUsageErrors(t *testing.T) {
	exe, _ := fakeLeakguard(t)
	o := opts(t.TempDir(), exe)
	_, err := Install(o, PreCommit)
	if !hint.IsUsage(err) || !errors.Is(err, ErrNotRepository) || hint.Of(err) != "run inside a repository or pass -C DIR, or use --global" {
		t.Fatalf("install outside a repository: %v (%q)", err, hint.Of(err))
	}
	if _, err := Uninstall(o); !hint.IsUsage(err) || !errors.Is(err, ErrNotRepository) {
		t.Fatalf("uninstall outside a repository: %v", err)
	}
	if _, _, _, err := Status(o); !hint.IsUsage(err) || !errors.Is(err, ErrNotRepository) {
		t.Fatalf("status outside a repository: %v", err)
	}
	g := opts(t.TempDir(), exe)
	g.Global = true
	if err := os.WriteFile(filepath.Join(g.Dir, "global.gitconfig"), []byte("[core]\n\thooksPath = /elsewhere\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Install(g, PreCommit); !hint.IsUsage(err) || errors.Is(err, ErrNotRepository) || err.Error() == "" {
		t.Fatalf("a foreign global core.hooksPath: %v", err)
	}
	if _, err := Install(opts(newRepo(t), exe), PreCommit); err != nil {
		t.Fatalf("a repository: %v", err)
	}
}
