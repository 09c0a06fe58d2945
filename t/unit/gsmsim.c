/*
 * gsmsim.c: the GSM simulator (t/sim/gsmsim.c) driven byte by byte the
 * way 3GPP TS 27.005 describes a host doing it -- not through kefu's
 * driver -- asserting the exact bytes it answers: the "> " prompt of
 * AT+CMGS, +CMGS: <mr>, +CMS ERROR codes (304 for a wrong <length>, 311
 * before the SIM PIN), +CMTI then AT+CMGR/CMGL/CMGD, +CDS after a
 * status-report request, an unsolicited line in the middle of a command,
 * slow and dead modes; and what it recorded for independent decoders.
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "util/util.h"
#include "msg/sms.h"
#include "../sim/gsmsim.h"
#include "../tap.h"

static int
host_open(struct gsim *sim)
{
	struct termios t;
	int fd;

	if ((fd = open(gsim_path(sim), O_RDWR | O_NOCTTY)) == -1)
		tap_bail("cannot open the simulator's pty");
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

static void
tx(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		tap_bail("write to the pty failed");
}

static struct gsim *sim_u;

/* Bytes read past the last answer, for the next rx(). */
static struct strbuf pending = STRBUF_INIT;

/*
 * Read until <end> arrives (or <ms> pass): the bytes up to and with
 * <end>, malloc'd; what came after stays for the next call.
 */
static char *
rx(int fd, const char *end, unsigned ms)
{
	uint64_t until = now_ms() + ms;
	struct pollfd p;
	const char *hit;
	char b[256], *r;
	size_t n;
	ssize_t got;

	while ((hit = strstr(sb_str(&pending), end)) == NULL &&
	    now_ms() < until) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 20) <= 0)
			continue;
		if ((got = read(fd, b, sizeof b)) > 0)
			sb_add(&pending, b, (size_t)got);
	}
	if (hit == NULL)
		return sb_steal(&pending);
	n = (size_t)(hit - sb_str(&pending)) + strlen(end);
	r = xstrndup(sb_str(&pending), n);
	hit = xstrdup(sb_str(&pending) + n);
	sb_reset(&pending);
	sb_adds(&pending, hit);
	free((char *)hit);
	return r;
}

/* Send <cmd> and compare everything up to <end> with <want>. */
static void
exchange(int fd, const char *cmd, const char *end, const char *want,
    const char *what)
{
	char *got;

	tx(fd, cmd);
	got = rx(fd, end, 2000);
	is_str(got, want, "%s", what);
	free(got);
}

static void
pin_and_send(void)
{
	struct gsim_opts o = { .pin = "4321" };
	struct gsim_sent s;
	struct gsim *sim;
	char *cause = NULL, *got;
	int fd;

	if (gsim_start(&o, &sim, &cause) == -1)
		tap_bail(cause);
	fd = host_open(sim);
	exchange(fd, "ATE0\r", "OK\r\n", "ATE0\r\r\nOK\r\n",
	    "ATE0 is echoed, then OK");
	exchange(fd, "AT+CPIN?\r", "OK\r\n", "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n",
	    "AT+CPIN? asks for the PIN");
	exchange(fd, "AT+CMGS=23\r", "311\r\n", "\r\n+CMS ERROR: 311\r\n",
	    "no AT+CMGS before the PIN: +CMS ERROR: 311");
	exchange(fd, "AT+CPIN=\"1111\"\r", "16\r\n",
	    "\r\n+CME ERROR: 16\r\n", "wrong PIN: +CME ERROR: 16");
	exchange(fd, "AT+CPIN=\"4321\"\r", "OK\r\n", "\r\nOK\r\n",
	    "right PIN: OK");
	exchange(fd, "AT+CPIN?\r", "OK\r\n", "\r\n+CPIN: READY\r\n\r\nOK\r\n",
	    "then READY");
	exchange(fd, "AT+CMGF=0\r", "OK\r\n", "\r\nOK\r\n", "PDU mode");
	exchange(fd, "AT+CMGS=23\r", "> ", "\r\n> ",
	    "AT+CMGS=23 gives the 4-byte prompt CR LF > space");
	tx(fd, "0011000B916407281553F80000AA0AE8329BFD4697D9EC37\x1a");
	got = rx(fd, "OK\r\n", 2000);
	is_str(got, "\r\n+CMGS: 1\r\n\r\nOK\r\n", "Ctrl-Z: +CMGS: 1, OK");
	free(got);
	ok(gsim_sent_get(sim, 0, &s) == 0 && s.mr == 1 && s.len == 23,
	    "recorded with MR 1 and length 23");
	is_str(s.hex, "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
	    "raw PDU kept as typed");
	is_str(s.msg.text, "hellohello", "decoded text");
	is_str(s.msg.addr, "+46708251358", "decoded destination");
	gsim_sent_free(&s);

	exchange(fd, "AT+CMGS=22\r", "> ", "\r\n> ", "prompt again");
	tx(fd, "0011000B916407281553F80000AA0AE8329BFD4697D9EC37\x1a");
	got = rx(fd, "\r\n", 2000);
	free(got);
	got = rx(fd, "\r\n", 500);
	is_str(got, "+CMS ERROR: 304\r\n",
	    "<length> 22 for a 23-octet TPDU: +CMS ERROR: 304");
	free(got);

	exchange(fd, "AT+CMGS=23\r", "> ", "\r\n> ", "prompt for a cancel");
	tx(fd, "0011000B91\x1b");
	got = rx(fd, "OK\r\n", 2000);
	is_str(got, "\r\nOK\r\n", "ESC cancels: OK");
	free(got);
	is_int(gsim_nsent(sim), 2, "the cancelled PDU was not sent");

	gsim_fail_sends(sim, 1, 332);
	exchange(fd, "AT+CMGS=23\r", "> ", "\r\n> ", "prompt");
	tx(fd, "0011000B916407281553F80000AA0AE8329BFD4697D9EC37\x1a");
	got = rx(fd, "332\r\n", 2000);
	is_str(got, "\r\n+CMS ERROR: 332\r\n", "failing mode: network timeout");
	free(got);
	exchange(fd, "AT+CMGS=23\r", "> ", "\r\n> ", "prompt");
	tx(fd, "0011000B916407281553F80000AA0AE8329BFD4697D9EC37\x1a");
	got = rx(fd, "OK\r\n", 2000);
	is_str(got, "\r\n+CMGS: 2\r\n\r\nOK\r\n",
	    "the next one goes through with MR 2");
	free(got);
	close(fd);
	gsim_stop(sim);
}

static void
inbound(void)
{
	struct gsim *sim;
	struct sms_msg m;
	char *cause = NULL, *got, *p, *text;
	int fd;

	if (gsim_start(NULL, &sim, &cause) == -1)
		tap_bail(cause);
	fd = host_open(sim);
	exchange(fd, "ATE0\r", "OK\r\n", "ATE0\r\r\nOK\r\n", "echo off");
	/* 6 x 13 = 78 characters: UCS2, two parts (67 + 11) */
	text = xasprintf("%s%s%s%s%s%s", "会员您好，您的积分已到账。",
	    "会员您好，您的积分已到账。", "会员您好，您的积分已到账。",
	    "会员您好，您的积分已到账。", "会员您好，您的积分已到账。",
	    "会员您好，您的积分已到账。");
	ok(gsim_deliver(sim, "+8613912345678", text, &cause) == 0,
	    "deliver a 2-part message");
	got = rx(fd, "\"SM\",2\r\n", 2000);
	is_str(got, "\r\n+CMTI: \"SM\",1\r\n\r\n+CMTI: \"SM\",2\r\n",
	    "one +CMTI per part");
	free(got);
	tx(fd, "AT+CMGR=2\r");
	got = rx(fd, "OK\r\n", 2000);
	ok(strncmp(got, "\r\n+CMGR: 0,,", 12) == 0,
	    "+CMGR: 0 (unread), empty alpha, length");
	p = strstr(got + 2, "\r\n");
	if (p != NULL)
		p[strcspn(p + 2, "\r") + 2] = '\0';
	ok(p != NULL && sms_decode(p + 2, 1, 0, &m, &cause) == 0 &&
	    m.concat && m.seq == 2 && m.total == 2,
	    "the PDU after +CMGR is part 2 of 2");
	if (p != NULL && m.text != NULL)
		ok(strstr(text, m.text) != NULL && strlen(m.text) > 0,
		    "its text is the end of the message");
	sms_msg_free(&m);
	free(got);
	exchange(fd, "AT+CMGR=9\r", "321\r\n", "\r\n+CMS ERROR: 321\r\n",
	    "an empty index: +CMS ERROR: 321");
	tx(fd, "AT+CMGL=4\r");
	got = rx(fd, "OK\r\n", 2000);
	ok(strstr(got, "+CMGL: 1,0,,") != NULL &&
	    strstr(got, "+CMGL: 2,1,,") != NULL,
	    "AT+CMGL=4 lists part 1 unread and part 2 read");
	free(got);
	exchange(fd, "AT+CMGL=0\r", "OK\r\n", "\r\nOK\r\n",
	    "listing marked them read: no unread left");
	exchange(fd, "AT+CMGD=1\r", "OK\r\n", "\r\nOK\r\n", "AT+CMGD=1");
	is_int(gsim_stored(sim), 1, "one message left in the store");
	exchange(fd, "AT+CMGD=1,4\r", "OK\r\n", "\r\nOK\r\n",
	    "AT+CMGD=1,4 deletes all");
	is_int(gsim_stored(sim), 0, "store empty");

	exchange(fd, "AT+CNMI=2,2,0,1,0\r", "OK\r\n", "\r\nOK\r\n",
	    "AT+CNMI=2,2,0,1,0: deliver directly");
	ok(gsim_deliver(sim, "10086", "TD", &cause) == 0, "deliver TD");
	got = rx(fd, "\r\n", 2000);
	free(got);
	got = rx(fd, "\r\n", 2000);
	like(got, "+CMT: ,", "+CMT: ,<length> (no alpha)");
	free(got);
	got = rx(fd, "\r\n", 2000);
	got[strcspn(got, "\r")] = '\0';
	ok(sms_decode(got, 1, 0, &m, &cause) == 0 &&
	    strcmp(m.text, "TD") == 0 && strcmp(m.addr, "10086") == 0,
	    "the PDU line after +CMT is the message");
	sms_msg_free(&m);
	free(got);
	free(text);
	close(fd);
	gsim_stop(sim);
}

/* The recorded PDUs through an independent decoder's test script. */
static void
xcheck(const char *script, const char *who)
{
	const char *src = getenv("KEFU_SRCDIR");
	char *cmd;
	int rc;

	cmd = xasprintf("sh '%s/t/%s' gsmsim-pdus.tsv > gsmsim-%s.log 2>&1",
	    src != NULL ? src : "..", script, who);
	rc = system(cmd);
	ok(rc == 0, "%s decodes what the simulator recorded as kefu does "
	    "(see gsmsim-%s.log)", who, who);
	free(cmd);
}

static void
reports_and_urcs(void)
{
	struct gsim *sim;
	struct sms_msg m;
	char *cause = NULL, *got, *line;
	uint64_t t0;
	int fd;

	if (gsim_start(NULL, &sim, &cause) == -1)
		tap_bail(cause);
	fd = host_open(sim);
	exchange(fd, "ATE0\r", "OK\r\n", "ATE0\r\r\nOK\r\n", "echo off");
	gsim_status_reports(sim, 1, 0x00);
	/* "A" to 13800138000 with SRR (FO 21): length 14 */
	exchange(fd, "AT+CMGS=14\r", "> ", "\r\n> ", "prompt");
	tx(fd, "0021000B813108108300F0000001" "41\x1a");
	got = rx(fd, "OK\r\n", 2000);
	is_str(got, "\r\n+CMGS: 1\r\n\r\nOK\r\n", "+CMGS: 1");
	free(got);
	got = rx(fd, "\r\n", 2000);
	free(got);
	got = rx(fd, "\r\n", 2000);
	like(got, "+CDS: ", "then +CDS: <length>");
	free(got);
	line = rx(fd, "\r\n", 2000);
	line[strcspn(line, "\r")] = '\0';
	ok(sms_decode(line, 1, 0, &m, &cause) == 0 && m.type == SMS_STATUS &&
	    m.mr == 1 && m.status == 0 && strcmp(m.addr, "13800138000") == 0,
	    "the +CDS PDU reports MR 1 to 13800138000 delivered");
	sms_msg_free(&m);
	free(line);

	gsim_urc_next(sim, "+CMTI: \"SM\",5");
	exchange(fd, "AT+CSQ\r", "OK\r\n",
	    "\r\n+CSQ: 20,99\r\n\r\n+CMTI: \"SM\",5\r\n\r\nOK\r\n",
	    "an unsolicited line between +CSQ: and OK");
	gsim_urc_next(sim, "+CDSI: \"SM\",6");
	exchange(fd, "AT+CMGS=14\r", "> ", "\r\n> ", "prompt");
	tx(fd, "0001000B813108108300F0000001" "41\x1a");
	got = rx(fd, "OK\r\n", 2000);
	is_str(got, "\r\n+CDSI: \"SM\",6\r\n\r\n+CMGS: 2\r\n\r\nOK\r\n",
	    "an unsolicited line between the PDU and +CMGS:");
	free(got);

	gsim_set_send_ms(sim, 300);
	exchange(fd, "AT+CMGS=14\r", "> ", "\r\n> ", "prompt");
	t0 = now_ms();
	tx(fd, "0001000B813108108300F0000001" "41\x1a");
	got = rx(fd, "OK\r\n", 3000);
	ok(now_ms() - t0 >= 300 && strstr(got, "+CMGS: 3") != NULL,
	    "slow mode: +CMGS after %u ms", (unsigned)(now_ms() - t0));
	free(got);
	gsim_set_send_ms(sim, 0);

	gsim_set_dead(sim, 1);
	tx(fd, "AT\r");
	got = rx(fd, "OK\r\n", 300);
	is_str(got, "", "a dead modem answers nothing");
	free(got);
	gsim_set_dead(sim, 0);
	got = rx(fd, "OK\r\n", 2000);
	is_str(got, "\r\nOK\r\n", "alive again, it answers what piled up");
	free(got);

	ok(gsim_write_pdus(sim, "gsmsim-pdus.tsv", &cause) == 0,
	    "recorded PDUs written for the independent decoders");
	got = NULL;
	{
		size_t len;

		ok(file_read("gsmsim-pdus.tsv", &got, &len, &cause) == 0 &&
		    strcmp(got, "1\t0021000B813108108300F000000141\n"
		    "1\t0001000B813108108300F000000141\n"
		    "1\t0001000B813108108300F000000141\n") == 0,
		    "three \"1<TAB>hex\" lines");
	}
	free(got);
	xcheck("sms-xcheck.sh", "node-pdu");
	xcheck("sms-xcheck-gammu.sh", "libgammu");
	close(fd);
	gsim_stop(sim);
}

/*
 * A modem unplugged and plugged in again: the host reads the end of the
 * pty, the link goes and comes back to a new pty, the modem answers as
 * after power-up (echo on, the SIM asking its PIN, AT+CMMS off) and its
 * SIM store kept what it had; AT+CMMS as 27.005 3.5.6 has it.
 */
static void
unplug(void)
{
	struct gsim_opts o = { .pin = "1111" };
	char *cause = NULL, *link, *got, b[64];
	struct pollfd p;
	ssize_t n = 1;
	int fd;

	link = xasprintf("/tmp/kefu-gsmsim-%ld", (long)getpid());
	o.link = link;
	if (gsim_start(&o, &sim_u, &cause) == -1)
		tap_bail(cause);
	fd = host_open(sim_u);
	exchange(fd, "AT+CPIN=\"1111\"\r", "OK\r\n",
	    "AT+CPIN=\"1111\"\r\r\nOK\r\n", "PIN entered");
	exchange(fd, "AT+CMMS=?\r", "OK\r\n",
	    "AT+CMMS=?\r\r\n+CMMS: (0-2)\r\n\r\nOK\r\n", "AT+CMMS=? range");
	exchange(fd, "AT+CMMS=2\r", "OK\r\n", "AT+CMMS=2\r\r\nOK\r\n",
	    "AT+CMMS=2");
	exchange(fd, "AT+CMMS?\r", "OK\r\n",
	    "AT+CMMS?\r\r\n+CMMS: 2\r\n\r\nOK\r\n", "AT+CMMS? reads 2");
	exchange(fd, "AT+CMMS=3\r", "\r\n", "AT+CMMS=3\r\r\n",
	    "AT+CMMS=3 (echo)");
	got = rx(fd, "\r\n", 1000);
	is_str(got, "+CMS ERROR: 304\r\n", "AT+CMMS=3 is refused");
	free(got);
	ok(gsim_deliver(sim_u, "+8613700000002", "hi", &cause) == 0,
	    "a message into the SIM store");
	free(rx(fd, "\r\n", 1000));
	free(rx(fd, "\r\n", 1000));
	gsim_unplug(sim_u);
	p.fd = fd;
	p.events = POLLIN;
	if (poll(&p, 1, 1000) == 1)
		n = read(fd, b, sizeof b);
	ok(n <= 0, "unplugged: the host reads the end of the pty (%zd)", n);
	ok(access(link, F_OK) == -1, "the link is gone");
	close(fd);
	ok(gsim_replug(sim_u, &cause) == 0 && access(link, F_OK) == 0,
	    "plugged in again: the link is back");
	sb_reset(&pending);
	fd = host_open(sim_u);
	exchange(fd, "AT+CPIN?\r", "OK\r\n",
	    "AT+CPIN?\r\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n",
	    "echo on and the SIM asks its PIN again");
	exchange(fd, "AT+CPIN=\"1111\"\r", "OK\r\n",
	    "AT+CPIN=\"1111\"\r\r\nOK\r\n", "PIN entered again");
	exchange(fd, "AT+CMMS?\r", "OK\r\n",
	    "AT+CMMS?\r\r\n+CMMS: 0\r\n\r\nOK\r\n", "AT+CMMS back to 0");
	is_int(gsim_stored(sim_u), 1, "the SIM store kept its message");
	close(fd);
	gsim_stop(sim_u);
	free(link);
	free(cause);
}

/*
 * Phase 2+ (27.005 3.4.4): AT+CNMA with nothing to acknowledge is +CMS
 * ERROR: 340; after AT+CSMS=1 a +CMT waits for its AT+CNMA before the
 * next is routed; one never acknowledged makes the modem stop routing
 * (AT+CNMI <mt> and <ds> 0) and goes to the SIM store when offered again.
 */
static void
phase2(void)
{
	struct gsim *sim;
	unsigned acks, nacks;
	char *cause = NULL, *got;
	int fd, mt;

	if (gsim_start(NULL, &sim, &cause) == -1)
		tap_bail(cause);
	fd = host_open(sim);
	sb_reset(&pending);
	exchange(fd, "ATE0\r", "OK\r\n", "ATE0\r\r\nOK\r\n", "echo off");
	exchange(fd, "AT+CNMA\r", "\r\n+CMS ERROR: 340\r\n",
	    "\r\n+CMS ERROR: 340\r\n", "AT+CNMA with nothing to "
	    "acknowledge: +CMS ERROR: 340");
	exchange(fd, "AT+CSMS=1\r", "OK\r\n", "\r\n+CSMS: 1,1,1\r\n"
	    "\r\nOK\r\n", "AT+CSMS=1: +CSMS: <mt>,<mo>,<bm>");
	exchange(fd, "AT+CSMS?\r", "OK\r\n", "\r\n+CSMS: 1,1,1,1\r\n"
	    "\r\nOK\r\n", "AT+CSMS? names the service");
	exchange(fd, "AT+CNMI=2,2,0,1,0\r", "OK\r\n", "\r\nOK\r\n",
	    "messages routed straight");
	gsim_set_ack_ms(sim, 400);
	ok(gsim_deliver(sim, "+8613912345678", "one", &cause) == 0 &&
	    gsim_deliver(sim, "+8613912345678", "two", &cause) == 0,
	    "two messages from the network");
	got = rx(fd, "\r\n", 2000);
	free(got);
	got = rx(fd, "\r\n", 2000);
	like(got, "+CMT: ,", "the first comes as +CMT");
	free(got);
	got = rx(fd, "\r\n", 2000);       /* its PDU */
	free(got);
	sleep_ms(100);          /* the test: nothing comes meanwhile */
	got = rx(fd, "+CMT", 1);
	ok(strstr(got, "CMT") == NULL, "the second waits for the "
	    "acknowledgement");
	free(got);
	exchange(fd, "AT+CNMA\r", "OK\r\n", "\r\nOK\r\n", "AT+CNMA: OK");
	got = rx(fd, "+CMT: ,", 2000);
	like(got, "+CMT: ,", "then the second is routed");
	free(got);
	/* the rest of its header line and its PDU: read, not dropped from
	 * a buffer that may not hold them yet (a slow machine) */
	free(rx(fd, "\r\n", 2000));
	got = rx(fd, "\r\n", 2000);
	ok(strlen(got) > 10, "its PDU");
	free(got);
	/* no AT+CNMA for it: the network gives up after 400 ms */
	ok(tap_wait((gsim_acks(sim, &acks, &nacks, &mt), nacks >= 1), 3000),
	    "the missing acknowledgement is seen");
	sb_reset(&pending);
	exchange(fd, "AT+CNMI?\r", "OK\r\n", "\r\n+CNMI: 2,0,0,0,0\r\n"
	    "\r\nOK\r\n", "unacknowledged: the modem stopped routing");
	gsim_acks(sim, &acks, &nacks, &mt);
	ok(acks == 1 && nacks == 1 && mt == 0, "one acknowledged, one "
	    "missed (%u, %u)", acks, nacks);
	ok(tap_wait(gsim_stored(sim) == 1, 3000),
	    "offered again, it goes to the SIM store");
	exchange(fd, "AT+CPMS=\"SM\",\"SM\",\"SM\"\r", "OK\r\n",
	    "\r\n+CPMS: 1,30,1,30,1,30\r\n\r\nOK\r\n",
	    "AT+CPMS= answers used and total of each storage");
	close(fd);
	gsim_stop(sim);
	free(cause);
}

int
main(void)
{
	unplug();
	pin_and_send();
	inbound();
	reports_and_urcs();
	phase2();
	sb_free(&pending);
	return tap_done();
}
