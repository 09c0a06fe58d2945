/*
 * store-int.h: what the store's own files share and nobody else needs.
 */
#ifndef KEFU_STORE_INT_H
#define KEFU_STORE_INT_H

#include <stdint.h>

#include "db/db.h"

/*
 * Run one statement; its result into *res, or freed when res is NULL (a
 * write).  An error is "WHAT: message" in *cause.
 */
int store_run(struct db_source *src, const char *what, const char *sql,
    const struct db_param *p, size_t np, const enum db_vtype *vt, size_t nvt,
    struct db_result **res, char **cause);

/*
 * One integer from a statement of tx, or of src when tx is NULL (in a
 * transaction it counts as a write): the first column of the first row,
 * 0 when there is no row or it is NULL.  -1 with *err on an error.
 */
int store_int(struct db_source *src, struct db_tx *tx, const char *sql,
    const struct db_param *p, size_t np, int64_t *v, struct db_err *err);

/*
 * Queue, in tx, a transactional SMS of body to the number to, for the
 * case or visit request_id (0: none); key names it once over the whole
 * outbox.  *id is its outbox row.  store_outbox_enqueue_tx's returns.
 */
int store_outbox_sms_tx(struct db_tx *tx, const char *to, const char *key,
    const char *body, const char *now, int64_t request_id, int64_t *id,
    char **cause);

/*
 * case.c: append the step kind (at now, by staff, saying detail, its
 * message outbox_id; NULL or 0: none) to the case_events of case id.
 */
int store_case_event(struct db_tx *tx, int64_t id, const char *kind,
    const char *now, const char *staff, const char *detail,
    int64_t outbox_id, char **cause);

/*
 * stamp.c: a time of day "HH:MM" (the first len bytes of s; len 5) in
 * minutes after midnight, -1 when it is none; a slot "HH:MM-HH:MM" in
 * *from < *to, -1 when it is none.
 */
int store_stamp_hhmm(const char *s, size_t len);
int store_stamp_range(const char *s, int *from, int *to);

#endif
