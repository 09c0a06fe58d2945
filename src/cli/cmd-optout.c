/*
 * cmd-optout.c: `kefu optout list|add` -- the SMS opt-out list (numbers
 * whose newest consent_ledger row unsubscribes, members or not) and an
 * opt-out entered at the desk (store/sms.c does the work).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"

static void
cmd_optout_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu optout list [--limit N]\n"
	    "       kefu optout add [--note TEXT] [--staff NO] NUMBER\n");
}

static int
cmd_optout_list(int argc, char **argv)
{
	struct store_optout_row *w;
	struct cli_store st;
	char *cause = NULL;
	size_t limit = 100, n, i;
	int rc;

	if (argc == 3 && strcmp(argv[1], "--limit") == 0) {
		if (cmd_sms_limit(argv[2], &limit) == -1) {
			fprintf(stderr, "kefu optout: --limit %s: not a number "
			    "from 1 to 100000\n", argv[2]);
			return CLI_USAGE;
		}
	} else if (argc != 1) {
		cmd_optout_usage(stderr);
		return CLI_USAGE;
	}
	if (cli_store_open("optout", &st) == -1)
		return CLI_FAIL;
	rc = store_optout_list(st.src, "sms", limit, &w, &n, &cause);
	cli_store_close(&st);
	if (rc == -1)
		return cmd_sms_fail("optout", cause);
	printf("%-16s %-19s %-6s %-7s %s\n", "NUMBER", "SINCE", "VIA",
	    "MEMBER", "NOTE");
	for (i = 0; i < n; i++)
		printf("%-16s %-19s %-6s %-7s %s\n", w[i].address,
		    w[i].recorded_at ? w[i].recorded_at : "", w[i].via,
		    w[i].member_id ? "yes" : "no", w[i].note ? w[i].note : "");
	store_optout_free(w, n);
	return CLI_OK;
}

static int
cmd_optout_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "note", required_argument, NULL, 'n' },
		{ "staff", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_sms_optout o = { .via = "staff" };
	struct cli_store st;
	char now[20], national[40], *cause = NULL;
	int64_t member;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+n:s:", opts, NULL)) != -1) {
		if (c == 'n')
			o.note = optarg;
		else if (c == 's')
			o.staff_no = optarg;
		else {
			cmd_optout_usage(stderr);
			return CLI_USAGE;
		}
	}
	if (argc - optind != 1) {
		cmd_optout_usage(stderr);
		return CLI_USAGE;
	}
	o.number = argv[optind];
	if (store_sms_number(o.number, national, sizeof national) == -1) {
		fprintf(stderr, "kefu optout: '%.40s' is not a mobile number "
		    "(digits, a leading + allowed)\n", o.number);
		return CLI_USAGE;
	}
	if (cli_store_open("optout", &st) == -1)
		return CLI_FAIL;
	msg_time(now, 0);
	o.now = now;
	rc = store_sms_optout(st.src, &o, &member, NULL, &cause);
	cli_store_close(&st);
	if (rc == -1)
		return cmd_sms_fail("optout", cause);
	printf("%s opted out of SMS%s\n", national, member ?
	    " (the member's SMS service is off)" : "");
	return CLI_OK;
}

int
cmd_optout_main(int argc, char **argv)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		cmd_optout_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "list") == 0)
		return cmd_optout_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "add") == 0)
		return cmd_optout_add(argc - 1, argv + 1);
	cmd_optout_usage(stderr);
	return CLI_USAGE;
}
