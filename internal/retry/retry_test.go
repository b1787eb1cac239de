package retry

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestExp(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 5: 16 * time.Second, 6: 30 * time.Second, 40: 30 * time.Second} {
		if got := Exp(n, time.Second, 30*time.Second); got != want {
			t.Errorf("Exp(%d) = %v, want %v", n, got, want)
		}
	}
	for i := 0; i < 100; i++ {
		if d := FullJitter(time.Second); d < 0 || d >= time.Second {
			t.Fatalf("FullJitter = %v", d)
		}
		if d := EqualJitter(time.Second); d < time.Second/2 || d > time.Second {
			t.Fatalf("EqualJitter = %v", d)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"7": 7 * time.Second, now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat): 0,
	} {
		if d, ok := RetryAfter(http.Header{"Retry-After": {v}}, now); !ok || d != want {
			t.Errorf("RetryAfter(%q) = %v %v, want %v", v, d, ok, want)
		}
	}
	if _, ok := RetryAfter(http.Header{}, now); ok {
		t.Error("no header read as a delay")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); err == nil {
		t.Error("Sleep ignored a cancelled context")
	}
}
