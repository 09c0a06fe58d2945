/*
 * outbox.c: the outbound message queue of the local store and its send
 * states -- enqueue under an idempotency key, claim due messages for one
 * worker under a lease so that several kefud nodes never send one twice
 * (one UPDATE per claim: FOR UPDATE SKIP LOCKED on PostgreSQL, InnoDB row
 * locks on MySQL/MariaDB, the single writer on SQLite), mark a message
 * "submitting" durably before it is handed over (its campaign's budget
 * weighed in that commit, under a lock of the campaign), record the
 * outcome, turn what a crash left "submitting" into "unknown", and check
 * opt-outs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "store/store-int.h"
#include "util/util.h"

#define OUTBOX_TRIES 8

/* The columns store_msg is read from, in its order. */
#define OUTBOX_COLS "id, channel, recipient, recipient_name, subject, " \
	"body, body_html, msg_class, member_id, attempts, max_attempts, " \
	"status, last_error, remote_id, idem_key, next_attempt_at, " \
	"created_at, sent_at, campaign_id, cost, parts"
/* The outbox with each message's text (body, body_html). */
#define OUTBOX_FROM "outbox JOIN outbox_content ON outbox_id = id"

static int outbox_tx(struct db_source *, db_tx_h *, void *, char **);

const char *const store_outbox_states[] = {
	"queued", "claimed", "submitting", "submitted", "delivered",
	"failed", "unknown", "suppressed", "cancelled", NULL
};

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
		if (tries == OUTBOX_TRIES ||
		    strncmp(err.sqlstate, "40", 2) != 0)
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

/* Run a write; *changed gets the rows it changed. */
static int
outbox_write(struct db_source *src, const char *sql, const struct db_param *p,
    size_t np, int64_t *changed, char **cause)
{
	struct db_result *res;

	if (outbox_run(src, sql, p, np, &res, cause) == -1)
		return -1;
	if (changed != NULL)
		*changed = res->affected;
	db_result_free(res);
	return 0;
}

static char *
outbox_cell(struct db_result *r, size_t row, size_t col)
{
	struct db_value *v = DB_CELL(r, row, col);

	return v->null ? NULL : xstrdup(v->s);
}

/* Read rows of OUTBOX_COLS into *out. */
static int
outbox_select(struct db_source *src, const char *sql,
    const struct db_param *p, size_t np, struct store_msg **out, size_t *n,
    char **cause)
{
	static const enum db_vtype types[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	    DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_INT, DBV_INT,
	    DBV_INT, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TIMESTAMP,
	    DBV_TIMESTAMP, DBV_TIMESTAMP, DBV_INT, DBV_INT, DBV_INT };
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .coltypes = types, .ncoltypes = nitems(types) };
	struct db_result *res;
	struct db_err err;
	struct store_msg *m;
	size_t i;

	*out = NULL;
	*n = 0;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "outbox: %s", err.msg);
	*out = xcalloc(res->nrows ? res->nrows : 1, sizeof **out);
	for (i = 0; i < res->nrows; i++) {
		m = &(*out)[i];
		m->id = DB_CELL(res, i, 0)->i;
		m->channel = outbox_cell(res, i, 1);
		m->recipient = outbox_cell(res, i, 2);
		m->recipient_name = outbox_cell(res, i, 3);
		m->subject = outbox_cell(res, i, 4);
		m->body = outbox_cell(res, i, 5);
		m->body_html = outbox_cell(res, i, 6);
		m->msg_class = outbox_cell(res, i, 7);
		m->member_id = DB_CELL(res, i, 8)->null ? 0 :
		    DB_CELL(res, i, 8)->i;
		m->attempts = (int)DB_CELL(res, i, 9)->i;
		m->max_attempts = (int)DB_CELL(res, i, 10)->i;
		m->status = outbox_cell(res, i, 11);
		m->last_error = outbox_cell(res, i, 12);
		m->remote_id = outbox_cell(res, i, 13);
		m->idem_key = outbox_cell(res, i, 14);
		m->next_attempt_at = outbox_cell(res, i, 15);
		m->created_at = outbox_cell(res, i, 16);
		m->sent_at = outbox_cell(res, i, 17);
		m->campaign_id = DB_CELL(res, i, 18)->null ? 0 :
		    DB_CELL(res, i, 18)->i;
		m->cost = (int)DB_CELL(res, i, 19)->i;
		m->parts = (int)DB_CELL(res, i, 20)->i;
	}
	*n = res->nrows;
	db_result_free(res);
	return 0;
}

void
store_msgs_free(struct store_msg *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(m[i].channel);
		free(m[i].recipient);
		free(m[i].recipient_name);
		free(m[i].subject);
		free(m[i].body);
		free(m[i].body_html);
		free(m[i].msg_class);
		free(m[i].status);
		free(m[i].last_error);
		free(m[i].remote_id);
		free(m[i].idem_key);
		free(m[i].next_attempt_at);
		free(m[i].created_at);
		free(m[i].sent_at);
	}
	free(m);
}

/* The id of the message queued under key, or 0. */
static int
outbox_by_key(struct db_source *src, const char *key, int64_t *id,
    char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT };
	struct db_param p = { .type = DBV_TEXT, .s = key };
	struct db_query q = { .sql = "SELECT id FROM outbox WHERE idem_key = ?",
	    .params = &p, .nparams = 1, .coltypes = vt, .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;

	*id = 0;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "outbox: %s", err.msg);
	if (res->nrows == 1)
		*id = DB_CELL(res, 0, 0)->i;
	db_result_free(res);
	return 0;
}

static int
outbox_new_check(const struct store_outbox_new *m, char **cause)
{
	if (m->idem_key == NULL || *m->idem_key == '\0')
		return kf_error(cause, "outbox: a message needs an "
		    "idempotency key");
	if (strlen(m->idem_key) > 100)
		return kf_error(cause, "outbox: idempotency key '%.40s...' "
		    "is longer than 100 bytes", m->idem_key);
	if (m->msg_class == NULL || (strcmp(m->msg_class, "marketing") != 0 &&
	    strcmp(m->msg_class, "transactional") != 0))
		return kf_error(cause, "outbox: message class '%s' is neither "
		    "marketing nor transactional",
		    m->msg_class ? m->msg_class : "");
	return 0;
}

#define OUTBOX_INSERT "INSERT INTO outbox (channel, recipient, " \
	"recipient_name, subject, msg_class, idem_key, " \
	"member_id, max_attempts, next_attempt_at, created_at, " \
	"campaign_id, cost, parts, order_id) VALUES " \
	"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define OUTBOX_NPARAMS 14

/*
 * A message's text, in a table of its own (022_outbox_content.sql): the
 * state changes rewrite only the small outbox row.
 */
#define OUTBOX_CONTENT_INSERT "INSERT INTO outbox_content (outbox_id, " \
	"body, body_html) VALUES (?, ?, ?)"

/* The parameters of OUTBOX_INSERT for m, in p[OUTBOX_NPARAMS]. */
static void
outbox_new_params(const struct store_outbox_new *m, const char *now,
    struct db_param *p)
{
	const struct db_param v[OUTBOX_NPARAMS] = {
		{ .type = DBV_TEXT, .s = m->channel },
		{ .type = DBV_TEXT, .s = m->recipient },
		{ .type = DBV_TEXT, .s = m->recipient_name,
		  .null = m->recipient_name == NULL },
		{ .type = DBV_TEXT, .s = m->subject,
		  .null = m->subject == NULL },
		{ .type = DBV_TEXT, .s = m->msg_class },
		{ .type = DBV_TEXT, .s = m->idem_key },
		{ .type = DBV_INT, .i = m->member_id,
		  .null = m->member_id == 0 },
		{ .type = DBV_INT, .i = m->max_attempts ? m->max_attempts : 5 },
		{ .type = DBV_TIMESTAMP, .s = m->when ? m->when : now },
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_INT, .i = m->campaign_id,
		  .null = m->campaign_id == 0 },
		{ .type = DBV_INT, .i = m->cost },
		{ .type = DBV_INT, .i = m->parts ? m->parts : 1 },
		{ .type = DBV_INT, .i = m->order_id, .null = m->order_id == 0 },
	};

	memcpy(p, v, sizeof v);
}

/*
 * Queue m (checked) inside tx: its outbox row, its request, its text;
 * *id gets its id.
 */
static int
outbox_insert_tx(struct db_tx *tx, const struct store_outbox_new *m,
    const char *now, int64_t request_id, int64_t *id, struct db_err *err)
{
	static const enum db_vtype vt[] = { DBV_INT };
	struct db_param p[OUTBOX_NPARAMS], k = { .type = DBV_TEXT,
	    .s = m->idem_key };
	struct db_param r[2] = { { .type = DBV_INT, .i = request_id },
	    { .type = DBV_TEXT, .s = m->idem_key } };
	struct db_param c[3];
	struct db_query q = { .sql = OUTBOX_INSERT, .params = p,
	    .nparams = nitems(p), .writes = 1 };
	struct db_result *res;

	*id = 0;
	outbox_new_params(m, now, p);
	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	db_result_free(res);
	if (request_id != 0) {
		q = (struct db_query){ .sql = "UPDATE outbox SET request_id = "
		    "? WHERE idem_key = ?", .params = r, .nparams = 2,
		    .writes = 1 };
		if (db_tx_run(tx, &q, &res, err) == -1)
			return -1;
		db_result_free(res);
	}
	q = (struct db_query){ .sql = "SELECT id FROM outbox WHERE "
	    "idem_key = ?", .params = &k, .nparams = 1, .coltypes = vt,
	    .ncoltypes = 1 };
	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	if (res->nrows == 1)
		*id = DB_CELL(res, 0, 0)->i;
	db_result_free(res);
	if (*id == 0) {
		err->sqlstate[0] = '\0';
		snprintf(err->msg, sizeof err->msg, "message %s not found "
		    "after it was queued", m->idem_key);
		return -1;
	}
	c[0] = (struct db_param){ .type = DBV_INT, .i = *id };
	c[1] = (struct db_param){ .type = DBV_TEXT, .s = m->body };
	c[2] = (struct db_param){ .type = DBV_TEXT, .s = m->body_html,
	    .null = m->body_html == NULL };
	q = (struct db_query){ .sql = OUTBOX_CONTENT_INSERT, .params = c,
	    .nparams = 3, .writes = 1 };
	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	db_result_free(res);
	return 0;
}

struct outbox_enqueue {
	const struct store_outbox_new *m;
	const char *now;
	int64_t id;
};

static int
outbox_enqueue_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct outbox_enqueue *a = arg;

	return outbox_insert_tx(tx, a->m, a->now, 0, &a->id, err);
}

int
store_outbox_enqueue(struct db_source *src, const struct store_outbox_new *m,
    const char *now, int64_t *id, int *duplicate, char **cause)
{
	struct outbox_enqueue a = { .m = m, .now = now };
	char *err = NULL;

	*duplicate = 0;
	*id = 0;
	if (outbox_new_check(m, cause) == -1)
		return -1;
	/* The row and its text together, or neither. */
	if (outbox_tx(src, outbox_enqueue_tx, &a, &err) == 0) {
		*id = a.id;
		return 0;
	}
	/* A key already queued is the same message enqueued again. */
	if (outbox_by_key(src, m->idem_key, id, NULL) == 0 && *id != 0) {
		free(err);
		*duplicate = 1;
		return 0;
	}
	if (cause != NULL)
		*cause = err;
	else
		free(err);
	return -1;
}

#define OUTBOX_ATT_INSERT "INSERT INTO outbox_attachments (outbox_id, " \
	"seq, content_type, filename, path, inline_id) VALUES " \
	"(?, ?, ?, ?, ?, ?)"
#define OUTBOX_ATT_NPARAMS 6

static void
outbox_att_params(int64_t id, int seq, const struct store_attachment *a,
    struct db_param *p)
{
	const struct db_param v[OUTBOX_ATT_NPARAMS] = {
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_INT, .i = seq },
		{ .type = DBV_TEXT, .s = a->content_type },
		{ .type = DBV_TEXT, .s = a->filename },
		{ .type = DBV_TEXT, .s = a->path },
		{ .type = DBV_TEXT, .s = a->inline_id,
		  .null = a->inline_id == NULL },
	};

	memcpy(p, v, sizeof v);
}

int
store_outbox_attach(struct db_source *src, int64_t id, int seq,
    const struct store_attachment *a, char **cause)
{
	struct db_param p[OUTBOX_ATT_NPARAMS];

	outbox_att_params(id, seq, a, p);
	return outbox_run(src, OUTBOX_ATT_INSERT, p, nitems(p), NULL, cause);
}

/* Rows of (outbox_id, content_type, filename, path, inline_id). */
static int
outbox_att_read(struct db_source *src, const struct db_query *q,
    struct store_attachment **out, size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	    DBV_TEXT, DBV_TEXT };
	struct db_query qt = *q;
	struct db_result *res;
	struct db_err err;
	size_t i;

	*out = NULL;
	*n = 0;
	qt.coltypes = vt;
	qt.ncoltypes = nitems(vt);
	if (db_run(src, &qt, &res, &err) == -1)
		return kf_error(cause, "outbox: %s", err.msg);
	*out = xcalloc(res->nrows ? res->nrows : 1, sizeof **out);
	for (i = 0; i < res->nrows; i++) {
		(*out)[i].outbox_id = DB_CELL(res, i, 0)->i;
		(*out)[i].content_type = outbox_cell(res, i, 1);
		(*out)[i].filename = outbox_cell(res, i, 2);
		(*out)[i].path = outbox_cell(res, i, 3);
		(*out)[i].inline_id = outbox_cell(res, i, 4);
	}
	*n = res->nrows;
	db_result_free(res);
	return 0;
}

int
store_outbox_attachments(struct db_source *src, int64_t id,
    struct store_attachment **out, size_t *n, char **cause)
{
	struct db_param p = { .type = DBV_INT, .i = id };
	struct db_query q = { .sql = "SELECT outbox_id, content_type, "
	    "filename, path, inline_id FROM outbox_attachments WHERE "
	    "outbox_id = ? ORDER BY seq", .params = &p, .nparams = 1 };

	return outbox_att_read(src, &q, out, n, cause);
}

int
store_outbox_attachments_claim(struct db_source *src, const char *token,
    struct store_attachment **out, size_t *n, char **cause)
{
	struct db_param p = { .type = DBV_TEXT, .s = token };
	struct db_query q = { .sql = "SELECT a.outbox_id, a.content_type, "
	    "a.filename, a.path, a.inline_id FROM outbox_attachments a JOIN "
	    "outbox o ON o.id = a.outbox_id WHERE o.claimed_by = ? AND "
	    "o.status = 'submitting' ORDER BY a.outbox_id, a.seq",
	    .params = &p, .nparams = 1 };

	return outbox_att_read(src, &q, out, n, cause);
}

void
store_attachments_free(struct store_attachment *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free((char *)a[i].content_type);
		free((char *)a[i].filename);
		free((char *)a[i].path);
		free((char *)a[i].inline_id);
	}
	free(a);
}

/*
 * The claiming UPDATE of each dialect; %zu is the batch size.  SQLite's
 * takes the queued and the lapsed claims each in the order of its index
 * (outbox_due, outbox_lease), so that a claim reads the batch it takes,
 * not every message due (with one OR, it read and sorted the whole
 * queue at each claim: a broadcast's claims grew with its square).
 */
static char *
outbox_claim_sql(const char *dialect, int by_channel, size_t max)
{
	static const char set[] = "UPDATE outbox SET status = 'claimed', "
	    "claimed_by = ?, claimed_at = ?, lease_until = ?, "
	    "attempts = attempts + 1 ";
	const char *chan = by_channel ? "channel = ? AND " : "";
	static const char due[] = "((status = 'queued' AND next_attempt_at "
	    "<= ?) OR (status = 'claimed' AND lease_until < ?))";

	if (strcmp(dialect, "mysql") == 0)
		return xasprintf("%sWHERE %s%s ORDER BY next_attempt_at, id "
		    "LIMIT %zu", set, chan, due, max);
	if (strcmp(dialect, "sqlite") == 0)
		return xasprintf("%sWHERE id IN (SELECT id FROM (SELECT id, "
		    "next_attempt_at FROM (SELECT id, next_attempt_at FROM "
		    "outbox WHERE status = 'queued' AND %snext_attempt_at <= ? "
		    "ORDER BY next_attempt_at, id LIMIT %zu) UNION ALL SELECT "
		    "id, next_attempt_at FROM (SELECT id, next_attempt_at FROM "
		    "outbox WHERE status = 'claimed' AND %slease_until < ? "
		    "ORDER BY next_attempt_at, id LIMIT %zu)) ORDER BY "
		    "next_attempt_at, id LIMIT %zu)", set, chan, max, chan,
		    max, max);
	return xasprintf("%sWHERE id IN (SELECT id FROM outbox WHERE %s%s "
	    "ORDER BY next_attempt_at, id LIMIT %zu%s)", set, chan, due, max,
	    strcmp(dialect, "postgresql") == 0 ?
	    " FOR UPDATE SKIP LOCKED" : "");
}

static char *
outbox_token(const char *worker)
{
	unsigned char rnd[6];

	if (RAND_bytes(rnd, sizeof rnd) != 1)
		return NULL;
	return xasprintf("%.48s/%02x%02x%02x%02x%02x%02x", worker, rnd[0],
	    rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
}

int
store_outbox_claim(struct db_source *src, const char *dialect,
    const char *worker, const char *channel, const char *now,
    const char *lease_until, size_t max, char **token,
    struct store_msg **out, size_t *n, char **cause)
{
	struct db_param p[7];
	size_t np = 0;
	char *sql, *tok;
	int rc;

	*out = NULL;
	*n = 0;
	*token = NULL;
	if ((tok = outbox_token(worker)) == NULL)
		return kf_error(cause, "outbox: no random bytes for a claim");
	p[np++] = (struct db_param){ .type = DBV_TEXT, .s = tok };
	p[np++] = (struct db_param){ .type = DBV_TIMESTAMP, .s = now };
	p[np++] = (struct db_param){ .type = DBV_TIMESTAMP, .s = lease_until };
	if (channel != NULL)
		p[np++] = (struct db_param){ .type = DBV_TEXT, .s = channel };
	p[np++] = (struct db_param){ .type = DBV_TIMESTAMP, .s = now };
	/* SQLite's: the channel again, for the lapsed claims */
	if (channel != NULL && strcmp(dialect, "sqlite") == 0)
		p[np++] = (struct db_param){ .type = DBV_TEXT, .s = channel };
	p[np++] = (struct db_param){ .type = DBV_TIMESTAMP, .s = now };
	sql = outbox_claim_sql(dialect, channel != NULL, max ? max : 1);
	rc = outbox_run(src, sql, p, np, NULL, cause);
	free(sql);
	if (rc == 0)
		rc = outbox_select(src, "SELECT " OUTBOX_COLS " FROM "
		    OUTBOX_FROM " WHERE claimed_by = ? AND status = 'claimed' "
		    "ORDER BY id", p, 1, out, n, cause);
	if (rc == -1) {
		free(tok);
		return -1;
	}
	*token = tok;
	return 0;
}

/*
 * Run sql, an UPDATE of message id as long as token's claim holds; -1
 * with *cause when it changed no row (the claim is no longer token's).
 */
static int
outbox_claimed(struct db_source *src, const char *sql,
    const struct db_param *p, size_t np, int64_t id, const char *token,
    char **cause)
{
	int64_t changed;

	if (outbox_write(src, sql, p, np, &changed, cause) == -1)
		return -1;
	if (changed == 0)
		return kf_error(cause, "outbox: message %lld is not claimed "
		    "by %s (claim expired and taken by another worker, or "
		    "cancelled?)", (long long)id, token);
	return 0;
}

int
store_outbox_submitting(struct db_source *src, int64_t id, const char *token,
    const char *now, char **cause)
{
	struct db_param p[3] = {
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_TEXT, .s = token },
	};

	return outbox_claimed(src, "UPDATE outbox SET status = 'submitting', "
	    "submitting_at = ? WHERE id = ? AND claimed_by = ? AND status = "
	    "'claimed'", p, nitems(p), id, token, cause);
}

int
store_outbox_submitted(struct db_source *src, int64_t id, const char *token,
    const char *now, const char *remote_id, char **cause)
{
	struct db_param p[4] = {
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_TEXT, .s = remote_id, .null = remote_id == NULL },
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_TEXT, .s = token },
	};

	return outbox_claimed(src, "UPDATE outbox SET status = 'submitted', "
	    "sent_at = ?, remote_id = ?, last_error = NULL, claimed_by = NULL, "
	    "claimed_at = NULL, lease_until = NULL WHERE id = ? AND "
	    "claimed_by = ? AND status IN ('claimed', 'submitting')", p,
	    nitems(p), id, token, cause);
}

int
store_outbox_done(struct db_source *src, int64_t id, const char *token,
    const char *now, const char *error, const char *retry_at, char **cause)
{
	struct db_param bad[4] = {
		{ .type = DBV_TEXT, .s = error },
		{ .type = DBV_TIMESTAMP, .s = retry_at ? retry_at : now },
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_TEXT, .s = token },
	};

	if (error == NULL)
		return store_outbox_submitted(src, id, token, now, NULL, cause);
	return outbox_claimed(src, "UPDATE outbox SET status = CASE WHEN "
	    "attempts >= max_attempts THEN 'failed' ELSE 'queued' END, "
	    "last_error = ?, next_attempt_at = ?, claimed_by = NULL, "
	    "claimed_at = NULL, lease_until = NULL WHERE id = ? AND "
	    "claimed_by = ? AND status IN ('claimed', 'submitting')", bad,
	    nitems(bad), id, token, cause);
}

int
store_outbox_release(struct db_source *src, int64_t id, const char *token,
    const char *retry_at, char **cause)
{
	struct db_param p[3] = {
		{ .type = DBV_TIMESTAMP, .s = retry_at },
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_TEXT, .s = token },
	};

	return outbox_claimed(src, "UPDATE outbox SET status = 'queued', "
	    "attempts = attempts - 1, next_attempt_at = ?, claimed_by = NULL, "
	    "claimed_at = NULL, lease_until = NULL WHERE id = ? AND "
	    "claimed_by = ? AND status = 'claimed'", p, nitems(p), id, token,
	    cause);
}

int
store_outbox_end(struct db_source *src, int64_t id, const char *token,
    const char *status, const char *reason, char **cause)
{
	struct db_param p[4] = {
		{ .type = DBV_TEXT, .s = status },
		{ .type = DBV_TEXT, .s = reason },
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_TEXT, .s = token },
	};

	if (strcmp(status, "failed") != 0 &&
	    strcmp(status, "suppressed") != 0 &&
	    strcmp(status, "unknown") != 0 &&
	    strcmp(status, "cancelled") != 0)
		return kf_error(cause, "outbox: a message cannot end as '%s'",
		    status);
	return outbox_claimed(src, "UPDATE outbox SET status = ?, "
	    "last_error = ?, claimed_by = NULL, claimed_at = NULL, "
	    "lease_until = NULL WHERE id = ? AND claimed_by = ? AND status IN "
	    "('claimed', 'submitting')", p, nitems(p), id, token, cause);
}

static int outbox_any(struct db_source *src, const char *sql,
    const struct db_param *p, size_t np, int *yes, char **cause);

int
store_outbox_recover(struct db_source *src, const char *now, int *unknown,
    int *resent, char **cause)
{
	struct db_param p[2] = {
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_TIMESTAMP, .s = now },
	};
	int64_t n1, n2;
	int any;

	if (resent != NULL)
		*resent = 0;
	if (unknown != NULL)
		*unknown = 0;
	/*
	 * Asked first by a read, which takes no write lock: a worker asks
	 * before each claim, and nothing is to recover nearly always.
	 */
	if (outbox_any(src, "SELECT COUNT(*) FROM outbox WHERE status = "
	    "'submitting' AND lease_until < ?", p, 1, &any, cause) == -1)
		return -1;
	if (!any)
		return 0;
	/*
	 * A lease that ran out while "submitting" means the worker died
	 * between marking the message and recording the MTA's answer: it
	 * may or may not have gone.  Transactional messages (an order
	 * notice, a complaint's reply) are sent again; marketing stays
	 * "unknown" rather than risk sending a special twice.
	 */
	if (outbox_write(src, "UPDATE outbox SET status = 'queued', "
	    "next_attempt_at = ?, last_error = 'unknown: the sender stopped "
	    "while submitting; sent again (transactional)', claimed_by = NULL, "
	    "claimed_at = NULL, lease_until = NULL WHERE status = 'submitting' "
	    "AND lease_until < ? AND msg_class = 'transactional'", p, 2, &n1,
	    cause) == -1)
		return -1;
	if (outbox_write(src, "UPDATE outbox SET status = 'unknown', "
	    "last_error = 'unknown: the sender stopped while submitting; not "
	    "sent again (marketing)', claimed_by = NULL, claimed_at = NULL, "
	    "lease_until = NULL WHERE status = 'submitting' AND "
	    "lease_until < ? AND msg_class = 'marketing'", p + 1, 1, &n2,
	    cause) == -1)
		return -1;
	if (resent != NULL)
		*resent = (int)n1;
	if (unknown != NULL)
		*unknown = (int)n2;
	if (n1 + n2 > 0)
		log_warnx("outbox: %lld message(s) were cut off while "
		    "submitting: %lld transactional queued again, %lld "
		    "marketing left unknown", (long long)(n1 + n2),
		    (long long)n1, (long long)n2);
	return 0;
}

int
store_outbox_list(struct db_source *src, const char *status, size_t max,
    struct store_msg **out, size_t *n, char **cause)
{
	struct db_param p = { .type = DBV_TEXT, .s = status };
	char *sql;
	int rc;

	sql = xasprintf("SELECT " OUTBOX_COLS " FROM " OUTBOX_FROM "%s "
	    "ORDER BY id DESC LIMIT %zu", status ? " WHERE status = ?" : "",
	    max ? max : 50);
	rc = outbox_select(src, sql, &p, status ? 1 : 0, out, n, cause);
	free(sql);
	return rc;
}

int
store_outbox_get(struct db_source *src, int64_t id, struct store_msg **out,
    char **cause)
{
	struct db_param p = { .type = DBV_INT, .i = id };
	size_t n;

	if (outbox_select(src, "SELECT " OUTBOX_COLS " FROM " OUTBOX_FROM
	    " WHERE id = ?", &p, 1, out, &n, cause) == -1)
		return -1;
	if (n == 0) {
		store_msgs_free(*out, 0);
		*out = NULL;
		return kf_error(cause, "outbox: no message %lld",
		    (long long)id);
	}
	return 0;
}

int
store_outbox_retry(struct db_source *src, int64_t id, const char *now,
    char **cause)
{
	struct db_param p[2] = {
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_INT, .i = id },
	};
	int64_t changed;

	if (outbox_write(src, "UPDATE outbox SET status = 'queued', "
	    "attempts = 0, next_attempt_at = ?, claimed_by = NULL, "
	    "claimed_at = NULL, lease_until = NULL WHERE id = ? AND status IN "
	    "('queued', 'failed', 'unknown', 'cancelled')", p, 2, &changed,
	    cause) == -1)
		return -1;
	if (changed == 0)
		return kf_error(cause, "outbox: message %lld is not queued, "
		    "failed, unknown or cancelled (see kefu outbox show %lld)",
		    (long long)id, (long long)id);
	return 0;
}

int
store_outbox_cancel(struct db_source *src, int64_t id, char **cause)
{
	struct db_param p = { .type = DBV_INT, .i = id };
	int64_t changed;

	/* A claimed message is cancelled before its worker submits it. */
	if (outbox_write(src, "UPDATE outbox SET status = 'cancelled', "
	    "claimed_by = NULL, claimed_at = NULL, lease_until = NULL WHERE "
	    "id = ? AND status IN ('queued', 'claimed', 'failed', 'unknown')",
	    &p, 1, &changed, cause) == -1)
		return -1;
	if (changed == 0)
		return kf_error(cause, "outbox: message %lld cannot be "
		    "cancelled: it is being submitted, already sent, or no "
		    "such message (see kefu outbox show %lld)", (long long)id,
		    (long long)id);
	return 0;
}

/* 1 when the SELECT COUNT(*) sql counts a row. */
static int
outbox_any(struct db_source *src, const char *sql, const struct db_param *p,
    size_t np, int *yes, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT };
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .coltypes = vt, .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;

	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "outbox: %s", err.msg);
	*yes = res->nrows == 1 && DB_CELL(res, 0, 0)->i > 0;
	db_result_free(res);
	return 0;
}

int
store_optout(struct db_source *src, const char *service, const char *address,
    int64_t member_id, int *out, char **why, char **cause)
{
	static const enum db_vtype vt[] = { DBV_TEXT, DBV_TIMESTAMP };
	char national[40], intl[48];
	struct db_param p[5] = {
		{ .type = DBV_TEXT, .s = service },
		{ .type = DBV_TEXT, .s = address },
		{ .type = DBV_TEXT, .s = national },
		{ .type = DBV_TEXT, .s = intl },
		{ .type = DBV_INT, .i = member_id },
	};
	struct db_query q = { .sql = "SELECT action, recorded_at FROM "
	    "consent_ledger WHERE service = ? AND (LOWER(address) IN "
	    "(LOWER(?), ?, ?) OR member_id = ?) ORDER BY recorded_at DESC, "
	    "id DESC LIMIT 1",
	    .params = p, .nparams = 5, .coltypes = vt, .ncoltypes = 2 };
	struct db_result *res;
	struct db_err err;
	char *sql;
	int rc;

	*out = 0;
	*why = NULL;
	/* a mobile number matches in its national and +86 forms too */
	if (strcmp(service, "email") == 0 ||
	    store_sms_number(address, national, sizeof national) == -1)
		snprintf(national, sizeof national, "%.39s", address);
	snprintf(intl, sizeof intl, "+86%s", national);
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "outbox: %s", err.msg);
	if (res->nrows == 1 && strcmp(DB_CELL(res, 0, 0)->s,
	    "unsubscribe") == 0) {
		*out = 1;
		*why = xasprintf("opted out of %s on %s (consent ledger)",
		    service, DB_CELL(res, 0, 1)->s);
	}
	db_result_free(res);
	if (*out)
		return 0;
	/*
	 * Mobile numbers are compared as they are, so that members_mobile
	 * serves the lookup (with LOWER() every check of a broadcast read
	 * every member); e-mail addresses without regard to case.
	 */
	sql = xasprintf("SELECT COUNT(*) FROM member_services s JOIN members m "
	    "ON m.id = s.member_id WHERE s.service = ? AND s.enabled = 0 AND "
	    "(%s OR m.id = ?)", strcmp(service, "email") == 0 ?
	    "LOWER(m.email) IN (LOWER(?), ?, ?)" : "m.mobile IN (?, ?, ?)");
	rc = outbox_any(src, sql, p, 5, out, cause);
	free(sql);
	if (rc == 0 && *out)
		*why = xasprintf("%s service turned off for the member",
		    service);
	return rc;
}

/* ---- inside a transaction of the caller's (a case and its notices) ---- */

int
store_outbox_enqueue_tx(struct db_tx *tx, const struct store_outbox_new *m,
    const char *now, int64_t request_id, int64_t *id, char **cause)
{
	struct db_err err;

	*id = 0;
	if (outbox_new_check(m, cause) == -1)
		return -1;
	if (outbox_insert_tx(tx, m, now, request_id, id, &err) == -1)
		return kf_error(cause, "outbox: %s", err.msg);
	return 0;
}

int
store_outbox_sms_tx(struct db_tx *tx, const char *to, const char *key,
    const char *body, const char *now, int64_t request_id, int64_t *id,
    char **cause)
{
	struct store_outbox_new m = { .channel = "sms", .recipient = to,
	    .body = body, .msg_class = "transactional", .idem_key = key };

	return store_outbox_enqueue_tx(tx, &m, now, request_id, id, cause);
}

int
store_outbox_attach_tx(struct db_tx *tx, int64_t id, int seq,
    const struct store_attachment *a, char **cause)
{
	struct db_param p[OUTBOX_ATT_NPARAMS];
	struct db_query q = { .sql = OUTBOX_ATT_INSERT, .params = p,
	    .nparams = nitems(p), .writes = 1 };
	struct db_result *res;
	struct db_err err;

	outbox_att_params(id, seq, a, p);
	if (db_tx_run(tx, &q, &res, &err) == -1)
		return kf_error(cause, "outbox: %s", err.msg);
	db_result_free(res);
	return 0;
}

int
store_outbox_marketing_sent(struct db_source *src, int64_t member_id,
    const char *recipient, const char *since, int64_t except, int *n,
    char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT };
	struct db_param p[3] = {
		{ .type = DBV_TIMESTAMP, .s = since },
		{ .type = DBV_INT, .i = except },
		/* a member is counted over all channels; an address alone */
		member_id != 0 ?
		    (struct db_param){ .type = DBV_INT, .i = member_id } :
		    (struct db_param){ .type = DBV_TEXT, .s = recipient },
	};
	struct db_query q = { .sql = member_id != 0 ?
	    "SELECT COUNT(*) FROM outbox WHERE msg_class = 'marketing' AND "
	    "status IN ('submitting', 'submitted', 'delivered', 'unknown') AND "
	    "COALESCE(sent_at, submitting_at) >= ? AND id <> ? AND "
	    "member_id = ?" :
	    "SELECT COUNT(*) FROM outbox WHERE msg_class = 'marketing' AND "
	    "status IN ('submitting', 'submitted', 'delivered', 'unknown') AND "
	    "COALESCE(sent_at, submitting_at) >= ? AND id <> ? AND "
	    "recipient = ?", .params = p, .nparams = 3, .coltypes = vt,
	    .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;

	*n = 0;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "outbox: %s", err.msg);
	if (res->nrows == 1)
		*n = (int)DB_CELL(res, 0, 0)->i;
	db_result_free(res);
	return 0;
}

/* The most customers one query of the cap asks about. */
#define OUTBOX_CAP_ASK 300

/* The query of store_outbox_marketing_sent_many for ask[0..n). */
static char *
outbox_cap_sql(const struct store_cap_ask *ask, size_t n, const char *since,
    struct db_param *p, size_t *np)
{
	struct strbuf sql = STRBUF_INIT;
	size_t i, nm = 0, nr = 0;

	*np = 0;
	p[(*np)++] = (struct db_param){ .type = DBV_TIMESTAMP, .s = since };
	sb_adds(&sql, "SELECT member_id, recipient, COUNT(*) FROM outbox "
	    "WHERE msg_class = 'marketing' AND status IN ('submitting', "
	    "'submitted', 'delivered', 'unknown') AND COALESCE(sent_at, "
	    "submitting_at) >= ? AND (member_id IN (");
	for (i = 0; i < n; i++)
		if (ask[i].member_id != 0) {
			sb_adds(&sql, nm++ ? ", ?" : "?");
			p[(*np)++] = (struct db_param){ .type = DBV_INT,
			    .i = ask[i].member_id };
		}
	if (nm == 0)
		sb_adds(&sql, "NULL");
	sb_adds(&sql, ") OR recipient IN (");
	for (i = 0; i < n; i++)
		if (ask[i].member_id == 0) {
			sb_adds(&sql, nr++ ? ", ?" : "?");
			p[(*np)++] = (struct db_param){ .type = DBV_TEXT,
			    .s = ask[i].recipient };
		}
	if (nr == 0)
		sb_adds(&sql, "NULL");
	sb_adds(&sql, ")) GROUP BY member_id, recipient");
	return sb_steal(&sql);
}

/* Add the counts of res (member_id, recipient, count) to ask[0..n). */
static void
outbox_cap_add(struct db_result *res, struct store_cap_ask *ask, size_t n)
{
	struct db_value *mv, *rv;
	size_t row, i;
	int c;

	for (row = 0; row < res->nrows; row++) {
		mv = DB_CELL(res, row, 0);
		rv = DB_CELL(res, row, 1);
		c = (int)DB_CELL(res, row, 2)->i;
		for (i = 0; i < n; i++) {
			if (ask[i].member_id != 0 ? !mv->null &&
			    mv->i == ask[i].member_id : !rv->null &&
			    strcmp(rv->s, ask[i].recipient) == 0)
				ask[i].n += c;
		}
	}
}

int
store_outbox_marketing_sent_many(struct db_source *src, const char *since,
    struct store_cap_ask *ask, size_t n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_TEXT, DBV_INT };
	struct db_param *p;
	struct db_query q = { .coltypes = vt, .ncoltypes = nitems(vt) };
	struct db_result *res;
	struct db_err err;
	size_t i, k;
	char *sql;
	int rc = 0;

	for (i = 0; i < n; i++)
		ask[i].n = 0;
	for (i = 0; i < n && rc == 0; i += k) {
		k = n - i < OUTBOX_CAP_ASK ? n - i : OUTBOX_CAP_ASK;
		p = xcalloc(k + 1, sizeof *p);
		sql = outbox_cap_sql(ask + i, k, since, p, &q.nparams);
		q.sql = sql;
		q.params = p;
		if (db_run(src, &q, &res, &err) == -1)
			rc = kf_error(cause, "outbox: %s", err.msg);
		else {
			outbox_cap_add(res, ask + i, k);
			db_result_free(res);
		}
		free(sql);
		free(p);
	}
	return rc;
}

struct outbox_record {
	const struct store_outcome *o;
	size_t n;
	const char *token;
};

/* The UPDATE that makes a claim's messages submitting. */
#define OUTBOX_SUBMITTING "UPDATE outbox SET status = 'submitting', " \
	"submitting_at = ? WHERE claimed_by = ? AND status = 'claimed'"

static int outbox_record_tx(struct db_tx *tx, void *arg,
    struct db_err *err);

/* The group before's outcomes, then this claim made submitting. */
struct outbox_submitting {
	const char *token;
	const char *now;
	const char *prev_token;
	const struct store_outcome *prev;
	size_t nprev;
	struct store_spend *sp;         /* of campaigns with a budget */
	size_t nsp;
	int64_t *camps;                 /* their campaigns, ascending */
	size_t ncamps;
};

/* The distinct campaigns of a->sp, ascending, into a->camps. */
static void
outbox_spend_campaigns(struct outbox_submitting *a)
{
	size_t i, j, k;

	a->camps = xcalloc(a->nsp ? a->nsp : 1, sizeof *a->camps);
	a->ncamps = 0;
	for (i = 0; i < a->nsp; i++) {
		for (j = 0; j < a->ncamps &&
		    a->camps[j] < a->sp[i].campaign_id; j++)
			;
		if (j < a->ncamps && a->camps[j] == a->sp[i].campaign_id)
			continue;
		for (k = a->ncamps++; k > j; k--)
			a->camps[k] = a->camps[k - 1];
		a->camps[j] = a->sp[i].campaign_id;
	}
}

/*
 * Lock each campaign's row, in id order, before the transaction touches
 * any outbox row: a second worker weighing the same campaign waits here
 * until this commit, then reads the spend it made (a row lock on
 * PostgreSQL and InnoDB -- taken first, so that two such commits never
 * hold outbox rows the other waits for; SQLite's BEGIN IMMEDIATE holds
 * the whole store already).
 */
static int
outbox_spend_lock(struct db_tx *tx, const struct outbox_submitting *a,
    struct db_err *err)
{
	struct db_param p = { .type = DBV_INT };
	struct db_query q = { .sql = "UPDATE campaigns SET budget = budget "
	    "WHERE id = ?", .params = &p, .nparams = 1, .writes = 1 };
	struct db_result *res;
	size_t i;

	for (i = 0; i < a->ncamps; i++) {
		p.i = a->camps[i];
		if (db_tx_run(tx, &q, &res, err) == -1)
			return -1;
		db_result_free(res);
	}
	return 0;
}

/* End one message over its campaign's budget "suppressed". */
static int
outbox_spend_over(struct db_tx *tx, const struct outbox_submitting *a,
    const struct store_spend *s, struct db_err *err)
{
	struct db_param p[3] = {
		{ .type = DBV_TEXT, .s = s->reason },
		{ .type = DBV_INT, .i = s->id },
		{ .type = DBV_TEXT, .s = a->token },
	};
	struct db_query q = { .sql = "UPDATE outbox SET status = "
	    "'suppressed', last_error = ?, claimed_by = NULL, claimed_at = "
	    "NULL, lease_until = NULL WHERE id = ? AND claimed_by = ? AND "
	    "status = 'claimed'", .params = p, .nparams = 3, .writes = 1 };
	struct db_result *res;

	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	db_result_free(res);
	return 0;
}

/*
 * Weigh campaign id's messages of a->sp, in id order, against its budget
 * and what it has spent (read under the lock, after the group before's
 * outcomes gave back what did not go): each that fits is reserved, the
 * others end suppressed.
 */
static int
outbox_spend_one(struct db_tx *tx, struct outbox_submitting *a, int64_t id,
    struct db_err *err)
{
	static const enum db_vtype vt[] = { DBV_TEXT, DBV_INT, DBV_INT };
	struct db_param p = { .type = DBV_INT, .i = id };
	struct db_query q = { .sql = "SELECT c.name, c.budget, (SELECT "
	    "COALESCE(SUM(o.cost), 0) FROM outbox o WHERE o.campaign_id = "
	    "c.id AND o.status IN ('submitting', 'submitted', 'delivered', "
	    "'unknown')) FROM campaigns c WHERE c.id = ?", .params = &p,
	    .nparams = 1, .coltypes = vt, .ncoltypes = nitems(vt),
	    .writes = 1 };
	struct db_result *res;
	struct store_spend *s;
	int64_t budget = -1, spent = 0;
	char *name = NULL;
	size_t i;
	int rc = 0;

	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	if (res->nrows == 1) {
		name = xstrdup(DB_CELL(res, 0, 0)->s);
		budget = DB_CELL(res, 0, 1)->null ? -1 : DB_CELL(res, 0, 1)->i;
		spent = DB_CELL(res, 0, 2)->i;
	}
	db_result_free(res);
	for (i = 0; i < a->nsp && rc == 0; i++) {
		s = &a->sp[i];
		if (s->campaign_id != id)
			continue;
		if (budget < 0 || spent + s->cost <= budget) {
			spent += s->cost;
			continue;
		}
		s->over = 1;
		snprintf(s->reason, sizeof s->reason, "campaign '%.100s' "
		    "budget: %lld of %lld fen spent, this message costs %d",
		    name ? name : "?", (long long)spent, (long long)budget,
		    s->cost);
		rc = outbox_spend_over(tx, a, s, err);
	}
	free(name);
	return rc;
}

static int
outbox_submitting_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct outbox_submitting *a = arg;
	struct outbox_record r = { .o = a->prev, .n = a->nprev,
	    .token = a->prev_token };
	struct db_param p[2] = {
		{ .type = DBV_TIMESTAMP, .s = a->now },
		{ .type = DBV_TEXT, .s = a->token },
	};
	struct db_query q = { .sql = OUTBOX_SUBMITTING, .params = p,
	    .nparams = 2, .writes = 1 };
	struct db_result *res;
	size_t i;

	for (i = 0; i < a->nsp; i++) {
		a->sp[i].over = 0;
		a->sp[i].reason[0] = '\0';
	}
	if (outbox_spend_lock(tx, a, err) == -1 ||
	    outbox_record_tx(tx, &r, err) == -1)
		return -1;
	for (i = 0; i < a->ncamps; i++)
		if (outbox_spend_one(tx, a, a->camps[i], err) == -1)
			return -1;
	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	db_result_free(res);
	return 0;
}

/*
 * Run fn in a transaction; one that InnoDB or PostgreSQL chose as a
 * deadlock's victim (SQLSTATE 40001, 40P01) was rolled back whole and
 * is run again -- on InnoDB, whose UPDATE by claimed_by locks every row
 * it scans, two workers' commits can hold rows the other waits for.
 */
static int
outbox_tx(struct db_source *src, db_tx_h *fn, void *arg, char **cause)
{
	struct db_err err;
	int tries;

	for (tries = 1; db_tx(src, fn, arg, &err) == -1; tries++) {
		if (tries == OUTBOX_TRIES ||
		    strncmp(err.sqlstate, "40", 2) != 0)
			return kf_error(cause, "outbox: %s", err.msg);
		log_debug("outbox: %s, trying again", err.msg);
		sleep_ms((unsigned)(tries * 7));
	}
	return 0;
}

int
store_outbox_submitting_all(struct db_source *src, const char *token,
    const char *now, const char *prev_token, const struct store_outcome *prev,
    size_t nprev, struct store_spend *sp, size_t nsp, int64_t **ids,
    size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT };
	struct outbox_submitting a = { token, now, prev_token, prev,
	    prev_token != NULL ? nprev : 0, sp, nsp, NULL, 0 };
	struct db_param p[2] = {
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_TEXT, .s = token },
	};
	struct db_query q = { .sql = "SELECT id FROM outbox WHERE claimed_by "
	    "= ? AND status = 'submitting' ORDER BY id", .params = p + 1,
	    .nparams = 1, .coltypes = vt, .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;
	size_t i;
	int rc = 0;

	*ids = NULL;
	*n = 0;
	/*
	 * One commit for the group: durable before any of it is sent.  The
	 * group before's outcomes and the budgets' reservations share it
	 * when there are any.
	 */
	outbox_spend_campaigns(&a);
	if (a.nprev == 0 && a.nsp == 0)
		rc = outbox_write(src, OUTBOX_SUBMITTING, p, 2, NULL, cause);
	else
		rc = outbox_tx(src, outbox_submitting_tx, &a, cause);
	free(a.camps);
	if (rc == -1) {
		for (i = 0; i < nsp; i++)
			sp[i].over = 0;
		return -1;
	}
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "outbox: %s", err.msg);
	*ids = xcalloc(res->nrows ? res->nrows : 1, sizeof **ids);
	for (i = 0; i < res->nrows; i++)
		(*ids)[i] = DB_CELL(res, i, 0)->i;
	*n = res->nrows;
	db_result_free(res);
	return 0;
}

/*
 * Outcomes are recorded a group at a time: one UPDATE for the messages
 * of one kind and time, each text (remote id, error) by a CASE on the
 * id when they differ (a real MTA's queue ids do).  At most
 * OUTBOX_GROUP messages a statement: three parameters each, under
 * SQLite's oldest limit of 999.
 */
#define OUTBOX_GROUP 200

/* What an outcome sets: @ stands for its text, # for its time. */
static const char *
outbox_outcome_set(int what)
{
	switch (what) {
	case STORE_SUBMITTED:
		return "status = 'submitted', sent_at = #, remote_id = @, "
		    "last_error = NULL";
	case STORE_RETRY:
		return "status = CASE WHEN attempts >= max_attempts THEN "
		    "'failed' ELSE 'queued' END, last_error = @, "
		    "next_attempt_at = #";
	case STORE_FAILED:
		return "status = 'failed', last_error = @, next_attempt_at = #";
	case STORE_UNKNOWN:
		return "status = 'unknown', last_error = @, "
		    "next_attempt_at = #";
	case STORE_UNTRIED:
	default:
		return "status = 'queued', attempts = attempts - 1, "
		    "next_attempt_at = #, submitting_at = #";
	}
}

/* 1 when o's text is the same as t's (both NULL included). */
static int
outbox_same_text(const struct store_outcome *o, const struct store_outcome *t)
{
	if (o->text == NULL || t->text == NULL)
		return o->text == t->text;
	return strcmp(o->text, t->text) == 0;
}

/* A text parameter: o's text, NULL when it has none. */
static struct db_param
outbox_text_param(const struct store_outcome *o)
{
	return (struct db_param){ .type = DBV_TEXT, .s = o->text,
	    .null = o->text == NULL };
}

/* Append @'s SQL and parameters for the group g[0..n). */
static void
outbox_group_text(struct strbuf *sql, struct db_param *p, size_t *np,
    const struct store_outcome *const *g, size_t n)
{
	size_t i;

	for (i = 1; i < n && outbox_same_text(g[i], g[0]); i++)
		;
	if (i == n) {
		sb_addc(sql, '?');
		p[(*np)++] = outbox_text_param(g[0]);
		return;
	}
	sb_adds(sql, "CASE id");
	for (i = 0; i < n; i++) {
		sb_adds(sql, " WHEN ? THEN ?");
		p[(*np)++] = (struct db_param){ .type = DBV_INT,
		    .i = g[i]->id };
		p[(*np)++] = outbox_text_param(g[i]);
	}
	sb_adds(sql, " END");
}

/*
 * The UPDATE recording the outcomes g[0..n), all of one kind and time,
 * as long as token's claim holds them: set, then the claim let go.
 */
static char *
outbox_group_sql(const struct store_outcome *const *g, size_t n,
    const char *token, struct db_param *p, size_t *np)
{
	struct strbuf sql = STRBUF_INIT;
	const char *c;
	size_t i;

	*np = 0;
	sb_adds(&sql, "UPDATE outbox SET ");
	for (c = outbox_outcome_set(g[0]->what); *c != '\0'; c++) {
		if (*c == '@')
			outbox_group_text(&sql, p, np, g, n);
		else if (*c == '#') {
			sb_addc(&sql, '?');
			p[(*np)++] = (struct db_param){ .type = DBV_TIMESTAMP,
			    .s = g[0]->at };
		} else
			sb_addc(&sql, *c);
	}
	sb_adds(&sql, ", claimed_by = NULL, claimed_at = NULL, lease_until = "
	    "NULL WHERE id IN (");
	for (i = 0; i < n; i++) {
		sb_adds(&sql, i ? ", ?" : "?");
		p[(*np)++] = (struct db_param){ .type = DBV_INT,
		    .i = g[i]->id };
	}
	sb_adds(&sql, ") AND claimed_by = ? AND status = 'submitting'");
	p[(*np)++] = (struct db_param){ .type = DBV_TEXT, .s = token };
	return sb_steal(&sql);
}

/* 1 when a and b are recorded by one UPDATE: one kind, one time. */
static int
outbox_same_group(const struct store_outcome *a, const struct store_outcome *b)
{
	return a->what == b->what && strcmp(a->at, b->at) == 0;
}

/* Record the outcomes g[0..n) of one group in one UPDATE. */
static int
outbox_record_group(struct db_tx *tx, const char *token,
    const struct store_outcome *const *g, size_t n, struct db_err *err)
{
	struct db_param *p = xcalloc(3 * n + 3, sizeof *p);
	struct db_query q = { .params = p, .writes = 1 };
	struct db_result *res;
	char *sql = outbox_group_sql(g, n, token, p, &q.nparams);
	int rc;

	q.sql = sql;
	rc = db_tx_run(tx, &q, &res, err);
	if (rc == 0)
		db_result_free(res);
	free(sql);
	free(p);
	return rc;
}

static int
outbox_record_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct outbox_record *r = arg;
	const struct store_outcome **g;
	unsigned char *done;
	size_t i, j, n;
	int rc = 0;

	if (r->n == 0)
		return 0;
	g = xcalloc(r->n, sizeof *g);
	done = xcalloc(r->n, 1);
	for (i = 0; i < r->n && rc == 0; i++) {
		if (done[i])
			continue;
		for (n = 0, j = i; j < r->n && n < OUTBOX_GROUP; j++)
			if (!done[j] && outbox_same_group(&r->o[j],
			    &r->o[i])) {
				done[j] = 1;
				g[n++] = &r->o[j];
			}
		rc = outbox_record_group(tx, r->token, g, n, err);
	}
	free(done);
	free(g);
	return rc;
}

int
store_outbox_record(struct db_source *src, const char *token,
    const struct store_outcome *o, size_t n, char **cause)
{
	struct outbox_record r = { .o = o, .n = n, .token = token };

	if (n == 0)
		return 0;
	return outbox_tx(src, outbox_record_tx, &r, cause);
}
