/*
 * silence.c: software silence detection for voice modems that ignore
 * AT+VSD (V.253 silence detection): the bytes received during AT+VRX are
 * cut into 10 ms frames and counted quiet when nearly every sample lies in
 * a narrow band around zero (8-bit unsigned: 126..129, callattendant's
 * trick).  Pure computation on bytes; the line driver decides what to do.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "audio/audio.h"

#define SILENCE_DEFAULT_THRESHOLD 512
#define SILENCE_FRAME_MS 10
#define SILENCE_LOUD_PERCENT 2

void
silence_init(struct silence *sd, const struct audio_fmt *fmt, unsigned ms,
    int threshold)
{
	memset(sd, 0, sizeof *sd);
	sd->fmt = *fmt;
	sd->frame_len = fmt->rate * SILENCE_FRAME_MS / 1000;
	if (sd->frame_len == 0)
		sd->frame_len = 1;
	sd->need_frames = (ms + SILENCE_FRAME_MS - 1) / SILENCE_FRAME_MS;
	if (sd->need_frames == 0)
		sd->need_frames = 1;
	sd->threshold = threshold > 0 ? threshold : SILENCE_DEFAULT_THRESHOLD;
	sd->odd = -1;
}

void
silence_reset(struct silence *sd)
{
	sd->run = sd->pos = sd->loud = 0;
	sd->odd = -1;
	sd->voice_seen = 0;
}

static int
silence_is_loud(const struct silence *sd, const uint8_t *b)
{
	int16_t s;

	if (sd->fmt.enc == AUDIO_U8)
		return b[0] < 126 || b[0] > 129;
	pcm_decode(sd->fmt.enc, b, 1, &s);
	return abs(s) > sd->threshold;
}

/* One sample arrived; returns 1 when the silence period is complete. */
static int
silence_sample(struct silence *sd, const uint8_t *b)
{
	if (silence_is_loud(sd, b))
		sd->loud++;
	if (++sd->pos < sd->frame_len)
		return 0;
	if (sd->loud * 100 > sd->frame_len * SILENCE_LOUD_PERCENT) {
		sd->run = 0;
		sd->voice_seen = 1;
	} else if (sd->run < sd->need_frames)
		sd->run++;
	sd->pos = sd->loud = 0;
	return sd->run >= sd->need_frames;
}

int
silence_feed(struct silence *sd, const uint8_t *p, size_t len)
{
	uint8_t pair[2];
	size_t i;
	int done = sd->run >= sd->need_frames;

	/* 1 when the period completed at any point of this feed. */

	for (i = 0; i < len; i++) {
		if (sd->fmt.enc != AUDIO_S16LE) {
			if (silence_sample(sd, p + i))
				done = 1;
			continue;
		}
		if (sd->odd < 0) {
			sd->odd = p[i];
			continue;
		}
		pair[0] = (uint8_t)sd->odd;
		pair[1] = p[i];
		sd->odd = -1;
		if (silence_sample(sd, pair))
			done = 1;
	}
	return done;
}
