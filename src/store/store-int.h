/*
 * store-int.h: what the store's own files share and nobody else needs.
 */
#ifndef KEFU_STORE_INT_H
#define KEFU_STORE_INT_H

#include "db/db.h"

/*
 * Run one statement; its result into *res, or freed when res is NULL (a
 * write).  An error is "WHAT: message" in *cause.
 */
int store_run(struct db_source *src, const char *what, const char *sql,
    const struct db_param *p, size_t np, const enum db_vtype *vt, size_t nvt,
    struct db_result **res, char **cause);

#endif
