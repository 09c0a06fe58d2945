/*
 * line.c: the table-driven parts of the modem driver that need no
 * device -- AT+VSM=? lines and the format choice, family detection from
 * ATI / ATI3 / +FMI replies, software silence, and the line's state
 * names, logged setter and typed-ahead keys.
 */
#include "config.h"

#include <string.h>

#include "line/line-int.h"
#include "../tap.h"

static void
test_vsm_parse(void)
{
	static const struct {
		const char *line;
		int ok, cml, bits, usable;
		enum audio_enc enc;
		size_t nrates;
		unsigned rate0;
		const char *name;
	} c[] = {
		{ "1,\"UNSIGNED PCM\",8,0,(7200,8000),(0),(0)", 0, 1, 8, 1,
		  AUDIO_U8, 2, 7200, "UNSIGNED PCM" },
		{ "128,\"8-BIT LINEAR\",8,0,(7200,8000),(0),(0)", 0, 128, 8, 1,
		  AUDIO_U8, 2, 7200, "8-BIT LINEAR" },
		{ "129,\"ADPCM\",4,0,(7200,8000),(0),(0)", 0, 129, 4, 0,
		  AUDIO_U8, 2, 7200, "ADPCM" },
		{ "131,\"ULAW\",8,0,(7200,8000),(0),(0)", 0, 131, 8, 1,
		  AUDIO_ULAW, 2, 7200, "ULAW" },
		{ "132,\"ALAW\",8,0,(7200,8000),(0),(0)", 0, 132, 8, 1,
		  AUDIO_ALAW, 2, 7200, "ALAW" },
		{ "133,\"LINEAR\",16,0,(7200,8000),(0),(0)", 0, 133, 16, 1,
		  AUDIO_S16LE, 2, 7200, "LINEAR" },
		{ "+VSM: 1,\"UNSIGNED PCM\",8,0,8000,0,0", 0, 1, 8, 1,
		  AUDIO_U8, 1, 8000, "UNSIGNED PCM" },
		{ "0,\"SIGNED PCM\",8,0,(8000),(0),(0)", 0, 0, 8, 0,
		  AUDIO_U8, 1, 8000, "SIGNED PCM" },
		{ "129,\"16-BIT LINEAR\",16,0,(7200-11025),(0),(0)", 0, 129, 16,
		  1, AUDIO_S16LE, 2, 7200, "16-BIT LINEAR" },
		{ "140,\"2 Bit ADPCM\",2,0,(8000),(0),(0)", 0, 140, 2, 0,
		  AUDIO_U8, 1, 8000, "2 Bit ADPCM" },
		{ "4,\"G.711U\",8,0,(8000),(0),(0)", 0, 4, 8, 0, AUDIO_U8, 1,
		  8000, "G.711U" },
		{ "OK", -1, 0, 0, 0, AUDIO_U8, 0, 0, "" },
		{ "", -1, 0, 0, 0, AUDIO_U8, 0, 0, "" },
		{ "1,UNSIGNED PCM,8,0,(8000),(0),(0)", -1, 0, 0, 0, AUDIO_U8, 0,
		  0, "" },
		{ "1,\"X\",8,0,(),(0),(0)", -1, 0, 0, 0, AUDIO_U8, 0, 0, "" },
		{ "999,\"X\",8,0,(8000),(0),(0)", -1, 0, 0, 0, AUDIO_U8, 0, 0,
		    "" },
		{ "1,\"X\",8,0", -1, 0, 0, 0, AUDIO_U8, 0, 0, "" },
		{ "1,\"ULAW,(\",8,0,(8000),(0),(0)", 0, 1, 8, 1, AUDIO_ULAW, 1,
		  8000, "ULAW,(" },
		{ "1,\"X\",8,0,(8000-7200),(0),(0)", -1, 0, 0, 0, AUDIO_U8, 0,
		    0,
		  "" },
	};
	struct vsm_fmt f;
	size_t i;
	int r;

	for (i = 0; i < nitems(c); i++) {
		r = vsm_parse(c[i].line, &f);
		is_int(r, c[i].ok, "vsm_parse '%s'", c[i].line);
		if (r != 0 || c[i].ok != 0)
			continue;
		ok(f.cml == c[i].cml && f.bits == c[i].bits &&
		    f.usable == c[i].usable && (!f.usable ||
		    f.enc == c[i].enc) && f.nrates == c[i].nrates &&
		    f.rates[0] == c[i].rate0 && strcmp(f.name, c[i].name) == 0,
		    "  fields: cml %d bits %d usable %d enc %d rates %zu/%u "
		    "name '%s'", f.cml, f.bits, f.usable, f.enc, f.nrates,
		    f.rates[0], f.name);
	}
}

static size_t
parse_list(const char *const *lines, struct vsm_fmt *out)
{
	size_t n = 0;

	for (; *lines != NULL; lines++)
		if (vsm_parse(*lines, &out[n]) == 0)
			n++;
	return n;
}

static void
test_vsm_choose(void)
{
	static const char *const usr[] = {
		"1,\"UNSIGNED PCM\",8,0,(7200,8000),(0),(0)",
		"128,\"8-BIT LINEAR\",8,0,(7200,8000),(0),(0)",
		"129,\"ADPCM\",4,0,(7200,8000),(0),(0)",
		"130,\"UNSIGNED PCM\",8,0,(7200,8000),(0),(0)",
		"131,\"ULAW\",8,0,(7200,8000),(0),(0)",
		"132,\"ALAW\",8,0,(7200,8000),(0),(0)",
		"133,\"LINEAR\",16,0,(7200,8000),(0),(0)",
		NULL };
	static const char *const cx[] = {
		"1,\"UNSIGNED PCM\",8,0,(8000),(0),(0)",
		"129,\"IMA ADPCM\",4,0,(8000),(0),(0)",
		"130,\"UNSIGNED PCM\",8,0,(8000),(0),(0)",
		"140,\"2 Bit ADPCM\",2,0,(8000),(0),(0)",
		"141,\"4 Bit ADPCM\",4,0,(8000),(0),(0)",
		NULL };
	static const char *const lucent[] = {
		"128,\"8-BIT LINEAR\",8,0,(7200,8000,11025),(0),(0)",
		"129,\"16-BIT LINEAR\",16,0,(7200,8000,11025),(0),(0)",
		"130,\"ALAW\",8,0,(8000),(0),(0)",
		"131,\"ULAW\",8,0,(8000),(0),(0)",
		"132,\"IMA ADPCM\",4,0,(7200,8000,11025),(0),(0)",
		NULL };
	static const char *const elsa[] = {
		"1,\"UNSIGNED PCM\",8,0,(7200),(0),(0)",
		"2,\"ADPCM\",4,0,(7200,8000),(0),(0)",
		NULL };
	static const char *const none[] = {
		"129,\"ADPCM\",4,0,(7200,8000),(0),(0)",
		NULL };
	struct vsm_fmt l[16];
	struct audio_fmt f;
	size_t n;
	int cml;

	n = parse_list(usr, l);
	is_int(n, 7, "USR list parsed");
	is_int(vsm_choose(l, n, 115200, &f, &cml), 0, "USR at 115200");
	ok(f.enc == AUDIO_ULAW && f.rate == 8000 && cml == 131,
	    "  u-law 8000 (131), not 16-bit: enc %d rate %u cml %d", f.enc,
	    f.rate, cml);
	vsm_choose(l, n, 0, &f, &cml);
	ok(f.enc == AUDIO_S16LE && cml == 133,
	    "USR over USB (no speed limit): 16-bit linear (133)");
	vsm_choose(l, n, 230400, &f, &cml);
	ok(f.enc == AUDIO_S16LE, "USR at 230400: 16-bit linear");
	n = parse_list(cx, l);
	vsm_choose(l, n, 115200, &f, &cml);
	ok(f.enc == AUDIO_U8 && f.rate == 8000 && cml == 1,
	    "Conexant: unsigned PCM 8000 (1)");
	n = parse_list(lucent, l);
	vsm_choose(l, n, 115200, &f, &cml);
	ok(f.enc == AUDIO_ULAW && cml == 131,
	    "Lucent: by name, u-law is 131 there (not A-law)");
	n = parse_list(elsa, l);
	vsm_choose(l, n, 115200, &f, &cml);
	ok(f.enc == AUDIO_U8 && f.rate == 7200 && cml == 1,
	    "7200 only: unsigned PCM at 7200");
	n = parse_list(none, l);
	is_int(vsm_choose(l, n, 115200, &f, &cml), -1, "ADPCM only: nothing");
	is_int(vsm_choose(l, 0, 115200, &f, &cml), -1, "empty list: nothing");
}

static void
test_family(void)
{
	static const struct {
		const char *ati, *ati3, *fmi, *family;
	} c[] = {
		{ "5601\n", "U.S. Robotics 56K FAX USB V1.2.23\n", "", "usr" },
		{ "", "USRobotics 56K\n", "", "usr" },
		{ "56000\n", "CX93001-EIS_V0.2002-V92\n", "", "conexant" },
		{ "", "", "Conexant\n", "conexant" },
		{ "", "Zoom 3095\n", "", "conexant" },
		{ "", "", "", "v253" },
		{ "LT V.92 1.0 MT5634ZBA\n", "", "Agere\n", "v253" },
		{ "\x01\x02", "garbage", "ERROR", "v253" },
	};
	const char *why;
	size_t i;

	for (i = 0; i < nitems(c); i++)
		is_str(family_detect(c[i].ati, c[i].ati3, c[i].fmi, &why)->name,
		    c[i].family, "detect case %zu (%s)", i, why);
	ok(family_find("usr") != NULL && family_find("conexant") != NULL &&
	    family_find("v253") != NULL, "every conf family exists");
	ok(family_find("auto") == NULL && family_find("zyxel") == NULL,
	    "unknown families are NULL");
	is_str(family_find("conexant")->vsm_set, "AT+VSM=%d,%u,0,0",
	    "Conexant sets the format with four arguments");
	ok(family_find("conexant")->soft_silence, "Conexant: software silence");
	ok(family_find("usr")->spurious_dialtone_ms > 0 &&
	    family_find("usr")->spurious_dialtone_ms < 1000,
	    "USR: a DLE d as a data state starts is spurious, not for long");
	is_int(family_find("conexant")->spurious_dialtone_ms, 0,
	    "Conexant: every DLE d counts");
}

static void
test_vls(void)
{
	static const struct {
		const char *text;
		int label;
	} c[] = {
		{ "0,\"\",00000000,00000000,00000000\n"
		  "1,\"T\",0B8433C1,0FE431C1,0B8431C1\n"
		  "2,\"L\",00000000,00000000,00000000\n", 1 },
		{ "0,\"\",0,0,0\n2,\"T\",0,0,0\n", 2 },
		{ "+VLS: 0,\"\",0,0,0\n+VLS: 5,\"T\",0,0,0\n", 5 },
		{ "3,\"LT\",0,0,0\n4,\"ST\",0,0,0\n", 1 },
		{ "", 1 },
		{ "garbage\n\"T\"\n", 1 },
		{ "999,\"T\",0,0,0\n", 1 },
		{ "7,\"T", 1 },
	};
	size_t i;

	for (i = 0; i < nitems(c); i++)
		is_int(vls_pick(c[i].text), c[i].label, "vls_pick case %zu", i);
}

static void
test_quiet(void)
{
	uint8_t b[8];

	memset(b, 0x80, sizeof b);
	ok(vsm_quiet(AUDIO_U8, b, 8), "U8 0x80 is quiet");
	b[3] = 0x82;
	ok(vsm_quiet(AUDIO_U8, b, 8), "U8 0x82 is still quiet");
	b[3] = 0xa0;
	ok(!vsm_quiet(AUDIO_U8, b, 8), "U8 0xa0 is voice");
	memset(b, 0xff, sizeof b);
	ok(vsm_quiet(AUDIO_ULAW, b, 8), "u-law 0xff is quiet");
	b[0] = 0x00;
	ok(!vsm_quiet(AUDIO_ULAW, b, 8), "u-law 0x00 is loud");
	memset(b, 0xd5, sizeof b);
	ok(vsm_quiet(AUDIO_ALAW, b, 8), "A-law 0xd5 is quiet");
	b[0] = 0xaa;
	ok(!vsm_quiet(AUDIO_ALAW, b, 8), "A-law 0xaa is loud");
	memset(b, 0, sizeof b);
	b[1] = 0x01;            /* 256 */
	ok(vsm_quiet(AUDIO_S16LE, b, 8), "S16 256 is quiet");
	b[3] = 0x40;            /* 16384 */
	ok(!vsm_quiet(AUDIO_S16LE, b, 8), "S16 16384 is loud");
	b[3] = 0xc0;            /* -16384 */
	ok(!vsm_quiet(AUDIO_S16LE, b, 8), "S16 -16384 is loud");
}

static void
test_state(void)
{
	char name[] = "2", modem[] = "modem", sip[] = "sip";
	struct conf_line cl = { .name = name, .type = modem };
	struct strbuf log = STRBUF_INIT;
	struct line *ln;
	char *cause = NULL;
	int i;

	for (i = 0; i < LINE_NSTATES; i++)
		ok(strcmp(line_state_name(i), "?") != 0,
		    "state %d has a name", i);
	is_str(line_state_name(LINE_NSTATES), "?", "out of range");
	is_str(line_status_name(LINE_GONE), "LINE_GONE", "status name");
	is_int(line_new(&cl, &ln, &cause), 0, "line_new");
	log_set_level(KLOG_DEBUG);
	log_capture(&log);
	line_set_state(ln, LINE_PLAYING);
	line_set_state(ln, LINE_COLLECTING);
	line_set_state(ln, LINE_COLLECTING);
	log_capture(NULL);
	like(sb_str(&log), "line 2: playing -> collecting", "setter logs");
	ok(strstr(sb_str(&log), "collecting -> collecting") == NULL,
	    "no log when unchanged");
	is_int(line_state(ln), LINE_COLLECTING, "state read back");
	is_int(line_key_pop(ln), 0, "no key queued");
	line_key_push(ln, '1');
	line_key_push(ln, '#');
	is_int(line_key_pop(ln), '1', "keys in order");
	is_int(line_key_pop(ln), '#', "second key");
	for (i = 0; i < 100; i++)
		line_key_push(ln, '5');
	is_int(strlen(ln->keys), sizeof ln->keys - 1, "queue is bounded");
	line_free(ln);
	cl.type = sip;
	is_int(line_new(&cl, &ln, &cause), -1, "unknown type refused");
	like(cause, "type 'sip'", "message names the type");
	free(cause);
	sb_free(&log);
}

/*
 * A third driver, as a SIP line will be: line.c alone moves the state
 * around its operations, whatever the driver, which only does its job.
 */
static enum line_state fake_seen;
static enum line_status fake_give;

static enum line_status
fake_play(struct line *ln, const void *audio, size_t len, int barge_in,
    char *key, char **cause)
{
	fake_seen = line_state(ln);
	return fake_give;
}

static enum line_status
fake_wait_digit(struct line *ln, int timeout_ms, char *key, char **cause)
{
	fake_seen = line_state(ln);
	*key = '5';
	return fake_give;
}

static enum line_status
fake_record(struct line *ln, const struct line_rec *rec, char *key,
    char **cause)
{
	fake_seen = line_state(ln);
	return fake_give;
}

static enum line_status
fake_beep(struct line *ln, unsigned freq_hz, unsigned ms, char **cause)
{
	fake_seen = line_state(ln);
	return fake_give;
}

static ssize_t
fake_read(void *arg, void *buf, size_t max, int wait_ms)
{
	int *left = arg;

	if ((*left)-- <= 0)
		return 0;
	memset(buf, 0, max < 80 ? max : 80);
	return max < 80 ? (ssize_t)max : 80;
}

static void
test_ops_states(void)
{
	static const struct line_ops fake_ops = {
		.name = "fake", .kind = "test line", .recovery = "trying again",
		.play = fake_play, .wait_digit = fake_wait_digit,
		.record = fake_record, .beep = fake_beep,
	};
	char name[] = "3", modem[] = "modem";
	struct conf_line cl = { .name = name, .type = modem };
	struct line_event ev = { .type = LINE_EV_RING, .rings = 1 };
	const struct line_ops *real;
	struct line_rec rec = { 0 };
	struct line_src src;
	struct line *ln;
	char key = 0, *cause = NULL;
	int left = 2;

	if (line_new(&cl, &ln, &cause) == -1) {
		ok(0, "line_new: %s", cause);
		free(cause);
		return;
	}
	real = ln->ops;
	ln->ops = &fake_ops;
	line_set_state(ln, LINE_IDLE);
	line_event(ln, &ev);
	is_str(line_state_name(line_state(ln)), "ringing",
	    "a RING event makes the line ringing");
	line_set_state(ln, LINE_CONNECTED);
	fake_give = LINE_OK;
	line_play(ln, "", 0, 1, &key, &cause);
	is_str(line_state_name(fake_seen), "playing", "play: playing");
	is_str(line_state_name(line_state(ln)), "connected",
	    "connected after play");
	src.read = fake_read;
	src.arg = &left;
	line_play_src(ln, &src, 1, &key, &cause);
	is_str(line_state_name(fake_seen), "playing",
	    "a source on a driver without play_src: playing");
	fake_give = LINE_DIGIT;
	is_int(line_wait_digit(ln, 100, &key, &cause), LINE_DIGIT,
	    "wait_digit: the driver's status");
	is_int(key, '5', "and its key");
	is_str(line_state_name(fake_seen), "collecting",
	    "wait_digit: collecting");
	is_str(line_state_name(line_state(ln)), "connected",
	    "connected after a key");
	fake_give = LINE_TIMEOUT;
	line_record(ln, &rec, &key, &cause);
	is_str(line_state_name(fake_seen), "recording", "record: recording");
	fake_give = LINE_OK;
	line_beep(ln, 1000, 300, &cause);
	is_str(line_state_name(fake_seen), "beeping", "beep: beeping");
	is_str(line_state_name(line_state(ln)), "connected",
	    "connected after the beep");
	fake_give = LINE_GONE;
	line_wait_digit(ln, 100, &key, &cause);
	is_str(line_state_name(line_state(ln)), "collecting",
	    "the caller gone: not connected again (the thread hangs up)");
	is_str(ln->ops->kind, "test line", "a driver says what it is");
	ln->ops = real;
	line_free(ln);
}

int
main(void)
{
	test_vsm_parse();
	test_vsm_choose();
	test_family();
	test_vls();
	test_quiet();
	test_state();
	test_ops_states();
	return tap_done();
}
