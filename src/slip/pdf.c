/*
 * pdf.c: delivery slips as PDF (ISO 32000 through cairo's PDF surface),
 * the text laid out by pango in a CJK font found by fontconfig, which
 * cairo embeds (subset), so the slip reads the same on any viewer and
 * pdftotext gets the Chinese back.  A5 portrait pages; a slip whose
 * items do not fit continues on the next page.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "slip/slip.h"
#include "store/store.h"
#include "util/util.h"

#define PDF_W           419.53  /* A5, points */
#define PDF_H           595.28
#define PDF_MARGIN      28.0
#define PDF_BOTTOM      (PDF_H - PDF_MARGIN)
#define PDF_TEXT        (PDF_W - 2 * PDF_MARGIN)

#define PDF_NCELL       5       /* columns of the widest table */

/*
 * The page being written and where the next line goes.  Each table
 * column has its own layout, so that a row is laid out once: measured,
 * then drawn where it fits.
 */
struct pdf_pen {
	cairo_t *cr;
	PangoLayout *cell[PDF_NCELL];
	PangoLayout *hdr;       /* the header of a continued page */
	double y;
	size_t pages;
	const char *cont;       /* header of a continued page, or NULL */
};

static cairo_status_t
pdf_write(void *closure, const unsigned char *data, unsigned int len)
{
	sb_add(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

static void
pdf_font(PangoLayout *lay, double size, int bold)
{
	PangoFontDescription *fd = pango_font_description_from_string(
	    SLIP_FONT);

	pango_font_description_set_size(fd, (gint)(size * PANGO_SCALE));
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD :
	    PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(lay, fd);
	pango_font_description_free(fd);
}

static void
pdf_page_end(struct pdf_pen *p)
{
	cairo_show_page(p->cr);
	p->pages++;
	p->y = PDF_MARGIN;
}

/* Lay text out width wide (wrapped, words or characters); its height. */
static double
pdf_layout(PangoLayout *lay, const char *text, double width,
    PangoAlignment align)
{
	int w, h;

	pango_layout_set_width(lay, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(lay, align);
	pango_layout_set_text(lay, text, -1);
	pango_layout_get_size(lay, &w, &h);
	return (double)h / PANGO_SCALE;
}

/* Draw a laid-out text at column x of the current line. */
static void
pdf_show(struct pdf_pen *p, PangoLayout *lay, double x)
{
	cairo_move_to(p->cr, PDF_MARGIN + x, p->y);
	pango_cairo_show_layout(p->cr, lay);
}

/* Make room for h points: a new page when the line would not fit. */
static void
pdf_room(struct pdf_pen *p, double h)
{
	double hh;

	if (p->y + h <= PDF_BOTTOM || p->y <= PDF_MARGIN)
		return;
	pdf_page_end(p);
	if (p->cont != NULL) {
		pdf_font(p->hdr, 8, 0);
		hh = pdf_layout(p->hdr, p->cont, PDF_TEXT, PANGO_ALIGN_LEFT);
		pdf_show(p, p->hdr, 0);
		p->y += hh + 4;
	}
}

/* A paragraph the width of the page. */
static void
pdf_par(struct pdf_pen *p, const char *text, double size, int bold,
    PangoAlignment align, double after)
{
	double h;

	pdf_font(p->cell[0], size, bold);
	h = pdf_layout(p->cell[0], text, PDF_TEXT, align);
	pdf_room(p, h);
	pdf_show(p, p->cell[0], 0);
	p->y += h + after;
}

static void
pdf_rule(struct pdf_pen *p)
{
	cairo_set_line_width(p->cr, 0.6);
	cairo_move_to(p->cr, PDF_MARGIN, p->y + 2);
	cairo_line_to(p->cr, PDF_W - PDF_MARGIN, p->y + 2);
	cairo_stroke(p->cr);
	p->y += 6;
}

/*
 * One table row: cells at the given columns (the first two flush left,
 * the rest right), the row as tall as its tallest cell.
 */
static void
pdf_row(struct pdf_pen *p, const double *x, const double *w,
    const char *const *cells, size_t n, int bold)
{
	double h, hmax = 0;
	size_t i;

	for (i = 0; i < n && i < PDF_NCELL; i++) {
		pdf_font(p->cell[i], 9, bold);
		h = pdf_layout(p->cell[i], cells[i], w[i], i > 1 ?
		    PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
		hmax = h > hmax ? h : hmax;
	}
	pdf_room(p, hmax);
	for (i = 0; i < n && i < PDF_NCELL; i++)
		pdf_show(p, p->cell[i], x[i]);
	p->y += hmax + 2;
}

static void
pdf_items(struct pdf_pen *p, const struct store_slip *s)
{
	static const double x[] = { 0, 22, 215, 270, 315 };
	static const double w[] = { 20, 190, 52, 42, PDF_TEXT - 315 };
	static const char *const head[] = { "#", "商品", "数量", "单价",
	    "金额" };
	const struct store_slip_line *l;
	char no[24], *name, *qty;
	const char *cells[5];
	size_t i;

	pdf_row(p, x, w, head, 5, 1);
	for (i = 0; i < s->nlines; i++) {
		l = &s->lines[i];
		snprintf(no, sizeof no, "%zu", i + 1);
		name = xasprintf("%s%s%s\n%s%s%s%s", l->name,
		    l->spec ? " " : "", l->spec ? l->spec : "",
		    l->code ? l->code : "", l->shelf_price ? "  特价 (原价 " :
		    "", l->shelf_price ? l->shelf_price : "",
		    l->shelf_price ? ")" : "");
		qty = xasprintf("%s%s", l->qty, l->unit ? l->unit : "");
		cells[0] = no;
		cells[1] = name;
		cells[2] = qty;
		cells[3] = l->price;
		cells[4] = l->amount;
		pdf_row(p, x, w, cells, 5, 0);
		free(name);
		free(qty);
	}
}

static void
pdf_slip(struct pdf_pen *p, const struct store_slip *s)
{
	char *v;
	int re = slip_reprint_no(s);

	p->cont = NULL;
	pdf_par(p, "送货单（购物凭证）", 16, 1, PANGO_ALIGN_CENTER, 2);
	if (re > 0) {
		v = xasprintf("补打 REPRINT %d", re);
		pdf_par(p, v, 12, 1, PANGO_ALIGN_RIGHT, 2);
		free(v);
	}
	v = xasprintf("单号 %s", s->slip_no ? s->slip_no : "-");
	pdf_par(p, v, 12, 1, PANGO_ALIGN_LEFT, 4);
	free(v);
	v = xasprintf("订单号：%s\n下单时间：%s\n送货时段：%s %s\n送货区域：%s\n"
	    "顾客：%s（会员号 %s）\n电话：%s\n地址：%s%s%s", s->order_no,
	    s->ordered_at, s->slot_date, s->slot, s->area,
	    s->name ? s->name : "-", s->customer_no ? s->customer_no : "-",
	    s->phone ? s->phone : "-", s->address ? s->address : "-",
	    s->note ? "\n备注：" : "", s->note ? s->note : "");
	pdf_par(p, v, 10, 0, PANGO_ALIGN_LEFT, 2);
	free(v);
	pdf_rule(p);
	p->cont = v = xasprintf("单号 %s（续）", s->slip_no ? s->slip_no : "-");
	pdf_items(p, s);
	pdf_rule(p);
	p->cont = NULL;
	free(v);
	v = xasprintf("合计：%s 元", s->total);
	pdf_par(p, v, 12, 1, PANGO_ALIGN_RIGHT, 4);
	free(v);
	v = xasprintf("送货员：%s", s->courier ? s->courier : "-");
	pdf_par(p, v, 10, 0, PANGO_ALIGN_LEFT, 12);
	free(v);
	pdf_par(p, "本单为购物凭证，请妥善保存，售后服务时请出示。\n"
	    "顾客签收：", 9, 0, PANGO_ALIGN_LEFT, 0);
	pdf_page_end(p);
}

/* Cents of a decimal text ("12.5" -> 1250); display sums only. */
static long long
pdf_cents(const char *s)
{
	return s != NULL ? (long long)(strtod(s, NULL) * 100 + 0.5) : 0;
}

/* Items of slips [from, to) summed by product code. */
struct pdf_sum {
	const char *code, *name;
	double qty;
};

static size_t
pdf_sum_items(const struct store_slip *s, size_t from, size_t to,
    struct pdf_sum **out)
{
	struct strmap idx = STRMAP_INIT;
	struct pdf_sum *sum = NULL;
	const struct store_slip_line *l;
	size_t i, j, n = 0, *k;

	for (i = from; i < to; i++)
		for (j = 0; j < s[i].nlines; j++) {
			l = &s[i].lines[j];
			if ((k = strmap_get(&idx, l->code)) == NULL) {
				sum = xreallocarray(sum, n + 1, sizeof *sum);
				sum[n] = (struct pdf_sum){ .code = l->code,
				    .name = l->name };


				k = xmalloc(sizeof *k);
				*k = n++;
				strmap_put(&idx, l->code, k);
			}
			sum[*k].qty += strtod(l->qty, NULL);
		}
	for (i = 0; i < idx.cap; i++)
		free(idx.slots[i].value);
	strmap_free(&idx);
	*out = sum;
	return n;
}

/* Distinct customers of slips [from, to). */
static size_t
pdf_customers(const struct store_slip *s, size_t from, size_t to)
{
	size_t i, j, n = 0;

	for (i = from; i < to; i++) {
		for (j = from; j < i; j++)
			if (strcmp(s[j].customer_no ? s[j].customer_no : "",
			    s[i].customer_no ? s[i].customer_no : "") == 0)
				break;
		n += j == i;
	}
	return n;
}

static void
pdf_summary(struct pdf_pen *p, const struct store_slip *s, size_t from,
    size_t to)
{
	static const double ox[] = { 0, 100, 200, 300 };
	static const double ow[] = { 98, 98, 98, PDF_TEXT - 300 };
	static const double ix[] = { 0, 100, 300 };
	static const double iw[] = { 98, 198, PDF_TEXT - 300 };
	const char *cells[4];
	struct pdf_sum *sum;
	char *v, nitem[24], qty[32];
	size_t i, j, nsum, items = 0;
	long long cents = 0;

	for (i = from; i < to; i++) {
		items += s[i].nlines;
		cents += pdf_cents(s[i].total);
	}
	nsum = pdf_sum_items(s, from, to, &sum);
	v = xasprintf("区域汇总：%s", s[from].area);
	pdf_par(p, v, 16, 1, PANGO_ALIGN_LEFT, 2);
	free(v);
	v = xasprintf("送货时段：%s %s\n订单 %zu 张，顾客 %zu 位，商品 %zu 行"
	    "（%zu 种），金额合计 %lld.%02lld 元", s[from].slot_date,
	    s[from].slot, to - from, pdf_customers(s, from, to), items, nsum,
	    cents / 100, cents % 100);
	p->cont = xasprintf("区域汇总：%s（续）", s[from].area);
	pdf_par(p, v, 10, 0, PANGO_ALIGN_LEFT, 4);
	free(v);
	cells[0] = "单号"; cells[1] = "顾客"; cells[2] = "商品行";
	cells[3] = "金额";
	pdf_row(p, ox, ow, cells, 4, 1);
	for (i = from; i < to; i++) {
		snprintf(nitem, sizeof nitem, "%zu", s[i].nlines);
		cells[0] = s[i].slip_no ? s[i].slip_no : s[i].order_no;
		cells[1] = s[i].name ? s[i].name : "-";
		cells[2] = nitem;
		cells[3] = s[i].total;
		pdf_row(p, ox, ow, cells, 4, 0);
	}
	pdf_rule(p);
	cells[0] = "商品编码"; cells[1] = "商品"; cells[2] = "总数量";
	pdf_row(p, ix, iw, cells, 3, 1);
	for (j = 0; j < nsum; j++) {
		snprintf(qty, sizeof qty, "%g", sum[j].qty);
		cells[0] = sum[j].code;
		cells[1] = sum[j].name;
		cells[2] = qty;
		pdf_row(p, ix, iw, cells, 3, 0);
	}
	free((char *)p->cont);
	p->cont = NULL;
	free(sum);
	pdf_page_end(p);
}

int
slip_pdf(struct strbuf *out, const struct store_slip *s, size_t n,
    int summary, size_t *pages, char **cause)
{
	struct pdf_pen p = { .y = PDF_MARGIN };
	cairo_surface_t *sf;
	cairo_status_t st;
	size_t i, from;

	*pages = 0;
	if (n == 0)
		return kf_error(cause, "slips: no slips to render");
	sf = cairo_pdf_surface_create_for_stream(pdf_write, out, PDF_W, PDF_H);
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE,
	    "kefu delivery slips");
	p.cr = cairo_create(sf);
	for (i = 0; i < PDF_NCELL; i++)
		p.cell[i] = pango_cairo_create_layout(p.cr);
	p.hdr = pango_cairo_create_layout(p.cr);
	for (from = 0; from < n; from = i) {
		for (i = from + 1; i < n && strcmp(s[i].area, s[from].area) ==
		    0; i++)
			;
		if (summary)
			pdf_summary(&p, s, from, i);
		for (i = from; i < n && (i == from ||
		    strcmp(s[i].area, s[from].area) == 0); i++)
			pdf_slip(&p, &s[i]);
	}
	for (i = 0; i < PDF_NCELL; i++)
		g_object_unref(p.cell[i]);
	g_object_unref(p.hdr);
	cairo_destroy(p.cr);
	cairo_surface_finish(sf);
	st = cairo_surface_status(sf);
	cairo_surface_destroy(sf);
	if (st != CAIRO_STATUS_SUCCESS)
		return kf_error(cause, "slips: PDF not written: %s",
		    cairo_status_to_string(st));
	*pages = p.pages;
	return 0;
}
