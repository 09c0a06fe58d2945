/*
 * cli-store.c: the [store] datasource of kefu.conf opened for the
 * commands that work on kefu's own tables (kefu db, member, outbox):
 * the configuration, the adapter profiles (they add connection options,
 * MariaDB's character set for one) and one db_source.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

int
cli_store_open(const char *cmd, struct cli_store *x)
{
	char *cause = NULL, *path = NULL;

	memset(x, 0, sizeof *x);
	if ((x->conf = cli_conf()) == NULL)
		return -1;
	if ((x->cfg = conf_datasource(x->conf, x->conf->store_datasource)) ==
	    NULL) {
		fprintf(stderr, "kefu %s: %s: [store] datasource = %s, but "
		    "there is no [datasource %s]\n", cmd, x->conf->path,
		    x->conf->store_datasource, x->conf->store_datasource);
		return -1;
	}
	if (db_adapters_load(x->conf->adapters_dir, &x->ads, &cause) == -1) {
		log_debug("kefu %s: adapters not loaded: %s", cmd, cause);
		free(cause);
		cause = NULL;
		x->ads = NULL;
	}
	if (store_sqlite_path(x->cfg, &path, &cause) == -1 ||
	    db_source_open(x->cfg, x->ads, &x->src, &cause) == -1) {
		fprintf(stderr, "kefu %s: %s\n", cmd, cause);
		free(cause);
		free(path);
		cli_store_close(x);
		return -1;
	}
	free(path);
	return 0;
}

void
cli_store_close(struct cli_store *x)
{
	if (x->src != NULL)
		db_source_close(x->src);
	if (x->ads != NULL)
		db_adapters_free(x->ads);
	x->src = NULL;
	x->ads = NULL;
}
