/*
 * pool.c: the bounded pool of a datasource's connections -- acquire (an
 * idle connection, a new one opened on an opener thread, or a wait of
 * pool-wait at most), release, and the connections abandoned by callers
 * whose statement outlived its deadline (counted until their thread
 * closes them).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "db/db-int.h"

/* Take a slot back after a failed connect or a dropped connection. */
static void
pool_slot_free(struct db_source *src, const struct db_conn *c)
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
void
db_pool_slot_put(struct db_source *src, struct db_conn *c)
{
	int i;

	for (i = 0; i < src->pool_size; i++)
		if (src->conns[i] == NULL) {
			src->conns[i] = c;
			return;
		}
}

/* Connect on the caller's thread (when no opener thread can start). */
static int
pool_connect_new(struct db_source *src, struct db_conn **out,
    struct db_err *err)
{
	struct db_conn *c = NULL;
	uint64_t start = now_ms();
	int rc;

	/* Called with src->lock held; returns with it held. */
	src->nopen++;
	src->nbusy++;
	pthread_mutex_unlock(&src->lock);
	rc = db_connect(src, 0, &c, err);
	pthread_mutex_lock(&src->lock);
	if (rc == -1) {
		src->nopen--;
		src->nbusy--;
		db_outage_down(src, start, err);
		db_outage_backoff(src);
		pthread_cond_broadcast(&src->cond);
		if (err->kind != DBE_TIMEOUT)
			err->kind = DBE_DOWN;
		return -1;
	}
	db_outage_back(src);
	db_pool_slot_put(src, c);
	c->in_use = 1;
	*out = c;
	return 0;
}

/*
 * A connection opened for a caller on a thread of its own: a connect
 * on a frozen network holds this thread (up to connect-timeout per
 * connection string), never the caller, who waits for it only as long
 * as its statement may take (db_pool_acquire).  The connection joins
 * the pool idle, for that caller or the next; a failure is an outage
 * as any, and its reason goes to the callers waiting (open_err).
 */
static void *
pool_opener(void *arg)
{
	struct db_source *src = arg;
	struct db_conn *c = NULL;
	struct db_err err;
	uint64_t start = now_ms();
	int rc;

	memset(&err, 0, sizeof err);
	rc = db_connect(src, 0, &c, &err);
	pthread_mutex_lock(&src->lock);
	src->opening--;
	if (rc == 0 && src->closing) {
		src->nopen--;
		pthread_mutex_unlock(&src->lock);
		db_connect_free(src, c);
		pthread_mutex_lock(&src->lock);
	} else if (rc == 0) {
		db_outage_back(src);
		db_pool_slot_put(src, c);
		c->in_use = 0;
		c->idle_since = now_ms();
	} else {
		src->nopen--;
		if (err.kind != DBE_TIMEOUT)
			err.kind = DBE_DOWN;
		src->open_err = err;
		src->open_fails++;
		if (!src->closing) {
			db_outage_down(src, start, &err);
			db_outage_backoff(src);
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
pool_open_bg(struct db_source *src)
{
	pthread_attr_t attr;
	pthread_t tid;
	int rc;

	src->nopen++;
	src->pending++;
	src->opening++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, pool_opener, src);
	pthread_attr_destroy(&attr);
	if (rc == 0)
		return 0;
	src->nopen--;
	src->pending--;
	src->opening--;
	return -1;
}

/* The idle connection released last (LIFO keeps the others aging out). */
static struct db_conn *
pool_idle(struct db_source *src)
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
 * Close the idle connections that have a thread of their own, there
 * (src->lock held): a disconnect may wait on the network too.
 */
static void
pool_drop_idle(struct db_source *src)
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
 * Hand the idle connection c out (src->lock held; released on 0).  One
 * due for a probe is probed here only for a local driver: on a
 * connection's own thread the probe is made before the statement,
 * within the caller's deadline (exec.c).  -1: c failed its probe and
 * is gone, src->lock held again: the caller looks for another.
 */
static int
pool_take(struct db_source *src, struct db_conn *c, int readonly,
    struct db_conn **out, struct db_err *err)
{
	c->in_use = 1;
	src->nbusy++;
	c->probe_due = src->idle_check_ms > 0 &&
	    now_ms() - c->idle_since >= (uint64_t)src->idle_check_ms;
	pthread_mutex_unlock(&src->lock);
	if (!c->threaded && c->probe_due &&
	    db_exec_probe(src, c, err) == -1) {
		log_info("datasource %s: an idle connection failed its probe "
		    "(%s); reconnecting", src->name, err->msg);
		pthread_mutex_lock(&src->lock);
		pool_slot_free(src, c);
		pthread_mutex_unlock(&src->lock);
		db_connect_free(src, c);
		memset(err, 0, sizeof *err);
		pthread_mutex_lock(&src->lock);
		db_outage_probe(src);
		return -1;
	}
	if (!c->threaded)
		c->probe_due = 0;
	c->want_ro = readonly;
	*out = c;
	return 0;
}

/*
 * A connection is being opened for this caller (src->lock held): wait
 * for it, or any connection coming back, until open_by (UINT64_MAX:
 * for as long as the opener takes).  0: look again; -1 with *err and
 * src->lock released: open_by passed.
 */
static int
pool_wait_opened(struct db_source *src, uint64_t open_by, int open_ms,
    struct db_err *err)
{
	struct timespec ts;

	if (now_ms() >= open_by) {
		pthread_mutex_unlock(&src->lock);
		db_err_set(err, DBE_TIMEOUT, "datasource %s: no connection "
		    "could be opened within %d ms (the statement's deadline); "
		    "kefu goes on opening it in the background", src->name,
		    open_ms);
		return -1;
	}
	if (open_by == UINT64_MAX)
		pthread_cond_wait(&src->cond, &src->lock);
	else {
		db_source_deadline(&ts, open_by);
		pthread_cond_timedwait(&src->cond, &src->lock, &ts);
	}
	return 0;
}

/*
 * The pool is full (src->lock held): wait for a slot until deadline,
 * for slots held by openers no longer than for one's own (open_by).
 * When connections in it were abandoned the network may have frozen:
 * the database is checked in the background, and the caller waits for
 * that check until *grace (set at the first such wait), no longer.
 * 0: look again; -1 with *err and src->lock released: none came.
 */
static int
pool_wait_slot(struct db_source *src, uint64_t start, uint64_t deadline,
    uint64_t open_by, uint64_t *grace, struct db_err *err)
{
	struct timespec ts;
	uint64_t now = now_ms(), until;
	int suspect = db_outage_suspect(src), opening;

	if (suspect && *grace == 0)
		*grace = now + SOURCE_GRACE_MS;
	if (suspect && now >= *grace)
		return db_outage_unreachable(src, err, 0);
	until = src->opening > 0 && open_by < deadline ? open_by : deadline;
	db_source_deadline(&ts, suspect && *grace < until ? *grace : until);
	if (now < until && pthread_cond_timedwait(&src->cond, &src->lock,
	    &ts) != ETIMEDOUT)
		return 0;
	if (pool_idle(src) != NULL || src->nopen < src->pool_size ||
	    db_outage_suspect(src))
		return 0;
	opening = src->opening;
	pthread_mutex_unlock(&src->lock);
	db_err_set(err, DBE_BUSY, "datasource %s: all %d connections stayed "
	    "busy for %llu ms (%d of them still being opened; raise "
	    "pool-size or pool-wait)", src->name, src->pool_size,
	    (unsigned long long)(now_ms() - start), opening);
	return -1;
}

/*
 * Get a connection for one statement: an idle one (one that sat idle
 * past idle-check is probed first: on its own thread, within the
 * statement's deadline), a new one while the pool has room, or wait
 * up to wait_ms for one to come back (DBE_BUSY).  A new connection is
 * opened by a thread of its own (pool_opener) and the caller waits
 * for it open_ms at most (<= 0: until the opener ends, bounded by
 * connect-timeout), then hears DBE_TIMEOUT while the opener goes on.
 * While the database is down (the prober reconnects in the background)
 * this fails at once with DBE_DOWN.  Nothing here waits on the network.
 */
int
db_pool_acquire(struct db_source *src, int readonly, int wait_ms,
    int open_ms, struct db_conn **out, struct db_err *err)
{
	struct db_conn *c;
	struct timespec ts;
	uint64_t start = now_ms(), fails = 0;
	uint64_t deadline = start + (uint64_t)(wait_ms < 0 ? 0 : wait_ms);
	uint64_t open_by = open_ms > 0 ? start + (uint64_t)open_ms :
	    UINT64_MAX;
	uint64_t now, grace = 0;
	int rc, opened = 0;

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
		    pool_idle(src) == NULL) {
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
			pool_drop_idle(src);
			db_outage_probe(src);
			if (pool_idle(src) == NULL) {
				now = now_ms();
				return db_outage_unreachable(src, err,
				    src->down_until > now && !src->probing ?
				    src->down_until - now : 0);
			}
		}
		if ((c = pool_idle(src)) != NULL) {
			if (pool_take(src, c, readonly, out, err) == 0)
				return 0;
			continue;
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
					return db_outage_unreachable(src, err,
					    0);
				db_source_deadline(&ts, grace);
				pthread_cond_timedwait(&src->cond, &src->lock,
				    &ts);
				continue;
			}
			if (!opened) {
				fails = src->open_fails;
				if (pool_open_bg(src) == 0) {
					opened = 1;
					continue;
				}
				rc = pool_connect_new(src, &c, err);
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
			if (pool_wait_opened(src, open_by, open_ms, err) == -1)
				return -1;
			continue;
		}
		if (pool_wait_slot(src, start, deadline, open_by, &grace,
		    err) == -1)
			return -1;
	}
}

void
db_pool_release(struct db_source *src, struct db_conn *c)
{
	if (c->broken) {
		pthread_mutex_lock(&src->lock);
		pool_slot_free(src, c);
		/* Closed on its own thread: a disconnect can wait too. */
		src->pending++;
		pthread_mutex_unlock(&src->lock);
		if (db_conn_retire(c) == -1) {
			db_connect_free(src, c);
			pthread_mutex_lock(&src->lock);
			src->pending--;
			pthread_mutex_unlock(&src->lock);
		}
		/* Reconnect in the background: a caller need not wait. */
		pthread_mutex_lock(&src->lock);
		db_outage_probe(src);
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
 * until its thread closes it (db_pool_retired).  The database is
 * checked again in the background.
 */
void
db_pool_abandon(struct db_source *src, struct db_conn *c)
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
	db_outage_probe(src);
	pthread_cond_broadcast(&src->cond);
	pthread_mutex_unlock(&src->lock);
}

/*
 * On c's own thread, after it was retired (dropped, or abandoned and
 * its driver came back at last): close it, give the slot back.
 */
void
db_pool_retired(struct db_source *src, struct db_conn *c)
{
	int stuck = c->stuck;

	pthread_mutex_destroy(&c->jlock);
	pthread_cond_destroy(&c->jcond);
	c->threaded = 0;
	db_connect_free(src, c);
	pthread_mutex_lock(&src->lock);
	if (stuck) {
		src->nopen--;
		src->nstuck--;
	}
	src->pending--;
	pthread_cond_broadcast(&src->cond);
	pthread_mutex_unlock(&src->lock);
}
