package scanner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/archive"
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

// TestDetectFileScratch: a binary whose printable text is made in its
// own memory (Fragment.Scratch) gives the findings the copying path
// gives, lines included, with keys in its ASCII and its UTF-16 text and
// inside an archive.
func TestDetectFileScratch(t *testing.T) {
	d := testDetector(t)
	key := func() string { return "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA" }
	utf16 := func(s string, bigEndian bool) []byte {
		var b []byte
		for _, c := range []byte(s) {
			if bigEndian {
				b = append(b, 0, c)
			} else {
				b = append(b, c, 0)
			}
		}
		return b
	}
	var bin []byte
	for i := range 40 {
		bin = append(bin, 0x7f, 'E', 'L', 'F', 0, 1, 2, 3)
		switch i % 4 {
		case 0:
			bin = append(bin, "ANTHROPIC_API_KEY="+key()+"\x00"...)
		case 1:
			bin = append(bin, utf16("token: "+key(), false)...)
		case 2:
			bin = append(bin, 0)
			bin = append(bin, utf16("key "+key(), true)...)
			bin = append(bin, 0, 0) // its terminator completes the last pair
		default:
			bin = append(bin, "short\x00text run\x01\x02"...)
		}
	}
	files, _ := archivetest.Fixtures(key)
	files["app.bin"] = bin
	type seen struct {
		Rule, Secret, Line string
		Lines, Cols        [2]int
	}
	view := func(fs []Finding) (out []seen) {
		for _, f := range fs {
			out = append(out, seen{f.RuleID, f.Secret.Reveal(), f.RedactedLine(), [2]int{f.StartLine, f.EndLine}, [2]int{f.StartColumn, f.EndColumn}})
		}
		return out
	}
	for name, b := range files {
		want, wres := d.DetectFile(Fragment{Path: name, Content: b}, archive.Limits{})
		got, gres := d.DetectFile(Fragment{Path: name, Content: bytes.Clone(b), Scratch: true}, archive.Limits{})
		if !reflect.DeepEqual(view(got), view(want)) || !reflect.DeepEqual(gres, wres) {
			t.Errorf("%s: in place\n%+v\ncopied\n%+v", name, view(got), view(want))
		}
		if name == "app.bin" && len(want) != 30 {
			t.Errorf("%s: %d findings, want 30", name, len(want))
		}
	}
	// Without Scratch the content is never written, a malformed archive
	// (scanned whole, as a binary) included: a push reads blobs again.
	files["cut.zip"] = files["dist/app.zip"][:len(files["dist/app.zip"])/2]
	files["cut.tar.gz"] = files["backup.tar.gz"][:len(files["backup.tar.gz"])/2]
	for name, b := range files {
		kept := bytes.Clone(b)
		d.DetectFile(Fragment{Path: name, Content: b}, archive.Limits{})
		if !bytes.Equal(b, kept) {
			t.Errorf("%s: DetectFile without Scratch changed the content", name)
		}
	}
}
