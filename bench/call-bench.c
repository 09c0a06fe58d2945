/*
 * call-bench.c: many callers at once asking prices, end to end.  Each
 * caller is a simulated V.253 modem (t/sim) on its own pty; kefu runs in
 * a child process -- the real service, one modem line thread per
 * simulator, the shipped flows, the catalog mappings -- against
 * PostgreSQL (KEFU_TEST_PG: the demo catalog and the local store are
 * built there).  A caller presses 1 during the greeting, types a random
 * product's barcode and # during "please enter the code", and hangs up
 * once the answer has started.
 *
 * By default callers behave as people on a telephone: the modems play
 * audio in real time, a caller listens 1-3 s of the greeting and 0.5-2 s
 * of "please enter the code" before typing, types about three keys a
 * second (the DTMF of a keypad: 100 ms tones, 250 ms apart), listens
 * 1-2 s of the answer and calls again after 0.5-2 s, so that all the
 * lines are busy at once but callers are not in step.  With --burst,
 * the worst case: modems take audio as fast as it comes and every
 * caller types at once 300 ms into each prompt, 20 ms a key, so that
 * all the callers' price queries and answers fall within a second.
 *
 * Measured as the caller hears it: from the first DLE code of the
 * terminating # to the first byte of the answer's audio, per call; the
 * price query's own time (the mapping's statistics in kefu); kefu's CPU
 * per call (getrusage of the child) and memory per line (its RSS with
 * all lines idle against its peak during the calls).  A first phase with
 * one caller at a time is the baseline of the same run.  Figures, not a
 * timed test.
 *
 * Usage: call-bench [--burst] [CALLERS [CALLS-PER-CALLER]]   (128 3)
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "svc/svc.h"
#include "conf/conf.h"
#include "db/db.h"
#include "line/line.h"
#include "map/map.h"
#include "store/store.h"
#include "util/util.h"
#include "../t/sim/modemsim.h"

#define MAXCALLERS 256

struct caller {
	struct msim *sim;
	int ncalls;
	unsigned seed;
	uint64_t *lat_us;       /* key -> first answer byte, per call */
	size_t nlat;
	int failed;
	uint64_t busy_us;       /* off hook, summed over its calls */
};

static int burst;               /* --burst: every caller in step, fast */

static struct caller callers[MAXCALLERS];
static char **codes;            /* barcodes of the demo catalog */
static size_t ncodes;
static char dir[64];

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "call-bench: %s: %s\n", what, why ? why : "");
	exit(1);
}

static char *
bench_conf_text(int n)
{
	const char *src = getenv("KEFU_SRCDIR"), *pg = getenv("KEFU_TEST_PG");
	struct strbuf sb = STRBUF_INIT;
	/* CALL_BENCH_POOL=N: the catalog's pool-size (16) */
	int i, pool = getenv("CALL_BENCH_POOL") != NULL ?
	    atoi(getenv("CALL_BENCH_POOL")) : 16;

	sb_addf(&sb, "[kefu]\nmappings = %s/mappings/catalog\n"
	    "adapters = %s/adapters\nflows = %s/flows\nprompts = %s/prompts\n"
	    "sql = %s/sql\nspool = %s/spool\nsocket = %s/kefud.sock\n"
	    "log = %s/kefu.log\n"
	    "[store]\ndatasource = local\n"
	    "[datasource local]\nconnect = %s\nadapter = postgresql\n"
	    "pool-size = 8\n"
	    "[datasource catalog]\nconnect = %s\nadapter = postgresql\n"
	    "pool-size = %d\nquery-timeout = 3s\n",
	    src, src, src, src, src, dir, dir, dir, pg, pg, pool);
	for (i = 0; i < n; i++)
		sb_addf(&sb, "[line %d]\ntype = modem\ndevice = %s\n"
		    "family = conexant\nrings = 1\n", i + 1,
		    msim_path(callers[i].sim));
	return sb_steal(&sb);
}

static struct conf *
bench_conf(int n)
{
	struct conf *conf = NULL;
	char *text = bench_conf_text(n), *cause = NULL, path[128];

	snprintf(path, sizeof path, "%s/kefu.conf", dir);
	if (conf_parse(path, text, &conf, &cause) == -1)
		die("kefu.conf", cause);
	free(text);
	return conf;
}

/* Build the store and the catalog on PostgreSQL; learn the barcodes. */
static void
bench_databases(struct conf *conf)
{
	struct catalog_opts co = { 1, 1, CATALOG_SEED, NULL };
	struct db_query q = { 0 };
	struct db_result *res;
	struct db_err err;
	struct svc *svc;
	char *cause = NULL;
	size_t i;

	if (svc_open(conf, SVC_NOFLOWS, &svc, &cause) == -1)
		die("service", cause);
	if (store_upgrade(svc_source(svc, "local"), conf_datasource(conf,
	    "local"), conf->sql_dir, 0, NULL, &cause) == -1 ||
	    catalog_build(svc_source(svc, "catalog"), conf->sql_dir, &co,
	    &cause) == -1)
		die("databases", cause);
	q.sql = "SELECT barcode FROM products WHERE active = 1 "
	    "ORDER BY barcode";
	if (db_run(svc_source(svc, "catalog"), &q, &res, &err) == -1)
		die("barcodes", err.msg);
	ncodes = res->nrows;
	codes = xcalloc(ncodes + 1, sizeof *codes);
	for (i = 0; i < ncodes; i++)
		codes[i] = xstrdup(DB_CELL(res, i, 0)->s);
	db_result_free(res);
	svc_close(svc);
}

/* ---- the child: kefu itself ---- */

static long
status_kb(const char *key)
{
	char line[256];
	long kb = -1;
	FILE *fp = fopen("/proc/self/status", "r");

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL)
		if (strncmp(line, key, strlen(key)) == 0)
			kb = strtol(line + strlen(key), NULL, 10);
	fclose(fp);
	return kb;
}

static uint64_t
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/*
 * Run kefu: start the lines, say "ready" with the RSS once all are idle,
 * then answer each command line on in: "stats" (CPU, RSS, peak RSS, the
 * price mapping's runs and latency), "quit".
 */
static void
child(struct conf *conf, int n, int in, int out)
{
	struct line *lines[MAXCALLERS];
	struct svc *svc;
	struct svc_set *set;
	struct map_stats ms;
	char *cause = NULL, cmd[64];
	FILE *fin = fdopen(in, "r"), *fout = fdopen(out, "w");
	int i, idle;

	if (svc_open(conf, 0, &svc, &cause) == -1)
		die("child service", cause);
	/* as kefud does */
	db_source_warm(svc_source(svc, "local"));
	db_source_warm(svc_source(svc, "catalog"));
	for (i = 0; i < n; i++)
		if (line_new(&conf->lines[i], &lines[i], &cause) == -1 ||
		    line_start(lines[i], svc_line_call, svc, &cause) == -1)
			die("line", cause);
	for (idle = 0; idle < n; ) {
		sleep_ms(50);
		for (i = idle = 0; i < n; i++)
			idle += line_state(lines[i]) == LINE_IDLE;
	}
	set = svc_acquire(svc);
	/* as kefud does: prompts converted and speech loaded before calls */
	svc_preload(set, &lines[0]->fmt);
	fprintf(fout, "ready rss_kb=%ld\n", status_kb("VmRSS:"));
	fflush(fout);
	while (fgets(cmd, sizeof cmd, fin) != NULL) {
		if (strncmp(cmd, "quit", 4) == 0)
			break;
		map_stats(map_find(set->maps, "catalog.price"), &ms);
		fprintf(fout, "cpu_us=%llu rss_kb=%ld hwm_kb=%ld runs=%llu "
		    "found=%llu p50_us=%u p99_us=%u\n",
		    (unsigned long long)cpu_us(), status_kb("VmRSS:"),
		    status_kb("VmHWM:"), (unsigned long long)ms.runs,
		    (unsigned long long)ms.outcomes[MAP_FOUND], ms.p50_us,
		    ms.p99_us);
		fflush(fout);
	}
	svc_release(set);
	for (i = 0; i < n; i++) {
		line_stop(lines[i]);
		line_free(lines[i]);
	}
	svc_close(svc);
	exit(0);
}

/* ---- the parent: the callers ---- */

/* A pause: fixed in a burst, lo..hi ms at random for a person. */
static void
pause_ms(struct caller *c, unsigned lo, unsigned hi)
{
	sleep_ms(burst ? 300 : lo + rand_r(&c->seed) % (hi - lo + 1));
}

/* One price call; 0 with the latency, or -1 (a failed call). */
static int
one_call(struct caller *c, uint64_t *lat)
{
	struct msim *sim = c->sim;
	size_t base = msim_vtx_count(sim);
	uint64_t key, first = 0, end, t0 = now_us();
	char keys[32];
	int rc = -1;

	snprintf(keys, sizeof keys, "%s#", codes[rand_r(&c->seed) % ncodes]);
	if (msim_ring(sim, 1, 100, NULL) == -1 ||
	    msim_wait_hook(sim, 1, 20000) == -1)
		return -1;
	/* 1 during the greeting, the code during "please enter the code" */
	if (msim_wait_vtx_started(sim, base + 1, 20000) == -1)
		goto out;
	pause_ms(c, 1000, 3000);
	msim_dtmf(sim, "1", 0);
	if (msim_wait_vtx_started(sim, base + 2, 20000) == -1)
		goto out;
	pause_ms(c, 500, 2000);
	msim_dtmf(sim, keys, 0);
	if (msim_wait_vtx_started(sim, base + 3, 20000) == -1)
		goto out;
	end = now_us() + 5000000;
	while ((first = msim_vtx_first_us(sim, base + 2)) == 0 &&
	    now_us() < end)
		sleep_ms(1);
	key = msim_last_key_us(sim);
	/* hear some of the answer, then hang up */
	if (burst)
		sleep_ms(200);
	else
		pause_ms(c, 1000, 2000);
	if (first != 0 && key != 0 && first >= key) {
		*lat = first - key;
		rc = 0;
	}
out:
	msim_hangup(sim, MSIM_HUP_LOOP, 0);
	if (msim_wait_hook(sim, 0, 20000) == -1)
		rc = -1;
	c->busy_us += now_us() - t0;
	msim_vtx_clear(sim);
	return rc;
}

static void *
caller_thread(void *arg)
{
	struct caller *c = arg;
	uint64_t lat;
	int i;

	for (i = 0; i < c->ncalls; i++) {
		if (one_call(c, &lat) == 0)
			c->lat_us[c->nlat++] = lat;
		else
			c->failed++;
		if (burst)
			sleep_ms(200 + rand_r(&c->seed) % 300);
		else
			pause_ms(c, 500, 2000);
	}
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct kstats {
	uint64_t cpu_us, runs, found;
	long rss_kb, hwm_kb;
	unsigned p50_us, p99_us;
};

static void
ask(FILE *to, FILE *from, struct kstats *k)
{
	char line[256];
	unsigned long long cpu, runs, found;

	fprintf(to, "stats\n");
	fflush(to);
	if (fgets(line, sizeof line, from) == NULL ||
	    sscanf(line, "cpu_us=%llu rss_kb=%ld hwm_kb=%ld runs=%llu "
	    "found=%llu p50_us=%u p99_us=%u", &cpu, &k->rss_kb, &k->hwm_kb,
	    &runs, &found, &k->p50_us, &k->p99_us) != 7)
		die("child", "no statistics");
	k->cpu_us = cpu;
	k->runs = runs;
	k->found = found;
}

struct phase {
	uint64_t p50, p95, p99, max;
	size_t calls, failed;
	double secs, busy;      /* busy: calls in progress, on average */
};

/* n callers at once, each making calls calls. */
static void
run_phase(int n, int calls, struct phase *ph)
{
	pthread_t th[MAXCALLERS];
	uint64_t *all, t0 = now_us();
	size_t k = 0;
	int i;

	for (i = 0; i < n; i++) {
		callers[i].ncalls = calls;
		callers[i].nlat = 0;
		callers[i].failed = 0;
		callers[i].busy_us = 0;
		free(callers[i].lat_us);
		callers[i].lat_us = xcalloc((size_t)calls, sizeof(uint64_t));
		pthread_create(&th[i], NULL, caller_thread, &callers[i]);
		/* callers do not all ring in the same ms */
		sleep_ms(burst || n == 1 ? 7 : 3000 / (unsigned)n);
	}
	memset(ph, 0, sizeof *ph);
	all = xcalloc((size_t)(n * calls) + 1, sizeof *all);
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		memcpy(all + k, callers[i].lat_us,
		    callers[i].nlat * sizeof *all);
		k += callers[i].nlat;
		ph->failed += (size_t)callers[i].failed;
		ph->busy += (double)callers[i].busy_us;
	}
	ph->secs = (double)(now_us() - t0) / 1e6;
	ph->busy /= ph->secs * 1e6;
	ph->calls = k + ph->failed;
	qsort(all, k, sizeof *all, cmp_u64);
	if (k > 0) {
		ph->p50 = all[(k - 1) * 50 / 100];
		ph->p95 = all[(k - 1) * 95 / 100];
		ph->p99 = all[(k - 1) * 99 / 100];
		ph->max = all[k - 1];
	}
	free(all);
}

static void
print_phase(const char *label, const struct phase *ph)
{
	printf("%-12s %4zu calls, %zu failed, %5.1f s, %5.1f calls in "
	    "progress on average\n             key -> first answer byte: "
	    "p50 %5.1f ms  p95 %5.1f ms  p99 %5.1f ms  max %5.1f ms\n",
	    label, ph->calls, ph->failed, ph->secs, ph->busy,
	    ph->p50 / 1000.0, ph->p95 / 1000.0, ph->p99 / 1000.0,
	    ph->max / 1000.0);
}

int
main(int argc, char **argv)
{
	int n, calls;
	struct msim_opts mo = { 0 };
	struct kstats k0, k1, k2, ki;
	double idle;            /* kefu's CPU with every line idle, ms/s */
	struct phase first, base, full;
	struct conf *conf;
	char *cause = NULL, line[256], *schema;
	int tochild[2], fromchild[2], i, st;
	long ready_kb = 0;
	pid_t pid;
	FILE *to, *from;

	if (getenv("KEFU_SRCDIR") == NULL || getenv("KEFU_TEST_PG") == NULL) {
		fprintf(stderr, "call-bench: needs KEFU_SRCDIR and KEFU_TEST_PG"
		    " (eval \"$(sh build-aux/test-services start)\")\n");
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "--burst") == 0) {
		burst = 1;
		argc--;
		argv++;
	}
	n = argc > 1 ? atoi(argv[1]) : 128;
	calls = argc > 2 ? atoi(argv[2]) : 3;
	if (n < 1 || n > MAXCALLERS || calls < 1)
		die("usage", "call-bench [--burst] [CALLERS (1-256) "
		    "[CALLS-PER-CALLER]]");
	schema = xasprintf("%s/mappings/mapping.rng", getenv("KEFU_SRCDIR"));
	setenv("KEFU_MAPPING_SCHEMA", schema, 1);
	free(schema);
	log_open("call-bench", "-", KLOG_ERROR, NULL);
	snprintf(dir, sizeof dir, "/tmp/kefu-call-bench-%ld", (long)getpid());
	mkdir(dir, 0700);
	mo.family = MSIM_CONEXANT;
	mo.fast = burst;
	if (!burst)
		mo.key_gap_ms = 250;
	mo.vtx_capture_max = 4096;
	for (i = 0; i < n; i++) {
		if (msim_start(&mo, &callers[i].sim, &cause) == -1)
			die("simulator", cause);
		callers[i].seed = 12345u + (unsigned)i;
	}
	conf = bench_conf(n);
	bench_databases(conf);
	/* CALL_BENCH_PRODUCTS=N: ask for the first N products only (warm) */
	if (getenv("CALL_BENCH_PRODUCTS") != NULL &&
	    (size_t)atoi(getenv("CALL_BENCH_PRODUCTS")) >= 1 &&
	    (size_t)atoi(getenv("CALL_BENCH_PRODUCTS")) < ncodes)
		ncodes = (size_t)atoi(getenv("CALL_BENCH_PRODUCTS"));
	if (pipe(tochild) == -1 || pipe(fromchild) == -1)
		die("pipe", NULL);
	if ((pid = fork()) == 0) {
		close(tochild[1]);
		close(fromchild[0]);
		child(conf, n, tochild[0], fromchild[1]);
	}
	close(tochild[0]);
	close(fromchild[1]);
	to = fdopen(tochild[1], "w");
	from = fdopen(fromchild[0], "r");
	if (fgets(line, sizeof line, from) == NULL ||
	    sscanf(line, "ready rss_kb=%ld", &ready_kb) != 1)
		die("child", "did not start");
	printf("call-bench: %d callers (simulated Conexant modems, kefu in a "
	    "child process), price queries on PostgreSQL, %zu products, %s\n",
	    n, ncodes, burst ? "in a burst (all in step, audio unpaced)" :
	    "at a telephone's pace (real-time audio, typing as people do)");
	/* the first call opens the database connections: not measured */
	run_phase(1, 1, &first);
	/* what the idle lines cost (listening to their modems) */
	ask(to, from, &ki);
	sleep_ms(5000);
	ask(to, from, &k0);
	idle = (double)(k0.cpu_us - ki.cpu_us) / 1000.0 / 5.0;
	run_phase(1, 5, &base);
	ask(to, from, &k1);
	run_phase(n, calls, &full);
	ask(to, from, &k2);
	print_phase("first call", &first);
	print_phase("1 caller", &base);
	print_phase("all callers", &full);
	printf("p99 ratio all/1: %.2f\n", base.p99 ? (double)full.p99 /
	    (double)base.p99 : 0.0);
	printf("price query (kefu's mapping statistics, all calls): %llu runs, "
	    "%llu found, p50 %.2f ms, p99 %.2f ms\n",
	    (unsigned long long)k2.runs, (unsigned long long)k2.found,
	    k2.p50_us / 1000.0, k2.p99_us / 1000.0);
	printf("p99 key -> first byte minus p99 query time: %.1f ms\n",
	    full.p99 / 1000.0 - k2.p99_us / 1000.0);
	printf("kefu CPU: %.1f ms a second with all %d lines idle; per call, "
	    "beyond that: 1 caller %.1f ms, all callers %.1f ms\n", idle, n,
	    base.calls ? ((k1.cpu_us - k0.cpu_us) / 1000.0 - idle *
	    base.secs) / base.calls : 0.0,
	    full.calls ? ((k2.cpu_us - k1.cpu_us) / 1000.0 - idle *
	    full.secs) / full.calls : 0.0);
	printf("kefu memory: %ld kB with %d idle lines (%.1f kB per line), "
	    "peak %ld kB during calls (%.1f kB per concurrent call)\n",
	    ready_kb, n, (double)ready_kb / n, k2.hwm_kb,
	    (double)(k2.hwm_kb - ready_kb) / n);
	fprintf(to, "quit\n");
	fflush(to);
	waitpid(pid, &st, 0);
	for (i = 0; i < n; i++) {
		msim_stop(callers[i].sim);
		free(callers[i].lat_us);
	}
	for (i = 0; codes != NULL && codes[i] != NULL; i++)
		free(codes[i]);
	free(codes);
	conf_free(conf);
	snprintf(line, sizeof line, "rm -rf %s", dir);
	if (system(line) != 0)
		fprintf(stderr, "call-bench: could not remove %s\n", dir);
	return full.failed + base.failed == 0 ? 0 : 1;
}
