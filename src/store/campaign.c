/*
 * campaign.c: campaigns of the local store -- a named message (a text or
 * HTML template, or today's specials) for a segment of the members who
 * subscribed to a channel, its state (draft -> sending <-> paused -> done
 * | cancelled), its budget, its recipients by condition, and what its
 * outbox messages became.  The messages themselves are outbox rows with
 * campaign_id set (outbox.c); this file only selects and counts them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

#define CAMPAIGN_COLS "id, name, channel, source, subject, body, " \
	"body_html, segment, budget, status, created_at, started_at, " \
	"kind, scheduled_at"

const char *const store_campaign_states[] = {
	"draft", "scheduled", "sending", "paused", "done", "cancelled", NULL
};

static int
campaign_write(struct db_source *src, const char *sql,
    const struct db_param *p, size_t np, int64_t *changed, char **cause)
{
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .writes = 1 };
	struct db_result *res;
	struct db_err err;

	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "campaign: %s", err.msg);
	if (changed != NULL)
		*changed = res->affected;
	db_result_free(res);
	return 0;
}

static char *
campaign_cell(struct db_result *r, size_t row, size_t col)
{
	struct db_value *v = DB_CELL(r, row, col);

	return v->null ? NULL : xstrdup(v->s);
}

void
store_campaign_free(struct store_campaign *c)
{
	if (c == NULL)
		return;
	free((char *)c->name);
	free((char *)c->channel);
	free((char *)c->source);
	free((char *)c->subject);
	free((char *)c->body);
	free((char *)c->body_html);
	free((char *)c->segment);
	free((char *)c->status);
	free((char *)c->created_at);
	free((char *)c->started_at);
	free((char *)c->kind);
	free((char *)c->scheduled_at);
	free(c);
}

int
store_campaign_new(struct db_source *src, const struct store_campaign *c,
    const char *now, int64_t *id, char **cause)
{
	struct db_param p[12] = {
		{ .type = DBV_TEXT, .s = c->kind ? c->kind : "segment" },
		{ .type = DBV_TEXT, .s = c->name },
		{ .type = DBV_TEXT, .s = c->channel },
		{ .type = DBV_TEXT, .s = c->source },
		{ .type = DBV_TEXT, .s = c->subject,
		  .null = c->subject == NULL },
		{ .type = DBV_TEXT, .s = c->body },
		{ .type = DBV_TEXT, .s = c->body_html,
		  .null = c->body_html == NULL },
		{ .type = DBV_TEXT, .s = c->segment,
		  .null = c->segment == NULL },
		{ .type = DBV_INT, .i = c->budget, .null = c->budget < 0 },
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_TEXT, .s = c->scheduled_at ? "scheduled" :
		  "draft" },
		{ .type = DBV_TIMESTAMP, .s = c->scheduled_at,
		  .null = c->scheduled_at == NULL },
	};
	struct store_campaign *got;
	char *err = NULL;

	*id = 0;
	if (campaign_write(src, "INSERT INTO campaigns (kind, name, channel, "
	    "source, subject, body, body_html, segment, budget, created_at, "
	    "status, scheduled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    p, nitems(p),
	    NULL, &err) == -1) {
		if (store_campaign_get(src, c->name, &got, NULL) == 0) {
			store_campaign_free(got);
			free(err);
			return kf_error(cause, "campaign: there is already a "
			    "campaign called '%s'", c->name);
		}
		if (cause != NULL)
			*cause = err;
		else
			free(err);
		return -1;
	}
	if (store_campaign_get(src, c->name, &got, cause) == -1)
		return -1;
	*id = got->id;
	store_campaign_free(got);
	return 0;
}

int
store_campaign_get(struct db_source *src, const char *name_or_id,
    struct store_campaign **out, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	    DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_INT,
	    DBV_TEXT, DBV_TIMESTAMP, DBV_TIMESTAMP, DBV_TEXT, DBV_TIMESTAMP };
	long long num = 0;
	const char *errstr;
	int isnum = str_tonum(name_or_id, 1, INT64_MAX, &num, &errstr) == 0;
	struct db_param p = isnum ? (struct db_param){ .type = DBV_INT,
	    .i = num } : (struct db_param){ .type = DBV_TEXT, .s = name_or_id };
	struct db_query q = { .sql = isnum ? "SELECT " CAMPAIGN_COLS " FROM "
	    "campaigns WHERE id = ?" : "SELECT " CAMPAIGN_COLS " FROM "
	    "campaigns WHERE name = ?", .params = &p, .nparams = 1,
	    .coltypes = vt, .ncoltypes = nitems(vt) };
	struct store_campaign *c;
	struct db_result *res;
	struct db_err err;

	*out = NULL;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "campaign: %s", err.msg);
	if (res->nrows == 0) {
		db_result_free(res);
		return kf_error(cause, "campaign: no campaign '%s' (see kefu "
		    "campaign report)", name_or_id);
	}
	c = xcalloc(1, sizeof *c);
	c->id = DB_CELL(res, 0, 0)->i;
	c->name = campaign_cell(res, 0, 1);
	c->channel = campaign_cell(res, 0, 2);
	c->source = campaign_cell(res, 0, 3);
	c->subject = campaign_cell(res, 0, 4);
	c->body = campaign_cell(res, 0, 5);
	c->body_html = campaign_cell(res, 0, 6);
	c->segment = campaign_cell(res, 0, 7);
	c->budget = DB_CELL(res, 0, 8)->null ? -1 : DB_CELL(res, 0, 8)->i;
	c->status = campaign_cell(res, 0, 9);
	c->created_at = campaign_cell(res, 0, 10);
	c->started_at = campaign_cell(res, 0, 11);
	c->kind = campaign_cell(res, 0, 12);
	c->scheduled_at = campaign_cell(res, 0, 13);
	db_result_free(res);
	*out = c;
	return 0;
}

int
store_campaign_list(struct db_source *src, struct store_campaign **out,
    size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_TEXT };
	struct db_query q = { .sql = "SELECT id, name FROM campaigns ORDER BY "
	    "id", .coltypes = vt, .ncoltypes = nitems(vt) };
	struct db_result *res;
	struct db_err err;
	size_t i;

	*out = NULL;
	*n = 0;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "campaign: %s", err.msg);
	*out = xcalloc(res->nrows ? res->nrows : 1, sizeof **out);
	for (i = 0; i < res->nrows; i++) {
		(*out)[i].id = DB_CELL(res, i, 0)->i;
		(*out)[i].name = campaign_cell(res, i, 1);
	}
	*n = res->nrows;
	db_result_free(res);
	return 0;
}

/* The UPDATE moving a campaign to "to", and the states it moves from. */
static const char *
campaign_move_sql(const char *to)
{
	if (strcmp(to, "sending") == 0)
		return "UPDATE campaigns SET status = ?, started_at = "
		    "COALESCE(started_at, ?) WHERE id = ? AND status IN "
		    "('draft', 'scheduled', 'sending', 'paused')";
	if (strcmp(to, "scheduled") == 0)
		return "UPDATE campaigns SET status = ?, scheduled_at = ? "
		    "WHERE id = ? AND status IN ('draft', 'scheduled')";
	if (strcmp(to, "paused") == 0)
		return "UPDATE campaigns SET status = ? WHERE id = ? AND "
		    "status IN ('sending', 'paused')";
	if (strcmp(to, "draft") == 0)
		return "UPDATE campaigns SET status = ? WHERE id = ? AND "
		    "status IN ('draft', 'scheduled')";
	if (strcmp(to, "cancelled") == 0)
		return "UPDATE campaigns SET status = ? WHERE id = ? AND "
		    "status IN ('draft', 'scheduled', 'sending', 'paused', "
		    "'cancelled')";
	return NULL;
}

int
store_campaign_state(struct db_source *src, int64_t id, const char *to,
    const char *now, char **cause)
{
	struct db_param p[3] = {
		{ .type = DBV_TEXT, .s = to },
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_INT, .i = id },
	};
	const char *sql = campaign_move_sql(to);
	int timed = strcmp(to, "sending") == 0 || strcmp(to, "scheduled") == 0;
	int64_t changed;

	if (sql == NULL)
		return kf_error(cause, "campaign: cannot move to '%s'", to);
	if (!timed)
		p[1] = p[2];
	if (campaign_write(src, sql, p, timed ? 3 : 2, &changed, cause) == -1)
		return -1;
	if (changed == 0)
		return kf_error(cause, "campaign %lld cannot be %s from its "
		    "state (see kefu campaign report %lld)", (long long)id,
		    strcmp(to, "sending") == 0 ? "started" : to,
		    (long long)id);
	return 0;
}

int
store_campaign_due(struct db_source *src, const char *now, int64_t **ids,
    size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT };
	struct db_param p = { .type = DBV_TIMESTAMP, .s = now };
	struct db_query q = { .sql = "SELECT id FROM campaigns WHERE status = "
	    "'scheduled' AND scheduled_at <= ? ORDER BY scheduled_at, id",
	    .params = &p, .nparams = 1, .coltypes = vt, .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;
	size_t i;

	*ids = NULL;
	*n = 0;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "campaign: %s", err.msg);
	*ids = xcalloc(res->nrows ? res->nrows : 1, sizeof **ids);
	for (i = 0; i < res->nrows; i++)
		(*ids)[i] = DB_CELL(res, i, 0)->i;
	*n = res->nrows;
	db_result_free(res);
	return 0;
}

int
store_campaign_hold(struct db_source *src, int64_t id, const char *to,
    const char *now, int64_t *n, char **cause)
{
	struct db_param p[2] = {
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_INT, .i = id },
	};

	/*
	 * Cancelling ends what is still queued; resuming makes what a pause
	 * put off due now.  Claimed messages are checked by their worker.
	 */
	if (strcmp(to, "cancelled") == 0)
		return campaign_write(src, "UPDATE outbox SET status = "
		    "'cancelled', last_error = 'campaign cancelled' WHERE "
		    "campaign_id = ? AND status = 'queued'", p + 1, 1, n,
		    cause);
	return campaign_write(src, "UPDATE outbox SET next_attempt_at = ? "
	    "WHERE campaign_id = ? AND status = 'queued'", p, 2, n, cause);
}

int
store_campaign_spent(struct db_source *src, int64_t id, int64_t *spent,
    char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT };
	struct db_param p = { .type = DBV_INT, .i = id };
	struct db_query q = { .sql = "SELECT COALESCE(SUM(cost), 0) FROM "
	    "outbox WHERE campaign_id = ? AND status IN ('submitting', "
	    "'submitted', 'delivered', 'unknown')", .params = &p,
	    .nparams = 1, .coltypes = vt, .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;

	*spent = 0;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "campaign: %s", err.msg);
	if (res->nrows == 1)
		*spent = DB_CELL(res, 0, 0)->i;
	db_result_free(res);
	return 0;
}

int
store_campaign_counts(struct db_source *src, int64_t id,
    struct store_campaign_count **out, size_t *n, char **cause)
{
	static const enum db_vtype vt[] = { DBV_TEXT, DBV_INT, DBV_INT,
	    DBV_INT };
	struct db_param p = { .type = DBV_INT, .i = id };
	struct db_query q = { .sql = "SELECT status, COUNT(*), SUM(parts), "
	    "SUM(cost) FROM outbox WHERE campaign_id = ? GROUP BY status "
	    "ORDER BY status", .params = &p, .nparams = 1, .coltypes = vt,
	    .ncoltypes = nitems(vt) };
	struct db_result *res;
	struct db_err err;
	size_t i;

	*out = NULL;
	*n = 0;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "campaign: %s", err.msg);
	*out = xcalloc(res->nrows ? res->nrows : 1, sizeof **out);
	for (i = 0; i < res->nrows; i++) {
		snprintf((*out)[i].status, sizeof (*out)[i].status, "%s",
		    DB_CELL(res, i, 0)->s);
		(*out)[i].messages = DB_CELL(res, i, 1)->i;
		(*out)[i].parts = DB_CELL(res, i, 2)->i;
		(*out)[i].cost = DB_CELL(res, i, 3)->i;
	}
	*n = res->nrows;
	db_result_free(res);
	return 0;
}

/* ---- segments ---- */

/* One condition of a segment: the SQL it adds, with one parameter. */
static int
campaign_cond(const char *key, const char *val, struct strbuf *where,
    struct db_param *p, char **cause)
{
	const char *errstr;
	long long v;

	if (strcmp(key, "language") == 0) {
		if (strcmp(val, "zh-CN") != 0 && strcmp(val, "yue") != 0)
			return kf_error(cause, "segment: language=%s: expected "
			    "zh-CN or yue", val);
		sb_adds(where, " AND m.language = ?");
		*p = (struct db_param){ .type = DBV_TEXT, .s = val };
	} else if (strcmp(key, "since") == 0 || strcmp(key, "before") == 0) {
		if (strlen(val) != 10 || val[4] != '-' || val[7] != '-')
			return kf_error(cause, "segment: %s=%s: expected a "
			    "date YYYY-MM-DD", key, val);
		sb_adds(where, strcmp(key, "since") == 0 ?
		    " AND m.registered_at >= ?" : " AND m.registered_at < ?");
		*p = (struct db_param){ .type = DBV_DATE, .s = val };
	} else if (strcmp(key, "via") == 0) {
		if (strcmp(val, "paper") != 0 && strcmp(val, "phone") != 0)
			return kf_error(cause, "segment: via=%s: expected "
			    "paper or phone", val);
		sb_adds(where, " AND m.registered_via = ?");
		*p = (struct db_param){ .type = DBV_TEXT, .s = val };
	} else if (strcmp(key, "member") == 0) {
		if (str_tonum(val, 1, INT64_MAX, &v, &errstr) == -1)
			return kf_error(cause, "segment: member=%s: %s", val,
			    errstr);
		sb_adds(where, " AND m.id = ?");
		*p = (struct db_param){ .type = DBV_INT, .i = v };
	} else
		return kf_error(cause, "segment: unknown condition '%s' "
		    "(known: language, since, before, via, member, birthday, "
		    "mapping)", key);
	return 0;
}

/*
 * birthday=MM-DD or birthday=YYYY-MM-DD (a day of that year): "MM-DD" in
 * out and the year, 0 when not given; -1 with *cause.
 */
static int
campaign_mmdd(const char *val, char out[6], int *year, char **cause)
{
	int yy = 0, mm = 0, dd = 0, ok;

	if (strlen(val) == 5)
		ok = val[2] == '-' && sscanf(val, "%2d-%2d", &mm, &dd) == 2;
	else
		ok = strlen(val) == 10 && val[4] == '-' && val[7] == '-' &&
		    sscanf(val, "%4d-%2d-%2d", &yy, &mm, &dd) == 3;
	if (!ok || mm < 1 || mm > 12 || dd < 1 || dd > 31)
		return kf_error(cause, "segment: birthday=%s: expected a day "
		    "of the year MM-DD (or a date YYYY-MM-DD)", val);
	snprintf(out, 6, "%02d-%02d", mm, dd);
	*year = yy;
	return 0;
}

/*
 * Whether a member born on date ("YYYY-MM-DD") has a birthday on mmdd;
 * those born on 29 February have theirs on the 28th in other years
 * (year: the year of mmdd, 0 when not known).
 */
static int
campaign_born(const char *date, const char *mmdd, int year)
{
	int leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);

	if (date == NULL || strlen(date) < 10)
		return 0;
	if (strcmp(date + 5, mmdd) == 0)
		return 1;
	return year != 0 && !leap && strcmp(mmdd, "02-28") == 0 &&
	    strcmp(date + 5, "02-29") == 0;
}

int
store_segment_check(const char *segment, char **cause)
{
	struct store_recipient *r;
	size_t n;

	/* Parsing without a database: the same code, no rows. */
	if (store_campaign_recipients(NULL, "sms", segment, &r, &n, cause) ==
	    -1)
		return -1;
	store_recipients_free(r, n);
	return 0;
}

void
store_recipients_free(struct store_recipient *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].customer_no);
		free(r[i].name);
		free(r[i].address);
		free(r[i].language);
		free(r[i].mobile);
		free(r[i].phone);
		free(r[i].points);
	}
	free(r);
}

/* One KEY=VALUE item of a segment into where/p, or birthday= into bd. */
static int
campaign_item(char *item, struct strbuf *where, struct db_param *p,
    size_t *np, size_t max, char mmdd[6], int *year, char **cause)
{
	char *eq;

	if ((eq = strchr(item, '=')) == NULL || *np == max)
		return kf_error(cause, "segment: '%s' is not KEY=VALUE (or too "
		    "many conditions)", item);
	*eq = '\0';
	item = str_trim(item);
	if (strcmp(item, "birthday") == 0)
		return campaign_mmdd(str_trim(eq + 1), mmdd, year, cause);
	if (strcmp(item, "mapping") == 0)
		return *str_trim(eq + 1) == '\0' ? kf_error(cause, "segment: "
		    "mapping= needs the name of a mapping") : 0;
	return campaign_cond(item, str_trim(eq + 1), where, &p[(*np)++],
	    cause);
}

/* The rows of res kept: all, or those born on mmdd. */
static void
campaign_rows(struct db_result *res, const char *mmdd, int year,
    struct store_recipient **out, size_t *n)
{
	struct db_value *bd;
	size_t i, k = 0;

	*out = xcalloc(res->nrows ? res->nrows : 1, sizeof **out);
	for (i = 0; i < res->nrows; i++) {
		bd = DB_CELL(res, i, 5);
		if (mmdd[0] != '\0' && (bd->null ||
		    !campaign_born(bd->s, mmdd, year)))
			continue;
		(*out)[k].member_id = DB_CELL(res, i, 0)->i;
		(*out)[k].customer_no = campaign_cell(res, i, 1);
		(*out)[k].name = campaign_cell(res, i, 2);
		(*out)[k].address = campaign_cell(res, i, 3);
		(*out)[k].language = campaign_cell(res, i, 4);
		(*out)[k].mobile = campaign_cell(res, i, 6);
		(*out)[k].phone = campaign_cell(res, i, 7);
		k++;
	}
	*n = k;
}

int
store_campaign_recipients(struct db_source *src, const char *channel,
    const char *segment, struct store_recipient **out, size_t *n,
    char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	    DBV_TEXT, DBV_TEXT, DBV_DATE, DBV_TEXT, DBV_TEXT };
	const char *col = strcmp(channel, "email") == 0 ? "email" : "mobile";
	struct db_param p[17];
	struct strbuf where = STRBUF_INIT;
	struct db_query q = { .params = p, .coltypes = vt,
	    .ncoltypes = nitems(vt) };
	struct db_result *res = NULL;
	struct db_err err;
	char *copy, *item, *next, *sql, mmdd[6] = "";
	size_t np = 0;
	int rc = 0, year = 0;

	*out = NULL;
	*n = 0;
	p[np++] = (struct db_param){ .type = DBV_TEXT, .s = channel };
	copy = xstrdup(segment ? segment : "");
	for (item = copy; item != NULL && rc == 0; item = next) {
		if ((next = strpbrk(item, ",;")) != NULL)
			*next++ = '\0';
		item = str_trim(item);
		if (*item != '\0')
			rc = campaign_item(item, &where, p, &np, nitems(p),
			    mmdd, &year, cause);
	}
	if (rc == -1 || src == NULL) {
		free(copy);
		sb_free(&where);
		return rc;
	}
	sql = xasprintf("SELECT m.id, m.customer_no, m.name, m.%s, m.language, "
	    "m.birthday, m.mobile, m.phone FROM members m JOIN member_services "
	    "s ON s.member_id = m.id AND s.service = ? AND s.enabled = 1 "
	    "WHERE m.status = 'active' AND m.%s IS NOT NULL AND m.%s <> ''%s%s "
	    "ORDER BY m.id",
	    col, col, col, mmdd[0] ? " AND m.birthday IS NOT NULL" : "",
	    sb_str(&where));
	q.sql = sql;
	q.nparams = np;
	if (db_run(src, &q, &res, &err) == -1)
		rc = kf_error(cause, "campaign: %s", err.msg);
	free(sql);
	free(copy);
	sb_free(&where);
	if (rc == -1)
		return -1;
	campaign_rows(res, mmdd, year, out, n);
	db_result_free(res);
	return 0;
}
