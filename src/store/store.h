/*
 * store: kefu's own data -- the local store (members and their services,
 * orders and delivery slips, complaints and requests, the outbox,
 * campaigns, the consent ledger, the call log) whose schema lives in
 * sql/local/DIALECT/NNN_name.sql as numbered migrations, and the built-in
 * catalog for shops without an MIS (sql/catalog/, demo data from demo.c).
 *
 * It reaches every database only through db/ (db_run, db_run_script) and
 * must not know about flows, mappings, lines or calls.  Products, prices,
 * stock, promotions and staff never live in the local store.
 * Depends on util, conf and db.
 */
#ifndef KEFU_STORE_H
#define KEFU_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Only pointers to these cross this header. */
struct conf_datasource;
struct db_source;
struct db_param;

struct db_err;

/* The version table the migration runner keeps in the local store. */
#define STORE_VERSION_TABLE "kefu_schema_version"

/*
 * A db error's message without its leading "datasource NAME: ", for
 * messages that name the datasource themselves.
 */
const char *store_errmsg(struct db_source *src, const struct db_err *err);

/* One migration file, sql/local/DIALECT/NNN_name.sql. */
struct store_migration {
	int version;            /* NNN */
	char *name;             /* "members" */
	char *path;             /* full path of the file */
};

/* What `kefu db status` shows. */
struct store_status {
	const char *dialect;    /* "sqlite", "postgresql" or "mysql" (static) */
	int current;            /* version in the database, 0: not set up */
	int latest;             /* highest version this kefu ships */
	struct store_migration *migs;   /* every migration known, ascending */
	size_t nmigs;
	size_t npending;        /* of which newer than current */
};

/*
 * The SQL dialect of a datasource: the configured adapter, else the one
 * db/ detected on connect (a probe statement is run to connect), else a
 * guess from the ODBC driver's name.  Returns "sqlite", "postgresql" or
 * "mysql", or NULL with *cause when the DBMS is none of these.
 */
const char *store_dialect(struct db_source *src,
    const struct conf_datasource *cfg, char **cause);

/*
 * List sqldir/local/DIALECT/NNN_name.sql in version order.  Refuses a
 * folder with no migrations, a gap, or two files of one version.
 */
int store_migrations(const char *sqldir, const char *dialect,
    struct store_migration **out, size_t *n, char **cause);
void store_migrations_free(struct store_migration *m, size_t n);

/* The version recorded in the database (0 when the version table is absent). */
int store_version(struct db_source *src, const char *dialect, int *version,
    char **cause);

/*
 * Whether a table exists in the schema (PostgreSQL current_schema()) or
 * database (MySQL DATABASE()) the connection uses.
 */
int store_table_exists(struct db_source *src, const char *dialect,
    const char *table, int *exists, char **cause);

/* Fill *st (free with store_status_free). */
int store_status(struct db_source *src, const struct conf_datasource *cfg,
    const char *sqldir, struct store_status *st, char **cause);
void store_status_free(struct store_status *st);

/*
 * calllog.c: the call log, one call_log row per call and one
 * call_queries row per query it made (sql/local/DIALECT/005_calls.sql).
 * The caller redacts: the store writes what it is given.
 */
struct store_call_query {
	const char *mapping;    /* the mapping (or kefu.* service) asked */
	const char *params;     /* "name=value ...", secrets already "***" */
	int64_t latency_ms;
	const char *error_kind; /* "invalid", "error", ...; NULL: an answer */
	int64_t nrows;          /* rows returned; -1: unknown (NULL) */
};
struct store_call {
	const char *node;       /* the host that took the call */
	const char *line;       /* [line NAME] */
	const char *caller_id;  /* NULL: withheld or not sent */
	const char *started_at; /* local "YYYY-MM-DD HH:MM:SS" */
	int64_t duration_ms;
	const char *language;   /* NULL: none chosen */
	const char *flow;       /* the flow started */
	const char *path;       /* the nodes visited (at most 4000 bytes) */
	const char *outcome;    /* "completed", "hangup" or "error" */
	const char *error;      /* why, or NULL */
	const struct store_call_query *queries;
	size_t nqueries;
};
/*
 * Write one call and its queries in one transaction: all or none.
 * 0, or -1 with *cause.
 */
int store_calllog_add(struct db_source *src, const struct store_call *c,
    char **cause);

/*
 * Apply the pending migrations up to target (0: all), each in one
 * db_run_script that also records its version, so that a migration that
 * fails leaves the recorded version where it was.  Refuses a database
 * whose version is newer than the newest migration known.  *applied (may
 * be NULL) gets the number of migrations run.  A log line per migration.
 */
int store_upgrade(struct db_source *src, const struct conf_datasource *cfg,
    const char *sqldir, int target, int *applied, char **cause);

/*
 * For a SQLite datasource (Driver=SQLite...;Database=PATH): create the
 * folder that will hold PATH.  Sets *path (malloc'd, may be NULL) to the
 * database file when the datasource is SQLite.  Harmless for others.
 */
int store_sqlite_path(const struct conf_datasource *cfg, char **path,
    char **cause);

/* pin.c: PINs are kept only as "pbkdf2-sha256$ITER$SALT$HASH" (hex). */
int store_pin_hash(const char *pin, char **out, char **cause);
/* 1: the PIN matches the stored hash; 0: it does not or the hash is bad. */
int store_pin_verify(const char *pin, const char *stored);

struct store_member_policy;

/* The row whose wrong PINs are counted (pin_failures, locked_until). */
struct store_pin_row {
	const char *table;      /* "members", "staff_access" */
	const char *keycol;     /* the column that picks the row: "id" */
	const struct db_param *key; /* its value */
	const char *who;        /* for the log: "member 1000001" */
	const char *lift;       /* the command that lifts a lock, logged */
};

/*
 * Count a wrong PIN on r: the pol->pin_attempts-th in a row locks the row
 * until now + pol->pin_lockout_ms (a fresh count when fresh).  *left gets
 * the tries left (0: now locked).  The lock is logged, never the PIN.
 */
int store_pin_wrong(struct db_source *src, const struct store_pin_row *r,
    int fresh, const struct store_member_policy *pol, const char *now,
    int *left, char **cause);
/* Start r's wrong-PIN count over and lift its cool-down. */
int store_pin_reset(struct db_source *src, const struct store_pin_row *r,
    char **cause);

/*
 * stamp.c: local time as "YYYY-MM-DD HH:MM:SS".  store_stamp_now returns
 * now when not NULL, else the time now written into buf;
 * store_stamp_later writes now + ms into buf (NULL: now is malformed).
 */
#define STORE_STAMP_LEN 20
const char *store_stamp_now(const char *now, char buf[STORE_STAMP_LEN]);
const char *store_stamp_later(const char *now, int ms,
    char buf[STORE_STAMP_LEN]);
/*
 * The wall clock store_stamp_now and catalog_today read: time(), or a
 * test's (t/unit/svc-midnight.c moves it across midnight between two
 * reads).  Set it before any thread runs, never while one may read it.
 * A decision that needs "now" twice reads it once and passes it on.
 */
extern time_t (*store_clock)(time_t *);

/*
 * outbox.c: the outbound message queue and its send states (one names
 * table, store_outbox_states).  Times are local "YYYY-MM-DD HH:MM:SS".
 *
 *   queued -> claimed (lease until lease_until) -> submitting (stored
 *   before SMTP DATA / AT+CMGS) -> submitted (remote_id) -> delivered
 *   | failed | unknown;  suppressed, cancelled: never handed over.
 */
extern const char *const store_outbox_states[];   /* NULL-terminated */

struct store_msg {
	int64_t id;
	char *channel;          /* "sms", "email", "pager" */
	char *recipient;        /* address or mobile number */
	char *recipient_name;   /* display name, UTF-8; NULL when none */
	char *subject;          /* NULL when none */
	char *body;             /* plain text, UTF-8 */
	char *body_html;        /* NULL when none */
	char *msg_class;        /* "marketing" or "transactional" */
	int64_t member_id;      /* 0 when none */
	int attempts;           /* including this one */
	int max_attempts;
	char *status;           /* one of store_outbox_states */
	char *last_error;       /* NULL when none */
	char *remote_id;        /* MTA queue id, TP-MR; NULL when none */
	char *idem_key;
	char *next_attempt_at, *created_at, *sent_at;   /* NULL when none */
	int64_t campaign_id;    /* 0 when none */
	int cost;               /* fen, counted against the campaign's budget */
	int parts;              /* SMS parts (1 for e-mail) */
};

/* What store_outbox_enqueue queues. */
struct store_outbox_new {
	const char *channel;    /* "sms", "email", "pager" */
	const char *recipient;
	const char *recipient_name;     /* NULL: none */
	const char *subject;    /* NULL: none */
	const char *body;
	const char *body_html;  /* NULL: none */
	const char *msg_class;  /* "marketing" or "transactional" */
	const char *idem_key;   /* required; unique over the whole outbox */
	int64_t member_id;      /* 0: none */
	int max_attempts;       /* 0: 5 */
	const char *when;       /* due at; NULL: now */
	int64_t campaign_id;    /* 0: none */
	int64_t order_id;       /* the order it tells of; 0: none */
	int cost;               /* fen */
	int parts;              /* 0: 1 */
};

/* One row of outbox_attachments (strings owned when read back). */
struct store_attachment {
	const char *content_type;       /* "image/png" */
	const char *filename;           /* shown to the reader */
	const char *path;               /* file read when the message is sent */
	const char *inline_id;          /* Content-ID for cid: links, or NULL */
	int64_t outbox_id;              /* its message, when read back */
};

/*
 * Queue a message.  A key already in the outbox queues nothing: *id is
 * the earlier message and *duplicate is 1 (the caller retried).
 */
int store_outbox_enqueue(struct db_source *src,
    const struct store_outbox_new *m, const char *now, int64_t *id,
    int *duplicate, char **cause);
int store_outbox_attach(struct db_source *src, int64_t id, int seq,
    const struct store_attachment *a, char **cause);
/*
 * The attachments of a message in seq order (free with
 * store_attachments_free).
 */
int store_outbox_attachments(struct db_source *src, int64_t id,
    struct store_attachment **out, size_t *n, char **cause);
/*
 * The attachments of every message the claim token holds "submitting",
 * in one query: ordered by outbox_id, then seq.
 */
int store_outbox_attachments_claim(struct db_source *src, const char *token,
    struct store_attachment **out, size_t *n, char **cause);
void store_attachments_free(struct store_attachment *a, size_t n);
/*
 * Claim at most max messages of channel (NULL: any) due at now, and
 * claims whose lease ran out before now, for worker until lease_until,
 * in one UPDATE, so that no message is claimed by two workers.  *token
 * (malloc'd) names this claim for the calls below; *out (free with
 * store_msgs_free) may be empty.
 */
int store_outbox_claim(struct db_source *src, const char *dialect,
    const char *worker, const char *channel, const char *now,
    const char *lease_until, size_t max, char **token,
    struct store_msg **out, size_t *n, char **cause);
void store_msgs_free(struct store_msg *m, size_t n);
/*
 * claimed -> submitting, committed before the message is handed over.
 * Refuses a message no longer claimed by token (lease lost, cancelled).
 */
int store_outbox_submitting(struct db_source *src, int64_t id,
    const char *token, const char *now, char **cause);
/* claimed | submitting -> submitted, with the MTA's queue id (or NULL). */
int store_outbox_submitted(struct db_source *src, int64_t id,
    const char *token, const char *now, const char *remote_id, char **cause);
/*
 * Record a send: error NULL marks it submitted; otherwise it is queued
 * again at retry_at, or failed for good after max_attempts.  Refuses a
 * message no longer claimed by token.
 */
int store_outbox_done(struct db_source *src, int64_t id, const char *token,
    const char *now, const char *error, const char *retry_at, char **cause);
/*
 * Give a claimed message back untried: queued at retry_at, the attempt
 * its claim counted taken back (the transport was down).
 */
int store_outbox_release(struct db_source *src, int64_t id,
    const char *token, const char *retry_at, char **cause);
/* End a claimed message as "failed", "suppressed" or "cancelled", with
 * its reason. */
int store_outbox_end(struct db_source *src, int64_t id, const char *token,
    const char *status, const char *reason, char **cause);
/*
 * Messages left "submitting" whose lease ran out before now: marketing
 * becomes "unknown" (not sent again), transactional is queued again.
 */
int store_outbox_recover(struct db_source *src, const char *now,
    int *unknown, int *resent, char **cause);
/*
 * The same two inside a transaction of the caller's (db_tx), so that a
 * message is queued with what it tells of, or not at all: a key already
 * queued fails the transaction.  request_id (0: none) links the message
 * to its case.
 */
struct db_tx;
int store_outbox_enqueue_tx(struct db_tx *tx,
    const struct store_outbox_new *m, const char *now, int64_t request_id,
    int64_t *id, char **cause);
int store_outbox_attach_tx(struct db_tx *tx, int64_t id, int seq,
    const struct store_attachment *a, char **cause);
/* For kefu outbox: newest first, status NULL for all; max 0: 50. */
int store_outbox_list(struct db_source *src, const char *status, size_t max,
    struct store_msg **out, size_t *n, char **cause);
int store_outbox_get(struct db_source *src, int64_t id,
    struct store_msg **out, char **cause);
/* failed | unknown | cancelled | queued -> queued now, attempts reset. */
int store_outbox_retry(struct db_source *src, int64_t id, const char *now,
    char **cause);
/* queued | claimed | failed | unknown -> cancelled. */
int store_outbox_cancel(struct db_source *src, int64_t id, char **cause);
/*
 * Whether address (or member_id, 0: none) opted out of service ("sms",
 * "email"): the newest consent_ledger row says unsubscribe, or the
 * member's member_services row is off.  *why (malloc'd) says which.
 */
struct store_outcome;
/*
 * A claimed message of a campaign with a budget, for
 * store_outbox_submitting_all: its cost is reserved in the commit that
 * makes it submitting, or, when the campaign's spend (the cost of its
 * messages submitting, submitted, delivered or unknown) plus this cost
 * would be over the budget, it ends "suppressed" instead (over, reason).
 */
struct store_spend {
	int64_t id;
	int64_t campaign_id;
	int cost;               /* fen */
	int over;               /* out: 1 when it did not fit */
	char reason[200];       /* out: why, when over (for the log) */
};
/*
 * claimed -> submitting for every message the claim token still holds,
 * in one commit (a group made durable before any of it is handed over);
 * *ids (malloc'd) are those now submitting, in id order.  With
 * prev_token, the nprev outcomes of the group sent before (claimed under
 * prev_token) are recorded in that same commit, as store_outbox_record
 * would: all or none.  The nsp messages of sp (in id order), those of
 * campaigns with a budget, are weighed against it in that commit under
 * a lock of each campaign's row, taken before anything else (a row lock
 * on PostgreSQL and InnoDB, SQLite's write lock): two workers or two
 * kefud nodes never both spend the same fen.
 */
int store_outbox_submitting_all(struct db_source *src, const char *token,
    const char *now, const char *prev_token, const struct store_outcome *prev,
    size_t nprev, struct store_spend *sp, size_t nsp, int64_t **ids,
    size_t *n, char **cause);
/* What became of one submitting message, for store_outbox_record. */
struct store_outcome {
	int64_t id;
	enum {
		STORE_SUBMITTED,        /* text: remote id or NULL; at: sent */
		STORE_RETRY,            /* text: error; at: next attempt
					   (failed after max_attempts) */
		STORE_FAILED,           /* text: error; for good */
		STORE_UNKNOWN,          /* handed over, the answer lost
					   (marketing): left unknown */
		STORE_UNTRIED,          /* never handed over (the peer was
					   down): queued at at, the attempt
					   not counted */
	} what;
	const char *text;
	const char *at;
};
/* Record the outcomes of a group in one transaction. */
int store_outbox_record(struct db_source *src, const char *token,
    const struct store_outcome *o, size_t n, char **cause);
/*
 * Marketing messages handed over (submitting, submitted, delivered,
 * unknown) since "since", other than except: a member's on every channel
 * (member_id), else those to recipient.
 */
int store_outbox_marketing_sent(struct db_source *src, int64_t member_id,
    const char *recipient, const char *since, int64_t except, int *n,
    char **cause);
/*
 * store_outbox_marketing_sent for many customers at once, in one query
 * (a few for a batch of hundreds): ask[i].n what was handed over since
 * "since" to ask[i] -- a member (member_id) on every channel, else the
 * address (recipient).  A claimed message is never counted.
 */
struct store_cap_ask {
	int64_t member_id;      /* 0: counted by recipient */
	const char *recipient;
	int n;                  /* out: marketing messages handed over */
};
int store_outbox_marketing_sent_many(struct db_source *src,
    const char *since, struct store_cap_ask *ask, size_t n, char **cause);
int store_optout(struct db_source *src, const char *service,
    const char *address, int64_t member_id, int *out, char **why,
    char **cause);
/* One recipient of store_optout_many. */
struct store_optout_ask {
	const char *address;
	int64_t member_id;      /* 0: not a member */
	char *why;              /* set: opted out, and why (malloc'd) */
};
/*
 * store_optout for n recipients at once, in two queries per 100: each
 * ask's why is set when it is opted out, NULL when not (the caller frees
 * them, also after -1).
 */
int store_optout_many(struct db_source *src, const char *service,
    struct store_optout_ask *ask, size_t n, char **cause);

/*
 * sms.c: SMS over GSM modems -- parts of outbox messages (outbox_parts),
 * status reports, inbound messages (sms_inbox), opt-outs by keyword or
 * at the desk.  Numbers are compared in national form.
 */
/* "+86 139-1234-5678" -> "13912345678" (store_phone_national without
 * an area code); -1 when it is not a number. */
int store_sms_number(const char *in, char *out, size_t outsz);

/*
 * phone.c: numbers in national form, the one place caller IDs and the
 * numbers of members are made comparable.
 */
#define STORE_PHONE_LEN 32
#define STORE_PHONE_FORMS 6
/*
 * in (digits, a leading +, spaces, hyphens, brackets) in national form:
 * a +86 / 0086 / 86 prefix dropped (an area code after it gets its 0
 * back), a mobile's trunk 0 dropped, and a local number of 7 or 8 digits
 * prefixed with area ("020"; NULL: left as is).  -1 when not a number.
 */
int store_phone_national(const char *in, const char *area, char *out,
    size_t outsz);
/*
 * The ways a stored number may spell the national nat (nat itself
 * first; +86, 86, 0086 forms; a mobile's 0 form; a landline's local
 * number): at most max into forms, their count returned.
 */
size_t store_phone_forms(const char *nat, char forms[][STORE_PHONE_LEN],
    size_t max);

/* One part of an outbox message as sent. */
struct store_sms_part {
	int seq, total;         /* 1..total */
	char status[12];        /* submitting, submitted, delivered, failed,
				   refused (the modem said +CMS ERROR) */
	int mr;                 /* TP-MR; -1 before +CMGS */
};
int store_sms_parts(struct db_source *src, int64_t id,
    struct store_sms_part **out, size_t *n, char **cause);
/* Durable before AT+CMGS: the part is "submitting" on modem; again: it
 * has a row from an earlier attempt (one statement saved when not). */
int store_sms_part_submitting(struct db_source *src, int64_t id, int seq,
    int total, const char *modem, const char *recipient, const char *now,
    int again, char **cause);
/* +CMGS: <mr> came: "submitted" with the TP-MR. */
int store_sms_part_submitted(struct db_source *src, int64_t id, int seq,
    int mr, const char *now, char **cause);
/* +CMS ERROR instead: "refused" (sent again when the message is). */
int store_sms_part_refused(struct db_source *src, int64_t id, int seq,
    const char *error, char **cause);

/* What a status report changed (outbox_id 0: no part matched). */
struct store_sms_report {
	int64_t outbox_id;
	int seq;
	const char *part_status;        /* delivered, submitted (the centre
					   still tries), failed */
	const char *msg_status;         /* the message became "delivered"
					   (all parts) or "failed"; NULL */
};
/*
 * A status report from modem for TP-MR mr to ra with TP-ST st and the
 * centre's time stamp scts (sms.h form, or NULL): of the submitted parts
 * with that MR on that modem to that number (national form), the one
 * submitted closest to scts takes it (the MR wraps at 255, so a late
 * report can share it with a newer part), the newest without scts; the
 * message is delivered when every part is, failed when one failed.
 */
int store_sms_report(struct db_source *src, const char *modem, int mr,
    const char *ra, int st, const char *scts, const char *now,
    struct store_sms_report *out, char **cause);

/* An inbound message, joined if it came in parts. */
struct store_sms_in {
	const char *modem;      /* the [gsm NAME] it came on */
	const char *sender;     /* as the network gave it: "+8613912345678" */
	const char *body;       /* UTF-8 */
	int parts;
	const char *sent_at;    /* the service centre's time stamp, or NULL */
};
/* Store it; *dup when the same message is already stored (read twice). */
int store_sms_inbox_add(struct db_source *src, const struct store_sms_in *in,
    const char *now, int64_t *id, int *dup, char **cause);
/* What kefu did with it: action "optout" (or NULL), the reply queued. */
int store_sms_inbox_mark(struct db_source *src, int64_t id,
    int64_t member_id, const char *action, int64_t reply_id, char **cause);
struct store_sms_inrow {
	int64_t id;
	char *modem, *sender, *body, *sent_at, *received_at;
	int parts;
	int64_t member_id;      /* 0: none */
	char *action;           /* "optout" or NULL */
	int64_t reply_id;       /* the confirmation's outbox id, 0: none */
};
/* Newest first; max 0: 50. */
int store_sms_inbox_list(struct db_source *src, size_t max,
    struct store_sms_inrow **out, size_t *n, char **cause);
void store_sms_inbox_free(struct store_sms_inrow *w, size_t n);

/* An opt-out of SMS for a number: by keyword (via "sms") or at the desk. */
struct store_sms_optout {
	const char *number;     /* any form; kept in national form */
	const char *via;        /* "sms" or "staff" */
	int64_t inbox_id;       /* the inbound message (evidence), 0: none */
	const char *staff_no;   /* NULL: none */
	const char *note;       /* NULL: none */
	const char *now;
	const struct store_outbox_new *reply;   /* the confirmation to
						   queue (its member_id is
						   set), NULL: none */
};
/*
 * Every member with that mobile gets SMS turned off and a consent_ledger
 * row; a number no member has gets one row without a member (the
 * opt-out list).  The confirmation (reply) is queued and the inbound
 * message (inbox_id) marked in the same transaction: all or nothing.
 * *member_id: the first member, 0: none; *reply_id (may be NULL): the
 * confirmation queued.  1 (nothing written) when the inbound message
 * was acted on before (read twice).
 */
int store_sms_optout(struct db_source *src, const struct store_sms_optout *o,
    int64_t *member_id, int64_t *reply_id, char **cause);
/* The opt-out list: addresses whose newest row for service unsubscribes. */
struct store_optout_row {
	char *address;
	int64_t member_id;      /* 0: not a member */
	char *via, *recorded_at, *note;
};
int store_optout_list(struct db_source *src, const char *service, size_t max,
    struct store_optout_row **out, size_t *n, char **cause);
void store_optout_free(struct store_optout_row *w, size_t n);

/*
 * campaign.c: campaigns (one names table, store_campaign_states):
 *
 *   draft -> scheduled -> sending <-> paused;
 *   draft | scheduled | sending | paused -> cancelled
 *
 * A campaign's messages are outbox rows with its campaign_id.
 */
extern const char *const store_campaign_states[];  /* NULL-terminated */

/* Strings are owned (malloc'd) when read back by store_campaign_get. */
struct store_campaign {
	int64_t id;
	const char *name;       /* unique */
	const char *channel;    /* "sms" or "email" */
	const char *source;     /* "text" (body is a template), "specials" */
	const char *subject;    /* e-mail; NULL when none */
	const char *body;       /* template: {name} {customer_no}; with
				   specials, the lead-in and the specials */
	const char *body_html;  /* NULL when none */
	const char *segment;    /* "language=yue,since=2026-01-01"; NULL: all */
	int64_t budget;         /* fen; -1: none */
	const char *status;     /* one of store_campaign_states */
	const char *created_at, *started_at;    /* NULL when none */
	const char *kind;       /* "segment" (kefu campaign new), "periodic"
				   (the scheduler's); NULL: "segment" */
	const char *scheduled_at;       /* when the scheduler starts it
					   (status "scheduled"); NULL */
};

/* A member a campaign goes to. */
struct store_recipient {
	int64_t member_id;
	char *customer_no;
	char *name;             /* NULL when none */
	char *address;          /* mobile or e-mail, as the channel wants */
	char *language;
	char *mobile, *phone;   /* NULL when none */
	char *points;           /* {points}: set by msg/ from a mapping;
				   NULL when not known */
};

/* Messages of a campaign in one state. */
struct store_campaign_count {
	char status[16];
	int64_t messages, parts, cost;  /* cost in fen */
};

/*
 * A new draft, or "scheduled" when c->scheduled_at is set; a name
 * already taken is refused.
 */
int store_campaign_new(struct db_source *src, const struct store_campaign *c,
    const char *now, int64_t *id, char **cause);
/* By id (digits) or name; free with store_campaign_free. */
int store_campaign_get(struct db_source *src, const char *name_or_id,
    struct store_campaign **out, char **cause);
void store_campaign_free(struct store_campaign *c);
/* Every campaign's id and name, oldest first (an array; free the names). */
int store_campaign_list(struct db_source *src, struct store_campaign **out,
    size_t *n, char **cause);
/*
 * Move a campaign to "sending" (from draft, scheduled, paused, or sending
 * again), "scheduled" (from draft or scheduled; now is the time it is
 * due), "draft" (from scheduled), "paused" (from sending) or
 * "cancelled"; refused from any other state.
 */
int store_campaign_state(struct db_source *src, int64_t id, const char *to,
    const char *now, char **cause);
/* The scheduled campaigns due at now, earliest first (free *ids). */
int store_campaign_due(struct db_source *src, const char *now, int64_t **ids,
    size_t *n, char **cause);
/*
 * After store_campaign_state: "cancelled" cancels the campaign's queued
 * messages; "sending" makes those a pause put off due at now.  *n: rows.
 */
int store_campaign_hold(struct db_source *src, int64_t id, const char *to,
    const char *now, int64_t *n, char **cause);
/* What its messages handed over so far cost, in fen. */
int store_campaign_spent(struct db_source *src, int64_t id, int64_t *spent,
    char **cause);
/* Its messages per state (free *out). */
int store_campaign_counts(struct db_source *src, int64_t id,
    struct store_campaign_count **out, size_t *n, char **cause);
/*
 * Active members with the channel's service on and an address for it,
 * matching segment: comma-separated KEY=VALUE conditions, all of which
 * must hold -- language=zh-CN|yue, since=DATE, before=DATE (registered),
 * via=paper|phone, member=ID, birthday=MM-DD (or YYYY-MM-DD: born on
 * that day of the year; those born on 29 February on the 28th in other
 * years).  mapping=NAME is left to msg_campaign_recipients (a mapping's
 * name is only checked here).  src NULL only checks the segment.
 */
int store_campaign_recipients(struct db_source *src, const char *channel,
    const char *segment, struct store_recipient **out, size_t *n,
    char **cause);
void store_recipients_free(struct store_recipient *r, size_t n);
int store_segment_check(const char *segment, char **cause);

/*
 * points.c: member_points, the points balance of each member as
 * [campaign] points-mapping last gave it and how many changes were told
 * (the notice of change N is keyed points:MEMBER:N).  store_points_read
 * reads them all, by member id; store_points_find looks one up in that
 * (NULL: none yet); store_points_set records points as the baseline (was
 * NULL) or as change was->changes + 1 -- only if no one recorded another
 * change meanwhile.
 */
struct store_points {
	int64_t member_id;
	char points[24];        /* as the mapping gave it */
	int64_t changes;        /* changes told so far */
};
int store_points_read(struct db_source *src, struct store_points **out,
    size_t *n, char **cause);
const struct store_points *store_points_find(const struct store_points *p,
    size_t n, int64_t member_id);
int store_points_set(struct db_source *src, int64_t member_id,
    const char *points, const struct store_points *was, const char *now,
    char **cause);

/*
 * event.c: kefu's own events a member is told of (store_event_kinds:
 * "order-confirmed", "order-on-way" -- its slip printed for the
 * courier), those since a time with no notice queued yet.
 */
extern const char *const store_event_kinds[];      /* NULL-terminated */
struct store_event {
	int64_t order_id;
	char *order_no;
	int64_t member_id;
	char *name;             /* the member's; NULL when none */
	char *mobile;
	char *date, *slot;      /* the delivery slot */
	char *total;            /* "25.80" */
	char *courier;          /* order-on-way: the slip's courier; NULL */
};
int store_events_pending(struct db_source *src, const char *kind,
    const char *since, struct store_event **out, size_t *n, char **cause);
void store_events_free(struct store_event *e, size_t n);

/*
 * member.c: members of the supermarket and the services they signed up
 * for (SMS specials, e-mail specials, phone ordering), their PINs with
 * lockout, and every consent change in consent_ledger.  Used by the
 * desk (`kefu member`) and, next, by the phone flows through svc/.
 * Members are named by customer number: 8 digits, the last a Luhn check
 * digit (see store_member_no_valid).  Times are local
 * "YYYY-MM-DD HH:MM:SS"; strings are UTF-8.
 */
#define MEMBER_NO_LEN     8     /* digits of a customer number, check digit
				   included */
#define MEMBER_PIN_MIN    4
#define MEMBER_PIN_MAX    8

/* Services, as bits of store_member.services. */
#define MEMBER_SVC_SMS    0x1   /* "sms": SMS specials to the mobile */
#define MEMBER_SVC_EMAIL  0x2   /* "email": e-mail specials */
#define MEMBER_SVC_ORDER  0x4   /* "phone_order": ordering by phone */
#define MEMBER_SVC_ALL    0x7

/* What the desk and the phone flows may set; NULL: leave as is, "": clear. */
struct store_member_fields {
	const char *name;
	const char *phone;      /* home phone, digits (a leading + allowed) */
	const char *mobile;
	const char *address;    /* home address: desk only */
	const char *email;      /* desk only */
	const char *birthday;   /* "YYYY-MM-DD" */
	const char *language;   /* "zh-CN" or "yue"; never cleared */
	const char *note;       /* desk's note */
};

/* Who makes a change: how it reaches the consent ledger and the log. */
struct store_member_actor {
	const char *via;        /* "paper" (a signed form), "staff" (the desk),
				   "phone" (the caller, by voice menu) */
	int64_t call_id;        /* via phone: the call_log id, 0 if none */
	const char *call_ref;   /* via phone: the call's reference (flow
				   variable call), NULL if none */
	const char *staff_no;   /* the desk's staff number, NULL if none */
	const char *now;        /* the time of the change; NULL: now */
};

/* The [store] settings that govern PINs (kefu.conf). */
struct store_member_policy {
	int pin_attempts;       /* wrong PINs in a row that lock
				   (pin-attempts) */
	int pin_lockout_ms;     /* how long that lock lasts (pin-lockout) */
	int pin_iterations;     /* PBKDF2 iterations of new PINs
				   (pin-iterations) */
};
#define STORE_MEMBER_POLICY_DEFAULT { 5, 30 * 60 * 1000, 100000 }

/* One member as read back; every string malloc'd, NULL when not set. */
struct store_member {
	int64_t id;
	char customer_no[MEMBER_NO_LEN + 1];
	char *name, *phone, *mobile, *address, *email, *birthday, *language;
	char *registered_via;   /* "paper" or "phone" */
	char *registered_at, *updated_at;
	char *status;           /* "active" or "closed" */
	char *note;
	int services;           /* MEMBER_SVC_* enabled */
	int has_pin;
	int pin_failures;       /* wrong PINs in a row */
	int locked;             /* locked by the desk */
	char *locked_until;     /* PIN cool-down end, NULL when none */
};

/* A new member: fields plus how they came. */
struct store_member_new {
	struct store_member_fields f;
	const char *via;        /* "paper" or "phone" */
	const char *customer_no; /* NULL: kefu issues one; else must be valid */
	int services;           /* -1: the defaults of via (store_member_add) */
	const char *pin;        /* NULL: none yet */
	const char *registered_at; /* NULL: now (import keeps the original) */
};

/* Filters of store_member_list; zero/NULL fields do not filter. */
struct store_member_filter {
	const char *status;     /* "active", "closed" */
	const char *via;        /* "paper", "phone" */
	int service;            /* MEMBER_SVC_*: members with it enabled */
	const char *name;       /* substring of the name */
	const char *number;     /* phone or mobile, any form (caller ID) */
	const char *area;       /* local area code of a local number */
	int locked;             /* 1: locked by the desk or cooling down */
	const char *now;        /* for locked; NULL: now */
};

/* What a PIN check found. */
enum store_pin_result {
	STORE_PIN_OK,           /* right PIN; the wrong count starts over */
	STORE_PIN_WRONG,        /* wrong; *left more tries before the lock */
	STORE_PIN_LOCKED,       /* locked (desk or cool-down): not even tried */
	STORE_PIN_NONE,         /* the member has no PIN */
	STORE_PIN_CLOSED,       /* the member is closed */
};

/* The Luhn (ISO/IEC 7812-1) check digit of a string of digits, or 0. */
char store_member_check_digit(const char *body);
/* 1: 8 digits whose last is the Luhn check digit of the first 7. */
int store_member_no_valid(const char *no);
/* 1: 4 to 8 ASCII digits. */
int store_member_pin_valid(const char *pin);
/* "sms"/"email"/"phone_order" <-> MEMBER_SVC_*; 0 or NULL when unknown. */
int store_member_service_bit(const char *name);
const char *store_member_service_name(int bit);

/*
 * Register a member.  On paper: every service the member can receive
 * (SMS with a mobile, e-mail with an address, phone ordering); by phone:
 * SMS only -- phone ordering and e-mail need the paper form, and a phone
 * registration may not give an address or e-mail.  Each service goes to
 * the consent ledger.  Sets out (the number issued) on success.
 */
/*
 * The checks store_member_add makes before touching the store: a name,
 * phone or mobile at least; valid fields; the services within the rules
 * of via; a 4-8 digit PIN; a given number with its check digit.
 */
int store_member_validate(const struct store_member_new *m, char **cause);
/*
 * The checks of the fields given (numbers, e-mail, dates, language,
 * lengths); by_phone refuses an address or e-mail at all.
 */
int store_member_check(const struct store_member_fields *f, int by_phone,
    char **cause);
int store_member_add(struct db_source *src, const struct store_member_new *m,
    const struct store_member_actor *a, const struct store_member_policy *pol,
    char out[MEMBER_NO_LEN + 1], char **cause);
/* One member by customer number (*out free with store_member_free). */
int store_member_get(struct db_source *src, const char *no,
    struct store_member **out, char **cause);
void store_member_free(struct store_member *m);
/* Members matching f, by customer number (free with store_members_free). */
int store_member_list(struct db_source *src,
    const struct store_member_filter *f, struct store_member **out,
    size_t *n, char **cause);
void store_members_free(struct store_member *m, size_t n);
/*
 * Change a member's details.  a->via "phone" refuses the address and the
 * e-mail (only the desk changes those).  Bad values are refused with
 * the field named; nothing is changed then.
 */
int store_member_set(struct db_source *src, const char *no,
    const struct store_member_fields *f, const struct store_member_actor *a,
    char **cause);
/*
 * A phone-registered member signed the paper form: registered on paper
 * from now on, same number, phone ordering (and e-mail with an address)
 * subscribed.  Refuses a member already on paper.
 */
int store_member_upgrade(struct db_source *src, const char *no,
    const struct store_member_actor *a, char **cause);
/*
 * Subscribe (on 1) or cancel (on 0) a service, with a ledger row.
 * Subscribing phone ordering or e-mail needs a member registered on
 * paper and a change not made by phone.  *changed (may be NULL): 0 when
 * the service already was in that state (no ledger row then).
 */
int store_member_service(struct db_source *src, const char *no, int service,
    int on, const struct store_member_actor *a, int *changed, char **cause);
/* Set a new PIN (4-8 digits) and lift any PIN lockout. */
int store_member_pin_set(struct db_source *src, const char *no,
    const char *pin, const struct store_member_policy *pol, char **cause);
/*
 * Check a PIN.  A wrong one counts; pol->pin_attempts in a row lock the
 * member for pol->pin_lockout_ms.  *left (may be NULL) gets the tries
 * left after a wrong PIN.  The PIN is never logged.
 */
int store_member_pin_check(struct db_source *src, const char *no,
    const char *pin, const struct store_member_policy *pol, const char *now,
    enum store_pin_result *res, int *left, char **cause);
/* Lock (on 1) by the desk, or unlock (on 0: also ends a PIN lockout). */
int store_member_lock(struct db_source *src, const char *no, int on,
    char **cause);
/* Close a member: every service cancelled (ledger rows), PIN removed. */
int store_member_close(struct db_source *src, const char *no,
    const struct store_member_actor *a, char **cause);
/* pin.c: a PIN hash with iter PBKDF2 iterations (store_pin_hash: 100000). */
int store_pin_hash_iter(const char *pin, int iter, char **out, char **cause);

/*
 * case.c: cases -- complaints, suggestions and after-sales requests left
 * by phone (table requests) -- and their closed loop: routed to a
 * [department] of kefu.conf, its person in charge told through the
 * outbox in the transaction that creates the case (the e-mail with the
 * recording attached), then assigned, noted, answered (an SMS to the
 * caller, or a call back) and closed, each step a case_events row with
 * its time and staff number.  Case numbers are "YYMMDDNNNN": the day the
 * case came in, then its number of that day from 0001.
 */
#define CASE_NO_LEN 10

struct conf;
struct conf_department;

extern const char *const store_case_kinds[];    /* NULL-terminated */
int store_case_kind_ok(const char *kind);
/* 1: CASE_NO_LEN digits. */
int store_case_no_valid(const char *no);

/* A case left by a caller. */
struct store_case_new {
	const char *kind;       /* "complaint", "suggestion", "after_sales" */
	const char *key;        /* the department key the caller pressed or
				   NULL */
	const char *department; /* a department by name (overrides key) or
				   NULL */
	const char *voice_path; /* the message, or NULL */
	unsigned voice_ms;      /* its length */
	const char *caller_id;  /* or NULL */
	const char *member_no;  /* customer number if identified, or NULL */
	const char *call_ref;   /* the flow's variable call, or NULL */
	const char *callback_phone;     /* a number to call back, or NULL */
	const char *staff_no;   /* taken at the desk by; NULL: by phone */
	const char *now;        /* NULL: now */
	const char *summary;    /* a line for the department, or NULL */
	int unconfirmed;        /* 1: the caller hung up before "send" (a
				   flow's hang-up node kept the message) */
	/*
	 * Run in the case's transaction once the case is written (a home
	 * visit, store/visit.c); -1 with *cause rolls everything back.
	 */
	int (*then)(struct db_tx *tx, int64_t id, const char *no,
	    const char *now, void *arg, char **cause);
	void *then_arg;
};

/*
 * The department of a case: the one whose key the caller pressed, else
 * the first in kefu.conf whose kinds list kind; NULL when none.
 */
const struct conf_department *store_case_route(const struct conf *conf,
    const char *kind, const char *key);
/*
 * Create a case, issue its number into no, and queue the notices of its
 * department (e-mail with the recording attached, SMS; transactional;
 * idempotency keys "case:NO:email" and "case:NO:sms"), all in one
 * transaction.  A case no department routes is kept (and logged).
 */
int store_case_create(struct db_source *src, const struct conf *conf,
    const struct store_case_new *c, char no[CASE_NO_LEN + 1], char **cause);

struct store_case_event {
	char *kind;             /* created, assigned, note, reply, callback,
				   closed */
	char *at;
	char *staff_no;         /* NULL: the caller (created by phone) */
	char *detail;
	int64_t outbox_id;      /* the message a reply queued, 0: none */
};

/* One case as read back; strings malloc'd, NULL when not set. */
struct store_case {
	int64_t id;
	char *no, *kind, *status, *department, *assigned_to;
	char *caller_id, *member_no, *call_ref, *received_at;
	char *voice_path;
	unsigned voice_ms;
	char *answer_text, *answered_by, *answered_at;
	char *callback_phone, *callback_at;
	char *closed_at, *closed_by, *close_reason;
	int confirmed;          /* 0: the caller hung up before "send" */
	struct store_case_event *events;        /* store_case_get only */
	size_t nevents;
};

/* Filters of store_case_list; zero/NULL fields do not filter. */
struct store_case_filter {
	const char *status;     /* new, assigned, answered, closed */
	int open;               /* 1: every status but closed */
	const char *department;
	int callback;           /* 1: on the call-back list */
};

/* Who changes a case: a staff number is required. */
struct store_case_actor {
	const char *staff_no;
	const char *now;        /* NULL: now */
};

/* A reply: the answer by SMS, or given otherwise (text), or a call back. */
struct store_case_reply {
	const char *sms;        /* sent to the caller through the outbox */
	const char *text;       /* the answer given otherwise (recorded only) */
	int callback;           /* 1: put the case on the call-back list */
	const char *phone;      /* the number; NULL: call-back number,
				   caller ID */


};

int store_case_get(struct db_source *src, const char *no,
    struct store_case **out, char **cause);
int store_case_list(struct db_source *src, const struct store_case_filter *f,
    struct store_case **out, size_t *n, char **cause);
void store_case_free(struct store_case *c);
void store_cases_free(struct store_case *c, size_t n);
int store_case_assign(struct db_source *src, const struct conf *conf,
    const char *no, const char *dept, const char *to,
    const struct store_case_actor *a, char **cause);
int store_case_note(struct db_source *src, const char *no, const char *text,
    const struct store_case_actor *a, char **cause);
/*
 * Answer a case: an SMS (queued, one-to-one, transactional; *outbox_id
 * its message) or a text marks it answered; a call back puts it on the
 * call-back list.  A closed case refuses every change.
 */
int store_case_reply(struct db_source *src, const char *no,
    const struct store_case_reply *r, const struct store_case_actor *a,
    int64_t *outbox_id, char **cause);
/* Close a case: refused unless it was answered or a reason is given. */
int store_case_close(struct db_source *src, const char *no,
    const char *reason, const struct store_case_actor *a, char **cause);

/*
 * conversation.c: an inbound SMS that answers a case's SMS reply -- from
 * a number (bare or +86) one of its replies went to within window_s
 * before m->at, the latest such case -- recorded as the case's "sms-in"
 * step, once per inbound message (*added 0 when it was before, or when
 * it answers no case: then no is "").
 */
struct store_case_sms {
	int64_t inbox_id;       /* its sms_inbox row */
	const char *sender;     /* as the modem gave it: "+8613912345678" */
	const char *text;
	const char *at;         /* when it came: "YYYY-MM-DD HH:MM:SS" */
};
int store_case_sms_in(struct db_source *src, const struct store_case_sms *m,
    long window_s, char no[CASE_NO_LEN + 1], int *added, char **cause);

/*
 * visit.c: home-visit appointments of after-sales cases -- the slots of
 * [visits] in kefu.conf (per weekday, each with a capacity; a slot full
 * or already begun, or of today within visit-lead, is not offered), a
 * booking (an after-sales case, its visits row and the confirmation SMS
 * to the caller, in ONE transaction), cancel and move by case number
 * (by phone only for the number the visit was booked for; each with its
 * SMS), and the purchase an order or delivery-slip number names.
 * Dates are "YYYY-MM-DD", times local "YYYY-MM-DD HH:MM:SS".
 */
#define VISIT_SLOTS_MAX 8

/* One configured slot of a weekday. */
struct store_visit_slot {
	char name[12];          /* "09:00-12:00": what visits.slot holds */
	int from, to;           /* minutes after midnight */
	int capacity;           /* visits at most on one day */
};

struct store_visit_policy {
	struct store_visit_slot slots[7][VISIT_SLOTS_MAX];  /* Monday first */
	size_t nslots[7];
	int days;               /* days after today also offered */
	int lead;               /* minutes: today's slots start this late */
	char *store_name;       /* 【store】 before each SMS; NULL: none */
};

/* A slot on a day, as offered. */
struct store_visit_offer {
	char date[11];
	const struct store_visit_slot *slot;    /* into the policy */
	int taken;              /* visits booked in it */
};

/* What store_visit_book writes. */
struct store_visit_new {
	const char *date, *slot;        /* a day and one of its slots */
	const char *phone;      /* the confirmation SMS goes there */
	const char *purchase;   /* order or slip number, or NULL */
	const char *member_no;  /* or NULL */
	const char *caller_id, *call_ref;       /* or NULL */
	const char *staff_no;   /* booked at the desk by; NULL: by phone */
	const char *now;        /* NULL: now */
};

/* A visit read back; strings malloc'd, NULL when not set. */
struct store_visit {
	int64_t id;
	char *case_no, *date, *slot, *phone, *purchase, *status;
	char *booked_at, *booked_by, *changed_at, *changed_by, *call_ref;
	int64_t outbox_id;      /* its confirmation SMS */
	char *note;             /* what the desk noted when it was done */
};

/* Who changes a visit: by phone (phone set) or at the desk (staff_no). */
struct store_visit_change {
	const char *phone;      /* must be the visit's number; NULL: desk */
	const char *staff_no;   /* NULL: the caller */
	const char *call_ref;
	const char *now;        /* NULL: now */
};

/* Read [visits]; errors name kefu.conf and the key's line. */
int store_visit_policy_load(const struct conf *conf,
    struct store_visit_policy **out, char **cause);
void store_visit_policy_free(struct store_visit_policy *pol);
/* 0 = Monday ... 6 = Sunday; -1 when date is not a "YYYY-MM-DD" day. */
int store_visit_weekday(const char *date);
/* Free slots at now (NULL: now), today's first; at most max into out. */
int store_visit_offers(struct db_source *src,
    const struct store_visit_policy *pol, const char *now,
    struct store_visit_offer *out, size_t max, size_t *n, char **cause);
/*
 * Book a visit: checks the slot (configured for that weekday, not begun,
 * not full), creates an after-sales case (routed as kefu case routes
 * one), its visits row and the confirmation SMS to v->phone (outbox,
 * transactional, key "visit:ID:booked") in one transaction.  no gets the
 * case number; *full is 1 when the slot is full or no longer offered.
 */
int store_visit_book(struct db_source *src, const struct conf *conf,
    const struct store_visit_policy *pol, const struct store_visit_new *v,
    char no[CASE_NO_LEN + 1], int *full, char **cause);
/*
 * The booked visit of case no (*out NULL when none); with phone, only
 * when it was booked for that number.
 */
int store_visit_get(struct db_source *src, const char *no,
    const char *phone, struct store_visit **out, char **cause);
/*
 * The case's visit as it is now, whatever its status (booked, done,
 * cancelled; the rows a move left are history): *out NULL when none.
 */
int store_visit_last(struct db_source *src, const char *no,
    struct store_visit **out, char **cause);
/*
 * The booked visit of case no done (kefu visit done): status done,
 * changed_at/by, the note (at most 400 bytes, or NULL) and a note step
 * of the case, in one transaction.  Refused (-1, *cause) when the case
 * has no visit, when it was cancelled or is already done, before its
 * day, and without ch->staff_no.
 */
int store_visit_done(struct db_source *src, const char *no, const char *note,
    const struct store_visit_change *ch, char **cause);
/* Visits of a day (NULL: from today on), booked only unless all. */
int store_visit_list(struct db_source *src, const char *date, int all,
    struct store_visit **out, size_t *n, char **cause);
void store_visits_free(struct store_visit *v, size_t n);
/*
 * Cancel the booked visit of case no, or move it to date and slot (the
 * old row 'moved', a new one booked), each with its SMS to the visit's
 * number (keys "visit:ID:cancelled", "visit:ID:booked"), in one
 * transaction.  -1 with *cause when there is no such booked visit (or
 * not for ch->phone); *full as for store_visit_book.
 */
int store_visit_cancel(struct db_source *src,
    const struct store_visit_policy *pol, const char *no,
    const struct store_visit_change *ch, char **cause);
int store_visit_move(struct db_source *src,
    const struct store_visit_policy *pol, const char *no, const char *date,
    const char *slot, const struct store_visit_change *ch, int *full,
    char **cause);
/*
 * Remote help: an after-sales case on the call-back list (callback_at
 * set, a "callback" step), to be called back on phone; no gets its
 * number.  The department is told as for any case.
 */
int store_visit_callback(struct db_source *src, const struct conf *conf,
    const struct store_visit_new *v, char no[CASE_NO_LEN + 1],
    char **cause);
/*
 * The purchase an order or delivery-slip number names: the order's
 * number, the number to reach its customer (the order's phone, else the
 * member's mobile) and the member; *found 0 when none.
 */
struct store_visit_purchase {
	char *order_no, *phone, *member_no;
};
int store_visit_purchase(struct db_source *src, const char *no,
    struct store_visit_purchase *p, int *found, char **cause);
void store_visit_purchase_clear(struct store_visit_purchase *p);

/*
 * slip.c: delivery slips -- the slip of an order (the customer's purchase
 * receipt), its number issued on first print, and whether and how often
 * it was printed.  Strings are UTF-8 and malloc'd, NULL when not set;
 * money and quantities are decimal text ("12.50", "2").
 */
#define STORE_SLIP_NO_MAX 32

struct store_slip_line {
	char *code, *name, *spec, *unit;
	char *qty, *price, *amount;
	char *shelf_price;      /* bought at a special: the shelf price,
				   else NULL */
};

struct store_slip {
	int64_t order_id;
	char *order_no, *ordered_at;    /* "YYYY-MM-DD HH:MM:SS" */
	char *slot_date, *slot, *area;  /* the booked delivery slot */
	char *customer_no, *name;       /* the member */
	char *phone;                    /* the order's, else the member's */
	char *address;
	char *total;
	char *status;                   /* the order's status */
	char *note;
	int64_t slip_id;                /* 0: no slip issued yet */
	char *slip_no;                  /* NULL: none issued yet */
	char *courier;                  /* the courier's name, NULL: none */
	int printed;                    /* 1: a print was accepted */
	int print_count;                /* prints the queue accepted */
	char *printed_at;               /* last print, or one started */
	int in_doubt;                   /* a print started, never confirmed */
	struct store_slip_line *lines;
	size_t nlines;
};

/*
 * The slips of orders named by number, in that order; refuses an unknown
 * or cancelled order.  Free with store_slips_free.
 */
int store_slip_orders(struct db_source *src, char *const *order_nos,
    size_t nos, struct store_slip **out, size_t *n, char **cause);
/*
 * The slips of a slot (date "YYYY-MM-DD", slot as booked) and area (NULL:
 * all), by area then order time; cancelled and delivered orders left out;
 * with unprinted, only those no print was accepted for.
 */
int store_slip_batch(struct db_source *src, const char *date,
    const char *slot, const char *area, int unprinted,
    struct store_slip **out, size_t *n, char **cause);
/* Give s a delivery_slips row and slip number if it has none. */
int store_slip_issue(struct db_source *src, struct store_slip *s,
    char **cause);
/*
 * Claim an issued, unprinted slip for printing (printed_at = now): *claimed
 * is 0 when another print of it started after stale or it was printed.
 */
int store_slip_claim(struct db_source *src, struct store_slip *s,
    const char *now, const char *stale, int *claimed, char **cause);
/* Undo a claim: the queue refused the job (not for a slip in doubt). */
int store_slip_release(struct db_source *src, const struct store_slip *s,
    char **cause);
/* The queue accepted the job: printed, counted, printed_at = now. */
int store_slip_printed(struct db_source *src, struct store_slip *s,
    const char *now, char **cause);
void store_slips_free(struct store_slip *s, size_t n);

/* catalog.c: the built-in catalog. */
struct catalog_opts {
	int demo;               /* load the generated demo data */
	int force;              /* drop an existing catalog first */
	uint64_t seed;          /* demo generator seed (CATALOG_SEED) */
	const char *today;      /* day the demo dates centre on; NULL: today */
};
#define CATALOG_SEED 20261122ULL

/* Counts read back from a catalog, for reports and tests. */
struct catalog_counts {
	int64_t products, promotions, notices, staff, shifts;
	int64_t promotions_today;       /* valid on opts->today */
};

/*
 * Create the catalog's tables from sqldir/catalog/catalog.sql (after
 * drop.sql with force) and, with demo, load the demo data, all through
 * db/.  Refuses when a catalog already exists and force is not set.
 */
int catalog_build(struct db_source *src, const char *sqldir,
    const struct catalog_opts *opts, char **cause);
int catalog_count(struct db_source *src, const char *today,
    struct catalog_counts *c, char **cause);
/* Today's date in local time, "YYYY-MM-DD". */
void catalog_today(char out[11]);
/* A decimal number of digits, '.', at most maxfrac decimals; no sign. */
int catalog_decimal_ok(const char *s, int maxfrac);

/*
 * A product to import (kefu catalog import): the CSV row's fields, NULL
 * or "" when absent; why gets the reason (malloc'd) a row is bad.
 */
struct catalog_product {
	int line;
	const char *barcode, *plu, *name, *spec, *unit, *category, *brand;
	const char *price, *stock;
	char *why;
};
struct catalog_import_counts {
	size_t added, updated, skipped;
};
int catalog_product_check(const struct catalog_product *p, char **cause);
/*
 * Import products in one transaction, keyed on the barcode (a product
 * already there is updated, never doubled).  Each bad row gets its why;
 * without skip_bad any bad row refuses the whole import (nothing
 * written), with it the others are imported.
 */
int catalog_import(struct db_source *src, struct catalog_product *p,
    size_t n, int skip_bad, struct catalog_import_counts *c, char **cause);

/*
 * special.c: the desk's specials (promotions of kind 特价) in the
 * catalog.  add looks code up as a barcode or PLU (an unknown one is an
 * error, nothing written) and fills id, barcode and name; list gives the
 * specials not yet over on today, their price and dates in the *_s
 * buffers; end makes one end yesterday, so callers no longer hear it.
 */
struct store_special {
	int64_t id;
	const char *code, *price, *from, *until;        /* add's input */
	char barcode[15];
	char name[304];
	char price_s[16], from_s[11], until_s[11];      /* list's output */
};
int store_special_add(struct db_source *src, struct store_special *sp,
    char **cause);
int store_special_list(struct db_source *src, const char *today,
    struct store_special **out, size_t *n, char **cause);
int store_special_end(struct db_source *src, int64_t id, const char *today,
    char **cause);

/* demo.c: the deterministic demo data generator. */
struct demo_product {
	char barcode[14];       /* EAN-13 */
	char plu[8];
	char *name;             /* brand + variety, UTF-8 */
	char *brand;
	char *spec;             /* "550ml" */
	char *unit;             /* "瓶" */
	const char *category;
	int price_cents;
	char price[16];         /* "2.50" */
	char stock[16];         /* "120" or "52.5" */
};
struct demo_promo {
	char barcode[14];
	const char *kind;
	char *promo_price;      /* NULL when the promotion has no price */
	char *description;
	char start[11], end[11];
};
struct demo_staff {
	char staff_no[8];
	char *name;
	const char *department;
	const char *position;
	char phone[16];
};
struct demo_shift_row {
	char staff_no[8];
	char date[11];
	const char *shift, *start, *end;
	char *post;
};
struct demo {
	uint64_t seed;
	char today[11];
	struct demo_product *products;
	size_t nproducts;
	struct demo_promo *promos;
	size_t npromos;
	struct demo_staff *staff;
	size_t nstaff;
	struct demo_shift_row *shifts;
	size_t nshifts;
};

int demo_build(uint64_t seed, const char *today, struct demo **out,
    char **cause);
void demo_free(struct demo *d);
/* The demo as SQL INSERT statements for db_run_script (malloc'd). */
char *demo_script(const struct demo *d);
/* EAN-13 (ISO/IEC 15420): the check digit of 12 digits; validity of 13. */
char demo_ean13_check(const char *digits12);
int demo_ean13_valid(const char *code);
/* "YYYY-MM-DD" + days into out; -1 on a malformed or impossible date. */
int demo_date_add(const char *iso, int days, char out[11]);

/*
 * order.c: phone orders -- delivery slots with a cut-off and a capacity,
 * delivery areas found in the member's address, couriers chosen by area
 * (in turn or always the first), quantity limits, and the commit: the
 * order, its lines and the courier's notice in the outbox in ONE
 * transaction.  The policy comes from [store] order-* in kefu.conf
 * (kefu-orders(7)).  Money is kept in cents (fen) in C, DECIMAL(12,2) in
 * SQL.  A cart before confirmation is not the store's business: nothing
 * is written until store_order_commit.
 */
struct conf;

#define ORDER_SLOTS_MAX 16
#define ORDER_NO_LEN    10      /* YYMMDD + 4-digit number of the day */

/* One configured delivery slot (order-slots). */
struct store_order_slot {
	char name[12];          /* "09:00-11:00": what orders.slot holds */
	int from, to;           /* minutes after midnight */
	int cutoff;             /* same day, minutes: no order for it after */
	int capacity;           /* orders at most per day; 0: no limit */
};

/* One area rule (order-areas): an address holding a word is in it. */
struct store_order_area {
	char *name;
	char **words;
	size_t nwords;
};

struct store_order_policy {
	struct store_order_slot slots[ORDER_SLOTS_MAX];
	size_t nslots;
	int days;               /* days after today also offered */
	struct store_order_area *areas;
	size_t nareas;
	char *area_default;     /* NULL: an unmatched address cannot order */
	int max_qty, max_items, max_lines;
	int fixed;              /* 1: the first courier of an area, always */
};

/* A slot on a day, as offered to a caller. */
struct store_order_offer {
	char date[11];          /* "YYYY-MM-DD" */
	const struct store_order_slot *slot;    /* into the policy */
	int taken;              /* orders already in it */
};

/* One line of a cart or of an order read back. */
struct store_order_line {
	char *code;             /* barcode or PLU */
	char *name;             /* product name, UTF-8 */
	char *unit;             /* "瓶", NULL when unknown */
	int qty;
	int64_t price;          /* cents: the price charged */
	int special;            /* 1: bought at a special (特价) */
	int64_t shelf;          /* cents: the shelf price; 0: not known */
	long stock;             /* whole units the retailer had when the
				   caller asked; 0: not checked (a line
				   is never taken when none are left) */
};

/* What store_order_commit writes. */
struct store_order_new {
	const char *member_no;
	const char *slot_date;  /* "YYYY-MM-DD" */
	const char *slot;       /* a slot's name */
	const char *call_ref;   /* the flow's call variable, NULL: none */
	const char *via;        /* "phone" or "desk" */
	const struct store_order_line *lines;
	size_t nlines;
	const char *now;        /* "YYYY-MM-DD HH:MM:SS"; NULL: now */
};

/* An order read back (free with store_orders_free). */
struct store_order {
	int64_t id;
	char order_no[ORDER_NO_LEN + 1];
	char member_no[MEMBER_NO_LEN + 1];
	char *member_name;
	char *ordered_at, *slot_date, *slot, *area, *address, *phone;
	char *status;           /* new confirmed printed delivered cancelled */
	char *call_ref;
	int64_t total;          /* cents */
	int64_t courier_id;     /* 0: none */
	char *courier_name;
	int items;              /* quantities summed */
	struct store_order_line *lines; /* store_order_get only */
	size_t nlines;
};

/* A courier (couriers table). */
struct store_courier {
	int64_t id;
	char *name, *mobile, *pager;
	char *areas;            /* "天河,越秀"; "*": every area */
	int active;
};

/* Read [store] order-*; errors name kefu.conf and the key's line. */
int store_order_policy_load(const struct conf *conf,
    struct store_order_policy **out, char **cause);
void store_order_policy_free(struct store_order_policy *pol);
/* The area of an address (static in pol), or NULL when none. */
const char *store_order_area(const struct store_order_policy *pol,
    const char *address);
/*
 * The slots still open at now, today's first, then the next days': a
 * slot past its cut-off or full is left out.  At most max into out.
 */
int store_order_offers(struct db_source *src,
    const struct store_order_policy *pol, const char *now,
    struct store_order_offer *out, size_t max, size_t *n, char **cause);
/*
 * Whether a member may order by phone: 0 with *why NULL when yes, else
 * *why (static) one of "unknown", "closed", "no-service" (phone ordering
 * not signed for on paper), "no-area" (no address or none of the areas).
 */
int store_order_eligible(struct db_source *src,
    const struct store_order_policy *pol, const char *member_no,
    const char **why, char **cause);
/* "12.50" -> 1250; -1 when not a price of at most two decimals. */
int64_t store_money_parse(const char *s);
/* 1250 -> "12.50" into buf. */
const char *store_money_text(int64_t cents, char buf[24]);
/*
 * The price (cents) an item is ordered at: its special price (a
 * promotion valid today) when one is given and below the shelf price,
 * else the shelf price; *on_special 1 when it is the special one.  -1
 * when price is not a price.
 */
int64_t store_order_price(const char *price, const char *special,
    int *on_special);
#define ORDER_STOCK_MAX 100000L
/*
 * The whole units in stock of a mapping's stock column ("12.500" -> 12,
 * a negative stock -> 0, capped at ORDER_STOCK_MAX); -1 when stock is
 * not a number.
 */
long store_order_in_stock(const char *stock);
/*
 * The units of code on open orders (not delivered, not cancelled): kept
 * for them, so no longer to be offered out of the retailer's stock.
 */
int store_order_reserved(struct db_source *src, const char *code,
    long *units, char **cause);
/*
 * Commit an order: checks the limits, the member, the slot (still open
 * and not full) and the area, numbers it, picks the courier, and writes
 * the order (status "confirmed"), its lines and, when the area has a
 * courier, the courier's notice (outbox, transactional, key
 * "order:NUMBER") in one transaction: all or nothing.  no gets the
 * order number.  *full is set to 1 when the slot filled meanwhile.
 * Commits run one at a time across processes (order_commit_lock), and
 * each line with a stock (> 0) is checked against it less the units
 * of open orders: when another order took them meanwhile, nothing is
 * written and, if left is not NULL, left[i] gets what is left for
 * line i (else -1), *full 2.
 */
int store_order_commit(struct db_source *src,
    const struct store_order_policy *pol, const struct store_order_new *o,
    char no[ORDER_NO_LEN + 1], int *full, long *left, char **cause);
/* Orders of a day (NULL: all), slot, status, newest first; max 0: 100. */
int store_order_list(struct db_source *src, const char *date,
    const char *slot, const char *status, size_t max,
    struct store_order **out, size_t *n, char **cause);
/* One order with its lines; *out NULL when there is no such order. */
int store_order_get(struct db_source *src, const char *no,
    struct store_order **out, char **cause);
void store_orders_free(struct store_order *o, size_t n);
/*
 * Change an order's status: "cancelled" (not when delivered) or
 * "delivered" (not when cancelled).
 */
int store_order_set_status(struct db_source *src, const char *no,
    const char *status, char **cause);
/*
 * Give an order to another courier (id 0: the next of its area) and
 * queue that courier's notice, in one transaction.
 */
int store_order_reassign(struct db_source *src,
    const struct store_order_policy *pol, const char *no, int64_t courier,
    const char *now, int64_t *assigned, char **cause);
int store_courier_add(struct db_source *src, const struct store_courier *c,
    int64_t *id, char **cause);
int store_courier_list(struct db_source *src, struct store_courier **out,
    size_t *n, char **cause);
/* Change the fields given (NULL: keep; active -1: keep). */
int store_courier_set(struct db_source *src, const struct store_courier *c,
    char **cause);
void store_couriers_free(struct store_courier *c, size_t n);


/*
 * staff.c: the staff who phone in (table staff_access): a staff number
 * (2 to 12 digits), a role (staff, desk, admin), a PIN kept as a PBKDF2
 * hash (pin.c) with the members' lockout (struct store_member_policy),
 * and staff_lookups, the audit of every lookup made by phone.
 */
#define STAFF_NO_MAX 12

struct store_staff {
	char staff_no[STAFF_NO_MAX + 1];
	char *role;             /* "staff", "desk" or "admin" */
	int enabled;
	int pin_failures;       /* wrong PINs in a row */
	char *locked_until;     /* PIN cool-down end, NULL when none */
	char *updated_at;
};

/* 1: 2 to 12 ASCII digits. */
int store_staff_no_valid(const char *no);
/* 1: "staff", "desk" or "admin". */
int store_staff_role_valid(const char *role);
/* A new staff member with a 4-8 digit PIN; role NULL: "staff". */
int store_staff_add(struct db_source *src, const char *no, const char *role,
    const char *pin, const struct store_member_policy *pol, char **cause);
/* Change the role (NULL: keep) and enabled (-1: keep). */
int store_staff_set(struct db_source *src, const char *no, const char *role,
    int enabled, char **cause);
/* A new PIN (4-8 digits); lifts any PIN lockout. */
int store_staff_pin_set(struct db_source *src, const char *no,
    const char *pin, const struct store_member_policy *pol, char **cause);
/*
 * Check a PIN as for members: STORE_PIN_CLOSED for a disabled staff
 * member, STORE_PIN_LOCKED during a cool-down; an unknown number is
 * STORE_PIN_WRONG with *left pol->pin_attempts (no lock to count).  *role
 * (may be NULL) gets the role on STORE_PIN_OK (free it).
 */
int store_staff_pin_check(struct db_source *src, const char *no,
    const char *pin, const struct store_member_policy *pol, const char *now,
    enum store_pin_result *res, int *left, char **role, char **cause);
/* Every staff member by number (free with store_staff_free). */
int store_staff_list(struct db_source *src, struct store_staff **out,
    size_t *n, char **cause);
void store_staff_free(struct store_staff *s, size_t n);
/* Audit one lookup: who, what ("schedule", "customer"), of whom, call. */
int store_staff_audit(struct db_source *src, const char *no,
    const char *what, const char *subject, const char *call_ref,
    char **cause);

/* What a staff member hears of a customer (store_staff_customer). */
struct store_staff_customer {
	char *name;             /* NULL when not given */
	int services;           /* MEMBER_SVC_* enabled */
	int64_t orders;         /* phone orders ever */
	char *last_order;       /* "YYYY-MM-DD" of the last, NULL if none */
	int64_t open_cases;     /* cases not closed */
	char *customer_no;      /* the customer's number */
};
/* A customer's record by customer number; 1 found, 0 none, -1 error. */
int store_staff_customer(struct db_source *src, const char *no,
    struct store_staff_customer *out, char **cause);
/*
 * The records of the active customers whose mobile or phone number is
 * phone (exactly as registered), by customer number: up to max into
 * out, *n of them (clear each).  0, or -1 on error.
 */
int store_staff_customers_by_phone(struct db_source *src, const char *phone,
    struct store_staff_customer *out, size_t max, size_t *n, char **cause);
void store_staff_customer_clear(struct store_staff_customer *c);

/*
 * notice.c: the store's own notices (table local_notices): a text said
 * by speech or a recording in the spool, valid from one day to another
 * (YYYY-MM-DD, both included), published at the desk or by phone.
 * Strings of a notice read back are malloc'd (store_notice_free); for
 * store_notice_add they are the caller's.
 */
#define STORE_NOTICE_TEXT_MAX 1000      /* bytes of a notice's text */
struct store_notice {
	int64_t id;
	char *body;             /* the text said, or NULL */
	char *audio;            /* the recording's path, or NULL */
	unsigned audio_ms;      /* its length */
	char from[11];          /* valid from, YYYY-MM-DD */
	char until[11];         /* valid until, included */
	char *by;               /* a staff number, or "user NAME" */
	const char *via;        /* "desk" or "phone" */
	char *call;             /* the call's reference (by phone), or NULL */
	char at[20];            /* published at (set by store_notice_add) */
};
/* 1 when s is a real date YYYY-MM-DD. */
int store_notice_date_ok(const char *s);
/* n's dates: real dates, in order, valid-until not before today. */
int store_notice_dates(const struct store_notice *n, const char *today,
    char **cause);
/*
 * Publish n (n->id set): a text or a recording, dates in order and
 * valid-until not before today.  One transaction.  now ("YYYY-MM-DD
 * HH:MM:SS"; NULL: the clock) stamps it and its date is today: the one
 * reading the caller took its dates from (two mix days at midnight).
 */
int store_notice_add(struct db_source *src, struct store_notice *n,
    const char *now, char **cause);
/* The notices valid on today, the latest valid-from first. */
int store_notice_current(struct db_source *src, const char *today,
    struct store_notice **out, size_t *n, char **cause);
/* Notices not over on today (all of them when today is NULL). */
int store_notice_list(struct db_source *src, const char *today,
    struct store_notice **out, size_t *n, char **cause);
/*
 * End a current or coming notice: valid until yesterday from now on.
 * now as for store_notice_add.
 */
int store_notice_end(struct db_source *src, int64_t id, const char *now,
    char **cause);
/*
 * 1 when staff_no may publish a notice (an enabled staff member of role
 * desk or admin), 0 when not, -1 on error.
 */
int store_notice_may_publish(struct db_source *src, const char *staff_no,
    char **cause);
void store_notice_free(struct store_notice *v, size_t n);

#endif
