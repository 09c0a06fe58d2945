/*
 * campaign.c: what a campaign sends -- each recipient's text from the
 * campaign's template ({name} {customer_no}), the SMS signature 【store】
 * and opt-out text around it, counted in parts as the SMS codec splits
 * them (GSM 7-bit 160/153, UCS2 70/67: sms.h); the preview (recipients,
 * parts, cost, time at the configured rate); and the start, which queues
 * one outbox message per recipient under the key campaign:ID:member:MID
 * so that starting twice, or again after a crash, queues nothing twice.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "msg/sms.h"
#include "store/store.h"
#include "util/util.h"

/* The value of placeholder name (len bytes) for r, or NULL: not one. */
static const char *
campaign_value(const char *name, size_t len, const struct store_recipient *r)
{
	if (len == 4 && strncmp(name, "name", 4) == 0)
		return r->name ? r->name : "";
	if (len == 11 && strncmp(name, "customer_no", 11) == 0)
		return r->customer_no ? r->customer_no : "";
	return NULL;
}

static void
campaign_fill(struct strbuf *sb, const char *tpl,
    const struct store_recipient *r)
{
	const char *p, *close, *v;

	for (p = tpl; *p != '\0'; p++) {
		if (*p == '{' && (close = strchr(p + 1, '}')) != NULL &&
		    (v = campaign_value(p + 1, (size_t)(close - p - 1), r)) !=
		    NULL) {
			sb_adds(sb, v);
			p = close;
		} else
			sb_addc(sb, *p);
	}
}

char *
msg_campaign_text(const struct conf *cfg, const struct store_campaign *c,
    const struct store_recipient *r, int html)
{
	struct strbuf sb = STRBUF_INIT;
	int sms = strcmp(c->channel, "sms") == 0;

	if (html && c->body_html == NULL)
		return NULL;
	if (sms && cfg->store_name != NULL)
		sb_addf(&sb, "【%s】", cfg->store_name);
	campaign_fill(&sb, html ? c->body_html : c->body, r);
	if (sms && cfg->optout_text != NULL)
		sb_adds(&sb, cfg->optout_text);
	return sb_steal(&sb);
}

/* Parts and cost of one recipient's message. */
static int
campaign_cost(const struct conf *cfg, const struct store_campaign *c,
    const char *text, struct sms_count *sc, int *cost, char **cause)
{
	memset(sc, 0, sizeof *sc);
	if (strcmp(c->channel, "sms") != 0) {
		sc->parts = 1;
		*cost = cfg->email_price;
		return 0;
	}
	if (sms_count(text, sc, cause) == -1)
		return -1;
	*cost = (int)sc->parts * cfg->sms_price;
	return 0;
}

/* Messages per second the channel's transports take, 0: unknown. */
static double
campaign_rate(const struct conf *cfg, const char *channel, const char **via)
{
	const struct conf_smsgw *g;

	if (strcmp(channel, "sms") == 0) {
		*via = "the first [sms-gateway] rate";
		g = http_gateway(cfg, NULL);
		return g != NULL ? g->rate : 0;
	}
	*via = "[email] rate";
	return cfg->email_rate;
}

int
msg_campaign_plan(const struct conf *cfg, const struct store_campaign *c,
    const struct store_recipient *r, size_t n, struct msg_campaign_plan *p,
    char **cause)
{
	struct sms_count sc;
	char *text;
	size_t i;
	int cost;

	memset(p, 0, sizeof *p);
	p->recipients = n;
	for (i = 0; i < n; i++) {
		text = msg_campaign_text(cfg, c, &r[i], 0);
		if (campaign_cost(cfg, c, text, &sc, &cost, cause) == -1) {
			free(text);
			return -1;
		}
		free(text);
		if (i == 0 || sc.parts < p->parts_min)
			p->parts_min = sc.parts;
		if (sc.parts > p->parts_max)
			p->parts_max = sc.parts;
		if (sc.coding == SMS_UCS2)
			p->ucs2++;
		p->parts += sc.parts;
		p->cost += cost;
	}
	p->rate = campaign_rate(cfg, c->channel, &p->rate_from);
	p->seconds = p->rate > 0 ? (double)n / p->rate : 0;
	return 0;
}

/* Queue one recipient's message; *dup 1 when it was queued before. */
static int
campaign_queue(struct db_source *src, const struct conf *cfg,
    const struct store_campaign *c, const struct store_recipient *r,
    const char *now, int *dup, char **cause)
{
	struct store_outbox_new m = { .channel = c->channel,
	    .recipient = r->address, .recipient_name = r->name,
	    .subject = c->subject, .msg_class = "marketing",
	    .member_id = r->member_id, .campaign_id = c->id };
	struct sms_count sc;
	char *text, *html, *key;
	int64_t id;
	int rc;

	text = msg_campaign_text(cfg, c, r, 0);
	html = msg_campaign_text(cfg, c, r, 1);
	key = xasprintf("campaign:%lld:member:%lld", (long long)c->id,
	    (long long)r->member_id);
	m.body = text;
	m.body_html = html;
	m.idem_key = key;
	if ((rc = campaign_cost(cfg, c, text, &sc, &m.cost, cause)) == 0) {
		m.parts = (int)sc.parts;
		rc = store_outbox_enqueue(src, &m, now, &id, dup, cause);
	}
	free(text);
	free(html);
	free(key);
	return rc;
}

int
msg_campaign_recipients(struct db_source *src, const struct msg_hooks *h,
    const struct store_campaign *c, struct store_recipient **r, size_t *n,
    char **cause)
{
	(void)h;
	return store_campaign_recipients(src, c->channel, c->segment, r, n,
	    cause);
}

int
msg_campaign_start(struct db_source *src, const struct conf *cfg,
    const struct store_campaign *c, const struct store_recipient *r,
    size_t n, const char *at, size_t *queued, size_t *dups, char **cause)
{
	char now[20];
	size_t i;
	int dup;

	*queued = *dups = 0;
	if (at != NULL)
		snprintf(now, sizeof now, "%s", at);
	else
		msg_time(now, 0);
	for (i = 0; i < n; i++) {
		if (campaign_queue(src, cfg, c, &r[i], now, &dup, cause) == -1)
			return -1;
		if (dup)
			(*dups)++;
		else
			(*queued)++;
	}
	return 0;
}
