/*
 * sms.c: the local store's side of SMS over GSM modems -- one row per
 * part of an outbox message (outbox_parts: "submitting" before its
 * AT+CMGS, "submitted" with the TP-MR), status reports matched to parts by
 * modem, TP-MR and recipient (3GPP TS 23.040 9.2.2.3), inbound messages
 * (sms_inbox), and opt-outs by SMS keyword or at the desk
 * (consent_ledger, member_services).  Numbers are compared in national
 * form (store_sms_number).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "store/store.h"
#include "store/store-int.h"
#include "util/util.h"

int
store_sms_number(const char *in, char *out, size_t outsz)
{
	return store_phone_national(in, NULL, out, outsz);
}

/* A write; *changed its row count (may be NULL). */
static int
sms_write(struct db_source *src, const char *sql, const struct db_param *p,
    size_t np, int64_t *changed, char **cause)
{
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .writes = 1 };
	struct db_result *r = NULL;
	struct db_err err;

	if (db_run(src, &q, &r, &err) == -1)
		return kf_error(cause, "sms store: %s", err.msg);
	if (changed != NULL)
		*changed = r->affected;
	db_result_free(r);
	return 0;
}

static char *
sms_cell(struct db_result *r, size_t row, size_t col)
{
	struct db_value *v = DB_CELL(r, row, col);

	return v->null ? NULL : xstrdup(v->s);
}

/* ---- parts of outbound messages ---- */

int
store_sms_parts(struct db_source *src, int64_t id,
    struct store_sms_part **out, size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_INT, DBV_TEXT,
	    DBV_INT };
	struct db_param p = { .type = DBV_INT, .i = id };
	struct db_result *r = NULL;
	size_t i;

	*out = NULL;
	*n = 0;
	if (store_run(src, "sms store",
	    "SELECT seq, total, status, mr FROM outbox_parts "
	    "WHERE outbox_id = ? ORDER BY seq", &p, 1, vt, nitems(vt), &r,
	    cause) == -1)
		return -1;
	*out = xcalloc(r->nrows ? r->nrows : 1, sizeof **out);
	for (i = 0; i < r->nrows; i++) {
		(*out)[i].seq = (int)DB_CELL(r, i, 0)->i;
		(*out)[i].total = (int)DB_CELL(r, i, 1)->i;
		snprintf((*out)[i].status, sizeof (*out)[i].status, "%s",
		    DB_CELL(r, i, 2)->s);
		(*out)[i].mr = DB_CELL(r, i, 3)->null ? -1 :
		    (int)DB_CELL(r, i, 3)->i;
	}
	*n = r->nrows;
	db_result_free(r);
	return 0;
}

int
store_sms_part_submitting(struct db_source *src, int64_t id, int seq,
    int total, const char *modem, const char *recipient, const char *now,
    int again, char **cause)
{
	struct db_param p[6] = {
		{ .type = DBV_TEXT, .s = modem },
		{ .type = DBV_TEXT, .s = recipient },
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_INT, .i = total },
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_INT, .i = seq },
	};
	struct db_param ins[6] = { p[4], p[5], p[3], p[0], p[1], p[2] };
	int64_t changed;

	if (!again)
		return sms_write(src, "INSERT INTO outbox_parts (outbox_id, "
		    "seq, total, status, modem, recipient, submitting_at) "
		    "VALUES (?, ?, ?, 'submitting', ?, ?, ?)", ins,
		    nitems(ins), NULL, cause);
	/* A part sent again (refused before, or cut off) is updated. */
	if (sms_write(src, "UPDATE outbox_parts SET status = 'submitting', "
	    "modem = ?, recipient = ?, submitting_at = ?, total = ?, "
	    "mr = NULL, submitted_at = NULL, last_error = NULL WHERE "
	    "outbox_id = ? AND seq = ?", p, nitems(p), &changed, cause) == -1)
		return -1;
	if (changed > 0)
		return 0;
	return sms_write(src, "INSERT INTO outbox_parts (outbox_id, seq, "
	    "total, status, modem, recipient, submitting_at) VALUES "
	    "(?, ?, ?, 'submitting', ?, ?, ?)", ins, nitems(ins), NULL, cause);
}

int
store_sms_part_submitted(struct db_source *src, int64_t id, int seq, int mr,
    const char *now, char **cause)
{
	struct db_param p[4] = {
		{ .type = DBV_INT, .i = mr },
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_INT, .i = seq },
	};

	return sms_write(src, "UPDATE outbox_parts SET status = 'submitted', "
	    "mr = ?, submitted_at = ? WHERE outbox_id = ? AND seq = ?", p,
	    nitems(p), NULL, cause);
}

int
store_sms_part_refused(struct db_source *src, int64_t id, int seq,
    const char *error, char **cause)
{
	struct db_param p[3] = {
		{ .type = DBV_TEXT, .s = error },
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_INT, .i = seq },
	};

	return sms_write(src, "UPDATE outbox_parts SET status = 'refused', "
	    "last_error = ? WHERE outbox_id = ? AND seq = ?", p, nitems(p),
	    NULL, cause);
}

/* ---- status reports ---- */

/* "YYYY-MM-DD HH:MM:SS" in the store's (local) time: seconds since the
 * epoch; -1 when it is not a time. */
static long long
sms_local_secs(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || sscanf(s, "%d-%d-%d %d:%d:%d", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	return (long long)mktime(&tm);
}

/* A service centre time stamp, "2026-12-06 10:20:30 +08:00" (sms.h):
 * seconds since the epoch; -1 when there is none. */
static long long
sms_scts_secs(const char *s)
{
	struct tm tm;
	char sign;
	int zh, zm;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || sscanf(s, "%d-%d-%d %d:%d:%d %c%d:%d", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &sign, &zh, &zm) != 9)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm) - (sign == '-' ? -1 : 1) *
	    (zh * 3600LL + zm * 60LL);
}

/*
 * The part a report is for: a submitted part with mr on modem to ra.
 * The TP-MR is 8 bits and wraps (255 -> 0), so a part whose report is
 * late (the phone was off) can share it with a newer one to the same
 * number.  The report's TP-SCTS, the time the centre took the part,
 * then decides: the part submitted closest to it; without one, the
 * newest.
 */
static int
sms_report_part(struct db_source *src, const char *modem, int mr,
    const char *ra, const char *scts, int64_t *id, int *seq, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_INT, DBV_TEXT,
	    DBV_TIMESTAMP };
	struct db_param p[2] = {
		{ .type = DBV_TEXT, .s = modem },
		{ .type = DBV_INT, .i = mr },
	};
	char want[40], got[40];
	struct db_result *r = NULL;
	long long at = sms_scts_secs(scts), t, d, best = -1;
	size_t i;

	*id = 0;
	if (store_sms_number(ra, want, sizeof want) == -1)
		snprintf(want, sizeof want, "%s", ra);
	if (store_run(src, "sms store",
	    "SELECT outbox_id, seq, recipient, submitted_at FROM "
	    "outbox_parts WHERE modem = ? AND mr = ? AND status = 'submitted' "
	    "ORDER BY submitted_at DESC, outbox_id DESC", p, 2, vt,
	    nitems(vt), &r, cause) == -1)
		return -1;
	for (i = 0; i < r->nrows; i++) {
		if (store_sms_number(DB_CELL(r, i, 2)->s, got, sizeof got) ==
		    -1 || strcmp(got, want) != 0)
			continue;
		t = DB_CELL(r, i, 3)->null ? -1 :
		    sms_local_secs(DB_CELL(r, i, 3)->s);
		d = at < 0 || t < 0 ? 0 : t > at ? t - at : at - t;
		if (best >= 0 && d >= best)
			continue;       /* the newer of two as close wins */
		best = d;
		*id = DB_CELL(r, i, 0)->i;
		*seq = (int)DB_CELL(r, i, 1)->i;
		if (at < 0)
			break;
	}
	db_result_free(r);
	return 0;
}

/* After a part changed: the message delivered or failed when it is. */
static int
sms_report_message(struct db_source *src, int64_t id, const char *now,
    struct store_sms_report *out, char **cause)
{
	struct store_sms_part *parts;
	struct db_param p[2] = {
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_INT, .i = id },
	};
	size_t n, i, delivered = 0, failed = 0;
	int total = 0;

	if (store_sms_parts(src, id, &parts, &n, cause) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		total = parts[i].total;
		delivered += strcmp(parts[i].status, "delivered") == 0;
		failed += strcmp(parts[i].status, "failed") == 0;
	}
	free(parts);
	out->msg_status = NULL;
	if (failed > 0) {
		out->msg_status = "failed";
		return sms_write(src, "UPDATE outbox SET status = 'failed', "
		    "last_error = 'a status report said a part was not "
		    "delivered', delivered_at = ? WHERE id = ? AND status = "
		    "'submitted'", p, 2, NULL, cause);
	}
	if (total > 0 && delivered == (size_t)total) {
		out->msg_status = "delivered";
		return sms_write(src, "UPDATE outbox SET status = 'delivered', "
		    "delivered_at = ? WHERE id = ? AND status = 'submitted'", p,
		    2, NULL, cause);
	}
	return 0;
}

int
store_sms_report(struct db_source *src, const char *modem, int mr,
    const char *ra, int st, const char *scts, const char *now,
    struct store_sms_report *out, char **cause)
{
	struct db_param p[5];
	const char *status;

	memset(out, 0, sizeof *out);
	if (sms_report_part(src, modem, mr, ra, scts, &out->outbox_id,
	    &out->seq, cause) == -1)
		return -1;
	if (out->outbox_id == 0)
		return 0;
	/* 23.040 9.2.3.15: 0x00-0x1F done, 0x20-0x3F still trying, 0x40-
	 * failed (0x60-0x7F: temporary, but the centre gave up). */
	status = st < 0x20 ? "delivered" : st < 0x40 ? "submitted" : "failed";
	p[0] = (struct db_param){ .type = DBV_TEXT, .s = status };
	p[1] = (struct db_param){ .type = DBV_TIMESTAMP, .s = now };
	p[2] = (struct db_param){ .type = DBV_INT, .i = st };
	p[3] = (struct db_param){ .type = DBV_INT, .i = out->outbox_id };
	p[4] = (struct db_param){ .type = DBV_INT, .i = out->seq };
	out->part_status = status;
	if (sms_write(src, "UPDATE outbox_parts SET status = ?, report_at = ?, "
	    "report_status = ? WHERE outbox_id = ? AND seq = ?", p, 5, NULL,
	    cause) == -1)
		return -1;
	return sms_report_message(src, out->outbox_id, now, out, cause);
}

/* ---- inbound ---- */

/* FNV-1a of the text, for the dedup key. */
static unsigned long long
sms_hash(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

int
store_sms_inbox_add(struct db_source *src, const struct store_sms_in *in,
    const char *now, int64_t *id, int *dup, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT };
	char *key;
	struct db_param p[7] = {
		{ .type = DBV_TEXT, .s = in->modem },
		{ .type = DBV_TEXT, .s = in->sender },
		{ .type = DBV_TEXT, .s = in->body },
		{ .type = DBV_INT, .i = in->parts },
		{ .type = DBV_TEXT, .s = in->sent_at,
		    .null = in->sent_at == NULL },
		{ .type = DBV_TIMESTAMP, .s = now },
	};
	struct db_result *r = NULL;
	int64_t changed = 0;
	int rc;

	*id = 0;
	*dup = 0;
	key = xasprintf("%.32s/%.32s/%016llx", in->sender,
	    in->sent_at ? in->sent_at : "", sms_hash(in->body));
	p[6] = (struct db_param){ .type = DBV_TEXT, .s = key };
	rc = store_run(src, "sms store",
	    "SELECT id FROM sms_inbox WHERE dedup_key = ?",
	    &p[6], 1, vt, 1, &r, cause);
	if (rc == 0 && r->nrows == 1) {
		/* read again (AT+CMGL after a crash): the same message */
		*id = DB_CELL(r, 0, 0)->i;
		*dup = 1;
	}
	if (rc == 0)
		db_result_free(r);
	if (rc == 0 && !*dup)
		rc = sms_write(src, "INSERT INTO sms_inbox (modem, sender, "
		    "body, parts, sent_at, received_at, dedup_key) VALUES "
		    "(?, ?, ?, ?, ?, ?, ?)", p, 7, &changed, cause);
	if (rc == 0 && !*dup && (rc = store_run(src, "sms store",
	    "SELECT id FROM sms_inbox "
	    "WHERE dedup_key = ?", &p[6], 1, vt, 1, &r, cause)) == 0) {
		*id = r->nrows == 1 ? DB_CELL(r, 0, 0)->i : 0;
		db_result_free(r);
	}
	free(key);
	return rc;
}

int
store_sms_inbox_mark(struct db_source *src, int64_t id, int64_t member_id,
    const char *action, int64_t reply_id, char **cause)
{
	struct db_param p[4] = {
		{ .type = DBV_INT, .i = member_id, .null = member_id == 0 },
		{ .type = DBV_TEXT, .s = action, .null = action == NULL },
		{ .type = DBV_INT, .i = reply_id, .null = reply_id == 0 },
		{ .type = DBV_INT, .i = id },
	};

	return sms_write(src, "UPDATE sms_inbox SET member_id = ?, action = ?, "
	    "reply_id = ? WHERE id = ?", p, 4, NULL, cause);
}

int
store_sms_inbox_list(struct db_source *src, size_t max,
    struct store_sms_inrow **out, size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	    DBV_TEXT, DBV_INT, DBV_TEXT, DBV_TIMESTAMP, DBV_INT, DBV_TEXT,
	    DBV_INT };
	struct db_result *r = NULL;
	struct store_sms_inrow *w;
	char *sql;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	sql = xasprintf("SELECT id, modem, sender, body, parts, sent_at, "
	    "received_at, member_id, action, reply_id FROM sms_inbox ORDER BY "
	    "id DESC LIMIT %zu", max ? max : 50);
	rc = store_run(src, "sms store",
	    sql, NULL, 0, vt, nitems(vt), &r, cause);
	free(sql);
	if (rc == -1)
		return -1;
	*out = xcalloc(r->nrows ? r->nrows : 1, sizeof **out);
	for (i = 0; i < r->nrows; i++) {
		w = &(*out)[i];
		w->id = DB_CELL(r, i, 0)->i;
		w->modem = sms_cell(r, i, 1);
		w->sender = sms_cell(r, i, 2);
		w->body = sms_cell(r, i, 3);
		w->parts = (int)DB_CELL(r, i, 4)->i;
		w->sent_at = sms_cell(r, i, 5);
		w->received_at = sms_cell(r, i, 6);
		w->member_id = DB_CELL(r, i, 7)->null ? 0 : DB_CELL(r, i, 7)->i;
		w->action = sms_cell(r, i, 8);
		w->reply_id = DB_CELL(r, i, 9)->null ? 0 : DB_CELL(r, i, 9)->i;
	}
	*n = r->nrows;
	db_result_free(r);
	return 0;
}

void
store_sms_inbox_free(struct store_sms_inrow *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(w[i].modem);
		free(w[i].sender);
		free(w[i].body);
		free(w[i].sent_at);
		free(w[i].received_at);
		free(w[i].action);
	}
	free(w);
}

/* ---- opt-outs ---- */

/* Members whose mobile is this national number, in any of its forms. */
static int
sms_members(struct db_source *src, const char *national, int64_t **ids,
    size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT };
	char intl[48], cc[48];
	struct db_param p[3] = {
		{ .type = DBV_TEXT, .s = national },
		{ .type = DBV_TEXT, .s = intl },
		{ .type = DBV_TEXT, .s = cc },
	};
	struct db_result *r = NULL;
	size_t i;

	snprintf(intl, sizeof intl, "+86%s", national);
	snprintf(cc, sizeof cc, "86%s", national);
	if (store_run(src, "sms store",
	    "SELECT id FROM members WHERE mobile IN (?, ?, ?) "
	    "ORDER BY id", p, 3, vt, 1, &r, cause) == -1)
		return -1;
	*ids = xcalloc(r->nrows ? r->nrows : 1, sizeof **ids);
	for (i = 0; i < r->nrows; i++)
		(*ids)[i] = DB_CELL(r, i, 0)->i;
	*n = r->nrows;
	db_result_free(r);
	return 0;
}

/* What one opt-out writes, in one transaction. */
struct sms_optout_tx {
	const struct store_sms_optout *o;
	const char *national;
	const int64_t *ids;     /* members with that mobile */
	size_t n;               /* 0: one row without a member */
	int64_t reply_id;       /* the confirmation queued */
	int done;               /* the inbound message was acted on before */
};

/* A consent_ledger row for member (0: none), then its SMS off. */
static int
sms_optout_row(struct db_tx *tx, const struct sms_optout_tx *x,
    int64_t member, struct db_err *err)
{
	const struct store_sms_optout *o = x->o;
	struct db_param off[2] = {
		{ .type = DBV_TIMESTAMP, .s = o->now },
		{ .type = DBV_INT, .i = member },
	};
	struct db_param p[7] = {
		{ .type = DBV_INT, .i = member, .null = member == 0 },
		{ .type = DBV_TEXT, .s = x->national },
		{ .type = DBV_TEXT, .s = o->via },
		{ .type = DBV_TIMESTAMP, .s = o->now },
		{ .type = DBV_TEXT, .s = o->staff_no,
		    .null = o->staff_no == NULL },
		{ .type = DBV_TEXT, .s = o->note, .null = o->note == NULL },
		{ .type = DBV_INT, .i = o->inbox_id, .null = o->inbox_id == 0 },
	};
	struct db_query ins = { .sql = "INSERT INTO consent_ledger (member_id, "
	    "address, service, action, via, recorded_at, staff_no, note, "
	    "inbox_id) VALUES (?, ?, 'sms', 'unsubscribe', ?, ?, ?, ?, ?)",
	    .params = p, .nparams = 7, .writes = 1 };
	struct db_query upd = { .sql = "UPDATE member_services SET "
	    "enabled = 0, since = ? WHERE member_id = ? AND service = 'sms'",
	    .params = off, .nparams = 2, .writes = 1 };
	struct db_result *r;

	if (db_tx_run(tx, &ins, &r, err) == -1)
		return -1;
	db_result_free(r);
	if (member == 0)
		return 0;
	if (db_tx_run(tx, &upd, &r, err) == -1)
		return -1;
	db_result_free(r);
	return 0;
}

/* 1 when the inbound message was already acted on (read twice). */
static int
sms_optout_seen(struct db_tx *tx, int64_t inbox_id, int *seen,
    struct db_err *err)
{
	static const enum db_vtype vt[] = { DBV_INT };
	struct db_param p = { .type = DBV_INT, .i = inbox_id };
	struct db_query q = { .sql = "SELECT COUNT(*) FROM sms_inbox WHERE "
	    "id = ? AND action = 'optout'", .params = &p, .nparams = 1,
	    .coltypes = vt, .ncoltypes = 1 };
	struct db_result *r;

	*seen = 0;
	if (db_tx_run(tx, &q, &r, err) == -1)
		return -1;
	*seen = r->nrows == 1 && DB_CELL(r, 0, 0)->i > 0;
	db_result_free(r);
	return 0;
}

/* The confirmation queued and the inbound message marked as acted on. */
static int
sms_optout_reply(struct db_tx *tx, struct sms_optout_tx *x,
    struct db_err *err)
{
	const struct store_sms_optout *o = x->o;
	struct store_outbox_new m;
	int64_t member = x->n > 0 ? x->ids[0] : 0;
	struct db_param p[3];
	struct db_query q;
	struct db_result *r;
	char *cause = NULL;

	if (o->reply != NULL) {
		m = *o->reply;
		m.member_id = member;
		if (store_outbox_enqueue_tx(tx, &m, o->now, 0, &x->reply_id,
		    &cause) == -1) {
			snprintf(err->msg, sizeof err->msg, "%s", cause);
			free(cause);
			return -1;
		}
	}
	if (o->inbox_id == 0)
		return 0;
	p[0] = (struct db_param){ .type = DBV_INT, .i = member,
	    .null = member == 0 };
	p[1] = (struct db_param){ .type = DBV_INT, .i = x->reply_id,
	    .null = x->reply_id == 0 };
	p[2] = (struct db_param){ .type = DBV_INT, .i = o->inbox_id };
	q = (struct db_query){ .sql = "UPDATE sms_inbox SET member_id = ?, "
	    "action = 'optout', reply_id = ? WHERE id = ?", .params = p,
	    .nparams = nitems(p), .writes = 1 };
	if (db_tx_run(tx, &q, &r, err) == -1)
		return -1;
	db_result_free(r);
	return 0;
}

static int
sms_optout_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct sms_optout_tx *x = arg;
	size_t i;

	if (x->o->inbox_id != 0 &&
	    sms_optout_seen(tx, x->o->inbox_id, &x->done, err) == -1)
		return -1;
	if (x->done)
		return 0;
	if (x->n == 0 && sms_optout_row(tx, x, 0, err) == -1)
		return -1;
	for (i = 0; i < x->n; i++)
		if (sms_optout_row(tx, x, x->ids[i], err) == -1)
			return -1;
	return sms_optout_reply(tx, x, err);
}

int
store_sms_optout(struct db_source *src, const struct store_sms_optout *o,
    int64_t *member_id, int64_t *reply_id, char **cause)
{
	struct sms_optout_tx x = { .o = o };
	struct db_err err;
	char national[40];
	int64_t *ids;
	size_t n;
	int rc;

	*member_id = 0;
	if (reply_id != NULL)
		*reply_id = 0;
	if (store_sms_number(o->number, national, sizeof national) == -1)
		return kf_error(cause, "'%.40s' is not a mobile number",
		    o->number);
	if (sms_members(src, national, &ids, &n, cause) == -1)
		return -1;
	x.national = national;
	x.ids = ids;
	x.n = n;
	/* the ledger rows, the service off, the confirmation queued and the
	 * inbound message marked: all or none */
	if ((rc = db_tx(src, sms_optout_tx, &x, &err)) == -1)
		kf_error(cause, "sms store: %s", err.msg);
	else {
		*member_id = n > 0 ? ids[0] : 0;
		if (reply_id != NULL)
			*reply_id = x.reply_id;
		if (x.done)
			rc = 1;
	}
	free(ids);
	return rc;
}

int
store_optout_list(struct db_source *src, const char *service, size_t max,
    struct store_optout_row **out, size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_TEXT, DBV_INT, DBV_TEXT,
	    DBV_TIMESTAMP, DBV_TEXT };
	struct db_param p = { .type = DBV_TEXT, .s = service };
	struct store_optout_row *w;
	struct db_result *r = NULL;
	char *sql;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	/* the newest row per address is an unsubscribe */
	sql = xasprintf("SELECT l.address, l.member_id, l.via, l.recorded_at, "
	    "l.note FROM consent_ledger l WHERE l.service = ? AND l.action = "
	    "'unsubscribe' AND NOT EXISTS (SELECT 1 FROM consent_ledger l2 "
	    "WHERE l2.service = l.service AND l2.address = l.address AND "
	    "(l2.recorded_at > l.recorded_at OR (l2.recorded_at = "
	    "l.recorded_at AND l2.id > l.id))) ORDER BY l.recorded_at DESC, "
	    "l.id DESC LIMIT %zu", max ? max : 100);
	rc = store_run(src, "sms store", sql, &p, 1, vt, nitems(vt), &r, cause);
	free(sql);
	if (rc == -1)
		return -1;
	*out = xcalloc(r->nrows ? r->nrows : 1, sizeof **out);
	for (i = 0; i < r->nrows; i++) {
		w = &(*out)[i];
		w->address = sms_cell(r, i, 0);
		w->member_id = DB_CELL(r, i, 1)->null ? 0 : DB_CELL(r, i, 1)->i;
		w->via = sms_cell(r, i, 2);
		w->recorded_at = sms_cell(r, i, 3);
		w->note = sms_cell(r, i, 4);
	}
	*n = r->nrows;
	db_result_free(r);
	return 0;
}

void
store_optout_free(struct store_optout_row *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(w[i].address);
		free(w[i].via);
		free(w[i].recorded_at);
		free(w[i].note);
	}
	free(w);
}
