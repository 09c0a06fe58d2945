-- 012_cases.sql (SQLite): the closed loop of complaints, suggestions and
-- after-sales requests (store/case.c, kefu case): the call a case came
-- from (the flow's call reference), who it is assigned to, why and by
-- whom it was closed, and every step of it in case_events, with its time
-- and the staff number of who took it.

ALTER TABLE requests ADD COLUMN call_ref VARCHAR(64);
ALTER TABLE requests ADD COLUMN assigned_to VARCHAR(20);
ALTER TABLE requests ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE requests ADD COLUMN closed_by VARCHAR(20);
ALTER TABLE requests ADD COLUMN close_reason VARCHAR(400);

CREATE TABLE case_events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	request_id INTEGER NOT NULL REFERENCES requests (id),
	kind VARCHAR(10) NOT NULL CHECK (kind IN ('created', 'assigned',
	    'note', 'reply', 'callback', 'closed')),
	at TIMESTAMP NOT NULL,
	staff_no VARCHAR(20),
	detail VARCHAR(2000),
	outbox_id INTEGER REFERENCES outbox (id)
);
CREATE INDEX case_events_request ON case_events (request_id, id);
