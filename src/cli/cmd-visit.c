/*
 * cmd-visit.c: `kefu visit slots|book|list|show|cancel|move|done` -- the
 * service desk's side of after-sales home visits: the free slots of
 * [visits], a visit booked for a customer at the desk, the visits of a
 * day, a visit cancelled or moved (each with its SMS to the customer),
 * and a visit done (with what the desk notes).  store/visit.c does the
 * work; a visit's case is a case like any other (kefu case show NO).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

static void
cmd_visit_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu visit slots\n"
	    "       kefu visit book DATE SLOT --phone N [--purchase NO] "
	    "[--member NO] --staff NO\n"
	    "       kefu visit list [--date DATE] [--all]\n"
	    "       kefu visit show CASE\n"
	    "       kefu visit cancel CASE --staff NO\n"
	    "       kefu visit move CASE DATE SLOT --staff NO\n"
	    "       kefu visit done CASE --staff NO [--note TEXT]\n");
}

/* The options every verb may take; each verb says which it allows. */
struct cmd_visit_opts {
	const char *date, *phone, *purchase, *member, *staff, *note;
	int all;
};

static const struct {
	const char *verb;
	const char *opts;       /* getopt letters it allows */
	int words;              /* arguments after the options */
	int staff;              /* 1: --staff is required */
} cmd_visit_verbs[] = {
	{ "slots", "", 0, 0 },
	{ "book", "p:u:M:S:", 2, 1 },
	{ "list", "d:A", 0, 0 },
	{ "show", "", 1, 0 },
	{ "cancel", "S:", 1, 1 },
	{ "move", "S:", 3, 1 },
	{ "done", "S:n:", 1, 1 },
};

static int
cmd_visit_getopt(int argc, char **argv, const char *allowed,
    struct cmd_visit_opts *o)
{
	static const struct option opts[] = {
		{ "date", required_argument, NULL, 'd' },
		{ "all", no_argument, NULL, 'A' },
		{ "phone", required_argument, NULL, 'p' },
		{ "purchase", required_argument, NULL, 'u' },
		{ "member", required_argument, NULL, 'M' },
		{ "staff", required_argument, NULL, 'S' },
		{ "note", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	optind = 0;
	while ((c = getopt_long(argc, argv, "d:Ap:u:M:S:n:", opts,
	    NULL)) != -1) {
		if (c == '?' || strchr(allowed, c) == NULL)
			return -1;
		switch (c) {
		case 'd': o->date = optarg; break;
		case 'A': o->all = 1; break;
		case 'p': o->phone = optarg; break;
		case 'u': o->purchase = optarg; break;
		case 'M': o->member = optarg; break;
		case 'S': o->staff = optarg; break;
		case 'n': o->note = optarg; break;
		}
	}
	return optind;
}

static int
cmd_visit_fail(char *cause)
{
	fprintf(stderr, "kefu %s\n", cause);
	free(cause);
	return CLI_FAIL;
}

static int
cmd_visit_slots(struct cli_store *st, struct store_visit_policy *pol)
{
	struct store_visit_offer off[64];
	char *cause = NULL;
	size_t i, n;

	if (store_visit_offers(st->src, pol, NULL, off, nitems(off), &n,
	    &cause) == -1)
		return cmd_visit_fail(cause);
	printf("%-10s %-11s %s\n", "DATE", "SLOT", "BOOKED");
	for (i = 0; i < n; i++)
		printf("%-10s %-11s %d/%d\n", off[i].date, off[i].slot->name,
		    off[i].taken, off[i].slot->capacity);
	if (n == 0)
		printf("no free slot in the days offered ([visits] "
		    "visit-days)\n");
	return CLI_OK;
}

static int
cmd_visit_book(struct cli_store *st, struct store_visit_policy *pol,
    char **w, const struct cmd_visit_opts *o)
{
	struct store_visit_new v = { .date = w[0], .slot = w[1],
	    .phone = o->phone, .purchase = o->purchase,
	    .member_no = o->member, .staff_no = o->staff };
	char *cause = NULL, no[CASE_NO_LEN + 1];
	int full;

	if (store_visit_book(st->src, st->conf, pol, &v, no, &full,
	    &cause) == -1)
		return cmd_visit_fail(cause);
	printf("case %s: home visit %s %s booked; SMS to %s queued\n", no,
	    w[0], w[1], o->phone);
	return CLI_OK;
}

static int
cmd_visit_list(struct cli_store *st, const struct cmd_visit_opts *o)
{
	struct store_visit *v;
	char *cause = NULL;
	size_t i, n;

	if (store_visit_list(st->src, o->date, o->all, &v, &n, &cause) == -1)
		return cmd_visit_fail(cause);
	printf("%-10s %-10s %-11s %-9s %-16s %s\n", "CASE", "DATE", "SLOT",
	    "STATUS", "PHONE", "PURCHASE");
	for (i = 0; i < n; i++)
		printf("%-10s %-10s %-11s %-9s %-16s %s\n", v[i].case_no,
		    v[i].date, v[i].slot, v[i].status, v[i].phone,
		    v[i].purchase ? v[i].purchase : "-");
	store_visits_free(v, n);
	return CLI_OK;
}

static void
cmd_visit_field(const char *name, const char *v)
{
	if (v != NULL)
		printf("%-12s %s\n", name, v);
}

static int
cmd_visit_show(struct cli_store *st, const char *no)
{
	struct store_visit *v;
	char *cause = NULL;

	if (store_visit_last(st->src, no, &v, &cause) == -1)
		return cmd_visit_fail(cause);
	if (v == NULL) {
		fprintf(stderr, "kefu visit: case %s has no home visit\n",
		    no);
		return CLI_FAIL;
	}
	cmd_visit_field("case:", v->case_no);
	cmd_visit_field("date:", v->date);
	cmd_visit_field("slot:", v->slot);
	cmd_visit_field("status:", v->status);
	cmd_visit_field("phone:", v->phone);
	cmd_visit_field("purchase:", v->purchase);
	cmd_visit_field("booked:", v->booked_at);
	cmd_visit_field("booked by:", v->booked_by ? v->booked_by :
	    "the caller, by phone");
	cmd_visit_field("call:", v->call_ref);
	if (strcmp(v->status, "booked") != 0) {
		cmd_visit_field("changed:", v->changed_at);
		cmd_visit_field("changed by:", v->changed_by ?
		    v->changed_by : "the caller, by phone");
	}
	cmd_visit_field("note:", v->note);
	if (v->outbox_id != 0)
		printf("%-12s outbox %lld\n", "SMS:", (long long)v->outbox_id);
	store_visits_free(v, 1);
	return CLI_OK;
}

static int
cmd_visit_change(struct cli_store *st, struct store_visit_policy *pol,
    const char *verb, char **w, const struct cmd_visit_opts *o)
{
	struct store_visit_change ch = { .staff_no = o->staff };
	char *cause = NULL;
	int full;

	if (strcmp(verb, "done") == 0) {
		if (store_visit_done(st->src, w[0], o->note, &ch,
		    &cause) == -1)
			return cmd_visit_fail(cause);
		printf("case %s: home visit done\n", w[0]);
		return CLI_OK;
	}
	if (strcmp(verb, "cancel") == 0) {
		if (store_visit_cancel(st->src, pol, w[0], &ch, &cause) == -1)
			return cmd_visit_fail(cause);
		printf("case %s: home visit cancelled; SMS queued\n", w[0]);
		return CLI_OK;
	}
	if (store_visit_move(st->src, pol, w[0], w[1], w[2], &ch, &full,
	    &cause) == -1)
		return cmd_visit_fail(cause);
	printf("case %s: home visit moved to %s %s; SMS queued\n", w[0],
	    w[1], w[2]);
	return CLI_OK;
}

int
cmd_visit_main(int argc, char **argv)
{
	struct store_visit_policy *pol = NULL;
	struct cmd_visit_opts o;
	struct cli_store st;
	const char *verb;
	char *cause = NULL, **w;
	size_t v;
	int i, rc;

	if (argc < 2 || cli_wants_help(argc, argv)) {
		cmd_visit_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	verb = argv[1];
	for (v = 0; v < nitems(cmd_visit_verbs); v++)
		if (strcmp(cmd_visit_verbs[v].verb, verb) == 0)
			break;
	if (v == nitems(cmd_visit_verbs) || (i = cmd_visit_getopt(argc - 1,
	    argv + 1, cmd_visit_verbs[v].opts, &o)) == -1 ||
	    argc - 1 - i != cmd_visit_verbs[v].words) {
		cmd_visit_usage(stderr);
		return CLI_USAGE;
	}
	w = argv + 1 + i;
	if (cmd_visit_verbs[v].words > 0 && strcmp(verb, "book") != 0 &&
	    !store_case_no_valid(w[0])) {
		fprintf(stderr, "kefu visit: '%s' is not a case number (%d "
		    "digits)\n", w[0], CASE_NO_LEN);
		return CLI_USAGE;
	}
	if (cmd_visit_verbs[v].staff && o.staff == NULL) {
		fprintf(stderr, "kefu visit %s: --staff NO is required (every "
		    "step is kept with who took it)\n", verb);
		return CLI_USAGE;
	}
	if (strcmp(verb, "book") == 0 && o.phone == NULL) {
		fprintf(stderr, "kefu visit book: --phone N is required (the "
		    "confirmation SMS goes there)\n");
		return CLI_USAGE;
	}
	if (cli_store_open("visit", &st) == -1)
		return CLI_FAIL;
	if (store_visit_policy_load(st.conf, &pol, &cause) == -1) {
		cli_store_close(&st);
		return cmd_visit_fail(cause);
	}
	if (strcmp(verb, "slots") == 0)
		rc = cmd_visit_slots(&st, pol);
	else if (strcmp(verb, "book") == 0)
		rc = cmd_visit_book(&st, pol, w, &o);
	else if (strcmp(verb, "list") == 0)
		rc = cmd_visit_list(&st, &o);
	else if (strcmp(verb, "show") == 0)
		rc = cmd_visit_show(&st, w[0]);
	else
		rc = cmd_visit_change(&st, pol, verb, w, &o);
	store_visit_policy_free(pol);
	cli_store_close(&st);
	return rc;
}
