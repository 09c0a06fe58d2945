/*
 * hist.c: a small log-linear latency histogram (16 sub-buckets per power
 * of two, so percentiles are within about 6%), thread-safe, for
 * per-datasource statistics here and per-mapping statistics in map/.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "db/db_int.h"

#define HIST_SUB	16
#define HIST_BUCKETS	(HIST_SUB + 28 * HIST_SUB)

struct db_hist {
	pthread_mutex_t lock;
	uint64_t count;
	uint64_t b[HIST_BUCKETS];
};

struct db_hist *
db_hist_new(void)
{
	struct db_hist *h = xcalloc(1, sizeof *h);

	pthread_mutex_init(&h->lock, NULL);
	return h;
}

void
db_hist_free(struct db_hist *h)
{
	if (h == NULL)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

static unsigned
hist_bucket(unsigned v)
{
	unsigned e = 31;

	if (v < HIST_SUB)
		return v;
	while (!(v & (1u << e)))
		e--;
	return HIST_SUB + (e - 4) * HIST_SUB + ((v >> (e - 4)) & (HIST_SUB - 1));
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
	pthread_mutex_lock(&h->lock);
	h->b[hist_bucket(us)]++;
	h->count++;
	pthread_mutex_unlock(&h->lock);
}

/* The value below which pct percent of the samples fall; 0 when empty. */
unsigned
db_hist_pct(struct db_hist *h, double pct)
{
	uint64_t want, seen = 0;
	unsigned b, v = 0;

	pthread_mutex_lock(&h->lock);
	if (h->count == 0) {
		pthread_mutex_unlock(&h->lock);
		return 0;
	}
	want = (uint64_t)((double)h->count * pct / 100.0 + 0.999999);
	if (want < 1)
		want = 1;
	if (want > h->count)
		want = h->count;
	for (b = 0; b < HIST_BUCKETS; b++) {
		seen += h->b[b];
		if (seen >= want) {
			v = hist_value(b);
			break;
		}
	}
	pthread_mutex_unlock(&h->lock);
	return v;
}

uint64_t
db_hist_count(struct db_hist *h)
{
	uint64_t n;

	pthread_mutex_lock(&h->lock);
	n = h->count;
	pthread_mutex_unlock(&h->lock);
	return n;
}
