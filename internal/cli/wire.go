package cli

import (
	"cmp"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/remediate/filetarget"
	"github.com/leakguard/leakguard/remediate/ghissue"
	"github.com/leakguard/leakguard/remediate/httpx"
	"github.com/leakguard/leakguard/remediate/pgtarget"
	"github.com/leakguard/leakguard/remediate/supabase"
	"github.com/leakguard/leakguard/remediate/vercel"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// # The composition root
//
// This file is the one place where leakguard.toml and the environment
// become objects: the detector, the remediation targets, the issue
// tracker, the playbook and the state paths, all sharing the one HTTP
// client of the run. Packages below take small, explicit configs and
// never see the config file's struct.

// httpClient is the run's one HTTP client (IO.HTTP when a test set it;
// else [httpx.ClientFromEnv]). Whatever would call an API gets the
// client here, so an invalid $LEAKGUARD_HTTP_TIMEOUT stops it first.
func (s *IO) httpClient() (*http.Client, error) {
	if s.HTTP == nil {
		hc, err := httpx.ClientFromEnv(s.Getenv)
		if err != nil {
			return nil, err
		}
		s.HTTP = hc
	}
	return s.HTTP, nil
}

// newDetector builds the detector of a configuration and an ignore file.
func newDetector(cfg *config.Config, ig *scanner.Ignore) *scanner.Detector {
	return scanner.NewDetector(scanner.Options{
		Rules: cfg.Rules, Allowlist: cfg.Allowlist, Allowlists: cfg.Allowlists, Keys: cfg.Keys,
		DecodeDepth: cfg.DecodeDepth, Ignore: ig, MinConfidence: cfg.MinConfidence,
	})
}

// stateDir is the ledger's directory of cfg (nil: the default; see
// [remediate.StateDir]).
func stateDir(getenv func(string) string, cfg *config.Config) string {
	if cfg == nil {
		return remediate.StateDir(getenv, "")
	}
	return remediate.StateDir(getenv, cfg.State.Dir)
}

// newTarget builds the target called name from its table. A relative
// file path is relative to root (the repository). Credentials are read
// through getenv when the target is used, so a missing variable is
// reported by Put or Verify.
func newTarget(name string, t config.Target, root string, getenv func(string) string, hc *http.Client) (remediate.Target, error) {
	client := &httpx.Client{BaseURL: t.APIURL, HTTP: hc, Token: httpx.TokenFromEnv(getenv, t.CredentialEnv()), UserAgent: "leakguard"}
	var tg remediate.Target
	var err error
	switch t.Type {
	case "vercel":
		tg, err = vercel.New(vercel.Config{
			Name: name, Project: t.Project, TeamID: t.TeamID,
			Environments: t.Environments, Sensitive: t.Sensitive, KeyName: t.Name,
		}, client)
	case "supabase-secrets":
		tg, err = supabase.New(supabase.Config{Name: name, ProjectRef: t.ProjectRef, KeyName: t.Name}, client)
	case "postgres":
		tg, err = pgtarget.New(pgtarget.Config{
			Name: name, DSN: pgtarget.DSNFromEnv(getenv, t.CredentialEnv()), Table: t.Table,
			Environment: t.Environment, ProjectID: t.ProjectID, KeyName: t.Name,
		})
	case "dotenv", "file":
		tg, err = filetarget.New(filetarget.Config{Name: name, Kind: t.Type, Path: t.Path, Root: root, Pointer: t.Pointer, KeyName: t.Name})
	case "":
		return nil, fmt.Errorf("target %s: type is not set (one of %s)", name, strings.Join(config.TargetTypes, ", "))
	default:
		return nil, fmt.Errorf("target %s: unknown type %q (one of %s)", name, t.Type, strings.Join(config.TargetTypes, ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("target %s (type %s): %w", name, t.Type, err)
	}
	return tg, nil
}

// targetsOf returns the function the playbook builds its targets with.
func targetsOf(cfg *config.Config, root string, getenv func(string) string, hc *http.Client) func(string) (remediate.Target, error) {
	return func(name string) (remediate.Target, error) {
		t, ok := cfg.Targets[name]
		if !ok {
			return nil, fmt.Errorf("no [targets.%s] in the config", name)
		}
		return newTarget(name, t, root, getenv, hc)
	}
}

// newTracker builds the GitHub issue tracker of the [github] table.
func newTracker(gh config.GitHub, getenv func(string) string, hc *http.Client) (*ghissue.Tracker, error) {
	return ghissue.New(ghissue.Config{Repo: gh.Repo, APIURL: gh.APIURL, TokenEnv: gh.TokenEnv, Labels: gh.Labels}, getenv, hc)
}

// root is the directory relative paths of the config are relative to:
// the repository, else the working directory.
func (e *env) root() string { return cmp.Or(e.repoRoot, e.base) }

// newPlaybook wires the playbook from the configuration: ledger, targets
// and (unless noIssue) the GitHub audit issues. forbid lists values that
// must never reach GitHub (the leaked and the new secrets).
func newPlaybook(s *IO, e *env, noIssue bool, forbid ...secret.Value) (*remediate.Playbook, error) {
	hc, err := s.httpClient()
	if err != nil {
		return nil, err
	}
	l, err := remediate.OpenLedger(stateDir(s.Getenv, e.cfg))
	if err != nil {
		return nil, &Error{Code: ExitUsage, Err: err, Hint: "set [state] dir in leakguard.toml to a writable directory"}
	}
	p := &remediate.Playbook{
		Ledger: l,
		Keys:   e.cfg.Keys,
		Out:    s.Out,
		Err:    s.Err,
		Target: targetsOf(e.cfg, e.root(), s.Getenv, hc),
		Root:   e.root(),
		ReadAt: readAt(e.root(), e.cfg.MaxSize),
	}
	gh := e.cfg.GitHub.WithEnv(s.Getenv)
	if !noIssue && gh.Repo != "" {
		tr, err := newTracker(gh, s.Getenv, hc)
		if err != nil {
			return nil, &Error{Code: ExitUsage, Err: fmt.Errorf("audit issues: %w", err), Hint: "export the token named by [github] token_env, or pass --no-issue"}
		}
		tr.Forbid(forbid...)
		p.Forbid = tr.Forbid
		p.Issues = tr
		p.Labels = gh.Labels
		p.Repo = gh.Repo
		p.Server = s.Getenv("GITHUB_SERVER_URL")
	}
	p.OnRotated = func(name, fp string) error {
		return inventory(e).Rotated(name, fp, time.Now().UTC().Format("2006-01-02"))
	}
	return p, nil
}

// readAt reads files at commits of the repository at root (the
// playbook's ReadAt), up to the scan's size limit, max (the file a leak
// was found in; 0: the default): nil outside a repository.
func readAt(root string, max int64) func(commit, path string) ([]byte, error) {
	if root == "" {
		return nil
	}
	if max <= 0 {
		max = config.DefaultMaxSize
	}
	return func(commit, path string) ([]byte, error) {
		r, err := gitscan.Open(root)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return r.ReadAtMost(commit, path, max)
	}
}
