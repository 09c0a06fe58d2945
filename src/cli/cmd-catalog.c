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
	    "       kefu catalog status [-d DATASOURCE] [--date YYYY-MM-DD]\n");
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

int
cmd_catalog_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "datasource", required_argument, NULL, 'd' },
		{ "demo", no_argument, NULL, 'D' },
		{ "force", no_argument, NULL, 'f' },
		{ "date", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct catalog_opts opts = { .seed = CATALOG_SEED };
	struct db_source *src;
	const char *sub, *name = "catalog", *errstr;
	char day[11], check[11], *where, *cause = NULL;
	long long seed;
	int ch, build, rc;

	if (cli_wants_help(argc, argv)) {
		cmd_catalog_usage(stdout);
		return CLI_OK;
	}
	if (argc < 2 || (strcmp(argv[1], "build") != 0 &&
	    strcmp(argv[1], "status") != 0)) {
		if (argc >= 2)
			fprintf(stderr, "kefu catalog: unknown subcommand "
			    "'%s'\n", argv[1]);
		cmd_catalog_usage(stderr);
		return CLI_USAGE;
	}
	sub = argv[1];
	build = strcmp(sub, "build") == 0;
	argc--;
	argv++;
	optind = 1;
	catalog_today(day);
	while ((ch = getopt_long(argc, argv, "+d:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			name = optarg;
			continue;
		case 't':
			if (demo_date_add(optarg, 0, check) == 0 &&
			    strcmp(check, optarg) == 0) {
				snprintf(day, sizeof day, "%s", optarg);
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
				opts.seed = (uint64_t)seed;
				continue;
			}
			fprintf(stderr, "kefu catalog: --seed %s: %s\n", optarg,
			    errstr);
			break;
		case 'D':
		case 'f':
			if (!build)
				break;
			*(ch == 'D' ? &opts.demo : &opts.force) = 1;
			continue;
		}
		cmd_catalog_usage(stderr);
		return CLI_USAGE;
	}
	if (optind != argc) {
		cmd_catalog_usage(stderr);
		return CLI_USAGE;
	}
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
