/*
 * End-to-end: the catalog's database goes away and comes back while
 * callers ask for prices through the simulated voice modem (t/sim).  The
 * catalog lives on PostgreSQL (KEFU_TEST_PG) behind a loopback TCP proxy
 * this test controls: it drops every connection (a server that is down),
 * or freezes (a network that stopped), then forwards again; then callers
 * one after another through a long freeze (KEFU_TEST_FREEZE_S, 15 s by
 * default).  Also a reload of the flows (svc_reload) in the middle of a
 * call.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audio/audio.h"
#include "svc/svc.h"
#include "db/db.h"
#include "line/line.h"
#include "store/store.h"
#include "e2e.h"
#include "../churn.h"
#include "../proxy.h"
#include "../tap.h"

#define TIMEOUT_MS 2000         /* query-timeout and connect-timeout */
#define SEG_MS 30000
static const char code[] = "6971105000018";
static const char code_hash[] = "6971105000018#";
static const char water[] = "农夫山泉饮用天然水";

/* The set-up: like e2e_open, with the catalog on PostgreSQL via px. */
static struct proxy px;
static char schema[40];
static char base[96];

static uint64_t t_start;
#define T(what) printf("# %6llu ms: %s\n", \
    (unsigned long long)(now_ms() - t_start), what)

static int
setup(struct e2e *e, const char *pg)
{
	const char *src = getenv("KEFU_SRCDIR");
	struct msim_opts mo = { 0 };
	struct catalog_opts co = { 1, 1, CATALOG_SEED, NULL };
	char *text, *conn, *cause = NULL, path[256], sql[96];
	int upstream;

	memset(e, 0, sizeof *e);
	snprintf(e->dir, sizeof e->dir, "%s", base);
	e->family = msim_family_name(MSIM_CONEXANT);
	mo.family = MSIM_CONEXANT;
	mo.fast = 1;
	if (msim_start(&mo, &e->sim, &cause) == -1) {
		tap_diag("simulator: %s", cause);
		free(cause);
		return -1;
	}
	conn = proxy_connstr(pg, 0, &upstream);
	free(conn);
	if (proxy_start(&px, upstream) == -1) {
		tap_diag("cannot start the proxy: %s", strerror(errno));
		return -1;
	}
	conn = proxy_connstr(pg, px.port, &upstream);
	text = xasprintf(
	    "[kefu]\nmappings = %s/mappings/catalog\nadapters = %s/adapters\n"
	    "flows = %s/flows\nprompts = %s/prompts\nsql = %s/sql\n"
	    "spool = %s/spool\nsocket = %s/kefud.sock\nlog = -\n"
	    "[store]\ndatasource = local\n"
	    "[datasource local]\nconnect = Driver=SQLite3;Database=%s/kefu.db\n"
	    "adapter = sqlite\n"
	    "[datasource catalog]\nconnect = %s;ConnSettings=SET search_path "
	    "TO %s\nadapter = postgresql\nquery-timeout = %dms\n"
	    "connect-timeout = %dms\nidle-check = 1s\n"
	    "[line 1]\ntype = modem\ndevice = %s\nfamily = %s\nrings = 2\n",
	    src, src, base, src, src, base, base, base, conn, schema,
	    TIMEOUT_MS, TIMEOUT_MS, msim_path(e->sim), e->family);
	free(conn);
	snprintf(path, sizeof path, "%s/kefu.conf", base);
	if (conf_parse(path, text, &e->conf, &cause) == -1) {
		tap_diag("kefu.conf: %s", cause);
		free(cause);
		free(text);
		return -1;
	}
	free(text);
	if (svc_open(e->conf, 0, &e->svc, &cause) == -1) {
		tap_diag("service: %s", cause);
		free(cause);
		return -1;
	}
	snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
	if (e2e_exec(e, "catalog", sql) == -1)
		return -1;
	if (store_upgrade(svc_source(e->svc, "local"), conf_datasource(
	    e->conf, "local"), e->conf->sql_dir, 0, NULL, &cause) == -1 ||
	    catalog_build(svc_source(e->svc, "catalog"), e->conf->sql_dir, &co,
	    &cause) == -1) {
		tap_diag("databases: %s", cause);
		free(cause);
		return -1;
	}
	if (line_new(&e->conf->lines[0], &e->ln, &cause) == -1 ||
	    line_start(e->ln, svc_line_call, e->svc, &cause) == -1) {
		tap_diag("line: %s", cause);
		free(cause);
		return -1;
	}
	return e2e_wait_idle(e, 10000);
}

/* What a segment was. */
enum heard { H_OTHER = -1, H_BUSY, H_ANSWER, H_MENU, H_ASK, H_AGAIN,
    H_INVALID, H_TIMEOUT, H_NOTFOUND };
static const char *const heard_names[] = { "busy", "answer", "menu",
    "ask", "again", "invalid", "timeout", "not found" };
static const char menu_ids[] = "menu.price menu.promo menu.notice "
    "menu.member menu.order menu.complaint menu.staff menu.lang menu.repeat";

static int
render_ids(struct e2e *e, const char *ids, const char *text, uint8_t **buf,
    size_t *len)
{
	struct flow_prompts ps = { NULL, 0 };
	int rc;

	if (text != NULL)
		flow_prompts_add(&ps, "text", text);
	e2e_ids(&ps, ids);
	rc = e2e_render(e, "zh-CN", ps.v, ps.n, buf, len);
	flow_prompts_clear(&ps);
	return rc;
}

/*
 * heard is a non-empty start of want (or all of it), after some silence
 * the line may have played first while a query ran (a segment that
 * began as silence goes on with the prompt).
 */
static int
is_start(const unsigned char *h, size_t hlen, const uint8_t *w, size_t wlen)
{
	size_t o, quiet;

	for (quiet = 0; quiet < hlen && h[quiet] == h[0]; quiet++)
		;
	for (o = 0; o <= quiet && o < hlen; o++)
		if (hlen - o <= wlen && memcmp(h + o, w, hlen - o) == 0)
			return 1;
	return 0;
}

/*
 * Wait for segment seg of the call to end; which prompt it was.  A
 * segment cut by a key or hang-up counts by its start.
 */
static enum heard
classify(struct e2e *e, size_t seg)
{
	static const struct { const char *ids, *text; } kinds[] = {
		{ "sys.busy", NULL },
		{ "price.is num.liang money.yuan num.9 money.jiao", water },
		{ menu_ids, NULL },
		{ "price.ask_code", NULL },
		{ "price.again", NULL },
		{ "input.invalid", NULL },
		{ "input.timeout", NULL },
		{ "price.not_found", NULL },
	};
	unsigned char *h = NULL;
	uint8_t *w;
	size_t hlen = 0, wlen, k;
	enum msim_vtx_end end;
	enum heard r = H_OTHER;

	if (msim_wait_vtx(e->sim, e->base + seg + 1, SEG_MS) == -1 ||
	    msim_vtx_audio(e->sim, e->base + seg, &h, &hlen, &end) == -1) {
		tap_diag("segment %zu did not end", seg);
		return H_OTHER;
	}
	/* A cut prompt ends with one filler byte the line wrote. */
	if (end == MSIM_VTX_CANCEL && hlen > 1)
		hlen--;
	for (k = 0; k < nitems(kinds) && r == H_OTHER; k++) {
		w = NULL;
		if (render_ids(e, kinds[k].ids, kinds[k].text, &w,
		    &wlen) == 0 && is_start(h, hlen, w, wlen))
			r = (enum heard)k;
		if (r == H_OTHER && getenv("E2E_DEBUG") && w != NULL) {
			size_t i;
			for (i = 0; i < hlen && i < wlen && h[i] == w[i]; i++)
				;
			tap_diag("  %s: %zu bytes, same up to %zu",
			    heard_names[k], wlen, i);
		}
		free(w);
	}
	if (r == H_OTHER)
		tap_diag("segment %zu: %zu bytes heard (end %d) match no "
		    "prompt expected", seg, hlen, (int)end);
	else if (r > H_AGAIN)
		tap_diag("segment %zu: %s", seg, heard_names[r]);
	free(h);
	return r;
}

/* Segment seg has started; now_ms() then, 0 on time-out. */
static uint64_t
seg_started(struct e2e *e, size_t seg, unsigned ms)
{
	if (msim_wait_vtx_started(e->sim, e->base + seg + 1, ms) == -1) {
		tap_diag("segment %zu did not start", seg);
		return 0;
	}
	return now_ms();
}

/*
 * A call: ring, press 1 at the greeting, the price service asks for the
 * code (segment 1).  0 when it did.
 */
static int
call_start(struct e2e *e)
{
	if (e2e_wait_idle(e, 10000) == -1 || e2e_ring(e, "13900139000") == -1) {
		tap_diag("the call was not answered");
		return -1;
	}
	if (e2e_key_at(e, 0, "1", 0) == -1 || seg_started(e, 1, 8000) == 0)
		return -1;
	return 0;
}

/*
 * What segment k holds so far: 1 sound, 0 silence and ended, -1 no
 * audio; 2 silence and still playing.
 */
static int
seg_sound(struct e2e *e, size_t k)
{
	unsigned char *h;
	size_t hlen, i;
	enum msim_vtx_end end;

	if (msim_vtx_audio(e->sim, e->base + k, &h, &hlen, &end) == -1)
		return -1;
	for (i = 1; i < hlen && h[i] == h[0]; i++)
		;
	free(h);
	if (i < hlen)
		return 1;
	return end != MSIM_VTX_OPEN ? 0 : 2;
}

/*
 * The first segment from seg on that is not silence (the line may keep
 * the modem busy with silence while a query runs): its index, or -1;
 * *t: when it started.
 */
static long
first_sound(struct e2e *e, size_t seg, uint64_t *t)
{
	size_t k;
	int r;

	for (k = seg; k < seg + 8; k++) {
		if ((*t = seg_started(e, k, SEG_MS)) == 0)
			return -1;
		/* sound, or the end of its silence */
		tap_wait((r = seg_sound(e, k)) != 2, SEG_MS);
		if (r == 1)
			return (long)k;
		if (r != 0)
			return -1;
	}
	return -1;
}

/*
 * Ask for the price at segment seg (price.ask_code or price.again is
 * playing or about to): type the code, then # (*key_ms: when # went).
 * *rseg: the answer's segment; *ans_ms: when its audio started.  With
 * leave, the caller hangs up half a second into the answer.
 */
static enum heard
ask(struct e2e *e, size_t seg, int leave, uint64_t *key_ms, uint64_t *ans_ms,
    size_t *rseg)
{
	long r;

	*key_ms = *ans_ms = 0;
	*rseg = seg + 1;
	if (seg_started(e, seg, SEG_MS) == 0)
		return H_OTHER;
	/*
	 * As a caller does: a moment into the prompt (barge-in), the code,
	 * then #, all in one go (the simulator sends the keys in order; #
	 * sent after a guessed pause could overtake the code's last keys on
	 * a loaded machine, and the caller was heard as "invalid").
	 */
	msim_dtmf(e->sim, code_hash, 200);
	if ((r = first_sound(e, seg + 1, ans_ms)) == -1)
		return H_OTHER;
	/* # is the last key pressed: when it went out, by the same clock */
	*key_ms = msim_last_key_us(e->sim) / 1000;
	*rseg = (size_t)r;
	if (leave)
		msim_hangup_at_byte(e->sim, MSIM_HUP_LOOP, 4000);
	return classify(e, *rseg);
}

/* The caller leaves now; the line must be idle again. */
static int
call_end(struct e2e *e)
{
	msim_hangup(e->sim, MSIM_HUP_LOOP, 0);
	return e2e_wait_end(e, 10000);
}

/* A price query as a <query> runs it; the outcome. */
static enum flow_outcome
map_price(struct e2e *e)
{
	struct flow_kv kv = { "code", code, "digits" };
	struct flow_rows rows;
	enum flow_outcome o;

	memset(&rows, 0, sizeof rows);
	o = e2e_map(e, "catalog.price", &kv, 1, &rows);
	flow_rows_clear(&rows);
	return o;
}

/*
 * One outage: mode 'd' (the server is down) or 'f' (the network froze).
 * A caller asks while the database is gone: busy within the timeout and
 * a second.  A second caller right after hears busy fast, and the call
 * goes on at the main menu.  Then the database comes back: asking every
 * second, answers resume within 5 s; a caller gets the price again.
 */
static void
outage(struct e2e *e, char mode, const char *what, int *recovery_ms)
{
	uint64_t key, ans, back, t;
	enum flow_outcome o = FLOW_Q_DOWN;
	size_t rseg;
	enum heard h;
	int tries;

	*recovery_ms = -1;
	if (proxy_mode(&px, mode) == 0)
		tap_diag("the proxy does not answer");
	ok(call_start(e) == 0, "%s: a caller reaches the price service",
	    what);
	h = ask(e, 1, 1, &key, &ans, &rseg);
	is_str(h >= 0 ? heard_names[h] : "other", "busy", "%s: the caller "
	    "hears the busy prompt", what);
	ok(ans > 0 && ans - key <= TIMEOUT_MS + 1000, "%s: within "
	    "query-timeout %d ms + 1 s of the # key (%llu ms)", what,
	    TIMEOUT_MS, (unsigned long long)(ans - key));
	printf("# %s: key -> busy prompt %llu ms\n", what,
	    (unsigned long long)(ans - key));
	ok(call_end(e) == 0, "%s: the caller leaves, the line is idle and "
	    "ready", what);

	ok(call_start(e) == 0, "%s: a second caller", what);
	h = ask(e, 1, 0, &key, &ans, &rseg);
	is_str(h >= 0 ? heard_names[h] : "other", "busy", "%s: hears the "
	    "busy prompt too", what);
	ok(ans > 0 && ans - key < TIMEOUT_MS / 2, "%s: fast, not after the "
	    "timeout (%llu ms)", what, (unsigned long long)(ans - key));
	printf("# %s: second caller key -> busy prompt %llu ms\n", what,
	    (unsigned long long)(ans - key));
	ok(e2e_key_at(e, rseg + 1, "1", 800) == 0 &&
	    classify(e, rseg + 1) == H_MENU,
	    "%s: after the busy prompt the call goes on at the main menu",
	    what);
	ok(call_end(e) == 0, "%s: the caller leaves, the line is idle", what);

	T(what);
	/* A long outage: the back-off grows to retry-max (a call a second). */
	for (t = now_ms(); now_ms() - t < 8000; sleep_ms(1000))
		map_price(e);
	T("back");
	back = proxy_mode(&px, 'p');
	for (tries = 0; tries < 10; tries++) {
		t = now_ms();
		if ((o = map_price(e)) == FLOW_Q_FOUND) {
			*recovery_ms = (int)(now_ms() - back);
			break;
		}
		if (now_ms() - t < 1000)        /* the test: a call a second */
			sleep_ms((unsigned)(1000 - (now_ms() - t)));
	}
	ok(*recovery_ms >= 0 && *recovery_ms <= 5000, "%s: back: asking "
	    "every second, the first answer %d ms after the database "
	    "answers again (%d asked in vain, last: %s)", what, *recovery_ms,
	    tries, flow_outcome_name(o));
	printf("# %s: recovery %d ms\n", what, *recovery_ms);
	ok(call_start(e) == 0, "%s: back: a caller", what);
	h = ask(e, 1, 1, &key, &ans, &rseg);
	is_str(h >= 0 ? heard_names[h] : "other", "answer", "%s: back: the "
	    "caller hears the price (%llu ms after #)", what,
	    (unsigned long long)(ans - key));
	ok(call_end(e) == 0, "%s: line idle after the call", what);
}

/*
 * A long freeze: callers one after another for secs seconds while the
 * network to the database stays frozen (connections open, nothing
 * forwarded).  Every caller hears the busy prompt within query-timeout
 * and half a second of the # key -- none waits on a connection stuck in
 * its driver, a cancel that cannot get through, or a probe.  Then the
 * network comes back and answers resume.
 */
static void
freeze_callers(struct e2e *e, int secs)
{
	uint64_t key, ans, t0, wait, worst = 0, back;
	struct db_stats st;
	enum heard h;
	size_t rseg;
	int n = 0, busy = 0, timely = 0, tries, rec = -1, unmeasured = 0;
	char what[64];

	/*
	 * The pool full (pool-size 4, as kefud opens it at start), then a
	 * quiet moment: its connections sit idle past idle-check (1 s
	 * here, 30 s by default), as after any quiet minute, so that the
	 * freeze finds them all due for a probe.
	 */
	db_source_warm(svc_source(e->svc, "catalog"));
	tap_wait((db_source_stats(svc_source(e->svc, "catalog"), &st),
	    st.open >= 4), 5000);
	ok(st.open == 4, "freeze: the pool is full before (%d open)",
	    st.open);
	sleep_ms(1500);         /* the test: the quiet moment */
	if (proxy_mode(&px, 'f') == 0)
		tap_diag("the proxy does not answer");
	t0 = now_ms();
	while (now_ms() - t0 < (uint64_t)secs * 1000) {
		n++;
		snprintf(what, sizeof what, "freeze: caller %d",
		    n + unmeasured);
		if (call_start(e) != 0) {
			ok(0, "%s reaches the price service", what);
			break;
		}
		h = ask(e, 1, 0, &key, &ans, &rseg);
		printf("# %s at %llu s: %s after %llu ms\n", what,
		    (unsigned long long)((now_ms() - t0) / 1000),
		    h >= 0 ? heard_names[h] : "other",
		    (unsigned long long)(ans >= key ? ans - key : 0));
		/*
		 * The code refused before any query (keys lost by a loaded
		 * simulator): this caller measures nothing.  Silence is
		 * measured: it is what this test is about.
		 */
		if (h == H_INVALID) {
			n--;
			unmeasured++;
		} else {
			/* No sound at all (ans 0): as bad as it gets. */
			wait = ans > 0 && ans >= key ? ans - key : UINT64_MAX;
			if (wait > worst)
				worst = wait;
			busy += h == H_BUSY;
			timely += wait <= TIMEOUT_MS + 500;
		}
		if (call_end(e) != 0) {
			ok(0, "%s: the line is idle again", what);
			break;
		}
	}
	ok(n >= 2 && n >= secs / 10, "freeze of %d s: %d callers asked "
	    "(%d more had their code refused before the database)", secs, n,
	    unmeasured);
	is_int(busy, n, "freeze of %d s: each of the %d callers hears the "
	    "busy prompt", secs, n);
	is_int(timely, n, "freeze of %d s: each within query-timeout %d ms + "
	    "500 ms of the # key (worst %llu ms)", secs, TIMEOUT_MS,
	    (unsigned long long)worst);
	printf("# freeze of %d s: %d callers, worst wait key -> busy %llu "
	    "ms\n", secs, n, (unsigned long long)worst);
	back = proxy_mode(&px, 'p');
	for (tries = 0; tries < 15 && rec < 0; tries++) {
		if (map_price(e) == FLOW_Q_FOUND)
			rec = (int)(now_ms() - back);
		else
			sleep_ms(1000); /* the test: a caller a second */
	}
	ok(rec >= 0 && rec <= 10000, "freeze: answers again %d ms after the "
	    "network is back", rec);
}

/* Replace the first from with to in file; 0 or -1. */
static int
edit_file(const char *file, const char *from, const char *to)
{
	char *text = NULL, *at;
	struct strbuf sb = STRBUF_INIT;
	FILE *f;
	size_t len = 0;
	int rc = -1;

	if ((f = fopen(file, "r")) == NULL)
		return -1;
	text = xcalloc(1, 1 << 16);
	len = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	text[len] = '\0';
	if ((at = strstr(text, from)) != NULL) {
		sb_add(&sb, text, (size_t)(at - text));
		sb_adds(&sb, to);
		sb_adds(&sb, at + strlen(from));
		if ((f = fopen(file, "w")) != NULL) {
			rc = fputs(sb_str(&sb), f) == EOF ? -1 : 0;
			if (fclose(f) != 0)
				rc = -1;
		}
	}
	sb_free(&sb);
	free(text);
	return rc;
}

/*
 * A reload in the middle of a call: the call goes on with the flows it
 * began with, the next call gets the new ones (price.xml asks with
 * price.again instead of price.ask_code); a broken main.xml is refused
 * with file:line and the running set stays.
 */
static void
reload(struct e2e *e)
{
	char price[200], mainx[200], *cause = NULL;
	enum heard h;
	int rc;

	snprintf(price, sizeof price, "%s/flows/price.xml", base);
	snprintf(mainx, sizeof mainx, "%s/flows/main.xml", base);
	ok(e2e_wait_idle(e, 10000) == 0 && e2e_ring(e, "13900139001") == 0 &&
	    e2e_wait_seg(e, 0, 8000) == 0, "reload: a call is in its greeting");
	ok(edit_file(price, "prompt=\"price.ask_code\"",
	    "prompt=\"price.again\"") == 0, "reload: price.xml edited");
	rc = svc_reload(e->svc, &cause);
	ok(rc == 0, "reload: accepted during the call (%s)",
	    cause ? cause : "");
	free(cause);
	cause = NULL;
	ok(e2e_key_at(e, 0, "1", 0) == 0, "reload: the caller presses 1");
	e2e_hangup_at(e, 1, MSIM_HUP_LOOP, 4000);
	h = classify(e, 1);
	is_str(h >= 0 ? heard_names[h] : "other", "ask", "reload: the call "
	    "in progress goes on with the flows it began with");
	ok(call_end(e) == 0, "reload: the caller leaves, line idle");

	ok(call_start(e) == 0, "reload: the next call");
	e2e_hangup_at(e, 1, MSIM_HUP_LOOP, 4000);
	h = classify(e, 1);
	is_str(h >= 0 ? heard_names[h] : "other", "again", "reload: the next "
	    "call has the new flows");
	ok(call_end(e) == 0, "reload: line idle");

	ok(edit_file(mainx, "goto=\"price\"", "goto=\"nowhere\"") == 0,
	    "reload: main.xml broken");
	rc = svc_reload(e->svc, &cause);
	ok(rc == -1, "reload: a broken flow is refused");
	like(cause, "main.xml:", "reload: the refusal names the file and "
	    "line (%s)", cause ? cause : "");
	free(cause);
	ok(call_start(e) == 0, "reload: a call after the refused reload "
	    "reaches the price service");
	e2e_hangup_at(e, 1, MSIM_HUP_LOOP, 4000);
	h = classify(e, 1);
	is_str(h >= 0 ? heard_names[h] : "other", "again", "reload: with the "
	    "set that ran before");
	ok(call_end(e) == 0, "reload: line idle");
}

/* A file's text, malloc'd (NULL when unreadable). */
static char *
file_text(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sb_add(&sb, buf, n);
	fclose(f);
	return sb_steal(&sb);
}

/* How many lines of the log file hold needle. */
static int
count_lines(const char *log, const char *needle)
{
	const char *p;
	int n = 0;

	for (p = log; p != NULL && (p = strstr(p, needle)) != NULL;
	    p += strlen(needle))
		n++;
	return n;
}

int
main(void)
{
	const char *pg = getenv("KEFU_TEST_PG");
	const char *req = getenv("KEFU_TEST_REQUIRE_SERVERS");
	struct e2e e;
	uint64_t key, ans;
	size_t rseg;
	struct churn ch;
	int rec_d, rec_f, up = 0, fd, saved, churning;
	/* 15 s in make check; KEFU_TEST_FREEZE_S=60 for the full measure. */
	int freeze_s = getenv("KEFU_TEST_FREEZE_S") ?
	    atoi(getenv("KEFU_TEST_FREEZE_S")) : 15;
	char cmd[300], logpath[160], *log;

	if (getenv("KEFU_SRCDIR") == NULL)
		tap_skip_all("KEFU_SRCDIR not set");
	if (pg == NULL || *pg == '\0') {
		if (req != NULL && strcmp(req, "1") == 0) {
			ok(0, "KEFU_TEST_PG is not set but "
			    "KEFU_TEST_REQUIRE_SERVERS=1");
			return tap_done();
		}
		tap_skip_all("KEFU_TEST_PG not set");
	}
	signal(SIGPIPE, SIG_IGN);
	snprintf(base, sizeof base, "/tmp/kefu-outage-%ld", (long)getpid());
	snprintf(schema, sizeof schema, "kefu_out%ld", (long)getpid());
	mkdir(base, 0700);
	/* The log (stderr) goes to a file, checked and shown at the end. */
	snprintf(logpath, sizeof logpath, "%s/log", base);
	fflush(stderr);
	saved = dup(2);
	if ((fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1) {
		dup2(fd, 2);
		close(fd);
	}
	e2e_init();
	snprintf(cmd, sizeof cmd, "cp -r %s/flows %s/flows",
	    getenv("KEFU_SRCDIR"), base);
	if (system(cmd) != 0)
		tap_diag("cannot copy the flows");

	t_start = now_ms();
	up = setup(&e, pg) == 0;
	/*
	 * Other clients come and go on sockets of this process from now on
	 * (after the proxy and the simulator forked: they would hold the
	 * sockets open), as on kefud's control socket: the db layer must
	 * never take one of them for a database connection.
	 */
	churning = churn_start(&ch, 10) == 0;
	T("set up");
	ok(up, "simulator, proxy, service, catalog on PostgreSQL through "
	    "the proxy, line idle");
	if (!up)
		goto out;
	ok(call_start(&e) == 0, "a caller reaches the price service");
	is_str(heard_names[ask(&e, 1, 1, &key, &ans, &rseg) == H_ANSWER ?
	    1 : 0], "answer", "the price is answered through the proxy");
	ok(call_end(&e) == 0, "line idle after the call");

	outage(&e, 'd', "down", &rec_d);
	outage(&e, 'f', "frozen", &rec_f);
	T("long freeze");
	freeze_callers(&e, freeze_s);
	T("reload");
	reload(&e);
	T("done");
out:
	if (e.svc != NULL && px.pid > 0) {
		proxy_mode(&px, 'p');
		snprintf(cmd, sizeof cmd, "DROP SCHEMA IF EXISTS %s CASCADE",
		    schema);
		e2e_exec(&e, "catalog", cmd);
	}
	e2e_close(&e);
	/* First: the other clients' process holds the proxy's pipe too. */
	if (churning) {
		churn_stop(&ch);
		ok(ch.accepted > 100, "other clients came and went meanwhile "
		    "(%u accepted)", ch.accepted);
		is_int(ch.cut, 0, "no other client's socket was ever cut%s%s",
		    ch.why[0] ? ": " : "", ch.why);
	}
	proxy_stop(&px);
	fflush(stderr);
	log = file_text(logpath);
	dup2(saved, 2);
	close(saved);
	if (up) {
		is_int(count_lines(log, "datasource catalog is DOWN since "), 3,
		    "log: one line per outage says the catalog is down and "
		    "since when");
		is_int(count_lines(log, "datasource catalog is BACK UP at "), 3,
		    "log: one line per outage says when it came back");
		ok(count_lines(log, "Pwd=kefu") == 0 &&
		    count_lines(log, "Pwd=***") > 0, "log: no password");
	}
	if (log != NULL)
		fputs(log, stderr);
	free(log);
	snprintf(cmd, sizeof cmd, "rm -rf %s", base);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", base);
	return tap_done();
}
