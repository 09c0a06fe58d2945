-- catalog.sql: the built-in catalog for shops without an MIS (products,
-- promotions, notices, staff and their schedules).  Portable SQL: the
-- same script runs on SQLite (the default), PostgreSQL and MariaDB.
-- kefu reads these tables only through mappings/catalog/*.xml.
-- Dates are 'YYYY-MM-DD', shift times 'HH:MM', prices DECIMAL.

CREATE TABLE catalog_info (
	name VARCHAR(32) NOT NULL PRIMARY KEY,
	value VARCHAR(200) NOT NULL
);

CREATE TABLE products (
	barcode VARCHAR(14) NOT NULL PRIMARY KEY,
	plu VARCHAR(8) NOT NULL UNIQUE,
	name VARCHAR(100) NOT NULL,
	spec VARCHAR(32),
	unit VARCHAR(8) NOT NULL,
	category VARCHAR(32) NOT NULL,
	brand VARCHAR(32),
	price DECIMAL(10,2) NOT NULL,
	stock DECIMAL(12,3) NOT NULL DEFAULT 0,
	active SMALLINT NOT NULL DEFAULT 1
);
CREATE INDEX products_category ON products (category);

CREATE TABLE promotions (
	id INTEGER NOT NULL PRIMARY KEY,
	barcode VARCHAR(14) NOT NULL REFERENCES products (barcode),
	kind VARCHAR(16) NOT NULL,
	promo_price DECIMAL(10,2),
	description VARCHAR(200) NOT NULL,
	start_date DATE NOT NULL,
	end_date DATE NOT NULL
);
CREATE INDEX promotions_dates ON promotions (start_date, end_date);

CREATE TABLE notices (
	id INTEGER NOT NULL PRIMARY KEY,
	title VARCHAR(100) NOT NULL,
	body VARCHAR(1000) NOT NULL,
	audio VARCHAR(200),
	valid_from DATE NOT NULL,
	valid_to DATE NOT NULL
);
CREATE INDEX notices_dates ON notices (valid_from, valid_to);

CREATE TABLE staff (
	staff_no VARCHAR(10) NOT NULL PRIMARY KEY,
	name VARCHAR(32) NOT NULL,
	department VARCHAR(32) NOT NULL,
	position VARCHAR(32) NOT NULL,
	phone VARCHAR(32)
);

CREATE TABLE staff_schedule (
	staff_no VARCHAR(10) NOT NULL REFERENCES staff (staff_no),
	work_date DATE NOT NULL,
	shift VARCHAR(8) NOT NULL,
	start_time CHAR(5) NOT NULL,
	end_time CHAR(5) NOT NULL,
	post VARCHAR(32) NOT NULL,
	PRIMARY KEY (staff_no, work_date)
);
