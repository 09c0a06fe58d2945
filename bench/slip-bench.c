/*
 * slip-bench.c: what a slot's batch of delivery slips costs.  A SQLite
 * store gets BENCH_ORDERS orders of 1 to 8 lines in one slot over
 * BENCH_AREAS areas; the batch is read (store_slip_batch) and rendered
 * as one PDF with a summary per area (slip_pdf), BENCH_ROUNDS times.
 * The baseline, in the same run, is the same number of pages through
 * the same libraries with one short line of Chinese each (cairo + pango
 * at their cheapest), so the ratio says what kefu's layout adds, not how
 * fast this machine is.  Prints the medians.  Not a test.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "conf/conf.h"
#include "db/db.h"
#include "slip/slip.h"
#include "store/store.h"
#include "util/util.h"

#define BENCH_ORDERS 1000
#define BENCH_AREAS 8
#define BENCH_ROUNDS 5          /* odd: the median is one round */

static const char *const bench_areas[BENCH_AREAS] = { "天河", "越秀",
    "海珠", "荔湾", "白云", "黄埔", "番禺", "花都" };
static const char *const bench_items[] = { "金龙鱼调和油", "农夫山泉",
    "红富士苹果", "鸡蛋", "生菜", "五常大米", "海天酱油", "蒙牛纯牛奶" };

static void
bench_die(const char *what, char *why)
{
	fprintf(stderr, "slip-bench: %s: %s\n", what, why);
	exit(1);
}

/* The orders as one script of INSERTs (';' at line ends). */
static char *
bench_script(void)
{
	struct strbuf sb = STRBUF_INIT;
	int i, j, n;

	sb_adds(&sb, "INSERT INTO members (customer_no, name, mobile, "
	    "registered_via, registered_at, updated_at) VALUES ('12345674', "
	    "'张三丰', '13800138000', 'paper', '2026-12-01 00:00:00', "
	    "'2026-12-01 00:00:00');\n");
	for (i = 1; i <= BENCH_ORDERS; i++) {
		n = 1 + i % 8;
		sb_addf(&sb, "INSERT INTO orders (order_no, member_id, "
		    "ordered_at, slot_date, slot, area, address, total, "
		    "status) VALUES ('B%05d', 1, '2026-12-06 07:%02d:%02d', "
		    "'2026-12-06', '09-11', '%s', '广州市%s区某某路%d号', %d.50, "
		    "'confirmed');\n", i, i / 60 % 60, i % 60,
		    bench_areas[i % BENCH_AREAS], bench_areas[i % BENCH_AREAS],
		    i, n * 3);
		for (j = 1; j <= n; j++)
			sb_addf(&sb, "INSERT INTO order_lines (order_id, "
			    "line_no, code, name, spec, unit, qty, price, "
			    "amount) VALUES (%d, %d, "
			    "'69%011d', '%s', NULL, '件', %d, 1.50, %d.50);\n",
			    i, j, j, bench_items[j % 8], j, j);
	}
	return sb_steal(&sb);
}

static struct db_source *
bench_store(const char *dir, struct conf **conf)
{
	struct db_source *src;
	struct db_err err;
	char *text, *cause = NULL, *script, *sqldir;

	text = xasprintf("[kefu]\nlog = -\n[datasource local]\n"
	    "connect = Driver=SQLite3;Database=%s/kefu.db\nadapter = sqlite\n",
	    dir);
	sqldir = xasprintf("%s/sql", getenv("KEFU_SRCDIR") ?
	    getenv("KEFU_SRCDIR") : ".");
	if (conf_parse("slip-bench.conf", text, conf, &cause) == -1 ||
	    db_source_open(conf_datasource(*conf, "local"), NULL, &src,
	    &cause) == -1 || store_upgrade(src, conf_datasource(*conf,
	    "local"), sqldir, 0, NULL, &cause) == -1)
		bench_die("store", cause);
	script = bench_script();
	if (db_run_script(src, script, &err) == -1)
		bench_die("orders", err.msg);
	free(script);
	free(text);
	free(sqldir);
	return src;
}

static cairo_status_t
bench_write(void *closure, const unsigned char *data, unsigned int len)
{
	sb_add(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

/* The baseline: pages pages of one short line each, as PDF, into out. */
static void
bench_baseline(size_t pages, struct strbuf *out)
{
	cairo_surface_t *sf;
	cairo_t *cr;
	PangoLayout *lay;
	PangoFontDescription *fd;
	char line[64];
	size_t i;

	sf = cairo_pdf_surface_create_for_stream(bench_write, out, 419.53,
	    595.28);
	cr = cairo_create(sf);
	lay = pango_cairo_create_layout(cr);
	fd = pango_font_description_from_string(SLIP_FONT " 10");
	pango_layout_set_font_description(lay, fd);
	for (i = 0; i < pages; i++) {
		snprintf(line, sizeof line, "送货单 %zu", i);
		pango_layout_set_text(lay, line, -1);
		cairo_move_to(cr, 28, 28);
		pango_cairo_show_layout(cr, lay);
		cairo_show_page(cr);
	}
	pango_font_description_free(fd);
	g_object_unref(lay);
	cairo_destroy(cr);
	cairo_surface_finish(sf);
	cairo_surface_destroy(sf);
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(void)
{
	double tread[BENCH_ROUNDS], tpdf[BENCH_ROUNDS], tbase[BENCH_ROUNDS];
	double ratio[BENCH_ROUNDS];
	struct strbuf pdf = STRBUF_INIT, base = STRBUF_INIT;
	struct store_slip *s;
	struct db_source *src;
	struct conf *conf;
	char dir[] = "/tmp/kefu-slip-bench.XXXXXX", *cause = NULL, *cmd;
	size_t n, pages = 0, bytes = 0;
	uint64_t t0;
	int r;

	if (mkdtemp(dir) == NULL)
		bench_die("mkdtemp", strerror(errno));
	log_open("slip-bench", "-", KLOG_WARN, &cause);
	src = bench_store(dir, &conf);
	for (r = 0; r < BENCH_ROUNDS; r++) {
		t0 = now_us();
		if (store_slip_batch(src, "2026-12-06", "09-11", NULL, 0, &s,
		    &n, &cause) == -1)
			bench_die("batch", cause);
		tread[r] = (double)(now_us() - t0) / 1e6;
		sb_reset(&pdf);
		t0 = now_us();
		if (slip_pdf(&pdf, s, n, 1, &pages, &cause) == -1)
			bench_die("pdf", cause);
		tpdf[r] = (double)(now_us() - t0) / 1e6;
		bytes = pdf.len;
		store_slips_free(s, n);
		t0 = now_us();
		sb_reset(&base);
		bench_baseline(pages, &base);
		tbase[r] = (double)(now_us() - t0) / 1e6;
		ratio[r] = tpdf[r] / tbase[r];
	}
	qsort(tread, BENCH_ROUNDS, sizeof *tread, bench_cmp);
	qsort(tpdf, BENCH_ROUNDS, sizeof *tpdf, bench_cmp);
	qsort(tbase, BENCH_ROUNDS, sizeof *tbase, bench_cmp);
	qsort(ratio, BENCH_ROUNDS, sizeof *ratio, bench_cmp);
	r = BENCH_ROUNDS / 2;
	printf("slip-bench: %d orders in one slot, %d areas: %zu pages, "
	    "%zu KB of PDF (medians of %d rounds)\n", BENCH_ORDERS,
	    BENCH_AREAS, pages, bytes / 1024, BENCH_ROUNDS);
	printf("  read from SQLite (store_slip_batch)  %8.3f s\n", tread[r]);
	printf("  render PDF (slip_pdf)                %8.3f s  %7.1f "
	    "pages/s\n", tpdf[r], (double)pages / tpdf[r]);
	printf("  baseline: one line per page          %8.3f s  %7.1f "
	    "pages/s\n", tbase[r], (double)pages / tbase[r]);
	printf("  slips cost %.2fx the baseline per page; whole batch "
	    "(read + render) %.2f s\n", ratio[r], tread[BENCH_ROUNDS / 2] +
	    tpdf[BENCH_ROUNDS / 2]);
	sb_free(&pdf);
	sb_free(&base);
	db_source_close(src);
	conf_free(conf);
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "slip-bench: %s failed\n", cmd);
	free(cmd);
	return 0;
}
