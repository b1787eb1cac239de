package scanner

import (
	"bytes"
	"testing"

	"github.com/leakguard/leakguard/internal/testkit/alloc"
)

// hostileInputs are contents where keywords fire every few bytes, on
// one line (issue 13 item 14): a run of one letter fires a 21-letter
// keyword at every byte; the others put a keyword, a name, an assignment
// or a token prefix every few bytes. None holds a finding but the last.
func hostileInputs() []struct {
	name    string
	content []byte
} {
	return []struct {
		name    string
		content []byte
	}{
		{"9.5 MiB of one letter", bytes.Repeat([]byte("A"), 19<<19)},
		{"a keyword every 9 bytes", bytes.Repeat([]byte("password "), 1<<18)},
		{"a reference every 16 bytes", bytes.Repeat([]byte("password=${PWD} "), 1<<16)},
		{"an assignment every 22 bytes", bytes.Repeat([]byte("ANTHROPIC_API_KEY=abc "), 1<<16)},
		{"a token prefix every 4 bytes", bytes.Repeat([]byte("ghp_"), 1<<18)},
		{"a name every 6 bytes", bytes.Repeat([]byte("token "), 1<<18)},
		{"a comment of names", append([]byte("# "), bytes.Repeat([]byte("set :token, 1 "), 1<<15)...)},
		// Not one line: a finding after 4 Mi lines, where an index of
		// every newline took 8 bytes a line.
		{"a token after 4 Mi empty lines", append(bytes.Repeat([]byte("\n"), 4<<20), "GITHUB_TOKEN="+githubPAT()+"\n"...)},
	}
}

// TestMemoryBoundedByWindows: on a line where keywords fire every few
// bytes, the detector allocates in proportion to the windows it matches
// in and the text it reads, not to the number of keyword hits, and never
// the line's length once per hit. Bytes allocated (no clock involved)
// stay under 20x the input: what is left is short-lived, a name's words
// at each assignment site (9x at most, 15x under the race detector,
// which allocates more); before, the run of one letter allocated 130x (a
// window kept per hit), a keyword every few bytes 36x to 170x, 4 Mi empty
// lines 48x (an index of every newline), and a line of references or
// commented names thousands of times (the rest of the line copied for
// each name).
func TestMemoryBoundedByWindows(t *testing.T) {
	d := testDetector(t)
	d.Detect(Fragment{Path: "warm.txt", Content: []byte("password=x token=y")})
	for _, in := range hostileInputs() {
		var fs []Finding
		a := alloc.Bytes(func() { fs = d.Detect(Fragment{Path: "big.txt", Content: in.content}) })
		ratio := float64(a) / float64(len(in.content))
		t.Logf("%-30s %5.1f MiB: %d findings, allocated %.2fx the input", in.name, float64(len(in.content))/(1<<20), len(fs), ratio)
		if want := btoi(bytes.Contains(in.content, []byte("GITHUB_TOKEN="))); len(fs) != want {
			t.Errorf("%s: %d findings, want %d", in.name, len(fs), want)
		}
		if ratio > 20 {
			t.Errorf("%s: allocated %d bytes for %d bytes of content (%.1fx)", in.name, a, len(in.content), ratio)
		}
	}
}
