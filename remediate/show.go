package remediate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// IncidentJSON is an incident in incidents list -f json and remediate -f
// json: a stable contract.
type IncidentJSON struct {
	ID         string     `json:"id"`
	New        bool       `json:"new,omitempty"`
	Status     string     `json:"status"`
	Key        string     `json:"key,omitempty"`
	RuleID     string     `json:"rule_id"`
	Provider   string     `json:"provider,omitempty"`
	MappedBy   string     `json:"mapped_by,omitempty"`
	Opened     time.Time  `json:"opened"`
	Closed     *time.Time `json:"closed,omitempty"`
	Reason     string     `json:"close_reason,omitempty"`
	ForcedOpen []string   `json:"forced_open,omitempty"`
	Validity   string     `json:"validity,omitempty"`
	Exposure   string     `json:"exposure,omitempty"`
	Issue      string     `json:"issue,omitempty"`
	Locations  []Location `json:"locations"`
	Steps      []*Step    `json:"steps"`
	StepsLeft  []string   `json:"steps_left"`
}

// NewIncidentJSON is in as JSON; isNew marks an incident opened now.
func NewIncidentJSON(in *Incident, isNew bool) IncidentJSON {
	j := IncidentJSON{ID: in.ID, New: isNew, Status: in.Status, Key: in.Key, RuleID: in.RuleID, Provider: in.Provider,
		MappedBy: in.MappedBy, Opened: in.Opened, Closed: in.Closed, Reason: in.CloseReason, ForcedOpen: in.ForcedOpen,
		Validity: in.Validity, Exposure: in.Exposure(), Locations: in.Locations, Steps: in.Steps, StepsLeft: pendingIDs(in)}
	if in.Issue != nil {
		j.Issue = in.Issue.URL
	}
	return j
}

// IncidentsJSON is incidents list -f json: never null.
func IncidentsJSON(ins []*Incident) []IncidentJSON {
	out := []IncidentJSON{}
	for _, in := range ins {
		out = append(out, NewIncidentJSON(in, false))
	}
	return out
}

// pendingIDs are the ids of the steps left, never nil.
func pendingIDs(in *Incident) []string {
	ids := []string{}
	for _, s := range in.Pending() {
		ids = append(ids, s.ID)
	}
	return ids
}

// WriteIncidentList writes incidents list to out: as JSON
// ([IncidentsJSON]), else the table; in text, no incidents says so on log.
func WriteIncidentList(out, log io.Writer, ins []*Incident, asJSON bool) error {
	switch {
	case asJSON:
		return writeJSON(out, IncidentsJSON(ins))
	case len(ins) == 0:
		fmt.Fprintln(log, "leakguard: no incidents")
		return nil
	}
	return WriteIncidents(out, ins)
}

// writeJSON writes v as indented JSON: the -f json output of remediate's
// commands.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteIncidents writes incidents list's table.
func WriteIncidents(w io.Writer, ins []*Incident) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tKEY OR RULE\tOPENED\tVALUE\tSTEPS LEFT\tISSUE")
	for _, in := range ins {
		issue := ""
		if in.Issue != nil {
			issue = in.Issue.URL
		}
		value := in.Exposure()
		if value == "" {
			value = orDash(in.Validity)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, in.Status, in.Subject(), in.Opened.Format("2006-01-02"), value,
			orDash(strings.Join(pendingIDs(in), ",")), issue)
	}
	return tw.Flush()
}

// WriteIncident writes incidents show: the incident, where it was found
// (previews, never the value) and its steps.
func WriteIncident(w io.Writer, in *Incident) {
	fmt.Fprintf(w, "incident:  %s (%s)\n", in.ID, in.Status)
	if in.Key != "" {
		fmt.Fprintf(w, "key:       %s (mapped by %s)\n", in.Key, in.MappedBy)
	}
	fmt.Fprintf(w, "rule:      %s\n", in.RuleID)
	if in.Provider != "" {
		fmt.Fprintf(w, "provider:  %s\n", in.Provider)
	}
	if in.RotateURL != "" {
		fmt.Fprintf(w, "rotate at: %s\n", in.RotateURL)
	}
	if in.Validity != "" {
		fmt.Fprintf(w, "validity:  %s — %s\n", in.Validity, in.ValidityDetail)
	}
	if e := in.Exposure(); e != "" {
		fmt.Fprintf(w, "value:     %s\n", e)
	}
	fmt.Fprintf(w, "opened:    %s\n", in.Opened.Format(time.RFC3339))
	if in.Closed != nil {
		fmt.Fprintf(w, "closed:    %s %s\n", in.Closed.Format(time.RFC3339), in.CloseReason)
		if len(in.ForcedOpen) > 0 {
			fmt.Fprintf(w, "forced:    closed with steps open: %s\n", strings.Join(in.ForcedOpen, ", "))
		}
	}
	if in.Issue != nil {
		fmt.Fprintf(w, "issue:     %s\n", in.Issue.URL)
	}
	for _, l := range in.Locations {
		loc := l.File
		if l.Line > 0 {
			loc += fmt.Sprintf(":%d", l.Line)
		}
		if l.Commit != "" {
			loc = l.Commit[:min(12, len(l.Commit))] + ":" + loc
		}
		fmt.Fprintf(w, "found:     %s  %s\n", loc, l.Preview)
	}
	fmt.Fprintln(w, "steps:")
	for _, st := range in.Steps {
		fmt.Fprintf(w, "  %-14s %-8s %s", st.ID, st.Status, st.Title)
		if st.Detail != "" {
			fmt.Fprintf(w, " (%s)", st.Detail)
		}
		fmt.Fprintln(w)
	}
}
