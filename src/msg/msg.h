/*
 * msg: outbound messages on real transports -- the outbox workers that
 * claim due rows of the local store's outbox and hand each message to a
 * transport (e-mail over SMTP in mail.c; SMS over GSM modems plugs in the
 * same way through struct msg_transport_ops), with suppression checked
 * again at the moment of sending, retry with back-off, and the send
 * states of store/outbox.c.
 *
 * It reaches the database only through store/ and must not know about
 * lines, flows, calls or mappings.  Depends on util, conf, store, port
 * and the AT engine's public header line/at.h (gsm.c).
 */
#ifndef KEFU_MSG_H
#define KEFU_MSG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct conf;
struct conf_smsgw;
struct db_source;
struct store_msg;
struct store_attachment;
struct strbuf;

/* What a transport did with one message. */
enum msg_outcome {
	MSG_SENT,       /* handed over: the peer took it (SMTP 250, +CMGS) */
	MSG_TEMPFAIL,   /* not taken, try later (SMTP 4xx, no connection) */
	MSG_PERMFAIL,   /* refused for good (SMTP 5xx): do not retry */
	MSG_UNKNOWN,    /* handed over, the answer lost (a modem gone after
			   the PDU): as after a crash, marketing stays
			   "unknown" and transactional is queued again */
};

struct msg_result {
	enum msg_outcome outcome;
	char remote_id[128];    /* the peer's id: MTA queue id, TP-MR; "" */
	char detail[400];       /* the peer's answer or the error, for
				   last_error and the log; never a password */
	int down;               /* with MSG_TEMPFAIL: the peer itself is
				   unreachable (no connection, TLS, AUTH),
				   so the rest of the batch waits too */
};

/* What a transport is opened with (msg_worker_run fills it). */
struct msg_env {
	const struct conf *cfg;
	const char *instance;   /* the section it serves: "gsm0" of
				   [gsm gsm0]; NULL for [email] */
	struct db_source *src;  /* the local store (SMS parts, inbound) */
	const char *dialect;    /* the store's: "sqlite", "postgresql"... */
};

/*
 * A transport, chosen by name from msg_transports[] (the worker's
 * dispatch table) and serving one outbox channel.  One state per worker
 * thread: a transport keeps its connection (or modem) open between
 * messages.  ready and idle are optional.
 */
struct msg_transport_ops {
	const char *name;       /* "email", "gsm": for logs and lookups */
	const char *channel;    /* the outbox.channel it sends: "email" */
	/* Make a worker's state; -1 with *cause. */
	int (*open)(const struct msg_env *env, void **state, char **cause);
	/*
	 * Send one message with its attachments (files read now).  Always
	 * fills *r; returns 0, or -1 when the message could not even be
	 * built (a missing attachment file: r->outcome is MSG_PERMFAIL).
	 */
	int (*send)(void *state, const struct store_msg *m,
	    const struct store_attachment *att, size_t natt,
	    struct msg_result *r);
	/* Close the connection and free the state (NULL is fine). */
	void (*close)(void *state);
	/*
	 * 1 when the transport can take a message now, 0 when its peer is
	 * away or backing off (a modem unplugged): the worker then claims
	 * nothing and calls idle, and other workers send.  NULL: always 1.
	 */
	int (*ready)(void *state);
	/*
	 * Wait up to ms for the peer's own news and handle it (a GSM
	 * modem's inbound messages and status reports), reopening a lost
	 * peer when its back-off is over.  NULL: the worker just sleeps.
	 */
	void (*idle)(void *state, unsigned ms);
	/*
	 * Optional: send the n messages m at once (e-mail pipelined on one
	 * connection), att the attachments of all of them in message
	 * order; r[i] is what became of m[i], filled as send fills it: a
	 * message after one found its peer down, itself TEMPFAIL with
	 * down, was not tried.  The worker uses it for a whole batch when
	 * no rate is set.
	 */
	void (*send_many)(void *state, const struct store_msg *m, size_t n,
	    const struct store_attachment *att, size_t natt,
	    struct msg_result *r);
};

/* Every transport by name, NULL-terminated; msg_transport_find looks up. */
extern const struct msg_transport_ops *const msg_transports[];
const struct msg_transport_ops *msg_transport_find(const char *name);

/*
 * mail.c: SMTP by kefu's own client (smtp.c, pipelined) or, with [email]
 * client = libcurl, through libcurl; the message from mail_compose.
 */
extern const struct msg_transport_ops msg_mail_ops;

/*
 * mime.c: the whole RFC 5322 message m -- header fields (Date, From, To
 * with their domains in IDNA A-labels, Subject in RFC 2047, Message-ID of
 * domain, which must be ASCII, MIME-Version, X-Kefu-Outbox,
 * List-Unsubscribe for marketing) and MIME body, attachments read from
 * their files -- appended to *out with CRLF line ends, not dot-stuffed.
 * -1 with *cause (naming the file) when it cannot be built; *out is then
 * as it was.  Thread-safe (GMime is set up once, on the first call).
 */
int mail_compose(const struct conf *cfg, const char *domain,
    const struct store_msg *m, const struct store_attachment *att,
    size_t natt, struct strbuf *out, char **cause);
/*
 * The same bytes as mail_compose but for the MIME boundaries, with the
 * body of a message of the same subject, text, HTML and attachments
 * (unchanged files) taken from cache c instead of composed again: a
 * campaign's messages then share their boundaries.  Only the header
 * fields of each message are written anew (Date, To, Message-ID,
 * X-Kefu-Outbox, List-Unsubscribe).  c NULL: mail_compose.  A cache is
 * one thread's (a transport's); mail_cache_free(NULL) is fine.
 */
struct mail_cache;
struct mail_cache *mail_cache_new(void);
void mail_cache_free(struct mail_cache *c);
int mail_compose_cached(struct mail_cache *c, const struct conf *cfg,
    const char *domain, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct strbuf *out,
    char **cause);
/* gsm.c: SMS through the [gsm NAME] modem of msg_env.instance. */
extern const struct msg_transport_ops msg_gsm_ops;

/*
 * optout.c: the opt-out keyword an inbound SMS text is (TD, 退订, T, N, 0
 * in any case and width, blanks around), or NULL.  optout_inbound acts
 * on one: SMS off for the number's members or an opt-out list entry, the
 * consent_ledger row citing inbox message inbox_id, and the [sms]
 * optout-reply queued to the sender (transactional).
 */
const char *optout_word(const char *text);
int optout_inbound(struct db_source *src, const struct conf *cfg,
    int64_t inbox_id, const char *sender, const char *word, char **cause);

/* http.c: an HTTP SMS gateway ([sms-gateway NAME] in kefu.conf). */
extern const struct msg_transport_ops msg_http_ops;

/* How a placeholder's value is escaped where it stands. */
enum http_esc {
	HTTP_ESC_URL,           /* RFC 3986 percent-encoding (URL, form) */
	HTTP_ESC_JSON,          /* inside a JSON string: \" \\ \n \u00XX */
	HTTP_ESC_NONE,          /* as it is */
};
/*
 * Fill a gateway template: {to} {text} {id} {from} {key} {name} become
 * m's recipient, body, id, from, idempotency key and name, escaped as
 * esc says; any other brace stays as it is (malloc'd).
 */
char *http_template(const char *tpl, const struct store_msg *m,
    const char *from, enum http_esc esc);
/* The [sms-gateway] called name (NULL: the first), or NULL. */
const struct conf_smsgw *http_gateway(const struct conf *cfg,
    const char *name);

/*
 * RFC 2047: text as itself when it is printable ASCII, else as B-encoded
 * UTF-8 encoded-words of at most 75 characters, folded with CRLF SP and
 * never splitting a character (malloc'd).
 */
char *mail_encode_words(const char *utf8);
/*
 * A mailbox for From:/To:: "name <addr>" with the name encoded or quoted
 * and an international domain in IDNA A-labels (the name before the @ as
 * it is).
 */
char *mail_mailbox(const char *name, const char *addr);

/* suppress.c: what the check at the moment of sending decided. */
enum msg_check {
	MSG_CHECK_SEND,         /* go ahead */
	MSG_CHECK_SUPPRESS,     /* end it "suppressed" with the reason */
	MSG_CHECK_DEFER,        /* give it back, due again at until */
	MSG_CHECK_CANCEL,       /* end it "cancelled" (its campaign was) */
};
struct msg_verdict {
	enum msg_check what;
	char reason[300];       /* for last_error and the log */
	char until[20];         /* MSG_CHECK_DEFER: local time due again */
	time_t now;             /* the time checked against */
	int budgeted;           /* msg_suppress_batch, MSG_CHECK_SEND: its
				   campaign has a budget, weighed by the
				   commit that makes it submitting */
};
/*
 * Whether m may be sent now: its campaign is not cancelled or paused and
 * within its budget; and, for marketing, the recipient has not opted out
 * and is under [suppress] marketing-cap; and the quiet hours of its class
 * are not on.  Every transport's worker calls it for every message right
 * before marking it submitting.  -1 with *cause when the store fails.
 */
int msg_suppress_check(struct db_source *src, const struct conf *cfg,
    const struct store_msg *m, time_t now, struct msg_verdict *v,
    char **cause);
/*
 * msg_suppress_check for a claimed batch, v[i] the verdict on m[i]: the
 * opt-outs of all its marketing recipients read in one go (two queries
 * per channel, not two per message), each campaign once -- and its
 * budget not weighed here but marked (budgeted) for the worker's commit
 * (store_outbox_submitting_all), where it cannot go stale.
 */
int msg_suppress_batch(struct db_source *src, const struct conf *cfg,
    const struct store_msg *m, size_t n, time_t now, struct msg_verdict *v,
    char **cause);
const char *msg_check_name(enum msg_check what);

/* campaign.c: what a campaign sends and what that costs. */
struct store_campaign;
struct store_recipient;
struct msg_campaign_plan {
	size_t recipients;
	unsigned parts_min;     /* SMS parts of the shortest message */
	unsigned parts_max;     /* ... and of the longest (1 for e-mail) */
	unsigned ucs2;          /* SMS needing UCS2 (70/67 a part) */
	unsigned long long parts;       /* SMS parts (messages for e-mail) */
	long long cost;         /* fen */
	double rate;            /* messages per second; 0: not limited */
	const char *rate_from;  /* which setting gave rate */
	double seconds;         /* recipients / rate; 0 when not limited */
};
/*
 * One recipient's text (html 0) or HTML (html 1; NULL when the campaign
 * has none): the template with {name}, {customer_no} and {points}
 * filled, and for SMS the [campaign] signature 【store-name】 before and
 * optout-text after, so that parts are counted on what is sent (malloc'd).
 */
char *msg_campaign_text(const struct conf *cfg,
    const struct store_campaign *c, const struct store_recipient *r,
    int html);
/* Count what sending c to the n recipients r takes. */
int msg_campaign_plan(const struct conf *cfg, const struct store_campaign *c,
    const struct store_recipient *r, size_t n, struct msg_campaign_plan *p,
    char **cause);
/*
 * Queue c's message to each recipient as marketing, with its parts and
 * cost, under the key campaign:ID:member:MID, due at now (NULL: the
 * current time): what was queued before counts in *dups and is not
 * queued again.
 */
int msg_campaign_start(struct db_source *src, const struct conf *cfg,
    const struct store_campaign *c, const struct store_recipient *r,
    size_t n, const char *now, size_t *queued, size_t *dups, char **cause);

/*
 * What msg/ asks of its caller for what lives outside it (mappings:
 * msg/ must not know them).  Either hook may be NULL.
 */
/* One row of a segment mapping (strings malloc'd, NULL when absent). */
struct msg_seg_row {
	char *customer_no;      /* column var customer_no or card_no */
	char *mobile;           /* mobile */
	char *phone;            /* phone */
	char *points;           /* points, as text */
};
struct msg_hooks {
	/* Today's specials through mapping as one line (malloc'd), or
	   NULL with *cause. */
	char *(*specials)(void *arg, const char *mapping, char **cause);
	/* Every row of a segment mapping (no parameters): -1 with *cause
	   when it cannot be run; no rows is 0 rows. */
	int (*segment)(void *arg, const char *mapping,
	    struct msg_seg_row **rows, size_t *n, char **cause);
	/* A member's points through mapping (its first parameter gets
	   key): malloc'd, or NULL (*cause set when it failed, NULL when
	   not found). */
	char *(*points)(void *arg, const char *mapping, const char *key,
	    char **cause);
	/* Every row of a list points-mapping (rows="many": a key column
	   and points), page after page: 0 with the rows, 1 when mapping
	   is not a list (ask it per member with points), -1 with *cause;
	   *queries: statements run.  May be NULL. */
	int (*points_all)(void *arg, const char *mapping,
	    struct msg_seg_row **rows, size_t *n, unsigned *queries,
	    char **cause);
	void *arg;
	/* When the points-changed notices last asked points-mapping, set
	   by msg_points_tick; the caller keeps it between ticks (0: ask
	   at the next). */
	time_t points_at;
};
void msg_seg_rows_free(struct msg_seg_row *rows, size_t n);
/*
 * c's recipients: its segment over the members; with mapping=NAME in
 * it, only the members a row of that mapping names (by customer_no,
 * mobile or phone), with the row's points.  When c's text has {points}
 * and a recipient has none yet, [campaign] points-mapping is asked with
 * the member's mobile, phone, then customer number; not found leaves
 * {points} empty.
 */
int msg_campaign_recipients(struct db_source *src, const struct msg_hooks *h,
    const struct conf *cfg, const struct store_campaign *c,
    struct store_recipient **r, size_t *n, char **cause);
/*
 * {points} of the recipients without, through [campaign] points-mapping
 * (mobile, phone, then customer number); none when it is not set.  A
 * list mapping (h->points_all) is read whole, page by page, and its rows
 * matched to the recipients; any other is asked once per recipient and
 * key.  -1 with *cause when the mapping cannot be asked; *queries (may
 * be NULL): the statements it took.
 */
int msg_campaign_points(const struct msg_hooks *h, const struct conf *cfg,
    struct store_recipient *r, size_t n, unsigned *queries, char **cause);

/* What starting a campaign did. */
struct msg_launch {
	size_t recipients;
	size_t queued;          /* queued now */
	size_t dups;            /* queued before, not again */
	long long cost;         /* fen, of every recipient's message */
	int refused;            /* over budget or done/cancelled: nothing
				   was queued */
};
/*
 * Start c at now: its recipients, the budget checked against the
 * preview's cost (over it: -1, l->refused, nothing queued), every
 * message queued (msg_campaign_start), and only then the campaign moved
 * to "sending" and what a pause put off made due -- a crash part-way
 * leaves it startable again, and nothing is queued twice.
 */
int msg_campaign_launch(struct db_source *src, const struct conf *cfg,
    const struct store_campaign *c, const struct msg_hooks *h,
    const char *now, struct msg_launch *l, char **cause);

/* sched.c: what one tick of the scheduler did. */
struct msg_sched_stats {
	unsigned started;       /* scheduled campaigns started */
	unsigned long queued;   /* their messages queued */
	unsigned periodic;      /* birthday and digest campaigns made */
	unsigned events;        /* event notices queued (msg_event_tick) */
	unsigned points;        /* points-changed notices (msg_points_tick) */
	unsigned failed;        /* not started (logged) */
};
/*
 * One tick at local time t: today's birthday campaign made at [campaign]
 * birthday-at, this week's digest on digest-day at digest-at (each a
 * "periodic" campaign, scheduled at t), then every scheduled campaign
 * due started with msg_campaign_launch; one that cannot be started is
 * logged, and goes back to draft when refused (over budget).  -1 with
 * *cause only when the store cannot be read.
 */
int msg_sched_tick(struct db_source *src, const struct conf *cfg,
    struct msg_hooks *h, time_t t, struct msg_sched_stats *st,
    char **cause);

/*
 * event.c: the notices of kefu's own events (store/event.c) of the last
 * [campaign] event-window whose template is set (event-confirmed,
 * event-on-way) queued as transactional SMS to the member under the key
 * event:KIND:ORDER, due at t; *queued: how many were new.
 */
struct store_event;
int msg_event_tick(struct db_source *src, const struct conf *cfg, time_t t,
    unsigned *queued, char **cause);
/*
 * One event's text: 【store-name】 and the template, placeholders {name}
 * {order_no} {date} {slot} {total} {courier} filled (malloc'd).
 */
char *msg_event_text(const struct conf *cfg, const char *tpl,
    const struct store_event *e);
struct store_outbox_new;
/*
 * The tail of every notice: text (malloc'd, freed here) queued as SMS m
 * (recipient, class, member... set by the caller) under key (malloc'd,
 * freed here), its parts counted and priced at [sms] price, due at now;
 * *dup when that key was queued before.
 */
int msg_sms_enqueue(struct db_source *src, const struct conf *cfg,
    struct store_outbox_new *m, char *text, char *key, const char *now,
    int *dup, char **cause);

/*
 * points.c: the points-changed notices.  Every [campaign] points-every
 * (at each call when last is 0), the points of each member subscribed
 * to SMS are asked of points-mapping and compared with the store's
 * baseline (member_points): the first answer is the baseline, told to
 * nobody; a change is queued as a marketing SMS from event-points
 * ({name} {customer_no} {points} {old_points} {change}, signed and with
 * optout-text) under the key points:MEMBER:N, N the member's Nth change,
 * then made the baseline -- so a change is told once, also across a
 * crash or a restart.  Nothing when event-points or points-mapping is
 * not set, or before h->points_at + points-every; *queued: notices
 * queued.
 */
int msg_points_tick(struct db_source *src, const struct conf *cfg,
    struct msg_hooks *h, time_t t, unsigned *queued, char **cause);

/* worker.c: what one run of a worker did. */
struct msg_stats {
	unsigned sent;          /* submitted */
	unsigned retried;       /* temporary failures, queued again */
	unsigned failed;        /* failed for good */
	unsigned suppressed;    /* opted out when the time came, capped,
				   over budget, or its campaign cancelled */
	unsigned deferred;      /* quiet hours, campaign paused: later */
	unsigned unknown;       /* recovered "submitting" or the answer lost:
				   marketing left unknown */
	unsigned resent;        /* recovered "submitting": transactional
				   queued again */
	unsigned released;      /* of retried: given back untried, the peer
				   down */
	unsigned restarts;      /* msg_worker_run_n: workers started again */
	/* where a worker's time went outside its transport, microseconds
	   (summed over msg_worker_run_n's workers) */
	uint64_t claim_us;      /* recovery and the claim */
	uint64_t check_us;      /* the check at the moment of sending */
	uint64_t submitting_us; /* the commit making a group submitting
				   (with the group before's outcomes) */
	uint64_t record_us;     /* outcomes recorded on their own */
};

/* How a worker runs (msg_worker_opts_email fills it from [email]). */
struct msg_worker_opts {
	const char *name;       /* claim owner: "host/email-1" */
	const char *instance;   /* msg_env.instance: the [gsm NAME]; NULL */
	int once;               /* 1: stop when nothing is due */
	atomic_int *stop;       /* set to stop between messages; may be NULL */
	unsigned poll_ms;       /* sleep when nothing is due (0: 1000) */
	unsigned lease_ms;      /* a claim's lease */
	unsigned batch;         /* messages per claim */
	int late;               /* 1: a batch's outcomes are recorded in
				   the commit that makes the next batch
				   submitting (e-mail); 0: at once */
	unsigned rate;          /* messages per second at most, 0: no limit */
	unsigned retry_ms;      /* first back-off after a temporary failure */
	unsigned retry_max_ms;  /* back-off ceiling */
	unsigned restart_ms;    /* msg_worker_run_n: a failed worker is
				   started again after this (0: 5000) */
};
void msg_worker_opts_email(const struct conf *cfg, const char *name,
    struct msg_worker_opts *o);
/* ... and from [sms] for the worker of modem [gsm instance]. */
void msg_worker_opts_sms(const struct conf *cfg, const char *name,
    const char *instance, struct msg_worker_opts *o);
/* The same from [sms-gateway instance], NULL: the first (http.c). */
void msg_worker_opts_smsgw(const struct conf *cfg, const char *name,
    const char *instance, struct msg_worker_opts *o);

/*
 * Run one outbox worker for a transport on the local store src (dialect
 * "sqlite", "postgresql", "mysql"): recover what a dead worker left
 * "submitting", claim due messages of ops->channel under a lease, check
 * each for an opt-out (marketing), mark it submitting, send, and record
 * submitted / retry with back-off / failed.  Returns 0 when stopped or,
 * with once, when nothing is due; -1 with *cause when the store fails or
 * the transport cannot be opened.  A failing message never stops it.
 */
int msg_worker_run(struct db_source *src, const char *dialect,
    const struct conf *cfg, const struct msg_transport_ops *ops,
    const struct msg_worker_opts *opts, struct msg_stats *st, char **cause);
/*
 * msg_worker_run on n threads at once (n <= 1: on the caller's), each
 * with its own transport state -- for e-mail its own SMTP connection --
 * and its own claims, named opts->name + "/1" ... "/n"; the store's
 * claim keeps any message from being sent by two of them.  Returns when
 * every one has (opts->stop, or with once when nothing is due).  One
 * that fails (its connection, the store) is logged and started again
 * alone after opts->restart_ms, counted in st->restarts: the others go
 * on sending, neither stopped nor reconnected; with once it is not
 * started again, and -1 is returned with its *cause when all have
 * ended.  *st is added to.
 */
int msg_worker_run_n(struct db_source *src, const char *dialect,
    const struct conf *cfg, const struct msg_transport_ops *ops,
    const struct msg_worker_opts *opts, unsigned n, struct msg_stats *st,
    char **cause);

/* Local time now + offset seconds as "YYYY-MM-DD HH:MM:SS". */
void msg_time(char out[20], long offset_s);

#endif
