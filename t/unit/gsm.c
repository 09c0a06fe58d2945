/*
 * gsm.c: sending SMS through kefu's AT engine (msg/gsm.c on line/at.c)
 * to the GSM simulator: the SIM PIN (and that it is never logged), PDU
 * mode, a two-part Chinese message with a status report request under
 * AT+CMMS=2 and what the modem got, an unsolicited +CMTI and a +CDS with
 * its PDU line in the middle of AT+CMGS, +CMS ERROR codes reaching the
 * caller, a modem that never shows the "> " prompt.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "port/port.h"
#include "line/at.h"
#include "msg/sms.h"
#include "../sim/gsmsim.h"
#include "../tap.h"

static char urcs[1024];

static void
unsol(void *arg, enum at_res r, const char *line)
{
	(void)arg;
	(void)r;
	strncat(urcs, line, sizeof urcs - strlen(urcs) - 2);
	strcat(urcs, "|");
}

static char *
repeat(const char *s, unsigned n)
{
	struct strbuf sb = STRBUF_INIT;

	while (n-- > 0)
		sb_adds(&sb, s);
	return sb_steal(&sb);
}

int
main(void)
{
	struct gsim_opts go = { .pin = "2468" };
	struct port_conf pc = { 115200, PORT_FLOW_NONE };
	struct sms_submit_opts o = { .to = "+8613912345678", .srr = 1,
	    .vp_minutes = 1440, .ref = 9 };
	struct strbuf logs = STRBUF_INIT;
	const struct sms_msg *mp[2];
	struct gsim_sent s[2];
	struct gsim *sim;
	struct port *port;
	struct at at;
	char *cause = NULL, *text, *joined = NULL, *tr;
	int mrs[4] = { -1, -1, -1, -1 }, rc;
	size_t nsent = 0;

	if (gsim_start(&go, &sim, &cause) == -1 ||
	    port_open(gsim_path(sim), &pc, &port, &cause) == -1)
		tap_bail(cause);
	at_init(&at, port, "gsm0");
	at.unsol = unsol;
	log_set_level(KLOG_DEBUG);
	log_capture(&logs);

	rc = gsm_setup(&at, "2468", &cause);
	ok(rc == 0, "setup with the SIM PIN: %s", rc == 0 ? "ok" : cause);
	ok(strstr(sb_str(&logs), "2468") == NULL &&
	    strstr(sb_str(&logs), "PIN not logged") != NULL,
	    "the PIN is not in the debug log");
	tr = gsim_transcript(sim);
	like(tr, "AT+CMGF=0\n", "PDU mode set");
	free(tr);

	/* 80 Chinese characters: 2 UCS2 parts */
	text = repeat("本周特价鸡蛋九块九", 9);
	gsim_status_reports(sim, 1, 0);
	gsim_urc_next(sim, "+CMTI: \"SM\",3");
	rc = gsm_send(&at, text, &o, mrs, 4, &nsent, &cause);
	ok(rc == 0 && nsent == 2, "2 parts sent: %s",
	    rc == 0 ? "ok" : cause);
	ok(mrs[0] == 1 && mrs[1] == 2, "TP-MRs from +CMGS: %d %d", mrs[0],
	    mrs[1]);
	tr = gsim_transcript(sim);
	like(tr, "AT+CMMS=2\n", "AT+CMMS=2 keeps the link for the burst");
	free(tr);
	like(urcs, "+CMTI: \"SM\",3|", "+CMTI mid-command passed aside");
	like(urcs, "+CDS: ", "+CDS passed aside");
	ok(strstr(urcs, "+CDS: 2") != NULL && strchr(urcs, '\n') != NULL,
	    "+CDS reaches the handler with its PDU line");
	ok(gsim_sent_get(sim, 0, &s[0]) == 0 &&
	    gsim_sent_get(sim, 1, &s[1]) == 0, "the modem recorded 2 PDUs");
	ok(s[0].msg.concat && s[0].msg.total == 2 && s[0].msg.ref == 9 &&
	    s[0].msg.srr && s[0].msg.vp_minutes == 1440 &&
	    strcmp(s[0].msg.addr, "+8613912345678") == 0,
	    "part 1: header ref 9 of 2, SRR, VP 24 h, the number");
	mp[0] = &s[0].msg;
	mp[1] = &s[1].msg;
	ok(sms_join(mp, 2, &joined, &cause) == 0 &&
	    strcmp(joined, text) == 0, "what the modem got joins to the text");
	free(joined);
	gsim_sent_free(&s[0]);
	gsim_sent_free(&s[1]);

	/* +CMS ERROR on the second part */
	urcs[0] = '\0';
	gsim_fail_sends(sim, 0, 0);
	o.srr = 0;
	gsim_fail_sends(sim, 1, 332);
	free(cause);
	cause = NULL;
	rc = gsm_send(&at, "短信", &o, mrs, 4, &nsent, &cause);
	ok(rc == -1 && nsent == 0 && cause != NULL &&
	    strstr(cause, "+CMS ERROR: 332") != NULL &&
	    strstr(cause, "part 1 of 1") != NULL,
	    "+CMS ERROR: 332 reaches the caller: %s", cause ? cause : "-");
	free(cause);
	cause = NULL;
	rc = gsm_send(&at, "短信", &o, mrs, 4, &nsent, &cause);
	ok(rc == 0 && nsent == 1 && mrs[0] == 3,
	    "the engine is in step again: MR %d", mrs[0]);

	/* a modem that never prompts */
	gsim_set_dead(sim, 1);
	free(cause);
	cause = NULL;
	rc = gsm_send(&at, "hi", &o, mrs, 4, &nsent, &cause);
	ok(rc == -1 && cause != NULL && strstr(cause, "prompt") != NULL,
	    "no prompt: %s", cause ? cause : "-");
	free(cause);

	log_capture(NULL);
	sb_free(&logs);
	free(text);
	port_close(port);
	gsim_stop(sim);
	return tap_done();
}
