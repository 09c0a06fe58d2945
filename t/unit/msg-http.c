/*
 * msg-http.c: the HTTP SMS gateway transport (msg/http.c) end to end
 * against a scripted gateway on loopback (t/http-gw.py, which records
 * every request): a JSON body and a form body with Chinese text, quotes,
 * newlines and '&' escaped exactly, a GET with the number in the URL,
 * the provider's message id recorded, and 500 / 429 / timeout / a 2xx
 * that does not match the success pattern queued again, 404 failed, a
 * gateway that is not there given back as down.
 */
#include "config.h"

#include <sys/wait.h>

#include <signal.h>
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

static struct db_adapters *ads;
static char *srcdir, *dir;
static pid_t gw_pid;
static int gw_port, nreq;

/* Start t/http-gw.py; its port, or -1. */
static int
gw_start(void)
{
	char *portfile, *text = NULL, *py;

	portfile = xasprintf("%s/port", dir);
	py = xasprintf("%s/t/http-gw.py", srcdir);
	if ((gw_pid = fork()) == 0) {
		execlp("python3", "python3", py, dir, (char *)NULL);
		_exit(127);
	}
	/* python3 may take seconds to start on a loaded machine */
	tap_wait(file_read(portfile, &text, NULL, NULL) == 0, 30000);
	free(portfile);
	free(py);
	if (text == NULL)
		return -1;
	gw_port = atoi(text);
	free(text);
	return gw_port;
}

static void
gw_stop(void)
{
	if (gw_pid > 0) {
		kill(gw_pid, SIGTERM);
		waitpid(gw_pid, NULL, 0);
	}
}

/* The next request the gateway recorded ("" when none came). */
static char *
gw_request(void)
{
	char *path, *text = NULL;

	path = xasprintf("%s/req-%d", dir, nreq + 1);
	if (file_read(path, &text, NULL, NULL) == 0)
		nreq++;
	else
		text = xstrdup("");
	free(path);
	return text;
}

/* A configuration with one gateway of the given keys. */
static struct conf *
make_conf(const char *gw)
{
	struct conf *conf;
	char *text, *cause = NULL;

	text = xasprintf("[sms-gateway test]\n%s\ntimeout = 1s\nretry = 1m\n"
	    "rate = 0\n[suppress]\nquiet-marketing = none\n"
	    "[datasource local]\nconnect = Driver=SQLite3;Database=%s/k.db\n",
	    gw, dir);
	if (conf_parse("/tmp/kefu-http-test.conf", text, &conf, &cause) ==
	    -1) {
		tap_diag("%s", cause);
		free(cause);
		conf = NULL;
	}
	free(text);
	return conf;
}

static struct db_source *
open_store(struct conf *conf)
{
	struct db_source *src;
	char *cause = NULL, *path = NULL, *sqldir;
	struct conf_datasource *ds = conf_datasource(conf, "local");
	int applied;

	if (store_sqlite_path(ds, &path, &cause) == -1 ||
	    db_source_open(ds, ads, &src, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
		free(path);
		return NULL;
	}
	free(path);
	sqldir = xasprintf("%s/sql", srcdir);
	if (store_upgrade(src, ds, sqldir, 0, &applied, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
	}
	free(sqldir);
	return src;
}

static int64_t
queue(struct db_source *src, const char *to, const char *text,
    int max_attempts)
{
	struct store_outbox_new m = { .channel = "sms", .recipient = to,
	    .body = text, .msg_class = "transactional",
	    .max_attempts = max_attempts, .recipient_name = "张三" };
	char *key, *cause = NULL, now[20];
	int64_t id = 0;
	int dup;

	key = xasprintf("http:%s:%d", to, max_attempts);
	m.idem_key = key;
	msg_time(now, 0);
	if (store_outbox_enqueue(src, &m, now, &id, &dup, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
	}
	free(key);
	return id;
}

static void
work(struct db_source *src, struct conf *conf, struct msg_stats *st)
{
	struct msg_worker_opts o;
	char *cause = NULL;

	memset(st, 0, sizeof *st);
	msg_worker_opts_smsgw(conf, "test/http", NULL, &o);
	o.once = 1;
	if (msg_worker_run(src, "sqlite", conf, &msg_http_ops, &o, st,
	    &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
	}
}

/* The state of message id, with its remote id and last error. */
static char *
state_of(struct db_source *src, int64_t id, char **remote, char **err)
{
	struct store_msg *m;
	char *cause = NULL, *s;

	if (store_outbox_get(src, id, &m, &cause) == -1) {
		free(cause);
		return xstrdup("?");
	}
	s = xstrdup(m->status);
	if (remote != NULL)
		*remote = xstrdup(m->remote_id ? m->remote_id : "");
	if (err != NULL)
		*err = xstrdup(m->last_error ? m->last_error : "");
	store_msgs_free(m, 1);
	return s;
}

static void
test_template(void)
{
	char to[] = "+8613800138000", body[] = "特价 \"鸡蛋\" a&b=c\n回TD退订";
	char key[] = "k:1", name[] = "张三";
	struct store_msg m = { .id = 42, .recipient = to, .body = body,
	    .idem_key = key, .recipient_name = name };
	char *s;

	s = http_template("{\"to\":\"{to}\",\"text\":\"{text}\",\"id\":{id}}",
	    &m, NULL, HTTP_ESC_JSON);
	is_str(s, "{\"to\":\"+8613800138000\",\"text\":\"特价 \\\"鸡蛋\\\" "
	    "a&b=c\\n回TD退订\",\"id\":42}", "JSON: quotes and newline "
	    "escaped, Chinese kept as UTF-8, other braces left");
	free(s);
	s = http_template("to={to}&msg={text}&ref={key}&sig={from}", &m,
	    "好又多", HTTP_ESC_URL);
	is_str(s, "to=%2B8613800138000&msg=%E7%89%B9%E4%BB%B7%20%22%E9%B8%A1"
	    "%E8%9B%8B%22%20a%26b%3Dc%0A%E5%9B%9ETD%E9%80%80%E8%AE%A2"
	    "&ref=k%3A1&sig=%E5%A5%BD%E5%8F%88%E5%A4%9A",
	    "form: UTF-8 octets, '+', '&', '=', ':' percent-encoded");
	free(s);
	s = http_template("{nope} {name} {", &m, NULL, HTTP_ESC_NONE);
	is_str(s, "{nope} 张三 {", "unknown and unclosed braces as they are");
	free(s);
}

static void
test_conf(void)
{
	struct conf *conf;
	char *cause = NULL;

	ok(conf_parse("/tmp/x.conf", "[sms-gateway a]\nurl = http://x/\n"
	    "body-type = none\nmessage-id = \"id\":\"[^\"]*\"\n", &conf,
	    &cause) == -1, "a message-id pattern without a group is refused");
	like(cause, "/tmp/x.conf:4: [sms-gateway a] message-id", "with its "
	    "file and line");
	free(cause);
	cause = NULL;
	ok(conf_parse("/tmp/x.conf", "[sms-gateway a]\nurl = http://x/\n"
	    "success = ([\n", &conf, &cause) == -1, "a bad pattern is refused");
	like(cause, "/tmp/x.conf:3:", "at its line");
	free(cause);
}

/* A JSON gateway: the body, the header, the message id; failures. */
static void
test_json(void)
{
	struct conf *conf;
	struct db_source *src;
	struct msg_stats st;
	char *gw, *req, *s, *rid = NULL, *err = NULL;
	int64_t good, busy, gone, slow, bad, limit, last;

	gw = xasprintf("url = http://127.0.0.1:%d/sms/send\nbody-type = json\n"
	    "body = {\"mobile\":\"{to}\",\"content\":\"{text}\",\"ref\":"
	    "\"{key}\"}\nheaders = Authorization: Bearer s3cret | X-Shop: 7\n"
	    "success = \"code\":0[,}]\nmessage-id = \"msgid\":\"([^\"]+)\"",
	    gw_port);
	conf = make_conf(gw);
	free(gw);
	if (conf == NULL || (src = open_store(conf)) == NULL) {
		ok(0, "store and configuration");
		return;
	}
	good = queue(src, "13800138000", "【好又多】您好 \"张三\"：\n鸡蛋 5.99 元", 3);
	work(src, conf, &st);
	is_int(st.sent, 1, "one message submitted");
	req = gw_request();
	like(req, "POST /sms/send\n", "POSTed to the URL's path");
	like(req, "Content-Type: application/json; charset=utf-8",
	    "as JSON");
	like(req, "Authorization: Bearer s3cret", "with the configured "
	    "headers");
	like(req, "X-Shop: 7", "both of them");
	like(req, "\n{\"mobile\":\"13800138000\",\"content\":\"【好又多】您好 "
	    "\\\"张三\\\"：\\n鸡蛋 5.99 元\",\"ref\":\"http:13800138000:3\"}",
	    "the body escaped exactly");
	free(req);
	s = state_of(src, good, &rid, NULL);
	is_str(s, "submitted", "the message is submitted");
	is_str(rid, "GW1", "with the gateway's message id");
	free(s);
	free(rid);

	busy = queue(src, "13800000500", "x", 3);
	limit = queue(src, "13800000429", "x", 3);
	slow = queue(src, "13800000999", "x", 3);
	bad = queue(src, "13800000777", "x", 3);
	gone = queue(src, "13800000404", "x", 3);
	last = queue(src, "13800000500", "x", 1);
	work(src, conf, &st);
	is_int(st.sent, 0, "none of the failing ones submitted");
	is_int(st.retried, 4, "500, 429, timeout and a non-matching answer "
	    "queued again");
	is_int(st.failed, 2, "404 failed, and a 500 at its last attempt");
	s = state_of(src, busy, NULL, &err);
	is_str(s, "queued", "500: queued again");
	like(err, "HTTP 500: busy", "with the answer as the error");
	free(s);
	free(err);
	s = state_of(src, limit, NULL, NULL);
	is_str(s, "queued", "429: queued again");
	free(s);
	s = state_of(src, slow, NULL, &err);
	is_str(s, "queued", "a timeout: queued again");
	like(err, "imeout", "saying it timed out");
	free(s);
	free(err);
	s = state_of(src, bad, NULL, &err);
	is_str(s, "queued", "a 2xx not matching success: queued again");
	like(err, "does not match success", "saying so");
	free(s);
	free(err);
	s = state_of(src, gone, NULL, &err);
	is_str(s, "failed", "404: failed for good");
	free(s);
	free(err);
	s = state_of(src, last, NULL, NULL);
	is_str(s, "failed", "500 at the last attempt: failed");
	free(s);
	db_source_close(src);
	conf_free(conf);
}

/* A form body, then a GET with the number in the URL, then no gateway. */
static void
test_form_get(void)
{
	struct conf *conf;
	struct db_source *src;
	struct msg_stats st;
	char *gw, *req, *s;
	int64_t id;

	gw = xasprintf("url = http://127.0.0.1:%d/send\nbody-type = form\n"
	    "body = u=shop&to={to}&msg={text}\nsuccess = ^\\{\"code\":0",
	    gw_port);
	conf = make_conf(gw);
	free(gw);
	if (conf == NULL || (src = open_store(conf)) == NULL) {
		ok(0, "store and configuration");
		return;
	}
	nreq = 7;       /* test_json's seven requests */
	queue(src, "+8613900139000", "特价 a&b=c", 2);
	work(src, conf, &st);
	is_int(st.sent, 1, "form: submitted");
	req = gw_request();
	like(req, "Content-Type: application/x-www-form-urlencoded",
	    "form: its content type");
	like(req, "\nu=shop&to=%2B8613900139000&msg=%E7%89%B9%E4%BB%B7%20a"
	    "%26b%3Dc", "form: the body percent-encoded");
	free(req);
	db_source_close(src);
	conf_free(conf);

	gw = xasprintf("url = http://127.0.0.1:%d/get?to={to}&t={text}\n"
	    "method = GET\nbody-type = none", gw_port);
	conf = make_conf(gw);
	free(gw);
	src = open_store(conf);
	queue(src, "13700137000", "你好 1+1", 2);
	work(src, conf, &st);
	is_int(st.sent, 1, "GET: submitted (no success pattern: any 2xx)");
	req = gw_request();
	like(req, "GET /get?to=13700137000&t=%E4%BD%A0%E5%A5%BD%201%2B1\n",
	    "GET: the values in the URL percent-encoded");
	free(req);
	db_source_close(src);
	conf_free(conf);

	gw_stop();
	conf = make_conf("url = http://127.0.0.1:1/none\nbody-type = none");
	src = open_store(conf);
	id = queue(src, "13600136000", "x", 2);
	queue(src, "13600136001", "x", 2);
	work(src, conf, &st);
	is_int(st.retried, 2, "no gateway: both wait for the next attempt");
	is_int(st.released, 1, "the second given back untried (down)");
	s = state_of(src, id, NULL, NULL);
	is_str(s, "queued", "queued again");
	free(s);
	db_source_close(src);
	conf_free(conf);
}

int
main(void)
{
	char *adir, *cause = NULL, *cmd;

	signal(SIGPIPE, SIG_IGN);
	srcdir = getenv("KEFU_SRCDIR") ? getenv("KEFU_SRCDIR") : (char *)".";
	adir = xasprintf("%s/adapters", srcdir);
	if (db_adapters_load(adir, &ads, &cause) == -1) {
		tap_diag("adapters: %s", cause);
		free(cause);
		ads = NULL;
	}
	dir = xasprintf("/tmp/kefu-http-%ld", (long)getpid());
	cmd = xasprintf("rm -rf '%s' && mkdir -p '%s'", dir, dir);
	if (system(cmd) != 0)
		tap_bail("cannot make the test folder");
	free(cmd);
	test_template();
	test_conf();
	if (gw_start() == -1) {
		gw_stop();      /* it holds the harness's pipe open */
		tap_bail("t/http-gw.py did not start (python3?)");
	}
	test_json();
	test_form_get();
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("cannot remove %s", dir);
	free(cmd);
	if (ads != NULL)
		db_adapters_free(ads);
	free(adir);
	free(dir);
	return tap_done();
}
