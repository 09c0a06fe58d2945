/*
 * cli: the `kefu` admin command, git-style.  Each command family lives in
 * its own cli/cmd-*.c and registers one row in cli_cmds[] (cli/cmds.c).
 * Commands reach a running kefud only through its control socket; they
 * may open the databases, mappings, flows and prompts directly.
 *
 * Exit status everywhere: 0 ok, 1 failure, 2 usage error.
 */
#ifndef KEFU_CLI_H
#define KEFU_CLI_H

#include "conf/conf.h"

#define CLI_OK    0
#define CLI_FAIL  1
#define CLI_USAGE 2

struct cli_cmd {
	const char *name;       /* first word: "map", "db", "say"... */
	int (*main)(int argc, char **argv); /* argv[0] is the command name */
	const char *summary;    /* one line for `kefu help` */
};

extern const struct cli_cmd cli_cmds[];
extern const size_t cli_ncmds;

/* Set by `kefu -c FILE`; NULL means conf_default_path(). */
extern const char *cli_conf_path;

/*
 * Load kefu.conf (once; later calls return the same struct).  On error
 * prints "kefu: file:line: reason" to stderr and returns NULL.
 */
struct conf *cli_conf(void);

/* The [store] datasource, open (cli-store.c). */
struct cli_store {
	struct conf *conf;              /* cli_conf()'s */
	struct conf_datasource *cfg;    /* [datasource NAME] of [store] */
	struct db_adapters *ads;        /* NULL when none could be loaded */
	struct db_source *src;
};

/*
 * Open kefu's own store for `kefu CMD`.  On error prints "kefu CMD: ..."
 * to stderr and returns -1 with nothing left open; cli_store_close()
 * closes what succeeded.
 */
int cli_store_open(const char *cmd, struct cli_store *x);
void cli_store_close(struct cli_store *x);

/* 1 when argv[1] is --help or -h (print usage and return CLI_OK). */
int cli_wants_help(int argc, char **argv);

/*
 * cli-pin.c: read a PIN for `kefu CMD` into pin -- typed twice without
 * echo on the terminal when standard input is one, else one line of
 * standard input.  -1 after "kefu CMD: ..." on stderr.
 */
#define CLI_PIN_BUF 64
int cli_pin_read(const char *cmd, char pin[CLI_PIN_BUF]);

/* The command table entries implemented by each cmd-*.c file. */
int cmd_conf_main(int argc, char **argv);     /* cmd-conf.c */
int cmd_map_main(int argc, char **argv);      /* map list|check|test */
int cmd_db_main(int argc, char **argv);       /* db init|upgrade|status */
int cmd_catalog_main(int argc, char **argv);  /* the built-in catalog */
/* cmd-catalog.c, for cmd-special.c too: the catalog opened to write. */
int cmd_catalog_open(const char *name, struct db_source **src,
    char **where);
int cmd_special_main(int argc, char **argv);  /* cmd-special.c */
int cmd_member_main(int argc, char **argv);   /* cmd-member.c: members */
int cmd_outbox_main(int argc, char **argv);   /* outbox list|show|...|send */
int cmd_order_main(int argc, char **argv);    /* cmd-order.c: phone orders */
int cmd_courier_main(int argc, char **argv);  /* cmd-courier.c: couriers */
int cmd_modem_main(int argc, char **argv);    /* modem list|probe */
int cmd_sms_main(int argc, char **argv);      /* cmd-sms.c: sms send|inbox */
int cmd_optout_main(int argc, char **argv);   /* optout list|add */
/* cmd-sms.c, for cmd-optout.c too: "kefu CMD: cause" (freed), CLI_FAIL;
 * a --limit value from 1 to 100000, -1 when it is not one. */
int cmd_sms_fail(const char *cmd, char *cause);
int cmd_sms_limit(const char *arg, size_t *limit);
int cmd_prompts_main(int argc, char **argv);  /* prompts check|list */
int cmd_say_main(int argc, char **argv);      /* cmd-say.c: say TYPE VALUE */
int cmd_flow_main(int argc, char **argv);
int cmd_call_main(int argc, char **argv);      /* cmd-call.c: a scripted call */
int cmd_status_main(int argc, char **argv);   /* the status of kefud */
int cmd_reload_main(int argc, char **argv);   /* cmd-status.c: reload kefud */
int cmd_case_main(int argc, char **argv);     /* cmd-case.c: cases */
int cmd_slip_main(int argc, char **argv);     /* cmd-slip.c: slip print */
int cmd_campaign_main(int argc, char **argv); /* cmd-campaign.c: campaigns */
int cmd_staff_main(int argc, char **argv);    /* cmd-staff.c: staff */
int cmd_visit_main(int argc, char **argv);    /* cmd-visit.c: visits */
int cmd_notice_main(int argc, char **argv);   /* cmd-notice.c: notices */

#endif
