/*
 * cmds.c: the table of `kefu` command families.  One row per family; the
 * family's own file parses its subcommands and options.
 */
#include "config.h"

#include "cli/cli.h"
#include "util/util.h"

const struct cli_cmd cli_cmds[] = {
	{ "conf", cmd_conf_main, "check or show kefu.conf" },
	{ "call", cmd_call_main,
	    "place a scripted call through the real flows and databases" },
	{ "status", cmd_status_main,
	    "show the lines, databases and calls of kefud" },
	{ "reload", cmd_reload_main,
	    "make kefud reload flows, mappings and prompts" },
	{ "map", cmd_map_main, "list, check and test mappings" },
	{ "db", cmd_db_main, "create and upgrade the local store" },
	{ "outbox", cmd_outbox_main,
	    "list, retry, cancel and send outgoing messages" },
	{ "catalog", cmd_catalog_main, "the built-in product catalog" },
	{ "member", cmd_member_main,
	    "register, change, list, import and export members" },
	{ "modem", cmd_modem_main, "list and probe voice modems" },
	{ "prompts", cmd_prompts_main,
	    "list, check, build and render prompts" },
	{ "say", cmd_say_main, "show how a number, price or date is spoken" },
	{ "flow", cmd_flow_main, "check flows and draw them" },
	{ "case", cmd_case_main, "complaints, suggestions and after-sales: "
	    "list, play, answer, close" },
	{ "slip", cmd_slip_main,
	    "print delivery slips of orders or of a slot" },
	{ "sms", cmd_sms_main, "queue an SMS, read the inbound ones" },
	{ "optout", cmd_optout_main, "the SMS opt-out list" },
	{ "campaign", cmd_campaign_main,
	    "SMS and e-mail specials to a segment of members" },
	{ "order", cmd_order_main,
	    "list, show, cancel, deliver and reassign phone orders" },
	{ "courier", cmd_courier_main,
	    "add, list and change the couriers of phone orders" },
	{ "special", cmd_special_main, "today's specials in the catalog" },
	{ "staff", cmd_staff_main, "the staff who phone in and their PINs" },
	{ "visit", cmd_visit_main,
	    "after-sales home visits: book, move, cancel" },
	{ "notice", cmd_notice_main, "the store's notices callers hear" },
};

const size_t cli_ncmds = nitems(cli_cmds);
