package archive

import (
	"archive/zip"
	"bytes"
	"fmt"
	"hash/crc32"
	"maps"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/archive/archivetest"
	"github.com/leakguard/leakguard/internal/testkit/alloc"
)

func f(name string, data []byte) archivetest.File {
	return archivetest.File{Name: name, Data: data}
}

func walk(name string, b []byte, l Limits) (map[string]string, Result) {
	got := map[string]string{}
	res := Walk(name, b, l, func(p string, d []byte) { got[p] = string(d) })
	return got, res
}

func TestWalkFormats(t *testing.T) {
	inner := []archivetest.File{f("conf/.env", []byte("A=1\n")), f("readme.txt", []byte("hi\n"))}
	want := map[string]string{"x!/conf/.env": "A=1\n", "x!/readme.txt": "hi\n"}
	for name, b := range map[string][]byte{
		"zip":    archivetest.Zip(inner...),
		"tar":    archivetest.Tar(inner...),
		"tar.gz": archivetest.Gzip(archivetest.Tar(inner...)),
	} {
		got, res := walk("x", b, Limits{})
		if !reflect.DeepEqual(got, want) || len(res.Skipped) != 0 {
			t.Errorf("%s: %v %+v", name, got, res)
		}
	}
	got, _ := walk("dump.sql.gz", archivetest.Gzip([]byte("secret\n")), Limits{})
	if !reflect.DeepEqual(got, map[string]string{"dump.sql.gz!/dump.sql": "secret\n"}) {
		t.Errorf("gz: %v", got)
	}
	if Detect([]byte("plain text")) != None || Detect(nil) != None {
		t.Error("text detected as an archive")
	}
}

func TestWalkNestedDepth(t *testing.T) {
	deep := archivetest.Zip(f("c.txt", []byte("deep\n")))
	mid := archivetest.Zip(f("b.txt", []byte("mid\n")), f("c.zip", deep))
	outer := archivetest.Gzip(archivetest.Tar(f("a.txt", []byte("top\n")), f("b.zip", mid)))
	got, res := walk("o.tgz", outer, Limits{})
	want := map[string]string{"o.tgz!/a.txt": "top\n", "o.tgz!/b.zip!/b.txt": "mid\n"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("depth 2: %v", got)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Path != "o.tgz!/b.zip!/c.zip" || !strings.Contains(res.Skipped[0].Reason, "nested") {
		t.Fatalf("skipped: %+v", res.Skipped)
	}
	got, res = walk("o.tgz", outer, Limits{Depth: 3})
	if got["o.tgz!/b.zip!/c.zip!/c.txt"] != "deep\n" || len(res.Skipped) != 0 {
		t.Fatalf("depth 3: %v %+v", got, res.Skipped)
	}
}

func TestWalkBomb(t *testing.T) {
	zeros := bytes.Repeat([]byte{'0'}, 4<<20)
	var files []archivetest.File
	for i := 0; i < 8; i++ {
		files = append(files, f("z"+string(rune('a'+i)), zeros))
	}
	bomb := archivetest.Zip(files...)
	got, res := walk("bomb.zip", bomb, Limits{MaxBytes: 10 << 20})
	if len(got) != 2 || res.Bytes > 10<<20 {
		t.Fatalf("expanded %d entries, %d bytes", len(got), res.Bytes)
	}
	if len(res.Skipped) == 0 || !strings.Contains(res.Skipped[len(res.Skipped)-1].Reason, "expanded bytes") {
		t.Fatalf("skipped: %+v", res.Skipped)
	}
	_, res = walk("big.zip", bomb, Limits{MaxEntry: 1 << 20})
	if len(res.Skipped) != 8 || !strings.Contains(res.Skipped[0].Reason, "size limit") {
		t.Fatalf("entry limit: %+v", res.Skipped)
	}
	_, res = walk("many.zip", bomb, Limits{MaxEntries: 3})
	if res.Entries != 3 || !strings.Contains(res.Skipped[len(res.Skipped)-1].Reason, "entries") {
		t.Fatalf("entries limit: %+v", res)
	}
}

// TestWalkMalformed: an archive that cannot be read as one is still a
// file: its bytes are handed on whole (scanned as a binary), whatever
// its entries give up is handed on too, and it is a notice, not a gap
// (issue 14 item 0: Go's archive/tar and archive/zip test data).
func TestWalkMalformed(t *testing.T) {
	env := f("conf/.env", []byte("TOKEN=abcdefghijkl\n"))
	good := archivetest.Tar(env, f("b.txt", []byte("second entry\n")))
	// A tar whose second header's checksum is wrong.
	badTar := bytes.Clone(good)
	badTar[512+512+148] ^= 1
	// A zip whose end of central directory is cut off: its local entries
	// (deflated) are still there.
	z := archivetest.Zip(env, f("b.txt", []byte(strings.Repeat("compressible ", 40))))
	cutZip := z[:len(z)-10]
	// A gzip stream cut short, and one with a broken header.
	gz := archivetest.Gzip([]byte(strings.Repeat("line of text\n", 4000) + "TOKEN=abcdefghijkl\n"))
	for _, tc := range []struct {
		name string
		b    []byte
		want map[string]string // entries recovered (the whole file is handed on too)
	}{
		{"bad.tar", badTar, map[string]string{"bad.tar!/conf/.env": "TOKEN=abcdefghijkl\n"}},
		{"cut.zip", cutZip, map[string]string{"cut.zip!/conf/.env": "TOKEN=abcdefghijkl\n", "cut.zip!/b.txt": strings.Repeat("compressible ", 40)}},
		{"broken.zip", []byte("PK\x03\x04 not really"), map[string]string{}},
		{"cut.gz", gz[:len(gz)/2], nil},
	} {
		got, res := walk(tc.name, tc.b, Limits{})
		if len(res.Skipped) != 0 || len(res.Notices) != 1 || res.Notices[0].Path != tc.name || !strings.Contains(res.Notices[0].Reason, "malformed") {
			t.Errorf("%s: skipped %+v, notices %+v; want one notice", tc.name, res.Skipped, res.Notices)
		}
		if got[tc.name] != string(tc.b) {
			t.Errorf("%s: its bytes were not handed on (%d entries)", tc.name, len(got))
		}
		delete(got, tc.name)
		if tc.want != nil && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: recovered %v, want %v", tc.name, got, tc.want)
		}
		if tc.name == "cut.gz" && (len(got) != 1 || !strings.HasPrefix(got["cut.gz!/cut"], "line of text\n")) {
			t.Errorf("cut.gz: what decompressed was not handed on: %d entries", len(got))
		}
	}
	// Nested: a malformed tar inside a zip is handed on as that entry.
	got, res := walk("o.zip", archivetest.Zip(f("in.tar", badTar)), Limits{})
	if got["o.zip!/in.tar"] != string(badTar) || got["o.zip!/in.tar!/conf/.env"] == "" || len(res.Notices) != 1 || len(res.Skipped) != 0 {
		t.Errorf("nested: %d entries, %+v", len(got), res)
	}
}

func TestStrings(t *testing.T) {
	b := []byte("\x00\x01KEY=abcdefghijkl\x00short\x00")
	b = append(b, []byte("t\x00o\x00k\x00e\x00n\x00=\x00x\x00y\x00z\x00")...)
	b = append(b, make([]byte, 100)...)
	b = append(b, "LAST RUN here"...)
	s := StringsOf(b)
	text, wide := s.Text()
	// Two bytes before KEY, two newlines; over a hundred after it,
	// MaxGap.
	want := "\n\nKEY=abcdefghijkl" + strings.Repeat("\n", MaxGap) + "LAST RUN here"
	if string(text) != want || string(wide) != "\nttoken=xyz" { // "shor(t\x00)"
		t.Fatalf("text %q, wide %q", text, wide)
	}
	// KEY is on line 3 of the content with every other byte a newline,
	// LAST on the line after all of the bytes between; the UTF-16 text
	// starts after all of them.
	m := s.Lines()
	if got := m.Line(3); got != 3 {
		t.Errorf("Line(3) = %d, want 3", got)
	}
	if got, want := m.Line(3+MaxGap), bytes.Index(b, []byte("LAST"))-len("KEY=abcdefghijkl")+1; got != want {
		t.Errorf("Line(%d) = %d, want %d", 3+MaxGap, got, want)
	}
	if got := s.TextLines(); got != len(b)-len("KEY=abcdefghijkl")-len("LAST RUN here") {
		t.Errorf("TextLines = %d", got)
	}
}

// BenchmarkStrings reads a Go executable (mostly code and tables, with
// strings between) and a compressed file (random bytes), whole and
// written in 64 KiB pieces as a pipe gives them.
func BenchmarkStrings(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Skip(err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		b.Skip(err)
	}
	if len(bin) > 4<<20 {
		bin = bin[:4<<20]
	}
	rnd := make([]byte, 4<<20)
	rand.NewChaCha8([32]byte{1}).Read(rnd)
	for _, c := range []struct {
		name string
		b    []byte
	}{{"executable", bin}, {"random", rnd}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.b)))
			for b.Loop() {
				StringsOf(c.b).Text()
			}
		})
		b.Run(c.name+"/written", func(b *testing.B) {
			b.SetBytes(int64(len(c.b)))
			for b.Loop() {
				var s Strings
				for p := c.b; len(p) > 0; p = p[min(len(p), 64<<10):] {
					s.Write(p[:min(len(p), 64<<10)])
				}
				s.Text()
			}
		})
	}
}

// textReference is a binary's text as leakguard first made it, a byte
// at a time (archivetest.Filler): Strings must find exactly what it
// finds, at the same lines.
func textReference(b []byte) []byte {
	text, wide := archivetest.Filler(b)
	return append(text, wide...)
}

// compactReference is textReference's result as Strings gives it: the
// text part with each run of newlines cut to two at most, the UTF-16
// part as it is, and for each line of the cut text that holds a run, the
// line of textReference's that holds it.
func compactReference(b []byte) (text, wide []byte, lineOf map[int]int) {
	ref := textReference(b)
	full, wide := ref[:len(b)], ref[len(b):]
	lineOf = map[int]int{}
	fullLine, line := 1, 1
	for i := 0; i < len(full); {
		if full[i] != '\n' {
			j := i + bytes.IndexByte(full[i:], '\n')
			if j < i {
				j = len(full)
			}
			lineOf[line] = fullLine
			text = append(text, full[i:j]...)
			i = j
			continue
		}
		n := 0
		for i < len(full) && full[i] == '\n' {
			i, n = i+1, n+1
		}
		fullLine += n
		for range min(n, MaxGap) {
			text = append(text, '\n')
			line++
		}
	}
	return text, wide, lineOf
}

// TestStringsMatchesReference compares Strings with textReference on
// inputs made of runs around MinRun long (printable text, UTF-16 in both
// byte orders, NULs, control and high bytes) at every length from 0 to
// 80 and at random, read whole and written in pieces of random sizes
// through a small window (runs cross the writes and the window's cuts).
func TestStringsMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	piece := func() []byte {
		n := r.IntN(2*MinRun + 2)
		var p []byte
		switch r.IntN(6) {
		case 0: // ASCII text
			for range n {
				p = append(p, byte(0x20+r.IntN(0x5f)))
			}
		case 1: // UTF-16LE
			for range n {
				p = append(p, byte('a'+r.IntN(26)), 0)
			}
		case 2: // UTF-16BE
			for range n {
				p = append(p, 0, byte('A'+r.IntN(26)))
			}
		case 3: // NULs and control bytes
			for range n {
				p = append(p, byte(r.IntN(0x20)))
			}
		case 4: // NULs alone
			p = make([]byte, n)
		default: // anything
			for range n {
				p = append(p, byte(r.IntN(256)))
			}
		}
		return p
	}
	check := func(b []byte, s *Strings, how string) {
		t.Helper()
		wantText, wantWide, lineOf := compactReference(b)
		text, wide := s.Text()
		if !bytes.Equal(text, wantText) || !bytes.Equal(wide, wantWide) {
			t.Fatalf("%s %q:\n got %q %q\nwant %q %q", how, b, text, wide, wantText, wantWide)
		}
		m := s.Lines()
		for l, want := range lineOf { // in no order
			if got := m.Line(l); got != want {
				t.Fatalf("%s %q: Line(%d) = %d, want %d", how, b, l, got, want)
			}
		}
		ls := slices.Sorted(maps.Keys(lineOf))
		m = s.Lines()
		for _, l := range ls {
			if got := m.Line(l); got != lineOf[l] {
				t.Fatalf("%s %q: in order, Line(%d) = %d, want %d", how, b, l, got, lineOf[l])
			}
		}
		if got, want := s.TextLines(), bytes.Count(textReference(b)[:len(b)], []byte{'\n'}); got != want {
			t.Fatalf("%s %q: TextLines = %d, want %d", how, b, got, want)
		}
	}
	both := func(b []byte) {
		t.Helper()
		check(b, StringsOf(b), "whole")
		s := &Strings{win: make([]byte, 0, 1+r.IntN(40))}
		for p := b; len(p) > 0; {
			n := min(len(p), 1+r.IntN(50))
			s.Write(p[:n])
			p = p[n:]
		}
		check(b, s, "written")
	}
	text := bytes.Repeat([]byte("abcdefghij"), 8)
	for n := 0; n <= len(text); n++ {
		both(text[:n])
		both(append([]byte{0}, text[:n]...))
	}
	for range 20000 {
		var b []byte
		for range r.IntN(12) {
			b = append(b, piece()...)
		}
		both(b)
	}
}

// TestStringsWindowBounded: a large binary written in pieces is read
// through the window, not kept.
func TestStringsWindowBounded(t *testing.T) {
	rnd := make([]byte, 8<<20)
	rand.NewChaCha8([32]byte{2}).Read(rnd)
	var s Strings
	for p := rnd; len(p) > 0; p = p[min(len(p), 64<<10):] {
		s.Write(p[:min(len(p), 64<<10)])
		if cap(s.win) > stringsWindow {
			t.Fatalf("window grew to %d bytes on random content", cap(s.win))
		}
	}
	text, _ := s.Text()
	if len(text) > len(rnd)/16 {
		t.Fatalf("text of random bytes is %d bytes", len(text))
	}
}

// TestWalkReadsEntriesOnce: an entry of declared size is read into one
// buffer of that size, not into one grown and copied as it fills.
func TestWalkReadsEntriesOnce(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	tgz := archivetest.Gzip(archivetest.Tar(f("big.txt", data)))
	var got int
	n := alloc.Bytes(func() {
		Walk("x.tgz", tgz, Limits{}, func(_ string, b []byte) { got = len(b) })
	})
	if got != len(data) {
		t.Fatalf("read %d bytes, want %d", got, len(data))
	}
	// The entry's buffer, and gzip's and tar's few KB.
	if n > uint64(len(data))+1<<20 {
		t.Fatalf("a %d-byte entry cost %d bytes of allocation", len(data), n)
	}
}

// TestWalkLyingSizes: entries that declare far more than they hold make
// it allocate no more than the expansion limit, however many they are.
func TestWalkLyingSizes(t *testing.T) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := range 100 {
		data := []byte("tiny\n")
		w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("f%d", i), Method: zip.Store, CRC32: crc32.ChecksumIEEE(data), CompressedSize64: uint64(len(data)), UncompressedSize64: 8 << 20})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	l := Limits{MaxBytes: 16 << 20}
	entries := map[string]bool{}
	n := alloc.Bytes(func() {
		Walk("x.zip", b.Bytes(), l, func(p string, _ []byte) { entries[p] = true })
	})
	for i := range 100 {
		if p := fmt.Sprintf("x.zip!/f%d", i); !entries[p] {
			t.Fatalf("%s not read: %v", p, entries)
		}
	}
	// The limit, one more entry's hint over it, and the archive's own
	// reading.
	if n > uint64(l.MaxBytes)+8<<20+4<<20 {
		t.Fatalf("100 entries declaring 8 MiB each cost %d MiB of allocation", n>>20)
	}
}

// readAtMost reads one byte past max to tell "too large", into the
// buffer it made for the hint: a declared size at the limit and more
// content (a lying header) cost no second buffer.
func TestReadAtMostAtTheLimit(t *testing.T) {
	const max = 1 << 20
	for _, size := range []int{max - 1, max, max + 1, max + 5} {
		src := bytes.Repeat([]byte("x"), size)
		var b []byte
		var err error
		n := alloc.Bytes(func() { b, err = readAtMost(bytes.NewReader(src), max, max) })
		if err != nil || len(b) != min(size, max+1) {
			t.Fatalf("size %d: read %d bytes, %v", size, len(b), err)
		}
		if n > max+64<<10 {
			t.Fatalf("size %d: %d bytes allocated for a %d-byte hint", size, n, max)
		}
	}
}
