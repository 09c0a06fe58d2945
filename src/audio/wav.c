/*
 * wav.c: audio files through libsndfile: read any format it knows (WAV,
 * AIFF, AU, FLAC, Ogg Vorbis...) into mono 16-bit samples, and write
 * RIFF WAVE files in a line format (PCM U8, G.711 mu-law/A-law, PCM 16)
 * with LIST/INFO strings, durably (temporary file, fsync, rename).
 */
#include "config.h"

#include <errno.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/audio.h"
#include "util/util.h"

int
wav_read(const char *path, struct audio_pcm *out, char **cause)
{
	SF_INFO info;
	SNDFILE *sf;
	short *buf;
	sf_count_t got, i;
	int c;
	long acc;

	memset(out, 0, sizeof *out);
	memset(&info, 0, sizeof info);
	if ((sf = sf_open(path, SFM_READ, &info)) == NULL)
		return kf_error(cause, "%s: %s", path, sf_strerror(NULL));
	if (info.channels < 1 || info.frames < 0 ||
	    info.frames > 3600 * (sf_count_t)info.samplerate) {
		sf_close(sf);
		return kf_error(cause, "%s: unusable audio (%d channels, %lld "
		    "frames)", path, info.channels, (long long)info.frames);
	}
	buf = xreallocarray(NULL, (size_t)(info.frames ? info.frames : 1) *
	    (size_t)info.channels, sizeof *buf);
	got = sf_readf_short(sf, buf, info.frames);
	sf_close(sf);
	if (got < 0)
		got = 0;
	out->rate = (unsigned)info.samplerate;
	out->n = (size_t)got;
	out->s = xreallocarray(NULL, out->n ? out->n : 1, sizeof *out->s);
	for (i = 0; i < got; i++) {
		acc = 0;
		for (c = 0; c < info.channels; c++)
			acc += buf[i * info.channels + c];
		out->s[i] = (int16_t)(acc / info.channels);
	}
	free(buf);
	return 0;
}

static int
wav_subformat(enum audio_enc enc)
{
	switch (enc) {
	case AUDIO_U8:
		return SF_FORMAT_PCM_U8;
	case AUDIO_ULAW:
		return SF_FORMAT_ULAW;
	case AUDIO_ALAW:
		return SF_FORMAT_ALAW;
	case AUDIO_S16LE:
		break;
	}
	return SF_FORMAT_PCM_16;
}

static void
wav_strings(SNDFILE *sf, const struct wav_info *info)
{
	if (info == NULL)
		return;
	if (info->title != NULL)
		sf_set_string(sf, SF_STR_TITLE, info->title);
	if (info->artist != NULL)
		sf_set_string(sf, SF_STR_ARTIST, info->artist);
	if (info->date != NULL)
		sf_set_string(sf, SF_STR_DATE, info->date);
	if (info->comment != NULL)
		sf_set_string(sf, SF_STR_COMMENT, info->comment);
	sf_set_string(sf, SF_STR_SOFTWARE, info->software != NULL ?
	    info->software : PACKAGE_NAME " " PACKAGE_VERSION);
}

/* Open a temporary file beside path for writing a WAV. */
static SNDFILE *
wav_open_tmp(const char *path, int format, unsigned rate, char **tmp,
    int *fd, char **cause)
{
	SF_INFO info;
	SNDFILE *sf;

	*tmp = xasprintf("%s.tmpXXXXXX", path);
	if ((*fd = mkstemp(*tmp)) == -1) {
		/* the path asked for, not the temporary name beside it */
		kf_error(cause, "cannot write %s: %s", path, strerror(errno));
		free(*tmp);
		return NULL;
	}
	(void)fchmod(*fd, 0644);
	memset(&info, 0, sizeof info);
	info.samplerate = (int)rate;
	info.channels = 1;
	info.format = SF_FORMAT_WAV | format;
	if ((sf = sf_open_fd(*fd, SFM_WRITE, &info, 0)) == NULL) {
		kf_error(cause, "%s: %s", path, sf_strerror(NULL));
		close(*fd);
		unlink(*tmp);
		free(*tmp);
	}
	return sf;
}

/* Close sf, fsync and rename tmp over path.  Frees tmp. */
static int
wav_commit(SNDFILE *sf, int fd, char *tmp, const char *path, int ok,
    const struct wav_info *info, char **cause)
{
	int rc = 0;

	if (sf_close(sf) != 0 && ok)
		ok = !kf_error(cause, "%s: %s", path, sf_strerror(NULL));
	if (ok && (info == NULL || !info->no_fsync) && fsync(fd) == -1)
		ok = !kf_error(cause, "%s: %s", path, strerror(errno));
	close(fd);
	if (ok && rename(tmp, path) == -1)
		ok = !kf_error(cause, "%s: %s", path, strerror(errno));
	if (!ok) {
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
	return rc;
}

int
wav_write(const char *path, const struct audio_fmt *fmt, const uint8_t *data,
    size_t len, const struct wav_info *info, char **cause)
{
	SNDFILE *sf;
	char *tmp;
	int fd, ok = 1;

	sf = wav_open_tmp(path, wav_subformat(fmt->enc), fmt->rate, &tmp, &fd,
	    cause);
	if (sf == NULL)
		return -1;
	wav_strings(sf, info);
	len -= len % pcm_bytes_per_sample(fmt->enc);
	if (len > 0 && sf_write_raw(sf, data, (sf_count_t)len) !=
	    (sf_count_t)len)
		ok = !kf_error(cause, "%s: %s", path, sf_strerror(sf));
	return wav_commit(sf, fd, tmp, path, ok, info, cause);
}

int
wav_write_pcm(const char *path, const struct audio_pcm *pcm,
    const struct wav_info *info, char **cause)
{
	SNDFILE *sf;
	char *tmp;
	int fd, ok = 1;

	sf = wav_open_tmp(path, SF_FORMAT_PCM_16, pcm->rate, &tmp, &fd, cause);
	if (sf == NULL)
		return -1;
	wav_strings(sf, info);
	if (pcm->n > 0 && sf_writef_short(sf, pcm->s, (sf_count_t)pcm->n) !=
	    (sf_count_t)pcm->n)
		ok = !kf_error(cause, "%s: %s", path, sf_strerror(sf));
	return wav_commit(sf, fd, tmp, path, ok, info, cause);
}
