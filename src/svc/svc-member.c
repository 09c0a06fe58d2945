/*
 * svc-member.c: the members' built-in services, asked from flows as
 * mappings named kefu.member.* (kefu-flow(5), BUILT-IN SERVICES): find
 * the caller by caller ID, identify by number or caller ID and PIN (with
 * the store's lockout), register by phone, change the details the phone
 * may change, and subscribe or cancel SMS specials.  The SQL is in
 * store/member.c; this file turns flow parameters into store calls and
 * store answers into outcomes.  No PIN ever reaches *cause or a log.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "svc/svc.h"
#include "store/store.h"

/* A change by the caller, during call (the flow's call variable). */
static struct store_member_actor
svc_member_actor(const struct flow_kv *in, size_t nin)
{
	return (struct store_member_actor){ .via = "phone",
	    .call_ref = svc_builtin_arg(in, nin, "call") };
}

/* An argument given and not empty, or NULL. */
static const char *
svc_member_arg(const struct flow_kv *in, size_t nin, const char *name)
{
	const char *v = svc_builtin_arg(in, nin, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* The one active member whose mobile or phone is number; 0/1/many. */
static int
svc_member_by_number(struct svc *svc, struct db_source *src,
    const char *number, struct store_member **out, size_t *n, char **cause)
{
	struct store_member_filter f = { .status = "active",
	    .number = number, .area = svc->conf->store_area_code };

	return store_member_list(src, &f, out, n, cause);
}

/* The row of a member: outs of b in order (member_no, name, ...). */
static void
svc_member_row(const struct svc_builtin *b, struct flow_rows *rows,
    const struct store_member *m, const char *changed)
{
	const char *v[8] = { NULL };
	size_t i;

	for (i = 0; i < b->nouts; i++) {
		const char *var = b->outs[i].var;

		if (strcmp(var, "member_no") == 0)
			v[i] = m->customer_no;
		else if (strcmp(var, "name") == 0)
			v[i] = m->name;
		else if (strcmp(var, "can_order") == 0)
			v[i] = (m->services & MEMBER_SVC_ORDER) ? "1" : "0";
		else if (strcmp(var, "language") == 0)
			v[i] = m->language;
		else if (strcmp(var, "changed") == 0)
			v[i] = changed;
	}
	svc_builtin_row(b, rows, v);
}

/* Read member no back and answer found with its row. */
static enum flow_outcome
svc_member_found(struct db_source *src, const struct svc_builtin *b,
    const char *no, struct flow_rows *rows, const char *changed,
    char **cause)
{
	struct store_member *m;

	if (store_member_get(src, no, &m, cause) == -1)
		return FLOW_Q_ERROR;
	svc_member_row(b, rows, m, changed);
	store_member_free(m);
	return FLOW_Q_FOUND;
}

/* kefu.member.find: the member the caller ID belongs to. */
static enum flow_outcome
svc_member_find(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *caller = svc_member_arg(in, nin, "caller");
	struct db_source *src;
	struct store_member *m;
	enum flow_outcome o;
	size_t n;

	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if (caller == NULL)
		return FLOW_Q_EMPTY;    /* no caller ID: ask the number */
	if (svc_member_by_number(svc, src, caller, &m, &n, cause) == -1)
		return FLOW_Q_ERROR;
	if (n == 1)
		svc_member_row(b, rows, &m[0], NULL);
	o = n == 0 ? FLOW_Q_EMPTY : n == 1 ? FLOW_Q_FOUND : FLOW_Q_MANY;
	store_members_free(m, n);
	return o;
}

/* The customer number to identify: no, else the caller's (one member). */
static enum flow_outcome
svc_member_which(struct svc *svc, struct db_source *src,
    const struct flow_kv *in, size_t nin, char no[MEMBER_NO_LEN + 1],
    char **cause)
{
	const char *given = svc_member_arg(in, nin, "no");
	const char *caller = svc_member_arg(in, nin, "caller");
	struct store_member *m;
	size_t n;

	if (given != NULL) {
		if (!store_member_no_valid(given)) {
			kf_error(cause, "%s is not a customer number", given);
			return FLOW_Q_INVALID;
		}
		snprintf(no, MEMBER_NO_LEN + 1, "%s", given);
		return FLOW_Q_FOUND;
	}
	if (caller == NULL) {
		kf_error(cause, "neither a customer number nor a caller ID");
		return FLOW_Q_INVALID;
	}
	if (svc_member_by_number(svc, src, caller, &m, &n, cause) == -1)
		return FLOW_Q_ERROR;
	if (n == 1)
		snprintf(no, MEMBER_NO_LEN + 1, "%s", m[0].customer_no);
	store_members_free(m, n);
	if (n != 1) {
		kf_error(cause, "%zu members have the number %s: ask the "
		    "customer number", n, caller);
		return FLOW_Q_INVALID;
	}
	return FLOW_Q_FOUND;
}

/* kefu.member.identify: who the caller is, proven by the PIN. */
static enum flow_outcome
svc_member_identify(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *pin = svc_builtin_arg(in, nin, "pin");
	struct store_member_policy pol;
	enum store_pin_result res;
	struct db_source *src;
	enum flow_outcome o;
	char no[MEMBER_NO_LEN + 1], who[64], lift[64];
	int left = 0;

	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	o = svc_member_which(svc, src, in, nin, no, cause);
	if (o != FLOW_Q_FOUND)
		return o;
	if (!store_member_pin_valid(pin)) {
		kf_error(cause, "member %s: a PIN is 4 to 8 digits", no);
		return FLOW_Q_INVALID;
	}
	svc_builtin_policy(svc, &pol);
	if (store_member_pin_check(src, no, pin, &pol, NULL, &res, &left,
	    cause) == -1) {
		/* An unknown number is a wrong entry, not a failure. */
		if (cause != NULL && *cause != NULL &&
		    strncmp(*cause, "no member ", 10) == 0)
			return FLOW_Q_INVALID;
		return FLOW_Q_ERROR;
	}
	switch (res) {
	case STORE_PIN_OK:
		return svc_member_found(src, b, no, rows, NULL, cause);
	case STORE_PIN_NONE:
		kf_error(cause, "member %s has no PIN (the desk sets one: "
		    "kefu member pin-reset %s)", no, no);
		return FLOW_Q_MANY;
	case STORE_PIN_CLOSED:
		kf_error(cause, "member %s is closed", no);
		return FLOW_Q_INVALID;
	default:
		snprintf(who, sizeof who, "member %s", no);
		snprintf(lift, sizeof lift, "kefu member unlock %s", no);
		return svc_builtin_pin_refused(res, left, who, lift, cause);
	}
}

/* The two entries of a new PIN: 4-8 digits, and the same twice. */
static int
svc_member_pins(const char *pin, const char *again, char **cause)
{
	if (!store_member_pin_valid(pin))
		return kf_error(cause, "a PIN is 4 to 8 digits");
	if (again == NULL || strcmp(pin, again) != 0)
		return kf_error(cause, "the two PINs typed differ");
	return 0;
}

/* kefu.member.register: a new member by phone. */
static enum flow_outcome
svc_member_register(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	struct store_member_new m = { .via = "phone", .services = -1 };
	struct store_member_actor a = svc_member_actor(in, nin);
	struct store_member_policy pol;
	struct store_member *same;
	struct db_source *src;
	char no[MEMBER_NO_LEN + 1];
	size_t n;

	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	m.f.mobile = svc_member_arg(in, nin, "mobile");
	m.f.language = svc_member_arg(in, nin, "lang");
	m.pin = svc_builtin_arg(in, nin, "pin");
	if (svc_member_pins(m.pin, svc_builtin_arg(in, nin, "pin2"),
	    cause) == -1 || store_member_validate(&m, cause) == -1)
		return FLOW_Q_INVALID;
	if (svc_member_by_number(svc, src, m.f.mobile, &same, &n, cause) == -1)
		return FLOW_Q_ERROR;
	store_members_free(same, n);
	if (n > 0) {
		kf_error(cause, "the mobile %s is already a member's",
		    m.f.mobile);
		return FLOW_Q_MANY;
	}
	svc_builtin_policy(svc, &pol);
	if (store_member_add(src, &m, &a, &pol, no, cause) == -1)
		return FLOW_Q_ERROR;
	return svc_member_found(src, b, no, rows, NULL, cause);
}

/* kefu.member.set: mobile, phone, PIN or language, by phone. */
static enum flow_outcome
svc_member_set(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *no = svc_builtin_arg(in, nin, "no");
	const char *pin = svc_member_arg(in, nin, "new_pin");
	struct store_member_actor a = svc_member_actor(in, nin);
	struct store_member_fields f = { 0 };
	struct store_member_policy pol;
	struct db_source *src;

	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	f.mobile = svc_member_arg(in, nin, "mobile");
	f.phone = svc_member_arg(in, nin, "phone");
	f.language = svc_member_arg(in, nin, "language");
	if (!store_member_no_valid(no)) {
		kf_error(cause, "%s is not a customer number", no);
		return FLOW_Q_INVALID;
	}
	if (pin == NULL && f.mobile == NULL && f.phone == NULL &&
	    f.language == NULL) {
		kf_error(cause, "member %s: nothing to change", no);
		return FLOW_Q_INVALID;
	}
	if ((pin != NULL && svc_member_pins(pin, svc_builtin_arg(in, nin,
	    "new_pin2"), cause) == -1) ||
	    store_member_check(&f, 1, cause) == -1)
		return FLOW_Q_INVALID;
	svc_builtin_policy(svc, &pol);
	if ((f.mobile != NULL || f.phone != NULL || f.language != NULL) &&
	    store_member_set(src, no, &f, &a, cause) == -1)
		return FLOW_Q_ERROR;
	if (pin != NULL && store_member_pin_set(src, no, pin, &pol,
	    cause) == -1)
		return FLOW_Q_ERROR;
	return svc_member_found(src, b, no, rows, NULL, cause);
}

/* Subscribe (on) or cancel SMS specials. */
static enum flow_outcome
svc_member_sms(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows, int on,
    char **cause)
{
	const char *no = svc_builtin_arg(in, nin, "no");
	struct store_member_actor a = svc_member_actor(in, nin);
	struct store_member *m;
	struct db_source *src;
	int changed;

	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if (!store_member_no_valid(no)) {
		kf_error(cause, "%s is not a customer number", no);
		return FLOW_Q_INVALID;
	}
	if (store_member_get(src, no, &m, cause) == -1)
		return FLOW_Q_ERROR;
	if (on && m->mobile == NULL) {
		kf_error(cause, "member %s has no mobile number for SMS "
		    "specials", no);
		store_member_free(m);
		return FLOW_Q_INVALID;
	}
	store_member_free(m);
	if (store_member_service(src, no, MEMBER_SVC_SMS, on, &a, &changed,
	    cause) == -1)
		return FLOW_Q_ERROR;
	return svc_member_found(src, b, no, rows, changed ? "1" : "0", cause);
}

static enum flow_outcome
svc_member_subscribe(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	return svc_member_sms(svc, b, in, nin, rows, 1, cause);
}

static enum flow_outcome
svc_member_unsubscribe(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	return svc_member_sms(svc, b, in, nin, rows, 0, cause);
}

const struct svc_builtin svc_builtins_member[SVC_BUILTINS_MEMBER] = {
	{
		.name = "kefu.member.find",
		.what = "the member whose mobile or phone is the caller ID",
		.nparams = 1,
		.params = { { "caller", FLOW_T_TEXT, 1 } },
		.nouts = 2,
		.outs = { { "member_no", FLOW_T_DIGITS },
		    { "name", FLOW_T_TEXT } },
		.run = svc_member_find,
	},
	{
		.name = "kefu.member.identify",
		.what = "a member by customer number (or caller ID) and PIN",
		.nparams = 3,
		.params = { { "no", FLOW_T_DIGITS, 1 },
		    { "caller", FLOW_T_TEXT, 1 }, { "pin", FLOW_T_DIGITS, 0 } },
		.nouts = 4,
		.outs = { { "member_no", FLOW_T_DIGITS },
		    { "name", FLOW_T_TEXT }, { "can_order", FLOW_T_INTEGER },
		    { "language", FLOW_T_TEXT } },
		.run = svc_member_identify,
	},
	{
		.name = "kefu.member.register",
		.what = "a new member by phone (SMS specials, no ordering)",
		.nparams = 5,
		.params = { { "mobile", FLOW_T_DIGITS, 0 },
		    { "pin", FLOW_T_DIGITS, 0 }, { "pin2", FLOW_T_DIGITS, 0 },
		    { "lang", FLOW_T_TEXT, 1 }, { "call", FLOW_T_TEXT, 1 } },
		.nouts = 2,
		.outs = { { "member_no", FLOW_T_DIGITS },
		    { "can_order", FLOW_T_INTEGER } },
		.run = svc_member_register,
	},
	{
		.name = "kefu.member.set",
		.what = "a member's mobile, phone, PIN or language, by phone",
		.nparams = 7,
		.params = { { "no", FLOW_T_DIGITS, 0 },
		    { "mobile", FLOW_T_DIGITS, 1 },
		    { "phone", FLOW_T_DIGITS, 1 },
		    { "new_pin", FLOW_T_DIGITS, 1 },
		    { "new_pin2", FLOW_T_DIGITS, 1 },
		    { "language", FLOW_T_TEXT, 1 },
		    { "call", FLOW_T_TEXT, 1 } },
		.nouts = 1,
		.outs = { { "member_no", FLOW_T_DIGITS } },
		.run = svc_member_set,
	},
	{
		.name = "kefu.member.subscribe",
		.what = "SMS specials subscribed by phone (consent ledger)",
		.nparams = 2,
		.params = { { "no", FLOW_T_DIGITS, 0 },
		    { "call", FLOW_T_TEXT, 1 } },
		.nouts = 2,
		.outs = { { "member_no", FLOW_T_DIGITS },
		    { "changed", FLOW_T_INTEGER } },
		.run = svc_member_subscribe,
	},
	{
		.name = "kefu.member.unsubscribe",
		.what = "SMS specials cancelled by phone (consent ledger)",
		.nparams = 2,
		.params = { { "no", FLOW_T_DIGITS, 0 },
		    { "call", FLOW_T_TEXT, 1 } },
		.nouts = 2,
		.outs = { { "member_no", FLOW_T_DIGITS },
		    { "changed", FLOW_T_INTEGER } },
		.run = svc_member_unsubscribe,
	},
};
