package remediate

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/internal/markdown"
	"github.com/leakguard/leakguard/keyfile"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// Playbook runs the seed's "If API Key is Leaked" procedure: regenerate
// at the provider, update the source of truth, sync every environment,
// audit usage.
type Playbook struct {
	Ledger *Ledger
	Keys   []rules.Key
	// Target builds the target named in the config; nil when syncing is
	// not needed.
	Target func(name string) (Target, error)
	// Issues keeps the audit issues; nil for --no-issue.
	Issues IssueTracker
	// Labels are put on the audit issues (none: [DefaultLabels]).
	Labels []string
	// Repo ("owner/name") and Server ("https://github.com") make file
	// links in issue bodies; optional.
	Repo   string
	Server string
	Out    io.Writer
	// Err receives warnings (a failed audit-log write, an issue that
	// could not be updated); nil discards them. Never the data stream.
	Err io.Writer
	// OnRotated records a rotation in the inventory (the new value's
	// fingerprint and the date); optional.
	OnRotated func(name, fingerprint string) error
	// Forbid registers values that must never be sent to the issue
	// tracker: every secret the playbook reads passes through it.
	Forbid func(values ...secret.Value)
	// Force lets sync push a value known to be leaked.
	Force bool
	// Confirm asks the user a yes/no question before a step that cannot
	// be taken back (opening audit issues, revoking through an API); nil
	// does not ask.
	Confirm func(question string) bool
	// Root is the directory a relative source path is relative to (the
	// repository); "" leaves it relative to the working directory.
	Root string
	// ReadAt reads a file at a commit of the repository at Root, to find
	// an incident's leaked value again (LeakedValues); nil reads none.
	ReadAt func(commit, path string) ([]byte, error)
}

// DefaultLabels label the audit issues when the config names none.
var DefaultLabels = []string{"security", "leaked-secret"}

func (p *Playbook) labels() []string {
	if len(p.Labels) == 0 {
		return DefaultLabels
	}
	return p.Labels
}

// sourceSpec parses a key's source, anchoring a relative path at Root.
func (p *Playbook) sourceSpec(src string) (keyfile.Spec, error) {
	spec, err := keyfile.Parse(src)
	if err != nil {
		return spec, err
	}
	if spec.Path != "" && p.Root != "" && !filepath.IsAbs(spec.Path) {
		spec.Path = filepath.Join(p.Root, spec.Path)
	}
	return spec, nil
}

func (p *Playbook) forbid(vs ...secret.Value) {
	if p.Forbid != nil {
		p.Forbid(vs...)
	}
}

func (p *Playbook) key(name string) *rules.Key {
	for i := range p.Keys {
		if p.Keys[i].Name == name {
			return &p.Keys[i]
		}
	}
	return nil
}

func (p *Playbook) printf(format string, a ...any) {
	if p.Out != nil {
		fmt.Fprintf(p.Out, format, a...)
	}
}

// notef tells the user something on Err.
func (p *Playbook) notef(format string, a ...any) {
	if p.Err != nil {
		fmt.Fprintf(p.Err, "leakguard: "+format+"\n", a...)
	}
}

// warnf writes a warning to Err.
func (p *Playbook) warnf(format string, a ...any) {
	if p.Err != nil {
		fmt.Fprintf(p.Err, "leakguard: warning: "+format+"\n", a...)
	}
}

func (p *Playbook) audit(in *Incident, action, target, result, detail string) {
	ev := Event{Action: action, Target: target, Result: result, Detail: detail}
	if in != nil {
		ev.Incident, ev.Key = in.ID, in.Key
	}
	if err := p.Ledger.Audit(ev); err != nil {
		p.warnf("audit log: %v", err)
	}
}

// eventComment renders a progress comment: the event id is kept in a
// hidden marker so a re-run can tell it was posted.
func eventComment(event string) string {
	kind, detail, _ := strings.Cut(event, "|")
	return "leakguard: " + markdown.Text(detail) + "\n\n" + EventMarker(kind)
}

// errText is an error's message for the ledger: errors from targets never
// hold secrets (their contract), and are cut to one line.
func errText(err error) string {
	msg := err.Error()
	if h := hint.Of(err); h != "" {
		msg += "; hint: " + h
	}
	s := strings.Join(strings.Fields(msg), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
