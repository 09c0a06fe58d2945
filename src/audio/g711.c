/*
 * g711.c: ITU-T Recommendation G.711 (11/88) mu-law and A-law companding.
 * Encoding and decoding go through tables built once (pthread_once):
 * 256 entries per law to decode, 16384 (mu-law, 14-bit input) and 8192
 * (A-law, 13-bit input) to encode.  The tables are computed from the
 * segment rules of G.711 tables 1a/2a, so they are the standard ones.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>

#include "audio/audio.h"

#define ULAW_BIAS 0x84
#define ULAW_CLIP 32635

static pthread_once_t g711_once = PTHREAD_ONCE_INIT;
static int16_t g711_ulaw_dec[256];
static int16_t g711_alaw_dec[256];
static uint8_t g711_ulaw_enc[16384];    /* index: (uint16_t)sample >> 2 */
static uint8_t g711_alaw_enc[8192];     /* index: (uint16_t)sample >> 3 */

/* The segment (0..7) of a biased mu-law magnitude 0x84..0x7fff. */
static int
g711_ulaw_segment(int mag)
{
	int seg = 0;

	for (mag >>= 7; mag > 1 && seg < 7; mag >>= 1)
		seg++;
	return seg;
}

static uint8_t
g711_ulaw_compute(int s)
{
	int sign = 0, seg, mant;

	/* Negative samples by one's complement, as in ITU-T G.191. */
	if (s < 0) {
		sign = 0x80;
		s = -s - 1;
	}
	if (s > ULAW_CLIP)
		s = ULAW_CLIP;
	s += ULAW_BIAS;
	seg = g711_ulaw_segment(s);
	mant = (s >> (seg + 3)) & 0x0f;
	return (uint8_t)~(sign | (seg << 4) | mant);
}

static int16_t
g711_ulaw_expand(uint8_t b)
{
	int seg, mant, s;

	b = (uint8_t)~b;
	seg = (b >> 4) & 0x07;
	mant = b & 0x0f;
	s = (((mant << 3) + ULAW_BIAS) << seg) - ULAW_BIAS;
	return (int16_t)((b & 0x80) ? -s : s);
}

/* s is a 13-bit sample (the 16-bit one shifted right by 3). */
static uint8_t
g711_alaw_compute(int s)
{
	static const int seg_end[8] = {
		0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff
	};
	int mask, seg, a;

	if (s >= 0)
		mask = 0xd5;
	else {
		mask = 0x55;
		s = -s - 1;
	}
	for (seg = 0; seg < 8 && s > seg_end[seg]; seg++)
		;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	a = seg << 4;
	a |= seg < 2 ? (s >> 1) & 0x0f : (s >> seg) & 0x0f;
	return (uint8_t)(a ^ mask);
}

static int16_t
g711_alaw_expand(uint8_t b)
{
	int t, seg;

	b ^= 0x55;
	t = (b & 0x0f) << 4;
	seg = (b & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else
		t = (t + 0x108) << (seg - 1);
	return (int16_t)((b & 0x80) ? t : -t);
}

static void
g711_init(void)
{
	int i;

	for (i = 0; i < 256; i++) {
		g711_ulaw_dec[i] = g711_ulaw_expand((uint8_t)i);
		g711_alaw_dec[i] = g711_alaw_expand((uint8_t)i);
	}
	for (i = 0; i < 16384; i++)
		g711_ulaw_enc[i] = g711_ulaw_compute(
		    (int16_t)(uint16_t)(i << 2));
	for (i = 0; i < 8192; i++)
		g711_alaw_enc[i] = g711_alaw_compute(
		    (int16_t)(uint16_t)(i << 3) / 8);
}

uint8_t
g711_ulaw_encode(int16_t s)
{
	pthread_once(&g711_once, g711_init);
	return g711_ulaw_enc[(uint16_t)s >> 2];
}

int16_t
g711_ulaw_decode(uint8_t b)
{
	pthread_once(&g711_once, g711_init);
	return g711_ulaw_dec[b];
}

uint8_t
g711_alaw_encode(int16_t s)
{
	pthread_once(&g711_once, g711_init);
	return g711_alaw_enc[(uint16_t)s >> 3];
}

int16_t
g711_alaw_decode(uint8_t b)
{
	pthread_once(&g711_once, g711_init);
	return g711_alaw_dec[b];
}
