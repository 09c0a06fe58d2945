-- 013_staff.sql (MySQL, MariaDB): staff who phone in (store/staff.c, kefu staff) --
-- wrong PINs in a row and the end of the cool-down they started, as for
-- members, and staff_lookups: every lookup a staff member makes by phone
-- (who, when, what, of whom, on which call).

ALTER TABLE staff_access ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff_access ADD COLUMN locked_until DATETIME;

CREATE TABLE staff_lookups (
	id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
	staff_no VARCHAR(20) NOT NULL,
	at DATETIME NOT NULL,
	what VARCHAR(20) NOT NULL,
	subject VARCHAR(40),
	call_ref VARCHAR(64)
);
CREATE INDEX staff_lookups_staff ON staff_lookups (staff_no, at);
