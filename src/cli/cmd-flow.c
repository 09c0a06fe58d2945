/*
 * cmd-flow.c: `kefu flow check` (load the flows and cross-check them
 * against the mappings and prompt catalogs, every problem as file:line)
 * and `kefu flow graph` (Graphviz DOT, and SVG through dot(1)).
 */
#include "config.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "svc/svc.h"
#include "cli/cli.h"
#include "flow/flow.h"
#include "util/util.h"

extern char **environ;

static void
cmd_flow_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu flow check [-n] [-d DIR]\n"
	    "       kefu flow graph [-d DIR] [-o FILE.dot] [FLOW]\n");
}

/* The flows folder: -d, else kefu.conf's flows. */
static int
cmd_flow_open(const char *dir, struct conf *conf, struct flow_set **set)
{
	char *cause = NULL;

	if (dir == NULL)
		dir = conf->flows_dir;
	if (flow_set_load(dir, NULL, set, &cause) == -1) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static int
cmd_flow_check(int argc, char **argv)
{
	struct conf *conf;
	struct flow_set *set;
	struct svc *svc = NULL;
	struct svc_set *sset = NULL;
	struct strbuf out = STRBUF_INIT;
	const char *dir = NULL;
	char *cause = NULL;
	int ch, lookups = 1, n;
	size_t i;

	optind = 1;
	while ((ch = getopt(argc, argv, "d:n")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'n':
			lookups = 0;
			break;
		default:
			cmd_flow_usage(stderr);
			return CLI_USAGE;
		}
	}
	if (optind != argc) {
		cmd_flow_usage(stderr);
		return CLI_USAGE;
	}
	if ((conf = cli_conf()) == NULL)
		return CLI_FAIL;
	if (cmd_flow_open(dir, conf, &set) == -1)
		return CLI_FAIL;
	if (lookups && svc_open(conf, SVC_NOFLOWS, &svc, &cause) == -1) {
		fprintf(stderr, "kefu flow check: cannot load what the flows "
		    "use:\n%s\n", cause);
		free(cause);
		flow_set_unref(set);
		return CLI_FAIL;
	}
	if (svc != NULL)
		sset = svc_acquire(svc);
	n = flow_check(set, sset ? &sset->env : NULL, &out);
	fputs(sb_str(&out), stdout);
	if (n > 0)
		printf("kefu flow check: %d problem%s in %zu flows\n", n,
		    n == 1 ? "" : "s", flow_set_count(set));
	else {
		printf("%s: %zu flows OK (", dir ? dir : conf->flows_dir,
		    flow_set_count(set));
		for (i = 0; i < flow_set_count(set); i++)
			printf("%s%s", i ? ", " : "", flow_set_name(set, i));
		printf(")%s\n", lookups ? ", prompts and mappings checked" :
		    ", structure only");
	}
	sb_free(&out);
	if (sset != NULL)
		svc_release(sset);
	svc_close(svc);
	flow_set_unref(set);
	return n > 0 ? CLI_FAIL : CLI_OK;
}

/* Run dot -Tsvg -o svg dotfile; 0 ok, -1 failed, 1 dot not installed. */
static int
cmd_flow_dot(const char *dotfile, const char *svg)
{
	char *args[] = { (char *)"dot", (char *)"-Tsvg", (char *)"-o",
	    (char *)svg, (char *)dotfile, NULL };
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, "dot", NULL, NULL, args, environ) != 0)
		return 1;
	if (waitpid(pid, &st, 0) == -1)
		return -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return 1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int
cmd_flow_graph(int argc, char **argv)
{
	struct conf *conf;
	struct flow_set *set;
	struct strbuf out = STRBUF_INIT;
	const char *dir = NULL, *file = NULL, *name;
	char *cause = NULL, *svg;
	size_t len;
	int ch, rc = CLI_OK;

	optind = 1;
	while ((ch = getopt(argc, argv, "d:o:")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'o':
			file = optarg;
			break;
		default:
			cmd_flow_usage(stderr);
			return CLI_USAGE;
		}
	}
	if (argc - optind > 1) {
		cmd_flow_usage(stderr);
		return CLI_USAGE;
	}
	name = optind < argc ? argv[optind] : NULL;
	if ((conf = cli_conf()) == NULL)
		return CLI_FAIL;
	if (cmd_flow_open(dir, conf, &set) == -1)
		return CLI_FAIL;
	if (flow_graph(set, name, &out, &cause) == -1) {
		fprintf(stderr, "kefu flow graph: %s\n", cause);
		free(cause);
		flow_set_unref(set);
		return CLI_FAIL;
	}
	flow_set_unref(set);
	if (file == NULL) {
		fputs(sb_str(&out), stdout);
		sb_free(&out);
		return CLI_OK;
	}
	if (file_write_atomic(file, out.s, out.len, &cause) == -1) {
		fprintf(stderr, "kefu flow graph: %s\n", cause);
		free(cause);
		sb_free(&out);
		return CLI_FAIL;
	}
	sb_free(&out);
	printf("%s\n", file);
	len = strlen(file);
	if (len > 4 && strcmp(file + len - 4, ".dot") == 0)
		len -= 4;
	svg = xasprintf("%.*s.svg", (int)len, file);
	switch (cmd_flow_dot(file, svg)) {
	case 0:
		printf("%s\n", svg);
		break;
	case 1:
		fprintf(stderr, "kefu flow graph: dot(1) is not installed; "
		    "no SVG written\n");
		break;
	default:
		fprintf(stderr, "kefu flow graph: dot -Tsvg failed\n");
		rc = CLI_FAIL;
	}
	free(svg);
	return rc;
}

int
cmd_flow_main(int argc, char **argv)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		cmd_flow_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "check") == 0)
		return cmd_flow_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "graph") == 0)
		return cmd_flow_graph(argc - 1, argv + 1);
	fprintf(stderr, "kefu flow: unknown subcommand '%s'\n", argv[1]);
	cmd_flow_usage(stderr);
	return CLI_USAGE;
}
