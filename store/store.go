// Package store keeps the results of `dynupd-analyze study` in one embedded
// SQLite file, so that a second study of the same repository analyses only
// the commits it has not seen under the same analysis key (repository, tool
// version, rules version, configuration hash), and so that a report can be
// re-rendered, or queried with SQL, from a run alone.
//
// A run records, in order, the commits it covered: freshly analysed ones
// (Put, PutFiltered) and ones reused from earlier runs (Reuse). Writes are
// buffered and committed in batches; a batch is one transaction, so a crash
// loses at most the batch under way and never leaves a commit half written.
// A run left "running" by a process that died is marked "interrupted" by the
// next BeginRun for the same repository, and what it flushed is reused.
//
// The layout is documented, with example queries, in docs/store.md.
//
// A DB may be shared between goroutines only for reading (Runs, LastRun,
// Results); a Run must be used from one goroutine at a time, and one process
// at a time should write to a file (a second writer waits for the lock up to
// the busy timeout, then fails). Concurrent writers are not supported.
package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// busyTimeout is how long a statement waits for another connection's lock.
const busyTimeout = 10 * time.Second

// sqliteHeader opens every SQLite 3 database file.
const sqliteHeader = "SQLite format 3\x00"

// timeLayout is how times are stored: UTC, fixed width (so that text order
// is time order), and understood by SQLite's date functions.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// ErrNoRun is returned (wrapped) when a run asked for is not in the database.
var ErrNoRun = errors.New("no such run")

// DB is an open results database.
type DB struct {
	sql  *sql.DB
	path string
}

// Open opens the results database at path, creating it when the file does
// not exist or is empty, and migrating an older layout to SchemaVersion. It
// refuses a file that is not a SQLite database, a SQLite database that is
// not a results database, and a results database of a newer schema version.
// The connection runs in WAL journal mode with foreign keys enforced and a
// busy timeout.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	dsn, err := dsnFor(path)
	if err != nil {
		return nil, fmt.Errorf("results database %s: %w", path, err)
	}
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("results database %s: %w", path, err)
	}
	// One connection: one writer, and every pragma applies to it.
	sdb.SetMaxOpenConns(1)
	sdb.SetMaxIdleConns(1)
	sdb.SetConnMaxLifetime(0)
	sdb.SetConnMaxIdleTime(0)
	db := &DB{sql: sdb, path: path}
	if err := db.init(ctx); err != nil {
		_ = sdb.Close()
		return nil, fmt.Errorf("results database %s: %w", path, err)
	}
	return db, nil
}

// Close closes the database. Writes a Run has buffered and not flushed are
// lost, as they would be in a crash.
func (db *DB) Close() error {
	if err := db.sql.Close(); err != nil {
		return fmt.Errorf("close results database %s: %w", db.path, err)
	}
	return nil
}

// Path returns the file the database was opened from.
func (db *DB) Path() string { return db.path }

// checkHeader fails for an existing, non-empty file that does not start
// like a SQLite database, before SQLite is asked to open it.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("results database: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("results database: %w", err)
	}
	if st.IsDir() {
		return fmt.Errorf("results database %s: is a directory", path)
	}
	if st.Size() == 0 {
		return nil
	}
	head := make([]byte, len(sqliteHeader))
	if _, err := io.ReadFull(f, head); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("results database %s: %w", path, err)
	}
	if !bytes.Equal(head, []byte(sqliteHeader)) {
		return fmt.Errorf("results database %s: not a SQLite database", path)
	}
	return nil
}

// dsnFor builds the driver's URI for path: escaped, so that a '?' or '#' in
// a file name is not taken for a parameter, with the connection pragmas.
func dsnFor(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	// In WAL mode NORMAL keeps the file consistent through any crash; a
	// power loss may lose the last committed batches, never half of one.
	q.Add("_pragma", "synchronous(NORMAL)")
	// BEGIN IMMEDIATE: take the write lock when a batch starts, so two
	// writers wait for each other instead of failing to upgrade a lock.
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String(), nil
}

// init checks the connection's settings and creates or migrates the schema.
func (db *DB) init(ctx context.Context) error {
	var mode string
	if err := db.sql.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin schema check: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	version, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	switch {
	case version > SchemaVersion:
		return fmt.Errorf("schema version %d is newer than this tool's %d: use a newer dynupd-analyze", version, SchemaVersion)
	case version == SchemaVersion:
		return nil
	}
	if err := migrate(ctx, tx, version); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit schema: %w", err)
	}
	return nil
}

// schemaVersion returns the file's schema version, 0 for a new (empty)
// database; it fails for a database with tables but no meta table.
func schemaVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var tables, metas int
	err := tx.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE name = 'meta')
		FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(&tables, &metas)
	if err != nil {
		return 0, fmt.Errorf("read schema: %w", err)
	}
	if metas == 0 {
		if tables > 0 {
			return 0, errors.New("not a dynupd-analyze results database (it has tables but no meta table)")
		}
		return 0, nil
	}
	var v string
	err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errors.New("not a dynupd-analyze results database (no schema_version in meta)")
	}
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("bad schema_version %q in meta", v)
	}
	return n, nil
}

// migrate brings the schema from version from up to SchemaVersion. A new
// migration adds a case that upgrades from its predecessor and falls
// through to the next.
func migrate(ctx context.Context, tx *sql.Tx, from int) error {
	switch from {
	case 0:
		if _, err := tx.ExecContext(ctx, schemaV1); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	default:
		return fmt.Errorf("no migration from schema version %d", from)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES ('schema_version', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, strconv.Itoa(SchemaVersion))
	if err != nil {
		return fmt.Errorf("record schema version: %w", err)
	}
	return nil
}

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad time %q: %w", s, err)
	}
	return t.UTC(), nil
}
