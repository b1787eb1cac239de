package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinkerDropsUnusedMethods: the linker removes the exported methods
// nothing calls unless a reachable function may call a method by name
// (text/template's and html/template's Execute, reflect.Value.Method or
// MethodByName). One such call kept every method of every type in the
// binary: 22 MB rather than 17, and every process, a pre-commit hook's
// included, started about 5 ms slower ('leakguard version' 27 → 22 ms,
// a staged scan 43 → 35 ms, paired runs on the 2-core machine). The
// linker marks such functions <ReflectMethod> in its dependency dump.
func TestLinkerDropsUnusedMethods(t *testing.T) {
	if testing.Short() {
		t.Skip("links the binary")
	}
	out := filepath.Join(t.TempDir(), "leakguard")
	cmd := exec.Command("go", "build", "-ldflags=-dumpdep", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var dump, stdout bytes.Buffer
	cmd.Stderr, cmd.Stdout = &dump, &stdout
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v\n%s", err, tail(dump.String(), 2000))
	}
	if dump.Len() < 1<<20 {
		t.Fatalf("the linker's dependency dump is %d bytes: -dumpdep printed nothing to read", dump.Len())
	}
	var culprits []string
	sc := bufio.NewScanner(&dump)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); strings.Contains(l, "<ReflectMethod>") && len(culprits) < 10 {
			culprits = append(culprits, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading the dependency dump: %v", err)
	}
	if len(culprits) > 0 {
		t.Errorf("a reachable function calls methods by name, so the linker keeps every exported method:\n%s\n"+
			"write the output without text/template or html/template (see audit's page)", strings.Join(culprits, "\n"))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestNoGitTransports: leakguard opens repositories through go-git's
// storage (gitscan's goRepo), not its root package, which links every
// transport go-git speaks (SSH and its agent, HTTP, the git protocol) and
// their initialisation: about 3.5 ms of every process ('leakguard
// version' 26.2 -> 22.4 ms, a blocked commit's hook 41.2 -> 37.6 ms,
// paired runs on the 2-core machine). leakguard never fetches or pushes.
func TestNoGitTransports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 100 {
		t.Fatalf("go list -deps printed %d packages", len(deps))
	}
	for _, p := range deps {
		if p == "github.com/go-git/go-git/v5" || strings.Contains(p, "go-git/v5/plumbing/transport") || strings.HasPrefix(p, "golang.org/x/crypto/ssh") {
			t.Errorf("leakguard links %s", p)
		}
	}
}
