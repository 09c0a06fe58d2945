/*
 * cmd-call.c: `kefu call`, a scripted call anyone can place: the keys of
 * --keys are pressed into the real flow interpreter, which runs the real
 * mappings against the real databases; the transcript shows each prompt
 * with its text, each key, each query with its bound values, timing and
 * result, and how the call ended.  --audio writes what the caller heard
 * as a WAV file.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/audio.h"
#include "call/call.h"
#include "cli/cli.h"
#include "util/util.h"

char *calllog_redact(const char *bound);

/* One thing the caller heard, for --audio. */
struct heard {
	char *lang;
	char *id;               /* a prompt id, "text", or "pause:MS" */
	char *text;             /* the text of a "text" prompt, else NULL */
};

struct callctx {
	struct flow_script *script;
	struct svc_set *set;
	struct strbuf out;      /* the transcript */
	struct heard *heard;
	size_t nheard;
	int quiet;
};

static void
call_stamp(struct callctx *cx)
{
	uint64_t t = flow_script_ops.now(cx->script);

	sb_addf(&cx->out, "%4llu.%03llu  ", (unsigned long long)(t / 1000),
	    (unsigned long long)(t % 1000));
}

static void
call_heard(struct callctx *cx, const char *lang, const char *id,
    const char *text)
{
	cx->heard = xreallocarray(cx->heard, cx->nheard + 1,
	    sizeof *cx->heard);
	cx->heard[cx->nheard].lang = xstrdup(lang);
	cx->heard[cx->nheard].id = xstrdup(id);
	cx->heard[cx->nheard].text = text ? xstrdup(text) : NULL;
	cx->nheard++;
}

static uint64_t
call_now(void *arg)
{
	struct callctx *cx = arg;

	return flow_script_ops.now(cx->script);
}

static int
call_play(void *arg, const char *lang, const struct flow_prompt *p,
    size_t n, int barge_in, char *key)
{
	struct callctx *cx = arg;
	size_t i;
	int ev;

	call_stamp(cx);
	sb_addf(&cx->out, "play  [%s]%s ", lang, barge_in ? "" : " (no barge-in)");
	for (i = 0; i < n; i++) {
		sb_adds(&cx->out, p[i].text != NULL ? p[i].text : "?");
		call_heard(cx, lang, p[i].id, p[i].text);
	}
	sb_adds(&cx->out, "\n      ");
	for (i = 0; i < n; i++)
		sb_addf(&cx->out, "%s%s", i ? " " : "        ", p[i].id);
	sb_addc(&cx->out, '\n');
	ev = flow_script_ops.play(cx->script, lang, p, n, barge_in, key);
	if (ev == FLOW_EV_KEY) {
		call_stamp(cx);
		sb_addf(&cx->out, "key   %c (interrupts the prompt)\n", *key);
		call_heard(cx, lang, "pause:150", NULL);
	} else if (ev == FLOW_EV_HANGUP) {
		call_stamp(cx);
		sb_adds(&cx->out, "hang-up (the caller hung up during the "
		    "prompt)\n");
	}
	return ev;
}

static int
call_wait_key(void *arg, uint64_t deadline, char *key)
{
	struct callctx *cx = arg;
	int ev;

	ev = flow_script_ops.wait_key(cx->script, deadline, key);
	call_stamp(cx);
	switch (ev) {
	case FLOW_EV_KEY:
		sb_addf(&cx->out, "key   %c\n", *key);
		call_heard(cx, "", "pause:150", NULL);
		break;
	case FLOW_EV_TIMEOUT:
		sb_adds(&cx->out, "wait  no key before the timeout\n");
		break;
	default:
		sb_adds(&cx->out, "hang-up (the caller hung up)\n");
		break;
	}
	return ev;
}

static int
call_record(void *arg, const struct flow_record_req *req, char **path,
    char *key)
{
	struct callctx *cx = arg;
	int ev;

	ev = flow_script_ops.record(cx->script, req, path, key);
	call_stamp(cx);
	sb_addf(&cx->out, "record (up to %d ms) -> %s\n", req->max_ms,
	    *path ? *path : "(nothing kept)");
	return ev;
}

static void
call_hangup(void *arg)
{
	struct callctx *cx = arg;

	flow_script_ops.hangup(cx->script);
	call_stamp(cx);
	sb_adds(&cx->out, "hang-up (the menu ended the call)\n");
}

static const struct flow_chan_ops call_chan_ops = {
	.now = call_now,
	.play = call_play,
	.wait_key = call_wait_key,
	.record = call_record,
	.hangup = call_hangup,
};

/* The mapping engine, seen through the transcript. */
static enum flow_outcome
call_query(void *arg, const char *name, const struct flow_kv *in, size_t nin,
    struct flow_rows *rows, char **cause)
{
	struct callctx *cx = arg;
	struct strbuf b = STRBUF_INIT;
	enum flow_outcome o;
	uint64_t t0;
	char *red;
	size_t i, r, c;

	for (i = 0; i < nin; i++)
		sb_addf(&b, "%s%s=%s", i ? " " : "", in[i].name,
		    in[i].value ? in[i].value : "NULL");
	red = calllog_redact(sb_str(&b));
	sb_free(&b);
	call_stamp(cx);
	sb_addf(&cx->out, "query %s  %s\n", name, red);
	free(red);
	t0 = now_us();
	o = cx->set->env.map->query(cx->set->env.map_arg, name, in, nin, rows,
	    cause);
	sb_addf(&cx->out, "            -> %s in %.1f ms", flow_outcome_name(o),
	    (double)(now_us() - t0) / 1000.0);
	if (o == FLOW_Q_FOUND || o == FLOW_Q_MANY || o == FLOW_Q_EMPTY) {
		sb_addf(&cx->out, ", %zu row%s\n", rows->nrows,
		    rows->nrows == 1 ? "" : "s");
		for (r = 0; r < rows->nrows && r < 5; r++) {
			sb_adds(&cx->out, "               ");
			for (c = 0; c < rows->ncols; c++) {
				const char *v = rows->values[r * rows->ncols + c];
				sb_addf(&cx->out, "%s%s=%s", c ? " " : "",
				    rows->names[c], v ? v : "NULL");
			}
			sb_addc(&cx->out, '\n');
		}
		if (rows->nrows > 5)
			sb_addf(&cx->out, "               (%zu more)\n",
			    rows->nrows - 5);
	} else
		sb_addf(&cx->out, ": %s\n", cause && *cause ? *cause : "");
	return o;
}

static int
call_describe(void *arg, const char *name, struct flow_mapinfo *info)
{
	struct callctx *cx = arg;

	return cx->set->env.map->describe(cx->set->env.map_arg, name, info);
}

static const struct flow_map_ops call_map_ops = {
	.query = call_query,
	.describe = call_describe,
};

static int
call_audio(struct callctx *cx, const char *path, char **cause)
{
	struct audio_fmt fmt = { AUDIO_S16LE, 8000 };
	struct strbuf all = STRBUF_INIT;
	struct wav_info info = { 0 };
	struct flow_prompt p;
	uint8_t *buf;
	size_t i, len;

	for (i = 0; i < cx->nheard; i++) {
		p.id = cx->heard[i].id;
		p.text = cx->heard[i].text;
		if (svc_render(cx->set, cx->heard[i].lang[0] ?
		    cx->heard[i].lang : "zh-CN", &p, 1, &fmt, &buf, &len,
		    cause) == -1) {
			sb_free(&all);
			return -1;
		}
		sb_add(&all, buf, len);
		free(buf);
	}
	info.title = "kefu call";
	info.software = "kefu " PACKAGE_VERSION;
	if (wav_write(path, &fmt, (const uint8_t *)sb_str(&all), all.len,
	    &info, cause) == -1) {
		sb_free(&all);
		return -1;
	}
	sb_free(&all);
	return 0;
}

static void
call_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu call [--keys KEYS] [--lang zh-CN|yue] "
	    "[--caller NUMBER] [--flow NAME]\n"
	    "                 [--audio FILE.wav] [--no-log]\n"
	    "KEYS: digits * # A-D pressed in turn; '~' waits out a timeout, "
	    "'!' before a key presses it during the prompt, '^' hangs up.\n");
}

static void
call_free(struct callctx *cx)
{
	size_t i;

	for (i = 0; i < cx->nheard; i++) {
		free(cx->heard[i].lang);
		free(cx->heard[i].id);
		free(cx->heard[i].text);
	}
	free(cx->heard);
	sb_free(&cx->out);
	if (cx->script != NULL)
		flow_script_free(cx->script);
}

int
cmd_call_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "keys", required_argument, NULL, 'k' },
		{ "lang", required_argument, NULL, 'l' },
		{ "caller", required_argument, NULL, 'n' },
		{ "flow", required_argument, NULL, 'f' },
		{ "audio", required_argument, NULL, 'a' },
		{ "no-log", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *keys = "", *lang = NULL, *caller = NULL, *flow = "main";
	const char *audio = NULL;
	struct flow_call_info info;
	struct flow_record rec;
	struct flow_env env;
	struct callctx cx;
	struct conf *conf;
	struct svc *svc;
	char *cause = NULL;
	int ch, nolog = 0, rc = CLI_OK;

	while ((ch = getopt_long(argc, argv, "k:l:n:f:a:Lh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'k': keys = optarg; break;
		case 'l': lang = optarg; break;
		case 'n': caller = optarg; break;
		case 'f': flow = optarg; break;
		case 'a': audio = optarg; break;
		case 'L': nolog = 1; break;
		case 'h': call_usage(stdout); return CLI_OK;
		default: call_usage(stderr); return CLI_USAGE;
		}
	}
	if (optind != argc) {
		call_usage(stderr);
		return CLI_USAGE;
	}
	if ((conf = cli_conf()) == NULL)
		return CLI_FAIL;
	if (lang == NULL)
		lang = conf->language;
	if (svc_open(conf, 0, &svc, &cause) == -1) {
		fprintf(stderr, "kefu call: %s\n", cause);
		free(cause);
		return CLI_FAIL;
	}
	memset(&cx, 0, sizeof cx);
	memset(&rec, 0, sizeof rec);
	cx.set = svc_acquire(svc);
	cx.script = flow_script_new(keys);
	env = cx.set->env;
	env.map = &call_map_ops;
	env.map_arg = &cx;
	info.flow = flow;
	info.lang = lang;
	info.caller = caller;
	info.line = "call";
	sb_addf(&cx.out, "call: flow %s, language %s, caller %s, keys \"%s\"\n",
	    flow, lang, caller ? caller : "unknown", keys);
	if (flow_run(cx.set->flows, &env, &info, &call_chan_ops, &cx, &rec,
	    &cause) == -1) {
		fprintf(stderr, "kefu call: %s\n", cause);
		free(cause);
		rc = CLI_FAIL;
		goto out;
	}
	sb_addf(&cx.out, "end: %s after %llu.%03llu s (virtual time), %d "
	    "steps, %zu quer%s\npath: %s\n",
	    rec.reason ? rec.reason : flow_end_name(rec.end),
	    (unsigned long long)(call_now(&cx) / 1000),
	    (unsigned long long)(call_now(&cx) % 1000), rec.steps,
	    rec.nqueries, rec.nqueries == 1 ? "y" : "ies", sb_str(&rec.path));
	fputs(sb_str(&cx.out), stdout);
	if (rec.end == FLOW_END_ERROR || rec.end == FLOW_END_LOOP)
		rc = CLI_FAIL;
	if (!nolog && svc_log_call(svc, "call", caller, flow, call_now(&cx),
	    &rec, &cause) == -1) {
		printf("call log: not written (%s); run kefu db init\n", cause);
		free(cause);
		cause = NULL;
	}
	if (audio != NULL) {
		if (call_audio(&cx, audio, &cause) == -1) {
			fprintf(stderr, "kefu call: %s\n", cause);
			free(cause);
			rc = CLI_FAIL;
		} else
			printf("audio: what the caller heard is in %s\n", audio);
	}
out:
	flow_record_clear(&rec);
	call_free(&cx);
	svc_release(cx.set);
	svc_close(svc);
	return rc;
}
