-- 010_sms.sql (MySQL, MariaDB): SMS over GSM modems.  outbox_parts: one row per
-- part of an outbox message (3GPP 23.040 concatenation), written
-- "submitting" before its AT+CMGS and "submitted" with the TP-MR the
-- modem answered; a status report (+CDS) found by modem, TP-MR and
-- recipient makes it delivered or failed, and the message is delivered
-- when all its parts are.  sms_inbox: inbound messages (joined when
-- concatenated), dedup_key making a message read twice (AT+CMGL after a
-- crash) one row.  consent_ledger.inbox_id: the inbound message that was
-- the evidence of an opt-out by SMS keyword.

CREATE TABLE outbox_parts (
	outbox_id INTEGER NOT NULL REFERENCES outbox (id),
	seq INTEGER NOT NULL,
	total INTEGER NOT NULL,
	status VARCHAR(10) NOT NULL
	    CHECK (status IN ('submitting', 'submitted', 'delivered',
	    'failed', 'refused')),
	modem VARCHAR(64) NOT NULL,
	recipient VARCHAR(32) NOT NULL,
	mr INTEGER,
	submitting_at DATETIME NOT NULL,
	submitted_at DATETIME,
	report_at DATETIME,
	report_status INTEGER,
	last_error VARCHAR(400),
	PRIMARY KEY (outbox_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE INDEX outbox_parts_mr ON outbox_parts (modem, mr, status);

CREATE TABLE sms_inbox (
	id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
	modem VARCHAR(64) NOT NULL,
	sender VARCHAR(32) NOT NULL,
	body TEXT NOT NULL,
	parts INTEGER NOT NULL DEFAULT 1,
	sent_at VARCHAR(32),
	received_at DATETIME NOT NULL,
	member_id INTEGER REFERENCES members (id),
	action VARCHAR(12) CHECK (action IN ('optout')),
	reply_id INTEGER REFERENCES outbox (id),
	dedup_key VARCHAR(100) NOT NULL UNIQUE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE INDEX sms_inbox_sender ON sms_inbox (sender, received_at);

ALTER TABLE consent_ledger ADD COLUMN inbox_id INTEGER;
