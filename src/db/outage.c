/*
 * outage.c: a datasource's outages -- one log line when a database goes
 * down and one when it is back, the back-off between attempts and the
 * negative cache callers meet meanwhile, the prober reconnecting in the
 * background after a connection was lost, and the filler opening
 * pool-min connections at start.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "db/db-int.h"

static void
outage_hms(time_t t, char out[9])
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, 9, "%H:%M:%S", &tm);
}

/* Wall clock of a past now_ms() instant. */
static time_t
outage_wall(uint64_t at_ms)
{
	uint64_t now = now_ms();

	return time(NULL) - (time_t)((now > at_ms ? now - at_ms : 0) / 1000);
}

/*
 * Note the beginning of an outage (with src->lock held): one line in the
 * log, in words for the support desk; later failed attempts only at
 * debug level.  since_ms: when trouble was first seen.
 */
void
db_outage_down(struct db_source *src, uint64_t since_ms,
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
	sp->down_wall = outage_wall(since_ms);
	outage_hms(sp->down_wall, hms);
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
void
db_outage_back(struct db_source *src)
{
	struct source_priv *sp = SOURCE_PRIV(src);
	char since[9], back[9];

	src->connects++;
	if (!src->up) {
		outage_hms(sp->down_wall, since);
		outage_hms(time(NULL), back);
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
void
db_outage_backoff(struct db_source *src)
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
outage_prober(void *arg)
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
			db_source_deadline(&ts, now_ms() < src->down_until ?
			    src->down_until : now_ms() + 1000);
			pthread_cond_timedwait(&src->cond, &src->lock, &ts);
		}
		if (src->closing)
			break;
		pthread_mutex_unlock(&src->lock);
		memset(&err, 0, sizeof err);
		rc = db_connect(src, 1, &c, &err);
		pthread_mutex_lock(&src->lock);
		if (rc == 0 && (src->closing || src->nopen >= src->pool_size)) {
			/* Not wanted after all: the pool filled meanwhile. */
			if (!src->closing)
				db_outage_back(src);
			pthread_mutex_unlock(&src->lock);
			db_connect_free(src, c);
			pthread_mutex_lock(&src->lock);
			break;
		}
		if (rc == 0) {
			db_outage_back(src);
			db_pool_slot_put(src, c);
			src->nopen++;
			c->in_use = 0;
			c->idle_since = now_ms();
			break;
		}
		db_outage_down(src, start, &err);
		db_outage_backoff(src);
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
outage_filler(void *arg)
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
		rc = db_connect(src, 1, &c, &err);
		pthread_mutex_lock(&src->lock);
		if (rc == -1 || src->closing) {
			src->nopen--;
			if (rc == 0) {
				pthread_mutex_unlock(&src->lock);
				db_connect_free(src, c);
				pthread_mutex_lock(&src->lock);
			} else if (!src->closing) {
				/* down at start: said once, as any outage */
				db_outage_down(src, t0, &err);
				db_outage_backoff(src);
			}
			break;
		}
		db_outage_back(src);
		db_pool_slot_put(src, c);
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
	if (pthread_create(&tid, &attr, outage_filler, src) != 0) {
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
void
db_outage_probe(struct db_source *src)
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
	if (pthread_create(&tid, &attr, outage_prober, src) != 0) {
		src->probing = 0;
		src->pending--;
		log_warnx("datasource %s: cannot start a reconnect thread",
		    src->name);
	}
	pthread_attr_destroy(&attr);
}

/*
 * The database cannot be used now: unlock src->lock and set the caller's
 * error; left: ms until the next attempt (0: one is under way).
 */
int
db_outage_unreachable(struct db_source *src, struct db_err *err, uint64_t left)
{
	struct source_priv *sp = SOURCE_PRIV(src);
	char hms[9];
	int up = src->up;

	outage_hms(sp->down_wall, hms);
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

/*
 * Whether the pool holds connections abandoned by callers (src->lock
 * held): then the database is checked in the background (db_outage_probe)
 * and this says whether that check runs.
 */
int
db_outage_suspect(struct db_source *src)
{
	if (src->nstuck == 0)
		return 0;
	db_outage_probe(src);
	return src->probing;
}
