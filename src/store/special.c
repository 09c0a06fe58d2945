/*
 * special.c: today's specials, entered by the desk into the built-in
 * catalog's promotions table (kind 特价) for `kefu special add|list|end`.
 * The product is looked up by barcode or PLU first: an unknown one is an
 * error and nothing is written.  What callers hear is the promotions
 * flow reading mappings/catalog/today.xml.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

#define SPECIAL_KIND "特价"

static int
special_fail(struct db_source *src, const struct db_err *err, char **cause)
{
	return kf_error(cause, "datasource %s: %s", db_source_name(src),
	    store_errmsg(src, err));
}

/* A price in yuan, not zero. */
static int
special_price_ok(const char *s)
{
	return s != NULL && catalog_decimal_ok(s, 2) &&
	    strspn(s, "0.") != strlen(s);
}

static int
special_date_ok(const char *s)
{
	char check[11];

	return s != NULL && demo_date_add(s, 0, check) == 0 &&
	    strcmp(check, s) == 0;
}

struct special_tx {
	struct store_special *sp;
	const char *desc;
};

static int
special_add_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	static const enum db_vtype types[] = { DBV_INT };
	struct special_tx *a = arg;
	struct store_special *sp = a->sp;
	struct db_query q = { .sql = "SELECT COALESCE(MAX(id), 0) + 1 FROM "
	    "promotions", .coltypes = types, .ncoltypes = 1 };
	struct db_param p[6];
	struct db_result *res;

	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	sp->id = DB_CELL(res, 0, 0)->i;
	db_result_free(res);
	memset(p, 0, sizeof p);
	p[0] = (struct db_param){ .type = DBV_INT, .i = sp->id };
	p[1] = (struct db_param){ .type = DBV_TEXT, .s = sp->barcode };
	p[2] = (struct db_param){ .type = DBV_DECIMAL, .s = sp->price };
	p[3] = (struct db_param){ .type = DBV_TEXT, .s = a->desc };
	p[4] = (struct db_param){ .type = DBV_DATE, .s = sp->from };
	p[5] = (struct db_param){ .type = DBV_DATE, .s = sp->until };
	q = (struct db_query){ .sql = "INSERT INTO promotions (id, barcode, "
	    "kind, promo_price, description, start_date, end_date) VALUES "
	    "(?, ?, '" SPECIAL_KIND "', ?, ?, ?, ?)", .params = p,
	    .nparams = 6, .writes = 1 };
	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	db_result_free(res);
	return 0;
}

int
store_special_add(struct db_source *src, struct store_special *sp,
    char **cause)
{
	static const enum db_vtype types[] = { DBV_TEXT, DBV_TEXT, DBV_TEXT,
	    DBV_DECIMAL };
	struct db_param p[2] = {
		{ .type = DBV_TEXT, .s = sp->code },
		{ .type = DBV_TEXT, .s = sp->code },
	};
	struct db_query q = { .sql = "SELECT barcode, name, spec, price FROM "
	    "products WHERE barcode = ? OR plu = ?", .params = p, .nparams = 2,
	    .coltypes = types, .ncoltypes = 4 };
	struct special_tx a = { .sp = sp };
	struct db_result *res;
	struct db_err err;
	char *desc;
	int rc;

	if (!special_price_ok(sp->price))
		return kf_error(cause, "special: price '%s' is not a price in "
		    "yuan (like 12.80)", sp->price);
	if (!special_date_ok(sp->from) || !special_date_ok(sp->until))
		return kf_error(cause, "special: dates must be YYYY-MM-DD");
	if (strcmp(sp->from, sp->until) > 0)
		return kf_error(cause, "special: --until %s is before "
		    "--from %s", sp->until, sp->from);
	if (db_run(src, &q, &res, &err) == -1)
		return special_fail(src, &err, cause);
	if (res->nrows != 1) {
		db_result_free(res);
		return kf_error(cause, "special: no product with barcode or "
		    "PLU %s in the catalog; nothing added", sp->code);
	}
	snprintf(sp->barcode, sizeof sp->barcode, "%s",
	    DB_CELL(res, 0, 0)->s);
	snprintf(sp->name, sizeof sp->name, "%s", DB_CELL(res, 0, 1)->s);
	desc = xasprintf("%s%s %s，原价%s元，%s%s元", DB_CELL(res, 0, 1)->s,
	    DB_CELL(res, 0, 2)->null ? "" : DB_CELL(res, 0, 2)->s,
	    SPECIAL_KIND, DB_CELL(res, 0, 3)->s, SPECIAL_KIND, sp->price);
	db_result_free(res);
	a.desc = desc;
	rc = db_tx(src, special_add_tx, &a, &err);
	free(desc);
	if (rc == -1)
		return special_fail(src, &err, cause);
	log_info("special: %s (%s) at %s from %s until %s added as %lld",
	    sp->barcode, sp->name, sp->price, sp->from, sp->until,
	    (long long)sp->id);
	return 0;
}

int
store_special_list(struct db_source *src, const char *today,
    struct store_special **out, size_t *n, char **cause)
{
	static const enum db_vtype types[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	    DBV_DECIMAL, DBV_DATE, DBV_DATE };
	struct db_param p[1] = { { .type = DBV_DATE, .s = today } };
	struct db_query q = { .sql = "SELECT r.id, r.barcode, p.name, "
	    "r.promo_price, r.start_date, r.end_date FROM promotions r JOIN "
	    "products p ON p.barcode = r.barcode WHERE r.kind = '"
	    SPECIAL_KIND "' AND r.end_date >= ? ORDER BY r.start_date, r.id",
	    .params = p, .nparams = 1, .coltypes = types, .ncoltypes = 6 };
	struct db_result *res;
	struct db_err err;
	struct store_special *sp;
	size_t i;

	if (db_run(src, &q, &res, &err) == -1)
		return special_fail(src, &err, cause);
	sp = xcalloc(res->nrows ? res->nrows : 1, sizeof *sp);
	for (i = 0; i < res->nrows; i++) {
		sp[i].id = DB_CELL(res, i, 0)->i;
		snprintf(sp[i].barcode, sizeof sp[i].barcode, "%s",
		    DB_CELL(res, i, 1)->s);
		snprintf(sp[i].name, sizeof sp[i].name, "%s",
		    DB_CELL(res, i, 2)->s);
		snprintf(sp[i].price_s, sizeof sp[i].price_s, "%s",
		    DB_CELL(res, i, 3)->null ? "-" : DB_CELL(res, i, 3)->s);
		snprintf(sp[i].from_s, sizeof sp[i].from_s, "%s",
		    DB_CELL(res, i, 4)->s);
		snprintf(sp[i].until_s, sizeof sp[i].until_s, "%s",
		    DB_CELL(res, i, 5)->s);
	}
	*n = res->nrows;
	*out = sp;
	db_result_free(res);
	return 0;
}

int
store_special_end(struct db_source *src, int64_t id, const char *today,
    char **cause)
{
	char yesterday[11];
	struct db_param p[3] = {
		{ .type = DBV_DATE, .s = yesterday },   /* filled below */
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_DATE, .s = today },
	};
	struct db_query q = { .sql = "UPDATE promotions SET end_date = ? "
	    "WHERE id = ? AND kind = '" SPECIAL_KIND "' AND end_date >= ?",
	    .params = p, .nparams = 3, .writes = 1 };
	struct db_result *res;
	struct db_err err;
	int rc;

	if (demo_date_add(today, -1, yesterday) == -1)
		return kf_error(cause, "special: bad date '%s'", today);
	if (db_run(src, &q, &res, &err) == -1)
		return special_fail(src, &err, cause);
	rc = res->affected == 0 ? kf_error(cause, "special: no current "
	    "special %lld (kefu special list shows them)", (long long)id) : 0;
	db_result_free(res);
	if (rc == 0)
		log_info("special: %lld ended on %s", (long long)id, today);
	return rc;
}
