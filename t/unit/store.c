/*
 * Unit tests for src/store/store.c and pin.c: the local store's
 * migrations on SQLite (always), PostgreSQL (KEFU_TEST_PG, in a schema
 * of its own) and MariaDB (KEFU_TEST_MARIADB, in a database kefu_tPID of
 * its own): init from empty, partial upgrade, idempotent upgrade, the
 * version table, every table, a database from the future, a failing
 * migration; and PIN hashing.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"
#include "../tap.h"
#include "t/store-engines.h"

static const char *const tables[] = {
	"members", "member_services", "consent_ledger", "staff_access",
	"couriers", "orders", "order_lines", "delivery_slips", "requests",
	"campaigns", "outbox", "outbox_attachments", "call_log",
	"call_queries", "outbox_content",
};
static const char *const names[] = {
	"members", "orders", "requests", "messaging", "calls", "member_pins",
	"outbox", "member_calls", "orders", "sms", "campaigns", "cases",
	"staff", "visits", "notices", "order_stock", "sms_points",
	"unconfirmed", "sms_steps", "campaign_spend", "outbox_claim",
	"outbox_content",
};
#define NMIGS ((int)nitems(names))

static char *srcdir, *sqldir;
static struct db_adapters *ads;

/* A copy of sql/ with one more, broken migration for the dialect. */
static char *
bad_sqldir(const char *dialect, int version)
{
	char *dir, *sub, *cmd, *file;
	FILE *fp;

	dir = xasprintf("/tmp/kefu-store-sql-%ld", (long)getpid());
	cmd = xasprintf("rm -rf %s && mkdir -p %s/local && cp -R %s/local/%s "
	    "%s/local/", dir, dir, sqldir, dialect, dir);
	if (system(cmd) != 0)
		tap_diag("%s failed", cmd);
	free(cmd);
	sub = xasprintf("%s/local/%s", dir, dialect);
	file = xasprintf("%s/%03d_broken.sql", sub, version);
	if ((fp = fopen(file, "w")) != NULL) {
		fputs("-- a migration that fails half-way\n"
		    "CREATE TABLE half_done (x INTEGER);\n"
		    "CREATE TABLE broken (;\n", fp);
		fclose(fp);
	}
	free(file);
	free(sub);
	return dir;
}

static void
rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		tap_diag("%s failed", cmd);
	free(cmd);
}

static int ob_seq;

/* Queue a transactional message under a fresh key. */
static int
ob_add(struct db_source *src, const char *channel, const char *to,
    const char *subject, const char *body, const char *when, char **cause)
{
	struct store_outbox_new m = { .channel = channel, .recipient = to,
	    .subject = subject, .body = body, .msg_class = "transactional",
	    .when = when };
	char key[32];
	int64_t id;
	int dup;

	snprintf(key, sizeof key, "t:%d", ++ob_seq);
	m.idem_key = key;
	return store_outbox_enqueue(src, &m, when, &id, &dup, cause);
}

#define OB_MSGS    120
#define OB_THREADS 4

struct ob_worker {
	struct db_source *src;
	const char *dialect;
	char name[16];
	int64_t ids[OB_MSGS];
	size_t nids;
	int errors;
	char *cause;
};

/* Claim batches of five until nothing is due, marking each one sent. */
static void *
ob_work(void *arg)
{
	struct ob_worker *w = arg;
	struct store_msg *m;
	char *tok;
	size_t n, i;

	for (;;) {
		if (store_outbox_claim(w->src, w->dialect, w->name, NULL,
		    "2026-11-22 09:00:00", "2026-11-22 09:10:00", 5, &tok, &m,
		    &n, &w->cause) == -1) {
			w->errors++;
			break;
		}
		for (i = 0; i < n; i++) {
			if (w->nids < OB_MSGS)
				w->ids[w->nids++] = m[i].id;
			if (store_outbox_done(w->src, m[i].id, tok,
			    "2026-11-22 09:00:01", NULL, NULL, &w->cause) == -1)
				w->errors++;
		}
		store_msgs_free(m, n);
		free(tok);
		if (n == 0)
			break;
	}
	return NULL;
}

static int
ob_count(struct db_source *src, const char *where)
{
	static const enum db_vtype vt[] = { DBV_INT };
	struct db_query q = { .coltypes = vt, .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;
	char *sql = xasprintf("SELECT COUNT(*) FROM outbox WHERE %s", where);
	int n = -1;

	q.sql = sql;
	if (db_run(src, &q, &res, &err) == 0) {
		n = (int)DB_CELL(res, 0, 0)->i;
		db_result_free(res);
	} else
		tap_diag("%s: %s", sql, err.msg);
	free(sql);
	return n;
}

static void
test_outbox(struct db_source *src, const char *dialect, const char *label)
{
	struct ob_worker w[OB_THREADS];
	pthread_t th[OB_THREADS];
	struct store_msg *m;
	char *cause = NULL, *tok, *tok2, body[32];
	unsigned char *seen;
	size_t i, j, n, total = 0, twice = 0;
	int errors = 0;

	for (i = 0; i < OB_MSGS; i++) {
		snprintf(body, sizeof body, "特价 %zu", i);
		if (ob_add(src, i % 2 ? "sms" : "email", "13900000000",
		    i % 2 ? NULL : "本周特价", body, "2026-11-22 08:59:00",
		    &cause) == -1)
			errors++;
	}
	is_int(errors, 0, "%s: %d messages queued", label, OB_MSGS);
	if (cause != NULL)
		tap_diag("%s", cause);
	free(cause);
	cause = NULL;
	ob_add(src, "sms", "13900000001", NULL, "later",
	    "2026-11-23 09:00:00", &cause);

	for (i = 0; i < OB_THREADS; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].src = src;
		w[i].dialect = dialect;
		snprintf(w[i].name, sizeof w[i].name, "node%zu", i);
		pthread_create(&th[i], NULL, ob_work, &w[i]);
	}
	seen = xcalloc(OB_MSGS * 4 + 16, 1);
	for (i = 0; i < OB_THREADS; i++) {
		pthread_join(th[i], NULL);
		errors += w[i].errors;
		if (w[i].cause != NULL)
			tap_diag("%s: %s", w[i].name, w[i].cause);
		free(w[i].cause);
		for (j = 0; j < w[i].nids; j++) {
			total++;
			if (w[i].ids[j] >= 0 &&
			    w[i].ids[j] < OB_MSGS * 4 + 16 &&
			    seen[w[i].ids[j]]++)
				twice++;
		}
	}
	free(seen);
	is_int(errors, 0, "%s: %d workers claim and send without errors",
	    label, OB_THREADS);
	is_int(total, OB_MSGS, "%s: every due message claimed", label);
	is_int(twice, 0, "%s: none claimed twice", label);
	is_int(ob_count(src, "status = 'submitted'"), OB_MSGS,
	    "%s: all marked submitted", label);
	is_int(ob_count(src, "status = 'queued'"), 1,
	    "%s: the message due tomorrow waits", label);

	/* Retry, then give up after max_attempts. */
	store_test_exec(src,
	    "UPDATE outbox SET max_attempts = 2, next_attempt_at = "
	    "'2026-11-22 09:00:00' WHERE status = 'queued'");
	store_outbox_claim(src, dialect, "w", NULL, "2026-11-22 09:00:00",
	    "2026-11-22 09:10:00", 10, &tok, &m, &n, &cause);
	is_int(n, 1, "%s: claim the last message", label);
	ok(n == 1 && strcmp(m[0].body, "later") == 0 && m[0].attempts == 1,
	    "%s: its body and first attempt", label);
	ok(n == 1 && store_outbox_done(src, m[0].id, tok, "2026-11-22 09:00:05",
	    "modem busy", "2026-11-22 09:05:00", &cause) == 0,
	    "%s: a failed send is recorded", label);
	is_int(ob_count(src, "status = 'queued' AND last_error = 'modem busy'"),
	    1, "%s: and queued again", label);
	store_msgs_free(m, n);
	free(tok);
	store_outbox_claim(src, dialect, "w", NULL, "2026-11-22 09:01:00",
	    "2026-11-22 09:11:00", 10, &tok, &m, &n, &cause);
	is_int(n, 0, "%s: not before its retry time", label);
	store_msgs_free(m, n);
	free(tok);
	store_outbox_claim(src, dialect, "w", NULL, "2026-11-22 09:06:00",
	    "2026-11-22 09:16:00", 10, &tok, &m, &n, &cause);
	is_int(n, 1, "%s: claimed again after it", label);
	if (n == 1)
		store_outbox_done(src, m[0].id, tok, "2026-11-22 09:06:05",
		    "modem busy", "2026-11-22 09:10:00", &cause);
	is_int(ob_count(src, "status = 'failed'"), 1,
	    "%s: failed for good after max_attempts", label);
	store_msgs_free(m, n);
	free(tok);

	/* A claim left by a dead worker is taken over once stale. */
	ob_add(src, "pager", "1234", NULL, "送货单 0001",
	    "2026-11-22 10:00:00", &cause);
	store_outbox_claim(src, dialect, "dead", NULL, "2026-11-22 10:00:00",
	    "2026-11-22 10:10:00", 10, &tok, &m, &n, &cause);
	is_int(n, 1, "%s: a worker claims a courier message", label);
	store_msgs_free(m, n);
	store_outbox_claim(src, dialect, "alive", NULL, "2026-11-22 10:01:00",
	    "2026-11-22 10:11:00", 10, &tok2, &m, &n, &cause);
	is_int(n, 0, "%s: a fresh claim is not taken over", label);
	store_msgs_free(m, n);
	free(tok2);
	store_outbox_claim(src, dialect, "alive", NULL, "2026-11-22 10:20:00",
	    "2026-11-22 10:30:00", 10, &tok2, &m, &n, &cause);
	is_int(n, 1, "%s: a stale claim is taken over", label);
	ok(n == 1 && store_outbox_done(src, m[0].id, tok, "2026-11-22 10:20:01",
	    NULL, NULL, &cause) == -1, "%s: the dead worker's late result "
	    "is refused", label);
	like(cause, "not claimed", "%s: saying why", label);
	free(cause);
	cause = NULL;
	ok(n == 1 && store_outbox_done(src, m[0].id, tok2,
	    "2026-11-22 10:20:01", NULL, NULL, &cause) == 0,
	    "%s: the new owner's result is kept", label);
	store_msgs_free(m, n);
	free(tok);
	free(tok2);
	free(cause);
}

/* Queue one message of a class under key; its id (0 on failure). */
static int64_t
ob_enqueue(struct db_source *src, const char *channel, const char *to,
    const char *cls, const char *key, int *dup)
{
	struct store_outbox_new m = { .channel = channel, .recipient = to,
	    .subject = "通知", .body = "正文", .msg_class = cls,
	    .idem_key = key };
	char *cause = NULL;
	int64_t id = 0;

	if (store_outbox_enqueue(src, &m, "2026-11-22 11:00:00", &id, dup,
	    &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
		return 0;
	}
	return id;
}

/* Claim at now with a ten-minute lease; the number claimed. */
static size_t
ob_claim(struct db_source *src, const char *dialect, const char *channel,
    const char *now, const char *lease, char **tok, struct store_msg **m)
{
	char *cause = NULL;
	size_t n = 0;

	if (store_outbox_claim(src, dialect, "states", channel, now, lease, 10,
	    tok, m, &n, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
	}
	return n;
}

/*
 * The e-mail worker's batch path: one commit makes a group submitting
 * and records the group before's outcomes; one query reads a group's
 * attachments.
 */
static void
test_outbox_batch(struct db_source *src, const char *dialect,
    const char *label)
{
	struct store_attachment a1 = { "image/png", "1.png", "/tmp/1.png",
	    "one@kefu", 0 }, a2 = { "image/png", "2.png", "/tmp/2.png", NULL,
	    0 }, *att = NULL;
	struct store_outcome out[2];
	struct store_msg *m = NULL;
	char *cause = NULL, *tok = NULL, *tok2 = NULL;
	int64_t a, b, c, *ids = NULL;
	size_t n = 0, natt = 0, nids = 0;
	int dup;

	store_test_exec(src, "DELETE FROM outbox_attachments");
	store_test_exec(src, "DELETE FROM outbox");
	a = ob_enqueue(src, "email", "a@example.test", "marketing", "b:a",
	    &dup);
	b = ob_enqueue(src, "email", "b@example.test", "marketing", "b:b",
	    &dup);
	c = ob_enqueue(src, "email", "c@example.test", "transactional", "b:c",
	    &dup);
	store_outbox_attach(src, a, 2, &a2, &cause);
	store_outbox_attach(src, a, 1, &a1, &cause);
	store_outbox_attach(src, c, 1, &a2, &cause);
	store_outbox_claim(src, dialect, "batch", "email",
	    "2026-11-22 12:00:00", "2026-11-22 12:10:00", 2, &tok, &m, &n,
	    &cause);
	store_msgs_free(m, n);
	ok(n == 2 && store_outbox_submitting_all(src, tok,
	    "2026-11-22 12:00:01", NULL, NULL, 0, NULL, 0, &ids, &nids,
	    &cause) == 0 &&
	    nids == 2 && ids[0] == a && ids[1] == b,
	    "%s: a group of two made submitting", label);
	free(ids);
	ok(store_outbox_attachments_claim(src, tok, &att, &natt, &cause) ==
	    0 && natt == 2 && att[0].outbox_id == a && att[1].outbox_id == a &&
	    strcmp(att[0].filename, "1.png") == 0 &&
	    strcmp(att[0].inline_id, "one@kefu") == 0 &&
	    strcmp(att[1].filename, "2.png") == 0 && att[1].inline_id == NULL,
	    "%s: the group's attachments in one query, by message and seq",
	    label);
	store_attachments_free(att, natt);
	out[0] = (struct store_outcome){ a, STORE_SUBMITTED, "Q1",
	    "2026-11-22 12:00:02" };
	out[1] = (struct store_outcome){ b, STORE_RETRY, "451 later",
	    "2026-11-22 12:30:00" };
	store_outbox_claim(src, dialect, "batch", "email",
	    "2026-11-22 12:00:03", "2026-11-22 12:10:03", 2, &tok2, &m, &n,
	    &cause);
	ok(n == 1 && m[0].id == c, "%s: the next group claimed", label);
	store_msgs_free(m, n);
	is_int(ob_count(src, "status = 'submitting'"), 2,
	    "%s: the group sent is still submitting", label);
	ok(store_outbox_submitting_all(src, tok2, "2026-11-22 12:00:04", tok,
	    out, 2, NULL, 0, &ids, &nids, &cause) == 0 && nids == 1 &&
	    ids[0] == c,
	    "%s: the next group made submitting...", label);
	free(ids);
	is_int(ob_count(src, "status = 'submitted' AND remote_id = 'Q1' AND "
	    "claimed_by IS NULL"), 1, "%s: ... with the outcome of the "
	    "one before", label);
	is_int(ob_count(src, "status = 'queued' AND last_error = '451 later'"),
	    1, "%s: ... and the other's retry", label);
	is_int(ob_count(src, "status = 'submitting'"), 1,
	    "%s: only the new group is submitting", label);
	ok(store_outbox_attachments_claim(src, tok2, &att, &natt, &cause) ==
	    0 && natt == 1 && att[0].outbox_id == c,
	    "%s: the new group's attachment", label);
	store_attachments_free(att, natt);
	free(tok);
	free(tok2);
	free(cause);
	store_test_exec(src, "DELETE FROM outbox_attachments");
	store_test_exec(src, "DELETE FROM outbox");
}

/*
 * A group's outcomes are recorded a kind and a time at a time, each
 * message with its own remote id or error, and only while the claim
 * holds it.
 */
static void
test_outbox_record(struct db_source *src, const char *dialect,
    const char *label)
{
	static const char *const t1 = "2026-11-22 12:00:02",
	    *t2 = "2026-11-22 12:00:03", *t3 = "2026-11-22 12:30:00";
	struct store_outcome out[7];
	struct store_msg *m = NULL;
	struct db_stats s0, s1;
	char *cause = NULL, *tok = NULL, *tok2 = NULL, key[16], *w;
	int64_t id[7], *ids = NULL;
	size_t n = 0, nids = 0, i;
	int dup;

	store_test_exec(src, "DELETE FROM outbox");
	for (i = 0; i < 7; i++) {
		snprintf(key, sizeof key, "r:%zu", i);
		id[i] = ob_enqueue(src, "email", "r@example.test",
		    "transactional", key, &dup);
	}
	store_outbox_claim(src, dialect, "rec", "email",
	    "2026-11-22 12:00:00", "2026-11-22 12:10:00", 6, &tok, &m, &n,
	    &cause);
	store_msgs_free(m, n);
	store_outbox_submitting_all(src, tok, t1, NULL, NULL, 0, NULL, 0,
	    &ids, &nids, &cause);
	free(ids);
	store_outbox_claim(src, dialect, "rec2", "email",
	    "2026-11-22 12:00:00", "2026-11-22 12:10:00", 6, &tok2, &m, &n,
	    &cause);
	store_msgs_free(m, n);
	store_outbox_submitting_all(src, tok2, t1, NULL, NULL, 0, NULL, 0,
	    &ids, &nids, &cause);
	free(ids);
	ok(nids == 1 && n == 1, "%s: record: six messages submitting under "
	    "one claim, one under another", label);
	out[0] = (struct store_outcome){ id[0], STORE_SUBMITTED, "Q1", t1 };
	out[1] = (struct store_outcome){ id[1], STORE_RETRY, "451 later", t3 };
	out[2] = (struct store_outcome){ id[2], STORE_SUBMITTED, "Q3", t1 };
	out[3] = (struct store_outcome){ id[3], STORE_SUBMITTED, NULL, t1 };
	out[4] = (struct store_outcome){ id[4], STORE_SUBMITTED, "Q5", t2 };
	out[5] = (struct store_outcome){ id[5], STORE_UNTRIED, NULL, t3 };
	/* not this claim's: left as it is */
	out[6] = (struct store_outcome){ id[6], STORE_SUBMITTED, "Q7", t1 };
	db_source_stats(src, &s0);
	ok(store_outbox_record(src, tok, out, 7, &cause) == 0,
	    "%s: record: seven outcomes recorded (%s)", label,
	    cause ? cause : "");
	db_source_stats(src, &s1);
	is_int((int)(s1.in_tx - s0.in_tx), 4, "%s: record: in one statement "
	    "a kind and a time (submitted at two times, a retry, one "
	    "untried)", label);
	for (i = 0; i < 5; i++) {
		if (i == 1)
			continue;
		/* sent at t1 (t2 for the fifth), however stored */
		w = xasprintf("id = %lld AND status = 'submitted' AND "
		    "claimed_by IS NULL AND sent_at > '%s' AND sent_at < '%s' "
		    "AND %s%s%s", (long long)id[i], i == 4 ?
		    "2026-11-22 12:00:02.5" : "2026-11-22 12:00:01", i == 4 ?
		    "2026-11-22 12:00:04" : "2026-11-22 12:00:02.5",
		    out[i].text ? "remote_id = '" :
		    "remote_id IS NULL", out[i].text ? out[i].text : "",
		    out[i].text ? "'" : "");
		is_int(ob_count(src, w), 1, "%s: record: message %zu submitted "
		    "with its own remote id", label, i + 1);
		free(w);
	}
	is_int(ob_count(src, "status = 'queued' AND last_error = "
	    "'451 later' AND attempts = 1 AND claimed_by IS NULL"), 1,
	    "%s: record: the retry queued with its error", label);
	is_int(ob_count(src, "status = 'queued' AND attempts = 0 AND "
	    "last_error IS NULL AND claimed_by IS NULL"), 1,
	    "%s: record: the untried queued, its attempt not counted", label);
	is_int(ob_count(src, "status = 'submitting' AND remote_id IS NULL AND "
	    "claimed_by IS NOT NULL"), 1,
	    "%s: record: another claim's message untouched", label);
	free(tok);
	free(tok2);
	free(cause);
	store_test_exec(src, "DELETE FROM outbox");
}

/* One marketing message to addr (of member customer_no cno) in state. */
static void
cap_row(struct db_source *src, const char *cno, const char *addr,
    const char *key, const char *status, const char *sent)
{
	char *sql = xasprintf("INSERT INTO outbox (channel, recipient, "
	    "msg_class, idem_key, member_id, status, next_attempt_at, "
	    "created_at, sent_at) SELECT 'email', '%s', 'marketing', "
	    "'%s', %s, '%s', '%s', '%s', '%s' FROM %s", addr, key,
	    cno ? "id" : "NULL", status, sent, sent, sent, cno ?
	    "members WHERE customer_no = '" : "members WHERE id = (SELECT "
	    "MIN(id) FROM members)");
	char *full = cno ? xasprintf("%s%s'", sql, cno) : xstrdup(sql);

	store_test_exec(src, full);
	free(full);
	free(sql);
}

/*
 * The frequency cap for many customers in one query counts what the
 * query for each one counts: a member on every address, an address by
 * itself, only what was handed over, only within the window.
 */
static void
test_cap_many(struct db_source *src, const char *label)
{
	static const char *const since = "2026-11-20 00:00:00";
	struct store_cap_ask ask[4] = {
		{ 0, "cap-m1@example.test", 0 },        /* member 1 */
		{ 0, "cap-m2@example.test", 0 },        /* member 2 */
		{ 0, "cap-x@example.test", 0 },         /* an address */
		{ 0, "cap-none@example.test", 0 },      /* nothing sent */
	};
	char *cause = NULL;
	size_t i;
	int one, same = 0;

	store_test_exec(src, "DELETE FROM outbox");
	store_test_exec(src, "INSERT INTO members (customer_no, name, email, "
	    "registered_via, registered_at, updated_at) VALUES ('881001', "
	    "'甲', 'cap-m1@example.test', 'paper', '2026-11-01 08:00:00', "
	    "'2026-11-01 08:00:00')");
	store_test_exec(src, "INSERT INTO members (customer_no, name, email, "
	    "registered_via, registered_at, updated_at) VALUES ('881002', "
	    "'乙', 'cap-m2@example.test', 'paper', '2026-11-01 08:00:00', "
	    "'2026-11-01 08:00:00')");
	ask[0].member_id = store_test_count(src, "SELECT id FROM members "
	    "WHERE customer_no = '881001'");
	ask[1].member_id = store_test_count(src, "SELECT id FROM members "
	    "WHERE customer_no = '881002'");
	cap_row(src, "881001", "cap-m1@example.test", "cm:1", "submitted",
	    "2026-11-21 10:00:00");
	/* the same member at another address: counted for the member */
	cap_row(src, "881001", "13900000001", "cm:2", "unknown",
	    "2026-11-21 11:00:00");
	cap_row(src, "881001", "cap-m1@example.test", "cm:3", "submitted",
	    "2026-11-19 10:00:00");      /* before the window */
	cap_row(src, "881002", "cap-m2@example.test", "cm:4", "failed",
	    "2026-11-21 10:00:00");      /* never handed over */
	cap_row(src, "881002", "cap-x@example.test", "cm:5", "delivered",
	    "2026-11-21 10:00:00");      /* a member's, at the address */
	cap_row(src, NULL, "cap-x@example.test", "cm:6", "submitted",
	    "2026-11-22 10:00:00");
	ok(store_outbox_marketing_sent_many(src, since, ask, 4, &cause) == 0,
	    "%s: cap: four customers in one query (%s)", label,
	    cause ? cause : "");
	for (i = 0; i < 4; i++) {
		one = -1;
		store_outbox_marketing_sent(src, ask[i].member_id,
		    ask[i].recipient, since, 0, &one, &cause);
		same += one == ask[i].n;
	}
	ok(same == 4 && ask[0].n == 2 && ask[1].n == 1 && ask[2].n == 2 &&
	    ask[3].n == 0, "%s: cap: each as asked alone (%d %d %d %d)",
	    label, ask[0].n, ask[1].n, ask[2].n, ask[3].n);
	free(cause);
	store_test_exec(src, "DELETE FROM outbox");
}

static void
test_outbox_states(struct db_source *src, const char *dialect,
    const char *label)
{
	struct store_outbox_new bad = { .channel = "email", .recipient = "a@b",
	    .body = "x", .msg_class = "spam", .idem_key = "k" };
	struct store_msg *m;
	char *cause = NULL, *tok, *why = NULL;
	int64_t id, id2, mk, tr;
	int dup = -1, unknown = -1, resent = -1, out = -1;
	size_t n, i;

	store_test_exec(src, "DELETE FROM outbox");
	id = ob_enqueue(src, "email", "a@example.test", "transactional",
	    "order:42:confirmed", &dup);
	ok(id > 0 && dup == 0, "%s: enqueue under a key", label);
	id2 = ob_enqueue(src, "email", "a@example.test", "transactional",
	    "order:42:confirmed", &dup);
	ok(id2 == id && dup == 1, "%s: the same key again is the same message",
	    label);
	is_int(ob_count(src, "idem_key = 'order:42:confirmed'"), 1,
	    "%s: queued once", label);
	ok(store_outbox_enqueue(src, &bad, "2026-11-22 11:00:00", &id2, &dup,
	    &cause) == -1, "%s: class 'spam' is refused", label);
	like(cause, "neither marketing nor transactional", "%s: saying why",
	    label);
	free(cause);
	cause = NULL;
	bad.msg_class = "marketing";
	bad.idem_key = NULL;
	ok(store_outbox_enqueue(src, &bad, "2026-11-22 11:00:00", &id2, &dup,
	    &cause) == -1, "%s: a message without a key is refused", label);
	free(cause);
	cause = NULL;

	/* A channel's worker claims only its channel. */
	ob_enqueue(src, "sms", "13900000002", "transactional", "sms:1", &dup);
	n = ob_claim(src, dialect, "email", "2026-11-22 11:00:00",
	    "2026-11-22 11:10:00", &tok, &m);
	ok(n == 1 && strcmp(m[0].channel, "email") == 0,
	    "%s: the e-mail worker claims the e-mail only", label);
	ok(n == 1 && strcmp(m[0].msg_class, "transactional") == 0 &&
	    strcmp(m[0].idem_key, "order:42:confirmed") == 0,
	    "%s: with its class and key", label);
	ok(n == 1 && store_outbox_submitting(src, m[0].id, tok,
	    "2026-11-22 11:00:01", &cause) == 0, "%s: claimed -> submitting",
	    label);
	ok(n == 1 && store_outbox_submitted(src, m[0].id, tok,
	    "2026-11-22 11:00:02", "4AbC12", &cause) == 0,
	    "%s: submitting -> submitted", label);
	is_int(ob_count(src, "status = 'submitted' AND remote_id = '4AbC12' "
	    "AND submitting_at IS NOT NULL"), 1, "%s: with the queue id",
	    label);
	store_msgs_free(m, n);
	free(tok);
	store_test_exec(src, "DELETE FROM outbox");

	/* A worker dies between "submitting" and the MTA's answer. */
	mk = ob_enqueue(src, "email", "m@example.test", "marketing", "mk:1",
	    &dup);
	tr = ob_enqueue(src, "email", "t@example.test", "transactional",
	    "tr:1", &dup);
	n = ob_claim(src, dialect, "email", "2026-11-22 11:00:00",
	    "2026-11-22 11:10:00", &tok, &m);
	is_int(n, 2, "%s: a marketing and a transactional claimed", label);
	for (i = 0; i < n; i++)
		store_outbox_submitting(src, m[i].id, tok,
		    "2026-11-22 11:00:01", &cause);
	store_msgs_free(m, n);
	ok(store_outbox_recover(src, "2026-11-22 11:05:00", &unknown, &resent,
	    &cause) == 0 && unknown == 0 && resent == 0,
	    "%s: nothing recovered while the lease runs", label);
	is_int(ob_count(src, "status = 'submitting'"), 2,
	    "%s: both still submitting", label);
	ok(store_outbox_recover(src, "2026-11-22 11:11:00", &unknown, &resent,
	    &cause) == 0 && unknown == 1 && resent == 1,
	    "%s: after the lease: one unknown, one sent again", label);
	ok(store_outbox_get(src, mk, &m, &cause) == 0 &&
	    strcmp(m->status, "unknown") == 0,
	    "%s: the marketing message is unknown", label);
	store_msgs_free(m, 1);
	ok(store_outbox_get(src, tr, &m, &cause) == 0 &&
	    strcmp(m->status, "queued") == 0 && m->last_error != NULL,
	    "%s: the transactional one is queued again, with a note", label);
	store_msgs_free(m, 1);
	ok(store_outbox_submitted(src, tr, tok, "2026-11-22 11:11:01", NULL,
	    &cause) == -1, "%s: the dead worker's late answer is refused",
	    label);
	free(cause);
	cause = NULL;
	free(tok);
	n = ob_claim(src, dialect, "email", "2026-11-22 11:12:00",
	    "2026-11-22 11:22:00", &tok, &m);
	ok(n == 1 && m[0].id == tr, "%s: only the transactional one is "
	    "claimed again", label);
	ok(n == 1 && store_outbox_end(src, tr, tok, "suppressed", "opted out",
	    &cause) == 0, "%s: claimed -> suppressed", label);
	store_msgs_free(m, n);
	free(tok);

	/* Cancel and retry from the desk. */
	ok(store_outbox_cancel(src, mk, &cause) == 0,
	    "%s: an unknown message is cancelled", label);
	ok(store_outbox_cancel(src, tr, &cause) == -1,
	    "%s: a suppressed one cannot be", label);
	free(cause);
	cause = NULL;
	ok(store_outbox_retry(src, mk, "2026-11-22 11:13:00", &cause) == 0,
	    "%s: the cancelled one is queued again by retry", label);
	n = ob_claim(src, dialect, NULL, "2026-11-22 11:13:00",
	    "2026-11-22 11:23:00", &tok, &m);
	ok(n == 1 && m[0].id == mk && m[0].attempts == 1,
	    "%s: and claimed with its attempts reset", label);
	store_msgs_free(m, n);
	free(tok);
	ok(store_outbox_list(src, "claimed", 0, &m, &n, &cause) == 0 &&
	    n == 1 && m[0].id == mk, "%s: list by state", label);
	store_msgs_free(m, n);

	/* Opt-outs: the newest ledger row wins; a service turned off. */
	store_test_exec(src, "INSERT INTO members (customer_no, name, email, "
	    "registered_via, registered_at, updated_at) VALUES ('770001', "
	    "'王芳', 'wang@example.test', 'paper', '2026-11-01 08:00:00', "
	    "'2026-11-01 08:00:00')");
	store_optout(src, "email", "Wang@Example.test", 0, &out, &why, &cause);
	is_int(out, 0, "%s: a member who never opted out is sent to", label);
	free(why);
	store_test_exec(src,
	    "INSERT INTO consent_ledger (address, service, action, via, "
	    "recorded_at) VALUES ('wang@example.test', 'email', 'unsubscribe', "
	    "'phone', '2026-11-20 08:00:00')");
	store_optout(src, "email", "Wang@Example.test", 0, &out, &why, &cause);
	is_int(out, 1, "%s: an unsubscribe in the ledger suppresses", label);
	like(why, "consent ledger", "%s: saying where", label);
	free(why);
	store_optout(src, "sms", "wang@example.test", 0, &out, &why, &cause);
	is_int(out, 0, "%s: but only for its service", label);
	free(why);
	store_test_exec(src,
	    "INSERT INTO consent_ledger (address, service, action, via, "
	    "recorded_at) VALUES ('wang@example.test', 'email', 'subscribe', "
	    "'paper', '2026-11-21 08:00:00')");
	store_optout(src, "email", "wang@example.test", 0, &out, &why, &cause);
	is_int(out, 0, "%s: a later subscribe lifts it", label);
	free(why);
	store_test_exec(src,
	    "INSERT INTO member_services (member_id, service, enabled, "
	    "since) SELECT id, 'email', 0, '2026-11-22 08:00:00' FROM members "
	    "WHERE customer_no = '770001'");
	store_optout(src, "email", "wang@example.test", 0, &out, &why, &cause);
	is_int(out, 1, "%s: a service turned off suppresses", label);
	free(why);
	free(cause);
	store_test_exec(src, "DELETE FROM member_services");
	store_test_exec(src, "DELETE FROM consent_ledger");
	store_test_exec(src,
	    "DELETE FROM members WHERE customer_no = '770001'");
}

/* Run sql (a format) that writes; -1 said with tap_diag. */
static int
steps_exec(struct db_source *src, const char *fmt, ...)
{
	va_list ap;
	char *sql;
	int rc;

	va_start(ap, fmt);
	sql = xvasprintf(fmt, ap);
	va_end(ap);
	rc = store_test_exec(src, sql);
	free(sql);
	return rc;
}

/* A case and its SMS reply to number at when. */
static void
steps_case(struct db_source *src, const char *no, const char *number,
    const char *when)
{
	steps_exec(src, "INSERT INTO requests (ticket_no, kind, received_at, "
	    "updated_at) VALUES ('%s', 'complaint', '%s', '%s')", no, when,
	    when);
	steps_exec(src, "INSERT INTO outbox (channel, recipient, body, "
	    "idem_key, status, next_attempt_at, created_at, request_id) "
	    "SELECT 'sms', '%s', '已处理', 'case:%s:reply:1', 'submitted', "
	    "'%s', '%s', id FROM requests WHERE ticket_no = '%s'", number, no,
	    when, when, no);
}

/* An SMS received from sender at when. */
static void
steps_in(struct db_source *src, const char *key, const char *sender,
    const char *body, const char *when)
{
	steps_exec(src, "INSERT INTO sms_inbox (modem, sender, body, "
	    "received_at, dedup_key) VALUES ('gsm0', '%s', '%s', '%s', '%s')",
	    sender, body, when, key);
}

/* The sms-in steps of case no, "at|detail" a line each (malloc'd). */
static char *
steps_of(struct db_source *src, const char *no)
{
	static const enum db_vtype vt[] = { DBV_TIMESTAMP, DBV_TEXT };
	struct db_query q = { .coltypes = vt, .ncoltypes = 2 };
	struct strbuf sb = STRBUF_INIT;
	struct db_result *res;
	struct db_err err;
	char *sql;
	size_t i;

	sql = xasprintf("SELECT e.at, e.detail FROM case_events e JOIN "
	    "requests r ON r.id = e.request_id WHERE r.ticket_no = '%s' AND "
	    "e.kind = 'sms-in' ORDER BY e.at", no);
	q.sql = sql;
	if (db_run(src, &q, &res, &err) == -1)
		tap_diag("%s: %s", sql, err.msg);
	else {
		for (i = 0; i < res->nrows; i++)
			sb_addf(&sb, "%s|%s\n", DB_CELL(res, i, 0)->s,
			    DB_CELL(res, i, 1)->s);
		db_result_free(res);
	}
	free(sql);
	return sb_steal(&sb);
}

/*
 * Migration 019 on a store at 018: the SMS answers received before 017
 * become sms-in steps of the latest case that replied to that number in
 * the 168 hours before (bare or +86); none for an answer too late, from
 * an unknown number, kept already, or received after 017; run again, it
 * adds nothing.
 */
static void
test_sms_steps(struct db_source *src, struct conf_datasource *ds,
    const char *dialect, const char *label)
{
	struct strbuf kinds = STRBUF_INIT;
	struct store_case *c;
	struct db_err err;
	char *cause = NULL, *path, *text = NULL, *v;
	int applied = -1;
	size_t i;

	steps_case(src, "T-1", "13900000001", "2026-11-20 09:00:00");
	steps_case(src, "T-2", "+8613900000001", "2026-11-21 09:00:00");
	steps_case(src, "T-3", "13900000003", "2026-11-01 09:00:00");
	steps_case(src, "T-4", "13900000004", "2099-01-01 09:00:00");
	steps_in(src, "k1", "+8613900000001", "谢谢，收到", "2026-11-20 10:00:00");
	steps_in(src, "k2", "13900000001", "还是不行", "2026-11-21 10:00:00");
	steps_in(src, "k3", "+8613900000003", "太晚了", "2026-11-20 10:00:00");
	steps_in(src, "k4", "+8613900000009", "你好", "2026-11-20 10:00:00");
	steps_in(src, "k5", "+8613900000001", "已记下", "2026-11-22 10:00:00");
	steps_in(src, "k6", "+8613900000004", "以后", "2099-01-01 10:00:00");
	/* T-1's own steps around its answer, added before it */
	steps_exec(src, "INSERT INTO case_events (request_id, kind, at, "
	    "detail) SELECT id, 'reply', '2026-11-20 09:00:00', '已处理' FROM "
	    "requests WHERE ticket_no = 'T-1'");
	steps_exec(src, "INSERT INTO case_events (request_id, kind, at, "
	    "detail) SELECT id, 'note', '2026-11-21 08:00:00', '回访' FROM "
	    "requests WHERE ticket_no = 'T-1'");
	/* k5 kept already (by the GSM worker of 017) */
	steps_exec(src, "INSERT INTO case_events (request_id, kind, at, "
	    "detail, inbox_id) SELECT r.id, 'sms-in', i.received_at, "
	    "'SMS from +8613900000001: 已记下', i.id FROM requests r, "
	    "sms_inbox i WHERE r.ticket_no = 'T-2' AND i.dedup_key = 'k5'");
	ok(store_upgrade(src, ds, sqldir, 0, &applied, &cause) == 0,
	    "%s: upgrade to the latest (019 on the old answers)", label);
	if (cause != NULL)
		tap_diag("%s", cause);
	free(cause);
	cause = NULL;
	is_int(applied, NMIGS - 18, "%s: 019_sms_steps and later applied",
	    label);
	v = steps_of(src, "T-1");
	is_str(v, "2026-11-20 10:00:00|SMS from +8613900000001: 谢谢，收到\n",
	    "%s: an answer before 017 is a step of the case replied to", label);
	free(v);
	v = steps_of(src, "T-2");
	is_str(v, "2026-11-21 10:00:00|SMS from 13900000001: 还是不行\n"
	    "2026-11-22 10:00:00|SMS from +8613900000001: 已记下\n",
	    "%s: of the latest case that replied (bare number), the one "
	    "kept already not again", label);
	free(v);
	if (store_case_get(src, "T-1", &c, &cause) == 0) {
		for (i = 0; i < c->nevents; i++)
			sb_addf(&kinds, "%s%s", i ? " " : "",
			    c->events[i].kind);
		store_case_free(c);
	} else {
		tap_diag("%s", cause);
		free(cause);
		cause = NULL;
	}
	is_str(sb_str(&kinds), "reply sms-in note", "%s: kefu case "
	    "show lists it in time, not in the order the rows came", label);
	sb_free(&kinds);
	is_int(store_test_count(src, "SELECT COUNT(*) FROM case_events e "
	    "JOIN requests r ON r.id = e.request_id WHERE r.ticket_no IN "
	    "('T-3', 'T-4')"), 0, "%s: none 168 hours after the reply, none "
	    "received after 017", label);
	is_int(store_test_count(src, "SELECT COUNT(*) FROM case_events "
	    "WHERE kind = 'sms-in'"), 3, "%s: three sms-in steps in all "
	    "(none for an unknown number)", label);
	path = xasprintf("%s/local/%s/019_sms_steps.sql", sqldir, dialect);
	ok(file_read(path, &text, NULL, &cause) == 0 &&
	    db_run_script(src, text, &err) == 0, "%s: 019 run again", label);
	if (cause != NULL)
		tap_diag("%s", cause);
	free(cause);
	free(text);
	free(path);
	is_int(store_test_count(src, "SELECT COUNT(*) FROM case_events "
	    "WHERE kind = 'sms-in'"), 3, "%s: ... adds nothing", label);
	/* 022_outbox_content moved each text out of outbox */
	is_int(ob_count(src, "idem_key LIKE 'case:T-%' AND id IN (SELECT "
	    "outbox_id FROM outbox_content WHERE body = '已处理' AND "
	    "body_html IS NULL)"), 4, "%s: 022 moves the texts", label);
	store_test_exec(src, "DELETE FROM case_events");
	store_test_exec(src, "DELETE FROM sms_inbox");
	store_test_exec(src, "DELETE FROM outbox WHERE idem_key LIKE 'case:%'");
	/* SQLite leaves foreign keys off: ON DELETE CASCADE acts elsewhere */
	if (strcmp(dialect, "sqlite") != 0)
		is_int(store_test_count(src, "SELECT COUNT(*) FROM "
		    "outbox_content WHERE body = '已处理'"), 0,
		    "%s: a message deleted takes its text along", label);
	store_test_exec(src, "DELETE FROM requests");
}

/* What store_optout says of one recipient: its why, or NULL. */
static char *
optout_one(struct db_source *src, const char *service,
    const struct store_optout_ask *a)
{
	char *why = NULL, *cause = NULL;
	int out = 0;

	if (store_optout(src, service, a->address, a->member_id, &out, &why,
	    &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
	}
	if (!out) {
		free(why);
		why = NULL;
	}
	return why;
}

/*
 * A batch's opt-outs at once: the same answers as store_optout asked
 * one recipient at a time, whatever made them (the newest ledger row by
 * address in any case or number form, by member, a service turned off,
 * an address beyond ASCII asked on its own).
 */
static void
test_optout_many(struct db_source *src, const char *label)
{
	static const struct {
		const char *address, *action, *at;
		int member;     /* 1: recorded for member 770003 */
	} rows[] = {
		{ "zhao@example.test", "unsubscribe", "10:00", 0 },
		{ "zhao@example.test", "subscribe", "11:00", 0 },
		{ "qian@example.test", "unsubscribe", "10:00", 0 },
		{ "sun@example.test", "subscribe", "10:00", 0 },
		{ "sun@example.test", "unsubscribe", "10:00", 0 },
		{ "old@example.test", "unsubscribe", "10:00", 1 },
		{ "müller@example.test", "unsubscribe", "10:00", 0 },
	};
	struct store_optout_ask ask[] = {
		{ "zhao@example.test", 0, NULL },       /* subscribed again */
		{ "QIAN@Example.test", 0, NULL },       /* any case */
		{ "sun@example.test", 0, NULL },        /* same time: id */
		{ "li@example.test", 0, NULL },         /* service off */
		{ "new@example.test", 0, NULL },        /* member: set below */
		{ "nobody@example.test", 0, NULL },
		{ "müller@example.test", 0, NULL },     /* beyond ASCII */
	};
	static const int want[] = { 0, 1, 1, 1, 1, 0, 1 };
	struct store_optout_ask sms[] = {
		{ "13900139000", 0, NULL },             /* ledger as +86 */
		{ "13800138000", 0, NULL },
	};
	long long mb;
	char *cause = NULL, *one, *sql;
	size_t i;

	store_test_exec(src, "INSERT INTO members (customer_no, name, email, "
	    "mobile, registered_via, registered_at, updated_at) VALUES "
	    "('770002', '李', 'Li@Example.test', '13700137000', 'paper', "
	    "'2026-11-01 08:00:00', '2026-11-01 08:00:00')");
	store_test_exec(src, "INSERT INTO members (customer_no, name, email, "
	    "registered_via, registered_at, updated_at) VALUES ('770003', "
	    "'陈', 'new@example.test', 'paper', '2026-11-01 08:00:00', "
	    "'2026-11-01 08:00:00')");
	store_test_exec(src, "INSERT INTO member_services (member_id, "
	    "service, enabled, since) SELECT id, 'email', 0, '2026-11-22 "
	    "08:00:00' FROM members WHERE customer_no = '770002'");
	mb = store_test_count(src, "SELECT id FROM members WHERE customer_no "
	    "= '770003'");
	ask[4].member_id = mb;
	for (i = 0; i < nitems(rows); i++) {
		sql = xasprintf("INSERT INTO consent_ledger (address, "
		    "member_id, action, recorded_at, service, via) VALUES "
		    "('%s', %s, '%s', '2026-11-20 %s:00', 'email', 'staff')",
		    rows[i].address, rows[i].member ? "(SELECT id FROM "
		    "members WHERE customer_no = '770003')" : "NULL",
		    rows[i].action, rows[i].at);
		store_test_exec(src, sql);
		free(sql);
	}
	store_test_exec(src, "INSERT INTO consent_ledger (address, service, "
	    "action, via, recorded_at) VALUES ('+8613900139000', 'sms', "
	    "'unsubscribe', 'sms', '2026-11-20 10:00:00')");
	ok(store_optout_many(src, "email", ask, nitems(ask), &cause) == 0,
	    "%s: seven e-mail recipients asked at once", label);
	for (i = 0; i < nitems(ask); i++) {
		one = optout_one(src, "email", &ask[i]);
		ok((ask[i].why != NULL) == want[i], "%s: %s %s", label,
		    ask[i].address, want[i] ? "opted out" : "sent to");
		is_str(ask[i].why ? ask[i].why : "-", one ? one : "-",
		    "%s: %s as asked alone", label, ask[i].address);
		free(one);
		free(ask[i].why);
	}
	ok(store_optout_many(src, "sms", sms, nitems(sms), &cause) == 0 &&
	    sms[0].why != NULL && sms[1].why == NULL,
	    "%s: a mobile number in its national form meets its +86 row",
	    label);
	for (i = 0; i < nitems(sms); i++)
		free(sms[i].why);
	free(cause);
	store_test_exec(src, "DELETE FROM member_services");
	store_test_exec(src, "DELETE FROM consent_ledger");
	store_test_exec(src, "DELETE FROM members WHERE customer_no IN "
	    "('770002', '770003')");
}

static void
test_engine(const char *label, struct conf_datasource *ds,
    const char *want_dialect)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_TEXT };
	struct store_status st;
	struct db_source *src;
	struct db_query q = { .sql = "SELECT version, name FROM "
	    STORE_VERSION_TABLE " ORDER BY version", .coltypes = vt,
	    .ncoltypes = 2 };
	struct db_result *res;
	struct db_err err;
	char *cause = NULL, *bad, *path = NULL, *sql;
	const char *dialect;
	size_t i, missing = 0, namebad = 0;
	int applied = -1, v = -1, exists;

	if (store_sqlite_path(ds, &path, &cause) == -1 ||
	    db_source_open(ds, ads, &src, &cause) == -1) {
		ok(0, "%s: open: %s", label, cause);
		free(cause);
		return;
	}
	free(path);
	dialect = store_dialect(src, ds, &cause);
	is_str(dialect, want_dialect, "%s: dialect", label);
	if (dialect == NULL) {
		tap_diag("%s", cause);
		db_source_close(src);
		return;
	}

	/* A database that already has a table of ours (kefu pointed at a
	 * foreign database): init fails and leaves no version table. */
	ok(store_test_exec(src, "CREATE TABLE members (x INTEGER)") == 0,
	    "%s: a foreign table named members", label);
	ok(store_upgrade(src, ds, sqldir, 0, &applied, &cause) == -1,
	    "%s: init over it fails", label);
	like(cause, "001_members.sql", "%s: naming the migration", label);
	free(cause);
	cause = NULL;
	if (strcmp(dialect, "mysql") != 0) {
		store_table_exists(src, dialect, STORE_VERSION_TABLE, &exists,
		    &cause);
		is_int(exists, 0, "%s: and leaves no version table behind",
		    label);
	} else
		store_test_exec(src,
		    "DROP TABLE IF EXISTS " STORE_VERSION_TABLE);
	store_test_exec(src, "DROP TABLE members");

	ok(store_status(src, ds, sqldir, &st, &cause) == 0,
	    "%s: status of an empty database", label);
	is_int(st.current, 0, "%s: version 0 before init", label);
	is_int(st.latest, (int)nitems(names), "%s: latest version", label);
	is_int(st.npending, nitems(names), "%s: everything pending", label);
	store_status_free(&st);

	ok(store_upgrade(src, ds, sqldir, 2, &applied, &cause) == 0,
	    "%s: upgrade to version 2", label);
	is_int(applied, 2, "%s: two migrations applied", label);
	store_version(src, dialect, &v, &cause);
	is_int(v, 2, "%s: version 2 recorded", label);
	ok(store_test_exec(src, "SELECT COUNT(*) FROM orders") == 0,
	    "%s: orders exists at version 2", label);
	store_status(src, ds, sqldir, &st, &cause);
	is_int(st.npending, NMIGS - 2, "%s: all but two pending at version 2",
	    label);
	store_status_free(&st);

	ok(store_upgrade(src, ds, sqldir, 5, &applied, &cause) == 0,
	    "%s: upgrade to version 5", label);
	is_int(applied, 3, "%s: three more applied", label);
	/* 007_outbox keeps what the old outbox held. */
	ok(store_test_exec(src,
	    "INSERT INTO outbox (channel, recipient, body, status, "
	    "next_attempt_at, created_at) VALUES ('sms', '13900000009', "
	    "'old', 'sent', '2026-11-20 08:00:00', '2026-11-20 08:00:00')")
	    == 0, "%s: a message sent before 007", label);
	ok(store_upgrade(src, ds, sqldir, 18, &applied, &cause) == 0,
	    "%s: upgrade to version 18", label);
	is_int(applied, 13, "%s: 006_member_pins, 007_outbox and later "
	    "applied", label);
	test_sms_steps(src, ds, dialect, label);
	is_int(ob_count(src, "status = 'submitted' AND id IN (SELECT "
	    "outbox_id FROM outbox_content WHERE body = 'old') AND "
	    "idem_key LIKE 'outbox:%' AND msg_class = 'transactional'"), 1,
	    "%s: the old row is submitted, with a key and a class", label);
	store_test_exec(src, "DELETE FROM outbox");
	ok(store_upgrade(src, ds, sqldir, 0, &applied, &cause) == 0,
	    "%s: upgrade again", label);
	is_int(applied, 0, "%s: upgrade is idempotent", label);
	store_version(src, dialect, &v, &cause);
	is_int(v, (int)nitems(names), "%s: the latest version", label);

	if (db_run(src, &q, &res, &err) == 0) {
		is_int(res->nrows, nitems(names), "%s: one version row per "
		    "migration", label);
		for (i = 0; i < res->nrows && i < nitems(names); i++)
			if (DB_CELL(res, i, 0)->i != (int64_t)i + 1 ||
			    strcmp(DB_CELL(res, i, 1)->s, names[i]) != 0)
				namebad++;
		is_int(namebad, 0, "%s: version rows name their migrations",
		    label);
		db_result_free(res);
	} else
		ok(0, "%s: read the version table: %s", label, err.msg);

	for (i = 0; i < nitems(tables); i++) {
		sql = xasprintf("SELECT COUNT(*) FROM %s", tables[i]);
		if (store_test_exec(src, sql) == -1)
			missing++;
		free(sql);
	}
	is_int(missing, 0, "%s: all %zu tables exist", label, nitems(tables));
	test_outbox(src, dialect, label);
	test_optout_many(src, label);
	test_outbox_states(src, dialect, label);
	test_outbox_batch(src, dialect, label);
	test_outbox_record(src, dialect, label);
	test_cap_many(src, label);

	ok(store_test_exec(src,
	    "INSERT INTO members (customer_no, registered_via, "
	    "registered_at, updated_at) VALUES ('880001', 'paper', "
	    "'2026-11-22 08:00:00', '2026-11-22 08:00:00')") == 0,
	    "%s: a member can be inserted", label);
	ok(store_test_exec(src,
	    "INSERT INTO members (customer_no, registered_via, "
	    "registered_at, updated_at) VALUES ('880002', 'fax', "
	    "'2026-11-22 08:00:00', '2026-11-22 08:00:00')") == -1,
	    "%s: registered_via 'fax' is refused", label);
	ok(store_test_exec(src,
	    "INSERT INTO members (customer_no, registered_via, "
	    "registered_at, updated_at) VALUES ('880001', 'phone', "
	    "'2026-11-22 08:00:00', '2026-11-22 08:00:00')") == -1,
	    "%s: a customer number is unique", label);
	ok(store_test_exec(src,
	    "INSERT INTO outbox (channel, recipient, idem_key, "
	    "next_attempt_at, created_at) VALUES ('fax', '1', 'f:1', "
	    "'2026-11-22 08:00:00', '2026-11-22 08:00:00')") == -1,
	    "%s: outbox channel 'fax' is refused", label);
	ok(store_test_exec(src,
	    "INSERT INTO outbox (channel, recipient, idem_key, "
	    "status, next_attempt_at, created_at) VALUES ('sms', '1', "
	    "'f:2', 'sent', '2026-11-22 08:00:00', '2026-11-22 08:00:00')") ==
	    -1, "%s: outbox state 'sent' is gone (now submitted)", label);
	ok(store_test_exec(src,
	    "INSERT INTO outbox (channel, recipient, idem_key, "
	    "status, next_attempt_at, created_at) VALUES ('sms', '1', "
	    "'f:3', 'unknown', '2026-11-22 08:00:00', '2026-11-22 08:00:00')")
	    == 0, "%s: outbox state 'unknown' is taken", label);

	/* A migration that fails leaves the version where it was. */
	bad = bad_sqldir(dialect, NMIGS + 1);
	ok(store_upgrade(src, ds, bad, 0, &applied, &cause) == -1,
	    "%s: a broken migration fails", label);
	like(cause, "_broken.sql", "%s: the error names the file", label);
	free(cause);
	cause = NULL;
	store_version(src, dialect, &v, &cause);
	is_int(v, NMIGS, "%s: version stays the latest after the failure",
	    label);
	if (strcmp(dialect, "mysql") != 0) {
		store_table_exists(src, dialect, "half_done", &exists, &cause);
		is_int(exists, 0, "%s: the failed migration was rolled back",
		    label);
	} else
		store_test_exec(src, "DROP TABLE IF EXISTS half_done");
	rm_rf(bad);
	free(bad);

	/* A database from the future is refused, and left alone. */
	ok(store_test_exec(src,
	    "INSERT INTO " STORE_VERSION_TABLE " (version, name, "
	    "applied_at) VALUES (99, 'future', '2030-01-01 00:00:00')") == 0,
	    "%s: pretend a newer kefu upgraded the store", label);
	ok(store_upgrade(src, ds, sqldir, 0, &applied, &cause) == -1,
	    "%s: upgrade refuses a database from the future", label);
	like(cause, "newer than this kefu", "%s: and says so", label);
	free(cause);
	cause = NULL;
	store_version(src, dialect, &v, &cause);
	is_int(v, 99, "%s: the future version is untouched", label);
	db_source_close(src);
}

static void
test_sqlite(void)
{
	struct conf_datasource ds;
	char *dir, *conn, *db;

	dir = xasprintf("/tmp/kefu-store-%ld", (long)getpid());
	db = xasprintf("%s/sub/kefu.db", dir);
	conn = xasprintf("Driver=SQLite3;Database=%s", db);
	store_test_ds(&ds, "local", conn);
	test_engine("sqlite", &ds, "sqlite");
	ok(access(db, F_OK) == 0, "sqlite: the folder of the file was created");
	rm_rf(dir);
	free(db);
	free(dir);
	free(conn);
}

static void
test_postgresql(void)
{
	struct conf_datasource ds;
	const char *base = getenv("KEFU_TEST_PG");
	char *schema, *sql, *conn;

	if (store_test_missing("KEFU_TEST_PG", "postgresql"))
		return;
	schema = xasprintf("kefu_t%ld", (long)getpid());
	sql = xasprintf("CREATE SCHEMA %s", schema);
	if (store_test_admin(ads, base, sql) == -1) {
		ok(0, "postgresql: create schema %s", schema);
		goto out;
	}
	conn = xasprintf("%s;ConnSettings=SET search_path TO %s", base,
	    schema);
	store_test_ds(&ds, "local", conn);
	test_engine("postgresql", &ds, "postgresql");
	free(conn);
	free(sql);
	sql = xasprintf("DROP SCHEMA %s CASCADE", schema);
	ok(store_test_admin(ads, base, sql) == 0,
	    "postgresql: schema dropped");
out:
	free(sql);
	free(schema);
}

static void
test_mariadb(void)
{
	struct conf_datasource ds;
	const char *base = getenv("KEFU_TEST_MARIADB");
	char *db, *sql, *conn;

	if (store_test_missing("KEFU_TEST_MARIADB", "mariadb"))
		return;
	db = xasprintf("kefu_t%ld", (long)getpid());
	sql = xasprintf("CREATE DATABASE %s CHARACTER SET utf8mb4", db);
	if (store_test_admin(ads, base, sql) == -1) {
		ok(0, "mariadb: create database %s", db);
		goto out;
	}
	conn = store_test_with_database(base, db);
	store_test_ds(&ds, "local", conn);
	test_engine("mariadb", &ds, "mysql");
	free(conn);
	free(sql);
	sql = xasprintf("DROP DATABASE %s", db);
	ok(store_test_admin(ads, base, sql) == 0,
	    "mariadb: database dropped");
out:
	free(sql);
	free(db);
}

static void
test_migration_files(void)
{
	struct store_migration *m;
	char *cause = NULL, *dir, *cmd;
	size_t n;

	ok(store_migrations(sqldir, "sqlite", &m, &n, &cause) == 0 &&
	    n == nitems(names), "sqlite: every migration found");
	if (cause == NULL) {
		is_str(m[0].name, "members", "the first is members");
		store_migrations_free(m, n);
	}
	ok(store_migrations(sqldir, "postgresql", &m, &n, &cause) == 0 &&
	    n == nitems(names), "postgresql: every migration");
	if (cause == NULL)
		store_migrations_free(m, n);
	ok(store_migrations(sqldir, "mysql", &m, &n, &cause) == 0 &&
	    n == nitems(names), "mysql: every migration");
	if (cause == NULL)
		store_migrations_free(m, n);

	ok(store_migrations(sqldir, "oracle", &m, &n, &cause) == -1,
	    "no migrations for an unknown dialect");
	free(cause);
	cause = NULL;

	dir = xasprintf("/tmp/kefu-store-gap-%ld", (long)getpid());
	cmd = xasprintf("mkdir -p %s/local/sqlite && touch %s/local/sqlite/"
	    "001_a.sql %s/local/sqlite/003_c.sql %s/local/sqlite/README",
	    dir, dir, dir, dir);
	ok(system(cmd) == 0, "a folder with a gap");
	ok(store_migrations(dir, "sqlite", &m, &n, &cause) == -1,
	    "a gap in the versions is refused");
	like(cause, "002 is missing", "and named");
	free(cause);
	cause = NULL;
	free(cmd);
	cmd = xasprintf("rm %s/local/sqlite/00*", dir);
	ok(system(cmd) == 0, "an empty folder");
	ok(store_migrations(dir, "sqlite", &m, &n, &cause) == -1,
	    "a folder without migrations is refused");
	like(cause, "no migrations", "and said so");
	free(cause);
	rm_rf(dir);
	free(cmd);
	free(dir);
}

static void
test_pin(void)
{
	char *h1 = NULL, *h2 = NULL, *cause = NULL, *bad;

	ok(store_pin_hash("123456", &h1, &cause) == 0, "hash a PIN");
	ok(store_pin_hash("123456", &h2, &cause) == 0, "hash it again");
	ok(h1 != NULL && str_prefix(h1, "pbkdf2-sha256$"), "PBKDF2 form");
	ok(h1 != NULL && strstr(h1, "123456") == NULL,
	    "the hash does not hold the PIN");
	ok(h1 != NULL && h2 != NULL && strcmp(h1, h2) != 0,
	    "two hashes of one PIN differ (salt)");
	ok(store_pin_verify("123456", h1), "the PIN verifies");
	ok(store_pin_verify("123456", h2), "against either hash");
	ok(!store_pin_verify("123457", h1), "a wrong PIN does not");
	ok(!store_pin_verify("", h1), "an empty PIN does not");
	ok(!store_pin_verify("123456", "123456"), "a plain PIN never verifies");
	bad = xstrdup(h1);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
	ok(!store_pin_verify("123456", bad), "a changed hash does not");
	free(bad);
	ok(!store_pin_verify("123456", "pbkdf2-sha256$1$00$00"),
	    "too few iterations are refused");
	ok(!store_pin_verify("123456", "pbkdf2-sha256$100000$zz$00"),
	    "bad hex is refused");
	ok(store_pin_hash("", &h2, &cause) == -1, "an empty PIN is refused");
	free(cause);
	free(h1);
	free(h2);
}

int
main(void)
{
	char *cause = NULL, *adir;

	srcdir = getenv("KEFU_SRCDIR") ? getenv("KEFU_SRCDIR") : (char *)".";
	sqldir = xasprintf("%s/sql", srcdir);
	adir = xasprintf("%s/adapters", srcdir);
	if (db_adapters_load(adir, &ads, &cause) == -1) {
		tap_diag("adapters: %s", cause);
		free(cause);
		ads = NULL;
	}
	test_migration_files();
	test_pin();
	test_sqlite();
	test_postgresql();
	test_mariadb();
	if (ads != NULL)
		db_adapters_free(ads);
	free(adir);
	free(sqldir);
	return tap_done();
}
