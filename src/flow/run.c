/*
 * run.c: the flow interpreter.  Runs one call, straight-line, on one
 * thread: walks the nodes of a loaded (shared, immutable) flow set, plays
 * prompts and collects digits through the call channel, asks the mapping
 * engine and the say-rules through struct flow_env, and records the
 * call's path, queries and end for the call log.  No globals.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow-int.h"

/* ---- small public helpers ---- */

static const char *const run_outcome_names[] = {
	"found", "empty", "many", "invalid", "error", "timeout", "down",
};

const char *
flow_outcome_name(enum flow_outcome o)
{
	return (size_t)o < nitems(run_outcome_names) ?
	    run_outcome_names[o] : "?";
}

static const char *const run_type_names[] = {
	"text", "digits", "integer", "decimal", "date", "timestamp",
	"boolean", "recording",
};

const char *
flow_type_name(enum flow_type t)
{
	return (size_t)t < nitems(run_type_names) ? run_type_names[t] : "text";
}

int
flow_type_parse(const char *name, enum flow_type *t)
{
	size_t i;

	for (i = 0; i < nitems(run_type_names); i++)
		if (strcmp(run_type_names[i], name) == 0) {
			*t = (enum flow_type)i;
			return 0;
		}
	return -1;
}

static const char *const run_end_names[] = {
	"caller hung up", "flow ended", "error", "step limit",
};

const char *
flow_end_name(enum flow_end e)
{
	return (size_t)e < nitems(run_end_names) ? run_end_names[e] : "?";
}

void
flow_prompts_add(struct flow_prompts *p, const char *id, const char *text)
{
	p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
	p->v[p->n].id = xstrdup(id);
	p->v[p->n].text = text ? xstrdup(text) : NULL;
	p->n++;
}

void
flow_prompts_clear(struct flow_prompts *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].id);
		free(p->v[i].text);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

void
flow_rows_add(struct flow_rows *r, const char *const *values)
{
	size_t i;

	r->values = xreallocarray(r->values, (r->nrows + 1) * (r->ncols ?
	    r->ncols : 1), sizeof *r->values);
	for (i = 0; i < r->ncols; i++)
		r->values[r->nrows * r->ncols + i] = values[i] ?
		    xstrdup(values[i]) : NULL;
	r->nrows++;
}

void
flow_rows_clear(struct flow_rows *r)
{
	size_t i;

	for (i = 0; i < r->nrows * r->ncols; i++)
		free(r->values[i]);
	for (i = 0; i < r->ncols; i++)
		free(r->names ? r->names[i] : NULL);
	free(r->values);
	free(r->names);
	free(r->types);
	memset(r, 0, sizeof *r);
}

void
flow_record_clear(struct flow_record *rec)
{
	size_t i;

	sb_free(&rec->path);
	for (i = 0; i < rec->nqueries; i++) {
		free(rec->queries[i].mapping);
		free(rec->queries[i].bound);
	}
	free(rec->queries);
	free(rec->reason);
	free(rec->escalated);
	free(rec->lang);
	memset(rec, 0, sizeof *rec);
}

/* ---- the call's state ---- */

struct run_var {
	char *name;
	char *value;            /* NULL: SQL NULL */
	char *type;
};

struct run_result {
	const struct flow_node *query;
	struct flow_rows rows;
};

struct run_frame {
	const struct flow *flow;
	struct run_var *vars;
	size_t nvars;
	struct run_result *results;
	size_t nresults;
	const struct flow_node *call;   /* the <call> to continue after */
};

struct run {
	const struct flow_env *env;
	const struct flow_chan_ops *ops;
	void *ch;
	const struct flow_call_info *info;
	struct flow_record *rec;
	char lang[32];
	struct run_frame *frames;
	size_t nframes;
	char typeahead;         /* a key that barged in, for the next input */
	char swallow;           /* a terminator pressed after an entry that
	                           max-digits completed: dropped if it is the
	                           very next key */
	int gone;               /* the line is gone: a hangup= node runs */
	int gone_steps;         /* nodes it visited */
};

/* Nodes a hangup= node and what follows may visit: a loop stops there. */
#define RUN_GONE_STEPS 100

/* What executing a node led to. */
enum run_rc {
	RUN_NEXT = 0,           /* continue at *next (NULL: return) */
	RUN_HANGUP,             /* the caller is gone */
	RUN_END,                /* the flow ended the call */
};

static struct run_frame *
run_top(struct run *r)
{
	return &r->frames[r->nframes - 1];
}

static struct run_var *
run_find(struct run_frame *fr, const char *name)
{
	size_t i;

	for (i = 0; i < fr->nvars; i++)
		if (strcmp(fr->vars[i].name, name) == 0)
			return &fr->vars[i];
	return NULL;
}

static void
run_setvar(struct run_frame *fr, const char *name, const char *value,
    const char *type)
{
	struct run_var *v = run_find(fr, name);

	if (v == NULL) {
		fr->vars = xreallocarray(fr->vars, fr->nvars + 1,
		    sizeof *fr->vars);
		v = &fr->vars[fr->nvars++];
		v->name = xstrdup(name);
	} else {
		free(v->value);
		free(v->type);
	}
	v->value = value ? xstrdup(value) : NULL;
	v->type = xstrdup(type ? type : "text");
}

/* The value of a variable, NULL when unset or SQL NULL. */
static const char *
run_get(struct run *r, const char *name)
{
	struct run_var *v;

	if (strcmp(name, "lang") == 0)
		return r->lang;
	if (strcmp(name, "caller") == 0)
		return r->info->caller ? r->info->caller : "";
	if (strcmp(name, "line") == 0)
		return r->info->line ? r->info->line : "";
	if (strcmp(name, "call") == 0)
		return r->info->call ? r->info->call : "";
	v = run_find(run_top(r), name);
	return v ? v->value : NULL;
}

static void
run_frame_free(struct run_frame *fr)
{
	size_t i;

	for (i = 0; i < fr->nvars; i++) {
		free(fr->vars[i].name);
		free(fr->vars[i].value);
		free(fr->vars[i].type);
	}
	free(fr->vars);
	for (i = 0; i < fr->nresults; i++)
		flow_rows_clear(&fr->results[i].rows);
	free(fr->results);
	memset(fr, 0, sizeof *fr);
}

static struct flow_node *
run_edge(const struct flow_node *n, const char *label)
{
	struct flow_edge *e = flow_node_edge(n, label);

	return e ? e->to : NULL;
}

/* ---- speaking ---- */

static void
run_prompt(struct run *r, const char *lang, struct flow_prompts *ps,
    const char *id)
{
	const char *text = NULL;

	if (r->env->prompts != NULL)
		text = r->env->prompts->text(r->env->prompts_arg, lang, id);
	if (text == NULL)
		log_warnx("flow: prompt %s missing in the %s catalog", id,
		    lang);
	flow_prompts_add(ps, id, text);
}

static void
run_prompt_list(struct run *r, struct flow_prompts *ps, const char *list)
{
	char *copy, *p, *tok, *save = NULL;

	if (list == NULL)
		return;
	copy = xstrdup(list);
	for (p = copy; (tok = strtok_r(p, " \t\r\n", &save)) != NULL;
	    p = NULL)
		run_prompt(r, r->lang, ps, tok);
	free(copy);
}

/* 1 when the variable holds a caller's recording (set by <record>). */
static int
run_is_recording(struct run *r, const char *name)
{
	struct run_var *v = run_find(run_top(r), name);

	return v != NULL && v->value != NULL && *v->value != '\0' &&
	    strcmp(v->type, "recording") == 0;
}

/*
 * <text var>: free text, prompt id "text".  <prompt var text-var>: the
 * prompt or recording the variable names (a caller's recording plays
 * as FLOW_PROMPT_RECORDING); free text when it is empty.
 */
static void
run_by_var(struct run *r, struct flow_prompts *ps, const struct flow_piece *pc)
{
	const char *v = run_get(r, pc->var), *t;

	if (!pc->is_text && run_is_recording(r, pc->var)) {
		flow_prompts_add(ps, FLOW_PROMPT_RECORDING, v);
		return;
	}
	t = pc->is_text ? v : pc->text_var ? run_get(r, pc->text_var) : NULL;
	if (!pc->is_text && v != NULL && *v != '\0')
		flow_prompts_add(ps, v, t);
	else if (t != NULL && *t != '\0')
		flow_prompts_add(ps, "text", t);
	else
		log_debug("flow: nothing to play for %s (line %d)", pc->var,
		    pc->line);
}

/*
 * The prompts of pieces pc[0..n) into ps, spoken in lang: the call's
 * language, or a <play lang=>'s (its catalog, its say-rules, its voice).
 * Returns how many values the say-rules could not read: each is logged,
 * and with apologise said as FLOW_PROMPT_CANNOT_SAY in its place (a
 * caller never hears a sentence stop short).
 */
static int
run_pieces(struct run *r, const char *lang, struct flow_prompts *ps,
    const struct flow_piece *pc, size_t n, int apologise)
{
	const char *value, *unit;
	char *cause = NULL;
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++) {
		if (pc[i].prompt != NULL) {
			run_prompt(r, lang, ps, pc[i].prompt);
			continue;
		}
		if (pc[i].as == NULL) {
			run_by_var(r, ps, &pc[i]);
			continue;
		}
		unit = pc[i].unit ? pc[i].unit :
		    pc[i].unit_var ? run_get(r, pc[i].unit_var) : NULL;
		value = pc[i].var ? run_get(r, pc[i].var) : pc[i].value;
		if (value == NULL || r->env->say == NULL) {
			/* a NULL column is data, not a fault: say nothing */
			log_debug("flow: nothing to say for %s (line %d)",
			    pc[i].var ? pc[i].var : "value", pc[i].line);
			continue;
		}
		if (r->env->say->say(r->env->say_arg, lang, pc[i].as,
		    value, unit, pc[i].decimals, ps, &cause) == 0)
			continue;
		log_warnx("flow: line %d: cannot say %s as %s: %s%s",
		    pc[i].line, pc[i].var ? pc[i].var : "a value",
		    pc[i].as, cause ? cause : "?", apologise ?
		    "; said " FLOW_PROMPT_CANNOT_SAY " instead" : "");
		free(cause);
		cause = NULL;
		bad++;
		if (apologise)
			run_prompt(r, lang, ps, FLOW_PROMPT_CANNOT_SAY);
	}
	return bad;
}

/* The language a node's pieces are spoken in. */
static const char *
run_lang(struct run *r, const struct flow_node *n)
{
	return n->kind == FK_PLAY && n->lang != NULL ? n->lang : r->lang;
}

/*
 * Play ps.  With barge-in, a key pressed stops it and is kept for the
 * next menu or input; while such a key is pending further barge-in
 * prompts are skipped (the caller already answered).
 */
static enum run_rc
run_play_in(struct run *r, const char *lang, struct flow_prompts *ps,
    int barge_in)
{
	char key = 0;
	int ev;

	if (ps->n == 0 || (barge_in && r->typeahead != 0)) {
		flow_prompts_clear(ps);
		return RUN_NEXT;
	}
	ev = r->ops->play(r->ch, lang, ps->v, ps->n, barge_in, &key);
	flow_prompts_clear(ps);
	if (ev == FLOW_EV_HANGUP || ev == FLOW_EV_ERROR)
		return RUN_HANGUP;
	if (ev == FLOW_EV_KEY && barge_in) {
		if (key != r->swallow)
			r->typeahead = key;
		r->swallow = 0;
	}
	return RUN_NEXT;
}

/* The same in the call's language. */
static enum run_rc
run_play(struct run *r, struct flow_prompts *ps, int barge_in)
{
	return run_play_in(r, r->lang, ps, barge_in);
}

/*
 * <say> and <play>: with an error= branch, a value that cannot be said
 * sends the call there and nothing of the node is played.  A <play lang=>
 * is spoken in its own language.
 */
static enum run_rc
run_speak(struct run *r, const struct flow_node *n,
    const struct flow_node **next)
{
	struct flow_prompts ps = { NULL, 0 };
	const struct flow_node *err = run_edge(n, "error");
	const char *lang = run_lang(r, n);

	if (run_pieces(r, lang, &ps, n->pieces, n->npieces, err == NULL) != 0 &&
	    err != NULL) {
		flow_prompts_clear(&ps);
		*next = err;
		return RUN_NEXT;
	}
	return run_play_in(r, lang, &ps, n->barge_in);
}

static enum run_rc
run_say_list(struct run *r, const char *list, int barge_in)
{
	struct flow_prompts ps = { NULL, 0 };

	run_prompt_list(r, &ps, list);
	return run_play(r, &ps, barge_in);
}

/* ---- collecting digits ---- */

/*
 * Collect digits per the timing model.  When cancel is set and it is the
 * first key, collection stops at once with *cancelled set.
 */
static enum run_rc
run_collect(struct run *r, const struct flow_digits_cfg *cfg,
    struct flow_digits *d, char cancel, int *cancelled)
{
	uint64_t now;
	char key;
	int ev;

	*cancelled = 0;
	flow_digits_start(d, cfg, r->ops->now(r->ch));
	key = r->typeahead;
	r->typeahead = 0;
	if (key != 0 && cancel != 0 && key == cancel) {
		*cancelled = 1;
		return RUN_NEXT;
	}
	if (key != 0)
		flow_digits_key(d, key, r->ops->now(r->ch));
	while (d->state == FLOW_D_MORE) {
		ev = r->ops->wait_key(r->ch, d->deadline, &key);
		now = r->ops->now(r->ch);
		if (ev == FLOW_EV_KEY && cancel != 0 && key == cancel &&
		    d->n == 0) {
			*cancelled = 1;
			return RUN_NEXT;
		}
		if (ev == FLOW_EV_KEY && r->swallow != 0) {
			ev = key == r->swallow && d->n == 0 ? -1 : ev;
			r->swallow = 0;
			if (ev == -1)
				continue;
		}
		if (ev == FLOW_EV_KEY)
			flow_digits_key(d, key, now);
		else if (ev == FLOW_EV_TIMEOUT)
			flow_digits_tick(d, now > d->deadline ? now :
			    d->deadline);
		else
			return RUN_HANGUP;
	}
	return RUN_NEXT;
}

/* ---- node kinds ---- */

/*
 * The retry rule shared by menus and inputs: say the invalid or timeout
 * prompt; once max-invalid or max-timeouts is reached, escalate.
 * Returns 1 when escalating, 0 to try again.  A key that stops the
 * prompt ("...please enter it again") is the first key of the next try,
 * as in VoiceXML: the question is then not asked again, and a caller
 * who starts typing the code again at once loses no digit.  When
 * escalating, the key is dropped: the escalation does not answer it.
 */
static int
run_retry(struct run *r, const struct flow_node *n, int timeout,
    int *ninvalid, int *ntimeouts, enum run_rc *rc)
{
	int over;

	if (timeout)
		over = ++*ntimeouts >= n->max_timeouts;
	else
		over = ++*ninvalid >= n->max_invalid;
	*rc = run_say_list(r, timeout ? n->timeout_prompt :
	    n->invalid_prompt, 1);
	if (over)
		r->typeahead = 0;
	return over;
}

/* Retries are used up: go to escalate=, noting why for the call log. */
static enum run_rc
run_escalate(struct run *r, const struct flow_node *n, const char *why,
    const struct flow_node **next)
{
	char *where = flow_node_label(n);

	free(r->rec->escalated);
	r->rec->escalated = xasprintf("%s in %s", why, where);
	free(where);
	log_info("flow: %s", r->rec->escalated);
	if ((*next = run_edge(n, "escalate")) == NULL) {
		log_info("flow: %s: retries used up and no escalate=; "
		    "hanging up", n->id ? n->id : "menu");
		return RUN_END;
	}
	return RUN_NEXT;
}

static enum run_rc
run_menu(struct run *r, const struct flow_node *n,
    const struct flow_node **next)
{
	struct flow_prompts ps = { NULL, 0 };
	struct flow_digits d;
	struct flow_node *to;
	char key[2];
	int ninvalid = 0, ntimeouts = 0, first = 1, timeout, cancel;
	enum run_rc rc;
	size_t i;

	for (;;) {
		if (first || n->short_greeting == NULL)
			run_pieces(r, r->lang, &ps, n->pieces, n->npieces, 1);
		else
			run_prompt_list(r, &ps, n->short_greeting);
		for (i = 0; i < n->nitems; i++)
			run_prompt_list(r, &ps, n->item_prompts[i]);
		first = 0;
		if ((rc = run_play(r, &ps, n->barge_in)) != RUN_NEXT)
			return rc;
		if ((rc = run_collect(r, &n->dig, &d, 0, &cancel)) != RUN_NEXT)
			return rc;
		if (d.state == FLOW_D_MATCH) {
			key[0] = d.buf[0];
			key[1] = '\0';
			if ((to = run_edge(n, key)) != NULL) {
				*next = to;
				return RUN_NEXT;
			}
		}
		timeout = d.state == FLOW_D_NOINPUT;
		if (run_retry(r, n, timeout, &ninvalid, &ntimeouts, &rc))
			return rc != RUN_NEXT ? rc : run_escalate(r, n,
			    timeout ?
			    "too many time-outs" : "too many invalid keys",
			    next);
		if (rc != RUN_NEXT)
			return rc;
	}
}

/* The input's own validation: pattern, then check digit or PLU. */
static int
run_valid(const struct flow_node *n, const char *v)
{
	size_t len = strlen(v), i;

	if (n->has_re && regexec(&n->re, v, 0, NULL, 0) != 0)
		return 0;
	if (n->check == NULL)
		return 1;
	for (i = 0; i < len; i++)
		if (v[i] < '0' || v[i] > '9')
			return 0;
	if (strcmp(n->check, "gtin-or-plu") == 0 && len >= 4 && len <= 6)
		return 1;
	return flow_gtin_ok(v);
}

/* Read the entry back and ask for 1 to confirm; 1 when confirmed. */
static enum run_rc
run_confirm(struct run *r, const struct flow_node *n, const char *v,
    int *yes)
{
	static const struct flow_digits_cfg one = { 1, 1, 0, 5000, 0, 0 };
	struct flow_prompts ps = { NULL, 0 };
	struct flow_digits d;
	struct flow_digits_cfg cfg = one;
	char *cause = NULL;
	enum run_rc rc;
	int cancel;

	cfg.first_ms = n->dig.first_ms;
	run_prompt_list(r, &ps, n->confirm_prompt);
	if (r->env->say != NULL && r->env->say->say(r->env->say_arg, r->lang,
	    "digits", v, NULL, -1, &ps, &cause) == -1) {
		log_warnx("flow: cannot read back the entry of %s: %s",
		    n->var, cause);
		free(cause);
	}
	if ((rc = run_play(r, &ps, 1)) != RUN_NEXT)
		return rc;
	if ((rc = run_collect(r, &cfg, &d, 0, &cancel)) != RUN_NEXT)
		return rc;
	*yes = d.state == FLOW_D_MATCH && d.buf[0] == '1';
	return RUN_NEXT;
}

static enum run_rc
run_input(struct run *r, const struct flow_node *n,
    const struct flow_node **next)
{
	struct flow_prompts ps = { NULL, 0 };
	struct flow_digits d;
	int ninvalid = 0, ntimeouts = 0, yes, timeout, cancel;
	enum run_rc rc;

	for (;;) {
		run_pieces(r, r->lang, &ps, n->pieces, n->npieces, 1);
		if ((rc = run_play(r, &ps, n->barge_in)) != RUN_NEXT)
			return rc;
		if ((rc = run_collect(r, &n->dig, &d, n->cancel_key,
		    &cancel)) != RUN_NEXT)
			return rc;
		if (cancel) {
			*next = run_edge(n, "cancel");
			return RUN_NEXT;
		}
		if (n->dig.terminator != '\0' && d.n >= n->dig.max_digits &&
		    n->dig.term_ms <= 0)
			r->swallow = n->dig.terminator;
		timeout = d.state == FLOW_D_NOINPUT;
		if (d.state == FLOW_D_MATCH && run_valid(n, d.buf)) {
			yes = 1;
			if (n->confirm &&
			    (rc = run_confirm(r, n, d.buf, &yes)) != RUN_NEXT)
				return rc;
			if (yes) {
				run_setvar(run_top(r), n->var, d.buf, "digits");
				*next = run_edge(n, "next");
				return RUN_NEXT;
			}
			/* rejected read-back: ask again, counted, no blame */
			if (++ninvalid >= n->max_invalid)
				return run_escalate(r, n, "read-back rejected "
				    "too often", next);
			continue;
		}
		if (run_retry(r, n, timeout, &ninvalid, &ntimeouts, &rc))
			return rc != RUN_NEXT ? rc : run_escalate(r, n,
			    timeout ?
			    "too many time-outs" : "too many invalid entries",
			    next);
		if (rc != RUN_NEXT)
			return rc;
	}
}

static struct run_result *
run_result_slot(struct run_frame *fr, const struct flow_node *q)
{
	size_t i;

	for (i = 0; i < fr->nresults; i++)
		if (fr->results[i].query == q) {
			flow_rows_clear(&fr->results[i].rows);
			return &fr->results[i];
		}
	fr->results = xreallocarray(fr->results, fr->nresults + 1,
	    sizeof *fr->results);
	memset(&fr->results[fr->nresults], 0, sizeof *fr->results);
	fr->results[fr->nresults].query = q;
	return &fr->results[fr->nresults++];
}

static void
run_row(struct run *r, const struct flow_rows *rows, size_t i)
{
	size_t c;

	for (c = 0; c < rows->ncols; c++)
		run_setvar(run_top(r), rows->names[c],
		    rows->values[i * rows->ncols + c],
		    flow_type_name(rows->types[c]));
}

/* Secret parameters never reach the call log. */
int
flow_secret(const char *name, size_t len)
{
	static const char *const words[] = { "pin", "pass", "pwd", "secret",
	    "card", "cvv", "mima" };
	char low[64];
	size_t i;

	if (name == NULL)
		return 0;
	if (len >= sizeof low)
		len = sizeof low - 1;
	for (i = 0; i < len && name[i] != '\0'; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	for (i = 0; i < nitems(words); i++)
		if (strstr(low, words[i]) != NULL)
			return 1;
	return 0;
}

static void
run_qlog(struct run *r, const struct flow_node *n, const struct flow_kv *kv,
    enum flow_outcome o, long nrows, uint64_t t0)
{
	struct flow_record *rec = r->rec;
	struct flow_qlog *q;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < n->nargs; i++)
		sb_addf(&sb, "%s%s=%s", i ? " " : "", kv[i].name,
		    flow_secret(kv[i].name, SIZE_MAX) ||
		    flow_secret(n->args[i].var, SIZE_MAX) ? "***" :
		    kv[i].value ? kv[i].value : "NULL");
	rec->queries = xreallocarray(rec->queries, rec->nqueries + 1,
	    sizeof *rec->queries);
	q = &rec->queries[rec->nqueries++];
	q->mapping = xstrdup(n->mapping);
	q->bound = sb_steal(&sb);
	q->outcome = o;
	q->at_ms = t0;
	q->ms = (unsigned)(r->ops->now(r->ch) - t0);
	q->nrows = nrows;
	log_debug("flow: query %s (%s): %s, %ld row%s in %ums", q->mapping,
	    q->bound, flow_outcome_name(o), nrows, nrows == 1 ? "" : "s",
	    q->ms);
}

static enum run_rc
run_query(struct run *r, const struct flow_node *n,
    const struct flow_node **next)
{
	static const char *const fallback[] = {
		[FLOW_Q_FOUND] = "found", [FLOW_Q_EMPTY] = "error",
		[FLOW_Q_MANY] = "error", [FLOW_Q_INVALID] = "error",
		[FLOW_Q_ERROR] = "error", [FLOW_Q_TIMEOUT] = "error",
		[FLOW_Q_DOWN] = "error",
	};
	struct flow_kv *kv = xcalloc(n->nargs + 1, sizeof *kv);
	struct run_result *res;
	enum flow_outcome o;
	char *cause = NULL, count[32];
	uint64_t t0;
	size_t i;

	for (i = 0; i < n->nargs; i++) {
		kv[i].name = n->args[i].name;
		kv[i].value = n->args[i].var ? run_get(r, n->args[i].var) :
		    n->args[i].value;
		kv[i].type = NULL;
	}
	res = run_result_slot(run_top(r), n);
	t0 = r->ops->now(r->ch);
	if (r->env->map == NULL)
		o = FLOW_Q_DOWN;
	else
		o = r->env->map->query(r->env->map_arg, n->mapping, kv,
		    n->nargs, &res->rows, &cause);
	if (cause != NULL) {
		log_warnx("flow: query %s: %s", n->mapping, cause);
		free(cause);
	}
	run_qlog(r, n, kv, o, o == FLOW_Q_FOUND || o == FLOW_Q_EMPTY ||
	    o == FLOW_Q_MANY ? (long)res->rows.nrows : -1, t0);
	free(kv);
	if (o == FLOW_Q_FOUND && res->rows.nrows > 0)
		run_row(r, &res->rows, 0);
	if (n->count_var != NULL && (o == FLOW_Q_FOUND || o == FLOW_Q_EMPTY ||
	    o == FLOW_Q_MANY)) {
		snprintf(count, sizeof count, "%zu", res->rows.nrows);
		run_setvar(run_top(r), n->count_var, count, "integer");
	}
	if ((*next = run_edge(n, flow_outcome_name(o))) == NULL &&
	    (size_t)o < nitems(fallback))
		*next = run_edge(n, fallback[o]);
	return RUN_NEXT;
}

/* The rows a <foreach> iterates: its query's last result, or NULL. */
static const struct flow_rows *
run_rows_of(struct run *r, const struct flow_node *n)
{
	struct run_frame *fr = run_top(r);
	const struct flow_rows *rows = NULL;
	size_t i;

	for (i = 0; i < fr->nresults; i++)
		if (fr->results[i].query->id != NULL &&
		    strcmp(fr->results[i].query->id, n->over) == 0)
			rows = &fr->results[i].rows;
	return rows;
}

/*
 * Speak rows [from, to) with the body of n.  A key that barges in stops
 * the reading: it is kept (r->typeahead) for the offer after a page.
 */
static enum run_rc
run_rows(struct run *r, const struct flow_node *n,
    const struct flow_rows *rows, size_t from, size_t to)
{
	struct flow_prompts ps = { NULL, 0 };
	const struct flow_node *b;
	enum run_rc rc;
	size_t i, j;

	for (i = from; i < to && r->typeahead == 0; i++) {
		run_row(r, rows, i);
		for (j = 0; j < n->nbody; j++) {
			b = n->body[j];
			if (b->kind == FK_SET) {
				run_setvar(run_top(r), b->var, b->value ?
				    b->value : run_get(r, b->from), b->type);
				continue;
			}
			run_pieces(r, run_lang(r, b), &ps, b->pieces,
			    b->npieces, 1);
			if ((rc = run_play_in(r, run_lang(r, b), &ps,
			    b->barge_in)) != RUN_NEXT)
				return rc;
		}
	}
	return RUN_NEXT;
}

/*
 * After a page: offer more (when rows remain), repeat or back, and wait
 * for one key.  *at moves to the next page on more; *done is set on
 * back, on used-up retries, and after the last page without
 * last-prompt=.
 */
static enum run_rc
run_offer(struct run *r, const struct flow_node *n, size_t *at, size_t end,
    size_t total, int *done)
{
	struct flow_prompts ps = { NULL, 0 };
	struct flow_digits d;
	int ninvalid = 0, ntimeouts = 0, timeout, cancel, last = end >= total;
	enum run_rc rc;
	char k;

	*done = 0;
	if (last && n->last_prompt == NULL) {
		*done = 1;
		return RUN_NEXT;
	}
	for (;;) {
		run_prompt_list(r, &ps, last ? n->last_prompt : n->more_prompt);
		if ((rc = run_play(r, &ps, 1)) != RUN_NEXT)
			return rc;
		if ((rc = run_collect(r, &n->dig, &d, 0, &cancel)) != RUN_NEXT)
			return rc;
		k = d.state == FLOW_D_MATCH ? d.buf[0] : 0;
		if (k != 0 && k == n->more_key && !last) {
			*at = end;
			return RUN_NEXT;
		}
		if (k != 0 && k == n->repeat_key)
			return RUN_NEXT;
		if (k != 0 && k == n->back_key) {
			*done = 1;
			return RUN_NEXT;
		}
		timeout = d.state == FLOW_D_NOINPUT;
		if (run_retry(r, n, timeout, &ninvalid, &ntimeouts, &rc)) {
			log_info("flow: leaving the list after too many %s",
			    timeout ? "time-outs" : "invalid keys");
			*done = 1;
			return rc;
		}
		if (rc != RUN_NEXT)
			return rc;
	}
}

/* A paged list: a page of rows, the offer, and so on until back. */
static enum run_rc
run_pages(struct run *r, const struct flow_node *n,
    const struct flow_rows *rows, size_t total)
{
	size_t at = 0, end;
	enum run_rc rc;
	int done = 0;

	while (!done) {
		end = at + (size_t)n->page < total ? at + (size_t)n->page :
		    total;
		if ((rc = run_rows(r, n, rows, at, end)) != RUN_NEXT ||
		    (rc = run_offer(r, n, &at, end, total, &done)) != RUN_NEXT)
			return rc;
	}
	return RUN_NEXT;
}

static enum run_rc
run_foreach(struct run *r, const struct flow_node *n)
{
	const struct flow_rows *rows = run_rows_of(r, n);
	size_t total;

	if (rows == NULL)
		return RUN_NEXT;
	total = rows->nrows < (size_t)n->max_rows ? rows->nrows :
	    (size_t)n->max_rows;
	if (n->page > 0 && total > 0)
		return run_pages(r, n, rows, total);
	return run_rows(r, n, rows, 0, total);
}

static int
run_compare(const char *a, const char *op, const char *b)
{
	char *ea, *eb;
	double x, y;
	int cmp;

	if (strcmp(op, "empty") == 0)
		return a == NULL || *a == '\0';
	if (a == NULL)
		a = "";
	x = strtod(a, &ea);
	y = strtod(b, &eb);
	if (*a != '\0' && *b != '\0' && *ea == '\0' && *eb == '\0')
		cmp = x < y ? -1 : x > y;
	else
		cmp = strcmp(a, b);
	if (strcmp(op, "eq") == 0)
		return cmp == 0;
	if (strcmp(op, "ne") == 0)
		return cmp != 0;
	if (strcmp(op, "lt") == 0)
		return cmp < 0;
	if (strcmp(op, "le") == 0)
		return cmp <= 0;
	if (strcmp(op, "gt") == 0)
		return cmp > 0;
	return cmp >= 0;
}

static enum run_rc
run_record(struct run *r, const struct flow_node *n,
    const struct flow_node **next)
{
	struct flow_prompts ps = { NULL, 0 };
	char *path = NULL, key = 0;
	enum run_rc rc;
	int ev;

	run_pieces(r, r->lang, &ps, n->pieces, n->npieces, 1);
	if ((rc = run_play(r, &ps, 1)) != RUN_NEXT)
		return rc;
	r->typeahead = 0;
	ev = r->ops->record(r->ch, &n->rec, &path, &key);
	if (path != NULL)
		run_setvar(run_top(r), n->var, path, "recording");
	free(path);
	if (ev == FLOW_EV_HANGUP || ev == FLOW_EV_ERROR)
		return RUN_HANGUP;
	*next = run_edge(n, "next");
	return RUN_NEXT;
}

static void
run_push(struct run *r, const struct flow *f, const struct flow_node *call)
{
	struct run_frame *fr, *caller = r->nframes ? run_top(r) : NULL;
	const char *v;
	size_t i;

	r->frames = xreallocarray(r->frames, r->nframes + 1,
	    sizeof *r->frames);
	fr = &r->frames[r->nframes];
	memset(fr, 0, sizeof *fr);
	fr->flow = f;
	fr->call = call;
	for (i = 0; call != NULL && i < call->nargs; i++) {
		v = call->args[i].value;
		if (call->args[i].var != NULL) {
			struct run_var *cv = run_find(caller,
			    call->args[i].var);
			v = cv ? cv->value : NULL;
		}
		run_setvar(fr, call->args[i].name, v, NULL);
	}
	r->nframes++;
}

/* Leave a sub-flow: copy its outputs back, continue after the call. */
static const struct flow_node *
run_pop(struct run *r)
{
	struct run_frame *fr = run_top(r), *caller = fr - 1;
	const struct flow_node *call = fr->call;
	struct run_var *v;
	size_t i;

	for (i = 0; i < fr->flow->noutputs; i++)
		if ((v = run_find(fr, fr->flow->outputs[i].name)) != NULL)
			run_setvar(caller, v->name, v->value, v->type);
	run_frame_free(fr);
	r->nframes--;
	return run_edge(call, "next");
}

static enum run_rc
run_node(struct run *r, const struct flow_node *n,
    const struct flow_node **next)
{
	struct flow_prompts ps = { NULL, 0 };
	const char *v;
	enum run_rc rc;

	*next = run_edge(n, "next");
	switch (n->kind) {
	case FK_MENU:
		return run_menu(r, n, next);
	case FK_INPUT:
		return run_input(r, n, next);
	case FK_QUERY:
		return run_query(r, n, next);
	case FK_SAY:
	case FK_PLAY:
		return run_speak(r, n, next);
	case FK_RECORD:
		return run_record(r, n, next);
	case FK_SET:
		v = n->value ? n->value : run_get(r, n->from);
		run_setvar(run_top(r), n->var, v, n->type);
		return RUN_NEXT;
	case FK_IF:
		*next = run_compare(run_get(r, n->var), n->op, n->value ?
		    n->value : "") ? run_edge(n, "then") : run_edge(n, "else");
		return RUN_NEXT;
	case FK_GOTO:
		*next = run_edge(n, "goto");
		return RUN_NEXT;
	case FK_CALL:           /* handled by flow_run(): it needs the set */
		return RUN_NEXT;
	case FK_RETURN:
		*next = NULL;
		return RUN_NEXT;
	case FK_LANG:
		snprintf(r->lang, sizeof r->lang, "%s", n->lang);
		return RUN_NEXT;
	case FK_HANGUP:
		run_pieces(r, r->lang, &ps, n->pieces, n->npieces, 1);
		rc = run_play(r, &ps, 0);
		if (rc == RUN_NEXT)
			r->ops->hangup(r->ch);
		return rc == RUN_NEXT ? RUN_END : rc;
	case FK_FOREACH:
		return run_foreach(r, n);
	}
	return RUN_NEXT;
}

/*
 * May node n run with the line gone?  Only what touches no audio: a
 * query, set, if, goto, return, language, or a <hangup> with nothing to
 * say.  A <call> is not: its flow may speak.
 */
int
flow_node_silent(const struct flow_node *n)
{
	switch (n->kind) {
	case FK_QUERY:
	case FK_SET:
	case FK_IF:
	case FK_GOTO:
	case FK_RETURN:
	case FK_LANG:
		return 1;
	case FK_HANGUP:
		return n->npieces == 0;
	default:
		return 0;
	}
}

/*
 * The caller hung up: the innermost flow of the call that has a hangup=
 * node goes on there with the line gone (the sub-flows it called are
 * left, their outputs not copied).  NULL when no flow has one.
 */
static const struct flow_node *
run_gone(struct run *r)
{
	size_t i = r->nframes;

	while (i > 0 && r->frames[i - 1].flow->on_hangup == NULL)
		i--;
	if (i == 0)
		return NULL;
	while (r->nframes > i)
		run_frame_free(&r->frames[--r->nframes]);
	r->gone = 1;
	log_debug("flow: the line is gone; flow %s goes on at its hang-up "
	    "node", run_top(r)->flow->name);
	return run_top(r)->flow->on_hangup;
}

/*
 * The hang-up node's work ended at n (NULL: it ran to its end): the
 * call's reason says so, and why it stopped when it did not end well.
 */
static void
run_gone_end(struct run *r, const struct flow_node *n, const char *why)
{
	char *where = n ? flow_node_label(n) : NULL, *old = r->rec->reason;

	if (why != NULL)
		log_warnx("flow: the hang-up node of flow %s stopped at %s: "
		    "%s", run_top(r)->flow->name, where, why);
	r->rec->reason = xasprintf("%s; then the hang-up node %s%s%s%s",
	    old, why ? "stopped at " : "ran", why ? where : "",
	    why ? ": " : "", why ? why : "");
	free(old);
	free(where);
}

/*
 * One step with the line gone: 0 to run node n, 1 when the hang-up
 * node's work ends before it (the end of the flow, a node that would
 * speak, the step limit).
 */
static int
run_gone_step(struct run *r, const struct flow_node *n)
{
	char why[64];

	if (n == NULL) {
		run_gone_end(r, NULL, NULL);
		return 1;
	}
	if (++r->gone_steps > RUN_GONE_STEPS) {
		snprintf(why, sizeof why, "more than %d nodes (a loop?)",
		    RUN_GONE_STEPS);
		run_gone_end(r, n, why);
		return 1;
	}
	if (n->kind == FK_HANGUP && n->npieces == 0) {
		run_gone_end(r, NULL, NULL);
		return 1;
	}
	if (!flow_node_silent(n)) {
		run_gone_end(r, n, "it would speak or listen, and the line "
		    "is gone");
		return 1;
	}
	return 0;
}

static void
run_end(struct run *r, enum flow_end e, const struct flow_node *n,
    const char *what)
{
	char *where = n ? flow_node_label(n) : xstrdup("?");

	r->rec->end = e;
	r->rec->reason = xasprintf("%s in %s", what, where);
	free(where);
}

int
flow_run(struct flow_set *set, const struct flow_env *env,
    const struct flow_call_info *info, const struct flow_chan_ops *ops,
    void *ch, struct flow_record *rec, char **cause)
{
	struct run r;
	const struct flow *f;
	const struct flow_node *n, *next = NULL, *last = NULL;
	int max = env->max_steps > 0 ? env->max_steps : 10000;
	enum run_rc rc;
	char *label;

	memset(rec, 0, sizeof *rec);
	if ((f = flow_set_find(set, info->flow)) == NULL || f->start == NULL)
		return kf_error(cause, "no flow \"%s\"", info->flow);
	flow_set_ref(set);
	memset(&r, 0, sizeof r);
	r.env = env;
	r.ops = ops;
	r.ch = ch;
	r.info = info;
	r.rec = rec;
	snprintf(r.lang, sizeof r.lang, "%s", info->lang ? info->lang :
	    (env->nlangs ? env->langs[0] : "zh-CN"));
	run_push(&r, f, NULL);
	n = f->start;
	for (;;) {
		if (r.gone && run_gone_step(&r, n))
			goto done;
		while (n == NULL) {
			if (r.nframes == 1) {
				run_end(&r, FLOW_END_FLOW, last,
				    "end of the flow");
				ops->hangup(ch);
				goto done;
			}
			n = run_pop(&r);
		}
		if (++rec->steps > max && !r.gone) {
			run_end(&r, FLOW_END_LOOP, n, "step limit reached");
			ops->hangup(ch);
			goto done;
		}
		label = flow_node_label(n);
		sb_addf(&rec->path, "%s%s", rec->path.len ? " " : "", label);
		free(label);
		last = n;
		if (n->kind == FK_CALL) {
			run_push(&r, flow_set_find(set, n->callee), n);
			n = run_top(&r)->flow->start;
			continue;
		}
		rc = run_node(&r, n, &next);
		if (rc == RUN_HANGUP && !r.gone) {
			run_end(&r, FLOW_END_CALLER, n, "caller hung up");
			if ((n = run_gone(&r)) != NULL)
				continue;
			goto done;
		}
		if (rc == RUN_END) {
			run_end(&r, FLOW_END_FLOW, n, "hung up");
			goto done;
		}
		n = next;
	}
done:
	rec->lang = xstrdup(r.lang);
	while (r.nframes > 0)
		run_frame_free(&r.frames[--r.nframes]);
	free(r.frames);
	flow_set_unref(set);
	return 0;
}
