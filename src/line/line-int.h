/*
 * line-int.h: the modem driver's parts, private to src/line/ (and its
 * tests and fuzz targets): the DLE stream codec (dle.c), modem families
 * and the +VSM=? format chooser (family.c).  The AT command engine
 * (at.c) has its own public header, line/at.h: msg/gsm.c uses it too.
 */
#ifndef KEFU_LINE_INT_H
#define KEFU_LINE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "audio/audio_fmt.h"
#include "line/at.h"
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
	DLE_K_HANGUP,           /* b busy, d dial tone, l loop break...: caller
				   gone */
	DLE_K_NOVOICE,          /* s: silence from the start (presumed
				   hang-up) */
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

/* family.c ---------------------------------------------------------- */

/* One line of AT+VSM=? */
struct vsm_fmt {
	int cml;                /* compression method number
				   (vendor-specific) */
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
	const char *const *init;        /* extra commands at open,
					   NULL-terminated */
	const char *vsm_set;            /* printf: cml, rate */
	int fallback_cml;               /* when AT+VSM=? gives nothing usable */
	enum audio_enc fallback_enc;
	const char *vsd;                /* printf: silence in 0.1 s; NULL: not
					   sent */
	int soft_silence;               /* +VSD is ignored: rely on software */
	unsigned spurious_dialtone_ms;  /* a DLE d this soon after AT+VTX/AT+VRX
					   is the firmware's, not the line's
					   (USR); 0: every DLE d counts */
	const char *after_beep;         /* re-select the line after +VTS;
					   NULL */
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
