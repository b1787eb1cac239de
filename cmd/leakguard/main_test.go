package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/leakguard/leakguard/internal/cli"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"leakguard": func() {
			os.Exit(cli.Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScripts runs the end-to-end scripts in testdata/script. Besides
// testscript's built-ins they have:
//
//	genkey VAR KIND     set $VAR to a fresh key of KIND (anthropic, tavily,
//	                    google, github, opaque, password) and remember it as
//	                    a secret
//	render SRC DST      copy SRC to DST expanding $VARS
//	fingerprint VAR     set $VAR_FP to the known-value fingerprint of $VAR
//	noleak [FILE...]    fail if any generated secret appears in stdout,
//	                    stderr or the files
//	jsonlen FILE N      FILE is a JSON array of N elements
//	exits CODE PROG ARGS  run PROG as exec does and fail unless it exits
//	                    with exactly CODE (leakguard's exit codes are a
//	                    contract: 1 findings, 2 usage, 3 incomplete)
//	fakeproviders ...   providers' verification APIs (providers_test.go)
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			e.Setenv("NO_COLOR", "1")
			e.Setenv("HOME", e.WorkDir+"/home")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"genkey":        genkey,
			"render":        render,
			"fingerprint":   fingerprint,
			"noleak":        noleak,
			"jsonlen":       jsonlen,
			"fakeapis":      startAPIs,
			"fakeproviders": startProviders,
			"incidentid":    incidentID,
			"pgsetup":       pgSetup,
			"nul":           appendNUL,
			"exits":         exits,
		},
		Condition: func(cond string) (bool, error) {
			if cond == "pg" {
				return os.Getenv("LEAKGUARD_TEST_PG_DSN") != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

func genkey(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: genkey VAR KIND")
	}
	var v string
	switch args[1] {
	case "anthropic":
		v = "sk-ant-api03-" + rules.RandString(93, "urlsafe") + "AA"
	case "tavily":
		v = "tvly-" + rules.RandString(32, "alnum")
	case "google":
		v = "AIza" + rules.RandString(35, "urlsafe")
	case "github":
		b := rules.RandString(30, "alnum")
		v = "ghp_" + b + rules.CRC32Base62(b)
	case "opaque":
		v = rules.RandString(12, "alnum") + "." + rules.RandString(30, "alnum")
	case "password":
		v = rules.RandString(5, "alnum") + "&3" + rules.RandString(6, "alnum") + "!q"
	default:
		ts.Fatalf("genkey: unknown kind %q", args[1])
	}
	ts.Setenv(args[0], v)
	ts.Setenv("GENERATED", strings.TrimSpace(ts.Getenv("GENERATED")+" "+args[0]))
}

func render(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: render SRC DST")
	}
	out := os.Expand(ts.ReadFile(args[0]), ts.Getenv)
	dst := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(filepath.Dir(dst), 0o755))
	ts.Check(os.WriteFile(dst, []byte(out), 0o600))
}

func fingerprint(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: fingerprint VAR")
	}
	ts.Setenv(args[0]+"_FP", secret.Fingerprint(ts.Getenv(args[0])))
}

func noleak(ts *testscript.TestScript, neg bool, args []string) {
	texts := map[string]string{"stdout": ts.ReadFile("stdout"), "stderr": ts.ReadFile("stderr")}
	for _, f := range args {
		texts[f] = ts.ReadFile(f)
	}
	for _, name := range strings.Fields(ts.Getenv("GENERATED")) {
		v := ts.Getenv(name)
		mid := v[len(v)/4 : len(v)/4+12]
		for where, text := range texts {
			if strings.Contains(text, v) || strings.Contains(text, mid) {
				if !neg {
					ts.Fatalf("secret $%s appears in %s", name, where)
				}
				return
			}
		}
	}
	if neg {
		ts.Fatalf("no generated secret appears")
	}
}

func jsonlen(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: jsonlen FILE N")
	}
	var v []json.RawMessage
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &v); err != nil {
		ts.Fatalf("%s: not a JSON array: %v", args[0], err)
	}
	if got := fmt.Sprint(len(v)); got != args[1] {
		ts.Fatalf("%s: %s elements, want %s", args[0], got, args[1])
	}
}

// incidentID sets $INCIDENT to the newest incident in the ledger at
// $XDG_STATE_HOME/leakguard; "incidentid VAR NAME" sets $VAR to the
// incident of the managed key or rule NAME.
func incidentID(ts *testscript.TestScript, neg bool, args []string) {
	var st struct {
		Incidents []struct {
			ID     string `json:"id"`
			Key    string `json:"key"`
			RuleID string `json:"rule_id"`
		} `json:"incidents"`
	}
	b := ts.ReadFile(filepath.Join(ts.Getenv("XDG_STATE_HOME"), "leakguard", "incidents.json"))
	ts.Check(json.Unmarshal([]byte(b), &st))
	if len(st.Incidents) == 0 {
		ts.Fatalf("no incidents")
	}
	if len(args) == 2 {
		for _, in := range st.Incidents {
			if in.Key == args[1] || (in.Key == "" && in.RuleID == args[1]) {
				ts.Setenv(args[0], in.ID)
				return
			}
		}
		ts.Fatalf("no incident of %s", args[1])
	}
	ts.Setenv("INCIDENT", st.Incidents[len(st.Incidents)-1].ID)
}

// appendNUL makes FILE binary (git's test: a NUL byte near the start).
func appendNUL(ts *testscript.TestScript, neg bool, args []string) {
	f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_APPEND|os.O_WRONLY, 0)
	ts.Check(err)
	_, err = f.Write([]byte{0})
	ts.Check(err)
	ts.Check(f.Close())
}

// exits runs a program like exec and checks its exact exit code.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	err := ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if rec := os.Getenv("LEAKGUARD_RECORD_EXITS"); rec != "" && args[0] == "?" {
		f, _ := os.OpenFile(rec, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		fmt.Fprintf(f, "%s\t%d\n", ts.Getenv("WORK"), got)
		f.Close()
		return
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not an exit code", args[0])
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}
