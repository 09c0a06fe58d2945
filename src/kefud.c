/*
 * kefud.c: the daemon.  Reads kefu.conf, opens the lines and the
 * databases, and answers calls.  `kefud -n` checks every configuration
 * file and exits: 0 when all is well, 1 with the first problem as
 * file:line otherwise.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "util/util.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: kefud [-dnv] [-f kefu.conf]\n");
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	struct conf *conf;
	char *cause = NULL;
	int ch, check = 0, foreground = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "df:hnvV")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("kefud %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_open("kefud", "-", verbose ? KLOG_DEBUG : KLOG_INFO, NULL);
	if (path == NULL)
		path = conf_default_path();
	if (conf_load(path, &conf, &cause) == -1) {
		fprintf(stderr, "kefud: %s\n", cause);
		free(cause);
		return 1;
	}
	if (check) {
		printf("%s: configuration OK\n", path);
		conf_free(conf);
		return 0;
	}
	(void)foreground;
	fprintf(stderr, "kefud: no lines can be answered yet: the call "
	    "path is not built in this version\n");
	conf_free(conf);
	return 1;
}
