/*
 * exec.c: running statements on pooled connections -- prepared statements
 * kept per connection in a small LRU cache (freed on eviction, so handle
 * counts stay bounded), parameters bound only with SQLBindParameter,
 * columns fetched typed with SQLGetData loops (no truncation), per-query
 * deadlines, DDL scripts and statement description.  ODBC 3.x.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/db_int.h"

/* Room for one bound parameter until SQLExecute returns. */
struct exec_pbuf {
	SQLLEN ind;
	SQLBIGINT i;
	unsigned char bit;
	DATE_STRUCT d;
	TIMESTAMP_STRUCT ts;
	char *text;
};

/* Copy a driver message on one line; bytes that are not UTF-8 become '?'. */
static void
exec_clean(char *dst, size_t dstlen, const char *src)
{
	size_t i, n = strlen(src);

	for (i = 0; i < n && i + 1 < dstlen; i++)
		dst[i] = (src[i] == '\n' || src[i] == '\r') ? ' ' : src[i];
	dst[i] = '\0';
	if (!db_conv_utf8_valid(dst, i))
		for (size_t k = 0; k < i; k++)
			if (dst[k] & 0x80)
				dst[k] = '?';
}

/*
 * Fill err from the first diagnostic record of handle h: the SQLSTATE,
 * and "what: message".  Connection-failure states (08xxx) and timeouts
 * (HYT00/HYT01) override kind.
 */
void
db_exec_diag(SQLSMALLINT type, SQLHANDLE h, enum db_errkind kind,
    struct db_err *err, const char *what)
{
	SQLCHAR state[6] = "", msg[512] = "";
	SQLINTEGER native = 0;
	SQLSMALLINT len = 0;
	char clean[400];

	if (err == NULL)
		return;
	if (!SQL_SUCCEEDED(SQLGetDiagRec(type, h, 1, state, &native, msg,
	    sizeof msg, &len))) {
		state[0] = '\0';
		snprintf((char *)msg, sizeof msg, "no diagnostic from the "
		    "driver");
	}
	exec_clean(clean, sizeof clean, (const char *)msg);
	err->kind = kind;
	if (strcmp((char *)state, "HYT00") == 0 ||
	    strcmp((char *)state, "HYT01") == 0)
		err->kind = DBE_TIMEOUT;
	snprintf(err->sqlstate, sizeof err->sqlstate, "%s", (char *)state);
	snprintf(err->msg, sizeof err->msg, "%s: %s%s%s", what, clean,
	    state[0] ? " [SQLSTATE " : "", state[0] ? (char *)state : "");
	if (state[0])
		strncat(err->msg, "]", sizeof err->msg - strlen(err->msg) - 1);
}

static int
exec_conn_lost(const struct db_err *err)
{
	return strncmp(err->sqlstate, "08", 2) == 0 ||
	    strcmp(err->sqlstate, "HYT01") == 0;
}

/*
 * After an error: is the connection gone?  Some drivers (psqlODBC) say
 * HY000 for a server that closed the connection, so ask the driver too
 * (SQL_ATTR_CONNECTION_DEAD, ODBC 3.5).
 */
static int
exec_conn_dead(struct db_conn *c, const struct db_err *err)
{
	SQLUINTEGER dead = SQL_CD_FALSE;

	if (exec_conn_lost(err))
		return 1;
	if (SQL_SUCCEEDED(SQLGetConnectAttr(c->dbc, SQL_ATTR_CONNECTION_DEAD,
	    &dead, SQL_IS_UINTEGER, NULL)) && dead == SQL_CD_TRUE)
		return 1;
	return 0;
}

static void
exec_stmt_drop(struct db_source *src, struct db_stmt *s)
{
	if (s->sql == NULL)
		return;
	SQLFreeHandle(SQL_HANDLE_STMT, s->st);
	db_source_stmts(src, -1);
	free(s->sql);
	memset(s, 0, sizeof *s);
}

void
db_exec_free_stmts(struct db_source *src, struct db_conn *c)
{
	for (size_t i = 0; i < DB_STMT_CACHE; i++)
		exec_stmt_drop(src, &c->stmts[i]);
}

/* A prepared statement for sql on c: reused, or prepared (evicting LRU). */
static struct db_stmt *
exec_prepare(struct db_source *src, struct db_conn *c, const char *sql,
    struct db_err *err)
{
	struct db_stmt *s, *victim = &c->stmts[0];
	SQLHSTMT st;
	size_t i;

	for (i = 0; i < DB_STMT_CACHE; i++) {
		s = &c->stmts[i];
		if (s->sql != NULL && strcmp(s->sql, sql) == 0) {
			s->used = ++c->clock;
			SQLFreeStmt(s->st, SQL_CLOSE);
			SQLFreeStmt(s->st, SQL_UNBIND);
			SQLFreeStmt(s->st, SQL_RESET_PARAMS);
			return s;
		}
		if (victim->sql != NULL && (s->sql == NULL ||
		    s->used < victim->used))
			victim = s;
	}
	exec_stmt_drop(src, victim);
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &st))) {
		db_exec_diag(SQL_HANDLE_DBC, c->dbc, DBE_SQL, err,
		    "cannot allocate a statement");
		if (exec_conn_lost(err) || err->sqlstate[0] == '\0')
			c->broken = 1;
		return NULL;
	}
	db_source_stmts(src, 1);
	if (!SQL_SUCCEEDED(SQLPrepare(st, (SQLCHAR *)(uintptr_t)sql,
	    SQL_NTS))) {
		db_exec_diag(SQL_HANDLE_STMT, st, DBE_SQL, err,
		    "the database refused the statement");
		if (exec_conn_lost(err))
			c->broken = 1;
		SQLFreeHandle(SQL_HANDLE_STMT, st);
		db_source_stmts(src, -1);
		return NULL;
	}
	victim->sql = xstrdup(sql);
	victim->st = st;
	victim->used = ++c->clock;
	return victim;
}

static int
exec_bind(struct db_source *src, struct db_conn *c, SQLHSTMT st,
    const struct db_query *q, struct exec_pbuf *pb, struct db_err *err)
{
	SQLRETURN r = SQL_SUCCESS;
	size_t k;

	for (k = 0; k < q->nparams; k++) {
		const struct db_param *p = &q->params[k];
		struct exec_pbuf *b = &pb[k];
		SQLUSMALLINT n = (SQLUSMALLINT)(k + 1);
		int y, mo, d, h, mi, sec;

		b->ind = p->null ? SQL_NULL_DATA : 0;
		switch (p->type) {
		case DBV_INT:
			b->i = p->i;
			r = SQLBindParameter(st, n, SQL_PARAM_INPUT,
			    SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &b->i, 0, &b->ind);
			break;
		case DBV_BOOL:
			b->bit = p->i != 0;
			r = SQLBindParameter(st, n, SQL_PARAM_INPUT, SQL_C_BIT,
			    SQL_BIT, 1, 0, &b->bit, 0, &b->ind);
			break;
		case DBV_DATE:
			if (!p->null && (p->s == NULL ||
			    db_conv_date(p->s, &y, &mo, &d) == -1)) {
				db_err_set(err, DBE_CONVERT, "parameter %zu: "
				    "\"%.40s\" is not a date (YYYY-MM-DD)", k + 1,
				    p->s ? p->s : "(null)");
				return -1;
			}
			if (!p->null) {
				b->d.year = (SQLSMALLINT)y;
				b->d.month = (SQLUSMALLINT)mo;
				b->d.day = (SQLUSMALLINT)d;
			}
			r = SQLBindParameter(st, n, SQL_PARAM_INPUT,
			    SQL_C_TYPE_DATE, SQL_TYPE_DATE, 10, 0, &b->d, 0,
			    &b->ind);
			break;
		case DBV_TIMESTAMP:
			if (!p->null && (p->s == NULL || db_conv_timestamp(p->s,
			    &y, &mo, &d, &h, &mi, &sec) == -1)) {
				db_err_set(err, DBE_CONVERT, "parameter %zu: "
				    "\"%.40s\" is not a timestamp "
				    "(YYYY-MM-DD HH:MM:SS)", k + 1,
				    p->s ? p->s : "(null)");
				return -1;
			}
			if (!p->null) {
				b->ts.year = (SQLSMALLINT)y;
				b->ts.month = (SQLUSMALLINT)mo;
				b->ts.day = (SQLUSMALLINT)d;
				b->ts.hour = (SQLUSMALLINT)h;
				b->ts.minute = (SQLUSMALLINT)mi;
				b->ts.second = (SQLUSMALLINT)sec;
			}
			r = SQLBindParameter(st, n, SQL_PARAM_INPUT,
			    SQL_C_TYPE_TIMESTAMP, SQL_TYPE_TIMESTAMP, 19, 0,
			    &b->ts, 0, &b->ind);
			break;
		case DBV_DECIMAL: {
			SQLULEN prec = 1;
			SQLSMALLINT scale = 0;
			const char *dot;

			if (!p->null) {
				if (p->s == NULL ||
				    db_conv_decimal(p->s, &b->text) == -1) {
					db_err_set(err, DBE_CONVERT, "parameter "
					    "%zu: \"%.40s\" is not a decimal "
					    "number", k + 1, p->s ? p->s : "(null)");
					return -1;
				}
				dot = strchr(b->text, '.');
				scale = dot ? (SQLSMALLINT)strlen(dot + 1) : 0;
				prec = strlen(b->text) - (b->text[0] == '-') -
				    (dot != NULL);
				b->ind = (SQLLEN)strlen(b->text);
			} else
				b->text = xstrdup("");
			r = SQLBindParameter(st, n, SQL_PARAM_INPUT, SQL_C_CHAR,
			    SQL_DECIMAL, prec, scale, b->text,
			    0, &b->ind);
			break;
		}
		case DBV_TEXT:
		default: {
			struct strbuf sb = STRBUF_INIT;
			size_t len = 0;

			if (!p->null) {
				const char *s = p->s ? p->s : "";
				if (db_conv_to_db(c, src->utf8, s, strlen(s), &sb,
				    err) == -1) {
					sb_free(&sb);
					snprintf(err->msg + strlen(err->msg),
					    sizeof err->msg - strlen(err->msg),
					    " (parameter %zu)", k + 1);
					return -1;
				}
				len = sb.len;
				b->ind = (SQLLEN)len;
			}
			b->text = sb_steal(&sb);
			r = SQLBindParameter(st, n, SQL_PARAM_INPUT, SQL_C_CHAR,
			    len > 4000 ? SQL_LONGVARCHAR : SQL_VARCHAR,
			    len > 0 ? len : 1, 0, b->text, (SQLLEN)len + 1,
			    &b->ind);
			break;
		}
		}
		if (!SQL_SUCCEEDED(r)) {
			db_exec_diag(SQL_HANDLE_STMT, st, DBE_SQL, err,
			    "cannot bind a parameter");
			return -1;
		}
	}
	return 0;
}

/* Read a whole character column, however long, in SQLGetData pieces. */
static int
exec_get_text(SQLHSTMT st, SQLUSMALLINT col, struct strbuf *sb, int *isnull,
    struct db_err *err)
{
	char buf[4096];
	SQLLEN ind;
	SQLRETURN r;
	size_t n;

	*isnull = 0;
	for (;;) {
		ind = 0;
		r = SQLGetData(st, col, SQL_C_CHAR, buf, sizeof buf, &ind);
		if (r == SQL_NO_DATA)
			return 0;
		if (!SQL_SUCCEEDED(r)) {
			db_exec_diag(SQL_HANDLE_STMT, st, DBE_SQL, err,
			    "cannot read a column");
			return -1;
		}
		if (ind == SQL_NULL_DATA) {
			*isnull = 1;
			return 0;
		}
		if (ind != SQL_NO_TOTAL && ind >= 0 &&
		    (size_t)ind < sizeof buf) {
			sb_add(sb, buf, (size_t)ind);
			return 0;
		}
		/* Truncated piece (01004): NUL-terminated, more to come. */
		n = strnlen(buf, sizeof buf - 1);
		sb_add(sb, buf, n);
		if (r == SQL_SUCCESS)
			return 0;
	}
}

static int
exec_get_cell(struct db_source *src, struct db_conn *c, SQLHSTMT st,
    SQLUSMALLINT col, const char *colname, enum db_vtype type,
    struct db_value *v, struct db_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	SQLLEN ind = 0;
	SQLRETURN r;
	int isnull, y, mo, dd, h, mi, sec;

	v->type = type;
	switch (type) {
	case DBV_INT:
		r = SQLGetData(st, col, SQL_C_SBIGINT, &v->i, sizeof v->i, &ind);
		if (!SQL_SUCCEEDED(r)) {
			db_exec_diag(SQL_HANDLE_STMT, st, DBE_CONVERT, err,
			    "column");
			snprintf(err->msg, sizeof err->msg, "column %s is not "
			    "an integer [SQLSTATE %s]", colname, err->sqlstate);
			return -1;
		}
		if (r == SQL_SUCCESS_WITH_INFO) {
			struct db_err w;
			db_exec_diag(SQL_HANDLE_STMT, st, DBE_CONVERT, &w, "");
			if (strcmp(w.sqlstate, "01S07") == 0) {
				db_err_set(err, DBE_CONVERT, "column %s is not a "
				    "whole number; declare it decimal", colname);
				return -1;
			}
		}
		v->null = ind == SQL_NULL_DATA;
		if (v->null)
			v->i = 0;
		return 0;
	case DBV_DATE: {
		DATE_STRUCT d;

		r = SQLGetData(st, col, SQL_C_TYPE_DATE, &d, sizeof d, &ind);
		if (!SQL_SUCCEEDED(r)) {
			db_exec_diag(SQL_HANDLE_STMT, st, DBE_CONVERT, err, "");
			snprintf(err->msg, sizeof err->msg, "column %s is not a "
			    "date [SQLSTATE %s]", colname, err->sqlstate);
			return -1;
		}
		v->null = ind == SQL_NULL_DATA;
		if (!v->null)
			v->s = xasprintf("%04d-%02u-%02u", d.year, d.month,
			    d.day);
		/* Lax drivers (SQLite) turn any text into some "date". */
		if (!v->null && db_conv_date(v->s, &y, &mo, &dd) == -1) {
			db_err_set(err, DBE_CONVERT, "column %s is not a "
			    "date (the driver made %s of it)", colname, v->s);
			free(v->s);
			v->s = NULL;
			return -1;
		}
		return 0;
	}
	case DBV_TIMESTAMP: {
		TIMESTAMP_STRUCT t;

		r = SQLGetData(st, col, SQL_C_TYPE_TIMESTAMP, &t, sizeof t,
		    &ind);
		if (!SQL_SUCCEEDED(r)) {
			db_exec_diag(SQL_HANDLE_STMT, st, DBE_CONVERT, err, "");
			snprintf(err->msg, sizeof err->msg, "column %s is not a "
			    "timestamp [SQLSTATE %s]", colname, err->sqlstate);
			return -1;
		}
		v->null = ind == SQL_NULL_DATA;
		if (!v->null)
			v->s = xasprintf("%04d-%02u-%02u %02u:%02u:%02u",
			    t.year, t.month, t.day, t.hour, t.minute, t.second);
		if (!v->null && db_conv_timestamp(v->s, &y, &mo, &dd, &h, &mi,
		    &sec) == -1) {
			db_err_set(err, DBE_CONVERT, "column %s is not a "
			    "timestamp (the driver made %s of it)", colname,
			    v->s);
			free(v->s);
			v->s = NULL;
			return -1;
		}
		return 0;
	}
	default:
		break;
	}
	if (exec_get_text(st, col, &sb, &isnull, err) == -1) {
		sb_free(&sb);
		return -1;
	}
	v->null = isnull;
	if (isnull) {
		sb_free(&sb);
		return 0;
	}
	switch (type) {
	case DBV_DECIMAL:
		if (db_conv_decimal(sb_str(&sb), &v->s) == -1) {
			db_err_set(err, DBE_CONVERT, "column %s: \"%.40s\" is "
			    "not a decimal number", colname, sb_str(&sb));
			sb_free(&sb);
			return -1;
		}
		break;
	case DBV_BOOL:
		if (db_conv_bool(sb_str(&sb), &v->i) == -1) {
			db_err_set(err, DBE_CONVERT, "column %s: \"%.40s\" is "
			    "not a yes/no value", colname, sb_str(&sb));
			sb_free(&sb);
			return -1;
		}
		break;
	default:
		if (db_conv_from_db(c, src->utf8, sb_str(&sb), sb.len, &v->s,
		    err) == -1) {
			size_t l = strlen(err->msg);
			snprintf(err->msg + l, sizeof err->msg - l,
			    " (column %s)", colname);
			sb_free(&sb);
			return -1;
		}
		break;
	}
	sb_free(&sb);
	return 0;
}

static void
exec_value_free(struct db_value *v)
{
	free(v->s);
	v->s = NULL;
}

void
db_result_free(struct db_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < res->ncols; i++)
		free(res->names[i]);
	free(res->names);
	for (i = 0; i < res->nrows * res->ncols; i++)
		exec_value_free(&res->cells[i]);
	free(res->cells);
	free(res->types);
	free(res);
}

static enum db_vtype
exec_sqltype(SQLSMALLINT t, SQLSMALLINT scale)
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

/* Column names (converted from the database's encoding) and types. */
static int
exec_describe_cols(struct db_source *src, struct db_conn *c, SQLHSTMT st,
    struct db_result *res, int want_types, struct db_err *err)
{
	SQLSMALLINT ncols = 0, len, type, scale, nullable;
	SQLULEN size;
	SQLCHAR name[256];
	size_t i;

	if (!SQL_SUCCEEDED(SQLNumResultCols(st, &ncols))) {
		db_exec_diag(SQL_HANDLE_STMT, st, DBE_SQL, err,
		    "cannot count the result columns");
		return -1;
	}
	res->ncols = ncols > 0 ? (size_t)ncols : 0;
	res->names = xcalloc(res->ncols + 1, sizeof *res->names);
	if (want_types)
		res->types = xcalloc(res->ncols + 1, sizeof *res->types);
	for (i = 0; i < res->ncols; i++) {
		struct db_err ignore;

		name[0] = '\0';
		type = SQL_VARCHAR;
		scale = 0;
		SQLDescribeCol(st, (SQLUSMALLINT)(i + 1), name, sizeof name,
		    &len, &type, &size, &scale, &nullable);
		if (db_conv_from_db(c, src->utf8, (char *)name,
		    strlen((char *)name), &res->names[i], &ignore) == -1)
			res->names[i] = xasprintf("column%zu", i + 1);
		if (want_types)
			res->types[i] = exec_sqltype(type, scale);
	}
	return 0;
}

static int
exec_fetch(struct db_source *src, struct db_conn *c, SQLHSTMT st,
    const struct db_query *q, struct db_result *res, struct db_err *err)
{
	size_t cap = 0, col;
	SQLRETURN r;

	for (;;) {
		r = SQLFetch(st);
		if (r == SQL_NO_DATA)
			return 0;
		if (!SQL_SUCCEEDED(r)) {
			db_exec_diag(SQL_HANDLE_STMT, st, DBE_SQL, err,
			    "cannot fetch a row");
			return -1;
		}
		if (q->max_rows > 0 && res->nrows == q->max_rows) {
			db_err_set(err, DBE_TOO_MANY, "the query returned more "
			    "than the %zu row%s expected", q->max_rows,
			    q->max_rows == 1 ? "" : "s");
			return -1;
		}
		if (res->nrows == cap) {
			cap = cap ? cap * 2 : 8;
			res->cells = xreallocarray(res->cells, cap * res->ncols,
			    sizeof *res->cells);
		}
		memset(&res->cells[res->nrows * res->ncols], 0,
		    res->ncols * sizeof *res->cells);
		res->nrows++;
		for (col = 0; col < res->ncols; col++) {
			enum db_vtype t = DBV_TEXT;

			if (q->coltypes != NULL && col < q->ncoltypes)
				t = q->coltypes[col];
			if (exec_get_cell(src, c, st, (SQLUSMALLINT)(col + 1),
			    res->names[col], t,
			    DB_CELL(res, res->nrows - 1, col), err) == -1)
				return -1;
		}
	}
}

/* Prepare, bind, execute under the watchdog, fetch.  *executed: reached SQLExecute. */
static int
exec_run_on(struct db_source *src, struct db_conn *c, const struct db_query *q,
    struct db_result **out, int *executed, int *lost, struct db_err *err)
{
	struct db_result *res = NULL;
	struct exec_pbuf *pb = NULL;
	struct db_stmt *s;
	struct db_watch w;
	const struct db_adapter *ad = db_source_adapter(src);
	SQLSMALLINT nmarkers = -1;
	SQLLEN rows = -1;
	SQLRETURN r;
	int timeout_ms = q->timeout_ms > 0 ? q->timeout_ms :
	    src->query_timeout_ms;
	int rc = -1;
	size_t k;

	*executed = *lost = 0;
	if ((s = exec_prepare(src, c, q->sql, err)) == NULL) {
		if (exec_conn_dead(c, err)) {
			c->broken = 1;
			*lost = 1;
		}
		return -1;
	}
	if (SQL_SUCCEEDED(SQLNumParams(s->st, &nmarkers)) && nmarkers >= 0 &&
	    (size_t)nmarkers != q->nparams) {
		db_err_set(err, DBE_REFUSED, "the statement has %d parameter "
		    "marker%s but %zu value%s were given", nmarkers,
		    nmarkers == 1 ? "" : "s", q->nparams,
		    q->nparams == 1 ? "" : "s");
		return -1;
	}
	pb = xcalloc(q->nparams + 1, sizeof *pb);
	if (exec_bind(src, c, s->st, q, pb, err) == -1)
		goto out;
	if (timeout_ms > 0 && (ad == NULL || ad->query_timeout))
		SQLSetStmtAttr(s->st, SQL_ATTR_QUERY_TIMEOUT,
		    (SQLPOINTER)(intptr_t)((timeout_ms + 999) / 1000),
		    SQL_IS_UINTEGER);
	memset(&w, 0, sizeof w);
	w.st = s->st;
	w.deadline = timeout_ms > 0 ? now_ms() + (uint64_t)timeout_ms :
	    UINT64_MAX;
	if (timeout_ms > 0)
		db_source_watch(src, &w);
	*executed = 1;
	r = SQLExecute(s->st);
	res = xcalloc(1, sizeof *res);
	if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA) {
		db_exec_diag(SQL_HANDLE_STMT, s->st, DBE_SQL, err,
		    "the database refused the statement");
	} else if (exec_describe_cols(src, c, s->st, res, 0, err) == 0) {
		if (res->ncols == 0) {
			if (SQL_SUCCEEDED(SQLRowCount(s->st, &rows)))
				res->affected = rows;
			rc = 0;
		} else if (exec_fetch(src, c, s->st, q, res, err) == 0) {
			res->affected = -1;
			rc = 0;
		}
	}
	if (timeout_ms > 0)
		db_source_unwatch(src, &w);
	if (w.fired) {
		db_err_set(err, DBE_TIMEOUT, "the statement ran longer than "
		    "query-timeout (%d ms) and was cancelled", timeout_ms);
		c->broken = 1;          /* the driver's state is uncertain */
		rc = -1;
	} else if (rc == -1 && err->kind == DBE_TIMEOUT)
		c->broken = 1;
	else if (rc == -1 && exec_conn_dead(c, err)) {
		c->broken = 1;
		*lost = 1;
	}
	SQLFreeStmt(s->st, SQL_CLOSE);
	SQLFreeStmt(s->st, SQL_RESET_PARAMS);
out:
	for (k = 0; k < q->nparams; k++)
		free(pb[k].text);
	free(pb);
	if (rc == 0)
		*out = res;
	else
		db_result_free(res);
	return rc;
}

int
db_run(struct db_source *src, const struct db_query *q,
    struct db_result **out, struct db_err *err)
{
	struct db_conn *c;
	struct db_query trimmed;
	uint64_t t0 = now_us();
	char *why = NULL, *sql;
	int attempt, executed, lost = 0, rc = -1;

	memset(err, 0, sizeof *err);
	*out = NULL;
	if (q == NULL || q->sql == NULL) {
		db_err_set(err, DBE_REFUSED, "no statement given");
		return -1;
	}
	if (q->writes && src->readonly) {
		db_err_set(err, DBE_REFUSED, "datasource %s is read-only "
		    "(read-only=yes) but the statement writes", src->name);
		db_source_count(src, 0, 0, 0);
		return -1;
	}
	if (db_sqlscan_check(q->sql, q->writes, &why) == -1) {
		db_err_set(err, DBE_REFUSED, "datasource %s: %s", src->name,
		    why);
		free(why);
		db_source_count(src, 0, 0, 0);
		return -1;
	}
	/* Drivers refuse a trailing ';' or comment: send up to the last token. */
	trimmed = *q;
	trimmed.sql = sql = xstrndup(q->sql, db_sqlscan_trim_end(q->sql));
	for (attempt = 0; attempt < 2; attempt++) {
		if (db_source_acquire(src, !q->writes, src->pool_wait_ms, &c,
		    err) == -1)
			break;
		rc = exec_run_on(src, c, &trimmed, out, &executed, &lost, err);
		db_source_release(src, c);
		if (rc == 0 || !lost || (q->writes && executed))
			break;
		log_info("datasource %s: connection lost (%s); retrying on a "
		    "fresh one", src->name, err->msg);
		memset(err, 0, sizeof *err);
	}
	free(sql);
	if (rc == -1 && lost)
		err->kind = DBE_DOWN;
	db_source_count(src, rc == 0, rc == -1 && err->kind == DBE_TIMEOUT,
	    (unsigned)(now_us() - t0));
	if (rc == -1)
		log_debug("datasource %s: %s: %s", src->name,
		    db_errkind_name(err->kind), err->msg);
	return rc;
}

/* Run the adapter's probe (or a plain catalogue call) on c. */
int
db_exec_probe(struct db_source *src, struct db_conn *c, struct db_err *err)
{
	const struct db_adapter *ad = db_source_adapter(src);
	SQLHSTMT st;
	SQLRETURN r;
	struct db_watch w;
	int timeout_ms = src->query_timeout_ms > 0 ? src->query_timeout_ms :
	    src->connect_timeout_ms;

	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &st))) {
		db_err_set(err, DBE_DOWN, "cannot allocate a statement");
		return -1;
	}
	memset(&w, 0, sizeof w);
	w.st = st;
	w.deadline = now_ms() + (uint64_t)timeout_ms;
	db_source_watch(src, &w);
	if (ad != NULL && ad->probe != NULL) {
		r = SQLExecDirect(st, (SQLCHAR *)ad->probe, SQL_NTS);
		while (SQL_SUCCEEDED(r) && SQL_SUCCEEDED(SQLFetch(st)))
			;
	} else
		r = SQLGetTypeInfo(st, SQL_ALL_TYPES);
	db_source_unwatch(src, &w);
	if (!SQL_SUCCEEDED(r))
		db_exec_diag(SQL_HANDLE_STMT, st, DBE_DOWN, err, "probe failed");
	else if (w.fired) {
		db_err_set(err, DBE_TIMEOUT, "probe timed out");
		r = SQL_ERROR;
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return SQL_SUCCEEDED(r) ? 0 : -1;
}

int
db_run_script(struct db_source *src, const char *script, struct db_err *err)
{
	struct db_conn *c;
	SQLHSTMT st = SQL_NULL_HSTMT;
	char **stmts;
	size_t n, i;
	int rc = 0, tx;

	memset(err, 0, sizeof *err);
	if (src->readonly) {
		db_err_set(err, DBE_REFUSED, "datasource %s is read-only "
		    "(read-only=yes); cannot run a script", src->name);
		return -1;
	}
	stmts = db_sqlscan_split(script, &n);
	if (db_source_acquire(src, 0, src->pool_wait_ms, &c, err) == -1) {
		for (i = 0; i < n; i++)
			free(stmts[i]);
		free(stmts);
		return -1;
	}
	tx = SQL_SUCCEEDED(SQLSetConnectAttr(c->dbc, SQL_ATTR_AUTOCOMMIT,
	    (SQLPOINTER)SQL_AUTOCOMMIT_OFF, SQL_IS_UINTEGER));
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &st))) {
		db_exec_diag(SQL_HANDLE_DBC, c->dbc, DBE_SQL, err,
		    "cannot allocate a statement");
		rc = -1;
	}
	for (i = 0; rc == 0 && i < n; i++) {
		SQLRETURN r = SQLExecDirect(st, (SQLCHAR *)stmts[i], SQL_NTS);
		if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA) {
			char what[128];
			snprintf(what, sizeof what, "script statement %zu "
			    "(%.40s...)", i + 1, stmts[i]);
			db_exec_diag(SQL_HANDLE_STMT, st, DBE_SQL, err, what);
			rc = -1;
			break;
		}
		SQLFreeStmt(st, SQL_CLOSE);
	}
	if (st != SQL_NULL_HSTMT)
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	if (tx) {
		SQLEndTran(SQL_HANDLE_DBC, c->dbc, rc == 0 ? SQL_COMMIT :
		    SQL_ROLLBACK);
		if (!SQL_SUCCEEDED(SQLSetConnectAttr(c->dbc,
		    SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON,
		    SQL_IS_UINTEGER)))
			c->broken = 1;
	}
	if (rc == -1 && exec_conn_lost(err))
		c->broken = 1;
	db_source_release(src, c);
	for (i = 0; i < n; i++)
		free(stmts[i]);
	free(stmts);
	db_source_count(src, rc == 0, 0, 0);
	return rc;
}

int
db_describe(struct db_source *src, const char *sql, size_t nparams,
    struct db_result **cols_only, struct db_err *err)
{
	struct db_result *res;
	struct db_conn *c;
	struct db_stmt *s;
	SQLSMALLINT nmarkers = -1;
	char *why = NULL;
	int rc = -1;

	memset(err, 0, sizeof *err);
	*cols_only = NULL;
	if (db_sqlscan_check(sql, 1, &why) == -1) {
		db_err_set(err, DBE_REFUSED, "%s", why);
		free(why);
		return -1;
	}
	if (db_source_acquire(src, 0, src->pool_wait_ms, &c, err) == -1)
		return -1;
	if ((s = exec_prepare(src, c, sql, err)) != NULL) {
		if (SQL_SUCCEEDED(SQLNumParams(s->st, &nmarkers)) &&
		    nmarkers >= 0 && (size_t)nmarkers != nparams) {
			db_err_set(err, DBE_REFUSED, "the statement has %d "
			    "parameter marker%s but %zu parameter%s declared",
			    nmarkers, nmarkers == 1 ? "" : "s", nparams,
			    nparams == 1 ? "" : "s");
		} else {
			res = xcalloc(1, sizeof *res);
			if (exec_describe_cols(src, c, s->st, res, 1, err) == 0) {
				res->affected = -1;
				*cols_only = res;
				rc = 0;
			} else
				db_result_free(res);
		}
	}
	db_source_release(src, c);
	return rc;
}
