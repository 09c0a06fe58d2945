/*
 * services.c: the real services behind struct flow_env -- the mapping
 * engine (map/), the say-rules (say/) and the prompt catalogs (audio/)
 * of one kefu.conf -- for `kefu flow check`, `kefu call` and kefud.  The
 * checker and interpreter never include these headers; only this file
 * adapts them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "audio/audio.h"
#include "flow/flow_int.h"
#include "map/map.h"
#include "say/say.h"

struct flow_services {
	struct flow_env env;
	struct map_set *maps;
	struct db_adapters *ads;
	struct map_pools *pools;
	struct prompts *prompts;
	struct say_rules **say;         /* one per language, NULL if none */
	char **langs;
	size_t nlangs;
};

static const char *
svc_vtype(enum db_vtype t)
{
	switch (t) {
	case DBV_TEXT:
		return "text";
	case DBV_INT:
		return "integer";
	case DBV_DECIMAL:
		return "decimal";
	case DBV_DATE:
		return "date";
	case DBV_TIMESTAMP:
		return "timestamp";
	case DBV_BOOL:
		return "boolean";
	}
	return "text";
}

static int
svc_describe(void *arg, const char *name, struct flow_mapinfo *mi)
{
	struct flow_services *s = arg;
	const struct map *m;
	const struct map_info *info;
	size_t i;

	memset(mi, 0, sizeof *mi);
	if (s->maps == NULL || (m = map_find(s->maps, name)) == NULL)
		return -1;
	info = map_info(m);
	for (i = 0; i < info->nparams && i < FLOW_MAP_MAX; i++) {
		mi->params[i].name = info->params[i].name;
		mi->params[i].type = map_ptype_name(info->params[i].type);
		mi->params[i].optional = info->params[i].optional;
	}
	mi->nparams = i;
	for (i = 0; i < info->ncolumns && i < FLOW_MAP_MAX; i++) {
		mi->outs[i].var = info->columns[i].var;
		mi->outs[i].type = svc_vtype(info->columns[i].type);
	}
	mi->nouts = i;
	mi->many = info->rows == MAPROWS_MANY;
	return 0;
}

static char *
svc_value(const struct db_value *v)
{
	if (v->null)
		return NULL;
	switch (v->type) {
	case DBV_INT:
		return xasprintf("%lld", (long long)v->i);
	case DBV_BOOL:
		return xstrdup(v->i ? "1" : "0");
	default:
		return xstrdup(v->s ? v->s : "");
	}
}

static enum flow_outcome
svc_query(void *arg, const char *name, const struct flow_kv *in, size_t nin,
    struct flow_rows *rows, char **cause)
{
	static const enum flow_outcome conv[MAP_NOUTCOMES] = {
		[MAP_FOUND] = FLOW_Q_FOUND, [MAP_EMPTY] = FLOW_Q_EMPTY,
		[MAP_MANY] = FLOW_Q_MANY, [MAP_INVALID] = FLOW_Q_INVALID,
		[MAP_ERROR] = FLOW_Q_ERROR, [MAP_TIMEOUT] = FLOW_Q_TIMEOUT,
		[MAP_DOWN] = FLOW_Q_DOWN,
	};
	struct flow_services *s = arg;
	const struct map *m;
	const struct map_info *info;
	struct map_var *vars;
	struct map_res res;
	enum map_outcome o;
	char **row;
	size_t i, j;

	if (s->maps == NULL || (m = map_find(s->maps, name)) == NULL) {
		kf_error(cause, "no mapping %s", name);
		return FLOW_Q_ERROR;
	}
	info = map_info(m);
	vars = xcalloc(nin + 1, sizeof *vars);
	for (i = 0; i < nin; i++) {
		vars[i].name = in[i].name;
		vars[i].value = in[i].value;
	}
	memset(&res, 0, sizeof res);
	o = map_run(m, vars, nin, &res);
	free(vars);
	if (o != MAP_FOUND && o != MAP_EMPTY && o != MAP_MANY &&
	    res.error[0] != '\0')
		kf_error(cause, "%s", res.error);
	rows->ncols = info->ncolumns;
	rows->names = xcalloc(rows->ncols + 1, sizeof *rows->names);
	rows->types = xcalloc(rows->ncols + 1, sizeof *rows->types);
	for (j = 0; j < rows->ncols; j++) {
		rows->names[j] = xstrdup(info->columns[j].var);
		rows->types[j] = xstrdup(svc_vtype(info->columns[j].type));
	}
	row = xcalloc(rows->ncols + 1, sizeof *row);
	for (i = 0; res.rows != NULL && i < res.nrows; i++) {
		for (j = 0; j < rows->ncols && j < res.ncols; j++)
			row[j] = svc_value(MAP_ROW(&res, i, j));
		flow_rows_add(rows, (const char *const *)row);
		for (j = 0; j < rows->ncols; j++) {
			free(row[j]);
			row[j] = NULL;
		}
	}
	free(row);
	map_res_free(&res);
	return (size_t)o < MAP_NOUTCOMES ? conv[o] : FLOW_Q_ERROR;
}

static const struct flow_map_ops svc_map_ops = {
	.query = svc_query,
	.describe = svc_describe,
};

static const char *
svc_text(void *arg, const char *lang, const char *id)
{
	struct flow_services *s = arg;
	const struct prompt *p;

	if (s->prompts == NULL)
		return NULL;
	p = prompts_find(s->prompts, lang, id);
	return p ? p->text : NULL;
}

static const struct flow_prompt_ops svc_prompt_ops = {
	.text = svc_text,
};

static int
svc_say(void *arg, const char *lang, const char *as, const char *value,
    const char *unit, struct flow_prompts *out, char **cause)
{
	struct flow_services *s = arg;
	struct say_seq seq = SAY_SEQ_INIT;
	const struct say_rules *rules = NULL;
	enum say_type t;
	size_t i;
	int rc;

	for (i = 0; i < s->nlangs; i++)
		if (strcmp(s->langs[i], lang) == 0)
			rules = s->say[i];
	if (rules == NULL)
		return kf_error(cause, "no say-rules for %s", lang);
	if (say_type_parse(as, &t) == -1)
		return kf_error(cause, "cannot say values as \"%s\"", as);
	if (t == SAY_QUANTITY && unit != NULL && *unit != '\0')
		rc = say_quantity(rules, value, unit, &seq, cause);
	else
		rc = say_value(rules, t, value, &seq, cause);
	for (i = 0; rc == 0 && i < seq.n; i++)
		flow_prompts_add(out, seq.items[i].id, seq.items[i].text);
	say_seq_free(&seq);
	return rc;
}

static const struct flow_say_ops svc_say_ops = {
	.say = svc_say,
};

static void
svc_langs(struct flow_services *s, const char *list)
{
	char *copy = xstrdup(list ? list : "zh-CN"), *p, *tok, *save = NULL;

	for (p = copy; (tok = strtok_r(p, ", \t", &save)) != NULL; p = NULL) {
		s->langs = xreallocarray(s->langs, s->nlangs + 1,
		    sizeof *s->langs);
		s->langs[s->nlangs++] = xstrdup(tok);
	}
	free(copy);
}

int
flow_services_open(const struct conf *conf, int run, struct flow_services **out,
    char **cause)
{
	struct flow_services *s = xcalloc(1, sizeof *s);
	struct map_load_cfg mc;
	char *why = NULL;
	size_t i;

	*out = NULL;
	svc_langs(s, conf->languages);
	if (prompts_load(conf->prompts_dir, conf->languages, &s->prompts,
	    &why) == -1)
		goto fail;
	s->say = xcalloc(s->nlangs, sizeof *s->say);
	for (i = 0; i < s->nlangs; i++)
		if (say_load(conf->prompts_dir, s->langs[i], &s->say[i],
		    &why) == -1)
			goto fail;
	if (run) {
		if (db_adapters_load(conf->adapters_dir, &s->ads, &why) == -1)
			goto fail;
		if (map_pools_open(conf, s->ads, &s->pools, &why) == -1)
			goto fail;
	}
	memset(&mc, 0, sizeof mc);
	mc.path = conf->mappings_dir;
	mc.conf = conf;
	mc.source = run ? map_pools_source : NULL;
	mc.arg = s->pools;
	if (map_load(&mc, &s->maps, &why) == -1)
		goto fail;
	s->env.map = &svc_map_ops;
	s->env.map_arg = s;
	s->env.say = &svc_say_ops;
	s->env.say_arg = s;
	s->env.prompts = &svc_prompt_ops;
	s->env.prompts_arg = s;
	s->env.langs = (const char *const *)s->langs;
	s->env.nlangs = s->nlangs;
	*out = s;
	return 0;
fail:
	if (cause != NULL)
		*cause = why;
	else
		free(why);
	flow_services_close(s);
	return -1;
}

const struct flow_env *
flow_services_env(const struct flow_services *s)
{
	return &s->env;
}

void
flow_services_close(struct flow_services *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->maps != NULL)
		map_set_free(s->maps);
	if (s->pools != NULL)
		map_pools_close(s->pools);
	if (s->ads != NULL)
		db_adapters_free(s->ads);
	for (i = 0; s->say != NULL && i < s->nlangs; i++)
		if (s->say[i] != NULL)
			say_free(s->say[i]);
	free(s->say);
	if (s->prompts != NULL)
		prompts_free(s->prompts);
	for (i = 0; i < s->nlangs; i++)
		free(s->langs[i]);
	free(s->langs);
	free(s);
}
