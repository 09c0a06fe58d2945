/*
 * cmd-sms.c: `kefu sms send|inbox` -- queue an SMS in the outbox (kefud's
 * [gsm] workers send it) and read the inbound messages the modems
 * received (store/outbox.c and store/sms.c do the work).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "msg/msg.h"
#include "msg/sms.h"
#include "store/store.h"
#include "util/util.h"

static void
cmd_sms_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu sms send [--marketing] [--key KEY] NUMBER "
	    "TEXT\n"
	    "       kefu sms inbox [--limit N]\n");
}

int
cmd_sms_fail(const char *cmd, char *cause)
{
	fprintf(stderr, "kefu %s: %s\n", cmd, cause);
	free(cause);
	return CLI_FAIL;
}

int
cmd_sms_limit(const char *arg, size_t *limit)
{
	const char *err;
	long long v;

	if (str_tonum(arg, 1, 100000, &v, &err) == -1)
		return -1;
	*limit = (size_t)v;
	return 0;
}

/* Check the number and text, say what it costs, queue it. */
static int
cmd_sms_queue(const char *number, const char *text, const char *cls,
    const char *key)
{
	struct store_outbox_new m = { .channel = "sms", .recipient = number,
	    .body = text, .msg_class = cls, .idem_key = key };
	struct cli_store st;
	struct sms_count c;
	char national[40], now[20], *cause = NULL;
	int64_t id;
	int dup, rc;

	if (store_sms_number(number, national, sizeof national) == -1) {
		fprintf(stderr, "kefu sms: '%.40s' is not a mobile number "
		    "(digits, a leading + allowed)\n", number);
		return CLI_USAGE;
	}
	if (sms_count(text, &c, &cause) == -1)
		return cmd_sms_fail("sms", cause);
	if (cli_store_open("sms", &st) == -1)
		return CLI_FAIL;
	msg_time(now, 0);
	rc = store_outbox_enqueue(st.src, &m, now, &id, &dup, &cause);
	cli_store_close(&st);
	if (rc == -1)
		return cmd_sms_fail("sms", cause);
	printf("%s message %lld to %s: %u part%s (%s, %u characters)\n",
	    dup ? "already queued:" : "queued", (long long)id, number, c.parts,
	    c.parts == 1 ? "" : "s", sms_coding_name(c.coding), c.chars);
	return CLI_OK;
}

static int
cmd_sms_send(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "marketing", no_argument, NULL, 'm' },
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cls = "transactional", *key = NULL;
	char *own = NULL, host[64];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+mk:", opts, NULL)) != -1) {
		if (c == 'm')
			cls = "marketing";
		else if (c == 'k')
			key = optarg;
		else {
			cmd_sms_usage(stderr);
			return CLI_USAGE;
		}
	}
	if (argc - optind != 2) {
		cmd_sms_usage(stderr);
		return CLI_USAGE;
	}
	if (key == NULL) {
		/* one message per run: a key of its own */
		if (gethostname(host, sizeof host) == -1)
			snprintf(host, sizeof host, "kefu");
		host[sizeof host - 1] = '\0';
		own = xasprintf("cli:%.40s:%ld:%llu", host, (long)getpid(),
		    (unsigned long long)time(NULL));
		key = own;
	}
	rc = cmd_sms_queue(argv[optind], argv[optind + 1], cls, key);
	free(own);
	return rc;
}

static int
cmd_sms_inbox(int argc, char **argv)
{
	struct store_sms_inrow *w;
	struct cli_store st;
	char *cause = NULL;
	size_t limit = 50, n, i;
	int rc;

	if (argc == 3 && strcmp(argv[1], "--limit") == 0) {
		if (cmd_sms_limit(argv[2], &limit) == -1) {
			fprintf(stderr, "kefu sms: --limit %s: not a number "
			    "from 1 to 100000\n", argv[2]);
			return CLI_USAGE;
		}
	} else if (argc != 1) {
		cmd_sms_usage(stderr);
		return CLI_USAGE;
	}
	if (cli_store_open("sms", &st) == -1)
		return CLI_FAIL;
	rc = store_sms_inbox_list(st.src, limit, &w, &n, &cause);
	cli_store_close(&st);
	if (rc == -1)
		return cmd_sms_fail("sms", cause);
	printf("%-6s %-19s %-16s %-8s %s\n", "ID", "RECEIVED", "FROM", "DONE",
	    "TEXT");
	for (i = 0; i < n; i++)
		printf("%-6lld %-19s %-16s %-8s %s\n", (long long)w[i].id,
		    w[i].received_at ? w[i].received_at : "", w[i].sender,
		    w[i].action ? w[i].action : "-", w[i].body);
	store_sms_inbox_free(w, n);
	return CLI_OK;
}

int
cmd_sms_main(int argc, char **argv)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		cmd_sms_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "send") == 0)
		return cmd_sms_send(argc - 1, argv + 1);
	if (strcmp(argv[1], "inbox") == 0)
		return cmd_sms_inbox(argc - 1, argv + 1);
	cmd_sms_usage(stderr);
	return CLI_USAGE;
}

