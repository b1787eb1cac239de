package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goreleaser/goreleaser/v2/pkg/config"
)

const (
	module    = "github.com/leakguard/leakguard"
	buildinfo = module + "/internal/buildinfo"
	// The archive name the action's installer and the README's install
	// steps build: leakguard_1.2.3_linux_amd64.tar.gz.
	archiveName = "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}"
)

// releaseErrors checks what leakguard's release promises.
func releaseErrors(p config.Project, root string) []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if p.Version != 2 {
		bad("version: %d, want 2", p.Version)
	}
	if p.ProjectName != "leakguard" {
		bad("project_name: %q, want leakguard (the archive names begin with it)", p.ProjectName)
	}
	if len(p.Builds) != 1 {
		bad("builds: %d, want one (leakguard)", len(p.Builds))
		return errs
	}
	b := p.Builds[0]
	if filepath.Clean(b.Main) != filepath.Join("cmd", "leakguard") || b.Binary != "leakguard" {
		bad("builds[0]: main %q, binary %q; want ./cmd/leakguard and leakguard", b.Main, b.Binary)
	} else if pkg, err := packageName(filepath.Join(root, "cmd", "leakguard")); err != nil || pkg != "main" {
		bad("builds[0].main: ./cmd/leakguard is not a main package (%v)", err)
	}
	if b.Builder != "" && b.Builder != "go" {
		bad("builds[0].builder: %q, want go", b.Builder)
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		bad("builds[0].env: no CGO_ENABLED=0 (the binaries are static)")
	}
	if !sameSet(b.Goos, "linux", "darwin", "windows") || !sameSet(b.Goarch, "amd64", "arm64") ||
		len(b.Targets) > 0 || len(b.Ignore) > 0 {
		bad("builds[0]: goos %v, goarch %v, targets %v, ignore %v; want linux, darwin, windows × amd64, arm64", b.Goos, b.Goarch, b.Targets, b.Ignore)
	}
	if !slices.Contains(b.Flags, "-trimpath") {
		bad("builds[0].flags: no -trimpath (reproducible builds)")
	}
	if b.ModTimestamp == "" {
		bad("builds[0].mod_timestamp: unset (reproducible builds)")
	}
	errs = append(errs, ldflagErrors(b.Ldflags, root)...)

	if len(p.Archives) != 1 {
		bad("archives: %d, want one", len(p.Archives))
	} else {
		a := p.Archives[0]
		if len(a.IDs) > 0 && !slices.Contains(a.IDs, b.ID) {
			bad("archives[0].ids: %v leaves out build %q", a.IDs, b.ID)
		}
		if a.NameTemplate != archiveName {
			bad("archives[0].name_template: %q, want %q (the name action/install.sh and the README build)", a.NameTemplate, archiveName)
		}
		if !slices.Equal(a.Formats, config.StringArray{"tar.gz"}) {
			bad("archives[0].formats: %v, want [tar.gz]", a.Formats)
		}
		zip := false
		for _, o := range a.FormatOverrides {
			if o.Goos == "windows" && slices.Equal(o.Formats, config.StringArray{"zip"}) {
				zip = true
			} else {
				bad("archives[0].format_overrides: %s → %v; want only windows → zip", o.Goos, o.Formats)
			}
		}
		if !zip {
			bad("archives[0].format_overrides: windows archives are not zip")
		}
		if a.WrapInDirectory != "" && a.WrapInDirectory != "false" {
			bad("archives[0].wrap_in_directory: %q; the installers take leakguard from the archive's top level", a.WrapInDirectory)
		}
		for _, f := range a.Files {
			if m, _ := filepath.Glob(filepath.Join(root, f.Source)); len(m) == 0 {
				bad("archives[0].files: %q matches no file", f.Source)
			}
		}
		// The installers build the same name.
		shell := strings.NewReplacer("{{ .ProjectName }}", p.ProjectName, "{{ .Version }}", "${version}", "{{ .Os }}", "${os}", "{{ .Arch }}", "${arch}").Replace(a.NameTemplate)
		for _, f := range []string{"action/install.sh", "README.md"} {
			if b, err := os.ReadFile(filepath.Join(root, f)); err != nil || !strings.Contains(string(b), shell+".tar.gz") {
				bad("%s does not download %s.tar.gz, the archive name .goreleaser.yaml makes", f, shell)
			}
		}
	}

	c := p.Checksum
	if c.Disable || c.NameTemplate != "checksums.txt" || (c.Algorithm != "" && c.Algorithm != "sha256") || c.Split {
		bad("checksum: disable %v, name_template %q, algorithm %q, split %v; want one checksums.txt of sha256 sums", c.Disable, c.NameTemplate, c.Algorithm, c.Split)
	}

	if len(p.SBOMs) != 1 {
		bad("sboms: %d, want one per binary", len(p.SBOMs))
	} else if s := p.SBOMs[0]; s.Artifacts != "binary" || s.Cmd != "cyclonedx-gomod" || len(s.Documents) == 0 || (s.Disable != "" && s.Disable != "false") {
		bad("sboms[0]: artifacts %q, cmd %q, documents %v, disable %q; want a cyclonedx-gomod SBOM per binary", s.Artifacts, s.Cmd, s.Documents, s.Disable)
	}
	if g := p.Release.GitHub; g.Owner != "leakguard" || g.Name != "leakguard" {
		bad("release.github: %s/%s, want leakguard/leakguard", g.Owner, g.Name)
	}
	return errs
}

// ldflagErrors: the -X flags set internal/buildinfo's version, commit and
// date, variables the package has; nothing else is set.
func ldflagErrors(ldflags []string, root string) []error {
	var errs []error
	vars, err := packageVars(filepath.Join(root, "internal", "buildinfo"))
	if err != nil {
		return []error{fmt.Errorf("internal/buildinfo: %w", err)}
	}
	set := map[string]bool{}
	for _, l := range ldflags {
		f := strings.Fields(l)
		for i := 0; i < len(f); i++ {
			if f[i] != "-X" {
				continue
			}
			if i+1 == len(f) {
				errs = append(errs, fmt.Errorf("builds[0].ldflags: -X without a value in %q", l))
				break
			}
			i++
			name, _, ok := strings.Cut(f[i], "=")
			pkg, v, _ := cutLast(name, ".")
			switch {
			case !ok || pkg != buildinfo:
				errs = append(errs, fmt.Errorf("builds[0].ldflags: -X %s: want a variable of %s", f[i], buildinfo))
			case !vars[v]:
				errs = append(errs, fmt.Errorf("builds[0].ldflags: -X %s: %s has no package-level string variable %s", f[i], buildinfo, v))
			default:
				set[v] = true
			}
		}
	}
	for _, v := range []string{"version", "commit", "date"} {
		if !set[v] {
			errs = append(errs, fmt.Errorf("builds[0].ldflags: no -X %s.%s (leakguard version prints it)", buildinfo, v))
		}
	}
	return errs
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// packageVars lists the package-level string variables declared without a
// value in dir's non-test Go files (what -X can set).
func packageVars(dir string) (map[string]bool, error) {
	pkgs, err := parseDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, f := range pkgs {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "string" {
					continue
				}
				for _, n := range vs.Names {
					out[n.Name] = true
				}
			}
		}
	}
	return out, nil
}

func packageName(dir string) (string, error) {
	fs, err := parseDir(dir)
	if err != nil {
		return "", err
	}
	return fs[0].Name.Name, nil
}

func parseDir(dir string) ([]*ast.File, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	var out []*ast.File
	fset := token.NewFileSet()
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no Go files in %s", dir)
	}
	return out, nil
}

func sameSet(got []string, want ...string) bool {
	g := slices.Clone(got)
	slices.Sort(g)
	slices.Sort(want)
	return slices.Equal(slices.Compact(g), want) && len(g) == len(want)
}
