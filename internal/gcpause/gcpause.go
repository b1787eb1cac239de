// Package gcpause turns the garbage collector off while a process starts
// up, when what it allocates all stays live.
package gcpause

import (
	"runtime/debug"
	"sync"
)

// Limit is the memory limit while the collector is paused: a large run
// that never resumes it still collects near this size.
const Limit = 512 << 20

// Start turns the garbage collector off, unless the user set $GOGC:
// loading the rules allocates a few MB that all stay live, and collecting
// them twice is a third of a pre-commit hook's time. The returned func
// turns it back on (the percentage and memory limit it found); calling it
// again does nothing.
func Start(getenv func(string) string) (resume func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(-1)
	oldLimit := debug.SetMemoryLimit(Limit)
	var once sync.Once
	return func() {
		once.Do(func() {
			debug.SetGCPercent(old)
			debug.SetMemoryLimit(oldLimit)
		})
	}
}
