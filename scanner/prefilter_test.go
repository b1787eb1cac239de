package scanner

import (
	"bytes"
	"math/rand/v2"
	"sort"
	"testing"
)

// TestPrefilterMatchesNaiveSearch: every case-insensitive, overlapping
// occurrence, in order of start, and nothing else.
func TestPrefilterMatchesNaiveSearch(t *testing.T) {
	pats := []string{"sk", "sk-ant-", "token", "ok", "key", "api_key", "ke", "aa", "aaa", "_k", "x"}
	p := newPrefilter(pats)
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("aAkKeEyYsStToOnN_-pPiI x")
	for n := 0; n < 2000; n++ {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		type hit struct{ id, s, e int }
		var got, want []hit
		p.each(b, func(id, s, e int) { got = append(got, hit{id, s, e}) })
		lb := bytes.ToLower(b)
		for s := range lb {
			for id, k := range pats {
				if len(k) >= 2 && bytes.HasPrefix(lb[s:], []byte(k)) {
					want = append(want, hit{id, s, s + len(k)})
				}
			}
		}
		key := func(h []hit) func(i, j int) bool {
			return func(i, j int) bool {
				if h[i].s != h[j].s {
					return h[i].s < h[j].s
				}
				return h[i].id < h[j].id
			}
		}
		for i := 1; i < len(got); i++ {
			if got[i].s < got[i-1].s {
				t.Fatalf("%q: hits out of order", b)
			}
		}
		sort.Slice(got, key(got))
		sort.Slice(want, key(want))
		if len(got) != len(want) {
			t.Fatalf("%q: got %v, want %v", b, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%q: got %v, want %v", b, got, want)
			}
		}
	}
}

func BenchmarkPrefilter(b *testing.B) {
	d := testDetector(b)
	text := bytes.Repeat([]byte("func (x *Thing) Method(path string) error { return fmt.Errorf(\"token %s\", key) }\n"), 10000)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		d.keywords.each(text, func(int, int, int) {})
	}
}
