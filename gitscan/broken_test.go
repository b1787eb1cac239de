package gitscan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// looseObject is the path of a loose object in dir's repository.
func looseObject(dir, h string) string {
	return filepath.Join(dir, ".git", "objects", h[:2], h[2:])
}

// clobber overwrites a file (object files are read-only).
func clobber(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func historyErr(t *testing.T, dir, backend string) (Stats, error) {
	t.Helper()
	_, st, err := open(t, dir).History(context.Background(), Options{Detector: detector(t), Backend: backend}, HistoryOptions{})
	return st, err
}

// TestHistoryBrokenTips: a ref whose commit is missing or corrupt, a
// corrupt pack, and a corrupt tree inside the history are errors on
// every backend, never an empty or partial history that passes (issue 13
// item 5). Corruption is called corruption.
func TestHistoryBrokenTips(t *testing.T) {
	build := func(t *testing.T) (string, []string) {
		dir := newRepo(t)
		var cs []string
		for i := 0; i < 3; i++ {
			write(t, dir, "d/f"+itoaTest(i)+".txt", "line "+itoaTest(i)+"\n")
			cs = append(cs, commitAll(t, dir, "c"+itoaTest(i)))
		}
		return dir, cs
	}
	cases := []struct {
		name    string
		break_  func(t *testing.T, dir string, cs []string)
		corrupt bool
	}{
		{"missing tip", func(t *testing.T, dir string, cs []string) {
			write(t, dir, ".git/refs/heads/ghost", strings.Repeat("ab", 20)+"\n")
		}, false},
		{"corrupt tip", func(t *testing.T, dir string, cs []string) {
			clobber(t, looseObject(dir, cs[2]), []byte("not zlib at all"))
		}, true},
		{"corrupt tree", func(t *testing.T, dir string, cs []string) {
			tree := run(t, dir, "rev-parse", cs[1]+":d")
			clobber(t, looseObject(dir, tree), []byte("not zlib at all"))
		}, true},
		{"corrupt pack", func(t *testing.T, dir string, cs []string) {
			run(t, dir, "gc", "-q")
			packs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.pack"))
			if len(packs) != 1 {
				t.Fatalf("packs: %v", packs)
			}
			b, _ := os.ReadFile(packs[0])
			clobber(t, packs[0], b[:len(b)/3])
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, cs := build(t)
			c.break_(t, dir, cs)
			for _, backend := range []string{"go-git", "git", ""} {
				st, err := historyErr(t, dir, backend)
				var oe *ObjectError
				if !errors.As(err, &oe) {
					t.Fatalf("backend %q: err = %v (stats %+v), want an *ObjectError", backend, err, st)
				}
				if oe.Corrupt != c.corrupt {
					t.Errorf("backend %q: corrupt = %v, want %v (%v)", backend, oe.Corrupt, c.corrupt, err)
				}
				if c.corrupt && !strings.Contains(err.Error(), "corrupt") {
					t.Errorf("backend %q: %v does not say corrupt", backend, err)
				}
			}
		})
	}
}

// TestHistoryPartialCloneBackendsAgree: on a --filter=blob:none clone
// the git backend never fetches from the promisor remote, and both
// backends report the same missing objects and findings.
func TestHistoryPartialCloneBackendsAgree(t *testing.T) {
	clone := partialClone(t)
	count := func() string { return run(t, clone, "count-objects", "-v") }
	before := count()
	var missing []int
	var found [][]string
	for _, backend := range []string{"go-git", "git"} {
		fs, st, err := open(t, clone).History(context.Background(), Options{Detector: detector(t), Backend: backend}, HistoryOptions{})
		if err != nil {
			t.Fatalf("%s: %v", backend, err)
		}
		if st.Backend != backend {
			t.Fatalf("backend %s used, want %s", st.Backend, backend)
		}
		missing = append(missing, st.Missing)
		found = append(found, summary(fs))
	}
	if missing[0] == 0 || missing[0] != missing[1] {
		t.Fatalf("missing objects: go-git %d, git %d; want the same, not 0", missing[0], missing[1])
	}
	if !reflect.DeepEqual(found[0], found[1]) {
		t.Fatalf("findings differ:\n%v\n%v", found[0], found[1])
	}
	if after := count(); after != before {
		t.Fatalf("objects were fetched:\n%s\n%s", before, after)
	}
}

// TestSHA256Refused: a SHA-256 repository is refused with a clear error
// instead of a misleading one (issue 13 item 15): go-git v5 and the
// scanners' hashes are SHA-1 only.
func TestSHA256Refused(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "init", "-q", "--object-format=sha256")
	write(t, dir, "a.txt", "x\n")
	commitAll(t, dir, "base")
	for _, d := range []string{dir, filepath.Join(dir, ".git")} {
		_, err := Open(d)
		if !errors.Is(err, ErrSHA256) || !strings.Contains(err.Error(), "SHA-256 repositories are not supported yet") {
			t.Fatalf("Open(%s): err = %v", d, err)
		}
	}
}
