/*
 * mail-bench.c: e-mail throughput of the outbox worker into Postfix's
 * smtp-sink, as a ratio to Postfix's own smtp-source into the same sink
 * in the same run.  A fair match: smtp-source runs as many sessions
 * (-s) as the worker has connections ([email] connections, kefu.conf's
 * default unless given), each kept for all its messages (-d), with
 * messages of the same size.  smtp-source does not pipeline: it waits
 * for every reply (MAIL, RCPT, DATA, end of data), four round trips a
 * message.  The worker uses kefu.conf's default [email] client, kefu's
 * own (msg/smtp.c), which pipelines when the sink offers PIPELINING (it
 * does): one round trip a message, its body in the same write as the
 * next message's MAIL, RCPT and DATA; with client = libcurl it would
 * wait four times, as smtp-source.  The "in SMTP" figure includes
 * composing the messages (mail_compose, GMime).  smtp-source runs
 * before and after the worker and the ratio is against the mean.
 * MAIL_BENCH_CLIENT=libcurl in the environment measures the fallback.
 * The worker runs in-process on a SQLite store in a scratch folder, so
 * the figure includes every state write the outbox makes per message.
 * MAIL_BENCH_DSN=ODBC-connection-string puts the store on that
 * PostgreSQL or MariaDB server instead (the dialect is the
 * connection's, as kefud finds it): in a schema (PostgreSQL) or
 * database (MariaDB) kefu_mailbench_PID made for the run, brought up to
 * date by the migrations and dropped at exit; nothing else on the
 * server is touched.  The connect options then go to that connection.
 *
 *   mail-bench [messages [bytes [connect-options [batch
 *       [connections]]]]]
 *
 * Prints figures; never a timed test.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "db/db.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"
#include "t/store-test.h"

#ifndef KEFU_BENCH_SRCDIR
#define KEFU_BENCH_SRCDIR "."
#endif

static const char *const sink_paths[] = { "/usr/sbin/smtp-sink",
    "/usr/lib/postfix/smtp-sink", NULL };
static const char *const source_paths[] = { "/usr/sbin/smtp-source",
    "/usr/lib/postfix/smtp-source", NULL };

static const char *
bench_find(const char *const *paths)
{
	for (; *paths != NULL; paths++)
		if (access(*paths, X_OK) == 0)
			return *paths;
	return NULL;
}

/* The e-mail transport, timed: what the worker spends outside it is the
 * store's and the checks'. */
static atomic_ullong bench_send_us;

static uint64_t
bench_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
bench_send(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	uint64_t t0 = bench_us();
	int rc = msg_mail_ops.send(state, m, att, natt, r);

	atomic_fetch_add(&bench_send_us, bench_us() - t0);
	return rc;
}

static void
bench_send_many(void *state, const struct store_msg *m, size_t n,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	uint64_t t0 = bench_us();

	msg_mail_ops.send_many(state, m, n, att, natt, r);
	atomic_fetch_add(&bench_send_us, bench_us() - t0);
}

static struct msg_transport_ops bench_ops;

/* The server, the scratch place on it and its dialect (MAIL_BENCH_DSN). */
static struct {
	const char *dsn;
	const char *dialect;    /* "sqlite", "postgresql" or "mysql" */
	struct db_adapters *ads;
	char *name;             /* made, not dropped yet; else NULL */
} bench_db = { .dialect = "sqlite" };

/* Drop the place bench_db_make made, at exit (errors included). */
static void
bench_db_drop(void)
{
	char *sql, *cause = NULL;

	if (bench_db.name == NULL)
		return;
	sql = store_test_drop_sql(bench_db.dialect, bench_db.name);
	if (store_test_run(bench_db.ads, bench_db.dsn, sql, &cause) == -1) {
		fprintf(stderr, "mail-bench: cannot drop %s: %s\n",
		    bench_db.name, cause);
		free(cause);
	}
	free(sql);
	free(bench_db.name);
	bench_db.name = NULL;
}

/*
 * The dialect of the server at dsn, a place of the bench's own made on
 * it, and the connection string to that place (malloc'd); exits on
 * error.
 */
static char *
bench_db_make(struct db_adapters *ads, const char *dsn)
{
	struct conf_datasource ds;
	struct db_source *src;
	char *cause = NULL, *sql, *name;

	bench_db.dsn = dsn;
	bench_db.ads = ads;
	store_test_ds(&ds, "local", dsn);
	if (db_source_open(&ds, ads, &src, &cause) == -1 ||
	    (bench_db.dialect = store_dialect(src, &ds, &cause)) == NULL) {
		fprintf(stderr, "mail-bench: MAIL_BENCH_DSN: %s\n", cause);
		exit(1);
	}
	db_source_close(src);
	if (strcmp(bench_db.dialect, "sqlite") == 0) {
		fprintf(stderr, "mail-bench: MAIL_BENCH_DSN is SQLite: "
		    "leave it unset for the scratch SQLite store\n");
		exit(1);
	}
	name = xasprintf("kefu_mailbench_%ld", (long)getpid());
	sql = store_test_create_sql(bench_db.dialect, name);
	if (store_test_run(ads, dsn, sql, &cause) == -1) {
		fprintf(stderr, "mail-bench: %s\n", cause);
		exit(1);
	}
	free(sql);
	bench_db.name = name;
	atexit(bench_db_drop);
	return store_test_connstr(bench_db.dialect, dsn, name);
}

/* User (1) or system (0) CPU time of ru in microseconds. */
static double
bench_cpu_us(const struct rusage *ru, int user)
{
	const struct timeval *tv = user ? &ru->ru_utime : &ru->ru_stime;

	return tv->tv_sec * 1e6 + tv->tv_usec;
}

/* A free loopback port. */
static int
bench_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd, port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static pid_t
bench_spawn(char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* smtp-sink, stopped at exit (errors included) when still running. */
static pid_t bench_sinkpid = -1;

static void
bench_sink_stop(void)
{
	if (bench_sinkpid <= 0)
		return;
	kill(bench_sinkpid, SIGTERM);
	waitpid(bench_sinkpid, NULL, 0);
	bench_sinkpid = -1;
}

/* smtp-source: n messages of size bytes over sess sessions; msg/s. */
static double
bench_source(const char *source, const char *addr, unsigned n,
    unsigned size, unsigned sess)
{
	char nbuf[16], lbuf[16], sbuf[16];
	char *argv[] = { (char *)source, (char *)"-d", (char *)"-s",
	    sbuf, (char *)"-m", nbuf, (char *)"-l", lbuf, (char *)"-f",
	    (char *)"shop@kefu.test", (char *)"-t", (char *)"sink@kefu.test",
	    (char *)addr, NULL };
	uint64_t t0;
	int status;
	pid_t pid;

	snprintf(nbuf, sizeof nbuf, "%u", n);
	snprintf(lbuf, sizeof lbuf, "%u", size);
	snprintf(sbuf, sizeof sbuf, "%u", sess);
	t0 = now_ms();
	if ((pid = bench_spawn(argv)) == -1 || waitpid(pid, &status, 0) == -1 ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return n * 1000.0 / (double)(now_ms() - t0 + 1);
}

/* The store with n e-mails of about size bytes queued. */
static struct db_source *
bench_store(struct conf *conf, struct db_adapters *ads, unsigned n,
    unsigned size)
{
	struct conf_datasource *ds = conf_datasource(conf, "local");
	struct store_outbox_new m = { .channel = "email",
	    .recipient = "sink@kefu.test", .recipient_name = "王芳",
	    .subject = "本周特价", .msg_class = "marketing" };
	struct db_source *src;
	char *cause = NULL, *path = NULL, *body, key[32], now[20];
	int64_t id;
	unsigned i;
	int applied, dup;

	if (store_sqlite_path(ds, &path, &cause) == -1 ||
	    db_source_open(ds, ads, &src, &cause) == -1 ||
	    store_upgrade(src, ds, KEFU_BENCH_SRCDIR "/sql", 0, &applied,
	    &cause) == -1) {
		fprintf(stderr, "mail-bench: %s\n", cause);
		exit(1);
	}
	free(path);
	body = xmalloc(size + 1);
	for (i = 0; i < size; i++)
		body[i] = (i + 1) % 72 == 0 ? '\n' : (char)('a' + i % 26);
	body[size] = '\0';
	m.body = body;
	msg_time(now, 0);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "bench:%u", i);
		m.idem_key = key;
		if (store_outbox_enqueue(src, &m, now, &id, &dup,
		    &cause) == -1) {
			fprintf(stderr, "mail-bench: %s\n", cause);
			exit(1);
		}
	}
	free(body);
	return src;
}

int
main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
	unsigned size = argc > 2 ? (unsigned)atoi(argv[2]) : 2000;
	const char *opts = argc > 3 ? argv[3] : "";
	unsigned batch = argc > 4 ? (unsigned)atoi(argv[4]) : 20;
	unsigned conns = argc > 5 ? (unsigned)atoi(argv[5]) : 0;
	const char *sink = bench_find(sink_paths);
	const char *source = bench_find(source_paths);
	const char *client;
	struct msg_worker_opts o;
	struct msg_stats st = { 0 };
	struct db_stats dbs0, dbs1;
	struct rusage ru0, ru1;
	double per;
	struct db_adapters *ads = NULL;
	struct db_source *src;
	struct conf *conf;
	const char *dsn = getenv("MAIL_BENCH_DSN");
	char addr[32], dir[64], *text, *cause = NULL, *cmd, *connect, *store;
	double src_rate, src_after, kefu_rate;
	uint64_t t0, ms;
	int port;

	if (sink == NULL || source == NULL) {
		printf("mail-bench: smtp-sink and smtp-source (Postfix) not "
		    "found: skipped\n");
		return 0;
	}
	log_set_level(KLOG_WARN);
	port = bench_port();
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);

	snprintf(dir, sizeof dir, "/tmp/kefu-mail-bench-%ld", (long)getpid());
	client = getenv("MAIL_BENCH_CLIENT") ? getenv("MAIL_BENCH_CLIENT") :
	    "kefu";
	if (db_adapters_load(KEFU_BENCH_SRCDIR "/adapters", &ads, &cause) ==
	    -1) {
		fprintf(stderr, "mail-bench: %s\n", cause);
		return 1;
	}
	if (dsn != NULL && *dsn != '\0') {
		connect = bench_db_make(ads, dsn);
		store = strcmp(bench_db.dialect, "postgresql") == 0 ?
		    xasprintf("PostgreSQL store in schema %s", bench_db.name) :
		    xasprintf("MariaDB store in database %s", bench_db.name);
	} else {
		connect = xasprintf("Driver=SQLite3;Database=%s/k.db", dir);
		store = xstrdup("SQLite store");
	}
	text = xasprintf("[email]\nurl = smtp://%s\nfrom = shop@kefu.test\n"
	    "starttls = no\nbatch = %u\nlease = 10m\nclient = %s\n"
	    "[suppress]\nquiet-marketing = none\n[datasource local]\n"
	    "connect = %s%s%s\n", addr, batch, client, connect,
	    *opts ? ";" : "", opts);
	if (conf_parse("/tmp/mail-bench.conf", text, &conf, &cause) == -1) {
		fprintf(stderr, "mail-bench: %s\n", cause);
		return 1;
	}
	free(text);
	free(connect);
	{
		/* smtp-sink refuses to run as root without -u. */
		char *sargv[] = { (char *)sink, (char *)"-u", (char *)"nobody",
		    addr, (char *)"256", NULL };

		if (geteuid() != 0)
			sargv[2] = (char *)sink;
		bench_sinkpid = bench_spawn(geteuid() == 0 ? sargv :
		    sargv + 2);
		atexit(bench_sink_stop);
	}
	sleep_ms(300);
	if (conns == 0)
		conns = (unsigned)conf->email_connections;
	src_rate = bench_source(source, addr, n, size, conns);
	src = bench_store(conf, ads, n, size);
	bench_ops = msg_mail_ops;
	bench_ops.send = bench_send;
	bench_ops.send_many = msg_mail_ops.send_many ? bench_send_many : NULL;
	msg_worker_opts_email(conf, "bench/email", &o);
	o.once = 1;
	if (getenv("MAIL_BENCH_STOP") != NULL)
		raise(SIGSTOP);
	db_source_stats(src, &dbs0);
	getrusage(RUSAGE_SELF, &ru0);
	t0 = now_ms();
	if (msg_worker_run_n(src, bench_db.dialect, conf, &bench_ops, &o,
	    conns, &st, &cause) == -1) {
		fprintf(stderr, "mail-bench: %s\n", cause);
		return 1;
	}
	ms = now_ms() - t0 + 1;
	getrusage(RUSAGE_SELF, &ru1);
	db_source_stats(src, &dbs1);
	kefu_rate = st.sent * 1000.0 / (double)ms;
	/* again after: a machine whose load changes skews one side less */
	src_after = bench_source(source, addr, n, size, conns);
	bench_sink_stop();

	per = st.sent ? st.sent : 1;
	printf("mail-bench: %u messages of %u bytes into smtp-sink on %s, "
	    "%u connection%s; %s%s%s, [email] batch = %u, "
	    "client = %s\n", n, size, addr, conns, conns == 1 ? "" : "s",
	    store, *opts ? " with " : "", opts, batch, client);
	printf("smtp-source      %8.1f msg/s  (-s %u -d; %.1f before kefu, "
	    "%.1f after)\n", (src_rate + src_after) / 2, conns, src_rate,
	    src_after);
	printf("kefu outbox      %8.1f msg/s  (%u submitted, %u failed, "
	    "%.3f ms a message)\n", kefu_rate, st.sent, st.failed + st.retried,
	    (double)ms / per);
	printf("  in SMTP        %8.3f ms a message on its connection\n",
	    atomic_load(&bench_send_us) / 1000.0 / per);
	printf("  kefu CPU       %8.3f ms a message (user %.3f, system %.3f)\n",
	    (bench_cpu_us(&ru1, 1) - bench_cpu_us(&ru0, 1) +
	    bench_cpu_us(&ru1, 0) - bench_cpu_us(&ru0, 0)) / 1000.0 / per,
	    (bench_cpu_us(&ru1, 1) - bench_cpu_us(&ru0, 1)) / 1000.0 / per,
	    (bench_cpu_us(&ru1, 0) - bench_cpu_us(&ru0, 0)) / 1000.0 / per);
	printf("  in the store   %8.3f ms a message on its connection (claim "
	    "%.3f, check %.3f, submitting %.3f, outcomes %.3f)\n",
	    (double)(st.claim_us + st.check_us + st.submitting_us +
	    st.record_us) / 1000.0 / per, st.claim_us / 1000.0 / per,
	    st.check_us / 1000.0 / per, st.submitting_us / 1000.0 / per,
	    st.record_us / 1000.0 / per);
	printf("  SQL statements %8.2f a message (%.2f inside transactions)\n",
	    (double)(dbs1.queries - dbs0.queries) / per,
	    (double)(dbs1.in_tx - dbs0.in_tx) / per);
	printf("ratio            %8.2f  (goal 0.80)\n",
	    kefu_rate * 2 / (src_rate + src_after));
	db_source_close(src);
	bench_db_drop();
	free(store);
	conf_free(conf);
	db_adapters_free(ads);
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "mail-bench: cannot remove %s\n", dir);
	free(cmd);
	return 0;
}
