/*
 * map.c: a loaded set of mappings -- lookup by name, the SQL variant
 * for a dialect, outcome names and the per-mapping statistics (the one
 * mutable part of a set, behind a mutex per mapping).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "map/map-int.h"
#include "util/util.h"

static const char *const map_outcome_names[] = {
	[MAP_FOUND] = "found",
	[MAP_EMPTY] = "empty",
	[MAP_MANY] = "many",
	[MAP_INVALID] = "invalid",
	[MAP_ERROR] = "error",
	[MAP_TIMEOUT] = "timeout",
	[MAP_DOWN] = "down",
};

const char *
map_outcome_name(enum map_outcome o)
{
	if ((size_t)o >= nitems(map_outcome_names))
		return "?";
	return map_outcome_names[o];
}

struct map *
map_new(void)
{
	struct map *m = xcalloc(1, sizeof *m);

	m->hist = db_hist_new();
	return m;
}

void *
map_own(struct map *m, void *p)
{
	m->owned = xreallocarray(m->owned, m->nowned + 1, sizeof *m->owned);
	m->owned[m->nowned++] = p;
	return p;
}

void
map_free(struct map *m)
{
	struct map_prep *prep;
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->info.nparams; i++)
		if (m->params[i].re_ != NULL)
			regfree(&m->regex[i]);
	for (i = 0; i < m->nowned; i++)
		free(m->owned[i]);
	free(m->owned);
	free(m->params);
	free(m->regex);
	free(m->sql);
	free(m->columns);
	free(m->coltypes);
	db_hist_free(m->hist);
	if ((prep = atomic_load(&m->prep)) != NULL) {
		free(prep->limited);
		free(prep);
	}
	free(m);
}

void
map_set_free(struct map_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		map_free(set->maps[i]);
	free(set->maps);
	free(set);
}

size_t
map_count(const struct map_set *set)
{
	return set->n;
}

const struct map *
map_at(const struct map_set *set, size_t i)
{
	return i < set->n ? set->maps[i] : NULL;
}

const struct map *
map_find(const struct map_set *set, const char *name)
{
	size_t lo = 0, hi = set->n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(name, set->maps[mid]->info.name);
		if (c == 0)
			return set->maps[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct map_info *
map_info(const struct map *m)
{
	return &m->info;
}

struct db_source *
map_source(const struct map *m)
{
	return m->src;
}

const struct map_sql_info *
map_sql_for(const struct map *m, const char *adapter)
{
	size_t i;

	if (adapter != NULL)
		for (i = 1; i < m->info.nsql; i++)
			if (strcmp(m->sql[i].dialect, adapter) == 0)
				return &m->sql[i];
	return &m->sql[0];
}

/* Count one run (elapsed_us 0: it never reached the database). */
void
map_stats_add(const struct map *cm, enum map_outcome o, unsigned us)
{
	struct map *m = (struct map *)cm;   /* the stats are the mutable part */

	/* On every run's path: atomic counters, no lock. */
	atomic_fetch_add_explicit(&m->runs, 1, memory_order_relaxed);
	if ((size_t)o < MAP_NOUTCOMES)
		atomic_fetch_add_explicit(&m->outcomes[o], 1,
		    memory_order_relaxed);
	if (us != 0)
		db_hist_add(m->hist, us);
}

void
map_stats(const struct map *cm, struct map_stats *st)
{
	struct map *m = (struct map *)cm;
	size_t i;

	memset(st, 0, sizeof *st);
	st->runs = atomic_load_explicit(&m->runs, memory_order_relaxed);
	for (i = 0; i < MAP_NOUTCOMES; i++)
		st->outcomes[i] = atomic_load_explicit(&m->outcomes[i],
		    memory_order_relaxed);
	st->errors = st->outcomes[MAP_ERROR] + st->outcomes[MAP_TIMEOUT] +
	    st->outcomes[MAP_DOWN];
	if (db_hist_count(m->hist) != 0) {
		st->p50_us = db_hist_pct(m->hist, 50);
		st->p99_us = db_hist_pct(m->hist, 99);
	}
}
