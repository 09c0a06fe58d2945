/*
 * audio.c: the prompt cache shared by every line.  A clip is one prompt
 * (language, id) in one line format (encoding, rate): read once with
 * libsndfile, resampled, encoded, then immutable and handed out by
 * pointer, so lines of the same format share the bytes and a line holds
 * nothing of its own but pointers.  Also the rendering of a sequence.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "audio/audio.h"
#include "util/util.h"

#define AUDIO_BUCKETS 1024
#define AUDIO_BEEP_HZ 1000
#define AUDIO_BEEP_MS 300
#define AUDIO_BEEP_AMPLITUDE 8000
#define AUDIO_MAX_PAUSE_MS 60000

struct audio_entry {
	struct audio_entry *next;   /* bucket chain */
	char *lang;
	char *id;
	struct audio_clip clip;
	uint8_t *data;              /* clip.data, owned */
};

struct audio_cache {
	struct prompts *pr;         /* immutable catalogs */
	pthread_mutex_t lock;       /* guards buckets and bytes */
	struct audio_entry *buckets[AUDIO_BUCKETS];
	size_t bytes;
};

struct audio_cache *
audio_cache_new(struct prompts *pr)
{
	struct audio_cache *c;

	c = xcalloc(1, sizeof *c);
	c->pr = pr;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

const struct prompts *
audio_cache_prompts(const struct audio_cache *c)
{
	return c->pr;
}

static unsigned
audio_hash(const char *lang, const char *id, const struct audio_fmt *fmt)
{
	uint32_t h = 2166136261u;
	const char *p;

	for (p = lang; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ 0xff) * 16777619u;
	for (p = id; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ (uint32_t)fmt->enc) * 16777619u;
	h = (h ^ fmt->rate) * 16777619u;
	return h % AUDIO_BUCKETS;
}

char *
audio_announcement(const struct prompts *pr, const char *lang, const char *id)
{
	size_t n = strlen(id);
	char *path;

	if (n < 5 || strcasecmp(id + n - 4, ".wav") != 0 || id[0] == '/' ||
	    strstr(id, "..") != NULL || strchr(id, '\\') != NULL)
		return NULL;
	path = xasprintf("%s/%s/%s", pr->dir, lang, id);
	if (access(path, R_OK) == 0)
		return path;
	free(path);
	path = xasprintf("%s/%s", pr->dir, id);
	if (access(path, R_OK) == 0)
		return path;
	free(path);
	return NULL;
}

enum audio_sound
audio_sound(const struct prompts *pr, const char *lang, const char *id,
    const char *text, const char **voice, const char **say)
{
	const struct prompt *own;
	char *file;

	*voice = lang;
	*say = text;
	if (strcmp(id, "text") == 0)
		return text != NULL ? AUDIO_SOUND_SPEECH : AUDIO_SOUND_BEEP;
	if (strncmp(id, "pause:", 6) == 0 ||
	    prompts_resolve(pr, lang, id) != NULL)
		return AUDIO_SOUND_CLIP;
	/* lang= in the catalog: its own text, in its own voice */
	if ((own = prompts_find(pr, lang, id)) != NULL &&
	    own->spoken != NULL) {
		*voice = own->spoken;
		*say = own->text;
		return *own->text != '\0' ? AUDIO_SOUND_SPEECH :
		    AUDIO_SOUND_BEEP;
	}
	if ((file = audio_announcement(pr, lang, id)) != NULL) {
		free(file);
		return AUDIO_SOUND_CLIP;
	}
	return text != NULL && *text != '\0' ? AUDIO_SOUND_SPEECH :
	    AUDIO_SOUND_BEEP;
}

/* A recorded announcement's PCM at rate: 0, or -1 (logged). */
static int
audio_announcement_pcm(struct audio_cache *c, const char *lang,
    const char *id, unsigned rate, struct audio_pcm *pcm)
{
	struct audio_pcm raw;
	char *path, *cause = NULL;

	if ((path = audio_announcement(c->pr, lang, id)) == NULL)
		return -1;
	memset(&raw, 0, sizeof raw);
	if (wav_read(path, &raw, &cause) == 0 &&
	    pcm_resample(&raw, rate, pcm, &cause) == 0) {
		pcm_free(&raw);
		free(path);
		return 0;
	}
	pcm_free(&raw);
	log_warnx("audio: announcement %s cannot be played: %s", path,
	    cause);
	free(cause);
	free(path);
	return -1;
}

/* The PCM for (lang, id) at rate, with how it was found. */
static void
audio_source(struct audio_cache *c, const char *lang, const char *id,
    unsigned rate, struct audio_pcm *pcm, enum clip_how *how)
{
	const struct prompt *p;
	struct audio_pcm raw;
	unsigned hz, ms;
	char *cause = NULL;

	p = prompts_resolve(c->pr, lang, id);
	if (p != NULL && p->how == PROMPT_TONE &&
	    tone_parse(p->tone, &hz, &ms, NULL) == 0) {
		tone_make(pcm, rate, hz, ms, AUDIO_BEEP_AMPLITUDE);
		*how = strcmp(p->lang, lang) == 0 ? CLIP_OWN : CLIP_OTHER_LANG;
		return;
	}
	if (p != NULL && p->path != NULL) {
		if (wav_read(p->path, &raw, &cause) == 0 &&
		    pcm_resample(&raw, rate, pcm, &cause) == 0) {
			pcm_free(&raw);
			*how = strcmp(p->lang, lang) == 0 ? CLIP_OWN :
			    CLIP_OTHER_LANG;
			if (*how == CLIP_OTHER_LANG)
				log_warnx("audio: prompt %s has no %s audio; "
				    "playing %s", id, lang, p->lang);
			return;
		}
		pcm_free(&raw);
		log_warnx("audio: %s; playing a beep for %s %s", cause, lang,
		    id);
		free(cause);
	} else if (p == NULL && audio_announcement_pcm(c, lang, id, rate,
	    pcm) == 0) {
		*how = CLIP_OWN;
		return;
	} else
		log_warnx("audio: prompt %s has no audio in any language; "
		    "playing a beep (run `kefu prompts check`)", id);
	tone_make(pcm, rate, AUDIO_BEEP_HZ, AUDIO_BEEP_MS,
	    AUDIO_BEEP_AMPLITUDE);
	*how = CLIP_BEEP;
}

/* Milliseconds of a "pause:MS" id, or -1 when id is a prompt. */
static int
audio_pause_ms(const char *id, char **cause)
{
	const char *errstr;
	long long ms;

	if (!str_prefix(id, "pause:"))
		return -1;
	if (str_tonum(id + 6, 0, AUDIO_MAX_PAUSE_MS, &ms, &errstr) == -1) {
		kf_error(cause, "%s: pause %s (0..%d ms)", id, errstr,
		    AUDIO_MAX_PAUSE_MS);
		return -2;
	}
	return (int)ms;
}

static struct audio_entry *
audio_build(struct audio_cache *c, const char *lang, const char *id,
    const struct audio_fmt *fmt)
{
	struct audio_entry *e;
	const struct prompt *own, *any;
	struct audio_pcm pcm;
	size_t bps;
	int ms;

	e = xcalloc(1, sizeof *e);
	e->lang = xstrdup(lang);
	e->id = xstrdup(id);
	if ((ms = audio_pause_ms(id, NULL)) >= 0) {
		pcm.rate = fmt->rate;
		pcm.n = (size_t)fmt->rate * (size_t)ms / 1000;
		pcm.s = xcalloc(pcm.n ? pcm.n : 1, sizeof *pcm.s);
		e->clip.how = CLIP_OWN;
	} else
		audio_source(c, lang, id, fmt->rate, &pcm, &e->clip.how);
	bps = pcm_bytes_per_sample(fmt->enc);
	e->data = xreallocarray(NULL, pcm.n ? pcm.n : 1, bps);
	pcm_encode(fmt->enc, pcm.s, pcm.n, e->data);
	e->clip.fmt = *fmt;
	e->clip.data = e->data;
	e->clip.len = pcm.n * bps;
	e->clip.nsamples = pcm.n;
	e->clip.lang = e->lang;
	e->clip.id = e->id;
	own = prompts_find(c->pr, lang, id);
	any = prompts_resolve(c->pr, lang, id);
	e->clip.text = own ? own->text : any ? any->text : "";
	pcm_free(&pcm);
	return e;
}

/* The cached clip of (lang, id) in fmt, or NULL; c->lock held. */
static struct audio_entry *
audio_find(struct audio_cache *c, unsigned h, const char *lang,
    const char *id, const struct audio_fmt *fmt)
{
	struct audio_entry *e;

	for (e = c->buckets[h]; e != NULL; e = e->next)
		if (e->clip.fmt.enc == fmt->enc &&
		    e->clip.fmt.rate == fmt->rate &&
		    strcmp(e->id, id) == 0 && strcmp(e->lang, lang) == 0)
			return e;
	return NULL;
}

const struct audio_clip *
audio_get(struct audio_cache *c, const char *lang, const char *id,
    const struct audio_fmt *fmt)
{
	struct audio_entry *e;
	unsigned h = audio_hash(lang, id, fmt);

	pthread_mutex_lock(&c->lock);
	if ((e = audio_find(c, h, lang, id, fmt)) == NULL) {
		/* Built under the lock: each clip is decoded exactly once. */
		e = audio_build(c, lang, id, fmt);
		e->next = c->buckets[h];
		c->buckets[h] = e;
		c->bytes += e->clip.len;
	}
	pthread_mutex_unlock(&c->lock);
	return &e->clip;
}

void
audio_preload(struct audio_cache *c, const struct audio_fmt *fmt)
{
	size_t l, i;

	for (l = 0; l < c->pr->nlangs; l++)
		for (i = 0; i < c->pr->n; i++)
			if (i == 0 || strcmp(c->pr->p[i].id,
			    c->pr->p[i - 1].id) != 0)
				(void)audio_get(c, c->pr->langs[l],
				    c->pr->p[i].id, fmt);
}

int
audio_render(struct audio_cache *c, const char *lang,
    const char *const *ids, size_t nids, const struct audio_fmt *fmt,
    uint8_t **out, size_t *len, char **cause)
{
	const struct audio_clip *clip;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < nids; i++) {
		if (audio_pause_ms(ids[i], cause) == -2) {
			sb_free(&sb);
			return -1;
		}
		clip = audio_get(c, lang, ids[i], fmt);
		sb_add(&sb, clip->data, clip->len);
	}
	*len = sb.len;
	*out = (uint8_t *)sb_steal(&sb);
	return 0;
}

size_t
audio_cache_bytes(struct audio_cache *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->bytes;
	pthread_mutex_unlock(&c->lock);
	return n;
}

size_t
audio_cache_count(struct audio_cache *c, const struct audio_fmt *fmt,
    size_t *bytes)
{
	struct audio_entry *e;
	size_t i, n = 0, b = 0;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < AUDIO_BUCKETS; i++)
		for (e = c->buckets[i]; e != NULL; e = e->next)
			if (fmt == NULL || (e->clip.fmt.enc == fmt->enc &&
			    e->clip.fmt.rate == fmt->rate)) {
				n++;
				b += e->clip.len;
			}
	pthread_mutex_unlock(&c->lock);
	if (bytes != NULL)
		*bytes = b;
	return n;
}

int
audio_cache_has(struct audio_cache *c, const char *lang, const char *id,
    const struct audio_fmt *fmt)
{
	struct audio_entry *e;
	unsigned h = audio_hash(lang, id, fmt);

	pthread_mutex_lock(&c->lock);
	e = audio_find(c, h, lang, id, fmt);
	pthread_mutex_unlock(&c->lock);
	return e != NULL;
}

void
audio_cache_free(struct audio_cache *c)
{
	struct audio_entry *e, *next;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < AUDIO_BUCKETS; i++)
		for (e = c->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e->lang);
			free(e->id);
			free(e->data);
			free(e);
		}
	pthread_mutex_destroy(&c->lock);
	prompts_free(c->pr);
	free(c);
}
