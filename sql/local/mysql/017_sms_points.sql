-- 017_sms_points.sql (MariaDB): what a customer sends back to a case's
-- SMS reply is a step of the case (case_events kind 'sms-in', inbox_id
-- the sms_inbox row, recorded once), and member_points: each member's
-- points balance last read from [campaign] points-mapping, the baseline
-- of the points-changed notices (msg/points.c) kept across restarts.
-- MariaDB names a column's CHECK after the column: MODIFY replaces it.

ALTER TABLE case_events MODIFY kind VARCHAR(10) NOT NULL
    CHECK (kind IN ('created', 'assigned', 'note', 'reply', 'callback',
    'closed', 'sms-in'));
ALTER TABLE case_events ADD COLUMN inbox_id INTEGER
    REFERENCES sms_inbox (id);
CREATE UNIQUE INDEX case_events_inbox ON case_events (inbox_id);

CREATE TABLE member_points (
	member_id INTEGER NOT NULL PRIMARY KEY REFERENCES members (id),
	points VARCHAR(20) NOT NULL,
	changes INTEGER NOT NULL DEFAULT 0,
	seen_at DATETIME NOT NULL,
	changed_at DATETIME
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
