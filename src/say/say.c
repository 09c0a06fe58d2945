/*
 * say.c: reading values aloud with loaded say-rules -- Chinese numbers by
 * groups of four with 零/十/两 rules, money in 元角分, quantities with
 * measure words, dates, clock times and digit strings.  The rules
 * themselves (which words, which variant) come from the data; see
 * load.c and kefu-say(7).  Only reads the rules, so thread-safe.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "say/say-int.h"
#include "util/util.h"

/* Reading state for one value: the rules and the sequence appended to. */
struct rd {
	const struct say_rules *r;
	struct say_seq *seq;
	int decimals;           /* struct say_opts: -1 as written */
};

static const char *const say_type_names[SAY_NTYPES] = {
	[SAY_NUMBER] = "number",
	[SAY_MONEY] = "money",
	[SAY_QUANTITY] = "quantity",
	[SAY_DATE] = "date",
	[SAY_DATE_WEEKDAY] = "date-weekday",
	[SAY_TIME] = "time",
	[SAY_DIGITS] = "digits",
	[SAY_PHONE] = "phone",
};

const char *
say_type_name(enum say_type type)
{
	if ((unsigned)type >= SAY_NTYPES)
		return "?";
	return say_type_names[type];
}

int
say_type_parse(const char *name, enum say_type *out)
{
	size_t i;

	for (i = 0; i < SAY_NTYPES; i++) {
		if (strcmp(name, say_type_names[i]) == 0) {
			*out = (enum say_type)i;
			return 0;
		}
	}
	return -1;
}

const char *
say_lang(const struct say_rules *rules)
{
	return rules->lang;
}

static void
emit(struct rd *rd, int idx)
{
	struct say_seq *seq = rd->seq;

	if (idx < 0)
		return;
	if (seq->n == seq->cap) {
		seq->cap = seq->cap ? seq->cap * 2 : 16;
		seq->items = xreallocarray(seq->items, seq->cap,
		    sizeof(*seq->items));
	}
	seq->items[seq->n].id = rd->r->prompts[idx].id;
	seq->items[seq->n].text = rd->r->prompts[idx].text;
	seq->n++;
}

static void
emit_digit(struct rd *rd, char c)
{
	emit(rd, rd->r->digit[c - '0']);
}

static int
two_applies(enum say_two two, int leading)
{
	return two == SAY_TWO_ALWAYS || (two == SAY_TWO_LEADING && leading);
}

/* One group of at most four digits, d[0] != '0'. */
static void
say_group(struct rd *rd, const char *d, size_t len, int leading)
{
	const struct say_rules *r = rd->r;
	const struct say_place *pl;
	size_t i, exp;
	int pending = 0, first;

	for (i = 0; i < len; i++) {
		exp = len - 1 - i;
		first = leading && i == 0;
		if (d[i] == '0') {
			pending = 1;
			continue;
		}
		if (pending)
			emit(rd, r->zero);
		pending = 0;
		if (exp == 0) {
			emit_digit(rd, d[i]);
			continue;
		}
		pl = &r->place[exp];
		if (exp == 1 && r->tens[d[i] - '0'] >= 0)
			emit(rd, r->tens[d[i] - '0']);
		else if (d[i] == '1' && exp == 1 && pl->omit_one && first)
			emit(rd, pl->id);
		else if (d[i] == '2' && two_applies(pl->two, first)) {
			emit(rd, r->liang);
			emit(rd, pl->id);
		} else {
			emit_digit(rd, d[i]);
			emit(rd, pl->id);
		}
	}
}

/*
 * An integer without leading zeros (d[0] != '0'): split at the largest
 * scale shorter than the number, read the high part (recursively, so
 * 10^12 is 一万亿 with scales 万 and 亿 only), the scale word, then 零 if
 * the low part starts with a zero, then the low part.
 */
static void
say_int(struct rd *rd, const char *d, size_t len, int leading)
{
	const struct say_scale *sc = NULL;
	size_t i, hl, k;

	for (i = rd->r->nscales; i > 0; i--) {
		if (len > (size_t)rd->r->scales[i - 1].exp) {
			sc = &rd->r->scales[i - 1];
			break;
		}
	}
	if (sc == NULL) {
		say_group(rd, d, len, leading);
		return;
	}
	hl = len - (size_t)sc->exp;
	if (hl == 1 && d[0] == '2' && two_applies(sc->two, leading))
		emit(rd, rd->r->liang);
	else
		say_int(rd, d, hl, leading);
	emit(rd, sc->id);
	for (k = hl; k < len && d[k] == '0'; k++)
		;
	if (k == len)
		return;
	if (k > hl)
		emit(rd, rd->r->zero);
	say_int(rd, d + k, len - k, 0);
}

/* A whole number given as digits, leading zeros allowed. */
static void
say_uint(struct rd *rd, const char *d, size_t len)
{
	while (len > 1 && *d == '0') {
		d++;
		len--;
	}
	if (*d == '0')
		emit(rd, rd->r->zero);
	else
		say_int(rd, d, len, 1);
}

static void
say_uint_n(struct rd *rd, int n)
{
	char buf[16];
	int len;

	len = snprintf(buf, sizeof(buf), "%d", n);
	say_uint(rd, buf, (size_t)len);
}

/* A parsed decimal: [-]int[.frac], pointers into the input. */
struct dec {
	int neg;
	const char *ip;         /* integer digits (leading zeros stripped) */
	size_t il;
	const char *fp;         /* fraction digits, NULL when no point */
	size_t fl;
};

static int
all_zero(const char *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (d[i] != '0')
			return 0;
	return 1;
}

static int
dec_parse(const char *what, const char *s, int allow_neg, struct dec *dc,
    char **cause)
{
	const char *p = s;

	memset(dc, 0, sizeof(*dc));
	if (*p == '-') {
		if (!allow_neg)
			return kf_error(cause, "%s \"%s\": negative values "
			    "are not read", what, s);
		dc->neg = 1;
		p++;
	}
	dc->ip = p;
	while (*p >= '0' && *p <= '9')
		p++;
	dc->il = (size_t)(p - dc->ip);
	if (*p == '.') {
		dc->fp = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		dc->fl = (size_t)(p - dc->fp);
	}
	if (dc->il == 0 || *p != '\0' || (dc->fp != NULL && dc->fl == 0))
		return kf_error(cause, "%s \"%s\": not a decimal number "
		    "(digits, optionally a point and more digits)", what, s);
	while (dc->il > 1 && *dc->ip == '0') {
		dc->ip++;
		dc->il--;
	}
	if (dc->neg && all_zero(dc->ip, dc->il) &&
	    (dc->fp == NULL || all_zero(dc->fp, dc->fl)))
		dc->neg = 0;
	return 0;
}

/*
 * Write a parsed decimal to buf rounded half up to at most `decimals`
 * places (none when decimals < 0), without the zeros that end its
 * fraction nor a point with nothing after it: 49.000000 is 49, 49.50 is
 * 49.5, 2.345 to 2 places 2.35.  -1 when buf is too small.
 */
static int
dec_norm(const struct dec *dc, int decimals, char *buf, size_t bufsz)
{
	size_t fl = dc->fl, il = dc->il + 1, i;
	char *d = buf + dc->neg, *o;

	if (dc->neg + il + fl + 2 > bufsz)
		return -1;
	if (decimals >= 0 && fl > (size_t)decimals)
		fl = (size_t)decimals;
	buf[0] = '-';
	d[0] = '0';             /* room for a carry: 9.995 -> 10.00 */
	memcpy(d + 1, dc->ip, dc->il);
	if (fl > 0)
		memcpy(d + il, dc->fp, fl);
	if (fl < dc->fl && dc->fp[fl] >= '5') {
		for (i = il + fl; i > 0 && d[i - 1] == '9'; i--)
			d[i - 1] = '0';
		d[i - 1]++;
	}
	while (fl > 0 && d[il + fl - 1] == '0')
		fl--;
	if (d[0] == '0') {      /* no carry: drop the room made for one */
		memmove(d, d + 1, il - 1 + fl);
		il--;
	}
	o = d + il;
	if (fl > 0) {
		memmove(o + 1, o, fl);
		*o = '.';
		o += fl + 1;
	}
	*o = '\0';
	return 0;
}

/*
 * Parse s, and when trim is set (or rd asks for a number of decimals)
 * rewrite it with dec_norm into buf and parse that: *dc then points into
 * buf.
 */
static int
dec_read(const struct rd *rd, const char *what, const char *s, int trim,
    struct dec *dc, char *buf, size_t bufsz, char **cause)
{
	if (dec_parse(what, s, 1, dc, cause) == -1)
		return -1;
	if (!trim && rd->decimals < 0)
		return 0;
	if (dec_norm(dc, rd->decimals, buf, bufsz) == -1)
		return kf_error(cause, "%s \"%s\": too many digits", what, s);
	return dec_parse(what, buf, 1, dc, cause);
}

static int
say_number(struct rd *rd, const char *s, char **cause)
{
	const struct say_rules *r = rd->r;
	struct dec dc;
	char buf[128];
	size_t i;

	if (dec_read(rd, "number", s, 0, &dc, buf, sizeof buf, cause) == -1)
		return -1;
	if (dc.il > (size_t)r->max_digits)
		return kf_error(cause, "number \"%s\": more than %d digits "
		    "before the point", s, r->max_digits);
	if (dc.fp != NULL && dc.fl > (size_t)r->max_digits)
		return kf_error(cause, "number \"%s\": more than %d digits "
		    "after the point", s, r->max_digits);
	if (dc.neg)
		emit(rd, r->minus);
	say_uint(rd, dc.ip, dc.il);
	if (dc.fp != NULL) {
		emit(rd, r->point);
		for (i = 0; i < dc.fl; i++)
			emit_digit(rd, dc.fp[i]);
	}
	return 0;
}

/* A single digit before a money unit, 两 when the rules say so. */
static void
say_money_digit(struct rd *rd, char c, int unit)
{
	if (c == '2' && rd->r->money_two[unit] == SAY_TWO_ALWAYS)
		emit(rd, rd->r->liang);
	else
		emit_digit(rd, c);
	emit(rd, rd->r->money_unit[unit]);
}

/*
 * Money: the amount in 分 as a digit string "YYY.JF" held in buf (yuan
 * digits then two decimals).  Rounds half up on the third decimal when the
 * rules allow it; the carry may lengthen the yuan part (9.995 -> 10.00).
 */
static int
money_digits(const struct say_rules *r, const char *s, const struct dec *dc,
    char *buf, size_t bufsz, char **cause)
{
	size_t n, i;
	char jiao = '0', fen = '0';

	if (dc->il + 4 > bufsz)
		return kf_error(cause, "money \"%s\": more than %d digits "
		    "before the point", s, r->money_max_digits);
	if (dc->fl > 0)
		jiao = dc->fp[0];
	if (dc->fl > 1)
		fen = dc->fp[1];
	buf[0] = '0';           /* room for a carry */
	memcpy(buf + 1, dc->ip, dc->il);
	n = dc->il + 1;
	buf[n++] = jiao;
	buf[n++] = fen;
	buf[n] = '\0';
	if (dc->fl > 2 && !all_zero(dc->fp + 2, dc->fl - 2)) {
		if (!r->money_round)
			return kf_error(cause, "money \"%s\": more than two "
			    "decimals (分 is the smallest unit; the rules "
			    "refuse to round)", s);
		if (dc->fp[2] >= '5') {
			for (i = n; i > 0; i--) {
				if (buf[i - 1] != '9') {
					buf[i - 1]++;
					break;
				}
				buf[i - 1] = '0';
			}
		}
	}
	return 0;
}

/* The 元 part of a non-zero amount, then 整 or the 零 before 分. */
static void
say_yuan(struct rd *rd, const char *y, size_t yl, char jiao, char fen)
{
	const struct say_rules *r = rd->r;

	if (yl == 1 && *y == '2' && r->money_two[0] == SAY_TWO_ALWAYS)
		emit(rd, r->liang);
	else
		say_int(rd, y, yl, 1);
	emit(rd, r->money_unit[0]);
	if (jiao == '0' && fen == '0')
		emit(rd, r->money_whole);
	else if (jiao == '0')
		emit(rd, r->zero);
}

/*
 * 元角分: 12.50 十二元五角, 12.05 十二元零五分, 3.00 三元整, 0.05 五分,
 * 0.00 零元.
 */
static int
say_money(struct rd *rd, const char *s, char **cause)
{
	const struct say_rules *r = rd->r;
	struct dec dc;
	char buf[128], *y, jiao, fen;
	size_t yl;
	int yzero;

	if (dec_parse("money", s, r->money_negative, &dc, cause) == -1 ||
	    money_digits(r, s, &dc, buf, sizeof(buf), cause) == -1)
		return -1;
	yl = strlen(buf) - 2;
	jiao = buf[yl];
	fen = buf[yl + 1];
	for (y = buf; yl > 1 && *y == '0'; y++)
		yl--;
	if (yl > (size_t)r->money_max_digits)
		return kf_error(cause, "money \"%s\": more than %d digits "
		    "before the point", s, r->money_max_digits);
	yzero = yl == 1 && *y == '0';
	if (yzero && jiao == '0' && fen == '0') {
		emit(rd, r->zero);
		emit(rd, r->money_unit[0]);
		return 0;
	}
	if (dc.neg)
		emit(rd, r->minus);
	if (!yzero)
		say_yuan(rd, y, yl, jiao, fen);
	if (jiao != '0')
		say_money_digit(rd, jiao, 1);
	if (fen != '0')
		say_money_digit(rd, fen, 2);
	return 0;
}

static const struct say_measure *
measure_find(const struct say_rules *r, const char *word)
{
	const char *w;
	size_t i;

	for (i = 0; i < r->nmeasures; i++) {
		for (w = r->measures[i].words; *w != '\0';
		    w += strlen(w) + 1) {
			if (strcmp(w, word) == 0)
				return &r->measures[i];
		}
	}
	return NULL;
}

static int
quantity_say(struct rd *rd, const char *number, const char *word,
    char **cause)
{
	const struct say_rules *rules = rd->r;
	const struct say_measure *m;
	struct dec dc;
	char buf[128];
	size_t n0 = rd->seq->n;

	if (dec_parse("quantity", number, 0, &dc, cause) == -1 ||
	    dec_read(rd, "quantity", number, 1, &dc, buf, sizeof buf,
	    cause) == -1)
		return -1;
	if (dc.fp != NULL && rd->decimals < 0 &&
	    dc.fl > (size_t)rules->qty_max_decimals)
		return kf_error(cause, "quantity \"%s\": more than %d "
		    "decimals (decimals= on the say rounds it)", number,
		    rules->qty_max_decimals);
	if (dc.il > (size_t)rules->max_digits)
		return kf_error(cause, "quantity \"%s\": more than %d digits",
		    number, rules->max_digits);
	if (*word == '\0')
		return kf_error(cause, "quantity \"%s\": no measure word "
		    "(e.g. \"%s 件\")", number, number);
	if ((m = measure_find(rules, word)) == NULL)
		return kf_error(cause, "quantity \"%s %s\": measure word "
		    "\"%s\" is not in the %s say-rules", number, word, word,
		    rules->lang);
	if (dc.il == 1 && *dc.ip == '2' && dc.fp == NULL &&
	    m->two == SAY_TWO_ALWAYS)
		emit(rd, rules->liang);
	else if (say_number(rd, buf, cause) == -1) {
		rd->seq->n = n0;
		return -1;
	}
	emit(rd, m->id);
	return 0;
}

int
say_quantity(const struct say_rules *rules, const char *number,
    const char *word, struct say_seq *seq, char **cause)
{
	struct say_opts o = SAY_OPTS_INIT;

	o.unit = word != NULL ? word : "";
	return say_value_opts(rules, SAY_QUANTITY, number, &o, seq, cause);
}

/* "3 瓶", "2.5公斤", "12 kg": the number, blanks, the word. */
static int
say_quantity_text(struct rd *rd, const char *s, char **cause)
{
	const char *p = s;
	char *num, *word;
	int rv;

	while ((*p >= '0' && *p <= '9') || *p == '.' || *p == '-')
		p++;
	if (p == s)
		return kf_error(cause, "quantity \"%s\": does not start with "
		    "a number", s);
	num = xstrndup(s, (size_t)(p - s));
	word = xstrdup(p);
	rv = quantity_say(rd, num, str_trim(word), cause);
	free(num);
	free(word);
	return rv;
}

/* Exactly n ASCII digits at s, as a number. */
static int
fixed_num(const char *s, size_t n, int *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*out = *out * 10 + (s[i] - '0');
	}
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* ISO weekday, 1 = Monday .. 7 = Sunday (Sakamoto's method). */
static int
weekday_of(int y, int m, int d)
{
	static const int t[12] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };
	int w;

	if (m < 3)
		y--;
	w = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
	return w == 0 ? 7 : w;
}

static int
say_date(struct rd *rd, const char *s, int weekday, char **cause)
{
	const struct say_rules *r = rd->r;
	int y, m, d, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    fixed_num(s, 4, &y) == -1 || fixed_num(s + 5, 2, &m) == -1 ||
	    fixed_num(s + 8, 2, &d) == -1)
		return kf_error(cause, "date \"%s\": not YYYY-MM-DD", s);
	if (y < 1 || m < 1 || m > 12)
		return kf_error(cause, "date \"%s\": no such month", s);
	if (d < 1 || d > days_in_month(y, m))
		return kf_error(cause, "date \"%s\": no such day", s);
	for (i = 0; i < 4; i++)
		emit(rd, s[i] == '0' ? r->year_zero : r->digit[s[i] - '0']);
	emit(rd, r->date_year);
	say_uint_n(rd, m);
	emit(rd, r->date_month);
	say_uint_n(rd, d);
	emit(rd, r->date_day);
	if (weekday || r->weekday_default)
		emit(rd, r->weekday[weekday_of(y, m, d)]);
	return 0;
}

static int
say_time(struct rd *rd, const char *s, char **cause)
{
	const struct say_rules *r = rd->r;
	size_t hl, i;
	int h, m, hd;

	hl = strcspn(s, ":");
	if ((hl != 1 && hl != 2) || s[hl] != ':' || strlen(s + hl + 1) != 2 ||
	    fixed_num(s, hl, &h) == -1 || fixed_num(s + hl + 1, 2, &m) == -1)
		return kf_error(cause, "time \"%s\": not HH:MM", s);
	if (h > 23 || m > 59)
		return kf_error(cause, "time \"%s\": no such time of day "
		    "(00:00 to 23:59)", s);
	hd = h;
	if (r->clock12) {
		for (i = 0; i < r->nperiods; i++) {
			if (h >= r->periods[i].from && h <= r->periods[i].to)
				emit(rd, r->periods[i].id);
		}
		hd = h % 12;
		if (h == 0)
			hd = r->midnight_hour;
		else if (hd == 0)
			hd = 12;
	}
	if (hd == 2 && r->hour_two == SAY_TWO_ALWAYS)
		emit(rd, r->liang);
	else
		say_uint_n(rd, hd);
	emit(rd, r->time_hour);
	if (m == 0)
		emit(rd, r->time_oclock);
	else if (m == 30 && r->time_half >= 0)
		emit(rd, r->time_half);
	else {
		if (m < 10 && r->minute_zero)
			emit(rd, r->zero);
		say_uint_n(rd, m);
		emit(rd, r->time_minute);
	}
	return 0;
}

static int
say_digits(struct rd *rd, const char *s, int phone, char **cause)
{
	const struct say_rules *r = rd->r;
	const char *what = phone ? "phone number" : "digit string";
	const char *p;
	int n = 0, max = phone ? r->phone_max : r->digits_max;

	for (p = s; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			n++;
		else if (!phone || strchr(r->phone_separators, *p) == NULL)
			return kf_error(cause, "%s \"%s\": only digits "
			    "allowed", what, s);
	}
	if (n == 0)
		return kf_error(cause, "%s \"%s\": no digits", what, s);
	if (n > max)
		return kf_error(cause, "%s: %d digits, at most %d are read",
		    what, n, max);
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			continue;
		if (phone && *p == '1' && r->phone_one >= 0)
			emit(rd, r->phone_one);
		else
			emit_digit(rd, *p);
	}
	return 0;
}

static int
say_dispatch(struct rd *rd, enum say_type type, const char *value,
    char **cause)
{
	switch (type) {
	case SAY_NUMBER:
		return say_number(rd, value, cause);
	case SAY_MONEY:
		return say_money(rd, value, cause);
	case SAY_QUANTITY:
		return say_quantity_text(rd, value, cause);
	case SAY_DATE:
	case SAY_DATE_WEEKDAY:
		return say_date(rd, value, type == SAY_DATE_WEEKDAY, cause);
	case SAY_TIME:
		return say_time(rd, value, cause);
	case SAY_DIGITS:
	case SAY_PHONE:
		return say_digits(rd, value, type == SAY_PHONE, cause);
	}
	return kf_error(cause, "say: unknown value type %d", (int)type);
}

/*
 * Blanks around the value (and the unit) are ignored: CHAR columns come
 * padded.  The sequence is left as it was on error.
 */
int
say_value_opts(const struct say_rules *rules, enum say_type type,
    const char *value, const struct say_opts *opts, struct say_seq *seq,
    char **cause)
{
	struct rd rd = { rules, seq, -1 };
	size_t n0 = seq->n;
	char *copy, *unit;
	int rv;

	if (opts != NULL && (opts->decimals < -1 ||
	    opts->decimals > SAY_MAX_DECIMALS))
		return kf_error(cause, "say: decimals %d is not 0 to %d",
		    opts->decimals, SAY_MAX_DECIMALS);
	if (opts != NULL)
		rd.decimals = opts->decimals;
	copy = xstrdup(value != NULL ? value : "");
	if (type == SAY_QUANTITY && opts != NULL && opts->unit != NULL) {
		unit = xstrdup(opts->unit);
		rv = quantity_say(&rd, str_trim(copy), str_trim(unit), cause);
		free(unit);
	} else
		rv = say_dispatch(&rd, type, str_trim(copy), cause);
	free(copy);
	if (rv == -1)
		seq->n = n0;
	return rv;
}

int
say_value(const struct say_rules *rules, enum say_type type,
    const char *value, struct say_seq *seq, char **cause)
{
	return say_value_opts(rules, type, value, NULL, seq, cause);
}

char *
say_seq_text(const struct say_seq *seq)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < seq->n; i++)
		sb_adds(&sb, seq->items[i].text);
	return sb_steal(&sb);
}

void
say_seq_free(struct say_seq *seq)
{
	free(seq->items);
	seq->items = NULL;
	seq->n = seq->cap = 0;
}
