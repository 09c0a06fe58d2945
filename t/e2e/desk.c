/*
 * End-to-end: the service desk's work by phone (issue 13) through the
 * simulated voice modem into the real line driver, flow interpreter,
 * built-in services and the SQLite local store.  "complaint": a caller
 * leaves a complaint for the department of key 1 (flows/complaint.xml):
 * the message the modem streams (AT+VRX) is kept as a WAV of its length,
 * the case is routed to the department, whose person in charge is told
 * by SMS through the outbox; the caller hears the case number; the desk
 * then answers by SMS (the outbox row to the caller) and closes the case.
 * "schedule": a staff member's number and PIN (flows/staff.xml), then
 * the work schedule heard exactly as catalog.schedule returns it, the
 * lookup audited.  "lockout": three wrong PINs lock the staff number
 * (staff_access), the third heard as staff.locked; a later call with the
 * right PIN hears staff.locked again.  "notice": desk staff record a
 * notice on the staff menu, valid from today for 7 days; the next caller
 * hears it under 门店公告, the very recording.  Each compares the audio
 * the caller heard with the prompts rendered by svc_render.
 *
 * Each scenario runs in its own process side by side (e2e_jobs), the
 * prompts at twice real time (keys come half a second into prompts of
 * three seconds or more: margin under a loaded ASan run); E2E_ONLY=name
 * runs only those, E2E_DEBUG=1 shows every log.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svc/svc.h"
#include "conf/conf.h"
#include "line/line.h"
#include "store/store.h"
#include "e2e.h"
#include "../tap.h"

#define DEPT_SMS "13800000001"  /* the department's person in charge */
#define STAFF_PIN "482913"

/* [department service]: key 1, complaints, told by SMS. */
static void
desk_department(struct conf *conf)
{
	struct conf_department *d;

	conf->depts = xrealloc(conf->depts, (conf->ndepts + 1) *
	    sizeof *conf->depts);
	d = &conf->depts[conf->ndepts++];
	memset(d, 0, sizeof *d);
	d->name = xstrdup("service");
	d->title = xstrdup("客服部");
	d->key = xstrdup("1");
	d->kinds = xstrdup("complaint,suggestion");
	d->sms = xstrdup(DEPT_SMS);
}

/* The length of a WAV file in ms by soxi (-1: none or not audio). */
static long
desk_wav_ms(const char *path)
{
	char cmd[1200], out[64] = "";
	FILE *fp;
	double s;

	snprintf(cmd, sizeof cmd, "soxi -D '%s' 2>/dev/null", path);
	if ((fp = popen(cmd, "r")) == NULL)
		return -1;
	if (fgets(out, sizeof out, fp) == NULL)
		out[0] = '\0';
	if (pclose(fp) != 0 || sscanf(out, "%lf", &s) != 1)
		return -1;
	return (long)(s * 1000 + 0.5);
}

/*
 * Once segment seg (the record prompt) has started, queue len bytes the
 * caller says; once the recording (AT+VRX) has streamed them, press #.
 * kefu judges silence by its clock while the simulator streams at 16
 * times real time: 5 s of silence would record 80 s of it.
 */
static int
desk_say(struct e2e *e, size_t seg, const uint8_t *audio, size_t len)
{
	struct msim_stats st;
	uint64_t from;
	int i;

	if (audio == NULL || e2e_wait_seg(e, seg, E2E_SEG_MS) == -1)
		return -1;
	msim_stats(e->sim, &st);
	from = st.vrx_bytes;
	if (msim_feed(e->sim, audio, len) == -1 ||
	    msim_wait_state(e->sim, MSIM_VRX, E2E_SEG_MS) == -1) {
		tap_diag("%s: no recording began", e->family);
		return -1;
	}
	/* the stream is the event: poll its count (up to 20 s) */
	for (i = 0; i < 2000; i++) {
		msim_stats(e->sim, &st);
		if (st.vrx_bytes >= from + len)
			return msim_dtmf(e->sim, "#", 0);
		usleep(10000);
	}
	tap_diag("%s: %llu of %zu bytes streamed", e->family,
	    (unsigned long long)(st.vrx_bytes - from), len);
	return -1;
}

/* Answer case no by SMS as staff 1001, then close it; 0 or -1. */
static int
desk_answer(struct e2e *e, const char *no, const char *text, int64_t *oid)
{
	struct store_case_reply r = { .sms = text };
	struct store_case_actor a = { .staff_no = "1001" };
	struct db_source *src = svc_source(e->svc, "local");
	char *cause = NULL;

	if (store_case_reply(src, no, &r, &a, oid, &cause) == -1 ||
	    store_case_close(src, no, NULL, &a, &cause) == -1) {
		tap_diag("case %s: %s", no, cause);
		free(cause);
		return -1;
	}
	return 0;
}

/*
 * A complaint for department 1, its message a prompt the caller "says"
 * (rendered in the line's format, streamed by the modem), sent, the
 * caller ID as the call-back number; the case number heard.
 */
static void
sc_complaint(struct e2e *e)
{
	const char *f = e->family, *mobile = "13912345678";
	const char *reply = "您的投诉已处理，谢谢。";
	struct flow_prompts ps = { NULL, 0 };
	uint8_t *said = NULL;
	size_t saidlen = 0;
	long said_ms, ms, wav_ms;
	int64_t oid = -1;
	char *no, *s, idem[40];
	int rc;

	e2e_ids(&ps, "case.thanks");
	rc = e2e_render(e, "zh-CN", ps.v, ps.n, &said, &saidlen);
	ok(rc == 0 && saidlen > E2E_BYTES_S, "%s: the message to say (%zu "
	    "bytes)", f, saidlen);
	flow_prompts_clear(&ps);
	said_ms = (long)(saidlen * 1000 / E2E_BYTES_S);
	ok(e2e_ring(e, mobile) == 0, "%s: call answered", f);
	ok(e2e_keys(e, 0, "6") == 0 && e2e_keys(e, 1, "1") == 0 &&
	    e2e_seg_ids(e, 1, "case.kind_complaint case.kind_suggestion "
	    "case.kind_after_sales menu.back", E2E_CUT) == 0,
	    "%s: 6 during the greeting; the complaint menu; 1 (complaint)", f);
	ok(e2e_keys(e, 2, "1") == 0 && e2e_seg_ids(e, 2,
	    "case.ask_department", E2E_CUT) == 0, "%s: asked for a "
	    "department; 1", f);
	ok(desk_say(e, 3, said, saidlen) == 0, "%s: the message said after "
	    "the beep, then #", f);
	free(said);
	ok(e2e_seg_ids(e, 3, "msg.record", E2E_WHOLE) == 0,
	    "%s: exactly msg.record before it", f);
	ok(e2e_keys(e, 4, "3") == 0 && e2e_seg_ids(e, 4, "case.review_listen "
	    "case.review_again case.review_send", E2E_CUT) == 0,
	    "%s: listen, again or send; 3 sends", f);
	ok(e2e_keys(e, 5, "1") == 0 && e2e_seg_ids(e, 5, "case.callback_this "
	    "case.callback_other case.callback_none", E2E_CUT) == 0,
	    "%s: a number to call back; 1: the caller ID", f);
	e2e_wait_seg(e, 6, E2E_SEG_MS);
	no = e2e_text(e, "SELECT ticket_no FROM requests WHERE caller_id = ?",
	    mobile);
	ok(no != NULL && store_case_no_valid(no), "%s: case %s", f,
	    no ? no : "none");
	e2e_ids(&ps, "case.created");
	if (no != NULL)
		e2e_say(e, &ps, "zh-CN", "digits", no, NULL);
	e2e_ids(&ps, "case.thanks");
	ok(e2e_seg_is(e, 6, &ps) == 0, "%s: case.created, the case number "
	    "digit by digit, case.thanks: exactly", f);
	ok(e2e_leave(e, 7, "menu.price") == 0, "%s: back at the main menu; "
	    "the caller hangs up", f);
	if (no == NULL)
		return;

	s = e2e_text(e, "SELECT kind || ' ' || caller_id || ' ' || "
	    "callback_phone || ' ' || department || ' ' || status FROM "
	    "requests WHERE ticket_no = ?", no);
	is_str(s, "complaint 13912345678 13912345678 service new",
	    "%s: the case: a complaint, the caller, call-back number, "
	    "routed to department service", f);
	free(s);
	s = e2e_text(e, "SELECT voice_path FROM requests WHERE ticket_no = ?",
	    no);
	ms = (long)e2e_count(e, "SELECT voice_ms FROM requests WHERE "
	    "ticket_no = ?", no);
	wav_ms = s != NULL ? desk_wav_ms(s) : -1;
	ok(s != NULL && access(s, R_OK) == 0 && wav_ms >= 0, "%s: the "
	    "recording is a WAV file sox reads: %s", f, s ? s : "none");
	/* what the modem streamed before the # was seen may be kept */
	ok(ms >= said_ms - 200 && ms <= said_ms + 2000 &&
	    labs(wav_ms - ms) <= 100, "%s: it holds the %ld ms said (the "
	    "case: %ld ms, sox: %ld ms)", f, said_ms, ms, wav_ms);
	free(s);
	snprintf(idem, sizeof idem, "case:%s:sms", no);
	s = e2e_text(e, "SELECT channel || ' ' || recipient || ' ' || "
	    "msg_class FROM outbox WHERE idem_key = ?", idem);
	is_str(s, "sms " DEPT_SMS " transactional", "%s: the department "
	    "told by SMS through the outbox", f);
	free(s);
	s = e2e_text(e, "SELECT body FROM outbox JOIN outbox_content ON "
	    "outbox_id = id WHERE idem_key = ?", idem);
	ok(s != NULL && strstr(s, no) != NULL, "%s: naming the case: %s", f,
	    s ? s : "none");
	free(s);

	rc = desk_answer(e, no, reply, &oid);
	ok(rc == 0 && oid > 0, "%s: the desk answers by SMS (outbox %lld) "
	    "and closes the case", f, (long long)oid);
	snprintf(idem, sizeof idem, "%lld", (long long)oid);
	s = e2e_text(e, "SELECT channel || ' ' || recipient || ' ' || "
	    "msg_class FROM outbox WHERE id = CAST(? AS INTEGER)", idem);
	is_str(s, "sms " "13912345678" " transactional", "%s: the reply SMS "
	    "queued to the caller", f);
	free(s);
	s = e2e_text(e, "SELECT body FROM outbox_content WHERE outbox_id = "
	    "CAST(? AS INTEGER)", idem);
	ok(s != NULL && strstr(s, reply) != NULL, "%s: with the answer: %s",
	    f, s ? s : "none");
	free(s);
	s = e2e_text(e, "SELECT status FROM requests WHERE ticket_no = ?", no);
	is_str(s, "closed", "%s: the case closed", f);
	free(s);
	free(no);
}

/* Add staff no (role desk) with STAFF_PIN; 0 or -1. */
static int
desk_staff(struct e2e *e, const char *no)
{
	struct store_member_policy pol;
	char *cause = NULL;

	svc_builtin_policy(e->svc, &pol);
	if (store_staff_add(svc_source(e->svc, "local"), no, "desk",
	    STAFF_PIN, &pol, &cause) == -1) {
		tap_diag("staff %s: %s", no, cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* Menu item 7, staff number no, then pin: segments 1 and 2. */
static int
desk_login(struct e2e *e, size_t seg, const char *no, const char *pin)
{
	char k[20];

	snprintf(k, sizeof k, "%s#", no);
	if (e2e_keys(e, seg, k) == -1 ||
	    e2e_seg_ids(e, seg, "staff.ask_no", E2E_CUT) == -1)
		return -1;
	snprintf(k, sizeof k, "%s#", pin);
	if (e2e_keys(e, seg + 1, k) == -1 ||
	    e2e_seg_ids(e, seg + 1, "staff.pin", E2E_CUT) == -1)
		return -1;
	return 0;
}

/* The right PIN; 1: the schedule read, day by day, exactly. */
static void
sc_schedule(struct e2e *e)
{
	const char *f = e->family;
	struct flow_kv in = { "staff_no", "1001", "digits" };
	struct flow_rows rows = { 0 };
	struct flow_prompts ps = { NULL, 0 };
	enum flow_outcome oc;
	size_t i, seg;
	const char *v;

	ok(desk_staff(e, "1001") == 0, "%s: staff 1001 added", f);
	oc = e2e_map(e, "catalog.schedule", &in, 1, &rows);
	ok(oc == FLOW_Q_FOUND && rows.nrows > 0, "%s: 1001's shifts from "
	    "today (%zu)", f, rows.nrows);
	ok(e2e_ring(e, "13800138000") == 0, "%s: call answered", f);
	ok(e2e_keys(e, 0, "7") == 0, "%s: 7 during the greeting", f);
	ok(desk_login(e, 1, "1001", STAFF_PIN) == 0, "%s: staff number and "
	    "PIN typed", f);
	ok(e2e_keys(e, 3, "1") == 0 && e2e_seg_ids(e, 3, "staff.menu",
	    E2E_CUT) == 0, "%s: the staff menu; 1 (the schedule)", f);
	ok(e2e_seg_ids(e, 4, "staff.schedule", E2E_WHOLE) == 0,
	    "%s: exactly staff.schedule", f);
	for (i = 0, seg = 5; i < rows.nrows && i < 7; i++, seg++) {
		e2e_say(e, &ps, "zh-CN", "date", e2e_col(&rows, i,
		    "work_date"), NULL);
		flow_prompts_add(&ps, "text", e2e_col(&rows, i, "shift"));
		flow_prompts_add(&ps, "text", e2e_col(&rows, i,
		    "shift_start"));
		e2e_ids(&ps, "staff.until");
		flow_prompts_add(&ps, "text", e2e_col(&rows, i, "shift_end"));
		flow_prompts_add(&ps, "text", e2e_col(&rows, i, "post"));
		v = e2e_col(&rows, i, "work_date");
		ok(e2e_seg_is(e, seg, &ps) == 0, "%s: shift %zu exactly as "
		    "said (%s %s)", f, i + 1, v ? v : "?",
		    e2e_col(&rows, i, "shift"));
	}
	ok(e2e_leave(e, seg, "staff.menu") == 0, "%s: back at the staff "
	    "menu; the caller hangs up", f);
	is_int(e2e_count(e, "SELECT COUNT(*) FROM staff_lookups WHERE "
	    "staff_no = ? AND what = 'schedule' AND call_ref LIKE '1-%'",
	    "1001"), 1, "%s: the lookup audited with the call's reference",
	    f);
	flow_rows_clear(&rows);
}

/* Three wrong PINs lock; the right one later is not even tried. */
static void
sc_lockout(struct e2e *e)
{
	const char *f = e->family;
	size_t k, seg;
	char *s;

	ok(desk_staff(e, "1002") == 0, "%s: staff 1002 added", f);
	ok(e2e_ring(e, "13800138000") == 0 && e2e_keys(e, 0, "7") == 0,
	    "%s: call answered; 7", f);
	for (k = 0, seg = 1; k < 3; k++, seg += 3) {
		ok(desk_login(e, seg, "1002", "111111") == 0,
		    "%s: wrong PIN %zu typed", f, k + 1);
		ok(e2e_seg_ids(e, seg + 2, k < 2 ? "staff.wrong" :
		    "staff.locked", E2E_WHOLE) == 0, "%s: exactly %s", f,
		    k < 2 ? "staff.wrong" : "staff.locked");
	}
	ok(e2e_leave(e, seg, "menu.price") == 0, "%s: back at the main menu; "
	    "the caller hangs up", f);
	s = e2e_text(e, "SELECT pin_failures || ' ' || (locked_until IS NOT "
	    "NULL) FROM staff_access WHERE staff_no = ?", "1002");
	is_str(s, "3 1", "%s: staff_access: three failures, locked", f);
	free(s);

	ok(e2e_ring(e, "13800138000") == 0 && e2e_keys(e, 0, "7") == 0,
	    "%s: a second call; 7", f);
	ok(desk_login(e, 1, "1002", STAFF_PIN) == 0, "%s: the right PIN "
	    "typed", f);
	ok(e2e_seg_ids(e, 3, "staff.locked", E2E_WHOLE) == 0,
	    "%s: exactly staff.locked", f);
	ok(e2e_leave(e, 4, "menu.price") == 0, "%s: back at the main menu; "
	    "the caller hangs up", f);
	is_int(e2e_count(e, "SELECT pin_failures FROM staff_access WHERE "
	    "staff_no = ?", "1002"), 3, "%s: a PIN not tried is not "
	    "counted", f);
	is_int(e2e_count(e, "SELECT COUNT(*) FROM staff_lookups", NULL), 0,
	    "%s: nothing looked up", f);
}

/*
 * Desk staff 1003 records a notice on the staff menu (4), keeps it, valid
 * from today for 7 days, and hears it published; the next caller hears
 * it under 门店公告 (3), the very recording.
 */
static void
sc_notice(struct e2e *e)
{
	const char *f = e->family;
	struct flow_prompts ps = { NULL, 0 };
	uint8_t *said = NULL;
	size_t saidlen = 0;
	char *s, *from, *until;
	int rc;

	e2e_ids(&ps, "case.thanks");
	rc = e2e_render(e, "zh-CN", ps.v, ps.n, &said, &saidlen);
	flow_prompts_clear(&ps);
	ok(rc == 0 && desk_staff(e, "1003") == 0, "%s: desk staff 1003 "
	    "added; the notice to say (%zu bytes)", f, saidlen);
	ok(e2e_ring(e, "13800138000") == 0 && e2e_keys(e, 0, "7") == 0,
	    "%s: call answered; 7", f);
	ok(desk_login(e, 1, "1003", STAFF_PIN) == 0, "%s: staff number and "
	    "PIN typed", f);
	ok(e2e_keys(e, 3, "4") == 0 && e2e_seg_ids(e, 3, "staff.menu",
	    E2E_CUT) == 0, "%s: the staff menu; 4 (record a notice)", f);
	ok(desk_say(e, 4, said, saidlen) == 0, "%s: the notice said after "
	    "the beep, then #", f);
	free(said);
	ok(e2e_seg_ids(e, 4, "notice.record", E2E_WHOLE) == 0,
	    "%s: exactly notice.record before it", f);
	ok(e2e_keys(e, 5, "3") == 0 && e2e_seg_ids(e, 5, "notice.review_listen "
	    "notice.review_again notice.review_keep", E2E_CUT) == 0,
	    "%s: listen, again or keep; 3 keeps", f);
	ok(e2e_keys(e, 6, "0#") == 0 && e2e_seg_ids(e, 6, "notice.ask_from",
	    E2E_CUT) == 0, "%s: valid from: 0 (today)", f);
	ok(e2e_keys(e, 7, "7#") == 0 && e2e_seg_ids(e, 7, "notice.ask_days",
	    E2E_CUT) == 0, "%s: for 7 days", f);
	e2e_wait_seg(e, 8, E2E_SEG_MS);
	from = e2e_text(e, "SELECT valid_from FROM local_notices WHERE "
	    "published_by = ?", "1003");
	until = e2e_text(e, "SELECT valid_until FROM local_notices WHERE "
	    "published_by = ?", "1003");
	s = e2e_text(e, "SELECT published_via || ' ' || (julianday("
	    "valid_until) - julianday(valid_from)) || ' ' || (valid_from = "
	    "date('now', 'localtime')) FROM local_notices WHERE published_by "
	    "= ?", "1003");
	is_str(s, "phone 6.0 1", "%s: the notice published by phone, from "
	    "today, 7 days (%s to %s)", f, from ? from : "?",
	    until ? until : "?");
	free(s);
	e2e_ids(&ps, "notice.published");
	if (from != NULL && until != NULL) {
		e2e_say(e, &ps, "zh-CN", "date", from, NULL);
		e2e_ids(&ps, "staff.until");
		e2e_say(e, &ps, "zh-CN", "date", until, NULL);
	}
	ok(e2e_seg_is(e, 8, &ps) == 0, "%s: notice.published, from and "
	    "until: exactly", f);
	free(from);
	free(until);
	ok(e2e_leave(e, 9, "staff.menu") == 0, "%s: back at the staff menu; "
	    "the caller hangs up", f);

	s = e2e_text(e, "SELECT audio FROM local_notices WHERE published_by "
	    "= ?", "1003");
	ok(s != NULL && desk_wav_ms(s) > 0, "%s: its recording, a WAV sox "
	    "reads: %s", f, s ? s : "none");
	ok(e2e_ring(e, "13900000005") == 0 && e2e_keys(e, 0, "3") == 0,
	    "%s: another caller; 3 (门店公告)", f);
	e2e_ids(&ps, "notice.count");
	e2e_say(e, &ps, "zh-CN", "quantity", "1", "条");
	ok(e2e_seg_is(e, 1, &ps) == 0, "%s: exactly: one notice of the "
	    "store's own", f);
	if (s != NULL)
		flow_prompts_add(&ps, FLOW_PROMPT_RECORDING, s);
	ok(s != NULL && e2e_seg_is(e, 2, &ps) == 0, "%s: the recording "
	    "heard, exactly", f);
	flow_prompts_clear(&ps);
	free(s);
	ok(e2e_hangup_at(e, 3, MSIM_HUP_LOOP, E2E_BYTES_S / 2) == 0 &&
	    e2e_wait_end(e, 8000) == 0, "%s: the caller hangs up", f);
}

/* ---- running the scenarios side by side (e2e_scenarios) ---- */

static const struct e2e_scenario scenarios[] = {
	{ "complaint", MSIM_CONEXANT, { sc_complaint }, 0 },
	{ "schedule", MSIM_USR, { sc_schedule }, 0 },
	{ "lockout", MSIM_CONEXANT, { sc_lockout }, 0 },
	{ "notice", MSIM_USR, { sc_notice }, 0 },
};

/* The service reads these at each query. */
static void
setup(struct e2e *e)
{
	desk_department(e->conf);
	e->conf->pin_attempts = 3;
	e->conf->pin_iterations = 2000;
}

static void
check(int pass, const char *what)
{
	ok(pass, "%s", what);
}

int
main(void)
{
	static const struct e2e_runner r = { .tag = "e2e-desk",
	    .check = check, .done = tap_done, .setup = setup };

	/* "today" of a notice and of shifts is checked after the call */
	tap_hour(13, 0);
	/* keys come half a second into prompts of 3 s and more */
	setenv("KEFU_MODEM_SPEED", "2", 0);
	if (e2e_scenarios(&r, scenarios, nitems(scenarios)) == -1)
		return 1;
	return tap_done();
}
