package keyfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/leakguard/leakguard/secret"
)

// PathErr keeps an *fs.PathError's operation and cause, for messages that
// already name the path.
func PathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

var locks sync.Map // absolute path → *sync.Mutex

// lockPath serialises read-modify-write cycles on one file within this
// process (several keys may share a file target).
func lockPath(p string) (unlock func()) {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	m, _ := locks.LoadOrStore(p, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// Lock serialises read-modify-write cycles on the file at path within
// this process (several keys may share a file); call the returned func to
// unlock.
func Lock(path string) (unlock func()) { return lockPath(path) }

// Write writes value under spec's name in a dotenv or JSON key file,
// keeping every other byte of the file, through [WriteAtomic]. A new file
// is created with mode 0600.
func Write(spec Spec, value secret.Value) error {
	if spec.Kind != "file" && spec.Kind != "dotenv" {
		return fmt.Errorf("cannot write a %s source", spec.Kind)
	}
	unlock := lockPath(spec.Path)
	defer unlock()
	old, err := os.ReadFile(spec.Path) // the source of truth must exist
	if err != nil {
		return err
	}
	out, err := Edit(spec, old, value)
	if err != nil {
		return err
	}
	return WriteAtomic(spec.Path, out, 0o600)
}

// Edit returns content with value set under spec's name: a dotenv
// variable or a JSON string member.
func Edit(spec Spec, content []byte, value secret.Value) ([]byte, error) {
	switch spec.Kind {
	case "file":
		return SetJSONString(content, spec.Ref, value.Reveal())
	case "dotenv":
		return SetDotenv(content, spec.Ref, value.Reveal())
	}
	return nil, fmt.Errorf("cannot write a %s source", spec.Kind)
}

// WriteAtomic replaces path with data: a temporary file in the same
// directory is written, synced, given path's mode (newMode when path does
// not exist) and owner where possible, and renamed over path; the
// directory is synced. A symbolic link at path is followed: its target is
// replaced and the link kept. Missing parent directories are created with
// mode 0700. On failure no temporary file is left behind. It is the one
// writer of files that hold secrets or settings.
func WriteAtomic(path string, data []byte, newMode fs.FileMode) (err error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	mode := newMode
	fi, statErr := os.Stat(path)
	if statErr == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", path)
		}
		mode = fi.Mode().Perm()
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return PathErr(err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".leakguard-*")
	if err != nil {
		return PathErr(err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return PathErr(err)
	}
	if statErr == nil {
		keepOwner(tmp, fi)
	}
	if _, err := tmp.Write(data); err != nil {
		return PathErr(err)
	}
	if err := tmp.Sync(); err != nil {
		return PathErr(err)
	}
	if err := tmp.Close(); err != nil {
		return PathErr(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: not every file system syncs directories
		d.Close()
	}
	return nil
}
