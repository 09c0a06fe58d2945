/*
 * cmd-notice.c: `kefu notice add|list|end` -- the desk's notices, what
 * callers hear first under 门店公告 (store/notice.c, kefu.notice.current):
 * a text, or a sound file made with any sound program, converted to the
 * prompts' format, level-checked and kept in the spool (audio/import.c).
 * Nothing is kept of a notice refused: no row, no file.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "cli/cli.h"
#include "store/store.h"
#include "util/util.h"

#define NOTICE_DAYS 7           /* valid for a week unless --until */

struct cmd_notice {
	const char *text;
	const char *audio;
	const char *from;
	const char *until;
	const char *staff;
	int all;
};

static void
cmd_notice_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu notice add --text TEXT | --audio FILE "
	    "[--from YYYY-MM-DD]\n"
	    "           [--until YYYY-MM-DD] [--staff NUMBER]\n"
	    "       kefu notice list [--all]\n"
	    "       kefu notice end ID\n");
}

static int
cmd_notice_opts(int argc, char **argv, struct cmd_notice *o)
{
	static const struct option opts[] = {
		{ "text", required_argument, NULL, 't' },
		{ "audio", required_argument, NULL, 'a' },
		{ "from", required_argument, NULL, 'f' },
		{ "until", required_argument, NULL, 'u' },
		{ "staff", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			o->text = optarg;
			break;
		case 'a':
			o->audio = optarg;
			break;
		case 'f':
			o->from = optarg;
			break;
		case 'u':
			o->until = optarg;
			break;
		case 's':
			o->staff = optarg;
			break;
		case 'A':
			o->all = 1;
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* Who publishes from the desk: --staff, else the login's user name. */
static char *
cmd_notice_who(const struct cmd_notice *o)
{
	struct passwd *pw;

	if (o->staff != NULL)
		return xstrdup(o->staff);
	if ((pw = getpwuid(getuid())) != NULL)
		return xasprintf("user %s", pw->pw_name);
	return xasprintf("user %u", (unsigned)getuid());
}

/* The dates of o into n: from defaults to today, until to a week on. */
static int
cmd_notice_dates(const struct cmd_notice *o, const char *today,
    struct store_notice *n, char **cause)
{
	snprintf(n->from, sizeof n->from, "%s", o->from ? o->from : today);
	if (o->from != NULL && !store_notice_date_ok(o->from))
		return kf_error(cause, "notice: --from '%s' is not a date "
		    "(YYYY-MM-DD)", o->from);
	if (o->until != NULL)
		snprintf(n->until, sizeof n->until, "%s", o->until);
	else if (demo_date_add(n->from, NOTICE_DAYS - 1, n->until) == -1)
		return kf_error(cause, "notice: bad date '%s'", n->from);
	if (o->until != NULL && (strlen(o->until) >= sizeof n->until ||
	    !store_notice_date_ok(o->until)))
		return kf_error(cause, "notice: --until '%s' is not a date "
		    "(YYYY-MM-DD)", o->until);
	return store_notice_dates(n, today, cause);
}

/* "notice: " before a reason from the audio subsystem. */
static void
cmd_notice_refused(char **cause)
{
	char *why = *cause;

	*cause = xasprintf("notice: %s; nothing added", why);
	free(why);
}

/*
 * kefu notice add: dates and the sound checked before anything is
 * written; the sound kept in the spool, then the row; the file removed
 * again when the row cannot be written.
 */
static int
cmd_notice_add(struct cli_store *x, const struct cmd_notice *o,
    const char *now, char **cause)
{
	char today[11];
	struct store_notice n;
	struct audio_pcm pcm;
	int rc = -1;

	memset(&n, 0, sizeof n);
	memset(&pcm, 0, sizeof pcm);
	if (o->staff != NULL && !store_staff_no_valid(o->staff))
		return kf_error(cause, "notice: --staff '%s' is not a staff "
		    "number (2 to 12 digits)", o->staff);
	snprintf(today, sizeof today, "%.10s", now);
	if (cmd_notice_dates(o, today, &n, cause) == -1)
		return -1;
	if (o->text != NULL && (*o->text == '\0' ||
	    strlen(o->text) > STORE_NOTICE_TEXT_MAX))
		return kf_error(cause, "notice: the text must have 1 to %d "
		    "bytes", STORE_NOTICE_TEXT_MAX);
	if (o->audio != NULL && (audio_import(o->audio, &pcm, cause) == -1 ||
	    audio_import_save(&pcm, x->conf->spool_dir, "notice", &n.audio,
	    cause) == -1)) {
		cmd_notice_refused(cause);
		goto out;
	}
	n.audio_ms = (unsigned)(pcm.n * 1000 / AUDIO_IMPORT_RATE);
	n.body = (char *)o->text;
	n.by = cmd_notice_who(o);
	n.via = "desk";
	if (store_notice_add(x->src, &n, now, cause) == -1) {
		if (n.audio != NULL && unlink(n.audio) == -1)
			log_warn("notice: %s left behind", n.audio);
		goto out;
	}
	printf("notice %" PRId64 " added: ", n.id);
	if (n.audio != NULL)
		printf("recording %s (%u.%01u s)", n.audio, n.audio_ms / 1000,
		    n.audio_ms % 1000 / 100);
	else
		printf("text");
	printf(", valid %s to %s\n", n.from, n.until);
	rc = 0;
out:
	pcm_free(&pcm);
	free(n.audio);
	free(n.by);
	return rc;
}

static int
cmd_notice_list(struct cli_store *x, const struct cmd_notice *o,
    const char *today, char **cause)
{
	struct store_notice *v;
	size_t n, i;

	if (store_notice_list(x->src, o->all ? NULL : today, &v, &n,
	    cause) == -1)
		return -1;
	printf("%-5s %-10s %-10s %-12s %-5s %s\n", "ID", "FROM", "UNTIL",
	    "BY", "VIA", "NOTICE");
	for (i = 0; i < n; i++) {
		printf("%-5" PRId64 " %-10s %-10s %-12s %-5s ", v[i].id,
		    v[i].from, v[i].until, v[i].by, v[i].via);
		if (v[i].audio != NULL)
			printf("recording %s (%u.%01u s)\n", v[i].audio,
			    v[i].audio_ms / 1000, v[i].audio_ms % 1000 / 100);
		else
			printf("%s\n", v[i].body);
	}
	store_notice_free(v, n);
	return 0;
}

/* Usage errors of o for verb: 0 when fine. */
static int
cmd_notice_misused(const char *verb, const struct cmd_notice *o, int nargs)
{
	int dated = o->from != NULL || o->until != NULL || o->staff != NULL;

	if (strcmp(verb, "add") == 0)
		return nargs != 0 || (o->text == NULL) == (o->audio == NULL) ||
		    o->all;
	if (strcmp(verb, "list") == 0)
		return nargs != 0 || dated || o->text || o->audio;
	if (strcmp(verb, "end") == 0)
		return nargs != 1 || dated || o->text || o->audio || o->all;
	return 1;
}

int
cmd_notice_main(int argc, char **argv)
{
	struct cmd_notice o = { 0 };
	struct cli_store x;
	const char *verb, *err, *now;
	char today[11], nowbuf[STORE_STAMP_LEN], *cause = NULL;
	long long id = 0;
	int rc, nargs;

	if (argc < 2 || cli_wants_help(argc, argv)) {
		cmd_notice_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	verb = argv[1];
	/* the ID of end first, as kefu special end ID */
	nargs = argc > 2 && argv[2][0] != '-' ? 1 : 0;
	if (cmd_notice_opts(argc - 1 - nargs, argv + 1 + nargs, &o) == -1 ||
	    cmd_notice_misused(verb, &o, nargs) || (nargs == 1 &&
	    str_tonum(argv[2], 1, INT64_MAX, &id, &err) == -1)) {
		cmd_notice_usage(stderr);
		return CLI_USAGE;
	}
	/* one reading of the clock for the dates and the time stamps */
	now = store_stamp_now(NULL, nowbuf);
	snprintf(today, sizeof today, "%.10s", now);
	if (cli_store_open("notice", &x) == -1)
		return CLI_FAIL;
	if (strcmp(verb, "add") == 0)
		rc = cmd_notice_add(&x, &o, now, &cause);
	else if (strcmp(verb, "list") == 0)
		rc = cmd_notice_list(&x, &o, today, &cause);
	else if ((rc = store_notice_end(x.src, id, now, &cause)) == 0)
		printf("notice %lld ended\n", id);
	if (rc == -1) {
		fprintf(stderr, "kefu %s\n", cause);
		free(cause);
		rc = CLI_FAIL;
	}
	cli_store_close(&x);
	return rc;
}
