/*
 * calllog.c: the call log of the local store -- one call_log row per call
 * and one call_queries row per query it made (schema:
 * sql/local/DIALECT/005_calls.sql), written in one transaction.  svc/
 * says what happened (struct store_call); this file owns the SQL.
 */
#include "config.h"

#include <stdio.h>

#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

static int
calllog_queries(struct db_tx *tx, int64_t id, const struct store_call *c,
    struct db_err *err)
{
	static const char sql[] = "INSERT INTO call_queries (call_id, seq, "
	    "mapping, params, latency_ms, error_kind, nrows) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)";
	struct db_result *res;
	size_t i;

	for (i = 0; i < c->nqueries; i++) {
		const struct store_call_query *cq = &c->queries[i];
		struct db_param p[] = {
			{ .type = DBV_INT, .i = id },
			{ .type = DBV_INT, .i = (int64_t)i + 1 },
			{ .type = DBV_TEXT, .s = cq->mapping },
			{ .type = DBV_TEXT, .s = cq->params },
			{ .type = DBV_INT, .i = cq->latency_ms },
			{ .type = DBV_TEXT, .s = cq->error_kind,
			    .null = cq->error_kind == NULL },
			{ .type = DBV_INT, .i = cq->nrows,
			    .null = cq->nrows < 0 },
		};
		struct db_query q = { .sql = sql, .params = p,
		    .nparams = sizeof p / sizeof *p, .writes = 1 };

		if (db_tx_run(tx, &q, &res, err) == -1)
			return -1;
		db_result_free(res);
	}
	return 0;
}

/* The id of the row just written, found by node, line and start. */
static int
calllog_find(struct db_tx *tx, const struct store_call *c, int64_t *id,
    struct db_err *err)
{
	static const char sql[] = "SELECT MAX(id) FROM call_log WHERE node = ? "
	    "AND line = ? AND started_at = ?";
	enum db_vtype idtype = DBV_INT;
	struct db_param p[] = {
		{ .type = DBV_TEXT, .s = c->node },
		{ .type = DBV_TEXT, .s = c->line },
		{ .type = DBV_TIMESTAMP, .s = c->started_at },
	};
	struct db_query q = { .sql = sql, .params = p,
	    .nparams = sizeof p / sizeof *p, .coltypes = &idtype,
	    .ncoltypes = 1 };
	struct db_result *res;

	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	if (res->nrows != 1 || DB_CELL(res, 0, 0)->null) {
		db_result_free(res);
		err->kind = DBE_SQL;
		snprintf(err->msg, sizeof err->msg, "the new call log row "
		    "could not be found again");
		return -1;
	}
	*id = DB_CELL(res, 0, 0)->i;
	db_result_free(res);
	return 0;
}

/*
 * The transaction: the row, its id found again by node, line and start
 * (one line runs one call at a time, and each call lasts more than a
 * second; LAST_INSERT_ID() would ask whichever pooled connection comes
 * next), then the queries -- all or none.
 */
static int
calllog_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	static const char sql[] = "INSERT INTO call_log (node, line, "
	    "caller_id, started_at, duration_ms, language, flow, path, "
	    "outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	const struct store_call *c = arg;
	struct db_param p[] = {
		{ .type = DBV_TEXT, .s = c->node },
		{ .type = DBV_TEXT, .s = c->line },
		{ .type = DBV_TEXT, .s = c->caller_id,
		    .null = c->caller_id == NULL },
		{ .type = DBV_TIMESTAMP, .s = c->started_at },
		{ .type = DBV_INT, .i = c->duration_ms },
		{ .type = DBV_TEXT, .s = c->language,
		    .null = c->language == NULL },
		{ .type = DBV_TEXT, .s = c->flow },
		{ .type = DBV_TEXT, .s = c->path },
		{ .type = DBV_TEXT, .s = c->outcome },
		{ .type = DBV_TEXT, .s = c->error, .null = c->error == NULL },
	};
	struct db_query q = { .sql = sql, .params = p,
	    .nparams = sizeof p / sizeof *p, .writes = 1 };
	struct db_result *res = NULL;
	int64_t id;

	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	db_result_free(res);
	if (calllog_find(tx, c, &id, err) == -1)
		return -1;
	return calllog_queries(tx, id, c, err);
}

int
store_calllog_add(struct db_source *src, const struct store_call *c,
    char **cause)
{
	struct db_err err;

	if (db_tx(src, calllog_tx, (void *)c, &err) == -1)
		return kf_error(cause, "%s", err.msg);
	return 0;
}
