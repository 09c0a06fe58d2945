/*
 * svc-order.c: phone ordering asked from flows as built-in services
 * kefu.order.* (kefu-flow(5), BUILT-IN SERVICES; kefu-orders(7)).  The
 * cart of a call lives here, in memory, keyed by the flow's call
 * variable, until the caller confirms: only then does store/order.c
 * write anything, so a hang-up (or a kefud killed) leaves no order and
 * no draft for the slips to print.  Carts not used for [store]
 * order-cart-idle are forgotten.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "svc/svc.h"
#include "db/db.h"
#include "store/store.h"

#define CART_OFFERS 9           /* slots offered at most: one key each */
#define CART_MAX    256         /* carts held at once (calls in progress) */

/* One ordering call's cart. */
struct cart {
	char *call;                     /* the flow's call variable */
	char member_no[MEMBER_NO_LEN + 1];
	struct store_order_policy *pol;
	struct store_order_line *lines;
	size_t nlines;
	struct store_order_offer offers[CART_OFFERS];   /* as last listed */
	size_t noffers;
	int chosen;                     /* index into offers, -1: none */
	uint64_t used_ms;               /* now_ms() of the last service */
	struct cart *next;
};

static pthread_mutex_t carts_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct cart *carts;      /* guarded by carts_mtx */

static void
cart_free(struct cart *c)
{
	size_t i;

	for (i = 0; i < c->nlines; i++) {
		free(c->lines[i].code);
		free(c->lines[i].name);
		free(c->lines[i].unit);
	}
	free(c->lines);
	store_order_policy_free(c->pol);
	free(c->call);
	free(c);
}

/* Forget carts idle longer than their policy allows; carts_mtx held. */
static size_t
cart_expire(uint64_t now, int idle_ms)
{
	struct cart **pp = &carts, *c;
	size_t n = 0;

	while ((c = *pp) != NULL) {
		if (now - c->used_ms > (uint64_t)idle_ms) {
			log_info("orders: call %s: cart of member %s forgotten "
			    "unconfirmed (%zu items)", c->call, c->member_no,
			    c->nlines);
			*pp = c->next;
			cart_free(c);
			continue;
		}
		n++;
		pp = &c->next;
	}
	return n;
}

/*
 * Take the cart of call out of the list (NULL when none): a call's
 * services run one at a time on its line's thread, so the cart is its
 * own until cart_put gives it back.
 */
static struct cart *
cart_take(const struct svc *svc, const char *call)
{
	struct cart **pp, *c;

	pthread_mutex_lock(&carts_mtx);
	cart_expire(now_ms(), svc->conf->order_cart_idle_ms);
	for (pp = &carts; (c = *pp) != NULL; pp = &c->next)
		if (strcmp(c->call, call) == 0) {
			*pp = c->next;
			break;
		}
	pthread_mutex_unlock(&carts_mtx);
	return c;
}

static void
cart_put(struct cart *c)
{
	c->used_ms = now_ms();
	pthread_mutex_lock(&carts_mtx);
	c->next = carts;
	carts = c;
	pthread_mutex_unlock(&carts_mtx);
}

static int
cart_items(const struct cart *c)
{
	size_t i;
	int n = 0;

	for (i = 0; i < c->nlines; i++)
		n += c->lines[i].qty;
	return n;
}

/* How many of code the cart holds already. */
static long
cart_qty_of(const struct cart *c, const char *code)
{
	size_t i;
	long n = 0;

	for (i = 0; code != NULL && i < c->nlines; i++)
		if (strcmp(c->lines[i].code, code) == 0)
			n += c->lines[i].qty;
	return n;
}

/*
 * Cut the lines of each code to what is left of it (left[i] >= 0), the
 * last lines first; lines left with nothing are dropped.
 */
static void
cart_trim(struct cart *c, const long *left)
{
	size_t i, j, k;
	long more;

	for (i = c->nlines; i-- > 0;) {
		if (left[i] < 0)
			continue;
		/* what the lines before it hold of the code comes first */
		for (more = left[i], j = 0; j < i; j++)
			if (strcmp(c->lines[j].code, c->lines[i].code) == 0)
				more -= c->lines[j].qty;
		if (more >= c->lines[i].qty)
			continue;
		c->lines[i].qty = more > 0 ? (int)more : 0;
	}
	for (i = k = 0; i < c->nlines; i++) {
		if (c->lines[i].qty > 0) {
			c->lines[k++] = c->lines[i];
			continue;
		}
		free(c->lines[i].code);
		free(c->lines[i].name);
		free(c->lines[i].unit);
	}
	c->nlines = k;
}

static int64_t
cart_total(const struct cart *c)
{
	size_t i;
	int64_t t = 0;

	for (i = 0; i < c->nlines; i++)
		t += c->lines[i].price * c->lines[i].qty;
	return t;
}

/* The cart named by parameter call, or FLOW_Q_INVALID. */
static struct cart *
svc_order_cart(struct svc *svc, const struct flow_kv *in, size_t nin,
    char **cause)
{
	const char *call = svc_builtin_arg(in, nin, "call");
	struct cart *c;

	if ((c = cart_take(svc, call)) == NULL)
		kf_error(cause, "call %s has no order started (or it was "
		    "forgotten after order-cart-idle)", call);
	return c;
}

/*
 * Take the units of code on open orders off *have (the retailer's stock
 * counts them until they are delivered); kefu-orders(7), "Stock kept
 * for open orders".
 */
static int
svc_order_kept(struct svc *svc, const char *code, long *have, char **cause)
{
	struct db_source *src;
	long kept;

	if ((src = svc_builtin_store(svc, cause)) == NULL ||
	    store_order_reserved(src, code, &kept, cause) == -1)
		return -1;
	*have -= kept;
	return 0;
}

/* Minutes after midnight as "H:MM", as <say as="time"> reads it. */
static void
svc_order_hhmm(int mins, char out[16])
{
	snprintf(out, 16, "%d:%02d", mins / 60, mins % 60);
}

/* ---- the services ---- */

static enum flow_outcome
svc_order_start(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *no = svc_builtin_arg(in, nin, "member_no");
	const char *call = svc_builtin_arg(in, nin, "call");
	struct store_order_policy *pol;
	struct db_source *src;
	struct cart *c;
	const char *why;
	char max[16];

	if (!store_member_no_valid(no)) {
		kf_error(cause, "not a customer number");
		return FLOW_Q_INVALID;
	}
	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if (store_order_policy_load(svc->conf, &pol, cause) == -1) {
		log_warnx("orders: %s", *cause);
		return FLOW_Q_ERROR;
	}
	if (store_order_eligible(src, pol, no, &why, cause) == -1) {
		store_order_policy_free(pol);
		return FLOW_Q_ERROR;
	}
	if (why != NULL) {
		store_order_policy_free(pol);
		kf_error(cause, "member %s may not order by phone (%s)", no,
		    why);
		if (strcmp(why, "no-service") == 0)
			return FLOW_Q_EMPTY;
		return strcmp(why, "no-area") == 0 ? FLOW_Q_MANY :
		    FLOW_Q_INVALID;
	}
	if ((c = cart_take(svc, call)) != NULL)
		cart_free(c);           /* the caller started over */
	pthread_mutex_lock(&carts_mtx);
	if (cart_expire(now_ms(), svc->conf->order_cart_idle_ms) >= CART_MAX) {
		pthread_mutex_unlock(&carts_mtx);
		store_order_policy_free(pol);
		kf_error(cause, "%d ordering calls at once already", CART_MAX);
		return FLOW_Q_ERROR;
	}
	pthread_mutex_unlock(&carts_mtx);
	c = xcalloc(1, sizeof *c);
	c->call = xstrdup(call);
	memcpy(c->member_no, no, sizeof c->member_no);
	c->pol = pol;
	c->chosen = -1;
	snprintf(max, sizeof max, "%d", pol->max_qty);
	cart_put(c);
	svc_builtin_row(b, rows, (const char *const[]){ max });
	return FLOW_Q_FOUND;
}

/*
 * kefu.order.item: an item as it would be ordered -- the whole units in
 * stock and the price it is ordered at (the special price when it is on
 * special today).  Empty when not one unit is in stock.
 */
static enum flow_outcome
svc_order_item(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *price = svc_builtin_arg(in, nin, "price");
	const char *special = svc_builtin_arg(in, nin, "special");
	const char *stock = svc_builtin_arg(in, nin, "stock");
	const char *call = svc_builtin_arg(in, nin, "call");
	const char *code = svc_builtin_arg(in, nin, "code");
	struct cart *c;
	char n[24], cents[24];
	int64_t p;
	long have;
	int on;

	if ((p = store_order_price(price, special, &on)) < 0 ||
	    (have = store_order_in_stock(stock)) < 0) {
		kf_error(cause, "item: price '%s' or stock '%s' is not a "
		    "number", price, stock);
		return FLOW_Q_INVALID;
	}
	/* Nor what open orders and the cart hold of it already. */
	if (code != NULL && svc_order_kept(svc, code, &have, cause) == -1)
		return FLOW_Q_ERROR;
	if (call != NULL && (c = cart_take(svc, call)) != NULL) {
		have -= cart_qty_of(c, code);
		cart_put(c);
	}
	if (have < 1) {
		kf_error(cause, "not one in stock (%s)", stock);
		return FLOW_Q_EMPTY;
	}
	snprintf(n, sizeof n, "%ld", have);
	store_money_text(p, cents);
	svc_builtin_row(b, rows, (const char *const[]){ n, cents,
	    on ? "1" : "0" });
	return FLOW_Q_FOUND;
}

/* Whether one more line of qty fits the limits; *cause says which not. */
static int
svc_order_fits(const struct cart *c, int qty, char **cause)
{
	if (qty < 1 || qty > c->pol->max_qty)
		return kf_error(cause, "quantity %d: 1 to %d (order-max-qty)",
		    qty, c->pol->max_qty);
	if (c->nlines + 1 > (size_t)c->pol->max_lines)
		return kf_error(cause, "more than %d items (order-max-lines)",
		    c->pol->max_lines);
	if (cart_items(c) + qty > c->pol->max_items)
		return kf_error(cause, "more than %d items in all "
		    "(order-max-items)", c->pol->max_items);
	return 0;
}

static enum flow_outcome
svc_order_add(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *code = svc_builtin_arg(in, nin, "code");
	const char *name = svc_builtin_arg(in, nin, "name");
	const char *unit = svc_builtin_arg(in, nin, "unit");
	const char *qtys = svc_builtin_arg(in, nin, "qty");
	const char *price = svc_builtin_arg(in, nin, "price");
	const char *stock = svc_builtin_arg(in, nin, "stock");
	struct store_order_line *l;
	struct cart *c;
	char lines[24], items[16], amount[24];
	int64_t cents;
	long long qty;
	long have = -1, stocked = -1;
	const char *errstr = NULL;
	int on;

	cents = store_order_price(price, svc_builtin_arg(in, nin, "special"),
	    &on);
	if ((c = svc_order_cart(svc, in, nin, cause)) == NULL)
		return FLOW_Q_INVALID;
	if (cents < 0 || name == NULL || *name == '\0') {
		cart_put(c);
		kf_error(cause, "item %s: no name or price '%s'", code,
		    price ? price : "");
		return FLOW_Q_INVALID;
	}
	if (str_tonum(qtys, 0, 1000000, &qty, &errstr) == -1 ||
	    svc_order_fits(c, (int)qty, cause) == -1) {
		if (errstr != NULL && *cause == NULL)
			kf_error(cause, "quantity '%s' is %s", qtys, errstr);
		cart_put(c);
		return FLOW_Q_INVALID;
	}
	if (stock != NULL && *stock != '\0') {
		have = stocked = store_order_in_stock(stock);
		if (svc_order_kept(svc, code, &have, cause) == -1) {
			cart_put(c);
			return FLOW_Q_ERROR;
		}
		have -= cart_qty_of(c, code);
	}
	if (stocked >= 0 && qty > have) {
		kf_error(cause, "item %s: %lld asked, %ld in stock beyond open "
		    "orders and the cart", code, qty, have < 0 ? 0 : have);
		cart_put(c);
		return FLOW_Q_MANY;
	}
	c->lines = xreallocarray(c->lines, c->nlines + 1, sizeof *c->lines);
	l = &c->lines[c->nlines++];
	l->code = xstrdup(code);
	l->name = xstrdup(name);
	l->unit = unit != NULL && *unit != '\0' ? xstrdup(unit) : NULL;
	l->qty = (int)qty;
	l->price = cents;
	l->special = on;
	l->shelf = on ? store_money_parse(price) : 0;
	l->stock = stocked > 0 ? stocked : 0;
	snprintf(lines, sizeof lines, "%zu", c->nlines);
	snprintf(items, sizeof items, "%d", cart_items(c));
	store_money_text(cents * qty, amount);
	cart_put(c);
	svc_builtin_row(b, rows, (const char *const[]){ lines, items,
	    amount });
	return FLOW_Q_FOUND;
}

static enum flow_outcome
svc_order_remove(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	struct store_order_line *l;
	struct cart *c;
	char lines[24];

	if ((c = svc_order_cart(svc, in, nin, cause)) == NULL)
		return FLOW_Q_INVALID;
	if (c->nlines == 0) {
		cart_put(c);
		return FLOW_Q_EMPTY;
	}
	l = &c->lines[--c->nlines];
	snprintf(lines, sizeof lines, "%zu", c->nlines);
	svc_builtin_row(b, rows, (const char *const[]){ l->name, lines });
	free(l->code);
	free(l->name);
	free(l->unit);
	cart_put(c);
	return FLOW_Q_FOUND;
}

static enum flow_outcome
svc_order_slots(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	struct db_source *src;
	struct cart *c;
	char key[24], from[16], to[16], today[11], tomorrow[11];
	char nowbuf[STORE_STAMP_LEN];
	const char *now;
	size_t i;

	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if ((c = svc_order_cart(svc, in, nin, cause)) == NULL)
		return FLOW_Q_INVALID;
	c->chosen = -1;
	/* The clock read once: the slots and "today" are of one day. */
	now = store_stamp_now(NULL, nowbuf);
	if (store_order_offers(src, c->pol, now, c->offers, CART_OFFERS,
	    &c->noffers, cause) == -1) {
		cart_put(c);
		return FLOW_Q_ERROR;
	}
	snprintf(today, sizeof today, "%.10s", now);
	if (demo_date_add(today, 1, tomorrow) == -1)
		tomorrow[0] = '\0';
	for (i = 0; i < c->noffers; i++) {
		const struct store_order_slot *sl = c->offers[i].slot;
		const char *d = c->offers[i].date;
		const char *day = strcmp(d, today) == 0 ? "order.today" :
		    strcmp(d, tomorrow) == 0 ? "order.tomorrow" : NULL;

		snprintf(key, sizeof key, "%zu", i + 1);
		svc_order_hhmm(sl->from, from);
		svc_order_hhmm(sl->to, to);
		svc_builtin_row(b, rows, (const char *const[]){ key, d,
		    day == NULL ? d : NULL, day, from, to });
	}
	i = c->noffers;
	cart_put(c);
	return i > 0 ? FLOW_Q_FOUND : FLOW_Q_EMPTY;
}

static enum flow_outcome
svc_order_slot(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *key = svc_builtin_arg(in, nin, "key");
	const struct store_order_slot *sl;
	const char *d, *day;
	struct cart *c;
	char from[16], to[16], today[11], tomorrow[11];
	int k;

	if ((c = svc_order_cart(svc, in, nin, cause)) == NULL)
		return FLOW_Q_INVALID;
	k = key != NULL && strlen(key) == 1 ? key[0] - '1' : -1;
	if (k < 0 || (size_t)k >= c->noffers) {
		cart_put(c);
		kf_error(cause, "no slot has key %s", key ? key : "");
		return FLOW_Q_EMPTY;
	}
	c->chosen = k;
	sl = c->offers[k].slot;
	svc_order_hhmm(sl->from, from);
	svc_order_hhmm(sl->to, to);
	catalog_today(today);
	if (demo_date_add(today, 1, tomorrow) == -1)
		tomorrow[0] = '\0';
	d = c->offers[k].date;
	day = strcmp(d, today) == 0 ? "order.today" : strcmp(d, tomorrow) ==
	    0 ? "order.tomorrow" : NULL;
	svc_builtin_row(b, rows, (const char *const[]){ d,
	    day == NULL ? d : NULL, day, from, to });
	cart_put(c);
	return FLOW_Q_FOUND;
}

static enum flow_outcome
svc_order_total(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	struct cart *c;
	char total[24], items[16], lines[24];

	if ((c = svc_order_cart(svc, in, nin, cause)) == NULL)
		return FLOW_Q_INVALID;
	if (c->nlines == 0) {
		cart_put(c);
		return FLOW_Q_EMPTY;
	}
	store_money_text(cart_total(c), total);
	snprintf(items, sizeof items, "%d", cart_items(c));
	snprintf(lines, sizeof lines, "%zu", c->nlines);
	cart_put(c);
	svc_builtin_row(b, rows, (const char *const[]){ total, items, lines });
	return FLOW_Q_FOUND;
}

static enum flow_outcome
svc_order_confirm(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	struct store_order_new o = { .via = "phone" };
	struct db_source *src;
	struct cart *c;
	char no[ORDER_NO_LEN + 1];
	long *left;
	int full, rc;

	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if ((c = svc_order_cart(svc, in, nin, cause)) == NULL)
		return FLOW_Q_INVALID;
	if (c->nlines == 0 || c->chosen < 0) {
		kf_error(cause, "call %s: %s", c->call, c->nlines == 0 ?
		    "no item to order" : "no delivery slot chosen");
		cart_put(c);
		return FLOW_Q_INVALID;
	}
	o.member_no = c->member_no;
	o.slot_date = c->offers[c->chosen].date;
	o.slot = c->offers[c->chosen].slot->name;
	o.call_ref = c->call;
	o.lines = c->lines;
	o.nlines = c->nlines;
	left = xcalloc(c->nlines, sizeof *left);
	rc = store_order_commit(src, c->pol, &o, no, &full, left, cause);
	if (rc == -1 && full == 2) {
		/* Units taken meanwhile: the cart keeps what is left. */
		log_info("orders: call %s: %s; the cart now holds what is left",
		    c->call, *cause);
		cart_trim(c, left);
		free(left);
		cart_put(c);
		return FLOW_Q_MANY;
	}
	free(left);
	if (rc == -1) {
		/* A slot that filled meanwhile: the caller chooses again. */
		c->chosen = -1;
		cart_put(c);
		return full ? FLOW_Q_EMPTY : FLOW_Q_ERROR;
	}
	cart_free(c);
	svc_builtin_row(b, rows, (const char *const[]){ no });
	return FLOW_Q_FOUND;
}

const struct svc_builtin svc_builtins_order[8] = {
	{
		.name = "kefu.order.start",
		.what = "start a phone order for a member (found: may order; "
		    "empty: no phone-ordering service; many: no delivery "
		    "area; invalid: no such member)",
		.nparams = 2,
		.params = { { "member_no", FLOW_T_DIGITS, 0 },
		    { "call", FLOW_T_TEXT, 0 } },
		.nouts = 1,
		.outs = { { "max_qty", FLOW_T_INTEGER } },
		.run = svc_order_start,
	},
	{
		.name = "kefu.order.item",
		.what = "an item as ordered: whole units in stock (less "
		    "what the call's cart holds of code), the price (the "
		    "special one when on special; on_special 1) (empty: "
		    "none in stock)",
		.nparams = 5,
		.params = { { "price", FLOW_T_DECIMAL, 0 },
		    { "special", FLOW_T_DECIMAL, 1 },
		    { "stock", FLOW_T_DECIMAL, 0 }, { "call", FLOW_T_TEXT, 1 },
		    { "code", FLOW_T_DIGITS, 1 } },
		.nouts = 3,
		.outs = { { "in_stock", FLOW_T_INTEGER },
		    { "order_price", FLOW_T_DECIMAL },
		    { "on_special", FLOW_T_INTEGER } },
		.run = svc_order_item,
	},
	{
		.name = "kefu.order.add",
		.what = "add an item to the call's cart at its special price "
		    "when one is given (invalid: a quantity or a count over "
		    "the limits; many: more than in stock)",
		.nparams = 8,
		.params = { { "call", FLOW_T_TEXT, 0 },
		    { "code", FLOW_T_DIGITS, 0 }, { "name", FLOW_T_TEXT, 0 },
		    { "price", FLOW_T_DECIMAL, 0 }, { "qty", FLOW_T_DIGITS, 0 },
		    { "unit", FLOW_T_TEXT, 1 },
		    { "special", FLOW_T_DECIMAL, 1 },
		    { "stock", FLOW_T_DECIMAL, 1 } },
		.nouts = 3,
		.outs = { { "lines", FLOW_T_INTEGER },
		    { "items", FLOW_T_INTEGER }, { "amount", FLOW_T_DECIMAL } },
		.run = svc_order_add,
	},
	{
		.name = "kefu.order.remove",
		.what = "take the last item out of the call's cart (empty: "
		    "nothing in it)",
		.nparams = 1,
		.params = { { "call", FLOW_T_TEXT, 0 } },
		.nouts = 2,
		.outs = { { "removed_name", FLOW_T_TEXT },
		    { "lines", FLOW_T_INTEGER } },
		.run = svc_order_remove,
	},
	{
		.name = "kefu.order.slots",
		.what = "the delivery slots still open, today's first, one "
		    "key each (empty: none)",
		.nparams = 1,
		.params = { { "call", FLOW_T_TEXT, 0 } },
		.nouts = 6,
		.outs = { { "slot_key", FLOW_T_DIGITS },
		    { "slot_date", FLOW_T_DATE }, { "slot_far", FLOW_T_DATE },
		    { "slot_day", FLOW_T_TEXT }, { "slot_from", FLOW_T_TEXT },
		    { "slot_to", FLOW_T_TEXT } },
		.many = 1,
		.run = svc_order_slots,
	},
	{
		.name = "kefu.order.slot",
		.what = "choose a listed slot by its key (empty: no such key)",
		.nparams = 2,
		.params = { { "call", FLOW_T_TEXT, 0 },
		    { "key", FLOW_T_DIGITS, 0 } },
		.nouts = 5,
		.outs = { { "slot_date", FLOW_T_DATE },
		    { "slot_far", FLOW_T_DATE }, { "slot_day", FLOW_T_TEXT },
		    { "slot_from", FLOW_T_TEXT }, { "slot_to", FLOW_T_TEXT } },
		.run = svc_order_slot,
	},
	{
		.name = "kefu.order.total",
		.what = "the cart's total, items and lines (empty: no item)",
		.nparams = 1,
		.params = { { "call", FLOW_T_TEXT, 0 } },
		.nouts = 3,
		.outs = { { "total", FLOW_T_DECIMAL },
		    { "items", FLOW_T_INTEGER }, { "lines", FLOW_T_INTEGER } },
		.run = svc_order_total,
	},
	{
		.name = "kefu.order.confirm",
		.what = "commit the call's order with its courier's notice "
		    "(empty: the slot filled meanwhile; many: another order "
		    "took units meanwhile, the cart now holds what is left)",
		.nparams = 1,
		.params = { { "call", FLOW_T_TEXT, 0 } },
		.nouts = 1,
		.outs = { { "order_no", FLOW_T_DIGITS } },
		.run = svc_order_confirm,
	},
};
const size_t svc_builtins_order_count = sizeof svc_builtins_order /
    sizeof *svc_builtins_order;
