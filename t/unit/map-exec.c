/*
 * map-exec.c: running mappings against real databases through real ODBC
 * drivers -- SQLite always (a temporary .db), PostgreSQL and MariaDB when
 * KEFU_TEST_PG / KEFU_TEST_MARIADB hold connection strings.  Covers every
 * outcome, NULL against the empty string, exact decimals, rejection
 * before the database, and input laced with quotes, semicolons and SQL
 * comments that is bound literally and cannot change the statement.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "map/map-int.h"
#include "util/util.h"
#include "../tap.h"

static const char *srcdir;

/*
 * LeakSanitizer hook: psqlODBC keeps two small blocks per process that it
 * never frees (inside the driver, not kefu).
 */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:psqlodbcw.so\nleak:psqlodbca.so\n";
}

static const char schema_sql[] =
    "CREATE TABLE products (plu INTEGER, barcode VARCHAR(14), "
    "name VARCHAR(60), price DECIMAL(10,2), unit VARCHAR(8), "
    "on_sale INTEGER, stock INTEGER);\n"
    "CREATE TABLE promos (plu INTEGER, promo_price DECIMAL(10,2), "
    "starts DATE, ends DATE);\n"
    "INSERT INTO products VALUES (1001, '6901234567892', "
    "'\xe5\x8f\xaf\xe5\x8f\xa3\xe5\x8f\xaf\xe4\xb9\x90', 3.50, "
    "'\xe7\x93\xb6', 1, 24);\n"
    "INSERT INTO products VALUES (1002, '4006381333931', 'Stabilo pen', "
    "12.00, NULL, 0, 0);\n"
    "INSERT INTO products VALUES (1003, '96385074', 'Apple', 5.99, '', 0, "
    "7);\n"
    "INSERT INTO products VALUES (1004, '036000291452', 'Apricot', 8.00, "
    "'kg', 1, 3);\n"
    "INSERT INTO products VALUES (1005, '0001005', 'Apple juice', 6.50, "
    "'L', 0, 10);\n"
    "INSERT INTO products VALUES (1006, '0001006', 'Apex cable', 19.90, "
    "'m', 0, 1);\n"
    "INSERT INTO products VALUES (1007, '0001007', 'O''Brien''s tea', "
    "4.20, 'box', 0, 2);\n"
    "INSERT INTO products VALUES (1008, '0001008', '100% Juice', 9.90, "
    "'L', 0, 5);\n"
    "INSERT INTO products VALUES (1009, '0001009', 'Tea_bags [x] 5!', "
    "3.00, 'box', 0, 5);\n"
    "INSERT INTO products VALUES (2000, '2000000000008', 'Twin A', 1.00, "
    "'', 0, 1);\n"
    "INSERT INTO products VALUES (2000, '2000000000015', 'Twin B', 1.00, "
    "'', 0, 1);\n"
    "INSERT INTO promos VALUES (1001, 2.99, '2026-01-01', '2026-12-31');\n"
    "INSERT INTO promos VALUES (1001, 2.50, '2026-06-01', '2026-06-30');\n";

struct env {
	const char *label;
	struct conf *conf;
	struct map_pools *pools;
	struct db_adapters *ads;
	struct map_set *good, *runtime;
	struct db_source *erp;
};

static struct map_set *
load_dir(struct env *e, const char *sub)
{
	struct map_load_cfg cfg;
	struct map_set *set = NULL;
	char *cause = NULL, *dir = xasprintf("%s/t/data/map/%s", srcdir, sub);
	char *schema = xasprintf("%s/mappings/mapping.rng", srcdir);

	memset(&cfg, 0, sizeof cfg);
	cfg.path = dir;
	cfg.conf = e->conf;
	cfg.schema = schema;
	cfg.source = map_pools_source;
	cfg.arg = e->pools;
	if (map_load(&cfg, &set, &cause) == -1)
		printf("Bail out! %s\n", cause), exit(1);
	free(dir);
	free(schema);
	return set;
}

static void
set_connect(struct conf *conf, const char *ds, const char *connect)
{
	size_t i;

	for (i = 0; i < conf->nds; i++) {
		if (strcmp(conf->ds[i].name, ds) != 0)
			continue;
		free(conf->ds[i].connect[0]);
		conf->ds[i].connect[0] = xstrdup(connect);
		conf->ds[i].nconnect = 1;
	}
}

static int
env_open(struct env *e, const char *label, const char *connect)
{
	struct db_err err;
	char *cause = NULL, *path;

	memset(e, 0, sizeof *e);
	e->label = label;
	path = xasprintf("%s/t/data/map/kefu.conf", srcdir);
	if (conf_load(path, &e->conf, &cause) == -1)
		printf("Bail out! %s\n", cause), exit(1);
	free(path);
	set_connect(e->conf, "erp", connect);
	set_connect(e->conf, "ro", connect);
	if (db_adapters_load(e->conf->adapters_dir, &e->ads, &cause) == -1) {
		tap_diag("adapters not loaded: %s", cause);
		free(cause);
		e->ads = NULL;
	}
	if (map_pools_open(e->conf, e->ads, &e->pools, &cause) == -1)
		printf("Bail out! %s\n", cause), exit(1);
	e->erp = map_pools_source(e->pools, "erp");
	db_run_script(e->erp, "DROP TABLE products;\nDROP TABLE promos;\n",
	    &err);
	if (db_run_script(e->erp, schema_sql, &err) == -1) {
		ok(0, "%s: test tables created: %s", label, err.msg);
		return -1;
	}
	e->good = load_dir(e, "good");
	e->runtime = load_dir(e, "runtime");
	return 0;
}

static void
env_close(struct env *e)
{
	struct db_err err;

	if (e->erp != NULL)
		db_run_script(e->erp, "DROP TABLE products;\n"
		    "DROP TABLE promos;\n", &err);
	map_set_free(e->good);
	map_set_free(e->runtime);
	map_pools_close(e->pools);
	if (e->ads != NULL)
		db_adapters_free(e->ads);
	conf_free(e->conf);
}

static uint64_t
queries(struct env *e)
{
	struct db_stats st;

	db_source_stats(e->erp, &st);
	return st.queries;
}

static const struct db_value *
var(const struct map_res *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nvars; i++)
		if (strcmp(r->vars[i].name, name) == 0)
			return r->vars[i].v;
	return NULL;
}

static enum map_outcome
run1(struct map_set *set, const char *name, const char *k, const char *v,
    struct map_res *res)
{
	struct map_var in[1] = { { k, v } };

	return map_exec(set, name, in, k != NULL ? 1 : 0, res);
}

static void
test_found(struct env *e)
{
	struct map_res r;
	const struct db_value *v;

	is_str(map_outcome_name(run1(e->good, "price", "code",
	    "6901234567892", &r)), "found", "%s: price by barcode: %s",
	    e->label, r.error);
	v = var(&r, "product_name");
	is_str(v ? v->s : NULL, "\xe5\x8f\xaf\xe5\x8f\xa3\xe5\x8f\xaf"
	    "\xe4\xb9\x90", "%s: UTF-8 name", e->label);
	v = var(&r, "price");
	ok(v && v->type == DBV_DECIMAL && !v->null, "%s: price is a decimal",
	    e->label);
	/* SQLite keeps DECIMAL as REAL: 3.50 comes back as 3.5. */
	if (strcmp(e->label, "sqlite") == 0)
		ok(v && v->s && map_param_deccmp(v->s, "3.50") == 0,
		    "%s: price 3.50 (%s)", e->label, v && v->s ? v->s : "");
	else
		is_str(v ? v->s : NULL, "3.50", "%s: exact price", e->label);
	v = var(&r, "on_sale");
	ok(v && v->type == DBV_BOOL && v->i == 1, "%s: boolean", e->label);
	is_int(r.nparams, 2, "%s: :code bound twice", e->label);
	ok(r.elapsed_us > 0, "%s: time measured", e->label);
	map_res_free(&r);
	run1(e->good, "price", "code", "1002", &r);
	v = var(&r, "unit");
	ok(v != NULL && v->null, "%s: NULL unit is NULL", e->label);
	map_res_free(&r);
	run1(e->good, "price", "code", "1003", &r);
	v = var(&r, "unit");
	ok(v != NULL && !v->null && v->s && strcmp(v->s, "") == 0,
	    "%s: empty unit is '' and not NULL", e->label);
	map_res_free(&r);
	run1(e->good, "barcode", "code", "0001005", &r);
	is_str(map_outcome_name(r.outcome), "invalid", "%s: 7 digits is no "
	    "barcode", e->label);
	map_res_free(&r);
	run1(e->good, "barcode", "code", "036000291452", &r);
	v = var(&r, "stock");
	ok(v && v->type == DBV_INT && v->i == 3, "%s: integer stock",
	    e->label);
	map_res_free(&r);
}

static void
test_rows(struct env *e)
{
	struct map_res r;

	is_str(map_outcome_name(run1(e->good, "price", "code", "9999", &r)),
	    "empty", "%s: no row -> empty", e->label);
	is_int(r.nvars, 0, "%s: no variables when empty", e->label);
	map_res_free(&r);
	is_str(map_outcome_name(run1(e->good, "price", "code", "2000", &r)),
	    "error", "%s: two rows for rows=one -> error", e->label);
	like(r.error, "more than 1 row", "%s: says why", e->label);
	map_res_free(&r);
	is_str(map_outcome_name(run1(e->good, "search", "prefix", "Apr", &r)),
	    "found", "%s: search one row", e->label);
	is_int(r.nrows, 1, "%s: one row", e->label);
	map_res_free(&r);
	is_str(map_outcome_name(run1(e->good, "search", "prefix", "Ap", &r)),
	    "many", "%s: 4 rows, max 3, on-many=many", e->label);
	is_int(r.nrows, 3, "%s: three rows kept", e->label);
	is_str(r.nrows == 3 ? MAP_ROW(&r, 2, 0)->s : NULL, "Apple juice",
	    "%s: in order", e->label);
	map_res_free(&r);
	is_str(map_outcome_name(run1(e->good, "search", "prefix", "Zz", &r)),
	    "empty", "%s: search nothing", e->label);
	map_res_free(&r);
	is_str(map_outcome_name(run1(e->runtime, "all_names", NULL, NULL,
	    &r)), "error", "%s: more than max-rows, on-many=error", e->label);
	like(r.error, "more than 2 rows", "%s: says how many", e->label);
	map_res_free(&r);
}

static void
test_promo(struct env *e)
{
	struct map_var in[2] = { { "plu", "1001" }, { "day", "2026-06-15" } };
	struct map_res r;
	const struct db_value *v;

	is_str(map_outcome_name(map_exec(e->good, "promo", in, 2, &r)),
	    "found", "%s: two promos, on-many=first -> found: %s", e->label,
	    r.error);
	is_int(r.nrows, 1, "%s: first row only", e->label);
	v = var(&r, "ends");
	ok(v && v->type == DBV_DATE && v->s && strlen(v->s) == 10,
	    "%s: date column", e->label);
	map_res_free(&r);
	is_str(map_outcome_name(map_exec(e->good, "promo", in, 1, &r)),
	    "empty", "%s: optional day missing -> NULL -> no row", e->label);
	ok(r.nparams == 3 && r.params[1].null, "%s: day bound as NULL",
	    e->label);
	map_res_free(&r);
	in[0].value = "0";
	is_str(map_outcome_name(map_exec(e->good, "promo", in, 2, &r)),
	    "invalid", "%s: plu below min", e->label);
	is_str(map_reason_name(r.reason), "out-of-range", "%s: reason",
	    e->label);
	map_res_free(&r);
}

/*
 * default="today" binds kefu's local date, whatever the server's time
 * zone: with the clock set so that the local date is not UTC's (servers
 * in CI keep UTC), a server's CURRENT_DATE would be a day off.
 */
static void
test_today(struct env *e)
{
	struct map_var in[2] = { { "plu", "1002" }, { "day", "" } };
	const char *tz = getenv("TZ");
	char *saved = tz ? xstrdup(tz) : NULL, today[11], utc[11];
	struct map_res r;
	struct tm tm;
	time_t t = time(NULL);

	gmtime_r(&t, &tm);
	/* local time 12 hours ahead of UTC, or behind: another date */
	setenv("TZ", tm.tm_hour >= 12 ? "KFT-12" : "KFT+12", 1);
	tzset();
	strftime(utc, sizeof utc, "%Y-%m-%d", &tm);
	localtime_r(&t, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	ok(strcmp(today, utc) != 0, "%s: local date %s, UTC's %s", e->label,
	    today, utc);
	is_str(map_outcome_name(map_exec(e->good, "promo_today", in, 1, &r)),
	    "empty", "%s: no promotion of 1002 today: %s", e->label, r.error);
	ok(r.nparams == 3 && !r.params[1].null && r.params[1].s != NULL &&
	    strncmp(r.params[1].s, today, 10) == 0 && r.params[2].s != NULL &&
	    strncmp(r.params[2].s, today, 10) == 0, "%s: day missing: kefu's "
	    "local date is bound (%s)", e->label, r.nparams == 3 &&
	    r.params[1].s ? r.params[1].s : "NULL");
	map_res_free(&r);
	is_str(map_outcome_name(map_exec(e->good, "promo_today", in, 2, &r)),
	    "empty", "%s: day empty: today too: %s", e->label, r.error);
	ok(r.nparams == 3 && r.params[1].s != NULL &&
	    strncmp(r.params[1].s, today, 10) == 0, "%s: ... bound as today",
	    e->label);
	map_res_free(&r);
	in[0].value = "1001";
	in[1].value = "2026-06-15";
	is_str(map_outcome_name(map_exec(e->good, "promo_today", in, 2, &r)),
	    "found", "%s: a day given is used: %s", e->label, r.error);
	map_res_free(&r);
	if (saved != NULL)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
}

/* Input that would break a pasted statement changes nothing when bound. */
static void
test_injection(struct env *e)
{
	static const char *const evil[] = {
		"x' OR '1'='1", "';DROP TABLE promos;--", "A%'/**/OR 1=1--",
		"\xe8\x8b\xb9';DELETE FROM promos--", "\\'; --",
	};
	struct map_var in[2] = { { "plu", "" }, { "day", "2026-06-15" } };
	struct map_res r;
	uint64_t q0;
	size_t i;

	for (i = 0; i < nitems(evil); i++) {
		is_str(map_outcome_name(run1(e->good, "search", "prefix",
		    evil[i], &r)), "empty",
		    "%s: [%s] bound literally: empty %s",
		    e->label, evil[i], r.error);
		ok(r.sql != NULL && strstr(r.sql, evil[i]) == NULL,
		    "%s: and absent from the statement", e->label);
		map_res_free(&r);
	}
	is_str(map_outcome_name(run1(e->good, "search", "prefix", "O'Brien",
	    &r)), "found", "%s: a quote in data is found as data", e->label);
	map_res_free(&r);
	is_str(map_outcome_name(run1(e->good, "price", "code", "1001", &r)),
	    "found", "%s: products still there", e->label);
	map_res_free(&r);
	in[0].value = "1001";
	is_str(map_outcome_name(map_exec(e->good, "promo", in, 2, &r)),
	    "found", "%s: promos still there", e->label);
	map_res_free(&r);
	q0 = queries(e);
	is_str(map_outcome_name(run1(e->good, "price", "code",
	    "1001; DROP TABLE products", &r)), "invalid",
	    "%s: digits laced with SQL -> invalid", e->label);
	is_str(r.param, "code", "%s: names the parameter", e->label);
	is_str(map_reason_name(r.reason), "not-digits", "%s: reason",
	    e->label);
	map_res_free(&r);
	run1(e->good, "barcode", "code", "6901234567893", &r);
	is_str(map_reason_name(r.reason), "bad-check-digit",
	    "%s: bad check digit", e->label);
	like(r.error, "parameter 'code': bad check digit", "%s: error text",
	    e->label);
	map_res_free(&r);
	run1(e->good, "price", "code", "12", &r);
	is_str(map_reason_name(r.reason), "too-short", "%s: too short",
	    e->label);
	map_res_free(&r);
	run1(e->good, "price", NULL, NULL, &r);
	is_str(map_reason_name(r.reason), "missing", "%s: missing", e->label);
	map_res_free(&r);
	is_int(queries(e), q0, "%s: invalid input never reached the database",
	    e->label);
}

/* The names match="..." finds for q, joined with '|'. */
static char *
like_names(struct env *e, const char *name, const char *q)
{
	struct strbuf sb = STRBUF_INIT;
	struct map_res r;
	size_t i;

	run1(e->runtime, name, "q", q, &r);
	if (r.outcome != MAP_FOUND && r.outcome != MAP_EMPTY)
		sb_addf(&sb, "!%s: %s", map_outcome_name(r.outcome), r.error);
	for (i = 0; r.outcome == MAP_FOUND && i < r.nrows; i++)
		sb_addf(&sb, "%s%s", i ? "|" : "", MAP_ROW(&r, i, 0)->s);
	map_res_free(&r);
	return sb_steal(&sb);
}

/* match= makes LIKE wildcards in a caller's text literal (issue 9). */
static void
test_like(struct env *e)
{
	static const struct {
		const char *mapping, *q, *want;
	} c[] = {
		{ "find", "%", "100% Juice" },
		{ "find", "_", "Tea_bags [x] 5!" },
		{ "find", "[x]", "Tea_bags [x] 5!" },
		{ "find", "5!", "Tea_bags [x] 5!" },
		{ "find", "!", "Tea_bags [x] 5!" },
		{ "find", "pp", "Apple|Apple juice" },
		{ "find", "%%", "" },
		{ "starts", "100%", "100% Juice" },
		{ "starts", "%", "" },
		{ "starts", "_", "" },
		{ "starts", "Ap", "Apex cable|Apple|Apple juice|Apricot" },
	};
	struct map_res r;
	char *got;
	size_t i;

	for (i = 0; i < nitems(c); i++) {
		got = like_names(e, c[i].mapping, c[i].q);
		is_str(got, c[i].want, "%s: %s q=\"%s\" matches literally",
		    e->label, c[i].mapping, c[i].q);
		free(got);
	}
	run1(e->runtime, "find", "q", "a%b", &r);
	like(r.sql, "LIKE ? ESCAPE '!' ORDER BY", "%s: kefu writes the "
	    "ESCAPE clause", e->label);
	is_str(r.nparams == 1 ? r.params[0].s : NULL, "%a!%b%",
	    "%s: the value bound as a literal pattern", e->label);
	map_res_free(&r);
}

/*
 * A stored procedure that returns rows, run on the read-only datasource
 * (issue 9: it needed writes="yes" on a writable one).  A procedure
 * that writes is stopped by the read-only session.
 */
static const char *const proc_mariadb[] = {
	"CREATE PROCEDURE kefu_price(IN c VARCHAR(14)) READS SQL DATA "
	"SELECT name, price FROM products WHERE barcode = c OR "
	"CAST(plu AS CHAR) = c",
	"CREATE PROCEDURE kefu_touch(IN c VARCHAR(14)) MODIFIES SQL DATA "
	"BEGIN UPDATE products SET stock = stock + 1 WHERE barcode = c; "
	"SELECT stock AS n FROM products WHERE barcode = c; END",
};
static const char *const proc_pg[] = {
	"CREATE PROCEDURE kefu_price(IN c VARCHAR, OUT name VARCHAR, "
	"OUT price NUMERIC) LANGUAGE sql AS 'SELECT name, price FROM "
	"products WHERE barcode = c OR CAST(plu AS VARCHAR) = c LIMIT 1'",
	"CREATE PROCEDURE kefu_touch(IN c VARCHAR, OUT n INTEGER) "
	"LANGUAGE sql AS 'UPDATE products SET stock = stock + 1 WHERE "
	"barcode = c RETURNING stock'",
};

static void
test_procedure(struct env *e)
{
	const char *const *ddl = strcmp(e->label, "mariadb") == 0 ?
	    proc_mariadb : strcmp(e->label, "postgresql") == 0 ? proc_pg :
	    NULL;
	const char *price = ddl == proc_pg ? "proc_price_pg" : "proc_price";
	const char *writes = ddl == proc_pg ? "proc_writes_pg" : "proc_writes";
	struct map_res r;
	struct db_err err;
	size_t i;

	if (ddl == NULL)
		return;         /* SQLite has no stored procedures */
	for (i = 0; i < 2; i++)
		if (db_run_script(e->erp, ddl[i], &err) == -1)
			tap_diag("%s: %s", e->label, err.msg);
	is_str(map_outcome_name(run1(e->runtime, price, "code",
	    "6901234567892", &r)), "found", "%s: CALL of a procedure that "
	    "returns rows, on a read-only datasource: %s", e->label, r.error);
	like(r.sql, "CALL kefu_price(?", "%s: no row limit added to a CALL",
	    e->label);
	is_str(var(&r, "price") != NULL ? var(&r, "price")->s : NULL, "3.50",
	    "%s: its columns typed", e->label);
	map_res_free(&r);
	is_str(map_outcome_name(run1(e->runtime, price, "code",
	    "1004", &r)), "found", "%s: again, the statement reused",
	    e->label);
	is_str(var(&r, "name") != NULL ? var(&r, "name")->s : NULL,
	    "Apricot", "%s: another row", e->label);
	map_res_free(&r);
	is_str(map_outcome_name(run1(e->runtime, writes, "code",
	    "6901234567892", &r)), "error", "%s: a procedure that writes is "
	    "stopped by the read-only session", e->label);
	map_res_free(&r);
	is_str(map_outcome_name(run1(e->runtime, price, "code",
	    "1004", &r)), "found", "%s: and the connection still serves",
	    e->label);
	map_res_free(&r);
}

/*
 * A fresh set on fresh pools (no connection yet, no adapter configured):
 * the first run already uses the variant of the DBMS (it used the
 * default one until a connection had found out).
 */
static void
test_first_dialect(struct env *e)
{
	struct map_pools *pools = NULL;
	struct map_pools *saved = e->pools;
	struct map_set *set;
	struct map_res r;
	char *cause = NULL;

	if (map_pools_open(e->conf, e->ads, &pools, &cause) == -1) {
		ok(0, "%s: pools: %s", e->label, cause);
		free(cause);
		return;
	}
	e->pools = pools;
	set = load_dir(e, "runtime");
	e->pools = saved;
	run1(set, "dialect", NULL, NULL, &r);
	is_str(var(&r, "v") != NULL ? var(&r, "v")->s : r.error, e->label,
	    "%s: the first run uses the DBMS's variant", e->label);
	map_res_free(&r);
	map_set_free(set);
	map_pools_close(pools);
}

/*
 * A DECIMAL read into an integer variable: 49.000000 is 49, but 49.5 is
 * an error rather than a silent 49 (issue 9: the drivers truncate it
 * without a warning when asked for a C integer).
 */
static void
test_int_column(struct env *e)
{
	struct map_res r;

	is_str(map_outcome_name(run1(e->runtime, "int_whole", NULL, NULL,
	    &r)), "found", "%s: integer columns: %s", e->label, r.error);
	ok(var(&r, "n") != NULL && var(&r, "n")->i == 49 &&
	    var(&r, "m")->i == -12 && var(&r, "big")->i == INT64_MAX,
	    "%s: 49.000000, -12 and 2^63-1 read as integers", e->label);
	map_res_free(&r);
	is_str(map_outcome_name(run1(e->runtime, "int_fraction", NULL, NULL,
	    &r)), "error", "%s: 49.5 into an integer column is an error",
	    e->label);
	like(r.error, "column n holds \"49.5", "%s: which says what it "
	    "held", e->label);
	like(r.error, "declare it decimal", "%s: and what to do", e->label);
	map_res_free(&r);
}

static void
test_write(struct env *e)
{
	struct map_var in[2] = { { "plu", "1005" }, { "qty", "11" } };
	struct map_res r;
	const struct db_value *v;

	is_str(map_outcome_name(map_exec(e->good, "stock_set", in, 2, &r)),
	    "found", "%s: a declared write runs: %s", e->label, r.error);
	is_int(r.affected, 1, "%s: one row changed", e->label);
	map_res_free(&r);
	run1(e->good, "barcode", "code", "96385074", &r);
	map_res_free(&r);
	run1(e->good, "price", "code", "0001005", &r);
	v = var(&r, "product_name");
	is_str(v ? v->s : NULL, "Apple juice", "%s: leading zeros kept",
	    e->label);
	map_res_free(&r);
}

static void
test_errors(struct env *e)
{
	struct map_res r;
	uint64_t t0;

	is_str(map_outcome_name(run1(e->runtime, "wrong_column", NULL, NULL,
	    &r)), "error", "%s: wrong column name", e->label);
	like(r.error, "column 2 is 'price', the mapping expects 'cost'",
	    "%s: names the column", e->label);
	map_res_free(&r);
	run1(e->runtime, "too_few_columns", NULL, NULL, &r);
	like(r.error, "returns 1 column, the mapping declares 2",
	    "%s: column count", e->label);
	map_res_free(&r);
	is_str(map_outcome_name(run1(e->runtime, "must_exist", "plu", "4242",
	    &r)), "error", "%s: on-empty=error", e->label);
	map_res_free(&r);
	is_str(map_outcome_name(run1(e->runtime, "bad_sql", NULL, NULL, &r)),
	    "error", "%s: missing table -> error", e->label);
	ok(r.error[0] != '\0', "%s: with the driver's text: %s", e->label,
	    r.error);
	map_res_free(&r);
	t0 = now_ms();
	is_str(map_outcome_name(run1(e->runtime, "gone", "plu", "1", &r)),
	    "down", "%s: unreachable datasource -> down", e->label);
	map_res_free(&r);
	ok(now_ms() - t0 < 5000, "%s: and quickly", e->label);
	is_str(map_outcome_name(run1(e->good, "nope", NULL, NULL, &r)),
	    "error", "%s: unknown mapping", e->label);
	like(r.error, "no mapping named 'nope'", "%s: says so", e->label);
	map_res_free(&r);
}

static void
test_timeout(struct env *e)
{
	struct map_res r;
	uint64_t t0 = now_ms();

	is_str(map_outcome_name(run1(e->runtime, "slow", NULL, NULL, &r)),
	    "timeout", "%s: statement past timeout=300ms: %s", e->label,
	    r.error);
	ok(now_ms() - t0 < 3000, "%s: gave up in time (%llu ms)", e->label,
	    (unsigned long long)(now_ms() - t0));
	like(r.error, "mapping 'slow': the statement ran longer than the "
	    "mapping's timeout (300 ms, ", "%s: the mapping's own timeout is "
	    "named, not query-timeout", e->label);
	map_res_free(&r);
}

static void
test_stats(struct env *e)
{
	struct map_stats st;

	map_stats(map_find(e->good, "price"), &st);
	ok(st.runs >= 8, "%s: price ran %llu times", e->label,
	    (unsigned long long)st.runs);
	ok(st.outcomes[MAP_INVALID] >= 3, "%s: invalid counted", e->label);
	ok(st.p50_us > 0 && st.p99_us >= st.p50_us, "%s: p50 %u us, p99 %u us",
	    e->label, st.p50_us, st.p99_us);
}

/* One set, several threads at once (as kefud's lines share it). */
struct worker {
	struct env *e;
	int good;               /* runs with the right answer */
};

static void *
worker_main(void *arg)
{
	static const char *const codes[] = { "1001", "1003", "9999", "12" };
	static const char *const want[] = { "found", "found", "empty",
	    "invalid" };
	struct worker *w = arg;
	struct map_res r;
	int i;

	for (i = 0; i < 200; i++) {
		run1(w->e->good, "price", "code", codes[i % 4], &r);
		if (strcmp(map_outcome_name(r.outcome), want[i % 4]) == 0 &&
		    (i % 4 != 0 || strcmp(r.vars[0].v->s, "\xe5\x8f\xaf"
		    "\xe5\x8f\xa3\xe5\x8f\xaf\xe4\xb9\x90") == 0))
			w->good++;
		map_res_free(&r);
	}
	return NULL;
}

static void
test_threads(struct env *e)
{
	struct worker w[4];
	pthread_t t[4];
	struct map_stats before, after;
	int i, good = 0;

	map_stats(map_find(e->good, "price"), &before);
	for (i = 0; i < 4; i++) {
		w[i].e = e;
		w[i].good = 0;
		pthread_create(&t[i], NULL, worker_main, &w[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		good += w[i].good;
	}
	is_int(good, 800, "%s: 4 threads x 200 runs on one set, all right",
	    e->label);
	map_stats(map_find(e->good, "price"), &after);
	is_int(after.runs - before.runs, 800, "%s: and all counted",
	    e->label);
}

static void
run_all(const char *label, const char *connect, int slow)
{
	struct env e;

	if (env_open(&e, label, connect) == 0) {
		test_found(&e);
		test_rows(&e);
		test_promo(&e);
		test_today(&e);
		test_injection(&e);
		test_like(&e);
		test_procedure(&e);
		test_first_dialect(&e);
		test_int_column(&e);
		test_write(&e);
		test_errors(&e);
		if (slow)
			test_timeout(&e);
		test_stats(&e);
		test_threads(&e);
	}
	env_close(&e);
}

/* Run one statement on a connection string (CREATE/DROP DATABASE). */
static int
admin(const char *cs, const char *sql)
{
	struct conf *conf;
	struct db_source *src;
	struct db_result *res = NULL;
	struct db_query q;
	struct db_err err;
	char *cause = NULL, *path;
	int rc;

	path = xasprintf("%s/t/data/map/kefu.conf", srcdir);
	if (conf_load(path, &conf, &cause) == -1)
		printf("Bail out! %s\n", cause), exit(1);
	free(path);
	set_connect(conf, "erp", cs);
	if (db_source_open(&conf->ds[0], NULL, &src, &cause) == -1)
		printf("Bail out! %s\n", cause), exit(1);
	memset(&q, 0, sizeof q);
	q.sql = sql;
	q.writes = 1;
	if ((rc = db_run(src, &q, &res, &err)) == 0)
		db_result_free(res);
	else
		tap_diag("%s: %s", sql, err.msg);
	db_source_close(src);
	conf_free(conf);
	return rc;
}

/* The connection string with Database= replaced. */
static char *
with_database(const char *cs, const char *db)
{
	const char *p = strstr(cs, "Database="), *e;

	if (p == NULL)
		return xasprintf("%s;Database=%s", cs, db);
	e = p + strcspn(p, ";");
	return xasprintf("%.*sDatabase=%s%s", (int)(p - cs), cs, db, e);
}

static void
run_server(const char *label, const char *envname)
{
	const char *cs = getenv(envname);
	const char *req = getenv("KEFU_TEST_REQUIRE_SERVERS");
	char *db, *sql, *own;

	if (cs == NULL || *cs == '\0') {
		if (req != NULL && strcmp(req, "1") == 0)
			ok(0, "%s required but %s is not set", label, envname);
		else
			ok(1, "# SKIP %s not set", envname);
		return;
	}
	/* A database of our own, so that parallel tests never collide. */
	db = xasprintf("kefu_map_%ld", (long)getpid());
	sql = xasprintf("CREATE DATABASE %s", db);
	ok(admin(cs, sql) == 0, "%s: database %s created", label, db);
	free(sql);
	own = with_database(cs, db);
	run_all(label, own, 0);
	free(own);
	sql = xasprintf("DROP DATABASE %s", db);
	admin(cs, sql);
	free(sql);
	free(db);
}

int
main(void)
{
	char path[] = "/tmp/kefu-map-exec-XXXXXX";
	char *connect;
	int fd;

	if ((srcdir = getenv("KEFU_SRCDIR")) == NULL)
		srcdir = ".";
	if ((fd = mkstemp(path)) == -1)
		return 1;
	close(fd);
	connect = xasprintf("Driver=SQLite3;Database=%s", path);
	run_all("sqlite", connect, 1);
	free(connect);
	unlink(path);
	run_server("postgresql", "KEFU_TEST_PG");
	run_server("mariadb", "KEFU_TEST_MARIADB");
	return tap_done();
}
