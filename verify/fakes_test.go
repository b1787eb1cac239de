package verify

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leakguard/leakguard/internal/testkit/fakeapi"
	"github.com/leakguard/leakguard/rules"
)

// The providers' APIs are testkit/fakeapi's Provider fakes.

// world is one fake per endpoint id and a Checker pointed at all of them.
type world struct {
	t     *testing.T
	fakes map[string]*fakeapi.Provider
	slept []time.Duration
	mu    sync.Mutex
}

func newWorld(t *testing.T) *world {
	w := &world{t: t, fakes: map[string]*fakeapi.Provider{}}
	for _, id := range fakeapi.ProviderNames() {
		w.fakes[id] = fakeapi.NewProvider(t, id)
	}
	return w
}

// endpoints points every provider at its fake (the MiMo fake is reached
// only through a key's base_url).
func (w *world) endpoints() map[string]string {
	eps := map[string]string{}
	for id, f := range w.fakes {
		if id != "mimo" {
			eps[id] = f.URL
		}
	}
	return eps
}

func (w *world) checker(o Options) *Checker {
	w.t.Helper()
	if o.Endpoints == nil {
		o.Endpoints = w.endpoints()
	}
	if o.Sleep == nil {
		o.Sleep = func(_ context.Context, d time.Duration) error {
			w.mu.Lock()
			w.slept = append(w.slept, d)
			w.mu.Unlock()
			return nil
		}
	}
	c, err := New(o)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// total counts the requests all fakes received.
func (w *world) total() int {
	n := 0
	for _, f := range w.fakes {
		n += f.Count()
	}
	return n
}

func jwt(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(payload)) + "." + enc([]byte(strings.Repeat("s", 32)))
}

// awsPair makes an access key id and a secret access key in AWS's formats.
func awsPair() (id, sec string) {
	return "AKIA" + rules.RandString(16, "base32"), rules.RandString(40, "base64")
}
