/*
 * cmd-campaign.c: `kefu campaign new|preview|start|pause|cancel|report`
 * and `schedule|due` -- a special or notice for every SMS or e-mail
 * subscriber of a segment,
 * from a text or HTML template or from today's specials (a mapping), with
 * a preview of recipients, parts, cost and time before anything is sent,
 * and a budget enforced at start and again by the outbox worker
 * (store/campaign.c, msg/campaign.c and msg/suppress.c do the work).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svc/svc.h"
#include "cli/cli.h"
#include "db/db.h"
#include "map/map.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"

#define CMD_CAMPAIGN_SPECIALS "catalog.promotions_today"

static void
cmd_campaign_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu campaign new NAME [--channel sms|email] "
	    "[--text TEXT | --file FILE]\n"
	    "           [--specials[=MAPPING]] [--html FILE] [--subject TEXT] "
	    "[--segment COND,...]\n"
	    "           [--budget YUAN] [--at 'YYYY-MM-DD HH:MM']\n"
	    "       kefu campaign preview NAME [--show N]\n"
	    "       kefu campaign start|pause|cancel NAME\n"
	    "       kefu campaign schedule NAME 'YYYY-MM-DD HH:MM'\n"
	    "       kefu campaign due [--now 'YYYY-MM-DD HH:MM']\n"
	    "       kefu campaign report [NAME]\n");
}

static int
cmd_campaign_fail(char *cause)
{
	fprintf(stderr, "kefu campaign: %s\n", cause);
	free(cause);
	return CLI_FAIL;
}

/* "12", "12.5", "12.50" yuan -> fen; -1 when not such a number. */
static long long
cmd_campaign_fen(const char *s)
{
	long long yuan = 0, fen = 0;
	int digits = 0, frac = 0;

	for (; *s >= '0' && *s <= '9' && digits < 12; s++, digits++)
		yuan = yuan * 10 + (*s - '0');
	if (digits == 0)
		return -1;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9' && frac < 2; s++, frac++)
			fen = fen * 10 + (*s - '0');
	if (*s != '\0')
		return -1;
	return yuan * 100 + (frac == 1 ? fen * 10 : fen);
}

/*
 * "YYYY-MM-DD HH:MM[:SS]" as local time: the time_t and the stored form
 * "YYYY-MM-DD HH:MM:SS"; -1 (with a message) when not one.
 */
static int
cmd_campaign_when(const char *s, time_t *t, char out[20])
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%Y-%m-%d %H:%M", &tm)) != NULL &&
	    *end == ':')
		end = strptime(end, ":%S", &tm);
	if (end == NULL || *end != '\0') {
		fprintf(stderr, "kefu campaign: '%s' is not a local time "
		    "YYYY-MM-DD HH:MM\n", s);
		return -1;
	}
	tm.tm_isdst = -1;
	*t = mktime(&tm);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
	return 0;
}

/* The mappings, loaded the first time a hook asks. */
struct cmd_campaign_maps {
	struct conf *conf;
	struct db_adapters *ads;
	struct map_pools *pools;
	struct map_set *set;
	struct msg_hooks inner;         /* svc_campaign_hooks over set */
};

static int
cmd_campaign_maps(struct cmd_campaign_maps *cm, char **cause)
{
	struct map_load_cfg cfg = { .path = cm->conf->mappings_dir,
	    .conf = cm->conf, .source = map_pools_source };
	char *err = NULL;

	if (cm->set != NULL)
		return 0;
	if (cm->ads == NULL && db_adapters_load(cm->conf->adapters_dir,
	    &cm->ads, &err) == -1) {
		free(err);
		cm->ads = NULL;
	}
	if (cm->pools == NULL && map_pools_open(cm->conf, cm->ads, &cm->pools,
	    cause) == -1)
		return -1;
	cfg.arg = cm->pools;
	if (map_load(&cfg, &cm->set, cause) == -1)
		return -1;
	svc_campaign_hooks(&cm->inner, cm->set);
	return 0;
}

static void
cmd_campaign_maps_close(struct cmd_campaign_maps *cm)
{
	map_set_free(cm->set);
	map_pools_close(cm->pools);
	if (cm->ads != NULL)
		db_adapters_free(cm->ads);
}

static char *
cmd_campaign_specials_h(void *arg, const char *mapping, char **cause)
{
	struct cmd_campaign_maps *cm = arg;

	if (cmd_campaign_maps(cm, cause) == -1)
		return NULL;
	return cm->inner.specials(cm->inner.arg, mapping, cause);
}

static int
cmd_campaign_segment_h(void *arg, const char *mapping,
    struct msg_seg_row **rows, size_t *n, char **cause)
{
	struct cmd_campaign_maps *cm = arg;

	*rows = NULL;
	*n = 0;
	if (cmd_campaign_maps(cm, cause) == -1)
		return -1;
	return cm->inner.segment(cm->inner.arg, mapping, rows, n, cause);
}

static char *
cmd_campaign_points_h(void *arg, const char *mapping, const char *key,
    char **cause)
{
	struct cmd_campaign_maps *cm = arg;

	if (cmd_campaign_maps(cm, cause) == -1)
		return NULL;
	return cm->inner.points(cm->inner.arg, mapping, key, cause);
}

static int
cmd_campaign_points_all_h(void *arg, const char *mapping,
    struct msg_seg_row **rows, size_t *n, unsigned *queries, char **cause)
{
	struct cmd_campaign_maps *cm = arg;

	*rows = NULL;
	*n = 0;
	if (cmd_campaign_maps(cm, cause) == -1)
		return -1;
	return cm->inner.points_all(cm->inner.arg, mapping, rows, n, queries,
	    cause);
}

/* Hooks for msg/ that load the mappings when first asked. */
static void
cmd_campaign_hooks(struct msg_hooks *h, struct cmd_campaign_maps *cm,
    struct conf *conf)
{
	memset(cm, 0, sizeof *cm);
	cm->conf = conf;
	h->specials = cmd_campaign_specials_h;
	h->segment = cmd_campaign_segment_h;
	h->points = cmd_campaign_points_h;
	h->points_all = cmd_campaign_points_all_h;
	h->arg = cm;
}

/* Today's specials from a mapping, as one line of text (malloc'd). */
static char *
cmd_campaign_specials(struct conf *conf, const char *mapping, char **cause)
{
	struct cmd_campaign_maps cm;
	struct msg_hooks h;
	char *text;

	cmd_campaign_hooks(&h, &cm, conf);
	text = h.specials(h.arg, mapping, cause);
	cmd_campaign_maps_close(&cm);
	return text;
}

/* What `new` was given. */
struct cmd_campaign_new {
	struct store_campaign c;
	char *text;             /* --text or --file's contents */
	char *html;             /* --html's contents */
	const char *specials;   /* --specials: the mapping */
	char at[20];            /* --at: when the scheduler starts it */
};

static int
cmd_campaign_args(int argc, char **argv, struct cmd_campaign_new *a)
{
	static const struct option opts[] = {
		{ "channel", required_argument, NULL, 'c' },
		{ "text", required_argument, NULL, 't' },
		{ "file", required_argument, NULL, 'f' },
		{ "html", required_argument, NULL, 'h' },
		{ "subject", required_argument, NULL, 's' },
		{ "segment", required_argument, NULL, 'g' },
		{ "budget", required_argument, NULL, 'b' },
		{ "specials", optional_argument, NULL, 'p' },
		{ "at", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	char *cause = NULL;
	time_t t;
	int c;

	optind = 0;     /* GNU: start afresh, permuting options */
	while ((c = getopt_long(argc, argv, "c:t:f:h:s:g:b:p::a:", opts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			if (strcmp(optarg, "sms") != 0 &&
			    strcmp(optarg, "email") != 0) {
				fprintf(stderr, "kefu campaign: channel '%s': "
				    "sms or email\n", optarg);
				return -1;
			}
			a->c.channel = optarg;
			break;
		case 't':
			free(a->text);
			a->text = xstrdup(optarg);
			break;
		case 'f':
		case 'h':
			if (file_read(optarg, c == 'f' ? &a->text : &a->html,
			    NULL, &cause) == -1) {
				fprintf(stderr, "kefu campaign: %s\n", cause);
				free(cause);
				return -1;
			}
			break;
		case 's':
			a->c.subject = optarg;
			break;
		case 'g':
			a->c.segment = optarg;
			break;
		case 'b':
			if ((a->c.budget = cmd_campaign_fen(optarg)) < 0) {
				fprintf(stderr, "kefu campaign: budget '%s' is "
				    "not an amount in yuan (12, 12.50)\n",
				    optarg);
				return -1;
			}
			break;
		case 'p':
			a->specials = optarg ? optarg : CMD_CAMPAIGN_SPECIALS;
			break;
		case 'a':
			if (cmd_campaign_when(optarg, &t, a->at) == -1)
				return -1;
			a->c.scheduled_at = a->at;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || (a->text == NULL && a->specials == NULL)) {
		cmd_campaign_usage(stderr);
		return -1;
	}
	a->c.name = argv[optind];
	return 0;
}

static int
cmd_campaign_new(struct cli_store *st, int argc, char **argv)
{
	struct cmd_campaign_new a = { .c = { .channel = "sms",
	    .source = "text", .budget = -1 } };
	struct strbuf body = STRBUF_INIT;
	char *cause = NULL, now[20], *sp = NULL;
	int64_t id;
	int rc = CLI_USAGE;

	if (cmd_campaign_args(argc, argv, &a) == -1)
		goto out;
	if (store_segment_check(a.c.segment, &cause) == -1) {
		fprintf(stderr, "kefu campaign: %s\n", cause);
		free(cause);
		goto out;
	}
	if (a.specials != NULL) {
		if ((sp = cmd_campaign_specials(st->conf, a.specials,
		    &cause)) == NULL) {
			rc = cmd_campaign_fail(cause ? cause :
			    xstrdup("no specials"));
			goto out;
		}
		a.c.source = "specials";
		sb_addf(&body, "%s%s", a.text ? a.text : "", sp);
	} else
		sb_adds(&body, a.text);
	a.c.body = body.s;
	a.c.body_html = a.html;
	msg_time(now, 0);
	if (store_campaign_new(st->src, &a.c, now, &id, &cause) == -1) {
		rc = cmd_campaign_fail(cause);
		goto out;
	}
	if (a.c.scheduled_at != NULL)
		printf("campaign %lld '%s' created (scheduled at %s, %s); "
		    "kefud starts it then\n", (long long)id, a.c.name,
		    a.c.scheduled_at, a.c.channel);
	else
		printf("campaign %lld '%s' created (draft, %s); see kefu "
		    "campaign preview %lld\n", (long long)id, a.c.name,
		    a.c.channel, (long long)id);
	rc = CLI_OK;
out:
	sb_free(&body);
	free(sp);
	free(a.text);
	free(a.html);
	return rc;
}

/* The campaign named, its recipients and its plan. */
struct cmd_campaign_ctx {
	struct store_campaign *c;
	struct store_recipient *r;
	size_t n;
	struct msg_campaign_plan plan;
};

static void cmd_campaign_unload(struct cmd_campaign_ctx *);

static int
cmd_campaign_load(struct cli_store *st, const char *name,
    struct cmd_campaign_ctx *x)
{
	struct cmd_campaign_maps cm;
	struct msg_hooks h;
	char *cause = NULL;
	int rc = CLI_OK;

	memset(x, 0, sizeof *x);
	cmd_campaign_hooks(&h, &cm, st->conf);
	if (store_campaign_get(st->src, name, &x->c, &cause) == -1 ||
	    msg_campaign_recipients(st->src, &h, st->conf, x->c, &x->r, &x->n,
	    &cause) == -1 || msg_campaign_plan(st->conf, x->c, x->r, x->n,
	    &x->plan, &cause) == -1) {
		rc = cmd_campaign_fail(cause);
		cmd_campaign_unload(x);
	}
	cmd_campaign_maps_close(&cm);
	return rc;
}

/* What cmd_campaign_load read; x is empty after (a failed load too). */
static void
cmd_campaign_unload(struct cmd_campaign_ctx *x)
{
	store_campaign_free(x->c);
	store_recipients_free(x->r, x->n);
	memset(x, 0, sizeof *x);
}

static void
cmd_campaign_yuan(const char *label, long long fen)
{
	printf("%-12s %lld.%02lld 元\n", label, fen / 100, fen % 100);
}

static void
cmd_campaign_print_plan(const struct cmd_campaign_ctx *x)
{
	const struct msg_campaign_plan *p = &x->plan;
	int sms = strcmp(x->c->channel, "sms") == 0;

	printf("%-12s %lld '%s' (%s, %s)\n", "campaign:", (long long)x->c->id,
	    x->c->name, x->c->channel, x->c->status);
	printf("%-12s %s\n", "segment:", x->c->segment ? x->c->segment :
	    "every subscriber");
	printf("%-12s %zu\n", "recipients:", p->recipients);
	if (sms && p->recipients > 0) {
		if (p->parts_min == p->parts_max)
			printf("%-12s %u per message", "parts:", p->parts_max);
		else
			printf("%-12s %u to %u per message", "parts:",
			    p->parts_min, p->parts_max);
		printf(" (%u of %zu in UCS2: 70 a part, 67 when split; "
		    "else GSM 7-bit: 160, 153)\n", p->ucs2, p->recipients);
		printf("%-12s %llu\n", "SMS parts:", p->parts);
	}
	cmd_campaign_yuan("cost:", p->cost);
	if (x->c->budget >= 0)
		cmd_campaign_yuan("budget:", x->c->budget);
	if (p->rate > 0 && p->seconds < 120)
		printf("%-12s %.1f s at %.0f messages a second (%s)\n",
		    "time:", p->seconds, p->rate, p->rate_from);
	else if (p->rate > 0)
		printf("%-12s %.0f min at %.0f messages a second (%s)\n",
		    "time:", p->seconds / 60, p->rate, p->rate_from);
	else
		printf("%-12s as fast as the transport takes them (%s "
		    "not set)\n", "time:", p->rate_from);
}

static int
cmd_campaign_preview(struct cli_store *st, int argc, char **argv)
{
	struct cmd_campaign_ctx x;
	const char *err;
	long long show = 3;
	char *text;
	size_t i;
	int rc;

	if (argc == 4 && strcmp(argv[2], "--show") == 0) {
		if (str_tonum(argv[3], 0, 1000, &show, &err) == -1) {
			cmd_campaign_usage(stderr);
			return CLI_USAGE;
		}
	} else if (argc != 2) {
		cmd_campaign_usage(stderr);
		return CLI_USAGE;
	}
	if ((rc = cmd_campaign_load(st, argv[1], &x)) != CLI_OK)
		return rc;
	cmd_campaign_print_plan(&x);
	for (i = 0; i < x.n && i < (size_t)show; i++) {
		text = msg_campaign_text(st->conf, x.c, &x.r[i], 0);
		printf("\nto %s (%s):\n%s\n", x.r[i].address,
		    x.r[i].customer_no, text);
		free(text);
	}
	cmd_campaign_unload(&x);
	return CLI_OK;
}

static int
cmd_campaign_start(struct cli_store *st, const char *name)
{
	struct cmd_campaign_maps cm;
	struct msg_hooks h;
	struct store_campaign *c;
	struct msg_launch l;
	char *cause = NULL, now[20];
	int rc = CLI_OK;

	msg_time(now, 0);
	if (store_campaign_get(st->src, name, &c, &cause) == -1)
		return cmd_campaign_fail(cause);
	cmd_campaign_hooks(&h, &cm, st->conf);
	if (msg_campaign_launch(st->src, st->conf, c, &h, now, &l,
	    &cause) == -1)
		rc = cmd_campaign_fail(cause);
	else
		printf("campaign '%s' sending: %zu queued, %zu queued before "
		    "(not again)\n", c->name, l.queued, l.dups);
	cmd_campaign_maps_close(&cm);
	store_campaign_free(c);
	return rc;
}

static int
cmd_campaign_schedule(struct cli_store *st, const char *name,
    const char *when)
{
	struct store_campaign *c;
	char *cause = NULL, at[20];
	time_t t;

	if (cmd_campaign_when(when, &t, at) == -1)
		return CLI_USAGE;
	if (store_campaign_get(st->src, name, &c, &cause) == -1)
		return cmd_campaign_fail(cause);
	if (store_campaign_state(st->src, c->id, "scheduled", at,
	    &cause) == -1) {
		store_campaign_free(c);
		return cmd_campaign_fail(cause);
	}
	printf("campaign '%s' scheduled at %s; kefud starts it then\n",
	    c->name, at);
	store_campaign_free(c);
	return CLI_OK;
}

/* One tick of kefud's scheduler, at now or at --now. */
static int
cmd_campaign_due(struct cli_store *st, int argc, char **argv)
{
	struct cmd_campaign_maps cm;
	struct msg_hooks h;
	struct msg_sched_stats ss;
	char *cause = NULL, at[20];
	time_t t = time(NULL);
	int rc;

	if (argc == 3 && strcmp(argv[1], "--now") == 0) {
		if (cmd_campaign_when(argv[2], &t, at) == -1)
			return CLI_USAGE;
	} else if (argc != 1) {
		cmd_campaign_usage(stderr);
		return CLI_USAGE;
	}
	cmd_campaign_hooks(&h, &cm, st->conf);
	h.points_at = 0;
	rc = msg_sched_tick(st->src, st->conf, &h, t, &ss, &cause);
	cmd_campaign_maps_close(&cm);
	if (rc == -1)
		return cmd_campaign_fail(cause);
	printf("%u periodic campaign(s) made, %u started (%lu message(s) "
	    "queued), %u not started; %u event and %u points notice(s)\n",
	    ss.periodic, ss.started, ss.queued, ss.failed, ss.events,
	    ss.points);
	return ss.failed > 0 ? CLI_FAIL : CLI_OK;
}

static int
cmd_campaign_stop(struct cli_store *st, const char *name, const char *to)
{
	struct store_campaign *c;
	char *cause = NULL, now[20];
	int64_t n = 0;

	msg_time(now, 0);
	if (store_campaign_get(st->src, name, &c, &cause) == -1)
		return cmd_campaign_fail(cause);
	if (store_campaign_state(st->src, c->id, to, now, &cause) == -1 ||
	    (strcmp(to, "cancelled") == 0 && store_campaign_hold(st->src,
	    c->id, to, now, &n, &cause) == -1)) {
		store_campaign_free(c);
		return cmd_campaign_fail(cause);
	}
	if (strcmp(to, "cancelled") == 0)
		printf("campaign '%s' cancelled: %lld queued message(s) "
		    "cancelled\n", c->name, (long long)n);
	else
		printf("campaign '%s' paused: nothing more is sent until kefu "
		    "campaign start\n", c->name);
	store_campaign_free(c);
	return CLI_OK;
}

static int
cmd_campaign_report_one(struct cli_store *st, const char *name)
{
	static const char *const spends[] = { "submitting", "submitted",
	    "delivered", "unknown" };
	struct store_campaign_count *k;
	struct store_campaign *c;
	char *cause = NULL;
	long long msgs = 0, parts = 0, cost = 0, spent = 0;
	size_t n, i, j;

	if (store_campaign_get(st->src, name, &c, &cause) == -1 ||
	    store_campaign_counts(st->src, c->id, &k, &n, &cause) == -1) {
		store_campaign_free(c);
		return cmd_campaign_fail(cause);
	}
	printf("campaign %lld '%s' (%s, %s)\n", (long long)c->id, c->name,
	    c->channel, c->status);
	printf("%-11s %8s %8s %10s\n", "STATE", "MESSAGES", "PARTS", "COST");
	for (i = 0; i < n; i++) {
		printf("%-11s %8lld %8lld %7lld.%02lld\n", k[i].status,
		    (long long)k[i].messages, (long long)k[i].parts,
		    (long long)k[i].cost / 100, (long long)k[i].cost % 100);
		msgs += k[i].messages;
		parts += k[i].parts;
		cost += k[i].cost;
		for (j = 0; j < nitems(spends); j++)
			if (strcmp(k[i].status, spends[j]) == 0)
				spent += k[i].cost;
	}
	printf("%-11s %8lld %8lld %7lld.%02lld\n", "total", msgs, parts,
	    cost / 100, cost % 100);
	/* what the outbox worker weighs a budget against */
	cmd_campaign_yuan("spent:", spent);
	if (c->budget >= 0)
		cmd_campaign_yuan("budget:", c->budget);
	free(k);
	store_campaign_free(c);
	return CLI_OK;
}

static int
cmd_campaign_report(struct cli_store *st, int argc, char **argv)
{
	struct store_campaign *all;
	char *cause = NULL, num[24];
	size_t n, i;
	int rc = CLI_OK;

	if (argc == 2)
		return cmd_campaign_report_one(st, argv[1]);
	if (store_campaign_list(st->src, &all, &n, &cause) == -1)
		return cmd_campaign_fail(cause);
	if (n == 0)
		printf("no campaigns (kefu campaign new)\n");
	for (i = 0; i < n && rc == CLI_OK; i++) {
		snprintf(num, sizeof num, "%lld", (long long)all[i].id);
		rc = cmd_campaign_report_one(st, num);
	}
	for (i = 0; i < n; i++)
		free((char *)all[i].name);
	free(all);
	return rc;
}

int
cmd_campaign_main(int argc, char **argv)
{
	struct cli_store st;
	const char *v;
	int rc;

	if (argc < 2 || cli_wants_help(argc, argv)) {
		cmd_campaign_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	v = argv[1];
	if (strcmp(v, "new") != 0 && strcmp(v, "preview") != 0 &&
	    strcmp(v, "report") != 0 && strcmp(v, "due") != 0 &&
	    (strcmp(v, "schedule") != 0 || argc != 4) &&
	    ((strcmp(v, "start") != 0 && strcmp(v, "pause") != 0 &&
	    strcmp(v, "cancel") != 0) || argc != 3)) {
		cmd_campaign_usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(v, "report") == 0 && argc > 3) {
		cmd_campaign_usage(stderr);
		return CLI_USAGE;
	}
	if (cli_store_open("campaign", &st) == -1)
		return CLI_FAIL;
	if (strcmp(v, "new") == 0)
		rc = cmd_campaign_new(&st, argc - 1, argv + 1);
	else if (strcmp(v, "preview") == 0)
		rc = cmd_campaign_preview(&st, argc - 1, argv + 1);
	else if (strcmp(v, "report") == 0)
		rc = cmd_campaign_report(&st, argc - 1, argv + 1);
	else if (strcmp(v, "start") == 0)
		rc = cmd_campaign_start(&st, argv[2]);
	else if (strcmp(v, "schedule") == 0)
		rc = cmd_campaign_schedule(&st, argv[2], argv[3]);
	else if (strcmp(v, "due") == 0)
		rc = cmd_campaign_due(&st, argc - 1, argv + 1);
	else
		rc = cmd_campaign_stop(&st, argv[2], strcmp(v, "pause") == 0 ?
		    "paused" : "cancelled");
	cli_store_close(&st);
	return rc;
}
