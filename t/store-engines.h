/*
 * store-engines.h: what the store tests share to run on each engine --
 * SQLite in a temporary file, PostgreSQL in a schema of its own, MariaDB
 * in a database of its own (KEFU_TEST_PG, KEFU_TEST_MARIADB; a missing
 * server is a SKIP, or a failure with KEFU_TEST_REQUIRE_SERVERS=1): a
 * test datasource, the administrative statement that makes and drops the
 * place, the connection string to it (the part without TAP in
 * store-test.h, which the benchmarks share).  Header-only, like tap.h.
 */
#ifndef KEFU_T_STORE_ENGINES_H
#define KEFU_T_STORE_ENGINES_H

#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <strings.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"
#include "t/store-test.h"
#include "t/tap.h"

/*
 * 1 when the server's variable (KEFU_TEST_PG...) is not set: a SKIP, or
 * a failure when KEFU_TEST_REQUIRE_SERVERS=1 (CI); 0 when it is.
 */
static inline int
store_test_missing(const char *var, const char *label)
{
	const char *req = getenv("KEFU_TEST_REQUIRE_SERVERS");

	if (getenv(var) != NULL && *getenv(var) != '\0')
		return 0;
	if (req != NULL && strcmp(req, "1") == 0)
		ok(0, "%s: %s is required but not set", label, var);
	else
		printf("ok %d - # SKIP %s: %s not set\n", ++tap_n, label, var);
	return 1;
}

/* Open connstr and run one statement: 0, or -1 (said with tap_diag). */
static inline int
store_test_admin(struct db_adapters *ads, const char *connstr,
    const char *sql)
{
	char *cause = NULL;

	if (store_test_run(ads, connstr, sql, &cause) == 0)
		return 0;
	tap_diag("%s", cause);
	free(cause);
	return -1;
}

/* One integer from a query, -1 on error (said with tap_diag). */
static inline long long
store_test_count(struct db_source *src, const char *sql)
{
	static const enum db_vtype t[] = { DBV_INT };
	struct db_query q = { .sql = sql, .coltypes = t, .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;
	long long v;

	if (db_run(src, &q, &res, &err) == -1) {
		tap_diag("%s: %s", sql, err.msg);
		return -1;
	}
	v = res->nrows ? DB_CELL(res, 0, 0)->i : -1;
	db_result_free(res);
	return v;
}

/* One text from a query (malloc'd), NULL on error or no row. */
static inline char *
store_test_text(struct db_source *src, const char *sql)
{
	struct db_query q = { .sql = sql };
	struct db_result *res;
	struct db_err err;
	char *v = NULL;

	if (db_run(src, &q, &res, &err) == -1) {
		tap_diag("%s: %s", sql, err.msg);
		return NULL;
	}
	if (res->nrows > 0 && !DB_CELL(res, 0, 0)->null)
		v = xstrdup(DB_CELL(res, 0, 0)->s);
	db_result_free(res);
	return v;
}

/* Run one statement that writes: 0, or -1 (said with tap_diag). */
static inline int
store_test_exec(struct db_source *src, const char *sql)
{
	struct db_query q = { .sql = sql, .writes = 1 };
	struct db_result *res;
	struct db_err err;

	if (db_run(src, &q, &res, &err) == -1) {
		tap_diag("%s: %s", sql, err.msg);
		return -1;
	}
	db_result_free(res);
	return 0;
}

/*
 * Open ds (its SQLite folder made first) and bring the store up to date
 * from sqldir: 0, or -1 with *cause set and nothing left open.
 */
static inline int
store_test_open(const struct db_adapters *ads, struct conf_datasource *ds,
    const char *sqldir, struct db_source **src, char **cause)
{
	char *path = NULL;

	*src = NULL;
	if (store_sqlite_path(ds, &path, cause) == -1 ||
	    db_source_open(ds, ads, src, cause) == -1 ||
	    store_upgrade(*src, ds, sqldir, 0, NULL, cause) == -1) {
		if (*src != NULL)
			db_source_close(*src);
		*src = NULL;
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

/*
 * The source tree's sql/ folder (*sqldir, malloc'd) and its adapters,
 * for main(): NULL when they do not load (said with tap_diag).
 */
static inline struct db_adapters *
store_test_setup(char **sqldir)
{
	const char *srcdir = getenv("KEFU_SRCDIR");
	struct db_adapters *ads;
	char *adir, *cause = NULL;

	if (srcdir == NULL)
		srcdir = ".";
	*sqldir = xasprintf("%s/sql", srcdir);
	adir = xasprintf("%s/adapters", srcdir);
	if (db_adapters_load(adir, &ads, &cause) == -1) {
		tap_diag("adapters: %s", cause);
		free(cause);
		ads = NULL;
	}
	free(adir);
	return ads;
}

/* Free what store_test_setup gave. */
static inline void
store_test_teardown(struct db_adapters *ads, char *sqldir)
{
	if (ads != NULL)
		db_adapters_free(ads);
	free(sqldir);
}

/* A test run on one engine's datasource, labelled "sqlite" and so on. */
typedef void store_test_fn(const char *engine, struct conf_datasource *ds);

/*
 * Run fn on each engine with a store place of its own named after tag
 * and the process: SQLite in /tmp/kefu-TAG-PID/ (removed after),
 * PostgreSQL in schema kefu_TAG_PID, MariaDB in database kefu_TAG_PID
 * (made, then dropped: each one a test).  A server whose variable is
 * not set is a SKIP, or a failure with KEFU_TEST_REQUIRE_SERVERS=1.
 */
static inline void
store_test_engines(struct db_adapters *ads, const char *tag,
    store_test_fn *fn)
{
	static const struct {
		const char *engine, *var, *label;
	} servers[] = {
		{ "postgresql", "KEFU_TEST_PG", "postgresql" },
		{ "mariadb", "KEFU_TEST_MARIADB", "mariadb" },
	};
	struct conf_datasource ds;
	char *dir, *conn, *name, *sql;
	const char *base;
	size_t i;

	dir = xasprintf("/tmp/kefu-%s-%ld", tag, (long)getpid());
	conn = xasprintf("Driver=SQLite3;Database=%s/kefu.db;Timeout=5000",
	    dir);
	store_test_ds(&ds, "local", conn);
	fn("sqlite", &ds);
	free(conn);
	conn = xasprintf("rm -rf '%s'", dir);
	if (system(conn) != 0)
		tap_diag("%s failed", conn);
	free(conn);
	free(dir);
	for (i = 0; i < sizeof servers / sizeof servers[0]; i++) {
		if (store_test_missing(servers[i].var, servers[i].label))
			continue;
		base = getenv(servers[i].var);
		name = xasprintf("kefu_%s_%ld", tag, (long)getpid());
		sql = store_test_create_sql(servers[i].engine, name);
		if (store_test_admin(ads, base, sql) == 0) {
			conn = store_test_connstr(servers[i].engine, base,
			    name);
			store_test_ds(&ds, "local", conn);
			fn(servers[i].label, &ds);
			free(conn);
			free(sql);
			sql = store_test_drop_sql(servers[i].engine, name);
			ok(store_test_admin(ads, base, sql) == 0,
			    "%s: %s dropped", servers[i].label, name);
		} else
			ok(0, "%s: cannot make %s", servers[i].label, name);
		free(sql);
		free(name);
	}
}

#endif
