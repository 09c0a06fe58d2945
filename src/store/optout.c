/*
 * optout.c: the opt-out check of a whole claimed batch at the moment of
 * sending -- the consent ledger's newest row and a member's service
 * turned off, each read for every recipient of the batch in one query
 * and matched here, as store_optout (outbox.c) decides for one.  Both
 * tables have no index on the address, so one read per batch instead of
 * two per message is what keeps a broadcast's check from scanning them
 * for every recipient.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "store/store.h"
#include "store/store-int.h"
#include "util/util.h"

/* Recipients asked about in one statement: at most 4 markers each. */
#define OPTOUT_CHUNK 100

/* An ask's address in the forms store_optout compares. */
struct optout_forms {
	char lower[256];        /* the address, ASCII lower case */
	char national[40];      /* a mobile's national form */
	char intl[48];          /* and with +86 */
};

static int
optout_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static void
optout_forms(const char *service, const char *address,
    struct optout_forms *f)
{
	size_t i;

	for (i = 0; i < sizeof f->lower - 1 && address[i] != '\0'; i++)
		f->lower[i] = (char)tolower((unsigned char)address[i]);
	f->lower[i] = '\0';
	if (strcmp(service, "email") == 0 ||
	    store_sms_number(address, f->national, sizeof f->national) == -1)
		snprintf(f->national, sizeof f->national, "%.39s", address);
	snprintf(f->intl, sizeof f->intl, "+86%s", f->national);
}

/*
 * 1 when the address s is one of the forms of f: s as LOWER() gave it
 * (lower) against the address in lower case, else as it is.
 */
static int
optout_is(const char *s, const char *address, const struct optout_forms *f,
    int lower)
{
	return s != NULL && (strcmp(s, lower ? f->lower : address) == 0 ||
	    strcmp(s, f->national) == 0 || strcmp(s, f->intl) == 0);
}

/*
 * "head (addr IN (the forms' markers) OR id IN (the members' markers))"
 * for n recipients, the first form LOWER(?) when lower, with its
 * parameters after p[0].
 */
static char *
optout_sql(const char *head, const char *addr, const char *id, int lower,
    const struct store_optout_ask *ask, const struct optout_forms *f,
    size_t n, struct db_param *p)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, np = 1;

	sb_addf(&sb, "%s(%s IN (", head, addr);
	for (i = 0; i < n; i++) {
		sb_addf(&sb, "%s%s, ?, ?", i ? ", " : "",
		    lower ? "LOWER(?)" : "?");
		p[np++] = (struct db_param){ .type = DBV_TEXT,
		    .s = ask[i].address };
		p[np++] = (struct db_param){ .type = DBV_TEXT,
		    .s = f[i].national };
		p[np++] = (struct db_param){ .type = DBV_TEXT,
		    .s = f[i].intl };
	}
	sb_addf(&sb, ") OR %s IN (", id);
	for (i = 0; i < n; i++) {
		sb_addf(&sb, "%s?", i ? ", " : "");
		p[np++] = (struct db_param){ .type = DBV_INT,
		    .i = ask[i].member_id };
	}
	sb_adds(&sb, "))");
	return sb_steal(&sb);
}

/* Whether row's address (column 0) or member (column 1) is ask a's. */
static int
optout_row_is(struct db_result *r, size_t row,
    const struct store_optout_ask *a, const struct optout_forms *f,
    int lower)
{
	struct db_value *mid = DB_CELL(r, row, 1);

	if (!mid->null && a->member_id != 0 && mid->i == a->member_id)
		return 1;
	return optout_is(DB_CELL(r, row, 0)->null ? NULL :
	    DB_CELL(r, row, 0)->s, a->address, f, lower);
}

/* 1 when ledger row is newer than row best (-1: none yet). */
static int
optout_newer(struct db_result *r, size_t row, long best)
{
	int c;

	if (best < 0)
		return 1;
	c = strcmp(DB_CELL(r, row, 3)->s, DB_CELL(r, (size_t)best, 3)->s);
	return c > 0 || (c == 0 &&
	    DB_CELL(r, row, 4)->i > DB_CELL(r, (size_t)best, 4)->i);
}

/* The consent ledger: the newest row of each ask, if an unsubscribe. */
static int
optout_ledger(struct db_source *src, const char *service,
    struct store_optout_ask *ask, const struct optout_forms *f, size_t n,
    char **cause)
{
	static const enum db_vtype vt[] = { DBV_TEXT, DBV_INT, DBV_TEXT,
	    DBV_TIMESTAMP, DBV_INT };
	struct db_param *p = xcalloc(1 + 4 * n, sizeof *p);
	struct db_result *r;
	size_t i, row;
	long best;
	char *sql;
	int rc;

	p[0] = (struct db_param){ .type = DBV_TEXT, .s = service };
	sql = optout_sql("SELECT LOWER(address), member_id, action, "
	    "recorded_at, id FROM consent_ledger WHERE service = ? AND ",
	    "LOWER(address)", "member_id", 1, ask, f, n, p);
	rc = store_run(src, "outbox", sql, p, 1 + 4 * n, vt, nitems(vt), &r,
	    cause);
	free(sql);
	free(p);
	if (rc == -1)
		return -1;
	for (i = 0; i < n; i++) {
		best = -1;
		for (row = 0; row < r->nrows; row++)
			if (optout_row_is(r, row, &ask[i], &f[i], 1) &&
			    optout_newer(r, row, best))
				best = (long)row;
		if (best >= 0 && strcmp(DB_CELL(r, (size_t)best, 2)->s,
		    "unsubscribe") == 0)
			ask[i].why = xasprintf("opted out of %s on %s (consent "
			    "ledger)", service, DB_CELL(r, (size_t)best, 3)->s);
	}
	db_result_free(r);
	return 0;
}

/*
 * Members whose service is off.  Mobile numbers are compared as they
 * are, so that members_mobile serves the lookup; e-mail addresses
 * without regard to case.
 */
static int
optout_services(struct db_source *src, const char *service,
    struct store_optout_ask *ask, const struct optout_forms *f, size_t n,
    char **cause)
{
	static const enum db_vtype vt[] = { DBV_TEXT, DBV_INT };
	int email = strcmp(service, "email") == 0;
	struct db_param *p = xcalloc(1 + 4 * n, sizeof *p);
	struct db_result *r;
	size_t i, row;
	char *sql, *head;
	int rc;

	p[0] = (struct db_param){ .type = DBV_TEXT, .s = service };
	head = xasprintf("SELECT %s, m.id FROM member_services s JOIN members "
	    "m ON m.id = s.member_id WHERE s.service = ? AND s.enabled = 0 "
	    "AND ", email ? "LOWER(m.email)" : "m.mobile");
	sql = optout_sql(head, email ? "LOWER(m.email)" : "m.mobile", "m.id",
	    email, ask, f, n, p);
	free(head);
	rc = store_run(src, "outbox", sql, p, 1 + 4 * n, vt, nitems(vt), &r,
	    cause);
	free(sql);
	free(p);
	if (rc == -1)
		return -1;
	for (i = 0; i < n; i++)
		for (row = 0; row < r->nrows && ask[i].why == NULL; row++)
			if (optout_row_is(r, row, &ask[i], &f[i], email))
				ask[i].why = xasprintf("%s service turned off "
				    "for the member", service);
	db_result_free(r);
	return 0;
}

/* Up to OPTOUT_CHUNK asks, all of ASCII addresses. */
static int
optout_chunk(struct db_source *src, const char *service,
    struct store_optout_ask *ask, size_t n, char **cause)
{
	struct optout_forms *f = xcalloc(n, sizeof *f);
	int rc;

	for (size_t i = 0; i < n; i++)
		optout_forms(service, ask[i].address, &f[i]);
	rc = optout_ledger(src, service, ask, f, n, cause);
	if (rc == 0)
		rc = optout_services(src, service, ask, f, n, cause);
	free(f);
	return rc;
}

int
store_optout_many(struct db_source *src, const char *service,
    struct store_optout_ask *ask, size_t n, char **cause)
{
	struct store_optout_ask *plain = xcalloc(n ? n : 1, sizeof *plain);
	size_t i, k, np = 0;
	int out, rc = 0;

	for (i = 0; i < n; i++)
		ask[i].why = NULL;
	/*
	 * An address beyond ASCII is asked on its own: LOWER() of some
	 * engines folds more than ASCII, and the match here could not
	 * follow it.
	 */
	for (i = 0; i < n && rc == 0; i++) {
		if (optout_ascii(ask[i].address))
			plain[np++] = ask[i];
		else if ((rc = store_optout(src, service, ask[i].address,
		    ask[i].member_id, &out, &ask[i].why, cause)) == 0 && !out)
			ask[i].why = NULL;
	}
	for (i = 0; i < np && rc == 0; i += OPTOUT_CHUNK)
		rc = optout_chunk(src, service, plain + i, np - i <
		    OPTOUT_CHUNK ? np - i : OPTOUT_CHUNK, cause);
	/* the answers back to the asks they came from */
	for (i = 0, k = 0; i < n && k < np; i++)
		if (optout_ascii(ask[i].address))
			ask[i].why = plain[k++].why;
	free(plain);
	return rc;
}
