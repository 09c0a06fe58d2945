/*
 * db: every database kefu talks to -- the retailer's ERP and kefu's own
 * local store alike -- through unixODBC.  This subsystem owns the adapter
 * profiles (adapters/NAME.xml), one bounded connection pool per
 * [datasource] with liveness checks, reconnect back-off, a negative cache
 * and failover, typed parameter binding and typed fetching, text
 * conversion between the database's encoding and UTF-8, per-statement
 * timeouts, prepared-statement reuse, and latency statistics.
 *
 * It must not know what a mapping, a flow or a call is: callers hand it
 * SQL with '?' markers, typed parameters and the column types they want.
 * Depends on util and conf only.
 *
 * CONTRACT for the other subsystems (map/, store/, cli/): keep these
 * names and meanings; extend rather than change.
 */
#ifndef KEFU_DB_H
#define KEFU_DB_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

/* Value types, shared by parameters and result columns. */
enum db_vtype {
	DBV_TEXT,       /* UTF-8 text in s */
	DBV_INT,        /* 64-bit integer in i */
	DBV_DECIMAL,    /* exact decimal as canonical text in s: "12.50", "-3",
			   never a float */
	DBV_DATE,       /* "YYYY-MM-DD" in s */
	DBV_TIMESTAMP,  /* "YYYY-MM-DD HH:MM:SS" in s */
	DBV_BOOL,       /* 0 or 1 in i */
};

struct db_value {
	enum db_vtype type;
	int null;       /* 1: SQL NULL, which is not the empty string */
	int64_t i;      /* DBV_INT, DBV_BOOL */
	char *s;        /* DBV_TEXT, DBV_DECIMAL, DBV_DATE, DBV_TIMESTAMP
			   (owned) */
};

/* What went wrong, so that a flow can branch on it. */
enum db_errkind {
	DBE_NONE = 0,
	DBE_DOWN,       /* no connection could be made (or negative cache says
			   so) */
	DBE_BUSY,       /* every pooled connection stayed in use for
			   pool-wait */
	DBE_TIMEOUT,    /* the statement ran past query-timeout */
	DBE_SQL,        /* the database refused the statement */
	DBE_CONVERT,    /* a value could not be converted (encoding, type) */
	DBE_TOO_MANY,   /* more rows than max_rows */
	DBE_REFUSED,    /* refused before reaching the database
			   (read-only...) */
};

struct db_err {
	enum db_errkind kind;
	char sqlstate[6];       /* ODBC SQLSTATE when the driver gave one */
	char msg[512];          /* for logs and `kefu map test`; never holds a
				   password */
};

/* One adapter profile (adapters/NAME.xml): the dialect of one DBMS. */
struct db_adapter;
struct db_adapters;

int db_adapters_load(const char *dir, struct db_adapters **out, char **cause);
void db_adapters_free(struct db_adapters *ads);
const struct db_adapter *db_adapter_find(const struct db_adapters *ads,
    const char *name);
/* Pick a profile from SQLGetInfo(SQL_DBMS_NAME), e.g. "PostgreSQL". */
const struct db_adapter *db_adapter_detect(const struct db_adapters *ads,
    const char *dbms_name);
const char *db_adapter_name(const struct db_adapter *ad);
/*
 * Rewrite a query so it returns at most n rows, in the adapter's dialect
 * (malloc'd).  NULL without an adapter, or when TOP/FIRST finds no main
 * SELECT: run the query unchanged and rely on db_query.max_rows.
 */
char *db_adapter_limit(const struct db_adapter *ad, const char *sql, size_t n);
/*
 * The characters special in the adapter's LIKE patterns ("%_", or "%_["
 * where brackets make a character class); NULL ad gives "%_".  A value
 * made literal escapes each of them, and the escape character '!'
 * itself, with DB_LIKE_ESCAPE, after "LIKE ? ESCAPE '!'".
 */
#define DB_LIKE_ESCAPE '!'
const char *db_adapter_like_special(const struct db_adapter *ad);
/* Quote an identifier the adapter's way. */
char *db_adapter_quote(const struct db_adapter *ad, const char *ident);
/* A date literal in the adapter's form, from "YYYY-MM-DD". */
char *db_adapter_date_literal(const struct db_adapter *ad, const char *iso);
/* The liveness probe statement. */
const char *db_adapter_probe(const struct db_adapter *ad);
/* Extensions (db engineer): listing, titles, timestamps, encodings. */
size_t db_adapters_count(const struct db_adapters *ads);
const struct db_adapter *db_adapters_get(const struct db_adapters *ads,
    size_t i);
const char *db_adapter_title(const struct db_adapter *ad);
/* A timestamp literal from "YYYY-MM-DD HH:MM:SS"; NULL when invalid. */
char *db_adapter_timestamp_literal(const struct db_adapter *ad,
    const char *iso);
/* Connection-string options the profile adds for an encoding, or NULL. */
const char *db_adapter_encoding_option(const struct db_adapter *ad,
    const char *encoding);
/*
 * Whether UTF-8 text (a statement's literals) converts to encoding, as
 * db_run will convert it: 0, or -1 with *bad the byte offset of the
 * first character that does not and *cause a reason.
 */
int db_encoding_check(const char *encoding, const char *text, size_t *bad,
    char **cause);

/* One [datasource]: its pool, failover list, adapter and statistics. */
struct db_source;

/*
 * Create a datasource from its configuration.  Connects lazily (the
 * first query connects), so a database that is down at start-up does not
 * stop kefud.  ads may be NULL (generic behaviour, no detection, and
 * no adapter connection options such as MariaDB's CHARSET=gbk or its
 * CONN_TIMEOUT); ads must outlive the source.
 */
int db_source_open(const struct conf_datasource *cfg,
    const struct db_adapters *ads, struct db_source **out, char **cause);
/*
 * Open pool-min connections now, in the background (kefud at start), so
 * that many callers at once do not each wait for a connection to open.
 * A database that is down is left to the usual reconnects.
 */
void db_source_warm(struct db_source *src);
void db_source_close(struct db_source *src);
const char *db_source_name(const struct db_source *src);
/* The adapter in use (NULL until detected on first connect). */
const struct db_adapter *db_source_adapter(struct db_source *src);
/*
 * The same, connecting first when it is not known yet, so that the very
 * first statement is already in the right dialect; NULL when the
 * database cannot be reached or no profile matches its DBMS name.
 */
const struct db_adapter *db_source_adapter_known(struct db_source *src);

/* A parameter bound with SQLBindParameter; s is UTF-8 and converted. */
struct db_param {
	enum db_vtype type;
	int null;
	int64_t i;
	const char *s;
};

/* Rows fetched, each column converted to the type asked for. */
struct db_result {
	size_t ncols;
	char **names;           /* column names as the driver reports them */
	size_t nrows;
	struct db_value *cells; /* nrows * ncols, row-major */
	int64_t affected;       /* for statements that write: SQLRowCount */
	enum db_vtype *types;   /* db_describe only: the type each column
				   suggests (from SQLDescribeCol), else NULL */
};
#define DB_CELL(r, row, col) (&(r)->cells[(row) * (r)->ncols + (col)])
void db_result_free(struct db_result *res);

/* What to run. */
struct db_query {
	const char *sql;                /* with '?' markers */
	const struct db_param *params;
	size_t nparams;
	const enum db_vtype *coltypes;  /* wanted type per column, or NULL for
					   all text */
	size_t ncoltypes;
	size_t max_rows;                /* 0: no limit; more rows:
					   DBE_TOO_MANY */
	int writes;                     /* 0: read-only connection/statement
					   check */
	int call;                       /* with writes 0: a stored procedure
					   that returns rows and only reads
					   (CALL, EXEC, {call ...}); runs on a
					   read-only session, refused on a
					   read-only datasource whose DBMS
					   cannot make one */

	int timeout_ms;                 /* 0: the datasource's query-timeout */
	uint64_t sql_hash;              /* db_sql_hash(sql), or 0: hashed per
					   run */
	size_t sql_len;                 /* strlen(sql) when sql_hash is set */
	int checked;                    /* db_sql_check accepted sql for this
					   query's writes and call, giving... */
	size_t sql_trim;                /* ... this: else checked per run */
};

/*
 * The hash db_run keys its caches with (FNV-1a), and the text's length.
 * Callers that run one text many times compute it once and pass it in
 * struct db_query.
 */
uint64_t db_sql_hash(const char *sql, size_t *len);

/*
 * The check db_run makes of a statement's text before it runs: one
 * statement, a query unless writes (0 a query, 1 anything, 2 a call of
 * a procedure that reads).  0 with *trim, the length to send (without a
 * trailing ';' or comment), or -1 with a malloc'd *why.  A caller that
 * runs one text many times checks it once and sets checked and sql_trim
 * in struct db_query.
 */
int db_sql_check(const char *sql, int writes, size_t *trim, char **why);

/*
 * Run one statement on a pooled connection: acquire (waiting at most
 * pool-wait), prepare (reused per connection), bind, execute with the
 * timeout, fetch and convert, release.  A broken connection is dropped
 * and the statement retried once on a fresh one.  Returns 0 with *out
 * set, or -1 with err filled.  Thread-safe.
 */
int db_run(struct db_source *src, const struct db_query *q,
    struct db_result **out, struct db_err *err);

/*
 * Run a script of statements separated by ';' at line ends (DDL, the
 * local schema) on one connection in a transaction where the DBMS allows.
 */
int db_run_script(struct db_source *src, const char *script,
    struct db_err *err);

/*
 * One transaction: fn runs its statements with db_tx_run on one pooled
 * connection with autocommit off, or after the adapter's <transaction
 * begin> (SQLite: BEGIN IMMEDIATE, the write lock from the start, so
 * that two writers never wait for each other); when fn returns 0 they
 * are committed, else (or when the commit fails) rolled back -- all or
 * none, e.g. a call_log row and its call_queries rows.  No retry on a lost
 * connection (statements may have run).  0, or -1 with err filled.
 */
struct db_tx;
typedef int db_tx_h(struct db_tx *tx, void *arg, struct db_err *err);
int db_tx(struct db_source *src, db_tx_h *fn, void *arg,
    struct db_err *err);
/* A statement of a transaction, as db_run runs one (no retry). */
int db_tx_run(struct db_tx *tx, const struct db_query *q,
    struct db_result **out, struct db_err *err);

/* Check a statement without running it: prepare it and describe its columns. */
int db_describe(struct db_source *src, const char *sql, size_t nparams,
    struct db_result **cols_only, struct db_err *err);

/* Health and statistics, for `kefu status` and `kefu map test`. */
struct db_stats {
	uint64_t queries;       /* statements run (a transaction: one) */
	uint64_t in_tx;         /* statements run inside transactions
				   (db_tx_run), each one */
	uint64_t errors;        /* of which failed */
	uint64_t timeouts;      /* of which timed out */
	uint64_t connects;      /* connections made */
	uint64_t connect_failures;
	unsigned p50_us;        /* latency percentiles of successful
				   statements */
	unsigned p99_us;
	int up;                 /* 1: last attempt succeeded */
	int open;               /* connections open now */
	int busy;               /* of which in use */
	char current[512];      /* redacted connection string in use */
	uint64_t stmts_open;    /* ODBC statement handles allocated now
				   (prepared-statement cache; must not grow) */
};
void db_source_stats(struct db_source *src, struct db_stats *st);

/* A latency histogram usable by other subsystems (map/ per mapping). */
struct db_hist;
struct db_hist *db_hist_new(void);
void db_hist_add(struct db_hist *h, unsigned us);
unsigned db_hist_pct(struct db_hist *h, double pct);
uint64_t db_hist_count(struct db_hist *h);
void db_hist_free(struct db_hist *h);

const char *db_errkind_name(enum db_errkind kind);
const char *db_vtype_name(enum db_vtype t);
int db_vtype_parse(const char *name, enum db_vtype *out);

#endif
