// Command leakguard stops API keys from leaking through git and cleans up
// when one does. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/leakguard/leakguard/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// LEAKGUARD_CPUPROFILE=FILE writes a CPU profile, for the benchmarks.
	if p := os.Getenv("LEAKGUARD_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil && pprof.StartCPUProfile(f) == nil {
			defer f.Close()
			defer pprof.StopCPUProfile()
		}
	}
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	pprof.StopCPUProfile()
	// LEAKGUARD_RUSAGE=FILE writes the peak memory, for the benchmarks.
	if p := os.Getenv("LEAKGUARD_RUSAGE"); p != "" {
		writeRusage(p)
	}
	os.Exit(code)
}
