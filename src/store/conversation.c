/*
 * conversation.c: a case's one-to-one SMS conversation -- the replies
 * the case sent (its outbox rows keyed case:NO:reply:N, channel sms; not
 * the notice to the person in charge) and what the customer sent back
 * from those numbers (sms_inbox) from the first reply until [campaign]
 * conversation after the last, in time order.
 * Read when the case is shown: the inbound path stays as it is.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

static void
conv_add(struct store_conv **out, size_t *n, const char *at, int in,
    const char *number, const char *text)
{
	struct store_conv *c;

	*out = xreallocarray(*out, *n + 1, sizeof **out);
	c = &(*out)[(*n)++];
	snprintf(c->at, sizeof c->at, "%.19s", at);
	c->in = in;
	c->number = xstrdup(number);
	c->text = xstrdup(text);
}

/* "YYYY-MM-DD HH:MM:SS" + seconds, into out. */
static void
conv_later(const char *at, long secs, char out[20])
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (strptime(at, "%Y-%m-%d %H:%M:%S", &tm) == NULL) {
		snprintf(out, 20, "9999-12-31 23:59:59");
		return;
	}
	tm.tm_isdst = -1;
	t = mktime(&tm) + secs;
	localtime_r(&t, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

/* What number sent back between from and to, into out. */
static int
conv_inbound(struct db_source *src, const char *number, const char *from,
    const char *to, struct store_conv **out, size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_TIMESTAMP, DBV_TEXT,
	    DBV_TEXT };
	char *plus = xasprintf("+86%s", number);
	struct db_param p[4] = {
		{ .type = DBV_TEXT, .s = number },
		{ .type = DBV_TEXT, .s = plus },
		{ .type = DBV_TIMESTAMP, .s = from },
		{ .type = DBV_TIMESTAMP, .s = to },
	};
	struct db_query q = { .sql = "SELECT received_at, sender, body FROM "
	    "sms_inbox WHERE (sender = ? OR sender = ?) AND received_at >= ? "
	    "AND received_at <= ? ORDER BY received_at, id", .params = p,
	    .nparams = 4, .coltypes = vt, .ncoltypes = nitems(vt) };
	struct db_result *res;
	struct db_err err;
	size_t i;

	if (db_run(src, &q, &res, &err) == -1) {
		free(plus);
		return kf_error(cause, "cases: %s", err.msg);
	}
	for (i = 0; i < res->nrows; i++)
		conv_add(out, n, DB_CELL(res, i, 0)->s, 1,
		    DB_CELL(res, i, 1)->s, DB_CELL(res, i, 2)->s);
	db_result_free(res);
	free(plus);
	return 0;
}

static int
conv_cmp(const void *a, const void *b)
{
	const struct store_conv *x = a, *y = b;
	int c = strcmp(x->at, y->at);

	return c != 0 ? c : x->in - y->in;
}

int
store_case_conversation(struct db_source *src, int64_t case_id,
    long window_s, struct store_conv **out, size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_TIMESTAMP, DBV_TEXT,
	    DBV_TEXT };
	struct db_param p = { .type = DBV_INT, .i = case_id };
	struct db_query q = { .sql = "SELECT created_at, recipient, body FROM "
	    "outbox WHERE request_id = ? AND channel = 'sms' AND idem_key "
	    "LIKE 'case:%:reply:%' ORDER BY created_at, id", .params = &p,
	    .nparams = 1, .coltypes = vt, .ncoltypes = nitems(vt) };
	struct db_result *res;
	struct db_err err;
	char end[20];
	size_t i, j, nout;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "cases: %s", err.msg);
	for (i = 0; i < res->nrows; i++)
		conv_add(out, n, DB_CELL(res, i, 0)->s, 0,
		    DB_CELL(res, i, 1)->s, DB_CELL(res, i, 2)->s);
	nout = *n;
	if (nout > 0)
		conv_later((*out)[nout - 1].at, window_s, end);
	/* each number replied to once, from the first reply on */
	for (i = 0; i < nout && rc == 0; i++) {
		for (j = 0; j < i; j++)
			if (strcmp((*out)[j].number, (*out)[i].number) == 0)
				break;
		if (j == i)
			rc = conv_inbound(src, (*out)[i].number, (*out)[0].at,
			    end, out, n, cause);
	}
	db_result_free(res);
	if (rc == -1) {
		store_conv_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof **out, conv_cmp);
	return 0;
}

void
store_conv_free(struct store_conv *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(c[i].number);
		free(c[i].text);
	}
	free(c);
}
