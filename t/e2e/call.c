/*
 * End-to-end: calls placed through the simulated voice modem (t/sim)
 * into the real line driver, flow interpreter, mapping engine, say-rules,
 * prompt audio and SQLite databases.  Checks the exact audio that reached
 * the caller and what the local store's call log got.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/audio.h"
#include "call/call.h"
#include "db/db.h"
#include "line/line.h"
#include "store/store.h"
#include "../sim/modemsim.h"
#include "../tap.h"

static char base[96], tmp[128];  /* tmp: one folder per call test */

static struct conf *
e2e_conf(const char *device, const char *family)
{
	const char *src = getenv("KEFU_SRCDIR");
	struct conf *conf = NULL;
	char *text, *cause = NULL, path[256];

	text = xasprintf(
	    "[kefu]\nmappings = %s/mappings/catalog\nadapters = %s/adapters\n"
	    "flows = %s/flows\nprompts = %s/prompts\nsql = %s/sql\n"
	    "spool = %s/spool\nsocket = %s/kefud.sock\nlog = -\n"
	    "[store]\ndatasource = local\n"
	    "[datasource local]\nconnect = Driver=SQLite3;Database=%s/kefu.db\n"
	    "adapter = sqlite\n"
	    "[datasource catalog]\nconnect = Driver=SQLite3;Database=%s/catalog.db\n"
	    "adapter = sqlite\nquery-timeout = 2s\n"
	    "[line 1]\ntype = modem\ndevice = %s\nfamily = %s\nrings = 2\n",
	    src, src, src, src, src, tmp, tmp, tmp, tmp, device, family);
	snprintf(path, sizeof path, "%s/kefu.conf", tmp);
	if (conf_parse(path, text, &conf, &cause) == -1) {
		tap_diag("kefu.conf: %s", cause);
		free(cause);
	}
	free(text);
	return conf;
}

static int
e2e_databases(struct svc *svc, const struct conf *conf)
{
	struct catalog_opts co = { 1, 1, CATALOG_SEED, NULL };
	char *cause = NULL;

	if (store_upgrade(svc_source(svc, "local"), conf_datasource(
	    (struct conf *)conf, "local"), conf->sql_dir, 0, NULL,
	    &cause) == -1 ||
	    catalog_build(svc_source(svc, "catalog"), conf->sql_dir, &co,
	    &cause) == -1) {
		tap_diag("databases: %s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* The audio a prompt sequence makes in the line's format. */
static int
e2e_expect(struct svc *svc, const struct audio_fmt *fmt,
    const struct flow_prompt *p, size_t n, uint8_t **buf, size_t *len)
{
	struct svc_set *set = svc_acquire(svc);
	char *cause = NULL;
	int rc;

	rc = svc_render(set, "zh-CN", p, n, fmt, buf, len, &cause);
	if (rc == -1) {
		tap_diag("render: %s", cause);
		free(cause);
	}
	svc_release(set);
	return rc;
}

static int
e2e_wait_idle(struct line *ln, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		if (line_state(ln) == LINE_IDLE)
			return 0;
		sleep_ms(20);
	}
	return -1;
}

/* Wait until n VTX segments have started. */
static int
e2e_wait_started(struct msim *sim, size_t n, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		if (msim_vtx_count(sim) >= n)
			return 0;
		sleep_ms(10);
	}
	return -1;
}

static int64_t
e2e_count(struct svc *svc, const char *sql, const char *arg)
{
	struct db_query q = { 0 };
	struct db_param p = { DBV_TEXT, 0, 0, arg };
	enum db_vtype t = DBV_INT;
	struct db_result *res;
	struct db_err err;
	int64_t n;

	q.sql = sql;
	q.params = &p;
	q.nparams = arg ? 1 : 0;
	q.coltypes = &t;
	q.ncoltypes = 1;
	if (db_run(svc_source(svc, "local"), &q, &res, &err) == -1) {
		tap_diag("%s: %s", sql, err.msg);
		return -1;
	}
	n = res->nrows ? DB_CELL(res, 0, 0)->i : -1;
	db_result_free(res);
	return n;
}

/* A price query by barcode, answered from the catalog. */
static void
e2e_price(enum msim_family fam, const char *family)
{
	struct msim_opts mo = { 0 };
	struct msim_cid cid = { "1122", "0930", "13800138000", "ZHANG SAN" };
	struct msim *sim = NULL;
	struct conf *conf;
	struct svc *svc = NULL;
	struct line *ln = NULL;
	const struct flow_prompt answer[] = {
		{ (char *)"text", (char *)"农夫山泉饮用天然水" },
		{ (char *)"price.is", NULL }, { (char *)"num.liang", NULL },
		{ (char *)"money.yuan", NULL }, { (char *)"num.9", NULL },
		{ (char *)"money.jiao", NULL },
	};
	unsigned char *heard = NULL;
	uint8_t *want = NULL;
	size_t hlen = 0, wlen = 0, seg;
	char *cause = NULL;

	snprintf(tmp, sizeof tmp, "%s/%s", base, family);
	mkdir(tmp, 0700);
	mo.family = fam;
	mo.fast = 1;
	if (msim_start(&mo, &sim, &cause) == -1) {
		ok(0, "%s: simulator starts: %s", family, cause);
		free(cause);
		return;
	}
	conf = e2e_conf(msim_path(sim), family);
	ok(conf != NULL, "%s: kefu.conf for a modem line", family);
	if (conf == NULL)
		goto out;
	if (svc_open(conf, 0, &svc, &cause) == -1) {
		ok(0, "%s: service loads: %s", family, cause);
		free(cause);
		goto out;
	}
	ok(e2e_databases(svc, conf) == 0, "%s: local store and catalog built",
	    family);
	ok(line_new(&conf->lines[0], &ln, &cause) == 0 &&
	    line_start(ln, svc_line_call, svc, &cause) == 0,
	    "%s: line thread starts", family);
	ok(e2e_wait_idle(ln, 10000) == 0, "%s: modem initialised, line idle",
	    family);

	msim_ring(sim, 3, 300, &cid);
	ok(msim_wait_hook(sim, 1, 5000) == 0, "%s: call answered", family);
	/*
	 * Press 1 during the greeting (barge-in: the key skips the menu
	 * prompt and chooses the price service), then type the barcode
	 * during "please enter the barcode"; the answer plays in full.
	 * Segments: 0 greeting, 1 ask for the code, 2 the answer, 3 again?
	 */
	ok(e2e_wait_started(sim, 1, 8000) == 0, "%s: greeting starts", family);
	msim_dtmf(sim, "1", 200);
	ok(e2e_wait_started(sim, 2, 8000) == 0, "%s: asked for the barcode",
	    family);
	msim_dtmf(sim, "6971105000018#", 200);
	ok(msim_wait_vtx(sim, 3, 30000) == 0, "%s: the answer played to its "
	    "end", family);
	if (getenv("E2E_DEBUG")) {
		char *t = msim_transcript(sim);
		tap_diag("vtx %zu transcript:\n%s", msim_vtx_count(sim), t);
		free(t);
	}
	seg = 2;
	ok(msim_vtx_audio(sim, seg, &heard, &hlen, NULL) == 0,
	    "%s: the answer's audio captured", family);
	ok(e2e_expect(svc, &ln->fmt, answer, nitems(answer), &want,
	    &wlen) == 0, "%s: expected answer rendered", family);
	is_int(hlen, wlen, "%s: the caller heard exactly as many bytes as the "
	    "price answer has", family);
	ok(hlen == wlen && wlen > 0 && memcmp(heard, want, wlen) == 0,
	    "%s: the caller heard exactly the price answer's audio "
	    "(name, 价格是 两元九角)", family);
	msim_hangup(sim, MSIM_HUP_LOOP, 0);
	ok(msim_wait_hook(sim, 0, 8000) == 0, "%s: kefu hung up after the "
	    "caller left", family);
	ok(e2e_wait_idle(ln, 8000) == 0, "%s: line back to idle", family);
	sleep_ms(200);
	is_int(e2e_count(svc, "SELECT COUNT(*) FROM call_log WHERE "
	    "caller_id = ?", "13800138000"), 1,
	    "%s: one call logged with the caller's number", family);
	is_int(e2e_count(svc, "SELECT COUNT(*) FROM call_queries WHERE "
	    "mapping = 'catalog.price' AND params = ?",
	    "code=6971105000018"), 1,
	    "%s: the price query and its bound barcode logged", family);
out:
	free(heard);
	free(want);
	if (ln != NULL) {
		line_stop(ln);
		line_free(ln);
	}
	svc_close(svc);
	conf_free(conf);
	if (sim != NULL)
		msim_stop(sim);
}

int
main(void)
{
	char cmd[300], *schema;

	if (getenv("KEFU_SRCDIR") == NULL)
		tap_skip_all("KEFU_SRCDIR not set");
	schema = xasprintf("%s/mappings/mapping.rng", getenv("KEFU_SRCDIR"));
	setenv("KEFU_MAPPING_SCHEMA", schema, 1);
	free(schema);
	log_open("e2e", "-", KLOG_WARN, NULL);
	snprintf(base, sizeof base, "/tmp/kefu-e2e-%ld", (long)getpid());
	mkdir(base, 0700);
	e2e_price(MSIM_CONEXANT, "conexant");
	e2e_price(MSIM_USR, "usr");
	snprintf(cmd, sizeof cmd, "rm -rf %s", base);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", base);
	return tap_done();
}
