/*
 * visit.c: home-visit appointments of after-sales cases (table visits,
 * kefu-store(7)).  The slots come from [visits] in kefu.conf, one list
 * per weekday, each slot with a capacity; a slot already begun (today:
 * within visit-lead), or full, is not offered.  Booking creates an
 * after-sales case through store_case_create and, in its transaction,
 * the visits row and the confirmation SMS to the caller; cancel and move
 * (by case number) change the row and queue their SMS in one
 * transaction too.  By phone a visit is changed only for the number it
 * was booked for: a case number alone is easy to guess.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "store/store-int.h"
#include "util/util.h"

#define VISIT_COLS "v.id, r.ticket_no, v.visit_date, v.slot, v.phone, " \
	"v.purchase, v.status, v.booked_at, v.booked_by, v.changed_at, " \
	"v.changed_by, v.call_ref, v.outbox_id, v.note"
#define VISIT_FROM " FROM visits v JOIN requests r ON r.id = v.request_id "

static const char *const visit_days[7] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	"sunday"
};
static const char *const visit_day_titles[7] = {
	"星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"
};

/*
 * One kefud books at a time: the count of a slot and the row that takes
 * it are not split by another line's booking (as orders do).
 */
static pthread_mutex_t visit_mtx = PTHREAD_MUTEX_INITIALIZER;

/* ---- the policy ---- */

/* One "FROM-TO/CAPACITY". */
static int
visit_slot_parse(char *item, struct store_visit_slot *sl, char **why)
{
	char *cap;
	long long n;
	const char *errstr;

	item = str_trim(item);
	if ((cap = strchr(item, '/')) == NULL) {
		*why = xasprintf("'%s' is not FROM-TO/CAPACITY", item);
		return -1;
	}
	*cap++ = '\0';
	if (store_stamp_range(item, &sl->from, &sl->to) == -1) {
		*why = xasprintf("'%s' is not a time range HH:MM-HH:MM", item);
		return -1;
	}
	if (str_tonum(str_trim(cap), 1, 1000, &n, &errstr) == -1) {
		*why = xasprintf("slot %s: capacity '%s' is %s (1 to 1000)",
		    item, cap, errstr);
		return -1;
	}
	memcpy(sl->name, item, 12);
	sl->capacity = (int)n;
	return 0;
}

/* The slots of one weekday ("none": no visits that day). */
static int
visit_day_parse(const char *text, struct store_visit_slot *slots,
    size_t *n, char **why)
{
	char *copy, *item, *rest;
	size_t i;

	*n = 0;
	if (text == NULL || strcmp(text, "none") == 0)
		return 0;
	copy = rest = xstrdup(text);
	while ((item = strsep(&rest, ",")) != NULL) {
		if (*str_trim(item) == '\0')
			continue;
		if (*n == VISIT_SLOTS_MAX) {
			*why = xasprintf("more than %d slots", VISIT_SLOTS_MAX);
			break;
		}
		if (visit_slot_parse(item, &slots[*n], why) == -1)
			break;
		for (i = 0; i < *n; i++)
			if (slots[*n].from < slots[i].to &&
			    slots[i].from < slots[*n].to)
				*why = xasprintf("slots %s and %s overlap",
				    slots[i].name, slots[*n].name);
		if (*why != NULL)
			break;
		(*n)++;
	}
	free(copy);
	return *why == NULL ? 0 : -1;
}

int
store_visit_policy_load(const struct conf *conf,
    struct store_visit_policy **out, char **cause)
{
	struct store_visit_policy *pol = xcalloc(1, sizeof *pol);
	char *why = NULL;
	int d;

	*out = NULL;
	for (d = 0; d < 7; d++)
		if (visit_day_parse(conf->visit_slots[d], pol->slots[d],
		    &pol->nslots[d], &why) == -1) {
			kf_error(cause, "%s:%d: [visits] %s: %s", conf->path ?
			    conf->path : "kefu.conf", conf_line(conf, conf,
			    visit_days[d]), visit_days[d], why);
			free(why);
			free(pol);
			return -1;
		}
	pol->days = conf->visit_days;
	pol->lead = conf->visit_lead_ms / 60000;
	pol->store_name = conf->store_name ? xstrdup(conf->store_name) : NULL;
	*out = pol;
	return 0;
}

void
store_visit_policy_free(struct store_visit_policy *pol)
{
	if (pol == NULL)
		return;
	free(pol->store_name);
	free(pol);
}

int
store_visit_weekday(const char *date)
{
	struct tm tm;
	char back[11];

	memset(&tm, 0, sizeof tm);
	if (date == NULL || strlen(date) != 10 ||
	    sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday) != 3)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	if (mktime(&tm) == (time_t)-1)
		return -1;
	/* 2026-02-30 normalises to March: not a day */
	strftime(back, sizeof back, "%Y-%m-%d", &tm);
	if (strcmp(back, date) != 0)
		return -1;
	return (tm.tm_wday + 6) % 7;
}

/* The slot of that name on date's weekday, or NULL. */
static const struct store_visit_slot *
visit_slot_find(const struct store_visit_policy *pol, const char *date,
    const char *name)
{
	int d = store_visit_weekday(date);
	size_t i;

	for (i = 0; d >= 0 && name != NULL && i < pol->nslots[d]; i++)
		if (strcmp(pol->slots[d][i].name, name) == 0)
			return &pol->slots[d][i];
	return NULL;
}

/* 1 when a slot of date is still offered at now. */
static int
visit_slot_ahead(const struct store_visit_policy *pol, const char *date,
    const struct store_visit_slot *sl, const char *now)
{
	int c = strncmp(date, now, 10);

	if (c != 0)
		return c > 0;
	return atoi(now + 11) * 60 + atoi(now + 14) + pol->lead <= sl->from;
}

/* Local time now, or the given one, into buf. */
static const char *
visit_now(const char *now, char buf[20])
{
	return store_stamp_now(now, buf);
}

/* ---- statements ---- */

static char *
visit_cell(struct db_result *r, size_t row, size_t col)
{
	struct db_value *v = DB_CELL(r, row, col);

	return v->null ? NULL : xstrdup(v->s);
}

/* A statement's error, said "visits: message": -1. */
static int
visit_fail(struct db_source *src, const struct db_err *err, char **cause)
{
	return kf_error(cause, "visits: %s", src != NULL ?
	    store_errmsg(src, err) : err->msg);
}

/* One statement, of a transaction when tx is not NULL. */
static int
visit_run(struct db_source *src, struct db_tx *tx, const char *sql,
    const struct db_param *p, size_t np, const enum db_vtype *vt,
    size_t nvt, struct db_result **res, char **cause)
{
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .coltypes = vt, .ncoltypes = nvt, .writes = tx != NULL };
	struct db_result *r;
	struct db_err err;

	if ((tx != NULL ? db_tx_run(tx, &q, &r, &err) :
	    db_run(src, &q, &r, &err)) == -1)
		return visit_fail(src, &err, cause);
	if (res != NULL)
		*res = r;
	else
		db_result_free(r);
	return 0;
}

/* One integer (0 when no row or NULL): store_int, said as visits say. */
static int
visit_int(struct db_source *src, struct db_tx *tx, const char *sql,
    const struct db_param *p, size_t np, int64_t *v, char **cause)
{
	struct db_err err;

	if (store_int(src, tx, sql, p, np, v, &err) == -1)
		return visit_fail(src, &err, cause);
	return 0;
}

/* Visits booked in a slot of a day. */
static int
visit_taken(struct db_source *src, struct db_tx *tx, const char *date,
    const char *slot, int64_t *n, char **cause)
{
	struct db_param p[2] = { { .type = DBV_DATE, .s = date },
	    { .type = DBV_TEXT, .s = slot } };

	return visit_int(src, tx, "SELECT COUNT(*) FROM visits WHERE "
	    "visit_date = ? AND slot = ? AND status = 'booked'", p, 2, n,
	    cause);
}

int
store_visit_offers(struct db_source *src,
    const struct store_visit_policy *pol, const char *now,
    struct store_visit_offer *out, size_t max, size_t *n, char **cause)
{
	char nowbuf[20], date[11];
	const struct store_visit_slot *sl;
	int64_t taken;
	int d, wd;
	size_t i;

	*n = 0;
	now = visit_now(now, nowbuf);
	for (d = 0; d <= pol->days && *n < max; d++) {
		memcpy(date, now, 10);
		date[10] = '\0';
		if (demo_date_add(date, d, date) == -1 ||
		    (wd = store_visit_weekday(date)) == -1)
			return kf_error(cause, "visits: bad time '%s'", now);
		for (i = 0; i < pol->nslots[wd] && *n < max; i++) {
			sl = &pol->slots[wd][i];
			if (!visit_slot_ahead(pol, date, sl, now))
				continue;
			if (visit_taken(src, NULL, date, sl->name, &taken,
			    cause) == -1)
				return -1;
			if (taken >= sl->capacity)
				continue;
			memcpy(out[*n].date, date, 11);
			out[*n].slot = sl;
			out[*n].taken = (int)taken;
			(*n)++;
		}
	}
	return 0;
}

/* ---- booking, moving, cancelling ---- */

/* What a visit's transaction needs. */
struct visit_tx {
	const struct store_visit_policy *pol;
	const char *date, *slot, *phone, *purchase;
	const char *staff_no, *call_ref, *now;
	const char *no;                 /* the case number */
	int64_t request_id, old_id;     /* old_id: the visit moved, or 0 */
	int full;
};

/* The SMS text of a booking or cancellation. */
static char *
visit_sms_text(const struct visit_tx *vt, int cancelled)
{
	const struct store_visit_policy *pol = vt->pol;
	int wd = store_visit_weekday(vt->date);
	char sign[160];

	snprintf(sign, sizeof sign, "%s%s%s", pol->store_name ? "【" : "",
	    pol->store_name ? pol->store_name : "",
	    pol->store_name ? "】" : "");
	if (cancelled)
		return xasprintf("%s您 %d月%d日（%s）%s 的上门服务预约已取消，"
		    "案件编号 %s。", sign, atoi(vt->date + 5),
		    atoi(vt->date + 8), wd >= 0 ? visit_day_titles[wd] : "",
		    vt->slot, vt->no);
	return xasprintf("%s您的上门服务已预约：%d月%d日（%s）%s，案件编号 "
	    "%s。改约或取消请来电，按案件编号办理。", sign,
	    atoi(vt->date + 5), atoi(vt->date + 8),
	    wd >= 0 ? visit_day_titles[wd] : "", vt->slot, vt->no);
}

/* Queue the SMS of visit id; *oid its outbox row. */
static int
visit_sms(struct db_tx *tx, const struct visit_tx *vt, int64_t id,
    int cancelled, int64_t *oid, char **cause)
{
	char key[64], *body;
	int rc;

	snprintf(key, sizeof key, "visit:%" PRId64 ":%s", id,
	    cancelled ? "cancelled" : "booked");
	body = visit_sms_text(vt, cancelled);
	rc = store_outbox_sms_tx(tx, vt->phone, key, body, vt->now,
	    vt->request_id, oid, cause);
	free(body);
	return rc;
}

/* The slot is offered and has room (else *cause and vt->full). */
static int
visit_room(struct db_tx *tx, struct visit_tx *vt, char **cause)
{
	const struct store_visit_slot *sl = visit_slot_find(vt->pol, vt->date,
	    vt->slot);
	int64_t taken;

	if (sl == NULL || !visit_slot_ahead(vt->pol, vt->date, sl, vt->now)) {
		vt->full = 1;
		return kf_error(cause, "visits: %s %s is not a slot offered "
		    "now", vt->date ? vt->date : "", vt->slot ? vt->slot : "");
	}
	if (visit_taken(NULL, tx, vt->date, sl->name, &taken, cause) == -1)
		return -1;
	if (taken >= sl->capacity) {
		vt->full = 1;
		return kf_error(cause, "visits: slot %s %s is full (%d "
		    "visits)", vt->date, sl->name, sl->capacity);
	}
	return 0;
}

/*
 * Book the visit of vt->request_id: the row, its SMS, the case's
 * appointment columns and a step in case_events.
 */
static int
visit_insert(struct db_tx *tx, struct visit_tx *vt, char **cause)
{
	struct db_param p[9] = {
		{ .type = DBV_INT, .i = vt->request_id },
		{ .type = DBV_DATE, .s = vt->date },
		{ .type = DBV_TEXT, .s = vt->slot },
		{ .type = DBV_TEXT, .s = vt->phone },
		{ .type = DBV_TEXT, .s = vt->purchase,
		  .null = vt->purchase == NULL },
		{ .type = DBV_TIMESTAMP, .s = vt->now },
		{ .type = DBV_TEXT, .s = vt->staff_no,
		  .null = vt->staff_no == NULL },
		{ .type = DBV_TEXT, .s = vt->call_ref,
		  .null = vt->call_ref == NULL },
		{ .type = DBV_INT, .i = vt->request_id },
	};
	struct db_param u[3] = { { .type = DBV_INT }, { .type = DBV_INT } };
	struct db_param a[3] = { { .type = DBV_TIMESTAMP },
	    { .type = DBV_TIMESTAMP },
	    { .type = DBV_INT, .i = vt->request_id } };
	char at[20], detail[120];
	int64_t id, oid;

	if (visit_room(tx, vt, cause) == -1 ||
	    visit_run(NULL, tx, "INSERT INTO visits (request_id, visit_date, "
	    "slot, phone, purchase, booked_at, booked_by, call_ref) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?)", p, 8, NULL, 0, NULL, cause) == -1 ||
	    visit_int(NULL, tx, "SELECT MAX(id) FROM visits WHERE "
	    "request_id = ?", &p[8], 1, &id, cause) == -1 ||
	    visit_sms(tx, vt, id, 0, &oid, cause) == -1)
		return -1;
	u[0].i = oid;
	u[1].i = id;
	snprintf(at, sizeof at, "%.10s %.5s:00", vt->date, vt->slot);
	a[0].s = at;
	a[1].s = vt->now;
	snprintf(detail, sizeof detail, "home visit %s %s booked%s",
	    vt->date, vt->slot, vt->old_id ? " (moved)" : "");
	return visit_run(NULL, tx, "UPDATE visits SET outbox_id = ? WHERE "
	    "id = ?", u, 2, NULL, 0, NULL, cause) == -1 ||
	    visit_run(NULL, tx, "UPDATE requests SET appointment_at = ?, "
	    "appointment_confirmed = 1, updated_at = ? WHERE id = ?", a, 3,
	    NULL, 0, NULL, cause) == -1 ||
	    store_case_event(tx, vt->request_id, "note", vt->now,
	    vt->staff_no, detail, 0, cause) == -1 ? -1 : 0;
}

/* store_case_new.then of a booking. */
static int
visit_book_then(struct db_tx *tx, int64_t id, const char *no,
    const char *now, void *arg, char **cause)
{
	struct visit_tx *vt = arg;

	vt->request_id = id;
	vt->no = no;
	vt->now = now;
	return visit_insert(tx, vt, cause);
}

/* "+86 138-0013-8000" is not kept: digits and a leading + only. */
static int
visit_phone_ok(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	if (*s == '+')
		s++;
	n = strspn(s, "0123456789");
	return s[n] == '\0' && n >= 5 && n <= 20;
}

int
store_visit_book(struct db_source *src, const struct conf *conf,
    const struct store_visit_policy *pol, const struct store_visit_new *v,
    char no[CASE_NO_LEN + 1], int *full, char **cause)
{
	struct visit_tx vt;
	struct store_case_new c;
	char summary[120];
	int rc;

	*full = 0;
	if (!visit_phone_ok(v->phone))
		return kf_error(cause, "visits: '%.24s' is not a phone number "
		    "to confirm to", v->phone ? v->phone : "");
	if (store_visit_weekday(v->date) == -1)
		return kf_error(cause, "visits: '%.12s' is not a date "
		    "YYYY-MM-DD", v->date ? v->date : "");
	memset(&vt, 0, sizeof vt);
	vt.pol = pol;
	vt.date = v->date;
	vt.slot = v->slot;
	vt.phone = v->phone;
	vt.purchase = v->purchase != NULL && *v->purchase != '\0' ?
	    v->purchase : NULL;
	vt.staff_no = v->staff_no;
	vt.call_ref = v->call_ref;
	memset(&c, 0, sizeof c);
	c.kind = "after_sales";
	c.caller_id = v->caller_id;
	c.member_no = v->member_no;
	c.call_ref = v->call_ref;
	c.callback_phone = v->phone;
	c.staff_no = v->staff_no;
	c.now = v->now;
	snprintf(summary, sizeof summary, "上门服务预约 %s %s，短信确认至 "
	    "%s%s%s", v->date, v->slot ? v->slot : "", v->phone,
	    vt.purchase ? "，购物单号 " : "", vt.purchase ? vt.purchase : "");
	c.summary = summary;
	c.then = visit_book_then;
	c.then_arg = &vt;
	pthread_mutex_lock(&visit_mtx);
	rc = store_case_create(src, conf, &c, no, cause);
	pthread_mutex_unlock(&visit_mtx);
	*full = vt.full;
	if (rc == 0)
		log_info("visits: case %s: home visit %s %s booked, SMS to %s",
		    no, v->date, v->slot, v->phone);
	return rc;
}

/* store_case_new.then of a call-back request. */
static int
visit_callback_then(struct db_tx *tx, int64_t id, const char *no,
    const char *now, void *arg, char **cause)
{
	const struct store_visit_new *v = arg;
	struct db_param p[3] = { { .type = DBV_TIMESTAMP, .s = now },
	    { .type = DBV_INT, .i = id } };
	char detail[120];

	(void)no;
	snprintf(detail, sizeof detail, "remote help: call back %s%s%s",
	    v->phone, v->purchase ? ", purchase " : "",
	    v->purchase ? v->purchase : "");
	return visit_run(NULL, tx, "UPDATE requests SET callback_at = ?, "
	    "callback_done = 0 WHERE id = ?", p, 2, NULL, 0, NULL,
	    cause) == -1 || store_case_event(tx, id, "callback", now, NULL,
	    detail, 0, cause) == -1 ? -1 : 0;
}

int
store_visit_callback(struct db_source *src, const struct conf *conf,
    const struct store_visit_new *v, char no[CASE_NO_LEN + 1],
    char **cause)
{
	struct store_case_new c;
	struct store_visit_new w = *v;
	char summary[120];

	if (!visit_phone_ok(v->phone))
		return kf_error(cause, "visits: '%.24s' is not a phone number "
		    "to call back", v->phone ? v->phone : "");
	if (w.purchase != NULL && *w.purchase == '\0')
		w.purchase = NULL;
	memset(&c, 0, sizeof c);
	c.kind = "after_sales";
	c.caller_id = v->caller_id;
	c.member_no = v->member_no;
	c.call_ref = v->call_ref;
	c.callback_phone = v->phone;
	c.staff_no = v->staff_no;
	c.now = v->now;
	snprintf(summary, sizeof summary, "远程协助：请回电 %s%s%s", v->phone,
	    w.purchase ? "，购物单号 " : "", w.purchase ? w.purchase : "");
	c.summary = summary;
	c.then = visit_callback_then;
	c.then_arg = &w;
	if (store_case_create(src, conf, &c, no, cause) == -1)
		return -1;
	log_info("visits: case %s: remote help, call back %s", no, v->phone);
	return 0;
}

/* The booked visit of case no (checked against ch->phone) into vt. */
static int
visit_booked(struct db_tx *tx, const char *no,
    const struct store_visit_change *ch, struct visit_tx *vt,
    char **date, char **slot, char **phone, char **purchase, char **cause)
{
	static const enum db_vtype t[] = { DBV_INT, DBV_INT, DBV_DATE,
	    DBV_TEXT, DBV_TEXT, DBV_TEXT };
	struct db_param p = { .type = DBV_TEXT, .s = no };
	struct db_result *res;
	int rc = -1;

	if (visit_run(NULL, tx, "SELECT v.id, v.request_id, v.visit_date, "
	    "v.slot, v.phone, v.purchase" VISIT_FROM "WHERE "
	    "r.ticket_no = ? AND v.status = 'booked'", &p, 1, t, nitems(t),
	    &res, cause) == -1)
		return -1;
	if (res->nrows == 0 || (ch->phone != NULL &&
	    strcmp(DB_CELL(res, 0, 4)->s, ch->phone) != 0))
		kf_error(cause, "visits: case %.12s has no home visit booked%s",
		    no, ch->phone != NULL ? " for that number" : "");
	else if (strncmp(DB_CELL(res, 0, 2)->s, vt->now, 10) < 0)
		kf_error(cause, "visits: the visit of case %.12s was on %s: "
		    "it cannot change now", no, DB_CELL(res, 0, 2)->s);
	else {
		vt->old_id = DB_CELL(res, 0, 0)->i;
		vt->request_id = DB_CELL(res, 0, 1)->i;
		*date = xstrdup(DB_CELL(res, 0, 2)->s);
		*slot = xstrdup(DB_CELL(res, 0, 3)->s);
		*phone = xstrdup(DB_CELL(res, 0, 4)->s);
		*purchase = visit_cell(res, 0, 5);
		rc = 0;
	}
	db_result_free(res);
	return rc;
}

/* What a change's transaction needs. */
struct visit_change {
	struct visit_tx vt;
	const struct store_visit_change *ch;
	const char *to_date, *to_slot;  /* NULL: cancel */
	char *cause;
};

/* The old row cancelled or moved, a step noted, the SMS queued. */
static int
visit_change_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct visit_change *vc = arg;
	struct visit_tx *vt = &vc->vt;
	char *date = NULL, *slot = NULL, *phone = NULL, *purchase = NULL;
	char detail[120];
	struct db_param u[4] = { { .type = DBV_TEXT },
	    { .type = DBV_TIMESTAMP, .s = vt->now },
	    { .type = DBV_TEXT, .s = vc->ch->staff_no,
	      .null = vc->ch->staff_no == NULL }, { .type = DBV_INT } };
	struct db_param a[2] = { { .type = DBV_TIMESTAMP, .s = vt->now },
	    { .type = DBV_INT } };
	int64_t oid;
	int rc = -1;

	free(vc->cause);
	vc->cause = NULL;
	vt->full = 0;
	if (visit_booked(tx, vt->no, vc->ch, vt, &date, &slot, &phone,
	    &purchase, &vc->cause) == -1)
		goto out;
	u[0].s = vc->to_date != NULL ? "moved" : "cancelled";
	u[3].i = vt->old_id;
	if (visit_run(NULL, tx, "UPDATE visits SET status = ?, changed_at = "
	    "?, changed_by = ? WHERE id = ?", u, 4, NULL, 0, NULL,
	    &vc->cause) == -1)
		goto out;
	vt->phone = phone;
	vt->purchase = purchase;
	if (vc->to_date == NULL) {
		vt->date = date;
		vt->slot = slot;
		a[1].i = vt->request_id;
		snprintf(detail, sizeof detail, "home visit %s %s cancelled%s",
		    date, slot, vc->ch->staff_no ? "" : " by phone");
		if (visit_sms(tx, vt, vt->old_id, 1, &oid, &vc->cause) == -1 ||
		    store_case_event(tx, vt->request_id, "note", vt->now,
		    vc->ch->staff_no, detail, 0, &vc->cause) == -1 ||
		    visit_run(NULL, tx, "UPDATE requests SET appointment_at = "
		    "NULL, appointment_confirmed = 0, updated_at = ? WHERE "
		    "id = ?", a, 2, NULL, 0, NULL, &vc->cause) == -1)
			goto out;
	} else {
		vt->date = vc->to_date;
		vt->slot = vc->to_slot;
		if (visit_insert(tx, vt, &vc->cause) == -1)
			goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		snprintf(err->msg, sizeof err->msg, "%s", vc->cause ?
		    vc->cause : "visits: failed");
	free(date);
	free(slot);
	free(phone);
	free(purchase);
	return rc;
}

static int
visit_change(struct db_source *src, const struct store_visit_policy *pol,
    const char *no, const char *date, const char *slot,
    const struct store_visit_change *ch, int *full, char **cause)
{
	struct visit_change vc;
	struct db_err err;
	char nowbuf[20];
	int rc;

	memset(&vc, 0, sizeof vc);
	vc.vt.pol = pol;
	vc.vt.no = no;
	vc.vt.now = visit_now(ch->now, nowbuf);
	vc.vt.staff_no = ch->staff_no;
	vc.vt.call_ref = ch->call_ref;
	vc.ch = ch;
	vc.to_date = date;
	vc.to_slot = slot;
	if (!store_case_no_valid(no))
		return kf_error(cause, "visits: '%.20s' is not a case number",
		    no);
	pthread_mutex_lock(&visit_mtx);
	rc = db_tx(src, visit_change_tx, &vc, &err);
	pthread_mutex_unlock(&visit_mtx);
	if (full != NULL)
		*full = vc.vt.full;
	if (rc == -1) {
		kf_error(cause, "%s", vc.cause ? vc.cause : err.msg);
		free(vc.cause);
		return -1;
	}
	free(vc.cause);
	log_info("visits: case %s: home visit %s%s%s%s", no,
	    date ? "moved to " : "cancelled", date ? date : "",
	    date ? " " : "", date ? slot : "");
	return 0;
}

int
store_visit_cancel(struct db_source *src,
    const struct store_visit_policy *pol, const char *no,
    const struct store_visit_change *ch, char **cause)
{
	return visit_change(src, pol, no, NULL, NULL, ch, NULL, cause);
}

int
store_visit_move(struct db_source *src,
    const struct store_visit_policy *pol, const char *no, const char *date,
    const char *slot, const struct store_visit_change *ch, int *full,
    char **cause)
{
	*full = 0;
	if (date == NULL || store_visit_weekday(date) == -1)
		return kf_error(cause, "visits: '%.12s' is not a date "
		    "YYYY-MM-DD", date ? date : "");
	return visit_change(src, pol, no, date, slot, ch, full, cause);
}

/* ---- reading ---- */

static int
visit_select(struct db_source *src, const char *sql,
    const struct db_param *p, size_t np, struct store_visit **out,
    size_t *n, char **cause)
{
	static const enum db_vtype t[] = { DBV_INT, DBV_TEXT, DBV_DATE,
	    DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TIMESTAMP, DBV_TEXT,
	    DBV_TIMESTAMP, DBV_TEXT, DBV_TEXT, DBV_INT, DBV_TEXT };
	struct db_result *res;
	struct store_visit *v;
	size_t i;

	*out = NULL;
	*n = 0;
	if (visit_run(src, NULL, sql, p, np, t, nitems(t), &res, cause) == -1)
		return -1;
	*out = xcalloc(res->nrows ? res->nrows : 1, sizeof **out);
	for (i = 0; i < res->nrows; i++) {
		v = &(*out)[i];
		v->id = DB_CELL(res, i, 0)->i;
		v->case_no = visit_cell(res, i, 1);
		v->date = visit_cell(res, i, 2);
		v->slot = visit_cell(res, i, 3);
		v->phone = visit_cell(res, i, 4);
		v->purchase = visit_cell(res, i, 5);
		v->status = visit_cell(res, i, 6);
		v->booked_at = visit_cell(res, i, 7);
		v->booked_by = visit_cell(res, i, 8);
		v->changed_at = visit_cell(res, i, 9);
		v->changed_by = visit_cell(res, i, 10);
		v->call_ref = visit_cell(res, i, 11);
		v->outbox_id = DB_CELL(res, i, 12)->null ? 0 :
		    DB_CELL(res, i, 12)->i;
		v->note = visit_cell(res, i, 13);
	}
	*n = res->nrows;
	db_result_free(res);
	return 0;
}

void
store_visits_free(struct store_visit *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].case_no);
		free(v[i].date);
		free(v[i].slot);
		free(v[i].phone);
		free(v[i].purchase);
		free(v[i].status);
		free(v[i].booked_at);
		free(v[i].booked_by);
		free(v[i].changed_at);
		free(v[i].changed_by);
		free(v[i].call_ref);
		free(v[i].note);
	}
	free(v);
}

int
store_visit_get(struct db_source *src, const char *no, const char *phone,
    struct store_visit **out, char **cause)
{
	struct db_param p = { .type = DBV_TEXT, .s = no };
	size_t n;

	*out = NULL;
	if (visit_select(src, "SELECT " VISIT_COLS VISIT_FROM "WHERE "
	    "r.ticket_no = ? AND v.status = 'booked'", &p, 1, out, &n,
	    cause) == -1)
		return -1;
	if (n == 0 || (phone != NULL && strcmp((*out)->phone, phone) != 0)) {
		store_visits_free(*out, n);
		*out = NULL;
	}
	return 0;
}

int
store_visit_last(struct db_source *src, const char *no,
    struct store_visit **out, char **cause)
{
	struct db_param p = { .type = DBV_TEXT, .s = no };
	struct store_visit *last;
	size_t n;

	*out = NULL;
	if (visit_select(src, "SELECT " VISIT_COLS VISIT_FROM "WHERE "
	    "r.ticket_no = ? ORDER BY v.id", &p, 1, out, &n, cause) == -1)
		return -1;
	if (n == 0) {
		store_visits_free(*out, n);
		*out = NULL;
		return 0;
	}
	/* the last row is the case's visit; the ones before it moved */
	last = xcalloc(1, sizeof *last);
	*last = (*out)[n - 1];
	memset(&(*out)[n - 1], 0, sizeof **out);
	store_visits_free(*out, n);
	*out = last;
	return 0;
}

/* What marking a visit done needs in its transaction. */
struct visit_done {
	const char *no, *note, *now;
	const struct store_visit_change *ch;
	char *cause;
};

/*
 * The case's last visit row, locked for the change: its id, request,
 * day, slot and status into the strings (caller frees); -1 with *cause
 * when the case has none.
 */
static int
visit_done_row(struct db_tx *tx, struct visit_done *vd, int64_t id[2],
    char **date, char **slot, char **status)
{
	static const enum db_vtype t[] = { DBV_INT, DBV_INT, DBV_DATE,
	    DBV_TEXT, DBV_TEXT };
	struct db_param p = { .type = DBV_TEXT, .s = vd->no };
	struct db_result *res;
	size_t last;

	if (visit_run(NULL, tx, "SELECT v.id, v.request_id, v.visit_date, "
	    "v.slot, v.status" VISIT_FROM "WHERE r.ticket_no = ? ORDER BY "
	    "v.id", &p, 1, t, nitems(t), &res, &vd->cause) == -1)
		return -1;
	if (res->nrows == 0) {
		db_result_free(res);
		return kf_error(&vd->cause, "visits: case %.12s has no home "
		    "visit", vd->no);
	}
	last = res->nrows - 1;
	id[0] = DB_CELL(res, last, 0)->i;
	id[1] = DB_CELL(res, last, 1)->i;
	*date = xstrdup(DB_CELL(res, last, 2)->s);
	*slot = xstrdup(DB_CELL(res, last, 3)->s);
	*status = xstrdup(DB_CELL(res, last, 4)->s);
	db_result_free(res);
	return 0;
}

/* Why a visit in status on date cannot be done now, or NULL. */
static char *
visit_done_refused(const struct visit_done *vd, const char *date,
    const char *status)
{
	if (strcmp(status, "cancelled") == 0)
		return xasprintf("visits: the home visit of case %.12s was "
		    "cancelled: it cannot be done", vd->no);
	if (strcmp(status, "done") == 0)
		return xasprintf("visits: the home visit of case %.12s is "
		    "already done", vd->no);
	if (strcmp(status, "booked") != 0)
		return xasprintf("visits: the home visit of case %.12s is "
		    "%s", vd->no, status);
	if (strncmp(date, vd->now, 10) > 0)
		return xasprintf("visits: the home visit of case %.12s is on "
		    "%s: it cannot be done before that day", vd->no, date);
	return NULL;
}

static int
visit_done_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct visit_done *vd = arg;
	char *date = NULL, *slot = NULL, *status = NULL, *detail = NULL;
	int64_t id[2] = { 0, 0 };
	int rc = -1;
	struct db_param u[4] = { { .type = DBV_TIMESTAMP, .s = vd->now },
	    { .type = DBV_TEXT, .s = vd->ch->staff_no },
	    { .type = DBV_TEXT, .s = vd->note, .null = vd->note == NULL },
	    { .type = DBV_INT } };

	free(vd->cause);
	vd->cause = NULL;
	if (visit_done_row(tx, vd, id, &date, &slot, &status) == -1)
		goto out;
	if ((vd->cause = visit_done_refused(vd, date, status)) != NULL)
		goto out;
	u[3].i = id[0];
	detail = xasprintf("home visit %s %s done%s%.400s", date,
	    slot, vd->note ? ": " : "", vd->note ? vd->note : "");
	if (visit_run(NULL, tx, "UPDATE visits SET status = 'done', "
	    "changed_at = ?, changed_by = ?, note = ? WHERE id = ? AND "
	    "status = 'booked'", u, 4, NULL, 0, NULL, &vd->cause) == -1 ||
	    store_case_event(tx, id[1], "note", vd->now, vd->ch->staff_no,
	    detail, 0, &vd->cause) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		snprintf(err->msg, sizeof err->msg, "%s", vd->cause ?
		    vd->cause : "visits: failed");
	free(date);
	free(slot);
	free(status);
	free(detail);
	return rc;
}

int
store_visit_done(struct db_source *src, const char *no, const char *note,
    const struct store_visit_change *ch, char **cause)
{
	struct visit_done vd = { .no = no, .note = note, .ch = ch };
	struct db_err err;
	char nowbuf[20];
	int rc;

	if (!store_case_no_valid(no))
		return kf_error(cause, "visits: '%.20s' is not a case number",
		    no);
	if (ch->staff_no == NULL)
		return kf_error(cause, "visits: a visit is marked done by a "
		    "member of staff (a staff number)");
	if (note != NULL && strlen(note) > 400)
		return kf_error(cause, "visits: the note is %zu bytes, more "
		    "than 400", strlen(note));
	vd.now = visit_now(ch->now, nowbuf);
	pthread_mutex_lock(&visit_mtx);
	rc = db_tx(src, visit_done_tx, &vd, &err);
	pthread_mutex_unlock(&visit_mtx);
	if (rc == -1) {
		kf_error(cause, "%s", vd.cause ? vd.cause : err.msg);
		free(vd.cause);
		return -1;
	}
	free(vd.cause);
	log_info("visits: case %s: home visit done (staff %s)", no,
	    ch->staff_no);
	return 0;
}

int
store_visit_list(struct db_source *src, const char *date, int all,
    struct store_visit **out, size_t *n, char **cause)
{
	struct db_param p = { .type = DBV_DATE, .s = date };
	char today[20], *sql;
	int rc;

	if (date == NULL) {
		visit_now(NULL, today);
		today[10] = '\0';
		p.s = today;
	}
	sql = xasprintf("SELECT " VISIT_COLS VISIT_FROM "WHERE v.visit_date "
	    "%s ?%s ORDER BY v.visit_date, v.slot, v.id", date ? "=" : ">=",
	    all ? "" : " AND v.status = 'booked'");
	rc = visit_select(src, sql, &p, 1, out, n, cause);
	free(sql);
	return rc;
}

/* ---- the purchase ---- */

void
store_visit_purchase_clear(struct store_visit_purchase *p)
{
	free(p->order_no);
	free(p->phone);
	free(p->member_no);
	memset(p, 0, sizeof *p);
}

int
store_visit_purchase(struct db_source *src, const char *no,
    struct store_visit_purchase *p, int *found, char **cause)
{
	static const enum db_vtype t[] = { DBV_TEXT, DBV_TEXT, DBV_TEXT };
	struct db_param q[2] = { { .type = DBV_TEXT, .s = no },
	    { .type = DBV_TEXT, .s = no } };
	struct db_result *res;

	memset(p, 0, sizeof *p);
	*found = 0;
	if (visit_run(src, NULL, "SELECT o.order_no, COALESCE(o.phone, "
	    "m.mobile, m.phone), m.customer_no FROM orders o JOIN members m "
	    "ON m.id = o.member_id LEFT JOIN delivery_slips s ON s.order_id "
	    "= o.id WHERE o.order_no = ? OR s.slip_no = ?", q, 2, t,
	    nitems(t), &res, cause) == -1)
		return -1;
	if (res->nrows > 0) {
		*found = 1;
		p->order_no = visit_cell(res, 0, 0);
		p->phone = visit_cell(res, 0, 1);
		p->member_no = visit_cell(res, 0, 2);
	}
	db_result_free(res);
	return 0;
}
