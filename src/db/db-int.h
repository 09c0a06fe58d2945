/*
 * db-int.h: the private half of the db subsystem -- the structures of a
 * datasource, its pooled connections and their statement caches, shared
 * by source.c, connect.c, pool.c, outage.c and watchdog.c (a datasource
 * and its pool), exec.c, stmt.c, bind.c and fetch.c (statements), conv.c
 * (values and encodings), sqlscan.c (SQL text) and adapter.c (dialects).
 * Nothing
 * outside src/db/ includes this file.
 */
#ifndef KEFU_DB_INT_H
#define KEFU_DB_INT_H

#include <iconv.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sql.h>
#include <sqlext.h>
#include <string.h>

#include "db/db.h"
#include "util/util.h"

#define DB_STMT_CACHE	16	/* prepared statements kept per connection */

/* Row limiting styles of adapter profiles. */
enum db_limit_style {
	DBL_LIMIT,      /* ... LIMIT n (PostgreSQL, MySQL, SQLite) */
	DBL_TOP,        /* SELECT TOP n ... (SQL Server, Sybase ASE) */
	DBL_FIRST,      /* SELECT FIRST n ... (Informix) */
	DBL_FETCH,      /* ... FETCH FIRST n ROWS ONLY (DB2) */
	DBL_ROWNUM,     /* SELECT * FROM (...) WHERE ROWNUM <= n (Oracle) */
};

/* How a detection pattern compares with SQL_DBMS_NAME. */
enum db_match {
	DBM_EXACT,
	DBM_PREFIX,
	DBM_CONTAINS,
};

struct db_pattern {
	enum db_match match;
	char *text;
};

/* One encoding the profile knows, and what the driver needs for it. */
struct db_adenc {
	char *name;             /* "GBK" */
	char *connect;          /* connection-string options, or NULL */
	char *note;             /* client settings to tell the operator */
};

struct db_adapter {
	char *name;             /* "oracle": the file's name without .xml */
	char *title;            /* "Oracle Database" */
	char *file;             /* where it was loaded from */
	struct db_pattern *dbms;        /* SQL_DBMS_NAME patterns */
	size_t ndbms;
	struct db_pattern *drivers;     /* Driver= patterns (before connect) */
	size_t ndrivers;
	char *probe;            /* liveness statement */
	enum db_limit_style limit;
	char *quote_open;       /* identifier quotes */
	char *quote_close;
	char *date_fmt;         /* "DATE '{Y}-{M}-{D}'" */
	char *timestamp_fmt;
	int backslash_escape;   /* string literals treat \ as an escape */
	char *like_special;     /* characters special in LIKE, or NULL: "%_" */
	int access_mode;        /* SQL_ATTR_ACCESS_MODE read-only works */
	char *ro_on, *ro_off;   /* SQL that makes a session read-only / not */
	char *tx_begin;         /* <transaction begin>: SQL that starts a
				   write transaction (autocommit stays on),
				   or NULL: autocommit off */
	int query_timeout;      /* SQL_ATTR_QUERY_TIMEOUT works */
	char *connect_timeout;  /* connection option template with {s}, or
				   NULL */
	char *network;          /* <network option>: {s}, {q}, {qms}, or NULL */
	int local;              /* <network local="yes">: no network I/O */
	struct db_adenc *encs;
	size_t nencs;
	char **quirks;          /* "name: text" lines (man page, logs) */
	size_t nquirks;
};

struct db_adapters {
	struct db_adapter **v;
	size_t n;
};

/*
 * One parameter bound to a prepared statement.  The buffers stay where
 * they are between executions, so a statement is rebound only when the
 * binding itself (types, size, scale, buffer address) changes.
 */
struct db_pbind {
	SQLLEN ind;
	SQLBIGINT i;
	unsigned char bit;
	DATE_STRUCT d;
	TIMESTAMP_STRUCT ts;
	struct strbuf text;     /* DBV_TEXT, DBV_DECIMAL: bytes as sent */
	/* What is bound now (ctype 0: nothing). */
	SQLSMALLINT ctype, sqltype, scale;
	SQLULEN size;
	const void *buf;
};

/*
 * One result column bound with SQLBindCol (fetch.c, reads only): the
 * driver fills it on SQLFetch, saving a SQLGetData call per column, two
 * rows at a time (so a one-row result needs one SQLFetch: a rowset
 * shorter than the array is the last).  A value that does not fit makes
 * the statement fall back to SQLGetData.
 */
#define DB_CB_TEXT 256
#define DB_CB_ROWS 2            /* rows per SQLFetch
				   (SQL_ATTR_ROW_ARRAY_SIZE) */
struct db_cbind {               /* column-wise: one element per row */
	SQLLEN ind[DB_CB_ROWS];
	char s[DB_CB_ROWS][DB_CB_TEXT]; /* DBV_TEXT, DBV_DECIMAL, DBV_INT */
};

/*
 * A prepared statement kept on its connection, with everything that
 * depends only on its text: marker count, result columns, bindings and
 * the query timeout set on the handle.
 */
struct db_stmt {
	char *sql;              /* the key: SQL text as given to db_run */
	uint64_t hash;          /* db_sql_hash(sql) */
	SQLHSTMT st;
	uint64_t used;          /* LRU clock */
	SQLSMALLINT nparams;    /* SQLNumParams; -1 unknown, -2 unsupported */
	int described;          /* ncols and names are known */
	size_t ncols;
	char **names;           /* converted column names, in nameblob */
	enum db_vtype *types;   /* the type each column suggests */
	char *nameblob;         /* the names one after another, with NULs */
	size_t namebytes;
	struct db_pbind *pb;    /* nparams bindings */
	size_t npb;
	long timeout_s;         /* SQL_ATTR_QUERY_TIMEOUT set on the handle */
	int timeout_ms;         /* the query's timeout it was set for; -1
				   none */
	struct db_cbind *cb;    /* ncols bound columns, or NULL: SQLGetData */
	enum db_vtype *cbtypes; /* the types they were bound for */
	SQLULEN cbfetched;      /* rows the last SQLFetch gave
				   (ROWS_FETCHED_PTR) */
	int nobind;             /* a value did not fit: SQLGetData from now
				   on */
};

/*
 * A piece of work for a connection's own thread (conn.c): run() makes
 * the driver calls; free(), when set, disposes of the job once its
 * caller stopped waiting (the job then holds copies of everything it
 * reads, never the caller's memory).
 */
struct db_job {
	void (*run)(struct db_job *job);
	void (*free)(struct db_job *job);
};

/* One pooled connection. */
struct db_conn {
	SQLHDBC dbc;
	int ci;                 /* index of its connection string */
	int in_use;
	int ro;                 /* access mode currently set: 1 read-only */
	int ro_unsupported;     /* driver refused SQL_ATTR_ACCESS_MODE */
	int broken;             /* drop instead of returning to the pool */
	uint64_t idle_since;    /* now_ms() when released */
	struct db_stmt stmts[DB_STMT_CACHE];
	uint64_t clock;
	iconv_t to_db;          /* UTF-8 -> database encoding, or (iconv_t)-1 */
	iconv_t from_db;        /* database encoding -> UTF-8 */
	int want_ro;            /* access mode the caller asked for */
	int probe_due;          /* idle past idle-check: probe before use */
	int stuck;              /* abandoned by its caller: its slot stays
				   counted in nopen until its thread closes
				   it */

	/* Its own thread (conn.c), for network drivers; guarded by jlock. */
	struct db_source *src;
	int threaded;           /* the thread runs (else: caller's thread) */
	pthread_t thread;
	pthread_mutex_t jlock;
	pthread_cond_t jcond;
	struct db_job *job;     /* handed over */
	int jstate;             /* conn.c's enum conn_state */
	int retire;             /* close the connection and end the thread */
	int quit;               /* end the thread (db_source_close) */
};

/* A statement being executed, watched by the source's watchdog. */
struct db_watch {
	SQLHSTMT st;
	uint64_t deadline;      /* now_ms() */
	int fired;              /* SQLCancel was called */
	struct db_watch *next;
};

struct db_source {
	char *name;
	char **connect;         /* connection strings, primary first */
	size_t nconnect;
	char *adapter_name;     /* configured adapter, or NULL */
	char *encoding;         /* "UTF-8", "GBK"... */
	int utf8;               /* encoding is UTF-8: validate only */
	int pool_size, pool_wait_ms, connect_timeout_ms, query_timeout_ms;
	int pool_min;           /* db_source_warm opens this many */
	int retry_ms, retry_max_ms, idle_check_ms, readonly;
	const struct db_adapters *ads;
	SQLHENV env;

	pthread_mutex_t lock;   /* guards everything below but the atomics */
	pthread_cond_t cond;    /* a connection came back / a connect ended */
	const struct db_adapter *ad;    /* in use: configured or detected */
	int detected;           /* a connection asked SQL_DBMS_NAME */
	struct db_conn **conns; /* pool_size slots, NULL when empty */
	int nopen;              /* slots filled (including connecting) */
	int nbusy;
	int cur;                /* connection string that worked last */
	uint64_t down_until;    /* negative cache: fail at once until then */
	int backoff_ms;         /* next back-off */
	int probing;            /* the prober reconnects in the background */
	int pending;            /* abandoned connect threads, closing or
				   abandoned connections */
	int nstuck;             /* of nopen: abandoned, their thread still
				   in the driver */
	int connecting;         /* connect threads in the driver (some
				   perhaps given up on) */
	int opening;            /* openers running (pool_opener) */
	uint64_t open_fails;    /* openers that failed */
	struct db_err open_err; /* ... the last one's reason */
	int closing;
	uint64_t connects, connect_failures;
	uint64_t stmts_open;    /* statement handles allocated now */
	int up;
	struct db_hist *hist;
	/* Counted on every query's path without the lock. */
	_Atomic uint64_t queries, errors, timeouts;
	_Atomic uint64_t in_tx;          /* statements of transactions */
	/*
	 * Local drivers (SQLite, one writer at a time): this process's
	 * writes and transactions take turns here, recursive for a
	 * transaction's own writes.  A writer kept out of the file by
	 * another waits in the driver's busy handler, which sleeps 10 ms
	 * a try; here it wakes as soon as the other is done.
	 */
	pthread_mutex_t writer;

	pthread_mutex_t wlock;  /* the watchdog's list */
	pthread_cond_t wcond;
	struct db_watch *watches;
	pthread_t watchdog;
	int wstop;
	uint64_t wnext;         /* the watchdog wakes by then at the latest */
};

/*
 * What outage.c keeps per datasource besides struct db_source: the
 * outage bookkeeping.  db_source_open
 * allocates this around it, so a struct db_source pointer is one of
 * these.  Guarded by src->lock.
 */
struct source_priv {
	struct db_source pub;   /* first */
	uint64_t down_ms;       /* now_ms() the outage began; 0: none */
	time_t down_wall;       /* the same, wall clock, for the logs */
	unsigned attempts;      /* failed reconnects in this outage */
};
#define SOURCE_PRIV(s) ((struct source_priv *)(void *)(s))

/*
 * How long a caller waits for the background reconnect after a
 * connection was dropped while the database was believed up: a healthy
 * database answers well within it, a dead one costs the caller no more.
 */
#define SOURCE_GRACE_MS 500

/*
 * Room for the cells' text inside the result's own block (see
 * db_fetch_result_new): a short value is copied there instead of being
 * allocated on its own.
 */
struct db_arena {
	char *p;
	size_t left;
};

/* str_trim() in place: the trimmed text starts at s itself. */
static inline char *
db_trim(char *s)
{
	char *t = str_trim(s);

	if (t != s)
		memmove(s, t, strlen(t) + 1);
	return s;
}

/* source.c */
void db_source_count(struct db_source *src, int ok, int timeout,
    unsigned us);
void db_source_stmts(struct db_source *src, int delta);
void db_source_deadline(struct timespec *ts, uint64_t at_ms);
void db_source_cond_init(pthread_cond_t *c);

/* connect.c */
void db_connect_free(struct db_source *src, struct db_conn *c);
int db_connect(struct db_source *src, int quiet, struct db_conn **out,
    struct db_err *err);
void db_connect_access(struct db_source *src, struct db_conn *c);

/* outage.c */
void db_outage_down(struct db_source *src, uint64_t since_ms,
    const struct db_err *err);
void db_outage_back(struct db_source *src);
void db_outage_backoff(struct db_source *src);
void db_outage_probe(struct db_source *src);
int db_outage_unreachable(struct db_source *src, struct db_err *err,
    uint64_t left);
int db_outage_suspect(struct db_source *src);

/* pool.c */
int db_pool_acquire(struct db_source *src, int readonly, int wait_ms,
    int open_ms, struct db_conn **out, struct db_err *err);
void db_pool_release(struct db_source *src, struct db_conn *c);
void db_pool_abandon(struct db_source *src, struct db_conn *c);
void db_pool_retired(struct db_source *src, struct db_conn *c);
void db_pool_slot_put(struct db_source *src, struct db_conn *c);

/* watchdog.c */
void *db_watchdog_main(void *arg);
void db_watchdog_watch(struct db_source *src, struct db_watch *w);
void db_watchdog_unwatch(struct db_source *src, struct db_watch *w);

/* conn.c */
/* Start c's own thread; 0, or -1 (c then runs on the caller's thread). */
int db_conn_start(struct db_source *src, struct db_conn *c);
/*
 * Run job on c's thread and wait until deadline (UINT64_MAX: no limit):
 * 0 when it ended, -1 when the deadline passed -- then job and c belong
 * to the thread (job->free, then db_pool_retired), c was handed to
 * db_pool_abandon, and the caller touches neither again.  Without a thread the
 * job runs here and 0 is returned.
 */
int db_conn_call(struct db_conn *c, struct db_job *job, uint64_t deadline);
/* Have c's thread close c (db_pool_retired); -1: no thread. */
int db_conn_retire(struct db_conn *c);
/* End c's thread (c stays open); for db_source_close. */
void db_conn_stop(struct db_conn *c);

/* exec.c */
int db_exec_conn_lost(const struct db_err *err);
void db_exec_diag(SQLSMALLINT type, SQLHANDLE h, enum db_errkind kind,
    struct db_err *err, const char *what);
void db_exec_free_stmts(struct db_source *src, struct db_conn *c);
int db_exec_probe(struct db_source *src, struct db_conn *c,
    struct db_err *err);

/* stmt.c */
void db_stmt_unbind(struct db_stmt *s);
void db_stmt_forget(struct db_stmt *s);
struct db_stmt *db_stmt_prepare(struct db_source *src, struct db_conn *c,
    const char *sql, uint64_t hash, size_t trim, uint64_t deadline,
    struct db_err *err);
int db_stmt_describe(struct db_source *src, struct db_conn *c,
    struct db_stmt *s, struct db_err *err);
int db_stmt_nparams(struct db_stmt *s, size_t given, const char *what,
    struct db_err *err);
void db_stmt_timeout(struct db_source *src, struct db_stmt *s, int timeout_ms);

/* bind.c */
int db_bind(struct db_source *src, struct db_conn *c, struct db_stmt *s,
    const struct db_query *q, struct db_err *err);

/* fetch.c */
struct db_result *db_fetch_result_new(const struct db_stmt *s,
    struct db_arena *a);
int db_fetch(struct db_source *src, struct db_conn *c, SQLHSTMT st,
    const struct db_query *q, struct db_result *res, struct db_arena *a,
    struct db_err *err);
int db_fetch_bindcols(struct db_stmt *s, const struct db_query *q);
int db_fetch_bound(struct db_source *src, struct db_conn *c, struct db_stmt *s,
    const struct db_query *q, struct db_result *res, struct db_arena *a,
    struct db_err *err);

/* conv.c */
int db_conv_open(struct db_conn *c, const char *encoding, struct db_err *err);
void db_conv_close(struct db_conn *c);
int db_conv_to_db(struct db_conn *c, int utf8, const char *s, size_t len,
    struct strbuf *out, struct db_err *err);
int db_conv_from_db(struct db_conn *c, int utf8, const char *s, size_t len,
    char **out, struct db_err *err);
int db_conv_stmt(struct db_conn *c, int utf8, const char *s, size_t len,
    struct strbuf *out, struct db_err *err);
int db_conv_utf8_valid(const char *s, size_t len);
int db_conv_decimal(const char *in, char **out);
int db_conv_date(const char *s, int *y, int *m, int *d);
int db_conv_timestamp(const char *s, int *y, int *mo, int *d, int *h,
    int *mi, int *sec);
int db_conv_bool(const char *s, int64_t *out);
int db_conv_int(const char *s, int64_t *out);
void db_err_set(struct db_err *err, enum db_errkind kind, const char *fmt,
    ...) KF_PRINTF(3, 4);

/* sqlscan.c */
/* writes: 0 a query, 1 anything, 2 a call of a procedure that reads. */
int db_sqlscan_check(const char *sql, int writes, char **why);
char **db_sqlscan_split(const char *script, size_t *n);
const char *db_sqlscan_main_select(const char *sql, int after_distinct);
size_t db_sqlscan_trim_end(const char *sql);

#endif
