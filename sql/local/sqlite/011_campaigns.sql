-- 011_campaigns.sql (SQLite): campaigns that can be paused, with a
-- source (a text or HTML template, or today's specials), a budget in fen,
-- and the cost and parts of each outbox message, so that a campaign's
-- budget and a customer's frequency cap are checked when each message is
-- sent (msg/suppress.c).  SQLite cannot change a CHECK, so campaigns is
-- rebuilt (outbox's REFERENCES campaigns (id) names the new table once it
-- is renamed).

CREATE TABLE campaigns_new (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name VARCHAR(200) NOT NULL,
	kind VARCHAR(12) NOT NULL DEFAULT 'manual'
	    CHECK (kind IN ('manual', 'realtime', 'periodic', 'segment', 'one')),
	channel VARCHAR(8) NOT NULL CHECK (channel IN ('sms', 'email', 'pager')),
	source VARCHAR(8) NOT NULL DEFAULT 'text'
	    CHECK (source IN ('text', 'specials')),
	subject VARCHAR(200),
	body TEXT NOT NULL,
	body_html TEXT,
	segment VARCHAR(400),
	budget INTEGER,
	status VARCHAR(12) NOT NULL DEFAULT 'draft'
	    CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'done',
	    'cancelled')),
	scheduled_at TIMESTAMP,
	started_at TIMESTAMP,
	created_at TIMESTAMP NOT NULL,
	created_by VARCHAR(20),
	recipients INTEGER NOT NULL DEFAULT 0,
	sent INTEGER NOT NULL DEFAULT 0,
	failed INTEGER NOT NULL DEFAULT 0
);
INSERT INTO campaigns_new (id, name, kind, channel, subject, body, body_html,
    segment, status, scheduled_at, created_at, created_by, recipients, sent,
    failed)
    SELECT id, name, kind, channel, subject, body, body_html, segment,
    status, scheduled_at, created_at, created_by, recipients, sent, failed
    FROM campaigns;
DROP TABLE campaigns;
ALTER TABLE campaigns_new RENAME TO campaigns;
CREATE UNIQUE INDEX campaigns_name ON campaigns (name);

ALTER TABLE outbox ADD COLUMN cost INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN parts INTEGER NOT NULL DEFAULT 1;
CREATE INDEX outbox_member ON outbox (member_id, msg_class);
CREATE INDEX outbox_recipient ON outbox (recipient, msg_class);
