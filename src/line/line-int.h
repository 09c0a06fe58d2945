/*
 * line-int.h: the modem driver's parts, private to src/line/ (and its
 * tests and fuzz targets): the DLE stream codec (dle.c), the AT command
 * engine and result-line lexer (at.c), modem families and the +VSM=?
 * format chooser (family.c).
 */
#ifndef KEFU_LINE_INT_H
#define KEFU_LINE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "audio/audio_fmt.h"
#include "line/line.h"
#include "port/port.h"
#include "util/util.h"

#define DLE_DLE 0x10
#define DLE_ETX 0x03
#define DLE_CAN 0x18
#define DLE_SUB 0x1a
#define DLE_NUL 0x00

/* dle.c ------------------------------------------------------------- */

/* What a DLE code from the modem means to the driver (V.253 5a). */
enum dle_kind {
	DLE_K_UNKNOWN,          /* not in the table: logged, ignored */
	DLE_K_IGNORE,           /* known, nothing to do (u, o, T, v...) */
	DLE_K_DTMF,             /* 0-9 * # A-D */
	DLE_K_DTMF_START,       /* '/' start of a tone */
	DLE_K_DTMF_END,         /* '~' end of a tone */
	DLE_K_ETX,              /* end of the received stream */
	DLE_K_HANGUP,           /* b busy, d dial tone, l loop break...: caller gone */
	DLE_K_NOVOICE,          /* s: silence from the start (presumed hang-up) */
	DLE_K_QUIET,            /* q: voice, then silence (end of message) */
	DLE_K_HANDSET,          /* H, P: someone picked up an extension */
	DLE_K_RING,             /* R: a ring (voice command mode) */
	DLE_K_FAX,              /* c, e, a: fax/data caller */
};
enum dle_kind dle_kind(int code);
/* "busy tone", "DTMF 5"... (static storage for unknown codes: "code 0x7a"). */
const char *dle_name(int code, char *buf, size_t len);

/* Receive-stream decoder; keeps a DLE split across reads. */
struct dle_dec {
	int pending;            /* 1: the previous chunk ended in a lone DLE */
};
/*
 * Decode up to n bytes.  Data bytes are written to out (room for 2 * n:
 * DLE SUB is two data bytes), their count in *nout; event codes to ev
 * (room for n), their count in *nev.  Decoding stops right after a
 * DLE ETX (what follows is command-mode text).  Returns the number of
 * input bytes consumed.
 */
size_t dle_decode(struct dle_dec *d, const uint8_t *in, size_t n,
    uint8_t *out, size_t *nout, char *ev, size_t *nev);
/* Shield audio for AT+VTX: every DLE doubled.  out has room for 2 * n. */
size_t dle_shield(const uint8_t *in, size_t n, uint8_t *out);

/* Collapse the repeats a modem sends between DLE / and DLE ~. */
struct dtmf {
	int in_tone;            /* between '/' and '~' */
	int seen;               /* a digit was already reported for this tone */
};
/* Feed one DLE code; returns the digit to report, or 0. */
char dtmf_feed(struct dtmf *t, int code);

/* at.c -------------------------------------------------------------- */

#define AT_LINE_MAX 256

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
	AT_LEX_LINE,            /* a line is in lx->buf (NUL-terminated, no CR/LF) */
	AT_LEX_JUNK,            /* an overlong or unprintable line was dropped */
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
	const atomic_int *stop; /* when set, at_line returns early (may be NULL) */
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

/* family.c ---------------------------------------------------------- */

/* One line of AT+VSM=? */
struct vsm_fmt {
	int cml;                /* compression method number (vendor-specific) */
	char name[32];          /* "UNSIGNED PCM", "8-BIT LINEAR"... */
	int bits;               /* bits per sample */
	unsigned rates[8];      /* sample rates offered */
	size_t nrates;
	int usable;             /* the audio layer supports it */
	enum audio_enc enc;     /* valid when usable */
};
/* Parse one +VSM=? line; 0, or -1 when it is not one. */
int vsm_parse(const char *line, struct vsm_fmt *out);
/*
 * Choose the best usable format: 16-bit linear if port_bps can carry it
 * (0: unknown speed, e.g. USB or TCP: yes), then u-law, A-law, 8-bit
 * unsigned; 8000 samples/s before 7200.  0 with *fmt and *cml, -1 when
 * nothing is usable.
 */
int vsm_choose(const struct vsm_fmt *list, size_t n, int port_bps,
    struct audio_fmt *fmt, int *cml);
const char *vsm_enc_name(enum audio_enc e);

/* A modem family: strings and flags the V.253 driver uses. */
struct modem_family {
	const char *name;               /* kefu.conf family= */
	const char *desc;
	const char *const *init;        /* extra commands at open, NULL-terminated */
	const char *vsm_set;            /* printf: cml, rate */
	int fallback_cml;               /* when AT+VSM=? gives nothing usable */
	enum audio_enc fallback_enc;
	const char *vsd;                /* printf: silence in 0.1 s; NULL: not sent */
	int soft_silence;               /* +VSD is ignored: rely on software */
	unsigned spurious_dialtone_ms;  /* a DLE d this soon after AT+VTX/AT+VRX
					   is the firmware's, not the line's
					   (USR); 0: every DLE d counts */
	const char *after_beep;         /* re-select the line after +VTS; NULL */
	unsigned vts_unit_ms;           /* unit of the +VTS duration */
};
extern const struct modem_family *const modem_families[];
extern const size_t modem_nfamilies;
const struct modem_family *family_find(const char *name);
/*
 * Pick the family from the replies to ATI, ATI3 and AT+FMI? (any may
 * be ""); the generic V.253 family when nothing matches.  *why names
 * the rule that matched.
 */
const struct modem_family *family_detect(const char *ati, const char *ati3,
    const char *fmi, const char **why);

/*
 * The AT+VLS label that connects the modem alone to the line (primitives
 * "T", V.253 table 12) from an AT+VLS=? reply; 1 when none is found.
 */
int vls_pick(const char *text);

/* Software silence: 1 when every sample of buf is near silence. */
int vsm_quiet(enum audio_enc enc, const uint8_t *buf, size_t n);

#endif
