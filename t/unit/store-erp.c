/*
 * Live test of the example legacy ERP (sql/examples/erp/mysql.sql and
 * mappings/examples/erp/erp.xml) on MariaDB with a GBK character set
 * (KEFU_TEST_MARIADB_GBK): load the UTF-8 script over a UTF-8
 * connection into a fresh GBK database kefu_erpPID, check the server
 * really stores GBK bytes, then ask through the mappings over a GBK
 * connection and compare names and prices with the expected UTF-8.
 */
#include "config.h"

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "db/db.h"
#include "map/map.h"
#include "util/util.h"
#include "../tap.h"
#include "t/store-engines.h"

static struct db_source *erp_src;
static struct db_adapters *ads;

static struct db_source *
source_for(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "erp") == 0 ? erp_src : NULL;
}

static void
ds_init(struct conf_datasource *ds, const char *name, char **list,
    const char *encoding)
{
	memset(ds, 0, sizeof *ds);
	ds->name = (char *)name;
	ds->connect = list;
	ds->nconnect = 1;
	ds->encoding = (char *)encoding;
	ds->pool_size = 2;
	ds->pool_wait_ms = 5000;
	ds->connect_timeout_ms = 5000;
	ds->query_timeout_ms = 30000;
	ds->retry_ms = 100;
	ds->retry_max_ms = 1000;
	ds->idle_check_ms = 30000;
}

/* Upper-case hex of the GBK bytes of a UTF-8 string. */
static char *
gbk_hex(const char *utf8)
{
	iconv_t cd = iconv_open("GBK", "UTF-8");
	char buf[256], *in = (char *)utf8, *out = buf, *hex;
	size_t inl = strlen(utf8), outl = sizeof buf, i, n;

	if (cd == (iconv_t)-1 || iconv(cd, &in, &inl, &out, &outl) ==
	    (size_t)-1) {
		if (cd != (iconv_t)-1)
			iconv_close(cd);
		return xstrdup("(iconv failed)");
	}
	iconv_close(cd);
	n = (size_t)(out - buf);
	hex = xmalloc(2 * n + 1);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02X", (unsigned char)buf[i]);
	return hex;
}

static const char *
var(const struct map_res *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nvars; i++)
		if (strcmp(r->vars[i].name, name) == 0)
			return r->vars[i].v->null ? "(null)" : r->vars[i].v->s;
	return "(missing)";
}

/* An integer variable, -1 when missing or NULL. */
static long long
ivar(const struct map_res *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nvars; i++)
		if (strcmp(r->vars[i].name, name) == 0)
			return r->vars[i].v->null ? -1 : r->vars[i].v->i;
	return -1;
}

static int
run1(struct db_source *src, const char *sql, const char *param, char **out)
{
	struct db_param p = { .type = DBV_TEXT, .s = param };
	struct db_query q = { .sql = sql, .params = &p,
	    .nparams = param ? 1 : 0, .writes = 1 };
	struct db_result *res;
	struct db_err err;

	if (db_run(src, &q, &res, &err) == -1) {
		tap_diag("%s: %s", sql, err.msg);
		return -1;
	}
	if (out != NULL)
		*out = res->nrows > 0 && res->ncols > 0 &&
		    !DB_CELL(res, 0, 0)->null ?
		    xstrdup(DB_CELL(res, 0, 0)->s) : NULL;
	db_result_free(res);
	return 0;
}

/* Byte-level proof that the server holds GBK, not UTF-8 or mojibake. */
static void
test_stored(struct db_source *loader)
{
	static const char *const names[] = {
		"农夫山泉饮用天然水", "堃记卤水凤爪", "喆园手工水饺（三鲜）",
	};
	static const char *const codes[] = {
		"6902083881405", "6976543000217", "6966770001286",
	};
	char *got = NULL, *want;
	size_t i;

	run1(loader, "SELECT CHARACTER_SET_NAME FROM information_schema."
	    "COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'SPXX' "
	    "AND COLUMN_NAME = 'SPMC'", NULL, &got);
	is_str(got, "gbk", "SPXX.SPMC is a GBK column");
	free(got);
	for (i = 0; i < nitems(names); i++) {
		got = NULL;
		run1(loader, "SELECT HEX(SPMC) FROM SPXX WHERE TM = ?",
		    codes[i], &got);
		want = gbk_hex(names[i]);
		is_str(got, want, "%s is stored as GBK bytes", names[i]);
		free(got);
		free(want);
	}
}

/*
 * kefu's local date a day off the server's (kept in UTC in CI): local
 * time 12 hours ahead of UTC or behind, and the promotions, written
 * relative to the server's CURRENT_DATE, moved to kefu's calendar, as
 * an ERP in the shop's own zone has them.
 */
static void
kefu_day_off_server(void)
{
	struct tm tm;
	time_t t = time(NULL);
	char today[11], *sql;

	gmtime_r(&t, &tm);
	setenv("TZ", tm.tm_hour >= 12 ? "KFT-12" : "KFT+12", 1);
	tzset();
	localtime_r(&t, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	sql = xasprintf("UPDATE CXXX SET KSRQ = KSRQ + INTERVAL "
	    "DATEDIFF('%s', CURRENT_DATE) DAY, JSRQ = JSRQ + INTERVAL "
	    "DATEDIFF('%s', CURRENT_DATE) DAY", today, today);
	ok(run1(erp_src, sql, NULL, NULL) == 0, "promotions moved to kefu's "
	    "today, %s", today);
	free(sql);
}

static void
test_mappings(const char *srcdir)
{
	struct map_load_cfg cfg = { 0 };
	struct map_set *set;
	struct map_res r;
	struct map_var in[2];
	char *cause = NULL, *path, *schema;
	size_t i;

	path = xasprintf("%s/mappings/examples/erp", srcdir);
	schema = xasprintf("%s/mappings/mapping.rng", srcdir);
	cfg.path = path;
	cfg.schema = schema;
	cfg.source = source_for;
	if (map_load(&cfg, &set, &cause) == -1) {
		ok(0, "the ERP example mappings load: %s", cause);
		free(cause);
		goto out;
	}
	is_int(map_count(set), 6, "six ERP example mappings");

	in[0] = (struct map_var){ "code", "6902083881405" };
	is_int(map_exec(set, "erp.price", in, 1, &r), MAP_FOUND,
	    "erp.price by barcode (TM)");
	if (r.outcome != MAP_FOUND)
		tap_diag("%s", r.error);
	is_str(var(&r, "product_name"), "农夫山泉饮用天然水",
	    "the Chinese name survives GBK -> UTF-8");
	is_str(var(&r, "price"), "2.00", "the price is exact");
	is_str(var(&r, "member_price"), "1.80", "the member price");
	is_str(var(&r, "unit"), "瓶", "the unit");
	ok(atof(var(&r, "stock")) == 336, "stock summed over the stores (%s)",
	    var(&r, "stock"));
	map_res_free(&r);

	in[0] = (struct map_var){ "code", "040002" };
	is_int(map_exec(set, "erp.price", in, 1, &r), MAP_FOUND,
	    "erp.price by item code (SPBM)");
	is_str(var(&r, "product_name"), "喆园手工水饺（三鲜）",
	    "a GBK-only character and full-width brackets survive");
	is_str(var(&r, "price"), "28.00", "its price");
	is_str(var(&r, "member_price"), "(null)", "no member price is NULL");
	map_res_free(&r);

	in[0] = (struct map_var){ "code", "6976543000217" };
	map_exec(set, "erp.price", in, 1, &r);
	is_str(var(&r, "product_name"), "堃记卤水凤爪", "堃 (GBK, not GB2312)");
	is_str(var(&r, "price"), "15.80", "its price");
	map_res_free(&r);

	in[0] = (struct map_var){ "code", "6909999000197" };
	is_int(map_exec(set, "erp.price", in, 1, &r), MAP_EMPTY,
	    "a discontinued product (ZT 0) is not found");
	map_res_free(&r);

	in[0] = (struct map_var){ "code", "2000000000114" };
	in[1] = (struct map_var){ "store", "002" };
	is_int(map_exec(set, "erp.store_stock", in, 2, &r), MAP_FOUND,
	    "erp.store_stock");
	is_str(var(&r, "store_name"), "新华街店", "the store's name");
	ok(atof(var(&r, "stock")) == 80.25, "a weighed stock (%s)",
	    var(&r, "stock"));
	map_res_free(&r);

	kefu_day_off_server();
	is_int(map_exec(set, "erp.promotions_today", NULL, 0, &r), MAP_FOUND,
	    "erp.promotions_today");
	is_int(r.nrows, 3, "three promotions of kefu's today (a day off the "
	    "server's), the expired one left out");
	for (i = 0; i < r.nrows; i++)
		if (strstr(MAP_ROW(&r, i, 5)->s, "今日特价") != NULL)
			break;
	ok(i < r.nrows, "the special of kefu's today only among them");
	map_res_free(&r);

	in[0] = (struct map_var){ "prefix", "金龙鱼" };
	is_int(map_exec(set, "erp.search", in, 1, &r), MAP_FOUND,
	    "erp.search with a Chinese parameter bound in GBK");
	is_str(var(&r, "product_name"), "金龙鱼黄金比例食用调和油",
	    "finds the oil");
	is_str(var(&r, "price"), "69.90", "its price");
	map_res_free(&r);
	in[0] = (struct map_var){ "prefix", "不存在" };
	is_int(map_exec(set, "erp.search", in, 1, &r), MAP_EMPTY,
	    "an unknown name finds nothing");
	map_res_free(&r);
	in[0] = (struct map_var){ "prefix", "%" };
	is_int(map_exec(set, "erp.search", in, 1, &r), MAP_EMPTY,
	    "a caller's %% is a per cent sign, not every product (match=)");
	map_res_free(&r);

	/* Members of the ERP's loyalty scheme (kefu-store(7)). */
	in[0] = (struct map_var){ "key", "13912345678" };
	is_int(map_exec(set, "erp.member", in, 1, &r), MAP_FOUND,
	    "erp.member by mobile (the caller ID)");
	is_str(var(&r, "member_name"), "张晓燕", "the member's Chinese name "
	    "from GBK");
	is_int(ivar(&r, "points"), 1280, "the points balance");
	is_str(var(&r, "card_no"), "8800012345", "the card number");
	map_res_free(&r);
	in[0] = (struct map_var){ "key", "8800012346" };
	is_int(map_exec(set, "erp.member", in, 1, &r), MAP_FOUND,
	    "erp.member by card number");
	is_str(var(&r, "member_name"), "欧阳堃", "堃 (GBK, not GB2312)");
	is_int(ivar(&r, "points"), 35, "its points");
	map_res_free(&r);
	in[0] = (struct map_var){ "key", "8800012347" };
	is_int(map_exec(set, "erp.member", in, 1, &r), MAP_EMPTY,
	    "a cancelled card (ZT 0) is not found");
	map_res_free(&r);
	in[0] = (struct map_var){ "key", "88000123x" };
	is_int(map_exec(set, "erp.member", in, 1, &r), MAP_INVALID,
	    "a key that is not digits never reaches the ERP");
	map_res_free(&r);
	/* Every member's points, a page after a card number. */
	in[0] = (struct map_var){ "after", "" };
	is_int(map_exec(set, "erp.member_points", in, 1, &r), MAP_FOUND,
	    "erp.member_points from the first card");
	is_int(r.nrows, 2, "both valid cards, not the cancelled one");
	is_str(var(&r, "card_no"), "8800012345", "in card number order");
	map_res_free(&r);
	in[0] = (struct map_var){ "after", "8800012345" };
	is_int(map_exec(set, "erp.member_points", in, 1, &r), MAP_FOUND,
	    "erp.member_points after a card");
	is_int(r.nrows, 1, "only the cards after it");
	is_int(ivar(&r, "points"), 35, "with its points");
	map_res_free(&r);
	map_set_free(set);
out:
	free(path);
	free(schema);
}

static int
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fputs(text, fp);
	return fclose(fp);
}

/*
 * Chinese literals in a mapping's own SQL reach a GBK database as GBK
 * (issue 9: they were sent as UTF-8 bytes and matched nothing), and one
 * GBK cannot hold is refused when the mappings load, at its line.
 */
static void
test_literals(const char *srcdir, struct conf_datasource *erp)
{
	struct map_load_cfg cfg = { 0 };
	struct conf conf = { 0 };
	struct map_set *set = NULL;
	struct map_res r;
	char dir[] = "/tmp/kefu-erp-lit-XXXXXX", *path, *schema;
	char *cause = NULL;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	schema = xasprintf("%s/mappings/mapping.rng", srcdir);
	path = xasprintf("%s/lit.xml", dir);
	write_file(path, "<mappings>\n"
	    "  <mapping name=\"erp.dairy\" datasource=\"erp\">\n"
	    "    <sql>SELECT LBBM, LBMC FROM SPLB\n"
	    "          WHERE LBMC = '乳制品'</sql>\n"
	    "    <result rows=\"one\">\n"
	    "      <column name=\"LBBM\" var=\"category\" type=\"text\"/>\n"
	    "      <column name=\"LBMC\" var=\"category_name\" "
	    "type=\"text\"/>\n"
	    "    </result>\n"
	    "  </mapping>\n"
	    "</mappings>\n");
	conf.ds = erp;
	conf.nds = 1;
	cfg.path = path;
	cfg.schema = schema;
	cfg.conf = &conf;
	cfg.source = source_for;
	if (map_load(&cfg, &set, &cause) == -1) {
		ok(0, "a mapping with a Chinese literal loads: %s", cause);
		free(cause);
		cause = NULL;
	} else {
		is_int(map_exec(set, "erp.dairy", NULL, 0, &r), MAP_FOUND,
		    "WHERE LBMC = '乳制品' finds the row on a GBK database");
		if (r.outcome != MAP_FOUND)
			tap_diag("%s", r.error);
		is_str(var(&r, "category"), "03", "the category's code");
		is_str(var(&r, "category_name"), "乳制品",
		    "and its name back in UTF-8");
		map_res_free(&r);
		map_set_free(set);
		set = NULL;
	}
	write_file(path, "<mappings>\n"
	    "  <mapping name=\"erp.emoji\" datasource=\"erp\">\n"
	    "    <sql>SELECT LBBM FROM SPLB\n"
	    "          WHERE LBMC = '😀'</sql>\n"
	    "    <result rows=\"one\"><column name=\"LBBM\" var=\"c\" "
	    "type=\"text\"/>"
	    "</result>\n"
	    "  </mapping>\n"
	    "</mappings>\n");
	ok(map_load(&cfg, &set, &cause) == -1, "a literal GBK cannot hold "
	    "is refused at load");
	like(cause, "lit.xml:4: the SQL holds \"😀\", which GBK (the "
	    "encoding of datasource 'erp') cannot hold", "with file:line");
	free(cause);
	unlink(path);
	rmdir(dir);
	free(path);
	free(schema);
}

int
main(void)
{
	struct conf_datasource adm, ld, erp;
	struct db_source *admin = NULL, *loader = NULL;
	struct db_err err;
	const char *base = getenv("KEFU_TEST_MARIADB_GBK"), *req, *srcdir;
	char *db, *sql, *script, *adir, *cause = NULL;
	static char *l_adm[1], *l_ld[1], *l_erp[1];

	req = getenv("KEFU_TEST_REQUIRE_SERVERS");
	if (base == NULL || *base == '\0') {
		if (req != NULL && strcmp(req, "1") == 0) {
			ok(0, "KEFU_TEST_MARIADB_GBK is required but not set");
			return tap_done();
		}
		tap_skip_all("KEFU_TEST_MARIADB_GBK not set");
	}
	srcdir = getenv("KEFU_SRCDIR") ? getenv("KEFU_SRCDIR") : ".";
	adir = xasprintf("%s/adapters", srcdir);
	if (db_adapters_load(adir, &ads, &cause) == -1) {
		ok(0, "adapters: %s", cause);
		return tap_done();
	}
	free(adir);

	db = xasprintf("kefu_erp%ld", (long)getpid());
	l_adm[0] = (char *)base;
	ds_init(&adm, "admin", l_adm, "UTF-8");
	if (db_source_open(&adm, ads, &admin, &cause) == -1) {
		ok(0, "open: %s", cause);
		return tap_done();
	}
	sql = xasprintf("CREATE DATABASE %s DEFAULT CHARACTER SET gbk", db);
	ok(run1(admin, sql, NULL, NULL) == 0, "create a GBK database %s", db);
	free(sql);

	l_ld[0] = store_test_with_database(base, db);
	ds_init(&ld, "loader", l_ld, "UTF-8");
	l_erp[0] = store_test_with_database(base, db);
	ds_init(&erp, "erp", l_erp, "GBK");
	erp.adapter = (char *)"mysql";
	sql = xasprintf("%s/sql/examples/erp/mysql.sql", srcdir);
	if (db_source_open(&ld, ads, &loader, &cause) == 0 &&
	    file_read(sql, &script, NULL, &cause) == 0) {
		ok(db_run_script(loader, script, &err) == 0,
		    "load the example ERP over a UTF-8 connection");
		if (err.kind != DBE_NONE)
			tap_diag("%s", err.msg);
		free(script);
		test_stored(loader);
	} else
		ok(0, "load: %s", cause);
	free(sql);

	if (db_source_open(&erp, ads, &erp_src, &cause) == 0) {
		test_mappings(srcdir);
		test_literals(srcdir, &erp);
		db_source_close(erp_src);
	} else
		ok(0, "open erp: %s", cause);

	if (loader != NULL)
		db_source_close(loader);
	sql = xasprintf("DROP DATABASE %s", db);
	ok(run1(admin, sql, NULL, NULL) == 0, "drop %s", db);
	free(sql);
	db_source_close(admin);
	db_adapters_free(ads);
	free(l_ld[0]);
	free(l_erp[0]);
	free(db);
	return tap_done();
}
