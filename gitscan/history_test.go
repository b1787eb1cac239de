package gitscan

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/scanner"
)

// historyRepo builds a repository exercising history scans and returns
// it with the commits that introduce secrets, by name.
func historyRepo(t *testing.T) (string, map[string]string) {
	dir := newRepo(t)
	c := map[string]string{}
	write(t, dir, "README", "hello\n")
	commitAll(t, dir, "root")
	// Added, kept through an edit, then deleted: history only.
	k1 := key()
	write(t, dir, "app/config.py", "x = 1\nKEY = \""+k1+"\"\n")
	c["added"] = commitAll(t, dir, "add config")
	write(t, dir, "app/config.py", "x = 2\nKEY = \""+k1+"\"\ny = 3\n")
	commitAll(t, dir, "edit config")
	run(t, dir, "mv", "app/config.py", "app/settings.py")
	commitAll(t, dir, "rename")
	run(t, dir, "rm", "-q", "app/settings.py")
	commitAll(t, dir, "remove config")
	// Re-added later: a second finding.
	write(t, dir, "app/settings.py", "x = 2\nKEY = \""+k1+"\"\ny = 3\n")
	c["readded"] = commitAll(t, dir, "restore")
	// A side branch merged back: one finding, at the side commit.
	run(t, dir, "checkout", "-q", "-b", "side")
	write(t, dir, "side.txt", "token = \""+key()+"\"\n")
	c["side"] = commitAll(t, dir, "side work")
	run(t, dir, "checkout", "-q", "main")
	write(t, dir, "main.txt", "m\n")
	commitAll(t, dir, "main work")
	run(t, dir, "merge", "-q", "--no-edit", "side")
	// A branch never merged.
	run(t, dir, "checkout", "-q", "-b", "unmerged")
	write(t, dir, "branch-only.txt", "k = \""+key()+"\"\n")
	c["unmerged"] = commitAll(t, dir, "unmerged")
	// A commit only a tag reaches.
	run(t, dir, "checkout", "-q", "--detach", "main")
	write(t, dir, "tagged.txt", "k = \""+key()+"\"\n")
	c["tagged"] = commitAll(t, dir, "tagged")
	run(t, dir, "tag", "-a", "-m", "annotated", "v1")
	run(t, dir, "checkout", "-q", "main")
	// A secret in a commit message.
	write(t, dir, "msg.txt", "nothing here\n")
	run(t, dir, "add", ".")
	run(t, dir, "commit", "-q", "-m", "oops\n\nthe key is "+key())
	c["message"] = run(t, dir, "rev-parse", "HEAD")
	return dir, c
}

func TestHistory(t *testing.T) {
	dir, c := historyRepo(t)
	for _, backend := range []string{"go-git", "git"} {
		t.Run(backend, func(t *testing.T) {
			fs, st := history(t, dir, backend, HistoryOptions{})
			if st.Backend != backend {
				t.Fatalf("backend = %q", st.Backend)
			}
			got := map[string]int{}
			for _, f := range fs {
				got[f.Commit+" "+f.File]++
				if f.Author != "Ada Lovelace" || f.Email != "ada@example.com" || f.Date != "2024-01-02T03:04:05+01:00" || f.Message == "" {
					t.Errorf("commit fields: %+v", []string{f.Author, f.Email, f.Date, f.Message})
				}
			}
			want := map[string]int{
				c["added"] + " app/config.py":      1,
				c["readded"] + " app/settings.py":  1,
				c["side"] + " side.txt":            1,
				c["unmerged"] + " branch-only.txt": 1,
				c["tagged"] + " tagged.txt":        1,
				c["message"] + " ":                 1,
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("findings:\n got %v\nwant %v", got, want)
			}
			if fs[0].Commit != c["added"] {
				t.Errorf("not in topological order: first is %s", fs[0].Commit)
			}
		})
	}
}

func TestHistoryBackendsAgree(t *testing.T) {
	dir, _ := historyRepo(t)
	a, _ := history(t, dir, "go-git", HistoryOptions{})
	b, _ := history(t, dir, "git", HistoryOptions{})
	if !reflect.DeepEqual(summary(a), summary(b)) {
		t.Fatalf("go-git and git differ:\n%v\n%v", summary(a), summary(b))
	}
	c, _ := history(t, dir, "git", HistoryOptions{})
	if !reflect.DeepEqual(summary(b), summary(c)) {
		t.Fatal("two runs differ")
	}
}

func summary(fs []scanner.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, strings.Join([]string{f.Commit, f.File, f.RuleID, f.Fingerprint, f.Date, f.Message, itoaTest(f.StartLine), itoaTest(f.StartColumn)}, "|"))
	}
	return out
}

func TestHistorySelection(t *testing.T) {
	dir, c := historyRepo(t)
	for _, backend := range []string{"go-git", "git"} {
		fs, _ := history(t, dir, backend, HistoryOptions{Range: "main..unmerged"})
		if len(fs) != 1 || fs[0].Commit != c["unmerged"] {
			t.Errorf("%s range: %v", backend, where(fs))
		}
		// A...B: what either end has and the other does not.
		ab, _ := history(t, dir, backend, HistoryOptions{Range: "unmerged..main"})
		sym, _ := history(t, dir, backend, HistoryOptions{Range: "main...unmerged"})
		want := append(where(fs), where(ab)...)
		slices.Sort(want)
		got := where(sym)
		slices.Sort(got)
		if len(ab) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s symmetric range: %v, want %v", backend, got, want)
		}
		fs, _ = history(t, dir, backend, HistoryOptions{Branch: "side"})
		if n := len(fs); n != 3 { // the config secret twice and the side one
			t.Errorf("%s branch: %v", backend, where(fs))
		}
		fs, _ = history(t, dir, backend, HistoryOptions{SinceCommit: c["readded"], Branch: "main"})
		if len(fs) != 2 { // side and message
			t.Errorf("%s since-commit: %v", backend, where(fs))
		}
	}
	for _, rg := range []string{"nope..main", "main..nope", "nope...main", "main...nope"} {
		if _, _, err := open(t, dir).History(context.Background(), Options{Detector: detector(t)}, HistoryOptions{Range: rg}); !errors.Is(err, ErrBadRevision) {
			t.Errorf("%s: %v, want ErrBadRevision", rg, err)
		}
	}
}

// partialClone makes a --filter=blob:none clone of historyRepo through a
// local file:// remote.
func partialClone(t *testing.T) string {
	src, _ := historyRepo(t)
	run(t, src, "config", "uploadpack.allowFilter", "true")
	run(t, src, "config", "uploadpack.allowAnySHA1InWant", "true")
	dst := t.TempDir()
	run(t, dst, "clone", "-q", "--filter=blob:none", "--no-checkout", "file://"+src, "clone")
	return dst + "/clone"
}

func TestHistoryPartialClone(t *testing.T) {
	fs, st, err := open(t, partialClone(t)).History(context.Background(), Options{Detector: detector(t)}, HistoryOptions{})
	if err != nil {
		t.Fatalf("partial clone aborted: %v", err)
	}
	if st.Missing == 0 {
		t.Fatalf("no missing objects counted (stats %+v)", st)
	}
	if st.Backend != "go-git" {
		t.Fatalf("partial clone read with %s (git would fetch)", st.Backend)
	}
	// Commit messages are still scanned.
	found := false
	for _, f := range fs {
		found = found || f.File == ""
	}
	if !found {
		t.Fatal("message finding lost")
	}
}

func TestHistoryShallowClone(t *testing.T) {
	src, _ := historyRepo(t)
	dst := t.TempDir()
	run(t, dst, "clone", "-q", "--depth=1", "--no-single-branch", "file://"+src, "clone")
	for _, backend := range []string{"go-git", "git"} {
		_, st := history(t, dst+"/clone", backend, HistoryOptions{})
		if st.Missing == 0 {
			t.Errorf("%s: shallow parents not counted as missing", backend)
		}
	}
}

// TestHistoryMessageRedacted: a secret in a commit message never reaches
// a finding's Message in full, on either backend.
func TestHistoryMessageRedacted(t *testing.T) {
	bothBackends(t, func(t *testing.T, backend string) {
		dir := newRepo(t)
		k := key()
		write(t, dir, "a.txt", "token = \""+k+"\"\n")
		commitAll(t, dir, "add key "+k)
		fs, _ := history(t, dir, backend, HistoryOptions{})
		if len(fs) != 2 {
			t.Fatalf("%d findings, want the file and the message", len(fs))
		}
		for _, f := range fs {
			if strings.Contains(f.Message, k) || !strings.HasPrefix(f.Message, "add key sk-a…") {
				t.Errorf("message not redacted: %q", f.Message)
			}
		}
	})
}

// TestHistorySplitCatFile: two cat-file processes find what one finds,
// on enough blobs (60) for several stretches each way.
func TestHistorySplitCatFile(t *testing.T) {
	dir := newRepo(t)
	for i := 0; i < 12; i++ {
		for j := range 5 {
			body := "x" + itoaTest(i) + "-" + itoaTest(j) + "\n"
			if i%4 == 0 && j == 2 {
				body += "k = \"" + key() + "\"\n"
			}
			write(t, dir, "f"+itoaTest(i)+"-"+itoaTest(j)+".txt", body)
		}
		commitAll(t, dir, "c"+itoaTest(i))
	}
	scan := func(parts int) []scanner.Finding {
		r := open(t, dir)
		asked := 0
		r.catFileParts = func(n int) int { asked = n; return parts }
		fs, st, err := r.History(context.Background(), Options{Detector: detector(t), Backend: "git"}, HistoryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if asked < 2 || int(r.catFiles.Load()) != parts {
			t.Fatalf("the split was decided for %d blobs; %d cat-file processes read them, want %d", asked, r.catFiles.Load(), parts)
		}
		if st.Blobs != 60 { // each blob scanned once, whatever the processes
			t.Fatalf("%d processes scanned %d blobs, want 60", parts, st.Blobs)
		}
		return fs
	}
	// Whatever GOMAXPROCS is: one process, then two.
	one, split := scan(1), scan(2)
	if len(one) != 3 || len(split) != len(one) {
		t.Fatalf("one process: %d findings, two: %d; want 3", len(one), len(split))
	}
	for i := range one {
		if one[i].File != split[i].File || one[i].Commit != split[i].Commit || !one[i].Secret.Equal(split[i].Secret) {
			t.Fatalf("finding %d differs", i)
		}
	}
}

// TestHistoryMessageMasksUnreportedSecrets: a secret in a commit message
// that the message scan does not report (found only in a file, or
// suppressed) is masked in every finding's Message too.
func TestHistoryMessageMasksUnreportedSecrets(t *testing.T) {
	dir := newRepo(t)
	pw := key()[13:33] + "7q"
	write(t, dir, "settings.toml", "db_password = \""+pw+"\"\n")
	commitAll(t, dir, "set db password to "+pw)
	fs, _ := history(t, dir, "git", HistoryOptions{})
	if len(fs) == 0 {
		t.Fatal("no finding")
	}
	for _, f := range fs {
		if strings.Contains(f.Message, pw) || strings.Contains(f.Message, pw[:16]) {
			t.Fatalf("message holds the password: %q", f.Message)
		}
	}
}
