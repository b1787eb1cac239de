package gitscan

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/scanner"
)

// A plan error is a *PlanError (the command layer's usage class) whose
// hint comes through hint.Of like every other, wrapped or not.
func TestPlanErrorHint(t *testing.T) {
	err := fmt.Errorf("ci: %w", planErr(hintFetchDepth, "the clone lacks commit %s", "abc"))
	var pe *PlanError
	if !errors.As(err, &pe) {
		t.Fatal("not a *PlanError")
	}
	if got := hint.Of(err); got != hintFetchDepth {
		t.Fatalf("hint %q", got)
	}
	if err.Error() != "ci: the clone lacks commit abc" {
		t.Fatalf("message %q", err.Error())
	}
}

// PlanCI plans a range, opens a pull request's base commit for its
// trusted files (the config and ignore files, and those the command line
// names) and refuses what is not a repository as a usage error.
func TestPlanCI(t *testing.T) {
	dir := newRepo(t)
	write(t, dir, "a.txt", "a\n")
	write(t, dir, "leakguard.toml", "# base\n")
	base := commitAll(t, dir, "base")
	write(t, dir, "leakguard.toml", "# head\n")
	write(t, dir, scanner.GitleaksIgnoreFile, "x\n")
	write(t, dir, "my.ignore", "y\n")
	head := commitAll(t, dir, "head")

	r, err := PlanCI(dir, base+".."+head, false, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if abs, _ := filepath.Abs(filepath.Join(dir, "r.sarif")); r.Abs("r.sarif") != abs || r.Abs("/x/y.json") != "/x/y.json" {
		t.Fatalf("report paths %q %q", r.Abs("r.sarif"), r.Abs("/x/y.json"))
	}
	if r.Plan.Range != base+".."+head || r.Base != nil || r.CheckShallow() != nil || r.NoteChanged("my.ignore") != nil || r.Close() != nil {
		t.Fatalf("range plan %+v, base %v", r.Plan, r.Base)
	}

	ev := filepath.Join(t.TempDir(), "event.json")
	payload := `{"pull_request":{"number":7,"base":{"sha":"` + base + `","ref":"main"},"head":{"sha":"` + head + `","ref":"f"}}}`
	if err := os.WriteFile(ev, []byte(payload), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": ev}
	r, err = PlanCI(dir, "", true, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Base == nil || r.Plan.Base != base || !strings.HasPrefix(r.Plan.What, "pull request #7 (") {
		t.Fatalf("pull request plan %+v, base %v", r.Plan, r.Base)
	}
	got, err := r.Base.Read(filepath.Join(r.Base.Root(), "leakguard.toml"))
	if err != nil || string(got) != "# base\n" {
		t.Fatalf("base read %q, %v", got, err)
	}
	changed := r.Base.ChangedTrusted("my.ignore", "", "a.txt")
	if strings.Join(changed, " ") != "leakguard.toml "+scanner.GitleaksIgnoreFile+" my.ignore" {
		t.Fatalf("changed trusted files %q", changed)
	}
	if got := r.NoteChanged(); strings.Join(got, " ") != "leakguard.toml "+scanner.GitleaksIgnoreFile ||
		len(r.Plan.Notes) != 2 || r.Plan.Notes[1] != ChangedNote(scanner.GitleaksIgnoreFile) {
		t.Fatalf("noted %q: %q", got, r.Plan.Notes)
	}
	if len(TrustedFiles) != 4 {
		t.Fatalf("ChangedTrusted grew TrustedFiles: %q", TrustedFiles)
	}

	if _, err := PlanCI(t.TempDir(), "", true, func(string) string { return "" }); !hint.IsUsage(err) ||
		hint.Of(err) != "check the repository out first: actions/checkout with fetch-depth: 0" {
		t.Fatalf("no repository: %v (hint %q), want a usage error", err, hint.Of(err))
	}
}
