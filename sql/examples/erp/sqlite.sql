-- sqlite.sql: the members table (HYXX) of the example legacy ERP of
-- mysql.sql, for SQLite, to try the ERP member lookup of
-- mappings/examples/erp/erp.xml (erp.member) and
-- flows/examples/erp/points.xml without a MariaDB server
-- (kefu-store(7), MEMBERS IN THE RETAILER'S ERP).  Same rows as
-- mysql.sql; text in UTF-8.
--
--   HYXX  会员信息  HYKH 会员卡号, XM 姓名, SJ 手机, DH 电话, JF 积分,
--                   ZT 状态 (1 有效 0 注销)

CREATE TABLE HYXX (
	HYKH VARCHAR(16) NOT NULL PRIMARY KEY,
	XM VARCHAR(20),
	SJ VARCHAR(20),
	DH VARCHAR(20),
	JF INTEGER NOT NULL DEFAULT 0,
	ZT CHAR(1) NOT NULL DEFAULT '1'
);
CREATE INDEX HYXX_SJ ON HYXX (SJ);

INSERT INTO HYXX (HYKH, XM, SJ, DH, JF, ZT) VALUES
('8800012345', '张晓燕', '13912345678', '031186001111', 1280, '1'),
('8800012346', '欧阳堃', '13812340000', NULL, 35, '1'),
('8800012347', '李国强', '13700001111', NULL, 0, '0');
