/*
 * fetch.c: reading results -- columns of reads bound once (SQLBindCol,
 * two rows per SQLFetch) with SQLGetData loops as the fallback for what
 * does not fit (no truncation), values checked and converted, and the
 * result kept in one allocation.  ODBC 3.x.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/db-int.h"

/*
 * Read a whole character column, however long, in SQLGetData pieces:
 * *out is buf when the first piece held it all, else the text in sb.
 */
static int
fetch_get_text(SQLHSTMT st, SQLUSMALLINT col, char *buf, size_t bufsz,
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

/* Copy len bytes and a NUL into the arena; NULL when it is full. */
static char *
fetch_arena_copy(struct db_arena *a, const char *s, size_t len)
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
fetch_decimal_canonical(const char *in, size_t len)
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
fetch_ascii(const char *s, size_t len)
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
 * truncate 49.5 to 49 without a word when asked for an integer) the
 * driver gave as characters, len bytes at text (NUL-terminated): checked,
 * converted and stored in v (the arena when it fits).

 */
static int
fetch_cell_text(struct db_source *src, struct db_conn *c, const char *colname,
    enum db_vtype type, const char *text, size_t len, struct db_value *v,
    struct db_arena *a, struct db_err *err)
{
	switch (type) {
	case DBV_INT:
		if (db_conv_int(text, &v->i) == -1) {
			db_err_set(err, DBE_CONVERT,
			    "column %s holds \"%.40s\", "
			    "which is not a whole number; declare it decimal",
			    colname, text);
			return -1;
		}
		break;
	case DBV_DECIMAL:
		if (fetch_decimal_canonical(text, len) == len &&
		    (v->s = fetch_arena_copy(a, text, len)) != NULL)
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
		    len < a->left && (fetch_ascii(text, len) ||
		    db_conv_utf8_valid(text, len))) {
			v->s = fetch_arena_copy(a, text, len);
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
fetch_get_cell(struct db_source *src, struct db_conn *c, SQLHSTMT st,
    SQLUSMALLINT col, const char *colname, enum db_vtype type,
    struct db_value *v, struct db_arena *a, struct db_err *err)
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
			snprintf(err->msg, sizeof err->msg,
			    "column %s is not a "
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
			snprintf(err->msg, sizeof err->msg,
			    "column %s is not a "
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
	if (fetch_get_text(st, col, buf, sizeof buf, &sb, &text, &len, &isnull,
	    err) == -1) {
		sb_free(&sb);
		return -1;
	}
	v->null = isnull;
	rc = isnull ? 0 : fetch_cell_text(src, c, colname, type, text, len, v,
	    a, err);
	sb_free(&sb);
	return rc;
}

/*
 * A result is one allocation: struct db_result, the names (ncols + 1
 * pointers), cells for EXEC_ROWS rows, EXEC_ARENA bytes for the cells'
 * text (db_arena), then the names' bytes.  More rows move the cells
 * to an array of their own; text that does not fit the arena is
 * allocated per cell.  A one-row result is thus one malloc and one free.
 */
#define EXEC_ROWS 2
#define EXEC_ARENA 256

static struct db_value *
fetch_packed_cells(const struct db_result *res)
{
	return (struct db_value *)(void *)((char **)(void *)(res + 1) +
	    res->ncols + 1);
}

/* The arena of a result with columns (none without). */
static char *
fetch_arena_of(const struct db_result *res)
{
	return (char *)(fetch_packed_cells(res) + res->ncols * EXEC_ROWS);
}

struct db_result *
db_fetch_result_new(const struct db_stmt *s, struct db_arena *a)
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
	res->cells = n > 0 ? fetch_packed_cells(res) : NULL;
	if (a != NULL) {
		a->p = n > 0 ? fetch_arena_of(res) : NULL;
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
	lo = (uintptr_t)fetch_arena_of(res);
	hi = lo + (res->ncols > 0 ? EXEC_ARENA : 0);
	for (i = 0; i < res->nrows * res->ncols; i++) {
		p = (uintptr_t)res->cells[i].s;
		if (p < lo || p >= hi)          /* not in the arena */
			free(res->cells[i].s);
	}
	if (res->cells != fetch_packed_cells(res))
		free(res->cells);
	free(res->types);
	free(res);
}

/* The column type q wants (all text without coltypes). */
static enum db_vtype
fetch_coltype(const struct db_query *q, size_t col)
{
	return q->coltypes != NULL && col < q->ncoltypes ? q->coltypes[col] :
	    DBV_TEXT;
}

/* Room for one more row of zeroed cells (nrows counts it). */
static void
fetch_row_add(struct db_result *res, size_t *cap)
{
	if (res->nrows == *cap) {
		struct db_value *packed = fetch_packed_cells(res);

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

int
db_fetch(struct db_source *src, struct db_conn *c, SQLHSTMT st,
    const struct db_query *q, struct db_result *res, struct db_arena *a,
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
		fetch_row_add(res, &cap);
		for (col = 0; col < res->ncols; col++)
			if (fetch_get_cell(src, c, st, (SQLUSMALLINT)(col + 1),
			    res->names[col], fetch_coltype(q, col),
			    DB_CELL(res, res->nrows - 1, col), a, err) == -1)
				return -1;
	}
}

/*
 * Bind the result columns for q's column types, once per statement (and
 * again when the types change): reads whose columns are all text,
 * decimal or integer.  0 when bound, -1: fetch with SQLGetData.
 */
int
db_fetch_bindcols(struct db_stmt *s, const struct db_query *q)
{
	size_t i, n = s->ncols;
	enum db_vtype t;
	SQLRETURN r;

	if (s->nobind || q->writes || n == 0 || n > 64) {
		db_stmt_unbind(s);         /* SQLGetData needs unbound
					      columns */
		return -1;
	}
	if (s->cb != NULL) {
		for (i = 0; i < n && s->cbtypes[i] == fetch_coltype(q, i); i++)
			;
		if (i == n)
			return 0;
		db_stmt_unbind(s);
	}
	for (i = 0; i < n; i++)
		if ((t = fetch_coltype(q, i)) != DBV_TEXT && t != DBV_DECIMAL &&
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

		s->cbtypes[i] = fetch_coltype(q, i);
		r = SQLBindCol(s->st, (SQLUSMALLINT)(i + 1), SQL_C_CHAR,
		    b->s, sizeof b->s[0], b->ind);
	}
	if (r != SQL_SUCCESS) {
		db_stmt_unbind(s);
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
int
db_fetch_bound(struct db_source *src, struct db_conn *c, struct db_stmt *s,
    const struct db_query *q, struct db_result *res, struct db_arena *a,
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
			fetch_row_add(res, &cap);
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
				if (fetch_cell_text(src, c, res->names[col],
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
