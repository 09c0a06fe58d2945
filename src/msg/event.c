/*
 * event.c: real-time notices of kefu's own events -- an order confirmed,
 * its delivery on its way -- as transactional SMS to the member, from
 * the [campaign] event-* templates, queued under the key
 * event:KIND:ORDER so that each event is told once.  The scheduler runs
 * it every tick (msg/sched.c): the events of the last event-window that
 * have no notice yet are queued (store/event.c).
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "msg/sms.h"
#include "store/store.h"
#include "util/util.h"

/* The value of placeholder name (len bytes) for e, or NULL. */
static const char *
event_value(const char *name, size_t len, const struct store_event *e)
{
	static const struct {
		const char *name;
		size_t off;
	} vars[] = {
		{ "name", offsetof(struct store_event, name) },
		{ "order_no", offsetof(struct store_event, order_no) },
		{ "date", offsetof(struct store_event, date) },
		{ "slot", offsetof(struct store_event, slot) },
		{ "total", offsetof(struct store_event, total) },
		{ "courier", offsetof(struct store_event, courier) },
	};
	const char *v;
	size_t i;

	for (i = 0; i < nitems(vars); i++)
		if (strlen(vars[i].name) == len &&
		    strncmp(vars[i].name, name, len) == 0) {
			v = *(char *const *)((const char *)e + vars[i].off);
			return v != NULL ? v : "";
		}
	return NULL;
}

/* A decimal amount with two places: "60.3" -> "60.30" (malloc'd). */
static char *
event_money(const char *s)
{
	const char *dot = strchr(s, '.');
	size_t places = dot != NULL ? strlen(dot + 1) : 0;

	if (dot == NULL)
		return xasprintf("%s.00", s);
	if (places < 2)
		return xasprintf("%s%s", s, places == 0 ? "00" : "0");
	return xstrdup(s);
}

char *
msg_event_text(const struct conf *cfg, const char *tpl,
    const struct store_event *e)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p, *close, *v;
	char *money = NULL;

	if (cfg->store_name != NULL)
		sb_addf(&sb, "【%s】", cfg->store_name);
	for (p = tpl; *p != '\0'; p++) {
		if (*p == '{' && (close = strchr(p + 1, '}')) != NULL &&
		    (v = event_value(p + 1, (size_t)(close - p - 1), e)) !=
		    NULL) {
			if (v == e->total && *v != '\0')
				v = money = event_money(v);
			sb_adds(&sb, v);
			free(money);
			money = NULL;
			p = close;
		} else
			sb_addc(&sb, *p);
	}
	return sb_steal(&sb);
}

int
msg_sms_enqueue(struct db_source *src, const struct conf *cfg,
    struct store_outbox_new *m, char *text, char *key, const char *now,
    int *dup, char **cause)
{
	struct sms_count sc;
	int64_t id;
	int rc;

	m->body = text;
	m->idem_key = key;
	if ((rc = sms_count(text, &sc, cause)) == 0) {
		m->parts = (int)sc.parts;
		m->cost = (int)sc.parts * cfg->sms_price;
		rc = store_outbox_enqueue(src, m, now, &id, dup, cause);
	}
	free(text);
	free(key);
	return rc;
}

/* Queue the notice of one event; *dup when it was queued before. */
static int
event_queue(struct db_source *src, const struct conf *cfg, const char *kind,
    const char *tpl, const struct store_event *e, const char *now,
    int *dup, char **cause)
{
	struct store_outbox_new m = { .channel = "sms", .recipient = e->mobile,
	    .recipient_name = e->name, .msg_class = "transactional",
	    .member_id = e->member_id, .order_id = e->order_id };

	return msg_sms_enqueue(src, cfg, &m, msg_event_text(cfg, tpl, e),
	    xasprintf("event:%s:%s", kind, e->order_no), now, dup, cause);
}

/* The template of kind, NULL when its notices are off. */
static const char *
event_template(const struct conf *cfg, const char *kind)
{
	if (strcmp(kind, "order-confirmed") == 0)
		return cfg->event_confirmed;
	return cfg->event_on_way;
}

int
msg_event_tick(struct db_source *src, const struct conf *cfg, time_t t,
    unsigned *queued, char **cause)
{
	struct store_event *e;
	struct tm tm;
	time_t st = t - cfg->event_window_ms / 1000;
	char now[20], since[20];
	const char *tpl;
	size_t n, i, k;
	int dup;

	*queued = 0;
	localtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S", &tm);
	localtime_r(&st, &tm);
	strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S", &tm);
	for (k = 0; store_event_kinds[k] != NULL; k++) {
		if ((tpl = event_template(cfg, store_event_kinds[k])) == NULL)
			continue;
		if (store_events_pending(src, store_event_kinds[k], since, &e,
		    &n, cause) == -1)
			return -1;
		for (i = 0; i < n; i++) {
			if (event_queue(src, cfg, store_event_kinds[k], tpl,
			    &e[i], now, &dup, cause) == -1) {
				store_events_free(e, n);
				return -1;
			}
			if (!dup) {
				log_info("events: %s of order %s told to %s",
				    store_event_kinds[k], e[i].order_no,
				    e[i].mobile);
				(*queued)++;
			}
		}
		store_events_free(e, n);
	}
	return 0;
}
