/*
 * exec.c: running statements on pooled connections -- prepared statements
 * kept per connection in a small LRU cache (freed on eviction, so handle
 * counts stay bounded) together with what depends only on their text
 * (statement check, marker count, result columns, bindings, timeout),
 * parameters bound only with SQLBindParameter, result columns of reads
 * bound once (SQLBindCol, two rows per SQLFetch) with SQLGetData loops
 * as the fallback for whatever does not fit (no truncation), results
 * in one allocation, per-query deadlines, DDL scripts and statement
 * description.  ODBC 3.x.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/db_int.h"

/* FNV-1a of a statement's text, and its length. */
uint64_t
db_sql_hash(const char *sql, size_t *len)
{
	const unsigned char *p = (const unsigned char *)sql;
	uint64_t h = 14695981039346656037ULL;

	for (; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	*len = (size_t)(p - (const unsigned char *)sql);
	return h;
}

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

/* Drop the column bindings (the handle must still be valid). */
static void
exec_unbind(struct db_stmt *s)
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

static void
exec_stmt_forget(struct db_stmt *s)
{
	exec_unbind(s);
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
exec_stmt_drop(struct db_source *src, struct db_stmt *s)
{
	size_t i;

	if (s->sql == NULL)
		return;
	exec_stmt_forget(s);
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
		exec_stmt_drop(src, &c->stmts[i]);
}

/*
 * A prepared statement for sql on c: reused, or prepared (evicting LRU)
 * from its first trim bytes.  A statement in the cache has no open
 * cursor and keeps its parameter bindings.
 */
static struct db_stmt *
exec_prepare(struct db_source *src, struct db_conn *c, const char *sql,
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
	exec_stmt_drop(src, victim);
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &st))) {
		db_exec_diag(SQL_HANDLE_DBC, c->dbc, DBE_SQL, err,
		    "cannot allocate a statement");
		if (exec_conn_lost(err) || err->sqlstate[0] == '\0')
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
		db_source_watch(src, &w);
	r = SQLPrepare(st, (SQLCHAR *)text, SQL_NTS);
	if (deadline != UINT64_MAX)
		db_source_unwatch(src, &w);
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
		if (exec_conn_lost(err))
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

/* Bind parameter n unless it is bound that way already. */
static SQLRETURN
exec_bind1(SQLHSTMT st, SQLUSMALLINT n, struct db_pbind *b,
    SQLSMALLINT ctype, SQLSMALLINT sqltype, SQLULEN size, SQLSMALLINT scale,
    const void *buf, SQLLEN buflen)
{
	SQLRETURN r;

	if (b->ctype == ctype && b->sqltype == sqltype && b->size == size &&
	    b->scale == scale && b->buf == buf)
		return SQL_SUCCESS;
	b->ctype = 0;
	r = SQLBindParameter(st, n, SQL_PARAM_INPUT, ctype, sqltype, size,
	    scale, (SQLPOINTER)(uintptr_t)buf, buflen, &b->ind);
	if (SQL_SUCCEEDED(r)) {
		b->ctype = ctype;
		b->sqltype = sqltype;
		b->size = size;
		b->scale = scale;
		b->buf = buf;
	}
	return r;
}

/*
 * A declared size that changes seldom, so that values of similar length
 * share one binding: a power of two from 64 (at most 4000 for VARCHAR).
 */
static SQLULEN
exec_text_size(size_t len)
{
	SQLULEN n = 64;

	while (n < len)
		n *= 2;
	if (len <= 4000 && n > 4000)
		n = 4000;
	return n;
}

/* The statement's parameter slots, nparams of them at stable addresses. */
static struct db_pbind *
exec_pbinds(struct db_stmt *s, size_t nparams)
{
	size_t i;

	if (s->npb == nparams)
		return s->pb;
	/* Another count (driver without SQLNumParams): start afresh. */
	SQLFreeStmt(s->st, SQL_RESET_PARAMS);
	for (i = 0; i < s->npb; i++)
		sb_free(&s->pb[i].text);
	free(s->pb);
	s->pb = nparams > 0 ? xcalloc(nparams, sizeof *s->pb) : NULL;
	s->npb = nparams;
	return s->pb;
}

static int
exec_bind(struct db_source *src, struct db_conn *c, struct db_stmt *s,
    const struct db_query *q, struct db_err *err)
{
	struct db_pbind *pb = exec_pbinds(s, q->nparams);
	SQLHSTMT st = s->st;
	SQLRETURN r = SQL_SUCCESS;
	size_t k;

	for (k = 0; k < q->nparams; k++) {
		const struct db_param *p = &q->params[k];
		struct db_pbind *b = &pb[k];
		SQLUSMALLINT n = (SQLUSMALLINT)(k + 1);
		int y, mo, d, h, mi, sec;

		switch (p->type) {
		case DBV_INT:
			b->i = p->i;
			b->ind = p->null ? SQL_NULL_DATA : 0;
			r = exec_bind1(st, n, b, SQL_C_SBIGINT, SQL_BIGINT, 0, 0,
			    &b->i, 0);
			break;
		case DBV_BOOL:
			b->bit = p->i != 0;
			b->ind = p->null ? SQL_NULL_DATA : 0;
			r = exec_bind1(st, n, b, SQL_C_BIT, SQL_BIT, 1, 0,
			    &b->bit, 0);
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
			b->ind = p->null ? SQL_NULL_DATA : 0;
			r = exec_bind1(st, n, b, SQL_C_TYPE_DATE, SQL_TYPE_DATE,
			    10, 0, &b->d, 0);
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
				b->ts.fraction = 0;
			}
			b->ind = p->null ? SQL_NULL_DATA : 0;
			r = exec_bind1(st, n, b, SQL_C_TYPE_TIMESTAMP,
			    SQL_TYPE_TIMESTAMP, 19, 0, &b->ts, 0);
			break;
		case DBV_DECIMAL: {
			SQLULEN prec = 18;
			SQLSMALLINT scale = 0;
			const char *dot;
			char *canon = NULL;

			sb_reset(&b->text);
			if (!p->null) {
				if (p->s == NULL ||
				    db_conv_decimal(p->s, &canon) == -1) {
					db_err_set(err, DBE_CONVERT, "parameter "
					    "%zu: \"%.40s\" is not a decimal "
					    "number", k + 1, p->s ? p->s : "(null)");
					return -1;
				}
				sb_adds(&b->text, canon);
				free(canon);
				dot = strchr(b->text.s, '.');
				scale = dot ? (SQLSMALLINT)strlen(dot + 1) : 0;
				prec = b->text.len - (b->text.s[0] == '-') -
				    (dot != NULL);
				/* Declared precision: 18 or 38 digits if enough. */
				prec = prec <= 18 ? 18 : prec <= 38 ? 38 : prec;
				if (prec < (SQLULEN)scale)
					prec = (SQLULEN)scale;
				b->ind = (SQLLEN)b->text.len;
			} else {
				sb_add(&b->text, "", 0);
				b->ind = SQL_NULL_DATA;
				if (b->ctype == SQL_C_CHAR &&
				    b->sqltype == SQL_DECIMAL) {
					prec = b->size;
					scale = b->scale;
				}
			}
			r = exec_bind1(st, n, b, SQL_C_CHAR, SQL_DECIMAL, prec,
			    scale, b->text.s, (SQLLEN)b->text.cap);
			break;
		}
		case DBV_TEXT:
		default: {
			SQLSMALLINT sqltype = SQL_VARCHAR;
			SQLULEN size = 64;

			sb_reset(&b->text);
			if (!p->null) {
				const char *t = p->s ? p->s : "";
				if (db_conv_to_db(c, src->utf8, t, strlen(t),
				    &b->text, err) == -1) {
					snprintf(err->msg + strlen(err->msg),
					    sizeof err->msg - strlen(err->msg),
					    " (parameter %zu)", k + 1);
					return -1;
				}
				b->ind = (SQLLEN)b->text.len;
				size = exec_text_size(b->text.len);
				sqltype = b->text.len > 4000 ? SQL_LONGVARCHAR :
				    SQL_VARCHAR;
			} else {
				b->ind = SQL_NULL_DATA;
				if (b->ctype == SQL_C_CHAR &&
				    b->sqltype != SQL_DECIMAL) {
					size = b->size;
					sqltype = b->sqltype;
				}
			}
			sb_add(&b->text, "", 0);        /* a buffer, even empty */
			r = exec_bind1(st, n, b, SQL_C_CHAR, sqltype, size, 0,
			    b->text.s, (SQLLEN)b->text.cap);
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

/*
 * Read a whole character column, however long, in SQLGetData pieces:
 * *out is buf when the first piece held it all, else the text in sb.
 */
static int
exec_get_text(SQLHSTMT st, SQLUSMALLINT col, char *buf, size_t bufsz,
    struct strbuf *sb, const char **out, size_t *outlen, int *isnull,
    struct db_err *err)
{
	SQLLEN ind;
	SQLRETURN r;
	size_t n, room;
	int first = 1;

	*isnull = 0;
	*out = "";
	*outlen = 0;
	for (;;) {
		ind = 0;
		/* A short first piece: some drivers' cost grows with it. */
		room = first && bufsz > 256 ? 256 : bufsz;
		r = SQLGetData(st, col, SQL_C_CHAR, buf, (SQLLEN)room, &ind);
		if (r == SQL_NO_DATA)
			break;
		if (!SQL_SUCCEEDED(r)) {
			db_exec_diag(SQL_HANDLE_STMT, st, DBE_SQL, err,
			    "cannot read a column");
			return -1;
		}
		if (ind == SQL_NULL_DATA) {
			*isnull = 1;
			return 0;
		}
		if (ind != SQL_NO_TOTAL && ind >= 0 && (size_t)ind < room) {
			if (first) {
				*out = buf;
				*outlen = (size_t)ind;
				return 0;
			}
			sb_add(sb, buf, (size_t)ind);
			break;
		}
		/* Truncated piece (01004): NUL-terminated, more to come. */
		n = strnlen(buf, room - 1);
		sb_add(sb, buf, n);
		first = 0;
		if (r == SQL_SUCCESS)
			break;
	}
	*out = sb_str(sb);
	*outlen = sb->len;
	return 0;
}

/*
 * Room for the cells' text inside the result's own block (see
 * exec_result_new): a short value is copied there instead of being
 * allocated on its own.
 */
struct exec_arena {
	char *p;
	size_t left;
};

/* Copy len bytes and a NUL into the arena; NULL when it is full. */
static char *
exec_arena_copy(struct exec_arena *a, const char *s, size_t len)
{
	char *d;

	if (a == NULL || len >= a->left)
		return NULL;
	d = a->p;
	memcpy(d, s, len);
	d[len] = '\0';
	a->p += len + 1;
	a->left -= len + 1;
	return d;
}

/*
 * The length of in when it is a decimal in canonical form already (as
 * db_conv_decimal would return it unchanged), else 0: optional '-',
 * digits without leading zeros ("0" alone), optional '.' and digits, no
 * negative zero.
 */
static size_t
exec_decimal_canonical(const char *in, size_t len)
{
	const char *p = in, *end = in + len;
	int nonzero = 0;

	if (p < end && *p == '-')
		p++;
	if (p == end || *p < '0' || *p > '9')
		return 0;
	if (*p == '0') {
		if (++p < end && *p >= '0' && *p <= '9')
			return 0;
	} else {
		nonzero = 1;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && *p == '.') {
		if (++p == end || *p < '0' || *p > '9')
			return 0;
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if (*p != '0')
				nonzero = 1;
	}
	if (p != end || (in[0] == '-' && !nonzero) || len > 100)
		return 0;
	return len;
}

/* Only ASCII bytes (thus valid UTF-8): eight at a time. */
static int
exec_ascii(const char *s, size_t len)
{
	uint64_t w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ULL)
			return 0;
	}
	for (; i < len; i++)
		if ((unsigned char)s[i] & 0x80)
			return 0;
	return 1;
}

/*
 * A text-like value (DBV_TEXT, DBV_DECIMAL, DBV_BOOL, and DBV_INT: drivers
 * truncate 49.5 to 49 without a word when asked for an integer) the driver gave as
 * characters, len bytes at text (NUL-terminated): checked, converted
 * and stored in v (the arena when it fits).
 */
static int
exec_cell_text(struct db_source *src, struct db_conn *c, const char *colname,
    enum db_vtype type, const char *text, size_t len, struct db_value *v,
    struct exec_arena *a, struct db_err *err)
{
	switch (type) {
	case DBV_INT:
		if (db_conv_int(text, &v->i) == -1) {
			db_err_set(err, DBE_CONVERT, "column %s holds \"%.40s\", "
			    "which is not a whole number; declare it decimal",
			    colname, text);
			return -1;
		}
		break;
	case DBV_DECIMAL:
		if (exec_decimal_canonical(text, len) == len &&
		    (v->s = exec_arena_copy(a, text, len)) != NULL)
			break;
		if (db_conv_decimal(text, &v->s) == -1) {
			db_err_set(err, DBE_CONVERT, "column %s: \"%.40s\" is "
			    "not a decimal number", colname, text);
			return -1;
		}
		break;
	case DBV_BOOL:
		if (db_conv_bool(text, &v->i) == -1) {
			db_err_set(err, DBE_CONVERT, "column %s: \"%.40s\" is "
			    "not a yes/no value", colname, text);
			return -1;
		}
		break;
	default:
		/* UTF-8 (checked, as db_conv_from_db does) into the arena. */
		if ((src->utf8 || c->from_db == (iconv_t)-1) && a != NULL &&
		    len < a->left && (exec_ascii(text, len) ||
		    db_conv_utf8_valid(text, len))) {
			v->s = exec_arena_copy(a, text, len);
			break;
		}
		if (db_conv_from_db(c, src->utf8, text, len, &v->s,
		    err) == -1) {
			size_t l = strlen(err->msg);
			snprintf(err->msg + l, sizeof err->msg - l,
			    " (column %s)", colname);
			return -1;
		}
		break;
	}
	return 0;
}

static int
exec_get_cell(struct db_source *src, struct db_conn *c, SQLHSTMT st,
    SQLUSMALLINT col, const char *colname, enum db_vtype type,
    struct db_value *v, struct exec_arena *a, struct db_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	const char *text;
	size_t len;
	SQLLEN ind = 0;
	SQLRETURN r;
	int isnull, rc, y, mo, dd, h, mi, sec;

	v->type = type;
	switch (type) {
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
	if (exec_get_text(st, col, buf, sizeof buf, &sb, &text, &len, &isnull,
	    err) == -1) {
		sb_free(&sb);
		return -1;
	}
	v->null = isnull;
	rc = isnull ? 0 : exec_cell_text(src, c, colname, type, text, len, v,
	    a, err);
	sb_free(&sb);
	return rc;
}

/*
 * A result is one allocation: struct db_result, the names (ncols + 1
 * pointers), cells for EXEC_ROWS rows, EXEC_ARENA bytes for the cells'
 * text (exec_arena), then the names' bytes.  More rows move the cells
 * to an array of their own; text that does not fit the arena is
 * allocated per cell.  A one-row result is thus one malloc and one free.
 */
#define EXEC_ROWS 2
#define EXEC_ARENA 256

static struct db_value *
exec_packed_cells(const struct db_result *res)
{
	return (struct db_value *)(void *)((char **)(void *)(res + 1) +
	    res->ncols + 1);
}

/* The arena of a result with columns (none without). */
static char *
exec_arena_of(const struct db_result *res)
{
	return (char *)(exec_packed_cells(res) + res->ncols * EXEC_ROWS);
}

static struct db_result *
exec_result_new(const struct db_stmt *s, struct exec_arena *a)
{
	size_t n = s->ncols, i;
	size_t head = sizeof(struct db_result) + (n + 1) * sizeof(char *);
	size_t cells = n * EXEC_ROWS * sizeof(struct db_value);
	size_t arena = n > 0 ? EXEC_ARENA : 0;
	struct db_result *res = xmalloc(head + cells + arena + s->namebytes);
	char *blob = (char *)res + head + cells + arena;

	memset(res, 0, sizeof *res);
	res->ncols = n;
	res->names = (char **)(void *)(res + 1);
	if (s->namebytes > 0)
		memcpy(blob, s->nameblob, s->namebytes);
	for (i = 0; i < n; i++)
		res->names[i] = blob + (s->names[i] - s->nameblob);
	res->names[n] = NULL;
	res->cells = n > 0 ? exec_packed_cells(res) : NULL;
	if (a != NULL) {
		a->p = n > 0 ? exec_arena_of(res) : NULL;
		a->left = arena;
	}
	return res;
}

void
db_result_free(struct db_result *res)
{
	uintptr_t lo, hi, p;
	size_t i;

	if (res == NULL)
		return;
	lo = (uintptr_t)exec_arena_of(res);
	hi = lo + (res->ncols > 0 ? EXEC_ARENA : 0);
	for (i = 0; i < res->nrows * res->ncols; i++) {
		p = (uintptr_t)res->cells[i].s;
		if (p < lo || p >= hi)          /* not in the arena */
			free(res->cells[i].s);
	}
	if (res->cells != exec_packed_cells(res))
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

/* Learn the statement's columns: names (converted) and types. */
static int
exec_describe(struct db_source *src, struct db_conn *c, struct db_stmt *s,
    struct db_err *err)
{
	SQLSMALLINT ncols = 0, len, type, scale, nullable;
	SQLULEN size;
	SQLCHAR name[256];
	struct strbuf blob = STRBUF_INIT;
	size_t i, n, off;
	char **tmp;

	exec_stmt_forget(s);
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
		s->types[i] = exec_sqltype(type, scale);
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

/* The column type q wants (all text without coltypes). */
static enum db_vtype
exec_coltype(const struct db_query *q, size_t col)
{
	return q->coltypes != NULL && col < q->ncoltypes ? q->coltypes[col] :
	    DBV_TEXT;
}

/* Room for one more row of zeroed cells (nrows counts it). */
static void
exec_row_add(struct db_result *res, size_t *cap)
{
	if (res->nrows == *cap) {
		struct db_value *packed = exec_packed_cells(res);

		*cap *= 4;
		if (res->cells == packed) {
			res->cells = xreallocarray(NULL, *cap * res->ncols,
			    sizeof *res->cells);
			memcpy(res->cells, packed, res->nrows * res->ncols *
			    sizeof *res->cells);
		} else
			res->cells = xreallocarray(res->cells,
			    *cap * res->ncols, sizeof *res->cells);
	}
	memset(&res->cells[res->nrows * res->ncols], 0,
	    res->ncols * sizeof *res->cells);
	res->nrows++;
}

static int
exec_fetch(struct db_source *src, struct db_conn *c, SQLHSTMT st,
    const struct db_query *q, struct db_result *res, struct exec_arena *a,
    struct db_err *err)
{
	size_t cap = EXEC_ROWS, col;
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
		exec_row_add(res, &cap);
		for (col = 0; col < res->ncols; col++)
			if (exec_get_cell(src, c, st, (SQLUSMALLINT)(col + 1),
			    res->names[col], exec_coltype(q, col),
			    DB_CELL(res, res->nrows - 1, col), a, err) == -1)
				return -1;
	}
}

/*
 * Bind the result columns for q's column types, once per statement (and
 * again when the types change): reads whose columns are all text,
 * decimal or integer.  0 when bound, -1: fetch with SQLGetData.
 */
static int
exec_bindcols(struct db_stmt *s, const struct db_query *q)
{
	size_t i, n = s->ncols;
	enum db_vtype t;
	SQLRETURN r;

	if (s->nobind || q->writes || n == 0 || n > 64) {
		exec_unbind(s);         /* SQLGetData needs unbound columns */
		return -1;
	}
	if (s->cb != NULL) {
		for (i = 0; i < n && s->cbtypes[i] == exec_coltype(q, i); i++)
			;
		if (i == n)
			return 0;
		exec_unbind(s);
	}
	for (i = 0; i < n; i++)
		if ((t = exec_coltype(q, i)) != DBV_TEXT && t != DBV_DECIMAL &&
		    t != DBV_INT)
			return -1;
	s->cb = xcalloc(n, sizeof *s->cb);
	s->cbtypes = xcalloc(n, sizeof *s->cbtypes);
	/* Exactly DB_CB_ROWS per fetch, or not at all (01S02: changed). */
	r = SQLSetStmtAttr(s->st, SQL_ATTR_ROW_ARRAY_SIZE,
	    (SQLPOINTER)(uintptr_t)DB_CB_ROWS, 0);
	if (r == SQL_SUCCESS)
		r = SQLSetStmtAttr(s->st, SQL_ATTR_ROWS_FETCHED_PTR,
		    &s->cbfetched, 0);
	for (i = 0; r == SQL_SUCCESS && i < n; i++) {
		struct db_cbind *b = &s->cb[i];

		s->cbtypes[i] = exec_coltype(q, i);
		r = SQLBindCol(s->st, (SQLUSMALLINT)(i + 1), SQL_C_CHAR,
		    b->s, sizeof b->s[0], b->ind);
	}
	if (r != SQL_SUCCESS) {
		exec_unbind(s);
		s->nobind = 1;
		return -1;
	}
	return 0;
}

/*
 * Fetch into the bound columns: 0 done, -1 failed (err set), 1 when a
 * fetch did not simply succeed (a value did not fit, a warning such as
 * fractional truncation, or an error): the caller runs the statement
 * again and fetches with SQLGetData, which says precisely what is wrong.
 */
static int
exec_fetch_bound(struct db_source *src, struct db_conn *c, struct db_stmt *s,
    const struct db_query *q, struct db_result *res, struct exec_arena *a,
    struct db_err *err)
{
	size_t cap = EXEC_ROWS, col, k;
	SQLRETURN r;

	for (;;) {
		s->cbfetched = 0;
		r = SQLFetch(s->st);
		if (r == SQL_NO_DATA)
			return 0;
		if (r != SQL_SUCCESS || s->cbfetched == 0 ||
		    s->cbfetched > DB_CB_ROWS)
			return 1;
		for (k = 0; k < s->cbfetched; k++) {
			if (q->max_rows > 0 && res->nrows == q->max_rows) {
				db_err_set(err, DBE_TOO_MANY, "the query "
				    "returned more than the %zu row%s expected",
				    q->max_rows, q->max_rows == 1 ? "" : "s");
				return -1;
			}
			exec_row_add(res, &cap);
			for (col = 0; col < res->ncols; col++) {
				const struct db_cbind *b = &s->cb[col];
				struct db_value *v = DB_CELL(res,
				    res->nrows - 1, col);

				v->type = s->cbtypes[col];
				if (b->ind[k] == SQL_NULL_DATA) {
					v->null = 1;
					continue;
				}
				if (b->ind[k] < 0 ||
				    (size_t)b->ind[k] >= sizeof b->s[k])
					return 1;       /* NO_TOTAL, or cut */
				if (exec_cell_text(src, c, res->names[col],
				    v->type, b->s[k], (size_t)b->ind[k], v, a,
				    err) == -1)
					return -1;
			}
		}
		/* A rowset shorter than the array is the last one. */
		if (s->cbfetched < DB_CB_ROWS)
			return 0;
	}
}

/* Count the markers once per prepared statement and check the values. */
static int
exec_nparams(struct db_stmt *s, size_t given, const char *what,
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
static void
exec_timeout(struct db_source *src, struct db_stmt *s, int timeout_ms)
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

/*
 * Check a statement's text once per datasource (db_sqlscan_check is
 * costly): 0 with *trim set to the length to send, or -1 with *why.
 * Accepted texts are remembered in a two-way cache keyed by hash.
 */
/*
 * A verdict depends on the text and the writes flag only, so each thread
 * also remembers its last accepted short texts (no lock on the hot path):
 * direct-mapped by hash, the text kept inline and compared in full.
 */
#define EXEC_TV_SLOTS 8
#define EXEC_TV_TEXT 248

struct exec_tv {
	uint64_t hash;
	size_t len;             /* 0: empty slot */
	size_t trim;
	unsigned ok;
	char sql[EXEC_TV_TEXT];
};

static _Thread_local struct exec_tv exec_tvs[EXEC_TV_SLOTS];

static void
exec_tv_put(const char *sql, uint64_t h, size_t len, unsigned ok,
    size_t trim)
{
	struct exec_tv *t = &exec_tvs[h % EXEC_TV_SLOTS];

	if (len == 0 || len >= EXEC_TV_TEXT)
		return;
	if (t->len == len && t->hash == h && memcmp(t->sql, sql, len) == 0) {
		t->ok |= ok;
		return;
	}
	t->hash = h;
	t->len = len;
	t->trim = trim;
	t->ok = ok;
	memcpy(t->sql, sql, len);
}

static int
exec_verdict(struct db_source *src, const char *sql, uint64_t h, size_t len,
    int writes, size_t *trim, char **why)
{
	unsigned bit = writes == 2 ? 4u : writes ? 2u : 1u;
	struct db_verdict *v, *hit = NULL;
	struct exec_tv *tv = &exec_tvs[h % EXEC_TV_SLOTS];
	size_t t;
	int k;

	if (tv->len == len && tv->hash == h && (tv->ok & bit) &&
	    memcmp(tv->sql, sql, len) == 0) {
		*trim = tv->trim;
		return 0;
	}
	v = &src->verdicts[(size_t)(h % (DB_VERDICT_CACHE / 2)) * 2];
	pthread_mutex_lock(&src->lock);
	for (k = 0; k < 2; k++)
		if (v[k].sql != NULL && v[k].hash == h && v[k].len == len &&
		    memcmp(v[k].sql, sql, len) == 0)
			hit = &v[k];
	if (hit != NULL && (hit->ok & bit)) {
		hit->used = ++src->vclock;
		*trim = hit->trim;
		pthread_mutex_unlock(&src->lock);
		exec_tv_put(sql, h, len, bit, *trim);
		return 0;
	}
	pthread_mutex_unlock(&src->lock);
	if (db_sqlscan_check(sql, writes, why) == -1)
		return -1;
	t = db_sqlscan_trim_end(sql);
	pthread_mutex_lock(&src->lock);
	hit = NULL;
	for (k = 0; k < 2; k++)
		if (v[k].sql != NULL && v[k].hash == h && v[k].len == len &&
		    memcmp(v[k].sql, sql, len) == 0)
			hit = &v[k];
	if (hit == NULL) {
		hit = v[0].sql == NULL ? &v[0] : v[1].sql == NULL ? &v[1] :
		    v[0].used <= v[1].used ? &v[0] : &v[1];
		free(hit->sql);
		hit->sql = xstrndup(sql, len);
		hit->len = len;
		hit->hash = h;
		hit->ok = 0;
		hit->trim = t;
	}
	hit->ok |= bit;
	hit->used = ++src->vclock;
	pthread_mutex_unlock(&src->lock);
	exec_tv_put(sql, h, len, bit, t);
	*trim = t;
	return 0;
}

void
db_exec_free_verdicts(struct db_source *src)
{
	size_t i;

	for (i = 0; i < DB_VERDICT_CACHE; i++) {
		free(src->verdicts[i].sql);
		src->verdicts[i].sql = NULL;
	}
}

/* Prepare, bind, execute under the watchdog, fetch.  *executed: reached SQLExecute. */
static int
exec_run_on(struct db_source *src, struct db_conn *c, const struct db_query *q,
    uint64_t hash, size_t trim, struct db_result **out, int *executed,
    int *lost, struct db_err *err)
{
	const struct db_adapter *ad;
	struct db_result *res = NULL;
	struct exec_arena arena;
	struct db_stmt *s;
	struct db_watch w;
	SQLLEN rows = -1;
	SQLRETURN r;
	int timeout_ms = q->timeout_ms > 0 ? q->timeout_ms :
	    src->query_timeout_ms;
	int rc = -1, fr;
	uint64_t deadline = timeout_ms > 0 ? now_ms() + (uint64_t)timeout_ms :
	    UINT64_MAX;

	*executed = *lost = 0;
	if (q->call && !q->writes && src->readonly && c->ro_unsupported) {
		ad = db_source_adapter(src);
		db_err_set(err, DBE_REFUSED, "datasource %s is read-only, "
		    "but %s cannot make a session read-only, so nothing "
		    "would keep a procedure from writing; give kefu a login "
		    "that may only read and set read-only = no", src->name,
		    ad != NULL ? db_adapter_title(ad) : "its driver");
		return -1;
	}
	if ((s = exec_prepare(src, c, q->sql, hash, trim, deadline,
	    err)) == NULL) {
		if (err->kind != DBE_TIMEOUT && exec_conn_dead(c, err)) {
			c->broken = 1;
			*lost = 1;
		}
		return -1;
	}
	if (exec_nparams(s, q->nparams, "value", err) == -1)
		return -1;
	if (exec_bind(src, c, s, q, err) == -1)
		return -1;
	exec_timeout(src, s, timeout_ms);
	memset(&w, 0, sizeof w);
	w.st = s->st;
	w.deadline = deadline;
	if (timeout_ms > 0)
		db_source_watch(src, &w);
	*executed = 1;
	r = SQLExecute(s->st);
	if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA) {
		db_exec_diag(SQL_HANDLE_STMT, s->st, DBE_SQL, err,
		    "the database refused the statement");
	} else if (s->described || exec_describe(src, c, s, err) == 0) {
		res = exec_result_new(s, &arena);
		if (res->ncols == 0) {
			if (SQL_SUCCEEDED(SQLRowCount(s->st, &rows)))
				res->affected = rows;
			rc = 0;
		} else {
			fr = exec_bindcols(s, q) == 0 ? exec_fetch_bound(src, c,
			    s, q, res, &arena, err) : 2;
			if (fr == 1 && !w.fired) {
				/* Again, fetching the careful way. */
				db_result_free(res);
				SQLFreeStmt(s->st, SQL_CLOSE);
				exec_unbind(s);
				s->nobind = 1;
				res = exec_result_new(s, &arena);
				r = SQLExecute(s->st);
				if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA) {
					db_exec_diag(SQL_HANDLE_STMT, s->st,
					    DBE_SQL, err, "the database refused "
					    "the statement");
					fr = -1;
				} else
					fr = 2;
			}
			if (fr == 2)
				fr = exec_fetch(src, c, s->st, q, res, &arena,
				    err);
			if (fr == 0) {
				res->affected = -1;
				rc = 0;
			}
		}
	}
	/* The columns may have changed (DDL): describe them again next time. */
	if (rc == -1)
		exec_stmt_forget(s);
	if (timeout_ms > 0)
		db_source_unwatch(src, &w);
	if (w.fired) {
		db_err_set(err, DBE_TIMEOUT, "the statement ran longer than "
		    "%s (%d ms) and was cancelled", q->timeout_ms > 0 ?
		    "the timeout it was given" : "query-timeout", timeout_ms);
		c->broken = 1;          /* the driver's state is uncertain */
		rc = -1;
	} else if (rc == -1 && err->kind == DBE_TIMEOUT)
		c->broken = 1;
	else if (rc == -1 && exec_conn_dead(c, err)) {
		c->broken = 1;
		*lost = 1;
	}
	SQLFreeStmt(s->st, SQL_CLOSE);
	if (rc == 0)
		*out = res;
	else
		db_result_free(res);
	return rc;
}

/*
 * One statement run on a connection's own thread (conn.c): everything it
 * reads is its own copy, since its caller may stop waiting for it.
 */
struct exec_job {
	struct db_job job;
	struct db_source *src;
	struct db_conn *c;
	const struct db_query *q;       /* &copy, or the caller's (no thread) */
	struct db_query copy;
	uint64_t hash;
	size_t trim;
	struct db_result *res;
	int rc, executed, lost;
	struct db_err err;
};

/*
 * How long past its deadline a caller waits for the connection's thread,
 * so that a statement the driver or the watchdog stops in time ends the
 * normal way, and only one on a network that froze is abandoned.
 */
#define EXEC_ABANDON_MS 100

static void
exec_job_run(struct db_job *job)
{
	struct exec_job *j = (struct exec_job *)job;

	/* Idle past idle-check: a dead connection costs no statement. */
	if (j->c->probe_due) {
		j->c->probe_due = 0;
		if (db_exec_probe(j->src, j->c, &j->err) == -1) {
			log_info("datasource %s: an idle connection failed its "
			    "probe (%s); reconnecting", j->src->name,
			    j->err.msg);
			j->c->broken = 1;
			j->rc = -1;
			j->lost = 1;
			j->executed = 0;
			return;
		}
	}
	db_source_access(j->src, j->c);
	j->rc = exec_run_on(j->src, j->c, j->q, j->hash, j->trim, &j->res,
	    &j->executed, &j->lost, &j->err);
}

static void
exec_job_free(struct db_job *job)
{
	struct exec_job *j = (struct exec_job *)job;
	struct db_param *p = (struct db_param *)(uintptr_t)j->copy.params;
	size_t k;

	db_result_free(j->res);
	for (k = 0; k < j->copy.nparams; k++)
		free((char *)(uintptr_t)p[k].s);
	free(p);
	free((char *)(uintptr_t)j->copy.coltypes);
	free((char *)(uintptr_t)j->copy.sql);
	free(j);
}

/* A job for q on c: a copy of q when c has a thread of its own. */
static struct exec_job *
exec_job_new(struct db_source *src, struct db_conn *c,
    const struct db_query *q, uint64_t hash, size_t trim)
{
	struct exec_job *j = xcalloc(1, sizeof *j);
	struct db_param *p;
	enum db_vtype *t;
	size_t k;

	j->job.run = exec_job_run;
	j->job.free = exec_job_free;
	j->src = src;
	j->c = c;
	j->hash = hash;
	j->trim = trim;
	j->q = q;
	if (!c->threaded)
		return j;
	j->copy = *q;
	j->copy.sql = xstrdup(q->sql);
	/* the caller's arrays are never the copy's (nparams 0 may come
	 * with params set) */
	j->copy.params = NULL;
	j->copy.coltypes = NULL;
	if (q->nparams > 0) {
		p = xcalloc(q->nparams, sizeof *p);
		for (k = 0; k < q->nparams; k++) {
			p[k] = q->params[k];
			/* s is read for these types only (exec_bind). */
			p[k].s = NULL;
			if (!q->params[k].null && q->params[k].s != NULL &&
			    q->params[k].type != DBV_INT &&
			    q->params[k].type != DBV_BOOL)
				p[k].s = xstrdup(q->params[k].s);
		}
		j->copy.params = p;
	}
	if (q->coltypes != NULL && q->ncoltypes > 0) {
		t = xcalloc(q->ncoltypes, sizeof *t);
		memcpy(t, q->coltypes, q->ncoltypes * sizeof *t);
		j->copy.coltypes = t;
	}
	j->q = &j->copy;
	return j;
}

/*
 * Run q on c, on its thread when it has one, waiting until deadline
 * (UINT64_MAX: none) at most: past it the connection is abandoned to
 * its thread and the caller gets DBE_TIMEOUT at once (*gone set: c is
 * no longer the caller's).
 */
static int
exec_on_conn(struct db_source *src, struct db_conn *c,
    const struct db_query *q, uint64_t hash, size_t trim, uint64_t deadline,
    struct db_result **out, int *executed, int *lost, int *gone,
    struct db_err *err)
{
	struct exec_job *j = exec_job_new(src, c, q, hash, trim);
	int timeout_ms = q->timeout_ms > 0 ? q->timeout_ms :
	    src->query_timeout_ms;
	int rc;

	*gone = 0;
	if (db_conn_call(c, &j->job, deadline) == -1) {
		*gone = 1;
		*executed = 1;
		*lost = 0;
		db_err_set(err, DBE_TIMEOUT, "the database did not answer "
		    "within query-timeout (%d ms); the connection is left to "
		    "its driver and closed when it returns", timeout_ms);
		log_info("datasource %s: a statement got no answer within "
		    "%d ms; its connection is abandoned (the network to the "
		    "database may have stopped)", src->name, timeout_ms);
		return -1;
	}
	rc = j->rc;
	*executed = j->executed;
	*lost = j->lost;
	if (rc == 0) {
		*out = j->res;
		j->res = NULL;
	} else
		*err = j->err;
	if (c->threaded)
		exec_job_free(&j->job);
	else
		free(j);
	return rc;
}

int
db_run(struct db_source *src, const struct db_query *q,
    struct db_result **out, struct db_err *err)
{
	struct db_conn *c;
	uint64_t t0 = now_us(), hash;
	char *why = NULL;
	size_t len, trim;
	uint64_t deadline = UINT64_MAX;
	int attempt, executed, lost = 0, gone, rc = -1, timeout_ms;

	/* Not a memset of the whole message buffer: on every query's path. */
	err->kind = DBE_NONE;
	err->sqlstate[0] = '\0';
	err->msg[0] = '\0';
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
	/* Drivers refuse a trailing ';' or comment: send up to the last token. */
	if (q->sql_hash != 0) {
		hash = q->sql_hash;
		len = q->sql_len;
	} else
		hash = db_sql_hash(q->sql, &len);
	if (exec_verdict(src, q->sql, hash, len, q->writes ? 1 :
	    q->call ? 2 : 0, &trim, &why) ==
	    -1) {
		db_err_set(err, DBE_REFUSED, "datasource %s: %s", src->name,
		    why);
		free(why);
		db_source_count(src, 0, 0, 0);
		return -1;
	}
	/* The caller waits for the statement until then at most. */
	timeout_ms = q->timeout_ms > 0 ? q->timeout_ms : src->query_timeout_ms;
	for (attempt = 0; attempt < 2; attempt++) {
		if (db_source_acquire(src, !q->writes, src->pool_wait_ms,
		    timeout_ms > 0 ? timeout_ms + EXEC_ABANDON_MS : 0, &c,
		    err) == -1)
			break;
		if (attempt == 0)
			deadline = timeout_ms > 0 ? now_ms() +
			    (uint64_t)timeout_ms + EXEC_ABANDON_MS : UINT64_MAX;
		rc = exec_on_conn(src, c, q, hash, trim, deadline, out,
		    &executed, &lost, &gone, err);
		if (gone)
			break;
		db_source_release(src, c);
		/* A retry runs within what is left of the first deadline. */
		if (rc == 0 || !lost || (q->writes && executed) ||
		    now_ms() >= deadline)
			break;
		log_info("datasource %s: connection lost (%s); retrying on a "
		    "fresh one", src->name, err->msg);
		memset(err, 0, sizeof *err);
	}
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
	if (db_source_acquire(src, 0, src->pool_wait_ms, 0, &c, err) == -1) {
		for (i = 0; i < n; i++)
			free(stmts[i]);
		free(stmts);
		return -1;
	}
	db_source_access(src, c);
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
	uint64_t hash;
	size_t len, trim;
	char *why = NULL;
	int rc = -1;

	memset(err, 0, sizeof *err);
	*cols_only = NULL;
	if (sql == NULL) {
		db_err_set(err, DBE_REFUSED, "no statement given");
		return -1;
	}
	hash = db_sql_hash(sql, &len);
	if (exec_verdict(src, sql, hash, len, 1, &trim, &why) == -1) {
		db_err_set(err, DBE_REFUSED, "%s", why);
		free(why);
		return -1;
	}
	if (db_source_acquire(src, 0, src->pool_wait_ms,
	    src->query_timeout_ms, &c, err) == -1)
		return -1;
	db_source_access(src, c);
	if ((s = exec_prepare(src, c, sql, hash, trim,
	    src->query_timeout_ms > 0 ? now_ms() +
	    (uint64_t)src->query_timeout_ms : UINT64_MAX, err)) != NULL &&
	    exec_nparams(s, nparams, "parameter", err) == 0 &&
	    exec_describe(src, c, s, err) == 0) {
		res = exec_result_new(s, NULL);
		res->types = xcalloc(s->ncols + 1, sizeof *res->types);
		memcpy(res->types, s->types, s->ncols * sizeof *res->types);
		res->affected = -1;
		*cols_only = res;
		rc = 0;
	}
	db_source_release(src, c);
	return rc;
}

/* One transaction: the connection its statements run on. */
struct db_tx {
	struct db_source *src;
	struct db_conn *c;
};

int
db_tx_run(struct db_tx *tx, const struct db_query *q,
    struct db_result **out, struct db_err *err)
{
	uint64_t hash;
	size_t len, trim;
	char *why = NULL;
	int executed = 0, lost = 0, rc;

	err->kind = DBE_NONE;
	err->sqlstate[0] = '\0';
	err->msg[0] = '\0';
	*out = NULL;
	if (q->sql_hash != 0) {
		hash = q->sql_hash;
		len = q->sql_len;
	} else
		hash = db_sql_hash(q->sql, &len);
	if (exec_verdict(tx->src, q->sql, hash, len, q->writes, &trim,
	    &why) == -1) {
		db_err_set(err, DBE_REFUSED, "datasource %s: %s", tx->src->name,
		    why);
		free(why);
		return -1;
	}
	rc = exec_run_on(tx->src, tx->c, q, hash, trim, out, &executed, &lost,
	    err);
	if (rc == -1 && lost) {
		err->kind = DBE_DOWN;
		tx->c->broken = 1;
	}
	return rc;
}

int
db_tx(struct db_source *src, db_tx_h *fn, void *arg, struct db_err *err)
{
	struct db_tx tx;
	uint64_t t0 = now_us();
	int rc;

	memset(err, 0, sizeof *err);
	if (src->readonly) {
		db_err_set(err, DBE_REFUSED, "datasource %s is read-only "
		    "(read-only=yes) but the transaction writes", src->name);
		return -1;
	}
	tx.src = src;
	if (db_source_acquire(src, 0, src->pool_wait_ms,
	    src->query_timeout_ms, &tx.c, err) == -1) {
		db_source_count(src, 0, 0, (unsigned)(now_us() - t0));
		return -1;
	}
	if (!SQL_SUCCEEDED(SQLSetConnectAttr(tx.c->dbc, SQL_ATTR_AUTOCOMMIT,
	    (SQLPOINTER)SQL_AUTOCOMMIT_OFF, SQL_IS_UINTEGER))) {
		db_exec_diag(SQL_HANDLE_DBC, tx.c->dbc, DBE_SQL, err,
		    "cannot start a transaction");
		db_source_release(src, tx.c);
		db_source_count(src, 0, 0, (unsigned)(now_us() - t0));
		return -1;
	}
	rc = fn(&tx, arg, err);
	if (!SQL_SUCCEEDED(SQLEndTran(SQL_HANDLE_DBC, tx.c->dbc, rc == 0 ?
	    SQL_COMMIT : SQL_ROLLBACK)) && rc == 0) {
		db_exec_diag(SQL_HANDLE_DBC, tx.c->dbc, DBE_SQL, err,
		    "cannot commit");
		rc = -1;
	}
	if (!SQL_SUCCEEDED(SQLSetConnectAttr(tx.c->dbc, SQL_ATTR_AUTOCOMMIT,
	    (SQLPOINTER)SQL_AUTOCOMMIT_ON, SQL_IS_UINTEGER)))
		tx.c->broken = 1;
	if (rc == -1 && exec_conn_lost(err))
		tx.c->broken = 1;
	db_source_release(src, tx.c);
	db_source_count(src, rc == 0, rc == -1 && err->kind == DBE_TIMEOUT,
	    (unsigned)(now_us() - t0));
	return rc;
}
