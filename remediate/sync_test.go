package remediate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
)

// The sync table, and its outcome: a refused leaked value is a usage
// error, a failed target an error that says to sync again, else none.
func TestWriteSync(t *testing.T) {
	ok := SyncResult{Key: "K", Target: "vercel", Status: SyncVerified, Detail: "read back"}
	var b bytes.Buffer
	if err := WriteSync(&b, []SyncResult{ok}); err != nil {
		t.Fatal(err)
	}
	if want := "KEY  TARGET  RESULT    DETAIL\nK    vercel  verified  read back\n"; b.String() != want {
		t.Errorf("table:\n%q\nwant\n%q", b.String(), want)
	}
	failed := SyncResult{Key: "K", Target: "pg", Status: SyncFailed, Detail: "boom"}
	err := WriteSync(&b, []SyncResult{ok, failed, failed})
	if err == nil || err.Error() != "2 targets failed" || hint.IsUsage(err) || !strings.Contains(hint.Of(err), "leakguard sync again") {
		t.Errorf("failed: %v (hint %q)", err, hint.Of(err))
	}
	refused := SyncResult{Key: "K", Target: "pg", Status: SyncRefused}
	err = WriteSync(&b, []SyncResult{failed, refused})
	if err == nil || err.Error() != "1 target refused: the source holds a leaked value" || !hint.IsUsage(err) || !strings.Contains(hint.Of(err), "--force") {
		t.Errorf("refused: %v (hint %q)", err, hint.Of(err))
	}
}
