/*
 * svc-staff.c: the staff's built-in services, asked from flows as
 * mappings named kefu.staff.* (kefu-flow(5), BUILT-IN SERVICES): a staff
 * number proven by its PIN (with the members' lockout), a customer's
 * record by customer number or by phone number, and the audit row of
 * each lookup a staff member makes by phone.  The SQL is in
 * store/staff.c.  No PIN ever reaches *cause or a log.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "svc/svc.h"
#include "store/store.h"

#define SVC_STAFF_PHONE_MAX 5   /* customers read for one phone number */

/* kefu.staff.identify: a staff number proven by its PIN. */
static enum flow_outcome
svc_staff_identify(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *no = svc_builtin_arg(in, nin, "no");
	const char *pin = svc_builtin_arg(in, nin, "pin");
	struct store_member_policy pol;
	enum store_pin_result res;
	struct db_source *src;
	char *role = NULL, who[64], lift[64];
	int left = 0;

	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	svc_builtin_policy(svc, &pol);
	if (store_staff_pin_check(src, no, pin, &pol, NULL, &res, &left,
	    &role, cause) == -1)
		return FLOW_Q_ERROR;
	switch (res) {
	case STORE_PIN_OK:
		svc_builtin_row(b, rows, (const char *[]){ no, role });
		free(role);
		return FLOW_Q_FOUND;
	case STORE_PIN_NONE:
	case STORE_PIN_CLOSED:
		kf_error(cause, "staff %s is disabled", no);
		return FLOW_Q_INVALID;
	default:
		snprintf(who, sizeof who, "staff %s", no);
		snprintf(lift, sizeof lift, "kefu staff pin-reset %s", no);
		return svc_builtin_pin_refused(res, left, who, lift, cause);
	}
}

/* kefu.staff.audit: who looked up what, of whom, on which call. */
static enum flow_outcome
svc_staff_audit(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *no = svc_builtin_arg(in, nin, "staff_no");
	const char *what = svc_builtin_arg(in, nin, "what");
	const char *subject = svc_builtin_arg(in, nin, "subject");
	const char *call = svc_builtin_arg(in, nin, "call");
	struct db_source *src;

	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if (!store_staff_no_valid(no)) {
		kf_error(cause, "'%s' is not a staff number", no);
		return FLOW_Q_INVALID;
	}
	if (store_staff_audit(src, no, what, subject != NULL && *subject !=
	    '\0' ? subject : NULL, call, cause) == -1)
		return FLOW_Q_ERROR;
	svc_builtin_row(b, rows, (const char *[]){ no });
	return FLOW_Q_FOUND;
}

/* One customer's record as a row of kefu.staff.customer(_phone). */
static void
svc_staff_customer_row(const struct svc_builtin *b, struct flow_rows *rows,
    const struct store_staff_customer *c)
{
	char orders[24], cases[24];

	snprintf(orders, sizeof orders, "%lld", (long long)c->orders);
	snprintf(cases, sizeof cases, "%lld", (long long)c->open_cases);
	svc_builtin_row(b, rows, (const char *[]){ c->customer_no, c->name,
	    (c->services & MEMBER_SVC_SMS) ? "1" : "0",
	    (c->services & MEMBER_SVC_ORDER) ? "1" : "0", orders,
	    c->last_order, cases });
}

/* kefu.staff.customer: a customer's record for a staff member. */
static enum flow_outcome
svc_staff_customer(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *no = svc_builtin_arg(in, nin, "no");
	struct store_staff_customer c;
	struct db_source *src;
	int rc;

	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if (!store_member_no_valid(no)) {
		kf_error(cause, "%s is not a customer number", no);
		return FLOW_Q_INVALID;
	}
	if ((rc = store_staff_customer(src, no, &c, cause)) == -1)
		return FLOW_Q_ERROR;
	if (rc == 0)
		return FLOW_Q_EMPTY;
	svc_staff_customer_row(b, rows, &c);
	store_staff_customer_clear(&c);
	return FLOW_Q_FOUND;
}

/* kefu.staff.customer_phone: the records of a phone number's customers. */
static enum flow_outcome
svc_staff_customer_phone(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *phone = svc_builtin_arg(in, nin, "phone");
	struct store_staff_customer c[SVC_STAFF_PHONE_MAX];
	struct db_source *src;
	size_t n, i;

	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if (strlen(phone) < 5 || strlen(phone) > 20) {
		kf_error(cause, "%s is not a phone number (5 to 20 digits)",
		    phone);
		return FLOW_Q_INVALID;
	}
	if (store_staff_customers_by_phone(src, phone, c, nitems(c), &n,
	    cause) == -1)
		return FLOW_Q_ERROR;
	for (i = 0; i < n; i++) {
		svc_staff_customer_row(b, rows, &c[i]);
		store_staff_customer_clear(&c[i]);
	}
	if (n == 0) {
		kf_error(cause, "no active member with the number %s", phone);
		return FLOW_Q_EMPTY;
	}
	return FLOW_Q_FOUND;
}

const struct svc_builtin svc_builtins_staff[SVC_BUILTINS_STAFF] = {
	{
		.name = "kefu.staff.identify",
		.what = "a staff member by staff number and PIN",
		.nparams = 2,
		.params = { { "no", FLOW_T_DIGITS, 0 },
		    { "pin", FLOW_T_DIGITS, 0 } },
		.nouts = 2,
		.outs = { { "staff_no", FLOW_T_DIGITS },
		    { "staff_role", FLOW_T_TEXT } },
		.run = svc_staff_identify,
	},
	{
		.name = "kefu.staff.audit",
		.what = "record a staff member's lookup (who, when, what)",
		.nparams = 4,
		.params = { { "staff_no", FLOW_T_DIGITS, 0 },
		    { "what", FLOW_T_TEXT, 0 }, { "subject", FLOW_T_TEXT, 1 },
		    { "call", FLOW_T_TEXT, 1 } },
		.nouts = 1,
		.outs = { { "audited_by", FLOW_T_DIGITS } },
		.run = svc_staff_audit,
	},
	{
		.name = "kefu.staff.customer",
		.what = "a customer's record for staff: name, services, "
		    "orders, open cases",
		.nparams = 1,
		.params = { { "no", FLOW_T_DIGITS, 0 } },
		.nouts = 7,
		.outs = { { "member_no", FLOW_T_DIGITS },
		    { "name", FLOW_T_TEXT }, { "sms", FLOW_T_INTEGER },
		    { "phone_order", FLOW_T_INTEGER },
		    { "orders", FLOW_T_INTEGER }, { "last_order", FLOW_T_DATE },
		    { "open_cases", FLOW_T_INTEGER } },
		.run = svc_staff_customer,
	},
	{
		.name = "kefu.staff.customer_phone",
		.what = "the records of the customers of a phone number, "
		    "for staff",
		.nparams = 1,
		.params = { { "phone", FLOW_T_DIGITS, 0 } },
		.nouts = 7,
		.outs = { { "member_no", FLOW_T_DIGITS },
		    { "name", FLOW_T_TEXT }, { "sms", FLOW_T_INTEGER },
		    { "phone_order", FLOW_T_INTEGER },
		    { "orders", FLOW_T_INTEGER }, { "last_order", FLOW_T_DATE },
		    { "open_cases", FLOW_T_INTEGER } },
		.many = 1,
		.run = svc_staff_customer_phone,
	},
};
