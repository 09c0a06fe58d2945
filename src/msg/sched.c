/*
 * sched.c: the campaign scheduler kefud runs every [campaign] tick (and
 * `kefu campaign due` once, at a time it is told): scheduled campaigns
 * due are started; at [campaign] birthday-at a birthday greeting goes to
 * the members born on that day, and on digest-day at digest-at a weekly
 * digest of the specials -- each a periodic campaign of its own, made
 * scheduled and then started by the same code, so that a crash part-way
 * starts it again and the idempotency keys queue nothing twice; then
 * the event notices (msg/event.c) and the points-changed notices
 * (msg/points.c).  Quiet hours are the send-time check's ([suppress]
 * quiet-marketing).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"

/* Over its budget or not startable: the cause, before anything queued. */
static int
sched_startable(const struct conf *cfg, const struct store_campaign *c,
    const struct msg_campaign_plan *p, char **cause)
{
	(void)cfg;
	if (strcmp(c->status, "done") == 0 ||
	    strcmp(c->status, "cancelled") == 0)
		return kf_error(cause, "campaign %lld cannot be started from "
		    "its state (see kefu campaign report %lld)",
		    (long long)c->id, (long long)c->id);
	if (c->budget >= 0 && p->cost > c->budget)
		return kf_error(cause, "'%s' would cost %lld.%02lld 元, over "
		    "its budget of %lld.%02lld 元: not started (narrow the "
		    "segment or shorten the text; see kefu campaign preview)",
		    c->name, p->cost / 100, p->cost % 100,
		    (long long)c->budget / 100, (long long)c->budget % 100);
	return 0;
}

int
msg_campaign_launch(struct db_source *src, const struct conf *cfg,
    const struct store_campaign *c, const struct msg_hooks *h,
    const char *now, struct msg_launch *l, char **cause)
{
	struct store_recipient *r = NULL;
	struct msg_campaign_plan plan;
	int64_t resumed;
	size_t n = 0;
	int rc;

	memset(l, 0, sizeof *l);
	if (msg_campaign_recipients(src, h, cfg, c, &r, &n, cause) == -1)
		return -1;
	rc = msg_campaign_plan(cfg, c, r, n, &plan, cause);
	if (rc == 0 && (rc = sched_startable(cfg, c, &plan, cause)) == -1)
		l->refused = 1;
	/* queued first: a crash before "sending" leaves it due again */
	if (rc == 0)
		rc = msg_campaign_start(src, cfg, c, r, n, now, &l->queued,
		    &l->dups, cause);
	if (rc == 0 && (rc = store_campaign_state(src, c->id, "sending", now,
	    cause)) == 0)
		rc = store_campaign_hold(src, c->id, "sending", now, &resumed,
		    cause);
	l->recipients = n;
	l->cost = plan.cost;
	store_recipients_free(r, n);
	return rc;
}

/* Start one scheduled campaign; a refusal sends it back to draft. */
static void
sched_start(struct db_source *src, const struct conf *cfg,
    const struct msg_hooks *h, int64_t id, const char *now,
    struct msg_sched_stats *st)
{
	struct store_campaign *c;
	struct msg_launch l;
	char num[24], *cause = NULL;

	snprintf(num, sizeof num, "%lld", (long long)id);
	if (store_campaign_get(src, num, &c, &cause) == -1) {
		log_warnx("campaign: scheduled campaign %s: %s", num, cause);
		free(cause);
		st->failed++;
		return;
	}
	if (msg_campaign_launch(src, cfg, c, h, now, &l, &cause) == -1) {
		log_warnx("campaign: scheduled campaign '%s' not started%s: "
		    "%s", c->name, l.refused ? " (back to draft)" : ", tried "
		    "again at the next tick", cause);
		free(cause);
		cause = NULL;
		if (l.refused && store_campaign_state(src, c->id, "draft", now,
		    &cause) == -1) {
			log_warnx("campaign: '%s': %s", c->name, cause);
			free(cause);
		}
		st->failed++;
	} else {
		log_info("campaign: '%s' started as scheduled: %zu queued, %zu "
		    "queued before", c->name, l.queued, l.dups);
		st->started++;
		st->queued += l.queued;
	}
	store_campaign_free(c);
}

/*
 * A periodic campaign called name, made scheduled at now unless it is
 * there already (*made 0): the due loop then starts it.
 */
static int
sched_periodic(struct db_source *src, const struct store_campaign *c,
    const char *now, int *made, char **cause)
{
	struct store_campaign *got;
	int64_t id;

	*made = 0;
	if (store_campaign_get(src, c->name, &got, NULL) == 0) {
		store_campaign_free(got);
		return 0;
	}
	if (store_campaign_new(src, c, now, &id, cause) == -1)
		return -1;
	*made = 1;
	return 0;
}

/* Minutes after midnight of "HH:MM", -1 when not one. */
static int
sched_minute(const char *hhmm)
{
	const char *errstr;
	int m;

	if (hhmm == NULL || conf_clock(hhmm, &m, &errstr) == -1)
		return -1;
	return m;
}

/* Today's birthday greeting, once the day has reached birthday-at. */
static int
sched_birthday(struct db_source *src, const struct conf *cfg,
    const struct tm *tm, const char *now, struct msg_sched_stats *st,
    char **cause)
{
	struct store_campaign c = { .channel = cfg->birthday_channel,
	    .source = "text", .kind = "periodic", .budget = -1,
	    .subject = cfg->birthday_subject, .body = cfg->birthday_text,
	    .scheduled_at = now };
	struct store_recipient *r;
	char name[40], seg[40], day[11];
	int at = sched_minute(cfg->birthday_at), made;
	size_t n;

	if (cfg->birthday_text == NULL || at < 0 ||
	    tm->tm_hour * 60 + tm->tm_min < at)
		return 0;
	strftime(day, sizeof day, "%Y-%m-%d", tm);
	snprintf(name, sizeof name, "birthday %s", day);
	snprintf(seg, sizeof seg, "birthday=%s", day);
	c.name = name;
	c.segment = seg;
	/* a day without birthdays leaves no empty campaign behind */
	if (store_campaign_recipients(src, c.channel, seg, &r, &n, cause) ==
	    -1)
		return -1;
	store_recipients_free(r, n);
	if (n == 0)
		return 0;
	if (sched_periodic(src, &c, now, &made, cause) == -1)
		return -1;
	st->periodic += made;
	return 0;
}

static const char *const sched_days[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

/*
 * No specials for this week's digest: it is kept cancelled, with the
 * reason as its text, so that it is logged once and not tried at every
 * tick; -1 with *cause (the reason) either way.
 */
static int
sched_no_digest(struct db_source *src, struct store_campaign *c,
    const char *now, char **cause)
{
	char *err = NULL;
	int64_t id;

	if (*cause == NULL)
		*cause = xstrdup("no specials");
	c->body = *cause;
	c->scheduled_at = NULL;
	if (store_campaign_new(src, c, now, &id, &err) == 0)
		store_campaign_state(src, id, "cancelled", now, &err);
	free(err);
	return -1;
}

/* This week's digest of the specials, on digest-day from digest-at. */
static int
sched_digest(struct db_source *src, const struct conf *cfg,
    const struct msg_hooks *h, const struct tm *tm, const char *now,
    struct msg_sched_stats *st, char **cause)
{
	struct store_campaign c = { .channel = cfg->digest_channel,
	    .source = "specials", .kind = "periodic", .budget = -1,
	    .subject = cfg->digest_subject, .scheduled_at = now };
	struct store_campaign *got;
	char name[40], *specials;
	int at = sched_minute(cfg->digest_at), made, rc;

	if (cfg->digest_day == NULL || strcmp(cfg->digest_day, "none") == 0 ||
	    strcmp(cfg->digest_day, sched_days[tm->tm_wday]) != 0 || at < 0 ||
	    tm->tm_hour * 60 + tm->tm_min < at)
		return 0;
	strftime(name, sizeof name, "digest %G-W%V", tm);
	if (store_campaign_get(src, name, &got, NULL) == 0) {
		store_campaign_free(got);
		return 0;
	}
	c.name = name;
	if (h == NULL || h->specials == NULL)
		return kf_error(cause, "weekly digest: no mappings to read the "
		    "specials from");
	if ((specials = h->specials(h->arg, cfg->digest_mapping, cause)) ==
	    NULL)
		return sched_no_digest(src, &c, now, cause);
	c.body = specials;
	if (cfg->digest_text != NULL) {
		c.body = xasprintf("%s%s", cfg->digest_text, specials);
		free(specials);
		specials = (char *)c.body;
	}
	rc = sched_periodic(src, &c, now, &made, cause);
	free(specials);
	st->periodic += rc == 0 ? made : 0;
	return rc;
}

int
msg_sched_tick(struct db_source *src, const struct conf *cfg,
    struct msg_hooks *h, time_t t, struct msg_sched_stats *st,
    char **cause)
{
	struct tm tm;
	char now[20], *err = NULL;
	int64_t *ids;
	size_t n, i;

	memset(st, 0, sizeof *st);
	localtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S", &tm);
	if (sched_birthday(src, cfg, &tm, now, st, &err) == -1 ||
	    sched_digest(src, cfg, h, &tm, now, st, &err) == -1) {
		log_warnx("campaign: %s", err);
		free(err);
		st->failed++;
	}
	if (msg_event_tick(src, cfg, t, &st->events, &err) == -1) {
		log_warnx("events: %s", err);
		free(err);
		st->failed++;
	}
	if (msg_points_tick(src, cfg, h, t, &st->points, &err) == -1) {
		log_warnx("points: the points-changed notices wait for the "
		    "next poll: %s", err);
		free(err);
		st->failed++;
	}
	if (store_campaign_due(src, now, &ids, &n, cause) == -1)
		return -1;
	for (i = 0; i < n; i++)
		sched_start(src, cfg, h, ids[i], now, st);
	free(ids);
	return 0;
}
