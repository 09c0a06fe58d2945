/*
 * conversation.c: a case's one-to-one SMS conversation kept as steps of
 * the case -- the replies the case sent are its "reply" steps
 * (store/case.c), and what the customer sends back is an "sms-in" step:
 * an inbound SMS (sms_inbox) from a number that one of the case's SMS
 * replies (outbox, key case:NO:reply:N) went to within [campaign]
 * conversation before it, the latest such case if several.  Recorded
 * once per inbound message (case_events.inbox_id is unique), so that
 * reading the modem again after a crash adds nothing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/db.h"
#include "store/store.h"
#include "store/store-int.h"
#include "util/util.h"

#define CONV_DETAIL 2000        /* case_events.detail */

/* "YYYY-MM-DD HH:MM:SS" less secs, into out. */
static void
conv_before(const char *at, long secs, char out[20])
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (strptime(at, "%Y-%m-%d %H:%M:%S", &tm) == NULL) {
		snprintf(out, 20, "0001-01-01 00:00:00");
		return;
	}
	tm.tm_isdst = -1;
	t = mktime(&tm) - secs;
	localtime_r(&t, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

/* The number without +86 (a modem's sender), in out. */
static void
conv_bare(const char *sender, char out[33])
{
	if (strncmp(sender, "+86", 3) == 0)
		sender += 3;
	snprintf(out, 33, "%s", sender);
}

/*
 * The case whose SMS reply to number was sent last, from since to at:
 * *case_id and its number, 0 when none.
 */
static int
conv_case(struct db_source *src, const char *number, const char *since,
    const char *at, int64_t *case_id, char no[CASE_NO_LEN + 1], char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT, DBV_TEXT };
	char *plus = xasprintf("+86%s", number);
	struct db_param p[4] = {
		{ .type = DBV_TEXT, .s = number },
		{ .type = DBV_TEXT, .s = plus },
		{ .type = DBV_TIMESTAMP, .s = since },
		{ .type = DBV_TIMESTAMP, .s = at },
	};
	struct db_result *r;
	int rc;

	*case_id = 0;
	no[0] = '\0';
	rc = store_run(src, "cases",
	    "SELECT r.id, r.ticket_no FROM outbox o JOIN "
	    "requests r ON r.id = o.request_id WHERE o.channel = 'sms' AND "
	    "o.idem_key LIKE 'case:%:reply:%' AND (o.recipient = ? OR "
	    "o.recipient = ?) AND o.created_at >= ? AND o.created_at <= ? "
	    "ORDER BY o.created_at DESC, o.id DESC LIMIT 1", p, nitems(p), vt,
	    nitems(vt), &r, cause);
	free(plus);
	if (rc == -1)
		return -1;
	if (r->nrows > 0) {
		*case_id = DB_CELL(r, 0, 0)->i;
		snprintf(no, CASE_NO_LEN + 1, "%s", DB_CELL(r, 0, 1)->s);
	}
	db_result_free(r);
	return 0;
}

/* "SMS from NUMBER: text", cut to case_events.detail on a character. */
static char *
conv_detail(const char *sender, const char *text)
{
	char *d = xasprintf("SMS from %s: %s", sender, text);
	size_t len = strlen(d);

	if (len >= CONV_DETAIL) {
		len = CONV_DETAIL - 1;
		while (len > 0 && ((unsigned char)d[len] & 0xc0) == 0x80)
			len--;
		d[len] = '\0';
	}
	return d;
}

int
store_case_sms_in(struct db_source *src, const struct store_case_sms *m,
    long window_s, char no[CASE_NO_LEN + 1], int *added, char **cause)
{
	static const enum db_vtype vt[] = { DBV_INT };
	char bare[33], since[20], *detail;
	struct db_param p[5];
	struct db_result *r;
	int64_t case_id;
	int rc, seen;

	*added = 0;
	conv_bare(m->sender, bare);
	conv_before(m->at, window_s, since);
	if (conv_case(src, bare, since, m->at, &case_id, no, cause) == -1)
		return -1;
	if (case_id == 0)
		return 0;
	p[0] = (struct db_param){ .type = DBV_INT, .i = m->inbox_id };
	if (store_run(src, "cases",
	    "SELECT id FROM case_events WHERE inbox_id = ?", p,
	    1, vt, 1, &r, cause) == -1)
		return -1;
	seen = r->nrows > 0;
	db_result_free(r);
	if (seen)
		return 0;
	detail = conv_detail(m->sender, m->text);
	p[0] = (struct db_param){ .type = DBV_INT, .i = case_id };
	p[1] = (struct db_param){ .type = DBV_TEXT, .s = "sms-in" };
	p[2] = (struct db_param){ .type = DBV_TIMESTAMP, .s = m->at };
	p[3] = (struct db_param){ .type = DBV_TEXT, .s = detail };
	p[4] = (struct db_param){ .type = DBV_INT, .i = m->inbox_id };
	rc = store_run(src, "cases",
	    "INSERT INTO case_events (request_id, kind, at, "
	    "detail, inbox_id) VALUES (?, ?, ?, ?, ?)", p, 5, NULL, 0, NULL,
	    cause);
	free(detail);
	*added = rc == 0;
	return rc;
}
