/*
 * t/unit/db-live.c: the db layer against real servers on loopback --
 * PostgreSQL (KEFU_TEST_PG), MariaDB (KEFU_TEST_MARIADB) and a MariaDB
 * database created with DEFAULT CHARACTER SET gbk (KEFU_TEST_MARIADB_GBK):
 * detection, typed round trips, the SQL each adapter generates, timeouts
 * by SQLCancel, read-only connections, prepared-statement handle counts,
 * dead connections replaced, wide columns, GBK text through iconv, and a
 * network that freezes mid-query (a loopback proxy that stops forwarding).
 * Unset variables skip, unless KEFU_TEST_REQUIRE_SERVERS=1.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db.h"
#include "util/util.h"
#include "../proxy.h"
#include "../tap.h"

static const struct db_adapters *ads;
static char table[64];

static void
ds_init(struct conf_datasource *ds, const char *name, char **connect,
    const char *encoding)
{
	memset(ds, 0, sizeof *ds);
	ds->name = (char *)name;
	ds->connect = connect;
	ds->nconnect = 1;
	ds->encoding = (char *)encoding;
	ds->pool_size = 2;
	ds->pool_wait_ms = 2000;
	ds->connect_timeout_ms = 3000;
	ds->query_timeout_ms = 5000;
	ds->retry_ms = 100;
	ds->retry_max_ms = 500;
	ds->idle_check_ms = 30000;
}

static int
run(struct db_source *src, const char *sql, const struct db_param *p,
    size_t np, const enum db_vtype *ct, size_t nct, int writes,
    struct db_result **res, struct db_err *err)
{
	struct db_query q;

	memset(&q, 0, sizeof q);
	q.sql = sql;
	q.params = p;
	q.nparams = np;
	q.coltypes = ct;
	q.ncoltypes = nct;
	q.writes = writes;
	*res = NULL;
	return db_run(src, &q, res, err);
}

/* Run and return the first cell as text (malloc'd), NULL on error. */
static char *
scalar(struct db_source *src, const char *sql, struct db_err *err)
{
	struct db_result *res;
	char *s = NULL;

	if (run(src, sql, NULL, 0, NULL, 0, 0, &res, err) == 0 &&
	    res->nrows > 0 && !DB_CELL(res, 0, 0)->null)
		s = xstrdup(DB_CELL(res, 0, 0)->s);
	db_result_free(res);
	return s;
}

static void
live_types(struct db_source *src, const char *kind)
{
	static const char *const names[] = {
		"康师傅红烧牛肉面 120g",
		"x'; DROP TABLE kefu_x; --",
		"a\\'; DELETE FROM t /* \"q\" `b` [c]",
		"",
		"emoji 😀 four bytes",
	};
	struct db_result *res;
	struct db_err err;
	struct db_param p[6];
	enum db_vtype ct[] = { DBV_TEXT, DBV_INT, DBV_DECIMAL, DBV_DATE,
	    DBV_BOOL, DBV_TIMESTAMP };
	char *sql;
	size_t i;
	int rc;

	sql = xasprintf("CREATE TABLE %s (id INTEGER PRIMARY KEY, name "
	    "VARCHAR(200), qty BIGINT, price DECIMAL(14,2), since DATE, "
	    "active BOOLEAN, changed TIMESTAMP NULL);", table);
	rc = db_run_script(src, sql, &err);
	free(sql);
	is_int(rc, 0, "%s: create the test table (%s)", kind, err.msg);
	sql = xasprintf("INSERT INTO %s (id, name, qty, price, since, active, "
	    "changed) VALUES (?, ?, ?, ?, ?, ?, ?)", table);
	for (i = 0; i < nitems(names); i++) {
		struct db_param q[7];

		memset(q, 0, sizeof q);
		q[0].type = DBV_INT; q[0].i = (int64_t)i;
		q[1].type = DBV_TEXT; q[1].s = names[i];
		q[2].type = DBV_INT; q[2].i = 9007199254740993LL;
		q[3].type = DBV_DECIMAL; q[3].s = "123456789012.50";
		q[4].type = DBV_DATE; q[4].s = "2024-02-29";
		q[5].type = DBV_BOOL; q[5].i = (int64_t)(i % 2);
		q[6].type = DBV_TIMESTAMP; q[6].s = "2024-03-01 08:30:05";
		rc = run(src, sql, q, 7, NULL, 0, 1, &res, &err);
		ok(rc == 0 && res->affected == 1, "%s: insert row %zu (%s)",
		    kind, i, err.msg);
		db_result_free(res);
	}
	free(sql);
	sql = xasprintf("SELECT name, qty, price, since, active, changed FROM "
	    "%s WHERE id = ?", table);
	for (i = 0; i < nitems(names); i++) {
		memset(p, 0, sizeof p);
		p[0].type = DBV_INT; p[0].i = (int64_t)i;
		rc = run(src, sql, p, 1, ct, 6, 0, &res, &err);
		ok(rc == 0 && res->nrows == 1, "%s: select row %zu (%s)", kind,
		    i, err.msg);
		if (rc != 0 || res->nrows != 1) {
			db_result_free(res);
			continue;
		}
		is_str(DB_CELL(res, 0, 0)->s, names[i], "%s: text verbatim",
		    kind);
		ok(!DB_CELL(res, 0, 0)->null, "%s: '' is not NULL", kind);
		if (i == 0) {
			is_int(DB_CELL(res, 0, 1)->i, 9007199254740993LL,
			    "%s: BIGINT exact", kind);
			is_str(DB_CELL(res, 0, 2)->s, "123456789012.50",
			    "%s: DECIMAL exact with its scale", kind);
			is_str(DB_CELL(res, 0, 3)->s, "2024-02-29", "%s: date",
			    kind);
			is_int(DB_CELL(res, 0, 4)->i, 0, "%s: false", kind);
			is_str(DB_CELL(res, 0, 5)->s, "2024-03-01 08:30:05",
			    "%s: timestamp", kind);
		}
		if (i == 1)
			is_int(DB_CELL(res, 0, 4)->i, 1, "%s: true", kind);
		db_result_free(res);
	}
	free(sql);

	/* NULL parameters and NULL columns. */
	sql = xasprintf("UPDATE %s SET name = ?, changed = ? WHERE id = 3",
	    table);
	memset(p, 0, sizeof p);
	p[0].type = DBV_TEXT; p[0].null = 1;
	p[1].type = DBV_TIMESTAMP; p[1].null = 1;
	rc = run(src, sql, p, 2, NULL, 0, 1, &res, &err);
	is_int(rc, 0, "%s: update to NULL (%s)", kind, err.msg);
	db_result_free(res);
	free(sql);
	sql = xasprintf("SELECT name, changed FROM %s WHERE id = 3", table);
	rc = run(src, sql, NULL, 0, ct + 4, 2, 0, &res, &err);
	ok(rc == 0 && res->nrows == 1 && DB_CELL(res, 0, 0)->null &&
	    DB_CELL(res, 0, 1)->null, "%s: NULLs read back as NULL", kind);
	db_result_free(res);
	free(sql);
	sql = xasprintf("SELECT count(*) FROM %s WHERE name = ''", table);
	rc = run(src, sql, NULL, 0, ct + 1, 1, 0, &res, &err);
	ok(rc == 0 && DB_CELL(res, 0, 0)->i == 0, "%s: '' is gone, NULL "
	    "stays apart", kind);
	db_result_free(res);
	free(sql);
}

static void
live_dialect(struct db_source *src, const char *kind, const char *want_ad)
{
	const struct db_adapter *ad = db_source_adapter(src);
	struct db_result *res;
	struct db_err err;
	enum db_vtype ti = DBV_INT;
	char *sql, *lim, *col, *date;
	int rc;

	is_str(db_adapter_name(ad), want_ad, "%s: adapter detected", kind);
	lim = db_adapter_limit(ad, "SELECT id FROM kefu_T ORDER BY id DESC",
	    2);
	sql = lim ? xstrdup(lim) : xstrdup("SELECT 1");
	free(lim);
	/* the table name is per process: put it in after limiting */
	lim = sql;
	{
		struct strbuf sb = STRBUF_INIT;
		const char *at = strstr(lim, "kefu_T");
		sb_add(&sb, lim, (size_t)(at - lim));
		sb_adds(&sb, table);
		sb_adds(&sb, at + 6);
		sql = sb_steal(&sb);
	}
	free(lim);
	rc = run(src, sql, NULL, 0, &ti, 1, 0, &res, &err);
	ok(rc == 0 && res->nrows == 2 && DB_CELL(res, 0, 0)->i == 4,
	    "%s: the adapter's LIMIT runs (%s)", kind, err.msg);
	db_result_free(res);
	free(sql);
	col = db_adapter_quote(ad, "qty");
	date = db_adapter_date_literal(ad, "2024-02-29");
	sql = xasprintf("SELECT count(*) FROM %s WHERE %s > 0 AND since = %s",
	    table, col, date);
	rc = run(src, sql, NULL, 0, &ti, 1, 0, &res, &err);
	ok(rc == 0 && DB_CELL(res, 0, 0)->i == 5, "%s: quoting and date "
	    "literal run: %s (%s)", kind, sql, err.msg);
	db_result_free(res);
	free(sql);
	free(col);
	free(date);
	sql = scalar(src, db_adapter_probe(ad), &err);
	is_str(sql, "1", "%s: the probe answers", kind);
	free(sql);

	rc = db_describe(src, "SELECT id, name, price FROM kefu_no_such_table",
	    0, &res, &err);
	ok(rc == -1, "%s: describe a missing table fails: %s", kind, err.msg);
	sql = xasprintf("SELECT id, name, price, since FROM %s WHERE id = ?",
	    table);
	rc = db_describe(src, sql, 1, &res, &err);
	ok(rc == 0 && res->ncols == 4, "%s: describe lists 4 columns (%s)",
	    kind, err.msg);
	if (rc == 0) {
		is_str(res->names[1], "name", "%s: column name", kind);
		ok(res->types[0] == DBV_INT && res->types[2] == DBV_DECIMAL &&
		    res->types[3] == DBV_DATE, "%s: column types %s %s %s",
		    kind,
		    db_vtype_name(res->types[0]), db_vtype_name(res->types[2]),
		    db_vtype_name(res->types[3]));
	}
	db_result_free(res);
	free(sql);
}

/* writes=0 runs on a read-only session, writes=1 on a read-write one. */
static void
live_ro(struct db_source *src, const char *kind, const char *sql,
    const char *ro, const char *rw)
{
	struct db_result *res;
	struct db_err err;
	int rc;

	rc = run(src, sql, NULL, 0, NULL, 0, 0, &res, &err);
	ok(rc == 0 && res->nrows == 1 && strcmp(DB_CELL(res, 0, 0)->s, ro) ==
	    0, "%s: writes=0 gets a read-only session (%s)", kind, err.msg);
	db_result_free(res);
	rc = run(src, sql, NULL, 0, NULL, 0, 1, &res, &err);
	ok(rc == 0 && res->nrows == 1 && strcmp(DB_CELL(res, 0, 0)->s, rw) ==
	    0, "%s: writes=1 gets a read-write one (%s)", kind, err.msg);
	db_result_free(res);
}

static void
live_wide(struct db_source *src, const char *kind, const char *repeat)
{
	struct db_result *res;
	struct db_err err;
	int rc;

	rc = run(src, repeat, NULL, 0, NULL, 0, 0, &res, &err);
	ok(rc == 0 && res->nrows == 1, "%s: a 300000-byte column (%s)", kind,
	    err.msg);
	if (rc == 0 && res->nrows == 1) {
		const char *s = DB_CELL(res, 0, 0)->s;
		is_int(strlen(s), 300000, "%s: fetched whole", kind);
		ok(strncmp(s, "价价", 6) == 0 &&
		    strcmp(s + 299997, "价") == 0, "%s: intact", kind);
	}
	db_result_free(res);
}

static void
live_timeout(struct db_source *src, const char *kind, const char *sleep5)
{
	struct db_result *res;
	struct db_query q;
	struct db_err err;
	uint64_t t0, ms;
	char *s;
	int rc;

	memset(&q, 0, sizeof q);
	q.sql = sleep5;
	q.timeout_ms = 1200;
	t0 = now_ms();
	rc = db_run(src, &q, &res, &err);
	ms = now_ms() - t0;
	ok(rc == -1 && err.kind == DBE_TIMEOUT, "%s: a 5 s statement times "
	    "out: %s", kind, err.msg);
	ok(ms >= 1000 && ms < 3000, "%s: cancelled near 1.2 s (%llu ms)",
	    kind, (unsigned long long)ms);
	s = scalar(src, "SELECT 1", &err);
	is_str(s, "1", "%s: usable right after (%s)", kind, err.msg);
	free(s);
}

/* Whether the server no longer lists connection pid (kind's dialect). */
static int
conn_ended(struct db_source *src, const char *kind, const char *pid)
{
	struct db_err err;
	char *sql, *n;
	int r;

	sql = xasprintf(strcmp(kind, "mariadb") == 0 ? "SELECT COUNT(*) "
	    "FROM information_schema.processlist WHERE id = %s" :
	    "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = %s", pid);
	n = scalar(src, sql, &err);
	r = n != NULL && strcmp(n, "0") == 0;
	free(n);
	free(sql);
	return r;
}

/* Kill our own connection from outside; the next query must still work. */
static void
live_dead_conn(const char *connstr, const char *kind, const char *pid_sql,
    const char *kill_fmt, int idle_check_ms)
{
	struct conf_datasource ds, ds2;
	struct db_source *src, *killer;
	struct db_err err;
	char *connect[1], *cause = NULL, *pid, *kill, *s, *again;

	connect[0] = (char *)connstr;
	ds_init(&ds, "victim", connect, "UTF-8");
	ds.pool_size = 1;
	ds.idle_check_ms = idle_check_ms;
	ds_init(&ds2, "killer", connect, "UTF-8");
	db_source_open(&ds, ads, &src, &cause);
	db_source_open(&ds2, ads, &killer, &cause);
	pid = scalar(src, pid_sql, &err);
	ok(pid != NULL, "%s: connection id %s", kind, pid ? pid : err.msg);
	kill = xasprintf(kill_fmt, pid ? pid : "0");
	if (strncmp(kill, "KILL", 4) == 0) {
		struct db_result *res;
		struct db_query q;
		memset(&q, 0, sizeof q);
		q.sql = kill;
		q.writes = 1;
		db_run(killer, &q, &res, &err);
		db_result_free(res);
	} else
		free(scalar(killer, kill, &err));
	free(kill);
	/* the server ends the killed connection in its own time */
	ok(pid == NULL || tap_wait(conn_ended(killer, kind, pid), 5000),
	    "%s: the server ended connection %s", kind, pid ? pid : "?");
	s = scalar(src, "SELECT 7", &err);
	is_str(s, "7", "%s: a killed connection is replaced (%s, idle-check "
	    "%d ms)", kind, err.msg, idle_check_ms);
	again = scalar(src, pid_sql, &err);
	ok(again != NULL && pid != NULL && strcmp(again, pid) != 0,
	    "%s: on a new connection", kind);
	free(s);
	free(again);
	free(pid);
	db_source_close(src);
	db_source_close(killer);
}

static void
live_drop(struct db_source *src)
{
	char *sql = xasprintf("DROP TABLE %s;", table);
	struct db_err err;

	db_run_script(src, sql, &err);
	free(sql);
}

static int
need(const char *var)
{
	const char *req = getenv("KEFU_TEST_REQUIRE_SERVERS");

	if (getenv(var) != NULL && *getenv(var) != '\0')
		return 1;
	if (req != NULL && strcmp(req, "1") == 0)
		ok(0, "%s is not set but KEFU_TEST_REQUIRE_SERVERS=1", var);
	else
		printf("ok %d # SKIP %s not set\n", ++tap_n, var);
	return 0;
}

/*
 * The network to the database freezes mid-session: SQLCancel cannot get
 * through either, yet the caller must get DBE_TIMEOUT within
 * query-timeout and a small margin, another datasource keeps working,
 * and the pool replaces the connection once the network is back.
 */
static void
live_freeze(const char *connstr, const char *kind, const char *sleep1)
{
	struct conf_datasource ds, ds2;
	struct db_source *src = NULL, *other = NULL;
	struct db_stats st;
	struct db_err err;
	struct proxy px;
	char *connect[1], *direct[1], *cause = NULL, *s;
	uint64_t t0, ms;
	int upstream;

	connect[0] = proxy_connstr(connstr, 0, &upstream);
	free(connect[0]);
	if (proxy_start(&px, upstream) == -1) {
		ok(0, "%s: start a loopback proxy", kind);
		return;
	}
	connect[0] = proxy_connstr(connstr, px.port, &upstream);
	direct[0] = (char *)connstr;
	ds_init(&ds, "frozen", connect, "UTF-8");
	ds.pool_size = 1;
	ds.query_timeout_ms = 1000;
	ds_init(&ds2, "other", direct, "UTF-8");
	db_source_open(&ds, ads, &src, &cause);
	db_source_open(&ds2, ads, &other, &cause);
	s = scalar(src, "SELECT 1", &err);
	is_str(s, "1", "%s: through the proxy (%s)", kind, err.msg);
	free(s);

	/* Mid-query: the statement is running when the network stops. */
	if (proxy_mode(&px, PROXY_FROZEN) == 0)
		tap_diag("the proxy does not answer");
	t0 = now_ms();
	s = scalar(src, sleep1, &err);
	ms = now_ms() - t0;
	ok(s == NULL && err.kind == DBE_TIMEOUT, "%s: frozen network: "
	    "DBE_TIMEOUT (%s)", kind, err.msg);
	ok(ms >= 900 && ms < 1500, "%s: within query-timeout 1000 ms and a "
	    "margin (%llu ms)", kind, (unsigned long long)ms);
	free(s);
	t0 = now_ms();
	s = scalar(other, "SELECT 3", &err);
	ms = now_ms() - t0;
	ok(s != NULL && strcmp(s, "3") == 0 && ms < 1000, "%s: another "
	    "datasource works meanwhile (%llu ms, %s)", kind,
	    (unsigned long long)ms, err.msg);
	free(s);
	db_source_stats(src, &st);
	ok(st.timeouts == 1 && st.busy == 0, "%s: one timeout, nothing "
	    "left busy", kind);
	ok(st.open == 1, "%s: the abandoned connection still counts in the "
	    "pool of 1 (%d open)", kind, st.open);
	t0 = now_ms();
	s = scalar(src, "SELECT 5", &err);
	ms = now_ms() - t0;
	ok(s == NULL && ms < 1500, "%s: the next caller during the freeze "
	    "fails within query-timeout and a margin too (%llu ms, %s)", kind,
	    (unsigned long long)ms, db_errkind_name(err.kind));
	free(s);
	db_source_stats(src, &st);
	ok(st.open <= 1, "%s: never more than pool-size open (%d)", kind,
	    st.open);

	if (proxy_mode(&px, PROXY_FORWARD) == 0)
		tap_diag("the proxy does not answer");
	/* The abandoned connection's driver returns: its slot comes back. */
	tap_wait((s = scalar(src, "SELECT 4", &err)) != NULL, 5000);
	is_str(s, "4", "%s: a new connection once the network is back (%s)",
	    kind, err.msg);
	free(s);
	db_source_close(src);
	db_source_close(other);
	proxy_stop(&px);
	free(connect[0]);
	free(cause);
}

static void
test_pg(void)
{
	struct conf_datasource ds;
	struct db_source *src;
	struct db_result *res;
	struct db_err err;
	struct db_stats st;
	char *connect[1], *cause = NULL, *sql, *s;
	int rc;

	if (!need("KEFU_TEST_PG"))
		return;
	connect[0] = getenv("KEFU_TEST_PG");
	ds_init(&ds, "pg", connect, "UTF-8");
	ok(db_source_open(&ds, ads, &src, &cause) == 0, "pg: opens: %s",
	    cause ? cause : "ok");
	if (src == NULL)
		return;
	live_drop(src);
	live_types(src, "pg");
	live_dialect(src, "pg", "postgresql");
	live_wide(src, "pg", "SELECT repeat('价', 100000)");
	live_ro(src, "pg", "SELECT current_setting("
	    "'default_transaction_read_only')", "on", "off");
	live_timeout(src, "pg", "SELECT pg_sleep(5)");
	live_freeze(connect[0], "pg", "SELECT 2 FROM pg_sleep(0.2)");

	/* Read-only connections: nextval() writes, so it fails read-only. */
	sql = xasprintf("CREATE SEQUENCE %s_seq;", table);
	db_run_script(src, sql, &err);
	free(sql);
	sql = xasprintf("SELECT nextval('%s_seq')", table);
	rc = run(src, sql, NULL, 0, NULL, 0, 0, &res, &err);
	ok(rc == -1 && err.kind == DBE_SQL, "pg: writes=0 runs on a read-only "
	    "connection: %s", err.msg);
	db_result_free(res);
	rc = run(src, sql, NULL, 0, NULL, 0, 1, &res, &err);
	is_int(rc, 0, "pg: writes=1 may (%s)", err.msg);
	db_result_free(res);
	free(sql);
	sql = xasprintf("DROP SEQUENCE %s_seq;", table);
	db_run_script(src, sql, &err);
	free(sql);

	s = scalar(src, "SELECT 1", &err);
	free(s);
	db_source_stats(src, &st);
	ok(st.p50_us > 0 && st.connects >= 1 && st.up, "pg: stats p50 %u us "
	    "p99 %u us, %llu queries", st.p50_us, st.p99_us,
	    (unsigned long long)st.queries);
	like(st.current, "Pwd=***", "pg: current connection redacted");
	live_drop(src);
	db_source_close(src);
	live_dead_conn(connect[0], "pg", "SELECT pg_backend_pid()",
	    "SELECT pg_terminate_backend(%s)", 0);
	live_dead_conn(connect[0], "pg", "SELECT pg_backend_pid()",
	    "SELECT pg_terminate_backend(%s)", 1);
}

static void
test_mariadb(void)
{
	struct conf_datasource ds;
	struct db_source *src;
	struct db_err err;
	struct db_stats st;
	char *connect[1], *cause = NULL, *before, *after, sql[64];
	int i, fails = 0;

	if (!need("KEFU_TEST_MARIADB"))
		return;
	connect[0] = getenv("KEFU_TEST_MARIADB");
	ds_init(&ds, "my", connect, "UTF-8");
	db_source_open(&ds, ads, &src, &cause);
	live_drop(src);
	live_types(src, "mariadb");
	live_dialect(src, "mariadb", "mysql");
	live_wide(src, "mariadb", "SELECT REPEAT('价', 100000)");
	live_ro(src, "mariadb", "SELECT @@tx_read_only", "1", "0");
	live_timeout(src, "mariadb", "SELECT SLEEP(5)");
	live_freeze(connect[0], "mariadb",
	    "SELECT 2 FROM (SELECT SLEEP(0.2)) x");

	/* No pile of prepared statements on the server (Asterisk #1988). */
	before = scalar(src, "SELECT VARIABLE_VALUE FROM information_schema."
	    "GLOBAL_STATUS WHERE VARIABLE_NAME = 'PREPARED_STMT_COUNT'", &err);
	for (i = 0; i < 400; i++) {
		char *s;
		snprintf(sql, sizeof sql, "SELECT %d + 0", i);
		if ((s = scalar(src, sql, &err)) == NULL)
			fails++;
		free(s);
	}
	after = scalar(src, "SELECT VARIABLE_VALUE FROM information_schema."
	    "GLOBAL_STATUS WHERE VARIABLE_NAME = 'PREPARED_STMT_COUNT'", &err);
	is_int(fails, 0, "mariadb: 400 distinct statements ran");
	ok(before && after && atoi(after) - atoi(before) <= 2 * 16 + 8,
	    "mariadb: server prepared statements bounded (%s -> %s)",
	    before ? before : "?", after ? after : "?");
	db_source_stats(src, &st);
	ok(st.stmts_open <= 2 * 16, "mariadb: %llu handles open in kefu",
	    (unsigned long long)st.stmts_open);
	free(before);
	free(after);
	live_drop(src);
	db_source_close(src);
	live_dead_conn(connect[0], "mariadb", "SELECT CONNECTION_ID()",
	    "KILL %s", 0);
	live_dead_conn(connect[0], "mariadb", "SELECT CONNECTION_ID()",
	    "KILL %s", 1);
}

static void
test_gbk(void)
{
	static const char *const products[] = {
		"康师傅红烧牛肉面",
		"农夫山泉 550ml",
		"青岛啤酒（罐装）",
		"金龙鱼调和油 5L",
		"双汇王中王火腿肠",
	};
	struct conf_datasource ds;
	struct db_source *gbk, *utf;
	struct db_result *res;
	struct db_err err;
	struct db_param p[2];
	char *connect[1], *uconnect[1], *cause = NULL, *sql, *s;
	size_t i;
	int rc;

	if (!need("KEFU_TEST_MARIADB_GBK"))
		return;
	connect[0] = getenv("KEFU_TEST_MARIADB_GBK");
	ds_init(&ds, "erp-gbk", connect, "GBK");
	rc = db_source_open(&ds, ads, &gbk, &cause);
	is_int(rc, 0, "gbk: open with encoding=GBK");
	s = scalar(gbk, "SELECT @@character_set_client", &err);
	is_str(s, "gbk", "gbk: the adapter's CHARSET=gbk reached the server");
	free(s);
	sql = xasprintf("DROP TABLE IF EXISTS %s;\nCREATE TABLE %s (id INT "
	    "PRIMARY KEY, name VARCHAR(100)) DEFAULT CHARSET gbk;", table,
	    table);
	rc = db_run_script(gbk, sql, &err);
	free(sql);
	is_int(rc, 0, "gbk: table with DEFAULT CHARSET gbk (%s)", err.msg);
	sql = xasprintf("INSERT INTO %s VALUES (?, ?)", table);
	for (i = 0; i < nitems(products); i++) {
		memset(p, 0, sizeof p);
		p[0].type = DBV_INT; p[0].i = (int64_t)i;
		p[1].type = DBV_TEXT; p[1].s = products[i];
		rc = run(gbk, sql, p, 2, NULL, 0, 1, &res, &err);
		is_int(rc, 0, "gbk: insert %s (%s)", products[i], err.msg);
		db_result_free(res);
	}
	free(sql);
	sql = xasprintf("SELECT name, HEX(name) FROM %s WHERE id = ?", table);
	for (i = 0; i < nitems(products); i++) {
		memset(p, 0, sizeof p);
		p[0].type = DBV_INT; p[0].i = (int64_t)i;
		rc = run(gbk, sql, p, 1, NULL, 0, 0, &res, &err);
		ok(rc == 0 && res->nrows == 1, "gbk: read back %zu (%s)", i,
		    err.msg);
		if (rc == 0 && res->nrows == 1) {
			is_str(DB_CELL(res, 0, 0)->s, products[i],
			    "gbk: same text after UTF-8 -> GBK -> UTF-8");
			if (i == 0)
				is_str(DB_CELL(res, 0, 1)->s,
				    "BFB5CAA6B8B5BAECC9D5C5A3C8E2C3E6",
				    "gbk: stored as GBK bytes on the server");
		}
		db_result_free(res);
	}
	free(sql);
	/* A bound Chinese parameter compares in GBK on the server. */
	sql = xasprintf("SELECT id FROM %s WHERE name = ?", table);
	memset(p, 0, sizeof p);
	p[0].type = DBV_TEXT; p[0].s = products[2];
	rc = run(gbk, sql, p, 1, NULL, 0, 0, &res, &err);
	ok(rc == 0 && res->nrows == 1 && strcmp(DB_CELL(res, 0, 0)->s, "2") ==
	    0, "gbk: WHERE name = ? finds the product (%s)", err.msg);
	db_result_free(res);
	p[0].s = "不在GBK里的字：𠀀";
	rc = run(gbk, sql, p, 1, NULL, 0, 0, &res, &err);
	ok(rc == -1 && err.kind == DBE_CONVERT, "gbk: a character outside GBK "
	    "is DBE_CONVERT: %s", err.msg);
	free(sql);

	/* The same rows through a UTF-8 connection: the server agrees. */
	uconnect[0] = xasprintf("%s", connect[0]);
	ds_init(&ds, "erp-utf8", uconnect, "UTF-8");
	db_source_open(&ds, ads, &utf, &cause);
	sql = xasprintf("SELECT name FROM %s WHERE id = 3", table);
	s = scalar(utf, sql, &err);
	is_str(s, products[3], "gbk: a utf8mb4 client reads the same text");
	free(s);
	free(sql);
	db_source_close(utf);
	free(uconnect[0]);
	sql = xasprintf("DROP TABLE %s;", table);
	db_run_script(gbk, sql, &err);
	free(sql);
	db_source_close(gbk);
}

int
main(void)
{
	struct db_adapters *loaded = NULL;
	struct strbuf logs = STRBUF_INIT;
	const char *srcdir = getenv("KEFU_SRCDIR");
	char *dir, *cause = NULL;

	log_capture(&logs);
	snprintf(table, sizeof table, "kefu_dbt_%ld", (long)getpid());
	dir = xasprintf("%s/adapters", srcdir ? srcdir : ".");
	if (db_adapters_load(dir, &loaded, &cause) == -1) {
		ok(0, "adapters load: %s", cause);
		free(cause);
	}
	free(dir);
	ads = loaded;
	test_pg();
	test_mariadb();
	test_gbk();
	ok(strstr(sb_str(&logs), "Pwd=kefu") == NULL &&
	    strstr(sb_str(&logs), "Password=kefu") == NULL,
	    "no password in the log");
	db_adapters_free(loaded);
	sb_free(&logs);
	return tap_done();
}
