package gitscan

import (
	"bytes"
	"path/filepath"
	"testing"
)

// env is a Getenv over m.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// collectStaged runs a staged Collect of dir with early and getenv.
func collectStaged(t *testing.T, dir string, early *Early, getenv func(string) string, o Options) *Result {
	t.Helper()
	o.Detector = detector(t)
	res, err := Collect(t.Context(), Request{Dir: dir, Staged: true, Options: o, Early: early, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// reaped fails unless the early run's in-process read has ended and the
// diff-index it may have started has too (a cat-file is started later,
// and read to its end, by the scan).
func reaped(t *testing.T, run *stagedRun) {
	t.Helper()
	select {
	case <-run.read:
	default:
		t.Fatal("the index read had not ended")
	}
	if run.diff != nil && run.diff.ProcessState == nil {
		t.Fatal("diff-index was never waited for")
	}
}

func TestEarlyStagedTakenByCollect(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "k = \""+key()+"\"\n")
	run(t, dir, "add", ".")
	getenv := env(map[string]string{"LEAKGUARD_GIT_BACKEND": "git"})
	e := StartStaged(t.Context(), dir, getenv)
	if e == nil || e.run == nil {
		t.Fatal("StartStaged started nothing for a git scan")
	}
	started := e.run
	defer e.Close()
	res := collectStaged(t, dir, e, getenv, Options{})
	wantWhere(t, where(res.Findings), "a.txt:1")
	if res.Backend != "git" {
		t.Fatalf("backend = %q, want git", res.Backend)
	}
	if e.run != nil || e.repo != nil {
		t.Fatal("Collect did not take the early processes")
	}
	reaped(t, started)
}

func TestEarlyStagedNotTakenForAnotherScan(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "x\n")
	commitAll(t, dir, "first")
	write(t, dir, "a.txt", "x\nk = \""+key()+"\"\n")
	// The key is staged in another index only: the early processes read
	// the repository's own index, which has nothing staged.
	alt := filepath.Join(t.TempDir(), "index")
	run(t, dir, "read-tree", "--index-output="+alt, "HEAD")
	c := gitCmd(dir, "update-index", "--add", "a.txt")
	c.Env = append(c.Env, "GIT_INDEX_FILE="+alt)
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	git := env(map[string]string{"LEAKGUARD_GIT_BACKEND": "git"})
	cases := []struct {
		name   string
		dir    string
		getenv func(string) string
		o      Options
	}{
		{"another index file", dir, git, Options{IndexFile: alt}},
		{"GIT_INDEX_FILE", dir, env(map[string]string{"LEAKGUARD_GIT_BACKEND": "git", "GIT_INDEX_FILE": alt}), Options{}},
		{"another backend", dir, env(map[string]string{"GIT_INDEX_FILE": alt}), Options{Backend: "go-git"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := StartStaged(t.Context(), dir, git)
			if e == nil {
				t.Fatal("StartStaged started nothing")
			}
			res := collectStaged(t, tc.dir, e, tc.getenv, tc.o)
			wantWhere(t, where(res.Findings), "a.txt:2")
			if e.run == nil || e.repo == nil {
				t.Fatal("Collect took processes started for another index or backend")
			}
			started := e.run
			e.Close()
			reaped(t, started)
		})
	}
	t.Run("another directory", func(t *testing.T) {
		other := newRepo(t)
		e := StartStaged(t.Context(), other, git)
		defer e.Close()
		res := collectStaged(t, dir, e, env(map[string]string{"LEAKGUARD_GIT_BACKEND": "git", "GIT_INDEX_FILE": alt}), Options{})
		wantWhere(t, where(res.Findings), "a.txt:2")
		if e.run == nil {
			t.Fatal("Collect took processes started in another repository")
		}
	})
}

func TestEarlyStagedClosedUnused(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "x\n")
	run(t, dir, "add", ".")
	e := StartStaged(t.Context(), dir, env(map[string]string{"LEAKGUARD_GIT_BACKEND": "git"}))
	if e == nil {
		t.Fatal("StartStaged started nothing")
	}
	started := e.run
	e.Close()
	e.Close() // twice: a no-op
	reaped(t, started)
	var none *Early
	none.Close()
}

func TestEarlyStagedOnlyForGit(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "x\n")
	run(t, dir, "add", ".")
	// go-git reads this scan: nothing to start early.
	for _, be := range []string{"go-git", ""} { // "": a small repository
		if e := StartStaged(t.Context(), dir, env(map[string]string{"LEAKGUARD_GIT_BACKEND": be})); e != nil {
			e.Close()
			t.Fatalf("backend %q: StartStaged started git for a go-git scan", be)
		}
	}
	if e := StartStaged(t.Context(), t.TempDir(), env(nil)); e != nil {
		t.Fatal("StartStaged outside a repository returned a scan")
	}
}

// TestEarlyPush: a push scan takes the walks started early for its
// directory and backend, and only those; Close ends what no scan took.
func TestEarlyPush(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "x\n")
	base := commitAll(t, dir, "base")
	write(t, dir, "a.txt", "x\nk = \""+key()+"\"\n")
	head := commitAll(t, dir, "key")
	in := []byte("refs/heads/main " + head + " refs/heads/main " + base + "\n")
	git := env(map[string]string{"LEAKGUARD_GIT_BACKEND": "git"})
	collectPush := func(t *testing.T, dir string, e *EarlyPush, getenv func(string) string) *Result {
		t.Helper()
		res, err := Collect(t.Context(), Request{Dir: dir, PrePush: true, Stdin: bytes.NewReader(in),
			Options: Options{Detector: detector(t)}, EarlyPush: e, Getenv: getenv})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	e := StartPrePush(t.Context(), dir, in, git)
	if e == nil {
		t.Fatal("StartPrePush started nothing for a git scan")
	}
	res := collectPush(t, dir, e, git)
	wantWhere(t, where(res.Findings), head[:7]+" a.txt:2")
	if e.repo != nil || len(e.walks) != 0 || e.answered != 1 {
		t.Fatalf("Collect did not take the early walk (%d answered)", e.answered)
	}
	e.Close() // taken: a no-op

	// Not taken: Close cancels the walks rather than wait for them.
	e = StartPrePush(t.Context(), dir, in, git)
	e.Close()
	if e.ctx.Err() == nil {
		t.Fatal("Close left the walks' context running")
	}

	e = StartPrePush(t.Context(), dir, in, git)
	res = collectPush(t, dir, e, env(map[string]string{"LEAKGUARD_GIT_BACKEND": "go-git"}))
	wantWhere(t, where(res.Findings), head[:7]+" a.txt:2")
	if e.repo == nil {
		t.Fatal("a go-git scan took the walks made for a git scan")
	}
	e.Close()
	e.Close() // twice: a no-op
	other := newRepo(t)
	e = StartPrePush(t.Context(), other, in, git)
	res = collectPush(t, dir, e, git)
	wantWhere(t, where(res.Findings), head[:7]+" a.txt:2")
	if e == nil || e.repo == nil {
		t.Fatal("Collect took walks made in another repository")
	}
	e.Close()

	// Nothing to start: no updates, bad input, go-git, no repository.
	for name, c := range map[string]struct {
		dir    string
		in     string
		getenv func(string) string
	}{
		"no updates":       {dir, "", git},
		"bad input":        {dir, "garbage\n", git},
		"go-git":           {dir, string(in), env(map[string]string{"LEAKGUARD_GIT_BACKEND": "go-git"})},
		"not a repository": {t.TempDir(), string(in), git},
	} {
		if e := StartPrePush(t.Context(), c.dir, []byte(c.in), c.getenv); e != nil {
			e.Close()
			t.Fatalf("%s: StartPrePush started walks", name)
		}
	}
	var none *EarlyPush
	none.Close()
}
