// Package atomicfile is leakguard's one writer of whole files. Data goes
// to a temporary file in the same directory (created 0600), synced, given
// its mode and renamed over the path, so no reader ever sees a partial
// file; the directory is synced; on failure no temporary file is left
// behind.
//
// [Replace] writes files that hold secrets or settings (key files, the
// config, the ignore file, the state directory's records): a symbolic
// link is followed (its target replaced, the link kept) and the old
// file's mode and owner are kept. [ReplaceVolatile] is Replace without
// the syncs, for a record that may be lost when the machine crashes.
//
// [WritePrivate] writes leakguard's own state (the ledger, its backups,
// the history cache): always 0600, and a symbolic link at the path is
// replaced, never followed, so a planted link cannot send the state
// elsewhere or widen its mode.
//
// [WriteReport] writes reports (-o FILE, ci --report and --sarif). A
// report that holds secrets is written 0600, whatever mode a file at
// that path had; a redacted report is an ordinary 0644 file. A symbolic
// link at the path is refused, never followed (a link planted in a
// shared or checked-out directory would otherwise send the report,
// secrets and all, wherever it points). A device or a pipe (-o
// /dev/null) is written as it is.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/leakguard/leakguard/internal/hint"
)

// Modes of report files and of private state.
const (
	ReportMode       fs.FileMode = 0o644
	SecretReportMode fs.FileMode = 0o600
	PrivateMode      fs.FileMode = 0o600
)

// PathErr keeps an *fs.PathError's operation and cause, for messages that
// already name the path.
func PathErr(err error) error {
	if err == nil {
		return nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// Replace replaces path with data, given path's mode (newMode when path
// does not exist) and owner where possible. A symbolic link at path is
// followed: its target is replaced and the link kept. Missing parent
// directories are created with mode 0700.
func Replace(path string, data []byte, newMode fs.FileMode) error {
	return replace(path, data, newMode, true)
}

// ReplaceVolatile is [Replace] without the syncs: no reader ever sees a
// partial file, but after the machine crashes the path may hold its old
// bytes, or none. It is for a record a later run can do without (the
// last blocked scan, which 'leakguard ignore --last' reads and warns
// about when damaged): a blocked commit waited about 1.5 ms for its two
// syncs.
func ReplaceVolatile(path string, data []byte, newMode fs.FileMode) error {
	return replace(path, data, newMode, false)
}

func replace(path string, data []byte, newMode fs.FileMode, sync bool) error {
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
	} else {
		fi = nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return PathErr(err)
	}
	return PathErr(write(path, data, mode, fi, sync))
}

// WritePrivate replaces path with data, mode 0600 whatever was there; a
// symbolic link at path is replaced, not followed. Missing parent
// directories are created with mode 0700. Its errors name the path or
// the temporary file.
func WritePrivate(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return write(path, data, PrivateMode, nil, true)
}

// WriteReport writes the report data to path, 0600 when it holds secrets.
// A link or a directory at path is a usage error ([hint.IsUsage]); other
// failures carry a hint too.
func WriteReport(path string, data []byte, secrets bool) error {
	mode := ReportMode
	if secrets {
		mode = SecretReportMode
	}
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.Mode()&os.ModeSymlink != 0:
		return hint.Usagef("remove the link, or pass the path it points to", "%s is a symbolic link: reports are never written through links", path)
	case err == nil && fi.IsDir():
		return hint.Usagef("pass a file name", "%s is a directory", path)
	case err == nil && !fi.Mode().IsRegular():
		return writeSpecial(path, data)
	}
	if err := write(path, data, mode, nil, true); err != nil {
		return hint.Wrap(err, "check that the output directory exists and is writable")
	}
	return nil
}

// write replaces path with data through a temporary file of the given
// mode, with old's owner when old is set; with sync, the file's data and
// then its directory are synced. Its errors name the temporary file or
// the path.
func write(path string, data []byte, mode fs.FileMode, old fs.FileInfo, sync bool) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".leakguard-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if old != nil {
		keepOwner(tmp, old)
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if sync {
		if err := syncFile(tmp); err != nil {
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if !sync {
		return nil
	}
	if d, err := os.Open(dir); err == nil {
		syncFile(d) // best effort: not every file system syncs directories
		d.Close()
	}
	return nil
}

// syncFile syncs a file or a directory; tests count the calls.
var syncFile = (*os.File).Sync

// writeSpecial writes to an existing device or named pipe.
func writeSpecial(path string, data []byte) error {
	fh, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err == nil {
		_, err = fh.Write(data)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return hint.Wrap(err, "check that the output is writable")
	}
	return nil
}
