package scanner

import (
	"bytes"
	"context"
	"math/rand/v2"
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

// TestDetectFileBinaryLines: a binary's findings, with keys in its ASCII
// and its UTF-16 text, in one or two strings of a table, on lines near
// each other and far apart, are the findings of its printable text with
// every other byte a newline, at the same lines and columns, whether it
// is read whole or written in pieces as a history scan streams it; the
// content is never written to, a malformed archive (scanned whole, as a
// binary) included: a push reads blobs again.
func TestDetectFileBinaryLines(t *testing.T) {
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
		switch i % 5 {
		case 0:
			bin = append(bin, "ANTHROPIC_API_KEY="+key()+"\x00"...)
		case 1:
			bin = append(bin, utf16("token: "+key(), false)...)
		case 2:
			bin = append(bin, 0)
			bin = append(bin, utf16("key "+key(), true)...)
			bin = append(bin, 0, 0) // its terminator completes the last pair
		case 3: // a string table: the name and the key one string apart
			bin = append(bin, "api_key_name\x00"+key()+"\x00"...)
		default:
			bin = append(bin, "short\x00text run\x01\x02"...)
			bin = append(bin, make([]byte, 1000*i)...)
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
	text, wide := archivetest.Filler(bin)
	want := d.Detect(Fragment{Path: "app.bin", Content: text})
	want = append(want, d.Detect(Fragment{Path: "app.bin", Content: wide, FirstLine: bytes.Count(text, []byte{'\n'}) + 1})...)
	if len(want) != 32 {
		t.Fatalf("reference: %d findings, want 32", len(want))
	}
	got, _ := d.DetectFile(Fragment{Path: "app.bin", Content: bin}, archive.Limits{})
	if !reflect.DeepEqual(view(got), view(want)) {
		t.Errorf("read whole\n%+v\nwant\n%+v", view(got), view(want))
	}
	var s archive.Strings
	for p := bin; len(p) > 0; p = p[min(len(p), 100):] {
		s.Write(p[:min(len(p), 100)])
	}
	if got := d.DetectStrings("app.bin", &s); !reflect.DeepEqual(view(got), view(want)) {
		t.Errorf("written in pieces\n%+v\nwant\n%+v", view(got), view(want))
	}
	files["cut.zip"] = files["dist/app.zip"][:len(files["dist/app.zip"])/2]
	files["cut.tar.gz"] = files["backup.tar.gz"][:len(files["backup.tar.gz"])/2]
	for name, b := range files {
		kept := bytes.Clone(b)
		d.DetectFile(Fragment{Path: name, Content: b}, archive.Limits{})
		if !bytes.Equal(b, kept) {
			t.Errorf("%s: DetectFile changed the content", name)
		}
	}
}

// TestDetectFileBinaryGapsKeepSecrets: every rule's true-positive sample
// written into a binary with each of its newlines replaced by a gap of
// a few bytes (a padded string table) is found as the binary's text with
// every byte outside a run a newline finds it, wherever no gap between
// two runs is longer than 16 bytes, the alignment of compiled string
// tables (a line shorter than a run widens the gap around it): the same
// rule, secret (so the same fingerprint), lines and columns.
func TestDetectFileBinaryGapsKeepSecrets(t *testing.T) {
	d := testDetector(t)
	def, err := rules.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		Rule, Secret string
		Lines, Cols  [2]int
	}
	view := func(fs []Finding) (out []seen) {
		for _, f := range fs {
			out = append(out, seen{f.RuleID, f.Secret.Reveal(), [2]int{f.StartLine, f.EndLine}, [2]int{f.StartColumn, f.EndColumn}})
		}
		return out
	}
	r := rand.New(rand.NewPCG(36, 36))
	samples, multiline := 0, 0
	for _, ru := range def.Rules {
		for _, tp := range ru.TP {
			s, err := rules.Expand(tp)
			if err != nil {
				t.Fatalf("%s: %v", ru.ID, err)
			}
			for _, gap := range []int{1, 3, 8, 16} {
				b := []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 1, 1, 1, 0}
				for i, line := range strings.Split(s, "\n") {
					if i > 0 {
						for range gap {
							b = append(b, byte(r.IntN(2)))
						}
					}
					b = append(b, line...)
				}
				b = append(b, 0, 1, 1, 1)
				text, wide := archivetest.Filler(b)
				if longestGap(text) > 16 {
					continue
				}
				want := d.Detect(Fragment{Path: "app.bin", Content: text})
				want = append(want, d.Detect(Fragment{Path: "app.bin", Content: wide, FirstLine: bytes.Count(text, []byte{'\n'}) + 1})...)
				got, _ := d.DetectFile(Fragment{Path: "app.bin", Content: b}, archive.Limits{})
				if !reflect.DeepEqual(view(got), view(want)) {
					t.Errorf("%s, gaps of %d bytes:\n got %d findings %v\nwant %d %v", ru.ID, gap, len(got), ruleIDs(got), len(want), ruleIDs(want))
				}
				samples++
				if strings.Contains(s, "\n") && len(want) > 0 {
					multiline++
				}
			}
		}
	}
	if samples < 100 || multiline < 8 {
		t.Fatalf("%d samples, %d multi-line ones found: the check proves little", samples, multiline)
	}
}

// longestGap is the longest run of newlines in text between two runs.
func longestGap(text []byte) int {
	longest := 0
	for _, gap := range bytes.FieldsFunc(text, func(r rune) bool { return r != '\n' }) {
		longest = max(longest, len(gap))
	}
	return longest
}

func ruleIDs(fs []Finding) (out []string) {
	for _, f := range fs {
		out = append(out, f.RuleID)
	}
	return out
}
