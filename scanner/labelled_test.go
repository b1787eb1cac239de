package scanner

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// labelled is one entry of testdata/labelled/corpus.tsv.
type labelled struct {
	positive       bool
	category, path string
	text           string
}

// weakPasswords are what real code holds under password names: words,
// words and digits, keyboard walks, names. Reversed here so that this
// source holds none of them as a value.
var weakPasswords = func() []string {
	var out []string
	for _, w := range []string{"2retnuh", "nimdatoor", "ebircsbus", "7102remmus", "nogard", "321ytrewq", "yekcnom",
		"retsam", "enihsnus", "9991llabtoof", "reppilf", "ecnaled", "ognat", "oinotna", "!kcor"} {
		out = append(out, rev(w))
	}
	return out
}()

func loadLabelled(t *testing.T) []labelled {
	t.Helper()
	f, err := os.Open("testdata/labelled/corpus.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.SplitN(line, "\t", 4)
		if len(cols) != 4 || (cols[0] != "P" && cols[0] != "N") {
			t.Fatalf("corpus.tsv:%d: want LABEL<TAB>CATEGORY<TAB>PATH<TAB>TEXT", n)
		}
		out = append(out, labelled{positive: cols[0] == "P", category: cols[1], path: cols[2], text: cols[3]})
	}
	return out
}

// expandLabelled fills in an entry's template.
func expandLabelled(t *testing.T, i int, s string) string {
	s = strings.ReplaceAll(s, `\\n`, "\x00")
	s = strings.ReplaceAll(s, `\n`, "\n")
	s = strings.ReplaceAll(s, "\x00", `\n`)
	for strings.Contains(s, "@weak@") {
		s = strings.Replace(s, "@weak@", weakPasswords[i%len(weakPasswords)], 1)
		i++
	}
	for strings.Contains(s, "@strong@") {
		s = strings.Replace(s, "@strong@", strongPassword(), 1)
	}
	return expand(t, s)
}

type score struct{ tp, fn, fp, tn int }

func (s score) precision() float64 { return ratio(s.tp, s.tp+s.fp) }
func (s score) recall() float64    { return ratio(s.tp, s.tp+s.fn) }
func (s score) f1() float64 {
	p, r := s.precision(), s.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// TestLabelledCorpus scores the detector on the labelled corpus, per
// category, at every confidence and at the default failing threshold
// (medium), and prints the table the README quotes. An entry counts as
// found when any finding is reported in it.
func TestLabelledCorpus(t *testing.T) {
	reseed("labelled")
	d := testDetector(t)
	all, failing := map[string]*score{}, map[string]*score{}
	for _, m := range []map[string]*score{all, failing} {
		m["all"] = &score{}
	}
	for i, e := range loadLabelled(t) {
		text := expandLabelled(t, i, e.text)
		fs := d.Detect(Fragment{Path: e.path, Content: []byte(text)})
		tally := func(m map[string]*score, found bool) {
			if m[e.category] == nil {
				m[e.category] = &score{}
			}
			for _, s := range []*score{m[e.category], m["all"]} {
				switch {
				case e.positive && found:
					s.tp++
				case e.positive:
					s.fn++
				case found:
					s.fp++
				default:
					s.tn++
				}
			}
		}
		tally(all, len(fs) > 0)
		tally(failing, countAtLeast(fs, DefaultFailOn) > 0)
		if e.positive && len(fs) == 0 {
			t.Logf("missed: %s %s %.80q", e.category, e.path, e.text)
		}
		if !e.positive && len(fs) > 0 {
			t.Logf("false positive: %s %s %s [%s] %.80q", e.category, e.path, fs[0].RuleID, fs[0].Confidence, e.text)
		}
	}
	var cats []string
	for c := range all {
		if c != "all" {
			cats = append(cats, c)
		}
	}
	sort.Strings(cats)
	cats = append(cats, "all")
	var b strings.Builder
	fmt.Fprintf(&b, "\n| category | positives | negatives | precision | recall | F1 | precision (medium+) | recall (medium+) |\n|---|---|---|---|---|---|---|---|\n")
	for _, c := range cats {
		a, f := all[c], failing[c]
		fmt.Fprintf(&b, "| %s | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f |\n", c, a.tp+a.fn, a.fp+a.tn,
			a.precision(), a.recall(), a.f1(), f.precision(), f.recall())
	}
	t.Log(b.String())
	// Floors: a change that costs precision or recall on the corpus
	// fails here (the README states the measured numbers).
	if s := all["all"]; s.precision() < 0.95 || s.recall() < 0.9 {
		t.Errorf("labelled corpus: precision %.2f (floor 0.95), recall %.2f (floor 0.90)", s.precision(), s.recall())
	}
}
