/*
 * event.c: kefu's own events that a customer is told of by SMS -- an
 * order confirmed, its delivery on its way (its slip printed for the
 * courier) -- found by asking which such events since a time have no
 * notice in the outbox yet (outbox.order_id and an idempotency key
 * starting "event:KIND:"), so that a notice is queued once per event
 * whoever looks, however often, and after a crash.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

const char *const store_event_kinds[] = {
	"order-confirmed", "order-on-way", NULL
};

/* The SELECT of one kind's events since ?, without a notice. */
static const char *
event_sql(const char *kind)
{
	if (strcmp(kind, "order-confirmed") == 0)
		return "SELECT o.id, o.order_no, m.id, m.name, m.mobile, "
		    "o.slot_date, o.slot, o.total, NULL FROM orders o JOIN "
		    "members m ON m.id = o.member_id WHERE o.ordered_at >= ? "
		    "AND o.status <> 'cancelled' AND m.mobile IS NOT NULL AND "
		    "m.mobile <> '' AND NOT EXISTS (SELECT 1 FROM outbox x "
		    "WHERE x.order_id = o.id AND x.idem_key LIKE "
		    "'event:order-confirmed:%') ORDER BY o.id";
	if (strcmp(kind, "order-on-way") == 0)
		return "SELECT o.id, o.order_no, m.id, m.name, m.mobile, "
		    "o.slot_date, o.slot, o.total, d.courier_name FROM orders "
		    "o JOIN delivery_slips d ON d.order_id = o.id JOIN members "
		    "m ON m.id = o.member_id WHERE d.printed = 1 AND "
		    "d.printed_at >= ? AND o.status NOT IN ('cancelled', "
		    "'delivered') AND m.mobile IS NOT NULL AND m.mobile <> '' "
		    "AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.order_id = "
		    "o.id AND x.idem_key LIKE 'event:order-on-way:%') ORDER BY "
		    "o.id";
	return NULL;
}

static char *
event_cell(struct db_result *r, size_t row, size_t col)
{
	struct db_value *v = DB_CELL(r, row, col);

	return v->null ? NULL : xstrdup(v->s);
}

int
store_events_pending(struct db_source *src, const char *kind,
    const char *since, struct store_event **out, size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_TEXT, DBV_INT,
	    DBV_TEXT, DBV_TEXT, DBV_DATE, DBV_TEXT, DBV_DECIMAL, DBV_TEXT };
	struct db_param p = { .type = DBV_TIMESTAMP, .s = since };
	struct db_query q = { .sql = event_sql(kind), .params = &p,
	    .nparams = 1, .coltypes = vt, .ncoltypes = nitems(vt) };
	struct db_result *res;
	struct db_err err;
	struct store_event *e;
	size_t i;

	*out = NULL;
	*n = 0;
	if (q.sql == NULL)
		return kf_error(cause, "events: no event kind '%s'", kind);
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "events: %s", err.msg);
	*out = xcalloc(res->nrows ? res->nrows : 1, sizeof **out);
	for (i = 0; i < res->nrows; i++) {
		e = &(*out)[i];
		e->order_id = DB_CELL(res, i, 0)->i;
		e->order_no = event_cell(res, i, 1);
		e->member_id = DB_CELL(res, i, 2)->i;
		e->name = event_cell(res, i, 3);
		e->mobile = event_cell(res, i, 4);
		e->date = event_cell(res, i, 5);
		e->slot = event_cell(res, i, 6);
		e->total = event_cell(res, i, 7);
		e->courier = event_cell(res, i, 8);
	}
	*n = res->nrows;
	db_result_free(res);
	return 0;
}

void
store_events_free(struct store_event *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(e[i].order_no);
		free(e[i].name);
		free(e[i].mobile);
		free(e[i].date);
		free(e[i].slot);
		free(e[i].total);
		free(e[i].courier);
	}
	free(e);
}
