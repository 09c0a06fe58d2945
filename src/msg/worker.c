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

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__GLIBC__)         /* known once a libc header is in */
#include <malloc.h>
#endif

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

/*
 * The dispatch table: every transport a worker can run, by name.  A new
 * transport is one line here.
 */
const struct msg_transport_ops *const msg_transports[] = {
	&msg_mail_ops,
	&msg_gsm_ops,
	&msg_http_ops,
	NULL
};

const struct msg_transport_ops *
msg_transport_find(const char *name)
{
	size_t i;

	for (i = 0; msg_transports[i] != NULL; i++)
		if (strcmp(msg_transports[i]->name, name) == 0)
			return msg_transports[i];
	return NULL;
}

void
msg_worker_opts_email(const struct conf *cfg, const char *name,
    struct msg_worker_opts *o)
{
	memset(o, 0, sizeof *o);
	o->name = name;
	o->lease_ms = (unsigned)cfg->email_lease_ms;
	o->batch = (unsigned)cfg->email_batch;
	o->late = 1;
	o->rate = (unsigned)cfg->email_rate;
	o->retry_ms = (unsigned)cfg->email_retry_ms;
	o->retry_max_ms = (unsigned)cfg->email_retry_max_ms;
}

void
msg_worker_opts_sms(const struct conf *cfg, const char *name,
    const char *instance, struct msg_worker_opts *o)
{
	memset(o, 0, sizeof *o);
	o->name = name;
	o->instance = instance;
	o->lease_ms = (unsigned)cfg->sms_lease_ms;
	o->batch = (unsigned)cfg->sms_batch;
	o->retry_ms = (unsigned)cfg->sms_retry_ms;
	o->retry_max_ms = (unsigned)cfg->sms_retry_max_ms;
	o->poll_ms = 500;
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
 * What the check at the moment of sending (suppress.c) said of m, not
 * to send it: ended or given back.  0, or -1 when the store fails.
 */
static int
msg_worker_held(struct db_source *src, const struct store_msg *m,
    const struct msg_verdict *v, const char *tok, struct msg_stats *st,
    char **cause)
{
	log_info("outbox: message %lld to %s %s: %s%s%s", (long long)m->id,
	    m->recipient, msg_check_name(v->what), v->reason,
	    v->what == MSG_CHECK_DEFER ? "; due again at " : "",
	    v->what == MSG_CHECK_DEFER ? v->until : "");
	if (v->what == MSG_CHECK_DEFER) {
		st->deferred++;
		return store_outbox_release(src, m->id, tok, v->until, cause);
	}
	st->suppressed++;
	return store_outbox_end(src, m->id, tok, v->what == MSG_CHECK_CANCEL ?
	    "cancelled" : "suppressed", v->reason, cause);
}

/*
 * The check at the moment of sending for a whole claim, its opt-outs
 * and campaigns read at once: the messages not to send are ended or
 * given back; those to send of a campaign with a budget are put in *sp
 * (malloc'd, in id order), for the commit that makes the claim
 * submitting to weigh.  -1 when the store fails.
 */
static int
msg_worker_check(struct db_source *src, const struct conf *cfg,
    const struct store_msg *m, size_t n, const char *tok,
    struct msg_stats *st, struct store_spend **sp, size_t *nsp,
    char **cause)
{
	struct msg_verdict *v = xcalloc(n ? n : 1, sizeof *v);
	uint64_t t0 = now_us();
	size_t i;
	int rc;

	*sp = xcalloc(n ? n : 1, sizeof **sp);
	*nsp = 0;
	rc = msg_suppress_batch(src, cfg, m, n, time(NULL), v, cause);
	for (i = 0; i < n && rc == 0; i++) {
		if (v[i].what != MSG_CHECK_SEND)
			rc = msg_worker_held(src, &m[i], &v[i], tok, st, cause);
		else if (v[i].budgeted) {
			(*sp)[*nsp].id = m[i].id;
			(*sp)[*nsp].campaign_id = m[i].campaign_id;
			(*sp)[(*nsp)++].cost = m[i].cost;
		}
	}
	free(v);
	st->check_us += now_us() - t0;
	return rc;
}

/* The messages the commit found over their campaign's budget: ended. */
static void
msg_worker_over(const struct store_msg *m, size_t n,
    const struct store_spend *sp, size_t nsp, struct msg_stats *st)
{
	size_t i, k = 0;

	for (i = 0; i < nsp; i++) {
		if (!sp[i].over)
			continue;
		while (k < n && m[k].id != sp[i].id)
			k++;
		log_info("outbox: message %lld to %s suppressed: %s",
		    (long long)sp[i].id, k < n ? m[k].recipient : "?",
		    sp[i].reason);
		st->suppressed++;
	}
}

/* One outcome of a group, with the strings it points to. */
struct msg_worker_done {
	struct store_outcome o;
	char at[20];
	char text[400];
};

/* Turn what the transport did into an outcome to record, and log it. */
static void
msg_worker_outcome(const struct store_msg *m, const struct msg_worker_opts *o,
    const struct msg_result *r, struct msg_stats *st,
    struct msg_worker_done *d)
{
	d->o.id = m->id;
	d->o.at = d->at;
	d->o.text = d->text;
	snprintf(d->text, sizeof d->text, "%s", r->detail);
	switch (r->outcome) {
	case MSG_SENT:
		log_info("outbox: message %lld to %s submitted%s%s",
		    (long long)m->id, m->recipient,
		    r->remote_id[0] ? " as " : "", r->remote_id);
		st->sent++;
		msg_time(d->at, 0);
		d->o.what = STORE_SUBMITTED;
		snprintf(d->text, sizeof d->text, "%s", r->remote_id);
		if (r->remote_id[0] == '\0')
			d->o.text = NULL;
		break;
	case MSG_TEMPFAIL:
		msg_time(d->at, msg_worker_backoff(o, m->attempts));
		log_warnx("outbox: message %lld to %s not taken (%s); attempt "
		    "%d of %d, next at %s", (long long)m->id, m->recipient,
		    r->detail, m->attempts, m->max_attempts, d->at);
		if (m->attempts >= m->max_attempts)
			st->failed++;
		else
			st->retried++;
		d->o.what = STORE_RETRY;
		break;
	case MSG_UNKNOWN:
		/* handed over, the answer lost: the class decides */
		if (strcmp(m->msg_class, "marketing") == 0) {
			log_warnx("outbox: message %lld to %s may or may not "
			    "have gone (%s); left unknown (marketing)",
			    (long long)m->id, m->recipient, r->detail);
			st->unknown++;
			msg_time(d->at, 0);
			d->o.what = STORE_UNKNOWN;
			break;
		}
		msg_time(d->at, msg_worker_backoff(o, m->attempts));
		log_warnx("outbox: message %lld to %s may or may not have gone "
		    "(%s); sent again at %s (transactional)", (long long)m->id,
		    m->recipient, r->detail, d->at);
		st->resent++;
		d->o.what = STORE_RETRY;
		break;
	case MSG_PERMFAIL:
	default:
		log_warnx("outbox: message %lld to %s refused for good: %s",
		    (long long)m->id, m->recipient, r->detail);
		st->failed++;
		msg_time(d->at, 0);
		d->o.what = STORE_FAILED;
		break;
	}
}

/*
 * Hand one submitting message to the transport, with its attachments:
 * those of att (the batch's, in message order) from *k on.  *down is
 * set when the transport found its peer unreachable.
 */
static void
msg_worker_one(const struct msg_transport_ops *ops, void *state,
    const struct store_msg *m, const struct store_attachment *att,
    size_t natt, size_t *k, const struct msg_worker_opts *o,
    struct msg_stats *st, int *down, struct msg_worker_done *d)
{
	struct msg_result r;
	size_t first;

	while (*k < natt && att[*k].outbox_id < m->id)
		(*k)++;
	for (first = *k; *k < natt && att[*k].outbox_id == m->id; (*k)++)
		;
	memset(&r, 0, sizeof r);
	ops->send(state, m, att + first, *k - first, &r);
	*down = r.outcome != MSG_SENT && r.down;
	msg_worker_outcome(m, o, &r, st, d);
}

/*
 * Given back untried, due in wait_s: the peer is down (counted as
 * released), or the worker is stopping (wait_s 0, not counted).
 */
static void
msg_worker_untried(const struct store_msg *m, long wait_s,
    struct msg_stats *st, struct msg_worker_done *d)
{
	d->o.id = m->id;
	d->o.what = STORE_UNTRIED;
	d->o.at = d->at;
	d->o.text = NULL;
	msg_time(d->at, wait_s);
	if (wait_s == 0)
		return;
	st->retried++;
	st->released++;
}

/*
 * Hand the n submitting messages m to the transport at once
 * (ops->send_many), their attachments att; the outcomes in d.  As
 * one by one, a message after one that found the peer down, and itself
 * down, was not tried: given back untried.
 */
static void
msg_worker_many(const struct msg_transport_ops *ops, void *state,
    const struct store_msg *m, size_t n, const struct store_attachment *att,
    size_t natt, const struct msg_worker_opts *o, struct msg_stats *st,
    struct msg_worker_done *d)
{
	struct msg_result *r = xcalloc(n ? n : 1, sizeof *r);
	size_t i;
	int down = 0;

	ops->send_many(state, m, n, att, natt, r);
	for (i = 0; i < n; i++) {
		if (down && r[i].outcome == MSG_TEMPFAIL && r[i].down)
			msg_worker_untried(&m[i], msg_worker_backoff(o, 1), st,
			    &d[i]);
		else
			msg_worker_outcome(&m[i], o, &r[i], st, &d[i]);
		down |= r[i].outcome != MSG_SENT && r[i].down;
	}
	free(r);
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

/* 1 when id is one of the n ids (both in id order; *k moves along). */
static int
msg_worker_has(const int64_t *ids, size_t n, size_t *k, int64_t id)
{
	while (*k < n && ids[*k] < id)
		(*k)++;
	return *k < n && ids[*k] == id;
}

/*
 * Outcomes sent but not yet recorded: with o->late, those of one group
 * wait for the commit that makes the next group "submitting".
 */
struct msg_worker_late {
	char *token;                    /* the group's claim, or NULL */
	struct msg_worker_done *done;
	size_t n;
	char lease[20];                 /* the claim's lease ran to */
};

static struct store_outcome *
msg_worker_outcomes(const struct msg_worker_late *l)
{
	struct store_outcome *out = xcalloc(l->n ? l->n : 1, sizeof *out);
	size_t i;

	for (i = 0; i < l->n; i++)
		out[i] = l->done[i].o;
	return out;
}

static void
msg_worker_late_clear(struct msg_worker_late *l)
{
	free(l->token);
	free(l->done);
	memset(l, 0, sizeof *l);
}

/*
 * Record what waits in l in a transaction of its own.  A failure only
 * leaves those messages "submitting" for recovery to decide after the
 * lease (unknown or resent, by class): logged, not returned.
 */
static void
msg_worker_flush(struct db_source *src, struct msg_worker_late *l,
    struct msg_stats *st)
{
	struct store_outcome *out;
	char *cause = NULL;
	uint64_t t0 = now_us();

	if (l->token != NULL && l->n > 0) {
		out = msg_worker_outcomes(l);
		if (store_outbox_record(src, l->token, out, l->n,
		    &cause) == -1) {
			log_warnx("%s", cause);
			free(cause);
		}
		free(out);
	}
	msg_worker_late_clear(l);
	st->record_us += now_us() - t0;
}

/*
 * Make the claim's messages that passed the check "submitting" in one
 * commit, which also records the outcomes waiting in l; *ids the
 * messages now submitting.  -1 (logged) when that commit fails: the
 * waiting outcomes are then recorded on their own.
 */
static int
msg_worker_submitting(struct db_source *src, const char *tok,
    struct msg_worker_late *l, struct store_spend *sp, size_t nsp,
    struct msg_stats *st, int64_t **ids, size_t *nids)
{
	struct store_outcome *out = msg_worker_outcomes(l);
	char now[20], *cause = NULL;
	uint64_t t0 = now_us();
	int rc;

	msg_time(now, 0);
	rc = store_outbox_submitting_all(src, tok, now, l->token, out, l->n,
	    sp, nsp, ids, nids, &cause);
	free(out);
	st->submitting_us += now_us() - t0;
	if (rc == 0) {
		msg_worker_late_clear(l);
		return 0;
	}
	log_warnx("%s; not sent", cause);
	free(cause);
	msg_worker_flush(src, l, st);
	return -1;
}

/*
 * Work one claimed batch: the check at the moment of sending for each
 * message, then every message that passed made "submitting" in one
 * commit -- which also weighs the messages of campaigns with a budget,
 * ending those that do not fit "suppressed" -- sent (their attachments
 * read in one query) all at once through ops->send_many when the
 * transport has it and no rate is set (e-mail pipelined), else one by
 * one with the rate kept, and the outcomes recorded in one transaction
 * -- with o->late, the commit that makes the next batch "submitting"
 * (msg_worker_flush when there is none).  Only "submitting" must be
 * durable before a message is handed over: a crash then leaves it
 * flagged, so it is never sent twice unnoticed.  An outcome recorded
 * late, or lost in a crash, only leaves a message "submitting" for
 * recovery to decide -- so one commit before each group of up to
 * [email] batch messages keeps that promise at a fraction of a commit
 * per message, and the outcomes of a group are durable before the next
 * group is handed over.  A crash can leave the group in hand
 * "submitting" (unknown or resent, by class): batch = 1 narrows it to
 * the message in hand.  -1 only when the store fails.
 */
static int
msg_worker_batch(struct db_source *src, const struct conf *cfg,
    const struct msg_transport_ops *ops, void *state, struct store_msg *m,
    size_t n, const char *tok, const struct msg_worker_opts *o,
    struct msg_stats *st, uint64_t *last, struct msg_worker_late *late,
    char **cause)
{
	struct store_attachment *att = NULL;
	struct store_spend *sp = NULL;
	struct store_msg *sel;
	struct msg_worker_done *done;
	int64_t *ids = NULL;
	size_t i, k = 0, ka = 0, nids = 0, nd = 0, natt = 0, nsp = 0;
	int down = 0, rc;

	if (msg_worker_check(src, cfg, m, n, tok, st, &sp, &nsp,
	    cause) == -1) {
		free(sp);
		return -1;
	}
	rc = msg_worker_submitting(src, tok, late, sp, nsp, st, &ids,
	    &nids);
	if (rc == 0)
		msg_worker_over(m, n, sp, nsp, st);
	free(sp);
	if (rc == -1)
		return 0;
	if (nids > 0 && store_outbox_attachments_claim(src, tok, &att, &natt,
	    cause) == -1) {
		/* Left "submitting", untried: recovery decides. */
		free(ids);
		return -1;
	}
	done = xcalloc(nids ? nids : 1, sizeof *done);
	if (ops->send_many != NULL && o->rate == 0 && nids > 0 &&
	    (o->stop == NULL || !atomic_load(o->stop))) {
		/* the whole batch at once: shallow copies of the
		   submitting (their strings stay m's) */
		sel = xcalloc(nids, sizeof *sel);
		for (i = 0; i < n; i++)
			if (msg_worker_has(ids, nids, &k, m[i].id))
				sel[nd++] = m[i];
		msg_worker_many(ops, state, sel, nd, att, natt, o, st, done);
		free(sel);
		n = 0;
	}
	for (i = 0; i < n; i++) {
		if (!msg_worker_has(ids, nids, &k, m[i].id))
			continue;
		if (o->stop != NULL && atomic_load(o->stop))
			msg_worker_untried(&m[i], 0, st, &done[nd++]);
		else if (down)
			msg_worker_untried(&m[i], msg_worker_backoff(o, 1), st,
			    &done[nd++]);
		else {
			msg_worker_pace(o, last);
			msg_worker_one(ops, state, &m[i], att, natt, &ka, o, st,
			    &down, &done[nd++]);
		}
	}
	store_attachments_free(att, natt);
	free(ids);
	late->token = xstrdup(tok);
	late->done = done;
	late->n = nd;
	if (!o->late)
		msg_worker_flush(src, late, st);
	return 0;
}

/* Nothing to send: let the transport hear its peer, or sleep. */
static void
msg_worker_idle(const struct msg_transport_ops *ops, void *state,
    const struct msg_worker_opts *o)
{
	unsigned ms = o->poll_ms ? o->poll_ms : 1000;

	if (ops->idle != NULL)
		ops->idle(state, ms);
	else
		sleep_ms(ms);
}

int
msg_worker_run(struct db_source *src, const char *dialect,
    const struct conf *cfg, const struct msg_transport_ops *ops,
    const struct msg_worker_opts *o, struct msg_stats *st, char **cause)
{
	struct msg_env env = { cfg, o->instance, src, dialect };
	struct store_msg *m;
	char now[20], lease[20], due[20], *tok;
	void *state = NULL;
	struct msg_worker_late late = { 0 };
	uint64_t last = 0, t0;
	size_t n;
	int unknown, resent, rc = 0;
	unsigned released;

	if (ops->open(&env, &state, cause) == -1)
		return -1;
	/*
	 * once: what is due when the run starts, so that a message sent
	 * back with a short back-off is not tried again by the same run on
	 * a slow machine.
	 */
	msg_time(due, 0);
	while (o->stop == NULL || !atomic_load(o->stop)) {
		if (ops->ready != NULL && !ops->ready(state)) {
			/* the peer is away: claim nothing, others send */
			msg_worker_idle(ops, state, o);
			if (o->once)
				break;
			continue;
		}
		msg_time(now, 0);
		if (!o->once)
			memcpy(due, now, sizeof due);
		/*
		 * Outcomes held past their claim's lease are recorded
		 * first: recovery would take those messages, sent, for
		 * cut off.
		 */
		if (late.n > 0 && strcmp(now, late.lease) >= 0)
			msg_worker_flush(src, &late, st);
		t0 = now_us();
		if ((rc = store_outbox_recover(src, now, &unknown, &resent,
		    cause)) == -1)
			break;
		st->unknown += (unsigned)unknown;
		st->resent += (unsigned)resent;
		msg_time(lease, (long)(o->lease_ms / 1000));
		if ((rc = store_outbox_claim(src, dialect, o->name,
		    ops->channel, due, lease, o->batch, &tok, &m, &n,
		    cause)) == -1)
			break;
		st->claim_us += now_us() - t0;
		released = st->released;
		rc = msg_worker_batch(src, cfg, ops, state, m, n, tok, o, st,
		    &last, &late, cause);
		memcpy(late.lease, lease, sizeof late.lease);
		if (st->released > released)
			log_warnx("outbox: %s is down: %u more message(s) wait "
			    "for the next attempt", ops->name,
			    st->released - released);
		store_msgs_free(m, n);
		free(tok);
		if (rc == -1)
			break;
		if (n == 0) {
			/* nothing more to send: record what waits */
			msg_worker_flush(src, &late, st);
			if (o->once)
				break;
			msg_worker_idle(ops, state, o);
		}
	}
	msg_worker_flush(src, &late, st);
	ops->close(state);
	return rc;
}

/* One of the workers of msg_worker_run_n, on a thread of its own. */
struct msg_worker_thr {
	struct msg_worker_pool *pool;
	pthread_t thread;
	struct msg_worker_opts o;
	char name[128];
	struct msg_stats st;
	char *cause;
	int rc;
	unsigned restarts;      /* started again after a failure */
};

/* What the workers of msg_worker_run_n share. */
struct msg_worker_pool {
	struct db_source *src;
	const char *dialect;
	const struct conf *cfg;
	const struct msg_transport_ops *ops;
	atomic_int stop;        /* the caller's stop */
	atomic_int running;
};

/*
 * One worker until stopped: when it fails (its connection refused, the
 * store away), it alone is started again after restart_ms -- the others
 * go on sending meanwhile; with once it ends with its failure.
 */
static void *
msg_worker_thread(void *arg)
{
	struct msg_worker_thr *w = arg;
	struct msg_worker_pool *p = w->pool;
	unsigned ms, pause = w->o.restart_ms ? w->o.restart_ms : 5000;

	for (;;) {
		w->rc = msg_worker_run(p->src, p->dialect, p->cfg, p->ops,
		    &w->o, &w->st, &w->cause);
		if (w->rc == 0 || w->o.once || atomic_load(&p->stop))
			break;
		log_warnx("%s: worker %s stopped, started again in %u ms "
		    "(the others go on): %s", p->ops->name, w->name, pause,
		    w->cause);
		free(w->cause);
		w->cause = NULL;
		for (ms = 0; ms < pause && !atomic_load(&p->stop); ms += 50)
			sleep_ms(50);
		w->restarts++;
	}
	atomic_fetch_sub(&p->running, 1);
	return NULL;
}

static void
msg_stats_add(struct msg_stats *to, const struct msg_stats *st)
{
	to->sent += st->sent;
	to->retried += st->retried;
	to->failed += st->failed;
	to->suppressed += st->suppressed;
	to->deferred += st->deferred;
	to->unknown += st->unknown;
	to->resent += st->resent;
	to->released += st->released;
	to->claim_us += st->claim_us;
	to->check_us += st->check_us;
	to->submitting_us += st->submitting_us;
	to->record_us += st->record_us;
}

/*
 * A send allocates and frees some 100-200 KB (libcurl's buffers, a
 * batch's rows) at the top of the heap; glibc gives the top back past
 * 128 KB free and faults it in again at the next send: half the system
 * time of an e-mail in bench/mail-bench.  A process that runs workers
 * keeps 1 MB of it.
 */
static void
msg_worker_heap(void)
{
#if defined(__GLIBC__) && defined(M_TRIM_THRESHOLD)
	mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
#endif
}

int
msg_worker_run_n(struct db_source *src, const char *dialect,
    const struct conf *cfg, const struct msg_transport_ops *ops,
    const struct msg_worker_opts *o, unsigned n, struct msg_stats *st,
    char **cause)
{
	struct msg_worker_pool pool = { src, dialect, cfg, ops, 0, 0 };
	struct msg_worker_thr *w;
	unsigned i, started;
	int rc = 0;

	msg_worker_heap();
	if (n <= 1)
		return msg_worker_run(src, dialect, cfg, ops, o, st, cause);
	w = xcalloc(n, sizeof *w);
	for (started = 0; started < n; started++) {
		w[started].pool = &pool;
		w[started].o = *o;
		w[started].o.stop = &pool.stop;
		snprintf(w[started].name, sizeof w[started].name, "%.100s/%u",
		    o->name, started + 1);
		w[started].o.name = w[started].name;
		atomic_fetch_add(&pool.running, 1);
		if (pthread_create(&w[started].thread, NULL, msg_worker_thread,
		    &w[started]) != 0) {
			atomic_fetch_sub(&pool.running, 1);
			log_warnx("%s: cannot start worker %u of %u", o->name,
			    started + 1, n);
			break;
		}
	}
	/* Pass the caller's stop on; with once, each ends on its own. */
	while (atomic_load(&pool.running) > 0) {
		if (o->stop != NULL && atomic_load(o->stop))
			atomic_store(&pool.stop, 1);
		sleep_ms(50);
	}
	for (i = 0; i < started; i++) {
		pthread_join(w[i].thread, NULL);
		msg_stats_add(st, &w[i].st);
		st->restarts += w[i].restarts;
		if (w[i].rc == -1 && rc == 0) {
			*cause = w[i].cause;
			w[i].cause = NULL;
			rc = -1;
		}
		free(w[i].cause);
	}
	free(w);
	if (started == 0)
		return kf_error(cause, "%s: no worker could be started",
		    o->name);
	return rc;
}
