package audit

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/gitscan"
	"github.com/leakguard/leakguard/hooks"
	"github.com/leakguard/leakguard/internal/english"
	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/scanner"
)

// Scan is what the audit read from git: every ref's history with
// exposure data, and the working tree.
type Scan struct {
	History       *gitscan.Exposure
	Stats         gitscan.Stats
	WorkTree      []scanner.Finding
	WorkTreeStats gitscan.WorkTreeStats
}

// ScanRepo reads repo's history (opt, h) and scans its working tree
// (files up to maxSize) while the history is read. Tracked files that
// are HEAD's version (clean) are not read again: their findings are
// HEAD's, which the history scan already has.
func ScanRepo(ctx context.Context, repo *gitscan.Repo, opt gitscan.Options, h gitscan.HistoryOptions, maxSize int64) (*Scan, error) {
	clean, err := repo.CleanFiles()
	if err != nil {
		clean = nil
	}
	var (
		sc    Scan
		wtErr error
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc.WorkTree, sc.WorkTreeStats, wtErr = gitscan.ScanWorkTree(ctx, opt.Detector, []string{repo.Root()}, gitscan.WorkTreeOptions{
			DirOptions: scanner.DirOptions{MaxSize: maxSize}, Skip: clean})
	}()
	sc.History, sc.Stats, err = repo.HistoryWithExposure(ctx, opt, h)
	wg.Wait()
	if err != nil {
		return nil, hint.Wrap(err, "check the repository with 'git fsck'")
	}
	if wtErr != nil {
		return nil, fmt.Errorf("scanning the working tree: %w", wtErr)
	}
	for _, f := range sc.History.Head {
		if clean[f.File] {
			sc.WorkTree = append(sc.WorkTree, f)
		}
	}
	scanner.SortFindings(sc.WorkTree)
	return &sc, nil
}

// Findings are a copy of the history's findings, then the working
// tree's.
func (s *Scan) Findings() []scanner.Finding {
	return append(append([]scanner.Finding(nil), s.History.Findings...), s.WorkTree...)
}

// SetFindings puts back the findings of [Scan.Findings], annotated (the
// validity --verify found).
func (s *Scan) SetFindings(all []scanner.Finding) {
	copy(s.History.Findings, all[:len(s.History.Findings)])
	copy(s.WorkTree, all[len(s.History.Findings):])
}

// Sources are where the audit reads besides git.
type Sources struct {
	Root     string // the work tree
	Config   *config.Config
	StateDir string // the ledger's
	Getenv   func(string) string
}

// Input is the report's input from the scan and the other sources: the
// hooks, the ledger's incidents, the key files, whether it runs in CI.
// The caller sets the time, the version, the tracked paths and the
// GitHub page.
func (s *Scan) Input(src Sources) Input {
	in := Input{Root: src.Root, Head: headName(s.History), Config: src.Config, History: s.History, Stats: s.Stats, WorkTree: s.WorkTree}
	in.Hooks, in.HooksErr = HookStates(src.Root, src.Getenv)
	l := &remediate.Ledger{Dir: src.StateDir}
	if st, err := l.Read(); err != nil { // read, never created
		in.LedgerErr = err
	} else {
		in.Incidents = st.Incidents
	}
	in.KeyFiles = keyFiles(src.Config, src.Root)
	in.CI = src.Getenv("GITHUB_ACTIONS") == "true" || src.Getenv("CI") == "true"
	return in
}

func headName(ex *gitscan.Exposure) string {
	if ex.HeadRef != "" {
		return strings.TrimPrefix(ex.HeadRef, "refs/heads/")
	}
	for _, r := range ex.Refs {
		if r.Name == "HEAD" {
			return "detached at " + r.Commit[:12]
		}
	}
	return ""
}

// HookStates reads the hooks of the repository at root.
func HookStates(root string, getenv func(string) string) ([]HookState, error) {
	_, _, rs, err := hooks.Status(hooks.Options{Dir: root, Getenv: getenv})
	if err != nil {
		return nil, err
	}
	var out []HookState
	for _, r := range rs {
		out = append(out, HookState{Hook: r.Hook, State: string(r.State), Path: r.Path})
	}
	return out, nil
}

// inRoot is p, relative to root when it is relative and root is set.
func inRoot(root, p string) string {
	if p != "" && !filepath.IsAbs(p) && root != "" {
		return filepath.Join(root, p)
	}
	return p
}

// keyFiles are the local files that hold managed keys' values.
func keyFiles(cfg *config.Config, root string) []string {
	var out []string
	for _, k := range cfg.Keys {
		if k.Source == "" {
			continue
		}
		spec, err := keyfile.Parse(k.Source)
		if err != nil || spec.Path == "" {
			continue
		}
		out = append(out, inRoot(root, spec.Path))
	}
	return out
}

// OpenIssue opens or updates the day's audit issue with the Markdown
// report, labelled labels (default: security, leakguard-audit). The
// marker makes a re-run on the same day update the issue instead of
// opening another. It returns the issue's URL and whether it was opened.
func OpenIssue(ctx context.Context, issues remediate.IssueTracker, rep *Report, labels []string) (url string, created bool, err error) {
	day := rep.Generated.Format("2006-01-02")
	id := "audit-" + day
	title := fmt.Sprintf("leakguard audit %s: %s (%d live), %s failed", day, english.Count(rep.Summary.Exposures, "exposure"), rep.Summary.Live, english.Count(rep.Summary.ChecksFailed, "check"))
	body := Markdown(rep) + "\n" + remediate.Marker(id) + "\n"
	if len(labels) == 0 {
		labels = []string{"security", "leakguard-audit"}
	}
	num, url, created, err := issues.Ensure(ctx, id, title, body, labels)
	if err != nil {
		return "", false, hint.Wrap(fmt.Errorf("audit issue: %w", err), "check the token's permission to write issues, then run again (the issue is found again, not duplicated)")
	}
	if !created {
		if err := issues.Update(ctx, num, body); err != nil {
			return "", false, hint.Wrap(fmt.Errorf("audit issue #%d: %w", num, err), "run again")
		}
	}
	return url, created, nil
}
