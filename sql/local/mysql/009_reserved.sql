-- 009_reserved.sql: a placeholder in the sms branch only, so that its
-- 010_sms.sql runs (versions run without gaps).  Members (008) and
-- orders (009) bring the real ones: drop this file (revert its commit)
-- when they are merged.
SELECT 1;
