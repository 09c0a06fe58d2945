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
	time_t now = time(NULL);

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
			return kf_error(cause, "bad date '%s' (want YYYY-MM-DD)",
			    today);
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
		return kf_error(cause, "datasource %s: building the catalog: %s",
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
