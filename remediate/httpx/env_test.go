package httpx

import (
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/internal/hint"
)

// $LEAKGUARD_HTTP_TIMEOUT sets the run's HTTP client timeout (a Go
// duration); unset, 30 s; anything else is a usage error with a hint.
func TestClientFromEnv(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "LEAKGUARD_HTTP_TIMEOUT" {
				return v
			}
			return ""
		}
	}
	for v, want := range map[string]time.Duration{"": 30 * time.Second, "250ms": 250 * time.Millisecond, " 2m ": 2 * time.Minute} {
		hc, err := ClientFromEnv(env(v))
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if hc.Timeout != want {
			t.Errorf("%q: timeout %s, want %s", v, hc.Timeout, want)
		}
	}
	for _, v := range []string{"soon", "30", "0", "-1s"} {
		hc, err := ClientFromEnv(env(v))
		if err == nil || hc != nil || !hint.IsUsage(err) {
			t.Fatalf("%q: client %v, err %v; want a usage error", v, hc, err)
		}
		if want := `LEAKGUARD_HTTP_TIMEOUT="` + v + `" is not a positive duration`; err.Error() != want {
			t.Errorf("%q: message %q, want %q", v, err.Error(), want)
		}
		if h := hint.Of(err); !strings.HasPrefix(h, "set it to a Go duration") || !strings.HasSuffix(h, "(30s)") {
			t.Errorf("%q: hint %q", v, h)
		}
	}
}
