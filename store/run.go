package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
)

// Run statuses.
const (
	StatusRunning     = "running"
	StatusComplete    = "complete"
	StatusFailed      = "failed"
	StatusInterrupted = "interrupted"
)

// batchSize is how many buffered commits a Run writes in one transaction.
const batchSize = 256

// RunInfo describes a run: what was analysed, how, and when. Repository,
// ToolVersion, RulesVersion and ConfigHash make the reuse key of the
// commits the run stores.
type RunInfo struct {
	// Repository is where the repository is: an absolute path or a URL.
	Repository   string
	Head         string
	Range        string
	CommandLine  string
	ToolVersion  string
	RulesVersion string
	ConfigHash   string
	KindsHash    string
	// Started is when the run began (now when zero); it is stored in UTC.
	Started time.Time
}

// Run is one study in progress: it records the commits the study covers,
// in order, and buffers its writes. A Run is not safe for concurrent use.
type Run struct {
	db     *DB
	id     int64
	repoID int64
	info   RunInfo

	pending []op
	// pendingPut holds the hashes of buffered Put and PutFiltered calls.
	pendingPut map[string]bool
	// ids caches the commit row id of hashes stored under the run's key.
	ids  map[string]int64
	done bool
}

type opKind uint8

const (
	opPut opKind = iota
	opFiltered
	opReuse
)

// op is one buffered write. A Put is serialised when it is called, so that
// later changes to the caller's Result do not reach the database.
type op struct {
	kind     opKind
	seq      int
	hash     string
	commitID int64 // opReuse: the row reused, 0 when it is in the same batch

	author, date, subject, message string
	verdict, tier                  string
	entities, result               []byte
	findings                       []findingRow
}

type findingRow struct {
	rule, verdict, entity, message string
	oldLoc, newLoc                 *classifiers.Loc
	closure                        []string
}

// BeginRun starts a run with status "running". Every other run of the same
// repository still marked "running" belongs to a process that is gone (one
// process writes at a time): it is marked "interrupted", and what it flushed
// stays available for reuse.
func (db *DB) BeginRun(ctx context.Context, info RunInfo) (*Run, error) {
	if info.Repository == "" {
		return nil, errors.New("begin run: no repository")
	}
	if info.Started.IsZero() {
		info.Started = time.Now()
	}
	info.Started = info.Started.UTC()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin run: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var repoID int64
	err = tx.QueryRowContext(ctx, `INSERT INTO repositories(location) VALUES (?)
		ON CONFLICT(location) DO UPDATE SET location = excluded.location RETURNING id`, info.Repository).Scan(&repoID)
	if err != nil {
		return nil, fmt.Errorf("begin run: record repository: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE runs SET status = 'interrupted' WHERE repository_id = ? AND status = 'running'`, repoID)
	if err != nil {
		return nil, fmt.Errorf("begin run: mark interrupted runs: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO runs(repository_id, started, status, head, "range", command_line,
		tool_version, rules_version, config_hash, kinds_hash) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)`,
		repoID, formatTime(info.Started), info.Head, info.Range, info.CommandLine,
		info.ToolVersion, info.RulesVersion, info.ConfigHash, info.KindsHash)
	if err != nil {
		return nil, fmt.Errorf("begin run: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, fmt.Errorf("begin run: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("begin run: %w", err)
	}
	return &Run{db: db, id: id, repoID: repoID, info: info, pendingPut: map[string]bool{}, ids: map[string]int64{}}, nil
}

// ID returns the run's id.
func (r *Run) ID() int64 { return r.id }

// Info returns what the run was begun with.
func (r *Run) Info() RunInfo { return r.info }

// keyArgs are the query arguments of the run's reuse key.
func (r *Run) keyArgs() []any {
	return []any{r.repoID, r.info.ToolVersion, r.info.RulesVersion, r.info.ConfigHash}
}

const keyWhere = `repository_id = ? AND tool_version = ? AND rules_version = ? AND config_hash = ?`

// Lookup returns the stored result of a commit under this run's key
// (repository, tool version, rules version, configuration hash); filtered
// reports a commit the path filter left out (res is then nil), and found is
// false when the commit is not stored. Lookup sees the run's own buffered
// writes: it flushes them first.
func (r *Run) Lookup(ctx context.Context, commit string) (res *analyzer.Result, filtered, found bool, err error) {
	if err := r.Flush(ctx); err != nil {
		return nil, false, false, err
	}
	var (
		id                        int64
		filt                      bool
		result, message, entities sql.NullString
	)
	err = r.db.sql.QueryRowContext(ctx, `SELECT id, filtered, result, message, entities FROM commits WHERE `+keyWhere+` AND hash = ?`,
		append(r.keyArgs(), commit)...).Scan(&id, &filt, &result, &message, &entities)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, false, nil
	}
	if err != nil {
		return nil, false, false, fmt.Errorf("look up commit %s: %w", commit, err)
	}
	r.ids[commit] = id
	if filt {
		return nil, true, true, nil
	}
	res, err = decodeResult(commit, result, message, entities)
	if err != nil {
		return nil, false, false, err
	}
	if len(res.Findings) > 0 {
		ends, err := queryEndLines(ctx, r.db.sql, `SELECT commit_id, seq, old_end_line, new_end_line FROM findings WHERE commit_id = ?`, id)
		if err != nil {
			return nil, false, false, fmt.Errorf("look up commit %s: %w", commit, err)
		}
		if err := ends.apply(id, res); err != nil {
			return nil, false, false, err
		}
	}
	return res, false, true, nil
}

// Known returns the set of commit hashes stored under this run's key,
// filtered ones included, in one query: the commits a study need not
// analyse again. Like Lookup, it flushes the run's buffered writes first.
func (r *Run) Known(ctx context.Context) (map[string]bool, error) {
	if err := r.Flush(ctx); err != nil {
		return nil, err
	}
	rows, err := r.db.sql.QueryContext(ctx, `SELECT hash, id FROM commits WHERE `+keyWhere, r.keyArgs()...)
	if err != nil {
		return nil, fmt.Errorf("known commits: %w", err)
	}
	defer rows.Close()
	known := map[string]bool{}
	for rows.Next() {
		var h string
		var id int64
		if err := rows.Scan(&h, &id); err != nil {
			return nil, fmt.Errorf("known commits: %w", err)
		}
		known[h] = true
		r.ids[h] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("known commits: %w", err)
	}
	return known, nil
}

// Put records a freshly analysed result under the run's key (replacing a
// result stored before under the same key) and links it to the run at
// position seq of its commit list. The result is copied: changing it after
// Put does not change what is stored. Writes are buffered; they reach the
// database every batchSize commits, on Flush, Lookup, Known and Finish.
// A filtered commit has no result: record it with PutFiltered.
func (r *Run) Put(ctx context.Context, seq int, res *analyzer.Result) error {
	if res == nil {
		return errors.New("put: nil result (record a filtered commit with PutFiltered)")
	}
	if err := r.check(seq, res.Commit); err != nil {
		return fmt.Errorf("put: %w", err)
	}
	o, err := encodeResult(res)
	if err != nil {
		return fmt.Errorf("put commit %s: %w", res.Commit, err)
	}
	o.kind, o.seq = opPut, seq
	return r.add(ctx, o)
}

// PutFiltered records a commit the path filter left out, under the run's
// key, at position seq of the run.
func (r *Run) PutFiltered(ctx context.Context, seq int, commit string) error {
	if err := r.check(seq, commit); err != nil {
		return fmt.Errorf("put filtered: %w", err)
	}
	return r.add(ctx, op{kind: opFiltered, seq: seq, hash: commit})
}

// Reuse links a commit already stored under the run's key (Known, Lookup)
// to the run at position seq. It fails at once when there is no such
// commit.
func (r *Run) Reuse(ctx context.Context, seq int, commit string) error {
	if err := r.check(seq, commit); err != nil {
		return fmt.Errorf("reuse: %w", err)
	}
	o := op{kind: opReuse, seq: seq, hash: commit}
	if !r.pendingPut[commit] {
		id, ok := r.ids[commit]
		if !ok {
			err := r.db.sql.QueryRowContext(ctx, `SELECT id FROM commits WHERE `+keyWhere+` AND hash = ?`,
				append(r.keyArgs(), commit)...).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("reuse commit %s: not stored under this run's key", commit)
			}
			if err != nil {
				return fmt.Errorf("reuse commit %s: %w", commit, err)
			}
			r.ids[commit] = id
		}
		o.commitID = id
	}
	return r.add(ctx, o)
}

func (r *Run) check(seq int, commit string) error {
	switch {
	case r.done:
		return fmt.Errorf("run %d is finished", r.id)
	case commit == "":
		return errors.New("no commit hash")
	case seq < 0:
		return fmt.Errorf("commit %s: negative position %d", commit, seq)
	}
	return nil
}

func (r *Run) add(ctx context.Context, o op) error {
	r.pending = append(r.pending, o)
	if o.kind != opReuse {
		r.pendingPut[o.hash] = true
	}
	if len(r.pending) >= batchSize {
		return r.Flush(ctx)
	}
	return nil
}

// Flush writes the buffered commits in one transaction. When it fails,
// nothing of the batch is written and the batch stays buffered.
func (r *Run) Flush(ctx context.Context) error {
	if len(r.pending) == 0 {
		return nil
	}
	ids, err := r.write(ctx)
	if err != nil {
		return fmt.Errorf("run %d: write %d commits: %w", r.id, len(r.pending), err)
	}
	for h, id := range ids {
		r.ids[h] = id
	}
	r.pending = r.pending[:0]
	clear(r.pendingPut)
	return nil
}

// write runs one batch transaction and returns the row ids of the commits
// it stored.
func (r *Run) write(ctx context.Context) (map[string]int64, error) {
	tx, err := r.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	prep := func(q string) (*sql.Stmt, error) { return tx.PrepareContext(ctx, q) }
	upsert, err := prep(`INSERT INTO commits(repository_id, tool_version, rules_version, config_hash, hash,
		author, date, subject, message, verdict, tier, filtered, entities, result)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(repository_id, tool_version, rules_version, config_hash, hash) DO UPDATE SET
		author = excluded.author, date = excluded.date, subject = excluded.subject, message = excluded.message,
		verdict = excluded.verdict, tier = excluded.tier, filtered = excluded.filtered,
		entities = excluded.entities, result = excluded.result
		RETURNING id`)
	if err != nil {
		return nil, err
	}
	defer upsert.Close()
	clearFindings, err := prep(`DELETE FROM findings WHERE commit_id = ?`)
	if err != nil {
		return nil, err
	}
	defer clearFindings.Close()
	insFinding, err := prep(`INSERT INTO findings(commit_id, seq, rule, verdict, entity,
		old_file, old_line, old_end_line, new_file, new_line, new_end_line, message)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	defer insFinding.Close()
	insClosure, err := prep(`INSERT INTO closures(finding_id, member) VALUES (?, ?)`)
	if err != nil {
		return nil, err
	}
	defer insClosure.Close()
	link, err := prep(`INSERT INTO run_commits(run_id, commit_id, seq) VALUES (?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	defer link.Close()

	ids := map[string]int64{}
	analysed, reused := 0, 0
	for i := range r.pending {
		o := &r.pending[i]
		var id int64
		switch o.kind {
		case opReuse:
			reused++
			id = o.commitID
			if id == 0 {
				id = ids[o.hash]
			}
			if id == 0 {
				return nil, fmt.Errorf("reuse commit %s: not stored under this run's key", o.hash)
			}
		default:
			analysed++
			if id, err = r.writeCommit(ctx, o, upsert, clearFindings, insFinding, insClosure); err != nil {
				return nil, fmt.Errorf("commit %s: %w", o.hash, err)
			}
			ids[o.hash] = id
		}
		if _, err := link.ExecContext(ctx, r.id, id, o.seq); err != nil {
			return nil, fmt.Errorf("link commit %s at position %d: %w", o.hash, o.seq, err)
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE runs SET analysed = analysed + ?, reused = reused + ? WHERE id = ?`, analysed, reused, r.id)
	if err != nil {
		return nil, fmt.Errorf("count: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return ids, nil
}

func (r *Run) writeCommit(ctx context.Context, o *op, upsert, clearFindings, insFinding, insClosure *sql.Stmt) (int64, error) {
	var id int64
	filtered := o.kind == opFiltered
	err := upsert.QueryRowContext(ctx, r.repoID, r.info.ToolVersion, r.info.RulesVersion, r.info.ConfigHash, o.hash,
		nullString(o.author, filtered), nullString(o.date, filtered), nullString(o.subject, filtered),
		nullString(o.message, filtered), nullString(o.verdict, filtered), nullString(o.tier, filtered),
		filtered, nullBytes(o.entities), nullBytes(o.result)).Scan(&id)
	if err != nil {
		return 0, err
	}
	if _, err := clearFindings.ExecContext(ctx, id); err != nil {
		return 0, fmt.Errorf("replace findings: %w", err)
	}
	for seq, f := range o.findings {
		of, ol, oe := locArgs(f.oldLoc)
		nf, nl, ne := locArgs(f.newLoc)
		res, err := insFinding.ExecContext(ctx, id, seq, f.rule, f.verdict, f.entity, of, ol, oe, nf, nl, ne, f.message)
		if err != nil {
			return 0, fmt.Errorf("finding %d: %w", seq, err)
		}
		if len(f.closure) == 0 {
			continue
		}
		fid, err := res.LastInsertId()
		if err != nil {
			return 0, fmt.Errorf("finding %d: %w", seq, err)
		}
		for _, m := range f.closure {
			if _, err := insClosure.ExecContext(ctx, fid, m); err != nil {
				return 0, fmt.Errorf("finding %d closure: %w", seq, err)
			}
		}
	}
	return id, nil
}

// Finish flushes the run's buffered writes and records its end: the time,
// the status ("complete", "failed" or "interrupted") and info, an opaque
// JSON document the caller renders reports from (nil for none). When the
// flush fails the run is recorded as "failed" and the error returned. A
// finished run takes no more writes.
func (r *Run) Finish(ctx context.Context, status string, info json.RawMessage) error {
	if r.done {
		return fmt.Errorf("finish run %d: already finished", r.id)
	}
	switch status {
	case StatusComplete, StatusFailed, StatusInterrupted:
	default:
		return fmt.Errorf("finish run %d: bad status %q (want complete, failed or interrupted)", r.id, status)
	}
	var infoArg any
	if len(info) > 0 {
		if !json.Valid(info) {
			return fmt.Errorf("finish run %d: info is not valid JSON", r.id)
		}
		infoArg = string(info)
	}
	flushErr := r.Flush(ctx)
	if flushErr != nil {
		status = StatusFailed
	}
	_, err := r.db.sql.ExecContext(ctx, `UPDATE runs SET finished = ?, status = ?, info = ? WHERE id = ?`,
		formatTime(time.Now()), status, infoArg, r.id)
	if err != nil {
		return errors.Join(flushErr, fmt.Errorf("finish run %d: %w", r.id, err))
	}
	r.done = true
	return flushErr
}

// encodeResult serialises a result into a buffered write.
func encodeResult(res *analyzer.Result) (op, error) {
	o := op{
		hash: res.Commit, author: res.Author, date: formatTime(res.Date), subject: res.Subject,
		message: res.Message, verdict: res.Verdict.String(), tier: res.Tier.String(),
	}
	var err error
	if o.result, err = json.Marshal(res); err != nil {
		return op{}, fmt.Errorf("encode result: %w", err)
	}
	if res.Entities != nil {
		if o.entities, err = json.Marshal(res.Entities); err != nil {
			return op{}, fmt.Errorf("encode entities: %w", err)
		}
	}
	o.findings = make([]findingRow, len(res.Findings))
	for i, f := range res.Findings {
		o.findings[i] = findingRow{
			rule: f.Rule, verdict: f.Verdict.String(), entity: f.Entity, message: f.Message,
			oldLoc: copyLoc(f.Old), newLoc: copyLoc(f.New), closure: slices.Clone(f.Closure),
		}
	}
	return o, nil
}

func copyLoc(l *classifiers.Loc) *classifiers.Loc {
	if l == nil {
		return nil
	}
	c := *l
	return &c
}

func locArgs(l *classifiers.Loc) (file, line, end any) {
	if l == nil {
		return nil, nil, nil
	}
	return l.File, l.Line, l.EndLine
}

func nullString(s string, null bool) any {
	if null {
		return nil
	}
	return s
}

func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// Stored returns, in two queries, the results stored under this run's key
// for the commits asked for: results by hash, and the set of those the
// path filter left out. Commits not stored are in neither. It flushes the
// run's buffered writes first.
func (r *Run) Stored(ctx context.Context, commits []string) (map[string]*analyzer.Result, map[string]bool, error) {
	if err := r.Flush(ctx); err != nil {
		return nil, nil, err
	}
	want := make(map[string]bool, len(commits))
	for _, c := range commits {
		want[c] = true
	}
	rows, err := r.db.sql.QueryContext(ctx, `SELECT id, hash, filtered, result, message, entities FROM commits WHERE `+keyWhere, r.keyArgs()...)
	if err != nil {
		return nil, nil, fmt.Errorf("stored commits: %w", err)
	}
	defer rows.Close()
	results := map[string]*analyzer.Result{}
	filtered := map[string]bool{}
	byID := map[int64]*analyzer.Result{}
	for rows.Next() {
		var (
			id                        int64
			hash                      string
			filt                      bool
			result, message, entities sql.NullString
		)
		if err := rows.Scan(&id, &hash, &filt, &result, &message, &entities); err != nil {
			return nil, nil, fmt.Errorf("stored commits: %w", err)
		}
		if !want[hash] {
			continue
		}
		r.ids[hash] = id
		if filt {
			filtered[hash] = true
			continue
		}
		res, err := decodeResult(hash, result, message, entities)
		if err != nil {
			return nil, nil, err
		}
		results[hash] = res
		if len(res.Findings) > 0 {
			byID[id] = res
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("stored commits: %w", err)
	}
	rows.Close()
	if len(byID) == 0 {
		return results, filtered, nil
	}
	ends, err := queryEndLinesArgs(ctx, r.db.sql, `SELECT f.commit_id, f.seq, f.old_end_line, f.new_end_line FROM findings f JOIN commits c ON c.id = f.commit_id
		WHERE c.repository_id = ? AND c.tool_version = ? AND c.rules_version = ? AND c.config_hash = ?`, r.keyArgs()...)
	if err != nil {
		return nil, nil, fmt.Errorf("stored commits: %w", err)
	}
	for id, res := range byID {
		if err := ends.apply(id, res); err != nil {
			return nil, nil, err
		}
	}
	return results, filtered, nil
}
