/*
 * at.h: the one AT command engine (at.c), public to every subsystem that
 * talks to a modem -- the voice-modem driver (line/modem.c) and the GSM
 * SMS transport (msg/gsm.c): send a command, collect information text,
 * match the final result (OK, ERROR, +CMS ERROR...), time out, and pass
 * unsolicited lines (RING, caller ID, +CMTI, +CDS with its PDU) aside.
 * It owns the command-mode line lexer and the result table; it knows
 * nothing about voice, audio or SMS PDUs.  Depends on port and util
 * (and, inside at.c, line/callerid.c for caller-ID lines).
 */
#ifndef KEFU_AT_H
#define KEFU_AT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "port/port.h"
#include "util/util.h"

/*
 * Longest line kept: a 27.005 PDU line (+CMT, +CDS, +CMGR, +CMGL) is up
 * to 376 hex digits (a 12-octet SMSC field and a 176-octet TPDU), and
 * +CMT/+CDS reach the handler with their head line joined in front.
 */
#define AT_LINE_MAX 512

/* A line from the modem, classified by at_classify(). */
enum at_res {
	AT_R_TEXT,              /* information text (reply to ATI, +VSM=?...) */
	AT_R_OK,
	AT_R_CONNECT,
	AT_R_VCON,
	AT_R_ERROR,
	AT_R_NO_CARRIER,
	AT_R_BUSY,
	AT_R_NO_DIALTONE,
	AT_R_NO_ANSWER,
	AT_R_RING,              /* unsolicited from here on */
	AT_R_CID,               /* NMBR / NAME / DATE / TIME / MESG ... */
	AT_R_DRON,
	AT_R_DROF,
	AT_R_EVENT,             /* CPON, CWON... known, ignored */
	AT_R_JUNK,              /* overlong or unprintable */
};
enum at_res at_classify(const char *line);
const char *at_res_name(enum at_res r);
/* 1 for results that end a command (OK .. NO ANSWER). */
int at_res_final(enum at_res r);
/* 1 for lines that arrive unasked (RING, caller ID, DRON...). */
int at_res_unsolicited(enum at_res r);

/* Splits the command-mode byte stream into lines and DLE events. */
struct at_lex {
	char buf[AT_LINE_MAX];
	size_t len;
	int dle;                /* previous byte was DLE */
	int overflow;           /* the current line ran past AT_LINE_MAX - 1 */
	int junk;               /* the current line held unprintable bytes */
};
enum at_lex_out {
	AT_LEX_NONE,            /* nothing complete yet */
	AT_LEX_LINE,            /* a line is in lx->buf (NUL-terminated, no
				   CR/LF) */
	AT_LEX_JUNK,            /* an overlong or unprintable line was
				   dropped */
	AT_LEX_DLE,             /* a DLE event; *code */
};
enum at_lex_out at_lex_byte(struct at_lex *lx, uint8_t c, char *code);

/* The AT engine on one port. */
typedef void (at_unsol_h)(void *arg, enum at_res r, const char *line);
typedef void (at_dle_h)(void *arg, char code);
struct at {
	struct port *port;
	const char *tag;        /* "line 2", for logs */
	struct at_lex lex;
	uint8_t in[2048];       /* read but not yet consumed */
	size_t inpos, inlen;
	at_unsol_h *unsol;      /* RING, caller ID...; may be NULL */
	at_dle_h *dle;          /* DLE events in command mode; may be NULL */
	void *arg;
	unsigned junk;          /* junk lines since the last good one */
	int skip_lf;            /* drop the LF of CONNECT CR LF from data */
	const atomic_int *stop; /* when set, at_line returns early (may be
				   NULL) */
	int want_prompt;        /* at_prompt: a lone '>' ends the wait */
	char final[AT_LINE_MAX];/* the last final result line of at_cmd
				   ("+CMS ERROR: 332": the code matters) */
};
#define AT_JUNK_MAX 64          /* this many junk lines in a row: wedged */
void at_init(struct at *at, struct port *port, const char *tag);
/*
 * Send cmd + CR and wait up to timeout_ms for its final result (*res);
 * cmd NULL only waits (after DLE ETX).
 * Information text goes to info (may be NULL), one line per '\n'.
 * 0 when a final result arrived, -1 with *cause on timeout, garbage
 * flood or a device error.
 */
int at_cmd(struct at *at, const char *cmd, int timeout_ms,
    struct strbuf *info, enum at_res *res, char **cause);
/*
 * Send cmd + CR and wait for the 27.005 "> " prompt (AT+CMGS): 0 when it
 * came (the caller then writes the PDU and Ctrl-Z and collects the result
 * with at_cmd(at, NULL, ...)); -1 with *cause on a final result instead
 * (*res: ERROR for +CMS ERROR), timeout or a device error.  Unsolicited
 * lines meanwhile go to at->unsol; +CMT:/+CDS: reach it as "head\npdu".
 */
int at_prompt(struct at *at, const char *cmd, int timeout_ms,
    enum at_res *res, char **cause);
/* at_cmd that wants OK (or VCON); anything else is -1 with *cause. */
int at_ok(struct at *at, const char *cmd, int timeout_ms, char **cause);
/*
 * Wait up to timeout_ms for one line; unsolicited ones are passed to
 * at->unsol first.  1 with *res and line filled, 0 on timeout, -1 with
 * *cause (device gone, garbage flood).
 */
int at_line(struct at *at, int timeout_ms, enum at_res *res, char *line,
    size_t len, char **cause);
/* Raw bytes for data mode (what the lexer left first).  As port_read. */
ssize_t at_read_raw(struct at *at, void *buf, size_t len, int timeout_ms,
    char **cause);
/* Put bytes back in front of the input (data-mode bytes after DLE ETX). */
void at_unread(struct at *at, const uint8_t *buf, size_t n);
/* Drop buffered and pending input. */
void at_discard(struct at *at);

#endif
