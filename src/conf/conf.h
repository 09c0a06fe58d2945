/*
 * conf: kefu.conf, the one configuration file of kefud and kefu.  This
 * subsystem owns the table of sections and keys (their types, ranges,
 * defaults and help), turns an INI file into typed structs, and reports
 * every unknown key or bad value as file:line.  It knows nothing about
 * how lines, datasources or prompts work; the subsystems that use a
 * section receive its struct.  Depends only on util.
 */
#ifndef KEFU_CONF_H
#define KEFU_CONF_H

#define CONF_EMAIL_CONNECTIONS 32 /* [email] connections at most */

#include <stddef.h>
#include <stdio.h>

#include "util/util.h"

/* [datasource NAME]: one database reached through ODBC. */
struct conf_datasource {
	char *name;             /* the NAME of [datasource NAME] */
	int line;               /* line of the section header */
	char **connect;         /* ODBC connection strings: connect, then
				   failover, in order */
	size_t nconnect;
	char *adapter;          /* adapter profile name, NULL to detect from
				   SQL_DBMS_NAME */
	char *encoding;         /* the database's text encoding, e.g. "UTF-8",
				   "GBK" */
	int pool_size;          /* connections kept at most */
	int pool_min;           /* opened at start (kefud); -1: pool_size */
	int pool_wait_ms;       /* how long a caller waits for a free
				   connection */
	int connect_timeout_ms; /* per connection attempt */
	int query_timeout_ms;   /* per statement */
	int retry_ms;           /* first back-off after a failed connect */
	int retry_max_ms;       /* back-off ceiling */
	int idle_check_ms;      /* probe idle connections older than this */
	int readonly;           /* 1: refuse mappings that write */
};

/* [line NAME]: one phone line (a voice modem, or a simulated line). */
struct conf_line {
	char *name;
	int line;
	char *type;             /* "modem" or "sim" */
	char *device;           /* /dev/ttyACM0, a pty path, or tcp:host:port */
	char *family;           /* "auto", "v253", "conexant", "usr" */
	int speed;              /* bit/s */
	char *flow_control;     /* "rtscts", "xonxoff", "none" */
	int rings;              /* answer after this many rings */
	char *language;         /* default language of calls on this line */
	char *flow;             /* flow started for each call */
	int max_call_ms;        /* hang up after this long */
	int silence_ms;         /* software silence detection: caller gone after
				   this */
	char *init;             /* extra AT commands after the family's init,
				   ';'-separated */
};

/*
 * [department NAME]: where cases (complaints, suggestions, after-sales
 * requests) are routed, and who in charge is told of each new one.
 */
struct conf_department {
	char *name;             /* the NAME of [department NAME] */
	int line;               /* line of the section header */
	char *title;            /* what staff call it ("客服部"), or NULL */
	char *key;              /* the key a caller presses for it, or NULL */
	char *kinds;            /* kinds routed here when the caller chose
				   none: "complaint,suggestion,after_sales" */
	char *email;            /* the person in charge's address, or NULL */
	char *sms;              /* the person in charge's mobile, or NULL */
};

/* A delivery slot's cut-off ([slips] cut-offs). */
struct conf_cutoff {
	char *slot;             /* as booked: "09-11" */
	int minute;             /* of the day the slot closes: 8*60+30 */
};

/* [gsm NAME]: one GSM modem sending and receiving SMS (msg/gsm.c). */
struct conf_gsm {
	char *name;
	int line;
	char *device;           /* serial device, pty path, or tcp:host:port */
	int speed;              /* bit/s */
	char *flow_control;     /* "rtscts", "xonxoff", "none" */
	char *pin;              /* the SIM's PIN, or NULL; never logged */
	char *smsc;             /* service centre number; NULL: the SIM's */
	int interval_ms;        /* at least this long between two messages */
	char *cnmi;             /* AT+CNMI parameters: "2,1,0,2,0" */
	int status_reports;     /* 1: ask for a status report (TP-SRR) */
	int validity_ms;        /* relative validity period; 0: none */
	char *init;             /* extra AT commands at open, ';'-separated */
};

/*
 * [sms-gateway NAME]: an HTTP SMS provider's API, as a template (msg/http.c).
 * Placeholders {to} {text} {id} {from} {key} {name} are replaced by the
 * message's values, escaped for where they stand: percent-encoded in the
 * URL and a form body, JSON-escaped in a JSON body.
 */
struct conf_smsgw {
	char *name;
	int line;
	char *url;              /* http(s)://... with placeholders */
	char *method;           /* "POST" or "GET" */
	char *body_type;        /* "form", "json" or "none" */
	char *body;             /* body template; NULL: none */
	char *headers;          /* "Name: value|Name: value"; NULL: none */
	char *success;          /* ERE the answer's body must match; NULL:
				   any */
	char *message_id;       /* ERE whose first group is the provider's
				   message id; NULL: none recorded */
	char *from;             /* sender id for {from}; NULL: "" */
	int rate;               /* messages per second at most, 0: no limit */
	int timeout_ms;         /* one HTTP request */
	int retry_ms;           /* first back-off after a failure */
	int retry_max_ms;       /* back-off ceiling */
	int lease_ms;           /* claim lease */
	int batch;              /* messages per claim */
};

struct conf {
	char *path;
	/* [kefu] */
	char *mappings_dir;
	char *adapters_dir;
	char *flows_dir;
	char *prompts_dir;
	char *sql_dir;
	char *spool_dir;        /* recordings */
	char *log_target;       /* "-", "syslog" or a file */
	char *log_level;
	char *socket_path;      /* control socket */
	char *user;             /* kefud and kefu switch to this user when run
				   as root */
	int core_dumps;         /* 1: kefud may dump core (debugging) */
	char *language;         /* default language */
	char *languages;        /* configured languages, comma-separated */
	/* [store] */
	char *store_datasource; /* name of the [datasource] holding the local
				   store */
	int pin_attempts;       /* members: wrong PINs in a row that lock */
	int pin_lockout_ms;     /* members: how long that lock lasts */
	int pin_iterations;     /* members: PBKDF2 iterations of new PINs */
	char *order_slots;      /* orders: delivery slots,
				   "09:00-11:00/08:00/30, ..." */
	int order_days;         /* orders: days after today whose slots are
				   offered */
	char *order_areas;      /* orders: "AREA:WORD|WORD, ..." matched in
				   addresses */
	char *order_area_default; /* orders: area of an address no rule
				     matches */
	int order_max_qty;      /* orders: quantity of one item at most */
	int order_max_items;    /* orders: items (quantities summed) per order
				   at most */
	int order_max_lines;    /* orders: lines per order at most */
	char *order_courier;    /* orders: "round-robin" or "fixed" */
	int order_cart_idle_ms; /* orders: an unconfirmed cart is forgotten
				   after this */
	char *store_area_code;  /* the area code of local caller IDs */
	/* [email]: the SMTP transport of the outbox (msg/mail.c) */
	char *email_url;        /* smtp://host:port or smtps://host:port */
	char *email_from;       /* envelope and From: address; NULL: no
				   e-mail */
	char *email_from_name;  /* From: display name, UTF-8, or NULL */
	char *email_starttls;   /* "no", "try", "yes" */
	int email_tls_verify;   /* 1: verify the server's certificate */
	char *email_user;       /* SMTP AUTH, or NULL */
	char *email_password;   /* never logged */
	int email_rate;         /* messages per second per worker, 0: no
				   limit */
	int email_timeout_ms;   /* one SMTP transaction */
	int email_retry_ms;     /* first back-off after a 4xx */
	int email_retry_max_ms; /* back-off ceiling */
	int email_lease_ms;     /* claim lease */
	int email_batch;        /* messages per claim */
	int email_connections;  /* SMTP connections, one worker each (at
				   most CONF_EMAIL_CONNECTIONS) */
	char *email_unsubscribe;        /* List-Unsubscribe mailbox, or NULL */
	char *email_unsubscribe_url;    /* one-click https URL (%s: id), or
					   NULL */
	char *email_client;     /* "kefu": msg/smtp.c; "libcurl" */
	/* [slips]: delivery slips (slip/) */
	char *slips_printer;    /* CUPS queue, or NULL: none */
	int slips_auto_print;   /* 1: kefud prints slots at their cut-off */
	char *slips_cutoffs_text;       /* "09-11@08:30 14-16@13:00" */
	struct conf_cutoff *slips_cutoffs;      /* parsed from it */
	size_t slips_ncutoffs;
	int slips_retry_ms;     /* unprinted slips tried again this often */
	int slips_columns;      /* receipt text width: 32, 42, 48 */
	/* [sms]: the SMS outbox workers of every [gsm] modem */
	int sms_lease_ms;       /* claim lease */
	int sms_batch;          /* messages per claim and modem */
	int sms_retry_ms;       /* first back-off after a temporary failure */
	int sms_retry_max_ms;   /* back-off ceiling */
	int sms_pause_ms;       /* a modem in trouble rests (and is reopened)
				   this long first, doubled each time */
	int sms_pause_max_ms;   /* ... up to this */
	char *sms_optout_reply; /* the confirmation of an opt-out; NULL: none */
	/* [suppress]: checked again as each message is sent (msg/suppress.c) */
	char *quiet_marketing;  /* "HH:MM-HH:MM" local, or "none" */
	char *quiet_transactional;      /* likewise; default "none" */
	char *quiet_action;     /* "defer" (to the window's end) or
				   "suppress" */
	int marketing_cap;      /* marketing messages per customer, 0: none */
	int cap_window_ms;      /* ... within this window, all channels */
	/* [campaign]: what campaigns add and cost (store/campaign.c) */
	char *store_name;       /* signature: 【store name】; NULL: none */
	char *optout_text;      /* appended to marketing SMS; NULL: none */
	int sms_price;          /* per SMS part, in fen */
	int email_price;        /* per e-mail, in fen */
	/* [visits]: home-visit slots of after-sales (store/visit.c) */
	char *visit_slots[7];   /* Monday first: "FROM-TO/CAPACITY, ..." */
	int visit_days;         /* days after today also offered */
	int visit_lead_ms;      /* today's slots start at least this late */
	/* [campaign]: the scheduler's periodic sends (msg/sched.c) */
	int campaign_tick_ms;   /* how often kefud's scheduler looks */
	char *birthday_text;    /* greeting template; NULL: none sent */
	char *birthday_at;      /* "HH:MM": sent from this time of the day */
	char *birthday_channel; /* "sms" or "email" */
	char *birthday_subject; /* e-mail subject, or NULL */
	char *digest_day;       /* "none", "mon" ... "sun" */
	char *digest_at;        /* "HH:MM" */
	char *digest_text;      /* put before the specials, or NULL */
	char *digest_channel;   /* "sms" or "email" */
	char *digest_subject;   /* e-mail subject, or NULL */
	char *digest_mapping;   /* the specials' mapping */
	char *points_mapping;   /* {points} of a member by mobile...; NULL */
	char *event_confirmed;  /* order confirmed notice; NULL: off */
	char *event_on_way;     /* delivery on its way notice; NULL: off */
	int event_window_ms;    /* events older than this are not told */
	int conversation_ms;    /* a case's SMS answers kept this long */
	char *event_points;     /* points changed notice; NULL: off */
	int points_every_ms;    /* how often points-mapping is polled */
	/* [datasource NAME] ... */
	struct conf_datasource *ds;
	size_t nds;
	/* [line NAME] ... */
	struct conf_line *lines;
	size_t nlines;
	/* [department NAME] ..., in file order */
	struct conf_department *depts;
	size_t ndepts;
	/* [gsm NAME] ... */
	struct conf_gsm *gsm;
	size_t ngsm;
	/* [sms-gateway NAME] ... */
	struct conf_smsgw *smsgw;
	size_t nsmsgw;
	/* where each key given was set (for file:line in later checks) */
	struct conf_at *at;
	size_t nat;
};

/*
 * Load and check a kefu.conf.  Relative directories are taken relative to
 * the file's own folder.  On error returns -1 with "file:line: reason" in
 * *cause.  Warnings (a password in a file others can read) are logged.
 */
int conf_load(const char *path, struct conf **out, char **cause);
int conf_parse(const char *path, const char *text, struct conf **out,
    char **cause);
void conf_free(struct conf *conf);
/*
 * The line of kefu.conf that set key in a section: section is the conf
 * itself ([kefu] and [store]), a conf_datasource or a conf_line of it.
 * A key left to its default gives the section's header line (0 for
 * [kefu] and [store]).
 */
int conf_line(const struct conf *conf, const void *section,
    const char *key);
/*
 * The checks that look at the system rather than the text: the folders
 * named exist, each adapter named has its profile in the adapters
 * folder, and the user exists.  Appends one "file:line: reason" line per
 * problem to out and returns their count.
 */
int conf_check_system(const struct conf *conf, struct strbuf *out);
/*
 * The settings that differ between two loads of kefu.conf, appended to
 * out as "[kefu] flows, [datasource erp] pool-size, [line 2] added";
 * returns their count.
 */
int conf_diff(const struct conf *a, const struct conf *b, struct strbuf *out);
struct conf_datasource *conf_datasource(struct conf *conf, const char *name);
/* The [department NAME] of that name, or NULL. */
const struct conf_department *conf_department(const struct conf *conf,
    const char *name);
/* The default path: $KEFU_CONF, else KEFU_SYSCONFDIR "/kefu.conf". */
const char *conf_default_path(void);
/* Every section and key with its type, default and help (for man pages). */
void conf_describe(FILE *fp);
/*
 * Parse a daily window "HH:MM-HH:MM" (may wrap midnight) into minutes
 * after midnight; "none" or NULL gives -1, -1.  -1 with *errstr if bad.
 */
int conf_window(const char *s, int *from_min, int *to_min,
    const char **errstr);
/* Parse a time of day "HH:MM" into minutes after midnight. */
int conf_clock(const char *s, int *min, const char **errstr);
/* Parse "500ms", "5s", "2m", "1h" or a bare number of seconds into ms. */
int conf_duration(const char *s, int *ms, const char **errstr);

#endif
