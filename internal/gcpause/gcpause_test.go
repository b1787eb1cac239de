package gcpause

import (
	"runtime/debug"
	"testing"
)

// gcPercent reads the collector's percentage without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestStartPausesAndResumes(t *testing.T) {
	before, beforeLimit := gcPercent(), debug.SetMemoryLimit(-1)
	resume := Start(func(string) string { return "" })
	if p, l := gcPercent(), debug.SetMemoryLimit(-1); p != -1 || l != Limit {
		resume()
		t.Fatalf("paused: GC percent %d, limit %d; want -1, %d", p, l, int64(Limit))
	}
	resume()
	if p, l := gcPercent(), debug.SetMemoryLimit(-1); p != before || l != beforeLimit {
		t.Fatalf("resumed: GC percent %d, limit %d; want %d, %d", p, l, before, beforeLimit)
	}
	// Resuming again leaves whatever was set since alone.
	debug.SetGCPercent(77)
	defer debug.SetGCPercent(before)
	resume()
	if p := gcPercent(); p != 77 {
		t.Fatalf("second resume set GC percent %d", p)
	}
}

func TestStartHonoursGOGC(t *testing.T) {
	before, beforeLimit := gcPercent(), debug.SetMemoryLimit(-1)
	resume := Start(func(k string) string {
		if k == "GOGC" {
			return "200"
		}
		return ""
	})
	defer resume()
	if p, l := gcPercent(), debug.SetMemoryLimit(-1); p != before || l != beforeLimit {
		t.Fatalf("with GOGC set: GC percent %d, limit %d; want %d, %d untouched", p, l, before, beforeLimit)
	}
}
