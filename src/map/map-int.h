/*
 * map-int.h: what the files of map/ share and nobody else sees -- the
 * loaded form of a mapping and of a set, and the SQL scanner.
 */
#ifndef KEFU_MAP_INT_H
#define KEFU_MAP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <regex.h>

#include "map/map.h"

#define MAP_TODAY_LEN 11        /* "YYYY-MM-DD" of default="today" */

/*
 * The text a mapping sends to one adapter (its dialect's variant, with
 * the adapter's row limit when on-many is first/many) and that text's
 * hash, made on the first run and kept (map_exec_prep).
 */
struct map_prep {
	const struct map_sql_info *si;  /* the variant it was made from */
	const struct db_adapter *ad;    /* the adapter it was made for */
	char *limited;                  /* malloc'd text, or NULL: si->bound */
	const char *sql;                /* what is sent */
	uint64_t hash;                  /* db_sql_hash(sql) */
	size_t len;
	int checked;                    /* db_sql_check accepted sql ... */
	size_t trim;                    /* ... with this length to send */
};

struct map {
	struct map_info info;           /* first: what map_info() returns */
	struct map_param_info *params;
	regex_t *regex;                 /* per param; compiled when pattern
					   set */
	struct map_sql_info *sql;
	struct map_column_info *columns;
	enum db_vtype *coltypes;        /* columns[i].type, for db_query */
	struct db_source *src;          /* from the loader's source callback */
	/* statistics, updated with relaxed atomics (map_stats_add) */
	struct db_hist *hist;
	_Atomic uint64_t runs;          /* counted lock-free on every run */
	_Atomic uint64_t outcomes[MAP_NOUTCOMES];
	struct map_prep *_Atomic prep;  /* set once by map_exec_prep */
	int like;                       /* a parameter has match= */
	void **owned;                   /* blocks to free with the mapping */
	size_t nowned;
};

struct map_set {
	struct map **maps;              /* sorted by name */
	size_t n;
};

/*
 * sql.c: compile one <sql> text.  Placeholders :name (outside quotes and
 * comments, not "::") become '?'; names[] gets each placeholder's name in
 * order.  With writes == 0, anything but one query is refused; with
 * writes == 2, anything but one call of a procedure (CALL, EXEC).  Errors
 * name the line within the text (0-based offset added to the caller's).
 */
struct map_sql_scan {
	char *bound;            /* the text with '?' markers */
	char **names;           /* placeholder names, in marker order */
	int *lines;             /* 0-based line of each in the text */
	size_t *offs;           /* byte offset of each '?' in bound */
	unsigned char *likes;   /* 1: the placeholder follows LIKE or ILIKE */
	size_t nnames;
};
int map_sql_compile(const char *text, int writes, struct map_sql_scan *out,
    int *errline, char **cause);
void map_sql_scan_free(struct map_sql_scan *sc);

/* param.c: type names (NULL-terminated, in enum map_ptype order). */
extern const char *const map_param_types[];
/* param.c: match= names (NULL-terminated, in enum map_match order). */
extern const char *const map_param_matches[];
/*
 * param.c: value v as a literal LIKE pattern for match (escaping each
 * character of special, and DB_LIKE_ESCAPE itself) into out, which holds
 * 2 * strlen(v) + 3 bytes.  Returns out.
 */
char *map_param_like(const char *v, enum map_match match,
    const char *special, char *out);
/* param.c: canonical text of a checked decimal; compare two of them. */
char *map_param_decimal(const char *s);
int map_param_int(const char *s, long long *out, const char **end);
int map_param_deccmp(const char *a, const char *b);

/* map.c */
struct map *map_new(void);
void map_free(struct map *m);
void map_stats_add(const struct map *m, enum map_outcome o, unsigned us);
/* Keep p until the mapping is freed; returns p. */
void *map_own(struct map *m, void *p);

#endif
