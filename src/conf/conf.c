/*
 * conf.c: the kefu.conf option table and its loader.  Every key of every
 * section is one row of conf_keys[] (type, range, default, help), as in
 * tmux's options-table.c; parsing, defaults, checking and `conf_describe`
 * all read that one table.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <pwd.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "util/util.h"

enum conf_type {
	CT_STRING,
	CT_PATH,        /* relative to the config file's folder */
	CT_INT,
	CT_DURATION,    /* stored in milliseconds */
	CT_BOOL,
	CT_ENUM,
	CT_LIST,        /* the main value plus "failover" values: see below */
};

enum conf_scope {
	CS_KEFU,
	CS_STORE,
	CS_EMAIL,
	CS_SLIPS,
	CS_SMS,
	CS_SUPPRESS,
	CS_CAMPAIGN,
	CS_VISITS,
	CS_DATASOURCE,          /* from here on: named sections */
	CS_LINE,
	CS_DEPARTMENT,
	CS_GSM,
	CS_SMSGW,
};

struct conf_key {
	enum conf_scope scope;
	const char *name;
	enum conf_type type;
	size_t offset;          /* into struct conf, conf_datasource or
				   conf_line */
	long long min, max;     /* CT_INT, CT_DURATION (ms) */
	const char *def;        /* default as text; NULL: no default */
	const char *choices;    /* CT_ENUM: '|'-separated */
	int required;
	const char *help;
};

/* Where a key was set: [kefu]/[store] (index -1), or a datasource or line. */
struct conf_at {
	enum conf_scope scope;
	size_t index;           /* into conf->ds or conf->lines */
	const char *key;        /* the table's name (static) */
	int line;
};

#define CONF_CLIP 60            /* a value longer than this is cut in errors */

#define K(f) offsetof(struct conf, f)
#define D(f) offsetof(struct conf_datasource, f)
#define L(f) offsetof(struct conf_line, f)
#define P(f) offsetof(struct conf_department, f)
#define G(f) offsetof(struct conf_gsm, f)
#define W(f) offsetof(struct conf_smsgw, f)

static const struct conf_key conf_keys[] = {
	{ CS_KEFU, "mappings", CT_PATH, K(mappings_dir), 0, 0,
	  KEFU_DATADIR "/mappings", NULL, 0,
	  "folder of mapping files (*.xml, searched recursively)" },
	{ CS_KEFU, "adapters", CT_PATH, K(adapters_dir), 0, 0,
	  KEFU_DATADIR "/adapters", NULL, 0,
	  "folder of DBMS adapter profiles" },
	{ CS_KEFU, "flows", CT_PATH, K(flows_dir), 0, 0,
	  KEFU_DATADIR "/flows", NULL, 0, "folder of call flows" },
	{ CS_KEFU, "prompts", CT_PATH, K(prompts_dir), 0, 0,
	  KEFU_DATADIR "/prompts", NULL, 0,
	  "folder of prompt catalogs, one subfolder per language" },
	{ CS_KEFU, "sql", CT_PATH, K(sql_dir), 0, 0,
	  KEFU_DATADIR "/sql", NULL, 0,
	  "folder of the local schema migrations" },
	{ CS_KEFU, "spool", CT_PATH, K(spool_dir), 0, 0,
	  KEFU_STATEDIR "/spool", NULL, 0, "folder where recordings are kept" },
	{ CS_KEFU, "log", CT_STRING, K(log_target), 0, 0, "syslog", NULL, 0,
	  "where kefud logs: syslog, - (standard error) or a file" },
	{ CS_KEFU, "log-level", CT_ENUM, K(log_level), 0, 0, "info",
	  "error|warning|info|debug", 0, "least important messages logged" },
	{ CS_KEFU, "socket", CT_PATH, K(socket_path), 0, 0,
	  KEFU_RUNDIR "/kefud.sock", NULL, 0,
	  "control socket used by kefu status and kefu reload" },
	{ CS_KEFU, "user", CT_STRING, K(user), 0, 0, NULL, NULL, 0,
	  "user kefud and kefu switch to when started as root" },
	{ CS_KEFU, "core-dumps", CT_BOOL, K(core_dumps), 0, 0, "no", NULL, 0,
	  "let kefud dump core (debugging: a core holds passwords and PINs)" },
	{ CS_KEFU, "language", CT_ENUM, K(language), 0, 0, "zh-CN",
	  "zh-CN|yue", 0, "default language of callers" },
	{ CS_KEFU, "languages", CT_STRING, K(languages), 0, 0, "zh-CN,yue",
	  NULL, 0, "languages offered to callers, comma-separated" },

	{ CS_STORE, "datasource", CT_STRING, K(store_datasource), 0, 0,
	  "local", NULL, 0,
	  "the [datasource] that holds kefu's own tables" },
	{ CS_STORE, "pin-attempts", CT_INT, K(pin_attempts), 1, 100, "5",
	  NULL, 0, "wrong member PINs in a row that lock the member" },
	{ CS_STORE, "pin-lockout", CT_DURATION, K(pin_lockout_ms), 1000,
	  86400000, "30m", NULL, 0,
	  "how long a member locked by wrong PINs stays locked" },
	{ CS_STORE, "pin-iterations", CT_INT, K(pin_iterations), 1000,
	  10000000, "100000", NULL, 0,
	  "PBKDF2-HMAC-SHA256 iterations of each new member PIN" },
	{ CS_STORE, "order-slots", CT_STRING, K(order_slots), 0, 0,
	  "09:00-11:00/08:00/30, 14:00-16:00/12:00/30, 18:00-20:00/16:00/30",
	  NULL, 0, "delivery slots of phone orders: FROM-TO/CUTOFF/CAPACITY, "
	  "comma-separated (kefu-orders(7))" },
	{ CS_STORE, "order-days", CT_INT, K(order_days), 0, 14, "1", NULL, 0,
	  "days after today whose delivery slots are offered too" },
	{ CS_STORE, "order-areas", CT_STRING, K(order_areas), 0, 0, NULL,
	  NULL, 0, "delivery areas: AREA:WORD|WORD, comma-separated; an "
	  "address holding a WORD is in AREA (first rule wins)" },
	{ CS_STORE, "order-area-default", CT_STRING, K(order_area_default),
	  0, 0, NULL, NULL, 0,
	  "area of an address no rule matches (none: it cannot order)" },
	{ CS_STORE, "order-max-qty", CT_INT, K(order_max_qty), 1, 9999, "20",
	  NULL, 0, "quantity of one item in a phone order at most" },
	{ CS_STORE, "order-max-items", CT_INT, K(order_max_items), 1, 99999,
	  "50", NULL, 0,
	  "items (quantities summed) of one phone order at most" },
	{ CS_STORE, "order-max-lines", CT_INT, K(order_max_lines), 1, 200,
	  "30", NULL, 0, "different items of one phone order at most" },
	{ CS_STORE, "order-courier", CT_ENUM, K(order_courier), 0, 0,
	  "round-robin", "round-robin|fixed", 0,
	  "couriers of an area take its orders in turn, or the first always" },
	{ CS_STORE, "order-cart-idle", CT_DURATION, K(order_cart_idle_ms),
	  60000, 86400000, "30m", NULL, 0,
	  "an ordering call's unconfirmed cart is forgotten after this idle" },
	{ CS_STORE, "area-code", CT_STRING, K(store_area_code), 0, 0, NULL,
	  NULL, 0, "local area code (\"020\") put before a caller ID of 7 "
	  "or 8 digits when members are found by caller ID" },

	{ CS_EMAIL, "url", CT_STRING, K(email_url), 0, 0,
	  "smtp://127.0.0.1:25", NULL, 0,
	  "the SMTP server: smtp://HOST:PORT, or smtps:// for TLS from the "
	  "start" },
	{ CS_EMAIL, "from", CT_STRING, K(email_from), 0, 0, NULL, NULL, 0,
	  "sender address of every e-mail (needed to send e-mail)" },
	{ CS_EMAIL, "from-name", CT_STRING, K(email_from_name), 0, 0, NULL,
	  NULL, 0, "sender's display name, UTF-8 (the store's name)" },
	{ CS_EMAIL, "starttls", CT_ENUM, K(email_starttls), 0, 0, "try",
	  "no|try|yes", 0,
	  "STARTTLS: never, when the server offers it, or required" },
	{ CS_EMAIL, "tls-verify", CT_BOOL, K(email_tls_verify), 0, 0, "yes",
	  NULL, 0, "check the server's certificate and name" },
	{ CS_EMAIL, "user", CT_STRING, K(email_user), 0, 0, NULL, NULL, 0,
	  "SMTP AUTH user name (no AUTH when absent)" },
	{ CS_EMAIL, "password", CT_STRING, K(email_password), 0, 0, NULL,
	  NULL, 0, "SMTP AUTH password (never logged)" },
	{ CS_EMAIL, "rate", CT_INT, K(email_rate), 0, 100000, "0", NULL, 0,
	  "messages per second at most per worker (0: as fast as the server "
	  "takes them)" },
	{ CS_EMAIL, "timeout", CT_DURATION, K(email_timeout_ms), 1000,
	  600000, "60s", NULL, 0, "limit on one SMTP transaction" },
	{ CS_EMAIL, "retry", CT_DURATION, K(email_retry_ms), 1000, 86400000,
	  "1m", NULL, 0,
	  "wait after a temporary failure (4xx), doubled each attempt" },
	{ CS_EMAIL, "retry-max", CT_DURATION, K(email_retry_max_ms), 1000,
	  86400000, "1h", NULL, 0, "longest wait between attempts" },
	{ CS_EMAIL, "lease", CT_DURATION, K(email_lease_ms), 1000, 86400000,
	  "10m", NULL, 0, "how long a worker owns the messages it claimed" },
	{ CS_EMAIL, "batch", CT_INT, K(email_batch), 1, 1000, "20", NULL, 0,
	  "messages claimed at once" },
	{ CS_EMAIL, "connections", CT_INT, K(email_connections), 1,
	  CONF_EMAIL_CONNECTIONS, "2", NULL, 0,
	  "SMTP connections kept open, each with its own outbox worker" },
	{ CS_EMAIL, "unsubscribe", CT_STRING, K(email_unsubscribe), 0, 0,
	  NULL, NULL, 0,
	  "mailbox of List-Unsubscribe's mailto: for marketing "
	  "(default: unsubscribe@ the from domain)" },
	{ CS_EMAIL, "unsubscribe-url", CT_STRING, K(email_unsubscribe_url), 0,
	  0, NULL, NULL, 0,
	  "https URL for one-click unsubscribe (RFC 8058); %s is the "
	  "message's id" },
	{ CS_EMAIL, "client", CT_ENUM, K(email_client), 0, 0, "kefu",
	  "kefu|libcurl", 0,
	  "SMTP spoken by kefu's own client (pipelined) or by libcurl" },

	{ CS_SLIPS, "printer", CT_STRING, K(slips_printer), 0, 0, NULL, NULL,
	  0, "CUPS queue delivery slips are printed to" },
	{ CS_SLIPS, "auto-print", CT_BOOL, K(slips_auto_print), 0, 0, "no",
	  NULL, 0, "kefud prints each slot's slips at its cut-off" },
	{ CS_SLIPS, "cut-offs", CT_STRING, K(slips_cutoffs_text), 0, 0, NULL,
	  NULL, 0, "slots and their cut-off times for auto-print: "
	  "SLOT@HH:MM, space-separated" },
	{ CS_SLIPS, "retry-every", CT_DURATION, K(slips_retry_ms), 1000,
	  86400000, "2m", NULL, 0, "how often kefud tries again to print "
	  "slips left unprinted (printer off, out of paper)" },
	{ CS_SLIPS, "columns", CT_INT, K(slips_columns), 32, 48, "42", NULL,
	  0, "width of receipt-printer text: 32, 42 or 48 columns" },

	{ CS_DATASOURCE, "connect", CT_LIST, D(connect), 0, 0, NULL, NULL, 1,
	  "ODBC connection string (DSN=name or Driver=...;...)" },
	{ CS_DATASOURCE, "failover", CT_LIST, D(connect), 0, 0, NULL, NULL, 0,
	  "further connection strings tried in order, '|'-separated" },
	{ CS_DATASOURCE, "adapter", CT_STRING, D(adapter), 0, 0, NULL, NULL, 0,
	  "adapter profile (oracle, sybase, sqlserver, informix, db2, "
	  "postgresql, mysql, sqlite); detected when absent" },
	{ CS_DATASOURCE, "encoding", CT_ENUM, D(encoding), 0, 0, "UTF-8",
	  "UTF-8|GBK|GB18030|BIG5", 0, "the database's text encoding" },
	{ CS_DATASOURCE, "pool-size", CT_INT, D(pool_size), 1, 256, "4", NULL,
	  0, "connections kept open at most" },
	{ CS_DATASOURCE, "pool-min", CT_INT, D(pool_min), -1, 256, "-1", NULL,
	  0, "connections kept open from the start (default: pool-size)" },
	{ CS_DATASOURCE, "pool-wait", CT_DURATION, D(pool_wait_ms), 0,
	  600000, "2s", NULL, 0,
	  "how long a call waits for a free connection" },
	{ CS_DATASOURCE, "connect-timeout", CT_DURATION, D(connect_timeout_ms),
	  100, 600000, "5s", NULL, 0, "limit on one connection attempt" },
	{ CS_DATASOURCE, "query-timeout", CT_DURATION, D(query_timeout_ms),
	  100, 600000, "3s", NULL, 0, "limit on one statement" },
	{ CS_DATASOURCE, "retry", CT_DURATION, D(retry_ms), 100, 3600000,
	  "1s", NULL, 0, "first wait after a failed connection attempt" },
	{ CS_DATASOURCE, "retry-max", CT_DURATION, D(retry_max_ms), 100,
	  3600000, "2s", NULL, 0, "longest wait between attempts" },
	{ CS_DATASOURCE, "idle-check", CT_DURATION, D(idle_check_ms), 0,
	  3600000, "30s", NULL, 0,
	  "idle connections older than this are probed before use" },
	{ CS_DATASOURCE, "read-only", CT_BOOL, D(readonly), 0, 0, "no", NULL,
	  0, "refuse every mapping that writes to this datasource" },

	{ CS_LINE, "type", CT_ENUM, L(type), 0, 0, "modem", "modem|sim", 0,
	  "a voice modem, or a simulated line for demos and tests" },
	{ CS_LINE, "device", CT_STRING, L(device), 0, 0, NULL, NULL, 0,
	  "serial device, pty path, or tcp:HOST:PORT" },
	{ CS_LINE, "family", CT_ENUM, L(family), 0, 0, "auto",
	  "auto|v253|conexant|usr", 0,
	  "modem family; auto probes ATI/ATI3/+FMI" },
	{ CS_LINE, "speed", CT_INT, L(speed), 1200, 921600, "115200", NULL, 0,
	  "serial speed in bit/s" },
	{ CS_LINE, "flow-control", CT_ENUM, L(flow_control), 0, 0, "rtscts",
	  "rtscts|xonxoff|none", 0, "serial flow control" },
	{ CS_LINE, "rings", CT_INT, L(rings), 1, 20, "2", NULL, 0,
	  "answer after this many rings (caller ID comes after the first)" },
	{ CS_LINE, "language", CT_ENUM, L(language), 0, 0, NULL, "zh-CN|yue",
	  0, "default language on this line ([kefu] language when absent)" },
	{ CS_LINE, "flow", CT_STRING, L(flow), 0, 0, "main", NULL, 0,
	  "flow started for each call" },
	{ CS_LINE, "max-call", CT_DURATION, L(max_call_ms), 10000, 86400000,
	  "15m", NULL, 0, "hang up calls longer than this" },
	{ CS_LINE, "silence", CT_DURATION, L(silence_ms), 1000, 600000, "10s",
	  NULL, 0, "silence after which the caller is taken to be gone" },
	{ CS_LINE, "init", CT_STRING, L(init), 0, 0, NULL, NULL, 0,
	  "extra AT commands sent after the family's own, ';'-separated" },

	{ CS_DEPARTMENT, "title", CT_STRING, P(title), 0, 0, NULL, NULL, 0,
	  "the department's name as staff know it, UTF-8" },
	{ CS_DEPARTMENT, "key", CT_ENUM, P(key), 0, 0, NULL,
	  "1|2|3|4|5|6|7|8|9", 0,
	  "the key a caller leaving a message presses for this department" },
	{ CS_DEPARTMENT, "kinds", CT_STRING, P(kinds), 0, 0, NULL, NULL, 0,
	  "cases routed here when the caller chose no department: "
	  "complaint, suggestion, after_sales, comma-separated" },
	{ CS_DEPARTMENT, "email", CT_STRING, P(email), 0, 0, NULL, NULL, 0,
	  "e-mail address of the person in charge (told of each new case, "
	  "the recording attached)" },
	{ CS_DEPARTMENT, "sms", CT_STRING, P(sms), 0, 0, NULL, NULL, 0,
	  "mobile number of the person in charge (told of each new case by "
	  "SMS)" },
	{ CS_SMS, "lease", CT_DURATION, K(sms_lease_ms), 10000, 86400000,
	  "5m", NULL, 0, "how long a modem holds the messages it claimed" },
	{ CS_SMS, "batch", CT_INT, K(sms_batch), 1, 100, "2", NULL, 0,
	  "messages a modem claims at a time (small: modems share the work)" },
	{ CS_SMS, "retry", CT_DURATION, K(sms_retry_ms), 1000, 86400000,
	  "1m", NULL, 0, "first wait after a temporary failure" },
	{ CS_SMS, "retry-max", CT_DURATION, K(sms_retry_max_ms), 1000,
	  86400000, "1h", NULL, 0, "longest wait between attempts" },
	{ CS_SMS, "pause", CT_DURATION, K(sms_pause_ms), 100, 3600000, "30s",
	  NULL, 0, "a modem that failed or vanished rests this long before "
	  "it is reopened (doubled each time)" },
	{ CS_SMS, "pause-max", CT_DURATION, K(sms_pause_max_ms), 100,
	  86400000, "10m", NULL, 0, "longest rest of a modem" },
	{ CS_SMS, "optout-reply", CT_STRING, K(sms_optout_reply), 0, 0,
	  "您已退订短信，将不再收到优惠信息。", NULL, 0,
	  "SMS confirming an opt-out by keyword" },

	{ CS_GSM, "device", CT_STRING, G(device), 0, 0, NULL, NULL, 1,
	  "serial device, pty path, or tcp:HOST:PORT of the GSM modem" },
	{ CS_GSM, "speed", CT_INT, G(speed), 1200, 921600, "115200", NULL, 0,
	  "serial speed in bit/s" },
	{ CS_GSM, "flow-control", CT_ENUM, G(flow_control), 0, 0, "rtscts",
	  "rtscts|xonxoff|none", 0, "serial flow control" },
	{ CS_GSM, "pin", CT_STRING, G(pin), 0, 0, NULL, NULL, 0,
	  "the SIM's PIN, sent when the SIM asks (never logged)" },
	{ CS_GSM, "smsc", CT_STRING, G(smsc), 0, 0, NULL, NULL, 0,
	  "service centre number; absent: the one on the SIM (AT+CSCA)" },
	{ CS_GSM, "interval", CT_DURATION, G(interval_ms), 0, 3600000, "0",
	  NULL, 0, "at least this long between two messages of this modem" },
	{ CS_GSM, "cnmi", CT_STRING, G(cnmi), 0, 0, "2,1,0,2,0", NULL, 0,
	  "AT+CNMI parameters: how inbound messages and reports are told" },
	{ CS_GSM, "status-reports", CT_BOOL, G(status_reports), 0, 0, "yes",
	  NULL, 0, "ask the network for a status report of every part" },
	{ CS_GSM, "validity", CT_DURATION, G(validity_ms), 0, 2000000000,
	  "1440m", NULL, 0, "how long the network tries to deliver (0: its "
	  "default)" },
	{ CS_GSM, "init", CT_STRING, G(init), 0, 0, NULL, NULL, 0,
	  "extra AT commands sent at open, ';'-separated" },

	{ CS_SUPPRESS, "quiet-marketing", CT_STRING, K(quiet_marketing), 0, 0,
	  "21:00-08:00", NULL, 0,
	  "no marketing message is sent in this local time window "
	  "(HH:MM-HH:MM, or none)" },
	{ CS_SUPPRESS, "quiet-transactional", CT_STRING,
	  K(quiet_transactional), 0, 0, "none", NULL, 0,
	  "no transactional message is sent in this window (none: any time)" },
	{ CS_SUPPRESS, "quiet-action", CT_ENUM, K(quiet_action), 0, 0,
	  "defer", "defer|suppress", 0,
	  "a message due in a quiet window waits for its end, or is "
	  "suppressed" },
	{ CS_SUPPRESS, "marketing-cap", CT_INT, K(marketing_cap), 0, 1000,
	  "0", NULL, 0,
	  "marketing messages one customer gets at most per cap-window, "
	  "SMS and e-mail together (0: no cap)" },
	{ CS_SUPPRESS, "cap-window", CT_DURATION, K(cap_window_ms), 3600000,
	  2000000000, "168h", NULL, 0, "the window of marketing-cap" },

	{ CS_CAMPAIGN, "store-name", CT_STRING, K(store_name), 0, 0, NULL,
	  NULL, 0, "signature put before every campaign SMS as 【store-name】" },
	{ CS_CAMPAIGN, "optout-text", CT_STRING, K(optout_text), 0, 0, NULL,
	  NULL, 0, "put after every campaign SMS (e.g. 回TD退订)" },
	{ CS_CAMPAIGN, "sms-price", CT_INT, K(sms_price), 0, 100000, "5", NULL,
	  0, "what one SMS part costs, in fen" },
	{ CS_CAMPAIGN, "email-price", CT_INT, K(email_price), 0, 100000, "0",
	  NULL, 0, "what one e-mail costs, in fen" },
	{ CS_CAMPAIGN, "tick", CT_DURATION, K(campaign_tick_ms), 100,
	  3600000, "30s", NULL, 0, "how often kefud's scheduler starts "
	  "scheduled campaigns and the periodic sends that are due" },
	{ CS_CAMPAIGN, "birthday", CT_STRING, K(birthday_text), 0, 0, NULL,
	  NULL, 0, "birthday greeting ({name} {customer_no}) sent to the "
	  "members born on the day; absent: none" },
	{ CS_CAMPAIGN, "birthday-at", CT_STRING, K(birthday_at), 0, 0,
	  "10:00", NULL, 0, "time of day (HH:MM) from which the birthday "
	  "greetings go out" },
	{ CS_CAMPAIGN, "birthday-channel", CT_ENUM, K(birthday_channel), 0, 0,
	  "sms", "sms|email", 0, "the birthday greeting's channel" },
	{ CS_CAMPAIGN, "birthday-subject", CT_STRING, K(birthday_subject), 0,
	  0, NULL, NULL, 0, "its subject when sent by e-mail" },
	{ CS_CAMPAIGN, "digest-day", CT_ENUM, K(digest_day), 0, 0, "none",
	  "none|mon|tue|wed|thu|fri|sat|sun", 0,
	  "day of the week of the weekly digest of the specials (none: no "
	  "digest)" },
	{ CS_CAMPAIGN, "digest-at", CT_STRING, K(digest_at), 0, 0, "10:00",
	  NULL, 0, "time of day (HH:MM) of the weekly digest" },
	{ CS_CAMPAIGN, "digest", CT_STRING, K(digest_text), 0, 0, NULL, NULL,
	  0, "put before the specials in the digest (e.g. 本周特价：)" },
	{ CS_CAMPAIGN, "digest-channel", CT_ENUM, K(digest_channel), 0, 0,
	  "sms", "sms|email", 0, "the digest's channel" },
	{ CS_CAMPAIGN, "digest-subject", CT_STRING, K(digest_subject), 0, 0,
	  NULL, NULL, 0, "its subject when sent by e-mail" },
	{ CS_CAMPAIGN, "digest-mapping", CT_STRING, K(digest_mapping), 0, 0,
	  "catalog.promotions_today", NULL, 0,
	  "the mapping the digest's specials come from" },
	{ CS_CAMPAIGN, "event-confirmed", CT_STRING, K(event_confirmed), 0, 0,
	  NULL, NULL, 0, "SMS to the member when an order is confirmed "
	  "({name} {order_no} {date} {slot} {total}); absent: none" },
	{ CS_CAMPAIGN, "event-on-way", CT_STRING, K(event_on_way), 0, 0, NULL,
	  NULL, 0, "SMS to the member when the order's slip is printed for "
	  "the courier ({courier} too); absent: none" },
	{ CS_CAMPAIGN, "event-window", CT_DURATION, K(event_window_ms), 60000,
	  2000000000, "24h", NULL, 0, "events older than this when the "
	  "scheduler looks are not told" },
	{ CS_CAMPAIGN, "conversation", CT_DURATION, K(conversation_ms),
	  60000, 2000000000, "168h", NULL, 0, "SMS from a number a case "
	  "replied to, up to this long after the last reply, are kept with "
	  "the case" },
	{ CS_CAMPAIGN, "points-mapping", CT_STRING, K(points_mapping), 0, 0,
	  NULL, NULL, 0, "the mapping giving {points} of a member (e.g. "
	  "erp.member): its first parameter gets the mobile, phone or "
	  "customer number; absent: {points} only from a segment mapping" },
	{ CS_CAMPAIGN, "event-points", CT_STRING, K(event_points), 0, 0, NULL,
	  NULL, 0, "SMS to a member subscribed to SMS when the points of "
	  "points-mapping change ({name} {customer_no} {points} {old_points} "
	  "{change}); absent: none" },
	{ CS_CAMPAIGN, "points-every", CT_DURATION, K(points_every_ms), 1000,
	  2000000000, "10m", NULL, 0, "how often kefud asks points-mapping "
	  "for the points of the members subscribed to SMS" },

	{ CS_VISITS, "monday", CT_STRING, K(visit_slots[0]), 0, 0,
	  "09:00-12:00/2, 14:00-17:00/2", NULL, 0, "home-visit slots on "
	  "Mondays: FROM-TO/CAPACITY, comma-separated (none: no visits)" },
	{ CS_VISITS, "tuesday", CT_STRING, K(visit_slots[1]), 0, 0,
	  "09:00-12:00/2, 14:00-17:00/2", NULL, 0, "... on Tuesdays" },
	{ CS_VISITS, "wednesday", CT_STRING, K(visit_slots[2]), 0, 0,
	  "09:00-12:00/2, 14:00-17:00/2", NULL, 0, "... on Wednesdays" },
	{ CS_VISITS, "thursday", CT_STRING, K(visit_slots[3]), 0, 0,
	  "09:00-12:00/2, 14:00-17:00/2", NULL, 0, "... on Thursdays" },
	{ CS_VISITS, "friday", CT_STRING, K(visit_slots[4]), 0, 0,
	  "09:00-12:00/2, 14:00-17:00/2", NULL, 0, "... on Fridays" },
	{ CS_VISITS, "saturday", CT_STRING, K(visit_slots[5]), 0, 0,
	  "09:00-12:00/2, 14:00-17:00/2", NULL, 0, "... on Saturdays" },
	{ CS_VISITS, "sunday", CT_STRING, K(visit_slots[6]), 0, 0, "none",
	  NULL, 0, "... on Sundays" },
	{ CS_VISITS, "visit-days", CT_INT, K(visit_days), 0, 30, "6", NULL, 0,
	  "days after today whose home-visit slots are offered too" },
	{ CS_VISITS, "visit-lead", CT_DURATION, K(visit_lead_ms), 0,
	  86400000, "2h", NULL, 0, "a slot of today is offered only when it "
	  "starts at least this long from now" },

	{ CS_SMSGW, "url", CT_STRING, W(url), 0, 0, NULL, NULL, 1,
	  "the provider's URL; placeholders are percent-encoded" },
	{ CS_SMSGW, "method", CT_ENUM, W(method), 0, 0, "POST", "POST|GET", 0,
	  "HTTP method" },
	{ CS_SMSGW, "body-type", CT_ENUM, W(body_type), 0, 0, "form",
	  "form|json|none", 0,
	  "how placeholders in body are escaped, and the Content-Type sent" },
	{ CS_SMSGW, "body", CT_STRING, W(body), 0, 0, NULL, NULL, 0,
	  "request body template: {to} {text} {id} {from} {key} {name}" },
	{ CS_SMSGW, "headers", CT_STRING, W(headers), 0, 0, NULL, NULL, 0,
	  "extra request headers, 'Name: value' separated by '|'" },
	{ CS_SMSGW, "success", CT_STRING, W(success), 0, 0, NULL, NULL, 0,
	  "extended regular expression a 2xx answer's body must match" },
	{ CS_SMSGW, "message-id", CT_STRING, W(message_id), 0, 0, NULL, NULL,
	  0, "extended regular expression; its first group is the "
	  "provider's message id" },
	{ CS_SMSGW, "from", CT_STRING, W(from), 0, 0, NULL, NULL, 0,
	  "sender id put in {from}" },
	{ CS_SMSGW, "rate", CT_INT, W(rate), 0, 100000, "10", NULL, 0,
	  "requests per second at most (0: no limit)" },
	{ CS_SMSGW, "timeout", CT_DURATION, W(timeout_ms), 100, 600000,
	  "10s", NULL, 0, "limit on one request" },
	{ CS_SMSGW, "retry", CT_DURATION, W(retry_ms), 1000, 86400000, "1m",
	  NULL, 0, "first wait after a failed request" },
	{ CS_SMSGW, "retry-max", CT_DURATION, W(retry_max_ms), 1000,
	  86400000, "1h", NULL, 0, "longest wait between attempts" },
	{ CS_SMSGW, "lease", CT_DURATION, W(lease_ms), 1000, 86400000, "5m",
	  NULL, 0, "how long a worker holds the messages it claimed" },
	{ CS_SMSGW, "batch", CT_INT, W(batch), 1, 1000, "20", NULL, 0,
	  "messages claimed at once" },
};

static const char *const conf_scope_names[] = {
	[CS_KEFU] = "kefu",
	[CS_STORE] = "store",
	[CS_EMAIL] = "email",
	[CS_SLIPS] = "slips",
	[CS_SMS] = "sms",
	[CS_SUPPRESS] = "suppress",
	[CS_CAMPAIGN] = "campaign",
	[CS_VISITS] = "visits",
	[CS_DATASOURCE] = "datasource",
	[CS_LINE] = "line",
	[CS_DEPARTMENT] = "department",
	[CS_GSM] = "gsm",
	[CS_SMSGW] = "sms-gateway",
};

/* A value for an error message: whole, or its start and its length. */
static const char *
conf_clip(const char *v, char *buf, size_t size)
{
	if (strlen(v) <= CONF_CLIP)
		return v;
	snprintf(buf, size, "%.*s... (%zu bytes)", CONF_CLIP, v, strlen(v));
	return buf;
}

int
conf_duration(const char *s, int *ms, const char **errstr)
{
	long long v, mult = 1000;
	char *end;

	if (s == NULL || !isdigit((unsigned char)*s)) {
		*errstr = "not a duration (try 500ms, 5s, 2m)";
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v > 100000000) {
		*errstr = "too large";
		return -1;
	}
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mult = 1000;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	else {
		*errstr = "unknown unit (use ms, s, m or h)";
		return -1;
	}
	if (v * mult > 2000000000LL) {
		*errstr = "too large";
		return -1;
	}
	*ms = (int)(v * mult);
	*errstr = NULL;
	return 0;
}

static int
conf_enum_ok(const char *choices, const char *v)
{
	const char *p = choices, *bar;
	size_t n;

	for (;;) {
		bar = strchr(p, '|');
		n = bar ? (size_t)(bar - p) : strlen(p);
		if (strlen(v) == n && strncasecmp(p, v, n) == 0)
			return 1;
		if (bar == NULL)
			return 0;
		p = bar + 1;
	}
}

static void
conf_list_add(char ***list, size_t *n, const char *v)
{
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[(*n)++] = xstrdup(v);
}

/* Canonical spelling of an enum value (the table's case). */
static char *
conf_enum_canon(const char *choices, const char *v)
{
	const char *p = choices, *bar;
	size_t n;

	for (;;) {
		bar = strchr(p, '|');
		n = bar ? (size_t)(bar - p) : strlen(p);
		if (strlen(v) == n && strncasecmp(p, v, n) == 0)
			return xstrndup(p, n);
		p = bar + 1;
	}
}

static int
conf_set(const struct conf_key *k, void *base, const char *value,
    const char *dir, const char *where, char **cause)
{
	const char *errstr;
	long long num;
	int ms;
	char **sp = (char **)((char *)base + k->offset);
	int *ip = (int *)((char *)base + k->offset);
	char clip[CONF_CLIP + 32];
	const char *v = value;

	switch (k->type) {
	case CT_STRING:
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case CT_PATH:
		free(*sp);
		if (v[0] == '/' || dir == NULL)
			*sp = xstrdup(v);
		else
			*sp = xasprintf("%s/%s", dir, v);
		return 0;
	case CT_INT:
		if (str_tonum(v, k->min, k->max, &num, &errstr) == -1)
			return kf_error(cause, "%s: %s = %s: %s (allowed "
			    "%lld to %lld)", where, k->name,
			    conf_clip(v, clip, sizeof clip), errstr, k->min,
			    k->max);
		*ip = (int)num;
		return 0;
	case CT_DURATION:
		if (conf_duration(v, &ms, &errstr) == -1)
			return kf_error(cause, "%s: %s = %s: %s", where,
			    k->name, conf_clip(v, clip, sizeof clip), errstr);
		if (ms < k->min || ms > k->max)
			return kf_error(cause, "%s: %s = %s: out of range "
			    "(allowed %lldms to %llds)", where, k->name,
			    conf_clip(v, clip, sizeof clip), k->min,
			    k->max / 1000);
		*ip = ms;
		return 0;
	case CT_BOOL:
		if (str_ieq(v, "yes") || str_ieq(v, "true") ||
		    str_ieq(v, "on") || strcmp(v, "1") == 0)
			*ip = 1;
		else if (str_ieq(v, "no") || str_ieq(v, "false") ||
		    str_ieq(v, "off") || strcmp(v, "0") == 0)
			*ip = 0;
		else
			return kf_error(cause, "%s: %s = %s: expected yes or "
			    "no", where, k->name,
			    conf_clip(v, clip, sizeof clip));
		return 0;
	case CT_ENUM:
		if (!conf_enum_ok(k->choices, v))
			return kf_error(cause, "%s: %s = %s: expected one of "
			    "%s", where, k->name,
			    conf_clip(v, clip, sizeof clip), k->choices);
		free(*sp);
		*sp = conf_enum_canon(k->choices, v);
		return 0;
	case CT_LIST: {
		struct conf_datasource *ds = base;
		char *copy = xstrdup(v), *p, *bar, *item;

		/* connect is one string; failover may list several with '|'. */
		if (strcmp(k->name, "connect") == 0) {
			conf_list_add(&ds->connect, &ds->nconnect, v);
			free(copy);
			return 0;
		}
		for (p = copy; p != NULL; p = bar) {
			bar = strchr(p, '|');
			if (bar != NULL)
				*bar++ = '\0';
			item = str_trim(p);
			if (*item == '\0') {
				free(copy);
				return kf_error(cause, "%s: %s: empty "
				    "connection string in the list", where,
				    k->name);
			}
			conf_list_add(&ds->connect, &ds->nconnect, item);
		}
		free(copy);
		return 0;
	}
	}
	return kf_error(cause, "%s: %s: internal error", where, k->name);
}

/* Index of a datasource or line section in its array; 0 for [kefu]. */
static size_t
conf_index(const struct conf *conf, enum conf_scope scope, const void *base)
{
	if (scope == CS_DATASOURCE)
		return (size_t)((const struct conf_datasource *)base -
		    conf->ds);
	if (scope == CS_LINE)
		return (size_t)((const struct conf_line *)base - conf->lines);
	if (scope == CS_DEPARTMENT)
		return (size_t)((const struct conf_department *)base -
		    conf->depts);
	if (scope == CS_GSM)
		return (size_t)((const struct conf_gsm *)base - conf->gsm);
	if (scope == CS_SMSGW)
		return (size_t)((const struct conf_smsgw *)base - conf->smsgw);
	return 0;
}

static void
conf_at_add(struct conf *conf, enum conf_scope scope, const void *base,
    const char *key, int line)
{
	struct conf_at *at;

	conf->at = xreallocarray(conf->at, conf->nat + 1, sizeof *conf->at);
	at = &conf->at[conf->nat++];
	at->scope = scope;
	at->index = conf_index(conf, scope, base);
	at->key = key;
	at->line = line;
}

int
conf_line(const struct conf *conf, const void *section, const char *key)
{
	enum conf_scope scope = CS_KEFU;
	size_t i, index = 0;
	int line = 0;

	if (conf->nds > 0 && (const struct conf_datasource *)section >=
	    conf->ds && (const struct conf_datasource *)section <
	    conf->ds + conf->nds) {
		scope = CS_DATASOURCE;
		line = ((const struct conf_datasource *)section)->line;
	} else if (conf->nlines > 0 && (const struct conf_line *)section >=
	    conf->lines && (const struct conf_line *)section <
	    conf->lines + conf->nlines) {
		scope = CS_LINE;
		line = ((const struct conf_line *)section)->line;
	} else if (conf->ndepts > 0 &&
	    (const struct conf_department *)section >= conf->depts &&
	    (const struct conf_department *)section <
	    conf->depts + conf->ndepts) {
		scope = CS_DEPARTMENT;
		line = ((const struct conf_department *)section)->line;
	} else if (conf->ngsm > 0 && (const struct conf_gsm *)section >=
	    conf->gsm && (const struct conf_gsm *)section <
	    conf->gsm + conf->ngsm) {
		scope = CS_GSM;
		line = ((const struct conf_gsm *)section)->line;
	} else if (conf->nsmsgw > 0 && (const struct conf_smsgw *)section >=
	    conf->smsgw && (const struct conf_smsgw *)section <
	    conf->smsgw + conf->nsmsgw) {
		scope = CS_SMSGW;
		line = ((const struct conf_smsgw *)section)->line;
	}
	index = conf_index(conf, scope, section);
	for (i = 0; i < conf->nat; i++)
		if (strcmp(conf->at[i].key, key) == 0 &&
		    (conf->at[i].scope == scope || (scope == CS_KEFU &&
		    conf->at[i].scope < CS_DATASOURCE)) &&
		    conf->at[i].index == index)
			return conf->at[i].line;
	return line;
}

static int
conf_section(struct conf *conf, struct ini *ini, struct ini_section *sec,
    enum conf_scope scope, void *base, const char *dir, char **cause)
{
	struct ini_entry *e;
	const struct conf_key *k;
	char where[512];
	size_t i;

	/*
	 * Defaults first, then the values given, in table order (connect
	 * before failover).
	 */
	for (i = 0; i < nitems(conf_keys); i++) {
		k = &conf_keys[i];
		if (k->scope != scope || k->def == NULL)
			continue;
		snprintf(where, sizeof where, "%s:%d", ini->path, sec->line);
		if (conf_set(k, base, k->def, NULL, where, cause) == -1)
			return -1;
	}
	for (i = 0; i < nitems(conf_keys); i++) {
		k = &conf_keys[i];
		if (k->scope != scope)
			continue;
		if ((e = ini_get(sec, k->name)) == NULL) {
			if (k->required)
				return kf_error(cause, "%s:%d: [%s%s%s] needs "
				    "'%s' (%s)", ini->path, sec->line,
				    sec->type, sec->name ? " " : "",
				    sec->name ? sec->name : "", k->name,
				    k->help);
			continue;
		}
		snprintf(where, sizeof where, "%s:%d", ini->path, e->line);
		if (e->value[0] == '\0')
			return kf_error(cause, "%s: %s has an empty value",
			    where, k->name);
		if (conf_set(k, base, e->value, dir, where, cause) == -1)
			return -1;
		conf_at_add(conf, scope, base, k->name, e->line);
	}
	for (i = 0; i < sec->nentries; i++) {
		e = &sec->entries[i];
		if (!e->used)
			return kf_error(cause, "%s:%d: unknown key '%.*s%s' in "
			    "[%s]", ini->path, e->line, CONF_CLIP, e->key,
			    strlen(e->key) > CONF_CLIP ? "..." : "", sec->type);
	}
	return 0;
}

static int
conf_name_ok(const char *name)
{
	const char *p;

	if (name == NULL || *name == '\0')
		return 0;
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' &&
		    *p != '.')
			return 0;
	return 1;
}

const struct conf_department *
conf_department(const struct conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->ndepts; i++)
		if (strcmp(conf->depts[i].name, name) == 0)
			return &conf->depts[i];
	return NULL;
}

/*
 * A department's kinds are known ones, its key is not another's, and it
 * has someone to tell (e-mail or SMS).
 */
static int
conf_dept_check(const struct conf *conf, const struct conf_department *d,
    char **cause)
{
	static const char *const kinds[] = { "complaint", "suggestion",
	    "after_sales" };
	char *copy, *tok, *save = NULL, *p;
	size_t i;
	int ok = 1;

	for (i = 0; d->key != NULL && &conf->depts[i] != d; i++)
		if (conf->depts[i].key != NULL &&
		    strcmp(conf->depts[i].key, d->key) == 0)
			return kf_error(cause, "%s:%d: [department %s] key %s "
			    "is already the key of [department %s]",
			    conf->path, conf_line(conf, d, "key"), d->name,
			    d->key, conf->depts[i].name);
	if (d->email == NULL && d->sms == NULL)
		return kf_error(cause, "%s:%d: [department %s] needs email "
		    "or sms (someone to tell of new cases)", conf->path,
		    d->line, d->name);
	copy = xstrdup(d->kinds != NULL ? d->kinds : "");
	for (p = copy; ok && (tok = strtok_r(p, ", \t", &save)) != NULL;
	    p = NULL) {
		for (i = 0; i < nitems(kinds); i++)
			if (strcmp(tok, kinds[i]) == 0)
				break;
		if (i == nitems(kinds))
			ok = kf_error(cause, "%s:%d: [department %s] kinds: "
			    "unknown kind '%.20s' (known: complaint, "
			    "suggestion, after_sales)", conf->path,
			    conf_line(conf, d, "kinds"), d->name, tok) + 1;
	}
	free(copy);
	return ok ? 0 : -1;
}

/*
 * Section i of ini, [TYPE NAME], has a name of letters, digits, '-',
 * '_' or '.' that no earlier [TYPE] has; what names TYPE in the message.
 */
static int
conf_named(const struct ini *ini, size_t i, const char *what,
    char **cause)
{
	const struct ini_section *sec = &ini->sections[i];
	size_t j;

	if (!conf_name_ok(sec->name))
		return kf_error(cause, "%s:%d: [%s] needs a name of letters, "
		    "digits, '-', '_' or '.'", ini->path, sec->line,
		    sec->type);
	for (j = 0; j < i; j++)
		if (strcmp(ini->sections[j].type, sec->type) == 0 &&
		    ini->sections[j].name != NULL &&
		    strcmp(ini->sections[j].name, sec->name) == 0)
			return kf_error(cause, "%s:%d: %s '%s' is defined "
			    "twice", ini->path, sec->line, what, sec->name);
	return 0;
}

/*
 * A zeroed element added to the array arr of n for [TYPE NAME] sec, its
 * name and line set (every named section's struct has both); the
 * element.
 */
#define CONF_NAMED_ADD(arr, n, sec) (					\
	(arr) = xreallocarray((arr), (n) + 1, sizeof *(arr)),		\
	memset(&(arr)[(n)], 0, sizeof *(arr)),				\
	(arr)[(n)].name = xstrdup((sec)->name),				\
	(arr)[(n)].line = (sec)->line,					\
	&(arr)[(n)++])

static int
conf_build(struct conf *conf, struct ini *ini, const char *dir,
    char **cause)
{
	struct ini_section *sec;
	enum conf_scope scope;
	void *base = NULL;
	size_t i, j, seen[CS_DATASOURCE] = { 0 };

	/* [kefu] and [store] defaults apply even without these sections. */
	struct ini_section empty = { 0 };
	empty.type = (char *)"kefu";
	if (conf_section(conf, ini, &empty, CS_KEFU, conf, dir, cause) == -1)
		return -1;
	empty.type = (char *)"store";
	if (conf_section(conf, ini, &empty, CS_STORE, conf, dir, cause) == -1)
		return -1;
	for (j = CS_EMAIL; j < CS_DATASOURCE; j++) {
		empty.type = (char *)conf_scope_names[j];
		if (conf_section(conf, ini, &empty, (enum conf_scope)j, conf,
		    dir, cause) == -1)
			return -1;
	}

	for (i = 0; i < ini->nsections; i++) {
		sec = &ini->sections[i];
		for (j = 0; j < nitems(conf_scope_names); j++)
			if (strcmp(sec->type, conf_scope_names[j]) == 0)
				break;
		if (j == nitems(conf_scope_names))
			return kf_error(cause, "%s:%d: unknown section [%s] "
			    "(known: kefu, store, email, slips, sms, suppress, "
			    "campaign, visits, datasource NAME, line NAME, "
			    "department NAME, gsm NAME, sms-gateway NAME)",
			    ini->path, sec->line, sec->type);
		scope = (enum conf_scope)j;
		switch (scope) {
		case CS_KEFU:
		case CS_STORE:
		case CS_EMAIL:
		case CS_SLIPS:
		case CS_SMS:
		case CS_SUPPRESS:
		case CS_CAMPAIGN:
		case CS_VISITS:
			if (sec->name != NULL)
				return kf_error(cause, "%s:%d: [%s] takes no "
				    "name", ini->path, sec->line, sec->type);
			if (seen[scope]++)
				return kf_error(cause, "%s:%d: [%s] appears "
				    "twice", ini->path, sec->line, sec->type);
			base = conf;
			break;
		case CS_DATASOURCE:
			if (conf_named(ini, i, "datasource", cause) == -1)
				return -1;
			base = CONF_NAMED_ADD(conf->ds, conf->nds, sec);
			break;
		case CS_LINE:
			if (conf_named(ini, i, "line", cause) == -1)
				return -1;
			base = CONF_NAMED_ADD(conf->lines, conf->nlines, sec);
			break;
		case CS_DEPARTMENT:
			if (conf_named(ini, i, "department", cause) == -1)
				return -1;
			base = CONF_NAMED_ADD(conf->depts, conf->ndepts, sec);
			break;
		case CS_GSM:
			if (conf_named(ini, i, "gsm modem", cause) == -1)
				return -1;
			base = CONF_NAMED_ADD(conf->gsm, conf->ngsm, sec);
			break;
		case CS_SMSGW:
			if (conf_named(ini, i, "sms-gateway", cause) == -1)
				return -1;
			base = CONF_NAMED_ADD(conf->smsgw, conf->nsmsgw, sec);
			break;
		default:
			return kf_error(cause, "internal error");
		}
		if (conf_section(conf, ini, sec, scope, base, dir, cause) == -1)
			return -1;
	}
	return 0;
}

/* A socket path must fit sun_path; 0 or -1 with *cause as file:line. */
static int
conf_check_socket(const struct conf *conf, const void *section,
    const char *key, const char *path, char **cause)
{
	struct sockaddr_un sun;
	char clip[CONF_CLIP + 32];

	if (strlen(path) < sizeof sun.sun_path)
		return 0;
	return kf_error(cause, "%s:%d: %s = %s: a socket path is at most %zu "
	    "bytes long", conf->path, conf_line(conf, section, key), key,
	    conf_clip(path, clip, sizeof clip), sizeof sun.sun_path - 1);
}

/* One "SLOT@HH:MM" of [slips] cut-offs into conf->slips_cutoffs. */
static int
conf_cutoff(struct conf *conf, const char *w, size_t len, int line,
    char **cause)
{
	char *t = xstrndup(w, len), *at = strchr(t, '@'), tail;
	unsigned hh, mm;
	struct conf_cutoff *c;

	if (at == NULL || at == t || sscanf(at + 1, "%2u:%2u%c", &hh, &mm,
	    &tail) != 2 || hh > 23 || mm > 59 || strlen(at + 1) != 5) {
		kf_error(cause, "%s:%d: [slips] cut-offs: '%s' is not "
		    "SLOT@HH:MM (e.g. 09-11@08:30)", conf->path, line, t);
		free(t);
		return -1;
	}
	conf->slips_cutoffs = xreallocarray(conf->slips_cutoffs,
	    conf->slips_ncutoffs + 1, sizeof *conf->slips_cutoffs);
	c = &conf->slips_cutoffs[conf->slips_ncutoffs++];
	c->slot = xstrndup(t, (size_t)(at - t));
	c->minute = (int)(hh * 60 + mm);
	free(t);
	return 0;
}

/* [slips]: columns a receipt printer has; cut-offs parsed. */
static int
conf_check_slips(struct conf *conf, struct ini *ini, char **cause)
{
	const char *p = conf->slips_cutoffs_text;
	size_t len;
	int line = conf_line(conf, conf, "cut-offs");

	if (conf->slips_columns != 32 && conf->slips_columns != 42 &&
	    conf->slips_columns != 48)
		return kf_error(cause, "%s:%d: [slips] columns = %d: receipt "
		    "printers have 32, 42 or 48", ini->path,
		    conf_line(conf, conf, "columns"), conf->slips_columns);
	while (p != NULL && *p != '\0') {
		p += strspn(p, " ,\t");
		if ((len = strcspn(p, " ,\t")) == 0)
			break;
		if (conf_cutoff(conf, p, len, line, cause) == -1)
			return -1;
		p += len;
	}
	if (conf->slips_auto_print && conf->slips_printer == NULL)
		return kf_error(cause, "%s:%d: [slips] auto-print needs a "
		    "printer", ini->path, conf_line(conf, conf, "auto-print"));
	return 0;
}

int
conf_window(const char *s, int *from_min, int *to_min, const char **errstr)
{
	unsigned h1, m1, h2, m2;
	char end;

	*from_min = *to_min = -1;
	*errstr = NULL;
	if (s == NULL || strcasecmp(s, "none") == 0)
		return 0;
	if (sscanf(s, "%2u:%2u-%2u:%2u%c", &h1, &m1, &h2, &m2, &end) != 4 ||
	    h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59) {
		*errstr = "expected HH:MM-HH:MM (e.g. 21:00-08:00) or none";
		return -1;
	}
	*from_min = (int)(h1 * 60 + m1);
	*to_min = (int)(h2 * 60 + m2);
	return 0;
}

int
conf_clock(const char *s, int *min, const char **errstr)
{
	char *w;
	int a, b, rc;

	if (strcmp(s, "none") == 0) {
		*errstr = "expected a time of day HH:MM";
		return -1;
	}
	w = xasprintf("%s-%s", s, s);
	rc = conf_window(w, &a, &b, errstr);
	free(w);
	if (rc == -1)
		*errstr = "expected a time of day HH:MM";
	*min = a;
	return rc;
}

/* [campaign]'s times of day: file:line when bad. */
static int
conf_check_clocks(struct conf *conf, struct ini *ini, char **cause)
{
	static const char *const keys[] = { "birthday-at", "digest-at" };
	const char *vals[] = { conf->birthday_at, conf->digest_at };
	const int used[] = { conf->birthday_text != NULL,
	    strcmp(conf->digest_day, "none") != 0 };
	const char *errstr;
	size_t i;
	int m;

	int from, to;

	if (conf_window(conf->quiet_marketing, &from, &to, &errstr) == -1)
		from = to = -1;
	for (i = 0; i < nitems(keys); i++) {
		if (conf_clock(vals[i], &m, &errstr) == -1)
			return kf_error(cause, "%s:%d: %s = %s: %s", ini->path,
			    conf_line(conf, conf, keys[i]), keys[i], vals[i],
			    errstr);
		/* periodic sends are marketing: not in its quiet hours */
		if (used[i] && from >= 0 && (from <= to ? m >= from && m < to :
		    m >= from || m < to))
			return kf_error(cause, "%s:%d: %s = %s is in the quiet "
			    "hours of marketing messages ([suppress] "
			    "quiet-marketing = %s): nothing would go out until "
			    "they end", ini->path, conf_line(conf, conf,
			    keys[i]), keys[i], vals[i], conf->quiet_marketing);
	}
	return 0;
}

/* [suppress] windows and the gateways' patterns: file:line when bad. */
static int
conf_check_messaging(struct conf *conf, struct ini *ini, char **cause)
{
	static const char *const wkeys[] = { "quiet-marketing",
	    "quiet-transactional" };
	const char *wvals[] = { conf->quiet_marketing,
	    conf->quiet_transactional };
	const char *errstr;
	struct conf_smsgw *g;
	regex_t re;
	size_t i, j;
	int a, b;

	for (i = 0; i < nitems(wkeys); i++)
		if (conf_window(wvals[i], &a, &b, &errstr) == -1)
			return kf_error(cause, "%s:%d: %s = %s: %s", ini->path,
			    conf_line(conf, conf, wkeys[i]), wkeys[i], wvals[i],
			    errstr);
	if (conf_check_clocks(conf, ini, cause) == -1)
		return -1;
	for (i = 0; i < conf->nsmsgw; i++) {
		g = &conf->smsgw[i];
		for (j = 0; j < 2; j++) {
			const char *v = j == 0 ? g->success : g->message_id;
			const char *k = j == 0 ? "success" : "message-id";

			if (v == NULL)
				continue;
			if (regcomp(&re, v, REG_EXTENDED) != 0)
				return kf_error(cause, "%s:%d: [sms-gateway "
				    "%s] %s = %s: not an extended regular "
				    "expression", ini->path,
				    conf_line(conf, g, k), g->name, k, v);
			if (j == 1 && re.re_nsub < 1) {
				regfree(&re);
				return kf_error(cause, "%s:%d: [sms-gateway "
				    "%s] message-id = %s: needs a group ( ) "
				    "around the id", ini->path,
				    conf_line(conf, g, k), g->name, v);
			}
			regfree(&re);
		}
		if (strcmp(g->body_type, "none") != 0 && g->body == NULL)
			return kf_error(cause, "%s:%d: [sms-gateway %s] has "
			    "body-type = %s but no body", ini->path, g->line,
			    g->name, g->body_type);
	}
	return 0;
}

static int
conf_check(struct conf *conf, struct ini *ini, char **cause)
{
	struct conf_line *ln;
	size_t i;

	if (conf_check_socket(conf, conf, "socket", conf->socket_path,
	    cause) == -1 || conf_check_slips(conf, ini, cause) == -1 ||
	    conf_check_messaging(conf, ini, cause) == -1)
		return -1;
	for (i = 0; i < conf->nlines; i++) {
		ln = &conf->lines[i];
		if (ln->language == NULL)
			ln->language = xstrdup(conf->language);
		if (ln->device == NULL)
			return kf_error(cause, "%s:%d: [line %s] is a %s line "
			    "and needs 'device'%s", ini->path, ln->line,
			    ln->name, strcmp(ln->type, "sim") == 0 ?
			    "simulated" : "modem",
			    strcmp(ln->type, "sim") == 0 ?
			    " (the socket kefud listens on)" : "");
		if (strcmp(ln->type, "sim") == 0 && conf_check_socket(conf,
		    ln, "device", ln->device, cause) == -1)
			return -1;
	}
	for (i = 0; i < conf->nds; i++) {
		struct conf_datasource *ds = &conf->ds[i];

		if (ds->retry_max_ms < ds->retry_ms)
			return kf_error(cause, "%s:%d: [datasource %s] "
			    "retry-max is shorter than retry", ini->path,
			    ds->line, ds->name);
		if (ds->pool_min > ds->pool_size)
			return kf_error(cause, "%s:%d: [datasource %s] "
			    "pool-min = %d is more than pool-size = %d",
			    ini->path, conf_line(conf, ds, "pool-min"),
			    ds->name, ds->pool_min, ds->pool_size);
	}
	for (i = 0; i < conf->ndepts; i++)
		if (conf_dept_check(conf, &conf->depts[i], cause) == -1)
			return -1;
	if (conf->sms_retry_max_ms < conf->sms_retry_ms)
		return kf_error(cause, "%s:%d: [sms] retry-max is shorter than "
		    "retry", ini->path, conf_line(conf, conf, "retry-max"));
	/* the store named (not the default "local" of a file without one) */
	if (conf_line(conf, conf, "datasource") != 0 &&
	    conf_datasource(conf, conf->store_datasource) == NULL)
		return kf_error(cause, "%s:%d: [store] datasource = %.*s: no "
		    "[datasource %.*s] in this file", ini->path,
		    conf_line(conf, conf, "datasource"), CONF_CLIP,
		    conf->store_datasource, CONF_CLIP, conf->store_datasource);
	return 0;
}

/* A folder key must name a folder. */
static int
conf_check_dir(const struct conf *conf, const char *key, const char *dir,
    struct strbuf *out)
{
	const char *why;
	struct stat st;
	int line;

	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	why = stat(dir, &st) == -1 ? "no such folder" : "not a folder";
	if ((line = conf_line(conf, conf, key)) == 0)
		sb_addf(out, "%s: [kefu] %s = %s (the default): %s\n",
		    conf->path, key, dir, why);
	else
		sb_addf(out, "%s:%d: %s = %s: %s\n", conf->path, line, key,
		    dir, why);
	return 1;
}

int
conf_check_system(const struct conf *conf, struct strbuf *out)
{
	const struct conf_datasource *ds;
	struct stat st;
	char *path;
	size_t i;
	int n = 0;

	n += conf_check_dir(conf, "mappings", conf->mappings_dir, out);
	n += conf_check_dir(conf, "adapters", conf->adapters_dir, out);
	n += conf_check_dir(conf, "flows", conf->flows_dir, out);
	n += conf_check_dir(conf, "prompts", conf->prompts_dir, out);
	n += conf_check_dir(conf, "sql", conf->sql_dir, out);
	for (i = 0; i < conf->nds; i++) {
		ds = &conf->ds[i];
		if (ds->adapter == NULL)
			continue;
		path = xasprintf("%s/%s.xml", conf->adapters_dir, ds->adapter);
		if (strchr(ds->adapter, '/') != NULL || stat(path, &st) == -1) {
			sb_addf(out, "%s:%d: [datasource %s] adapter = %.*s: "
			    "no such adapter profile (%s/NAME.xml: oracle, "
			    "sybase, sqlserver, informix, db2, postgresql, "
			    "mysql, sqlite)\n", conf->path,
			    conf_line(conf, ds, "adapter"), ds->name, CONF_CLIP,
			    ds->adapter, conf->adapters_dir);
			n++;
		}
		free(path);
	}
	if (conf->user != NULL) {
		errno = 0;
		if (getpwnam(conf->user) == NULL) {
			sb_addf(out, "%s:%d: user = %.*s: no such user%s%s\n",
			    conf->path, conf_line(conf, conf, "user"),
			    CONF_CLIP, conf->user, errno != 0 ? ": " : "",
			    errno != 0 ? strerror(errno) : "");
			n++;
		}
	}
	return n;
}

/* A password in kefu.conf is fine only when others cannot read the file. */
static void
conf_warn_secrets(const char *path, const struct conf *conf)
{
	struct stat st;
	size_t i, j;
	char *r;

	if (stat(path, &st) == -1 || (st.st_mode & 0077) == 0)
		return;
	if (conf->email_password != NULL)
		log_warnx("%s holds the SMTP password of [email] and can be "
		    "read by other users; run chmod 600 %s", path, path);
	for (i = 0; i < conf->ngsm; i++)
		if (conf->gsm[i].pin != NULL)
			log_warnx("%s holds the SIM PIN of [gsm %s] and can be "
			    "read by other users; run chmod 600 %s", path,
			    conf->gsm[i].name, path);
	for (i = 0; i < conf->nsmsgw; i++)
		if (conf->smsgw[i].headers != NULL)
			log_warnx("%s holds the headers of [sms-gateway %s] "
			    "(an API key?) and can be read by other users; "
			    "run chmod 600 %s", path, conf->smsgw[i].name,
			    path);
	for (i = 0; i < conf->nds; i++) {
		for (j = 0; j < conf->ds[i].nconnect; j++) {
			int secret;

			r = log_redact(conf->ds[i].connect[j]);
			secret = strcmp(r, conf->ds[i].connect[j]) != 0;
			free(r);
			if (secret) {
				log_warnx("%s holds the password of datasource "
				    "'%s' and can be read by other users; run "
				    "chmod 600 %s (or move the password to "
				    "odbc.ini)", path, conf->ds[i].name, path);
				break;
			}
		}
	}
}

/* 1 when an odbc.ini text sets a non-empty Password= or PWD=. */
static int
conf_ini_has_password(const char *text)
{
	const char *p = text, *eq;
	char key[16];
	size_t n;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		eq = strpbrk(p, "=\n");
		if (eq != NULL && *eq == '=') {
			n = (size_t)(eq - p);
			while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if (n < sizeof key) {
				memcpy(key, p, n);
				key[n] = '\0';
				if (str_ieq(key, "password") ||
				    str_ieq(key, "pwd")) {
					eq++;
					while (*eq == ' ' || *eq == '\t')
						eq++;
					if (*eq != '\n' && *eq != '\r' &&
					    *eq != '\0')
						return 1;
				}
			}
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return 0;
}

/*
 * Datasources reached by DSN keep their passwords in odbc.ini: warn when
 * such a file can be read by other users.
 */
static void
conf_warn_odbcini(const struct conf *conf)
{
	const char *home = getenv("HOME"), *env = getenv("ODBCINI");
	char *files[3], *text;
	struct stat st;
	size_t i, j, nf = 0;
	int dsn = 0;

	for (i = 0; i < conf->nds; i++)
		for (j = 0; j < conf->ds[i].nconnect; j++)
			if (strcasestr(conf->ds[i].connect[j], "DSN=") != NULL)
				dsn = 1;
	if (!dsn)
		return;
	if (env != NULL && *env != '\0')
		files[nf++] = xstrdup(env);
	if (home != NULL && *home != '\0')
		files[nf++] = xasprintf("%s/.odbc.ini", home);
	files[nf++] = xstrdup("/etc/odbc.ini");
	for (i = 0; i < nf; i++) {
		if (stat(files[i], &st) == 0 && (st.st_mode & 0007) != 0 &&
		    file_read(files[i], &text, NULL, NULL) == 0) {
			if (conf_ini_has_password(text))
				log_warnx("%s holds a database password and "
				    "can be read by every user; run chmod 640 "
				    "%s (or 600)", files[i], files[i]);
			free(text);
		}
		free(files[i]);
	}
}

int
conf_parse(const char *path, const char *text, struct conf **out,
    char **cause)
{
	struct ini *ini;
	struct conf *conf;
	char *pcopy, *dir;

	if (ini_parse(path, text, &ini, cause) == -1)
		return -1;
	conf = xcalloc(1, sizeof *conf);
	conf->path = xstrdup(path);
	pcopy = xstrdup(path);
	dir = dirname(pcopy);
	if (conf_build(conf, ini, dir, cause) == -1 ||
	    conf_check(conf, ini, cause) == -1) {
		free(pcopy);
		ini_free(ini);
		conf_free(conf);
		return -1;
	}
	free(pcopy);
	ini_free(ini);
	*out = conf;
	return 0;
}

int
conf_load(const char *path, struct conf **out, char **cause)
{
	char *text;
	int rc;

	if (file_read(path, &text, NULL, cause) == -1)
		return -1;
	rc = conf_parse(path, text, out, cause);
	free(text);
	if (rc == 0) {
		conf_warn_secrets(path, *out);
		conf_warn_odbcini(*out);
	}
	return rc;
}

static void
conf_free_fields(void *base, enum conf_scope scope)
{
	size_t i;

	for (i = 0; i < nitems(conf_keys); i++) {
		const struct conf_key *k = &conf_keys[i];

		if (k->scope != scope)
			continue;
		if (k->type == CT_STRING || k->type == CT_PATH ||
		    k->type == CT_ENUM) {
			char **sp = (char **)((char *)base + k->offset);
			free(*sp);
			*sp = NULL;
		}
	}
}

void
conf_free(struct conf *conf)
{
	size_t i, j;

	if (conf == NULL)
		return;
	conf_free_fields(conf, CS_KEFU);
	conf_free_fields(conf, CS_STORE);
	conf_free_fields(conf, CS_EMAIL);
	conf_free_fields(conf, CS_SLIPS);
	for (i = 0; i < conf->slips_ncutoffs; i++)
		free(conf->slips_cutoffs[i].slot);
	free(conf->slips_cutoffs);
	conf_free_fields(conf, CS_SMS);
	for (i = 0; i < conf->ngsm; i++) {
		conf_free_fields(&conf->gsm[i], CS_GSM);
		free(conf->gsm[i].name);
	}
	free(conf->gsm);
	conf_free_fields(conf, CS_SUPPRESS);
	conf_free_fields(conf, CS_CAMPAIGN);
	conf_free_fields(conf, CS_VISITS);
	for (i = 0; i < conf->nsmsgw; i++) {
		conf_free_fields(&conf->smsgw[i], CS_SMSGW);
		free(conf->smsgw[i].name);
	}
	free(conf->smsgw);
	for (i = 0; i < conf->nds; i++) {
		conf_free_fields(&conf->ds[i], CS_DATASOURCE);
		for (j = 0; j < conf->ds[i].nconnect; j++)
			free(conf->ds[i].connect[j]);
		free(conf->ds[i].connect);
		free(conf->ds[i].name);
	}
	free(conf->ds);
	for (i = 0; i < conf->nlines; i++) {
		conf_free_fields(&conf->lines[i], CS_LINE);
		free(conf->lines[i].name);
	}
	free(conf->lines);
	for (i = 0; i < conf->ndepts; i++) {
		conf_free_fields(&conf->depts[i], CS_DEPARTMENT);
		free(conf->depts[i].name);
	}
	free(conf->depts);
	free(conf->at);
	free(conf->path);
	free(conf);
}

struct conf_datasource *
conf_datasource(struct conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nds; i++)
		if (strcmp(conf->ds[i].name, name) == 0)
			return &conf->ds[i];
	return NULL;
}

/* 1 when key k differs between the sections a and b. */
static int
conf_key_differs(const struct conf_key *k, const void *a, const void *b)
{
	const struct conf_datasource *da = a, *db = b;
	const char *sa, *sb;
	size_t i;

	switch (k->type) {
	case CT_STRING:
	case CT_PATH:
	case CT_ENUM:
		sa = *(char *const *)((const char *)a + k->offset);
		sb = *(char *const *)((const char *)b + k->offset);
		if (sa == NULL || sb == NULL)
			return sa != sb;
		return strcmp(sa, sb) != 0;
	case CT_INT:
	case CT_DURATION:
	case CT_BOOL:
		return *(const int *)((const char *)a + k->offset) !=
		    *(const int *)((const char *)b + k->offset);
	case CT_LIST:
		if (da->nconnect != db->nconnect)
			return 1;
		for (i = 0; i < da->nconnect; i++)
			if (strcmp(da->connect[i], db->connect[i]) != 0)
				return 1;
		return 0;
	}
	return 1;
}

/* The keys of one scope that differ, as " [what] key" words. */
static int
conf_diff_section(enum conf_scope scope, const char *what, const void *a,
    const void *b, struct strbuf *out)
{
	size_t i;
	int n = 0;

	for (i = 0; i < nitems(conf_keys); i++) {
		const struct conf_key *k = &conf_keys[i];

		if (k->scope != scope || strcmp(k->name, "failover") == 0 ||
		    !conf_key_differs(k, a, b))
			continue;
		sb_addf(out, "%s%s %s", out->len > 0 ? ", " : "", what,
		    k->name);
		n++;
	}
	return n;
}

/* The [department] sections changed, removed or added. */
static int
conf_diff_depts(const struct conf *a, const struct conf *b,
    struct strbuf *out)
{
	const struct conf_department *da, *db;
	char what[96];
	size_t i;
	int n = 0;

	for (i = 0; i < a->ndepts; i++) {
		da = &a->depts[i];
		snprintf(what, sizeof what, "[department %s]", da->name);
		if ((db = conf_department(b, da->name)) == NULL) {
			sb_addf(out, "%s%s removed", out->len ? ", " : "",
			    what);
			n++;
		} else
			n += conf_diff_section(CS_DEPARTMENT, what, da, db,
			    out);
	}
	for (i = 0; i < b->ndepts; i++)
		if (conf_department(a, b->depts[i].name) == NULL) {
			sb_addf(out, "%s[department %s] added", out->len ?
			    ", " : "", b->depts[i].name);
			n++;
		}
	return n;
}

/* [gsm NAME] sections changed, removed or added. */
static int
conf_diff_gsm(const struct conf *a, const struct conf *b, struct strbuf *out)
{
	const struct conf_gsm *gb;
	char what[96];
	size_t i, j;
	int n = 0;

	for (i = 0; i < a->ngsm; i++) {
		snprintf(what, sizeof what, "[gsm %s]", a->gsm[i].name);
		for (j = 0, gb = NULL; j < b->ngsm && gb == NULL; j++)
			if (strcmp(b->gsm[j].name, a->gsm[i].name) == 0)
				gb = &b->gsm[j];
		if (gb == NULL) {
			sb_addf(out, "%s%s removed", out->len ? ", " : "",
			    what);
			n++;
		} else
			n += conf_diff_section(CS_GSM, what, &a->gsm[i], gb,
			    out);
	}
	for (i = 0; i < b->ngsm; i++) {
		for (j = 0; j < a->ngsm; j++)
			if (strcmp(a->gsm[j].name, b->gsm[i].name) == 0)
				break;
		if (j == a->ngsm) {
			sb_addf(out, "%s[gsm %s] added", out->len ? ", " : "",
			    b->gsm[i].name);
			n++;
		}
	}
	return n;
}

/* [sms-gateway NAME] sections changed, removed or added. */
static int
conf_diff_smsgw(const struct conf *a, const struct conf *b,
    struct strbuf *out)
{
	char what[96];
	size_t i, j;
	int n = 0;

	for (i = 0; i < a->nsmsgw; i++) {
		snprintf(what, sizeof what, "[sms-gateway %s]",
		    a->smsgw[i].name);
		for (j = 0; j < b->nsmsgw; j++)
			if (strcmp(a->smsgw[i].name, b->smsgw[j].name) == 0)
				break;
		if (j == b->nsmsgw) {
			sb_addf(out, "%s%s removed", out->len ? ", " : "",
			    what);
			n++;
		} else
			n += conf_diff_section(CS_SMSGW, what, &a->smsgw[i],
			    &b->smsgw[j], out);
	}
	for (i = 0; i < b->nsmsgw; i++) {
		for (j = 0; j < a->nsmsgw; j++)
			if (strcmp(a->smsgw[j].name, b->smsgw[i].name) == 0)
				break;
		if (j == a->nsmsgw) {
			sb_addf(out, "%s[sms-gateway %s] added", out->len ?
			    ", " : "", b->smsgw[i].name);
			n++;
		}
	}
	return n;
}

int
conf_diff(const struct conf *a, const struct conf *b, struct strbuf *out)
{
	const struct conf_datasource *da, *db;
	const struct conf_line *la, *lb;
	char what[96];
	size_t i, j;
	int n = 0;

	n += conf_diff_section(CS_KEFU, "[kefu]", a, b, out);
	n += conf_diff_section(CS_STORE, "[store]", a, b, out);
	n += conf_diff_section(CS_EMAIL, "[email]", a, b, out);
	n += conf_diff_section(CS_SLIPS, "[slips]", a, b, out);
	n += conf_diff_section(CS_SMS, "[sms]", a, b, out);
	n += conf_diff_gsm(a, b, out);
	n += conf_diff_section(CS_SUPPRESS, "[suppress]", a, b, out);
	n += conf_diff_section(CS_CAMPAIGN, "[campaign]", a, b, out);
	n += conf_diff_section(CS_VISITS, "[visits]", a, b, out);
	n += conf_diff_smsgw(a, b, out);
	for (i = 0; i < a->nds; i++) {
		da = &a->ds[i];
		snprintf(what, sizeof what, "[datasource %s]", da->name);
		db = conf_datasource((struct conf *)b, da->name);
		if (db == NULL) {
			sb_addf(out, "%s%s removed", out->len ? ", " : "",
			    what);
			n++;
		} else
			n += conf_diff_section(CS_DATASOURCE, what, da, db,
			    out);
	}
	for (i = 0; i < b->nds; i++)
		if (conf_datasource((struct conf *)a, b->ds[i].name) == NULL) {
			sb_addf(out, "%s[datasource %s] added",
			    out->len ? ", " : "", b->ds[i].name);
			n++;
		}
	for (i = 0; i < a->nlines; i++) {
		la = &a->lines[i];
		snprintf(what, sizeof what, "[line %s]", la->name);
		for (j = 0, lb = NULL; j < b->nlines && lb == NULL; j++)
			if (strcmp(b->lines[j].name, la->name) == 0)
				lb = &b->lines[j];
		if (lb == NULL) {
			sb_addf(out, "%s%s removed", out->len ? ", " : "",
			    what);
			n++;
		} else
			n += conf_diff_section(CS_LINE, what, la, lb, out);
	}
	for (i = 0; i < b->nlines; i++) {
		for (j = 0; j < a->nlines; j++)
			if (strcmp(a->lines[j].name, b->lines[i].name) == 0)
				break;
		if (j == a->nlines) {
			sb_addf(out, "%s[line %s] added", out->len ? ", " : "",
			    b->lines[i].name);
			n++;
		}
	}
	return n + conf_diff_depts(a, b, out);
}

const char *
conf_default_path(void)
{
	const char *p = getenv("KEFU_CONF");

	return p != NULL && *p != '\0' ? p : KEFU_SYSCONFDIR "/kefu.conf";
}

void
conf_describe(FILE *fp)
{
	size_t i;
	int last = -1;

	for (i = 0; i < nitems(conf_keys); i++) {
		const struct conf_key *k = &conf_keys[i];

		if ((int)k->scope != last) {
			fprintf(fp, "%s[%s%s]\n", last == -1 ? "" : "\n",
			    conf_scope_names[k->scope],
			    k->scope >= CS_DATASOURCE ? " NAME" : "");
			last = (int)k->scope;
		}
		fprintf(fp, "%-16s %s%s%s%s\n", k->name, k->help,
		    k->def ? " (default " : "", k->def ? k->def : "",
		    k->def ? ")" : "");
		if (k->choices != NULL)
			fprintf(fp, "%-16s one of: %s\n", "", k->choices);
	}
}
