/*
 * e2e.c: the shared set-up of the end-to-end tests (e2e.h): a simulated
 * modem, kefu.conf, the service, the SQLite local store and demo catalog,
 * the line thread; placing calls and comparing the audio that reached
 * the caller with the prompts svc_render makes of the expected list.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audio/audio.h"
#include "svc/svc.h"
#include "db/db.h"
#include "line/line.h"
#include "store/store.h"
#include "e2e.h"
#include "../tap.h"

void
e2e_families(const char *tag, e2e_family_h *fn)
{
	char base[96], cmd[300];

	if (getenv("KEFU_SRCDIR") == NULL)
		tap_skip_all("KEFU_SRCDIR not set");
	e2e_init();
	snprintf(base, sizeof base, "/tmp/kefu-%s-%ld", tag, (long)getpid());
	mkdir(base, 0700);
	fn(MSIM_CONEXANT, "conexant", base);
	fn(MSIM_USR, "usr", base);
	snprintf(cmd, sizeof cmd, "rm -rf %s", base);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", base);
}

/* A child's output into dir/tap and dir/log, then run it. */
static void
e2e_child(size_t i, const char *dir, e2e_job_h *run)
{
	char path[300];
	int fd;

	snprintf(path, sizeof path, "%s/tap", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	close(fd);
	snprintf(path, sizeof path, "%s/log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	run(i, dir);
	_exit(1);
}

/* Print the file dir/name line by line as diagnostics of scenario. */
static void
e2e_dump(const char *dir, const char *scenario)
{
	char path[300], line[2048];
	FILE *fp;

	snprintf(path, sizeof path, "%s/log", dir);
	if ((fp = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		tap_diag("%s log: %s", scenario, line);
	}
	fclose(fp);
}

/* Re-emit a child's TAP output through check, under its name. */
static void
e2e_collect(const char *name, const char *dir, int status,
    e2e_check_h *check)
{
	char path[300], line[2048], what[2300], *p;
	FILE *fp;
	int n = 0, bad = 0;

	snprintf(path, sizeof path, "%s/tap", dir);
	if ((fp = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof line, fp) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			if (strncmp(line, "ok ", 3) == 0 ||
			    strncmp(line, "not ok ", 7) == 0) {
				p = strstr(line, " - ");
				bad += line[0] == 'n';
				snprintf(what, sizeof what, "%s: %s", name,
				    p ? p + 3 : line);
				check(line[0] == 'o', what);
				n++;
			} else if (line[0] == '#')
				printf("%s\n", line);
			else if (strncmp(line, "1..", 3) != 0)
				tap_diag("%s", line);
		}
		fclose(fp);
	}
	snprintf(what, sizeof what, "%s: scenario ran to its end (%d checks)",
	    name, n);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0 && n > 0, what);
	if (bad || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    getenv("E2E_DEBUG")) {
		if (WIFSIGNALED(status))
			tap_diag("%s: killed by signal %d", name,
			    WTERMSIG(status));
		e2e_dump(dir, name);
	}
}

int
e2e_jobs(const char *tag, const char *const *names, size_t n,
    e2e_job_h *run, e2e_check_h *check)
{
	const char *only = getenv("E2E_ONLY");
	char base[96], (*dir)[160], cmd[200];
	pid_t *pid;
	int *status;
	size_t i;

	if (getenv("KEFU_SRCDIR") == NULL)
		tap_skip_all("KEFU_SRCDIR not set");
	e2e_init();
	snprintf(base, sizeof base, "/tmp/kefu-%s-%ld", tag, (long)getpid());
	if (mkdir(base, 0700) == -1) {
		printf("Bail out! %s: %s\n", base, strerror(errno));
		return -1;
	}
	dir = xcalloc(n, sizeof *dir);
	pid = xcalloc(n, sizeof *pid);
	status = xcalloc(n, sizeof *status);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		pid[i] = -1;
		snprintf(dir[i], sizeof dir[i], "%s/%s", base, names[i]);
		if (only != NULL && strstr(only, names[i]) == NULL)
			continue;
		mkdir(dir[i], 0700);
		if ((pid[i] = fork()) == -1) {
			printf("Bail out! fork: %s\n", strerror(errno));
			return -1;
		}
		if (pid[i] == 0)
			e2e_child(i, dir[i], run);
	}
	for (i = 0; i < n; i++)
		if (pid[i] > 0 && waitpid(pid[i], &status[i], 0) == -1)
			status[i] = -1;
	for (i = 0; i < n; i++)
		if (pid[i] > 0)
			e2e_collect(names[i], dir[i], status[i], check);
	snprintf(cmd, sizeof cmd, "rm -rf %s", base);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", base);
	free(dir);
	free(pid);
	free(status);
	return 0;
}

/* The scenarios e2e_scenarios runs (each child reads them). */
static const struct e2e_runner *e2e_sc_runner;
static const struct e2e_scenario *e2e_sc_list;

/* One scenario in its child (e2e_job_h): its checks, then exit. */
static void
e2e_scenario_run(size_t i, const char *dir)
{
	const struct e2e_runner *r = e2e_sc_runner;
	const struct e2e_scenario *sc = &e2e_sc_list[i];
	struct e2e e;
	char *flows = NULL, what[300];
	size_t k;
	int rc;

	alarm(240);     /* a wedged scenario fails instead of hanging */
	if (sc->own_flows && (flows = r->flows(dir)) == NULL) {
		snprintf(what, sizeof what, "%s: test flows", sc->name);
		r->check(0, what);
		exit(r->done());
	}
	rc = e2e_open(&e, sc->fam, dir, flows);
	if (rc == 0 && r->setup != NULL)
		r->setup(&e);
	snprintf(what, sizeof what, "%s: %s: modem, service, store, catalog "
	    "and line up; line idle", sc->name, msim_family_name(sc->fam));
	r->check(rc == 0, what);
	if (e.ln != NULL && line_state(e.ln) == LINE_IDLE)
		for (k = 0; k < nitems(sc->fn) && sc->fn[k] != NULL; k++)
			sc->fn[k](&e);
	e2e_close(&e);
	free(flows);
	exit(r->done());
}

int
e2e_scenarios(const struct e2e_runner *r, const struct e2e_scenario *sc,
    size_t n)
{
	const char **names;
	size_t i;
	int rc;

	e2e_sc_runner = r;
	e2e_sc_list = sc;
	names = xcalloc(n, sizeof *names);
	for (i = 0; i < n; i++)
		names[i] = sc[i].name;
	rc = e2e_jobs(r->tag, names, n, e2e_scenario_run, r->check);
	free(names);
	return rc;
}

void
e2e_init(void)
{
	char *schema;

	schema = xasprintf("%s/mappings/mapping.rng", getenv("KEFU_SRCDIR"));
	setenv("KEFU_MAPPING_SCHEMA", schema, 1);
	free(schema);
	/* for flows written by a test outside the source tree */
	schema = xasprintf("%s/flows/flow.rng", getenv("KEFU_SRCDIR"));
	setenv("KEFU_FLOW_SCHEMA", schema, 1);
	free(schema);
	log_open("e2e", "-", getenv("E2E_DEBUG") ? KLOG_DEBUG : KLOG_WARN,
	    NULL);
}

static struct conf *
e2e_conf(struct e2e *e, const char *flows_dir)
{
	const char *src = getenv("KEFU_SRCDIR");
	struct conf *conf = NULL;
	char *text, *flows, *cause = NULL, path[256];

	flows = flows_dir ? xstrdup(flows_dir) : xasprintf("%s/flows", src);
	text = xasprintf(
	    "[kefu]\nmappings = %s/mappings/catalog\nadapters = %s/adapters\n"
	    "flows = %s\nprompts = %s/prompts\nsql = %s/sql\n"
	    "spool = %s/spool\nsocket = %s/kefud.sock\nlog = -\n"
	    "[store]\ndatasource = local\n"
	    "[datasource local]\nconnect = Driver=SQLite3;Database=%s/kefu.db\n"
	    "adapter = sqlite\n"
	    "[datasource catalog]\n"
	    "connect = Driver=SQLite3;Database=%s/catalog.db\n"

	    "adapter = sqlite\nquery-timeout = 2s\n"
	    "[line 1]\ntype = modem\ndevice = %s\nfamily = %s\nrings = 2\n",
	    src, src, flows, src, src, e->dir, e->dir, e->dir, e->dir,
	    msim_path(e->sim), e->family);
	snprintf(path, sizeof path, "%s/kefu.conf", e->dir);
	if (conf_parse(path, text, &conf, &cause) == -1) {
		tap_diag("kefu.conf: %s", cause);
		free(cause);
	}
	free(text);
	free(flows);
	return conf;
}

static int
e2e_databases(struct e2e *e)
{
	struct catalog_opts co = { 1, 1, CATALOG_SEED, NULL };
	char *cause = NULL;

	if (store_upgrade(svc_source(e->svc, "local"), conf_datasource(
	    e->conf, "local"), e->conf->sql_dir, 0, NULL, &cause) == -1 ||
	    catalog_build(svc_source(e->svc, "catalog"), e->conf->sql_dir, &co,
	    &cause) == -1) {
		tap_diag("databases: %s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

int
e2e_open(struct e2e *e, enum msim_family fam, const char *dir,
    const char *flows_dir)
{
	struct msim_opts mo = { 0 };
	char *cause = NULL;

	memset(e, 0, sizeof *e);
	snprintf(e->dir, sizeof e->dir, "%s", dir);
	mkdir(e->dir, 0700);
	e->family = msim_family_name(fam);
	mo.family = fam;
	mo.fast = 1;
	if (msim_start(&mo, &e->sim, &cause) == -1) {
		tap_diag("%s: simulator: %s", e->family, cause);
		free(cause);
		return -1;
	}
	if ((e->conf = e2e_conf(e, flows_dir)) == NULL)
		return -1;
	if (svc_open(e->conf, 0, &e->svc, &cause) == -1) {
		tap_diag("%s: service: %s", e->family, cause);
		free(cause);
		return -1;
	}
	if (e2e_databases(e) == -1)
		return -1;
	if (line_new(&e->conf->lines[0], &e->ln, &cause) == -1 ||
	    line_start(e->ln, svc_line_call, e->svc, &cause) == -1) {
		tap_diag("%s: line: %s", e->family, cause);
		free(cause);
		return -1;
	}
	if (e2e_wait_idle(e, 10000) == -1) {
		tap_diag("%s: the line did not become idle", e->family);
		return -1;
	}
	return 0;
}

void
e2e_close(struct e2e *e)
{
	if (e->ln != NULL) {
		line_stop(e->ln);
		line_free(e->ln);
	}
	svc_close(e->svc);
	conf_free(e->conf);
	if (e->sim != NULL)
		msim_stop(e->sim);
	memset(e, 0, sizeof *e);
}

int
e2e_wait_idle(struct e2e *e, unsigned ms)
{
	return tap_wait(line_state(e->ln) == LINE_IDLE, ms) ? 0 : -1;
}

int
e2e_ring(struct e2e *e, const char *number)
{
	struct msim_cid cid = { "1122", "0930", number, NULL };

	e->base = msim_vtx_count(e->sim);
	if (msim_ring(e->sim, 3, 300, number ? &cid : NULL) == -1)
		return -1;
	return msim_wait_hook(e->sim, 1, 5000);
}

int
e2e_wait_end(struct e2e *e, unsigned ms)
{
	if (msim_wait_hook(e->sim, 0, ms) == -1) {
		tap_diag("%s: kefu stayed off hook", e->family);
		return -1;
	}
	return e2e_wait_idle(e, ms);
}

int
e2e_wait_seg(struct e2e *e, size_t seg, unsigned ms)
{
	return msim_wait_vtx_started(e->sim, e->base + seg + 1, ms);
}

int
e2e_key_at(struct e2e *e, size_t seg, const char *keys, size_t nbytes)
{
	if (e2e_wait_seg(e, seg, 30000) == -1) {
		tap_diag("%s: segment %zu never started (%zu so far)",
		    e->family, seg, msim_vtx_count(e->sim) - e->base);
		return -1;
	}
	return msim_dtmf_at_byte(e->sim, keys, nbytes);
}

int
e2e_hangup_at(struct e2e *e, size_t seg, enum msim_hangup how,
    size_t nbytes)
{
	if (e2e_wait_seg(e, seg, 30000) == -1) {
		tap_diag("%s: segment %zu never started", e->family, seg);
		return -1;
	}
	return msim_hangup_at_byte(e->sim, how, nbytes);
}

void
e2e_ids(struct flow_prompts *ps, const char *ids)
{
	char *copy = xstrdup(ids), *p, *tok, *save = NULL;

	for (p = copy; (tok = strtok_r(p, " ", &save)) != NULL; p = NULL)
		flow_prompts_add(ps, tok, NULL);
	free(copy);
}

int
e2e_say(struct e2e *e, struct flow_prompts *ps, const char *lang,
    const char *as, const char *value, const char *unit)
{
	struct svc_set *set = svc_acquire(e->svc);
	char *cause = NULL;
	int rc;

	rc = set->env.say->say(set->env.say_arg, lang, as, value, unit, -1,
	    ps, &cause);
	if (rc == -1) {
		tap_diag("say %s as %s: %s", value, as, cause);
		free(cause);
	}
	svc_release(set);
	return rc;
}

int
e2e_render(struct e2e *e, const char *lang, const struct flow_prompt *p,
    size_t n, uint8_t **buf, size_t *len)
{
	struct svc_set *set = svc_acquire(e->svc);
	char *cause = NULL;
	int rc;

	rc = svc_render(set, lang, p, n, &e->ln->fmt, buf, len, &cause);
	if (rc == -1) {
		tap_diag("render: %s", cause);
		free(cause);
	}
	svc_release(set);
	return rc;
}

/* The byte of silence in the line's format. */
static uint8_t
e2e_silence(const struct e2e *e)
{
	switch (e->ln->fmt.enc) {
	case AUDIO_ULAW:
		return 0xff;
	case AUDIO_ALAW:
		return 0xd5;
	case AUDIO_U8:
		return 0x80;
	default:
		return 0x00;
	}
}

int
e2e_seg(struct e2e *e, size_t seg, unsigned ms, const char *lang,
    const struct flow_prompts *ps, enum e2e_cmp how, size_t *heard)
{
	unsigned char *h = NULL;
	uint8_t *w = NULL;
	size_t hlen = 0, wlen = 0, i, n;
	enum msim_vtx_end end;
	int rc = -1;

	if (heard != NULL)
		*heard = 0;
	if (msim_wait_vtx(e->sim, e->base + seg + 1, ms) == -1) {
		tap_diag("%s: segment %zu did not end in %u ms (%zu started)",
		    e->family, seg, ms, msim_vtx_count(e->sim) - e->base);
		return -1;
	}
	if (msim_vtx_audio(e->sim, e->base + seg, &h, &hlen, &end) == -1 ||
	    e2e_render(e, lang, ps->v, ps->n, &w, &wlen) == -1)
		goto out;
	/*
	 * A prompt stopped early ends with the one byte of silence that the
	 * line writes before DLE CAN (after vgetty's flush).
	 */
	if (how == E2E_CUT && end == MSIM_VTX_CANCEL && hlen > 0 &&
	    h[hlen - 1] == e2e_silence(e))
		hlen--;
	if (heard != NULL)
		*heard = hlen;
	n = hlen < wlen ? hlen : wlen;
	for (i = 0; i < n && h[i] == w[i]; i++)
		;
	if (how == E2E_WHOLE && hlen == wlen && i == n)
		rc = 0;
	else if (how == E2E_CUT && hlen > 0 && hlen < wlen && i == n)
		rc = 0;
	else
		tap_diag("%s: segment %zu: heard %zu bytes, the prompts have "
		    "%zu (%s wanted), first difference at byte %zu%s",
		    e->family, seg, hlen, wlen, how == E2E_WHOLE ? "all" :
		    "a start", i, i == n ? " (none)" : "");
out:
	free(h);
	free(w);
	return rc;
}

int
e2e_seg_ids(struct e2e *e, size_t seg, const char *ids, enum e2e_cmp how)
{
	struct flow_prompts ps = { NULL, 0 };
	int rc;

	e2e_ids(&ps, ids);
	rc = e2e_seg(e, seg, E2E_SEG_MS, "zh-CN", &ps, how, NULL);
	flow_prompts_clear(&ps);
	return rc;
}

int
e2e_seg_is(struct e2e *e, size_t seg, struct flow_prompts *ps)
{
	int rc = e2e_seg(e, seg, E2E_SEG_MS, "zh-CN", ps, E2E_WHOLE, NULL);

	flow_prompts_clear(ps);
	return rc;
}

int
e2e_keys(struct e2e *e, size_t seg, const char *keys)
{
	return e2e_key_at(e, seg, keys, E2E_BYTES_S / 2);
}

int
e2e_leave(struct e2e *e, size_t seg, const char *ids)
{
	if (e2e_hangup_at(e, seg, MSIM_HUP_LOOP, E2E_BYTES_S / 2) == -1 ||
	    e2e_seg_ids(e, seg, ids, E2E_CUT) == -1 ||
	    e2e_wait_end(e, 8000) == -1)
		return -1;
	return 0;
}

static int
e2e_query(struct e2e *e, const char *sql, const char *arg,
    enum db_vtype type, struct db_result **res)
{
	struct db_query q = { 0 };
	struct db_param p = { DBV_TEXT, 0, 0, arg };
	struct db_err err;

	q.sql = sql;
	q.params = &p;
	q.nparams = arg ? 1 : 0;
	q.coltypes = &type;
	q.ncoltypes = 1;
	if (db_run(svc_source(e->svc, "local"), &q, res, &err) == -1) {
		tap_diag("%s: %s", sql, err.msg);
		return -1;
	}
	return 0;
}

int
e2e_exec(struct e2e *e, const char *source, const char *sql)
{
	struct db_query q = { 0 };
	struct db_result *res;
	struct db_err err;

	q.sql = sql;
	q.writes = 1;
	if (db_run(svc_source(e->svc, source), &q, &res, &err) == -1) {
		tap_diag("%s: %s", sql, err.msg);
		return -1;
	}
	db_result_free(res);
	return 0;
}

int64_t
e2e_count(struct e2e *e, const char *sql, const char *arg)
{
	struct db_result *res;
	int64_t n;

	if (e2e_query(e, sql, arg, DBV_INT, &res) == -1)
		return -1;
	n = res->nrows && !DB_CELL(res, 0, 0)->null ? DB_CELL(res, 0, 0)->i :
	    -1;
	db_result_free(res);
	return n;
}

char *
e2e_text(struct e2e *e, const char *sql, const char *arg)
{
	struct db_result *res;
	char *s = NULL;

	if (e2e_query(e, sql, arg, DBV_TEXT, &res) == -1)
		return NULL;
	if (res->nrows && !DB_CELL(res, 0, 0)->null)
		s = xstrdup(DB_CELL(res, 0, 0)->s);
	db_result_free(res);
	return s;
}

int64_t
e2e_last_call(struct e2e *e)
{
	return e2e_count(e, "SELECT MAX(id) FROM call_log WHERE line = ?",
	    e->ln->name);
}

char *
e2e_last_col(struct e2e *e, const char *col)
{
	char sql[200], id[32];

	snprintf(id, sizeof id, "%lld", (long long)e2e_last_call(e));
	snprintf(sql, sizeof sql, "SELECT %s FROM call_log WHERE id = "
	    "CAST(? AS INTEGER)", col);
	return e2e_text(e, sql, id);
}

char *
e2e_last_queries(struct e2e *e, int nrows)
{
	struct strbuf sb = STRBUF_INIT;
	char sql[300], id[32], *s;
	int64_t n, i;

	snprintf(id, sizeof id, "%lld", (long long)e2e_last_call(e));
	n = e2e_count(e, "SELECT COUNT(*) FROM call_queries WHERE call_id = "
	    "CAST(? AS INTEGER)", id);
	for (i = 1; i <= n; i++) {
		snprintf(sql, sizeof sql, "SELECT mapping || '(' || "
		    "COALESCE(params, '') || ')=' || COALESCE(error_kind, "
		    "'ok')%s FROM call_queries WHERE call_id = CAST(? AS "
		    "INTEGER) AND seq = %lld", nrows ? " || '/' || "
		    "COALESCE(CAST(nrows AS VARCHAR(12)), '-')" : "",
		    (long long)i);
		s = e2e_text(e, sql, id);
		sb_addf(&sb, "%s%s", i > 1 ? ";" : "", s ? s : "?");
		free(s);
	}
	return sb_steal(&sb);
}

enum flow_outcome
e2e_map(struct e2e *e, const char *name, const struct flow_kv *in,
    size_t nin, struct flow_rows *rows)
{
	struct svc_set *set = svc_acquire(e->svc);
	enum flow_outcome o;
	char *cause = NULL;

	o = set->env.map->query(set->env.map_arg, name, in, nin, rows, &cause);
	if (cause != NULL) {
		tap_diag("%s: %s", name, cause);
		free(cause);
	}
	svc_release(set);
	return o;
}

const char *
e2e_col(const struct flow_rows *rows, size_t i, const char *var)
{
	size_t c;

	for (c = 0; c < rows->ncols; c++)
		if (strcmp(rows->names[c], var) == 0)
			return i < rows->nrows ?
			    rows->values[i * rows->ncols + c] : NULL;
	return NULL;
}
