/*
 * sms.c: the 3GPP TS 23.040 SMS transfer PDUs in TS 27.005 hex form, with
 * TS 23.038 text coding (GSM 7-bit default alphabet + extension table, UCS2)
 * and 8-bit-reference concatenation (TS 23.040 9.2.3.24.1).  Written by hand,
 * small and table-driven, rather than with libgammu 1.42 (Debian's): it
 * encodes only through its phone-state structs (GSM_SMSMessage, a
 * GSM_StateMachine's PHONE_SMSSubmit layouts), is GPL-2, and its decoder
 * reads one character too many per GSM extension character (seen in
 * t/sms-xcheck-gammu.py).  The codec is cross-checked against node-pdu
 * (t/sms-xcheck.sh) and libgammu's decoder (t/sms-xcheck-gammu.sh).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "msg/sms.h"

#define GSM_ESC 0x1b
#define UD_MAX  140             /* octets of user data per TPDU */
#define PDU_MAX 200             /* octets of SMSC field + TPDU */

/* TS 23.038 6.2.1: the default alphabet, septet -> Unicode. */
static const uint16_t gsm7_basic[128] = {
	0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec,
	0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5,
	0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8,
	0x03a3, 0x0398, 0x039e, 0x00a0, 0x00c6, 0x00e6, 0x00df, 0x00c9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f,
	0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
	0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
};
/* (0x1B is the escape; decoded alone it reads as a no-break space.) */

/* TS 23.038 6.2.1.1: the extension table, sent as ESC + septet. */
static const struct {
	unsigned char septet;
	uint16_t uc;
} gsm7_ext[] = {
	{ 0x0a, 0x000c }, { 0x14, '^' }, { 0x28, '{' }, { 0x29, '}' },
	{ 0x2f, '\\' }, { 0x3c, '[' }, { 0x3d, '~' }, { 0x3e, ']' },
	{ 0x40, '|' }, { 0x65, 0x20ac },
};

static const char *coding_names[] = { "gsm7", "8bit", "ucs2" };
static const char *type_names[] = { "deliver", "submit", "status-report" };

const char *
sms_coding_name(enum sms_coding c)
{
	return (unsigned)c < nitems(coding_names) ? coding_names[c] : "?";
}

const char *
sms_type_name(enum sms_type t)
{
	return (unsigned)t < nitems(type_names) ? type_names[t] : "?";
}

/* ---------------------------------------------------------------- */
/* text <-> units */

/* Septets for <uc>: 1 (basic), 2 (ESC + ext), 0 (not in GSM 7-bit). */
static int
gsm7_lookup(uint32_t uc, unsigned char *s)
{
	size_t i;

	if (uc == 0x1b || uc == 0xa0)
		return 0;       /* the escape slot is no character of ours */
	for (i = 0; i < 128; i++)
		if (gsm7_basic[i] == uc) {
			s[0] = (unsigned char)i;
			return 1;
		}
	for (i = 0; i < nitems(gsm7_ext); i++)
		if (gsm7_ext[i].uc == uc) {
			s[0] = GSM_ESC;
			s[1] = gsm7_ext[i].septet;
			return 2;
		}
	return 0;
}

static uint32_t
gsm7_ext_uc(unsigned char s)
{
	size_t i;

	for (i = 0; i < nitems(gsm7_ext); i++)
		if (gsm7_ext[i].septet == s)
			return gsm7_ext[i].uc;
	return gsm7_basic[s & 0x7f];    /* 23.038: show the basic one */
}

/* Next code point of UTF-8 <s> at *i; -1 when malformed. */
static int32_t
utf8_next(const unsigned char *s, size_t *i)
{
	static const uint32_t min[] = { 0, 0x80, 0x800, 0x10000 };
	uint32_t uc;
	int n, k;

	uc = s[*i];
	if (uc < 0x80)
		n = 0;
	else if ((uc & 0xe0) == 0xc0)
		n = 1, uc &= 0x1f;
	else if ((uc & 0xf0) == 0xe0)
		n = 2, uc &= 0x0f;
	else if ((uc & 0xf8) == 0xf0)
		n = 3, uc &= 0x07;
	else
		return -1;
	for (k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return -1;
		uc = (uc << 6) | (s[*i + k] & 0x3f);
	}
	if (uc < min[n] || uc > 0x10ffff || (uc >= 0xd800 && uc <= 0xdfff))
		return -1;
	*i += (size_t)n + 1;
	return (int32_t)uc;
}

static void
utf8_put(struct strbuf *sb, uint32_t uc)
{
	char b[4];

	if (uc < 0x80) {
		sb_addc(sb, (char)uc);
		return;
	}
	if (uc < 0x800) {
		b[0] = (char)(0xc0 | (uc >> 6));
		b[1] = (char)(0x80 | (uc & 0x3f));
		sb_add(sb, b, 2);
	} else if (uc < 0x10000) {
		b[0] = (char)(0xe0 | (uc >> 12));
		b[1] = (char)(0x80 | ((uc >> 6) & 0x3f));
		b[2] = (char)(0x80 | (uc & 0x3f));
		sb_add(sb, b, 3);
	} else {
		b[0] = (char)(0xf0 | (uc >> 18));
		b[1] = (char)(0x80 | ((uc >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((uc >> 6) & 0x3f));
		b[3] = (char)(0x80 | (uc & 0x3f));
		sb_add(sb, b, 4);
	}
}

/* A text as units of its coding: septets or UTF-16 code units. */
struct units {
	enum sms_coding coding;
	uint16_t *u;
	size_t n;
	unsigned chars;
};

static void
units_add(struct units *us, uint16_t v)
{
	us->u = xreallocarray(us->u, us->n + 1, sizeof *us->u);
	us->u[us->n++] = v;
}

static int
units_utf16(const char *text, struct units *us)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	int32_t uc;

	while (s[i] != '\0') {
		if ((uc = utf8_next(s, &i)) < 0)
			return -1;
		us->chars++;
		if (uc >= 0x10000) {
			uc -= 0x10000;
			units_add(us, (uint16_t)(0xd800 | (uc >> 10)));
			units_add(us, (uint16_t)(0xdc00 | (uc & 0x3ff)));
		} else
			units_add(us, (uint16_t)uc);
	}
	return 0;
}

/* Convert <text>; GSM7 when every character fits, else UTF-16. */
static int
units_make(const char *text, struct units *us, char **cause)
{
	const unsigned char *s = (const unsigned char *)text;
	unsigned char sep[2];
	size_t i = 0, at;
	int32_t uc;
	int k, n;

	memset(us, 0, sizeof *us);
	us->coding = SMS_GSM7;
	while (s[i] != '\0') {
		at = i;
		if ((uc = utf8_next(s, &i)) < 0) {
			free(us->u);
			return kf_error(cause, "text is not UTF-8 at byte %zu",
			    at);
		}
		if ((n = gsm7_lookup((uint32_t)uc, sep)) == 0) {
			free(us->u);
			memset(us, 0, sizeof *us);
			us->coding = SMS_UCS2;
			return units_utf16(text, us) == 0 ? 0 :
			    kf_error(cause, "text is not UTF-8");
		}
		us->chars++;
		for (k = 0; k < n; k++)
			units_add(us, sep[k]);
	}
	return 0;
}

/* May a part end before unit <i>?  Not inside ESC+x or a pair. */
static int
units_cut_ok(const struct units *us, size_t i)
{
	uint16_t prev;

	if (i == 0 || i >= us->n)
		return 1;
	prev = us->u[i - 1];
	if (us->coding == SMS_GSM7)
		return prev != GSM_ESC; /* units_make's ESC is a prefix only */
	return !(prev >= 0xd800 && prev <= 0xdbff);
}

/* Split points: bounds[k]..bounds[k+1] is part k.  Returns parts. */
static size_t
units_split(const struct units *us, size_t **bounds)
{
	size_t single, per, n = 0, at = 0, end;
	size_t *b = NULL;

	single = us->coding == SMS_GSM7 ? SMS_GSM7_SINGLE : SMS_UCS2_SINGLE;
	per = us->coding == SMS_GSM7 ? SMS_GSM7_PART : SMS_UCS2_PART;
	b = xreallocarray(b, 1, sizeof *b);
	b[n++] = 0;
	if (us->n <= single) {
		b = xreallocarray(b, 2, sizeof *b);
		b[n++] = us->n;
		*bounds = b;
		return 1;
	}
	while (at < us->n) {
		end = at + per < us->n ? at + per : us->n;
		while (!units_cut_ok(us, end))
			end--;
		b = xreallocarray(b, n + 1, sizeof *b);
		b[n++] = at = end;
	}
	*bounds = b;
	return n - 1;
}

int
sms_count(const char *text, struct sms_count *out, char **cause)
{
	struct units us;
	size_t *b, parts;

	if (units_make(text, &us, cause) == -1)
		return -1;
	parts = units_split(&us, &b);
	memset(out, 0, sizeof *out);
	out->coding = us.coding;
	out->chars = us.chars;
	out->units = (unsigned)us.n;
	out->parts = (unsigned)parts;
	if (us.coding == SMS_GSM7)
		out->per_part = parts > 1 ? SMS_GSM7_PART : SMS_GSM7_SINGLE;
	else
		out->per_part = parts > 1 ? SMS_UCS2_PART : SMS_UCS2_SINGLE;
	out->left = out->per_part - (unsigned)(b[parts] - b[parts - 1]);
	free(b);
	free(us.u);
	return 0;
}

/* ---------------------------------------------------------------- */
/* octet writer */

struct ob {
	unsigned char b[PDU_MAX];
	size_t n;
};

static void
ob_put(struct ob *o, unsigned v)
{
	if (o->n < sizeof o->b)
		o->b[o->n++] = (unsigned char)v;
}

/* Address field: digit count, TOA, swapped BCD ("+" -> TOA 91). */
static int
ob_addr(struct ob *o, const char *num, int smsc, char **cause)
{
	const char *d = num[0] == '+' ? num + 1 : num;
	size_t len = strlen(d), i;

	if (len == 0 || len > 20 || strspn(d, "0123456789") != len)
		return kf_error(cause, "\"%s\" is not a phone number (digits, "
		    "optionally after +, at most 20)", num);
	ob_put(o, smsc ? (unsigned)(len + 1) / 2 + 1 : (unsigned)len);
	ob_put(o, num[0] == '+' ? 0x91 : 0x81);
	for (i = 0; i < len; i += 2)
		ob_put(o, (unsigned)(d[i] - '0') |
		    (i + 1 < len ? (unsigned)(d[i + 1] - '0') << 4 : 0xf0));
	return 0;
}

/* Seven swapped-BCD octets: YYMMDDhhmmss and the zone. */
static int
ob_scts(struct ob *o, const char *ts, int tzq, char **cause)
{
	unsigned q = (unsigned)(tzq < 0 ? -tzq : tzq);
	size_t i;

	if (strlen(ts) != 12 || strspn(ts, "0123456789") != 12 || q > 79)
		return kf_error(cause, "time stamp \"%s\" is not YYMMDDhhmmss",
		    ts);
	for (i = 0; i < 12; i += 2)
		ob_put(o, (unsigned)(ts[i] - '0') |
		    (unsigned)(ts[i + 1] - '0') << 4);
	ob_put(o, (q / 10) | (q % 10) << 4 | (tzq < 0 ? 0x08 : 0));
	return 0;
}

/* TP-VP relative (23.040 9.2.3.12.1) for at least <min> minutes. */
static unsigned
vp_relative(unsigned min)
{
	if (min <= 720)
		return min <= 5 ? 0 : (min + 4) / 5 - 1;
	if (min <= 1440)
		return 143 + (min - 720 + 29) / 30;
	if (min <= 30 * 1440)
		return 166 + (min + 1439) / 1440;
	if (min <= 63 * 10080)
		return 192 + (min + 10079) / 10080;
	return 255;
}

static unsigned
vp_minutes(unsigned vp)
{
	if (vp <= 143)
		return (vp + 1) * 5;
	if (vp <= 167)
		return 720 + (vp - 143) * 30;
	if (vp <= 196)
		return (vp - 166) * 1440;
	return (vp - 192) * 10080;
}

/*
 * TP-UDL and TP-UD of units u[0..n) behind an optional concatenation
 * header (ref, total, seq; total 0: none).
 */
static void
ob_ud(struct ob *o, const struct units *us, size_t from, size_t to,
    unsigned ref, unsigned total, unsigned seq)
{
	unsigned char ud[UD_MAX];
	size_t hdr = total > 0 ? 6 : 0, i, bit;
	unsigned v;

	memset(ud, 0, sizeof ud);
	if (hdr > 0) {
		ud[0] = 5, ud[1] = 0x00, ud[2] = 3;
		ud[3] = (unsigned char)(ref & 0xff);
		ud[4] = (unsigned char)total, ud[5] = (unsigned char)seq;
	}
	if (us->coding == SMS_UCS2) {
		ob_put(o, (unsigned)(hdr + 2 * (to - from)));
		for (i = 0; i < hdr; i++)
			ob_put(o, ud[i]);
		for (i = from; i < to; i++) {
			ob_put(o, us->u[i] >> 8);
			ob_put(o, us->u[i] & 0xff);
		}
		return;
	}
	/* septets start on the septet boundary after the header */
	bit = (hdr * 8 + 6) / 7 * 7;
	ob_put(o, (unsigned)(bit / 7 + (to - from)));
	for (i = from; i < to; i++, bit += 7) {
		v = (unsigned)(us->u[i] & 0x7f) << (bit % 8);
		ud[bit / 8] |= (unsigned char)(v & 0xff);
		if (v > 0xff && bit / 8 + 1 < UD_MAX)
			ud[bit / 8 + 1] |= (unsigned char)(v >> 8);
	}
	for (i = 0; i < (bit + 7) / 8; i++)
		ob_put(o, ud[i]);
}

static void
pdu_set(struct sms_pdu *p, const struct ob *o, size_t smsc_len)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t i;

	p->hex = xmalloc(o->n * 2 + 1);
	for (i = 0; i < o->n; i++) {
		p->hex[2 * i] = hx[o->b[i] >> 4];
		p->hex[2 * i + 1] = hx[o->b[i] & 0xf];
	}
	p->hex[2 * o->n] = '\0';
	p->tpdu_len = (unsigned)(o->n - smsc_len);
}

void
sms_pdus_free(struct sms_pdu *parts, size_t n)
{
	size_t i;

	if (parts == NULL)
		return;
	for (i = 0; i < n; i++)
		free(parts[i].hex);
	free(parts);
}

/* What a submit or deliver part holds besides its units. */
struct enc {
	int deliver;
	const struct sms_submit_opts *so;
	const char *from, *scts;
	int tzq;
	unsigned ref;
};

static int
enc_part(const struct enc *e, const struct units *us, size_t from, size_t to,
    unsigned total, unsigned seq, struct sms_pdu *p, char **cause)
{
	struct ob o;
	size_t smsc_len;
	unsigned fo, dcs = us->coding == SMS_UCS2 ? 0x08 : 0x00;

	memset(&o, 0, sizeof o);
	if (!e->deliver && e->so->smsc != NULL) {
		if (ob_addr(&o, e->so->smsc, 1, cause) == -1)
			return -1;
	} else
		ob_put(&o, 0);
	smsc_len = o.n;
	if (e->deliver) {
		fo = 0x04 | (total > 0 ? 0x40 : 0);     /* TP-MMS: no more */
		ob_put(&o, fo);
		if (ob_addr(&o, e->from, 0, cause) == -1)
			return -1;
		ob_put(&o, 0x00);
		ob_put(&o, dcs);
		if (ob_scts(&o, e->scts, e->tzq, cause) == -1)
			return -1;
	} else {
		fo = 0x01 | (e->so->vp_minutes > 0 ? 0x10 : 0) |
		    (e->so->srr ? 0x20 : 0) | (total > 0 ? 0x40 : 0);
		ob_put(&o, fo);
		ob_put(&o, (unsigned)e->so->mr & 0xff);
		if (ob_addr(&o, e->so->to != NULL ? e->so->to : "", 0,
		    cause) == -1)
			return -1;
		ob_put(&o, 0x00);
		ob_put(&o, dcs);
		if (e->so->vp_minutes > 0)
			ob_put(&o, vp_relative(e->so->vp_minutes));
	}
	ob_ud(&o, us, from, to, e->ref, total, seq);
	pdu_set(p, &o, smsc_len);
	return 0;
}

static int
enc_text(const struct enc *e, const char *text, struct sms_pdu **parts,
    size_t *nparts, char **cause)
{
	struct units us;
	struct sms_pdu *p;
	size_t *b, n, k;

	if (units_make(text, &us, cause) == -1)
		return -1;
	n = units_split(&us, &b);
	if (n > SMS_MAX_PARTS) {
		free(b);
		free(us.u);
		return kf_error(cause, "text needs %zu parts, over the 255 a "
		    "concatenated message can have", n);
	}
	p = xcalloc(n, sizeof *p);
	for (k = 0; k < n; k++)
		if (enc_part(e, &us, b[k], b[k + 1], n > 1 ? (unsigned)n : 0,
		    (unsigned)k + 1, &p[k], cause) == -1) {
			sms_pdus_free(p, n);
			free(b);
			free(us.u);
			return -1;
		}
	free(b);
	free(us.u);
	*parts = p;
	*nparts = n;
	return 0;
}

int
sms_encode_submit(const char *text, const struct sms_submit_opts *o,
    struct sms_pdu **parts, size_t *nparts, char **cause)
{
	struct enc e;

	memset(&e, 0, sizeof e);
	e.so = o;
	e.ref = o->ref & 0xff;
	return enc_text(&e, text, parts, nparts, cause);
}

int
sms_encode_deliver(const char *text, const char *from, const char *scts,
    int tzq, unsigned ref, struct sms_pdu **parts, size_t *nparts,
    char **cause)
{
	struct enc e;

	memset(&e, 0, sizeof e);
	e.deliver = 1;
	e.from = from;
	e.scts = scts;
	e.tzq = tzq;
	e.ref = ref & 0xff;
	return enc_text(&e, text, parts, nparts, cause);
}

int
sms_encode_status(unsigned mr, const char *to, const char *scts,
    const char *dt, int tzq, unsigned st, struct sms_pdu *out, char **cause)
{
	struct ob o;

	memset(&o, 0, sizeof o);
	ob_put(&o, 0);
	ob_put(&o, 0x06);       /* TP-MTI 10, TP-MMS: no more */
	ob_put(&o, mr & 0xff);
	if (ob_addr(&o, to, 0, cause) == -1 ||
	    ob_scts(&o, scts, tzq, cause) == -1 ||
	    ob_scts(&o, dt, tzq, cause) == -1)
		return -1;
	ob_put(&o, st & 0xff);
	pdu_set(out, &o, 1);
	return 0;
}

/* ---------------------------------------------------------------- */
/* decoding */

/* Octets being read, with the offset for messages. */
struct ib {
	unsigned char b[PDU_MAX];
	size_t n, at;
	char **cause;
};

static int
ib_need(struct ib *in, size_t k, const char *what)
{
	if (in->at + k <= in->n)
		return 0;
	return kf_error(in->cause, "PDU ends at octet %zu inside %s", in->n,
	    what);
}

static unsigned
ib_get(struct ib *in)
{
	return in->b[in->at++];
}

static int
hex_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
ib_hex(struct ib *in, const char *hex)
{
	size_t len = strlen(hex), i;
	int hi, lo;

	if (len % 2 != 0 || len / 2 > sizeof in->b || len == 0)
		return kf_error(in->cause, "PDU is %zu hex digits: not an even "
		    "number from 2 to %zu", len, 2 * sizeof in->b);
	for (i = 0; i < len / 2; i++) {
		if ((hi = hex_val(hex[2 * i])) < 0 ||
		    (lo = hex_val(hex[2 * i + 1])) < 0)
			return kf_error(in->cause, "PDU has a non-hex digit at "
			    "position %zu", 2 * i + (hi < 0 ? 0 : 1));
		in->b[i] = (unsigned char)(hi << 4 | lo);
	}
	in->n = len / 2;
	return 0;
}

/* <n> septets packed from bit <bit> of b[] into GSM text (UTF-8). */
static void
gsm7_text(const unsigned char *b, size_t blen, size_t bit, size_t n,
    struct strbuf *sb)
{
	unsigned v;
	size_t i;
	int esc = 0;

	for (i = 0; i < n; i++, bit += 7) {
		v = b[bit / 8] >> (bit % 8);
		if (bit % 8 > 1 && bit / 8 + 1 < blen)
			v |= (unsigned)b[bit / 8 + 1] << (8 - bit % 8);
		v &= 0x7f;
		if (esc) {
			utf8_put(sb, gsm7_ext_uc((unsigned char)v));
			esc = 0;
		} else if (v == GSM_ESC)
			esc = 1;
		else
			utf8_put(sb, gsm7_basic[v]);
	}
	if (esc)
		utf8_put(sb, 0xa0);
}

/* Address field (SMSC: <smsc> = 1, length in octets). */
static int
ib_addr(struct ib *in, int smsc, char *out, size_t outsz)
{
	static const char dig[] = "0123456789*#abc?";
	struct strbuf sb = STRBUF_INIT;
	unsigned len, toa, octets, i, d;

	out[0] = '\0';
	if (ib_need(in, 1, "an address length") == -1)
		return -1;
	len = ib_get(in);
	if (smsc && len == 0)
		return 0;
	octets = smsc ? len - 1 : (len + 1) / 2;
	if ((smsc && len > 11) || (!smsc && len > 20))
		return kf_error(in->cause, "address length %u at octet %zu is "
		    "over the 23.040 limit", len, in->at - 1);
	if (ib_need(in, 1 + octets, "an address") == -1)
		return -1;
	toa = ib_get(in);
	if ((toa & 0x70) == 0x50) {     /* alphanumeric, 23.038 packed */
		gsm7_text(in->b + in->at, octets, 0, len * 4 / 7, &sb);
		snprintf(out, outsz, "%s", sb_str(&sb));
		sb_free(&sb);
		in->at += octets;
		return 0;
	}
	if ((toa & 0x70) == 0x10)
		sb_addc(&sb, '+');
	for (i = 0; i < (smsc ? octets * 2 : len); i++) {
		d = in->b[in->at + i / 2] >> (i % 2 ? 4 : 0) & 0xf;
		if (d == 0xf && i == octets * 2 - 1)
			break;
		sb_addc(&sb, dig[d]);
	}
	snprintf(out, outsz, "%s", sb_str(&sb));
	sb_free(&sb);
	in->at += octets;
	return 0;
}

static int
ib_scts(struct ib *in, char *out, size_t outsz)
{
	unsigned v[7], i, q;

	if (ib_need(in, 7, "a time stamp") == -1)
		return -1;
	for (i = 0; i < 7; i++) {
		v[i] = in->b[in->at + i];       /* low nibble: tens */
		v[i] = (v[i] & (i == 6 ? 0x07 : 0x0f)) * 10 + (v[i] >> 4);
	}
	q = v[6];
	/* two-digit years: 90-99 are the 1990s (old SIMs, test vectors) */
	snprintf(out, outsz, "%u-%02u-%02u %02u:%02u:%02u %c%02u:%02u",
	    v[0] % 100 + (v[0] % 100 >= 90 ? 1900 : 2000), v[1] % 100,
	    v[2] % 100, v[3] % 100, v[4] % 100, v[5] % 100,
	    in->b[in->at + 6] & 0x08 ? '-' : '+', q / 4 % 100, q % 4 * 15);
	in->at += 7;
	return 0;
}

/* TS 23.038 4: the alphabet of a TP-DCS. */
static int
dcs_coding(unsigned dcs, enum sms_coding *c)
{
	unsigned alpha = dcs >> 2 & 3;

	if ((dcs & 0xc0) == 0x00 || (dcs & 0xc0) == 0x40) {
		if (dcs & 0x20)
			return -1;              /* compressed */
		*c = alpha == 2 ? SMS_UCS2 : alpha == 1 ? SMS_8BIT : SMS_GSM7;
	} else if ((dcs & 0xf0) == 0xf0)
		*c = dcs & 0x04 ? SMS_8BIT : SMS_GSM7;
	else if ((dcs & 0xf0) == 0xe0)
		*c = SMS_UCS2;
	else
		*c = SMS_GSM7;  /* C0/D0 and the reserved groups */
	return 0;
}

/* The user data header: note a concatenation IE, skip the rest. */
static void
udh_parse(const unsigned char *h, size_t len, struct sms_msg *m)
{
	size_t i = 0;
	unsigned iei, l;

	while (i + 2 <= len) {
		iei = h[i];
		l = h[i + 1];
		if (i + 2 + l > len)
			break;
		if (iei == 0x00 && l == 3 && h[i + 4] > 0) {
			m->concat = 1;
			m->ref = h[i + 2];
			m->total = h[i + 3];
			m->seq = h[i + 4];
		} else if (iei == 0x08 && l == 4 && h[i + 5] > 0) {
			m->concat = 1;
			m->ref = (unsigned)h[i + 2] << 8 | h[i + 3];
			m->total = h[i + 4];
			m->seq = h[i + 5];
		}
		i += 2 + l;
	}
}

/*
 * UTF-16BE to UTF-8.  In a part of a concatenated message a low surrogate
 * first and a high one last are kept aside for sms_join.
 */
static void
ud_ucs2(const unsigned char *b, size_t n, struct sms_msg *m,
    struct strbuf *sb)
{
	uint32_t u, lo;
	size_t i;

	n &= ~(size_t)1;
	if (m->concat && n >= 2 && b[0] >= 0xdc && b[0] <= 0xdf) {
		m->lo_head = (uint16_t)(b[0] << 8 | b[1]);
		b += 2;
		n -= 2;
	}
	if (m->concat && n >= 2 && b[n - 2] >= 0xd8 && b[n - 2] <= 0xdb) {
		m->hi_tail = (uint16_t)(b[n - 2] << 8 | b[n - 1]);
		n -= 2;
	}
	for (i = 0; i + 1 < n; i += 2) {
		u = (uint32_t)b[i] << 8 | b[i + 1];
		if (u >= 0xd800 && u <= 0xdbff && i + 3 < n) {
			lo = (uint32_t)b[i + 2] << 8 | b[i + 3];
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				utf8_put(sb, 0x10000 + ((u - 0xd800) << 10) +
				    (lo - 0xdc00));
				i += 2;
				continue;
			}
		}
		utf8_put(sb, u >= 0xd800 && u <= 0xdfff ? 0xfffd : u);
	}
}

static int
ib_ud(struct ib *in, int udhi, struct sms_msg *m)
{
	static const char hx[] = "0123456789ABCDEF";
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *ud;
	size_t udl, octets, hdr = 0, i;

	if (ib_need(in, 1, "TP-UDL") == -1)
		return -1;
	udl = ib_get(in);
	octets = m->coding == SMS_GSM7 ? (udl * 7 + 7) / 8 : udl;
	if ((m->coding == SMS_GSM7 && udl > 160) || octets > UD_MAX)
		return kf_error(in->cause, "TP-UDL %zu is over 140 octets",
		    udl);
	if (ib_need(in, octets, "the user data") == -1)
		return -1;
	ud = in->b + in->at;
	if (udhi && octets > 0) {
		hdr = (size_t)ud[0] + 1;
		if (hdr > octets)
			return kf_error(in->cause, "user data header of %zu "
			    "octets is longer than the user data", hdr);
		udh_parse(ud + 1, hdr - 1, m);
	}
	if (m->coding == SMS_GSM7) {
		i = (hdr * 8 + 6) / 7;          /* septets the header takes */
		m->units = (unsigned)(udl > i ? udl - i : 0);
		gsm7_text(ud, octets, i * 7, m->units, &sb);
	} else if (m->coding == SMS_UCS2) {
		m->units = (unsigned)(octets - hdr);
		ud_ucs2(ud + hdr, octets - hdr, m, &sb);
	} else {
		m->units = (unsigned)(octets - hdr);
		for (i = hdr; i < octets; i++) {
			sb_addc(&sb, hx[ud[i] >> 4]);
			sb_addc(&sb, hx[ud[i] & 0xf]);
		}
	}
	in->at += octets;
	m->text = sb_steal(&sb);
	return 0;
}

static int
ib_pid_dcs(struct ib *in, struct sms_msg *m)
{
	if (ib_need(in, 2, "TP-PID and TP-DCS") == -1)
		return -1;
	m->pid = ib_get(in);
	m->dcs = ib_get(in);
	if (dcs_coding(m->dcs, &m->coding) == -1)
		return kf_error(in->cause, "TP-DCS %02X asks for compressed "
		    "text, which nobody sends", m->dcs);
	return 0;
}

static int
dec_deliver(struct ib *in, unsigned fo, struct sms_msg *m)
{
	m->srr = fo & 0x20 ? 1 : 0;
	if (ib_addr(in, 0, m->addr, sizeof m->addr) == -1 ||
	    ib_pid_dcs(in, m) == -1 ||
	    ib_scts(in, m->scts, sizeof m->scts) == -1)
		return -1;
	return ib_ud(in, fo & 0x40, m);
}

static int
dec_submit(struct ib *in, unsigned fo, struct sms_msg *m)
{
	static const size_t vp_len[] = { 0, 7, 1, 7 };

	m->srr = fo & 0x20 ? 1 : 0;
	m->vpf = (int)(fo >> 3 & 3);
	if (ib_need(in, 1, "TP-MR") == -1)
		return -1;
	m->mr = (int)ib_get(in);
	if (ib_addr(in, 0, m->addr, sizeof m->addr) == -1 ||
	    ib_pid_dcs(in, m) == -1 ||
	    ib_need(in, vp_len[m->vpf], "TP-VP") == -1)
		return -1;
	if (m->vpf == 2)
		m->vp_minutes = vp_minutes(in->b[in->at]);
	in->at += vp_len[m->vpf];
	return ib_ud(in, fo & 0x40, m);
}

static int
dec_status(struct ib *in, unsigned fo, struct sms_msg *m)
{
	m->srr = fo & 0x20 ? 1 : 0;
	if (ib_need(in, 1, "TP-MR") == -1)
		return -1;
	m->mr = (int)ib_get(in);
	if (ib_addr(in, 0, m->addr, sizeof m->addr) == -1 ||
	    ib_scts(in, m->scts, sizeof m->scts) == -1 ||
	    ib_scts(in, m->dt, sizeof m->dt) == -1 ||
	    ib_need(in, 1, "TP-ST") == -1)
		return -1;
	m->status = (int)ib_get(in);
	m->text = xstrdup("");  /* the optional PI/PID/DCS/UD are not read */
	return 0;
}

int
sms_decode(const char *hex, int has_smsc, int mo, struct sms_msg *m,
    char **cause)
{
	struct ib in;
	unsigned fo, mti;
	int rc;

	memset(m, 0, sizeof *m);
	m->mr = m->status = -1;
	memset(&in, 0, sizeof in);
	in.cause = cause;
	if (ib_hex(&in, hex) == -1)
		return -1;
	if (has_smsc && ib_addr(&in, 1, m->smsc, sizeof m->smsc) == -1)
		return -1;
	if (ib_need(&in, 1, "the first octet") == -1)
		return -1;
	fo = ib_get(&in);
	mti = fo & 3;
	if (mo && mti == 1) {
		m->type = SMS_SUBMIT;
		rc = dec_submit(&in, fo, m);
	} else if (!mo && mti == 0) {
		m->type = SMS_DELIVER;
		rc = dec_deliver(&in, fo, m);
	} else if (!mo && mti == 2) {
		m->type = SMS_STATUS;
		rc = dec_status(&in, fo, m);
	} else
		return kf_error(cause, "TP-MTI %u is not a message kefu %s",
		    mti, mo ? "sends" : "receives");
	if (rc == -1) {
		sms_msg_free(m);
		return -1;
	}
	return 0;
}

void
sms_msg_free(struct sms_msg *m)
{
	free(m->text);
	m->text = NULL;
}

/* Every part of message p0's, each sequence number once. */
static int
join_check(const struct sms_msg *const *parts, size_t n, char **cause)
{
	const struct sms_msg *p0 = parts[0];
	unsigned char seen[256];
	size_t i;

	memset(seen, 0, sizeof seen);
	for (i = 0; i < n; i++) {
		if (!parts[i]->concat || parts[i]->ref != p0->ref ||
		    parts[i]->total != p0->total || parts[i]->seq == 0 ||
		    parts[i]->seq > p0->total ||
		    strcmp(parts[i]->addr, p0->addr) != 0)
			return kf_error(cause, "part %zu is not of message %u "
			    "from %s", i + 1, p0->ref, p0->addr);
		if (seen[parts[i]->seq & 0xff]++)
			return kf_error(cause, "part %u of message %u came "
			    "twice", parts[i]->seq, p0->ref);
	}
	for (i = 1; i <= p0->total; i++)
		if (!seen[i])
			return kf_error(cause, "part %zu of %u of message %u "
			    "from %s is missing", i, p0->total, p0->ref,
			    p0->addr);
	return 0;
}

/* Append one part; *hi carries a high surrogate over to the next. */
static void
join_part(struct strbuf *sb, const struct sms_msg *p, uint16_t *hi)
{
	if (*hi != 0 && p->lo_head != 0)
		utf8_put(sb, 0x10000 + ((uint32_t)(*hi - 0xd800) << 10) +
		    (uint32_t)(p->lo_head - 0xdc00));
	else if (*hi != 0 || p->lo_head != 0)
		utf8_put(sb, 0xfffd);
	sb_adds(sb, p->text);
	*hi = p->hi_tail;
}

int
sms_join(const struct sms_msg *const *parts, size_t n, char **text,
    char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	uint16_t hi = 0;
	size_t i, seq;

	if (n == 0)
		return kf_error(cause, "no parts to join");
	if (!parts[0]->concat) {
		if (n != 1)
			return kf_error(cause, "part 1 has no concatenation "
			    "header");
		*text = xstrdup(parts[0]->text);
		return 0;
	}
	if (join_check(parts, n, cause) == -1)
		return -1;
	for (seq = 1; seq <= parts[0]->total; seq++)
		for (i = 0; i < n; i++)
			if (parts[i]->seq == seq)
				join_part(&sb, parts[i], &hi);
	if (hi != 0)
		utf8_put(&sb, 0xfffd);
	*text = sb_steal(&sb);
	return 0;
}
