-- 017_sms_points.sql (SQLite): what a customer sends back to a case's
-- SMS reply is a step of the case (case_events kind 'sms-in', inbox_id
-- the sms_inbox row, recorded once), and member_points: each member's
-- points balance last read from [campaign] points-mapping, the baseline
-- of the points-changed notices (msg/points.c) kept across restarts.
-- SQLite cannot change a CHECK, so case_events is rebuilt.

CREATE TABLE case_events_new (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	request_id INTEGER NOT NULL REFERENCES requests (id),
	kind VARCHAR(10) NOT NULL CHECK (kind IN ('created', 'assigned',
	    'note', 'reply', 'callback', 'closed', 'sms-in')),
	at TIMESTAMP NOT NULL,
	staff_no VARCHAR(20),
	detail VARCHAR(2000),
	outbox_id INTEGER REFERENCES outbox (id),
	inbox_id INTEGER REFERENCES sms_inbox (id)
);
INSERT INTO case_events_new (id, request_id, kind, at, staff_no, detail,
    outbox_id)
    SELECT id, request_id, kind, at, staff_no, detail, outbox_id
    FROM case_events;
DROP TABLE case_events;
ALTER TABLE case_events_new RENAME TO case_events;
CREATE INDEX case_events_request ON case_events (request_id, id);
CREATE UNIQUE INDEX case_events_inbox ON case_events (inbox_id);

CREATE TABLE member_points (
	member_id INTEGER NOT NULL PRIMARY KEY REFERENCES members (id),
	points VARCHAR(20) NOT NULL,
	changes INTEGER NOT NULL DEFAULT 0,
	seen_at TIMESTAMP NOT NULL,
	changed_at TIMESTAMP
);
