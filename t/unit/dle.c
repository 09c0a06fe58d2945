/*
 * dle.c: the V.253 DLE stream codec fed byte by byte -- shielding for
 * AT+VTX, decoding the receive stream (DLE DLE, DLE SUB, events, a DLE
 * split across reads, unknown codes, garbage, stopping at DLE ETX), the
 * event table and the collapsing of DTMF repeats.
 */
#include "config.h"

#include <string.h>

#include "line/line-int.h"
#include "../tap.h"

/* Decode s (len n) in pieces of `step` bytes; data and events as text. */
static size_t
decode(const char *s, size_t n, size_t step, char *data, char *events,
    size_t *consumed)
{
	struct dle_dec d = { 0 };
	uint8_t out[512];
	char ev[256];
	size_t i, nout, nev, used, dl = 0, el = 0, k;

	*consumed = 0;
	for (i = 0; i < n; i += step) {
		k = n - i < step ? n - i : step;
		used = dle_decode(&d, (const uint8_t *)s + i, k, out, &nout,
		    ev, &nev);
		memcpy(data + dl, out, nout);
		dl += nout;
		memcpy(events + el, ev, nev);
		el += nev;
		*consumed += used;
		if (used < k || (nev > 0 && ev[nev - 1] == DLE_ETX))
			break;
	}
	data[dl] = '\0';
	events[el] = '\0';
	return dl;
}

static const struct {
	const char *name;
	const char *in;
	size_t len;
	const char *data;
	size_t datalen;
	const char *events;
	size_t consumed;        /* 0: all */
} cases[] = {
	{ "plain audio", "abc", 3, "abc", 3, "", 0 },
	{ "DLE DLE is one data 0x10", "a\x10\x10" "b", 4, "a\x10" "b", 3, "",
	    0 },
	{ "DLE SUB is two data 0x10", "\x10\x1a", 2, "\x10\x10", 2, "", 0 },
	{ "DTMF with repeats", "x\x10/\x10" "5\x10" "5\x10~y", 10, "xy", 2,
	  "/55~", 0 },
	{ "busy", "\x10" "b", 2, "", 0, "b", 0 },
	{ "unknown code is an event", "\x10z", 2, "", 0, "z", 0 },
	{ "ETX stops decoding", "ab\x10\x03OK\r\n", 8, "ab", 2, "\x03", 4 },
	{ "trailing lone DLE is held", "ab\x10", 3, "ab", 2, "", 0 },
	{ "garbage high bytes are data", "\xff\xfe\x80", 3, "\xff\xfe\x80", 3,
	  "", 0 },
	{ "DLE DLE DLE s", "\x10\x10\x10s", 4, "\x10", 1, "s", 0 },
};

static void
test_decode(void)
{
	char data[512], events[256];
	size_t i, step, consumed, want, dl;

	for (i = 0; i < nitems(cases); i++) {
		want = cases[i].consumed ? cases[i].consumed : cases[i].len;
		/* Whole, then one byte per read: a DLE split across reads. */
		for (step = cases[i].len; step >= 1; step = step == 1 ? 0 : 1) {
			dl = decode(cases[i].in, cases[i].len, step, data,
			    events, &consumed);
			ok(dl == cases[i].datalen &&
			    memcmp(data, cases[i].data, dl) == 0,
			    "%s: data (step %zu)", cases[i].name, step);
			is_str(events, cases[i].events,
			    "%s: events (step %zu)", cases[i].name, step);
			is_int(consumed, want, "%s: consumed (step %zu)",
			    cases[i].name, step);
		}
	}
}

static void
test_split(void)
{
	struct dle_dec d = { 0 };
	uint8_t out[8];
	char ev[8];
	size_t nout, nev;

	dle_decode(&d, (const uint8_t *)"\x10", 1, out, &nout, ev, &nev);
	is_int(nout + nev, 0, "lone DLE yields nothing yet");
	is_int(d.pending, 1, "and is remembered");
	dle_decode(&d, (const uint8_t *)"l", 1, out, &nout, ev, &nev);
	is_int(nev, 1, "next read completes the event");
	is_int(ev[0], 'l', "loop break");
	is_int(nout, 0, "no data byte");
	dle_decode(&d, (const uint8_t *)"\x10", 1, out, &nout, ev, &nev);
	dle_decode(&d, (const uint8_t *)"\x10", 1, out, &nout, ev, &nev);
	is_int(nout, 1, "DLE | DLE across reads is one data byte");
	is_int(out[0], 0x10, "the byte is 0x10");
	dle_decode(&d, (const uint8_t *)"\x10\x00" "a", 3, out, &nout, ev,
	    &nev);
	is_int(nev, 1, "DLE NUL is an event");
	is_int(ev[0], 0, "code NUL");
	is_int(nout, 1, "the byte after it is data");
}

static void
test_shield(void)
{
	uint8_t out[16];
	size_t n;

	n = dle_shield((const uint8_t *)"a\x10" "b\x10\x10", 5, out);
	is_int(n, 8, "every DLE doubled");
	ok(memcmp(out, "a\x10\x10" "b\x10\x10\x10\x10", 8) == 0,
	    "shielded bytes");
	n = dle_shield((const uint8_t *)"\x03\x18!", 3, out);
	is_int(n, 3, "ETX, CAN, ! alone are data");
}

static void
test_kinds(void)
{
	char buf[32];

	is_int(dle_kind('5'), DLE_K_DTMF, "5 is DTMF");
	is_int(dle_kind('#'), DLE_K_DTMF, "# is DTMF");
	is_int(dle_kind('D'), DLE_K_DTMF, "D is DTMF");
	is_int(dle_kind('b'), DLE_K_HANGUP, "b busy hangs up");
	is_int(dle_kind('d'), DLE_K_HANGUP, "d dial tone hangs up");
	is_int(dle_kind('l'), DLE_K_HANGUP, "l loop break hangs up");
	is_int(dle_kind('s'), DLE_K_NOVOICE, "s silence");
	is_int(dle_kind('q'), DLE_K_QUIET, "q quiet");
	is_int(dle_kind('H'), DLE_K_HANDSET, "H handset");
	is_int(dle_kind('P'), DLE_K_HANDSET, "P extension");
	is_int(dle_kind(0x03), DLE_K_ETX, "ETX");
	is_int(dle_kind('u'), DLE_K_IGNORE, "u underrun ignored");
	is_int(dle_kind('z'), DLE_K_UNKNOWN, "z unknown");
	is_int(dle_kind(0xff), DLE_K_UNKNOWN, "0xff unknown");
	is_str(dle_name('b', buf, sizeof buf), "busy tone", "name of b");
	is_str(dle_name(0xfe, buf, sizeof buf), "unknown code 0xfe",
	    "name of an unknown code");
}

static void
test_dtmf(void)
{
	static const struct {
		const char *codes;
		const char *digits;
		const char *name;
	} seq[] = {
		{ "/555~", "5", "repeats inside / ~ collapse" },
		{ "/5~/5~", "55", "two presses of the same key" },
		{ "123", "123", "no / ~: every code counts (old firmware)" },
		{ "/1~/2~/#~", "12#", "three keys" },
		{ "~5", "5", "stray end mark" },
		{ "/b5~", "5", "busy between start and digit" },
		{ "//55~~", "5", "doubled marks" },
	};
	struct dtmf t;
	char got[16], d;
	size_t i, j, n;

	for (i = 0; i < nitems(seq); i++) {
		memset(&t, 0, sizeof t);
		n = 0;
		for (j = 0; seq[i].codes[j] != '\0'; j++)
			if ((d = dtmf_feed(&t, seq[i].codes[j])) != 0)
				got[n++] = d;
		got[n] = '\0';
		is_str(got, seq[i].digits, "dtmf: %s", seq[i].name);
	}
}

int
main(void)
{
	test_decode();
	test_split();
	test_shield();
	test_kinds();
	test_dtmf();
	return tap_done();
}
