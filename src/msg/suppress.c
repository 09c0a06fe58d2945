/*
 * suppress.c: the check every outbox message passes at the moment it is
 * sent, whatever its transport -- its campaign paused or cancelled, the
 * recipient's opt-out (marketing), the quiet hours of its class, the
 * frequency cap per customer across channels (marketing), and its
 * campaign's budget.  Queue-time checks go stale: an opt-out that arrives
 * mid-broadcast must stop every later message, so the worker asks here
 * again right before it marks a message "submitting".  A worker's batch
 * reads each campaign once; its budget is weighed by the very commit
 * that makes the batch submitting (store_outbox_submitting_all), so that
 * neither a batch nor two workers can spend past it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"

#define SUPPRESS_PAUSE_S 300    /* a paused campaign's messages look again */

static const char *const msg_check_names[] = {
	[MSG_CHECK_SEND] = "send",
	[MSG_CHECK_SUPPRESS] = "suppressed",
	[MSG_CHECK_DEFER] = "deferred",
	[MSG_CHECK_CANCEL] = "cancelled",
};

const char *
msg_check_name(enum msg_check what)
{
	return msg_check_names[what];
}

static int
suppress_set(struct msg_verdict *v, enum msg_check what, const char *fmt,
    ...) KF_PRINTF(3, 4);
static int
suppress_set(struct msg_verdict *v, enum msg_check what, const char *fmt,
    ...)
{
	va_list ap;

	v->what = what;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof v->reason, fmt, ap);
	va_end(ap);
	return 0;
}

static void
suppress_time(char out[20], time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

/*
 * Seconds from now to the end of the window [from, to) (minutes after
 * midnight, wrapping midnight when from > to), or 0 outside it.
 */
static long
suppress_quiet_left(time_t now, int from, int to)
{
	struct tm tm;
	int min, in;

	if (from < 0 || from == to)
		return 0;
	localtime_r(&now, &tm);
	min = tm.tm_hour * 60 + tm.tm_min;
	in = from < to ? min >= from && min < to : min >= from || min < to;
	if (!in)
		return 0;
	return (long)(((to - min + 1440) % 1440) * 60 - tm.tm_sec);
}

/*
 * Campaign c's state, and with spent (not NULL: what it has spent) its
 * budget; without, a budget is only noted in v->budgeted, for the
 * commit that makes the message submitting to weigh (the worker's).
 */
static void
suppress_campaign(const struct store_campaign *c, const int64_t *spent,
    const struct store_msg *m, struct msg_verdict *v)
{
	if (strcmp(c->status, "cancelled") == 0)
		suppress_set(v, MSG_CHECK_CANCEL, "campaign '%s' was cancelled",
		    c->name);
	else if (strcmp(c->status, "paused") == 0) {
		suppress_set(v, MSG_CHECK_DEFER, "campaign '%s' is paused",
		    c->name);
		suppress_time(v->until, v->now + SUPPRESS_PAUSE_S);
	} else if (c->budget >= 0 && spent == NULL)
		v->budgeted = 1;
	else if (c->budget >= 0 && *spent + m->cost > c->budget)
		suppress_set(v, MSG_CHECK_SUPPRESS, "campaign '%s' budget: "
		    "%lld of %lld fen spent, this message costs %d",
		    c->name, (long long)*spent, (long long)c->budget, m->cost);
}

/* The quiet hours of the message's class. */
static void
suppress_quiet(const struct conf *cfg, const struct store_msg *m,
    struct msg_verdict *v)
{
	int marketing = strcmp(m->msg_class, "marketing") == 0;
	const char *win = marketing ? cfg->quiet_marketing :
	    cfg->quiet_transactional, *errstr;
	int from, to;
	long left;

	if (conf_window(win, &from, &to, &errstr) == -1 ||
	    (left = suppress_quiet_left(v->now, from, to)) == 0)
		return;
	if (strcmp(cfg->quiet_action, "suppress") == 0) {
		suppress_set(v, MSG_CHECK_SUPPRESS, "quiet hours %s for %s "
		    "messages", win, m->msg_class);
		return;
	}
	suppress_set(v, MSG_CHECK_DEFER, "quiet hours %s for %s messages",
	    win, m->msg_class);
	suppress_time(v->until, v->now + left);
}

/*
 * At most marketing-cap marketing messages per customer per window:
 * capn what was handed over already (msg_suppress_batch's count), or
 * NULL to ask the store.
 */
static int
suppress_cap(struct db_source *src, const struct conf *cfg,
    const struct store_msg *m, const int *capn, struct msg_verdict *v,
    char **cause)
{
	char since[20];
	int n;

	if (cfg->marketing_cap <= 0)
		return 0;
	suppress_time(since, v->now - cfg->cap_window_ms / 1000);
	if (capn != NULL)
		n = *capn;
	else if (store_outbox_marketing_sent(src, m->member_id, m->recipient,
	    since, m->id, &n, cause) == -1)
		return -1;
	if (n >= cfg->marketing_cap)
		suppress_set(v, MSG_CHECK_SUPPRESS, "frequency cap: %d "
		    "marketing message(s) since %s, at most %d", n, since,
		    cfg->marketing_cap);
	return 0;
}

/*
 * The verdict on m once its recipient's opt-out is known (why: NULL when
 * not opted out, and for any message not marketing) and its campaign
 * read (c: NULL when none; spent: as suppress_campaign); capn as
 * suppress_cap.
 */
static int
suppress_decide(struct db_source *src, const struct conf *cfg,
    const struct store_msg *m, const char *why,
    const struct store_campaign *c, const int64_t *spent, const int *capn,
    time_t now, struct msg_verdict *v, char **cause)
{
	memset(v, 0, sizeof *v);
	v->now = now;
	if (c != NULL)
		suppress_campaign(c, spent, m, v);
	if (v->what == MSG_CHECK_CANCEL)
		return 0;
	if (why != NULL)
		return suppress_set(v, MSG_CHECK_SUPPRESS, "%s", why);
	if (v->what != MSG_CHECK_SEND)
		return 0;
	suppress_quiet(cfg, m, v);
	if (v->what != MSG_CHECK_SEND || strcmp(m->msg_class,
	    "marketing") != 0)
		return 0;
	return suppress_cap(src, cfg, m, capn, v, cause);
}

/* m's campaign (*c, NULL when none) and, with a budget, its spend. */
static int
suppress_campaign_get(struct db_source *src, const struct store_msg *m,
    struct store_campaign **c, int64_t *spent, char **cause)
{
	char num[24];

	*c = NULL;
	*spent = 0;
	if (m->campaign_id == 0)
		return 0;
	snprintf(num, sizeof num, "%lld", (long long)m->campaign_id);
	if (store_campaign_get(src, num, c, cause) == -1)
		return -1;
	if ((*c)->budget >= 0 && store_campaign_spent(src, (*c)->id, spent,
	    cause) == -1) {
		store_campaign_free(*c);
		*c = NULL;
		return -1;
	}
	return 0;
}

int
msg_suppress_check(struct db_source *src, const struct conf *cfg,
    const struct store_msg *m, time_t now, struct msg_verdict *v,
    char **cause)
{
	struct store_campaign *c;
	int64_t spent;
	int out = 0, rc;
	char *why = NULL;

	if (strcmp(m->msg_class, "marketing") == 0 && store_optout(src,
	    m->channel, m->recipient, m->member_id, &out, &why, cause) == -1)
		return -1;
	if (suppress_campaign_get(src, m, &c, &spent, cause) == -1) {
		free(why);
		return -1;
	}
	rc = suppress_decide(src, cfg, m, out ? why : NULL, c, &spent, NULL,
	    now, v, cause);
	store_campaign_free(c);
	free(why);
	return rc;
}

/*
 * The opt-outs of the batch's marketing messages on channel, in one
 * store_optout_many: why[i] for m[i] (NULL: not opted out).
 */
static int
suppress_optouts(struct db_source *src, const struct store_msg *m,
    size_t n, const char *channel, char **why, char **cause)
{
	struct store_optout_ask *ask = xcalloc(n, sizeof *ask);
	size_t *at = xcalloc(n, sizeof *at), i, k = 0;
	int rc;

	for (i = 0; i < n; i++)
		if (strcmp(m[i].msg_class, "marketing") == 0 &&
		    strcmp(m[i].channel, channel) == 0) {
			ask[k].address = m[i].recipient;
			ask[k].member_id = m[i].member_id;
			at[k++] = i;
		}
	rc = k > 0 ? store_optout_many(src, channel, ask, k, cause) : 0;
	for (i = 0; i < k; i++)
		why[at[i]] = ask[i].why;
	free(at);
	free(ask);
	return rc;
}

/*
 * The campaigns of the batch, each read once (cs[i] for m[i], NULL when
 * none; the distinct ones in *own, to free).
 */
static int
suppress_campaigns(struct db_source *src, const struct store_msg *m,
    size_t n, const struct store_campaign **cs, struct store_campaign ***own,
    size_t *nown, char **cause)
{
	struct store_campaign *c;
	char num[24];
	size_t i, j;

	*own = xcalloc(n ? n : 1, sizeof **own);
	*nown = 0;
	for (i = 0; i < n; i++) {
		if (m[i].campaign_id == 0)
			continue;
		for (j = 0; j < *nown && (*own)[j]->id != m[i].campaign_id;
		    j++)
			;
		if (j == *nown) {
			snprintf(num, sizeof num, "%lld",
			    (long long)m[i].campaign_id);
			if (store_campaign_get(src, num, &c, cause) == -1)
				return -1;
			(*own)[(*nown)++] = c;
		}
		cs[i] = (*own)[j];
	}
	return 0;
}

/*
 * 1 when the cap of b counts a, as the store counts: b's member on
 * every channel, else b's address.
 */
static int
suppress_counts(const struct store_msg *b, const struct store_msg *a)
{
	if (b->member_id != 0)
		return a->member_id == b->member_id;
	return strcmp(a->recipient, b->recipient) == 0;
}

/*
 * What the cap counts for each marketing message of the batch, in one
 * store_outbox_marketing_sent_many: capn[i] for m[i].
 */
static int
suppress_caps(struct db_source *src, const struct conf *cfg,
    const struct store_msg *m, size_t n, time_t now, int *capn, char **cause)
{
	struct store_cap_ask *ask;
	size_t *at, i, k = 0;
	char since[20];
	int rc;

	if (cfg->marketing_cap <= 0)
		return 0;
	ask = xcalloc(n ? n : 1, sizeof *ask);
	at = xcalloc(n ? n : 1, sizeof *at);
	for (i = 0; i < n; i++)
		if (strcmp(m[i].msg_class, "marketing") == 0) {
			ask[k].member_id = m[i].member_id;
			ask[k].recipient = m[i].recipient;
			at[k++] = i;
		}
	suppress_time(since, now - cfg->cap_window_ms / 1000);
	rc = k > 0 ? store_outbox_marketing_sent_many(src, since, ask, k,
	    cause) : 0;
	for (i = 0; i < k; i++)
		capn[at[i]] = ask[i].n;
	free(at);
	free(ask);
	return rc;
}

/*
 * m[i] passes: it counts against the cap of the batch's later marketing
 * messages to the same customer, as if it were handed over already.
 */
static void
suppress_cap_pass(const struct store_msg *m, size_t n, size_t i, int *capn)
{
	size_t j;

	if (strcmp(m[i].msg_class, "marketing") != 0)
		return;
	for (j = i + 1; j < n; j++)
		if (strcmp(m[j].msg_class, "marketing") == 0 &&
		    suppress_counts(&m[j], &m[i]))
			capn[j]++;
}

int
msg_suppress_batch(struct db_source *src, const struct conf *cfg,
    const struct store_msg *m, size_t n, time_t now, struct msg_verdict *v,
    char **cause)
{
	char **why = xcalloc(n ? n : 1, sizeof *why);
	const struct store_campaign **cs = xcalloc(n ? n : 1, sizeof *cs);
	struct store_campaign **own = NULL;
	int *capn = xcalloc(n ? n : 1, sizeof *capn);
	size_t i, j, nown = 0;
	int rc = 0;

	/* one read of the opt-outs per channel the batch holds */
	for (i = 0; i < n && rc == 0; i++) {
		for (j = 0; j < i && strcmp(m[j].channel, m[i].channel) != 0;
		    j++)
			;
		if (j == i)
			rc = suppress_optouts(src, m, n, m[i].channel, why,
			    cause);
	}
	/* and of each campaign; budgets are the commit's to weigh */
	if (rc == 0)
		rc = suppress_campaigns(src, m, n, cs, &own, &nown, cause);
	/* and what each customer had already, for the cap */
	if (rc == 0)
		rc = suppress_caps(src, cfg, m, n, now, capn, cause);
	for (i = 0; i < n && rc == 0; i++) {
		rc = suppress_decide(src, cfg, &m[i], why[i], cs[i], NULL,
		    &capn[i], now, &v[i], cause);
		if (rc == 0 && v[i].what == MSG_CHECK_SEND)
			suppress_cap_pass(m, n, i, capn);
	}
	for (i = 0; i < n; i++)
		free(why[i]);
	for (i = 0; i < nown; i++)
		store_campaign_free(own[i]);
	free(own);
	free(capn);
	free(cs);
	free(why);
	return rc;
}
