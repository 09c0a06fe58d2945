-- 021_outbox_claim.sql (MySQL/MariaDB): a claim's messages found by its
-- token (store/outbox.c: read after the claim, made submitting, their
-- outcomes recorded).  Without it InnoDB reached them through
-- outbox_due, every claimed message of every worker, and an UPDATE locks
-- every row it reads: two workers' commits waited for each other's rows
-- (EXPLAIN: 200 rows of two claims of 100 read, 100 with the index).

CREATE INDEX outbox_claim ON outbox (claimed_by, status);
