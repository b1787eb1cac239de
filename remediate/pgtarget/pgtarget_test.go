package pgtarget

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/rules"
	"github.com/leakguard/leakguard/secret"
)

// testDSN returns the DSN of the test database (.ci/services.sh starts
// one). Without it the tests skip, except in CI, where they fail: CI must
// never skip the database silently.
func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("LEAKGUARD_TEST_PG_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("LEAKGUARD_TEST_PG_DSN is not set in CI; hint: source .ci/services.sh before go test")
		}
		t.Skip("LEAKGUARD_TEST_PG_DSN is not set; hint: bash -c '. .ci/services.sh; go test ./remediate/pgtarget/'")
	}
	return dsn
}

// newTable creates a fresh table, with or without the unique key, and
// drops it when the test ends.
func newTable(t *testing.T, dsn string, unique bool) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	name := "app_secrets_" + strings.ToLower(rules.RandString(10, "alnum"))
	ddl := `CREATE TABLE ` + name + ` (id serial PRIMARY KEY, key text NOT NULL, value text NOT NULL CHECK (value <> 'forbidden'), environment text, project_id text`
	if unique {
		ddl += `, UNIQUE (key, environment, project_id)`
	}
	if _, err := conn.Exec(ctx, ddl+`)`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, dsn)
		if err == nil {
			c.Exec(ctx, `DROP TABLE IF EXISTS `+name)
			c.Close(ctx)
		}
	})
	return name
}

func rows(t *testing.T, dsn, table, key string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	r, _ := conn.Query(ctx, `SELECT value FROM `+table+` WHERE key = $1 ORDER BY id`, key)
	vals, err := pgx.CollectRows(r, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return vals
}

func newValue() secret.Value { return secret.New("p_" + rules.RandString(40, "alnum")) }

func noLeak(t *testing.T, err error, strs ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range strs {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Fatalf("error leaks a secret: %v", err)
		}
	}
}

func password(dsn string) string {
	c, err := pgx.ParseConfig(dsn)
	if err != nil {
		return ""
	}
	return c.Password
}

func TestPutVerify(t *testing.T) {
	dsn := testDSN(t)
	for _, unique := range []bool{true, false} {
		t.Run(fmt.Sprintf("unique=%v", unique), func(t *testing.T) {
			table := newTable(t, dsn, unique)
			tg, err := New(Config{Name: "db", DSN: func() (string, error) { return dsn, nil }, Table: table, Environment: "production", ProjectID: "proj-1"})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			v1, v2 := newValue(), newValue()
			if err := tg.Verify(ctx, "API_KEY", v1); !errors.Is(err, remediate.ErrMissing) {
				t.Fatalf("before: %v", err)
			}
			if err := tg.Put(ctx, "API_KEY", v1); err != nil {
				t.Fatal(err)
			}
			if err := tg.Verify(ctx, "API_KEY", v1); err != nil {
				t.Fatal(err)
			}
			if err := tg.Put(ctx, "API_KEY", v2); err != nil {
				t.Fatal(err)
			}
			if got := rows(t, dsn, table, "API_KEY"); len(got) != 1 || got[0] != v2.Reveal() {
				t.Fatalf("rows after update: %d", len(got))
			}
			err = tg.Verify(ctx, "API_KEY", v1)
			if !errors.Is(err, remediate.ErrMismatch) {
				t.Fatalf("mismatch: %v", err)
			}
			noLeak(t, err, v1.Reveal(), v2.Reveal(), password(dsn))
			if tg.noUnique.Load() == unique {
				t.Fatalf("noUnique = %v with unique = %v", tg.noUnique.Load(), unique)
			}
			// Another environment is another row.
			tg2, _ := New(Config{DSN: tg.cfg.DSN, Table: table, Environment: "preview", ProjectID: "proj-1"})
			if err := tg2.Verify(ctx, "API_KEY", v2); !errors.Is(err, remediate.ErrMissing) {
				t.Fatalf("other environment: %v", err)
			}
		})
	}
}

func TestNullScope(t *testing.T) {
	dsn := testDSN(t)
	table := newTable(t, dsn, true)
	tg, _ := New(Config{DSN: func() (string, error) { return dsn, nil }, Table: table})
	ctx := context.Background()
	v1, v2 := newValue(), newValue()
	if err := tg.Put(ctx, "K", v1); err != nil {
		t.Fatal(err)
	}
	if err := tg.Put(ctx, "K", v2); err != nil {
		t.Fatal(err)
	}
	if got := rows(t, dsn, table, "K"); len(got) != 1 {
		t.Fatalf("%d rows with NULL environment and project", len(got))
	}
	if err := tg.Verify(ctx, "K", v2); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentPutsSerialised(t *testing.T) {
	dsn := testDSN(t)
	for _, unique := range []bool{true, false} {
		t.Run(fmt.Sprintf("unique=%v", unique), func(t *testing.T) {
			table := newTable(t, dsn, unique)
			tg, _ := New(Config{DSN: func() (string, error) { return dsn, nil }, Table: table, Environment: "production", ProjectID: "p"})
			vals := make([]secret.Value, 12)
			var wg sync.WaitGroup
			for i := range vals {
				vals[i] = newValue()
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := tg.Put(context.Background(), "K", vals[i]); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			got := rows(t, dsn, table, "K")
			if len(got) != 1 {
				t.Fatalf("%d rows after concurrent puts, want 1", len(got))
			}
			ok := false
			for _, v := range vals {
				if v.Reveal() == got[0] {
					ok = tg.Verify(context.Background(), "K", v) == nil
				}
			}
			if !ok {
				t.Fatal("the row holds none of the values written")
			}
		})
	}
}

func TestErrorsNeverLeak(t *testing.T) {
	dsn := testDSN(t)
	pw := password(dsn)
	ctx := context.Background()
	table := newTable(t, dsn, true)
	v := newValue()

	// A constraint violation: PostgreSQL's detail quotes the failing row.
	tg, _ := New(Config{DSN: func() (string, error) { return dsn, nil }, Table: table, Environment: "e", ProjectID: "p"})
	err := tg.Put(ctx, "K", secret.New("forbidden"))
	if err == nil || !strings.Contains(err.Error(), "23514") {
		t.Fatalf("check violation: %v", err)
	}
	noLeak(t, err, "forbidden", pw)

	// A missing table.
	tgm, _ := New(Config{DSN: tg.cfg.DSN, Table: "no_such_table", Environment: "e", ProjectID: "p"})
	err = tgm.Put(ctx, "K", v)
	if err == nil || !strings.Contains(err.Error(), "42P01") || !strings.Contains(hint.Of(err), "CREATE TABLE") {
		t.Fatalf("missing table: %v (hint %q)", err, hint.Of(err))
	}
	noLeak(t, err, v.Reveal(), pw)

	// A wrong password.
	if pw != "" {
		bad := strings.Replace(dsn, ":"+pw+"@", ":wrong"+pw+"@", 1)
		tgb, _ := New(Config{DSN: func() (string, error) { return bad, nil }, Table: table})
		err = tgb.Put(ctx, "K", v)
		if err == nil {
			t.Fatal("wrong password accepted")
		}
		noLeak(t, err, v.Reveal(), pw, "wrong"+pw)
	}

	// An unparseable DSN and a missing variable.
	tgd, _ := New(Config{DSN: func() (string, error) { return "postgres://u:" + pw + "@host:notaport/db", nil }, Table: table})
	err = tgd.Verify(ctx, "K", v)
	if err == nil {
		t.Fatal("bad DSN accepted")
	}
	noLeak(t, err, v.Reveal(), pw)

	// Cancellation is still recognisable.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := tg.Verify(cctx, "K", v); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestNewValidatesTable(t *testing.T) {
	dsn := func() (string, error) { return "", nil }
	for _, bad := range []string{"a;drop table x", `"q"`, "a.b.c", "1abc", "a b", strings.Repeat("x", 64)} {
		if _, err := New(Config{DSN: dsn, Table: bad}); err == nil {
			t.Errorf("table %q accepted", bad)
		}
	}
	for _, good := range []string{"app_secrets", "public.app_secrets", "Secrets2"} {
		tg, err := New(Config{DSN: dsn, Table: good})
		if err != nil {
			t.Errorf("table %q: %v", good, err)
		} else if !strings.HasPrefix(tg.table, `"`) {
			t.Errorf("table %q not quoted: %s", good, tg.table)
		}
	}
	if _, err := New(Config{Table: "x"}); err == nil {
		t.Error("nil DSN accepted")
	}
}

// DSNFromEnv reads the variable when the target is used; unset or blank,
// it names the variable, with a hint, and no value.
func TestDSNFromEnv(t *testing.T) {
	vars := map[string]string{}
	dsn := DSNFromEnv(func(k string) string { return vars[k] }, "APP_DSN")
	for _, v := range []string{"", "  "} {
		vars["APP_DSN"] = v
		if got, err := dsn(); err == nil || got != "" || err.Error() != "APP_DSN is not set" || !strings.Contains(hint.Of(err), "export APP_DSN with a postgres://") {
			t.Fatalf("%q: %q, %v (hint %q)", v, got, err, hint.Of(err))
		}
	}
	vars["APP_DSN"] = " postgres://app@db/app\n"
	if got, err := dsn(); err != nil || got != "postgres://app@db/app" {
		t.Fatalf("set: %q, %v", got, err)
	}
}
