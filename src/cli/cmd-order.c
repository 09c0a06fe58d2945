/*
 * cmd-order.c: `kefu order list|show|cancel|deliver|reassign` -- the
 * desk's view of the phone orders in the local store (store/order.c):
 * list them by day, slot and status, show one with its lines, cancel or
 * mark one delivered, and give one to another courier (whose notice is
 * queued in the same transaction).
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
cmd_order_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu order list [--date YYYY-MM-DD] [--slot SLOT] "
	    "[--status STATUS] [--limit N]\n"
	    "       kefu order show ORDER\n"
	    "       kefu order cancel ORDER\n"
	    "       kefu order deliver ORDER\n"
	    "       kefu order reassign ORDER [COURIER-ID]\n");
}

static int
cmd_order_fail(char *cause)
{
	fprintf(stderr, "kefu %s\n", cause);
	free(cause);
	return CLI_FAIL;
}

static int
cmd_order_list(struct cli_store *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "date", required_argument, NULL, 'd' },
		{ "slot", required_argument, NULL, 's' },
		{ "status", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *date = NULL, *slot = NULL, *status = NULL, *err;
	struct store_order *o;
	char *cause = NULL, total[24];
	long long limit = 100;
	size_t n, i;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:t:n:", opts, NULL)) != -1) {
		if (c == 'd')
			date = optarg;
		else if (c == 's')
			slot = optarg;
		else if (c == 't')
			status = optarg;
		else if (c != 'n' || str_tonum(optarg, 1, 100000, &limit,
		    &err) == -1) {
			cmd_order_usage(stderr);
			return CLI_USAGE;
		}
	}
	if (optind != argc) {
		cmd_order_usage(stderr);
		return CLI_USAGE;
	}
	if (store_order_list(x->src, date, slot, status, (size_t)limit, &o, &n,
	    &cause) == -1)
		return cmd_order_fail(cause);
	printf("%-10s %-8s %-10s %-11s %-8s %-9s %5s %10s %s\n", "ORDER",
	    "MEMBER", "DATE", "SLOT", "AREA", "STATUS", "ITEMS", "TOTAL",
	    "COURIER");
	for (i = 0; i < n; i++)
		printf("%-10s %-8s %-10s %-11s %-8s %-9s %5d %10s %s\n",
		    o[i].order_no, o[i].member_no, o[i].slot_date, o[i].slot,
		    o[i].area, o[i].status, o[i].items,
		    store_money_text(o[i].total, total),
		    o[i].courier_name ? o[i].courier_name : "-");
	store_orders_free(o, n);
	return CLI_OK;
}

static int
cmd_order_show(struct cli_store *x, const char *no)
{
	struct store_order *o;
	char *cause = NULL, buf[24];
	size_t i;

	if (store_order_get(x->src, no, &o, &cause) == -1)
		return cmd_order_fail(cause);
	if (o == NULL) {
		fprintf(stderr, "kefu order: no order %s\n", no);
		return CLI_FAIL;
	}
	printf("order      %s\nstatus     %s\nordered    %s\nmember     %s "
	    "%s\naddress    %s\nphone      %s\nslot       %s %s\narea       "
	    "%s\ncourier    %s\ncall       %s\n", o->order_no, o->status,
	    o->ordered_at, o->member_no, o->member_name ? o->member_name : "",
	    o->address, o->phone ? o->phone : "-", o->slot_date, o->slot,
	    o->area, o->courier_name ? o->courier_name : "- (none: kefu "
	    "order reassign)", o->call_ref ? o->call_ref : "-");
	for (i = 0; i < o->nlines; i++) {
		printf("  %2zu  %-14s %-20s %4d %-4s x %10s", i + 1,
		    o->lines[i].code, o->lines[i].name, o->lines[i].qty,
		    o->lines[i].unit ? o->lines[i].unit : "",
		    store_money_text(o->lines[i].price, buf));
		if (o->lines[i].special && o->lines[i].shelf > 0)
			printf("  特价 (原价 %s)", store_money_text(
			    o->lines[i].shelf, buf));
		else if (o->lines[i].special)
			printf("  特价");
		putchar('\n');
	}
	printf("total      %s (%d items)\n", store_money_text(o->total, buf),
	    o->items);
	store_orders_free(o, 1);
	return CLI_OK;
}

static int
cmd_order_reassign(struct cli_store *x, const char *no, const char *id)
{
	struct store_order_policy *pol;
	char *cause = NULL;
	const char *err;
	long long courier = 0;
	int64_t assigned;
	int rc;

	if (id != NULL && str_tonum(id, 1, INT64_MAX, &courier, &err) == -1) {
		fprintf(stderr, "kefu order: '%s' is not a courier id\n", id);
		return CLI_USAGE;
	}
	if (store_order_policy_load(x->conf, &pol, &cause) == -1)
		return cmd_order_fail(cause);
	rc = store_order_reassign(x->src, pol, no, courier, NULL, &assigned,
	    &cause);
	store_order_policy_free(pol);
	if (rc == -1)
		return cmd_order_fail(cause);
	printf("order %s given to courier %" PRId64 "; notice queued\n", no,
	    assigned);
	return CLI_OK;
}

int
cmd_order_main(int argc, char **argv)
{
	struct cli_store x;
	const char *verb;
	char *cause = NULL;
	int rc;

	if (argc < 2 || cli_wants_help(argc, argv)) {
		cmd_order_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	verb = argv[1];
	if (strcmp(verb, "list") != 0 && !((strcmp(verb, "show") == 0 ||
	    strcmp(verb, "cancel") == 0 || strcmp(verb, "deliver") == 0) &&
	    argc == 3) && !(strcmp(verb, "reassign") == 0 && (argc == 3 ||
	    argc == 4))) {
		cmd_order_usage(stderr);
		return CLI_USAGE;
	}
	if (cli_store_open("order", &x) == -1)
		return CLI_FAIL;
	if (strcmp(verb, "list") == 0)
		rc = cmd_order_list(&x, argc - 1, argv + 1);
	else if (strcmp(verb, "show") == 0)
		rc = cmd_order_show(&x, argv[2]);
	else if (strcmp(verb, "reassign") == 0)
		rc = cmd_order_reassign(&x, argv[2],
		    argc == 4 ? argv[3] : NULL);
	else if (store_order_set_status(x.src, argv[2], strcmp(verb,
	    "cancel") == 0 ? "cancelled" : "delivered", &cause) == -1)
		rc = cmd_order_fail(cause);
	else {
		printf("order %s %s\n", argv[2], strcmp(verb, "cancel") == 0 ?
		    "cancelled" : "delivered");
		rc = CLI_OK;
	}
	cli_store_close(&x);
	return rc;
}
