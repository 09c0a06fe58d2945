/*
 * source.c: one [datasource] -- a bounded pool of ODBC connections with a
 * wait timeout, liveness probes of idle connections (on the
 * connection's own thread, within the caller's deadline), connects bounded
 * by connect-timeout (run on an opener thread, a caller waiting for one
 * no longer than its statement's deadline), outage handling (a lost connection is replaced in the
 * background, with exponential back-off while the database is down and
 * a negative cache for callers meanwhile; one log line when a database
 * goes down, one when it is back), failover along the connection
 * strings, connections abandoned by callers whose statement outlived its
 * deadline (counted in the pool until their thread closes them), a
 * watchdog that cancels late statements of drivers without a query
 * timeout of their own, and the datasource's statistics.  ODBC 3.x
 * (ISO 9075-3).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "db/db_int.h"

/*
 * What this file keeps per datasource besides struct db_source (which
 * db_int.h shares with exec.c): the outage bookkeeping.  db_source_open
 * allocates this around it, so a struct db_source pointer is one of
 * these.  Guarded by src->lock.
 */
struct source_priv {
	struct db_source pub;   /* first */
	uint64_t down_ms;       /* now_ms() the outage began; 0: none */
	time_t down_wall;       /* the same, wall clock, for the logs */
	unsigned attempts;      /* failed reconnects in this outage */
};
#define SOURCE_PRIV(s) ((struct source_priv *)(void *)(s))

/*
 * How long a caller waits for the background reconnect after a
 * connection was dropped while the database was believed up: a healthy
 * database answers well within it, a dead one costs the caller no more.
 */
#define SOURCE_GRACE_MS 500

/* One connection attempt, shared by the caller and its helper thread. */
struct db_attempt {
	struct db_source *src;
	char *connstr;          /* with the adapter's options appended */
	char *shown;            /* redacted, for messages */
	int login_s;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
	int abandoned;          /* the caller stopped waiting */
	int refs;
	SQLHDBC dbc;
	struct db_err err;
};

static void
source_deadline(struct timespec *ts, uint64_t at_ms)
{
	uint64_t now = now_ms();
	struct timespec cur;

	/* Condition variables use CLOCK_MONOTONIC, like now_ms(). */
	clock_gettime(CLOCK_MONOTONIC, &cur);
	if (at_ms < now)
		at_ms = now;
	at_ms -= now;
	ts->tv_sec = cur.tv_sec + (time_t)(at_ms / 1000);
	ts->tv_nsec = cur.tv_nsec + (long)(at_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void
source_cond_init(pthread_cond_t *c)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
}

/* The profile to use before connecting: configured, detected, or by driver. */
static const struct db_adapter *
source_guess_adapter(struct db_source *src, const char *connstr)
{
	const struct db_adapter *ad;
	const char *p;
	size_t i, j;

	pthread_mutex_lock(&src->lock);
	ad = src->ad;
	pthread_mutex_unlock(&src->lock);
	if (ad != NULL || src->ads == NULL)
		return ad;
	for (i = 0; i < src->ads->n; i++) {
		const struct db_adapter *a = src->ads->v[i];
		for (j = 0; j < a->ndrivers; j++) {
			for (p = connstr; *p != '\0'; p++)
				if (strncasecmp(p, a->drivers[j].text,
				    strlen(a->drivers[j].text)) == 0)
					return a;
		}
	}
	return NULL;
}

/*
 * Append an adapter's option template to sb: {s} is connect-timeout,
 * {q} query-timeout (connect-timeout without one), in whole seconds
 * (rounded up), {qms} the same in milliseconds, {io} and {ioms} twice
 * that: a driver's own limit on one network wait, which should not
 * end a statement before kefu's deadline does.
 */
static void
source_option(struct db_source *src, struct strbuf *sb, const char *tmpl)
{
	int q = src->query_timeout_ms > 0 ? src->query_timeout_ms :
	    src->connect_timeout_ms;
	const char *p;

	if (sb->len > 0 && sb->s[sb->len - 1] != ';')
		sb_addc(sb, ';');
	for (p = tmpl; *p != '\0'; p++) {
		if (strncmp(p, "{s}", 3) == 0) {
			sb_addf(sb, "%d", (src->connect_timeout_ms + 999) / 1000);
			p += 2;
		} else if (strncmp(p, "{q}", 3) == 0) {
			sb_addf(sb, "%d", (q + 999) / 1000);
			p += 2;
		} else if (strncmp(p, "{qms}", 5) == 0) {
			sb_addf(sb, "%d", q);
			p += 4;
		} else if (strncmp(p, "{io}", 4) == 0) {
			sb_addf(sb, "%d", (2 * q + 999) / 1000);
			p += 3;
		} else if (strncmp(p, "{ioms}", 6) == 0) {
			sb_addf(sb, "%d", 2 * q);
			p += 5;
		} else
			sb_addc(sb, *p);
	}
}

static char *
source_connstr(struct db_source *src, const char *base)
{
	const struct db_adapter *ad = source_guess_adapter(src, base);
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	sb_adds(&sb, base);
	if (ad == NULL)
		return sb_steal(&sb);
	for (i = 0; i < ad->nencs; i++) {
		if (ad->encs[i].connect != NULL &&
		    str_ieq(ad->encs[i].name, src->encoding)) {
			if (sb.len > 0 && sb.s[sb.len - 1] != ';')
				sb_addc(&sb, ';');
			sb_adds(&sb, ad->encs[i].connect);
		}
	}
	if (ad->connect_timeout != NULL)
		source_option(src, &sb, ad->connect_timeout);
	if (ad->network != NULL)
		source_option(src, &sb, ad->network);
	return sb_steal(&sb);
}

static void
source_attempt_unref(struct db_attempt *a)
{
	int last;

	pthread_mutex_lock(&a->lock);
	last = --a->refs == 0;
	pthread_mutex_unlock(&a->lock);
	if (!last)
		return;
	if (a->dbc != SQL_NULL_HDBC) {
		SQLDisconnect(a->dbc);
		SQLFreeHandle(SQL_HANDLE_DBC, a->dbc);
	}
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->cond);
	free(a->connstr);
	free(a->shown);
	free(a);
}

static void *
source_connect_thread(void *arg)
{
	struct db_attempt *a = arg;
	struct db_source *src = a->src;
	SQLHDBC dbc = SQL_NULL_HDBC;
	SQLRETURN r;
	struct db_err err;

	memset(&err, 0, sizeof err);
	r = SQLAllocHandle(SQL_HANDLE_DBC, src->env, &dbc);
	if (!SQL_SUCCEEDED(r)) {
		db_err_set(&err, DBE_DOWN, "cannot allocate an ODBC "
		    "connection handle");
		dbc = SQL_NULL_HDBC;
	} else {
		SQLSetConnectAttr(dbc, SQL_ATTR_LOGIN_TIMEOUT,
		    (SQLPOINTER)(intptr_t)a->login_s, SQL_IS_UINTEGER);
		SQLSetConnectAttr(dbc, SQL_ATTR_CONNECTION_TIMEOUT,
		    (SQLPOINTER)(intptr_t)a->login_s, SQL_IS_UINTEGER);
		r = SQLDriverConnect(dbc, NULL, (SQLCHAR *)a->connstr, SQL_NTS,
		    NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
		if (!SQL_SUCCEEDED(r)) {
			db_exec_diag(SQL_HANDLE_DBC, dbc, DBE_DOWN, &err,
			    "cannot connect");
			SQLFreeHandle(SQL_HANDLE_DBC, dbc);
			dbc = SQL_NULL_HDBC;
		}
	}
	pthread_mutex_lock(&a->lock);
	a->dbc = dbc;
	a->err = err;
	a->done = 1;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	source_attempt_unref(a);        /* disconnects when abandoned */

	pthread_mutex_lock(&src->lock);
	src->pending--;
	src->connecting--;
	pthread_cond_broadcast(&src->cond);
	pthread_mutex_unlock(&src->lock);
	return NULL;
}

/* Connect with one connection string, waiting at most connect-timeout. */
static int
source_connect_one(struct db_source *src, int ci, SQLHDBC *out,
    struct db_err *err)
{
	struct db_attempt *a = xcalloc(1, sizeof *a);
	struct timespec ts;
	pthread_attr_t attr;
	pthread_t tid;
	int rc = -1;

	a->src = src;
	a->connstr = source_connstr(src, src->connect[ci]);
	a->shown = log_redact(src->connect[ci]);
	a->login_s = (src->connect_timeout_ms + 999) / 1000;
	a->refs = 2;
	a->dbc = SQL_NULL_HDBC;
	pthread_mutex_init(&a->lock, NULL);
	source_cond_init(&a->cond);

	pthread_mutex_lock(&src->lock);
	src->pending++;
	src->connecting++;
	pthread_mutex_unlock(&src->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, source_connect_thread, a) != 0) {
		pthread_attr_destroy(&attr);
		pthread_mutex_lock(&src->lock);
		src->pending--;
		src->connecting--;
		pthread_mutex_unlock(&src->lock);
		a->refs = 1;
		source_attempt_unref(a);
		db_err_set(err, DBE_DOWN, "cannot start a connect thread");
		return -1;
	}
	pthread_attr_destroy(&attr);

	source_deadline(&ts, now_ms() + (uint64_t)src->connect_timeout_ms);
	pthread_mutex_lock(&a->lock);
	while (!a->done) {
		if (pthread_cond_timedwait(&a->cond, &a->lock, &ts) ==
		    ETIMEDOUT)
			break;
	}
	if (a->done && a->dbc != SQL_NULL_HDBC) {
		*out = a->dbc;
		a->dbc = SQL_NULL_HDBC;
		rc = 0;
	} else if (a->done) {
		*err = a->err;
		snprintf(err->msg, sizeof err->msg, "datasource %.40s: "
		    "cannot connect (%.120s): %.300s", src->name, a->shown,
		    a->err.msg[0] ? a->err.msg : "no reason given");
	} else {
		a->abandoned = 1;
		db_err_set(err, DBE_TIMEOUT, "datasource %s: the database did "
		    "not answer within connect-timeout (%d ms) at %s; check "
		    "that the server is up and reachable", src->name,
		    src->connect_timeout_ms, a->shown);
	}
	pthread_mutex_unlock(&a->lock);
	source_attempt_unref(a);
	return rc;
}

static void
source_conn_free(struct db_source *src, struct db_conn *c)
{
	if (c == NULL)
		return;
	db_conn_stop(c);
	db_exec_free_stmts(src, c);
	SQLDisconnect(c->dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, c->dbc);
	db_conv_close(c);
	free(c);
}

/* After a connect: detect the dialect, prepare conversions. */
static int
source_setup(struct db_source *src, struct db_conn *c, struct db_err *err)
{
	SQLCHAR name[256];
	SQLSMALLINT len = 0;
	const struct db_adapter *ad;

	if (db_conv_open(c, src->encoding, err) == -1)
		return -1;
	pthread_mutex_lock(&src->lock);
	ad = src->ad;
	pthread_mutex_unlock(&src->lock);
	if (ad != NULL || src->ads == NULL)
		return 0;
	name[0] = '\0';
	if (!SQL_SUCCEEDED(SQLGetInfo(c->dbc, SQL_DBMS_NAME, name,
	    sizeof name, &len)))
		return 0;
	ad = db_adapter_detect(src->ads, (const char *)name);
	pthread_mutex_lock(&src->lock);
	src->detected = 1;
	pthread_mutex_unlock(&src->lock);
	if (ad == NULL) {
		log_warnx("datasource %s: no adapter profile matches DBMS "
		    "\"%s\"; using generic ODBC behaviour (set adapter= to "
		    "choose one)", src->name, name);
		return 0;
	}
	log_info("datasource %s: database is %s, using adapter %s",
	    src->name, name, db_adapter_name(ad));
	pthread_mutex_lock(&src->lock);
	if (src->ad == NULL)
		src->ad = ad;
	pthread_mutex_unlock(&src->lock);
	return 0;
}

/* Try every connection string, the one that worked last first. */
static int
source_connect(struct db_source *src, int quiet, struct db_conn **out,
    struct db_err *err)
{
	struct db_err first;
	const struct db_adapter *ad;
	struct db_conn *c;
	SQLHDBC dbc;
	size_t k;
	int ci, start;

	pthread_mutex_lock(&src->lock);
	start = src->cur;
	pthread_mutex_unlock(&src->lock);
	memset(&first, 0, sizeof first);
	for (k = 0; k < src->nconnect; k++) {
		ci = (int)((start + (int)k) % (int)src->nconnect);
		if (source_connect_one(src, ci, &dbc, err) == -1) {
			/* One string: the outage line says it (no flood). */
			if (quiet || src->nconnect == 1)
				log_debug("%s", err->msg);
			else
				log_warnx("%s", err->msg);
			if (k == 0)
				first = *err;
			continue;
		}
		c = xcalloc(1, sizeof *c);
		c->dbc = dbc;
		c->ci = ci;
		c->ro = -1;
		c->to_db = c->from_db = (iconv_t)-1;
		if (source_setup(src, c, err) == -1) {
			source_conn_free(src, c);
			return -1;
		}
		ad = db_source_adapter(src);
		if ((ad == NULL || !ad->local) && db_conn_start(src, c) == -1)
			log_warnx("datasource %s: cannot start a connection's "
			    "thread; its statements run on the callers' "
			    "threads, without a deadline on a frozen network",
			    src->name);
		if (ci != start) {
			char *shown = log_redact(src->connect[ci]);
			log_warnx("datasource %s: failed over to %s", src->name,
			    shown);
			free(shown);
		}
		pthread_mutex_lock(&src->lock);
		src->cur = ci;
		pthread_mutex_unlock(&src->lock);
		*out = c;
		return 0;
	}
	if (src->nconnect > 1)
		*err = first;
	return -1;
}

/*
 * Set the access mode the caller asked for (c->want_ro), where the
 * driver allows; a statement may go to the server, so this runs on the
 * connection's thread (exec.c) or by an admin command.
 */
void
db_source_access(struct db_source *src, struct db_conn *c)
{
	const struct db_adapter *ad;
	int readonly = c->want_ro;
	SQLRETURN r;

	if (c->ro == readonly || c->ro_unsupported)
		return;
	pthread_mutex_lock(&src->lock);
	ad = src->ad;
	pthread_mutex_unlock(&src->lock);
	if (ad != NULL && ad->ro_on != NULL) {
		SQLHSTMT st;

		r = SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &st);
		if (SQL_SUCCEEDED(r)) {
			r = SQLExecDirect(st, (SQLCHAR *)(readonly ? ad->ro_on :
			    ad->ro_off), SQL_NTS);
			SQLFreeHandle(SQL_HANDLE_STMT, st);
		}
		if (SQL_SUCCEEDED(r))
			c->ro = readonly;
		else {
			c->ro_unsupported = 1;
			log_warnx("datasource %s: cannot switch the session "
			    "to %s (%s); relying on kefu's statement check",
			    src->name, readonly ? "read-only" : "read-write",
			    readonly ? ad->ro_on : ad->ro_off);
		}
		return;
	}
	if (ad != NULL && !ad->access_mode) {
		c->ro_unsupported = 1;
		return;
	}
	r = SQLSetConnectAttr(c->dbc, SQL_ATTR_ACCESS_MODE,
	    (SQLPOINTER)(intptr_t)(readonly ? SQL_MODE_READ_ONLY :
	    SQL_MODE_READ_WRITE), SQL_IS_UINTEGER);
	if (SQL_SUCCEEDED(r))
		c->ro = readonly;
	else {
		c->ro_unsupported = 1;
		log_debug("datasource %s: the driver cannot set read-only "
		    "access mode; relying on kefu's statement check",
		    src->name);
	}
}

/* Take a slot back after a failed connect or a dropped connection. */
static void
source_slot_free(struct db_source *src, const struct db_conn *c)
{
	int i;

	for (i = 0; i < src->pool_size; i++)
		if (src->conns[i] == c)
			src->conns[i] = NULL;
	src->nopen--;
	src->nbusy--;
	pthread_cond_broadcast(&src->cond);
}

/* Put a new connection in a free slot (one is free: nopen counted it). */
static void
source_slot_put(struct db_source *src, struct db_conn *c)
{
	int i;

	for (i = 0; i < src->pool_size; i++)
		if (src->conns[i] == NULL) {
			src->conns[i] = c;
			return;
		}
}

static void
source_hms(time_t t, char out[9])
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, 9, "%H:%M:%S", &tm);
}

/* Wall clock of a past now_ms() instant. */
static time_t
source_wall(uint64_t at_ms)
{
	uint64_t now = now_ms();

	return time(NULL) - (time_t)((now > at_ms ? now - at_ms : 0) / 1000);
}

/*
 * Note the beginning of an outage (with src->lock held): one line in the
 * log, in words for the support desk; later failed attempts only at
 * debug level.  since_ms: when trouble was first seen.
 */
static void
source_went_down(struct db_source *src, uint64_t since_ms,
    const struct db_err *err)
{
	struct source_priv *sp = SOURCE_PRIV(src);
	const char *why;
	char hms[9];
	size_t n;

	src->connect_failures++;
	sp->attempts++;
	if (!src->up) {
		log_debug("datasource %s: still unreachable (attempt %u): %s",
		    src->name, sp->attempts, err->msg);
		return;
	}
	src->up = 0;
	sp->down_ms = since_ms;
	sp->down_wall = source_wall(since_ms);
	source_hms(sp->down_wall, hms);
	why = err->msg;
	n = strlen(src->name);
	if (strncmp(why, "datasource ", 11) == 0 &&
	    strncmp(why + 11, src->name, n) == 0 && why[11 + n] == ':')
		why += 11 + n + 1 + (why[12 + n] == ' ');
	log_warnx("datasource %s is DOWN since %s: %s; callers hear \"system "
	    "busy\" instead of its answers; kefu tries again every %d s at "
	    "most", src->name, hms, why, (src->retry_max_ms + 999) / 1000);
	pthread_cond_broadcast(&src->cond);
}

/* A connect worked (src->lock held): the line saying the outage ended. */
static void
source_came_back(struct db_source *src)
{
	struct source_priv *sp = SOURCE_PRIV(src);
	char since[9], back[9];

	src->connects++;
	if (!src->up) {
		source_hms(sp->down_wall, since);
		source_hms(time(NULL), back);
		log_warnx("datasource %s is BACK UP at %s: the database "
		    "answers again after %llu s down (since %s); callers get "
		    "answers from it again", src->name, back,
		    (unsigned long long)((now_ms() - sp->down_ms + 500) /
		    1000), since);
	}
	src->up = 1;
	sp->down_ms = 0;
	sp->attempts = 0;
	src->down_until = 0;
	src->backoff_ms = src->retry_ms;
	pthread_cond_broadcast(&src->cond);
}

/* After a failed attempt (src->lock held): when to try next. */
static void
source_backoff(struct db_source *src)
{
	src->down_until = now_ms() + (uint64_t)src->backoff_ms;
	src->backoff_ms = src->backoff_ms > src->retry_max_ms / 2 ?
	    src->retry_max_ms : src->backoff_ms * 2;
}

/*
 * The background reconnect, started when a working connection was
 * dropped (a statement timed out on a frozen network, the server closed
 * it): it reconnects, with the back-off between attempts, until the
 * database answers or the datasource closes, and leaves the connection
 * idle in the pool for the next caller.  Meanwhile callers wait for it
 * SOURCE_GRACE_MS at most while the database is believed up, and not at
 * all once it is known down (the negative cache).
 */
static void *
source_prober(void *arg)
{
	struct db_source *src = arg;
	struct db_conn *c = NULL;
	struct db_err err;
	struct timespec ts;
	uint64_t start = now_ms();
	int rc;

	pthread_mutex_lock(&src->lock);
	for (;;) {
		/*
		 * After the back-off, and once an attempt given up on has
		 * left the driver: one attempt at a time (psqlODBC's connect
		 * is not safe against another running at once).
		 */
		while (!src->closing && (now_ms() < src->down_until ||
		    src->connecting > 0)) {
			source_deadline(&ts, now_ms() < src->down_until ?
			    src->down_until : now_ms() + 1000);
			pthread_cond_timedwait(&src->cond, &src->lock, &ts);
		}
		if (src->closing)
			break;
		pthread_mutex_unlock(&src->lock);
		memset(&err, 0, sizeof err);
		rc = source_connect(src, 1, &c, &err);
		pthread_mutex_lock(&src->lock);
		if (rc == 0 && (src->closing || src->nopen >= src->pool_size)) {
			/* Not wanted after all: the pool filled up meanwhile. */
			if (!src->closing)
				source_came_back(src);
			pthread_mutex_unlock(&src->lock);
			source_conn_free(src, c);
			pthread_mutex_lock(&src->lock);
			break;
		}
		if (rc == 0) {
			source_came_back(src);
			source_slot_put(src, c);
			src->nopen++;
			c->in_use = 0;
			c->idle_since = now_ms();
			break;
		}
		source_went_down(src, start, &err);
		source_backoff(src);
	}
	src->probing = 0;
	src->pending--;
	pthread_cond_broadcast(&src->cond);
	pthread_mutex_unlock(&src->lock);
	return NULL;
}

/*
 * Open connections until pool_min are open, one after another, each left
 * idle in the pool; stop at the first failure -- the database is down,
 * logged as any outage, and callers' connects after the back-off bring
 * it back -- or when the datasource closes.
 */
static void *
source_filler(void *arg)
{
	struct db_source *src = arg;
	struct db_conn *c = NULL;
	struct db_err err;
	int n = 0, rc;
	uint64_t t0 = now_ms();

	pthread_mutex_lock(&src->lock);
	while (!src->closing && src->up && src->nopen < src->pool_min &&
	    now_ms() >= src->down_until) {
		src->nopen++;   /* the slot is taken while connecting */
		pthread_mutex_unlock(&src->lock);
		memset(&err, 0, sizeof err);
		rc = source_connect(src, 1, &c, &err);
		pthread_mutex_lock(&src->lock);
		if (rc == -1 || src->closing) {
			src->nopen--;
			if (rc == 0) {
				pthread_mutex_unlock(&src->lock);
				source_conn_free(src, c);
				pthread_mutex_lock(&src->lock);
			} else if (!src->closing) {
				/* down at start: said once, as any outage */
				source_went_down(src, t0, &err);
				source_backoff(src);
			}
			break;
		}
		source_came_back(src);
		source_slot_put(src, c);
		c->in_use = 0;
		c->idle_since = now_ms();
		n++;
		pthread_cond_broadcast(&src->cond);
	}
	if (n > 0)
		log_info("datasource %s: %d connection%s opened in %llu ms",
		    src->name, n, n == 1 ? "" : "s",
		    (unsigned long long)(now_ms() - t0));
	src->pending--;
	pthread_cond_broadcast(&src->cond);
	pthread_mutex_unlock(&src->lock);
	return NULL;
}

void
db_source_warm(struct db_source *src)
{
	pthread_attr_t attr;
	pthread_t tid;

	pthread_mutex_lock(&src->lock);
	if (src->closing || src->nopen >= src->pool_min) {
		pthread_mutex_unlock(&src->lock);
		return;
	}
	src->pending++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, source_filler, src) != 0) {
		src->pending--;
		log_warnx("datasource %s: cannot start the thread that opens "
		    "its connections; they open as callers need them",
		    src->name);
	}
	pthread_attr_destroy(&attr);
	pthread_mutex_unlock(&src->lock);
}

/*
 * Start the prober unless it runs (src->lock held): after a working
 * connection was lost, or once the back-off of a database known down
 * is over (no caller ever waits for a reconnect then).
 */
static void
source_probe(struct db_source *src)
{
	pthread_attr_t attr;
	pthread_t tid;

	if (src->probing || src->closing ||
	    (!src->up && now_ms() < src->down_until))
		return;
	src->probing = 1;
	src->pending++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, source_prober, src) != 0) {
		src->probing = 0;
		src->pending--;
		log_warnx("datasource %s: cannot start a reconnect thread",
		    src->name);
	}
	pthread_attr_destroy(&attr);
}

/* Connect on the caller's thread (when no opener thread can start). */
static int
source_connect_new(struct db_source *src, struct db_conn **out,
    struct db_err *err)
{
	struct db_conn *c = NULL;
	uint64_t start = now_ms();
	int rc;

	/* Called with src->lock held; returns with it held. */
	src->nopen++;
	src->nbusy++;
	pthread_mutex_unlock(&src->lock);
	rc = source_connect(src, 0, &c, err);
	pthread_mutex_lock(&src->lock);
	if (rc == -1) {
		src->nopen--;
		src->nbusy--;
		source_went_down(src, start, err);
		source_backoff(src);
		pthread_cond_broadcast(&src->cond);
		if (err->kind != DBE_TIMEOUT)
			err->kind = DBE_DOWN;
		return -1;
	}
	source_came_back(src);
	source_slot_put(src, c);
	c->in_use = 1;
	*out = c;
	return 0;
}

/*
 * A connection opened for a caller on a thread of its own: a connect
 * on a frozen network holds this thread (up to connect-timeout per
 * connection string), never the caller, who waits for it only as long
 * as its statement may take (db_source_acquire).  The connection joins
 * the pool idle, for that caller or the next; a failure is an outage
 * as any, and its reason goes to the callers waiting (open_err).
 */
static void *
source_opener(void *arg)
{
	struct db_source *src = arg;
	struct db_conn *c = NULL;
	struct db_err err;
	uint64_t start = now_ms();
	int rc;

	memset(&err, 0, sizeof err);
	rc = source_connect(src, 0, &c, &err);
	pthread_mutex_lock(&src->lock);
	src->opening--;
	if (rc == 0 && src->closing) {
		src->nopen--;
		pthread_mutex_unlock(&src->lock);
		source_conn_free(src, c);
		pthread_mutex_lock(&src->lock);
	} else if (rc == 0) {
		source_came_back(src);
		source_slot_put(src, c);
		c->in_use = 0;
		c->idle_since = now_ms();
	} else {
		src->nopen--;
		if (err.kind != DBE_TIMEOUT)
			err.kind = DBE_DOWN;
		src->open_err = err;
		src->open_fails++;
		if (!src->closing) {
			source_went_down(src, start, &err);
			source_backoff(src);
		}
	}
	src->pending--;
	pthread_cond_broadcast(&src->cond);
	pthread_mutex_unlock(&src->lock);
	return NULL;
}

/*
 * Start an opener for a caller (src->lock held): its slot is counted in
 * nopen from now on.  -1 when no thread can start.
 */
static int
source_open_bg(struct db_source *src)
{
	pthread_attr_t attr;
	pthread_t tid;
	int rc;

	src->nopen++;
	src->pending++;
	src->opening++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, source_opener, src);
	pthread_attr_destroy(&attr);
	if (rc == 0)
		return 0;
	src->nopen--;
	src->pending--;
	src->opening--;
	return -1;
}

/*
 * The database cannot be used now: unlock src->lock and set the caller's
 * error; left: ms until the next attempt (0: one is under way).
 */
static int
source_unreachable(struct db_source *src, struct db_err *err, uint64_t left)
{
	struct source_priv *sp = SOURCE_PRIV(src);
	char hms[9];
	int up = src->up;

	source_hms(sp->down_wall, hms);
	pthread_mutex_unlock(&src->lock);
	if (up)
		db_err_set(err, DBE_DOWN, "datasource %s: a connection was "
		    "lost and no new one came within %d ms; kefu is checking "
		    "whether the database is still there", src->name,
		    SOURCE_GRACE_MS);
	else if (left == 0)
		db_err_set(err, DBE_DOWN, "datasource %s: the database is "
		    "unreachable since %s; kefu is checking whether it is "
		    "back", src->name, hms);
	else
		db_err_set(err, DBE_DOWN, "datasource %s: the database is "
		    "unreachable since %s; kefu retries in %llu ms",
		    src->name, hms, (unsigned long long)left);
	return -1;
}

/* The idle connection released last (LIFO keeps the others aging out). */
static struct db_conn *
source_idle(struct db_source *src)
{
	struct db_conn *best = NULL;
	int i;

	for (i = 0; i < src->pool_size; i++) {
		struct db_conn *c = src->conns[i];
		if (c != NULL && !c->in_use &&
		    (best == NULL || c->idle_since > best->idle_since))
			best = c;
	}
	return best;
}

/*
 * Whether the pool holds connections abandoned by callers (src->lock
 * held): then the database is checked in the background (source_probe)
 * and this says whether that check runs.
 */
static int
source_suspect(struct db_source *src)
{
	if (src->nstuck == 0)
		return 0;
	source_probe(src);
	return src->probing;
}

/*
 * Close the idle connections that have a thread of their own, there
 * (src->lock held): a disconnect may wait on the network too.
 */
static void
source_drop_idle(struct db_source *src)
{
	struct db_conn *c;
	int i;

	for (i = 0; i < src->pool_size; i++) {
		c = src->conns[i];
		if (c == NULL || c->in_use || !c->threaded)
			continue;
		src->conns[i] = NULL;
		src->nopen--;
		src->pending++;
		db_conn_retire(c);
	}
}

/*
 * Get a connection for one statement: an idle one (one that sat idle
 * past idle-check is probed first: on its own thread, within the
 * statement's deadline), a new one while the pool has room, or wait
 * up to wait_ms for one to come back (DBE_BUSY).  A new connection is
 * opened by a thread of its own (source_opener) and the caller waits
 * for it open_ms at most (<= 0: until the opener ends, bounded by
 * connect-timeout), then hears DBE_TIMEOUT while the opener goes on.
 * While the database is down (the prober reconnects in the background)
 * this fails at once with DBE_DOWN.  Nothing here waits on the network.
 */
int
db_source_acquire(struct db_source *src, int readonly, int wait_ms,
    int open_ms, struct db_conn **out, struct db_err *err)
{
	struct db_conn *c;
	struct timespec ts;
	uint64_t start = now_ms(), fails = 0;
	uint64_t deadline = start + (uint64_t)(wait_ms < 0 ? 0 : wait_ms);
	uint64_t open_by = open_ms > 0 ? start + (uint64_t)open_ms :
	    UINT64_MAX;
	uint64_t now, until, grace = 0;
	int rc, suspect, opened = 0;

	pthread_mutex_lock(&src->lock);
	for (;;) {
		if (src->closing) {
			pthread_mutex_unlock(&src->lock);
			db_err_set(err, DBE_DOWN, "datasource %s is closing",
			    src->name);
			return -1;
		}
		/* An opener failed while this caller waited: its reason. */
		if (opened && src->open_fails != fails &&
		    source_idle(src) == NULL) {
			*err = src->open_err;
			pthread_mutex_unlock(&src->lock);
			return -1;
		}
		/*
		 * Known down: connections left idle from before are dropped
		 * (on a frozen network each would hold a caller for its
		 * whole query-timeout), and callers fail at once -- the
		 * negative cache; once the back-off is over, the prober
		 * tries again in the background.
		 */
		if (!src->up) {
			source_drop_idle(src);
			source_probe(src);
			if (source_idle(src) == NULL) {
				now = now_ms();
				return source_unreachable(src, err,
				    src->down_until > now && !src->probing ?
				    src->down_until - now : 0);
			}
		}
		if ((c = source_idle(src)) != NULL) {
			c->in_use = 1;
			src->nbusy++;
			now = now_ms();
			/*
			 * Due for a probe: on a connection's own thread it is
			 * made before the statement, within the caller's
			 * deadline (exec.c); here only for local drivers.
			 */
			c->probe_due = src->idle_check_ms > 0 &&
			    now - c->idle_since >= (uint64_t)src->idle_check_ms;
			pthread_mutex_unlock(&src->lock);
			if (!c->threaded && c->probe_due &&
			    db_exec_probe(src, c, err) == -1) {
				log_info("datasource %s: an idle connection "
				    "failed its probe (%s); reconnecting",
				    src->name, err->msg);
				pthread_mutex_lock(&src->lock);
				source_slot_free(src, c);
				pthread_mutex_unlock(&src->lock);
				source_conn_free(src, c);
				memset(err, 0, sizeof *err);
				pthread_mutex_lock(&src->lock);
				source_probe(src);
				continue;
			}
			if (!c->threaded)
				c->probe_due = 0;
			c->want_ro = readonly;
			*out = c;
			return 0;
		}
		if (src->nopen < src->pool_size) {
			/*
			 * The prober is reconnecting after a connection was
			 * dropped while the database is believed up: wait a
			 * moment for that connection, no longer.
			 */
			if (src->probing) {
				now = now_ms();
				if (grace == 0)
					grace = now + SOURCE_GRACE_MS;
				if (!src->up || now >= grace)
					return source_unreachable(src, err, 0);
				source_deadline(&ts, grace);
				pthread_cond_timedwait(&src->cond, &src->lock,
				    &ts);
				continue;
			}
			if (!opened) {
				fails = src->open_fails;
				if (source_open_bg(src) == 0) {
					opened = 1;
					continue;
				}
				rc = source_connect_new(src, &c, err);
				pthread_mutex_unlock(&src->lock);
				if (rc == -1)
					return -1;
				c->want_ro = readonly;
				*out = c;
				return 0;
			}
		}
		/*
		 * A connection is being opened for this caller: wait for it
		 * (or any connection coming back) until open_by.
		 */
		if (opened && src->up) {
			now = now_ms();
			if (now >= open_by) {
				pthread_mutex_unlock(&src->lock);
				db_err_set(err, DBE_TIMEOUT, "datasource %s: no "
				    "connection could be opened within %d ms "
				    "(the statement's deadline); kefu goes on "
				    "opening it in the background", src->name,
				    open_ms);
				return -1;
			}
			if (open_by == UINT64_MAX)
				pthread_cond_wait(&src->cond, &src->lock);
			else {
				source_deadline(&ts, open_by);
				pthread_cond_timedwait(&src->cond, &src->lock,
				    &ts);
			}
			continue;
		}
		/*
		 * The pool is full.  When connections in it were abandoned,
		 * the network may have frozen: the database is checked in
		 * the background, and callers wait for that check as above,
		 * no longer.
		 */
		now = now_ms();
		suspect = source_suspect(src);
		if (suspect && grace == 0)
			grace = now + SOURCE_GRACE_MS;
		if (suspect && now >= grace)
			return source_unreachable(src, err, 0);
		/* Slots held by openers: no longer than for one's own. */
		until = src->opening > 0 && open_by < deadline ? open_by :
		    deadline;
		source_deadline(&ts, suspect && grace < until ? grace : until);
		if (now >= until || pthread_cond_timedwait(&src->cond,
		    &src->lock, &ts) == ETIMEDOUT) {
			if (source_idle(src) != NULL ||
			    src->nopen < src->pool_size ||
			    source_suspect(src))
				continue;
			rc = src->opening;
			pthread_mutex_unlock(&src->lock);
			db_err_set(err, DBE_BUSY, "datasource %s: all %d "
			    "connections stayed busy for %llu ms (%d of them "
			    "still being opened; raise pool-size or "
			    "pool-wait)", src->name, src->pool_size,
			    (unsigned long long)(now_ms() - start), rc);
			return -1;
		}
	}
}

void
db_source_release(struct db_source *src, struct db_conn *c)
{
	if (c->broken) {
		pthread_mutex_lock(&src->lock);
		source_slot_free(src, c);
		/* Closed on its own thread: a disconnect can wait too. */
		src->pending++;
		pthread_mutex_unlock(&src->lock);
		if (db_conn_retire(c) == -1) {
			source_conn_free(src, c);
			pthread_mutex_lock(&src->lock);
			src->pending--;
			pthread_mutex_unlock(&src->lock);
		}
		/* Reconnect in the background: a caller need not wait. */
		pthread_mutex_lock(&src->lock);
		source_probe(src);
		pthread_mutex_unlock(&src->lock);
		return;
	}
	pthread_mutex_lock(&src->lock);
	c->idle_since = now_ms();
	c->in_use = 0;
	src->nbusy--;
	pthread_cond_broadcast(&src->cond);
	pthread_mutex_unlock(&src->lock);
}

/*
 * A caller stopped waiting for c (db_conn_call passed its deadline): c
 * leaves the pool's slots but stays counted in nopen, so that a frozen
 * network never makes the pool open more than pool-size connections,
 * until its thread closes it (db_source_retired).  The database is
 * checked again in the background.
 */
void
db_source_abandon(struct db_source *src, struct db_conn *c)
{
	int i;

	pthread_mutex_lock(&src->lock);
	for (i = 0; i < src->pool_size; i++)
		if (src->conns[i] == c)
			src->conns[i] = NULL;
	c->stuck = 1;
	src->nstuck++;
	src->nbusy--;
	src->pending++;
	source_probe(src);
	pthread_cond_broadcast(&src->cond);
	pthread_mutex_unlock(&src->lock);
}

/*
 * On c's own thread, after it was retired (dropped, or abandoned and
 * its driver came back at last): close it, give the slot back.
 */
void
db_source_retired(struct db_source *src, struct db_conn *c)
{
	int stuck = c->stuck;

	pthread_mutex_destroy(&c->jlock);
	pthread_cond_destroy(&c->jcond);
	c->threaded = 0;
	source_conn_free(src, c);
	pthread_mutex_lock(&src->lock);
	if (stuck) {
		src->nopen--;
		src->nstuck--;
	}
	src->pending--;
	pthread_cond_broadcast(&src->cond);
	pthread_mutex_unlock(&src->lock);
}

/*
 * The watchdog: SQLCancel every watched statement past its deadline, for
 * drivers without a query timeout of their own.  It runs on a thread of
 * its own, and only connections' threads wait for it (a cancel talks to
 * the server and can hang on a frozen network): never a caller.
 */
static void *
source_watchdog(void *arg)
{
	struct db_source *src = arg;
	struct db_watch *w, *next;
	struct timespec ts;
	uint64_t now;

	pthread_mutex_lock(&src->wlock);
	while (!src->wstop) {
		next = NULL;
		now = now_ms();
		for (w = src->watches; w != NULL; w = w->next) {
			if (w->fired)
				continue;
			if (w->deadline <= now) {
				next = w;
				break;
			}
			if (next == NULL || w->deadline < next->deadline)
				next = w;
		}
		/*
		 * Sleep until the earliest deadline, or on until the wake-up
		 * planned before (so that a statement that ends in time costs
		 * no wake-up); db_source_watch signals only for an earlier
		 * deadline than src->wnext.
		 */
		if (next == NULL && src->wnext > now && src->wnext != UINT64_MAX) {
			source_deadline(&ts, src->wnext);
			pthread_cond_timedwait(&src->wcond, &src->wlock, &ts);
			continue;
		}
		if (next == NULL) {
			src->wnext = UINT64_MAX;
			pthread_cond_wait(&src->wcond, &src->wlock);
			continue;
		}
		if (next->deadline > now) {
			src->wnext = next->deadline;
			source_deadline(&ts, next->deadline);
			pthread_cond_timedwait(&src->wcond, &src->wlock, &ts);
			continue;
		}
		next->fired = 1;
		/* db_source_unwatch waits while fired == 1 (cancelling). */
		pthread_mutex_unlock(&src->wlock);
		SQLCancel(next->st);
		pthread_mutex_lock(&src->wlock);
		next->fired = 2;
		pthread_cond_broadcast(&src->wcond);
	}
	pthread_mutex_unlock(&src->wlock);
	return NULL;
}

void
db_source_watch(struct db_source *src, struct db_watch *w)
{
	pthread_mutex_lock(&src->wlock);
	w->fired = 0;
	w->next = src->watches;
	src->watches = w;
	if (w->deadline < src->wnext)
		pthread_cond_broadcast(&src->wcond);
	pthread_mutex_unlock(&src->wlock);
}

void
db_source_unwatch(struct db_source *src, struct db_watch *w)
{
	struct db_watch **pp;

	pthread_mutex_lock(&src->wlock);
	while (w->fired == 1)
		pthread_cond_wait(&src->wcond, &src->wlock);
	for (pp = &src->watches; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	pthread_mutex_unlock(&src->wlock);
}

void
db_source_count(struct db_source *src, int ok, int timeout, unsigned us)
{
	/* On every query's path: atomic counters, no lock. */
	atomic_fetch_add_explicit(&src->queries, 1, memory_order_relaxed);
	if (!ok)
		atomic_fetch_add_explicit(&src->errors, 1,
		    memory_order_relaxed);
	if (timeout)
		atomic_fetch_add_explicit(&src->timeouts, 1,
		    memory_order_relaxed);
	if (ok)
		db_hist_add(src->hist, us);
}

void
db_source_stmts(struct db_source *src, int delta)
{
	pthread_mutex_lock(&src->lock);
	src->stmts_open += (uint64_t)(int64_t)delta;
	pthread_mutex_unlock(&src->lock);
}

int
db_source_open(const struct conf_datasource *cfg,
    const struct db_adapters *ads, struct db_source **out, char **cause)
{
	struct db_source *src;
	const struct db_adapter *ad = NULL;
	size_t i;

	if (cfg->nconnect == 0)
		return kf_error(cause, "datasource %s has no connect= string",
		    cfg->name);
	if (cfg->adapter != NULL && ads != NULL &&
	    (ad = db_adapter_find(ads, cfg->adapter)) == NULL)
		return kf_error(cause, "datasource %s: no adapter profile "
		    "named %s", cfg->name, cfg->adapter);
	src = xcalloc(1, sizeof(struct source_priv));
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE,
	    &src->env))) {
		free(src);
		return kf_error(cause, "cannot allocate an ODBC environment "
		    "(is unixODBC installed?)");
	}
	SQLSetEnvAttr(src->env, SQL_ATTR_ODBC_VERSION,
	    (SQLPOINTER)SQL_OV_ODBC3, 0);
	src->name = xstrdup(cfg->name);
	src->nconnect = cfg->nconnect;
	src->connect = xcalloc(cfg->nconnect, sizeof *src->connect);
	for (i = 0; i < cfg->nconnect; i++)
		src->connect[i] = xstrdup(cfg->connect[i]);
	src->adapter_name = cfg->adapter ? xstrdup(cfg->adapter) : NULL;
	src->encoding = xstrdup(cfg->encoding ? cfg->encoding : "UTF-8");
	src->utf8 = str_ieq(src->encoding, "UTF-8") ||
	    str_ieq(src->encoding, "UTF8");
	src->pool_size = cfg->pool_size > 0 ? cfg->pool_size : 1;
	src->pool_min = cfg->pool_min < 0 || cfg->pool_min > src->pool_size ?
	    src->pool_size : cfg->pool_min;
	src->pool_wait_ms = cfg->pool_wait_ms;
	src->connect_timeout_ms = cfg->connect_timeout_ms > 0 ?
	    cfg->connect_timeout_ms : 5000;
	src->query_timeout_ms = cfg->query_timeout_ms;
	src->retry_ms = cfg->retry_ms > 0 ? cfg->retry_ms : 1000;
	src->retry_max_ms = cfg->retry_max_ms >= src->retry_ms ?
	    cfg->retry_max_ms : src->retry_ms;
	src->backoff_ms = src->retry_ms;
	src->idle_check_ms = cfg->idle_check_ms;
	src->readonly = cfg->readonly;
	src->ads = ads;
	src->ad = ad;
	src->up = 1;
	src->conns = xcalloc((size_t)src->pool_size, sizeof *src->conns);
	src->hist = db_hist_new();
	pthread_mutex_init(&src->lock, NULL);
	source_cond_init(&src->cond);
	pthread_mutex_init(&src->wlock, NULL);
	source_cond_init(&src->wcond);
	src->wnext = UINT64_MAX;
	if (pthread_create(&src->watchdog, NULL, source_watchdog, src) != 0) {
		src->wstop = -1;
		db_source_close(src);
		return kf_error(cause, "cannot start the query watchdog");
	}
	*out = src;
	return 0;
}

void
db_source_close(struct db_source *src)
{
	struct timespec ts;
	size_t i;
	int k;

	if (src == NULL)
		return;
	if (src->wstop != -1) {
		pthread_mutex_lock(&src->wlock);
		src->wstop = 1;
		pthread_cond_broadcast(&src->wcond);
		pthread_mutex_unlock(&src->wlock);
		pthread_join(src->watchdog, NULL);
	}
	pthread_mutex_lock(&src->lock);
	src->closing = 1;
	pthread_cond_broadcast(&src->cond);     /* the prober stops waiting */
	/* Abandoned connects end when the driver gives up (login timeout). */
	source_deadline(&ts, now_ms() + (uint64_t)src->connect_timeout_ms +
	    10000);
	while (src->pending > 0) {
		if (pthread_cond_timedwait(&src->cond, &src->lock, &ts) ==
		    ETIMEDOUT)
			break;
	}
	if (src->pending > 0) {
		/* The driver ignores its login timeout: leak, do not crash. */
		pthread_mutex_unlock(&src->lock);
		log_warnx("datasource %s: a connection attempt is still hanging "
		    "in the ODBC driver; leaving it behind", src->name);
		return;
	}
	pthread_mutex_unlock(&src->lock);
	for (k = 0; k < src->pool_size; k++)
		source_conn_free(src, src->conns[k]);
	free(src->conns);
	db_exec_free_verdicts(src);
	SQLFreeHandle(SQL_HANDLE_ENV, src->env);
	for (i = 0; i < src->nconnect; i++)
		free(src->connect[i]);
	free(src->connect);
	free(src->name);
	free(src->adapter_name);
	free(src->encoding);
	db_hist_free(src->hist);
	pthread_mutex_destroy(&src->lock);
	pthread_cond_destroy(&src->cond);
	pthread_mutex_destroy(&src->wlock);
	pthread_cond_destroy(&src->wcond);
	free(src);
}

const char *
db_source_name(const struct db_source *src)
{
	return src->name;
}

const struct db_adapter *
db_source_adapter(struct db_source *src)
{
	const struct db_adapter *ad;

	pthread_mutex_lock(&src->lock);
	ad = src->ad;
	pthread_mutex_unlock(&src->lock);
	return ad;
}

const struct db_adapter *
db_source_adapter_known(struct db_source *src)
{
	const struct db_adapter *ad;
	struct db_conn *c;
	struct db_err err;
	int tried;

	pthread_mutex_lock(&src->lock);
	ad = src->ad;
	tried = src->detected || src->ads == NULL;
	pthread_mutex_unlock(&src->lock);
	if (ad != NULL || tried ||
	    db_source_acquire(src, 1, src->pool_wait_ms, src->query_timeout_ms,
	    &c, &err) == -1)
		return ad;
	db_source_release(src, c);
	return db_source_adapter(src);
}

void
db_source_stats(struct db_source *src, struct db_stats *st)
{
	char *shown;

	memset(st, 0, sizeof *st);
	pthread_mutex_lock(&src->lock);
	st->queries = atomic_load_explicit(&src->queries,
	    memory_order_relaxed);
	st->errors = atomic_load_explicit(&src->errors,
	    memory_order_relaxed);
	st->timeouts = atomic_load_explicit(&src->timeouts,
	    memory_order_relaxed);
	st->connects = src->connects;
	st->connect_failures = src->connect_failures;
	st->up = src->up;
	st->open = src->nopen;
	st->busy = src->nbusy;
	st->stmts_open = src->stmts_open;
	shown = log_redact(src->connect[src->cur]);
	pthread_mutex_unlock(&src->lock);
	snprintf(st->current, sizeof st->current, "%s", shown);
	free(shown);
	st->p50_us = db_hist_pct(src->hist, 50);
	st->p99_us = db_hist_pct(src->hist, 99);
}
