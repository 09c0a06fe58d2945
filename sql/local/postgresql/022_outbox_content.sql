-- 022_outbox_content.sql (PostgreSQL): a message's text (body,
-- body_html) in a table of its own, written once when it is queued and
-- read by a join when it is claimed.  Every state change (claimed,
-- submitting, its outcome) rewrites the outbox row: with a 2 KB body in
-- it, each wrote the body's pages again (the log grew by about three
-- page images a message); now they rewrite a row of a few dozen bytes.
-- The columns are dropped from outbox rather than left empty, so that
-- no reader can take an empty outbox.body for the text.

CREATE TABLE outbox_content (
	outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id)
	    ON DELETE CASCADE,
	body TEXT NOT NULL,
	body_html TEXT
);
INSERT INTO outbox_content (outbox_id, body, body_html)
    SELECT id, body, body_html FROM outbox;
ALTER TABLE outbox DROP COLUMN body, DROP COLUMN body_html;
