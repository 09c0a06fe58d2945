-- 011_campaigns.sql (PostgreSQL): campaigns that can be paused, with a
-- source (a text or HTML template, or today's specials), a budget in fen,
-- and the cost and parts of each outbox message, so that a campaign's
-- budget and a customer's frequency cap are checked when each message is
-- sent (msg/suppress.c).

ALTER TABLE campaigns DROP CONSTRAINT campaigns_status_check;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_status_check
    CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'done',
    'cancelled'));
ALTER TABLE campaigns ADD COLUMN source VARCHAR(8) NOT NULL DEFAULT 'text'
    CHECK (source IN ('text', 'specials'));
ALTER TABLE campaigns ADD COLUMN budget INTEGER;
ALTER TABLE campaigns ADD COLUMN started_at TIMESTAMP;
CREATE UNIQUE INDEX campaigns_name ON campaigns (name);

ALTER TABLE outbox ADD COLUMN cost INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN parts INTEGER NOT NULL DEFAULT 1;
CREATE INDEX outbox_member ON outbox (member_id, msg_class);
CREATE INDEX outbox_recipient ON outbox (recipient, msg_class);
