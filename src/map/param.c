/*
 * param.c: checks on caller input before it reaches a database -- the
 * parameter types of kefu-mapping(5), length bounds in characters,
 * POSIX extended patterns, value ranges and the GS1 check digit of
 * EAN-8, UPC-A, EAN-13 and GTIN-14 barcodes (GS1 General Specifications
 * 7.9, "check digit calculation").
 */
#include "config.h"

#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map/map-int.h"
#include "util/util.h"

static const char *const map_reason_names[][2] = {
	[MAPR_NONE] = { "none", "no problem" },
	[MAPR_MISSING] = { "missing", "missing" },
	[MAPR_TOO_SHORT] = { "too-short", "too short" },
	[MAPR_TOO_LONG] = { "too-long", "too long" },
	[MAPR_NOT_DIGITS] = { "not-digits", "not digits" },
	[MAPR_NOT_INTEGER] = { "not-integer", "not an integer" },
	[MAPR_NOT_DECIMAL] = { "not-decimal", "not a decimal number" },
	[MAPR_NOT_DATE] = { "not-date", "not a date" },
	[MAPR_RANGE] = { "out-of-range", "out of range" },
	[MAPR_NO_MATCH] = { "no-match", "does not match the pattern" },
	[MAPR_CHECK_DIGIT] = { "bad-check-digit", "bad check digit" },
	[MAPR_BAD_LENGTH] = { "bad-length", "not a barcode length" },
	[MAPR_BAD_TEXT] = { "bad-text", "not valid UTF-8 text" },
};

const char *const map_param_types[] = { "digits", "text", "integer",
    "decimal", "date", NULL };
const char *const map_param_matches[] = { "exact", "prefix", "contains",
    "suffix", NULL };

char *
map_param_like(const char *v, enum map_match match, const char *special,
    char *out)
{
	char *o = out;

	if (match == MAPM_CONTAINS || match == MAPM_SUFFIX)
		*o++ = '%';
	for (; *v != '\0'; v++) {
		if (*v == DB_LIKE_ESCAPE || strchr(special, *v) != NULL)
			*o++ = DB_LIKE_ESCAPE;
		*o++ = *v;
	}
	if (match == MAPM_CONTAINS || match == MAPM_PREFIX)
		*o++ = '%';
	*o = '\0';
	return out;
}

const char *
map_ptype_name(enum map_ptype t)
{
	return (size_t)t < nitems(map_param_types) - 1 ?
	    map_param_types[t] : "?";
}

const char *
map_reason_name(enum map_reason r)
{
	if ((size_t)r >= nitems(map_reason_names))
		return "?";
	return map_reason_names[r][0];
}

const char *
map_reason_text(enum map_reason r)
{
	if ((size_t)r >= nitems(map_reason_names))
		return "?";
	return map_reason_names[r][1];
}

static enum map_reason
map_param_fail(enum map_reason r, char *why, size_t whylen, const char *fmt,
    ...) KF_PRINTF(4, 5);

static enum map_reason
map_param_fail(enum map_reason r, char *why, size_t whylen, const char *fmt,
    ...)
{
	va_list ap;
	int n;

	n = snprintf(why, whylen, "%s", map_reason_text(r));
	if (fmt != NULL && n >= 0 && (size_t)n < whylen) {
		va_start(ap, fmt);
		vsnprintf(why + n, whylen - n, fmt, ap);
		va_end(ap);
	}
	return r;
}

int
map_gtin_valid(const char *d)
{
	size_t n = strlen(d), i;
	int sum = 0, w = 3;

	if (n < 2)
		return 0;
	for (i = n - 1; i-- > 0; w = 4 - w)
		sum += (d[i] - '0') * w;
	return (10 - sum % 10) % 10 == d[n - 1] - '0';
}

/*
 * Characters in UTF-8 text, or -1 when it is not well-formed UTF-8 or
 * holds control characters other than tab.
 */
static long
map_param_utf8_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;
	int more, i;
	unsigned cp, min;

	while (*p != '\0') {
		if (*p < 0x80) {
			if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
				return -1;
			p++;
			n++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			more = 1; cp = *p & 0x1f; min = 0x80;
		} else if ((*p & 0xf0) == 0xe0) {
			more = 2; cp = *p & 0x0f; min = 0x800;
		} else if ((*p & 0xf8) == 0xf0) {
			more = 3; cp = *p & 0x07; min = 0x10000;
		} else
			return -1;
		for (i = 1; i <= more; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		p += more + 1;
		n++;
	}
	return n;
}

static int
map_param_all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/*
 * Parse a decimal integer with an optional sign, stopping at the first
 * non-digit (*end, when not NULL, is always set).  -1 without digits or
 * on overflow (*out then holds the value clamped as strtoll would).
 * Cheaper than strtoll, which sits on every run's path three times.
 */
int
map_param_int(const char *s, long long *out, const char **end)
{
	unsigned long long x = 0, lim, cut;
	unsigned cutd;
	int neg = 0, any = 0, over = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	cut = lim / 10;                 /* no division per digit */
	cutd = (unsigned)(lim % 10);
	/* Up to 18 digits cannot overflow: no check (most inputs). */
	for (; *s >= '0' && *s <= '9' && any < 18; s++, any++)
		x = x * 10 + (unsigned)(*s - '0');
	for (; *s >= '0' && *s <= '9'; s++, any = 1) {
		unsigned d = (unsigned)(*s - '0');
		if (x > cut || (x == cut && d > cutd)) {
			over = 1;       /* clamped, as strtoll does */
			x = lim;
			continue;
		}
		x = x * 10 + d;
	}
	if (end != NULL)
		*end = s;
	if (!any)
		return -1;
	*out = neg ? (x == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN :
	    -(long long)x) : (long long)x;
	return over ? -1 : 0;
}

static int
map_param_is_integer(const char *s)
{
	const char *end;
	long long x;

	return map_param_int(s, &x, &end) == 0 && *end == '\0';
}

static int
map_param_is_decimal(const char *s)
{
	size_t ip = 0, fp = 0;

	if (*s == '+' || *s == '-')
		s++;
	while (s[ip] >= '0' && s[ip] <= '9')
		ip++;
	if (s[ip] == '.')
		while (s[ip + 1 + fp] >= '0' && s[ip + 1 + fp] <= '9')
			fp++;
	if (ip + fp == 0)
		return 0;
	return s[ip + (s[ip] == '.' ? 1 + fp : 0)] == '\0';
}

static int
map_param_is_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, m, d, i, leap;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return 0;
	if (s[10] != '\0')
		return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

/*
 * Canonical text of a decimal that map_param_is_decimal accepted: no '+',
 * no leading zeros, "0.5" for ".5", "5" for "5.", "0" for "-0".  The
 * digits after the point are kept (12.50 stays 12.50: the scale means
 * something to the database).
 */
char *
map_param_decimal(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	int neg = 0, nonzero;
	const char *dot;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	while (*s == '0' && s[1] >= '0' && s[1] <= '9')
		s++;
	nonzero = strpbrk(s, "123456789") != NULL;
	if (neg && nonzero)
		sb_addc(&sb, '-');
	if (*s == '.')
		sb_addc(&sb, '0');
	dot = strchr(s, '.');
	if (dot != NULL && dot[1] == '\0')
		sb_add(&sb, s, dot - s);
	else
		sb_adds(&sb, s);
	return sb_steal(&sb);
}

/* Compare two canonical decimals: <0, 0, >0. */
int
map_param_deccmp(const char *a, const char *b)
{
	int na = *a == '-', nb = *b == '-', r;
	size_t ia, ib;

	if (na != nb)
		return na ? -1 : 1;
	a += na;
	b += nb;
	ia = strcspn(a, ".");
	ib = strcspn(b, ".");
	if (ia != ib)
		r = ia < ib ? -1 : 1;
	else if ((r = strncmp(a, b, ia)) == 0) {
		a += ia + (a[ia] == '.');
		b += ib + (b[ib] == '.');
		for (; *a != '\0' || *b != '\0'; a += *a != '\0',
		    b += *b != '\0')
			if ((r = (*a ? *a : '0') - (*b ? *b : '0')) != 0)
				break;
	}
	if (r != 0)
		r = r < 0 ? -1 : 1;
	return na ? -r : r;
}

static enum map_reason
map_param_type(const struct map_param_info *p, const char *v, char *why,
    size_t whylen)
{
	switch (p->type) {
	case MAPP_DIGITS:
		if (!map_param_all_digits(v))
			return map_param_fail(MAPR_NOT_DIGITS, why, whylen,
			    NULL);
		break;
	case MAPP_INTEGER:
		if (!map_param_is_integer(v))
			return map_param_fail(MAPR_NOT_INTEGER, why, whylen,
			    NULL);
		break;
	case MAPP_DECIMAL:
		if (!map_param_is_decimal(v))
			return map_param_fail(MAPR_NOT_DECIMAL, why, whylen,
			    NULL);
		break;
	case MAPP_DATE:
		if (!map_param_is_date(v))
			return map_param_fail(MAPR_NOT_DATE, why, whylen,
			    " (YYYY-MM-DD)");
		break;
	case MAPP_TEXT:
		break;
	}
	return MAPR_NONE;
}

static enum map_reason
map_param_length(const struct map_param_info *p, long len, char *why,
    size_t whylen)
{
	if (p->min_len != 0 && (size_t)len < p->min_len)
		return map_param_fail(MAPR_TOO_SHORT, why, whylen,
		    " (%ld characters, at least %zu)", len, p->min_len);
	if (p->max_len != 0 && (size_t)len > p->max_len)
		return map_param_fail(MAPR_TOO_LONG, why, whylen,
		    " (%ld characters, at most %zu)", len, p->max_len);
	return MAPR_NONE;
}

/*
 * Integer bounds of the value x; bounds that are not integers are
 * compared exactly.
 */
static enum map_reason
map_param_irange(const struct map_param_info *p, long long x, char *why,
    size_t whylen)
{
	long long b = 0;
	const char *end;

	if (p->min != NULL && (map_param_int(p->min, &b, &end), x < b +
	    (*end == '.' && p->min[0] != '-' &&
	    strpbrk(end, "123456789") != NULL)))
		return map_param_fail(MAPR_RANGE, why, whylen,
		    " (at least %s)", p->min);
	if (p->max != NULL && (map_param_int(p->max, &b, &end), x > b -
	    (*end == '.' && p->max[0] == '-' &&
	    strpbrk(end, "123456789") != NULL)))
		return map_param_fail(MAPR_RANGE, why, whylen,
		    " (at most %s)", p->max);
	return MAPR_NONE;
}

static enum map_reason
map_param_range(const struct map_param_info *p, const char *v, char *why,
    size_t whylen)
{
	char *c;
	int lo, hi;

	if (p->min == NULL && p->max == NULL)
		return MAPR_NONE;
	if (p->type == MAPP_INTEGER) { /* the common case: no allocation */
		long long x = 0;

		(void)map_param_int(v, &x, NULL);       /* checked before */
		return map_param_irange(p, x, why, whylen);
	}
	c = map_param_decimal(v);
	lo = p->min != NULL && map_param_deccmp(c, p->min) < 0;
	hi = p->max != NULL && map_param_deccmp(c, p->max) > 0;
	free(c);
	if (lo)
		return map_param_fail(MAPR_RANGE, why, whylen,
		    " (at least %s)", p->min);
	if (hi)
		return map_param_fail(MAPR_RANGE, why, whylen,
		    " (at most %s)", p->max);
	return MAPR_NONE;
}

static enum map_reason
map_param_barcode(const struct map_param_info *p, const char *v, char *why,
    size_t whylen)
{
	static const struct {
		enum map_check check;
		size_t len;
		const char *name;
	} lens[] = {
		{ MAPC_EAN13, 13, "an EAN-13" }, { MAPC_EAN8, 8, "an EAN-8" },
		{ MAPC_UPCA, 12, "a UPC-A" },
	};
	size_t n = strlen(v), i;

	for (i = 0; i < nitems(lens); i++) {
		if (lens[i].check != p->check || n == lens[i].len)
			continue;
		return map_param_fail(n < lens[i].len ? MAPR_TOO_SHORT :
		    MAPR_TOO_LONG, why, whylen, " (%s has %zu digits)",
		    lens[i].name, lens[i].len);
	}
	if (p->check == MAPC_GTIN && n != 8 && n != 12 && n != 13 && n != 14)
		return map_param_fail(MAPR_BAD_LENGTH, why, whylen,
		    " (%zu digits; barcodes have 8, 12, 13 or 14)", n);
	if (!map_gtin_valid(v))
		return map_param_fail(MAPR_CHECK_DIGIT, why, whylen, NULL);
	return MAPR_NONE;
}

enum map_reason
map_param_check(const struct map_param_info *p, const char *v, char *why,
    size_t whylen)
{
	enum map_reason r;
	const char *end;
	long long x;
	long len;

	*why = '\0';
	if (v == NULL || (*v == '\0' && p->type != MAPP_TEXT))
		return map_param_fail(MAPR_MISSING, why, whylen, NULL);
	/*
	 * A well-formed integer is ASCII: one pass gives type, length and
	 * the value for the range check.
	 */
	if (p->type == MAPP_INTEGER && map_param_int(v, &x, &end) == 0 &&
	    *end == '\0') {
		len = (long)(end - v);
		if ((r = map_param_length(p, len, why, whylen)) != MAPR_NONE ||
		    ((p->min != NULL || p->max != NULL) &&
		    (r = map_param_irange(p, x, why, whylen)) != MAPR_NONE))
			return r;
		if (p->re_ != NULL && regexec(p->re_, v, 0, NULL, 0) != 0)
			return map_param_fail(MAPR_NO_MATCH, why, whylen, NULL);
		if (p->check != MAPC_NONE)
			return map_param_barcode(p, v, why, whylen);
		return MAPR_NONE;
	} else {
		if ((len = map_param_utf8_len(v)) == -1)
			return map_param_fail(MAPR_BAD_TEXT, why, whylen, NULL);
		if ((r = map_param_type(p, v, why, whylen)) != MAPR_NONE)
			return r;
	}
	if ((r = map_param_length(p, len, why, whylen)) != MAPR_NONE)
		return r;
	if ((p->type == MAPP_INTEGER || p->type == MAPP_DECIMAL) &&
	    (r = map_param_range(p, v, why, whylen)) != MAPR_NONE)
		return r;
	if (p->re_ != NULL && regexec(p->re_, v, 0, NULL, 0) != 0)
		return map_param_fail(MAPR_NO_MATCH, why, whylen, NULL);
	if (p->check != MAPC_NONE)
		return map_param_barcode(p, v, why, whylen);
	return MAPR_NONE;
}
