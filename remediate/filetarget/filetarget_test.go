package filetarget

import (
	"context"
	"encoding/json"
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
	"github.com/leakguard/leakguard/source"
)

func rnd() string { return "k_" + rules.RandString(40, "alnum") }

func q(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestSetJSONStringInPlace(t *testing.T) {
	old, v := rnd(), rnd()
	cases := []struct {
		name, ptr, in, want string
	}{
		{
			"replace nested, 4-space indent, order kept",
			"/env/API_KEY",
			"{\n    \"z\": 1,\n    \"env\": {\n        \"OTHER\": \"x\",\n        \"API_KEY\": " + q(old) + ",\n        \"LAST\":true\n    },\n    \"a\": [1, 2]\n}\n",
			"{\n    \"z\": 1,\n    \"env\": {\n        \"OTHER\": \"x\",\n        \"API_KEY\": " + q(v) + ",\n        \"LAST\":true\n    },\n    \"a\": [1, 2]\n}\n",
		},
		{
			"insert into a populated object",
			"/env/NEW",
			"{\n  \"env\": {\n    \"A\": \"1\",\n    \"B\": \"2\"\n  },\n  \"permissions\": {}\n}",
			"{\n  \"env\": {\n    \"A\": \"1\",\n    \"B\": \"2\",\n    \"NEW\": " + q(v) + "\n  },\n  \"permissions\": {}\n}",
		},
		{
			"insert into an empty object",
			"/env/NEW",
			"{\n  \"env\": {},\n  \"x\": null\n}\n",
			"{\n  \"env\": {\n    \"NEW\": " + q(v) + "\n  },\n  \"x\": null\n}\n",
		},
		{
			"create intermediate objects",
			"/mcpServers/tavily/env/TAVILY_KEY",
			"{\n\t\"model\": \"m\"\n}\n",
			"{\n\t\"model\": \"m\",\n\t\"mcpServers\": {\n\t\t\"tavily\": {\n\t\t\t\"env\": {\n\t\t\t\t\"TAVILY_KEY\": " + q(v) + "\n\t\t\t}\n\t\t}\n\t}\n}\n",
		},
		{
			"compact document",
			"/env/NEW",
			`{"env":{"A":"1"},"b":2}`,
			`{"env":{"A":"1","NEW":` + q(v) + `},"b":2}`,
		},
		{
			"compact empty",
			"/a/b",
			`{"x":{}}`,
			`{"x":{},"a":{"b":` + q(v) + `}}`,
		},
		{
			"CRLF",
			"/env/NEW",
			"{\r\n  \"env\": {\r\n    \"A\": \"1\"\r\n  }\r\n}\r\n",
			"{\r\n  \"env\": {\r\n    \"A\": \"1\",\r\n    \"NEW\": " + q(v) + "\r\n  }\r\n}\r\n",
		},
		{
			"null replaced, escaped key matched",
			"/API_KEY",
			"{ \"\\u0041PI_KEY\" : null }",
			"{ \"\\u0041PI_KEY\" : " + q(v) + " }",
		},
		{
			"duplicates all replaced",
			"/K",
			`{"K":"` + old + `", "K": "` + old + `"}`,
			`{"K":` + q(v) + `, "K": ` + q(v) + `}`,
		},
		{
			"array element",
			"/list/1/k",
			`{"list":[{"k":"a"},{"k":"b"}]}`,
			`{"list":[{"k":"a"},{"k":` + q(v) + `}]}`,
		},
		{
			"pointer escapes",
			"/a~1b/c~0d",
			`{"a/b":{"c~d":"x"}}`,
			`{"a/b":{"c~d":` + q(v) + `}}`,
		},
		{
			"empty document",
			"/env/K",
			"",
			"{\n  \"env\": {\n    \"K\": " + q(v) + "\n  }\n}\n",
		},
		{
			"byte order mark kept",
			"/K",
			"\xef\xbb\xbf{\"K\": \"x\"}",
			"\xef\xbb\xbf{\"K\": " + q(v) + "}",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SetJSONString([]byte(c.in), c.ptr, v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

func TestSetJSONStringSpecialValues(t *testing.T) {
	for _, v := range []string{`a"b\c`, "<&>", "line\nbreak", "ünïcode ✓", ""} {
		out, err := SetJSONString([]byte(`{"k": "x"}`), "/k", v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(out, &m); err != nil || m["k"] != v {
			t.Fatalf("%q: %s %v", v, out, err)
		}
	}
}

func TestSetJSONStringErrors(t *testing.T) {
	v := rnd()
	for _, c := range []struct{ in, ptr, want string }{
		{`{"k": 1}`, "/k", "a number"},
		{`{"k": {"a": 1}}`, "/k", "an object"},
		{`{"k": [1]}`, "/k/3", "no array element"},
		{`{"k": "s"}`, "/k/x", "inside a string"},
		{`{"k": "s",}`, "/k", "not valid JSON"},
		{`{"k": "s"}`, "k", "must start with /"},
		{`{"k": "s"}`, "", "whole document"},
		{`[1]`, "/k", "no array element"},
	} {
		_, err := SetJSONString([]byte(c.in), c.ptr, v)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: got %v, want %q", c.in, c.ptr, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), v) {
			t.Fatalf("error leaks the value: %v", err)
		}
	}
}

func FuzzSetJSONString(f *testing.F) {
	f.Add([]byte(`{"env": {"A": "1"}}`), "/env/B", "v")
	f.Add([]byte("{\n  \"a\": [1, {\"b\": null}]\n}"), "/a/1/b", "x\"y")
	f.Add([]byte(`{}`), "/x/y/z", "")
	f.Fuzz(func(t *testing.T, doc []byte, ptr, val string) {
		out, err := SetJSONString(doc, ptr, val)
		if err != nil {
			return
		}
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("invalid result %q", out)
		}
		got, err := source.Pointer(v, ptr)
		if err != nil || got != val {
			t.Fatalf("read back %v %v", got, err)
		}
	})
}

func TestSetDotenv(t *testing.T) {
	old, v := rnd(), rnd()
	in := "# API keys\n" +
		"export API_KEY=\"" + old + "\" # rotated by hand\n" +
		"  OTHER='x y'\n" +
		"\n" +
		"API_KEY_2 = " + old + "   # trailing\n" +
		"SINGLE='" + old + "'\n" +
		"NOQUOTE=" + old + "\n"
	want := "# API keys\n" +
		"export API_KEY=\"" + v + "\" # rotated by hand\n" +
		"  OTHER='x y'\n" +
		"\n" +
		"API_KEY_2 = " + v + "   # trailing\n" +
		"SINGLE='" + v + "'\n" +
		"NOQUOTE=" + v + "\n"
	out := in
	for _, n := range []string{"API_KEY", "API_KEY_2", "SINGLE", "NOQUOTE"} {
		b, err := SetDotenv([]byte(out), n, v)
		if err != nil {
			t.Fatal(err)
		}
		out = string(b)
	}
	if out != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestSetDotenvAppendAndDuplicates(t *testing.T) {
	v := rnd()
	for _, c := range []struct{ in, want string }{
		{"", "K=" + v + "\n"},
		{"A=1", "A=1\nK=" + v + "\n"},
		{"A=1\r\nB=2\r\n", "A=1\r\nB=2\r\nK=" + v + "\r\n"},
		{"K=a\nX=1\nK=b\n", "K=" + v + "\nX=1\nK=" + v + "\n"},
		{"KEY=a\nK_EXTRA=1\n", "KEY=a\nK_EXTRA=1\nK=" + v + "\n"},
		{"# K=a\n", "# K=a\nK=" + v + "\n"},
		{"M=\"multi\nline\"\nK=old\r\n", "M=\"multi\nline\"\nK=" + v + "\r\n"},
		{"K=\n", "K=" + v + "\n"},
	} {
		got, err := SetDotenv([]byte(c.in), "K", v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("in %q:\ngot  %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestSetDotenvRoundTrip(t *testing.T) {
	vals := []string{rnd(), "has space", "hash#in", "quote'single", `quote"double`, `back\slash`, "dollar$HOME", "new\nline", "tab\there"}
	for _, start := range []string{"K=x\n", "export K='x' # c\n", "K=\"x\"\n", ""} {
		for _, v := range vals {
			out, err := SetDotenv([]byte(start), "K", v)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := source.DotenvValue(out, "K")
			if !ok || got != v {
				t.Errorf("start %q value %q: wrote %q, read back %q", start, v, out, got)
			}
		}
	}
}

func TestSetDotenvRejects(t *testing.T) {
	if _, err := SetDotenv(nil, "BAD NAME", "v"); err == nil {
		t.Error("bad name accepted")
	}
	if _, err := SetDotenv(nil, "K", "a\x00b"); err == nil {
		t.Error("NUL accepted")
	}
}

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
