// Package action tests the GitHub Action's installer (install.sh) against a
// local server standing in for GitHub's releases and API.
package action

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const (
	repo = "leakguard/leakguard"
	tag  = "v1.2.3"
	sha  = "0123456789abcdef0123456789abcdef01234567"
)

// fakeGitHub serves release assets at /leakguard/leakguard/releases/download/TAG/NAME
// and the API at /api/repos/leakguard/leakguard/... and counts requests.
type fakeGitHub struct {
	*httptest.Server
	mu     sync.Mutex
	files  map[string][]byte // path -> body
	status map[string]int    // path -> forced status
	hits   map[string]int
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	f := &fakeGitHub{files: map[string][]byte{}, status: map[string]int{}, hits: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.hits[r.URL.Path]++
		if code := f.status[r.URL.Path]; code != 0 {
			http.Error(w, http.StatusText(code), code)
			return
		}
		if r.URL.Path == "/api/repos/"+repo+"/tags" && r.URL.Query().Get("per_page") != "100" {
			http.Error(w, "want per_page=100", http.StatusBadRequest)
			return
		}
		b, ok := f.files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeGitHub) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
}

func assetPath(name string) string { return "/" + repo + "/releases/download/" + tag + "/" + name }

// stub is the "leakguard" inside the test archives.
const stub = "#!/bin/sh\necho \"leakguard v1.2.3 (stub $*)\"\n"

func tarGz(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func zipped(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(0o755)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// release publishes tag's archives (linux/amd64 tar.gz, windows/amd64
// zip) and their checksums.txt on f.
func release(t *testing.T, f *fakeGitHub) (linux []byte) {
	linux = tarGz(t, map[string]string{"leakguard": stub, "README.md": "readme\n"})
	win := zipped(t, map[string]string{"leakguard.exe": stub, "README.md": "readme\n"})
	f.files[assetPath("leakguard_1.2.3_linux_amd64.tar.gz")] = linux
	f.files[assetPath("leakguard_1.2.3_windows_amd64.zip")] = win
	f.files[assetPath("checksums.txt")] = []byte(sum(linux) + "  leakguard_1.2.3_linux_amd64.tar.gz\n" + sum(win) + "  leakguard_1.2.3_windows_amd64.zip\n")
	f.files["/api/repos/"+repo+"/releases/latest"] = []byte(`{"tag_name":"` + tag + `"}`)
	f.files["/api/repos/"+repo+"/tags"] = []byte(`[{"name":"v1.2.4-rc.1","commit":{"sha":"ffff"}},{"name":"` + tag + `","commit":{"sha":"` + sha + `"}}]`)
	return linux
}

// toolPath is a directory with only the commands install.sh may use (so
// a gh or go the machine happens to have is not found by accident), plus
// extra directories.
func toolPath(t *testing.T, extra ...string) string {
	dir := t.TempDir()
	for _, tool := range []string{"bash", "sh", "curl", "jq", "tar", "gzip", "unzip", "sha256sum", "awk", "cut", "mkdir", "rm", "mv",
		"chmod", "basename", "dirname", "cat", "ls", "sort", "env", "uname", "git"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("%s not installed", tool)
		}
		if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	return strings.Join(append(extra, dir), string(os.PathListSeparator))
}

type run struct {
	code            int
	stderr, stdout  string
	outputs         map[string]string
	githubPath, env string // what the script wrote to GITHUB_PATH and GITHUB_ENV
}

// runInstall runs install.sh with the action's environment.
func runInstall(t *testing.T, f *fakeGitHub, runnerTemp, path string, cmd string, env ...string) run {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	ghPath := filepath.Join(t.TempDir(), "path")
	ghEnv := filepath.Join(t.TempDir(), "env")
	for _, p := range []string{out, ghPath, ghEnv} {
		os.WriteFile(p, nil, 0o644)
	}
	c := exec.Command("bash", "install.sh", cmd)
	c.Env = append([]string{
		"PATH=" + path, "HOME=" + runnerTemp, "RUNNER_TEMP=" + runnerTemp, "RUNNER_OS=Linux", "RUNNER_ARCH=X64",
		"GITHUB_OUTPUT=" + out, "GITHUB_PATH=" + ghPath, "GITHUB_ENV=" + ghEnv,
		"LEAKGUARD_DOWNLOAD_URL=" + f.URL, "LEAKGUARD_API_URL=" + f.URL + "/api",
		"ACTION_REPOSITORY=" + repo, "LEAKGUARD_CACHE_DIR=" + filepath.Join(runnerTemp, "cache"),
	}, env...)
	var so, se bytes.Buffer
	c.Stdout, c.Stderr = &so, &se
	err := c.Run()
	r := run{stdout: so.String(), stderr: se.String(), outputs: map[string]string{}}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			r.outputs[k] = v
		}
	}
	p, _ := os.ReadFile(ghPath)
	e, _ := os.ReadFile(ghEnv)
	r.githubPath, r.env = string(p), string(e)
	return r
}

func TestResolve(t *testing.T) {
	f := newFakeGitHub(t)
	release(t, f)
	path := toolPath(t)
	for _, tc := range []struct {
		name string
		env  []string
		tag  string
		fail string
	}{
		{"version input", []string{"LEAKGUARD_VERSION=v2.0.0", "ACTION_REF=v1.0.0"}, "v2.0.0", ""},
		{"latest", []string{"LEAKGUARD_VERSION=latest"}, tag, ""},
		{"the action's tag", []string{"ACTION_REF=v1.2.3"}, tag, ""},
		{"a release candidate tag", []string{"ACTION_REF=v1.2.4-rc.1"}, "v1.2.4-rc.1", ""},
		{"the action pinned by commit", []string{"ACTION_REF=" + sha}, tag, ""},
		{"a commit no tag points to", []string{"ACTION_REF=" + strings.Repeat("e", 40)}, "", ""},
		{"a branch", []string{"ACTION_REF=main"}, "", ""},
		{"local (uses: ./)", []string{"ACTION_PATH=/home/runner/work/x/x"}, "", ""},
		{"ref from the action's path", []string{"ACTION_PATH=/home/runner/work/_actions/leakguard/leakguard/v1.2.3"}, tag, ""},
		{"not a version", []string{"LEAKGUARD_VERSION=main"}, "", "is not a release tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runInstall(t, f, t.TempDir(), path, "resolve", tc.env...)
			if tc.fail != "" {
				if r.code == 0 || !strings.Contains(r.stderr, tc.fail) {
					t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
				}
				return
			}
			if r.code != 0 || r.outputs["tag"] != tc.tag {
				t.Fatalf("exit %d, tag %q (want %q)\n%s", r.code, r.outputs["tag"], tc.tag, r.stderr)
			}
			if want := "leakguard-" + tc.tag + "-linux-amd64"; r.outputs["cache-key"] != want {
				t.Fatalf("cache-key %q, want %q", r.outputs["cache-key"], want)
			}
		})
	}
	// latest with no release at all fails rather than guessing.
	f.status["/api/repos/"+repo+"/releases/latest"] = http.StatusNotFound
	if r := runInstall(t, f, t.TempDir(), path, "resolve", "LEAKGUARD_VERSION=latest"); r.code == 0 {
		t.Fatal("latest without a release resolved")
	}
}

func TestInstallRelease(t *testing.T) {
	f := newFakeGitHub(t)
	release(t, f)
	path := toolPath(t)
	temp := t.TempDir()
	r := runInstall(t, f, temp, path, "install", "LEAKGUARD_TAG="+tag)
	if r.code != 0 || r.outputs["source"] != "release" || !strings.HasPrefix(r.outputs["version"], "leakguard v1.2.3 (stub version)") {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stderr)
	}
	if want := filepath.Join(temp, "leakguard-bin", "leakguard"); r.outputs["path"] != want {
		t.Fatalf("path %q, want %q", r.outputs["path"], want)
	}
	if !strings.Contains(r.stderr, "gh is not installed") {
		t.Fatalf("no note that the attestation was not checked:\n%s", r.stderr)
	}
	if r.githubPath != "" || r.env != "" {
		t.Fatalf("wrote GITHUB_PATH %q / GITHUB_ENV %q", r.githubPath, r.env)
	}
	// The second run (the cache restored) downloads nothing.
	os.RemoveAll(filepath.Join(temp, "leakguard-bin"))
	r = runInstall(t, f, temp, path, "install", "LEAKGUARD_TAG="+tag)
	if r.code != 0 || r.outputs["source"] != "cache" {
		t.Fatalf("cached: exit %d outputs %v\n%s", r.code, r.outputs, r.stderr)
	}
	if n := f.count(assetPath("leakguard_1.2.3_linux_amd64.tar.gz")); n != 1 {
		t.Fatalf("archive downloaded %d times", n)
	}
	// A cached archive that no longer matches is refused.
	cached := filepath.Join(temp, "cache", tag, "linux-amd64", "leakguard_1.2.3_linux_amd64.tar.gz")
	os.WriteFile(cached, tarGz(t, map[string]string{"leakguard": "#!/bin/sh\necho evil\n"}), 0o644)
	if r := runInstall(t, f, temp, path, "install", "LEAKGUARD_TAG="+tag); r.code == 0 || !strings.Contains(r.stderr, "checksum mismatch") {
		t.Fatalf("tampered cache: exit %d\n%s", r.code, r.stderr)
	}

	// Windows: the zip.
	r = runInstall(t, f, t.TempDir(), path, "install", "LEAKGUARD_TAG="+tag, "RUNNER_OS=Windows")
	if r.code != 0 || !strings.HasSuffix(r.outputs["path"], "leakguard.exe") || r.outputs["source"] != "release" {
		t.Fatalf("windows: exit %d outputs %v\n%s", r.code, r.outputs, r.stderr)
	}
}

func TestInstallBadChecksum(t *testing.T) {
	f := newFakeGitHub(t)
	release(t, f)
	path := toolPath(t)
	good := f.files[assetPath("leakguard_1.2.3_linux_amd64.tar.gz")]
	// The archive was swapped after the checksums were published.
	f.files[assetPath("leakguard_1.2.3_linux_amd64.tar.gz")] = tarGz(t, map[string]string{"leakguard": "#!/bin/sh\necho evil\n"})
	temp := t.TempDir()
	r := runInstall(t, f, temp, path, "install", "LEAKGUARD_TAG="+tag)
	if r.code == 0 || !strings.Contains(r.stderr, "checksum mismatch for leakguard_1.2.3_linux_amd64.tar.gz") || !strings.Contains(r.stderr, "nothing was run") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(temp, "leakguard-bin", "leakguard")); err == nil {
		t.Fatal("the tampered binary was installed")
	}
	if m, _ := filepath.Glob(filepath.Join(temp, "cache", tag, "linux-amd64", "*")); len(m) != 0 {
		t.Fatalf("the tampered archive was cached: %v", m)
	}
	// An archive checksums.txt does not list is refused too.
	f.files[assetPath("leakguard_1.2.3_linux_amd64.tar.gz")] = good
	f.files[assetPath("checksums.txt")] = []byte(sum(good) + "  leakguard_1.2.3_darwin_arm64.tar.gz\n")
	if r := runInstall(t, f, t.TempDir(), path, "install", "LEAKGUARD_TAG="+tag); r.code == 0 || !strings.Contains(r.stderr, "is not listed") {
		t.Fatalf("unlisted: exit %d\n%s", r.code, r.stderr)
	}
	// A server error is an error, not a reason to build something else.
	f.status[assetPath("checksums.txt")] = http.StatusBadGateway
	if r := runInstall(t, f, t.TempDir(), path, "install", "LEAKGUARD_TAG="+tag); r.code == 0 || !strings.Contains(r.stderr, "cannot download") {
		t.Fatalf("502: exit %d\n%s", r.code, r.stderr)
	}
}

func TestInstallAttestation(t *testing.T) {
	f := newFakeGitHub(t)
	release(t, f)
	bin := t.TempDir()
	log := filepath.Join(bin, "gh.log")
	gh := fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %s\nexit ${FAKE_GH_EXIT:-0}\n", log)
	os.WriteFile(filepath.Join(bin, "gh"), []byte(gh), 0o755)
	path := toolPath(t, bin)

	temp := t.TempDir()
	r := runInstall(t, f, temp, path, "install", "LEAKGUARD_TAG="+tag)
	if r.code != 0 || !strings.Contains(r.stderr, "attestation of leakguard_1.2.3_linux_amd64.tar.gz verified") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	b, _ := os.ReadFile(log)
	if want := "attestation verify " + filepath.Join(temp, "cache", tag, "linux-amd64", "leakguard_1.2.3_linux_amd64.tar.gz.part") +
		" --repo leakguard/leakguard --signer-workflow leakguard/leakguard/.github/workflows/release.yml\n"; string(b) != want {
		t.Fatalf("gh called with %q, want %q", b, want)
	}
	r = runInstall(t, f, t.TempDir(), path, "install", "LEAKGUARD_TAG="+tag, "FAKE_GH_EXIT=1")
	if r.code == 0 || !strings.Contains(r.stderr, "does not verify") {
		t.Fatalf("failed attestation: exit %d\n%s", r.code, r.stderr)
	}
	r = runInstall(t, f, t.TempDir(), path, "install", "LEAKGUARD_TAG="+tag, "FAKE_GH_EXIT=1", "LEAKGUARD_VERIFY_ATTESTATION=false")
	if r.code != 0 {
		t.Fatalf("verify-attestation false: exit %d\n%s", r.code, r.stderr)
	}
	// Required, and no gh: fail.
	r = runInstall(t, f, t.TempDir(), toolPath(t), "install", "LEAKGUARD_TAG="+tag, "LEAKGUARD_VERIFY_ATTESTATION=true")
	if r.code == 0 || !strings.Contains(r.stderr, "gh) is not installed") {
		t.Fatalf("required without gh: exit %d\n%s", r.code, r.stderr)
	}
}

// With no release for the tag, the action builds its own source with a
// Go of its own choosing and leaves nothing on the job's PATH.
func TestInstallMissingReleaseBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds leakguard")
	}
	goExe, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not installed")
	}
	cache := func(name string) string {
		out, err := exec.Command(goExe, "env", name).Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	f := newFakeGitHub(t) // no release at all
	src, _ := filepath.Abs("..")
	temp := t.TempDir()
	// The machine's PATH: cgo needs its C compiler.
	path := filepath.Dir(goExe) + string(os.PathListSeparator) + os.Getenv("PATH")
	r := runInstall(t, f, temp, path, "install", "LEAKGUARD_TAG=v9.9.9", "ACTION_REF=v9.9.9", "ACTION_PATH="+src,
		// The machine's caches and cgo setting, so this build reuses what
		// CI's earlier builds compiled.
		"LEAKGUARD_GOCACHE="+cache("GOCACHE"), "LEAKGUARD_GOMODCACHE="+cache("GOMODCACHE"), "CGO_ENABLED="+cache("CGO_ENABLED"))
	if r.code != 0 || r.outputs["source"] != "build" || !strings.Contains(r.stderr, "no release v9.9.9") {
		t.Fatalf("exit %d outputs %v\n%s", r.code, r.outputs, r.stderr)
	}
	if !strings.HasPrefix(r.outputs["version"], "leakguard v9.9.9 (") {
		t.Fatalf("version %q", r.outputs["version"])
	}
	if r.githubPath != "" || r.env != "" {
		t.Fatalf("wrote GITHUB_PATH %q / GITHUB_ENV %q", r.githubPath, r.env)
	}
	if _, err := os.Stat(filepath.Join(temp, "leakguard-build")); !os.IsNotExist(err) {
		t.Fatalf("the private build directory was left behind: %v", err)
	}
	// The binary works: it scans.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ok.txt"), []byte("nothing here\n"), 0o644)
	if out, err := exec.Command(r.outputs["path"], "scan", dir).CombinedOutput(); err != nil {
		t.Fatalf("scan: %v\n%s", err, out)
	}
}
