package gitscan

import (
	"bytes"
	"sort"
)

// maxGapCells bounds the exact LCS run on a region between anchors;
// larger regions count every new line as added.
const maxGapCells = 1 << 16

// addedLines returns the 1-based numbers of the lines of b that a line
// diff from a to b marks as inserted.
//
// It is an anchored ("patience") diff, as in Go's internal/diff: lines
// unique to both sides anchor the match (a longest increasing
// subsequence, O(n log n)), matches are extended over equal neighbours,
// and small regions between anchors get an exact LCS. It never takes
// quadratic time on large files.
//
// Why not sergi/go-diff, which the module already uses for the config
// preview: its line mode (DiffLinesToChars, then DiffMain) is Myers'
// O(ND) diff, quadratic in time and memory when a big file changes a
// lot, and bounded only by a deadline after which its answer depends on
// the machine's speed; it also copies both blobs into strings and
// rebuilds the text of every run, where a staged scan needs only the
// added line numbers, on every commit of a hook, within the hook's time.
// go-diff is instead this diff's test oracle: FuzzAddedLines
// (linediff_test.go) checks that the lines kept here appear in the old
// blob in order and, where the exact LCS runs, that as many are kept as
// go-diff's minimal diff keeps; BenchmarkAddedLines compares the two.
func addedLines(a, b []byte) map[int]bool {
	x, y := splitLines(a), splitLines(b)
	ids := map[string]int{}
	intern := func(ls [][]byte) []int {
		out := make([]int, len(ls))
		for i, l := range ls {
			id, ok := ids[string(l)]
			if !ok {
				id = len(ids)
				ids[string(l)] = id
			}
			out[i] = id
		}
		return out
	}
	xi, yi := intern(x), intern(y)
	added := map[int]bool{}
	matched := make([]bool, len(yi))
	diffRange(xi, yi, 0, len(xi), 0, len(yi), matched)
	for i, m := range matched {
		if !m {
			added[i+1] = true
		}
	}
	return added
}

// splitLines splits after each newline; a last line without one counts.
func splitLines(b []byte) [][]byte {
	if len(b) == 0 {
		return nil
	}
	ls := bytes.SplitAfter(b, []byte("\n"))
	if len(ls[len(ls)-1]) == 0 {
		ls = ls[:len(ls)-1]
	}
	return ls
}

// diffRange marks the lines of y[y0:y1] matched with x[x0:x1].
func diffRange(x, y []int, x0, x1, y0, y1 int, matched []bool) {
	// Common prefix and suffix.
	for x0 < x1 && y0 < y1 && x[x0] == y[y0] {
		matched[y0] = true
		x0, y0 = x0+1, y0+1
	}
	for x0 < x1 && y0 < y1 && x[x1-1] == y[y1-1] {
		matched[y1-1] = true
		x1, y1 = x1-1, y1-1
	}
	if x0 == x1 || y0 == y1 {
		return
	}
	if (x1-x0)*(y1-y0) <= maxGapCells {
		lcs(x, y, x0, x1, y0, y1, matched)
		return
	}
	anchors := uniqueLCS(x[x0:x1], y[y0:y1])
	if len(anchors) == 0 {
		return // nothing to anchor on: all of y's region is new
	}
	px, py := x0, y0
	for _, a := range anchors {
		ax, ay := x0+a[0], y0+a[1]
		diffRange(x, y, px, ax, py, ay, matched)
		matched[ay] = true
		px, py = ax+1, ay+1
	}
	diffRange(x, y, px, x1, py, y1, matched)
}

// lcs marks an exact longest common subsequence of a small region.
func lcs(x, y []int, x0, x1, y0, y1 int, matched []bool) {
	n, m := x1-x0, y1-y0
	t := make([]int32, (n+1)*(m+1))
	at := func(i, j int) *int32 { return &t[i*(m+1)+j] }
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[x0+i] == y[y0+j] {
				*at(i, j) = *at(i+1, j+1) + 1
			} else {
				*at(i, j) = max(*at(i+1, j), *at(i, j+1))
			}
		}
	}
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case x[x0+i] == y[y0+j]:
			matched[y0+j] = true
			i, j = i+1, j+1
		case *at(i+1, j) >= *at(i, j+1):
			i++
		default:
			j++
		}
	}
}

// uniqueLCS returns index pairs of the longest common subsequence of the
// lines that occur exactly once in x and once in y (Szymanski's
// algorithm via patience sorting).
func uniqueLCS(x, y []int) [][2]int {
	type cnt struct{ nx, ny, ix, iy int }
	c := map[int]*cnt{}
	for i, v := range x {
		e := c[v]
		if e == nil {
			e = &cnt{}
			c[v] = e
		}
		e.nx++
		e.ix = i
	}
	for j, v := range y {
		if e := c[v]; e != nil {
			e.ny++
			e.iy = j
		}
	}
	// Pairs in y order whose x index forms the sequence.
	var pairs [][2]int
	for j, v := range y {
		if e := c[v]; e != nil && e.nx == 1 && e.ny == 1 {
			pairs = append(pairs, [2]int{e.ix, j})
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	// Longest increasing subsequence of x indexes.
	var tails []int // index into pairs
	prev := make([]int, len(pairs))
	for k, p := range pairs {
		i := sort.Search(len(tails), func(i int) bool { return pairs[tails[i]][0] >= p[0] })
		if i > 0 {
			prev[k] = tails[i-1]
		} else {
			prev[k] = -1
		}
		if i == len(tails) {
			tails = append(tails, k)
		} else {
			tails[i] = k
		}
	}
	out := make([][2]int, len(tails))
	for k, i := tails[len(tails)-1], len(tails)-1; k >= 0; k, i = prev[k], i-1 {
		out[i] = pairs[k]
	}
	return out
}
