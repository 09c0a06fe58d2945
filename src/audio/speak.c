/*
 * speak.c: free text spoken by espeak-ng at call time -- the product
 * names and notice texts that come from a database and cannot be in a
 * prompt catalog -- converted to a line format and kept in a small
 * least-recently-used cache, so a popular product is synthesised once.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audio/audio.h"
#include "util/util.h"

extern char **environ;

struct speak_entry {
	char *lang;
	char *text;
	struct audio_fmt fmt;
	uint8_t *data;
	size_t len;
	uint64_t used;          /* tick of the last use */
};

struct audio_speaker {
	pthread_mutex_t mtx;    /* guards everything below */
	struct speak_entry *e;
	size_t n, max;
	uint64_t tick;
	char *espeak;           /* program to run */
};

struct audio_speaker *
audio_speaker_new(size_t max, const char *espeak)
{
	struct audio_speaker *sp = xcalloc(1, sizeof *sp);

	pthread_mutex_init(&sp->mtx, NULL);
	sp->max = max > 0 ? max : 1;
	sp->e = xcalloc(sp->max, sizeof *sp->e);
	sp->espeak = xstrdup(espeak != NULL ? espeak : "espeak-ng");
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

static void
speak_store(struct audio_speaker *sp, const char *lang, const char *text,
    const struct audio_fmt *fmt, const uint8_t *data, size_t len)
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
	}
	e = &sp->e[victim];
	e->lang = xstrdup(lang);
	e->text = xstrdup(text);
	e->fmt = *fmt;
	e->data = xmalloc(len);
	memcpy(e->data, data, len);
	e->len = len;
	e->used = ++sp->tick;
	pthread_mutex_unlock(&sp->mtx);
}

/* Run espeak-ng on text into the WAV file at path. */
static int
speak_run(const char *espeak, const char *voice, const char *text,
    const char *path, char **cause)
{
	char *argv[11], *arg;
	pid_t pid;
	int err, status;

	arg = xasprintf(" %s", text);   /* a leading '-' is not an option */
	argv[0] = (char *)espeak;
	argv[1] = (char *)"-v";
	argv[2] = (char *)voice;
	argv[3] = (char *)"-s";
	argv[4] = (char *)"150";
	argv[5] = (char *)"-b";
	argv[6] = (char *)"1";
	argv[7] = (char *)"-w";
	argv[8] = (char *)path;
	argv[9] = arg;
	argv[10] = NULL;
	err = posix_spawnp(&pid, espeak, NULL, NULL, argv, environ);
	free(arg);
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
	if ((fd = mkstemps(path, 4)) == -1)
		return kf_error(cause, "%s: %s", path, strerror(errno));
	close(fd);
	rc = speak_run(sp->espeak, voice, text, path, cause);
	if (rc == 0)
		rc = wav_read(path, &raw, cause);
	unlink(path);
	if (rc == -1)
		return -1;
	rc = pcm_resample(&raw, fmt->rate, &pcm, cause);
	pcm_free(&raw);
	if (rc == -1)
		return -1;
	*len = pcm.n * pcm_bytes_per_sample(fmt->enc);
	*out = xmalloc(*len > 0 ? *len : 1);
	pcm_encode(fmt->enc, pcm.s, pcm.n, *out);
	pcm_free(&pcm);
	speak_store(sp, lang, text, fmt, *out, *len);
	return 0;
}
