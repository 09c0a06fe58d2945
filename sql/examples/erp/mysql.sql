-- mysql.sql: an example of a legacy supermarket ERP that kefu did not
-- design, as found in many Chinese shops: pinyin-abbreviated table and
-- column names, text stored in GBK, prices DECIMAL, stock split across
-- store locations (MDBH).  kefu reads it only through the mappings in
-- mappings/examples/erp/ (kefu-catalog(7)).  The file itself is UTF-8:
-- load it over a UTF-8 connection (kefu's ODBC layer with
-- encoding = UTF-8, or `mysql --default-character-set=utf8mb4`); the
-- server converts the text into the GBK tables.
--
--   SPLB  商品类别  LBBM 类别编码, LBMC 类别名称
--   SPXX  商品信息  SPBM 商品编码, TM 条码, SPMC 商品名称, GG 规格,
--                   DW 单位, LSJ 零售价, HYJ 会员价, LBBM, ZT 状态 (1 在用 0 停用)
--   MDXX  门店信息  MDBH 门店编号, MDMC 门店名称, DZ 地址, DH 电话
--   KCXX  库存信息  MDBH, SPBM, KCSL 库存数量
--   CXXX  促销信息  CXDH 促销单号, MDBH, SPBM, CXJ 促销价, KSRQ 开始日期,
--                   JSRQ 结束日期, CXSM 促销说明
--   HYXX  会员信息  HYKH 会员卡号, XM 姓名, SJ 手机, DH 电话, JF 积分,
--                   ZT 状态 (1 有效 0 注销)

CREATE TABLE SPLB (
	LBBM VARCHAR(6) NOT NULL PRIMARY KEY,
	LBMC VARCHAR(30) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=gbk;

CREATE TABLE SPXX (
	SPBM VARCHAR(8) NOT NULL PRIMARY KEY,
	TM VARCHAR(14),
	SPMC VARCHAR(60) NOT NULL,
	GG VARCHAR(30),
	DW VARCHAR(6),
	LSJ DECIMAL(12,2) NOT NULL,
	HYJ DECIMAL(12,2),
	LBBM VARCHAR(6) REFERENCES SPLB (LBBM),
	ZT CHAR(1) NOT NULL DEFAULT '1',
	KEY SPXX_TM (TM)
) ENGINE=InnoDB DEFAULT CHARSET=gbk;

CREATE TABLE MDXX (
	MDBH VARCHAR(4) NOT NULL PRIMARY KEY,
	MDMC VARCHAR(40) NOT NULL,
	DZ VARCHAR(100),
	DH VARCHAR(20)
) ENGINE=InnoDB DEFAULT CHARSET=gbk;

CREATE TABLE KCXX (
	MDBH VARCHAR(4) NOT NULL,
	SPBM VARCHAR(8) NOT NULL,
	KCSL DECIMAL(14,3) NOT NULL DEFAULT 0,
	PRIMARY KEY (MDBH, SPBM)
) ENGINE=InnoDB DEFAULT CHARSET=gbk;

CREATE TABLE CXXX (
	CXDH VARCHAR(12) NOT NULL PRIMARY KEY,
	MDBH VARCHAR(4),
	SPBM VARCHAR(8) NOT NULL,
	CXJ DECIMAL(12,2) NOT NULL,
	KSRQ DATE NOT NULL,
	JSRQ DATE NOT NULL,
	CXSM VARCHAR(100)
) ENGINE=InnoDB DEFAULT CHARSET=gbk;

INSERT INTO SPLB (LBBM, LBMC) VALUES
('01', '饮料酒水'), ('02', '粮油副食'), ('03', '乳制品'), ('04', '冷冻食品'),
('05', '日用百货'), ('06', '生鲜果蔬');

INSERT INTO SPXX (SPBM, TM, SPMC, GG, DW, LSJ, HYJ, LBBM, ZT) VALUES
('010001', '6902083881405', '农夫山泉饮用天然水', '550ml', '瓶', 2.00, 1.80, '01', '1'),
('020001', '6923456000124', '康师傅红烧牛肉面', '5连包', '包', 12.50, NULL, '02', '1'),
('020002', '6948001122335', '金龙鱼黄金比例食用调和油', '5L', '桶', 69.90, 65.90, '02', '1'),
('030001', '6912345000161', '蒙牛纯牛奶', '250ml×16', '箱', 52.00, 49.00, '03', '1'),
('040001', '6976543000217', '堃记卤水凤爪', '180g', '袋', 15.80, NULL, '04', '1'),
('020003', '6933110022003', '五常稻花香大米', '5kg', '袋', 59.90, 56.00, '02', '1'),
('020004', '6903024000152', '海天金标生抽', '1.28L', '瓶', 13.50, NULL, '02', '1'),
('040002', '6966770001286', '喆园手工水饺（三鲜）', '1kg', '袋', 28.00, NULL, '04', '1'),
('050001', '6934560001020', '维达超韧抽纸', '3层×130抽×6包', '提', 19.90, 17.90, '05', '1'),
('010002', '6901183000310', '青岛啤酒经典', '500ml×12', '箱', 48.00, NULL, '01', '1'),
('060001', '2000000000114', '散装红富士苹果', '散称', '斤', 6.98, NULL, '06', '1'),
('010003', '6909999000197', '停售旧款汽水', '330ml', '罐', 3.50, NULL, '01', '0');

INSERT INTO MDXX (MDBH, MDMC, DZ, DH) VALUES
('001', '和平路店', '和平路128号', '0311-86001234'),
('002', '新华街店', '新华街56号', '0311-86005678'),
('003', '开发区店', '开发区长江大道9号', '0311-86009012');

INSERT INTO KCXX (MDBH, SPBM, KCSL) VALUES
('001', '010001', 240), ('002', '010001', 96), ('003', '010001', 0),
('001', '020001', 35), ('002', '020001', 12),
('001', '020002', 8), ('003', '020002', 15),
('001', '030001', 20), ('002', '030001', 6),
('001', '040001', 40),
('002', '020003', 30), ('003', '020003', 18),
('001', '020004', 60),
('003', '040002', 25),
('001', '050001', 50), ('002', '050001', 44),
('001', '010002', 16),
('001', '060001', 126.5), ('002', '060001', 80.25);

INSERT INTO CXXX (CXDH, MDBH, SPBM, CXJ, KSRQ, JSRQ, CXSM) VALUES
('CX0001', NULL, '020002', 59.90, CURRENT_DATE - INTERVAL 2 DAY, CURRENT_DATE + INTERVAL 5 DAY, '金龙鱼调和油全场特价'),
('CX0002', '001', '030001', 45.00, CURRENT_DATE, CURRENT_DATE, '蒙牛纯牛奶和平路店今日特价'),
('CX0003', NULL, '040002', 22.00, CURRENT_DATE - INTERVAL 1 DAY, CURRENT_DATE + INTERVAL 1 DAY, '速冻水饺第二件半价'),
('CX0004', NULL, '010001', 1.50, CURRENT_DATE - INTERVAL 30 DAY, CURRENT_DATE - INTERVAL 10 DAY, '已结束的矿泉水促销');

CREATE TABLE HYXX (
	HYKH VARCHAR(16) NOT NULL PRIMARY KEY,
	XM VARCHAR(20),
	SJ VARCHAR(20),
	DH VARCHAR(20),
	JF INTEGER NOT NULL DEFAULT 0,
	ZT CHAR(1) NOT NULL DEFAULT '1',
	KEY HYXX_SJ (SJ)
) ENGINE=InnoDB DEFAULT CHARSET=gbk;

INSERT INTO HYXX (HYKH, XM, SJ, DH, JF, ZT) VALUES
('8800012345', '张晓燕', '13912345678', '031186001111', 1280, '1'),
('8800012346', '欧阳堃', '13812340000', NULL, 35, '1'),
('8800012347', '李国强', '13700001111', NULL, 0, '0');
