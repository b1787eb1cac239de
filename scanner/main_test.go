package scanner

import (
	"fmt"
	"hash/fnv"
	"os"
	"strconv"
	"testing"

	"github.com/leakguard/leakguard/rules"
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
	baseSeed = seed
	rules.SeedExamples(seed)
	os.Exit(m.Run())
}

var baseSeed uint64

// reseed makes one test case's random bodies independent of the tests
// that ran before it.
func reseed(name string) {
	h := fnv.New64a()
	h.Write([]byte(name))
	rules.SeedExamples(baseSeed ^ h.Sum64())
}
