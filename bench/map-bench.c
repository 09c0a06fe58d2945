/*
 * map-bench.c: how much a mapping costs over raw ODBC.  Runs the same
 * prepared SELECT by primary key (a) from a hand-written C loop --
 * SQLPrepare once, SQLBindParameter, SQLExecute/SQLFetch/SQLGetData --
 * and (b) through map_run (input check, binding, pooled connection,
 * result typing), both warmed up, then in BENCH_ROUNDS rounds of
 * alternating chunks of BENCH_CHUNK queries, and prints the median
 * per-round throughput of each, the median of the per-round ratios (so
 * one round disturbed by the rest of the machine does not decide it)
 * and p50/p99 latencies over all rounds.  SQLite always; PostgreSQL and
 * MariaDB when KEFU_TEST_PG / KEFU_TEST_MARIADB are set.  Not a test:
 * it prints figures measured in one run.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sql.h>
#include <sqlext.h>

#include "map/map.h"
#include "util/util.h"

#define BENCH_ROWS 1000
#define BENCH_ROUNDS 9          /* odd: the median is one round */
#define BENCH_CHUNK 100         /* queries per path before the other's turn */

struct bench {
	const char *label;
	char *connect;
	char *table;
	char *dir;              /* temporary mappings folder */
	struct conf *conf;
	struct map_pools *pools;
	struct map_set *set;
	char *inputs[BENCH_ROWS];
};

static void
bench_die(const char *what, const char *why)
{
	fprintf(stderr, "map-bench: %s: %s\n", what, why);
	exit(1);
}

static void
bench_odbc_die(SQLSMALLINT type, SQLHANDLE h, const char *what)
{
	SQLCHAR state[6], msg[512];
	SQLINTEGER native;
	SQLSMALLINT len;

	if (!SQL_SUCCEEDED(SQLGetDiagRec(type, h, 1, state, &native, msg,
	    sizeof msg, &len)))
		strcpy((char *)msg, "no diagnostic");
	bench_die(what, (char *)msg);
}

static void
bench_exec(SQLHDBC dbc, const char *sql)
{
	SQLHSTMT st;

	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)))
		bench_odbc_die(SQL_HANDLE_STMT, st, sql);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static SQLHDBC
bench_connect(SQLHENV *env, const char *connect)
{
	SQLHDBC dbc;

	SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, env);
	SQLSetEnvAttr(*env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3,
	    0);
	SQLAllocHandle(SQL_HANDLE_DBC, *env, &dbc);
	if (!SQL_SUCCEEDED(SQLDriverConnect(dbc, NULL, (SQLCHAR *)connect,
	    SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT)))
		bench_odbc_die(SQL_HANDLE_DBC, dbc, "connect");
	return dbc;
}

static void
bench_disconnect(SQLHENV env, SQLHDBC dbc)
{
	SQLDisconnect(dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, dbc);
	SQLFreeHandle(SQL_HANDLE_ENV, env);
}

/* The products table, filled in one transaction. */
static void
bench_fill(struct bench *b)
{
	SQLHENV env;
	SQLHDBC dbc = bench_connect(&env, b->connect);
	SQLHSTMT st;
	char *sql;
	int i;

	sql = xasprintf("DROP TABLE %s", b->table);
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	free(sql);
	sql = xasprintf("CREATE TABLE %s (plu INTEGER PRIMARY KEY, "
	    "name VARCHAR(60), price DECIMAL(10,2))", b->table);
	bench_exec(dbc, sql);
	free(sql);
	SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT,
	    (SQLPOINTER)SQL_AUTOCOMMIT_OFF, SQL_IS_UINTEGER);
	for (i = 1; i <= BENCH_ROWS; i++) {
		sql = xasprintf("INSERT INTO %s VALUES (%d, 'product %d', "
		    "%d.%02d)", b->table, i, i, i % 97, i % 100);
		bench_exec(dbc, sql);
		free(sql);
	}
	SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT);
	bench_disconnect(env, dbc);
}

static void
bench_drop(struct bench *b)
{
	SQLHENV env;
	SQLHDBC dbc = bench_connect(&env, b->connect);
	char *sql = xasprintf("DROP TABLE %s", b->table);

	bench_exec(dbc, sql);
	free(sql);
	bench_disconnect(env, dbc);
}

static char *
bench_sql(struct bench *b)
{
	return xasprintf("SELECT name, price FROM %s WHERE plu = ?",
	    b->table);
}

/* (a) the hand-written loop, keys from+1...; returns elapsed microseconds. */
static uint64_t
bench_raw(SQLHSTMT st, int from, int n, struct db_hist *h)
{
	SQLBIGINT plu;
	SQLLEN ind = 0, nind, pind;
	char name[128], price[64];
	uint64_t t0 = now_us(), t;
	int i;

	if (!SQL_SUCCEEDED(SQLBindParameter(st, 1, SQL_PARAM_INPUT,
	    SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &plu, 0, &ind)))
		bench_odbc_die(SQL_HANDLE_STMT, st, "bind");
	for (i = 0; i < n; i++) {
		t = now_us();
		plu = (from + i) % BENCH_ROWS + 1;
		if (!SQL_SUCCEEDED(SQLExecute(st)))
			bench_odbc_die(SQL_HANDLE_STMT, st, "execute");
		if (!SQL_SUCCEEDED(SQLFetch(st)))
			bench_odbc_die(SQL_HANDLE_STMT, st, "fetch");
		SQLGetData(st, 1, SQL_C_CHAR, name, sizeof name, &nind);
		SQLGetData(st, 2, SQL_C_CHAR, price, sizeof price, &pind);
		SQLCloseCursor(st);
		db_hist_add(h, (unsigned)(now_us() - t));
	}
	return now_us() - t0;
}

/* (b) the same through the mapping engine. */
static uint64_t
bench_map(struct bench *b, const struct map *m, int from, int n,
    struct db_hist *h)
{
	struct map_var in[1];
	struct map_res res;
	uint64_t t0 = now_us(), t;
	int i;

	in[0].name = "plu";
	for (i = 0; i < n; i++) {
		t = now_us();
		in[0].value = b->inputs[(from + i) % BENCH_ROWS];
		if (map_run(m, in, 1, &res) != MAP_FOUND)
			bench_die("map_run", res.error);
		map_res_free(&res);
		db_hist_add(h, (unsigned)(now_us() - t));
	}
	return now_us() - t0;
}

static void
bench_mapping(struct bench *b, const char *srcdir)
{
	struct map_load_cfg cfg;
	char *path, *xml, *cause = NULL, *schema, *conftext;
	size_t i;

	b->dir = xstrdup("/tmp/kefu-map-bench-XXXXXX");
	if (mkdtemp(b->dir) == NULL)
		bench_die("mkdtemp", "failed");
	path = xasprintf("%s/bench.xml", b->dir);
	xml = xasprintf("<mapping name=\"bench\" datasource=\"erp\">\n"
	    "<param name=\"plu\" type=\"integer\" min=\"1\"/>\n"
	    "<sql>SELECT name, price FROM %s WHERE plu = :plu</sql>\n"
	    "<result rows=\"one\"><column name=\"name\" type=\"text\"/>"
	    "<column name=\"price\" type=\"decimal\"/></result>\n"
	    "</mapping>\n", b->table);
	if (file_write_atomic(path, xml, strlen(xml), &cause) == -1)
		bench_die(path, cause);
	free(xml);
	free(path);
	conftext = xasprintf("[kefu]\nmappings = %s\n[datasource erp]\n"
	    "connect = %s\npool-size = 1\n", b->dir, b->connect);
	path = xasprintf("%s/kefu.conf", b->dir);
	if (conf_parse(path, conftext, &b->conf, &cause) == -1)
		bench_die("kefu.conf", cause);
	free(path);
	free(conftext);
	/* Diagnosis: without the per-statement timeout machinery of db/. */
	if (getenv("KEFU_BENCH_NO_TIMEOUT") != NULL)
		b->conf->ds[0].query_timeout_ms = 0;
	if (map_pools_open(b->conf, NULL, &b->pools, &cause) == -1)
		bench_die("pools", cause);
	schema = xasprintf("%s/mappings/mapping.rng", srcdir);
	memset(&cfg, 0, sizeof cfg);
	cfg.path = b->dir;
	cfg.conf = b->conf;
	cfg.schema = schema;
	cfg.source = map_pools_source;
	cfg.arg = b->pools;
	if (map_load(&cfg, &b->set, &cause) == -1)
		bench_die("mappings", cause);
	free(schema);
	for (i = 0; i < BENCH_ROWS; i++)
		b->inputs[i] = xasprintf("%zu", i + 1);
}

static void
bench_cleanup(struct bench *b)
{
	char *path;
	size_t i;

	map_set_free(b->set);
	map_pools_close(b->pools);
	conf_free(b->conf);
	path = xasprintf("%s/bench.xml", b->dir);
	unlink(path);
	free(path);
	rmdir(b->dir);
	free(b->dir);
	for (i = 0; i < BENCH_ROWS; i++)
		free(b->inputs[i]);
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
bench_median(const double *v, size_t n)
{
	double s[BENCH_ROUNDS];

	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, bench_cmp);
	return s[n / 2];
}

/* Per round: queries/s of each path and their ratio. */
static void
bench_report(struct bench *b, const double *raw, const double *map,
    struct db_hist *hr, struct db_hist *hm)
{
	double ratio[BENCH_ROUNDS], r, lo, hi;
	size_t i;

	for (i = 0; i < BENCH_ROUNDS; i++)
		ratio[i] = map[i] / raw[i];
	r = bench_median(ratio, BENCH_ROUNDS);
	lo = hi = ratio[0];
	for (i = 1; i < BENCH_ROUNDS; i++) {
		lo = ratio[i] < lo ? ratio[i] : lo;
		hi = ratio[i] > hi ? ratio[i] : hi;
	}
	printf("%-10s raw ODBC   %9.0f queries/s  p50 %5u us  p99 %5u us\n",
	    b->label, bench_median(raw, BENCH_ROUNDS), db_hist_pct(hr, 50),
	    db_hist_pct(hr, 99));
	printf("%-10s map_run    %9.0f queries/s  p50 %5u us  p99 %5u us\n",
	    b->label, bench_median(map, BENCH_ROUNDS), db_hist_pct(hm, 50),
	    db_hist_pct(hm, 99));
	printf("%-10s ratio map/raw %.3f (median of %d rounds, %.3f-%.3f; "
	    "%s 0.9)\n", b->label, r, BENCH_ROUNDS, lo, hi,
	    r >= 0.9 ? "meets" : "BELOW");
}

static void
bench_one(const char *label, const char *connect, const char *srcdir,
    int n)
{
	struct bench b;
	struct db_hist *hr = db_hist_new(), *hm = db_hist_new();
	SQLHENV env;
	SQLHDBC dbc;
	SQLHSTMT st;
	struct db_hist *hw = db_hist_new();
	double raw[BENCH_ROUNDS], map[BENCH_ROUNDS];
	const struct map *m;
	char *sql;
	int r;

	memset(&b, 0, sizeof b);
	b.label = label;
	b.connect = xstrdup(connect);
	b.table = xasprintf("kefu_map_bench_%ld", (long)getpid());
	bench_fill(&b);
	bench_mapping(&b, srcdir);
	dbc = bench_connect(&env, connect);
	SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
	sql = bench_sql(&b);
	if (!SQL_SUCCEEDED(SQLPrepare(st, (SQLCHAR *)sql, SQL_NTS)))
		bench_odbc_die(SQL_HANDLE_STMT, st, "prepare");
	free(sql);
	if ((m = map_find(b.set, "bench")) == NULL)
		bench_die("map_find", "no mapping bench");
	/*
	 * Warm both paths up.  Then each round runs n queries per path in
	 * alternating chunks of BENCH_CHUNK (which path goes first
	 * alternates too), so that whatever else the machine does hits
	 * both paths alike.
	 */
	bench_raw(st, 0, n / 10, hw);
	bench_map(&b, m, 0, n / 10, hw);
	for (r = 0; r < BENCH_ROUNDS; r++) {
		uint64_t tr = 0, tm = 0;
		int done, k, c;

		for (done = 0, k = r; done < n; done += c, k++) {
			c = n - done < BENCH_CHUNK ? n - done : BENCH_CHUNK;
			if (k % 2 == 0) {
				tr += bench_raw(st, done, c, hr);
				tm += bench_map(&b, m, done, c, hm);
			} else {
				tm += bench_map(&b, m, done, c, hm);
				tr += bench_raw(st, done, c, hr);
			}
		}
		raw[r] = n * 1e6 / (double)(tr ? tr : 1);
		map[r] = n * 1e6 / (double)(tm ? tm : 1);
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	bench_disconnect(env, dbc);
	bench_report(&b, raw, map, hr, hm);
	db_hist_free(hw);
	bench_cleanup(&b);
	bench_drop(&b);
	db_hist_free(hr);
	db_hist_free(hm);
	free(b.table);
	free(b.connect);
}

int
main(int argc, char **argv)
{
	const char *srcdir = getenv("KEFU_SRCDIR"), *cs;
	char path[] = "/tmp/kefu-map-bench-XXXXXX.db", *connect;
	int n = argc > 1 ? atoi(argv[1]) : 20000, fd;

	if (srcdir == NULL)
		srcdir = KEFU_BENCH_SRCDIR;
	log_set_level(KLOG_WARN);
	if ((fd = mkstemps(path, 3)) == -1)
		bench_die("mkstemps", "failed");
	close(fd);
	connect = xasprintf("Driver=SQLite3;Database=%s", path);
	printf("map-bench: %d queries (a fifth on a server) x %d rounds per "
	    "path in chunks of %d, one connection each, SELECT by primary "
	    "key of %d rows\n", n, BENCH_ROUNDS, BENCH_CHUNK, BENCH_ROWS);
	bench_one("sqlite", connect, srcdir, n);
	free(connect);
	unlink(path);
	if ((cs = getenv("KEFU_TEST_PG")) != NULL && *cs != '\0')
		bench_one("postgresql", cs, srcdir, n / 5);
	if ((cs = getenv("KEFU_TEST_MARIADB")) != NULL && *cs != '\0')
		bench_one("mariadb", cs, srcdir, n / 5);
	return 0;
}
