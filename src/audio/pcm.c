/*
 * pcm.c: the line formats of audio_fmt.h (V.253 +VSM: 8-bit unsigned
 * linear, G.711 mu-law and A-law, 16-bit signed little-endian) to and
 * from 16-bit mono samples, resampling with libsamplerate, and the
 * trimming of silence around a clip.
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

/* A resampler kept across blocks of one stream. */
struct pcm_resampler {
	SRC_STATE *st;
	double ratio;
	unsigned from, to;
	float *fin, *fout;
	size_t cin, cout;       /* capacities of fin, fout */
};

struct pcm_resampler *
pcm_resampler_new(unsigned from, unsigned to, int fast, char **cause)
{
	struct pcm_resampler *rs;
	int err = 0;

	if (from == 0 || to == 0) {
		kf_error(cause, "cannot resample from %u Hz to %u Hz", from,
		    to);
		return NULL;
	}
	rs = xcalloc(1, sizeof *rs);
	rs->from = from;
	rs->to = to;
	rs->ratio = (double)to / from;
	if (from != to && (rs->st = src_new(fast ? SRC_SINC_FASTEST :
	    SRC_SINC_MEDIUM_QUALITY, 1, &err)) == NULL) {
		kf_error(cause, "resampling %u Hz to %u Hz: %s", from, to,
		    src_strerror(err));
		free(rs);
		return NULL;
	}
	return rs;
}

int
pcm_resampler_run(struct pcm_resampler *rs, const int16_t *in, size_t n,
    int last, struct audio_pcm *out, char **cause)
{
	SRC_DATA d;
	size_t want;
	int err;

	out->rate = rs->to;
	if (rs->st == NULL) {
		out->s = xreallocarray(out->s, out->n + n + 1, sizeof *out->s);
		if (n > 0)
			memcpy(out->s + out->n, in, n * sizeof *in);
		out->n += n;
		return 0;
	}
	if (n + 1 > rs->cin) {
		rs->cin = n + 1;
		rs->fin = xreallocarray(rs->fin, rs->cin, sizeof *rs->fin);
	}
	/* what this block gives, plus what the filter still holds */
	want = (size_t)((double)n * rs->ratio) + 256;
	if (want > rs->cout) {
		rs->cout = want;
		rs->fout = xreallocarray(rs->fout, rs->cout, sizeof *rs->fout);
	}
	if (n > 0)
		src_short_to_float_array(in, rs->fin, (int)n);
	memset(&d, 0, sizeof d);
	d.data_in = rs->fin;
	d.input_frames = (long)n;
	d.src_ratio = rs->ratio;
	d.end_of_input = last;
	for (;;) {
		d.data_out = rs->fout;
		d.output_frames = (long)rs->cout;
		if ((err = src_process(rs->st, &d)) != 0)
			return kf_error(cause, "resampling %u Hz to %u Hz: %s",
			    rs->from, rs->to, src_strerror(err));
		out->s = xreallocarray(out->s, out->n +
		    (size_t)d.output_frames_gen + 1, sizeof *out->s);
		src_float_to_short_array(rs->fout, out->s + out->n,
		    (int)d.output_frames_gen);
		out->n += (size_t)d.output_frames_gen;
		d.data_in += d.input_frames_used;
		d.input_frames -= d.input_frames_used;
		/* done when the input is used and, at the end, drained */
		if (d.input_frames == 0 && (!last || d.output_frames_gen == 0))
			return 0;
	}
}

void
pcm_resampler_free(struct pcm_resampler *rs)
{
	if (rs == NULL)
		return;
	if (rs->st != NULL)
		src_delete(rs->st);
	free(rs->fin);
	free(rs->fout);
	free(rs);
}

int
pcm_resample_q(const struct audio_pcm *in, unsigned to, int fast,
    struct audio_pcm *out, char **cause)
{
	struct pcm_resampler *rs;
	int rc;

	memset(out, 0, sizeof *out);
	out->rate = to;
	if (in->n == 0)
		return 0;
	if ((rs = pcm_resampler_new(in->rate, to, fast, cause)) == NULL)
		return -1;
	rc = pcm_resampler_run(rs, in->s, in->n, 1, out, cause);
	pcm_resampler_free(rs);
	if (rc == -1)
		pcm_free(out);
	return rc;
}

void
pcm_free(struct audio_pcm *pcm)
{
	free(pcm->s);
	pcm->s = NULL;
	pcm->n = 0;
}

/* The first sample at or after from whose magnitude reaches quiet. */
static size_t
pcm_loud(const struct audio_pcm *pcm, size_t from, int quiet)
{
	for (; from < pcm->n; from++)
		if (abs(pcm->s[from]) >= quiet)
			return from;
	return pcm->n;
}

/* The last sample whose magnitude reaches quiet, plus one; 0 if none. */
static size_t
pcm_loud_end(const struct audio_pcm *pcm, int quiet)
{
	size_t i;

	for (i = pcm->n; i > 0; i--)
		if (abs(pcm->s[i - 1]) >= quiet)
			return i;
	return 0;
}

void
pcm_trim(struct audio_pcm *pcm, int quiet, unsigned fade_ms,
    unsigned pause_ms)
{
	size_t fade = (size_t)pcm->rate * fade_ms / 1000;
	size_t pause = (size_t)pcm->rate * pause_ms / 1000;
	size_t from, to, n, i;
	int16_t *s;

	from = pcm_loud(pcm, 0, quiet);
	to = pcm_loud_end(pcm, quiet);
	if (to <= from)
		from = to = 0;  /* nothing loud: only the pause */
	from = from > fade ? from - fade : 0;
	to = pcm->n - to > fade ? to + fade : pcm->n;
	n = to - from;
	s = xcalloc(n + pause > 0 ? n + pause : 1, sizeof *s);
	memcpy(s, pcm->s + from, n * sizeof *s);
	/* linear fades over the kept quiet edges: no step at a join */
	for (i = 0; i < fade && i < n; i++) {
		s[i] = (int16_t)((long)s[i] * (long)i / (long)fade);
		s[n - 1 - i] = (int16_t)((long)s[n - 1 - i] * (long)i /
		    (long)fade);
	}
	free(pcm->s);
	pcm->s = s;
	pcm->n = n + pause;
}
