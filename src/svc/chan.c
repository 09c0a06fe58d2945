/*
 * chan.c: the call channel over a phone line -- what the flow
 * interpreter plays is streamed to the line driver from the shared
 * audio cache in the line's format, free text as it is spoken; keys,
 * recordings and hang-ups come back as flow events -- and the line's
 * call handler, which runs the configured flow for each answered call
 * and logs it.
 * A prompt without audio that carries its text is spoken, not beeped.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audio/audio.h"
#include "svc/svc.h"
#include "line/line.h"
#include "store/store.h"

struct chan {
	struct line *ln;
	struct svc_set *set;
	const char *caller;     /* caller ID for recordings, or NULL */
	int hung;               /* the flow ended the call */
};

static int
chan_event(struct chan *ch, enum line_status st, char *cause)
{
	switch (st) {
	case LINE_OK:
	case LINE_TIMEOUT:
	case LINE_SILENCE:
		return FLOW_EV_DONE;
	case LINE_DIGIT:
		return FLOW_EV_KEY;
	case LINE_GONE:
		return FLOW_EV_HANGUP;
	case LINE_FAILED:
		break;
	}
	log_warnx("line %s: the %s failed during the call (kefu ends the "
	    "call and re-initialises the line): %s", ch->ln->name,
	    ch->ln->ops->kind, cause ? cause : "unknown error");
	free(cause);
	return FLOW_EV_ERROR;
}

static uint64_t
chan_now(void *arg)
{
	(void)arg;
	return now_ms();
}

static int
chan_play(void *arg, const char *lang, const struct flow_prompt *p,
    size_t n, int barge_in, char *key)
{
	struct chan *ch = arg;
	struct line *ln = ch->ln;
	struct svc_stream *st;
	struct line_src src;
	char *cause = NULL;
	enum line_status ls;

	/*
	 * a product name starts playing while the rest of it is spoken;
	 * what each prompt sounds like is audio_sound's to say
	 */
	st = svc_stream_open(ch->set, lang, p, n, &ln->fmt);
	src.read = svc_stream_read;
	src.arg = st;
	ls = line_play_src(ln, &src, barge_in, key, &cause);
	svc_stream_close(st);
	/* Keys during a prompt without barge-in are dropped. */
	if (!barge_in)
		while (line_key_pop(ln) != 0)
			;

	return chan_event(ch, ls, cause);
}

static int
chan_wait_key(void *arg, uint64_t deadline, char *key)
{
	struct chan *ch = arg;
	uint64_t now = now_ms();
	char *cause = NULL;
	enum line_status st;
	int ms;

	ms = deadline > now ? (int)(deadline - now) : 0;
	st = line_wait_digit(ch->ln, ms, key, &cause);
	if (st == LINE_TIMEOUT)
		return FLOW_EV_TIMEOUT;
	return chan_event(ch, st, cause);
}

static int
chan_sink(void *arg, const void *data, size_t len)
{
	struct recording *rec = arg;
	char *cause = NULL;

	if (recording_write(rec, data, len, &cause) == -1) {
		log_warnx("recording stopped, the message is kept up to "
		    "here: %s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/*
 * "20261206-091800-line1-13800138000": when (t, the start the metadata
 * also records), which line, who (letters, digits and + * # - kept;
 * anything else, as '/', becomes '_').
 */
static char *
chan_record_stem(struct chan *ch, time_t t)
{
	const char *who = ch->caller != NULL ? ch->caller : "unknown";
	char stamp[32], *stem, *p;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	stem = xasprintf("%s-line%s-%.40s", stamp, ch->ln->name, who);
	for (p = stem; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("+*#-_", *p) == NULL)
			*p = '_';
	return stem;
}

static int
chan_record(void *arg, const struct flow_record_req *req, char **path,
    char *key)
{
	struct chan *ch = arg;
	struct line *ln = ch->ln;
	struct recording_meta meta;
	struct recording *rec;
	struct line_rec lr;
	char *cause = NULL, *why = NULL, *stem;
	enum line_status st;
	unsigned ms;
	int rc;

	*path = NULL;
	/* one reading: the name's date and time are the recorded start's */
	meta.start = store_clock(NULL);
	meta.caller = ch->caller;
	meta.line = ln->name;
	stem = chan_record_stem(ch, meta.start);
	rc = recording_open(&rec, ch->set->svc->conf->spool_dir, stem,
	    &ln->fmt, 1, &meta, &cause);
	free(stem);
	if (rc == -1) {
		log_warnx("line %s: cannot record: %s", ln->name, cause);
		free(cause);
		return FLOW_EV_DONE;
	}
	if (req->beep) {
		st = line_beep(ln, 1000, 300, &cause);
		if (st != LINE_OK) {
			recording_close(rec, NULL, NULL, NULL);
			return chan_event(ch, st, cause);
		}
	}
	lr.sink = chan_sink;
	lr.arg = rec;
	lr.max_ms = req->max_ms;
	lr.silence_ms = req->silence_ms;
	lr.stop_on_key = req->stop_keys != NULL && *req->stop_keys != '\0';
	st = line_record(ln, &lr, key, &cause);
	if (recording_close(rec, &ms, path, &why) == 0)
		log_info("line %s: recorded %u ms into %s", ln->name, ms,
		    *path);
	else {
		log_warnx("line %s: the recording is lost: %s", ln->name,
		    why);
		free(why);
	}
	return chan_event(ch, st, cause);
}

static void
chan_hangup(void *arg)
{
	struct chan *ch = arg;

	ch->hung = 1;   /* the line thread hangs up when the call returns */
}

static const struct flow_chan_ops chan_ops = {
	.now = chan_now,
	.play = chan_play,
	.wait_key = chan_wait_key,
	.record = chan_record,
	.hangup = chan_hangup,
};

static const char *
chan_caller(const struct line_call *call)
{
	switch (call->cid.kind) {
	case LINE_CID_NUMBER:
		return call->cid.number;
	case LINE_CID_PRIVATE:
		return "private";
	case LINE_CID_UNAVAILABLE:
		return "unavailable";
	case LINE_CID_NONE:
		break;
	}
	return NULL;
}

/* A call's log, written once the line is on hook (chan_end). */
struct chan_end {
	struct svc *svc;
	struct svc_set *set;    /* the set the call ran on, held till then */
	const char *caller;     /* in the line's call, kept until then */
	const char *flow;
	time_t start;           /* when it began: the call reference's time */
	uint64_t ms;            /* the call's length, up to the hang-up */
	struct flow_record rec;
	char *callref;
};

/*
 * line_call.end_h: write the call log once the line is on hook, so that
 * a slow or locked store never keeps a caller who hung up off hook (the
 * line takes no call before it is written).
 */
static void
chan_end(struct line *ln, void *arg)
{
	struct chan_end *end = arg;
	char *cause = NULL;

	if (svc_log_call(end->svc, ln->name, end->caller, end->flow,
	    end->start, end->ms, &end->rec, &cause) == -1) {
		log_warnx("line %s: the call was not written to the call log: "
		    "%s", ln->name, cause);
		free(cause);
	}
	flow_record_clear(&end->rec);
	svc_release(end->set);
	free(end->callref);
	free(end);
	ln->call.end_h = NULL;
	ln->call.end_arg = NULL;
}

void
svc_line_call(struct line *ln, struct line_call *call, void *arg)
{
	struct svc *svc = arg;
	struct flow_call_info info;
	struct chan_end *end;
	struct chan ch;
	char *cause = NULL;
	struct timespec wall;
	uint64_t start = now_ms();

	memset(&ch, 0, sizeof ch);
	end = xcalloc(1, sizeof *end);
	ch.ln = ln;
	ch.set = svc_acquire(svc);
	ch.caller = chan_caller(call);
	info.flow = ln->conf->flow;
	info.lang = ln->conf->language;
	info.caller = ch.caller;
	info.line = ln->name;
	clock_gettime(CLOCK_REALTIME, &wall);
	info.call = end->callref = xasprintf("%s-%lld%03ld", ln->name,
	    (long long)wall.tv_sec, wall.tv_nsec / 1000000);
	if (flow_run(ch.set->flows, &ch.set->env, &info, &chan_ops, &ch,
	    &end->rec, &cause) == -1) {
		log_error("line %s: cannot run flow '%s': %s", ln->name,
		    info.flow, cause);
		free(cause);
	} else {
		log_info("line %s: call from %s ended after %llu s (%s%s%s); "
		    "%zu quer%s; path %s", ln->name, ch.caller ? ch.caller :
		    "an unknown number", (unsigned long long)(now_ms() - start)
		    / 1000, end->rec.reason ? end->rec.reason :
		    flow_end_name(end->rec.end), end->rec.escalated ?
		    ", escalated: " : "", end->rec.escalated ?
		    end->rec.escalated : "", end->rec.nqueries,
		    end->rec.nqueries == 1 ? "y" : "ies",
		    sb_str(&end->rec.path));
	}
	pthread_mutex_lock(&svc->mtx);
	svc->calls++;
	pthread_mutex_unlock(&svc->mtx);
	end->svc = svc;
	end->set = ch.set;
	end->caller = ch.caller;
	end->flow = info.flow;
	end->start = wall.tv_sec;
	end->ms = now_ms() - start;
	call->end_h = chan_end;
	call->end_arg = end;
}
