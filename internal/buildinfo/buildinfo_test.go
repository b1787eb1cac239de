package buildinfo

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	vcs := func(rev, tm, mod string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: tm}, {Key: "vcs.modified", Value: mod}}
	}
	const rev = "a2287e2c16f3007abf398fa4dbd2987cc9d46beb"
	for _, tc := range []struct {
		name              string
		ldv, ldc, ldd     string
		bi                *debug.BuildInfo
		want, wantVersion string
	}{
		{name: "no build info", want: "dev", wantVersion: "dev"},
		{name: "go run, no vcs", bi: &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}},
			want: "dev (go1.26.0)", wantVersion: "dev"},
		{name: "go build in a checkout",
			bi:          &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.0.0-20261129213025-a2287e2c16f3+dirty"}, Settings: vcs(rev, "2026-11-29T21:30:25Z", "true")},
			want:        "v0.0.0-20261129213025-a2287e2c16f3+dirty (commit a2287e2c16f3, modified, 2026-11-29T21:30:25Z, go1.26.0)",
			wantVersion: "v0.0.0-20261129213025-a2287e2c16f3+dirty"},
		{name: "devel with vcs is never a bare dev",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "2026-11-29T21:30:25Z", "false")},
			want: "dev-a2287e2c16f3 (commit a2287e2c16f3, 2026-11-29T21:30:25Z, go1.26.0)", wantVersion: "dev-a2287e2c16f3"},
		{name: "go install module@version",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"}},
			want: "v1.2.3 (go1.26.0)", wantVersion: "v1.2.3"},
		{name: "release: the linker wins", ldv: "v1.2.3", ldc: rev, ldd: "2026-12-01T10:00:00Z",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.0.0-x"}, Settings: vcs("ffff", "2020-01-01T00:00:00Z", "true")},
			want: "v1.2.3 (commit a2287e2c16f3, 2026-12-01T10:00:00Z, go1.26.0)", wantVersion: "v1.2.3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := resolve(tc.ldv, tc.ldc, tc.ldd, tc.bi)
			if got := in.String(); got != tc.want {
				t.Errorf("String() = %q\nwant       %q", got, tc.want)
			}
			if in.Version != tc.wantVersion {
				t.Errorf("Version = %q, want %q", in.Version, tc.wantVersion)
			}
		})
	}
}

// TestBuilt builds a program that prints Get() the ways leakguard is
// built: in a git checkout (go build stamps the commit), modified, and
// with the linker flags a release uses.
func TestBuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	for _, tool := range []string{"go", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " not installed")
		}
	}
	src, err := os.ReadFile("buildinfo.go")
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	write := func(name, s string) {
		t.Helper()
		p := filepath.Join(mod, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/bi\n\ngo 1.26\n")
	write("buildinfo/buildinfo.go", string(src))
	write("main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/bi/buildinfo\"\n)\n\nfunc main() { fmt.Println(buildinfo.Get()) }\n")
	env := append(os.Environ(), "GOFLAGS=-buildvcs=true", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com",
		"GIT_COMMITTER_DATE=2026-03-04T05:06:07Z", "GIT_AUTHOR_DATE=2026-03-04T05:06:07Z")
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = mod, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("git", "-c", "init.defaultBranch=main", "init", "-q")
	run("git", "add", ".")
	run("git", "commit", "-q", "-m", "c")
	head := run("git", "rev-parse", "HEAD")
	exe := filepath.Join(t.TempDir(), "bi")

	run("go", "build", "-o", exe, ".")
	got := run(exe)
	if want := "(commit " + head[:12] + ", 2026-03-04T05:06:07Z, go"; !strings.Contains(got, want) || strings.Contains(got, "modified") || strings.HasPrefix(got, "dev ") {
		t.Errorf("clean checkout: %q, want it to contain %q", got, want)
	}

	write("main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/bi/buildinfo\"\n)\n\nfunc main() { fmt.Println(buildinfo.Get()) } // changed\n")
	run("go", "build", "-o", exe, ".")
	if got := run(exe); !strings.Contains(got, "commit "+head[:12]+", modified") {
		t.Errorf("modified checkout: %q", got)
	}

	pkg := "example.com/bi/buildinfo"
	run("go", "build", "-o", exe, "-ldflags", "-X "+pkg+".version=v9.8.7 -X "+pkg+".commit=0123456789abcdef -X "+pkg+".date=2026-12-01T10:00:00Z", ".")
	if got, want := run(exe), "v9.8.7 (commit 0123456789ab, 2026-12-01T10:00:00Z, go"; !strings.HasPrefix(got, want) {
		t.Errorf("release build: %q, want prefix %q", got, want)
	}
}
