/*
 * pools.c: one db_source per [datasource] of a kefu.conf, and the lookup
 * map_load uses to find them.  Every program that runs mappings opens its
 * pools here: kefud and `kefu call` through svc/svc.c, `kefu map` through
 * cli/cmd-map.c, the tests and the benchmarks directly.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "map/map.h"
#include "util/util.h"

struct map_pools {
	struct db_source **src;
	size_t n;
};

int
map_pools_open(const struct conf *conf, const struct db_adapters *ads,
    struct map_pools **out, char **cause)
{
	struct map_pools *p = xcalloc(1, sizeof *p);
	size_t i;

	p->src = xcalloc(conf->nds + 1, sizeof *p->src);
	for (i = 0; i < conf->nds; i++) {
		if (db_source_open(&conf->ds[i], ads, &p->src[i],
		    cause) == -1) {
			map_pools_close(p);
			return -1;
		}
		p->n++;
	}
	*out = p;
	return 0;
}

void
map_pools_close(struct map_pools *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		db_source_close(p->src[i]);
	free(p->src);
	free(p);
}

struct db_source *
map_pools_source(void *arg, const char *name)
{
	struct map_pools *p = arg;
	size_t i;

	for (i = 0; p != NULL && i < p->n; i++)
		if (strcmp(db_source_name(p->src[i]), name) == 0)
			return p->src[i];
	return NULL;
}
