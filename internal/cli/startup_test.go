package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/verify"
)

// startupWork is what one fresh process did before and while it ran a
// command: the rules it made and compiled, whether it built the verifier
// registry, and the bytes each leakguard package's initialisation
// allocated (from GODEBUG=inittrace=1).
type startupWork struct {
	Made, Compiled int64
	Verifiers      bool
	Code           int
	InitBytes      map[string]int64 `json:"-"`
}

// runFresh runs leakguard with args in a new process (this test binary,
// re-executed into TestStartupChild), so that nothing an earlier test
// loaded hides what the command itself loads.
func runFresh(t *testing.T, mode string, args ...string) startupWork {
	t.Helper()
	report := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestStartupChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LEAKGUARD_STARTUP_CHILD="+report, "LEAKGUARD_STARTUP_MODE="+mode,
		"LEAKGUARD_STARTUP_ARGS="+strings.Join(args, "\n"), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil {
		t.Fatalf("%v: %v\n%s%s", args, err, out, stderr.String())
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("%v: no report: %v\n%s", args, err, stderr.String())
	}
	var w startupWork
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	// init github.com/leakguard/leakguard/verify @57 ms, 5.5 ms clock, 1155456 bytes, 9880 allocs
	w.InitBytes = map[string]int64{}
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 10 && f[0] == "init" && f[8] == "bytes," && strings.HasPrefix(f[1], "github.com/leakguard/leakguard/") {
			n, err := strconv.ParseInt(f[7], 10, 64)
			if err != nil {
				t.Fatalf("inittrace line %q: %v", sc.Text(), err)
			}
			w.InitBytes[f[1]] += n
		}
	}
	if len(w.InitBytes) == 0 {
		t.Fatalf("%v: no inittrace lines for leakguard packages:\n%s", args, stderr.String())
	}
	return w
}

// TestStartupChild is the re-executed process of runFresh; it does nothing
// in a normal test run.
func TestStartupChild(t *testing.T) {
	report := os.Getenv("LEAKGUARD_STARTUP_CHILD")
	if report == "" {
		t.Skip("the child of runFresh")
	}
	var w startupWork
	switch mode := os.Getenv("LEAKGUARD_STARTUP_MODE"); mode {
	case "run":
		args := strings.Split(os.Getenv("LEAKGUARD_STARTUP_ARGS"), "\n")
		w.Code = Run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard)
	case "providers":
		w.Code = len(verify.Providers())
	default:
		t.Fatalf("unknown mode %q", mode)
	}
	w.Made, w.Compiled = rules.Work()
	w.Verifiers = verify.Loaded()
	b, _ := json.Marshal(w)
	if err := os.WriteFile(report, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestStartupLoadsNothing: a command that scans nothing (version, help)
// makes no rule, compiles no regex and builds no verifier, and no
// leakguard package's initialisation allocates more than a small table
// (compiling 60 verifier formats at init allocated 1.1 MB and took half of
// 'leakguard version'). Hooks start a process per commit: start-up is
// their floor.
func TestStartupLoadsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	// scanner's word tables are the largest left (26 KB); the compiled
	// regexes that took scanner to 68 KB and internal/cli to 50 KB are
	// built on first use now (TestNoRegexpCompiledAtInit).
	const initBudget = 32 << 10
	for _, args := range [][]string{{"version"}, {"--version"}, {"--help"}, {"scan", "--help"}, {"help", "hooks"}} {
		w := runFresh(t, "run", args...)
		if w.Code != ExitClean || w.Made != 0 || w.Compiled != 0 || w.Verifiers {
			t.Errorf("%v: exit %d, made %d rules, compiled %d, verifier registry built %v; want exit 0 and nothing loaded",
				args, w.Code, w.Made, w.Compiled, w.Verifiers)
		}
		for pkg, n := range w.InitBytes {
			if n > initBudget {
				t.Errorf("%v: initialising %s allocates %d bytes (budget %d): build its tables on first use (sync.OnceValue)",
					args, pkg, n, initBudget)
			}
		}
	}

	// The counters count: a scan makes and compiles rules, listing the
	// providers builds the registry.
	dir := t.TempDir()
	writeT(t, dir, "app.env", "ANTHROPIC_API_KEY="+testKey()+"\n")
	if w := runFresh(t, "run", "scan", dir); w.Code != ExitFindings || w.Made < 100 || w.Compiled == 0 {
		t.Errorf("scan of a key: exit %d, made %d rules, compiled %d; want exit 1 and rules made and compiled", w.Code, w.Made, w.Compiled)
	}
	if w := runFresh(t, "providers"); !w.Verifiers || w.Code == 0 {
		t.Errorf("listing %d providers left the registry unbuilt", w.Code)
	}
}

// TestNoRegexpCompiledAtInit: no package of the module compiles a regular
// expression while it initialises (a package-level var, an init func, a
// function literal called at init). Every process pays for package
// initialisation, 'leakguard version' and the pre-commit hook included,
// whether it uses the expression or not: compile it on first use
// (sync.OnceValue). The rules' own expressions are compiled lazily per
// rule (TestStartupLoadsNothing).
func TestNoRegexpCompiledAtInit(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			// The test kits are never linked into leakguard (layers_test).
			if path != root && (name == "testdata" || name == "vendor" || name == "testkit" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		for _, at := range initCompiles(f) {
			rel, _ := filepath.Rel(root, fset.Position(at).Filename)
			found = append(found, fmt.Sprintf("%s:%d", rel, fset.Position(at).Line))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range found {
		t.Errorf("%s: a regular expression is compiled at package initialisation: compile it on first use (sync.OnceValue)", at)
	}
}

// initCompiles are the positions of the regexp.Compile-family calls in f
// that run when its package initialises.
func initCompiles(f *ast.File) []token.Pos {
	re := ""
	for _, im := range f.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == "regexp" {
			re = "regexp"
			if im.Name != nil {
				re = im.Name.Name
			}
		}
	}
	if re == "" {
		return nil
	}
	var at []token.Pos
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false // runs when called, not at init
			case *ast.CallExpr:
				if fl, ok := n.Fun.(*ast.FuncLit); ok { // func() { ... }() runs now
					walk(fl.Body)
					for _, a := range n.Args {
						walk(a)
					}
					return false
				}
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == re && strings.Contains(sel.Sel.Name, "Compile") {
						at = append(at, n.Pos())
					}
				}
			}
			return true
		})
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok == token.VAR {
				for _, s := range d.Specs {
					for _, v := range s.(*ast.ValueSpec).Values {
						walk(v)
					}
				}
			}
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name == "init" {
				walk(d.Body)
			}
		}
	}
	return at
}
