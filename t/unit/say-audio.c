/*
 * Readings as a caller hears them: a say-rule sequence played from the
 * generated prompts of the build tree, measured against espeak-ng
 * speaking the same text at once (same voice, same feeding).  A reading
 * may last at most 1.25 times the continuous synthesis; every join is a
 * short even pause without a click (kefu-prompts(7), kefu-say(7)).
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "say/say.h"
#include "util/util.h"
#include "../tap.h"

#define MAX_RATIO 1.25
#define MAX_JUMP 103            /* LSB at a join: what the joins had before */
#define QUIET 256               /* below: silence, as espeak.c trims */
#define MIN_GAP_MS 40           /* the pause between words ... */
#define MAX_GAP_MS 70           /* ... with the faded edges around it */

static const struct {
	enum say_type type;
	const char *value;
} values[] = {
	{ SAY_MONEY, "12.05" },
	{ SAY_PHONE, "13800138000" },
	{ SAY_NUMBER, "123456789" },
	{ SAY_DATE, "2026-11-22" },
	{ SAY_QUANTITY, "12 瓶" },
	{ SAY_TIME, "14:05" },
};

static const char *srcdir;

/* Seconds of espeak-ng speaking text whole in voice; -1 on failure. */
static double
continuous(const char *voice, const char *text)
{
	char path[] = "/tmp/kefu-t-say-XXXXXX.wav";
	struct audio_pcm pcm;
	double secs = -1;
	pid_t pid;
	int fd, status;

	if ((fd = mkstemps(path, 4)) == -1)
		return -1;
	close(fd);
	if (espeak_spawn("espeak-ng", voice, text, path, &pid) == 0) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    wav_read(path, &pcm, NULL) == 0) {
			secs = (double)pcm.n / pcm.rate;
			pcm_free(&pcm);
		}
	}
	unlink(path);
	return secs;
}

/* Milliseconds of quiet around sample at of s (n samples, 8 kHz). */
static unsigned
gap_ms(const int16_t *s, size_t n, size_t at)
{
	size_t a = at, b = at;

	while (a > 0 && abs(s[a - 1]) < QUIET)
		a--;
	while (b < n && abs(s[b]) < QUIET)
		b++;
	return (unsigned)((b - a) / 8);
}

struct reading {
	double secs, cont;
	unsigned jump;          /* largest step at a join, LSB */
	unsigned gap_min, gap_max;
};

/* Play seq from the cache as a line does; measure it. */
static void
measure(struct audio_cache *c, const char *lang, const struct say_seq *seq,
    struct reading *r)
{
	static const struct audio_fmt fmt = { AUDIO_S16LE, 8000 };
	const struct audio_clip *clip;
	const int16_t *s;
	const char **ids = xcalloc(seq->n + 1, sizeof *ids);
	uint8_t *buf;
	size_t i, n, len, at = 0;
	unsigned step, gap;
	char *cause = NULL;

	memset(r, 0, sizeof *r);
	r->gap_min = ~0u;
	for (i = 0; i < seq->n; i++)
		ids[i] = seq->items[i].id;
	if (audio_render(c, lang, ids, seq->n, &fmt, &buf, &len, &cause) ==
	    -1) {
		free(cause);
		free(ids);
		return;
	}
	s = (const int16_t *)buf;
	n = len / 2;
	r->secs = n / 8000.0;
	for (i = 0; i + 1 < seq->n; i++) {
		clip = audio_get(c, lang, ids[i], &fmt);
		at += clip->nsamples;
		step = (unsigned)abs(s[at] - s[at - 1]);
		r->jump = step > r->jump ? step : r->jump;
		gap = gap_ms(s, n, at);
		r->gap_min = gap < r->gap_min ? gap : r->gap_min;
		r->gap_max = gap > r->gap_max ? gap : r->gap_max;
	}
	free(buf);
	free(ids);
}

static void
test_lang(const char *lang, struct audio_cache *c)
{
	struct say_seq seq = SAY_SEQ_INIT;
	struct say_rules *rules;
	struct reading r;
	char *dir, *text, *cause = NULL;
	size_t i;

	dir = xasprintf("%s/prompts", srcdir);
	if (say_load(dir, lang, &rules, &cause) == -1) {
		ok(0, "%s: say rules: %s", lang, cause);
		free(cause);
		free(dir);
		return;
	}
	for (i = 0; i < nitems(values); i++) {
		if (say_value(rules, values[i].type, values[i].value, &seq,
		    &cause) == -1) {
			ok(0, "%s: %s", values[i].value, cause);
			free(cause);
			cause = NULL;
			continue;
		}
		text = say_seq_text(&seq);
		measure(c, lang, &seq, &r);
		r.cont = continuous(espeak_voice(lang), text);
		tap_diag("%-5s %-8s %-12s reading %.2f s, continuous %.2f s, "
		    "ratio %.2f, largest join step %u, pauses %u-%u ms",
		    lang, say_type_name(values[i].type), values[i].value,
		    r.secs, r.cont, r.cont > 0 ? r.secs / r.cont : 0.0,
		    r.jump, r.gap_min, r.gap_max);
		ok(r.cont > 0 && r.secs > 0 && r.secs <= MAX_RATIO * r.cont,
		    "%s %s %s (%s): %.2f s, at most %.2f x %.2f s", lang,
		    say_type_name(values[i].type), values[i].value, text,
		    r.secs, MAX_RATIO, r.cont);
		ok(r.jump <= MAX_JUMP, "%s %s: no click at a join (%u LSB)",
		    lang, values[i].value, r.jump);
		ok(r.gap_min >= MIN_GAP_MS && r.gap_max <= MAX_GAP_MS,
		    "%s %s: even pauses between words (%u-%u ms)", lang,
		    values[i].value, r.gap_min, r.gap_max);
		free(text);
		say_seq_free(&seq);
		seq = (struct say_seq)SAY_SEQ_INIT;
	}
	say_free(rules);
	free(dir);
}

int
main(void)
{
	static const char *const langs[] = { "zh-CN", "yue" };
	struct audio_cache *c;
	struct prompts *pr;
	const struct prompt *p;
	char *dir, *cause = NULL;
	size_t l;

	if ((srcdir = getenv("KEFU_SRCDIR")) == NULL)
		srcdir = ".";
	if (system("espeak-ng --version >/dev/null 2>&1") != 0)
		tap_skip_all("espeak-ng is not installed");
	dir = xasprintf("%s/prompts", srcdir);
	if (prompts_load(dir, NULL, &pr, &cause) == -1) {
		ok(0, "catalogs: %s", cause);
		free(cause);
		free(dir);
		return tap_done();
	}
	free(dir);
	p = prompts_find(pr, "zh-CN", "num.1");
	if (p == NULL || p->how != PROMPT_GENERATED) {
		prompts_free(pr);
		tap_skip_all("no generated prompts in the build tree (make)");
	}
	c = audio_cache_new(pr);
	for (l = 0; l < nitems(langs); l++)
		test_lang(langs[l], c);
	audio_cache_free(c);
	return tap_done();
}
