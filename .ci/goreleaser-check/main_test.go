package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The repository's .goreleaser.yaml passes.
func TestRepositoryConfig(t *testing.T) {
	for _, err := range checkRepo("../..") {
		t.Error(err)
	}
}

// brokenRoot is a copy of the repository's root for the check (the
// files it reads linked, .goreleaser.yaml edited by edit).
func brokenRoot(t *testing.T, edit func(string) string) string {
	t.Helper()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, p := range []string{"cmd", "internal", "action", "README.md"} {
		if err := os.Symlink(filepath.Join(repo, p), filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(repo, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	edited := edit(string(b))
	if edited == string(b) {
		t.Fatal("the edit changed nothing: the test would prove nothing")
	}
	if err := os.WriteFile(filepath.Join(root, ".goreleaser.yaml"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// Each broken copy fails with an error that names what is wrong.
func TestBrokenConfigFails(t *testing.T) {
	replace := func(old, new string) func(string) string {
		return func(s string) string { return strings.Replace(s, old, new, 1) }
	}
	for _, c := range []struct {
		name string
		edit func(string) string
		want string
	}{
		{"unknown top-level field", replace("project_name: leakguard", "project_name: leakguard\nprojekt: x"), "projekt"},
		{"misspelt build field", replace("    binary: leakguard", "    binari: leakguard"), "binari"},
		{"wrong type", replace("    goos: [linux, darwin, windows]", "    goos: {linux: true}"), ".goreleaser.yaml"},
		{"version 1", replace("version: 2", "version: 1"), "version"},
		{"a target missing", replace("goos: [linux, darwin, windows]", "goos: [linux, darwin]"), "goos"},
		{"ldflag on a variable buildinfo lacks", replace("buildinfo.commit=", "buildinfo.kommit="), "kommit"},
		{"archive name the installers do not build", replace(`name_template: "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}"`, `name_template: "{{ .ProjectName }}-{{ .Version }}-{{ .Os }}-{{ .Arch }}"`), "name_template"},
		{"no checksums.txt", replace("name_template: checksums.txt", "name_template: sums.txt"), "checksum"},
		{"archive format outside the enum", replace("formats: [tar.gz]", "formats: [rar]"), "rar"},
		{"deprecated field", replace("    formats: [tar.gz]", "    formats: [tar.gz]\n    format: tar.gz"), "deprecated"},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs := checkRepo(brokenRoot(t, c.edit))
			if len(errs) == 0 {
				t.Fatal("the broken config passed")
			}
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			if all := strings.Join(msgs, "\n"); !strings.Contains(all, c.want) {
				t.Fatalf("errors do not name %q:\n%s", c.want, all)
			}
		})
	}
}
