package remediate

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/keyfile"
)

// The ledger lives in the state directory (0700):
//
//	incidents.json  the incidents and their steps, rewritten atomically
//	audit.log       append-only JSON lines: when, what, result
//	backups/        copies of source files taken before a rotation (0600)
//	lock            serialises leakguard processes
//
// Each step is recorded before and after its external call, so a crash at
// any point leaves a ledger that says what was under way, and a re-run
// resumes from there. No secret is ever written to incidents.json or
// audit.log; backups necessarily hold them.
const (
	ledgerFile = "incidents.json"
	auditFile  = "audit.log"
	backupDir  = "backups"
	lockFile   = "lock"
	// issueLockFile serialises finding and creating audit issues.
	issueLockFile = "issues.lock"
)

// Step statuses.
const (
	StepPending = "pending"
	StepRunning = "running" // recorded before an external call
	StepDone    = "done"
	StepFailed  = "failed"
	StepSkipped = "skipped"
)

// Incident is one leaked credential and the playbook steps that close it.
type Incident struct {
	ID          string `json:"id"`
	Key         string `json:"key,omitempty"` // managed key, or "" when unmanaged
	RuleID      string `json:"rule_id"`
	Provider    string `json:"provider,omitempty"`
	Description string `json:"description,omitempty"`
	RotateURL   string `json:"rotate_url,omitempty"`
	// MappedBy says how findings were tied to the key: name,
	// known-value, provider (unverified) or unmanaged.
	MappedBy string `json:"mapped_by"`
	// SecretHashes are secret.Hash digests of the leaked values
	// (short, domain-separated: never the value).
	SecretHashes []string   `json:"secret_hashes"`
	Locations    []Location `json:"locations"`
	Opened       time.Time  `json:"opened"`
	Status       string     `json:"status"` // open or closed
	Steps        []*Step    `json:"steps"`
	Issue        *IssueRef  `json:"issue,omitempty"`
	// Events are progress comments already posted (by event id).
	Events []string `json:"events,omitempty"`
	// PendingEvents are progress comments whose post had not been
	// confirmed when the run stopped: before posting one again, the
	// issue's comments are read for its marker.
	PendingEvents []string   `json:"pending_events,omitempty"`
	Closed        *time.Time `json:"closed,omitempty"`
	CloseReason   string     `json:"close_reason,omitempty"`
	// ForcedOpen lists the steps still open when the incident was closed
	// with --force.
	ForcedOpen []string `json:"forced_open,omitempty"`
	// Validity is the leaked value's last verification ("live",
	// "invalid", "unknown"), ValidityDetail how it was decided, Verified
	// when.
	Validity       string     `json:"validity,omitempty"`
	ValidityDetail string     `json:"validity_detail,omitempty"`
	Verified       *time.Time `json:"verified,omitempty"`
}

// Rotated is when the leaked value was rotated away at the source of
// truth, or nil.
func (in *Incident) Rotated() *time.Time {
	if s := in.Step("rotate"); s != nil && s.Status == StepDone {
		t := s.Updated
		return &t
	}
	return nil
}

// Revoked reports whether the leaked value verified invalid after the
// leak (revoked or deleted at its provider).
func (in *Incident) Revoked() bool {
	return in.Validity == "invalid"
}

// Exposure is the state of the incident's leaked value for reports:
// "revoked", "rotated YYYY-MM-DD", "closed YYYY-MM-DD" or "" (live, as
// far as leakguard knows).
func (in *Incident) Exposure() string {
	switch {
	case in.Revoked():
		return "revoked"
	case in.Rotated() != nil:
		return "rotated " + in.Rotated().Format("2006-01-02")
	case in.Status == "closed" && in.Closed != nil:
		return "closed " + in.Closed.Format("2006-01-02")
	}
	return ""
}

// Subject is what leaked: the managed key, else the rule.
func (in *Incident) Subject() string {
	if in.Key != "" {
		return in.Key
	}
	return in.RuleID
}

// Location is where a leak was found: never the secret itself.
type Location struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Commit  string `json:"commit,omitempty"`
	Author  string `json:"author,omitempty"`
	Date    string `json:"date,omitempty"`
	RuleID  string `json:"rule_id"`
	Preview string `json:"preview,omitempty"` // redacted
}

// IssueRef is the audit issue of an incident.
type IssueRef struct {
	Number int    `json:"number"`
	URL    string `json:"url"`
	// Closed is set once GitHub confirmed the issue closed; until then a
	// closed incident's close is finished by the next 'incidents close'.
	Closed bool `json:"closed,omitempty"`
}

// Step is one item of the playbook.
type Step struct {
	ID      string    `json:"id"` // regenerate, rotate, sync:TARGET, audit-usage, issue
	Title   string    `json:"title"`
	Status  string    `json:"status"`
	Manual  bool      `json:"manual,omitempty"` // done by a person: leakguard incidents done ID STEP
	Detail  string    `json:"detail,omitempty"`
	Updated time.Time `json:"updated"`
}

// Step returns the step with id, or nil.
func (in *Incident) Step(id string) *Step {
	for _, s := range in.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Pending lists the steps not done or skipped.
func (in *Incident) Pending() []*Step {
	var out []*Step
	for _, s := range in.Steps {
		if s.Status != StepDone && s.Status != StepSkipped {
			out = append(out, s)
		}
	}
	return out
}

// HasEvent reports whether a progress comment was posted.
func (in *Incident) HasEvent(id string) bool {
	for _, e := range in.Events {
		if e == id {
			return true
		}
	}
	return false
}

// State is the whole ledger.
type State struct {
	Version   int         `json:"version"`
	Incidents []*Incident `json:"incidents"`
	// Synced was the cache of earlier versions (keyed on the target's
	// name only); it is read and ignored.
	Synced map[string]map[string]string `json:"synced,omitempty"`
	// Targets records, per key and target identity ("KEY@IDENTITY"), the
	// value last verified there and when. Sync reads every target back on
	// every run: this record only tells a repair from a first write and
	// feeds keys list.
	Targets map[string]*TargetRecord `json:"targets,omitempty"`
}

// TargetRecord is the last verified sync of a key at one target.
type TargetRecord struct {
	Key      string    `json:"key"`
	Target   string    `json:"target"`
	Hash     string    `json:"hash"` // secret.Hash of the value
	Verified time.Time `json:"verified"`
	// PresenceOnly: the target confirmed presence only.
	PresenceOnly bool `json:"presence_only,omitempty"`
}

// Incident returns the incident with id, or nil.
func (st *State) Incident(id string) *Incident {
	for _, in := range st.Incidents {
		if in.ID == id {
			return in
		}
	}
	return nil
}

// Ledger is the state directory.
type Ledger struct {
	Dir string
	Now func() time.Time
}

// DefaultStateDir is $XDG_STATE_HOME/leakguard, else
// ~/.local/state/leakguard.
func DefaultStateDir(getenv func(string) string) string {
	if x := getenv("XDG_STATE_HOME"); x != "" {
		return filepath.Join(x, "leakguard")
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".local", "state", "leakguard")
}

// StateDir is the ledger's directory: dir (the config's [state] dir; a
// leading ~/ is the home directory) when set, else [DefaultStateDir].
func StateDir(getenv func(string) string, dir string) string {
	if dir == "" {
		dir = DefaultStateDir(getenv)
	}
	return keyfile.ExpandHome(dir)
}

// OpenLedger creates the state directory (0700) if needed and tightens
// its mode if it is wider.
func OpenLedger(dir string) (*Ledger, error) {
	if err := os.MkdirAll(filepath.Join(dir, backupDir), 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	for _, d := range []string{dir, filepath.Join(dir, backupDir)} {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm() != 0o700 {
			if err := os.Chmod(d, 0o700); err != nil {
				return nil, fmt.Errorf("state directory %s is %v and cannot be made 0700: %w", d, fi.Mode().Perm(), err)
			}
		}
	}
	return &Ledger{Dir: dir, Now: time.Now}, nil
}

func (l *Ledger) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

// lock takes the ledger's exclusive lock.
func (l *Ledger) lock() (func(), error) { return l.flock(lockFile) }

// LockIssues takes the state directory's issue lock, held across finding
// and creating an audit issue so that two runs never both create one.
func (l *Ledger) LockIssues() (func(), error) { return l.flock(issueLockFile) }

func (l *Ledger) flock(name string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(l.Dir, name), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockExclusive(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking the ledger: %w", err)
	}
	return func() {
		unlockExclusive(f)
		f.Close()
	}, nil
}

// Read returns the ledger's state.
func (l *Ledger) Read() (*State, error) {
	b, err := os.ReadFile(filepath.Join(l.Dir, ledgerFile))
	if errors.Is(err, os.ErrNotExist) {
		return &State{Version: 1}, nil
	}
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, &CorruptError{Path: filepath.Join(l.Dir, ledgerFile), Err: err}
	}
	return &st, nil
}

// CorruptError is a ledger that cannot be parsed.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string { return e.Path + ": " + e.Err.Error() }

// Hint says how to get past it.
func (e *CorruptError) Hint() string {
	return "run leakguard incidents list: it moves the file aside and rebuilds the incidents from the audit issues"
}

// Repair moves a corrupt ledger aside as incidents.json.bad-TIME and
// returns that path; "" when the ledger was sound (or absent).
func (l *Ledger) Repair() (string, error) {
	unlock, err := l.lock()
	if err != nil {
		return "", err
	}
	defer unlock()
	_, err = l.Read()
	var ce *CorruptError
	if !errors.As(err, &ce) {
		return "", err
	}
	bad := ce.Path + ".bad-" + l.now().Format("20060102T150405Z")
	if err := os.Rename(ce.Path, bad); err != nil {
		return "", fmt.Errorf("moving the corrupt ledger aside: %w", err)
	}
	return bad, nil
}

// Update reads the state, applies fn and writes it back atomically, all
// under the lock. When fn fails nothing is written.
func (l *Ledger) Update(fn func(*State) error) error {
	unlock, err := l.lock()
	if err != nil {
		return err
	}
	defer unlock()
	st, err := l.Read()
	if err != nil {
		return err
	}
	if err := fn(st); err != nil {
		return err
	}
	sort.SliceStable(st.Incidents, func(i, j int) bool { return st.Incidents[i].Opened.Before(st.Incidents[j].Opened) })
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WritePrivate(filepath.Join(l.Dir, ledgerFile), append(b, '\n'))
}

// Event is one line of the audit log.
type Event struct {
	Time     time.Time `json:"time"`
	Incident string    `json:"incident,omitempty"`
	Key      string    `json:"key,omitempty"`
	Action   string    `json:"action"`
	Target   string    `json:"target,omitempty"`
	Result   string    `json:"result"`
	Detail   string    `json:"detail,omitempty"`
}

// Audit appends an event to the audit log and syncs it to disk.
func (l *Ledger) Audit(ev Event) error {
	if ev.Time.IsZero() {
		ev.Time = l.now()
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(l.Dir, auditFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(append(b, '\n')); err != nil {
		return err
	}
	return f.Sync()
}

// AuditLog reads the audit log.
func (l *Ledger) AuditLog() ([]Event, error) {
	f, err := os.Open(filepath.Join(l.Dir, auditFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err == nil {
			out = append(out, ev)
		}
	}
	return out, sc.Err()
}

// maxBackups is how many backups of one source file are kept.
const maxBackups = 5

// Backup copies a source file into backups/ (0600) before it is
// rewritten, and prunes older backups of the same file.
func (l *Ledger) Backup(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	abs, _ := filepath.Abs(path)
	stem := strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace(strings.TrimPrefix(abs, "/"))
	name := fmt.Sprintf("%s.%s", stem, l.now().Format("20060102T150405.000000000Z"))
	dst := filepath.Join(l.Dir, backupDir, name)
	if err := atomicfile.WritePrivate(dst, b); err != nil {
		return "", err
	}
	matches, _ := filepath.Glob(filepath.Join(l.Dir, backupDir, stem+".*"))
	sort.Strings(matches)
	for len(matches) > maxBackups {
		os.Remove(matches[0])
		matches = matches[1:]
	}
	return dst, nil
}
