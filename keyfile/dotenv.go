package keyfile

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// DotenvName matches the names a dotenv file may assign.
var DotenvName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`) })

// SetDotenv sets name to value in dotenv content and returns the new
// content. Every assignment of name (NAME=…, export NAME=…, with spaces
// around =) gets the new value, so no earlier copy keeps an old one; the
// rest of each line is kept: the export prefix, the quoting style where
// it can hold the value, and a trailing comment. When name is not
// assigned, NAME=value is appended. Line endings (LF or CRLF) follow the
// file. The result reads back with [DotenvValue].
//
// A value that an unquoted assignment cannot hold as it is (spaces, #,
// quotes, $, backslashes) is written in single quotes, which are literal
// in every dialect; one that holds a single quote or a newline in double
// quotes with \\, \" and \n escapes. A single-quoted assignment keeps its
// quotes when they can hold the value.
func SetDotenv(content []byte, name, value string) ([]byte, error) {
	if !DotenvName().MatchString(name) {
		return nil, fmt.Errorf("%q is not a valid variable name", name)
	}
	if strings.ContainsRune(value, 0) {
		return nil, errors.New("the value holds a NUL byte, which a dotenv file cannot")
	}
	nl := "\n"
	if bytes.Contains(content, []byte("\r\n")) {
		nl = "\r\n"
	}
	var out bytes.Buffer
	found := false
	b := content
	for i := 0; i < len(b); {
		le := lineEnd(b, i)
		a, ok := parseAssignment(b, i, le)
		if !ok {
			out.Write(b[i:le])
			i = le
			continue
		}
		if a.name == name {
			found = true
			out.Write(b[i:a.valStart])
			out.WriteString(quoteDotenv(value, a.quote))
		} else {
			out.Write(b[i:a.valEnd])
		}
		// The rest of the line that holds the value's end (a comment).
		rest := lineEnd(b, a.valEnd)
		out.Write(b[a.valEnd:rest])
		i = rest
	}
	if !found {
		if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			out.WriteString(nl)
		}
		out.WriteString(name + "=" + quoteDotenv(value, 0) + nl)
	}
	return out.Bytes(), nil
}

// lineEnd returns the index after the line that starts at i, including
// its terminator.
func lineEnd(b []byte, i int) int {
	if j := bytes.IndexByte(b[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(b)
}

type assignment struct {
	name             string
	valStart, valEnd int  // the value as written, quotes included
	quote            byte // 0, '"' or '\''
}

// parseAssignment parses the line [i, le) as an assignment. A quoted
// value may run over several lines; valEnd then lies beyond le.
func parseAssignment(b []byte, i, le int) (assignment, bool) {
	j := skipBlank(b, i, le)
	if j >= le || b[j] == '#' {
		return assignment{}, false
	}
	if bytes.HasPrefix(b[j:le], []byte("export")) && j+6 < le && (b[j+6] == ' ' || b[j+6] == '\t') {
		j = skipBlank(b, j+6, le)
	}
	eq := bytes.IndexByte(b[j:le], '=')
	if eq < 0 {
		return assignment{}, false
	}
	name := strings.TrimSpace(string(b[j : j+eq]))
	if !DotenvName().MatchString(name) {
		return assignment{}, false
	}
	vs := skipBlank(b, j+eq+1, le)
	a := assignment{name: name, valStart: vs}
	// The end of the line's content, before \r\n or \n.
	ce := le
	for ce > vs && (b[ce-1] == '\n' || b[ce-1] == '\r') {
		ce--
	}
	if vs < ce && (b[vs] == '"' || b[vs] == '\'') {
		q := b[vs]
		for k := vs + 1; k < len(b); k++ {
			if q == '"' && b[k] == '\\' {
				k++
				continue
			}
			if b[k] == q {
				a.quote, a.valEnd = q, k+1
				return a, true
			}
		}
		// Unterminated: take the rest of the line as it is.
	}
	end := ce
	if k := bytes.Index(b[vs:ce], []byte(" #")); k >= 0 {
		end = vs + k
	}
	if k := bytes.Index(b[vs:end], []byte("\t#")); k >= 0 {
		end = vs + k
	}
	for end > vs && (b[end-1] == ' ' || b[end-1] == '\t') {
		end--
	}
	a.valEnd = end
	return a, true
}

func skipBlank(b []byte, i, le int) int {
	for i < le && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

// quoteDotenv writes value in the style q (0 for unquoted), falling back
// to double quotes when the style cannot hold it.
func quoteDotenv(v string, q byte) string {
	switch q {
	case '"':
		// Some readers end a double-quoted value at the first quote,
		// escaped or not: prefer literal single quotes for such values.
		if strings.Contains(v, `"`) && !strings.ContainsAny(v, "'\n\r") {
			return "'" + v + "'"
		}
	case '\'':
		if !strings.ContainsAny(v, "'\n\r") {
			return "'" + v + "'"
		}
	case 0:
		if v != "" && !strings.ContainsAny(v, " \t\n\r#'\"\\`$") {
			return v
		}
		// Single quotes are literal in every dotenv dialect: no escapes,
		// no $ expansion.
		if v != "" && !strings.ContainsAny(v, "'\n\r") {
			return "'" + v + "'"
		}
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)
	return `"` + r.Replace(v) + `"`
}
