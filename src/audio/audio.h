/*
 * audio: everything a caller hears or says, as bytes.  This subsystem owns
 * the prompt catalogs (prompts/<lang>/ *.xml), finding each prompt's audio
 * (a recording, else generated speech, else a fallback), converting it
 * once to each line format and sharing it between lines (the cache), the
 * G.711 codecs, resampling, tones, software silence detection, WAV
 * recordings, and prompt generation with espeak-ng.  It must not touch
 * lines, flows, databases or the configuration file: callers hand it the
 * prompts folder and the language list.  Depends only on util.
 *
 * Samples inside are 16-bit signed mono ("PCM"); line formats
 * (audio_fmt.h) appear only at the edges: pcm_encode/pcm_decode.
 */
#ifndef KEFU_AUDIO_H
#define KEFU_AUDIO_H

#include <sys/stat.h>
#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "audio/audio_fmt.h"

struct strbuf;

/* ---- g711.c: ITU-T G.711 mu-law and A-law, table driven ---- */
uint8_t g711_ulaw_encode(int16_t s);
int16_t g711_ulaw_decode(uint8_t b);
uint8_t g711_alaw_encode(int16_t s);
int16_t g711_alaw_decode(uint8_t b);

/* ---- pcm.c: line formats, conversion, resampling ---- */

/* A block of mono 16-bit samples; s is malloc'd (NULL when n == 0). */
struct audio_pcm {
	int16_t *s;
	size_t n;            /* samples */
	unsigned rate;       /* samples per second */
};

/* "u8", "ulaw", "alaw", "s16le". */
const char *pcm_enc_name(enum audio_enc enc);
/* Parse "ulaw", "ulaw/8000", "u8/7200"...; rate defaults to 8000. */
int pcm_fmt_parse(const char *s, struct audio_fmt *fmt, char **cause);
/* Bytes per sample of a line encoding (1, or 2 for S16LE). */
size_t pcm_bytes_per_sample(enum audio_enc enc);
/* The byte that encodes silence (0x80, 0xff, 0xd5; 0 for S16LE). */
uint8_t pcm_silence_byte(enum audio_enc enc);
/* Convert n samples to a line encoding; out holds n * bytes_per_sample. */
void pcm_encode(enum audio_enc enc, const int16_t *in, size_t n,
    uint8_t *out);
/* Convert n samples (not bytes) of a line encoding back to PCM. */
void pcm_decode(enum audio_enc enc, const uint8_t *in, size_t n,
    int16_t *out);
/*
 * Resample with libsamplerate (SRC_SINC_MEDIUM_QUALITY) into a new block
 * at rate `to`; a copy when the rates are equal.  -1 and *cause on error.
 */
int pcm_resample(const struct audio_pcm *in, unsigned to,
    struct audio_pcm *out, char **cause);
/*
 * The same with a choice of quality: fast (libsamplerate's fastest sinc,
 * ~5x quicker) for speech made while a caller waits; else the medium
 * quality used for prompts, converted once.
 */
int pcm_resample_q(const struct audio_pcm *in, unsigned to, int fast,
    struct audio_pcm *out, char **cause);
/*
 * A stream resampled block by block as it comes (speech while it is
 * being synthesised), with the same filters.  NULL with *cause.
 */
struct pcm_resampler;
struct pcm_resampler *pcm_resampler_new(unsigned from, unsigned to, int fast,
    char **cause);
/*
 * Resample n samples, appending to out (grown as needed; out->s NULL and
 * out->n 0 to start); last: the end of the stream, drain the filter.
 */
int pcm_resampler_run(struct pcm_resampler *rs, const int16_t *in, size_t n,
    int last, struct audio_pcm *out, char **cause);
void pcm_resampler_free(struct pcm_resampler *rs);
void pcm_free(struct audio_pcm *pcm);
/*
 * Cut the silence around the sound of pcm: samples below quiet at either
 * end go, except fade_ms next to the sound, faded linearly from and to
 * zero (a join to another clip makes no click); then pause_ms of zeros
 * are added at the end.  A clip without sound becomes the pause alone.
 */
void pcm_trim(struct audio_pcm *pcm, int quiet, unsigned fade_ms,
    unsigned pause_ms);

/* ---- tone.c: beeps and tones ---- */

/*
 * A sine tone of hz for ms at rate, with 5 ms ramps so it does not
 * click; amplitude is the peak in 16-bit units (e.g. 8000).
 */
void tone_make(struct audio_pcm *out, unsigned rate, unsigned hz,
    unsigned ms, int amplitude);
/* Parse "HZ:MS" (e.g. "1000:300"); -1 and *cause when malformed. */
int tone_parse(const char *spec, unsigned *hz, unsigned *ms, char **cause);

/* ---- silence.c: energy-based silence detection on line bytes ---- */

/*
 * For modems that ignore AT+VSD.  Bytes are cut into 10 ms frames; a
 * frame is quiet when at most 2% of its samples lie outside the quiet
 * band (in 8-bit unsigned: 126..129, the classic trick; in other formats
 * |sample| <= threshold in 16-bit units, 512 by default).  silence_feed()
 * returns 1 once `ms` of consecutive quiet frames have passed.
 */
struct silence {
	struct audio_fmt fmt;
	unsigned need_frames;   /* quiet frames that make "silence" */
	unsigned frame_len;     /* samples per 10 ms frame */
	int threshold;          /* quiet band in 16-bit units */
	unsigned run;           /* consecutive quiet frames so far */
	unsigned pos;           /* samples into the current frame */
	unsigned loud;          /* loud samples in the current frame */
	int odd;                /* S16LE: the pending low byte, or -1 */
	int voice_seen;         /* 1 once a loud frame passed (DLE q vs s) */
};
void silence_init(struct silence *sd, const struct audio_fmt *fmt,
    unsigned ms, int threshold);
int silence_feed(struct silence *sd, const uint8_t *p, size_t len);
void silence_reset(struct silence *sd);

/* ---- wav.c: audio files through libsndfile ---- */

/* INFO strings of a WAV file; NULL members are left out. */
struct wav_info {
	const char *title;      /* INAM */
	const char *artist;     /* IART: the caller */
	const char *date;       /* ICRD: ISO 8601 */
	const char *comment;    /* ICMT: "caller=... line=...
				   duration_ms=..." */
	const char *software;   /* ISFT */
	int no_fsync;           /* 1: skip fsync (files that can be made
				   again) */
};
/* Read any file libsndfile knows, mixed down to mono 16-bit. */
int wav_read(const char *path, struct audio_pcm *out, char **cause);
/*
 * Write len bytes of line audio as a WAV file in that format (U8, mu-law,
 * A-law or 16-bit PCM), atomically (temp file + rename).
 */
int wav_write(const char *path, const struct audio_fmt *fmt,
    const uint8_t *data, size_t len, const struct wav_info *info,
    char **cause);
/* Write PCM as a 16-bit WAV at pcm->rate, atomically. */
int wav_write_pcm(const char *path, const struct audio_pcm *pcm,
    const struct wav_info *info, char **cause);

/* ---- recording.c: voice messages from callers ---- */

struct recording;
struct recording_meta {
	const char *caller;     /* caller ID, or NULL when withheld */
	const char *line;       /* line name */
	time_t start;           /* wall-clock start of the recording */
};
/*
 * Start a WAV file in the spool folder dir, named STEM-XXXXXX.wav where
 * XXXXXX is random, written as STEM-XXXXXX.wav.part until it is closed.
 * The folder is opened without following a symbolic link (created,
 * mode 0750, when missing) and refused when every user may write in it
 * or it belongs to another user than the caller or root; the file is
 * created exclusively (O_EXCL|O_NOFOLLOW under the folder's
 * descriptor), so a link planted under any name is never followed and
 * no file is ever replaced.  Bytes arrive in the line format `fmt`;
 * with to_s16 they are stored as 16-bit PCM, else kept as they are.
 */
int recording_open(struct recording **out, const char *dir,
    const char *stem, const struct audio_fmt *fmt, int to_s16,
    const struct recording_meta *meta, char **cause);
int recording_write(struct recording *rec, const uint8_t *p, size_t len,
    char **cause);
/* The name the recording will have (malloc'd "DIR/STEM-XXXXXX.wav"). */
char *recording_path(const struct recording *rec);
/*
 * Finish: write INFO strings (IART caller, ICRD start, ICMT with caller,
 * line and duration_ms), close, and give the file its final name -- a
 * new random one if a file took that name meanwhile: never replaced.
 * *path (when path is not NULL) receives the final path, malloc'd, or
 * NULL on failure; *duration_ms may be NULL.  Always frees rec.
 */
int recording_close(struct recording *rec, unsigned *duration_ms,
    char **path, char **cause);
/* Give up a recording under way: its .part file is removed. */
void recording_abort(struct recording *rec);
/* The length of a sound file libsndfile reads; -1 when it is none. */
int recording_length(const char *path, unsigned *ms, char **cause);
/*
 * At start: every STEM-XXXXXX.wav.part of the spool folder dir (a
 * recording under way when kefu was killed) gets RIFF and data sizes
 * that match what it holds and its final name, never replacing a file;
 * *kept counts them.  Each is logged.  -1 when dir cannot be read.
 */
int recording_recover(const char *dir, int *kept, char **cause);
/*
 * The spool rules for a folder's lstat(2) st: a real folder (not a
 * symbolic link), not writable by every user, owned by root or `user`.
 * 0, or -1 with *cause saying what to change.
 */
int recording_dir_ok(const char *dir, const struct stat *st, uid_t user,
    char **cause);

/* ---- import.c: sounds brought in to be played (store notices) ---- */

#define AUDIO_IMPORT_RATE 8000          /* the prompts' rate (espeak.c) */
#define AUDIO_IMPORT_MIN_MS 500         /* shorter, or less sound: refused */
#define AUDIO_IMPORT_MAX_MS 300000      /* 5 minutes: longer is refused */
#define AUDIO_QUIET 328                 /* -40 dBFS: below is no sound */
#define AUDIO_CLIP_LEVEL 32440          /* -0.09 dBFS: full scale */

/* What audio_level measures of a sound. */
struct audio_level {
	unsigned ms;            /* its length */
	unsigned sound_ms;      /* of 20 ms frames reaching AUDIO_QUIET */
	int peak;               /* largest magnitude, 16-bit units */
	double peak_db;         /* the peak in dBFS (-96 for none) */
	double rms_db;          /* the RMS level in dBFS */
	size_t clipped;         /* samples at full scale (AUDIO_CLIP_LEVEL) */
};
void audio_level(const struct audio_pcm *pcm, struct audio_level *lv);
/*
 * 0 when pcm is fit to be heard; else -1 and *cause says why, starting
 * with what: too short (under AUDIO_IMPORT_MIN_MS), silent (less than
 * AUDIO_IMPORT_MIN_MS of sound), or clipped (over 0.1% of the samples
 * at full scale: a normalised recording has a few, a clipped one has
 * flat tops).
 */
int audio_level_check(const struct audio_pcm *pcm, const char *what,
    char **cause);
/*
 * Read a sound file of any format libsndfile knows into out, mono at
 * AUDIO_IMPORT_RATE, refusing what is not sound, longer than
 * AUDIO_IMPORT_MAX_MS (checked before reading), or fails
 * audio_level_check.  -1 with *cause naming path.
 */
int audio_import(const char *path, struct audio_pcm *out, char **cause);
/*
 * Keep pcm as a 16-bit WAV in the spool folder (recording_open's rules:
 * STEM-XXXXXX.wav, never replacing a file, nothing left on failure).
 * *path receives the final path, malloc'd.
 */
int audio_import_save(const struct audio_pcm *pcm, const char *spool,
    const char *stem, char **path, char **cause);

/* ---- prompts.c: the catalogs ---- */

enum prompt_src {
	PROMPT_MISSING = 0,     /* no audio for this language */
	PROMPT_RECORDED,        /* a file in prompts/<lang>/ */
	PROMPT_GENERATED,       /* a file in a generated-audio folder */
	PROMPT_TONE,            /* synthesized from tone="HZ:MS" */
};

struct prompt {
	char *lang;             /* "zh-CN", "yue": the catalog it is in */
	char *id;               /* "menu.main" */
	char *spoken;           /* lang=: the language its text is in when
	                           not the catalog's ("yue" for zh-CN's
	                           menu.lang), else NULL */
	char *text;             /* what it says (transcripts, espeak-ng) */
	char *file;             /* relative to the language folder */
	char *tone;             /* "HZ:MS" or NULL */
	char *src;              /* catalog file it came from */
	int line;               /* line in src */
	enum prompt_src how;    /* where its audio comes from */
	char *path;             /* the audio file found, or NULL */
};

/* All catalogs of a prompts folder; immutable once loaded. */
struct prompts {
	char *dir;              /* the prompts folder */
	char **langs;           /* languages in fallback order */
	size_t nlangs;
	char **gendirs;         /* generated-audio roots searched, in order */
	size_t ngendirs;
	struct prompt *p;       /* sorted by lang, then id */
	size_t n;
};

/*
 * Load every prompts/<lang>/ *.xml for each language of the comma list
 * `langs` (NULL: every subfolder holding a catalog) and look up the
 * audio of each prompt: first <dir>/<lang>/<file> (recordings), then
 * <root>/<lang>/<file as .wav> for each generated-audio root: the
 * $KEFU_PROMPTS_GEN folder, <dir>/generated, and the build tree's
 * prompts/generated (uninstalled binaries).  Malformed XML, unknown
 * elements or attributes, bad ids and duplicate ids are errors:
 * -1 with "file:line: reason" in *cause.  Missing audio is not an error.
 */
int prompts_load(const char *dir, const char *langs, struct prompts **out,
    char **cause);
void prompts_free(struct prompts *pr);
/* The entry of id in lang's catalog, or NULL. */
const struct prompt *prompts_find(const struct prompts *pr, const char *lang,
    const char *id);
/* The language p is spoken in: its lang=, else its catalog's. */
const char *prompts_spoken(const struct prompt *p);
/*
 * The entry whose audio plays for (lang, id): lang's own when it has
 * audio, else the same id in the other languages in order; NULL when
 * nothing has audio (play a beep).  A prompt spoken in a language other
 * than its catalog's (lang=) says something of its own: it never falls
 * back to another catalog's entry, nor serves as another's fallback.
 */
const struct prompt *prompts_resolve(const struct prompts *pr,
    const char *lang, const char *id);
/*
 * Append one line per prompt without audio to report ("yue: menu.main:
 * no audio (menu/main.wav); plays zh-CN" or "...; plays a beep"), and
 * one per id missing from a language's catalog.  Returns that count.
 */
size_t prompts_report(const struct prompts *pr, struct strbuf *report);

/* ---- audio.c: the shared cache of converted prompts ---- */

/*
 * A recorded announcement named by data rather than by a catalog (a
 * notice's audio column: "notices/hours.wav"): a relative path ending in
 * .wav, without "..", looked up as <prompts>/<lang>/<path>, then
 * <prompts>/<path>.  The malloc'd path of the file that exists, or NULL
 * (not such a name, or no such file).  audio_get plays these ids too.
 */
char *audio_announcement(const struct prompts *pr, const char *lang,
    const char *id);

/* What a prompt sounds like (audio_sound). */
enum audio_sound {
	AUDIO_SOUND_CLIP,       /* audio_get(lang, id): a recording or a
				   generated clip (lang's own, else another
				   language's), an announcement, a pause */
	AUDIO_SOUND_SPEECH,     /* live speech: *say in the voice *voice */
	AUDIO_SOUND_BEEP,       /* nothing to play or say: audio_get(lang,
				   id) gives a beep (logged once) */
};
/*
 * The one place that decides how a prompt sounds, for every path that
 * plays one (a line's stream, `kefu call --audio`, the e2e renders):
 * a recorded clip, else a generated clip (lang's, then another
 * language's: prompts_resolve), else live speech, else a beep.  id is a
 * catalog id, "pause:MS", an announcement ("notices/x.wav") or "text"
 * (say `text`); text is what came with the prompt, or NULL.  Speech says
 * a catalog entry spoken in another language (lang=) in that language's
 * voice, and any other prompt without audio that came with a text in
 * lang's.  *voice and *say point into pr or text.
 */
enum audio_sound audio_sound(const struct prompts *pr, const char *lang,
    const char *id, const char *text, const char **voice, const char **say);

enum clip_how {
	CLIP_OWN = 0,           /* the prompt's own audio */
	CLIP_OTHER_LANG,        /* the same id in another language */
	CLIP_BEEP,              /* nothing found: a beep */
};

/* One prompt in one line format.  Immutable, owned by the cache. */
struct audio_clip {
	struct audio_fmt fmt;
	const uint8_t *data;    /* encoded bytes */
	size_t len;             /* bytes */
	size_t nsamples;
	const char *lang;       /* language asked for */
	const char *id;
	const char *text;       /* the prompt's text ("" for beeps) */
	enum clip_how how;
};

struct audio_cache;
/* A cache over pr; the cache owns pr from now on. */
struct audio_cache *audio_cache_new(struct prompts *pr);
/* The catalogs behind the cache. */
const struct prompts *audio_cache_prompts(const struct audio_cache *c);
/*
 * The clip of (lang, id) in fmt, built on first use (decoded, resampled,
 * encoded) and then shared: every caller with the same (lang, id, fmt)
 * gets the same pointer, valid until audio_cache_free().  Never NULL:
 * falls back to another language, then to a beep (logged once).  The id
 * "pause:MS" (0..60000) is MS milliseconds of silence.  A line plays a
 * sequence without copying by playing each clip's bytes in turn.
 * Thread-safe (one mutex guards the table; clips are immutable).
 */
const struct audio_clip *audio_get(struct audio_cache *c, const char *lang,
    const char *id, const struct audio_fmt *fmt);
/* Build every prompt of every language in fmt now (at start-up). */
void audio_preload(struct audio_cache *c, const struct audio_fmt *fmt);
/*
 * Concatenate the clips of ids into one malloc'd buffer in fmt.  An id
 * "pause:MS" inserts MS milliseconds of silence.
 */
int audio_render(struct audio_cache *c, const char *lang,
    const char *const *ids, size_t nids, const struct audio_fmt *fmt,
    uint8_t **out, size_t *len, char **cause);
/* Bytes held by the converted clips (for `kefu status`). */
size_t audio_cache_bytes(struct audio_cache *c);
/* Clips held in fmt (NULL: in any format); bytes of those to *bytes. */
size_t audio_cache_count(struct audio_cache *c, const struct audio_fmt *fmt,
    size_t *bytes);
/* 1 when (lang, id) in fmt is already converted (audio_get is then cheap). */
int audio_cache_has(struct audio_cache *c, const char *lang, const char *id,
    const struct audio_fmt *fmt);
void audio_cache_free(struct audio_cache *c);

/* ---- espeak.c: generated prompts ---- */

struct espeak_stats {
	size_t generated;       /* written now */
	size_t uptodate;        /* text unchanged since last time */
	size_t recorded;        /* skipped: a recording exists */
	size_t failed;
};
/*
 * The espeak-ng voice of a language ("cmn-latn-pinyin", "yue"); NULL if
 * none.
 */
const char *espeak_voice(const char *lang);
/*
 * text as it is given to voice (malloc'd): a word of Latin capitals
 * (PLU) spelled letter by letter in words the voice says without
 * switching language; brackets blanked, so that a text cannot carry
 * espeak-ng phoneme codes ([[...]]) of its own.
 */
char *espeak_text(const char *voice, const char *text);
/*
 * Start espeak-ng (the program espeak) speaking UTF-8 text with voice at
 * kefu's rate into the WAV file wav; 0 with *pid, or an errno value.
 */
int espeak_spawn(const char *espeak, const char *voice, const char *text,
    const char *wav, pid_t *pid);
/*
 * Generate <outdir>/<lang>/<file as .wav> (8000 Hz 16-bit mono) for every
 * prompt without a recording whose text changed since the last run (a
 * hash per file is kept in <outdir>/<lang>/.kefu-gen), or for all of them
 * with force.  `espeak` is the program to run ("espeak-ng" when NULL).
 * Returns -1 when any prompt failed (the others are still written).
 */
int espeak_build(const struct prompts *pr, const char *outdir,
    const char *espeak, int force, struct espeak_stats *st, char **cause);

/* ---- speak.c: free text spoken at call time ---- */

/*
 * Product names and notice texts come from a database and are in no
 * catalog: an audio_speaker speaks them with espeak-ng in a line format,
 * keeping the last `max` results.  Thread-safe.
 */
struct audio_speaker;
/*
 * espeak: a program to run per text; NULL: libespeak-ng in-process when
 * kefu was built with it, else the program espeak-ng.
 */
struct audio_speaker *audio_speaker_new(size_t max, const char *espeak);
void audio_speaker_free(struct audio_speaker *sp);
/* Whether the spoken samples of text are kept (libespeak-ng only). */
int audio_speaker_has(struct audio_speaker *sp, const char *lang,
    const char *text);
/* Load the speech library now, not while the first caller waits. */
void audio_speaker_warm(struct audio_speaker *sp);
/*
 * The audio of text in lang (a malloc'd copy in fmt).  -1 with *cause
 * when espeak-ng is missing or fails: play something else (a beep).
 */
int audio_speak(struct audio_speaker *sp, const char *lang, const char *text,
    const struct audio_fmt *fmt, uint8_t **out, size_t *len, char **cause);
/*
 * The same as a stream, so that a line plays the first words while the
 * rest is being spoken (libespeak-ng): open queues the text (or finds it
 * in the cache); -1 with *cause as for audio_speak.
 */
struct audio_speech;
int audio_speech_open(struct audio_speaker *sp, const char *lang,
    const char *text, const struct audio_fmt *fmt, struct audio_speech **out,
    char **cause);
/*
 * Up to max bytes of the audio in fmt, waiting at most wait_ms for some:
 * the bytes, 0 at the end, -1 when none came in time (try again).
 */
ssize_t audio_speech_read(struct audio_speech *s, uint8_t *buf, size_t max,
    int wait_ms);
/* Why the speech ended early (NULL: it did not): play something else. */
const char *audio_speech_error(const struct audio_speech *s);
/*
 * Done with it: a text read to its end goes into the cache; one left
 * half-read stops being spoken.
 */
void audio_speech_close(struct audio_speech *s);

#endif
