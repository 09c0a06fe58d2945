/*
 * recording.c: callers' voice messages (complaints, suggestions) written
 * as RIFF WAVE through libsndfile, in the line's format or converted to
 * 16-bit PCM, with who called, when and for how long in LIST/INFO
 * strings.  The file appears under its name only once complete.
 */
#include "config.h"

#include <errno.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "util/util.h"

struct recording {
	SNDFILE *sf;
	char *path;             /* final name */
	char *part;             /* name while recording */
	struct audio_fmt fmt;   /* what arrives */
	int to_s16;             /* convert to 16-bit PCM when writing */
	char *caller;
	char *line;
	time_t start;
	uint64_t samples;       /* written so far */
	int pending;            /* S16LE: a low byte waiting for its pair */
	uint8_t low;
};

int
recording_open(struct recording **out, const char *path,
    const struct audio_fmt *fmt, int to_s16,
    const struct recording_meta *meta, char **cause)
{
	struct recording *rec;
	SF_INFO info;
	int sub;

	rec = xcalloc(1, sizeof *rec);
	rec->path = xstrdup(path);
	rec->part = xasprintf("%s.part", path);
	rec->fmt = *fmt;
	rec->to_s16 = to_s16 || fmt->enc == AUDIO_S16LE;
	rec->caller = xstrdup(meta && meta->caller ? meta->caller : "");
	rec->line = xstrdup(meta && meta->line ? meta->line : "");
	rec->start = meta && meta->start ? meta->start : time(NULL);
	switch (rec->to_s16 ? AUDIO_S16LE : fmt->enc) {
	case AUDIO_U8:
		sub = SF_FORMAT_PCM_U8;
		break;
	case AUDIO_ULAW:
		sub = SF_FORMAT_ULAW;
		break;
	case AUDIO_ALAW:
		sub = SF_FORMAT_ALAW;
		break;
	default:
		sub = SF_FORMAT_PCM_16;
		break;
	}
	memset(&info, 0, sizeof info);
	info.samplerate = (int)fmt->rate;
	info.channels = 1;
	info.format = SF_FORMAT_WAV | sub;
	if ((rec->sf = sf_open(rec->part, SFM_WRITE, &info)) == NULL) {
		kf_error(cause, "%s: %s", rec->part, sf_strerror(NULL));
		free(rec->path);
		free(rec->part);
		free(rec->caller);
		free(rec->line);
		free(rec);
		return -1;
	}
	*out = rec;
	return 0;
}

static int
recording_put(struct recording *rec, const int16_t *s, size_t n,
    char **cause)
{
	if (sf_writef_short(rec->sf, s, (sf_count_t)n) != (sf_count_t)n)
		return kf_error(cause, "%s: %s", rec->part,
		    sf_strerror(rec->sf));
	rec->samples += n;
	return 0;
}

int
recording_write(struct recording *rec, const uint8_t *p, size_t len,
    char **cause)
{
	int16_t buf[512];
	uint8_t pair[2];
	size_t n;

	if (!rec->to_s16) {
		if (len > 0 && sf_write_raw(rec->sf, p, (sf_count_t)len) !=
		    (sf_count_t)len)
			return kf_error(cause, "%s: %s", rec->part,
			    sf_strerror(rec->sf));
		rec->samples += len;
		return 0;
	}
	if (rec->fmt.enc == AUDIO_S16LE && rec->pending && len > 0) {
		pair[0] = rec->low;
		pair[1] = *p++;
		len--;
		rec->pending = 0;
		pcm_decode(AUDIO_S16LE, pair, 1, buf);
		if (recording_put(rec, buf, 1, cause) == -1)
			return -1;
	}
	while (len >= pcm_bytes_per_sample(rec->fmt.enc)) {
		n = len / pcm_bytes_per_sample(rec->fmt.enc);
		if (n > nitems(buf))
			n = nitems(buf);
		pcm_decode(rec->fmt.enc, p, n, buf);
		if (recording_put(rec, buf, n, cause) == -1)
			return -1;
		p += n * pcm_bytes_per_sample(rec->fmt.enc);
		len -= n * pcm_bytes_per_sample(rec->fmt.enc);
	}
	if (len == 1) {
		rec->low = *p;
		rec->pending = 1;
	}
	return 0;
}

int
recording_close(struct recording *rec, unsigned *duration_ms, char **cause)
{
	char date[32], *comment, *title;
	unsigned ms;
	struct tm tm;
	int rc = 0;

	ms = (unsigned)(rec->samples * 1000 / (rec->fmt.rate ? rec->fmt.rate :
	    8000));
	localtime_r(&rec->start, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", &tm);
	comment = xasprintf("caller=%s line=%s start=%s duration_ms=%u",
	    *rec->caller ? rec->caller : "unknown", rec->line, date, ms);
	title = xasprintf("kefu recording from %s", *rec->caller ?
	    rec->caller : "unknown caller");
	sf_set_string(rec->sf, SF_STR_TITLE, title);
	if (*rec->caller)
		sf_set_string(rec->sf, SF_STR_ARTIST, rec->caller);
	sf_set_string(rec->sf, SF_STR_DATE, date);
	sf_set_string(rec->sf, SF_STR_COMMENT, comment);
	sf_set_string(rec->sf, SF_STR_SOFTWARE, PACKAGE_NAME " "
	    PACKAGE_VERSION);
	if (sf_close(rec->sf) != 0)
		rc = kf_error(cause, "%s: %s", rec->part, sf_strerror(NULL));
	if (rc == 0 && rename(rec->part, rec->path) == -1)
		rc = kf_error(cause, "%s: %s", rec->path, strerror(errno));
	if (rc == -1)
		unlink(rec->part);
	if (duration_ms != NULL)
		*duration_ms = ms;
	free(comment);
	free(title);
	free(rec->path);
	free(rec->part);
	free(rec->caller);
	free(rec->line);
	free(rec);
	return rc;
}
