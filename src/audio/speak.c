/*
 * speak.c: free text spoken by espeak-ng at call time -- the product
 * names and notice texts that come from a database and cannot be in a
 * prompt catalog -- converted to a line format and kept in a small
 * least-recently-used cache, so a popular product is synthesised once.
 * With libespeak-ng (the default when kefu is built with it) synthesis
 * runs in-process on the speaker's own thread, one text at a time (the
 * library keeps global state), and is streamed: a line starts playing
 * the first samples while the rest of the text is still being spoken,
 * and each reader resamples on its own thread.  Otherwise, or when
 * another program is named, the espeak-ng program runs per text (~20-50
 * ms, mostly its start-up) and the whole text is ready before it plays.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
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
	struct audio_pcm raw;   /* as synthesised, for other formats (n 0:
				   none) */
};

/* Samples as they come from libespeak-ng. */
struct speak_buf {
	int16_t *s;
	size_t n, cap;
	pthread_mutex_t *mtx;   /* NULL, or held while appending */
	pthread_cond_t *more;   /* NULL, or signalled after appending */
	const int *cancel;      /* NULL, or 1: stop synthesising */
};

/*
 * A text queued for, or being spoken by, the speaker's thread: shared
 * by that thread and one reader (refs), guarded by mtx.
 */
struct speak_job {
	pthread_mutex_t mtx;
	pthread_cond_t more;    /* samples came, or the end */
	struct speak_buf b;     /* the samples so far */
	unsigned rate;          /* of the samples (0 until known) */
	int done;               /* 1: all spoken; -1: failed (why) */
	char *why;
	int cancel;             /* the reader went away */
	int refs;
	char *lang, *voice, *text;
	struct speak_job *next; /* in the speaker's queue */
};

struct audio_speaker {
	pthread_mutex_t mtx;    /* guards everything below */
	struct speak_entry *e;
	size_t n, max;
	uint64_t tick;
	char *espeak;           /* program to run, or NULL: libespeak-ng */
	pthread_cond_t work;    /* a job was queued, or quit */
	struct speak_job *head, *tail;
	int quit;
	int started;            /* the thread runs */
	pthread_t thread;
};

/*
 * A text on its way to a line: bytes ready in data (a cached or fully
 * made text), or a job read and resampled as it comes.
 */
struct audio_speech {
	struct audio_speaker *sp;
	char *lang, *text;
	struct audio_fmt fmt;
	uint8_t *data;          /* encoded bytes ready to read */
	size_t len, off;
	struct speak_job *job;  /* NULL: data holds everything */
	size_t pos;             /* samples of the job taken */
	struct pcm_resampler *rs;
	struct audio_pcm out;   /* resampled, not yet encoded */
	struct strbuf whole;    /* every byte read, for the cache */
	int end;                /* the job's samples are all taken */
	char *why;              /* the job failed */
};

static void speak_job_unref(struct speak_job *);

struct audio_speaker *
audio_speaker_new(size_t max, const char *espeak)
{
	struct audio_speaker *sp = xcalloc(1, sizeof *sp);

	pthread_mutex_init(&sp->mtx, NULL);
	pthread_cond_init(&sp->work, NULL);
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
	pthread_mutex_lock(&sp->mtx);
	sp->quit = 1;
	pthread_cond_broadcast(&sp->work);
	pthread_mutex_unlock(&sp->mtx);
	if (sp->started)
		pthread_join(sp->thread, NULL);
	pthread_cond_destroy(&sp->work);
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
	/*
	 * The samples alone (fmt rate 0) replace nothing; an encoded entry
	 * takes the place of the text's samples-alone entry.
	 */
	for (i = 0; i < sp->n; i++) {
		if (strcmp(sp->e[i].lang, lang) != 0 ||
		    strcmp(sp->e[i].text, text) != 0)
			continue;
		if ((fmt->rate == 0 && sp->e[i].raw.n > 0) ||
		    speak_same(&sp->e[i], lang, text, fmt)) {
			pthread_mutex_unlock(&sp->mtx);
			return;         /* kept already */
		}
		if (sp->e[i].fmt.rate == 0)
			break;
	}
	if (i < sp->n) {
		victim = i;
		free(sp->e[victim].lang);
		free(sp->e[victim].text);
		free(sp->e[victim].data);
		free(sp->e[victim].raw.s);
	} else if (sp->n < sp->max)
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
	e->data = len > 0 ? xmalloc(len) : NULL;
	if (len > 0)
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

/*
 * The whole of text spoken by the program espeak-ng, in fmt, into *out;
 * the slow way, without libespeak-ng or when another program is named.
 */
static int
speak_prog(struct audio_speaker *sp, const char *voice, const char *text,
    const struct audio_fmt *fmt, uint8_t **out, size_t *len, char **cause)
{
	char path[] = "/tmp/kefu-speak-XXXXXX.wav";
	struct audio_pcm raw, pcm;
	int fd, rc;

	if ((fd = mkstemps(path, 4)) == -1)
		return kf_error(cause, "%s: %s", path, strerror(errno));
	close(fd);
	rc = speak_run(sp->espeak, voice, text, path, cause);
	if (rc == 0)
		rc = wav_read(path, &raw, cause);
	unlink(path);
	if (rc == -1)
		return -1;
	/* a caller is waiting: the fast converter (telephone band anyway) */
	rc = pcm_resample_q(&raw, fmt->rate, 1, &pcm, cause);
	pcm_free(&raw);
	if (rc == -1)
		return -1;
	*len = pcm.n * pcm_bytes_per_sample(fmt->enc);
	*out = xmalloc(*len > 0 ? *len : 1);
	pcm_encode(fmt->enc, pcm.s, pcm.n, *out);
	pcm_free(&pcm);
	return 0;
}

#ifdef HAVE_LIBESPEAK_NG
/*
 * libespeak-ng keeps one global synthesiser: initialised on first use,
 * used under this lock.  speak_lib_rate: 0 before, -1 when it failed.
 */
static pthread_mutex_t speak_lib_mtx = PTHREAD_MUTEX_INITIALIZER;
static int speak_lib_rate;

static int
speak_lib_cb(short *wav, int n, espeak_EVENT *ev)
{
	struct speak_buf *b = ev != NULL ? ev->user_data : NULL;
	int stop;

	if (b == NULL || wav == NULL || n <= 0)
		return 0;
	if (b->mtx != NULL)
		pthread_mutex_lock(b->mtx);
	if (b->n + (size_t)n > b->cap) {
		b->cap = (b->n + (size_t)n) * 2;
		b->s = xreallocarray(b->s, b->cap, sizeof *b->s);
	}
	memcpy(b->s + b->n, wav, (size_t)n * sizeof *b->s);
	b->n += (size_t)n;
	stop = b->cancel != NULL && *b->cancel;
	if (b->more != NULL)
		pthread_cond_signal(b->more);
	if (b->mtx != NULL)
		pthread_mutex_unlock(b->mtx);
	return stop;    /* 1 aborts the synthesis */
}

/* Start the library once (its voice data loads in ~50 ms); under the lock. */
static void
speak_lib_init(void)
{
	if (speak_lib_rate != 0)
		return;
	speak_lib_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL,
	    0);
	if (speak_lib_rate <= 0)
		speak_lib_rate = -1;
	else
		espeak_SetSynthCallback(speak_lib_cb);
}

/*
 * Synthesise text with voice in-process into b (at *rate, the library's
 * rate, set before the first sample).
 */
static int
speak_lib(const char *voice, const char *text, struct speak_buf *b,
    unsigned *rate, char **cause)
{
	espeak_ERROR err;
	char *fed;

	pthread_mutex_lock(&speak_lib_mtx);
	speak_lib_init();
	if (speak_lib_rate < 0) {
		pthread_mutex_unlock(&speak_lib_mtx);
		return kf_error(cause, "libespeak-ng cannot start (are the "
		    "espeak-ng-data files installed?)");
	}
	if (espeak_SetVoiceByName(voice) != EE_OK) {
		pthread_mutex_unlock(&speak_lib_mtx);
		return kf_error(cause, "libespeak-ng has no voice %s", voice);
	}
	if (b->mtx != NULL)
		pthread_mutex_lock(b->mtx);
	*rate = (unsigned)speak_lib_rate;
	if (b->mtx != NULL)
		pthread_mutex_unlock(b->mtx);
	espeak_SetParameter(espeakRATE, 150, 0);
	/* fed as to the program: [[...]] only where espeak_text put it */
	fed = espeak_text(voice, text);
	err = espeak_Synth(fed, strlen(fed) + 1, 0, POS_CHARACTER, 0,
	    espeakCHARS_UTF8 | espeakPHONEMES, NULL, b);
	free(fed);
	pthread_mutex_unlock(&speak_lib_mtx);
	if (b->cancel != NULL && *b->cancel)
		return kf_error(cause, "cancelled");
	if (err != EE_OK || b->n == 0)
		return kf_error(cause, "libespeak-ng could not speak \"%.40s\" "
		    "(voice %s)", text, voice);
	return 0;
}

/*
 * Speak one queued job, streaming its samples to the reader, and keep
 * them: a reader that stops early (the caller pressed a key) leaves the
 * text in the cache all the same, and it sounds the same next time.
 */
static void
speak_job_run(struct audio_speaker *sp, struct speak_job *job)
{
	static const struct audio_fmt none;
	struct audio_pcm raw;
	char *why = NULL;
	int rc;

	rc = job->cancel ? -1 : speak_lib(job->voice, job->text, &job->b,
	    &job->rate, &why);
	if (rc == 0) {
		/* only this thread writes b: no lock to read it */
		raw.s = job->b.s;
		raw.n = job->b.n;
		raw.rate = job->rate;
		speak_store(sp, job->lang, job->text, &none, NULL, 0, &raw);
	}
	pthread_mutex_lock(&job->mtx);
	job->done = rc == 0 ? 1 : -1;
	job->why = why;
	pthread_cond_signal(&job->more);
	pthread_mutex_unlock(&job->mtx);
}

/* The speaker's thread: speak queued texts in turn until told to quit. */
static void *
speak_thread(void *arg)
{
	struct audio_speaker *sp = arg;
	struct speak_job *job;

	pthread_mutex_lock(&sp->mtx);
	for (;;) {
		while (sp->head == NULL && !sp->quit)
			pthread_cond_wait(&sp->work, &sp->mtx);
		if ((job = sp->head) == NULL)
			break;
		if ((sp->head = job->next) == NULL)
			sp->tail = NULL;
		if (sp->quit)
			job->cancel = 1;
		pthread_mutex_unlock(&sp->mtx);
		speak_job_run(sp, job);
		speak_job_unref(job);
		pthread_mutex_lock(&sp->mtx);
	}
	pthread_mutex_unlock(&sp->mtx);
	return NULL;
}

/* Queue text for the speaker's thread (started on first use). */
static struct speak_job *
speak_job_queue(struct audio_speaker *sp, const char *lang, const char *voice,
    const char *text, char **cause)
{
	struct speak_job *job = xcalloc(1, sizeof *job);
	pthread_condattr_t ca;

	pthread_mutex_init(&job->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&job->more, &ca);
	pthread_condattr_destroy(&ca);
	job->b.mtx = &job->mtx;
	job->b.more = &job->more;
	job->b.cancel = &job->cancel;
	job->lang = xstrdup(lang);
	job->voice = xstrdup(voice);
	job->text = xstrdup(text);
	job->refs = 2;          /* the reader and the thread */
	pthread_mutex_lock(&sp->mtx);
	if (!sp->started) {
		if (pthread_create(&sp->thread, NULL, speak_thread, sp) != 0) {
			pthread_mutex_unlock(&sp->mtx);
			job->refs = 1;
			speak_job_unref(job);
			kf_error(cause, "cannot start the speech thread");
			return NULL;
		}
		sp->started = 1;
	}
	if (sp->tail != NULL)
		sp->tail->next = job;
	else
		sp->head = job;
	sp->tail = job;
	pthread_cond_signal(&sp->work);
	pthread_mutex_unlock(&sp->mtx);
	return job;
}

/* A finished job holding raw, a copy of cached samples (no thread). */
static struct speak_job *
speak_job_done(struct audio_pcm *raw)
{
	struct speak_job *job = xcalloc(1, sizeof *job);

	pthread_mutex_init(&job->mtx, NULL);
	pthread_cond_init(&job->more, NULL);
	job->b.s = raw->s;
	job->b.n = job->b.cap = raw->n;
	job->rate = raw->rate;
	job->done = 1;
	job->refs = 1;
	return job;
}
#endif

int
audio_speaker_has(struct audio_speaker *sp, const char *lang,
    const char *text)
{
	size_t i;
	int has = 0;

	pthread_mutex_lock(&sp->mtx);
	for (i = 0; i < sp->n && !has; i++)
		has = sp->e[i].raw.n > 0 && strcmp(sp->e[i].lang, lang) == 0 &&
		    strcmp(sp->e[i].text, text) == 0;
	pthread_mutex_unlock(&sp->mtx);
	return has;
}

void
audio_speaker_warm(struct audio_speaker *sp)
{
#ifdef HAVE_LIBESPEAK_NG
	if (sp->espeak == NULL) {
		pthread_mutex_lock(&speak_lib_mtx);
		speak_lib_init();
		pthread_mutex_unlock(&speak_lib_mtx);
	}
#else
	(void)sp;
#endif
}

static void
speak_job_unref(struct speak_job *job)
{
	int last;

	if (job == NULL)
		return;
	pthread_mutex_lock(&job->mtx);
	last = --job->refs == 0;
	pthread_mutex_unlock(&job->mtx);
	if (!last)
		return;
	pthread_mutex_destroy(&job->mtx);
	pthread_cond_destroy(&job->more);
	free(job->b.s);
	free(job->why);
	free(job->lang);
	free(job->voice);
	free(job->text);
	free(job);
}

int
audio_speech_open(struct audio_speaker *sp, const char *lang,
    const char *text, const struct audio_fmt *fmt, struct audio_speech **out,
    char **cause)
{
	struct audio_speech *s;
	struct speak_job *job = NULL;
	const char *voice;
	uint8_t *data = NULL;
	size_t len = 0;
#ifdef HAVE_LIBESPEAK_NG
	struct audio_pcm raw;
#endif

	if (speak_lookup(sp, lang, text, fmt, &data, &len) == 0)
		goto ready;
	if ((voice = espeak_voice(lang)) == NULL)
		return kf_error(cause, "no espeak-ng voice for language %s",
		    lang);
#ifdef HAVE_LIBESPEAK_NG
	if (sp->espeak == NULL) {
		if (speak_lookup_raw(sp, lang, text, &raw) == 0)
			job = speak_job_done(&raw);
		else if ((job = speak_job_queue(sp, lang, voice, text,
		    cause)) == NULL)
			return -1;
		goto ready;
	}
#endif
	/* the program speaks the whole text before it plays */
	if (speak_prog(sp, voice, text, fmt, &data, &len, cause) == -1)
		return -1;
	speak_store(sp, lang, text, fmt, data, len, NULL);
ready:
	s = xcalloc(1, sizeof *s);
	s->sp = sp;
	s->lang = xstrdup(lang);
	s->text = xstrdup(text);
	s->fmt = *fmt;
	s->data = data;
	s->len = len;
	s->job = job;
	*out = s;
	return 0;
}

/*
 * Take what the job has made since the last call, waiting until
 * deadline (now_ms) for some: 1 with samples in s->out, 0 at the end,
 * -1 when none came in time.
 */
static int
speech_take(struct audio_speech *s, uint64_t deadline)
{
	struct speak_job *job = s->job;
	struct timespec ts;
	int16_t *block = NULL;
	size_t n = 0;
	unsigned rate;
	uint64_t now;
	char *why = NULL;
	int last, rc;

	pthread_mutex_lock(&job->mtx);
	while (job->b.n == s->pos && job->done == 0 &&
	    (now = now_ms()) < deadline) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)((deadline - now) / 1000);
		ts.tv_nsec += (long)((deadline - now) % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&job->more, &job->mtx, &ts);
	}
	if (job->b.n > s->pos) {
		n = job->b.n - s->pos;
		block = xreallocarray(NULL, n, sizeof *block);
		memcpy(block, job->b.s + s->pos, n * sizeof *block);
		s->pos = job->b.n;
	}
	last = job->done != 0 && s->pos == job->b.n;
	rate = job->rate;
	if (job->done < 0 && last && job->why != NULL)
		s->why = xstrdup(job->why);
	pthread_mutex_unlock(&job->mtx);
	if (n == 0 && !last)
		return -1;
	rc = 0;
	if (s->rs == NULL && rate > 0 && (s->rs = pcm_resampler_new(rate,
	    s->fmt.rate, 1, &why)) == NULL)
		rc = -1;
	if (rc == 0 && s->rs != NULL)
		rc = pcm_resampler_run(s->rs, block, n, last, &s->out, &why);
	free(block);
	if (rc == -1) {
		free(s->why);
		s->why = why;
		last = 1;
	}
	s->end = last;
	return s->out.n > 0 ? 1 : last ? 0 : -1;
}

ssize_t
audio_speech_read(struct audio_speech *s, uint8_t *buf, size_t max,
    int wait_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)(wait_ms > 0 ? wait_ms : 0);
	size_t bps = pcm_bytes_per_sample(s->fmt.enc), n;
	int rc;

	if (s->job != NULL && s->off == s->len && !s->end) {
		if ((rc = speech_take(s, deadline)) == -1)
			return -1;
		if (rc == 1) {
			/* encode what came, keep every byte for the cache */
			free(s->data);
			s->len = s->out.n * bps;
			s->data = xmalloc(s->len > 0 ? s->len : 1);
			pcm_encode(s->fmt.enc, s->out.s, s->out.n, s->data);
			sb_add(&s->whole, s->data, s->len);
			s->out.n = 0;
			s->off = 0;
		}
	}
	n = s->len - s->off;
	if (n > max)
		n = max - max % bps;
	memcpy(buf, s->data + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

const char *
audio_speech_error(const struct audio_speech *s)
{
	return s->why;
}

void
audio_speech_close(struct audio_speech *s)
{
	struct speak_job *job;
	struct audio_pcm raw;

	if (s == NULL)
		return;
	if ((job = s->job) != NULL) {
		pthread_mutex_lock(&job->mtx);
		/* all of it was spoken and read: keep it for the next caller */
		if (s->end && s->off == s->len && s->why == NULL &&
		    job->done > 0 && s->whole.len > 0) {
			raw.s = job->b.s;
			raw.n = job->b.n;
			raw.rate = job->rate;
			pthread_mutex_unlock(&job->mtx);
			speak_store(s->sp, s->lang, s->text, &s->fmt,
			    (const uint8_t *)s->whole.s, s->whole.len, &raw);
		} else {
			job->cancel = 1;
			pthread_mutex_unlock(&job->mtx);
		}
		speak_job_unref(job);
	}
	pcm_resampler_free(s->rs);
	pcm_free(&s->out);
	sb_free(&s->whole);
	free(s->data);
	free(s->lang);
	free(s->text);
	free(s->why);
	free(s);
}

int
audio_speak(struct audio_speaker *sp, const char *lang, const char *text,
    const struct audio_fmt *fmt, uint8_t **out, size_t *len, char **cause)
{
	struct audio_speech *s;
	struct strbuf sb = STRBUF_INIT;
	uint8_t buf[4096];
	ssize_t got;

	if (audio_speech_open(sp, lang, text, fmt, &s, cause) == -1)
		return -1;
	while ((got = audio_speech_read(s, buf, sizeof buf, 1000)) != 0)
		if (got > 0)
			sb_add(&sb, buf, (size_t)got);
	if (audio_speech_error(s) != NULL) {
		kf_error(cause, "%s", audio_speech_error(s));
		audio_speech_close(s);
		sb_free(&sb);
		return -1;
	}
	audio_speech_close(s);
	*len = sb.len;
	*out = (uint8_t *)sb_steal(&sb);
	return 0;
}
