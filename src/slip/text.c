/*
 * text.c: a delivery slip as plain text for ESC/POS receipt printers
 * (Epson ESC/POS: ESC @, GS V), in GB18030 at 32, 42 or 48 columns.
 * Widths are display columns: CJK and fullwidth characters take two
 * (Unicode UAX #11 East Asian Width W and F), so names wrap where the
 * paper ends and never split a character.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slip/slip.h"
#include "store/store.h"
#include "util/util.h"

/* The wide (W, F) ranges of UAX #11 a slip may meet. */
static const struct { uint32_t lo, hi; } text_wide[] = {
	{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff },
	{ 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf },
	{ 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe30, 0xfe4f },
	{ 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x20000, 0x3fffd },
};

/* Decode one UTF-8 character at s: its length, *cp (U+FFFD if bad). */
static size_t
text_utf8(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len, i;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	len = u[0] >= 0xf0 ? 4 : u[0] >= 0xe0 ? 3 : u[0] >= 0xc0 ? 2 : 1;
	*cp = len == 4 ? u[0] & 0x07 : len == 3 ? u[0] & 0x0f : u[0] & 0x1f;
	for (i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return i;
		}
		*cp = *cp << 6 | (u[i] & 0x3f);
	}
	if (len == 1)
		*cp = 0xfffd;
	return len;
}

static size_t
text_cpwidth(uint32_t cp)
{
	size_t i;

	for (i = 0; i < nitems(text_wide); i++)
		if (cp >= text_wide[i].lo && cp <= text_wide[i].hi)
			return 2;
	return 1;
}

size_t
slip_text_width(const char *s)
{
	uint32_t cp;
	size_t w = 0;

	while (*s != '\0') {
		s += text_utf8(s, &cp);
		w += cp < 0x20 ? 0 : text_cpwidth(cp);
	}
	return w;
}

/* The next token at s: one wide character, or a run of narrow non-spaces. */
static size_t
text_token(const char *s, size_t *width)
{
	uint32_t cp;
	size_t n, len = 0;

	*width = 0;
	while (s[len] != '\0' && s[len] != ' ') {
		n = text_utf8(s + len, &cp);
		if (text_cpwidth(cp) == 2) {
			if (len == 0) {
				*width = 2;
				len = n;
			}
			break;
		}
		*width += 1;
		len += n;
	}
	return len;
}

/* Cut a token longer than a whole line at cols columns: bytes that fit. */
static size_t
text_fit(const char *s, size_t len, size_t cols)
{
	uint32_t cp;
	size_t i = 0, w = 0, n;

	while (i < len) {
		n = text_utf8(s + i, &cp);
		if (w + text_cpwidth(cp) > cols)
			break;
		w += text_cpwidth(cp);
		i += n;
	}
	return i ? i : text_utf8(s, &cp);
}

static void
text_line_end(struct strbuf *out, struct strbuf *line, size_t indent)
{
	size_t i;

	for (i = 0; i < indent; i++)
		sb_addc(out, ' ');
	while (line->len > 0 && line->s[line->len - 1] == ' ')
		line->len--;
	sb_add(out, line->s, line->len);
	sb_addc(out, '\n');
	sb_reset(line);
}

void
slip_text_wrap(struct strbuf *out, const char *s, size_t cols, size_t indent)
{
	struct strbuf line = STRBUF_INIT;
	size_t w = 0, tw, len, cut;
	uint32_t cp;

	cols = cols > indent + 2 ? cols - indent : 2;
	while (*s != '\0') {
		if (*s == ' ' || *s == '\n' || *s == '\t') {
			if (w > 0 && w < cols) {
				sb_addc(&line, ' ');
				w++;
			}
			s++;
			continue;
		}
		len = text_token(s, &tw);
		if (tw > cols) {        /* longer than a line: cut it */
			if (w > 0)
				text_line_end(out, &line, indent);
			cut = text_fit(s, len, cols);
			sb_add(&line, s, cut);
			text_line_end(out, &line, indent);
			w = 0;
			s += cut;
			continue;
		}
		if (w + tw > cols) {
			text_line_end(out, &line, indent);
			w = 0;
		}
		sb_add(&line, s, len);
		w += tw;
		s += len ? len : text_utf8(s, &cp);
	}
	if (line.len > 0 || w > 0)
		text_line_end(out, &line, indent);
	sb_free(&line);
}

/* left and right on one line of cols, right flush; wrapped when too long. */
static void
text_lr(struct strbuf *out, const char *left, const char *right, size_t cols)
{
	size_t lw = slip_text_width(left), rw = slip_text_width(right), i;

	if (lw + rw + 1 > cols) {
		slip_text_wrap(out, left, cols, 0);
		lw = 0;
		left = "";
	}
	sb_adds(out, left);
	for (i = lw + rw; i < cols; i++)
		sb_addc(out, ' ');
	sb_adds(out, right);
	sb_addc(out, '\n');
}

static void
text_rule(struct strbuf *out, char c, size_t cols)
{
	size_t i;

	for (i = 0; i < cols; i++)
		sb_addc(out, c);
	sb_addc(out, '\n');
}

static void
text_center(struct strbuf *out, const char *s, size_t cols)
{
	size_t w = slip_text_width(s), i;

	for (i = 0; w < cols && i < (cols - w) / 2; i++)
		sb_addc(out, ' ');
	sb_adds(out, s);
	sb_addc(out, '\n');
}

/* "label: value", the value wrapped under itself. */
static void
text_field(struct strbuf *out, const char *label, const char *value,
    size_t cols)
{
	struct strbuf v = STRBUF_INIT;
	size_t lw = slip_text_width(label);

	if (value == NULL || *value == '\0')
		value = "-";
	slip_text_wrap(&v, value, cols, lw);
	sb_adds(out, label);
	sb_add(out, v.s + lw, v.len - lw);    /* the first line's indent */
	sb_free(&v);
}

static void
text_items(struct strbuf *out, const struct store_slip *s, size_t cols)
{
	const struct store_slip_line *l;
	char *name, *right;
	size_t i;

	text_lr(out, "商品", "数量 x 单价 = 金额", cols);
	text_rule(out, '-', cols);
	for (i = 0; i < s->nlines; i++) {
		l = &s->lines[i];
		name = xasprintf("%zu. %s%s%s", i + 1, l->name,
		    l->spec ? " " : "", l->spec ? l->spec : "");
		slip_text_wrap(out, name, cols, 0);
		right = xasprintf("%s%s x %s = %s", l->qty,
		    l->unit ? l->unit : "", l->price, l->amount);
		text_lr(out, l->code ? l->code : "", right, cols);
		free(name);
		free(right);
		if (l->shelf_price != NULL) {   /* bought at a special */
			right = xasprintf("特价 (原价 %s)", l->shelf_price);
			text_lr(out, "", right, cols);
			free(right);
		}
	}
	text_rule(out, '-', cols);
}

void
slip_text(struct strbuf *out, const struct store_slip *s, int cols)
{
	size_t c = (size_t)cols;
	char *v;

	text_center(out, "送货单（购物凭证）", c);
	if (slip_reprint_no(s) > 0) {
		v = xasprintf("** 补打 REPRINT %d **", slip_reprint_no(s));
		text_center(out, v, c);
		free(v);
	}
	text_rule(out, '=', c);
	text_field(out, "单号：", s->slip_no, c);
	text_field(out, "订单：", s->order_no, c);
	text_field(out, "下单：", s->ordered_at, c);
	v = xasprintf("%s %s  %s", s->slot_date, s->slot, s->area);
	text_field(out, "送货：", v, c);
	free(v);
	v = xasprintf("%s (%s)", s->name ? s->name : "-",
	    s->customer_no ? s->customer_no : "-");
	text_field(out, "顾客：", v, c);
	free(v);
	text_field(out, "电话：", s->phone, c);
	text_field(out, "地址：", s->address, c);
	if (s->note != NULL && *s->note != '\0')
		text_field(out, "备注：", s->note, c);
	text_rule(out, '-', c);
	text_items(out, s, c);
	text_lr(out, "合计（元）：", s->total, c);
	text_field(out, "送货员：", s->courier, c);
	slip_text_wrap(out, "本单为购物凭证，售后服务请出示。", c, 0);
	sb_addc(out, '\n');
}

/* Convert UTF-8 to GB18030 (every Unicode character has a code there). */
static int
text_gb18030(struct strbuf *out, const struct strbuf *in, char **cause)
{
	char buf[4096], *ip = in->s, *op;
	size_t il = in->len, ol;
	iconv_t cd;
	int rc = 0;

	if ((cd = iconv_open("GB18030", "UTF-8")) == (iconv_t)-1)
		return kf_error(cause, "slips: no GB18030 converter: %s",
		    strerror(errno));
	while (il > 0 && rc == 0) {
		op = buf;
		ol = sizeof buf;
		if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 &&
		    errno != E2BIG)
			rc = kf_error(cause, "slips: text not convertible to "
			    "GB18030 at byte %zu: %s", in->len - il,
			    strerror(errno));
		sb_add(out, buf, (size_t)(op - buf));
	}
	iconv_close(cd);
	return rc;
}

int
slip_text_gb18030(struct strbuf *out, const struct store_slip *s, size_t n,
    int cols, int escpos, char **cause)
{
	struct strbuf u = STRBUF_INIT;
	size_t i;
	int rc;

	if (!SLIP_COLS_OK(cols))
		return kf_error(cause, "slips: %d columns: a receipt printer "
		    "has 32, 42 or 48", cols);
	for (i = 0; i < n; i++) {
		if (escpos)
			sb_add(&u, "\033@", 2);
		slip_text(&u, &s[i], cols);
		if (escpos)
			sb_add(&u, "\n\n\n\035VB\0", 7);
	}
	rc = u.len ? text_gb18030(out, &u, cause) : 0;
	sb_free(&u);
	return rc;
}
