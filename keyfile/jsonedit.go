package keyfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// SetJSONString sets the member at pointer (RFC 6901) in the JSON document
// doc to the string value, editing the text in place: every byte outside
// the edited value is kept, so comments-free formatting, indentation, key
// order and escapes elsewhere survive.
//
// An existing string or null at pointer is replaced (every duplicate of
// the member, so no copy of an old value remains). A missing member is
// inserted at the end of its object, and missing intermediate objects are
// created, indented like their siblings; nothing is re-encoded. The
// pointer must not cross an array index that does not exist, and must not
// land on a number, boolean, object or array. An empty doc becomes an
// object. A UTF-8 byte order mark is kept.
func SetJSONString(doc []byte, pointer string, value string) ([]byte, error) {
	toks, err := parsePointer(pointer)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, errors.New("pointer \"\" is the whole document; point at a member")
	}
	bom := []byte("\xef\xbb\xbf")
	hasBOM := bytes.HasPrefix(doc, bom)
	body := bytes.TrimPrefix(doc, bom)
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{\n}\n")
	}
	if !json.Valid(body) {
		return nil, errors.New("not valid JSON (comments and trailing commas are not supported)")
	}
	enc, err := encodeString(value)
	if err != nil {
		return nil, err
	}
	p := &jsonDoc{b: body}
	out, err := p.set(toks, enc)
	if err != nil {
		return nil, fmt.Errorf("pointer %s: %w", pointer, err)
	}
	// Belt and braces: the result must be JSON that holds value at pointer.
	var check any
	if err := json.Unmarshal(out, &check); err != nil {
		return nil, fmt.Errorf("pointer %s: edit produced invalid JSON (please report this)", pointer)
	}
	if got, err := Pointer(check, pointer); err != nil || got != value {
		return nil, fmt.Errorf("pointer %s: edit did not take (please report this)", pointer)
	}
	if hasBOM {
		out = append(append([]byte{}, bom...), out...)
	}
	return out, nil
}

// EscapePointerToken escapes one reference token (~ and /) for a pointer.
func EscapePointerToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if p[0] != '/' {
		return nil, fmt.Errorf("JSON pointer %q must start with /", p)
	}
	var toks []string
	for _, raw := range strings.Split(p[1:], "/") {
		toks = append(toks, strings.ReplaceAll(strings.ReplaceAll(raw, "~1", "/"), "~0", "~"))
	}
	return toks, nil
}

func encodeString(s string) (string, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(s); err != nil {
		return "", errors.New("cannot encode the value as a JSON string")
	}
	return strings.TrimRight(buf.String(), "\n"), nil
}

// jsonDoc walks a valid JSON document by byte offsets.
type jsonDoc struct{ b []byte }

type span struct{ start, end int }

type member struct {
	key      string
	keyStart int
	keyEnd   int
	val      span
}

func (d *jsonDoc) ws(i int) int {
	for i < len(d.b) {
		switch d.b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skip returns the end of the value that starts at i.
func (d *jsonDoc) skip(i int) int {
	switch d.b[i] {
	case '"':
		return d.strEnd(i)
	case '{', '[':
		depth := 0
		for j := i; j < len(d.b); j++ {
			switch d.b[j] {
			case '"':
				j = d.strEnd(j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(d.b)
	}
	j := i
	for j < len(d.b) && !strings.ContainsRune(",}] \t\r\n", rune(d.b[j])) {
		j++
	}
	return j
}

func (d *jsonDoc) strEnd(i int) int {
	for j := i + 1; j < len(d.b); j++ {
		switch d.b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(d.b)
}

// members lists an object's members; close is the index of its '}'.
func (d *jsonDoc) members(obj span) (ms []member, close int) {
	i := d.ws(obj.start + 1)
	for d.b[i] != '}' {
		ke := d.strEnd(i)
		var key string
		_ = json.Unmarshal(d.b[i:ke], &key)
		vs := d.ws(d.ws(ke) + 1) // past ':'
		ve := d.skip(vs)
		ms = append(ms, member{key: key, keyStart: i, keyEnd: ke, val: span{vs, ve}})
		i = d.ws(ve)
		if d.b[i] == ',' {
			i = d.ws(i + 1)
		}
	}
	return ms, i
}

func (d *jsonDoc) elements(arr span) []span {
	var es []span
	i := d.ws(arr.start + 1)
	for d.b[i] != ']' {
		e := d.skip(i)
		es = append(es, span{i, e})
		i = d.ws(e)
		if d.b[i] == ',' {
			i = d.ws(i + 1)
		}
	}
	return es
}

type edit struct {
	at   span
	text string
}

func (d *jsonDoc) apply(edits []edit) []byte {
	// edits are disjoint; apply from the end so offsets stay valid.
	sort.Slice(edits, func(i, j int) bool { return edits[i].at.start > edits[j].at.start })
	out := append([]byte{}, d.b...)
	for _, e := range edits {
		out = append(out[:e.at.start], append([]byte(e.text), out[e.at.end:]...)...)
	}
	return out
}

func kind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func (d *jsonDoc) set(toks []string, enc string) ([]byte, error) {
	start := d.ws(0)
	cur := span{start, d.skip(start)}
	for i, tok := range toks {
		last := i == len(toks)-1
		switch d.b[cur.start] {
		case '{':
			ms, close := d.members(cur)
			var found []member
			for _, m := range ms {
				if m.key == tok {
					found = append(found, m)
				}
			}
			if len(found) == 0 {
				return d.insert(cur, ms, close, toks[i:], enc), nil
			}
			if !last {
				cur = found[len(found)-1].val // the last duplicate wins, as in decoders
				continue
			}
			var edits []edit
			for _, m := range found {
				c := d.b[m.val.start]
				if c != '"' && c != 'n' {
					return nil, fmt.Errorf("holds %s, not a string", kind(c))
				}
				edits = append(edits, edit{m.val, enc})
			}
			return d.apply(edits), nil
		case '[':
			es := d.elements(cur)
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n >= len(es) || (len(tok) > 1 && tok[0] == '0') {
				return nil, fmt.Errorf("no array element %q (elements are not created)", tok)
			}
			cur = es[n]
			if last {
				c := d.b[cur.start]
				if c != '"' && c != 'n' {
					return nil, fmt.Errorf("holds %s, not a string", kind(c))
				}
				return d.apply([]edit{{cur, enc}}), nil
			}
		default:
			return nil, fmt.Errorf("%q is inside %s, not an object", tok, kind(d.b[cur.start]))
		}
	}
	return nil, errors.New("empty pointer")
}

// lineIndent returns the whitespace that starts the line holding i.
func (d *jsonDoc) lineIndent(i int) string {
	ls := bytes.LastIndexByte(d.b[:i], '\n') + 1
	j := ls
	for j < len(d.b) && (d.b[j] == ' ' || d.b[j] == '\t') {
		j++
	}
	return string(d.b[ls:j])
}

// indentUnit guesses one level of indentation from the document.
func (d *jsonDoc) indentUnit() string {
	for _, line := range strings.Split(string(d.b), "\n") {
		t := strings.TrimLeft(line, " \t")
		if t != "" && len(t) < len(line) {
			return line[:len(line)-len(t)]
		}
	}
	return "  "
}

// insert adds toks (a member path, the first missing in obj) with the
// encoded value at the end of obj, formatted like the document.
func (d *jsonDoc) insert(obj span, ms []member, close int, toks []string, enc string) []byte {
	nl := "\n"
	if bytes.Contains(d.b, []byte("\r\n")) {
		nl = "\r\n"
	}
	compact := !bytes.Contains(bytes.TrimSpace(d.b), []byte("\n"))
	unit := d.indentUnit()
	colon := ": "
	if compact {
		colon = ":"
	}
	if len(ms) > 0 {
		last := ms[len(ms)-1]
		colon = string(d.b[last.keyEnd:last.val.start])
		var sep string
		if len(ms) > 1 {
			prev := ms[len(ms)-2]
			comma := d.ws(prev.val.end) // the ',' between prev and last
			sep = string(d.b[comma+1 : last.keyStart])
		} else {
			sep = string(d.b[obj.start+1 : last.keyStart])
		}
		indent := sep
		if k := strings.LastIndexAny(sep, "\n"); k >= 0 {
			indent = sep[k+1:]
		} else {
			compact = true
		}
		text := "," + sep + nest(toks, enc, indent, unit, nl, colon, compact)
		return d.apply([]edit{{span{last.val.end, last.val.end}, text}})
	}
	// An empty object: replace whatever whitespace it holds.
	if compact {
		return d.apply([]edit{{span{obj.start + 1, close}, nest(toks, enc, "", "", "", colon, true)}})
	}
	outer := d.lineIndent(obj.start)
	text := nl + outer + unit + nest(toks, enc, outer+unit, unit, nl, colon, false) + nl + outer
	return d.apply([]edit{{span{obj.start + 1, close}, text}})
}

// nest renders `"t0": {"t1": … "tn": value}` with the member at indent.
func nest(toks []string, enc, indent, unit, nl, colon string, compact bool) string {
	key, _ := encodeString(toks[0])
	if len(toks) == 1 {
		return key + colon + enc
	}
	inner := nest(toks[1:], enc, indent+unit, unit, nl, colon, compact)
	if compact {
		return key + colon + "{" + inner + "}"
	}
	return key + colon + "{" + nl + indent + unit + inner + nl + indent + "}"
}
