-- 007_outbox.sql (SQLite): the outbox's send states, idempotency keys and
-- message classes.  queued -> claimed (lease until lease_until) ->
-- submitting (stored before SMTP DATA or AT+CMGS) -> submitted (remote_id:
-- the MTA's queue id or the TP-MR) -> delivered | failed | unknown;
-- suppressed and cancelled end a message that was never handed over.
-- SQLite cannot change a CHECK, so the table is rebuilt (the attachments'
-- REFERENCES outbox (id) name the new table once it is renamed).

CREATE TABLE outbox_new (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	channel VARCHAR(8) NOT NULL CHECK (channel IN ('sms', 'email', 'pager')),
	recipient VARCHAR(254) NOT NULL,
	recipient_name VARCHAR(100),
	subject VARCHAR(200),
	body TEXT NOT NULL,
	body_html TEXT,
	msg_class VARCHAR(13) NOT NULL DEFAULT 'transactional'
	    CHECK (msg_class IN ('marketing', 'transactional')),
	idem_key VARCHAR(100) NOT NULL UNIQUE,
	campaign_id INTEGER REFERENCES campaigns (id),
	member_id INTEGER REFERENCES members (id),
	order_id INTEGER REFERENCES orders (id),
	request_id INTEGER REFERENCES requests (id),
	status VARCHAR(10) NOT NULL DEFAULT 'queued'
	    CHECK (status IN ('queued', 'claimed', 'submitting', 'submitted',
	    'delivered', 'failed', 'unknown', 'suppressed', 'cancelled')),
	attempts INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL DEFAULT 5,
	next_attempt_at TIMESTAMP NOT NULL,
	claimed_by VARCHAR(64),
	claimed_at TIMESTAMP,
	lease_until TIMESTAMP,
	submitting_at TIMESTAMP,
	sent_at TIMESTAMP,
	delivered_at TIMESTAMP,
	last_error VARCHAR(400),
	remote_id VARCHAR(100),
	created_at TIMESTAMP NOT NULL
);
INSERT INTO outbox_new (id, channel, recipient, subject, body, body_html,
    idem_key, campaign_id, member_id, order_id, request_id, status, attempts,
    max_attempts, next_attempt_at, claimed_by, claimed_at, sent_at,
    last_error, remote_id, created_at)
    SELECT id, channel, recipient, subject, body, body_html,
    'outbox:' || id, campaign_id, member_id, order_id, request_id,
    CASE status WHEN 'sent' THEN 'submitted' ELSE status END, attempts,
    max_attempts, next_attempt_at, claimed_by, claimed_at, sent_at,
    last_error, remote_id, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_campaign ON outbox (campaign_id);
CREATE INDEX outbox_lease ON outbox (status, lease_until);
