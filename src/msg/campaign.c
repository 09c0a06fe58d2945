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
	if (len == 6 && strncmp(name, "points", 6) == 0)
		return r->points ? r->points : "";
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

void
msg_seg_rows_free(struct msg_seg_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].customer_no);
		free(rows[i].mobile);
		free(rows[i].phone);
		free(rows[i].points);
	}
	free(rows);
}

/* The NAME of mapping=NAME in a segment (malloc'd), or NULL. */
static char *
campaign_seg_mapping(const char *segment)
{
	const char *p, *end;
	size_t len;

	for (p = segment; p != NULL && *p != '\0'; p = end) {
		p += strspn(p, " \t,;");
		len = strcspn(p, ",;");
		end = p + len;
		if (strncmp(p, "mapping", 7) == 0 &&
		    p[7 + strspn(p + 7, " ")] == '=') {
			p = strchr(p, '=') + 1;
			p += strspn(p, " \t");
			len = (size_t)(end - p);
			while (len > 0 && (p[len - 1] == ' ' ||
			    p[len - 1] == '\t'))
				len--;
			return xstrndup(p, len);
		}
	}
	return NULL;
}

static int
campaign_same(const char *a, const char *b)
{
	return a != NULL && b != NULL && *a != '\0' && strcmp(a, b) == 0;
}

/* The mapping's row naming member r, or NULL. */
static const struct msg_seg_row *
campaign_row(const struct msg_seg_row *rows, size_t n,
    const struct store_recipient *r)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (campaign_same(rows[i].customer_no, r->customer_no) ||
		    campaign_same(rows[i].mobile, r->mobile) ||
		    campaign_same(rows[i].phone, r->phone) ||
		    campaign_same(rows[i].phone, r->mobile))
			return &rows[i];
	return NULL;
}

/* Free what one recipient holds. */
static void
campaign_drop(struct store_recipient *r)
{
	free(r->customer_no);
	free(r->name);
	free(r->address);
	free(r->language);
	free(r->mobile);
	free(r->phone);
	free(r->points);
}

/* Keep the members the segment mapping names, with their points. */
static int
campaign_by_mapping(const struct msg_hooks *h, const char *mapping,
    struct store_recipient *r, size_t *n, char **cause)
{
	const struct msg_seg_row *row;
	struct msg_seg_row *rows;
	size_t nrows, i, k = 0;

	if (h == NULL || h->segment == NULL)
		return kf_error(cause, "segment: mapping=%s: no mappings here",
		    mapping);
	if (h->segment(h->arg, mapping, &rows, &nrows, cause) == -1)
		return -1;
	for (i = 0; i < *n; i++) {
		if ((row = campaign_row(rows, nrows, &r[i])) == NULL) {
			campaign_drop(&r[i]);
			continue;
		}
		r[k] = r[i];
		if (row->points != NULL && r[k].points == NULL)
			r[k].points = xstrdup(row->points);
		k++;
	}
	*n = k;
	msg_seg_rows_free(rows, nrows);
	return 0;
}

/* One key of a list points-mapping's row, sorted for bsearch. */
struct campaign_key {
	const char *key;
	const struct msg_seg_row *row;
};

static int
campaign_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct campaign_key *)a)->key,
	    ((const struct campaign_key *)b)->key);
}

/* By key, then in the mapping's row order. */
static int
campaign_key_sort(const void *a, const void *b)
{
	const struct campaign_key *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Add key (when it is one) of row to k. */
static void
campaign_key_add(struct campaign_key *k, size_t *n, const char *key,
    const struct msg_seg_row *row)
{
	if (key != NULL && *key != '\0') {
		k[*n].key = key;
		k[(*n)++].row = row;
	}
}

/* The points of the row that key names in k, or NULL. */
static const char *
campaign_key_find(const struct campaign_key *k, size_t n, const char *key)
{
	struct campaign_key want = { key, NULL };
	const struct campaign_key *f;

	if (key == NULL || *key == '\0' ||
	    (f = bsearch(&want, k, n, sizeof *k, campaign_key_cmp)) == NULL)
		return NULL;
	/* the first row of that key, as a per-member query would take */
	while (f > k && strcmp(f[-1].key, key) == 0)
		f--;
	return f->row->points;
}

/*
 * The points of the list rows matched to the recipients without:
 * mobile or phone against the rows' mobile and phone, the customer
 * number against customer_no (card_no) -- the keys in the order a
 * per-member query asks them.
 */
static void
campaign_points_match(const struct msg_seg_row *rows, size_t nrows,
    struct store_recipient *r, size_t n)
{
	struct campaign_key *num, *card;
	const char *pts;
	size_t nnum = 0, ncard = 0, i;

	num = xcalloc(2 * nrows + 1, sizeof *num);
	card = xcalloc(nrows + 1, sizeof *card);
	for (i = 0; i < nrows; i++) {
		campaign_key_add(num, &nnum, rows[i].mobile, &rows[i]);
		campaign_key_add(num, &nnum, rows[i].phone, &rows[i]);
		campaign_key_add(card, &ncard, rows[i].customer_no, &rows[i]);
	}
	qsort(num, nnum, sizeof *num, campaign_key_sort);
	qsort(card, ncard, sizeof *card, campaign_key_sort);
	for (i = 0; i < n; i++) {
		if (r[i].points != NULL)
			continue;
		if ((pts = campaign_key_find(num, nnum, r[i].mobile)) ==
		    NULL && (pts = campaign_key_find(num, nnum,
		    r[i].phone)) == NULL)
			pts = campaign_key_find(card, ncard, r[i].customer_no);
		if (pts != NULL)
			r[i].points = xstrdup(pts);
	}
	free(num);
	free(card);
}

/* Points asked of the mapping once per recipient and key. */
static int
campaign_points_each(const struct msg_hooks *h, const struct conf *cfg,
    struct store_recipient *r, size_t n, unsigned *queries, char **cause)
{
	const char *keys[3];
	char *err = NULL;
	size_t i, j;

	for (i = 0; i < n; i++) {
		keys[0] = r[i].mobile;
		keys[1] = r[i].phone;
		keys[2] = r[i].customer_no;
		for (j = 0; j < nitems(keys) && r[i].points == NULL; j++) {
			if (keys[j] == NULL || *keys[j] == '\0')
				continue;
			(*queries)++;
			r[i].points = h->points(h->arg, cfg->points_mapping,
			    keys[j], &err);
			if (err != NULL) {
				kf_error(cause, "%s", err);
				free(err);
				return -1;
			}
		}
	}
	return 0;
}

int
msg_campaign_points(const struct msg_hooks *h, const struct conf *cfg,
    struct store_recipient *r, size_t n, unsigned *queries, char **cause)
{
	struct msg_seg_row *rows;
	size_t nrows, i;
	unsigned q = 0;
	int rc;

	if (queries == NULL)
		queries = &q;
	*queries = 0;
	if (cfg->points_mapping == NULL || h == NULL || h->points == NULL)
		return 0;
	for (i = 0; i < n && r[i].points != NULL; i++)
		;
	if (i == n)
		return 0;       /* every one has points already */
	rc = h->points_all == NULL ? 1 : h->points_all(h->arg,
	    cfg->points_mapping, &rows, &nrows, queries, cause);
	if (rc == 1)
		return campaign_points_each(h, cfg, r, n, queries, cause);
	if (rc == 0) {
		campaign_points_match(rows, nrows, r, n);
		msg_seg_rows_free(rows, nrows);
	}
	return rc;
}

int
msg_campaign_recipients(struct db_source *src, const struct msg_hooks *h,
    const struct conf *cfg, const struct store_campaign *c,
    struct store_recipient **r, size_t *n, char **cause)
{
	char *mapping = campaign_seg_mapping(c->segment);
	int rc;

	rc = store_campaign_recipients(src, c->channel, c->segment, r, n,
	    cause);
	if (rc == 0 && mapping != NULL)
		rc = campaign_by_mapping(h, mapping, *r, n, cause);
	if (rc == 0 && (strstr(c->body, "{points}") != NULL ||
	    (c->body_html != NULL && strstr(c->body_html, "{points}") !=
	    NULL)))
		rc = msg_campaign_points(h, cfg, *r, *n, NULL, cause);
	free(mapping);
	if (rc == -1) {
		store_recipients_free(*r, *n);
		*r = NULL;
		*n = 0;
	}
	return rc;
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
