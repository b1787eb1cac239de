//go:build unix

package remediate

import (
	"os"
	"syscall"
)

// lockExclusive waits for an exclusive lock on f (flock: released when
// the process ends, however it ends).
func lockExclusive(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }

func unlockExclusive(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
