-- 018_unconfirmed.sql (SQLite): a case the caller did not send -- the
-- line went after the message was recorded and before "send" was
-- pressed, and the complaint flow's hang-up node kept it (kefu-flow(5),
-- HANG-UP) -- is kept with confirmed = 0 (kefu case list marks it
-- unconfirmed); and a home visit marked done by the desk (kefu visit
-- done) keeps what the desk noted.

ALTER TABLE requests ADD COLUMN confirmed SMALLINT NOT NULL DEFAULT 1
    CHECK (confirmed IN (0, 1));
ALTER TABLE visits ADD COLUMN note VARCHAR(400);
