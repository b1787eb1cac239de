package scanner

import (
	"bytes"
	"path"
	"strings"
)

// Where keys hide: text whose lines are not the file's lines.
//
//   - Jupyter notebooks and source maps keep code in JSON strings, with
//     \n, \" and \\ escaped: a notebook cell's `os.environ["KEY"] = "…"` is
//     `"os.environ[\"KEY\"] = \"…\"\n"` on disk. Each such string is
//     unescaped and scanned as code of the notebook's or bundle's language.
//   - Shell line continuations split one command over lines
//     (`curl -X POST \` / `  -u admin:… \`): each continued command is
//     joined and scanned as one line.
//
// Findings point back into the file through an offset map, like the other
// decoded runs (decode.go).

// embeddedRuns returns the runs of b that hold text to scan again, and the
// path their text is to be judged by (a notebook's cells are Python).
func embeddedRuns(p string, b []byte) ([]encodedRun, string) {
	lp := strings.ToLower(p)
	switch {
	case strings.HasSuffix(lp, ".ipynb"):
		return jsonStrings(b), p + ".py"
	case strings.HasSuffix(lp, ".map"):
		return jsonStrings(b), strings.TrimSuffix(p, path.Ext(p))
	}
	if bytes.Contains(b, []byte("\\\n")) {
		return continuations(b), p
	}
	return nil, p
}

// jsonStrings returns the JSON string literals of b that hold escaped
// newlines or quotes, unescaped, with offsets into b. A notebook cell's
// lines are one string each; a source map's sourcesContent holds whole
// files in one string.
func jsonStrings(b []byte) []encodedRun {
	var out []encodedRun
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		j := i + 1
		esc := false
		for j < len(b) && b[j] != '"' && b[j] != '\n' {
			if b[j] == '\\' {
				if j+1 < len(b) && (b[j+1] == 'n' || b[j+1] == '"' || b[j+1] == 't') {
					esc = true
				}
				j++
			}
			j++
		}
		if j >= len(b) || b[j] != '"' {
			i = j
			continue
		}
		if esc && j-i-1 <= maxDecodeLen {
			if dec, off, ok := unescapeJSON(b, i+1, j); ok {
				out = append(out, encodedRun{start: i + 1, end: j, kind: "json-string", decoded: dec, off: off})
			}
		}
		i = j
	}
	return out
}

// unescapeJSON decodes the JSON string body b[s:e] with the offset of
// each decoded byte.
func unescapeJSON(b []byte, s, e int) (out []byte, off []int, ok bool) {
	for i := s; i < e; i++ {
		c := b[i]
		if c != '\\' || i+1 >= e {
			off = append(off, i)
			out = append(out, c)
			continue
		}
		var r byte
		switch b[i+1] {
		case 'n':
			r = '\n'
		case 't':
			r = '\t'
		case 'r':
			r = '\r'
		case '"', '\\', '/':
			r = b[i+1]
		case 'b', 'f':
			r = ' '
		case 'u':
			var ok bool
			if out, off, ok = appendUEscape(b, i, e, out, off); ok {
				i += 5
				continue
			}
			return nil, nil, false
		default:
			return nil, nil, false
		}
		off = append(off, i)
		out = append(out, r)
		i++
	}
	return out, append(off, e), true
}

// continuations returns each command continued over lines with a
// trailing backslash, joined: the backslash, the newline and the next
// line's indentation are dropped (a blank stays between the parts).
func continuations(b []byte) []encodedRun {
	var out []encodedRun
	for i := 0; i < len(b); {
		k := bytes.Index(b[i:], []byte("\\\n"))
		if k < 0 {
			break
		}
		ls := bytes.LastIndexByte(b[:i+k], '\n') + 1
		// The logical line: from ls through every continued line.
		var dec []byte
		var off []int
		j := ls
		for j < len(b) {
			nl := bytes.IndexByte(b[j:], '\n')
			end := len(b)
			if nl >= 0 {
				end = j + nl
			}
			cont := end > j && b[end-1] == '\\' && end < len(b)
			stop := end
			if cont {
				stop = end - 1
			}
			for x := j; x < stop; x++ {
				off = append(off, x)
				dec = append(dec, b[x])
			}
			if !cont {
				j = end
				break
			}
			off = append(off, end-1)
			dec = append(dec, ' ')
			j = end + 1
			for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
				j++
			}
			if len(dec) > lineWindow*16 {
				break
			}
		}
		out = append(out, encodedRun{start: ls, end: j, kind: "continuation", decoded: dec, off: append(off, j)})
		i = max(j, i+k+2)
	}
	return out
}
