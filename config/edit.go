package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

var (
	tableHeaderRe = regexp.MustCompile(`^\s*\[`)
	keysHeaderRe  = regexp.MustCompile(`^\s*\[\[\s*keys\s*\]\]\s*(#.*)?$`)
)

// SetKeyField sets field = value (value already in TOML syntax) in the
// [[keys]] entry named name of the file at path, keeping the rest of the
// file as it is. The entry is appended when missing; the file is created
// when missing. The result must load as a valid config, or nothing is
// written. The write is atomic and keeps the file's mode.
func SetKeyField(path, name, field, value string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	updated := setKeyField(string(old), name, field, value)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".leakguard-*.toml")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(updated); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if _, err := Load(tmp.Name()); err != nil {
		return fmt.Errorf("refusing to write %s: the edit would make it invalid: %w", path, err)
	}
	return WriteFileAtomic(path, []byte(updated), 0o644)
}

func setKeyField(doc, name, field, value string) string {
	lines := strings.Split(doc, "\n")
	nameRe := regexp.MustCompile(`^\s*name\s*=\s*["']` + regexp.QuoteMeta(name) + `["']\s*(#.*)?$`)
	fieldRe := regexp.MustCompile(`^\s*` + regexp.QuoteMeta(field) + `\s*=`)
	for i := 0; i < len(lines); i++ {
		if !keysHeaderRe.MatchString(lines[i]) {
			continue
		}
		end := len(lines)
		for j := i + 1; j < len(lines); j++ {
			if tableHeaderRe.MatchString(lines[j]) {
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

// WriteFileAtomic writes b to path through a temporary file in the same
// directory, synced and renamed over path. An existing file's mode is
// kept; a new file gets mode.
func WriteFileAtomic(path string, b []byte, mode os.FileMode) error {
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
