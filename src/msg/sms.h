/*
 * sms.h: SMS as the GSM modem carries it -- the 3GPP TS 23.040 transfer
 * PDUs (SMS-SUBMIT out; SMS-DELIVER and SMS-STATUS-REPORT in) in the hex
 * form of TS 27.005 PDU mode, with TS 23.038 text coding (GSM 7-bit
 * default alphabet and its extension table, or UCS2).  Pure functions of
 * their arguments: no I/O, no globals, safe from any thread.  msg/ owns
 * this codec; transports (the GSM modem driver) and the outbox build on it
 * and must not hand-assemble PDUs themselves.
 *
 * Errors follow kefu's convention: 0 / -1 with a malloc'd *cause naming
 * what was wrong (an octet offset for PDUs).
 */
#ifndef KEFU_SMS_H
#define KEFU_SMS_H

#include <stddef.h>
#include <stdint.h>

/* TS 23.038 coding of the user data. */
enum sms_coding {
	SMS_GSM7,       /* GSM 7-bit default alphabet (+ extension table) */
	SMS_8BIT,       /* 8-bit data (decoded only; text is its hex) */
	SMS_UCS2,       /* UCS2 / UTF-16BE (surrogate pairs kept whole) */
};

/* The TPDU kinds this codec knows (TP-MTI plus direction). */
enum sms_type {
	SMS_DELIVER,    /* SC -> MS: an inbound message (+CMT, +CMGR) */
	SMS_SUBMIT,     /* MS -> SC: what kefu sends with AT+CMGS */
	SMS_STATUS,     /* SC -> MS: a status report (+CDS) */
};

/* Limits of one part: 140 octets of user data. */
#define SMS_GSM7_SINGLE 160     /* septets in a message of one part */
#define SMS_GSM7_PART   153     /* septets per part after the 6-octet UDH */
#define SMS_UCS2_SINGLE 70      /* UTF-16 units in one part */
#define SMS_UCS2_PART   67      /* UTF-16 units per part after the UDH */
#define SMS_MAX_PARTS   255
#define SMS_ADDR_MAX    24      /* "+" and up to 20 digits, or 11 alnum
				   characters as UTF-8 (up to 3 octets each
				   would not fit: longer names are cut) */

/*
 * What a text costs: sms_count() fills it for a cost preview, and
 * sms_encode_submit() splits along the same lines.  "Units" are septets
 * for GSM7 (an extension character counts 2) and UTF-16 code units for
 * UCS2 (a character outside the BMP counts 2).
 */
struct sms_count {
	enum sms_coding coding; /* chosen automatically: GSM7 if every
				   character is in the default alphabet or
				   its extension table, else UCS2 */
	unsigned chars;         /* Unicode characters in the text */
	unsigned units;         /* units of the whole text */
	unsigned parts;         /* messages it takes (1 for the empty text) */
	unsigned per_part;      /* capacity of each part: 160/70 when one
				   part, 153/67 when concatenated */
	unsigned left;          /* units still free in the last part */
};

/*
 * Options of an outbound message.  Zero-initialised it is "no validity
 * period, no status report, modem's SMSC".
 */
struct sms_submit_opts {
	const char *to;         /* "+8613800138000" (international) or
				   national digits "13800138000", "10086" */
	unsigned vp_minutes;    /* relative validity period, rounded up to
				   what TP-VP can say (5 min .. 63 weeks);
				   0: none (TP-VPF 00) */
	int srr;                /* 1: ask for a status report (TP-SRR) */
	unsigned ref;           /* concatenation reference; only its low 8
				   bits are sent (the caller's counter
				   wraps at 255 -> 0) */
	const char *smsc;       /* NULL: "00", the number in AT+CSCA */
	int mr;                 /* TP-MR; 0 lets the modem choose */
};

/* One encoded part as 27.005 PDU mode wants it. */
struct sms_pdu {
	char *hex;              /* SMSC field + TPDU, upper-case hex */
	unsigned tpdu_len;      /* the <length> of AT+CMGS / +CMT: octets
				   of the TPDU only, SMSC field excluded */
};

/* A decoded PDU.  Strings are NUL-terminated; absent ones are "". */
struct sms_msg {
	enum sms_type type;
	char smsc[SMS_ADDR_MAX];/* service centre, "" when the field is 00 */
	char addr[SMS_ADDR_MAX];/* OA (deliver), DA (submit), RA (report);
				   "+" first when the type of number is
				   international; alphanumeric senders as
				   UTF-8 */
	int mr;                 /* TP-MR (submit, report); -1 otherwise */
	int srr;                /* TP-SRR (submit) / TP-SRI (deliver) /
				   TP-SRQ (report) */
	int vpf;                /* TP-VPF of a submit: 0 none, 2 relative,
				   1 enhanced, 3 absolute */
	unsigned vp_minutes;    /* relative TP-VP decoded (vpf 2) */
	unsigned pid;           /* TP-PID */
	unsigned dcs;           /* TP-DCS as received */
	enum sms_coding coding;
	char scts[32];          /* "2026-12-06 10:20:30 +08:00" (deliver,
				   report): the service centre time stamp */
	char dt[32];            /* discharge time (report) */
	int status;             /* TP-ST (report): 0x00 received by the
				   recipient, 0x20-0x3F still trying,
				   0x40- failed; -1 otherwise */
	int concat;             /* 1: a part of a concatenated message */
	unsigned ref;           /* its reference (8- or 16-bit IEI) */
	unsigned total, seq;    /* parts in the message, this part (1..) */
	char *text;             /* the text as UTF-8 (8-bit: its hex);
				   malloc'd, freed by sms_msg_free() */
	unsigned units;         /* septets / octets of text (no UDH) */
	uint16_t lo_head;       /* UCS2 part starting with the low half of
				   a surrogate pair the sender split: kept
				   here (not in text) for sms_join; 0: none */
	uint16_t hi_tail;       /* ... ending with the high half */
};

/* Count parts and characters of a UTF-8 text.  -1: invalid UTF-8. */
int sms_count(const char *text, struct sms_count *out, char **cause);

/*
 * Encode <text> (UTF-8) as one or more SMS-SUBMIT PDUs, choosing the
 * coding as sms_count() does.  Several parts carry an 8-bit reference
 * concatenation header (IEI 00) and, in GSM7, start on a septet boundary;
 * no extension character and no surrogate pair is split across parts.
 * On success *parts is a malloc'd array of *nparts, freed with
 * sms_pdus_free().  -1: invalid UTF-8, a bad number, over 255 parts.
 */
int sms_encode_submit(const char *text, const struct sms_submit_opts *o,
    struct sms_pdu **parts, size_t *nparts, char **cause);

/*
 * The other direction, for simulators and tests: SMS-DELIVER parts from
 * <from> with the service centre time stamp <scts> ("YYMMDDhhmmss", time
 * zone <tzq> quarter hours east), and an SMS-STATUS-REPORT.  The SMSC
 * field is "00" in both (as +CMT and +CDS without an SMSC show them).
 */
int sms_encode_deliver(const char *text, const char *from, const char *scts,
    int tzq, unsigned ref, struct sms_pdu **parts, size_t *nparts,
    char **cause);
int sms_encode_status(unsigned mr, const char *to, const char *scts,
    const char *dt, int tzq, unsigned st, struct sms_pdu *out, char **cause);

void sms_pdus_free(struct sms_pdu *parts, size_t n);

/*
 * Decode one PDU in hex (as +CMT/+CMGR/+CMGL/+CDS print it, or as the
 * host sent it after AT+CMGS).  <mo> selects the direction, which TP-MTI
 * alone does not tell: 1 for what a phone sends (SMS-SUBMIT), 0 for what
 * it receives (SMS-DELIVER, SMS-STATUS-REPORT).  <has_smsc> 0 when the
 * hex starts at the TPDU.  -1 on anything malformed, with the offset.
 */
int sms_decode(const char *hex, int has_smsc, int mo, struct sms_msg *m,
    char **cause);
void sms_msg_free(struct sms_msg *m);

/*
 * Join the parts of one concatenated inbound message, given in any
 * order: same sender, reference and total, every sequence number from 1
 * to total exactly once.  A surrogate pair split between two parts (some
 * phones do) is joined again; a half without its other half reads U+FFFD.
 * *text is malloc'd UTF-8.  -1 names the first part missing or
 * inconsistent.
 */
int sms_join(const struct sms_msg *const *parts, size_t n, char **text,
    char **cause);

/*
 * gsm.c: SMS through a GSM modem on kefu's one AT engine (line/at.c).
 * gsm_setup: echo off, numeric errors, the SIM PIN if the SIM asks for it
 * (never logged), PDU mode.  gsm_send: every part of <text>, each as
 * AT+CMGS=<length>, the "> " prompt, the PDU and Ctrl-Z, several parts
 * under AT+CMMS=2; mrs[] gets each part's TP-MR (room for <max>);
 * *nsent the parts accepted.  -1 names the part and the modem's answer
 * ("+CMS ERROR: 332"); parts before it were sent.
 */
struct at;
int gsm_setup(struct at *at, const char *pin, char **cause);
int gsm_send(struct at *at, const char *text, const struct sms_submit_opts *o,
    int *mrs, size_t max, size_t *nsent, char **cause);

/*
 * The +CMS ERROR policy of the GSM transport (a table in gsm.c, listed in
 * kefu-sms(7)): retry the message later, rest the modem (closed, reopened
 * after [sms] pause) while the message waits, or give the message up.
 * *what names the code's meaning.
 */
enum gsm_policy {
	GSM_RETRY,
	GSM_BACKOFF,
	GSM_GIVEUP,
};
enum gsm_policy gsm_cms_policy(int code, const char **what);
const char *gsm_policy_name(enum gsm_policy p);

const char *sms_coding_name(enum sms_coding c);
const char *sms_type_name(enum sms_type t);

#endif
