/*
 * stmt.c: prepared statements kept per connection in a small LRU cache
 * (freed on eviction, so handle counts stay bounded) together with what
 * depends only on their text: marker count, result columns and their
 * types, the query timeout set on the handle.  ODBC 3.x.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/db-int.h"

/* Drop the column bindings (the handle must still be valid). */
void
db_stmt_unbind(struct db_stmt *s)
{
	if (s->cb == NULL)
		return;
	SQLFreeStmt(s->st, SQL_UNBIND);
	/* One row at a time again: SQLGetData needs it. */
	SQLSetStmtAttr(s->st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)1, 0);
	SQLSetStmtAttr(s->st, SQL_ATTR_ROWS_FETCHED_PTR, NULL, 0);
	free(s->cb);
	free(s->cbtypes);
	s->cb = NULL;
	s->cbtypes = NULL;
}

void
db_stmt_forget(struct db_stmt *s)
{
	db_stmt_unbind(s);
	s->nobind = 0;
	free(s->names);
	free(s->types);
	free(s->nameblob);
	s->names = NULL;
	s->types = NULL;
	s->nameblob = NULL;
	s->ncols = s->namebytes = 0;
	s->described = 0;
}

static void
stmt_drop(struct db_source *src, struct db_stmt *s)
{
	size_t i;

	if (s->sql == NULL)
		return;
	db_stmt_forget(s);
	SQLFreeHandle(SQL_HANDLE_STMT, s->st);
	db_source_stmts(src, -1);
	free(s->sql);
	for (i = 0; i < s->npb; i++)
		sb_free(&s->pb[i].text);
	free(s->pb);
	memset(s, 0, sizeof *s);
}

void
db_exec_free_stmts(struct db_source *src, struct db_conn *c)
{
	for (size_t i = 0; i < DB_STMT_CACHE; i++)
		stmt_drop(src, &c->stmts[i]);
}

/*
 * A prepared statement for sql on c: reused, or prepared (evicting LRU)
 * from its first trim bytes.  A statement in the cache has no open
 * cursor and keeps its parameter bindings.
 */
struct db_stmt *
db_stmt_prepare(struct db_source *src, struct db_conn *c, const char *sql,
    uint64_t hash, size_t trim, uint64_t deadline, struct db_err *err)
{
	struct db_stmt *s, *victim = &c->stmts[0];
	struct strbuf sb = STRBUF_INIT;
	struct db_watch w;
	SQLHSTMT st;
	SQLRETURN r;
	char *text;
	size_t i;

	for (i = 0; i < DB_STMT_CACHE; i++) {
		s = &c->stmts[i];
		if (s->sql != NULL && s->hash == hash &&
		    strcmp(s->sql, sql) == 0) {
			s->used = ++c->clock;
			return s;
		}
		if (victim->sql != NULL && (s->sql == NULL ||
		    s->used < victim->used))
			victim = s;
	}
	stmt_drop(src, victim);
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &st))) {
		db_exec_diag(SQL_HANDLE_DBC, c->dbc, DBE_SQL, err,
		    "cannot allocate a statement");
		if (db_exec_conn_lost(err) || err->sqlstate[0] == '\0')
			c->broken = 1;
		return NULL;
	}
	db_source_stmts(src, 1);
	if (db_conv_stmt(c, src->utf8, sql, trim, &sb, err) == -1) {
		sb_free(&sb);
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		db_source_stmts(src, -1);
		return NULL;
	}
	text = sb_steal(&sb);
	/* Some drivers (MariaDB) prepare on the server: watch that too. */
	memset(&w, 0, sizeof w);
	w.st = st;
	w.deadline = deadline;
	if (deadline != UINT64_MAX)
		db_watchdog_watch(src, &w);
	r = SQLPrepare(st, (SQLCHAR *)text, SQL_NTS);
	if (deadline != UINT64_MAX)
		db_watchdog_unwatch(src, &w);
	free(text);
	if (w.fired) {
		db_err_set(err, DBE_TIMEOUT, "preparing the statement took "
		    "longer than query-timeout");
		c->broken = 1;
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		db_source_stmts(src, -1);
		return NULL;
	}
	if (!SQL_SUCCEEDED(r)) {
		db_exec_diag(SQL_HANDLE_STMT, st, DBE_SQL, err,
		    "the database refused the statement");
		if (db_exec_conn_lost(err))
			c->broken = 1;
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		db_source_stmts(src, -1);
		return NULL;
	}
	victim->sql = xstrdup(sql);
	victim->hash = hash;
	victim->st = st;
	victim->used = ++c->clock;
	victim->nparams = -1;
	victim->timeout_s = 0;          /* the ODBC default */
	victim->timeout_ms = -1;
	return victim;
}

static enum db_vtype
stmt_sqltype(SQLSMALLINT t, SQLSMALLINT scale)
{
	switch (t) {
	case SQL_INTEGER: case SQL_SMALLINT: case SQL_TINYINT: case SQL_BIGINT:
		return DBV_INT;
	case SQL_DECIMAL: case SQL_NUMERIC:
		return scale == 0 ? DBV_INT : DBV_DECIMAL;
	case SQL_REAL: case SQL_FLOAT: case SQL_DOUBLE:
		return DBV_DECIMAL;
	case SQL_TYPE_DATE: case SQL_DATE:
		return DBV_DATE;
	case SQL_TYPE_TIMESTAMP: case SQL_TIMESTAMP:
		return DBV_TIMESTAMP;
	case SQL_BIT:
		return DBV_BOOL;
	default:
		return DBV_TEXT;
	}
}

/* Learn the statement's columns: names (converted) and types. */
int
db_stmt_describe(struct db_source *src, struct db_conn *c, struct db_stmt *s,
    struct db_err *err)
{
	SQLSMALLINT ncols = 0, len, type, scale, nullable;
	SQLULEN size;
	SQLCHAR name[256];
	struct strbuf blob = STRBUF_INIT;
	size_t i, n, off;
	char **tmp;

	db_stmt_forget(s);
	if (!SQL_SUCCEEDED(SQLNumResultCols(s->st, &ncols))) {
		db_exec_diag(SQL_HANDLE_STMT, s->st, DBE_SQL, err,
		    "cannot count the result columns");
		return -1;
	}
	n = ncols > 0 ? (size_t)ncols : 0;
	tmp = xcalloc(n + 1, sizeof *tmp);
	s->types = xcalloc(n + 1, sizeof *s->types);
	for (i = 0; i < n; i++) {
		struct db_err ignore;

		name[0] = '\0';
		type = SQL_VARCHAR;
		scale = 0;
		SQLDescribeCol(s->st, (SQLUSMALLINT)(i + 1), name, sizeof name,
		    &len, &type, &size, &scale, &nullable);
		if (db_conv_from_db(c, src->utf8, (char *)name,
		    strlen((char *)name), &tmp[i], &ignore) == -1)
			tmp[i] = xasprintf("column%zu", i + 1);
		s->types[i] = stmt_sqltype(type, scale);
		sb_add(&blob, tmp[i], strlen(tmp[i]) + 1);
	}
	s->namebytes = blob.len;
	s->nameblob = sb_steal(&blob);
	s->names = xcalloc(n + 1, sizeof *s->names);
	for (i = 0, off = 0; i < n; i++) {
		s->names[i] = s->nameblob + off;
		off += strlen(tmp[i]) + 1;
		free(tmp[i]);
	}
	free(tmp);
	s->ncols = n;
	s->described = 1;
	return 0;
}

/* Count the markers once per prepared statement and check the values. */
int
db_stmt_nparams(struct db_stmt *s, size_t given, const char *what,
    struct db_err *err)
{
	SQLSMALLINT n = -1;

	if (s->nparams == -1)
		s->nparams = SQL_SUCCEEDED(SQLNumParams(s->st, &n)) && n >= 0 ?
		    n : -2;
	if (s->nparams < 0 || (size_t)s->nparams == given)
		return 0;
	db_err_set(err, DBE_REFUSED, "the statement has %d parameter "
	    "marker%s but %zu %s%s %s", s->nparams, s->nparams == 1 ? "" : "s",
	    given, what, given == 1 ? "" : "s", strcmp(what, "value") == 0 ?
	    "were given" : "declared");
	return -1;
}

/* Set SQL_ATTR_QUERY_TIMEOUT when the wanted value changes. */
void
db_stmt_timeout(struct db_source *src, struct db_stmt *s, int timeout_ms)
{
	const struct db_adapter *ad;
	long want = 0;

	if (s->timeout_ms == timeout_ms)
		return;
	ad = db_source_adapter(src);
	if (timeout_ms > 0 && (ad == NULL || ad->query_timeout))
		want = (timeout_ms + 999) / 1000;
	if (want != s->timeout_s)
		SQLSetStmtAttr(s->st, SQL_ATTR_QUERY_TIMEOUT,
		    (SQLPOINTER)(intptr_t)want, SQL_IS_UINTEGER);
	s->timeout_s = want;
	s->timeout_ms = timeout_ms;
}
