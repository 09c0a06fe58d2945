/*
 * svc-midnight.c: a slot list asked at 23:59:59 is one day's, whatever
 * the clock says by the time it is labelled.  The store's clock
 * (store_clock) is replaced by one that moves a second a read from
 * 2026-12-07 23:59:59 local time: a service that read it twice for one
 * answer (the slots of one day, "today" of the next) mixes the days.
 * kefu.order.slots, kefu.visit.slots and kefu.visit.slot on a SQLite
 * store; `kefu notice add` and `kefu notice end`, whose dates and time
 * stamps must be of one day; a caller's message recorded at 23:59:59,
 * whose file name and recorded start must be the same second.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "conf/conf.h"
#include "db/db.h"
#include "flow/flow.h"
#include "line/line.h"
#include "store/store.h"
#include "svc/svc.h"
#include "util/util.h"
#include "../tap.h"

/* A literal where argv wants char *. */
#define S(x) ((char *)(uintptr_t)(x))

static time_t midnight_t0;      /* 2026-12-07 23:59:59, local time */
static int midnight_reads;      /* reads since the service began */
static struct conf *midnight_conf;

/* What src/kefu.c gives the commands: the test's configuration. */
const char *cli_conf_path;

struct conf *
cli_conf(void)
{
	return midnight_conf;
}

int
cli_wants_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* The wall clock a second later at each read, from midnight_t0 on. */
static time_t
midnight_clock(time_t *t)
{
	time_t now = midnight_t0 + midnight_reads++;

	if (t != NULL)
		*t = now;
	return now;
}

/* Row r's value of column name, or NULL. */
static const char *
midnight_col(const struct flow_rows *rows, size_t r, const char *name)
{
	size_t c;

	for (c = 0; c < rows->ncols; c++)
		if (strcmp(rows->names[c], name) == 0 && r < rows->nrows)
			return rows->values[r * rows->ncols + c];
	return NULL;
}

/* Run service name at 23:59:59; its outcome, rows into *rows. */
static enum flow_outcome
midnight_run(struct svc *svc, const char *name, const struct flow_kv *in,
    size_t nin, struct flow_rows *rows)
{
	const struct svc_builtin *b = svc_builtin_find(name);
	enum flow_outcome o;
	char *cause = NULL;

	if (b == NULL)
		tap_bail("a built-in service is missing");
	midnight_reads = 0;
	o = svc_builtin_run(svc, b, in, nin, rows, &cause);
	if (cause != NULL)
		tap_diag("%s: %s", name, cause);
	free(cause);
	return o;
}

/* The ordering call of member no: its cart, then the slots. */
static void
test_order(struct svc *svc, const char *no)
{
	const struct flow_kv start[] = {
		{ .name = "member_no", .value = no, .type = "digits" },
		{ .name = "call", .value = "L1-1796659199000", .type = "text" },
	};
	struct flow_rows rows;

	memset(&rows, 0, sizeof rows);
	is_int(midnight_run(svc, "kefu.order.start", start, 2, &rows),
	    FLOW_Q_FOUND, "member %s starts an order", no);
	is_int(midnight_run(svc, "kefu.order.slots", &start[1], 1, &rows),
	    FLOW_Q_FOUND, "kefu.order.slots at 23:59:59 finds slots");
	is_int(rows.nrows, 1, "one slot: today's 09:00 is past its cut-off, "
	    "tomorrow's is open");
	is_str(midnight_col(&rows, 0, "slot_date"), "2026-12-08",
	    "it is on 2026-12-08");
	is_str(midnight_col(&rows, 0, "slot_day"), "order.tomorrow",
	    "and said to be tomorrow's, as it is at 23:59:59 (not today's: "
	    "a second read of the clock after midnight)");
	is_int(midnight_reads, 1, "the clock is read once for the list");
	flow_rows_clear(&rows);
}

static void
test_visit(struct svc *svc)
{
	const struct flow_kv key = { .name = "key", .value = "1",
	    .type = "digits" };
	struct flow_rows rows;
	size_t i;
	int tomorrow = 0;

	memset(&rows, 0, sizeof rows);
	is_int(midnight_run(svc, "kefu.visit.slots", NULL, 0, &rows),
	    FLOW_Q_FOUND, "kefu.visit.slots at 23:59:59 finds slots");
	is_int(rows.nrows, 2, "two slots, both on Tuesday 2026-12-08");
	for (i = 0; i < rows.nrows; i++)
		if (strcmp(midnight_col(&rows, i, "slot_date"),
		    "2026-12-08") == 0 && midnight_col(&rows, i,
		    "slot_day") != NULL && strcmp(midnight_col(&rows, i,
		    "slot_day"), "order.tomorrow") == 0)
			tomorrow++;
	is_int(tomorrow, 2, "each said to be tomorrow's (%s)",
	    rows.nrows > 0 && midnight_col(&rows, 0, "slot_day") ?
	    midnight_col(&rows, 0, "slot_day") : "none");
	is_int(midnight_reads, 1, "the clock is read once for the list");
	flow_rows_clear(&rows);
	memset(&rows, 0, sizeof rows);
	is_int(midnight_run(svc, "kefu.visit.slot", &key, 1, &rows),
	    FLOW_Q_FOUND, "kefu.visit.slot 1 at 23:59:59 finds the slot");
	is_str(midnight_col(&rows, 0, "visit_day"), "order.tomorrow",
	    "it is said to be tomorrow's");
	is_int(midnight_reads, 1, "the clock is read once for it");
	flow_rows_clear(&rows);
}

/* Run `kefu ARGS...` at 23:59:59, its output thrown away; its status. */
static int
midnight_kefu(int argc, char **argv)
{
	int out, null, rc;

	fflush(stdout);
	out = dup(1);
	if ((null = open("/dev/null", O_WRONLY)) != -1) {
		dup2(null, 1);
		close(null);
	}
	midnight_reads = 0;
	if (strcmp(argv[0], "notice") == 0)
		rc = cmd_notice_main(argc, argv);
	else
		rc = -1;
	fflush(stdout);
	dup2(out, 1);
	close(out);
	return rc;
}

/* The first row of a query of two text columns, "A B", or "". */
static void
midnight_row(struct db_source *db, const char *sql, char *out, size_t len)
{
	static const enum db_vtype t[] = { DBV_TEXT, DBV_TEXT };
	struct db_query q = { .sql = sql, .coltypes = t, .ncoltypes = 2 };
	struct db_result *res;
	struct db_err err;

	out[0] = '\0';
	if (db_run(db, &q, &res, &err) == -1) {
		tap_diag("%s", err.msg);
		return;
	}
	if (res->nrows > 0)
		snprintf(out, len, "%s %s", DB_CELL(res, 0, 0)->s,
		    DB_CELL(res, 0, 1)->s);
	db_result_free(res);
}

/*
 * A notice added at 23:59:59 is valid from today and published today;
 * ended at 23:59:59, it is valid until yesterday and ended today.
 */
static void
test_notice(struct db_source *db)
{
	char *add[] = { S("notice"), S("add"), S("--text"), S("今晚九点关门"),
	    NULL };
	char *end[] = { S("notice"), S("end"), S("1"), NULL };
	char row[64];

	is_int(midnight_kefu(4, add), 0, "kefu notice add at 23:59:59");
	midnight_row(db, "SELECT valid_from, SUBSTR(published_at, 1, 10) "
	    "FROM local_notices WHERE id = 1", row, sizeof row);
	is_str(row, "2026-12-07 2026-12-07", "valid from today, published "
	    "today (not at 00:00:00 tomorrow)");
	is_int(midnight_reads, 1, "the clock is read once for it");
	is_int(midnight_kefu(3, end), 0, "kefu notice end 1 at 23:59:59");
	midnight_row(db, "SELECT valid_until, SUBSTR(ended_at, 1, 10) "
	    "FROM local_notices WHERE id = 1", row, sizeof row);
	is_str(row, "2026-12-06 2026-12-07", "valid until yesterday, ended "
	    "today");
	is_int(midnight_reads, 1, "the clock is read once for it");
}

/* A line whose caller speaks 0.1 s into any recording, then hangs up. */
static enum line_status
midnight_line_ok(void)
{
	return LINE_OK;
}

static enum line_status
midnight_line_play(struct line *ln, const void *a, size_t len, int b,
    char *key, char **cause)
{
	(void)ln, (void)a, (void)len, (void)b, (void)key, (void)cause;
	return midnight_line_ok();
}

static enum line_status
midnight_line_wait(struct line *ln, int ms, char *key, char **cause)
{
	(void)ln, (void)ms, (void)key, (void)cause;
	return LINE_GONE;
}

static enum line_status
midnight_line_record(struct line *ln, const struct line_rec *rec,
    char *key, char **cause)
{
	uint8_t voice[800];

	(void)ln, (void)key, (void)cause;
	memset(voice, 0x55, sizeof voice);
	rec->sink(rec->arg, voice, sizeof voice);
	return LINE_TIMEOUT;
}

static enum line_status
midnight_line_beep(struct line *ln, unsigned hz, unsigned ms, char **cause)
{
	(void)ln, (void)hz, (void)ms, (void)cause;
	return midnight_line_ok();
}

static const struct line_ops midnight_line_ops = {
	.name = "test",
	.kind = "test line",
	.recovery = "nothing",
	.play = midnight_line_play,
	.wait_digit = midnight_line_wait,
	.record = midnight_line_record,
	.beep = midnight_line_beep,
};

/* The one recording in folder spool: its name, or "". */
static void
midnight_spooled(const char *spool, char *name, size_t len)
{
	struct dirent *e;
	DIR *d;

	name[0] = '\0';
	if ((d = opendir(spool)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".wav") != NULL)
			snprintf(name, len, "%s", e->d_name);
	closedir(d);
}

/*
 * A message recorded at 23:59:59 (flows/main.xml of the test: a record
 * node) is named after the second its metadata says it started.
 */
static void
test_record(struct svc *svc, const char *spool)
{
	struct conf_line cl = { .name = S("1"), .language = S("zh-CN"),
	    .flow = S("main") };
	struct line ln = { .name = S("1"), .conf = &cl,
	    .ops = &midnight_line_ops, .fmt = { AUDIO_ULAW, 8000 } };
	struct line_call call = { .cid = { .kind = LINE_CID_NUMBER,
	    .number = "13800138000" } };
	char name[256], *path, date[32] = "";
	const char *s;
	SF_INFO info;
	SNDFILE *sf;

	pthread_mutex_init(&ln.mtx, NULL);
	midnight_reads = 0;
	svc_line_call(&ln, &call, svc);
	if (call.end_h != NULL)         /* on hook: as line.c does */
		call.end_h(&ln, call.end_arg);
	pthread_mutex_destroy(&ln.mtx);
	midnight_spooled(spool, name, sizeof name);
	ok(strncmp(name, "20261207-235959-line1-13800138000-", 34) == 0,
	    "the message is named after 23:59:59 of the 7th (%s)", name);
	path = xasprintf("%s/%s", spool, name);
	memset(&info, 0, sizeof info);
	if ((sf = sf_open(path, SFM_READ, &info)) != NULL) {
		if ((s = sf_get_string(sf, SF_STR_DATE)) != NULL)
			snprintf(date, sizeof date, "%.19s", s);
		sf_close(sf);
	}
	is_str(date, "2026-12-07T23:59:59", "its recorded start (ICRD) is "
	    "the same second, not the next read of the clock");
	free(path);
}

int
main(void)
{
	const char *src = getenv("KEFU_SRCDIR");
	struct tm tm = { .tm_year = 126, .tm_mon = 11, .tm_mday = 7,
	    .tm_hour = 23, .tm_min = 59, .tm_sec = 59, .tm_isdst = -1 };
	struct store_member_policy mpol = { 5, 60 * 1000, 1000 };
	struct store_member_fields f = { .name = "李四",
	    .mobile = "13800138000", .address = "广州市天河区体育西路1号" };
	struct store_member_new m = { .f = f, .via = "paper",
	    .services = -1 };
	struct store_member_actor a = { .via = "paper", .staff_no = "S01" };
	char tmp[] = "/tmp/kefu-midnight-XXXXXX", *path, *text, *schema;
	char *spool;
	char *cause = NULL, *dbpath = NULL, no[9] = "";
	struct conf *conf = NULL;
	struct svc *svc = NULL;
	struct db_source *db;
	int applied;

	if (src == NULL)
		src = ".";
	if (mkdtemp(tmp) == NULL)
		tap_skip_all("cannot make a temporary folder");
	log_open("svc_midnight", "-", KLOG_ERROR, NULL);
	path = xasprintf("%s/mappings", tmp);
	mkdir(path, 0700);
	free(path);
	path = xasprintf("%s/flows", tmp);
	mkdir(path, 0700);
	free(path);
	path = xasprintf("%s/flows/main.xml", tmp);
	text = xstrdup("<flow name=\"main\">\n"
	    "  <set var=\"msg\" value=\"\" type=\"recording\"/>\n"
	    "  <record id=\"rec\" var=\"msg\" max-length=\"10s\" "
	    "silence=\"2s\"/>\n"
	    "  <hangup/>\n</flow>\n");
	if (file_write_atomic(path, text, strlen(text), &cause) == -1)
		tap_bail("cannot write the test flow");
	free(text);
	free(path);
	spool = xasprintf("%s/spool", tmp);
	path = xasprintf("%s/kefu.conf", tmp);
	text = xasprintf("[kefu]\nmappings = %s/mappings\n"
	    "adapters = %s/adapters\nprompts = %s/prompts\nsql = %s/sql\n"
	    "flows = %s/flows\nspool = %s\nlanguages = zh-CN,yue\n"
	    "[store]\ndatasource = local\n"
	    "order-slots = 09:00-11:00/08:00/30\norder-days = 1\n"
	    "order-areas = 天河:天河区\n"
	    "[visits]\nvisit-days = 1\n"
	    "[datasource local]\nconnect = Driver=SQLite3;Database=%s/k.db\n"
	    "adapter = sqlite\n", tmp, src, src, src, tmp, spool, tmp);
	schema = xasprintf("%s/mappings/mapping.rng", src);
	setenv("KEFU_MAPPING_SCHEMA", schema, 1);
	free(schema);
	schema = xasprintf("%s/flows/flow.rng", src);
	setenv("KEFU_FLOW_SCHEMA", schema, 1);
	if (conf_parse(path, text, &conf, &cause) == -1 ||
	    svc_open(conf, 0, &svc, &cause) == -1 ||
	    (db = svc_source(svc, "local")) == NULL ||
	    store_sqlite_path(conf_datasource(conf, "local"), &dbpath,
	    &cause) == -1 ||
	    store_upgrade(db, conf_datasource(conf, "local"), conf->sql_dir,
	    0, &applied, &cause) == -1 ||
	    store_member_add(db, &m, &a, &mpol, no, &cause) == -1) {
		tap_diag("%s", cause ? cause : "no datasource local");
		tap_bail("cannot set up the store (SQLite3 ODBC driver?)");
	}
	midnight_t0 = mktime(&tm);
	store_clock = midnight_clock;
	midnight_conf = conf;

	test_order(svc, no);
	test_visit(svc);
	test_notice(db);
	test_record(svc, spool);

	store_clock = time;
	svc_close(svc);
	conf_free(conf);
	free(text);
	free(schema);
	free(dbpath);
	free(spool);
	free(path);
	path = xasprintf("rm -rf %s", tmp);
	if (system(path) != 0)
		tap_diag("could not remove %s", tmp);
	free(path);
	return tap_done();
}
