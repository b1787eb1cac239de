package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
)

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

func noTemp(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".leakguard-") {
			t.Errorf("left %s", e.Name())
		}
	}
}

// A report with secrets is 0600 over a 0644 file; a redacted one 0644;
// a link or a directory is refused (a usage error with a hint) and the
// link's target is untouched.
func TestWriteReport(t *testing.T) {
	dir := t.TempDir()
	rep := filepath.Join(dir, "report.json")
	if err := os.WriteFile(rep, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteReport(rep, []byte("secret\n"), true); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, rep); m.Perm() != 0o600 {
		t.Errorf("secret report over a 0644 file is %v, want 0600", m)
	}
	if err := WriteReport(rep, []byte("redacted\n"), false); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(rep); string(b) != "redacted\n" || mode(t, rep).Perm() != 0o644 {
		t.Errorf("redacted report %q %v, want 0644", b, mode(t, rep))
	}
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{link, dir} {
		err := WriteReport(p, []byte("x"), true)
		if !hint.IsUsage(err) || hint.Of(err) == "" {
			t.Errorf("%s: err %v, want a refusal with a hint", p, err)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" || mode(t, link)&os.ModeSymlink == 0 {
		t.Fatalf("wrote through the link or replaced it: %q", b)
	}
	if err := WriteReport(os.DevNull, []byte("x"), false); err != nil {
		t.Errorf("%s: %v", os.DevNull, err)
	}
	err := WriteReport(filepath.Join(dir, "missing", "r.json"), []byte("x"), false)
	if err == nil || hint.Of(err) == "" || hint.IsUsage(err) {
		t.Errorf("missing directory: err %v, want an I/O error with a hint", err)
	}
	noTemp(t, dir)
}

// Replace follows a link (the link kept), keeps the old file's mode,
// gives a new file newMode and creates missing directories 0700.
func TestReplace(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.env")
	if err := os.WriteFile(real, []byte("A=1\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, ".env")
	if err := os.Symlink("real.env", link); err != nil {
		t.Fatal(err)
	}
	if err := Replace(link, []byte("A=2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(real); string(b) != "A=2\n" || mode(t, real).Perm() != 0o640 || mode(t, link)&os.ModeSymlink == 0 {
		t.Fatalf("target %q %v, link %v", b, mode(t, real), mode(t, link))
	}
	p := filepath.Join(dir, "state", "new.json")
	if err := Replace(p, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if mode(t, p).Perm() != 0o600 || mode(t, filepath.Dir(p)).Perm() != 0o700 {
		t.Errorf("new file %v in %v, want 0600 in 0700", mode(t, p), mode(t, filepath.Dir(p)))
	}
	if err := Replace(dir, []byte("x"), 0o600); err == nil {
		t.Error("replaced a directory")
	}
	noTemp(t, dir)
}

// Replace and every other writer sync the file and its directory;
// ReplaceVolatile syncs nothing (a blocked commit waited for two syncs
// to record what it blocked) and is otherwise Replace: through a link,
// keeping the target's mode, a new file in a 0700 directory, no
// temporary file left.
func TestReplaceVolatile(t *testing.T) {
	syncs := 0
	old := syncFile
	syncFile = func(f *os.File) error { syncs++; return old(f) }
	t.Cleanup(func() { syncFile = old })

	dir := t.TempDir()
	if err := Replace(filepath.Join(dir, "a"), []byte("a\n"), 0o600); err != nil || syncs != 2 {
		t.Fatalf("Replace: %v, %d syncs, want 2", err, syncs)
	}
	syncs = 0
	if err := WritePrivate(filepath.Join(dir, "b"), []byte("b\n")); err != nil || syncs != 2 {
		t.Fatalf("WritePrivate: %v, %d syncs, want 2", err, syncs)
	}

	syncs = 0
	real := filepath.Join(dir, "real.json")
	if err := os.WriteFile(real, []byte("{}\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "last.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	if err := ReplaceVolatile(link, []byte("{\"a\":1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(real); string(b) != "{\"a\":1}\n" || mode(t, real).Perm() != 0o640 || mode(t, link)&os.ModeSymlink == 0 {
		t.Fatalf("target %q %v, link %v", b, mode(t, real), mode(t, link))
	}
	p := filepath.Join(dir, "blocked", "new.json")
	if err := ReplaceVolatile(p, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "{}\n" || mode(t, p).Perm() != 0o600 || mode(t, filepath.Dir(p)).Perm() != 0o700 {
		t.Errorf("new file %q %v in %v, want 0600 in 0700", b, mode(t, p), mode(t, filepath.Dir(p)))
	}
	if syncs != 0 {
		t.Errorf("ReplaceVolatile synced %d times, want 0", syncs)
	}
	noTemp(t, dir)
	noTemp(t, filepath.Dir(p))
}

// WritePrivate writes 0600 whatever was there, in a directory it creates
// 0700; a link at the path is replaced, not followed (its target keeps
// its bytes); a failure leaves no temporary file and the old bytes.
func TestWritePrivate(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state", "ledger.json")
	if err := WritePrivate(p, []byte("{}\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "{}\n" || mode(t, p).Perm() != 0o600 || mode(t, filepath.Dir(p)).Perm() != 0o700 {
		t.Fatalf("new file %q %v in %v, want 0600 in 0700", b, mode(t, p), mode(t, filepath.Dir(p)))
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WritePrivate(p, []byte("{\"a\":1}\n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "{\"a\":1}\n" || mode(t, p).Perm() != 0o600 {
		t.Fatalf("over a 0644 file: %q %v, want 0600", b, mode(t, p))
	}

	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "state", "history.cache")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if err := WritePrivate(link, []byte("cache\n")); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, link); !m.IsRegular() || m.Perm() != 0o600 {
		t.Errorf("the link is %v, want a 0600 file in its place", m)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" || mode(t, victim).Perm() != 0o644 {
		t.Errorf("the link's target was written: %q %v", b, mode(t, victim))
	}

	// A directory at the path, a file where the directory should be.
	sub := filepath.Join(dir, "state", "backups")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WritePrivate(sub, []byte("x")); err == nil {
		t.Error("replaced a directory")
	}
	if err := WritePrivate(filepath.Join(p, "below"), []byte("x")); err == nil {
		t.Error("wrote below a file")
	}
	if b, _ := os.ReadFile(p); string(b) != "{\"a\":1}\n" {
		t.Errorf("a failed write changed %s: %q", p, b)
	}
	noTemp(t, filepath.Join(dir, "state"))
	noTemp(t, sub)
}
