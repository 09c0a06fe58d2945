/*
 * bind.c: parameters bound with SQLBindParameter, their buffers kept in
 * place between executions so that a statement is rebound only when a
 * binding changes.  ODBC 3.x.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/db_int.h"

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

int
db_bind(struct db_source *src, struct db_conn *c, struct db_stmt *s,
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
