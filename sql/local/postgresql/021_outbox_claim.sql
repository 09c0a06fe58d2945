-- 021_outbox_claim.sql (PostgreSQL): a claim's messages found by its
-- token (store/outbox.c: read after the claim, made submitting, their
-- outcomes recorded), not among every claimed message of every worker.
-- Only messages under a claim are in it.

CREATE INDEX outbox_claim ON outbox (claimed_by)
    WHERE claimed_by IS NOT NULL;
