/*
 * audio_fmt.h: the sample formats a phone line can carry, shared by the
 * audio layer (which converts prompts into them) and the line drivers
 * (which negotiate one with the modem via AT+VSM).  Depends on nothing.
 */
#ifndef KEFU_AUDIO_FMT_H
#define KEFU_AUDIO_FMT_H

enum audio_enc {
	AUDIO_U8,       /* 8-bit unsigned linear, 0x80 = silence */
	AUDIO_ULAW,     /* G.711 mu-law */
	AUDIO_ALAW,     /* G.711 A-law */
	AUDIO_S16LE,    /* 16-bit signed linear, little-endian */
};

struct audio_fmt {
	enum audio_enc enc;
	unsigned rate;  /* samples per second: 8000 or 7200 */
};

#endif
