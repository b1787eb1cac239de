package scanner

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPrefilterMatchesNaiveSearch: every case-insensitive, overlapping
// occurrence, in order of start, and nothing else.
func TestPrefilterMatchesNaiveSearch(t *testing.T) {
	for _, pats := range [][]string{
		{"sk", "sk-ant-", "token", "ok", "key", "api_key", "ke", "aa", "aaa", "_k", "x", "\nke"},
		// Keywords that start in a run of newlines, which each skips
		// when no keyword does.
		{"sk", "key", "\n\nk", "\n\n", "x\n\n\nx"},
		// Keywords of three bytes that begin longer ones, which share
		// their trigram's group and have a four-byte key of their own.
		{"tok", "token", "toke", "key", "keys", "key_", "ke", "kEy-x"},
		// Hundreds of random keywords: groups of several keywords, and
		// keys that collide in the hashed sets.
		randomKeywords(400),
	} {
		prefilterMatchesNaive(t, pats)
	}
}

// randomKeywords is n keywords of two to eight bytes from the alphabet
// prefilterMatchesNaive writes its text with.
func randomKeywords(n int) []string {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := "akeystonpi_-x \n"
	var out []string
	for range n {
		k := make([]byte, 2+r.IntN(7))
		for i := range k {
			k[i] = alphabet[r.IntN(len(alphabet))]
		}
		out = append(out, string(k))
	}
	return out
}

func prefilterMatchesNaive(t *testing.T, pats []string) {
	p := newPrefilter(pats)
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("aAkKeEyYsStToOnN_-pPiI x\n")
	for n := 0; n < 4000; n++ {
		var b []byte
		for len(b) < 200 && r.IntN(16) > 0 {
			if r.IntN(3) == 0 { // runs of newlines
				b = append(b, bytes.Repeat([]byte{'\n'}, r.IntN(30))...)
				continue
			}
			for range r.IntN(6) {
				b = append(b, alphabet[r.IntN(len(alphabet))])
			}
		}
		type hit struct{ id, s, e int }
		var got, want []hit
		p.each(b, func(id, s, e int) { got = append(got, hit{id, s, e}) })
		// In order of start; at one start, the keywords of two bytes,
		// then the longer ones, each in the order of their ids (the
		// detector's assignment rules take the first keyword that
		// reaches a name).
		lb := bytes.ToLower(b)
		for s := range lb {
			for _, long := range []bool{false, true} {
				for id, k := range pats {
					k := strings.ToLower(k)
					if len(k) >= 2 && (len(k) > 2) == long && bytes.HasPrefix(lb[s:], []byte(k)) {
						want = append(want, hit{id, s, s + len(k)})
					}
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%q: got %v, want %v", b, got, want)
		}
	}
}

// BenchmarkPrefilter times the keyword prefilter over real source with the
// default rules' keywords and, in the same run, its floor (one read of
// every byte through a class table, floorScan): prefilter/floor is its
// cost per byte against reading the bytes. Each part's fastest iteration
// in thread CPU time (the least disturbed on a shared machine);
// maybes/KB counts the groups of keywords compared (where a set said
// maybe and had keywords of that length) and compares/KB the keywords
// in them, which no load changes.
//
//	go test -run '^$' -bench Prefilter -benchtime 20x ./scanner
func BenchmarkPrefilter(b *testing.B) {
	corpus := benchCorpus(b)
	p := testDetector(b).keywords
	b.SetBytes(int64(len(corpus)))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var tPre, tFloor time.Duration
	fastest := func(d *time.Duration, t0 time.Duration) {
		if t := threadCPU() - t0; *d == 0 || t < *d {
			*d = t
		}
	}
	sink := 0
	for b.Loop() {
		t := threadCPU()
		p.each(corpus, func(id, s, e int) { sink += e - s })
		fastest(&tPre, t)
		t = threadCPU()
		sink += floorScan(corpus)
		fastest(&tFloor, t)
	}
	if sink < 0 {
		b.Fatal(sink)
	}
	maybes, compares := p.stats(corpus)
	kb := float64(len(corpus)) / 1024
	b.ReportMetric(float64(tPre)/float64(tFloor), "prefilter/floor")
	b.ReportMetric(float64(maybes)/kb, "maybes/KB")
	b.ReportMetric(float64(compares)/kb, "compares/KB")
}
