/*
 * hist.c: a small log-linear latency histogram (16 sub-buckets per power
 * of two, so percentiles are within about 6%), thread-safe, for
 * per-datasource statistics here and per-mapping statistics in map/.
 * Adding a sample is two relaxed atomic increments (it sits on every
 * query's path); readers take a snapshot that may lag by a sample.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "db/db-int.h"

#define HIST_SUB	16
#define HIST_BUCKETS	(HIST_SUB + 28 * HIST_SUB)

struct db_hist {
	_Atomic uint64_t count;
	_Atomic uint64_t b[HIST_BUCKETS];
};

struct db_hist *
db_hist_new(void)
{
	return xcalloc(1, sizeof(struct db_hist));
}

void
db_hist_free(struct db_hist *h)
{
	free(h);
}

static unsigned
hist_bucket(unsigned v)
{
	unsigned e;

	if (v < HIST_SUB)
		return v;
	e = 31u - (unsigned)__builtin_clz(v);
	return HIST_SUB + (e - 4) * HIST_SUB +
	    ((v >> (e - 4)) & (HIST_SUB - 1));

}

/* The middle of a bucket's range, as the value reported for it. */
static unsigned
hist_value(unsigned b)
{
	unsigned e, lo, width;

	if (b < HIST_SUB)
		return b;
	e = (b - HIST_SUB) / HIST_SUB + 4;
	width = 1u << (e - 4);
	lo = (1u << e) + ((b - HIST_SUB) % HIST_SUB) * width;
	return lo + width / 2;
}

void
db_hist_add(struct db_hist *h, unsigned us)
{
	atomic_fetch_add_explicit(&h->b[hist_bucket(us)], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_release);
}

/* The value below which pct percent of the samples fall; 0 when empty. */
unsigned
db_hist_pct(struct db_hist *h, double pct)
{
	uint64_t want, seen = 0, count, snap[HIST_BUCKETS];
	unsigned b, v = 0;

	count = atomic_load_explicit(&h->count, memory_order_acquire);
	if (count == 0)
		return 0;
	/* Buckets may run ahead of count by the samples being added. */
	count = 0;
	for (b = 0; b < HIST_BUCKETS; b++)
		count += snap[b] = atomic_load_explicit(&h->b[b],
		    memory_order_relaxed);
	want = (uint64_t)((double)count * pct / 100.0 + 0.999999);
	if (want < 1)
		want = 1;
	if (want > count)
		want = count;
	for (b = 0; b < HIST_BUCKETS; b++) {
		seen += snap[b];
		if (seen >= want) {
			v = hist_value(b);
			break;
		}
	}
	return v;
}

uint64_t
db_hist_count(struct db_hist *h)
{
	return atomic_load_explicit(&h->count, memory_order_acquire);
}
