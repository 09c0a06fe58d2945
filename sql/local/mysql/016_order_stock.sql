-- 016_order_stock.sql (MySQL, MariaDB): an order line bought at a special
-- says so, with the shelf (regular) price beside the price charged, for
-- kefu order show and the delivery slip (the customer's receipt); and
-- the one row every order commit updates first, so that commits run one
-- at a time and two callers cannot both take the last units of a
-- product (kefu-orders(7), STOCK).

ALTER TABLE order_lines ADD COLUMN special SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN shelf_price DECIMAL(12,2);
CREATE INDEX order_lines_code ON order_lines (code);

CREATE TABLE order_commit_lock (
	id INTEGER NOT NULL PRIMARY KEY,
	commits BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO order_commit_lock (id, commits) VALUES (1, 0);
