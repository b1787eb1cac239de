package scanner

import (
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
)

// FuzzFindEncoded: decoding never panics, runs stay inside the input and
// in order.
func FuzzFindEncoded(f *testing.F) {
	for _, s := range []string{"dHZseS0xMjM0NTY3ODkwYWJjZGVm", "%41%42%43%44", `\u0041\x42`, "deadbeefdeadbeefdeadbeef", "===", "%", `\u12`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		last := 0
		for _, r := range findEncoded(b) {
			if r.start < last || r.end > len(b) || r.start > r.end {
				t.Fatalf("bad run %d..%d after %d in %d bytes", r.start, r.end, last, len(b))
			}
			last = r.start
		}
	})
}

// FuzzDetect: the detector never panics and every finding lies inside the
// content.
func FuzzDetect(f *testing.F) {
	f.Add([]byte("ANTHROPIC_API_KEY=abc\nexport TAVILY_API_KEY='x'"))
	f.Add([]byte("- name: ANTHROPIC_API_KEY\n  value:"))
	f.Add([]byte("ANTHROPIC_API_KEY"))
	f.Add([]byte(`export DB_PASSWORD="` + strongPassword() + `" x=postgres://u:` + strongPassword() + `@h/d TAVILY_API_KEY=tvly-` + rules.RandString(32, "alnum")))
	d := testDetector(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		lines := strings.Count(string(b), "\n") + 1
		for _, fd := range d.Detect(Fragment{Path: "f", Content: b}) {
			if fd.StartLine < 1 || fd.StartLine > lines || fd.EndLine < fd.StartLine {
				t.Fatalf("finding at lines %d-%d of %d", fd.StartLine, fd.EndLine, lines)
			}
			// Previews never hold the secret.
			if s := fd.Secret.Reveal(); len(s) >= 8 {
				for _, shown := range []string{fd.RedactedLine(), fd.RedactedMatch()} {
					if strings.Contains(shown, s) {
						t.Fatalf("preview %q holds the secret", shown)
					}
				}
			}
		}
	})
}

func FuzzParseIgnore(f *testing.F) {
	f.Add("rule:0123456789abcdef path/x\n# c\n")
	f.Fuzz(func(t *testing.T, s string) {
		ig, err := ParseIgnore(strings.NewReader(s))
		if err == nil && ig == nil {
			t.Fatal("nil ignore without error")
		}
	})
}
