/*
 * points.c: member_points, each member's points balance as [campaign]
 * points-mapping last gave it -- the baseline the points-changed notices
 * (msg/points.c) compare with, kept in the store so that a restart
 * neither tells a change again nor misses one -- and how many changes
 * were told, which makes the notice's idempotency key.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

int
store_points_read(struct db_source *src, struct store_points **out,
    size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_TEXT, DBV_INT };
	struct db_query q = { .sql = "SELECT member_id, points, changes FROM "
	    "member_points ORDER BY member_id", .coltypes = vt,
	    .ncoltypes = nitems(vt) };
	struct db_result *res;
	struct db_err err;
	size_t i;

	*out = NULL;
	*n = 0;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "points: %s", err.msg);
	*out = xcalloc(res->nrows ? res->nrows : 1, sizeof **out);
	for (i = 0; i < res->nrows; i++) {
		(*out)[i].member_id = DB_CELL(res, i, 0)->i;
		snprintf((*out)[i].points, sizeof (*out)[i].points, "%s",
		    DB_CELL(res, i, 1)->s);
		(*out)[i].changes = DB_CELL(res, i, 2)->i;
	}
	*n = res->nrows;
	db_result_free(res);
	return 0;
}

const struct store_points *
store_points_find(const struct store_points *p, size_t n, int64_t member_id)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p[mid].member_id == member_id)
			return &p[mid];
		if (p[mid].member_id < member_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Run one write of member_points. */
static int
points_write(struct db_source *src, const char *sql,
    const struct db_param *p, size_t np, char **cause)
{
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .writes = 1 };
	struct db_result *res;
	struct db_err err;

	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "points: %s", err.msg);
	db_result_free(res);
	return 0;
}

int
store_points_set(struct db_source *src, int64_t member_id,
    const char *points, const struct store_points *was, const char *now,
    char **cause)
{
	struct db_param first[3] = {
		{ .type = DBV_INT, .i = member_id },
		{ .type = DBV_TEXT, .s = points },
		{ .type = DBV_TIMESTAMP, .s = now },
	};
	struct db_param change[6] = {
		{ .type = DBV_TEXT, .s = points },
		{ .type = DBV_INT, .i = was ? was->changes + 1 : 0 },
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_INT, .i = member_id },
		{ .type = DBV_INT, .i = was ? was->changes : 0 },
	};

	if (was == NULL)
		return points_write(src, "INSERT INTO member_points "
		    "(member_id, points, changes, seen_at) VALUES (?, ?, 0, "
		    "?)", first, nitems(first), cause);
	/* only over what was read: another node's change wins */
	return points_write(src, "UPDATE member_points SET points = ?, "
	    "changes = ?, seen_at = ?, changed_at = ? WHERE member_id = ? AND "
	    "changes = ?", change, nitems(change), cause);
}
