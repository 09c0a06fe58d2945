-- 020_campaign_spend.sql (MySQL, MariaDB): what a campaign has spent -- the
-- cost of its messages submitting, submitted, delivered or unknown,
-- summed by the commit that makes each batch submitting (store/outbox.c),
-- is read from the index alone, not from every message's row: the
-- campaign's index gains the status and the cost (it replaces the one on
-- campaign_id, made first so that a foreign key always has one).

CREATE INDEX outbox_campaign_spend ON outbox (campaign_id, status, cost);
DROP INDEX outbox_campaign ON outbox;
