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

#include <stddef.h>
#include <stdio.h>

#include "util/util.h"

/* [datasource NAME]: one database reached through ODBC. */
struct conf_datasource {
	char *name;             /* the NAME of [datasource NAME] */
	int line;               /* line of the section header */
	char **connect;         /* ODBC connection strings: connect, then failover, in order */
	size_t nconnect;
	char *adapter;          /* adapter profile name, NULL to detect from SQL_DBMS_NAME */
	char *encoding;         /* the database's text encoding, e.g. "UTF-8", "GBK" */
	int pool_size;          /* connections kept at most */
	int pool_min;           /* opened at start (kefud); -1: pool_size */
	int pool_wait_ms;       /* how long a caller waits for a free connection */
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
	int silence_ms;         /* software silence detection: caller gone after this */
	char *init;             /* extra AT commands after the family's init, ';'-separated */
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
	char *user;             /* kefud and kefu switch to this user when run as root */
	int core_dumps;         /* 1: kefud may dump core (debugging) */
	char *language;         /* default language */
	char *languages;        /* configured languages, comma-separated */
	/* [store] */
	char *store_datasource; /* name of the [datasource] holding the local store */
	int pin_attempts;       /* members: wrong PINs in a row that lock */
	int pin_lockout_ms;     /* members: how long that lock lasts */
	int pin_iterations;     /* members: PBKDF2 iterations of new PINs */
	char *order_slots;      /* orders: delivery slots, "09:00-11:00/08:00/30, ..." */
	int order_days;         /* orders: days after today whose slots are offered */
	char *order_areas;      /* orders: "AREA:WORD|WORD, ..." matched in addresses */
	char *order_area_default; /* orders: area of an address no rule matches */
	int order_max_qty;      /* orders: quantity of one item at most */
	int order_max_items;    /* orders: items (quantities summed) per order at most */
	int order_max_lines;    /* orders: lines per order at most */
	char *order_courier;    /* orders: "round-robin" or "fixed" */
	int order_cart_idle_ms; /* orders: an unconfirmed cart is forgotten after this */
	/* [email]: the SMTP transport of the outbox (msg/mail.c) */
	char *email_url;        /* smtp://host:port or smtps://host:port */
	char *email_from;       /* envelope and From: address; NULL: no e-mail */
	char *email_from_name;  /* From: display name, UTF-8, or NULL */
	char *email_starttls;   /* "no", "try", "yes" */
	int email_tls_verify;   /* 1: verify the server's certificate */
	char *email_user;       /* SMTP AUTH, or NULL */
	char *email_password;   /* never logged */
	int email_rate;         /* messages per second per worker, 0: no limit */
	int email_timeout_ms;   /* one SMTP transaction */
	int email_retry_ms;     /* first back-off after a 4xx */
	int email_retry_max_ms; /* back-off ceiling */
	int email_lease_ms;     /* claim lease */
	int email_batch;        /* messages per claim */
	char *email_unsubscribe;        /* List-Unsubscribe mailbox, or NULL */
	char *email_unsubscribe_url;    /* one-click https URL (%s: id), or NULL */
	/* [datasource NAME] ... */
	struct conf_datasource *ds;
	size_t nds;
	/* [line NAME] ... */
	struct conf_line *lines;
	size_t nlines;
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
/* The default path: $KEFU_CONF, else KEFU_SYSCONFDIR "/kefu.conf". */
const char *conf_default_path(void);
/* Write every section and key with its type, default and help (for man pages). */
void conf_describe(FILE *fp);
/* Parse "500ms", "5s", "2m", "1h" or a bare number of seconds into ms. */
int conf_duration(const char *s, int *ms, const char **errstr);

#endif
