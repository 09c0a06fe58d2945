-- 017_sms_points.sql (PostgreSQL): what a customer sends back to a
-- case's SMS reply is a step of the case (case_events kind 'sms-in',
-- inbox_id the sms_inbox row, recorded once), and member_points: each
-- member's points balance last read from [campaign] points-mapping, the
-- baseline of the points-changed notices (msg/points.c) kept across
-- restarts.

ALTER TABLE case_events DROP CONSTRAINT case_events_kind_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_kind_check
    CHECK (kind IN ('created', 'assigned', 'note', 'reply', 'callback',
    'closed', 'sms-in'));
ALTER TABLE case_events ADD COLUMN inbox_id INTEGER
    REFERENCES sms_inbox (id);
CREATE UNIQUE INDEX case_events_inbox ON case_events (inbox_id);

CREATE TABLE member_points (
	member_id INTEGER NOT NULL PRIMARY KEY REFERENCES members (id),
	points VARCHAR(20) NOT NULL,
	changes INTEGER NOT NULL DEFAULT 0,
	seen_at TIMESTAMP NOT NULL,
	changed_at TIMESTAMP
);
