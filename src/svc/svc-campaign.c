/*
 * svc-campaign.c: what campaigns read through the retailer's mappings --
 * today's specials as one line of text for a campaign or the weekly
 * digest ("鸡蛋 500g 5.99元；..."), from a mapping's product_name, spec,
 * promo_price and price columns; the rows of a segment mapping (members
 * by customer_no, mobile or phone, with points); a member's points.
 * Used by kefu campaign and by kefud's scheduler: msg/ asks through
 * struct msg_hooks (svc_campaign_hooks), as it must not know mappings.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svc/svc.h"
#include "db/db.h"
#include "map/map.h"
#include "msg/msg.h"
#include "util/util.h"

/* One promotion as a line of the specials: "鸡蛋 500g 5.99元". */
static void
svc_campaign_special(struct strbuf *sb, const struct map_info *mi,
    const struct map_res *res, size_t row)
{
	const char *name = NULL, *spec = NULL, *promo = NULL, *price = NULL;
	const struct db_value *v;
	size_t i;

	for (i = 0; i < mi->ncolumns; i++) {
		v = MAP_ROW(res, row, i);
		if (v->null || v->s == NULL)
			continue;
		if (strcmp(mi->columns[i].var, "product_name") == 0)
			name = v->s;
		else if (strcmp(mi->columns[i].var, "spec") == 0)
			spec = v->s;
		else if (strcmp(mi->columns[i].var, "promo_price") == 0)
			promo = v->s;
		else if (strcmp(mi->columns[i].var, "price") == 0)
			price = v->s;
	}
	if (name == NULL)
		return;
	sb_addf(sb, "%s%s%s%s%s%s", sb->len ? "；" : "", name,
	    spec ? " " : "", spec ? spec : "", promo || price ? " " : "",
	    promo ? promo : price ? price : "");
	if (promo || price)
		sb_adds(sb, "元");
}

char *
svc_campaign_specials(const struct map_set *set, const char *mapping,
    char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	struct map_res res;
	const struct map *m;
	size_t i;

	if ((m = map_find(set, mapping)) == NULL) {
		kf_error(cause, "no mapping '%s' (see kefu map list)", mapping);
		return NULL;
	}
	if (map_run(m, NULL, 0, &res) != MAP_FOUND &&
	    res.outcome != MAP_MANY) {
		if (res.outcome == MAP_EMPTY)
			kf_error(cause, "%s: no specials today", mapping);
		else
			kf_error(cause, "%s: %s", mapping, res.error);
	} else
		for (i = 0; i < res.nrows; i++)
			svc_campaign_special(&sb, map_info(m), &res, i);
	map_res_free(&res);
	if (sb.len == 0) {
		sb_free(&sb);
		return NULL;
	}
	return sb_steal(&sb);
}

/* A cell as text (malloc'd), NULL when NULL. */
static char *
svc_campaign_cell(const struct db_value *v)
{
	if (v->null)
		return NULL;
	if (v->type == DBV_INT || v->type == DBV_BOOL)
		return xasprintf("%lld", (long long)v->i);
	return v->s != NULL ? xstrdup(v->s) : NULL;
}

/* The column of m whose var is one of names ('|'-separated), or -1. */
static int
svc_campaign_col(const struct map_info *mi, const char *names)
{
	size_t i, len;
	const char *p;

	for (i = 0; i < mi->ncolumns; i++)
		for (p = names; *p != '\0'; p += len + (p[len] == '|')) {
			len = strcspn(p, "|");
			if (strlen(mi->columns[i].var) == len &&
			    strncmp(mi->columns[i].var, p, len) == 0)
				return (int)i;
		}
	return -1;
}

static char *
svc_campaign_get(const struct map_res *res, size_t row, int col)
{
	return col < 0 ? NULL : svc_campaign_cell(MAP_ROW(res, row,
	    (size_t)col));
}

static int
svc_campaign_segment(void *arg, const char *mapping,
    struct msg_seg_row **rows, size_t *n, char **cause)
{
	const struct map *m;
	const struct map_info *mi;
	struct map_res res;
	size_t i;
	int c[4];

	*rows = NULL;
	*n = 0;
	if ((m = map_find(arg, mapping)) == NULL)
		return kf_error(cause, "segment: no mapping '%s' (see kefu map "
		    "list)", mapping);
	mi = map_info(m);
	c[0] = svc_campaign_col(mi, "customer_no|card_no");
	c[1] = svc_campaign_col(mi, "mobile");
	c[2] = svc_campaign_col(mi, "phone");
	c[3] = svc_campaign_col(mi, "points");
	if (c[0] < 0 && c[1] < 0 && c[2] < 0)
		return kf_error(cause, "segment: mapping %s has no column "
		    "customer_no, card_no, mobile or phone to find members by",
		    mapping);
	if (map_run(m, NULL, 0, &res) != MAP_FOUND &&
	    res.outcome != MAP_MANY && res.outcome != MAP_EMPTY) {
		kf_error(cause, "segment: %s: %s", mapping, res.error);
		map_res_free(&res);
		return -1;
	}
	*rows = xcalloc(res.nrows ? res.nrows : 1, sizeof **rows);
	for (i = 0; i < res.nrows; i++) {
		(*rows)[i].customer_no = svc_campaign_get(&res, i, c[0]);
		(*rows)[i].mobile = svc_campaign_get(&res, i, c[1]);
		(*rows)[i].phone = svc_campaign_get(&res, i, c[2]);
		(*rows)[i].points = svc_campaign_get(&res, i, c[3]);
	}
	*n = res.nrows;
	map_res_free(&res);
	return 0;
}

static char *
svc_campaign_points(void *arg, const char *mapping, const char *key,
    char **cause)
{
	const struct map *m;
	const struct map_info *mi;
	struct map_var in;
	struct map_res res;
	char *points = NULL;
	int col;

	if ((m = map_find(arg, mapping)) == NULL) {
		kf_error(cause, "[campaign] points-mapping: no mapping '%s' "
		    "(see kefu map list)", mapping);
		return NULL;
	}
	mi = map_info(m);
	if (mi->nparams == 0 || (col = svc_campaign_col(mi, "points")) < 0) {
		kf_error(cause, "[campaign] points-mapping: %s needs a "
		    "parameter and a column points", mapping);
		return NULL;
	}
	in = (struct map_var){ .name = mi->params[0].name, .value = key };
	switch (map_run(m, &in, 1, &res)) {
	case MAP_FOUND:
	case MAP_MANY:
		points = svc_campaign_get(&res, 0, col);
		break;
	case MAP_EMPTY:
	case MAP_INVALID:       /* a key of another form: not this one */
		break;
	default:
		kf_error(cause, "%s: %s", mapping, res.error);
	}
	map_res_free(&res);
	return points;
}

/* Add the page's rows to *rows (*n of them, room for *cap). */
static void
svc_campaign_page(const struct map_res *res, const int c[4],
    struct msg_seg_row **rows, size_t *n, size_t *cap)
{
	struct msg_seg_row *w;
	size_t i;

	if (*n + res->nrows > *cap) {
		*cap = (*n + res->nrows) * 2;
		*rows = xreallocarray(*rows, *cap, sizeof **rows);
	}
	for (i = 0; i < res->nrows; i++) {
		w = &(*rows)[(*n)++];
		w->customer_no = svc_campaign_get(res, i, c[0]);
		w->mobile = svc_campaign_get(res, i, c[1]);
		w->phone = svc_campaign_get(res, i, c[2]);
		w->points = svc_campaign_get(res, i, c[3]);
	}
}

/*
 * One page of a list points-mapping after the key after (NULL: no
 * parameter); *next the first column of its last row when the page was
 * full (malloc'd), else NULL.
 */
static int
svc_campaign_points_page(const struct map *m, const char *after,
    const int c[4], struct msg_seg_row **rows, size_t *n, size_t *cap,
    char **next, char **cause)
{
	const struct map_info *mi = map_info(m);
	struct map_var in = { .value = after };
	struct map_res res;

	*next = NULL;
	if (after != NULL)
		in.name = mi->params[0].name;
	switch (map_run(m, &in, after != NULL, &res)) {
	case MAP_FOUND:
	case MAP_MANY:
	case MAP_EMPTY:
		break;
	default:
		kf_error(cause, "%s: %s", mi->name, res.error);
		map_res_free(&res);
		return -1;
	}
	svc_campaign_page(&res, c, rows, n, cap);
	if (res.nrows == mi->max_rows && res.nrows > 0 && after != NULL)
		*next = svc_campaign_cell(MAP_ROW(&res, res.nrows - 1, 0));
	else if (res.outcome == MAP_MANY) {
		kf_error(cause, "[campaign] points-mapping: %s has more than "
		    "its max-rows (%zu) rows: raise max-rows, or give it a "
		    "parameter to read it page by page", mi->name,
		    mi->max_rows);
		map_res_free(&res);
		return -1;
	}
	map_res_free(&res);
	return 0;
}

/*
 * A list points-mapping read whole: without a parameter in one query;
 * with one, page after page, the parameter given "" and then the first
 * column of the last row of a full page (ORDER BY that column).
 */
static int
svc_campaign_points_all(void *arg, const char *mapping,
    struct msg_seg_row **rows, size_t *n, unsigned *queries, char **cause)
{
	const struct map *m;
	const struct map_info *mi;
	char *after, *next;
	size_t cap = 0;
	int c[4];

	*rows = NULL;
	*n = 0;
	if ((m = map_find(arg, mapping)) == NULL)
		return kf_error(cause, "[campaign] points-mapping: no mapping "
		    "'%s' (see kefu map list)", mapping);
	mi = map_info(m);
	if (mi->rows != MAPROWS_MANY)
		return 1;       /* one member's points per query */
	c[0] = svc_campaign_col(mi, "customer_no|card_no");
	c[1] = svc_campaign_col(mi, "mobile");
	c[2] = svc_campaign_col(mi, "phone");
	c[3] = svc_campaign_col(mi, "points");
	if ((c[0] < 0 && c[1] < 0 && c[2] < 0) || c[3] < 0 ||
	    mi->nparams > 1)
		return kf_error(cause, "[campaign] points-mapping: the list "
		    "mapping %s needs a column points, one of customer_no, "
		    "card_no, mobile or phone, and at most one parameter",
		    mapping);
	after = mi->nparams == 1 ? xstrdup("") : NULL;
	do {
		(*queries)++;
		if (svc_campaign_points_page(m, after, c, rows, n, &cap,
		    &next, cause) == -1) {
			free(after);
			msg_seg_rows_free(*rows, *n);
			*rows = NULL;
			*n = 0;
			return -1;
		}
		if (next != NULL && strcmp(next, after) <= 0) {
			kf_error(cause, "[campaign] points-mapping: %s gave "
			    "'%s' after '%s': its rows must be in order of "
			    "its first column, each once", mapping, next,
			    after);
			free(next);
			next = NULL;
			free(after);
			msg_seg_rows_free(*rows, *n);
			*rows = NULL;
			*n = 0;
			return -1;
		}
		free(after);
		after = next;
	} while (after != NULL);
	return 0;
}

static char *
svc_campaign_specials_h(void *arg, const char *mapping, char **cause)
{
	return svc_campaign_specials(arg, mapping, cause);
}

void
svc_campaign_hooks(struct msg_hooks *h, const struct map_set *set)
{
	h->specials = svc_campaign_specials_h;
	h->segment = svc_campaign_segment;
	h->points = svc_campaign_points;
	h->points_all = svc_campaign_points_all;
	h->arg = (void *)(uintptr_t)set;
}
