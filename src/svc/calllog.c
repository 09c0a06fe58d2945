/*
 * calllog.c: what a call did, as the local store's call log keeps it (one
 * call_log row, one call_queries row per query; the SQL is in
 * store/calllog.c).  The values of parameters whose names look secret
 * (PIN, password) are replaced by "***" before they are stored or logged.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "svc/svc.h"
#include "store/store.h"

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

/* The queries as the store keeps them (params redacted, freed by caller). */
static struct store_call_query *
calllog_queries(const struct flow_record *rec)
{
	struct store_call_query *q;
	size_t i;

	q = xcalloc(rec->nqueries + 1, sizeof *q);
	for (i = 0; i < rec->nqueries; i++) {
		const struct flow_qlog *ql = &rec->queries[i];
		enum flow_outcome o = ql->outcome;

		q[i].mapping = ql->mapping;
		q[i].params = calllog_redact(ql->bound ? ql->bound : "");
		q[i].latency_ms = ql->ms;
		q[i].error_kind = o == FLOW_Q_FOUND || o == FLOW_Q_EMPTY ||
		    o == FLOW_Q_MANY ? NULL : flow_outcome_name(o);
		q[i].nrows = ql->nrows < 0 ? -1 : ql->nrows;
	}
	return q;
}

int
svc_log_call(struct svc *svc, const char *line, const char *caller,
    const char *flow, time_t started, uint64_t duration_ms,
    const struct flow_record *rec, char **cause)
{
	struct db_source *src;
	struct store_call_query *queries;
	char stamp[32], node[64], *path, *escalated = NULL;
	const char *error;
	struct tm tm;
	size_t i;
	int rc;

	if ((src = svc_source(svc, svc->conf->store_datasource)) == NULL)
		return kf_error(cause, "no [datasource %s] for the local store",
		    svc->conf->store_datasource);
	localtime_r(&started, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	path = xstrndup(sb_str(&rec->path), 4000);
	if (gethostname(node, sizeof node) == -1)
		strcpy(node, "kefud");
	node[sizeof node - 1] = '\0';
	error = rec->end == FLOW_END_FLOW || rec->end == FLOW_END_CALLER ?
	    NULL : rec->reason;
	/* A call the flow ended after an escalation says why. */
	if (error == NULL && rec->end == FLOW_END_FLOW &&
	    rec->escalated != NULL)
		error = escalated = xasprintf("escalated: %s", rec->escalated);
	queries = calllog_queries(rec);
	rc = store_calllog_add(src, &(struct store_call){
		.node = node,
		.line = line,
		.caller_id = caller,
		.started_at = stamp,
		.duration_ms = (int64_t)duration_ms,
		.language = rec->lang,
		.flow = flow,
		.path = path,
		.outcome = calllog_outcome(rec->end),
		.error = error,
		.queries = queries,
		.nqueries = rec->nqueries,
	}, cause);
	for (i = 0; i < rec->nqueries; i++)
		free((char *)queries[i].params);
	free(queries);
	free(path);
	free(escalated);
	return rc;
}
