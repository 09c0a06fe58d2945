/*
 * t/unit/db-adapter.c: the eight shipped adapter profiles without any
 * database -- they load and validate, detection from typical
 * SQL_DBMS_NAME strings, and the SQL kefu generates for each dialect
 * (row limits, identifier quoting, date literals, probes); bad profiles
 * are refused with file:line.  LIMIT rewriting is also run on SQLite.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "util/util.h"
#include "../tap.h"

static const char *srcdir;

static void
test_detect(const struct db_adapters *ads)
{
	static const struct { const char *dbms, *want; } cases[] = {
		{ "Oracle", "oracle" },
		{ "Microsoft SQL Server", "sqlserver" },
		{ "SQL Server", "sqlserver" },
		{ "Adaptive Server Enterprise", "sybase" },
		{ "ASE", "sybase" },
		{ "Sybase SQL Server", "sybase" },
		{ "Informix Dynamic Server", "informix" },
		{ "IDS", "informix" },
		{ "IDS/UNIX64", "informix" },
		{ "DB2/LINUXX8664", "db2" },
		{ "DB2/NT64", "db2" },
		{ "DB2/AIX64", "db2" },
		{ "DSN12015", "db2" },
		{ "PostgreSQL", "postgresql" },
		{ "MySQL", "mysql" },
		{ "MariaDB", "mysql" },
		{ "SQLite", "sqlite" },
		{ "  postgresql  ", "postgresql" },
		{ "Firebird", NULL },
		{ "", NULL },
	};
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		const struct db_adapter *ad = db_adapter_detect(ads,
		    cases[i].dbms);
		is_str(ad ? db_adapter_name(ad) : NULL, cases[i].want,
		    "SQL_DBMS_NAME \"%s\"", cases[i].dbms);
	}
	ok(db_adapter_detect(ads, NULL) == NULL, "NULL name detects nothing");
}

static void
check_limit(const struct db_adapters *ads, const char *name, const char *sql,
    size_t n, const char *want)
{
	char *got = db_adapter_limit(db_adapter_find(ads, name), sql, n);

	is_str(got, want, "%s limits %zu rows", name, n);
	free(got);
}

static void
test_limit(const struct db_adapters *ads)
{
	const char *q = "SELECT name, price FROM product WHERE code = ? "
	    "ORDER BY price;";
	const char *body = "SELECT name, price FROM product WHERE code = ? "
	    "ORDER BY price";
	char want[256];

	snprintf(want, sizeof want, "%s\nLIMIT 5", body);
	check_limit(ads, "postgresql", q, 5, want);
	check_limit(ads, "mysql", q, 5, want);
	check_limit(ads, "sqlite", q, 5, want);
	check_limit(ads, "sqlserver", q, 5, "SELECT TOP 5 name, price FROM "
	    "product WHERE code = ? ORDER BY price");
	check_limit(ads, "sybase", q, 5, "SELECT TOP 5 name, price FROM "
	    "product WHERE code = ? ORDER BY price");
	check_limit(ads, "informix", q, 5, "SELECT FIRST 5 name, price FROM "
	    "product WHERE code = ? ORDER BY price");
	snprintf(want, sizeof want, "%s\nFETCH FIRST 5 ROWS ONLY", body);
	check_limit(ads, "db2", q, 5, want);
	snprintf(want, sizeof want, "SELECT * FROM (\n%s\n) kefu_limit WHERE "
	    "ROWNUM <= 5", body);
	check_limit(ads, "oracle", q, 5, want);

	/* DISTINCT: T-SQL puts TOP after it, Informix FIRST before it. */
	check_limit(ads, "sqlserver", "select distinct a from t", 3,
	    "select distinct TOP 3 a from t");
	check_limit(ads, "informix", "select distinct a from t", 3,
	    "select FIRST 3 distinct a from t");
	/* WITH: the main SELECT, not the one inside the CTE. */
	check_limit(ads, "sqlserver", "WITH c AS (SELECT a FROM t) SELECT a "
	    "FROM c", 2, "WITH c AS (SELECT a FROM t) SELECT TOP 2 a FROM c");
	check_limit(ads, "informix", "/* SELECT */ SELECT 'SELECT' FROM t", 1,
	    "/* SELECT */ SELECT FIRST 1 'SELECT' FROM t");
	/* A trailing line comment must not swallow the clause. */
	check_limit(ads, "postgresql", "SELECT a FROM t -- note", 4,
	    "SELECT a FROM t\nLIMIT 4");
	check_limit(ads, "db2", "SELECT a FROM t ; -- x", 1,
	    "SELECT a FROM t\nFETCH FIRST 1 ROWS ONLY");
	check_limit(ads, "sqlserver", "VALUES (1)", 1, NULL);
	ok(db_adapter_limit(NULL, "SELECT 1", 1) == NULL,
	    "no adapter, no rewriting");
}

static void
test_quote_date(const struct db_adapters *ads)
{
	static const struct { const char *ad, *quoted, *date, *ts, *probe; }
	    cases[] = {
		{ "oracle", "\"odd\"\"name\"", "DATE '2024-02-29'",
		  "TIMESTAMP '2024-02-29 08:05:09'", "SELECT 1 FROM DUAL" },
		{ "sqlserver", "[odd\"name]", "'20240229'",
		  "'2024-02-29T08:05:09'", "SELECT 1" },
		{ "sybase", "[odd\"name]", "'20240229'",
		  "'20240229 08:05:09'", "SELECT 1" },
		{ "informix", "\"odd\"\"name\"",
		  "DATETIME(2024-02-29) YEAR TO DAY",
		  "DATETIME(2024-02-29 08:05:09) YEAR TO SECOND",
		  "SELECT FIRST 1 tabid FROM systables" },
		{ "db2", "\"odd\"\"name\"", "DATE('2024-02-29')",
		  "TIMESTAMP('2024-02-29 08:05:09')",
		  "SELECT 1 FROM SYSIBM.SYSDUMMY1" },
		{ "postgresql", "\"odd\"\"name\"", "DATE '2024-02-29'",
		  "TIMESTAMP '2024-02-29 08:05:09'", "SELECT 1" },
		{ "mysql", "`odd\"name`", "DATE '2024-02-29'",
		  "TIMESTAMP '2024-02-29 08:05:09'", "SELECT 1" },
		{ "sqlite", "\"odd\"\"name\"", "'2024-02-29'",
		  "'2024-02-29 08:05:09'", "SELECT 1" },
	};
	size_t i;
	char *s;

	for (i = 0; i < nitems(cases); i++) {
		const struct db_adapter *ad = db_adapter_find(ads, cases[i].ad);

		ok(ad != NULL, "adapter %s shipped", cases[i].ad);
		s = db_adapter_quote(ad, "odd\"name");
		is_str(s, cases[i].quoted, "%s quotes an identifier",
		    cases[i].ad);
		free(s);
		s = db_adapter_date_literal(ad, "2024-02-29");
		is_str(s, cases[i].date, "%s date literal", cases[i].ad);
		free(s);
		s = db_adapter_timestamp_literal(ad, "2024-02-29 08:05:09");
		is_str(s, cases[i].ts, "%s timestamp literal", cases[i].ad);
		free(s);
		is_str(db_adapter_probe(ad), cases[i].probe, "%s probe",
		    cases[i].ad);
	}
	s = db_adapter_quote(db_adapter_find(ads, "sqlserver"), "a]b");
	is_str(s, "[a]]b]", "closing bracket doubled");
	free(s);
	s = db_adapter_quote(db_adapter_find(ads, "mysql"), "a`b");
	is_str(s, "`a``b`", "backtick doubled");
	free(s);
	ok(db_adapter_quote(db_adapter_find(ads, "mysql"), "") == NULL,
	    "empty identifier refused");
	ok(db_adapter_date_literal(db_adapter_find(ads, "oracle"),
	    "2023-02-29") == NULL, "2023-02-29 is not a date");
	ok(db_adapter_date_literal(db_adapter_find(ads, "oracle"),
	    "2024-1-5") == NULL, "short forms refused");
	ok(db_adapter_date_literal(db_adapter_find(ads, "oracle"),
	    "2024-01-05'; DROP") == NULL, "trailing text refused");
	s = db_adapter_date_literal(NULL, "2024-01-05");
	is_str(s, "{d '2024-01-05'}", "generic: the ODBC escape");
	free(s);
	is_str(db_adapter_encoding_option(db_adapter_find(ads, "mysql"),
	    "GBK"), "CHARSET=gbk", "MariaDB GBK connection option");
	is_str(db_adapter_title(db_adapter_find(ads, "db2")), "IBM Db2",
	    "title");
	is_str(db_adapter_like_special(db_adapter_find(ads, "sqlserver")),
	    "%_[", "SQL Server: [ is special in LIKE");
	is_str(db_adapter_like_special(db_adapter_find(ads, "sybase")),
	    "%_[", "Sybase ASE: [ too");
	is_str(db_adapter_like_special(db_adapter_find(ads, "oracle")),
	    "%_", "Oracle: %% and _ only (it refuses ! before anything else)");
	is_str(db_adapter_like_special(NULL), "%_", "no adapter: SQL's own");
}

static void
test_bad(void)
{
	static const struct { const char *file, *want; } cases[] = {
		{ "broken.xml",
		    "broken.xml:6: Opening and ending tag mismatch" },
		{ "badstyle.xml", "badstyle.xml:7:" },
		{ "misnamed.xml", "misnamed.xml:3: the adapter is named" },
		{ "noprobe.xml", "noprobe.xml:" },
	};
	char dir[64], *cmd, *cause;
	struct db_adapters *ads;
	size_t i;
	int rc;

	for (i = 0; i < nitems(cases); i++) {
		snprintf(dir, sizeof dir, "/tmp/kefu-adapters-XXXXXX");
		if (mkdtemp(dir) == NULL) {
			ok(0, "mkdtemp");
			continue;
		}
		cmd = xasprintf("cp '%s/adapters/adapter.rng' '%s/adapters/"
		    "sqlite.xml' '%s/t/data/db/%s' '%s'/", srcdir, srcdir,
		    srcdir, cases[i].file, dir);
		rc = system(cmd);
		free(cmd);
		cause = NULL;
		ads = NULL;
		rc = rc == 0 ? db_adapters_load(dir, &ads, &cause) : -2;
		ok(rc == -1 && ads == NULL, "%s refused", cases[i].file);
		like(cause, cases[i].want, "error names file:line");
		tap_diag("%s", cause ? cause : "(no message)");
		free(cause);
		cmd = xasprintf("rm -rf '%s'", dir);
		if (system(cmd) != 0)
			tap_diag("could not remove %s", dir);
		free(cmd);
	}
	cause = NULL;
	rc = db_adapters_load("/nonexistent/adapters", &ads, &cause);
	ok(rc == -1, "missing folder refused");
	like(cause, "adapter.rng", "names the schema it needs");
	free(cause);
}

/* The LIMIT rewriting run for real on SQLite, and detection on connect. */
static void
test_sqlite(const struct db_adapters *ads)
{
	struct conf_datasource ds;
	struct db_source *src;
	struct db_result *res = NULL;
	struct db_query q;
	struct db_err err;
	char path[64], *connect[1], *cause = NULL, *sql;
	int fd, rc;

	snprintf(path, sizeof path, "/tmp/kefu-dbad-XXXXXX");
	if ((fd = mkstemp(path)) == -1) {
		ok(0, "mkstemp");
		return;
	}
	close(fd);
	connect[0] = xasprintf("Driver=SQLite3;Database=%s", path);
	memset(&ds, 0, sizeof ds);
	ds.name = (char *)"lite";
	ds.connect = connect;
	ds.nconnect = 1;
	ds.encoding = (char *)"UTF-8";
	ds.pool_size = 1;
	ds.pool_wait_ms = 1000;
	ds.connect_timeout_ms = 2000;
	ds.query_timeout_ms = 2000;
	ds.retry_ms = 100;
	ds.retry_max_ms = 100;
	ds.idle_check_ms = 1;
	rc = db_source_open(&ds, ads, &src, &cause);
	is_int(rc, 0, "open with adapters");
	ok(db_source_adapter(src) == NULL, "no adapter before connecting");
	db_run_script(src, "CREATE TABLE t (a INTEGER);\n"
	    "INSERT INTO t VALUES (3);\nINSERT INTO t VALUES (1);\n"
	    "INSERT INTO t VALUES (2);\n", &err);
	is_str(db_adapter_name(db_source_adapter(src)), "sqlite",
	    "detected from SQL_DBMS_NAME on connect");
	sql = db_adapter_limit(db_source_adapter(src), "SELECT a FROM t "
	    "ORDER BY a DESC -- biggest first", 2);
	memset(&q, 0, sizeof q);
	q.sql = sql;
	q.max_rows = 2;
	rc = db_run(src, &q, &res, &err);
	is_int(rc, 0, "the limited query runs (%s)", err.msg);
	if (rc == 0) {
		is_int(res->nrows, 2, "two rows");
		is_str(DB_CELL(res, 0, 0)->s, "3", "in order");
	}
	db_result_free(res);
	free(sql);
	/*
	 * idle-check 1 ms: the next query probes first and still works.  The
	 * wait is the test: the connection must have been idle that long.
	 */
	sleep_ms(5);
	q.sql = "SELECT count(*) FROM t";
	rc = db_run(src, &q, &res, &err);
	is_int(rc, 0, "query after an idle probe (%s)", err.msg);
	db_result_free(res);
	db_source_close(src);
	free(connect[0]);
	unlink(path);
}

int
main(void)
{
	struct db_adapters *ads = NULL;
	struct strbuf logs = STRBUF_INIT;
	char *dir, *cause = NULL;
	int rc;

	log_capture(&logs);
	if ((srcdir = getenv("KEFU_SRCDIR")) == NULL)
		srcdir = ".";
	dir = xasprintf("%s/adapters", srcdir);
	rc = db_adapters_load(dir, &ads, &cause);
	is_int(rc, 0, "the shipped adapters load (%s)", cause ? cause : "");
	free(dir);
	if (rc != 0)
		return tap_done();
	is_int(db_adapters_count(ads), 8, "eight profiles");
	test_detect(ads);
	test_limit(ads);
	test_quote_date(ads);
	test_bad();
	test_sqlite(ads);
	db_adapters_free(ads);
	sb_free(&logs);
	return tap_done();
}
