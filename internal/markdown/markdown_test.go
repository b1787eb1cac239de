package markdown

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"a | b", `a \| b`},
		{"x`rm -rf`y", "x\\`rm -rf\\`y"},
		{"<img src=x onerror=alert(1)>", `\<img src=x onerror=alert(1)\>`},
		{"&lt;b&gt;", `\&lt;b\&gt;`},
		{"line one\nline two\r\n\tthree", "line one line two three"},
		{"ping @octocat and @org/team", "ping @\u200boctocat and @\u200borg/team"},
		{"[click](https://evil.example)", `\[click\](https://evil.example)`},
		{"![img](x)", `\!\[img\](x)`},
		{"- item", `\- item`},
		{"12) item", `12\) item`},
		{"1. item", `1\. item`},
		{"3.5 apples", `3.5 apples`},
		{"# heading", `\# heading`},
		{"**bold** _it_ ~~s~~", `\*\*bold\*\* \_it\_ \~\~s\~\~`},
		{`back\slash`, `back\\slash`},
		{"bell\x07here", "bellhere"},
		{"ünïcødé — ok", "ünïcødé — ok"},
	}
	for _, c := range cases {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Escaped text never leaves its line or its cell, whatever it holds.
func TestTextStaysInItsCell(t *testing.T) {
	for _, in := range []string{"a|b", "a\n| x | y |\n", "`|`", "\\|", "\\\\|"} {
		got := Text(in)
		if strings.ContainsAny(got, "\n\r") {
			t.Errorf("Text(%q) = %q spans lines", in, got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] == '\\' {
				i++ // escaped character
				continue
			}
			if got[i] == '|' || got[i] == '`' || got[i] == '<' {
				t.Errorf("Text(%q) = %q has an unescaped %q", in, got, got[i])
			}
		}
	}
}

func TestCode(t *testing.T) {
	cases := []struct{ in, want string }{
		{"LG-1234", "`LG-1234`"},
		{"a|b", "`a\\|b`"},
		{"x`y", "`x'y`"},
		{"``", "`''`"},
		{"two\nlines", "`two lines`"},
		{"@octocat <b>", "`@octocat <b>`"},
		{"  ", ""},
	}
	for _, c := range cases {
		if got := Code(c.in); got != c.want {
			t.Errorf("Code(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLink(t *testing.T) {
	got := Link("a](evil) [b", "https://github.com/o/r/blob/c/x y(1).go#L2")
	want := `[a\](evil) \[b](https://github.com/o/r/blob/c/x%20y%281%29.go#L2)`
	if got != want {
		t.Errorf("Link = %q, want %q", got, want)
	}
}

func TestBlobURL(t *testing.T) {
	for _, c := range []struct {
		server, file string
		start, end   int
		want         string
	}{
		{"", "a/b c.go", 3, 3, "https://github.com/o/r/blob/abc/a/b%20c.go#L3"},
		{"https://ghe.example/", "x#y.txt", 2, 5, "https://ghe.example/o/r/blob/abc/x%23y.txt#L2-L5"},
		{"", "f", 0, 0, "https://github.com/o/r/blob/abc/f"},
	} {
		if got := BlobURL(c.server, "o/r", "abc", c.file, c.start, c.end); got != c.want {
			t.Errorf("BlobURL(%q, %q) = %q, want %q", c.server, c.file, got, c.want)
		}
	}
}
