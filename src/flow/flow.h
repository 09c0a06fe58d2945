/*
 * flow: call flows (flows/NAME.xml, kefu-flow(5)).  This subsystem owns the
 * flow loader (RELAX NG validation, file:line errors), the static checker,
 * the Graphviz drawing, the digit collector (the timing model of
 * kefu-flow(5), after VoiceXML 2.0 Appendix D) and the interpreter that
 * runs one call.  It reaches lines, mappings, say-rules and prompts only
 * through the small interfaces below, so it never includes their headers;
 * adapters live with the caller (kefud, the CLI, tests).
 *
 * Threads: a loaded struct flow_set is immutable and reference counted;
 * many line threads run calls on one set while kefud swaps in a new one.
 * Everything else here belongs to one call and one thread.
 */
#ifndef KEFU_FLOW_H
#define KEFU_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct flow_set;

/* ---- timing model: the digit collector (flow/digits.c) ---- */

struct flow_digits_cfg {
	int min_digits;         /* fewer digits than this is invalid input */
	int max_digits;         /* collection completes at this many digits */
	char terminator;        /* key that ends entry at once; '\0': none */
	int first_ms;           /* wait for the first key (timeout=) */
	int inter_ms;           /* wait between keys (inter-digit-timeout=) */
	int term_ms;            /* after max digits, wait this long for the
	                           terminator (term-timeout=); 0: done at
	                           once */
};

enum flow_dstate {
	FLOW_D_MORE = 0,        /* still collecting: wait until the deadline */
	FLOW_D_MATCH,           /* complete: the digits are the answer */
	FLOW_D_INVALID,         /* nomatch: too few / too many digits */
	FLOW_D_NOINPUT,         /* no key before the first-digit timeout */
};

#define FLOW_DIGITS_MAX 64

struct flow_digits {
	struct flow_digits_cfg cfg;
	char buf[FLOW_DIGITS_MAX + 1];  /* collected keys, terminator
					   excluded */
	int n;                  /* keys in buf */
	int at_max;             /* max reached, waiting for the terminator */
	uint64_t deadline;      /* clock value at which the current timer
				   fires */
	enum flow_dstate state;
	const char *why;        /* static reason: "terminator", "max digits",
	                           "inter-digit timeout", "term timeout",
	                           "first-digit timeout", "too few digits",
	                           "too many digits" */
};

/* Start collecting at clock value now (ms); the first-digit timer runs. */
void flow_digits_start(struct flow_digits *d, const struct flow_digits_cfg *cfg,
    uint64_t now);
/* Feed one key pressed at time now; returns the new state. */
enum flow_dstate flow_digits_key(struct flow_digits *d, char key, uint64_t now);
/* The clock reached now with no key; fires the timer if due. */
enum flow_dstate flow_digits_tick(struct flow_digits *d, uint64_t now);
const char *flow_dstate_name(enum flow_dstate s);

/* ---- values exchanged with the services ---- */

/* One prompt to play: its id in the catalog and its text (transcripts). */
struct flow_prompt {
	char *id;
	char *text;             /* may be NULL when the catalog has none */
};

struct flow_prompts {
	struct flow_prompt *v;
	size_t n;
};
void flow_prompts_add(struct flow_prompts *p, const char *id, const char *text);
void flow_prompts_clear(struct flow_prompts *p);

/* Outcomes of a query, the branch names of <query>. */
enum flow_outcome {
	FLOW_Q_FOUND = 0,       /* rows as expected (one, or >= 1 for
				   rows=many) */
	FLOW_Q_EMPTY,           /* no row */
	FLOW_Q_MANY,            /* more than one row where one was expected */
	FLOW_Q_INVALID,         /* a parameter broke the mapping's contract */
	FLOW_Q_ERROR,           /* the database or the mapping failed */
	FLOW_Q_TIMEOUT,         /* the statement ran out of time */
	FLOW_Q_DOWN,            /* the datasource is unreachable */
};
#define FLOW_NOUTCOMES 7
const char *flow_outcome_name(enum flow_outcome o);

/*
 * The type of a value that crosses into a flow from a mapping or a
 * built-in service: a parameter's or a column's.  An enum, so that a
 * misspelt type is a compile error; flow_type_name gives the word the
 * flow files use (type="digits"), flow_type_parse reads it back.
 */
enum flow_type {
	FLOW_T_TEXT = 0,        /* "text" (also what an unknown type is) */
	FLOW_T_DIGITS,          /* "digits" */
	FLOW_T_INTEGER,         /* "integer" */
	FLOW_T_DECIMAL,         /* "decimal" */
	FLOW_T_DATE,            /* "date" */
	FLOW_T_TIMESTAMP,       /* "timestamp" */
	FLOW_T_BOOLEAN,         /* "boolean" */
	FLOW_T_RECORDING,       /* "recording" */
};
const char *flow_type_name(enum flow_type t);
/* 0 and *t, or -1 for a word that names no type. */
int flow_type_parse(const char *name, enum flow_type *t);

/* A name = value pair: query parameters, flow variables. */
struct flow_kv {
	const char *name;
	const char *value;      /* NULL: SQL NULL / unset */
	const char *type;       /* "digits", "text", "integer", "decimal",
	                           "date", "timestamp", "boolean",
	                           "recording" */
};

/* The rows a query returned, filled by flow_map_ops.query (xmalloc'd). */
struct flow_rows {
	size_t ncols;
	char **names;           /* flow variable name of each column */
	enum flow_type *types;  /* its type */
	size_t nrows;
	char **values;          /* nrows * ncols, row-major; NULL is SQL NULL */
};
void flow_rows_clear(struct flow_rows *r);
/* Append a row of ncols values (copied); sets up names/types first. */
void flow_rows_add(struct flow_rows *r, const char *const *values);

#define FLOW_MAP_MAX 32

/* What the checker needs to know about one mapping. */
struct flow_mapinfo {
	size_t nparams;
	struct {
		const char *name;
		enum flow_type type; /* digits, text, integer, decimal, date */
		int optional;
	} params[FLOW_MAP_MAX];
	size_t nouts;
	struct {
		const char *var;    /* the flow variable the column sets */
		enum flow_type type;
	} outs[FLOW_MAP_MAX];
	int many;               /* rows="many": iterate with <foreach> */
};

/* The mapping engine, seen from a flow. */
struct flow_map_ops {
	/*
	 * Run mapping `name` with parameters in[0..nin).  Fills *rows and
	 * returns the outcome; *cause may receive a message for the log
	 * (caller frees).  Never blocks longer than the mapping's timeout.
	 */
	enum flow_outcome (*query)(void *arg, const char *name,
	    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
	    char **cause);
	/* Describe mapping `name`: 0, or -1 when there is no such mapping. */
	int (*describe)(void *arg, const char *name, struct flow_mapinfo *info);
};

/* Say-rules: value -> prompts, in a language. */
struct flow_say_ops {
	/*
	 * Append to *out the prompts that speak `value` as `as` ("number",
	 * "money", "quantity", "date", "digits"); unit is the measure word
	 * for quantities or NULL; decimals rounds numbers and quantities to
	 * that many decimals (-1: as written).  0, or -1 with *cause and
	 * *out unchanged: the value cannot be said.
	 */
	int (*say)(void *arg, const char *lang, const char *as,
	    const char *value, const char *unit, int decimals,
	    struct flow_prompts *out, char **cause);
};

/*
 * Said in place of a value the say-rules cannot read, by a <say> or
 * <play> without an error= branch (never silence).
 */
#define FLOW_PROMPT_CANNOT_SAY "sys.cannot_say"
/*
 * The prompt id of a caller's recording played back (<prompt var> of a
 * variable of type recording, as <record> sets it): its text is the
 * file's path, which the channel plays from the spool.
 */
#define FLOW_PROMPT_RECORDING "recording"
/* The largest decimals= of a <say>. */
#define FLOW_SAY_MAX_DECIMALS 9

/* Prompt catalogs. */
struct flow_prompt_ops {
	/* The text of prompt id in lang, or NULL when the catalog lacks it. */
	const char *(*text)(void *arg, const char *lang, const char *id);
};

/* Everything outside the call: shared by the calls of one daemon. */
struct flow_env {
	const struct flow_map_ops *map;     void *map_arg;
	const struct flow_say_ops *say;     void *say_arg;
	const struct flow_prompt_ops *prompts; void *prompts_arg;
	const char *const *langs;           /* configured languages */
	size_t nlangs;
	int max_steps;          /* nodes one call may visit; 0: 10000 */
};

/* ---- the call channel (a line driver, or the scripted channel) ---- */

enum flow_ev {
	FLOW_EV_DONE = 0,       /* finished normally */
	FLOW_EV_KEY,            /* a key arrived (*key) */
	FLOW_EV_TIMEOUT,        /* the deadline passed without a key */
	FLOW_EV_HANGUP,         /* the caller is gone */
	FLOW_EV_ERROR,          /* the line failed: treat as hang-up */
};

struct flow_record_req {
	int max_ms;             /* stop after this long */
	int silence_ms;         /* stop after this much silence; 0: never */
	const char *stop_keys;  /* keys that stop recording ("" none) */
	int beep;               /* beep before recording */
};

struct flow_chan_ops {
	/* The channel's clock in milliseconds (monotonic; virtual in tests). */
	uint64_t (*now)(void *chan);
	/*
	 * Play p[0..n) in order in language lang.  With barge_in a key stops
	 * playback at once: returns FLOW_EV_KEY with *key set.  Without it,
	 * keys pressed while playing are discarded.  FLOW_EV_DONE when all
	 * played, FLOW_EV_HANGUP when the caller hung up.
	 */
	int (*play)(void *chan, const char *lang, const struct flow_prompt *p,
	    size_t n, int barge_in, char *key);
	/*
	 * Wait for one key until the clock reaches deadline.  FLOW_EV_KEY
	 * (*key), FLOW_EV_TIMEOUT or FLOW_EV_HANGUP.
	 */
	int (*wait_key)(void *chan, uint64_t deadline, char *key);
	/*
	 * Record the caller into a new file; *path receives it (malloc'd).
	 * FLOW_EV_DONE (silence or max length), FLOW_EV_KEY (a stop key,
	 * *key), FLOW_EV_HANGUP (the recording up to the hang-up is kept).
	 */
	int (*record)(void *chan, const struct flow_record_req *req,
	    char **path, char *key);
	/* Hang up the line (the flow ended the call). */
	void (*hangup)(void *chan);
};

/* ---- loading ---- */

/*
 * Limits of one flow file (kefu-flow(5), LIMITS): loading and checking
 * take time and memory in proportion to the file, and a file beyond
 * these is refused with file:line before it is validated.
 */
#define FLOW_FILE_MAX (8 * 1024 * 1024)         /* bytes */
#define FLOW_ELEMENTS_MAX 100000                /* XML elements */
#define FLOW_VARS_MAX 1000                      /* variables (flow_check) */

/*
 * Load every *.xml file of dir into a new set (one reference), after
 * validating each against the RELAX NG schema at schema_path (NULL:
 * $KEFU_FLOW_SCHEMA, dir/flow.rng, else KEFU_DATADIR/flows/flow.rng).
 * Structural errors (duplicate ids, unknown targets, unknown flows) are
 * found here too.

 * On error returns -1 and every problem, one "file:line: message" per
 * line, in *cause.
 */
int flow_set_load(const char *dir, const char *schema_path,
    struct flow_set **out, char **cause);
/* The same for an explicit list of files. */
int flow_set_load_files(const char *const *files, size_t nfiles,
    const char *schema_path, struct flow_set **out, char **cause);
/* Take and drop references (thread-safe); the last unref frees the set. */
struct flow_set *flow_set_ref(struct flow_set *set);
void flow_set_unref(struct flow_set *set);
size_t flow_set_count(const struct flow_set *set);
const char *flow_set_name(const struct flow_set *set, size_t i);
/* 1 when the set has a flow of that name. */
int flow_set_has(const struct flow_set *set, const char *name);

/* ---- static checking (flow/check.c) ---- */

/*
 * Check the set against the mappings and prompts of env (env->map and
 * env->prompts may be NULL to skip those checks) for every language in
 * env->langs.  Appends one "file:line: message\n" per problem to out and
 * returns the number of problems.
 */
int flow_check(const struct flow_set *set, const struct flow_env *env,
    struct strbuf *out);

/* ---- drawing (flow/graph.c) ---- */

/* Graphviz DOT of one flow (name NULL: every flow) into out; -1 unknown. */
int flow_graph(const struct flow_set *set, const char *name,
    struct strbuf *out, char **cause);

/* ---- running a call (flow/run.c) ---- */

enum flow_end {
	FLOW_END_CALLER = 0,    /* the caller hung up */
	FLOW_END_FLOW,          /* a <hangup> or the end of the top flow */
	FLOW_END_ERROR,         /* the interpreter stopped on an error */
	FLOW_END_LOOP,          /* env->max_steps exceeded */
};
const char *flow_end_name(enum flow_end e);

/* One query made during a call, for the call log. */
struct flow_qlog {
	char *mapping;
	char *bound;            /* "code=6901234567892 day=2026-11-22" */
	enum flow_outcome outcome;
	uint64_t at_ms;         /* channel clock when it started */
	unsigned ms;            /* how long it took */
	long nrows;             /* rows it returned; -1 when it got no answer */
};

/* What a call did: its path through the flows, its queries, its end. */
struct flow_record {
	struct strbuf path;     /* "main:top main:price/ask price:lookup ..." */
	struct flow_qlog *queries;
	size_t nqueries;
	enum flow_end end;
	char *reason;           /* why it ended, e.g. "caller hung up in
				   main:top" */
	char *escalated;        /* the last escalation: "too many invalid keys
				   in main:top", or NULL */
	char *lang;             /* language at the end of the call */
	int steps;              /* nodes visited */
};
void flow_record_clear(struct flow_record *rec);
/*
 * 1 when a parameter or variable name (its first len bytes) looks like
 * it holds a secret -- pin, pass, pwd, secret, card, cvv, mima -- whose
 * value must never reach a log or the call log.
 */
int flow_secret(const char *name, size_t len);

struct flow_call_info {
	const char *flow;       /* the flow to start ("main") */
	const char *lang;       /* the line's default language */
	const char *caller;     /* caller id, or NULL */
	const char *line;       /* line name, or NULL */
	const char *call;       /* this call's reference ("L1-1733486400123"),
	                           flow variable "call": what the store keeps
	                           as the call of a consent, order or case */
};

/*
 * Run one call to its end on channel ch.  Takes its own reference on set
 * for the call's duration.  Fills *rec (clear it with
 * flow_record_clear) and returns 0, or -1 when the call could not start
 * (unknown flow) with *cause.  A failing query or a missing prompt never
 * ends the call by itself: flows branch on errors.
 */
int flow_run(struct flow_set *set, const struct flow_env *env,
    const struct flow_call_info *info, const struct flow_chan_ops *ops,
    void *ch, struct flow_record *rec, char **cause);

/* ---- the scripted channel (flow/script.c) ---- */

/*
 * A channel driven by a key script, on a virtual clock, that writes what
 * the caller hears into a transcript.  Script syntax (kefu-flow(5)):
 * keys 0-9 * # A-D are pressed one at a time whenever the flow waits for
 * a key, 300 ms apart; white space separates words and does nothing;
 * "~" lets the flow's current timer run out (silence); "!" before a key
 * presses it during the next prompt (barge-in); "^" hangs up at the next
 * channel operation (during a prompt: mid-prompt).  When the script is
 * used up the caller hangs up at the next wait.
 */
struct flow_script;
struct flow_script *flow_script_new(const char *script);
void flow_script_free(struct flow_script *s);
extern const struct flow_chan_ops flow_script_ops;
/* The transcript so far: "play ID TEXT", "key 1", "timeout", ... lines. */
const char *flow_script_transcript(const struct flow_script *s);
/* Prompt ids heard, space-separated (for compact assertions). */
const char *flow_script_heard(const struct flow_script *s);
/* The same as "LANG:ID": the language each was played in (its voice). */
const char *flow_script_voiced(const struct flow_script *s);


#endif
