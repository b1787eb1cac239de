package verify

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leakguard/leakguard/internal/testkit/fakeapi"
	"github.com/leakguard/leakguard/secret"
)

// check one GitHub token against a GitHub fake with a fault.
func githubWithFault(t *testing.T, o Options, fault func(n int, w http.ResponseWriter, r *http.Request) bool) (Result, *world, string) {
	t.Helper()
	w := newWorld(t)
	v := examples(t, "github-pat", 1)[0]
	w.fakes["github"].Accept(v)
	w.fakes["github"].Fault = fault
	c := w.checker(o)
	r := c.Check(context.Background(), []Credential{{Rule: "github-pat", Provider: "github", Value: secret.New(v)}})[0]
	mustNotLeak(t, "fault", r.Detail, v)
	return r, w, v
}

func TestFaults(t *testing.T) {
	t.Run("5xx then success is retried", func(t *testing.T) {
		r, w, _ := githubWithFault(t, Options{}, func(n int, rw http.ResponseWriter, _ *http.Request) bool {
			if n <= 2 {
				fakeapi.Reply(rw, 502, `{"message":"Server Error"}`)
				return true
			}
			return false
		})
		if r.Validity != Live || w.fakes["github"].Count() != 3 || len(w.slept) != 2 {
			t.Fatalf("%+v after %d requests, %d waits", r, w.fakes["github"].Count(), len(w.slept))
		}
	})
	t.Run("5xx throughout is unknown", func(t *testing.T) {
		r, w, _ := githubWithFault(t, Options{}, func(_ int, rw http.ResponseWriter, _ *http.Request) bool {
			fakeapi.Reply(rw, 503, `{}`)
			return true
		})
		if r.Validity != Unknown || !strings.Contains(r.Detail, "server error") || w.fakes["github"].Count() != maxAttempts {
			t.Fatalf("%+v after %d requests", r, w.fakes["github"].Count())
		}
	})
	t.Run("429 with a short Retry-After is waited out", func(t *testing.T) {
		r, w, _ := githubWithFault(t, Options{}, func(n int, rw http.ResponseWriter, _ *http.Request) bool {
			if n == 1 {
				rw.Header().Set("Retry-After", "2")
				fakeapi.Reply(rw, 429, `{"message":"slow down"}`)
				return true
			}
			return false
		})
		if r.Validity != Live || len(w.slept) != 1 || w.slept[0] != 2*time.Second {
			t.Fatalf("%+v, waits %v", r, w.slept)
		}
	})
	t.Run("429 with a long Retry-After is unknown, not waited", func(t *testing.T) {
		r, w, _ := githubWithFault(t, Options{}, func(_ int, rw http.ResponseWriter, _ *http.Request) bool {
			rw.Header().Set("Retry-After", "3600")
			fakeapi.Reply(rw, 429, `{}`)
			return true
		})
		if r.Validity != Unknown || !strings.Contains(r.Detail, "rate limited") || !strings.Contains(r.Detail, "1h0m0s") ||
			len(w.slept) != 0 || w.fakes["github"].Count() != 1 {
			t.Fatalf("%+v, waits %v, %d requests", r, w.slept, w.fakes["github"].Count())
		}
	})
	t.Run("GitHub's 403 with no requests left is a rate limit", func(t *testing.T) {
		r, _, _ := githubWithFault(t, Options{}, func(_ int, rw http.ResponseWriter, _ *http.Request) bool {
			rw.Header().Set("X-RateLimit-Remaining", "0")
			fakeapi.Reply(rw, 403, `{"message":"API rate limit exceeded"}`)
			return true
		})
		if r.Validity != Unknown || !strings.Contains(r.Detail, "rate limited") {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("a timeout is unknown", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		r, _, _ := githubWithFault(t, Options{Timeout: 50 * time.Millisecond}, func(_ int, _ http.ResponseWriter, r *http.Request) bool {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return true
		})
		if r.Validity != Unknown || !strings.Contains(r.Detail, "timed out") {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("a lost reply is retried", func(t *testing.T) {
		r, w, _ := githubWithFault(t, Options{}, func(n int, rw http.ResponseWriter, _ *http.Request) bool {
			if n == 1 {
				conn, _, err := rw.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return true
			}
			return false
		})
		if r.Validity != Live || w.fakes["github"].Count() != 2 {
			t.Fatalf("%+v after %d requests", r, w.fakes["github"].Count())
		}
	})
	t.Run("a redirect is not followed", func(t *testing.T) {
		w := newWorld(t)
		v := examples(t, "anthropic-api-key", 1)[0]
		other := w.fakes["openai"].URL
		w.fakes["anthropic"].Fault = func(_ int, rw http.ResponseWriter, r *http.Request) bool {
			http.Redirect(rw, r, other+"/v1/models", http.StatusFound)
			return true
		}
		r := w.checker(Options{}).Check(context.Background(), []Credential{{Rule: "anthropic-api-key", Provider: "anthropic", Value: secret.New(v)}})[0]
		if r.Validity != Unknown || !strings.Contains(r.Detail, "redirect") || w.fakes["openai"].Count() != 0 {
			t.Fatalf("%+v; the redirect target got %d requests", r, w.fakes["openai"].Count())
		}
	})
	t.Run("malformed JSON is unknown, not live", func(t *testing.T) {
		w := newWorld(t)
		v := examples(t, "slack-bot-token", 1)[0]
		w.fakes["slack"].Accept(v)
		w.fakes["slack"].Fault = func(_ int, rw http.ResponseWriter, _ *http.Request) bool {
			fakeapi.Reply(rw, 200, `{"ok":tru`)
			return true
		}
		r := w.checker(Options{}).Check(context.Background(), []Credential{{Rule: "slack-bot-token", Provider: "slack", Value: secret.New(v)}})[0]
		if r.Validity != Unknown {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("a cancelled context stops", func(t *testing.T) {
		w := newWorld(t)
		v := examples(t, "npm-access-token", 1)[0]
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r := w.checker(Options{}).Check(ctx, []Credential{{Rule: "npm-access-token", Provider: "npm", Value: secret.New(v)}})[0]
		if r.Validity != Unknown {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("concurrency is bounded", func(t *testing.T) {
		w := newWorld(t)
		in, peak := 0, 0
		var mu = make(chan struct{}, 1)
		w.fakes["npm"].Fault = func(_ int, _ http.ResponseWriter, _ *http.Request) bool {
			mu <- struct{}{}
			in++
			peak = max(peak, in)
			<-mu
			time.Sleep(20 * time.Millisecond)
			mu <- struct{}{}
			in--
			<-mu
			return false
		}
		var creds []Credential
		for _, v := range examples(t, "npm-access-token", 12) {
			creds = append(creds, Credential{Rule: "npm-access-token", Provider: "npm", Value: secret.New(v)})
		}
		w.checker(Options{Concurrency: 3}).Check(context.Background(), creds)
		if peak > 3 || peak == 0 {
			t.Fatalf("peak %d requests in flight, limit 3", peak)
		}
	})
}

// A provider that echoes the secret back (in an error code, a message, a
// header) never gets it into a detail.
func TestEchoedSecretIsScrubbed(t *testing.T) {
	w := newWorld(t)
	v := examples(t, "openai-project-key", 1)[0]
	w.fakes["openai"].Fault = func(_ int, rw http.ResponseWriter, _ *http.Request) bool {
		fakeapi.Reply(rw, 401, `{"error":{"message":"bad key `+v+`","code":"`+v[:40]+`"}}`)
		return true
	}
	sv := examples(t, "slack-bot-token", 1)[0]
	w.fakes["slack"].Fault = func(_ int, rw http.ResponseWriter, _ *http.Request) bool {
		fakeapi.Reply(rw, 200, `{"ok":false,"error":"`+sv+`"}`)
		return true
	}
	c := w.checker(Options{})
	res := c.Check(context.Background(), []Credential{
		{Rule: "openai-project-key", Provider: "openai", Value: secret.New(v)},
		{Rule: "slack-bot-token", Provider: "slack", Value: secret.New(sv)},
	})
	mustNotLeak(t, "openai", res[0].Detail, v)
	mustNotLeak(t, "slack", res[1].Detail, sv)
}
