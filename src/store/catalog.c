/*
 * catalog.c: the built-in catalog for shops without an MIS.  Creates its
 * tables from sql/catalog/catalog.sql (drop.sql first when forced) and
 * loads the demo data of demo.c, all through db_run_script, then reads
 * the counts back for `kefu catalog build` and the tests.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

void
catalog_today(char out[11])
{
	struct tm tm;
	time_t now = store_clock(NULL);

	localtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static int
catalog_file(const char *sqldir, const char *file, char **text, char **cause)
{
	char *path;
	int rc;

	path = xasprintf("%s/catalog/%s", sqldir, file);
	rc = file_read(path, text, NULL, cause);
	free(path);
	return rc;
}

/*
 * 1 when catalog_info can be read (a catalog is there), 0 when the
 * database refuses the query (no such table), -1 with *cause when the
 * database cannot be reached at all.
 */
static int
catalog_exists(struct db_source *src, char **cause)
{
	struct db_query q = { .sql = "SELECT COUNT(*) FROM catalog_info" };
	struct db_result *res;
	struct db_err err;

	if (db_run(src, &q, &res, &err) == -1) {
		if (err.kind == DBE_SQL)
			return 0;
		return kf_error(cause, "datasource %s: %s", db_source_name(src),
		    store_errmsg(src, &err));
	}
	db_result_free(res);
	return 1;
}

int
catalog_build(struct db_source *src, const char *sqldir,
    const struct catalog_opts *opts, char **cause)
{
	struct db_err err;
	struct demo *d;
	char today[11], *script, *ddl, *drop = NULL, *all;
	int rc;

	if (opts->today != NULL)
		snprintf(today, sizeof today, "%s", opts->today);
	else
		catalog_today(today);
	/* Everything that can fail without a database comes first. */
	if (!opts->demo) {
		char check[11];

		if (demo_date_add(today, 0, check) == -1)
			return kf_error(cause,
			    "bad date '%s' (want YYYY-MM-DD)", today);
		script = xasprintf("INSERT INTO catalog_info (name, value) "
		    "VALUES ('built', '%s'), ('demo', 'no');\n", today);
	} else {
		if (demo_build(opts->seed, today, &d, cause) == -1)
			return -1;
		script = demo_script(d);
		demo_free(d);
	}
	if (!opts->force && (rc = catalog_exists(src, cause)) != 0) {
		free(script);
		if (rc == 1)
			kf_error(cause, "datasource %s already holds a catalog "
			    "(use --force to replace it)", db_source_name(src));
		return -1;
	}
	/* One script, so that SQLite and PostgreSQL build all or nothing. */
	if ((opts->force && catalog_file(sqldir, "drop.sql", &drop, cause) ==
	    -1) || catalog_file(sqldir, "catalog.sql", &ddl, cause) == -1) {
		free(drop);
		free(script);
		return -1;
	}
	all = xasprintf("%s\n%s\n%s", drop ? drop : "", ddl, script);
	free(drop);
	free(ddl);
	free(script);
	rc = db_run_script(src, all, &err);
	free(all);
	if (rc == -1)
		return kf_error(cause,
		    "datasource %s: building the catalog: %s",
		    db_source_name(src), store_errmsg(src, &err));

	log_info("catalog: %s: built%s for %s", db_source_name(src),
	    opts->demo ? " with demo data" : "", today);
	return 0;
}

static int
catalog_count1(struct db_source *src, const char *sql, const char *today,
    int64_t *n, char **cause)
{
	static const enum db_vtype types[] = { DBV_INT };
	struct db_param p[2] = {
		{ .type = DBV_DATE, .s = today },
		{ .type = DBV_DATE, .s = today },
	};
	struct db_query q = { .sql = sql, .coltypes = types, .ncoltypes = 1,
	    .params = p, .nparams = strchr(sql, '?') ? 2 : 0 };
	struct db_result *res;
	struct db_err err;

	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "datasource %s: %s", db_source_name(src),
		    store_errmsg(src, &err));
	*n = res->nrows == 1 ? DB_CELL(res, 0, 0)->i : 0;
	db_result_free(res);
	return 0;
}

int
catalog_count(struct db_source *src, const char *today,
    struct catalog_counts *c, char **cause)
{
	memset(c, 0, sizeof *c);
	switch (catalog_exists(src, cause)) {
	case -1:
		return -1;
	case 0:
		return kf_error(cause, "datasource %s holds no catalog (kefu "
		    "catalog build [--demo] creates one)", db_source_name(src));
	}
	if (catalog_count1(src, "SELECT COUNT(*) FROM products", NULL,
	    &c->products, cause) == -1 ||
	    catalog_count1(src, "SELECT COUNT(*) FROM promotions", NULL,
	    &c->promotions, cause) == -1 ||
	    catalog_count1(src, "SELECT COUNT(*) FROM notices", NULL,
	    &c->notices, cause) == -1 ||
	    catalog_count1(src, "SELECT COUNT(*) FROM staff", NULL,
	    &c->staff, cause) == -1 ||
	    catalog_count1(src, "SELECT COUNT(*) FROM staff_schedule", NULL,
	    &c->shifts, cause) == -1 ||
	    catalog_count1(src, "SELECT COUNT(*) FROM promotions WHERE "
	    "start_date <= ? AND end_date >= ?", today,
	    &c->promotions_today, cause) == -1)
		return -1;
	return 0;
}

int
catalog_decimal_ok(const char *s, int maxfrac)
{
	const char *p = s;
	int nd = 0;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == s || p - s > 9)
		return 0;
	if (*p == '.') {
		while (p[1 + nd] >= '0' && p[1 + nd] <= '9')
			nd++;
		if (nd < 1 || nd > maxfrac)
			return 0;
		p += 1 + nd;
	}
	return *p == '\0';
}

/* Characters of UTF-8 text s (not bytes), as VARCHAR(n) counts them. */
static size_t
catalog_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* GS1 barcodes (EAN-8, UPC-A, EAN-13, ITF-14): digits, check digit. */
static int
catalog_barcode_ok(const char *s)
{
	size_t len = strlen(s), i;
	int sum = 0;

	if ((len != 8 && len != 12 && len != 13 && len != 14) ||
	    strspn(s, "0123456789") != len)
		return 0;
	for (i = 0; i < len - 1; i++)
		sum += (s[len - 2 - i] - '0') * (i % 2 == 0 ? 3 : 1);
	return (10 - sum % 10) % 10 == s[len - 1] - '0';
}

static int
catalog_text_ok(const char *what, const char *s, size_t max, int need,
    char **cause)
{
	if (s == NULL || *s == '\0')
		return need ? kf_error(cause, "%s is empty", what) : 0;
	if (catalog_chars(s) > max)
		return kf_error(cause, "%s '%s' is longer than %zu characters",
		    what, s, max);
	return 0;
}

int
catalog_product_check(const struct catalog_product *p, char **cause)
{
	if (p->barcode == NULL || !catalog_barcode_ok(p->barcode))
		return kf_error(cause, "barcode '%s' is not an EAN-8, UPC-A, "
		    "EAN-13 or ITF-14 with its check digit",
		    p->barcode ? p->barcode : "");
	if (p->plu == NULL || *p->plu == '\0' || strlen(p->plu) > 8 ||
	    strspn(p->plu, "0123456789") != strlen(p->plu))
		return kf_error(cause, "PLU '%s' is not 1 to 8 digits",
		    p->plu ? p->plu : "");
	if (catalog_text_ok("name", p->name, 100, 1, cause) == -1 ||
	    catalog_text_ok("unit", p->unit, 8, 1, cause) == -1 ||
	    catalog_text_ok("spec", p->spec, 32, 0, cause) == -1 ||
	    catalog_text_ok("category", p->category, 32, 0, cause) == -1 ||
	    catalog_text_ok("brand", p->brand, 32, 0, cause) == -1)
		return -1;
	if (p->price == NULL || !catalog_decimal_ok(p->price, 2))
		return kf_error(cause, "price '%s' is not a price in yuan "
		    "(like 12.80)", p->price ? p->price : "");
	if (p->stock != NULL && *p->stock != '\0' &&
	    !catalog_decimal_ok(p->stock, 3))
		return kf_error(cause, "stock '%s' is not a quantity (like "
		    "12 or 1.250)", p->stock);
	return 0;
}

struct catalog_import_tx {
	struct catalog_product *p;
	size_t n;
	int skip_bad;
	struct catalog_import_counts *c;
	size_t clash;           /* index + 1 of a row refused, 0: none */
};

/* One statement of the import; res freed unless out wanted. */
static int
catalog_import_run(struct db_tx *tx, const char *sql, struct db_param *p,
    size_t np, int writes, int64_t *count, struct db_err *err)
{
	static const enum db_vtype types[] = { DBV_INT };
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .writes = writes, .coltypes = writes ? NULL : types,
	    .ncoltypes = writes ? 0 : 1 };
	struct db_result *res;

	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	if (count != NULL)
		*count = res->nrows == 1 ? DB_CELL(res, 0, 0)->i : 0;
	db_result_free(res);
	return 0;
}

static void
catalog_import_param(struct db_param *dp, enum db_vtype t, const char *s)
{
	*dp = (struct db_param){ .type = t, .s = s, .null = s == NULL ||
	    *s == '\0' };
}

static int
catalog_import_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct catalog_import_tx *a = arg;
	struct catalog_product *p;
	struct db_param dp[9];
	int64_t k;
	size_t i;

	for (i = 0; i < a->n; i++) {
		p = &a->p[i];
		if (p->why != NULL)
			continue;
		catalog_import_param(&dp[0], DBV_TEXT, p->plu);
		catalog_import_param(&dp[1], DBV_TEXT, p->barcode);
		if (catalog_import_run(tx, "SELECT COUNT(*) FROM products "
		    "WHERE plu = ? AND barcode <> ?", dp, 2, 0, &k, err) == -1)
			return -1;
		if (k > 0) {
			p->why = xasprintf("PLU %s belongs to another "
			    "product's barcode", p->plu);
			a->c->skipped++;
			if (a->skip_bad)
				continue;
			a->clash = i + 1;
			return -1;
		}
		if (catalog_import_run(tx, "SELECT COUNT(*) FROM products "
		    "WHERE barcode = ?", &dp[1], 1, 0, &k, err) == -1)
			return -1;
		catalog_import_param(&dp[0], DBV_TEXT, p->plu);
		catalog_import_param(&dp[1], DBV_TEXT, p->name);
		catalog_import_param(&dp[2], DBV_TEXT, p->spec);
		catalog_import_param(&dp[3], DBV_TEXT, p->unit);
		catalog_import_param(&dp[4], DBV_TEXT,
		    p->category && *p->category ? p->category : "未分类");
		catalog_import_param(&dp[5], DBV_TEXT, p->brand);
		catalog_import_param(&dp[6], DBV_DECIMAL, p->price);
		catalog_import_param(&dp[7], DBV_DECIMAL,
		    p->stock && *p->stock ? p->stock : "0");
		catalog_import_param(&dp[8], DBV_TEXT, p->barcode);
		if (catalog_import_run(tx, k > 0 ? "UPDATE products SET "
		    "plu = ?, name = ?, spec = ?, unit = ?, category = ?, "
		    "brand = ?, price = ?, stock = ?, active = 1 WHERE "
		    "barcode = ?" : "INSERT INTO products (plu, name, spec, "
		    "unit, category, brand, price, stock, barcode) VALUES "
		    "(?, ?, ?, ?, ?, ?, ?, ?, ?)", dp, 9, 1, NULL, err) == -1)
			return -1;
		if (k > 0)
			a->c->updated++;
		else
			a->c->added++;
	}
	return 0;
}

int
catalog_import(struct db_source *src, struct catalog_product *p, size_t n,
    int skip_bad, struct catalog_import_counts *c, char **cause)
{
	struct catalog_import_tx a = { .p = p, .n = n, .skip_bad = skip_bad,
	    .c = c };
	struct db_err err;
	char *why;
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < n; i++)
		if (catalog_product_check(&p[i], &why) == -1) {
			p[i].why = why;
			c->skipped++;
		}
	if (c->skipped > 0 && !skip_bad)
		return kf_error(cause, "%zu bad row%s: nothing imported "
		    "(--skip-bad imports the others)", c->skipped,
		    c->skipped == 1 ? "" : "s");
	if (db_tx(src, catalog_import_tx, &a, &err) == -1) {
		if (a.clash > 0)
			return kf_error(cause, "a bad row: nothing imported "
			    "(--skip-bad imports the others)");
		return kf_error(cause, "datasource %s: importing products: %s; "
		    "nothing imported", db_source_name(src),
		    store_errmsg(src, &err));
	}
	log_info("catalog: %s: imported %zu new and %zu changed products, "
	    "%zu bad rows skipped", db_source_name(src), c->added, c->updated,
	    c->skipped);
	return 0;
}
