/*
 * msg-mail.c: the e-mail outbox end to end against a real Postfix on
 * loopback (build-aux/test-services: KEFU_TEST_SMTP, KEFU_TEST_MAILDIR):
 * messages are queued in a SQLite local store, sent by the outbox worker,
 * and read back from the Maildir with Python's email package
 * (t/mail-parse.py): a Chinese subject and name, HTML with an inline
 * image, a transactional notice, a suppressed recipient, 4xx and 5xx
 * answers from a scripted SMTP server, AUTH PLAIN against it (no
 * password in the log), and a worker killed while "submitting".  Skips
 * without the server unless
 * KEFU_TEST_REQUIRE_SERVERS=1.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "db/db.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"
#include "../tap.h"
#include "t/png-1x1.h"
#include "t/store-engines.h"

/* Pass when hay matches the POSIX extended regular expression re. */
static int
rx_match(const char *hay, const char *re)
{
	regex_t r;
	int m;

	if (hay == NULL || regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	m = regexec(&r, hay, 0, NULL, 0) == 0;
	regfree(&r);
	return m;
}
#define re_like(hay, re, ...) do {					\
	const char *h_ = (hay);						\
	int m_ = rx_match(h_, (re));					\
	tap_result(m_, __FILE__, __LINE__, __VA_ARGS__);		\
	if (!m_)							\
		printf("#   '%s'\n#   does not match '%s'\n",		\
		    h_ ? h_ : "(null)", (re));				\
} while (0)

static struct db_adapters *ads;
static char *srcdir, *dir, *tag;

/* ---- a scripted SMTP server: refuses recipients, or takes mail ---- */

struct fake {
	int fd;                 /* listening socket */
	int port;
	const char *rcpt;       /* the answer to RCPT TO: "451 4.7.1 ..." */
	const char *auth;       /* NULL: no AUTH; else the PLAIN response
				   (base64) it accepts */
	char got_auth[128];     /* the last AUTH PLAIN response received */
	int sessions;           /* connections served */
	int mails;              /* messages taken */
	pthread_t th;
};

static void
fake_say(int c, const char *s)
{
	if (write(c, s, strlen(s)) < 0)
		return;
}

/* One command line (or, in DATA, one line of the message); 1: QUIT. */
static int
fake_line(struct fake *f, int c, const char *line, int *data, int *plain)
{
	char out[160];

	if (*data) {
		if (strcmp(line, ".") == 0) {
			*data = 0;
			f->mails++;
			snprintf(out, sizeof out, "250 2.0.0 Ok: queued as "
			    "FAKE%d\r\n", f->mails);
			fake_say(c, out);
		}
		return 0;
	}
	if (*plain || strncasecmp(line, "AUTH PLAIN ", 11) == 0) {
		snprintf(f->got_auth, sizeof f->got_auth, "%.100s",
		    *plain ? line : line + 11);
		*plain = 0;
		fake_say(c, strcmp(f->got_auth, f->auth) == 0 ?
		    "235 2.7.0 Authentication successful\r\n" :
		    "535 5.7.8 Error: authentication failed\r\n");
	} else if (strcasecmp(line, "AUTH PLAIN") == 0) {
		*plain = 1;
		fake_say(c, "334 \r\n");
	} else if (strncasecmp(line, "EHLO", 4) == 0)
		fake_say(c, f->auth ? "250-fake\r\n250 AUTH PLAIN\r\n" :
		    "250-fake\r\n250 8BITMIME\r\n");
	else if (strncasecmp(line, "RCPT", 4) == 0) {
		snprintf(out, sizeof out, "%s\r\n", f->rcpt);
		fake_say(c, out);
	} else if (strncasecmp(line, "DATA", 4) == 0) {
		*data = 1;
		fake_say(c, "354 go ahead\r\n");
	} else if (strncasecmp(line, "QUIT", 4) == 0) {
		fake_say(c, "221 bye\r\n");
		return 1;
	} else
		fake_say(c, "250 ok\r\n");
	return 0;
}

static void
fake_session(struct fake *f, int c)
{
	char buf[8192];
	size_t len = 0;
	ssize_t n;
	char *nl;
	int data = 0, plain = 0;

	fake_say(c, "220 fake ESMTP\r\n");
	while ((n = read(c, buf + len, sizeof buf - 1 - len)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = strstr(buf, "\r\n")) != NULL) {
			*nl = '\0';
			if (fake_line(f, c, buf, &data, &plain))
				return;
			len -= (size_t)(nl + 2 - buf);
			memmove(buf, nl + 2, len + 1);
		}
		if (len == sizeof buf - 1)
			len = 0;        /* a longer line: not ours to check */
	}
}

static void *
fake_run(void *arg)
{
	struct fake *f = arg;
	int c;

	while ((c = accept(f->fd, NULL, NULL)) != -1) {
		f->sessions++;
		fake_session(f, c);
		close(c);
	}
	return NULL;
}

static int
fake_start(struct fake *f, const char *rcpt, const char *auth)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;

	memset(f, 0, sizeof *f);
	f->rcpt = rcpt;
	f->auth = auth;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((f->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(f->fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    listen(f->fd, 4) == -1 ||
	    getsockname(f->fd, (struct sockaddr *)&sa, &len) == -1)
		return -1;
	f->port = ntohs(sa.sin_port);
	return pthread_create(&f->th, NULL, fake_run, f);
}

static void
fake_stop(struct fake *f)
{
	shutdown(f->fd, SHUT_RDWR);
	close(f->fd);
	pthread_join(f->th, NULL);
}

/* ---- the store, the configuration, the worker ---- */

static int64_t queue(struct db_source *, const char *, const char *,
    const char *, const char *, const char *, const char *);
static int work(struct db_source *, struct conf *, struct msg_stats *);
static const char *fact(int64_t, const char *);
static int arrived(int64_t);
static void parse_maildir(const int64_t *, size_t);
static void test_utf8(struct db_source *, struct conf *);
static void test_idn(struct db_source *, const char *);

static struct db_source *
open_store(struct conf *conf)
{
	struct db_source *src;
	char *cause = NULL, *path = NULL;
	struct conf_datasource *ds = conf_datasource(conf, "local");

	if (store_sqlite_path(ds, &path, &cause) == -1 ||
	    db_source_open(ds, ads, &src, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
		free(path);
		return NULL;
	}
	free(path);
	return src;
}

/* A configuration for url, from from, with extra lines in [email]. */
static struct conf *
make_conf_from(const char *url, const char *extra, const char *from)
{
	struct conf *conf;
	char *text, *cause = NULL;

	text = xasprintf("[email]\n%surl = %s\nfrom = %s\n"
	    "from-name = 好又多超市 (北京店)\nstarttls = %s\ntls-verify = no\n"
	    "retry = 1s\nlease = 1s\nrate = 50\n"
	    "unsubscribe-url = https://shop.kefu.test/unsub/%%s\n"
	    "[suppress]\nquiet-marketing = none\n"
	    "[datasource local]\nconnect = Driver=SQLite3;Database=%s/k.db\n",
	    extra, url, from, str_prefix(url, "smtp://127.0.0.1:25") ? "yes" :
	    "no", dir);
	if (conf_parse("/tmp/kefu-mail-test.conf", text, &conf, &cause) ==
	    -1) {
		tap_diag("%s", cause);
		free(cause);
		conf = NULL;
	}
	free(text);
	return conf;
}

/* A configuration for url, with extra lines in [email]. */
static struct conf *
make_conf_x(const char *url, const char *extra)
{
	return make_conf_from(url, extra, "shop@kefu.test");
}

static struct conf *
make_conf(const char *url)
{
	return make_conf_x(url, "");
}

/* Queue one e-mail to TAG-who@kefu.test; its id. */
static int64_t
queue(struct db_source *src, const char *who, const char *name,
    const char *cls, const char *subject, const char *body,
    const char *html)
{
	struct store_outbox_new m = { .channel = "email",
	    .recipient_name = name, .subject = subject, .body = body,
	    .body_html = html, .msg_class = cls, .max_attempts = 3 };
	char *to, *key, *cause = NULL, now[20];
	int64_t id = 0;
	int dup;

	to = xasprintf("%s-%s@kefu.test", tag, who);
	key = xasprintf("test:%s:%s", tag, who);
	m.recipient = to;
	m.idem_key = key;
	msg_time(now, 0);
	if (store_outbox_enqueue(src, &m, now, &id, &dup, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
	}
	free(to);
	free(key);
	return id;
}

static int
work(struct db_source *src, struct conf *conf, struct msg_stats *st)
{
	struct msg_worker_opts o;
	char *cause = NULL;
	int rc;

	memset(st, 0, sizeof *st);
	msg_worker_opts_email(conf, "test/email", &o);
	o.once = 1;
	rc = msg_worker_run(src, "sqlite", conf, &msg_mail_ops, &o, st,
	    &cause);
	if (rc == -1) {
		tap_diag("%s", cause);
		free(cause);
	}
	return rc;
}

static char *
state_of(struct db_source *src, int64_t id, char **last_error)
{
	struct store_msg *m;
	char *cause = NULL, *s;

	if (store_outbox_get(src, id, &m, &cause) == -1) {
		free(cause);
		return xstrdup("?");
	}
	s = xstrdup(m->status);
	if (last_error != NULL)
		*last_error = m->last_error ? xstrdup(m->last_error) :
		    xstrdup("");
	store_msgs_free(m, 1);
	return s;
}

/* ---- reading the Maildir back ---- */

static char *parsed;

static int
parse_once(void)
{
	struct strbuf sb = { 0 };
	char *cmd, buf[4096];
	FILE *fp;
	size_t n;

	free(parsed);
	cmd = xasprintf("python3 '%s/t/mail-parse.py' '%s' '%s'", srcdir,
	    getenv("KEFU_TEST_MAILDIR"), tag);
	if ((fp = popen(cmd, "r")) != NULL) {
		while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
			sb_add(&sb, buf, n);
		if (pclose(fp) != 0)
			tap_diag("%s failed", cmd);
	}
	free(cmd);
	sb_addc(&sb, '\0');
	parsed = sb_steal(&sb);
	return 0;
}

/* The value of "ID key value" (static buffer; "" when absent). */
static const char *
fact(int64_t id, const char *key)
{
	static char val[2048];
	char *pre = xasprintf("\n%lld %s ", (long long)id, key);
	char *full = xasprintf("\n%s", parsed);
	const char *p = strstr(full, pre);
	size_t n;

	val[0] = '\0';
	if (p != NULL) {
		p += strlen(pre);
		n = strcspn(p, "\n");
		snprintf(val, sizeof val, "%.*s", (int)n, p);
	}
	free(pre);
	free(full);
	return val;
}

/* How many messages of outbox id arrived. */
static int
arrived(int64_t id)
{
	char *pre = xasprintf("%lld count 1\n", (long long)id);
	const char *p = parsed;
	int n = 0;

	while ((p = strstr(p, pre)) != NULL) {
		if (p == parsed || p[-1] == '\n')
			n++;
		p++;
	}
	free(pre);
	return n;
}

/* Whether each of the n messages in want has arrived. */
static int
all_arrived(const int64_t *want, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (arrived(want[i]) == 0)
			return 0;
	return 1;
}

/*
 * Postfix delivers in the background: read the Maildir again until each
 * of the n messages in want has arrived (10 s at most).  Those that must
 * never arrive were handed over before them.
 */
static void
parse_maildir(const int64_t *want, size_t n)
{
	tap_wait(parse_once() == 0 && all_arrived(want, n), 10000);
}

/* ---- the crash: a transport that dies after "submitting" ---- */

static int
crash_open(const struct msg_env *env, void **state, char **cause)
{
	(void)env;
	(void)cause;
	*state = NULL;
	return 0;
}

static int
crash_send(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	(void)state;
	(void)m;
	(void)att;
	(void)natt;
	(void)r;
	_exit(9);       /* as kill -9 in the middle of SMTP DATA */
}

static void
crash_close(void *state)
{
	(void)state;
}

static const struct msg_transport_ops crash_ops = {
	.name = "crash", .channel = "email", .open = crash_open,
	.send = crash_send, .close = crash_close,
};

/* ---- stopping: a transport that asks the worker to stop ---- */

static atomic_int stop_flag;

static int
stop_send(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	(void)state;
	(void)att;
	(void)natt;
	r->outcome = MSG_SENT;
	snprintf(r->remote_id, sizeof r->remote_id, "STOP%lld",
	    (long long)m->id);
	atomic_store(&stop_flag, 1);    /* as SIGTERM during this send */
	return 0;
}

static const struct msg_transport_ops stop_ops = {
	.name = "stop", .channel = "email", .open = crash_open,
	.send = stop_send, .close = crash_close,
};

/* kefud stops in the middle of a batch: the rest go back at once. */
static void
test_stop(struct db_source *src, struct conf *conf)
{
	struct msg_worker_opts o;
	struct msg_stats st = { 0 };
	struct store_msg *m;
	char *cause = NULL, *s;
	int64_t a, b, c;
	size_t n;

	a = queue(src, "stop1", NULL, "transactional", "a", "a", NULL);
	b = queue(src, "stop2", NULL, "transactional", "b", "b", NULL);
	c = queue(src, "stop3", NULL, "transactional", "c", "c", NULL);
	msg_worker_opts_email(conf, "test/stopping", &o);
	o.stop = &stop_flag;
	ok(msg_worker_run(src, "sqlite", conf, &stop_ops, &o, &st, &cause) ==
	    0 && st.sent == 1, "a worker told to stop finishes the message "
	    "in hand");
	s = state_of(src, a, NULL);
	is_str(s, "submitted", "that message is submitted");
	free(s);
	s = state_of(src, b, NULL);
	is_str(s, "queued", "the rest of its batch is queued again at once");
	free(s);
	store_outbox_get(src, c, &m, &cause);
	ok(m != NULL && m->attempts == 0, "with no attempt counted");
	store_msgs_free(m, m ? 1 : 0);
	ok(store_outbox_list(src, "claimed", 0, &m, &n, &cause) == 0 && n == 0,
	    "nothing is left claimed");
	store_msgs_free(m, n);
	store_outbox_cancel(src, b, &cause);
	store_outbox_cancel(src, c, &cause);
	free(cause);
}

/* ---- a batch: a transport that counts each message's sends ---- */

static int64_t cnt_ids[5];
static int cnt_sends[5];
static int cnt_seq, cnt_fail_at;        /* the send that fails, 0: none */

static int
cnt_send(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	size_t i;

	(void)state;
	(void)att;
	(void)natt;
	for (i = 0; i < nitems(cnt_ids); i++)
		if (cnt_ids[i] == m->id)
			cnt_sends[i]++;
	if (++cnt_seq == cnt_fail_at) {
		r->outcome = MSG_TEMPFAIL;
		r->down = 1;            /* as the MTA gone mid-batch */
		snprintf(r->detail, sizeof r->detail, "421 4.3.2 going down");
		return 0;
	}
	r->outcome = MSG_SENT;
	snprintf(r->remote_id, sizeof r->remote_id, "CNT%lld",
	    (long long)m->id);
	return 0;
}

static const struct msg_transport_ops cnt_ops = {
	.name = "count", .channel = "email", .open = crash_open,
	.send = cnt_send, .close = crash_close,
};

/* Five marketing messages cntN queued, the counts cleared. */
static void
cnt_queue(struct db_source *src, const char *prefix)
{
	char who[16];
	size_t i;

	for (i = 0; i < nitems(cnt_ids); i++) {
		snprintf(who, sizeof who, "%s%zu", prefix, i + 1);
		cnt_ids[i] = queue(src, who, NULL, "marketing", "特价", "特价",
		    NULL);
		cnt_sends[i] = 0;
	}
	cnt_seq = 0;
}

/* One run of the counting worker over batches of five. */
static int
cnt_work(struct db_source *src, const char *url, struct msg_stats *st)
{
	struct msg_worker_opts o;
	struct conf *conf;
	char *cause = NULL;
	int rc = -1;

	memset(st, 0, sizeof *st);
	if ((conf = make_conf_x(url, "batch = 5\n")) == NULL)
		return -1;
	msg_worker_opts_email(conf, "test/count", &o);
	o.once = 1;
	if ((rc = msg_worker_run(src, "sqlite", conf, &cnt_ops, &o, st,
	    &cause)) == -1)
		tap_diag("%s", cause);
	free(cause);
	conf_free(conf);
	return rc;
}

/*
 * The opt-outs of a batch are read at once, after the claim: one
 * recorded while the batch is claimed (a trigger on the claim writes
 * it) still suppresses its message, and only that one.
 */
static void
test_batch_optout(struct db_source *src, const char *url)
{
	struct msg_stats st;
	struct db_err err;
	char *sql, *s;
	size_t i;

	cnt_queue(src, "bo");
	cnt_fail_at = 0;
	sql = xasprintf("CREATE TRIGGER kefu_test_optout AFTER UPDATE OF "
	    "status ON outbox WHEN NEW.status = 'claimed' AND NEW.recipient "
	    "= '%s-bo1@kefu.test' BEGIN INSERT INTO consent_ledger (address, "
	    "service, action, via, recorded_at) VALUES ('%s-BO4@kefu.test', "
	    "'email', 'unsubscribe', 'email', '2026-01-01 00:00:00'); END;\n",
	    tag, tag);
	if (db_run_script(src, sql, &err) == -1)
		tap_diag("%s", err.msg);
	free(sql);
	ok(cnt_work(src, url, &st) == 0 && st.sent == 4 &&
	    st.suppressed == 1, "a batch of five: four sent, one suppressed");
	for (i = 0; i < nitems(cnt_ids); i++) {
		s = state_of(src, cnt_ids[i], NULL);
		is_str(s, i == 3 ? "suppressed" : "submitted", "bo%zu %s",
		    i + 1,
		    i == 3 ? "opted out while its batch was claimed: "
		    "suppressed" : "submitted");
		is_int(cnt_sends[i], i == 3 ? 0 : 1, "bo%zu handed over %s",
		    i + 1, i == 3 ? "never" : "once");
		free(s);
	}
	store_test_exec(src, "DROP TRIGGER kefu_test_optout");
}

/*
 * The MTA goes away at the third message of a batch of five: two are
 * submitted, the third queued for its retry, the last two queued again
 * untried; the next run sends those three, and nothing twice.
 */
static void
test_batch_fail(struct db_source *src, const char *url)
{
	struct msg_stats st;
	struct store_msg *m;
	char *cause = NULL, *s;
	size_t i;
	int once = 0;

	cnt_queue(src, "bf");
	cnt_fail_at = 3;
	ok(cnt_work(src, url, &st) == 0 && st.sent == 2 && st.released == 2,
	    "the MTA gone at the third of five: two sent, two given back");
	for (i = 0; i < nitems(cnt_ids); i++) {
		s = state_of(src, cnt_ids[i], NULL);
		is_str(s, i < 2 ? "submitted" : "queued", "bf%zu %s", i + 1,
		    i < 2 ? "submitted" : "queued again");
		free(s);
		store_outbox_get(src, cnt_ids[i], &m, &cause);
		ok(m != NULL && m->attempts == (i < 3 ? 1 : 0),
		    "bf%zu with %d attempt(s) counted", i + 1, i < 3 ? 1 : 0);
		store_msgs_free(m, m ? 1 : 0);
	}
	/* due now instead of after the back-off */
	s = xasprintf("UPDATE outbox SET next_attempt_at = '2026-01-01 "
	    "00:00:00' WHERE status = 'queued' AND recipient LIKE "
	    "'%s-bf%%'", tag);
	store_test_exec(src, s);
	free(s);
	cnt_fail_at = 0;
	ok(cnt_work(src, url, &st) == 0 && st.sent == 3,
	    "the next run sends the three left");
	for (i = 0; i < nitems(cnt_ids); i++) {
		s = state_of(src, cnt_ids[i], NULL);
		once += strcmp(s, "submitted") == 0 &&
		    cnt_sends[i] == (i == 2 ? 2 : 1);
		free(s);
	}
	is_int(once, 5, "all five submitted, each handed over once (the "
	    "third twice: refused, then taken)");
	free(cause);
}

/* ---- a send longer than the lease ---- */

static int
slow_send(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	if (cnt_seq == 0)
		sleep_ms(2100); /* the test: past the lease (1 s) */
	return cnt_send(state, m, att, natt, r);
}

static const struct msg_transport_ops slow_ops = {
	.name = "slow", .channel = "email", .open = crash_open,
	.send = slow_send, .close = crash_close,
};

/*
 * batch = 1, the first send slower than the lease: its outcome, held
 * for the next claim's commit, is recorded before recovery looks for
 * messages cut off -- not taken for one and left "unknown".
 */
static void
test_batch_lease(struct db_source *src, const char *url)
{
	struct msg_worker_opts o;
	struct msg_stats st = { 0 };
	struct conf *conf;
	char *cause = NULL, *s;
	int rc;

	cnt_queue(src, "bl");
	cnt_fail_at = 0;
	if ((conf = make_conf_x(url, "batch = 1\n")) == NULL) {
		ok(0, "a configuration with batch = 1");
		return;
	}
	msg_worker_opts_email(conf, "test/slow", &o);
	o.once = 1;
	rc = msg_worker_run(src, "sqlite", conf, &slow_ops, &o, &st, &cause);
	ok(rc == 0 && st.sent == 5 && st.unknown == 0 && st.resent == 0,
	    "a send longer than the lease: five sent, none taken for cut "
	    "off (%u unknown)", st.unknown);
	s = state_of(src, cnt_ids[0], NULL);
	is_str(s, "submitted", "the slow one is recorded submitted");
	free(s);
	free(cause);
	conf_free(conf);
}

/* Run the crashing worker in a child with its own connection. */
static int
crash_child(struct conf *conf)
{
	struct msg_worker_opts o;
	struct msg_stats st = { 0 };
	struct db_source *src;
	char *cause = NULL;
	pid_t pid;
	int status;

	if ((pid = fork()) == 0) {
		if ((src = open_store(conf)) == NULL)
			_exit(3);
		msg_worker_opts_email(conf, "test/doomed", &o);
		o.once = 1;
		msg_worker_run(src, "sqlite", conf, &crash_ops, &o, &st,
		    &cause);
		_exit(4);
	}
	if (pid == -1 || waitpid(pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- several connections: a transport that counts sends at once ---- */

static atomic_int par_now, par_max;

static int
par_send(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	int now = atomic_fetch_add(&par_now, 1) + 1, max;
	int rc;

	while ((max = atomic_load(&par_max)) < now &&
	    !atomic_compare_exchange_weak(&par_max, &max, now))
		;
	rc = msg_mail_ops.send(state, m, att, natt, r);
	sleep_ms(30);           /* long enough for the others to overlap */
	atomic_fetch_sub(&par_now, 1);
	return rc;
}

static int64_t par_ids[9];

/* [email] connections = 3: nine messages, each sent once, at once. */
static void
test_parallel(struct db_source *src, const char *url)
{
	struct msg_worker_opts o;
	struct msg_transport_ops ops = msg_mail_ops;
	struct msg_stats st = { 0 };
	struct store_msg *m;
	struct conf *conf;
	char who[16], *cause = NULL;
	size_t i, n;

	if ((conf = make_conf_x(url, "connections = 3\nbatch = 2\n")) ==
	    NULL) {
		ok(0, "a configuration with connections = 3");
		return;
	}
	for (i = 0; i < nitems(par_ids); i++) {
		snprintf(who, sizeof who, "par%zu", i + 1);
		par_ids[i] = queue(src, who, NULL, "transactional", "并行",
		    "并行发送", NULL);
	}
	ops.send = par_send;
	ops.send_many = NULL;   /* par_send counts one message a call */
	msg_worker_opts_email(conf, "test/par", &o);
	o.once = 1;
	ok(msg_worker_run_n(src, "sqlite", conf, &ops, &o,
	    (unsigned)conf->email_connections, &st, &cause) == 0 &&
	    st.sent == 9 && st.failed + st.retried == 0,
	    "three connections send nine messages");
	ok(atomic_load(&par_max) >= 2 && atomic_load(&par_max) <= 3,
	    "on up to three connections at once (%d)", atomic_load(&par_max));
	ok(store_outbox_list(src, "submitting", 0, &m, &n, &cause) == 0 &&
	    n == 0, "none is left submitting");
	store_msgs_free(m, n);
	ok(store_outbox_list(src, "claimed", 0, &m, &n, &cause) == 0 &&
	    n == 0, "none is left claimed");
	store_msgs_free(m, n);
	free(cause);
	conf_free(conf);
}

/* ---- late outcomes: sends the first message, dies in the second ---- */

static int late_sends;

static int
late_send(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	(void)state;
	(void)att;
	(void)natt;
	if (late_sends++ > 0)
		_exit(9);       /* kill -9 while the second is handed over */
	r->outcome = MSG_SENT;
	snprintf(r->remote_id, sizeof r->remote_id, "LATE%lld",
	    (long long)m->id);
	return 0;
}

static const struct msg_transport_ops late_ops = {
	.name = "late", .channel = "email", .open = crash_open,
	.send = late_send, .close = crash_close,
};

/*
 * batch = 1 and two messages: the first's outcome waits for the commit
 * that makes the second submitting, so when the worker dies handing the
 * second over, the first is already recorded submitted.
 */
static void
test_late(const char *url)
{
	struct msg_worker_opts o;
	struct msg_stats st = { 0 };
	struct db_source *src;
	struct conf *conf;
	char *cause = NULL, *s;
	int64_t first, second;
	int status = -1;
	pid_t pid;

	if ((conf = make_conf_x(url, "batch = 1\n")) == NULL ||
	    (src = open_store(conf)) == NULL) {
		ok(0, "a configuration with batch = 1");
		conf_free(conf);
		return;
	}
	first = queue(src, "late1", NULL, "marketing", "a", "a", NULL);
	second = queue(src, "late2", NULL, "marketing", "b", "b", NULL);
	db_source_close(src);
	if ((pid = fork()) == 0) {
		if ((src = open_store(conf)) == NULL)
			_exit(3);
		msg_worker_opts_email(conf, "test/late", &o);
		o.once = 1;
		msg_worker_run(src, "sqlite", conf, &late_ops, &o, &st,
		    &cause);
		_exit(4);
	}
	if (pid != -1)
		waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 9,
	    "a worker dies handing the second message of two over");
	src = open_store(conf);
	s = state_of(src, first, NULL);
	is_str(s, "submitted", "the first, sent, was recorded before the "
	    "second was handed over");
	free(s);
	s = state_of(src, second, NULL);
	is_str(s, "submitting", "the second is left submitting, for "
	    "recovery");
	free(s);
	store_test_exec(src, "UPDATE outbox SET status = 'cancelled' WHERE "
	    "status = 'submitting'");
	db_source_close(src);
	conf_free(conf);
}

/* SMTP AUTH PLAIN against the scripted server; no password in the log. */
static void
test_auth(struct db_source *src)
{
	struct fake fa;
	struct conf *good, *bad;
	struct msg_stats st;
	struct strbuf log = STRBUF_INIT;
	struct store_msg *m = NULL;
	char *u, *cause = NULL, *s, *err;
	int64_t id, id2;

	if (fake_start(&fa, "250 ok", "AHNob3AAczNjcmV0LXB3") == -1) {
		ok(0, "scripted SMTP server with AUTH");
		return;
	}
	u = xasprintf("smtp://127.0.0.1:%d", fa.port);
	good = make_conf_x(u, "user = shop\npassword = s3cret-pw\n");
	bad = make_conf_x(u, "user = shop\npassword = wrong-s3cret\n");
	free(u);
	log_capture(&log);
	id = queue(src, "auth", NULL, "transactional", "AUTH", "x", NULL);
	queue(src, "auth1b", NULL, "transactional", "AUTH", "y", NULL);
	ok(good != NULL && work(src, good, &st) == 0 && st.sent == 2,
	    "AUTH PLAIN: sent with the [email] user and password");
	ok(fa.sessions == 1 && fa.mails == 2, "two messages over one "
	    "connection (%d sessions, %d mails)", fa.sessions, fa.mails);
	is_str(fa.got_auth, "AHNob3AAczNjcmV0LXB3",
	    "the server got user shop and its password");
	store_outbox_get(src, id, &m, &cause);
	is_str(m ? m->remote_id : NULL, "FAKE1", "the queue id of the reply");
	store_msgs_free(m, m ? 1 : 0);
	id2 = queue(src, "auth2", NULL, "transactional", "AUTH", "x", NULL);
	ok(bad != NULL && work(src, bad, &st) == 0 && st.retried == 1,
	    "a refused password is a temporary failure");
	s = state_of(src, id2, &err);
	is_str(s, "queued", "the message waits for a fixed password");
	like(err, "refused the [email] user and password",
	    "saying what to fix");
	free(s);
	free(err);
	ok(store_outbox_cancel(src, id2, &cause) == 0, "and can be cancelled");
	log_capture(NULL);
	ok(strstr(sb_str(&log), "s3cret") == NULL &&
	    strstr(sb_str(&log), "AHNob3A") == NULL, "no password in the log");
	like(sb_str(&log), "refused the [email] user", "the refusal is logged");
	sb_free(&log);
	fake_stop(&fa);
	conf_free(good);
	conf_free(bad);
}

static void
test_mail(const char *url)
{
	struct conf *conf, *c451 = NULL, *c550 = NULL;
	struct db_source *src;
	struct msg_stats st;
	struct store_attachment logo = { .content_type = "image/png",
	    .filename = "logo.png", .inline_id = "logo@kefu.test" };
	struct fake f451, f550;
	char *cause = NULL, *sqldir, *pngpath, *s, *err, *u;
	int64_t special, notice, gone, later, bad, mk, tr;
	int applied, n = 0;
	size_t i;
	FILE *fp;

	dir = xasprintf("/tmp/kefu-mail-%ld", (long)getpid());
	tag = xasprintf("t%ld", (long)getpid());
	if ((conf = make_conf(url)) == NULL) {
		ok(0, "configuration");
		return;
	}
	if ((src = open_store(conf)) == NULL) {
		ok(0, "open the store");
		return;
	}
	sqldir = xasprintf("%s/sql", srcdir);
	ok(store_upgrade(src, conf_datasource(conf, "local"), sqldir, 0,
	    &applied, &cause) == 0, "local store created");
	free(sqldir);
	pngpath = xasprintf("%s/logo.png", dir);
	if ((fp = fopen(pngpath, "wb")) != NULL) {
		fwrite(png_1x1, 1, sizeof png_1x1, fp);
		fclose(fp);
	}
	logo.path = pngpath;

	/* A special in Chinese with an inline logo, a courier notice, and
	 * a special to a member who opted out after it was queued. */
	special = queue(src, "wang", "王芳", "marketing",
	    "本周特价：鸡蛋 5.99 元/斤，牛奶买一送一，会员积分翻倍 🥚🥛",
	    "本周特价：鸡蛋 5.99 元/斤。\n退订请回复 TD。",
	    "<p>本周特价</p><img src=\"cid:logo@kefu.test\" alt=\"logo\">");
	store_outbox_attach(src, special, 1, &logo, &cause);
	notice = queue(src, "li", "Li \"Lei\"", "transactional",
	    "订单 0001 已确认", "您的订单 0001 将于 14:00-16:00 送达。", NULL);
	gone = queue(src, "zhao", "赵六", "marketing", "本周特价", "特价",
	    NULL);
	s = xasprintf("INSERT INTO consent_ledger (address, service, action, "
	    "via, recorded_at) VALUES ('%s-zhao@kefu.test', 'email', "
	    "'unsubscribe', 'sms', '2026-01-01 00:00:00')", tag);
	store_test_exec(src, s);
	free(s);

	ok(work(src, conf, &st) == 0, "the worker runs once");
	is_int(st.sent, 2, "two messages submitted");
	is_int(st.suppressed, 1, "one suppressed at the moment of sending");
	s = state_of(src, special, NULL);
	is_str(s, "submitted", "the special is submitted");
	free(s);
	s = state_of(src, gone, &err);
	is_str(s, "suppressed", "the opted-out member's special is suppressed");
	like(err, "consent ledger", "with the reason");
	free(s);
	free(err);
	{
		struct store_msg *m;

		store_outbox_get(src, notice, &m, &cause);
		ok(m != NULL && m->remote_id != NULL &&
		    strlen(m->remote_id) >= 6, "the notice has Postfix's queue "
		    "id (%s)", m && m->remote_id ? m->remote_id : "none");
		store_msgs_free(m, 1);
	}

	parse_maildir((const int64_t[]){ special, notice }, 2);
	is_int(arrived(special), 1, "the special arrived once");
	is_int(arrived(notice), 1, "the notice arrived once");
	is_int(arrived(gone), 0, "the suppressed special never arrived");
	is_str(fact(special, "subject"), "本周特价：鸡蛋 5.99 元/斤，牛奶买一送一，"
	    "会员积分翻倍 🥚🥛", "the Chinese subject decodes exactly");
	is_str(fact(special, "raw-subject-encoded"), "yes",
	    "as RFC 2047 encoded-words");
	ok(atoi(fact(special, "longest-header-line")) <= 78,
	    "no line of kefu's header fields is longer than 78 (%s)",
	    fact(special, "longest-header-line"));
	is_str(fact(special, "to-name"), "王芳", "the recipient's name decodes");
	is_str(fact(special, "from-name"), "好又多超市 (北京店)",
	    "the store's name decodes");
	is_str(fact(notice, "to-name"), "Li \"Lei\"",
	    "an ASCII name with quotes survives");
	re_like(fact(special, "message-id"), "^<kefu\\.[0-9]+\\.1\\.[0-9a-f]+"
	    "@kefu\\.test>$", "a Message-ID of the from domain");
	ok(fact(special, "date")[0] != '\0', "a Date");
	is_str(fact(special, "mime-version"), "1.0", "MIME-Version 1.0");
	is_str(fact(special, "shape"), "multipart/mixed(multipart/related("
	    "multipart/alternative(text/plain,text/html),image/png))",
	    "text and HTML alternatives with the image related to them");
	like(fact(special, "html"), "cid:logo@kefu.test", "the HTML shows "
	    "the image by cid");
	is_str(fact(special, "image"), "image/png 70 bytes cid "
	    "<logo@kefu.test> disposition inline",
	    "the image is inline, whole, under its Content-ID");
	is_str(fact(special, "text"), "本周特价：鸡蛋 5.99 元/斤。 退订请回复 TD。",
	    "the text part");
	u = xasprintf("<mailto:unsubscribe@kefu.test?subject=unsubscribe%%20"
	    "%lld>, <https://shop.kefu.test/unsub/%lld>", (long long)special,
	    (long long)special);
	is_str(fact(special, "list-unsubscribe"), u,
	    "List-Unsubscribe: a mailto and the https one-click URL");
	free(u);
	is_str(fact(special, "list-unsubscribe-post"),
	    "List-Unsubscribe=One-Click", "List-Unsubscribe-Post (RFC 8058)");
	is_str(fact(notice, "list-unsubscribe"), "-",
	    "a transactional notice has no List-Unsubscribe");
	is_str(fact(notice, "shape"), "multipart/mixed(text/plain)",
	    "the notice is text only");
	is_str(fact(special, "esmtps"), "yes", "sent over STARTTLS");
	is_str(fact(special, "smtputf8"), "no", "an ASCII address: no "
	    "SMTPUTF8");
	test_utf8(src, conf);
	test_idn(src, url);

	/* 4xx: queued again with back-off; 5xx: failed for good. */
	if (fake_start(&f451, "451 4.7.1 greylisted, try again later",
	    NULL) == -1 || fake_start(&f550, "550 5.1.1 no such user",
	    NULL) == -1) {
		ok(0, "scripted SMTP servers");
		goto out;
	}
	u = xasprintf("smtp://127.0.0.1:%d", f451.port);
	c451 = make_conf(u);
	free(u);
	u = xasprintf("smtp://127.0.0.1:%d", f550.port);
	c550 = make_conf(u);
	free(u);
	later = queue(src, "chen", "陈", "transactional", "退款通知", "已退款",
	    NULL);
	ok(c451 != NULL && work(src, c451, &st) == 0 && st.retried == 1,
	    "a 451 is a temporary failure");
	s = state_of(src, later, &err);
	is_str(s, "queued", "the message is queued again");
	re_like(err, "^451 4\\.7\\.1 greylisted", "with the server's answer");
	free(s);
	free(err);
	ok(work(src, conf, &st) == 0 && st.sent == 0,
	    "not sent again before its back-off");
	sleep_ms(1100);         /* the test: the back-off (1 s) runs out */
	ok(work(src, conf, &st) == 0 && st.sent == 1,
	    "sent to Postfix after the back-off");
	bad = queue(src, "nobody", NULL, "transactional", "x", "x", NULL);
	ok(c550 != NULL && work(src, c550, &st) == 0 && st.failed == 1,
	    "a 550 is a permanent failure");
	s = state_of(src, bad, &err);
	is_str(s, "failed", "the message failed for good at once");
	re_like(err, "^550 5\\.1\\.1", "with the server's answer");
	free(s);
	free(err);
	fake_stop(&f451);
	fake_stop(&f550);
	test_auth(src);
	test_stop(src, conf);
	test_batch_optout(src, url);
	test_batch_fail(src, url);
	test_batch_lease(src, url);
	test_parallel(src, url);

	/* A worker killed between "submitting" and the MTA's answer. */
	mk = queue(src, "sun", "孙", "marketing", "周末特价", "周末特价", NULL);
	db_source_close(src);
	is_int(crash_child(conf), 9, "a worker dies while submitting a "
	    "special");
	src = open_store(conf);
	s = state_of(src, mk, NULL);
	is_str(s, "submitting", "the special is left submitting");
	free(s);
	tr = queue(src, "zhou", "周", "transactional", "送货通知", "送货中",
	    NULL);
	db_source_close(src);
	is_int(crash_child(conf), 9, "a worker dies while submitting a "
	    "courier notice");
	src = open_store(conf);
	sleep_ms(2100);         /* the test: the lease (1 s) runs out */
	ok(work(src, conf, &st) == 0 && st.unknown == 1 && st.resent == 1 &&
	    st.sent == 1, "recovery: one unknown, one resent and sent");
	s = state_of(src, mk, &err);
	is_str(s, "unknown", "the special is unknown");
	re_like(err, "not sent again \\(marketing\\)", "and says why");
	free(s);
	free(err);
	s = state_of(src, tr, NULL);
	is_str(s, "submitted", "the courier notice was sent again");
	free(s);
	parse_maildir((const int64_t[]){ later, tr }, 2);
	is_int(arrived(later), 1, "the retried message arrived once");
	is_int(arrived(bad), 0, "the refused one never arrived");
	is_int(arrived(mk), 0, "the unknown special was not resent");
	is_int(arrived(tr), 1, "the courier notice arrived once");
	for (i = 0; i < nitems(par_ids); i++)
		n += arrived(par_ids[i]) == 1;
	is_int(n, 9, "each of the nine sent on three connections arrived "
	    "once");
	db_source_close(src);
	src = NULL;
	test_late(url);
out:
	if (src != NULL)
		db_source_close(src);
	conf_free(c451);
	conf_free(c550);
	conf_free(conf);
	free(pngpath);
	s = xasprintf("rm -rf '%s'", dir);
	if (system(s) != 0)
		tap_diag("%s failed", s);
	free(s);
}

/* A name before the @ beyond ASCII, to Postfix (it offers SMTPUTF8). */
static void
test_utf8(struct db_source *src, struct conf *conf)
{
	struct msg_stats st;
	int64_t id;
	char *to;

	id = queue(src, "王芳", NULL, "transactional", "SMTPUTF8",
	    "你好", NULL);
	ok(work(src, conf, &st) == 0 && st.sent == 1, "to 王芳@: submitted");
	parse_maildir(&id, 1);
	is_int(arrived(id), 1, "to 王芳@: arrived once");
	is_str(fact(id, "smtputf8"), "yes", "to 王芳@: by SMTPUTF8 (Postfix's "
	    "Received: says UTF8ESMTP)");
	to = xasprintf("%s-王芳@kefu.test", tag);
	is_str(fact(id, "to"), to, "to 王芳@: the address whole");
	free(to);
}

/*
 * From an international domain, through Postfix: the header's From:,
 * Message-ID and List-Unsubscribe hold it in A-labels.
 */
static void
test_idn(struct db_source *src, const char *url)
{
	struct msg_stats st;
	struct conf *conf;
	int64_t id;

	if ((conf = make_conf_from(url, "", "shop@例子.中国")) == NULL) {
		ok(0, "a configuration from shop@例子.中国");
		return;
	}
	id = queue(src, "idn", "王芳", "marketing", "IDN", "你好", NULL);
	ok(work(src, conf, &st) == 0 && st.sent == 1,
	    "from shop@例子.中国: submitted");
	parse_maildir(&id, 1);
	is_int(arrived(id), 1, "from shop@例子.中国: arrived once");
	is_str(fact(id, "from"), "\"好又多超市 (北京店)\" "
	    "<shop@xn--fsqu00a.xn--fiqs8s>", "From: in A-labels");
	like(fact(id, "message-id"), "@xn--fsqu00a.xn--fiqs8s>",
	    "the Message-ID's domain in A-labels");
	like(fact(id, "list-unsubscribe"), "<mailto:unsubscribe@"
	    "xn--fsqu00a.xn--fiqs8s?", "List-Unsubscribe's mailto too");
	conf_free(conf);
}

static void
test_words(void)
{
	char *s;

	s = mail_encode_words("Weekly specials");
	is_str(s, "Weekly specials", "ASCII stays as it is");
	free(s);
	s = mail_encode_words("特价");
	is_str(s, "=?UTF-8?B?54m55Lu3?=", "UTF-8 becomes one encoded-word");
	free(s);
	/* 16 three-byte characters: 39 bytes, then 9 more in a second word. */
	s = mail_encode_words("一二三四五六七八九十一二三四五六");
	re_like(s, "^=\\?UTF-8\\?B\\?[A-Za-z0-9+/=]{52}\\?=\r\n "
	    "=\\?UTF-8\\?B\\?[A-Za-z0-9+/=]{12}\\?=$",
	    "a long subject folds at a character boundary");
	free(s);
	s = mail_mailbox("A \"B\"", "a@b");
	is_str(s, "\"A \\\"B\\\"\" <a@b>", "quotes in a name are escaped");
	free(s);
	s = mail_mailbox(NULL, "a@b");
	is_str(s, "a@b", "no name, the bare address");
	free(s);
}

int
main(void)
{
	const char *url = getenv("KEFU_TEST_SMTP");
	const char *req = getenv("KEFU_TEST_REQUIRE_SERVERS");
	char *adir, *cause = NULL;

	srcdir = getenv("KEFU_SRCDIR") ? getenv("KEFU_SRCDIR") : (char *)".";
	adir = xasprintf("%s/adapters", srcdir);
	if (db_adapters_load(adir, &ads, &cause) == -1) {
		tap_diag("adapters: %s", cause);
		free(cause);
		ads = NULL;
	}
	test_words();
	if (url == NULL || *url == '\0' || getenv("KEFU_TEST_MAILDIR") ==
	    NULL) {
		if (req != NULL && strcmp(req, "1") == 0)
			ok(0, "KEFU_TEST_SMTP and KEFU_TEST_MAILDIR are "
			    "required but not set (build-aux/test-services)");
		else
			printf("ok %d - # SKIP smtp: KEFU_TEST_SMTP not set\n",
			    ++tap_n);
	} else
		test_mail(url);
	if (ads != NULL)
		db_adapters_free(ads);
	free(adir);
	free(dir);
	free(tag);
	free(parsed);
	return tap_done();
}
