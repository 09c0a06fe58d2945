/*
 * sms-scale.c: how the SMS outbox scales with the number of GSM modems --
 * the same n single-part messages sent by 1, 2 and 4 simulated modems
 * (t/sim/gsmsim on ptys), one outbox worker thread each as kefud runs
 * them, on one SQLite local store (in write-ahead-log mode, as `kefu db
 * init` leaves it).  Each modem takes send-ms per AT+CMGS (0: a
 * zero-latency modem, where the store's commits are all there is; a real
 * network takes 3-6 s, the default 300 ms is a fast one).  Prints
 * messages per second for each count, its ratio to one modem (linear: 2.00
 * and 4.00), and the share of linear, rate / (N x the rate of the first
 * count), both against the first count measured in the same run; the goal
 * is 0.80 or more up to 4 modems.  Not a test: figures of one run.
 * -J MODE names the store's journal mode in the connection string (-J
 * delete: SQLite's default rollback journal, the mode before kefu chose
 * the log), for a side-by-side figure.
 * Usage: sms-scale [-n messages] [-s send-ms] [-m counts] [-J mode]
 * (defaults 60, 300, "1,2,4", none).
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "db/db.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"
#include "../t/sim/gsmsim.h"
#include "../t/scratch-store.h"

#define SCALE_MAX 8

/* -J: the JournalMode= of the connection string, or NULL. */
static const char *scale_journal;

struct scale_wk {
	pthread_t th;
	struct db_source *src;
	const struct conf *conf;
	char name[16];
	struct msg_stats st;
};

static void
scale_die(const char *what, char *why)
{
	fprintf(stderr, "sms-scale: %s: %s\n", what, why ? why : "failed");
	exit(1);
}

static void *
scale_main(void *arg)
{
	struct scale_wk *w = arg;
	struct msg_worker_opts o;
	char *cause = NULL, owner[32];

	snprintf(owner, sizeof owner, "bench/%s", w->name);
	msg_worker_opts_sms(w->conf, owner, w->name, &o);
	o.once = 1;
	if (msg_worker_run(w->src, "sqlite", w->conf, &msg_gsm_ops, &o, &w->st,
	    &cause) == -1)
		scale_die(w->name, cause);
	return NULL;
}

/* k modems send n messages: the seconds it took. */
static double
scale_run(unsigned k, unsigned n, unsigned send_ms)
{
	struct store_outbox_new m = { .channel = "sms", .body =
	    "Weekly specials: eggs 9.9, milk 2 for 1.",
	    .msg_class = "transactional" };
	struct gsim_opts go = { .send_ms = send_ms };
	struct scale_wk w[SCALE_MAX];
	struct gsim *sims[SCALE_MAX];
	struct strbuf cf = STRBUF_INIT;
	struct scratch_store store;
	struct db_source *src;
	struct conf *conf;
	char *cause = NULL, *dir;
	char key[32], to[16], now[20];
	unsigned i, sent = 0;
	int64_t id;
	int dup;
	uint64_t t0;

	dir = xasprintf("/tmp/kefu-sms-scale-%ld-%u", (long)getpid(), k);
	sb_addf(&cf, "[sms]\nlease = 5m\nbatch = 5\n");
	for (i = 0; i < k; i++) {
		if (gsim_start(&go, &sims[i], &cause) == -1)
			scale_die("gsmsim", cause);
		sb_addf(&cf, "[gsm g%u]\ndevice = %s\nflow-control = none\n"
		    "status-reports = no\ncnmi = 2,1,0,0,0\n", i,
		    gsim_path(sims[i]));
	}
	sb_addf(&cf, "[datasource local]\nconnect = Driver=SQLite3;"
	    "Database=%s/k.db%s%s\n", dir, scale_journal ? ";JournalMode=" :
	    "", scale_journal ? scale_journal : "");
	if (conf_parse("sms-scale.conf", sb_str(&cf), &conf, &cause) == -1 ||
	    scratch_store_open(conf_datasource(conf, "local"), &store,
	    &cause) == -1)
		scale_die("store", cause);
	src = store.src;
	msg_time(now, 0);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "scale:%u", i);
		snprintf(to, sizeof to, "139%08u", i);
		m.idem_key = key;
		m.recipient = to;
		if (store_outbox_enqueue(src, &m, now, &id, &dup, &cause) == -1)
			scale_die("enqueue", cause);
	}
	t0 = now_ms();
	for (i = 0; i < k; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].src = src;
		w[i].conf = conf;
		snprintf(w[i].name, sizeof w[i].name, "g%u", i);
		if (pthread_create(&w[i].th, NULL, scale_main, &w[i]) != 0)
			scale_die("thread", NULL);
	}
	for (i = 0; i < k; i++) {
		pthread_join(w[i].th, NULL);
		sent += w[i].st.sent;
	}
	t0 = now_ms() - t0;
	if (sent != n)
		fprintf(stderr, "sms-scale: %u modems sent %u of %u\n", k, sent,
		    n);
	for (i = 0; i < k; i++)
		gsim_stop(sims[i]);
	scratch_store_close(&store, 1);
	conf_free(conf);
	rmdir(dir);
	free(dir);
	sb_free(&cf);
	return (double)t0 / 1000.0;
}

int
main(int argc, char **argv)
{
	const char *counts = "1,2,4", *p, *errstr;
	unsigned n = 60, send_ms = 300, k, k1 = 0;
	double t, share, base = 0;
	long long v;
	int c;

	while ((c = getopt(argc, argv, "J:m:n:s:")) != -1) {
		switch (c) {
		case 'J':
			scale_journal = optarg;
			break;
		case 'm':
			counts = optarg;
			break;
		case 'n':
			if (str_tonum(optarg, 1, 100000, &v, &errstr) == -1)
				scale_die("-n", xstrdup(errstr));
			n = (unsigned)v;
			break;
		case 's':
			if (str_tonum(optarg, 0, 60000, &v, &errstr) == -1)
				scale_die("-s", xstrdup(errstr));
			send_ms = (unsigned)v;
			break;
		default:
			scale_die("usage", xstrdup("sms-scale [-n messages] "
			    "[-s send-ms] [-m counts] [-J mode]"));
		}
	}
	log_set_level(KLOG_WARN);
	printf("%u single-part messages, each AT+CMGS %u ms, journal %s\n",
	    n, send_ms, scale_journal ? scale_journal : "wal (kefu's)");
	for (p = counts; *p != '\0'; p += *p == ',') {
		k = (unsigned)strtoul(p, (char **)&p, 10);
		if (k == 0 || k > SCALE_MAX)
			scale_die("-m", xstrdup("counts from 1 to 8"));
		t = scale_run(k, n, send_ms);
		if (base == 0) {
			base = n / t;
			k1 = k;
		}
		share = n / t / base * k1 / k;
		printf("%u modem%s %8.2f s %8.1f messages/s  %.2fx %u  %.2f of "
		    "linear%s\n", k, k == 1 ? " " : "s", t, n / t, n / t / base,
		    k1, share, share < 0.8 ? " (below 0.80)" : "");
		fflush(stdout);
	}
	return 0;
}
