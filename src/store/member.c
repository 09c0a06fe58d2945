/*
 * member.c: the members of the local store -- registration on paper or
 * by phone under the supermarket's rules, details changed by the desk or
 * by phone, services subscribed and cancelled with a consent_ledger row
 * each, PINs (pin.c hashes them) with lockout and cool-down, and
 * customer numbers with a Luhn (ISO/IEC 7812-1) check digit.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

#define MEMBER_TRIES 8          /* random numbers tried before giving up */

static const struct {
	int bit;
	const char *name;
} member_services[] = {
	{ MEMBER_SVC_SMS, "sms" },
	{ MEMBER_SVC_EMAIL, "email" },
	{ MEMBER_SVC_ORDER, "phone_order" },
};

/* The columns every read selects, in struct store_member order. */
#define MEMBER_COLS "id, customer_no, name, phone, mobile, address, email, " \
	"birthday, language, registered_via, registered_at, updated_at, " \
	"status, note, CASE WHEN pin_hash IS NULL THEN 0 ELSE 1 END, " \
	"pin_failures, locked, locked_until, (SELECT COALESCE(SUM(CASE " \
	"s.service WHEN 'sms' THEN 1 WHEN 'email' THEN 2 ELSE 4 END), 0) " \
	"FROM member_services s WHERE s.member_id = members.id AND " \
	"s.enabled = 1)"
static const enum db_vtype member_types[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_DATE, DBV_TEXT, DBV_TEXT,
	DBV_TIMESTAMP, DBV_TIMESTAMP, DBV_TEXT, DBV_TEXT, DBV_INT, DBV_INT,
	DBV_INT, DBV_TIMESTAMP, DBV_INT };

char
store_member_check_digit(const char *body)
{
	size_t len, i;
	int sum = 0, d;

	if (body == NULL || (len = strlen(body)) == 0)
		return 0;
	/* From the right, every second digit starting with the last doubles. */
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)body[len - 1 - i]))
			return 0;
		d = body[len - 1 - i] - '0';
		if (i % 2 == 0 && (d *= 2) > 9)
			d -= 9;
		sum += d;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

int
store_member_no_valid(const char *no)
{
	char body[MEMBER_NO_LEN];

	if (no == NULL || strlen(no) != MEMBER_NO_LEN || no[0] == '0')
		return 0;
	memcpy(body, no, MEMBER_NO_LEN - 1);
	body[MEMBER_NO_LEN - 1] = '\0';
	return store_member_check_digit(body) == no[MEMBER_NO_LEN - 1];
}

int
store_member_pin_valid(const char *pin)
{
	size_t len, i;

	if (pin == NULL)
		return 0;
	len = strlen(pin);
	for (i = 0; i < len; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return 0;
	return len >= MEMBER_PIN_MIN && len <= MEMBER_PIN_MAX;
}

int
store_member_service_bit(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < nitems(member_services); i++)
		if (strcmp(name, member_services[i].name) == 0)
			return member_services[i].bit;
	return 0;
}

const char *
store_member_service_name(int bit)
{
	size_t i;

	for (i = 0; i < nitems(member_services); i++)
		if (member_services[i].bit == bit)
			return member_services[i].name;
	return NULL;
}

/*
 * Where a statement runs: on any pooled connection (tx NULL), or as part
 * of one transaction (member_tx).  MDB(src) is the former.
 */
struct member_db {
	struct db_source *src;
	struct db_tx *tx;
};
#define MDB(s) (&(const struct member_db){ (s), NULL })

static int
member_run(const struct member_db *md, const struct db_query *q,
    struct db_result **res, struct db_err *err)
{
	if (md->tx != NULL)
		return db_tx_run(md->tx, q, res, err);
	return db_run(md->src, q, res, err);
}

/* A transaction's body: statements through md; 0, or -1 with *cause. */
typedef int member_tx_h(const struct member_db *md, void *arg,
    char **cause);

struct member_txrun {
	struct db_source *src;
	member_tx_h *fn;
	void *arg;
	char *cause;            /* what fn said went wrong */
};

static int
member_tx_cb(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct member_txrun *r = arg;
	struct member_db md = { r->src, tx };

	if (r->fn(&md, r->arg, &r->cause) == 0)
		return 0;
	err->kind = DBE_SQL;
	snprintf(err->msg, sizeof err->msg, "%s", r->cause ? r->cause :
	    "the change failed");
	return -1;
}

/*
 * Run fn in one transaction: all its statements are committed, or none
 * (a failure part-way, or a failed commit, rolls every one back).
 */
static int
member_tx(struct db_source *src, member_tx_h *fn, void *arg, char **cause)
{
	struct member_txrun r = { src, fn, arg, NULL };
	struct db_err err;

	if (db_tx(src, member_tx_cb, &r, &err) == 0) {
		free(r.cause);
		return 0;
	}
	if (r.cause != NULL) {
		if (cause != NULL)
			*cause = r.cause;
		else
			free(r.cause);
		return -1;
	}
	return kf_error(cause, "members: %s", store_errmsg(src, &err));
}

/* Run one statement that writes; *affected (may be NULL) its row count. */
static int
member_exec(const struct member_db *md, const char *sql,
    const struct db_param *p, size_t np, int64_t *affected, char **cause)
{
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .writes = 1 };
	struct db_result *res;
	struct db_err err;

	if (member_run(md, &q, &res, &err) == -1)
		return kf_error(cause, "members: %s", store_errmsg(md->src,
		    &err));
	if (affected != NULL)
		*affected = res->affected;
	db_result_free(res);
	return 0;
}

static char *
member_cell(struct db_result *r, size_t row, size_t col)
{
	struct db_value *v = DB_CELL(r, row, col);

	return v->null ? NULL : xstrdup(v->s);
}

static void
member_fill(struct store_member *m, struct db_result *r, size_t row)
{
	const char *no = DB_CELL(r, row, 1)->s;

	memset(m, 0, sizeof *m);
	m->id = DB_CELL(r, row, 0)->i;
	snprintf(m->customer_no, sizeof m->customer_no, "%s", no ? no : "");
	m->name = member_cell(r, row, 2);
	m->phone = member_cell(r, row, 3);
	m->mobile = member_cell(r, row, 4);
	m->address = member_cell(r, row, 5);
	m->email = member_cell(r, row, 6);
	m->birthday = member_cell(r, row, 7);
	m->language = member_cell(r, row, 8);
	m->registered_via = member_cell(r, row, 9);
	m->registered_at = member_cell(r, row, 10);
	m->updated_at = member_cell(r, row, 11);
	m->status = member_cell(r, row, 12);
	m->note = member_cell(r, row, 13);
	m->has_pin = (int)DB_CELL(r, row, 14)->i;
	m->pin_failures = (int)DB_CELL(r, row, 15)->i;
	m->locked = (int)DB_CELL(r, row, 16)->i;
	m->locked_until = member_cell(r, row, 17);
	m->services = (int)DB_CELL(r, row, 18)->i;
}

static void
member_clear(struct store_member *m)
{
	free(m->name);
	free(m->phone);
	free(m->mobile);
	free(m->address);
	free(m->email);
	free(m->birthday);
	free(m->language);
	free(m->registered_via);
	free(m->registered_at);
	free(m->updated_at);
	free(m->status);
	free(m->note);
	free(m->locked_until);
}

void
store_member_free(struct store_member *m)
{
	if (m == NULL)
		return;
	member_clear(m);
	free(m);
}

void
store_members_free(struct store_member *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		member_clear(&m[i]);
	free(m);
}

/* Run a member SELECT and fill *out with every row. */
static int
member_select(const struct member_db *md, const char *sql,
    const struct db_param *p, size_t np, struct store_member **out, size_t *n,
    char **cause)
{
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .coltypes = member_types, .ncoltypes = nitems(member_types) };
	struct db_result *res;
	struct db_err err;
	size_t i;

	*out = NULL;
	*n = 0;
	if (member_run(md, &q, &res, &err) == -1)
		return kf_error(cause, "members: %s", store_errmsg(md->src,
		    &err));
	*out = xcalloc(res->nrows ? res->nrows : 1, sizeof **out);
	for (i = 0; i < res->nrows; i++)
		member_fill(&(*out)[i], res, i);
	*n = res->nrows;
	db_result_free(res);
	return 0;
}

static int
member_get(const struct member_db *md, const char *no,
    struct store_member **out, char **cause)
{
	struct db_param p = { .type = DBV_TEXT, .s = no };
	struct store_member *m;
	size_t n;

	*out = NULL;
	if (member_select(md, "SELECT " MEMBER_COLS " FROM members WHERE "
	    "customer_no = ?", &p, 1, &m, &n, cause) == -1)
		return -1;
	if (n == 0) {
		free(m);
		if (!store_member_no_valid(no))
			return kf_error(cause, "%s is not a customer number "
			    "(8 digits, the last a check digit)", no);
		return kf_error(cause, "no member %s", no);
	}
	*out = m;
	return 0;
}

int
store_member_get(struct db_source *src, const char *no,
    struct store_member **out, char **cause)
{
	return member_get(MDB(src), no, out, cause);
}

/* A LIKE pattern matching s anywhere, its specials escaped with '!'. */
static char *
member_like(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addc(&sb, '%');
	for (; *s != '\0'; s++) {
		if (*s == '%' || *s == '_' || *s == '!')
			sb_addc(&sb, '!');
		sb_addc(&sb, *s);
	}
	sb_addc(&sb, '%');
	return sb_steal(&sb);
}

/*
 * The condition of a number: mobile or phone is one of the ways the
 * number's national form may have been written (store/phone.c), so
 * that +86 13800138000, 013800138000 and 13800138000 find one member.
 * A number that is not one is compared as given.
 */
static void
member_number_where(struct strbuf *sb, struct db_param *p, size_t *np,
    const struct store_member_filter *f,
    char forms[STORE_PHONE_FORMS][STORE_PHONE_LEN])
{
	char nat[STORE_PHONE_LEN];
	size_t i, k = 0;

	if (store_phone_national(f->number, f->area, nat, sizeof nat) == 0)
		k = store_phone_forms(nat, forms, STORE_PHONE_FORMS);
	else
		snprintf(forms[k++], STORE_PHONE_LEN, "%.*s",
		    STORE_PHONE_LEN - 1, f->number);
	sb_adds(sb, " AND (mobile IN (?");
	for (i = 1; i < k; i++)
		sb_adds(sb, ", ?");
	sb_adds(sb, ") OR phone IN (?");
	for (i = 1; i < k; i++)
		sb_adds(sb, ", ?");
	sb_adds(sb, "))");
	for (i = 0; i < 2 * k; i++)
		p[(*np)++] = (struct db_param){ .type = DBV_TEXT,
		    .s = forms[i % k] };
}

int
store_member_list(struct db_source *src, const struct store_member_filter *f,
    struct store_member **out, size_t *n, char **cause)
{
	char forms[STORE_PHONE_FORMS][STORE_PHONE_LEN];
	struct strbuf sb = STRBUF_INIT;
	struct db_param p[8 + 2 * STORE_PHONE_FORMS];
	char now[20], *like = NULL;
	size_t np = 0;
	int rc;

	sb_adds(&sb, "SELECT " MEMBER_COLS " FROM members WHERE 1 = 1");
	if (f->status != NULL) {
		sb_adds(&sb, " AND status = ?");
		p[np++] = (struct db_param){ .type = DBV_TEXT, .s = f->status };
	}
	if (f->via != NULL) {
		sb_adds(&sb, " AND registered_via = ?");
		p[np++] = (struct db_param){ .type = DBV_TEXT, .s = f->via };
	}
	if (f->service != 0) {
		sb_adds(&sb, " AND EXISTS (SELECT 1 FROM member_services s "
		    "WHERE s.member_id = members.id AND s.enabled = 1 AND "
		    "s.service = ?)");
		p[np++] = (struct db_param){ .type = DBV_TEXT,
		    .s = store_member_service_name(f->service) };
	}
	if (f->name != NULL) {
		like = member_like(f->name);
		sb_adds(&sb, " AND name LIKE ? ESCAPE '!'");
		p[np++] = (struct db_param){ .type = DBV_TEXT, .s = like };
	}
	if (f->number != NULL)
		member_number_where(&sb, p, &np, f, forms);
	if (f->locked) {
		sb_adds(&sb, " AND (locked = 1 OR locked_until > ?)");
		p[np++] = (struct db_param){ .type = DBV_TIMESTAMP,
		    .s = store_stamp_now(f->now, now) };
	}
	sb_adds(&sb, " ORDER BY customer_no");
	rc = member_select(MDB(src), sb_str(&sb), p, np, out, n, cause);
	sb_free(&sb);
	free(like);
	return rc;
}

/* A phone number: 3 to 20 digits, a leading + allowed. */
static int
member_number_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (*s == '+')
		s++, len--;
	if (len < 3 || len > 20)
		return 0;
	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
member_email_ok(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    strchr(at + 1, '.') == NULL || strlen(s) > 254)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == ',' || *s == ';')
			return 0;
	return 1;
}

static int
member_date_ok(const char *s)
{
	char out[11];

	return strlen(s) == 10 && demo_date_add(s, 0, out) == 0 &&
	    strcmp(out, s) == 0;
}

/* "YYYY-MM-DD HH:MM:SS" of a real day and time. */
static int
member_time_ok(const char *s)
{
	struct tm tm;
	const char *end;
	char day[11];

	memset(&tm, 0, sizeof tm);
	if (strlen(s) != 19 || (end = strptime(s, "%Y-%m-%d %H:%M:%S",
	    &tm)) == NULL || *end != '\0')
		return 0;
	memcpy(day, s, 10);
	day[10] = '\0';
	return member_date_ok(day);
}

/* Check the fields given; by phone, the address and e-mail are refused. */
static int
member_check(const struct store_member_fields *f, int by_phone, char **cause)
{
	if (by_phone && f->address != NULL)
		return kf_error(cause, "the home address cannot be given or "
		    "changed by phone; only the service desk can");
	if (by_phone && f->email != NULL)
		return kf_error(cause, "the e-mail address cannot be given or "
		    "changed by phone; only the service desk can");
	if (f->phone != NULL && *f->phone != '\0' &&
	    !member_number_ok(f->phone))
		return kf_error(cause, "phone '%s': not a phone number (3 to "
		    "20 digits, a leading + allowed)", f->phone);
	if (f->mobile != NULL && *f->mobile != '\0' &&
	    !member_number_ok(f->mobile))
		return kf_error(cause, "mobile '%s': not a phone number (3 to "
		    "20 digits, a leading + allowed)", f->mobile);
	if (f->email != NULL && *f->email != '\0' && !member_email_ok(f->email))
		return kf_error(cause, "e-mail '%s': not an e-mail address",
		    f->email);
	if (f->birthday != NULL && *f->birthday != '\0' &&
	    !member_date_ok(f->birthday))
		return kf_error(cause, "birthday '%s': not a date (YYYY-MM-DD)",
		    f->birthday);
	if (f->language != NULL && strcmp(f->language, "zh-CN") != 0 &&
	    strcmp(f->language, "yue") != 0)
		return kf_error(cause, "language '%s': zh-CN or yue",
		    f->language);
	if (f->name != NULL && strlen(f->name) > 100)
		return kf_error(cause, "name: longer than 100 bytes");
	if (f->address != NULL && strlen(f->address) > 400)
		return kf_error(cause, "address: longer than 400 bytes");
	if (f->note != NULL && strlen(f->note) > 400)
		return kf_error(cause, "note: longer than 400 bytes");
	return 0;
}

int
store_member_check(const struct store_member_fields *f, int by_phone,
    char **cause)
{
	return member_check(f, by_phone, cause);
}

/* A text parameter: NULL for an absent or empty value. */
static struct db_param
member_text(const char *s)
{
	return (struct db_param){ .type = DBV_TEXT, .s = s,
	    .null = s == NULL || *s == '\0' };
}

static int
member_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static int
member_is(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* The address a consent is given for: mobile, e-mail or the number. */
static const char *
member_address(const struct store_member *m, int bit)
{
	if (bit == MEMBER_SVC_SMS && m->mobile != NULL)
		return m->mobile;
	if (bit == MEMBER_SVC_EMAIL && m->email != NULL)
		return m->email;
	return m->customer_no;
}

/* The services that have a row in member_services, enabled or not. */
static int
member_service_rows(const struct member_db *md, int64_t id, int *bits,
    char **cause)
{
	static const enum db_vtype types[] = { DBV_TEXT };
	struct db_param p = { .type = DBV_INT, .i = id };
	struct db_query q = { .sql = "SELECT service FROM member_services "
	    "WHERE member_id = ?", .params = &p, .nparams = 1,
	    .coltypes = types, .ncoltypes = 1 };
	struct db_result *res;
	struct db_err err;
	size_t i;

	*bits = 0;
	if (member_run(md, &q, &res, &err) == -1)
		return kf_error(cause, "members: %s", store_errmsg(md->src,
		    &err));
	for (i = 0; i < res->nrows; i++)
		*bits |= store_member_service_bit(DB_CELL(res, i, 0)->s);
	db_result_free(res);
	return 0;
}

/* Switch one service of m and write its consent_ledger row. */
static int
member_service_write(const struct member_db *md, const struct store_member *m,
    int bit, int on, const struct store_member_actor *a, const char *now,
    char **cause)
{
	const char *svc = store_member_service_name(bit);
	struct db_param sp[4] = {
		{ .type = DBV_INT, .i = on },
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_INT, .i = m->id },
		{ .type = DBV_TEXT, .s = svc },
	};
	struct db_param ip[4] = { sp[2], sp[3], sp[0], sp[1] };
	struct db_param lp[9] = {
		{ .type = DBV_INT, .i = m->id },
		{ .type = DBV_TEXT, .s = member_address(m, bit) },
		{ .type = DBV_TEXT, .s = svc },
		{ .type = DBV_TEXT, .s = on ? "subscribe" : "unsubscribe" },
		{ .type = DBV_TEXT, .s = a->via },
		{ .type = DBV_TIMESTAMP, .s = now },
		{ .type = DBV_INT, .i = a->call_id, .null = a->call_id == 0 },
		member_text(a->staff_no),
		member_text(a->call_ref),
	};
	int rows;

	if (member_service_rows(md, m->id, &rows, cause) == -1)
		return -1;
	if ((rows & bit) ? member_exec(md, "UPDATE member_services SET "
	    "enabled = ?, since = ? WHERE member_id = ? AND service = ?", sp,
	    nitems(sp), NULL, cause) == -1 : member_exec(md, "INSERT INTO "
	    "member_services (member_id, service, enabled, since) VALUES "
	    "(?, ?, ?, ?)", ip, nitems(ip), NULL, cause) == -1)
		return -1;
	if (member_exec(md, "INSERT INTO consent_ledger (member_id, address, "
	    "service, action, via, recorded_at, call_id, staff_no, call_ref) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", lp, nitems(lp), NULL,
	    cause) == -1)
		return -1;
	return 0;
}

/* The log line of a service switched (after its transaction committed). */
static void
member_service_log(const char *no, int bit, int on,
    const struct store_member_actor *a)
{
	log_info("member %s: %s %s (%s%s%s)", no,
	    store_member_service_name(bit), on ? "subscribed" : "cancelled",
	    a->via, a->staff_no ? ", staff " : "", a->staff_no ?
	    a->staff_no : "");
}

static int
member_actor_ok(const struct store_member_actor *a, char **cause)
{
	static const char *const vias[] = { "paper", "phone", "sms", "email",
	    "staff" };
	size_t i;

	for (i = 0; a->via != NULL && i < nitems(vias); i++)
		if (strcmp(a->via, vias[i]) == 0)
			return 0;
	return kf_error(cause, "a change must say how it came (paper, phone, "
	    "sms, email or staff), not '%s'", a->via ? a->via : "");
}

/* The services a new member gets, checked against the rules. */
static int
member_new_services(const struct store_member_new *m, int *out, char **cause)
{
	int phone = strcmp(m->via, "phone") == 0, s = m->services;
	const char *mobile = m->f.mobile, *email = m->f.email;

	if (s < 0 && phone)
		s = mobile != NULL && *mobile != '\0' ? MEMBER_SVC_SMS : 0;
	else if (s < 0)
		s = MEMBER_SVC_ORDER |
		    (mobile != NULL && *mobile != '\0' ? MEMBER_SVC_SMS : 0) |
		    (email != NULL && *email != '\0' ? MEMBER_SVC_EMAIL : 0);
	if (phone && (s & (MEMBER_SVC_ORDER | MEMBER_SVC_EMAIL)))
		return kf_error(cause, "a member registered by phone gets "
		    "neither phone ordering nor e-mail specials; those need "
		    "the paper form");
	if ((s & MEMBER_SVC_SMS) && (mobile == NULL || *mobile == '\0'))
		return kf_error(cause, "SMS specials need a mobile number");
	if ((s & MEMBER_SVC_EMAIL) && (email == NULL || *email == '\0'))
		return kf_error(cause,
		    "e-mail specials need an e-mail address");

	*out = s & MEMBER_SVC_ALL;
	return 0;
}

/* A fresh customer number: a random first seven digits and the check. */
static int
member_issue(char out[MEMBER_NO_LEN + 1], char **cause)
{
	unsigned char rnd[4];
	uint32_t v;

	if (RAND_bytes(rnd, sizeof rnd) != 1)
		return kf_error(cause, "no random bytes for a customer number");
	v = ((uint32_t)rnd[0] << 24 | (uint32_t)rnd[1] << 16 |
	    (uint32_t)rnd[2] << 8 | rnd[3]) % 9000000 + 1000000;
	snprintf(out, MEMBER_NO_LEN + 1, "%07u", (unsigned)v);
	out[MEMBER_NO_LEN - 1] = store_member_check_digit(out);
	out[MEMBER_NO_LEN] = '\0';
	return 0;
}

/* Insert the members row under number no; 1: the number was taken. */
static int
member_insert(const struct member_db *md, const struct store_member_new *m,
    const char *no, const char *hash, const char *now, char **cause)
{
	const struct store_member_fields *f = &m->f;
	struct db_param p[13] = {
		{ .type = DBV_TEXT, .s = no },
		member_text(hash),
		member_text(f->name), member_text(f->phone),
		member_text(f->mobile), member_text(f->address),
		member_text(f->email),
		{ .type = DBV_DATE, .s = f->birthday,
		    .null = f->birthday == NULL || *f->birthday == '\0' },
		{ .type = DBV_TEXT, .s = f->language ? f->language : "zh-CN" },
		{ .type = DBV_TEXT, .s = m->via },
		{ .type = DBV_TIMESTAMP,
		    .s = m->registered_at ? m->registered_at : now },
		{ .type = DBV_TIMESTAMP, .s = now },
		member_text(f->note),
	};
	struct db_query q = { .sql = "INSERT INTO members (customer_no, "
	    "pin_hash, name, phone, mobile, address, email, birthday, "
	    "language, registered_via, registered_at, updated_at, note) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", .params = p,
	    .nparams = nitems(p), .writes = 1 };
	struct db_result *res;
	struct db_err err;

	if (member_run(md, &q, &res, &err) == 0) {
		db_result_free(res);
		return 0;
	}
	/* PostgreSQL 23505; MySQL 23000 "Duplicate entry"; SQLite's text. */
	if (strcmp(err.sqlstate, "23505") == 0 || (strcmp(err.sqlstate,
	    "23000") == 0 && strstr(err.msg, "Duplicate") != NULL) ||
	    strstr(err.msg, "UNIQUE constraint failed") != NULL)
		return 1;
	kf_error(cause, "members: %s", store_errmsg(md->src, &err));
	return -1;
}

int
store_member_validate(const struct store_member_new *m, char **cause)
{
	int svc;

	if (!member_is(m->via, "paper") && !member_is(m->via, "phone"))
		return kf_error(cause, "a member registers on paper or by "
		    "phone, not '%s'", m->via ? m->via : "");
	if (member_empty(m->f.name) && member_empty(m->f.phone) &&
	    member_empty(m->f.mobile))
		return kf_error(cause, "a member needs a name, a phone or a "
		    "mobile number");
	if (member_check(&m->f, member_is(m->via, "phone"), cause) == -1 ||
	    member_new_services(m, &svc, cause) == -1)
		return -1;
	if (m->pin != NULL && !store_member_pin_valid(m->pin))
		return kf_error(cause, "a PIN is 4 to 8 digits");
	if (m->customer_no != NULL && !store_member_no_valid(m->customer_no))
		return kf_error(cause, "%s is not a customer number (8 digits, "
		    "the last a check digit)", m->customer_no);
	if (m->registered_at != NULL && !member_time_ok(m->registered_at))
		return kf_error(cause, "registered at '%s': not a time "
		    "(YYYY-MM-DD HH:MM:SS)", m->registered_at);
	return 0;
}

/* One registration: the members row, then each service and its ledger row. */
struct member_add {
	const struct store_member_new *m;
	const struct store_member_actor *a;
	const char *hash, *now, *no;
	int svc;
	int taken;              /* the number was taken (try another) */
};

static int
member_add_tx(const struct member_db *md, void *arg, char **cause)
{
	struct member_add *x = arg;
	struct store_member *got;
	size_t i;
	int rc;

	if ((rc = member_insert(md, x->m, x->no, x->hash, x->now,
	    cause)) != 0) {
		if ((x->taken = rc == 1))
			kf_error(cause, "customer number %s is already taken",
			    x->no);
		return -1;
	}
	if (member_get(md, x->no, &got, cause) == -1)
		return -1;
	for (i = 0; i < nitems(member_services); i++)
		if ((x->svc & member_services[i].bit) && member_service_write(
		    md, got, member_services[i].bit, 1, x->a, x->now,
		    cause) == -1)
			break;
	store_member_free(got);
	return i == nitems(member_services) ? 0 : -1;
}

/*
 * Register under the given number, or under fresh ones until one is
 * free; each try is one transaction (a number taken by another desk
 * between our tries rolls that try back whole).
 */
static int
member_add_any(struct db_source *src, struct member_add *x,
    char out[MEMBER_NO_LEN + 1], char **cause)
{
	int tries;

	x->no = out;
	if (x->m->customer_no != NULL) {
		snprintf(out, MEMBER_NO_LEN + 1, "%s", x->m->customer_no);
		return member_tx(src, member_add_tx, x, cause);
	}
	for (tries = 0; tries < MEMBER_TRIES; tries++) {
		if (member_issue(out, cause) == -1)
			return -1;
		x->taken = 0;
		if (member_tx(src, member_add_tx, x, cause) == 0)
			return 0;
		if (!x->taken)
			return -1;
		if (cause != NULL) {
			free(*cause);
			*cause = NULL;
		}
	}
	return kf_error(cause, "no free customer number after %d tries",
	    MEMBER_TRIES);
}

int
store_member_add(struct db_source *src, const struct store_member_new *m,
    const struct store_member_actor *a, const struct store_member_policy *pol,
    char out[MEMBER_NO_LEN + 1], char **cause)
{
	struct member_add x = { .m = m, .a = a };
	char *hash = NULL, nowbuf[20];
	size_t i;
	int rc;

	x.now = store_stamp_now(a->now, nowbuf);
	if (member_actor_ok(a, cause) == -1 ||
	    store_member_validate(m, cause) == -1 ||
	    member_new_services(m, &x.svc, cause) == -1)
		return -1;
	if (m->pin != NULL && store_pin_hash_iter(m->pin, pol->pin_iterations,
	    &hash, cause) == -1)
		return -1;
	x.hash = hash;
	rc = member_add_any(src, &x, out, cause);
	free(hash);
	if (rc == -1)
		return -1;
	log_info("member %s: registered %s", out, member_is(m->via, "phone") ?
	    "by phone" : "on paper");
	for (i = 0; i < nitems(member_services); i++)
		if (x.svc & member_services[i].bit)
			member_service_log(out, member_services[i].bit, 1, a);
	return 0;
}

/* The member no, active; refused when closed. */
static int
member_active(const struct member_db *md, const char *no,
    struct store_member **m, char **cause)
{
	if (member_get(md, no, m, cause) == -1)
		return -1;
	if (!member_is((*m)->status, "closed"))
		return 0;
	store_member_free(*m);
	*m = NULL;
	return kf_error(cause, "member %s is closed", no);
}

/* Add "col = ?" for one field given. */
static void
member_set_col(struct strbuf *sb, struct db_param *p, size_t *np,
    const char *col, const char *v, enum db_vtype type)
{
	if (v == NULL)
		return;
	sb_addf(sb, "%s = ?, ", col);
	p[*np] = member_text(v);
	p[(*np)++].type = type;
}

int
store_member_set(struct db_source *src, const char *no,
    const struct store_member_fields *f, const struct store_member_actor *a,
    char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	struct store_member *m;
	struct db_param p[10];
	char nowbuf[20];
	size_t np = 0;
	int rc;

	if (member_actor_ok(a, cause) == -1 ||
	    member_check(f, member_is(a->via, "phone"), cause) == -1)
		return -1;
	if (f->language != NULL && *f->language == '\0')
		return kf_error(cause, "the language cannot be cleared");
	if (member_active(MDB(src), no, &m, cause) == -1)
		return -1;
	rc = -1;
	if ((m->services & MEMBER_SVC_SMS) && f->mobile != NULL &&
	    *f->mobile == '\0') {
		kf_error(cause, "member %s has SMS specials: cancel them "
		    "before clearing the mobile number", no);
		goto out;
	}
	if ((m->services & MEMBER_SVC_EMAIL) && f->email != NULL &&
	    *f->email == '\0') {
		kf_error(cause, "member %s has e-mail specials: cancel them "
		    "before clearing the e-mail address", no);
		goto out;
	}
	sb_adds(&sb, "UPDATE members SET ");
	member_set_col(&sb, p, &np, "name", f->name, DBV_TEXT);
	member_set_col(&sb, p, &np, "phone", f->phone, DBV_TEXT);
	member_set_col(&sb, p, &np, "mobile", f->mobile, DBV_TEXT);
	member_set_col(&sb, p, &np, "address", f->address, DBV_TEXT);
	member_set_col(&sb, p, &np, "email", f->email, DBV_TEXT);
	member_set_col(&sb, p, &np, "birthday", f->birthday, DBV_DATE);
	member_set_col(&sb, p, &np, "language", f->language, DBV_TEXT);
	member_set_col(&sb, p, &np, "note", f->note, DBV_TEXT);
	if (np == 0) {
		kf_error(cause, "nothing to change");
		goto out;
	}
	sb_adds(&sb, "updated_at = ? WHERE id = ?");
	p[np++] = (struct db_param){ .type = DBV_TIMESTAMP,
	    .s = store_stamp_now(a->now, nowbuf) };
	p[np++] = (struct db_param){ .type = DBV_INT, .i = m->id };
	if ((rc = member_exec(MDB(src), sb_str(&sb), p, np, NULL, cause)) == 0)
		log_info("member %s: %zu detail%s changed (%s)", no, np - 2,
		    np == 3 ? "" : "s", a->via);
out:
	sb_free(&sb);
	store_member_free(m);
	return rc;
}

/* What a change of registration or services works on, in one transaction. */
struct member_change {
	const char *no;
	const struct store_member_actor *a;
	const char *now;
	int service, on;        /* store_member_service */
	int done;               /* the services switched (MEMBER_SVC_*) */
};

static int
member_upgrade_tx(const struct member_db *md, void *arg, char **cause)
{
	struct member_change *x = arg;
	struct store_member *m;
	struct db_param p[2];
	int rc = -1;

	if (member_active(md, x->no, &m, cause) == -1)
		return -1;
	if (member_is(m->registered_via, "paper")) {
		kf_error(cause, "member %s is already registered on paper",
		    x->no);
		goto out;
	}
	p[0] = (struct db_param){ .type = DBV_TIMESTAMP, .s = x->now };
	p[1] = (struct db_param){ .type = DBV_INT, .i = m->id };
	if (member_exec(md, "UPDATE members SET registered_via = 'paper', "
	    "updated_at = ? WHERE id = ?", p, 2, NULL, cause) == -1)
		goto out;
	if (!(m->services & MEMBER_SVC_ORDER)) {
		if (member_service_write(md, m, MEMBER_SVC_ORDER, 1, x->a,
		    x->now, cause) == -1)
			goto out;
		x->done |= MEMBER_SVC_ORDER;
	}
	if (m->email != NULL && !(m->services & MEMBER_SVC_EMAIL)) {
		if (member_service_write(md, m, MEMBER_SVC_EMAIL, 1, x->a,
		    x->now, cause) == -1)
			goto out;
		x->done |= MEMBER_SVC_EMAIL;
	}
	rc = 0;
out:
	store_member_free(m);
	return rc;
}

/* Log the services x switched, once committed. */
static void
member_change_log(const struct member_change *x, int on)
{
	size_t i;

	for (i = 0; i < nitems(member_services); i++)
		if (x->done & member_services[i].bit)
			member_service_log(x->no, member_services[i].bit, on,
			    x->a);
}

int
store_member_upgrade(struct db_source *src, const char *no,
    const struct store_member_actor *a, char **cause)
{
	struct member_change x = { .no = no, .a = a };
	char nowbuf[20];

	x.now = store_stamp_now(a->now, nowbuf);
	if (member_actor_ok(a, cause) == -1 ||
	    member_tx(src, member_upgrade_tx, &x, cause) == -1)
		return -1;
	log_info("member %s: upgraded from phone to paper registration", no);
	member_change_log(&x, 1);
	return 0;
}

/* Whether m may have service bit switched on through a. */
static int
member_may_subscribe(const struct store_member *m, int bit,
    const struct store_member_actor *a, char **cause)
{
	const char *svc = store_member_service_name(bit);

	if (bit != MEMBER_SVC_SMS && member_is(a->via, "phone"))
		return kf_error(cause, "%s cannot be subscribed by phone; "
		    "only SMS specials can", svc);
	if (bit != MEMBER_SVC_SMS && member_is(m->registered_via, "phone"))
		return kf_error(cause, "member %s registered by phone: %s "
		    "needs the paper form (kefu member set %s --paper)",
		    m->customer_no, svc, m->customer_no);
	if (bit == MEMBER_SVC_SMS && m->mobile == NULL)
		return kf_error(cause, "member %s has no mobile number for "
		    "SMS specials", m->customer_no);
	if (bit == MEMBER_SVC_EMAIL && m->email == NULL)
		return kf_error(cause, "member %s has no e-mail address for "
		    "e-mail specials", m->customer_no);
	return 0;
}

static int
member_service_tx(const struct member_db *md, void *arg, char **cause)
{
	struct member_change *x = arg;
	struct store_member *m;
	int rc = 0;

	if (member_active(md, x->no, &m, cause) == -1)
		return -1;
	if (!!(m->services & x->service) != !!x->on) {
		if ((x->on && member_may_subscribe(m, x->service, x->a,
		    cause) == -1) || member_service_write(md, m, x->service,
		    x->on, x->a, x->now, cause) == -1)
			rc = -1;
		else
			x->done = x->service;
	}
	store_member_free(m);
	return rc;
}

int
store_member_service(struct db_source *src, const char *no, int service,
    int on, const struct store_member_actor *a, int *changed, char **cause)
{
	struct member_change x = { .no = no, .a = a, .service = service,
	    .on = on };
	char nowbuf[20];

	if (changed != NULL)
		*changed = 0;
	if (store_member_service_name(service) == NULL)
		return kf_error(cause, "no such service (sms, email, "
		    "phone_order)");
	x.now = store_stamp_now(a->now, nowbuf);
	if (member_actor_ok(a, cause) == -1 ||
	    member_tx(src, member_service_tx, &x, cause) == -1)
		return -1;
	member_change_log(&x, on);
	if (changed != NULL)
		*changed = x.done != 0;
	return 0;
}

int
store_member_pin_set(struct db_source *src, const char *no,
    const char *pin, const struct store_member_policy *pol, char **cause)
{
	struct store_member *m;
	struct db_param p[3];
	char *hash, nowbuf[20];
	int rc;

	if (!store_member_pin_valid(pin))
		return kf_error(cause, "a PIN is 4 to 8 digits");
	if (member_active(MDB(src), no, &m, cause) == -1)
		return -1;
	if (store_pin_hash_iter(pin, pol->pin_iterations, &hash, cause) == -1) {
		store_member_free(m);
		return -1;
	}
	p[0] = (struct db_param){ .type = DBV_TEXT, .s = hash };
	p[1] = (struct db_param){ .type = DBV_TIMESTAMP,
	    .s = store_stamp_now(NULL, nowbuf) };
	p[2] = (struct db_param){ .type = DBV_INT, .i = m->id };
	rc = member_exec(MDB(src), "UPDATE members SET pin_hash = ?, "
	    "pin_failures = 0, locked_until = NULL, updated_at = ? "
	    "WHERE id = ?", p, 3, NULL, cause);
	if (rc == 0)
		log_info("member %s: PIN set", no);
	free(hash);
	store_member_free(m);
	return rc;
}

/* What a PIN check needs: the hash and the lock state. */
struct member_pin {
	int64_t id;
	char *status, *hash, *locked_until;
	int failures, locked;
};

static int
member_pin_read(struct db_source *src, const char *no, struct member_pin *mp,
    char **cause)
{
	static const enum db_vtype types[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	    DBV_INT, DBV_INT, DBV_TIMESTAMP };
	struct db_param p = { .type = DBV_TEXT, .s = no };
	struct db_query q = { .sql = "SELECT id, status, pin_hash, "
	    "pin_failures, locked, locked_until FROM members WHERE "
	    "customer_no = ?", .params = &p, .nparams = 1, .coltypes = types,
	    .ncoltypes = nitems(types) };
	struct db_result *res;
	struct db_err err;

	memset(mp, 0, sizeof *mp);
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "members: %s", store_errmsg(src, &err));
	if (res->nrows == 0) {
		db_result_free(res);
		return kf_error(cause, "no member %s", no);
	}
	mp->id = DB_CELL(res, 0, 0)->i;
	mp->status = member_cell(res, 0, 1);
	mp->hash = member_cell(res, 0, 2);
	mp->failures = (int)DB_CELL(res, 0, 3)->i;
	mp->locked = (int)DB_CELL(res, 0, 4)->i;
	mp->locked_until = member_cell(res, 0, 5);
	db_result_free(res);
	return 0;
}

static void
member_pin_clear(struct member_pin *mp)
{
	free(mp->status);
	free(mp->hash);
	free(mp->locked_until);
}

/* The row of member mp whose wrong PINs are counted; who, lift: buffers. */
static const struct store_pin_row *
member_pin_row(struct store_pin_row *r, struct db_param *key,
    const char *no, const struct member_pin *mp, char who[64],
    char lift[64])
{
	*key = (struct db_param){ .type = DBV_INT, .i = mp->id };
	snprintf(who, 64, "member %s", no);
	snprintf(lift, 64, "kefu member unlock %s", no);
	*r = (struct store_pin_row){ .table = "members", .keycol = "id",
	    .key = key, .who = who, .lift = lift };
	return r;
}

int
store_member_pin_check(struct db_source *src, const char *no,
    const char *pin, const struct store_member_policy *pol, const char *now,
    enum store_pin_result *res, int *left, char **cause)
{
	const struct store_pin_row *row;
	struct store_pin_row r;
	struct member_pin mp;
	struct db_param key;
	char nowbuf[STORE_STAMP_LEN], who[64], lift[64];
	int l = 0, rc = 0;

	now = store_stamp_now(now, nowbuf);
	if (member_pin_read(src, no, &mp, cause) == -1)
		return -1;
	row = member_pin_row(&r, &key, no, &mp, who, lift);
	if (member_is(mp.status, "closed"))
		*res = STORE_PIN_CLOSED;
	else if (mp.locked || (mp.locked_until != NULL &&
	    strcmp(mp.locked_until, now) > 0)) {
		*res = STORE_PIN_LOCKED;
		log_info("member %s: PIN not tried, the member is locked", no);
	} else if (mp.hash == NULL)
		*res = STORE_PIN_NONE;
	else if (store_pin_verify(pin, mp.hash)) {
		*res = STORE_PIN_OK;
		if (mp.failures > 0 || mp.locked_until != NULL)
			rc = store_pin_reset(src, row, cause);
	} else {
		*res = STORE_PIN_WRONG;
		/* A cool-down that has run out starts the count over. */
		rc = store_pin_wrong(src, row, mp.locked_until != NULL, pol,
		    now, &l, cause);
	}
	if (left != NULL)
		*left = l;
	member_pin_clear(&mp);
	return rc;
}

int
store_member_lock(struct db_source *src, const char *no, int on,
    char **cause)
{
	struct store_member *m;
	struct db_param p[2];
	char nowbuf[20];
	int rc;

	if (member_active(MDB(src), no, &m, cause) == -1)
		return -1;
	p[0] = (struct db_param){ .type = DBV_TIMESTAMP,
	    .s = store_stamp_now(NULL, nowbuf) };
	p[1] = (struct db_param){ .type = DBV_INT, .i = m->id };
	rc = member_exec(MDB(src), on ? "UPDATE members SET locked = 1, "
	    "updated_at = ? WHERE id = ?" : "UPDATE members SET locked = 0, "
	    "pin_failures = 0, locked_until = NULL, updated_at = ? WHERE "
	    "id = ?", p, 2, NULL, cause);
	if (rc == 0)
		log_info("member %s: %s by the desk", no, on ? "locked" :
		    "unlocked");
	store_member_free(m);
	return rc;
}

static int
member_close_tx(const struct member_db *md, void *arg, char **cause)
{
	struct member_change *x = arg;
	struct store_member *m;
	struct db_param p[2];
	size_t i;
	int rc = -1;

	if (member_active(md, x->no, &m, cause) == -1)
		return -1;
	for (i = 0; i < nitems(member_services); i++)
		if (m->services & member_services[i].bit) {
			if (member_service_write(md, m, member_services[i].bit,
			    0, x->a, x->now, cause) == -1)
				goto out;
			x->done |= member_services[i].bit;
		}
	p[0] = (struct db_param){ .type = DBV_TIMESTAMP, .s = x->now };
	p[1] = (struct db_param){ .type = DBV_INT, .i = m->id };
	if (member_exec(md, "UPDATE members SET status = 'closed', "
	    "pin_hash = NULL, locked = 0, pin_failures = 0, locked_until = "
	    "NULL, updated_at = ? WHERE id = ?", p, 2, NULL, cause) == -1)
		goto out;
	rc = 0;
out:
	store_member_free(m);
	return rc;
}

int
store_member_close(struct db_source *src, const char *no,
    const struct store_member_actor *a, char **cause)
{
	struct member_change x = { .no = no, .a = a };
	char nowbuf[20];

	x.now = store_stamp_now(a->now, nowbuf);
	if (member_actor_ok(a, cause) == -1 ||
	    member_tx(src, member_close_tx, &x, cause) == -1)
		return -1;
	member_change_log(&x, 0);
	log_info("member %s: closed (%s)", no, a->via);
	return 0;
}
