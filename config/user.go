package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/leakguard/leakguard/rules"
)

// # The user-level inventory
//
// One person's keys serve every project: the user-level file
// ($XDG_CONFIG_HOME/leakguard/leakguard.toml, else
// ~/.config/leakguard/leakguard.toml) holds [[keys]], [targets.*],
// [state], [policy] and [verify]. It lies under the repository's file:
// a key both define takes the repository's fields where it sets them and
// the user's elsewhere, and the fingerprints of both (a past value known
// to either is still a leak); a target, [state] dir and [policy]
// rotate_after the repository sets win. Rules, allowlists and [github]
// belong to a repository and are refused in the user file.

// UserPath is the user-level file: $XDG_CONFIG_HOME/leakguard/leakguard.toml
// (an absolute XDG_CONFIG_HOME only, as the XDG spec says), else
// $HOME/.config/leakguard/leakguard.toml, else "" (no HOME).
func UserPath(getenv func(string) string) string {
	if x := getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "leakguard", "leakguard.toml")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "leakguard", "leakguard.toml")
	}
	return ""
}

// userSections are the tables the user-level file may hold.
var userSections = map[string]bool{"keys": true, "targets": true, "state": true, "policy": true, "verify": true}

// LoadLayers reads the repository's file at path (through read; nil is
// os.ReadFile; "" for none) over the user-level file at userPath (always
// from disk; a missing file is no layer) over the embedded defaults.
func LoadLayers(path, userPath string, read func(string) ([]byte, error)) (*Config, error) {
	if read == nil {
		read = os.ReadFile
	}
	u, err := readUserLayer(userPath)
	if err != nil {
		return nil, err
	}
	var b []byte
	if path != "" {
		if b, err = read(path); err != nil {
			return nil, &Error{File: path, Err: unwrapPath(err)}
		}
	}
	return loadOver(path, b, read, u)
}

// layer is a decoded user-level file.
type layer struct {
	path string
	f    *File
}

// readUserLayer reads and checks the user-level file at path: nil when
// there is none.
func readUserLayer(path string) (*layer, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &Error{File: path, Err: unwrapPath(err)}
	}
	var raw map[string]any
	if _, err := toml.Decode(string(b), &raw); err == nil {
		for k := range raw {
			if !userSections[k] {
				return nil, &Error{File: path, Line: lineOfKey(b, k), Field: k,
					Err: errors.New("not read from the user-level file, which holds [[keys]], [targets.*], [state], [policy] and [verify]; put it in the repository's leakguard.toml")}
			}
		}
	}
	var f File
	if err := decodeStrict(path, b, &f); err != nil {
		return nil, err
	}
	for i, k := range f.Keys {
		if p, ok := relativeSource(k.Source); ok {
			return nil, &Error{File: path, Line: lineOfField(b, "keys", i, "source"), Field: fmt.Sprintf("keys[%d].source", i),
				Err: fmt.Errorf("%q is relative, and the user-level file serves every project: write it from / or ~/", p)}
		}
	}
	def := rules.SharedDefaults() // merge only reads it
	// Checked alone, so that its errors name its own lines.
	if _, err := merge(path, b, def, &f, nil); err != nil {
		return nil, err
	}
	return &layer{path: path, f: &f}, nil
}

// relativeSource returns the path of a file or dotenv source that is
// neither absolute nor under ~/.
func relativeSource(src string) (string, bool) {
	kind, rest, ok := strings.Cut(src, ":")
	if !ok || (kind != "file" && kind != "dotenv") {
		return "", false
	}
	p, _, _ := strings.Cut(rest, "#")
	if p == "" || filepath.IsAbs(p) || p == "~" || strings.HasPrefix(p, "~/") {
		return "", false
	}
	return p, true
}

// LayerOf is the file that defines the managed key name, where leakguard
// writes its fingerprints and rotation date: the repository's file, the
// user-level file, or "" when only the embedded defaults know it.
func (c *Config) LayerOf(name string) string { return c.keyLayer[name] }

// FileFor is the config file leakguard updates for the managed key name:
// the file that defines it ([Config.LayerOf]); for a key only the
// defaults know, the repository's file in use (not a gitleaks config),
// else the user-level file when it is the only one, else leakguard.toml
// in root (the repository, else the working directory).
func (c *Config) FileFor(name, root string) string {
	if p := c.LayerOf(name); p != "" {
		return p
	}
	if c.Path != "" && !IsGitleaks(c.Path, nil) {
		return c.Path
	}
	if c.Path == "" && c.UserPath != "" {
		return c.UserPath
	}
	return filepath.Join(root, "leakguard.toml")
}

// FingerprintsWith is the fingerprints list to write for key name in the
// file at path: those that file gives the key, and fp. The merged key
// holds every layer's; a user file's are not copied into a repository's.
func (c *Config) FingerprintsWith(name, path, fp string) []string {
	own := slices.Clone(c.ownFPs[path+"\x00"+name])
	if !slices.Contains(own, fp) {
		own = append(own, fp)
	}
	return own
}

// Inventory keeps managed keys' fingerprints in the config file that
// defines each key ([Config.FileFor] in Root): the fingerprints that file
// gives the key, and the new one. Write writes a file (config reads
// files and edits their text; the caller writes them, atomically).
type Inventory struct {
	Config *Config
	Root   string
	Write  func(path string, data []byte) error
}

func (v Inventory) fingerprints(name, fp string) (path, list string) {
	path = v.Config.FileFor(name, v.Root)
	return path, TOMLStrings(v.Config.FingerprintsWith(name, path, fp))
}

// Add writes fp to key name's fingerprints; it returns the file.
func (v Inventory) Add(name, fp string) (string, error) {
	path, list := v.fingerprints(name, fp)
	b, err := EditKeyField(path, name, "fingerprints", list)
	if err != nil {
		return path, err
	}
	return path, v.Write(path, b)
}

// Rotated records that key name was rotated on day (YYYY-MM-DD): fp
// joins its fingerprints (see [Inventory.Add]), then its rotated field is
// set to day, in the file that defines it.
func (v Inventory) Rotated(name, fp, day string) error {
	path, err := v.Add(name, fp)
	if err != nil {
		return err
	}
	b, err := EditKeyField(path, name, "rotated", day)
	if err != nil {
		return err
	}
	return v.Write(path, b)
}

// Preview is the diff Add would make.
func (v Inventory) Preview(name, fp string) (string, error) {
	path, list := v.fingerprints(name, fp)
	return PreviewKeyField(path, name, "fingerprints", list)
}

// underlay lays the user layer u under the file's settings (see the
// package's user-level inventory).
func underlay(f *File, u *layer) (targets map[string]Target, st State, pol Policy, v Verify) {
	targets = map[string]Target{}
	for n, t := range u.f.Targets {
		targets[n] = t
	}
	for n, t := range f.Targets {
		targets[n] = t
	}
	st, pol, v = f.State, f.Policy, f.Verify
	if st.Dir == "" {
		st.Dir = u.f.State.Dir
	}
	if pol.RotateAfter == "" {
		pol.RotateAfter = u.f.Policy.RotateAfter
	}
	v.Enabled = v.Enabled || u.f.Verify.Enabled
	if len(u.f.Verify.Endpoints) > 0 {
		eps := map[string]string{}
		for p, url := range u.f.Verify.Endpoints {
			eps[p] = url
		}
		for p, url := range f.Verify.Endpoints {
			eps[p] = url
		}
		v.Endpoints = eps
	}
	return targets, st, pol, v
}
