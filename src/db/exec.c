/*
 * exec.c: running statements on pooled connections -- the statement
 * check remembered per datasource, per-query deadlines, statements on
 * the connection's own thread, retries on a fresh connection, DDL
 * scripts, statement description and transactions.  The statement cache
 * is in stmt.c, parameters in bind.c, results in fetch.c.  ODBC 3.x. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/db-int.h"

/* FNV-1a of a statement's text, and its length. */
uint64_t
db_sql_hash(const char *sql, size_t *len)
{
	const unsigned char *p = (const unsigned char *)sql;
	uint64_t h = 14695981039346656037ULL;

	for (; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ULL;
	*len = (size_t)(p - (const unsigned char *)sql);
	return h;
}

/* Copy a driver message on one line; bytes that are not UTF-8 become '?'. */
static void
exec_clean(char *dst, size_t dstlen, const char *src)
{
	size_t i, n = strlen(src);

	for (i = 0; i < n && i + 1 < dstlen; i++)
		dst[i] = (src[i] == '\n' || src[i] == '\r') ? ' ' : src[i];
	dst[i] = '\0';
	if (!db_conv_utf8_valid(dst, i))
		for (size_t k = 0; k < i; k++)
			if (dst[k] & 0x80)
				dst[k] = '?';
}

/*
 * Fill err from the first diagnostic record of handle h: the SQLSTATE,
 * and "what: message".  Connection-failure states (08xxx) and timeouts
 * (HYT00/HYT01) override kind.
 */
void
db_exec_diag(SQLSMALLINT type, SQLHANDLE h, enum db_errkind kind,
    struct db_err *err, const char *what)
{
	SQLCHAR state[6] = "", msg[512] = "";
	SQLINTEGER native = 0;
	SQLSMALLINT len = 0;
	char clean[400];

	if (err == NULL)
		return;
	if (!SQL_SUCCEEDED(SQLGetDiagRec(type, h, 1, state, &native, msg,
	    sizeof msg, &len))) {
		state[0] = '\0';
		snprintf((char *)msg, sizeof msg, "no diagnostic from the "
		    "driver");
	}
	exec_clean(clean, sizeof clean, (const char *)msg);
	err->kind = kind;
	if (strcmp((char *)state, "HYT00") == 0 ||
	    strcmp((char *)state, "HYT01") == 0)
		err->kind = DBE_TIMEOUT;
	snprintf(err->sqlstate, sizeof err->sqlstate, "%s", (char *)state);
	snprintf(err->msg, sizeof err->msg, "%s: %s%s%s", what, clean,
	    state[0] ? " [SQLSTATE " : "", state[0] ? (char *)state : "");
	if (state[0])
		strncat(err->msg, "]", sizeof err->msg - strlen(err->msg) - 1);
}

int
db_exec_conn_lost(const struct db_err *err)
{
	return strncmp(err->sqlstate, "08", 2) == 0 ||
	    strcmp(err->sqlstate, "HYT01") == 0;
}

/*
 * After an error: is the connection gone?  Some drivers (psqlODBC) say
 * HY000 for a server that closed the connection, so ask the driver too
 * (SQL_ATTR_CONNECTION_DEAD, ODBC 3.5).
 */
static int
exec_conn_dead(struct db_conn *c, const struct db_err *err)
{
	SQLUINTEGER dead = SQL_CD_FALSE;

	if (db_exec_conn_lost(err))
		return 1;
	if (SQL_SUCCEEDED(SQLGetConnectAttr(c->dbc, SQL_ATTR_CONNECTION_DEAD,
	    &dead, SQL_IS_UINTEGER, NULL)) && dead == SQL_CD_TRUE)
		return 1;
	return 0;
}

/*
 * Take this process's writers' turn on a local driver's source (SQLite:
 * one writer at a time), so that a second writer sleeps on a mutex that
 * wakes it when the first is done, not in the driver's busy handler
 * (10 ms a try, which made two outbox workers wait for each other more
 * than they wrote).  Waits at most the query timeout (30 s without
 * one), then goes on without the turn: the driver's busy timeout
 * decides as before.  1 when taken (give it back with
 * exec_writer_give), 0 when not.
 */
static int
exec_writer_take(struct db_source *src)
{
	const struct db_adapter *ad = db_source_adapter(src);
	int ms = src->query_timeout_ms > 0 ? src->query_timeout_ms : 30000;
	struct timespec ts;

	if (ad == NULL || !ad->local)
		return 0;
	if (pthread_mutex_trylock(&src->writer) == 0)
		return 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	if (pthread_mutex_timedlock(&src->writer, &ts) == 0)
		return 1;
	log_debug("datasource %s: another writer of this process kept the "
	    "store for %d ms; waiting in the driver", src->name, ms);
	return 0;
}

static void
exec_writer_give(struct db_source *src, int taken)
{
	if (taken)
		pthread_mutex_unlock(&src->writer);
}

/*
 * Check a statement's text (db_sqlscan_check) and find where it ends
 * (db_sqlscan_trim_end): 0 with *trim set to the length to send, or -1
 * with *why.  A query a caller checked already says so (checked, with
 * db_sql_check: a mapping checks its text once, on its first run);
 * every other text is checked on each run, a few microseconds
 * (bench/map-bench, SQLite, map_run p50 about 30 us either way).
 */
static int
exec_verdict(const struct db_query *q, int writes, size_t *trim,
    char **why)
{
	if (q->checked) {
		*trim = q->sql_trim;
		return 0;
	}
	return db_sql_check(q->sql, writes, trim, why);
}

/*
 * The result of the executed statement s into *res (made here, in
 * arena): the rows affected by one without columns, else its rows --
 * into bound columns where it can; when that fails in a way a plain
 * fetch would not, s runs again and is fetched the careful way, unless
 * the watchdog w cancelled it.  0, or -1 with *err (*res still the
 * caller's to free).
 */
static int
exec_result(struct db_source *src, struct db_conn *c, struct db_stmt *s,
    const struct db_query *q, const struct db_watch *w,
    struct db_result **res, struct db_arena *arena, struct db_err *err)
{
	SQLLEN rows = -1;
	SQLRETURN r;
	int fr;

	*res = db_fetch_result_new(s, arena);
	if ((*res)->ncols == 0) {
		if (SQL_SUCCEEDED(SQLRowCount(s->st, &rows)))
			(*res)->affected = rows;
		return 0;
	}
	fr = db_fetch_bindcols(s, q) == 0 ? db_fetch_bound(src, c, s, q, *res,
	    arena, err) : 2;
	if (fr == 1 && !w->fired) {
		/* Again, fetching the careful way. */
		db_result_free(*res);
		SQLFreeStmt(s->st, SQL_CLOSE);
		db_stmt_unbind(s);
		s->nobind = 1;
		*res = db_fetch_result_new(s, arena);
		r = SQLExecute(s->st);
		if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA) {
			db_exec_diag(SQL_HANDLE_STMT, s->st, DBE_SQL, err,
			    "the database refused the statement");
			return -1;
		}
		fr = 2;
	}
	if (fr == 2)
		fr = db_fetch(src, c, s->st, q, *res, arena, err);
	if (fr != 0)
		return -1;
	(*res)->affected = -1;
	return 0;
}

/*
 * Prepare, bind, execute under the watchdog, fetch.  *executed: reached
 * SQLExecute.
 */
static int
exec_run_on(struct db_source *src, struct db_conn *c, const struct db_query *q,
    uint64_t hash, size_t trim, struct db_result **out, int *executed,
    int *lost, struct db_err *err)
{
	const struct db_adapter *ad;
	struct db_result *res = NULL;
	struct db_arena arena;
	struct db_stmt *s;
	struct db_watch w;
	SQLRETURN r;
	int timeout_ms = q->timeout_ms > 0 ? q->timeout_ms :
	    src->query_timeout_ms;
	int rc = -1;
	uint64_t deadline = timeout_ms > 0 ? now_ms() + (uint64_t)timeout_ms :
	    UINT64_MAX;

	*executed = *lost = 0;
	if (q->call && !q->writes && src->readonly && c->ro_unsupported) {
		ad = db_source_adapter(src);
		db_err_set(err, DBE_REFUSED, "datasource %s is read-only, "
		    "but %s cannot make a session read-only, so nothing "
		    "would keep a procedure from writing; give kefu a login "
		    "that may only read and set read-only = no", src->name,
		    ad != NULL ? db_adapter_title(ad) : "its driver");
		return -1;
	}
	if ((s = db_stmt_prepare(src, c, q->sql, hash, trim, deadline,
	    err)) == NULL) {
		if (err->kind != DBE_TIMEOUT && exec_conn_dead(c, err)) {
			c->broken = 1;
			*lost = 1;
		}
		return -1;
	}
	if (db_stmt_nparams(s, q->nparams, "value", err) == -1)
		return -1;
	if (db_bind(src, c, s, q, err) == -1)
		return -1;
	db_stmt_timeout(src, s, timeout_ms);
	memset(&w, 0, sizeof w);
	w.st = s->st;
	w.deadline = deadline;
	if (timeout_ms > 0)
		db_watchdog_watch(src, &w);
	*executed = 1;
	r = SQLExecute(s->st);
	if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA) {
		db_exec_diag(SQL_HANDLE_STMT, s->st, DBE_SQL, err,
		    "the database refused the statement");
	} else if (s->described || db_stmt_describe(src, c, s, err) == 0)
		rc = exec_result(src, c, s, q, &w, &res, &arena, err);
	/* The columns may have changed (DDL): describe them again next time. */
	if (rc == -1)
		db_stmt_forget(s);
	if (timeout_ms > 0)
		db_watchdog_unwatch(src, &w);
	if (w.fired) {
		db_err_set(err, DBE_TIMEOUT, "the statement ran longer than "
		    "%s (%d ms) and was cancelled", q->timeout_ms > 0 ?
		    "the timeout it was given" : "query-timeout", timeout_ms);
		c->broken = 1;          /* the driver's state is uncertain */
		rc = -1;
	} else if (rc == -1 && err->kind == DBE_TIMEOUT)
		c->broken = 1;
	else if (rc == -1 && exec_conn_dead(c, err)) {
		c->broken = 1;
		*lost = 1;
	}
	SQLFreeStmt(s->st, SQL_CLOSE);
	if (rc == 0)
		*out = res;
	else
		db_result_free(res);
	return rc;
}

/*
 * One statement run on a connection's own thread (conn.c): everything it
 * reads is its own copy, since its caller may stop waiting for it.
 */
struct exec_job {
	struct db_job job;
	struct db_source *src;
	struct db_conn *c;
	const struct db_query *q;       /* &copy, or the caller's (no thread) */
	struct db_query copy;
	uint64_t hash;
	size_t trim;
	struct db_result *res;
	int rc, executed, lost;
	struct db_err err;
};

/*
 * How long past its deadline a caller waits for the connection's thread,
 * so that a statement the driver or the watchdog stops in time ends the
 * normal way, and only one on a network that froze is abandoned.
 */
#define EXEC_ABANDON_MS 100

static void
exec_job_run(struct db_job *job)
{
	struct exec_job *j = (struct exec_job *)job;

	/* Idle past idle-check: a dead connection costs no statement. */
	if (j->c->probe_due) {
		j->c->probe_due = 0;
		if (db_exec_probe(j->src, j->c, &j->err) == -1) {
			log_info("datasource %s: an idle connection failed its "
			    "probe (%s); reconnecting", j->src->name,
			    j->err.msg);
			j->c->broken = 1;
			j->rc = -1;
			j->lost = 1;
			j->executed = 0;
			return;
		}
	}
	db_connect_access(j->src, j->c);
	j->rc = exec_run_on(j->src, j->c, j->q, j->hash, j->trim, &j->res,
	    &j->executed, &j->lost, &j->err);
}

static void
exec_job_free(struct db_job *job)
{
	struct exec_job *j = (struct exec_job *)job;
	struct db_param *p = (struct db_param *)(uintptr_t)j->copy.params;
	size_t k;

	db_result_free(j->res);
	for (k = 0; k < j->copy.nparams; k++)
		free((char *)(uintptr_t)p[k].s);
	free(p);
	free((char *)(uintptr_t)j->copy.coltypes);
	free((char *)(uintptr_t)j->copy.sql);
	free(j);
}

/* A job for q on c: a copy of q when c has a thread of its own. */
static struct exec_job *
exec_job_new(struct db_source *src, struct db_conn *c,
    const struct db_query *q, uint64_t hash, size_t trim)
{
	struct exec_job *j = xcalloc(1, sizeof *j);
	struct db_param *p;
	enum db_vtype *t;
	size_t k;

	j->job.run = exec_job_run;
	j->job.free = exec_job_free;
	j->src = src;
	j->c = c;
	j->hash = hash;
	j->trim = trim;
	j->q = q;
	if (!c->threaded)
		return j;
	j->copy = *q;
	j->copy.sql = xstrdup(q->sql);
	/* the caller's arrays are never the copy's (nparams 0 may come
	 * with params set) */
	j->copy.params = NULL;
	j->copy.coltypes = NULL;
	if (q->nparams > 0) {
		p = xcalloc(q->nparams, sizeof *p);
		for (k = 0; k < q->nparams; k++) {
			p[k] = q->params[k];
			/* s is read for these types only (db_bind). */
			p[k].s = NULL;
			if (!q->params[k].null && q->params[k].s != NULL &&
			    q->params[k].type != DBV_INT &&
			    q->params[k].type != DBV_BOOL)
				p[k].s = xstrdup(q->params[k].s);
		}
		j->copy.params = p;
	}
	if (q->coltypes != NULL && q->ncoltypes > 0) {
		t = xcalloc(q->ncoltypes, sizeof *t);
		memcpy(t, q->coltypes, q->ncoltypes * sizeof *t);
		j->copy.coltypes = t;
	}
	j->q = &j->copy;
	return j;
}

/*
 * Run q on c, on its thread when it has one, waiting until deadline
 * (UINT64_MAX: none) at most: past it the connection is abandoned to
 * its thread and the caller gets DBE_TIMEOUT at once (*gone set: c is
 * no longer the caller's).
 */
static int
exec_on_conn(struct db_source *src, struct db_conn *c,
    const struct db_query *q, uint64_t hash, size_t trim, uint64_t deadline,
    struct db_result **out, int *executed, int *lost, int *gone,
    struct db_err *err)
{
	struct exec_job *j = exec_job_new(src, c, q, hash, trim);
	int timeout_ms = q->timeout_ms > 0 ? q->timeout_ms :
	    src->query_timeout_ms;
	int rc;

	*gone = 0;
	if (db_conn_call(c, &j->job, deadline) == -1) {
		*gone = 1;
		*executed = 1;
		*lost = 0;
		db_err_set(err, DBE_TIMEOUT, "the database did not answer "
		    "within query-timeout (%d ms); the connection is left to "
		    "its driver and closed when it returns", timeout_ms);
		log_info("datasource %s: a statement got no answer within "
		    "%d ms; its connection is abandoned (the network to the "
		    "database may have stopped)", src->name, timeout_ms);
		return -1;
	}
	rc = j->rc;
	*executed = j->executed;
	*lost = j->lost;
	if (rc == 0) {
		*out = j->res;
		j->res = NULL;
	} else
		*err = j->err;
	if (c->threaded)
		exec_job_free(&j->job);
	else
		free(j);
	return rc;
}

int
db_run(struct db_source *src, const struct db_query *q,
    struct db_result **out, struct db_err *err)
{
	struct db_conn *c;
	uint64_t t0 = now_us(), hash;
	char *why = NULL;
	size_t len, trim;
	uint64_t deadline = UINT64_MAX;
	int attempt, executed, lost = 0, gone, rc = -1, timeout_ms, turn;

	/* Not a memset of the whole message buffer: on every query's path. */
	err->kind = DBE_NONE;
	err->sqlstate[0] = '\0';
	err->msg[0] = '\0';
	*out = NULL;
	if (q == NULL || q->sql == NULL) {
		db_err_set(err, DBE_REFUSED, "no statement given");
		return -1;
	}
	if (q->writes && src->readonly) {
		db_err_set(err, DBE_REFUSED, "datasource %s is read-only "
		    "(read-only=yes) but the statement writes", src->name);
		db_source_count(src, 0, 0, 0);
		return -1;
	}
	/* Drivers refuse a trailing ';' or comment: send to the last token. */
	hash = q->sql_hash != 0 ? q->sql_hash : db_sql_hash(q->sql, &len);
	if (exec_verdict(q, q->writes ? 1 : q->call ? 2 : 0, &trim, &why) ==
	    -1) {
		db_err_set(err, DBE_REFUSED, "datasource %s: %s", src->name,
		    why);
		free(why);
		db_source_count(src, 0, 0, 0);
		return -1;
	}
	/* The caller waits for the statement until then at most. */
	timeout_ms = q->timeout_ms > 0 ? q->timeout_ms : src->query_timeout_ms;
	turn = q->writes ? exec_writer_take(src) : 0;
	for (attempt = 0; attempt < 2; attempt++) {
		if (db_pool_acquire(src, !q->writes, src->pool_wait_ms,
		    timeout_ms > 0 ? timeout_ms + EXEC_ABANDON_MS : 0, &c,
		    err) == -1)
			break;
		if (attempt == 0)
			deadline = timeout_ms > 0 ? now_ms() +
			    (uint64_t)timeout_ms + EXEC_ABANDON_MS : UINT64_MAX;
		rc = exec_on_conn(src, c, q, hash, trim, deadline, out,
		    &executed, &lost, &gone, err);
		if (gone)
			break;
		db_pool_release(src, c);
		/* A retry runs within what is left of the first deadline. */
		if (rc == 0 || !lost || (q->writes && executed) ||
		    now_ms() >= deadline)
			break;
		log_info("datasource %s: connection lost (%s); retrying on a "
		    "fresh one", src->name, err->msg);
		memset(err, 0, sizeof *err);
	}
	exec_writer_give(src, turn);
	if (rc == -1 && lost)
		err->kind = DBE_DOWN;
	db_source_count(src, rc == 0, rc == -1 && err->kind == DBE_TIMEOUT,
	    (unsigned)(now_us() - t0));
	if (rc == -1)
		log_debug("datasource %s: %s: %s", src->name,
		    db_errkind_name(err->kind), err->msg);
	return rc;
}

/* Run the adapter's probe (or a plain catalogue call) on c. */
int
db_exec_probe(struct db_source *src, struct db_conn *c, struct db_err *err)
{
	const struct db_adapter *ad = db_source_adapter(src);
	SQLHSTMT st;
	SQLRETURN r;
	struct db_watch w;
	int timeout_ms = src->query_timeout_ms > 0 ? src->query_timeout_ms :
	    src->connect_timeout_ms;

	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &st))) {
		db_err_set(err, DBE_DOWN, "cannot allocate a statement");
		return -1;
	}
	memset(&w, 0, sizeof w);
	w.st = st;
	w.deadline = now_ms() + (uint64_t)timeout_ms;
	db_watchdog_watch(src, &w);
	if (ad != NULL && ad->probe != NULL) {
		r = SQLExecDirect(st, (SQLCHAR *)ad->probe, SQL_NTS);
		while (SQL_SUCCEEDED(r) && SQL_SUCCEEDED(SQLFetch(st)))
			;
	} else
		r = SQLGetTypeInfo(st, SQL_ALL_TYPES);
	db_watchdog_unwatch(src, &w);
	if (!SQL_SUCCEEDED(r))
		db_exec_diag(SQL_HANDLE_STMT, st, DBE_DOWN, err,
		    "probe failed");
	else if (w.fired) {
		db_err_set(err, DBE_TIMEOUT, "probe timed out");
		r = SQL_ERROR;
	}
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	return SQL_SUCCEEDED(r) ? 0 : -1;
}

/* One statement of a script's own transaction (<transaction begin>). */
static int
exec_script_sql(SQLHSTMT st, const char *sql, struct db_err *err)
{
	SQLRETURN r = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);

	if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA) {
		if (err != NULL)
			db_exec_diag(SQL_HANDLE_STMT, st, DBE_SQL, err, sql);
		return -1;
	}
	SQLFreeStmt(st, SQL_CLOSE);
	return 0;
}

int
db_run_script(struct db_source *src, const char *script, struct db_err *err)
{
	const struct db_adapter *ad = db_source_adapter(src);
	struct db_conn *c;
	SQLHSTMT st = SQL_NULL_HSTMT;
	char **stmts;
	size_t n, i;
	int rc = 0, tx, own = ad != NULL && ad->tx_begin != NULL;

	memset(err, 0, sizeof *err);
	if (src->readonly) {
		db_err_set(err, DBE_REFUSED, "datasource %s is read-only "
		    "(read-only=yes); cannot run a script", src->name);
		return -1;
	}
	stmts = db_sqlscan_split(script, &n);
	if (db_pool_acquire(src, 0, src->pool_wait_ms, 0, &c, err) == -1) {
		for (i = 0; i < n; i++)
			free(stmts[i]);
		free(stmts);
		return -1;
	}
	db_connect_access(src, c);
	/* The adapter's own BEGIN (SQLite: the write lock from the start). */
	tx = !own && SQL_SUCCEEDED(SQLSetConnectAttr(c->dbc,
	    SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF,
	    SQL_IS_UINTEGER));
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &st))) {
		db_exec_diag(SQL_HANDLE_DBC, c->dbc, DBE_SQL, err,
		    "cannot allocate a statement");
		rc = -1;
		own = 0;
	} else if (own && exec_script_sql(st, ad->tx_begin, err) == -1) {
		rc = -1;
		own = 0;
	}
	for (i = 0; rc == 0 && i < n; i++) {
		SQLRETURN r = SQLExecDirect(st, (SQLCHAR *)stmts[i], SQL_NTS);
		if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA) {
			char what[128];
			snprintf(what, sizeof what, "script statement %zu "
			    "(%.40s...)", i + 1, stmts[i]);
			db_exec_diag(SQL_HANDLE_STMT, st, DBE_SQL, err, what);
			rc = -1;
			break;
		}
		SQLFreeStmt(st, SQL_CLOSE);
	}
	if (own && rc == 0 && exec_script_sql(st, "COMMIT", err) == -1)
		rc = -1;
	if (own && rc == -1) {
		SQLFreeStmt(st, SQL_CLOSE);
		if (exec_script_sql(st, "ROLLBACK", NULL) == -1)
			c->broken = 1;  /* it may still hold its locks */
	}
	if (st != SQL_NULL_HSTMT)
		SQLFreeHandle(SQL_HANDLE_STMT, st);
	if (tx) {
		SQLEndTran(SQL_HANDLE_DBC, c->dbc, rc == 0 ? SQL_COMMIT :
		    SQL_ROLLBACK);
		if (!SQL_SUCCEEDED(SQLSetConnectAttr(c->dbc,
		    SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON,
		    SQL_IS_UINTEGER)))
			c->broken = 1;
	}
	if (rc == -1 && db_exec_conn_lost(err))
		c->broken = 1;
	db_pool_release(src, c);
	for (i = 0; i < n; i++)
		free(stmts[i]);
	free(stmts);
	db_source_count(src, rc == 0, 0, 0);
	return rc;
}

int
db_describe(struct db_source *src, const char *sql, size_t nparams,
    struct db_result **cols_only, struct db_err *err)
{
	struct db_result *res;
	struct db_conn *c;
	struct db_stmt *s;
	uint64_t hash;
	size_t len, trim;
	char *why = NULL;
	int rc = -1;

	memset(err, 0, sizeof *err);
	*cols_only = NULL;
	if (sql == NULL) {
		db_err_set(err, DBE_REFUSED, "no statement given");
		return -1;
	}
	hash = db_sql_hash(sql, &len);
	if (db_sql_check(sql, 1, &trim, &why) == -1) {
		db_err_set(err, DBE_REFUSED, "%s", why);
		free(why);
		return -1;
	}
	if (db_pool_acquire(src, 0, src->pool_wait_ms,
	    src->query_timeout_ms, &c, err) == -1)
		return -1;
	db_connect_access(src, c);
	if ((s = db_stmt_prepare(src, c, sql, hash, trim,
	    src->query_timeout_ms > 0 ? now_ms() +
	    (uint64_t)src->query_timeout_ms : UINT64_MAX, err)) != NULL &&
	    db_stmt_nparams(s, nparams, "parameter", err) == 0 &&
	    db_stmt_describe(src, c, s, err) == 0) {
		res = db_fetch_result_new(s, NULL);
		res->types = xcalloc(s->ncols + 1, sizeof *res->types);
		memcpy(res->types, s->types, s->ncols * sizeof *res->types);
		res->affected = -1;
		*cols_only = res;
		rc = 0;
	}
	db_pool_release(src, c);
	return rc;
}

/* One transaction: the connection its statements run on. */
struct db_tx {
	struct db_source *src;
	struct db_conn *c;
};

int
db_tx_run(struct db_tx *tx, const struct db_query *q,
    struct db_result **out, struct db_err *err)
{
	uint64_t hash;
	size_t len, trim;
	char *why = NULL;
	int executed = 0, lost = 0, rc;

	err->kind = DBE_NONE;
	err->sqlstate[0] = '\0';
	err->msg[0] = '\0';
	*out = NULL;
	hash = q->sql_hash != 0 ? q->sql_hash : db_sql_hash(q->sql, &len);
	if (exec_verdict(q, q->writes, &trim, &why) == -1) {
		db_err_set(err, DBE_REFUSED, "datasource %s: %s", tx->src->name,
		    why);
		free(why);
		return -1;
	}
	atomic_fetch_add_explicit(&tx->src->in_tx, 1, memory_order_relaxed);
	rc = exec_run_on(tx->src, tx->c, q, hash, trim, out, &executed, &lost,
	    err);
	if (rc == -1 && lost) {
		err->kind = DBE_DOWN;
		tx->c->broken = 1;
	}
	return rc;
}

/*
 * A statement that starts or ends a transaction the adapter begins
 * itself (<transaction begin>), on tx's connection under its
 * query-timeout.
 */
static int
exec_tx_sql(struct db_tx *tx, const char *sql, struct db_err *err)
{
	struct db_result *res = NULL;
	struct db_query q;
	int executed, lost, rc;

	memset(&q, 0, sizeof q);
	q.sql = sql;
	q.writes = 1;
	q.checked = 1;
	q.sql_trim = strlen(sql);
	rc = exec_run_on(tx->src, tx->c, &q, db_sql_hash(sql, &q.sql_len),
	    q.sql_trim, &res, &executed, &lost, err);
	db_result_free(res);
	return rc;
}

/*
 * Start a transaction on tx's connection.  With the adapter's
 * <transaction begin> (SQLite: BEGIN IMMEDIATE) autocommit stays on and
 * the statement runs, so that a transaction takes the write lock at its
 * start and waits there for another writer: a deferred BEGIN (what
 * drivers run for autocommit off) takes it at the first write, after its
 * reads, and two such transactions wait for each other until the
 * driver's busy timeout.  *own: the transaction is ended with SQL.
 */
static int
exec_tx_begin(struct db_tx *tx, int *own, struct db_err *err)
{
	const struct db_adapter *ad = db_source_adapter(tx->src);

	*own = ad != NULL && ad->tx_begin != NULL;
	if (*own) {
		if (exec_tx_sql(tx, ad->tx_begin, err) == 0)
			return 0;
		snprintf(err->msg + strlen(err->msg), sizeof err->msg -
		    strlen(err->msg), " (starting a transaction with %s)",
		    ad->tx_begin);
		return -1;
	}
	if (SQL_SUCCEEDED(SQLSetConnectAttr(tx->c->dbc, SQL_ATTR_AUTOCOMMIT,
	    (SQLPOINTER)SQL_AUTOCOMMIT_OFF, SQL_IS_UINTEGER)))
		return 0;
	db_exec_diag(SQL_HANDLE_DBC, tx->c->dbc, DBE_SQL, err,
	    "cannot start a transaction");
	return -1;
}

/*
 * Commit (rc 0) or roll back a transaction; -1 with err when the commit
 * fails (and the transaction was rolled back).  A connection whose
 * transaction may still be open -- holding its locks -- is marked
 * broken, so that the pool closes it.
 */
static int
exec_tx_end(struct db_tx *tx, int own, int rc, struct db_err *err)
{
	struct db_err e2;

	if (own) {
		if (rc == 0 && exec_tx_sql(tx, "COMMIT", err) == -1)
			rc = -1;
		if (rc == -1 && exec_tx_sql(tx, "ROLLBACK", &e2) == -1) {
			log_debug("datasource %s: rollback: %s; the connection "
			    "is closed", tx->src->name, e2.msg);
			tx->c->broken = 1;
		}
		return rc;
	}
	if (!SQL_SUCCEEDED(SQLEndTran(SQL_HANDLE_DBC, tx->c->dbc, rc == 0 ?
	    SQL_COMMIT : SQL_ROLLBACK)) && rc == 0) {
		db_exec_diag(SQL_HANDLE_DBC, tx->c->dbc, DBE_SQL, err,
		    "cannot commit");
		rc = -1;
	}
	if (!SQL_SUCCEEDED(SQLSetConnectAttr(tx->c->dbc, SQL_ATTR_AUTOCOMMIT,
	    (SQLPOINTER)SQL_AUTOCOMMIT_ON, SQL_IS_UINTEGER)))
		tx->c->broken = 1;
	return rc;
}

int
db_tx(struct db_source *src, db_tx_h *fn, void *arg, struct db_err *err)
{
	struct db_tx tx;
	uint64_t t0 = now_us();
	int rc, own, turn;

	memset(err, 0, sizeof *err);
	if (src->readonly) {
		db_err_set(err, DBE_REFUSED, "datasource %s is read-only "
		    "(read-only=yes) but the transaction writes", src->name);
		return -1;
	}
	tx.src = src;
	turn = exec_writer_take(src);
	if (db_pool_acquire(src, 0, src->pool_wait_ms,
	    src->query_timeout_ms, &tx.c, err) == -1) {
		exec_writer_give(src, turn);
		db_source_count(src, 0, 0, (unsigned)(now_us() - t0));
		return -1;
	}
	/* Read-write: the connection's last statement may have been a read. */
	db_connect_access(src, tx.c);
	if (exec_tx_begin(&tx, &own, err) == -1) {
		if (db_exec_conn_lost(err))
			tx.c->broken = 1;
		db_pool_release(src, tx.c);
		exec_writer_give(src, turn);
		db_source_count(src, 0, err->kind == DBE_TIMEOUT,
		    (unsigned)(now_us() - t0));
		return -1;
	}
	rc = exec_tx_end(&tx, own, fn(&tx, arg, err), err);
	if (rc == -1 && db_exec_conn_lost(err))
		tx.c->broken = 1;
	db_pool_release(src, tx.c);
	exec_writer_give(src, turn);
	db_source_count(src, rc == 0, rc == -1 && err->kind == DBE_TIMEOUT,
	    (unsigned)(now_us() - t0));
	return rc;
}
