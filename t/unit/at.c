/*
 * at.c: the AT engine -- result words (table), the command-mode lexer fed
 * byte by byte (CR/LF variants, DLE events, NUL/XON, unprintable and
 * overlong lines), and at_cmd against scripted replies on a pty: echo,
 * information text, unsolicited lines in the middle, timeouts, garbage
 * floods, and data after CONNECT left for data mode.
 */
#include "config.h"

#include <fcntl.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "line/line-int.h"
#include "../tap.h"

static void
test_classify(void)
{
	static const struct {
		const char *line;
		enum at_res res;
	} c[] = {
		{ "OK", AT_R_OK }, { "ERROR", AT_R_ERROR },
		{ "CONNECT", AT_R_CONNECT }, { "CONNECT 115200", AT_R_CONNECT },
		{ "VCON", AT_R_VCON }, { "#VCON", AT_R_VCON },
		{ "NO CARRIER", AT_R_NO_CARRIER }, { "BUSY", AT_R_BUSY },
		{ "NO DIALTONE", AT_R_NO_DIALTONE },
		{ "NO DIAL TONE", AT_R_NO_DIALTONE },
		{ "NO ANSWER", AT_R_NO_ANSWER }, { "RING", AT_R_RING },
		{ "RING 1", AT_R_RING }, { "RING;5551234", AT_R_RING },
		{ "RINGING", AT_R_EVENT }, { "NMBR = 555", AT_R_CID },
		{ "NAME=X", AT_R_CID }, { "DRON=5", AT_R_DRON },
		{ "DROF=40", AT_R_DROF }, { "CWON", AT_R_EVENT },
		{ "56000", AT_R_TEXT }, { "OKAY", AT_R_TEXT },
		{ "ok", AT_R_TEXT }, { "+CME ERROR: 3", AT_R_ERROR },
		{ "1,\"UNSIGNED PCM\",8,0,(8000),(0),(0)", AT_R_TEXT },
		/* 27.005 SMS */
		{ "+CMS ERROR: 500", AT_R_ERROR }, { "+CMGS: 12", AT_R_TEXT },
		{ "+CMTI: \"SM\",3", AT_R_EVENT },
		{ "+CDSI: \"SM\",1", AT_R_EVENT }, { "+CMT: ,23", AT_R_EVENT },
		{ "+CDS: 25", AT_R_EVENT }, { "+CMGR: 0,,23", AT_R_TEXT },
		{ "+CMGL: 1,0,,23", AT_R_TEXT },
	};
	size_t i;

	for (i = 0; i < nitems(c); i++)
		is_str(at_res_name(at_classify(c[i].line)),
		    at_res_name(c[i].res), "classify '%s'", c[i].line);
	ok(at_res_final(AT_R_OK) && at_res_final(AT_R_NO_ANSWER) &&
	    !at_res_final(AT_R_RING) && !at_res_final(AT_R_TEXT),
	    "final results");
	ok(at_res_unsolicited(AT_R_RING) && at_res_unsolicited(AT_R_CID) &&
	    !at_res_unsolicited(AT_R_OK) && !at_res_unsolicited(AT_R_JUNK),
	    "unsolicited results");
}

/* Feed bytes; describe what came out as "L:text|D:x|J|". */
static void
lex(const char *in, size_t n, char *out, size_t len)
{
	struct at_lex lx;
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	char code;

	memset(&lx, 0, sizeof lx);
	for (i = 0; i < n; i++) {
		switch (at_lex_byte(&lx, (uint8_t)in[i], &code)) {
		case AT_LEX_NONE:
			break;
		case AT_LEX_LINE:
			sb_addf(&sb, "L:%s|", lx.buf);
			break;
		case AT_LEX_JUNK:
			sb_adds(&sb, "J|");
			break;
		case AT_LEX_DLE:
			sb_addf(&sb, "D:%02x|", (unsigned)(uint8_t)code);
			break;
		}
	}
	snprintf(out, len, "%s", sb_str(&sb));
	sb_free(&sb);
}

static void
test_lex(void)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;
		const char *name;
	} c[] = {
		{ "\r\nOK\r\n", 6, "L:OK|", "CR LF framing" },
		{ "OK\n", 3, "L:OK|", "LF only" },
		{ "OK\r", 3, "L:OK|", "CR only" },
		{ "RING\r\n\r\nRING\r\n", 14, "L:RING|L:RING|",
		    "empty lines skipped" },
		{ "\x10R", 2, "D:52|", "DLE R in command mode" },
		{ "O\x10" "5K\r", 5, "D:35|L:OK|", "DLE event inside a line" },
		{ "O\0K\x11\x13\r", 6, "L:OK|", "NUL, XON, XOFF dropped" },
		{ "O\x01K\r", 4, "J|", "control byte: junk" },
		{ "\xff\xfeOK\r", 5, "J|", "high bytes: junk" },
		{ "\x10\x10OK\r", 5, "J|", "DLE DLE: junk" },
		{ "A\tB\r", 4, "L:A B|", "tab is a blank" },
		{ "OK", 2, "", "no end of line yet" },
	};
	char out[256], big[601];
	size_t i;

	for (i = 0; i < nitems(c); i++) {
		lex(c[i].in, c[i].n, out, sizeof out);
		is_str(out, c[i].out, "lex: %s", c[i].name);
	}
	memset(big, 'A', sizeof big);
	memcpy(big + sizeof big - 4, "\rOK\r", 4);
	lex(big, sizeof big, out, sizeof out);
	is_str(out, "J|L:OK|", "overlong line dropped, the next one read");
	lex("\r\nOK\r", 5, out, sizeof out);
	is_str(out, "L:OK|", "lexer recovers");
}

static int master = -1;
static struct port *port;

static void
say(const char *s)
{
	char junk[4096];

	while (read(master, junk, sizeof junk) > 0)
		;       /* drop what the engine sent */
	if (write(master, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
}

static unsigned rings;
static char cidline[64];
static char smsline[512];

static void
unsol(void *arg, enum at_res r, const char *line)
{
	if (r == AT_R_RING)
		rings++;
	if (r == AT_R_CID)
		snprintf(cidline, sizeof cidline, "%s", line);
	if (strncmp(line, "+CMT:", 5) == 0)
		snprintf(smsline, sizeof smsline, "%s", line);
}

static char dles[16];

static void
dle(void *arg, char code)
{
	size_t n = strlen(dles);

	if (n + 1 < sizeof dles) {
		dles[n] = code;
		dles[n + 1] = '\0';
	}
}

static void
test_engine(void)
{
	struct port_conf pc = { 115200, PORT_FLOW_RTSCTS };
	struct strbuf info = STRBUF_INIT;
	struct at at;
	enum at_res r = AT_R_TEXT;
	char *cause = NULL, name[64], buf[64], longpdu[400], *sayf;
	int slave, i;
	ssize_t n;

	if (openpty(&master, &slave, name, NULL, NULL) == -1) {
		ok(0, "openpty");
		return;
	}
	fcntl(master, F_SETFL, O_NONBLOCK);
	if (port_open(name, &pc, &port, &cause) == -1) {
		ok(0, "port_open %s: %s", name, cause);
		return;
	}
	close(slave);
	at_init(&at, port, "test");
	at.unsol = unsol;
	at.dle = dle;

	say("AT\r\r\nOK\r\n");
	is_int(at_cmd(&at, "AT", 1000, NULL, &r, &cause), 0,
	    "AT: echo skipped");
	is_int(r, AT_R_OK, "AT -> OK");

	say("\r\n56000\r\n\r\nOK\r\n");
	at_cmd(&at, "ATI", 1000, &info, &r, &cause);
	is_str(sb_str(&info), "56000\n", "ATI information text");
	sb_reset(&info);

	say("\r\nRING\r\n\r\nNMBR = 5551234\r\n\x10" "5\r\nERROR\r\n");
	is_int(at_cmd(&at, "AT+VCID=1", 1000, &info, &r, &cause), 0,
	    "unsolicited lines in the middle");
	is_int(r, AT_R_ERROR, "final ERROR");
	is_int(rings, 1, "RING passed aside");
	is_str(cidline, "NMBR = 5551234", "caller ID passed aside");
	is_str(dles, "5", "DLE event passed aside");
	is_str(sb_str(&info), "", "nothing taken as information text");

	say("");
	free(cause);
	cause = NULL;
	is_int(at_cmd(&at, "AT", 300, NULL, &r, &cause), -1, "no reply: -1");
	like(cause, "no answer from the modem within 300 ms",
	    "timeout message");

	say("\r\nCONNECT\r\n\x10\x10" "abc");
	is_int(at_cmd(&at, "AT+VTX", 1000, NULL, &r, &cause), 0, "AT+VTX");
	is_int(r, AT_R_CONNECT, "CONNECT");
	n = at_read_raw(&at, buf, sizeof buf, 100, &cause);
	ok(n == 5 && memcmp(buf, "\x10\x10" "abc", 5) == 0,
	    "data after CONNECT CR LF kept for data mode, LF dropped");
	at_unread(&at, (const uint8_t *)"\r\nOK\r\n", 6);
	is_int(at_cmd(&at, NULL, 500, NULL, &r, &cause), 0,
	    "at_unread text is read in command mode");
	is_int(r, AT_R_OK, "and gives OK");

	/* 27.005: the "> " prompt of AT+CMGS has no line end */
	say("\r\n> ");
	is_int(at_prompt(&at, "AT+CMGS=18", 1000, &r, &cause), 0,
	    "AT+CMGS: the \"> \" prompt ends the wait");
	say("\r\n+CMGS: 7\r\n\r\nOK\r\n");
	sb_reset(&info);
	is_int(at_cmd(&at, NULL, 1000, &info, &r, &cause), 0,
	    "then the result after Ctrl-Z");
	is_str(sb_str(&info), "+CMGS: 7\n", "+CMGS: <mr> as information");
	say("\r\n+CMTI: \"SM\",4\r\n\r\n+CDS: 25\r\n0006\r\n\r\n> ");
	cidline[0] = '\0';
	is_int(at_prompt(&at, "AT+CMGS=18", 1000, &r, &cause), 0,
	    "unsolicited lines before the prompt");
	say("AT+CMGS=18\r\r\n+CMS ERROR: 302\r\n");
	free(cause);
	cause = NULL;
	is_int(at_prompt(&at, "AT+CMGS=18", 1000, &r, &cause), -1,
	    "no prompt but +CMS ERROR: -1");
	like(cause, "+CMS ERROR: 302", "with the modem's answer");
	is_int(r, AT_R_ERROR, "res ERROR");
	say("\r\n+CMT: ,23\r\n07914306\r\n\r\nOK\r\n");
	is_int(at_cmd(&at, "AT", 1000, NULL, &r, &cause), 0,
	    "+CMT: and its PDU line in the middle of a command");
	is_str(smsline, "+CMT: ,23\n07914306", "reach the handler together");
	free(cause);
	cause = NULL;
	/* the longest PDU line 27.005 gives: a 12-octet SMSC field and a
	 * 176-octet TPDU, 376 hex digits (a full part of a long message) */
	memset(longpdu, 'A', 376);
	longpdu[376] = '\0';
	sayf = xasprintf("\r\n+CMT: ,176\r\n%s\r\n\r\nOK\r\n", longpdu);
	say(sayf);
	free(sayf);
	smsline[0] = '\0';
	is_int(at_cmd(&at, "AT", 1000, NULL, &r, &cause), 0,
	    "+CMT: with a 376-digit PDU line: %s", cause ? cause : "ok");
	ok(strlen(smsline) == 11 + 376 && strstr(smsline, longpdu) != NULL,
	    "the whole PDU reaches the handler (%zu bytes)", strlen(smsline));
	free(cause);
	cause = NULL;

	/* A flood of garbage: fails instead of looping for ever. */
	for (i = 0; i < 2 * AT_JUNK_MAX; i++) {
		if (write(master, "\x01\x02\x03\r\n", 5) != 5)
			break;
	}
	free(cause);
	cause = NULL;
	is_int(at_line(&at, 2000, &r, buf, sizeof buf, &cause), -1,
	    "garbage flood is an error");
	like(cause, "garbage", "and says so");
	free(cause);
	cause = NULL;
	at_discard(&at);

	close(master);
	is_int(at_line(&at, 1000, &r, buf, sizeof buf, &cause), -1,
	    "vanished device is an error");
	ok(cause != NULL, "with a message: %s", cause ? cause : "");
	free(cause);
	port_close(port);
	sb_free(&info);
}

int
main(void)
{
	test_classify();
	test_lex();
	test_engine();
	return tap_done();
}
