/*
 * t/unit/db.c: the db layer on SQLite through the SQLite3 ODBC driver --
 * scripts, typed parameters and columns, NULL against '', exact decimals,
 * long text, hostile input stored verbatim, refusals before the database,
 * DBE_TOO_MANY, statement-handle hygiene, prepared-statement reuse with
 * changing values, GBK conversion, statistics.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "util/util.h"
#include "../tap.h"

static char dbpath[64];

static void
ds_init(struct conf_datasource *ds, char **connect)
{
	memset(ds, 0, sizeof *ds);
	ds->name = (char *)"local";
	ds->connect = connect;
	ds->nconnect = 1;
	ds->encoding = (char *)"UTF-8";
	ds->pool_size = 2;
	ds->pool_wait_ms = 1000;
	ds->connect_timeout_ms = 3000;
	ds->query_timeout_ms = 3000;
	ds->retry_ms = 100;
	ds->retry_max_ms = 1000;
	ds->idle_check_ms = 30000;
}

static int
run(struct db_source *src, const char *sql, const struct db_param *p,
    size_t np, const enum db_vtype *ct, size_t nct, size_t max,
    int writes, struct db_result **res, struct db_err *err)
{
	struct db_query q;

	memset(&q, 0, sizeof q);
	q.sql = sql;
	q.params = p;
	q.nparams = np;
	q.coltypes = ct;
	q.ncoltypes = nct;
	q.max_rows = max;
	q.writes = writes;
	return db_run(src, &q, res, err);
}

static void
test_basic(struct db_source *src)
{
	struct db_err err;
	struct db_result *res = NULL;
	struct db_param p[6];
	enum db_vtype ct[] = { DBV_TEXT, DBV_INT, DBV_DECIMAL, DBV_DATE,
	    DBV_BOOL, DBV_TEXT, DBV_TIMESTAMP };
	int rc;

	rc = db_run_script(src,
	    "-- the catalog\n"
	    "CREATE TABLE product (code TEXT PRIMARY KEY, qty INTEGER,\n"
	    "  price DECIMAL(10,2), since DATE, active BOOLEAN, note TEXT,\n"
	    "  changed TIMESTAMP);\n"
	    "CREATE INDEX product_qty ON product(qty);\n"
	    "/* a trigger body holds ';' */\n"
	    "CREATE TRIGGER product_ai AFTER INSERT ON product BEGIN\n"
	    "  UPDATE product SET note = note WHERE code = NEW.code;\n"
	    "END;\n", &err);
	is_int(rc, 0, "script creates the schema (%s)", err.msg);

	memset(p, 0, sizeof p);
	p[0].type = DBV_TEXT; p[0].s = "6901234567892";
	p[1].type = DBV_INT; p[1].i = 9007199254740993LL;
	p[2].type = DBV_DECIMAL; p[2].s = "12.50";
	p[3].type = DBV_DATE; p[3].s = "2024-02-29";
	p[4].type = DBV_BOOL; p[4].i = 1;
	p[5].type = DBV_TEXT; p[5].s = "";
	rc = run(src, "INSERT INTO product (code, qty, price, since, active, "
	    "note, changed) VALUES (?, ?, ?, ?, ?, ?, '2024-03-01 08:30:05')",
	    p, 6, NULL, 0, 0, 1, &res, &err);
	is_int(rc, 0, "insert with six typed parameters (%s)", err.msg);
	if (rc == 0)
		is_int(res->affected, 1, "one row affected");
	db_result_free(res);

	p[0].s = "NULLS";
	p[1].null = 1; p[2].null = 1; p[3].null = 1; p[4].null = 1;
	p[5].null = 1;
	rc = run(src, "INSERT INTO product (code, qty, price, since, active, "
	    "note) VALUES (?, ?, ?, ?, ?, ?)", p, 6, NULL, 0, 0, 1, &res, &err);
	is_int(rc, 0, "insert with NULL parameters (%s)", err.msg);
	db_result_free(res);

	memset(p, 0, sizeof p);
	p[0].type = DBV_TEXT; p[0].s = "6901234567892";
	rc = run(src, "SELECT code, qty, price, since, active, note, changed "
	    "FROM product WHERE code = ?", p, 1, ct, 7, 1, 0, &res, &err);
	is_int(rc, 0, "select by bound code (%s)", err.msg);
	if (rc == 0) {
		is_int(res->nrows, 1, "one row");
		is_int(res->ncols, 7, "seven columns");
		is_str(res->names[2], "price", "column name");
		is_int(DB_CELL(res, 0, 1)->i, 9007199254740993LL,
		    "64-bit integer exact (not through a double)");
		/* SQLite's NUMERIC affinity stores 12.50 as the number 12.5. */
		is_str(DB_CELL(res, 0, 2)->s, "12.5", "decimal read as text");
		is_str(DB_CELL(res, 0, 3)->s, "2024-02-29", "ISO date");
		is_int(DB_CELL(res, 0, 4)->i, 1, "boolean");
		ok(!DB_CELL(res, 0, 5)->null, "empty string is not NULL");
		is_str(DB_CELL(res, 0, 5)->s, "", "empty string read back");
		is_str(DB_CELL(res, 0, 6)->s, "2024-03-01 08:30:05",
		    "ISO timestamp");
	}
	db_result_free(res);

	p[0].s = "NULLS";
	rc = run(src, "SELECT code, qty, price, since, active, note FROM "
	    "product WHERE code = ?", p, 1, ct, 6, 1, 0, &res, &err);
	is_int(rc, 0, "select the NULL row (%s)", err.msg);
	if (rc == 0 && res->nrows == 1) {
		int allnull = 1;
		for (int c = 1; c < 6; c++)
			allnull &= DB_CELL(res, 0, c)->null;
		ok(allnull, "every NULL column reads as NULL");
		ok(DB_CELL(res, 0, 5)->s == NULL, "NULL text has no string");
	}
	db_result_free(res);

	/* Without coltypes every column is text. */
	rc = run(src, "SELECT qty, price FROM product WHERE code = ?", p, 1,
	    NULL, 0, 0, 0, &res, &err);
	is_int(rc, 0, "select as text (%s)", err.msg);
	if (rc == 0)
		ok(DB_CELL(res, 0, 0)->type == DBV_TEXT &&
		    DB_CELL(res, 0, 0)->null, "untyped NULL stays NULL");
	db_result_free(res);

	/* Decimals from arithmetic are canonicalised. */
	{
		enum db_vtype dt[] = { DBV_DECIMAL, DBV_DECIMAL, DBV_DECIMAL,
		    DBV_DECIMAL, DBV_DECIMAL };
		rc = run(src, "SELECT '007.50', '-0.0', '+.5', "
		    "'12345678901234567890.12', ' 1.5E3 '", NULL, 0, dt, 5,
		    0, 0, &res, &err);
		is_int(rc, 0, "decimal literals (%s)", err.msg);
		if (rc == 0) {
			is_str(DB_CELL(res, 0, 0)->s, "7.50",
			    "leading zeros go");
			is_str(DB_CELL(res, 0, 1)->s, "0.0", "negative zero");
			is_str(DB_CELL(res, 0, 2)->s, "0.5", "bare fraction");
			is_str(DB_CELL(res, 0, 3)->s, "12345678901234567890.12",
			    "22 digits exact (never through a double)");
			is_str(DB_CELL(res, 0, 4)->s, "1500", "exponent form");
		}
		db_result_free(res);
		rc = run(src, "SELECT 'twelve'", NULL, 0, dt, 1, 0, 0, &res,
		    &err);
		ok(rc == -1 && err.kind == DBE_CONVERT,
		    "a non-number as decimal is DBE_CONVERT");
		like(err.msg, "twelve", "the message shows the value");
	}
}

static void
test_convert(struct db_source *src)
{
	static const struct { enum db_vtype t; const char *s; } bad[] = {
		{ DBV_DECIMAL, "1,5" },
		{ DBV_DECIMAL, "12.5.1" },
		{ DBV_DECIMAL, "" },
		{ DBV_DATE, "2023-02-29" },
		{ DBV_DATE, "29/02/2024" },
		{ DBV_TIMESTAMP, "2024-02-29 24:00:00" },
		{ DBV_TIMESTAMP, "2024-02-29" },
		{ DBV_DATE, NULL },
	};
	enum db_vtype bt[] = { DBV_BOOL, DBV_BOOL, DBV_BOOL, DBV_BOOL };
	struct db_result *res = NULL;
	struct db_err err;
	struct db_param p;
	size_t i;
	int rc;

	for (i = 0; i < nitems(bad); i++) {
		memset(&p, 0, sizeof p);
		p.type = bad[i].t;
		p.s = bad[i].s;
		rc = run(src, "SELECT ?", &p, 1, NULL, 0, 0, 0, &res, &err);
		ok(rc == -1 && err.kind == DBE_CONVERT, "bad %s parameter "
		    "\"%s\" refused: %s", db_vtype_name(bad[i].t),
		    bad[i].s ? bad[i].s : "(null)", err.msg);
	}
	rc = run(src, "SELECT 't', 'false', 'Y', ' 0 '", NULL, 0, bt, 4, 0, 0,
	    &res, &err);
	is_int(rc, 0, "boolean spellings (%s)", err.msg);
	if (rc == 0)
		ok(DB_CELL(res, 0, 0)->i == 1 && DB_CELL(res, 0, 1)->i == 0 &&
		    DB_CELL(res, 0, 2)->i == 1 && DB_CELL(res, 0, 3)->i == 0,
		    "t, false, Y, 0");
	db_result_free(res);
	rc = run(src, "SELECT 'maybe'", NULL, 0, bt, 1, 0, 0, &res, &err);
	ok(rc == -1 && err.kind == DBE_CONVERT, "'maybe' is no boolean: %s",
	    err.msg);
	{
		enum db_vtype dt = DBV_DATE;
		rc = run(src, "SELECT 'next tuesday'", NULL, 0, &dt, 1, 0, 0,
		    &res, &err);
		/* The SQLite driver hands over NULL for text it cannot read
		 * as a date (quirk "lax-dates" in adapters/sqlite.xml). */
		ok((rc == -1 && err.kind == DBE_CONVERT) ||
		    (rc == 0 && DB_CELL(res, 0, 0)->null), "not a date: "
		    "refused or NULL, never a made-up date");
		db_result_free(res);
		dt = DBV_TIMESTAMP;
		rc = run(src, "SELECT 'soon'", NULL, 0, &dt, 1, 0, 0, &res,
		    &err);
		ok((rc == -1 && err.kind == DBE_CONVERT) ||
		    (rc == 0 && DB_CELL(res, 0, 0)->null), "not a timestamp: "
		    "refused or NULL");
		db_result_free(res);
		res = NULL;
	}
	memset(&p, 0, sizeof p);
	p.type = DBV_DECIMAL;
	p.s = "-0012.3400";
	{
		enum db_vtype dt = DBV_TEXT;
		rc = run(src, "SELECT CAST(? AS TEXT)", &p, 1, &dt, 1, 0, 0,
		    &res, &err);
		ok(rc == 0 && strcmp(DB_CELL(res, 0, 0)->s, "-12.3400") == 0,
		    "a decimal parameter is sent canonical, scale kept (%s)",
		    rc == 0 ? DB_CELL(res, 0, 0)->s : err.msg);
		db_result_free(res);
	}
}

static void
test_hostile(struct db_source *src)
{
	static const char *const evil[] = {
		"x'; DROP TABLE product; --",
		"a\\'; DELETE FROM product WHERE 1=1 /*",
		"\"quoted\" `back` [br] ; -- not a comment */",
		"测试商品 '; SELECT 1",
	};
	struct db_err err;
	struct db_result *res = NULL;
	struct db_param p[2];
	size_t i;
	int rc;

	db_run_script(src, "CREATE TABLE note (id INTEGER, body TEXT);", &err);
	for (i = 0; i < nitems(evil); i++) {
		memset(p, 0, sizeof p);
		p[0].type = DBV_INT; p[0].i = (int64_t)i;
		p[1].type = DBV_TEXT; p[1].s = evil[i];
		rc = run(src, "INSERT INTO note VALUES (?, ?)", p, 2, NULL, 0,
		    0,
		    1, &res, &err);
		is_int(rc, 0, "hostile text %zu bound literally (%s)", i,
		    err.msg);
		db_result_free(res);
		rc = run(src, "SELECT body FROM note WHERE id = ?", p, 1, NULL,
		    0, 1, 0, &res, &err);
		is_int(rc, 0, "read it back (%s)", err.msg);
		if (rc == 0 && res->nrows == 1)
			is_str(DB_CELL(res, 0, 0)->s, evil[i], "verbatim");
		db_result_free(res);
	}
	rc = run(src, "SELECT count(*) FROM product", NULL, 0, NULL, 0, 0, 0,
	    &res, &err);
	ok(rc == 0 && res->nrows == 1, "product table still there");
	db_result_free(res);
}

static void
test_refused(struct db_source *src)
{
	static const char *const bad[] = {
		"DELETE FROM product",
		"UPDATE product SET qty = 0",
		"SELECT 1; DROP TABLE product",
		"SELECT 1; -- trailing\n SELECT 2",
		"  /* c */ -- c\n INSERT INTO note VALUES (1, 'x')",
		"WITH x AS (SELECT 1) DELETE FROM product",
		"SELECT * INTO copy FROM product",
		"SELECT 'a\\'; DROP TABLE product; --'",
		"SELECT 'unterminated",
		"",
		"   -- only a comment",
	};
	struct db_err err;
	struct db_result *res = NULL;
	struct db_stats st0, st1;
	size_t i;
	int rc;

	db_source_stats(src, &st0);
	for (i = 0; i < nitems(bad); i++) {
		rc = run(src, bad[i], NULL, 0, NULL, 0, 0, 0, &res, &err);
		ok(rc == -1 && err.kind == DBE_REFUSED, "refused %zu: %s", i,
		    err.msg);
		ok(res == NULL, "no result on refusal");
	}
	{
		/* a procedure call that reads: CALL or EXEC first, alone */
		static const char *const calls[] = {
			"SELECT 1", "CALL p(1); DELETE FROM product",
			"CALL p(1) UNION SELECT 1 FROM product WHERE 1 IN "
			"(DELETE FROM product)",
		};
		struct db_query q;

		for (i = 0; i < nitems(calls); i++) {
			memset(&q, 0, sizeof q);
			q.sql = calls[i];
			q.call = 1;
			rc = db_run(src, &q, &res, &err);
			ok(rc == -1 && err.kind == DBE_REFUSED, "call refused "
			    "%zu: %s", i, err.msg);
		}
		memset(&q, 0, sizeof q);
		q.sql = "CALL p(1)";
		rc = db_run(src, &q, &res, &err);
		ok(rc == -1 && err.kind == DBE_REFUSED, "CALL as a plain read "
		    "refused: %s", err.msg);
	}
	rc = run(src, "SELECT 1 ; -- a comment after the end", NULL, 0, NULL,
	    0, 0, 0, &res, &err);
	is_int(rc, 0, "one statement with trailing ';' and comment (%s)",
	    err.msg);
	db_result_free(res);
	rc = run(src, "SELECT \"update\", 'DELETE; x' FROM (SELECT 1 AS "
	    "\"update\")", NULL, 0, NULL, 0, 0, 0, &res, &err);
	is_int(rc, 0, "keywords inside quotes are fine (%s)", err.msg);
	db_result_free(res);
	rc = run(src, "VALUES (1)", NULL, 0, NULL, 0, 0, 0, &res, &err);
	is_int(rc, 0, "VALUES is a query (%s)", err.msg);
	db_result_free(res);
	rc = run(src, "SELECT ?", NULL, 0, NULL, 0, 0, 0, &res, &err);
	ok(rc == -1 && err.kind == DBE_REFUSED, "marker count mismatch: %s",
	    err.msg);
	rc = run(src, "SELECT nosuchcolumn FROM product", NULL, 0, NULL, 0, 0,
	    0, &res, &err);
	ok(rc == -1 && err.kind == DBE_SQL, "database error is DBE_SQL: %s",
	    err.msg);
	db_source_stats(src, &st1);
	ok(st1.errors >= st0.errors + nitems(bad), "refusals count as errors");
}

static void
test_rows(struct db_source *src)
{
	struct db_err err;
	struct db_result *res = NULL;
	struct strbuf big = STRBUF_INIT;
	struct db_param p[2];
	int rc, i;

	rc = run(src, "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 "
	    "FROM n WHERE x < 5) SELECT x FROM n", NULL, 0, NULL, 0, 3, 0, &res,
	    &err);
	ok(rc == -1 && err.kind == DBE_TOO_MANY, "5 rows with max 3: %s",
	    err.msg);
	rc = run(src, "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 "
	    "FROM n WHERE x < 500) SELECT x FROM n", NULL, 0, NULL, 0, 0, 0,
	    &res,
	    &err);
	is_int(rc, 0, "500 rows, no limit");
	if (rc == 0) {
		is_int(res->nrows, 500, "all 500 rows");
		is_str(DB_CELL(res, 499, 0)->s, "500", "last row");
	}
	db_result_free(res);

	/* A 300 KB text column with multibyte characters: no truncation. */
	for (i = 0; i < 30000; i++)
		sb_adds(&big, i % 2 ? "价格" : "abcd");
	memset(p, 0, sizeof p);
	p[0].type = DBV_INT; p[0].i = 100;
	p[1].type = DBV_TEXT; p[1].s = sb_str(&big);
	rc = run(src, "INSERT INTO note VALUES (?, ?)", p, 2, NULL, 0, 0, 1,
	    &res, &err);
	is_int(rc, 0, "insert a long text (%s)", err.msg);
	db_result_free(res);
	rc = run(src, "SELECT body, length(body) FROM note WHERE id = ?", p, 1,
	    NULL, 0, 1, 0, &res, &err);
	is_int(rc, 0, "read the long text (%s)", err.msg);
	if (rc == 0) {
		is_int(strlen(DB_CELL(res, 0, 0)->s), big.len,
		    "every byte came back");
		ok(strcmp(DB_CELL(res, 0, 0)->s, big.s) == 0, "identical");
	}
	db_result_free(res);
	sb_free(&big);
}

static void
test_handles(struct db_source *src)
{
	struct db_err err;
	struct db_result *res = NULL;
	struct db_stats st;
	char sql[64];
	int i, failures = 0;

	for (i = 0; i < 600; i++) {
		/* 200 distinct texts, each run three times. */
		snprintf(sql, sizeof sql, "SELECT %d + ?", i % 200);
		struct db_param p = { .type = DBV_INT, .i = i };
		if (run(src, sql, &p, 1, NULL, 0, 0, 0, &res, &err) != 0)
			failures++;
		db_result_free(res);
		res = NULL;
	}
	is_int(failures, 0, "600 queries ran");
	db_source_stats(src, &st);
	ok(st.stmts_open <= 2 * 16 && st.stmts_open > 0,
	    "statement handles bounded by the cache: %llu open",
	    (unsigned long long)st.stmts_open);
	ok(st.p50_us > 0 && st.p99_us >= st.p50_us, "latency p50 %u us, "
	    "p99 %u us", st.p50_us, st.p99_us);
	ok(st.queries >= 600, "queries counted: %llu",
	    (unsigned long long)st.queries);
	like(st.current, "SQLite3", "current connection string");
}

static void
test_gbk(void)
{
	struct conf_datasource ds;
	struct db_source *src;
	struct db_err err;
	struct db_result *res = NULL;
	struct db_param p[2];
	char *connect[1], *cause = NULL;
	int rc;

	connect[0] = xasprintf("Driver=SQLite3;Database=%s", dbpath);
	ds_init(&ds, connect);
	ds.name = (char *)"gbk";
	ds.encoding = (char *)"GBK";
	rc = db_source_open(&ds, NULL, &src, &cause);
	is_int(rc, 0, "open a GBK datasource");
	db_run_script(src, "CREATE TABLE g (id INTEGER, name TEXT);", &err);
	memset(p, 0, sizeof p);
	p[0].type = DBV_INT; p[0].i = 1;
	p[1].type = DBV_TEXT; p[1].s = "康师傅红烧牛肉面";
	rc = run(src, "INSERT INTO g VALUES (?, ?)", p, 2, NULL, 0, 0, 1, &res,
	    &err);
	is_int(rc, 0, "insert Chinese through GBK (%s)", err.msg);
	db_result_free(res);
	/* SQLite keeps the bytes: 8 characters are 16 GBK bytes. */
	rc = run(src, "SELECT name, length(CAST(name AS BLOB)) FROM g WHERE "
	    "id = 1", NULL, 0, NULL, 0, 0, 0, &res, &err);
	is_int(rc, 0, "read back (%s)", err.msg);
	if (rc == 0) {
		is_str(DB_CELL(res, 0, 0)->s, "康师傅红烧牛肉面",
		    "GBK bytes converted back to UTF-8");
		is_str(DB_CELL(res, 0, 1)->s, "16", "stored as 16 GBK bytes");
	}
	db_result_free(res);
	p[1].s = "emoji 😀 not in GBK";
	rc = run(src, "INSERT INTO g VALUES (?, ?)", p, 2, NULL, 0, 0, 1, &res,
	    &err);
	ok(rc == -1 && err.kind == DBE_CONVERT, "unrepresentable: %s",
	    err.msg);
	p[1].s = "bad \xff\xfe utf-8";
	rc = run(src, "INSERT INTO g VALUES (?, ?)", p, 2, NULL, 0, 0, 1, &res,
	    &err);
	ok(rc == -1 && err.kind == DBE_CONVERT, "invalid UTF-8: %s", err.msg);
	like(err.msg, "ff fe", "message shows the bad bytes");
	rc = run(src, "SELECT CAST(X'81FF' AS TEXT)", NULL, 0, NULL, 0, 0, 0,
	    &res, &err);
	ok(rc == -1 && err.kind == DBE_CONVERT, "bad GBK from the database: "
	    "%s", err.msg);
	db_source_close(src);
	free(connect[0]);

	/* The same bad bytes on a UTF-8 datasource. */
	connect[0] = xasprintf("Driver=SQLite3;Database=%s", dbpath);
	ds_init(&ds, connect);
	db_source_open(&ds, NULL, &src, &cause);
	rc = run(src, "SELECT name FROM g", NULL, 0, NULL, 0, 0, 0, &res, &err);
	ok(rc == -1 && err.kind == DBE_CONVERT, "GBK bytes on a UTF-8 "
	    "datasource: %s", err.msg);
	like(err.msg, "encoding", "the message points at encoding=");
	db_source_close(src);
	free(connect[0]);
}

static void
test_readonly(void)
{
	struct conf_datasource ds;
	struct db_source *src;
	struct db_err err;
	struct db_result *res = NULL;
	char *connect[1], *cause = NULL;
	int rc;

	connect[0] = xasprintf("Driver=SQLite3;Database=%s", dbpath);
	ds_init(&ds, connect);
	ds.readonly = 1;
	db_source_open(&ds, NULL, &src, &cause);
	rc = run(src, "INSERT INTO note VALUES (9, 'x')", NULL, 0, NULL, 0, 0,
	    1, &res, &err);
	ok(rc == -1 && err.kind == DBE_REFUSED, "read-only datasource "
	    "refuses writes=1: %s", err.msg);
	rc = db_run_script(src, "CREATE TABLE x (a INT);", &err);
	ok(rc == -1 && err.kind == DBE_REFUSED, "and scripts");
	rc = run(src, "SELECT count(*) FROM note", NULL, 0, NULL, 0, 0, 0, &res,
	    &err);
	is_int(rc, 0, "but reads (%s)", err.msg);
	db_result_free(res);
	db_source_close(src);
	free(connect[0]);
}

static void
test_describe(struct db_source *src)
{
	struct db_err err;
	struct db_result *res = NULL;
	int rc;

	rc = db_describe(src, "SELECT code, qty, price FROM product WHERE "
	    "code = ?", 1, &res, &err);
	is_int(rc, 0, "describe (%s)", err.msg);
	if (rc == 0) {
		is_int(res->ncols, 3, "three columns");
		is_str(res->names[1], "qty", "named");
		is_int(res->nrows, 0, "nothing fetched");
		ok(res->types != NULL && res->types[1] == DBV_INT,
		    "qty suggests int");
	}
	db_result_free(res);
	rc = db_describe(src, "SELECT nope FROM product", 0, &res, &err);
	ok(rc == -1 && err.kind == DBE_SQL, "describe a bad column: %s",
	    err.msg);
	rc = db_describe(src, "SELECT code FROM product WHERE code = ?", 2,
	    &res, &err);
	ok(rc == -1, "describe with the wrong parameter count: %s", err.msg);
	rc = db_run_script(src, "CREATE TABLE ok1 (a INT);\nCREATE TABL bad "
	    "(a INT);\n", &err);
	ok(rc == -1 && err.kind == DBE_SQL, "bad script statement: %s",
	    err.msg);
	like(err.msg, "statement 2", "names the statement");
	rc = run(src, "SELECT count(*) FROM ok1", NULL, 0, NULL, 0, 0, 0, &res,
	    &err);
	ok(rc == -1, "the failed script was rolled back");
	db_result_free(res);
}

/*
 * One prepared statement run again and again with values of other
 * lengths, NULLs and scales (its bindings are kept between runs), and
 * the statement check remembered per text and mode.
 */
static void
test_reuse(struct db_source *src)
{
	static const char *texts[] = { "a", NULL, "", NULL, "0123456789", "",
	    "b" };
	static const char *decs[] = { "1.5", NULL, "123456789012345678901.25",
	    "-0.000001", NULL, "7", "2.50" };
	char *big = xmalloc(5001), *mid = xmalloc(101);
	const char *tv[9], *dv[9];
	struct db_err err;
	struct db_result *res = NULL;
	struct db_param p[2];
	enum db_vtype ct[] = { DBV_TEXT, DBV_DECIMAL };
	size_t i, n = 0, good = 0;
	int rc;

	memset(big, 'x', 5000);
	big[5000] = '\0';
	memset(mid, 'y', 100);
	mid[100] = '\0';
	for (i = 0; i < nitems(texts); i++) {
		tv[n] = texts[i];
		dv[n++] = decs[i];
		if (i == 2) {
			tv[n] = big;
			dv[n++] = "3.125";
			tv[n] = mid;
			dv[n++] = NULL;
		}
	}
	rc = db_run_script(src, "CREATE TABLE reuse (k INTEGER PRIMARY KEY, "
	    "t TEXT, d TEXT);\n", &err);
	is_int(rc, 0, "reuse table (%s)", err.msg);
	for (i = 0; i < n; i++) {
		memset(p, 0, sizeof p);
		p[0].type = DBV_TEXT;
		p[0].s = tv[i];
		p[0].null = tv[i] == NULL;
		p[1].type = DBV_DECIMAL;
		p[1].s = dv[i];
		p[1].null = dv[i] == NULL;
		rc = run(src, "INSERT INTO reuse (t, d) VALUES (?, ?);", p, 2,
		    NULL, 0, 0, 1, &res, &err);
		if (rc == 0)
			good++;
		else
			tap_diag("insert %zu: %s", i, err.msg);
		db_result_free(res);
		res = NULL;
	}
	is_int((int)good, (int)n, "one statement, %zu value shapes", n);
	rc = run(src, "SELECT t, d FROM reuse ORDER BY k", NULL, 0, ct, 2, 0,
	    0, &res, &err);
	is_int(rc, 0, "read them back (%s)", err.msg);
	good = 0;
	for (i = 0; rc == 0 && i < n && i < res->nrows; i++) {
		struct db_value *t = DB_CELL(res, i, 0),
		    *d = DB_CELL(res, i, 1);
		if ((tv[i] == NULL ? t->null : !t->null &&
		    strcmp(t->s, tv[i]) == 0) && (dv[i] == NULL ? d->null :
		    !d->null && strcmp(d->s, dv[i]) == 0))
			good++;
		else
			tap_diag("row %zu: %s / %s", i, t->null ? "NULL" : t->s,
			    d->null ? "NULL" : d->s);
	}
	is_int((int)good, (int)n, "every value came back as bound");
	db_result_free(res);
	res = NULL;

	/* The check is remembered per mode: a write stays refused as a read. */
	rc = run(src, "DELETE FROM reuse WHERE k < 0", NULL, 0, NULL, 0, 0, 0,
	    &res, &err);
	ok(rc == -1 && err.kind == DBE_REFUSED, "a write refused as a read");
	rc = run(src, "DELETE FROM reuse WHERE k < 0", NULL, 0, NULL, 0, 0, 1,
	    &res, &err);
	is_int(rc, 0, "allowed as a write (%s)", err.msg);
	db_result_free(res);
	res = NULL;
	rc = run(src, "DELETE FROM reuse WHERE k < 0", NULL, 0, NULL, 0, 0, 0,
	    &res, &err);
	ok(rc == -1 && err.kind == DBE_REFUSED, "and still refused as a read");

	free(big);
	free(mid);
}

int
main(void)
{
	struct conf_datasource ds;
	struct db_source *src = NULL;
	char *connect[1], *cause = NULL;
	struct strbuf logs = STRBUF_INIT;
	int fd, rc;

	log_capture(&logs);
	snprintf(dbpath, sizeof dbpath, "/tmp/kefu-db-XXXXXX");
	if ((fd = mkstemp(dbpath)) == -1)
		tap_skip_all("cannot create a temporary file");
	close(fd);
	connect[0] = xasprintf("Driver=SQLite3;Database=%s;PWD=secret",
	    dbpath);
	ds_init(&ds, connect);
	rc = db_source_open(&ds, NULL, &src, &cause);
	is_int(rc, 0, "open a SQLite datasource (%s)", cause ? cause : "");
	if (rc != 0)
		return tap_done();
	test_basic(src);
	test_convert(src);
	test_hostile(src);
	test_refused(src);
	test_rows(src);
	test_handles(src);
	test_describe(src);
	test_reuse(src);
	db_source_close(src);
	test_gbk();
	test_readonly();
	ok(strstr(sb_str(&logs), "secret") == NULL, "no password in the log");
	free(connect[0]);
	free(cause);
	sb_free(&logs);
	unlink(dbpath);
	return tap_done();
}
