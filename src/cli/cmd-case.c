/*
 * cmd-case.c: `kefu case list|show|play|assign|note|reply|close` -- the
 * service desk's side of complaints, suggestions and after-sales
 * requests: read a case and its steps, write its recording out, route
 * it, note it, answer the caller (an SMS through the outbox, or a call
 * back) and close it (store/case.c does the work).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "cli/cli.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

static void
cmd_case_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu case add --kind K [--department D | --key K] "
	    "[--caller N]\n"
	    "           [--member NO] [--callback-phone N] [--audio WAV] "
	    "--staff NO\n"
	    "       kefu case list [--status S | --open] "
	    "[--department D] [--callback]\n"
	    "       kefu case show NO\n"
	    "       kefu case play NO [-o FILE | -o -]\n"
	    "       kefu case assign NO [--department D] [--to STAFF] "
	    "--staff NO\n"
	    "       kefu case note NO --staff NO TEXT\n"
	    "       kefu case reply NO (--sms TEXT | --text TEXT | --callback) "
	    "[--phone N] --staff NO\n"
	    "       kefu case close NO [--reason TEXT] --staff NO\n");
}

static int
cmd_case_fail(char *cause)
{
	fprintf(stderr, "kefu %s\n", cause);
	free(cause);
	return CLI_FAIL;
}

static int
cmd_case_bad(void)
{
	cmd_case_usage(stderr);
	return CLI_USAGE;
}

/* The options every verb may take; each verb says which it allows. */
struct cmd_case_opts {
	const char *status, *department, *to, *staff, *sms, *text, *phone;
	const char *reason, *output;
	const char *kind, *key, *caller, *member, *cbphone, *audio;
	int open, callback;
};

#define CO_ADD    "k:D:K:n:M:P:a:S:"
#define CO_LIST   "s:OD:c"
#define CO_PLAY   "o:"
#define CO_ASSIGN "D:t:S:"
#define CO_NOTE   "S:"
#define CO_REPLY  "m:x:cp:S:"
#define CO_CLOSE  "r:S:"

static int
cmd_case_getopt(int argc, char **argv, const char *allowed,
    struct cmd_case_opts *o)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "open", no_argument, NULL, 'O' },
		{ "department", required_argument, NULL, 'D' },
		{ "callback", no_argument, NULL, 'c' },
		{ "to", required_argument, NULL, 't' },
		{ "staff", required_argument, NULL, 'S' },
		{ "sms", required_argument, NULL, 'm' },
		{ "text", required_argument, NULL, 'x' },
		{ "phone", required_argument, NULL, 'p' },
		{ "reason", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "kind", required_argument, NULL, 'k' },
		{ "key", required_argument, NULL, 'K' },
		{ "caller", required_argument, NULL, 'n' },
		{ "member", required_argument, NULL, 'M' },
		{ "callback-phone", required_argument, NULL, 'P' },
		{ "audio", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	optind = 0;     /* glibc: start afresh and permute (kefu used '+') */
	while ((c = getopt_long(argc, argv, allowed, opts, NULL)) != -1) {
		if (c == '?' || strchr(allowed, c) == NULL)
			return -1;
		switch (c) {
		case 's': o->status = optarg; break;
		case 'O': o->open = 1; break;
		case 'D': o->department = optarg; break;
		case 'c': o->callback = 1; break;
		case 't': o->to = optarg; break;
		case 'S': o->staff = optarg; break;
		case 'm': o->sms = optarg; break;
		case 'x': o->text = optarg; break;
		case 'p': o->phone = optarg; break;
		case 'r': o->reason = optarg; break;
		case 'o': o->output = optarg; break;
		case 'k': o->kind = optarg; break;
		case 'K': o->key = optarg; break;
		case 'n': o->caller = optarg; break;
		case 'M': o->member = optarg; break;
		case 'P': o->cbphone = optarg; break;
		case 'a': o->audio = optarg; break;
		}
	}
	return optind;
}

/* A case taken at the desk (a letter, a visit), with a WAV if any. */
static int
cmd_case_add(struct cli_store *st, const struct cmd_case_opts *o)
{
	struct store_case_new c;
	char *cause = NULL, *path = NULL, no[CASE_NO_LEN + 1];
	int rc;

	memset(&c, 0, sizeof c);
	c.kind = o->kind;
	c.department = o->department;
	c.key = o->key;
	c.caller_id = o->caller;
	c.member_no = o->member;
	c.callback_phone = o->cbphone;
	c.staff_no = o->staff;
	if (o->audio != NULL && (recording_length(o->audio, &c.voice_ms,
	    &cause) == -1 || (path = realpath(o->audio, NULL)) == NULL)) {
		fprintf(stderr, "kefu case: %s\n", cause ? cause :
		    strerror(errno));
		free(cause);
		return CLI_FAIL;
	}
	c.voice_path = path;
	rc = store_case_create(st->src, st->conf, &c, no, &cause);
	free(path);
	if (rc == -1)
		return cmd_case_fail(cause);
	printf("case %s created\n", no);
	return CLI_OK;
}

static int
cmd_case_list(struct cli_store *st, const struct cmd_case_opts *o)
{
	struct store_case_filter f = { o->status, o->open, o->department,
	    o->callback };
	struct store_case *c;
	char *cause = NULL;
	size_t n, i;

	if (store_case_list(st->src, &f, &c, &n, &cause) == -1)
		return cmd_case_fail(cause);
	printf("%-10s %-11s %-8s %-19s %-12s %-16s %s\n", "NO", "KIND",
	    "STATUS", "RECEIVED", "DEPARTMENT", "CALLER", "SECONDS");
	for (i = 0; i < n; i++)
		printf("%-10s %-11s %-8s %-19s %-12s %-16s %u%s\n", c[i].no,
		    c[i].kind, c[i].status, c[i].received_at,
		    c[i].department ? c[i].department : "-",
		    c[i].caller_id ? c[i].caller_id : "-",
		    c[i].voice_ms / 1000, c[i].confirmed ? "" :
		    "  unconfirmed");
	store_cases_free(c, n);
	return CLI_OK;
}

static void
cmd_case_field(const char *name, const char *v)
{
	if (v != NULL)
		printf("%-15s %s\n", name, v);
}

static int
cmd_case_show(struct cli_store *st, const char *no)
{
	struct store_case *c;
	char *cause = NULL, len[32];
	size_t i;

	if (store_case_get(st->src, no, &c, &cause) == -1)
		return cmd_case_fail(cause);
	cmd_case_field("case:", c->no);
	cmd_case_field("kind:", c->kind);
	cmd_case_field("status:", c->status);
	cmd_case_field("confirmed:", c->confirmed ? NULL : "no (the caller "
	    "hung up before sending)");
	cmd_case_field("received:", c->received_at);
	cmd_case_field("department:", c->department);
	cmd_case_field("assigned to:", c->assigned_to);
	cmd_case_field("caller:", c->caller_id);
	cmd_case_field("member:", c->member_no);
	cmd_case_field("call:", c->call_ref);
	cmd_case_field("recording:", c->voice_path);
	snprintf(len, sizeof len, "%u.%03u s", c->voice_ms / 1000,
	    c->voice_ms % 1000);
	cmd_case_field("length:", c->voice_path ? len : NULL);
	cmd_case_field("call back:", c->callback_phone);
	cmd_case_field("answer:", c->answer_text);
	cmd_case_field("answered by:", c->answered_by);
	cmd_case_field("closed:", c->closed_at);
	cmd_case_field("close reason:", c->close_reason);
	printf("\n%-19s %-9s %-8s %s\n", "AT", "STEP", "STAFF", "DETAIL");
	for (i = 0; i < c->nevents; i++)
		printf("%-19s %-9s %-8s %s\n", c->events[i].at,
		    c->events[i].kind, c->events[i].staff_no ?
		    c->events[i].staff_no : "caller",
		    c->events[i].detail ? c->events[i].detail : "");
	store_case_free(c);
	return CLI_OK;
}

/* Copy the recording to fd; 0 or -1 with *cause. */
static int
cmd_case_copy(const char *path, int out, char **cause)
{
	char buf[8192];
	ssize_t got;
	int in;

	if ((in = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return kf_error(cause, "case: cannot open the recording %s: %s",
		    path, strerror(errno));
	while ((got = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)got) != got) {
			close(in);
			return kf_error(cause, "case: cannot write the "
			    "recording: %s", strerror(errno));
		}
	close(in);
	if (got == -1)
		return kf_error(cause, "case: %s: %s", path, strerror(errno));
	return 0;
}

static int
cmd_case_play(struct cli_store *st, const char *no, const char *output)
{
	struct store_case *c;
	char *cause = NULL;
	int fd, rc;

	if (output == NULL && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "kefu case: play writes the WAV to standard "
		    "output: redirect it, or give -o FILE\n");
		return CLI_USAGE;
	}
	if (store_case_get(st->src, no, &c, &cause) == -1)
		return cmd_case_fail(cause);
	if (c->voice_path == NULL) {
		fprintf(stderr, "kefu case: case %s has no recording\n", no);
		store_case_free(c);
		return CLI_FAIL;
	}
	if (output == NULL || strcmp(output, "-") == 0)
		fd = STDOUT_FILENO;
	else if ((fd = open(output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0640)) == -1) {
		fprintf(stderr, "kefu case: cannot create %s: %s\n", output,
		    strerror(errno));
		store_case_free(c);
		return CLI_FAIL;
	}
	rc = cmd_case_copy(c->voice_path, fd, &cause);
	if (fd != STDOUT_FILENO)
		close(fd);
	store_case_free(c);
	return rc == -1 ? cmd_case_fail(cause) : CLI_OK;
}

/* The verbs that change a case: each needs --staff. */
static int
cmd_case_change(struct cli_store *st, const char *verb, const char *no,
    const struct cmd_case_opts *o, const char *text)
{
	struct store_case_actor a = { o->staff, NULL };
	struct store_case_reply r = { o->sms, o->text, o->callback, o->phone };
	char *cause = NULL;
	int64_t oid = 0;
	int rc;

	if (strcmp(verb, "assign") == 0)
		rc = store_case_assign(st->src, st->conf, no, o->department,
		    o->to, &a, &cause);
	else if (strcmp(verb, "note") == 0)
		rc = store_case_note(st->src, no, text, &a, &cause);
	else if (strcmp(verb, "reply") == 0)
		rc = store_case_reply(st->src, no, &r, &a, &oid, &cause);
	else
		rc = store_case_close(st->src, no, o->reason, &a, &cause);
	if (rc == -1)
		return cmd_case_fail(cause);
	if (oid != 0)
		printf("case %s: answer queued as message %lld\n", no,
		    (long long)oid);
	else
		printf("case %s: %s\n", no, strcmp(verb, "assign") == 0 ?
		    "assigned" : strcmp(verb, "note") == 0 ? "noted" :
		    strcmp(verb, "close") == 0 ? "closed" : o->callback ?
		    "on the call-back list" : "answered");
	return CLI_OK;
}

/* Options allowed per verb, and how many words follow them. */
static const struct {
	const char *verb;
	const char *opts;
	int words;              /* NO, and TEXT for note */
} cmd_case_verbs[] = {
	{ "add", CO_ADD, 0 },
	{ "list", CO_LIST, 0 },
	{ "show", "", 1 },
	{ "play", CO_PLAY, 1 },
	{ "assign", CO_ASSIGN, 1 },
	{ "note", CO_NOTE, 2 },
	{ "reply", CO_REPLY, 1 },
	{ "close", CO_CLOSE, 1 },
};

/* The usage checks of a verb's options; 0 or -1 with a message. */
static int
cmd_case_opts_ok(const char *verb, const struct cmd_case_opts *o)
{
	int how;

	if (strcmp(verb, "list") == 0 || strcmp(verb, "show") == 0 ||
	    strcmp(verb, "play") == 0)
		return 0;
	if (o->staff == NULL) {
		fprintf(stderr, "kefu case %s: --staff NO is required (every "
		    "step is kept with who took it)\n", verb);
		return -1;
	}
	how = (o->sms != NULL) + (o->text != NULL) + o->callback;
	if (strcmp(verb, "reply") == 0 && how != 1) {
		fprintf(stderr, "kefu case reply: give one of --sms TEXT, "
		    "--text TEXT or --callback\n");
		return -1;
	}
	return 0;
}

int
cmd_case_main(int argc, char **argv)
{
	struct cmd_case_opts o;
	struct cli_store st;
	const char *verb, *no;
	size_t v;
	int i, rc;

	if (argc < 2 || cli_wants_help(argc, argv)) {
		cmd_case_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	verb = argv[1];
	for (v = 0; v < nitems(cmd_case_verbs); v++)
		if (strcmp(cmd_case_verbs[v].verb, verb) == 0)
			break;
	if (v == nitems(cmd_case_verbs) || (i = cmd_case_getopt(argc - 1,
	    argv + 1, cmd_case_verbs[v].opts, &o)) == -1 ||
	    argc - 1 - i != cmd_case_verbs[v].words)
		return cmd_case_bad();
	no = cmd_case_verbs[v].words > 0 ? argv[1 + i] : NULL;
	if (no != NULL && !store_case_no_valid(no)) {
		fprintf(stderr, "kefu case: '%s' is not a case number (%d "
		    "digits)\n", no, CASE_NO_LEN);
		return CLI_USAGE;
	}
	if (cmd_case_opts_ok(verb, &o) == -1)
		return CLI_USAGE;
	if (cli_store_open("case", &st) == -1)
		return CLI_FAIL;
	if (strcmp(verb, "add") == 0)
		rc = cmd_case_add(&st, &o);
	else if (strcmp(verb, "list") == 0)
		rc = cmd_case_list(&st, &o);
	else if (strcmp(verb, "show") == 0)
		rc = cmd_case_show(&st, no);
	else if (strcmp(verb, "play") == 0)
		rc = cmd_case_play(&st, no, o.output);
	else
		rc = cmd_case_change(&st, verb, no, &o, argc - 1 - i == 2 ?
		    argv[2 + i] : NULL);
	cli_store_close(&st);
	return rc;
}
