/*
 * sms-bench.c: what kefu's SMS pipeline costs per part on top of the
 * modem itself, with a zero-latency simulated modem (t/sim/gsmsim on a
 * pty).  Baseline, in the same run and on the same simulator: every part
 * sent straight through the AT engine (msg/gsm.c gsm_send: PDU coding,
 * AT+CMGS, prompt, PDU, +CMGS).  Pipeline: the same texts queued in a
 * SQLite local store and sent by the outbox worker of a [gsm] modem
 * (claim under a lease, opt-out check, "submitting" and "submitted" of
 * the message and of each part written durably).  Prints ms per part of
 * both, their ratio, and the CPU time of each (the rest of the pipeline's
 * time is the wait for SQLite's fsyncs).  Not a test: figures of one run.
 * Usage: sms-bench [N] (messages of 2 parts each; default 200).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "db/db.h"
#include "line/at.h"
#include "msg/msg.h"
#include "msg/sms.h"
#include "store/store.h"
#include "util/util.h"
#include "../t/sim/gsmsim.h"
#include "../t/scratch-store.h"

static void
bench_die(const char *what, char *why)
{
	fprintf(stderr, "sms-bench: %s: %s\n", what, why ? why : "failed");
	exit(1);
}

/* The text of every message: 2 GSM 7-bit parts (200 characters). */
static char *
bench_text(void)
{
	struct strbuf sb = STRBUF_INIT;

	while (sb.len < 200)
		sb_adds(&sb, "Weekly specials: eggs 9.9, milk 2 for 1. ");
	sb.len = 200;
	return sb_steal(&sb);
}

/* Baseline: n messages straight through the AT engine; ms in total. */
static double
bench_raw(struct gsim *sim, const char *text, unsigned n)
{
	struct port_conf pc = { 115200, PORT_FLOW_NONE };
	struct sms_submit_opts o = { .to = "13912345678" };
	struct port *port;
	struct at at;
	char *cause = NULL;
	int mrs[4];
	size_t sent;
	uint64_t t0;
	unsigned i;

	if (port_open(gsim_path(sim), &pc, &port, &cause) == -1)
		bench_die("port", cause);
	at_init(&at, port, "bench");
	if (gsm_setup(&at, NULL, &cause) == -1)
		bench_die("setup", cause);
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		o.ref = i;
		if (gsm_send(&at, text, &o, mrs, 4, &sent, &cause) == -1)
			bench_die("send", cause);
	}
	t0 = now_ms() - t0;
	port_close(port);
	return (double)t0;
}

static struct conf *
bench_conf(const char *dir, const char *dev)
{
	struct conf *c;
	char *text, *cause = NULL;

	text = xasprintf("[sms]\nlease = 5m\n[gsm bench]\ndevice = %s\n"
	    "flow-control = none\nstatus-reports = no\ncnmi = 2,1,0,0,0\n"
	    "[datasource local]\nconnect = Driver=SQLite3;Database=%s/k.db\n",
	    dev, dir);
	if (conf_parse("sms-bench.conf", text, &c, &cause) == -1)
		bench_die("conf", cause);
	free(text);
	return c;
}

/* Pipeline: queue n messages, then one worker sends them; ms of each. */
static void
bench_pipe(struct gsim *sim, const char *text, unsigned n, double *queue_ms,
    double *send_ms)
{
	struct store_outbox_new m = { .channel = "sms",
	    .recipient = "13912345678", .body = text,
	    .msg_class = "transactional" };
	struct msg_worker_opts o;
	struct msg_stats st = { 0 };
	struct scratch_store store;
	struct db_source *src;
	struct conf *conf;
	char *cause = NULL, *dir, key[32], now[20];
	int64_t id;
	int dup;
	uint64_t t0;
	unsigned i;

	dir = xasprintf("/tmp/kefu-sms-bench-%ld", (long)getpid());
	conf = bench_conf(dir, gsim_path(sim));
	if (scratch_store_open(conf_datasource(conf, "local"), &store,
	    &cause) == -1)
		bench_die("store", cause);
	src = store.src;
	msg_time(now, 0);
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "bench:%u", i);
		m.idem_key = key;
		if (store_outbox_enqueue(src, &m, now, &id, &dup, &cause) == -1)
			bench_die("enqueue", cause);
	}
	*queue_ms = (double)(now_ms() - t0);
	msg_worker_opts_sms(conf, "bench/worker", "bench", &o);
	o.once = 1;
	t0 = now_ms();
	if (msg_worker_run(src, "sqlite", conf, &msg_gsm_ops, &o, &st,
	    &cause) == -1)
		bench_die("worker", cause);
	*send_ms = (double)(now_ms() - t0);
	if (st.sent != n)
		fprintf(stderr, "sms-bench: only %u of %u sent\n", st.sent, n);
	scratch_store_close(&store, 1);
	conf_free(conf);
	free(dir);
}

int
main(int argc, char **argv)
{
	struct gsim *sim;
	char *cause = NULL, *text;
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 200;
	double raw, queue, pipe, parts, cpu_raw, cpu_pipe;
	clock_t c0;

	if (n == 0 || n > 100000)
		bench_die("usage", xstrdup("sms-bench [N]"));
	log_set_level(KLOG_WARN);
	if (gsim_start(NULL, &sim, &cause) == -1)
		bench_die("gsmsim", cause);
	text = bench_text();
	parts = 2.0 * n;
	c0 = clock();
	raw = bench_raw(sim, text, n);
	cpu_raw = (double)(clock() - c0) * 1000.0 / CLOCKS_PER_SEC;
	c0 = clock();
	bench_pipe(sim, text, n, &queue, &pipe);
	cpu_pipe = (double)(clock() - c0) * 1000.0 / CLOCKS_PER_SEC;
	printf("%u messages of 2 parts, zero-latency simulated modem\n", n);
	printf("AT engine alone   %8.3f ms a part (baseline)\n", raw / parts);
	printf("outbox worker     %8.3f ms a part (%.2fx the baseline; "
	    "+%.3f ms a part)\n", pipe / parts, pipe / raw,
	    (pipe - raw) / parts);
	printf("enqueue           %8.3f ms a message\n", queue / n);
	printf("CPU (all threads) %8.3f ms a part alone, %.3f ms a part with "
	    "the store (enqueue included): the rest is waiting for the "
	    "store's durable commits\n", cpu_raw / parts, cpu_pipe / parts);
	free(text);
	gsim_stop(sim);
	return 0;
}
