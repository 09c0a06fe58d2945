/*
 * pcm.c: the line formats of audio_fmt.h (V.253 +VSM: 8-bit unsigned
 * linear, G.711 mu-law and A-law, 16-bit signed little-endian) to and
 * from 16-bit mono samples, and resampling with libsamplerate.
 */
#include "config.h"

#include <samplerate.h>
#include <stdlib.h>
#include <string.h>

#include "audio/audio.h"
#include "util/util.h"

static const char *const pcm_enc_names[] = {
	[AUDIO_U8] = "u8",
	[AUDIO_ULAW] = "ulaw",
	[AUDIO_ALAW] = "alaw",
	[AUDIO_S16LE] = "s16le",
};

const char *
pcm_enc_name(enum audio_enc enc)
{
	if ((size_t)enc >= nitems(pcm_enc_names))
		return "?";
	return pcm_enc_names[enc];
}

int
pcm_fmt_parse(const char *s, struct audio_fmt *fmt, char **cause)
{
	const char *slash, *errstr;
	long long rate = 8000;
	size_t i, n;

	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	for (i = 0; i < nitems(pcm_enc_names); i++)
		if (strlen(pcm_enc_names[i]) == n &&
		    strncmp(pcm_enc_names[i], s, n) == 0)
			break;
	if (i == nitems(pcm_enc_names))
		return kf_error(cause, "%s: unknown audio format (want u8, "
		    "ulaw, alaw or s16le, optionally /RATE)", s);
	if (slash != NULL &&
	    str_tonum(slash + 1, 4000, 48000, &rate, &errstr) == -1)
		return kf_error(cause, "%s: sample rate %s", s, errstr);
	fmt->enc = (enum audio_enc)i;
	fmt->rate = (unsigned)rate;
	return 0;
}

size_t
pcm_bytes_per_sample(enum audio_enc enc)
{
	return enc == AUDIO_S16LE ? 2 : 1;
}

uint8_t
pcm_silence_byte(enum audio_enc enc)
{
	switch (enc) {
	case AUDIO_U8:
		return 0x80;
	case AUDIO_ULAW:
		return 0xff;
	case AUDIO_ALAW:
		return 0xd5;
	case AUDIO_S16LE:
		break;
	}
	return 0;
}

void
pcm_encode(enum audio_enc enc, const int16_t *in, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (enc) {
		case AUDIO_U8:
			out[i] = (uint8_t)(((int)in[i] + 32768) >> 8);
			break;
		case AUDIO_ULAW:
			out[i] = g711_ulaw_encode(in[i]);
			break;
		case AUDIO_ALAW:
			out[i] = g711_alaw_encode(in[i]);
			break;
		case AUDIO_S16LE:
			out[2 * i] = (uint8_t)((uint16_t)in[i] & 0xff);
			out[2 * i + 1] = (uint8_t)((uint16_t)in[i] >> 8);
			break;
		}
	}
}

void
pcm_decode(enum audio_enc enc, const uint8_t *in, size_t n, int16_t *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (enc) {
		case AUDIO_U8:
			out[i] = (int16_t)(((int)in[i] - 128) * 256);
			break;
		case AUDIO_ULAW:
			out[i] = g711_ulaw_decode(in[i]);
			break;
		case AUDIO_ALAW:
			out[i] = g711_alaw_decode(in[i]);
			break;
		case AUDIO_S16LE:
			out[i] = (int16_t)(uint16_t)(in[2 * i] |
			    (in[2 * i + 1] << 8));
			break;
		}
	}
}

int
pcm_resample(const struct audio_pcm *in, unsigned to, struct audio_pcm *out,
    char **cause)
{
	return pcm_resample_q(in, to, 0, out, cause);
}

int
pcm_resample_q(const struct audio_pcm *in, unsigned to, int fast,
    struct audio_pcm *out, char **cause)
{
	SRC_DATA d;
	float *fin, *fout;
	size_t cap;
	int err;

	memset(out, 0, sizeof *out);
	out->rate = to;
	if (in->n == 0)
		return 0;
	if (in->rate == to) {
		out->s = xreallocarray(NULL, in->n, sizeof *out->s);
		memcpy(out->s, in->s, in->n * sizeof *out->s);
		out->n = in->n;
		return 0;
	}
	if (in->rate == 0 || to == 0)
		return kf_error(cause, "cannot resample from %u Hz to %u Hz",
		    in->rate, to);
	cap = (size_t)((double)in->n * to / in->rate) + 16;
	fin = xreallocarray(NULL, in->n, sizeof *fin);
	fout = xreallocarray(NULL, cap, sizeof *fout);
	src_short_to_float_array(in->s, fin, (int)in->n);
	memset(&d, 0, sizeof d);
	d.data_in = fin;
	d.input_frames = (long)in->n;
	d.data_out = fout;
	d.output_frames = (long)cap;
	d.src_ratio = (double)to / in->rate;
	if ((err = src_simple(&d, fast ? SRC_SINC_FASTEST :
	    SRC_SINC_MEDIUM_QUALITY, 1)) != 0) {
		free(fin);
		free(fout);
		return kf_error(cause, "resampling %u Hz to %u Hz: %s",
		    in->rate, to, src_strerror(err));
	}
	out->n = (size_t)d.output_frames_gen;
	out->s = xreallocarray(NULL, out->n ? out->n : 1, sizeof *out->s);
	src_float_to_short_array(fout, out->s, (int)out->n);
	free(fin);
	free(fout);
	return 0;
}

void
pcm_free(struct audio_pcm *pcm)
{
	free(pcm->s);
	pcm->s = NULL;
	pcm->n = 0;
}
