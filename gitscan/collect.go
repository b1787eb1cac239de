package gitscan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/scanner"
)

// # Choosing the source
//
// [Collect] runs the scan a request selects: standard input, files and
// directories (the work tree), or a git source: the changes staged for
// commit, the commits a push sends, or the history. It refuses requests
// that mix sources with a usage error.

// Request selects what [Collect] reads.
type Request struct {
	// Dir is the directory relative paths are given from (-C); "" is the
	// working directory. A git source scans the repository holding it.
	Dir string
	// Paths are the files and directories to scan (none: "."), or "-"
	// alone for Stdin.
	Paths []string
	Stdin io.Reader
	// FollowSymlinks and NoIgnore configure a scan of paths (see
	// [WorkTreeOptions]).
	FollowSymlinks, NoIgnore bool

	// Staged, PrePush and History select a git source; one at most.
	Staged, PrePush, History bool
	// HistoryOptions choose a history scan's commits.
	HistoryOptions
	// NoCache reads the whole history: NewCache is not called.
	NoCache bool
	// NewCache gives the history cache of a scan of whole histories
	// (no --range or --since-commit); nil or a nil result: none.
	NewCache func() *Cache
	// Early, when set, is the staged scan's git processes, started
	// before the configuration loaded ([StartStaged]); Collect takes
	// them when they were started for this Dir and environment.
	Early *Early
	// EarlyPush, when set, is the push scan's walks, started before the
	// configuration loaded ([StartPrePush]); Collect takes them when
	// they were started for this Dir and environment.
	EarlyPush *EarlyPush

	// Options configure the scan; MaxSize bounds stdin too. IndexFile and
	// Backend, when unset, come from GIT_INDEX_FILE and
	// LEAKGUARD_GIT_BACKEND through Getenv.
	Options
	// Getenv reads the environment: the variables above and the
	// pre-commit framework's description of a push (PRE_COMMIT_*).
	Getenv func(string) string
}

// Result is what [Collect] found and read.
type Result struct {
	Findings []scanner.Finding
	// Stats count what was read; a scan of paths counts its files as
	// Blobs.
	Stats
	// Errors are the files and directories that could not be read.
	Errors []error
	// Warnings say what was not read or could not be established (see
	// [WorkTreeStats]); Notes what was read in an unusual way (see
	// collect_words.go).
	Warnings, Notes []string
	// What names a git source: "staged changes", "pushed commits" or
	// "history"; "" for paths and stdin.
	What string
	// Stdin is a scan of standard input: no file of the repository, so
	// nothing that names files (.gitleaksignore) applies to it.
	Stdin bool
	// Hook is a hook's scan (staged changes, pushed commits): it fails
	// closed on what it could not read, Unscanned too.
	Hook bool
}

const hintHistory = "add --history"

const stagedChanges = "staged changes"

// Collect runs the scan req selects.
func Collect(ctx context.Context, req Request) (*Result, error) {
	res, err := collect(ctx, req)
	if err != nil {
		return nil, err
	}
	res.word()
	return res, nil
}

func collect(ctx context.Context, req Request) (*Result, error) {
	if req.Staged || req.PrePush || req.History {
		return collectGit(ctx, req)
	}
	if h := req.HistoryOptions; h.Range != "" || h.SinceCommit != "" || h.Branch != "" || h.AllRefs || req.NoCache {
		return nil, usageErr(hintHistory, "--range, --since-commit, --branch, --all-refs and --no-cache apply to --history")
	}
	res := &Result{}
	if len(req.Paths) == 1 && req.Paths[0] == "-" {
		b, err := io.ReadAll(io.LimitReader(req.Stdin, req.MaxSize+1))
		if err != nil {
			return nil, fmt.Errorf("reading stdin: %w", err)
		}
		if int64(len(b)) > req.MaxSize {
			return nil, usageErr("raise --max-size", "stdin is larger than --max-size (%d bytes)", req.MaxSize)
		}
		res.Findings = req.Detector.Detect(scanner.Fragment{Path: "-", Content: b})
		res.Blobs, res.Bytes, res.Stdin = 1, int64(len(b)), true
		return res, nil
	}
	roots := append([]string(nil), req.Paths...)
	if len(roots) == 0 {
		roots = []string{"."}
	}
	for _, r := range roots {
		if r == "-" {
			return nil, usageErr("scan stdin alone: leakguard scan -", "- cannot be mixed with paths")
		}
	}
	base := req.Dir
	if base == "" {
		base = "."
	}
	// One root at a time: each finding's path is shown under the root it
	// was found in (see shownPath).
	var all WorkTreeStats
	for _, r := range roots {
		abs := r
		if !filepath.IsAbs(r) && req.Dir != "" {
			abs = filepath.Join(base, r)
		}
		found, wst, err := ScanWorkTree(ctx, req.Detector, []string{abs}, WorkTreeOptions{
			DirOptions: scanner.DirOptions{MaxSize: req.MaxSize, FollowSymlinks: req.FollowSymlinks},
			NoIgnore:   req.NoIgnore,
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, usageErr("pass an existing file or directory", "%w", err)
		}
		isFile := false
		if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
			isFile = true
		}
		for i := range found {
			found[i].File = shownPath(base, r, isFile, found[i].File)
		}
		for i := range wst.Unscanned {
			wst.Unscanned[i].Path = shownPath(base, r, isFile, wst.Unscanned[i].Path)
		}
		for i := range wst.Notices {
			wst.Notices[i].Path = shownPath(base, r, isFile, wst.Notices[i].Path)
		}
		res.Findings = append(res.Findings, found...)
		all.add(wst.Stats)
		res.Warnings = append(res.Warnings, wst.Warnings...)
	}
	scanner.SortFindings(res.Findings)
	res.Blobs, res.Bytes, res.Skipped = all.Files, all.Bytes, all.Skipped
	res.Errors, res.Unscanned, res.Notices = all.Errors, all.Unscanned, all.Notices
	return res, nil
}

// collectGit scans a git source: the staged changes, the pushed commits
// or the history.
func collectGit(ctx context.Context, req Request) (*Result, error) {
	n := 0
	for _, b := range []bool{req.Staged, req.PrePush, req.History} {
		if b {
			n++
		}
	}
	if n > 1 {
		return nil, usageErr("pass one of --staged, --pre-push or --history", "--staged, --pre-push and --history are exclusive")
	}
	if len(req.Paths) > 0 {
		return nil, usageErr("select the repository with -C DIR", "git scans take no paths (got %q)", strings.Join(req.Paths, " "))
	}
	h := req.HistoryOptions
	if !req.History && (h.Range != "" || h.SinceCommit != "" || h.Branch != "" || h.AllRefs || req.NoCache) {
		return nil, usageErr(hintHistory, "--range, --since-commit, --branch, --all-refs and --no-cache apply to --history")
	}
	if h.AllRefs && (h.Range != "" || h.Branch != "") {
		return nil, usageErr("drop --all-refs, or --range and --branch", "--all-refs reads every ref; --range and --branch choose commits")
	}
	dir := req.Dir
	if dir == "" {
		dir = "."
	}
	o := req.Options
	if o.IndexFile == "" {
		o.IndexFile = req.Getenv("GIT_INDEX_FILE")
	}
	if o.Backend == "" {
		o.Backend = req.Getenv("LEAKGUARD_GIT_BACKEND")
	}
	var repo *Repo
	switch {
	case req.Staged:
		repo, o.early = req.Early.take(dir, o)
	case req.PrePush:
		repo, o.earlyPush = req.EarlyPush.take(dir, o.Backend)
	}
	var err error
	if repo == nil {
		if repo, err = OpenForScan(dir); err != nil {
			return nil, err
		}
	}
	defer repo.Close()
	res := &Result{Hook: req.Staged || req.PrePush}
	switch {
	case req.Staged:
		res.What = stagedChanges
		res.Findings, res.Stats, err = repo.Staged(ctx, o)
	case req.PrePush:
		res.What = "pushed commits"
		var ups []PushUpdate
		ups, err = ParsePushUpdates(req.Stdin)
		if err != nil {
			return nil, usageErr("run it from a pre-push hook: leakguard hooks install --pre-push", "%v", err)
		}
		if len(ups) == 0 {
			ups, err = repo.FrameworkUpdates(frameworkPush(req.Getenv))
			if errors.Is(err, ErrNoPushRange) {
				return nil, hint.Wrap(err, "run it as the pre-commit framework's pre-push hook (pre-commit install -t pre-push), or name the range: pre-commit run --hook-stage pre-push --from-ref REMOTE_SHA --to-ref HEAD")
			}
		}
		if err == nil {
			res.Findings, res.Stats, err = repo.PrePush(ctx, o, ups)
		}
	default:
		res.What = "history"
		if !req.NoCache && h.Range == "" && h.SinceCommit == "" && req.NewCache != nil {
			o.Cache = req.NewCache()
		}
		res.Findings, res.Stats, err = repo.History(ctx, o, h)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, ErrBadRevision) {
			return nil, usageErr("check --range, --branch and --since-commit (e.g. --range main..HEAD)", "%v", err)
		}
		return nil, hint.Wrap(err, "check the repository with 'git fsck'")
	}
	return res, nil
}

// OpenForScan is [Open] for a scan the user asked for: its errors are
// usage errors with hints.
func OpenForScan(dir string) (*Repo, error) {
	repo, err := Open(dir)
	switch {
	case err == nil:
		return repo, nil
	case errors.Is(err, ErrNotRepository):
		return nil, usageErr(HintNoRepo, "%w", err)
	case errors.Is(err, ErrSHA256):
		return nil, usageErr(HintSHA256, "%w", err)
	}
	return nil, usageErr(HintNoRepo, "opening the repository: %w", err)
}

// frameworkPush reads the push the pre-commit framework describes in the
// environment (it keeps the hook's standard input).
func frameworkPush(getenv func(string) string) FrameworkPush {
	return FrameworkPush{
		From:      getenv("PRE_COMMIT_FROM_REF"),
		To:        getenv("PRE_COMMIT_TO_REF"),
		LocalRef:  getenv("PRE_COMMIT_LOCAL_BRANCH"),
		RemoteRef: getenv("PRE_COMMIT_REMOTE_BRANCH"),
		Framework: getenv("PRE_COMMIT") == "1",
	}
}

// shownPath is how a file found under root (a path as the user gave it)
// is shown: the root joined with the file's path within it, relative to
// the working directory (base) as gitleaks prints them, so that the
// files of 'scan a b' are told apart. A root given as an absolute path
// outside the working directory stays absolute; a file root is shown as
// given (rel is then the file's path, or an archive member under it).
func shownPath(base, root string, isFile bool, rel string) string {
	if isFile {
		// rel is the path scanned itself, or path!/member for a file in
		// an archive.
		scanned := []string{root}
		if !filepath.IsAbs(root) {
			scanned = append(scanned, filepath.Join(base, root))
		}
		for _, p := range scanned {
			if rest, ok := strings.CutPrefix(rel, filepath.ToSlash(filepath.Clean(p))); ok {
				return filepath.ToSlash(shownRoot(base, root)) + rest
			}
		}
		return rel
	}
	r := shownRoot(base, root)
	if r == "." {
		return rel
	}
	return filepath.ToSlash(r) + "/" + rel
}

// shownRoot is root relative to base when it lies inside it.
func shownRoot(base, root string) string {
	if !filepath.IsAbs(root) {
		return filepath.Clean(root)
	}
	b, err := filepath.Abs(base)
	if err != nil {
		return filepath.Clean(root)
	}
	if r, err := filepath.Rel(b, root); err == nil && r != ".." && !strings.HasPrefix(r, "../") {
		return r
	}
	return filepath.Clean(root)
}
