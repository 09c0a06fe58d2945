/*
 * flow-int.h: the loaded form of a flow, shared by the loader, checker,
 * drawing and interpreter.  Private to src/flow/ and its unit tests.
 * A node's outgoing transitions are one uniform edge list, so the
 * checker and the drawing never need to know each node kind's attributes.
 */
#ifndef KEFU_FLOW_INT_H
#define KEFU_FLOW_INT_H

#include <regex.h>
#include <stdatomic.h>

#include "flow/flow.h"

enum flow_kind {
	FK_MENU = 0, FK_INPUT, FK_QUERY, FK_SAY, FK_PLAY, FK_RECORD, FK_SET,
	FK_IF, FK_GOTO, FK_CALL, FK_RETURN, FK_LANG, FK_HANGUP, FK_FOREACH,
};
extern const char *const flow_kind_names[];

/*
 * One piece of something spoken: a catalog prompt (prompt), a value said
 * by the say-rules (as + var or value), the prompt or recording a
 * variable names (var, no as; text_var for its text), or free text from
 * a variable (is_text).
 */
struct flow_piece {
	char *prompt;           /* prompt id, or NULL */
	char *as;               /* number, money, quantity, date, digits... */
	char *var;              /* variable said or played */
	char *value;            /* literal said */
	char *unit;             /* measure word for quantities */
	char *unit_var;         /* ... or the variable holding it */
	char *text_var;         /* text of a prompt played by variable */
	int decimals;           /* say: decimals=, -1 when not given */
	int is_text;            /* <text var>: free text */
	int line;
};

/* A transition: label ("next", "1", "found", "escalate"...) -> node. */
struct flow_edge {
	char *label;
	char *target;           /* node id as written */
	int line;
	struct flow_node *to;   /* resolved by the loader */
};

/* A parameter passed to a mapping or a sub-flow: from var or value. */
struct flow_arg {
	char *name;
	char *var;
	char *value;
	int line;
};

/* A declared parameter or output of a flow. */
struct flow_decl {
	char *name;
	char *type;
	int optional;
	int line;
};

struct flow_node {
	enum flow_kind kind;
	char *id;               /* may be NULL: then not a target */
	int line;
	size_t pos;             /* index in flow->nodes (0 in a foreach body) */
	struct flow *flow;      /* owner */
	struct flow_edge *edges;
	size_t nedges;
	/* what is spoken first: greeting, prompt, play contents... */
	struct flow_piece *pieces;
	size_t npieces;
	int barge_in;
	/* menu */
	char *short_greeting;
	char **item_prompts;    /* per menu item, same order as the item
				   edges */
	size_t nitems;
	/* menu, input */
	char *invalid_prompt;
	char *timeout_prompt;
	int max_invalid;
	int max_timeouts;
	struct flow_digits_cfg dig;
	/* input */
	char *var;              /* also record, set, if, say */
	char *pattern;
	regex_t re;
	int has_re;
	char *check;            /* "gtin", "gtin-or-plu", NULL */
	int confirm;
	char *confirm_prompt;
	char cancel_key;        /* first key that leaves by the "cancel" edge */
	/* query, call */
	char *mapping;
	char *callee;           /* call: flow name */
	struct flow_arg *args;
	size_t nargs;
	char *count_var;        /* query: variable set to the row count */
	/* record */
	struct flow_record_req rec;
	char *stop_keys;
	/* set, if */
	char *value;
	char *from;
	char *type;
	char *op;
	/* language: the one set; play: the one spoken (NULL: the call's) */
	char *lang;
	/* foreach */
	char *over;             /* id of the query node whose rows are
				   iterated */
	int max_rows;
	int page;               /* rows per page (page=); 0: all in a row */
	char *more_prompt;      /* offered after a page with rows after it */
	char *last_prompt;      /* offered after the last page, or NULL */
	char more_key;          /* next page (more-key=, default 1) */
	char repeat_key;        /* the same page again (repeat-key=, 0) */
	char back_key;          /* leave the list (back-key=, *) */
	struct flow_node **body;
	size_t nbody;
};

struct flow {
	char *name;
	char *file;
	int line;
	struct flow_decl *params;
	size_t nparams;
	struct flow_decl *outputs;
	size_t noutputs;
	struct flow_node **nodes;       /* top-level, document order */
	size_t nnodes;
	struct strmap ids;              /* id -> top-level node
					   (flow_find_node) */
	struct flow_node *start;
	struct flow_node *on_hangup;    /* hangup=: where the flow goes when
					   the line is gone, or NULL */
};

struct flow_set {
	atomic_int refs;
	struct flow **flows;
	size_t nflows;
};

struct flow *flow_set_find(const struct flow_set *set, const char *name);
struct flow_node *flow_find_node(const struct flow *f, const char *id);
struct flow_edge *flow_node_edge(const struct flow_node *n, const char *label);
/* "main:top" or "main:menu@12" for nodes without an id (static buffer-free). */
char *flow_node_label(const struct flow_node *n);
/*
 * 1 when node n may run with the line gone (after a flow's hangup=
 * node): it neither speaks nor listens (run.c; the checker's rule too).
 */
int flow_node_silent(const struct flow_node *n);
/* GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) check digit of a digit string. */
int flow_gtin_ok(const char *s);

#endif
