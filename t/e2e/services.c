/*
 * End-to-end: every service of the shipped flows through the simulated
 * voice modem (t/sim) into the real line driver, flow interpreter,
 * mapping engine, say-rules, prompt audio and SQLite databases (issue 4):
 * price by barcode and PLU, stock, unknown and invalid barcodes, today's
 * promotions and notices, Cantonese, barge-in, the caller hanging up
 * mid-prompt, retries and escalation, and the next call after each one.
 * Each check compares the audio the caller heard with the expected
 * prompts rendered by svc_render, and the call_log / call_queries rows.
 *
 * The prompts play in real time, so each scenario runs in its own
 * process (own modem, line, store and catalog) and they run side by
 * side; the parent re-emits their TAP lines in a fixed order.
 * E2E_ONLY=name,name runs only those jobs (see jobs[]); E2E_DEBUG=1
 * logs at debug level and shows every job's log.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "svc/svc.h"
#include "line/line.h"
#include "e2e.h"
#include "../tap.h"

#define BYTES_S 8000            /* both families: 8-bit samples at 8000/s */
#define SEG_MS 40000            /* wait for a segment to end */

static const char menu_ids[] = "menu.price menu.promo menu.notice "
    "menu.member menu.order menu.complaint menu.staff menu.lang menu.repeat";
static const char water[] = "农夫山泉饮用天然水";

/* A prompt list from ids, for e2e_seg. */
static struct flow_prompts
ids(const char *list)
{
	struct flow_prompts ps = { NULL, 0 };

	e2e_ids(&ps, list);
	return ps;
}

/* Compare segment seg with the prompt ids in list (freed here). */
static int
seg_ids(struct e2e *e, size_t seg, const char *lang, const char *list,
    enum e2e_cmp how)
{
	struct flow_prompts ps = ids(list);
	int rc;

	rc = e2e_seg(e, seg, SEG_MS, lang, &ps, how, NULL);
	flow_prompts_clear(&ps);
	return rc;
}

/* The price answer for the demo's first product (2.90 yuan). */
static struct flow_prompts
water_price(void)
{
	struct flow_prompts ps = { NULL, 0 };

	flow_prompts_add(&ps, "text", water);
	e2e_ids(&ps, "price.is num.liang money.yuan num.9 money.jiao");
	return ps;
}

/* Assert a column of the newest call. */
#define is_call(e, col, want, ...) do {					\
	char *v_ = e2e_last_col((e), (col));				\
	is_str(v_, (want), __VA_ARGS__);				\
	free(v_);							\
} while (0)
#define like_call(e, col, want, ...) do {				\
	char *v_ = e2e_last_col((e), (col));				\
	like(v_, (want), __VA_ARGS__);					\
	free(v_);							\
} while (0)
#define is_queries(e, want, ...) do {					\
	char *v_ = e2e_last_queries(e, 1);				\
	is_str(v_, (want), __VA_ARGS__);				\
	free(v_);							\
} while (0)

/* 1 when s ends with tail. */
static int
ends_with(const char *s, const char *tail)
{
	size_t a = s ? strlen(s) : 0, b = strlen(tail);

	return s != NULL && a >= b && strcmp(s + a - b, tail) == 0;
}

#define ends_call(e, col, tail, ...) do {				\
	char *v_ = e2e_last_col((e), (col));				\
	ok(ends_with(v_, (tail)), __VA_ARGS__);				\
	if (!ends_with(v_, (tail)))					\
		tap_diag("got '%s', want it to end with '%s'",		\
		    v_ ? v_ : "(null)", (tail));			\
	free(v_);							\
} while (0)

/* A short call: the greeting starts, the caller leaves; line idle again. */
static void
next_call(struct e2e *e, const char *number)
{
	const char *f = e->family;
	int64_t before = e2e_count(e, "SELECT COUNT(*) FROM call_log", NULL);

	ok(e2e_ring(e, number) == 0, "%s: the next call is answered", f);
	ok(e2e_hangup_at(e, 0, MSIM_HUP_BUSY, BYTES_S / 2) == 0 &&
	    seg_ids(e, 0, "zh-CN", "greet.long", E2E_CUT) == 0,
	    "%s: it hears the start of the greeting, then hangs up (busy "
	    "tone, DLE b)", f);
	ok(e2e_wait_end(e, 8000) == 0, "%s: kefu hangs up, line idle", f);
	is_int(e2e_count(e, "SELECT COUNT(*) FROM call_log", NULL),
	    before + 1, "%s: that call logged too", f);
	is_call(e, "caller_id", number, "%s: with its number", f);
	is_call(e, "outcome", "hangup", "%s: as a hang-up", f);
	is_call(e, "path", "main:hello", "%s: in the greeting", f);
}

/*
 * Barge-in, price by barcode (answer and stock, exactly), then by PLU
 * a product out of stock, back to the menu with *, and the caller hangs
 * up during the menu.
 */
static void
sc_price(struct e2e *e)
{
	const char *f = e->family;
	struct flow_prompts ans = water_price(), ans2 = { NULL, 0 };
	struct flow_kv kv = { "code", "10002", "digits" };
	struct flow_rows rows = { 0 };

	ok(e2e_exec(e, "catalog", "UPDATE products SET stock = 0 WHERE "
	    "plu = '10002'") == 0, "%s: PLU 10002 sold out", f);
	ok(e2e_map(e, "catalog.price", &kv, 1, &rows) == FLOW_Q_FOUND &&
	    e2e_col(&rows, 0, "product_name") != NULL &&
	    e2e_col(&rows, 0, "price") != NULL, "%s: the catalog has PLU "
	    "10002", f);
	flow_prompts_add(&ans2, "text", e2e_col(&rows, 0, "product_name"));
	flow_prompts_add(&ans2, "price.is", NULL);
	e2e_say(e, &ans2, "zh-CN", "money", e2e_col(&rows, 0, "price"), NULL);
	ok(e2e_ring(e, "13900000001") == 0, "%s: call answered", f);
	ok(e2e_key_at(e, 0, "1", BYTES_S / 2) == 0, "%s: 1 pressed during the "
	    "greeting", f);
	ok(seg_ids(e, 0, "zh-CN", "greet.long", E2E_CUT) == 0,
	    "%s: barge-in: the greeting stopped early; what was heard is the "
	    "start of greet.long", f);
	ok(e2e_key_at(e, 1, "6971105000018#", BYTES_S / 2) == 0 &&
	    seg_ids(e, 1, "zh-CN", "price.ask_code", E2E_CUT) == 0,
	    "%s: the menu was skipped, price.ask_code started next (and the "
	    "barcode typed over it stopped it)", f);
	ok(e2e_seg(e, 2, SEG_MS, "zh-CN", &ans, E2E_WHOLE, NULL) == 0,
	    "%s: barcode: exactly the price answer (name, 价格是 两元九角)", f);
	ok(seg_ids(e, 3, "zh-CN", "stock.in stock.qty_is num.1 num.100 num.3 "
	    "num.10 num.1 mw.ping", E2E_WHOLE) == 0,
	    "%s: stock: exactly 现在有货 库存数量是 一百三十一瓶", f);
	ok(e2e_key_at(e, 4, "10002#", BYTES_S / 2) == 0 &&
	    seg_ids(e, 4, "zh-CN", "price.again", E2E_CUT) == 0,
	    "%s: price.again, cut by the PLU typed over it", f);
	ok(e2e_seg(e, 5, SEG_MS, "zh-CN", &ans2, E2E_WHOLE, NULL) == 0,
	    "%s: PLU 10002: exactly its answer (%s, %s)", f,
	    e2e_col(&rows, 0, "product_name"), e2e_col(&rows, 0, "price"));
	ok(seg_ids(e, 6, "zh-CN", "stock.out", E2E_WHOLE) == 0,
	    "%s: exactly stock.out", f);
	ok(e2e_key_at(e, 7, "*", BYTES_S / 2) == 0 &&
	    seg_ids(e, 7, "zh-CN", "price.again", E2E_CUT) == 0,
	    "%s: price.again; * pressed during it", f);
	ok(e2e_hangup_at(e, 8, MSIM_HUP_LOOP, BYTES_S) == 0 &&
	    seg_ids(e, 8, "zh-CN", menu_ids, E2E_CUT) == 0,
	    "%s: * went back to the main menu; the caller hangs up during it",
	    f);
	ok(e2e_wait_end(e, 8000) == 0, "%s: kefu hung up, line idle", f);
	is_int(msim_vtx_count(e->sim) - e->base, 9, "%s: 9 prompts played", f);
	is_call(e, "caller_id", "13900000001", "%s: call logged", f);
	is_call(e, "outcome", "hangup", "%s: outcome hang-up", f);
	is_call(e, "language", "zh-CN", "%s: in Mandarin", f);
	is_call(e, "path", "main:hello main:top main:price price:ask "
	    "price:lookup price:tell price:if@26 price:in_stock price:again "
	    "price:lookup price:tell price:if@26 price:play@27 price:again "
	    "price:done main:top", "%s: path through both lookups", f);
	is_queries(e, "catalog.price(code=6971105000018)=ok/1;"
	    "catalog.price(code=10002)=ok/1",
	    "%s: both queries logged with their codes", f);
	flow_prompts_clear(&ans);
	flow_prompts_clear(&ans2);
	flow_rows_clear(&rows);
	next_call(e, "13900000002");
}

/*
 * An unknown but valid EAN-13 (queried, not found), then codes with a
 * bad check digit (refused before any query, re-asked), the last one
 * typed over price.again; the right code typed over input.invalid is
 * taken whole.  The caller hangs up during the answer.
 */
static void
sc_unknown(struct e2e *e)
{
	const char *f = e->family;
	struct flow_prompts ans = water_price();

	ok(e2e_ring(e, "13900000003") == 0, "%s: call answered", f);
	ok(e2e_key_at(e, 0, "1", BYTES_S / 2) == 0 &&
	    e2e_key_at(e, 1, "6901234567892#", BYTES_S / 2) == 0,
	    "%s: price service, an unknown barcode typed", f);
	ok(seg_ids(e, 2, "zh-CN", "price.not_found", E2E_WHOLE) == 0,
	    "%s: not found: exactly price.not_found", f);
	ok(e2e_key_at(e, 3, "6971105000019#", BYTES_S / 2) == 0 &&
	    seg_ids(e, 3, "zh-CN", "price.again", E2E_CUT) == 0,
	    "%s: a barcode with a bad check digit typed over price.again", f);
	ok(seg_ids(e, 4, "zh-CN", "input.invalid", E2E_WHOLE) == 0,
	    "%s: invalid: exactly input.invalid", f);
	ok(e2e_key_at(e, 5, "697110500001#", BYTES_S / 2) == 0 &&
	    seg_ids(e, 5, "zh-CN", "price.again", E2E_CUT) == 0,
	    "%s: asked again; 12 digits typed over it", f);
	ok(e2e_key_at(e, 6, "6971105000018#", BYTES_S / 2) == 0 &&
	    seg_ids(e, 6, "zh-CN", "input.invalid", E2E_CUT) == 0,
	    "%s: bad check digit again: input.invalid; the right code typed "
	    "over it", f);
	ok(e2e_hangup_at(e, 7, MSIM_HUP_LOOP, BYTES_S) == 0 &&
	    e2e_seg(e, 7, SEG_MS, "zh-CN", &ans, E2E_CUT, NULL) == 0,
	    "%s: no digit lost: the price answer; the caller hangs up", f);
	ok(e2e_wait_end(e, 8000) == 0, "%s: kefu hung up, line idle", f);
	is_call(e, "outcome", "hangup", "%s: outcome hang-up", f);
	ends_call(e, "path", "price:lookup price:not_found price:again "
	    "price:lookup price:tell", "%s: path: lookup, not found, asked "
	    "again, lookup, answer", f);
	is_queries(e, "catalog.price(code=6901234567892)=ok/0;"
	    "catalog.price(code=6971105000018)=ok/1",
	    "%s: two queries: the unknown code (no error, no row), the "
	    "right one", f);
	is_int(e2e_count(e, "SELECT COUNT(*) FROM call_queries WHERE params "
	    "= ? OR params = 'code=697110500001'", "code=6971105000019"), 0,
	    "%s: the invalid codes never reached a query", f);
	flow_prompts_clear(&ans);
}

/* Cantonese: the language key, lang.switched and the menu in yue, a price. */
static void
sc_cantonese(struct e2e *e)
{
	const char *f = e->family;
	struct flow_prompts ans = water_price();

	ok(e2e_ring(e, "13900000004") == 0, "%s: call answered", f);
	ok(e2e_key_at(e, 0, "8", BYTES_S / 2) == 0, "%s: 8 pressed during the "
	    "greeting", f);
	ok(seg_ids(e, 1, "yue", "lang.switched", E2E_WHOLE) == 0,
	    "%s: exactly lang.switched, in Cantonese", f);
	ok(e2e_key_at(e, 2, "1", 2 * BYTES_S) == 0 &&
	    seg_ids(e, 2, "yue", menu_ids, E2E_CUT) == 0,
	    "%s: then the main menu in Cantonese (1 pressed during it)", f);
	ok(e2e_key_at(e, 3, "6971105000018#", BYTES_S / 2) == 0 &&
	    seg_ids(e, 3, "yue", "price.ask_code", E2E_CUT) == 0,
	    "%s: price.ask_code in Cantonese", f);
	ok(e2e_seg(e, 4, SEG_MS, "yue", &ans, E2E_WHOLE, NULL) == 0,
	    "%s: exactly the price answer in Cantonese (呢件貨品嘅價錢係 兩元九角)",
	    f);
	ok(e2e_hangup_at(e, 5, MSIM_HUP_LOOP, BYTES_S) == 0 &&
	    seg_ids(e, 5, "yue", "stock.in stock.qty_is num.1 num.100 num.3 "
	    "num.10 num.1 mw.ping", E2E_CUT) == 0,
	    "%s: stock in Cantonese; the caller hangs up during it", f);
	ok(e2e_wait_end(e, 8000) == 0, "%s: kefu hung up, line idle", f);
	is_call(e, "language", "yue", "%s: call logged in Cantonese", f);
	is_call(e, "outcome", "hangup", "%s: outcome hang-up", f);
	like_call(e, "path", "main:language main:to_cantonese main:switched "
	    "main:top main:price", "%s: path through the language switch", f);
	flow_prompts_clear(&ans);
}

/* 8 twice: to Cantonese and back to Mandarin. */
static void
sc_back(struct e2e *e)
{
	const char *f = e->family;

	ok(e2e_ring(e, "13900000010") == 0, "%s: the next call is answered",
	    f);
	ok(e2e_key_at(e, 0, "8", BYTES_S / 2) == 0 &&
	    e2e_key_at(e, 1, "8", BYTES_S / 2) == 0 &&
	    seg_ids(e, 1, "yue", "lang.switched", E2E_CUT) == 0,
	    "%s: it starts in Mandarin again; 8: Cantonese, and 8 again "
	    "during lang.switched", f);
	ok(seg_ids(e, 2, "zh-CN", "lang.switched", E2E_WHOLE) == 0,
	    "%s: exactly lang.switched in Mandarin", f);
	ok(e2e_hangup_at(e, 3, MSIM_HUP_LOOP, BYTES_S) == 0 &&
	    seg_ids(e, 3, "zh-CN", menu_ids, E2E_CUT) == 0,
	    "%s: the menu in Mandarin; the caller hangs up", f);
	ok(e2e_wait_end(e, 8000) == 0, "%s: kefu hung up, line idle", f);
	is_call(e, "language", "zh-CN", "%s: call logged in Mandarin", f);
	is_call(e, "path", "main:hello main:top main:language "
	    "main:to_cantonese main:switched main:top main:language "
	    "main:to_mandarin main:switched main:top", "%s: path", f);
}

/* One promotion or notice row as the flows say it. */
static struct flow_prompts
promo_row(struct e2e *e, const struct flow_rows *rows, size_t i)
{
	struct flow_prompts ps = { NULL, 0 };
	const char *price = e2e_col(rows, i, "promo_price");

	flow_prompts_add(&ps, "text", e2e_col(rows, i, "product_name"));
	flow_prompts_add(&ps, "text", e2e_col(rows, i, "promo_kind"));
	if (price != NULL)
		e2e_say(e, &ps, "zh-CN", "money", price, NULL);
	return ps;
}

/* Segment seg is row i of the promotions, whole. */
static int
seg_promo(struct e2e *e, size_t seg, const struct flow_rows *rows, size_t i)
{
	struct flow_prompts ps = promo_row(e, rows, i);
	int rc;

	rc = e2e_seg(e, seg, SEG_MS, "zh-CN", &ps, E2E_WHOLE, NULL);
	if (rc == -1)
		tap_diag("%s: row %zu (%s) differs", e->family, i + 1,
		    e2e_col(rows, i, "product_name"));
	flow_prompts_clear(&ps);
	return rc;
}

/* Segments from..from+n-1 are promotions first..first+n-1, whole. */
static int
seg_promos(struct e2e *e, size_t from, const struct flow_rows *rows,
    size_t first, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (seg_promo(e, from + i, rows, first + i) == -1)
			return -1;
	return 0;
}

/* "<ids> " and a count said as a quantity, compared with segment seg. */
static int
seg_count(struct e2e *e, size_t seg, const char *id, size_t n,
    const char *unit)
{
	struct flow_prompts ps = { NULL, 0 };
	char v[24];
	int rc;

	snprintf(v, sizeof v, "%zu", n);
	e2e_ids(&ps, id);
	e2e_say(e, &ps, "zh-CN", "quantity", v, unit);
	rc = e2e_seg(e, seg, SEG_MS, "zh-CN", &ps, E2E_WHOLE, NULL);
	flow_prompts_clear(&ps);
	return rc;
}

/*
 * Today's promotions (rows from catalog.promotions_today, in its order)
 * a page of five at a time: the count, page 1, 1 for more, page 2 cut
 * by 0 (repeat) and read again, 1 for more, page 3 cut by * (back to
 * the menu); then 3 during the menu: today's notices, their count; a
 * notice whose recording is missing is read from its text; the caller
 * hangs up during the next.
 */
static void
sc_today(struct e2e *e)
{
	const char *f = e->family;
	struct flow_rows promos = { 0 }, notices = { 0 };
	struct flow_prompts ps = { NULL, 0 };

	ok(e2e_exec(e, "catalog", "UPDATE notices SET audio = "
	    "'notices/nowhere.wav' WHERE title = '送货上门'") == 0,
	    "%s: a notice names a recording that does not exist", f);
	ok(e2e_map(e, "catalog.promotions_today", NULL, 0, &promos) ==
	    FLOW_Q_FOUND && promos.nrows > 10, "%s: the catalog has more "
	    "than two pages of promotions today (%zu)", f, promos.nrows);
	ok(e2e_map(e, "catalog.notices_today", NULL, 0, &notices) ==
	    FLOW_Q_FOUND && notices.nrows >= 2, "%s: and notices (%zu)", f,
	    notices.nrows);
	if (promos.nrows <= 10 || notices.nrows < 2)
		goto out;
	ok(e2e_ring(e, "13900000005") == 0, "%s: call answered", f);
	ok(e2e_key_at(e, 0, "2", BYTES_S / 2) == 0, "%s: 2 pressed during the "
	    "greeting", f);
	ok(seg_count(e, 1, "promo.count", promos.nrows, "件") == 0,
	    "%s: how many: exactly promo.count and %zu 件", f, promos.nrows);
	ok(seg_promos(e, 2, &promos, 0, 5) == 0, "%s: page 1: promotions 1 "
	    "to 5 exactly as the mapping returns them", f);
	ok(e2e_key_at(e, 7, "1", BYTES_S / 2) == 0 &&
	    seg_ids(e, 7, "zh-CN", "list.more", E2E_CUT) == 0,
	    "%s: the offer (list.more); 1 pressed during it", f);
	ok(seg_promo(e, 8, &promos, 5) == 0, "%s: page 2 starts with "
	    "promotion 6", f);
	ps = promo_row(e, &promos, 6);
	ok(e2e_key_at(e, 9, "0", BYTES_S / 2) == 0 &&
	    e2e_seg(e, 9, SEG_MS, "zh-CN", &ps, E2E_CUT, NULL) == 0,
	    "%s: promotion 7 starts; 0 (repeat) pressed during it", f);
	flow_prompts_clear(&ps);
	ok(seg_promos(e, 10, &promos, 5, 5) == 0, "%s: page 2 again, from "
	    "promotion 6 to 10, without the offer in between", f);
	ok(e2e_key_at(e, 15, "1", BYTES_S / 2) == 0 &&
	    seg_ids(e, 15, "zh-CN", "list.more", E2E_CUT) == 0,
	    "%s: the offer again; 1 pressed during it", f);
	ps = promo_row(e, &promos, 10);
	ok(e2e_key_at(e, 16, "*", BYTES_S / 2) == 0 &&
	    e2e_seg(e, 16, SEG_MS, "zh-CN", &ps, E2E_CUT, NULL) == 0,
	    "%s: page 3 starts with promotion 11; * pressed during it", f);
	flow_prompts_clear(&ps);
	ok(e2e_key_at(e, 17, "3", BYTES_S / 2) == 0 &&
	    seg_ids(e, 17, "zh-CN", menu_ids, E2E_CUT) == 0,
	    "%s: back in the menu; 3 pressed during it", f);
	ok(seg_count(e, 18, "notice.count", notices.nrows, "条") == 0,
	    "%s: exactly notice.count and %zu 条", f, notices.nrows);
	flow_prompts_add(&ps, "text", e2e_col(&notices, 0, "notice_text"));
	ok(e2e_seg(e, 19, SEG_MS, "zh-CN", &ps, E2E_WHOLE, NULL) == 0,
	    "%s: notice 1 (%s), its recording missing: exactly its text", f,
	    e2e_col(&notices, 0, "notice_title"));
	flow_prompts_clear(&ps);
	flow_prompts_add(&ps, "text", e2e_col(&notices, 1, "notice_text"));
	ok(e2e_hangup_at(e, 20, MSIM_HUP_LOOP, BYTES_S) == 0 &&
	    e2e_seg(e, 20, SEG_MS, "zh-CN", &ps, E2E_CUT, NULL) == 0,
	    "%s: notice 2 (%s) starts; the caller hangs up during it", f,
	    e2e_col(&notices, 1, "notice_title"));
	flow_prompts_clear(&ps);
	ok(e2e_wait_end(e, 8000) == 0, "%s: kefu hung up, line idle", f);
	is_int(msim_vtx_count(e->sim) - e->base, 21, "%s: no prompt after the "
	    "hang-up", f);
	is_call(e, "outcome", "hangup", "%s: outcome hang-up", f);
	like_call(e, "path", "main:promotions promotions:today "
	    "promotions:intro promotions:foreach@21 promotions:done main:top",
	    "%s: path through the promotions, back to the menu", f);
	ends_call(e, "path", "main:notices notices:set@14 notices:own "
	    "notices:today notices:which_intro notices:intro notices:list",
	    "%s: and the notices (none of the store's own), where it ended",
	    f);
	{
		char want[128];

		snprintf(want, sizeof want, "catalog.promotions_today()=ok/%zu;"
		    "kefu.notice.current()=ok/0;catalog.notices_today()=ok/%zu",
		    promos.nrows, notices.nrows);
		is_queries(e, want, "%s: both queries logged with their row "
		    "counts", f);
	}
out:
	flow_rows_clear(&promos);
	flow_rows_clear(&notices);
	/* the caller leaves while kefu waits for the rest of a barcode */
	ok(e2e_ring(e, "13900000011") == 0, "%s: the next call is answered",
	    f);
	ok(e2e_key_at(e, 0, "1", BYTES_S / 2) == 0 &&
	    e2e_key_at(e, 1, "6971", BYTES_S / 2) == 0 &&
	    msim_wait_vtx(e->sim, e->base + 2, SEG_MS) == 0 &&
	    msim_wait_state(e->sim, MSIM_VRX, 5000) == 0 &&
	    msim_hangup(e->sim, MSIM_HUP_LOOP, 300) == 0,
	    "%s: 4 digits of a barcode, then the caller hangs up while kefu "
	    "waits for more", f);
	ok(e2e_wait_end(e, 8000) == 0, "%s: kefu hung up, line idle", f);
	is_int(msim_vtx_count(e->sim) - e->base, 2, "%s: no prompt after "
	    "the hang-up", f);
	is_call(e, "outcome", "hangup", "%s: outcome hang-up", f);
	is_call(e, "path", "main:hello main:top main:price price:ask",
	    "%s: it ended in price:ask", f);
	is_queries(e, "", "%s: no query", f);
}

/*
 * Three invalid keys at the main menu, the third pressed during the
 * second input.invalid (it counts: the menu is not said again).  Then
 * input.too_many and goodbye, and kefu hangs up.
 */
static void
sc_invalid(struct e2e *e)
{
	const char *f = e->family;

	ok(e2e_ring(e, "13900000007") == 0, "%s: call answered", f);
	ok(e2e_key_at(e, 0, "9", BYTES_S / 2) == 0, "%s: 9 (no such item) "
	    "during the greeting", f);
	ok(seg_ids(e, 1, "zh-CN", "input.invalid", E2E_WHOLE) == 0,
	    "%s: invalid 1: exactly input.invalid", f);
	ok(e2e_key_at(e, 2, "9", BYTES_S / 2) == 0 &&
	    seg_ids(e, 2, "zh-CN", menu_ids, E2E_CUT) == 0,
	    "%s: the menu again, 9 again", f);
	ok(e2e_key_at(e, 3, "9", BYTES_S / 2) == 0 &&
	    seg_ids(e, 3, "zh-CN", "input.invalid", E2E_CUT) == 0,
	    "%s: invalid 2: 9 pressed during input.invalid stops it", f);
	ok(seg_ids(e, 4, "zh-CN", "input.invalid", E2E_WHOLE) == 0,
	    "%s: that 9 was the third try: invalid 3, exactly input.invalid, "
	    "no menu between", f);
	ok(seg_ids(e, 5, "zh-CN", "input.too_many sys.goodbye", E2E_WHOLE) ==
	    0, "%s: escalation: exactly input.too_many and sys.goodbye", f);
	ok(e2e_wait_end(e, 8000) == 0, "%s: kefu hung up by itself, line "
	    "idle", f);
	is_int(msim_vtx_count(e->sim) - e->base, 6, "%s: 6 prompts played", f);
	is_call(e, "outcome", "completed", "%s: the flow ended the call", f);
	is_call(e, "path", "main:hello main:top main:too_many",
	    "%s: escalated from the menu to main:too_many", f);
	is_call(e, "error", "escalated: too many invalid keys in main:top",
	    "%s: the call log says why it escalated", f);
	is_queries(e, "", "%s: no query", f);
	next_call(e, "13900000008");
}

/*
 * Three time-outs at the main menu (shipped 6 s).  The test copy of the
 * flows differs from the shipped ones in one thing: the menu items say
 * nothing (the 37 s menu would be heard three times otherwise).
 */
static void
sc_timeouts(struct e2e *e)
{
	const char *f = e->family;
	int i;

	ok(e2e_ring(e, "13900000009") == 0, "%s: call answered", f);
	ok(seg_ids(e, 0, "zh-CN", "greet.long", E2E_WHOLE) == 0,
	    "%s: exactly the whole greeting", f);
	for (i = 1; i <= 3; i++)
		ok(seg_ids(e, (size_t)i, "zh-CN", "input.timeout", E2E_WHOLE) ==
		    0, "%s: time-out %d: exactly input.timeout", f, i);
	ok(seg_ids(e, 4, "zh-CN", "input.too_many sys.goodbye", E2E_WHOLE) ==
	    0, "%s: escalation: exactly input.too_many and sys.goodbye", f);
	ok(e2e_wait_end(e, 8000) == 0, "%s: kefu hung up by itself, line "
	    "idle", f);
	is_int(msim_vtx_count(e->sim) - e->base, 5, "%s: 5 prompts played", f);
	is_call(e, "outcome", "completed", "%s: the flow ended the call", f);
	is_call(e, "path", "main:hello main:top main:too_many",
	    "%s: escalated from the menu to main:too_many", f);
	is_call(e, "error", "escalated: too many time-outs in main:top",
	    "%s: the call log says why it escalated", f);
}

/* The shipped flows with the main menu's item prompts taken out. */
static char *
quiet_flows(const char *dir)
{
	const char *src = getenv("KEFU_SRCDIR");
	char *out = xasprintf("%s/flows", dir), *cmd;
	int rc;

	mkdir(dir, 0700);
	cmd = xasprintf("mkdir -p '%s' && cp '%s'/flows/*.xml '%s'/flows/"
	    "flow.rng '%s' && sed -e 's/ prompt=\"menu\\.[a-z]*\"//' "
	    "'%s'/flows/main.xml >'%s'/main.xml && ! grep -q 'prompt=\"menu' "
	    "'%s'/main.xml", out, src, src, out, src, out, out);
	rc = system(cmd);
	free(cmd);
	if (rc != 0) {
		tap_diag("cannot make the test flows in %s", out);
		free(out);
		return NULL;
	}
	return out;
}

/* ---- running the scenarios side by side (e2e_scenarios) ---- */

/* own_flows: the shipped flows without the menu's item prompts */
static const struct e2e_scenario scenarios[] = {
	{ "price", MSIM_CONEXANT, { sc_price }, 0 },
	{ "unknown-yue", MSIM_USR, { sc_unknown, sc_cantonese, sc_back }, 0 },
	{ "today", MSIM_CONEXANT, { sc_today }, 0 },
	{ "invalid-cx", MSIM_CONEXANT, { sc_invalid }, 0 },
	{ "invalid-usr", MSIM_USR, { sc_invalid }, 0 },
	{ "timeouts", MSIM_CONEXANT, { sc_timeouts }, 1 },
};

static void
check(int pass, const char *what)
{
	ok(pass, "%s", what);
}

int
main(void)
{
	static const struct e2e_runner r = { .tag = "e2e-svc",
	    .check = check, .done = tap_done, .flows = quiet_flows };

	/* today's promotions and notices are read before the call too */
	tap_hour(13, 0);
	if (e2e_scenarios(&r, scenarios, nitems(scenarios)) == -1)
		return 1;
	return tap_done();
}
