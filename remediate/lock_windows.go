//go:build windows

package remediate

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockExclusive waits for an exclusive lock on f (LockFileEx over the
// whole file: released when the handle closes, however the process ends).
func lockExclusive(f *os.File) error {
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, ^uint32(0), ^uint32(0), new(windows.Overlapped))
}

func unlockExclusive(f *os.File) {
	_ = windows.UnlockFileEx(windows.Handle(f.Fd()), 0, ^uint32(0), ^uint32(0), new(windows.Overlapped))
}
