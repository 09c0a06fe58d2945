/*
 * speak.c: free text spoken by espeak-ng at call time -- the product
 * names and notice texts that come from a database and cannot be in a
 * prompt catalog -- converted to a line format and kept in a small
 * least-recently-used cache, so a popular product is synthesised once.
 * With libespeak-ng (the default when kefu is built with it) synthesis
 * runs in-process, one at a time (the library keeps global state), in a
 * few milliseconds; otherwise, or when another program is named, the
 * espeak-ng program runs per text (~20-50 ms, mostly its start-up).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_LIBESPEAK_NG
#include <espeak-ng/speak_lib.h>
#endif

#include "audio/audio.h"
#include "util/util.h"

struct speak_entry {
	char *lang;
	char *text;
	struct audio_fmt fmt;
	uint8_t *data;
	size_t len;
	uint64_t used;          /* tick of the last use */
	struct audio_pcm raw;   /* as synthesised, for other formats (n 0: none) */
};

struct audio_speaker {
	pthread_mutex_t mtx;    /* guards everything below */
	struct speak_entry *e;
	size_t n, max;
	uint64_t tick;
	char *espeak;           /* program to run, or NULL: libespeak-ng */
};

struct audio_speaker *
audio_speaker_new(size_t max, const char *espeak)
{
	struct audio_speaker *sp = xcalloc(1, sizeof *sp);

	pthread_mutex_init(&sp->mtx, NULL);
	sp->max = max > 0 ? max : 1;
	sp->e = xcalloc(sp->max, sizeof *sp->e);
#ifdef HAVE_LIBESPEAK_NG
	sp->espeak = espeak != NULL ? xstrdup(espeak) : NULL;
#else
	sp->espeak = xstrdup(espeak != NULL ? espeak : "espeak-ng");
#endif
	return sp;
}

void
audio_speaker_free(struct audio_speaker *sp)
{
	size_t i;

	if (sp == NULL)
		return;
	for (i = 0; i < sp->n; i++) {
		free(sp->e[i].lang);
		free(sp->e[i].text);
		free(sp->e[i].data);
		free(sp->e[i].raw.s);
	}
	free(sp->e);
	free(sp->espeak);
	pthread_mutex_destroy(&sp->mtx);
	free(sp);
}

static int
speak_same(const struct speak_entry *e, const char *lang, const char *text,
    const struct audio_fmt *fmt)
{
	return e->fmt.enc == fmt->enc && e->fmt.rate == fmt->rate &&
	    strcmp(e->lang, lang) == 0 && strcmp(e->text, text) == 0;
}

/* Copy out a cached entry; 0 when found. */
static int
speak_lookup(struct audio_speaker *sp, const char *lang, const char *text,
    const struct audio_fmt *fmt, uint8_t **out, size_t *len)
{
	size_t i;
	int rc = -1;

	pthread_mutex_lock(&sp->mtx);
	for (i = 0; i < sp->n; i++) {
		if (!speak_same(&sp->e[i], lang, text, fmt))
			continue;
		sp->e[i].used = ++sp->tick;
		*out = xmalloc(sp->e[i].len);
		memcpy(*out, sp->e[i].data, sp->e[i].len);
		*len = sp->e[i].len;
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&sp->mtx);
	return rc;
}

/*
 * A copy of the synthesised PCM of text in any format, so that every
 * format of one text comes from one synthesis (libespeak-ng's output
 * varies slightly from one run to the next); 0 when found.
 */
static int
speak_lookup_raw(struct audio_speaker *sp, const char *lang, const char *text,
    struct audio_pcm *raw)
{
	size_t i;
	int rc = -1;

	pthread_mutex_lock(&sp->mtx);
	for (i = 0; i < sp->n; i++) {
		if (sp->e[i].raw.n == 0 || strcmp(sp->e[i].lang, lang) != 0 ||
		    strcmp(sp->e[i].text, text) != 0)
			continue;
		*raw = sp->e[i].raw;
		raw->s = xreallocarray(NULL, raw->n, sizeof *raw->s);
		memcpy(raw->s, sp->e[i].raw.s, raw->n * sizeof *raw->s);
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&sp->mtx);
	return rc;
}

static void
speak_store(struct audio_speaker *sp, const char *lang, const char *text,
    const struct audio_fmt *fmt, const uint8_t *data, size_t len,
    const struct audio_pcm *raw)
{
	struct speak_entry *e;
	size_t i, victim = 0;

	pthread_mutex_lock(&sp->mtx);
	if (sp->n < sp->max)
		victim = sp->n++;
	else {
		for (i = 1; i < sp->n; i++)
			if (sp->e[i].used < sp->e[victim].used)
				victim = i;
		free(sp->e[victim].lang);
		free(sp->e[victim].text);
		free(sp->e[victim].data);
		free(sp->e[victim].raw.s);
	}
	e = &sp->e[victim];
	e->lang = xstrdup(lang);
	e->text = xstrdup(text);
	e->fmt = *fmt;
	e->data = xmalloc(len);
	memcpy(e->data, data, len);
	e->len = len;
	e->used = ++sp->tick;
	memset(&e->raw, 0, sizeof e->raw);
	if (raw != NULL && raw->n > 0) {
		e->raw = *raw;
		e->raw.s = xreallocarray(NULL, raw->n, sizeof *raw->s);
		memcpy(e->raw.s, raw->s, raw->n * sizeof *raw->s);
	}
	pthread_mutex_unlock(&sp->mtx);
}

/* Run espeak-ng on text into the WAV file at path. */
static int
speak_run(const char *espeak, const char *voice, const char *text,
    const char *path, char **cause)
{
	pid_t pid;
	int err, status;

	err = espeak_spawn(espeak, voice, text, path, &pid);
	if (err != 0)
		return kf_error(cause, "cannot run %s: %s", espeak,
		    strerror(err));
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return kf_error(cause, "%s -v %s failed (status %d)", espeak,
		    voice, status);
	return 0;
}

#ifdef HAVE_LIBESPEAK_NG
/*
 * libespeak-ng keeps one global synthesiser: initialised on first use,
 * used under this lock.  speak_lib_rate: 0 before, -1 when it failed.
 */
static pthread_mutex_t speak_lib_mtx = PTHREAD_MUTEX_INITIALIZER;
static int speak_lib_rate;

struct speak_buf {
	int16_t *s;
	size_t n, cap;
};

static int
speak_lib_cb(short *wav, int n, espeak_EVENT *ev)
{
	struct speak_buf *b = ev != NULL ? ev->user_data : NULL;

	if (b == NULL || wav == NULL || n <= 0)
		return 0;
	if (b->n + (size_t)n > b->cap) {
		b->cap = (b->n + (size_t)n) * 2;
		b->s = xreallocarray(b->s, b->cap, sizeof *b->s);
	}
	memcpy(b->s + b->n, wav, (size_t)n * sizeof *b->s);
	b->n += (size_t)n;
	return 0;
}

/* Synthesise text with voice in-process into raw (at the library's rate). */
static int
speak_lib(const char *voice, const char *text, struct audio_pcm *raw,
    char **cause)
{
	struct speak_buf b = { NULL, 0, 0 };
	espeak_ERROR err;

	pthread_mutex_lock(&speak_lib_mtx);
	if (speak_lib_rate == 0) {
		speak_lib_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0,
		    NULL, 0);
		if (speak_lib_rate <= 0)
			speak_lib_rate = -1;
		else
			espeak_SetSynthCallback(speak_lib_cb);
	}
	if (speak_lib_rate < 0) {
		pthread_mutex_unlock(&speak_lib_mtx);
		return kf_error(cause, "libespeak-ng cannot start (are the "
		    "espeak-ng-data files installed?)");
	}
	if (espeak_SetVoiceByName(voice) != EE_OK) {
		pthread_mutex_unlock(&speak_lib_mtx);
		return kf_error(cause, "libespeak-ng has no voice %s", voice);
	}
	espeak_SetParameter(espeakRATE, 150, 0);
	err = espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0,
	    espeakCHARS_UTF8, NULL, &b);
	pthread_mutex_unlock(&speak_lib_mtx);
	if (err != EE_OK || b.n == 0) {
		free(b.s);
		return kf_error(cause, "libespeak-ng could not speak \"%.40s\" "
		    "(voice %s)", text, voice);
	}
	memset(raw, 0, sizeof *raw);
	raw->rate = (unsigned)speak_lib_rate;
	raw->s = b.s;
	raw->n = b.n;
	return 0;
}
#endif

int
audio_speak(struct audio_speaker *sp, const char *lang, const char *text,
    const struct audio_fmt *fmt, uint8_t **out, size_t *len, char **cause)
{
	char path[] = "/tmp/kefu-speak-XXXXXX.wav";
	struct audio_pcm raw, pcm;
	const char *voice;
	int fd, rc;

	if (speak_lookup(sp, lang, text, fmt, out, len) == 0)
		return 0;
	if ((voice = espeak_voice(lang)) == NULL)
		return kf_error(cause, "no espeak-ng voice for language %s",
		    lang);
#ifdef HAVE_LIBESPEAK_NG
	if (sp->espeak == NULL) {
		if (speak_lookup_raw(sp, lang, text, &raw) == -1 &&
		    speak_lib(voice, text, &raw, cause) == -1)
			return -1;
		goto convert;
	}
#endif
	if ((fd = mkstemps(path, 4)) == -1)
		return kf_error(cause, "%s: %s", path, strerror(errno));
	close(fd);
	rc = speak_run(sp->espeak, voice, text, path, cause);
	if (rc == 0)
		rc = wav_read(path, &raw, cause);
	unlink(path);
	if (rc == -1)
		return -1;
#ifdef HAVE_LIBESPEAK_NG
convert:
#endif
	/* a caller is waiting: the fast converter (telephone band anyway) */
	rc = pcm_resample_q(&raw, fmt->rate, 1, &pcm, cause);
	if (rc == -1) {
		pcm_free(&raw);
		return -1;
	}
	*len = pcm.n * pcm_bytes_per_sample(fmt->enc);
	*out = xmalloc(*len > 0 ? *len : 1);
	pcm_encode(fmt->enc, pcm.s, pcm.n, *out);
	pcm_free(&pcm);
	speak_store(sp, lang, text, fmt, *out, *len, sp->espeak == NULL ?
	    &raw : NULL);
	pcm_free(&raw);
	return 0;
}
