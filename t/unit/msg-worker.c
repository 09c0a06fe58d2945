/*
 * msg-worker.c: msg_worker_run_n when one of its workers fails -- a
 * transport of its own (no peer) whose second connection is refused
 * after the first ones are sending: that worker alone is started again
 * after restart_ms, the others go on sending and are neither stopped
 * nor reconnected, every message is sent once, and run_n returns 0 at
 * the caller's stop.  With once, the failure is returned when the
 * others have finished.  A transport with send_many gets a whole batch
 * in one call (one at a time when a rate is set), and the messages after
 * one that found its peer down are given back untried.  A SQLite local
 * store in /tmp.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "db/db.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"
#include "../tap.h"
#include "t/fake-transport.h"
#include "t/scratch-store.h"
#include "t/store-engines.h"

#define NMSG 30

static struct scratch_store store;
static struct db_source *src;
static struct conf *conf;

/* A transport that takes a batch at once (send_many). */
static atomic_uint many_calls, many_max, one_calls;

static void
many_send_many(void *state, const struct store_msg *m, size_t n,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	size_t i;
	int down = 0;

	(void)state;
	(void)att;
	(void)natt;
	atomic_fetch_add(&many_calls, 1);
	if (n > atomic_load(&many_max))
		atomic_store(&many_max, (unsigned)n);
	for (i = 0; i < n; i++) {
		down |= strcmp(m[i].body, "down") == 0;
		r[i].outcome = down ? MSG_TEMPFAIL : MSG_SENT;
		r[i].down = down;
		snprintf(r[i].detail, sizeof r[i].detail, "%s",
		    down ? "fake: connection lost" : "250 ok");
	}
}

static int
many_send(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	atomic_fetch_add(&one_calls, 1);
	many_send_many(state, m, 1, att, natt, r);
	atomic_fetch_sub(&many_calls, 1);
	return 0;
}

static const struct msg_transport_ops many_ops = {
	.name = "many", .channel = "sms", .open = fake_open,
	.send = many_send, .close = fake_close,
	.send_many = many_send_many,
};

static void
queue(const char *tag, int n)
{
	struct store_outbox_new m = { .channel = "sms",
	    .recipient = "13800000001", .body = "worker",
	    .msg_class = "transactional", .max_attempts = 3 };
	char now[20], key[32], *cause = NULL;
	int64_t id;
	int i, dup;

	msg_time(now, 0);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "%s:%d", tag, i);
		m.idem_key = key;
		if (store_outbox_enqueue(src, &m, now, &id, &dup, &cause) ==
		    -1) {
			tap_diag("%s", cause);
			free(cause);
			cause = NULL;
		}
	}
}

/* A run_n on its own thread, so that the test can stop it. */
struct runner {
	pthread_t th;
	struct msg_worker_opts o;
	atomic_int stop;
	struct msg_stats st;
	char *cause;
	int rc;
};

static void *
runner_main(void *arg)
{
	struct runner *x = arg;

	x->rc = msg_worker_run_n(src, "sqlite", conf, &fake_ops, &x->o, 3,
	    &x->st, &x->cause);
	return NULL;
}

static void
opts(struct msg_worker_opts *o, const char *name)
{
	msg_worker_opts_sms(conf, name, NULL, o);
	o->poll_ms = 50;
	o->batch = 2;
	o->restart_ms = 200;
}

static void
test_one_fails(void)
{
	struct runner x = { 0 };

	atomic_store(&fake_opens, 0);
	atomic_store(&fake_sent, 0);
	atomic_store(&fake_refuse, 2);
	queue("t:fail", NMSG);
	opts(&x.o, "test/fail");
	x.o.stop = &x.stop;
	log_set_level(KLOG_WARN);
	if (pthread_create(&x.th, NULL, runner_main, &x) != 0)
		tap_bail("pthread_create");
	ok(tap_wait(store_test_count(src, "SELECT COUNT(*) FROM outbox "
	    "WHERE idem_key LIKE 't:fail:%' AND status = 'submitted'") ==
	    NMSG, 15000), "all %d messages sent with one worker failing",
	    NMSG);
	atomic_store(&x.stop, 1);
	pthread_join(x.th, NULL);
	is_int(x.rc, 0, "run_n goes on, and ends at the caller's stop");
	if (x.rc == -1)
		tap_diag("%s", x.cause);
	free(x.cause);
	is_int(atomic_load(&fake_opens), 4, "three connections and one more "
	    "for the worker that failed: the others were not reconnected");
	is_int(x.st.restarts, 1, "that one worker was started again");
	is_int(atomic_load(&fake_sent), NMSG, "each message sent once");
}

static void
test_once(void)
{
	struct runner x = { 0 };

	atomic_store(&fake_opens, 0);
	atomic_store(&fake_sent, 0);
	atomic_store(&fake_refuse, 1);
	queue("t:once", NMSG);
	opts(&x.o, "test/once");
	x.o.once = 1;
	runner_main(&x);
	is_int(x.rc, -1, "once: the failure is returned");
	like(x.cause, "connection 1 refused", "... with its cause");
	free(x.cause);
	is_int(atomic_load(&fake_sent), NMSG, "... after the two others sent "
	    "all %d", NMSG);
	is_int(atomic_load(&fake_opens), 3, "... and it was not started again");
}

/* Five messages, the third finds the peer down. */
static void
many_queue(const char *tag)
{
	static const char *const body[] = { "ok", "ok", "down", "ok", "ok" };
	struct store_outbox_new m = { .channel = "sms",
	    .recipient = "13800000002", .msg_class = "transactional",
	    .max_attempts = 3 };
	char now[20], key[64], *cause = NULL;
	int64_t id;
	int i, dup;

	msg_time(now, 0);
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof key, "%s:%d", tag, i);
		m.idem_key = key;
		m.body = body[i];
		if (store_outbox_enqueue(src, &m, now, &id, &dup, &cause) ==
		    -1)
			tap_bail(cause);
	}
}

static void
test_many(unsigned rate)
{
	struct msg_worker_opts o;
	struct msg_stats st = { 0 };
	char *cause = NULL, tag[32];

	snprintf(tag, sizeof tag, "t:many%u", rate);
	atomic_store(&fake_opens, 0);
	atomic_store(&fake_refuse, 0);
	atomic_store(&many_calls, 0);
	atomic_store(&many_max, 0);
	atomic_store(&one_calls, 0);
	many_queue(tag);
	opts(&o, "test/many");
	o.batch = 5;
	o.once = 1;
	o.rate = rate;
	if (msg_worker_run(src, "sqlite", conf, &many_ops, &o, &st,
	    &cause) == -1)
		tap_bail(cause);
	if (rate == 0) {
		is_int(atomic_load(&many_calls), 1, "send_many: one call for "
		    "the batch");
		is_int(atomic_load(&many_max), 5, "... of its 5 messages");
		is_int(atomic_load(&one_calls), 0, "... send not used");
	} else {
		is_int(atomic_load(&many_calls), 0, "a rate: no send_many");
		is_int(atomic_load(&one_calls), 3, "... one at a time, "
		    "until the peer is down");
	}
	is_int(st.sent, 2, "send_many%s: the two before the peer went down "
	    "sent", rate ? " (rate)" : "");
	is_int(st.retried, 3, "... three to try again");
	is_int(st.released, 2, "... the two after it given back untried");
	is_int(store_test_count(src, "SELECT COUNT(*) FROM outbox WHERE "
	    "idem_key LIKE 't:many%' AND status = 'queued' AND attempts = 0"),
	    2 * (rate ? 2 : 1), "... with no attempt counted");
}

int
main(void)
{
	char *dir, *text, *cause = NULL, *cmd;

	dir = xasprintf("/tmp/kefu-worker-%ld", (long)getpid());
	text = xasprintf("[sms]\nretry = 1s\nretry-max = 1s\nlease = 10s\n"
	    "[suppress]\nquiet-marketing = none\n"
	    "[datasource local]\nconnect = Driver=SQLite3;Database=%s/k.db\n",
	    dir);
	if (conf_parse("/tmp/kefu-worker-test.conf", text, &conf,
	    &cause) == -1 ||
	    scratch_store_open(conf_datasource(conf, "local"), &store,
	    &cause) == -1)
		tap_bail(cause);
	src = store.src;
	/* a peer's pace; a refused open fails once the others have sent */
	atomic_store(&fake_pace_ms, 20);
	atomic_store(&fake_refuse_ms, 300);
	test_one_fails();
	test_once();
	test_many(0);
	test_many(1000);
	scratch_store_close(&store, 0);
	conf_free(conf);
	cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		tap_diag("%s failed", cmd);
	free(cmd);
	free(text);
	free(dir);
	return tap_done();
}
