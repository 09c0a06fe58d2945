/*
 * script.c: the scripted call channel behind `kefu call` and the flow
 * tests.  Keys come from a script ("1 6901234567892#"), time is a
 * virtual clock (prompts take 1 s each, keys come 300 ms apart, "~"
 * jumps to the flow's deadline), and what the caller hears is written
 * to a transcript.  Script syntax: flow.h and kefu-flow(5).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"

#define SCRIPT_PROMPT_MS 1000   /* virtual length of one prompt */
#define SCRIPT_KEY_MS 300       /* virtual time between two keys */

struct flow_script {
	char *script;
	const char *p;          /* next unread character */
	uint64_t now;
	int hungup;
	int nrec;
	struct strbuf transcript;
	struct strbuf heard;
	struct strbuf voiced;   /* "LANG:ID" of each prompt heard */
};

static int
script_is_key(char c)
{
	return (c >= '0' && c <= '9') || c == '*' || c == '#' ||
	    (c >= 'A' && c <= 'D');
}

struct flow_script *
flow_script_new(const char *script)
{
	struct flow_script *s = xcalloc(1, sizeof *s);

	s->script = xstrdup(script ? script : "");
	s->p = s->script;
	return s;
}

void
flow_script_free(struct flow_script *s)
{
	if (s == NULL)
		return;
	free(s->script);
	sb_free(&s->transcript);
	sb_free(&s->heard);
	sb_free(&s->voiced);
	free(s);
}

const char *
flow_script_transcript(const struct flow_script *s)
{
	return sb_str(&s->transcript);
}

const char *
flow_script_heard(const struct flow_script *s)
{
	return sb_str(&s->heard);
}

const char *
flow_script_voiced(const struct flow_script *s)
{
	return sb_str(&s->voiced);
}

/* The next meaningful character (white space and unknown skipped). */
static char
script_peek(struct flow_script *s)
{
	while (*s->p != '\0' && !script_is_key(*s->p) && *s->p != '~' &&
	    *s->p != '!' && *s->p != '^')
		s->p++;
	return *s->p;
}

static void
script_heard(struct flow_script *s, const char *lang,
    const struct flow_prompt *p, const char *note)
{
	sb_addf(&s->voiced, "%s%s:%s", s->voiced.len ? " " : "", lang, p->id);
	sb_addf(&s->transcript, "play %s%s%s%s\n", p->id,
	    p->text ? " " : "", p->text ? p->text : "", note);
	sb_addf(&s->heard, "%s%s", s->heard.len ? " " : "", p->id);
}

static uint64_t
script_now(void *chan)
{
	return ((struct flow_script *)chan)->now;
}

static int
script_play(void *chan, const char *lang, const struct flow_prompt *p,
    size_t n, int barge_in, char *key)
{
	struct flow_script *s = chan;
	size_t i;
	char c;

	if (s->hungup)
		return FLOW_EV_HANGUP;
	c = script_peek(s);
	if (c == '^' && n > 0) {
		s->p++;
		s->hungup = 1;
		script_heard(s, lang, &p[0], " [caller hung up]");
		s->now += SCRIPT_PROMPT_MS / 2;
		return FLOW_EV_HANGUP;
	}
	if (c == '!' && script_is_key(s->p[1]) && n > 0) {
		c = s->p[1];
		s->p += 2;
		if (barge_in) {
			script_heard(s, lang, &p[0], " [interrupted]");
			sb_addf(&s->transcript, "key %c\n", c);
			s->now += SCRIPT_PROMPT_MS / 2;
			*key = c;
			return FLOW_EV_KEY;
		}
		sb_addf(&s->transcript, "key %c [ignored: no barge-in]\n", c);
	}
	for (i = 0; i < n; i++) {
		script_heard(s, lang, &p[i], "");
		s->now += SCRIPT_PROMPT_MS;
	}
	return FLOW_EV_DONE;
}

static int
script_wait_key(void *chan, uint64_t deadline, char *key)
{
	struct flow_script *s = chan;
	char c;

	if (s->hungup)
		return FLOW_EV_HANGUP;
	c = script_peek(s);
	if (c == '!')
		c = *++s->p;
	if (script_is_key(c)) {
		if (s->now + SCRIPT_KEY_MS > deadline) {
			/* the caller is slower than the flow's timer */
			s->now = deadline > s->now ? deadline : s->now;
			sb_adds(&s->transcript, "timeout\n");
			return FLOW_EV_TIMEOUT;
		}
		s->p++;
		s->now += SCRIPT_KEY_MS;
		sb_addf(&s->transcript, "key %c\n", c);
		*key = c;
		return FLOW_EV_KEY;
	}
	if (c == '~') {
		s->p++;
		s->now = deadline > s->now ? deadline : s->now;
		sb_adds(&s->transcript, "timeout\n");
		return FLOW_EV_TIMEOUT;
	}
	if (c == '^')
		s->p++;
	s->hungup = 1;
	sb_addf(&s->transcript, "hangup caller%s\n", c == '^' ? "" :
	    " (end of script)");
	return FLOW_EV_HANGUP;
}

static int
script_record(void *chan, const struct flow_record_req *req, char **path,
    char *key)
{
	struct flow_script *s = chan;
	char c;

	if (s->hungup)
		return FLOW_EV_HANGUP;
	sb_addf(&s->transcript, "record%s max=%dms silence=%dms\n",
	    req->beep ? " (beep)" : "", req->max_ms, req->silence_ms);
	*path = xasprintf("script-recording-%d.wav", ++s->nrec);
	c = script_peek(s);
	s->now += 2000;
	if (c != '\0' && script_is_key(c) &&
	    strchr(req->stop_keys, c) != NULL) {
		s->p++;
		sb_addf(&s->transcript, "key %c [stops recording]\n", c);
		*key = c;
		return FLOW_EV_KEY;
	}
	if (c == '^') {
		s->p++;
		s->hungup = 1;
		sb_adds(&s->transcript, "hangup caller [while recording]\n");
		return FLOW_EV_HANGUP;
	}
	if (c == '~')
		s->p++;
	s->now += (uint64_t)req->silence_ms;
	sb_adds(&s->transcript, "silence [stops recording]\n");
	return FLOW_EV_DONE;
}

static void
script_hangup(void *chan)
{
	struct flow_script *s = chan;

	if (!s->hungup)
		sb_adds(&s->transcript, "hangup flow\n");
	s->hungup = 1;
}

const struct flow_chan_ops flow_script_ops = {
	.now = script_now,
	.play = script_play,
	.wait_key = script_wait_key,
	.record = script_record,
	.hangup = script_hangup,
};
