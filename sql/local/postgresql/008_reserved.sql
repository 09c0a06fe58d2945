-- 008_reserved.sql: stands in for migration 008 (members') on the orders
-- branch, where 009 may not follow a gap.  Delete it at merge.
SELECT 1;
