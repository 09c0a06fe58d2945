/*
 * bind.c: parameters bound with SQLBindParameter, their buffers kept in
 * place between executions so that a statement is rebound only when a
 * binding changes.  ODBC 3.x.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/db-int.h"

/* Bind parameter n unless it is bound that way already. */
static SQLRETURN
bind_set(SQLHSTMT st, SQLUSMALLINT n, struct db_pbind *b,
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
bind_text_size(size_t len)
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
bind_slots(struct db_stmt *s, size_t nparams)
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

/* One parameter being bound: where it goes and what it is. */
struct bind_one {
	struct db_source *src;
	struct db_conn *c;
	SQLHSTMT st;
	SQLUSMALLINT n;         /* its marker, from 1 */
	const struct db_param *p;
	struct db_pbind *b;     /* its buffers, kept between executions */
};

/*
 * Binders, one per value type: fill the buffers from the value and bind
 * them.  -1 with err set when the value is not of its type; else 0 with
 * the driver's answer in *r.
 */
typedef int bind_h(const struct bind_one *o, SQLRETURN *r,
    struct db_err *err);

static int
bind_int(const struct bind_one *o, SQLRETURN *r, struct db_err *err)
{
	struct db_pbind *b = o->b;

	(void)err;
	b->i = o->p->i;
	b->ind = o->p->null ? SQL_NULL_DATA : 0;
	*r = bind_set(o->st, o->n, b, SQL_C_SBIGINT, SQL_BIGINT, 0, 0,
	    &b->i, 0);
	return 0;
}

static int
bind_bool(const struct bind_one *o, SQLRETURN *r, struct db_err *err)
{
	struct db_pbind *b = o->b;

	(void)err;
	b->bit = o->p->i != 0;
	b->ind = o->p->null ? SQL_NULL_DATA : 0;
	*r = bind_set(o->st, o->n, b, SQL_C_BIT, SQL_BIT, 1, 0, &b->bit, 0);
	return 0;
}

static int
bind_date(const struct bind_one *o, SQLRETURN *r, struct db_err *err)
{
	const struct db_param *p = o->p;
	struct db_pbind *b = o->b;
	int y, mo, d;

	if (!p->null && (p->s == NULL ||
	    db_conv_date(p->s, &y, &mo, &d) == -1)) {
		db_err_set(err, DBE_CONVERT, "parameter %u: \"%.40s\" is not "
		    "a date (YYYY-MM-DD)", (unsigned)o->n,
		    p->s ? p->s : "(null)");
		return -1;
	}
	if (!p->null) {
		b->d.year = (SQLSMALLINT)y;
		b->d.month = (SQLUSMALLINT)mo;
		b->d.day = (SQLUSMALLINT)d;
	}
	b->ind = p->null ? SQL_NULL_DATA : 0;
	*r = bind_set(o->st, o->n, b, SQL_C_TYPE_DATE, SQL_TYPE_DATE, 10, 0,
	    &b->d, 0);
	return 0;
}

static int
bind_timestamp(const struct bind_one *o, SQLRETURN *r, struct db_err *err)
{
	const struct db_param *p = o->p;
	struct db_pbind *b = o->b;
	int y, mo, d, h, mi, sec;

	if (!p->null && (p->s == NULL || db_conv_timestamp(p->s, &y, &mo, &d,
	    &h, &mi, &sec) == -1)) {
		db_err_set(err, DBE_CONVERT, "parameter %u: \"%.40s\" is not "
		    "a timestamp (YYYY-MM-DD HH:MM:SS)", (unsigned)o->n,
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
	*r = bind_set(o->st, o->n, b, SQL_C_TYPE_TIMESTAMP,
	    SQL_TYPE_TIMESTAMP, 19, 0, &b->ts, 0);
	return 0;
}

/*
 * A decimal goes as its canonical text, declared with 18 or 38 digits
 * when enough (fewer distinct bindings) and its own scale.  A NULL keeps
 * the declaration bound before.
 */
static int
bind_decimal(const struct bind_one *o, SQLRETURN *r, struct db_err *err)
{
	const struct db_param *p = o->p;
	struct db_pbind *b = o->b;
	SQLULEN prec = 18;
	SQLSMALLINT scale = 0;
	const char *dot;
	char *canon = NULL;

	sb_reset(&b->text);
	if (p->null) {
		sb_add(&b->text, "", 0);
		b->ind = SQL_NULL_DATA;
		if (b->ctype == SQL_C_CHAR && b->sqltype == SQL_DECIMAL) {
			prec = b->size;
			scale = b->scale;
		}
	} else {
		if (p->s == NULL || db_conv_decimal(p->s, &canon) == -1) {
			db_err_set(err, DBE_CONVERT, "parameter %u: \"%.40s\" "
			    "is not a decimal number", (unsigned)o->n,
			    p->s ? p->s : "(null)");
			return -1;
		}
		sb_adds(&b->text, canon);
		free(canon);
		dot = strchr(b->text.s, '.');
		scale = dot ? (SQLSMALLINT)strlen(dot + 1) : 0;
		prec = b->text.len - (b->text.s[0] == '-') - (dot != NULL);
		prec = prec <= 18 ? 18 : prec <= 38 ? 38 : prec;
		if (prec < (SQLULEN)scale)
			prec = (SQLULEN)scale;
		b->ind = (SQLLEN)b->text.len;
	}
	*r = bind_set(o->st, o->n, b, SQL_C_CHAR, SQL_DECIMAL, prec, scale,
	    b->text.s, (SQLLEN)b->text.cap);
	return 0;
}

/*
 * Text goes in the database's encoding, declared by size class (fewer
 * distinct bindings) and as a long text past 4000 bytes.  A NULL keeps
 * the declaration bound before.
 */
static int
bind_text(const struct bind_one *o, SQLRETURN *r, struct db_err *err)
{
	const struct db_param *p = o->p;
	struct db_pbind *b = o->b;
	SQLSMALLINT sqltype = SQL_VARCHAR;
	SQLULEN size = 64;
	const char *t = p->s ? p->s : "";

	sb_reset(&b->text);
	if (p->null) {
		b->ind = SQL_NULL_DATA;
		if (b->ctype == SQL_C_CHAR && b->sqltype != SQL_DECIMAL) {
			size = b->size;
			sqltype = b->sqltype;
		}
	} else {
		if (db_conv_to_db(o->c, o->src->utf8, t, strlen(t), &b->text,
		    err) == -1) {
			snprintf(err->msg + strlen(err->msg),
			    sizeof err->msg - strlen(err->msg),
			    " (parameter %u)", (unsigned)o->n);
			return -1;
		}
		b->ind = (SQLLEN)b->text.len;
		size = bind_text_size(b->text.len);
		sqltype = b->text.len > 4000 ? SQL_LONGVARCHAR : SQL_VARCHAR;
	}
	sb_add(&b->text, "", 0);        /* a buffer, even empty */
	*r = bind_set(o->st, o->n, b, SQL_C_CHAR, sqltype, size, 0,
	    b->text.s, (SQLLEN)b->text.cap);
	return 0;
}

/* The binder of each value type (anything else is bound as text). */
static bind_h *const bind_by_type[] = {
	[DBV_TEXT] = bind_text,
	[DBV_INT] = bind_int,
	[DBV_DECIMAL] = bind_decimal,
	[DBV_DATE] = bind_date,
	[DBV_TIMESTAMP] = bind_timestamp,
	[DBV_BOOL] = bind_bool,
};

int
db_bind(struct db_source *src, struct db_conn *c, struct db_stmt *s,
    const struct db_query *q, struct db_err *err)
{
	struct db_pbind *pb = bind_slots(s, q->nparams);
	struct bind_one o = { .src = src, .c = c, .st = s->st };
	SQLRETURN r = SQL_SUCCESS;
	bind_h *fn;
	size_t k;

	for (k = 0; k < q->nparams; k++) {
		o.n = (SQLUSMALLINT)(k + 1);
		o.p = &q->params[k];
		o.b = &pb[k];
		fn = (size_t)o.p->type < nitems(bind_by_type) ?
		    bind_by_type[o.p->type] : bind_text;
		if (fn(&o, &r, err) == -1)
			return -1;
		if (!SQL_SUCCEEDED(r)) {
			db_exec_diag(SQL_HANDLE_STMT, s->st, DBE_SQL, err,
			    "cannot bind a parameter");
			return -1;
		}
	}
	return 0;
}
