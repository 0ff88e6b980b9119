package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
)

// RunRecord is a stored run.
type RunRecord struct {
	ID int64
	RunInfo
	// Finished is when the run ended; zero while it runs and for a run
	// found interrupted.
	Finished time.Time
	Status   string
	// Analysed counts the commits the run analysed itself (filtered ones
	// included), Reused those it took from earlier runs; both count only
	// what was flushed.
	Analysed, Reused int
	// Info is the JSON document given to Finish, nil when none was.
	Info json.RawMessage
}

const runColumns = `r.id, p.location, r.head, r."range", r.command_line, r.tool_version, r.rules_version,
	r.config_hash, r.kinds_hash, r.started, r.finished, r.status, r.analysed, r.reused, r.info
	FROM runs r JOIN repositories p ON p.id = r.repository_id`

// Runs returns every run, newest (most recently begun) first.
func (db *DB) Runs(ctx context.Context) ([]RunRecord, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+runColumns+` ORDER BY r.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var runs []RunRecord
	for rows.Next() {
		rec, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		runs = append(runs, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

// LastRun returns the newest run with the given status, or the newest run
// at all when status is "". It fails with an error wrapping ErrNoRun when
// there is none.
func (db *DB) LastRun(ctx context.Context, status string) (RunRecord, error) {
	switch status {
	case "", StatusRunning, StatusComplete, StatusFailed, StatusInterrupted:
	default:
		return RunRecord{}, fmt.Errorf("last run: bad status %q", status)
	}
	rec, err := scanRun(db.sql.QueryRowContext(ctx, `SELECT `+runColumns+`
		WHERE ?1 = '' OR r.status = ?1 ORDER BY r.id DESC LIMIT 1`, status))
	if errors.Is(err, sql.ErrNoRows) {
		what := "run"
		if status != "" {
			what = status + " run"
		}
		return RunRecord{}, fmt.Errorf("no %s in %s: %w", what, db.path, ErrNoRun)
	}
	if err != nil {
		return RunRecord{}, fmt.Errorf("last run: %w", err)
	}
	return rec, nil
}

// Run returns the run with the given id; the error wraps ErrNoRun when
// there is none.
func (db *DB) Run(ctx context.Context, id int64) (RunRecord, error) {
	rec, err := scanRun(db.sql.QueryRowContext(ctx, `SELECT `+runColumns+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return RunRecord{}, fmt.Errorf("run %d in %s: %w", id, db.path, ErrNoRun)
	}
	if err != nil {
		return RunRecord{}, fmt.Errorf("run %d: %w", id, err)
	}
	return rec, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanRun(s scanner) (RunRecord, error) {
	var (
		rec              RunRecord
		started          string
		finished, info   sql.NullString
		analysed, reused int64
	)
	err := s.Scan(&rec.ID, &rec.Repository, &rec.Head, &rec.Range, &rec.CommandLine, &rec.ToolVersion, &rec.RulesVersion,
		&rec.ConfigHash, &rec.KindsHash, &started, &finished, &rec.Status, &analysed, &reused, &info)
	if err != nil {
		return RunRecord{}, err
	}
	rec.Analysed, rec.Reused = int(analysed), int(reused)
	if rec.Started, err = parseTime(started); err != nil {
		return RunRecord{}, fmt.Errorf("run %d: started: %w", rec.ID, err)
	}
	if finished.Valid {
		if rec.Finished, err = parseTime(finished.String); err != nil {
			return RunRecord{}, fmt.Errorf("run %d: finished: %w", rec.ID, err)
		}
	}
	if info.Valid {
		rec.Info = json.RawMessage(info.String)
	}
	return rec, nil
}

// Results returns the results a run covered, in the order of its commit
// list, leaving out the commits the path filter left out. Writes the run
// has buffered and not flushed are not seen.
func (db *DB) Results(ctx context.Context, runID int64) ([]*analyzer.Result, error) {
	if _, err := db.Run(ctx, runID); err != nil {
		return nil, err
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT c.id, c.hash, c.result, c.message, c.entities
		FROM run_commits rc JOIN commits c ON c.id = rc.commit_id
		WHERE rc.run_id = ? AND c.filtered = 0 ORDER BY rc.seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("results of run %d: %w", runID, err)
	}
	defer rows.Close()
	var results []*analyzer.Result
	byID := map[int64][]*analyzer.Result{}
	withFindings := false
	for rows.Next() {
		var (
			id                        int64
			hash                      string
			result, message, entities sql.NullString
		)
		if err := rows.Scan(&id, &hash, &result, &message, &entities); err != nil {
			return nil, fmt.Errorf("results of run %d: %w", runID, err)
		}
		res, err := decodeResult(hash, result, message, entities)
		if err != nil {
			return nil, fmt.Errorf("results of run %d: %w", runID, err)
		}
		results = append(results, res)
		byID[id] = append(byID[id], res)
		withFindings = withFindings || len(res.Findings) > 0
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("results of run %d: %w", runID, err)
	}
	rows.Close()
	if !withFindings {
		return results, nil
	}
	ends, err := queryEndLines(ctx, db.sql, `SELECT DISTINCT f.commit_id, f.seq, f.old_end_line, f.new_end_line
		FROM run_commits rc JOIN findings f ON f.commit_id = rc.commit_id WHERE rc.run_id = ?`, runID)
	if err != nil {
		return nil, fmt.Errorf("results of run %d: %w", runID, err)
	}
	for id, rs := range byID {
		for _, res := range rs {
			if err := ends.apply(id, res); err != nil {
				return nil, fmt.Errorf("results of run %d: %w", runID, err)
			}
		}
	}
	return results, nil
}

// decodeResult restores a result from its stored columns.
func decodeResult(hash string, result, message, entities sql.NullString) (*analyzer.Result, error) {
	if !result.Valid {
		return nil, fmt.Errorf("commit %s: no stored result", hash)
	}
	res := &analyzer.Result{}
	// The JSON contract encodes the tier by name, and classifiers.Tier
	// has no decoder: shadow the field with one.
	aux := struct {
		*analyzer.Result
		Tier tierName `json:"tier"`
	}{Result: res}
	if err := json.Unmarshal([]byte(result.String), &aux); err != nil {
		return nil, fmt.Errorf("commit %s: decode result: %w", hash, err)
	}
	res.Tier = classifiers.Tier(aux.Tier)
	res.Message = message.String
	if entities.Valid {
		if err := json.Unmarshal([]byte(entities.String), &res.Entities); err != nil {
			return nil, fmt.Errorf("commit %s: decode entities: %w", hash, err)
		}
	}
	return res, nil
}

// tierName decodes a tier by the name classifiers.Tier.String gives it.
type tierName classifiers.Tier

func (t *tierName) UnmarshalText(b []byte) error {
	for _, c := range []classifiers.Tier{classifiers.T0, classifiers.T1, classifiers.T2, classifiers.TierNone} {
		if c.String() == string(b) {
			*t = tierName(c)
			return nil
		}
	}
	return fmt.Errorf("unknown tier %q", b)
}

// endLines holds the end lines of findings' locations, which the JSON
// contract ("file:line") does not carry, by commit row id and position.
type endLines map[int64]map[int][2]sql.NullInt64

func queryEndLines(ctx context.Context, db *sql.DB, query string, arg any) (endLines, error) {
	return queryEndLinesArgs(ctx, db, query, arg)
}

func queryEndLinesArgs(ctx context.Context, db *sql.DB, query string, args ...any) (endLines, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("finding end lines: %w", err)
	}
	defer rows.Close()
	ends := endLines{}
	for rows.Next() {
		var (
			id             int64
			seq            int
			oldEnd, newEnd sql.NullInt64
		)
		if err := rows.Scan(&id, &seq, &oldEnd, &newEnd); err != nil {
			return nil, fmt.Errorf("finding end lines: %w", err)
		}
		if ends[id] == nil {
			ends[id] = map[int][2]sql.NullInt64{}
		}
		ends[id][seq] = [2]sql.NullInt64{oldEnd, newEnd}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("finding end lines: %w", err)
	}
	return ends, nil
}

// apply sets the end lines of res's findings from the commit row id's.
func (e endLines) apply(id int64, res *analyzer.Result) error {
	byseq := e[id]
	if len(byseq) != len(res.Findings) {
		return fmt.Errorf("commit %s: %d findings in its result, %d in the findings table", res.Commit, len(res.Findings), len(byseq))
	}
	for i := range res.Findings {
		f := &res.Findings[i]
		ends, ok := byseq[i]
		if !ok {
			return fmt.Errorf("commit %s: finding %d missing from the findings table", res.Commit, i)
		}
		if f.Old != nil && ends[0].Valid {
			f.Old.EndLine = int(ends[0].Int64)
		}
		if f.New != nil && ends[1].Valid {
			f.New.EndLine = int(ends[1].Int64)
		}
	}
	return nil
}
