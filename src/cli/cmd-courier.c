/*
 * cmd-courier.c: `kefu courier add|list|set` -- the couriers who deliver
 * phone orders, the areas each serves ("*": every area) and the mobile
 * (SMS) or pager their order notices go to (store/order.c).
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"
#include "util/util.h"

static void
cmd_courier_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu courier add --name NAME [--mobile N] "
	    "[--pager N] --areas A,B|*\n"
	    "       kefu courier list\n"
	    "       kefu courier set ID [--name NAME] [--mobile N] "
	    "[--pager N] [--areas A,B] [--active yes|no]\n");
}

/* Options into c; -1 on a usage error. */
static int
cmd_courier_opts(int argc, char **argv, struct store_courier *c)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "mobile", required_argument, NULL, 'm' },
		{ "pager", required_argument, NULL, 'p' },
		{ "areas", required_argument, NULL, 'a' },
		{ "active", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "n:m:p:a:A:", opts, NULL)) != -1) {
		if (ch == 'n')
			c->name = optarg;
		else if (ch == 'm')
			c->mobile = optarg;
		else if (ch == 'p')
			c->pager = optarg;
		else if (ch == 'a')
			c->areas = optarg;
		else if (ch == 'A' && (strcmp(optarg, "yes") == 0 ||
		    strcmp(optarg, "no") == 0))
			c->active = strcmp(optarg, "yes") == 0;
		else
			return -1;
	}
	return optind == argc ? 0 : -1;
}

static int
cmd_courier_list(struct cli_store *x)
{
	struct store_courier *c;
	char *cause = NULL;
	size_t n, i;

	if (store_courier_list(x->src, &c, &n, &cause) == -1) {
		fprintf(stderr, "kefu %s\n", cause);
		free(cause);
		return CLI_FAIL;
	}
	printf("%-4s %-12s %-14s %-10s %-6s %s\n", "ID", "NAME", "MOBILE",
	    "PAGER", "ACTIVE", "AREAS");
	for (i = 0; i < n; i++)
		printf("%-4" PRId64 " %-12s %-14s %-10s %-6s %s\n", c[i].id,
		    c[i].name, c[i].mobile ? c[i].mobile : "-",
		    c[i].pager ? c[i].pager : "-", c[i].active ? "yes" : "no",
		    c[i].areas ? c[i].areas : "-");
	store_couriers_free(c, n);
	return CLI_OK;
}

int
cmd_courier_main(int argc, char **argv)
{
	struct store_courier c = { .active = -1 };
	struct cli_store x;
	const char *verb, *err;
	char *cause = NULL;
	long long id = 0;
	int64_t newid;
	int rc;

	if (argc < 2 || cli_wants_help(argc, argv)) {
		cmd_courier_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	verb = argv[1];
	if (strcmp(verb, "list") == 0 ? argc != 2 :
	    strcmp(verb, "add") == 0 ? cmd_courier_opts(argc - 1, argv + 1,
	    &c) == -1 || c.name == NULL || c.areas == NULL :
	    strcmp(verb, "set") != 0 || argc < 3 ||
	    str_tonum(argv[2], 1, INT64_MAX, &id, &err) == -1 ||
	    cmd_courier_opts(argc - 2, argv + 2, &c) == -1) {
		cmd_courier_usage(stderr);
		return CLI_USAGE;
	}
	if (cli_store_open("courier", &x) == -1)
		return CLI_FAIL;
	if (strcmp(verb, "list") == 0)
		rc = cmd_courier_list(&x);
	else if (strcmp(verb, "add") == 0) {
		c.active = 1;
		if ((rc = store_courier_add(x.src, &c, &newid, &cause)) == 0)
			printf("courier %" PRId64 " added\n", newid);
	} else {
		c.id = id;
		if ((rc = store_courier_set(x.src, &c, &cause)) == 0)
			printf("courier %lld changed\n", id);
	}
	if (rc == -1) {
		fprintf(stderr, "kefu %s\n", cause);
		free(cause);
		rc = CLI_FAIL;
	}
	cli_store_close(&x);
	return rc;
}
