package filetarget

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

func rnd() string { return "k_" + rules.RandString(40, "alnum") }

func noTemps(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".leakguard-") {
			t.Fatalf("temporary file left: %s", e.Name())
		}
	}
}

func TestDotenvTarget(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".env")
	old, v := rnd(), rnd()
	orig := "# keep me\nexport TAVILY_KEY='" + old + "' # note\nOTHER=1\n"
	if err := os.WriteFile(p, []byte(orig), 0o640); err != nil {
		t.Fatal(err)
	}
	tg, err := New(Config{Name: "env", Kind: Dotenv, Path: p, KeyName: "TAVILY_KEY"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sv := secret.New(v)
	if err := tg.Verify(ctx, "TAVILY_API_KEY", sv); !errors.Is(err, remediate.ErrMismatch) {
		t.Fatalf("before: %v", err)
	} else if strings.Contains(err.Error(), v) || strings.Contains(err.Error(), old) {
		t.Fatalf("error leaks a value: %v", err)
	}
	if err := tg.Put(ctx, "TAVILY_API_KEY", sv); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if want := strings.Replace(orig, old, v, 1); string(b) != want {
		t.Fatalf("got %q want %q", b, want)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v", fi.Mode())
	}
	noTemps(t, dir)
	if err := tg.Verify(ctx, "TAVILY_API_KEY", sv); err != nil {
		t.Fatal(err)
	}
	// A missing key in an existing file, and a missing file.
	if err := tg.Verify(ctx, "X", sv); err != nil {
		t.Fatal("name override must apply to every key")
	}
	tg2, _ := New(Config{Kind: Dotenv, Path: p})
	if err := tg2.Verify(ctx, "NOPE", sv); !errors.Is(err, remediate.ErrMissing) {
		t.Fatalf("missing key: %v", err)
	}
	tg3, _ := New(Config{Kind: Dotenv, Path: filepath.Join(dir, "sub", "new.env")})
	if err := tg3.Verify(ctx, "K", sv); !errors.Is(err, remediate.ErrMissing) {
		t.Fatalf("missing file: %v", err)
	}
	if err := tg3.Put(ctx, "K", sv); err != nil {
		t.Fatal(err)
	}
	fi, _ = os.Stat(filepath.Join(dir, "sub", "new.env"))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("new file mode %v", fi.Mode())
	}
	noTemps(t, filepath.Join(dir, "sub"))
}

func TestJSONTarget(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".claude", "settings.local.json")
	os.MkdirAll(filepath.Dir(p), 0o755)
	old, v := rnd(), rnd()
	orig := "{\n  \"permissions\": {\n    \"allow\": [\"Bash(ls:*)\"]\n  },\n  \"env\": {\n    \"TAVILY_API_KEY\": \"" + old + "\",\n    \"DEBUG\": \"1\"\n  }\n}\n"
	os.WriteFile(p, []byte(orig), 0o644)
	tg, err := New(Config{Name: "claude", Kind: JSON, Path: p, Pointer: "/env/{key}"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sv := secret.New(v)
	if err := tg.Put(ctx, "TAVILY_API_KEY", sv); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if want := strings.Replace(orig, old, v, 1); string(b) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b, want)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v", fi.Mode())
	}
	noTemps(t, filepath.Dir(p))
	if err := tg.Verify(ctx, "TAVILY_API_KEY", sv); err != nil {
		t.Fatal(err)
	}
	if err := tg.Verify(ctx, "TAVILY_API_KEY", secret.New(old)); !errors.Is(err, remediate.ErrMismatch) {
		t.Fatalf("mismatch: %v", err)
	}
	if err := tg.Verify(ctx, "YOUTUBE_API_KEY", sv); !errors.Is(err, remediate.ErrMissing) {
		t.Fatalf("missing: %v", err)
	}
	// A second key is inserted next to the first.
	if err := tg.Put(ctx, "YOUTUBE_API_KEY", sv); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(p)
	if !strings.Contains(string(b), "\"DEBUG\": \"1\",\n    \"YOUTUBE_API_KEY\": ") {
		t.Fatalf("insert: %s", b)
	}
	// A non-string member is a mismatch, not a silent overwrite.
	tgp, _ := New(Config{Kind: JSON, Path: p, Pointer: "/permissions"})
	if err := tgp.Verify(ctx, "X", sv); !errors.Is(err, remediate.ErrMismatch) {
		t.Fatalf("non-string: %v", err)
	}
	if err := tgp.Put(ctx, "X", sv); err == nil || strings.Contains(err.Error(), v) {
		t.Fatalf("put over object: %v", err)
	}
}

func TestSymlinkFollowed(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.env")
	os.WriteFile(real, []byte("K=a\n"), 0o600)
	link := filepath.Join(dir, "link.env")
	if err := os.Symlink(real, link); err != nil {
		t.Skip(err)
	}
	tg, _ := New(Config{Kind: Dotenv, Path: link})
	v := rnd()
	if err := tg.Put(context.Background(), "K", secret.New(v)); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("symlink replaced by a file")
	}
	if b, _ := os.ReadFile(real); string(b) != "K="+v+"\n" {
		t.Fatalf("real file %q", b)
	}
}

func TestConcurrentPutsSameFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "settings.json")
	tg, _ := New(Config{Kind: JSON, Path: p, Pointer: "/env/{key}"})
	vals := map[string]string{}
	for i := 0; i < 8; i++ {
		vals[fmt.Sprintf("KEY_%d", i)] = rnd()
	}
	var wg sync.WaitGroup
	for k, v := range vals {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := tg.Put(context.Background(), k, secret.New(v)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for k, v := range vals {
		if err := tg.Verify(context.Background(), k, secret.New(v)); err != nil {
			t.Error(err)
		}
	}
	noTemps(t, dir)
}

func TestNewValidates(t *testing.T) {
	for _, c := range []Config{
		{Kind: "yaml", Path: "x"},
		{Kind: Dotenv},
		{Kind: JSON, Path: "x", Pointer: "env"},
		{Kind: Dotenv, Path: "x", KeyName: "not valid"},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// A relative path is relative to Root when it is set; an absolute path
// and one under ~/ are not.
func TestRootAnchorsRelativePath(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no home directory:", err)
	}
	root := t.TempDir()
	for _, c := range []struct{ root, path, want string }{
		{root, ".env.local", filepath.Join(root, ".env.local")},
		{root, "config/app.env", filepath.Join(root, "config", "app.env")},
		{root, "/etc/app.env", "/etc/app.env"},
		{root, "~/app.env", filepath.Join(home, "app.env")},
		{"", ".env.local", ".env.local"},
	} {
		tg, err := New(Config{Kind: Dotenv, Path: c.path, Root: c.root})
		if err != nil {
			t.Fatal(err)
		}
		if tg.Path() != c.want {
			t.Errorf("root %q, path %q: %q, want %q", c.root, c.path, tg.Path(), c.want)
		}
	}
}
