/*
 * calllog.c: one row per call in the local store's call_log, and one per
 * query in call_queries (schema: sql/local/DIALECT/005_calls.sql).  The
 * values of parameters whose names look secret (PIN, password) are
 * replaced by "***" before they are stored or logged.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "call/call.h"
#include "db/db.h"

/*
 * "code=690... pin=1234" -> "code=690... pin=***".  Public for the CLI
 * transcript (declared where used).
 */
char *calllog_redact(const char *bound);
char *
calllog_redact(const char *bound)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = bound, *eq, *end;

	while (p != NULL && *p != '\0') {
		end = strchr(p, ' ');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && flow_secret(p, (size_t)(eq - p))) {
			sb_add(&sb, p, (size_t)(eq - p) + 1);
			sb_adds(&sb, "***");
		} else
			sb_add(&sb, p, (size_t)(end - p));
		if (*end == ' ')
			sb_addc(&sb, ' ');
		p = *end ? end + 1 : end;
	}
	return sb_steal(&sb);
}

static const char *
calllog_outcome(enum flow_end e)
{
	switch (e) {
	case FLOW_END_CALLER:
		return "hangup";
	case FLOW_END_FLOW:
		return "completed";
	case FLOW_END_ERROR:
	case FLOW_END_LOOP:
		break;
	}
	return "error";
}

static int
calllog_queries(struct db_tx *tx, int64_t id,
    const struct flow_record *rec, struct db_err *err)
{
	static const char sql[] = "INSERT INTO call_queries (call_id, seq, "
	    "mapping, params, latency_ms, error_kind, nrows) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)";
	struct db_query q = { 0 };
	struct db_param p[7];
	struct db_result *res;
	char *bound;
	size_t i;

	for (i = 0; i < rec->nqueries; i++) {
		const struct flow_qlog *ql = &rec->queries[i];
		enum flow_outcome o = ql->outcome;

		bound = calllog_redact(ql->bound ? ql->bound : "");
		memset(p, 0, sizeof p);
		p[0].type = DBV_INT;
		p[0].i = id;
		p[1].type = DBV_INT;
		p[1].i = (int64_t)i + 1;
		p[2].type = DBV_TEXT;
		p[2].s = ql->mapping;
		p[3].type = DBV_TEXT;
		p[3].s = bound;
		p[4].type = DBV_INT;
		p[4].i = ql->ms;
		p[5].type = DBV_TEXT;
		p[5].s = flow_outcome_name(o);
		p[5].null = o == FLOW_Q_FOUND || o == FLOW_Q_EMPTY ||
		    o == FLOW_Q_MANY;
		p[6].type = DBV_INT;
		p[6].i = ql->nrows;
		p[6].null = ql->nrows < 0;
		q.sql = sql;
		q.params = p;
		q.nparams = 7;
		q.writes = 1;
		if (db_tx_run(tx, &q, &res, err) == -1) {
			free(bound);
			return -1;
		}
		db_result_free(res);
		free(bound);
	}
	return 0;
}

static int
calllog_find(struct db_tx *tx, const char *node, const char *line,
    const char *stamp, int64_t *id, struct db_err *err)
{
	static const char sql[] = "SELECT MAX(id) FROM call_log WHERE node = ? "
	    "AND line = ? AND started_at = ?";
	enum db_vtype idtype = DBV_INT;
	struct db_query q = { 0 };
	struct db_param p[3];
	struct db_result *res;

	memset(p, 0, sizeof p);
	p[0].type = DBV_TEXT;
	p[0].s = node;
	p[1].type = DBV_TEXT;
	p[1].s = line;
	p[2].type = DBV_TIMESTAMP;
	p[2].s = stamp;
	q.sql = sql;
	q.params = p;
	q.nparams = 3;
	q.coltypes = &idtype;
	q.ncoltypes = 1;
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

/* What one call_log row and its call_queries rows are made of. */
struct calllog_row {
	struct db_param p[10];
	const char *node, *line, *stamp;
	const struct flow_record *rec;
};

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
	struct calllog_row *row = arg;
	struct db_query q = { 0 };
	struct db_result *res = NULL;
	int64_t id;

	q.sql = sql;
	q.params = row->p;
	q.nparams = 10;
	q.writes = 1;
	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	db_result_free(res);
	if (calllog_find(tx, row->node, row->line, row->stamp, &id, err) == -1)
		return -1;
	return calllog_queries(tx, id, row->rec, err);
}

int
svc_log_call(struct svc *svc, const char *line, const char *caller,
    const char *flow, uint64_t duration_ms, const struct flow_record *rec,
    char **cause)
{
	struct calllog_row row;
	struct db_source *src;
	struct db_param *p = row.p;
	struct db_err err;
	char stamp[32], node[64], *path, *escalated = NULL;
	time_t t = time(NULL) - (time_t)(duration_ms / 1000);
	struct tm tm;
	int rc;

	if ((src = svc_source(svc, svc->conf->store_datasource)) == NULL)
		return kf_error(cause, "no [datasource %s] for the local store",
		    svc->conf->store_datasource);
	localtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	path = xstrndup(sb_str(&rec->path), 4000);
	if (gethostname(node, sizeof node) == -1)
		strcpy(node, "kefud");
	node[sizeof node - 1] = '\0';
	memset(&row, 0, sizeof row);
	row.node = node;
	row.line = line;
	row.stamp = stamp;
	row.rec = rec;
	p[0].type = DBV_TEXT;
	p[0].s = node;
	p[1].type = DBV_TEXT;
	p[1].s = line;
	p[2].type = DBV_TEXT;
	p[2].s = caller;
	p[2].null = caller == NULL;
	p[3].type = DBV_TIMESTAMP;
	p[3].s = stamp;
	p[4].type = DBV_INT;
	p[4].i = (int64_t)duration_ms;
	p[5].type = DBV_TEXT;
	p[5].s = rec->lang;
	p[5].null = rec->lang == NULL;
	p[6].type = DBV_TEXT;
	p[6].s = flow;
	p[7].type = DBV_TEXT;
	p[7].s = path;
	p[8].type = DBV_TEXT;
	p[8].s = calllog_outcome(rec->end);
	p[9].type = DBV_TEXT;
	p[9].s = rec->reason;
	p[9].null = rec->end == FLOW_END_FLOW || rec->end == FLOW_END_CALLER ||
	    rec->reason == NULL;
	/* A call the flow ended after an escalation says why. */
	if (p[9].null && rec->end == FLOW_END_FLOW && rec->escalated != NULL) {
		escalated = xasprintf("escalated: %s", rec->escalated);
		p[9].s = escalated;
		p[9].null = 0;
	}
	rc = db_tx(src, calllog_tx, &row, &err);
	free(path);
	free(escalated);
	if (rc == -1)
		return kf_error(cause, "%s", err.msg);
	return 0;
}
