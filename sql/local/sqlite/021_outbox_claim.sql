-- 021_outbox_claim.sql (SQLite): a claim's messages found by its token
-- (store/outbox.c: read after the claim, made submitting, their outcomes
-- recorded), not among every claimed message of every worker.  Only
-- messages under a claim are in it, so a state change that lets a claim
-- go costs an index entry, not a page.

CREATE INDEX outbox_claim ON outbox (claimed_by)
    WHERE claimed_by IS NOT NULL;
