package scanner

import (
	"crypto/rand"
	"encoding/base64"
	"runtime"
	"strings"
	"testing"
	"time"
)

// wrappedBinary is n bytes of random binary, base64-encoded and wrapped
// at 76 columns like Go's debug/buildinfo test data: a wrapped block whose
// joined decoding is not text.
func wrappedBinary(n int) []byte {
	raw := make([]byte, n)
	rand.Read(raw)
	enc := base64.StdEncoding.EncodeToString(raw)
	var s strings.Builder
	for i := 0; i < len(enc); i += 76 {
		s.WriteString(enc[i:min(len(enc), i+76)])
		s.WriteByte('\n')
	}
	return []byte(s.String())
}

// TestWrappedBase64BinaryIsLinear: a long block of wrapped base64 that
// decodes to binary is joined and decoded once, not once from each of its
// lines. Bytes allocated by the detector (no clock involved) grow about
// twofold when the block doubles; they grew fourfold when every line
// re-joined the rest of the block.
func TestWrappedBase64BinaryIsLinear(t *testing.T) {
	d := testDetector(t)
	alloc := func(b []byte) uint64 {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		d.Detect(Fragment{Path: "x.base64", Content: b})
		runtime.ReadMemStats(&m1)
		return m1.TotalAlloc - m0.TotalAlloc
	}
	small, large := wrappedBinary(96<<10), wrappedBinary(192<<10)
	alloc(small) // warm-up: compiled regexes, pools
	a, b := alloc(small), alloc(large)
	if r := float64(b) / float64(a); r > 3 {
		t.Errorf("bytes allocated: %d for %d bytes, %d for %d bytes (x%.1f for x2 input): super-linear", a, len(small), b, len(large), r)
	}
}

// BenchmarkWrappedBase64Binary times a wrapped base64 block of binary at
// 256 KiB and 512 KiB of input in the same run (thread CPU time) and
// reports large/small: about 2 when linear, 4 when quadratic.
func BenchmarkWrappedBase64Binary(b *testing.B) {
	d := testDetector(b)
	small, large := wrappedBinary(192<<10), wrappedBinary(384<<10)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var tSmall, tLarge time.Duration
	for b.Loop() {
		t := threadCPU()
		d.Detect(Fragment{Path: "x.base64", Content: small})
		tSmall += threadCPU() - t
		t = threadCPU()
		d.Detect(Fragment{Path: "x.base64", Content: large})
		tLarge += threadCPU() - t
	}
	b.SetBytes(int64(len(small) + len(large)))
	b.ReportMetric(float64(tLarge)/float64(tSmall), "large/small")
}
