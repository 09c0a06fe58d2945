/*
 * notice.c: the store's own notices (table local_notices, migration
 * 015): a text said by speech or a recording kept in the spool, valid
 * from one day to another (both included), published at the desk
 * (kefu notice add) or by phone (kefu.notice.publish); the notices of a
 * day for callers (kefu.notice.current), the list, and ending one.
 * Files are the caller's business: this file keeps only their paths.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

#define NOTICE_COLS "id, body, audio, audio_ms, valid_from, valid_until, " \
    "published_by, published_via, published_at, call_ref"

static int
notice_fail(struct db_source *src, const struct db_err *err, char **cause)
{
	return kf_error(cause, "notice: datasource %s: %s",
	    db_source_name(src), store_errmsg(src, err));
}

int
store_notice_date_ok(const char *s)
{
	char check[11];

	return s != NULL && strlen(s) == 10 && demo_date_add(s, 0, check) ==
	    0 && strcmp(check, s) == 0;
}

int
store_notice_dates(const struct store_notice *n, const char *today,
    char **cause)
{
	if (!store_notice_date_ok(n->from))
		return kf_error(cause, "notice: valid-from '%s' is not a date "
		    "(YYYY-MM-DD)", n->from);
	if (!store_notice_date_ok(n->until))
		return kf_error(cause, "notice: valid-until '%s' is not a date "
		    "(YYYY-MM-DD)", n->until);
	if (strcmp(n->from, n->until) > 0)
		return kf_error(cause, "notice: valid-until %s is before "
		    "valid-from %s", n->until, n->from);
	if (strcmp(n->until, today) < 0)
		return kf_error(cause, "notice: valid-until %s is already "
		    "over (today is %s)", n->until, today);
	return 0;
}

static int
notice_add_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	static const enum db_vtype types[] = { DBV_INT };
	struct store_notice *n = arg;
	struct db_param p[9], k[2];
	struct db_query q;
	struct db_result *res;

	p[0] = (struct db_param){ .type = DBV_TEXT, .s = n->body,
	    .null = n->body == NULL };
	p[1] = (struct db_param){ .type = DBV_TEXT, .s = n->audio,
	    .null = n->audio == NULL };
	p[2] = (struct db_param){ .type = DBV_INT, .i = n->audio_ms,
	    .null = n->audio == NULL };
	p[3] = (struct db_param){ .type = DBV_DATE, .s = n->from };
	p[4] = (struct db_param){ .type = DBV_DATE, .s = n->until };
	p[5] = (struct db_param){ .type = DBV_TEXT, .s = n->by };
	p[6] = (struct db_param){ .type = DBV_TEXT, .s = n->via };
	p[7] = (struct db_param){ .type = DBV_TIMESTAMP, .s = n->at };
	p[8] = (struct db_param){ .type = DBV_TEXT, .s = n->call,
	    .null = n->call == NULL };
	q = (struct db_query){ .sql = "INSERT INTO local_notices (body, "
	    "audio, audio_ms, valid_from, valid_until, published_by, "
	    "published_via, published_at, call_ref) VALUES (?, ?, ?, ?, ?, "
	    "?, ?, ?, ?)", .params = p, .nparams = 9, .writes = 1 };
	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	db_result_free(res);
	k[0] = p[5];
	k[1] = p[7];
	q = (struct db_query){ .sql = "SELECT MAX(id) FROM local_notices "
	    "WHERE published_by = ? AND published_at = ?", .params = k,
	    .nparams = 2, .coltypes = types, .ncoltypes = 1 };
	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	n->id = res->nrows ? DB_CELL(res, 0, 0)->i : 0;
	db_result_free(res);
	return 0;
}

int
store_notice_add(struct db_source *src, struct store_notice *n,
    const char *now, char **cause)
{
	char today[11], nowbuf[STORE_STAMP_LEN];
	struct db_err err;

	if ((n->body == NULL || *n->body == '\0') && n->audio == NULL)
		return kf_error(cause, "notice: neither a text nor a "
		    "recording");
	if (n->body != NULL && strlen(n->body) > STORE_NOTICE_TEXT_MAX)
		return kf_error(cause, "notice: the text is %zu bytes; at "
		    "most %d", strlen(n->body), STORE_NOTICE_TEXT_MAX);
	now = store_stamp_now(now, nowbuf);
	snprintf(n->at, sizeof n->at, "%.19s", now);
	snprintf(today, sizeof today, "%.10s", now);
	if (store_notice_dates(n, today, cause) == -1)
		return -1;
	if (db_tx(src, notice_add_tx, n, &err) == -1)
		return notice_fail(src, &err, cause);
	log_info("notice %lld published by %s (%s), valid %s to %s%s",
	    (long long)n->id, n->by, n->via, n->from, n->until,
	    n->audio != NULL ? ", recorded" : "");
	return 0;
}

static char *
notice_cell(struct db_result *r, size_t row, size_t col)
{
	struct db_value *v = DB_CELL(r, row, col);

	return v->null ? NULL : xstrdup(v->s);
}

/* Rows of q (NOTICE_COLS) into *out. */
static int
notice_select(struct db_source *src, struct db_query *q,
    struct store_notice **out, size_t *count, char **cause)
{
	static const enum db_vtype types[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	    DBV_INT, DBV_DATE, DBV_DATE, DBV_TEXT, DBV_TEXT, DBV_TIMESTAMP,
	    DBV_TEXT };
	struct store_notice *v;
	struct db_result *res;
	struct db_err err;
	size_t i;

	*out = NULL;
	*count = 0;
	q->coltypes = types;
	q->ncoltypes = nitems(types);
	if (db_run(src, q, &res, &err) == -1)
		return notice_fail(src, &err, cause);
	v = xcalloc(res->nrows ? res->nrows : 1, sizeof *v);
	for (i = 0; i < res->nrows; i++) {
		v[i].id = DB_CELL(res, i, 0)->i;
		v[i].body = notice_cell(res, i, 1);
		v[i].audio = notice_cell(res, i, 2);
		v[i].audio_ms = (unsigned)DB_CELL(res, i, 3)->i;
		snprintf(v[i].from, sizeof v[i].from, "%s",
		    DB_CELL(res, i, 4)->s);
		snprintf(v[i].until, sizeof v[i].until, "%s",
		    DB_CELL(res, i, 5)->s);
		v[i].by = notice_cell(res, i, 6);
		v[i].via = strcmp(DB_CELL(res, i, 7)->s, "phone") == 0 ?
		    "phone" : "desk";
		snprintf(v[i].at, sizeof v[i].at, "%s",
		    DB_CELL(res, i, 8)->s);
		v[i].call = notice_cell(res, i, 9);
	}
	*out = v;
	*count = res->nrows;
	db_result_free(res);
	return 0;
}

int
store_notice_current(struct db_source *src, const char *today,
    struct store_notice **out, size_t *n, char **cause)
{
	struct db_param p[2] = {
		{ .type = DBV_DATE, .s = today },
		{ .type = DBV_DATE, .s = today },
	};
	struct db_query q = { .sql = "SELECT " NOTICE_COLS " FROM "
	    "local_notices WHERE valid_from <= ? AND valid_until >= ? "
	    "ORDER BY valid_from DESC, id DESC", .params = p, .nparams = 2 };

	return notice_select(src, &q, out, n, cause);
}

int
store_notice_list(struct db_source *src, const char *today,
    struct store_notice **out, size_t *n, char **cause)
{
	struct db_param p[1] = { { .type = DBV_DATE, .s = today } };
	/* two statements: PostgreSQL cannot type a bare "? IS NULL" */
	struct db_query q = { .sql = today != NULL ? "SELECT " NOTICE_COLS
	    " FROM local_notices WHERE valid_until >= ? ORDER BY valid_from, "
	    "id" : "SELECT " NOTICE_COLS " FROM local_notices ORDER BY "
	    "valid_from, id", .params = p, .nparams = today != NULL };

	return notice_select(src, &q, out, n, cause);
}

int
store_notice_end(struct db_source *src, int64_t id, const char *now,
    char **cause)
{
	char yesterday[11], today[11], nowbuf[STORE_STAMP_LEN];
	const char *at = store_stamp_now(now, nowbuf);
	struct db_param p[6] = {        /* the buffers filled below */
		{ .type = DBV_DATE, .s = yesterday },
		{ .type = DBV_DATE, .s = yesterday },
		{ .type = DBV_DATE, .s = yesterday },
		{ .type = DBV_TIMESTAMP, .s = at },
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_DATE, .s = today },
	};
	struct db_query q = { .sql = "UPDATE local_notices SET valid_until = "
	    "?, valid_from = CASE WHEN valid_from > ? THEN ? ELSE valid_from "
	    "END, ended_at = ? WHERE id = ? AND valid_until >= ?",
	    .params = p, .nparams = 6, .writes = 1 };
	struct db_result *res;
	struct db_err err;
	int rc;

	snprintf(today, sizeof today, "%.10s", at);
	if (demo_date_add(today, -1, yesterday) == -1)
		return kf_error(cause, "notice: bad time '%s'", at);
	if (db_run(src, &q, &res, &err) == -1)
		return notice_fail(src, &err, cause);
	rc = res->affected == 0 ? kf_error(cause, "notice: no current or "
	    "coming notice %lld (kefu notice list shows them)",
	    (long long)id) : 0;
	db_result_free(res);
	if (rc == 0)
		log_info("notice %lld ended on %s", (long long)id, today);
	return rc;
}

int
store_notice_may_publish(struct db_source *src, const char *staff_no,
    char **cause)
{
	static const enum db_vtype types[] = { DBV_INT };
	struct db_param p[1] = { { .type = DBV_TEXT, .s = staff_no } };
	struct db_query q = { .sql = "SELECT COUNT(*) FROM staff_access "
	    "WHERE staff_no = ? AND enabled = 1 AND role IN ('desk', "
	    "'admin')", .params = p, .nparams = 1, .coltypes = types,
	    .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;
	int may;

	if (db_run(src, &q, &res, &err) == -1)
		return notice_fail(src, &err, cause);
	may = res->nrows > 0 && DB_CELL(res, 0, 0)->i > 0;
	db_result_free(res);
	return may;
}

void
store_notice_free(struct store_notice *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].body);
		free(v[i].audio);
		free(v[i].by);
		free(v[i].call);
	}
	free(v);
}
