/*
 * check.c: the static checker behind `kefu flow check` and `kefud -n`.
 * Cross-checks a loaded flow set against the prompt catalogs and the
 * mappings (through struct flow_env, so it is testable alone), proves by
 * a forward must-be-set data-flow analysis that every variable is set on
 * every path before it is read, and finds unreachable nodes and menus or
 * inputs that do not handle silence and wrong keys.  Rules: kefu-flow(5).
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow-int.h"

struct chk {
	const struct flow_set *set;
	const struct flow_env *env;
	struct strbuf *out;
	int n;
	const struct flow *f;
	/* the variables of the flow being checked */
	char **vars;
	char **types;
	size_t nvars;
	struct strmap index;    /* name -> its index + 1 in vars */
	size_t nwords;          /* words of a set of variables (dataflow) */
};

/*
 * A set of variables is a bit set of nwords words, so that the data-flow
 * analysis takes nodes x variables / 64 words of memory.
 */
typedef uint64_t chk_word;
#define CHK_WBITS 64

static void chk_err(struct chk *c, int line, const char *fmt, ...)
    KF_PRINTF(3, 4);

static void
chk_err(struct chk *c, int line, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	sb_addf(c->out, "%s:%d: %s\n", c->f->file, line, m);
	free(m);
	c->n++;
}

/* ---- prompts ---- */

/* Prompt id in every language, or only in lang (a <play lang=>). */
static void
chk_prompt(struct chk *c, int line, const char *id, const char *lang)
{
	const struct flow_env *env = c->env;
	size_t i;

	if (env == NULL || env->prompts == NULL || id == NULL)
		return;
	if (lang != NULL) {
		if (env->prompts->text(env->prompts_arg, lang, id) == NULL)
			chk_err(c, line, "prompt \"%s\" is missing in the %s "
			    "catalog (the play is spoken in %s)", id, lang,
			    lang);
		return;
	}
	for (i = 0; i < env->nlangs; i++)
		if (env->prompts->text(env->prompts_arg, env->langs[i],
		    id) == NULL)
			chk_err(c, line, "prompt \"%s\" is missing in the %s "
			    "catalog", id, env->langs[i]);
}

static void
chk_prompt_list(struct chk *c, int line, const char *list)
{
	char *copy, *p, *tok, *save = NULL;

	if (list == NULL)
		return;
	copy = xstrdup(list);
	for (p = copy; (tok = strtok_r(p, " \t\r\n", &save)) != NULL;
	    p = NULL)
		chk_prompt(c, line, tok, NULL);
	free(copy);
}

static void
chk_prompts(struct chk *c, const struct flow_node *n)
{
	size_t i;

	for (i = 0; i < n->npieces; i++) {
		chk_prompt(c, n->pieces[i].line, n->pieces[i].prompt,
		    n->kind == FK_PLAY ? n->lang : NULL);
		/* said when the value cannot be, unless error= goes on */
		if (n->pieces[i].as != NULL &&
		    flow_node_edge(n, "error") == NULL)
			chk_prompt(c, n->pieces[i].line,
			    FLOW_PROMPT_CANNOT_SAY,
			    n->kind == FK_PLAY ? n->lang : NULL);
	}
	for (i = 0; i < n->nitems; i++)
		chk_prompt_list(c, n->line, n->item_prompts[i]);
	chk_prompt_list(c, n->line, n->short_greeting);
	chk_prompt_list(c, n->line, n->invalid_prompt);
	chk_prompt_list(c, n->line, n->timeout_prompt);
	chk_prompt_list(c, n->line, n->confirm_prompt);
	chk_prompt_list(c, n->line, n->more_prompt);
	chk_prompt_list(c, n->line, n->last_prompt);
	for (i = 0; i < n->nbody; i++)
		chk_prompts(c, n->body[i]);
}

/* ---- variables and types ---- */

static const char *const chk_builtins[][2] = {
	{ "caller", "text" }, { "lang", "text" }, { "line", "text" },
	    { "call", "text" },
};

/* The index of variable name in c->vars, or -1. */
static ssize_t
chk_find(const struct chk *c, const char *name)
{
	uintptr_t v = (uintptr_t)strmap_get(&c->index, name);

	return v == 0 ? -1 : (ssize_t)(v - 1);
}

static size_t
chk_var(struct chk *c, const char *name, const char *type)
{
	ssize_t f = chk_find(c, name);
	size_t i;

	if (f != -1) {
		i = (size_t)f;
		if (type != NULL && c->types[i] == NULL)
			c->types[i] = xstrdup(type);
		else if (type != NULL && strcmp(c->types[i], type) != 0) {
			free(c->types[i]);
			c->types[i] = xstrdup("text");
		}
		return i;
	}
	c->vars = xreallocarray(c->vars, c->nvars + 1, sizeof *c->vars);
	c->types = xreallocarray(c->types, c->nvars + 1, sizeof *c->types);
	c->vars[c->nvars] = xstrdup(name);
	c->types[c->nvars] = type ? xstrdup(type) : NULL;
	strmap_put(&c->index, c->vars[c->nvars], (void *)(c->nvars + 1));
	return c->nvars++;
}

static const char *
chk_type(struct chk *c, const char *name)
{
	ssize_t i = chk_find(c, name);

	return i != -1 && c->types[i] != NULL ? c->types[i] : "text";
}

/* The type a literal has: digits, decimal, date, or text. */
static const char *
chk_literal_type(const char *v)
{
	const char *p;
	int dots = 0;

	if (*v == '\0')
		return "text";
	if (strlen(v) == 10 && isdigit((unsigned char)v[0]) && v[4] == '-' &&
	    v[7] == '-')
		return "date";
	for (p = v; *p != '\0'; p++) {
		if (*p == '.')
			dots++;
		else if (!isdigit((unsigned char)*p) &&
		    !(p == v && *p == '-'))
			return "text";
	}
	return dots == 0 ? (*v == '-' ? "integer" : "digits") :
	    dots == 1 ? "decimal" : "text";
}

/* May a value of type `have` go where type `want` is expected? */
static int
chk_compatible(const char *want, const char *have)
{
	static const char *const ok[][2] = {
		{ "digits", "integer" }, { "integer", "digits" },
		{ "decimal", "digits" }, { "decimal", "integer" },
		{ "date", "timestamp" }, { "timestamp", "date" },
	};
	size_t i;

	if (strcmp(want, have) == 0)
		return 1;
	if (strcmp(want, "text") == 0)
		return strcmp(have, "recording") != 0;
	for (i = 0; i < nitems(ok); i++)
		if (strcmp(ok[i][0], want) == 0 && strcmp(ok[i][1], have) == 0)
			return 1;
	return 0;
}

static int
chk_describe(struct chk *c, const char *mapping, struct flow_mapinfo *mi)
{
	const struct flow_env *env = c->env;

	memset(mi, 0, sizeof *mi);
	if (env == NULL || env->map == NULL || env->map->describe == NULL)
		return -1;
	return env->map->describe(env->map_arg, mapping, mi);
}

static int
chk_have_map(const struct chk *c)
{
	return c->env != NULL && c->env->map != NULL &&
	    c->env->map->describe != NULL;
}

/* Register every variable a flow defines, with its type. */
static void
chk_collect_node(struct chk *c, const struct flow_node *n)
{
	struct flow_mapinfo mi;
	const struct flow *callee;
	size_t i;

	/* variables read are registered too, so the sets have every slot */
	for (i = 0; i < n->npieces; i++) {
		if (n->pieces[i].var != NULL)
			chk_var(c, n->pieces[i].var, NULL);
		if (n->pieces[i].unit_var != NULL)
			chk_var(c, n->pieces[i].unit_var, NULL);
		if (n->pieces[i].text_var != NULL)
			chk_var(c, n->pieces[i].text_var, NULL);
	}
	for (i = 0; i < n->nargs; i++)
		if (n->args[i].var != NULL)
			chk_var(c, n->args[i].var, NULL);
	if (n->from != NULL)
		chk_var(c, n->from, NULL);
	if (n->kind == FK_IF)
		chk_var(c, n->var, NULL);
	switch (n->kind) {
	case FK_INPUT:
		chk_var(c, n->var, "digits");
		break;
	case FK_RECORD:
		chk_var(c, n->var, "recording");
		break;
	case FK_SET:
		chk_var(c, n->var, n->type ? n->type :
		    n->value ? chk_literal_type(n->value) : NULL);
		break;
	case FK_QUERY:
		if (n->count_var != NULL)
			chk_var(c, n->count_var, "integer");
		if (chk_describe(c, n->mapping, &mi) == 0)
			for (i = 0; i < mi.nouts; i++)
				chk_var(c, mi.outs[i].var,
				    flow_type_name(mi.outs[i].type));
		break;
	case FK_CALL:
		callee = flow_set_find(c->set, n->callee);
		for (i = 0; callee != NULL && i < callee->noutputs; i++)
			chk_var(c, callee->outputs[i].name,
			    callee->outputs[i].type);
		break;
	default:
		break;
	}
	for (i = 0; i < n->nbody; i++)
		chk_collect_node(c, n->body[i]);
}

static void
chk_collect(struct chk *c)
{
	size_t i;

	for (i = 0; i < nitems(chk_builtins); i++)
		chk_var(c, chk_builtins[i][0], chk_builtins[i][1]);
	for (i = 0; i < c->f->nparams; i++)
		chk_var(c, c->f->params[i].name, c->f->params[i].type);
	for (i = 0; i < c->f->noutputs; i++)
		chk_var(c, c->f->outputs[i].name, c->f->outputs[i].type);
	for (i = 0; i < c->f->nnodes; i++)
		chk_collect_node(c, c->f->nodes[i]);
}

static void
chk_free_vars(struct chk *c)
{
	size_t i;

	for (i = 0; i < c->nvars; i++) {
		free(c->vars[i]);
		free(c->types[i]);
	}
	free(c->vars);
	free(c->types);
	strmap_free(&c->index);
	c->vars = c->types = NULL;
	c->nvars = 0;
}

/* ---- the data-flow analysis: which variables are surely set ---- */

static int
chk_isset(const chk_word *set, size_t i)
{
	return (set[i / CHK_WBITS] >> (i % CHK_WBITS)) & 1;
}

static void
chk_gen(struct chk *c, chk_word *set, const char *name)
{
	size_t i;

	if (name == NULL)
		return;
	i = chk_var(c, name, NULL);
	if (i / CHK_WBITS < c->nwords)  /* not one added after the count */
		set[i / CHK_WBITS] |= (chk_word)1 << (i % CHK_WBITS);
}

/* What taking edge `label` out of node n sets. */
static void
chk_gen_edge(struct chk *c, const struct flow_node *n, const char *label,
    chk_word *set)
{
	struct flow_mapinfo mi;
	const struct flow *callee;
	size_t i;

	switch (n->kind) {
	case FK_INPUT:
	case FK_RECORD:
		if (strcmp(label, "next") == 0)
			chk_gen(c, set, n->var);
		break;
	case FK_SET:
		chk_gen(c, set, n->var);
		break;
	case FK_QUERY:
		if (strcmp(label, "found") == 0 ||
		    strcmp(label, "empty") == 0 ||
		    strcmp(label, "many") == 0)
			chk_gen(c, set, n->count_var);
		if (strcmp(label, "found") == 0 &&
		    chk_describe(c, n->mapping, &mi) == 0 && !mi.many)
			for (i = 0; i < mi.nouts; i++)
				chk_gen(c, set, mi.outs[i].var);
		break;
	case FK_CALL:
		callee = flow_set_find(c->set, n->callee);
		for (i = 0; callee != NULL && i < callee->noutputs; i++)
			chk_gen(c, set, callee->outputs[i].name);
		break;
	default:
		break;
	}
}

static void
chk_use(struct chk *c, const chk_word *set, int line, const char *name,
    const char *what)
{
	size_t i;

	if (name == NULL)
		return;
	i = chk_var(c, name, NULL);
	/* without the mappings, a variable nothing here sets may be theirs */
	if (c->types[i] == NULL && !chk_have_map(c))
		return;
	if (i / CHK_WBITS < c->nwords && !chk_isset(set, i))
		chk_err(c, line, "%s reads variable \"%s\", which is not set "
		    "on every path to it", what, name);
}

static void
chk_args_types(struct chk *c, const struct flow_node *n,
    const chk_word *set)
{
	size_t i;

	for (i = 0; i < n->nargs; i++)
		chk_use(c, set, n->args[i].line, n->args[i].var, "param");
}

/* Uses of node n given the variables surely set on entry. */
static void
chk_uses(struct chk *c, const struct flow_node *n, const chk_word *set)
{
	const char *what;
	size_t i;

	for (i = 0; i < n->npieces; i++) {
		what = n->pieces[i].as ? "say" : n->pieces[i].is_text ?
		    "text" : "prompt";
		chk_use(c, set, n->pieces[i].line, n->pieces[i].var, what);
		chk_use(c, set, n->pieces[i].line, n->pieces[i].unit_var,
		    what);
		chk_use(c, set, n->pieces[i].line, n->pieces[i].text_var,
		    what);
	}
	what = flow_kind_names[n->kind];
	switch (n->kind) {
	case FK_SET:
		chk_use(c, set, n->line, n->from, what);
		break;
	case FK_IF:
		chk_use(c, set, n->line, n->var, what);
		break;
	case FK_QUERY:
	case FK_CALL:
		chk_args_types(c, n, set);
		break;
	default:
		break;
	}
}

/* The body of a foreach: the row's columns are set, then in order. */
static void
chk_foreach(struct chk *c, const struct flow_node *n, const chk_word *in)
{
	struct flow_mapinfo mi;
	const struct flow_node *q = flow_find_node(c->f, n->over), *b;
	chk_word *cur = xcalloc(c->nwords + 1, sizeof *cur);
	size_t i;

	memcpy(cur, in, c->nwords * sizeof *cur);
	if (q != NULL && chk_describe(c, q->mapping, &mi) == 0) {
		if (!mi.many)
			chk_err(c, n->line, "foreach over query \"%s\": "
			    "mapping %s returns one row (rows=\"one\"); use "
			    "its variables directly", n->over, q->mapping);
		for (i = 0; i < mi.nouts; i++)
			chk_gen(c, cur, mi.outs[i].var);
	}
	for (i = 0; i < n->nbody; i++) {
		b = n->body[i];
		chk_uses(c, b, cur);
		if (b->kind == FK_SET)
			chk_gen(c, cur, b->var);
	}
	free(cur);
}

/* Does node n end its flow here (a return, or nothing after it)? */
static int
chk_returns(const struct flow_node *n)
{
	if (n->kind == FK_RETURN)
		return 1;
	return n->nedges == 0 && n->kind != FK_HANGUP && n->kind != FK_MENU &&
	    n->kind != FK_GOTO;
}

/* in &= tmp; whether in changed. */
static int
chk_meet(chk_word *in, const chk_word *tmp, size_t nwords)
{
	chk_word before;
	size_t k;
	int changed = 0;

	for (k = 0; k < nwords; k++) {
		before = in[k];
		in[k] &= tmp[k];
		changed |= in[k] != before;
	}
	return changed;
}

/*
 * Which variables are surely set on entry to each node: a worklist over
 * the edges, each node taken again only when its set shrank.
 */
static void
chk_flow_sets(struct chk *c, const struct flow_node *root, chk_word *in,
    unsigned char *reached)
{
	const struct flow *f = c->f;
	const struct flow_node *n;
	const struct flow_edge *e;
	size_t *queue, head = 0, count = 0, i, j, to, nw = c->nwords;
	unsigned char *queued;
	chk_word *tmp;

	queue = xcalloc(f->nnodes, sizeof *queue);
	queued = xcalloc(f->nnodes, 1);
	tmp = xcalloc(nw ? nw : 1, sizeof *tmp);
	queue[count++] = root->pos;
	queued[root->pos] = 1;
	while (count > 0) {
		i = queue[head];
		head = (head + 1) % f->nnodes;
		count--;
		queued[i] = 0;
		n = f->nodes[i];
		for (j = 0; j < n->nedges; j++) {
			e = &n->edges[j];
			if (e->to == NULL)
				continue;
			memcpy(tmp, in + i * nw, nw * sizeof *tmp);
			chk_gen_edge(c, n, e->label, tmp);
			to = e->to->pos;
			if (!reached[to]) {
				reached[to] = 1;
				memcpy(in + to * nw, tmp, nw * sizeof *tmp);
			} else if (!chk_meet(in + to * nw, tmp, nw))
				continue;
			if (!queued[to]) {
				queue[(head + count++) % f->nnodes] = to;
				queued[to] = 1;
			}
		}
	}
	free(queue);
	free(queued);
	free(tmp);
}

/* Can the caller's hang-up be noticed at node n (it speaks or listens)? */
static int
chk_hears_hangup(const struct flow_node *n)
{
	return !flow_node_silent(n);
}

/*
 * The hangup= node is a second start: what is surely set on entry to it
 * is what is surely set at every node where a hang-up can be noticed
 * (nothing a sub-flow called there returns).  Its paths are then
 * followed as the start's are.
 */
static void
chk_hangup_sets(struct chk *c, chk_word *in, unsigned char *reached)
{
	const struct flow *f = c->f;
	const struct flow_node *h = f->on_hangup;
	size_t i, k, nw = c->nwords;
	chk_word *entry = xcalloc(nw + 1, sizeof *entry);
	int any = 0;

	memset(entry, 0xff, nw * sizeof *entry);
	for (i = 0; i < f->nnodes; i++)
		if (reached[i] && chk_hears_hangup(f->nodes[i])) {
			chk_meet(entry, in + i * nw, nw);
			any = 1;
		}
	if (!any)       /* never reached: what the start has */
		memcpy(entry, in + f->start->pos * nw, nw * sizeof *entry);
	if (reached[h->pos])
		chk_meet(in + h->pos * nw, entry, nw);
	else {
		for (k = 0; k < nw; k++)
			in[h->pos * nw + k] = entry[k];
		reached[h->pos] = 1;
	}
	free(entry);
	chk_flow_sets(c, h, in, reached);
}

/*
 * Nothing reachable from the hangup= node may speak or listen: the line
 * is gone there (the interpreter stops at such a node).
 */
static void
chk_hangup_silent(struct chk *c)
{
	const struct flow *f = c->f;
	const struct flow_node *n, *h = f->on_hangup;
	size_t *stack, top = 0, i;
	unsigned char *seen;

	stack = xcalloc(f->nnodes, sizeof *stack);
	seen = xcalloc(f->nnodes, 1);
	stack[top++] = h->pos;
	seen[h->pos] = 1;
	while (top > 0) {
		n = f->nodes[stack[--top]];
		if (!flow_node_silent(n))
			chk_err(c, n->line, "%s%s%s follows the hang-up node "
			    "\"%s\" (line %d), where the line is gone: only "
			    "query, set, if, goto, language, return and a "
			    "silent hangup may", flow_kind_names[n->kind],
			    n->id ? " " : "", n->id ? n->id : "", h->id,
			    h->line);
		for (i = 0; i < n->nedges; i++)
			if (n->edges[i].to != NULL &&
			    !seen[n->edges[i].to->pos]) {
				seen[n->edges[i].to->pos] = 1;
				stack[top++] = n->edges[i].to->pos;
			}
	}
	free(stack);
	free(seen);
}

static void
chk_dataflow(struct chk *c)
{
	const struct flow *f = c->f;
	const struct flow_node *n;
	unsigned char *reached;
	chk_word *in, *start;
	size_t i, k, nw;

	if (f->start == NULL)
		return;
	if (c->nvars > FLOW_VARS_MAX) {
		chk_err(c, f->line, "flow %s uses %zu variables, more than %d: "
		    "variables are not checked (split it into flows that "
		    "<call> each other)", f->name, c->nvars, FLOW_VARS_MAX);
		return;
	}
	nw = c->nwords = (c->nvars + CHK_WBITS - 1) / CHK_WBITS;
	in = xcalloc(f->nnodes * nw + 1, sizeof *in);
	reached = xcalloc(f->nnodes, 1);
	start = in + f->start->pos * nw;
	for (k = 0; k < nitems(chk_builtins); k++)
		chk_gen(c, start, chk_builtins[k][0]);
	for (k = 0; k < f->nparams; k++)
		if (!f->params[k].optional)
			chk_gen(c, start, f->params[k].name);
	reached[f->start->pos] = 1;
	chk_flow_sets(c, f->start, in, reached);
	if (f->on_hangup != NULL)
		chk_hangup_sets(c, in, reached);
	for (i = 0; i < f->nnodes; i++) {
		n = f->nodes[i];
		if (!reached[i]) {
			chk_err(c, n->line, "%s%s%s is unreachable: nothing "
			    "leads to it", flow_kind_names[n->kind],
			    n->id ? " " : "", n->id ? n->id : "");
			continue;
		}
		chk_uses(c, n, in + i * nw);
		if (n->kind == FK_FOREACH)
			chk_foreach(c, n, in + i * nw);
		if (!chk_returns(n))
			continue;
		for (k = 0; k < f->noutputs; k++)
			if (!chk_isset(in + i * nw, chk_var(c,
			    f->outputs[k].name, NULL)))
				chk_err(c, n->line, "flow %s may return here "
				    "without setting its output \"%s\"",
				    f->name, f->outputs[k].name);
	}
	free(in);
	free(reached);
}

/* ---- per-node rules ---- */

static void
chk_handles(struct chk *c, const struct flow_node *n)
{
	const char *what = n->kind == FK_MENU ? "menu" : "input";
	const char *sp = n->id ? " " : "", *id = n->id ? n->id : "";

	if (n->timeout_prompt == NULL)
		chk_err(c, n->line, "%s%s%s does not handle timeouts: add "
		    "timeout-prompt= (said when the caller is silent)", what,
		    sp, id);
	if (n->invalid_prompt == NULL)
		chk_err(c, n->line, "%s%s%s does not handle invalid input: "
		    "add invalid-prompt=", what, sp, id);
	if (flow_node_edge(n, "escalate") == NULL)
		chk_err(c, n->line, "%s%s%s has no escalate= target for when "
		    "max-invalid or max-timeouts is reached", what, sp, id);
}

static void
chk_arg_type(struct chk *c, const struct flow_arg *a, const char *want,
    const char *whose)
{
	const char *have;

	have = a->var ? chk_type(c, a->var) : chk_literal_type(a->value);
	if (!chk_compatible(want, have))
		chk_err(c, a->line, "param \"%s\" of %s is %s, but %s \"%s\" "
		    "is %s", a->name, whose, want, a->var ? "variable" :
		    "value", a->var ? a->var : a->value, have);
}

static void
chk_query(struct chk *c, const struct flow_node *n)
{
	struct flow_mapinfo mi;
	char *whose;
	size_t i, j;

	if (flow_node_edge(n, "error") == NULL)
		chk_err(c, n->line, "query %s has no error= branch (where "
		    "to go when the database fails)", n->id ? n->id : "");
	if (!chk_have_map(c))
		return;
	if (chk_describe(c, n->mapping, &mi) == -1) {
		chk_err(c, n->line, "query: no mapping \"%s\"", n->mapping);
		return;
	}
	whose = xasprintf("mapping %s", n->mapping);
	for (i = 0; i < mi.nparams; i++) {
		for (j = 0; j < n->nargs; j++)
			if (strcmp(n->args[j].name, mi.params[i].name) == 0)
				break;
		if (j < n->nargs)
			chk_arg_type(c, &n->args[j],
			    flow_type_name(mi.params[i].type), whose);
		else if (!mi.params[i].optional)
			chk_err(c, n->line, "query: mapping %s needs param "
			    "\"%s\" (%s)", n->mapping, mi.params[i].name,
			    flow_type_name(mi.params[i].type));
	}
	for (j = 0; j < n->nargs; j++) {
		for (i = 0; i < mi.nparams; i++)
			if (strcmp(n->args[j].name, mi.params[i].name) == 0)
				break;
		if (i == mi.nparams)
			chk_err(c, n->args[j].line, "mapping %s has no param "
			    "\"%s\"", n->mapping, n->args[j].name);
	}
	free(whose);
}

static void
chk_call(struct chk *c, const struct flow_node *n)
{
	const struct flow *callee = flow_set_find(c->set, n->callee);
	char *whose;
	size_t i, j;

	if (callee == NULL)
		return;
	whose = xasprintf("flow %s", callee->name);
	for (i = 0; i < callee->nparams; i++) {
		for (j = 0; j < n->nargs; j++)
			if (strcmp(n->args[j].name,
			    callee->params[i].name) == 0)
				break;
		if (j < n->nargs)
			chk_arg_type(c, &n->args[j], callee->params[i].type,
			    whose);
		else if (!callee->params[i].optional)
			chk_err(c, n->line, "call: flow %s needs param "
			    "\"%s\" (%s)", callee->name, callee->params[i].name,
			    callee->params[i].type);
	}
	for (j = 0; j < n->nargs; j++) {
		for (i = 0; i < callee->nparams; i++)
			if (strcmp(n->args[j].name,
			    callee->params[i].name) == 0)
				break;
		if (i == callee->nparams)
			chk_err(c, n->args[j].line, "flow %s has no param "
			    "\"%s\"", callee->name, n->args[j].name);
	}
	free(whose);
}

static void
chk_lang(struct chk *c, const struct flow_node *n)
{
	const struct flow_env *env = c->env;
	size_t i;

	if (env == NULL || env->nlangs == 0 || n->lang == NULL)
		return;
	for (i = 0; i < env->nlangs; i++)
		if (strcmp(env->langs[i], n->lang) == 0)
			return;
	chk_err(c, n->line, "%s \"%s\" is not configured (languages "
	    "in kefu.conf)", n->kind == FK_PLAY ? "play lang: language" :
	    "language", n->lang);
}

static void
chk_node(struct chk *c, const struct flow_node *n)
{
	size_t i;

	chk_prompts(c, n);
	switch (n->kind) {
	case FK_MENU:
	case FK_INPUT:
		chk_handles(c, n);
		break;
	case FK_QUERY:
		chk_query(c, n);
		break;
	case FK_CALL:
		chk_call(c, n);
		break;
	case FK_LANG:
	case FK_PLAY:
		chk_lang(c, n);
		break;
	case FK_FOREACH:
		for (i = 0; i < n->nbody; i++)
			chk_lang(c, n->body[i]);
		break;
	default:
		break;
	}
}

int
flow_check(const struct flow_set *set, const struct flow_env *env,
    struct strbuf *out)
{
	struct chk c;
	size_t i, j;

	memset(&c, 0, sizeof c);
	c.set = set;
	c.env = env;
	c.out = out;
	for (i = 0; i < set->nflows; i++) {
		c.f = set->flows[i];
		/* types first: param checks need the variables' types */
		chk_collect(&c);
		for (j = 0; j < c.f->nnodes; j++)
			chk_node(&c, c.f->nodes[j]);
		chk_dataflow(&c);
		chk_free_vars(&c);
		if (c.f->on_hangup != NULL)
			chk_hangup_silent(&c);
	}
	return c.n;
}
