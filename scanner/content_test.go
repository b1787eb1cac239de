package scanner

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/archive/archivetest"
	"github.com/leakguard/leakguard/rules"
)

// TestScanPathsArchivesAndBinaries: a directory scan finds keys inside
// archives and binaries (issue 13 item 4).
func TestScanPathsArchivesAndBinaries(t *testing.T) {
	dir := t.TempDir()
	files, want := archivetest.Fixtures(func() string { return "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA" })
	for n, b := range files {
		p := filepath.Join(dir, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fs, st, err := ScanPaths(context.Background(), testDetector(t), []string{dir}, DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.File)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("findings in\n%v\nwant\n%v", got, want)
	}
	if len(st.Unscanned) != 0 {
		t.Fatalf("unscanned: %v", st.Unscanned)
	}
	// Too large: reported, not silently skipped.
	_, st, _ = ScanPaths(context.Background(), testDetector(t), []string{dir}, DirOptions{MaxSize: 64})
	if len(st.Unscanned) == 0 || !strings.Contains(st.Unscanned[0].Reason, "size limit") {
		t.Fatalf("unscanned: %v", st.Unscanned)
	}
}
