/*
 * watchdog.c: the watchdog of a datasource -- SQLCancel for statements
 * past their deadline, for drivers without a query timeout of their own.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "db/db-int.h"

/*
 * The watchdog: SQLCancel every watched statement past its deadline, for
 * drivers without a query timeout of their own.  It runs on a thread of
 * its own, and only connections' threads wait for it (a cancel talks to
 * the server and can hang on a frozen network): never a caller.
 */
void *
db_watchdog_main(void *arg)
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
		 * no wake-up); db_watchdog_watch signals only for an earlier
		 * deadline than src->wnext.
		 */
		if (next == NULL && src->wnext > now &&
		    src->wnext != UINT64_MAX) {
			db_source_deadline(&ts, src->wnext);
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
			db_source_deadline(&ts, next->deadline);
			pthread_cond_timedwait(&src->wcond, &src->wlock, &ts);
			continue;
		}
		next->fired = 1;
		/* db_watchdog_unwatch waits while fired == 1 (cancelling). */
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
db_watchdog_watch(struct db_source *src, struct db_watch *w)
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
db_watchdog_unwatch(struct db_source *src, struct db_watch *w)
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
