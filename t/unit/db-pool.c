/*
 * t/unit/db-pool.c: the pool under trouble -- a statement past its
 * deadline is cancelled (DBE_TIMEOUT), a full pool answers DBE_BUSY after
 * pool-wait, a "hanging" database (a loopback listener that accepts and
 * never answers) costs a caller at most connect-timeout, back-off answers
 * DBE_DOWN at once with one caller re-probing, failover to the next
 * connection string, and a dead datasource never slows a live one.
 */
#include "config.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "db/db.h"
#include "util/util.h"
#include "../tap.h"

static char dbpath[64];
static char *lite;

/* A TCP listener that accepts and never says a word. */
struct hang {
	int fd;
	int port;
	int stop;
	int clients[64];
	atomic_int nclients;    /* accepted: a connect has begun */
	pthread_t tid;
};

static void *
hang_main(void *arg)
{
	struct hang *h = arg;
	int c;

	while (!h->stop) {
		c = accept(h->fd, NULL, NULL);
		if (c < 0)
			continue;
		if (h->nclients < 64)
			h->clients[h->nclients++] = c;
		else
			close(c);
	}
	return NULL;
}

static int
hang_start(struct hang *h)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	struct timeval tv = { 0, 200000 };

	memset(h, 0, sizeof *h);
	if ((h->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(h->fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(h->fd, 64) < 0 ||
	    getsockname(h->fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	setsockopt(h->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	h->port = ntohs(sa.sin_port);
	return pthread_create(&h->tid, NULL, hang_main, h) == 0 ? 0 : -1;
}

static void
hang_stop(struct hang *h)
{
	h->stop = 1;
	pthread_join(h->tid, NULL);
	for (int i = 0; i < h->nclients; i++)
		close(h->clients[i]);
	close(h->fd);
}

/* A loopback port where nothing listens (connection refused). */
static int
dead_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof sa);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void
ds_init(struct conf_datasource *ds, const char *name, char **connect,
    size_t n)
{
	memset(ds, 0, sizeof *ds);
	ds->name = (char *)name;
	ds->connect = connect;
	ds->nconnect = n;
	ds->encoding = (char *)"UTF-8";
	ds->pool_size = 2;
	ds->pool_wait_ms = 1000;
	ds->connect_timeout_ms = 1000;
	ds->query_timeout_ms = 3000;
	ds->retry_ms = 400;
	ds->retry_max_ms = 2000;
	ds->idle_check_ms = 30000;
}

static int
run(struct db_source *src, const char *sql, int timeout_ms,
    struct db_err *err)
{
	struct db_result *res = NULL;
	struct db_query q;
	int rc;

	memset(&q, 0, sizeof q);
	q.sql = sql;
	q.timeout_ms = timeout_ms;
	rc = db_run(src, &q, &res, err);
	db_result_free(res);
	return rc;
}

#define SLOW_SQL "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 " \
	"FROM n WHERE x < 2000000000) SELECT count(*) FROM n"

static void
test_timeout(void)
{
	struct conf_datasource ds;
	struct db_source *src;
	struct db_stats st;
	struct db_err err;
	char *cause = NULL;
	uint64_t t0, ms;
	int rc;

	ds_init(&ds, "lite", &lite, 1);
	db_source_open(&ds, NULL, &src, &cause);
	t0 = now_ms();
	rc = run(src, SLOW_SQL, 400, &err);
	ms = now_ms() - t0;
	ok(rc == -1 && err.kind == DBE_TIMEOUT, "a slow statement times out: "
	    "%s: %s", db_errkind_name(err.kind), err.msg);
	ok(ms >= 350 && ms < 400 + tap_slow(2000), "after about 400 ms (%llu "
	    "ms): the watchdog cancelled it", (unsigned long long)ms);
	db_source_stats(src, &st);
	is_int(st.timeouts, 1, "one timeout counted");
	is_int(st.errors, 1, "one error counted");
	/*
	 * A driver slow to return from the cancel (a loaded machine) has its
	 * connection abandoned: a caller then waits for a new one half a
	 * second at most, so the datasource works again once it is made.
	 */
	ok(tap_wait(run(src, "SELECT 1", 0, &err) == 0, 10000), "the "
	    "datasource works afterwards (%s)", err.msg);
	db_source_close(src);
}

struct slow_arg {
	struct db_source *src;
	int rc;
	struct db_err err;
};

static void *
slow_main(void *arg)
{
	struct slow_arg *a = arg;

	a->rc = run(a->src, SLOW_SQL, 3000, &a->err);
	return NULL;
}

static void
test_busy(void)
{
	struct conf_datasource ds;
	struct db_source *src;
	struct slow_arg a;
	struct db_err err;
	struct db_stats st;
	pthread_t tid;
	char *cause = NULL;
	uint64_t t0, ms;
	int rc;

	ds_init(&ds, "lite", &lite, 1);
	ds.pool_size = 1;
	ds.pool_wait_ms = 200;
	db_source_open(&ds, NULL, &src, &cause);
	run(src, "SELECT 1", 0, &err);         /* connect first */
	memset(&a, 0, sizeof a);
	a.src = src;
	pthread_create(&tid, NULL, slow_main, &a);
	ok(tap_wait((db_source_stats(src, &st), st.busy == 1), 3000),
	    "the only connection is busy");
	t0 = now_ms();
	rc = run(src, "SELECT 1", 0, &err);
	ms = now_ms() - t0;
	ok(rc == -1 && err.kind == DBE_BUSY, "second caller gets DBE_BUSY: "
	    "%s", err.msg);
	/* had it waited for the connection, it would have got it at 3 s */
	ok(ms >= 150 && ms < 3000, "after pool-wait 200 ms, not when the "
	    "connection came free (%llu ms)", (unsigned long long)ms);
	pthread_join(tid, NULL);
	ok(a.rc == -1 && a.err.kind == DBE_TIMEOUT, "the slow one timed out");
	/* once a connection is there again (see test_timeout) */
	ok(tap_wait(run(src, "SELECT 1", 0, &err) == 0, 10000), "pool usable "
	    "again (%s)", err.msg);
	db_source_stats(src, &st);
	is_int(st.busy, 0, "nothing busy");
	ok(st.open <= 1, "never more than pool-size open (%d)", st.open);
	db_source_close(src);
}

/* The drivers a hanging database is tried with. */
static const char *const hang_drivers[] = {
	"Driver=MariaDB Unicode;Server=127.0.0.1;Port=%d;Database=kefu;"
	    "User=kefu;Password=secret",
	"Driver=PostgreSQL Unicode;Server=127.0.0.1;Port=%d;Database=kefu;"
	    "Uid=kefu;Pwd=secret",
};

/* Wait (5 s at most) until src has made and failed this many connects. */
static void
warm_wait(struct db_source *src, struct db_stats *st, uint64_t made,
    uint64_t failed)
{
	tap_wait((db_source_stats(src, st), st->connects >= made &&
	    st->connect_failures >= failed), 5000);
}

static void
test_hang(const struct db_adapters *ads, struct strbuf *logs)
{
	struct hang h;
	struct conf_datasource ds;
	struct db_source *src;
	struct db_stats st;
	struct db_err err;
	char *connect[1], *cause = NULL;
	uint64_t t0, ms;
	size_t d;
	int rc;

	if (hang_start(&h) == -1) {
		ok(0, "cannot start the hanging listener");
		return;
	}
	for (d = 0; d < nitems(hang_drivers); d++) {
		connect[0] = xasprintf(hang_drivers[d], h.port);
		ds_init(&ds, "hung", connect, 1);
		db_source_open(&ds, ads, &src, &cause);
		t0 = now_ms();
		rc = run(src, "SELECT 1", 0, &err);
		ms = now_ms() - t0;
		if (rc == -1 && strcmp(err.sqlstate, "IM002") == 0) {
			printf("ok %d # SKIP driver not installed: %s\n",
			    ++tap_n,
			    connect[0]);
			db_source_close(src);
			free(connect[0]);
			continue;
		}
		ok(rc == -1 &&
		    (err.kind == DBE_TIMEOUT || err.kind == DBE_DOWN),
		    "hanging database: %s: %s", db_errkind_name(err.kind),
		    err.msg);
		ok(ms >= 900 && ms < 1000 + tap_slow(1500), "within "
		    "connect-timeout 1000 ms (%llu ms)",
		    (unsigned long long)ms);
		ok(strstr(err.msg, "secret") == NULL && strstr(err.msg, "***"),
		    "password redacted in the message");
		t0 = now_ms();
		rc = run(src, "SELECT 1", 0, &err);
		ms = now_ms() - t0;
		ok(rc == -1 && err.kind == DBE_DOWN,
		    "during back-off: DBE_DOWN "
		    "(%s)", err.msg);
		/* a connect attempt would take connect-timeout (1000 ms) */
		ok(ms < 1000, "at once, no connect attempted (%llu ms)",
		    (unsigned long long)ms);
		db_source_stats(src, &st);
		is_int(st.connect_failures, 1, "no second attempt yet");
		ok(!st.up, "reported down");
		/* The wait is the test: the back-off (400 ms) runs out. */
		sleep_ms(450);
		t0 = now_ms();
		rc = run(src, "SELECT 1", 0, &err);
		ms = now_ms() - t0;
		/* the re-probe takes connect-timeout (1000 ms): not waited */
		ok(rc == -1 && err.kind == DBE_DOWN && ms < 1000, "back-off "
		    "over: the caller is told at once, no caller waits for the "
		    "re-probe (%llu ms)", (unsigned long long)ms);
		like(err.msg, "checking whether it is back", "the message says "
		    "kefu is checking");
		warm_wait(src, &st, 0, 2);
		is_int(st.connect_failures, 2, "the re-probe ran in the "
		    "background, bounded by connect-timeout");
		t0 = now_ms();
		rc = run(src, "SELECT 1", 0, &err);
		ok(rc == -1 && err.kind == DBE_DOWN && now_ms() - t0 < 1000,
		    "back-off again (%s)", err.msg);
		db_source_close(src);
		free(connect[0]);
	}
	hang_stop(&h);
	ok(strstr(sb_str(logs), "secret") == NULL, "no password in the log");
}

/*
 * pool-min: db_source_warm opens the connections in the background and
 * leaves them idle (a burst of callers finds them open); against a
 * database that does not answer it tries once, says so, and leaves the
 * rest to the usual reconnects; closing meanwhile is safe.
 */
static void
test_warm(const struct db_adapters *ads, struct strbuf *logs)
{
	struct conf_datasource ds;
	struct db_source *src;
	struct db_stats st;
	struct db_err err;
	struct hang h;
	char *connect[1], *cause = NULL;
	int n;

	connect[0] = lite;
	ds_init(&ds, "warm", connect, 1);
	ds.pool_size = 3;
	ds.pool_min = -1;       /* the default: all of pool-size */
	db_source_open(&ds, ads, &src, &cause);
	db_source_stats(src, &st);
	is_int(st.open, 0, "warm: nothing open before");
	db_source_warm(src);
	warm_wait(src, &st, 3, 0);
	ok(st.connects == 3 && st.open == 3, "warm: pool-size connections "
	    "opened (%llu)", (unsigned long long)st.connects);
	is_int(st.busy, 0, "warm: all idle");
	ok(run(src, "SELECT 1", 0, &err) == 0, "warm: a query uses one");
	db_source_stats(src, &st);
	ok(st.open == 3 && st.connects == 3, "warm: no new connection for it "
	    "(%d open, %llu made)", st.open, (unsigned long long)st.connects);
	db_source_close(src);   /* waits for the thread: its log line is out */
	like(sb_str(logs), "datasource warm: 3 connections opened",
	    "warm: logged");

	ds.pool_min = 1;
	db_source_open(&ds, ads, &src, &cause);
	db_source_warm(src);
	warm_wait(src, &st, 1, 0);
	/* The wait is the test: a moment in which no second one opens. */
	sleep_ms(50);
	db_source_stats(src, &st);
	ok(st.open == 1 && st.connects == 1, "warm: pool-min = 1 opens one "
	    "(%d)", st.open);
	db_source_close(src);

	if (hang_start(&h) == -1) {
		ok(0, "cannot start the hanging listener");
		return;
	}
	connect[0] = xasprintf(hang_drivers[1], h.port);
	ds_init(&ds, "warmdead", connect, 1);
	ds.pool_min = -1;
	db_source_open(&ds, ads, &src, &cause);
	db_source_warm(src);
	warm_wait(src, &st, 0, 1);     /* connect-timeout 1000 ms */
	ok(st.open == 0 && st.connect_failures == 1, "warm: a database that "
	    "does not answer is tried once (%d open, %llu failed)", st.open,
	    (unsigned long long)st.connect_failures);
	like(sb_str(logs), "datasource warmdead is DOWN since",
	    "warm: and the log says it is down");
	ok(run(src, "SELECT 1", 0, &err) == -1 && err.kind == DBE_DOWN &&
	    strstr(err.msg, "retries in") != NULL, "warm: callers hear at "
	    "once that it is down, during the back-off (%s)", err.msg);
	db_source_close(src);
	db_source_open(&ds, ads, &src, &cause);
	n = atomic_load(&h.nclients);
	db_source_warm(src);
	tap_wait(atomic_load(&h.nclients) > n, 2000);   /* it connects */
	db_source_close(src);   /* while it still tries: waits, no crash */
	free(connect[0]);
	hang_stop(&h);
}

/* While a dead database is re-probed, every caller fails at once. */
struct probe_arg {
	struct db_source *src;
	uint64_t ms;
	int rc;
	struct db_err err;
};

static void *
probe_main(void *arg)
{
	struct probe_arg *a = arg;
	uint64_t t0 = now_ms();

	a->rc = run(a->src, "SELECT 1", 0, &a->err);
	a->ms = now_ms() - t0;
	return NULL;
}

static void
test_one_prober(const struct db_adapters *ads)
{
	struct hang h;
	struct conf_datasource ds;
	struct db_source *src;
	struct probe_arg a;
	struct db_stats st;
	struct db_err err;
	pthread_t tid;
	char *connect[1], *cause = NULL;
	uint64_t t0;
	int rc, n;

	if (hang_start(&h) == -1)
		return;
	connect[0] = xasprintf(hang_drivers[0], h.port);
	ds_init(&ds, "hung", connect, 1);
	ds.retry_ms = 100;
	db_source_open(&ds, ads, &src, &cause);
	rc = run(src, "SELECT 1", 0, &err);
	if (rc == -1 && strcmp(err.sqlstate, "IM002") == 0) {
		printf("ok %d # SKIP MariaDB driver not installed\n", ++tap_n);
	} else {
		/* The wait is the test: the back-off (100 ms) runs out. */
		sleep_ms(150);
		memset(&a, 0, sizeof a);
		a.src = src;
		n = atomic_load(&h.nclients);
		pthread_create(&tid, NULL, probe_main, &a);
		/* it re-probes */
		tap_wait(atomic_load(&h.nclients) > n, 2000);
		t0 = now_ms();
		rc = run(src, "SELECT 1", 0, &err);
		/* at once: sooner than the re-probe's connect-timeout */
		ok(rc == -1 && err.kind == DBE_DOWN && now_ms() - t0 < 1000,
		    "while another caller re-probes: DBE_DOWN at once (%s)",
		    err.msg);
		pthread_join(tid, NULL);
		ok(a.rc == -1 && a.ms < 1000, "the first caller too "
		    "(%llu ms)", (unsigned long long)a.ms);
		db_source_stats(src, &st);
		ok(st.connect_failures <= 2, "one re-probe at a time, in the "
		    "background (%llu failed)",
		    (unsigned long long)st.connect_failures);
	}
	db_source_close(src);
	free(connect[0]);
	hang_stop(&h);
}

static void
test_failover(struct strbuf *logs)
{
	struct conf_datasource ds;
	struct db_source *src;
	struct db_stats st;
	struct db_err err;
	char *connect[2], *cause = NULL;
	int rc;

	connect[0] = xasprintf("Driver=MariaDB Unicode;Server=127.0.0.1;"
	    "Port=%d;Database=kefu;User=kefu;Password=secret", dead_port());
	connect[1] = lite;
	ds_init(&ds, "fo", connect, 2);
	db_source_open(&ds, NULL, &src, &cause);
	rc = run(src, "SELECT 1", 0, &err);
	is_int(rc, 0, "primary refused, failover answers (%s)", err.msg);
	db_source_stats(src, &st);
	like(st.current, "SQLite3", "the failover is current");
	like(sb_str(logs), "failed over", "failover logged");
	rc = run(src, "SELECT 2", 0, &err);
	is_int(rc, 0, "and stays in use");
	db_source_close(src);

	/* Every connection string dead: DBE_DOWN. */
	connect[1] = xasprintf("Driver=PostgreSQL Unicode;Server=127.0.0.1;"
	    "Port=%d;Database=kefu;Uid=kefu;Pwd=secret", dead_port());
	ds_init(&ds, "dead", connect, 2);
	db_source_open(&ds, NULL, &src, &cause);
	rc = run(src, "SELECT 1", 0, &err);
	ok(rc == -1 && err.kind == DBE_DOWN, "all dead: DBE_DOWN (%s)",
	    err.msg);
	ok(strstr(err.msg, "secret") == NULL, "no password in the message");
	db_source_close(src);
	free(connect[0]);
	free(connect[1]);
}

/* One datasource hanging, the other answering: the live one stays fast. */
struct loop_arg {
	struct db_source *src;
	int n, fails;
	uint64_t worst;
	atomic_int *stop;
};

static void *
loop_main(void *arg)
{
	struct loop_arg *a = arg;
	struct db_err err;
	uint64_t t0, ms;

	while (!*a->stop || a->n < 5) {
		t0 = now_ms();
		if (run(a->src, "SELECT 1", 0, &err) != 0)
			a->fails++;
		ms = now_ms() - t0;
		if (ms > a->worst)
			a->worst = ms;
		a->n++;
		if (a->n >= 2000)
			break;
	}
	return NULL;
}

static void
test_isolation(const struct db_adapters *ads)
{
	struct hang h;
	struct conf_datasource ds1, ds2;
	struct db_source *dead, *live;
	struct loop_arg a, b;
	pthread_t ta, tb;
	char *connect[1], *cause = NULL;
	atomic_int stop = 0;

	if (hang_start(&h) == -1)
		return;
	connect[0] = xasprintf(hang_drivers[0], h.port);
	ds_init(&ds1, "dead", connect, 1);
	ds1.retry_ms = 100;
	ds1.retry_max_ms = 200;
	ds_init(&ds2, "live", &lite, 1);
	db_source_open(&ds1, ads, &dead, &cause);
	db_source_open(&ds2, NULL, &live, &cause);
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.src = dead;
	b.src = live;
	a.stop = b.stop = &stop;
	pthread_create(&ta, NULL, loop_main, &a);
	pthread_create(&tb, NULL, loop_main, &b);
	sleep_ms(2500);         /* the test: how both fare for 2.5 s */
	stop = 1;
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ok(a.fails == a.n && a.n >= 2, "the dead datasource failed every "
	    "query (%d)", a.n);
	ok(a.worst < 1000 + tap_slow(1500), "each within its timeout "
	    "(connect-timeout 1000 ms; worst %llu ms)",
	    (unsigned long long)a.worst);
	ok(b.fails == 0 && b.n >= 20, "the live one answered all %d", b.n);
	/* waiting on the dead one would cost its connect-timeout, 1000 ms */
	ok(b.worst < 1000, "and stayed fast (worst %llu ms)",
	    (unsigned long long)b.worst);
	db_source_close(dead);
	db_source_close(live);
	free(connect[0]);
	hang_stop(&h);
}

static void
test_hist(void)
{
	struct db_hist *h = db_hist_new();
	unsigned i, p50, p99;

	is_int(db_hist_pct(h, 50), 0, "empty histogram");
	for (i = 1; i <= 1000; i++)
		db_hist_add(h, i * 100);
	p50 = db_hist_pct(h, 50);
	p99 = db_hist_pct(h, 99);
	is_int(db_hist_count(h), 1000, "count");
	ok(p50 > 47000 && p50 < 53000, "p50 near 50 ms (%u)", p50);
	ok(p99 > 93000 && p99 < 105000, "p99 near 99 ms (%u)", p99);
	db_hist_add(h, 0);
	db_hist_add(h, 4000000000u);
	ok(db_hist_pct(h, 100) >= 3700000000u, "huge values kept (%u)",
	    db_hist_pct(h, 100));
	db_hist_free(h);
}

int
main(void)
{
	struct db_adapters *ads = NULL;
	struct strbuf logs = STRBUF_INIT;
	char *dir, *cause = NULL;
	const char *srcdir = getenv("KEFU_SRCDIR");
	int fd;

	log_capture(&logs);
	snprintf(dbpath, sizeof dbpath, "/tmp/kefu-dbpool-XXXXXX");
	if ((fd = mkstemp(dbpath)) == -1)
		tap_skip_all("cannot create a temporary file");
	close(fd);
	lite = xasprintf("Driver=SQLite3;Database=%s", dbpath);
	dir = xasprintf("%s/adapters", srcdir ? srcdir : ".");
	if (db_adapters_load(dir, &ads, &cause) == -1)
		tap_diag("adapters not loaded: %s", cause);
	free(dir);
	free(cause);
	test_hist();
	test_timeout();
	test_busy();
	test_hang(ads, &logs);
	test_warm(ads, &logs);
	test_one_prober(ads);
	test_failover(&logs);
	test_isolation(ads);
	db_adapters_free(ads);
	free(lite);
	unlink(dbpath);
	sb_free(&logs);
	return tap_done();
}
