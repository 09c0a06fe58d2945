/*
 * Unit tests for src/store/visit.c: the [visits] slots of kefu.conf
 * (errors with file:line), weekdays, and the home-visit store on SQLite
 * (always), PostgreSQL (KEFU_TEST_PG) and MariaDB (KEFU_TEST_MARIADB):
 * slots begun, within the lead time or full not offered, today's first;
 * a booking as one transaction (the after-sales case, the visits row,
 * the confirmation SMS in the outbox); a full slot refused with nothing
 * written; changes by phone only for the visit's own number; a move (old
 * row moved, a new one and its SMS) and a cancel (its SMS); the purchase
 * an order or slip number names.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"
#include "../tap.h"
#include "t/store-engines.h"

static char *sqldir;
static struct db_adapters *ads;

#define NOW "2026-12-07 10:30:00"       /* a Monday */

static const char conf_text[] =
    "[visits]\n"
    "monday = 09:00-12:00/2, 13:00-15:00/1, 16:00-18:00/2\n"
    "tuesday = 09:00-12:00/1\n"
    "wednesday = none\n"
    "thursday = none\n"
    "friday = none\n"
    "saturday = none\n"
    "visit-days = 1\n"
    "visit-lead = 2h\n"
    "[campaign]\n"
    "store-name = 好又多\n"
    "[department service]\n"
    "kinds = after_sales\n"
    "sms = 13800000009\n";

/* Compare a text query's answer, freeing it. */
static void
is_text(struct db_source *src, const char *sql, const char *want,
    const char *l, const char *what)
{
	char *got = store_test_text(src, sql);

	ok(got != NULL && strcmp(got, want) == 0, "%s: %s", l, what);
	if (got == NULL || strcmp(got, want) != 0)
		tap_diag("got '%s', want '%s'", got ? got : "(null)", want);
	free(got);
}

static struct conf *
load(const char *t, char **cause)
{
	struct conf *conf = NULL;

	if (conf_parse("test.conf", t, &conf, cause) == -1)
		return NULL;
	return conf;
}

static void
test_policy(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "[visits]\nmonday = 9-12/2\n", "test.conf:2: [visits] "
		  "monday: '9-12' is not a time range" },
		{ "[visits]\n\ntuesday = 09:00-12:00/0\n", "test.conf:3: "
		  "[visits] tuesday: slot 09:00-12:00: capacity '0' is too "
		  "small" },
		{ "[visits]\nfriday = 09:00-12:00/2, 11:00-13:00/1\n",
		  "test.conf:2: [visits] friday: slots 09:00-12:00 and "
		  "11:00-13:00 overlap" },
		{ "[visits]\nsunday = 09:00-12:00\n", "test.conf:2: [visits] "
		  "sunday: '09:00-12:00' is not FROM-TO/CAPACITY" },
		{ "[visits]\nmonday = 12:00-09:00/2\n", "test.conf:2: [visits] "
		  "monday: '12:00-09:00' is not a time range" },
		{ "[visits]\nmonday = 09:00-24:00/2\n", "test.conf:2: [visits] "
		  "monday: '09:00-24:00' is not a time range" },
		{ "[visits]\nmonday = 09:60-10:00/2\n", "test.conf:2: [visits] "
		  "monday: '09:60-10:00' is not a time range" },
	};
	struct store_visit_policy *pol = NULL;
	struct conf *conf;
	char *cause = NULL;
	size_t i;

	conf = load(conf_text, &cause);
	ok(conf != NULL && store_visit_policy_load(conf, &pol, &cause) == 0,
	    "the policy loads: %s", cause ? cause : "ok");
	if (pol != NULL) {
		ok(pol->nslots[0] == 3 && pol->nslots[1] == 1 &&
		    pol->nslots[2] == 0 && pol->nslots[6] == 0 &&
		    pol->slots[0][1].from == 13 * 60 &&
		    pol->slots[0][1].to == 15 * 60 &&
		    pol->slots[0][1].capacity == 1 && pol->lead == 120 &&
		    pol->days == 1 && strcmp(pol->store_name, "好又多") == 0,
		    "three slots on Mondays, one on Tuesdays, none else; "
		    "lead 120 min");
		store_visit_policy_free(pol);
	}
	conf_free(conf);
	free(cause);
	conf = load("", &cause);
	pol = NULL;
	ok(conf != NULL && store_visit_policy_load(conf, &pol, &cause) == 0 &&
	    pol->nslots[0] == 2 && pol->nslots[5] == 2 &&
	    pol->nslots[6] == 0 && pol->days == 6,
	    "defaults: two slots Monday to Saturday, none on Sunday");
	store_visit_policy_free(pol);
	conf_free(conf);
	for (i = 0; i < nitems(bad); i++) {
		cause = NULL;
		pol = NULL;
		conf = load(bad[i].text, &cause);
		ok(conf != NULL && store_visit_policy_load(conf, &pol,
		    &cause) == -1 && cause != NULL &&
		    strncmp(cause, bad[i].want, strlen(bad[i].want)) == 0,
		    "refused: %s", bad[i].want);
		if (cause == NULL || strncmp(cause, bad[i].want,
		    strlen(bad[i].want)) != 0)
			tap_diag("got %s", cause ? cause : "(none)");
		free(cause);
		store_visit_policy_free(pol);
		conf_free(conf);
	}
	ok(store_visit_weekday("2026-12-06") == 6 &&
	    store_visit_weekday("2026-12-07") == 0 &&
	    store_visit_weekday("2027-01-01") == 4,
	    "weekdays: Sunday 6, Monday 0, Friday 4");
	ok(store_visit_weekday("2026-02-30") == -1 &&
	    store_visit_weekday("2026-12-7") == -1 &&
	    store_visit_weekday("tomorrow") == -1, "no weekday for a "
	    "day that is not one");
}

/* Book date slot for phone; the case number into no, -1 on refusal. */
static int
book(struct db_source *src, const struct conf *conf,
    const struct store_visit_policy *pol, const char *date,
    const char *slot, const char *phone, const char *purchase,
    char no[CASE_NO_LEN + 1], int *full, char **cause)
{
	struct store_visit_new v = { .date = date, .slot = slot,
	    .phone = phone, .purchase = purchase, .caller_id = phone,
	    .call_ref = "L1-1", .now = NOW };

	free(*cause);
	*cause = NULL;
	return store_visit_book(src, conf, pol, &v, no, full, cause);
}

static void
test_offers_book(struct db_source *src, const char *l,
    const struct conf *conf, const struct store_visit_policy *pol,
    char no[CASE_NO_LEN + 1])
{
	struct store_visit_offer off[16];
	char other[CASE_NO_LEN + 1], *cause = NULL, sql[300];
	size_t n = 0;
	int full = -1;

	ok(store_visit_offers(src, pol, NOW, off, 16, &n, &cause) == 0 &&
	    n == 3 && strcmp(off[0].date, "2026-12-07") == 0 &&
	    strcmp(off[0].slot->name, "13:00-15:00") == 0 &&
	    strcmp(off[1].slot->name, "16:00-18:00") == 0 &&
	    strcmp(off[2].date, "2026-12-08") == 0 &&
	    strcmp(off[2].slot->name, "09:00-12:00") == 0,
	    "%s: at 10:30 on a Monday: 13:00 and 16:00 today, then "
	    "Tuesday 09:00 (09:00 begun, no Sunday)", l);
	n = 0;
	ok(store_visit_offers(src, pol, "2026-12-07 11:01:00", off, 16, &n,
	    &cause) == 0 && n == 2 &&
	    strcmp(off[0].slot->name, "16:00-18:00") == 0,
	    "%s: at 11:01, 13:00 is within the two hours' lead", l);
	ok(book(src, conf, pol, "2026-12-07", "13:00-15:00", "13800138000",
	    NULL, no, &full, &cause) == 0 && full == 0 &&
	    store_case_no_valid(no), "%s: booked: case %s (%s)", l, no,
	    cause ? cause : "ok");
	snprintf(sql, sizeof sql, "SELECT r.kind || ' ' || v.visit_date || "
	    "' ' || v.slot || ' ' || v.phone || ' ' || v.status || ' ' || "
	    "v.call_ref FROM visits v JOIN requests r ON r.id = v.request_id "
	    "WHERE r.ticket_no = '%s'", no);
	if (strcmp(l, "mariadb") == 0)
		snprintf(sql, sizeof sql, "SELECT CONCAT_WS(' ', r.kind, "
		    "v.visit_date, v.slot, v.phone, v.status, v.call_ref) FROM "
		    "visits v JOIN requests r ON r.id = v.request_id WHERE "
		    "r.ticket_no = '%s'", no);
	is_text(src, sql, "after_sales 2026-12-07 13:00-15:00 13800138000 "
	    "booked L1-1", l, "the visits row of an after-sales case");
	snprintf(sql, sizeof sql, "SELECT c.body FROM outbox o JOIN visits v "
	    "ON v.outbox_id = o.id JOIN outbox_content c ON c.outbox_id = "
	    "o.id WHERE o.channel = 'sms' AND o.recipient = "
	    "'13800138000' AND o.msg_class = 'transactional'");
	{
		char *body = store_test_text(src, sql), want[200];

		snprintf(want, sizeof want, "【好又多】您的上门服务已预约："
		    "12月7日（星期一）13:00-15:00，案件编号 %s。", no);
		ok(body != NULL && strncmp(body, want, strlen(want)) == 0,
		    "%s: the confirmation SMS is in the outbox, the visit "
		    "pointing at it", l);
		if (body == NULL || strncmp(body, want, strlen(want)) != 0)
			tap_diag("got %s", body ? body : "(null)");
		free(body);
	}
	ok(store_test_count(src,
	    "SELECT COUNT(*) FROM outbox WHERE recipient = "
	    "'13800000009'") == 1, "%s: the department's SMS too", l);
	ok(store_test_count(src, "SELECT COUNT(*) FROM requests WHERE "
	    "appointment_confirmed = 1") == 1, "%s: the case's appointment "
	    "confirmed", l);
	n = 0;
	ok(store_visit_offers(src, pol, NOW, off, 16, &n, &cause) == 0 &&
	    n == 2 && strcmp(off[0].slot->name, "16:00-18:00") == 0,
	    "%s: the full slot is no longer offered", l);
	ok(book(src, conf, pol, "2026-12-07", "13:00-15:00", "13900000000",
	    NULL, other, &full, &cause) == -1 && full == 1 &&
	    strstr(cause, "is full") != NULL, "%s: booking it again is "
	    "refused as full", l);
	ok(store_test_count(src, "SELECT COUNT(*) FROM requests") == 1 &&
	    store_test_count(src, "SELECT COUNT(*) FROM outbox") == 2 &&
	    store_test_count(src, "SELECT COUNT(*) FROM visits") == 1,
	    "%s: ... and leaves no case, no visit, no message", l);
	ok(book(src, conf, pol, "2026-12-07", "09:00-12:00", "13900000000",
	    NULL, other, &full, &cause) == -1 && full == 1,
	    "%s: a slot begun is refused", l);
	ok(book(src, conf, pol, "2026-12-09", "09:00-12:00", "13900000000",
	    NULL, other, &full, &cause) == -1 && full == 1,
	    "%s: a slot Wednesday does not have is refused", l);
	ok(book(src, conf, pol, "2026-12-08", "09:00-12:00", "not-a-phone",
	    NULL, other, &full, &cause) == -1 && full == 0 &&
	    strstr(cause, "not a phone number") != NULL,
	    "%s: no number to confirm to: refused", l);
	free(cause);
}

static void
test_change(struct db_source *src, const char *l,
    const struct store_visit_policy *pol, const char *no)
{
	struct store_visit_change ph = { .phone = "13800138000",
	    .call_ref = "L1-2", .now = NOW };
	struct store_visit_change wrong = { .phone = "13900000000",
	    .now = NOW };
	struct store_visit *v = NULL, *all = NULL;
	char *cause = NULL;
	size_t n = 0;
	int full = -1;

	ok(store_visit_get(src, no, "13900000000", &v, &cause) == 0 &&
	    v == NULL, "%s: not found for another number", l);
	ok(store_visit_get(src, no, "13800138000", &v, &cause) == 0 &&
	    v != NULL && strcmp(v->slot, "13:00-15:00") == 0 &&
	    strcmp(v->date, "2026-12-07") == 0, "%s: found for its own", l);
	store_visits_free(v, 1);
	ok(store_visit_move(src, pol, no, "2026-12-08", "09:00-12:00",
	    &wrong, &full, &cause) == -1 && full == 0 &&
	    strstr(cause, "for that number") != NULL,
	    "%s: a move from another number is refused", l);
	free(cause);
	cause = NULL;
	ok(store_visit_move(src, pol, no, "2026-12-08", "09:00-12:00", &ph,
	    &full, &cause) == 0, "%s: moved to Tuesday 09:00 (%s)", l,
	    cause ? cause : "ok");
	ok(store_test_count(src,
	    "SELECT COUNT(*) FROM visits WHERE status = 'moved' "
	    "AND slot = '13:00-15:00'") == 1 &&
	    store_test_count(src,
	    "SELECT COUNT(*) FROM visits WHERE status = 'booked' "
	    "AND slot = '09:00-12:00' AND phone = '13800138000'") == 1,
	    "%s: the old row moved, a new one booked", l);
	ok(store_test_count(src,
	    "SELECT COUNT(*) FROM outbox o JOIN visits v ON "
	    "v.outbox_id = o.id JOIN outbox_content c ON c.outbox_id = o.id "
	    "WHERE v.status = 'booked' AND c.body LIKE "
	    "'%12月8日（星期二）09:00-12:00%'") == 1,
	    "%s: the move's SMS names the new day", l);
	ok(store_visit_move(src, pol, no, "2026-12-07", "13:00-15:00", &ph,
	    &full, &cause) == 0, "%s: the freed slot can be taken again", l);
	ok(store_visit_move(src, pol, no, "2026-12-08", "09:00-12:00", &ph,
	    &full, &cause) == 0, "%s: and moved back", l);
	ok(store_visit_cancel(src, pol, no, &wrong, &cause) == -1,
	    "%s: a cancel from another number is refused", l);
	free(cause);
	cause = NULL;
	ok(store_visit_cancel(src, pol, no, &ph, &cause) == 0,
	    "%s: cancelled by its number (%s)", l, cause ? cause : "ok");
	ok(store_test_count(src, "SELECT COUNT(*) FROM outbox_content WHERE "
	    "body LIKE "
	    "'%12月8日（星期二）09:00-12:00 的上门服务预约已取消%'") == 1,
	    "%s: the cancel's SMS", l);
	ok(store_test_count(src, "SELECT COUNT(*) FROM requests WHERE "
	    "appointment_confirmed = 0 AND appointment_at IS NULL") == 1,
	    "%s: the case has no appointment any more", l);
	ok(store_visit_get(src, no, NULL, &v, &cause) == 0 && v == NULL,
	    "%s: no booked visit left", l);
	ok(store_visit_cancel(src, pol, no, &ph, &cause) == -1 &&
	    strstr(cause, "no home visit booked") != NULL,
	    "%s: cancelling twice is refused", l);
	free(cause);
	cause = NULL;
	ok(store_visit_list(src, "2026-12-08", 1, &all, &n, &cause) == 0 &&
	    n == 2 && strcmp(all[1].status, "cancelled") == 0 &&
	    strcmp(all[1].case_no, no) == 0, "%s: the day's list with "
	    "every status", l);
	store_visits_free(all, n);
	ok(store_visit_list(src, "2026-12-08", 0, &all, &n, &cause) == 0 &&
	    n == 0, "%s: none booked", l);
	store_visits_free(all, n);
	ok(store_test_count(src,
	    "SELECT COUNT(*) FROM case_events WHERE kind = 'note' "
	    "AND detail LIKE 'home visit%'") == 5, "%s: each step in the "
	    "case's events", l);
}

static void
test_purchase(struct db_source *src, const char *l)
{
	struct store_visit_purchase p;
	char *cause = NULL;
	int found = -1;

	ok(store_test_exec(src,
	    "INSERT INTO members (customer_no, name, mobile, "
	    "registered_via, registered_at, updated_at) VALUES ('10000017', "
	    "'张三', '13700000007', 'paper', '2026-01-01 00:00:00', "
	    "'2026-01-01 00:00:00')") == 0 &&
	    store_test_exec(src,
	    "INSERT INTO orders (order_no, member_id, ordered_at, "
	    "slot_date, slot, area, address) SELECT '2612010001', id, "
	    "'2026-12-01 09:00:00', '2026-12-01', '09:00-11:00', '天河', "
	    "'体育西路1号' FROM members WHERE customer_no = '10000017'") == 0 &&
	    store_test_exec(src,
	    "INSERT INTO delivery_slips (slip_no, order_id, "
	    "slot_date, slot, area) SELECT 'S77', id, slot_date, slot, area "
	    "FROM orders WHERE order_no = '2612010001'") == 0,
	    "%s: an order and its slip", l);
	ok(store_visit_purchase(src, "2612010001", &p, &found, &cause) == 0 &&
	    found == 1 && strcmp(p.phone, "13700000007") == 0 &&
	    strcmp(p.member_no, "10000017") == 0, "%s: by order number: the "
	    "member's mobile", l);
	store_visit_purchase_clear(&p);
	ok(store_visit_purchase(src, "S77", &p, &found, &cause) == 0 &&
	    found == 1 && strcmp(p.order_no, "2612010001") == 0,
	    "%s: by slip number: its order", l);
	store_visit_purchase_clear(&p);
	ok(store_visit_purchase(src, "999", &p, &found, &cause) == 0 &&
	    found == 0, "%s: an unknown number finds none", l);
	store_visit_purchase_clear(&p);
	free(cause);
}

static void
test_engine(const char *l, struct conf_datasource *ds)
{
	struct store_visit_policy *pol = NULL;
	struct db_source *src = NULL;
	struct conf *conf;
	char *cause = NULL, no[CASE_NO_LEN + 1];

	if ((conf = load(conf_text, &cause)) == NULL ||
	    store_visit_policy_load(conf, &pol, &cause) == -1 ||
	    store_test_open(ads, ds, sqldir, &src, &cause) == -1) {
		ok(0, "%s: open and init: %s", l, cause);
		free(cause);
		store_visit_policy_free(pol);
		conf_free(conf);
		return;
	}
	test_offers_book(src, l, conf, pol, no);
	test_change(src, l, pol, no);
	test_purchase(src, l);
	store_visit_policy_free(pol);
	conf_free(conf);
	db_source_close(src);
}

int
main(void)
{
	ads = store_test_setup(&sqldir);
	log_set_level(KLOG_WARN);
	test_policy();
	store_test_engines(ads, "v", test_engine);
	store_test_teardown(ads, sqldir);
	return tap_done();
}
