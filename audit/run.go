package audit

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

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

// RunOptions are an audit run's inputs besides the repository.
type RunOptions struct {
	Git     gitscan.Options        // the detector, the size limit, the backend and the progress
	History gitscan.HistoryOptions // which refs
	// Cache, when set, gives the history cache once the repository is
	// open.
	Cache   func() *gitscan.Cache
	Sources Sources // Root is the repository's work tree
	Now     func() time.Time
	Version string
	// Log receives warnings as they happen (the index cannot be read),
	// and the history's progress when Progress (a terminal).
	Log      io.Writer
	Progress bool
	// Annotate, when set, sees every finding before the report is built
	// (the validity --verify finds, the values remediation retired).
	Annotate func([]scanner.Finding) error
}

// Result is an audit run: its report and what it read.
type Result struct {
	Report   *Report
	Scan     *Scan
	Findings []scanner.Finding // every finding, annotated
}

// Run audits the repository holding dir: it reads its history and work
// tree ([ScanRepo]), then the other sources (hooks, ledger, key files,
// tracked files, the GitHub page), and builds the report. A directory
// that is no repository, or a bare one, is a usage error.
func Run(ctx context.Context, dir string, o RunOptions) (*Result, error) {
	repo, err := gitscan.OpenForScan(dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	root := repo.Root()
	if root == "" {
		return nil, hint.Usagef("audit a repository with a work tree", "%s is a bare repository", repo.GitDir())
	}
	if o.Cache != nil {
		o.Git.Cache = o.Cache()
	}
	tracked, err := repo.TrackedFiles()
	if err != nil {
		fmt.Fprintf(o.Log, "leakguard: warning: reading the index: %v\n", err)
	}
	if o.Progress {
		o.Git.Progress = func(st gitscan.Stats) {
			fmt.Fprintf(o.Log, "\r\x1b[Kleakguard: %d commits, %d blobs, %s", st.Commits, st.Blobs, english.Bytes(st.Bytes))
		}
	}
	sc, err := ScanRepo(ctx, repo, o.Git, o.History, o.Git.MaxSize)
	if o.Progress {
		fmt.Fprint(o.Log, "\r\x1b[K")
	}
	if err != nil {
		return nil, err
	}
	all := sc.Findings()
	if o.Annotate != nil {
		if err := o.Annotate(all); err != nil {
			return nil, err
		}
	}
	sc.SetFindings(all)
	src := o.Sources
	src.Root = root
	in := sc.Input(src)
	in.Now, in.Version, in.Tracked = o.Now(), o.Version, tracked
	in.GitHub = gitscan.GitHubPage(ctx, src.Getenv, root)
	return &Result{Report: Build(in), Scan: sc, Findings: all}, nil
}

// WriteStatus writes to w what the run could not read (the work tree's
// warnings and unreadable files, missing objects) and its closing line
// with the counts and the time it took.
func (r *Result) WriteStatus(w io.Writer, took time.Duration) {
	wt, st := r.Scan.WorkTreeStats, r.Scan.Stats
	for _, m := range wt.Warnings {
		fmt.Fprintf(w, "leakguard: warning: %s\n", m)
	}
	for _, err := range wt.Errors {
		fmt.Fprintf(w, "leakguard: warning: not scanned: %v\n", err)
	}
	if st.Missing > 0 {
		fmt.Fprintf(w, "leakguard: warning: %s missing (partial or shallow clone): the history is incomplete\n", english.Count(st.Missing, "object"))
	}
	sum := r.Report.Summary
	fmt.Fprintf(w, "leakguard: %s (%d live), %s failed, in %s (%s, %s in the working tree) in %s\n",
		english.Count(sum.Exposures, "exposure"), sum.Live, english.Count(sum.ChecksFailed, "check"), r.Report.Root,
		english.Count(st.Commits, "commit"), english.Count(wt.Files+wt.Known, "file"), took.Round(time.Millisecond))
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
// report, labelled labels (default: security, leakguard-audit), and says
// on log which it did, with the issue's URL. The marker makes a re-run
// on the same day update the issue instead of opening another.
func OpenIssue(ctx context.Context, log io.Writer, issues remediate.IssueTracker, rep *Report, labels []string) error {
	day := rep.Generated.Format("2006-01-02")
	id := "audit-" + day
	title := fmt.Sprintf("leakguard audit %s: %s (%d live), %s failed", day, english.Count(rep.Summary.Exposures, "exposure"), rep.Summary.Live, english.Count(rep.Summary.ChecksFailed, "check"))
	body := Markdown(rep) + "\n" + remediate.Marker(id) + "\n"
	if len(labels) == 0 {
		labels = []string{"security", "leakguard-audit"}
	}
	num, url, created, err := issues.Ensure(ctx, id, title, body, labels)
	if err != nil {
		return hint.Wrap(fmt.Errorf("audit issue: %w", err), "check the token's permission to write issues, then run again (the issue is found again, not duplicated)")
	}
	if !created {
		if err := issues.Update(ctx, num, body); err != nil {
			return hint.Wrap(fmt.Errorf("audit issue #%d: %w", num, err), "run again")
		}
		fmt.Fprintf(log, "leakguard: updated audit issue %s\n", url)
		return nil
	}
	fmt.Fprintf(log, "leakguard: opened audit issue %s\n", url)
	return nil
}
