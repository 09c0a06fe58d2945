/*
 * kefu.c: the admin CLI.  `kefu [-c kefu.conf] [-v] COMMAND ...` looks the
 * command up in cli_cmds[] and hands it the rest of the line.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/util.h"

const char *cli_conf_path;
static struct conf *cli_loaded;

struct conf *
cli_conf(void)
{
	char *cause = NULL;
	const char *path;

	if (cli_loaded != NULL)
		return cli_loaded;
	path = cli_conf_path ? cli_conf_path : conf_default_path();
	if (conf_load(path, &cli_loaded, &cause) == -1) {
		fprintf(stderr, "kefu: %s\n", cause);
		free(cause);
		return NULL;
	}
	/* as root, act as kefud's user: the store it makes is kefud's */
	if (priv_drop(cli_loaded->user, &cause) == -1) {
		fprintf(stderr, "kefu: %s:%d: user: %s\n", path,
		    conf_line(cli_loaded, cli_loaded, "user"), cause);
		free(cause);
		conf_free(cli_loaded);
		cli_loaded = NULL;
		return NULL;
	}
	return cli_loaded;
}

int
cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: kefu [-v] [-c kefu.conf] command [args...]\n\n"
	    "commands:\n");
	for (i = 0; i < cli_ncmds; i++)
		fprintf(fp, "  %-8s %s\n", cli_cmds[i].name,
		    cli_cmds[i].summary);
	fprintf(fp, "  %-8s %s\n", "help", "this list; kefu COMMAND --help "
	    "for one command");
	fprintf(fp, "  %-8s %s\n", "version", "print the version");
	fprintf(fp, "\nSee kefu(1).\n");
}

/* --help and --version as well as -h and -V (getopt took "--help" for -). */
static const struct option kefu_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int
main(int argc, char **argv)
{
	const char *name;
	size_t i;
	int ch, rc;

	log_open("kefu", "-", KLOG_WARN, NULL);
	while ((ch = getopt_long(argc, argv, "+c:hvV", kefu_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			cli_conf_path = optarg;
			break;
		case 'v':
			log_set_level(log_get_level() + 1 > KLOG_DEBUG ?
			    KLOG_DEBUG : log_get_level() + 1);
			break;
		case 'V':
			printf("kefu %s\n", PACKAGE_VERSION);
			return CLI_OK;
		case 'h':
			usage(stdout);
			return CLI_OK;
		default:
			usage(stderr);
			return CLI_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return CLI_USAGE;
	}
	name = argv[0];
	if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(name, "version") == 0) {
		printf("kefu %s\n", PACKAGE_VERSION);
		return CLI_OK;
	}
	optind = 1;   /* let each command run getopt again on its own argv */
	for (i = 0; i < cli_ncmds; i++) {
		if (strcmp(cli_cmds[i].name, name) == 0) {
			rc = cli_cmds[i].main(argc, argv);
			conf_free(cli_loaded);
			return rc;
		}
	}
	fprintf(stderr, "kefu: unknown command '%s' (try kefu help)\n", name);
	return CLI_USAGE;
}
