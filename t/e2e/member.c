/*
 * End-to-end: the members' phone services (flows/member.xml and the
 * identify sub-flow, issue 11) through the simulated voice modem into
 * the real line driver, flow interpreter, built-in services and SQLite
 * local store: registration by phone with the caller ID (the new number
 * read back digit by digit, and again on request; a members row with
 * SMS specials only), identification by caller ID and PIN, SMS specials
 * subscribed then cancelled (two consent_ledger rows with the call's
 * reference), a PIN changed by phone and the new one identifying, and
 * five wrong PINs locking the member (the sixth refused though right).
 * Each check compares the audio the caller heard with the prompts
 * rendered by svc_render, and the store's rows.
 *
 * As in services.c, each scenario runs in its own process side by side;
 * E2E_ONLY=name,name runs only those, E2E_DEBUG=1 shows every log.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "svc/svc.h"
#include "line/line.h"
#include "store/store.h"
#include "e2e.h"
#include "../tap.h"

/* Compare segment seg, whole, with ids then value said as `as`. */
static int
seg_say(struct e2e *e, size_t seg, const char *list, const char *as,
    const char *value)
{
	struct flow_prompts ps = { NULL, 0 };

	e2e_ids(&ps, list);
	if (value == NULL || e2e_say(e, &ps, "zh-CN", as, value, NULL) == -1) {
		flow_prompts_clear(&ps);
		return -1;
	}
	return e2e_seg_is(e, seg, &ps);
}

/* A member on paper with mobile and PIN and no service; number in no. */
static int
add_member(struct e2e *e, const char *mobile, const char *pin,
    char no[MEMBER_NO_LEN + 1])
{
	struct store_member_new m = { .f = { .name = "李四",
	    .mobile = mobile }, .via = "paper", .services = 0, .pin = pin };
	struct store_member_actor a = { .via = "staff" };
	struct store_member_policy pol = STORE_MEMBER_POLICY_DEFAULT;
	char *cause = NULL;

	if (store_member_add(svc_source(e->svc, "local"), &m, &a, &pol, no,
	    &cause) == -1) {
		tap_diag("add member: %s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/*
 * Register with the caller ID as the mobile: the caller ID said back,
 * 1 to take it, the PIN twice, the number read back digit by digit, 1
 * to hear it again, * back to the members' menu.
 */
static void
sc_register(struct e2e *e)
{
	const char *f = e->family, *mobile = "13800138000";
	char *no = NULL, *s;

	ok(e2e_ring(e, mobile) == 0, "%s: call answered", f);
	ok(e2e_keys(e, 0, "4") == 0 && e2e_keys(e, 1, "1") == 0 &&
	    e2e_seg_ids(e, 1, "member.menu", E2E_CUT) == 0,
	    "%s: 4 during the greeting, then the members' menu; 1 "
	    "(register) during it", f);
	ok(seg_say(e, 2, "reg.caller_is", "phone", mobile) == 0,
	    "%s: exactly reg.caller_is and the caller ID said as a phone "
	    "number", f);
	ok(e2e_keys(e, 3, "1") == 0 && e2e_seg_ids(e, 3, "reg.use_caller",
	    E2E_CUT) == 0, "%s: reg.use_caller; 1 takes the caller ID", f);
	ok(e2e_keys(e, 4, "739146#") == 0 && e2e_seg_ids(e, 4, "reg.ask_pin",
	    E2E_CUT) == 0, "%s: reg.ask_pin; the PIN typed", f);
	ok(e2e_keys(e, 5, "739146#") == 0 && e2e_seg_ids(e, 5,
	    "reg.ask_pin_again", E2E_CUT) == 0,
	    "%s: reg.ask_pin_again; the same PIN", f);
	ok(e2e_seg_ids(e, 6, "reg.done", E2E_WHOLE) == 0,
	    "%s: exactly reg.done", f);
	no = e2e_text(e, "SELECT customer_no FROM members WHERE mobile = ?",
	    mobile);
	ok(no != NULL && store_member_no_valid(no), "%s: a member with the "
	    "caller's mobile, number %s (check digit right)", f, no ? no :
	    "none");
	ok(seg_say(e, 7, "reg.your_no", "digits", no) == 0,
	    "%s: exactly reg.your_no and the number digit by digit", f);
	ok(e2e_keys(e, 8, "1") == 0 && e2e_seg_ids(e, 8, "reg.repeat",
	    E2E_CUT) == 0, "%s: reg.repeat; 1 to hear it again", f);
	ok(seg_say(e, 9, "reg.your_no", "digits", no) == 0,
	    "%s: the number again, exactly", f);
	ok(e2e_keys(e, 10, "*") == 0 && e2e_seg_ids(e, 10, "reg.repeat",
	    E2E_CUT) == 0, "%s: reg.repeat; * to go back", f);
	ok(e2e_leave(e, 11, "member.menu") == 0,
	    "%s: the members' menu; the caller hangs up", f);
	is_int(e2e_count(e, "SELECT COUNT(*) FROM members WHERE mobile = ? "
	    "AND registered_via = 'phone' AND status = 'active' AND pin_hash "
	    "LIKE 'pbkdf2-sha256$%'", mobile), 1,
	    "%s: one members row, via phone, with a PIN hash", f);
	s = e2e_text(e, "SELECT group_concat(service) FROM member_services "
	    "WHERE enabled = 1 AND member_id = (SELECT id FROM members WHERE "
	    "customer_no = ?)", no);
	is_str(s, "sms", "%s: SMS specials only: no phone ordering, no "
	    "e-mail", f);
	free(s);
	s = e2e_text(e, "SELECT action || ' ' || via || ' ' || address FROM "
	    "consent_ledger WHERE member_id = (SELECT id FROM members WHERE "
	    "customer_no = ?)", no);
	is_str(s, "subscribe phone 13800138000", "%s: the SMS consent in the "
	    "ledger, by phone, for the mobile", f);
	free(s);
	s = e2e_text(e, "SELECT call_ref FROM consent_ledger WHERE member_id "
	    "= (SELECT id FROM members WHERE customer_no = ?)", no);
	ok(s != NULL && strncmp(s, "1-", 2) == 0 && strlen(s) > 12,
	    "%s: with the call's reference (%s: line 1, the time)", f,
	    s ? s : "none");
	free(s);
	s = e2e_last_queries(e, 0);
	like(s, "kefu.member.register(mobile=13800138000 pin=*** pin2=*** "
	    "lang=zh-CN call=1-", "%s: the call log has the query, PINs "
	    "hidden", f);
	ok(s != NULL && strstr(s, "739146") == NULL, "%s: no PIN in the call "
	    "log", f);
	free(s);
	free(no);
}

/*
 * Identified by caller ID and PIN; SMS specials subscribed then
 * cancelled in one call; the PIN changed by phone; the old PIN wrong
 * and the new one right in the next call.
 */
static void
sc_identify(struct e2e *e)
{
	const char *f = e->family, *mobile = "13900000001";
	char no[MEMBER_NO_LEN + 1] = "", *s, *ref;

	ok(add_member(e, mobile, "2468", no) == 0, "%s: a member on paper, "
	    "no services yet", f);
	ok(e2e_ring(e, mobile) == 0, "%s: call from the member's mobile", f);
	ok(e2e_keys(e, 0, "4") == 0 && e2e_keys(e, 1, "3") == 0,
	    "%s: 4, then 3 (subscribe SMS specials)", f);
	ok(e2e_keys(e, 2, "2468#") == 0 && e2e_seg_ids(e, 2, "member.ask_pin",
	    E2E_CUT) == 0, "%s: recognised by caller ID: only the PIN "
	    "asked", f);
	ok(e2e_seg_ids(e, 3, "sms.subscribed", E2E_WHOLE) == 0,
	    "%s: exactly sms.subscribed", f);
	ok(e2e_keys(e, 4, "4") == 0 && e2e_seg_ids(e, 4, "member.menu",
	    E2E_CUT) == 0,
	    "%s: the members' menu; 4 (cancel)", f);
	ok(e2e_seg_ids(e, 5, "sms.cancelled", E2E_WHOLE) == 0,
	    "%s: exactly sms.cancelled, without a second PIN", f);
	ok(e2e_leave(e, 6, "member.menu") == 0,
	    "%s: the caller hangs up in the menu", f);
	ref = e2e_text(e, "SELECT call_ref FROM consent_ledger WHERE "
	    "action = 'subscribe' AND via = 'phone' AND address = ?", mobile);
	ok(ref != NULL && strncmp(ref, "1-", 2) == 0, "%s: the subscription "
	    "has the call's reference (%s)", f, ref ? ref : "none");
	s = e2e_text(e, "SELECT group_concat(action, ',') FROM (SELECT action "
	    "FROM consent_ledger WHERE call_ref = ? AND via = 'phone' AND "
	    "service = 'sms' ORDER BY id)", ref ? ref : "");
	is_str(s, "subscribe,unsubscribe", "%s: two ledger rows with that "
	    "reference: subscribe, then unsubscribe", f);
	free(s);
	free(ref);
	s = e2e_last_queries(e, 0);
	like(s, "kefu.member.find(caller=13900000001)=ok;kefu.member.identify("
	    "no=", "%s: found by caller ID, then identified", f);
	like(s, "pin=***)=ok;kefu.member.subscribe(", "%s: the PIN hidden", f);
	ok(s != NULL && strstr(s, "2468") == NULL, "%s: no PIN in the call "
	    "log", f);
	free(s);

	ok(e2e_ring(e, mobile) == 0, "%s: the next call", f);
	ok(e2e_keys(e, 0, "4") == 0 && e2e_keys(e, 1, "2") == 0 &&
	    e2e_keys(e, 2, "2468#") == 0,
	    "%s: 4, 2 (change details), the PIN", f);
	ok(e2e_keys(e, 3, "3") == 0 && e2e_seg_ids(e, 3, "member.change_menu",
	    E2E_CUT) == 0, "%s: identified: the change menu; 3 (PIN)", f);
	ok(e2e_keys(e, 4, "97531#") == 0 && e2e_seg_ids(e, 4,
	    "member.ask_new_pin", E2E_CUT) == 0 &&
	    e2e_keys(e, 5, "97531#") == 0 &&
	    e2e_seg_ids(e, 5, "reg.ask_pin_again", E2E_CUT) == 0,
	    "%s: the new PIN, twice", f);
	ok(e2e_seg_ids(e, 6, "member.changed", E2E_WHOLE) == 0,
	    "%s: exactly member.changed", f);
	ok(e2e_leave(e, 7, "member.change_menu") == 0, "%s: the caller hangs "
	    "up", f);

	ok(e2e_ring(e, mobile) == 0, "%s: a third call", f);
	ok(e2e_keys(e, 0, "4") == 0 && e2e_keys(e, 1, "2") == 0 &&
	    e2e_keys(e, 2, "2468#") == 0, "%s: the old PIN", f);
	ok(e2e_seg_ids(e, 3, "member.wrong_pin", E2E_WHOLE) == 0,
	    "%s: exactly member.wrong_pin", f);
	ok(e2e_keys(e, 4, "97531#") == 0 && e2e_seg_ids(e, 4, "member.ask_pin",
	    E2E_CUT) == 0, "%s: asked again; the new PIN", f);
	ok(e2e_leave(e, 5, "member.change_menu") == 0, "%s: identified: the "
	    "change menu", f);
	s = e2e_last_col(e, "path");
	like(s, "identify:check_known identify:wrong_pin identify:known_pin "
	    "identify:check_known identify:done", "%s: path: wrong, then "
	    "right", f);
	free(s);
	is_int(e2e_count(e, "SELECT pin_failures FROM members WHERE "
	    "customer_no = ?", no), 0, "%s: the right PIN started the count "
	    "over", f);
}

/*
 * Five wrong PINs lock the member, said at the fifth; in the next call
 * even the right PIN is refused.
 */
static void
sc_lockout(struct e2e *e)
{
	const char *f = e->family, *mobile = "13700000007";
	static const char *const wrong[] = { "0000#", "0001#", "0002#",
	    "0003#", "0004#" };
	char no[MEMBER_NO_LEN + 1] = "", *s;
	size_t i, seg;
	int bad = 0;

	ok(add_member(e, mobile, "1357", no) == 0, "%s: a member", f);
	ok(e2e_ring(e, mobile) == 0, "%s: call answered", f);
	ok(e2e_keys(e, 0, "4") == 0 && e2e_keys(e, 1, "2") == 0, "%s: 4, 2", f);
	for (i = 0, seg = 2; i < nitems(wrong); i++, seg += 2) {
		if (e2e_keys(e, seg, wrong[i]) == -1 || e2e_seg_ids(e, seg,
		    "member.ask_pin", E2E_CUT) == -1)
			bad++;
		if (i + 1 < nitems(wrong) && e2e_seg_ids(e, seg + 1,
		    "member.wrong_pin", E2E_WHOLE) == -1)
			bad++;
	}
	is_int(bad, 0, "%s: four wrong PINs, each answered with exactly "
	    "member.wrong_pin and asked again; a fifth", f);
	ok(e2e_seg_ids(e, 11, "member.locked", E2E_WHOLE) == 0,
	    "%s: the fifth: exactly member.locked", f);
	ok(e2e_leave(e, 12, "member.menu") == 0,
	    "%s: not identified: back in the members' menu", f);
	is_int(e2e_count(e, "SELECT pin_failures FROM members WHERE "
	    "customer_no = ?", no), 5, "%s: five wrong PINs counted", f);
	is_int(e2e_count(e, "SELECT COUNT(*) FROM members WHERE customer_no "
	    "= ? AND locked_until IS NOT NULL", no), 1, "%s: locked until the "
	    "cool-down ends", f);

	ok(e2e_ring(e, mobile) == 0, "%s: the next call", f);
	ok(e2e_keys(e, 0, "4") == 0 && e2e_keys(e, 1, "2") == 0 &&
	    e2e_keys(e, 2, "1357#") == 0, "%s: 4, 2, the right PIN", f);
	ok(e2e_seg_ids(e, 3, "member.locked", E2E_WHOLE) == 0,
	    "%s: the sixth, though right: exactly member.locked", f);
	ok(e2e_leave(e, 4, "member.menu") == 0,
	    "%s: back in the menu", f);
	s = e2e_last_queries(e, 0);
	like(s, "kefu.member.identify(no=", "%s: the identify query", f);
	free(s);
	s = e2e_last_col(e, "path");
	like(s, "identify:known_pin identify:check_known identify:locked "
	    "identify:fail", "%s: the path: locked, not identified", f);
	free(s);
	is_int(e2e_count(e, "SELECT pin_failures FROM members WHERE "
	    "customer_no = ?", no), 5, "%s: a PIN not even tried is not "
	    "counted", f);
}

/* ---- running the scenarios side by side (e2e_scenarios) ---- */

static const struct e2e_scenario scenarios[] = {
	{ "register", MSIM_CONEXANT, { sc_register }, 0 },
	{ "identify", MSIM_USR, { sc_identify }, 0 },
	{ "lockout", MSIM_CONEXANT, { sc_lockout }, 0 },
};

static void
check(int pass, const char *what)
{
	ok(pass, "%s", what);
}

int
main(void)
{
	static const struct e2e_runner r = { .tag = "e2e-member",
	    .check = check, .done = tap_done };

	if (e2e_scenarios(&r, scenarios, nitems(scenarios)) == -1)
		return 1;
	return tap_done();
}
