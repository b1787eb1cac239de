// Package pgtarget syncs a managed key to a PostgreSQL table shaped like
// app_secrets(key, value, environment, project_id).
//
// # Writing
//
// With a unique key on (key, environment, project_id), Put is one upsert
// in a transaction:
//
//	INSERT … ON CONFLICT (key, environment, project_id) DO UPDATE SET value = EXCLUDED.value
//
// Without one (PostgreSQL answers 42P10), or when environment or
// project_id is not configured (NULLs never conflict), Put falls back to
// UPDATE-then-INSERT in one transaction: it takes a transaction-scoped
// advisory lock on the row's identity, locks existing rows with SELECT …
// FOR UPDATE, updates them (every duplicate) or inserts one. The advisory
// lock is what serialises two writers of a row that does not exist yet,
// which FOR UPDATE alone cannot lock.
//
// # Safety
//
// The table name is checked as an identifier (optionally schema-qualified)
// and quoted with [pgx.Identifier]; values are always parameters. Errors
// carry PostgreSQL's message and SQLSTATE, never its detail (which can
// quote a row), and never the value or the DSN's password.
package pgtarget

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/leakguard/leakguard/internal/hint"
	"github.com/leakguard/leakguard/remediate"
	"github.com/leakguard/leakguard/remediate/httpx"
	"github.com/leakguard/leakguard/secret"
)

// DefaultTable is the table written when none is configured.
const DefaultTable = "app_secrets"

var _ remediate.Target = (*Target)(nil)

// Config configures a [Target].
type Config struct {
	// Name is the target's name in the config.
	Name string
	// DSN returns the connection string; it is called for each
	// operation, so a missing variable is reported when the target is
	// used.
	DSN func() (string, error)
	// Table is the table, optionally schema.table (default app_secrets).
	Table string
	// Environment and ProjectID select the row; empty means NULL.
	Environment, ProjectID string
	// KeyName, when set, is the key written instead of the managed key's
	// name.
	KeyName string
}

// Target is a table of secrets.
type Target struct {
	cfg   Config
	table string // quoted
	// noUnique is set once the table turned out to lack the unique key.
	noUnique atomic.Bool
}

var ident = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`) })

// DSNFromEnv returns a [Config.DSN] that reads the variable name through
// getenv at call time: unset or blank is an error with a hint that names
// it (never a value).
func DSNFromEnv(getenv func(string) string, name string) func() (string, error) {
	return func() (string, error) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return "", hint.Errorf("export "+name+" with a postgres:// connection string", "%s is not set", name)
		}
		return v, nil
	}
}

// New checks cfg and returns the target.
func New(cfg Config) (*Target, error) {
	if cfg.DSN == nil {
		return nil, errors.New("no DSN configured (set dsn_env)")
	}
	if cfg.Table == "" {
		cfg.Table = DefaultTable
	}
	parts := strings.Split(cfg.Table, ".")
	if len(parts) > 2 {
		return nil, fmt.Errorf("table %q: want NAME or SCHEMA.NAME", cfg.Table)
	}
	for _, p := range parts {
		if !ident().MatchString(p) {
			return nil, fmt.Errorf("table %q: %q is not a plain identifier (letters, digits, _; at most 63)", cfg.Table, p)
		}
	}
	return &Target{cfg: cfg, table: pgx.Identifier(parts).Sanitize()}, nil
}

// Name is the target's name in the config.
func (t *Target) Name() string { return t.cfg.Name }

func (t *Target) keyName(key string) string {
	if t.cfg.KeyName != "" {
		return t.cfg.KeyName
	}
	return key
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// where names the row for errors.
func (t *Target) where(name string) string {
	s := fmt.Sprintf("postgres %s: key %s", t.cfg.Table, name)
	if t.cfg.Environment != "" {
		s += " environment " + t.cfg.Environment
	}
	if t.cfg.ProjectID != "" {
		s += " project " + t.cfg.ProjectID
	}
	return s
}

// connect opens a connection and returns the strings to scrub from
// errors (the DSN and its password).
func (t *Target) connect(ctx context.Context) (*pgx.Conn, []string, error) {
	dsn, err := t.cfg.DSN()
	if err != nil {
		return nil, nil, err
	}
	scrub := []string{dsn}
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, scrub, errors.New("the DSN does not parse (want postgres://user:password@host:port/db or key=value pairs)")
	}
	if pc.Password != "" {
		scrub = append(scrub, pc.Password)
	}
	conn, err := pgx.ConnectConfig(ctx, pc)
	if err != nil {
		return nil, scrub, err
	}
	return conn, scrub, nil
}

// Put writes value under key for the configured environment and project.
func (t *Target) Put(ctx context.Context, key string, value secret.Value) error {
	name := t.keyName(key)
	conn, scrub, err := t.connect(ctx)
	scrub = append(scrub, value.Reveal())
	if err != nil {
		return t.fail(name, err, scrub)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	env, proj := nullable(t.cfg.Environment), nullable(t.cfg.ProjectID)
	if env != nil && proj != nil && !t.noUnique.Load() {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO `+t.table+` (key, value, environment, project_id) VALUES ($1, $2, $3, $4)
ON CONFLICT (key, environment, project_id) DO UPDATE SET value = EXCLUDED.value`, name, value.Reveal(), env, proj)
			return err
		})
		if sqlState(err) != "42P10" { // no unique key matching the ON CONFLICT
			return t.fail(name, err, scrub)
		}
		t.noUnique.Store(true)
	}
	// No unique key to conflict on: UPDATE-then-INSERT under locks.
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, t.lockID(name)); err != nil {
			return err
		}
		const match = `key = $1 AND environment IS NOT DISTINCT FROM $2 AND project_id IS NOT DISTINCT FROM $3`
		rows, err := tx.Query(ctx, `SELECT 1 FROM `+t.table+` WHERE `+match+` FOR UPDATE`, name, env, proj)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if n > 0 {
			_, err = tx.Exec(ctx, `UPDATE `+t.table+` SET value = $4 WHERE `+match, name, env, proj, value.Reveal())
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO `+t.table+` (key, value, environment, project_id) VALUES ($1, $2, $3, $4)`, name, value.Reveal(), env, proj)
		}
		return err
	})
	return t.fail(name, err, scrub)
}

// Verify reads the row back and compares its value.
func (t *Target) Verify(ctx context.Context, key string, value secret.Value) error {
	name := t.keyName(key)
	conn, scrub, err := t.connect(ctx)
	scrub = append(scrub, value.Reveal())
	if err != nil {
		return t.fail(name, err, scrub)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, `SELECT value FROM `+t.table+` WHERE key = $1 AND environment IS NOT DISTINCT FROM $2 AND project_id IS NOT DISTINCT FROM $3`,
		name, nullable(t.cfg.Environment), nullable(t.cfg.ProjectID))
	if err != nil {
		return t.fail(name, err, scrub)
	}
	defer rows.Close()
	n, same := 0, true
	for rows.Next() {
		var got *string
		if err := rows.Scan(&got); err != nil {
			return t.fail(name, err, scrub)
		}
		n++
		if got == nil || subtle.ConstantTimeCompare([]byte(*got), []byte(value.Reveal())) != 1 {
			same = false
		}
	}
	if err := rows.Err(); err != nil {
		return t.fail(name, err, scrub)
	}
	switch {
	case n == 0:
		return fmt.Errorf("%s: %w", t.where(name), remediate.ErrMissing)
	case !same:
		return fmt.Errorf("%s: %w", t.where(name), remediate.ErrMismatch)
	}
	return nil
}

// lockID is the advisory lock of one row identity: a hash of the table,
// key, environment and project.
func (t *Target) lockID(name string) int64 {
	h := fnv.New64a()
	for _, s := range []string{t.table, name, t.cfg.Environment, t.cfg.ProjectID} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// Error is a database error with secrets removed. Its text is safe to
// print; the driver's error is not kept.
type Error struct {
	Where   string
	SQLCode string
	Msg     string
	ctxErr  error
}

func (e *Error) Error() string {
	s := e.Where + ": " + e.Msg
	if e.SQLCode != "" {
		s += " (SQLSTATE " + e.SQLCode + ")"
	}
	return s
}

// Hint says what to do about a missing table or privilege.
func (e *Error) Hint() string {
	switch e.SQLCode {
	case "42P01":
		return "create the table: CREATE TABLE app_secrets (key text NOT NULL, value text NOT NULL, environment text, project_id text, UNIQUE (key, environment, project_id))"
	case "42501":
		return "grant the role SELECT, INSERT and UPDATE on the table"
	}
	return ""
}

// Unwrap exposes only a context error (cancellation or deadline).
func (e *Error) Unwrap() error { return e.ctxErr }

func (t *Target) fail(name string, err error, scrub []string) error {
	if err == nil {
		return nil
	}
	e := &Error{Where: t.where(name)}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Never pe.Detail: it can quote the failing row.
		e.SQLCode, e.Msg = pe.Code, pe.Message
	} else {
		e.Msg = err.Error()
	}
	e.Msg = httpx.Scrub(e.Msg, scrub...)
	for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			e.ctxErr = c
		}
	}
	return e
}

var _ remediate.Identifier = (*Target)(nil)

// Identity is the server, database and user of the DSN (never its
// password), the table and the row's environment and project.
func (t *Target) Identity() string {
	server := "?"
	if t.cfg.DSN != nil {
		if dsn, err := t.cfg.DSN(); err == nil {
			if c, err := pgconn.ParseConfig(dsn); err == nil {
				server = fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
			}
		}
	}
	return fmt.Sprintf("postgres:%s/%s[%s/%s]#%s", server, t.cfg.Table, t.cfg.Environment, t.cfg.ProjectID, t.cfg.KeyName)
}
