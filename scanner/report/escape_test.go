package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestHostileFileNames: a file name with terminal escapes, newlines or
// an invisible direction override is printed escaped in text, and SARIF
// URIs are percent-encoded (issue 13 item 15).
func TestHostileFileNames(t *testing.T) {
	fs := sample()
	fs[0].File = "dir/\x1b[2J\x1b]0;pwned\x07evil\nleak fake.env:1:1\u202e.txt"
	fs[0].Commit = strings.Repeat("a", 40)
	fs[0].Author = "Eve\x1b[31m"
	fs[0].Email = "eve@example.com\r"
	var b bytes.Buffer
	if err := Write(&b, fs, Options{Format: "text"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"\x1b", "\x07", "\r", "\u202e", "evil\nleak"} {
		if strings.Contains(out, bad) {
			t.Errorf("text output holds %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, `\x1b[2J`) || !strings.Contains(out, `evil\nleak`) {
		t.Errorf("file name not shown escaped:\n%s", out)
	}

	fs[0].File = "dir/a b%?#.env\n"
	b.Reset()
	if err := Write(&b, fs, Options{Format: "sarif"}); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	uri := log.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI
	if uri != "dir/a%20b%25%3F%23.env%0A" {
		t.Fatalf("uri = %q", uri)
	}
}
