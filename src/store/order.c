/*
 * order.c: phone orders in the local store -- the ordering policy read
 * from [store] order-* (delivery slots with cut-off and capacity, area
 * rules, quantity limits, courier choice), the slots still open, the
 * commit of an order with its lines and the courier's notice in one
 * transaction, and the desk's order and courier commands.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "store/store-int.h"
#include "util/util.h"

#define ORDER_TRIES 6           /* commits tried (numbers collide, locks) */
#define ORDER_RETRY_MS 2000     /* a failed try slower than this is final */

/*
 * Commits of one process run one at a time: a commit reads (the day's
 * last number, the slot's count) before it writes, and two SQLite
 * transactions that both read first wait on each other until one gives
 * up ("database is locked").  Between processes and kefud nodes (a
 * shared PostgreSQL or MariaDB store) the retry below does the rest.
 */
static pthread_mutex_t order_commit_mtx = PTHREAD_MUTEX_INITIALIZER;

/* The columns an order is read from, in struct store_order order. */
#define ORDER_COLS "o.id, o.order_no, m.customer_no, m.name, o.ordered_at, " \
	"o.slot_date, o.slot, o.area, o.address, o.phone, o.status, " \
	"o.call_ref, o.total, o.courier_id, c.name, (SELECT COALESCE(" \
	"SUM(l.qty), 0) FROM order_lines l WHERE l.order_id = o.id) " \
	"FROM orders o JOIN members m ON m.id = o.member_id LEFT JOIN " \
	"couriers c ON c.id = o.courier_id"
static const enum db_vtype order_types[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	DBV_TEXT, DBV_TIMESTAMP, DBV_DATE, DBV_TEXT, DBV_TEXT, DBV_TEXT,
	DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_DECIMAL, DBV_INT, DBV_TEXT,
	DBV_DECIMAL };

/* ---- money ---- */

int64_t
store_money_parse(const char *s)
{
	int64_t v = 0;
	int frac = -1;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == '.' && frac == -1) {
			frac = 0;
			continue;
		}
		if (!isdigit((unsigned char)*s) || v > INT64_MAX / 100)
			return -1;
		if (frac >= 0 && ++frac > 2) {
			if (*s != '0')  /* "12.500" from a DECIMAL(12,3) */
				return -1;
			continue;
		}
		v = v * 10 + (*s - '0');
	}
	for (frac = frac < 0 ? 0 : frac > 2 ? 2 : frac; frac < 2; frac++)
		v *= 10;
	return v;
}

const char *
store_money_text(int64_t cents, char buf[24])
{
	snprintf(buf, 24, "%s%" PRId64 ".%02" PRId64, cents < 0 ? "-" : "",
	    (cents < 0 ? -cents : cents) / 100,
	    (cents < 0 ? -cents : cents) % 100);
	return buf;
}

int64_t
store_order_price(const char *price, const char *special, int *on_special)
{
	int64_t shelf = store_money_parse(price), sp;

	*on_special = 0;
	if (shelf < 0)
		return -1;
	if (special == NULL || *special == '\0')
		return shelf;
	sp = store_money_parse(special);
	if (sp <= 0 || sp >= shelf)
		return shelf;           /* no saving: not a special */
	*on_special = 1;
	return sp;
}

long
store_order_in_stock(const char *stock)
{
	long v = 0;
	int neg = 0, digits = 0;

	if (stock == NULL)
		return -1;
	if (*stock == '-') {
		neg = 1;
		stock++;
	}
	for (; isdigit((unsigned char)*stock); stock++, digits++)
		if ((v = v * 10 + (*stock - '0')) > ORDER_STOCK_MAX)
			v = ORDER_STOCK_MAX;
	if (*stock == '.')
		while (isdigit((unsigned char)*++stock))
			digits++;
	if (*stock != '\0' || digits == 0)
		return -1;
	return neg ? 0 : v;
}

/* ---- the policy ---- */

/* One "FROM-TO/CUTOFF/CAPACITY". */
static int
order_slot_parse(char *item, struct store_order_slot *sl, char **why)
{
	char *cut, *cap;
	long long n;
	const char *errstr;

	item = str_trim(item);
	if ((cut = strchr(item, '/')) == NULL ||
	    (cap = strchr(cut + 1, '/')) == NULL) {
		*why = xasprintf("'%s' is not FROM-TO/CUTOFF/CAPACITY", item);
		return -1;
	}
	*cut++ = '\0';
	*cap++ = '\0';
	if (store_stamp_range(item, &sl->from, &sl->to) == -1) {
		*why = xasprintf("'%s' is not a time range HH:MM-HH:MM", item);
		return -1;
	}
	if ((sl->cutoff = store_stamp_hhmm(cut, strlen(cut))) < 0 ||
	    sl->cutoff > sl->from) {
		*why = xasprintf("slot %s: cut-off '%s' is not a time of day "
		    "at or before the slot starts", item, cut);
		return -1;
	}
	if (str_tonum(cap, 0, 100000, &n, &errstr) == -1) {
		*why = xasprintf("slot %s: capacity '%s' is %s", item, cap,
		    errstr);
		return -1;
	}
	memcpy(sl->name, item, 12);
	sl->capacity = (int)n;
	return 0;
}

static int
order_slots_parse(const char *text, struct store_order_policy *pol,
    char **why)
{
	char *copy = xstrdup(text), *item, *rest = copy;
	size_t i;

	while ((item = strsep(&rest, ",")) != NULL) {
		if (*str_trim(item) == '\0')
			continue;
		if (pol->nslots == ORDER_SLOTS_MAX) {
			*why = xasprintf("more than %d slots", ORDER_SLOTS_MAX);
			break;
		}
		if (order_slot_parse(item, &pol->slots[pol->nslots], why) == -1)
			break;
		for (i = 0; i < pol->nslots; i++)
			if (strcmp(pol->slots[i].name,
			    pol->slots[pol->nslots].name) == 0)
				*why = xasprintf("slot %s is given twice",
				    pol->slots[i].name);
		if (*why != NULL)
			break;
		pol->nslots++;
	}
	free(copy);
	if (*why == NULL && pol->nslots == 0)
		*why = xstrdup("no slot given");
	return *why == NULL ? 0 : -1;
}

/* One "AREA:WORD|WORD". */
static int
order_area_parse(char *item, struct store_order_area *a, char **why)
{
	char *words, *w;

	if ((words = strchr(item, ':')) == NULL) {
		*why = xasprintf("'%s' is not AREA:WORD|WORD", item);
		return -1;
	}
	*words++ = '\0';
	item = str_trim(item);
	if (*item == '\0' || strlen(item) > 64) {
		*why = xasprintf("an area needs a name of at most 64 bytes");
		return -1;
	}
	a->name = xstrdup(item);
	while ((w = strsep(&words, "|")) != NULL) {
		if (*(w = str_trim(w)) == '\0')
			continue;
		a->words = xreallocarray(a->words, a->nwords + 1,
		    sizeof *a->words);
		a->words[a->nwords++] = xstrdup(w);
	}
	if (a->nwords == 0) {
		*why = xasprintf("area %s has no word to find in addresses",
		    a->name);
		return -1;
	}
	return 0;
}

static int
order_areas_parse(const char *text, struct store_order_policy *pol,
    char **why)
{
	char *copy = xstrdup(text), *item, *rest = copy;

	while ((item = strsep(&rest, ",")) != NULL) {
		if (*str_trim(item) == '\0')
			continue;
		pol->areas = xreallocarray(pol->areas, pol->nareas + 1,
		    sizeof *pol->areas);
		memset(&pol->areas[pol->nareas], 0, sizeof *pol->areas);
		pol->nareas++;
		if (order_area_parse(item, &pol->areas[pol->nareas - 1],
		    why) == -1)
			break;
	}
	free(copy);
	return *why == NULL ? 0 : -1;
}

int
store_order_policy_load(const struct conf *conf,
    struct store_order_policy **out, char **cause)
{
	struct store_order_policy *pol = xcalloc(1, sizeof *pol);
	char *why = NULL;
	const char *key = "order-slots";

	*out = NULL;
	if (order_slots_parse(conf->order_slots, pol, &why) == 0 &&
	    conf->order_areas != NULL) {
		key = "order-areas";
		order_areas_parse(conf->order_areas, pol, &why);
	}
	if (why != NULL) {
		kf_error(cause, "%s:%d: [store] %s: %s", conf->path ?
		    conf->path : "kefu.conf", conf_line(conf, conf, key), key,
		    why);
		free(why);
		store_order_policy_free(pol);
		return -1;
	}
	pol->days = conf->order_days;
	pol->area_default = conf->order_area_default ?
	    xstrdup(conf->order_area_default) : NULL;
	pol->max_qty = conf->order_max_qty;
	pol->max_items = conf->order_max_items;
	pol->max_lines = conf->order_max_lines;
	pol->fixed = conf->order_courier != NULL &&
	    strcmp(conf->order_courier, "fixed") == 0;
	*out = pol;
	return 0;
}

void
store_order_policy_free(struct store_order_policy *pol)
{
	size_t i, j;

	if (pol == NULL)
		return;
	for (i = 0; i < pol->nareas; i++) {
		for (j = 0; j < pol->areas[i].nwords; j++)
			free(pol->areas[i].words[j]);
		free(pol->areas[i].words);
		free(pol->areas[i].name);
	}
	free(pol->areas);
	free(pol->area_default);
	free(pol);
}

const char *
store_order_area(const struct store_order_policy *pol, const char *address)
{
	size_t i, j;

	if (address == NULL || *address == '\0')
		return NULL;
	for (i = 0; i < pol->nareas; i++)
		for (j = 0; j < pol->areas[i].nwords; j++)
			if (strstr(address, pol->areas[i].words[j]) != NULL)
				return pol->areas[i].name;
	return pol->area_default;
}

/* ---- reading ---- */

/* Orders not cancelled in a slot of a day. */
static int
order_taken(struct db_source *src, struct db_tx *tx, const char *date,
    const char *slot, int64_t *n, struct db_err *err)
{
	struct db_param p[2] = { { .type = DBV_DATE, .s = date },
	    { .type = DBV_TEXT, .s = slot } };

	return store_int(src, tx, "SELECT COUNT(*) FROM orders WHERE "
	    "slot_date = ? AND slot = ? AND status <> 'cancelled'", p, 2, n,
	    err);
}

int
store_order_offers(struct db_source *src,
    const struct store_order_policy *pol, const char *now,
    struct store_order_offer *out, size_t max, size_t *n, char **cause)
{
	char nowbuf[20], date[11];
	struct db_err err;
	int64_t taken;
	int d, mins;
	size_t i;

	*n = 0;
	now = store_stamp_now(now, nowbuf);
	mins = atoi(now + 11) * 60 + atoi(now + 14);
	for (d = 0; d <= pol->days && *n < max; d++) {
		memcpy(date, now, 10);
		date[10] = '\0';
		if (demo_date_add(date, d, date) == -1)
			return kf_error(cause, "orders: bad time '%s'", now);
		for (i = 0; i < pol->nslots && *n < max; i++) {
			if (d == 0 && mins >= pol->slots[i].cutoff)
				continue;
			if (order_taken(src, NULL, date, pol->slots[i].name,
			    &taken, &err) == -1)
				return kf_error(cause, "orders: %s", err.msg);
			if (pol->slots[i].capacity > 0 &&
			    taken >= pol->slots[i].capacity)
				continue;
			memcpy(out[*n].date, date, 11);
			out[*n].slot = &pol->slots[i];
			out[*n].taken = (int)taken;
			(*n)++;
		}
	}
	return 0;
}

/* What commit and eligibility need of a member. */
struct order_member {
	int64_t id;
	char *address, *phone, *status;
	int can_order;
};

static void
order_member_free(struct order_member *m)
{
	free(m->address);
	free(m->phone);
	free(m->status);
}

static char *
order_cell(struct db_result *r, size_t row, size_t col)
{
	struct db_value *v = DB_CELL(r, row, col);

	return v->null ? NULL : xstrdup(v->s);
}

/* 0 with m->id 0 when there is no such member. */
static int
order_member(struct db_source *src, struct db_tx *tx, const char *no,
    struct order_member *m, struct db_err *err)
{
	static const enum db_vtype t[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	    DBV_TEXT, DBV_INT };
	struct db_param p = { .type = DBV_TEXT, .s = no };
	struct db_query q = { .sql = "SELECT id, address, COALESCE(mobile, "
	    "phone), status, (SELECT COUNT(*) FROM member_services s WHERE "
	    "s.member_id = members.id AND s.service = 'phone_order' AND "
	    "s.enabled = 1) FROM members WHERE customer_no = ?",
	    .params = &p, .nparams = 1, .coltypes = t, .ncoltypes = 5,
	    .writes = tx != NULL };
	struct db_result *res;

	memset(m, 0, sizeof *m);
	if ((tx != NULL ? db_tx_run(tx, &q, &res, err) :
	    db_run(src, &q, &res, err)) == -1)
		return -1;
	if (res->nrows == 1) {
		m->id = DB_CELL(res, 0, 0)->i;
		m->address = order_cell(res, 0, 1);
		m->phone = order_cell(res, 0, 2);
		m->status = order_cell(res, 0, 3);
		m->can_order = DB_CELL(res, 0, 4)->i > 0;
	}
	db_result_free(res);
	return 0;
}

/* Why m may not order, or NULL. */
static const char *
order_refusal(const struct store_order_policy *pol,
    const struct order_member *m)
{
	if (m->id == 0)
		return "unknown";
	if (strcmp(m->status, "active") != 0)
		return "closed";
	if (!m->can_order)
		return "no-service";
	if (store_order_area(pol, m->address) == NULL)
		return "no-area";
	return NULL;
}

int
store_order_eligible(struct db_source *src,
    const struct store_order_policy *pol, const char *member_no,
    const char **why, char **cause)
{
	struct order_member m;
	struct db_err err;

	*why = NULL;
	if (order_member(src, NULL, member_no, &m, &err) == -1)
		return kf_error(cause, "orders: %s", err.msg);
	*why = order_refusal(pol, &m);
	order_member_free(&m);
	return 0;
}

/* ---- couriers ---- */

static int
order_courier_serves(const char *areas, const char *area)
{
	char *copy, *w, *rest;
	int yes = 0;

	if (areas == NULL)
		return 0;
	rest = copy = xstrdup(areas);
	while (!yes && (w = strsep(&rest, ",")) != NULL)
		yes = strcmp(str_trim(w), "*") == 0 ||
		    strcmp(str_trim(w), area) == 0;
	free(copy);
	return yes;
}

static int
order_couriers_read(struct db_source *src, struct db_tx *tx,
    const char *where, struct store_courier **out, size_t *n,
    struct db_err *err)
{
	static const enum db_vtype t[] = { DBV_INT, DBV_TEXT, DBV_TEXT,
	    DBV_TEXT, DBV_TEXT, DBV_INT };
	struct db_query q = { .coltypes = t, .ncoltypes = 6,
	    .writes = tx != NULL };
	struct db_result *res;
	char *sql;
	size_t i;
	int rc;

	sql = xasprintf("SELECT id, name, mobile, pager, areas, active FROM "
	    "couriers%s ORDER BY id", where);
	q.sql = sql;
	rc = tx != NULL ? db_tx_run(tx, &q, &res, err) :
	    db_run(src, &q, &res, err);
	free(sql);
	if (rc == -1)
		return -1;
	*out = xcalloc(res->nrows + 1, sizeof **out);
	for (i = 0; i < res->nrows; i++) {
		(*out)[i].id = DB_CELL(res, i, 0)->i;
		(*out)[i].name = order_cell(res, i, 1);
		(*out)[i].mobile = order_cell(res, i, 2);
		(*out)[i].pager = order_cell(res, i, 3);
		(*out)[i].areas = order_cell(res, i, 4);
		(*out)[i].active = (int)DB_CELL(res, i, 5)->i;
	}
	*n = res->nrows;
	db_result_free(res);
	return 0;
}

void
store_couriers_free(struct store_courier *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(c[i].name);
		free(c[i].mobile);
		free(c[i].pager);
		free(c[i].areas);
	}
	free(c);
}

/*
 * The courier for an order of area: with pol->fixed the first active
 * courier serving it; else the one after the courier of the area's
 * latest order (in id order, wrapping round).  *pick is a copy (its
 * strings owned), id 0 when no courier serves the area.
 */
static int
order_courier_pick(struct db_tx *tx, const struct store_order_policy *pol,
    const char *area, int64_t skip, struct store_courier *pick,
    struct db_err *err)
{
	struct db_param p = { .type = DBV_TEXT, .s = area };
	struct store_courier *c;
	size_t n, i, first = SIZE_MAX, next = SIZE_MAX;
	int64_t last = 0;

	memset(pick, 0, sizeof *pick);
	if (order_couriers_read(NULL, tx, " WHERE active = 1", &c, &n,
	    err) == -1)
		return -1;
	if (!pol->fixed && store_int(NULL, tx, "SELECT courier_id FROM "
	    "orders WHERE area = ? AND courier_id IS NOT NULL ORDER BY id "
	    "DESC", &p, 1, &last, err) == -1) {
		store_couriers_free(c, n);
		return -1;
	}
	if (skip != 0)
		last = skip;
	for (i = 0; i < n; i++) {
		if (!order_courier_serves(c[i].areas, area) || c[i].id == skip)
			continue;
		if (first == SIZE_MAX)
			first = i;
		if (next == SIZE_MAX && c[i].id > last)
			next = i;
	}
	if (pol->fixed || next == SIZE_MAX)
		next = first;
	if (next != SIZE_MAX) {
		*pick = c[next];
		memset(&c[next], 0, sizeof c[next]);
	}
	store_couriers_free(c, n);
	return 0;
}

/* The courier's notice of an order: number, slot, address, items. */
static int
order_notify(struct db_tx *tx, const struct store_courier *c,
    int64_t order_id, const char *no, const char *key, const char *date,
    const char *slot, const char *address, int items, const char *now,
    char **cause)
{
	int64_t oid;
	struct store_outbox_new m = { 0 };
	char *body;
	int rc;

	body = xasprintf("订单%s 送货%s %s 地址:%s 共%d件", no, date, slot,
	    address, items);
	m.channel = c->mobile != NULL && *c->mobile != '\0' ? "sms" : "pager";
	m.recipient = c->mobile != NULL && *c->mobile != '\0' ? c->mobile :
	    c->pager;
	m.recipient_name = c->name;
	m.body = body;
	m.msg_class = "transactional";
	m.idem_key = key;
	if (m.recipient == NULL || *m.recipient == '\0') {
		free(body);
		return kf_error(cause, "courier %s has neither a mobile nor "
		    "a pager", c->name);
	}
	m.order_id = order_id;
	rc = store_outbox_enqueue_tx(tx, &m, now, 0, &oid, cause);
	free(body);
	return rc;
}

/* ---- the commit ---- */

struct order_commit {
	const struct store_order_policy *pol;
	const struct store_order_new *o;
	const char *now;
	char no[ORDER_NO_LEN + 1];
	int full;
	long *left;             /* per line: what is left when short */
	char *cause;            /* a refusal that is not the database's */
};

/* The next number of the day: YYMMDD and a 4-digit count. */
static int
order_number(struct db_tx *tx, struct order_commit *c, struct db_err *err)
{
	char like[16];
	struct db_param p = { .type = DBV_TEXT, .s = like };
	static const enum db_vtype t[] = { DBV_TEXT };
	struct db_query q = { .sql = "SELECT MAX(order_no) FROM orders WHERE "
	    "order_no LIKE ?", .params = &p, .nparams = 1, .coltypes = t,
	    .ncoltypes = 1, .writes = 1 };
	struct db_result *res;
	long seq = 1;

	snprintf(like, sizeof like, "%.2s%.2s%.2s%%", c->now + 2, c->now + 5,
	    c->now + 8);
	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	if (res->nrows == 1 && !DB_CELL(res, 0, 0)->null &&
	    strlen(DB_CELL(res, 0, 0)->s) == ORDER_NO_LEN)
		seq = atol(DB_CELL(res, 0, 0)->s + 6) + 1;
	db_result_free(res);
	if (seq > 9999) {
		c->cause = xstrdup("orders: 9999 orders today already");
		return -1;
	}
	snprintf(c->no, sizeof c->no, "%.6s%04u", like,
	    (unsigned)seq % 10000u);
	return 0;
}

static int
order_insert(struct db_tx *tx, struct order_commit *c,
    const struct order_member *m, const char *area, int64_t total,
    int64_t courier, struct db_err *err)
{
	char tbuf[24];
	const struct store_order_new *o = c->o;
	struct db_param p[12] = {
		{ .type = DBV_TEXT, .s = c->no },
		{ .type = DBV_INT, .i = m->id },
		{ .type = DBV_TIMESTAMP, .s = c->now },
		{ .type = DBV_TEXT, .s = o->via ? o->via : "phone" },
		{ .type = DBV_DATE, .s = o->slot_date },
		{ .type = DBV_TEXT, .s = o->slot },
		{ .type = DBV_TEXT, .s = area },
		{ .type = DBV_TEXT, .s = m->address },
		{ .type = DBV_TEXT, .s = m->phone, .null = m->phone == NULL },
		{ .type = DBV_DECIMAL, .s = store_money_text(total, tbuf) },
		{ .type = DBV_INT, .i = courier, .null = courier == 0 },
		{ .type = DBV_TEXT, .s = o->call_ref,
		  .null = o->call_ref == NULL },
	};
	struct db_query q = { .sql = "INSERT INTO orders (order_no, "
	    "member_id, ordered_at, via, slot_date, slot, area, address, "
	    "phone, total, status, courier_id, call_ref) VALUES (?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, 'confirmed', ?, ?)", .params = p,
	    .nparams = nitems(p), .writes = 1 };
	struct db_result *res;

	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	db_result_free(res);
	return 0;
}

static int
order_lines_insert(struct db_tx *tx, int64_t id,
    const struct store_order_new *o, struct db_err *err)
{
	char qty[16], price[24], amount[24], shelf[24];
	struct db_param pp[10];
	struct db_query q = { .sql = "INSERT INTO order_lines (order_id, "
	    "line_no, code, name, unit, qty, price, amount, special, "
	    "shelf_price) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    .params = pp, .nparams = 10, .writes = 1 };
	struct db_result *res;
	size_t i;

	for (i = 0; i < o->nlines; i++) {
		const struct store_order_line *l = &o->lines[i];

		snprintf(qty, sizeof qty, "%d", l->qty);
		memset(pp, 0, sizeof pp);
		pp[0].type = DBV_INT;
		pp[0].i = id;
		pp[1].type = DBV_INT;
		pp[1].i = (int64_t)i + 1;
		pp[2].type = DBV_TEXT;
		pp[2].s = l->code;
		pp[3].type = DBV_TEXT;
		pp[3].s = l->name;
		pp[4].type = DBV_TEXT;
		pp[4].s = l->unit;
		pp[4].null = l->unit == NULL;
		pp[5].type = DBV_DECIMAL;
		pp[5].s = qty;
		pp[6].type = DBV_DECIMAL;
		pp[6].s = store_money_text(l->price, price);
		pp[7].type = DBV_DECIMAL;
		pp[7].s = store_money_text(l->price * l->qty, amount);
		pp[8].type = DBV_INT;
		pp[8].i = l->special != 0;
		pp[9].type = DBV_DECIMAL;
		pp[9].s = store_money_text(l->shelf, shelf);
		pp[9].null = l->shelf <= 0;
		if (db_tx_run(tx, &q, &res, err) == -1)
			return -1;
		db_result_free(res);
	}
	return 0;
}

/* The lines against the limits; items gets the quantities summed. */
static int
order_limits(const struct store_order_policy *pol,
    const struct store_order_new *o, int *items, int64_t *total,
    char **cause)
{
	size_t i;

	*items = 0;
	*total = 0;
	if (o->nlines == 0)
		return kf_error(cause, "orders: an order needs an item");
	if (o->nlines > (size_t)pol->max_lines)
		return kf_error(cause, "orders: %zu items, at most %d "
		    "(order-max-lines)", o->nlines, pol->max_lines);
	for (i = 0; i < o->nlines; i++) {
		if (o->lines[i].qty < 1 || o->lines[i].qty > pol->max_qty)
			return kf_error(cause, "orders: %d of %s, at most %d "
			    "(order-max-qty)", o->lines[i].qty,
			    o->lines[i].code, pol->max_qty);
		if (o->lines[i].price < 0)
			return kf_error(cause, "orders: %s has no price",
			    o->lines[i].code);
		*items += o->lines[i].qty;
		*total += o->lines[i].price * o->lines[i].qty;
	}
	if (*items > pol->max_items)
		return kf_error(cause, "orders: %d items, at most %d "
		    "(order-max-items)", *items, pol->max_items);
	return 0;
}

static const struct store_order_slot *
order_slot_find(const struct store_order_policy *pol, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < pol->nslots; i++)
		if (strcmp(pol->slots[i].name, name) == 0)
			return &pol->slots[i];
	return NULL;
}

/* The slot still takes orders at c->now (else c->cause, c->full). */
static int
order_slot_open(struct db_tx *tx, struct order_commit *c, struct db_err *err)
{
	const struct store_order_slot *sl = order_slot_find(c->pol,
	    c->o->slot);
	int64_t taken;

	if (sl == NULL || c->o->slot_date == NULL) {
		c->cause = xasprintf("orders: no slot '%s'", c->o->slot ?
		    c->o->slot : "");
		return -1;
	}
	if (strncmp(c->o->slot_date, c->now, 10) < 0 ||
	    (strncmp(c->o->slot_date, c->now, 10) == 0 &&
	    atoi(c->now + 11) * 60 + atoi(c->now + 14) >= sl->cutoff)) {
		c->cause = xasprintf("orders: slot %s %s is past its cut-off",
		    c->o->slot_date, sl->name);
		c->full = 1;
		return -1;
	}
	if (order_taken(NULL, tx, c->o->slot_date, sl->name, &taken,
	    err) == -1)
		return -1;
	if (sl->capacity > 0 && taken >= sl->capacity) {
		c->cause = xasprintf("orders: slot %s %s is full (%d orders)",
		    c->o->slot_date, sl->name, sl->capacity);
		c->full = 1;
		return -1;
	}
	return 0;
}

/*
 * Wait for the commits of other processes and nodes: the one row every
 * commit updates first is held until it ends (a row lock on PostgreSQL
 * and InnoDB, SQLite's write lock), so what this commit reads next
 * includes every order committed before it.
 */
static int
order_lock(struct db_tx *tx, struct db_err *err)
{
	struct db_query q = { .sql = "UPDATE order_commit_lock SET commits "
	    "= commits + 1 WHERE id = 1", .writes = 1 };
	struct db_result *res;

	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	db_result_free(res);
	return 0;
}

/* Units of code on open orders (of tx, or of src). */
static int
order_reserved(struct db_source *src, struct db_tx *tx, const char *code,
    long *units, struct db_err *err)
{
	static const enum db_vtype t[] = { DBV_DECIMAL };
	struct db_param p = { .type = DBV_TEXT, .s = code };
	struct db_query q = { .sql = "SELECT COALESCE(SUM(l.qty), 0) FROM "
	    "order_lines l JOIN orders o ON o.id = l.order_id WHERE l.code = "
	    "? AND o.status NOT IN ('delivered', 'cancelled')", .params = &p,
	    .nparams = 1, .coltypes = t, .ncoltypes = 1,
	    .writes = tx != NULL };
	struct db_result *res;

	if ((tx != NULL ? db_tx_run(tx, &q, &res, err) :
	    db_run(src, &q, &res, err)) == -1)
		return -1;
	*units = res->nrows > 0 && DB_CELL(res, 0, 0)->s != NULL ?
	    atol(DB_CELL(res, 0, 0)->s) : 0;
	db_result_free(res);
	return 0;
}

int
store_order_reserved(struct db_source *src, const char *code, long *units,
    char **cause)
{
	struct db_err err;

	*units = 0;
	if (order_reserved(src, NULL, code, units, &err) == -1)
		return kf_error(cause, "orders: %s", err.msg);
	return 0;
}

/*
 * Each code with a stock, against that stock less the units of open
 * orders (else c->cause, c->full 2 and c->left); the lock is held.
 */
static int
order_stock_check(struct db_tx *tx, struct order_commit *c,
    struct db_err *err)
{
	const struct store_order_new *o = c->o;
	long want, on_orders, left;
	size_t i, j;
	int shortfall = 0;

	for (i = 0; i < o->nlines; i++)
		if (c->left != NULL)
			c->left[i] = -1;
	for (i = 0; i < o->nlines; i++) {
		if (o->lines[i].stock <= 0)
			continue;
		for (j = 0; j < i; j++)         /* a code once */
			if (strcmp(o->lines[j].code, o->lines[i].code) == 0)
				break;
		if (j < i)
			continue;
		for (want = 0, j = i; j < o->nlines; j++)
			if (strcmp(o->lines[j].code, o->lines[i].code) == 0)
				want += o->lines[j].qty;
		if (order_reserved(NULL, tx, o->lines[i].code, &on_orders,
		    err) == -1)
			return -1;
		left = o->lines[i].stock - on_orders;
		if (left < 0)
			left = 0;
		if (want <= left)
			continue;
		for (j = i; c->left != NULL && j < o->nlines; j++)
			if (strcmp(o->lines[j].code, o->lines[i].code) == 0)
				c->left[j] = left;
		if (!shortfall++)
			c->cause = xasprintf("orders: %s: %ld asked, %ld left "
			    "(stock %ld, %ld on open orders)",
			    o->lines[i].code, want, left, o->lines[i].stock,
			    on_orders);
	}
	if (shortfall == 0)
		return 0;
	c->full = 2;
	return -1;
}

static int
order_commit_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct order_commit *c = arg;
	struct order_member m;
	struct store_courier cour;
	struct db_param p;
	const char *why, *area;
	char *key;
	int64_t total, id;
	int items, rc = -1;

	if (order_limits(c->pol, c->o, &items, &total, &c->cause) == -1)
		return -1;
	if (order_lock(tx, err) == -1 || order_stock_check(tx, c, err) == -1)
		return -1;
	if (order_member(NULL, tx, c->o->member_no, &m, err) == -1)
		return -1;
	memset(&cour, 0, sizeof cour);
	if ((why = order_refusal(c->pol, &m)) != NULL) {
		c->cause = xasprintf("orders: member %s may not order by "
		    "phone (%s)", c->o->member_no, why);
		goto out;
	}
	area = store_order_area(c->pol, m.address);
	if (order_slot_open(tx, c, err) == -1 ||
	    order_number(tx, c, err) == -1 ||
	    order_courier_pick(tx, c->pol, area, 0, &cour, err) == -1 ||
	    order_insert(tx, c, &m, area, total, cour.id, err) == -1)
		goto out;
	p.type = DBV_TEXT;
	p.null = 0;
	p.s = c->no;
	if (store_int(NULL, tx, "SELECT id FROM orders WHERE order_no = ?",
	    &p, 1, &id, err) == -1 || order_lines_insert(tx, id, c->o,
	    err) == -1)
		goto out;
	if (cour.id != 0) {
		key = xasprintf("order:%s", c->no);
		rc = order_notify(tx, &cour, id, c->no, key, c->o->slot_date,
		    c->o->slot, m.address, items, c->now, &c->cause);
		free(key);
	} else {
		log_warnx("orders: order %s: no active courier serves area "
		    "%s; give it one with kefu order reassign", c->no, area);
		rc = 0;
	}
out:
	free(cour.name);
	free(cour.mobile);
	free(cour.pager);
	free(cour.areas);
	order_member_free(&m);
	return rc;
}

int
store_order_commit(struct db_source *src,
    const struct store_order_policy *pol, const struct store_order_new *o,
    char no[ORDER_NO_LEN + 1], int *full, long *left, char **cause)
{
	struct order_commit c = { .pol = pol, .o = o, .left = left };
	struct db_err err;
	char nowbuf[20];
	uint64_t t0;
	int tries, rc;

	c.now = store_stamp_now(o->now, nowbuf);
	*full = 0;
	no[0] = '\0';
	for (tries = 1; ; tries++) {
		c.full = 0;
		t0 = now_ms();
		pthread_mutex_lock(&order_commit_mtx);
		rc = db_tx(src, order_commit_tx, &c, &err);
		pthread_mutex_unlock(&order_commit_mtx);
		if (rc == 0)
			break;
		if (c.cause != NULL) {
			*full = c.full;
			if (cause != NULL)
				*cause = c.cause;
			else
				free(c.cause);
			return -1;
		}
		/*
		 * Rolled back, so safe to run again: two calls took the same
		 * number, a deadlock victim (InnoDB, PostgreSQL), a SQLite
		 * lock refused at once (reported as a time-out).  A lost
		 * connection is not retried (the commit may have happened),
		 * nor a statement that really ran out of time.
		 */
		if (tries == ORDER_TRIES || (err.kind != DBE_SQL &&
		    err.kind != DBE_BUSY && err.kind != DBE_TIMEOUT) ||
		    now_ms() - t0 > ORDER_RETRY_MS)
			return kf_error(cause, "orders: %s", err.msg);
		log_debug("orders: %s, trying again", err.msg);
		sleep_ms((unsigned)(tries * 25));
	}
	memcpy(no, c.no, ORDER_NO_LEN + 1);
	log_info("orders: order %s committed for member %s, slot %s %s, "
	    "%zu lines", c.no, o->member_no, o->slot_date, o->slot,
	    o->nlines);
	return 0;
}

/* ---- the desk ---- */

static void
order_read_row(struct db_result *res, size_t i, struct store_order *o)
{
	char *s;

	o->id = DB_CELL(res, i, 0)->i;
	snprintf(o->order_no, sizeof o->order_no, "%s",
	    DB_CELL(res, i, 1)->s ? DB_CELL(res, i, 1)->s : "");
	snprintf(o->member_no, sizeof o->member_no, "%s",
	    DB_CELL(res, i, 2)->s ? DB_CELL(res, i, 2)->s : "");
	o->member_name = order_cell(res, i, 3);
	o->ordered_at = order_cell(res, i, 4);
	o->slot_date = order_cell(res, i, 5);
	o->slot = order_cell(res, i, 6);
	o->area = order_cell(res, i, 7);
	o->address = order_cell(res, i, 8);
	o->phone = order_cell(res, i, 9);
	o->status = order_cell(res, i, 10);
	o->call_ref = order_cell(res, i, 11);
	o->total = store_money_parse(DB_CELL(res, i, 12)->s);
	o->courier_id = DB_CELL(res, i, 13)->null ? 0 : DB_CELL(res, i, 13)->i;
	o->courier_name = order_cell(res, i, 14);
	s = DB_CELL(res, i, 15)->s;
	o->items = s != NULL ? atoi(s) : 0;
}

static int
order_select(struct db_source *src, const char *where,
    const struct db_param *p, size_t np, size_t max,
    struct store_order **out, size_t *n, char **cause)
{
	struct db_query q = { .params = p, .nparams = np,
	    .coltypes = order_types, .ncoltypes = nitems(order_types) };
	struct db_result *res;
	struct db_err err;
	char *sql;
	size_t i;
	int rc;

	sql = xasprintf("SELECT " ORDER_COLS "%s ORDER BY o.id DESC", where);
	q.sql = sql;
	rc = db_run(src, &q, &res, &err);
	free(sql);
	if (rc == -1)
		return kf_error(cause, "orders: %s", err.msg);
	*n = res->nrows < max ? res->nrows : max;
	*out = xcalloc(*n + 1, sizeof **out);
	for (i = 0; i < *n; i++)
		order_read_row(res, i, &(*out)[i]);
	db_result_free(res);
	return 0;
}

int
store_order_list(struct db_source *src, const char *date, const char *slot,
    const char *status, size_t max, struct store_order **out, size_t *n,
    char **cause)
{
	struct strbuf w = STRBUF_INIT;
	struct db_param p[3];
	size_t np = 0;
	int rc;

	memset(p, 0, sizeof p);
	sb_adds(&w, " WHERE 1 = 1");
	if (date != NULL) {
		sb_adds(&w, " AND o.slot_date = ?");
		p[np].type = DBV_DATE;
		p[np++].s = date;
	}
	if (slot != NULL) {
		sb_adds(&w, " AND o.slot = ?");
		p[np].type = DBV_TEXT;
		p[np++].s = slot;
	}
	if (status != NULL) {
		sb_adds(&w, " AND o.status = ?");
		p[np].type = DBV_TEXT;
		p[np++].s = status;
	}
	rc = order_select(src, sb_str(&w), p, np, max ? max : 100, out, n,
	    cause);
	sb_free(&w);
	return rc;
}

static int
order_lines_read(struct db_source *src, struct store_order *o, char **cause)
{
	static const enum db_vtype t[] = { DBV_TEXT, DBV_TEXT, DBV_TEXT,
	    DBV_DECIMAL, DBV_DECIMAL, DBV_INT, DBV_DECIMAL };
	struct db_param p = { .type = DBV_INT, .i = o->id };
	struct db_query q = { .sql = "SELECT code, name, unit, qty, price, "
	    "special, shelf_price FROM order_lines WHERE order_id = ? "
	    "ORDER BY line_no", .params = &p, .nparams = 1, .coltypes = t,
	    .ncoltypes = nitems(t) };
	struct db_result *res;
	struct db_err err;
	size_t i;

	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "orders: %s", err.msg);
	o->lines = xcalloc(res->nrows + 1, sizeof *o->lines);
	for (i = 0; i < res->nrows; i++) {
		o->lines[i].code = order_cell(res, i, 0);
		o->lines[i].name = order_cell(res, i, 1);
		o->lines[i].unit = order_cell(res, i, 2);
		o->lines[i].qty = atoi(DB_CELL(res, i, 3)->s);
		o->lines[i].price = store_money_parse(DB_CELL(res, i, 4)->s);
		o->lines[i].special = !DB_CELL(res, i, 5)->null &&
		    DB_CELL(res, i, 5)->i != 0;
		o->lines[i].shelf = DB_CELL(res, i, 6)->null ? 0 :
		    store_money_parse(DB_CELL(res, i, 6)->s);
		o->lines[i].stock = 0;
	}
	o->nlines = res->nrows;
	db_result_free(res);
	return 0;
}

int
store_order_get(struct db_source *src, const char *no,
    struct store_order **out, char **cause)
{
	struct db_param p = { .type = DBV_TEXT, .s = no };
	size_t n;

	*out = NULL;
	if (order_select(src, " WHERE o.order_no = ?", &p, 1, 1, out, &n,
	    cause) == -1)
		return -1;
	if (n == 0) {
		store_orders_free(*out, 0);
		*out = NULL;
		return 0;
	}
	if (order_lines_read(src, *out, cause) == -1) {
		store_orders_free(*out, 1);
		*out = NULL;
		return -1;
	}
	return 0;
}

void
store_orders_free(struct store_order *o, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		free(o[i].member_name);
		free(o[i].ordered_at);
		free(o[i].slot_date);
		free(o[i].slot);
		free(o[i].area);
		free(o[i].address);
		free(o[i].phone);
		free(o[i].status);
		free(o[i].call_ref);
		free(o[i].courier_name);
		for (j = 0; j < o[i].nlines; j++) {
			free(o[i].lines[j].code);
			free(o[i].lines[j].name);
			free(o[i].lines[j].unit);
		}
		free(o[i].lines);
	}
	free(o);
}

int
store_order_set_status(struct db_source *src, const char *no,
    const char *status, char **cause)
{
	struct db_param p[2] = { { .type = DBV_TEXT, .s = status },
	    { .type = DBV_TEXT, .s = no } };
	struct db_query q = { .params = p, .nparams = 2, .writes = 1 };
	struct store_order *o;
	struct db_result *res;
	struct db_err err;
	const char *bar;

	if (strcmp(status, "cancelled") == 0)
		bar = "delivered";
	else if (strcmp(status, "delivered") == 0)
		bar = "cancelled";
	else
		return kf_error(cause, "orders: status '%s' is not cancelled "
		    "or delivered", status);
	if (store_order_get(src, no, &o, cause) == -1)
		return -1;
	if (o == NULL)
		return kf_error(cause, "orders: no order %s", no);
	if (strcmp(o->status, bar) == 0 || strcmp(o->status, status) == 0) {
		kf_error(cause, "orders: order %s is %s already", no,
		    o->status);
		store_orders_free(o, 1);
		return -1;
	}
	store_orders_free(o, 1);
	q.sql = "UPDATE orders SET status = ? WHERE order_no = ? AND status "
	    "NOT IN ('cancelled', 'delivered')";
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "orders: %s", err.msg);
	db_result_free(res);
	log_info("orders: order %s %s", no, status);
	return 0;
}

struct order_reassign {
	const struct store_order_policy *pol;
	const struct store_order *o;
	int64_t courier;
	const char *now;
	int64_t assigned;
	char *cause;
};

static int
order_reassign_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct order_reassign *r = arg;
	struct store_courier *c = NULL, pick;
	struct db_param p[2];
	struct db_query q = { .sql = "UPDATE orders SET courier_id = ? WHERE "
	    "id = ?", .params = p, .nparams = 2, .writes = 1 };
	struct db_result *res;
	char *key, where[64];
	size_t n = 0;
	int rc = -1;

	memset(&pick, 0, sizeof pick);
	if (r->courier != 0) {
		snprintf(where, sizeof where, " WHERE id = %" PRId64
		    " AND active = 1", r->courier);
		if (order_couriers_read(NULL, tx, where, &c, &n, err) == -1)
			return -1;
		if (n == 1) {
			pick = c[0];
			memset(&c[0], 0, sizeof c[0]);
		}
		store_couriers_free(c, n);
	} else if (order_courier_pick(tx, r->pol, r->o->area,
	    r->o->courier_id, &pick, err) == -1)
		return -1;
	if (pick.id == 0) {
		r->cause = r->courier != 0 ? xasprintf("orders: no active "
		    "courier %" PRId64, r->courier) : xasprintf("orders: no "
		    "other active courier serves area %s", r->o->area);
		return -1;
	}
	memset(p, 0, sizeof p);
	p[0].type = DBV_INT;
	p[0].i = pick.id;
	p[1].type = DBV_INT;
	p[1].i = r->o->id;
	if (db_tx_run(tx, &q, &res, err) == 0) {
		db_result_free(res);
		key = xasprintf("order:%s:courier:%" PRId64 ":%s",
		    r->o->order_no, pick.id, r->now);
		rc = order_notify(tx, &pick, r->o->id, r->o->order_no, key,
		    r->o->slot_date, r->o->slot, r->o->address, r->o->items,
		    r->now, &r->cause);
		free(key);
	}
	r->assigned = pick.id;
	free(pick.name);
	free(pick.mobile);
	free(pick.pager);
	free(pick.areas);
	return rc;
}

int
store_order_reassign(struct db_source *src,
    const struct store_order_policy *pol, const char *no, int64_t courier,
    const char *now, int64_t *assigned, char **cause)
{
	struct order_reassign r = { .pol = pol, .courier = courier };
	struct store_order *o;
	struct db_err err;
	char nowbuf[20];
	int rc;

	r.now = store_stamp_now(now, nowbuf);
	if (store_order_get(src, no, &o, cause) == -1)
		return -1;
	if (o == NULL)
		return kf_error(cause, "orders: no order %s", no);
	if (strcmp(o->status, "cancelled") == 0 ||
	    strcmp(o->status, "delivered") == 0) {
		kf_error(cause, "orders: order %s is %s", no, o->status);
		store_orders_free(o, 1);
		return -1;
	}
	r.o = o;
	pthread_mutex_lock(&order_commit_mtx);
	rc = db_tx(src, order_reassign_tx, &r, &err);
	pthread_mutex_unlock(&order_commit_mtx);
	store_orders_free(o, 1);
	if (rc == -1) {
		if (r.cause != NULL) {
			if (cause != NULL)
				*cause = r.cause;
			else
				free(r.cause);
			return -1;
		}
		return kf_error(cause, "orders: %s", err.msg);
	}
	*assigned = r.assigned;
	log_info("orders: order %s given to courier %" PRId64, no, r.assigned);
	return 0;
}

int
store_courier_add(struct db_source *src, const struct store_courier *c,
    int64_t *id, char **cause)
{
	struct db_param p[5] = {
		{ .type = DBV_TEXT, .s = c->name },
		{ .type = DBV_TEXT, .s = c->mobile, .null = c->mobile == NULL },
		{ .type = DBV_TEXT, .s = c->pager, .null = c->pager == NULL },
		{ .type = DBV_TEXT, .s = c->areas, .null = c->areas == NULL },
		{ .type = DBV_INT, .i = c->active != 0 },
	};
	struct db_query q = { .sql = "INSERT INTO couriers (name, mobile, "
	    "pager, areas, active) VALUES (?, ?, ?, ?, ?)", .params = p,
	    .nparams = 5, .writes = 1 };
	struct db_result *res;
	struct db_err err;

	if (c->name == NULL || *c->name == '\0')
		return kf_error(cause, "couriers: a courier needs a name");
	if ((c->mobile == NULL || *c->mobile == '\0') &&
	    (c->pager == NULL || *c->pager == '\0'))
		return kf_error(cause, "couriers: %s needs a mobile or a "
		    "pager to be told of orders", c->name);
	if (db_run(src, &q, &res, &err) == -1)
		return kf_error(cause, "couriers: %s", err.msg);
	db_result_free(res);
	q.sql = "SELECT MAX(id) FROM couriers WHERE name = ?";
	q.nparams = 1;
	q.writes = 0;
	if (store_int(src, NULL, q.sql, p, 1, id, &err) == -1)
		return kf_error(cause, "couriers: %s", err.msg);
	return 0;
}

int
store_courier_list(struct db_source *src, struct store_courier **out,
    size_t *n, char **cause)
{
	struct db_err err;

	if (order_couriers_read(src, NULL, "", out, n, &err) == -1)
		return kf_error(cause, "couriers: %s", err.msg);
	return 0;
}

int
store_courier_set(struct db_source *src, const struct store_courier *c,
    char **cause)
{
	static const char *const cols[] = { "name", "mobile", "pager",
	    "areas" };
	const char *vals[4] = { c->name, c->mobile, c->pager, c->areas };
	struct strbuf sql = STRBUF_INIT;
	struct db_param p[6];
	struct db_query q = { .params = p, .writes = 1 };
	struct db_result *res;
	struct db_err err;
	size_t i, np = 0;
	int rc;

	memset(p, 0, sizeof p);
	sb_adds(&sql, "UPDATE couriers SET id = id");
	for (i = 0; i < nitems(cols); i++) {
		if (vals[i] == NULL)
			continue;
		sb_addf(&sql, ", %s = ?", cols[i]);
		p[np].type = DBV_TEXT;
		p[np].null = *vals[i] == '\0' && i > 0;
		p[np++].s = vals[i];
	}
	if (c->active >= 0) {
		sb_adds(&sql, ", active = ?");
		p[np].type = DBV_INT;
		p[np++].i = c->active != 0;
	}
	sb_adds(&sql, " WHERE id = ?");
	p[np].type = DBV_INT;
	p[np++].i = c->id;
	q.sql = sb_str(&sql);
	q.nparams = np;
	rc = db_run(src, &q, &res, &err);
	sb_free(&sql);
	if (rc == -1)
		return kf_error(cause, "couriers: %s", err.msg);
	rc = res->affected == 0 ? kf_error(cause, "couriers: no courier %"
	    PRId64, c->id) : 0;
	db_result_free(res);
	return rc;
}
