/*
 * line-modem.c: the modem driver end to end against the V.253 modem
 * simulator (t/sim) on a pty: probing each family, a ringing call with
 * caller ID answered after N rings, playback checked byte for byte at the
 * modem, barge-in, DTMF with repeats, recording ended by DLE !, every
 * hang-up signal, garbage, a missing OK, and a vanished device reopened
 * by the line thread with back-off.  Built three times: line-modem
 * (calls), line-hangup and line-hangup2 (hang-up signals), line-fault
 * (faults, thread).
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "line/line-int.h"
#include "../sim/modemsim.h"
#include "../tap.h"

/* One source, three test programs (each a few seconds). */
#ifndef LINE_MODEM_PART
#define LINE_MODEM_PART 1
#endif

static struct msim *sim;
static struct line *ln;
static struct conf_line cl;
static char gone_why[64];       /* reason of the last LINE_EV_HANGUP */
static int setup_reps;          /* the next setup's dtmf_repeats */

static void
events(struct line *l, const struct line_event *ev, void *arg)
{
	if (ev->type == LINE_EV_HANGUP)
		snprintf(gone_why, sizeof gone_why, "%s", ev->reason);
}

static void
conf_init(const char *family)
{
	memset(&cl, 0, sizeof cl);
	cl.name = xstrdup("t");
	cl.type = xstrdup("modem");
	cl.device = xstrdup(msim_path(sim));
	cl.family = xstrdup(family);
	cl.speed = 115200;
	cl.flow_control = xstrdup("rtscts");
	cl.rings = 2;
	cl.max_call_ms = 60000;
	cl.silence_ms = 1500;
}

static void
conf_clear(void)
{
	free(cl.name);
	free(cl.type);
	free(cl.device);
	free(cl.family);
	free(cl.flow_control);
}

/* A simulator and an opened line; 0 or -1 (test skipped). */
static int
setup(enum msim_family fam, int fast, const char *family)
{
	struct msim_opts o = { .family = fam, .fast = fast,
	    .dtmf_repeats = setup_reps };
	char *cause = NULL;

	setup_reps = 0;

	if (msim_start(&o, &sim, &cause) == -1) {
		ok(0, "msim_start: %s", cause);
		free(cause);
		return -1;
	}
	conf_init(family);
	if (line_new(&cl, &ln, &cause) == -1)
		return -1;
	ln->cmd_timeout_ms = 600;
	ln->event_h = events;
	gone_why[0] = '\0';
	if (ln->ops->open(ln, &cause) == -1) {
		ok(0, "open the line on %s: %s", msim_family_name(fam), cause);
		free(cause);
		return -1;
	}
	return 0;
}

static void
teardown(void)
{
	line_free(ln);
	ln = NULL;
	msim_stop(sim);
	sim = NULL;
	conf_clear();
}

/* Ring until answered; returns the answer's status. */
static enum line_status __attribute__((unused))
call_in(const struct msim_cid *cid)
{
	char *cause = NULL;
	enum line_status st;

	msim_ring(sim, 6, 150, cid);
	memset(&ln->call, 0, sizeof ln->call);
	st = ln->ops->wait_call(ln, &ln->call, &cause);
	if (st != LINE_OK) {
		ok(0, "wait_call: %s %s", line_status_name(st), cause);
		free(cause);
		return st;
	}
	st = ln->ops->answer(ln, &cause);
	if (st != LINE_OK) {
		ok(0, "answer: %s %s", line_status_name(st), cause);
		free(cause);
	}
	return st;
}

static void __attribute__((unused))
test_probe(void)
{
	static const struct {
		enum msim_family fam;
		const char *family, *vsm_cmd;
		enum audio_enc enc;
	} c[] = {
		{ MSIM_CONEXANT, "conexant", "AT+VSM=1,8000,0,0", AUDIO_U8 },
		{ MSIM_USR, "usr", "AT+VSM=131,8000", AUDIO_ULAW },
		{ MSIM_V253, "v253", "AT+VSM=4,8000", AUDIO_ULAW },
	};
	struct msim_opts o = { .fast = 1 };
	struct modem_probe mp;
	char *cause = NULL;
	size_t i;
	int cml;
	unsigned rate;

	for (i = 0; i < nitems(c); i++) {
		o.family = c[i].fam;
		if (msim_start(&o, &sim, &cause) == -1) {
			ok(0, "msim_start: %s", cause);
			return;
		}
		conf_init("auto");
		is_int(modem_probe(&cl, NULL, &mp, &cause), 0, "probe %s: %s",
		    c[i].family, cause ? cause : "ok");
		is_str(mp.family, c[i].family, "  family detected");
		is_str(mp.vsm_cmd, c[i].vsm_cmd, "  format set by name");
		is_int(mp.fmt.enc, c[i].enc, "  encoding");
		is_int(mp.fmt.rate, 8000, "  rate");
		like(mp.vls, "1,\"T\"", "  +VLS=? labels kept");
		msim_vsm(sim, &cml, &rate);
		ok(rate == 8000, "  simulator now at %d,%u", cml, rate);
		is_int(msim_fclass(sim), 0, "  left in data mode");
		modem_probe_free(&mp);
		msim_stop(sim);
		conf_clear();
	}
}

static void __attribute__((unused))
test_call(void)
{
	struct msim_cid cid = { "0321", "1405", "5551234567", "JOHN DOE" };
	uint8_t audio[4000], *got = NULL;
	size_t len = 0, i;
	enum msim_vtx_end end;
	char *cause = NULL, key = 0;

	if (setup(MSIM_CONEXANT, 1, "auto") == -1)
		return;
	is_int(call_in(&cid), LINE_OK, "conexant: call answered");
	is_int(ln->call.rings, 2, "after the configured 2 rings");
	is_int(ln->call.cid.kind, LINE_CID_NUMBER, "caller ID read");
	is_str(ln->call.cid.number, "5551234567", "number");
	is_str(ln->call.cid.name, "JOHN DOE", "name");
	is_str(ln->call.cid.date, "0321", "date");
	is_str(ln->call.cid.time, "1405", "time");
	is_int(msim_offhook(sim), 1, "modem off hook");
	ok(msim_wait_command(sim, "AT+VLS=1", 0, 10) >= 0,
	    "answered with AT+VLS=1");

	for (i = 0; i < sizeof audio; i++)
		audio[i] = (uint8_t)(i * 7);    /* plenty of 0x10, 0x03, 0x18 */
	is_int(ln->ops->play(ln, audio, sizeof audio, 0, &key, &cause),
	    LINE_OK, "play 4000 bytes");
	is_int(msim_wait_vtx(sim, 1, 2000), 0, "one VTX segment ended");
	msim_vtx_audio(sim, 0, &got, &len, &end);
	is_int(len, sizeof audio, "the modem got every byte");
	ok(got != NULL && memcmp(got, audio, sizeof audio) == 0,
	    "exactly the unshielded audio");
	is_int(end, MSIM_VTX_ETX, "ended by DLE ETX");
	free(got);

	is_int(ln->ops->beep(ln, 1000, 200, &cause), LINE_OK, "beep");
	ok(msim_wait_command(sim, "AT+VTS=[1000,0,20]", 0, 10) >= 0,
	    "AT+VTS=[1000,0,20]");

	/* DTMF: repeats collapse, two presses of one key count twice */
	msim_dtmf(sim, "1559#", 50);
	{
		char keys[8] = "";
		size_t n = 0;

		while (n < 5 && ln->ops->wait_digit(ln, 3000, &key, &cause) ==
		    LINE_DIGIT)
			keys[n++] = key;
		keys[n] = '\0';
		is_str(keys, "1559#", "DTMF collected without repeats");
	}
	is_int(ln->ops->wait_digit(ln, 300, &key, &cause), LINE_TIMEOUT,
	    "no key: timeout");
	ok(msim_wait_command(sim, "<DLE !>", 0, 10) >= 0,
	    "collecting ends VRX with DLE !");

	is_int(ln->ops->hangup(ln, &cause), LINE_OK, "hang up");
	is_int(msim_offhook(sim), 0, "modem on hook");
	ok(msim_wait_command(sim, "AT+VLS=0", 0, 10) >= 0, "with AT+VLS=0");

	/* and the next call */
	cid.nmbr = "P";
	cid.name = NULL;
	is_int(call_in(&cid), LINE_OK, "second call answered");
	is_int(ln->call.cid.kind, LINE_CID_PRIVATE, "private number");
	ln->ops->hangup(ln, &cause);
	teardown();
}

/*
 * A source that is late: nothing for its first `late` reads, then odd
 * sizes; or never anything (stall).
 */
struct slow_src {
	const uint8_t *a;
	size_t len, off;
	int late, reads, stall;
};

static ssize_t
slow_read(void *arg, void *buf, size_t max, int wait_ms)
{
	struct slow_src *ss = arg;
	size_t n;

	ss->reads++;
	if (ss->stall || ss->late-- > 0) {
		/* the test: a source that stalls, as a read that times out */
		sleep_ms((unsigned)(wait_ms < 5 ? wait_ms : 5));
		return -1;
	}
	n = 37 + (size_t)ss->reads % 300;
	if (n > max)
		n = max;
	if (n > ss->len - ss->off)
		n = ss->len - ss->off;
	memcpy(buf, ss->a + ss->off, n);
	ss->off += n;
	return (ssize_t)n;
}

static void __attribute__((unused))
test_play_src(void)
{
	uint8_t audio[6000], *got = NULL;
	struct slow_src ss = { audio, sizeof audio, 0, 6, 0, 0 };
	struct line_src src = { slow_read, &ss };
	enum msim_vtx_end end;
	size_t i, len = 0;
	char *cause = NULL, key = 0;

	if (setup(MSIM_CONEXANT, 1, "auto") == -1)
		return;
	if (call_in(NULL) != LINE_OK)
		goto out;
	for (i = 0; i < sizeof audio; i++)
		audio[i] = (uint8_t)(i * 13);   /* DLE, ETX, CAN among them */
	is_int(line_play_src(ln, &src, 0, &key, &cause), LINE_OK,
	    "a late source, in odd pieces, plays to its end");
	ok(ss.reads > 6 + 10, "it was asked again while late (%d reads)",
	    ss.reads);
	is_int(msim_wait_vtx(sim, 1, 2000), 0, "one VTX segment");
	msim_vtx_audio(sim, 0, &got, &len, &end);
	ok(len == sizeof audio && got != NULL &&
	    memcmp(got, audio, sizeof audio) == 0,
	    "the modem got exactly its bytes (%zu of %zu)", len, sizeof audio);
	is_int(end, MSIM_VTX_ETX, "ended by DLE ETX");
	free(got);

	/* a source with nothing yet still hears the caller's key */
	ss.stall = 1;
	msim_dtmf(sim, "5", 200);
	is_int(line_play_src(ln, &src, 1, &key, &cause), LINE_DIGIT,
	    "a key stops a source that has nothing yet");
	is_int(key, '5', "the key");
	is_int(msim_state(sim), MSIM_COMMAND, "the modem back in command mode");
out:
	ln->ops->hangup(ln, &cause);
	teardown();
}

static void __attribute__((unused))
test_barge_in(void)
{
	uint8_t audio[24000];
	size_t idx;
	char *cause = NULL, key = 0;
	uint64_t t0;

	if (setup(MSIM_CONEXANT, 0, "auto") == -1)
		return;
	if (call_in(NULL) != LINE_OK)
		goto out;
	memset(audio, 0x80, sizeof audio);
	msim_dtmf_at_byte(sim, "7", 2000);
	t0 = now_ms();
	is_int(ln->ops->play(ln, audio, sizeof audio, 1, &key, &cause),
	    LINE_DIGIT, "paced play with barge-in: stopped by a key");
	is_int(key, '7', "the key");
	ok(now_ms() - t0 < 2000, "well before the 3 s prompt ended (%llu ms)",
	    (unsigned long long)(now_ms() - t0));
	idx = (size_t)msim_wait_command(sim, "<DLE CAN>", 0, 1000);
	ok((int)idx >= 0 && msim_wait_command(sim, "<DLE ETX>", idx, 1000) >
	    (int)idx, "DLE CAN then DLE ETX");
	is_int(msim_state(sim), MSIM_COMMAND, "modem back in command mode");

	/* without barge-in the key waits for wait_digit */
	msim_dtmf_at_byte(sim, "3", 800);
	is_int(ln->ops->play(ln, audio, 4000, 0, &key, &cause), LINE_OK,
	    "play without barge-in runs to the end");
	is_int(ln->ops->wait_digit(ln, 1000, &key, &cause), LINE_DIGIT,
	    "the key was kept");
	is_int(key, '3', "as typed ahead");
	ln->ops->hangup(ln, &cause);
out:
	teardown();
}

struct rec_buf {
	uint8_t buf[1 << 20];
	size_t len;
};

static int __attribute__((unused))
rec_sink(void *arg, const void *data, size_t len)
{
	struct rec_buf *rb = arg;

	if (rb->len + len > sizeof rb->buf)
		len = sizeof rb->buf - rb->len;
	memcpy(rb->buf + rb->len, data, len);
	rb->len += len;
	return 0;
}

/*
 * 1 when a recording holds no result text of the modem ("\r\nOK\r\n",
 * "NO CARRIER") at its end; with silent, its last byte must also be
 * the format's silence (the caller had fallen silent).
 */
static int __attribute__((unused))
rec_clean(const struct rec_buf *rb, int silent)
{
	static const char *const text[] = { "\r\nOK", "OK\r\n",
	    "NO CARRIER", "\r\nVCON" };
	size_t i, from = rb->len > 64 ? rb->len - 64 : 0;

	if (rb->len == 0)
		return 0;
	for (i = 0; i < nitems(text); i++)
		if (memmem(rb->buf + from, rb->len - from, text[i],
		    strlen(text[i])) != NULL)
			return 0;
	/* silence at the end: 0x80 (8-bit), 0xff (u-law), 0xd5 (A-law) */
	return !silent || rb->buf[rb->len - 1] == 0x80 ||
	    rb->buf[rb->len - 1] == 0xff ||
	    rb->buf[rb->len - 1] == 0xd5 || rb->buf[rb->len - 1] == 0x00;
}

static void __attribute__((unused))
test_record(enum msim_family fam, const char *what)
{
	static struct rec_buf rb;
	struct line_rec rec = { rec_sink, &rb, 10000, 500, 1 };
	uint8_t voice[3000];
	char *cause = NULL, key = 0;
	size_t i;
	enum line_status st;

	if (setup(fam, 1, "auto") == -1)
		return;
	if (call_in(NULL) != LINE_OK)
		goto out;
	for (i = 0; i < sizeof voice; i++)
		voice[i] = (i & 1) ? 0x10 : 0x10 + 0x60;  /* loud, with DLEs */
	if (ln->fmt.enc == AUDIO_ULAW)
		for (i = 0; i < sizeof voice; i += 2)
			voice[i] = 0x20;
	msim_feed(sim, voice, sizeof voice);
	rb.len = 0;
	st = ln->ops->record(ln, &rec, &key, &cause);
	is_int(st, LINE_SILENCE, "%s: recording stops on silence after voice",
	    what);
	ok(rb.len >= sizeof voice && memcmp(rb.buf, voice, sizeof voice) == 0,
	    "%s: the voice arrived unshielded (%zu bytes)", what, rb.len);
	ok(msim_wait_command(sim, "<DLE !>", 0, 10) >= 0,
	    "%s: ended with DLE !", what);
	is_int(msim_state(sim), MSIM_COMMAND, "%s: modem in command mode",
	    what);
	/* the Conexant's OK comes in the stream: not a click at the end */
	ok(rec_clean(&rb, 1), "%s: the recording ends in audio (last bytes "
	    "%02x %02x %02x %02x %02x %02x)", what,
	    rb.len > 5 ? rb.buf[rb.len - 6] : 0,
	    rb.len > 4 ? rb.buf[rb.len - 5] : 0,
	    rb.len > 3 ? rb.buf[rb.len - 4] : 0,
	    rb.len > 2 ? rb.buf[rb.len - 3] : 0,
	    rb.len > 1 ? rb.buf[rb.len - 2] : 0,
	    rb.len > 0 ? rb.buf[rb.len - 1] : 0);

	/* a key stops it (voice first: silence from the start is a hang-up) */
	{
		static uint8_t more[32000];

		memcpy(more, voice, sizeof voice);
		for (i = sizeof voice; i < sizeof more; i++)
			more[i] = voice[i % sizeof voice];
		msim_feed(sim, more, sizeof more);
	}
	msim_dtmf(sim, "9", 100);
	rb.len = 0;
	rec.silence_ms = 0;
	st = ln->ops->record(ln, &rec, &key, &cause);
	ok(st == LINE_DIGIT && key == '9', "%s: a key stops recording (%s %c)",
	    what, line_status_name(st), key ? key : '-');
	ln->ops->hangup(ln, &cause);
out:
	teardown();
}

static void __attribute__((unused))
test_hangups(size_t from, size_t to)
{
	static const struct {
		enum msim_family fam;
		enum msim_hangup how;
		int mode;               /* 0 wait_digit, 1 record, 2 play */
		const char *name, *why;
	} c[] = {
		{ MSIM_V253, MSIM_HUP_BUSY, 0, "DLE b", "busy tone" },
		{ MSIM_V253, MSIM_HUP_DIALTONE, 0, "DLE d", "dial tone" },
		{ MSIM_V253, MSIM_HUP_LOOP, 0, "DLE l", "loop current" },
		{ MSIM_V253, MSIM_HUP_NOCARRIER, 0, "NO CARRIER after DLE ETX",
		  "NO CARRIER" },
		{ MSIM_CONEXANT, MSIM_HUP_NOCARRIER, 0,
		  "NO CARRIER inside the audio (Conexant)", "NO CARRIER" },
		{ MSIM_CONEXANT, MSIM_HUP_NOCARRIER, 2,
		    "NO CARRIER while playing",
		  "NO CARRIER" },
		{ MSIM_USR, MSIM_HUP_BUSY, 2, "DLE b while playing", "busy" },
		{ MSIM_V253, MSIM_HUP_SILENCE, 1, "DLE s while recording",
		  "silence" },
		{ MSIM_V253, MSIM_HUP_EXTENSION, 0, "DLE H", "extension" },
		{ MSIM_CONEXANT, MSIM_HUP_EXTENSION, 2, "DLE P while playing",
		  "extension" },
		{ MSIM_CONEXANT, MSIM_HUP_SILENT, 1,
		  "software silence while recording", "silence" },
		{ MSIM_USR, MSIM_HUP_BUSY, 0, "USR DLE b", "busy" },
	};
	static struct rec_buf rb;
	static uint8_t audio[40000];
	struct line_rec rec = { rec_sink, &rb, 20000, 0, 0 };
	char *cause = NULL, key;
	enum line_status st = LINE_OK;
	size_t i;
	uint64_t t0;

	memset(audio, 0x7f, sizeof audio);
	for (i = from; i < nitems(c) && i < to; i++) {
		/* paced: no 16x recording, so only the signal under test */
		if (setup(c[i].fam, 0, "auto") == -1)
			return;
		cl.silence_ms = 700;
		if (call_in(NULL) != LINE_OK) {
			teardown();
			continue;
		}
		msim_hangup(sim, c[i].how, 150);
		t0 = now_ms();
		rb.len = 0;
		switch (c[i].mode) {
		case 0:
			st = ln->ops->wait_digit(ln, 10000, &key, &cause);
			break;
		case 1:
			st = ln->ops->record(ln, &rec, &key, &cause);
			break;
		case 2:
			st = ln->ops->play(ln, audio, sizeof audio, 1, &key,
			    &cause);
			break;
		}
		is_str(line_status_name(st), "LINE_GONE", "%s: caller gone %s",
		    c[i].name, st == LINE_FAILED ? cause : "");
		like(gone_why, c[i].why, "%s: reason", c[i].name);
		ok(now_ms() - t0 < 2000, "%s: noticed in %llu ms", c[i].name,
		    (unsigned long long)(now_ms() - t0));
		is_int(ln->ops->hangup(ln, &cause), LINE_OK, "%s: hung up",
		    c[i].name);
		is_int(msim_offhook(sim), 0, "%s: on hook", c[i].name);
		free(cause);
		cause = NULL;
		teardown();
	}
}

/*
 * Every hang-up signal in every state of a call, on one family: busy
 * (DLE b), dial tone (DLE d), a loop-current break (DLE l) and NO
 * CARRIER while playing, while waiting for keys, while recording and
 * while idle between two operations (the next operation notices it);
 * silence while recording (the modem's DLE s, or, on the Conexant,
 * which ignores +VSD, the line's silence measured by kefu).  The signal
 * comes HT_DELAY ms into the state, when a USR's spurious dial tone at
 * the start of a data state is long past.  Each must be noticed, and
 * the line on hook, within 1 s of it; the times are printed (TAP
 * comments) for the record.  One simulator and line serve every call,
 * so a modem and driver that fall out of step show up in the next one.
 */
#define HT_DELAY 600            /* ms from the start of the state */

enum ht_state { HT_PLAY, HT_KEYS, HT_REC, HT_IDLE };
static const char *const ht_state_names[] = {
	[HT_PLAY] = "playing", [HT_KEYS] = "collecting keys",
	[HT_REC] = "recording", [HT_IDLE] = "idle between",
};

static enum line_status __attribute__((unused))
ht_op(enum ht_state s, int speak)
{
	static struct rec_buf rb;
	static uint8_t audio[40000];    /* 5 s */
	static uint8_t voice[24000];     /* 3 s, loud in every format */
	struct line_rec rec = { rec_sink, &rb, 10000, 0, 1 };
	char *cause = NULL, key = 0;
	enum line_status st = LINE_FAILED;
	size_t i;

	memset(audio, 0x7f, sizeof audio);
	rb.len = 0;
	if (s == HT_REC && speak) {
		/* the caller speaks: silence must not stand for the signal */
		for (i = 0; i < sizeof voice; i++)
			voice[i] = (i & 1) ? 0x20 : 0xe0;
		msim_feed(sim, voice, sizeof voice);
	}
	switch (s) {
	case HT_PLAY:
	case HT_IDLE:
		st = ln->ops->play(ln, audio, sizeof audio, 1, &key, &cause);
		break;
	case HT_KEYS:
		st = ln->ops->wait_digit(ln, 10000, &key, &cause);
		break;
	case HT_REC:
		st = ln->ops->record(ln, &rec, &key, &cause);
		break;
	}
	if (st == LINE_FAILED)
		tap_diag("  %s", cause);
	free(cause);
	if (s == HT_REC)
		ok(rb.len > 0 && rec_clean(&rb, 0),
		    "  the recording (%zu bytes) "
		    "holds no text of the modem", rb.len);
	return st;
}

/* Hang up as the line thread does: on failure, re-initialise. */
static enum line_status __attribute__((unused))
ht_hangup(void)
{
	char *cause = NULL;
	enum line_status st;

	if ((st = ln->ops->hangup(ln, &cause)) == LINE_FAILED) {
		tap_diag("  hangup failed: %s; re-initialising", cause);
		free(cause);
		cause = NULL;
		ln->ops->close(ln);
		if (ln->ops->open(ln, &cause) == -1) {
			tap_diag("  re-open failed: %s", cause);
			free(cause);
		}
	}
	return st;
}

static void __attribute__((unused))
test_hangup_table(enum msim_family fam)
{
	static const struct {
		enum msim_hangup how;
		int keeps_line;         /* MSIM_FAULT_NC_KEEPS_LINE */
		const char *name, *why;
		unsigned states;        /* bits of enum ht_state */
	} sig[] = {
		{ MSIM_HUP_BUSY, 0, "busy", "busy tone", 0xf },
		{ MSIM_HUP_DIALTONE, 0, "dial tone", "dial tone", 0xf },
		{ MSIM_HUP_LOOP, 0, "loop break", "loop current", 0xf },
		{ MSIM_HUP_NOCARRIER, 0, "NO CARRIER", "NO CARRIER", 0xf },
		{ MSIM_HUP_NOCARRIER, 1, "NO CARRIER (line kept)",
		  "NO CARRIER", 0xf },
		{ MSIM_HUP_SILENCE, 0, "silence", "silence", 1u << HT_REC },
	};
	const char *fname = msim_family_name(fam);
	enum msim_hangup how;
	enum line_status st;
	uint64_t t0, tsig, tgone, ton;
	struct msim_stats mst;
	size_t i;
	int s;

	if (setup(fam, 0, "auto") == -1)
		return;
	cl.silence_ms = 700;
	for (i = 0; i < nitems(sig); i++) {
		for (s = HT_PLAY; s <= HT_IDLE; s++) {
			if (!(sig[i].states & (1u << s)))
				continue;
			gone_why[0] = '\0';
			if (call_in(NULL) != LINE_OK) {
				ok(0, "%s %s %s: call answered", fname,
				    sig[i].name, ht_state_names[s]);
				ht_hangup();
				continue;
			}
			how = sig[i].how;
			msim_misbehave(sim, MSIM_FAULT_NC_KEEPS_LINE,
			    (unsigned)sig[i].keeps_line);
			/* the Conexant never reports silence: kefu times it */
			if (how == MSIM_HUP_SILENCE && fam == MSIM_CONEXANT)
				how = MSIM_HUP_SILENT;
			t0 = now_ms();
			msim_hangup(sim, how, HT_DELAY);
			tsig = t0 + HT_DELAY;
			/* silent from the start: gone once silence is long */
			if (how == MSIM_HUP_SILENT)
				tsig = t0 + (uint64_t)cl.silence_ms;
			/* the test: hung up idle, the signal in before the
			 * next operation starts (the simulator's record) */
			if (s == HT_IDLE)
				tap_wait((msim_stats(sim, &mst),
				    mst.hangup_us / 1000 >= t0),
				    HT_DELAY + 3000);
			st = ht_op((enum ht_state)s,
			    sig[i].how != MSIM_HUP_SILENCE);
			tgone = now_ms();
			is_str(line_status_name(st), "LINE_GONE",
			    "%s, %s while "
			    "%s: the caller is gone", fname, sig[i].name,
			    ht_state_names[s]);
			like(gone_why, sig[i].why, "%s, %s while %s: reason",
			    fname, sig[i].name, ht_state_names[s]);
			st = ht_hangup();
			ton = now_ms();
			ok(st == LINE_OK && msim_offhook(sim) == 0, "%s, %s "
			    "while %s: hung up (%s)", fname, sig[i].name,
			    ht_state_names[s], line_status_name(st));
			ok(tgone < tsig + 1000 && ton < tsig + 1000, "%s, %s "
			    "while %s: noticed after %lld ms, on hook after "
			    "%lld ms", fname, sig[i].name, ht_state_names[s],
			    (long long)(tgone - tsig), (long long)(ton - tsig));
		}
	}
	teardown();
}

/*
 * Silence while waiting for keys is a caller thinking, not a caller gone:
 * with [line] silence 700 ms, a 1500 ms key wait on a silent line ends
 * LINE_TIMEOUT (the flow then says its timeout prompt), whether the
 * modem reports it (+VSD: DLE s, or DLE q after some voice) or kefu
 * measures it (the Conexant ignores +VSD), and the call goes on: a key
 * pressed after it is read.
 */
static void __attribute__((unused))
test_wait_silence(void)
{
	static const struct {
		enum msim_family fam;
		int voice;
		const char *name;
	} c[] = {
		{ MSIM_V253, 0, "DLE s while waiting for keys" },
		{ MSIM_V253, 1, "DLE q while waiting for keys" },
		{ MSIM_CONEXANT, 0, "software silence while waiting for keys" },
	};
	uint8_t voice[800];
	char *cause = NULL, key = 0;
	enum line_status st;
	uint64_t t0, took;
	size_t i, j;

	for (j = 0; j < sizeof voice; j++)
		voice[j] = (j & 1) ? 0x10 : 0x70;       /* loud */
	for (i = 0; i < nitems(c); i++) {
		if (setup(c[i].fam, 0, "auto") == -1)
			return;
		cl.silence_ms = 700;
		if (call_in(NULL) != LINE_OK) {
			teardown();
			continue;
		}
		if (c[i].voice)
			msim_feed(sim, voice, sizeof voice);
		t0 = now_ms();
		key = 0;
		st = ln->ops->wait_digit(ln, 1500, &key, &cause);
		took = now_ms() - t0;
		is_str(line_status_name(st), "LINE_TIMEOUT",
		    "%s: the wait runs "
		    "to its own timeout %s", c[i].name, st == LINE_FAILED ?
		    cause : gone_why);
		ok(took >= 1400, "%s: not cut short by the line's silence "
		    "(%llu ms)", c[i].name, (unsigned long long)took);
		is_str(gone_why, "", "%s: no hang-up reported", c[i].name);
		is_int(msim_offhook(sim), 1, "%s: still off hook", c[i].name);
		msim_dtmf(sim, "5", 100);
		key = 0;
		st = ln->ops->wait_digit(ln, 3000, &key, &cause);
		ok(st == LINE_DIGIT && key == '5', "%s: the call goes on (%s "
		    "%c)", c[i].name, line_status_name(st), key ? key : '-');
		ln->ops->hangup(ln, &cause);
		free(cause);
		cause = NULL;
		teardown();
	}
}

static void __attribute__((unused))
test_max_call(void)
{
	char *cause = NULL, key;
	enum line_status st;

	if (setup(MSIM_V253, 0, "auto") == -1)
		return;
	cl.max_call_ms = 800;
	cl.silence_ms = 5000;
	if (call_in(NULL) == LINE_OK) {
		st = ln->ops->wait_digit(ln, 10000, &key, &cause);
		is_str(line_status_name(st), "LINE_GONE",
		    "max-call ends the call");
		is_str(gone_why, "maximum call length", "max-call: reason");
		ln->ops->hangup(ln, &cause);
	}
	teardown();
}

static void __attribute__((unused))
test_faults(void)
{
	char *cause = NULL, key;
	enum line_status st;

	if (setup(MSIM_CONEXANT, 1, "auto") == -1)
		return;
	/* a DTMF code heard while idle is not the caller's first key */
	msim_dle(sim, '5');
	sleep_ms(100);  /* the test: the key sits there while the line idles */
	msim_garbage(sim, 400, 0);
	msim_garbage(sim, 200, 1);
	is_int(call_in(NULL), LINE_OK,
	    "garbage while idle: call still answered");
	ok(ln->keys[0] == '\0', "a key heard before answering is dropped");
	msim_garbage(sim, 300, 0);
	st = ln->ops->wait_digit(ln, 500, &key, &cause);
	is_str(line_status_name(st), "LINE_TIMEOUT",
	    "line noise during a call is audio, not an event");
	/* DLE pairs split across writes: keys still read once each */
	msim_misbehave(sim, MSIM_FAULT_SPLIT_DLE, 20);
	msim_dtmf(sim, "42", 50);
	{
		char keys[4] = "";
		size_t n = 0;

		while (n < 2 && ln->ops->wait_digit(ln, 1000, &key, &cause) ==
		    LINE_DIGIT)
			keys[n++] = key;
		keys[n] = '\0';
		is_str(keys, "42", "DLE split across reads: keys intact");
	}
	msim_garbage(sim, 300, 1);
	st = ln->ops->wait_digit(ln, 500, &key, &cause);
	ok(st != LINE_FAILED, "a DLE flood during a call: events, no failure "
	    "(%s)", line_status_name(st));
	ln->ops->hangup(ln, &cause);

	/* a missing OK: timeout, then re-initialisation works */
	msim_misbehave(sim, MSIM_FAULT_DROP_OK, 1);
	msim_ring(sim, 4, 150, NULL);
	memset(&ln->call, 0, sizeof ln->call);
	st = ln->ops->wait_call(ln, &ln->call, &cause);
	if (st == LINE_OK)
		st = ln->ops->answer(ln, &cause);
	is_str(line_status_name(st), "LINE_FAILED", "missing OK: failure");
	like(cause, "no answer", "timeout reported: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	ln->ops->close(ln);
	msim_hangup(sim, MSIM_HUP_NOCARRIER, 0);
	msim_wait_hook(sim, 0, 1000);
	is_int(ln->ops->open(ln, &cause), 0, "re-initialised: %s",
	    cause ? cause : "ok");
	is_int(msim_offhook(sim), 0, "on hook after re-init");
	teardown();
}

/*
 * A Conexant modem ends AT+VRX with its OK in the stream (no DLE ETX);
 * a host that reads late gets that OK and the DLE of the next key in one
 * read, the key's code in the next.  Each key is still read once (one
 * DLE code per key here, so a lost code is a lost key).
 */
static void __attribute__((unused))
test_ok_with_dle(void)
{
	char *cause = NULL, key, keys[8] = "";
	size_t n = 0;

	setup_reps = -1;
	if (setup(MSIM_CONEXANT, 1, "auto") == -1)
		return;
	if (call_in(NULL) == LINE_OK) {
		msim_misbehave(sim, MSIM_FAULT_OK_WITH_DLE, 1);
		msim_dtmf(sim, "427", 50);
		while (n < 3 && ln->ops->wait_digit(ln, 1500, &key, &cause) ==
		    LINE_DIGIT)
			keys[n++] = key;
		keys[n] = '\0';
		is_str(keys, "427", "the OK ending VRX read with the next "
		    "key's DLE, its code read next: no key lost");
		ln->ops->hangup(ln, &cause);
	}
	free(cause);
	teardown();
}

static void __attribute__((unused))
test_usr_dialtone(void)
{
	uint8_t audio[3000];
	char *cause = NULL, key;

	if (setup(MSIM_USR, 1, "auto") == -1)
		return;
	if (call_in(NULL) == LINE_OK) {
		memset(audio, 0xff, sizeof audio);
		msim_misbehave(sim, MSIM_FAULT_SPURIOUS_D, 1);
		is_str(line_status_name(ln->ops->play(ln, audio, sizeof audio,
		    1, &key, &cause)), "LINE_OK",
		    "USR: spurious DLE d while playing is ignored");
		msim_misbehave(sim, MSIM_FAULT_SPURIOUS_D, 1);
		msim_dtmf(sim, "4", 300);
		key = 0;
		is_str(line_status_name(ln->ops->wait_digit(ln, 2000, &key,
		    &cause)), "LINE_DIGIT", "USR: spurious DLE d as the key "
		    "wait starts is ignored too");
		is_int(key, '4', "USR: and the key is read");
		ok(msim_wait_command(sim, "AT+VLS=1", 0, 10) >= 0,
		    "off hook with the \"T\" label of AT+VLS=?");
		ln->ops->hangup(ln, &cause);
	}
	teardown();
}

/*
 * The caller hangs up just as kefu asks to play: the modem's NO CARRIER
 * overtakes its answer to AT+VTX, and a modem that keeps the line then
 * answers CONNECT anyway.  kefu must take the call for gone, leave the
 * data state that CONNECT opened and be on hook within 1 s -- not send
 * ATH0 into the audio, wait for it and re-initialise (4.2 s).
 */
static void __attribute__((unused))
test_late_connect(void)
{
	static uint8_t audio[16000];
	char *cause = NULL, key;
	enum line_status st;
	uint64_t tsig;

	if (setup(MSIM_CONEXANT, 0, "auto") == -1)
		return;
	/* kefud's command timeout: a wrong wait shows in full */
	ln->ops->close(ln);
	ln->cmd_timeout_ms = 3000;
	if (ln->ops->open(ln, &cause) == -1 || call_in(NULL) != LINE_OK)
		goto out;
	memset(audio, 0x80, sizeof audio);
	msim_misbehave(sim, MSIM_FAULT_NC_KEEPS_LINE, 1);
	msim_misbehave(sim, MSIM_FAULT_SLOW_CMD, 300);
	msim_hangup(sim, MSIM_HUP_NOCARRIER, 100);
	tsig = now_ms() + 100;
	st = ln->ops->play(ln, audio, sizeof audio, 1, &key, &cause);
	is_str(line_status_name(st), "LINE_GONE", "NO CARRIER before the "
	    "answer to AT+VTX: the caller is gone");
	st = ht_hangup();
	ok(st == LINE_OK && msim_offhook(sim) == 0, "and the late CONNECT "
	    "does not stop the hang-up (%s)", line_status_name(st));
	ok(now_ms() < tsig + 1000, "on hook %lld ms after NO CARRIER",
	    (long long)(now_ms() - tsig));
	is_int(msim_state(sim), MSIM_COMMAND, "the modem in command mode");
	ok(msim_wait_command(sim, "ATH0", 0, 10) < 0, "no ATH0 needed");
	is_int(call_in(NULL), LINE_OK, "the next call is answered");
out:
	free(cause);
	ln->ops->hangup(ln, &cause);
	teardown();
}

/* Software flow control: XON/XOFF bytes in the audio survive both ways. */
static void __attribute__((unused))
test_xonxoff(void)
{
	static struct rec_buf rb;
	struct line_rec rec = { rec_sink, &rb, 300, 0, 0 };
	uint8_t audio[2000], *got = NULL;
	size_t i, len = 0;
	enum msim_vtx_end end;
	char *cause = NULL, key;

	if (setup(MSIM_CONEXANT, 1, "auto") == -1)
		return;
	ln->ops->close(ln);
	free(cl.flow_control);
	cl.flow_control = xstrdup("xonxoff");
	if (ln->ops->open(ln, &cause) == -1 || call_in(NULL) != LINE_OK) {
		ok(0, "xonxoff line: %s", cause);
		teardown();
		return;
	}
	ok(msim_wait_command(sim, "AT+IFC=1,1", 0, 10) >= 0,
	    "xonxoff: AT+IFC=1,1");
	for (i = 0; i < sizeof audio; i++)
		audio[i] = (i % 3) ? 0x11 : 0x13;
	is_int(ln->ops->play(ln, audio, sizeof audio, 0, &key, &cause),
	    LINE_OK, "xonxoff: play");
	msim_vtx_audio(sim, 0, &got, &len, &end);
	ok(len == sizeof audio && memcmp(got, audio, len) == 0,
	    "xonxoff: XON/XOFF bytes played unchanged");
	free(got);
	msim_feed(sim, audio, sizeof audio);
	rb.len = 0;
	ln->ops->record(ln, &rec, &key, &cause);
	ok(rb.len >= sizeof audio && memcmp(rb.buf, audio, sizeof audio) == 0,
	    "xonxoff: XON/XOFF bytes recorded unchanged (%zu)", rb.len);
	ln->ops->hangup(ln, &cause);
	teardown();
}

/* kefud died while playing: the next open must bring the modem back. */
static void __attribute__((unused))
test_stuck(void)
{
	struct port_conf pc = { 115200, PORT_FLOW_RTSCTS };
	struct port *p;
	char *cause = NULL;

	if (setup(MSIM_CONEXANT, 1, "auto") == -1)
		return;
	if (call_in(NULL) != LINE_OK)
		goto out;
	ln->ops->close(ln);
	if (port_open(msim_path(sim), &pc, &p, &cause) == -1) {
		ok(0, "second open: %s", cause);
		goto out;
	}
	port_puts(p, "AT+VTX\r", 1000, &cause);
	port_close(p);
	is_int(msim_wait_state(sim, MSIM_VTX, 1000), 0,
	    "modem left in AT+VTX by a dead process");
	is_int(ln->ops->open(ln, &cause), 0, "open wakes it: %s",
	    cause ? cause : "ok");
	is_int(msim_state(sim), MSIM_COMMAND, "command mode again");
	is_int(msim_offhook(sim), 0, "on hook (ATZ)");
out:
	free(cause);
	teardown();
}

static atomic_uint calls_seen;    /* by the line thread */

static void __attribute__((unused))
count_call(struct line *l, struct line_call *call, void *arg)
{
	char key;
	char *cause = NULL;

	calls_seen++;
	l->ops->wait_digit(l, 100, &key, &cause);
	free(cause);
}

static int __attribute__((unused))
wait_state(enum line_state st, int ms)
{
	return tap_wait(line_state(ln) == st, ms) ? 0 : -1;
}

static void __attribute__((unused))
test_thread(void)
{
	struct msim_opts o = { .family = MSIM_USR, .fast = 1 };
	char link[64], *cause = NULL;

	snprintf(link, sizeof link, "/tmp/kefu-line-modem-%d", (int)getpid());
	o.link = link;
	if (msim_start(&o, &sim, &cause) == -1) {
		ok(0, "msim_start: %s", cause);
		return;
	}
	conf_init("auto");
	line_new(&cl, &ln, &cause);
	ln->retry_ms = 100;
	ln->retry_max_ms = 400;
	is_int(line_start(ln, count_call, NULL, &cause), 0, "line thread");
	is_int(wait_state(LINE_IDLE, 5000), 0, "thread: idle");
	msim_ring(sim, 4, 150, NULL);
	tap_wait(calls_seen == 1, 5000);
	is_int(wait_state(LINE_IDLE, 5000), 0, "call handled, idle again");
	is_int(calls_seen, 1, "the call reached the interpreter");
	is_int(msim_offhook(sim), 0, "and was hung up");

	/* a modem flooding garbage while idle is re-initialised */
	msim_garbage(sim, 30000, 0);
	tap_wait(ln->failures >= 1, 5000);
	is_int(ln->failures, 1, "garbage flood: the modem was re-initialised");
	is_int(wait_state(LINE_IDLE, 5000), 0, "and the line is idle again");

	msim_vanish(sim);
	is_int(wait_state(LINE_DOWN, 5000), 0, "device vanished: line down");
	sleep_ms(500);  /* the test: away long enough for reopens to fail */
	is_int(msim_reappear(sim, &cause), 0, "device back");
	is_int(wait_state(LINE_IDLE, 5000), 0, "reopened, idle again");
	is_int(ln->failures, 2, "failure counted");
	msim_ring(sim, 4, 150, NULL);
	tap_wait(calls_seen == 2, 5000);
	wait_state(LINE_IDLE, 5000);
	is_int(calls_seen, 2, "calls work after the reopen");
	line_stop(ln);
	is_int(line_state(ln), LINE_STOPPED, "stopped");
	teardown();
}

int
main(void)
{
	log_open("line-modem", "-", getenv("KEFU_TEST_DEBUG") ? KLOG_DEBUG :
	    KLOG_ERROR, NULL);
	uint64_t t0 = now_ms();

#define T(x) do { x; tap_diag("%s: %llu ms", #x, \
	    (unsigned long long)(now_ms() - t0)); t0 = now_ms(); } while (0)
#if LINE_MODEM_PART == 1
	T(test_probe());
	T(test_call());
	T(test_barge_in());
	T(test_play_src());
	T(test_record(MSIM_CONEXANT, "conexant"));
	T(test_record(MSIM_USR, "usr"));
	T(test_record(MSIM_V253, "v253"));
#elif LINE_MODEM_PART == 2
	T(test_hangups(0, 7));
	T(test_stuck());
#elif LINE_MODEM_PART == 4
	T(test_hangups(7, 100));
	T(test_max_call());
	T(test_wait_silence());
#elif LINE_MODEM_PART == 5
	T(test_hangup_table(MSIM_CONEXANT));
#elif LINE_MODEM_PART == 6
	T(test_hangup_table(MSIM_USR));
#else
	T(test_faults());
	T(test_ok_with_dle());
	T(test_usr_dialtone());
	T(test_late_connect());
	T(test_xonxoff());
	T(test_thread());
#endif
	return tap_done();
}
