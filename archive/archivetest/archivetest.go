// Package archivetest builds archives in memory for tests.
package archivetest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"sort"
	"unicode/utf16"
)

// File is an entry: a name and its content.
type File struct {
	Name string
	Data []byte
}

// Zip builds a zip archive.
func Zip(files ...File) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, f := range files {
		fw, err := w.Create(f.Name)
		if err != nil {
			panic(err)
		}
		fw.Write(f.Data)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// Tar builds a tar archive.
func Tar(files ...File) []byte {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, f := range files {
		if err := w.WriteHeader(&tar.Header{Name: f.Name, Mode: 0o644, Size: int64(len(f.Data)), Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}); err != nil {
			panic(err)
		}
		w.Write(f.Data)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// Gzip compresses data.
func Gzip(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// Map turns name -> content into files in name order.
func Map(m map[string]string) []File {
	var out []File
	for n, d := range m {
		out = append(out, File{n, []byte(d)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Fixtures are files that hide a key from a scanner that reads
// text only: archives of each kind (and nested), a text file that starts
// with a NUL byte, UTF-16 text. Keys are made at run time; the map says
// where each file's finding must point.
func Fixtures(key func() string) (files map[string][]byte, want []string) {
	env := func() []byte { return []byte("ANTHROPIC_KEY_X = \"" + key() + "\"\n") }
	f := func(n string, b []byte) File { return File{Name: n, Data: b} }
	files = map[string][]byte{
		"dist/app.zip":  Zip(f("readme.txt", []byte("hi\n")), f("conf/.env", env())),
		"lib/tool.jar":  Zip(f("META-INF/app.properties", env())),
		"backup.tar.gz": Gzip(Tar(f("etc/secrets.env", env()))),
		"site.tgz":      Gzip(Tar(f("inner.zip", Zip(f("deep.env", env()))))),
		"plain.tar":     Tar(f("x.env", env())),
		"dump.sql.gz":   Gzip(env()),
		"nul-start.env": append([]byte{0}, env()...),
		"utf16.txt":     utf16le(string(env())),
		"clean.zip":     Zip(f("a.txt", []byte("nothing\n"))),
	}
	want = []string{
		"backup.tar.gz!/etc/secrets.env", "dist/app.zip!/conf/.env", "dump.sql.gz!/dump.sql",
		"lib/tool.jar!/META-INF/app.properties", "nul-start.env", "plain.tar!/x.env",
		"site.tgz!/inner.zip!/deep.env", "utf16.txt",
	}
	return files, want
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// Filler is a binary's printable text as leakguard first made it, a byte
// at a time, the reference archive.Strings is tested against: text is
// the binary with every byte outside a run of 8 or more printable bytes
// (ASCII and the tab) made a newline, so each run is on a line whose
// number tells where it sits; wide is its UTF-16 runs (a printable byte
// and a zero, 8 or more), each after a newline, those whose pairs start
// at even offsets first.
func Filler(b []byte) (text, wide []byte) {
	const minRun = 8
	printable := func(c byte) bool { return c >= 0x20 && c < 0x7f || c == '\t' }
	text = make([]byte, len(b))
	start := -1
	flush := func(end int) {
		if start >= 0 && end-start >= minRun {
			copy(text[start:end], b[start:end])
		}
		start = -1
	}
	for i, c := range b {
		text[i] = '\n'
		if printable(c) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(b))
	for align := range 2 {
		var run []byte
		end := func() {
			if len(run) >= minRun {
				wide = append(append(wide, '\n'), run...)
			}
			run = run[:0]
		}
		for i := align; i+1 < len(b); i += 2 {
			if printable(b[i]) && b[i+1] == 0 {
				run = append(run, b[i])
				continue
			}
			end()
		}
		end()
	}
	return text, wide
}
