-- 008_reserved.sql: a placeholder in the campaign branch only, so that its
-- 011_campaigns applies (the runner refuses gaps).  The members (008),
-- orders (009) and sms (010) branches hold the real ones: drop this
-- file when merging.
SELECT 1;
