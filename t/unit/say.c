/*
 * t/unit/say.c: the say-rules (src/say) against the golden tables
 * t/data/say/LANG.tsv (every row must match: text and, when given, the
 * prompt ids), a rule variant (t/data/say/variant.*), bad input, loader
 * errors with file:line, say_ids(), and concurrent use of one rule set.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "say/say.h"
#include "util/util.h"

#include "../tap.h"

static const char *srcdir;

static struct say_rules *
load(const char *lang)
{
	struct say_rules *r = NULL;
	char *dir, *cause = NULL;

	dir = xasprintf("%s/prompts", srcdir);
	if (say_load(dir, lang, &r, &cause) == -1)
		tap_diag("%s", cause);
	ok(r != NULL, "%s: say-rules load", lang);
	free(cause);
	free(dir);
	return r;
}

/* The text of value, or "!error: cause". */
static char *
say_text(const struct say_rules *r, enum say_type t, const char *v,
    char **ids)
{
	struct say_seq seq = SAY_SEQ_INIT;
	struct strbuf sb = STRBUF_INIT;
	char *cause = NULL, *s;
	size_t i;

	if (say_value(r, t, v, &seq, &cause) == -1) {
		s = xasprintf("!error: %s", cause);
		free(cause);
		if (ids != NULL)
			*ids = xstrdup("");
		return s;
	}
	for (i = 0; i < seq.n; i++)
		sb_addf(&sb, "%s%s", i ? " " : "", seq.items[i].id);
	if (ids != NULL)
		*ids = sb_steal(&sb);
	sb_free(&sb);
	s = say_seq_text(&seq);
	say_seq_free(&seq);
	return s;
}

/*
 * One golden row: TYPE <tab> INPUT <tab> TEXT [<tab> IDS].  INPUT "" is
 * the empty string; TEXT "!error" means the value must be refused
 * ("!error SUBSTRING": and the message must contain SUBSTRING).
 */
static int
golden_row(const struct say_rules *r, const char *file, int lineno,
    char *line)
{
	char *f[4] = { NULL, NULL, NULL, NULL }, *p = line, *got, *ids;
	enum say_type t;
	int n = 0;

	while (n < 4 && p != NULL) {
		f[n++] = p;
		if ((p = strchr(p, '\t')) != NULL)
			*p++ = '\0';
	}
	if (n < 3 || say_type_parse(f[0], &t) == -1) {
		ok(0, "%s:%d: malformed row", file, lineno);
		return 0;
	}
	if (strcmp(f[1], "\"\"") == 0)
		f[1] = (char *)"";
	got = say_text(r, t, f[1], &ids);
	if (strncmp(f[2], "!error", 6) == 0) {
		ok(strncmp(got, "!error", 6) == 0 &&
		    (f[2][6] == '\0' || strstr(got, f[2] + 7) != NULL),
		    "%s:%d: %s \"%s\" refused", file, lineno, f[0], f[1]);
		if (strncmp(got, "!error", 6) != 0 ||
		    (f[2][6] != '\0' && strstr(got, f[2] + 7) == NULL))
			tap_diag("got '%s', want '%s'", got, f[2]);
	} else {
		is_str(got, f[2], "%s:%d: %s \"%s\"", file, lineno, f[0],
		    f[1]);
		if (f[3] != NULL && *f[3] != '\0')
			is_str(ids, f[3], "%s:%d: %s \"%s\" ids", file, lineno,
			    f[0], f[1]);
	}
	free(got);
	free(ids);
	return 1;
}

static int
golden(const struct say_rules *r, const char *name)
{
	char *path, *data, *cause = NULL, *line, *next;
	size_t len;
	int lineno = 0, rows = 0;

	path = xasprintf("%s/t/data/say/%s", srcdir, name);
	if (file_read(path, &data, &len, &cause) == -1) {
		ok(0, "read %s: %s", path, cause);
		free(cause);
		free(path);
		return 0;
	}
	for (line = data; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		rows += golden_row(r, name, lineno, line);
	}
	free(data);
	free(path);
	return rows;
}

static void
bad_input(const struct say_rules *r)
{
	static const struct {
		enum say_type t;
		const char *v, *why;
	} bad[] = {
		{ SAY_NUMBER, "12.5.3", "not a decimal number" },
		{ SAY_NUMBER, "abc", "not a decimal number" },
		{ SAY_NUMBER, "", "not a decimal number" },
		{ SAY_NUMBER, "-", "not a decimal number" },
		{ SAY_NUMBER, ".5", "not a decimal number" },
		{ SAY_NUMBER, "5.", "not a decimal number" },
		{ SAY_NUMBER, "1e5", "not a decimal number" },
		{ SAY_NUMBER, "1,000", "not a decimal number" },
		{ SAY_NUMBER, "1 2", "not a decimal number" },
		{ SAY_NUMBER, "+12", "not a decimal number" },
		{ SAY_NUMBER, "--1", "not a decimal number" },
		{ SAY_NUMBER, "1234567890123456789012345", "more than 24" },
		{ SAY_MONEY, "12.345", "more than two decimals" },
		{ SAY_MONEY, "0.001", "more than two decimals" },
		{ SAY_MONEY, "-12.50", "negative" },
		{ SAY_MONEY, "12.5.0", "not a decimal number" },
		{ SAY_MONEY, "", "not a decimal number" },
		{ SAY_MONEY, "¥12", "not a decimal number" },
		{ SAY_MONEY, "12345678901234567", "more than 16" },
		{ SAY_QUANTITY, "3", "no measure word" },
		{ SAY_QUANTITY, "3 只猫", "is not in the" },
		{ SAY_QUANTITY, "瓶", "does not start with a number" },
		{ SAY_QUANTITY, "-3 瓶", "negative" },
		{ SAY_QUANTITY, "1.2345 公斤", "more than 3 decimals" },
		{ SAY_DATE, "2026-02-29", "no such day" },
		{ SAY_DATE, "1900-02-29", "no such day" },
		{ SAY_DATE, "2026-13-01", "no such month" },
		{ SAY_DATE, "2026-00-10", "no such month" },
		{ SAY_DATE, "2026-04-31", "no such day" },
		{ SAY_DATE, "2026-4-3", "not YYYY-MM-DD" },
		{ SAY_DATE, "", "not YYYY-MM-DD" },
		{ SAY_DATE, "20261122", "not YYYY-MM-DD" },
		{ SAY_TIME, "24:00", "no such time" },
		{ SAY_TIME, "12:60", "no such time" },
		{ SAY_TIME, "1205", "not HH:MM" },
		{ SAY_TIME, "12:5", "not HH:MM" },
		{ SAY_TIME, "12:05:00", "not HH:MM" },
		{ SAY_TIME, "", "not HH:MM" },
		{ SAY_DIGITS, "", "no digits" },
		{ SAY_DIGITS, "123a", "only digits" },
		{ SAY_DIGITS, "138-0013", "only digits" },
		{ SAY_DIGITS, "123456789012345678901234567890123",
		    "at most 32" },
		{ SAY_PHONE, "+8613800138000", "only digits" },
		{ SAY_PHONE, "--", "no digits" },
		{ SAY_PHONE, "1234567890123456789012345", "at most 24" },
	};
	struct say_seq seq = SAY_SEQ_INIT;
	char *cause;
	size_t i, n0;
	int rv;

	say_value(r, SAY_NUMBER, "7", &seq, NULL);
	n0 = seq.n;
	for (i = 0; i < nitems(bad); i++) {
		cause = NULL;
		rv = say_value(r, bad[i].t, bad[i].v, &seq, &cause);
		ok(rv == -1 && seq.n == n0, "%s: %s \"%s\" refused, sequence "
		    "unchanged", say_lang(r), say_type_name(bad[i].t),
		    bad[i].v);
		like(cause, bad[i].why, "  with a reason");
		free(cause);
	}
	rv = say_value(r, SAY_NUMBER, NULL, &seq, NULL);
	ok(rv == -1, "NULL value refused without a cause pointer");
	rv = say_quantity(r, "3", "", &seq, NULL);
	ok(rv == -1 && seq.n == n0, "say_quantity without a word refused");
	rv = say_value(r, (enum say_type)99, "1", &seq, NULL);
	ok(rv == -1 && seq.n == n0, "unknown type refused");
	say_seq_free(&seq);
}

static void
append_and_api(const struct say_rules *r)
{
	struct say_seq seq = SAY_SEQ_INIT;
	enum say_type t;
	char *s;

	ok(say_value(r, SAY_MONEY, "12.05", &seq, NULL) == 0 &&
	    say_quantity(r, "2", "瓶", &seq, NULL) == 0, "values append");
	s = say_seq_text(&seq);
	is_str(s, "十二元零五分两瓶", "appended text");
	free(s);
	is_int(seq.n, 8, "appended count");
	is_str(seq.items[0].id, "num.10", "first id");
	is_str(seq.items[6].text, "两", "两 item text");
	say_seq_free(&seq);
	ok(seq.n == 0 && seq.items == NULL, "seq freed");
	s = say_seq_text(&seq);
	is_str(s, "", "empty sequence text");
	free(s);
	ok(say_value(r, SAY_MONEY, " 12.50  ", &seq, NULL) == 0 &&
	    say_value(r, SAY_DIGITS, "\t6901234 ", &seq, NULL) == 0 &&
	    say_quantity(r, " 2 ", " 瓶 ", &seq, NULL) == 0,
	    "blanks around values are ignored (padded CHAR columns)");
	s = say_seq_text(&seq);
	is_str(s, "十二元五角六九零一二三四两瓶", "padded values text");
	free(s);
	say_seq_free(&seq);
	ok(say_type_parse("date-weekday", &t) == 0 && t == SAY_DATE_WEEKDAY,
	    "type names parse");
	ok(say_type_parse("price", &t) == -1, "unknown type name refused");
	is_str(say_type_name(SAY_PHONE), "phone", "type name");
	is_str(say_type_name((enum say_type)42), "?", "bad type name");
}

/* The text of value read with decimals= (and a unit), or "!error". */
static char *
say_dec(const struct say_rules *r, enum say_type t, const char *v,
    const char *unit, int decimals)
{
	struct say_seq seq = SAY_SEQ_INIT;
	struct say_opts o = SAY_OPTS_INIT;
	char *s;

	o.unit = unit;
	o.decimals = decimals;
	if (say_value_opts(r, t, v, &o, &seq, NULL) == -1)
		return xstrdup("!error");
	s = say_seq_text(&seq);
	say_seq_free(&seq);
	return s;
}

/* decimals= of a <say>: round half up, then no zeros ending the fraction. */
static void
decimals_opt(const struct say_rules *r)
{
	static const struct {
		enum say_type t;
		const char *v, *unit;
		int dec;
		const char *want;
	} c[] = {
		{ SAY_QUANTITY, "49.000000", "件", -1, "四十九件" },
		{ SAY_QUANTITY, "49.5", "件", -1, "四十九点五件" },
		{ SAY_QUANTITY, "49.000000", "件", 0, "四十九件" },
		{ SAY_QUANTITY, "49.5", "件", 0, "五十件" },
		{ SAY_QUANTITY, "49.49", "件", 0, "四十九件" },
		{ SAY_QUANTITY, "80.256789", "公斤", 2, "八十点二六公斤" },
		{ SAY_QUANTITY, "80.2567890", "公斤", 1, "八十点三公斤" },
		{ SAY_QUANTITY, "9.996", "公斤", 2, "十公斤" },
		{ SAY_QUANTITY, "1.99951", "公斤", 3, "两公斤" },
		{ SAY_QUANTITY, "0.0004", "公斤", 3, "零公斤" },
		{ SAY_QUANTITY, "12.3456789 公斤", NULL, 4, "十二点三四五七公斤" },
		{ SAY_QUANTITY, "12.3456789", "公斤", -1, "!error" },
		{ SAY_QUANTITY, "49", "件", 10, "!error" },
		{ SAY_QUANTITY, "49", "件", -2, "!error" },
		{ SAY_NUMBER, "12.50", NULL, -1, "十二点五零" },
		{ SAY_NUMBER, "12.50", NULL, 2, "十二点五" },
		{ SAY_NUMBER, "-3.14159", NULL, 2, "负三点一四" },
		{ SAY_NUMBER, "-0.001", NULL, 2, "零" },
		{ SAY_NUMBER, "999.95", NULL, 1, "一千" },
		{ SAY_NUMBER, "7", NULL, 3, "七" },
		{ SAY_NUMBER, "x", NULL, 2, "!error" },
	};
	char *got;
	size_t i;

	for (i = 0; i < nitems(c); i++) {
		got = say_dec(r, c[i].t, c[i].v, c[i].unit, c[i].dec);
		is_str(got, c[i].want, "%s \"%s\" with decimals=%d",
		    say_type_name(c[i].t), c[i].v, c[i].dec);
		free(got);
	}
}

static int
has_id(const char **ids, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

static void
ids_check(const struct say_rules *r)
{
	const char **ids;
	size_t n, i;
	int sorted = 1;

	n = say_ids(r, &ids);
	for (i = 1; i < n; i++)
		if (strcmp(ids[i - 1], ids[i]) >= 0)
			sorted = 0;
	ok(sorted, "%s: say_ids sorted and unique", say_lang(r));
	ok(has_id(ids, n, "num.liang") && has_id(ids, n, "money.zheng") &&
	    has_id(ids, n, "mw.gongjin") && has_id(ids, n, "date.wd.7") &&
	    has_id(ids, n, "time.zhongwu"), "%s: say_ids has the rule words",
	    say_lang(r));
	ok(!has_id(ids, n, "num.zhao") && !has_id(ids, n, "money.kuai"),
	    "%s: say_ids leaves out words only a variant uses", say_lang(r));
	ok(n > 60, "%s: %zu ids", say_lang(r), n);
	free(ids);
}

/* Write text to a temp file; returns its malloc'd path. */
static char *
tmpfile_with(const char *text)
{
	char *path = xstrdup("/tmp/kefu-say-XXXXXX");
	int fd;

	if ((fd = mkstemp(path)) == -1)
		return path;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		tap_diag("short write");
	close(fd);
	return path;
}

static void
loader_errors(void)
{
	static const struct {
		const char *rules, *want;
	} cases[] = {
		{ "<say-rules lang=\"zh-CN\">\n<digits>\n<digit value=\"0\" "
		  "id=\"num.nope\"/>", ":3: Premature end of data" },
		{ "<say-rules lang=\"zh-CN\">\n<digits>\n<digit value=\"0\" "
		  "id=\"num.nope\"/></digits></say-rules>", ":3: <digit "
		  "id=\"num.nope\">: no prompt" },
		{ "<say-rules lang=\"zh-CN\">\n<digits/>\n</say-rules>",
		  ":2: <digits>: no <digit value=\"0\">" },
		{ "<say-rules lang=\"zh-CN\">\n\n<number/>\n</say-rules>",
		  ":3: <digits> must come first" },
		{ "<say-rules lang=\"zh-CN\" colour=\"red\"/>",
		  ":1: <say-rules>: unknown attribute \"colour\"" },
		{ "<say-rules lang=\"yue\"/>", "say.xml:11: <prompts "
		  "lang=\"zh-CN\"> but the say-rules are for \"yue\"" },
		{ "<rules lang=\"zh-CN\"/>",
		    "root element is not <say-rules>" },
		{ "<say-rules lang=\"zh-CN\"/>", "no <digits> section" },
	};
	char *path, *cat, *cause;
	struct say_rules *r;
	size_t i;

	cat = xasprintf("%s/prompts/zh-CN/say.xml", srcdir);
	for (i = 0; i < nitems(cases); i++) {
		path = tmpfile_with(cases[i].rules);
		cause = NULL;
		r = (struct say_rules *)1;
		ok(say_load_files(path, cat, &r, &cause) == -1 && r == NULL,
		    "bad rules %zu refused", i);
		like(cause, cases[i].want, "  reason %zu", i);
		free(cause);
		unlink(path);
		free(path);
	}
	cause = NULL;
	ok(say_load("/nonexistent", "zh-CN", &r, &cause) == -1,
	    "missing folder refused");
	like(cause, "/nonexistent/zh-CN/say.rules", "  names the file");
	free(cause);
	cause = NULL;
	ok(say_load("/tmp", "../etc", &r, &cause) == -1,
	    "language name with a path refused");
	free(cause);
	free(cat);
}

/* Edit one attribute of the shipped rules and expect a load error. */
static void
rule_edit_errors(void)
{
	static const struct {
		const char *from, *to, *want;
	} cases[] = {
		{ "two=\"leading\"", "two=\"sometimes\"", "not one of" },
		{ "<place exp=\"3\"", "<place exp=\"4\"", "exp=\"4\"" },
		{ "<scale exp=\"4\"", "<scale exp=\"12\"", "must go up" },
		{ "<period from=\"12\" to=\"12\"", "<period from=\"11\" "
		  "to=\"12\"", "already in another period" },
		{ "<period from=\"12\" to=\"12\" id=\"time.zhongwu\"/>", "",
		  "cover every hour" },
		{ "<weekday day=\"7\" id=\"date.wd.7\"/>", "", "no <weekday "
		  "day=\"7\">" },
		{ "<unit exp=\"-2\" id=\"money.fen\" two=\"never\"/>", "",
		  "no <unit exp=\"-2\">" },
		{ "words=\"件\"", "words=\" \"", "words=" },
		{ "max-digits=\"24\"", "max-digits=\"x\"", "max-digits" },
		{ "<digit-string", "<digit-strings", "unexpected element" },
		{ "separators=\" -\"", "separators=\"1\"", "cannot be "
		  "separators" },
		{ "<digit value=\"9\"", "<digit value=\"8\"", "<digit "
		  "value=\"8\"> given twice" },
		{ "<weekday day=\"2\"", "<weekday day=\"1\"", "<weekday "
		  "day=\"1\"> given twice" },
		{ "<place exp=\"2\"", "<place exp=\"1\"", "<place "
		  "exp=\"1\"> given twice" },
		{ "<phone max-digits=\"24\"", "<phone colour=\"red\"",
		  "unknown attribute \"colour\"" },
	};
	char *orig, *path, *cat, *cause, *p, *text, *src;
	struct say_rules *r;
	size_t i, len;

	src = xasprintf("%s/prompts/zh-CN/say.rules", srcdir);
	cat = xasprintf("%s/prompts/zh-CN/say.xml", srcdir);
	if (file_read(src, &orig, &len, NULL) == -1) {
		ok(0, "read %s", src);
		return;
	}
	for (i = 0; i < nitems(cases); i++) {
		if ((p = strstr(orig, cases[i].from)) == NULL) {
			ok(0, "edit %zu: '%s' not in the rules", i,
			    cases[i].from);
			continue;
		}
		text = xasprintf("%.*s%s%s", (int)(p - orig), orig,
		    cases[i].to, p + strlen(cases[i].from));
		path = tmpfile_with(text);
		cause = NULL;
		ok(say_load_files(path, cat, &r, &cause) == -1,
		    "edited rules %zu refused", i);
		like(cause, cases[i].want, "  reason %zu", i);
		free(cause);
		unlink(path);
		free(path);
		free(text);
	}
	free(orig);
	free(src);
	free(cat);
}

/* ---- property checks: read the prompts back and compare ---- */

typedef unsigned __int128 u128;

static unsigned long long rng_state = 20261122;

static unsigned
rng(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng_state >> 33) % n);
}

static u128
pow10u(int e)
{
	u128 v = 1;

	while (e-- > 0)
		v *= 10;
	return v;
}

/* 1..9 for num.1..num.9 and num.liang, else 0. */
static int
id_digit(const char *id)
{
	if (strcmp(id, "num.liang") == 0)
		return 2;
	if (strncmp(id, "num.", 4) == 0 && id[4] >= '1' && id[4] <= '9' &&
	    id[5] == '\0')
		return id[4] - '0';
	return 0;
}

/*
 * A group below 万: [d 千] [零] [d 百] [零] [d 十 | 十] [零] [d].  -1 when
 * ill-formed (零 doubled or at an end, a unit without a digit except a
 * leading 十, units out of order, 两 last unless alone before 万/亿).
 */
static int
read_group(const char *const *ids, size_t n, int leading, u128 *out)
{
	static const char *const units[] = { "num.10", "num.100", "num.1000" };
	int last = 4, d, e, zero = 0;
	size_t k;
	u128 v = 0;

	for (k = 0; k < n; k++) {
		if (strcmp(ids[k], "num.0") == 0) {
			if (zero || k == 0 || k + 1 == n)
				return -1;
			zero = 1;
			continue;
		}
		zero = 0;
		d = id_digit(ids[k]);
		if (d != 0 && k + 1 < n && id_digit(ids[k + 1]) == 0 &&
		    strcmp(ids[k + 1], "num.0") != 0)
			k++;
		else if (d != 0) {
			if (last <= 0 || (strcmp(ids[k], "num.liang") == 0 &&
			    n != 1))
				return -1;
			v += (u128)d;
			last = 0;
			continue;
		} else if (!(leading && k == 0 &&
		    strcmp(ids[k], "num.10") == 0))
			return -1;
		for (e = 0; e < 3; e++)
			if (strcmp(ids[k], units[e]) == 0)
				break;
		if (e == 3 || e + 1 >= last)
			return -1;
		v += (u128)(d ? d : 1) * pow10u(e + 1);
		last = e + 1;
	}
	*out = v;
	return 0;
}

/*
 * An independent reader of Mandarin number prompts (not the code under
 * test): split at the last 亿, else the last 万, and read both sides; a
 * 零 may open the low side.
 */
static int
read_ids(const char *const *ids, size_t n, int leading, u128 *out)
{
	static const struct {
		const char *id;
		int exp;
	} scales[] = { { "num.100000000", 8 }, { "num.10000", 4 } };
	u128 hi, lo = 0;
	size_t i, k;

	if (n == 0)
		return -1;
	for (i = 0; i < nitems(scales); i++) {
		for (k = n; k > 0; k--)
			if (strcmp(ids[k - 1], scales[i].id) == 0)
				break;
		if (k == 0)
			continue;
		k--;
		if (read_ids(ids, k, leading, &hi) == -1 || hi == 0)
			return -1;
		if (k + 1 < n) {
			if (strcmp(ids[k + 1], "num.0") == 0) {
				if (read_ids(ids + k + 2, n - k - 2, 0,
				    &lo) == -1 ||
				    lo >= pow10u(scales[i].exp - 1))
					return -1;
			} else if (read_ids(ids + k + 1, n - k - 1, 0,
			    &lo) == -1 || lo < pow10u(scales[i].exp - 1))
				return -1;
		}
		*out = hi * pow10u(scales[i].exp) + lo;
		return 0;
	}
	return read_group(ids, n, leading, out);
}

static int
read_back(const struct say_seq *seq, u128 *out)
{
	const char **ids;
	size_t k;
	int rv;

	if (seq->n == 1 && strcmp(seq->items[0].id, "num.0") == 0) {
		*out = 0;
		return 0;
	}
	ids = xcalloc(seq->n + 1, sizeof(*ids));
	for (k = 0; k < seq->n; k++)
		ids[k] = seq->items[k].id;
	rv = read_ids(ids, seq->n, 1, out);
	free(ids);
	return rv;
}

static void
u128_str(u128 v, char *buf)
{
	char tmp[48];
	int n = 0, i;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
}

/* The reader itself: it must refuse what no rule produces. */
static void
reader_selftest(void)
{
	static const char *const good[] = { "num.1", "num.10000", "num.0",
	    "num.1", "num.10" };
	static const char *const bad1[] = { "num.1", "num.100", "num.0",
	    "num.0", "num.1" };
	static const char *const bad2[] = { "num.1", "num.1000", "num.1",
	    "num.1000" };
	static const char *const bad3[] = { "num.1", "num.10000", "num.1",
	    "num.10" };
	u128 v = 0;

	ok(read_ids(good, 5, 1, &v) == 0 && v == 10010,
	    "reader: 一万零一十 is 10010");
	ok(read_ids(bad1, 5, 1, &v) == -1, "reader: 零零 refused");
	ok(read_ids(bad2, 4, 1, &v) == -1, "reader: 千 twice refused");
	ok(read_ids(bad3, 4, 1, &v) == -1, "reader: 一万一十 (零 missing) "
	    "refused");
}

/* Random numbers up to 24 digits, zeros likely: read back exactly. */
static void
numbers_read_back(const struct say_rules *r)
{
	struct say_seq seq = SAY_SEQ_INIT;
	char buf[48], got[48];
	int i, len, k, bad = 0, badform = 0;
	u128 v;

	for (i = 0; i < 20000; i++) {
		len = 1 + (int)rng(24);
		buf[0] = (char)('1' + rng(9));
		for (k = 1; k < len; k++)
			buf[k] = rng(3) == 0 ? (char)('0' + rng(10)) :
			    rng(2) ? '0' : (char)('0' + rng(3));
		buf[len] = '\0';
		seq.n = 0;
		if (say_value(r, SAY_NUMBER, buf, &seq, NULL) == -1 ||
		    read_back(&seq, &v) == -1) {
			if (badform++ < 5)
				tap_diag("%s: ill-formed reading", buf);
			continue;
		}
		u128_str(v, got);
		if (strcmp(got, buf) != 0 && bad++ < 5)
			tap_diag("%s read back as %s", buf, got);
	}
	say_seq_free(&seq);
	is_int(badform, 0, "%s: 20000 random numbers give well-formed readings",
	    say_lang(r));
	is_int(bad, 0, "%s: ... which read back to the same number",
	    say_lang(r));
}

/* Random bytes and near-valid strings: refused or read, never a crash. */
static void
garbage(const struct say_rules *r)
{
	static const char alpha[] = "0123456789.-: 瓶kg\t,+e";
	struct say_seq seq = SAY_SEQ_INIT;
	char buf[64], *cause;
	int i, k, len, t, badseq = 0;
	size_t n0;

	for (i = 0; i < 20000; i++) {
		len = (int)rng(40);
		for (k = 0; k < len; k++)
			buf[k] = rng(4) == 0 ? (char)(1 + rng(255)) :
			    alpha[rng(sizeof(alpha) - 1)];
		buf[len] = '\0';
		t = (int)rng(SAY_NTYPES);
		n0 = seq.n;
		cause = NULL;
		if (say_value(r, (enum say_type)t, buf, &seq, &cause) == -1) {
			if (seq.n != n0 || cause == NULL)
				badseq++;
		} else if (seq.n == n0)
			badseq++;
		free(cause);
		if (seq.n > 1000)
			seq.n = 0;
	}
	say_seq_free(&seq);
	is_int(badseq, 0, "%s: 20000 random values: each read or refused "
	    "with a reason", say_lang(r));
}

struct thr {
	const struct say_rules *r;
	int bad;
};

static void *
thr_main(void *arg)
{
	struct thr *t = arg;
	char *s;
	int i;

	for (i = 0; i < 2000; i++) {
		s = say_text(t->r, SAY_MONEY, "100.07", NULL);
		if (strcmp(s, "一百元零七分") != 0)
			t->bad++;
		free(s);
	}
	return NULL;
}

static void
threads(const struct say_rules *r)
{
	pthread_t th[4];
	struct thr t[4];
	int i, bad = 0;

	for (i = 0; i < 4; i++) {
		t[i].r = r;
		t[i].bad = 0;
		pthread_create(&th[i], NULL, thr_main, &t[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		bad += t[i].bad;
	}
	is_int(bad, 0, "4 threads share one rule set");
}

int
main(void)
{
	struct say_rules *zh, *yue, *var = NULL;
	char *rp, *cp, *cause = NULL;
	int n;

	if ((srcdir = getenv("KEFU_SRCDIR")) == NULL)
		srcdir = ".";
	zh = load("zh-CN");
	yue = load("yue");
	if (zh == NULL || yue == NULL)
		return tap_done();
	n = golden(zh, "zh-CN.tsv");
	ok(n >= 300, "zh-CN golden table: %d rows", n);
	n = golden(yue, "yue.tsv");
	ok(n >= 300, "yue golden table: %d rows", n);
	rp = xasprintf("%s/t/data/say/variant.rules", srcdir);
	cp = xasprintf("%s/prompts/zh-CN/say.xml", srcdir);
	if (say_load_files(rp, cp, &var, &cause) == -1)
		tap_diag("%s", cause);
	ok(var != NULL, "variant rules load");
	if (var != NULL) {
		n = golden(var, "variant.tsv");
		ok(n >= 40, "variant table: %d rows", n);
	}
	free(cause);
	free(rp);
	free(cp);
	say_free(var);
	var = NULL;
	cause = NULL;
	rp = xasprintf("%s/t/data/say/yue-colloquial.rules", srcdir);
	cp = xasprintf("%s/prompts/yue/say.xml", srcdir);
	if (say_load_files(rp, cp, &var, &cause) == -1)
		tap_diag("%s", cause);
	ok(var != NULL, "colloquial Cantonese rules load");
	if (var != NULL) {
		n = golden(var, "yue-colloquial.tsv");
		ok(n >= 30, "colloquial Cantonese table: %d rows", n);
	}
	free(cause);
	free(rp);
	free(cp);
	bad_input(zh);
	bad_input(yue);
	append_and_api(zh);
	decimals_opt(zh);
	ids_check(zh);
	ids_check(yue);
	loader_errors();
	rule_edit_errors();
	threads(zh);
	reader_selftest();
	numbers_read_back(zh);
	numbers_read_back(yue);
	garbage(zh);
	garbage(yue);
	say_free(var);
	say_free(zh);
	say_free(yue);
	say_free(NULL);
	return tap_done();
}
