package config

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

var (
	tableHeaderRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*\[`) })
	keysHeaderRe  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*\[\[\s*keys\s*\]\]\s*(#.*)?$`) })
)

// EditKeyField returns the file at path with field = value (value
// already in TOML syntax) set in the [[keys]] entry named name, keeping
// the rest of the file as it is. The entry is appended when missing; a
// missing file is an empty one. The result must load as a valid config,
// or EditKeyField fails. Writing it is the caller's (atomically, keeping
// the file's mode: atomicfile.Replace).
func EditKeyField(path, name, field, value string) ([]byte, error) {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	updated := setKeyField(string(old), name, field, value)
	if _, err := load(path, []byte(updated), os.ReadFile); err != nil {
		return nil, fmt.Errorf("refusing to write %s: the edit would make it invalid: %w", path, err)
	}
	return []byte(updated), nil
}

func setKeyField(doc, name, field, value string) string {
	lines := strings.Split(doc, "\n")
	nameRe := regexp.MustCompile(`^\s*name\s*=\s*["']` + regexp.QuoteMeta(name) + `["']\s*(#.*)?$`)
	fieldRe := regexp.MustCompile(`^\s*` + regexp.QuoteMeta(field) + `\s*=`)
	for i := 0; i < len(lines); i++ {
		if !keysHeaderRe().MatchString(lines[i]) {
			continue
		}
		end := len(lines)
		for j := i + 1; j < len(lines); j++ {
			if tableHeaderRe().MatchString(lines[j]) {
				end = j
				break
			}
		}
		nameLine := -1
		for j := i + 1; j < end; j++ {
			if nameRe.MatchString(lines[j]) {
				nameLine = j
			}
		}
		if nameLine < 0 {
			continue
		}
		newLine := field + " = " + value
		for j := i + 1; j < end; j++ {
			if !fieldRe.MatchString(lines[j]) {
				continue
			}
			// The old value may span lines (an array): find its end.
			last := j
			if open := strings.Count(lines[j], "[") - strings.Count(lines[j], "]"); open > 0 {
				for k := j + 1; k < end && open > 0; k++ {
					open += strings.Count(lines[k], "[") - strings.Count(lines[k], "]")
					last = k
				}
			}
			out := append([]string{}, lines[:j]...)
			out = append(out, newLine)
			out = append(out, lines[last+1:]...)
			return strings.Join(out, "\n")
		}
		out := append([]string{}, lines[:nameLine+1]...)
		out = append(out, newLine)
		out = append(out, lines[nameLine+1:]...)
		return strings.Join(out, "\n")
	}
	sep := "\n"
	if doc == "" || strings.HasSuffix(doc, "\n\n") {
		sep = ""
	} else if !strings.HasSuffix(doc, "\n") {
		sep = "\n\n"
	}
	return doc + sep + "[[keys]]\nname = " + strconv.Quote(name) + "\n" + field + " = " + value + "\n"
}

// TOMLStrings renders a TOML array of strings.
func TOMLStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
