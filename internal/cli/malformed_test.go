package cli

import (
	"strings"
	"testing"

	"github.com/leakguard/leakguard/archive/archivetest"
)

// A malformed archive (Go's archive/tar test data has several) is still a
// file: its bytes are scanned as a binary's, a key in them is found, and
// it is a notice, not an incomplete scan — for scan DIR and for the
// pre-commit hook alike (issue 14 item 0).
func TestMalformedArchiveIsScanned(t *testing.T) {
	k := testKey()
	tarball := archivetest.Tar(
		archivetest.File{Name: "a.txt", Data: []byte("first\n")},
		archivetest.File{Name: "conf.env", Data: []byte("ANTHROPIC_API_KEY=" + k + "\n")},
	)
	bad := []byte(string(tarball))
	bad[512+512+148] ^= 1 // the second header's checksum
	clean := []byte(string(archivetest.Tar(archivetest.File{Name: "a.txt", Data: []byte("first\n")}, archivetest.File{Name: "b.txt", Data: []byte("second\n")})))
	clean[512+512+148] ^= 1
	cutZip := archivetest.Zip(archivetest.File{Name: "c.txt", Data: []byte("nothing here\n")})
	cutZip = cutZip[:len(cutZip)-10]

	dir := gitRepo(t)
	writeT(t, dir, "clean.tar", string(clean))
	writeT(t, dir, "cut.zip", string(cutZip))
	gitT(t, dir, "add", ".")
	for _, args := range [][]string{{"scan", "-C", dir, "."}, {"scan", "--staged", "-C", dir}} {
		code, out, errb := runCLI(t, "", args...)
		if code != ExitClean || !strings.Contains(errb, "notice: clean.tar: malformed archive") || !strings.Contains(errb, "notice: cut.zip: malformed archive") || strings.Contains(errb, "not scanned") {
			t.Errorf("%v, clean: exit %d, want %d with notices\n%s%s", args, code, ExitClean, out, errb)
		}
	}
	writeT(t, dir, "bad.tar", string(bad))
	gitT(t, dir, "add", ".")
	for _, args := range [][]string{{"scan", "-f", "json", "-C", dir, "."}, {"scan", "--staged", "-f", "json", "-C", dir}} {
		code, out, errb := runCLI(t, "", args...)
		if code != ExitFindings || !strings.Contains(out, `"File": "bad.tar"`) {
			t.Errorf("%v, a key in the malformed tar: exit %d, want %d and bad.tar\n%s%s", args, code, ExitFindings, out, errb)
		}
		noLeak(t, k, out, errb)
	}
}
