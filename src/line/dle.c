/*
 * dle.c: the in-band DLE layer of ITU-T V.253 voice mode -- decoding the
 * modem's receive stream (shielded audio with DLE event codes, section
 * 5a of the protocol brief), shielding audio for AT+VTX, the meaning of
 * each event code, and collapsing DTMF repeats (DLE / 5 5 5 ~ is one 5).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "line/line-int.h"

static const struct {
	char code;
	enum dle_kind kind;
	const char *name;
} dle_codes[] = {
	{ '0', DLE_K_DTMF, "DTMF 0" }, { '1', DLE_K_DTMF, "DTMF 1" },
	{ '2', DLE_K_DTMF, "DTMF 2" }, { '3', DLE_K_DTMF, "DTMF 3" },
	{ '4', DLE_K_DTMF, "DTMF 4" }, { '5', DLE_K_DTMF, "DTMF 5" },
	{ '6', DLE_K_DTMF, "DTMF 6" }, { '7', DLE_K_DTMF, "DTMF 7" },
	{ '8', DLE_K_DTMF, "DTMF 8" }, { '9', DLE_K_DTMF, "DTMF 9" },
	{ '*', DLE_K_DTMF, "DTMF *" }, { '#', DLE_K_DTMF, "DTMF #" },
	{ 'A', DLE_K_DTMF, "DTMF A" }, { 'B', DLE_K_DTMF, "DTMF B" },
	{ 'C', DLE_K_DTMF, "DTMF C" }, { 'D', DLE_K_DTMF, "DTMF D" },
	{ '/', DLE_K_DTMF_START, "start of DTMF tone" },
	{ '~', DLE_K_DTMF_END, "end of DTMF tone" },
	{ DLE_ETX, DLE_K_ETX, "end of data" },
	{ 'b', DLE_K_HANGUP, "busy tone" },
	{ 'K', DLE_K_HANGUP, "busy tone (K)" },
	{ 'd', DLE_K_HANGUP, "dial tone" },
	{ 'i', DLE_K_HANGUP, "dial tone (i)" },
	{ 'l', DLE_K_HANGUP, "loop current interruption" },
	{ 'J', DLE_K_HANGUP, "SIT tone" },
	{ 's', DLE_K_NOVOICE, "silence (no voice)" },
	{ 'q', DLE_K_QUIET, "quiet after voice" },
	{ 'H', DLE_K_HANDSET, "handset off hook" },
	{ 'P', DLE_K_HANDSET, "extension off hook" },
	{ 'R', DLE_K_RING, "ring" },
	{ 'a', DLE_K_FAX, "answer tone" },
	{ 'c', DLE_K_FAX, "fax calling tone" },
	{ 'e', DLE_K_FAX, "data calling tone" },
	{ 'f', DLE_K_FAX, "data answer tone" },
	{ 'm', DLE_K_FAX, "fax calling tone (m)" },
	{ 'h', DLE_K_IGNORE, "handset on hook" },
	{ 'p', DLE_K_IGNORE, "extension on hook" },
	{ 'L', DLE_K_IGNORE, "loop polarity reversal" },
	{ 'r', DLE_K_IGNORE, "ringback" },
	{ 'u', DLE_K_IGNORE, "transmit underrun" },
	{ 'o', DLE_K_IGNORE, "receive overrun" },
	{ '$', DLE_K_IGNORE, "bong tone" },
	{ 't', DLE_K_IGNORE, "TDD tone" },
	{ 'T', DLE_K_IGNORE, "timing mark" },
	{ 'v', DLE_K_IGNORE, "voice detected" },
	{ 'V', DLE_K_IGNORE, "voice detected (V)" },
	{ 'w', DLE_K_IGNORE, "call waiting beep" },
	{ 'E', DLE_K_IGNORE, "invalid voice format" },
	{ 'Y', DLE_K_IGNORE, "lost data" },
	{ 'X', DLE_K_IGNORE, "complex event start" },
	{ '.', DLE_K_IGNORE, "complex event end" },
	{ 'Q', DLE_K_IGNORE, "XON" },
	{ 'S', DLE_K_IGNORE, "XOFF" },
	{ DLE_NUL, DLE_K_IGNORE, "no-op" },
};

enum dle_kind
dle_kind(int code)
{
	size_t i;

	for (i = 0; i < nitems(dle_codes); i++)
		if (dle_codes[i].code == code)
			return dle_codes[i].kind;
	return DLE_K_UNKNOWN;
}

const char *
dle_name(int code, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < nitems(dle_codes); i++)
		if (dle_codes[i].code == code)
			return dle_codes[i].name;
	snprintf(buf, len, "unknown code 0x%02x", (unsigned)(code & 0xff));
	return buf;
}

size_t
dle_decode(struct dle_dec *d, const uint8_t *in, size_t n, uint8_t *out,
    size_t *nout, char *ev, size_t *nev)
{
	size_t i, o = 0, e = 0;
	uint8_t c;

	for (i = 0; i < n; i++) {
		c = in[i];
		if (!d->pending) {
			if (c == DLE_DLE)
				d->pending = 1;
			else
				out[o++] = c;
			continue;
		}
		d->pending = 0;
		if (c == DLE_DLE)
			out[o++] = DLE_DLE;
		else if (c == DLE_SUB) {
			out[o++] = DLE_DLE;
			out[o++] = DLE_DLE;
		} else {
			ev[e++] = (char)c;
			if (c == DLE_ETX) {
				i++;
				break;
			}
		}
	}
	*nout = o;
	*nev = e;
	return i;
}

size_t
dle_shield(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		out[o++] = in[i];
		if (in[i] == DLE_DLE)
			out[o++] = DLE_DLE;
	}
	return o;
}

char
dtmf_feed(struct dtmf *t, int code)
{
	switch (dle_kind(code)) {
	case DLE_K_DTMF_START:
		t->in_tone = 1;
		t->seen = 0;
		return 0;
	case DLE_K_DTMF_END:
		t->in_tone = 0;
		t->seen = 0;
		return 0;
	case DLE_K_DTMF:
		if (t->in_tone) {
			if (t->seen)
				return 0;
			t->seen = 1;
		}
		return (char)code;
	default:
		return 0;
	}
}
