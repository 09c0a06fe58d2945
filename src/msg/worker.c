/*
 * worker.c: an outbox worker -- claims due messages of one channel under
 * a lease, checks suppression again at the moment of sending (suppress.c:
 * opt-outs, quiet hours, frequency caps, campaign state and budget), stores
 * "submitting" before handing a message to its transport, and records
 * the outcome: submitted, queued again with exponential back-off after a
 * temporary failure, or failed.  What a dead worker left "submitting" is
 * recovered first (store_outbox_recover).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"

void
msg_time(char out[20], long offset_s)
{
	time_t t = time(NULL) + offset_s;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

void
msg_worker_opts_email(const struct conf *cfg, const char *name,
    struct msg_worker_opts *o)
{
	memset(o, 0, sizeof *o);
	o->name = name;
	o->lease_ms = (unsigned)cfg->email_lease_ms;
	o->batch = (unsigned)cfg->email_batch;
	o->rate = (unsigned)cfg->email_rate;
	o->retry_ms = (unsigned)cfg->email_retry_ms;
	o->retry_max_ms = (unsigned)cfg->email_retry_max_ms;
}

/* The wait before attempt number attempts + 1: retry, doubled each time. */
static long
msg_worker_backoff(const struct msg_worker_opts *o, int attempts)
{
	unsigned long long ms = o->retry_ms ? o->retry_ms : 60000;
	int i;

	for (i = 1; i < attempts && ms < o->retry_max_ms; i++)
		ms *= 2;
	if (o->retry_max_ms && ms > o->retry_max_ms)
		ms = o->retry_max_ms;
	return (long)((ms + 999) / 1000);
}

/*
 * The check at the moment of sending (suppress.c): 1 when the message was
 * ended or given back instead of sent, 0 to send it, -1 when the store
 * fails.
 */
static int
msg_worker_check(struct db_source *src, const struct conf *cfg,
    const struct store_msg *m, const char *tok, struct msg_stats *st,
    char **cause)
{
	struct msg_verdict v;

	if (msg_suppress_check(src, cfg, m, time(NULL), &v, cause) == -1)
		return -1;
	if (v.what == MSG_CHECK_SEND)
		return 0;
	log_info("outbox: message %lld to %s %s: %s%s%s", (long long)m->id,
	    m->recipient, msg_check_name(v.what), v.reason,
	    v.what == MSG_CHECK_DEFER ? "; due again at " : "",
	    v.what == MSG_CHECK_DEFER ? v.until : "");
	if (v.what == MSG_CHECK_DEFER) {
		st->deferred++;
		return store_outbox_release(src, m->id, tok, v.until, cause) ==
		    -1 ? -1 : 1;
	}
	st->suppressed++;
	return store_outbox_end(src, m->id, tok, v.what == MSG_CHECK_CANCEL ?
	    "cancelled" : "suppressed", v.reason, cause) == -1 ? -1 : 1;
}

/* Record what the transport did. */
static int
msg_worker_record(struct db_source *src, const struct store_msg *m,
    const char *tok, const struct msg_worker_opts *o,
    const struct msg_result *r, struct msg_stats *st, char **cause)
{
	char now[20], at[20];

	msg_time(now, 0);
	switch (r->outcome) {
	case MSG_SENT:
		log_info("outbox: message %lld to %s submitted%s%s",
		    (long long)m->id, m->recipient,
		    r->remote_id[0] ? " as " : "", r->remote_id);
		st->sent++;
		return store_outbox_submitted(src, m->id, tok, now,
		    r->remote_id[0] ? r->remote_id : NULL, cause);
	case MSG_TEMPFAIL:
		msg_time(at, msg_worker_backoff(o, m->attempts));
		log_warnx("outbox: message %lld to %s not taken (%s); attempt "
		    "%d of %d, next at %s", (long long)m->id, m->recipient,
		    r->detail, m->attempts, m->max_attempts, at);
		if (m->attempts >= m->max_attempts)
			st->failed++;
		else
			st->retried++;
		return store_outbox_done(src, m->id, tok, now, r->detail, at,
		    cause);
	case MSG_PERMFAIL:
	default:
		log_warnx("outbox: message %lld to %s refused for good: %s",
		    (long long)m->id, m->recipient, r->detail);
		st->failed++;
		return store_outbox_end(src, m->id, tok, "failed", r->detail,
		    cause);
	}
}

/*
 * Send one claimed message; -1 only when the store fails.  *down is set
 * when the transport found its peer unreachable: later messages of the
 * batch are then given back untried (still suppressed if they must be),
 * due after the first back-off, rather than knock on a closed door each.
 */
static int
msg_worker_one(struct db_source *src, const struct conf *cfg,
    const struct msg_transport_ops *ops, void *state,
    const struct store_msg *m, const char *tok,
    const struct msg_worker_opts *o, struct msg_stats *st, int *down,
    char **cause)
{
	struct store_attachment *att = NULL;
	struct msg_result r;
	char now[20];
	size_t natt = 0;
	int rc;

	if ((rc = msg_worker_check(src, cfg, m, tok, st, cause)) != 0)
		return rc == -1 ? -1 : 0;
	if (*down) {
		msg_time(now, msg_worker_backoff(o, 1));
		st->retried++;
		st->released++;
		return store_outbox_release(src, m->id, tok, now, cause);
	}
	msg_time(now, 0);
	if (store_outbox_attachments(src, m->id, &att, &natt, cause) == -1)
		return -1;
	/* Durable before the transport is touched: a crash from here on
	 * leaves "submitting", which recovery turns into "unknown". */
	if (store_outbox_submitting(src, m->id, tok, now, cause) == -1) {
		log_warnx("%s; not sent", *cause);
		free(*cause);
		*cause = NULL;
		store_attachments_free(att, natt);
		return 0;
	}
	memset(&r, 0, sizeof r);
	ops->send(state, m, att, natt, &r);
	store_attachments_free(att, natt);
	*down = r.outcome == MSG_TEMPFAIL && r.down;
	if (msg_worker_record(src, m, tok, o, &r, st, cause) == -1) {
		/* Left "submitting": recovery decides after the lease. */
		log_warnx("%s", *cause);
		free(*cause);
		*cause = NULL;
	}
	return 0;
}

/* Keep at most o->rate sends a second. */
static void
msg_worker_pace(const struct msg_worker_opts *o, uint64_t *last)
{
	uint64_t gap, now;

	if (o->rate == 0)
		return;
	gap = 1000 / o->rate;
	now = now_ms();
	if (*last != 0 && now - *last < gap)
		sleep_ms((unsigned)(gap - (now - *last)));
	*last = now_ms();
}

int
msg_worker_run(struct db_source *src, const char *dialect,
    const struct conf *cfg, const struct msg_transport_ops *ops,
    const struct msg_worker_opts *o, struct msg_stats *st, char **cause)
{
	struct store_msg *m;
	char now[20], lease[20], *tok;
	void *state = NULL;
	uint64_t last = 0;
	size_t n, i;
	int unknown, resent, down, rc = 0;
	unsigned released;

	if (ops->open(cfg, &state, cause) == -1)
		return -1;
	while (o->stop == NULL || !atomic_load(o->stop)) {
		msg_time(now, 0);
		if ((rc = store_outbox_recover(src, now, &unknown, &resent,
		    cause)) == -1)
			break;
		st->unknown += (unsigned)unknown;
		st->resent += (unsigned)resent;
		msg_time(lease, (long)(o->lease_ms / 1000));
		if ((rc = store_outbox_claim(src, dialect, o->name, ops->channel,
		    now, lease, o->batch, &tok, &m, &n, cause)) == -1)
			break;
		released = st->released;
		for (i = 0, down = 0; i < n && rc == 0; i++) {
			if (o->stop != NULL && atomic_load(o->stop)) {
				/* Stopping: the rest go back now, not
				 * after their lease. */
				msg_time(now, 0);
				rc = store_outbox_release(src, m[i].id, tok, now,
				    cause);
				continue;
			}
			if (!down)
				msg_worker_pace(o, &last);
			rc = msg_worker_one(src, cfg, ops, state, &m[i], tok, o,
			    st, &down, cause);
		}
		if (st->released > released)
			log_warnx("outbox: %s is down: %u more message(s) wait "
			    "for the next attempt", ops->name,
			    st->released - released);
		store_msgs_free(m, n);
		free(tok);
		if (rc == -1)
			break;
		if (n == 0) {
			if (o->once)
				break;
			sleep_ms(o->poll_ms ? o->poll_ms : 1000);
		}
	}
	ops->close(state);
	return rc;
}
