package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dynupd/dynupd-analyze/analyzer"
	"github.com/dynupd/dynupd-analyze/classifiers"
)

func hashOf(i int) string { return fmt.Sprintf("%040x", i+1) }

// sample returns a result with every stored field set, findings with and
// without locations, closures, and end lines that differ from the start.
func sample(i int) *analyzer.Result {
	zone := time.FixedZone("", (i%5-2)*3600)
	v := classifiers.Verdicts[i%len(classifiers.Verdicts)]
	r := &analyzer.Result{
		Commit:  hashOf(i),
		Parents: []string{hashOf(i + 1000)},
		Author:  fmt.Sprintf("Author %d <a%d@example.org>", i, i),
		Date:    time.Date(2015+i%8, time.Month(1+i%12), 1+i%28, 10, i%60, 7, 0, zone),
		Subject: fmt.Sprintf("change %d", i),
		Kind:    "fix",
		Verdict: v,
		Tier:    classifiers.TierOf(v),
		Findings: []classifiers.Finding{
			{Rule: "C-SIG-INTERNAL", Verdict: classifiers.InterfaceInternal, Entity: "func helper",
				Old: &classifiers.Loc{File: "src/a.c", Line: 10, EndLine: 20}, New: &classifiers.Loc{File: "src/a.c", Line: 12, EndLine: 25},
				Message: "signature changed", Closure: []string{"src/a.c:helper", fmt.Sprintf("src/b.c:caller%d", i%3)}},
			{Rule: "C-FUNC-ADDED", Verdict: classifiers.LivePatchable, Entity: "func added",
				New: &classifiers.Loc{File: "src/new.c", Line: 3, EndLine: 0}, Message: "added"},
			{Rule: "C-FUNC-REMOVED", Verdict: classifiers.LivePatchable, Entity: "func gone",
				Old: &classifiers.Loc{File: "src/old:odd.c", Line: 7, EndLine: 9}, Message: "removed"},
			{Rule: "C-BUILD", Verdict: v, Entity: "Makefile", Message: "whole file"},
		},
		Files:    []analyzer.FileResult{{Path: "src/a.c", Status: "modified", Kind: "c", Verdict: v}, {Path: "src/new.c", OldPath: "src/old.c", Status: "renamed", Kind: "c"}},
		Skipped:  []analyzer.SkippedFile{{Path: "big.c", Reason: "too big"}},
		Message:  fmt.Sprintf("change %d\n\nA body with \"quotes\", ünïcode and\ttabs.\n", i),
		Entities: map[string]analyzer.EntityCount{"func": {Added: 1, Removed: 1, Changed: i}, "macro": {}},
	}
	if i%4 == 3 {
		r.Findings, r.Entities, r.Parents = nil, nil, nil
		r.Analysis, r.AnalysisNote = "syntactic", "a note"
	}
	return r
}

// assertSame fails unless got restores want: the same JSON, Message,
// Entities and findings (end lines included).
func assertSame(t *testing.T, want, got *analyzer.Result) {
	t.Helper()
	if got == nil {
		t.Fatalf("commit %s: no result", want.Commit)
	}
	wj, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	gj, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(wj) != string(gj) {
		t.Errorf("commit %s: JSON differs\nwant %s\ngot  %s", want.Commit, wj, gj)
	}
	if got.Message != want.Message {
		t.Errorf("commit %s: message %q, want %q", want.Commit, got.Message, want.Message)
	}
	if !reflect.DeepEqual(got.Entities, want.Entities) {
		t.Errorf("commit %s: entities %#v, want %#v", want.Commit, got.Entities, want.Entities)
	}
	if !reflect.DeepEqual(got.Findings, want.Findings) {
		t.Errorf("commit %s: findings %+v, want %+v", want.Commit, got.Findings, want.Findings)
	}
	if got.Tier != want.Tier || got.Verdict != want.Verdict || !got.Date.Equal(want.Date) {
		t.Errorf("commit %s: got %v/%v/%v, want %v/%v/%v", want.Commit, got.Verdict, got.Tier, got.Date, want.Verdict, want.Tier, want.Date)
	}
}

func info(repo, config string) RunInfo {
	return RunInfo{Repository: repo, Head: hashOf(0), Range: "HEAD", CommandLine: "dynupd-analyze study",
		ToolVersion: "0.1.0", RulesVersion: "2026.11.1", ConfigHash: config, KindsHash: "k1",
		Started: time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)}
}

func open(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func begin(t testing.TB, db *DB, ri RunInfo) *Run {
	t.Helper()
	r, err := db.BeginRun(context.Background(), ri)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "study.db")
	db := open(t, path)
	run := begin(t, db, info("/src/repo", "c1"))
	var want []*analyzer.Result
	for i := range 8 {
		r := sample(i)
		want = append(want, r)
		must(t, run.Put(ctx, i, r))
	}
	for i := range 8 {
		res, filtered, found, err := run.Lookup(ctx, hashOf(i))
		must(t, err)
		if !found || filtered {
			t.Fatalf("commit %d: found %v filtered %v", i, found, filtered)
		}
		assertSame(t, want[i], res)
	}
	// Changing a result after Put does not change what is stored.
	want[0].Findings[0].Closure[0] = "changed"
	want[0].Message = "changed"
	res, _, _, err := run.Lookup(ctx, hashOf(0))
	must(t, err)
	if res.Message == "changed" || res.Findings[0].Closure[0] == "changed" {
		t.Error("Put kept a reference to the caller's result")
	}
	infoJSON := json.RawMessage(`{"meta":{"range":"HEAD"},"excluded":{"merges":3}}`)
	must(t, run.Finish(ctx, StatusComplete, infoJSON))
	must(t, db.Close())

	db = open(t, path)
	got, err := db.Results(ctx, run.ID())
	must(t, err)
	if len(got) != 8 {
		t.Fatalf("%d results, want 8", len(got))
	}
	for i := range 8 {
		assertSame(t, sample(i), got[i])
	}
	rec, err := db.LastRun(ctx, StatusComplete)
	must(t, err)
	wantInfo := info("/src/repo", "c1")
	if rec.ID != run.ID() || rec.RunInfo != wantInfo || rec.Status != StatusComplete || rec.Analysed != 8 || rec.Reused != 0 {
		t.Errorf("run record %+v", rec)
	}
	if rec.Finished.IsZero() || string(rec.Info) != string(infoJSON) {
		t.Errorf("finished %v info %s", rec.Finished, rec.Info)
	}
}

func TestResultsInSeqOrderWithoutFiltered(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "study.db"))
	run := begin(t, db, info("/src/repo", "c1"))
	// Recorded out of order, as parallel workers might deliver them.
	for _, i := range []int{5, 2, 0, 4, 1, 3} {
		if i == 2 {
			must(t, run.PutFiltered(ctx, i, hashOf(i)))
			continue
		}
		must(t, run.Put(ctx, i, sample(i)))
	}
	must(t, run.Finish(ctx, StatusComplete, nil))
	got, err := db.Results(ctx, run.ID())
	must(t, err)
	var hashes []string
	for _, r := range got {
		hashes = append(hashes, r.Commit)
	}
	want := []string{hashOf(0), hashOf(1), hashOf(3), hashOf(4), hashOf(5)}
	if !reflect.DeepEqual(hashes, want) {
		t.Errorf("results %v, want %v", hashes, want)
	}
	rec, err := db.Run(ctx, run.ID())
	must(t, err)
	if rec.Info != nil || rec.Analysed != 6 {
		t.Errorf("record %+v", rec)
	}
	if _, err := db.Results(ctx, 999); !errors.Is(err, ErrNoRun) {
		t.Errorf("Results of a missing run: %v", err)
	}
}

func TestLookupFiltered(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "study.db"))
	run := begin(t, db, info("/src/repo", "c1"))
	must(t, run.PutFiltered(ctx, 0, hashOf(0)))
	must(t, run.Put(ctx, 1, sample(1)))
	res, filtered, found, err := run.Lookup(ctx, hashOf(0))
	if err != nil || res != nil || !filtered || !found {
		t.Errorf("filtered commit: %v %v %v %v", res, filtered, found, err)
	}
	res, filtered, found, err = run.Lookup(ctx, hashOf(7))
	if err != nil || res != nil || filtered || found {
		t.Errorf("absent commit: %v %v %v %v", res, filtered, found, err)
	}
	known, err := run.Known(ctx)
	must(t, err)
	if !reflect.DeepEqual(known, map[string]bool{hashOf(0): true, hashOf(1): true}) {
		t.Errorf("known %v", known)
	}
}

func TestReuseKeySeparation(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "study.db"))
	first := begin(t, db, info("/src/repo", "c1"))
	must(t, first.Put(ctx, 0, sample(0)))
	must(t, first.PutFiltered(ctx, 1, hashOf(1)))
	must(t, first.Finish(ctx, StatusComplete, nil))

	other := map[string]RunInfo{}
	ri := info("/src/repo", "c2")
	other["config hash"] = ri
	ri = info("/src/repo", "c1")
	ri.ToolVersion = "0.2.0"
	other["tool version"] = ri
	ri = info("/src/repo", "c1")
	ri.RulesVersion = "2027.1.1"
	other["rules version"] = ri
	other["repository"] = info("https://example.org/repo.git", "c1")
	for name, ri := range other {
		run := begin(t, db, ri)
		known, err := run.Known(ctx)
		must(t, err)
		if len(known) != 0 {
			t.Errorf("another %s sees %v", name, known)
		}
		if _, _, found, err := run.Lookup(ctx, hashOf(0)); found || err != nil {
			t.Errorf("another %s: Lookup found %v, %v", name, found, err)
		}
		if err := run.Reuse(ctx, 0, hashOf(0)); err == nil {
			t.Errorf("another %s: Reuse of a commit of another key succeeded", name)
		}
		// Its own result for the same commit does not disturb the first key's.
		r := sample(0)
		r.Subject = "seen under " + name
		must(t, run.Put(ctx, 0, r))
		must(t, run.Finish(ctx, StatusComplete, nil))
	}

	same := begin(t, db, info("/src/repo", "c1"))
	known, err := same.Known(ctx)
	must(t, err)
	if !reflect.DeepEqual(known, map[string]bool{hashOf(0): true, hashOf(1): true}) {
		t.Errorf("same key: known %v", known)
	}
	res, _, _, err := same.Lookup(ctx, hashOf(0))
	must(t, err)
	assertSame(t, sample(0), res)
}

func TestReuseLinks(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "study.db"))
	first := begin(t, db, info("/src/repo", "c1"))
	for i := range 4 {
		must(t, first.Put(ctx, i, sample(i)))
	}
	must(t, first.PutFiltered(ctx, 4, hashOf(4)))
	must(t, first.Finish(ctx, StatusComplete, nil))

	// The second run covers two new commits in front of the old ones.
	second := begin(t, db, info("/src/repo", "c1"))
	known, err := second.Known(ctx)
	must(t, err)
	must(t, second.Put(ctx, 0, sample(10)))
	must(t, second.Put(ctx, 1, sample(11)))
	for i := range 5 {
		if !known[hashOf(i)] {
			t.Fatalf("commit %d not known", i)
		}
		must(t, second.Reuse(ctx, i+2, hashOf(i)))
	}
	if err := second.Reuse(ctx, 9, hashOf(99)); err == nil {
		t.Error("Reuse of an unknown commit succeeded")
	}
	must(t, second.Finish(ctx, StatusComplete, nil))

	got, err := db.Results(ctx, second.ID())
	must(t, err)
	want := []*analyzer.Result{sample(10), sample(11), sample(0), sample(1), sample(2), sample(3)}
	if len(got) != len(want) {
		t.Fatalf("%d results, want %d", len(got), len(want))
	}
	for i := range want {
		assertSame(t, want[i], got[i])
	}
	rec, err := db.Run(ctx, second.ID())
	must(t, err)
	if rec.Analysed != 2 || rec.Reused != 5 {
		t.Errorf("analysed %d reused %d, want 2 and 5", rec.Analysed, rec.Reused)
	}
	// The first run is unchanged.
	got, err = db.Results(ctx, first.ID())
	must(t, err)
	if len(got) != 4 || got[0].Commit != hashOf(0) {
		t.Errorf("first run now has %d results", len(got))
	}
}

// TestReuseInSameBatch links a commit Put earlier in the same, unflushed
// batch.
func TestReuseInSameBatch(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "study.db"))
	run := begin(t, db, info("/src/repo", "c1"))
	must(t, run.Put(ctx, 0, sample(0)))
	must(t, run.Reuse(ctx, 1, hashOf(0)))
	must(t, run.Finish(ctx, StatusComplete, nil))
	got, err := db.Results(ctx, run.ID())
	must(t, err)
	if len(got) != 2 || got[0].Commit != hashOf(0) || got[1].Commit != hashOf(0) {
		t.Errorf("results %v", got)
	}
}

func TestInterruptedRun(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "study.db")
	db, err := Open(ctx, path)
	must(t, err)
	killed := begin(t, db, info("/src/repo", "c1"))
	for i := range 3 {
		must(t, killed.Put(ctx, i, sample(i)))
	}
	must(t, killed.Flush(ctx))
	// Buffered, never flushed: lost with the process.
	must(t, killed.Put(ctx, 3, sample(3)))
	must(t, db.Close())

	db = open(t, path)
	// A run of another repository is left alone.
	otherRepo := begin(t, db, info("/src/other", "c1"))
	next := begin(t, db, info("/src/repo", "c1"))
	known, err := next.Known(ctx)
	must(t, err)
	if !reflect.DeepEqual(known, map[string]bool{hashOf(0): true, hashOf(1): true, hashOf(2): true}) {
		t.Errorf("known after the interruption: %v", known)
	}
	old, err := db.Run(ctx, killed.ID())
	must(t, err)
	if old.Status != StatusInterrupted || !old.Finished.IsZero() || old.Analysed != 3 {
		t.Errorf("killed run: %+v", old)
	}
	if rec, err := db.Run(ctx, otherRepo.ID()); err != nil || rec.Status != StatusRunning {
		t.Errorf("run of another repository: %+v, %v", rec, err)
	}
	got, err := db.Results(ctx, killed.ID())
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("killed run: %d results, want 3", len(got))
	}
	for i := range got {
		assertSame(t, sample(i), got[i])
	}
	// The next run reuses what was flushed and analyses the rest.
	for i := range 3 {
		must(t, next.Reuse(ctx, i, hashOf(i)))
	}
	must(t, next.Put(ctx, 3, sample(3)))
	must(t, next.Finish(ctx, StatusComplete, nil))
	runs, err := db.Runs(ctx)
	must(t, err)
	var statuses []string
	for _, r := range runs {
		statuses = append(statuses, fmt.Sprintf("%d:%s", r.ID, r.Status))
	}
	want := []string{
		fmt.Sprintf("%d:complete", next.ID()), fmt.Sprintf("%d:running", otherRepo.ID()), fmt.Sprintf("%d:interrupted", killed.ID()),
	}
	if !reflect.DeepEqual(statuses, want) {
		t.Errorf("runs newest first: %v, want %v", statuses, want)
	}
}

// TestBatchesReachTheFile checks that a run writes every batchSize commits
// without being asked, and that a crash loses only the batch under way.
func TestBatchesReachTheFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "study.db")
	db, err := Open(ctx, path)
	must(t, err)
	run := begin(t, db, info("/src/repo", "c1"))
	for i := range batchSize + 10 {
		must(t, run.Put(ctx, i, sample(i)))
	}
	must(t, db.Close())

	db = open(t, path)
	next := begin(t, db, info("/src/repo", "c1"))
	known, err := next.Known(ctx)
	must(t, err)
	if len(known) != batchSize {
		t.Errorf("%d commits survived, want %d", len(known), batchSize)
	}
	var findings, orphans int
	must(t, db.sql.QueryRowContext(ctx, `SELECT count(*) FROM findings`).Scan(&findings))
	must(t, db.sql.QueryRowContext(ctx, `SELECT count(*) FROM findings WHERE commit_id NOT IN (SELECT id FROM commits)`).Scan(&orphans))
	if findings != batchSize/4*3*4 || orphans != 0 {
		t.Errorf("%d findings (%d orphaned), want %d", findings, orphans, batchSize/4*3*4)
	}
}

func TestPutReplacesFindings(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "study.db"))
	first := begin(t, db, info("/src/repo", "c1"))
	must(t, first.Put(ctx, 0, sample(0)))
	must(t, first.Finish(ctx, StatusComplete, nil))
	second := begin(t, db, info("/src/repo", "c1"))
	r := sample(0)
	r.Findings = r.Findings[:1]
	r.Findings[0].Closure = []string{"x.c:only"}
	must(t, second.Put(ctx, 0, r))
	must(t, second.Finish(ctx, StatusComplete, nil))
	var commits, findings, closures int
	must(t, db.sql.QueryRowContext(ctx, `SELECT count(*) FROM commits`).Scan(&commits))
	must(t, db.sql.QueryRowContext(ctx, `SELECT count(*) FROM findings`).Scan(&findings))
	must(t, db.sql.QueryRowContext(ctx, `SELECT count(*) FROM closures`).Scan(&closures))
	if commits != 1 || findings != 1 || closures != 1 {
		t.Errorf("%d commits, %d findings, %d closures; want 1 each", commits, findings, closures)
	}
	// Both runs now show the latest result for the key.
	for _, id := range []int64{first.ID(), second.ID()} {
		got, err := db.Results(ctx, id)
		must(t, err)
		if len(got) != 1 {
			t.Fatalf("run %d: %d results", id, len(got))
		}
		assertSame(t, r, got[0])
	}
}

func TestRunMisuse(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "study.db"))
	if _, err := db.BeginRun(ctx, RunInfo{}); err == nil {
		t.Error("BeginRun without a repository succeeded")
	}
	run := begin(t, db, info("/src/repo", "c1"))
	if err := run.Put(ctx, 0, nil); err == nil {
		t.Error("Put(nil) succeeded")
	}
	if err := run.Put(ctx, 0, &analyzer.Result{}); err == nil {
		t.Error("Put without a commit hash succeeded")
	}
	if err := run.PutFiltered(ctx, -1, hashOf(0)); err == nil {
		t.Error("negative position accepted")
	}
	if err := run.Finish(ctx, StatusRunning, nil); err == nil {
		t.Error("Finish as running succeeded")
	}
	if err := run.Finish(ctx, StatusComplete, json.RawMessage(`{"broken`)); err == nil {
		t.Error("Finish with invalid JSON succeeded")
	}
	// Two commits at one position: the batch fails as a whole, and the
	// run is recorded as failed.
	must(t, run.Put(ctx, 0, sample(0)))
	must(t, run.Put(ctx, 0, sample(1)))
	if err := run.Flush(ctx); err == nil {
		t.Error("two commits at one position flushed")
	}
	if err := run.Finish(ctx, StatusComplete, nil); err == nil {
		t.Error("Finish after a failing flush reported no error")
	}
	rec, err := db.Run(ctx, run.ID())
	must(t, err)
	if rec.Status != StatusFailed || rec.Analysed != 0 {
		t.Errorf("after a failed flush: %+v", rec)
	}
	if err := run.Put(ctx, 1, sample(1)); err == nil {
		t.Error("Put after Finish succeeded")
	}
	if err := run.Finish(ctx, StatusComplete, nil); err == nil {
		t.Error("second Finish succeeded")
	}
}

func TestLastRun(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "study.db"))
	if _, err := db.LastRun(ctx, ""); !errors.Is(err, ErrNoRun) {
		t.Errorf("empty database: %v", err)
	}
	a := begin(t, db, info("/src/a", "c1"))
	must(t, a.Finish(ctx, StatusComplete, nil))
	b := begin(t, db, info("/src/b", "c1"))
	must(t, b.Finish(ctx, StatusFailed, nil))
	if _, err := db.LastRun(ctx, StatusInterrupted); !errors.Is(err, ErrNoRun) {
		t.Errorf("no interrupted run: %v", err)
	}
	for status, want := range map[string]int64{"": b.ID(), StatusComplete: a.ID(), StatusFailed: b.ID()} {
		rec, err := db.LastRun(ctx, status)
		must(t, err)
		if rec.ID != want {
			t.Errorf("LastRun(%q) = %d, want %d", status, rec.ID, want)
		}
	}
	if _, err := db.LastRun(ctx, "bogus"); err == nil {
		t.Error("LastRun with a bad status succeeded")
	}
}

func TestOpenSettings(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a dir?#%")
	must(t, os.Mkdir(dir, 0o755))
	path := filepath.Join(dir, "study.db")
	db := open(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the file is not where it was asked for: %v", err)
	}
	var mode string
	var fk, version int
	must(t, db.sql.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode))
	must(t, db.sql.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk))
	must(t, db.sql.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&version))
	if mode != "wal" || fk != 1 || version != SchemaVersion {
		t.Errorf("journal mode %s, foreign keys %d, schema version %d", mode, fk, version)
	}
	if _, err := db.sql.ExecContext(ctx, `INSERT INTO run_commits(run_id, commit_id, seq) VALUES (7, 7, 0)`); err == nil {
		t.Error("a dangling run_commits row was accepted")
	}
	must(t, db.Close())
	db = open(t, path) // reopening an up-to-date file changes nothing
	if _, err := db.Runs(ctx); err != nil {
		t.Error(err)
	}
}

func TestOpenRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage": strings.Repeat("this is not a database\n", 100),
		"short":   "SQLite",
	} {
		path := filepath.Join(dir, name)
		must(t, os.WriteFile(path, []byte(content), 0o644))
		db, err := Open(ctx, path)
		if err == nil {
			_ = db.Close()
			t.Errorf("%s: opened", name)
		} else if !strings.Contains(err.Error(), "not a SQLite database") {
			t.Errorf("%s: unclear error %v", name, err)
		}
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Errorf("%s: the file was changed", name)
		}
	}
	if _, err := Open(ctx, dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("a directory: %v", err)
	}
	if _, err := Open(ctx, filepath.Join(dir, "missing", "study.db")); err == nil {
		t.Error("a file in a missing directory opened")
	}

	// A SQLite database of something else.
	foreign := filepath.Join(dir, "foreign.db")
	raw, err := sql.Open("sqlite", foreign)
	must(t, err)
	_, err = raw.Exec(`CREATE TABLE notes(id INTEGER PRIMARY KEY, text TEXT)`)
	must(t, err)
	must(t, raw.Close())
	if _, err := Open(ctx, foreign); err == nil || !strings.Contains(err.Error(), "not a dynupd-analyze results database") {
		t.Errorf("a foreign database: %v", err)
	}

	// A results database from a newer tool.
	newer := filepath.Join(dir, "newer.db")
	db := open(t, newer)
	_, err = db.sql.Exec(`UPDATE meta SET value = ? WHERE key = 'schema_version'`, SchemaVersion+1)
	must(t, err)
	must(t, db.Close())
	if _, err := Open(ctx, newer); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("a newer schema: %v", err)
	}
}

// TestDocs checks docs/store.md: its schema is the one Open creates, and
// its example queries run against a populated database.
func TestDocs(t *testing.T) {
	ctx := context.Background()
	doc, err := os.ReadFile(filepath.Join("..", "docs", "store.md"))
	must(t, err)
	blocks := regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 6 {
		t.Fatalf("%d SQL blocks in docs/store.md, want the schema and at least 5 queries", len(blocks))
	}
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if norm(blocks[0][1]) != norm(schemaV1) {
		t.Error("the schema in docs/store.md differs from schemaV1")
	}

	db := open(t, filepath.Join(t.TempDir(), "study.db"))
	run := begin(t, db, info("/src/repo", "c1"))
	for i := range 12 {
		must(t, run.Put(ctx, i, sample(i)))
	}
	must(t, run.Finish(ctx, StatusComplete, json.RawMessage(`{"excluded":{"merges":2,"filtered":1}}`)))
	for _, b := range blocks[1:] {
		q := b[1]
		rows, err := db.sql.QueryContext(ctx, q)
		if err != nil {
			t.Errorf("query fails: %v\n%s", err, q)
			continue
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			t.Errorf("query fails: %v\n%s", err, q)
		}
		rows.Close()
		if n == 0 && !strings.Contains(q, "4f8cdc2a") {
			t.Errorf("query returns nothing:\n%s", q)
		}
	}
}

// TestStored loads many commits at once: the results asked for, filtered
// ones apart, end lines restored, other keys and unasked commits left out.
func TestStored(t *testing.T) {
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "study.db"))
	run := begin(t, db, info("/src/repo", "c1"))
	must(t, run.PutFiltered(ctx, 0, hashOf(0)))
	for i := 1; i < 6; i++ {
		must(t, run.Put(ctx, i, sample(i)))
	}
	other := begin(t, db, info("/src/repo", "c2"))
	must(t, other.Put(ctx, 0, sample(7)))
	must(t, other.Flush(ctx))
	res, filtered, err := run.Stored(ctx, []string{hashOf(0), hashOf(2), hashOf(3), hashOf(7), hashOf(9)})
	must(t, err)
	if len(res) != 2 || !reflect.DeepEqual(filtered, map[string]bool{hashOf(0): true}) {
		t.Fatalf("stored: %d results, filtered %v", len(res), filtered)
	}
	assertSame(t, sample(2), res[hashOf(2)])
	assertSame(t, sample(3), res[hashOf(3)])
	must(t, run.Reuse(ctx, 7, hashOf(2)))
}
