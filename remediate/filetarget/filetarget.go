// Package filetarget syncs a managed key to a local file: a dotenv file
// (type "dotenv") or a member of a JSON file (type "file"), such as a
// project's .claude/settings.local.json.
//
// # Editing
//
// Both kinds edit the text in place and keep every other byte: comments,
// order, indentation, quoting, through the [keyfile] package, which the
// rotate command uses to write the source of truth the same way.
//
// # Writing
//
// [atomicfile.Replace] writes a temporary file in the same directory,
// syncs it, gives it the old file's mode (0600 for a new file) and owner
// and renames it over the old one, so a reader sees the old or the new
// file and never a half-written one. A symbolic link is followed and its
// target replaced. Writes to one path from this process are serialised.
//
// # Names and pointers
//
// The variable or member written is the managed key's name, or the
// target's name field when set. A "file" target's pointer may hold
// {key}, replaced by that name (escaped); without a pointer it is /{key}.
package filetarget

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/secret"
)

var _ remediate.Target = (*Target)(nil)

// Kinds of file target.
const (
	Dotenv = "dotenv"
	JSON   = "file"
)

// Config configures a [Target].
type Config struct {
	// Name is the target's name in the config.
	Name string
	// Kind is [Dotenv] or [JSON].
	Kind string
	// Path is the file; a leading ~/ is the home directory, and a
	// relative path is relative to Root when Root is set.
	Path string
	// Root is the directory a relative Path is relative to (the
	// repository); "" leaves it relative to the working directory.
	Root string
	// Pointer is the JSON pointer for [JSON] (may hold {key}).
	Pointer string
	// KeyName, when set, is written instead of the managed key's name.
	KeyName string
}

// Target is a dotenv or JSON file.
type Target struct {
	cfg  Config
	path string
}

// New checks cfg and returns the target.
func New(cfg Config) (*Target, error) {
	if cfg.Kind != Dotenv && cfg.Kind != JSON {
		return nil, fmt.Errorf("unknown file kind %q (dotenv or file)", cfg.Kind)
	}
	if strings.TrimSpace(cfg.Path) == "" {
		return nil, errors.New("path is not set")
	}
	if cfg.Kind == JSON && cfg.Pointer != "" && !strings.HasPrefix(cfg.Pointer, "/") {
		return nil, fmt.Errorf("pointer %q: a JSON pointer starts with /", cfg.Pointer)
	}
	if cfg.Kind == Dotenv && cfg.KeyName != "" && !keyfile.DotenvName().MatchString(cfg.KeyName) {
		return nil, fmt.Errorf("name %q is not a valid variable name", cfg.KeyName)
	}
	path := keyfile.ExpandHome(cfg.Path)
	if cfg.Root != "" && !filepath.IsAbs(path) {
		path = filepath.Join(cfg.Root, path)
	}
	return &Target{cfg: cfg, path: path}, nil
}

// Name is the target's name in the config.
func (t *Target) Name() string { return t.cfg.Name }

// Path is the file written.
func (t *Target) Path() string { return t.path }

func (t *Target) keyName(key string) string {
	if t.cfg.KeyName != "" {
		return t.cfg.KeyName
	}
	return key
}

func (t *Target) pointer(name string) string {
	p := t.cfg.Pointer
	if p == "" {
		p = "/{key}"
	}
	return strings.ReplaceAll(p, "{key}", keyfile.EscapePointerToken(name))
}

// where names the place written, for errors.
func (t *Target) where(name string) string {
	if t.cfg.Kind == JSON {
		return t.path + "#" + t.pointer(name)
	}
	return t.path + ": " + name
}

// Put writes value under key. A file that already holds it is left alone.
func (t *Target) Put(ctx context.Context, key string, value secret.Value) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name := t.keyName(key)
	unlock := keyfile.Lock(t.path)
	defer unlock()
	old, err := os.ReadFile(t.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", t.where(name), atomicfile.PathErr(err))
	}
	var out []byte
	switch t.cfg.Kind {
	case Dotenv:
		out, err = keyfile.SetDotenv(old, name, value.Reveal())
	case JSON:
		out, err = keyfile.SetJSONString(old, t.pointer(name), value.Reveal())
	}
	if err != nil {
		return fmt.Errorf("%s: %w", t.where(name), err)
	}
	if old != nil && bytes.Equal(old, out) {
		return nil
	}
	if err := atomicfile.Replace(t.path, out, 0o600); err != nil {
		return fmt.Errorf("%s: %w", t.where(name), err)
	}
	return nil
}

// Verify re-reads the file and compares the value under key.
func (t *Target) Verify(ctx context.Context, key string, value secret.Value) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name := t.keyName(key)
	b, err := os.ReadFile(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w (no such file)", t.where(name), remediate.ErrMissing)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", t.where(name), atomicfile.PathErr(err))
	}
	var got string
	var ok bool
	switch t.cfg.Kind {
	case Dotenv:
		got, ok = keyfile.DotenvValue(b, name)
	case JSON:
		var doc any
		if err := json.Unmarshal(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), &doc); err != nil {
			return fmt.Errorf("%s: not valid JSON", t.where(name))
		}
		v, err := keyfile.Pointer(doc, t.pointer(name))
		if err != nil {
			return fmt.Errorf("%s: %w", t.where(name), remediate.ErrMissing)
		}
		s, isString := v.(string)
		if !isString {
			return fmt.Errorf("%s: %w (not a string)", t.where(name), remediate.ErrMismatch)
		}
		got, ok = s, true
	}
	if !ok {
		return fmt.Errorf("%s: %w", t.where(name), remediate.ErrMissing)
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(value.Reveal())) != 1 {
		return fmt.Errorf("%s: %w", t.where(name), remediate.ErrMismatch)
	}
	return nil
}

var _ remediate.Identifier = (*Target)(nil)

// Identity is the file's absolute path and the pointer or name in it.
func (t *Target) Identity() string {
	p, err := filepath.Abs(t.path)
	if err != nil {
		p = t.path
	}
	return t.cfg.Kind + ":" + p + "#" + t.cfg.Pointer + t.cfg.KeyName
}
