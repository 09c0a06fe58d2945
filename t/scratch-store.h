/*
 * scratch-store.h: the scratch SQLite store the messaging tests and
 * benchmarks (t/unit/msg-*.c, bench/sms-*.c) run on: the source tree's
 * adapters (KEFU_SRCDIR, else "."), a datasource opened with its folder
 * made first, brought up to date from the tree's sql/.  Header-only and
 * free of tap.h, so a benchmark can use it too.
 */
#ifndef KEFU_T_SCRATCH_STORE_H
#define KEFU_T_SCRATCH_STORE_H

#include <stdlib.h>
#include <unistd.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

/* What scratch_store_open gives; scratch_store_close frees it. */
struct scratch_store {
	struct db_adapters *ads;        /* the source tree's adapters */
	struct db_source *src;          /* the open, up-to-date store */
	char *path;                     /* its SQLite file (NULL: none) */
};

/*
 * Load the adapters, open ds (a SQLite folder made first) and apply
 * every migration: 0, or -1 with *cause set and nothing left open.
 */
static inline int
scratch_store_open(const struct conf_datasource *ds, struct scratch_store *s,
    char **cause)
{
	const char *srcdir = getenv("KEFU_SRCDIR");
	char *adir, *sqldir;
	int rc = -1;

	if (srcdir == NULL)
		srcdir = ".";
	s->ads = NULL;
	s->src = NULL;
	s->path = NULL;
	adir = xasprintf("%s/adapters", srcdir);
	sqldir = xasprintf("%s/sql", srcdir);
	if (db_adapters_load(adir, &s->ads, cause) == -1)
		s->ads = NULL;
	else if (store_sqlite_path(ds, &s->path, cause) == -1 ||
	    db_source_open(ds, s->ads, &s->src, cause) == -1)
		s->src = NULL;
	else if (store_upgrade(s->src, ds, sqldir, 0, NULL, cause) == 0)
		rc = 0;
	free(adir);
	free(sqldir);
	if (rc == -1) {
		if (s->src != NULL)
			db_source_close(s->src);
		if (s->ads != NULL)
			db_adapters_free(s->ads);
		free(s->path);
		s->ads = NULL;
		s->src = NULL;
		s->path = NULL;
	}
	return rc;
}

/*
 * Close the store and free what scratch_store_open gave; with rm, remove
 * its SQLite file once closed (its folder and journal files stay).
 */
static inline void
scratch_store_close(struct scratch_store *s, int rm)
{
	if (s->src != NULL)
		db_source_close(s->src);
	if (s->ads != NULL)
		db_adapters_free(s->ads);
	if (rm && s->path != NULL)
		unlink(s->path);
	free(s->path);
	s->ads = NULL;
	s->src = NULL;
	s->path = NULL;
}

#endif
