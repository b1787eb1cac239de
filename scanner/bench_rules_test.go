package scanner

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
)

// BenchmarkDetectRealCode scans a slice of Go's own source tree in memory
// with the whole rule set and with the provider-named family left out, so
// the family's cost shows as a ratio measured in the same run:
//
//	go test -run '^$' -bench DetectRealCode -benchtime 3x ./scanner
func BenchmarkDetectRealCode(b *testing.B) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Skip("no go command to find the Go source tree")
	}
	root := filepath.Join(strings.TrimSpace(string(out)), "src")
	var files []Fragment
	var size int64
	for _, dir := range []string{"net/http", "crypto", "encoding", "go/types", "cmd/go/internal"} {
		filepath.WalkDir(filepath.Join(root, dir), func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			c, err := os.ReadFile(p)
			if err != nil || len(c) > 1<<20 {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			files = append(files, Fragment{Path: rel, Content: c})
			size += int64(len(c))
			return nil
		})
	}
	if len(files) == 0 {
		b.Skip("no Go source tree")
	}
	def, _ := rules.Defaults()
	all, err := rules.CompileAll(def.Rules)
	if err != nil {
		b.Fatal(err)
	}
	def.Allowlist.Compiled()
	without := slices.DeleteFunc(slices.Clone(all), func(r *rules.Rule) bool { return slices.Contains(r.Tags, "named") })
	for _, c := range []struct {
		name  string
		rules []*rules.Rule
	}{{"all", all}, {"without-named", without}} {
		b.Run(c.name, func(b *testing.B) {
			d := NewDetector(Options{Rules: c.rules, Allowlist: def.Allowlist, DecodeDepth: 2})
			b.SetBytes(size)
			for b.Loop() {
				for _, f := range files {
					d.Detect(f)
				}
			}
		})
	}
}
