package gitscan

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const zero = "0000000000000000000000000000000000000000"

func prePush(t *testing.T, dir, input string) []string {
	t.Helper()
	ups, err := ParsePushUpdates(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	fs, _, err := open(t, dir).PrePush(context.Background(), Options{Detector: detector(t)}, ups)
	if err != nil {
		t.Fatal(err)
	}
	return where(fs)
}

func TestPrePush(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "old = \""+key()+"\"\n")
	base := commitAll(t, dir, "base")
	run(t, dir, "update-ref", "refs/remotes/origin/main", base)
	write(t, dir, "a.txt", "old line kept\n")
	write(t, dir, "b.txt", "x\nnew = \""+key()+"\"\n")
	c1 := commitAll(t, dir, "add b")
	run(t, dir, "commit", "-q", "--allow-empty", "-m", "msg "+key())
	c2 := run(t, dir, "rev-parse", "HEAD")

	// An update of main: base..c2.
	got := prePush(t, dir, "refs/heads/main "+c2+" refs/heads/main "+base+"\n")
	wantWhere(t, got, c1[:7]+" b.txt:2", c2[:7]+" :1")
	// A new branch: what no remote-tracking ref has.
	got = prePush(t, dir, "refs/heads/topic "+c1+" refs/heads/topic "+zero+"\n")
	wantWhere(t, got, c1[:7]+" b.txt:2")
	// A deletion sends nothing.
	got = prePush(t, dir, "(delete) "+zero+" refs/heads/old "+base+"\n")
	wantWhere(t, got)
	// Nothing new.
	got = prePush(t, dir, "refs/heads/main "+base+" refs/heads/main "+base+"\n")
	wantWhere(t, got)
	if _, err := ParsePushUpdates(strings.NewReader("garbage\n")); err == nil {
		t.Fatal("bad input accepted")
	}
}

// TestPrePushTags: an annotated tag is peeled to what it tags (a commit,
// a tree, a blob), its message is scanned, and a pushed object that
// cannot be read is an error, never an empty push.
func TestPrePushTags(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "hello\n")
	base := commitAll(t, dir, "base")
	run(t, dir, "update-ref", "refs/remotes/origin/main", base)
	write(t, dir, "config.env", "token = \""+key()+"\"\n")
	c1 := commitAll(t, dir, "add config")
	run(t, dir, "tag", "-a", "-m", "release", "v1", c1)
	run(t, dir, "tag", "-a", "-m", "outer", "outer", "v1")
	tree := run(t, dir, "rev-parse", "HEAD^{tree}")
	run(t, dir, "tag", "-a", "-m", "a tree", "treetag", tree)
	blob := run(t, dir, "rev-parse", "HEAD:config.env")
	run(t, dir, "tag", "-a", "-m", "a blob", "blobtag", blob)
	run(t, dir, "tag", "-a", "-m", "notes "+key(), "msgtag", base)
	run(t, dir, "reset", "-q", "--hard", base)
	sha := func(ref string) string { return run(t, dir, "rev-parse", ref) }

	got := prePush(t, dir, "refs/tags/v1 "+sha("v1")+" refs/tags/v1 "+zero+"\n")
	wantWhere(t, got, c1[:7]+" config.env:1")
	got = prePush(t, dir, "refs/tags/outer "+sha("outer")+" refs/tags/outer "+zero+"\n")
	wantWhere(t, got, c1[:7]+" config.env:1")
	got = prePush(t, dir, "refs/tags/treetag "+sha("treetag")+" refs/tags/treetag "+zero+"\n")
	wantWhere(t, got, "config.env:1")
	got = prePush(t, dir, "refs/tags/blobtag "+sha("blobtag")+" refs/tags/blobtag "+zero+"\n")
	wantWhere(t, got, "refs/tags/blobtag:1")
	got = prePush(t, dir, "refs/tags/msgtag "+sha("msgtag")+" refs/tags/msgtag "+zero+"\n")
	wantWhere(t, got, base[:7]+" refs/tags/msgtag:1")

	ups, _ := ParsePushUpdates(strings.NewReader("refs/tags/x 1111111111111111111111111111111111111111 refs/tags/x " + zero + "\n"))
	_, _, err := open(t, dir).PrePush(context.Background(), Options{Detector: detector(t)}, ups)
	var oe *ObjectError
	if !errors.As(err, &oe) || oe.Corrupt {
		t.Fatalf("missing pushed object: err = %v, want a missing *ObjectError", err)
	}
}
