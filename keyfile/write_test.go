package keyfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// rotate writes through a symbolic link to the source's target, keeping
// the link and the target's mode.
func TestWriteFollowsLink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.env")
	if err := os.WriteFile(real, []byte("A=1\nKEY=old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, ".env")
	if err := os.Symlink("real.env", link); err != nil {
		t.Fatal(err)
	}
	v := rules.RandString(32, "alnum")
	if err := Write(Spec{Kind: "dotenv", Path: link, Ref: "KEY"}, secret.New(v)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced by a file: %v %v", fi.Mode(), err)
	}
	b, _ := os.ReadFile(real)
	if string(b) != "A=1\nKEY="+v+"\n" {
		t.Fatalf("target holds %q", b)
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v, want 0640", fi.Mode().Perm())
	}
}
