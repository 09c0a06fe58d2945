/* Unit tests for src/conf: kefu.conf typing, defaults and file:line errors. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "util/util.h"
#include "../tap.h"

static void
bad(const char *text, const char *want, const char *name)
{
	struct conf *conf = NULL;
	char *cause = NULL;

	ok(conf_parse("/etc/kefu/kefu.conf", text, &conf, &cause) == -1,
	    "%s: refused", name);
	like(cause, want, "%s: error says where and why", name);
	free(cause);
	conf_free(conf);
}

/* Warnings about passwords in files other users can read. */
static void
test_secrets(void)
{
	char dir[] = "/tmp/kefu-conf-XXXXXX", conf_path[64], ini[64];
	struct strbuf sink = STRBUF_INIT;
	struct conf *conf = NULL;
	char *cause = NULL;
	const char *text;
	FILE *fp;

	if (mkdtemp(dir) == NULL)
		return;
	snprintf(conf_path, sizeof conf_path, "%s/kefu.conf", dir);
	snprintf(ini, sizeof ini, "%s/odbc.ini", dir);
	setenv("ODBCINI", ini, 1);
	setenv("HOME", dir, 1);
	log_capture(&sink);

	text = "[datasource erp]\nconnect = Driver=X;Uid=a;Pwd=secret\n";
	file_write_atomic(conf_path, text, strlen(text), NULL);
	chmod(conf_path, 0644);
	ok(conf_load(conf_path, &conf, &cause) == 0,
	    "kefu.conf with a password loads");
	conf_free(conf);
	like(sb_str(&sink), "holds the password of datasource 'erp' and can "
	    "be read by other users",
	    "readable kefu.conf with a password: warned");
	ok(strstr(sb_str(&sink), "secret") == NULL,
	    "the warning does not show the password");
	sb_reset(&sink);
	chmod(conf_path, 0600);
	ok(conf_load(conf_path, &conf, &cause) == 0, "chmod 600: loads");
	conf_free(conf);
	is_str(sb_str(&sink), "", "chmod 600: no warning");

	text = "[datasource erp]\nconnect = DSN=erp\n";
	file_write_atomic(conf_path, text, strlen(text), NULL);
	if ((fp = fopen(ini, "w")) != NULL) {
		fputs("[erp]\nDriver = X\nPassword = hunter2\n", fp);
		fclose(fp);
	}
	chmod(ini, 0644);
	sb_reset(&sink);
	ok(conf_load(conf_path, &conf, &cause) == 0, "DSN datasource loads");
	conf_free(conf);
	like(sb_str(&sink), "odbc.ini holds a database password and can be "
	    "read by every user",
	    "world-readable odbc.ini with a password: warned");
	chmod(ini, 0640);
	sb_reset(&sink);
	ok(conf_load(conf_path, &conf, &cause) == 0, "odbc.ini 640: loads");
	conf_free(conf);
	is_str(sb_str(&sink), "", "odbc.ini 640: no warning");
	chmod(ini, 0644);
	if ((fp = fopen(ini, "w")) != NULL) {
		fputs("[erp]\nDriver = X\nPassword =\n", fp);
		fclose(fp);
	}
	sb_reset(&sink);
	ok(conf_load(conf_path, &conf, &cause) == 0, "empty password loads");
	conf_free(conf);
	is_str(sb_str(&sink), "",
	    "odbc.ini with an empty password: no warning");
	log_capture(NULL);
	sb_free(&sink);
	unlink(ini);
	unlink(conf_path);
	rmdir(dir);
	unsetenv("ODBCINI");
}

/* A 10 MB value is not echoed whole into the error. */
static void
test_huge(void)
{
	struct conf *conf = NULL;
	char *text, *cause = NULL;
	size_t n = 10 * 1024 * 1024, len;
	const char *keys[] = { "pool-size", "encoding", "read-only",
	    "query-timeout" };
	size_t i;

	for (i = 0; i < nitems(keys); i++) {
		text = xmalloc(n + 64);
		snprintf(text, 64, "[datasource x]\nconnect = DSN=a\n%s = ",
		    keys[i]);
		len = strlen(text);
		memset(text + len, '9', n);
		strcpy(text + len + n, "\n");
		ok(conf_parse("/etc/kefu/kefu.conf", text, &conf, &cause) == -1,
		    "a 10 MB %s is refused", keys[i]);
		ok(cause != NULL && strlen(cause) < 300, "... in a short "
		    "message (%zu bytes)", cause ? strlen(cause) : 0);
		like(cause, "kefu.conf:3:", "... with file:line");
		free(cause);
		cause = NULL;
		free(text);
	}
	text = xmalloc(n + 2);
	memset(text, 'x', n);
	strcpy(text + n, "\n");
	ok(conf_parse("/etc/kefu/kefu.conf", text, &conf, &cause) == -1 &&
	    cause != NULL && strlen(cause) < 300,
	    "a 10 MB line of garbage: a short message (%zu bytes)",
	    cause ? strlen(cause) : 0);
	free(cause);
	free(text);
}

/* conf_check_system: what the text names must exist, said as file:line. */
static void
test_system(void)
{
	struct strbuf out = STRBUF_INIT;
	struct conf *conf = NULL;
	const char *src = getenv("KEFU_SRCDIR");
	char *text, *cause = NULL;

	if (src == NULL)
		src = ".";
	text = xasprintf("[kefu]\nmappings = %s/mappings\n"
	    "adapters = %s/adapters\nflows = /nonexistent/flows\n"
	    "prompts = %s/prompts\nsql = %s/sql\nuser = nosuchuser\n"
	    "[datasource local]\nconnect = DSN=a\nadapter = sqlite\n"
	    "[datasource erp]\nconnect = DSN=b\nadapter = nosuch\n", src,
	    src, src, src);
	ok(conf_parse("/etc/kefu/kefu.conf", text, &conf, &cause) == 0,
	    "a kefu.conf naming what is not there parses");
	free(text);
	if (conf == NULL) {
		tap_diag("%s", cause);
		free(cause);
		return;
	}
	is_int(conf_check_system(conf, &out), 3, "conf_check_system: three "
	    "problems");
	like(sb_str(&out), "kefu.conf:4: flows = /nonexistent/flows: no such "
	    "folder", "a missing folder, as file:line");
	like(sb_str(&out), "kefu.conf:13: [datasource erp] adapter = nosuch: "
	    "no such adapter profile", "an unknown adapter, as file:line");
	like(sb_str(&out), "kefu.conf:7: user = nosuchuser: no such user",
	    "an unknown user, as file:line");
	ok(strstr(sb_str(&out), "sqlite:") == NULL, "a known adapter is fine");
	is_int(conf_line(conf, conf, "user"), 7, "conf_line of a [kefu] key");
	is_int(conf_line(conf, conf_datasource(conf, "erp"), "adapter"), 13,
	    "conf_line of a datasource key");
	is_int(conf_line(conf, conf_datasource(conf, "erp"), "pool-size"), 11,
	    "conf_line of a default: the section header");
	sb_free(&out);
	conf_free(conf);
}

/* conf_diff names what changed between two loads. */
static void
test_diff(void)
{
	struct strbuf out = STRBUF_INIT;
	struct conf *a = NULL, *b = NULL;
	char *cause = NULL;

	ok(conf_parse("/k.conf", "[kefu]\nflows = /f\n[datasource x]\n"
	    "connect = DSN=a\n[line 1]\ndevice = /dev/ttyACM0\n", &a,
	    &cause) == 0 && conf_parse("/k.conf", "[kefu]\nflows = /g\n"
	    "[datasource x]\nconnect = DSN=a\nfailover = DSN=b\n"
	    "pool-size = 9\n[line 1]\ndevice = /dev/ttyACM0\n[line 2]\n"
	    "device = /dev/ttyACM1\n", &b, &cause) == 0, "two loads");
	if (a == NULL || b == NULL) {
		conf_free(a);
		conf_free(b);
		return;
	}
	is_int(conf_diff(a, a, &out), 0, "conf_diff: the same file, nothing");
	is_int(conf_diff(a, b, &out), 4, "conf_diff: four changes");
	is_str(sb_str(&out), "[kefu] flows, [datasource x] connect, "
	    "[datasource x] pool-size, [line 2] added", "... named");
	sb_free(&out);
	conf_free(a);
	conf_free(b);
}

/* [department NAME]: read, looked up, checked, and compared on reload. */
static void
test_departments(void)
{
	struct strbuf out = STRBUF_INIT;
	const struct conf_department *d;
	struct conf *a = NULL, *b = NULL;
	char *cause = NULL;

	ok(conf_parse("/k.conf", "[department service]\ntitle = 客服部\n"
	    "key = 1\nkinds = complaint, suggestion\nemail = s@shop.test\n"
	    "[department repair]\nkinds = after_sales\nsms = 13800000001\n",
	    &a, &cause) == 0, "two departments: %s", cause ? cause : "ok");
	free(cause);
	cause = NULL;
	d = a != NULL ? conf_department(a, "repair") : NULL;
	ok(d != NULL && d->key == NULL && strcmp(d->sms, "13800000001") ==
	    0 && d->email == NULL && d->line == 6, "repair: its keys, line 6");
	ok(a != NULL && conf_department(a, "nosuch") == NULL,
	    "an unknown department is NULL");
	ok(conf_parse("/k.conf", "[department x]\nkey = 10\nsms = 1\n", &b,
	    &cause) == -1 && strstr(cause, "/k.conf:2:") != NULL,
	    "key 10 is refused at its line: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	ok(conf_parse("/k.conf", "[department x]\nkinds = complaint\n"
	    "sms = 1\n[department x]\nsms = 2\n", &b, &cause) == -1 &&
	    strstr(cause, "/k.conf:4: department 'x' is defined twice") !=
	    NULL, "a department defined twice: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	ok(conf_parse("/k.conf", "[department service]\ntitle = 客服部\n"
	    "key = 2\nkinds = complaint, suggestion\nemail = s@shop.test\n"
	    "[department desk]\nsms = 1\n", &b, &cause) == 0, "a changed set");
	free(cause);
	if (a != NULL && b != NULL) {
		is_int(conf_diff(a, b, &out), 3, "conf_diff: three changes");
		is_str(sb_str(&out), "[department service] key, "
		    "[department repair] removed, [department desk] added",
		    "... named (reload says they need a restart)");
	}
	sb_free(&out);
	conf_free(a);
	conf_free(b);
}

int
main(void)
{
	struct conf *conf = NULL;
	struct conf_datasource *ds;
	char *cause = NULL;
	const char *err;
	int ms;

	ok(conf_parse("/etc/kefu/kefu.conf",
	    "[kefu]\nmappings = maps\nlanguage = yue\n"
	    "[store]\ndatasource = local\n"
	    "[datasource local]\nconnect = Driver=SQLite3;Database=/tmp/a.db\n"
	    "[datasource erp]\n"
	    "connect = DSN=erp1\n"
	    "failover = DSN=erp2 | DSN=erp3\n"
	    "encoding = gbk\npool-size = 8\nquery-timeout = 1500ms\n"
	    "read-only = yes\n"
	    "[line 1]\ntype = modem\ndevice = /dev/ttyACM0\nrings = 3\n",
	    &conf, &cause) == 0, "a full kefu.conf parses");
	if (conf == NULL) {
		tap_diag("%s", cause);
		return tap_done();
	}
	is_str(conf->mappings_dir, "/etc/kefu/maps",
	    "relative folders are taken from the file's folder");
	is_str(conf->language, "yue", "language set");
	is_int(conf->nds, 2, "two datasources");
	ds = conf_datasource(conf, "erp");
	ok(ds != NULL, "datasource found by name");
	is_int(ds->nconnect, 3, "connect plus two failover entries");
	is_str(ds->connect[0], "DSN=erp1", "connect comes first");
	is_str(ds->connect[2], "DSN=erp3", "failover keeps its order");
	is_str(ds->encoding, "GBK", "encoding canonicalised");
	is_int(ds->pool_size, 8, "pool-size");
	is_int(ds->query_timeout_ms, 1500, "query-timeout in ms");
	is_int(ds->connect_timeout_ms, 5000, "connect-timeout default 5s");
	is_int(ds->readonly, 1, "read-only = yes");
	ds = conf_datasource(conf, "local");
	is_str(ds->encoding, "UTF-8", "encoding default UTF-8");
	is_int(conf->nlines, 1, "one line");
	is_int(conf->lines[0].rings, 3, "rings");
	is_str(conf->lines[0].language, "yue",
	    "line language defaults to [kefu] language");
	is_int(conf->lines[0].speed, 115200, "speed default 115200");
	is_str(conf->lines[0].flow_control, "rtscts", "RTS/CTS by default");
	conf_free(conf);

	bad("[datasource x]\nconnect = DSN=a\npool-size = 0\n",
	    "kefu.conf:3: pool-size = 0: too small", "pool-size 0");
	bad("[datasource x]\nconect = DSN=a\n",
	    "kefu.conf:1: [datasource x] needs 'connect'", "missing connect");
	bad("[datasource x]\nconnect = DSN=a\ncolour = red\n",
	    "kefu.conf:3: unknown key 'colour' in [datasource]", "unknown key");
	bad("[database x]\n", "kefu.conf:1: unknown section [database]",
	    "unknown section");
	bad("[datasource x]\nconnect = DSN=a\n"
	    "[datasource x]\nconnect = DSN=b\n",
	    "kefu.conf:3: datasource 'x' is defined twice", "duplicate ds");
	bad("[datasource x]\nconnect = DSN=a\nencoding = latin9\n",
	    "kefu.conf:3: encoding = latin9: expected one of", "bad encoding");
	bad("[datasource x]\nconnect = DSN=a\nquery-timeout = 3 days\n",
	    "kefu.conf:3: query-timeout = 3 days:", "bad duration");
	bad("[line a]\ntype = modem\n", "kefu.conf:1: [line a] is a modem line "
	    "and needs 'device'", "modem without device");
	bad("[line s]\ntype = sim\n", "kefu.conf:1: [line s] is a simulated "
	    "line and needs 'device' (the socket kefud listens on)",
	    "sim line without device");
	bad("[datasource]\nconnect = DSN=a\n",
	    "kefu.conf:1: [datasource] needs a name", "nameless datasource");
	/* every named section: its name checked, a name given once */
	bad("[line a]\ntype = sim\n[line a]\n",
	    "kefu.conf:3: line 'a' is defined twice", "duplicate line");
	bad("[gsm g]\ndevice = /dev/ttyUSB0\n[gsm g]\n",
	    "kefu.conf:3: gsm modem 'g' is defined twice", "duplicate gsm");
	bad("[sms-gateway g]\nurl = https://sms.example/\n[sms-gateway g]\n",
	    "kefu.conf:3: sms-gateway 'g' is defined twice",
	    "duplicate sms-gateway");
	bad("[gsm]\n", "kefu.conf:1: [gsm] needs a name of letters, digits, "
	    "'-', '_' or '.'", "nameless gsm");
	bad("[sms-gateway a/b]\n", "kefu.conf:1: [sms-gateway] needs a name",
	    "sms-gateway name with a slash");
	bad("[department]\n", "kefu.conf:1: [department] needs a name",
	    "nameless department");
	bad("[datasource x]\nconnect = DSN=a\nread-only = maybe\n",
	    "kefu.conf:3: read-only = maybe: expected yes or no", "bad bool");
	bad("[datasource x]\nconnect = DSN=a\nfailover = DSN=b||DSN=c\n",
	    "kefu.conf:3: failover: empty connection string", "empty failover");

	bad("[datasource x]\nconnect = DSN=a\npool-size = 2\npool-min = 3\n",
	    "kefu.conf:4: [datasource x] pool-min = 3 is more than "
	    "pool-size = 2", "pool-min > pool-size");
	bad("[store]\ndatasource = nosuch\n[datasource local]\n"
	    "connect = DSN=a\n", "kefu.conf:2: [store] datasource = nosuch: "
	    "no [datasource nosuch]", "store datasource undefined");
	bad("[kefu]\nlog = -\nsocket = /run/kefu/"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
	    "kefu.conf:3: socket = /run/kefu/aaaa", "socket path too long");
	bad("[line s]\ntype = sim\ndevice = /var/"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
	    "a socket path is at most 107 bytes", "sim socket path too long");
	test_huge();
	test_system();
	test_diff();
	test_departments();

	ok(conf_duration("250ms", &ms, &err) == 0 && ms == 250, "250ms");
	ok(conf_duration("2m", &ms, &err) == 0 && ms == 120000, "2m");
	ok(conf_duration("7", &ms, &err) == 0 && ms == 7000, "bare seconds");
	ok(conf_duration("-1s", &ms, &err) == -1, "negative refused");
	test_secrets();
	return tap_done();
}
