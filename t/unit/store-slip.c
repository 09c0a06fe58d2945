/*
 * store-slip.c: store/slip.c on SQLite, PostgreSQL and MariaDB (the
 * latter two when KEFU_TEST_PG / KEFU_TEST_MARIADB are set): a slot's
 * slips by area with customer, lines, money with two decimals and the
 * courier; orders by number, unknown and cancelled refused; slip numbers
 * issued once; a claim excludes a second print until released, printed
 * or stale; a claim never confirmed makes the slip a reprint.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf/conf.h"
#include "db/db.h"
#include "slip/slip.h"
#include "store/store.h"
#include "util/util.h"
#include "../tap.h"
#include "t/store-engines.h"

static char *sqldir, *fixture;
static struct db_adapters *ads;

static void
test_read(struct db_source *src, const char *l)
{
	struct store_slip *s;
	char *cause = NULL, *nos[2] = { (char *)"O2", (char *)"O9" };
	size_t n;

	ok(store_slip_batch(src, "2026-12-06", "09-11", NULL, 0, &s, &n,
	    &cause) == 0 && n == 3, "%s: three slips in the slot", l);
	if (n == 3) {
		is_str(s[0].order_no, "O1", "%s: 天河 first, by time", l);
		is_str(s[1].order_no, "O5", "%s: then O5", l);
		is_str(s[2].area, "越秀", "%s: then 越秀", l);
		is_str(s[0].slip_no, "20261206000001", "%s: the slip number",
		    l);
		is_str(s[0].courier, "李四", "%s: the courier", l);
		is_str(s[0].name, "张三丰", "%s: the customer", l);
		is_str(s[0].total, "60.30", "%s: the total, two decimals", l);
		ok(s[0].nlines == 2, "%s: two lines", l);
		is_str(s[0].lines[0].price, "49.90", "%s: a price", l);
		is_str(s[0].lines[1].amount, "10.40", "%s: an amount", l);
		is_str(s[0].lines[1].shelf_price, "3.00", "%s: a line bought "
		    "at a special: its shelf price", l);
		ok(s[0].lines[0].shelf_price == NULL, "%s: a line at the "
		    "shelf price has none", l);
		is_str(s[2].phone, "13800138000", "%s: no order phone: the "
		    "member's mobile", l);
		ok(s[2].slip_id == 0 && s[2].slip_no == NULL,
		    "%s: no slip issued yet", l);
	}
	store_slips_free(s, n);
	ok(store_slip_batch(src, "2026-12-06", "09-11", "越秀", 0, &s, &n,
	    &cause) == 0 && n == 1, "%s: one area", l);
	store_slips_free(s, n);
	ok(store_slip_orders(src, nos, 2, &s, &n, &cause) == -1,
	    "%s: an unknown order refused", l);
	like(cause, "there is no order O9", "%s: and named", l);
	free(cause);
	cause = NULL;
	nos[0] = (char *)"O3";
	ok(store_slip_orders(src, nos, 1, &s, &n, &cause) == -1,
	    "%s: a cancelled order refused", l);
	free(cause);
}

/* The slip of one order, read again. */
static struct store_slip *
slip_of(struct db_source *src, const char *no)
{
	struct store_slip *s;
	char *cause = NULL, *nos[1] = { (char *)no };
	size_t n;

	if (store_slip_orders(src, nos, 1, &s, &n, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
		return NULL;
	}
	return s;
}

static void
test_print(struct db_source *src, const char *l)
{
	struct store_slip *s, *b;
	char *cause = NULL, no[STORE_SLIP_NO_MAX];
	int64_t id;
	int got;
	size_t n;

	if ((s = slip_of(src, "O2")) == NULL)
		return;
	ok(store_slip_issue(src, s, &cause) == 0 && s->slip_id != 0 &&
	    strlen(s->slip_no) == 14 && strncmp(s->slip_no, "20261206", 8) ==
	    0, "%s: a slip number issued: %s", l, s->slip_no);
	snprintf(no, sizeof no, "%s", s->slip_no);
	id = s->slip_id;
	store_slips_free(s, 1);
	s = slip_of(src, "O2");
	ok(store_slip_issue(src, s, &cause) == 0 && s->slip_id == id &&
	    strcmp(s->slip_no, no) == 0, "%s: and kept", l);
	ok(store_slip_claim(src, s, "2026-12-06 10:00:00",
	    "2026-12-06 09:50:00", &got, &cause) == 0 && got == 1,
	    "%s: claimed", l);
	ok(store_slip_claim(src, s, "2026-12-06 10:00:01",
	    "2026-12-06 09:50:01", &got, &cause) == 0 && got == 0,
	    "%s: not twice", l);
	ok(store_slip_release(src, s, &cause) == 0 && store_slip_claim(src, s,
	    "2026-12-06 10:00:02", "2026-12-06 09:50:02", &got, &cause) == 0 &&
	    got == 1, "%s: released, claimed again", l);
	ok(store_slip_printed(src, s, "2026-12-06 10:00:03", &cause) == 0 &&
	    s->print_count == 1, "%s: printed once", l);
	ok(store_slip_claim(src, s, "2026-12-06 11:00:00",
	    "2026-12-06 10:59:00", &got, &cause) == 0 && got == 0,
	    "%s: a printed slip is not claimed", l);
	store_slips_free(s, 1);
	s = slip_of(src, "O2");
	ok(s->printed == 1 && s->print_count == 1 && slip_reprint_no(s) == 1,
	    "%s: read back printed; printing it again is reprint 1", l);
	store_slips_free(s, 1);
	ok(store_slip_batch(src, "2026-12-06", "09-11", NULL, 1, &b, &n,
	    &cause) == 0 && n == 2, "%s: two slips left unprinted", l);
	store_slips_free(b, n);

	/* a claim never confirmed */
	s = slip_of(src, "O5");
	ok(store_slip_issue(src, s, &cause) == 0 && store_slip_claim(src, s,
	    "2026-12-06 10:00:00", "2026-12-06 09:50:00", &got, &cause) == 0 &&
	    got == 1, "%s: O5 claimed, never confirmed", l);
	store_slips_free(s, 1);
	s = slip_of(src, "O5");
	ok(s->in_doubt && !s->printed && slip_reprint_no(s) == 1,
	    "%s: O5 in doubt: it would say reprint 1", l);
	ok(store_slip_claim(src, s, "2026-12-06 10:05:00",
	    "2026-12-06 09:55:00", &got, &cause) == 0 && got == 0,
	    "%s: a fresh claim holds", l);
	ok(store_slip_claim(src, s, "2026-12-06 10:20:00",
	    "2026-12-06 10:10:00", &got, &cause) == 0 && got == 1,
	    "%s: a stale one is taken over", l);
	ok(store_slip_release(src, s, &cause) == 0, "%s: released", l);
	store_slips_free(s, 1);
	s = slip_of(src, "O5");
	ok(s->in_doubt, "%s: a slip in doubt stays in doubt when released", l);
	store_slips_free(s, 1);
}

static void
test_engine(const char *l, struct conf_datasource *ds)
{
	struct db_source *src;
	struct db_err err;
	char *cause = NULL, *script = NULL;

	if (file_read(fixture, &script, NULL, &cause) == -1 ||
	    store_test_open(ads, ds, sqldir, &src, &cause) == -1) {
		ok(0, "%s: open and init: %s", l, cause);
		free(cause);
		free(script);
		return;
	}
	ok(db_run_script(src, "INSERT INTO members (customer_no, name, "
	    "mobile, registered_via, registered_at, updated_at) VALUES "
	    "('12345674', '张三丰', '13800138000', 'paper', "
	    "'2026-12-01 00:00:00', '2026-12-01 00:00:00');\n", &err) == 0 &&
	    db_run_script(src, script, &err) == 0, "%s: the orders: %s", l,
	    err.msg);
	free(script);
	test_read(src, l);
	test_print(src, l);
	db_source_close(src);
}

int
main(void)
{
	fixture = xasprintf("%s/t/data/slip/orders.sql",
	    getenv("KEFU_SRCDIR") ? getenv("KEFU_SRCDIR") : ".");
	ads = store_test_setup(&sqldir);
	store_test_engines(ads, "s", test_engine);
	store_test_teardown(ads, sqldir);
	free(fixture);
	return tap_done();
}
