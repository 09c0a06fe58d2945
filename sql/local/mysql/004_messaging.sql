-- 004_messaging.sql (MySQL, MariaDB): campaigns and the outbound message queue.
-- Workers claim due rows with SELECT ... FOR UPDATE SKIP LOCKED (MariaDB
-- 10.6, MySQL 8) and set claimed_by/claimed_at in the same transaction.

CREATE TABLE campaigns (
	id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
	name VARCHAR(200) NOT NULL,
	kind VARCHAR(12) NOT NULL DEFAULT 'manual'
	    CHECK (kind IN ('manual', 'realtime', 'periodic', 'segment', 'one')),
	channel VARCHAR(8) NOT NULL CHECK (channel IN ('sms', 'email', 'pager')),
	subject VARCHAR(200),
	body TEXT NOT NULL,
	body_html TEXT,
	segment VARCHAR(400),
	status VARCHAR(12) NOT NULL DEFAULT 'draft'
	    CHECK (status IN ('draft', 'scheduled', 'sending', 'done', 'cancelled')),
	scheduled_at DATETIME,
	created_at DATETIME NOT NULL,
	created_by VARCHAR(20),
	recipients INTEGER NOT NULL DEFAULT 0,
	sent INTEGER NOT NULL DEFAULT 0,
	failed INTEGER NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE outbox (
	id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
	channel VARCHAR(8) NOT NULL CHECK (channel IN ('sms', 'email', 'pager')),
	recipient VARCHAR(254) NOT NULL,
	subject VARCHAR(200),
	body TEXT NOT NULL,
	body_html TEXT,
	campaign_id INTEGER REFERENCES campaigns (id),
	member_id INTEGER REFERENCES members (id),
	order_id INTEGER REFERENCES orders (id),
	request_id INTEGER REFERENCES requests (id),
	status VARCHAR(10) NOT NULL DEFAULT 'queued'
	    CHECK (status IN ('queued', 'claimed', 'sent', 'failed', 'cancelled')),
	attempts INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL DEFAULT 5,
	next_attempt_at DATETIME NOT NULL,
	claimed_by VARCHAR(64),
	claimed_at DATETIME,
	sent_at DATETIME,
	last_error VARCHAR(400),
	remote_id VARCHAR(100),
	created_at DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_campaign ON outbox (campaign_id);

CREATE TABLE outbox_attachments (
	outbox_id INTEGER NOT NULL REFERENCES outbox (id),
	seq INTEGER NOT NULL,
	content_type VARCHAR(100) NOT NULL,
	filename VARCHAR(200) NOT NULL,
	path VARCHAR(400) NOT NULL,
	inline_id VARCHAR(100),
	PRIMARY KEY (outbox_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
