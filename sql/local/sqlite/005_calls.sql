-- 005_calls.sql (SQLite): the call log, one row per call, and the
-- queries each call made.

CREATE TABLE call_log (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	node VARCHAR(64),
	line VARCHAR(64) NOT NULL,
	caller_id VARCHAR(32),
	started_at TIMESTAMP NOT NULL,
	duration_ms INTEGER,
	language VARCHAR(8),
	flow VARCHAR(64),
	path TEXT,
	member_id INTEGER REFERENCES members (id),
	staff_no VARCHAR(20),
	outcome VARCHAR(12) CHECK (outcome IN ('completed', 'hangup', 'timeout', 'error', 'busy', 'abandoned')),
	error VARCHAR(400)
);
CREATE INDEX call_log_started ON call_log (started_at);
CREATE INDEX call_log_caller ON call_log (caller_id);

CREATE TABLE call_queries (
	call_id INTEGER NOT NULL REFERENCES call_log (id),
	seq INTEGER NOT NULL,
	mapping VARCHAR(64) NOT NULL,
	params VARCHAR(400),
	nrows INTEGER,
	latency_ms INTEGER,
	error_kind VARCHAR(12),
	PRIMARY KEY (call_id, seq)
);
