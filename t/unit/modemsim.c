/*
 * t/unit/modemsim.c: self-test of the simulated V.253 modem (t/sim).  It
 * plays the host with plain read/write on the slave pty and checks the
 * exact bytes of results, caller ID, DLE events and shielded audio.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "util/util.h"
#include "../sim/modemsim.h"
#include "../tap.h"

struct host {
	struct msim *sim;
	int fd;
	char buf[65536];
	size_t len;
};

static int
host_open(struct host *h, const struct msim_opts *o)
{
	char *cause = NULL;

	memset(h, 0, sizeof *h);
	h->fd = -1;
	if (msim_start(o, &h->sim, &cause) == -1) {
		tap_diag("msim_start: %s", cause);
		free(cause);
		return -1;
	}
	h->fd = open(msim_path(h->sim), O_RDWR | O_NOCTTY);
	return h->fd >= 0 ? 0 : -1;
}

static void
host_close(struct host *h)
{
	if (h->fd >= 0)
		close(h->fd);
	msim_stop(h->sim);
}

static void
put(struct host *h, const void *p, size_t n)
{
	ssize_t w;
	const char *c = p;

	while (n > 0) {
		w = write(h->fd, c, n);
		if (w <= 0)
			return;
		c += w;
		n -= (size_t)w;
	}
}

static void
puts_(struct host *h, const char *s)
{
	put(h, s, strlen(s));
}

/* Read for up to ms; stop early once buf holds <until> (NULL: no stop). */
static size_t
get(struct host *h, const void *until, size_t ulen, unsigned ms)
{
	struct pollfd p = { h->fd, POLLIN, 0 };
	uint64_t end = now_ms() + ms, now;
	ssize_t r;

	h->len = 0;
	while ((now = now_ms()) < end && h->len < sizeof h->buf - 1) {
		if (poll(&p, 1, (int)(end - now)) <= 0)
			break;
		r = read(h->fd, h->buf + h->len, sizeof h->buf - 1 - h->len);
		if (r <= 0)
			break;
		h->len += (size_t)r;
		h->buf[h->len] = '\0';
		if (until != NULL && ulen > 0 &&
		    memmem(h->buf, h->len, until, ulen) != NULL)
			break;
	}
	h->buf[h->len] = '\0';
	return h->len;
}

/* Send a command line, return everything up to the final result. */
static const char *
at(struct host *h, const char *cmd)
{
	struct pollfd p = { h->fd, POLLIN, 0 };
	uint64_t end;
	ssize_t r;
	static const char *finals[] = { "\r\nOK\r\n", "ERROR\r\n",
	    "CONNECT\r\n", "VCON\r\n", "NO CARRIER\r\n" };
	size_t i;

	puts_(h, cmd);
	puts_(h, "\r");
	h->len = 0;
	h->buf[0] = '\0';
	end = now_ms() + 3000;
	while (now_ms() < end) {
		if (poll(&p, 1, 100) <= 0)
			continue;
		r = read(h->fd, h->buf + h->len, sizeof h->buf - 1 - h->len);
		if (r <= 0)
			break;
		h->len += (size_t)r;
		h->buf[h->len] = '\0';
		for (i = 0; i < nitems(finals); i++)
			if (strstr(h->buf, finals[i]) != NULL)
				return h->buf;
	}
	return h->buf;
}

static int
has(struct host *h, const char *bytes, size_t n)
{
	return memmem(h->buf, h->len, bytes, n) != NULL;
}

static size_t
count(struct host *h, const char *bytes, size_t n)
{
	size_t c = 0;
	const char *p = h->buf, *q;

	while ((q = memmem(p, h->len - (size_t)(p - h->buf), bytes, n))
	    != NULL) {
		c++;
		p = q + n;
	}
	return c;
}

/* Commands, results, echo, families. */
static void
test_commands(void)
{
	struct msim_opts o = { .family = MSIM_CONEXANT, .fast = 1 };
	struct host h;
	char *tr;
	int cml;
	unsigned rate;

	if (host_open(&h, &o) == -1) {
		ok(0, "conexant: open");
		return;
	}
	is_str(at(&h, "AT"), "AT\r\r\nOK\r\n", "echo on after power-up");
	is_str(at(&h, "ATE0"), "ATE0\r\r\nOK\r\n", "ATE0 still echoed");
	is_str(at(&h, "AT"), "\r\nOK\r\n", "no echo after ATE0");
	is_str(at(&h, "ATI"), "\r\n56000\r\n\r\nOK\r\n", "conexant ATI");
	like(at(&h, "ATI3"), "CX93001", "conexant ATI3 firmware");
	like(at(&h, "AT+FMI"), "CONEXANT", "conexant +FMI");
	is_str(at(&h, "ATI9"), "\r\nERROR\r\n", "ATI9 ERROR");
	is_str(at(&h, "AT+VSM=?"), "\r\nERROR\r\n",
	    "+VSM refused outside voice mode");
	is_str(at(&h, "AT+FCLASS=8"), "\r\nOK\r\n", "+FCLASS=8");
	like(at(&h, "AT+VSM=?"),
	    "\r\n1,\"UNSIGNED PCM\",8,0,(8000),(0),(0)\r\n",
	    "conexant +VSM=? lists unsigned PCM");
	ok(strstr(h.buf, "\"ULAW\"") == NULL, "conexant offers no mu-law");
	is_str(at(&h, "AT+VSM=128,8000"), "\r\nERROR\r\n",
	    "conexant refuses 128");
	is_str(at(&h, "AT+VSM=1,8000,0,0"), "\r\nOK\r\n", "+VSM=1,8000,0,0");
	is_str(at(&h, "at+vsm?"), "\r\n1,8000,0,0\r\n\r\nOK\r\n",
	    "lower case +VSM?");
	msim_vsm(h.sim, &cml, &rate);
	ok(cml == 1 && rate == 8000, "msim_vsm reports 1,8000");
	is_str(at(&h, "AT+VSD=128,50;+VGT=128;+VGR=0"), "\r\nOK\r\n",
	    "commands joined with ;");
	is_str(at(&h, "AT+VSD?"), "\r\n128,0\r\n\r\nOK\r\n",
	    "conexant forgets +VSD (quirk)");
	like(at(&h, "AT+VLS=?"), "1,\"T\",0B8433C1,0FE431C1,0B8431C1",
	    "+VLS=? labels with bitmaps");
	is_str(at(&h, "AT+FOO=1"), "\r\nERROR\r\n", "unknown extended");
	is_str(at(&h, "ATY"), "\r\nERROR\r\n", "unknown basic");
	is_str(at(&h, "AT+VTX"), "\r\nERROR\r\n", "+VTX on-hook is ERROR");
	is_str(at(&h, "AT+IFC=2,2"), "\r\nOK\r\n", "+IFC=2,2");
	is_str(at(&h, "AT+VTS=[900,900,120]"), "\r\nOK\r\n", "+VTS beep");
	puts_(&h, "AT\r\nAT\r\n");
	get(&h, NULL, 0, 300);
	is_int(count(&h, "\r\nOK\r\n", 6), 2, "CR LF line ends: two OKs");
	puts_(&h, "\x01\x02garbageAT\r");
	get(&h, "OK\r\n", 4, 1000);
	is_str(h.buf, "\r\nOK\r\n", "noise before AT is skipped");
	memset(h.buf, 'A', 300);
	h.buf[300] = '\0';
	puts_(&h, h.buf);
	is_str(at(&h, ""), "\r\nERROR\r\n", "overlong line is ERROR");
	puts_(&h, "ATV0\r");
	get(&h, "\r", 1, 1000);
	is_str(h.buf, "0\r", "ATV0 numeric OK");
	puts_(&h, "ATQ9\r");
	get(&h, "\r", 1, 1000);
	is_str(h.buf, "4\r", "numeric ERROR");
	is_str(at(&h, "ATE1V1&W"), "\r\nOK\r\n", "no echo of the line with E0");
	is_str(at(&h, "ATE0Z"), "ATE0Z\r\r\nOK\r\n", "ATZ restores echo");
	ok(msim_fclass(h.sim) == 0, "ATZ leaves voice mode");
	is_int(msim_wait_command(h.sim, "AT+VSD=*", 0, 10), 13,
	    "transcript prefix match and index");
	is_int(msim_wait_command(h.sim, "at+vsm=1,8000,0,0", 0, 10), 11,
	    "transcript case-insensitive");
	is_int(msim_wait_command(h.sim, "AT+VLS=1", 0, 50), -1,
	    "wait_command times out");
	tr = msim_transcript(h.sim);
	like(tr, "AT\nATE0\nAT\nATI\n", "transcript in order");
	free(tr);
	host_close(&h);
}

static void
test_usr(void)
{
	struct msim_opts o = { .family = MSIM_USR, .fast = 1 };
	struct host h;
	struct msim_cid cid = { "0321", "1405", "5551234", "WIRELESS CALLER" };

	if (host_open(&h, &o) == -1) {
		ok(0, "usr: open");
		return;
	}
	at(&h, "ATE0");
	is_str(at(&h, "ATI"), "\r\n5601\r\n\r\nOK\r\n", "usr ATI 5601");
	like(at(&h, "ATI3"), "U.S. Robotics 56K FAX USB V1.2.23", "usr ATI3");
	at(&h, "AT+FCLASS=8");
	like(at(&h, "AT+VSM=?"), "128,\"8-BIT LINEAR\",8,0,(7200,8000)",
	    "usr lists 8-BIT LINEAR");
	like(h.buf, "131,\"ULAW\",8", "usr lists ULAW");
	is_str(at(&h, "AT+VSM=128,8000"), "\r\nOK\r\n", "usr +VSM=128,8000");
	is_str(at(&h, "AT+VSD=128,7"), "\r\nOK\r\n", "usr +VSD");
	is_str(at(&h, "AT+VSD?"), "\r\n128,7\r\n\r\nOK\r\n", "usr keeps +VSD");
	msim_misbehave(h.sim, MSIM_FAULT_VSM_PREFIX, 1);
	msim_misbehave(h.sim, MSIM_FAULT_VSM_4ARGS, 1);
	msim_misbehave(h.sim, MSIM_FAULT_NO_IFC, 1);
	like(at(&h, "AT+VSM=?"), "\r\n+VSM: 1,\"UNSIGNED PCM\",8,0,(7200,8000),"
	    "(0),(0)\r\n+VSM: 128,", "variant: +VSM: prefix");
	is_str(at(&h, "AT+VSM=131,8000"), "\r\nERROR\r\n",
	    "variant: two arguments refused");
	is_str(at(&h, "AT+VSM=131,8000,0,0"), "\r\nOK\r\n",
	    "variant: four arguments work");
	is_str(at(&h, "AT+IFC=2,2"), "\r\nERROR\r\n", "variant: no +IFC");
	msim_misbehave(h.sim, MSIM_FAULT_VSM_PREFIX, 0);
	msim_misbehave(h.sim, MSIM_FAULT_VSM_4ARGS, 0);
	msim_misbehave(h.sim, MSIM_FAULT_NO_IFC, 0);
	is_str(at(&h, "AT+IFC=2,2"), "\r\nOK\r\n", "variant off: +IFC");
	at(&h, "AT+FCLASS=0");
	at(&h, "AT+FCLASS=8");
	is_str(at(&h, "AT+VSM?"), "\r\n128,8000,0,0\r\n\r\nOK\r\n",
	    "usr default after re-entering voice");
	at(&h, "AT+VSM=131,8000");
	at(&h, "AT+FCLASS=0");
	at(&h, "AT+FCLASS=8");
	like(at(&h, "AT+VSM?"), "128,8000", "usr forgets +VSM leaving voice");

	/* ring with CID, without spaces, in data mode */
	at(&h, "AT+FCLASS=0");
	at(&h, "AT+VCID=1");
	msim_ring(h.sim, 2, 200, &cid);
	get(&h, "NAME=WIRELESS CALLER\r\n\r\nRING\r\n", 30, 2000);
	is_str(h.buf, "\r\nRING\r\n\r\nDATE=0321\r\nTIME=1405\r\n"
	    "NMBR=5551234\r\nNAME=WIRELESS CALLER\r\n\r\nRING\r\n",
	    "usr RING, CID without spaces, RING");
	at(&h, "AT+FCLASS=8");
	is_str(at(&h, "ATA"), "\r\nVCON\r\n", "usr ATA in voice is VCON");
	ok(msim_offhook(h.sim), "off-hook after ATA");
	is_str(at(&h, "ATH0"), "\r\nOK\r\n", "ATH0");
	ok(!msim_offhook(h.sim), "on-hook after ATH0");
	host_close(&h);
}

static void
test_ring_voice(void)
{
	struct msim_opts o = { .family = MSIM_CONEXANT, .fast = 1 };
	struct msim_cid cid = { NULL, NULL, "5551234", "JOHN DOE" };
	struct msim_stats st;
	struct host h;

	if (host_open(&h, &o) == -1) {
		ok(0, "ring: open");
		return;
	}
	at(&h, "ATE0");
	msim_ring(h.sim, 1, 100, &cid);
	get(&h, NULL, 0, 300);
	is_str(h.buf, "\r\nRING\r\n", "no CID without +VCID=1");
	at(&h, "AT+VCID=1");
	at(&h, "AT+FCLASS=8");
	msim_ring(h.sim, 3, 300, &cid);
	get(&h, "JOHN DOE\r\n\x10R", 12, 2000);
	is_str(h.buf, "\x10R\r\nNMBR = 5551234\r\nNAME = JOHN DOE\r\n\x10R",
	    "voice mode: DLE R, CID with spaces, DLE R");
	at(&h, "AT+VLS=1");
	get(&h, NULL, 0, 500);
	is_int(h.len, 0, "rings stop once off-hook");
	at(&h, "AT+VLS=0");
	msim_ring_raw(h.sim, 2, 200,
	    "\r\nNMBR = O\r\nMESG = 030132\r\nMESG = 0F0A\r\n");
	get(&h, "0F0A\r\n\x10R", 8, 2000);
	is_str(h.buf, "\x10R\r\nNMBR = O\r\nMESG = 030132\r\nMESG = 0F0A\r\n"
	    "\x10R", "unavailable number and raw MESG lines");
	msim_stats(h.sim, &st);
	is_int(st.rings, 5, "five rings counted");
	is_int(st.answers, 1, "one answer counted");
	host_close(&h);
}

static void
test_vtx(void)
{
	struct msim_opts o = { .family = MSIM_CONEXANT, .fast = 1 };
	struct host h;
	unsigned char *buf;
	size_t len;
	enum msim_vtx_end end;
	static const char audio[] = "\x01\x10\x10\x02\x10\x1a\x03\x10\x00\x04";
	static const unsigned char want[] = { 1, 0x10, 2, 0x10, 0x10, 3, 4 };
	char big[2000];

	if (host_open(&h, &o) == -1) {
		ok(0, "vtx: open");
		return;
	}
	at(&h, "ATE0");
	at(&h, "AT+FCLASS=8");
	at(&h, "AT+VLS=1");
	is_int(msim_wait_vtx_started(h.sim, 1, 50), -1,
	    "wait_vtx_started times out before AT+VTX");
	is_str(at(&h, "AT+VTX"), "\r\nCONNECT\r\n", "+VTX CONNECT");
	is_int(msim_wait_state(h.sim, MSIM_VTX, 1000), 0, "state vtx");
	is_int(msim_wait_vtx_started(h.sim, 1, 1000), 0, "one VTX started");
	put(&h, audio, sizeof audio - 1);
	put(&h, "\x10\x03", 2);
	get(&h, "OK\r\n", 4, 2000);
	is_str(h.buf, "\r\nOK\r\n", "DLE ETX ends VTX with OK");
	is_int(msim_wait_vtx(h.sim, 1, 1000), 0, "one segment ended");
	ok(msim_vtx_audio(h.sim, 0, &buf, &len, &end) == 0, "segment 0");
	ok(len == sizeof want && memcmp(buf, want, len) == 0,
	    "de-shielded: DLE DLE, DLE SUB, DLE NUL");
	is_int(end, MSIM_VTX_ETX, "ended by ETX");
	is_int(msim_vtx_heard(h.sim, 0), sizeof want, "all of it heard");
	free(buf);

	at(&h, "AT+VTX");
	put(&h, "abc\x10\x18\x10\x03", 7);
	get(&h, "OK\r\n", 4, 2000);
	is_str(h.buf, "\r\nOK\r\n", "DLE CAN DLE ETX -> OK");
	msim_vtx_audio(h.sim, 1, &buf, &len, &end);
	is_int(end, MSIM_VTX_CANCEL, "ended by CAN");
	ok(len == 3 && memcmp(buf, "abc", 3) == 0, "audio before CAN kept");
	free(buf);
	ok(msim_wait_command(h.sim, "<DLE CAN>", 0, 10) >= 0,
	    "DLE CAN in transcript");

	/* barge-in after N bytes */
	msim_dtmf_at_byte(h.sim, "5", 1000);
	at(&h, "AT+VTX");
	memset(big, 0x7f, sizeof big);
	put(&h, big, 999);
	get(&h, NULL, 0, 200);
	is_int(h.len, 0, "no DTMF before byte 1000");
	put(&h, big, 1);
	get(&h, "\x10~", 2, 1000);
	is_str(h.buf, "\x10/\x10\x35\x10\x35\x10~",
	    "conexant DTMF: DLE / DLE 5 DLE 5 DLE ~ at byte 1000");
	put(&h, "\x10\x03", 2);
	get(&h, "OK\r\n", 4, 1000);
	is_str(h.buf, "\r\nOK\r\n", "OK after barge-in segment");
	is_int(msim_vtx_count(h.sim), 3, "three segments");
	host_close(&h);
}

static void
test_paced(void)
{
	struct msim_opts o = { .family = MSIM_USR };
	struct host h;
	char audio[4000];
	uint64_t t;
	struct msim_stats st;

	if (host_open(&h, &o) == -1) {
		ok(0, "paced: open");
		return;
	}
	at(&h, "ATE0");
	at(&h, "AT+FCLASS=8");
	t = now_ms();
	at(&h, "AT+VTS=[900,900,30]");
	ok(now_ms() - t >= 250, "+VTS beep takes its duration (%llu ms)",
	    (unsigned long long)(now_ms() - t));
	at(&h, "AT+VSM=128,8000");
	at(&h, "AT+VLS=1");
	at(&h, "AT+VTX");
	memset(audio, 0x80, sizeof audio);
	t = now_ms();
	put(&h, audio, sizeof audio);
	put(&h, "\x10\x03", 2);
	get(&h, "OK\r\n", 4, 3000);
	t = now_ms() - t;
	ok(t >= 420 && t < 1500, "4000 bytes at 8000 B/s play in ~0.5 s "
	    "(%llu ms)", (unsigned long long)t);
	msim_stats(h.sim, &st);
	is_int(st.underruns, 0, "no underrun when written at once");
	is_int(msim_vtx_heard(h.sim, 0), 4000, "all 4000 bytes heard");

	/* cut short: the caller heard only what was played before DLE CAN */
	at(&h, "AT+VTX");
	memset(audio, 0x11, 2000);
	put(&h, audio, 2000);
	put(&h, "\x10\x18\x10\x03", 4);
	get(&h, "OK\r\n", 4, 3000);
	ok(msim_vtx_heard(h.sim, 1) >= 700 && msim_vtx_heard(h.sim, 1) <= 1500,
	    "DLE CAN: about 1000 of 2000 bytes heard (%zu)",
	    msim_vtx_heard(h.sim, 1));
	{
		unsigned char *heard;
		size_t n;

		msim_heard(h.sim, 0, &heard, &n);
		ok(n == 4000 + msim_vtx_heard(h.sim, 1) && heard[0] == 0x80 &&
		    heard[3999] == 0x80 && heard[4000] == 0x11 &&
		    heard[n - 1] == 0x11, "msim_heard joins the segments");
		free(heard);
	}
	host_close(&h);
}

static void
test_vrx(enum msim_family fam, const char *name)
{
	struct msim_opts o = { .family = fam, .fast = 1 };
	struct host h;
	static const char voice[] = "\x20\x10\x21\x10\x10\x22";
	const char *want;
	char *p;

	if (host_open(&h, &o) == -1) {
		ok(0, "vrx: open");
		return;
	}
	at(&h, "ATE0");
	at(&h, "AT+FCLASS=8");
	at(&h, "AT+VLS=1");
	msim_feed(h.sim, voice, sizeof voice - 1);
	is_str(at(&h, "AT+VRX"), "\r\nCONNECT\r\n", "+VRX CONNECT");
	get(&h, NULL, 0, 100);
	want = fam == MSIM_V253 ? "\x20\x10\x10\x21\x10\x1a\x22" :
	    "\x20\x10\x10\x21\x10\x10\x10\x10\x22";
	ok(h.len > 100 && memcmp(h.buf, want, strlen(want)) == 0,
	    "%s: VRX stream shielded", name);
	ok(h.len > 20 && (unsigned char)h.buf[h.len - 1] == 0x80,
	    "%s: then silence 0x80", name);
	put(&h, "\x10!", 2);
	get(&h, "OK\r\n", 4, 1000);
	p = memmem(h.buf, h.len, "\r\nOK\r\n", 6);
	ok(p != NULL, "%s: DLE ! ends VRX with OK", name);
	if (fam == MSIM_CONEXANT)
		ok(p != NULL && (p - h.buf < 2 || memcmp(p - 2, "\x10\x03", 2)
		    != 0), "%s: OK without DLE ETX", name);
	else
		ok(p != NULL && p - h.buf >= 2 &&
		    memcmp(p - 2, "\x10\x03", 2) == 0,
		    "%s: DLE ETX then OK", name);
	is_int(msim_state(h.sim), MSIM_COMMAND, "back in command state");
	is_str(at(&h, "AT"), "\r\nOK\r\n", "AT after VRX");
	host_close(&h);
}

/* A host that stops reading during a paced recording: DLE o. */
static void
test_overrun(void)
{
	struct msim_opts o = { .family = MSIM_USR };
	struct host h;
	struct msim_stats st;
	size_t n = 0;

	if (host_open(&h, &o) == -1) {
		ok(0, "overrun: open");
		return;
	}
	at(&h, "ATE0;+FCLASS=8;+VLS=1");
	at(&h, "AT+VRX");
	/*
	 * The test: the host reads nothing until the pty and the modem's
	 * half second of buffer are full and the modem counts an overrun.
	 */
	ok(tap_wait((msim_stats(h.sim, &st), st.overruns >= 1), 10000),
	    "paced VRX unread: overrun counted (%u)", st.overruns);
	while (get(&h, "\x10o", 2, 300) > 0 && !has(&h, "\x10o", 2) &&
	    n++ < 100)
		;
	ok(has(&h, "\x10o", 2), "then DLE o in the stream");
	put(&h, "\x10!", 2);
	get(&h, "OK\r\n", 4, 1000);
	ok(has(&h, "OK\r\n", 4), "recording still ends with OK");
	host_close(&h);
}

static void
test_vsd(void)
{
	struct msim_opts o = { .family = MSIM_USR, .fast = 1 };
	struct host h;

	if (host_open(&h, &o) == -1) {
		ok(0, "vsd: open");
		return;
	}
	at(&h, "ATE0");
	at(&h, "AT+FCLASS=8");
	at(&h, "AT+VSD=128,2");
	at(&h, "AT+VLS=1");
	msim_feed(h.sim, "\x40\x40\x40\x40", 4);
	at(&h, "AT+VRX");
	get(&h, "\x10q", 2, 2000);
	ok(has(&h, "\x10q", 2), "usr: DLE q after voice then 0.2 s silence");
	ok(h.len >= 1600 && !has(&h, "\x10s", 2), "not before 1600 bytes, "
	    "no DLE s (%zu bytes)", h.len);
	put(&h, "\x10!", 2);
	get(&h, "OK\r\n", 4, 1000);
	at(&h, "AT+VRX");
	get(&h, "\x10s", 2, 2000);
	ok(has(&h, "\x10s", 2), "usr: DLE s when nothing was said");
	put(&h, "\x10!", 2);
	get(&h, "OK\r\n", 4, 1000);
	host_close(&h);
}

static void
test_dtmf_patterns(void)
{
	struct msim_opts o = { .family = MSIM_USR, .fast = 1 };
	struct host h;

	if (host_open(&h, &o) == -1) {
		ok(0, "dtmf: open");
		return;
	}
	at(&h, "ATE0");
	msim_dtmf(h.sim, "1", 0);
	get(&h, NULL, 0, 200);
	is_int(h.len, 0, "no DTMF while on-hook");
	at(&h, "AT+FCLASS=8");
	at(&h, "AT+VLS=1");
	msim_dtmf(h.sim, "5#", 0);
	get(&h, "\x10#\x10~", 4, 2000);
	is_str(h.buf, "\x10/\x10\x35\x10\x35\x10\x35\x10~"
	    "\x10/\x10#\x10#\x10#\x10~", "usr: three repeats per key");
	host_close(&h);

	o.dtmf_repeats = -1;
	if (host_open(&h, &o) == -1)
		return;
	at(&h, "ATE0");
	at(&h, "AT+FCLASS=8");
	at(&h, "AT+VLS=1");
	ok(msim_dtmf(h.sim, "9x", 0) == -1, "bad key refused");
	msim_dtmf(h.sim, "*9", 0);
	get(&h, "\x10\x39", 2, 2000);
	is_str(h.buf, "\x10*\x10\x39", "single code per key (old firmware)");
	host_close(&h);
}

static void
test_hangups(void)
{
	struct msim_opts o = { .family = MSIM_USR, .fast = 1,
	    .busy_repeat_ms = 100 };
	static const struct {
		enum msim_hangup how;
		enum msim_family fam;
		const char *want;
		const char *name;
	} cases[] = {
		{ MSIM_HUP_DIALTONE, MSIM_USR, "\x10\x64", "dial tone DLE d" },
		{ MSIM_HUP_LOOP, MSIM_USR, "\x10l", "loop break DLE l" },
		/* silence is judged in the receive state only (V.253 +VSD) */
		{ MSIM_HUP_SILENCE, MSIM_USR, "", "usr silence in command "
		  "state: nothing" },
		{ MSIM_HUP_QUIET, MSIM_USR, "", "usr quiet in command state: "
		  "nothing" },
		{ MSIM_HUP_SILENCE, MSIM_CONEXANT, "", "conexant: no DLE s" },
		{ MSIM_HUP_SILENT, MSIM_USR, "", "silent: nothing" },
	};
	struct host h;
	size_t i;

	if (host_open(&h, &o) == -1) {
		ok(0, "hangup: open");
		return;
	}
	at(&h, "ATE0");
	at(&h, "AT+FCLASS=8");
	at(&h, "AT+VLS=1");
	msim_hangup(h.sim, MSIM_HUP_BUSY, 0);
	get(&h, NULL, 0, 350);
	ok(h.len >= 6 && count(&h, "\x10\x62", 2) * 2 == h.len,
	    "busy: DLE b repeated (%zu bytes)", h.len);
	msim_dtmf(h.sim, "1", 0);
	at(&h, "AT+VLS=0");
	ok(!has(&h, "\x10/", 2), "no DTMF after the caller hung up");
	get(&h, NULL, 0, 250);
	is_int(h.len, 0, "busy stops once on-hook");
	host_close(&h);

	for (i = 0; i < nitems(cases); i++) {
		o.family = cases[i].fam;
		if (host_open(&h, &o) == -1)
			continue;
		at(&h, "ATE0");
		at(&h, "AT+FCLASS=8");
		at(&h, "AT+VLS=1");
		msim_hangup(h.sim, cases[i].how, 0);
		get(&h, NULL, 0, 200);
		ok(h.len == strlen(cases[i].want) &&
		    memcmp(h.buf, cases[i].want, h.len) == 0, "%s",
		    cases[i].name);
		ok(msim_offhook(h.sim), "%s: still off-hook", cases[i].name);
		host_close(&h);
	}

	/* while recording: DLE s at once; later, the +VSD timer's */
	o.family = MSIM_USR;
	if (host_open(&h, &o) == -1)
		return;
	at(&h, "ATE0");
	at(&h, "AT+FCLASS=8");
	at(&h, "AT+VLS=1");
	like(at(&h, "AT+VRX"), "CONNECT", "usr: +VRX");
	msim_hangup(h.sim, MSIM_HUP_SILENCE, 0);
	get(&h, "\x10s", 2, 500);
	ok(has(&h, "\x10s", 2), "usr silence while recording: DLE s");
	put(&h, "\x10!", 2);
	get(&h, "OK\r\n", 4, 1000);
	msim_hangup(h.sim, MSIM_HUP_SILENT, 0);
	at(&h, "AT+VSD=128,2");
	like(at(&h, "AT+VRX"), "CONNECT", "usr: +VRX again");
	get(&h, "\x10s", 2, 1000);
	ok(has(&h, "\x10s", 2), "usr: a caller gone silent earlier: DLE s "
	    "after the +VSD period");
	host_close(&h);

	o.family = MSIM_CONEXANT;
	if (host_open(&h, &o) == -1)
		return;
	at(&h, "ATE0");
	at(&h, "AT+FCLASS=8");
	at(&h, "AT+VLS=1");
	at(&h, "AT+VTX");
	put(&h, "xyz", 3);
	msim_hangup(h.sim, MSIM_HUP_NOCARRIER, 50);
	get(&h, "NO CARRIER\r\n", 12, 1000);
	is_str(h.buf, "\r\nNO CARRIER\r\n", "NO CARRIER ends VTX");
	is_int(msim_wait_hook(h.sim, 0, 500), 0, "on-hook after NO CARRIER");
	is_int(msim_state(h.sim), MSIM_COMMAND, "command state");

	/* firmware that leaves the line to the host after NO CARRIER */
	msim_misbehave(h.sim, MSIM_FAULT_NC_KEEPS_LINE, 1);
	at(&h, "AT+VLS=1");
	msim_hangup(h.sim, MSIM_HUP_NOCARRIER, 0);
	get(&h, "NO CARRIER\r\n", 12, 1000);
	is_str(h.buf, "\r\nNO CARRIER\r\n", "NO CARRIER in command state");
	is_int(msim_offhook(h.sim), 1, "line kept: still off hook");
	like(at(&h, "AT+VTX"), "CONNECT", "line kept: AT+VTX connects");
	put(&h, "\x10\x03", 2);
	get(&h, "OK\r\n", 4, 1000);
	like(at(&h, "AT+VLS=0"), "OK", "line kept: AT+VLS=0");
	is_int(msim_wait_hook(h.sim, 0, 500), 0, "on hook when the host says "
	    "so");
	host_close(&h);
}

static void
test_faults(void)
{
	struct msim_opts o = { .family = MSIM_CONEXANT, .fast = 1 };
	struct host h;
	char link[64];
	size_t i;
	int bad;
	ssize_t r;
	char c = 0;

	snprintf(link, sizeof link, "/tmp/kefu-msim-%ld", (long)getpid());
	o.link = link;
	if (host_open(&h, &o) == -1) {
		ok(0, "faults: open");
		return;
	}
	is_str(msim_path(h.sim), link, "path is the link");
	at(&h, "ATE0");
	msim_garbage(h.sim, 200, 0);
	get(&h, NULL, 0, 200);
	for (i = 0, bad = 0; i < h.len; i++)
		bad += h.buf[i] == 0x10;
	ok(h.len == 200 && bad == 0, "200 garbage bytes without DLE");
	msim_misbehave(h.sim, MSIM_FAULT_DROP_OK, 1);
	puts_(&h, "AT\r");
	get(&h, NULL, 0, 300);
	is_int(h.len, 0, "OK dropped");
	is_str(at(&h, "AT"), "\r\nOK\r\n", "next OK arrives");

	at(&h, "AT+FCLASS=8");
	at(&h, "AT+VLS=1");
	msim_misbehave(h.sim, MSIM_FAULT_SPLIT_DLE, 1);
	msim_dle(h.sim, 'b');
	{
		struct pollfd p = { h.fd, POLLIN, 0 };

		poll(&p, 1, 1000);
		r = read(h.fd, h.buf, 10);
		ok(r == 1 && h.buf[0] == 0x10,
		    "split: first read is DLE alone");
		/* not a read that blocks for ever when the first took both */
		r = poll(&p, 1, 1000) == 1 ? read(h.fd, &c, 1) : 0;
		ok(r == 1 && c == 'b', "split: code in the next read");
	}

	{
		uint64_t t0 = now_ms();
		const char *ev, *res;

		msim_misbehave(h.sim, MSIM_FAULT_SLOW_CMD, 250);
		msim_dle(h.sim, 'l');
		like(at(&h, "AT"), "OK", "slow: the command is answered");
		ev = memmem(h.buf, h.len, "\x10l", 2);
		res = strstr(h.buf, "OK");
		ok(now_ms() - t0 >= 240 && ev != NULL && res != NULL &&
		    ev < res, "slow: late (%llu ms), after the event",
		    (unsigned long long)(now_ms() - t0));
	}

	msim_misbehave(h.sim, MSIM_FAULT_HANG, 1);
	msim_dle(h.sim, 'b');
	puts_(&h, "AT\r");
	get(&h, NULL, 0, 300);
	is_int(h.len, 0, "hung: no answer, no event");
	msim_misbehave(h.sim, MSIM_FAULT_HANG, 0);
	get(&h, "OK\r\n", 4, 1000);
	is_str(h.buf, "\r\nOK\r\n", "unhung: the queued AT is answered");

	msim_vanish(h.sim);
	is_int(msim_state(h.sim), MSIM_GONE, "vanished");
	ok(access(link, F_OK) == -1, "link removed");
	r = read(h.fd, h.buf, 10);
	ok(r <= 0, "host read fails after vanish (%zd, %s)", r,
	    r < 0 ? strerror(errno) : "eof");
	close(h.fd);
	ok(msim_reappear(h.sim, NULL) == 0, "reappear");
	h.fd = open(link, O_RDWR | O_NOCTTY);
	ok(h.fd >= 0, "link opens again");
	is_str(at(&h, "AT"), "AT\r\r\nOK\r\n", "fresh modem (echo on) answers");
	host_close(&h);
	ok(access(link, F_OK) == -1, "link removed by msim_stop");
}

static void
test_more_faults(void)
{
	struct msim_opts o = { .family = MSIM_USR };
	struct host h;
	struct msim_stats st;
	char audio[400];
	size_t i, dles;
	uint64_t t;

	if (host_open(&h, &o) == -1) {
		ok(0, "more faults: open");
		return;
	}
	at(&h, "ATE0");
	at(&h, "AT+FCLASS=8");
	at(&h, "AT+VLS=1");
	msim_misbehave(h.sim, MSIM_FAULT_UNDERRUN_U, 1);
	msim_misbehave(h.sim, MSIM_FAULT_SPURIOUS_D, 1);
	at(&h, "AT+VTX");
	i = has(&h, "\x10\x64", 2);
	memset(audio, 0x80, sizeof audio);
	put(&h, audio, sizeof audio);
	get(&h, "\x10u", 2, 1500);
	ok(i || has(&h, "\x10\x64", 2), "usr quirk: spurious DLE d in VTX");
	ok(has(&h, "\x10u", 2), "DLE u when the host stops writing");
	msim_misbehave(h.sim, MSIM_FAULT_UNDERRUN_U, 0);
	msim_stats(h.sim, &st);
	ok(st.underruns >= 1, "underrun counted (%u)", st.underruns);
	msim_hangup_at_byte(h.sim, MSIM_HUP_LOOP, 600);
	put(&h, audio, 100);
	get(&h, NULL, 0, 200);
	is_int(h.len, 0, "no hang-up before byte 600");
	put(&h, audio, 150);
	get(&h, "\x10l", 2, 1000);
	ok(has(&h, "\x10l", 2), "loop break at byte 600 of the VTX");
	put(&h, "\x10\x03", 2);
	get(&h, "OK\r\n", 4, 2000);
	like(h.buf, "\r\nOK\r\n", "OK after the segment");
	at(&h, "AT+VLS=0");

	/* DTMF repeats spread over time (70 ms apart) */
	at(&h, "AT+VLS=1");
	t = now_ms();
	msim_dtmf(h.sim, "3", 0);
	get(&h, "\x10~", 2, 2000);
	t = now_ms() - t;
	is_str(h.buf, "\x10/\x10\x33\x10\x33\x10\x33\x10~",
	    "paced DTMF pattern");
	ok(t >= 180, "repeats 70 ms apart (%llu ms)", (unsigned long long)t);

	msim_garbage(h.sim, 5000, 1);
	get(&h, NULL, 0, 300);
	for (i = 0, dles = 0; i < h.len; i++)
		dles += h.buf[i] == 0x10;
	ok(h.len == 5000 && dles > 0, "flood has DLE bytes (%zu)", dles);
	host_close(&h);
}

static void
test_cadence_chop(void)
{
	struct msim_opts o = { .family = MSIM_CONEXANT, .fast = 1 };
	struct host h;
	struct pollfd p;
	unsigned char *buf;
	size_t len, reads;
	ssize_t r;

	if (host_open(&h, &o) == -1) {
		ok(0, "cadence: open");
		return;
	}
	at(&h, "ATE0");
	at(&h, "AT+FCLASS=8");
	is_str(at(&h, "AT+VDR=1,0"), "\r\nOK\r\n", "+VDR=1,0");
	at(&h, "AT+FCLASS=0");
	msim_ring(h.sim, 2, 2500, NULL);
	get(&h, "DROF=5\r\n\r\nDRON=20\r\n", 19, 4000);
	is_str(h.buf, "\r\nDRON=20\r\n\r\nDROF=5\r\n\r\nDRON=20\r\n",
	    "+VDR=1,0: DRON/DROF cadence, no RING");
	at(&h, "AT+FCLASS=8");
	at(&h, "AT+VDR=1,15");
	msim_ring(h.sim, 1, 100, NULL);
	get(&h, "\x10R", 2, 1000);
	is_str(h.buf, "\r\nDRON=20\r\n\x10R", "+VDR=1,15: DRON then DLE R");

	msim_misbehave(h.sim, MSIM_FAULT_CHOP, 1);
	puts_(&h, "ATI3\r");
	p.fd = h.fd;
	p.events = POLLIN;
	h.len = 0;
	for (reads = 0; reads < 100 && !memmem(h.buf, h.len, "OK\r\n", 4);
	    reads++) {
		if (poll(&p, 1, 1000) <= 0)
			break;
		r = read(h.fd, h.buf + h.len, 64);
		if (r <= 0)
			break;
		h.len += (size_t)r;
	}
	h.buf[h.len] = '\0';
	like(h.buf, "CX93001-EIS_V0.2002-V92\r\n\r\nOK\r\n",
	    "chopped answer is complete");
	ok(reads >= 5, "chopped into %zu reads", reads);
	msim_misbehave(h.sim, MSIM_FAULT_CHOP, 0);

	at(&h, "AT+VLS=1");
	msim_hangup(h.sim, MSIM_HUP_EXTENSION, 0);
	get(&h, "\x10P", 2, 1000);
	is_str(h.buf, "\x10P", "conexant: extension pick-up is DLE P");
	at(&h, "AT+VTX");
	put(&h, "abc\x10\x03", 5);
	msim_wait_vtx(h.sim, 1, 1000);
	msim_vtx_clear(h.sim);
	ok(msim_vtx_audio(h.sim, 0, &buf, &len, NULL) == 0 && len == 0,
	    "msim_vtx_clear frees the audio, keeps the segment");
	free(buf);
	ok(msim_vtx_audio(h.sim, 1, &buf, &len, NULL) == -1,
	    "no segment 1");
	host_close(&h);
}

/* The modemsim program with a script, driven from here as the host. */
static void
test_cli(void)
{
	const char *bd = getenv("KEFU_BUILDDIR");
	char script[64], want[64], got[64], cmd[512], path[256];
	FILE *fp, *pp;
	struct host h;
	char *data, *cause;
	size_t len;
	int st;

	if (bd == NULL) {
		ok(1, "cli # SKIP KEFU_BUILDDIR is not set");
		return;
	}
	snprintf(script, sizeof script, "/tmp/kefu-msim-%ld.script",
	    (long)getpid());
	snprintf(want, sizeof want, "/tmp/kefu-msim-%ld.want", (long)getpid());
	snprintf(got, sizeof got, "/tmp/kefu-msim-%ld.got", (long)getpid());
	fp = fopen(want, "w");
	fputs("ab\x10" "cd", fp);
	fclose(fp);
	fp = fopen(script, "w");
	fprintf(fp, "# a whole call\n"
	    "ring 1 100 nmbr=5551234 name=\"JOHN DOE\"\n"
	    "wait-command AT+VLS=1 5000\n"
	    "dtmf 1 at-byte=3\n"
	    "wait-vtx 1 5000\n"
	    "expect-vtx 0 %s\n"
	    "expect-heard %s\n"
	    "save-vtx 0 %s\n"
	    "hangup loop\n"
	    "wait-hook on 5000\n"
	    "wait-command ath 10\n"
	    "quit\n", want, want, got);
	fclose(fp);
	snprintf(cmd, sizeof cmd, "%s/t/sim/modemsim -F %s", bd, script);
	pp = popen(cmd, "r");
	memset(&h, 0, sizeof h);
	if (pp == NULL || fgets(path, sizeof path, pp) == NULL) {
		ok(0, "cli: modemsim prints its path");
		if (pp != NULL)
			pclose(pp);
		return;
	}
	path[strcspn(path, "\n")] = '\0';
	ok(strncmp(path, "/dev/pts/", 9) == 0, "cli: path %s", path);
	h.fd = open(path, O_RDWR | O_NOCTTY);
	get(&h, "RING\r\n", 6, 2000);
	is_str(h.buf, "\r\nRING\r\n", "cli: RING");
	at(&h, "ATE0");
	at(&h, "AT+FCLASS=8");
	at(&h, "AT+VLS=1");
	is_str(at(&h, "AT+VTX"), "\r\nCONNECT\r\n", "cli: CONNECT");
	put(&h, "ab\x10\x10", 4);
	get(&h, "\x10~", 2, 2000);
	is_str(h.buf, "\x10/\x10\x31\x10\x31\x10~", "cli: DTMF at byte 3 "
	    "(the whole key: start, the code twice, end)");
	put(&h, "cd\x10\x03", 4);
	get(&h, "\x10l", 2, 3000);
	ok(has(&h, "OK\r\n", 4) && has(&h, "\x10l", 2), "cli: OK then DLE l");
	at(&h, "ATH");
	close(h.fd);
	st = pclose(pp);
	is_int(st, 0, "cli: script ran to its end");
	if (file_read(got, &data, &len, &cause) == 0) {
		ok(len == 5 && memcmp(data, "ab\x10" "cd", 5) == 0,
		    "cli: save-vtx wrote the de-shielded audio");
		free(data);
	} else {
		ok(0, "cli: %s", cause);
		free(cause);
	}

	/* a failing script command fails the program */
	fp = fopen(script, "w");
	fputs("expect-vtx 0 /nonexistent\n", fp);
	fclose(fp);
	snprintf(cmd, sizeof cmd, "%s/t/sim/modemsim -F %s >/dev/null "
	    "2>&1", bd, script);
	st = system(cmd);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 1,
	    "cli: missing segment: exit 1");
	fp = fopen(script, "w");
	fputs("wait-command AT+VTX 50\n", fp);
	fclose(fp);
	st = system(cmd);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 1,
	    "cli: wait timed out: exit 1");
	fp = fopen(script, "w");
	fputs("ring 0\n", fp);
	fclose(fp);
	st = system(cmd);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 1, "cli: ring 0: exit 1");
	fp = fopen(script, "w");
	fputs("frobnicate\n", fp);
	fclose(fp);
	st = system(cmd);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 1,
	    "cli: unknown command: exit 1");
	snprintf(cmd, sizeof cmd, "%s/t/sim/modemsim -f nokia %s >/dev/null "
	    "2>&1", bd, script);
	st = system(cmd);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 2,
	    "cli: unknown family: exit 2");
	unlink(script);
	unlink(want);
	unlink(got);
}

static int
tcp_connect(const char *path)
{
	struct sockaddr_in sa;
	int fd, port;

	if (sscanf(path, "tcp:127.0.0.1:%d", &port) != 1)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The same modem as a raw TCP serial server. */
static void
test_tcp(void)
{
	struct msim_opts o = { .family = MSIM_USR, .fast = 1, .tcp = 1 };
	struct host h;
	char *cause = NULL, path[64];
	unsigned char *buf;
	size_t len;

	memset(&h, 0, sizeof h);
	if (msim_start(&o, &h.sim, &cause) == -1) {
		ok(0, "tcp: %s", cause);
		free(cause);
		return;
	}
	snprintf(path, sizeof path, "%s", msim_path(h.sim));
	like(path, "tcp:127.0.0.1:", "tcp: path %s", path);
	h.fd = tcp_connect(path);
	ok(h.fd >= 0, "tcp: connected");
	is_str(at(&h, "ATI"), "ATI\r\r\n5601\r\n\r\nOK\r\n", "tcp: ATI");
	at(&h, "ATE0;+FCLASS=8;+VLS=1");
	is_str(at(&h, "AT+VTX"), "\r\nCONNECT\r\n", "tcp: VTX");
	put(&h, "xy\x10\x10z\x10\x03", 7);
	get(&h, "OK\r\n", 4, 1000);
	msim_vtx_audio(h.sim, 0, &buf, &len, NULL);
	ok(len == 4 && memcmp(buf, "xy\x10z", 4) == 0, "tcp: audio captured");
	free(buf);
	close(h.fd);
	h.fd = tcp_connect(path);
	is_str(at(&h, "AT+FCLASS?"), "\r\n8\r\n\r\nOK\r\n",
	    "tcp: reconnect finds the modem as it was");
	msim_vanish(h.sim);
	get(&h, NULL, 0, 200);
	ok(read(h.fd, h.buf, 1) == 0, "tcp: vanish closes the connection");
	close(h.fd);
	ok(tcp_connect(path) == -1, "tcp: refused while gone");
	ok(msim_reappear(h.sim, NULL) == 0, "tcp: reappear");
	is_str(msim_path(h.sim), path, "tcp: same address");
	h.fd = tcp_connect(path);
	is_str(at(&h, "AT"), "AT\r\r\nOK\r\n", "tcp: fresh modem answers");
	host_close(&h);
}

/* Random bytes in every state must not kill or wedge the modem. */
static void
test_random_input(void)
{
	struct msim_opts o = { .family = MSIM_V253, .fast = 1 };
	static const char *enter[] = { NULL, "AT+VTX", "AT+VRX" };
	struct host h;
	char junk[20000];
	size_t i, k;
	const char *r;

	if (host_open(&h, &o) == -1) {
		ok(0, "random: open");
		return;
	}
	srand(7);
	for (k = 0; k < nitems(enter); k++) {
		at(&h, "ATE0V1Q0");
		at(&h, "AT+FCLASS=8");
		at(&h, "AT+VLS=1");
		if (enter[k] != NULL)
			at(&h, enter[k]);
		for (i = 0; i < sizeof junk; i++)
			junk[i] = (char)(rand() & 0xff);
		put(&h, junk, sizeof junk);
		get(&h, NULL, 0, 200);
		/* leave VTX or VRX if still there, end any partial line */
		put(&h, "\x10\x03\x10!\r", 5);
		get(&h, NULL, 0, 200);
		r = at(&h, "ATE0V1Q0");
		ok(h.len >= 6 && memcmp(r + h.len - 6, "\r\nOK\r\n", 6) == 0,
		    "random bytes in %s state: modem still answers",
		    enter[k] ? enter[k] + 3 : "command");
		at(&h, "ATH");
	}
	host_close(&h);
}

static void
test_many(void)
{
	struct host hs[8];
	size_t i;
	int good = 0;
	struct msim_opts o = { .family = MSIM_V253, .fast = 1 };

	for (i = 0; i < nitems(hs); i++)
		if (host_open(&hs[i], &o) == -1)
			return;
	for (i = 0; i < nitems(hs); i++)
		good += strcmp(at(&hs[i], "ATE0"), "ATE0\r\r\nOK\r\n") == 0;
	is_int(good, 8, "8 simulators at once");
	for (i = 0; i < nitems(hs); i++)
		host_close(&hs[i]);
}

int
main(void)
{
	test_commands();
	test_usr();
	test_ring_voice();
	test_vtx();
	test_paced();
	test_vrx(MSIM_CONEXANT, "conexant");
	test_vrx(MSIM_USR, "usr");
	test_vrx(MSIM_V253, "v253");
	test_vsd();
	test_overrun();
	test_dtmf_patterns();
	test_hangups();
	test_faults();
	test_more_faults();
	test_cadence_chop();
	test_cli();
	test_tcp();
	test_random_input();
	test_many();
	return tap_done();
}
