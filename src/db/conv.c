/*
 * conv.c: values at the ODBC boundary -- text converted between the
 * database's encoding (GBK, GB18030, Big5 or UTF-8) and kefu's UTF-8 with
 * iconv, exact decimals kept as canonical text, ISO 8601 dates and
 * timestamps checked, booleans read in the forms drivers use, and the
 * names of value types and error kinds.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db-int.h"

void
db_err_set(struct db_err *err, enum db_errkind kind, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->kind = kind;
	err->sqlstate[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

static const char *const db_vtype_names[] = {
	[DBV_TEXT] = "text",
	[DBV_INT] = "int",
	[DBV_DECIMAL] = "decimal",
	[DBV_DATE] = "date",
	[DBV_TIMESTAMP] = "timestamp",
	[DBV_BOOL] = "bool",
};

static const char *const db_errkind_names[] = {
	[DBE_NONE] = "none",
	[DBE_DOWN] = "down",
	[DBE_BUSY] = "busy",
	[DBE_TIMEOUT] = "timeout",
	[DBE_SQL] = "sql",
	[DBE_CONVERT] = "convert",
	[DBE_TOO_MANY] = "too-many",
	[DBE_REFUSED] = "refused",
};

const char *
db_vtype_name(enum db_vtype t)
{
	if ((size_t)t >= nitems(db_vtype_names))
		return "?";
	return db_vtype_names[t];
}

int
db_vtype_parse(const char *name, enum db_vtype *out)
{
	size_t i;

	for (i = 0; i < nitems(db_vtype_names); i++) {
		if (str_ieq(name, db_vtype_names[i])) {
			*out = (enum db_vtype)i;
			return 0;
		}
	}
	if (str_ieq(name, "integer")) {
		*out = DBV_INT;
		return 0;
	}
	if (str_ieq(name, "boolean")) {
		*out = DBV_BOOL;
		return 0;
	}
	return -1;
}

const char *
db_errkind_name(enum db_errkind kind)
{
	if ((size_t)kind >= nitems(db_errkind_names))
		return "?";
	return db_errkind_names[kind];
}

int
db_conv_open(struct db_conn *c, const char *encoding, struct db_err *err)
{
	c->to_db = c->from_db = (iconv_t)-1;
	if (encoding == NULL || str_ieq(encoding, "UTF-8") ||
	    str_ieq(encoding, "UTF8"))
		return 0;
	c->to_db = iconv_open(encoding, "UTF-8");
	c->from_db = iconv_open("UTF-8", encoding);
	if (c->to_db == (iconv_t)-1 || c->from_db == (iconv_t)-1) {
		db_conv_close(c);
		db_err_set(err, DBE_CONVERT, "this system cannot convert "
		    "between UTF-8 and %s (iconv); install the locale data "
		    "or set encoding=UTF-8", encoding);
		return -1;
	}
	return 0;
}

void
db_conv_close(struct db_conn *c)
{
	if (c->to_db != (iconv_t)-1)
		iconv_close(c->to_db);
	if (c->from_db != (iconv_t)-1)
		iconv_close(c->from_db);
	c->to_db = c->from_db = (iconv_t)-1;
}

/* Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
int
db_conv_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p, need, cp, min;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3; cp = c & 0x07; min = 0x10000;
		} else
			return 0;
		if ((size_t)(end - p) <= need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += need + 1;
	}
	return 1;
}

static int
db_conv_iconv(iconv_t cd, const char *s, size_t len, struct strbuf *out)
{
	char buf[1024], *in = (char *)(uintptr_t)s, *o;
	size_t inleft = len, oleft, r;

	iconv(cd, NULL, NULL, NULL, NULL);
	while (inleft > 0) {
		o = buf;
		oleft = sizeof buf;
		r = iconv(cd, &in, &inleft, &o, &oleft);
		sb_add(out, buf, sizeof buf - oleft);
		if (r == (size_t)-1 && errno != E2BIG)
			return -1;
	}
	o = buf;
	oleft = sizeof buf;
	if (iconv(cd, NULL, NULL, &o, &oleft) == (size_t)-1)
		return -1;
	sb_add(out, buf, sizeof buf - oleft);
	return 0;
}

/* A short, printable picture of the bytes around a conversion failure. */
static void
db_conv_hex(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < len && i < 12 && n + 4 < outlen; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%s%02x",
		    i ? " " : "", (unsigned char)s[i]);
	if (i < len && n + 4 < outlen)
		snprintf(out + n, outlen - n, " ...");
}

int
db_conv_to_db(struct db_conn *c, int utf8, const char *s, size_t len,
    struct strbuf *out, struct db_err *err)
{
	char hex[64];

	if (!db_conv_utf8_valid(s, len)) {
		db_conv_hex(s, len, hex, sizeof hex);
		db_err_set(err, DBE_CONVERT, "a text parameter is not valid "
		    "UTF-8 (bytes %s)", hex);
		return -1;
	}
	if (utf8 || c->to_db == (iconv_t)-1) {
		sb_add(out, s, len);
		return 0;
	}
	if (db_conv_iconv(c->to_db, s, len, out) == -1) {
		db_err_set(err, DBE_CONVERT, "a text parameter holds a "
		    "character the database's encoding cannot store: \"%.*s\"",
		    (int)(len > 60 ? 60 : len), s);
		return -1;
	}
	return 0;
}

/*
 * A statement's own text (its literals: WHERE type = '会员') in the
 * database's encoding, as a driver that takes a character set option
 * (MariaDB's CHARSET=gbk) expects it: without this the server reads
 * UTF-8 bytes as GBK and a literal matches nothing.
 */
int
db_conv_stmt(struct db_conn *c, int utf8, const char *s, size_t len,
    struct strbuf *out, struct db_err *err)
{
	if (utf8 || c->to_db == (iconv_t)-1) {
		sb_add(out, s, len);
		return 0;
	}
	if (db_conv_iconv(c->to_db, s, len, out) == -1) {
		db_err_set(err, DBE_CONVERT, "the statement holds a character "
		    "the database's encoding cannot store: \"%.*s\"",
		    (int)(len > 60 ? 60 : len), s);
		return -1;
	}
	return 0;
}

int
db_encoding_check(const char *encoding, const char *text, size_t *bad,
    char **cause)
{
	char buf[256], *in = (char *)(uintptr_t)text, *o;
	size_t inleft = strlen(text), oleft, r;
	iconv_t cd;
	int rc = 0;

	*bad = 0;
	if (encoding == NULL || str_ieq(encoding, "UTF-8") ||
	    str_ieq(encoding, "UTF8"))
		return 0;
	if ((cd = iconv_open(encoding, "UTF-8")) == (iconv_t)-1)
		return kf_error(cause, "cannot convert between UTF-8 and %s "
		    "(iconv)", encoding);
	while (inleft > 0) {
		o = buf;
		oleft = sizeof buf;
		r = iconv(cd, &in, &inleft, &o, &oleft);
		if (r == (size_t)-1 && errno != E2BIG) {
			*bad = (size_t)(in - text);
			rc = kf_error(cause, "%s cannot hold this character",
			    encoding);
			break;
		}
	}
	iconv_close(cd);
	return rc;
}

int
db_conv_from_db(struct db_conn *c, int utf8, const char *s, size_t len,
    char **out, struct db_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	char hex[64];

	if (utf8 || c->from_db == (iconv_t)-1) {
		if (!db_conv_utf8_valid(s, len)) {
			db_conv_hex(s, len, hex, sizeof hex);
			db_err_set(err, DBE_CONVERT, "the database sent text "
			    "that is not valid UTF-8 (bytes %s); set encoding= "
			    "of the datasource to the database's encoding",
			    hex);
			return -1;
		}
		*out = xstrndup(s, len);
		return 0;
	}
	if (db_conv_iconv(c->from_db, s, len, &sb) == -1) {
		sb_free(&sb);
		db_conv_hex(s, len, hex, sizeof hex);
		db_err_set(err, DBE_CONVERT, "the database sent text that is "
		    "not valid in its declared encoding (bytes %s); check "
		    "encoding= of the datasource and the driver's character "
		    "set option", hex);
		return -1;
	}
	*out = sb_steal(&sb);
	return 0;
}

/*
 * Canonical decimal text: optional '-', digits without leading zeros
 * ("0" alone), then '.' and the fraction digits as given.  Accepts the
 * forms drivers print: spaces around, '+', ".5", "5.", exponents.
 */
static size_t
conv_decimal_canonical(const char *in)
{
	const char *p = in;
	int nonzero = 0;

	if (*p == '-')
		p++;
	if (*p == '0') {
		if (isdigit((unsigned char)*++p))
			return 0;
	} else if (isdigit((unsigned char)*p)) {
		nonzero = 1;
		while (isdigit((unsigned char)*p))
			p++;
	} else
		return 0;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return 0;
		for (; isdigit((unsigned char)*p); p++)
			if (*p != '0')
				nonzero = 1;
	}
	if (*p != '\0' || (in[0] == '-' && !nonzero) || p - in > 100)
		return 0;
	return (size_t)(p - in);
}

int
db_conv_decimal(const char *in, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = in;
	char digits[128];
	size_t nd = 0, point = (size_t)-1, i, start, intlen;
	int neg = 0, nonzero = 0;
	long exp = 0;

	/* Most drivers print decimals canonically already. */
	if ((i = conv_decimal_canonical(in)) > 0) {
		*out = xstrndup(in, i);
		return 0;
	}

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	for (; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p)) {
			if (nd >= sizeof digits - 1)
				return -1;
			digits[nd++] = *p;
			if (*p != '0')
				nonzero = 1;
		} else if (*p == '.' && point == (size_t)-1)
			point = nd;
		else
			break;
	}
	if (nd == 0)
		return -1;
	if (*p == 'e' || *p == 'E') {
		const char *errstr;
		long long e;
		char *q;

		p++;
		q = xstrdup(p);
		db_trim(q);
		if (str_tonum(q, -60, 60, &e, &errstr) == -1) {
			free(q);
			return -1;
		}
		free(q);
		exp = (long)e;
		p += strlen(p);
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '\0')
		return -1;
	if (point == (size_t)-1)
		point = nd;
	/* Apply the exponent by moving the point, padding with zeros. */
	while (exp > 0) {
		if (point == nd) {
			if (nd >= sizeof digits - 1)
				return -1;
			digits[nd++] = '0';
		}
		point++;
		exp--;
	}
	while (exp < 0) {
		if (point == 0) {
			if (nd >= sizeof digits - 1)
				return -1;
			memmove(digits + 1, digits, nd);
			digits[0] = '0';
			nd++;
			point++;
		}
		point--;
		exp++;
	}
	start = 0;
	while (start + 1 < point && digits[start] == '0')
		start++;
	intlen = point - start;
	if (neg && nonzero)
		sb_addc(&sb, '-');
	if (intlen == 0)
		sb_addc(&sb, '0');
	else
		sb_add(&sb, digits + start, intlen);
	if (point < nd) {
		sb_addc(&sb, '.');
		for (i = point; i < nd; i++)
			sb_addc(&sb, digits[i]);
	}
	*out = sb_steal(&sb);
	return 0;
}

static int
db_conv_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static int
db_conv_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "YYYY-MM-DD", a real calendar date. */
int
db_conv_date(const char *s, int *y, int *m, int *d)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    db_conv_digits(s, 4, y) == -1 ||
	    db_conv_digits(s + 5, 2, m) == -1 ||
	    db_conv_digits(s + 8, 2, d) == -1)
		return -1;
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > db_conv_days(*y, *m))
		return -1;
	return 0;
}

/* "YYYY-MM-DD HH:MM:SS" (a 'T' is accepted for the space). */
int
db_conv_timestamp(const char *s, int *y, int *mo, int *d, int *h, int *mi,
    int *sec)
{
	char date[11];

	if (strlen(s) != 19 || (s[10] != ' ' && s[10] != 'T') ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (db_conv_date(date, y, mo, d) == -1 ||
	    db_conv_digits(s + 11, 2, h) == -1 ||
	    db_conv_digits(s + 14, 2, mi) == -1 ||
	    db_conv_digits(s + 17, 2, sec) == -1)
		return -1;
	if (*h > 23 || *mi > 59 || *sec > 60)
		return -1;
	return 0;
}

int
db_conv_bool(const char *s, int64_t *out)
{
	static const char *const yes[] = { "1", "t", "true", "y", "yes",
	    "on", "-1" };
	static const char *const no[] = { "0", "f", "false", "n", "no", "off" };
	char *t = xstrdup(s);
	size_t i;
	int r = -1;

	db_trim(t);
	for (i = 0; i < nitems(yes) && r == -1; i++)
		if (str_ieq(t, yes[i])) {
			*out = 1;
			r = 0;
		}
	for (i = 0; i < nitems(no) && r == -1; i++)
		if (str_ieq(t, no[i])) {
			*out = 0;
			r = 0;
		}
	free(t);
	return r;
}

/*
 * A whole number as text: optional sign, digits, and a fraction only of
 * zeros ("49.000000" from a DECIMAL column is 49).  -1 for anything
 * else, 49.5 included, or beyond 64 bits: an integer column must never
 * lose a fraction silently.
 */
int
db_conv_int(const char *s, int64_t *out)
{
	const char *p = s;
	uint64_t v = 0, lim;
	int neg = 0, digits = 0;

	while (*p == ' ')
		p++;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (v > (lim - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.')
		for (p++; *p == '0'; p++)
			;
	while (*p == ' ')
		p++;
	if (digits == 0 || *p != '\0')
		return -1;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}
