package fakeapi

import (
	"net/http"
)

// Anthropic speaks the call leakguard verifies Anthropic keys with
// (GET /v1/models with x-api-key and anthropic-version 2023-06-01): a
// key made live with Accept answers 200, any other 401. Any other call
// is reported.
type Anthropic struct {
	URL    string
	Client *http.Client

	recorder
	t    T
	live map[string]bool
}

// NewAnthropic starts a fake Anthropic API; the server closes when the
// test ends.
func NewAnthropic(t T) *Anthropic {
	t.Helper()
	f := &Anthropic{t: t, live: map[string]bool{}}
	f.URL, f.Client = serve(t, f)
	return f
}

// Accept makes keys live.
func (f *Anthropic) Accept(keys ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		f.live[k] = true
	}
}

// Revoke makes a key dead.
func (f *Anthropic) Revoke(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.live, key)
}

// ServeHTTP answers one call.
func (f *Anthropic) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.begin(w, r) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method != http.MethodGet || r.URL.Path != "/v1/models" || r.Header.Get("anthropic-version") != "2023-06-01" {
		f.t.Errorf("fake anthropic: unexpected call %s %s", r.Method, r.URL.Path)
		WriteJSON(w, 404, map[string]any{"type": "error", "error": map[string]string{"type": "not_found_error", "message": "not found"}})
		return
	}
	if k := r.Header.Get("x-api-key"); k != "" && f.live[k] {
		WriteJSON(w, 200, map[string]any{"data": []any{}, "has_more": false})
		return
	}
	WriteJSON(w, 401, map[string]any{"type": "error", "error": map[string]string{"type": "authentication_error", "message": "invalid x-api-key"}})
}
