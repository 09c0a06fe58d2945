/*
 * source.c: one [datasource] -- opening and closing it (its pool, its
 * watchdog, its ODBC environment), the adapter profile in use, and its
 * statistics.  The rest of a datasource lives beside it: connect.c (one
 * connection), pool.c (acquire and release), outage.c (down, back,
 * back-off, the prober and the filler) and watchdog.c (late statements).
 * ODBC 3.x (ISO 9075-3). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "db/db-int.h"

void
db_source_deadline(struct timespec *ts, uint64_t at_ms)
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

void
db_source_cond_init(pthread_cond_t *c)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
}

/* The writers' turn of a local driver's source: recursive. */
static void
db_source_writer_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
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
	db_source_cond_init(&src->cond);
	pthread_mutex_init(&src->wlock, NULL);
	db_source_cond_init(&src->wcond);
	db_source_writer_init(&src->writer);
	src->wnext = UINT64_MAX;
	if (pthread_create(&src->watchdog, NULL, db_watchdog_main, src) != 0) {
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
	db_source_deadline(&ts, now_ms() + (uint64_t)src->connect_timeout_ms +
	    10000);
	while (src->pending > 0) {
		if (pthread_cond_timedwait(&src->cond, &src->lock, &ts) ==
		    ETIMEDOUT)
			break;
	}
	if (src->pending > 0) {
		/* The driver ignores its login timeout: leak, do not crash. */
		pthread_mutex_unlock(&src->lock);
		log_warnx("datasource %s: a connection attempt is still "
		    "hanging in the ODBC driver; leaving it behind",
		    src->name);

		return;
	}
	pthread_mutex_unlock(&src->lock);
	for (k = 0; k < src->pool_size; k++)
		db_connect_free(src, src->conns[k]);
	free(src->conns);
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
	pthread_mutex_destroy(&src->writer);
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
	    db_pool_acquire(src, 1, src->pool_wait_ms, src->query_timeout_ms,
	    &c, &err) == -1)
		return ad;
	db_pool_release(src, c);
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
	st->in_tx = atomic_load_explicit(&src->in_tx, memory_order_relaxed);
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
