package scanner

import (
	"bytes"
	"strings"

	"github.com/leakguard/leakguard/rules"
)

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// managedAt recognises an assignment of managed key ki whose name was hit
// at content[s:e]: dotenv, export, JSON/YAML/TOML keys, code, compose and
// k8s lists, CLI flags (`NAME=v`, `NAME: v`, `"NAME": "v"`, `NAME := "v"`,
// `NAME => 'v'`), and k8s `- name: NAME` followed by `value: v`. In a
// .env file (dotenv) an unquoted value is a value, not an expression.
func (d *Detector) managedAt(b []byte, s, e, ki int, dotenv bool) (candidate, bool) {
	if s > 0 && (isIdentByte(b[s-1]) || b[s-1] == '.') {
		return candidate{}, false
	}
	if e < len(b) && isIdentByte(b[e]) {
		return candidate{}, false
	}
	i := e
	if i < len(b) && (b[i] == '"' || b[i] == '\'' || b[i] == '`') {
		i++
	}
	if i < len(b) && b[i] == ']' { // os.environ['NAME'] = ...
		i++
	}
	i = skipBlank(b, i)
	sep := 0
	switch {
	case hasAt(b, i, ":="), hasAt(b, i, "=>"), hasAt(b, i, "?="):
		sep = 2
	case i < len(b) && (b[i] == '=' || b[i] == ':'):
		sep = 1
	}
	if sep == 0 {
		return d.k8sValue(b, s, e, ki, dotenv)
	}
	if hasAt(b, i, "==") || hasAt(b, i, "::") {
		return candidate{}, false // a comparison or a scope, not an assignment
	}
	i = skipBlank(b, i+sep)
	vs, ve, quoted := readValue(b, i)
	if !literalValue(string(b[vs:ve]), quoted, dotenv) {
		return candidate{}, false
	}
	return candidate{
		keyIdx: ki, kind: kindManaged, start: vs, end: ve,
		mstart: s, mend: min(len(b), ve+btoi(quoted)),
		secret: string(b[vs:ve]), confidence: rules.High,
	}, true
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// k8sValue handles `- name: NAME` with `value: v` on the next line.
func (d *Detector) k8sValue(b []byte, s, e, ki int, dotenv bool) (candidate, bool) {
	lo := max(0, s-256)
	ls := bytes.LastIndexByte(b[lo:s], '\n') + 1 + lo
	prefix := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(string(b[ls:s])), "-"))
	if prefix != "name:" && prefix != `"name":` && prefix != "name =" {
		return candidate{}, false
	}
	nl := bytes.IndexByte(b[e:], '\n')
	if nl < 0 {
		return candidate{}, false
	}
	i := skipSpace(b, e+nl+1)
	switch {
	case hasAt(b, i, "value:"):
		i += len("value:")
	case hasAt(b, i, `"value":`):
		i += len(`"value":`)
	default:
		return candidate{}, false
	}
	i = skipBlank(b, i)
	vs, ve, quoted := readValue(b, i)
	if !literalValue(string(b[vs:ve]), quoted, dotenv) {
		return candidate{}, false
	}
	return candidate{
		keyIdx: ki, kind: kindManaged, start: vs, end: ve, mstart: s, mend: ve,
		secret: string(b[vs:ve]), confidence: rules.High,
	}, true
}

func hasAt(b []byte, i int, s string) bool {
	return i+len(s) <= len(b) && string(b[i:i+len(s)]) == s
}

func skipBlank(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// readValue reads a quoted or bare value starting at i and returns its
// span without quotes.
func readValue(b []byte, i int) (vs, ve int, quoted bool) {
	if i >= len(b) {
		return i, i, false
	}
	if q := b[i]; q == '"' || q == '\'' || q == '`' {
		j := i + 1
		for j < len(b) && b[j] != q && b[j] != '\n' {
			if b[j] == '\\' && q != '\'' {
				j++
			}
			j++
		}
		if j >= len(b) || b[j] != q {
			return i, i, false
		}
		return i + 1, j, true
	}
	j := i
	for j < len(b) {
		c := b[j]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ';' || c == '}' || c == ')' || c == ']' || c == '"' || c == '\'' {
			break
		}
		j++
	}
	return i, j, false
}

// literalValue reports whether an assigned value is a literal credential
// rather than a placeholder, a reference or code.
func literalValue(v string, quoted, dotenv bool) bool {
	if len(v) < 8 || rules.IsPlaceholder(v) {
		return false
	}
	// API keys hold no white space, escapes, quotes, brackets or
	// interpolation: such a value is text being built (a concatenation, a
	// template, a call) or a longer string.
	if strings.ContainsAny(v, " \t\\`'\"()[]{}<>$;,") {
		return false
	}
	if quoted && (v[0] == '+' || v[len(v)-1] == '+') {
		// "NAME="+key+"\n": the quotes close and reopen a string around
		// a concatenated variable.
		if inner := strings.Trim(v, "+"); isIdentifier(inner) || looksLikeMemberAccess(inner) {
			return false
		}
	}
	if !quoted && dotenv {
		// A .env value is never an expression; only words put there
		// in place of a key (openai_api_key, anthropicKey) are not one.
		// A generated key's letters split into chunks that are not all
		// words.
		return hasDigit(v) || !allPronounceable(valueWords(v))
	}
	if !quoted {
		// Code: calls, member access, indexing, a bare identifier.
		if strings.ContainsAny(v, "()[]{}") {
			return false
		}
		if isIdentifier(v) && !hasDigit(v) {
			return false
		}
		if looksLikeMemberAccess(v) {
			return false
		}
		if v == "|" || v == ">" || v == "|-" || v == ">-" {
			return false
		}
	}
	return true
}

func isIdentifier(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isIdentByte(v[i]) {
			return false
		}
	}
	return true
}

func hasDigit(v string) bool {
	return strings.ContainsAny(v, "0123456789")
}

// looksLikeMemberAccess matches a.b.c where each part is an identifier
// without digits (config.apiKey, settings.TAVILY): code, not a key.
func looksLikeMemberAccess(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || !isIdentifier(p) || hasDigit(p) {
			return false
		}
	}
	return true
}
