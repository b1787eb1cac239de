package english

import "testing"

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "finding", "0 findings"},
		{1, "file", "1 file"},
		{2, "file", "2 files"},
		{1, "entry", "1 entry"},
		{2, "entry", "2 entries"},
		{3, "key", "3 keys"},
		{2, "day", "2 days"},
		{2, "match", "2 matches"},
		{2, "exposure", "2 exposures"},
		{2, "pass", "2 passes"},
		{2, "box", "2 boxes"},
		{2, "was", "2 were"},
	} {
		if got := Count(tc.n, tc.noun); got != tc.want {
			t.Errorf("Count(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
	if Word(1, "was") != "was" || Word(0, "was") != "were" {
		t.Error("Word")
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 10 << 20: "10.0 MiB", 2 << 30: "2.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
