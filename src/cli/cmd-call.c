/*
 * cmd-call.c: `kefu call`, a scripted call anyone can place: the keys of
 * --keys are pressed into the real flow interpreter, which runs the real
 * mappings against the real databases; the transcript shows each prompt
 * with its text, each key, each query with its bound values, timing and
 * result, and how the call ended.  --audio writes what the caller heard
 * as a WAV file.  With --line NAME the call goes instead into the running
 * kefud through that [line]'s simulated-line socket (kefu-simline(7)),
 * pressing the same keys at the same moments.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "audio/audio.h"
#include "svc/svc.h"
#include "cli/cli.h"
#include "util/util.h"

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
	sb_addf(&cx->out, "play  [%s]%s ", lang,
	    barge_in ? "" : " (no barge-in)");
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
				const char *v;

				v = rows->values[r * rows->ncols + c];
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

/* ---- kefu call --line: a call into the running kefud (kefu-simline(7)) */

struct simcall {
	int fd;
	int fast;
	const char *p;          /* the rest of --keys */
	uint64_t t0;
	struct strbuf heard;    /* audio, 8 kHz s16le */
	char in[65536];
	size_t inlen;
	int answered;
	char *ended;            /* how the call ended */
};

static int
simcall_is_key(char c)
{
	return (c >= '0' && c <= '9') || c == '*' || c == '#' ||
	    (c >= 'A' && c <= 'D');
}

/* The next meaningful character of the keys, as flow_script reads them. */
static char
simcall_peek(struct simcall *sc)
{
	while (*sc->p != '\0' && !simcall_is_key(*sc->p) && *sc->p != '~' &&
	    *sc->p != '!' && *sc->p != '^' && *sc->p != ',')
		sc->p++;
	return *sc->p;
}

static void
simcall_stamp(struct simcall *sc)
{
	uint64_t t = now_ms() - sc->t0;

	printf("%4llu.%03llu  ", (unsigned long long)(t / 1000),
	    (unsigned long long)(t % 1000));
}

static int
simcall_send(struct simcall *sc, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = send(sc->fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
simcall_say(struct simcall *sc, const char *line)
{
	return simcall_send(sc, line, strlen(line));
}

static int
simcall_key(struct simcall *sc, char key, const char *why)
{
	char cmd[8];

	snprintf(cmd, sizeof cmd, "KEY %c\n", key);
	simcall_stamp(sc);
	printf("key   %c%s\n", key, why);
	return simcall_say(sc, cmd);
}

/* ms of the caller's voice (a 300 Hz hum) or of silence, paced unless fast. */
static int
simcall_talk(struct simcall *sc, int ms, int voice)
{
	int16_t frame[800];     /* 100 ms */
	char hdr[32];
	int i, done;

	for (done = 0; done < ms; done += 100) {
		for (i = 0; i < 800; i++)
			frame[i] = voice ? (int16_t)(6000.0 * sin(2.0 * M_PI *
			    300.0 * (double)(done * 8 + i) / 8000.0)) : 0;
		snprintf(hdr, sizeof hdr, "AUDIO %zu\n", sizeof frame);
		if (simcall_say(sc, hdr) == -1 ||
		    simcall_send(sc, frame, sizeof frame) == -1)
			return -1;
		if (!sc->fast)
			sleep_ms(100);
	}
	return 0;
}

/* One line from kefud (waiting up to ms); NULL at the end. */
static char *
simcall_line(struct simcall *sc, int ms, char *out, size_t len)
{
	struct pollfd pfd;
	char *nl;
	size_t n;
	ssize_t r;

	while ((nl = memchr(sc->in, '\n', sc->inlen)) == NULL) {
		pfd.fd = sc->fd;
		pfd.events = POLLIN;
		if (sc->inlen == sizeof sc->in || poll(&pfd, 1, ms) <= 0)
			return NULL;
		r = recv(sc->fd, sc->in + sc->inlen, sizeof sc->in -
		    sc->inlen, 0);
		if (r <= 0)
			return NULL;
		sc->inlen += (size_t)r;
	}
	n = (size_t)(nl - sc->in);
	snprintf(out, len, "%.*s", (int)n, sc->in);
	memmove(sc->in, nl + 1, sc->inlen - n - 1);
	sc->inlen -= n + 1;
	return out;
}

/* n bytes of audio from kefud into heard. */
static int
simcall_audio(struct simcall *sc, size_t n)
{
	size_t take;
	ssize_t r;

	while (n > 0) {
		if (sc->inlen == 0) {
			r = recv(sc->fd, sc->in, sizeof sc->in, 0);
			if (r <= 0)
				return -1;
			sc->inlen = (size_t)r;
		}
		take = sc->inlen < n ? sc->inlen : n;
		sb_add(&sc->heard, sc->in, take);
		memmove(sc->in, sc->in + take, sc->inlen - take);
		sc->inlen -= take;
		n -= take;
	}
	return 0;
}

/* The caller hangs up (closes the connection). */
static void
simcall_leave(struct simcall *sc, const char *why)
{
	simcall_stamp(sc);
	printf("hang-up (%s)\n", why);
	free(sc->ended);
	sc->ended = xasprintf("the caller hung up (%s)", why);
	shutdown(sc->fd, SHUT_RDWR);
}

/* A prompt or beep starts: "!" keys are pressed now, "^" hangs up. */
static int
simcall_prompt(struct simcall *sc, const char *l)
{
	size_t len = 0;
	char c, mode[32] = "";

	if (sscanf(l, "PROMPT %zu %31s", &len, mode) < 1)
		return 0;
	simcall_stamp(sc);
	printf("play  %.1f s%s\n", (double)len / 16000.0,
	    strcmp(mode, "no-barge-in") == 0 ? " (no barge-in)" : "");
	c = simcall_peek(sc);
	if (c == '^') {
		sc->p++;
		simcall_leave(sc, "during the prompt");
		return -1;
	}
	if (c == '!' && simcall_is_key(sc->p[1])) {
		c = sc->p[1];
		sc->p += 2;
		return simcall_key(sc, c, " (during the prompt)");
	}
	return 0;
}

/* kefud waits for a key: press the next one, wait out the timer, or leave. */
static int
simcall_collect(struct simcall *sc)
{
	char c = simcall_peek(sc);

	/* ',' a second's pause before the next key, as a phone's dialler */
	for (; c == ','; c = simcall_peek(sc)) {
		sc->p++;
		simcall_stamp(sc);
		printf("pause 1 s\n");
		sleep_ms(1000);
	}
	if (c == '!')
		c = *++sc->p;
	if (simcall_is_key(c)) {
		sc->p++;
		if (!sc->fast)
			sleep_ms(300);  /* a person's pace */
		return simcall_key(sc, c, "");
	}
	if (c == '~') {
		sc->p++;
		simcall_stamp(sc);
		printf("wait  (letting the timer run out)\n");
		return sc->fast ? simcall_say(sc, "TIMEOUT\n") : 0;
	}
	if (c == '^')
		sc->p++;
	simcall_leave(sc, c == '^' ? "as scripted" : "end of the keys");
	return -1;
}

/* kefud records: speak, then a key, silence or hang up. */
static int
simcall_record(struct simcall *sc, const char *l)
{
	int max_ms = 0, silence_ms = 0;
	char c;

	if (sscanf(l, "RECORD %d %d", &max_ms, &silence_ms) != 2)
		return 0;
	simcall_stamp(sc);
	printf("record (up to %d ms): speaking for 1 s\n", max_ms);
	c = simcall_peek(sc);
	if (c == '^') {
		sc->p++;
		simcall_leave(sc, "while recording");
		return -1;
	}
	if (simcall_talk(sc, 1000, 1) == -1)
		return -1;
	if (simcall_is_key(c)) {
		sc->p++;
		return simcall_key(sc, c, " (after speaking)");
	}
	if (c == '~')
		sc->p++;
	return simcall_talk(sc, (silence_ms > 0 ? silence_ms : 1000) + 500, 0);
}

static int
simcall_connect(const char *path, char **cause)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		return kf_error(cause, "socket path %s is too long", path);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return kf_error(cause, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		kf_error(cause, "cannot reach the simulated line at %s: %s "
		    "(is kefud running?)", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
simcall_run(struct simcall *sc, const char *caller)
{
	char l[256], cmd[96];
	size_t n;
	int wait = 30000;       /* the line may be busy with another call */

	snprintf(cmd, sizeof cmd, "HELLO kefu-sim 1%s\nRING %s\n",
	    sc->fast ? " fast" : "", caller ? caller : "");
	if (simcall_say(sc, cmd) == -1)
		return -1;
	while (simcall_line(sc, wait, l, sizeof l) != NULL) {
		wait = sc->answered ? 60000 : 30000;
		if (strncmp(l, "AUDIO ", 6) == 0) {
			n = strtoul(l + 6, NULL, 10);
			if (simcall_audio(sc, n) == -1)
				break;
		} else if (strncmp(l, "HELLO ", 6) == 0) {
			continue;
		} else if (strcmp(l, "ANSWERED") == 0) {
			sc->answered = 1;
			sc->t0 = now_ms();
			simcall_stamp(sc);
			printf("answered\n");
		} else if (strncmp(l, "PROMPT ", 7) == 0) {
			if (simcall_prompt(sc, l) == -1)
				return 0;
		} else if (strncmp(l, "BEEP ", 5) == 0) {
			simcall_stamp(sc);
			printf("beep  %s\n", l + 5);
		} else if (strncmp(l, "COLLECT ", 8) == 0) {
			if (simcall_collect(sc) == -1)
				return 0;
		} else if (strncmp(l, "RECORD ", 7) == 0) {
			if (simcall_record(sc, l) == -1)
				return 0;
		} else if (strncmp(l, "END ", 4) == 0) {
			if (strcmp(l, "END ok") != 0 &&
			    strcmp(l, "END key") != 0) {
				simcall_stamp(sc);
				printf("      (%s)\n", l + 4);
			}
		} else if (strncmp(l, "HANGUP ", 7) == 0) {
			simcall_stamp(sc);
			printf("hang-up by kefu (%s)\n", l + 7);
			sc->ended = xasprintf("kefu hung up (%s)", l + 7);
			return 0;
		} else {
			simcall_stamp(sc);
			printf("?     %s\n", l);
		}
	}
	if (!sc->answered)
		return -1;
	sc->ended = xstrdup("the line closed the connection");
	return 0;
}

static int
simcall(struct conf *conf, const char *name, const char *keys,
    const char *caller, const char *audio, int fast)
{
	struct audio_fmt fmt = { AUDIO_S16LE, 8000 };
	struct wav_info info = { 0 };
	const struct conf_line *cl = NULL;
	struct simcall sc;
	char *cause = NULL;
	size_t i;
	int rc = CLI_OK;

	for (i = 0; i < conf->nlines; i++)
		if (strcmp(conf->lines[i].name, name) == 0)
			cl = &conf->lines[i];
	if (cl == NULL) {
		fprintf(stderr, "kefu call: %s has no [line %s]\n", conf->path,
		    name);
		return CLI_FAIL;
	}
	if (strcmp(cl->type, "sim") != 0 || cl->device == NULL) {
		fprintf(stderr, "kefu call: %s:%d: [line %s] is not a "
		    "simulated line (type = sim, device = socket path)\n",
		    conf->path, cl->line, name);
		return CLI_FAIL;
	}
	memset(&sc, 0, sizeof sc);
	/* the transcript as the call goes, also into a pipe or a file */
	setvbuf(stdout, NULL, _IOLBF, 0);
	sc.fast = fast;
	sc.p = keys;
	sc.t0 = now_ms();
	if ((sc.fd = simcall_connect(cl->device, &cause)) == -1) {
		fprintf(stderr, "kefu call: %s\n", cause);
		free(cause);
		return CLI_FAIL;
	}
	printf("call: line %s (%s), caller %s, keys \"%s\"%s\n", name,
	    cl->device, caller ? caller : "unknown", keys,
	    fast ? ", fast" : "");
	fflush(stdout);
	if (simcall_run(&sc, caller) == -1) {
		fprintf(stderr, "kefu call: kefud did not answer on line %s\n",
		    name);
		rc = CLI_FAIL;
	} else
		printf("end: %s after %.1f s; heard %.1f s of audio\n",
		    sc.ended, (double)(now_ms() - sc.t0) / 1000.0,
		    (double)sc.heard.len / 16000.0);
	close(sc.fd);
	if (audio != NULL && sc.answered) {
		info.title = "kefu call --line";
		info.software = "kefu " PACKAGE_VERSION;
		if (wav_write(audio, &fmt, (const uint8_t *)sb_str(&sc.heard),
		    sc.heard.len, &info, &cause) == -1) {
			fprintf(stderr, "kefu call: %s\n", cause);
			free(cause);
			rc = CLI_FAIL;
		} else
			printf("audio: what the caller heard is in %s\n",
			    audio);
	}
	sb_free(&sc.heard);
	free(sc.ended);
	return rc;
}

static void
call_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu call [--keys KEYS] [--lang zh-CN|yue] "
	    "[--caller NUMBER] [--flow NAME]\n"
	    "                 [--audio FILE.wav] [--no-log]\n"
	    "       kefu call --line NAME [--fast] [--keys KEYS] "
	    "[--caller NUMBER] [--audio FILE.wav]\n"
	    "KEYS: digits * # A-D pressed in turn; '~' waits out a timeout, "
	    "'!' before a key presses it during the prompt, '^' hangs up, "
	    "',' pauses 1 s (--line).\n");
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

/* What `kefu call` was asked: its options. */
struct call_args {
	const char *keys;       /* the caller's keys, "" none */
	const char *lang;       /* NULL: the configured language */
	const char *caller;     /* caller ID, or NULL */
	const char *flow;       /* the flow started ("main") */
	const char *audio;      /* write what the caller heard here, or NULL */
	int nolog;              /* 1: no call log row */
};

/* The call in process, on a virtual clock, written to the call log. */
static int
call_local(struct conf *conf, const struct call_args *a)
{
	const char *lang = a->lang != NULL ? a->lang : conf->language;
	struct flow_call_info info;
	struct flow_record rec;
	struct flow_env env;
	struct callctx cx;
	char callref[64];
	time_t started;
	struct svc *svc;
	char *cause = NULL;
	int rc = CLI_OK;

	if (svc_open(conf, 0, &svc, &cause) == -1) {
		fprintf(stderr, "kefu call: %s\n", cause);
		free(cause);
		return CLI_FAIL;
	}
	memset(&cx, 0, sizeof cx);
	memset(&rec, 0, sizeof rec);
	cx.set = svc_acquire(svc);
	cx.script = flow_script_new(a->keys);
	env = cx.set->env;
	env.map = &call_map_ops;
	env.map_arg = &cx;
	info.flow = a->flow;
	info.lang = lang;
	info.caller = a->caller;
	info.line = "call";
	started = time(NULL);   /* the reference's and the call log's */
	snprintf(callref, sizeof callref, "call-%lld-%ld",
	    (long long)started, (long)getpid());
	info.call = callref;
	sb_addf(&cx.out, "call: flow %s, language %s, caller %s, keys \"%s\"\n",
	    a->flow, lang, a->caller ? a->caller : "unknown", a->keys);
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
	if (!a->nolog && svc_log_call(svc, "call", a->caller, a->flow,
	    started, call_now(&cx), &rec, &cause) == -1) {
		printf("call log: not written (%s); run kefu db init\n", cause);
		free(cause);
		cause = NULL;
	}
	if (a->audio != NULL) {
		if (call_audio(&cx, a->audio, &cause) == -1) {
			fprintf(stderr, "kefu call: %s\n", cause);
			free(cause);
			rc = CLI_FAIL;
		} else
			printf("audio: what the caller heard is in %s\n",
			    a->audio);
	}
out:
	flow_record_clear(&rec);
	call_free(&cx);
	svc_release(cx.set);
	svc_close(svc);
	return rc;
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
		{ "line", required_argument, NULL, 'N' },
		{ "fast", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct call_args a = { .keys = "", .flow = "main" };
	const char *line = NULL;
	struct conf *conf;
	int ch, fast = 0;

	while ((ch = getopt_long(argc, argv, "k:l:n:f:a:Lh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'k': a.keys = optarg; break;
		case 'l': a.lang = optarg; break;
		case 'n': a.caller = optarg; break;
		case 'f': a.flow = optarg; break;
		case 'a': a.audio = optarg; break;
		case 'L': a.nolog = 1; break;
		case 'N': line = optarg; break;
		case 'F': fast = 1; break;
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
	if (line != NULL && (a.lang != NULL || a.nolog ||
	    strcmp(a.flow, "main"))) {
		fprintf(stderr, "kefu call: --lang, --flow and --no-log do not "
		    "go with --line (kefud uses the line's settings and logs "
		    "every call)\n");
		return CLI_USAGE;
	}
	if (line != NULL)
		return simcall(conf, line, a.keys, a.caller, a.audio, fast);
	if (fast) {
		fprintf(stderr, "kefu call: --fast goes with --line\n");
		return CLI_USAGE;
	}
	return call_local(conf, &a);
}
