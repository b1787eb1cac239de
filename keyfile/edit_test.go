package keyfile

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/rules"
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
		got, err := Pointer(v, ptr)
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
			got, ok := DotenvValue(out, "K")
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
