-- 009_orders.sql (MySQL, MariaDB): what phone ordering records beyond 002: the
-- courier an order was given to (chosen by area when it is committed,
-- changed by `kefu order reassign`) and the call that made it (the
-- flow's call variable, "L1-1733486400123").  Columns are only added:
-- slips are printed from these tables.

ALTER TABLE orders ADD COLUMN courier_id INTEGER;
ALTER TABLE orders ADD COLUMN call_ref VARCHAR(40);
CREATE INDEX orders_courier ON orders (courier_id, area);
