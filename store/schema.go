package store

// SchemaVersion is the version of the database layout this package writes.
// Open migrates an older file up to it and refuses a newer one.
const SchemaVersion = 1

// schemaV1 creates the tables and indexes of schema version 1. docs/store.md
// shows the same statements; keep them in step.
const schemaV1 = `
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE repositories (
	id       INTEGER PRIMARY KEY,
	location TEXT NOT NULL UNIQUE
);

CREATE TABLE runs (
	id            INTEGER PRIMARY KEY,
	repository_id INTEGER NOT NULL REFERENCES repositories(id),
	started       TEXT NOT NULL,
	finished      TEXT,
	status        TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed', 'interrupted')),
	head          TEXT NOT NULL,
	"range"       TEXT NOT NULL,
	command_line  TEXT NOT NULL,
	tool_version  TEXT NOT NULL,
	rules_version TEXT NOT NULL,
	config_hash   TEXT NOT NULL,
	kinds_hash    TEXT NOT NULL,
	analysed      INTEGER NOT NULL DEFAULT 0,
	reused        INTEGER NOT NULL DEFAULT 0,
	info          TEXT CHECK (info IS NULL OR json_valid(info))
);
CREATE INDEX runs_repository_status ON runs(repository_id, status);

CREATE TABLE commits (
	id            INTEGER PRIMARY KEY,
	repository_id INTEGER NOT NULL REFERENCES repositories(id),
	hash          TEXT NOT NULL,
	tool_version  TEXT NOT NULL,
	rules_version TEXT NOT NULL,
	config_hash   TEXT NOT NULL,
	author        TEXT,
	date          TEXT,
	subject       TEXT,
	message       TEXT,
	verdict       TEXT,
	tier          TEXT,
	filtered      INTEGER NOT NULL DEFAULT 0 CHECK (filtered IN (0, 1)),
	entities      TEXT CHECK (entities IS NULL OR json_valid(entities)),
	result        TEXT CHECK (result IS NULL OR json_valid(result)),
	UNIQUE (repository_id, tool_version, rules_version, config_hash, hash)
);
CREATE INDEX commits_hash ON commits(hash);
CREATE INDEX commits_verdict ON commits(verdict);

CREATE TABLE run_commits (
	run_id    INTEGER NOT NULL REFERENCES runs(id),
	commit_id INTEGER NOT NULL REFERENCES commits(id),
	seq       INTEGER NOT NULL,
	PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE INDEX run_commits_commit ON run_commits(commit_id);

CREATE TABLE findings (
	id           INTEGER PRIMARY KEY,
	commit_id    INTEGER NOT NULL REFERENCES commits(id) ON DELETE CASCADE,
	seq          INTEGER NOT NULL,
	rule         TEXT NOT NULL,
	verdict      TEXT NOT NULL,
	entity       TEXT NOT NULL,
	old_file     TEXT,
	old_line     INTEGER,
	old_end_line INTEGER,
	new_file     TEXT,
	new_line     INTEGER,
	new_end_line INTEGER,
	message      TEXT NOT NULL,
	UNIQUE (commit_id, seq)
);
CREATE INDEX findings_rule ON findings(rule);

CREATE TABLE closures (
	finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
	member     TEXT NOT NULL
);
CREATE INDEX closures_finding ON closures(finding_id);
CREATE INDEX closures_member ON closures(member);
`
