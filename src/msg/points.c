/*
 * points.c: real-time notices of a member's points balance changed in
 * the retailer's ERP, which kefu can only poll: every [campaign]
 * points-every the scheduler asks points-mapping for the points of each
 * member subscribed to SMS and compares them with the baseline kept in
 * the store (store/points.c).  The first answer is the baseline; a
 * change is queued as marketing (consent, opt-out and quiet hours are
 * checked again when it is sent, msg/suppress.c) under the key
 * points:MEMBER:N before it becomes the new baseline, so that a crash in
 * between tells nothing twice.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "msg/sms.h"
#include "store/store.h"
#include "util/util.h"

/* s as a whole number into *v; -1 when it is not one. */
static int
points_number(const char *s, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno != 0 || end == s || *end != '\0' ? -1 : 0;
}

/*
 * The template with {old_points} and {change} filled ("+120", "-35";
 * empty when a balance is not a whole number); the rest is the
 * campaign's placeholders (malloc'd).
 */
static char *
points_prefill(const char *tpl, const char *was, const char *now)
{
	struct strbuf sb = STRBUF_INIT;
	long long a, b;
	char change[24] = "";
	const char *p;

	if (points_number(was, &a) == 0 && points_number(now, &b) == 0)
		snprintf(change, sizeof change, "%+lld", b - a);
	for (p = tpl; *p != '\0'; p++) {
		if (strncmp(p, "{old_points}", 12) == 0) {
			sb_adds(&sb, was);
			p += 11;
		} else if (strncmp(p, "{change}", 8) == 0) {
			sb_adds(&sb, change);
			p += 7;
		} else
			sb_addc(&sb, *p);
	}
	return sb_steal(&sb);
}

/* Queue the notice of r's change N (was -> r->points). */
static int
points_queue(struct db_source *src, const struct conf *cfg,
    const struct store_recipient *r, const struct store_points *was,
    const char *now, int *dup, char **cause)
{
	struct store_campaign c = { .channel = "sms" };
	struct store_outbox_new m = { .channel = "sms",
	    .recipient = r->address, .recipient_name = r->name,
	    .msg_class = "marketing", .member_id = r->member_id,
	    .when = now };
	char *tpl, *text;

	tpl = points_prefill(cfg->event_points, was->points, r->points);
	c.body = tpl;
	text = msg_campaign_text(cfg, &c, r, 0);
	free(tpl);
	return msg_sms_enqueue(src, cfg, &m, text, xasprintf("points:%"
	    PRId64 ":%" PRId64, r->member_id, was->changes + 1), now, dup,
	    cause);
}

/* One member's answer against the baseline: told, kept, or nothing. */
static int
points_member(struct db_source *src, const struct conf *cfg,
    const struct store_recipient *r, const struct store_points *base,
    size_t nbase, const char *now, unsigned *queued, char **cause)
{
	const struct store_points *was;
	int dup;

	if (r->points == NULL)
		return 0;       /* not in the ERP: nothing to compare */
	was = store_points_find(base, nbase, r->member_id);
	if (was != NULL && strcmp(was->points, r->points) == 0)
		return 0;
	if (was != NULL) {
		if (points_queue(src, cfg, r, was, now, &dup, cause) == -1)
			return -1;
		if (!dup) {
			log_info("points: %s's points %s -> %s told to %s",
			    r->customer_no, was->points, r->points,
			    r->address);
			(*queued)++;
		}
	}
	return store_points_set(src, r->member_id, r->points, was, now,
	    cause);
}

int
msg_points_tick(struct db_source *src, const struct conf *cfg,
    struct msg_hooks *h, time_t t, unsigned *queued, char **cause)
{
	struct store_recipient *r = NULL;
	struct store_points *base = NULL;
	size_t n = 0, nbase = 0, i;
	unsigned queries = 0;
	struct tm tm;
	char now[20];
	int rc;

	*queued = 0;
	if (cfg->event_points == NULL || cfg->points_mapping == NULL ||
	    h == NULL || h->points == NULL)
		return 0;
	if (h->points_at != 0 &&
	    t < h->points_at + cfg->points_every_ms / 1000)
		return 0;
	h->points_at = t;
	localtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S", &tm);
	rc = store_campaign_recipients(src, "sms", NULL, &r, &n, cause);
	if (rc == 0)
		rc = msg_campaign_points(h, cfg, r, n, &queries, cause);
	if (rc == 0)
		rc = store_points_read(src, &base, &nbase, cause);
	for (i = 0; i < n && rc == 0; i++)
		rc = points_member(src, cfg, &r[i], base, nbase, now, queued,
		    cause);
	if (rc == 0)
		log_debug("points: %zu member(s) subscribed to SMS asked "
		    "of %s in %u quer%s, %u change(s) told", n,
		    cfg->points_mapping, queries, queries == 1 ? "y" : "ies",
		    *queued);
	free(base);
	store_recipients_free(r, n);
	return rc;
}
