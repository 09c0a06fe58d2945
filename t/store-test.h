/*
 * store-test.h: the part of store-engines.h that needs no TAP, shared
 * with the benchmarks (bench/mail-bench.c): a datasource on one
 * connection string, a store place of one's own on a server -- a
 * PostgreSQL schema or a MariaDB database -- its statements and the
 * connection string to it, and one administrative statement run.
 * Header-only.
 */
#ifndef KEFU_T_STORE_TEST_H
#define KEFU_T_STORE_TEST_H

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf.h"
#include "db/db.h"
#include "util/util.h"

/* A datasource on one connection string, with short test timeouts. */
static inline void
store_test_ds(struct conf_datasource *ds, const char *name,
    const char *connstr)
{
	static char *list[1];

	memset(ds, 0, sizeof *ds);
	list[0] = (char *)connstr;
	ds->name = (char *)name;
	ds->connect = list;
	ds->nconnect = 1;
	ds->encoding = (char *)"UTF-8";
	ds->pool_size = 2;
	ds->pool_wait_ms = 5000;
	ds->connect_timeout_ms = 5000;
	ds->query_timeout_ms = 60000;
	ds->retry_ms = 100;
	ds->retry_max_ms = 1000;
	ds->idle_check_ms = 30000;
}

/* The connection string with Database= replaced (malloc'd). */
static inline char *
store_test_with_database(const char *connstr, const char *db)
{
	struct strbuf sb = STRBUF_INIT;
	char *copy = xstrdup(connstr), *p, *next;

	for (p = copy; p != NULL && *p != '\0'; p = next) {
		if ((next = strchr(p, ';')) != NULL)
			*next++ = '\0';
		if (strncasecmp(p, "Database=", 9) == 0)
			continue;
		sb_addf(&sb, "%s;", p);
	}
	sb_addf(&sb, "Database=%s", db);
	free(copy);
	return sb_steal(&sb);
}

/*
 * The statements that make and drop a place of its own named name on a
 * server ("postgresql": a schema, else a MariaDB database), and the
 * connection string to it from base (all malloc'd).
 */
static inline char *
store_test_create_sql(const char *engine, const char *name)
{
	return strcmp(engine, "postgresql") == 0 ?
	    xasprintf("CREATE SCHEMA %s", name) :
	    xasprintf("CREATE DATABASE %s CHARACTER SET utf8mb4", name);
}

static inline char *
store_test_drop_sql(const char *engine, const char *name)
{
	return strcmp(engine, "postgresql") == 0 ?
	    xasprintf("DROP SCHEMA %s CASCADE", name) :
	    xasprintf("DROP DATABASE %s", name);
}

static inline char *
store_test_connstr(const char *engine, const char *base, const char *name)
{
	return strcmp(engine, "postgresql") == 0 ?
	    xasprintf("%s;ConnSettings=SET search_path TO %s", base, name) :
	    store_test_with_database(base, name);
}

/*
 * Open connstr and run one statement: 0, or -1 with *cause (the
 * statement and the server's words).
 */
static inline int
store_test_run(struct db_adapters *ads, const char *connstr,
    const char *sql, char **cause)
{
	struct conf_datasource ds;
	struct db_query q = { .sql = sql, .writes = 1 };
	struct db_source *src;
	struct db_result *res;
	struct db_err err;
	int rc = 0;

	store_test_ds(&ds, "admin", connstr);
	if (db_source_open(&ds, ads, &src, cause) == -1)
		return -1;
	if (db_run(src, &q, &res, &err) == -1) {
		*cause = xasprintf("%s: %s", sql, err.msg);
		rc = -1;
	} else
		db_result_free(res);
	db_source_close(src);
	return rc;
}

#endif
