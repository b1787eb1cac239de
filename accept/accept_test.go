package accept

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/scanner"
	"github.com/leakguard/leakguard/secret"
)

// finding is a finding of rule with a value made at run time.
func finding(rule, file string, conf rules.Confidence) scanner.Finding {
	return scanner.Finding{RuleID: rule, File: file, StartLine: 3, Confidence: conf,
		Secret: secret.New(rules.RandString(24, "alnum"))}
}

// The record keeps fingerprints, never the secret, and is read back.
func TestBlockRecordsFingerprints(t *testing.T) {
	state, key := t.TempDir(), secret.RepoKey("abc")
	f := finding("generic-password", "app.py", rules.Medium)
	bs, err := Block(state, "/repo", "pre-commit", []scanner.Finding{f}, key)
	if err != nil || len(bs) != 1 || bs[0].Fingerprint() != f.KeyedFingerprint(key) {
		t.Fatalf("Block = %+v, %v", bs, err)
	}
	rec, err := Load(state, "/repo")
	if err != nil || rec.Hook != "pre-commit" || len(rec.Findings) != 1 || rec.Findings[0] != bs[0] {
		t.Fatalf("Load = %+v, %v", rec, err)
	}
	files, _ := filepath.Glob(filepath.Join(state, "blocked", "*.json"))
	for _, p := range files {
		if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(f.Secret.Reveal())) {
			t.Fatal("the record holds the secret")
		}
	}
	if rec, err := Load(state, "/other"); rec != nil || err != nil {
		t.Errorf("Load of an unrecorded repository: %v", err)
	}
	if bs, err := Block(state, "", "pre-push", []scanner.Finding{f}, nil); err != nil || bs[0].Fingerprint() != f.ContentFingerprint() {
		t.Errorf("outside a repository: %+v, %v", bs, err)
	}
}

// Managed keys and high-confidence findings are accepted in bulk only
// with includeHigh; no record is a usage error.
func TestLast(t *testing.T) {
	if _, _, err := Last(nil, true); !hint.IsUsage(err) {
		t.Fatalf("no record: %v", err)
	}
	rec := &Record{Findings: Findings([]scanner.Finding{
		finding("generic-password", "a.py", rules.Medium), finding("stripe", "b.py", rules.High)}, nil)}
	entries, refused, err := Last(rec, false)
	if err != nil || len(entries) != 1 || entries[0].Glob != "a.py" || len(refused) != 1 || refused[0].File != "b.py" {
		t.Fatalf("Last = %+v, %+v, %v", entries, refused, err)
	}
	if entries, refused, _ := Last(rec, true); len(entries) != 2 || len(refused) != 0 {
		t.Fatalf("includeHigh: %+v, %+v", entries, refused)
	}
}

func TestLookup(t *testing.T) {
	key := secret.RepoKey("abc")
	f := finding("generic-password", "app.py", rules.Medium)
	rs := []*rules.Rule{{RuleSpec: &rules.RuleSpec{ID: "generic-password"}}}
	noKey := func() ([]byte, error) { return nil, errors.New("no repository") }
	l := &Lookup{Rules: rs, Key: noKey}
	for _, fp := range []string{"nonsense", "no-such-rule:" + strings.Repeat("a", 16), "generic-password:" + strings.Repeat("a", 32)} {
		if _, err := l.Entry(fp); !hint.IsUsage(err) {
			t.Errorf("%s: %v, want a usage error", fp, err)
		}
	}
	// Unkeyed without a key: written as given, saying why.
	if en, err := l.Entry(f.ContentFingerprint()); err != nil || en.Fingerprint != f.ContentFingerprint() || en.KeyErr == nil {
		t.Errorf("unkeyed, no key: %+v, %v", en, err)
	}
	// Unkeyed with a key: keyed through the work tree's finding.
	l = &Lookup{Rules: rs, Key: func() ([]byte, error) { return key, nil },
		Scan: func() ([]scanner.Finding, error) { return []scanner.Finding{f}, nil }}
	if en, err := l.Entry(f.ContentFingerprint()); err != nil || en.Fingerprint != f.KeyedFingerprint(key) || en.Glob != "app.py" {
		t.Errorf("keyed through the work tree: %+v, %v", en, err)
	}
	if _, err := l.Entry("generic-password:" + strings.Repeat("0", 16)); !hint.IsUsage(err) {
		t.Errorf("not in the work tree: %v", err)
	}
	// In the last blocked scan: its entry, with its file.
	l.Record = &Record{Findings: Findings([]scanner.Finding{f}, key)}
	l.Scan = nil
	if en, err := l.Entry(f.ContentFingerprint()); err != nil || en.Fingerprint != f.KeyedFingerprint(key) || en.Blocked == nil {
		t.Errorf("from the record: %+v, %v", en, err)
	}
}

func TestAppend(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".leakguardignore")
	en := Entry{Fingerprint: "generic-password:" + strings.Repeat("a", 32), Glob: "app.py", Where: "app.py:3 generic-password"}
	if n, dups, err := Append(p, []Entry{en}, "", "test fixture"); n != 1 || len(dups) != 0 || err != nil {
		t.Fatalf("Append = %d, %v, %v", n, dups, err)
	}
	if n, dups, err := Append(p, []Entry{en}, "", ""); n != 0 || len(dups) != 1 || err != nil {
		t.Fatalf("again: %d, %v, %v", n, dups, err)
	}
	b, _ := os.ReadFile(p)
	if !strings.Contains(string(b), "# reason: test fixture\n"+en.Fingerprint+" app.py\n") {
		t.Fatalf("file:\n%s", b)
	}
	if n, _, err := Append(p, []Entry{en}, "src/*.py", ""); n != 1 || err != nil {
		t.Fatalf("with a glob: %d, %v", n, err)
	}
	if b, _ := os.ReadFile(p); !strings.HasSuffix(string(b), en.Fingerprint+" src/*.py\n") {
		t.Fatalf("the glob is not the entry's:\n%s", b)
	}
	if err := os.WriteFile(p, []byte("not an entry at all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Append(p, []Entry{en}, "", ""); !hint.IsUsage(err) {
		t.Errorf("a broken file: %v, want a usage error", err)
	}
}

func TestBaselineLeavesOutSerious(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".leakguardignore")
	low, high := finding("generic-password", "a.py", rules.Low), finding("stripe", "b.py", rules.High)
	key := secret.RepoKey("abc")
	var log bytes.Buffer
	refused, err := Baseline(&log, p, []scanner.Finding{low, high}, func() ([]byte, error) { return key, nil }, false)
	b, _ := os.ReadFile(p)
	if err != nil || refused != 1 || !strings.Contains(string(b), low.KeyedFingerprint(key)) || strings.Contains(string(b), high.ContentFingerprint()) {
		t.Fatalf("Baseline = %d, %v\n%s", refused, err, b)
	}
	want := "leakguard: wrote 1 entry to " + p + "; review it and commit it\n" +
		"leakguard: 1 finding not accepted: managed keys and high-confidence findings are real secrets until shown otherwise\n" +
		"  b.py:3 stripe: leakguard ignore " + high.KeyedFingerprint(key) + " --reason \"...\"\n"
	if !strings.HasPrefix(log.String(), want) {
		t.Fatalf("log:\n%s\nwant:\n%s", log.String(), want)
	}
	// Without the repository's key: unkeyed entries, with a warning; all
	// of them with includeHigh.
	log.Reset()
	refused, err = Baseline(&log, p, []scanner.Finding{low, high}, func() ([]byte, error) { return nil, errors.New("no commit") }, true)
	b, _ = os.ReadFile(p)
	if err != nil || refused != 0 || !strings.Contains(string(b), high.ContentFingerprint()) ||
		log.String() != "leakguard: warning: entries are written with unkeyed hashes (no commit), which a dictionary reverses for weak secrets\n"+
			"leakguard: wrote 2 entries to "+p+"; review it and commit it\n" {
		t.Fatalf("unkeyed: %d %v\n%s", refused, err, log.String())
	}
}

// LastEntries warns of entries blocked before the repository had a key,
// lists the findings left out, and fails when nothing is left.
func TestLastEntries(t *testing.T) {
	key := secret.RepoKey("abc")
	rec := &Record{Findings: append(Findings([]scanner.Finding{finding("generic-password", "a.py", rules.Medium)}, nil),
		Findings([]scanner.Finding{finding("stripe", "b.py", rules.High)}, key)...)}
	var log bytes.Buffer
	entries, err := LastEntries(&log, rec, false)
	if err != nil || len(entries) != 1 || !strings.HasPrefix(log.String(), "leakguard: warning: a.py:3: written with an unkeyed hash") ||
		!strings.Contains(log.String(), "leakguard: 1 finding not accepted") {
		t.Fatalf("%+v %v\n%s", entries, err, log.String())
	}
	log.Reset()
	rec.Findings = rec.Findings[1:]
	if _, err := LastEntries(&log, rec, false); !errors.Is(err, ErrNothingAccepted) || hint.Of(err) == "" || !strings.Contains(log.String(), "b.py:3 stripe") {
		t.Fatalf("all refused: %v\n%s", err, log.String())
	}
	if entries, err := LastEntries(&log, rec, true); err != nil || len(entries) != 1 {
		t.Fatalf("includeHigh: %+v %v", entries, err)
	}
	if _, err := LastEntries(&log, nil, true); !hint.IsUsage(err) {
		t.Fatalf("no record: %v", err)
	}
}

// Add says what it added and how to commit the file, what was there
// already, and warns of an entry without the repository's key.
func TestAdd(t *testing.T) {
	p := filepath.Join(t.TempDir(), "my ignore")
	en := Entry{Fingerprint: "generic-password:" + strings.Repeat("a", 16), Where: "generic-password", KeyErr: errors.New("no commit")}
	var log bytes.Buffer
	if err := Add(&log, p, []Entry{en}, "*.py", ""); err != nil {
		t.Fatal(err)
	}
	want := "leakguard: warning: the entry is written with an unkeyed hash (no commit), which a dictionary reverses for weak secrets\n" +
		"leakguard: added 1 entry to " + p + "; commit it with your change (git add 'my ignore'): CI reads it from the repository\n"
	if log.String() != want {
		t.Fatalf("log %q\nwant %q", log.String(), want)
	}
	log.Reset()
	en.KeyErr = nil
	if err := Add(&log, p, []Entry{en}, "*.py", ""); err != nil || log.String() != "leakguard: "+en.Fingerprint+" *.py is already in "+p+"\n" {
		t.Fatalf("again: %v %q", err, log.String())
	}
}

// LoadWarn reads nothing outside a repository, and warns of a record it
// cannot read.
func TestLoadWarn(t *testing.T) {
	state, root := t.TempDir(), t.TempDir()
	var log bytes.Buffer
	if LoadWarn(&log, state, "") != nil || LoadWarn(&log, state, root) != nil || log.Len() != 0 {
		t.Fatalf("no record: %s", log.String())
	}
	if _, err := Block(state, root, "pre-commit", []scanner.Finding{finding("stripe", "b.py", rules.High)}, nil); err != nil {
		t.Fatal(err)
	}
	if rec := LoadWarn(&log, state, root); rec == nil || len(rec.Findings) != 1 || log.Len() != 0 {
		t.Fatalf("record %+v: %s", rec, log.String())
	}
	if err := os.WriteFile(recordPath(state, root), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if rec := LoadWarn(&log, state, root); rec != nil || !strings.HasPrefix(log.String(), "leakguard: warning: the last blocked scan cannot be read: ") {
		t.Fatalf("a broken record: %+v %q", rec, log.String())
	}
}

func TestWriteAdvice(t *testing.T) {
	var b strings.Builder
	WriteAdvice(&b, false, Findings([]scanner.Finding{finding("generic-password", "conf/.env", rules.Medium)}, nil))
	for _, want := range []string{"this push is blocked", "git rm --cached conf/.env && echo .env >> .gitignore", "leakguard ignore generic-password:", "git push --no-verify"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("advice lacks %q:\n%s", want, b.String())
		}
	}
	if ShellQuote("it's") != `'it'\''s'` || ShellQuote("a.env") != "a.env" {
		t.Error("ShellQuote")
	}
}

// Ignore adds a fingerprint's finding, or the last blocked scan's, to
// its file with the glob and reason given, and says so.
func TestIgnore(t *testing.T) {
	key := secret.RepoKey("abc")
	f, high := finding("generic-password", "app.py", rules.Medium), finding("stripe", "b.py", rules.High)
	p := filepath.Join(t.TempDir(), ".leakguardignore")
	var log bytes.Buffer
	ig := &Ignore{Lookup: Lookup{Rules: []*rules.Rule{{RuleSpec: &rules.RuleSpec{ID: "generic-password"}}}, Key: func() ([]byte, error) { return key, nil },
		Scan: func() ([]scanner.Finding, error) { return []scanner.Finding{f}, nil }}, File: p, Reason: "a fixture", Log: &log}
	if err := ig.AddFingerprint(f.ContentFingerprint()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if !strings.Contains(string(b), "# reason: a fixture\n"+f.KeyedFingerprint(key)+" app.py\n") || !strings.HasPrefix(log.String(), "leakguard: added 1 entry to "+p) {
		t.Fatalf("file:\n%s\nlog %q", b, log.String())
	}
	if err := ig.AddFingerprint("nonsense"); !hint.IsUsage(err) {
		t.Fatalf("a bad fingerprint: %v", err)
	}
	ig.Record, ig.Glob = &Record{Findings: Findings([]scanner.Finding{high}, key)}, "*.py"
	if err := ig.AddLast(false); !errors.Is(err, ErrNothingAccepted) {
		t.Fatalf("only a high-confidence finding: %v", err)
	}
	log.Reset()
	if err := ig.AddLast(true); err != nil || !strings.HasPrefix(log.String(), "leakguard: added 1 entry") {
		t.Fatalf("--include-high: %v %q", err, log.String())
	}
	if b, _ = os.ReadFile(p); !strings.Contains(string(b), high.KeyedFingerprint(key)+" *.py\n") {
		t.Fatalf("file:\n%s", b)
	}
}

// The default ignore file is at the repository root, else where the run
// is anchored.
func TestDefaultFile(t *testing.T) {
	if got := DefaultFile("/repo", "/repo/sub"); got != filepath.Join("/repo", scanner.IgnoreFile) {
		t.Errorf("in a repository: %q", got)
	}
	if got := DefaultFile("", "/tmp/x"); got != filepath.Join("/tmp/x", scanner.IgnoreFile) {
		t.Errorf("outside one: %q", got)
	}
}
