package gitscan

import (
	"context"
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
