package gitscan

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
)

// A base source reads the base commit's files, not the work tree's or the
// head's, and names the files the head changes.
func TestBaseSource(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "leakguard.toml", "# base\n")
	write(t, dir, "same.txt", "same\n")
	base := commitAll(t, dir, "base")
	write(t, dir, "leakguard.toml", "# head\n")
	write(t, dir, ".leakguardignore", "x\n")
	head := commitAll(t, dir, "head")
	write(t, dir, "leakguard.toml", "# work tree\n")

	b, err := OpenBase(dir, base, head)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := b.Read(filepath.Join(b.Root(), "leakguard.toml"))
	if err != nil || string(got) != "# base\n" {
		t.Fatalf("read %q, %v: want the base commit's file", got, err)
	}
	if b.Exists(filepath.Join(b.Root(), ".leakguardignore")) || !b.Exists(filepath.Join(b.Root(), "same.txt")) {
		t.Fatal("Exists does not follow the base commit")
	}
	changed := b.Changed("leakguard.toml", ".leakguardignore", "same.txt", "", "gone.toml", "leakguard.toml")
	if strings.Join(changed, " ") != "leakguard.toml .leakguardignore" {
		t.Fatalf("changed %q", changed)
	}
	if _, err := OpenBase(t.TempDir(), base, head); !hint.IsUsage(err) {
		t.Fatalf("no repository: %v, want a usage error", err)
	}
}
