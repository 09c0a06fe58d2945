-- 002_orders.sql (MySQL, MariaDB): phone orders, their lines, couriers and the
-- delivery slips printed per time slot and delivery area.

CREATE TABLE couriers (
	id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
	name VARCHAR(100) NOT NULL,
	pager VARCHAR(32),
	mobile VARCHAR(32),
	areas VARCHAR(400),
	active SMALLINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE orders (
	id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
	order_no VARCHAR(32) NOT NULL UNIQUE,
	member_id INTEGER NOT NULL REFERENCES members (id),
	ordered_at DATETIME NOT NULL,
	via VARCHAR(8) NOT NULL DEFAULT 'phone' CHECK (via IN ('phone', 'desk')),
	slot_date DATE NOT NULL,
	slot VARCHAR(16) NOT NULL,
	area VARCHAR(64) NOT NULL,
	address VARCHAR(400) NOT NULL,
	phone VARCHAR(32),
	total DECIMAL(12,2) NOT NULL DEFAULT 0,
	status VARCHAR(12) NOT NULL DEFAULT 'new'
	    CHECK (status IN ('new', 'confirmed', 'printed', 'delivered', 'cancelled')),
	call_id INTEGER,
	note VARCHAR(400)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE INDEX orders_slot ON orders (slot_date, slot, area);
CREATE INDEX orders_member ON orders (member_id, ordered_at);

CREATE TABLE order_lines (
	order_id INTEGER NOT NULL REFERENCES orders (id),
	line_no INTEGER NOT NULL,
	code VARCHAR(32) NOT NULL,
	name VARCHAR(200) NOT NULL,
	spec VARCHAR(64),
	unit VARCHAR(16),
	qty DECIMAL(12,3) NOT NULL,
	price DECIMAL(12,2) NOT NULL,
	amount DECIMAL(12,2) NOT NULL,
	PRIMARY KEY (order_id, line_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE delivery_slips (
	id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
	slip_no VARCHAR(32) NOT NULL UNIQUE,
	order_id INTEGER NOT NULL UNIQUE REFERENCES orders (id),
	courier_id INTEGER REFERENCES couriers (id),
	courier_name VARCHAR(100),
	slot_date DATE NOT NULL,
	slot VARCHAR(16) NOT NULL,
	area VARCHAR(64) NOT NULL,
	printed SMALLINT NOT NULL DEFAULT 0 CHECK (printed IN (0, 1)),
	printed_at DATETIME,
	print_count INTEGER NOT NULL DEFAULT 0,
	delivered_at DATETIME
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE INDEX delivery_slips_print ON delivery_slips (printed, slot_date, slot, area);
