/*
 * Unit tests for src/store/catalog.c and the mappings in
 * mappings/catalog/: build
 * the built-in catalog with demo data in a fresh SQLite file through
 * ODBC, refuse to overwrite it without force, rebuild it with force, and
 * answer a caller's questions through the shipped catalog mappings
 * (map_exec), as the price, promotions and notices flows do.  The same
 * portable catalog SQL is built on PostgreSQL and MariaDB when set.
 * The test runs with kefu's local date a day off UTC's (TZ): "today" is
 * kefu's date on every server, whatever the server's zone.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "db/db.h"
#include "map/map.h"
#include "store/store.h"
#include "util/util.h"
#include "../tap.h"
#include "t/store-engines.h"

static struct db_source *catalog_src;

static struct db_source *
source_for(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "catalog") == 0 ? catalog_src : NULL;
}

/*
 * Local time 12 hours ahead of UTC or behind, so that kefu's date is
 * not the date of a server kept in UTC (CI's are).
 */
static void
other_date_than_utc(void)
{
	struct tm tm;
	time_t t = time(NULL);

	gmtime_r(&t, &tm);
	setenv("TZ", tm.tm_hour >= 12 ? "KFT-12" : "KFT+12", 1);
	tzset();
}

/* A notice valid on kefu's today only: the server's date would miss it. */
static void
test_today_only(const char *today)
{
	struct db_query q;
	struct db_result *res = NULL;
	struct db_err err;
	char *sql;

	memset(&q, 0, sizeof q);
	q.sql = sql = xasprintf("INSERT INTO notices (id, title, body, "
	    "valid_from, valid_to) VALUES (990001, '今日限定', '只在今天', "
	    "'%s', '%s')", today, today);
	q.writes = 1;
	ok(db_run(catalog_src, &q, &res, &err) == 0, "a notice for %s only",
	    today);
	if (res != NULL)
		db_result_free(res);
	free(sql);
}

/* "2.9" and "2.90" are the same decimal; "2.8999999" is not. */
static int
same_decimal(const char *a, const char *b)
{
	const char *da = strchr(a, '.'), *db = strchr(b, '.');
	size_t ia = da ? (size_t)(da - a) : strlen(a);
	size_t ib = db ? (size_t)(db - b) : strlen(b);
	const char *fa = da ? da + 1 : "", *fb = db ? db + 1 : "";

	if (ia != ib || strncmp(a, b, ia) != 0)
		return 0;
	while (*fa != '\0' || *fb != '\0') {
		if ((*fa ? *fa : '0') != (*fb ? *fb : '0'))
			return 0;
		fa += *fa != '\0';
		fb += *fb != '\0';
	}
	return 1;
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

/*
 * A special of kefu's today only: the order line's price.  The server's
 * CURRENT_DATE (UTC, a day off here) missed it on PostgreSQL and MariaDB.
 */
static void
test_special_today(struct map_set *set, const struct demo *d,
    const char *today)
{
	const struct demo_product *p = &d->products[1];
	struct map_var in = { "code", p->barcode };
	struct db_query q;
	struct db_result *res = NULL;
	struct db_err err;
	struct map_res r;
	char *sql;

	memset(&q, 0, sizeof q);
	q.sql = sql = xasprintf("INSERT INTO promotions (id, barcode, kind, "
	    "promo_price, description, start_date, end_date) VALUES (990001, "
	    "'%s', '特价', 0.01, '今日特价', '%s', '%s')", p->barcode, today,
	    today);
	q.writes = 1;
	ok(db_run(catalog_src, &q, &res, &err) == 0, "a special of %s only",
	    today);
	if (res != NULL)
		db_result_free(res);
	free(sql);
	is_int(map_exec(set, "catalog.order_item", &in, 1, &r), MAP_FOUND,
	    "catalog.order_item");
	ok(same_decimal(var(&r, "special_price"), "0.01"), "the order line "
	    "has kefu's today's special price (%s; UTC's date is another)",
	    var(&r, "special_price"));
	map_res_free(&r);
}

static void
test_mappings(const char *srcdir, const struct demo *d, const char *today)
{
	struct map_load_cfg cfg = { 0 };
	struct map_set *set;
	struct map_res r;
	struct map_var in;
	char *cause = NULL, *path, *schema, day[11];
	const struct demo_product *p = &d->products[0];
	size_t i, want;

	path = xasprintf("%s/mappings/catalog", srcdir);
	schema = xasprintf("%s/mappings/mapping.rng", srcdir);
	cfg.path = path;
	cfg.schema = schema;
	cfg.source = source_for;
	if (map_load(&cfg, &set, &cause) == -1) {
		ok(0, "the catalog mappings load: %s", cause);
		free(cause);
		goto out;
	}
	ok(map_count(set) >= 7, "seven catalog mappings (%zu)", map_count(set));

	in = (struct map_var){ "code", p->barcode };
	is_int(map_exec(set, "catalog.price", &in, 1, &r), MAP_FOUND,
	    "catalog.price finds the first product by barcode");
	is_str(var(&r, "product_name"), p->name, "its name");
	ok(same_decimal(var(&r, "price"), p->price), "its price, exact "
	    "(%s, generated %s)", var(&r, "price"), p->price);
	is_str(var(&r, "spec"), p->spec, "its specification");
	is_str(var(&r, "unit"), p->unit, "its unit");
	map_res_free(&r);

	in = (struct map_var){ "code", d->products[100].plu };
	is_int(map_exec(set, "catalog.price", &in, 1, &r), MAP_FOUND,
	    "catalog.price finds a product by PLU");
	is_str(var(&r, "product_name"), d->products[100].name, "the right one");
	map_res_free(&r);

	in = (struct map_var){ "code", "6900000000000" };
	is_int(map_exec(set, "catalog.price", &in, 1, &r), MAP_EMPTY,
	    "an unknown barcode is empty");
	map_res_free(&r);
	in = (struct map_var){ "code", "12a4" };
	is_int(map_exec(set, "catalog.price", &in, 1, &r), MAP_INVALID,
	    "letters are refused before the database");
	map_res_free(&r);

	in = (struct map_var){ "code", p->barcode };
	is_int(map_exec(set, "catalog.stock", &in, 1, &r), MAP_FOUND,
	    "catalog.stock");
	ok(strcmp(var(&r, "stock"), p->stock) == 0 ||
	    (atof(var(&r, "stock")) == atof(p->stock)), "the stock (%s)",
	    var(&r, "stock"));
	map_res_free(&r);

	in = (struct map_var){ "plu", p->plu };
	is_int(map_exec(set, "catalog.plu", &in, 1, &r), MAP_FOUND,
	    "catalog.plu");
	is_str(var(&r, "barcode"), p->barcode, "gives the barcode");
	map_res_free(&r);

	for (i = want = 0; i < d->npromos; i++)
		if (strcmp(d->promos[i].start, today) <= 0 &&
		    strcmp(d->promos[i].end, today) >= 0)
			want++;
	is_int(map_exec(set, "catalog.promotions_today", NULL, 0, &r),
	    MAP_FOUND, "catalog.promotions_today finds today's promotions");
	is_int(r.nrows, want, "all %zu of them", want);
	map_res_free(&r);

	test_today_only(today);
	test_special_today(set, d, today);
	is_int(map_exec(set, "catalog.notices_today", NULL, 0, &r), MAP_FOUND,
	    "catalog.notices_today");
	ok(r.nrows >= 5, "several notices valid today (%zu)", r.nrows);
	for (i = 0; i < r.nrows; i++)
		if (strstr(MAP_ROW(&r, i, 0)->s, "旧公告") != NULL)
			break;
	ok(i == r.nrows, "an expired notice is not read");
	for (i = 0; i < r.nrows; i++)
		if (strcmp(MAP_ROW(&r, i, 0)->s, "今日限定") == 0)
			break;
	ok(i < r.nrows, "the notice of kefu's today is read (%s; UTC's date "
	    "is another)", today);
	map_res_free(&r);

	in = (struct map_var){ "staff_no", "1001" };
	is_int(map_exec(set, "catalog.staff", &in, 1, &r), MAP_FOUND,
	    "catalog.staff");
	is_str(var(&r, "staff_name"), d->staff[0].name, "the name of 1001");
	map_res_free(&r);
	is_int(map_exec(set, "catalog.schedule", &in, 1, &r), MAP_FOUND,
	    "catalog.schedule");
	if (r.outcome != MAP_FOUND)
		tap_diag("%s", r.error);
	ok(r.nrows >= 3 && r.nrows <= 7, "a week's shifts (%zu)", r.nrows);
	demo_date_add(today, 0, day);
	ok(strcmp(var(&r, "work_date"), day) >= 0, "from today on (%s)",
	    var(&r, "work_date"));
	map_res_free(&r);
	in = (struct map_var){ "staff_no", "9999" };
	is_int(map_exec(set, "catalog.schedule", &in, 1, &r), MAP_EMPTY,
	    "no schedule for an unknown staff number");
	map_res_free(&r);
	map_set_free(set);
out:
	free(path);
	free(schema);
}

/*
 * The catalog's SQL is portable: build the demo catalog on a server in a
 * schema (PostgreSQL) or database (MariaDB) of its own, count, drop.
 */
static void
test_server(const char *label, const char *var, struct db_adapters *ads,
    const char *sqldir, const char *today, const struct demo *d)
{
	struct conf_datasource ds;
	struct catalog_opts opts = { .demo = 1, .seed = CATALOG_SEED,
	    .today = today };
	struct catalog_counts c;
	struct db_source *src;
	const char *base = getenv(var);
	char *name, *sql, *conn, *cause = NULL;
	int pg = strcmp(label, "postgresql") == 0;

	if (store_test_missing(var, label))
		return;
	name = xasprintf("kefu_c%ld", (long)getpid());
	sql = store_test_create_sql(label, name);
	ok(store_test_admin(ads, base, sql) == 0, "%s: a fresh %s %s", label,
	    pg ? "schema" : "database", name);
	free(sql);
	conn = store_test_connstr(label, base, name);
	store_test_ds(&ds, "catalog", conn);
	if (db_source_open(&ds, ads, &src, &cause) == 0) {
		ok(catalog_build(src, sqldir, &opts, &cause) == 0,
		    "%s: build the demo catalog", label);
		if (cause != NULL)
			tap_diag("%s", cause);
		free(cause);
		cause = NULL;
		memset(&c, 0, sizeof c);
		catalog_count(src, today, &c, &cause);
		is_int(c.products, 2100, "%s: 2100 products", label);
		ok(c.promotions_today >= 5, "%s: promotions today", label);
		tap_diag("%s: the catalog mappings", label);
		catalog_src = src;
		test_mappings(getenv("KEFU_SRCDIR") ? getenv("KEFU_SRCDIR") :
		    ".", d, today);
		db_source_close(src);
	} else
		ok(0, "%s: open: %s", label, cause);
	free(cause);
	sql = store_test_drop_sql(label, name);
	ok(store_test_admin(ads, base, sql) == 0, "%s: dropped", label);
	free(sql);
	free(conn);
	free(name);
}

int
main(void)
{
	struct conf_datasource ds;
	struct catalog_opts opts = { .demo = 1, .seed = CATALOG_SEED };
	struct catalog_counts c;
	struct demo *d;
	const char *srcdir;
	struct db_adapters *ads;
	char *conn, *db, *sqldir, *adir, *bad, *cmd, *cause = NULL, today[11];
	static char *list[1];

	other_date_than_utc();
	srcdir = getenv("KEFU_SRCDIR") ? getenv("KEFU_SRCDIR") : ".";
	sqldir = xasprintf("%s/sql", srcdir);
	db = xasprintf("/tmp/kefu-catalog-%ld.db", (long)getpid());
	conn = xasprintf("Driver=SQLite3;Database=%s", db);
	unlink(db);
	memset(&ds, 0, sizeof ds);
	list[0] = conn;
	ds.name = (char *)"catalog";
	ds.connect = list;
	ds.nconnect = 1;
	ds.encoding = (char *)"UTF-8";
	ds.pool_size = 2;
	ds.pool_wait_ms = 5000;
	ds.connect_timeout_ms = 5000;
	ds.query_timeout_ms = 60000;
	ds.retry_ms = 100;
	ds.retry_max_ms = 1000;
	ds.idle_check_ms = 30000;
	adir = xasprintf("%s/adapters", srcdir);
	if (db_adapters_load(adir, &ads, &cause) == -1) {
		ok(0, "adapters: %s", cause);
		return tap_done();
	}
	free(adir);
	if (db_source_open(&ds, ads, &catalog_src, &cause) == -1) {
		ok(0, "open: %s", cause);
		return tap_done();
	}
	catalog_today(today);
	opts.today = today;

	ok(catalog_count(catalog_src, today, &c, &cause) == -1,
	    "no catalog yet: counting fails");
	free(cause);
	cause = NULL;
	ok(catalog_build(catalog_src, sqldir, &opts, &cause) == 0,
	    "build the demo catalog");
	if (cause != NULL)
		tap_diag("%s", cause);
	ok(catalog_count(catalog_src, today, &c, &cause) == 0, "count it");
	is_int(c.products, 2100, "2100 products in the database");
	is_int(c.promotions, 70, "70 promotions");
	ok(c.promotions_today >= 5, "promotions valid today: %lld",
	    (long long)c.promotions_today);
	is_int(c.notices, 10, "10 notices");
	is_int(c.staff, 40, "40 staff");
	ok(c.shifts > 40 * 7, "two weeks of shifts (%lld)",
	    (long long)c.shifts);

	ok(catalog_build(catalog_src, sqldir, &opts, &cause) == -1,
	    "a second build without force is refused");
	like(cause, "--force", "and the message says how");
	free(cause);
	cause = NULL;
	opts.force = 1;
	opts.demo = 0;
	ok(catalog_build(catalog_src, sqldir, &opts, &cause) == 0,
	    "force rebuilds it (empty)");
	catalog_count(catalog_src, today, &c, &cause);
	is_int(c.products, 0, "an empty catalog has no products");
	opts.demo = 1;
	ok(catalog_build(catalog_src, sqldir, &opts, &cause) == 0,
	    "force rebuilds it with demo data");
	catalog_count(catalog_src, today, &c, &cause);
	is_int(c.products, 2100, "2100 products again");

	/* A build that fails half-way leaves the old catalog (one script). */
	bad = xasprintf("/tmp/kefu-catalog-sql-%ld", (long)getpid());
	cmd = xasprintf("mkdir -p %s/catalog && cp %s/catalog/*.sql "
	    "%s/catalog/ && echo 'CREATE TABLE broken (;' >> "
	    "%s/catalog/catalog.sql", bad, sqldir, bad, bad);
	ok(system(cmd) == 0, "a broken copy of catalog.sql");
	ok(catalog_build(catalog_src, bad, &opts, &cause) == -1,
	    "a forced build with a broken script fails");
	free(cause);
	cause = NULL;
	catalog_count(catalog_src, today, &c, &cause);
	is_int(c.products, 2100, "and the old catalog is still there");
	free(cmd);
	cmd = xasprintf("rm -rf %s", bad);
	if (system(cmd) != 0)
		tap_diag("%s failed", cmd);
	free(cmd);
	free(bad);

	opts.today = "2026-02-30";
	ok(catalog_build(catalog_src, sqldir, &opts, &cause) == -1,
	    "an impossible day is refused");
	free(cause);
	cause = NULL;
	opts.today = today;

	if (demo_build(CATALOG_SEED, today, &d, &cause) == 0) {
		test_mappings(srcdir, d, today);
		db_source_close(catalog_src);
		test_server("postgresql", "KEFU_TEST_PG", ads, sqldir, today,
		    d);
		test_server("mariadb", "KEFU_TEST_MARIADB", ads, sqldir, today,
		    d);
		demo_free(d);
	} else
		db_source_close(catalog_src);
	db_adapters_free(ads);
	unlink(db);
	free(db);
	free(conn);
	free(sqldir);
	return tap_done();
}
