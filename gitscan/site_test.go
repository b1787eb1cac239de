package gitscan

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// A scan's site: -C DIR, the first scanned path's directory and the
// repository holding it.
func TestLocate(t *testing.T) {
	repo := newRepo(t)
	write(t, repo, "sub/a.txt", "a\n")
	outside := t.TempDir()
	for _, c := range []struct {
		name, dir         string
		paths             []string
		base, anchor, top string
	}{
		{"the directory", repo, nil, repo, repo, repo},
		{"standard input", repo, []string{"-"}, repo, repo, repo},
		{"a file's directory", repo, []string{"sub/a.txt", "x"}, repo, filepath.Join(repo, "sub"), repo},
		{"a directory", outside, []string{filepath.Join(repo, "sub")}, outside, filepath.Join(repo, "sub"), repo},
		{"a path that is not there", repo, []string{"nope"}, repo, repo, repo},
		{"outside a repository", outside, nil, outside, outside, ""},
	} {
		s, err := Locate(c.dir, c.paths, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if s.Base != c.base || s.Anchor != c.anchor || s.Root != c.top || s.From != nil {
			t.Errorf("%s: %+v, want base %s anchor %s root %s", c.name, s, c.base, c.anchor, c.top)
		}
	}
	if s, err := Locate("", nil, nil); err != nil || s.Base != "." || s.Anchor != "." {
		t.Errorf("no -C: %+v %v", s, err)
	}
	for _, dir := range []string{filepath.Join(outside, "missing"), filepath.Join(repo, "sub", "a.txt")} {
		_, err := Locate(dir, nil, nil)
		if !hint.IsUsage(err) || err.Error() != "-C "+dir+": not a directory" || hint.Of(err) != "pass an existing directory to -C" {
			t.Errorf("-C %s: %v (%q)", dir, err, hint.Of(err))
		}
	}
}

// The config and ignore files are the repository's, else the scanned
// directory's; a pull request's base commit's in ci, whatever the work
// tree holds.
func TestSiteFilesAndIgnores(t *testing.T) {
	repo := newRepo(t)
	write(t, repo, ".leakguardignore", "# base\n")
	base := commitAll(t, repo, "base")
	write(t, repo, "sub/x.txt", "x\n")
	write(t, repo, ".leakguardignore", "not an entry\n")
	head := commitAll(t, repo, "head")

	s, err := Locate(repo, []string{"sub"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if root, _, exists := s.Files(); root != repo || exists != nil {
		t.Fatalf("files at %q (exists set: %v)", root, exists != nil)
	}
	_, err = s.LoadIgnores("", nil, func(string) {})
	if !hint.IsUsage(err) || !strings.Contains(err.Error(), filepath.Join(repo, ".leakguardignore")) {
		t.Fatalf("the work tree's broken ignore file: %v", err)
	}

	from, err := OpenBase(repo, base, head)
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	s.From = from
	root, read, exists := s.Files()
	if b, _ := read(filepath.Join(root, ".leakguardignore")); root != from.Root() || exists == nil || string(b) != "# base\n" {
		t.Fatalf("base commit: root %q, read %q", root, b)
	}
	ig, err := s.LoadIgnores("", nil, func(string) {})
	if err != nil || ig.Sum != sha256.Sum256([]byte("# base\n")) || ig.Gitleaks != nil {
		t.Fatalf("the base commit's ignore file: %+v %v", ig, err)
	}

	// Outside a repository, the scanned directory's files; an ignore
	// file named explicitly must be there.
	dir := t.TempDir()
	write(t, dir, ".leakguardignore", "")
	if s, _ := Locate(dir, nil, nil); s != nil {
		if ig, err := s.LoadIgnores("", nil, func(string) {}); err != nil || ig.Ignore == nil || ig.Sum != sha256.Sum256(nil) {
			t.Fatalf("outside a repository: %+v %v", ig, err)
		}
		if _, err := s.LoadIgnores(filepath.Join(dir, "missing"), nil, func(string) {}); !hint.IsUsage(err) {
			t.Fatalf("a missing --ignore-file: %v", err)
		}
	}
}

// What the ignore files warn about: .gitleaksignore's lines, unkeyed
// entries and, when a finding needs it, a repository key that cannot be
// derived (the command layer drops them all under --quiet).
func TestLoadIgnoresWarnings(t *testing.T) {
	repo := newRepo(t) // no commit: no root commit, no key
	value := "pw-" + rules.RandString(12, "alnum")
	f := scanner.Finding{RuleID: "r", File: "a.env", Secret: secret.New(value)}
	keyed := "r:" + secret.KeyedHash([]byte("0123456789abcdef0123456789abcdef"), value)
	write(t, repo, ".leakguardignore", "r:"+secret.Hash("other")+"\n"+keyed+"\n")
	write(t, repo, ".gitleaksignore", "not a fingerprint\n")
	s, err := Locate(repo, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ign, gl := filepath.Join(repo, ".leakguardignore"), filepath.Join(repo, ".gitleaksignore")
	var got []string
	ig, err := s.LoadIgnores("", nil, func(m string) { got = append(got, m) })
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		ign + ": 1 of its entries hold an unkeyed hash, which a dictionary reverses for weak secrets; rewrite the file with 'leakguard baseline' and commit it",
		gl + `: line 1: "not a fingerprint" is not a gitleaks fingerprint ([commit:]file:rule-id:line): ignored`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("warnings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ig.Ignore.Matches(&f) || ig.Gitleaks == nil {
		t.Fatal("a keyed entry hid a finding without the repository's key")
	}
	if len(got) != len(want)+1 || !strings.HasPrefix(got[len(want)], ign+": keyed entries are not applied (") ||
		!strings.HasSuffix(got[len(want)], "): their findings are reported") {
		t.Fatalf("no warning about the key: %q", got)
	}

	// With a root commit, the key is the repository's: its entry hides
	// the finding, silently.
	commitAll(t, repo, "root")
	k, err := RepoKey(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	write(t, repo, ".leakguardignore", "r:"+secret.KeyedHash(k, value)+"\n")
	if err := os.Remove(gl); err != nil {
		t.Fatal(err)
	}
	got = nil
	ig, err = s.LoadIgnores("", nil, func(m string) { got = append(got, m) })
	if err != nil || !ig.Ignore.Matches(&f) || len(got) != 0 {
		t.Fatalf("the repository's keyed entry: %v %q", err, got)
	}
}
