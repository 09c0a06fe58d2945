/*
 * case.c: cases -- complaints, suggestions and after-sales requests that
 * callers leave as voice messages (table requests) -- and their closed
 * loop: a case number per day, the department chosen by the caller's key
 * or by the [department] rules of kefu.conf, the person in charge told
 * through the outbox (e-mail with the recording attached, SMS) in the
 * transaction that creates the case, and every later step in
 * case_events with its time and staff number.  A case is closed only
 * once it was answered, or with a reason.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "store/store-int.h"
#include "util/util.h"

/* Said to the department of a case the caller did not send. */
#define CASE_UNCONFIRMED "（未确认：来电者挂机前未按发送）"
#define CASE_TRIES 10           /* a number taken meanwhile: issue again */

/* The columns struct store_case is read from, in its order. */
#define CASE_COLS "r.id, r.ticket_no, r.kind, r.status, r.department, " \
	"r.assigned_to, r.caller_id, m.customer_no, r.call_ref, " \
	"r.received_at, r.voice_path, r.voice_ms, r.answer_text, " \
	"r.answered_by, r.answered_at, r.callback_phone, r.callback_at, " \
	"r.closed_at, r.closed_by, r.close_reason, r.confirmed"
#define CASE_FROM " FROM requests r LEFT JOIN members m ON m.id = " \
	"r.member_id "

const char *const store_case_kinds[] = {
	"complaint", "suggestion", "after_sales", NULL
};

/* What the department is told a case is, in its language. */
static const char *
case_kind_title(const char *kind)
{
	if (strcmp(kind, "complaint") == 0)
		return "投诉";
	if (strcmp(kind, "suggestion") == 0)
		return "建议";
	return "售后";
}

int
store_case_kind_ok(const char *kind)
{
	size_t i;

	for (i = 0; kind != NULL && store_case_kinds[i] != NULL; i++)
		if (strcmp(kind, store_case_kinds[i]) == 0)
			return 1;
	return 0;
}

int
store_case_no_valid(const char *no)
{
	size_t i;

	for (i = 0; no[i] != '\0'; i++)
		if (no[i] < '0' || no[i] > '9')
			return 0;
	return i == CASE_NO_LEN;
}

/* A number to call or text: digits, a leading + allowed, 3 to 20. */
static int
case_number_ok(const char *s)
{
	size_t n;

	if (*s == '+')
		s++;
	n = strspn(s, "0123456789");
	return s[n] == '\0' && n >= 3 && n <= 20;
}

/* 1 when kind is one of the comma-separated words of list. */
static int
case_listed(const char *list, const char *kind)
{
	size_t n = strlen(kind);
	const char *p;

	for (p = list; p != NULL && (p = strstr(p, kind)) != NULL; p += n)
		if ((p == list || strchr(", \t", p[-1]) != NULL) &&
		    (p[n] == '\0' || strchr(", \t", p[n]) != NULL))
			return 1;
	return 0;
}

const struct conf_department *
store_case_route(const struct conf *conf, const char *kind, const char *key)
{
	size_t i;

	for (i = 0; key != NULL && i < conf->ndepts; i++)
		if (conf->depts[i].key != NULL &&
		    strcmp(conf->depts[i].key, key) == 0)
			return &conf->depts[i];
	for (i = 0; i < conf->ndepts; i++)
		if (case_listed(conf->depts[i].kinds, kind))
			return &conf->depts[i];
	return NULL;
}

/*
 * The SQLSTATE of the last statement of this thread's transaction that
 * failed, so that a number issued twice (23...) or a deadlock victim
 * (40...) is issued again: the transaction's callback reports only text.
 */
static _Thread_local char case_sqlstate[6];

/* One statement of a transaction; *cause as "cases: ...". */
static int
case_tx(struct db_tx *tx, const char *sql, const struct db_param *p,
    size_t np, const enum db_vtype *vt, size_t nvt, struct db_result **res,
    char **cause)
{
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .coltypes = vt, .ncoltypes = nvt, .writes = 1 };
	struct db_result *r;
	struct db_err err;

	if (db_tx_run(tx, &q, &r, &err) == -1) {
		memcpy(case_sqlstate, err.sqlstate, sizeof case_sqlstate);
		return kf_error(cause, "cases: %s", err.msg);
	}
	if (res != NULL)
		*res = r;
	else
		db_result_free(r);
	return 0;
}

/* A single integer (or 0 when no row or NULL). */
static int
case_tx_int(struct db_tx *tx, const char *sql, const struct db_param *p,
    size_t np, int64_t *out, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT };
	struct db_result *res = NULL;

	*out = 0;
	if (case_tx(tx, sql, p, np, vt, 1, &res, cause) == -1)
		return -1;
	if (res->nrows > 0 && !DB_CELL(res, 0, 0)->null)
		*out = DB_CELL(res, 0, 0)->i;
	db_result_free(res);
	return 0;
}

int
store_case_event(struct db_tx *tx, int64_t id, const char *kind,
    const char *now, const char *staff, const char *detail,
    int64_t outbox_id, char **cause)
{
	struct db_param p[6] = {
		{ .type = DBV_INT, .i = id },
		{ .type = DBV_TEXT, .s = kind },
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_TEXT, .s = staff, .null = staff == NULL },
		{ .type = DBV_TEXT, .s = detail, .null = detail == NULL },
		{ .type = DBV_INT, .i = outbox_id, .null = outbox_id == 0 },
	};

	return case_tx(tx, "INSERT INTO case_events (request_id, kind, at, "
	    "staff_no, detail, outbox_id) VALUES (?, ?, ?, ?, ?, ?)", p,
	    nitems(p), NULL, 0, NULL, cause);
}

/* The next number of the day of now: "YYMMDD" then 0001, 0002, ... */
static int
case_issue(struct db_tx *tx, const char *now, char no[CASE_NO_LEN + 1],
    char **cause)
{
	char like[16], buf[32];
	struct db_param p = { .type = DBV_TEXT, .s = like };
	struct db_result *res = NULL;
	long seq = 1;

	snprintf(like, sizeof like, "%.2s%.2s%.2s____", now + 2, now + 5,
	    now + 8);
	if (case_tx(tx, "SELECT MAX(ticket_no) FROM requests WHERE "
	    "ticket_no LIKE ?", &p, 1, NULL, 0, &res, cause) == -1)
		return -1;
	if (res->nrows > 0 && !DB_CELL(res, 0, 0)->null &&
	    strlen(DB_CELL(res, 0, 0)->s) == CASE_NO_LEN)
		seq = strtol(DB_CELL(res, 0, 0)->s + 6, NULL, 10) + 1;
	db_result_free(res);
	if (seq > 9999)
		return kf_error(cause, "cases: 9999 cases today already; no "
		    "case number is left for the day");
	snprintf(buf, sizeof buf, "%.6s%04ld", like, seq);
	memcpy(no, buf, CASE_NO_LEN + 1);
	return 0;
}

/* What one creation needs inside its transaction. */
struct case_create {
	const struct store_case_new *c;
	const struct conf_department *dept;
	const char *now;
	char no[CASE_NO_LEN + 1];
	int64_t id;
	int64_t member_id;
	char *cause;
};

/*
 * Insert the case under a placeholder number first: the INSERT takes the
 * write lock (SQLite) before the day's numbers are read, so that lines
 * creating cases at once queue up instead of failing; on PostgreSQL and
 * MariaDB a number issued twice fails the second UPDATE (unique), and
 * store_case_create issues again.
 */
static int
case_insert(struct db_tx *tx, struct case_create *cc)
{
	const struct store_case_new *c = cc->c;
	const char *dept = cc->dept != NULL ? cc->dept->name : NULL;
	char tmp[32];
	struct db_param p[12] = {
		{ .type = DBV_TEXT, .s = tmp },
		{ .type = DBV_TEXT, .s = c->kind },
		{ .type = DBV_INT, .i = cc->member_id,
		  .null = cc->member_id == 0 },
		{ .type = DBV_TEXT, .s = c->caller_id,
		  .null = c->caller_id == NULL },
		{ .type = DBV_TIMESTAMP, .s = cc->now },
		{ .type = DBV_TEXT, .s = c->voice_path,
		  .null = c->voice_path == NULL },
		{ .type = DBV_INT, .i = c->voice_ms,
		  .null = c->voice_path == NULL },
		{ .type = DBV_TEXT, .s = dept, .null = dept == NULL },
		{ .type = DBV_TEXT, .s = c->callback_phone,
		  .null = c->callback_phone == NULL },
		{ .type = DBV_TEXT, .s = c->call_ref,
		  .null = c->call_ref == NULL },
		{ .type = DBV_TIMESTAMP, .s = cc->now },
		{ .type = DBV_INT, .i = !c->unconfirmed },
	};
	struct db_param k = { .type = DBV_TEXT, .s = tmp };
	struct db_param u[2] = { { .type = DBV_TEXT, .s = cc->no },
	    { .type = DBV_INT } };

	snprintf(tmp, sizeof tmp, "new-%d-%llu", (int)getpid(),
	    (unsigned long long)now_us());
	if (case_tx(tx, "INSERT INTO requests (ticket_no, kind, member_id, "
	    "caller_id, received_at, voice_path, voice_ms, department, "
	    "callback_phone, call_ref, updated_at, confirmed) VALUES (?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", p, nitems(p), NULL, 0, NULL,
	    &cc->cause) == -1 ||
	    case_tx_int(tx, "SELECT id FROM requests WHERE ticket_no = ?",
	    &k, 1, &cc->id, &cc->cause) == -1 ||
	    case_issue(tx, cc->now, cc->no, &cc->cause) == -1)
		return -1;
	u[1].i = cc->id;
	return case_tx(tx, "UPDATE requests SET ticket_no = ? WHERE id = ?",
	    u, 2, NULL, 0, NULL, &cc->cause);
}

/* The text the person in charge reads (e-mail body, SMS). */
static char *
case_notice_text(const struct case_create *cc, int sms)
{
	const struct store_case_new *c = cc->c;
	const struct conf_department *d = cc->dept;

	if (sms && c->summary != NULL && c->voice_path == NULL)
		return xasprintf("新%s %s：%s；来电 %s。",
		    case_kind_title(c->kind), cc->no, c->summary,
		    c->caller_id ? c->caller_id : "未知");
	if (sms)
		return xasprintf("新%s %s%s：来电 %s，留言 %u 秒，请查收邮件或"
		    "用 kefu case play %s 收听。", case_kind_title(c->kind),
		    cc->no, c->unconfirmed ? CASE_UNCONFIRMED : "",
		    c->caller_id ? c->caller_id : "未知", c->voice_ms / 1000,
		    cc->no);
	return xasprintf("%s部门：\n\n收到新的%s，案件编号 %s。\n\n"
	    "来电号码：%s\n会员号：%s\n回电号码：%s\n时间：%s\n"
	    "留言长度：%u.%u 秒（录音见附件）\n通话：%s\n\n"
	    "%s%s"
	    "处理后请答复客户：kefu case reply %s --sms 文字 --staff 工号\n",
	    d->title ? d->title : d->name, case_kind_title(c->kind), cc->no,
	    c->caller_id ? c->caller_id : "未知",
	    c->member_no ? c->member_no : "无",
	    c->callback_phone ? c->callback_phone : "无", cc->now,
	    c->voice_ms / 1000, c->voice_ms % 1000 / 100,
	    c->call_ref ? c->call_ref : "无", c->summary ? c->summary : "",
	    c->summary ? "\n\n" : "", cc->no);
}

/* Tell the department's person in charge, by e-mail and/or SMS. */
static int
case_notify(struct db_tx *tx, struct case_create *cc)
{
	const struct conf_department *d = cc->dept;
	struct store_outbox_new m;
	struct store_attachment a;
	char key[64], subject[128], file[64], *body;
	int64_t oid;
	int rc = 0;

	memset(&m, 0, sizeof m);
	m.msg_class = "transactional";
	m.idem_key = key;
	if (d->email != NULL) {
		snprintf(key, sizeof key, "case:%s:email", cc->no);
		snprintf(subject, sizeof subject, "[kefu] 新%s %s%s",
		    case_kind_title(cc->c->kind), cc->no, cc->c->unconfirmed ?
		    CASE_UNCONFIRMED : "");
		m.channel = "email";
		m.recipient = d->email;
		m.recipient_name = d->title;
		m.subject = subject;
		m.body = body = case_notice_text(cc, 0);
		rc = store_outbox_enqueue_tx(tx, &m, cc->now, cc->id, &oid,
		    &cc->cause);
		free(body);
		if (rc == 0 && cc->c->voice_path != NULL) {
			snprintf(file, sizeof file, "case-%s.wav", cc->no);
			a = (struct store_attachment){ "audio/wav", file,
			    cc->c->voice_path, NULL, 0 };
			rc = store_outbox_attach_tx(tx, oid, 1, &a, &cc->cause);
		}
		if (rc == -1)
			return -1;
	}
	if (d->sms != NULL) {
		snprintf(key, sizeof key, "case:%s:sms", cc->no);
		body = case_notice_text(cc, 1);
		rc = store_outbox_sms_tx(tx, d->sms, key, body, cc->now,
		    cc->id, &oid, &cc->cause);
		free(body);
	}
	return rc;
}

static int
case_create_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct case_create *cc = arg;
	char detail[200];

	free(cc->cause);
	cc->cause = NULL;
	memset(case_sqlstate, 0, sizeof case_sqlstate);
	if (case_insert(tx, cc) == -1)
		goto fail;
	snprintf(detail, sizeof detail, "%s%s%s%s", cc->c->staff_no ?
	    "at the desk" : "by phone", cc->c->unconfirmed ? ", unconfirmed "
	    "(the caller hung up before sending)" : "", cc->dept ?
	    ", routed to " :
	    ", no department routes it", cc->dept ? cc->dept->name : "");
	if (store_case_event(tx, cc->id, "created", cc->now, cc->c->staff_no,
	    detail, 0, &cc->cause) == -1)
		goto fail;
	if (cc->dept != NULL && case_notify(tx, cc) == -1)
		goto fail;
	if (cc->c->then != NULL && cc->c->then(tx, cc->id, cc->no, cc->now,
	    cc->c->then_arg, &cc->cause) == -1)
		goto fail;
	return 0;
fail:
	snprintf(err->msg, sizeof err->msg, "%s", cc->cause);
	memcpy(err->sqlstate, case_sqlstate, sizeof err->sqlstate);
	return -1;
}

/* The id of a member by customer number (0: no such member, logged). */
static int
case_member(struct db_source *src, const char *no, int64_t *id,
    char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT };
	struct db_param p = { .type = DBV_TEXT, .s = no };
	struct db_query q = { .sql = "SELECT id FROM members WHERE "
	    "customer_no = ?", .params = &p, .nparams = 1, .coltypes = vt,
	    .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;

	*id = 0;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "cases: %s", store_errmsg(src, &err));
	if (res->nrows > 0)
		*id = DB_CELL(res, 0, 0)->i;
	else
		log_warnx("cases: no member %s; the case is kept without one",
		    no);
	db_result_free(res);
	return 0;
}

static int
case_new_check(const struct store_case_new *c, char **cause)
{
	if (!store_case_kind_ok(c->kind))
		return kf_error(cause, "cases: kind '%.20s' is none of "
		    "complaint, suggestion, after_sales",
		    c->kind ? c->kind : "");
	if (c->member_no != NULL && !store_member_no_valid(c->member_no))
		return kf_error(cause, "cases: %.20s is not a customer number",
		    c->member_no);
	return 0;
}

int
store_case_create(struct db_source *src, const struct conf *conf,
    const struct store_case_new *c, char no[CASE_NO_LEN + 1],
    char **cause)
{
	struct case_create cc;
	struct db_err err;
	char buf[20];
	int tries, rc;

	if (case_new_check(c, cause) == -1)
		return -1;
	memset(&cc, 0, sizeof cc);
	cc.c = c;
	cc.now = store_stamp_now(c->now, buf);
	cc.dept = c->department != NULL ? conf_department(conf,
	    c->department) : store_case_route(conf, c->kind, c->key);
	if (c->department != NULL && cc.dept == NULL)
		return kf_error(cause, "cases: no [department %.40s] in %s",
		    c->department, conf->path);
	if (c->member_no != NULL && case_member(src, c->member_no,
	    &cc.member_id, cause) == -1)
		return -1;
	/* two lines issuing one number at once: the second issues again */
	for (tries = 1; (rc = db_tx(src, case_create_tx, &cc, &err)) == -1 &&
	    tries < CASE_TRIES && (strncmp(err.sqlstate, "23", 2) == 0 ||
	    strncmp(err.sqlstate, "40", 2) == 0); tries++)
		log_debug("cases: %s; issuing another number", err.msg);
	if (rc == -1) {
		kf_error(cause, "%s", cc.cause ? cc.cause : err.msg);
		free(cc.cause);
		return -1;
	}
	free(cc.cause);
	memcpy(no, cc.no, sizeof cc.no);
	log_info("cases: %s %s created (%s%s, %u ms of message)", c->kind,
	    cc.no, cc.dept ? "department " : "no department routes it",
	    cc.dept ? cc.dept->name : "", c->voice_ms);
	return 0;
}

/* ---- reading cases back ---- */

static char *
case_cell(struct db_result *r, size_t row, size_t col)
{
	struct db_value *v = DB_CELL(r, row, col);

	return v->null ? NULL : xstrdup(v->s);
}

static void
case_fill(struct store_case *c, struct db_result *r, size_t i)
{
	c->id = DB_CELL(r, i, 0)->i;
	c->no = case_cell(r, i, 1);
	c->kind = case_cell(r, i, 2);
	c->status = case_cell(r, i, 3);
	c->department = case_cell(r, i, 4);
	c->assigned_to = case_cell(r, i, 5);
	c->caller_id = case_cell(r, i, 6);
	c->member_no = case_cell(r, i, 7);
	c->call_ref = case_cell(r, i, 8);
	c->received_at = case_cell(r, i, 9);
	c->voice_path = case_cell(r, i, 10);
	c->voice_ms = DB_CELL(r, i, 11)->null ? 0 :
	    (unsigned)DB_CELL(r, i, 11)->i;
	c->answer_text = case_cell(r, i, 12);
	c->answered_by = case_cell(r, i, 13);
	c->answered_at = case_cell(r, i, 14);
	c->callback_phone = case_cell(r, i, 15);
	c->callback_at = case_cell(r, i, 16);
	c->closed_at = case_cell(r, i, 17);
	c->closed_by = case_cell(r, i, 18);
	c->close_reason = case_cell(r, i, 19);
	c->confirmed = DB_CELL(r, i, 20)->null || DB_CELL(r, i, 20)->i != 0;
}

static int
case_select(struct db_source *src, const char *sql, const struct db_param *p,
    size_t np, struct store_case **out, size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	    DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TEXT,
	    DBV_TIMESTAMP, DBV_TEXT, DBV_INT, DBV_TEXT, DBV_TEXT,
	    DBV_TIMESTAMP, DBV_TEXT, DBV_TIMESTAMP, DBV_TIMESTAMP, DBV_TEXT,
	    DBV_TEXT, DBV_INT };
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .coltypes = vt, .ncoltypes = nitems(vt) };
	struct db_result *res = NULL;
	struct db_err err;
	size_t i;

	*out = NULL;
	*n = 0;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "cases: %s", store_errmsg(src, &err));
	*out = xcalloc(res->nrows ? res->nrows : 1, sizeof **out);
	for (i = 0; i < res->nrows; i++)
		case_fill(&(*out)[i], res, i);
	*n = res->nrows;
	db_result_free(res);
	return 0;
}

static int
case_events_read(struct db_source *src, struct store_case *c, char **cause)
{
	static const enum db_vtype vt[] = { DBV_TEXT, DBV_TIMESTAMP, DBV_TEXT,
	    DBV_TEXT, DBV_INT };
	struct db_param p = { .type = DBV_INT, .i = c->id };
	struct db_query q = { .sql = "SELECT kind, at, staff_no, detail, "
	    "outbox_id FROM case_events WHERE request_id = ? ORDER BY at, id",
	    .params = &p, .nparams = 1, .coltypes = vt,
	    .ncoltypes = nitems(vt) };
	struct db_result *res = NULL;
	struct db_err err;
	size_t i;

	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "cases: %s", store_errmsg(src, &err));
	c->events = xcalloc(res->nrows ? res->nrows : 1, sizeof *c->events);
	for (i = 0; i < res->nrows; i++) {
		c->events[i].kind = case_cell(res, i, 0);
		c->events[i].at = case_cell(res, i, 1);
		c->events[i].staff_no = case_cell(res, i, 2);
		c->events[i].detail = case_cell(res, i, 3);
		c->events[i].outbox_id = DB_CELL(res, i, 4)->null ? 0 :
		    DB_CELL(res, i, 4)->i;
	}
	c->nevents = res->nrows;
	db_result_free(res);
	return 0;
}

static void
case_clear(struct store_case *c)
{
	size_t i;

	free(c->no);
	free(c->kind);
	free(c->status);
	free(c->department);
	free(c->assigned_to);
	free(c->caller_id);
	free(c->member_no);
	free(c->call_ref);
	free(c->received_at);
	free(c->voice_path);
	free(c->answer_text);
	free(c->answered_by);
	free(c->answered_at);
	free(c->callback_phone);
	free(c->callback_at);
	free(c->closed_at);
	free(c->closed_by);
	free(c->close_reason);
	for (i = 0; i < c->nevents; i++) {
		free(c->events[i].kind);
		free(c->events[i].at);
		free(c->events[i].staff_no);
		free(c->events[i].detail);
	}
	free(c->events);
}

void
store_cases_free(struct store_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		case_clear(&c[i]);
	free(c);
}

void
store_case_free(struct store_case *c)
{
	store_cases_free(c, c != NULL ? 1 : 0);
}

int
store_case_get(struct db_source *src, const char *no,
    struct store_case **out, char **cause)
{
	struct db_param p = { .type = DBV_TEXT, .s = no };
	size_t n;

	*out = NULL;
	if (case_select(src, "SELECT " CASE_COLS CASE_FROM
	    "WHERE r.ticket_no = ?", &p, 1, out, &n, cause) == -1)
		return -1;
	if (n == 0) {
		store_cases_free(*out, 0);
		*out = NULL;
		return kf_error(cause, "cases: no case %.20s", no);
	}
	if (case_events_read(src, *out, cause) == -1) {
		store_case_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
store_case_list(struct db_source *src, const struct store_case_filter *f,
    struct store_case **out, size_t *n, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	struct db_param p[2];
	size_t np = 0;
	int rc;

	sb_adds(&sb, "SELECT " CASE_COLS CASE_FROM "WHERE 1 = 1");
	if (f->status != NULL) {
		sb_adds(&sb, " AND r.status = ?");
		p[np++] = (struct db_param){ .type = DBV_TEXT, .s = f->status };
	} else if (f->open)
		sb_adds(&sb, " AND r.status <> 'closed'");
	if (f->department != NULL) {
		sb_adds(&sb, " AND r.department = ?");
		p[np++] = (struct db_param){ .type = DBV_TEXT,
		    .s = f->department };
	}
	if (f->callback)
		sb_adds(&sb, " AND r.callback_at IS NOT NULL AND "
		    "r.callback_done = 0");
	sb_adds(&sb, " ORDER BY r.ticket_no");
	rc = case_select(src, sb_str(&sb), p, np, out, n, cause);
	sb_free(&sb);
	return rc;
}

/* ---- the desk's steps ---- */

/* One step on a case: its check and its statements, in one transaction. */
struct case_step {
	const char *no;
	const struct store_case_actor *a;
	const char *now;
	int64_t id;
	char status[12];
	int answered;
	char *caller, *callback;        /* the case's numbers */
	const void *arg;
	int (*run)(struct db_tx *tx, struct case_step *st);
	int64_t outbox_id;
	char *cause;
};

/* Read the case's state inside the step's transaction. */
static int
case_step_read(struct db_tx *tx, struct case_step *st)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_TEXT, DBV_TIMESTAMP,
	    DBV_TEXT, DBV_TEXT };
	struct db_param p = { .type = DBV_TEXT, .s = st->no };
	struct db_result *res = NULL;

	if (case_tx(tx, "SELECT id, status, answered_at, caller_id, "
	    "callback_phone FROM requests WHERE ticket_no = ?", &p, 1, vt,
	    nitems(vt), &res, &st->cause) == -1)
		return -1;
	if (res->nrows == 0) {
		db_result_free(res);
		return kf_error(&st->cause, "cases: no case %.20s", st->no);
	}
	st->id = DB_CELL(res, 0, 0)->i;
	snprintf(st->status, sizeof st->status, "%s", DB_CELL(res, 0, 1)->s);
	st->answered = !DB_CELL(res, 0, 2)->null;
	st->caller = case_cell(res, 0, 3);
	st->callback = case_cell(res, 0, 4);
	db_result_free(res);
	if (strcmp(st->status, "closed") == 0)
		return kf_error(&st->cause, "cases: case %s is closed already",
		    st->no);
	return 0;
}

static int
case_step_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct case_step *st = arg;

	if (case_step_read(tx, st) == -1 || st->run(tx, st) == -1) {
		snprintf(err->msg, sizeof err->msg, "%s", st->cause);
		return -1;
	}
	return 0;
}

static int
case_step(struct db_source *src, const char *no,
    const struct store_case_actor *a, const void *arg,
    int (*run)(struct db_tx *, struct case_step *), int64_t *outbox_id,
    char **cause)
{
	struct case_step st;
	struct db_err err;
	char buf[20];
	int rc;

	if (a == NULL || a->staff_no == NULL || *a->staff_no == '\0')
		return kf_error(cause, "cases: every change to a case needs "
		    "the staff number of who makes it");
	memset(&st, 0, sizeof st);
	st.no = no;
	st.a = a;
	st.now = store_stamp_now(a->now, buf);
	st.arg = arg;
	st.run = run;
	if ((rc = db_tx(src, case_step_tx, &st, &err)) == -1)
		kf_error(cause, "%s", st.cause ? st.cause : err.msg);
	else if (outbox_id != NULL)
		*outbox_id = st.outbox_id;
	free(st.cause);
	free(st.caller);
	free(st.callback);
	return rc;
}

/* Set the case's columns (sets: "a = ?, b = ?") and updated_at. */
static int
case_update(struct db_tx *tx, struct case_step *st, const char *sets,
    const struct db_param *p, size_t np)
{
	struct db_param v[8];
	char *sql;
	int rc;

	if (np > 0)
		memcpy(v, p, np * sizeof *p);
	v[np++] = (struct db_param){ .type = DBV_TIMESTAMP, .s = st->now };
	v[np++] = (struct db_param){ .type = DBV_INT, .i = st->id };
	sql = xasprintf("UPDATE requests SET %s, updated_at = ? WHERE id = ?",
	    sets);
	rc = case_tx(tx, sql, v, np, NULL, 0, NULL, &st->cause);
	free(sql);
	return rc;
}

struct case_assign {
	const char *dept;
	const char *to;
};

static int
case_assign_run(struct db_tx *tx, struct case_step *st)
{
	const struct case_assign *as = st->arg;
	struct db_param p[3] = {
		{ .type = DBV_TEXT, .s = as->dept, .null = as->dept == NULL },
		{ .type = DBV_TEXT, .s = as->to, .null = as->to == NULL },
		{ .type = DBV_TIMESTAMP, .s = st->now },
	};
	char *detail;
	int rc;

	if (case_update(tx, st, "department = COALESCE(?, department), "
	    "assigned_to = COALESCE(?, assigned_to), status = CASE status "
	    "WHEN 'new' THEN 'assigned' ELSE status END, assigned_at = ?",
	    p, 3) == -1)
		return -1;
	detail = xasprintf("%s%s%s%s", as->dept ? "department " : "",
	    as->dept ? as->dept : "", as->dept && as->to ? ", staff " :
	    as->to ? "staff " : "", as->to ? as->to : "");
	rc = store_case_event(tx, st->id, "assigned", st->now, st->a->staff_no,
	    detail, 0, &st->cause);
	free(detail);
	return rc;
}

int
store_case_assign(struct db_source *src, const struct conf *conf,
    const char *no, const char *dept, const char *to,
    const struct store_case_actor *a, char **cause)
{
	struct case_assign as = { dept, to };

	if (dept == NULL && to == NULL)
		return kf_error(cause, "cases: assign to a department, a "
		    "staff number or both");
	if (dept != NULL && conf_department(conf, dept) == NULL)
		return kf_error(cause, "cases: no [department %.40s] in %s",
		    dept, conf->path);
	return case_step(src, no, a, &as, case_assign_run, NULL, cause);
}

static int
case_note_run(struct db_tx *tx, struct case_step *st)
{
	if (case_update(tx, st, "status = status", NULL, 0) == -1)
		return -1;
	return store_case_event(tx, st->id, "note", st->now, st->a->staff_no,
	    st->arg, 0, &st->cause);
}

int
store_case_note(struct db_source *src, const char *no, const char *text,
    const struct store_case_actor *a, char **cause)
{
	if (text == NULL || *text == '\0')
		return kf_error(cause, "cases: a note needs its text");
	if (strlen(text) > 2000)
		return kf_error(cause, "cases: a note is at most 2000 bytes");
	return case_step(src, no, a, text, case_note_run, NULL, cause);
}

/* The caller's answer by SMS, queued with the reply. */
static int
case_reply_sms(struct db_tx *tx, struct case_step *st, const char *to,
    const char *text)
{
	struct db_param id = { .type = DBV_INT, .i = st->id };
	int64_t nth;
	char key[64];

	/* the key names the reply: "case:NO:reply:2" is the second */
	if (case_tx_int(tx, "SELECT COUNT(*) FROM case_events WHERE "
	    "request_id = ? AND kind = 'reply'", &id, 1, &nth,
	    &st->cause) == -1)
		return -1;
	snprintf(key, sizeof key, "case:%s:reply:%" PRId64, st->no, nth + 1);
	return store_outbox_sms_tx(tx, to, key, text, st->now, st->id,
	    &st->outbox_id, &st->cause);
}

static int
case_reply_run(struct db_tx *tx, struct case_step *st)
{
	const struct store_case_reply *r = st->arg;
	const char *to = r->phone ? r->phone : st->callback ? st->callback :
	    st->caller;
	const char *text = r->sms ? r->sms : r->text;
	struct db_param p[4] = {
		{ .type = DBV_TEXT, .s = text },
		{ .type = DBV_TEXT, .s = st->a->staff_no },
		{ .type = DBV_TIMESTAMP, .s = st->now },
		{ .type = DBV_TEXT, .s = to, .null = to == NULL },
	};
	char *detail;
	int rc;

	if (r->callback) {
		if (to == NULL || !case_number_ok(to))
			return kf_error(&st->cause, "cases: case %s has no "
			    "number to call back; give one with --phone",
			    st->no);
		if (case_update(tx, st, "callback_at = ?, callback_phone = "
		    "?, callback_done = 0", &p[2], 2) == -1)
			return -1;
		detail = xasprintf("call back %s", to);
		rc = store_case_event(tx, st->id, "callback", st->now,
		    st->a->staff_no, detail, 0, &st->cause);
		free(detail);
		return rc;
	}
	if (r->sms != NULL && (to == NULL || !case_number_ok(to)))
		return kf_error(&st->cause, "cases: case %s has no number to "
		    "send the answer to (caller ID %s); give one with --phone",
		    st->no, st->caller ? st->caller : "unknown");
	if (r->sms != NULL && case_reply_sms(tx, st, to, r->sms) == -1)
		return -1;
	if (case_update(tx, st, "answer_text = ?, answered_by = ?, "
	    "answered_at = ?, status = 'answered'", p, 3) == -1)
		return -1;
	detail = r->sms ? xasprintf("SMS to %s: %s", to, r->sms) :
	    xstrdup(r->text);
	rc = store_case_event(tx, st->id, "reply", st->now, st->a->staff_no,
	    detail, st->outbox_id, &st->cause);
	free(detail);
	return rc;
}

int
store_case_reply(struct db_source *src, const char *no,
    const struct store_case_reply *r, const struct store_case_actor *a,
    int64_t *outbox_id, char **cause)
{
	const char *text = r->sms ? r->sms : r->text;

	if (outbox_id != NULL)
		*outbox_id = 0;
	if (!r->callback && (text == NULL || *text == '\0'))
		return kf_error(cause, "cases: a reply needs its text (--sms "
		    "or --text) or --callback");
	if (text != NULL && strlen(text) > 2000)
		return kf_error(cause, "cases: a reply is at most 2000 bytes");
	if (r->phone != NULL && !case_number_ok(r->phone))
		return kf_error(cause, "cases: %.32s is not a phone number",
		    r->phone);
	return case_step(src, no, a, r, case_reply_run, outbox_id, cause);
}

static int
case_close_run(struct db_tx *tx, struct case_step *st)
{
	const char *reason = st->arg;
	struct db_param p[3] = {
		{ .type = DBV_TIMESTAMP, .s = st->now },
		{ .type = DBV_TEXT, .s = st->a->staff_no },
		{ .type = DBV_TEXT, .s = reason, .null = reason == NULL },
	};

	if (!st->answered && reason == NULL)
		return kf_error(&st->cause, "cases: case %s was never "
		    "answered: reply first, or close it with a reason", st->no);
	if (case_update(tx, st, "status = 'closed', closed_at = ?, "
	    "closed_by = ?, close_reason = ?", p, 3) == -1)
		return -1;
	return store_case_event(tx, st->id, "closed", st->now, st->a->staff_no,
	    reason ? reason : "answered", 0, &st->cause);
}

int
store_case_close(struct db_source *src, const char *no, const char *reason,
    const struct store_case_actor *a, char **cause)
{
	if (reason != NULL && *reason == '\0')
		reason = NULL;
	if (reason != NULL && strlen(reason) > 400)
		return kf_error(cause, "cases: a reason is at most 400 bytes");
	return case_step(src, no, a, reason, case_close_run, NULL, cause);
}
