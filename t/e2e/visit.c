/*
 * End-to-end: after-sales home visits (flows/aftersales.xml, choice 3 of
 * the complaint menu, issue 13) through the simulated voice modem into
 * the real line driver, flow interpreter, kefu.visit.* services and the
 * SQLite local store.  "book": a slot filled to its capacity beforehand
 * is not offered; the caller hears every free slot (exactly what
 * kefu.visit.slots returns, said by the say-rules), chooses the first,
 * hears it read back, confirms, and hears the case number; the visits
 * row, the after-sales case and the confirmation SMS in the outbox are
 * checked.  "cancel": a visit booked for the caller's number is found by
 * its case number, read back and cancelled by phone; its row and the
 * cancellation SMS are checked.  Each compares the audio the caller
 * heard with the prompts rendered by svc_render.
 *
 * Each scenario runs in its own process side by side; E2E_ONLY=name
 * runs only those, E2E_DEBUG=1 shows every log.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "svc/svc.h"
#include "conf/conf.h"
#include "line/line.h"
#include "store/store.h"
#include "e2e.h"
#include "../tap.h"

/*
 * What saying a slot plays (as flows/aftersales.xml says it): the day's
 * prompt or the date, from, order.until, to; with key, "press KEY".
 */
static void
when(struct e2e *e, struct flow_prompts *ps, const char *day,
    const char *far, const char *from, const char *to, const char *key)
{
	if (day != NULL)
		e2e_ids(ps, day);
	if (far != NULL)
		e2e_say(e, ps, "zh-CN", "date", far, NULL);
	e2e_say(e, ps, "zh-CN", "time", from, NULL);
	e2e_ids(ps, "order.until");
	e2e_say(e, ps, "zh-CN", "time", to, NULL);
	if (key != NULL) {
		e2e_ids(ps, "order.press");
		e2e_say(e, ps, "zh-CN", "digits", key, NULL);
	}
}

/* Book date slot for phone through the store; the case number in no. */
static int
book(struct e2e *e, const char *date, const char *slot, const char *phone,
    char no[CASE_NO_LEN + 1])
{
	struct store_visit_policy *pol = NULL;
	struct store_visit_new v = { .date = date, .slot = slot,
	    .phone = phone, .staff_no = "007" };
	char *cause = NULL;
	int full = 0, rc = -1;

	if (store_visit_policy_load(e->conf, &pol, &cause) == 0)
		rc = store_visit_book(svc_source(e->svc, "local"), e->conf,
		    pol, &v, no, &full, &cause);
	if (rc == -1)
		tap_diag("book: %s", cause);
	free(cause);
	store_visit_policy_free(pol);
	return rc;
}

/*
 * The first free slot filled at the desk; the caller hears the others,
 * takes the first, hears it read back, confirms with 1 and hears the
 * case number.
 */
static void
sc_book(struct e2e *e)
{
	const char *f = e->family, *mobile = "13800138000";
	struct flow_rows rows = { 0 };
	struct flow_prompts ps = { NULL, 0 };
	char full_date[11] = "", full_slot[16] = "", no[CASE_NO_LEN + 1];
	char sl[16], *s, *n2;
	size_t i, seg;

	ok(e2e_map(e, "kefu.visit.slots", NULL, 0, &rows) == FLOW_Q_FOUND &&
	    rows.nrows > 1, "%s: free slots to start with (%zu)", f,
	    rows.nrows);
	if (rows.nrows < 2)
		goto out;
	snprintf(full_date, sizeof full_date, "%s",
	    e2e_col(&rows, 0, "slot_date"));
	snprintf(full_slot, sizeof full_slot, "%s-%s",
	    e2e_col(&rows, 0, "slot_from"), e2e_col(&rows, 0, "slot_to"));
	ok(book(e, full_date, full_slot, "13900000001", no) == 0 &&
	    book(e, full_date, full_slot, "13900000002", no) == 0,
	    "%s: the desk books %s %s twice: full (capacity 2)", f,
	    full_date, full_slot);
	flow_rows_clear(&rows);
	ok(e2e_map(e, "kefu.visit.slots", NULL, 0, &rows) == FLOW_Q_FOUND,
	    "%s: the slots now free", f);
	for (i = 0; i < rows.nrows; i++) {
		snprintf(sl, sizeof sl, "%s-%s", e2e_col(&rows, i,
		    "slot_from"), e2e_col(&rows, i, "slot_to"));
		if (strcmp(e2e_col(&rows, i, "slot_date"), full_date) == 0 &&
		    strcmp(sl, full_slot) == 0)
			break;
	}
	ok(rows.nrows > 0 && i == rows.nrows, "%s: the full slot is not "
	    "among them", f);
	if (rows.nrows == 0)
		goto out;

	ok(e2e_ring(e, mobile) == 0, "%s: call answered", f);
	ok(e2e_keys(e, 0, "6") == 0 && e2e_keys(e, 1, "3") == 0 &&
	    e2e_seg_ids(e, 1, "case.kind_complaint case.kind_suggestion "
	    "case.kind_after_sales menu.back", E2E_CUT) == 0,
	    "%s: 6 during the greeting; the complaint menu; 3 (after-sales)",
	    f);
	ok(e2e_keys(e, 2, "2") == 0 && e2e_seg_ids(e, 2, "as.menu_faq "
	    "as.menu_visit as.menu_change as.menu_remote as.menu_message "
	    "menu.back", E2E_CUT) == 0, "%s: the after-sales menu; 2 (a "
	    "home visit)", f);
	ok(e2e_keys(e, 3, "#") == 0 && e2e_seg_ids(e, 3, "as.ask_purchase",
	    E2E_CUT) == 0, "%s: asked for an order number; # for none", f);
	ok(e2e_keys(e, 4, "1") == 0 && e2e_seg_ids(e, 4, "as.phone_this "
	    "as.phone_other", E2E_CUT) == 0, "%s: 1: the SMS to the caller "
	    "ID", f);
	ok(e2e_seg_ids(e, 5, "as.slots", E2E_WHOLE) == 0, "%s: as.slots", f);
	for (i = 0, seg = 6; i < rows.nrows && i < 9; i++, seg++) {
		when(e, &ps, e2e_col(&rows, i, "slot_day"), e2e_col(&rows, i,
		    "slot_far"), e2e_col(&rows, i, "slot_from"),
		    e2e_col(&rows, i, "slot_to"), e2e_col(&rows, i,
		    "slot_key"));
		ok(e2e_seg_is(e, seg, &ps) == 0, "%s: slot %zu exactly as said "
		    "(%s %s-%s)", f, i + 1, e2e_col(&rows, i, "slot_date"),
		    e2e_col(&rows, i, "slot_from"), e2e_col(&rows, i,
		    "slot_to"));
	}
	ok(e2e_keys(e, seg, "1") == 0 && e2e_seg_ids(e, seg, "as.ask_slot",
	    E2E_CUT) == 0, "%s: as.ask_slot; 1", f);
	e2e_ids(&ps, "as.you_chose");
	when(e, &ps, e2e_col(&rows, 0, "slot_day"), e2e_col(&rows, 0,
	    "slot_far"), e2e_col(&rows, 0, "slot_from"), e2e_col(&rows, 0,
	    "slot_to"), NULL);
	ok(e2e_seg_is(e, seg + 1, &ps) == 0, "%s: the first slot read back, "
	    "exactly", f);
	ok(e2e_keys(e, seg + 2, "1") == 0 && e2e_seg_ids(e, seg + 2,
	    "as.ask_confirm", E2E_CUT) == 0, "%s: as.ask_confirm; 1 confirms",
	    f);
	e2e_wait_seg(e, seg + 3, E2E_SEG_MS);
	s = e2e_text(e, "SELECT ticket_no FROM requests r JOIN visits v ON "
	    "v.request_id = r.id WHERE v.phone = ?", mobile);
	ok(s != NULL && store_case_no_valid(s), "%s: case %s", f,
	    s ? s : "none");
	e2e_ids(&ps, "as.booked");
	if (s != NULL)
		e2e_say(e, &ps, "zh-CN", "digits", s, NULL);
	e2e_ids(&ps, "as.sms_sent");
	ok(e2e_seg_is(e, seg + 3, &ps) == 0, "%s: as.booked, the case number "
	    "digit by digit, as.sms_sent: exactly", f);
	ok(e2e_leave(e, seg + 4, "menu.price") == 0, "%s: back at the main "
	    "menu; the caller hangs up", f);
	n2 = e2e_text(e, "SELECT v.visit_date || ' ' || v.slot || ' ' || "
	    "v.status || ' ' || r.kind || ' ' || r.caller_id FROM visits v "
	    "JOIN requests r ON r.id = v.request_id WHERE v.phone = ?",
	    mobile);
	snprintf(sl, sizeof sl, "%s-%s", e2e_col(&rows, 0, "slot_from"),
	    e2e_col(&rows, 0, "slot_to"));
	{
		char want[120];

		snprintf(want, sizeof want, "%s %s booked after_sales %s",
		    e2e_col(&rows, 0, "slot_date"), sl, mobile);
		is_str(n2, want, "%s: the visits row of the slot chosen, an "
		    "after-sales case", f);
	}
	free(n2);
	n2 = e2e_text(e, "SELECT o.channel || ' ' || o.msg_class || ' ' || "
	    "c.body FROM outbox o JOIN visits v ON v.outbox_id = o.id JOIN "
	    "outbox_content c ON c.outbox_id = o.id WHERE o.recipient = ?",
	    mobile);
	ok(n2 != NULL && strncmp(n2, "sms transactional 您的上门服务已预约：",
	    strlen("sms transactional 您的上门服务已预约：")) == 0 &&
	    s != NULL && strstr(n2, s) != NULL && strstr(n2, sl) != NULL,
	    "%s: the confirmation SMS to the caller names the slot and the "
	    "case: %s", f, n2 ? n2 : "none");
	free(n2);
	n2 = e2e_text(e, "SELECT call_ref FROM visits WHERE phone = ?",
	    mobile);
	ok(n2 != NULL && strncmp(n2, "1-", 2) == 0, "%s: with the call's "
	    "reference (%s)", f, n2 ? n2 : "none");
	free(n2);
	free(s);
out:
	flow_rows_clear(&rows);
}

/* A visit booked for the caller's number, cancelled by phone. */
static void
sc_cancel(struct e2e *e)
{
	const char *f = e->family, *mobile = "13700000003";
	struct flow_rows rows = { 0 };
	struct flow_prompts ps = { NULL, 0 };
	char no[CASE_NO_LEN + 1] = "", slot[16];
	char *s;

	ok(e2e_map(e, "kefu.visit.slots", NULL, 0, &rows) == FLOW_Q_FOUND &&
	    rows.nrows > 0, "%s: a free slot", f);
	if (rows.nrows == 0)
		goto out;
	snprintf(slot, sizeof slot, "%s-%s", e2e_col(&rows, 0, "slot_from"),
	    e2e_col(&rows, 0, "slot_to"));
	ok(book(e, e2e_col(&rows, 0, "slot_date"), slot, mobile, no) == 0,
	    "%s: a visit booked for %s: case %s", f, mobile, no);
	ok(e2e_ring(e, mobile) == 0, "%s: call answered", f);
	ok(e2e_keys(e, 0, "6") == 0 && e2e_keys(e, 1, "3") == 0 &&
	    e2e_keys(e, 2, "3") == 0 && e2e_seg_ids(e, 2, "as.menu_faq",
	    E2E_CUT) == 0, "%s: 6, 3 after-sales, 3 cancel or move", f);
	ok(e2e_keys(e, 3, no) == 0 && e2e_seg_ids(e, 3, "as.ask_case",
	    E2E_CUT) == 0, "%s: as.ask_case; the case number typed", f);
	e2e_ids(&ps, "as.current");
	when(e, &ps, e2e_col(&rows, 0, "slot_day"), e2e_col(&rows, 0,
	    "slot_far"), e2e_col(&rows, 0, "slot_from"), e2e_col(&rows, 0,
	    "slot_to"), NULL);
	ok(e2e_seg_is(e, 4, &ps) == 0, "%s: the visit read back, exactly", f);
	ok(e2e_keys(e, 5, "1") == 0 && e2e_seg_ids(e, 5, "as.change_cancel "
	    "as.change_move as.back", E2E_CUT) == 0, "%s: 1 cancels", f);
	ok(e2e_seg_ids(e, 6, "as.cancelled", E2E_WHOLE) == 0,
	    "%s: exactly as.cancelled", f);
	ok(e2e_leave(e, 7, "menu.price") == 0, "%s: back at the main menu; the "
	    "caller hangs up", f);
	s = e2e_text(e, "SELECT v.status || ' ' || COALESCE(v.changed_by, "
	    "'caller') FROM visits v JOIN requests r ON r.id = v.request_id "
	    "WHERE r.ticket_no = ?", no);
	is_str(s, "cancelled caller", "%s: the visit cancelled by the "
	    "caller", f);
	free(s);
	s = e2e_text(e, "SELECT body FROM outbox JOIN outbox_content ON "
	    "outbox_id = id WHERE idem_key LIKE 'visit:%:cancelled' AND "
	    "recipient = ?", mobile);
	ok(s != NULL && strstr(s, "的上门服务预约已取消") != NULL &&
	    strstr(s, no) != NULL, "%s: the cancellation SMS: %s", f,
	    s ? s : "none");
	free(s);
out:
	flow_rows_clear(&rows);
}

/* ---- running the scenarios side by side (e2e_scenarios) ---- */

static const struct e2e_scenario scenarios[] = {
	{ "book", MSIM_CONEXANT, { sc_book }, 0 },
	{ "cancel", MSIM_USR, { sc_cancel }, 0 },
};

/*
 * Three slots every day, today's and tomorrow's offered: a short list
 * ("today", "tomorrow" rather than dates), never empty.  The services
 * read [visits] from the service's conf at each query.
 */
static void
visits_conf(struct e2e *e)
{
	int d;

	for (d = 0; d < 7; d++) {
		free(e->conf->visit_slots[d]);
		e->conf->visit_slots[d] = xstrdup("09:00-10:00/2, "
		    "13:00-14:00/2, 19:00-20:00/2");
	}
	e->conf->visit_days = 1;
}

static void
check(int pass, const char *what)
{
	ok(pass, "%s", what);
}

int
main(void)
{
	static const struct e2e_runner r = { .tag = "e2e-visit",
	    .check = check, .done = tap_done, .setup = visits_conf };

	/*
	 * The slots are read before the call and heard in it ("today",
	 * "tomorrow"): at 15:00 no day nor slot changes for two hours
	 * (the next is 17:00, when 19:00 comes within visit-lead).
	 */
	tap_hour(15, 0);
	if (e2e_scenarios(&r, scenarios, nitems(scenarios)) == -1)
		return 1;
	return tap_done();
}
