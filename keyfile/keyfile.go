// Package keyfile reads and writes a managed key's value where it lives,
// its source:
//
//	file:PATH#/json/pointer   a JSON file and an RFC 6901 pointer
//	dotenv:PATH#NAME          a dotenv file and a variable name
//	env:NAME                  an environment variable (read only)
//
// PATH may start with ~/ for the home directory.
//
// # Editing
//
// [SetDotenv] and [SetJSONString] change one value and keep every other
// byte of the file: comments, order, indentation, quoting.
//
// # Writing
//
// [Write] edits a source of truth through leakguard's one file writer,
// [atomicfile.Replace] (a symbolic link is followed and its target
// replaced, the old file's mode and owner kept); [Lock] serialises edits
// of one file within the process.
package keyfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/leakguard/leakguard/secret"
)

// Spec is a parsed source.
type Spec struct {
	Kind string // file, dotenv, env
	Path string // file path, ~ expanded
	Ref  string // JSON pointer, dotenv name or env name
}

func (s Spec) String() string {
	switch s.Kind {
	case "env":
		return "env:" + s.Ref
	}
	return s.Kind + ":" + s.Path + "#" + s.Ref
}

// Parse parses a source string.
func Parse(src string) (Spec, error) {
	kind, rest, ok := strings.Cut(src, ":")
	if !ok {
		return Spec{}, fmt.Errorf("source %q: want file:PATH#/pointer, dotenv:PATH#NAME or env:NAME", src)
	}
	switch kind {
	case "env":
		if rest == "" {
			return Spec{}, fmt.Errorf("source %q: missing variable name", src)
		}
		return Spec{Kind: kind, Ref: rest}, nil
	case "file", "dotenv":
		p, ref, ok := strings.Cut(rest, "#")
		if !ok || p == "" || ref == "" {
			return Spec{}, fmt.Errorf("source %q: want %s:PATH#%s", src, kind, map[string]string{"file": "/json/pointer", "dotenv": "NAME"}[kind])
		}
		if kind == "file" && !strings.HasPrefix(ref, "/") {
			return Spec{}, fmt.Errorf("source %q: a JSON pointer starts with /", src)
		}
		return Spec{Kind: kind, Path: ExpandHome(p), Ref: ref}, nil
	}
	return Spec{}, fmt.Errorf("source %q: unknown kind %q (file, dotenv or env)", src, kind)
}

// ExpandHome replaces a leading ~/ with the home directory.
func ExpandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, p[1:])
		}
	}
	return p
}

// ErrNotSet means the source exists but holds no value.
var ErrNotSet = errors.New("no value")

// Read returns the value at s; an env source reads the process's
// environment.
func Read(s Spec) (secret.Value, error) { return ReadEnv(s, os.Getenv) }

// ReadEnv returns the value at s; an env source reads through getenv.
func ReadEnv(s Spec, getenv func(string) string) (secret.Value, error) {
	switch s.Kind {
	case "env":
		v := getenv(s.Ref)
		if v == "" {
			return secret.Value{}, fmt.Errorf("environment variable %s: %w", s.Ref, ErrNotSet)
		}
		return secret.New(v), nil
	case "file":
		b, err := os.ReadFile(s.Path)
		if err != nil {
			return secret.Value{}, err
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			return secret.Value{}, fmt.Errorf("%s: not JSON: %v", s.Path, err)
		}
		v, err := Pointer(doc, s.Ref)
		if err != nil {
			return secret.Value{}, fmt.Errorf("%s: %w", s.Path, err)
		}
		str, ok := v.(string)
		if !ok || str == "" {
			return secret.Value{}, fmt.Errorf("%s#%s: %w (not a non-empty string)", s.Path, s.Ref, ErrNotSet)
		}
		return secret.New(str), nil
	case "dotenv":
		b, err := os.ReadFile(s.Path)
		if err != nil {
			return secret.Value{}, err
		}
		v, ok := DotenvValue(b, s.Ref)
		if !ok || v == "" {
			return secret.Value{}, fmt.Errorf("%s: %s: %w", s.Path, s.Ref, ErrNotSet)
		}
		return secret.New(v), nil
	}
	return secret.Value{}, fmt.Errorf("unknown source kind %q", s.Kind)
}

// Pointer resolves an RFC 6901 JSON pointer in a decoded document.
func Pointer(doc any, ptr string) (any, error) {
	if ptr == "" {
		return doc, nil
	}
	cur := doc
	for _, raw := range strings.Split(ptr[1:], "/") {
		tok := strings.ReplaceAll(strings.ReplaceAll(raw, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, fmt.Errorf("pointer %s: no member %q: %w", ptr, tok, ErrNotSet)
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("pointer %s: no element %q: %w", ptr, tok, ErrNotSet)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("pointer %s: %q is not inside an object or array: %w", ptr, tok, ErrNotSet)
		}
	}
	return cur, nil
}

// DotenvValue returns the value of name in dotenv content: NAME=value,
// export NAME=value, quoted or not, with a trailing comment after an
// unquoted value.
func DotenvValue(b []byte, name string) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	val, found := "", false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != name {
			continue
		}
		val, found = unquoteDotenv(strings.TrimSpace(v)), true // last one wins, as in shells
	}
	return val, found
}

func unquoteDotenv(v string) string {
	if len(v) >= 2 && v[0] == '\'' {
		if i := strings.IndexByte(v[1:], '\''); i >= 0 {
			return v[1 : 1+i] // single quotes: literal
		}
	}
	if len(v) >= 2 && v[0] == '"' {
		// Double quotes: backslash escapes, up to the first unescaped quote.
		for i := 1; i < len(v); i++ {
			switch v[i] {
			case '\\':
				i++
			case '"':
				if u, err := strconv.Unquote(v[:i+1]); err == nil {
					return u
				}
				return v[1:i]
			}
		}
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return v
}
