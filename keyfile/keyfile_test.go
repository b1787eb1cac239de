package keyfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, kind, ref, err string }{
		{"env:TAVILY_API_KEY", "env", "TAVILY_API_KEY", ""},
		{"file:/x/settings.json#/env/ANTHROPIC_API_KEY", "file", "/env/ANTHROPIC_API_KEY", ""},
		{"dotenv:.env#OPENCODE_API_KEY", "dotenv", "OPENCODE_API_KEY", ""},
		{"file:/x.json#env/A", "", "", "starts with /"},
		{"file:/x.json", "", "", "want file:PATH#/json/pointer"},
		{"vault:secret/x", "", "", "unknown kind"},
		{"nonsense", "", "", "want file:PATH"},
		{"env:", "", "", "missing variable name"},
	} {
		s, err := Parse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) = %v, want error with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || s.Kind != tc.kind || s.Ref != tc.ref {
			t.Errorf("Parse(%q) = %+v, %v", tc.in, s, err)
		}
	}
	home, _ := os.UserHomeDir()
	if s, _ := Parse("file:~/.claude/.claude.json#/a"); s.Path != filepath.Join(home, ".claude/.claude.json") {
		t.Errorf("~ not expanded: %s", s.Path)
	}
}

func TestReadSources(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "c.json")
	os.WriteFile(js, []byte(`{"mcpServers": {"tavily": {"env": {"TAVILY_API_KEY": "v1", "a/b": "v2", "n": 3}}}, "list": ["x", "y"]}`), 0o600)
	env := filepath.Join(dir, ".env")
	os.WriteFile(env, []byte("# c\nexport A=plain # comment\nB=\"quoted \\\"x\\\"\"\nC='single'\nA=last\n"), 0o600)
	t.Setenv("LG_TEST_SRC", "from-env")
	for _, tc := range []struct{ src, want string }{
		{"file:" + js + "#/mcpServers/tavily/env/TAVILY_API_KEY", "v1"},
		{"file:" + js + "#/mcpServers/tavily/env/a~1b", "v2"},
		{"file:" + js + "#/list/1", "y"},
		{"dotenv:" + env + "#A", "last"},
		{"dotenv:" + env + "#B", `quoted "x"`},
		{"dotenv:" + env + "#C", "single"},
		{"env:LG_TEST_SRC", "from-env"},
	} {
		s, err := Parse(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		v, err := Read(s)
		if err != nil || v.Reveal() != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.src, v.Reveal(), err, tc.want)
		}
	}
	for _, src := range []string{
		"file:" + js + "#/mcpServers/nope",
		"file:" + js + "#/mcpServers/tavily/env/n",
		"dotenv:" + env + "#MISSING",
		"env:LG_TEST_SRC_UNSET",
	} {
		s, _ := Parse(src)
		if _, err := Read(s); !errors.Is(err, ErrNotSet) {
			t.Errorf("%s: %v, want ErrNotSet", src, err)
		}
	}
}
