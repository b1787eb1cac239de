package gitscan

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/secret"
)

func exposure(t *testing.T, dir, backend string) *Exposure {
	t.Helper()
	ex, _, err := open(t, dir).HistoryWithExposure(context.Background(), Options{Detector: detector(t), Backend: backend}, HistoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// findingFor returns the index of the finding of secret k at path.
func findingFor(t *testing.T, ex *Exposure, k, path string) int {
	t.Helper()
	for i, f := range ex.Findings {
		if f.Secret.Reveal() == k && f.File == path {
			return i
		}
	}
	t.Fatalf("no finding at %s; have %v", path, where(ex.Findings))
	return -1
}

func places(ex *Exposure, k string) []string {
	var out []string
	for _, p := range ex.Present[secret.Hash(k)] {
		out = append(out, p.Ref+":"+p.Path)
	}
	sort.Strings(out)
	return out
}

func TestHistoryWithExposure(t *testing.T) {
	dir := newRepo(t)
	kLive, kChanged, kDeleted, kRenamed, kBranch, kMerged := key(), key(), key(), key(), key(), key()
	write(t, dir, "live.env", "TOKEN="+kLive+"\n")
	write(t, dir, "changed.txt", "a\nk = \""+kChanged+"\"\nb\n")
	write(t, dir, "deleted.txt", "k = \""+kDeleted+"\"\n")
	write(t, dir, "old/name.txt", "k = \""+kRenamed+"\"\n")
	write(t, dir, "branch.txt", "k = \""+kBranch+"\"\n")
	write(t, dir, "merged.txt", "k = \""+kMerged+"\"\n")
	c1 := commitAll(t, dir, "add keys")
	// Changing another line keeps the secret: no removal.
	write(t, dir, "changed.txt", "a2\nk = \""+kChanged+"\"\nb\n")
	commitAll(t, dir, "touch")
	write(t, dir, "changed.txt", "a2\nk = os.Getenv(\"K\")\nb\n")
	c3 := commitAll(t, dir, "use the environment")
	run(t, dir, "rm", "-q", "deleted.txt")
	run(t, dir, "mv", "old/name.txt", "new-name.txt")
	c4 := commitAll(t, dir, "delete and rename")

	run(t, dir, "checkout", "-q", "-b", "feature")
	write(t, dir, "branch.txt", "nothing here\n")
	write(t, dir, "merged.txt", "nothing here either\n")
	c5 := commitAll(t, dir, "feature: drop keys")
	run(t, dir, "checkout", "-q", "main")
	write(t, dir, "other.txt", "x\n")
	commitAll(t, dir, "main moves on")
	run(t, dir, "checkout", "-q", "-b", "topic")
	run(t, dir, "checkout", "-q", "main")
	// Merge only merged.txt's change: take feature's version of it, keep
	// branch.txt as main has it.
	run(t, dir, "merge", "-q", "--no-ff", "--no-commit", "feature")
	run(t, dir, "checkout", "main", "--", "branch.txt")
	cm := commitAll(t, dir, "merge feature (partly)")
	// An unmerged branch that deletes live.env.
	run(t, dir, "checkout", "-q", "-b", "wip")
	run(t, dir, "rm", "-q", "live.env")
	cw := commitAll(t, dir, "wip: no env")
	run(t, dir, "checkout", "-q", "main")

	bothBackends(t, func(t *testing.T, be string) {
		ex := exposure(t, dir, be)
		plain, _, err := open(t, dir).History(context.Background(), Options{Detector: detector(t), Backend: be}, HistoryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(where(plain), where(ex.Findings)) {
			t.Fatalf("findings differ from History:\n%v\n%v", where(plain), where(ex.Findings))
		}
		if len(ex.Refs) == 0 || ex.Refs[0].Name != "HEAD" || ex.HeadRef != "refs/heads/main" {
			t.Fatalf("refs %+v head %q", ex.Refs, ex.HeadRef)
		}

		i := findingFor(t, ex, kLive, "live.env")
		if rs := ex.Removals[i]; len(rs) != 1 || rs[0].Commit.Hash != cw || rs[0].OnHead || !rs[0].Deleted {
			t.Errorf("live: removals %+v, want %s off HEAD", rs, cw)
		}
		if got := places(ex, kLive); !reflect.DeepEqual(got, []string{"HEAD:live.env", "refs/heads/feature:live.env", "refs/heads/main:live.env", "refs/heads/topic:live.env"}) {
			t.Errorf("live: present %v", got)
		}

		i = findingFor(t, ex, kChanged, "changed.txt")
		if rs := ex.Removals[i]; len(rs) != 1 || rs[0].Commit.Hash != c3 || rs[0].Deleted || !rs[0].OnHead || rs[0].Commit.Message != "use the environment" {
			t.Errorf("changed: removals %+v, want %s", rs, c3)
		}
		if got := places(ex, kChanged); len(got) != 0 {
			t.Errorf("changed: present %v", got)
		}

		i = findingFor(t, ex, kDeleted, "deleted.txt")
		if rs := ex.Removals[i]; len(rs) != 1 || rs[0].Commit.Hash != c4 || !rs[0].Deleted {
			t.Errorf("deleted: removals %+v, want %s", rs, c4)
		}

		i = findingFor(t, ex, kRenamed, "old/name.txt")
		if rs := ex.Removals[i]; len(rs) != 0 {
			t.Errorf("renamed: removals %+v (a rename keeps the secret)", rs)
		}
		if got := places(ex, kRenamed); !strings.Contains(strings.Join(got, " "), "HEAD:new-name.txt") {
			t.Errorf("renamed: present %v", got)
		}

		// Removed on feature, but the merge kept main's version: the
		// removal is in HEAD's history, yet HEAD still holds the secret.
		i = findingFor(t, ex, kBranch, "branch.txt")
		if rs := ex.Removals[i]; len(rs) != 1 || rs[0].Commit.Hash != c5 || !rs[0].OnHead {
			t.Errorf("branch: removals %+v, want %s", rs, c5)
		}
		if got := places(ex, kBranch); !reflect.DeepEqual(got, []string{"HEAD:branch.txt", "refs/heads/main:branch.txt", "refs/heads/topic:branch.txt", "refs/heads/wip:branch.txt"}) {
			t.Errorf("branch: present %v", got)
		}

		// Removed on feature, merged into main: the feature commit is on
		// HEAD's history now and comes first; main's line lost it in the
		// merge.
		i = findingFor(t, ex, kMerged, "merged.txt")
		rs := ex.Removals[i]
		if len(rs) != 2 || rs[0].Commit.Hash != c5 || !rs[0].OnHead || rs[1].Commit.Hash != cm {
			t.Errorf("merged: removals %+v, want %s then %s", rs, c5, cm)
		}
		if got := places(ex, kMerged); !reflect.DeepEqual(got, []string{"refs/heads/topic:merged.txt"}) {
			t.Errorf("merged: present %v", got)
		}
		_ = c1
	})
}

func TestHistoryWithExposureEmpty(t *testing.T) {
	dir := newRepo(t)
	ex := exposure(t, dir, "go-git")
	if len(ex.Findings) != 0 || len(ex.Present) != 0 || len(ex.Refs) != 0 {
		t.Fatalf("empty repository: %+v", ex)
	}
	files, err := open(t, dir).TrackedFiles()
	if err != nil || len(files) != 0 {
		t.Fatalf("tracked %v %v", files, err)
	}
	write(t, dir, "a/b.txt", "x\n")
	write(t, dir, "c.txt", "x\n")
	commitAll(t, dir, "files")
	files, err = open(t, dir).TrackedFiles()
	if err != nil || !reflect.DeepEqual(files, []string{"a/b.txt", "c.txt"}) {
		t.Fatalf("tracked %v %v", files, err)
	}
}
