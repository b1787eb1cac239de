package gitscan

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/archive/archivetest"
	"github.com/leakguard/leakguard/scanner"
)

func writeFixtures(t *testing.T, dir string) []string {
	t.Helper()
	files, want := archivetest.Fixtures(key)
	for n, b := range files {
		p := filepath.Join(dir, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return want
}

func files(fs []scanner.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.File)
	}
	sort.Strings(out)
	return out
}

// TestArchivesAndBinaries: staged, pushed and historical archives and
// binaries are scanned inside, on both backends (issue 13 item 4).
func TestArchivesAndBinaries(t *testing.T) {
	bothBackends(t, func(t *testing.T, backend string) {
		dir := newRepo(t)
		write(t, dir, "README", "hi\n")
		base := commitAll(t, dir, "base")
		want := writeFixtures(t, dir)
		run(t, dir, "add", "-A")
		fs, _ := staged(t, dir, backend)
		if got := files(fs); !reflect.DeepEqual(got, want) {
			t.Fatalf("staged:\n%v\nwant\n%v", got, want)
		}
		head := commitAll(t, dir, "add archives")
		fs, _ = history(t, dir, backend, HistoryOptions{})
		if got := files(fs); !reflect.DeepEqual(got, want) {
			t.Fatalf("history:\n%v\nwant\n%v", got, want)
		}
		if backend == "git" {
			ups, _ := ParsePushUpdates(strings.NewReader("refs/heads/main " + head + " refs/heads/main " + base + "\n"))
			fs, _, err := open(t, dir).PrePush(context.Background(), Options{Detector: detector(t)}, ups)
			if err != nil {
				t.Fatal(err)
			}
			if got := files(fs); !reflect.DeepEqual(got, want) {
				t.Fatalf("pre-push:\n%v\nwant\n%v", got, want)
			}
		}
		// A modified archive adds only what it did not hold before.
		write(t, dir, "clean.zip", string(archivetest.Zip(archivetest.File{Name: "a.txt", Data: []byte("nothing\n")}, archivetest.File{Name: "b.txt", Data: []byte("still nothing\n")})))
		run(t, dir, "add", "-A")
		if fs, _ := staged(t, dir, backend); len(fs) != 0 {
			t.Fatalf("clean archive edit: %v", where(fs))
		}
		// Too large: listed as not scanned, not silently skipped.
		_, st, err := open(t, dir).History(context.Background(), Options{Detector: detector(t), Backend: backend, MaxSize: 64}, HistoryOptions{})
		if err != nil || len(st.Unscanned) == 0 {
			t.Fatalf("max size: %v %v", err, st.Unscanned)
		}
	})
}
