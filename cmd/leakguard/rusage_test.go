//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestWriteRusage: the benchmarks read leakguard's own peak memory and
// its largest git child's from LEAKGUARD_RUSAGE's file.
func TestWriteRusage(t *testing.T) {
	if err := exec.Command("git", "--version").Run(); err != nil { // a waited-for child
		t.Skip("no git:", err)
	}
	p := filepath.Join(t.TempDir(), "rusage")
	writeRusage(p)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var own, kids int64
	if n, err := fmt.Sscanf(string(b), "own_kb=%d children_kb=%d\n", &own, &kids); n != 2 || err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	// A Go test binary holds a few MB; a child that ran, some.
	if own < 1024 || own > 4<<20 || kids <= 0 || kids > 4<<20 {
		t.Errorf("own %d KB, children %d KB: not kilobytes of a running process", own, kids)
	}
}
