/*
 * espeak.c: generated prompts, so that a fresh install talks before the
 * store records its own: each prompt's text is spoken by espeak-ng (voice
 * "cmn-latn-pinyin" for Mandarin, "yue" for Cantonese), resampled to 8000
 * Hz, trimmed of espeak-ng's silence to an even pause and kept as 16-bit
 * WAV under a generated-audio folder, with a hash of the text per file
 * (.kefu-gen) so that only changed prompts are spoken again.  Also how a
 * text is fed to a voice (Latin capitals spelled in the voice's words,
 * percentages as 百分之).
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
/*
 * Trimming (kefu-prompts(7)): samples below ESPEAK_QUIET are silence;
 * ESPEAK_FADE_MS of it is kept, faded, around the sound, then a pause
 * of ESPEAK_WORD_MS after a word, ESPEAK_SENTENCE_MS after a sentence.
 */
#define ESPEAK_QUIET 256
#define ESPEAK_FADE_MS 10
#define ESPEAK_WORD_MS 40
#define ESPEAK_SENTENCE_MS 400

extern char **environ;

/* One language's manifest: relative file and text hash, one per line. */
struct espeak_manifest {
	char **file;
	uint64_t *hash;
	size_t n;
};

/*
 * Cantonese names of the Latin letters, as Hong Kong says them, in the
 * yue voice's own phonemes: the voice reads Latin as English otherwise.
 */
static const char *const espeak_letters_yue[26] = {
	"ei1", "bi1", "si1", "di1", "ji1", "e1fu4", "zi1", "ei1cyu4",
	"aai1", "zei1", "kei1", "e1lou2", "em1", "en1", "ou1", "pi1",
	"kiu1", "aa1lou2", "e1si2", "ti1", "jiu1", "wi1", "daa1bi1jiu1",
	"ek1si2", "waai1", "zi1",
};

/*
 * The voice of each language, and how it spells the Latin capitals of
 * a text (PLU): NULL, one by one with the voice's own letter names.
 * "cmn" is not used: espeak-ng 1.51 reads many characters as pinyin
 * with the tone digit said in English.
 */
static const struct {
	const char *lang;
	const char *voice;
	const char *const *letters;
} espeak_voices[] = {
	{ "zh-CN", "cmn-latn-pinyin", NULL },
	{ "zh", "cmn-latn-pinyin", NULL },
	{ "cmn", "cmn-latn-pinyin", NULL },
	{ "yue", "yue", espeak_letters_yue },
	{ "zh-HK", "yue", espeak_letters_yue },
	{ "en", "en", NULL },
};

/* The letter table of a voice, NULL for its own letter names. */
static const char *const *
espeak_letters(const char *voice)
{
	size_t i;

	for (i = 0; i < nitems(espeak_voices); i++)
		if (strcmp(espeak_voices[i].voice, voice) == 0)
			return espeak_voices[i].letters;
	return NULL;
}

static int
espeak_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static int
espeak_alpha(int c)
{
	return espeak_upper(c) || (c >= 'a' && c <= 'z');
}

/*
 * A number and a percent sign at p (100%, 2.5％): the number's length,
 * the whole's in *len; 0 when p starts none.
 */
static size_t
espeak_percent(const char *p, size_t *len)
{
	size_t n = 0;

	while ((p[n] >= '0' && p[n] <= '9') || (n > 0 && p[n] == '.'))
		n++;
	if (n == 0)
		return 0;
	if (p[n] == '%')
		*len = n + 1;
	else if (strncmp(p + n, "\xef\xbc\x85", 3) == 0)       /* ％ */
		*len = n + 3;
	else
		return 0;
	return n;
}

/* A word of capitals only at p (an abbreviation): its length, else 0. */
static size_t
espeak_caps(const char *text, const char *p)
{
	const char *w;

	if (p > text && espeak_alpha(p[-1]))
		return 0;
	for (w = p; espeak_upper(*w); w++)
		;
	return espeak_alpha(*w) ? 0 : (size_t)(w - p);
}

char *
espeak_text(const char *voice, const char *text)
{
	const char *const *letters = espeak_letters(voice);
	struct strbuf sb = STRBUF_INIT;
	const char *p;
	size_t n, len;

	for (p = text; *p != '\0'; ) {
		if ((n = espeak_percent(p, &len)) > 0) {
			/* 百分之 in both Mandarin and Cantonese, not "percent" */
			sb_addf(&sb, "\xe7\x99\xbe\xe5\x88\x86\xe4\xb9\x8b%.*s",
			    (int)n, p);
			p += len;
		} else if ((n = espeak_caps(text, p)) > 0) {
			for (; n > 0; n--, p++) {
				if (letters != NULL)
					sb_addf(&sb, " [[%s]]",
					    letters[*p - 'A']);
				else
					sb_addf(&sb, " %c", *p);
			}
			sb_addc(&sb, ' ');
		} else {
			/* phonemes come only from here, never from the text */
			sb_addc(&sb, *p == '[' || *p == ']' ? ' ' : *p);
			p++;
		}
	}
	return sb_steal(&sb);
}

int
espeak_spawn(const char *espeak, const char *voice, const char *text,
    const char *wav, pid_t *pid)
{
	char *argv[11], *arg, *fed;
	int err;

	/* A leading space keeps text starting with '-' from being an option. */
	fed = espeak_text(voice, text);
	arg = xasprintf(" %s", fed);
	free(fed);
	argv[0] = (char *)espeak;
	argv[1] = (char *)"-v";
	argv[2] = (char *)voice;
	argv[3] = (char *)"-s";
	argv[4] = (char *)"150";
	argv[5] = (char *)"-b";
	argv[6] = (char *)"1";
	argv[7] = (char *)"-w";
	argv[8] = (char *)wav;
	argv[9] = arg;
	argv[10] = NULL;
	err = posix_spawnp(pid, espeak, NULL, NULL, argv, environ);
	free(arg);
	return err;
}

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
	const char *parts[4], *s;
	char *fed = espeak_text(voice, p->text), *trim;
	size_t i;

	/* other trimming, other audio: every prompt is generated again */
	trim = xasprintf("trim %d %d %d %d", ESPEAK_QUIET, ESPEAK_FADE_MS,
	    ESPEAK_WORD_MS, ESPEAK_SENTENCE_MS);
	parts[0] = voice;
	parts[1] = fed;
	parts[2] = p->tone ? p->tone : "";
	parts[3] = trim;
	for (i = 0; i < nitems(parts); i++) {
		for (s = parts[i]; *s != '\0'; s++)
			h = (h ^ (uint8_t)*s) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
	}
	free(fed);
	free(trim);
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

/* One prompt to speak: where it goes and the espeak-ng run making it. */
struct espeak_job {
	const struct prompt *p;
	char *name;             /* relative generated name (manifest) */
	char *path;             /* final file */
	char *tmp;              /* espeak-ng's output, NULL for tones */
	uint64_t hash;
	const char *voice;      /* of the language it is spoken in */
	pid_t pid;              /* running espeak-ng, or -1 */
	char *why;              /* failure so far, or NULL */
};

/* Start espeak-ng: job's text in `voice` to a WAV file at job->tmp. */
static void
espeak_start(struct espeak_job *job, const char *espeak, const char *voice)
{
	int fd, err;

	job->pid = -1;
	if (espeak_mkdirs(job->path, &job->why) == -1)
		return;
	job->tmp = xasprintf("%s.espeak-XXXXXX.wav", job->path);
	if ((fd = mkstemps(job->tmp, 4)) == -1) {
		kf_error(&job->why, "%s: %s", job->tmp, strerror(errno));
		free(job->tmp);
		job->tmp = NULL;
		return;
	}
	close(fd);
	if ((err = espeak_spawn(espeak, voice, job->p->text, job->tmp,
	    &job->pid)) != 0) {
		job->pid = -1;
		kf_error(&job->why, "%s: %s", espeak, strerror(err));
	}
}

/*
 * The pause after a prompt: a sentence's (the text ends in a full stop,
 * question or exclamation mark, or a semicolon) or a word's.
 */
static unsigned
espeak_pause_ms(const char *text)
{
	static const char *const ends[] = {
		"\xe3\x80\x82", "\xef\xbc\x81", "\xef\xbc\x9f",
		"\xef\xbc\x9b", ".", "!", "?", ";",
	};
	size_t i, n = strlen(text), e;

	while (n > 0 && text[n - 1] == ' ')
		n--;
	for (i = 0; i < nitems(ends); i++) {
		e = strlen(ends[i]);
		if (n >= e && memcmp(text + n - e, ends[i], e) == 0)
			return ESPEAK_SENTENCE_MS;
	}
	return ESPEAK_WORD_MS;
}

/* Wait for job's espeak-ng and turn its output into the 8 kHz file. */
static void
espeak_finish(struct espeak_job *job, const char *espeak, const char *voice)
{
	struct audio_pcm raw, pcm;
	struct wav_info info;
	char *comment;
	int status;

	if (job->pid > 0) {
		while (waitpid(job->pid, &status, 0) == -1 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			kf_error(&job->why, "%s -v %s failed (status %d)",
			    espeak, voice, status);
	}
	if (job->why == NULL && wav_read(job->tmp, &raw, &job->why) == 0) {
		if (pcm_resample(&raw, ESPEAK_RATE, &pcm, &job->why) == 0) {
			pcm_trim(&pcm, ESPEAK_QUIET, ESPEAK_FADE_MS,
			    espeak_pause_ms(job->p->text));
			memset(&info, 0, sizeof info);
			info.title = job->p->id;
			info.no_fsync = 1;      /* generated again if lost */
			comment = xasprintf("generated by espeak-ng -v %s",
			    voice);
			info.comment = comment;
			wav_write_pcm(job->path, &pcm, &info, &job->why);
			free(comment);
			pcm_free(&pcm);
		}
		pcm_free(&raw);
	}
	if (job->tmp != NULL)
		unlink(job->tmp);
}

/* A tone prompt is made here, without espeak-ng. */
static void
espeak_tone(struct espeak_job *job)
{
	struct audio_pcm pcm;
	struct wav_info info;
	unsigned hz, ms;

	if (espeak_mkdirs(job->path, &job->why) == -1 ||
	    tone_parse(job->p->tone, &hz, &ms, &job->why) == -1)
		return;
	memset(&info, 0, sizeof info);
	info.title = job->p->id;
	info.comment = "kefu tone";
	info.no_fsync = 1;
	tone_make(&pcm, ESPEAK_RATE, hz, ms, 8000);
	wav_write_pcm(job->path, &pcm, &info, &job->why);
	pcm_free(&pcm);
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

/* How many espeak-ng processes run at once: one per processor, up to 4. */
static size_t
espeak_parallel(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 4 ? 4 : (size_t)n;
}

/* Speak jobs, a few at a time, oldest finished first. */
static void
espeak_run_jobs(struct espeak_job *jobs, size_t n, const char *espeak)
{
	size_t head, next = 0, width = espeak_parallel();

	for (head = 0; head < n; head++) {
		for (; next < n && next - head < width; next++) {
			if (jobs[next].p->tone != NULL)
				espeak_tone(&jobs[next]);
			else
				espeak_start(&jobs[next], espeak,
				    jobs[next].voice);
		}
		if (jobs[head].p->tone == NULL)
			espeak_finish(&jobs[head], espeak, jobs[head].voice);
	}
}

static int
espeak_lang(const struct prompts *pr, const char *lang, const char *outdir,
    const char *espeak, int force, struct espeak_stats *st, char **cause)
{
	struct espeak_manifest old;
	struct strbuf man = STRBUF_INIT;
	struct espeak_job *jobs = NULL, job;
	const struct prompt *p;
	const char *voice;
	char *mpath, *why = NULL;
	size_t i, njobs = 0;
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
		memset(&job, 0, sizeof job);
		job.p = p;
		job.pid = -1;
		/* lang="yue" in the zh-CN catalog: spoken with yue's voice */
		job.voice = espeak_voice(prompts_spoken(p));
		if (job.voice == NULL)
			job.voice = voice;
		job.hash = espeak_hash(job.voice, p);
		job.name = espeak_name(p->file);
		job.path = xasprintf("%s/%s/%s", outdir, lang, job.name);
		if (!force && espeak_manifest_has(&old, job.name, job.hash) &&
		    access(job.path, R_OK) == 0) {
			st->uptodate++;
			sb_addf(&man, "%016llx\t%s\n",
			    (unsigned long long)job.hash, job.name);
			free(job.name);
			free(job.path);
			continue;
		}
		jobs = xreallocarray(jobs, njobs + 1, sizeof *jobs);
		jobs[njobs++] = job;
	}
	espeak_manifest_free(&old);
	espeak_run_jobs(jobs, njobs, espeak);
	for (i = 0; i < njobs; i++) {
		if (jobs[i].why != NULL) {
			log_warnx("%s:%d: %s: %s", jobs[i].p->src,
			    jobs[i].p->line, jobs[i].p->id, jobs[i].why);
			st->failed++;
			rc = -1;
		} else {
			st->generated++;
			sb_addf(&man, "%016llx\t%s\n",
			    (unsigned long long)jobs[i].hash, jobs[i].name);
		}
		free(jobs[i].why);
		free(jobs[i].tmp);
		free(jobs[i].name);
		free(jobs[i].path);
	}
	free(jobs);
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
	if (failed_langs > 0 && st->failed == 0)
		return kf_error(cause, "cannot generate into %s (see the "
		    "messages above); choose a writable folder with -o and "
		    "name it in KEFU_PROMPTS_GEN", outdir);
	if (failed_langs > 0 || st->failed > 0)
		return kf_error(cause, "%zu prompts could not be generated "
		    "(see the messages above)", st->failed);
	return 0;
}
