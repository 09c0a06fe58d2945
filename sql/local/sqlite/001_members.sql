-- 001_members.sql (SQLite): members, the services they subscribed to,
-- the consent ledger and the PINs of staff who phone in.
-- Times are local 'YYYY-MM-DD HH:MM:SS' text; flags are 0/1.

CREATE TABLE members (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	customer_no VARCHAR(20) NOT NULL UNIQUE,
	pin_hash VARCHAR(200),
	name VARCHAR(100),
	phone VARCHAR(32),
	mobile VARCHAR(32),
	address VARCHAR(400),
	email VARCHAR(254),
	birthday DATE,
	language VARCHAR(8) NOT NULL DEFAULT 'zh-CN',
	registered_via VARCHAR(8) NOT NULL CHECK (registered_via IN ('paper', 'phone')),
	registered_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL,
	status VARCHAR(8) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
	note VARCHAR(400)
);
CREATE INDEX members_phone ON members (phone);
CREATE INDEX members_mobile ON members (mobile);

CREATE TABLE member_services (
	member_id INTEGER NOT NULL REFERENCES members (id),
	service VARCHAR(16) NOT NULL CHECK (service IN ('sms', 'email', 'phone_order')),
	enabled SMALLINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
	since TIMESTAMP NOT NULL,
	PRIMARY KEY (member_id, service)
);

CREATE TABLE consent_ledger (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	member_id INTEGER REFERENCES members (id),
	address VARCHAR(254) NOT NULL,
	service VARCHAR(16) NOT NULL CHECK (service IN ('sms', 'email', 'phone_order')),
	action VARCHAR(12) NOT NULL CHECK (action IN ('subscribe', 'unsubscribe')),
	via VARCHAR(12) NOT NULL CHECK (via IN ('paper', 'phone', 'sms', 'email', 'staff')),
	recorded_at TIMESTAMP NOT NULL,
	call_id INTEGER,
	staff_no VARCHAR(20),
	note VARCHAR(400)
);
CREATE INDEX consent_ledger_member ON consent_ledger (member_id, recorded_at);

CREATE TABLE staff_access (
	staff_no VARCHAR(20) NOT NULL PRIMARY KEY,
	pin_hash VARCHAR(200) NOT NULL,
	role VARCHAR(12) NOT NULL DEFAULT 'staff' CHECK (role IN ('staff', 'desk', 'admin')),
	enabled SMALLINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
	updated_at TIMESTAMP NOT NULL
);
