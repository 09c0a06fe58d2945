/*
 * exec.c: running a mapping.  Checks every input against its parameter
 * before any database is touched, builds the bound parameters (one per
 * '?' marker; a value is never pasted into SQL text), runs the variant
 * of the datasource's dialect through db_run on a pooled connection,
 * then checks the result's shape and decides the outcome.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "map/map-int.h"
#include "util/util.h"

/*
 * An empty result: every field zero.  Clearing it in offsetof-measured
 * pieces and keeping small arrays inline (no allocation) measured no
 * faster in bench/map-bench (SQLite map/raw 0.321/0.316 whole and
 * allocated vs 0.294/0.304 in pieces and inline): plain code instead.
 */
static void
map_res_clear(struct map_res *res)
{
	memset(res, 0, sizeof *res);
}

void
map_res_free(struct map_res *res)
{
	if (res->db_ != NULL)
		db_result_free(res->db_);
	free(res->vars_);
	free(res->params_);
	free(res->buf_);
	free(res->sql_);
	map_res_clear(res);
}

static void map_exec_fail(struct map_res *, enum map_outcome, const char *,
    ...) KF_PRINTF(3, 4);

static void
map_exec_fail(struct map_res *res, enum map_outcome o, const char *fmt, ...)
{
	va_list ap;

	res->outcome = o;
	va_start(ap, fmt);
	vsnprintf(res->error, sizeof res->error, fmt, ap);
	va_end(ap);
}

static const char *
map_exec_input(const struct map_var *in, size_t nin, const char *name)
{
	size_t i;

	for (i = 0; i < nin; i++)
		if (in[i].name != NULL && strcmp(in[i].name, name) == 0)
			return in[i].value;
	return NULL;
}

/*
 * Bytes needed for the canonical text of every decimal input, the
 * LIKE pattern of every match= one and the date of a default="today" one.
 */
static size_t
map_exec_room(const struct map *m, const char **vals)
{
	size_t i, n = 0;

	for (i = 0; i < m->info.nparams; i++) {
		if (vals[i] == NULL)
			continue;
		if (m->params[i].today)
			n += MAP_TODAY_LEN;
		if (m->params[i].type == MAPP_DECIMAL)
			n += strlen(vals[i]) + 3;
		else if (m->params[i].match != MAPM_EXACT)
			n += 2 * strlen(vals[i]) + 3;
	}
	return n;
}

/*
 * default="today": kefu's own local date, not the database server's
 * CURRENT_DATE (a server in another time zone has another date for
 * hours each night).
 */
static const char *
map_exec_today(const struct map_param_info *p, const char *v,
    char today[MAP_TODAY_LEN])
{
	struct tm tm;
	time_t t;

	if (!p->today || (v != NULL && *v != '\0'))
		return v;
	t = time(NULL);
	localtime_r(&t, &tm);
	strftime(today, MAP_TODAY_LEN, "%Y-%m-%d", &tm);
	return today;
}

static void
map_exec_value(const struct map_param_info *p, const char *v,
    const char *special, struct db_param *dp, char **room)
{
	char *c;

	memset(dp, 0, sizeof *dp);
	dp->type = p->type == MAPP_INTEGER ? DBV_INT :
	    p->type == MAPP_DECIMAL ? DBV_DECIMAL :
	    p->type == MAPP_DATE ? DBV_DATE : DBV_TEXT;
	if (v == NULL) {
		dp->null = 1;
		return;
	}
	if (p->type == MAPP_INTEGER) {
		long long x = 0;

		(void)map_param_int(v, &x, NULL);       /* checked before */
		dp->i = x;
	} else if (p->type == MAPP_DECIMAL) {
		c = map_param_decimal(v);
		dp->s = strcpy(*room, c);
		*room += strlen(c) + 1;
		free(c);
	} else if (p->match != MAPM_EXACT) {
		dp->s = map_param_like(v, p->match, special, *room);
		*room += strlen(dp->s) + 1;
	} else
		dp->s = v;
}

/* Check one input; NULL in *v when it is bound as NULL. */
static int
map_exec_check(const struct map_param_info *p, const char **v,
    struct map_res *res)
{
	char why[256];

	if (p->optional && (*v == NULL || (**v == '\0' &&
	    p->type != MAPP_TEXT))) {
		*v = NULL;
		return 0;
	}
	res->reason = map_param_check(p, *v, why, sizeof why);
	if (res->reason == MAPR_NONE)
		return 0;
	res->param = p->name;
	map_exec_fail(res, MAP_INVALID, "parameter '%s': %s", p->name, why);
	return -1;
}

/* map_bind, with the LIKE wildcards of the datasource's adapter. */
static int
map_exec_bind(const struct map *m, const struct map_var *in, size_t nin,
    const struct map_sql_info *sql, const char *special,
    struct map_res *res)
{
	size_t np = m->info.nparams, i;
	const char *stackv[16], **vals = stackv;
	struct db_param *pv;
	char *room, today[MAP_TODAY_LEN];

	if (np > nitems(stackv))
		vals = xcalloc(np, sizeof *vals);
	for (i = 0; i < np; i++) {
		vals[i] = map_exec_today(&m->params[i],
		    map_exec_input(in, nin, m->params[i].name), today);
		if (map_exec_check(&m->params[i], &vals[i], res) == -1)
			goto fail;
	}
	i = map_exec_room(m, vals);
	room = res->buf_ = i != 0 ? xmalloc(i) : NULL;
	pv = res->params_ = xcalloc(np + sql->nmarkers + 1, sizeof *pv);
	for (i = 0; i < np; i++) {
		if (vals[i] == today) {         /* kept beyond this frame */
			vals[i] = strcpy(room, today);
			room += MAP_TODAY_LEN;
		}
		map_exec_value(&m->params[i], vals[i], special, &pv[i], &room);
	}
	for (i = 0; i < sql->nmarkers; i++)
		pv[np + i] = pv[sql->markers[i]];
	res->params = pv + np;
	res->nparams = sql->nmarkers;
	res->sql = sql->bound;
	res->si = sql;
	if (vals != stackv)
		free(vals);
	return 0;
fail:
	if (vals != stackv)
		free(vals);
	return -1;
}

int
map_bind(const struct map *m, const struct map_var *in, size_t nin,
    const struct map_sql_info *sql, struct map_res *res)
{
	return map_exec_bind(m, in, nin, sql, db_adapter_like_special(NULL),
	    res);
}

static enum map_outcome
map_exec_dberr(const struct map *m, struct map_res *res)
{
	const struct db_err *e = &res->dberr;

	switch (e->kind) {
	case DBE_DOWN:
	case DBE_BUSY:
		map_exec_fail(res, MAP_DOWN, "%s", e->msg);
		break;
	case DBE_TIMEOUT:
		if (m->info.timeout_ms > 0)     /* not the datasource's */
			map_exec_fail(res, MAP_TIMEOUT, "mapping '%s': the "
			    "statement ran longer than the mapping's timeout "
			    "(%d ms, %s:%d) and was cancelled", m->info.name,
			    m->info.timeout_ms, m->info.file, m->info.line);
		else
			map_exec_fail(res, MAP_TIMEOUT, "%s", e->msg);
		break;
	case DBE_TOO_MANY:
		map_exec_fail(res, MAP_ERROR, "mapping '%s': more than %zu "
		    "row%s (on-many=\"error\")", m->info.name,
		    m->info.max_rows, m->info.max_rows == 1 ? "" : "s");
		break;
	default:
		map_exec_fail(res, MAP_ERROR, "%s", e->msg);
		break;
	}
	return res->outcome;
}

/* Compare result column names with the declared ones. */
static int
map_exec_names(const struct map *m, size_t ncols, char *const *names,
    char *msg, size_t len)
{
	size_t i;

	if (ncols != m->info.ncolumns) {
		snprintf(msg, len, "mapping '%s': the statement returns %zu "
		    "column%s, the mapping declares %zu", m->info.name, ncols,
		    ncols == 1 ? "" : "s", m->info.ncolumns);
		return -1;
	}
	for (i = 0; names != NULL && i < ncols; i++) {
		if (names[i] == NULL ||
		    strcmp(names[i], m->columns[i].name) == 0 ||
		    strcasecmp(names[i], m->columns[i].name) == 0)
			continue;
		snprintf(msg, len, "mapping '%s': column %zu is '%s', the "
		    "mapping expects '%s'", m->info.name, i + 1, names[i],
		    m->columns[i].name);
		return -1;
	}
	return 0;
}

int
map_check_columns(const struct map *m, const struct db_result *cols,
    char **cause)
{
	char msg[512];

	if (map_exec_names(m, cols->ncols, cols->names, msg, sizeof msg) == 0)
		return 0;
	return kf_error(cause, "%s", msg);
}

static void
map_exec_vars(const struct map *m, struct map_res *res)
{
	struct map_out *v;
	size_t i;

	v = res->vars_ = xcalloc(m->info.ncolumns + 1, sizeof *v);
	for (i = 0; i < m->info.ncolumns; i++) {
		v[i].name = m->columns[i].var;
		v[i].v = MAP_ROW(res, 0, i);
	}
	res->vars = v;
	res->nvars = m->info.ncolumns;
}

/* Decide the outcome from the rows a read returned. */
static enum map_outcome
map_exec_rows(const struct map *m, struct map_res *res)
{
	struct db_result *r = res->db_;
	const struct map_info *mi = &m->info;

	if (map_exec_names(m, r->ncols, r->names, res->error,
	    sizeof res->error) == -1)
		return res->outcome = MAP_ERROR;
	res->rows = r->cells;
	res->ncols = r->ncols;
	res->nrows = r->nrows;
	if (r->nrows == 0) {
		if (mi->on_empty == MAP_ON_EMPTY_ERROR)
			map_exec_fail(res, MAP_ERROR, "mapping '%s': no row "
			    "(on-empty=\"error\")", mi->name);
		else
			res->outcome = MAP_EMPTY;
		return res->outcome;
	}
	res->outcome = MAP_FOUND;
	if (r->nrows > mi->max_rows) {
		res->nrows = mi->max_rows;
		if (mi->on_many == MAP_ON_MANY_ERROR) {
			map_exec_fail(res, MAP_ERROR, "mapping '%s': more "
			    "than %zu row%s (on-many=\"error\")", mi->name,
			    mi->max_rows, mi->max_rows == 1 ? "" : "s");
			return MAP_ERROR;
		}
		if (mi->on_many == MAP_ON_MANY_MANY)
			res->outcome = MAP_MANY;
	}
	map_exec_vars(m, res);
	return res->outcome;
}

/*
 * The text sent for variant si on adapter ad -- on-many first/many ask
 * for one row more than kept -- and its hash: made on the first run and
 * kept with the mapping.  When the kept one is for another variant or
 * adapter (a failover to another DBMS), one is made in *tmp for this
 * run only (tmp->limited is then the caller's to free).
 */
/*
 * Whether the text sent depends on the datasource's adapter: a variant
 * per dialect, or a row limit in the adapter's syntax.  When it does
 * not, map_run need not ask the pool which adapter is in use.
 */
static int
map_exec_needs_adapter(const struct map *m)
{
	const struct map_info *mi = &m->info;

	return mi->nsql > 1 || m->like || (mi->rows != MAPROWS_NONE &&
	    mi->on_many != MAP_ON_MANY_ERROR && !mi->procedure);
}

static const struct map_prep *
map_exec_prep(const struct map *cm, const struct map_sql_info *si,
    const struct db_adapter *ad, struct map_prep *tmp)
{
	struct map *m = (struct map *)cm;       /* prep is set once,
						   atomically */
	const struct map_info *mi = &m->info;
	struct map_prep *p, *expect = NULL;
	char *why = NULL;

	p = atomic_load_explicit(&m->prep, memory_order_acquire);
	if (p != NULL && p->si == si && p->ad == ad)
		return p;
	memset(tmp, 0, sizeof *tmp);
	tmp->si = si;
	tmp->ad = ad;
	/* A procedure's result cannot be limited: map_exec_rows cuts it. */
	if (mi->rows != MAPROWS_NONE && mi->on_many != MAP_ON_MANY_ERROR &&
	    !mi->procedure && ad != NULL)
		tmp->limited = db_adapter_limit(ad, si->bound,
		    mi->max_rows + 1);
	tmp->sql = tmp->limited != NULL ? tmp->limited : si->bound;
	tmp->hash = db_sql_hash(tmp->sql, &tmp->len);
	/* Checked once here; a text refused is refused by db_run, each run. */
	tmp->checked = db_sql_check(tmp->sql, mi->writes ? 1 : mi->procedure ?
	    2 : 0, &tmp->trim, &why) == 0;
	free(why);
	/* Not kept while the adapter a mapping needs is not known yet. */
	if (p != NULL || (ad == NULL && map_exec_needs_adapter(m)))
		return tmp;
	p = xmalloc(sizeof *p);
	*p = *tmp;
	if (atomic_compare_exchange_strong_explicit(&m->prep, &expect, p,
	    memory_order_acq_rel, memory_order_acquire))
		return p;
	free(p);                /* another thread's run was first */
	return tmp;
}

/* The query to run. */
static void
map_exec_query(const struct map *m, const struct map_sql_info *si,
    const struct db_adapter *ad, struct map_res *res, struct db_query *q)
{
	const struct map_info *mi = &m->info;
	const struct map_prep *pp;
	struct map_prep tmp;

	memset(q, 0, sizeof *q);
	pp = map_exec_prep(m, si, ad, &tmp);
	if (pp == &tmp)
		res->sql_ = tmp.limited;
	q->sql = res->sql = pp->sql;
	q->sql_hash = pp->hash;
	q->sql_len = pp->len;
	q->checked = pp->checked;
	q->sql_trim = pp->trim;
	q->params = res->params;
	q->nparams = res->nparams;
	q->coltypes = m->coltypes;
	q->ncoltypes = mi->ncolumns;
	q->writes = mi->writes;
	q->call = mi->procedure;
	q->timeout_ms = mi->timeout_ms;
	if (mi->rows != MAPROWS_NONE && mi->on_many == MAP_ON_MANY_ERROR)
		q->max_rows = mi->max_rows;
}

static enum map_outcome
map_exec_run(const struct map *m, const struct map_sql_info *si,
    struct map_res *res, const struct db_adapter *ad)
{
	struct db_query q;

	if (m->src == NULL) {
		map_exec_fail(res, MAP_DOWN, "mapping '%s': datasource '%s' "
		    "is not open", m->info.name, m->info.datasource);
		return MAP_DOWN;
	}
	map_exec_query(m, si, ad, res, &q);
	if (db_run(m->src, &q, &res->db_, &res->dberr) == -1) {
		res->db_ = NULL;
		return map_exec_dberr(m, res);
	}
	if (m->info.rows == MAPROWS_NONE) {
		res->affected = res->db_->affected;
		return res->outcome = MAP_FOUND;
	}
	return map_exec_rows(m, res);
}

enum map_outcome
map_run(const struct map *m, const struct map_var *in, size_t nin,
    struct map_res *res)
{
	const struct db_adapter *ad = NULL;
	const struct map_sql_info *si;
	uint64_t t0 = now_us();
	unsigned us = 0;

	map_res_clear(res);
	res->affected = -1;
	if (m->src != NULL && map_exec_needs_adapter(m))
		ad = db_source_adapter_known(m->src);
	si = map_sql_for(m, ad ? db_adapter_name(ad) : NULL);
	if (map_exec_bind(m, in, nin, si, db_adapter_like_special(ad),
	    res) == 0)
		map_exec_run(m, si, res, ad);
	res->elapsed_us = (unsigned)(now_us() - t0);
	us = res->elapsed_us != 0 ? res->elapsed_us : 1;
	map_stats_add(m, res->outcome, res->outcome == MAP_FOUND ||
	    res->outcome == MAP_EMPTY || res->outcome == MAP_MANY ? us : 0);
	return res->outcome;
}

enum map_outcome
map_exec(const struct map_set *set, const char *name,
    const struct map_var *in, size_t nin, struct map_res *res)
{
	const struct map *m = map_find(set, name);

	if (m != NULL)
		return map_run(m, in, nin, res);
	map_res_clear(res);
	res->affected = -1;
	map_exec_fail(res, MAP_ERROR, "no mapping named '%s'", name);
	return MAP_ERROR;
}
