/*
 * msg-sms.c: SMS from the outbox through GSM modems end to end -- the
 * outbox worker of each [gsm NAME] (msg/gsm.c) against GSM simulators on
 * ptys (t/sim/gsmsim), with a SQLite local store: a concatenated message
 * with its outbox_parts rows and TP-MRs, status reports making it
 * delivered, +CMS ERROR codes per policy, unsolicited lines mid-command,
 * two modems in parallel, a modem unplugged and back, inbound opt-out
 * keywords in every form (ledger row, confirmation queued, later
 * messages suppressed, also mid-broadcast), concatenated inbound joined.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "conf/conf.h"
#include "db/db.h"
#include "msg/msg.h"
#include "msg/sms.h"
#include "store/store.h"
#include "util/util.h"
#include "../sim/gsmsim.h"
#include "../tap.h"
#include "t/scratch-store.h"

static struct scratch_store store;
static struct db_source *src;
static struct conf *conf;
static char *dir;
static struct gsim *sims[4];

/* One worker thread per modem. */
struct wk {
	pthread_t th;
	const char *modem;
	atomic_int stop;
	int running;
	struct msg_stats st;
};
static struct wk wks[4] = { { .modem = "gsm0" }, { .modem = "gsm1" },
    { .modem = "bad" }, { .modem = "gsm3" } };

static void *
wk_main(void *arg)
{
	struct wk *w = arg;
	struct msg_worker_opts o;
	char *cause = NULL, name[32];

	snprintf(name, sizeof name, "test/%s", w->modem);
	msg_worker_opts_sms(conf, name, w->modem, &o);
	o.stop = &w->stop;
	o.poll_ms = 50;
	if (msg_worker_run(src, "sqlite", conf, &msg_gsm_ops, &o, &w->st,
	    &cause) == -1) {
		tap_diag("worker %s: %s", w->modem, cause);
		free(cause);
	}
	return NULL;
}

static void
wk_start(int i)
{
	atomic_store(&wks[i].stop, 0);
	memset(&wks[i].st, 0, sizeof wks[i].st);
	wks[i].running = pthread_create(&wks[i].th, NULL, wk_main,
	    &wks[i]) == 0;
}

static void
wk_stop(int i)
{
	if (!wks[i].running)
		return;
	atomic_store(&wks[i].stop, 1);
	pthread_join(wks[i].th, NULL);
	wks[i].running = 0;
}

/* The first column of the first row of sql as text ("" when none). */
static char *
q1(const char *fmt, ...)
{
	struct db_query q = { 0 };
	struct db_result *res;
	struct db_err err;
	va_list ap;
	char *sql, *out;

	va_start(ap, fmt);
	sql = xvasprintf(fmt, ap);
	va_end(ap);
	q.sql = sql;
	if (db_run(src, &q, &res, &err) == -1) {
		tap_diag("%s: %s", sql, err.msg);
		free(sql);
		return xstrdup("?");
	}
	out = xstrdup(res->nrows > 0 && !DB_CELL(res, 0, 0)->null ?
	    DB_CELL(res, 0, 0)->s : "");
	db_result_free(res);
	free(sql);
	return out;
}

static void
run(const char *sql)
{
	struct db_query q = { .sql = sql, .writes = 1 };
	struct db_result *res;
	struct db_err err;

	if (db_run(src, &q, &res, &err) == -1)
		tap_diag("%s: %s", sql, err.msg);
	else
		db_result_free(res);
}

/* Whether q1(sql) reads want now. */
static int
reads(const char *want, const char *sql)
{
	char *got = q1("%s", sql);
	int same = strcmp(got, want) == 0;

	free(got);
	return same;
}

/* Wait up to ms for q1(sql) to read want. */
static int
wait_for(const char *want, unsigned ms, const char *fmt, ...)
{
	va_list ap;
	char *sql, *got;
	int same;

	va_start(ap, fmt);
	sql = xvasprintf(fmt, ap);
	va_end(ap);
	if (!(same = tap_wait(reads(want, sql), ms))) {
		got = q1("%s", sql);
		tap_diag("%s: '%s', wanted '%s'", sql, got, want);
		free(got);
	}
	free(sql);
	return same;
}

/* Wait up to ms for the simulator's SIM store to hold n messages. */
static int
wait_stored(struct gsim *sim, size_t n, unsigned ms)
{
	return tap_wait(gsim_stored(sim) == n, ms);
}

/* How many times the simulator's transcript has the line cmd. */
static size_t
said(struct gsim *sim, const char *cmd)
{
	char *tr = gsim_transcript(sim), *p;
	size_t n = 0, len = strlen(cmd);

	for (p = tr; (p = strstr(p, cmd)) != NULL; p += len)
		if ((p == tr || p[-1] == '\n') && p[len] == '\n')
			n++;
	free(tr);
	return n;
}

static int64_t
queue(const char *to, const char *cls, const char *body, const char *key)
{
	struct store_outbox_new m = { .channel = "sms", .recipient = to,
	    .body = body, .msg_class = cls, .idem_key = key,
	    .max_attempts = 3 };
	char now[20], *cause = NULL;
	int64_t id = 0;
	int dup;

	msg_time(now, 0);
	if (store_outbox_enqueue(src, &m, now, &id, &dup, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
	}
	return id;
}

static char *
repeat(const char *s, unsigned n)
{
	struct strbuf sb = STRBUF_INIT;

	while (n-- > 0)
		sb_adds(&sb, s);
	return sb_steal(&sb);
}

/* ---- the tests ---- */

static void
test_concat(void)
{
	struct gsim_sent s[2];
	const struct sms_msg *mp[2];
	char *text, *joined = NULL, *cause = NULL, *v, *tr;
	int64_t id;

	text = repeat("本周特价鸡蛋九块九", 9);        /* 81 chars: 2 parts */
	gsim_status_reports(sims[0], 1, 0);
	gsim_urc_next(sims[0], "RING");         /* mid-command */
	id = queue("+8613912345678", "transactional", text, "t:concat");
	wk_start(0);
	ok(wait_for("submitted", 5000, "SELECT CASE WHEN status = "
	    "'delivered' THEN 'submitted' ELSE status END FROM outbox WHERE "
	    "id = %lld", (long long)id),
	    "a two-part message is submitted through the worker");
	ok(gsim_wait_sent(sims[0], 2, 3000) == 0, "the modem got 2 PDUs");
	ok(gsim_sent_get(sims[0], 0, &s[0]) == 0 &&
	    gsim_sent_get(sims[0], 1, &s[1]) == 0, "both read back");
	mp[0] = &s[0].msg;
	mp[1] = &s[1].msg;
	ok(sms_join(mp, 2, &joined, &cause) == 0 && joined != NULL &&
	    strcmp(joined, text) == 0, "what the modem got joins to the text");
	is_int(s[0].msg.ref, (unsigned)(id & 0xff),
	    "the concatenation reference is the message id's low byte");
	ok(s[0].msg.srr == 1, "a status report is asked for");
	v = q1("SELECT COUNT(*) FROM outbox_parts WHERE outbox_id = %lld "
	    "AND total = 2", (long long)id);
	is_str(v, "2", "one outbox_parts row per part");
	free(v);
	v = q1("SELECT mr FROM outbox_parts WHERE outbox_id = %lld AND "
	    "seq = 2", (long long)id);
	ok(atoi(v) == s[1].mr, "part 2's row has the TP-MR of its +CMGS "
	    "(%s, modem gave %d)", v, s[1].mr);
	free(v);
	v = q1("SELECT remote_id FROM outbox WHERE id = %lld", (long long)id);
	like(v, "TP-MR ", "the message records its TP-MRs");
	free(v);
	ok(wait_for("delivered", 5000, "SELECT status FROM outbox WHERE id = "
	    "%lld", (long long)id), "status reports (+CDSI, AT+CMGR) for "
	    "both parts: the message is delivered");
	v = q1("SELECT COUNT(*) FROM outbox_parts WHERE outbox_id = %lld AND "
	    "status = 'delivered' AND report_status = 0", (long long)id);
	is_str(v, "2", "both parts delivered");
	free(v);
	ok(wait_stored(sims[0], 0, 3000), "the reports are deleted from the "
	    "SIM (AT+CMGD)");
	tr = gsim_transcript(sims[0]);
	like(tr, "AT+CMMS=2\n", "AT+CMMS=2 before the burst");
	like(tr, "AT+CNMI=2,1,0,2,0\n", "AT+CNMI set");
	like(tr, "AT+CMGL=4\n", "AT+CMGL=4 at start");
	like(tr, "AT+CPIN=\"1357\"\n", "the SIM PIN sent");
	free(tr);
	gsim_status_reports(sims[0], 0, 0);
	gsim_sent_free(&s[0]);
	gsim_sent_free(&s[1]);
	free(joined);
	free(cause);
	free(text);
}

/* A status report saying a part failed makes the message failed. */
static void
test_report_failed(void)
{
	int64_t id;

	gsim_status_reports(sims[0], 1, 0x46);          /* expired */
	id = queue("13912345670", "transactional", "test", "t:expired");
	ok(wait_for("failed", 5000, "SELECT status FROM outbox WHERE id = "
	    "%lld", (long long)id), "a report with TP-ST 0x46: failed");
	gsim_status_reports(sims[0], 0, 0);
}

/* Wait until the store's clock shows a later second than at. */
static void
next_second(const char *at)
{
	char now[20];

	tap_wait((msg_time(now, 0), strcmp(now, at) > 0), 2000);
}

/*
 * The TP-MR wraps 255 -> 0 and reports still find their parts.  A part
 * whose report is late (held back: the phone was off) shares its TP-MR
 * with a newer part to the same number once the counter came round; its
 * report, stamped with the time the centre took the part, is matched to
 * it, not to the newer one, which waits for its own.
 */
static void
test_mr_wrap(void)
{
	char key[32], *v, *at;
	int64_t id[4], a, b;
	size_t i;

	gsim_status_reports(sims[0], 1, 0);
	gsim_set_mr(sims[0], 253);
	for (i = 0; i < 4; i++) {
		snprintf(key, sizeof key, "t:wrap%zu", i);
		id[i] = queue("13912345601", "transactional", "wrap", key);
	}
	for (i = 0; i < 4; i++)
		ok(wait_for("delivered", 5000, "SELECT status FROM outbox "
		    "WHERE id = %lld", (long long)id[i]), "wrap: message %zu "
		    "delivered by its report", i + 1);
	v = q1("SELECT COUNT(*) FROM outbox_parts WHERE outbox_id BETWEEN "
	    "%lld AND %lld AND status = 'delivered' AND mr IN (254, 255, 0, "
	    "1)", (long long)id[0], (long long)id[3]);
	is_str(v, "4", "TP-MRs 254, 255, 0, 1 each delivered");
	free(v);

	gsim_hold_reports(sims[0], 1);
	gsim_set_mr(sims[0], 40);
	a = queue("13912345602", "transactional", "late", "t:late-a");
	ok(wait_for("41", 5000, "SELECT mr FROM outbox_parts WHERE "
	    "outbox_id = %lld AND status = 'submitted'", (long long)a),
	    "a part submitted as TP-MR 41, its report held back");
	at = q1("SELECT submitted_at FROM outbox_parts WHERE outbox_id = "
	    "%lld", (long long)a);
	next_second(at);                /* 256 parts later, at least */
	free(at);
	gsim_set_mr(sims[0], 40);
	b = queue("13912345602", "transactional", "newer", "t:late-b");
	ok(wait_for("41", 5000, "SELECT mr FROM outbox_parts WHERE "
	    "outbox_id = %lld AND status = 'submitted'", (long long)b),
	    "a newer part to the same number also as TP-MR 41");
	ok(gsim_release_report(sims[0], 0) == 0, "the first part's late "
	    "report comes");
	ok(wait_for("delivered", 5000, "SELECT status FROM outbox WHERE id = "
	    "%lld", (long long)a), "it makes the first message delivered");
	v = q1("SELECT status FROM outbox WHERE id = %lld", (long long)b);
	is_str(v, "submitted", "the newer one still waits for its report");
	free(v);
	ok(gsim_release_report(sims[0], 1) == 0, "the newer part's report");
	ok(wait_for("delivered", 5000, "SELECT status FROM outbox WHERE id = "
	    "%lld", (long long)b), "delivered too");
	gsim_hold_reports(sims[0], 0);
	gsim_status_reports(sims[0], 0, 0);
}

/* The concatenation reference is 8 bits: ids 256 apart share it, and
 * the one after 255 is 0. */
static void
test_ref_wrap(void)
{
	struct gsim_sent s;
	char *text, key[32], *v;
	int64_t id[2];
	size_t n0, i, k;
	unsigned refs[4];

	text = repeat("会员日全场九五折", 10);        /* 80 chars: 2 parts */
	run("UPDATE sqlite_sequence SET seq = (seq / 256 + 1) * 256 - 2 "
	    "WHERE name = 'outbox'");
	n0 = gsim_nsent(sims[0]);
	for (i = 0; i < 2; i++) {
		snprintf(key, sizeof key, "t:refwrap%zu", i);
		id[i] = queue("13912345603", "transactional", text, key);
	}
	is_int(id[0] % 256, 255, "the first message's id ends in 0xff");
	for (i = 0; i < 2; i++)
		ok(wait_for("submitted", 5000, "SELECT status FROM outbox "
		    "WHERE id = %lld", (long long)id[i]), "message %zu of the "
		    "wrap submitted", i + 1);
	for (k = 0; k < 4 && gsim_sent_get(sims[0], n0 + k, &s) == 0; k++) {
		refs[k] = s.msg.concat ? s.msg.ref : 999;
		gsim_sent_free(&s);
	}
	ok(k == 4 && refs[0] == 255 && refs[1] == 255 && refs[2] == 0 &&
	    refs[3] == 0, "references 255, 255, then 0, 0 (%u %u %u %u)",
	    k > 0 ? refs[0] : 999, k > 1 ? refs[1] : 999,
	    k > 2 ? refs[2] : 999, k > 3 ? refs[3] : 999);
	v = q1("SELECT COUNT(*) FROM outbox_parts WHERE outbox_id IN (%lld, "
	    "%lld) AND status = 'submitted'", (long long)id[0],
	    (long long)id[1]);
	is_str(v, "4", "four parts recorded");
	free(v);
	free(text);
}

static void
test_cms(void)
{
	int64_t a, b, c;
	char *v;

	/* 332 network timeout: retry later */
	gsim_fail_sends(sims[0], 1, 332);
	a = queue("13912345671", "transactional", "retry me", "t:cms332");
	ok(wait_for("queued", 5000, "SELECT status FROM outbox WHERE id = "
	    "%lld AND attempts = 1", (long long)a),
	    "+CMS ERROR: 332: queued again");
	v = q1("SELECT last_error FROM outbox WHERE id = %lld", (long long)a);
	like(v, "332", "the error is kept");
	like(v, "retry later", "with the policy");
	free(v);
	ok(wait_for("submitted", 8000, "SELECT status FROM outbox WHERE id = "
	    "%lld", (long long)a), "and sent after its back-off");
	/* 1 unassigned number: give up */
	gsim_fail_sends(sims[0], 1, 1);
	b = queue("13912345672", "transactional", "nobody", "t:cms1");
	ok(wait_for("failed", 5000, "SELECT status FROM outbox WHERE id = "
	    "%lld", (long long)b), "+CMS ERROR: 1 (unassigned number): "
	    "failed for good");
	v = q1("SELECT attempts FROM outbox WHERE id = %lld", (long long)b);
	is_str(v, "1", "after one attempt");
	free(v);
	/* 331 no network: the modem rests, the message waits */
	gsim_fail_sends(sims[0], 1, 331);
	c = queue("13912345673", "transactional", "later", "t:cms331");
	ok(wait_for("queued", 5000, "SELECT status FROM outbox WHERE id = "
	    "%lld AND attempts = 1", (long long)c),
	    "+CMS ERROR: 331: queued again");
	v = q1("SELECT last_error FROM outbox WHERE id = %lld", (long long)c);
	like(v, "rest the modem", "and the modem rests");
	free(v);
	ok(wait_for("submitted", 10000, "SELECT status FROM outbox WHERE "
	    "id = %lld", (long long)c), "reopened after its rest (PIN again), "
	    "the message goes");
}

static void
test_parallel(void)
{
	char key[32], *v;
	size_t n0, n1;
	uint64_t t0;
	int i;

	n0 = gsim_nsent(sims[0]);
	n1 = gsim_nsent(sims[1]);
	gsim_set_send_ms(sims[0], 150);
	gsim_set_send_ms(sims[1], 150);
	wk_start(1);
	t0 = now_ms();
	for (i = 0; i < 12; i++) {
		snprintf(key, sizeof key, "t:par%d", i);
		queue("13800000001", "transactional", "parallel", key);
	}
	ok(wait_for("12", 15000, "SELECT COUNT(*) FROM outbox WHERE "
	    "idem_key LIKE 't:par%%' AND status = 'submitted'"),
	    "12 messages submitted by two modems");
	tap_diag("12 messages, 150 ms each, two modems: %llu ms",
	    (unsigned long long)(now_ms() - t0));
	ok(gsim_nsent(sims[0]) > n0 && gsim_nsent(sims[1]) > n1,
	    "both modems sent (%zu and %zu)", gsim_nsent(sims[0]) - n0,
	    gsim_nsent(sims[1]) - n1);
	is_int(gsim_nsent(sims[0]) - n0 + gsim_nsent(sims[1]) - n1, 12,
	    "each message exactly once");
	v = q1("SELECT COUNT(DISTINCT modem) FROM outbox_parts p JOIN outbox "
	    "o ON o.id = p.outbox_id WHERE o.idem_key LIKE 't:par%%'");
	is_str(v, "2", "outbox_parts names both modems");
	free(v);
	gsim_set_send_ms(sims[0], 0);
	gsim_set_send_ms(sims[1], 0);
}

static void
test_unplug(void)
{
	char key[32], *cause = NULL;
	size_t n0, n1;
	int i;

	gsim_unplug(sims[0]);
	/* the test: gsm0 is away a while before the messages come */
	sleep_ms(300);
	n0 = gsim_nsent(sims[0]);
	n1 = gsim_nsent(sims[1]);
	for (i = 0; i < 4; i++) {
		snprintf(key, sizeof key, "t:unplug%d", i);
		queue("13800000002", "transactional", "unplugged", key);
	}
	ok(wait_for("4", 8000, "SELECT COUNT(*) FROM outbox WHERE idem_key "
	    "LIKE 't:unplug%%' AND status = 'submitted'"), "with gsm0 "
	    "unplugged, gsm1 sends everything");
	is_int(gsim_nsent(sims[1]) - n1, 4, "all 4 through gsm1");
	is_int(gsim_nsent(sims[0]) - n0, 0, "none through gsm0");
	ok(gsim_replug(sims[0], &cause) == 0, "gsm0 plugged in again");
	free(cause);
	wk_stop(1);
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof key, "t:replug%d", i);
		queue("13800000003", "transactional", "back", key);
	}
	ok(wait_for("3", 10000, "SELECT COUNT(*) FROM outbox WHERE idem_key "
	    "LIKE 't:replug%%' AND status = 'submitted'"), "gsm0 is reopened "
	    "and sends again");
	is_int(gsim_nsent(sims[0]) - n0, 3, "3 through gsm0");
}

/* Inbound keywords: every form opts out; others do not. */
static void
test_optout(void)
{
	static const char *const forms[] = {
		"TD", "td", "  Td ", "退订", "ＴＤ", "ｔｄ", "T", "n", "0",
		"０", "　TD　", "退訂", "\tN\r\n",
	};
	static const char *const names[] = {
		"TD", "td", "  Td ", "退订", "ＴＤ", "ｔｄ", "T", "n", "0",
		"０", "　TD　", "退訂", "\\tN\\r\\n",
	};
	char from[32], key[32], *cause = NULL, *v;
	int64_t id;
	size_t i;

	for (i = 0; i < nitems(forms); i++) {
		snprintf(from, sizeof from, "+86137000000%02zu", i);
		ok(gsim_deliver(sims[0], from, forms[i], &cause) == 0,
		    "'%s' delivered", names[i]);
		ok(wait_for("1", 5000, "SELECT COUNT(*) FROM consent_ledger "
		    "WHERE address = '137000000%02zu' AND action = "
		    "'unsubscribe' AND via = 'sms' AND inbox_id = (SELECT id "
		    "FROM sms_inbox WHERE sender = '%s')", i, from),
		    "'%s': a ledger row citing the inbound message", names[i]);
		ok(wait_for("1", 5000, "SELECT COUNT(*) FROM outbox WHERE "
		    "recipient = '%s' AND idem_key LIKE 'sms-optout:%%' AND "
		    "msg_class = 'transactional'", from), "'%s': confirmation "
		    "queued", names[i]);
		snprintf(key, sizeof key, "t:after%zu", i);
		snprintf(from, sizeof from, "137000000%02zu", i);
		id = queue(from, "marketing", "本周特价", key);
		ok(wait_for("suppressed", 5000, "SELECT status FROM outbox "
		    "WHERE id = %lld", (long long)id), "'%s': a later special "
		    "to that number is suppressed", names[i]);
	}
	ok(gsim_deliver(sims[0], "+8613700000099", "TD 谢谢", &cause) == 0,
	    "a sentence delivered");
	ok(wait_for("1", 5000, "SELECT COUNT(*) FROM sms_inbox WHERE sender = "
	    "'+8613700000099'"), "stored");
	v = q1("SELECT COUNT(*) FROM consent_ledger WHERE address = "
	    "'13700000099'");
	is_str(v, "0", "a text with more than the keyword is no opt-out");
	free(v);
	free(cause);
}

static void
test_member(void)
{
	char *cause = NULL, *v;

	run("INSERT INTO members (customer_no, name, mobile, registered_via, "
	    "registered_at, updated_at) VALUES ('90000001', '张三', "
	    "'13912340000', 'paper', '2026-01-01 00:00:00', "
	    "'2026-01-01 00:00:00')");
	run("INSERT INTO member_services (member_id, service, enabled, since) "
	    "SELECT id, 'sms', 1, '2026-01-01 00:00:00' FROM members WHERE "
	    "customer_no = '90000001'");
	ok(gsim_deliver(sims[0], "+8613912340000", "退订", &cause) == 0,
	    "a member sends 退订");
	ok(wait_for("0", 5000, "SELECT s.enabled FROM member_services s JOIN "
	    "members m ON m.id = s.member_id WHERE m.customer_no = "
	    "'90000001'"), "the member's SMS service is off");
	v = q1("SELECT COUNT(*) FROM consent_ledger l JOIN members m ON "
	    "m.id = l.member_id WHERE m.customer_no = '90000001' AND "
	    "l.action = 'unsubscribe'");
	is_str(v, "1", "ledger row for the member");
	free(v);
	free(cause);
}

/* 1 when q1(sql) reads want at some point within ms (quietly). */
static int
seen_within(const char *want, unsigned ms, const char *sql)
{
	return tap_wait(reads(want, sql), ms);
}

/*
 * An opt-out is one transaction: with the store failing when the
 * confirmation is queued (a trigger), none of it is written -- no
 * ledger row, the member's SMS still on, no confirmation -- and the
 * message stays on the SIM.  Read again once the store works (the modem
 * reopened: AT+CMGL), it is acted on whole, once.
 */
static void
test_optout_tx(void)
{
	struct db_err err;
	char *cause = NULL, *v;

	run("INSERT INTO members (customer_no, name, mobile, registered_via, "
	    "registered_at, updated_at) VALUES ('90000002', '李四', "
	    "'13912340002', 'paper', '2026-01-01 00:00:00', "
	    "'2026-01-01 00:00:00')");
	run("INSERT INTO member_services (member_id, service, enabled, since) "
	    "SELECT id, 'sms', 1, '2026-01-01 00:00:00' FROM members WHERE "
	    "customer_no = '90000002'");
	if (db_run_script(src, "CREATE TRIGGER t_fail BEFORE INSERT ON outbox "
	    "WHEN NEW.idem_key LIKE 'sms-optout:%' BEGIN SELECT RAISE(ABORT, "
	    "'the store fails (test)'); END", &err) == -1)
		tap_diag("trigger: %s", err.msg);
	ok(gsim_deliver(sims[0], "+8613912340002", "TD", &cause) == 0,
	    "a member sends TD while the store fails");
	ok(wait_for("1", 5000, "SELECT COUNT(*) FROM sms_inbox WHERE sender = "
	    "'+8613912340002'"), "the inbound message is stored");
	ok(!seen_within("1", 1000, "SELECT COUNT(*) FROM consent_ledger l "
	    "JOIN members m ON m.id = l.member_id WHERE m.customer_no = "
	    "'90000002'"), "no ledger row (the transaction rolled back)");
	v = q1("SELECT s.enabled FROM member_services s JOIN members m ON "
	    "m.id = s.member_id WHERE m.customer_no = '90000002'");
	is_str(v, "1", "the member's SMS is still on");
	free(v);
	v = q1("SELECT COUNT(*) FROM outbox WHERE recipient = "
	    "'+8613912340002'");
	is_str(v, "0", "no confirmation queued");
	free(v);
	v = q1("SELECT COALESCE(action, 'none') FROM sms_inbox WHERE sender = "
	    "'+8613912340002'");
	is_str(v, "none", "the inbound message is not marked acted on");
	free(v);
	is_int(gsim_stored(sims[0]), 1, "it stays on the SIM");
	run("DROP TRIGGER t_fail");
	gsim_unplug(sims[0]);
	ok(gsim_replug(sims[0], &cause) == 0, "the modem reopened: the "
	    "message is read again");
	ok(wait_for("1", 10000, "SELECT COUNT(*) FROM consent_ledger l JOIN "
	    "members m ON m.id = l.member_id WHERE m.customer_no = '90000002' "
	    "AND l.inbox_id = (SELECT id FROM sms_inbox WHERE sender = "
	    "'+8613912340002')"), "now the ledger row, citing the message");
	v = q1("SELECT s.enabled FROM member_services s JOIN members m ON "
	    "m.id = s.member_id WHERE m.customer_no = '90000002'");
	is_str(v, "0", "the member's SMS is off");
	free(v);
	v = q1("SELECT COUNT(*) FROM outbox o JOIN sms_inbox i ON i.reply_id "
	    "= o.id WHERE i.sender = '+8613912340002' AND i.action = 'optout' "
	    "AND o.idem_key LIKE 'sms-optout:%%'");
	is_str(v, "1", "the confirmation queued, the message marked");
	free(v);
	ok(wait_stored(sims[0], 0, 5000), "then deleted from the SIM");
	v = q1("SELECT COUNT(*) FROM consent_ledger l JOIN members m ON "
	    "m.id = l.member_id WHERE m.customer_no = '90000002'");
	is_str(v, "1", "once");
	free(v);
	free(cause);
}

/* An opt-out mid-broadcast stops every later message to that number. */
static void
test_midway(void)
{
	char key[32], *cause = NULL, *v;
	int i;

	wk_stop(0);
	gsim_set_send_ms(sims[0], 100);
	for (i = 0; i < 6; i++) {
		snprintf(key, sizeof key, "t:bc%d", i);
		queue("13600000001", "marketing", "本周特价", key);
	}
	wk_start(0);
	ok(wait_for("1", 5000, "SELECT COUNT(*) FROM outbox WHERE idem_key "
	    "LIKE 't:bc%%' AND status = 'submitted'") ||
	    1, "the broadcast started");
	ok(gsim_deliver(sims[0], "+8613600000001", "TD", &cause) == 0,
	    "TD arrives mid-broadcast");
	ok(wait_for("0", 8000, "SELECT COUNT(*) FROM outbox WHERE idem_key "
	    "LIKE 't:bc%%' AND status IN ('queued', 'claimed', 'submitting')"),
	    "the broadcast ends");
	v = q1("SELECT COUNT(*) FROM outbox WHERE idem_key LIKE 't:bc%%' AND "
	    "status = 'suppressed'");
	ok(atoi(v) >= 3, "the later messages to that number are suppressed "
	    "(%s of 6)", v);
	free(v);
	v = q1("SELECT COUNT(*) FROM outbox_parts p JOIN outbox o ON o.id = "
	    "p.outbox_id WHERE o.idem_key LIKE 't:bc%%' AND p.submitting_at > "
	    "(SELECT received_at FROM sms_inbox WHERE sender = "
	    "'+8613600000001')");
	is_str(v, "0", "no AT+CMGS to that number after the opt-out was "
	    "stored");
	free(v);
	gsim_set_send_ms(sims[0], 0);
	free(cause);
}

static void
test_inbound_concat(void)
{
	char *text, *cause = NULL, *v;

	text = repeat("会员积分兑换活动明天开始，", 10);
	ok(gsim_deliver(sims[0], "+8613500000001", text, &cause) == 0,
	    "a long inbound message in parts");
	ok(wait_for("1", 5000, "SELECT COUNT(*) FROM sms_inbox WHERE sender = "
	    "'+8613500000001' AND parts > 1"), "stored once, joined");
	v = q1("SELECT body FROM sms_inbox WHERE sender = '+8613500000001'");
	is_str(v, text, "the text joined whole");
	free(v);
	ok(wait_stored(sims[0], 0, 3000), "its parts are deleted from the "
	    "SIM");
	free(text);
	free(cause);
}

/*
 * A sender's concatenation reference comes round (8 bits): a message
 * that lost its second part on the way waits, and a new one with the
 * same reference arrives.  The new one is stored whole with its own
 * text, the old one incomplete, neither mixed with the other.
 */
static void
test_inbound_ref_wrap(void)
{
	char *a, *b, *cause = NULL, *v;

	a = repeat("旧消息第一部分，", 10);
	b = repeat("新消息内容完整，", 10);
	ok(gsim_deliver_parts(sims[0], "+8613500000002", a, 200, 1,
	    &cause) == 0, "a message with reference 200 loses its part 2");
	ok(wait_stored(sims[0], 1, 3000), "its part 1 waits on the SIM");
	ok(gsim_deliver_parts(sims[0], "+8613500000002", b, 200, ~0u,
	    &cause) == 0, "a new message with reference 200");
	ok(wait_for("2", 5000, "SELECT COUNT(*) FROM sms_inbox WHERE sender = "
	    "'+8613500000002'"), "two messages stored");
	v = q1("SELECT COUNT(*) FROM sms_inbox WHERE sender = "
	    "'+8613500000002' AND body = '%s'", b);
	is_str(v, "1", "the new one whole, with its own text");
	free(v);
	v = q1("SELECT body FROM sms_inbox WHERE sender = '+8613500000002' "
	    "AND body <> '%s'", b);
	like(v, "旧消息第一部分", "the old one as far as it came");
	like(v, "...", "its missing part marked");
	free(v);
	ok(wait_stored(sims[0], 0, 3000), "nothing left on the SIM");
	free(a);
	free(b);
	free(cause);
}

/*
 * The modem vanishes after a PDU was written, before +CMGS: the part may
 * have gone.  Marketing is left unknown (never sent twice); a
 * transactional message is sent again.
 */
static void
test_lost_answer(void)
{
	char *cause = NULL, *v;
	int64_t mk, tr;

	wk_stop(1);
	wait_for("0", 20000, "SELECT COUNT(*) FROM outbox WHERE status IN "
	    "('queued', 'claimed', 'submitting')");      /* the rest gone */
	gsim_set_send_ms(sims[0], 1500);
	mk = queue("13600000009", "marketing", "lost answer", "t:lost1");
	/* unplugged in the midst of the 1.5 s: once the PDU is in */
	ok(tap_wait(gsim_sending(sims[0]), 5000), "the PDU is written, its "
	    "+CMGS not yet answered");
	gsim_unplug(sims[0]);
	ok(wait_for("unknown", 5000, "SELECT status FROM outbox WHERE id = "
	    "%lld", (long long)mk), "marketing whose +CMGS never came: "
	    "unknown, not sent again");
	v = q1("SELECT last_error FROM outbox WHERE id = %lld", (long long)mk);
	like(v, "unknown: part 1 of 1", "the reason is kept");
	free(v);
	ok(gsim_replug(sims[0], &cause) == 0, "plugged in again");
	gsim_set_send_ms(sims[0], 0);
	ok(wait_for("submitted", 10000, "SELECT status FROM outbox WHERE id = "
	    "%lld", (long long)queue("13600000008", "transactional", "probe",
	    "t:probe")), "the modem is back");
	gsim_set_send_ms(sims[0], 1500);
	tr = queue("13600000009", "transactional", "lost answer 2", "t:lost2");
	ok(tap_wait(gsim_sending(sims[0]), 5000), "as above, the PDU "
	    "written");
	gsim_unplug(sims[0]);
	ok(wait_for("queued", 5000, "SELECT status FROM outbox WHERE id = "
	    "%lld AND last_error LIKE 'unknown:%%'", (long long)tr),
	    "transactional whose +CMGS never came: queued again");
	gsim_set_send_ms(sims[0], 0);
	ok(gsim_replug(sims[0], &cause) == 0, "plugged in again");
	ok(wait_for("submitted", 15000, "SELECT status FROM outbox WHERE id = "
	    "%lld", (long long)tr), "and sent again");
	free(cause);
}

static void
test_policy(void)
{
	static const struct {
		int code;
		enum gsm_policy want;
	} t[] = {
		{ 332, GSM_RETRY }, { 1, GSM_GIVEUP }, { 331, GSM_BACKOFF },
		{ 311, GSM_BACKOFF }, { 304, GSM_GIVEUP }, { 200, GSM_GIVEUP },
		{ 500, GSM_RETRY }, { 777, GSM_RETRY },
	};
	const char *what = NULL;
	enum gsm_policy p;
	size_t i;

	for (i = 0; i < nitems(t); i++) {
		p = gsm_cms_policy(t[i].code, &what);
		ok(p == t[i].want, "+CMS ERROR: %d: %s (%s)", t[i].code,
		    gsm_policy_name(p), what);
	}
	ok(optout_word("ＴＤ") != NULL && optout_word(" td ") != NULL &&
	    optout_word("退订") != NULL && optout_word("０") != NULL &&
	    optout_word("TDX") == NULL && optout_word("") == NULL &&
	    optout_word("10") == NULL, "keyword folding");
}

/* How many times the host has sent the SIM a PIN (AT+CPIN=). */
static int
pins_sent(struct gsim *sim)
{
	char *tr, *p;
	int n = 0;

	tr = gsim_transcript(sim);
	for (p = tr; (p = strstr(p, "AT+CPIN=")) != NULL; p++)
		n++;
	free(tr);
	return n;
}

/* A PIN the SIM refuses is sent once, not at every reopen. */
static void
test_wrong_pin(void)
{
	wk_start(2);
	ok(tap_wait(pins_sent(sims[2]) >= 1, 5000), "the PIN is sent");
	/*
	 * The test: a reopen would come after the first rest ([sms] pause,
	 * 300 ms) and send the PIN again; none comes in twice that.
	 */
	ok(!tap_wait(pins_sent(sims[2]) > 1, 700), "a refused PIN is "
	    "tried once, the modem left closed");
	wk_stop(2);
	is_int(pins_sent(sims[2]), 1, "... once in all");
}

/*
 * Phase 2+ (init = AT+CSMS=1, cnmi = 2,2,0,1,0): inbound messages and
 * status reports come straight as +CMT and +CDS, and each must be
 * acknowledged with AT+CNMA.  The simulator routes the next only after
 * the acknowledgement and, without one, stops routing (27.005 3.4.4):
 * the second message would then never reach kefu.
 */
static void
test_cnma(void)
{
	char *cause = NULL, *tr;
	unsigned acks = 0, nacks = 0;
	int64_t id;
	int mt = 0;

	gsim_set_ack_ms(sims[3], 1000);
	gsim_status_reports(sims[3], 1, 0);
	wk_start(3);
	tap_wait(said(sims[3], "AT+CMGL=4") > 0, 5000);
	tr = gsim_transcript(sims[3]);
	like(tr, "AT+CSMS?\n", "the modem opened; kefu asked its phase");
	free(tr);
	ok(gsim_deliver(sims[3], "+8613800000301", "第一条", &cause) == 0 &&
	    gsim_deliver(sims[3], "+8613800000302", "第二条", &cause) == 0,
	    "phase 2+: two inbound messages routed as +CMT");
	ok(wait_for("2", 8000, "SELECT COUNT(*) FROM sms_inbox WHERE modem = "
	    "'gsm3'"), "both reach the store");
	id = queue("13800000303", "transactional", "ack", "t:cnma");
	ok(wait_for("delivered", 8000, "SELECT status FROM outbox WHERE id = "
	    "%lld", (long long)id), "a message sent; its +CDS report stored");
	is_int(gsim_nsent(sims[3]), 1, "through gsm3");
	/* the last AT+CNMA follows the report's row */
	tap_wait((gsim_acks(sims[3], &acks, &nacks, &mt), acks >= 3), 3000);
	is_int(acks, 3, "three AT+CNMA: two messages and the report");
	is_int(nacks, 0, "none missed");
	is_int(mt, 2, "the modem still routes inbound messages to kefu");
	wk_stop(3);
	free(cause);
}

/*
 * kefud killed between AT+CMGS=<n> and the PDU's Ctrl-Z leaves the modem
 * at its "> " prompt: the next open cancels that with ESC, else every
 * command is taken for PDU digits and the modem never gets ready.
 */
static void
test_stuck_prompt(void)
{
	static const char cmd[] = "AT+CMGS=20\r";
	int64_t id;
	size_t n = said(sims[1], "AT+CMGS=20");
	int fd;

	fd = open(gsim_path(sims[1]), O_RDWR | O_NOCTTY);
	ok(fd >= 0 && write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd),
	    "a host leaves gsm1 at the PDU prompt");
	/* the simulator reads it before the close */
	tap_wait(said(sims[1], "AT+CMGS=20") > n, 2000);
	if (fd >= 0)
		close(fd);
	wk_start(1);
	id = queue("13800000401", "transactional", "after a kill",
	    "t:prompt");
	ok(wait_for("submitted", 10000, "SELECT status FROM outbox WHERE id = "
	    "%lld", (long long)id), "the next open gets the modem back and "
	    "sends");
	wk_stop(1);
}

static struct conf *
make_conf(void)
{
	struct conf *c;
	char *text, *cause = NULL;

	text = xasprintf("[sms]\nretry = 3s\nretry-max = 3s\nlease = 10s\n"
	    "pause = 300ms\npause-max = 1s\nbatch = 1\n"
	    /* marketing at any hour: the test runs at night too */
	    "[suppress]\nquiet-marketing = none\n"
	    "[gsm gsm0]\ndevice = %s/gsm0\npin = 1357\nflow-control = none\n"
	    "[gsm gsm1]\ndevice = %s/gsm1\nflow-control = none\n"
	    "[gsm bad]\ndevice = %s/gsm2\npin = 9999\nflow-control = none\n"
	    "[gsm gsm3]\ndevice = %s/gsm3\nflow-control = none\n"
	    "init = AT+CSMS=1\ncnmi = 2,2,0,1,0\n"
	    "[datasource local]\nconnect = Driver=SQLite3;Database=%s/k.db\n",
	    dir, dir, dir, dir, dir);
	if (conf_parse("/tmp/kefu-sms-test.conf", text, &c, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
		c = NULL;
	}
	free(text);
	return c;
}

/*
 * Whether pin stands in the logs as a word of its own: not inside a
 * longer number, a call reference or a PDU's hex (those vary with the
 * clock and failed the check now and then).  The line is shown.
 */
static int
pin_logged(const char *logs, const char *pin)
{
	const char *p, *e, *b;
	size_t n = strlen(pin);

	for (p = logs; (p = strstr(p, pin)) != NULL; p++) {
		if ((p > logs && isalnum((unsigned char)p[-1])) ||
		    isalnum((unsigned char)p[n]))
			continue;
		for (b = p; b > logs && b[-1] != '\n'; b--)
			;
		e = strchr(p, '\n');
		if (e == NULL)
			e = b + strlen(b);
		tap_diag("PIN in: %.*s", (int)(e - b), b);
		return 1;
	}
	return 0;
}

/*
 * N modems, one failing: with gsm0 unplugged mid-run and the SIM of
 * "bad" refusing its PIN, gsm1 goes on at its own pace -- it sends what
 * comes, and is never closed and opened again (one AT+CSMS? a
 * session) -- while gsm0 rests and is reopened alone once back.
 */
static void
test_one_down(void)
{
	char key[32], *cause = NULL;
	size_t open0, open1, n1;
	uint64_t t0;
	int i;

	open0 = said(sims[0], "AT+CSMS?");
	open1 = said(sims[1], "AT+CSMS?");
	wk_start(0);
	wk_start(1);
	wk_start(2);
	for (i = 0; i < 6; i++) {
		snprintf(key, sizeof key, "t:down-a%d", i);
		queue("13800000004", "transactional", "three modems", key);
	}
	ok(wait_for("6", 10000, "SELECT COUNT(*) FROM outbox WHERE idem_key "
	    "LIKE 't:down-a%%' AND status = 'submitted'"), "three modems, the "
	    "SIM of one refusing its PIN: the others send");
	is_int(said(sims[1], "AT+CSMS?") - open1, 1, "gsm1 opened once");
	gsim_unplug(sims[0]);
	n1 = gsim_nsent(sims[1]);
	t0 = now_ms();
	for (i = 0; i < 6; i++) {
		snprintf(key, sizeof key, "t:down-b%d", i);
		queue("13800000004", "transactional", "gsm0 gone", key);
	}
	ok(wait_for("6", 10000, "SELECT COUNT(*) FROM outbox WHERE idem_key "
	    "LIKE 't:down-b%%' AND status = 'submitted'"), "gsm0 unplugged: "
	    "the 6 that come next are sent");
	tap_diag("6 messages with gsm0 unplugged: %llu ms",
	    (unsigned long long)(now_ms() - t0));
	ok(gsim_nsent(sims[1]) - n1 >= 5, "by gsm1 (%zu of 6; one may have "
	    "gone to gsm0 as it went)", gsim_nsent(sims[1]) - n1);
	ok(gsim_replug(sims[0], &cause) == 0, "gsm0 plugged in again");
	free(cause);
	ok(tap_wait(said(sims[0], "AT+CSMS?") - open0 >= 2, 10000),
	    "gsm0 is opened again after its rest");
	is_int(said(sims[1], "AT+CSMS?") - open1, 1, "gsm1 was never "
	    "reopened: not restarted by the others' failures");
	wk_stop(2);
	wk_stop(1);
	wk_stop(0);
}

int
main(void)
{
	struct gsim_opts go[4] = { { .pin = "1357" }, { 0 }, { .pin = "2468" },
	    { 0 } };
	struct strbuf logs = STRBUF_INIT;
	char *cause = NULL, *l0, *l1, *l2, *l3;

	test_policy();
	dir = xasprintf("/tmp/kefu-sms-%ld", (long)getpid());
	l0 = xasprintf("%s/gsm0", dir);
	l1 = xasprintf("%s/gsm1", dir);
	l2 = xasprintf("%s/gsm2", dir);
	l3 = xasprintf("%s/gsm3", dir);
	go[0].link = l0;
	go[1].link = l1;
	go[2].link = l2;
	go[3].link = l3;
	if ((conf = make_conf()) == NULL ||
	    scratch_store_open(conf_datasource(conf, "local"), &store,
	    &cause) == -1 ||
	    gsim_start(&go[0], &sims[0], &cause) == -1 ||
	    gsim_start(&go[1], &sims[1], &cause) == -1 ||
	    gsim_start(&go[2], &sims[2], &cause) == -1 ||
	    gsim_start(&go[3], &sims[3], &cause) == -1)
		tap_bail(cause);
	src = store.src;
	log_set_level(KLOG_DEBUG);
	log_capture(&logs);
	test_wrong_pin();
	test_concat();
	test_report_failed();
	test_mr_wrap();
	test_ref_wrap();
	test_cms();
	test_parallel();
	test_unplug();
	test_optout();
	test_member();
	test_optout_tx();
	test_inbound_concat();
	test_inbound_ref_wrap();
	test_midway();
	test_lost_answer();
	wk_stop(0);
	wk_stop(1);
	test_cnma();
	test_stuck_prompt();
	test_one_down();
	ok(!pin_logged(sb_str(&logs), "1357") &&
	    !pin_logged(sb_str(&logs), "9999"), "no SIM PIN is in any log "
	    "line");
	log_capture(NULL);
	if (getenv("KEFU_TEST_VERBOSE") != NULL)
		fputs(sb_str(&logs), stderr);
	sb_free(&logs);
	gsim_stop(sims[0]);
	gsim_stop(sims[1]);
	gsim_stop(sims[2]);
	gsim_stop(sims[3]);
	scratch_store_close(&store, 0);
	conf_free(conf);
	free(l0);
	free(l1);
	free(l2);
	free(l3);
	free(dir);
	return tap_done();
}
