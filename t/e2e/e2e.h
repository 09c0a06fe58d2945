/*
 * e2e.h: the shared set-up of the end-to-end tests -- one simulated voice
 * modem (t/sim), a kefu.conf with one modem line on it, the service
 * (flows, mappings, prompts, say-rules), a SQLite local store and demo
 * catalog, and the line thread -- plus helpers that place calls and
 * compare what the caller heard with prompts rendered by svc_render.
 *
 * The helpers report problems with tap_diag() and return 0 / -1; the
 * test files make the ok() calls (tap.h keeps its counters per file).
 */
#ifndef KEFU_E2E_H
#define KEFU_E2E_H

#include <stddef.h>
#include <stdint.h>

#include "svc/svc.h"
#include "../sim/modemsim.h"

struct line;

struct e2e {
	char dir[200];          /* this set-up's folder: conf, databases */
	const char *family;     /* "conexant", "usr", for test names */
	struct msim *sim;
	struct conf *conf;
	struct svc *svc;
	struct line *ln;
	size_t base;            /* index of the current call's first segment */
};

/* How the heard audio of a segment must compare with the prompts. */
enum e2e_cmp {
	E2E_WHOLE,              /* exactly the rendered prompts */
	E2E_CUT,                /* a proper, non-empty start of them */
};

/* Point KEFU_MAPPING_SCHEMA at the source tree; open the log (stderr). */
void e2e_init(void);
/*
 * The simulator plays at once (fast mode); the line driver paces its
 * playback by its own clock, KEFU_MODEM_SPEED times real time (1 unless
 * set).  A test whose checks hold at a faster pace of the prompts sets
 * it to E2E_SPEED before e2e_init, unless already set
 * (KEFU_MODEM_SPEED=1 plays in real time).  Its timing checks (hang-up
 * detection, time-outs) stay in real time.  (Tests that press keys at
 * bytes of a segment while checking the one before race with the
 * faster prompts: they stay in real time.)
 */
#define E2E_SPEED "4"
/*
 * A test's main: e2e_init, then fn once per modem family (Conexant,
 * USRobotics) with a scratch folder base (/tmp/kefu-TAG-PID) that is
 * removed afterwards (skips all without KEFU_SRCDIR).  The test then
 * returns tap_done() itself (tap.h counts per file).
 */
typedef void (e2e_family_h)(enum msim_family fam, const char *family,
    const char *base);
void e2e_families(const char *tag, e2e_family_h *fn);
/*
 * A test's main for scenarios run side by side: e2e_init, then each of
 * the n scenarios in a child process of its own, run(i, dir) with a
 * folder dir under /tmp/kefu-TAG-PID (its standard output to dir/tap,
 * standard error to dir/log; run exits with tap_done()).  Then each
 * child's checks, in order, through check(pass, "NAME: what") (tap.h
 * counts per file: check calls the test's own ok), one more for the
 * child's exit, and its log as diagnostics when anything failed (or
 * E2E_DEBUG is set).  With E2E_ONLY set, only the scenarios whose name
 * it contains run.  Returns -1 after a "Bail out!", else 0.
 */
typedef void (e2e_job_h)(size_t i, const char *dir);
typedef void (e2e_check_h)(int pass, const char *what);
int e2e_jobs(const char *tag, const char *const *names, size_t n,
    e2e_job_h *run, e2e_check_h *check);
/*
 * Scenarios run side by side, the usual way (e2e_scenarios): each on a
 * set-up of its own (e2e_open) on one modem family, its steps run once
 * the line is idle.
 */
typedef void (e2e_step_h)(struct e2e *e);
struct e2e_scenario {
	const char *name;       /* its checks are "NAME: what" */
	enum msim_family fam;
	e2e_step_h *fn[3];      /* its steps, in order (NULL: no more) */
	int own_flows;          /* 1: on the flows the runner's flows makes */
};
struct e2e_runner {
	const char *tag;        /* its folder is /tmp/kefu-TAG-PID */
	e2e_check_h *check;     /* the test's ok(pass, "%s", what) */
	int (*done)(void);      /* the test's tap_done */
	/* own_flows: a flows folder made in dir (malloc'd), NULL: failed */
	char *(*flows)(const char *dir);
	/* NULL, or the conf changed once open (read at each query) */
	void (*setup)(struct e2e *e);
};
/*
 * e2e_jobs over the n scenarios: in each child, under alarm(240), its
 * flows, e2e_open, setup, the check "NAME: FAMILY: modem, service,
 * store, catalog and line up; line idle", its steps when the line is
 * idle, e2e_close, then exit(done()).  e2e_jobs's returns.
 */
int e2e_scenarios(const struct e2e_runner *r, const struct e2e_scenario *sc,
    size_t n);
/*
 * Start the simulator (fast mode), write kefu.conf into dir (made here),
 * open the service on the flows in flows_dir (NULL: the shipped flows),
 * build the local store and the demo catalog, start the line and wait
 * until it is idle.  0, or -1 after tap_diag (e2e_close() either way).
 */
int e2e_open(struct e2e *e, enum msim_family fam, const char *dir,
    const char *flows_dir);
void e2e_close(struct e2e *e);

/* Wait until the line is idle again; 0, or -1 on time-out. */
int e2e_wait_idle(struct e2e *e, unsigned ms);
/* Ring 3 times with caller ID number (NULL: none); 0 once answered. */
int e2e_ring(struct e2e *e, const char *number);
/*
 * Wait until the caller's side is on hook and the line idle.  kefu
 * writes the call log once on hook, before the line is idle again
 * (svc_line_call), so once this returns 0 the call's call_log and
 * call_queries rows are there: no sleep is needed before asserting them.
 */
int e2e_wait_end(struct e2e *e, unsigned ms);

/* Segment seg of the current call (0: its first prompt) has started. */
int e2e_wait_seg(struct e2e *e, size_t seg, unsigned ms);
/* Press keys once segment seg has played nbytes (waits for its start). */
int e2e_key_at(struct e2e *e, size_t seg, const char *keys, size_t nbytes);
/* The caller hangs up (how) once segment seg has played nbytes. */
int e2e_hangup_at(struct e2e *e, size_t seg, enum msim_hangup how,
    size_t nbytes);

/* Append space-separated prompt ids (no text) to ps. */
void e2e_ids(struct flow_prompts *ps, const char *ids);
/* Append the prompts that say value as `as` in lang (the say-rules). */
int e2e_say(struct e2e *e, struct flow_prompts *ps, const char *lang,
    const char *as, const char *value, const char *unit);
/* Render prompts as the line plays them. */
int e2e_render(struct e2e *e, const char *lang, const struct flow_prompt *p,
    size_t n, uint8_t **buf, size_t *len);
/*
 * Wait (up to ms) until segment seg has ended and compare its heard
 * audio with ps rendered in lang.  0 when it matches per how; -1 after
 * tap_diag saying what differs.  *heard (may be NULL) gets the heard
 * length.
 */
int e2e_seg(struct e2e *e, size_t seg, unsigned ms, const char *lang,
    const struct flow_prompts *ps, enum e2e_cmp how, size_t *heard);

/*
 * e2e_seg in zh-CN, waiting up to E2E_SEG_MS: with the space-separated
 * prompt ids in ids (e2e_seg_ids), or whole with ps, then cleared
 * (e2e_seg_is).
 */
#define E2E_SEG_MS 40000
#define E2E_BYTES_S 8000        /* both families: 8-bit samples at 8000/s */
int e2e_seg_ids(struct e2e *e, size_t seg, const char *ids,
    enum e2e_cmp how);
int e2e_seg_is(struct e2e *e, size_t seg, struct flow_prompts *ps);
/* Keys typed during segment seg, once half a second of it played. */
int e2e_keys(struct e2e *e, size_t seg, const char *keys);
/*
 * The caller hangs up half a second into segment seg, which must be the
 * start of the prompts in ids; kefu goes back to idle.
 */
int e2e_leave(struct e2e *e, size_t seg, const char *ids);

/*
 * Run a query with at most one text parameter on the local store; the
 * first column of the first row as an integer (-1 on error or no row),
 * or as a malloc'd string (NULL for none or SQL NULL).
 */
int64_t e2e_count(struct e2e *e, const char *sql, const char *arg);
char *e2e_text(struct e2e *e, const char *sql, const char *arg);
/* Run a statement that writes on datasource source; 0 or -1. */
int e2e_exec(struct e2e *e, const char *source, const char *sql);
/* The id of the newest call_log row of this line (-1: none). */
int64_t e2e_last_call(struct e2e *e);
/* A column of the newest call_log row of this line, malloc'd or NULL. */
char *e2e_last_col(struct e2e *e, const char *col);
/*
 * The call_queries rows of the newest call, in order, as
 * "mapping(params)=kind;..." (kind "ok" or the error kind), each
 * followed by "/ROWS" (the row count, "-" for none) when nrows is set;
 * malloc'd.
 */
char *e2e_last_queries(struct e2e *e, int nrows);

/* Run a mapping through the flow adapter (what a <query> gets). */
enum flow_outcome e2e_map(struct e2e *e, const char *name,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows);
/* The value of column var in row i of rows, or NULL. */
const char *e2e_col(const struct flow_rows *rows, size_t i, const char *var);

#endif
