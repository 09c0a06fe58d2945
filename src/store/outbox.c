/*
 * outbox.c: the outbound message queue of the local store -- queue a
 * message, claim due messages for one worker so that several kefud nodes
 * never send one twice (one UPDATE per claim: FOR UPDATE SKIP LOCKED on
 * PostgreSQL, InnoDB row locks on MySQL, the single writer on SQLite),
 * and record the result with retry or give-up.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

#define OUTBOX_TRIES 8

static int
outbox_run(struct db_source *src, const char *sql, const struct db_param *p,
    size_t np, struct db_result **res, char **cause)
{
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .writes = 1 };
	struct db_result *r;
	struct db_err err;
	int tries;

	/*
	 * InnoDB may pick one of two claiming workers as a deadlock victim
	 * (SQLSTATE 40001; PostgreSQL 40P01): the statement changed nothing,
	 * so it is simply run again.
	 */
	for (tries = 1; db_run(src, &q, &r, &err) == -1; tries++) {
		if (tries == OUTBOX_TRIES || strncmp(err.sqlstate, "40", 2) != 0)
			return kf_error(cause, "outbox: %s", err.msg);
		log_debug("outbox: %s, trying again", err.msg);
		sleep_ms((unsigned)(tries * 7));
	}
	if (res != NULL)
		*res = r;
	else
		db_result_free(r);
	return 0;
}

int
store_outbox_add(struct db_source *src, const char *channel,
    const char *recipient, const char *subject, const char *body,
    const char *when, char **cause)
{
	struct db_param p[6] = {
		{ .type = DBV_TEXT, .s = channel },
		{ .type = DBV_TEXT, .s = recipient },
		{ .type = DBV_TEXT, .s = subject, .null = subject == NULL },
		{ .type = DBV_TEXT, .s = body },
		{ .type = DBV_TIMESTAMP, .s = when },
		{ .type = DBV_TIMESTAMP, .s = when },
	};

	return outbox_run(src, "INSERT INTO outbox (channel, recipient, "
	    "subject, body, next_attempt_at, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?)", p, nitems(p), NULL, cause);
}

/* The claiming UPDATE of each dialect; %zu is the batch size. */
static char *
outbox_claim_sql(const char *dialect, size_t max)
{
	static const char set[] = "UPDATE outbox SET status = 'claimed', "
	    "claimed_by = ?, claimed_at = ?, attempts = attempts + 1 ";
	static const char due[] = "(status = 'queued' AND next_attempt_at <= ?)"
	    " OR (status = 'claimed' AND claimed_at < ?)";

	if (strcmp(dialect, "mysql") == 0)
		return xasprintf("%sWHERE %s ORDER BY next_attempt_at, id "
		    "LIMIT %zu", set, due, max);
	return xasprintf("%sWHERE id IN (SELECT id FROM outbox WHERE %s "
	    "ORDER BY next_attempt_at, id LIMIT %zu%s)", set, due, max,
	    strcmp(dialect, "postgresql") == 0 ?
	    " FOR UPDATE SKIP LOCKED" : "");
}

void
store_msgs_free(struct store_msg *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(m[i].channel);
		free(m[i].recipient);
		free(m[i].subject);
		free(m[i].body);
	}
	free(m);
}

static char *
outbox_cell(struct db_result *r, size_t row, size_t col)
{
	struct db_value *v = DB_CELL(r, row, col);

	return v->null ? NULL : xstrdup(v->s);
}

int
store_outbox_claim(struct db_source *src, const char *dialect,
    const char *worker, const char *now, const char *stale, size_t max,
    char **token, struct store_msg **out, size_t *n, char **cause)
{
	static const enum db_vtype types[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	    DBV_TEXT, DBV_TEXT, DBV_INT };
	struct db_query q = { .sql = "SELECT id, channel, recipient, subject, "
	    "body, attempts FROM outbox WHERE claimed_by = ? AND status = "
	    "'claimed' ORDER BY id", .coltypes = types,
	    .ncoltypes = nitems(types), .nparams = 1 };
	struct db_param p[4];
	struct db_result *res;
	struct db_err err;
	unsigned char rnd[6];
	char *sql, *tok;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	*token = NULL;
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		return kf_error(cause, "outbox: no random bytes for a claim");
	tok = xasprintf("%.48s/%02x%02x%02x%02x%02x%02x", worker, rnd[0],
	    rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	p[0] = (struct db_param){ .type = DBV_TEXT, .s = tok };
	p[1] = (struct db_param){ .type = DBV_TIMESTAMP, .s = now };
	p[2] = (struct db_param){ .type = DBV_TIMESTAMP, .s = now };
	p[3] = (struct db_param){ .type = DBV_TIMESTAMP, .s = stale };
	sql = outbox_claim_sql(dialect, max ? max : 1);
	rc = outbox_run(src, sql, p, nitems(p), NULL, cause);
	free(sql);
	if (rc == -1) {
		free(tok);
		return -1;
	}
	q.params = p;
	if (db_run(src, &q, &res, &err) == -1) {
		free(tok);
		return kf_error(cause, "outbox: %s", err.msg);
	}
	*out = xcalloc(res->nrows ? res->nrows : 1, sizeof **out);
	for (i = 0; i < res->nrows; i++) {
		(*out)[i].id = DB_CELL(res, i, 0)->i;
		(*out)[i].channel = outbox_cell(res, i, 1);
		(*out)[i].recipient = outbox_cell(res, i, 2);
		(*out)[i].subject = outbox_cell(res, i, 3);
		(*out)[i].body = outbox_cell(res, i, 4);
		(*out)[i].attempts = (int)DB_CELL(res, i, 5)->i;
	}
	*n = res->nrows;
	db_result_free(res);
	*token = tok;
	return 0;
}

int
store_outbox_done(struct db_source *src, int64_t id, const char *token,
    const char *now, const char *error, const char *retry_at, char **cause)
{
	struct db_param ok[3] = {
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_TEXT, .s = token },
	};
	struct db_param bad[4] = {
		{ .type = DBV_TEXT, .s = error },
		{ .type = DBV_TIMESTAMP, .s = retry_at ? retry_at : now },
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_TEXT, .s = token },
	};
	struct db_result *res = NULL;
	int64_t changed;

	if (error == NULL) {
		if (outbox_run(src, "UPDATE outbox SET status = 'sent', "
		    "sent_at = ?, last_error = NULL, claimed_by = NULL, "
		    "claimed_at = NULL WHERE id = ? AND claimed_by = ? AND "
		    "status = 'claimed'", ok, nitems(ok), &res, cause) == -1)
			return -1;
	} else if (outbox_run(src, "UPDATE outbox SET status = CASE WHEN "
	    "attempts >= max_attempts THEN 'failed' ELSE 'queued' END, "
	    "last_error = ?, next_attempt_at = ?, claimed_by = NULL, "
	    "claimed_at = NULL WHERE id = ? AND claimed_by = ? AND status = "
	    "'claimed'", bad, nitems(bad), &res, cause) == -1)
		return -1;
	changed = res->affected;
	db_result_free(res);
	if (changed == 0)
		return kf_error(cause, "outbox: message %lld is not claimed by "
		    "%s (claim expired and taken by another worker?)",
		    (long long)id, token);
	return 0;
}
