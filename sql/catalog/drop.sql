-- drop.sql: remove the built-in catalog's tables (kefu catalog build
-- --force runs it before catalog.sql).  Children first.
DROP TABLE IF EXISTS staff_schedule;
DROP TABLE IF EXISTS staff;
DROP TABLE IF EXISTS notices;
DROP TABLE IF EXISTS promotions;
DROP TABLE IF EXISTS products;
DROP TABLE IF EXISTS catalog_info;
