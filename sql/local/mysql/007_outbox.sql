-- 007_outbox.sql (MySQL, MariaDB): the outbox's send states, idempotency
-- keys and message classes.  queued -> claimed (lease until lease_until)
-- -> submitting (stored before SMTP DATA or AT+CMGS) -> submitted
-- (remote_id: the MTA's queue id or the TP-MR) -> delivered | failed |
-- unknown; suppressed and cancelled end a message never handed over.
-- MariaDB names a column's CHECK after the column: MODIFY replaces it.

ALTER TABLE outbox MODIFY status VARCHAR(10) NOT NULL DEFAULT 'queued';
UPDATE outbox SET status = 'submitted' WHERE status = 'sent';
ALTER TABLE outbox MODIFY status VARCHAR(10) NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'claimed', 'submitting', 'submitted',
    'delivered', 'failed', 'unknown', 'suppressed', 'cancelled'));
ALTER TABLE outbox ADD COLUMN recipient_name VARCHAR(100);
ALTER TABLE outbox ADD COLUMN msg_class VARCHAR(13) NOT NULL
    DEFAULT 'transactional'
    CHECK (msg_class IN ('marketing', 'transactional'));
ALTER TABLE outbox ADD COLUMN idem_key VARCHAR(100);
UPDATE outbox SET idem_key = CONCAT('outbox:', id);
ALTER TABLE outbox MODIFY idem_key VARCHAR(100) NOT NULL;
CREATE UNIQUE INDEX outbox_idem ON outbox (idem_key);
ALTER TABLE outbox ADD COLUMN lease_until DATETIME;
ALTER TABLE outbox ADD COLUMN submitting_at DATETIME;
ALTER TABLE outbox ADD COLUMN delivered_at DATETIME;
CREATE INDEX outbox_lease ON outbox (status, lease_until);
