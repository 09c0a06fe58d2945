/*
 * util: the helpers every subsystem leans on -- memory that aborts on
 * exhaustion, growable strings, monotonic time, the log, and the INI
 * reader behind kefu.conf.  util depends on nothing else in kefu and must
 * never include another subsystem's header.
 *
 * Error convention (STYLE.md): functions return 0 on success and -1 on
 * failure, and when they take a `char **cause` they store there a
 * malloc'd, human-readable message for the caller to show and free.
 */
#ifndef KEFU_UTIL_H
#define KEFU_UTIL_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define KF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KF_NORETURN __attribute__((noreturn))
#else
#define KF_PRINTF(f, a)
#define KF_NORETURN
#endif

/* xmem.c: allocation that never returns NULL (fatal on exhaustion). */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) KF_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) KF_PRINTF(1, 0);

/*
 * Store a formatted message in *cause (when cause is not NULL) and return
 * -1, so that error paths read `return kf_error(cause, "...", ...);`.
 */
int kf_error(char **cause, const char *fmt, ...) KF_PRINTF(2, 3);

/* str.c: growable byte strings, always NUL-terminated. */
struct strbuf {
	char *s;      /* the bytes; NULL until the first append */
	size_t len;   /* bytes used, excluding the terminating NUL */
	size_t cap;   /* bytes allocated */
};
#define STRBUF_INIT { NULL, 0, 0 }
void sb_add(struct strbuf *sb, const void *p, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...) KF_PRINTF(2, 3);
void sb_reset(struct strbuf *sb);
/* Hand the bytes over to the caller ("" when empty); sb is left empty. */
char *sb_steal(struct strbuf *sb);
void sb_free(struct strbuf *sb);
/* The contents, or "" when nothing was added. */
const char *sb_str(const struct strbuf *sb);

/* Strip leading and trailing ASCII white space in place; returns s. */
char *str_trim(char *s);
/* ASCII case-insensitive equality. */
int str_ieq(const char *a, const char *b);
/* 1 when s starts with prefix. */
int str_prefix(const char *s, const char *prefix);
/*
 * Parse a whole decimal integer in [min, max]; 0 on success, -1 with a
 * reason ("not a number", "too large"...) in *errstr otherwise.
 */
int str_tonum(const char *s, long long min, long long max, long long *out,
    const char **errstr);
/* Read a whole file into memory (NUL-terminated); -1 and *cause on error. */
int file_read(const char *path, char **data, size_t *len, char **cause);
/*
 * Write a file durably: write to a temporary file beside it, fsync,
 * rename over the target.  A target that is there and is not a regular
 * file is written in place, never replaced: a device or FIFO
 * (/dev/null, a printer, a pipe) is opened and written; a directory or
 * socket is an error.  -1 and *cause on error.
 */
int file_write_atomic(const char *path, const void *data, size_t len,
    char **cause);

/*
 * csv.c: CSV records (RFC 4180: quoted fields may hold commas, doubled
 * quotes and line breaks; blank lines skipped), each with the line it
 * starts on.  csv_parse: -1 with *line at an unterminated quote.
 * csv_read: a file as UTF-8 text without a BOM, from *enc (UTF-8, GBK or
 * GB18030) or, *enc NULL, from UTF-8 when it is valid UTF-8, else GBK
 * (*enc then says which); an error names the file and line.
 * csv_encoding_ok: 1 for the encodings a CSV file may be in (UTF-8, GBK,
 * GB18030; any case).  csv_conv: len bytes from one encoding to another
 * (malloc'd, NUL-terminated, *outlen bytes before the NUL); -1 with *bad
 * the offset of the first byte that does not convert (0: no such pair).
 */
struct csv_rec {
	int line;
	char **f;
	size_t n;
};
int csv_parse(const char *text, struct csv_rec **out, size_t *n, int *line);
void csv_recs_free(struct csv_rec *r, size_t n);
int csv_read(const char *file, const char **enc, char **text, char **cause);
int csv_encoding_ok(const char *enc);
int csv_conv(const char *to, const char *from, const char *in, size_t len,
    char **out, size_t *outlen, size_t *bad);

/* time.c */
uint64_t now_ms(void);       /* monotonic clock, milliseconds */
uint64_t now_us(void);       /* monotonic clock, microseconds */
void sleep_ms(unsigned ms);

/*
 * log.c: one log for the process, to stderr, a file or syslog.  Messages
 * are single lines written for a support desk: say what happened and what
 * to do.  Never pass a PIN, password or card number to these functions;
 * log_redact() helps with connection strings.
 */
enum log_level {
	KLOG_ERROR = 0,
	KLOG_WARN,
	KLOG_INFO,
	KLOG_DEBUG,
};
/* target: NULL or "-" for stderr, "syslog", or a file path. */
int log_open(const char *ident, const char *target, enum log_level level,
    char **cause);
void log_close(void);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
int log_level_parse(const char *name, enum log_level *out);
void log_warn(const char *fmt, ...) KF_PRINTF(1, 2);   /* + strerror(errno) */

void log_warnx(const char *fmt, ...) KF_PRINTF(1, 2);
void log_error(const char *fmt, ...) KF_PRINTF(1, 2);
void log_info(const char *fmt, ...) KF_PRINTF(1, 2);
void log_debug(const char *fmt, ...) KF_PRINTF(1, 2);
void fatal(const char *fmt, ...) KF_PRINTF(1, 2) KF_NORETURN;   /* + errno */
void fatalx(const char *fmt, ...) KF_PRINTF(1, 2) KF_NORETURN;
/*
 * Copy a connection string with the values of PWD=, PASSWORD= and
 * similar keys replaced by "***".  The result is malloc'd.
 */
char *log_redact(const char *connstr);
/* Capture log lines in memory instead of writing them (tests). */
void log_capture(struct strbuf *sink);

/*
 * priv.c: privileges.  priv_user looks a user up (uid, primary gid),
 * -1 with *cause when there is none.  priv_drop switches a process
 * running as root to user (its groups too, dialout for the modems) for
 * good: 1 when it switched, 0 when there was nothing to do (user NULL,
 * not root, or user is root), -1 with *cause.  priv_nodump turns core
 * dumps off (RLIMIT_CORE 0, PR_SET_DUMPABLE 0) -- a dump would hold
 * database passwords and callers' PINs -- or, with allow, back on
 * (dumpable; the core size limit is left as it is).
 */
int priv_user(const char *user, uid_t *uid, gid_t *gid, char **cause);
int priv_drop(const char *user, char **cause);
void priv_nodump(int allow);

/*
 * ini.c: the INI reader behind kefu.conf.  Sections are `[type]` or
 * `[type name]`; entries are `key = value`; `#` and `;` start comments
 * at the start of a line.  Every section and entry remembers its line,
 * so that errors name file:line.
 */
struct ini_entry {
	char *key;
	char *value;
	int line;
	int used;           /* set by the consumer; unused keys are errors */
};
struct ini_section {
	char *type;         /* "datasource" in [datasource erp] */
	char *name;         /* "erp", or NULL */
	int line;
	struct ini_entry *entries;
	size_t nentries;
};
struct ini {
	char *path;
	struct ini_section *sections;
	size_t nsections;
};
int ini_parse(const char *path, const char *text, struct ini **out,
    char **cause);
int ini_load(const char *path, struct ini **out, char **cause);
void ini_free(struct ini *ini);
/* Find an entry and mark it used; NULL when absent. */
struct ini_entry *ini_get(struct ini_section *sec, const char *key);

/*
 * strmap.c: a string-keyed hash table; keys are not copied and must
 * outlive the map, values are never NULL.  Zero-initialised is empty.
 * Lookups are safe from many threads once nothing is added.
 */
struct strmap_slot {
	const char *key;        /* NULL: empty slot */
	void *value;
};
struct strmap {
	struct strmap_slot *slots;
	size_t cap;             /* a power of two, at least twice n */
	size_t n;
};
#define STRMAP_INIT { NULL, 0, 0 }
/* The value of key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);
/*
 * Add key -> value and return NULL; if key is there, keep it and return its
 * value.
 */
void *strmap_put(struct strmap *m, const char *key, void *value);
void strmap_free(struct strmap *m);

#endif
