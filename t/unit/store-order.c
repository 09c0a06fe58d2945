/*
 * Unit tests for src/store/order.c: money text, the ordering policy from
 * kefu.conf (slots, areas, errors with file:line), and the order store on
 * SQLite (always), PostgreSQL (KEFU_TEST_PG) and MariaDB
 * (KEFU_TEST_MARIADB): slots past cut-off or full not offered, a
 * three-line order with its courier notice, the one transaction (a
 * notice that cannot be queued leaves no order), couriers in turn, a
 * member without phone ordering refused, limits, cancel, deliver and
 * reassign.
 */
#include "config.h"

#include <inttypes.h>
#include <sys/wait.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"
#include "../tap.h"
#include "t/store-engines.h"

static char *sqldir;
static struct db_adapters *ads;
static const struct store_member_policy mpol = { 5, 60 * 1000, 1000 };

/* Literals in structs whose strings are owned when read back. */
#define S(x) ((char *)(uintptr_t)(x))

#define NOW   "2026-12-06 10:00:00"
#define TODAY "2026-12-06"

static const char conf_text[] =
    "[store]\n"
    "order-slots = 09:00-11:00/08:00/30, 14:00-16:00/12:00/2, "
    "18:00-20:00/16:00/30\n"
    "order-areas = 天河:天河区|体育西, 越秀:越秀区|北京路\n"
    "order-max-qty = 5\n"
    "order-max-items = 12\n";

static struct store_order_policy *
policy(const char *text, char **cause)
{
	struct store_order_policy *pol = NULL;
	struct conf *conf;

	if (conf_parse("test.conf", text, &conf, cause) == -1)
		return NULL;
	store_order_policy_load(conf, &pol, cause);
	conf_free(conf);
	return pol;
}

/* The price an item is ordered at and the whole units in stock. */
static void
test_item(void)
{
	int on = -1;

	is_int(store_order_price("2.30", "1.99", &on), 199,
	    "on special: ordered at 1.99");
	is_int(on, 1, "... and said to be on special");
	is_int(store_order_price("2.30", NULL, &on), 230,
	    "no special: the shelf price");
	is_int(on, 0, "... not on special");
	is_int(store_order_price("2.30", "", &on), 230,
	    "an empty special (NULL column): the shelf price");
	is_int(store_order_price("2.30", "2.30", &on), 230,
	    "a special no cheaper is no special");
	is_int(on, 0, "... not on special");
	is_int(store_order_price("2.30", "0", &on), 230,
	    "a special of 0 is not believed");
	is_int(store_order_price("2.30", "x", &on), 230,
	    "a special that is no price is ignored");
	is_int(store_order_price("abc", "1.00", &on), -1,
	    "a shelf price that is no price is refused");
	is_int(store_order_in_stock("131"), 131, "stock 131: 131");
	is_int(store_order_in_stock("3.000"), 3, "stock 3.000: 3");
	is_int(store_order_in_stock("12.5"), 12, "stock 12.5: 12 whole");
	is_int(store_order_in_stock("0.75"), 0, "stock 0.75: none whole");
	is_int(store_order_in_stock("-2"), 0, "a negative stock: none");
	is_int(store_order_in_stock("99999999999"), ORDER_STOCK_MAX,
	    "a huge stock is capped");
	is_int(store_order_in_stock(""), -1, "an empty stock is refused");
	is_int(store_order_in_stock("3 boxes"), -1, "3 boxes is refused");
	is_int(store_order_in_stock(NULL), -1, "no stock is refused");
}

static void
test_policy(void)
{
	struct store_order_policy *pol;
	char buf[24], *cause = NULL;

	is_int(store_money_parse("12.50"), 1250, "12.50 is 1250 fen");
	is_int(store_money_parse("3"), 300, "3 is 300 fen");
	is_int(store_money_parse("0.5"), 50, "0.5 is 50 fen");
	is_int(store_money_parse("2.500"), 250, "2.500 is 250 fen");
	is_int(store_money_parse("2.505"), -1, "2.505 is refused");
	is_int(store_money_parse("1a"), -1, "1a is refused");
	is_str(store_money_text(1205, buf), "12.05", "1205 fen is 12.05");

	pol = policy(conf_text, &cause);
	ok(pol != NULL, "the policy loads: %s", cause ? cause : "");
	if (pol == NULL)
		return;
	is_int(pol->nslots, 3, "three slots");
	is_str(pol->slots[1].name, "14:00-16:00", "the second slot's name");
	is_int(pol->slots[1].cutoff, 12 * 60, "its cut-off");
	is_int(pol->slots[1].capacity, 2, "its capacity");
	is_str(store_order_area(pol, "广州市天河区体育东路1号"), "天河",
	    "an address in 天河区 is in 天河");
	is_str(store_order_area(pol, "北京路88号"), "越秀",
	    "北京路 is in 越秀");
	ok(store_order_area(pol, "海珠区江南大道") == NULL,
	    "an address no rule matches has no area");
	ok(store_order_area(pol, NULL) == NULL, "no address, no area");
	is_int(pol->max_qty, 5, "order-max-qty");
	is_int(pol->fixed, 0, "round-robin by default");
	store_order_policy_free(pol);

	pol = policy("[store]\norder-slots = 09:00-11:00/08:00/3\n"
	    "order-area-default = 其他\n", &cause);
	ok(pol != NULL && strcmp(store_order_area(pol, "海珠区"), "其他") == 0,
	    "order-area-default takes what no rule matches");
	store_order_policy_free(pol);

	pol = policy("[store]\n\norder-slots = 09:00-11:00/10:00/3\n", &cause);
	ok(pol == NULL, "a cut-off after the slot starts is refused");
	like(cause, "test.conf:3: [store] order-slots: slot 09:00-11:00",
	    "with file and line: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	pol = policy("[store]\norder-slots = 09:00-11:00/8:00/3\n", &cause);
	ok(pol == NULL && cause != NULL && strstr(cause, "cut-off '8:00' is "
	    "not a time of day"), "a cut-off not HH:MM is refused: %s",
	    cause ? cause : "");
	free(cause);
	cause = NULL;
	pol = policy("[store]\norder-slots = 9-11/8/3\n", &cause);
	ok(pol == NULL && cause != NULL && strstr(cause, "HH:MM-HH:MM"),
	    "a range not HH:MM-HH:MM is refused: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	pol = policy("[store]\norder-areas = 天河\n", &cause);
	ok(pol == NULL && cause != NULL && strstr(cause, "test.conf:2:") &&
	    strstr(cause, "AREA:WORD"), "an area without words is refused: %s",
	    cause ? cause : "");
	free(cause);
}

/* Add a member on paper (every service) or by phone (no ordering). */
static void
member(struct db_source *src, const char *via, const char *address,
    const char *mobile, char no[9])
{
	struct store_member_fields f = { .name = S("李四"), .mobile = mobile,
	    .address = address };
	struct store_member_new m = { .f = f, .via = via, .services = -1 };
	struct store_member_actor a = { .via = via, .staff_no = "S01" };
	char *cause = NULL;

	no[0] = '\0';
	if (store_member_add(src, &m, &a, &mpol, no, &cause) == -1) {
		tap_diag("member: %s", cause);
		free(cause);
	}
}

/*
 * The last commit's error, for test names: an argument of ok() may be
 * read before the commit in the same call runs.
 */
static char why[512];

static const struct store_order_line three[] = {
	{ .code = S("6901234567892"), .name = S("可口可乐"), .unit = S("瓶"),
	  .qty = 2, .price = 350, .special = 1, .shelf = 420 },
	{ .code = S("4011"), .name = S("香蕉"), .unit = S("公斤"), .qty = 1,
	  .price = 598 },
	{ .code = S("6920000000017"), .name = S("金龙鱼花生油"), .unit = S("桶"),
	  .qty = 3, .price = 12990 },
};

static int
commit(struct db_source *src, const struct store_order_policy *pol,
    const char *no, const char *date, const char *slot,
    const struct store_order_line *lines, size_t n, char order[11],
    int *full, char **cause)
{
	struct store_order_new o = { .member_no = no, .slot_date = date,
	    .slot = slot, .call_ref = "L1-1765015200000", .via = "phone",
	    .lines = lines, .nlines = n, .now = NOW };

	int rc;

	free(*cause);
	*cause = NULL;
	rc = store_order_commit(src, pol, &o, order, full, NULL, cause);
	snprintf(why, sizeof why, "%s", *cause ? *cause : "");
	return rc;
}

static void
test_offers(struct db_source *src, const char *l,
    const struct store_order_policy *pol, const char *no)
{
	struct store_order_offer off[16];
	char order[11], *cause = NULL;
	size_t n;
	int full;

	ok(store_order_offers(src, pol, NOW, off, 16, &n, &cause) == 0,
	    "%s: offers", l);
	is_int(n, 5, "%s: five slots offered (today's 09:00 is past its "
	    "cut-off)", l);
	if (n == 5) {
		is_str(off[0].date, TODAY, "%s: today first", l);
		is_str(off[0].slot->name, "14:00-16:00", "%s: 14:00 first", l);
		is_str(off[2].date, "2026-12-07", "%s: then tomorrow", l);
		is_str(off[2].slot->name, "09:00-11:00",
		    "%s: tomorrow's 09:00", l);
	}
	ok(commit(src, pol, no, TODAY, "09:00-11:00", three, 1, order, &full,
	    &cause) == -1 && full == 1, "%s: an order for a slot past its "
	    "cut-off is refused as full", l);
	/* Fill today's 14:00 (capacity 2). */
	ok(commit(src, pol, no, TODAY, "14:00-16:00", three, 1, order, &full,
	    &cause) == 0, "%s: first order of 14:00: %s", l,
	    why);
	ok(commit(src, pol, no, TODAY, "14:00-16:00", three + 1, 1, order,
	    &full, &cause) == 0, "%s: second order of 14:00", l);
	ok(store_order_offers(src, pol, NOW, off, 16, &n, &cause) == 0 &&
	    n == 4 && strcmp(off[0].slot->name, "18:00-20:00") == 0,
	    "%s: a full slot is not offered (%zu left, first %s)", l, n,
	    n ? off[0].slot->name : "none");
	ok(commit(src, pol, no, TODAY, "14:00-16:00", three, 1, order, &full,
	    &cause) == -1 && full == 1 && strstr(cause, "full"),
	    "%s: a third order of the full slot is refused: %s", l,
	    why);
	free(cause);
}

static void
test_commit(struct db_source *src, const char *l,
    const struct store_order_policy *pol, const char *no, const char *nono)
{
	struct store_order *o = NULL;
	char order[11], sql[256], *s, *cause = NULL;
	long long orders, lines, msgs;
	const char *refusal;
	int full;

	orders = store_test_count(src, "SELECT COUNT(*) FROM orders");
	ok(commit(src, pol, no, TODAY, "18:00-20:00", three, 3, order, &full,
	    &cause) == 0, "%s: a three-item order commits: %s", l,
	    why);
	is_str(order, "2612060003", "%s: numbered by day (third today)", l);
	is_int(store_test_count(src, "SELECT COUNT(*) FROM orders") - orders, 1,
	    "%s: one order more", l);
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM order_lines l JOIN "
	    "orders o ON o.id = l.order_id WHERE o.order_no = '%s'", order);
	is_int(store_test_count(src, sql), 3, "%s: with its three lines", l);
	snprintf(sql, sizeof sql, "SELECT total FROM orders WHERE order_no "
	    "= '%s'", order);
	s = store_test_text(src, sql);
	ok(s != NULL && store_money_parse(s) == 2 * 350 + 598 + 3 * 12990,
	    "%s: total 7 + 5.98 + 389.70 = 402.68 (%s)", l, s ? s : "NULL");
	free(s);
	snprintf(sql, sizeof sql, "SELECT body FROM outbox JOIN "
	    "outbox_content ON outbox_id = id WHERE idem_key = "
	    "'order:%s' AND msg_class = 'transactional' AND status = 'queued' "
	    "AND order_id = (SELECT id FROM orders WHERE order_no = '%s')",
	    order, order);
	s = store_test_text(src, sql);
	ok(s != NULL, "%s: the courier's notice is queued with the order", l);
	like(s, "订单2612060003", "%s: it names the order", l);
	like(s, "18:00-20:00", "%s: the slot", l);
	like(s, "天河区体育西路", "%s: the address", l);
	like(s, "共6件", "%s: and the item count (2 + 1 + 3)", l);
	free(s);
	ok(store_order_get(src, order, &o, &cause) == 0 && o != NULL,
	    "%s: read back", l);
	if (o != NULL) {
		is_int(o->nlines, 3, "%s: three lines read back", l);
		is_str(o->lines[2].name, "金龙鱼花生油", "%s: a Chinese name", l);
		is_int(o->lines[2].price, 12990, "%s: its price", l);
		ok(o->lines[0].special == 1 && o->lines[0].shelf == 420 &&
		    o->lines[0].price == 350, "%s: a line bought at a special "
		    "keeps the shelf price beside the price charged (%d, %"
		    PRId64 ", %" PRId64 ")", l, o->lines[0].special,
		    o->lines[0].shelf, o->lines[0].price);
		ok(o->lines[2].special == 0 && o->lines[2].shelf == 0,
		    "%s: a line at the shelf price is no special", l);
		is_str(o->status, "confirmed", "%s: confirmed", l);
		is_str(o->area, "天河", "%s: area from the address", l);
		is_str(o->call_ref, "L1-1765015200000", "%s: the call", l);
		is_int(o->items, 6, "%s: six items", l);
		store_orders_free(o, 1);
	}

	/* The one transaction: the notice's key is taken, so it fails. */
	orders = store_test_count(src, "SELECT COUNT(*) FROM orders");
	lines = store_test_count(src, "SELECT COUNT(*) FROM order_lines");
	msgs = store_test_count(src, "SELECT COUNT(*) FROM outbox");
	ok(store_test_exec(src, "INSERT INTO outbox (channel, recipient, "
	    "msg_class, idem_key, next_attempt_at, created_at) VALUES ('sms', "
	    "'13800000000', 'transactional', 'order:2612060004', "
	    "'2026-12-06 10:00:00', '2026-12-06 10:00:00')") == 0,
	    "%s: the next order's key is taken", l);
	ok(commit(src, pol, no, TODAY, "18:00-20:00", three, 3, order, &full,
	    &cause) == -1, "%s: an order whose notice cannot be queued fails",
	    l);
	is_int(store_test_count(src, "SELECT COUNT(*) FROM orders"), orders,
	    "%s: and leaves no order", l);
	is_int(store_test_count(src, "SELECT COUNT(*) FROM order_lines"), lines,
	    "%s: and no line", l);
	is_int(store_test_count(src, "SELECT COUNT(*) FROM outbox"), msgs + 1,
	    "%s: and no notice", l);
	store_test_exec(src,
	    "DELETE FROM outbox WHERE idem_key = 'order:2612060004'");

	/* A phone-registered member may not order. */
	ok(store_order_eligible(src, pol, nono, &refusal, &cause) == 0 &&
	    refusal != NULL && strcmp(refusal, "no-service") == 0,
	    "%s: a phone-registered member: no-service", l);
	ok(store_order_eligible(src, pol, no, &refusal, &cause) == 0 &&
	    refusal == NULL, "%s: a paper member may order", l);
	ok(store_order_eligible(src, pol, "12345674", &refusal, &cause) == 0 &&
	    refusal != NULL && strcmp(refusal, "unknown") == 0,
	    "%s: an unknown number: unknown", l);
	orders = store_test_count(src, "SELECT COUNT(*) FROM orders");
	ok(commit(src, pol, nono, TODAY, "18:00-20:00", three, 1, order,
	    &full, &cause) == -1 && strstr(cause, "no-service"),
	    "%s: and its order is refused: %s", l, why);
	{
		struct store_order_line big = three[0];

		big.qty = 6;
		ok(commit(src, pol, no, TODAY, "18:00-20:00", &big, 1, order,
		    &full, &cause) == -1 && strstr(cause, "order-max-qty"),
		    "%s: 6 of an item with order-max-qty 5 is refused", l);
	}
	{
		struct store_order_line many[3] = { three[2], three[2],
		    three[2] };

		many[0].qty = many[1].qty = many[2].qty = 5;
		ok(commit(src, pol, no, TODAY, "18:00-20:00", many, 3, order,
		    &full, &cause) == -1 && strstr(cause, "order-max-items"),
		    "%s: 15 items with order-max-items 12 are refused", l);
	}
	is_int(store_test_count(src, "SELECT COUNT(*) FROM orders"), orders,
	    "%s: refused orders leave nothing", l);
	free(cause);
}

static void
test_couriers(struct db_source *src, const char *l,
    const struct store_order_policy *pol, const char *no)
{
	struct store_order *o;
	char order[11], first[11], *cause = NULL;
	int64_t a = 0, b, assigned = 0;
	int full, i, alt = 1;
	size_t n;

	/* Courier 1 (天河) and 3 (天河, 越秀) exist; orders go in turn. */
	for (i = 0; i < 4; i++) {
		if (commit(src, pol, no, "2026-12-07", "09:00-11:00", three, 1,
		    order, &full, &cause) == -1) {
			ok(0, "%s: order %d: %s", l, i, cause);
			break;
		}
		if (i == 0)
			memcpy(first, order, sizeof first);
		if (store_order_get(src, order, &o, &cause) == 0 && o) {
			b = o->courier_id;
			if (i > 0 && b == a)
				alt = 0;
			a = b;
			store_orders_free(o, 1);
		}
	}
	ok(alt, "%s: round-robin: no courier gets two orders in a row", l);
	ok(store_order_reassign(src, pol, first, 0, NOW, &assigned,
	    &cause) == 0 && assigned != 0, "%s: reassign to the next: %s", l,
	    cause ? cause : "");
	is_int(store_test_count(src,
	    "SELECT COUNT(*) FROM outbox WHERE idem_key LIKE "
	    "'order:2612060%:courier:%'"), 1,
	    "%s: the new courier's notice is queued", l);
	ok(store_order_set_status(src, first, "cancelled", &cause) == 0,
	    "%s: cancel", l);
	ok(store_order_set_status(src, first, "delivered", &cause) == -1,
	    "%s: a cancelled order cannot be delivered", l);
	free(cause);
	cause = NULL;
	ok(store_order_reassign(src, pol, first, 0, NOW, &assigned,
	    &cause) == -1, "%s: nor reassigned", l);
	free(cause);
	cause = NULL;
	if (store_order_list(src, "2026-12-07", NULL, "cancelled", 0, &o, &n,
	    &cause) == 0) {
		is_int(n, 1, "%s: list by day and status", l);
		store_orders_free(o, n);
	} else
		ok(0, "%s: list by day and status: %s", l, cause);
	free(cause);
}

/* Two callers confirming at once: every order numbered, none lost. */
struct racer {
	struct db_source *src;
	const struct store_order_policy *pol;
	const char *no;
	int ok;
};

#define RACE_ORDERS 10

static void *
racer_run(void *arg)
{
	struct racer *r = arg;
	struct store_order_new o = { .member_no = r->no,
	    .slot_date = "2026-12-08", .slot = "18:00-20:00", .via = "phone",
	    .lines = three, .nlines = 2, .now = NOW };
	char order[11], *cause = NULL;
	int i, full;

	for (i = 0; i < RACE_ORDERS; i++) {
		if (store_order_commit(r->src, r->pol, &o, order, &full,
		    NULL, &cause) == 0)
			r->ok++;
		else {
			tap_diag("race: %s", cause);
			free(cause);
			cause = NULL;
		}
	}
	return NULL;
}

static void
test_race(struct db_source *src, const char *l,
    const struct store_order_policy *pol, const char *no)
{
	struct racer r[2] = { { src, pol, no, 0 }, { src, pol, no, 0 } };
	pthread_t t[2];
	int i;

	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, racer_run, &r[i]);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	is_int(r[0].ok + r[1].ok, 2 * RACE_ORDERS, "%s: two callers confirming "
	    "at once: every order committed", l);
	is_int(store_test_count(src,
	    "SELECT COUNT(DISTINCT order_no) FROM orders WHERE "
	    "slot_date = '2026-12-08'"), 2 * RACE_ORDERS,
	    "%s: each with a number of its own", l);
	is_int(store_test_count(src,
	    "SELECT COUNT(*) FROM orders o WHERE slot_date = "
	    "'2026-12-08' AND (SELECT COUNT(*) FROM order_lines l WHERE "
	    "l.order_id = o.id) = 2 AND EXISTS (SELECT 1 FROM outbox m WHERE "
	    "m.order_id = o.id)"), 2 * RACE_ORDERS,
	    "%s: each with its lines and its notice", l);
}

/*
 * Stock kept for open orders: the units of a product on orders not
 * delivered nor cancelled are not offered again, and a commit asking
 * more than the stock less them is refused with what is left.
 */
static void
test_stock(struct db_source *src, const char *l,
    const struct store_order_policy *pol, const char *no)
{
	struct store_order_line eggs = { .code = S("6911111111116"),
	    .name = S("鸡蛋"), .unit = S("盒"), .qty = 2, .price = 880,
	    .stock = 3 }, one = eggs;
	struct store_order_new o = { .member_no = no,
	    .slot_date = "2026-12-10", .slot = "18:00-20:00", .via = "phone",
	    .lines = &eggs, .nlines = 1, .now = NOW };
	char a[11], b[11], *cause = NULL;
	long kept = -1, left[1] = { -7 };
	long long orders;
	int full = 0, rc;

	one.qty = 1;            /* the one left, ordered after */
	rc = store_order_commit(src, pol, &o, a, &full, left, &cause);
	ok(rc == 0, "%s: 2 of the 3 eggs in stock ordered", l);
	rc = store_order_reserved(src, eggs.code, &kept, &cause);
	ok(rc == 0 && kept == 2, "%s: 2 kept for the open order (%ld)", l,
	    kept);
	orders = store_test_count(src, "SELECT COUNT(*) FROM orders");
	rc = store_order_commit(src, pol, &o, b, &full, left, &cause);
	ok(rc == -1 && full == 2 && left[0] == 1, "%s: 2 more refused: 1 "
	    "left (full %d, left %ld)", l, full, left[0]);
	like(cause, "2 asked, 1 left (stock 3, 2 on open orders)",
	    "%s: saying so", l);
	free(cause);
	cause = NULL;
	is_int(store_test_count(src, "SELECT COUNT(*) FROM orders"), orders,
	    "%s: and nothing written", l);
	o.lines = &one;
	rc = store_order_commit(src, pol, &o, b, &full, left, &cause);
	ok(rc == 0, "%s: the one left ordered", l);
	rc = store_order_reserved(src, eggs.code, &kept, &cause);
	ok(rc == 0 && kept == 3, "%s: 3 kept (%ld)", l, kept);
	rc = store_order_set_status(src, a, "cancelled", &cause) == 0 ?
	    store_order_reserved(src, eggs.code, &kept, &cause) : -1;
	ok(rc == 0 && kept == 1, "%s: a cancelled order gives its 2 back "
	    "(%ld kept)", l, kept);
	rc = store_order_set_status(src, b, "delivered", &cause) == 0 ?
	    store_order_reserved(src, eggs.code, &kept, &cause) : -1;
	ok(rc == 0 && kept == 0, "%s: a delivered one keeps none (%ld)", l,
	    kept);
	free(cause);
}

/*
 * Two processes commit the last unit of a product at once, ROUNDS
 * times: each a child running this program with --racer, on its own
 * connection, told to go at the same moment.  Their clocks are a day
 * apart, so their order numbers never collide: only the stock check
 * (and the lock it runs under) can stop the second.
 */
#define ROUNDS 4

static pid_t
racer_spawn(const char *connstr, const char *no, const char *code,
    const char *now, FILE **go, FILE **said)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe(in) == -1 || pipe(out) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl("/proc/self/exe", "store-order", "--racer", connstr, no,
		    code, now, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*go = fdopen(in[1], "w");
	*said = fdopen(out[0], "r");
	return pid;
}

static void
test_last_unit(const char *l, struct conf_datasource *ds,
    struct db_source *src, const char *no)
{
	static const char *const nows[2] = { "2026-12-06 10:00:00",
	    "2026-12-05 10:00:00" };
	FILE *go[2], *said[2];
	pid_t pid[2];
	char code[16], line[2][256], sql[160];
	int r, i, won, once = 0, status;

	signal(SIGPIPE, SIG_IGN);      /* a racer that died is diagnosed */
	for (r = 0; r < ROUNDS; r++) {
		snprintf(code, sizeof code, "69222222222%02d", r);
		for (i = 0; i < 2; i++) {
			pid[i] = racer_spawn(ds->connect[0], no, code,
			    nows[i], &go[i], &said[i]);
			if (pid[i] == -1 || fgets(line[i], sizeof line[i],
			    said[i]) == NULL || strncmp(line[i], "ready", 5))
				tap_diag("racer %d: %s", i, pid[i] == -1 ?
				    "no fork" : line[i]);
		}
		for (i = 0; i < 2; i++) {
			fputs("go\n", go[i]);
			fflush(go[i]);
		}
		for (won = i = 0; i < 2; i++) {
			if (fgets(line[i], sizeof line[i], said[i]) == NULL)
				snprintf(line[i], sizeof line[i], "nothing\n");
			won += strncmp(line[i], "won", 3) == 0;
			fclose(go[i]);
			fclose(said[i]);
			waitpid(pid[i], &status, 0);
		}
		snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM order_lines "
		    "WHERE code = '%s'", code);
		if (won == 1 && store_test_count(src, sql) == 1 &&
		    (strncmp(line[0], "short 0", 7) == 0 ||
		    strncmp(line[1], "short 0", 7) == 0))
			once++;
		else
			tap_diag("round %d: %s / %s", r, line[0], line[1]);
	}
	is_int(once, ROUNDS, "%s: two processes commit the last unit at once, "
	    "%d times: each time exactly one wins and the other hears none "
	    "is left", l, ROUNDS);
}

/* --racer CONNSTR MEMBER CODE NOW: one side of test_last_unit. */
static int
racer_child(char **argv)
{
	struct conf_datasource ds;
	struct store_order_policy *pol;
	struct store_order_line one = { .code = argv[4], .name = S("最后一件"),
	    .qty = 1, .price = 100, .stock = 1 };
	struct store_order_new o = { .member_no = argv[3],
	    .slot_date = "2026-12-09", .slot = "18:00-20:00", .via = "phone",
	    .lines = &one, .nlines = 1, .now = argv[5] };
	struct db_source *src;
	char *cause = NULL, *adir, go[8], no[11];
	long kept, left[1];
	int full;

	setvbuf(stdout, NULL, _IOLBF, 0);
	adir = xasprintf("%s/adapters", getenv("KEFU_SRCDIR") ?
	    getenv("KEFU_SRCDIR") : ".");
	store_test_ds(&ds, "local", argv[2]);
	if (db_adapters_load(adir, &ads, &cause) == -1 ||
	    db_source_open(&ds, ads, &src, &cause) == -1 ||
	    (pol = policy(conf_text, &cause)) == NULL ||
	    store_order_reserved(src, one.code, &kept, &cause) == -1) {
		printf("error %s\n", cause);
		_exit(1);
	}
	printf("ready\n");
	if (fgets(go, sizeof go, stdin) == NULL)
		_exit(1);
	if (store_order_commit(src, pol, &o, no, &full, left, &cause) == 0)
		printf("won %s\n", no);
	else if (full == 2)
		printf("short %ld\n", left[0]);
	else
		printf("error %s\n", cause);
	fflush(stdout);
	_exit(0);
}

static void
test_engine(const char *l, struct conf_datasource *ds)
{
	struct store_courier c1 = { .name = S("王师傅"),
	    .mobile = S("13700000001"), .areas = S("天河"), .active = 1 };
	struct store_courier c2 = { .name = S("赵师傅"), .pager = S("12345"),
	    .areas = S("越秀"), .active = 1 };
	struct store_courier c3 = { .name = S("钱师傅"),
	    .mobile = S("13700000003"), .areas = S("越秀,天河"), .active = 1 };
	struct store_order_policy *pol;
	struct store_courier *all;
	struct db_source *src;
	char *cause = NULL, paper[9], phone[9];
	int64_t id;
	size_t n;

	if ((pol = policy(conf_text, &cause)) == NULL ||
	    store_test_open(ads, ds, sqldir, &src, &cause) == -1) {
		ok(0, "%s: open and init: %s", l, cause);
		free(cause);
		store_order_policy_free(pol);
		return;
	}
	member(src, "paper", "广州市天河区体育西路1号", "13800138000", paper);
	member(src, "phone", NULL, "13900000001", phone);
	ok(store_courier_add(src, &c1, &id, &cause) == 0 && id > 0,
	    "%s: courier added", l);
	ok(store_courier_add(src, &c2, &id, &cause) == 0, "%s: a pager "
	    "courier", l);
	ok(store_courier_add(src, &c3, &id, &cause) == 0, "%s: a third", l);
	c2.name = S("没电话");
	c2.pager = NULL;
	ok(store_courier_add(src, &c2, &id, &cause) == -1,
	    "%s: a courier with no mobile nor pager is refused", l);
	free(cause);
	cause = NULL;
	ok(store_courier_list(src, &all, &n, &cause) == 0 && n == 3,
	    "%s: three couriers listed", l);
	if (cause == NULL)
		store_couriers_free(all, n);
	test_offers(src, l, pol, paper);
	test_commit(src, l, pol, paper, phone);
	test_couriers(src, l, pol, paper);
	test_race(src, l, pol, paper);
	test_stock(src, l, pol, paper);
	test_last_unit(l, ds, src, paper);
	store_order_policy_free(pol);
	db_source_close(src);
}

int
main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "--racer") == 0)
		return racer_child(argv);
	ads = store_test_setup(&sqldir);
	log_set_level(KLOG_WARN);
	test_item();
	test_policy();
	store_test_engines(ads, "o", test_engine);
	store_test_teardown(ads, sqldir);
	return tap_done();
}
