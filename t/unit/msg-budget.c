/*
 * msg-budget.c: a campaign's budget at the moment of sending, through
 * the outbox worker with a transport of the test's own, on SQLite,
 * PostgreSQL and MariaDB (t/store-engines.h): a batch larger than what
 * is left sends exactly up to the budget and ends the rest suppressed;
 * two workers on stores of their own (two kefud nodes, as the server
 * sees them) racing through one campaign never spend past it nor send
 * a message twice; a failed send and a message given back untried
 * return their cost for later messages; and the campaign and its budget
 * cost a few SQL statements a batch, not two a message.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "db/db.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"
#include "../tap.h"
#include "t/store-engines.h"

#define MAXMSG 1024              /* message ids the transport counts */
#define NO_CAMPAIGN (-2)        /* campaign(): messages of none */

static struct db_adapters *ads;
static char *sqldir;
static struct conf *conf;
static const char *dialect;

static atomic_uint sends[MAXMSG + 1];   /* by message id: hand-overs */
static atomic_uint nsends;
static atomic_int fail_upto;    /* messages numbered up to this fail */
static atomic_int down_once;    /* the next send finds the peer down */
static atomic_uint pace_ms;     /* a send takes this long */

/* A message's number: the digits after the last '-' of its recipient. */
static int
msg_number(const struct store_msg *m)
{
	const char *p = strrchr(m->recipient, '-');

	return p != NULL ? atoi(p + 1) : 0;
}

static int
fake_open(const struct msg_env *env, void **state, char **cause)
{
	(void)env;
	(void)cause;
	*state = xcalloc(1, 1);
	return 0;
}

static int
fake_send(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	int k = msg_number(m);

	(void)state;
	(void)att;
	(void)natt;
	if (atomic_load(&pace_ms) > 0)  /* the test: a peer's pace */
		sleep_ms(atomic_load(&pace_ms));
	if (atomic_exchange(&down_once, 0)) {
		r->outcome = MSG_TEMPFAIL;
		r->down = 1;
		snprintf(r->detail, sizeof r->detail, "fake: peer down");
		return 0;
	}
	if (k <= atomic_load(&fail_upto)) {
		r->outcome = MSG_PERMFAIL;
		snprintf(r->detail, sizeof r->detail, "fake: refused");
		return 0;
	}
	if (m->id > 0 && m->id <= MAXMSG)
		atomic_fetch_add(&sends[m->id], 1);
	atomic_fetch_add(&nsends, 1);
	r->outcome = MSG_SENT;
	snprintf(r->remote_id, sizeof r->remote_id, "f%lld",
	    (long long)m->id);
	return 0;
}

static void
fake_close(void *state)
{
	free(state);
}

static const struct msg_transport_ops fake_ops = {
	.name = "fake", .channel = "sms", .open = fake_open,
	.send = fake_send, .close = fake_close,
};

static void
reset(void)
{
	int i;

	for (i = 0; i <= MAXMSG; i++)
		atomic_store(&sends[i], 0);
	atomic_store(&nsends, 0);
	atomic_store(&fail_upto, 0);
	atomic_store(&down_once, 0);
	atomic_store(&pace_ms, 0);
}

/*
 * A campaign "sending" with budget fen (-1: none) and n marketing SMS of
 * cost fen each to 1390000-TAG-1...: its id (0 with NO_CAMPAIGN, the
 * messages then of none).
 */
static int64_t
campaign(struct db_source *src, const char *tag, long budget, int n,
    int cost)
{
	struct store_campaign c = { .name = tag, .channel = "sms",
	    .source = "text", .body = "特价", .budget = budget };
	struct store_outbox_new m = { .channel = "sms", .body = "特价",
	    .msg_class = "marketing", .cost = cost };
	char now[20], key[64], to[64], *cause = NULL;
	int64_t cid = 0, id;
	int i, dup;

	msg_time(now, -60);
	if (budget != NO_CAMPAIGN && (store_campaign_new(src, &c, now, &cid,
	    &cause) == -1 || store_campaign_state(src, cid, "sending", now,
	    &cause) == -1)) {
		tap_diag("%s", cause);
		free(cause);
		return 0;
	}
	m.campaign_id = cid;
	for (i = 1; i <= n; i++) {
		snprintf(key, sizeof key, "%s:%d", tag, i);
		snprintf(to, sizeof to, "1390000-%s-%d", tag, i);
		m.idem_key = key;
		m.recipient = to;
		if (store_outbox_enqueue(src, &m, now, &id, &dup,
		    &cause) == -1) {
			tap_diag("%s", cause);
			free(cause);
			cause = NULL;
		}
	}
	return cid;
}

/* One worker's run until nothing is due: its stats. */
struct runner {
	pthread_t th;
	struct db_source *src;
	struct msg_worker_opts o;
	struct msg_stats st;
	char name[32];
	int rc;
};

static void *
runner_main(void *arg)
{
	struct runner *x = arg;
	char *cause = NULL;

	x->rc = msg_worker_run(x->src, dialect, conf, &fake_ops, &x->o,
	    &x->st, &cause);
	if (x->rc == -1)
		tap_diag("worker %s: %s", x->name, cause);
	free(cause);
	return NULL;
}

static void
runner_init(struct runner *x, struct db_source *src, const char *name,
    unsigned batch, int late)
{
	memset(x, 0, sizeof *x);
	x->src = src;
	snprintf(x->name, sizeof x->name, "%s", name);
	msg_worker_opts_sms(conf, x->name, NULL, &x->o);
	x->o.once = 1;
	x->o.batch = batch;
	x->o.late = late;
	x->o.poll_ms = 20;
}

/* A count of the campaign's messages where cond holds. */
static long long
count(struct db_source *src, int64_t cid, const char *cond)
{
	char *sql = xasprintf("SELECT COUNT(*) FROM outbox WHERE campaign_id "
	    "= %lld AND %s", (long long)cid, cond);
	long long n = store_test_count(src, sql);

	free(sql);
	return n;
}

static long long
spent(struct db_source *src, int64_t cid)
{
	char *cause = NULL;
	int64_t s = -1;

	if (store_campaign_spent(src, cid, &s, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
	}
	return (long long)s;
}

/* A batch of 10 at 5 fen against 25 left: 5 go, 5 are suppressed. */
static void
test_batch(const char *l, struct db_source *src)
{
	struct runner x;
	int64_t cid;

	reset();
	cid = campaign(src, "batch", 25, 10, 5);
	runner_init(&x, src, "b/1", 10, 1);
	runner_main(&x);
	is_int(x.rc, 0, "%s: batch: the worker ran", l);
	is_int(count(src, cid, "status = 'submitted'"), 5,
	    "%s: batch: a batch of 10 at 5 fen against a budget of 25 sends "
	    "exactly 5", l);
	is_int(spent(src, cid), 25, "%s: batch: 25 fen spent, not more", l);
	is_int(atomic_load(&nsends), 5, "%s: batch: the transport took 5",
	    l);
	is_int(count(src, cid, "status = 'suppressed' AND last_error LIKE "
	    "'%budget: 25 of 25 fen spent, this message costs 5'"), 5,
	    "%s: batch: the other 5 end suppressed, with the reason", l);
	ok(x.st.sent == 5 && x.st.suppressed == 5, "%s: batch: the worker "
	    "counts 5 sent and 5 suppressed (%u, %u)", l, x.st.sent,
	    x.st.suppressed);
	is_int(count(src, cid, "status IN ('submitted', 'suppressed') AND "
	    "claimed_by IS NULL"), 10, "%s: batch: no claim left", l);
}

/*
 * Two workers, each on a store source of its own, race through ten
 * campaigns of 4 messages at 5 fen, each with a budget of 10: claiming
 * 2 at a time side by side, they weigh two halves of one campaign at
 * the same moment -- without the lock both would see nothing spent.
 * Exactly 2 of each go, none twice.
 */
static void
test_race(const char *l, struct db_source *src, struct db_source *src2)
{
	struct runner x, y;
	int64_t cid[10];
	char tag[16];
	int i, twice = 0, over = 0;

	reset();
	atomic_store(&pace_ms, 5);
	for (i = 0; i < 10; i++) {
		snprintf(tag, sizeof tag, "race%d", i);
		cid[i] = campaign(src, tag, 10, 4, 5);
	}
	/* both connected before they start: neither has a head start */
	store_test_count(src2, "SELECT COUNT(*) FROM campaigns");
	runner_init(&x, src, "node1/sms", 2, 1);
	runner_init(&y, src2, "node2/sms", 2, 0);
	if (pthread_create(&x.th, NULL, runner_main, &x) != 0 ||
	    pthread_create(&y.th, NULL, runner_main, &y) != 0)
		tap_bail("pthread_create");
	pthread_join(x.th, NULL);
	pthread_join(y.th, NULL);
	ok(x.rc == 0 && y.rc == 0, "%s: race: both workers ran", l);
	ok(x.st.sent + x.st.suppressed > 0 && y.st.sent + y.st.suppressed >
	    0, "%s: race: both took part (%u+%u and %u+%u sent+suppressed)",
	    l, x.st.sent, x.st.suppressed, y.st.sent, y.st.suppressed);
	for (i = 0; i < 10; i++)
		if (spent(src, cid[i]) != 10) {
			tap_diag("%s: race%d spent %lld", l, i,
			    spent(src, cid[i]));
			over++;
		}
	is_int(over, 0, "%s: race: two workers racing through ten campaigns "
	    "spend exactly each one's budget of 10 fen", l);
	is_int(atomic_load(&nsends), 20, "%s: race: the transport took 20",
	    l);
	for (i = 1; i <= MAXMSG; i++)
		twice += atomic_load(&sends[i]) > 1;
	is_int(twice, 0, "%s: race: no message sent twice", l);
	is_int(x.st.suppressed + y.st.suppressed, 20,
	    "%s: race: the other 20 suppressed by the workers", l);
	for (i = 0; i < 10; i++)
		twice += (int)count(src, cid[i], "status = 'suppressed'");
	is_int(twice, 20, "%s: race: and in the outbox", l);
}

/*
 * 6 messages at 5 fen against 20, the first two refused for good: what
 * they reserved comes back, and the 4 others all go.
 */
static void
test_failed(const char *l, struct db_source *src)
{
	struct runner x;
	int64_t cid;

	reset();
	atomic_store(&fail_upto, 2);
	cid = campaign(src, "fail", 20, 6, 5);
	runner_init(&x, src, "f/1", 2, 1);
	runner_main(&x);
	is_int(count(src, cid, "status = 'failed'"), 2,
	    "%s: failed: two refused for good", l);
	is_int(count(src, cid, "status = 'submitted'"), 4,
	    "%s: failed: their cost came back: the 4 others all went", l);
	is_int(count(src, cid, "status = 'suppressed'"), 0,
	    "%s: failed: none over the budget", l);
	is_int(spent(src, cid), 20, "%s: failed: 20 fen spent", l);
}

/*
 * The peer down at the first of 3 (5 fen each, budget 15): it is queued
 * again and the two others given back untried -- nothing spent; sent
 * later, all three go.
 */
static void
test_untried(const char *l, struct db_source *src)
{
	struct runner x;
	int64_t cid;
	char *sql;

	reset();
	atomic_store(&down_once, 1);
	cid = campaign(src, "down", 15, 3, 5);
	runner_init(&x, src, "d/1", 3, 0);
	runner_main(&x);
	is_int(count(src, cid, "status = 'queued'"), 3,
	    "%s: untried: the peer down, all 3 queued again", l);
	is_int(spent(src, cid), 0, "%s: untried: nothing spent", l);
	sql = xasprintf("UPDATE outbox SET next_attempt_at = '2026-01-01 "
	    "00:00:00' WHERE campaign_id = %lld", (long long)cid);
	store_test_exec(src, sql);
	free(sql);
	runner_init(&x, src, "d/2", 3, 0);
	runner_main(&x);
	is_int(count(src, cid, "status = 'submitted'"), 3,
	    "%s: untried: later all 3 go within the 15 fen", l);
	is_int(spent(src, cid), 15, "%s: untried: 15 fen spent", l);
}

/* The SQL statements one worker's run took for 10 messages. */
static unsigned long long
statements(struct db_source *src, const char *tag, long budget)
{
	struct db_stats a, b;
	struct runner x;

	reset();
	campaign(src, tag, budget, 10, 5);
	runner_init(&x, src, tag, 10, 1);
	db_source_stats(src, &a);
	runner_main(&x);
	db_source_stats(src, &b);
	if (x.st.sent != 10)
		tap_diag("%s: %u sent, not 10", tag, x.st.sent);
	/* a transaction counts once in queries, and each statement in it */
	return (unsigned long long)(b.queries + b.in_tx - a.queries -
	    a.in_tx);
}

/*
 * A batch of 10 without a campaign, of a campaign without a budget and
 * of one with a budget that holds them all: the campaign costs one
 * statement a batch, its budget three more (the lock, the spend, and
 * the commit being a transaction even with no outcomes before it).
 */
static void
test_statements(const char *l, struct db_source *src)
{
	unsigned long long none, free_, capped;

	none = statements(src, "s-none", NO_CAMPAIGN);
	free_ = statements(src, "s-free", -1);
	capped = statements(src, "s-capped", 1000);
	tap_diag("%s: statements for 10 messages: %llu without a campaign, "
	    "%llu of a campaign, %llu with its budget", l, none, free_,
	    capped);
	ok(free_ <= none + 1, "%s: statements: a campaign is read once a "
	    "batch (%llu against %llu without)", l, free_, none);
	ok(capped <= none + 4, "%s: statements: and its budget weighed in "
	    "a few statements a batch, not two a message (%llu against %llu)",
	    l, capped, none);
}

static void
test_engine(const char *l, struct conf_datasource *ds)
{
	struct db_source *src, *src2;
	char *cause = NULL;

	if (store_test_open(ads, ds, sqldir, &src, &cause) == -1 ||
	    db_source_open(ds, ads, &src2, &cause) == -1) {
		ok(0, "%s: open and init: %s", l, cause);
		free(cause);
		return;
	}
	dialect = strcmp(l, "mariadb") == 0 ? "mysql" : l;
	test_batch(l, src);
	test_race(l, src, src2);
	test_failed(l, src);
	test_untried(l, src);
	test_statements(l, src);
	db_source_close(src2);
	db_source_close(src);
}

int
main(void)
{
	char *cause = NULL;

	ads = store_test_setup(&sqldir);
	if (ads == NULL)
		tap_bail("no adapters");
	if (conf_parse("/tmp/kefu-budget-test.conf", "[sms]\nretry = 1s\n"
	    "retry-max = 1s\nlease = 30s\n[suppress]\nquiet-marketing = none\n"
	    "quiet-transactional = none\n", &conf, &cause) == -1)
		tap_bail(cause);
	log_set_level(KLOG_WARN);
	store_test_engines(ads, "budget", test_engine);
	conf_free(conf);
	store_test_teardown(ads, sqldir);
	return tap_done();
}
