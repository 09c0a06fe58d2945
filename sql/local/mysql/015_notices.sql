-- 015_notices.sql (MySQL, MariaDB): the store's own notices (store/notice.c,
-- kefu notice, kefu.notice.* in flows) -- what callers hear under
-- 门店公告 before the retailer's: a text said by speech or a recording
-- in the spool, the days it is valid (both included), and who
-- published it, how and when.

CREATE TABLE local_notices (
	id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
	body VARCHAR(1000),
	audio VARCHAR(255),
	audio_ms INTEGER,
	valid_from DATE NOT NULL,
	valid_until DATE NOT NULL,
	published_by VARCHAR(40) NOT NULL,
	published_via VARCHAR(8) NOT NULL
	    CHECK (published_via IN ('desk', 'phone')),
	published_at DATETIME NOT NULL,
	call_ref VARCHAR(64),
	ended_at DATETIME,
	CHECK (body IS NOT NULL OR audio IS NOT NULL),
	CHECK (valid_from <= valid_until)
);
CREATE INDEX local_notices_valid ON local_notices (valid_until, valid_from);
