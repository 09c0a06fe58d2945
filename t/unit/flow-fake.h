/*
 * flow-fake.h: fake services for the flow tests -- a prompt catalog
 * (every id has the text "<id>" except ids containing "missing", and
 * "a.zh_only" exists only in zh-CN), mappings "price" (one row, by
 * code), "promos" (two rows) and "deals" (seven rows, deal_no 1 to 7),
 * and say-rules that speak a value as one prompt "say.AS:VALUE"
 * ("say.AS:VALUE/N" with decimals N) and cannot read the value
 * "unsayable".  Header-only, static, for test binaries.
 */
#ifndef KEFU_T_FLOW_FAKE_H
#define KEFU_T_FLOW_FAKE_H

#include <string.h>

#include "flow/flow.h"

static const char *const fake_langs[] = { "zh-CN", "yue" };

static const char *
fake_text(void *arg, const char *lang, const char *id)
{
	(void)arg;
	if (strstr(id, "missing") != NULL)
		return NULL;
	if (strcmp(id, "a.zh_only") == 0 && strcmp(lang, "zh-CN") != 0)
		return NULL;
	return strcmp(lang, "yue") == 0 ? "(yue)" : "(zh)";
}

static const struct flow_prompt_ops fake_prompt_ops = { fake_text };

static enum flow_outcome fake_force = FLOW_Q_FOUND;
static int fake_force_on;

static int
fake_describe(void *arg, const char *name, struct flow_mapinfo *mi)
{
	(void)arg;
	memset(mi, 0, sizeof *mi);
	if (strcmp(name, "price") == 0) {
		mi->nparams = 1;
		mi->params[0].name = "code";
		mi->params[0].type = FLOW_T_DIGITS;
		mi->nouts = 2;
		mi->outs[0].var = "product_name";
		mi->outs[0].type = FLOW_T_TEXT;
		mi->outs[1].var = "price";
		mi->outs[1].type = FLOW_T_DECIMAL;
		return 0;
	}
	if (strcmp(name, "promos") == 0) {
		mi->nouts = 2;
		mi->outs[0].var = "promo_name";
		mi->outs[0].type = FLOW_T_TEXT;
		mi->outs[1].var = "promo_price";
		mi->outs[1].type = FLOW_T_DECIMAL;
		mi->many = 1;
		return 0;
	}
	if (strcmp(name, "deals") == 0) {
		mi->nouts = 1;
		mi->outs[0].var = "deal_no";
		mi->outs[0].type = FLOW_T_INTEGER;
		mi->many = 1;
		return 0;
	}
	return -1;
}

static enum flow_outcome
fake_query(void *arg, const char *name, const struct flow_kv *in, size_t nin,
    struct flow_rows *rows, char **cause)
{
	struct flow_mapinfo mi;
	const char *row[2];
	char no[8];
	size_t i;

	(void)arg;
	(void)cause;
	if (fake_force_on)
		return fake_force;
	if (fake_describe(NULL, name, &mi) == -1)
		return FLOW_Q_ERROR;
	rows->ncols = mi.nouts;
	rows->names = xcalloc(mi.nouts, sizeof *rows->names);
	rows->types = xcalloc(mi.nouts, sizeof *rows->types);
	for (i = 0; i < mi.nouts; i++) {
		rows->names[i] = xstrdup(mi.outs[i].var);
		rows->types[i] = mi.outs[i].type;
	}
	if (strcmp(name, "deals") == 0) {
		for (i = 1; i <= 7; i++) {
			snprintf(no, sizeof no, "%zu", i);
			row[0] = no;
			flow_rows_add(rows, row);
		}
		return FLOW_Q_FOUND;
	}
	if (strcmp(name, "deals") == 0) {
		for (i = 1; i <= 7; i++) {
			snprintf(no, sizeof no, "%zu", i);
			row[0] = no;
			flow_rows_add(rows, row);
		}
		return FLOW_Q_FOUND;
	}
	if (strcmp(name, "promos") == 0) {
		row[0] = "apples"; row[1] = "3.50";
		flow_rows_add(rows, row);
		row[0] = "milk"; row[1] = "12.00";
		flow_rows_add(rows, row);
		return FLOW_Q_FOUND;
	}
	if (nin != 1 || in[0].value == NULL)
		return FLOW_Q_INVALID;
	if (strcmp(in[0].value, "6901234567892") == 0 ||
	    strcmp(in[0].value, "1234") == 0) {
		row[0] = "tea";
		row[1] = strcmp(in[0].value, "1234") == 0 ? "2.00" : "12.50";
		flow_rows_add(rows, row);
		return FLOW_Q_FOUND;
	}
	return FLOW_Q_EMPTY;
}

static const struct flow_map_ops fake_map_ops = { fake_query, fake_describe };

static int
fake_say(void *arg, const char *lang, const char *as, const char *value,
    const char *unit, int decimals, struct flow_prompts *out, char **cause)
{
	char id[128];

	(void)arg;
	(void)lang;
	(void)unit;
	if (strcmp(value, "unsayable") == 0)
		return kf_error(cause, "cannot read \"%s\"", value);
	if (decimals >= 0)
		snprintf(id, sizeof id, "say.%s:%s/%d", as, value, decimals);
	else
		snprintf(id, sizeof id, "say.%s:%s", as, value);
	flow_prompts_add(out, id, value);
	return 0;
}

static const struct flow_say_ops fake_say_ops = { fake_say };

static void
fake_env(struct flow_env *env)
{
	memset(env, 0, sizeof *env);
	env->map = &fake_map_ops;
	env->say = &fake_say_ops;
	env->prompts = &fake_prompt_ops;
	env->langs = fake_langs;
	env->nlangs = 2;
}

#endif
