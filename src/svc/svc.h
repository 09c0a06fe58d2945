/*
 * call: the service that joins the subsystems into calls.  It owns what
 * kefud and `kefu call` share: the datasources (pools live as long as
 * the process), the reloadable set of mappings, prompts (with their
 * audio cache), say-rules and flows (built whole, checked, then swapped
 * in; calls in progress keep the set they started with), the adapters
 * that let the flow interpreter reach those subsystems, the call channel
 * over a phone line, and the call log.
 *
 * This is the one place where flow, map, say, audio, line and store meet
 * (STYLE.md: "flow alone joins lines, audio, mappings, store").
 */
#ifndef KEFU_SVC_H
#define KEFU_SVC_H

#include <sys/types.h>

#include <pthread.h>
#include <stddef.h>

#include "conf/conf.h"
#include "flow/flow.h"
#include "util/util.h"

struct line;
struct line_call;
struct map_set;
struct audio_cache;
struct say_rules;
struct db_source;
struct store_member_policy;
struct audio_fmt;
struct audio_speaker;

/* Everything a call needs that a reload replaces; immutable once built. */
struct svc_set {
	unsigned gen;                   /* 1 for the first set, +1 per reload */
	struct map_set *maps;
	struct audio_cache *audio;      /* owns the prompt catalogs */
	struct audio_speaker *speak;    /* free text (product names) by
					   espeak-ng */

	struct say_rules **say;         /* one per language, in langs order */
	char **langs;                   /* configured languages */
	size_t nlangs;
	struct flow_set *flows;
	struct flow_env env;            /* the interpreter's view of this set */
	int refs;                       /* guarded by svc->mtx */
	struct svc *svc;
};

struct svc {
	const struct conf *conf;        /* not owned; outlives the service */
	struct db_adapters *ads;
	struct map_pools *pools;        /* one db_source per [datasource] */
	pthread_mutex_t mtx;            /* guards cur and every set's refs */
	struct svc_set *cur;            /* what new calls use */
	unsigned gen;
	unsigned long calls;            /* calls run since start */
};

/* Load flags. */
#define SVC_NOFLOWS 0x1         /* mappings, prompts and say-rules only */

/*
 * Open the datasources (lazily: a database that is down does not stop
 * this) and load a first set.  On error -1 with every problem found
 * ("file:line: reason" lines) in *cause.
 */
int svc_open(const struct conf *conf, int flags, struct svc **out,
    char **cause);
void svc_close(struct svc *svc);
/* Take a reference on the current set (for one call). */
struct svc_set *svc_acquire(struct svc *svc);
void svc_release(struct svc_set *set);
/*
 * Build a new set from the files on disk, check it, and make it current.
 * A set that fails to load or check is refused: -1 with the reasons in
 * *cause, and the current set stays.
 */
int svc_reload(struct svc *svc, char **cause);
/*
 * Static checks of a set: flows against mappings and prompts in every
 * language, say-rules against the catalogs.  Appends one line per
 * problem to out and returns their count.  Missing audio (which falls
 * back) is appended to warn when warn is not NULL.
 */
int svc_check(struct svc_set *set, struct strbuf *out, struct strbuf *warn);
/*
 * Convert every catalog prompt of every language into fmt now, into the
 * set's shared cache, so that no caller waits for a conversion (kefud
 * calls it for each line format once the line is open, and again after
 * a reload).  Logs one line (clips, kB, ms); returns the clips held in
 * fmt.  Slow (decoding, resampling): not on a line's thread.
 */
size_t svc_preload(struct svc_set *set, const struct audio_fmt *fmt);
/*
 * The audio of a sequence of prompts in fmt, as one malloc'd buffer:
 * each prompt as audio_sound (audio.h) decides: a recorded clip, a
 * generated clip, live speech by espeak-ng (free text, prompt id "text",
 * e.g. a product name), or a beep.
 */
int svc_render(struct svc_set *set, const char *lang,
    const struct flow_prompt *p, size_t n, const struct audio_fmt *fmt,
    uint8_t **out, size_t *len, char **cause);
/*
 * The same as a stream for a line to play while it is being made: texts
 * are queued for speech at open, and read returns up to max bytes,
 * waiting at most wait_ms for some: the bytes, 0 at the end, -1 when
 * none came in time (the line keeps listening and asks again).
 */
struct svc_stream;
struct svc_stream *svc_stream_open(struct svc_set *set, const char *lang,
    const struct flow_prompt *p, size_t n, const struct audio_fmt *fmt);
ssize_t svc_stream_read(void *st, void *buf, size_t max, int wait_ms);
void svc_stream_close(struct svc_stream *st);
/*
 * svc-campaign.c: today's specials through mapping as one line of text
 * ("鸡蛋 500g 5.99元；..."; malloc'd), or NULL with *cause (no such
 * mapping, no specials today, the mapping's error).
 */
char *svc_campaign_specials(const struct map_set *set, const char *mapping,
    char **cause);
/* msg/'s hooks (specials, segment mappings, points) over set. */
struct msg_hooks;
void svc_campaign_hooks(struct msg_hooks *h, const struct map_set *set);

/* ---- kefu's own services, asked from flows as mappings (builtin.c) ---- */

#define SVC_BUILTIN_PREFIX "kefu."

/*
 * One built-in service: a flow runs it with <query mapping="kefu.…">.
 * run gets the parameters the flow bound (every non-optional one is
 * there), appends rows with svc_builtin_row (rows' columns are already
 * set up from outs) and returns the outcome the flow branches on:
 * FLOW_Q_FOUND / EMPTY / INVALID (the caller typed something wrong,
 * *cause says what, for the log) / ERROR / DOWN (the store is not
 * there).  It runs on the caller's line thread: it must not wait long.
 * Never put a PIN in *cause or a log line.
 */
struct svc_builtin {
	const char *name;               /* "kefu.member.identify" */
	const char *what;               /* one line for `kefu flow check` */
	size_t nparams;
	struct {
		const char *name;
		enum flow_type type;    /* FLOW_T_DIGITS, _TEXT...: a
					   misspelt one does not compile */
		int optional;
	} params[8];
	size_t nouts;
	struct {
		const char *var;        /* the flow variable it sets */
		enum flow_type type;
	} outs[8];
	int many;                       /* rows="many": for <foreach> */
	enum flow_outcome (*run)(struct svc *svc, const struct svc_builtin *b,
	    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
	    char **cause);
};

/*
 * svc-case.c: kefu.case.* (cases: complaints, suggestions, after-sales).
 * The count is checked against the table by the compiler.
 */
#define SVC_BUILTINS_CASE_COUNT 2
extern const struct svc_builtin svc_builtins_case[SVC_BUILTINS_CASE_COUNT];

/* svc-visit.c: kefu.visit.* (after-sales: home visits, remote help). */
#define SVC_BUILTINS_VISIT 8
extern const struct svc_builtin svc_builtins_visit[SVC_BUILTINS_VISIT];

/* The service of that name, or NULL (a name without "kefu." too). */
const struct svc_builtin *svc_builtin_find(const char *name);
/* Up to max services into out; returns how many there are. */
size_t svc_builtin_list(const struct svc_builtin **out, size_t max);
/* What the flow checker needs to know of b. */
void svc_builtin_describe(const struct svc_builtin *b,
    struct flow_mapinfo *info);
/* Check the parameters and run b (rows cleared and set up first). */
enum flow_outcome svc_builtin_run(struct svc *svc,
    const struct svc_builtin *b, const struct flow_kv *in, size_t nin,
    struct flow_rows *rows, char **cause);
/* The value bound to parameter name, or NULL. */
const char *svc_builtin_arg(const struct flow_kv *in, size_t nin,
    const char *name);
/* Append one row of b->nouts values (copied; NULL is SQL NULL). */
void svc_builtin_row(const struct svc_builtin *b, struct flow_rows *rows,
    const char *const *values);
/* The local store ([store] datasource), or NULL with *cause (DOWN). */
struct db_source *svc_builtin_store(struct svc *svc, char **cause);
/* The PIN rules of kefu.conf [store]. */
void svc_builtin_policy(const struct svc *svc,
    struct store_member_policy *pol);
/*
 * A PIN check (res: an enum store_pin_result) that did not let who
 * ("member 1000001") in: a wrong PIN
 * with tries left is INVALID, one that locked or a lock already there is
 * EMPTY (lift: the command that lifts it); *cause says which, never the
 * PIN.  Other results are ERROR.
 */
enum flow_outcome svc_builtin_pin_refused(int res, int left,
    const char *who, const char *lift, char **cause);

/* The services of the members (svc-member.c). */
#define SVC_BUILTINS_MEMBER 6
extern const struct svc_builtin svc_builtins_member[SVC_BUILTINS_MEMBER];
/* svc-order.c: kefu.order.* (phone ordering). */
extern const struct svc_builtin svc_builtins_order[8];
extern const size_t svc_builtins_order_count;
/* svc-staff.c: kefu.staff.* (staff who phone in). */
#define SVC_BUILTINS_STAFF 4
extern const struct svc_builtin svc_builtins_staff[SVC_BUILTINS_STAFF];
/* svc-notice.c: kefu.notice.* (the store's own notices). */
#define SVC_BUILTINS_NOTICE 2
extern const struct svc_builtin svc_builtins_notice[SVC_BUILTINS_NOTICE];

/* The db_source of a datasource, or NULL. */
struct db_source *svc_source(struct svc *svc, const char *name);
/* The say-rules of a language, or NULL. */
const struct say_rules *svc_say(const struct svc_set *set, const char *lang);

/*
 * Run the configured flow for an answered call on a phone line; the call
 * log is written once the line is on hook again (call->end_h), before it
 * takes the next call.  Meant as the line's call handler: arg is the svc.
 */
void svc_line_call(struct line *ln, struct line_call *call, void *arg);

/*
 * Write one call to the local store's call log (call_log and
 * call_queries, in one transaction: all or none; store_calllog_add).
 * Failures are logged, never fatal: a call is never lost because the
 * store is down (the log line keeps the facts).  started is the wall
 * clock read once when the call began, the reading its call reference
 * (flow variable call) was made of.
 */
int svc_log_call(struct svc *svc, const char *line, const char *caller,
    const char *flow, time_t started, uint64_t duration_ms,
    const struct flow_record *rec, char **cause);
/*
 * "code=690... pin=1234" -> "code=690... pin=***": the bound parameters
 * of a query with every secret value (flow_secret) hidden, for the call
 * log and the CLI transcript (calllog.c; malloc'd).
 */
char *calllog_redact(const char *bound);

#endif
