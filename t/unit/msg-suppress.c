/*
 * msg-suppress.c: the check at the moment of sending (msg/suppress.c),
 * rule by rule on a SQLite store -- opt-out by the consent ledger and by
 * the member's service, quiet hours per class (defer or suppress), the
 * marketing frequency cap across channels, a campaign's budget, pause and
 * cancel -- and end to end through the outbox worker with a recording
 * transport: an opt-out, a pause and a cancel that come after the
 * messages were queued stop them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "db/db.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"
#include "../tap.h"

static struct db_adapters *ads;
static char *srcdir, *dir;
static struct db_source *src;

static struct conf *
make_conf(const char *suppress)
{
	struct conf *conf;
	char *text, *cause = NULL;

	text = xasprintf("[suppress]\n%s\n[datasource local]\n"
	    "connect = Driver=SQLite3;Database=%s/k.db\n", suppress, dir);
	if (conf_parse("/tmp/kefu-suppress-test.conf", text, &conf, &cause) ==
	    -1) {
		tap_diag("%s", cause);
		free(cause);
		conf = NULL;
	}
	free(text);
	return conf;
}

static int
open_store(struct conf *conf)
{
	char *cause = NULL, *path = NULL, *sqldir;
	struct conf_datasource *ds = conf_datasource(conf, "local");
	int applied, rc = 0;

	sqldir = xasprintf("%s/sql", srcdir);
	if (store_sqlite_path(ds, &path, &cause) == -1 ||
	    db_source_open(ds, ads, &src, &cause) == -1 ||
	    store_upgrade(src, ds, sqldir, 0, &applied, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
		rc = -1;
	}
	free(path);
	free(sqldir);
	return rc;
}

static void
sql(const char *fmt, ...) KF_PRINTF(1, 2);
static void
sql(const char *fmt, ...)
{
	struct db_query q = { .writes = 1 };
	struct db_result *res;
	struct db_err err;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	q.sql = s;
	if (s == NULL || db_run(src, &q, &res, &err) == -1)
		tap_diag("%s: %s", s ? s : "?", s ? err.msg : "");
	else
		db_result_free(res);
	free(s);
}

/* A member with mobile 139000000NN and e-mail mNN@kefu.test, both on. */
static void
member(int n)
{
	sql("INSERT INTO members (id, customer_no, name, mobile, email, "
	    "registered_via, registered_at, updated_at) VALUES (%d, 'C%03d', "
	    "'会员%d', '139000000%02d', 'm%d@kefu.test', 'paper', "
	    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')", n, n, n, n, n);
	sql("INSERT INTO member_services (member_id, service, enabled, since) "
	    "VALUES (%d, 'sms', 1, '2026-01-01 00:00:00')", n);
	sql("INSERT INTO member_services (member_id, service, enabled, since) "
	    "VALUES (%d, 'email', 1, '2026-01-01 00:00:00')", n);
}

/* Queue a message; its id. */
static int64_t
queue(const char *chan, int memb, const char *cls, int64_t campaign,
    int cost, const char *key)
{
	struct store_outbox_new m = { .channel = chan, .body = "特价",
	    .msg_class = cls, .idem_key = key, .member_id = memb,
	    .campaign_id = campaign, .cost = cost };
	char *to, *cause = NULL, now[20];
	int64_t id = 0;
	int dup;

	to = strcmp(chan, "sms") == 0 ? xasprintf("139000000%02d", memb) :
	    xasprintf("m%d@kefu.test", memb);
	m.recipient = to;
	msg_time(now, 0);
	if (store_outbox_enqueue(src, &m, now, &id, &dup, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
	}
	free(to);
	return id;
}

/* The verdict for message id at local time "YYYY-MM-DD HH:MM". */
static enum msg_check
check(const struct conf *conf, int64_t id, const char *when,
    struct msg_verdict *v)
{
	struct store_msg *m;
	struct tm tm = { 0 };
	char *cause = NULL;
	enum msg_check what = MSG_CHECK_SEND;

	memset(v, 0, sizeof *v);
	if (strptime(when, "%Y-%m-%d %H:%M", &tm) == NULL)
		return (enum msg_check)-1;
	tm.tm_isdst = -1;
	if (store_outbox_get(src, id, &m, &cause) == -1 ||
	    msg_suppress_check(src, conf, m, mktime(&tm), v, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
		return (enum msg_check)-1;
	}
	what = v->what;
	store_msgs_free(m, 1);
	return what;
}

static void
test_optout(struct conf *conf)
{
	struct msg_verdict v;
	int64_t a, b, t;

	member(1);
	member(2);
	a = queue("sms", 1, "marketing", 0, 0, "o:1");
	b = queue("email", 2, "marketing", 0, 0, "o:2");
	t = queue("sms", 1, "transactional", 0, 0, "o:3");
	is_int(check(conf, a, "2026-12-07 12:00", &v), MSG_CHECK_SEND,
	    "opt-out: a subscriber's special goes");
	/* Opting out after the message was queued. */
	sql("INSERT INTO consent_ledger (member_id, address, service, action, "
	    "via, recorded_at) VALUES (1, '13900000001', 'sms', "
	    "'unsubscribe', 'sms', '2026-12-01 00:00:00')");
	is_int(check(conf, a, "2026-12-07 12:00", &v), MSG_CHECK_SUPPRESS,
	    "opt-out: the ledger's unsubscribe after queueing suppresses it");
	like(v.reason, "opted out of sms", "opt-out: the reason says so");
	is_int(check(conf, t, "2026-12-07 12:00", &v), MSG_CHECK_SEND,
	    "opt-out: a transactional message to them still goes");
	sql("UPDATE member_services SET enabled = 0 WHERE member_id = 2 AND "
	    "service = 'email'");
	is_int(check(conf, b, "2026-12-07 12:00", &v), MSG_CHECK_SUPPRESS,
	    "opt-out: the member's e-mail service turned off suppresses");
	like(v.reason, "service turned off", "opt-out: saying which");
}

static void
test_quiet(struct conf *conf)
{
	struct conf *c2, *c3;
	struct msg_verdict v;
	int64_t mk, tr;

	member(3);
	mk = queue("sms", 3, "marketing", 0, 0, "q:1");
	tr = queue("sms", 3, "transactional", 0, 0, "q:2");
	is_int(check(conf, mk, "2026-12-07 20:59", &v), MSG_CHECK_SEND,
	    "quiet: marketing at 20:59 goes");
	is_int(check(conf, mk, "2026-12-07 21:00", &v), MSG_CHECK_DEFER,
	    "quiet: marketing at 21:00 waits");
	is_str(v.until, "2026-12-08 08:00:00", "quiet: until 08:00 next day");
	is_int(check(conf, mk, "2026-12-08 07:59", &v), MSG_CHECK_DEFER,
	    "quiet: at 07:59 still waits");
	is_str(v.until, "2026-12-08 08:00:00", "quiet: a minute more");
	is_int(check(conf, mk, "2026-12-08 08:00", &v), MSG_CHECK_SEND,
	    "quiet: at 08:00 it goes");
	is_int(check(conf, tr, "2026-12-07 23:30", &v), MSG_CHECK_SEND,
	    "quiet: transactional goes at night");
	c2 = make_conf("quiet-marketing = 12:00-13:00\nquiet-transactional = "
	    "23:00-06:00\nquiet-action = suppress");
	is_int(check(c2, tr, "2026-12-07 23:30", &v), MSG_CHECK_SUPPRESS,
	    "quiet: transactional window and quiet-action = suppress");
	like(v.reason, "quiet hours 23:00-06:00 for transactional",
	    "quiet: the reason names window and class");
	is_int(check(c2, mk, "2026-12-07 23:30", &v), MSG_CHECK_SEND,
	    "quiet: a window not wrapping midnight: outside it goes");
	is_int(check(c2, mk, "2026-12-07 12:30", &v), MSG_CHECK_SUPPRESS,
	    "quiet: inside it does not");
	conf_free(c2);
	c3 = make_conf("quiet-marketing = 25:00-08:00");
	ok(c3 == NULL, "quiet: a bad window is refused");
	conf_free(c3);
}

static void
test_cap(void)
{
	struct conf *c;
	struct msg_verdict v;
	int64_t a, b;

	c = make_conf("quiet-marketing = none\nmarketing-cap = 2\n"
	    "cap-window = 168h");
	member(4);
	/* Two specials by e-mail: 2 and 8 days before the 7th. */
	sql("INSERT INTO outbox (channel, recipient, msg_class, "
	    "idem_key, member_id, status, next_attempt_at, created_at, "
	    "sent_at) VALUES ('email', 'm4@kefu.test', 'marketing', "
	    "'c:old1', 4, 'submitted', '2026-11-29 10:00:00', "
	    "'2026-11-29 10:00:00', '2026-11-29 10:00:00')");
	sql("INSERT INTO outbox (channel, recipient, msg_class, "
	    "idem_key, member_id, status, next_attempt_at, created_at, "
	    "sent_at) VALUES ('email', 'm4@kefu.test', 'marketing', "
	    "'c:old2', 4, 'submitted', '2026-12-05 10:00:00', "
	    "'2026-12-05 10:00:00', '2026-12-05 10:00:00')");
	a = queue("sms", 4, "marketing", 0, 0, "c:1");
	is_int(check(c, a, "2026-12-07 12:00", &v), MSG_CHECK_SEND,
	    "cap: one in the window, the second goes");
	sql("UPDATE outbox SET sent_at = '2026-12-01 10:00:00' WHERE "
	    "idem_key = 'c:old1'");
	is_int(check(c, a, "2026-12-07 12:00", &v), MSG_CHECK_SUPPRESS,
	    "cap: two by e-mail in 7 days stop an SMS (across channels)");
	like(v.reason, "frequency cap: 2 marketing", "cap: the reason");
	b = queue("sms", 4, "transactional", 0, 0, "c:2");
	is_int(check(c, b, "2026-12-07 12:00", &v), MSG_CHECK_SEND,
	    "cap: a transactional message is not capped");
	is_int(check(c, a, "2026-12-12 11:00", &v), MSG_CHECK_SEND,
	    "cap: once the window moved on it goes");
	conf_free(c);
}

/* A marketing message handed over to member memb (0: to addr) at when. */
static void
sent_before(int memb, const char *addr, const char *key, const char *when)
{
	char m[16];

	snprintf(m, sizeof m, "%d", memb);
	sql("INSERT INTO outbox (channel, recipient, msg_class, "
	    "idem_key, member_id, status, next_attempt_at, created_at, "
	    "sent_at) VALUES ('email', '%s', 'marketing', '%s', %s, "
	    "'submitted', '%s', '%s', '%s')", addr, key, memb ? m : "NULL",
	    when, when, when);
}

/*
 * The cap of a batch, read in one query: the first message of the batch
 * to each customer gets the verdict msg_suppress_check gives it alone;
 * a later one to the same customer counts the one before as handed
 * over (alone, each saw none of the other).
 */
static void
test_cap_batch(void)
{
	static const struct {
		const char *chan, *cls;
		int memb;               /* 0: x@kefu.test, no member */
		enum msg_check alone, batch;
	} b[] = {
		{ "sms", "marketing", 5, MSG_CHECK_SEND, MSG_CHECK_SEND },
		{ "email", "marketing", 5, MSG_CHECK_SEND, MSG_CHECK_SUPPRESS },
		{ "sms", "marketing", 6, MSG_CHECK_SUPPRESS,
		  MSG_CHECK_SUPPRESS },
		{ "sms", "transactional", 6, MSG_CHECK_SEND, MSG_CHECK_SEND },
		{ "email", "marketing", 0, MSG_CHECK_SUPPRESS,
		  MSG_CHECK_SUPPRESS },
		{ "sms", "marketing", 5, MSG_CHECK_SEND, MSG_CHECK_SUPPRESS },
		{ "email", "marketing", 11, MSG_CHECK_SEND, MSG_CHECK_SEND },
	};
	struct store_msg *one[nitems(b)], arr[nitems(b)];
	struct msg_verdict v[nitems(b)], alone;
	struct db_stats s0, s1;
	struct conf *c;
	struct tm tm = { 0 };
	char key[32], *cause = NULL;
	int64_t id;
	size_t i, same = 0, want = 0;
	uint64_t nq;

	c = make_conf("quiet-marketing = none\nmarketing-cap = 2\n"
	    "cap-window = 168h");
	sql("UPDATE outbox SET status = 'cancelled' WHERE status IN "
	    "('queued', 'claimed')");
	member(5);
	member(6);
	member(11);
	/* member 5: one in the window; 6: two; x@kefu.test: two by address,
	   one of them a member's */
	sent_before(5, "m5@kefu.test", "cb:5", "2026-12-06 10:00:00");
	sent_before(5, "m5@kefu.test", "cb:5old", "2026-11-20 10:00:00");
	sent_before(6, "m6@kefu.test", "cb:6a", "2026-12-06 10:00:00");
	sql("INSERT INTO outbox (channel, recipient, msg_class, "
	    "idem_key, member_id, status, next_attempt_at, created_at, "
	    "sent_at) VALUES ('sms', '13900000006', 'marketing', "
	    "'cb:6b', 6, 'unknown', '2026-12-06 11:00:00', "
	    "'2026-12-06 11:00:00', '2026-12-06 11:00:00')");
	sent_before(0, "x@kefu.test", "cb:x1", "2026-12-05 10:00:00");
	sent_before(7, "x@kefu.test", "cb:x2", "2026-12-05 11:00:00");
	strptime("2026-12-07 12:00", "%Y-%m-%d %H:%M", &tm);
	tm.tm_isdst = -1;
	for (i = 0; i < nitems(b); i++) {
		snprintf(key, sizeof key, "cb:q%zu", i);
		id = b[i].memb ? queue(b[i].chan, b[i].memb, b[i].cls, 0, 0,
		    key) : 0;
		if (b[i].memb == 0) {
			struct store_outbox_new m = { .channel = b[i].chan,
			    .recipient = "x@kefu.test", .body = "特价",
			    .msg_class = b[i].cls, .idem_key = key };
			char now[20];
			int dup;

			msg_time(now, 0);
			store_outbox_enqueue(src, &m, now, &id, &dup, &cause);
		}
		if (store_outbox_get(src, id, &one[i], &cause) == -1)
			tap_bail(cause);
		arr[i] = *one[i];
		is_int(msg_suppress_check(src, c, one[i], mktime(&tm), &alone,
		    &cause) == 0 ? (int)alone.what : -1, (int)b[i].alone,
		    "cap batch: message %zu alone: %s", i + 1, alone.reason);
	}
	db_source_stats(src, &s0);
	ok(msg_suppress_batch(src, c, arr, nitems(b), mktime(&tm), v,
	    &cause) == 0, "cap batch: the batch checked");
	db_source_stats(src, &s1);
	for (i = 0; i < nitems(b); i++) {
		want += b[i].batch == b[i].alone;
		same += v[i].what == b[i].alone;
		is_int((int)v[i].what, (int)b[i].batch, "cap batch: message "
		    "%zu in the batch: %s", i + 1, v[i].reason);
	}
	is_int((int)same, (int)want, "cap batch: all but the later messages "
	    "to one customer as alone");
	like(v[1].reason, "frequency cap: 2 marketing", "cap batch: the "
	    "reason counts the batch's first to member 5");
	/* opt-outs: two queries a channel (two channels); the cap one */
	nq = s1.queries - s0.queries;
	ok(nq == 5, "cap batch: the cap read in one query for %zu messages "
	    "(%llu statements)", nitems(b), (unsigned long long)nq);
	for (i = 0; i < nitems(b); i++)
		store_msgs_free(one[i], 1);
	sql("UPDATE outbox SET status = 'cancelled' WHERE status IN "
	    "('queued', 'claimed')");
	conf_free(c);
}

static void
test_campaign(struct conf *conf)
{
	char name[] = "周末特价", ch[] = "sms", so[] = "text", bo[] = "特价";
	struct store_campaign c = { .name = name, .channel = ch,
	    .source = so, .body = bo, .budget = 10 };
	struct msg_verdict v;
	char *cause = NULL, now[20];
	int64_t cid = 0, a, b, x;

	member(5);
	member(6);
	member(7);
	msg_time(now, 0);
	ok(store_campaign_new(src, &c, now, &cid, &cause) == 0,
	    "budget: a campaign of 10 fen");
	a = queue("sms", 5, "marketing", cid, 5, "b:5");
	b = queue("sms", 6, "marketing", cid, 5, "b:6");
	x = queue("sms", 7, "marketing", cid, 5, "b:7");
	ok(store_campaign_state(src, cid, "sending", now, &cause) == 0,
	    "budget: started");
	is_int(check(conf, x, "2026-12-07 12:00", &v), MSG_CHECK_SEND,
	    "budget: nothing spent, it goes");
	sql("UPDATE outbox SET status = 'submitted', sent_at = "
	    "'2026-12-07 11:00:00' WHERE id IN (%lld, %lld)", (long long)a,
	    (long long)b);
	is_int(check(conf, x, "2026-12-07 12:00", &v), MSG_CHECK_SUPPRESS,
	    "budget: 10 of 10 fen spent, the third is suppressed");
	like(v.reason, "budget: 10 of 10 fen spent", "budget: the reason");
	sql("UPDATE campaigns SET budget = NULL WHERE id = %lld",
	    (long long)cid);
	is_int(check(conf, x, "2026-12-07 12:00", &v), MSG_CHECK_SEND,
	    "budget: none set, it goes");
	ok(store_campaign_state(src, cid, "paused", now, &cause) == 0,
	    "pause: paused");
	is_int(check(conf, x, "2026-12-07 12:00", &v), MSG_CHECK_DEFER,
	    "pause: its messages wait");
	is_str(v.until, "2026-12-07 12:05:00", "pause: they look again in "
	    "five minutes");
	ok(store_campaign_state(src, cid, "cancelled", now, &cause) == 0,
	    "cancel: cancelled");
	is_int(check(conf, x, "2026-12-07 12:00", &v), MSG_CHECK_CANCEL,
	    "cancel: its messages end cancelled");
	ok(store_campaign_state(src, cid, "sending", now, &cause) == -1,
	    "cancel: a cancelled campaign cannot start again");
	free(cause);
}

/* ---- through the worker ---- */

static char sent_to[16][32];
static int nsent;

static int
rec_open(const struct msg_env *env, void **state, char **cause)
{
	(void)env;
	(void)cause;
	*state = NULL;
	return 0;
}

static int
rec_send(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	(void)state;
	(void)att;
	(void)natt;
	if (nsent < 16)
		snprintf(sent_to[nsent++], sizeof sent_to[0], "%s",
		    m->recipient);
	r->outcome = MSG_SENT;
	return 0;
}

static void
rec_close(void *state)
{
	(void)state;
}

static const struct msg_transport_ops rec_ops = {
	.name = "recorder",             /* a transport that remembers */
	.channel = "sms",               /* outbox channel served */
	.open = rec_open,               /* nothing to open */
	.send = rec_send,               /* takes every message */
	.close = rec_close,             /* nothing to close */
};

static void
work(struct conf *conf, struct msg_stats *st)
{
	struct msg_worker_opts o = { .name = "test/rec", .once = 1,
	    .lease_ms = 60000, .batch = 20, .retry_ms = 1000,
	    .retry_max_ms = 1000 };
	char *cause = NULL;

	memset(st, 0, sizeof *st);
	nsent = 0;
	if (msg_worker_run(src, "sqlite", conf, &rec_ops, &o, st, &cause) ==
	    -1) {
		tap_diag("%s", cause);
		free(cause);
	}
}

static char *
state_of(int64_t id)
{
	struct store_msg *m;
	char *cause = NULL, *s;

	if (store_outbox_get(src, id, &m, &cause) == -1) {
		free(cause);
		return xstrdup("?");
	}
	s = xstrdup(m->status);
	store_msgs_free(m, 1);
	return s;
}

static void
test_worker(void)
{
	char name[] = "worker", ch[] = "sms", so[] = "text", bo[] = "特价";
	struct store_campaign c = { .name = name, .channel = ch,
	    .source = so, .body = bo, .budget = -1 };
	struct msg_stats st;
	struct conf *conf;
	char *cause = NULL, now[20], *s;
	int64_t cid = 0, a, b, d;
	int64_t n;

	conf = make_conf("quiet-marketing = none");
	sql("UPDATE outbox SET status = 'cancelled' WHERE status IN "
	    "('queued', 'claimed')");
	member(8);
	member(9);
	member(10);
	msg_time(now, 0);
	store_campaign_new(src, &c, now, &cid, &cause);
	store_campaign_state(src, cid, "sending", now, &cause);
	a = queue("sms", 8, "marketing", cid, 5, "w:8");
	b = queue("sms", 9, "marketing", cid, 5, "w:9");
	d = queue("sms", 10, "marketing", cid, 5, "w:10");
	/* Member 9 opts out after the broadcast was queued. */
	sql("INSERT INTO consent_ledger (member_id, address, service, action, "
	    "via, recorded_at) VALUES (9, '13900000009', 'sms', "
	    "'unsubscribe', 'sms', '%s')", now);
	store_campaign_state(src, cid, "paused", now, &cause);
	work(conf, &st);
	is_int(nsent, 0, "worker: a paused campaign sends nothing");
	is_int(st.deferred, 2, "worker: two put off");
	is_int(st.suppressed, 1, "worker: the one who opted out suppressed "
	    "even while paused");
	s = state_of(b);
	is_str(s, "suppressed", "worker: the opt-out after queueing holds");
	free(s);
	s = state_of(a);
	is_str(s, "queued", "worker: the others wait, queued");
	free(s);
	ok(store_campaign_state(src, cid, "sending", now, &cause) == 0 &&
	    store_campaign_hold(src, cid, "sending", now, &n, &cause) == 0,
	    "worker: resumed");
	is_int(n, 2, "worker: the two put off are due now");
	work(conf, &st);
	is_int(nsent, 2, "worker: after resuming, two sent");
	is_str(sent_to[0], "13900000008", "worker: to member 8");
	is_str(sent_to[1], "13900000010", "worker: and member 10, not 9");
	s = state_of(d);
	is_str(s, "submitted", "worker: submitted");
	free(s);

	/* Cancelled between claim and send: the worker ends it. */
	a = queue("sms", 8, "marketing", cid, 5, "w:8b");
	store_campaign_state(src, cid, "cancelled", now, &cause);
	work(conf, &st);
	is_int(nsent, 0, "worker: nothing of a cancelled campaign is sent");
	s = state_of(a);
	is_str(s, "cancelled", "worker: its message ends cancelled");
	free(s);
	conf_free(conf);
}

int
main(void)
{
	struct conf *conf;
	char *adir, *cause = NULL, *cmd;

	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	srcdir = getenv("KEFU_SRCDIR") ? getenv("KEFU_SRCDIR") : (char *)".";
	adir = xasprintf("%s/adapters", srcdir);
	if (db_adapters_load(adir, &ads, &cause) == -1) {
		tap_diag("adapters: %s", cause);
		free(cause);
		ads = NULL;
	}
	dir = xasprintf("/tmp/kefu-suppress-%ld", (long)getpid());
	cmd = xasprintf("rm -rf '%s' && mkdir -p '%s'", dir, dir);
	if (system(cmd) != 0)
		tap_bail("cannot make the test folder");
	free(cmd);
	conf = make_conf("quiet-marketing = 21:00-08:00");
	if (conf == NULL || open_store(conf) == -1)
		tap_bail("no store");
	test_optout(conf);
	test_quiet(conf);
	test_cap();
	test_cap_batch();
	test_campaign(conf);
	test_worker();
	db_source_close(src);
	conf_free(conf);
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("cannot remove %s", dir);
	free(cmd);
	if (ads != NULL)
		db_adapters_free(ads);
	free(adir);
	free(dir);
	return tap_done();
}
