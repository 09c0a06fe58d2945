-- 008_member_calls.sql (MySQL, MariaDB): the call that made a consent change.
-- Changes by phone happen during the call, before its call_log row is
-- written at hang-up, so consent_ledger keeps the call's reference (the
-- flow variable call, e.g. 'L1-1733486400123'; call_log.node and
-- started_at name the same call) rather than a call_log id.

ALTER TABLE consent_ledger ADD COLUMN call_ref VARCHAR(40);
