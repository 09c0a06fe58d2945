/*
 * line.c: what every line has whatever its driver -- the state machine
 * (names table and the one logged setter), the typed-ahead key queue,
 * events, and the line's thread: open the device, wait for a call,
 * answer, hand the call to the interpreter, hang up; re-open with
 * back-off when the device fails, without touching other lines.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "line/line.h"
#include "util/util.h"

static const char *const line_state_names[LINE_NSTATES] = {
	[LINE_DOWN] = "down",
	[LINE_INIT] = "init",
	[LINE_IDLE] = "idle",
	[LINE_RINGING] = "ringing",
	[LINE_ANSWERING] = "answering",
	[LINE_CONNECTED] = "connected",
	[LINE_PLAYING] = "playing",
	[LINE_COLLECTING] = "collecting",
	[LINE_RECORDING] = "recording",
	[LINE_BEEPING] = "beeping",
	[LINE_HANGUP] = "hangup",
	[LINE_STOPPED] = "stopped",
};

/* The drivers; [line] type= picks one by its name. */
static const struct line_ops *const line_drivers[] = {
	&line_ops_modem,        /* modem.c */
	&line_ops_sim,          /* sim.c, kefu-simline(7) */
};

const char *
line_state_name(enum line_state st)
{
	if ((size_t)st < nitems(line_state_names))
		return line_state_names[st];
	return "?";
}

const char *
line_status_name(enum line_status st)
{
	switch (st) {
	case LINE_FAILED:
		return "LINE_FAILED";
	case LINE_OK:
		return "LINE_OK";
	case LINE_DIGIT:
		return "LINE_DIGIT";
	case LINE_TIMEOUT:
		return "LINE_TIMEOUT";
	case LINE_SILENCE:
		return "LINE_SILENCE";
	case LINE_GONE:
		return "LINE_GONE";
	}
	return "?";
}

int
line_new(const struct conf_line *conf, struct line **out, char **cause)
{
	const char *type = conf->type != NULL ? conf->type : "modem";
	struct line *ln;
	size_t i;

	for (i = 0; i < nitems(line_drivers); i++)
		if (strcmp(line_drivers[i]->name, type) == 0)
			break;
	if (i == nitems(line_drivers))
		return kf_error(cause, "line %s: type '%s' is not available",
		    conf->name, type);
	ln = xcalloc(1, sizeof *ln);
	ln->name = xstrdup(conf->name);
	ln->conf = conf;
	ln->ops = line_drivers[i];
	ln->retry_ms = 1000;
	ln->retry_max_ms = 30000;
	ln->cmd_timeout_ms = 3000;
	pthread_mutex_init(&ln->mtx, NULL);
	ln->state = LINE_DOWN;
	*out = ln;
	return 0;
}

void
line_free(struct line *ln)
{
	if (ln == NULL)
		return;
	if (ln->started)
		line_stop(ln);
	ln->ops->close(ln);
	pthread_mutex_destroy(&ln->mtx);
	free(ln->name);
	free(ln);
}

enum line_state
line_state(struct line *ln)
{
	enum line_state st;

	pthread_mutex_lock(&ln->mtx);
	st = ln->state;
	pthread_mutex_unlock(&ln->mtx);
	return st;
}

void
line_set_state(struct line *ln, enum line_state st)
{
	enum line_state old;

	pthread_mutex_lock(&ln->mtx);
	old = ln->state;
	ln->state = st;
	pthread_mutex_unlock(&ln->mtx);
	if (old != st)
		log_debug("line %s: %s -> %s", ln->name, line_state_name(old),
		    line_state_name(st));
}

void
line_event(struct line *ln, const struct line_event *ev)
{
	switch (ev->type) {
	case LINE_EV_RING:
		line_set_state(ln, LINE_RINGING);
		log_debug("line %s: ring %u", ln->name, ev->rings);
		break;
	case LINE_EV_CALLERID:
		log_info("line %s: caller ID %s%s%s", ln->name,
		    ev->cid->kind == LINE_CID_NUMBER ? ev->cid->number :
		    ev->cid->kind == LINE_CID_PRIVATE ? "private" :
		    "unavailable", ev->cid->name[0] ? " " : "", ev->cid->name);
		break;
	case LINE_EV_HANGUP:
		log_info("line %s: caller gone (%s)", ln->name, ev->reason);
		break;
	case LINE_EV_DTMF:
		/* never the key itself: it may be part of a PIN */
		log_debug("line %s: key pressed", ln->name);
		break;
	case LINE_EV_DEVICE:
		log_warnx("line %s: %s", ln->name, ev->reason);
		break;
	}
	if (ln->event_h != NULL)
		ln->event_h(ln, ev, ln->event_arg);
}

/*
 * The end of a call operation: connected again, unless the device failed
 * (the line thread reopens it) or the caller is gone (it hangs up).
 */
static enum line_status
line_op_done(struct line *ln, enum line_status st)
{
	if (st != LINE_FAILED && st != LINE_GONE)
		line_set_state(ln, LINE_CONNECTED);
	return st;
}

enum line_status
line_play(struct line *ln, const void *audio, size_t len, int barge_in,
    char *key, char **cause)
{
	line_set_state(ln, LINE_PLAYING);
	return line_op_done(ln, ln->ops->play(ln, audio, len, barge_in, key,
	    cause));
}

enum line_status
line_play_src(struct line *ln, const struct line_src *src, int barge_in,
    char *key, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	enum line_status st;
	uint8_t buf[4096];
	ssize_t got;

	if (ln->ops->play_src != NULL) {
		line_set_state(ln, LINE_PLAYING);
		return line_op_done(ln, ln->ops->play_src(ln, src, barge_in,
		    key, cause));
	}
	while ((got = src->read(src->arg, buf, sizeof buf, 1000)) != 0)
		if (got > 0)
			sb_add(&sb, buf, (size_t)got);
	st = line_play(ln, sb.s, sb.len, barge_in, key, cause);
	sb_free(&sb);
	return st;
}

enum line_status
line_wait_digit(struct line *ln, int timeout_ms, char *key, char **cause)
{
	line_set_state(ln, LINE_COLLECTING);
	return line_op_done(ln, ln->ops->wait_digit(ln, timeout_ms, key,
	    cause));
}

enum line_status
line_record(struct line *ln, const struct line_rec *rec, char *key,
    char **cause)
{
	line_set_state(ln, LINE_RECORDING);
	return line_op_done(ln, ln->ops->record(ln, rec, key, cause));
}

enum line_status
line_beep(struct line *ln, unsigned freq_hz, unsigned ms, char **cause)
{
	line_set_state(ln, LINE_BEEPING);
	return line_op_done(ln, ln->ops->beep(ln, freq_hz, ms, cause));
}

void
line_key_push(struct line *ln, char key)
{
	size_t n = strlen(ln->keys);

	if (n + 1 < sizeof ln->keys) {
		ln->keys[n] = key;
		ln->keys[n + 1] = '\0';
	}
}

char
line_key_pop(struct line *ln)
{
	char k = ln->keys[0];

	if (k != '\0')
		memmove(ln->keys, ln->keys + 1, strlen(ln->keys));
	return k;
}

/* Sleep ms, waking early when the line is asked to stop. */
static void
line_nap(struct line *ln, int ms)
{
	while (ms > 0 && !ln->stop) {
		sleep_ms(ms > 100 ? 100 : (unsigned)ms);
		ms -= 100;
	}
}

static void
line_failed(struct line *ln, const char *what, char *cause)
{
	struct line_event ev = { .type = LINE_EV_DEVICE };
	char *msg;

	msg = xasprintf("%s: %s; %s", what, cause != NULL ? cause : "failed",
	    ln->ops->recovery);
	ev.reason = msg;
	line_event(ln, &ev);
	free(msg);
	free(cause);
	pthread_mutex_lock(&ln->mtx);
	ln->failures++;
	pthread_mutex_unlock(&ln->mtx);
	ln->ops->close(ln);
	line_set_state(ln, LINE_DOWN);
}

/* One call: answer, run the interpreter, hang up.  -1: device failed. */
static int
line_one_call(struct line *ln)
{
	char *cause = NULL;
	enum line_status st;

	line_set_state(ln, LINE_ANSWERING);
	st = ln->ops->answer(ln, &cause);
	if (st == LINE_FAILED) {
		line_failed(ln, "answering", cause);
		return -1;
	}
	pthread_mutex_lock(&ln->mtx);
	ln->calls++;
	pthread_mutex_unlock(&ln->mtx);
	if (st == LINE_OK) {
		line_set_state(ln, LINE_CONNECTED);
		if (ln->call_h != NULL)
			ln->call_h(ln, &ln->call, ln->call_arg);
	}
	line_set_state(ln, LINE_HANGUP);
	st = ln->ops->hangup(ln, &cause);
	if (ln->call.end_h != NULL)
		ln->call.end_h(ln, ln->call.end_arg);
	if (st == LINE_FAILED) {
		line_failed(ln, "hanging up", cause);
		return -1;
	}
	log_info("line %s: call ended after %llu s", ln->name,
	    (unsigned long long)((now_ms() - ln->call.start_ms) / 1000));
	return 0;
}

static void *
line_main(void *arg)
{
	struct line *ln = arg;
	char *cause = NULL;
	int backoff = ln->retry_ms, up = 0;
	enum line_status st;

	while (!ln->stop) {
		if (!up) {
			line_set_state(ln, LINE_INIT);
			if (ln->ops->open(ln, &cause) == -1) {
				log_warnx("line %s: %s; retrying in %d ms",
				    ln->name, cause, backoff);
				free(cause);
				cause = NULL;
				ln->ops->close(ln);
				line_set_state(ln, LINE_DOWN);
				line_nap(ln, backoff);
				backoff = backoff * 2 > ln->retry_max_ms ?
				    ln->retry_max_ms : backoff * 2;
				continue;
			}
			up = 1;
			backoff = ln->retry_ms;
			log_info("line %s: ready (%s)", ln->name,
			    ln->ops->name);
		}
		line_set_state(ln, LINE_IDLE);
		memset(&ln->call, 0, sizeof ln->call);
		ln->keys[0] = '\0';
		st = ln->ops->wait_call(ln, &ln->call, &cause);
		if (st == LINE_FAILED) {
			line_failed(ln, "waiting for calls", cause);
			cause = NULL;
			up = 0;
			continue;
		}
		if (st != LINE_OK)
			continue;
		if (line_one_call(ln) == -1)
			up = 0;
	}
	ln->ops->close(ln);
	line_set_state(ln, LINE_STOPPED);
	return NULL;
}

int
line_start(struct line *ln, line_call_h *call_h, void *call_arg,
    char **cause)
{
	int r;

	ln->call_h = call_h;
	ln->call_arg = call_arg;
	ln->stop = 0;
	if ((r = pthread_create(&ln->thread, NULL, line_main, ln)) != 0)
		return kf_error(cause, "line %s: cannot start a thread: %s",
		    ln->name, strerror(r));
	ln->started = 1;
	return 0;
}

void
line_stop(struct line *ln)
{
	if (!ln->started)
		return;
	ln->stop = 1;
	pthread_join(ln->thread, NULL);
	ln->started = 0;
}
