/*
 * at.c: the one AT command engine (V.250 / V.253 command mode), the shape
 * of curl's pingpong: send a command, collect information text, match the
 * final result (OK, ERROR, CONNECT, VCON, NO CARRIER...), time out, and
 * hand unsolicited lines (RING, caller ID, DRON/DROF) and command-mode
 * DLE events aside.  Bytes after a CONNECT stay buffered for data mode.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "line/line-int.h"

static const struct {
	const char *word;       /* the line, or its start when prefix */
	int prefix;             /* 1: match "word" followed by anything */
	enum at_res res;
} at_words[] = {
	{ "OK", 0, AT_R_OK },
	{ "CONNECT", 1, AT_R_CONNECT },
	{ "VCON", 0, AT_R_VCON },
	{ "#VCON", 0, AT_R_VCON },
	{ "VOICE", 0, AT_R_VCON },
	{ "ERROR", 0, AT_R_ERROR },
	{ "+CME ERROR", 1, AT_R_ERROR },
	{ "+CMS ERROR", 1, AT_R_ERROR },        /* 27.005: SMS commands */
	{ "NO CARRIER", 0, AT_R_NO_CARRIER },
	{ "BUSY", 0, AT_R_BUSY },
	{ "NO DIALTONE", 0, AT_R_NO_DIALTONE },
	{ "NO DIAL TONE", 0, AT_R_NO_DIALTONE },
	{ "NO ANSWER", 0, AT_R_NO_ANSWER },
	{ "RING", 0, AT_R_RING },
	{ "RING ", 1, AT_R_RING },
	{ "RING;", 1, AT_R_RING },
	{ "RINGING", 0, AT_R_EVENT },
	{ "DRON", 1, AT_R_DRON },
	{ "DROF", 1, AT_R_DROF },
	{ "CPON", 1, AT_R_EVENT },
	{ "CPOF", 1, AT_R_EVENT },
	{ "CWON", 1, AT_R_EVENT },
	{ "CWOF", 1, AT_R_EVENT },
	{ "+CMTI:", 1, AT_R_EVENT },            /* 27.005 3.4.1: stored SMS */
	{ "+CDSI:", 1, AT_R_EVENT },            /* stored status report */
	{ "+CMT:", 1, AT_R_EVENT },             /* + a PDU line (at_pdu_urc) */
	{ "+CDS:", 1, AT_R_EVENT },             /* + a PDU line */
};

static const char *const at_res_names[] = {
	[AT_R_TEXT] = "text",
	[AT_R_OK] = "OK",
	[AT_R_CONNECT] = "CONNECT",
	[AT_R_VCON] = "VCON",
	[AT_R_ERROR] = "ERROR",
	[AT_R_NO_CARRIER] = "NO CARRIER",
	[AT_R_BUSY] = "BUSY",
	[AT_R_NO_DIALTONE] = "NO DIALTONE",
	[AT_R_NO_ANSWER] = "NO ANSWER",
	[AT_R_RING] = "RING",
	[AT_R_CID] = "caller ID",
	[AT_R_DRON] = "DRON",
	[AT_R_DROF] = "DROF",
	[AT_R_EVENT] = "event",
	[AT_R_JUNK] = "junk",
};

const char *
at_res_name(enum at_res r)
{
	if ((size_t)r < nitems(at_res_names) && at_res_names[r] != NULL)
		return at_res_names[r];
	return "?";
}

int
at_res_final(enum at_res r)
{
	return r >= AT_R_OK && r <= AT_R_NO_ANSWER;
}

int
at_res_unsolicited(enum at_res r)
{
	return r >= AT_R_RING && r <= AT_R_EVENT;
}

enum at_res
at_classify(const char *line)
{
	struct line_callerid cid;
	size_t i, n;

	for (i = 0; i < nitems(at_words); i++) {
		n = strlen(at_words[i].word);
		if (at_words[i].prefix ? strncmp(line, at_words[i].word,
		    n) == 0 :
		    strcmp(line, at_words[i].word) == 0)
			return at_words[i].res;
	}
	callerid_clear(&cid);
	if (callerid_parse(&cid, line))
		return AT_R_CID;
	return AT_R_TEXT;
}

static enum at_lex_out
at_lex_end(struct at_lex *lx)
{
	enum at_lex_out out;

	lx->buf[lx->len] = '\0';
	out = lx->overflow || lx->junk ? AT_LEX_JUNK :
	    lx->len > 0 ? AT_LEX_LINE : AT_LEX_NONE;
	lx->len = 0;
	lx->overflow = lx->junk = 0;
	return out;
}

enum at_lex_out
at_lex_byte(struct at_lex *lx, uint8_t c, char *code)
{
	if (lx->dle) {
		lx->dle = 0;
		if (c != DLE_DLE) {
			*code = (char)c;
			return AT_LEX_DLE;
		}
		/* DLE DLE in command mode: a stray data byte. */
		lx->junk = 1;
		return AT_LEX_NONE;
	}
	switch (c) {
	case DLE_DLE:
		lx->dle = 1;
		return AT_LEX_NONE;
	case '\r':
	case '\n':
		return at_lex_end(lx);
	case 0x00:
	case 0x11:      /* XON/XOFF that leaked through */
	case 0x13:
		return AT_LEX_NONE;
	default:
		break;
	}
	if (c < 0x20 || c >= 0x7f) {
		if (c != '\t')
			lx->junk = 1;
		c = ' ';
	}
	if (lx->len >= sizeof lx->buf - 1) {
		lx->overflow = 1;
		return AT_LEX_NONE;
	}
	lx->buf[lx->len++] = (char)c;
	return AT_LEX_NONE;
}

void
at_init(struct at *at, struct port *port, const char *tag)
{
	memset(at, 0, sizeof *at);
	at->port = port;
	at->tag = tag;
}

void
at_unread(struct at *at, const uint8_t *buf, size_t n)
{
	size_t left = at->inlen - at->inpos;

	if (n == 0)
		return;
	if (n + left > sizeof at->in)
		n = sizeof at->in - left;       /* cannot happen: reads are
						   smaller */
	memmove(at->in + n, at->in + at->inpos, left);
	memcpy(at->in, buf, n);
	at->inpos = 0;
	at->inlen = n + left;
}

void
at_discard(struct at *at)
{
	at->inpos = at->inlen = 0;
	at->skip_lf = 0;
	memset(&at->lex, 0, sizeof at->lex);
}

ssize_t
at_read_raw(struct at *at, void *buf, size_t len, int timeout_ms,
    char **cause)
{
	ssize_t r;
	size_t n;

	if (at->skip_lf) {
		if (at->inpos >= at->inlen) {
			r = port_read(at->port, at->in, sizeof at->in,
			    timeout_ms, cause);
			if (r <= 0)
				return r;
			at->inpos = 0;
			at->inlen = (size_t)r;
		}
		at->skip_lf = 0;
		if (at->in[at->inpos] == '\n')
			at->inpos++;
	}
	if (at->inpos < at->inlen) {
		n = at->inlen - at->inpos;
		if (n > len)
			n = len;
		memcpy(buf, at->in + at->inpos, n);
		at->inpos += n;
		return (ssize_t)n;
	}
	return port_read(at->port, buf, len, timeout_ms, cause);
}

static int
at_remaining(uint64_t deadline)
{
	uint64_t now = now_ms();

	if (now >= deadline)
		return 0;
	return deadline - now > 200 ? 200 : (int)(deadline - now);
}

/* Strip the leading and trailing blanks the lexer left. */
static void
at_trim(char *s)
{
	size_t n;
	char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	memmove(s, p, n);
	s[n] = '\0';
}

/*
 * Read until one complete line (or a DLE event, which is dispatched) or
 * the deadline (or at->stop, when stoppable: commands always finish).
 * 1: the line is in `line`; 0: deadline; -1 with *cause.
 */
static int
at_next(struct at *at, uint64_t deadline, int stoppable, char *line,
    size_t len, char **cause)
{
	ssize_t n;
	char code;
	int wait;

	for (;;) {
		while (at->inpos < at->inlen) {
			if (at->want_prompt && at->lex.len == 1 &&
			    at->lex.buf[0] == '>') {
				/* 27.005 "> ": no line end follows */
				at->lex.len = 0;
				return 2;
			}
			switch (at_lex_byte(&at->lex, at->in[at->inpos++],
			    &code)) {
			case AT_LEX_NONE:
				break;
			case AT_LEX_DLE:
				if (at->dle != NULL)
					at->dle(at->arg, code);
				break;
			case AT_LEX_JUNK:
				log_debug("%s: dropped an unreadable line from "
				    "the modem", at->tag);
				if (++at->junk >= AT_JUNK_MAX)
					return kf_error(cause, "%s: the modem "
					    "sends garbage (%u unreadable "
					    "lines in a row)", at->tag,
					    at->junk);

				break;
			case AT_LEX_LINE:
				strncpy(line, at->lex.buf, len - 1);
				line[len - 1] = '\0';
				at_trim(line);
				if (*line == '\0')
					break;
				return 1;
			}
		}
		if (at->want_prompt && at->lex.len == 1 &&
		    at->lex.buf[0] == '>') {
			at->lex.len = 0;
			return 2;
		}
		if (stoppable && at->stop != NULL && *at->stop)
			return 0;
		wait = at_remaining(deadline);
		if (wait == 0)
			return 0;
		at->inpos = 0;
		n = port_read(at->port, at->in, sizeof at->in, wait, cause);
		if (n < 0)
			return -1;
		at->inlen = (size_t)n;
	}
}

/*
 * +CMT: and +CDS: (27.005 3.4.1) carry their PDU on the next line: join
 * it to <line> as "head\npdu" so that the handler gets both.
 */
static int
at_pdu_urc(struct at *at, uint64_t deadline, char *line, size_t len,
    char **cause)
{
	char pdu[AT_LINE_MAX];
	size_t n;

	if (strncmp(line, "+CMT:", 5) != 0 && strncmp(line, "+CDS:", 5) != 0)
		return 0;
	if (at_next(at, deadline, 0, pdu, sizeof pdu, cause) != 1)
		return kf_error(cause, "%s: %s came without its PDU", at->tag,
		    line);
	n = strlen(line);
	snprintf(line + n, len - n, "\n%s", pdu);
	return 0;
}

int
at_line(struct at *at, int timeout_ms, enum at_res *res, char *line,
    size_t len, char **cause)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	int r;

	if ((r = at_next(at, deadline, 1, line, len, cause)) != 1)
		return r;
	*res = at_classify(line);
	if (*res == AT_R_TEXT && ++at->junk >= AT_JUNK_MAX)
		return kf_error(cause, "%s: the modem sends garbage (%u "
		    "unexpected lines in a row)", at->tag, at->junk);
	if (*res != AT_R_TEXT)
		at->junk = 0;
	if (at_res_unsolicited(*res) && at_pdu_urc(at, deadline + 2000, line,
	    len, cause) == -1)
		return -1;
	if (at_res_unsolicited(*res) && at->unsol != NULL)
		at->unsol(at->arg, *res, line);
	return 1;
}

int
at_cmd(struct at *at, const char *cmd, int timeout_ms, struct strbuf *info,
    enum at_res *res, char **cause)
{
	uint64_t deadline;
	char line[AT_LINE_MAX];
	char *why = NULL;
	enum at_res r;
	int got;

	if (cmd == NULL) {
		cmd = "(waiting)";
		goto wait;
	}
	if (strncasecmp(cmd, "AT+CPIN=", 8) == 0)
		log_debug("%s: >> AT+CPIN=(PIN not logged)", at->tag);
	else
		log_debug("%s: >> %s", at->tag, cmd);
	if (port_puts(at->port, cmd, 2000, &why) == -1 ||
	    port_puts(at->port, "\r", 2000, &why) == -1) {
		kf_error(cause, "%s: %s: %s", at->tag, cmd, why);
		free(why);
		return -1;
	}
wait:
	deadline = now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		got = at_next(at, deadline, 0, line, sizeof line, cause);
		if (got == -1)
			return -1;
		if (got == 0)
			return kf_error(cause, "%s: %s: no answer from the "
			    "modem within %d ms", at->tag, cmd, timeout_ms);
		if (str_ieq(line, cmd))
			continue;               /* echo (before ATE0) */
		r = at_classify(line);
		log_debug("%s: << %s", at->tag, line);
		if (at_res_final(r)) {
			at->junk = 0;
			at->skip_lf = r == AT_R_CONNECT;
			snprintf(at->final, sizeof at->final, "%s", line);
			*res = r;
			return 0;
		}
		if (at_res_unsolicited(r)) {
			if (at_pdu_urc(at, deadline, line, sizeof line,
			    cause) == -1)
				return -1;
			if (at->unsol != NULL)
				at->unsol(at->arg, r, line);
			continue;
		}
		if (info != NULL) {
			sb_adds(info, line);
			sb_addc(info, '\n');
		}
		if (++at->junk >= 4 * AT_JUNK_MAX)
			return kf_error(cause, "%s: %s: the modem does not "
			    "stop talking", at->tag, cmd);
	}
}

int
at_ok(struct at *at, const char *cmd, int timeout_ms, char **cause)
{
	enum at_res r;

	if (at_cmd(at, cmd, timeout_ms, NULL, &r, cause) == -1)
		return -1;
	if (r == AT_R_OK || r == AT_R_VCON)
		return 0;
	return kf_error(cause, "%s: %s: the modem answered %s", at->tag, cmd,
	    at_res_name(r));
}

int
at_prompt(struct at *at, const char *cmd, int timeout_ms, enum at_res *res,
    char **cause)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	char line[AT_LINE_MAX];
	char *why = NULL;
	enum at_res r;
	int got;

	log_debug("%s: >> %s", at->tag, cmd);
	if (port_puts(at->port, cmd, 2000, &why) == -1 ||
	    port_puts(at->port, "\r", 2000, &why) == -1) {
		kf_error(cause, "%s: %s: %s", at->tag, cmd, why);
		free(why);
		return -1;
	}
	at->want_prompt = 1;
	for (;;) {
		got = at_next(at, deadline, 0, line, sizeof line, cause);
		if (got == 2) {
			at->want_prompt = 0;
			*res = AT_R_TEXT;
			return 0;
		}
		if (got != 1)
			break;
		if (str_ieq(line, cmd))
			continue;
		r = at_classify(line);
		log_debug("%s: << %s", at->tag, line);
		if (at_res_final(r)) {  /* refused: no prompt comes */
			at->want_prompt = 0;
			*res = r;
			return kf_error(cause, "%s: %s: the modem answered %s",
			    at->tag, cmd, line);
		}
		if (at_res_unsolicited(r)) {
			if (at_pdu_urc(at, deadline, line, sizeof line,
			    cause) == -1)
				break;
			if (at->unsol != NULL)
				at->unsol(at->arg, r, line);
		}
	}
	at->want_prompt = 0;
	*res = AT_R_TEXT;
	if (got == 0)
		return kf_error(cause, "%s: %s: no \"> \" prompt from the "
		    "modem within %d ms", at->tag, cmd, timeout_ms);
	return -1;
}
