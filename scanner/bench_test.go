package scanner

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// benchCorpus is about 4 MiB of real source: Go's own net package (files
// in name order), the same on every run.
func benchCorpus(b testing.TB) []byte {
	b.Helper()
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Skipf("corpus: go env GOROOT: %v", err)
	}
	root := filepath.Join(strings.TrimSpace(string(goroot)), "src", "net")
	var paths []string
	filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(p, ".go") {
			paths = append(paths, p)
		}
		return nil
	})
	sort.Strings(paths)
	var out []byte
	for _, p := range paths {
		if len(out) >= 4<<20 {
			break
		}
		data, err := os.ReadFile(p)
		if err == nil {
			out = append(out, data...)
		}
	}
	if len(out) < 1<<20 {
		b.Skipf("corpus: only %d bytes under %s", len(out), root)
	}
	return out
}

// benchKeys are managed keys with fingerprints of values absent from the
// corpus: the cost of looking, not of finding.
func benchKeys() []rules.Key {
	var ks []rules.Key
	for _, n := range []string{"A_API_KEY", "B_API_KEY", "C_API_KEY", "D_API_KEY", "E_API_KEY"} {
		ks = append(ks, rules.Key{Name: n, Fingerprints: []string{
			secret.Fingerprint(rules.RandString(40, "alnum")), secret.Fingerprint(rules.RandString(24, "alnum")),
		}})
	}
	return ks
}

// BenchmarkKnownValues times the known-value pass over real source and,
// in the same run, its floor — one read of every byte through the token
// class table — and the whole detector without fingerprints: find/floor
// is the pass's cost per byte against reading the bytes, and
// detect+keys/detect the price of fingerprints in a scan. Ratios are of
// each part's fastest iteration in thread CPU time (the least disturbed
// on a shared machine); hashes/MB counts the spans hashed, which no load
// changes.
func BenchmarkKnownValues(b *testing.B) {
	corpus := benchCorpus(b)
	keys := benchKeys()
	kv := newKnownValues(keys)
	plain := testDetector(b)
	withKeys := testDetector(b, keys...)
	b.SetBytes(int64(len(corpus)))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	fastest := func(d *time.Duration, t0 time.Duration) {
		if t := threadCPU() - t0; *d == 0 || t < *d {
			*d = t
		}
	}
	var tFind, tFloor, tPlain, tKeys time.Duration
	sink, hashed := 0, 0
	for b.Loop() {
		runtime.GC() // no collection inside a measurement
		t := threadCPU()
		_, hashed = kv.scan(corpus)
		fastest(&tFind, t)
		t = threadCPU()
		sink += floorScan(corpus)
		fastest(&tFloor, t)
		t = threadCPU()
		sink += len(plain.Detect(Fragment{Path: "net.go", Content: corpus}))
		fastest(&tPlain, t)
		t = threadCPU()
		sink += len(withKeys.Detect(Fragment{Path: "net.go", Content: corpus}))
		fastest(&tKeys, t)
	}
	if sink < 0 {
		b.Fatal(sink)
	}
	b.ReportMetric(float64(tFind)/float64(tFloor), "find/floor")
	b.ReportMetric(float64(tKeys)/float64(tPlain), "detect+keys/detect")
	b.ReportMetric(float64(hashed)/(float64(len(corpus))/(1<<20)), "hashes/MB")
}

// floorScan reads every byte through the token class table and counts
// the runs: what any token-based pass must do at least.
func floorScan(b []byte) int {
	runs, in := 0, false
	for _, c := range b {
		t := tokenClass[c] != 0
		if t && !in {
			runs++
		}
		in = t
	}
	return runs
}
