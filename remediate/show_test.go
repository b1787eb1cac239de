package remediate

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// An incident as JSON (never null lists), in the list's table and shown
// in full: where it was found, its steps, never the value.
func TestIncidentRendering(t *testing.T) {
	p, _, _, _ := testPlaybook(t)
	v := tvly()
	o, _, err := p.Open(context.Background(), leak(v), false)
	if err != nil {
		t.Fatal(err)
	}
	in := o[0].Incident
	j := NewIncidentJSON(in, true)
	if !j.New || j.Key != "TAVILY_API_KEY" || len(j.StepsLeft) != len(in.Pending()) || j.StepsLeft[0] != "regenerate" {
		t.Errorf("JSON: %+v", j)
	}
	if b, _ := json.Marshal(IncidentsJSON(nil)); string(b) != "[]" {
		t.Errorf("no incidents: %s", b)
	}
	var list, show bytes.Buffer
	if err := WriteIncidents(&list, []*Incident{in}); err != nil {
		t.Fatal(err)
	}
	WriteIncident(&show, in)
	for _, want := range []string{in.ID, "TAVILY_API_KEY", "regenerate,rotate,"} {
		if !strings.Contains(list.String(), want) {
			t.Errorf("list lacks %q:\n%s", want, list.String())
		}
	}
	for _, want := range []string{"incident:  " + in.ID + " (open)", "key:       TAVILY_API_KEY (mapped by", "found:     aaaaaaaaaaaa:.env:3", "steps:\n  regenerate"} {
		if !strings.Contains(show.String(), want) {
			t.Errorf("show lacks %q:\n%s", want, show.String())
		}
	}
	if strings.Contains(list.String()+show.String(), v) {
		t.Error("the value was printed")
	}
}

// incidents list: JSON (an empty list, never null), the table, or, in
// text with none, a note on the log and nothing on the data stream.
func TestWriteIncidentList(t *testing.T) {
	var out, log bytes.Buffer
	if err := WriteIncidentList(&out, &log, nil, true); err != nil || out.String() != "[]\n" || log.Len() != 0 {
		t.Errorf("JSON, none: %v %q %q", err, out.String(), log.String())
	}
	out.Reset()
	if err := WriteIncidentList(&out, &log, nil, false); err != nil || out.Len() != 0 || log.String() != "leakguard: no incidents\n" {
		t.Errorf("text, none: %v %q %q", err, out.String(), log.String())
	}
	log.Reset()
	in := &Incident{ID: "LG-1", Status: "open", Key: "K", Steps: []*Step{{ID: "rotate", Status: StepPending}}}
	if err := WriteIncidentList(&out, &log, []*Incident{in}, false); err != nil || log.Len() != 0 ||
		!strings.HasPrefix(out.String(), "ID    STATUS  KEY OR RULE  OPENED") || !strings.Contains(out.String(), "LG-1  open    K") {
		t.Errorf("text:\n%s", out.String())
	}
	out.Reset()
	var got []IncidentJSON
	if err := WriteIncidentList(&out, &log, []*Incident{in}, true); err != nil || json.Unmarshal(out.Bytes(), &got) != nil || len(got) != 1 || got[0].StepsLeft[0] != "rotate" {
		t.Errorf("JSON:\n%s", out.String())
	}
}
