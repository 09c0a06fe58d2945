/*
 * gsm.c: SMS through a GSM modem in 3GPP TS 27.005 PDU mode, on the one
 * AT engine kefu has (line/at.h: send, prompt, final result, unsolicited
 * lines aside), and the outbox transport built on it (msg_gsm_ops): one
 * worker thread per [gsm NAME] modem, each part stored "submitting"
 * before its AT+CMGS and "submitted" with its TP-MR, a +CMS ERROR policy
 * per code, status reports (+CDS, +CDSI) and inbound messages (+CMTI,
 * AT+CMGR, AT+CMGL at start, AT+CMGD once stored) handed to the store,
 * and a vanished modem reopened with back-off.  The PDUs come from sms.c.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "line/at.h"
#include "msg/msg.h"
#include "msg/sms.h"
#include "store/store.h"
#include "util/util.h"

#define GSM_CMD_MS     5000     /* an ordinary command */
#define GSM_PROMPT_MS  5000     /* AT+CMGS=<n> to "> " */
#define GSM_SUBMIT_MS  60000    /* Ctrl-Z to +CMGS: the network's pace */

int
gsm_setup(struct at *at, const char *pin, char **cause)
{
	struct strbuf info = STRBUF_INIT;
	enum at_res r;
	char *cmd;
	int rc;

	if (at_ok(at, "ATE0", GSM_CMD_MS, cause) == -1 ||
	    at_ok(at, "AT+CMEE=1", GSM_CMD_MS, cause) == -1 ||
	    at_cmd(at, "AT+CPIN?", GSM_CMD_MS, &info, &r, cause) == -1) {
		sb_free(&info);
		return -1;
	}
	if (strstr(sb_str(&info), "SIM PIN") != NULL) {
		if (pin == NULL || *pin == '\0') {
			sb_free(&info);
			return kf_error(cause, "%s: the SIM wants a PIN and "
			    "none is configured", at->tag);
		}
		cmd = xasprintf("AT+CPIN=\"%s\"", pin);
		rc = at_cmd(at, cmd, GSM_CMD_MS, NULL, &r, cause);
		free(cmd);
		if (rc == -1 || r != AT_R_OK) {
			sb_free(&info);
			return rc == -1 ? -1 : kf_error(cause, "%s: the SIM "
			    "refused the PIN (%s); check it before the SIM "
			    "locks", at->tag, at->final);
		}
	} else if (strstr(sb_str(&info), "READY") == NULL) {
		rc = kf_error(cause, "%s: the SIM is not ready (%s)", at->tag,
		    info.len > 0 ? sb_str(&info) : at->final);
		sb_free(&info);
		return rc;
	}
	sb_free(&info);
	return at_ok(at, "AT+CMGF=0", GSM_CMD_MS, cause);
}

/*
 * One part: prompt, PDU, Ctrl-Z, +CMGS: <mr>.  The MR; -1 when the modem
 * refused it or nothing was written; -2 when the PDU was written and no
 * answer came (it may have gone).
 */
static int
gsm_part(struct at *at, const struct sms_pdu *p, char **cause)
{
	struct strbuf info = STRBUF_INIT;
	char cmd[32], *why = NULL;
	const char *mr;
	enum at_res r;
	int v;

	snprintf(cmd, sizeof cmd, "AT+CMGS=%u", p->tpdu_len);
	if (at_prompt(at, cmd, GSM_PROMPT_MS, &r, cause) == -1)
		return -1;
	log_debug("%s: >> %s^Z", at->tag, p->hex);
	if (port_puts(at->port, p->hex, 2000, &why) == -1 ||
	    port_puts(at->port, "\x1a", 2000, &why) == -1) {
		kf_error(cause, "%s: writing the PDU: %s", at->tag, why);
		free(why);
		return -1;
	}
	if (at_cmd(at, NULL, GSM_SUBMIT_MS, &info, &r, cause) == -1) {
		sb_free(&info);
		return -2;
	}
	if (r != AT_R_OK) {
		sb_free(&info);
		return kf_error(cause, "%s", at->final);
	}
	mr = strstr(sb_str(&info), "+CMGS:");
	if (mr == NULL || sscanf(mr + 6, "%d", &v) != 1 || v < 0 || v > 255) {
		kf_error(cause, "OK without a +CMGS: <mr> line");
		sb_free(&info);
		return -1;
	}
	sb_free(&info);
	return v;
}

int
gsm_send(struct at *at, const char *text, const struct sms_submit_opts *o,
    int *mrs, size_t max, size_t *nsent, char **cause)
{
	struct sms_pdu *p;
	char *why = NULL;
	size_t n, i;
	int mr, rc = 0;

	*nsent = 0;
	if (sms_encode_submit(text, o, &p, &n, cause) == -1)
		return -1;
	if (n > 1 && at_ok(at, "AT+CMMS=2", GSM_CMD_MS, cause) == -1) {
		sms_pdus_free(p, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((mr = gsm_part(at, &p[i], &why)) < 0) {
			rc = kf_error(cause, "%s: part %zu of %zu to %s: %s",
			    at->tag, i + 1, n, o->to, why);
			free(why);
			break;
		}
		if (i < max)
			mrs[i] = mr;
		(*nsent)++;
	}
	sms_pdus_free(p, n);
	return rc;
}

/* ---------------------------------------------------------------- */
/* the +CMS ERROR policy */

/*
 * What to do when the modem refuses a part with +CMS ERROR <code>
 * (27.005 3.2.5; 1-127 are the network's RP causes of 24.011, 128-255
 * TP causes of 23.040).  RETRY: the message waits its back-off and goes
 * again; BACKOFF: the modem or its network is in trouble -- the message
 * waits and the modem rests (closed, reopened after [sms] pause, doubled
 * each time), other modems keep sending; GIVEUP: the message failed for
 * good.  A code not in the table is retried.
 */
static const struct gsm_cms {
	int lo, hi;
	enum gsm_policy policy;
	const char *what;
} gsm_cms_table[] = {
	{ 1, 1, GSM_GIVEUP, "unassigned number" },
	{ 8, 8, GSM_GIVEUP, "operator determined barring" },
	{ 10, 10, GSM_GIVEUP, "call barred" },
	{ 21, 21, GSM_GIVEUP, "short message transfer rejected" },
	{ 22, 22, GSM_RETRY, "recipient's memory full" },
	{ 27, 27, GSM_RETRY, "destination out of service" },
	{ 28, 30, GSM_GIVEUP, "unknown or unidentified subscriber" },
	{ 38, 38, GSM_BACKOFF, "network out of order" },
	{ 41, 41, GSM_RETRY, "temporary failure" },
	{ 42, 42, GSM_BACKOFF, "congestion" },
	{ 47, 47, GSM_BACKOFF, "resources unavailable" },
	{ 50, 50, GSM_GIVEUP, "facility not subscribed" },
	{ 69, 69, GSM_GIVEUP, "facility not implemented" },
	{ 81, 81, GSM_RETRY, "invalid short message reference" },
	{ 95, 127, GSM_GIVEUP, "invalid message or protocol error" },
	{ 128, 255, GSM_GIVEUP, "the network refused the message itself" },
	{ 300, 301, GSM_BACKOFF, "modem failure or SMS service reserved" },
	{ 302, 302, GSM_RETRY, "operation not allowed now" },
	{ 303, 303, GSM_GIVEUP, "operation not supported" },
	{ 304, 305, GSM_GIVEUP, "invalid PDU parameter" },
	{ 310, 313, GSM_BACKOFF, "SIM missing, locked or failed" },
	{ 314, 314, GSM_RETRY, "SIM busy" },
	{ 315, 318, GSM_BACKOFF, "SIM wrong or PUK needed" },
	{ 320, 322, GSM_RETRY, "modem memory failure or full" },
	{ 330, 331, GSM_BACKOFF, "no service centre or no network" },
	{ 332, 332, GSM_RETRY, "network timeout" },
	{ 340, 340, GSM_RETRY, "unexpected acknowledgement" },
	{ 500, 500, GSM_RETRY, "unknown error" },
};

static const char *const gsm_policy_names[] = {
	[GSM_RETRY] = "retry later",
	[GSM_BACKOFF] = "rest the modem",
	[GSM_GIVEUP] = "give up",
};

enum gsm_policy
gsm_cms_policy(int code, const char **what)
{
	size_t i;

	for (i = 0; i < nitems(gsm_cms_table); i++)
		if (code >= gsm_cms_table[i].lo &&
		    code <= gsm_cms_table[i].hi) {
			if (what != NULL)
				*what = gsm_cms_table[i].what;
			return gsm_cms_table[i].policy;
		}
	if (what != NULL)
		*what = "not in kefu's table";
	return GSM_RETRY;
}

const char *
gsm_policy_name(enum gsm_policy p)
{
	return (size_t)p < nitems(gsm_policy_names) ? gsm_policy_names[p] :
	    "?";
}

/* ---------------------------------------------------------------- */
/* the transport: one modem, one worker thread */

/* A part of a concatenated inbound message waiting for the others. */
struct gsm_pend {
	int index;              /* its slot in the SIM store; 0: +CMT */
	struct sms_msg msg;
};

struct gsm_modem {
	const struct conf *conf;
	const struct conf_gsm *cg;
	struct db_source *src;
	char tag[80];           /* "gsm gsm0", for logs */
	struct port *port;      /* NULL while down */
	struct at at;
	uint64_t rest_until;    /* down: reopen from then on */
	unsigned rest_ms;       /* the next rest (doubles) */
	uint64_t last_send;     /* for [gsm] interval */
	char **urc;             /* unsolicited lines heard, to handle */
	size_t nurc;
	struct gsm_pend *pend;  /* inbound parts waiting */
	size_t npend;
	int cnma;               /* AT+CSMS service 1 (phase 2+): each +CMT
				   and +CDS is acknowledged with AT+CNMA */
};

static void
gsm_unsol(void *arg, enum at_res r, const char *line)
{
	struct gsm_modem *g = arg;

	(void)r;
	if (g->nurc >= 256)
		return;         /* a flood: +CMGL at the next open finds them */
	g->urc = xreallocarray(g->urc, g->nurc + 1, sizeof *g->urc);
	g->urc[g->nurc++] = xstrdup(line);
}

/* Close the modem and rest: reopened by gsm_ready after the pause. */
static void
gsm_down(struct gsm_modem *g, const char *why)
{
	unsigned max = (unsigned)g->conf->sms_pause_max_ms;

	if (g->port != NULL) {
		port_close(g->port);
		g->port = NULL;
	}
	g->rest_until = now_ms() + g->rest_ms;
	log_warnx("%s: %s; the modem rests %u s, then is opened again (other "
	    "modems go on sending)", g->tag, why, (g->rest_ms + 999) / 1000);
	if (g->rest_ms < max)
		g->rest_ms = g->rest_ms * 2 > max ? max : g->rest_ms * 2;
}

/* A command whose failure only costs a warning. */
static void
gsm_try(struct gsm_modem *g, const char *cmd)
{
	char *cause = NULL;

	if (at_ok(&g->at, cmd, GSM_CMD_MS, &cause) == -1) {
		log_warnx("%s", cause);
		free(cause);
	}
}

/* The extra [gsm] init commands, ';'-separated. */
static void
gsm_init_cmds(struct gsm_modem *g)
{
	char *copy, *p, *semi;

	if (g->cg->init == NULL)
		return;
	copy = xstrdup(g->cg->init);
	for (p = copy; p != NULL; p = semi) {
		if ((semi = strchr(p, ';')) != NULL)
			*semi++ = '\0';
		p = str_trim(p);
		if (*p != '\0')
			gsm_try(g, p);
	}
	free(copy);
}

static void gsm_stored(struct gsm_modem *g, const char *info);

/*
 * Whether the modem is in phase 2+ (AT+CSMS? service 1, set by init =
 * or by its maker): then a +CMT or +CDS routed to kefu must be
 * acknowledged with AT+CNMA, or the network is told delivery failed,
 * sends it again and the modem stops routing (27.005 3.4.4).  A modem
 * without AT+CSMS is phase 2: it acknowledges by itself.
 */
static void
gsm_csms(struct gsm_modem *g)
{
	struct strbuf info = STRBUF_INIT;
	char *cause = NULL;
	const char *p;
	enum at_res r;
	int v;

	g->cnma = 0;
	if (at_cmd(&g->at, "AT+CSMS?", GSM_CMD_MS, &info, &r, &cause) == -1) {
		log_warnx("%s", cause);
		free(cause);
	} else if (r == AT_R_OK &&
	    (p = strstr(sb_str(&info), "+CSMS:")) != NULL &&
	    sscanf(p + 6, "%d", &v) == 1 && v == 1)
		g->cnma = 1;
	if (g->cnma)
		log_info("%s: phase 2+ (AT+CSMS=1): inbound messages and "
		    "reports routed to kefu are acknowledged with AT+CNMA",
		    g->tag);
	sb_free(&info);
}

/*
 * Drop what a modem (re)opened still has to say to an earlier session --
 * a reply left unread when it vanished would put every later command
 * one answer behind.  An earlier kefud killed between AT+CMGS=<n> and
 * the PDU's Ctrl-Z left the modem at its "> " prompt, taking every later
 * command for PDU digits: ESC cancels that PDU (27.005 3.5.1), and CR
 * ends a command line cut off half-way.
 */
static void
gsm_drain(struct gsm_modem *g)
{
	char line[AT_LINE_MAX], *cause = NULL;
	enum at_res r;
	int i;

	if (port_puts(g->port, "\x1b\r", 1000, &cause) == -1) {
		log_debug("%s: %s", g->tag, cause);
		free(cause);
		cause = NULL;
	}
	port_flush(g->port, 0, 1);
	for (i = 0; i < 64 && at_line(&g->at, 150, &r, line, sizeof line,
	    &cause) == 1; i++)
		log_debug("%s: dropped \"%s\" left from before", g->tag, line);
	free(cause);
	at_discard(&g->at);
	g->at.junk = 0;
}

/* Open the port and set the modem up; read what the SIM kept. */
static int
gsm_up(struct gsm_modem *g)
{
	struct port_conf pc = { g->cg->speed, PORT_FLOW_RTSCTS };
	struct strbuf info = STRBUF_INIT;
	char *cause = NULL, *cmd;
	enum at_res r;

	port_flow_parse(g->cg->flow_control, &pc.flow);
	if (port_open(g->cg->device, &pc, &g->port, &cause) == 0) {
		at_init(&g->at, g->port, g->tag);
		g->at.unsol = gsm_unsol;
		g->at.arg = g;
		gsm_drain(g);
		if (gsm_setup(&g->at, g->cg->pin, &cause) == 0) {
			gsm_init_cmds(g);
			cmd = xasprintf("AT+CNMI=%s", g->cg->cnmi);
			gsm_try(g, cmd);
			free(cmd);
			gsm_csms(g);
			/* what arrived while kefu was away */
			if (at_cmd(&g->at, "AT+CMGL=4", GSM_CMD_MS, &info, &r,
			    &cause) == 0) {
				log_info("%s: ready on %s", g->tag,
				    g->cg->device);
				g->rest_ms = (unsigned)g->conf->sms_pause_ms;
				if (r == AT_R_OK)
					gsm_stored(g, sb_str(&info));
				sb_free(&info);
				return 0;
			}
			sb_free(&info);
		}
	}
	gsm_down(g, cause);
	if (cause != NULL && strstr(cause, "refused the PIN") != NULL) {
		/* a second wrong PIN brings the SIM closer to its PUK */
		g->rest_until = UINT64_MAX;
		log_error("%s: not opened again until kefud restarts: correct "
		    "pin = in [gsm %s]", g->tag, g->cg->name);
	}
	free(cause);
	return -1;
}

/* The local store's time, now. */
static void
gsm_now(char now[20])
{
	msg_time(now, 0);
}

/* A status report: the part it names delivered or failed.  -1: not
 * stored. */
static int
gsm_report(struct gsm_modem *g, const struct sms_msg *m)
{
	struct store_sms_report rep;
	char now[20], *cause = NULL;

	gsm_now(now);
	if (store_sms_report(g->src, g->cg->name, m->mr, m->addr, m->status,
	    m->scts[0] != '\0' ? m->scts : NULL, now, &rep, &cause) == -1) {
		log_warnx("%s: status report for TP-MR %d not stored: %s",
		    g->tag, m->mr, cause);
		free(cause);
		return -1;
	}
	if (rep.outbox_id == 0)
		log_info("%s: a status report for TP-MR %d to %s matches no "
		    "part sent (TP-ST 0x%02x)", g->tag, m->mr, m->addr,
		    (unsigned)m->status);
	else
		log_info("%s: message %lld part %d to %s: %s "
		    "(TP-ST 0x%02x)%s%s", g->tag, (long long)rep.outbox_id,
		    rep.seq, m->addr, rep.part_status, (unsigned)m->status,
		    rep.msg_status ? "; the message is " : "",
		    rep.msg_status ? rep.msg_status : "");
	return 0;
}

/*
 * An inbound text that answers a case's SMS reply: a step of that case
 * ([campaign] conversation); -1 (logged) to read it again later.
 */
static int
gsm_case(struct gsm_modem *g, int64_t id, const char *from,
    const char *text, const char *now)
{
	struct store_case_sms m = { id, from, text, now };
	char no[CASE_NO_LEN + 1], *cause = NULL;
	int added;

	if (store_case_sms_in(g->src, &m, g->conf->conversation_ms / 1000, no,
	    &added, &cause) == -1) {
		log_warnx("%s: the answer of %s to a case was not recorded: "
		    "%s", g->tag, from, cause);
		free(cause);
		return -1;
	}
	if (added)
		log_info("%s: inbound message %lld from %s kept with case %s",
		    g->tag, (long long)id, from, no);
	return 0;
}

/*
 * A whole inbound text: stored, then an opt-out acted on and an answer
 * to a case kept with it.  0 stored.
 */
static int
gsm_text(struct gsm_modem *g, const char *from, const char *text,
    int parts, const char *scts)
{
	struct store_sms_in in = { g->cg->name, from, text, parts, scts };
	char now[20], *cause = NULL;
	const char *word;
	int64_t id;
	int dup;

	gsm_now(now);
	if (store_sms_inbox_add(g->src, &in, now, &id, &dup, &cause) == -1) {
		log_warnx("%s: inbound message from %s not stored, left on the "
		    "SIM: %s", g->tag, from, cause);
		free(cause);
		return -1;
	}
	if (!dup)
		log_info("%s: inbound message %lld from %s (%d part%s)",
		    g->tag, (long long)id, from, parts, parts == 1 ? "" : "s");
	/* read again (a crash, or the store failed before): an opt-out
	 * not yet acted on is acted on now, one acted on is not again */
	if ((word = optout_word(text)) != NULL &&
	    optout_inbound(g->src, g->conf, id, from, word, &cause) == -1) {
		log_warnx("%s: the opt-out of %s by SMS was not recorded: %s",
		    g->tag, from, cause);
		free(cause);
		return -1;
	}
	return gsm_case(g, id, from, text, now);
}

static void
gsm_delete(struct gsm_modem *g, int index)
{
	char cmd[32];

	if (index <= 0)
		return;
	snprintf(cmd, sizeof cmd, "AT+CMGD=%d", index);
	gsm_try(g, cmd);
}

/* All parts of the message p belongs to, when they are here: joined. */
static void
gsm_join(struct gsm_modem *g, const struct sms_msg *p)
{
	const struct sms_msg **parts;
	char *text = NULL, *cause = NULL;
	size_t i, j, n = 0;

	parts = xcalloc(g->npend, sizeof *parts);
	for (i = 0; i < g->npend; i++)
		if (g->pend[i].msg.ref == p->ref &&
		    g->pend[i].msg.total == p->total &&
		    strcmp(g->pend[i].msg.addr, p->addr) == 0)
			parts[n++] = &g->pend[i].msg;
	if (n < p->total) {
		free(parts);
		return;
	}
	if (sms_join(parts, n, &text, &cause) == -1) {
		log_warnx("%s: parts from %s do not join: %s", g->tag, p->addr,
		    cause);
		free(cause);
		free(parts);
		return;
	}
	free(parts);
	if (gsm_text(g, p->addr, text, (int)p->total, p->scts) == -1) {
		free(text);
		return;
	}
	free(text);
	for (i = 0, j = 0; i < g->npend; i++) {
		if (g->pend[i].msg.ref == p->ref &&
		    g->pend[i].msg.total == p->total &&
		    strcmp(g->pend[i].msg.addr, p->addr) == 0) {
			gsm_delete(g, g->pend[i].index);
			sms_msg_free(&g->pend[i].msg);
		} else
			g->pend[j++] = g->pend[i];
	}
	g->npend = j;
}

/* Whether pending part i belongs to the message of p. */
static int
gsm_same(const struct gsm_pend *i, const struct sms_msg *p)
{
	return i->msg.ref == p->ref && i->msg.total == p->total &&
	    strcmp(i->msg.addr, p->addr) == 0;
}

/*
 * A part came with the reference, number and sender of a message still
 * waiting for parts, but with other text: the sender's 8-bit reference
 * came round and this is a new message; the waiting one lost a part on
 * the way and never completes.  It is stored as far as it came (a
 * missing part reads "..."), so that neither is lost or mixed.
 */
static void
gsm_stale(struct gsm_modem *g, size_t at)
{
	struct sms_msg key = g->pend[at].msg;
	struct strbuf sb = STRBUF_INIT;
	unsigned seq, have = 0;
	size_t i, j;
	int stored;

	for (seq = 1; seq <= key.total; seq++) {
		for (i = 0; i < g->npend; i++)
			if (gsm_same(&g->pend[i], &key) &&
			    g->pend[i].msg.seq == seq)
				break;
		sb_adds(&sb, i < g->npend ? g->pend[i].msg.text : "...");
		have += i < g->npend;
	}
	log_warnx("%s: a message from %s (reference %u) lost %u of its %u "
	    "parts and a new one reuses its reference: stored incomplete",
	    g->tag, key.addr, key.ref, key.total - have, key.total);
	stored = gsm_text(g, key.addr, sb_str(&sb), (int)key.total,
	    key.scts) == 0;
	if (!stored)
		log_warnx("%s: left on the SIM for the next open", g->tag);
	sb_free(&sb);
	for (i = 0, j = 0; i < g->npend; i++) {
		if (gsm_same(&g->pend[i], &key)) {
			if (stored)
				gsm_delete(g, g->pend[i].index);
			sms_msg_free(&g->pend[i].msg);
		} else
			g->pend[j++] = g->pend[i];
	}
	g->npend = j;
}

/*
 * One PDU the modem gave (stored at index, or 0 for +CMT/+CDS).  -1 when
 * it could not be stored (to be offered again); a part kept in memory
 * until the others come counts as taken.
 */
static int
gsm_pdu(struct gsm_modem *g, int index, const char *hex)
{
	struct sms_msg m;
	char *cause = NULL;
	size_t i;
	int rc = 0;

	if (sms_decode(hex, 1, 0, &m, &cause) == -1) {
		log_warnx("%s: an unreadable PDU%s dropped: %s", g->tag,
		    index > 0 ? " in the SIM store" : "", cause);
		free(cause);
		gsm_delete(g, index);
		return 0;
	}
	if (m.type == SMS_STATUS) {
		rc = gsm_report(g, &m);
		gsm_delete(g, index);
	} else if (!m.concat || m.total <= 1) {
		if ((rc = gsm_text(g, m.addr, m.text, 1, m.scts)) == 0)
			gsm_delete(g, index);
	} else {
		for (i = 0; i < g->npend; i++)
			if (g->pend[i].msg.ref == m.ref &&
			    g->pend[i].msg.seq == m.seq &&
			    strcmp(g->pend[i].msg.addr, m.addr) == 0)
				break;
		if (i < g->npend && g->pend[i].msg.total == m.total &&
		    strcmp(g->pend[i].msg.text, m.text) == 0) {
			/* a part twice: the first is kept */
			if (index != g->pend[i].index)
				gsm_delete(g, index);
			sms_msg_free(&m);
			return 0;
		}
		if (i < g->npend)
			gsm_stale(g, i);
		if (g->npend >= 1024) {
			sms_msg_free(&m);       /* left on the SIM */
			return -1;
		}
		g->pend = xreallocarray(g->pend, g->npend + 1,
		    sizeof *g->pend);
		g->pend[g->npend].index = index;
		g->pend[g->npend++].msg = m;
		gsm_join(g, &m);
		return 0;
	}
	sms_msg_free(&m);
	return rc;
}

/* "+CMGR: ..." / "+CMGL: ..." information: each head line, then its PDU. */
static void
gsm_listed(struct gsm_modem *g, const char *info, const char *head,
    int index)
{
	char *copy = xstrdup(info), *line, *next, *pdu;
	int idx;

	for (line = copy; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, head, strlen(head)) != 0 || next == NULL)
			continue;
		pdu = next;
		if ((next = strchr(pdu, '\n')) != NULL)
			*next++ = '\0';
		idx = index;
		if (idx == 0 && sscanf(line + strlen(head), "%d", &idx) != 1)
			continue;
		if (*pdu == '\0' || strncmp(pdu, head, strlen(head)) == 0) {
			/* the PDU line was lost: keep the message on the SIM */
			log_warnx("%s: %s came without its PDU; "
			    "left on the SIM", g->tag, line);
			next = pdu;
			continue;
		}
		gsm_pdu(g, idx, pdu);
	}
	free(copy);
}

static void
gsm_stored(struct gsm_modem *g, const char *info)
{
	gsm_listed(g, info, "+CMGL:", 0);
}

/* +CMTI / +CDSI: read the slot named. */
static void
gsm_read(struct gsm_modem *g, const char *arg)
{
	struct strbuf info = STRBUF_INIT;
	char cmd[32], *cause = NULL;
	const char *comma = strrchr(arg, ',');
	enum at_res r;
	int index;

	if (comma == NULL || sscanf(comma + 1, "%d", &index) != 1 ||
	    index <= 0)
		return;
	snprintf(cmd, sizeof cmd, "AT+CMGR=%d", index);
	if (at_cmd(&g->at, cmd, GSM_CMD_MS, &info, &r, &cause) == -1) {
		log_warnx("%s", cause);
		free(cause);
	} else if (r == AT_R_OK)
		gsm_listed(g, sb_str(&info), "+CMGR:", index);
	sb_free(&info);
}

/* Handle the unsolicited lines heard so far (commands may add more). */
static void
gsm_urcs(struct gsm_modem *g)
{
	char *line, *nl;
	int rc;

	while (g->nurc > 0 && g->port != NULL) {
		line = g->urc[0];
		memmove(g->urc, g->urc + 1, --g->nurc * sizeof *g->urc);
		nl = strchr(line, '\n');
		if (strncmp(line, "+CMTI:", 6) == 0 ||
		    strncmp(line, "+CDSI:", 6) == 0)
			gsm_read(g, line + 6);
		else if (nl != NULL && (strncmp(line, "+CMT:", 5) == 0 ||
		    strncmp(line, "+CDS:", 5) == 0)) {
			rc = gsm_pdu(g, 0, nl + 1);
			/* phase 2+: taken (RP-ACK), or not stored: RP-ERROR,
			 * the network keeps it and offers it again */
			if (g->cnma && g->port != NULL)
				gsm_try(g, rc == 0 ? "AT+CNMA" : "AT+CNMA=2");
		}
		free(line);
	}
}

static int
gsm_open(const struct msg_env *env, void **state, char **cause)
{
	struct gsm_modem *g;
	size_t i;

	for (i = 0; i < env->cfg->ngsm; i++)
		if (env->instance != NULL &&
		    strcmp(env->cfg->gsm[i].name, env->instance) == 0)
			break;
	if (i == env->cfg->ngsm)
		return kf_error(cause, "%s: no [gsm %s] section",
		    env->cfg->path ? env->cfg->path : "kefu.conf",
		    env->instance ? env->instance : "NAME");
	g = xcalloc(1, sizeof *g);
	g->conf = env->cfg;
	g->cg = &env->cfg->gsm[i];
	g->src = env->src;
	g->rest_ms = (unsigned)env->cfg->sms_pause_ms;
	snprintf(g->tag, sizeof g->tag, "gsm %s", g->cg->name);
	gsm_up(g);      /* down: rests, and gsm_ready tries again */
	*state = g;
	return 0;
}

static int
gsm_ready(void *state)
{
	struct gsm_modem *g = state;

	if (g->port == NULL && now_ms() >= g->rest_until)
		gsm_up(g);
	/* what the modem said meanwhile, before the next claim: an opt-out
	 * counts for the very next message */
	gsm_urcs(g);
	return g->port != NULL;
}

static void
gsm_idle(void *state, unsigned ms)
{
	struct gsm_modem *g = state;
	char line[AT_LINE_MAX], *cause = NULL;
	enum at_res r;
	int got;

	if (g->port == NULL) {
		sleep_ms(ms);
		return;
	}
	got = at_line(&g->at, (int)ms, &r, line, sizeof line, &cause);
	if (got == -1) {
		gsm_down(g, cause);
		free(cause);
		return;
	}
	gsm_urcs(g);
}

/* Wait out [gsm] interval since the last message. */
static void
gsm_pace(struct gsm_modem *g)
{
	uint64_t now = now_ms(), gap = (uint64_t)g->cg->interval_ms;

	if (g->last_send != 0 && now - g->last_send < gap)
		sleep_ms((unsigned)(gap - (now - g->last_send)));
	g->last_send = now_ms();
}

/* 1 when part seq (1..) has a row from an earlier attempt. */
static int
gsm_part_again(const struct store_sms_part *done, size_t ndone, size_t seq)
{
	size_t i;

	for (i = 0; i < ndone; i++)
		if ((size_t)done[i].seq == seq)
			return 1;
	return 0;
}

/* 1 when part seq (1..) of the message went before. */
static int
gsm_part_done(const struct store_sms_part *done, size_t ndone, size_t seq,
    int *mr)
{
	size_t i;

	for (i = 0; i < ndone; i++)
		if ((size_t)done[i].seq == seq &&
		    (strcmp(done[i].status, "submitted") == 0 ||
		    strcmp(done[i].status, "delivered") == 0)) {
			*mr = done[i].mr;
			return 1;
		}
	return 0;
}

/* A part refused: the +CMS ERROR policy says what the message does. */
static void
gsm_refused(struct gsm_modem *g, const char *why, struct msg_result *r)
{
	enum gsm_policy pol = GSM_RETRY;
	const char *what = "no +CMS ERROR code";
	int code;
	const char *cms = strstr(why, "+CMS ERROR:");

	if (cms != NULL && sscanf(cms, "+CMS ERROR: %d", &code) == 1)
		pol = gsm_cms_policy(code, &what);
	else if (strstr(why, "ERROR") == NULL) {
		/* no answer, no prompt, the device gone: the modem itself */
		what = "the modem does not answer";
		pol = GSM_BACKOFF;
	}
	snprintf(r->detail, sizeof r->detail, "%s (%s: %s)", why, what,
	    gsm_policy_name(pol));
	r->outcome = pol == GSM_GIVEUP ? MSG_PERMFAIL : MSG_TEMPFAIL;
	r->down = pol == GSM_BACKOFF;
	if (pol == GSM_BACKOFF)
		gsm_down(g, r->detail);
}

/* Each part not yet sent, stored before and after its AT+CMGS. */
static void
gsm_parts(struct gsm_modem *g, const struct store_msg *m,
    const struct sms_pdu *p, size_t n, struct msg_result *r)
{
	struct store_sms_part *done = NULL;
	struct strbuf ids = STRBUF_INIT;
	char now[20], *cause = NULL, *why = NULL;
	size_t ndone = 0, i;
	int mr, err = 0;

	if (store_sms_parts(g->src, m->id, &done, &ndone, &cause) == -1)
		err = 1;
	if (!err && n > 1 && ndone + 1 < n)
		gsm_try(g, "AT+CMMS=2"); /* keep the link for the burst */
	for (i = 0; i < n && !err; i++) {
		if (gsm_part_done(done, ndone, i + 1, &mr)) {
			sb_addf(&ids, "%s%d", ids.len ? "," : "", mr);
			continue;
		}
		gsm_now(now);
		if (store_sms_part_submitting(g->src, m->id, (int)i + 1, (int)n,
		    g->cg->name, m->recipient, now,
		    gsm_part_again(done, ndone, i + 1), &cause) == -1) {
			err = 1;
			break;
		}
		if ((mr = gsm_part(&g->at, &p[i], &why)) < 0) {
			store_sms_part_refused(g->src, m->id, (int)i + 1, why,
			    NULL);
			cause = xasprintf("part %zu of %zu: %s", i + 1, n, why);
			free(why);
			gsm_refused(g, cause, r);
			if (mr == -2 && r->outcome == MSG_TEMPFAIL) {
				/* the PDU went out, the answer did not come */
				r->outcome = MSG_UNKNOWN;
				snprintf(r->detail, sizeof r->detail,
				    "unknown: %s", cause);
			}
			free(cause);
			free(done);
			sb_free(&ids);
			return;
		}
		gsm_now(now);
		if (store_sms_part_submitted(g->src, m->id, (int)i + 1, mr, now,
		    &cause) == -1)
			log_warnx("%s: message %lld part %zu went as TP-MR "
			    "%d but was not recorded: %s", g->tag,
			    (long long)m->id, i + 1, mr, cause);
		free(cause);
		cause = NULL;
		sb_addf(&ids, "%s%d", ids.len ? "," : "", mr);
	}
	free(done);
	if (err) {
		r->outcome = MSG_TEMPFAIL;
		snprintf(r->detail, sizeof r->detail, "%s", cause);
		free(cause);
	} else {
		r->outcome = MSG_SENT;
		snprintf(r->remote_id, sizeof r->remote_id, "TP-MR %s",
		    sb_str(&ids));
	}
	sb_free(&ids);
}

static int
gsm_send_msg(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	struct gsm_modem *g = state;
	struct sms_submit_opts o = { .to = m->recipient,
	    .srr = g->cg->status_reports,
	    .vp_minutes = (unsigned)(g->cg->validity_ms / 60000),
	    .ref = (unsigned)(m->id & 0xff), .smsc = g->cg->smsc };
	struct sms_pdu *p;
	char *cause = NULL;
	size_t n;

	(void)att;
	(void)natt;
	if (g->port == NULL) {
		r->outcome = MSG_TEMPFAIL;
		r->down = 1;
		snprintf(r->detail, sizeof r->detail, "%s is not open", g->tag);
		return 0;
	}
	if (sms_encode_submit(m->body, &o, &p, &n, &cause) == -1) {
		r->outcome = MSG_PERMFAIL;
		snprintf(r->detail, sizeof r->detail, "%s", cause);
		free(cause);
		return -1;
	}
	gsm_pace(g);
	gsm_parts(g, m, p, n, r);
	sms_pdus_free(p, n);
	/* unsolicited lines heard meanwhile wait for gsm_ready or gsm_idle:
	 * a status report must find this message recorded "submitted" */
	return 0;
}

static void
gsm_close(void *state)
{
	struct gsm_modem *g = state;
	size_t i;

	if (g == NULL)
		return;
	if (g->port != NULL)
		port_close(g->port);
	for (i = 0; i < g->nurc; i++)
		free(g->urc[i]);
	free(g->urc);
	for (i = 0; i < g->npend; i++)
		sms_msg_free(&g->pend[i].msg);
	free(g->pend);
	free(g);
}

const struct msg_transport_ops msg_gsm_ops = {
	.name = "gsm",                  /* for logs and msg_transport_find */
	.channel = "sms",               /* outbox rows it sends */
	.open = gsm_open,               /* the [gsm NAME] modem; never fails
					   for a missing device: it rests */
	.send = gsm_send_msg,           /* every part, each stored first */
	.close = gsm_close,             /* the port and what waits */
	.ready = gsm_ready,             /* open, or reopened after its rest */
	.idle = gsm_idle,               /* +CMTI, +CDS, +CDSI between sends */
};
