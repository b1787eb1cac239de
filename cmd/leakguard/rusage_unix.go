//go:build unix

package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// writeRusage writes to path the peak resident set of this process and
// the largest of its waited-for children's (git), in KB, for the
// benchmarks (LEAKGUARD_RUSAGE): "own_kb=N children_kb=M". A sampler
// outside the process would time its own start-up with leakguard's.
//
// Linux counts a child's pages from before it runs git, which are this
// process's: children_kb is never below leakguard's own size when it
// started the child (a tiny repository shows the two equal).
func writeRusage(path string) {
	var self, kids syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) != nil || syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids) != nil {
		return
	}
	own, children := self.Maxrss, kids.Maxrss
	if runtime.GOOS == "darwin" { // bytes there, KB on Linux and the BSDs
		own, children = own/1024, children/1024
	}
	_ = os.WriteFile(path, fmt.Appendf(nil, "own_kb=%d children_kb=%d\n", own, children), 0o644)
}
