/*
 * cmd-status.c: `kefu status` and `kefu reload`, the two commands that
 * talk to a running kefud through its control socket ([kefu] socket).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ctl/ctl.h"
#include "util/util.h"

static int
cmd_ctl(const char *name, const char *request, int argc, char **argv)
{
	struct conf *conf;
	char *reply = NULL, *cause = NULL;
	int rc;

	if (cli_wants_help(argc, argv)) {
		printf("usage: kefu %s\n", name);
		return CLI_OK;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: kefu %s\n", name);
		return CLI_USAGE;
	}
	if ((conf = cli_conf()) == NULL)
		return CLI_FAIL;
	rc = ctl_request(conf->socket_path, request, 30000, &reply, &cause);
	if (reply != NULL)
		fputs(reply, stdout);
	free(reply);
	if (rc == -1) {
		fprintf(stderr, "kefu %s: %s\n", name, cause);
		free(cause);
		return CLI_FAIL;
	}
	return CLI_OK;
}

int
cmd_status_main(int argc, char **argv)
{
	return cmd_ctl("status", "status", argc, argv);
}

int
cmd_reload_main(int argc, char **argv)
{
	return cmd_ctl("reload", "reload", argc, argv);
}
