/*
 * t/unit/db-sqlite-tx.c: write transactions on one SQLite file do not
 * deadlock.  While one connection holds a write transaction open and
 * commits half a second later, a transaction on another connection that
 * reads first and then writes (as kefu case reply does) must wait for
 * the lock at its start and succeed soon after the first commits -- not
 * stall both until the driver's busy timeout.  Also: a transaction that
 * fails is rolled back, one that succeeds is committed.  Two writers of
 * one datasource (two outbox workers) take turns in the process, not in
 * the driver's busy handler: the second waits for the first however
 * short its busy timeout.
 */
#include "config.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "util/util.h"
#include "../tap.h"

#define TX_HOLD_MS 500          /* the first writer holds its lock this long
				   (the test: long against a read and a write,
				   short against TX_BUSY_MS) */
#define TX_BUSY_MS 6000         /* the driver's Timeout= */
#define TX_QUERY_MS 4000        /* query-timeout */

static char dbpath[64];
static const struct db_adapters *ads;

static struct db_source *
tx_open(const char *name, int busy_ms, int pool)
{
	struct conf_datasource ds;
	struct db_source *src = NULL;
	char *connect[1], *cause = NULL;

	connect[0] = xasprintf("Driver=SQLite3;Database=%s;Timeout=%d",
	    dbpath, busy_ms);
	memset(&ds, 0, sizeof ds);
	ds.name = (char *)name;
	ds.connect = connect;
	ds.nconnect = 1;
	ds.encoding = (char *)"UTF-8";
	ds.pool_size = pool;
	ds.pool_wait_ms = 1000;
	ds.connect_timeout_ms = 3000;
	ds.query_timeout_ms = TX_QUERY_MS;
	ds.retry_ms = 100;
	ds.retry_max_ms = 1000;
	ds.idle_check_ms = 30000;
	if (db_source_open(&ds, ads, &src, &cause) == -1) {
		tap_diag("open %s: %s", name, cause);
		src = NULL;
	}
	free(cause);
	free(connect[0]);
	return src;
}

static int
tx_sql(struct db_tx *tx, const char *sql, int writes, long long *val,
    struct db_err *err)
{
	struct db_result *res = NULL;
	struct db_query q;
	int rc;

	memset(&q, 0, sizeof q);
	q.sql = sql;
	q.writes = writes;
	rc = db_tx_run(tx, &q, &res, err);
	if (rc == 0 && val != NULL && res->nrows > 0)
		*val = strtoll(DB_CELL(res, 0, 0)->s, NULL, 10);
	db_result_free(res);
	return rc;
}

/* The first writer: writes, tells the test, holds the lock, commits. */
struct holder {
	struct db_source *src;
	int fd[2];
	int rc;
	struct db_err err;
};

static int
holder_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct holder *h = arg;

	if (tx_sql(tx, "UPDATE counter SET n = n + 1", 1, NULL, err) == -1)
		return -1;
	if (write(h->fd[1], "w", 1) != 1)
		tap_diag("cannot tell the test the lock is held");
	sleep_ms(TX_HOLD_MS);   /* the test: a writer holding the lock */
	return 0;
}

static void *
holder_main(void *arg)
{
	struct holder *h = arg;

	h->rc = db_tx(h->src, holder_tx, h, &h->err);
	return NULL;
}

/*
 * Start a writer that holds src's write lock for TX_HOLD_MS (holder_main):
 * 0 once it holds it (checked as what), -1 when it cannot start.
 */
static int
holder_start(struct holder *h, struct db_source *src, pthread_t *tid,
    const char *what)
{
	struct pollfd pfd;
	char ch;

	memset(h, 0, sizeof *h);
	h->src = src;
	if (pipe(h->fd) == -1 || pthread_create(tid, NULL, holder_main,
	    h) != 0) {
		ok(0, "start the first writer");
		return -1;
	}
	pfd.fd = h->fd[0];
	pfd.events = POLLIN;
	ok(poll(&pfd, 1, 5000) == 1 && read(h->fd[0], &ch, 1) == 1, "%s",
	    what);
	return 0;
}

/* Wait for the holder to end. */
static void
holder_join(struct holder *h, pthread_t tid)
{
	pthread_join(tid, NULL);
	close(h->fd[0]);
	close(h->fd[1]);
}

/* The second: reads, then writes what it read plus one. */
static int
reader_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	long long n = -1;
	char sql[64];

	(void)arg;
	if (tx_sql(tx, "SELECT n FROM counter", 0, &n, err) == -1)
		return -1;
	/*
	 * Long enough for the holder to reach its commit.  The wait is the
	 * test: a read lock held across another's commit (no event to wait
	 * for inside SQLite's busy wait).
	 */
	sleep_ms(TX_HOLD_MS / 2);
	snprintf(sql, sizeof sql, "UPDATE counter SET n = %lld", n + 1);
	return tx_sql(tx, sql, 1, NULL, err);
}

static int
fail_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	(void)arg;
	if (tx_sql(tx, "UPDATE counter SET n = n + 100", 1, NULL, err) == -1)
		return -1;
	err->kind = DBE_SQL;
	snprintf(err->msg, sizeof err->msg, "the test gives up");
	return -1;
}

static long long
counter(struct db_source *src)
{
	struct db_result *res = NULL;
	struct db_query q;
	struct db_err err;
	long long n = -1;

	memset(&q, 0, sizeof q);
	q.sql = "SELECT n FROM counter";
	if (db_run(src, &q, &res, &err) == 0 && res->nrows > 0)
		n = strtoll(DB_CELL(res, 0, 0)->s, NULL, 10);
	db_result_free(res);
	return n;
}

static void
test_deadlock(struct db_source *a, struct db_source *b)
{
	struct holder h;
	struct db_err err;
	pthread_t tid;
	uint64_t t0, ms;
	int rc;

	if (holder_start(&h, a, &tid,
	    "the first writer holds the write lock") == -1)
		return;
	t0 = now_ms();
	rc = db_tx(b, reader_tx, NULL, &err);
	ms = now_ms() - t0;
	holder_join(&h, tid);
	is_int(h.rc, 0, "the first writer commits (%s)", h.err.msg);
	is_int(rc, 0, "a transaction that reads then writes succeeds (%s)",
	    err.msg);
	ok(ms < 2 * TX_HOLD_MS + 1000, "it waits for the lock, not for a "
	    "timeout: %llu ms", (unsigned long long)ms);
	is_int(counter(a), 2, "both increments are kept");
}

/*
 * A writer whose busy timeout is shorter than the other's transaction
 * gives up at its start, and its connection is fine afterwards.
 */
static void
test_busy(struct db_source *a, struct db_source *c)
{
	struct holder h;
	struct db_err err;
	pthread_t tid;
	int rc;

	if (holder_start(&h, a, &tid,
	    "the first writer holds the write lock again") == -1)
		return;
	rc = db_tx(c, reader_tx, NULL, &err);
	ok(rc == -1, "a writer with a short busy timeout gives up: %s",
	    err.msg);
	holder_join(&h, tid);
	is_int(h.rc, 0, "the first writer commits (%s)", h.err.msg);
	rc = db_tx(c, reader_tx, NULL, &err);
	is_int(rc, 0, "then its next transaction succeeds (%s)", err.msg);
}

/*
 * Two writers of one datasource whose busy timeout is shorter than the
 * first's transaction: the second waits for its turn and succeeds.
 */
static void
test_turn(struct db_source *c)
{
	struct db_query q = { .sql = "UPDATE counter SET n = n + 1",
	    .writes = 1 };
	struct db_result *res = NULL;
	struct holder h;
	struct db_err err;
	pthread_t tid;
	int rc;

	if (holder_start(&h, c, &tid,
	    "one datasource: the first writer holds the write lock") == -1)
		return;
	rc = db_run(c, &q, &res, &err);
	is_int(rc, 0, "one datasource: the second writer waits for its turn, "
	    "longer than its busy timeout (%s)", err.msg);
	db_result_free(res);
	holder_join(&h, tid);
	is_int(h.rc, 0, "one datasource: the first writer commits (%s)",
	    h.err.msg);
}

int
main(void)
{
	struct db_adapters *loaded = NULL;
	struct db_source *a, *b, *c;
	struct strbuf logs = STRBUF_INIT;
	struct db_err err;
	char *dir, *cause = NULL;
	const char *srcdir = getenv("KEFU_SRCDIR");
	int fd, rc;

	log_capture(&logs);
	snprintf(dbpath, sizeof dbpath, "/tmp/kefu-dbtx-XXXXXX");
	if ((fd = mkstemp(dbpath)) == -1)
		tap_skip_all("cannot create a temporary file");
	close(fd);
	dir = xasprintf("%s/adapters", srcdir ? srcdir : ".");
	if (db_adapters_load(dir, &loaded, &cause) == -1)
		tap_diag("adapters not loaded: %s", cause);
	ads = loaded;
	free(dir);
	free(cause);
	a = tx_open("a", TX_BUSY_MS, 1);
	b = tx_open("b", TX_BUSY_MS, 1);
	c = tx_open("c", TX_HOLD_MS / 4, 2);
	if (a == NULL || b == NULL || c == NULL) {
		ok(0, "open two datasources on one SQLite file");
		return tap_done();
	}
	rc = db_run_script(a, "CREATE TABLE counter (n INTEGER);\n"
	    "INSERT INTO counter VALUES (0);\n", &err);
	is_int(rc, 0, "script (%s)", err.msg);
	test_deadlock(a, b);
	rc = db_tx(b, fail_tx, NULL, &err);
	ok(rc == -1, "a failing transaction fails: %s", err.msg);
	is_int(counter(a), 2, "and its write is rolled back");
	test_busy(a, c);
	is_int(counter(a), 4, "the writer that waited too long left no "
	    "transaction open");
	test_turn(c);
	is_int(counter(a), 6, "both writes of the one datasource are kept");
	db_source_close(a);
	db_source_close(b);
	db_source_close(c);
	db_adapters_free(loaded);
	unlink(dbpath);
	sb_free(&logs);
	return tap_done();
}
