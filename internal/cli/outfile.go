package cli

import (
	"fmt"
	"os"
	"path/filepath"
)

// Report files.
//
// A report that holds secrets (scan --show-secrets -o FILE) is written
// 0600, whatever mode a file at that path had; a redacted report (every
// other -o, audit -o, ci --report and --sarif) is an ordinary 0644 file.
// Both are written to a temporary file in the same directory (created
// 0600) and renamed over the path, so no reader ever sees a partial
// report and no other file is ever written: a symbolic link at the path
// is refused, never followed (a link planted in a shared or checked-out
// directory would otherwise send the report, secrets and all, wherever
// it points). A device or a pipe (-o /dev/null) is written as it is.

// Modes of report files.
const (
	reportMode       os.FileMode = 0o644
	secretReportMode os.FileMode = 0o600
)

// writeReportFile writes data to path as described above.
func writeReportFile(path string, data []byte, secrets bool) error {
	mode := reportMode
	if secrets {
		mode = secretReportMode
	}
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.Mode()&os.ModeSymlink != 0:
		return &Error{Code: ExitUsage, Err: fmt.Errorf("%s is a symbolic link: reports are never written through links", path), Hint: "remove the link, or pass the path it points to"}
	case err == nil && fi.IsDir():
		return &Error{Code: ExitUsage, Err: fmt.Errorf("%s is a directory", path), Hint: "pass a file name"}
	case err == nil && !fi.Mode().IsRegular():
		return writeSpecial(path, data)
	}
	fail := func(err error) error {
		return &Error{Code: ExitIncomplete, Err: err, Hint: "check that the output directory exists and is writable"}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".leakguard-*")
	if err != nil {
		return fail(err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fail(err)
	}
	done = true
	return nil
}

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
		return &Error{Code: ExitIncomplete, Err: err, Hint: "check that the output is writable"}
	}
	return nil
}
