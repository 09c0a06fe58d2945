/*
 * conn.c: each pooled connection of a network driver has a thread of its
 * own that makes every driver call touching the network (statements,
 * probes, disconnects), so that a caller waits for it with a deadline
 * and nothing else: on a frozen network the caller gives up at its
 * deadline, and the connection is abandoned to its thread, which
 * closes it whenever the driver comes back (its own timeouts, see the
 * adapters' <network> options) and gives the pool its slot back.
 * Local drivers (SQLite) run on the caller's thread.  POSIX threads.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "db/db-int.h"

/* What the thread is doing. */
enum conn_state {
	CONN_IDLE,      /* waiting for a job */
	CONN_RUN,       /* a job was handed over or runs */
	CONN_DONE,      /* the job ended; the caller takes its results */
};

static void
conn_deadline(struct timespec *ts, uint64_t at_ms)
{
	uint64_t now = now_ms(), left = at_ms > now ? at_ms - now : 0;

	/* The condition variable uses CLOCK_MONOTONIC, like now_ms(). */
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(left / 1000);
	ts->tv_nsec += (long)(left % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/*
 * The connection's thread: run each job handed over; once the
 * connection is retired (abandoned by its caller, or dropped), close it
 * and give the slot back.
 */
static void *
conn_thread(void *arg)
{
	struct db_conn *c = arg;
	struct db_source *src = c->src;
	struct db_job *job;
	int retire;

	pthread_mutex_lock(&c->jlock);
	for (;;) {
		while (c->jstate != CONN_RUN && !c->retire && !c->quit)
			pthread_cond_wait(&c->jcond, &c->jlock);
		if (c->jstate != CONN_RUN)
			break;
		job = c->job;
		pthread_mutex_unlock(&c->jlock);
		job->run(job);
		pthread_mutex_lock(&c->jlock);
		if (c->retire) {
			/* Abandoned: nobody waits for the results. */
			c->job = NULL;
			c->jstate = CONN_IDLE;
			pthread_mutex_unlock(&c->jlock);
			if (job->free != NULL)
				job->free(job);
			pthread_mutex_lock(&c->jlock);
		} else {
			c->jstate = CONN_DONE;
			pthread_cond_broadcast(&c->jcond);
		}
	}
	retire = c->retire && !c->quit;
	pthread_mutex_unlock(&c->jlock);
	if (retire) {
		/* Nobody joins this thread: it closes its connection. */
		pthread_detach(pthread_self());
		db_pool_retired(src, c);
	}
	return NULL;
}

int
db_conn_start(struct db_source *src, struct db_conn *c)
{
	pthread_condattr_t a;

	c->src = src;
	pthread_mutex_init(&c->jlock, NULL);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&c->jcond, &a);
	pthread_condattr_destroy(&a);
	c->jstate = CONN_IDLE;
	if (pthread_create(&c->thread, NULL, conn_thread, c) != 0)
		return -1;
	c->threaded = 1;
	return 0;
}

int
db_conn_call(struct db_conn *c, struct db_job *job, uint64_t deadline)
{
	struct timespec ts;

	if (!c->threaded) {
		job->run(job);
		return 0;
	}
	pthread_mutex_lock(&c->jlock);
	c->job = job;
	c->jstate = CONN_RUN;
	pthread_cond_broadcast(&c->jcond);
	if (deadline != UINT64_MAX)
		conn_deadline(&ts, deadline);
	while (c->jstate != CONN_DONE) {
		if (deadline == UINT64_MAX)
			pthread_cond_wait(&c->jcond, &c->jlock);
		else if (pthread_cond_timedwait(&c->jcond, &c->jlock, &ts) ==
		    ETIMEDOUT && c->jstate != CONN_DONE) {
			/* The job and the connection are the thread's now. */
			c->retire = 1;
			db_pool_abandon(c->src, c);
			pthread_mutex_unlock(&c->jlock);
			return -1;
		}
	}
	c->job = NULL;
	c->jstate = CONN_IDLE;
	pthread_mutex_unlock(&c->jlock);
	return 0;
}

int
db_conn_retire(struct db_conn *c)
{
	if (!c->threaded)
		return -1;
	pthread_mutex_lock(&c->jlock);
	c->retire = 1;
	pthread_cond_broadcast(&c->jcond);
	pthread_mutex_unlock(&c->jlock);
	return 0;
}

void
db_conn_stop(struct db_conn *c)
{
	if (!c->threaded)
		return;
	pthread_mutex_lock(&c->jlock);
	c->quit = 1;
	pthread_cond_broadcast(&c->jcond);
	pthread_mutex_unlock(&c->jlock);
	pthread_join(c->thread, NULL);
	c->threaded = 0;
	pthread_mutex_destroy(&c->jlock);
	pthread_cond_destroy(&c->jcond);
}
