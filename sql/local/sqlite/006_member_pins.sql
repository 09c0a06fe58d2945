-- 006_member_pins.sql (SQLite): what PIN lockout needs on members --
-- wrong PINs in a row, the end of the cool-down they started, and a lock
-- set by the service desk that only the desk lifts.  The iteration count
-- of each PIN hash is kept inside pin_hash ("pbkdf2-sha256$ITER$SALT$HASH").

ALTER TABLE members ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN locked_until TIMESTAMP;
ALTER TABLE members ADD COLUMN locked SMALLINT NOT NULL DEFAULT 0;
