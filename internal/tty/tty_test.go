package tty

import (
	"bytes"
	"os"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestIsTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for name, s := range map[string]any{"buffer": &bytes.Buffer{}, "pipe reader": r, "pipe writer": w, "nil": nil} {
		if IsTerminal(s) {
			t.Errorf("%s: a terminal", name)
		}
	}
}

func TestColor(t *testing.T) {
	var buf bytes.Buffer
	for _, c := range []struct {
		vars map[string]string
		want bool
	}{
		{nil, false}, // not a terminal
		{map[string]string{"CLICOLOR_FORCE": "1"}, true},
		{map[string]string{"CLICOLOR_FORCE": "yes"}, true},
		{map[string]string{"CLICOLOR_FORCE": "0"}, false},
		{map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "1"}, false},
		{map[string]string{"NO_COLOR": "1"}, false},
	} {
		if got := Color(env(c.vars), &buf); got != c.want {
			t.Errorf("%v: Color = %v, want %v", c.vars, got, c.want)
		}
	}
}
