/*
 * slip.c: delivery slips in the local store -- the orders of a slip with
 * their customer, lines and courier, read by order number or by slot
 * (date + slot [+ area]); the delivery_slips row and its slip number
 * issued on first print; a print claimed before the job goes to the
 * printer and counted only once the printer's queue accepted it.
 *
 * A slip whose printed is 0 but whose printed_at is set had a print
 * started at that time that was never confirmed (kefu stopped between
 * the two): after STORE_SLIP_STALE_MS it is claimable again and says
 * "reprint", since the first may have come out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

/* The columns a slip is read from, in struct store_slip's order. */
#define SLIP_COLS "o.id, o.order_no, o.ordered_at, o.slot_date, o.slot, " \
	"o.area, o.address, o.phone, o.total, o.status, o.note, " \
	"m.customer_no, m.name, m.mobile, m.phone, d.id, d.slip_no, " \
	"d.courier_name, c.name, d.printed, d.print_count, d.printed_at"
#define SLIP_FROM " FROM orders o JOIN members m ON m.id = o.member_id " \
	"LEFT JOIN delivery_slips d ON d.order_id = o.id " \
	"LEFT JOIN couriers c ON c.id = COALESCE(d.courier_id, o.courier_id)"

static const enum db_vtype slip_types[] = { DBV_INT, DBV_TEXT,
    DBV_TIMESTAMP, DBV_DATE, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TEXT,
    DBV_DECIMAL, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_TEXT,
    DBV_TEXT, DBV_INT, DBV_TEXT, DBV_TEXT, DBV_TEXT, DBV_INT, DBV_INT,
    DBV_TIMESTAMP };

static char *
slip_cell(struct db_result *r, size_t row, size_t col)
{
	struct db_value *v = DB_CELL(r, row, col);

	return v->null || v->s == NULL ? NULL : xstrdup(v->s);
}

/* A decimal cell as money: two decimals ("49.9" -> "49.90"). */
static char *
slip_money(struct db_result *r, size_t row, size_t col)
{
	char *v = slip_cell(r, row, col), *dot, *m;
	size_t dec;

	if (v == NULL)
		return xstrdup("0.00");
	dot = strchr(v, '.');
	dec = dot != NULL ? strlen(dot + 1) : 0;
	if (dec >= 2)
		return v;
	m = xasprintf("%s%s%s", v, dot != NULL ? "" : ".", dec ? "0" : "00");
	free(v);
	return m;
}

static int64_t
slip_int(struct db_result *r, size_t row, size_t col)
{
	struct db_value *v = DB_CELL(r, row, col);

	return v->null ? 0 : v->i;
}

/* One row of SLIP_COLS into s. */
static void
slip_fill(struct store_slip *s, struct db_result *r, size_t i)
{
	char *mobile, *home;

	s->order_id = slip_int(r, i, 0);
	s->order_no = slip_cell(r, i, 1);
	s->ordered_at = slip_cell(r, i, 2);
	s->slot_date = slip_cell(r, i, 3);
	s->slot = slip_cell(r, i, 4);
	s->area = slip_cell(r, i, 5);
	s->address = slip_cell(r, i, 6);
	s->phone = slip_cell(r, i, 7);
	s->total = slip_money(r, i, 8);
	s->status = slip_cell(r, i, 9);
	s->note = slip_cell(r, i, 10);
	s->customer_no = slip_cell(r, i, 11);
	s->name = slip_cell(r, i, 12);
	mobile = slip_cell(r, i, 13);
	home = slip_cell(r, i, 14);
	if ((s->phone == NULL || *s->phone == '\0') &&
	    (mobile != NULL || home != NULL)) {
		free(s->phone);
		s->phone = xstrdup(mobile != NULL ? mobile : home);
	}
	free(mobile);
	free(home);
	s->slip_id = slip_int(r, i, 15);
	s->slip_no = slip_cell(r, i, 16);
	s->courier = slip_cell(r, i, 17);
	if (s->courier == NULL)
		s->courier = slip_cell(r, i, 18);
	s->printed = (int)slip_int(r, i, 19);
	s->print_count = (int)slip_int(r, i, 20);
	s->printed_at = slip_cell(r, i, 21);
	/* a print started and never confirmed may have come out */
	s->in_doubt = s->slip_id != 0 && !s->printed && s->printed_at != NULL;
}

/* The lines of one order, by line number. */
static int
slip_lines(struct db_source *src, struct store_slip *s, char **cause)
{
	static const enum db_vtype vt[] = { DBV_TEXT, DBV_TEXT, DBV_TEXT,
	    DBV_TEXT, DBV_DECIMAL, DBV_DECIMAL, DBV_DECIMAL, DBV_INT,
	    DBV_DECIMAL };
	struct db_param p = { .type = DBV_INT, .i = s->order_id };
	struct db_query q = { .sql = "SELECT code, name, spec, unit, qty, "
	    "price, amount, special, shelf_price FROM order_lines WHERE "
	    "order_id = ? ORDER BY line_no", .params = &p, .nparams = 1,
	    .coltypes = vt, .ncoltypes = nitems(vt) };
	struct db_result *r;
	struct db_err err;
	struct store_slip_line *l;
	size_t i;

	if (db_run(src, &q, &r, &err) == -1)
		return kf_error(cause, "slips: order %s: %s", s->order_no,
		    err.msg);
	s->lines = xcalloc(r->nrows ? r->nrows : 1, sizeof *s->lines);
	for (i = 0; i < r->nrows; i++) {
		l = &s->lines[i];
		l->code = slip_cell(r, i, 0);
		l->name = slip_cell(r, i, 1);
		l->spec = slip_cell(r, i, 2);
		l->unit = slip_cell(r, i, 3);
		l->qty = slip_cell(r, i, 4);
		if (l->qty == NULL)
			l->qty = xstrdup("0");
		l->price = slip_money(r, i, 5);
		l->amount = slip_money(r, i, 6);
		if (!DB_CELL(r, i, 7)->null && DB_CELL(r, i, 7)->i != 0 &&
		    !DB_CELL(r, i, 8)->null)
			l->shelf_price = slip_money(r, i, 8);
	}
	s->nlines = r->nrows;
	db_result_free(r);
	return 0;
}

/* Run a SELECT of SLIP_COLS and read each slip's lines. */
static int
slip_select(struct db_source *src, const char *sql, const struct db_param *p,
    size_t np, struct store_slip **out, size_t *n, char **cause)
{
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .coltypes = slip_types, .ncoltypes = nitems(slip_types) };
	struct db_result *r;
	struct db_err err;
	size_t i;

	*out = NULL;
	*n = 0;
	if (db_run(src, &q, &r, &err) == -1)
		return kf_error(cause, "slips: %s", err.msg);
	*out = xcalloc(r->nrows ? r->nrows : 1, sizeof **out);
	for (i = 0; i < r->nrows; i++)
		slip_fill(&(*out)[i], r, i);
	*n = r->nrows;
	db_result_free(r);
	for (i = 0; i < *n; i++)
		if (slip_lines(src, &(*out)[i], cause) == -1) {
			store_slips_free(*out, *n);
			*out = NULL;
			*n = 0;
			return -1;
		}
	return 0;
}

int
store_slip_orders(struct db_source *src, char *const *order_nos, size_t nos,
    struct store_slip **out, size_t *n, char **cause)
{
	struct store_slip *one;
	struct db_param p;
	size_t i, got;

	*out = xcalloc(nos ? nos : 1, sizeof **out);
	*n = 0;
	for (i = 0; i < nos; i++) {
		p = (struct db_param){ .type = DBV_TEXT, .s = order_nos[i] };
		if (slip_select(src, "SELECT " SLIP_COLS SLIP_FROM
		    " WHERE o.order_no = ?", &p, 1, &one, &got, cause) == -1)
			goto fail;
		if (got == 0 || strcmp(one->status, "cancelled") == 0) {
			kf_error(cause, "slips: %s order %s", got ?
			    "cannot print the cancelled" : "there is no",
			    order_nos[i]);
			store_slips_free(one, got);
			goto fail;
		}
		(*out)[(*n)++] = *one;
		free(one);
	}
	return 0;
fail:
	store_slips_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

int
store_slip_batch(struct db_source *src, const char *date, const char *slot,
    const char *area, int unprinted, struct store_slip **out, size_t *n,
    char **cause)
{
	struct db_param p[3] = {
	    { .type = DBV_DATE, .s = date },
	    { .type = DBV_TEXT, .s = slot },
	    { .type = DBV_TEXT, .s = area },
	};
	char *sql;
	int rc;

	sql = xasprintf("SELECT " SLIP_COLS SLIP_FROM " WHERE o.slot_date = ? "
	    "AND o.slot = ?%s AND o.status NOT IN ('cancelled', 'delivered')%s "
	    "ORDER BY o.area, o.ordered_at, o.order_no",
	    area != NULL ? " AND o.area = ?" : "",
	    unprinted ? " AND (d.id IS NULL OR d.printed = 0)" : "");
	rc = slip_select(src, sql, p, area != NULL ? 3 : 2, out, n, cause);
	free(sql);
	return rc;
}

/* A new slip number: the slot's date and 6 random digits. */
static void
slip_number(const char *date, char out[STORE_SLIP_NO_MAX])
{
	unsigned char r[4];
	uint32_t v;

	if (RAND_bytes(r, sizeof r) != 1)
		fatalx("slips: no random bytes for a slip number");
	v = ((uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 |
	    (uint32_t)r[2] << 8 | r[3]) % 1000000;
	snprintf(out, STORE_SLIP_NO_MAX, "%.4s%.2s%.2s%06u", date, date + 5,
	    date + 8, (unsigned)v);
}

/* Re-read the slip row of s's order (after an insert or a lost race). */
static int
slip_reread(struct db_source *src, struct store_slip *s, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_TEXT };
	struct db_param p = { .type = DBV_INT, .i = s->order_id };
	struct db_query q = { .sql = "SELECT id, slip_no FROM delivery_slips "
	    "WHERE order_id = ?", .params = &p, .nparams = 1, .coltypes = vt,
	    .ncoltypes = 2 };
	struct db_result *r;
	struct db_err err;

	if (db_run(src, &q, &r, &err) == -1)
		return kf_error(cause, "slips: %s", err.msg);
	if (r->nrows == 1) {
		s->slip_id = DB_CELL(r, 0, 0)->i;
		free(s->slip_no);
		s->slip_no = slip_cell(r, 0, 1);
	}
	db_result_free(r);
	return 0;
}

int
store_slip_issue(struct db_source *src, struct store_slip *s, char **cause)
{
	char no[STORE_SLIP_NO_MAX];
	struct db_param p[5];
	struct db_query q = { .sql = "INSERT INTO delivery_slips (slip_no, "
	    "order_id, slot_date, slot, area) VALUES (?, ?, ?, ?, ?)",
	    .params = p, .nparams = 5, .writes = 1 };
	struct db_result *r;
	struct db_err err;
	int tries;

	if (s->slip_id != 0)
		return 0;
	for (tries = 0; tries < 5 && s->slip_id == 0; tries++) {
		slip_number(s->slot_date, no);
		p[0] = (struct db_param){ .type = DBV_TEXT, .s = no };
		p[1] = (struct db_param){ .type = DBV_INT, .i = s->order_id };
		p[2] = (struct db_param){ .type = DBV_DATE, .s = s->slot_date };
		p[3] = (struct db_param){ .type = DBV_TEXT, .s = s->slot };
		p[4] = (struct db_param){ .type = DBV_TEXT, .s = s->area };
		if (db_run(src, &q, &r, &err) == 0)
			db_result_free(r);
		else if (strncmp(err.sqlstate, "23", 2) != 0)
			return kf_error(cause, "slips: order %s: %s",
			    s->order_no, err.msg);
		/* ours, or another node's for this order, or a number taken */
		if (slip_reread(src, s, cause) == -1)
			return -1;
	}
	if (s->slip_id == 0)
		return kf_error(cause, "slips: order %s: no free slip number",
		    s->order_no);
	return 0;
}

/* Run a write and give the rows it changed. */
static int
slip_write(struct db_source *src, const char *sql, const struct db_param *p,
    size_t np, int64_t *changed, char **cause)
{
	struct db_query q = { .sql = sql, .params = p, .nparams = np,
	    .writes = 1 };
	struct db_result *r;
	struct db_err err;

	if (db_run(src, &q, &r, &err) == -1)
		return kf_error(cause, "slips: %s", err.msg);
	if (changed != NULL)
		*changed = r->affected;
	db_result_free(r);
	return 0;
}

int
store_slip_claim(struct db_source *src, struct store_slip *s,
    const char *now, const char *stale, int *claimed, char **cause)
{
	struct db_param p[3] = {
	    { .type = DBV_TIMESTAMP, .s = now },
	    { .type = DBV_INT, .i = s->slip_id },
	    { .type = DBV_TIMESTAMP, .s = stale },
	};
	int64_t changed;

	*claimed = 0;
	if (slip_write(src, "UPDATE delivery_slips SET printed_at = ? "
	    "WHERE id = ? AND printed = 0 AND (printed_at IS NULL OR "
	    "printed_at < ?)", p, 3, &changed, cause) == -1)
		return -1;
	*claimed = changed == 1;
	return 0;
}

int
store_slip_release(struct db_source *src, const struct store_slip *s,
    char **cause)
{
	struct db_param p = { .type = DBV_INT, .i = s->slip_id };

	/* a slip in doubt stays in doubt: it may have come out before */
	if (s->in_doubt)
		return 0;
	return slip_write(src, "UPDATE delivery_slips SET printed_at = NULL "
	    "WHERE id = ? AND printed = 0", &p, 1, NULL, cause);
}

/*
 * The slip counted printed and its order moved to "printed" (a new or
 * confirmed one; a reprint finds it printed already, a delivered one
 * stays delivered), in one transaction.
 */
static int
slip_printed_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	const struct db_param *p = arg;
	struct db_query q = { .sql = "UPDATE delivery_slips SET printed = 1, "
	    "printed_at = ?, print_count = print_count + 1 WHERE id = ?",
	    .params = p, .nparams = 2, .writes = 1 };
	struct db_result *r;

	if (db_tx_run(tx, &q, &r, err) == -1)
		return -1;
	db_result_free(r);
	q = (struct db_query){ .sql = "UPDATE orders SET status = 'printed' "
	    "WHERE id = ? AND status IN ('new', 'confirmed')",
	    .params = p + 2, .nparams = 1, .writes = 1 };
	if (db_tx_run(tx, &q, &r, err) == -1)
		return -1;
	db_result_free(r);
	return 0;
}

int
store_slip_printed(struct db_source *src, struct store_slip *s,
    const char *now, char **cause)
{
	struct db_param p[3] = {
	    { .type = DBV_TIMESTAMP, .s = now },
	    { .type = DBV_INT, .i = s->slip_id },
	    { .type = DBV_INT, .i = s->order_id },
	};
	struct db_err err;

	if (db_tx(src, slip_printed_tx, p, &err) == -1)
		return kf_error(cause, "slips: %s", err.msg);
	if (s->status != NULL && (strcmp(s->status, "new") == 0 ||
	    strcmp(s->status, "confirmed") == 0)) {
		free(s->status);
		s->status = xstrdup("printed");
	}
	s->printed = 1;
	s->print_count++;
	s->in_doubt = 0;
	free(s->printed_at);
	s->printed_at = xstrdup(now);
	return 0;
}

void
store_slips_free(struct store_slip *s, size_t n)
{
	size_t i, j;

	for (i = 0; s != NULL && i < n; i++) {
		for (j = 0; j < s[i].nlines; j++) {
			free(s[i].lines[j].code);
			free(s[i].lines[j].name);
			free(s[i].lines[j].spec);
			free(s[i].lines[j].unit);
			free(s[i].lines[j].qty);
			free(s[i].lines[j].price);
			free(s[i].lines[j].shelf_price);
			free(s[i].lines[j].amount);
		}
		free(s[i].lines);
		free(s[i].order_no);
		free(s[i].ordered_at);
		free(s[i].slot_date);
		free(s[i].slot);
		free(s[i].area);
		free(s[i].address);
		free(s[i].phone);
		free(s[i].total);
		free(s[i].status);
		free(s[i].note);
		free(s[i].customer_no);
		free(s[i].name);
		free(s[i].slip_no);
		free(s[i].courier);
		free(s[i].printed_at);
	}
	free(s);
}
