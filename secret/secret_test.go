package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestValueNeverPrintsPlainText(t *testing.T) {
	plain := "tvly-" + strings.Repeat("Ab9", 11)
	v := New(plain)
	type wrap struct {
		S  Value
		P  *Value
		In []Value
	}
	w := wrap{S: v, P: &v, In: []Value{v}}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-40v"} {
		outs = append(outs, fmt.Sprintf(verb, v), fmt.Sprintf(verb, w), fmt.Sprintf(verb, &v))
	}
	outs = append(outs, fmt.Sprint(v), fmt.Sprintln(v), v.String(), v.GoString())
	j, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j))
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "secret", v)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "secret", v)
	outs = append(outs, buf.String())
	for _, o := range outs {
		if strings.Contains(o, plain) || strings.Contains(o, plain[5:]) {
			t.Fatalf("plain text leaked in %q", o)
		}
	}
	if v.Reveal() != plain {
		t.Fatal("Reveal lost the value")
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"short", "…(5 chars)"},
		{"0123456789abcdef", "01…(16 chars)"},
		{strings.Repeat("z", 40), "zzzz…(40 chars)"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("sk-ant-api03-abcdefghijklmnopqrstuvwxyz")
	f.Add("é")
	f.Fuzz(func(t *testing.T, s string) {
		r := Redact(s)
		// A redacted preview never holds more than 4 runes of the value.
		if len([]rune(s)) >= 8 && strings.Contains(r, s) {
			t.Fatalf("Redact(%q) = %q holds the value", s, r)
		}
		if !strings.HasSuffix(r, " chars)") && s != "" {
			t.Fatalf("Redact(%q) = %q lacks the length", s, r)
		}
	})
}

func TestMaskTokens(t *testing.T) {
	key := "tvly-" + "EJvIGQiklQxsex2stwUoSQ1aGgzJdWmt"[:0] + "Q7kZp2" + "Lm9Xv3Rt8Wb1Nc4Hj6Ya0Uq"
	in := "TAVILY_API_KEY=" + key + " configurationManager ANTHROPIC_API_KEY=x apiKey:" + strings.Repeat("ab", 10)
	out := MaskTokens(in)
	if strings.Contains(out, key[5:]) || strings.Contains(out, key[8:24]) {
		t.Fatalf("token not masked: %q", out)
	}
	for _, keep := range []string{"TAVILY_API_KEY=", "configurationManager", "ANTHROPIC_API_KEY=x", "apiKey:"} {
		if !strings.Contains(out, keep) {
			t.Errorf("lost %q in %q", keep, out)
		}
	}
	if got := MaskTokens("fix: rotate the key (see #123)"); got != "fix: rotate the key (see #123)" {
		t.Errorf("plain text changed: %q", got)
	}
}
