/*
 * svc-case.c: the built-in services of cases (kefu-flow(5), BUILT-IN
 * SERVICES) -- a caller's complaint, suggestion or after-sales request
 * left as a voice message becomes a case in the local store, routed to
 * its department (store/case.c does the SQL and the notices); and the
 * department keys a caller may press.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "audio/audio.h"
#include "svc/svc.h"
#include "store/store.h"

/* A recording made by this kefud: a file in the spool; 0 or -1. */
static int
svc_case_recording(struct svc *svc, const char *path, unsigned *ms,
    char **cause)
{
	const char *spool = svc->conf->spool_dir;
	size_t n = strlen(spool);

	if (strncmp(path, spool, n) != 0 || path[n] != '/' ||
	    strstr(path, "/../") != NULL)
		return kf_error(cause, "the recording %s is not in the spool "
		    "%s", path, spool);
	return recording_length(path, ms, cause);
}

static enum flow_outcome
svc_case_create(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	struct db_source *src;
	struct store_case_new c;
	char no[CASE_NO_LEN + 1];
	const char *rec, *conf;

	memset(&c, 0, sizeof c);
	c.kind = svc_builtin_arg(in, nin, "kind");
	c.key = svc_builtin_arg(in, nin, "key");
	c.member_no = svc_builtin_arg(in, nin, "member_no");
	c.caller_id = svc_builtin_arg(in, nin, "caller");
	c.call_ref = svc_builtin_arg(in, nin, "call");
	c.callback_phone = svc_builtin_arg(in, nin, "callback");
	/* "private", "unavailable" or nothing: no number to call back */
	if (c.callback_phone != NULL && (*c.callback_phone == '\0' ||
	    strspn(c.callback_phone, "+0123456789") !=
	    strlen(c.callback_phone)))
		c.callback_phone = NULL;
	if (c.caller_id != NULL && *c.caller_id == '\0')
		c.caller_id = NULL;
	if ((conf = svc_builtin_arg(in, nin, "confirmed")) != NULL &&
	    strcmp(conf, "no") != 0 && strcmp(conf, "yes") != 0) {
		kf_error(cause, "confirmed '%.20s' is neither yes nor no",
		    conf);
		return FLOW_Q_INVALID;
	}
	c.unconfirmed = conf != NULL && strcmp(conf, "no") == 0;
	if (!store_case_kind_ok(c.kind)) {
		kf_error(cause, "kind '%.20s' is none of complaint, "
		    "suggestion, after_sales", c.kind);
		return FLOW_Q_INVALID;
	}
	if ((rec = svc_builtin_arg(in, nin, "recording")) != NULL &&
	    *rec != '\0') {
		if (svc_case_recording(svc, rec, &c.voice_ms, cause) == -1)
			return FLOW_Q_INVALID;
		c.voice_path = rec;
	}
	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if (store_case_create(src, svc->conf, &c, no, cause) == -1)
		return FLOW_Q_ERROR;
	svc_builtin_row(b, rows, (const char *const[]){ no });
	return FLOW_Q_FOUND;
}

static enum flow_outcome
svc_case_department(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *key = svc_builtin_arg(in, nin, "key");
	size_t i;

	(void)cause;
	for (i = 0; i < svc->conf->ndepts; i++) {
		const struct conf_department *d = &svc->conf->depts[i];

		if (d->key != NULL && strcmp(d->key, key) == 0) {
			svc_builtin_row(b, rows, (const char *const[]){
			    d->name, d->title ? d->title : d->name });
			return FLOW_Q_FOUND;
		}
	}
	return FLOW_Q_EMPTY;
}

const struct svc_builtin svc_builtins_case[] = {
	{
		.name = "kefu.case.create",
		.what = "a case from a caller's voice message, routed to its "
		    "department, which is told through the outbox",
		.nparams = 8,
		.params = {
			{ "kind", FLOW_T_TEXT, 0 },
			{ "recording", FLOW_T_RECORDING, 1 },
			{ "key", FLOW_T_DIGITS, 1 },
			{ "callback", FLOW_T_TEXT, 1 },
			{ "member_no", FLOW_T_DIGITS, 1 },
			{ "caller", FLOW_T_TEXT, 1 },
			{ "call", FLOW_T_TEXT, 1 },
			{ "confirmed", FLOW_T_TEXT, 1 },
		},
		.nouts = 1,
		.outs = { { "case_no", FLOW_T_DIGITS } },
		.run = svc_case_create,
	},
	{
		.name = "kefu.case.department",
		.what = "the department a caller's key chooses ([department] "
		    "key in kefu.conf)",
		.nparams = 1,
		.params = { { "key", FLOW_T_DIGITS, 0 } },
		.nouts = 2,
		.outs = { { "department", FLOW_T_TEXT },
		    { "department_title", FLOW_T_TEXT } },
		.run = svc_case_department,
	},
};
