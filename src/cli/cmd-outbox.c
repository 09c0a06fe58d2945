/*
 * cmd-outbox.c: `kefu outbox list|show|retry|cancel|send` -- look into the
 * outbox of the local store, put a failed or unknown message back in the
 * queue, cancel one, and run an e-mail outbox worker in the foreground
 * (store/outbox.c and msg/worker.c do the work).
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "db/db.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"

static atomic_int cmd_outbox_stop;     /* lock-free: safe in a handler */

static void
cmd_outbox_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu outbox list [--status STATE] [--limit N]\n"
	    "       kefu outbox show ID\n"
	    "       kefu outbox retry ID\n"
	    "       kefu outbox cancel ID\n"
	    "       kefu outbox send [--once] [--channel email|sms]\n");
}

/* The [store] datasource, open, and its dialect. */
struct cmd_outbox_ctx {
	struct cli_store st;
	const char *dialect;
};

static int
cmd_outbox_open(struct cmd_outbox_ctx *x)
{
	char *cause = NULL;

	x->dialect = NULL;
	if (cli_store_open("outbox", &x->st) == -1)
		return -1;
	if ((x->dialect = store_dialect(x->st.src, x->st.cfg, &cause)) ==
	    NULL) {
		fprintf(stderr, "kefu outbox: %s\n", cause);
		free(cause);
		cli_store_close(&x->st);
		return -1;
	}
	return 0;
}

static int
cmd_outbox_fail(char *cause)
{
	fprintf(stderr, "kefu %s\n", cause);
	free(cause);
	return CLI_FAIL;
}

static int
cmd_outbox_state_ok(const char *s)
{
	size_t i;

	for (i = 0; store_outbox_states[i] != NULL; i++)
		if (strcmp(store_outbox_states[i], s) == 0)
			return 1;
	return 0;
}

static int
cmd_outbox_list(struct cmd_outbox_ctx *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_msg *m;
	const char *status = NULL, *err;
	char *cause = NULL;
	long long limit = 50;
	size_t n, i;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:n:", opts, NULL)) != -1) {
		if (c == 's')
			status = optarg;
		else if (c == 'n' && str_tonum(optarg, 1, 100000, &limit,
		    &err) == 0)
			continue;
		else {
			cmd_outbox_usage(stderr);
			return CLI_USAGE;
		}
	}
	if (status != NULL && !cmd_outbox_state_ok(status)) {
		fprintf(stderr, "kefu outbox: no state '%s' (queued, claimed, "
		    "submitting, submitted, delivered, failed, unknown, "
		    "suppressed, cancelled)\n", status);
		return CLI_USAGE;
	}
	if (store_outbox_list(x->st.src, status, (size_t)limit, &m, &n,
	    &cause) == -1)
		return cmd_outbox_fail(cause);
	printf("%-6s %-6s %-13s %-11s %-3s %-19s %s\n", "ID", "CHAN", "CLASS",
	    "STATE", "TRY", "NEXT", "TO");
	for (i = 0; i < n; i++)
		printf("%-6lld %-6s %-13s %-11s %-3d %-19s %s\n",
		    (long long)m[i].id, m[i].channel, m[i].msg_class,
		    m[i].status, m[i].attempts,
		    m[i].next_attempt_at ? m[i].next_attempt_at : "-",
		    m[i].recipient);
	store_msgs_free(m, n);
	return CLI_OK;
}

static int
cmd_outbox_id(const char *arg, int64_t *id)
{
	long long v;
	const char *err;

	if (arg == NULL || str_tonum(arg, 1, INT64_MAX, &v, &err) == -1) {
		fprintf(stderr, "kefu outbox: '%s' is not a message id\n",
		    arg ? arg : "");
		return -1;
	}
	*id = v;
	return 0;
}

static void
cmd_outbox_field(const char *name, const char *v)
{
	if (v != NULL)
		printf("%-15s %s\n", name, v);
}

static int
cmd_outbox_show(struct cmd_outbox_ctx *x, int64_t id)
{
	struct store_msg *m;
	char *cause = NULL, num[32];

	if (store_outbox_get(x->st.src, id, &m, &cause) == -1)
		return cmd_outbox_fail(cause);
	snprintf(num, sizeof num, "%lld", (long long)m->id);
	cmd_outbox_field("id:", num);
	cmd_outbox_field("channel:", m->channel);
	cmd_outbox_field("class:", m->msg_class);
	cmd_outbox_field("state:", m->status);
	snprintf(num, sizeof num, "%d of %d", m->attempts, m->max_attempts);
	cmd_outbox_field("attempts:", num);
	cmd_outbox_field("key:", m->idem_key);
	cmd_outbox_field("to:", m->recipient);
	cmd_outbox_field("name:", m->recipient_name);
	cmd_outbox_field("subject:", m->subject);
	cmd_outbox_field("created:", m->created_at);
	cmd_outbox_field("next attempt:", m->next_attempt_at);
	cmd_outbox_field("submitted:", m->sent_at);
	cmd_outbox_field("remote id:", m->remote_id);
	cmd_outbox_field("last error:", m->last_error);
	printf("\n%s\n", m->body);
	store_msgs_free(m, 1);
	return CLI_OK;
}

static void
cmd_outbox_sig(int sig)
{
	(void)sig;
	atomic_store(&cmd_outbox_stop, 1);
}

static int
cmd_outbox_send(struct cmd_outbox_ctx *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "channel", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const struct msg_transport_ops *ops = &msg_mail_ops;
	struct msg_worker_opts o;
	struct msg_stats st = { 0 };
	char *cause = NULL, host[64], name[96];
	int c, once = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "oc:", opts, NULL)) != -1) {
		if (c == 'o')
			once = 1;
		else if (c == 'c' && strcmp(optarg, "sms") == 0)
			ops = &msg_http_ops;
		else if (c != 'c' || strcmp(optarg, "email") != 0) {
			cmd_outbox_usage(stderr);
			return CLI_USAGE;
		}
	}
	if (optind != argc) {
		cmd_outbox_usage(stderr);
		return CLI_USAGE;
	}
	if (gethostname(host, sizeof host) == -1)
		snprintf(host, sizeof host, "kefu");
	host[sizeof host - 1] = '\0';
	snprintf(name, sizeof name, "%s/cli-%ld", host, (long)getpid());
	if (ops == &msg_http_ops)
		msg_worker_opts_smsgw(x->st.conf, name, NULL, &o);
	else
		msg_worker_opts_email(x->st.conf, name, &o);
	o.once = once;
	o.stop = &cmd_outbox_stop;
	signal(SIGINT, cmd_outbox_sig);
	signal(SIGTERM, cmd_outbox_sig);
	if (msg_worker_run_n(x->st.src, x->dialect, x->st.conf, ops, &o,
	    ops == &msg_mail_ops ? (unsigned)x->st.conf->email_connections :
	    1, &st, &cause) == -1)
		return cmd_outbox_fail(cause);
	printf("%s: %u submitted, %u to retry, %u failed, %u suppressed, "
	    "%u unknown after a crash, %u resent after a crash\n",
	    ops == &msg_http_ops ? "sms" : "e-mail", st.sent,
	    st.retried, st.failed, st.suppressed, st.unknown, st.resent);
	return CLI_OK;
}

int
cmd_outbox_main(int argc, char **argv)
{
	struct cmd_outbox_ctx x;
	char *cause = NULL, now[20];
	int64_t id = 0;
	int rc;

	if (argc < 2 || cli_wants_help(argc, argv)) {
		cmd_outbox_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "send") != 0 &&
	    ((strcmp(argv[1], "show") != 0 && strcmp(argv[1], "retry") != 0 &&
	    strcmp(argv[1], "cancel") != 0) || argc != 3)) {
		cmd_outbox_usage(stderr);
		return CLI_USAGE;
	}
	if (argc == 3 && strcmp(argv[1], "list") != 0 &&
	    strcmp(argv[1], "send") != 0 && cmd_outbox_id(argv[2], &id) == -1)
		return CLI_USAGE;
	if (cmd_outbox_open(&x) == -1)
		return CLI_FAIL;
	msg_time(now, 0);
	if (strcmp(argv[1], "list") == 0)
		rc = cmd_outbox_list(&x, argc - 1, argv + 1);
	else if (strcmp(argv[1], "send") == 0)
		rc = cmd_outbox_send(&x, argc - 1, argv + 1);
	else if (strcmp(argv[1], "show") == 0)
		rc = cmd_outbox_show(&x, id);
	else if ((strcmp(argv[1], "retry") == 0 ? store_outbox_retry(x.st.src,
	    id, now, &cause) : store_outbox_cancel(x.st.src, id, &cause)) == -1)
		rc = cmd_outbox_fail(cause);
	else {
		printf("message %lld %s\n", (long long)id,
		    strcmp(argv[1], "retry") == 0 ? "queued again" :
		    "cancelled");
		rc = CLI_OK;
	}
	cli_store_close(&x.st);
	return rc;
}
