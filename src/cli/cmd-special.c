/*
 * cmd-special.c: `kefu special add|list|end` -- the desk's specials in
 * the built-in catalog (store/special.c): what the promotions menu then
 * tells callers.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

static void
cmd_special_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu special add [-d DATASOURCE] BARCODE|PLU "
	    "--price YUAN [--from YYYY-MM-DD] [--until YYYY-MM-DD]\n"
	    "       kefu special list [-d DATASOURCE]\n"
	    "       kefu special end [-d DATASOURCE] ID\n");
}

/* Options into sp and *name; the operands left in argv[optind..]. */
static int
cmd_special_opts(int argc, char **argv, struct store_special *sp,
    const char **name)
{
	static const struct option opts[] = {
		{ "datasource", required_argument, NULL, 'd' },
		{ "price", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, 'f' },
		{ "until", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		if (ch == 'd')
			*name = optarg;
		else if (ch == 'p')
			sp->price = optarg;
		else if (ch == 'f')
			sp->from = optarg;
		else if (ch == 'u')
			sp->until = optarg;
		else
			return -1;
	}
	return optind == argc ? 0 : -1;
}

static int
cmd_special_list(struct db_source *src, const char *today, char **cause)
{
	struct store_special *sp;
	size_t n, i;

	if (store_special_list(src, today, &sp, &n, cause) == -1)
		return -1;
	printf("%-5s %-14s %-10s %-10s %-10s %s\n", "ID", "BARCODE", "PRICE",
	    "FROM", "UNTIL", "PRODUCT");
	for (i = 0; i < n; i++)
		printf("%-5" PRId64 " %-14s %-10s %-10s %-10s %s\n", sp[i].id,
		    sp[i].barcode, sp[i].price_s, sp[i].from_s, sp[i].until_s,
		    sp[i].name);
	free(sp);
	return 0;
}

int
cmd_special_main(int argc, char **argv)
{
	struct store_special sp = { 0 };
	struct db_source *src;
	const char *verb, *name = "catalog", *err;
	char today[11], *where, *cause = NULL;
	long long id = 0;
	int rc, nargs;

	if (argc < 2 || cli_wants_help(argc, argv)) {
		cmd_special_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	verb = argv[1];
	/* The operand (a product, an ID) first, as kefu courier set ID. */
	nargs = strcmp(verb, "list") == 0 ? 0 : 1;
	if (argc < 2 + nargs || cmd_special_opts(argc - 1 - nargs,
	    argv + 1 + nargs, &sp, &name) == -1 ||
	    (strcmp(verb, "list") == 0 ? sp.price != NULL :
	    strcmp(verb, "add") == 0 ? sp.price == NULL :
	    strcmp(verb, "end") != 0 || sp.price != NULL ||
	    sp.from != NULL || sp.until != NULL ||
	    str_tonum(argv[2], 1, INT64_MAX, &id, &err) == -1)) {
		cmd_special_usage(stderr);
		return CLI_USAGE;
	}
	if (nargs == 1 && argv[2][0] == '-') {
		cmd_special_usage(stderr);
		return CLI_USAGE;
	}
	catalog_today(today);
	if (sp.from == NULL)
		sp.from = today;
	if (sp.until == NULL)
		sp.until = sp.from;
	sp.code = nargs == 1 ? argv[2] : NULL;
	if (cmd_catalog_open(name, &src, &where) == -1)
		return CLI_FAIL;
	if (strcmp(verb, "list") == 0)
		rc = cmd_special_list(src, today, &cause);
	else if (strcmp(verb, "add") == 0) {
		if ((rc = store_special_add(src, &sp, &cause)) == 0)
			printf("special %" PRId64 " added: %s %s at %s yuan, "
			    "%s to %s\n", sp.id, sp.barcode, sp.name, sp.price,
			    sp.from, sp.until);
	} else if ((rc = store_special_end(src, id, today, &cause)) == 0)
		printf("special %lld ended\n", id);
	if (rc == -1) {
		fprintf(stderr, "kefu %s\n", cause);
		free(cause);
		rc = CLI_FAIL;
	}
	free(where);
	db_source_close(src);
	return rc;
}
