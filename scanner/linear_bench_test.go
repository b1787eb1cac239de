package scanner

import (
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/rules"
)

// BenchmarkLongMinifiedLine measures one minified line of 1 MiB and of
// 4 MiB (keywords everywhere, one key at the end) in the same run, and
// reports the ratio of their times: about 4 when the cost is linear in
// the line's length, 16 when quadratic.
func BenchmarkLongMinifiedLine(b *testing.B) {
	d := testDetector(b)
	key := "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA"
	line := func(n int) []byte {
		var s strings.Builder
		for s.Len() < n {
			s.WriteString(`var token=a.key||b.secret;function password(x){return x.api_key};`)
		}
		s.WriteString(`k="` + key + `";`)
		return []byte(s.String())
	}
	small, large := line(1<<20), line(4<<20)
	var tSmall, tLarge time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if len(d.Detect(Fragment{Path: "a.min.js", Content: small})) != 1 {
			b.Fatal("missed the key")
		}
		tSmall += time.Since(start)
		start = time.Now()
		if len(d.Detect(Fragment{Path: "a.min.js", Content: large})) != 1 {
			b.Fatal("missed the key")
		}
		tLarge += time.Since(start)
	}
	b.SetBytes(int64(len(small) + len(large)))
	b.ReportMetric(float64(tLarge)/float64(tSmall), "large/small")
}
