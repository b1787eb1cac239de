package fakeapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Vercel speaks the project environment-variable subset of the Vercel
// REST API that the vercel target calls:
//
//	GET   /v10/projects/{project}/env[?decrypt=true]  list
//	POST  /v10/projects/{project}/env[?upsert=true]   create (one or many)
//	PATCH /v9/projects/{project}/env/{id}             edit one
//
// It enforces what Vercel documents (sensitive variables are never
// returned and never target development; one variable per key and
// target) and reports any other call to its T.
type Vercel struct {
	URL    string
	Client *http.Client
	// Token is the one accepted as "Bearer TOKEN"; empty accepts any.
	Token string
	// Project is the only project served; Team, when set, must come as
	// ?teamId=.
	Project, Team string
	// NoDecrypt makes the list return encrypted blobs even with decrypt.
	NoDecrypt bool

	recorder
	t      T
	envs   []Env
	nextID int
}

// Env is one environment variable held by the fake.
type Env struct {
	ID, Key, Value, Type string
	Target               []string
	GitBranch            string
}

var (
	vercelListRe  = regexp.MustCompile(`^/v10/projects/([^/]+)/env$`)
	vercelPatchRe = regexp.MustCompile(`^/v9/projects/([^/]+)/env/([^/]+)$`)
)

// NewVercel starts a fake Vercel serving project; the server closes when
// the test ends.
func NewVercel(t T, project, token string) *Vercel {
	t.Helper()
	f := &Vercel{t: t, Project: project, Token: token}
	f.URL, f.Client = serve(t, f)
	return f
}

// ServeHTTP answers one call, or a fault injected for its route: "read"
// (GET) or "write" (any other method).
func (f *Vercel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.serveRW(f.t, "vercel", &f.Token, `{"error":{"code":"forbidden","message":"Not authorized"}}`, w, r, f.serve)
}

func (f *Vercel) serve(w http.ResponseWriter, r *http.Request) {
	if f.Team != "" && r.URL.Query().Get("teamId") != f.Team {
		f.t.Errorf("fake vercel: %s %s without teamId", r.Method, r.URL.Path)
	}
	if m := vercelListRe.FindStringSubmatch(r.URL.Path); m != nil && m[1] == f.Project {
		switch r.Method {
		case http.MethodGet:
			f.list(w, r)
			return
		case http.MethodPost:
			f.create(w, r)
			return
		}
	}
	if m := vercelPatchRe.FindStringSubmatch(r.URL.Path); m != nil && m[1] == f.Project && r.Method == http.MethodPatch {
		f.patch(w, r, m[2])
		return
	}
	f.t.Errorf("fake vercel: unexpected call %s %s", r.Method, r.URL.Path)
	w.WriteHeader(404)
	fmt.Fprint(w, `{"error":{"code":"not_found","message":"unexpected"}}`)
}

func (f *Vercel) list(w http.ResponseWriter, r *http.Request) {
	decrypt := r.URL.Query().Get("decrypt") == "true"
	var out []map[string]any
	for _, e := range f.envs {
		m := map[string]any{"id": e.ID, "key": e.Key, "type": e.Type, "target": e.Target}
		if e.GitBranch != "" {
			m["gitBranch"] = e.GitBranch
		}
		switch {
		case e.Type == "sensitive":
			m["value"] = ""
		case decrypt && !f.NoDecrypt:
			m["value"], m["decrypted"] = e.Value, true
		default:
			m["value"], m["decrypted"] = "enc:"+fmt.Sprint(len(e.Value)), false
		}
		out = append(out, m)
	}
	json.NewEncoder(w).Encode(map[string]any{"envs": out})
}

func (f *Vercel) overlaps(key string, target []string, skipID string) *Env {
	for i, e := range f.envs {
		if e.Key != key || e.ID == skipID || e.GitBranch != "" {
			continue
		}
		for _, t := range target {
			if slices.Contains(e.Target, t) {
				return &f.envs[i]
			}
		}
	}
	return nil
}

// VercelBadRequest answers 400 with Vercel's error shape.
func VercelBadRequest(w http.ResponseWriter, code, msg string) {
	w.WriteHeader(400)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

type vercelCreate struct {
	Key    string   `json:"key"`
	Value  string   `json:"value"`
	Type   string   `json:"type"`
	Target []string `json:"target"`
}

func (f *Vercel) create(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var items []vercelCreate
	if json.Unmarshal(body, &items) != nil {
		var one vercelCreate
		if err := json.Unmarshal(body, &one); err != nil {
			VercelBadRequest(w, "bad_request", "invalid body")
			return
		}
		items = []vercelCreate{one}
	}
	upsert := r.URL.Query().Get("upsert") == "true"
	for _, it := range items {
		if it.Type == "sensitive" && slices.Contains(it.Target, "development") {
			VercelBadRequest(w, "bad_request", "sensitive variables are not allowed in development")
			return
		}
		if e := f.overlaps(it.Key, it.Target, ""); e != nil {
			// Upsert only updates a variable with exactly these targets.
			same := slices.Equal(slices.Sorted(slices.Values(e.Target)), slices.Sorted(slices.Values(it.Target)))
			if !upsert || !same {
				VercelBadRequest(w, "ENV_ALREADY_EXISTS", "A variable with the name `"+it.Key+"` already exists for the target")
				return
			}
			e.Value, e.Type = it.Value, it.Type
			continue
		}
		f.nextID++
		f.envs = append(f.envs, Env{ID: fmt.Sprintf("env%d", f.nextID), Key: it.Key, Value: it.Value, Type: it.Type, Target: it.Target})
	}
	w.WriteHeader(201)
	fmt.Fprint(w, `{"created":[]}`)
}

type vercelPatch struct {
	Value  *string  `json:"value,omitempty"`
	Type   string   `json:"type,omitempty"`
	Target []string `json:"target,omitempty"`
}

func (f *Vercel) patch(w http.ResponseWriter, r *http.Request, id string) {
	var body vercelPatch
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		VercelBadRequest(w, "bad_request", "invalid body")
		return
	}
	for i := range f.envs {
		e := &f.envs[i]
		if e.ID != id {
			continue
		}
		typ, target := e.Type, e.Target
		if body.Type != "" {
			typ = body.Type
		}
		if body.Target != nil {
			target = body.Target
		}
		if typ == "sensitive" && slices.Contains(target, "development") {
			VercelBadRequest(w, "bad_request", "sensitive variables are not allowed in development")
			return
		}
		if f.overlaps(e.Key, target, e.ID) != nil {
			VercelBadRequest(w, "ENV_ALREADY_EXISTS", "overlapping targets")
			return
		}
		e.Type, e.Target = typ, target
		if body.Value != nil {
			e.Value = *body.Value
		}
		json.NewEncoder(w).Encode(map[string]string{"id": e.ID})
		return
	}
	w.WriteHeader(404)
	fmt.Fprint(w, `{"error":{"code":"not_found","message":"no such env"}}`)
}

// Add stores a variable directly.
func (f *Vercel) Add(key, value, typ string, target ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.envs = append(f.envs, Env{ID: fmt.Sprintf("env%d", f.nextID), Key: key, Value: value, Type: typ, Target: target})
}

// Edit sets every variable of key to value, as a dashboard edit would;
// it reports whether there was one.
func (f *Vercel) Edit(key, value string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	found := false
	for i := range f.envs {
		if f.envs[i].Key == key {
			f.envs[i].Value, found = value, true
		}
	}
	return found
}

// Envs returns a copy of the variables.
func (f *Vercel) Envs() []Env {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(f.envs)
	for i := range out {
		out[i].Target = slices.Clone(out[i].Target)
	}
	return out
}

// Values returns "type:value" per target of key's variables.
func (f *Vercel) Values(key string) map[string]string {
	out := map[string]string{}
	for _, e := range f.Envs() {
		if e.Key == key {
			for _, t := range e.Target {
				out[t] = e.Type + ":" + e.Value
			}
		}
	}
	return out
}

// Holds reports whether key has variables and every one holds value.
func (f *Vercel) Holds(key, value string) bool {
	vs := f.Values(key)
	for _, v := range vs {
		if _, got, _ := strings.Cut(v, ":"); got != value {
			return false
		}
	}
	return len(vs) > 0
}

// Calls lists the calls so far as "METHOD path".
func (f *Vercel) Calls() []string {
	var out []string
	for _, r := range f.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}
