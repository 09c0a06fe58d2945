/*
 * cmd-catalog.c: `kefu catalog build|status` -- the built-in product
 * catalog for shops without an MIS, created through ODBC at the
 * [datasource catalog] of kefu.conf (store/catalog.c, store/demo.c).
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

static void
cmd_catalog_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu catalog build [-d DATASOURCE] [--demo] "
	    "[--force] [--date YYYY-MM-DD] [--seed N]\n"
	    "       kefu catalog status [-d DATASOURCE] [--date YYYY-MM-DD]\n"
	    "       kefu catalog import [-d DATASOURCE] [--encoding UTF-8|GBK] "
	    "[--skip-bad] FILE.csv\n");
}

/* Also for cmd-special.c: the catalog datasource opened for writing. */
int
cmd_catalog_open(const char *name, struct db_source **src, char **where)
{
	struct conf *conf;
	struct conf_datasource *cfg, rw;
	char *cause = NULL, *path = NULL;

	*where = NULL;
	if ((conf = cli_conf()) == NULL)
		return -1;
	if ((cfg = conf_datasource(conf, name)) == NULL) {
		fprintf(stderr, "kefu catalog: %s: no [datasource %s]\n",
		    conf->path, name);
		return -1;
	}
	/* Mappings read the catalog read-only; building it must write. */
	rw = *cfg;
	rw.readonly = 0;
	if (store_sqlite_path(&rw, &path, &cause) == -1 ||
	    db_source_open(&rw, NULL, src, &cause) == -1) {
		fprintf(stderr, "kefu catalog: %s\n", cause);
		free(cause);
		free(path);
		return -1;
	}
	*where = path ? path : log_redact(cfg->connect[0]);
	return 0;
}

static int
cmd_catalog_print(struct db_source *src, const char *where, const char *day)
{
	struct catalog_counts c;
	char *cause = NULL;

	if (catalog_count(src, day, &c, &cause) == -1) {
		fprintf(stderr, "kefu catalog: %s\n", cause);
		free(cause);
		return CLI_FAIL;
	}
	printf("catalog '%s' at %s\n", db_source_name(src), where);
	printf("products:   %lld\n", (long long)c.products);
	printf("promotions: %lld (%lld valid on %s)\n",
	    (long long)c.promotions, (long long)c.promotions_today, day);
	printf("notices:    %lld\n", (long long)c.notices);
	printf("staff:      %lld (%lld shifts)\n", (long long)c.staff,
	    (long long)c.shifts);
	return CLI_OK;
}

/* The import's columns, by their name in the CSV header. */
static const char *const cmd_catalog_cols[] = {
	"barcode", "plu", "name", "spec", "unit", "category", "brand",
	"price", "stock",
};
enum { CC_BARCODE, CC_PLU, CC_NAME, CC_SPEC, CC_UNIT, CC_CATEGORY,
	CC_BRAND, CC_PRICE, CC_STOCK, CC_N };

/* The column of each CC_* in the header (-1: absent); -1 on an error. */
static int
cmd_catalog_header(const char *file, const struct csv_rec *h,
    int col[CC_N])
{
	static const int need[] = { CC_BARCODE, CC_PLU, CC_NAME, CC_UNIT,
	    CC_PRICE };
	size_t i, j;

	for (j = 0; j < CC_N; j++)
		col[j] = -1;
	for (i = 0; i < h->n; i++) {
		for (j = 0; j < CC_N; j++)
			if (strcmp(str_trim(h->f[i]), cmd_catalog_cols[j]) == 0)
				break;
		if (j == CC_N || col[j] != -1) {
			fprintf(stderr, "%s:%d: column '%s' is %s (columns: "
			    "barcode, plu, name, spec, unit, category, brand, "
			    "price, stock)\n", file, h->line, h->f[i],
			    j == CC_N ? "unknown" : "doubled");
			return -1;
		}
		col[j] = (int)i;
	}
	for (i = 0; i < nitems(need); i++)
		if (col[need[i]] == -1) {
			fprintf(stderr, "%s:%d: no column '%s' (barcode, plu, "
			    "name, unit and price are needed)\n", file,
			    h->line, cmd_catalog_cols[need[i]]);
			return -1;
		}
	return 0;
}

static const char *
cmd_catalog_field(const struct csv_rec *r, const int col[CC_N], int c)
{
	if (col[c] < 0 || (size_t)col[c] >= r->n)
		return NULL;
	return str_trim(r->f[col[c]]);
}

static int
cmd_catalog_load(struct db_source *src, const char *file,
    struct csv_rec *r, size_t n, const int col[CC_N], int skip_bad,
    const char *enc)
{
	struct catalog_product *p;
	struct catalog_import_counts c;
	char *cause = NULL;
	size_t i;
	int rc;

	p = xcalloc(n, sizeof *p);
	for (i = 1; i < n; i++) {
		p[i - 1].line = r[i].line;
		if (r[i].n != r[0].n) {
			p[i - 1].why = xasprintf("%zu fields, the header has "
			    "%zu", r[i].n, r[0].n);
			continue;
		}
		p[i - 1].barcode = cmd_catalog_field(&r[i], col, CC_BARCODE);
		p[i - 1].plu = cmd_catalog_field(&r[i], col, CC_PLU);
		p[i - 1].name = cmd_catalog_field(&r[i], col, CC_NAME);
		p[i - 1].spec = cmd_catalog_field(&r[i], col, CC_SPEC);
		p[i - 1].unit = cmd_catalog_field(&r[i], col, CC_UNIT);
		p[i - 1].category = cmd_catalog_field(&r[i], col, CC_CATEGORY);
		p[i - 1].brand = cmd_catalog_field(&r[i], col, CC_BRAND);
		p[i - 1].price = cmd_catalog_field(&r[i], col, CC_PRICE);
		p[i - 1].stock = cmd_catalog_field(&r[i], col, CC_STOCK);
	}
	rc = catalog_import(src, p, n - 1, skip_bad, &c, &cause);
	for (i = 0; i < n - 1; i++) {
		if (p[i].why != NULL)
			fprintf(stderr, "%s:%d: %s%s\n", file, p[i].line,
			    p[i].why, skip_bad ? " (skipped)" : "");
		free(p[i].why);
	}
	free(p);
	if (rc == -1) {
		fprintf(stderr, "kefu catalog: %s: %s\n", file, cause);
		free(cause);
		return CLI_FAIL;
	}
	printf("imported %s (%s): %zu added, %zu updated, %zu bad rows "
	    "skipped\n", file, enc, c.added, c.updated, c.skipped);
	return CLI_OK;
}

static int
cmd_catalog_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "datasource", required_argument, NULL, 'd' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "skip-bad", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct db_source *src;
	struct csv_rec *r;
	const char *name = "catalog", *enc = NULL;
	char *text, *where, *cause = NULL;
	size_t n;
	int ch, skip_bad = 0, line, col[CC_N], rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+d:", longopts, NULL)) != -1) {
		if (ch == 'd')
			name = optarg;
		else if (ch == 'e')
			enc = optarg;
		else if (ch == 's')
			skip_bad = 1;
		else {
			cmd_catalog_usage(stderr);
			return CLI_USAGE;
		}
	}
	if (optind != argc - 1) {
		cmd_catalog_usage(stderr);
		return CLI_USAGE;
	}
	if (csv_read(argv[optind], &enc, &text, &cause) == -1) {
		fprintf(stderr, "kefu catalog: %s\n", cause);
		free(cause);
		return CLI_FAIL;
	}
	rc = csv_parse(text, &r, &n, &line);
	free(text);
	if (rc == -1) {
		fprintf(stderr, "%s:%d: a quoted field is never closed\n",
		    argv[optind], line);
		return CLI_FAIL;
	}
	if (n == 0 || cmd_catalog_header(argv[optind], &r[0], col) == -1) {
		if (n == 0)
			fprintf(stderr, "%s: empty: no header line\n",
			    argv[optind]);
		csv_recs_free(r, n);
		return CLI_FAIL;
	}
	if (cmd_catalog_open(name, &src, &where) == -1) {
		csv_recs_free(r, n);
		return CLI_FAIL;
	}
	rc = cmd_catalog_load(src, argv[optind], r, n, col, skip_bad, enc);
	csv_recs_free(r, n);
	free(where);
	db_source_close(src);
	return rc;
}

/*
 * The options of build (build = 1) or status into *name, day and *opts:
 * 0, or -1 after the usage went to the standard error.
 */
static int
cmd_catalog_args(int argc, char **argv, int build, const char **name,
    char day[11], struct catalog_opts *opts)
{
	static const struct option longopts[] = {
		{ "datasource", required_argument, NULL, 'd' },
		{ "demo", no_argument, NULL, 'D' },
		{ "force", no_argument, NULL, 'f' },
		{ "date", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *errstr;
	char check[11];
	long long seed;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+d:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			*name = optarg;
			continue;
		case 't':
			if (demo_date_add(optarg, 0, check) == 0 &&
			    strcmp(check, optarg) == 0) {
				snprintf(day, 11, "%s", optarg);
				continue;
			}
			fprintf(stderr, "kefu catalog: --date %s: not a date "
			    "(YYYY-MM-DD)\n", optarg);
			break;
		case 's':
			if (!build)
				break;
			if (str_tonum(optarg, 0, LLONG_MAX, &seed, &errstr) ==
			    0) {
				opts->seed = (uint64_t)seed;
				continue;
			}
			fprintf(stderr, "kefu catalog: --seed %s: %s\n", optarg,
			    errstr);
			break;
		case 'D':
		case 'f':
			if (!build)
				break;
			*(ch == 'D' ? &opts->demo : &opts->force) = 1;
			continue;
		}
		cmd_catalog_usage(stderr);
		return -1;
	}
	if (optind != argc) {
		cmd_catalog_usage(stderr);
		return -1;
	}
	return 0;
}

int
cmd_catalog_main(int argc, char **argv)
{
	struct catalog_opts opts = { .seed = CATALOG_SEED };
	struct db_source *src;
	const char *name = "catalog";
	char day[11], *where, *cause = NULL;
	int build, rc;

	if (cli_wants_help(argc, argv)) {
		cmd_catalog_usage(stdout);
		return CLI_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return cmd_catalog_import(argc - 1, argv + 1);
	if (argc < 2 || (strcmp(argv[1], "build") != 0 &&
	    strcmp(argv[1], "status") != 0)) {
		if (argc >= 2)
			fprintf(stderr, "kefu catalog: unknown subcommand "
			    "'%s'\n", argv[1]);
		cmd_catalog_usage(stderr);
		return CLI_USAGE;
	}
	build = strcmp(argv[1], "build") == 0;
	catalog_today(day);
	if (cmd_catalog_args(argc - 1, argv + 1, build, &name, day,
	    &opts) == -1)
		return CLI_USAGE;
	opts.today = day;
	if (cmd_catalog_open(name, &src, &where) == -1)
		return CLI_FAIL;
	rc = CLI_OK;
	if (build && catalog_build(src, cli_conf()->sql_dir, &opts, &cause) ==
	    -1) {
		fprintf(stderr, "kefu catalog: %s\n", cause);
		free(cause);
		rc = CLI_FAIL;
	}
	if (rc == CLI_OK)
		rc = cmd_catalog_print(src, where, day);
	free(where);
	db_source_close(src);
	return rc;
}
