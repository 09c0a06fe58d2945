/*
 * cmd-prompts.c: `kefu prompts list|check|build|render`: show every
 * prompt and where its audio comes from, check the catalogs (file:line
 * errors, missing audio and its fallback), generate missing audio with
 * espeak-ng, and render a sequence of prompts into one WAV file.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "cli/cli.h"
#include "util/util.h"

static const char *const cmd_prompts_how[] = {
	[PROMPT_MISSING] = "missing",
	[PROMPT_RECORDED] = "recorded",
	[PROMPT_GENERATED] = "generated",
	[PROMPT_TONE] = "tone",
};

static void
cmd_prompts_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: kefu prompts list [-p DIR] [-l LANG]\n"
	    "       kefu prompts check [-p DIR] [--strict]\n"
	    "       kefu prompts build [-p DIR] [-o OUTDIR] [-f] "
	    "[--espeak PROGRAM]\n"
	    "       kefu prompts render [-p DIR] -l LANG [-F FORMAT] "
	    "-o FILE.wav ID...\n"
	    "\n"
	    "  -p DIR      prompts folder (default: prompts = in kefu.conf)\n"
	    "  -l LANG     language (zh-CN, yue)\n"
	    "  -o          build: generated-audio folder (default: "
	    "$KEFU_PROMPTS_GEN,\n"
	    "              else DIR/generated); render: the WAV file\n"
	    "  -f          build: regenerate every prompt\n"
	    "  -F FORMAT   render: u8, ulaw, alaw or s16le, /RATE "
	    "(default ulaw/8000)\n"
	    "  --strict    check: missing audio is an error too\n"
	    "\nSee kefu-prompts(7).\n");
}

/* Options shared by the subcommands. */
struct cmd_prompts_opts {
	const char *dir;
	const char *lang;
	const char *out;
	const char *format;
	const char *espeak;
	int force;
	int strict;
};

static int
cmd_prompts_getopt(int argc, char **argv, struct cmd_prompts_opts *o)
{
	static const struct option longopts[] = {
		{ "prompts", required_argument, NULL, 'p' },
		{ "lang", required_argument, NULL, 'l' },
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "force", no_argument, NULL, 'f' },
		{ "espeak", required_argument, NULL, 'E' },
		{ "strict", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof *o);
	optind = 1;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "p:l:o:F:f", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'p':
			o->dir = optarg;
			break;
		case 'l':
			o->lang = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'F':
			o->format = optarg;
			break;
		case 'f':
			o->force = 1;
			break;
		case 'E':
			o->espeak = optarg;
			break;
		case 'S':
			o->strict = 1;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* Load the catalogs named by -p, or by kefu.conf. */
static struct prompts *
cmd_prompts_load(const struct cmd_prompts_opts *o)
{
	struct prompts *pr;
	struct conf *conf;
	const char *dir = o->dir, *langs = NULL;
	char *cause = NULL;

	if (dir == NULL) {
		if ((conf = cli_conf()) == NULL)
			return NULL;
		dir = conf->prompts_dir;
		langs = conf->languages;
	}
	if (prompts_load(dir, langs, &pr, &cause) == -1) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return NULL;
	}
	return pr;
}

static int
cmd_prompts_has_lang(const struct prompts *pr, const char *lang)
{
	size_t i;

	for (i = 0; i < pr->nlangs; i++)
		if (strcmp(pr->langs[i], lang) == 0)
			return 1;
	fprintf(stderr, "kefu prompts: no language %s in %s\n", lang,
	    pr->dir);
	return 0;
}

static int
cmd_prompts_list(const struct cmd_prompts_opts *o)
{
	const struct prompt *p;
	struct prompts *pr;
	size_t i;

	if ((pr = cmd_prompts_load(o)) == NULL)
		return CLI_FAIL;
	if (o->lang != NULL && !cmd_prompts_has_lang(pr, o->lang)) {
		prompts_free(pr);
		return CLI_FAIL;
	}
	for (i = 0; i < pr->n; i++) {
		p = &pr->p[i];
		if (o->lang != NULL && strcmp(p->lang, o->lang) != 0)
			continue;
		printf("%s\t%s\t%s\t%s\t%s\n", p->lang, p->id,
		    cmd_prompts_how[p->how], p->path ? p->path : p->file,
		    p->text);
	}
	prompts_free(pr);
	return CLI_OK;
}

static int
cmd_prompts_check(const struct cmd_prompts_opts *o)
{
	struct strbuf report = STRBUF_INIT;
	struct prompts *pr;
	size_t missing, i, counts[4] = { 0, 0, 0, 0 };

	if ((pr = cmd_prompts_load(o)) == NULL)
		return CLI_FAIL;
	missing = prompts_report(pr, &report);
	fputs(sb_str(&report), stdout);
	for (i = 0; i < pr->n; i++)
		counts[pr->p[i].how]++;
	printf("%s: %zu prompts in %zu languages: %zu recorded, %zu "
	    "generated, %zu tones, %zu problems\n", pr->dir, pr->n,
	    pr->nlangs, counts[PROMPT_RECORDED], counts[PROMPT_GENERATED],
	    counts[PROMPT_TONE], missing);
	sb_free(&report);
	prompts_free(pr);
	return o->strict && missing > 0 ? CLI_FAIL : CLI_OK;
}

static int
cmd_prompts_build(const struct cmd_prompts_opts *o)
{
	struct espeak_stats st;
	struct prompts *pr;
	char *out, *cause = NULL;
	const char *env;
	int rc;

	if ((pr = cmd_prompts_load(o)) == NULL)
		return CLI_FAIL;
	if (o->out != NULL)
		out = xstrdup(o->out);
	else if ((env = getenv("KEFU_PROMPTS_GEN")) != NULL && *env != '\0')
		out = xstrndup(env, strcspn(env, ":"));
	else
		out = xasprintf("%s/generated", pr->dir);
	rc = espeak_build(pr, out, o->espeak, o->force, &st, &cause);
	printf("%s: %zu generated, %zu up to date, %zu recorded, %zu "
	    "failed\n", out, st.generated, st.uptodate, st.recorded,
	    st.failed);
	if (rc == -1) {
		fprintf(stderr, "kefu prompts build: %s\n", cause);
		free(cause);
	}
	free(out);
	prompts_free(pr);
	return rc == -1 ? CLI_FAIL : CLI_OK;
}

static int
cmd_prompts_render(const struct cmd_prompts_opts *o, int nids,
    char **ids)
{
	struct audio_cache *cache;
	struct audio_fmt fmt = { AUDIO_ULAW, 8000 };
	struct prompts *pr;
	struct wav_info info;
	uint8_t *buf;
	size_t len;
	char *cause = NULL;
	int rc;

	if (o->lang == NULL || o->out == NULL || nids == 0) {
		cmd_prompts_usage(stderr);
		return CLI_USAGE;
	}
	if (o->format != NULL && pcm_fmt_parse(o->format, &fmt,
	    &cause) == -1) {
		fprintf(stderr, "kefu prompts render: %s\n", cause);
		free(cause);
		return CLI_USAGE;
	}
	if ((pr = cmd_prompts_load(o)) == NULL)
		return CLI_FAIL;
	if (!cmd_prompts_has_lang(pr, o->lang)) {
		prompts_free(pr);
		return CLI_FAIL;
	}
	cache = audio_cache_new(pr);
	rc = audio_render(cache, o->lang, (const char *const *)ids,
	    (size_t)nids, &fmt, &buf, &len, &cause);
	if (rc == 0) {
		memset(&info, 0, sizeof info);
		info.title = ids[0];
		rc = wav_write(o->out, &fmt, buf, len, &info, &cause);
		free(buf);
	}
	audio_cache_free(cache);
	if (rc == -1) {
		fprintf(stderr, "kefu prompts render: %s\n", cause);
		free(cause);
		return CLI_FAIL;
	}
	return CLI_OK;
}

int
cmd_prompts_main(int argc, char **argv)
{
	struct cmd_prompts_opts o;
	const char *sub;

	if (cli_wants_help(argc, argv)) {
		cmd_prompts_usage(stdout);
		return CLI_OK;
	}
	if (argc < 2) {
		cmd_prompts_usage(stderr);
		return CLI_USAGE;
	}
	sub = argv[1];
	if (cmd_prompts_getopt(argc - 1, argv + 1, &o) == -1) {
		cmd_prompts_usage(stderr);
		return CLI_USAGE;
	}
	argc -= optind + 1;
	argv += optind + 1;
	if (strcmp(sub, "render") == 0)
		return cmd_prompts_render(&o, argc, argv);
	if (argc != 0) {
		fprintf(stderr, "kefu prompts %s: unexpected argument '%s'\n",
		    sub, argv[0]);
		return CLI_USAGE;
	}
	if (strcmp(sub, "list") == 0)
		return cmd_prompts_list(&o);
	if (strcmp(sub, "check") == 0)
		return cmd_prompts_check(&o);
	if (strcmp(sub, "build") == 0)
		return cmd_prompts_build(&o);
	fprintf(stderr, "kefu prompts: unknown subcommand '%s'\n", sub);
	cmd_prompts_usage(stderr);
	return CLI_USAGE;
}
