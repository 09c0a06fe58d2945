/*
 * staff.c: the staff who phone in -- staff_access rows (number, role,
 * PIN hash, enabled), their PIN lockout under the members' policy, and
 * staff_lookups, the audit of what they looked up by phone.  PINs are
 * hashed by pin.c and never logged.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

/* Run one statement that writes; *affected (may be NULL) its row count. */
static int
staff_exec(struct db_source *src, const char *sql, const struct db_param *p,
    size_t np, int64_t *affected, char **cause)
{
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .writes = 1 };
	struct db_result *res;
	struct db_err err;

	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "staff: %s", store_errmsg(src, &err));
	if (affected != NULL)
		*affected = res->affected;
	db_result_free(res);
	return 0;
}

static char *
staff_cell(struct db_result *r, size_t row, size_t col)
{
	struct db_value *v = DB_CELL(r, row, col);

	return v->null ? NULL : xstrdup(v->s);
}

int
store_staff_no_valid(const char *no)
{
	size_t i;

	if (no == NULL)
		return 0;
	for (i = 0; no[i] != '\0'; i++)
		if (!isdigit((unsigned char)no[i]) || i >= STAFF_NO_MAX)
			return 0;
	return i >= 2;
}

int
store_staff_role_valid(const char *role)
{
	return role != NULL && (strcmp(role, "staff") == 0 ||
	    strcmp(role, "desk") == 0 || strcmp(role, "admin") == 0);
}

/* The checks every change makes on a number, a role and a PIN. */
static int
staff_check(const char *no, const char *role, const char *pin, char **cause)
{
	if (!store_staff_no_valid(no))
		return kf_error(cause, "staff number '%s': 2 to %d digits",
		    no ? no : "", STAFF_NO_MAX);
	if (role != NULL && !store_staff_role_valid(role))
		return kf_error(cause, "role '%s': staff, desk or admin", role);
	if (pin != NULL && !store_member_pin_valid(pin))
		return kf_error(cause, "the PIN must be %d to %d digits",
		    MEMBER_PIN_MIN, MEMBER_PIN_MAX);
	return 0;
}

int
store_staff_add(struct db_source *src, const char *no, const char *role,
    const char *pin, const struct store_member_policy *pol, char **cause)
{
	struct db_param p[4];
	char nowbuf[20], *hash;
	struct store_staff *all;
	size_t n, i;
	int rc;

	if (role == NULL)
		role = "staff";
	if (staff_check(no, role, pin, cause) == -1)
		return -1;
	if (store_staff_list(src, &all, &n, cause) == -1)
		return -1;
	for (i = 0; i < n && strcmp(all[i].staff_no, no) != 0; i++)
		;
	store_staff_free(all, n);
	if (i < n)
		return kf_error(cause, "staff %s exists already (kefu staff "
		    "set or pin-reset change it)", no);
	if (store_pin_hash_iter(pin, pol->pin_iterations, &hash, cause) == -1)
		return -1;
	p[0] = (struct db_param){ .type = DBV_TEXT, .s = no };
	p[1] = (struct db_param){ .type = DBV_TEXT, .s = hash };
	p[2] = (struct db_param){ .type = DBV_TEXT, .s = role };
	p[3] = (struct db_param){ .type = DBV_TIMESTAMP,
	    .s = store_stamp_now(NULL, nowbuf) };
	rc = staff_exec(src, "INSERT INTO staff_access (staff_no, pin_hash, "
	    "role, enabled, updated_at) VALUES (?, ?, ?, 1, ?)", p, 4, NULL,
	    cause);
	free(hash);
	if (rc == 0)
		log_info("staff %s added (role %s)", no, role);
	return rc;
}

/* Update one staff row; "no staff N" when there is none. */
static int
staff_update(struct db_source *src, const char *no, const char *sql,
    struct db_param *p, size_t np, char **cause)
{
	int64_t n;

	if (staff_exec(src, sql, p, np, &n, cause) == -1)
		return -1;
	if (n == 0)
		return kf_error(cause, "no staff %s", no);
	return 0;
}

int
store_staff_set(struct db_source *src, const char *no, const char *role,
    int enabled, char **cause)
{
	struct db_param p[5];
	char nowbuf[20];

	if (staff_check(no, role, NULL, cause) == -1)
		return -1;
	p[0] = (struct db_param){ .type = DBV_TEXT, .s = role,
	    .null = role == NULL };
	p[1] = (struct db_param){ .type = DBV_INT, .i = enabled };
	p[2] = p[1];
	p[3] = (struct db_param){ .type = DBV_TIMESTAMP,
	    .s = store_stamp_now(NULL, nowbuf) };
	p[4] = (struct db_param){ .type = DBV_TEXT, .s = no };
	if (staff_update(src, no, "UPDATE staff_access SET role = "
	    "COALESCE(?, role), enabled = CASE WHEN ? < 0 THEN enabled ELSE "
	    "? END, updated_at = ? WHERE staff_no = ?", p, 5, cause) == -1)
		return -1;
	log_info("staff %s changed%s%s%s", no, role ? ": role " : "",
	    role ? role : "", enabled < 0 ? "" : enabled ? ", enabled" :
	    ", disabled");
	return 0;
}

int
store_staff_pin_set(struct db_source *src, const char *no, const char *pin,
    const struct store_member_policy *pol, char **cause)
{
	struct db_param p[3];
	char nowbuf[20], *hash;
	int rc;

	if (staff_check(no, NULL, pin, cause) == -1)
		return -1;
	if (store_pin_hash_iter(pin, pol->pin_iterations, &hash, cause) == -1)
		return -1;
	p[0] = (struct db_param){ .type = DBV_TEXT, .s = hash };
	p[1] = (struct db_param){ .type = DBV_TIMESTAMP,
	    .s = store_stamp_now(NULL, nowbuf) };
	p[2] = (struct db_param){ .type = DBV_TEXT, .s = no };
	rc = staff_update(src, no, "UPDATE staff_access SET pin_hash = ?, "
	    "pin_failures = 0, locked_until = NULL, updated_at = ? WHERE "
	    "staff_no = ?", p, 3, cause);
	free(hash);
	if (rc == 0)
		log_info("staff %s: PIN set, lockout lifted", no);
	return rc;
}

/* What a PIN check needs of one staff row. */
struct staff_pin {
	int found, enabled, failures;
	char *hash, *role, *locked_until;
};

static int
staff_pin_read(struct db_source *src, const char *no, struct staff_pin *sp,
    char **cause)
{
	static const enum db_vtype types[] = { DBV_TEXT, DBV_TEXT, DBV_INT,
	    DBV_INT, DBV_TIMESTAMP };
	struct db_param p = { .type = DBV_TEXT, .s = no };
	struct db_query q = { .sql = "SELECT pin_hash, role, enabled, "
	    "pin_failures, locked_until FROM staff_access WHERE staff_no = ?",
	    .params = &p, .nparams = 1, .coltypes = types,
	    .ncoltypes = nitems(types) };
	struct db_result *res;
	struct db_err err;

	memset(sp, 0, sizeof *sp);
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "staff: %s", store_errmsg(src, &err));
	if (res->nrows > 0) {
		sp->found = 1;
		sp->hash = staff_cell(res, 0, 0);
		sp->role = staff_cell(res, 0, 1);
		sp->enabled = (int)DB_CELL(res, 0, 2)->i;
		sp->failures = (int)DB_CELL(res, 0, 3)->i;
		sp->locked_until = staff_cell(res, 0, 4);
	}
	db_result_free(res);
	return 0;
}

static void
staff_pin_clear(struct staff_pin *sp)
{
	free(sp->hash);
	free(sp->role);
	free(sp->locked_until);
}

/* The row of staff number no whose wrong PINs are counted. */
static const struct store_pin_row *
staff_pin_row(struct store_pin_row *r, struct db_param *key,
    const char *no, char who[64], char lift[64])
{
	*key = (struct db_param){ .type = DBV_TEXT, .s = no };
	snprintf(who, 64, "staff %s", no);
	snprintf(lift, 64, "kefu staff pin-reset %s", no);
	*r = (struct store_pin_row){ .table = "staff_access",
	    .keycol = "staff_no", .key = key, .who = who, .lift = lift };
	return r;
}

int
store_staff_pin_check(struct db_source *src, const char *no,
    const char *pin, const struct store_member_policy *pol, const char *now,
    enum store_pin_result *res, int *left, char **role, char **cause)
{
	const struct store_pin_row *row;
	struct store_pin_row r;
	struct staff_pin sp;
	struct db_param key;
	char nowbuf[STORE_STAMP_LEN], who[64], lift[64];
	int l = 0, rc = 0;

	now = store_stamp_now(now, nowbuf);
	if (role != NULL)
		*role = NULL;
	if (!store_staff_no_valid(no)) {
		*res = STORE_PIN_WRONG;
		l = pol->pin_attempts;
		goto out;
	}
	if (staff_pin_read(src, no, &sp, cause) == -1)
		return -1;
	row = staff_pin_row(&r, &key, no, who, lift);
	if (!sp.found) {
		*res = STORE_PIN_WRONG;
		l = pol->pin_attempts;
		log_info("staff %s: no such staff number", no);
	} else if (!sp.enabled)
		*res = STORE_PIN_CLOSED;
	else if (sp.locked_until != NULL && strcmp(sp.locked_until, now) > 0) {
		*res = STORE_PIN_LOCKED;
		log_info("staff %s: PIN not tried, locked until %s", no,
		    sp.locked_until);
	} else if (sp.hash != NULL && store_pin_verify(pin, sp.hash)) {
		*res = STORE_PIN_OK;
		if (sp.failures > 0 || sp.locked_until != NULL)
			rc = store_pin_reset(src, row, cause);
		if (role != NULL)
			*role = xstrdup(sp.role ? sp.role : "staff");
	} else {
		*res = STORE_PIN_WRONG;
		rc = store_pin_wrong(src, row, sp.locked_until != NULL, pol,
		    now, &l, cause);
	}
	staff_pin_clear(&sp);
out:
	if (left != NULL)
		*left = l;
	return rc;
}

int
store_staff_list(struct db_source *src, struct store_staff **out, size_t *n,
    char **cause)
{
	static const enum db_vtype types[] = { DBV_TEXT, DBV_TEXT, DBV_INT,
	    DBV_INT, DBV_TIMESTAMP, DBV_TIMESTAMP };
	struct db_query q = { .sql = "SELECT staff_no, role, enabled, "
	    "pin_failures, locked_until, updated_at FROM staff_access ORDER "
	    "BY staff_no", .coltypes = types, .ncoltypes = nitems(types) };
	struct db_result *res;
	struct db_err err;
	struct store_staff *s;
	size_t i;

	*out = NULL;
	*n = 0;
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "staff: %s", store_errmsg(src, &err));
	s = xcalloc(res->nrows ? res->nrows : 1, sizeof *s);
	for (i = 0; i < res->nrows; i++) {
		snprintf(s[i].staff_no, sizeof s[i].staff_no, "%s",
		    DB_CELL(res, i, 0)->s ? DB_CELL(res, i, 0)->s : "");
		s[i].role = staff_cell(res, i, 1);
		s[i].enabled = (int)DB_CELL(res, i, 2)->i;
		s[i].pin_failures = (int)DB_CELL(res, i, 3)->i;
		s[i].locked_until = staff_cell(res, i, 4);
		s[i].updated_at = staff_cell(res, i, 5);
	}
	*out = s;
	*n = res->nrows;
	db_result_free(res);
	return 0;
}

void
store_staff_free(struct store_staff *s, size_t n)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(s[i].role);
		free(s[i].locked_until);
		free(s[i].updated_at);
	}
	free(s);
}

int
store_staff_audit(struct db_source *src, const char *no, const char *what,
    const char *subject, const char *call_ref, char **cause)
{
	struct db_param p[5];
	char nowbuf[20];

	p[0] = (struct db_param){ .type = DBV_TEXT, .s = no };
	p[1] = (struct db_param){ .type = DBV_TIMESTAMP,
	    .s = store_stamp_now(NULL, nowbuf) };
	p[2] = (struct db_param){ .type = DBV_TEXT, .s = what };
	p[3] = (struct db_param){ .type = DBV_TEXT, .s = subject,
	    .null = subject == NULL };
	p[4] = (struct db_param){ .type = DBV_TEXT, .s = call_ref,
	    .null = call_ref == NULL };
	return staff_exec(src, "INSERT INTO staff_lookups (staff_no, at, "
	    "what, subject, call_ref) VALUES (?, ?, ?, ?, ?)", p, 5, NULL,
	    cause);
}

/* A customer's record for staff: the columns, then "WHERE ..." */
#define STAFF_CUSTOMER_SQL "SELECT m.name, (SELECT COALESCE(SUM(CASE " \
    "s.service WHEN 'sms' THEN 1 WHEN 'email' THEN 2 ELSE 4 END), 0) " \
    "FROM member_services s WHERE s.member_id = m.id AND s.enabled = 1), " \
    "(SELECT COUNT(*) FROM orders o WHERE o.member_id = m.id), (SELECT " \
    "MAX(o.ordered_at) FROM orders o WHERE o.member_id = m.id), (SELECT " \
    "COUNT(*) FROM requests r WHERE r.member_id = m.id AND r.status <> " \
    "'closed'), m.customer_no FROM members m "

/* The records of q (STAFF_CUSTOMER_SQL) into out[0..max). */
static int
staff_customers(struct db_source *src, struct db_query *q,
    struct store_staff_customer *out, size_t max, size_t *n, char **cause)
{
	static const enum db_vtype types[] = { DBV_TEXT, DBV_INT, DBV_INT,
	    DBV_DATE, DBV_INT, DBV_TEXT };
	struct db_result *res;
	struct db_err err;
	size_t i;

	memset(out, 0, max * sizeof *out);
	*n = 0;
	q->coltypes = types;
	q->ncoltypes = nitems(types);
	if (db_run(src, q, &res, &err) == -1)
		return kf_error(cause, "staff: %s", store_errmsg(src, &err));
	for (i = 0; i < res->nrows && i < max; i++) {
		out[i].name = staff_cell(res, i, 0);
		out[i].services = (int)DB_CELL(res, i, 1)->i;
		out[i].orders = DB_CELL(res, i, 2)->i;
		out[i].last_order = staff_cell(res, i, 3);
		out[i].open_cases = DB_CELL(res, i, 4)->i;
		out[i].customer_no = staff_cell(res, i, 5);
	}
	*n = i;
	db_result_free(res);
	return 0;
}

int
store_staff_customer(struct db_source *src, const char *no,
    struct store_staff_customer *out, char **cause)
{
	struct db_param p = { .type = DBV_TEXT, .s = no };
	struct db_query q = { .sql = STAFF_CUSTOMER_SQL "WHERE m.customer_no "
	    "= ?", .params = &p, .nparams = 1 };
	size_t n;

	if (staff_customers(src, &q, out, 1, &n, cause) == -1)
		return -1;
	return n > 0;
}

int
store_staff_customers_by_phone(struct db_source *src, const char *phone,
    struct store_staff_customer *out, size_t max, size_t *n, char **cause)
{
	struct db_param p[2] = {
		{ .type = DBV_TEXT, .s = phone },
		{ .type = DBV_TEXT, .s = phone },
	};
	struct db_query q = { .sql = STAFF_CUSTOMER_SQL "WHERE (m.mobile = ? "
	    "OR m.phone = ?) AND m.status = 'active' ORDER BY m.customer_no",
	    .params = p, .nparams = 2 };

	return staff_customers(src, &q, out, max, n, cause);
}

void
store_staff_customer_clear(struct store_staff_customer *c)
{
	free(c->name);
	free(c->last_order);
	free(c->customer_no);
}
