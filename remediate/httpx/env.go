package httpx

import (
	"net/http"
	"strings"
	"time"

	"github.com/leakguard/leakguard/internal/hint"
)

// TimeoutEnv names the variable that bounds each HTTP request of a run
// (a Go duration: "30s", "2m"); unset, [DefaultTimeout].
const TimeoutEnv = "LEAKGUARD_HTTP_TIMEOUT"

// ClientFromEnv returns the run's HTTP client: its Timeout is
// $LEAKGUARD_HTTP_TIMEOUT, read through getenv, else [DefaultTimeout].
// Anything but a positive Go duration is a usage error ([hint.Usagef])
// with a hint, so no request goes out with a timeout the user did not
// ask for.
func ClientFromEnv(getenv func(string) string) (*http.Client, error) {
	v := strings.TrimSpace(getenv(TimeoutEnv))
	if v == "" {
		return &http.Client{Timeout: DefaultTimeout}, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return nil, hint.Usagef("set it to a Go duration such as 30s or 2m, or unset it for the default ("+DefaultTimeout.String()+")",
			"%s=%q is not a positive duration", TimeoutEnv, v)
	}
	return &http.Client{Timeout: d}, nil
}
