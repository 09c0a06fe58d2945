/*
 * cmds.c: the table of `kefu` command families.  One row per family; the
 * family's own file parses its subcommands and options.
 */
#include "config.h"

#include "cli/cli.h"
#include "util/util.h"

const struct cli_cmd cli_cmds[] = {
	{ "conf", cmd_conf_main, "check or show kefu.conf" },
	/* CLI-TABLE: each family adds its row above this line */
};

const size_t cli_ncmds = nitems(cli_cmds);
