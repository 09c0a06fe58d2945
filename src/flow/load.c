/*
 * load.c: the flow loader.  Reads flows/NAME.xml with libxml2, validates each
 * file against the RELAX NG schema flows/flow.rng, builds the node graph
 * (flow-int.h), resolves every target and reports all problems at once as
 * file:line.  Also owns the set's reference count (C11 atomics).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>

#include "conf/conf.h"
#include "flow/flow-int.h"
#include "util/xml.h"

const char *const flow_kind_names[] = {
	"menu", "input", "query", "say", "play", "record", "set", "if",
	"goto", "call", "return", "language", "hangup", "foreach",
};

/* Everything that went wrong while loading, one line each. */
struct loadctx {
	struct xml_errs xe;
};

static int
load_int(struct loadctx *lc, xmlNodePtr x, const char *name, int def)
{
	char *v = xml_attr(x, name);
	long long n;
	const char *errstr;

	if (v == NULL)
		return def;
	if (str_tonum(v, 0, 1000, &n, &errstr) == -1) {
		xml_err(&lc->xe, xml_line(x), "%s=\"%s\": %s", name, v, errstr);
		n = def;
	}
	free(v);
	return (int)n;
}

static int
load_ms(struct loadctx *lc, xmlNodePtr x, const char *name, int def)
{
	char *v = xml_attr(x, name);
	const char *errstr;
	int ms;

	if (v == NULL)
		return def;
	if (conf_duration(v, &ms, &errstr) == -1) {
		xml_err(&lc->xe, xml_line(x), "%s=\"%s\": %s", name, v, errstr);
		ms = def;
	}
	free(v);
	return ms;
}

static int
load_yesno(xmlNodePtr x, const char *name, int def)
{
	char *v = xml_attr(x, name);
	int r = def;

	if (v != NULL)
		r = strcmp(v, "yes") == 0;
	free(v);
	return r;
}

static void
load_edge(struct flow_node *n, const char *label, char *target, int line)
{
	struct flow_edge *e;

	n->edges = xreallocarray(n->edges, n->nedges + 1, sizeof *n->edges);
	e = &n->edges[n->nedges++];
	e->label = xstrdup(label);
	e->target = target;
	e->line = line;
	e->to = NULL;
}

/* Edge from attribute attr (or nothing when absent). */
static void
load_edge_attr(struct flow_node *n, xmlNodePtr x, const char *attr,
    const char *label)
{
	char *t = xml_attr(x, attr);

	if (t != NULL)
		load_edge(n, label, t, xml_line(x));
}

static struct flow_piece *
load_piece(struct flow_node *n, char *prompt, char *as, char *var,
    char *value, char *unit, int line)
{
	struct flow_piece *p;

	n->pieces = xreallocarray(n->pieces, n->npieces + 1, sizeof *n->pieces);
	p = &n->pieces[n->npieces++];
	memset(p, 0, sizeof *p);
	p->prompt = prompt;
	p->as = as;
	p->var = var;
	p->value = value;
	p->unit = unit;
	p->decimals = -1;
	p->line = line;
	return p;
}

/* A space-separated prompt list attribute becomes one piece per id. */
static void
load_prompts(struct flow_node *n, xmlNodePtr x, const char *attr)
{
	char *v = xml_attr(x, attr), *p, *tok, *save = NULL;

	if (v == NULL)
		return;
	for (p = v; (tok = strtok_r(p, " \t\r\n", &save)) != NULL; p = NULL)
		load_piece(n, xstrdup(tok), NULL, NULL, NULL, NULL,
		    xml_line(x));
	free(v);
}

/* A <say as var|value unit|unit-var decimals>, node or child of a play. */
static void
load_say_piece(struct loadctx *lc, struct flow_node *n, xmlNodePtr x)
{
	struct flow_piece *p;

	p = load_piece(n, NULL, xml_attr(x, "as"), xml_attr(x, "var"),
	    xml_attr(x, "value"), xml_attr(x, "unit"), xml_line(x));
	p->unit_var = xml_attr(x, "unit-var");
	p->decimals = load_int(lc, x, "decimals", -1);
	if (p->decimals > FLOW_SAY_MAX_DECIMALS)
		xml_err(&lc->xe, p->line, "decimals=\"%d\": at most %d are "
		    "read", p->decimals, FLOW_SAY_MAX_DECIMALS);
	if (p->decimals >= 0 && p->as != NULL && strcmp(p->as, "number") != 0 &&
	    strcmp(p->as, "quantity") != 0)
		xml_err(&lc->xe, p->line, "decimals= is for as=\"number\" and "
		    "as=\"quantity\" (money reads 角 and 分 by its rules)");
}

/* The children <prompt id> and <say as var|value unit> of a play. */
static void
load_play_children(struct loadctx *lc, struct flow_node *n, xmlNodePtr x)
{
	xmlNodePtr c;
	struct flow_piece *p;

	for (c = x->children; c != NULL; c = c->next) {
		if (xml_is(c, "prompt")) {
			p = load_piece(n, xml_attr(c, "id"), NULL,
			    xml_attr(c, "var"), NULL, NULL, xml_line(c));
			p->text_var = xml_attr(c, "text-var");
		} else if (xml_is(c, "text")) {
			p = load_piece(n, NULL, NULL, xml_attr(c, "var"),
			    NULL, NULL, xml_line(c));
			p->is_text = 1;
		} else if (xml_is(c, "say"))
			load_say_piece(lc, n, c);
	}
}

static void
load_args(struct flow_node *n, xmlNodePtr x)
{
	xmlNodePtr c;
	struct flow_arg *a;

	for (c = x->children; c != NULL; c = c->next) {
		if (!xml_is(c, "param"))
			continue;
		n->args = xreallocarray(n->args, n->nargs + 1, sizeof *n->args);
		a = &n->args[n->nargs++];
		a->name = xml_attr(c, "name");
		a->var = xml_attr(c, "var");
		a->value = xml_attr(c, "value");
		a->line = xml_line(c);
	}
}

static void
load_retries(struct loadctx *lc, struct flow_node *n, xmlNodePtr x)
{
	n->invalid_prompt = xml_attr(x, "invalid-prompt");
	n->timeout_prompt = xml_attr(x, "timeout-prompt");
	n->max_invalid = load_int(lc, x, "max-invalid", 3);
	n->max_timeouts = load_int(lc, x, "max-timeouts", 3);
	if (n->max_invalid < 1)
		n->max_invalid = 1;
	if (n->max_timeouts < 1)
		n->max_timeouts = 1;
	load_edge_attr(n, x, "escalate", "escalate");
	n->barge_in = load_yesno(x, "barge-in", 1);
	n->dig.first_ms = load_ms(lc, x, "timeout", 5000);
	n->dig.inter_ms = load_ms(lc, x, "inter-digit-timeout", 3000);
}

static void
load_menu(struct loadctx *lc, struct flow_node *n, xmlNodePtr x)
{
	xmlNodePtr c;
	char *key;

	load_prompts(n, x, "greeting");
	n->short_greeting = xml_attr(x, "short-greeting");
	load_retries(lc, n, x);
	n->dig.min_digits = 1;
	n->dig.max_digits = 1;
	n->dig.terminator = '\0';
	n->dig.term_ms = 0;
	for (c = x->children; c != NULL; c = c->next) {
		if (!xml_is(c, "item"))
			continue;
		key = xml_attr(c, "key");
		if (flow_node_edge(n, key) != NULL)
			xml_err(&lc->xe, xml_line(c), "menu key %s used twice",
			    key);
		load_edge(n, key, xml_attr(c, "goto"), xml_line(c));
		free(key);
		n->item_prompts = xreallocarray(n->item_prompts,
		    n->nitems + 1, sizeof *n->item_prompts);
		n->item_prompts[n->nitems++] = xml_attr(c, "prompt");
	}
}

static void
load_input(struct loadctx *lc, struct flow_node *n, xmlNodePtr x)
{
	char *t, *re;
	int rc;

	n->var = xml_attr(x, "var");
	load_prompts(n, x, "prompt");
	load_retries(lc, n, x);
	n->dig.min_digits = load_int(lc, x, "min-digits", 1);
	n->dig.max_digits = load_int(lc, x, "max-digits", 32);
	n->dig.term_ms = load_ms(lc, x, "term-timeout", 0);
	t = xml_attr(x, "terminator");
	n->dig.terminator = t == NULL ? '#' :
	    strcmp(t, "none") == 0 ? '\0' : t[0];
	free(t);
	if (n->dig.max_digits < 1 || n->dig.max_digits > FLOW_DIGITS_MAX)
		xml_err(&lc->xe, n->line, "max-digits must be 1 to %d",
		    FLOW_DIGITS_MAX);
	if (n->dig.min_digits > n->dig.max_digits)
		xml_err(&lc->xe, n->line, "min-digits %d is more than "
		    "max-digits %d", n->dig.min_digits, n->dig.max_digits);
	if ((n->pattern = xml_attr(x, "pattern")) != NULL) {
		re = xasprintf("^(%s)$", n->pattern);
		rc = regcomp(&n->re, re, REG_EXTENDED | REG_NOSUB);
		free(re);
		if (rc != 0)
			xml_err(&lc->xe, n->line,
			    "pattern \"%s\" is not a valid "
			    "extended regular expression", n->pattern);
		else
			n->has_re = 1;
	}
	n->check = xml_attr(x, "check");
	n->confirm = load_yesno(x, "confirm", 0);
	n->confirm_prompt = xml_attr(x, "confirm-prompt");
	t = xml_attr(x, "cancel-key");
	n->cancel_key = t ? t[0] : '\0';
	free(t);
	load_edge_attr(n, x, "cancel", "cancel");
	if ((n->cancel_key != '\0') != (flow_node_edge(n, "cancel") != NULL))
		xml_err(&lc->xe, n->line,
		    "cancel-key= and cancel= go together");
	if (n->cancel_key != '\0' && n->cancel_key == n->dig.terminator)
		xml_err(&lc->xe, n->line, "cancel-key is also the terminator");
	if (n->confirm && n->confirm_prompt == NULL)
		xml_err(&lc->xe, n->line,
		    "confirm=\"yes\" needs confirm-prompt=");
}

static const char *const load_branches[] = {
	"found", "empty", "many", "invalid", "error", "timeout", "down",
};

static void
load_query(struct loadctx *lc, struct flow_node *n, xmlNodePtr x)
{
	size_t i;

	(void)lc;
	n->mapping = xml_attr(x, "mapping");
	n->count_var = xml_attr(x, "count");
	for (i = 0; i < nitems(load_branches); i++)
		load_edge_attr(n, x, load_branches[i], load_branches[i]);
	load_args(n, x);
}

static void
load_say(struct loadctx *lc, struct flow_node *n, xmlNodePtr x)
{
	load_say_piece(lc, n, x);
	load_edge_attr(n, x, "error", "error");
	n->barge_in = load_yesno(x, "barge-in", 1);
}

static void
load_play(struct loadctx *lc, struct flow_node *n, xmlNodePtr x)
{
	n->lang = xml_attr(x, "lang");
	load_prompts(n, x, "prompt");
	load_play_children(lc, n, x);
	load_edge_attr(n, x, "error", "error");
	n->barge_in = load_yesno(x, "barge-in", 1);
}

static void
load_record(struct loadctx *lc, struct flow_node *n, xmlNodePtr x)
{
	n->var = xml_attr(x, "var");
	load_prompts(n, x, "prompt");
	n->rec.max_ms = load_ms(lc, x, "max-length", 60000);
	n->rec.silence_ms = load_ms(lc, x, "silence", 5000);
	n->stop_keys = xml_attr(x, "stop-keys");
	if (n->stop_keys == NULL)
		n->stop_keys = xstrdup("#");
	n->rec.stop_keys = n->stop_keys;
	n->rec.beep = load_yesno(x, "beep", 1);
	n->barge_in = 0;
}

static void
load_set(struct flow_node *n, xmlNodePtr x)
{
	n->var = xml_attr(x, "var");
	n->value = xml_attr(x, "value");
	n->from = xml_attr(x, "from");
	n->type = xml_attr(x, "type");
}

static struct flow_node *load_node(struct loadctx *lc, struct flow *f,
    xmlNodePtr x);

static char
load_key(xmlNodePtr x, const char *name, char def)
{
	char *v = xml_attr(x, name), k;

	k = v != NULL ? v[0] : def;
	free(v);
	return k;
}

/*
 * A paged list: page= rows, then more-prompt= (or last-prompt= after the
 * last page) and one key: more-key, repeat-key or back-key.
 */
static void
load_pager(struct loadctx *lc, struct flow_node *n, xmlNodePtr x)
{
	n->more_prompt = xml_attr(x, "more-prompt");
	n->last_prompt = xml_attr(x, "last-prompt");
	if (n->page == 0) {
		if (n->more_prompt != NULL || n->last_prompt != NULL)
			xml_err(&lc->xe, n->line, "foreach: more-prompt= and "
			    "last-prompt= need page=");
		return;
	}
	if (n->more_prompt == NULL)
		xml_err(&lc->xe, n->line, "foreach page=\"%d\" needs "
		    "more-prompt= (the offer of more, repeat and back)",
		    n->page);
	n->more_key = load_key(x, "more-key", '1');
	n->repeat_key = load_key(x, "repeat-key", '0');
	n->back_key = load_key(x, "back-key", '*');
	if (n->more_key == n->repeat_key || n->more_key == n->back_key ||
	    n->repeat_key == n->back_key)
		xml_err(&lc->xe, n->line, "foreach: more-key, repeat-key and "
		    "back-key must be three different keys");
	n->invalid_prompt = xml_attr(x, "invalid-prompt");
	n->timeout_prompt = xml_attr(x, "timeout-prompt");
	n->max_invalid = load_int(lc, x, "max-invalid", 3);
	n->max_timeouts = load_int(lc, x, "max-timeouts", 2);
	if (n->max_invalid < 1)
		n->max_invalid = 1;
	if (n->max_timeouts < 1)
		n->max_timeouts = 1;
	n->dig.min_digits = 1;
	n->dig.max_digits = 1;
	n->dig.first_ms = load_ms(lc, x, "timeout", 5000);
}

static void
load_foreach(struct loadctx *lc, struct flow_node *n, xmlNodePtr x)
{
	xmlNodePtr c;
	struct flow_node *b;

	n->over = xml_attr(x, "query");
	n->page = load_int(lc, x, "page", 0);
	/* a paged list reads every row; a plain one at most 20 */
	n->max_rows = load_int(lc, x, "max", n->page > 0 ? 1000 : 20);
	load_pager(lc, n, x);
	for (c = x->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if ((b = load_node(lc, n->flow, c)) == NULL)
			continue;
		n->body = xreallocarray(n->body, n->nbody + 1,
		    sizeof *n->body);
		n->body[n->nbody++] = b;
	}
}

static int
load_kind(const char *name, enum flow_kind *k)
{
	size_t i;

	for (i = 0; i <= FK_FOREACH; i++)
		if (strcmp(flow_kind_names[i], name) == 0) {
			*k = (enum flow_kind)i;
			return 0;
		}
	return -1;
}

static struct flow_node *
load_node(struct loadctx *lc, struct flow *f, xmlNodePtr x)
{
	struct flow_node *n;
	enum flow_kind k;

	if (load_kind((const char *)x->name, &k) == -1) {
		xml_err(&lc->xe, xml_line(x), "unknown node <%s>", x->name);
		return NULL;
	}
	n = xcalloc(1, sizeof *n);
	n->kind = k;
	n->flow = f;
	n->line = xml_line(x);
	n->id = xml_attr(x, "id");
	n->barge_in = 1;
	switch (k) {
	case FK_MENU:
		load_menu(lc, n, x);
		break;
	case FK_INPUT:
		load_input(lc, n, x);
		break;
	case FK_QUERY:
		load_query(lc, n, x);
		break;
	case FK_SAY:
		load_say(lc, n, x);
		break;
	case FK_PLAY:
		load_play(lc, n, x);
		break;
	case FK_RECORD:
		load_record(lc, n, x);
		break;
	case FK_SET:
		load_set(n, x);
		break;
	case FK_IF:
		n->var = xml_attr(x, "var");
		n->op = xml_attr(x, "op");
		n->value = xml_attr(x, "value");
		load_edge_attr(n, x, "then", "then");
		load_edge_attr(n, x, "else", "else");
		if (strcmp(n->op, "empty") != 0 && n->value == NULL)
			xml_err(&lc->xe, n->line, "<if op=\"%s\"> needs value=",
			    n->op);
		break;
	case FK_GOTO:
		load_edge_attr(n, x, "target", "goto");
		break;
	case FK_CALL:
		n->callee = xml_attr(x, "flow");
		load_args(n, x);
		break;
	case FK_LANG:
		n->lang = xml_attr(x, "set");
		break;
	case FK_HANGUP:
		load_prompts(n, x, "prompt");
		break;
	case FK_FOREACH:
		load_foreach(lc, n, x);
		break;
	case FK_RETURN:
		break;
	}
	return n;
}

/* Does node kind k continue to the next node (next= or the sibling)? */
static int
load_falls_through(enum flow_kind k)
{
	return k != FK_MENU && k != FK_GOTO && k != FK_RETURN &&
	    k != FK_HANGUP;
}

/*
 * Add the "next" edge (next= or the following sibling), the else and
 * found defaults, and resolve every edge to a node.
 */
static void
load_link(struct loadctx *lc, struct flow *f, xmlNodePtr *xs)
{
	struct flow_node *n, *sib;
	struct flow_edge *e;
	size_t i, j;
	const char *deflabel;
	char *nx;

	for (i = 0; i < f->nnodes; i++) {
		n = f->nodes[i];
		sib = i + 1 < f->nnodes ? f->nodes[i + 1] : NULL;
		if (!load_falls_through(n->kind))
			continue;
		deflabel = n->kind == FK_IF ? "else" :
		    n->kind == FK_QUERY ? "found" : "next";
		if (flow_node_edge(n, deflabel) != NULL)
			continue;
		nx = xml_attr(xs[i], "next");
		if (nx != NULL)
			load_edge(n, deflabel, nx, n->line);
		else if (sib != NULL) {
			load_edge(n, deflabel, NULL, n->line);
			n->edges[n->nedges - 1].to = sib;
		}
	}
	for (i = 0; i < f->nnodes; i++) {
		n = f->nodes[i];
		for (j = 0; j < n->nedges; j++) {
			e = &n->edges[j];
			if (e->to != NULL || e->target == NULL)
				continue;
			if ((e->to = flow_find_node(f, e->target)) == NULL)
				xml_err(&lc->xe, e->line, "%s \"%s\": no node "
				    "with id \"%s\" in flow %s",
				    strcmp(e->label,
				    "next") == 0 ? "next" : e->label,
				    e->target, e->target, f->name);
		}
		if (n->kind == FK_FOREACH) {
			sib = flow_find_node(f, n->over);
			if (sib == NULL || sib->kind != FK_QUERY)
				xml_err(&lc->xe, n->line,
				    "foreach query=\"%s\": "
				    "no <query> with that id in flow %s",
				    n->over, f->name);
		}
	}
}

static void
load_decls(xmlNodePtr x, const char *elem, struct flow_decl **v, size_t *n)
{
	xmlNodePtr c;
	struct flow_decl *d;

	for (c = x->children; c != NULL; c = c->next) {
		if (!xml_is(c, elem))
			continue;
		*v = xreallocarray(*v, *n + 1, sizeof **v);
		d = &(*v)[(*n)++];
		d->name = xml_attr(c, "name");
		d->type = xml_attr(c, "type");
		d->optional = load_yesno(c, "optional", 0);
		d->line = xml_line(c);
	}
}

static const char *
load_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static struct flow *
load_flow(struct loadctx *lc, xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), c;
	xmlNodePtr *xs = NULL;
	struct flow *f;
	struct flow_node *n, *first;
	const char *base;
	size_t blen, cap = 0;
	char *start;

	f = xcalloc(1, sizeof *f);
	f->file = xstrdup(lc->xe.file);
	f->line = xml_line(root);
	f->name = xml_attr(root, "name");
	base = load_basename(lc->xe.file);
	blen = strlen(base);
	if (blen > 4 && strcmp(base + blen - 4, ".xml") == 0)
		blen -= 4;
	if (strlen(f->name) != blen || strncmp(f->name, base, blen) != 0)
		xml_err(&lc->xe, f->line, "flow name \"%s\" does not match the "
		    "file name (expected \"%.*s\")", f->name, (int)blen, base);
	load_decls(root, "param", &f->params, &f->nparams);
	load_decls(root, "output", &f->outputs, &f->noutputs);
	for (c = root->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || xml_is(c, "param") ||
		    xml_is(c, "output") || xml_is(c, "description"))
			continue;
		if ((n = load_node(lc, f, c)) == NULL)
			continue;
		if (f->nnodes == cap) {
			cap = cap ? 2 * cap : 16;
			f->nodes = xreallocarray(f->nodes, cap,
			    sizeof *f->nodes);
			xs = xreallocarray(xs, cap, sizeof *xs);
		}
		xs[f->nnodes] = c;
		n->pos = f->nnodes;
		f->nodes[f->nnodes++] = n;
		if (n->id != NULL &&
		    (first = strmap_put(&f->ids, n->id, n)) != NULL)
			xml_err(&lc->xe, n->line, "duplicate id \"%s\" (first "
			    "at line %d)", n->id, first->line);
	}
	load_link(lc, f, xs);
	free(xs);
	start = xml_attr(root, "start");
	if (start != NULL) {
		if ((f->start = flow_find_node(f, start)) == NULL)
			xml_err(&lc->xe, f->line, "start \"%s\": no node with "
			    "that id", start);
		free(start);
	} else if (f->nnodes > 0)
		f->start = f->nodes[0];
	start = xml_attr(root, "hangup");
	if (start != NULL) {
		if ((f->on_hangup = flow_find_node(f, start)) == NULL)
			xml_err(&lc->xe, f->line, "hangup \"%s\": no node "
			    "with that id", start);
		free(start);
	}
	return f;
}

static void
load_node_free(struct flow_node *n)
{
	size_t i;

	for (i = 0; i < n->nedges; i++) {
		free(n->edges[i].label);
		free(n->edges[i].target);
	}
	free(n->edges);
	for (i = 0; i < n->npieces; i++) {
		free(n->pieces[i].prompt);
		free(n->pieces[i].as);
		free(n->pieces[i].var);
		free(n->pieces[i].value);
		free(n->pieces[i].unit);
		free(n->pieces[i].unit_var);
		free(n->pieces[i].text_var);
	}
	free(n->pieces);
	for (i = 0; i < n->nitems; i++)
		free(n->item_prompts[i]);
	free(n->item_prompts);
	for (i = 0; i < n->nargs; i++) {
		free(n->args[i].name);
		free(n->args[i].var);
		free(n->args[i].value);
	}
	free(n->args);
	for (i = 0; i < n->nbody; i++)
		load_node_free(n->body[i]);
	free(n->body);
	if (n->has_re)
		regfree(&n->re);
	free(n->id);
	free(n->short_greeting);
	free(n->invalid_prompt);
	free(n->timeout_prompt);
	free(n->var);
	free(n->pattern);
	free(n->check);
	free(n->confirm_prompt);
	free(n->mapping);
	free(n->callee);
	free(n->count_var);
	free(n->stop_keys);
	free(n->value);
	free(n->from);
	free(n->type);
	free(n->op);
	free(n->lang);
	free(n->over);
	free(n->more_prompt);
	free(n->last_prompt);
	free(n);
}

static void
load_decls_free(struct flow_decl *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(d[i].name);
		free(d[i].type);
	}
	free(d);
}

static void
load_flow_free(struct flow *f)
{
	size_t i;

	for (i = 0; i < f->nnodes; i++)
		load_node_free(f->nodes[i]);
	free(f->nodes);
	strmap_free(&f->ids);
	load_decls_free(f->params, f->nparams);
	load_decls_free(f->outputs, f->noutputs);
	free(f->name);
	free(f->file);
	free(f);
}

static void
load_set_free(struct flow_set *set)
{
	size_t i;

	for (i = 0; i < set->nflows; i++)
		load_flow_free(set->flows[i]);
	free(set->flows);
	free(set);
}

static xmlRelaxNGPtr
load_schema(struct loadctx *lc, const char *path)
{
	xmlRelaxNGPtr rng;

	lc->xe.file = path;
	if (access(path, R_OK) == -1) {
		xml_err(&lc->xe, 0, "cannot read the flow schema: %s (set "
		    "KEFU_FLOW_SCHEMA, or install kefu)", strerror(errno));
		return NULL;
	}
	rng = xml_schema(&lc->xe, path);
	if (rng == NULL && lc->xe.n == 0)
		xml_err(&lc->xe, 0, "cannot load the flow schema");
	return rng;
}

/*
 * The limits of kefu-flow(5): 0, or -1 with the problem added.  The
 * size is checked before parsing, the elements before validating.
 */
static int
load_size_ok(struct loadctx *lc, const char *path)
{
	struct stat st;

	lc->xe.file = path;
	if (stat(path, &st) == -1 || st.st_size <= FLOW_FILE_MAX)
		return 0;       /* a missing file is xml_read's to report */
	xml_err(&lc->xe, 0, "the file is %lld bytes; a flow file may have "
	    "at most %d (split it into flows that <call> each other)",
	    (long long)st.st_size, FLOW_FILE_MAX);
	return -1;
}

static int
load_elements_ok(struct loadctx *lc, xmlNodePtr x)
{
	size_t n = 0;

	/* document order, no recursion: a deep file cannot blow the stack */
	while (x != NULL) {
		if (x->type == XML_ELEMENT_NODE && ++n > FLOW_ELEMENTS_MAX) {
			xml_err(&lc->xe, xml_line(x), "more than %d elements "
			    "in one flow file (split it into flows that "
			    "<call> each other)", FLOW_ELEMENTS_MAX);
			return -1;
		}
		if (x->children != NULL && x->type == XML_ELEMENT_NODE)
			x = x->children;
		else {
			while (x != NULL && x->next == NULL)
				x = x->parent != NULL &&
				    x->parent->type == XML_ELEMENT_NODE ?
				    x->parent : NULL;
			if (x != NULL)
				x = x->next;
		}
	}
	return 0;
}

static struct flow *
load_file(struct loadctx *lc, xmlRelaxNGPtr rng, const char *path)
{
	xmlDocPtr doc;
	struct flow *f = NULL;
	int before = lc->xe.n;

	if (load_size_ok(lc, path) == -1)
		return NULL;
	/* lines past 65535 are told as they are, not as 65535 */
	if ((doc = xml_read(&lc->xe, path, XML_PARSE_BIG_LINES)) == NULL)
		return NULL;
	if (load_elements_ok(lc, xmlDocGetRootElement(doc)) == -1) {
		xmlFreeDoc(doc);
		return NULL;
	}
	if (xml_valid(&lc->xe, rng, doc) == -1) {
		if (lc->xe.n == before)
			xml_err(&lc->xe, 0, "does not match the flow schema");
	} else
		f = load_flow(lc, doc);
	xmlFreeDoc(doc);
	return f;
}

/* Cross-flow checks: unique names, every <call> names a loaded flow. */
static void
load_cross(struct loadctx *lc, struct flow_set *set)
{
	struct flow *f;
	size_t i, j;

	for (i = 0; i < set->nflows; i++) {
		f = set->flows[i];
		lc->xe.file = f->file;
		for (j = 0; j < i; j++)
			if (strcmp(set->flows[j]->name, f->name) == 0)
				xml_err(&lc->xe, f->line, "flow \"%s\" is also "
				    "defined in %s", f->name,
				    set->flows[j]->file);
		for (j = 0; j < f->nnodes; j++)
			if (f->nodes[j]->kind == FK_CALL &&
			    flow_set_find(set, f->nodes[j]->callee) == NULL)
				xml_err(&lc->xe, f->nodes[j]->line, "call: no "
				    "flow \"%s\" (no file %s.xml)",
				    f->nodes[j]->callee, f->nodes[j]->callee);
	}
}

static char *
load_default_schema(const char *dir)
{
	const char *env = getenv("KEFU_FLOW_SCHEMA");
	char *p;

	if (env != NULL && *env != '\0')
		return xstrdup(env);
	if (dir != NULL) {
		p = xasprintf("%s/flow.rng", dir);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	return xstrdup(KEFU_DATADIR "/flows/flow.rng");
}

int
flow_set_load_files(const char *const *files, size_t nfiles,
    const char *schema_path, struct flow_set **out, char **cause)
{
	struct loadctx lc = { { STRBUF_INIT, 0, 0, NULL } };
	struct flow_set *set;
	struct flow *f;
	xmlRelaxNGPtr rng;
	char *dir = NULL, *schema, *s;
	size_t i;

	*out = NULL;
	if (schema_path != NULL)
		schema = xstrdup(schema_path);
	else {
		if (nfiles > 0 && (s = strrchr(files[0], '/')) != NULL)
			dir = xstrndup(files[0], (size_t)(s - files[0]));
		schema = load_default_schema(dir ? dir : ".");
		free(dir);
	}
	if ((rng = load_schema(&lc, schema)) == NULL) {
		free(schema);
		*cause = sb_steal(&lc.xe.sb);
		return -1;
	}
	free(schema);
	set = xcalloc(1, sizeof *set);
	atomic_init(&set->refs, 1);
	for (i = 0; i < nfiles; i++) {
		if ((f = load_file(&lc, rng, files[i])) == NULL)
			continue;
		set->flows = xreallocarray(set->flows, set->nflows + 1,
		    sizeof *set->flows);
		set->flows[set->nflows++] = f;
	}
	xmlRelaxNGFree(rng);
	load_cross(&lc, set);
	if (lc.xe.n > 0) {
		load_set_free(set);
		s = sb_steal(&lc.xe.sb);
		s[strlen(s) - 1] = '\0';
		if (cause != NULL)
			*cause = s;
		else
			free(s);
		return -1;
	}
	sb_free(&lc.xe.sb);
	*out = set;
	return 0;
}

static int
load_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
flow_set_load(const char *dir, const char *schema_path,
    struct flow_set **out, char **cause)
{
	DIR *d;
	struct dirent *de;
	char **files = NULL, *schema;
	size_t n = 0, len, i;
	int rc;

	if ((d = opendir(dir)) == NULL)
		return kf_error(cause, "%s: cannot open the flows folder: %s",
		    dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + len - 4, ".xml") != 0)
			continue;
		files = xreallocarray(files, n + 1, sizeof *files);
		files[n++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (n == 0) {
		free(files);
		return kf_error(cause, "%s: no flow files (*.xml)", dir);
	}
	qsort(files, n, sizeof *files, load_cmp);
	schema = schema_path ? xstrdup(schema_path) : load_default_schema(dir);
	rc = flow_set_load_files((const char *const *)files, n, schema, out,
	    cause);
	free(schema);
	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
	return rc;
}

struct flow_set *
flow_set_ref(struct flow_set *set)
{
	atomic_fetch_add(&set->refs, 1);
	return set;
}

void
flow_set_unref(struct flow_set *set)
{
	if (set != NULL && atomic_fetch_sub(&set->refs, 1) == 1)
		load_set_free(set);
}

size_t
flow_set_count(const struct flow_set *set)
{
	return set->nflows;
}

const char *
flow_set_name(const struct flow_set *set, size_t i)
{
	return i < set->nflows ? set->flows[i]->name : NULL;
}

int
flow_set_has(const struct flow_set *set, const char *name)
{
	return flow_set_find(set, name) != NULL;
}

struct flow *
flow_set_find(const struct flow_set *set, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < set->nflows; i++)
		if (strcmp(set->flows[i]->name, name) == 0)
			return set->flows[i];
	return NULL;
}

struct flow_node *
flow_find_node(const struct flow *f, const char *id)
{
	return strmap_get(&f->ids, id);
}

struct flow_edge *
flow_node_edge(const struct flow_node *n, const char *label)
{
	size_t i;

	for (i = 0; i < n->nedges; i++)
		if (strcmp(n->edges[i].label, label) == 0)
			return &n->edges[i];
	return NULL;
}

char *
flow_node_label(const struct flow_node *n)
{
	if (n->id != NULL)
		return xasprintf("%s:%s", n->flow->name, n->id);
	return xasprintf("%s:%s@%d", n->flow->name, flow_kind_names[n->kind],
	    n->line);
}

int
flow_gtin_ok(const char *s)
{
	size_t len = strlen(s), i;
	int sum = 0, w;

	if (len != 8 && len != 12 && len != 13 && len != 14)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	/* weights 3,1,3,1... from the digit left of the check digit */
	for (i = 0; i + 1 < len; i++) {
		w = ((len - 1 - i) % 2 == 1) ? 3 : 1;
		sum += (s[i] - '0') * w;
	}
	return (10 - sum % 10) % 10 == s[len - 1] - '0';
}
