/*
 * svc-campaign.c: what campaigns read through the retailer's mappings --
 * today's specials as one line of text for a campaign or the weekly
 * digest ("鸡蛋 500g 5.99元；..."), from a mapping's product_name, spec,
 * promo_price and price columns.  Used by kefu campaign and by kefud's
 * scheduler (msg/sched.c asks through struct msg_hooks).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "call/call.h"
#include "db/db.h"
#include "map/map.h"
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
