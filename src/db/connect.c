/*
 * connect.c: opening one connection of a datasource -- the connection
 * string with the adapter's options, each attempt on a helper thread
 * bounded by connect-timeout (a hanging server holds that thread, never
 * the caller), failover along the connection strings, the dialect
 * detected after connecting, and the access mode a caller asks for.
 * ODBC 3.x (ISO 9075-3).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "db/db-int.h"

/* One connection attempt, shared by the caller and its helper thread. */
struct db_attempt {
	struct db_source *src;
	char *connstr;          /* with the adapter's options appended */
	char *shown;            /* redacted, for messages */
	int login_s;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
	int abandoned;          /* the caller stopped waiting */
	int refs;
	SQLHDBC dbc;
	struct db_err err;
};

/* The profile to use before connecting: configured, detected, or by driver. */
static const struct db_adapter *
connect_guess_adapter(struct db_source *src, const char *connstr)
{
	const struct db_adapter *ad;
	const char *p;
	size_t i, j;

	pthread_mutex_lock(&src->lock);
	ad = src->ad;
	pthread_mutex_unlock(&src->lock);
	if (ad != NULL || src->ads == NULL)
		return ad;
	for (i = 0; i < src->ads->n; i++) {
		const struct db_adapter *a = src->ads->v[i];
		for (j = 0; j < a->ndrivers; j++) {
			for (p = connstr; *p != '\0'; p++)
				if (strncasecmp(p, a->drivers[j].text,
				    strlen(a->drivers[j].text)) == 0)
					return a;
		}
	}
	return NULL;
}

/*
 * Append an adapter's option template to sb: {s} is connect-timeout,
 * {q} query-timeout (connect-timeout without one), in whole seconds
 * (rounded up), {qms} the same in milliseconds, {io} and {ioms} twice
 * that: a driver's own limit on one network wait, which should not
 * end a statement before kefu's deadline does.
 */
static void
connect_option(struct db_source *src, struct strbuf *sb, const char *tmpl)
{
	int q = src->query_timeout_ms > 0 ? src->query_timeout_ms :
	    src->connect_timeout_ms;
	const char *p;

	if (sb->len > 0 && sb->s[sb->len - 1] != ';')
		sb_addc(sb, ';');
	for (p = tmpl; *p != '\0'; p++) {
		if (strncmp(p, "{s}", 3) == 0) {
			sb_addf(sb, "%d",
			    (src->connect_timeout_ms + 999) / 1000);
			p += 2;
		} else if (strncmp(p, "{q}", 3) == 0) {
			sb_addf(sb, "%d", (q + 999) / 1000);
			p += 2;
		} else if (strncmp(p, "{qms}", 5) == 0) {
			sb_addf(sb, "%d", q);
			p += 4;
		} else if (strncmp(p, "{io}", 4) == 0) {
			sb_addf(sb, "%d", (2 * q + 999) / 1000);
			p += 3;
		} else if (strncmp(p, "{ioms}", 6) == 0) {
			sb_addf(sb, "%d", 2 * q);
			p += 5;
		} else
			sb_addc(sb, *p);
	}
}

static char *
connect_connstr(struct db_source *src, const char *base)
{
	const struct db_adapter *ad = connect_guess_adapter(src, base);
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	sb_adds(&sb, base);
	if (ad == NULL)
		return sb_steal(&sb);
	for (i = 0; i < ad->nencs; i++) {
		if (ad->encs[i].connect != NULL &&
		    str_ieq(ad->encs[i].name, src->encoding)) {
			if (sb.len > 0 && sb.s[sb.len - 1] != ';')
				sb_addc(&sb, ';');
			sb_adds(&sb, ad->encs[i].connect);
		}
	}
	if (ad->connect_timeout != NULL)
		connect_option(src, &sb, ad->connect_timeout);
	if (ad->network != NULL)
		connect_option(src, &sb, ad->network);
	return sb_steal(&sb);
}

static void
connect_attempt_unref(struct db_attempt *a)
{
	int last;

	pthread_mutex_lock(&a->lock);
	last = --a->refs == 0;
	pthread_mutex_unlock(&a->lock);
	if (!last)
		return;
	if (a->dbc != SQL_NULL_HDBC) {
		SQLDisconnect(a->dbc);
		SQLFreeHandle(SQL_HANDLE_DBC, a->dbc);
	}
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->cond);
	free(a->connstr);
	free(a->shown);
	free(a);
}

static void *
connect_thread(void *arg)
{
	struct db_attempt *a = arg;
	struct db_source *src = a->src;
	SQLHDBC dbc = SQL_NULL_HDBC;
	SQLRETURN r;
	struct db_err err;

	memset(&err, 0, sizeof err);
	r = SQLAllocHandle(SQL_HANDLE_DBC, src->env, &dbc);
	if (!SQL_SUCCEEDED(r)) {
		db_err_set(&err, DBE_DOWN, "cannot allocate an ODBC "
		    "connection handle");
		dbc = SQL_NULL_HDBC;
	} else {
		SQLSetConnectAttr(dbc, SQL_ATTR_LOGIN_TIMEOUT,
		    (SQLPOINTER)(intptr_t)a->login_s, SQL_IS_UINTEGER);
		SQLSetConnectAttr(dbc, SQL_ATTR_CONNECTION_TIMEOUT,
		    (SQLPOINTER)(intptr_t)a->login_s, SQL_IS_UINTEGER);
		r = SQLDriverConnect(dbc, NULL, (SQLCHAR *)a->connstr, SQL_NTS,
		    NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
		if (!SQL_SUCCEEDED(r)) {
			db_exec_diag(SQL_HANDLE_DBC, dbc, DBE_DOWN, &err,
			    "cannot connect");
			SQLFreeHandle(SQL_HANDLE_DBC, dbc);
			dbc = SQL_NULL_HDBC;
		}
	}
	pthread_mutex_lock(&a->lock);
	a->dbc = dbc;
	a->err = err;
	a->done = 1;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	connect_attempt_unref(a);        /* disconnects when abandoned */

	pthread_mutex_lock(&src->lock);
	src->pending--;
	src->connecting--;
	pthread_cond_broadcast(&src->cond);
	pthread_mutex_unlock(&src->lock);
	return NULL;
}

/* Connect with one connection string, waiting at most connect-timeout. */
static int
connect_one(struct db_source *src, int ci, SQLHDBC *out,
    struct db_err *err)
{
	struct db_attempt *a = xcalloc(1, sizeof *a);
	struct timespec ts;
	pthread_attr_t attr;
	pthread_t tid;
	int rc = -1;

	a->src = src;
	a->connstr = connect_connstr(src, src->connect[ci]);
	a->shown = log_redact(src->connect[ci]);
	a->login_s = (src->connect_timeout_ms + 999) / 1000;
	a->refs = 2;
	a->dbc = SQL_NULL_HDBC;
	pthread_mutex_init(&a->lock, NULL);
	db_source_cond_init(&a->cond);

	pthread_mutex_lock(&src->lock);
	src->pending++;
	src->connecting++;
	pthread_mutex_unlock(&src->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, connect_thread, a) != 0) {
		pthread_attr_destroy(&attr);
		pthread_mutex_lock(&src->lock);
		src->pending--;
		src->connecting--;
		pthread_mutex_unlock(&src->lock);
		a->refs = 1;
		connect_attempt_unref(a);
		db_err_set(err, DBE_DOWN, "cannot start a connect thread");
		return -1;
	}
	pthread_attr_destroy(&attr);

	db_source_deadline(&ts, now_ms() + (uint64_t)src->connect_timeout_ms);
	pthread_mutex_lock(&a->lock);
	while (!a->done) {
		if (pthread_cond_timedwait(&a->cond, &a->lock, &ts) ==
		    ETIMEDOUT)
			break;
	}
	if (a->done && a->dbc != SQL_NULL_HDBC) {
		*out = a->dbc;
		a->dbc = SQL_NULL_HDBC;
		rc = 0;
	} else if (a->done) {
		*err = a->err;
		snprintf(err->msg, sizeof err->msg, "datasource %.40s: "
		    "cannot connect (%.120s): %.300s", src->name, a->shown,
		    a->err.msg[0] ? a->err.msg : "no reason given");
	} else {
		a->abandoned = 1;
		db_err_set(err, DBE_TIMEOUT, "datasource %s: the database did "
		    "not answer within connect-timeout (%d ms) at %s; check "
		    "that the server is up and reachable", src->name,
		    src->connect_timeout_ms, a->shown);
	}
	pthread_mutex_unlock(&a->lock);
	connect_attempt_unref(a);
	return rc;
}

void
db_connect_free(struct db_source *src, struct db_conn *c)
{
	if (c == NULL)
		return;
	db_conn_stop(c);
	db_exec_free_stmts(src, c);
	SQLDisconnect(c->dbc);
	SQLFreeHandle(SQL_HANDLE_DBC, c->dbc);
	db_conv_close(c);
	free(c);
}

/* After a connect: detect the dialect, prepare conversions. */
static int
connect_setup(struct db_source *src, struct db_conn *c, struct db_err *err)
{
	SQLCHAR name[256];
	SQLSMALLINT len = 0;
	const struct db_adapter *ad;

	if (db_conv_open(c, src->encoding, err) == -1)
		return -1;
	pthread_mutex_lock(&src->lock);
	ad = src->ad;
	pthread_mutex_unlock(&src->lock);
	if (ad != NULL || src->ads == NULL)
		return 0;
	name[0] = '\0';
	if (!SQL_SUCCEEDED(SQLGetInfo(c->dbc, SQL_DBMS_NAME, name,
	    sizeof name, &len)))
		return 0;
	ad = db_adapter_detect(src->ads, (const char *)name);
	pthread_mutex_lock(&src->lock);
	src->detected = 1;
	pthread_mutex_unlock(&src->lock);
	if (ad == NULL) {
		log_warnx("datasource %s: no adapter profile matches DBMS "
		    "\"%s\"; using generic ODBC behaviour (set adapter= to "
		    "choose one)", src->name, name);
		return 0;
	}
	log_info("datasource %s: database is %s, using adapter %s",
	    src->name, name, db_adapter_name(ad));
	pthread_mutex_lock(&src->lock);
	if (src->ad == NULL)
		src->ad = ad;
	pthread_mutex_unlock(&src->lock);
	return 0;
}

/* Try every connection string, the one that worked last first. */
int
db_connect(struct db_source *src, int quiet, struct db_conn **out,
    struct db_err *err)
{
	struct db_err first;
	const struct db_adapter *ad;
	struct db_conn *c;
	SQLHDBC dbc;
	size_t k;
	int ci, start;

	pthread_mutex_lock(&src->lock);
	start = src->cur;
	pthread_mutex_unlock(&src->lock);
	memset(&first, 0, sizeof first);
	for (k = 0; k < src->nconnect; k++) {
		ci = (int)((start + (int)k) % (int)src->nconnect);
		if (connect_one(src, ci, &dbc, err) == -1) {
			/* One string: the outage line says it (no flood). */
			if (quiet || src->nconnect == 1)
				log_debug("%s", err->msg);
			else
				log_warnx("%s", err->msg);
			if (k == 0)
				first = *err;
			continue;
		}
		c = xcalloc(1, sizeof *c);
		c->dbc = dbc;
		c->ci = ci;
		c->ro = -1;
		c->to_db = c->from_db = (iconv_t)-1;
		if (connect_setup(src, c, err) == -1) {
			db_connect_free(src, c);
			return -1;
		}
		ad = db_source_adapter(src);
		if ((ad == NULL || !ad->local) && db_conn_start(src, c) == -1)
			log_warnx("datasource %s: cannot start a connection's "
			    "thread; its statements run on the callers' "
			    "threads, without a deadline on a frozen network",
			    src->name);
		if (ci != start) {
			char *shown = log_redact(src->connect[ci]);
			log_warnx("datasource %s: failed over to %s", src->name,
			    shown);
			free(shown);
		}
		pthread_mutex_lock(&src->lock);
		src->cur = ci;
		pthread_mutex_unlock(&src->lock);
		*out = c;
		return 0;
	}
	if (src->nconnect > 1)
		*err = first;
	return -1;
}

/*
 * Set the access mode the caller asked for (c->want_ro), where the
 * driver allows; a statement may go to the server, so this runs on the
 * connection's thread (exec.c) or by an admin command.
 */
void
db_connect_access(struct db_source *src, struct db_conn *c)
{
	const struct db_adapter *ad;
	int readonly = c->want_ro;
	SQLRETURN r;

	if (c->ro == readonly || c->ro_unsupported)
		return;
	pthread_mutex_lock(&src->lock);
	ad = src->ad;
	pthread_mutex_unlock(&src->lock);
	if (ad != NULL && ad->ro_on != NULL) {
		SQLHSTMT st;

		r = SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &st);
		if (SQL_SUCCEEDED(r)) {
			r = SQLExecDirect(st, (SQLCHAR *)(readonly ? ad->ro_on :
			    ad->ro_off), SQL_NTS);
			SQLFreeHandle(SQL_HANDLE_STMT, st);
		}
		if (SQL_SUCCEEDED(r))
			c->ro = readonly;
		else {
			c->ro_unsupported = 1;
			log_warnx("datasource %s: cannot switch the session "
			    "to %s (%s); relying on kefu's statement check",
			    src->name, readonly ? "read-only" : "read-write",
			    readonly ? ad->ro_on : ad->ro_off);
		}
		return;
	}
	if (ad != NULL && !ad->access_mode) {
		c->ro_unsupported = 1;
		return;
	}
	r = SQLSetConnectAttr(c->dbc, SQL_ATTR_ACCESS_MODE,
	    (SQLPOINTER)(intptr_t)(readonly ? SQL_MODE_READ_ONLY :
	    SQL_MODE_READ_WRITE), SQL_IS_UINTEGER);
	if (SQL_SUCCEEDED(r))
		c->ro = readonly;
	else {
		c->ro_unsupported = 1;
		log_debug("datasource %s: the driver cannot set read-only "
		    "access mode; relying on kefu's statement check",
		    src->name);
	}
}
