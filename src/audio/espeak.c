/*
 * espeak.c: generated prompts, so that a fresh install talks before the
 * store records its own: each prompt's text is spoken by espeak-ng (voice
 * "cmn" for Mandarin, "yue" for Cantonese), resampled to 8000 Hz and kept
 * as 16-bit WAV under a generated-audio folder, with a hash of the text
 * per file (.kefu-gen) so that only changed prompts are spoken again.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "util/util.h"

#define ESPEAK_RATE 8000
#define ESPEAK_MANIFEST ".kefu-gen"

extern char **environ;

/* One language's manifest: relative file and text hash, one per line. */
struct espeak_manifest {
	char **file;
	uint64_t *hash;
	size_t n;
};

static const struct {
	const char *lang;
	const char *voice;
} espeak_voices[] = {
	{ "zh-CN", "cmn" },
	{ "zh", "cmn" },
	{ "cmn", "cmn" },
	{ "yue", "yue" },
	{ "zh-HK", "yue" },
	{ "en", "en" },
};

const char *
espeak_voice(const char *lang)
{
	size_t i;

	for (i = 0; i < nitems(espeak_voices); i++)
		if (strcmp(espeak_voices[i].lang, lang) == 0)
			return espeak_voices[i].voice;
	return NULL;
}

static uint64_t
espeak_hash(const char *voice, const struct prompt *p)
{
	uint64_t h = 14695981039346656037ull;
	const char *parts[3], *s;
	size_t i;

	parts[0] = voice;
	parts[1] = p->text;
	parts[2] = p->tone ? p->tone : "";
	for (i = 0; i < nitems(parts); i++) {
		for (s = parts[i]; *s != '\0'; s++)
			h = (h ^ (uint8_t)*s) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
	}
	return h;
}

static void
espeak_manifest_read(const char *path, struct espeak_manifest *m)
{
	char *data, *line, *next, *tab;
	size_t len;

	memset(m, 0, sizeof *m);
	if (file_read(path, &data, &len, NULL) == -1)
		return;
	for (line = data; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		m->file = xreallocarray(m->file, m->n + 1, sizeof *m->file);
		m->hash = xreallocarray(m->hash, m->n + 1, sizeof *m->hash);
		m->hash[m->n] = strtoull(line, NULL, 16);
		m->file[m->n++] = xstrdup(tab + 1);
	}
	free(data);
}

static int
espeak_manifest_has(const struct espeak_manifest *m, const char *file,
    uint64_t hash)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->hash[i] == hash && strcmp(m->file[i], file) == 0)
			return 1;
	return 0;
}

static void
espeak_manifest_free(struct espeak_manifest *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->file[i]);
	free(m->file);
	free(m->hash);
}

/* mkdir -p of the folder part of path. */
static int
espeak_mkdirs(const char *path, char **cause)
{
	char *p, *s = xstrdup(path);

	for (p = s + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(s, 0755) == -1 && errno != EEXIST) {
			kf_error(cause, "%s: %s", s, strerror(errno));
			free(s);
			return -1;
		}
		*p = '/';
	}
	free(s);
	return 0;
}

/* Run espeak-ng once: text in `voice` to a WAV file at out. */
static int
espeak_run(const char *espeak, const char *voice, const char *text,
    const char *out, char **cause)
{
	char *argv[11], *arg;
	pid_t pid;
	int status, err;

	/* A leading space keeps text that starts with '-' from being an option. */
	arg = xasprintf(" %s", text);
	argv[0] = (char *)espeak;
	argv[1] = (char *)"-v";
	argv[2] = (char *)voice;
	argv[3] = (char *)"-s";
	argv[4] = (char *)"150";
	argv[5] = (char *)"-b";
	argv[6] = (char *)"1";
	argv[7] = (char *)"-w";
	argv[8] = (char *)out;
	argv[9] = arg;
	argv[10] = NULL;
	err = posix_spawnp(&pid, espeak, NULL, NULL, argv, environ);
	free(arg);
	if (err != 0)
		return kf_error(cause, "%s: %s", espeak, strerror(err));
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return kf_error(cause, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return kf_error(cause, "%s -v %s failed (status %d)", espeak,
		    voice, status);
	return 0;
}

/* Generate one prompt into path (a WAV at 8000 Hz). */
static int
espeak_one(const struct prompt *p, const char *voice, const char *espeak,
    const char *path, char **cause)
{
	struct audio_pcm raw, pcm;
	struct wav_info info;
	unsigned hz, ms;
	char *tmp, *comment;
	int fd, rc;

	memset(&info, 0, sizeof info);
	info.title = p->id;
	if (p->tone != NULL && tone_parse(p->tone, &hz, &ms, cause) == 0) {
		tone_make(&pcm, ESPEAK_RATE, hz, ms, 8000);
		info.comment = "kefu tone";
		rc = wav_write_pcm(path, &pcm, &info, cause);
		pcm_free(&pcm);
		return rc;
	}
	tmp = xasprintf("%s.espeak-XXXXXX.wav", path);
	if ((fd = mkstemps(tmp, 4)) == -1) {
		rc = kf_error(cause, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	close(fd);
	rc = espeak_run(espeak, voice, p->text, tmp, cause);
	if (rc == 0)
		rc = wav_read(tmp, &raw, cause);
	unlink(tmp);
	free(tmp);
	if (rc == -1)
		return -1;
	rc = pcm_resample(&raw, ESPEAK_RATE, &pcm, cause);
	pcm_free(&raw);
	if (rc == -1)
		return -1;
	comment = xasprintf("generated by espeak-ng -v %s", voice);
	info.comment = comment;
	rc = wav_write_pcm(path, &pcm, &info, cause);
	free(comment);
	pcm_free(&pcm);
	return rc;
}

/* The generated name of a catalog file: extension replaced by .wav. */
static char *
espeak_name(const char *file)
{
	const char *dot = strrchr(file, '.'), *slash = strrchr(file, '/');

	if (dot == NULL || (slash != NULL && dot < slash))
		return xasprintf("%s.wav", file);
	return xasprintf("%.*s.wav", (int)(dot - file), file);
}

static int
espeak_lang(const struct prompts *pr, const char *lang, const char *outdir,
    const char *espeak, int force, struct espeak_stats *st, char **cause)
{
	struct espeak_manifest old;
	struct strbuf man = STRBUF_INIT;
	const struct prompt *p;
	const char *voice;
	char *mpath, *name, *path, *why = NULL;
	uint64_t h;
	size_t i;
	int rc = 0;

	if ((voice = espeak_voice(lang)) == NULL)
		return kf_error(cause, "no espeak-ng voice for language %s",
		    lang);
	mpath = xasprintf("%s/%s/%s", outdir, lang, ESPEAK_MANIFEST);
	if (espeak_mkdirs(mpath, cause) == -1) {
		free(mpath);
		return -1;
	}
	espeak_manifest_read(mpath, &old);
	for (i = 0; i < pr->n; i++) {
		p = &pr->p[i];
		if (strcmp(p->lang, lang) != 0)
			continue;
		if (p->how == PROMPT_RECORDED && !force) {
			st->recorded++;
			continue;
		}
		h = espeak_hash(voice, p);
		name = espeak_name(p->file);
		path = xasprintf("%s/%s/%s", outdir, lang, name);
		if (!force && espeak_manifest_has(&old, name, h) &&
		    access(path, R_OK) == 0)
			st->uptodate++;
		else if (espeak_mkdirs(path, &why) == -1 ||
		    espeak_one(p, voice, espeak, path, &why) == -1) {
			log_warnx("%s:%d: %s: %s", p->src, p->line, p->id,
			    why);
			free(why);
			why = NULL;
			st->failed++;
			rc = -1;
		} else
			st->generated++;
		if (access(path, R_OK) == 0)
			sb_addf(&man, "%016llx\t%s\n", (unsigned long long)h,
			    name);
		free(name);
		free(path);
	}
	espeak_manifest_free(&old);
	if (file_write_atomic(mpath, sb_str(&man), man.len, &why) == -1) {
		log_warnx("%s", why);
		free(why);
		rc = -1;
	}
	sb_free(&man);
	free(mpath);
	return rc;
}

int
espeak_build(const struct prompts *pr, const char *outdir,
    const char *espeak, int force, struct espeak_stats *st, char **cause)
{
	size_t l, failed_langs = 0;
	char *why = NULL;

	memset(st, 0, sizeof *st);
	if (espeak == NULL)
		espeak = "espeak-ng";
	for (l = 0; l < pr->nlangs; l++) {
		if (espeak_lang(pr, pr->langs[l], outdir, espeak, force, st,
		    &why) == -1) {
			failed_langs++;
			if (why != NULL) {
				log_warnx("%s: %s", pr->langs[l], why);
				free(why);
				why = NULL;
			}
		}
	}
	if (failed_langs > 0 || st->failed > 0)
		return kf_error(cause, "%zu prompts could not be generated "
		    "(see the messages above)", st->failed);
	return 0;
}
