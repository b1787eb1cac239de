package rules

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// TestMain makes example templates reproducible: a fixed seed, or
// LEAKGUARD_TEST_SEED=N (any number) to explore other random bodies.
func TestMain(m *testing.M) {
	seed := uint64(1)
	if s := os.Getenv("LEAKGUARD_TEST_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "LEAKGUARD_TEST_SEED must be a number")
			os.Exit(2)
		}
		seed = n
	}
	SeedExamples(seed)
	os.Exit(m.Run())
}
