// Package alloc measures allocation for tests of memory that involve no
// clock.
package alloc

import "runtime"

// Bytes is how many bytes fn allocates on the heap (the whole process's:
// run it where no other test runs at the same time).
func Bytes(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
