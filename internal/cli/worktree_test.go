package cli

import (
	"strings"
	"testing"
)

// Issue 13 item 6: .gitignore hides untracked files only. A tracked file
// that a pattern matches ('git add -f .env') is scanned by 'scan .' and
// 'scan DIR', as history and audit see it; an untracked ignored file is
// not.
func TestScanTrackedIgnoredFile(t *testing.T) {
	dir := gitRepo(t)
	tracked, untracked := testKey(), testKey()
	writeT(t, dir, ".gitignore", ".env\n*.local\n")
	writeT(t, dir, ".env", strings.Join([]string{"ANTHROPIC_API_KEY", tracked}, "=")+"\n")
	writeT(t, dir, "dev.local", strings.Join([]string{"ANTHROPIC_API_KEY", untracked}, "=")+"\n")
	gitT(t, dir, "add", ".gitignore")
	gitT(t, dir, "add", "-f", ".env")
	gitT(t, dir, "commit", "-q", "-m", "add env")
	for _, args := range [][]string{
		{"scan", "-C", dir, "-f", "json", "."},
		{"scan", "-f", "json", dir},
	} {
		code, out, errb := runCLI(t, "", args...)
		if code != ExitFindings {
			t.Fatalf("%v: exit %d, want %d (the tracked .env)\n%s%s", args, code, ExitFindings, out, errb)
		}
		if !strings.Contains(out, `.env"`) || strings.Count(out, `"RuleID"`) != 1 {
			t.Errorf("%v: want exactly the tracked .env, got:\n%s", args, out)
		}
		if strings.Contains(out, "dev.local") {
			t.Errorf("%v: the untracked ignored file was scanned:\n%s", args, out)
		}
		noLeak(t, tracked, out, errb)
		noLeak(t, untracked, out, errb)
	}
}
