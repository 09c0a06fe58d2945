/*
 * import.c: a sound brought in from outside to be played to callers (a
 * store notice made with any sound program, or recorded by phone): its
 * length checked before it is read, its level measured and refused with
 * a reason when silent or clipped, converted to the prompts' format
 * (mono 16-bit PCM at AUDIO_IMPORT_RATE) and kept in the spool under a
 * new name that never replaces a file (recording.c).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio/audio.h"
#include "util/util.h"

/* A frame of 20 ms is sound when its peak reaches AUDIO_QUIET. */
#define IMPORT_FRAME_MS 20

static double
import_db(long v)
{
	return v > 0 ? 20.0 * log10((double)v / 32768.0) : -96.0;
}

void
audio_level(const struct audio_pcm *pcm, struct audio_level *lv)
{
	size_t frame = pcm->rate ? pcm->rate * IMPORT_FRAME_MS / 1000 : 160;
	size_t i, frames = 0;
	int a, fpeak = 0;
	double sum = 0;

	memset(lv, 0, sizeof *lv);
	if (frame == 0)
		frame = 1;
	for (i = 0; i < pcm->n; i++) {
		a = abs(pcm->s[i]);
		sum += (double)a * a;
		if (a > lv->peak)
			lv->peak = a;
		if (a > fpeak)
			fpeak = a;
		if (a >= AUDIO_CLIP_LEVEL)
			lv->clipped++;
		if ((i + 1) % frame == 0 || i + 1 == pcm->n) {
			if (fpeak >= AUDIO_QUIET)
				frames++;
			fpeak = 0;
		}
	}
	lv->peak_db = import_db(lv->peak);
	lv->rms_db = import_db(pcm->n ? lround(sqrt(sum / (double)pcm->n)) :
	    0);
	lv->sound_ms = (unsigned)(frames * IMPORT_FRAME_MS);
	lv->ms = pcm->rate ? (unsigned)(pcm->n * 1000 / pcm->rate) : 0;
}

int
audio_level_check(const struct audio_pcm *pcm, const char *what,
    char **cause)
{
	struct audio_level lv;

	audio_level(pcm, &lv);
	if (lv.ms < AUDIO_IMPORT_MIN_MS)
		return kf_error(cause, "%s: too short (%u ms; a notice takes "
		    "at least %u ms)", what, lv.ms, AUDIO_IMPORT_MIN_MS);
	if (lv.sound_ms < AUDIO_IMPORT_MIN_MS)
		return kf_error(cause, "%s: silent (%u ms of %u ms reach "
		    "%.0f dBFS, peak %.1f dBFS): nothing a caller could hear; "
		    "check the microphone and record it again", what,
		    lv.sound_ms, lv.ms, import_db(AUDIO_QUIET), lv.peak_db);
	if (lv.clipped * 1000 > pcm->n)
		return kf_error(cause, "%s: clipped (%.1f%% of the samples "
		    "at full scale): it would sound distorted; record it "
		    "again with a lower input level", what,
		    100.0 * (double)lv.clipped / (double)pcm->n);
	return 0;
}

int
audio_import(const char *path, struct audio_pcm *out, char **cause)
{
	struct audio_pcm raw;
	unsigned ms;

	memset(out, 0, sizeof *out);
	if (recording_length(path, &ms, cause) == -1)
		return -1;
	if (ms > AUDIO_IMPORT_MAX_MS)
		return kf_error(cause, "%s: too long (%u:%02u; a notice is at "
		    "most %u minutes)", path, ms / 60000, ms / 1000 % 60,
		    AUDIO_IMPORT_MAX_MS / 60000);
	if (wav_read(path, &raw, cause) == -1)
		return -1;
	if (audio_level_check(&raw, path, cause) == -1 ||
	    pcm_resample(&raw, AUDIO_IMPORT_RATE, out, cause) == -1) {
		pcm_free(&raw);
		return -1;
	}
	pcm_free(&raw);
	return 0;
}

int
audio_import_save(const struct audio_pcm *pcm, const char *spool,
    const char *stem, char **path, char **cause)
{
	struct audio_fmt fmt = { .enc = AUDIO_S16LE, .rate = pcm->rate };
	struct recording_meta meta = { .caller = NULL, .line = "import" };
	struct recording *rec;
	uint8_t *bytes;
	int rc;

	*path = NULL;
	if (recording_open(&rec, spool, stem, &fmt, 1, &meta, cause) == -1)
		return -1;
	bytes = xreallocarray(NULL, pcm->n ? pcm->n : 1, 2);
	pcm_encode(AUDIO_S16LE, pcm->s, pcm->n, bytes);
	rc = recording_write(rec, bytes, pcm->n * 2, cause);
	free(bytes);
	if (rc == -1) {
		recording_abort(rec);
		return -1;
	}
	return recording_close(rec, NULL, path, cause);
}
