// The layers of leakguard, checked on every test run: the arrows between
// packages run one way, from the command layer down to the core. A new
// import that breaks a rule fails this test with the chain that reaches
// the forbidden package.
package leakguard_test

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// layer is a rule: packages matching from (a path relative to the module,
// "x/..." for x and the packages below it) may reach (directly or through
// other packages) only those in only, when set, and never those in
// never.
type layer struct {
	from  string
	only  []string
	never []string
	why   string
}

var layers = []layer{
	{from: "rules", only: []string{}, why: "rule definitions are the bottom layer"},
	{from: "secret", only: []string{}, why: "the secret type and its hashes are the bottom layer"},
	{from: "config", only: []string{"rules", "secret"}, why: "config is a leaf: the command layer turns it into objects"},
	{from: "internal/gitdir", only: []string{}, why: "finding a repository needs nothing else"},
	{from: "internal/markdown", only: []string{}, why: "every report escapes Markdown the same way, from the bottom layer"},
	{from: "internal/tty", only: []string{}, why: "whether a stream is a terminal needs nothing else"},
	{from: "internal/gcpause", only: []string{}, why: "pausing the collector at start-up needs nothing else"},
	{from: "internal/atomicfile", only: []string{"internal/hint"}, why: "writing a file atomically needs nothing else"},
	{from: "keyfile", only: []string{"secret", "internal/atomicfile", "internal/hint"}, why: "key files are read and written knowing only secrets, through the one file writer"},
	{from: "scanner/...", never: []string{"config", "remediate/...", "hooks", "gitscan/...", "audit/...", "internal/cli", "verify/...", "keyfile"},
		why: "the engine knows rules and secrets, not where findings go"},
	{from: "gitscan/...", never: []string{"config", "remediate/...", "hooks", "audit/...", "internal/cli", "verify/..."},
		why: "git sources feed the scanner and know nothing of what follows"},
	{from: "remediate/...", never: []string{"config", "internal/cli", "audit/...", "hooks", "gitscan/..."},
		why: "adapters depend on the remediation core, which takes small configs from the command layer"},
	{from: "hooks", never: []string{"scanner/...", "gitscan/...", "remediate/...", "audit/...", "internal/cli"},
		why: "installing hooks needs only where the repository is"},
	{from: "verify/...", never: []string{"config", "internal/cli", "remediate/...", "gitscan/...", "audit/...", "hooks"},
		why: "verifiers take small configs; the command layer wires them"},
	{from: "accept", never: []string{"config", "remediate/...", "hooks", "gitscan/...", "audit/...", "internal/cli", "verify/..."},
		why: "accepting a finding knows findings and the ignore file, not where they were found"},
	{from: "audit/...", never: []string{"internal/cli"}, why: "nothing imports the command layer"},
}

// pkg is what go list says of one package of the module.
type pkg struct {
	ImportPath string
	Imports    []string
	Module     *struct{ Path string }
}

func match(pattern, rel string) bool {
	if p, ok := strings.CutSuffix(pattern, "/..."); ok {
		return rel == p || strings.HasPrefix(rel, p+"/")
	}
	return rel == pattern
}

func matchAny(patterns []string, rel string) bool {
	for _, p := range patterns {
		if match(p, rel) {
			return true
		}
	}
	return false
}

// modulePackages lists the module's packages with their imports, relative
// to the module path, through go list -deps.
func modulePackages(t *testing.T) map[string][]string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the layering test needs the go command: %v", err)
	}
	mod, err := exec.Command(goBin, "list", "-m").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	modPath := strings.TrimSpace(string(mod))
	var stderr bytes.Buffer
	cmd := exec.Command(goBin, "list", "-deps", "-json=ImportPath,Imports,Module", "./...")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, stderr.String())
	}
	rel := func(p string) (string, bool) {
		if p == modPath {
			return ".", true
		}
		r, ok := strings.CutPrefix(p, modPath+"/")
		return r, ok
	}
	pkgs := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.Module == nil || p.Module.Path != modPath {
			continue
		}
		r, _ := rel(p.ImportPath)
		var imps []string
		for _, imp := range p.Imports {
			if ri, ok := rel(imp); ok {
				imps = append(imps, ri)
			}
		}
		pkgs[r] = imps
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages of %s: is the test running at the module root?", len(pkgs), modPath)
	}
	return pkgs
}

// chain returns the import chain from a to b, or nil when a does not
// reach b.
func chain(pkgs map[string][]string, a string, ok func(string) bool) []string {
	prev := map[string]string{a: ""}
	queue := []string{a}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, imp := range pkgs[p] {
			if _, seen := prev[imp]; seen {
				continue
			}
			prev[imp] = p
			if ok(imp) {
				var c []string
				for x := imp; x != ""; x = prev[x] {
					c = append([]string{x}, c...)
				}
				return c
			}
			queue = append(queue, imp)
		}
	}
	return nil
}

// violations checks every rule against the packages.
func violations(pkgs map[string][]string) []string {
	var names []string
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	var out []string
	for _, l := range layers {
		for _, p := range names {
			if !match(l.from, p) {
				continue
			}
			forbidden := func(dep string) bool {
				if match(l.from, dep) {
					return false // within the layer
				}
				if l.only != nil && !matchAny(l.only, dep) {
					return true
				}
				return matchAny(l.never, dep)
			}
			if c := chain(pkgs, p, forbidden); c != nil {
				out = append(out, p+" must not import "+c[len(c)-1]+" ("+l.why+"): "+strings.Join(c, " → "))
			}
		}
	}
	// Nothing but main imports the command layer.
	for _, p := range names {
		if p == "cmd/leakguard" || match("internal/cli", p) {
			continue
		}
		for _, imp := range pkgs[p] {
			if match("internal/cli", imp) {
				out = append(out, p+" must not import internal/cli (only cmd/leakguard does)")
			}
		}
	}
	// Test kits (fakes, repository builders) are for tests only: no
	// package of the module imports one (go list -deps leaves test
	// imports out, so a test may).
	for _, p := range names {
		if match("internal/testkit/...", p) {
			continue
		}
		for _, imp := range pkgs[p] {
			if match("internal/testkit/...", imp) {
				out = append(out, p+" must not import "+imp+" (test kits are for tests only)")
			}
		}
	}
	return out
}

func TestLayers(t *testing.T) {
	pkgs := modulePackages(t)
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// TestLayersCatch makes sure the rules can fail: a made-up import graph
// that breaks each kind of rule is caught.
func TestLayersCatch(t *testing.T) {
	bad := map[string][]string{
		"rules":         {"secret"},
		"secret":        {},
		"config":        {"rules", "scanner"},
		"scanner":       {"rules", "scanner/inner"},
		"scanner/inner": {"gitscan"},
		"gitscan":       {"scanner"},
		"remediate/x":   {"remediate", "config"},
		"remediate":     {"scanner"},
		"hooks":         {"gitscan"},
		"audit":         {"internal/cli"},
		"internal/cli":  {"config", "internal/testkit/fakeapi"},
	}
	got := strings.Join(violations(bad), "\n")
	for _, want := range []string{
		"rules must not import secret",
		"config must not import scanner",
		"scanner must not import gitscan (the engine knows rules and secrets, not where findings go): scanner → scanner/inner → gitscan",
		"remediate/x must not import config",
		"hooks must not import gitscan",
		"audit must not import internal/cli",
		"internal/cli must not import internal/testkit/fakeapi (test kits are for tests only)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("violations lack %q; got:\n%s", want, got)
		}
	}
}
