/*
 * cmd-say.c: `kefu say TYPE VALUE` shows how kefu will speak a number,
 * price, quantity, date, time or digit string (the say-rules of
 * kefu-say(7)): the whole text, then one line per prompt "id text";
 * `kefu say ids` lists every prompt the rules can emit; `--audio FILE`
 * also renders the sequence as a WAV file with the audio subsystem.
 */
#include "config.h"

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/audio.h"
#include "cli/cli.h"
#include "say/say.h"
#include "util/util.h"

struct cmd_say_opts {
	const char *lang;       /* --lang, else kefu.conf's language */
	const char *unit;       /* --unit: measure word of a quantity */
	const char *decimals;   /* --decimals N: round to N decimals */
	const char *prompts;    /* --prompts DIR, else kefu.conf's */
	const char *rules;      /* --rules FILE (with --catalog FILE) */
	const char *catalog;
	const char *audio;      /* --audio FILE: write the sequence as WAV */
	const char *format;     /* --format: its line format, default ulaw */
	struct audio_fmt fmt;   /* the format parsed */
	const char *pos[2];     /* TYPE VALUE, or "ids" */
	int npos;
};

static void
cmd_say_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu say TYPE VALUE [--lang zh-CN|yue] "
	    "[--unit WORD] [--prompts DIR]\n"
	    "                [--decimals N]\n"
	    "                [--audio FILE.wav "
	    "[--format ulaw|alaw|u8|s16le[/RATE]]]\n"
	    "       kefu say ids [--lang LANG] [--prompts DIR]\n"
	    "TYPE: number, money, quantity, date, date-weekday, time, "
	    "digits, phone\n"
	    "  (--rules FILE --catalog FILE load other say-rules; "
	    "negative values after --)\n");
}

/*
 * Options may come anywhere; "-12.5" is a value, not an option, and
 * everything after "--" is a value.
 */
static int
cmd_say_args(int argc, char **argv, struct cmd_say_opts *o)
{
	static const struct {
		const char *lng, *shrt;
		size_t off;
	} opts[] = {
		{ "--lang", "-l", offsetof(struct cmd_say_opts, lang) },
		{ "--unit", "-u", offsetof(struct cmd_say_opts, unit) },
		{ "--decimals", "-d", offsetof(struct cmd_say_opts, decimals) },
		{ "--prompts", "-p", offsetof(struct cmd_say_opts, prompts) },
		{ "--rules", NULL, offsetof(struct cmd_say_opts, rules) },
		{ "--catalog", NULL, offsetof(struct cmd_say_opts, catalog) },
		{ "--audio", "-o", offsetof(struct cmd_say_opts, audio) },
		{ "--format", "-F", offsetof(struct cmd_say_opts, format) },
	};
	int i, dashdash = 0;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0) {
			dashdash = 1;
			continue;
		}
		for (k = 0; !dashdash && k < nitems(opts); k++) {
			if (strcmp(argv[i], opts[k].lng) == 0 ||
			    (opts[k].shrt &&
			    strcmp(argv[i], opts[k].shrt) == 0))
				break;
		}
		if (!dashdash && k < nitems(opts)) {
			if (++i == argc) {
				fprintf(stderr, "kefu say: %s needs a value\n",
				    argv[i - 1]);
				return -1;
			}
			*(const char **)(void *)((char *)o + opts[k].off) =
			    argv[i];
			continue;
		}
		if (!dashdash && argv[i][0] == '-' && argv[i][1] != '\0' &&
		    strchr("0123456789.", argv[i][1]) == NULL) {
			fprintf(stderr, "kefu say: unknown option %s\n",
			    argv[i]);
			return -1;
		}
		if (o->npos == 2) {
			fprintf(stderr, "kefu say: too many arguments\n");
			return -1;
		}
		o->pos[o->npos++] = argv[i];
	}
	if ((o->rules == NULL) != (o->catalog == NULL)) {
		fprintf(stderr,
		    "kefu say: --rules and --catalog go together\n");
		return -1;
	}
	return 0;
}

static int
cmd_say_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A language is one with a folder in the prompts folder; otherwise say
 * so, with the languages that do have say-rules there, rather than name
 * a file that was never meant to exist.
 */
static int
cmd_say_lang(const char *dir, const char *lang)
{
	struct strbuf sb = STRBUF_INIT;
	struct dirent *de;
	struct stat st;
	char *p, **names = NULL;
	size_t n = 0, i;
	DIR *d;
	int known;

	p = xasprintf("%s/%s", dir, lang);
	known = strchr(lang, '/') == NULL && lang[0] != '.' &&
	    stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	if (known || (d = opendir(dir)) == NULL)
		return 0;       /* say_load says what is wrong with dir */
	while ((de = readdir(d)) != NULL) {
		p = xasprintf("%s/%s/say.rules", dir, de->d_name);
		if (de->d_name[0] != '.' && access(p, R_OK) == 0) {
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xstrdup(de->d_name);
		}
		free(p);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, cmd_say_strcmp);
	for (i = 0; i < n; i++) {
		sb_addf(&sb, " %s", names[i]);
		free(names[i]);
	}
	free(names);
	fprintf(stderr, "kefu say: unknown language '%s' (%s has say-rules "
	    "for:%s)\n", lang, dir, n > 0 ? sb_str(&sb) : " none");
	sb_free(&sb);
	return -1;
}

static struct say_rules *
cmd_say_load(struct cmd_say_opts *o)
{
	struct say_rules *r;
	struct conf *conf = NULL;
	char *cause = NULL;
	int rv;

	if ((o->rules == NULL || o->audio != NULL) &&
	    (o->prompts == NULL || o->lang == NULL)) {
		if ((conf = cli_conf()) == NULL)
			return NULL;
		if (o->prompts == NULL)
			o->prompts = conf->prompts_dir;
		if (o->lang == NULL)
			o->lang = conf->language ? conf->language : "zh-CN";
	}
	if (o->rules == NULL && cmd_say_lang(o->prompts, o->lang) == -1)
		return NULL;
	if (o->rules != NULL)
		rv = say_load_files(o->rules, o->catalog, &r, &cause);
	else
		rv = say_load(o->prompts, o->lang, &r, &cause);
	if (rv == -1) {
		fprintf(stderr, "kefu say: %s\n", cause);
		free(cause);
		return NULL;
	}
	return r;
}

static int
cmd_say_ids(const struct say_rules *r)
{
	const char **ids;
	size_t i, n;

	n = say_ids(r, &ids);
	for (i = 0; i < n; i++)
		printf("%s\n", ids[i]);
	free(ids);
	return CLI_OK;
}

/* Render seq in the prompts' audio (recorded, generated or beeps). */
static int
cmd_say_audio(const struct cmd_say_opts *o, const struct say_seq *seq,
    const char *text)
{
	struct audio_cache *cache;
	struct wav_info info;
	struct prompts *pr;
	const char **ids;
	char *cause = NULL;
	uint8_t *buf;
	size_t len, i;
	int rc = -1;

	if (prompts_load(o->prompts, o->lang, &pr, &cause) == -1)
		goto out;
	ids = xcalloc(seq->n + 1, sizeof(*ids));
	for (i = 0; i < seq->n; i++)
		ids[i] = seq->items[i].id;
	cache = audio_cache_new(pr);
	rc = audio_render(cache, o->lang, ids, seq->n, &o->fmt, &buf, &len,
	    &cause);
	if (rc == 0) {
		memset(&info, 0, sizeof(info));
		info.title = text;
		info.software = "kefu say";
		rc = wav_write(o->audio, &o->fmt, buf, len, &info, &cause);
		free(buf);
	}
	audio_cache_free(cache);
	free(ids);
out:
	if (rc == -1) {
		fprintf(stderr, "kefu say: %s\n", cause);
		free(cause);
	}
	return rc;
}

static int
cmd_say_value(const struct say_rules *r, struct cmd_say_opts *o)
{
	struct say_seq seq = SAY_SEQ_INIT;
	struct say_opts so = SAY_OPTS_INIT;
	enum say_type type;
	char *cause = NULL, *text;
	const char *errstr;
	long long dec;
	size_t i;
	int rv;

	if (say_type_parse(o->pos[0], &type) == -1) {
		fprintf(stderr, "kefu say: unknown type '%s'\n", o->pos[0]);
		cmd_say_usage(stderr);
		return CLI_USAGE;
	}
	if (o->unit != NULL && type != SAY_QUANTITY) {
		fprintf(stderr, "kefu say: --unit is for quantities\n");
		return CLI_USAGE;
	}
	so.unit = o->unit;
	if (o->decimals != NULL && str_tonum(o->decimals, 0, SAY_MAX_DECIMALS,
	    &dec, &errstr) == -1) {
		fprintf(stderr, "kefu say: --decimals %s: %s (0 to %d)\n",
		    o->decimals, errstr, SAY_MAX_DECIMALS);
		return CLI_USAGE;
	}
	if (o->decimals != NULL)
		so.decimals = (int)dec;
	rv = say_value_opts(r, type, o->pos[1], &so, &seq, &cause);
	if (rv == -1) {
		fprintf(stderr, "kefu say: %s\n", cause);
		free(cause);
		return CLI_FAIL;
	}
	text = say_seq_text(&seq);
	printf("%s\n", text);
	for (i = 0; i < seq.n; i++)
		printf("%s %s\n", seq.items[i].id, seq.items[i].text);
	rv = CLI_OK;
	if (o->audio != NULL && cmd_say_audio(o, &seq, text) == -1)
		rv = CLI_FAIL;
	free(text);
	say_seq_free(&seq);
	return rv;
}

int
cmd_say_main(int argc, char **argv)
{
	struct cmd_say_opts o;
	struct say_rules *r;
	char *cause = NULL;
	int rv;

	memset(&o, 0, sizeof(o));
	if (cli_wants_help(argc, argv)) {
		cmd_say_usage(stdout);
		return CLI_OK;
	}
	if (cmd_say_args(argc, argv, &o) == -1)
		return CLI_USAGE;
	if (!(o.npos == 2 || (o.npos == 1 && strcmp(o.pos[0], "ids") == 0))) {
		cmd_say_usage(stderr);
		return CLI_USAGE;
	}
	o.fmt.enc = AUDIO_ULAW;
	o.fmt.rate = 8000;
	if (o.format != NULL && pcm_fmt_parse(o.format, &o.fmt, &cause) == -1) {
		fprintf(stderr, "kefu say: %s\n", cause);
		free(cause);
		return CLI_USAGE;
	}
	if ((r = cmd_say_load(&o)) == NULL)
		return CLI_FAIL;
	if (o.npos == 1)
		rv = cmd_say_ids(r);
	else
		rv = cmd_say_value(r, &o);
	say_free(r);
	return rv;
}
