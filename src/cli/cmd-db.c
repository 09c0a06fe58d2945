/*
 * cmd-db.c: `kefu db init|upgrade|status` -- create, upgrade and inspect
 * the local store ([store] datasource) with the numbered migrations of
 * sql/local/DIALECT/ (store/store.c does the work).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

static void
cmd_db_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu db init\n"
	    "       kefu db upgrade [--to VERSION]\n"
	    "       kefu db status\n");
}

static int
cmd_db_status(struct cli_store *x)
{
	struct store_status st;
	char *cause = NULL, *red;
	size_t i;
	int rc = CLI_OK;

	if (store_status(x->src, x->cfg, x->conf->sql_dir, &st, &cause) ==
	    -1) {
		fprintf(stderr, "kefu db: %s\n", cause);
		free(cause);
		return CLI_FAIL;
	}
	red = log_redact(x->cfg->connect[0]);
	printf("datasource: %s (%s)\n", x->cfg->name, red);
	free(red);
	printf("dialect:    %s\n", st.dialect);
	if (st.current == 0)
		printf("version:    0 of %d (not initialised; run kefu db "
		    "init)\n", st.latest);
	else if (st.current > st.latest) {
		printf("version:    %d (newer than this kefu, which knows up "
		    "to %d)\n", st.current, st.latest);
		rc = CLI_FAIL;
	} else
		printf("version:    %d of %d\n", st.current, st.latest);
	printf("pending:   ");
	for (i = 0; i < st.nmigs; i++)
		if (st.migs[i].version > st.current)
			printf(" %03d_%s", st.migs[i].version, st.migs[i].name);
	printf("%s\n", st.npending == 0 ? " none" : "");
	store_status_free(&st);
	return rc;
}

/* Upgrade to target and print what was applied.  init: only from 0. */
static int
cmd_db_upgrade(struct cli_store *x, int target, int init)
{
	struct store_status before, after;
	char *cause = NULL;
	size_t i;
	int applied;

	if (store_status(x->src, x->cfg, x->conf->sql_dir, &before, &cause) ==
	    -1)
		goto fail;
	if (init && before.current != 0) {
		fprintf(stderr, "kefu db: local store '%s' is already "
		    "initialised (schema version %d); use kefu db upgrade\n",
		    x->cfg->name, before.current);
		store_status_free(&before);
		return CLI_FAIL;
	}
	if (store_upgrade(x->src, x->cfg, x->conf->sql_dir, target, &applied,
	    &cause) == -1 || store_status(x->src, x->cfg, x->conf->sql_dir,
	    &after, &cause) == -1) {
		store_status_free(&before);
		goto fail;
	}
	for (i = 0; i < after.nmigs; i++)
		if (after.migs[i].version > before.current &&
		    after.migs[i].version <= after.current)
			printf("applied %03d_%s\n", after.migs[i].version,
			    after.migs[i].name);
	if (init)
		printf("local store '%s' initialised at schema version %d "
		    "(%s)\n", x->cfg->name, after.current, after.dialect);
	else if (applied == 0)
		printf("local store '%s' is up to date at schema version %d "
		    "(%s)\n", x->cfg->name, after.current, after.dialect);
	else
		printf("local store '%s' upgraded from schema version %d to "
		    "%d (%s)\n", x->cfg->name, before.current, after.current,
		    after.dialect);
	store_status_free(&before);
	store_status_free(&after);
	return CLI_OK;
fail:
	fprintf(stderr, "kefu db: %s\n", cause);
	free(cause);
	return CLI_FAIL;
}

int
cmd_db_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_store x;
	const char *sub, *errstr;
	long long target = 0;
	int ch, rc;

	if (cli_wants_help(argc, argv)) {
		cmd_db_usage(stdout);
		return CLI_OK;
	}
	if (argc < 2) {
		cmd_db_usage(stderr);
		return CLI_USAGE;
	}
	sub = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+t:", longopts, NULL)) != -1) {
		if (ch == 't' && strcmp(sub, "upgrade") == 0 &&
		    str_tonum(optarg, 1, 99999, &target, &errstr) == 0)
			continue;
		if (ch == 't' && strcmp(sub, "upgrade") == 0)
			fprintf(stderr, "kefu db: --to %s: %s\n", optarg,
			    errstr);
		cmd_db_usage(stderr);
		return CLI_USAGE;
	}
	if (optind != argc || (strcmp(sub, "init") != 0 &&
	    strcmp(sub, "upgrade") != 0 && strcmp(sub, "status") != 0)) {
		if (optind == argc)
			fprintf(stderr, "kefu db: unknown subcommand '%s'\n",
			    sub);
		cmd_db_usage(stderr);
		return CLI_USAGE;
	}
	if (cli_store_open("db", &x) == -1)
		return CLI_FAIL;
	if (strcmp(sub, "status") == 0)
		rc = cmd_db_status(&x);
	else
		rc = cmd_db_upgrade(&x, (int)target, strcmp(sub, "init") == 0);
	cli_store_close(&x);
	return rc;
}
