/*
 * builtin.c: kefu's own services, reached from a flow as mappings whose
 * names start with "kefu." (kefu-flow(5), BUILT-IN SERVICES).  A flow
 * asks them exactly as it asks the retailer's database:
 *
 *	<query mapping="kefu.member.number" found="ok" invalid="retry">
 *	  <param name="no" var="no"/>
 *	</query>
 *
 * so the interpreter, the checker (`kefu flow check` knows each one's
 * parameters and the variables it sets) and the call log treat them
 * alike.  Each subsystem contributes a table of struct svc_builtin
 * (svc-NAME.c); this file holds the list of tables and the lookup.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "svc/svc.h"
#include "conf/conf.h"
#include "store/store.h"

/* ---- helpers for the services ---- */

struct db_source *
svc_builtin_store(struct svc *svc, char **cause)
{
	struct db_source *src;

	if (svc->conf->store_datasource == NULL) {
		kf_error(cause, "no local store ([store] datasource)");
		return NULL;
	}
	if ((src = svc_source(svc, svc->conf->store_datasource)) == NULL)
		kf_error(cause, "no [datasource %s] for the local store",
		    svc->conf->store_datasource);
	return src;
}

void
svc_builtin_policy(const struct svc *svc, struct store_member_policy *pol)
{
	pol->pin_attempts = svc->conf->pin_attempts;
	pol->pin_lockout_ms = svc->conf->pin_lockout_ms;
	pol->pin_iterations = svc->conf->pin_iterations;
}

enum flow_outcome
svc_builtin_pin_refused(int res, int left, const char *who,
    const char *lift, char **cause)
{
	switch (res) {
	case STORE_PIN_WRONG:
		if (left > 0) {
			kf_error(cause, "%s: wrong number or PIN, %d tr%s "
			    "left", who, left, left == 1 ? "y" : "ies");
			return FLOW_Q_INVALID;
		}
		kf_error(cause, "%s: wrong PIN, now locked", who);
		return FLOW_Q_EMPTY;
	case STORE_PIN_LOCKED:
		kf_error(cause, "%s is locked (%s lifts it)", who, lift);
		return FLOW_Q_EMPTY;
	}
	return FLOW_Q_ERROR;
}

const char *
svc_builtin_arg(const struct flow_kv *in, size_t nin, const char *name)
{
	size_t i;

	for (i = 0; i < nin; i++)
		if (strcmp(in[i].name, name) == 0)
			return in[i].value;
	return NULL;
}

void
svc_builtin_row(const struct svc_builtin *b, struct flow_rows *rows,
    const char *const *values)
{
	(void)b;
	flow_rows_add(rows, values);
}

/* ---- services of the member numbers (no database) ---- */

static enum flow_outcome
svc_member_number(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *no = svc_builtin_arg(in, nin, "no");

	(void)svc;
	if (no == NULL || !store_member_no_valid(no)) {
		kf_error(cause, "not a customer number (wrong length or "
		    "check digit)");
		return FLOW_Q_INVALID;
	}
	svc_builtin_row(b, rows, (const char *const[]){ no });
	return FLOW_Q_FOUND;
}

static const struct svc_builtin svc_builtins_core[] = {
	{
		.name = "kefu.member.number",
		.what = "a customer number's length and check digit",
		.nparams = 1,
		.params = { { "no", FLOW_T_DIGITS, 0 } },
		.nouts = 1,
		.outs = { { "member_no", FLOW_T_DIGITS } },
		.run = svc_member_number,
	},
};

/*
 * Every table of services.  A subsystem adds its table here (one line)
 * and its count.
 */
static const struct {
	const struct svc_builtin *v;
	size_t n;
} svc_builtin_tables[] = {
	{ svc_builtins_core, sizeof svc_builtins_core /
	    sizeof *svc_builtins_core },
	{ svc_builtins_member, SVC_BUILTINS_MEMBER },
	{ svc_builtins_case, SVC_BUILTINS_CASE_COUNT },
	{ svc_builtins_order, sizeof svc_builtins_order /
	    sizeof *svc_builtins_order },
	{ svc_builtins_staff, SVC_BUILTINS_STAFF },
	{ svc_builtins_visit, SVC_BUILTINS_VISIT },
	{ svc_builtins_notice, SVC_BUILTINS_NOTICE },
};

const struct svc_builtin *
svc_builtin_find(const char *name)
{
	size_t t, i;

	if (strncmp(name, SVC_BUILTIN_PREFIX,
	    strlen(SVC_BUILTIN_PREFIX)) != 0)
		return NULL;
	for (t = 0; t < sizeof svc_builtin_tables /
	    sizeof *svc_builtin_tables; t++)
		for (i = 0; i < svc_builtin_tables[t].n; i++)
			if (strcmp(svc_builtin_tables[t].v[i].name, name) == 0)
				return &svc_builtin_tables[t].v[i];
	return NULL;
}

size_t
svc_builtin_list(const struct svc_builtin **out, size_t max)
{
	size_t t, i, n = 0;

	for (t = 0; t < sizeof svc_builtin_tables /
	    sizeof *svc_builtin_tables; t++)
		for (i = 0; i < svc_builtin_tables[t].n; i++, n++)
			if (n < max)
				out[n] = &svc_builtin_tables[t].v[i];
	return n;
}

void
svc_builtin_describe(const struct svc_builtin *b, struct flow_mapinfo *info)
{
	size_t i;

	memset(info, 0, sizeof *info);
	for (i = 0; i < b->nparams; i++) {
		info->params[i].name = b->params[i].name;
		info->params[i].type = b->params[i].type;
		info->params[i].optional = b->params[i].optional;
	}
	info->nparams = b->nparams;
	for (i = 0; i < b->nouts; i++) {
		info->outs[i].var = b->outs[i].var;
		info->outs[i].type = b->outs[i].type;
	}
	info->nouts = b->nouts;
	info->many = b->many;
}

enum flow_outcome
svc_builtin_run(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	size_t i;

	flow_rows_clear(rows);
	rows->ncols = b->nouts;
	rows->names = xcalloc(b->nouts + 1, sizeof *rows->names);
	rows->types = xcalloc(b->nouts + 1, sizeof *rows->types);
	for (i = 0; i < b->nouts; i++) {
		rows->names[i] = xstrdup(b->outs[i].var);
		rows->types[i] = b->outs[i].type;
	}
	for (i = 0; i < b->nparams; i++)
		if (!b->params[i].optional &&
		    (svc_builtin_arg(in, nin, b->params[i].name) == NULL)) {
			kf_error(cause, "%s: no value for %s", b->name,
			    b->params[i].name);
			return FLOW_Q_INVALID;
		}
	return b->run(svc, b, in, nin, rows, cause);
}
