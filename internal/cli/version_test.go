package cli

import (
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/buildinfo"
)

func TestVersion(t *testing.T) {
	want := "leakguard " + buildinfo.Get().String() + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errs := runCLI(t, "", args...)
		if code != ExitClean || out != want || errs != "" {
			t.Errorf("%v: exit %d, stdout %q (want %q), stderr %q", args, code, out, want, errs)
		}
	}
	if !strings.HasPrefix(Version(), "dev") && !strings.HasPrefix(Version(), "v") {
		t.Errorf("Version() = %q", Version())
	}
}
