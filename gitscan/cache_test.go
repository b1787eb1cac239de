package gitscan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/leakguard/leakguard/config"
	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// cacheFor is a cache in a fresh directory that records its warnings.
func cacheFor(t *testing.T, key string) (*Cache, *[]string) {
	t.Helper()
	var mu sync.Mutex
	warns := &[]string{}
	c := &Cache{Dir: filepath.Join(t.TempDir(), "state", "history"), Warn: func(s string) {
		mu.Lock()
		*warns = append(*warns, s)
		mu.Unlock()
	}}
	copy(c.Key[:], key)
	return c, warns
}

func cachedHistory(t *testing.T, dir, backend string, c *Cache, det *scanner.Detector) ([]scanner.Finding, Stats) {
	t.Helper()
	if det == nil {
		det = detector(t)
	}
	fs, st, err := open(t, dir).History(context.Background(), Options{Detector: det, Backend: backend, Cache: c}, HistoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return fs, st
}

// attributed describes findings with everything a report shows of them,
// and a hash of the full value (a cached run must still carry it).
func attributed(fs []scanner.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s:%d:%d %s by %s <%s> %s %q value=%s",
			f.Commit, f.File, f.StartLine, f.StartColumn, f.RuleID, f.Author, f.Email, f.Date, f.Message, secret.Hash(f.Secret.Reveal())))
	}
	return out
}

// cacheRepo makes a history with branches, a merge, a key in a file, a
// key in a commit message, and the key's file changed later.
func cacheRepo(t *testing.T) string {
	t.Helper()
	dir := newRepo(t)
	for i := 0; i < 6; i++ {
		write(t, dir, fmt.Sprintf("src/f%d.go", i), fmt.Sprintf("package src\n\nvar v%d = %d\n", i, i))
		commitAll(t, dir, fmt.Sprintf("commit %d", i))
	}
	run(t, dir, "checkout", "-q", "-b", "feature")
	write(t, dir, "config/app.env", "TOKEN="+key()+"\n")
	commitAll(t, dir, "add the config")
	write(t, dir, "src/f1.go", "package src\n\nvar v1 = 100\n")
	commitAll(t, dir, "rotate "+key())
	run(t, dir, "checkout", "-q", "main")
	write(t, dir, "src/f2.go", "package src\n\nvar v2 = 200\n")
	commitAll(t, dir, "main moves on")
	run(t, dir, "merge", "-q", "--no-ff", "-m", "merge feature", "feature")
	write(t, dir, "config/app.env", "# the app's settings\n"+readFile(t, dir, "config/app.env"))
	commitAll(t, dir, "document the config")
	return dir
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A second run on an unchanged repository reads only the blobs with
// findings (their values are needed) and reports exactly what a full scan
// does; a new commit with a key is the only new thing read, and is
// reported with its full attribution.
func TestCacheIncremental(t *testing.T) {
	bothBackends(t, func(t *testing.T, backend string) {
		dir := cacheRepo(t)
		want, full := history(t, dir, backend, HistoryOptions{})
		if len(want) != 2 {
			t.Fatalf("the repository should hold 2 findings (file, message), got %v", attributed(want))
		}
		c, warns := cacheFor(t, "k1")
		got, st1 := cachedHistory(t, dir, backend, c, nil)
		if !reflect.DeepEqual(attributed(got), attributed(want)) {
			t.Fatalf("first cached run:\n got %v\nwant %v", attributed(got), attributed(want))
		}
		if st1.Blobs != full.Blobs || st1.CachedCommits != 0 {
			t.Fatalf("first run read %d blobs (full scan %d), %d commits from the cache", st1.Blobs, full.Blobs, st1.CachedCommits)
		}
		got, st2 := cachedHistory(t, dir, backend, c, nil)
		if !reflect.DeepEqual(attributed(got), attributed(want)) {
			t.Fatalf("second run:\n got %v\nwant %v", attributed(got), attributed(want))
		}
		// Read again: the two versions of the key's file (their values,
		// and whether the second brings the key anew), none of the clean
		// blobs.
		if st2.Blobs != 2 || st2.Commits != full.Commits {
			t.Fatalf("second run read %d blobs over %d commits; want 2 blobs, %d commits", st2.Blobs, st2.Commits, full.Commits)
		}
		// Revisited: the commits of the message and of the file's two
		// versions.
		if st2.CachedCommits != full.Commits-3 {
			t.Fatalf("second run: %d commits from the cache, want %d", st2.CachedCommits, full.Commits-3)
		}

		// One new commit with a key, and a change to a clean file.
		k := key()
		write(t, dir, "deploy/prod.py", "import os\n\nanthropic_key = \""+k+"\"\n")
		write(t, dir, "src/f3.go", "package src\n\nvar v3 = 300\n")
		run(t, dir, "add", "-A")
		cmd := gitCmd(dir, "commit", "-q", "-m", "deploy")
		cmd.Env = append(cmd.Env, "GIT_AUTHOR_NAME=Grace Hopper", "GIT_AUTHOR_EMAIL=grace@example.com", "GIT_AUTHOR_DATE=2024-03-04T05:06:07Z")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		head := run(t, dir, "rev-parse", "HEAD")
		want, _ = history(t, dir, backend, HistoryOptions{})
		got, st3 := cachedHistory(t, dir, backend, c, nil)
		if !reflect.DeepEqual(attributed(got), attributed(want)) {
			t.Fatalf("after a new commit:\n got %v\nwant %v", attributed(got), attributed(want))
		}
		// Read: the two new blobs and the old key's two.
		if st3.Blobs != 4 {
			t.Fatalf("after a new commit, %d blobs read, want 4", st3.Blobs)
		}
		var nf *scanner.Finding
		for i := range got {
			if got[i].Secret.Reveal() == k {
				nf = &got[i]
			}
		}
		if nf == nil {
			t.Fatalf("the new key is not reported: %v", attributed(got))
		}
		if nf.Commit != head || nf.File != "deploy/prod.py" || nf.StartLine != 3 || nf.Author != "Grace Hopper" ||
			nf.Email != "grace@example.com" || nf.Date != "2024-03-04T05:06:07Z" || nf.Message != "deploy" {
			t.Fatalf("new key attribution: %s", attributed([]scanner.Finding{*nf}))
		}
		if len(*warns) > 0 {
			t.Fatalf("warnings: %v", *warns)
		}
	})
}

// Another key (rules, config, ignore file, build) discards the cache: a
// blob it proved clean is read again. With the same key, the cache is
// trusted (the control: without the key check the first case fails).
func TestCacheKeyInvalidates(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "notes.txt", "ticket ZQX-"+strings.Repeat("7", 24)+"\n")
	commitAll(t, dir, "notes")
	write(t, dir, "more.txt", "nothing\n")
	commitAll(t, dir, "more")
	custom := func() *scanner.Detector {
		cfg, err := config.LoadFrom("leakguard.toml", func(string) ([]byte, error) {
			return []byte("[[rules]]\nid = \"zqx-ticket\"\ndescription = \"ZQX\"\nregex = '''ZQX-[0-9]{24}'''\nkeywords = [\"zqx-\"]\n"), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return scanner.NewDetector(scanner.Options{Rules: cfg.Rules, Allowlist: cfg.Allowlist})
	}()
	c, _ := cacheFor(t, "rules-v1")
	if fs, _ := cachedHistory(t, dir, "", c, nil); len(fs) != 0 {
		t.Fatalf("the default rules find %v", attributed(fs))
	}
	same := *c
	if fs, st := cachedHistory(t, dir, "", &same, custom); len(fs) != 0 || st.Blobs != 0 {
		t.Fatalf("same key: the cache should be trusted (0 blobs read, no finding), got %d blobs, %v", st.Blobs, attributed(fs))
	}
	other := *c
	other.Key[31] ^= 1
	fs, st := cachedHistory(t, dir, "", &other, custom)
	if len(fs) != 1 || fs[0].RuleID != "zqx-ticket" || st.Blobs != 2 || st.CachedCommits != 0 {
		t.Fatalf("another key: want the whole history read (2 blobs) and the ticket found, got %d blobs, %v", st.Blobs, attributed(fs))
	}
}

// A corrupt cache is discarded with a warning and rewritten; a cache
// that would hide a finding is never trusted unless it checks out.
func TestCacheCorrupt(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "hello\n")
	commitAll(t, dir, "a")
	write(t, dir, "app.env", "TOKEN="+key()+"\n")
	commitAll(t, dir, "key")
	write(t, dir, "b.txt", "bye\n")
	commitAll(t, dir, "b")
	want, _ := history(t, dir, "", HistoryOptions{})
	if len(want) != 1 {
		t.Fatalf("want one finding, got %v", attributed(want))
	}
	c, warns := cacheFor(t, "k")
	r := open(t, dir)
	path := c.cacheFile(r)

	// A poisoned cache: every commit covered, every blob clean, no
	// revisit. Trusted, it hides the key.
	covered, clean := map[plumbing.Hash]bool{}, map[plumbing.Hash]bool{}
	for _, h := range strings.Fields(run(t, dir, "rev-list", "--all")) {
		covered[plumbing.NewHash(h)] = true
	}
	for _, l := range strings.Split(run(t, dir, "rev-list", "--objects", "--all"), "\n") {
		clean[plumbing.NewHash(strings.Fields(l)[0])] = true
	}
	poison := encodeCache(c.Key, covered, clean, map[plumbing.Hash]bool{})
	if err := atomicfile.WritePrivate(path, poison); err != nil {
		t.Fatal(err)
	}
	if fs, _ := cachedHistory(t, dir, "", c, nil); len(fs) != 0 {
		t.Fatalf("control: a valid cache is trusted, got %v", attributed(fs))
	}

	corrupt := map[string][]byte{
		"flipped bit":    append([]byte(nil), poison...),
		"truncated":      poison[:len(poison)-7],
		"garbage":        []byte("not a cache at all"),
		"empty":          {},
		"bad checksum":   append([]byte(nil), poison...),
		"extra set size": append([]byte(nil), poison...),
	}
	corrupt["flipped bit"][len(cacheMagic)+40] ^= 0x10
	corrupt["bad checksum"][len(poison)-1] ^= 1
	corrupt["extra set size"][len(cacheMagic)+4+32+3] ^= 1
	for name, b := range corrupt {
		t.Run(name, func(t *testing.T) {
			*warns = nil
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			fs, _ := cachedHistory(t, dir, "", c, nil)
			if !reflect.DeepEqual(attributed(fs), attributed(want)) {
				t.Fatalf("got %v, want %v", attributed(fs), attributed(want))
			}
			if len(*warns) != 1 || !strings.Contains((*warns)[0], "corrupt") {
				t.Fatalf("warnings: %v", *warns)
			}
			// Rewritten: the next run trusts it and reports the same.
			*warns = nil
			fs, st := cachedHistory(t, dir, "", c, nil)
			if !reflect.DeepEqual(attributed(fs), attributed(want)) || st.Blobs != 1 || len(*warns) != 0 {
				t.Fatalf("after the rewrite: %d blobs read, %v, warnings %v", st.Blobs, attributed(fs), *warns)
			}
		})
	}
}

// A force-push that drops the commit with a key: the key is no longer
// reported, whether its objects are still in the repository or pruned.
func TestCacheForcePush(t *testing.T) {
	for _, prune := range []bool{false, true} {
		t.Run(fmt.Sprintf("prune=%v", prune), func(t *testing.T) {
			bothBackends(t, func(t *testing.T, backend string) {
				dir := newRepo(t)
				write(t, dir, "a.txt", "hello\n")
				commitAll(t, dir, "a")
				write(t, dir, "b.txt", "world\n")
				base := commitAll(t, dir, "b")
				write(t, dir, "app.env", "TOKEN="+key()+"\n")
				dropped := commitAll(t, dir, "key")
				write(t, dir, "c.txt", "more\n")
				commitAll(t, dir, "c")
				c, warns := cacheFor(t, "k")
				if fs, _ := cachedHistory(t, dir, backend, c, nil); len(fs) != 1 {
					t.Fatalf("before: %v", attributed(fs))
				}
				// Rewrite: drop the key's commit, keep c.txt.
				run(t, dir, "reset", "-q", "--hard", base)
				write(t, dir, "c.txt", "more\n")
				commitAll(t, dir, "c again")
				if prune {
					run(t, dir, "reflog", "expire", "--expire=now", "--all")
					run(t, dir, "gc", "-q", "--prune=now")
					if gitCmd(dir, "cat-file", "-e", dropped).Run() == nil {
						t.Fatal("the dropped commit is still in the repository")
					}
				}
				want, _ := history(t, dir, backend, HistoryOptions{})
				if len(want) != 0 {
					t.Fatalf("a full scan still finds %v", attributed(want))
				}
				fs, st := cachedHistory(t, dir, backend, c, nil)
				if len(fs) != 0 {
					t.Fatalf("the dropped key is still reported: %v", attributed(fs))
				}
				if st.Commits != 3 || st.CachedCommits != 2 {
					t.Fatalf("commits %d (want 3), from the cache %d (want 2)", st.Commits, st.CachedCommits)
				}
				if len(*warns) > 0 {
					t.Fatalf("warnings: %v", *warns)
				}
			})
		})
	}
}

// Runs at once on one cache file never corrupt it: each either reads a
// whole file or none, and writes through a rename.
func TestCacheConcurrentWriters(t *testing.T) {
	dir := cacheRepo(t)
	want, _ := history(t, dir, "", HistoryOptions{})
	c, warns := cacheFor(t, "k")
	const n = 8
	for round := 0; round < 3; round++ {
		if round == 1 {
			write(t, dir, "late.env", "TOKEN="+key()+"\n")
			commitAll(t, dir, "late key")
			want, _ = history(t, dir, "", HistoryOptions{})
		}
		var wg sync.WaitGroup
		results := make([][]string, n)
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r, err := Open(dir)
				if err != nil {
					errs[i] = err
					return
				}
				defer r.Close()
				fs, _, err := r.History(context.Background(), Options{Detector: detector(t), Cache: c, Workers: 1}, HistoryOptions{})
				errs[i], results[i] = err, attributed(fs)
			}(i)
		}
		wg.Wait()
		for i := 0; i < n; i++ {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if !reflect.DeepEqual(results[i], attributed(want)) {
				t.Fatalf("round %d run %d: got %v, want %v", round, i, results[i], attributed(want))
			}
		}
		if len(*warns) > 0 {
			t.Fatalf("round %d: warnings %v", round, *warns)
		}
		ents, err := os.ReadDir(c.Dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != 1 {
			t.Fatalf("left in the cache directory: %v", ents)
		}
		b, err := os.ReadFile(filepath.Join(c.Dir, ents[0].Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := (&historyCache{c: c}).decode(b); err != nil {
			t.Fatalf("round %d: the cache does not decode: %v", round, err)
		}
	}
}

// Writers replacing a large cache file while readers load it: every read
// is one whole version (each writer's sets differ), never a mix or a
// prefix.
func TestCacheFileAtomic(t *testing.T) {
	c, warns := cacheFor(t, "k")
	path := filepath.Join(c.Dir, "history-test.cache")
	sets := func(w int) *historyCache {
		hc := &historyCache{c: c, path: path, covered: map[plumbing.Hash]bool{}, clean: map[plumbing.Hash]bool{}, revisit: map[plumbing.Hash]bool{}}
		for i := 0; i < 20000; i++ {
			var h plumbing.Hash
			copy(h[:], fmt.Sprintf("w%d-%d", w, i))
			hc.clean[h] = true
			if i%10 == 0 {
				hc.covered[h] = true
			}
		}
		return hc
	}
	if err := sets(0).write(); err != nil {
		t.Fatal(err)
	}
	const writers, readers, rounds = 4, 4, 30
	var wg sync.WaitGroup
	errs := make(chan error, readers*rounds*4)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			hc := sets(w)
			for i := 0; i < rounds; i++ {
				if err := hc.write(); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds*4; i++ {
				b, err := os.ReadFile(path)
				if err != nil {
					errs <- err
					continue
				}
				hc := &historyCache{c: c}
				if err := hc.decode(b); err != nil {
					errs <- fmt.Errorf("read %d bytes: %v", len(b), err)
				} else if len(hc.clean) != 20000 || len(hc.covered) != 2000 {
					errs <- fmt.Errorf("a mixed file: %d clean, %d covered", len(hc.clean), len(hc.covered))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(c.Dir); len(ents) != 1 || len(*warns) > 0 {
		t.Fatalf("left behind: %v; warnings %v", ents, *warns)
	}
}

// An audit's exposure (removals, presence, HEAD's findings) needs every
// commit: with the cache it walks them all, reads only the blobs that
// are not proven clean, and reports exactly what it does without.
func TestCacheExposure(t *testing.T) {
	bothBackends(t, func(t *testing.T, backend string) {
		dir := cacheRepo(t)
		run(t, dir, "rm", "-q", "config/app.env")
		commitAll(t, dir, "drop the config")
		r := open(t, dir)
		want, full, err := r.HistoryWithExposure(context.Background(), Options{Detector: detector(t), Backend: backend}, HistoryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Removals) == 0 || len(want.Removals[len(want.Removals)-1])+len(want.Removals[0]) == 0 {
			t.Fatalf("the repository should have a removal: %+v", want.Removals)
		}
		c, warns := cacheFor(t, "k")
		for i := 0; i < 2; i++ {
			got, st, err := r.HistoryWithExposure(context.Background(), Options{Detector: detector(t), Backend: backend, Cache: c}, HistoryOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(attributed(got.Findings), attributed(want.Findings)) || !reflect.DeepEqual(got.Removals, want.Removals) ||
				!reflect.DeepEqual(got.Present, want.Present) || !reflect.DeepEqual(attributed(got.Head), attributed(want.Head)) {
				t.Fatalf("run %d: got %+v\nwant %+v", i, got, want)
			}
			if wantBlobs := []int{full.Blobs, 2}[i]; st.Blobs != wantBlobs || st.Commits != full.Commits {
				t.Fatalf("run %d: %d blobs over %d commits, want %d over %d", i, st.Blobs, st.Commits, wantBlobs, full.Commits)
			}
		}
		if len(*warns) > 0 {
			t.Fatalf("warnings: %v", *warns)
		}
	})
}
