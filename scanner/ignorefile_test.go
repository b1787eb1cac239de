package scanner

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
)

// A missing ignore file is none unless it was named; errors carry hints;
// a .gitleaksignore entry matches a file shown under -C by its path in
// the repository.
func TestLoadIgnoreFiles(t *testing.T) {
	missing := func(string) ([]byte, error) { return nil, fs.ErrNotExist }
	if ig, _, err := LoadIgnore(missing, "x", false); ig != nil || err != nil {
		t.Fatalf("missing: %v %v", ig, err)
	}
	if _, _, err := LoadIgnore(missing, "x", true); err == nil || hint.Of(err) == "" {
		t.Fatalf("missing --ignore-file: %v", err)
	}
	if ig, w, err := LoadGitleaksIgnore(missing, "x", nil); ig != nil || w != nil || err != nil {
		t.Fatalf("missing .gitleaksignore: %v %v %v", ig, w, err)
	}
	root := t.TempDir()
	p := filepath.Join(root, GitleaksIgnoreFile)
	if err := os.WriteFile(p, []byte("sub/a.env:some-rule:3\nnot a fingerprint\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ig, warnings, err := LoadGitleaksIgnore(os.ReadFile, p, func(id string) []string { return []string{id} })
	if err != nil || ig.Len() != 1 || len(warnings) != 1 {
		t.Fatalf("entries %d, warnings %q, %v", ig.Len(), warnings, err)
	}
	found := []Finding{{RuleID: "some-rule", File: "a.env", StartLine: 3}, {RuleID: "some-rule", File: "a.env", StartLine: 4}}
	kept := ig.Drop(found, filepath.Join(root, "sub"), root)
	if len(kept) != 1 || kept[0].StartLine != 4 {
		t.Fatalf("kept %+v", kept)
	}
}
