/*
 * svc-visit.c: the built-in services of after-sales (kefu-flow(5),
 * BUILT-IN SERVICES) -- a home visit booked by phone in a free slot of
 * [visits], read back and confirmed (an after-sales case, its visit and
 * the confirmation SMS: store/visit.c does the SQL), cancelled or moved
 * with the case number by the number it was booked for; the purchase an
 * order or slip number names; remote help as a call-back request.  The
 * services keep nothing between calls: a slot's key is its place in the
 * list of free slots when it is asked, and booking names the day and
 * the slot itself, so a slot taken meanwhile is refused (empty).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc/svc.h"
#include "store/store.h"

#define VISIT_OFFERS 9          /* slots offered at most: one key each */

/* A number of digits (and a leading +), or NULL: none given. */
static const char *
svc_visit_phone(const struct flow_kv *in, size_t nin, const char *name)
{
	const char *s = svc_builtin_arg(in, nin, name);

	if (s == NULL || *s == '\0' || strspn(s + (*s == '+'),
	    "0123456789") != strlen(s + (*s == '+')))
		return NULL;
	return s;
}

/* A value given, or NULL for absent or empty. */
static const char *
svc_visit_arg(const struct flow_kv *in, size_t nin, const char *name)
{
	const char *s = svc_builtin_arg(in, nin, name);

	return s != NULL && *s != '\0' ? s : NULL;
}

/*
 * The columns that say a slot: the day as a prompt (today, tomorrow)
 * or, further on, as a date; its times "HH:MM".  now is the one reading
 * of the clock the answer is made of (two readings mix two days at
 * midnight).
 */
struct svc_visit_when {
	const char *far, *day;
	char from[8], to[8];
};

static void
svc_visit_when(const char *now, const char *date, const char *slot,
    struct svc_visit_when *w)
{
	char today[11], tomorrow[11];

	snprintf(today, sizeof today, "%.10s", now);
	if (demo_date_add(today, 1, tomorrow) == -1)
		tomorrow[0] = '\0';
	w->day = strcmp(date, today) == 0 ? "order.today" :
	    strcmp(date, tomorrow) == 0 ? "order.tomorrow" : NULL;
	w->far = w->day == NULL ? date : NULL;
	snprintf(w->from, sizeof w->from, "%.5s", slot);
	snprintf(w->to, sizeof w->to, "%.5s", strlen(slot) > 6 ? slot + 6 :
	    "");
}

/* The free slots at now; -1 with *cause. */
static int
svc_visit_offers(struct svc *svc, struct db_source *src, const char *now,
    struct store_visit_policy **pol, struct store_visit_offer *off,
    size_t *n, char **cause)
{
	if (store_visit_policy_load(svc->conf, pol, cause) == -1)
		return -1;
	if (store_visit_offers(src, *pol, now, off, VISIT_OFFERS, n,
	    cause) == -1) {
		store_visit_policy_free(*pol);
		*pol = NULL;
		return -1;
	}
	return 0;
}

static enum flow_outcome
svc_visit_slots(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	struct store_visit_offer off[VISIT_OFFERS];
	struct store_visit_policy *pol = NULL;
	struct svc_visit_when w;
	struct db_source *src;
	char key[24], nowbuf[STORE_STAMP_LEN];
	const char *now;
	size_t i, n = 0;

	(void)in;
	(void)nin;
	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	now = store_stamp_now(NULL, nowbuf);
	if (svc_visit_offers(svc, src, now, &pol, off, &n, cause) == -1)
		return FLOW_Q_ERROR;
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "%zu", i + 1);
		svc_visit_when(now, off[i].date, off[i].slot->name, &w);
		svc_builtin_row(b, rows, (const char *const[]){ key,
		    off[i].date, w.far, w.day, w.from, w.to });
	}
	store_visit_policy_free(pol);
	return n > 0 ? FLOW_Q_FOUND : FLOW_Q_EMPTY;
}

static enum flow_outcome
svc_visit_slot(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *key = svc_builtin_arg(in, nin, "key");
	struct store_visit_offer off[VISIT_OFFERS];
	struct store_visit_policy *pol = NULL;
	struct svc_visit_when w;
	struct db_source *src;
	char nowbuf[STORE_STAMP_LEN];
	const char *now;
	size_t n = 0;
	int k;

	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	now = store_stamp_now(NULL, nowbuf);
	if (svc_visit_offers(svc, src, now, &pol, off, &n, cause) == -1)
		return FLOW_Q_ERROR;
	k = key != NULL && strlen(key) == 1 ? key[0] - '1' : -1;
	if (k < 0 || (size_t)k >= n) {
		store_visit_policy_free(pol);
		kf_error(cause, "no slot has key %s", key ? key : "");
		return FLOW_Q_EMPTY;
	}
	svc_visit_when(now, off[k].date, off[k].slot->name, &w);
	svc_builtin_row(b, rows, (const char *const[]){ off[k].date,
	    off[k].slot->name, w.far, w.day, w.from, w.to });
	store_visit_policy_free(pol);
	return FLOW_Q_FOUND;
}

static enum flow_outcome
svc_visit_book(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	struct store_visit_policy *pol = NULL;
	struct store_visit_new v;
	struct db_source *src;
	char no[CASE_NO_LEN + 1];
	int full = 0, rc;

	memset(&v, 0, sizeof v);
	v.date = svc_builtin_arg(in, nin, "date");
	v.slot = svc_builtin_arg(in, nin, "slot");
	v.purchase = svc_visit_arg(in, nin, "purchase");
	v.member_no = svc_visit_arg(in, nin, "member_no");
	v.caller_id = svc_visit_arg(in, nin, "caller");
	v.call_ref = svc_visit_arg(in, nin, "call");
	if ((v.phone = svc_visit_phone(in, nin, "phone")) == NULL) {
		kf_error(cause, "no phone number to confirm the visit to");
		return FLOW_Q_INVALID;
	}
	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if (store_visit_policy_load(svc->conf, &pol, cause) == -1)
		return FLOW_Q_ERROR;
	rc = store_visit_book(src, svc->conf, pol, &v, no, &full, cause);
	store_visit_policy_free(pol);
	if (rc == -1)
		return full ? FLOW_Q_EMPTY : FLOW_Q_ERROR;
	svc_builtin_row(b, rows, (const char *const[]){ no });
	return FLOW_Q_FOUND;
}

static enum flow_outcome
svc_visit_find(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *no = svc_builtin_arg(in, nin, "case_no");
	const char *phone = svc_visit_phone(in, nin, "phone");
	struct store_visit *v = NULL;
	struct svc_visit_when w;
	struct db_source *src;
	char nowbuf[STORE_STAMP_LEN];

	if (no == NULL || !store_case_no_valid(no)) {
		kf_error(cause, "not a case number");
		return FLOW_Q_INVALID;
	}
	if (phone == NULL) {
		kf_error(cause, "no phone number to check the visit with");
		return FLOW_Q_EMPTY;
	}
	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if (store_visit_get(src, no, phone, &v, cause) == -1)
		return FLOW_Q_ERROR;
	if (v == NULL) {
		kf_error(cause, "case %s has no visit booked for that number",
		    no);
		return FLOW_Q_EMPTY;
	}
	svc_visit_when(store_stamp_now(NULL, nowbuf), v->date, v->slot, &w);
	svc_builtin_row(b, rows, (const char *const[]){ v->date, v->slot,
	    w.far, w.day, w.from, w.to });
	store_visits_free(v, 1);
	return FLOW_Q_FOUND;
}

/* Cancel (date NULL) or move the visit of case_no. */
static enum flow_outcome
svc_visit_change(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    int move, char **cause)
{
	const char *no = svc_builtin_arg(in, nin, "case_no");
	struct store_visit_change ch;
	struct store_visit_policy *pol = NULL;
	struct db_source *src;
	int full = 0, rc;

	memset(&ch, 0, sizeof ch);
	ch.phone = svc_visit_phone(in, nin, "phone");
	ch.call_ref = svc_visit_arg(in, nin, "call");
	if (no == NULL || !store_case_no_valid(no) || ch.phone == NULL) {
		kf_error(cause, "no case number, or no phone number to check "
		    "the visit with");
		return FLOW_Q_INVALID;
	}
	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if (store_visit_policy_load(svc->conf, &pol, cause) == -1)
		return FLOW_Q_ERROR;
	rc = move ? store_visit_move(src, pol, no, svc_builtin_arg(in, nin,
	    "date"), svc_builtin_arg(in, nin, "slot"), &ch, &full, cause) :
	    store_visit_cancel(src, pol, no, &ch, cause);
	store_visit_policy_free(pol);
	if (rc == -1)
		return full ? FLOW_Q_EMPTY : FLOW_Q_INVALID;
	svc_builtin_row(b, rows, (const char *const[]){ no });
	return FLOW_Q_FOUND;
}

static enum flow_outcome
svc_visit_cancel(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	return svc_visit_change(svc, b, in, nin, rows, 0, cause);
}

static enum flow_outcome
svc_visit_move(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	return svc_visit_change(svc, b, in, nin, rows, 1, cause);
}

static enum flow_outcome
svc_visit_purchase(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *no = svc_builtin_arg(in, nin, "no");
	struct store_visit_purchase p;
	struct db_source *src;
	int found = 0;

	if (no == NULL || *no == '\0' || strlen(no) > 32)
		return FLOW_Q_INVALID;
	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if (store_visit_purchase(src, no, &p, &found, cause) == -1)
		return FLOW_Q_ERROR;
	if (found)
		svc_builtin_row(b, rows, (const char *const[]){ p.order_no,
		    p.phone, p.member_no });
	store_visit_purchase_clear(&p);
	return found ? FLOW_Q_FOUND : FLOW_Q_EMPTY;
}

static enum flow_outcome
svc_visit_callback(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	struct store_visit_new v;
	struct db_source *src;
	char no[CASE_NO_LEN + 1];

	memset(&v, 0, sizeof v);
	v.purchase = svc_visit_arg(in, nin, "purchase");
	v.member_no = svc_visit_arg(in, nin, "member_no");
	v.caller_id = svc_visit_arg(in, nin, "caller");
	v.call_ref = svc_visit_arg(in, nin, "call");
	if ((v.phone = svc_visit_phone(in, nin, "phone")) == NULL) {
		kf_error(cause, "no phone number to call back");
		return FLOW_Q_INVALID;
	}
	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if (store_visit_callback(src, svc->conf, &v, no, cause) == -1)
		return FLOW_Q_ERROR;
	svc_builtin_row(b, rows, (const char *const[]){ no });
	return FLOW_Q_FOUND;
}

/* What each service saying a slot sets. */
#define SVC_VISIT_WHEN_OUTS \
	{ "visit_far", FLOW_T_DATE }, { "visit_day", FLOW_T_TEXT }, \
	{ "visit_from", FLOW_T_TEXT }, { "visit_to", FLOW_T_TEXT }

const struct svc_builtin svc_builtins_visit[SVC_BUILTINS_VISIT] = {
	{
		.name = "kefu.visit.slots",
		.what = "the home-visit slots still free, today's first, one "
		    "key each (rows=\"many\")",
		.nparams = 0,
		.nouts = 6,
		.outs = { { "slot_key", FLOW_T_DIGITS },
		    { "slot_date", FLOW_T_DATE }, { "slot_far", FLOW_T_DATE },
		    { "slot_day", FLOW_T_TEXT }, { "slot_from", FLOW_T_TEXT },
		    { "slot_to", FLOW_T_TEXT } },
		.many = 1,
		.run = svc_visit_slots,
	},
	{
		.name = "kefu.visit.slot",
		.what = "the free slot of a key (empty: no such key)",
		.nparams = 1,
		.params = { { "key", FLOW_T_DIGITS, 0 } },
		.nouts = 6,
		.outs = { { "visit_date", FLOW_T_DATE },
		    { "visit_slot", FLOW_T_TEXT }, SVC_VISIT_WHEN_OUTS },
		.run = svc_visit_slot,
	},
	{
		.name = "kefu.visit.book",
		.what = "book a home visit: an after-sales case, its visit and "
		    "the confirmation SMS (empty: the slot is full)",
		.nparams = 7,
		.params = {
			{ "date", FLOW_T_DATE, 0 },
			{ "slot", FLOW_T_TEXT, 0 },
			{ "phone", FLOW_T_TEXT, 0 },
			{ "purchase", FLOW_T_TEXT, 1 },
			{ "member_no", FLOW_T_DIGITS, 1 },
			{ "caller", FLOW_T_TEXT, 1 },
			{ "call", FLOW_T_TEXT, 1 },
		},
		.nouts = 1,
		.outs = { { "case_no", FLOW_T_DIGITS } },
		.run = svc_visit_book,
	},
	{
		.name = "kefu.visit.find",
		.what = "the visit booked under a case number for a phone "
		    "number (empty: none)",
		.nparams = 2,
		.params = { { "case_no", FLOW_T_DIGITS, 0 },
		    { "phone", FLOW_T_TEXT, 1 } },
		.nouts = 6,
		.outs = { { "visit_date", FLOW_T_DATE },
		    { "visit_slot", FLOW_T_TEXT }, SVC_VISIT_WHEN_OUTS },
		.run = svc_visit_find,
	},
	{
		.name = "kefu.visit.cancel",
		.what = "cancel the visit of a case, with its SMS",
		.nparams = 3,
		.params = { { "case_no", FLOW_T_DIGITS, 0 },
		    { "phone", FLOW_T_TEXT, 0 }, { "call", FLOW_T_TEXT, 1 } },
		.nouts = 1,
		.outs = { { "case_no", FLOW_T_DIGITS } },
		.run = svc_visit_cancel,
	},
	{
		.name = "kefu.visit.move",
		.what = "move the visit of a case to another free slot, with "
		    "its SMS (empty: that slot is full)",
		.nparams = 5,
		.params = { { "case_no", FLOW_T_DIGITS, 0 },
		    { "phone", FLOW_T_TEXT, 0 }, { "date", FLOW_T_DATE, 0 },
		    { "slot", FLOW_T_TEXT, 0 }, { "call", FLOW_T_TEXT, 1 } },
		.nouts = 1,
		.outs = { { "case_no", FLOW_T_DIGITS } },
		.run = svc_visit_move,
	},
	{
		.name = "kefu.visit.purchase",
		.what = "the order an order or delivery-slip number names, and "
		    "the number to reach its customer",
		.nparams = 1,
		.params = { { "no", FLOW_T_DIGITS, 0 } },
		.nouts = 3,
		.outs = { { "purchase_no", FLOW_T_TEXT },
		    { "purchase_phone", FLOW_T_TEXT },
		    { "member_no", FLOW_T_DIGITS } },
		.run = svc_visit_purchase,
	},
	{
		.name = "kefu.visit.callback",
		.what = "remote help: an after-sales case on the call-back "
		    "list",
		.nparams = 4,
		.params = { { "phone", FLOW_T_TEXT, 0 },
		    { "purchase", FLOW_T_TEXT, 1 },
		    { "caller", FLOW_T_TEXT, 1 }, { "call", FLOW_T_TEXT, 1 } },
		.nouts = 1,
		.outs = { { "case_no", FLOW_T_DIGITS } },
		.run = svc_visit_callback,
	},
};
