/*
 * cmd-conf.c: `kefu conf check` (load kefu.conf and report the first
 * problem in its text as file:line, then every folder, adapter profile
 * or user it names that does not exist) and `kefu conf keys` (every
 * section and key with its default and meaning).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"
#include "util/util.h"

static void
cmd_conf_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu conf check\n"
	    "       kefu conf keys\n");
}

int
cmd_conf_main(int argc, char **argv)
{
	struct strbuf problems = STRBUF_INIT;
	struct store_order_policy *pol;
	struct conf *conf;
	char *cause = NULL;

	if (cli_wants_help(argc, argv)) {
		cmd_conf_usage(stdout);
		return CLI_OK;
	}
	if (argc != 2) {
		cmd_conf_usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "keys") == 0) {
		conf_describe(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "kefu conf: unknown subcommand '%s'\n",
		    argv[1]);
		cmd_conf_usage(stderr);
		return CLI_USAGE;
	}
	if ((conf = cli_conf()) == NULL)
		return CLI_FAIL;
	if (conf_check_system(conf, &problems) > 0) {
		fputs(sb_str(&problems), stderr);
		sb_free(&problems);
		return CLI_FAIL;
	}
	/* The ordering policy's values have a syntax of their own. */
	if (store_order_policy_load(conf, &pol, &cause) == -1) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return CLI_FAIL;
	}
	store_order_policy_free(pol);
	printf("%s: configuration OK (%zu datasources, %zu lines)\n",
	    conf->path, conf->nds, conf->nlines);
	return CLI_OK;
}
