package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/spf13/cobra"

	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/scanner/report"
	"github.com/leakguard/leakguard/secret"
)

// hintFetchDepth is what to do about a clone that lacks the commits a
// scan needs.
const hintFetchDepth = "set fetch-depth: 0 on actions/checkout (locally: git fetch --unshallow)"

// ciFlags are the flags of 'leakguard ci'.
type ciFlags struct {
	scan      scanFlags
	failOn    string
	sarif     string
	report    string
	remediate bool
	noIssue   bool
}

func newCICmd(s *IO) *cobra.Command {
	var f ciFlags
	c := &cobra.Command{
		Use:   "ci",
		Short: "Scan what a CI event brings: annotations, job summary, SARIF and outputs on GitHub Actions",
		Long: `Scan exactly the commits a GitHub Actions event brings:

  push                          before..after; a new branch: the commits not on
                                the default branch; a force push: the new commits
  pull_request(_target)         base..head
  merge_group                   base..head of the queued merge
  schedule, workflow_dispatch   the full history (every ref)

On GitHub Actions (GITHUB_ACTIONS=true) it first masks every secret it found
(::add-mask::), then prints one error annotation per finding (redacted), the
report, a Markdown job summary with the playbook ($GITHUB_STEP_SUMMARY), the
outputs findings, sarif and report ($GITHUB_OUTPUT), and writes the SARIF
file (--sarif) and the JSON report (--report), both redacted.

Elsewhere it scans origin/HEAD..HEAD (or --range) and prints the findings as
text; --sarif and --report write those files only when given.

A shallow clone that lacks the commits to scan is an error (exit 2): set
fetch-depth: 0 on actions/checkout. --fail-on decides the exit code: none
(always 0), any (1 with findings, the default) or high (1 with a
high-confidence finding). --remediate opens the incidents and audit issues
as 'leakguard remediate' does, with $GITHUB_TOKEN, in $GITHUB_REPOSITORY
unless [github] repo says otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fl := c.Flags()
			return runCI(c.Context(), s, &f, fl.Changed("sarif"), fl.Changed("report"))
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.scan.dir, "chdir", "C", "", "the repository in `DIR` (default: $GITHUB_WORKSPACE on GitHub Actions, else the current directory)")
	fl.StringVarP(&f.scan.configPath, "config", "c", "", "config `FILE` (leakguard.toml or a gitleaks config); default: $LEAKGUARD_CONFIG, then leakguard.toml")
	fl.StringVar(&f.scan.revRange, "range", "", "scan the commits in `REVS` (e.g. main..HEAD) instead of what the event brings")
	fl.StringVar(&f.scan.maxSize, "max-size", "", "skip files larger than `SIZE` (default 10MiB)")
	fl.StringVar(&f.scan.ignoreFile, "ignore-file", "", "content-fingerprint ignore `FILE` (default: .leakguardignore at the repository root)")
	fl.BoolVar(&f.scan.strict, "strict", false, "exit 3 when objects are missing (partial clones)")
	fl.StringVar(&f.failOn, "fail-on", "medium", "exit 1 on a finding at `LEVEL` or above: low (any), medium or high; none: never")
	fl.StringVar(&f.sarif, "sarif", "leakguard.sarif", "write SARIF to `FILE` (relative to the repository; outside GitHub Actions only when given)")
	fl.StringVar(&f.report, "report", "", "write the JSON report to `FILE` (relative to the repository; default on GitHub Actions: $RUNNER_TEMP/leakguard-report.json; elsewhere only when given)")
	fl.BoolVar(&f.remediate, "remediate", false, "open an incident per leaked key and its audit issue, as 'leakguard remediate' does")
	fl.BoolVar(&f.noIssue, "no-issue", false, "with --remediate: record incidents without opening audit issues")
	return c
}

// inActions reports whether leakguard runs in a GitHub Actions job.
func inActions(s *IO) bool {
	return s.Getenv("GITHUB_ACTIONS") == "true" || s.Getenv("GITHUB_EVENT_NAME") != ""
}

func runCI(ctx context.Context, s *IO, f *ciFlags, sarifSet, reportSet bool) error {
	gha := inActions(s)
	err := runCI1(ctx, s, f, gha, sarifSet, reportSet)
	if gha && err != nil && ctx.Err() == nil {
		// The log's error line is easy to miss: make it an annotation,
		// with the message and hint the exit code comes with.
		if _, msg, hnt := classify(&ranErr{err}); msg != "" {
			if hnt != "" {
				msg += "; hint: " + hnt
			}
			fmt.Fprintf(s.Out, "::error title=%s::%s\n", report.GitHubEscapeProperty("leakguard"), report.GitHubEscapeData(msg))
		}
	}
	return err
}

func runCI1(ctx context.Context, s *IO, f *ciFlags, gha, sarifSet, reportSet bool) error {
	if _, err := failThreshold(f.failOn); err != nil {
		return err
	}
	if f.noIssue && !f.remediate {
		return usageErr("add --remediate", "--no-issue applies to --remediate")
	}
	if f.scan.dir == "" && gha {
		f.scan.dir = s.Getenv("GITHUB_WORKSPACE")
	}
	e, err := f.scan.resolve(s, true)
	if err != nil {
		return err
	}
	gr, err := git.PlainOpenWithOptions(e.base, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		abs, _ := filepath.Abs(e.base)
		hint := hintNoRepo
		if gha {
			hint = "check the repository out first: actions/checkout with fetch-depth: 0"
		}
		return &Error{Code: ExitUsage, Err: fmt.Errorf("no git repository at %s: %v", abs, err), Hint: hint}
	}
	pl, err := ciPlanFor(s, gr, f.scan.revRange, gha)
	if err != nil {
		return err
	}
	res := &scanResult{summary: "nothing to scan"}
	if !pl.skip {
		if err := pl.checkShallow(gr); err != nil {
			return err
		}
		sf := f.scan
		sf.history, sf.revRange, sf.format = true, pl.rng, "text"
		if res, err = collectGit(ctx, s, &sf, e, nil); err != nil {
			return err
		}
	}
	report.RedactMessages(res.found)
	if !gha {
		return ciText(ctx, s, f, e, pl, res, sarifSet, reportSet)
	}
	return ciActions(ctx, s, f, e, pl, res)
}

// ciText reports outside GitHub Actions: the scan command's text report.
func ciText(ctx context.Context, s *IO, f *ciFlags, e *env, pl *ciPlan, res *scanResult, sarifSet, reportSet bool) error {
	if err := report.Write(s.Out, res.found, report.Options{Format: "text", Color: s.colorOn(s.Out), Version: Version()}); err != nil {
		return err
	}
	var files []string
	if sarifSet {
		p, err := ciWriteReport(e, f.sarif, "sarif", res.found)
		if err != nil {
			return err
		}
		files = append(files, p)
	}
	if reportSet {
		p, err := ciWriteReport(e, f.report, "json", res.found)
		if err != nil {
			return err
		}
		files = append(files, p)
	}
	var remErr error
	if f.remediate && len(res.found) > 0 {
		_, remErr = ciRemediate(ctx, s, e, f.noIssue, res.found)
	}
	for _, n := range pl.notes {
		fmt.Fprintln(s.Err, "leakguard: note: "+n)
	}
	for _, w := range res.warnings {
		fmt.Fprintln(s.Err, "leakguard: warning: "+w)
	}
	for _, p := range files {
		fmt.Fprintln(s.Err, "leakguard: wrote "+p)
	}
	fmt.Fprintf(s.Err, "leakguard: %s (%s)\n", res.summary, pl.what)
	return ciOutcome(s, f, res, remErr)
}

// ciActions reports on GitHub Actions. Masks come first: nothing else is
// printed before the runner knows every secret.
func ciActions(ctx context.Context, s *IO, f *ciFlags, e *env, pl *ciPlan, res *scanResult) error {
	var out bytes.Buffer
	report.WriteGitHubMasks(&out, res.found)
	if _, err := s.Out.Write(out.Bytes()); err != nil {
		return err
	}
	out.Reset()
	report.WriteGitHubAnnotations(&out, res.found)
	for _, n := range pl.notes {
		fmt.Fprintf(&out, "::notice title=%s::%s\n", report.GitHubEscapeProperty("leakguard"), report.GitHubEscapeData(n))
	}
	for _, w := range res.warnings {
		fmt.Fprintf(&out, "::warning title=%s::%s\n", report.GitHubEscapeProperty("leakguard"), report.GitHubEscapeData(w))
	}
	fmt.Fprint(s.Out, out.String())

	// File names and commit messages come from the repository: stop the
	// runner from reading workflow commands in them.
	token := report.GitHubToken()
	fmt.Fprintf(s.Out, "::group::leakguard: %s\n", report.GitHubEscapeData(plural(len(res.found), "finding")))
	fmt.Fprintf(s.Out, "::stop-commands::%s\n", token)
	if err := report.Write(s.Out, res.found, report.Options{Format: "text", Version: Version()}); err != nil {
		return err
	}
	var opened []remediate.Opened
	var remErr error
	if f.remediate && len(res.found) > 0 {
		opened, remErr = ciRemediate(ctx, s, e, f.noIssue, res.found)
	}
	fmt.Fprintf(s.Out, "::%s::\n", token)
	fmt.Fprintln(s.Out, "::endgroup::")

	sarifPath, err := ciWriteReport(e, f.sarif, "sarif", res.found)
	if err != nil {
		return err
	}
	rp := f.report
	if rp == "" {
		rp = "leakguard-report.json"
		if t := s.Getenv("RUNNER_TEMP"); t != "" {
			rp = filepath.Join(t, rp)
		}
	}
	reportPath, err := ciWriteReport(e, rp, "json", res.found)
	if err != nil {
		return err
	}
	if p := s.Getenv("GITHUB_STEP_SUMMARY"); p != "" {
		md := ciJobSummary(s, f, pl, res, opened, remErr)
		if err := ciAppendFile(p, md); err != nil {
			return &Error{Code: ExitIncomplete, Err: fmt.Errorf("job summary: %w", err)}
		}
	}
	if p := s.Getenv("GITHUB_OUTPUT"); p != "" {
		var b strings.Builder
		report.WriteGitHubOutput(&b, "findings", strconv.Itoa(len(res.found)))
		report.WriteGitHubOutput(&b, "sarif", sarifPath)
		report.WriteGitHubOutput(&b, "report", reportPath)
		if err := ciAppendFile(p, b.String()); err != nil {
			return &Error{Code: ExitIncomplete, Err: fmt.Errorf("step outputs: %w", err)}
		}
	}
	for _, w := range res.warnings {
		fmt.Fprintln(s.Err, "leakguard: warning: "+w)
	}
	fmt.Fprintf(s.Err, "leakguard: %s (%s)\n", res.summary, pl.what)
	return ciOutcome(s, f, res, remErr)
}

// ciOutcome maps a CI scan to an exit code by --fail-on.
func ciOutcome(s *IO, f *ciFlags, res *scanResult, remErr error) error {
	if remErr != nil {
		var e *Error
		if errors.As(remErr, &e) {
			return e // a configuration error, with its hint
		}
		return &Error{Code: ExitIncomplete, Err: fmt.Errorf("remediation incomplete: %w", remErr),
			Hint: "fix the cause and run 'leakguard remediate' again (it extends the open incidents)"}
	}
	if res.strict && res.missing > 0 {
		return &Error{Code: ExitIncomplete, Err: fmt.Errorf("scan incomplete: %s missing", plural(res.missing, "object")),
			Hint: "fetch the missing objects (a full clone) or drop --strict"}
	}
	th, _ := failThreshold(f.failOn)
	fail := th != "" && scanner.CountAtLeast(res.found, th) > 0
	if fail {
		return &Error{Code: ExitFindings, Err: errSilent}
	}
	if len(res.found) > 0 {
		fmt.Fprintf(s.Err, "leakguard: --fail-on %s: exiting 0 with %s\n", f.failOn, plural(len(res.found), "finding"))
	}
	return nil
}

func ciRemediate(ctx context.Context, s *IO, e *env, noIssue bool, fs []scanner.Finding) ([]remediate.Opened, error) {
	// On GitHub Enterprise Server the workflow's own repository is behind
	// the workflow's API.
	if gh := &e.cfg.GitHub; gh.APIURL == "" && gh.Repo == "" {
		gh.APIURL = s.Getenv("GITHUB_API_URL")
	}
	// The leaked values must never reach the audit issue.
	var leaked []secret.Value
	for i := range fs {
		if !fs[i].Secret.IsZero() {
			leaked = append(leaked, fs[i].Secret)
		}
	}
	p, err := newPlaybook(s, e, noIssue, leaked...)
	if err != nil {
		return nil, err
	}
	return p.Open(ctx, fs, false)
}

// ciWriteReport writes a redacted report, making its directory; a
// relative path is relative to the repository directory (-C,
// $GITHUB_WORKSPACE). It returns the absolute path.
func ciWriteReport(e *env, path, format string, fs []scanner.Finding) (string, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(e.base, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, fs, report.Options{Format: format, Version: Version()}); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return "", &Error{Code: ExitIncomplete, Err: err, Hint: "check that the output directory is writable"}
	}
	if err := os.WriteFile(abs, buf.Bytes(), 0o644); err != nil {
		return "", &Error{Code: ExitIncomplete, Err: err, Hint: "check that the output directory exists and is writable"}
	}
	return abs, nil
}

func ciAppendFile(path, s string) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := fh.WriteString(s); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

func ciShort(c string) string { return c[:min(12, len(c))] }

// # The scan plan

// ciPlan is what a CI run scans.
type ciPlan struct {
	what  string // for people: "push to main (abc..def)"
	rng   string // gitscan range; "" with full
	full  bool   // every ref's history
	skip  bool   // nothing to scan (a deleted branch)
	notes []string
	// tips and excludes resolve rng, for the shallow-clone check.
	tips, excludes []plumbing.Hash
}

// ciEvent is the part of an Actions event payload leakguard reads.
type ciEvent struct {
	Ref        string `json:"ref"`
	Before     string `json:"before"`
	After      string `json:"after"`
	Deleted    bool   `json:"deleted"`
	Forced     bool   `json:"forced"`
	Repository struct {
		DefaultBranch string `json:"default_branch"`
	} `json:"repository"`
	PullRequest *struct {
		Number int `json:"number"`
		Base   struct {
			SHA string `json:"sha"`
			Ref string `json:"ref"`
		} `json:"base"`
		Head struct {
			SHA string `json:"sha"`
			Ref string `json:"ref"`
		} `json:"head"`
	} `json:"pull_request"`
	MergeGroup *struct {
		BaseSHA string `json:"base_sha"`
		HeadSHA string `json:"head_sha"`
	} `json:"merge_group"`
}

func ciZeroSHA(s string) bool { return s == "" || strings.Trim(s, "0") == "" }

// ciCommit resolves rev to a commit present in the repository, peeling
// annotated tags.
func ciCommit(gr *git.Repository, rev string) (plumbing.Hash, bool) {
	h, err := gr.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		if !plumbing.IsHash(rev) {
			return plumbing.ZeroHash, false
		}
		hh := plumbing.NewHash(rev)
		h = &hh
	}
	for i := 0; i < 10; i++ {
		o, err := gr.Storer.EncodedObject(plumbing.AnyObject, *h)
		if err != nil {
			return plumbing.ZeroHash, false
		}
		switch o.Type() {
		case plumbing.CommitObject:
			return *h, true
		case plumbing.TagObject:
			t, err := object.DecodeTag(gr.Storer, o)
			if err != nil {
				return plumbing.ZeroHash, false
			}
			h = &t.Target
		default:
			return plumbing.ZeroHash, false
		}
	}
	return plumbing.ZeroHash, false
}

func ciShallow(gr *git.Repository) bool {
	sh, err := gr.Storer.Shallow()
	return err == nil && len(sh) > 0
}

// ciMissingErr is the error for a commit the clone lacks.
func ciMissingErr(gr *git.Repository, what, sha, hint string) error {
	if ciShallow(gr) || hint == "" {
		hint = hintFetchDepth
	}
	return &Error{Code: ExitUsage, Err: fmt.Errorf("the clone lacks %s %s", what, ciShort(sha)), Hint: hint}
}

// ciPlanFor decides what to scan: --range, else the event's commits on
// GitHub Actions, else origin/HEAD..HEAD.
func ciPlanFor(s *IO, gr *git.Repository, rng string, gha bool) (*ciPlan, error) {
	if rng != "" {
		return ciRangePlan(gr, rng, "commits in "+rng)
	}
	if !gha {
		if _, ok := ciCommit(gr, "refs/remotes/origin/HEAD"); !ok {
			return nil, usageErr("pass --range BASE..HEAD, or set origin/HEAD: git remote set-head origin --auto",
				"origin/HEAD is not set: cannot tell which commits are new")
		}
		return ciRangePlan(gr, "origin/HEAD..HEAD", "origin/HEAD..HEAD")
	}
	name := s.Getenv("GITHUB_EVENT_NAME")
	var ev ciEvent
	if p := s.Getenv("GITHUB_EVENT_PATH"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, &Error{Code: ExitUsage, Err: fmt.Errorf("event payload: %v", err), Hint: "run it in a GitHub Actions job, or pass --range"}
		}
		if err := json.Unmarshal(b, &ev); err != nil {
			return nil, &Error{Code: ExitUsage, Err: fmt.Errorf("event payload %s: %v", p, err), Hint: "run it in a GitHub Actions job, or pass --range"}
		}
	} else if name == "push" || strings.HasPrefix(name, "pull_request") || name == "merge_group" {
		return nil, usageErr("run it in a GitHub Actions job, or pass --range", "GITHUB_EVENT_PATH is not set for a %s event", name)
	}
	switch name {
	case "push":
		return ciPushPlan(s, gr, &ev)
	case "pull_request", "pull_request_target":
		if ev.PullRequest == nil {
			return nil, usageErr("check GITHUB_EVENT_PATH", "the %s payload has no pull_request", name)
		}
		pr := ev.PullRequest
		head, ok := ciCommit(gr, pr.Head.SHA)
		if !ok {
			hint := ""
			if name == "pull_request_target" {
				hint = "pull_request_target checks out the base branch: pass ref: ${{ github.event.pull_request.head.sha }} and fetch-depth: 0 to actions/checkout"
			}
			return nil, ciMissingErr(gr, "the pull request's head", pr.Head.SHA, hint)
		}
		base, ok := ciCommit(gr, pr.Base.SHA)
		if !ok {
			return nil, ciMissingErr(gr, "the pull request's base", pr.Base.SHA, "")
		}
		what := fmt.Sprintf("pull request #%d (%s..%s)", pr.Number, ciShort(pr.Base.SHA), ciShort(pr.Head.SHA))
		return &ciPlan{what: what, rng: base.String() + ".." + head.String(), tips: []plumbing.Hash{head}, excludes: []plumbing.Hash{base}}, nil
	case "merge_group":
		if ev.MergeGroup == nil {
			return nil, usageErr("check GITHUB_EVENT_PATH", "the merge_group payload has no merge_group")
		}
		head, ok := ciCommit(gr, ev.MergeGroup.HeadSHA)
		if !ok {
			return nil, ciMissingErr(gr, "the merge group's head", ev.MergeGroup.HeadSHA, "")
		}
		base, ok := ciCommit(gr, ev.MergeGroup.BaseSHA)
		if !ok {
			return nil, ciMissingErr(gr, "the merge group's base", ev.MergeGroup.BaseSHA, "")
		}
		return &ciPlan{what: "merge group (" + ciShort(base.String()) + ".." + ciShort(head.String()) + ")",
			rng: base.String() + ".." + head.String(), tips: []plumbing.Hash{head}, excludes: []plumbing.Hash{base}}, nil
	case "schedule", "workflow_dispatch":
		return &ciPlan{what: name + ": the full history", full: true}, nil
	}
	if name == "" {
		name = "unknown event"
	}
	return &ciPlan{what: name + ": the full history", full: true,
		notes: []string{"event " + name + " brings no commit range: scanning the full history"}}, nil
}

// ciPushPlan: before..after; a new branch: the commits not on the default
// branch; before missing from the clone (a force push rewrote it): the
// same as a new branch.
func ciPushPlan(s *IO, gr *git.Repository, ev *ciEvent) (*ciPlan, error) {
	if ev.After == "" {
		ev.After = s.Getenv("GITHUB_SHA")
	}
	if ev.Ref == "" {
		ev.Ref = s.Getenv("GITHUB_REF")
	}
	name := strings.TrimPrefix(strings.TrimPrefix(ev.Ref, "refs/heads/"), "refs/tags/")
	if ev.Deleted || ciZeroSHA(ev.After) {
		return &ciPlan{what: "push deleting " + name, skip: true, notes: []string{name + " was deleted: nothing to scan"}}, nil
	}
	after, ok := ciCommit(gr, ev.After)
	if !ok {
		return nil, ciMissingErr(gr, "the pushed commit", ev.After, "check out the pushed commit (actions/checkout with fetch-depth: 0)")
	}
	if !ciZeroSHA(ev.Before) {
		if before, ok := ciCommit(gr, ev.Before); ok {
			what := fmt.Sprintf("push to %s (%s..%s)", name, ciShort(ev.Before), ciShort(ev.After))
			if ev.Forced {
				what = fmt.Sprintf("force push to %s (%s..%s: the new commits)", name, ciShort(ev.Before), ciShort(ev.After))
			}
			return &ciPlan{what: what, rng: before.String() + ".." + after.String(), tips: []plumbing.Hash{after}, excludes: []plumbing.Hash{before}}, nil
		}
		if ciShallow(gr) {
			return nil, ciMissingErr(gr, "the commit before the push", ev.Before, "")
		}
		pl := ciNewBranchPlan(gr, ev, name, after)
		pl.notes = append([]string{fmt.Sprintf("the commit before the push (%s) is not in the clone (a force push rewrote it?): scanning the commits not on the default branch instead", ciShort(ev.Before))}, pl.notes...)
		return pl, nil
	}
	return ciNewBranchPlan(gr, ev, name, after), nil
}

// ciNewBranchPlan scans a new branch's commits: those not on the default
// branch, else those not on any other remote-tracking branch.
func ciNewBranchPlan(gr *git.Repository, ev *ciEvent, name string, after plumbing.Hash) *ciPlan {
	def := ev.Repository.DefaultBranch
	if def == "" {
		if ref, err := gr.Reference("refs/remotes/origin/HEAD", false); err == nil && ref.Type() == plumbing.SymbolicReference {
			def = strings.TrimPrefix(ref.Target().String(), "refs/remotes/origin/")
		}
	}
	full := func(what string, notes ...string) *ciPlan {
		return &ciPlan{what: what, rng: after.String(), tips: []plumbing.Hash{after}, notes: notes}
	}
	if def != "" && ev.Ref == "refs/heads/"+def {
		return full(fmt.Sprintf("new default branch %s: all of its history", name))
	}
	if def != "" {
		if h, ok := ciCommit(gr, "refs/remotes/origin/"+def); ok {
			return &ciPlan{what: fmt.Sprintf("new %s %s (the commits not on %s)", ciRefKind(ev.Ref), name, def),
				rng: after.String() + " ^" + h.String(), tips: []plumbing.Hash{after}, excludes: []plumbing.Hash{h}}
		}
	}
	// No default branch in the clone: exclude every other remote-tracking
	// branch.
	pl := &ciPlan{what: fmt.Sprintf("new %s %s (the commits on no other branch)", ciRefKind(ev.Ref), name), tips: []plumbing.Hash{after}}
	own := "refs/remotes/origin/" + strings.TrimPrefix(ev.Ref, "refs/heads/")
	var names []string
	if it, err := gr.References(); err == nil {
		_ = it.ForEach(func(r *plumbing.Reference) error {
			n := r.Name().String()
			if r.Type() == plumbing.HashReference && strings.HasPrefix(n, "refs/remotes/") && n != own && !strings.HasSuffix(n, "/HEAD") {
				names = append(names, n)
			}
			return nil
		})
	}
	sort.Strings(names)
	parts := []string{after.String()}
	for _, n := range names {
		if h, ok := ciCommit(gr, n); ok {
			pl.excludes = append(pl.excludes, h)
			parts = append(parts, "^"+h.String())
		}
	}
	if len(pl.excludes) == 0 {
		return full(fmt.Sprintf("new %s %s: all of its history", ciRefKind(ev.Ref), name),
			"no default branch in the clone to compare the new branch with: scanning all of its history")
	}
	pl.rng = strings.Join(parts, " ")
	return pl
}

func ciRefKind(ref string) string {
	if strings.HasPrefix(ref, "refs/tags/") {
		return "tag"
	}
	return "branch"
}

// ciRangePlan resolves a user's range: "A..B", "A...B" or revisions with
// "^" excludes.
func ciRangePlan(gr *git.Repository, rng, what string) (*ciPlan, error) {
	pl := &ciPlan{what: what, rng: rng}
	bad := func(rev string) error {
		return usageErr("check --range (e.g. --range main..HEAD); in a shallow clone: "+hintFetchDepth, "unknown revision %q in the range %q", rev, rng)
	}
	res := func(rev string) (plumbing.Hash, error) {
		if rev == "" {
			rev = "HEAD"
		}
		h, ok := ciCommit(gr, rev)
		if !ok {
			return h, bad(rev)
		}
		return h, nil
	}
	if a, b, ok := strings.Cut(rng, "..."); ok {
		ha, err := res(a)
		if err != nil {
			return nil, err
		}
		hb, err := res(b)
		if err != nil {
			return nil, err
		}
		pl.tips = []plumbing.Hash{ha, hb}
		ca, err1 := gr.CommitObject(ha)
		cb, err2 := gr.CommitObject(hb)
		if err1 == nil && err2 == nil {
			if bases, err := ca.MergeBase(cb); err == nil {
				for _, c := range bases {
					pl.excludes = append(pl.excludes, c.Hash)
				}
			}
		}
		return pl, nil
	}
	if a, b, ok := strings.Cut(rng, ".."); ok {
		ha, err := res(a)
		if err != nil {
			return nil, err
		}
		hb, err := res(b)
		if err != nil {
			return nil, err
		}
		pl.tips, pl.excludes = []plumbing.Hash{hb}, []plumbing.Hash{ha}
		return pl, nil
	}
	for _, fld := range strings.Fields(rng) {
		h, err := res(strings.TrimPrefix(fld, "^"))
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(fld, "^") {
			pl.excludes = append(pl.excludes, h)
		} else {
			pl.tips = append(pl.tips, h)
		}
	}
	return pl, nil
}

// checkShallow fails when a shallow clone lacks commits the plan needs:
// a full-history scan, or a range whose walk reaches the clone's
// shallow boundary.
func (pl *ciPlan) checkShallow(gr *git.Repository) error {
	sh, err := gr.Storer.Shallow()
	if err != nil || len(sh) == 0 {
		return nil
	}
	fail := func() error {
		return &Error{Code: ExitUsage, Err: fmt.Errorf("the clone is shallow and lacks commits of %s", pl.what), Hint: hintFetchDepth}
	}
	if pl.full {
		return fail()
	}
	boundary := map[plumbing.Hash]bool{}
	for _, h := range sh {
		boundary[h] = true
	}
	// Everything the excludes reach is not scanned; walk the rest.
	excluded := map[plumbing.Hash]bool{}
	walk := func(from []plumbing.Hash, visit func(h plumbing.Hash) bool) {
		stack := append([]plumbing.Hash(nil), from...)
		seen := map[plumbing.Hash]bool{}
		for len(stack) > 0 {
			h := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[h] || !visit(h) {
				continue
			}
			seen[h] = true
			c, err := gr.CommitObject(h)
			if err != nil {
				continue
			}
			stack = append(stack, c.ParentHashes...)
		}
	}
	walk(pl.excludes, func(h plumbing.Hash) bool { excluded[h] = true; return true })
	hit := false
	walk(pl.tips, func(h plumbing.Hash) bool {
		if excluded[h] || hit {
			return false
		}
		if boundary[h] {
			hit = true
			return false
		}
		return true
	})
	if hit {
		return fail()
	}
	return nil
}

// # Job summary

// ciMD keeps repository text (file names, commit authors) from being
// read as Markdown or HTML.
func ciMD(s string) string {
	var b strings.Builder
	for _, r := range strings.Join(strings.Fields(s), " ") {
		if strings.ContainsRune("\\`*_[]<>|~&#!", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func ciServer(s *IO) string {
	if u := s.Getenv("GITHUB_SERVER_URL"); u != "" {
		return strings.TrimRight(u, "/")
	}
	return "https://github.com"
}

// ciFindingLink is the finding's location, linked to the blob at its commit.
func ciFindingLink(s *IO, f *scanner.Finding) string {
	text := f.File
	if text == "" {
		return "(commit message)"
	}
	if f.StartLine > 0 {
		text += ":" + strconv.Itoa(f.StartLine)
	}
	repo := s.Getenv("GITHUB_REPOSITORY")
	commit := f.Commit
	if commit == "" {
		commit = s.Getenv("GITHUB_SHA")
	}
	if repo == "" || commit == "" {
		return ciMD(text)
	}
	var parts []string
	for _, seg := range strings.Split(f.File, "/") {
		parts = append(parts, url.PathEscape(seg))
	}
	link := fmt.Sprintf("%s/%s/blob/%s/%s", ciServer(s), repo, commit, strings.Join(parts, "/"))
	if f.StartLine > 0 {
		link += fmt.Sprintf("#L%d", f.StartLine)
		if f.EndLine > f.StartLine {
			link += fmt.Sprintf("-L%d", f.EndLine)
		}
	}
	return "[" + ciMD(text) + "](" + link + ")"
}

func ciCommitLink(s *IO, c string) string {
	if c == "" {
		return ""
	}
	if repo := s.Getenv("GITHUB_REPOSITORY"); repo != "" {
		return fmt.Sprintf("[`%s`](%s/%s/commit/%s)", ciShort(c), ciServer(s), repo, c)
	}
	return "`" + ciShort(c) + "`"
}

// ciJobSummary is the Markdown for $GITHUB_STEP_SUMMARY: what was scanned,
// a table of findings and the playbook.
func ciJobSummary(s *IO, f *ciFlags, pl *ciPlan, res *scanResult, opened []remediate.Opened, remErr error) string {
	var b strings.Builder
	n := len(res.found)
	if n == 0 {
		b.WriteString("## leakguard: no secrets found\n\n")
	} else {
		fmt.Fprintf(&b, "## leakguard: %s\n\n", plural(n, "leaked secret"))
	}
	fmt.Fprintf(&b, "Scanned %s: %s.\n\n", ciMD(pl.what), ciMD(res.summary))
	for _, note := range pl.notes {
		fmt.Fprintf(&b, "> [!NOTE]\n> %s\n\n", ciMD(note))
	}
	for _, w := range res.warnings {
		fmt.Fprintf(&b, "> [!WARNING]\n> %s\n\n", ciMD(w))
	}
	if n == 0 {
		return b.String()
	}
	b.WriteString("| # | Secret | Where | Commit | Confidence |\n|---|---|---|---|---|\n")
	for i := range res.found {
		fd := &res.found[i]
		author := ""
		if fd.Author != "" {
			author = " by " + ciMD(fd.Author)
		}
		fmt.Fprintf(&b, "| %d | **%s** %s — %s | %s | %s%s | %s |\n", i+1,
			ciMD(report.Title(fd)), ciMD(fd.Description), ciMD(fd.Secret.Redacted()),
			ciFindingLink(s, fd), ciCommitLink(s, fd.Commit), author, fd.Confidence)
	}
	b.WriteString("\n### What to do now\n\n")
	b.WriteString("Deleting the line does not help: the secret is in the history and may have been copied already. For each key below:\n\n")
	b.WriteString("1. **Regenerate it** at the provider and revoke the old value.\n")
	b.WriteString("2. **Update the source of truth** (`leakguard rotate NAME` for a key in the inventory).\n")
	b.WriteString("3. **Sync every environment** that uses it and verify (`leakguard sync NAME`).\n")
	b.WriteString("4. **Audit the provider's usage logs** for access since the leaking commit.\n")
	b.WriteString("5. Move the value out of the code (a secret store, `${{ secrets.NAME }}`) and record the incident: `leakguard remediate`, or `remediate: true` on this action to open the audit issue.\n\n")
	b.WriteString("| Key | Regenerate at | Findings |\n|---|---|---|\n")
	type keyRow struct {
		title, url string
		n          int
	}
	var rows []*keyRow
	byKey := map[string]*keyRow{}
	for i := range res.found {
		fd := &res.found[i]
		k := fd.KeyName
		if k == "" {
			k = fd.ContentFingerprint()
		}
		r := byKey[k]
		if r == nil {
			r = &keyRow{title: report.Title(fd), url: fd.RotateURL}
			byKey[k] = r
			rows = append(rows, r)
		}
		r.n++
	}
	for _, r := range rows {
		u := "the provider's dashboard"
		if r.url != "" {
			u = "<" + r.url + ">"
		}
		fmt.Fprintf(&b, "| %s | %s | %d |\n", ciMD(r.title), u, r.n)
	}
	b.WriteString("\n")
	switch {
	case f.remediate && remErr != nil:
		fmt.Fprintf(&b, "> [!CAUTION]\n> Remediation is incomplete: %s\n\n", ciMD(remErr.Error()))
	case f.remediate:
		b.WriteString("### Incidents\n\n")
		for _, o := range opened {
			in := o.Incident
			line := "- `" + in.ID + "` " + ciMD(in.RuleID)
			if in.Key != "" {
				line = "- `" + in.ID + "` " + ciMD(in.Key)
			}
			if in.Issue != nil && in.Issue.URL != "" {
				line += ": audit issue <" + in.Issue.URL + ">"
			}
			b.WriteString(line + "\n")
		}
		b.WriteString("\n")
	}
	if f.failOn == "none" {
		b.WriteString("_`fail-on: none`: this step does not fail on findings._\n")
	}
	return b.String()
}
