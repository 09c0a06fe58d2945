/*
 * t/unit/db-race.c: the db layer never cuts a socket that is not its
 * own.  While a datasource on PostgreSQL (KEFU_TEST_PG, behind a
 * loopback proxy) connects again and again and its statements time out
 * on a frozen network, a child process keeps connecting to a listener of
 * this process -- as callers of the control socket and the simulated
 * line do -- and every accepted socket must still carry an echo both
 * ways until the test itself closes it.  Also: each frozen statement
 * ends within query-timeout and half a second, for callers one after
 * another through a freeze of KEFU_TEST_FREEZE_S seconds (15 by
 * default; 60 for the figure in the report) on a pool like kefud's,
 * and callers who need a new connection while the network freezes.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/db.h"
#include "util/util.h"
#include "../churn.h"
#include "../proxy.h"
#include "../tap.h"

#define RACE_TIMEOUT_MS 300     /* query-timeout */
/*
 * The network stays frozen until the statement is over, this long at
 * most (a hang): a statement ended only by the thaw fails the bound.
 */
#define RACE_THAW_MS 10000
/* A connect through the proxy answers within this (load, not speed). */
#define RACE_CONNECT_MS 10000

static const struct db_adapters *ads;

/* Thaws the proxy once the statement is over, or after RACE_THAW_MS. */
struct thaw {
	struct proxy *px;
	atomic_int over;        /* the statement returned */
	pthread_t tid;
};

static void *
thaw_main(void *arg)
{
	struct thaw *t = arg;

	tap_wait(atomic_load(&t->over), RACE_THAW_MS);
	proxy_mode(t->px, PROXY_FORWARD);
	return NULL;
}

static int
query(struct db_source *src, const char *sql, struct db_err *err)
{
	struct db_result *res = NULL;
	struct db_query q;
	int rc;

	memset(&q, 0, sizeof q);
	q.sql = sql;
	rc = db_run(src, &q, &res, err);
	db_result_free(res);
	return rc;
}

static void
race_pg(const char *pg, int cycles, struct churn *r)
{
	struct conf_datasource ds;
	struct db_source *src;
	struct db_err err;
	struct proxy px;
	struct thaw t;
	char *connect[1], *cause = NULL;
	uint64_t t0, ms, worst = 0;
	unsigned timeouts = 0, answers = 0;
	int upstream, i, rc;

	connect[0] = proxy_connstr(pg, 0, &upstream);
	free(connect[0]);
	/* The other clients start after the proxy forked (it would hold
	   their sockets open). */
	if (proxy_start(&px, upstream) == -1 || churn_start(r, 25) == -1) {
		ok(0, "start the proxy and the other clients");
		return;
	}
	connect[0] = proxy_connstr(pg, px.port, &upstream);
	memset(&ds, 0, sizeof ds);
	ds.name = (char *)"race";
	ds.connect = connect;
	ds.nconnect = 1;
	ds.encoding = (char *)"UTF-8";
	ds.pool_size = 4;
	ds.pool_min = 0;
	ds.pool_wait_ms = 200;
	ds.connect_timeout_ms = 1000;
	ds.query_timeout_ms = RACE_TIMEOUT_MS;
	ds.retry_ms = 100;
	ds.retry_max_ms = 200;
	ds.idle_check_ms = 0;
	if (db_source_open(&ds, ads, &src, &cause) == -1) {
		ok(0, "open: %s", cause);
		free(cause);
		return;
	}
	for (i = 0; i < cycles; i++) {
		/* Connections made while the other clients come and go. */
		answers += tap_wait(query(src, "SELECT 1", &err) == 0,
		    RACE_CONNECT_MS);
		if (proxy_mode(&px, PROXY_FROZEN) == 0)
			tap_diag("the proxy does not answer");
		t.px = &px;
		atomic_init(&t.over, 0);
		pthread_create(&t.tid, NULL, thaw_main, &t);
		t0 = now_ms();
		rc = query(src, "SELECT 2", &err);
		ms = now_ms() - t0;
		atomic_store(&t.over, 1);
		if (ms > worst)
			worst = ms;
		if (rc == -1 && (err.kind == DBE_TIMEOUT ||
		    err.kind == DBE_DOWN))
			timeouts++;
		pthread_join(t.tid, NULL);
	}
	db_source_close(src);
	churn_stop(r);
	proxy_stop(&px);
	free(connect[0]);
	ok(answers == (unsigned)cycles, "%u of %d connects through the proxy "
	    "answered", answers, cycles);
	is_int(timeouts, cycles, "every statement on the frozen network "
	    "failed (timeout or down)");
	ok(worst <= RACE_TIMEOUT_MS + tap_slow(500), "each within "
	    "query-timeout %d ms and %u ms (worst %llu ms)", RACE_TIMEOUT_MS,
	    tap_slow(500), (unsigned long long)worst);
}

/*
 * Callers who need a new connection while the network freezes, the
 * database believed up (nothing opened yet: pool-min 0): a connect then
 * hangs until connect-timeout (3 s), far past query-timeout.  Six
 * callers back to back, the first four each starting a connect of its
 * own and the last two finding the pool full of connects, are each
 * told within query-timeout and half a second; once the network thaws,
 * the connects started for them serve the next caller.
 */
static void
connect_frozen(const char *pg)
{
	struct conf_datasource ds;
	struct db_source *src;
	struct db_err err;
	struct proxy px;
	char *connect[1], *cause = NULL;
	uint64_t t0, ms, worst = 0;
	int upstream, i, told = 0, answered = 0;

	connect[0] = proxy_connstr(pg, 0, &upstream);
	free(connect[0]);
	if (proxy_start(&px, upstream) == -1) {
		ok(0, "start the proxy");
		return;
	}
	connect[0] = proxy_connstr(pg, px.port, &upstream);
	memset(&ds, 0, sizeof ds);
	ds.name = (char *)"connfrozen";
	ds.connect = connect;
	ds.nconnect = 1;
	ds.encoding = (char *)"UTF-8";
	ds.pool_size = 4;
	ds.pool_min = 0;
	ds.pool_wait_ms = 2000;
	ds.connect_timeout_ms = 3000;
	ds.query_timeout_ms = RACE_TIMEOUT_MS;
	ds.retry_ms = 1000;
	ds.retry_max_ms = 2000;
	ds.idle_check_ms = 0;
	if (db_source_open(&ds, ads, &src, &cause) == -1) {
		ok(0, "open: %s", cause);
		free(cause);
		return;
	}
	proxy_mode(&px, PROXY_FROZEN);
	for (i = 0; i < 6; i++) {
		t0 = now_ms();
		if (query(src, "SELECT 1", &err) == -1 &&
		    (err.kind == DBE_TIMEOUT || err.kind == DBE_BUSY ||
		    err.kind == DBE_DOWN))
			told++;
		ms = now_ms() - t0;
		if (ms > worst)
			worst = ms;
		if (getenv("KEFU_TEST_VERBOSE") != NULL)
			printf("# caller %d: %llu ms, %s: %s\n", i + 1,
			    (unsigned long long)ms, db_errkind_name(err.kind),
			    err.msg);
	}
	proxy_mode(&px, PROXY_FORWARD);
	answered = tap_wait(query(src, "SELECT 1", &err) == 0, 8000);
	db_source_close(src);
	proxy_stop(&px);
	free(connect[0]);
	is_int(told, 6, "6 callers needing a new connection on a frozen "
	    "network were told the database cannot answer");
	ok(worst <= RACE_TIMEOUT_MS + tap_slow(500), "each within "
	    "query-timeout %d ms and %u ms, not connect-timeout 3000 ms "
	    "(worst %llu ms)", RACE_TIMEOUT_MS, tap_slow(500),
	    (unsigned long long)worst);
	ok(answered, "answered once the network thawed");
	printf("# connect on a frozen network: 6 callers, worst wait %llu ms\n",
	    (unsigned long long)worst);
}

/*
 * Callers one after another, a second apart, on a pool like kefud's
 * (pool-size 4 opened at start, query-timeout and connect-timeout 2 s,
 * idle-check 1 s so that the freeze finds idle connections due for a
 * probe): the database is down for a while, answers again, then the
 * network to it freezes for secs seconds.  Each caller
 * is answered or told within query-timeout and half a second.
 */
static void
freeze_pg(const char *pg, int secs)
{
	struct conf_datasource ds;
	struct db_source *src;
	struct db_err err;
	struct db_stats st;
	struct proxy px;
	char *connect[1], *cause = NULL;
	uint64_t t0, t, ms, worst = 0, worst_at = 0;
	int upstream, n = 0, late = 0, answered = 0;

	connect[0] = proxy_connstr(pg, 0, &upstream);
	free(connect[0]);
	if (proxy_start(&px, upstream) == -1) {
		ok(0, "start the proxy");
		return;
	}
	connect[0] = proxy_connstr(pg, px.port, &upstream);
	memset(&ds, 0, sizeof ds);
	ds.name = (char *)"frozen";
	ds.connect = connect;
	ds.nconnect = 1;
	ds.encoding = (char *)"UTF-8";
	ds.pool_size = 4;
	ds.pool_min = -1;
	ds.pool_wait_ms = 2000;
	ds.connect_timeout_ms = 2000;
	ds.query_timeout_ms = 2000;
	ds.retry_ms = 1000;
	ds.retry_max_ms = 2000;
	ds.idle_check_ms = 1000;
	if (db_source_open(&ds, ads, &src, &cause) == -1) {
		ok(0, "open: %s", cause);
		free(cause);
		return;
	}
	db_source_warm(src);
	tap_wait((db_source_stats(src, &st), st.open == 4), 5000);
	answered += query(src, "SELECT 1", &err) == 0;
	proxy_mode(&px, PROXY_DOWN);
	/* the test: a caller a second through a 5 s outage */
	for (t0 = now_ms(); now_ms() - t0 < 5000; sleep_ms(1000))
		query(src, "SELECT 1", &err);
	proxy_mode(&px, PROXY_FORWARD);
	answered += tap_wait(query(src, "SELECT 1", &err) == 0, 5000);
	/*
	 * A quiet moment: the pool's connections sit idle past idle-check.
	 * The wait is the test.
	 */
	sleep_ms(1500);
	proxy_mode(&px, PROXY_FROZEN);
	/* the test: a caller a second through the freeze */
	for (t0 = now_ms(); now_ms() - t0 < (uint64_t)secs * 1000;
	    sleep_ms(1000)) {
		t = now_ms();
		query(src, "SELECT 2", &err);
		ms = now_ms() - t;
		n++;
		if (ms > worst) {
			worst = ms;
			worst_at = (t - t0) / 1000;
		}
		late += ms > 2000 + tap_slow(500);
		if (getenv("KEFU_TEST_VERBOSE") != NULL)
			printf("# caller at %llu s: %llu ms, %s\n",
			    (unsigned long long)((t - t0) / 1000),
			    (unsigned long long)ms, db_errkind_name(err.kind));
	}
	proxy_mode(&px, PROXY_FORWARD);
	answered += tap_wait(query(src, "SELECT 1", &err) == 0, 10000);
	db_source_close(src);
	proxy_stop(&px);
	free(connect[0]);
	is_int(answered, 3, "answered before the outage, after it, and "
	    "after the freeze");
	is_int(late, 0, "freeze of %d s: none of %d callers waited past "
	    "query-timeout 2000 ms + %u ms (worst %llu ms, at %llu s)",
	    secs, n, tap_slow(500), (unsigned long long)worst,
	    (unsigned long long)worst_at);
	printf("# freeze of %d s: %d callers, worst wait %llu ms\n", secs, n,
	    (unsigned long long)worst);
}

int
main(void)
{
	struct db_adapters *loaded = NULL;
	const char *srcdir = getenv("KEFU_SRCDIR");
	const char *pg = getenv("KEFU_TEST_PG");
	const char *req = getenv("KEFU_TEST_REQUIRE_SERVERS");
	struct churn r;
	char *dir, *cause = NULL;
	int cycles = getenv("KEFU_RACE_CYCLES") ? atoi(
	    getenv("KEFU_RACE_CYCLES")) : 15;

	if (pg == NULL || *pg == '\0') {
		if (req != NULL && strcmp(req, "1") == 0) {
			ok(0, "KEFU_TEST_PG is not set but "
			    "KEFU_TEST_REQUIRE_SERVERS=1");
			return tap_done();
		}
		tap_skip_all("KEFU_TEST_PG not set");
	}
	signal(SIGPIPE, SIG_IGN);
	log_set_level(KLOG_WARN);
	dir = xasprintf("%s/adapters", srcdir ? srcdir : ".");
	if (db_adapters_load(dir, &loaded, &cause) == -1) {
		ok(0, "adapters load: %s", cause);
		free(cause);
	}
	free(dir);
	ads = loaded;
	/* Other clients come and go all the while. */
	race_pg(pg, cycles, &r);
	connect_frozen(pg);
	freeze_pg(pg, getenv("KEFU_TEST_FREEZE_S") ?
	    atoi(getenv("KEFU_TEST_FREEZE_S")) : 15);
	ok(r.accepted > 50 && r.checked > 30, "other clients came and went "
	    "meanwhile (%u accepted, %u checked)", r.accepted, r.checked);
	is_int(r.cut, 0, "no other client's socket was ever cut%s%s",
	    r.why[0] ? ": " : "", r.why);
	db_adapters_free(loaded);
	return tap_done();
}
