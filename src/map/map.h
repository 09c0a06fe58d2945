/*
 * map: the mapping engine.  A mapping file (mappings/ **.xml, format in
 * kefu-mapping(5), schema mappings/mapping.rng) names one SQL statement,
 * the typed parameters it takes from a call flow and the typed flow
 * variables it gives back.  This subsystem owns loading and checking
 * those files into an immutable set, validating caller input before any
 * database is touched, turning named placeholders (:code) into bound
 * parameters, choosing the statement of the datasource's dialect, typing
 * the result and deciding the outcome a flow branches on, and per-mapping
 * statistics.
 *
 * It must not open connections or speak ODBC itself (that is db/), nor
 * know about calls, lines or prompts (that is flow/).  Depends on util,
 * conf and db.
 *
 * Threads: a loaded struct map_set is immutable and may be used by any
 * number of threads at once; the only mutable part, each mapping's
 * statistics, sits behind one mutex per mapping.  A reload builds a new
 * set and swaps a pointer; calls in progress keep the old set until they
 * drop it (map_set_free after the last user).
 */
#ifndef KEFU_MAP_H
#define KEFU_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "db/db.h"

/* What running a mapping gave; a flow branches on it. */
enum map_outcome {
	MAP_FOUND = 0,  /* rows found; vars hold the first row */
	MAP_EMPTY,      /* no row (on-empty="empty") */
	MAP_MANY,       /* more rows than allowed, on-many="many" */
	MAP_INVALID,    /* an input failed its checks; no database touched */
	MAP_ERROR,      /* SQL refused, conversion failed, row count wrong */
	MAP_TIMEOUT,    /* the statement ran past its timeout */
	MAP_DOWN,       /* database unreachable or no free connection */
};
#define MAP_NOUTCOMES 7

/* Why an input was refused (with MAP_INVALID). */
enum map_reason {
	MAPR_NONE = 0,
	MAPR_MISSING,           /* "missing": no value and not optional */
	MAPR_TOO_SHORT,         /* "too-short": fewer characters than min */
	MAPR_TOO_LONG,          /* "too-long": more characters than max */
	MAPR_NOT_DIGITS,        /* "not-digits": type digits, other chars */
	MAPR_NOT_INTEGER,       /* "not-integer" (also beyond 64 bits) */
	MAPR_NOT_DECIMAL,       /* "not-decimal" */
	MAPR_NOT_DATE,          /* "not-date": not YYYY-MM-DD or no such day */
	MAPR_RANGE,             /* "out-of-range": below min or above max */
	MAPR_NO_MATCH,          /* "no-match": the pattern did not match */
	MAPR_CHECK_DIGIT,       /* "bad-check-digit": EAN/UPC check digit */
	MAPR_BAD_LENGTH,        /* "bad-length": no barcode that long */
	MAPR_BAD_TEXT,          /* "bad-text": not UTF-8, or controls */
};

/* Parameter types (the type attribute of <param>). */
enum map_ptype {
	MAPP_DIGITS,    /* ASCII digits, bound as text (leading zeros kept) */
	MAPP_TEXT,      /* UTF-8 text */
	MAPP_INTEGER,   /* 64-bit signed integer */
	MAPP_DECIMAL,   /* exact decimal, bound as canonical text */
	MAPP_DATE,      /* YYYY-MM-DD */
};

/* Barcode check (the check attribute of <param>). */
enum map_check {
	MAPC_NONE,
	MAPC_EAN13,
	MAPC_EAN8,
	MAPC_UPCA,
	MAPC_GTIN,      /* any of EAN-8, UPC-A, EAN-13, GTIN-14, by length */
};

/*
 * How a text parameter placed right after LIKE matches (match=): its
 * value is made literal -- the DBMS's wildcards escaped with '!', and
 * "ESCAPE '!'" written after the marker -- and '%' added around it.
 */
enum map_match {
	MAPM_EXACT = 0, /* the value as given, wildcards and all (no match=) */
	MAPM_PREFIX,    /* starts with the value: esc(v) || '%' */
	MAPM_CONTAINS,  /* holds the value: '%' || esc(v) || '%' */
	MAPM_SUFFIX,    /* ends with the value: '%' || esc(v) */
};

/* How many rows a mapping's result holds (<result rows=...>). */
enum map_rows {
	MAPROWS_NONE,   /* no result set: a write */
	MAPROWS_ONE,
	MAPROWS_MANY,
};

enum map_on_empty { MAP_ON_EMPTY_EMPTY, MAP_ON_EMPTY_ERROR };
enum map_on_many { MAP_ON_MANY_ERROR, MAP_ON_MANY_FIRST, MAP_ON_MANY_MANY };

/* One declared parameter, as loaded (read-only). */
struct map_param_info {
	const char *name;       /* flow variable read; placeholder :name */
	enum map_ptype type;
	int optional;           /* 1: missing (or empty non-text) binds NULL */
	int today;              /* 1: missing or empty binds kefu's local
				   date (default="today") */
	size_t min_len;         /* characters; 0: no bound */
	size_t max_len;         /* characters; 0: no bound */
	const char *pattern;    /* POSIX ERE the whole value matches, or NULL */
	enum map_check check;
	const char *min;        /* integer/decimal lower bound, or NULL */
	const char *max;        /* upper bound, or NULL */
	enum map_match match;   /* match=; not MAPM_EXACT: bound as a literal
				   LIKE pattern */
	int line;               /* line of <param> */
	const void *re_;        /* private: the compiled pattern (regex_t) */
};

/* One declared result column, in the order the statement returns them. */
struct map_column_info {
	const char *name;       /* the column's name, as the database says */
	const char *var;        /* the flow variable set (default: name) */
	enum db_vtype type;     /* DBV_TEXT, DBV_INT, DBV_DECIMAL, DBV_DATE,
				   DBV_TIMESTAMP, DBV_BOOL */
};

/* One SQL variant (<sql> or <sql dialect="...">), compiled. */
struct map_sql_info {
	const char *dialect;    /* adapter name, NULL for the default variant */
	const char *text;       /* as written, with :name placeholders */
	const char *bound;      /* as sent: placeholders replaced by '?' */
	const size_t *markers;  /* per '?', the index into params[] */
	size_t nmarkers;
	int line;               /* line of <sql> */
};

/* Everything known about a mapping, for listings and static checks. */
struct map_info {
	const char *name;
	const char *datasource;         /* [datasource NAME] of kefu.conf */
	const char *description;        /* "" when absent */
	const char *file;               /* the file it came from */
	int line;                       /* line of <mapping> */
	int writes;                     /* writes="yes" */
	int procedure;                  /* procedure="yes": the SQL calls a
					   stored procedure that returns rows
					   and only reads (CALL, EXEC) */
	int timeout_ms;                 /* 0: the datasource's query-timeout */
	const struct map_param_info *params;
	size_t nparams;
	const struct map_sql_info *sql; /* sql[0] is the default variant */
	size_t nsql;
	enum map_rows rows;
	size_t max_rows;                /* 1: rows="one"; max-rows: "many" */
	enum map_on_empty on_empty;
	enum map_on_many on_many;
	const struct map_column_info *columns;
	size_t ncolumns;
};

struct map;
struct map_set;

/*
 * Find the db_source that serves a datasource name, or NULL.  Given to
 * map_load so that the set can run mappings; every program passes
 * map_pools_source() (pools.c) with the pools it opened.
 */
typedef struct db_source *(*map_source_h)(void *arg, const char *name);

struct map_load_cfg {
	const char *path;       /* a folder (its **.xml) or one file */
	const struct conf *conf;/* datasources that exist; NULL: do not check */
	const char *schema;     /* mapping.rng; NULL: map_schema_path */
	map_source_h source;    /* NULL: the set can be checked but not run */
	void *arg;              /* for source */
};

/*
 * Load, validate and check every mapping file.  On failure returns -1
 * and *cause holds every problem found, one "file:line: reason" per
 * line; nothing is kept.  On success *out is a new immutable set (which
 * may be empty).
 */
int map_load(const struct map_load_cfg *cfg, struct map_set **out,
    char **cause);
void map_set_free(struct map_set *set);
/*
 * Where mapping.rng is looked for when cfg->schema is NULL:
 * $KEFU_MAPPING_SCHEMA, KEFU_DATADIR/mappings/mapping.rng, then
 * mapping.rng in the mappings folder itself.  NULL when none exists.
 */
const char *map_schema_path(const char *mappings_dir);

/* The set in name order. */
size_t map_count(const struct map_set *set);
const struct map *map_at(const struct map_set *set, size_t i);
const struct map *map_find(const struct map_set *set, const char *name);
const struct map_info *map_info(const struct map *m);
/* The db_source the set was given for this mapping's datasource, or NULL. */
struct db_source *map_source(const struct map *m);
/* The variant used on an adapter (by name; NULL: the default one). */
const struct map_sql_info *map_sql_for(const struct map *m,
    const char *adapter);

/* One input variable, name=value, as typed by a caller or set in a flow. */
struct map_var {
	const char *name;
	const char *value;      /* UTF-8; NULL counts as missing */
};

/* One output variable: the value of a column in the first row. */
struct map_out {
	const char *name;               /* the column's var; owned by the set */
	const struct db_value *v;       /* into rows; owned by the result */
};

/*
 * The result of running a mapping; map_res_free releases it.  It owns
 * what it points to (nothing points into itself): a copy moves it, and
 * only one of the two is freed.
 */
struct map_res {
	enum map_outcome outcome;
	enum map_reason reason;         /* with MAP_INVALID, else MAPR_NONE */
	const char *param;              /* MAP_INVALID: the parameter's name */
	char error[512];                /* human text but found/empty/many */
	const struct map_out *vars;     /* found/many: the first row */
	size_t nvars;
	const struct db_value *rows;    /* nrows * ncols, row-major */
	size_t nrows;                   /* rows kept (at most max_rows) */
	size_t ncols;                   /* == map_info()->ncolumns */
	int64_t affected;               /* rows="none": rows changed, else -1 */
	unsigned elapsed_us;            /* validation + database, wall clock */
	const char *sql;                /* the statement sent, NULL before */
	const struct map_sql_info *si; /* the variant bound (sql may add a
					   row limit to it), NULL before */
	const struct db_param *params;  /* bound values, one per '?' */
	size_t nparams;
	struct db_err dberr;            /* the db layer's error, or DBE_NONE */
	/* private */
	struct db_result *db_;
	struct map_out *vars_;          /* malloc'd */
	struct db_param *params_;       /* malloc'd */
	char *buf_;
	char *sql_;
};
#define MAP_ROW(r, row, col) (&(r)->rows[(row) * (r)->ncols + (col)])
void map_res_free(struct map_res *res);

/*
 * Run a mapping: check the inputs (those not named by a parameter are
 * ignored), bind them, run the statement on the mapping's datasource
 * and type the result.  Always fills *res (call map_res_free afterwards)
 * and returns res->outcome.  Thread-safe.
 */
enum map_outcome map_run(const struct map *m, const struct map_var *in,
    size_t nin, struct map_res *res);
/* map_run by name; an unknown name gives MAP_ERROR. */
enum map_outcome map_exec(const struct map_set *set, const char *name,
    const struct map_var *in, size_t nin, struct map_res *res);

/*
 * Only validate inputs and build the parameters (what map_run does before
 * touching a database).  Returns 0, or -1 with res->outcome MAP_INVALID.
 */
int map_bind(const struct map *m, const struct map_var *in, size_t nin,
    const struct map_sql_info *sql, struct map_res *res);

/* Per-mapping counters since the set was loaded. */
struct map_stats {
	uint64_t runs;
	uint64_t outcomes[MAP_NOUTCOMES];       /* runs per outcome */
	uint64_t errors;                        /* error + timeout + down */
	unsigned p50_us;                        /* latency of runs that reached
						   the database */
	unsigned p99_us;
};
void map_stats(const struct map *m, struct map_stats *st);

/* Check one value against one parameter; MAPR_NONE when it passes. */
enum map_reason map_param_check(const struct map_param_info *p,
    const char *value, char *why, size_t whylen);
/* 1 when the digits carry a correct EAN/UPC/GTIN check digit. */
int map_gtin_valid(const char *digits);

/*
 * Compare a statement's described columns with the mapping's: -1 with
 * *cause when the count or a name differs.
 */
int map_check_columns(const struct map *m, const struct db_result *cols,
    char **cause);

const char *map_outcome_name(enum map_outcome o);
const char *map_reason_name(enum map_reason r);  /* "too-short" */
const char *map_reason_text(enum map_reason r);  /* "too short" */
const char *map_ptype_name(enum map_ptype t);

/*
 * pools.c: open a db_source for every [datasource] of a kefu.conf, for the
 * CLI, tests and benchmarks (kefud keeps its own table).
 */
struct map_pools;
int map_pools_open(const struct conf *conf, const struct db_adapters *ads,
    struct map_pools **out, char **cause);
void map_pools_close(struct map_pools *pools);
/* A map_source_h: arg is a struct map_pools. */
struct db_source *map_pools_source(void *arg, const char *name);

#endif
