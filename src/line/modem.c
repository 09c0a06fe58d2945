/*
 * modem.c: the voice-modem line driver (ITU-T V.253 "AT+V" over the AT
 * engine in at.c): initialisation and family detection, rings and caller
 * ID, answering, playback (AT+VTX, DLE-shielded, paced by the port),
 * barge-in (vgetty's NUL DLE CAN DLE ETX), DTMF, recording (AT+VRX ended
 * by DLE !), hang-up detection and hanging up.  Implements line_ops.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "line/line-int.h"

#define MODEM_WRITE_MS 5000     /* no progress writing audio: wedged */
#define MODEM_RING_GAP_MS 8000  /* no ring for this long: the caller gave up */
#define MODEM_ALIVE_MS 60000    /* idle this long: check the modem answers AT */
#define MODEM_LEAD_MS 300       /* audio written ahead of real time, at most */
#define MODEM_LATE_MS 150       /* wait for the answer to a command cut short */
#define MODEM_HOLD 16           /* recorded bytes held back: result text? */
#define MODEM_SPEED_MAX 100     /* KEFU_MODEM_SPEED at most */

enum modem_mode { MM_CMD, MM_PLAY, MM_REC };

struct modem {
	struct line *ln;
	struct port *port;
	struct at at;
	char tag[64];                   /* "line NAME" */
	const struct modem_family *fam;
	const char *fam_why;
	enum port_flow flow;            /* configured flow control */
	struct audio_fmt fmt;
	int cml;                        /* +VSM method number in use */
	char vsm_cmd[64];               /* the AT+VSM=... that worked */
	char vls_cmd[32];               /* AT+VLS=<label of "T">: off hook to
					   the line */
	struct vsm_fmt offered[16];     /* AT+VSM=? */
	size_t noffered;
	struct strbuf ident[3];         /* ATI, ATI3, AT+FMI? */
	struct strbuf vsm_text, vls_text;
	struct strbuf notes;            /* settings, for probe */
	/* per call */
	struct dle_dec dec;
	struct dtmf dtmf;
	struct at_lex junk;             /* text bytes seen while playing */
	enum modem_mode mode;
	uint64_t data_since;            /* now_ms() when AT+VTX/AT+VRX
					   connected */
	int late_reply;                 /* a command was answered by NO CARRIER:
					   its own answer may still come */
	int stray_data;                 /* a CONNECT nobody asked for: the modem
					   may be in a data state */
	unsigned rings;
	uint64_t last_ring;
	struct line_callerid cid;
	int cid_reported;
	const char *gone;               /* why the caller is gone, NULL while
					   there */
	int gone_reported;
	int etx;                        /* DLE ETX received */
	int nocarrier;                  /* NO CARRIER inside the data stream */
	char tail[16];                  /* last audio bytes, to spot NO
					   CARRIER */
	int quiet, novoice;             /* DLE q / DLE s received */
	uint64_t deadline;              /* max-call */
	int cmd_ms;                     /* AT command timeout */
	unsigned speed;                 /* the modem's playback clock, times
					   real time: 1 (KEFU_MODEM_SPEED) */
};

static int modem_over(struct modem *m);

static void
modem_gone(struct modem *m, const char *why)
{
	struct line_event ev = { .type = LINE_EV_HANGUP, .reason = why };

	if (m->gone == NULL)
		m->gone = why;
	if (!m->gone_reported && m->ln != NULL) {
		m->gone_reported = 1;
		line_event(m->ln, &ev);
	}
}

/*
 * USR firmware reports a dial tone that is not there as it starts
 * playing or recording (vgetty ignores every DLE d in those states).  A
 * real dial tone goes on and is reported again, so only a report in the
 * first moments of a data state is taken for the firmware's; later,
 * and in command mode, DLE d means the caller is gone.
 */
static int
modem_spurious_dialtone(const struct modem *m)
{
	return m->fam != NULL && m->fam->spurious_dialtone_ms > 0 &&
	    m->mode != MM_CMD &&
	    now_ms() - m->data_since < m->fam->spurious_dialtone_ms;
}

/* One DLE event code from the modem, in any mode. */
static void
modem_event(struct modem *m, char code)
{
	struct line_event ev = { .type = LINE_EV_DTMF };
	char buf[32], digit;
	enum dle_kind k = dle_kind((unsigned char)code);

	switch (k) {
	case DLE_K_DTMF:
	case DLE_K_DTMF_START:
	case DLE_K_DTMF_END:
		if ((digit = dtmf_feed(&m->dtmf, (unsigned char)code)) == 0)
			return;
		if (m->ln != NULL) {
			line_key_push(m->ln, digit);
			ev.digit = digit;
			line_event(m->ln, &ev);
		}
		return;
	case DLE_K_ETX:
		m->etx = 1;
		return;
	case DLE_K_HANGUP:
		if ((code == 'd' || code == 'i') &&
		    modem_spurious_dialtone(m)) {
			log_debug("%s: ignoring a dial tone %llu ms after "
			    "entering the data state (the firmware's own)",
			    m->tag, (unsigned long long)(now_ms() -
			    m->data_since));
			return;
		}
		if (m->ln != NULL && m->ln->call.start_ms != 0)
			modem_gone(m, dle_name((unsigned char)code, buf,
			    sizeof buf));
		return;
	case DLE_K_HANDSET:
		if (m->ln != NULL && m->ln->call.start_ms != 0)
			modem_gone(m, "an extension was picked up");
		return;
	case DLE_K_NOVOICE:
		m->novoice = 1;
		return;
	case DLE_K_QUIET:
		m->quiet = 1;
		return;
	case DLE_K_RING:
		if (m->mode == MM_CMD && (m->ln == NULL ||
		    m->ln->call.start_ms == 0)) {
			m->rings++;
			m->last_ring = now_ms();
		}
		return;
	case DLE_K_FAX:
		log_info("%s: %s on the line", m->tag,
		    dle_name((unsigned char)code, buf, sizeof buf));
		return;
	case DLE_K_IGNORE:
		return;
	case DLE_K_UNKNOWN:
		log_debug("%s: ignoring DLE %s", m->tag,
		    dle_name((unsigned char)code, buf, sizeof buf));
		return;
	}
}

static void
modem_dle_h(void *arg, char code)
{
	modem_event(arg, code);
}

static void
modem_ring(struct modem *m)
{
	struct line_event ev = { .type = LINE_EV_RING };

	m->rings++;
	m->last_ring = now_ms();
	if (m->ln != NULL) {
		ev.rings = m->rings;
		line_event(m->ln, &ev);
	}
}

static void
modem_unsol_h(void *arg, enum at_res r, const char *line)
{
	struct modem *m = arg;

	switch (r) {
	case AT_R_RING:
		if (m->ln == NULL || m->ln->call.start_ms == 0)
			modem_ring(m);
		break;
	case AT_R_CID:
		callerid_parse(&m->cid, line);
		break;
	case AT_R_DRON:
	case AT_R_DROF:
	case AT_R_EVENT:
		log_debug("%s: %s", m->tag, line);
		break;
	default:
		break;
	}
}

static void
modem_free(struct modem *m)
{
	size_t i;

	if (m == NULL)
		return;
	port_close(m->port);
	for (i = 0; i < nitems(m->ident); i++)
		sb_free(&m->ident[i]);
	sb_free(&m->vsm_text);
	sb_free(&m->vls_text);
	sb_free(&m->notes);
	free(m);
}

/* A query whose ERROR is acceptable: its text goes to sb. */
static int
modem_query(struct modem *m, const char *cmd, struct strbuf *sb,
    char **cause)
{
	enum at_res r;

	if (at_cmd(&m->at, cmd, m->cmd_ms, sb, &r, cause) == -1)
		return -1;
	if (r != AT_R_OK) {
		log_debug("%s: %s: %s", m->tag, cmd, at_res_name(r));
		sb_reset(sb);
	}
	return 0;
}

/* A setting the modem may refuse: a warning, not a failure. */
static int
modem_try(struct modem *m, const char *cmd, const char *why, char **cause)
{
	enum at_res r;

	if (at_cmd(&m->at, cmd, m->cmd_ms, NULL, &r, cause) == -1)
		return -1;
	if (r != AT_R_OK && r != AT_R_VCON) {
		log_warnx("%s: the modem refused %s (%s): %s", m->tag, cmd,
		    at_res_name(r), why);
		sb_addf(&m->notes, "refused: %s (%s)\n", cmd, why);
		return 1;
	}
	sb_addf(&m->notes, "sent: %s\n", cmd);
	return 0;
}

/* Wake the modem, possibly stuck in a data state. */
static int
modem_wake(struct modem *m, char **cause)
{
	static const uint8_t out_of_data[] = { DLE_DLE, '!', DLE_DLE, DLE_ETX,
	    '\r' };
	enum at_res r;
	char *why = NULL;
	int i;

	for (i = 0; i < 3; i++) {
		if (i > 0) {
			if (port_write(m->port, out_of_data,
			    sizeof out_of_data, 1000, cause) == -1)
				return -1;
			sleep_ms(200);
			port_flush(m->port, 0, 1);
			at_discard(&m->at);
		}
		free(why);
		why = NULL;
		if (at_cmd(&m->at, "AT", 1000, NULL, &r, &why) == 0 &&
		    r == AT_R_OK) {
			free(why);
			return 0;
		}
		if (m->ln != NULL && m->ln->stop)
			break;
	}
	kf_error(cause, "%s: the modem does not answer AT (%s)", m->tag,
	    why != NULL ? why : "no OK");
	free(why);
	return -1;
}

/* Set the format with the family's syntax, then the other V.253 one. */
static int
modem_set_vsm(struct modem *m, int cml, unsigned rate, char **cause)
{
	enum at_res r;
	char cmd[64];
	int i;

	for (i = 0; i < 2; i++) {
		if (i == 0)
			snprintf(cmd, sizeof cmd, m->fam->vsm_set, cml, rate);
		else if (strstr(m->fam->vsm_set, ",0,0") == NULL)
			snprintf(cmd, sizeof cmd, "AT+VSM=%d,%u,0,0", cml,
			    rate);
		else
			snprintf(cmd, sizeof cmd, "AT+VSM=%d,%u", cml, rate);
		if (at_cmd(&m->at, cmd, m->cmd_ms, NULL, &r, cause) == -1)
			return -1;
		if (r == AT_R_OK) {
			snprintf(m->vsm_cmd, sizeof m->vsm_cmd, "%s", cmd);
			return 0;
		}
	}
	return 1;
}

static int
modem_choose_format(struct modem *m, char **cause)
{
	char *text, *line, *save = NULL;
	int r;

	if (modem_query(m, "AT+VSM=?", &m->vsm_text, cause) == -1)
		return -1;
	text = xstrdup(sb_str(&m->vsm_text));
	m->noffered = 0;
	for (line = strtok_r(text, "\n", &save); line != NULL &&
	    m->noffered < nitems(m->offered);
	    line = strtok_r(NULL, "\n", &save))
		if (vsm_parse(line, &m->offered[m->noffered]) == 0)
			m->noffered++;
	free(text);
	if (vsm_choose(m->offered, m->noffered, m->port->speed, &m->fmt,
	    &m->cml) == 0) {
		if ((r = modem_set_vsm(m, m->cml, m->fmt.rate, cause)) <= 0)
			return r;
		log_warnx("%s: the modem lists voice format %d (%s at %u Hz) "
		    "in AT+VSM=? but refuses it; trying the %s default (see "
		    "kefu modem probe)", m->tag, m->cml,
		    vsm_enc_name(m->fmt.enc), m->fmt.rate, m->fam->name);
	} else if (m->noffered > 0)
		log_warnx("%s: AT+VSM=? offers no format kefu can play; "
		    "trying the %s default", m->tag, m->fam->name);
	m->cml = m->fam->fallback_cml;
	m->fmt.enc = m->fam->fallback_enc;
	m->fmt.rate = 8000;
	if ((r = modem_set_vsm(m, m->cml, m->fmt.rate, cause)) <= 0)
		return r;
	return kf_error(cause, "%s: the modem accepts no audio format "
	    "(AT+VSM=%d,8000 refused)", m->tag, m->cml);
}

/* Everything from opening the port to voice settings; shared with probe. */
static int
modem_setup(struct modem *m, const struct conf_line *cl, const char *dev,
    char **cause)
{
	static const char *const ident_cmds[] = { "ATI", "ATI3", "AT+FMI?" };
	struct port_conf pc;
	const char *fam = cl->family != NULL ? cl->family : "auto";
	size_t i;
	int r;

	if (port_flow_parse(cl->flow_control, &m->flow) == -1)
		return kf_error(cause, "%s: unknown flow control '%s'",
		    m->tag, cl->flow_control);
	pc.speed = cl->speed > 0 ? cl->speed : 115200;
	pc.flow = m->flow;
	if (port_open(dev, &pc, &m->port, cause) == -1)
		return -1;
	at_init(&m->at, m->port, m->tag);
	m->at.unsol = modem_unsol_h;
	m->at.dle = modem_dle_h;
	m->at.arg = m;
	m->at.stop = m->ln != NULL ? &m->ln->stop : NULL;
	port_flush(m->port, 1, 1);
	if (modem_wake(m, cause) == -1 ||
	    at_ok(&m->at, "ATZ", 5000, cause) == -1 ||
	    at_ok(&m->at, "ATE0V1", m->cmd_ms, cause) == -1)
		return -1;
	for (i = 0; i < nitems(ident_cmds); i++)
		if (modem_query(m, ident_cmds[i], &m->ident[i], cause) == -1)
			return -1;
	if (strcmp(fam, "auto") == 0)
		m->fam = family_detect(sb_str(&m->ident[0]),
		    sb_str(&m->ident[1]), sb_str(&m->ident[2]), &m->fam_why);
	else if ((m->fam = family_find(fam)) != NULL)
		m->fam_why = "forced in kefu.conf";
	else
		return kf_error(cause, "%s: unknown modem family '%s'",
		    m->tag, fam);
	if (m->flow == PORT_FLOW_RTSCTS)
		r = modem_try(m, "AT+IFC=2,2", "hardware flow control must "
		    "then be set on the modem by other means", cause);
	else if (m->flow == PORT_FLOW_XON_IN)
		r = modem_try(m, "AT+IFC=1,1", "software flow control",
		    cause);
	else
		r = modem_try(m, "AT+IFC=0,0", "no flow control", cause);
	if (r == -1)
		return -1;
	if (at_ok(&m->at, "AT+FCLASS=8", m->cmd_ms, cause) == -1)
		return kf_error(cause, "%s: not a voice modem: AT+FCLASS=8 "
		    "refused", m->tag);
	if (modem_choose_format(m, cause) == -1)
		return -1;
	if (modem_query(m, "AT+VLS=?", &m->vls_text, cause) == -1)
		return -1;
	snprintf(m->vls_cmd, sizeof m->vls_cmd, "AT+VLS=%d",
	    vls_pick(sb_str(&m->vls_text)));
	sb_addf(&m->notes, "off hook with: %s\n", m->vls_cmd);
	if (modem_try(m, "AT+VCID=1", "no caller ID", cause) == -1)
		return -1;
	for (i = 0; m->fam->init[i] != NULL; i++)
		if (modem_try(m, m->fam->init[i], "family default",
		    cause) == -1)
			return -1;
	return 0;
}

/* The ';'-separated init= of kefu.conf. */
static int
modem_user_init(struct modem *m, const char *init, char **cause)
{
	char *copy, *cmd, *save = NULL;
	int r = 0;

	if (init == NULL)
		return 0;
	copy = xstrdup(init);
	for (cmd = strtok_r(copy, ";", &save); cmd != NULL && r != -1;
	    cmd = strtok_r(NULL, ";", &save)) {
		str_trim(cmd);
		if (*cmd != '\0')
			r = modem_try(m, cmd, "init= in kefu.conf", cause);
	}
	free(copy);
	return r == -1 ? -1 : 0;
}

/*
 * The playback clock: real time, or KEFU_MODEM_SPEED times faster for a
 * simulated modem that plays at once (t/sim's fast mode, kefu-modems(7)):
 * the end-to-end tests' calls then take seconds, not minutes.
 */
static unsigned
modem_speed(const char *tag)
{
	const char *env = getenv("KEFU_MODEM_SPEED"), *err;
	long long n;

	if (env == NULL || *env == '\0')
		return 1;
	if (str_tonum(env, 1, MODEM_SPEED_MAX, &n, &err) == -1) {
		log_warnx("%s: KEFU_MODEM_SPEED '%s' is %s (1 to %d): "
		    "playing in real time", tag, env, err, MODEM_SPEED_MAX);
		return 1;
	}
	if (n > 1)
		log_info("%s: playing %lld times faster than real time "
		    "(KEFU_MODEM_SPEED, for simulated modems only)", tag, n);
	return (unsigned)n;
}

static int
modem_open(struct line *ln, char **cause)
{
	struct modem *m;

	m = xcalloc(1, sizeof *m);
	m->ln = ln;
	m->cmd_ms = ln->cmd_timeout_ms > 0 ? ln->cmd_timeout_ms : 3000;
	snprintf(m->tag, sizeof m->tag, "line %s", ln->name);
	m->speed = modem_speed(m->tag);
	ln->priv = m;
	if (modem_setup(m, ln->conf, ln->conf->device, cause) == -1 ||
	    modem_user_init(m, ln->conf->init, cause) == -1 ||
	    at_ok(&m->at, "AT+FCLASS=0", m->cmd_ms, cause) == -1)
		return -1;
	ln->fmt = m->fmt;
	log_info("%s: %s as %s (%s), audio %s at %u/s", m->tag,
	    ln->conf->device, m->fam->name, m->fam_why,
	    vsm_enc_name(m->fmt.enc), m->fmt.rate);
	return 0;
}

static void
modem_close(struct line *ln)
{
	modem_free(ln->priv);
	ln->priv = NULL;
}

static void
modem_call_reset(struct modem *m)
{
	memset(&m->dec, 0, sizeof m->dec);
	memset(&m->dtmf, 0, sizeof m->dtmf);
	memset(&m->junk, 0, sizeof m->junk);
	m->mode = MM_CMD;
	m->rings = 0;
	m->last_ring = 0;
	callerid_clear(&m->cid);
	m->cid_reported = 0;
	m->gone = NULL;
	m->gone_reported = 0;
	m->late_reply = m->stray_data = 0;
	m->etx = m->quiet = m->novoice = m->nocarrier = 0;
	m->tail[0] = '\0';
}

static void
modem_report_cid(struct modem *m)
{
	struct line_event ev = { .type = LINE_EV_CALLERID };

	if (m->cid_reported || m->cid.kind == LINE_CID_NONE)
		return;
	m->cid_reported = 1;
	ev.cid = &m->cid;
	line_event(m->ln, &ev);
}

static enum line_status
modem_wait_call(struct line *ln, struct line_call *call, char **cause)
{
	struct modem *m = ln->priv;
	char line[AT_LINE_MAX];
	enum at_res r;
	uint64_t quiet_since = now_ms();
	int got;
	unsigned rings = ln->conf->rings > 0 ? (unsigned)ln->conf->rings : 1;

	modem_call_reset(m);
	while (!ln->stop) {
		got = at_line(&m->at, 500, &r, line, sizeof line, cause);
		if (got == -1)
			return LINE_FAILED;
		if (got == 1) {
			quiet_since = now_ms();
			if (r == AT_R_TEXT || r == AT_R_JUNK)
				log_debug("%s: unexpected '%s'", m->tag, line);
		}
		if (m->rings >= 2)
			modem_report_cid(m);
		if (m->rings >= rings) {
			modem_report_cid(m);
			call->rings = m->rings;
			call->cid = m->cid;
			return LINE_OK;
		}
		if (m->rings > 0 &&
		    now_ms() - m->last_ring > MODEM_RING_GAP_MS) {
			log_info("%s: the caller hung up after %u ring(s)",
			    m->tag, m->rings);
			modem_call_reset(m);
			return LINE_TIMEOUT;    /* line.c: idle again */
		}
		if (now_ms() - quiet_since > MODEM_ALIVE_MS) {
			if (at_ok(&m->at, "AT", m->cmd_ms, cause) == -1)
				return LINE_FAILED;
			quiet_since = now_ms();
		}
	}
	return LINE_TIMEOUT;
}

static enum line_status
modem_cmd_status(struct modem *m, const char *cmd, enum at_res r,
    char **cause)
{
	if (r == AT_R_OK || r == AT_R_VCON || r == AT_R_CONNECT)
		return LINE_OK;
	if (r == AT_R_NO_CARRIER || r == AT_R_BUSY) {
		modem_gone(m, at_res_name(r));
		return LINE_GONE;
	}
	kf_error(cause, "%s: %s: the modem answered %s", m->tag, cmd,
	    at_res_name(r));
	return LINE_FAILED;
}

/* A command during a call: OK/VCON/CONNECT, GONE on NO CARRIER. */
static enum line_status
modem_call_cmd(struct modem *m, const char *cmd, int timeout_ms,
    enum at_res *res, char **cause)
{
	enum at_res r;

	if (at_cmd(&m->at, cmd, timeout_ms, NULL, &r, cause) == -1)
		return LINE_FAILED;
	if (res != NULL)
		*res = r;
	if (r == AT_R_NO_CARRIER || r == AT_R_BUSY)
		m->late_reply = 1;
	return modem_cmd_status(m, cmd, r, cause);
}

/*
 * Read what the modem said while nobody asked (between two operations,
 * or after a command cut short), until the port is quiet for wait_ms
 * (at least 1): DLE events and unsolicited lines are handled as they
 * come; NO CARRIER or BUSY means the caller is gone; a CONNECT means the
 * modem went into a data state on a command already given up
 * (m->stray_data); other results are late answers, dropped.  0, or -1
 * with *cause.
 */
static int
modem_drain(struct modem *m, int wait_ms, char **cause)
{
	char line[AT_LINE_MAX];
	enum at_res r;
	int got;

	while ((got = at_line(&m->at, wait_ms > 0 ? wait_ms : 1, &r, line,
	    sizeof line, cause)) == 1) {
		if (r == AT_R_NO_CARRIER || r == AT_R_BUSY) {
			log_debug("%s: %s between commands", m->tag, line);
			modem_gone(m, at_res_name(r));
		} else if (r == AT_R_CONNECT) {
			log_debug("%s: a late CONNECT", m->tag);
			m->stray_data = 1;
			break;
		} else if (!at_res_unsolicited(r))
			log_debug("%s: dropped a late '%s'", m->tag, line);
	}
	return got == -1 ? -1 : 0;
}

/*
 * Leave a data state the modem entered on a late CONNECT: DLE ! ends
 * AT+VRX, DLE ETX ends AT+VTX; wait briefly for its result, drop the
 * rest.
 */
static void
modem_leave_data(struct modem *m)
{
	static const uint8_t out_of_data[] = { DLE_DLE, '!', DLE_DLE, DLE_ETX };
	enum at_res r;
	char *why = NULL;

	log_debug("%s: leaving the data state of a late CONNECT", m->tag);
	m->stray_data = 0;
	if (port_write(m->port, out_of_data, sizeof out_of_data, 1000,
	    &why) == 0)
		(void)at_cmd(&m->at, NULL, 500, NULL, &r, &why);
	free(why);
	port_flush(m->port, 0, 1);
	at_discard(&m->at);
}

/*
 * Before an operation of the call: what the modem reported while kefu
 * was busy elsewhere (a hang-up in command mode, a queued NO CARRIER)
 * is read first, so that no stale result is taken for the answer to
 * the next command.  LINE_OK to go on, LINE_GONE, LINE_FAILED.
 */
static enum line_status
modem_ready(struct modem *m, char **cause)
{
	if (modem_drain(m, 0, cause) == -1)
		return LINE_FAILED;
	if (m->stray_data)
		modem_leave_data(m);
	return modem_over(m) ? LINE_GONE : LINE_OK;
}

static enum line_status
modem_answer(struct line *ln, char **cause)
{
	struct modem *m = ln->priv;
	enum line_status st;
	char cmd[64];
	int sdi;

	ln->call.start_ms = now_ms();
	m->deadline = ln->call.start_ms + (uint64_t)(ln->conf->max_call_ms > 0 ?
	    ln->conf->max_call_ms : 900000);
	memset(&m->dtmf, 0, sizeof m->dtmf);
	if ((st = modem_call_cmd(m, "AT+FCLASS=8", m->cmd_ms, NULL,
	    cause)) != LINE_OK)
		return st;
	/* Voice settings are forgotten outside voice mode: send them again. */
	if ((st = modem_call_cmd(m, m->vsm_cmd, m->cmd_ms, NULL,
	    cause)) != LINE_OK)
		return st;
	if (m->fam->vsd != NULL) {
		sdi = ln->conf->silence_ms / 100;
		snprintf(cmd, sizeof cmd, m->fam->vsd, sdi > 255 ? 255 : sdi);
		if (modem_try(m, cmd, "silence detection", cause) == -1)
			return LINE_FAILED;
	}
	if ((st = modem_call_cmd(m, m->vls_cmd, m->cmd_ms, NULL,
	    cause)) != LINE_OK)
		return st;
	/* Keys (or noise read as keys) before the call are not the caller's. */
	ln->keys[0] = '\0';
	log_info("%s: answered after %u ring(s)", m->tag, ln->call.rings);
	return LINE_OK;
}

/* The caller is gone, the call too long, or the line stopping. */
static int
modem_over(struct modem *m)
{
	if (m->gone != NULL)
		return 1;
	if (now_ms() >= m->deadline) {
		modem_gone(m, "maximum call length");
		return 1;
	}
	if (m->ln->stop) {
		modem_gone(m, "kefud is stopping");
		return 1;
	}
	return 0;
}

/*
 * Read what the modem sent in a data state, waiting up to timeout_ms:
 * events are handled, audio goes to out (room for 2 * len), text seen
 * while playing is matched against result words.  Returns the number
 * of audio bytes, -1 with *cause when the device failed.
 */
static ssize_t
modem_pump(struct modem *m, int timeout_ms, uint8_t *out, size_t len,
    char **cause)
{
	uint8_t in[1024];
	char ev[1024], code;
	size_t nev, nd, i, used;
	ssize_t n;

	if (len > sizeof in)
		len = sizeof in;
	n = at_read_raw(&m->at, in, len, timeout_ms, cause);
	if (n <= 0)
		return n;
	used = dle_decode(&m->dec, in, (size_t)n, out, &nd, ev, &nev);
	/* After DLE ETX comes command-mode text: back to the AT engine. */
	at_unread(&m->at, in + used, (size_t)n - used);
	for (i = 0; i < nev; i++)
		modem_event(m, ev[i]);
	if (m->mode == MM_PLAY) {
		/* Only DLE pairs belong here; watch text for NO CARRIER. */
		for (i = 0; i < nd; i++) {
			if (at_lex_byte(&m->junk, out[i], &code) ==
			    AT_LEX_LINE && at_classify(m->junk.buf) ==
			    AT_R_NO_CARRIER)
				m->nocarrier = 1;
		}
		if (m->nocarrier)
			modem_gone(m, "NO CARRIER");
		return 0;
	}
	/*
	 * Some modems (Conexant) drop out of VRX without DLE ETX: their
	 * NO CARRIER comes in the audio stream.
	 */
	for (i = 0; i < nd; i++) {
		size_t tl = strlen(m->tail);

		if (tl == sizeof m->tail - 1) {
			memmove(m->tail, m->tail + 1, tl);
			tl--;
		}
		m->tail[tl] = out[i] != 0 ? (char)out[i] : ' ';
		m->tail[tl + 1] = '\0';
		if (out[i] == '\r' && strstr(m->tail, "\nNO CARRIER\r")) {
			m->nocarrier = 1;
			modem_gone(m, "NO CARRIER");
		}
	}
	return (ssize_t)nd;
}

/*
 * After the data state ended (ETX or our stop), wait for the final
 * result.  LINE_OK, LINE_GONE (NO CARRIER), LINE_FAILED.
 */
/*
 * Back to command mode: a DLE that ended the last read is handed to the
 * AT engine, which then reads its code as an event.  Without this, the
 * code would be taken for text and the key lost (or, when it was the
 * DLE / that starts a tone, the key's repeats read as two keys).
 */
static void
modem_to_cmd(struct modem *m)
{
	if (m->dec.pending) {           /* a DLE split from its code */
		m->at.lex.dle = 1;
		m->dec.pending = 0;
	}
	m->mode = MM_CMD;
}

static enum line_status
modem_end_data(struct modem *m, int timeout_ms, char **cause)
{
	enum at_res r;

	modem_to_cmd(m);
	if (at_cmd(&m->at, NULL, timeout_ms, NULL, &r, cause) == -1)
		return LINE_FAILED;
	return modem_cmd_status(m, "end of data", r, cause);
}

static int
modem_set_flow(struct modem *m, enum port_flow data_flow, char **cause)
{
	if (m->flow != PORT_FLOW_XON_IN)
		return 0;
	return port_set_flow(m->port, data_flow, cause);
}

/*
 * Stop playback now: vgetty's flush, one byte that completes a DLE left
 * dangling by the flush, DLE CAN, DLE ETX.  That byte reaches the caller
 * as a sample, so it is the format's silence rather than vgetty's NUL
 * (a full-scale click in mu-law and 8-bit audio).
 */
static enum line_status
modem_play_abort(struct modem *m, char **cause)
{
	uint8_t stop[] = { DLE_NUL, DLE_DLE, DLE_CAN, DLE_DLE, DLE_ETX };

	stop[0] = m->fmt.enc == AUDIO_ULAW ? 0xff : m->fmt.enc == AUDIO_ALAW ?
	    0xd5 : m->fmt.enc == AUDIO_U8 ? 0x80 : 0x00;
	port_flush(m->port, 1, 0);
	if (port_write(m->port, stop, sizeof stop, MODEM_WRITE_MS,
	    cause) == -1)
		return LINE_FAILED;
	return modem_end_data(m, m->cmd_ms, cause);
}

/* 1 when playback must stop now: data state over, caller gone, a key. */
static int
modem_play_interrupted(struct modem *m, int barge_in)
{
	return m->etx || m->nocarrier || modem_over(m) ||
	    (barge_in && m->ln->keys[0] != '\0');
}

/* Milliseconds the modem takes to play pos bytes at bps (its clock). */
static int64_t
modem_play_ms(const struct modem *m, size_t pos, unsigned bps)
{
	return (int64_t)((uint64_t)pos * 1000 / bps / m->speed);
}

/*
 * Read events until the audio written (pos bytes since t0) is at most
 * MODEM_LEAD_MS ahead of the modem's clock, so that barge-in cuts the
 * prompt at once even when the port (a pty, a USB CDC endpoint) buffers
 * seconds of audio.  0, or -1 with *cause.
 */
static int
modem_play_pace(struct modem *m, size_t pos, unsigned bps, uint64_t t0,
    int barge_in, char **cause)
{
	uint8_t scratch[2 * 1024];
	int64_t lead, wait;
	ssize_t got;

	for (;;) {
		lead = modem_play_ms(m, pos, bps) - (int64_t)(now_ms() - t0);
		wait = lead > MODEM_LEAD_MS / m->speed ?
		    lead - MODEM_LEAD_MS / m->speed : 0;
		got = modem_pump(m, wait > 50 ? 50 : (int)wait, scratch,
		    sizeof scratch / 2, cause);
		if (got < 0)
			return -1;
		if (modem_play_interrupted(m, barge_in) ||
		    (got == 0 && wait == 0))
			return 0;
	}
}

/* Playback was interrupted: say how, leaving the modem in command mode. */
static enum line_status
modem_play_stopped(struct modem *m, char *key, char **cause)
{
	enum line_status st;

	if (m->nocarrier) {
		/* the modem is back in command mode, on hook */
		at_discard(&m->at);
		return LINE_GONE;
	}
	if (m->etx) {
		st = modem_end_data(m, m->cmd_ms, cause);
		if (st == LINE_OK)
			modem_gone(m, "the modem left the data state");
		return st == LINE_FAILED ? st : LINE_GONE;
	}
	if ((st = modem_play_abort(m, cause)) == LINE_FAILED)
		return st;
	if (m->gone != NULL)
		return LINE_GONE;
	*key = line_key_pop(m->ln);
	return LINE_DIGIT;
}

/* Bytes of audio in memory, as a source. */
struct modem_mem {
	const uint8_t *a;
	size_t len, off;
};

static ssize_t
modem_mem_read(void *arg, void *buf, size_t max, int wait_ms)
{
	struct modem_mem *mm = arg;
	size_t n = mm->len - mm->off < max ? mm->len - mm->off : max;

	(void)wait_ms;
	memcpy(buf, mm->a + mm->off, n);
	mm->off += n;
	return (ssize_t)n;
}

/*
 * Send the source's audio in ~100 ms shielded chunks as it comes, then
 * DLE ETX and wait.  A source with nothing ready yet is asked again
 * while the modem's events (keys, hang-up) are read; if it stays late,
 * the modem plays silence meanwhile (an underrun).
 */
static enum line_status
modem_play_audio(struct modem *m, const struct line_src *src, int barge_in,
    char *key, char **cause)
{
	static const uint8_t end[] = { DLE_DLE, DLE_ETX };
	uint8_t a[1600], sh[2 * 1600];
	unsigned bps = m->fmt.rate * (m->fmt.enc == AUDIO_S16LE ? 2 : 1);
	size_t chunk = bps / 10, pos = 0;
	uint64_t t0 = 0;
	int64_t ahead, lag;
	ssize_t n;
	enum line_status st;

	if (chunk > sizeof a)
		chunk = sizeof a;
	for (;;) {
		if ((n = src->read(src->arg, a, chunk, 10)) == 0)
			break;
		if (n > 0) {
			/*
			 * The modem's clock starts with its first byte and
			 * stands still while it has nothing to play.
			 */
			if (pos == 0)
				t0 = now_ms();
			else if ((lag = (int64_t)(now_ms() - t0) -
			    modem_play_ms(m, pos, bps)) > 0)
				t0 += (uint64_t)lag;
			if (port_write(m->port, sh, dle_shield(a, (size_t)n,
			    sh), MODEM_WRITE_MS, cause) == -1)
				return LINE_FAILED;
			pos += (size_t)n;
		}
		if (modem_play_pace(m, pos, bps, t0 != 0 ? t0 : now_ms(),
		    barge_in, cause) == -1)
			return LINE_FAILED;
		if (modem_play_interrupted(m, barge_in))
			return modem_play_stopped(m, key, cause);
	}
	if (port_write(m->port, end, sizeof end, MODEM_WRITE_MS, cause) == -1)
		return LINE_FAILED;
	/* Let the modem play out what is still buffered. */
	ahead = t0 == 0 ? 0 : modem_play_ms(m, pos, bps) -
	    (int64_t)(now_ms() - t0);
	st = modem_end_data(m, (int)(ahead > 0 ? ahead : 0) + m->cmd_ms,
	    cause);
	if (st == LINE_OK && modem_over(m))
		return LINE_GONE;
	if (st == LINE_OK && barge_in && (*key = line_key_pop(m->ln)) != '\0')
		return LINE_DIGIT;
	return st;
}

static enum line_status
modem_play_src(struct line *ln, const struct line_src *src, int barge_in,
    char *key, char **cause)
{
	struct modem *m = ln->priv;
	enum line_status st;

	if ((st = modem_ready(m, cause)) != LINE_OK)
		return st;
	if (barge_in && (*key = line_key_pop(ln)) != '\0')
		return LINE_DIGIT;
	if (modem_set_flow(m, PORT_FLOW_XON_OUT, cause) == -1)
		return LINE_FAILED;
	st = modem_call_cmd(m, "AT+VTX", m->cmd_ms, NULL, cause);
	if (st == LINE_OK) {
		m->mode = MM_PLAY;
		m->data_since = now_ms();
		m->etx = m->nocarrier = 0;
		memset(&m->junk, 0, sizeof m->junk);
		st = modem_play_audio(m, src, barge_in, key, cause);
	}
	m->mode = MM_CMD;
	if (st == LINE_FAILED)
		return st;
	if (modem_set_flow(m, PORT_FLOW_XON_IN, cause) == -1)
		return LINE_FAILED;
	return st;
}

static enum line_status
modem_play(struct line *ln, const void *audio, size_t len, int barge_in,
    char *key, char **cause)
{
	struct modem_mem mm = { audio, len, 0 };
	struct line_src src = { modem_mem_read, &mm };

	return modem_play_src(ln, &src, barge_in, key, cause);
}

/*
 * The recording's way to its sink.  The last MODEM_HOLD bytes are held
 * back: a modem that ends AT+VRX without DLE ETX (Conexant) puts its
 * "\r\nOK\r\n" or "\r\nNO CARRIER\r\n" in the stream, and that text
 * must not reach the recording (six loud samples: a click at the end).
 */
struct modem_hold {
	line_sink_h *sink;              /* NULL: nothing kept (keys, or
					   refused) */
	void *arg;
	uint8_t b[MODEM_HOLD];
	size_t n;
	int refused;                    /* the sink returned -1 */
};

static void
modem_hold_out(struct modem_hold *h, const uint8_t *buf, size_t n)
{
	if (h->sink != NULL && n > 0 && h->sink(h->arg, buf, n) == -1) {
		h->sink = NULL;
		h->refused = 1;
	}
}

/* Pass on what can no longer be result text; -1 when the sink refused. */
static int
modem_hold_put(struct modem_hold *h, const uint8_t *buf, size_t n)
{
	size_t out;

	if (h->sink == NULL)
		return h->refused ? -1 : 0;
	if (h->n + n <= MODEM_HOLD) {
		memcpy(h->b + h->n, buf, n);
		h->n += n;
		return 0;
	}
	out = h->n + n - MODEM_HOLD;    /* bytes of held + buf to pass on */
	if (out <= h->n) {
		modem_hold_out(h, h->b, out);
		memmove(h->b, h->b + out, h->n - out);
		memcpy(h->b + h->n - out, buf, n);
	} else {
		modem_hold_out(h, h->b, h->n);
		modem_hold_out(h, buf, out - h->n);
		memcpy(h->b, buf + (out - h->n), MODEM_HOLD);
	}
	h->n = MODEM_HOLD;
	return h->refused ? -1 : 0;
}

/* The end: pass on the held bytes, cut at a result line when text ended it. */
static void
modem_hold_end(struct modem_hold *h, int text)
{
	static const char *const words[] = { "\r\nOK\r", "\nOK\r",
	    "\rOK\r", "\r\nNO CARRIER", "\nNO CARRIER", "\r\nVCON\r" };
	const uint8_t *p;
	size_t i, keep = h->n;

	for (i = 0; text && i < nitems(words); i++)
		if ((p = memmem(h->b, h->n, words[i], strlen(words[i]))) !=
		    NULL && (size_t)(p - h->b) < keep)
			keep = (size_t)(p - h->b);
	modem_hold_out(h, h->b, keep);
	h->n = 0;
}

/*
 * End a receive state with DLE !, reading (and passing to sink) what
 * the modem still sends until its DLE ETX and final result, or an OK
 * straight in the stream (some Conexant firmware).
 */
static enum line_status
modem_rec_abort(struct modem *m, struct modem_hold *hold, char **cause)
{
	static const uint8_t stop[] = { DLE_DLE, '!' };
	uint8_t buf[2 * 1024];
	char tail[8] = "";
	uint64_t deadline;
	ssize_t n;
	size_t i, tl;

	if (port_write(m->port, stop, sizeof stop, MODEM_WRITE_MS,
	    cause) == -1)
		return LINE_FAILED;
	deadline = now_ms() + m->cmd_ms;
	while (!m->etx) {
		if (now_ms() >= deadline) {
			modem_hold_end(hold, 0);
			kf_error(cause, "%s: the modem did not end recording "
			    "after DLE !", m->tag);
			return LINE_FAILED;
		}
		if ((n = modem_pump(m, 100, buf, sizeof buf / 2, cause)) < 0)
			return LINE_FAILED;
		(void)modem_hold_put(hold, buf, (size_t)n);
		for (i = 0; i < (size_t)n; i++) {
			tl = strlen(tail);
			if (tl == sizeof tail - 1) {
				memmove(tail, tail + 1, tl);
				tl--;
			}
			tail[tl] = (char)(buf[i] ? buf[i] : ' ');
			tail[tl + 1] = '\0';
		}
		if (strstr(tail, "\nOK\r") != NULL ||
		    strstr(tail, "\rOK\r") != NULL) {
			/*
			 * The events after the OK were decoded with it; a
			 * DLE at the very end of this read is not lost.
			 */
			modem_hold_end(hold, 1);
			at_discard(&m->at);
			modem_to_cmd(m);
			return LINE_OK;
		}
	}
	modem_hold_end(hold, m->nocarrier);
	return modem_end_data(m, m->cmd_ms, cause);
}

/* What modem_listen() remembers across reads. */
struct modem_ear {
	int heard;                      /* voice since the start */
	uint64_t quiet_since;           /* start of the current silence, 0:
					   none */
};

/*
 * Judge silence in n received bytes, from the modem (DLE q / s) or
 * measured here (modems that ignore +VSD).  Only a recording judges it:
 * silence after voice ends the message, and [line] silence from the
 * start means the caller left.  Waiting for keys (rec NULL) it is not
 * judged at all: a caller thinking is silent too, and the flow's own
 * timeout, max-timeouts and escalation (then max-call) bound that wait;
 * a caller who hangs up is noticed by busy or dial tone, loop current or
 * NO CARRIER.  LINE_OK to go on, LINE_SILENCE or LINE_GONE to stop.
 */
static enum line_status
modem_listen(struct modem *m, const struct line_rec *rec,
    struct modem_ear *ear, const uint8_t *buf, ssize_t n)
{
	uint64_t now = now_ms(), quiet;
	int gone_ms = m->ln->conf->silence_ms > 0 ? m->ln->conf->silence_ms :
	    7000;

	if (rec == NULL)
		return LINE_OK;
	if (n > 0 && !vsm_quiet(m->fmt.enc, buf, (size_t)n)) {
		ear->heard = 1;
		ear->quiet_since = 0;
	} else if (n > 0 && ear->quiet_since == 0)
		ear->quiet_since = now;
	quiet = ear->quiet_since != 0 ? now - ear->quiet_since : 0;
	if (m->quiet || (ear->heard && rec->silence_ms > 0 &&
	    quiet >= (uint64_t)rec->silence_ms))
		return LINE_SILENCE;
	if (m->novoice || (!ear->heard && quiet >= (uint64_t)gone_ms)) {
		modem_gone(m, "silence (no voice)");
		return LINE_GONE;
	}
	return LINE_OK;
}

/* Receive audio; the shared loop of wait_digit and record. */
static enum line_status
modem_receive(struct modem *m, const struct line_rec *rec, int timeout_ms,
    char *key, char **cause)
{
	struct line *ln = m->ln;
	struct modem_ear ear = { 0, 0 };
	uint8_t buf[2 * 1024];
	uint64_t start;
	enum line_status st, end;
	struct modem_hold hold = { rec != NULL ? rec->sink : NULL,
	    rec != NULL ? rec->arg : NULL, { 0 }, 0, 0 };
	int stop_key = rec == NULL || rec->stop_on_key;
	ssize_t n;

	if (modem_set_flow(m, PORT_FLOW_XON_IN, cause) == -1)
		return LINE_FAILED;
	if ((st = modem_call_cmd(m, "AT+VRX", m->cmd_ms, NULL,
	    cause)) != LINE_OK)
		return st;
	m->mode = MM_REC;
	m->data_since = now_ms();
	m->etx = m->quiet = m->novoice = m->nocarrier = 0;
	m->tail[0] = '\0';
	start = now_ms();
	for (;;) {
		if ((n = modem_pump(m, 100, buf, sizeof buf / 2, cause)) < 0)
			return LINE_FAILED;
		if (modem_hold_put(&hold, buf, (size_t)n) == -1) {
			end = LINE_OK;
			break;
		}
		if (m->nocarrier) {
			modem_hold_end(&hold, 1);
			m->mode = MM_CMD;
			at_discard(&m->at);
			return LINE_GONE;
		}
		if (m->etx) {
			modem_hold_end(&hold, 0);
			m->mode = MM_CMD;
			st = modem_end_data(m, m->cmd_ms, cause);
			if (st == LINE_OK)
				modem_gone(m, "the modem left the data state");
			return st == LINE_FAILED ? st : LINE_GONE;
		}
		if (modem_over(m)) {
			end = LINE_GONE;
			break;
		}
		if (stop_key && ln->keys[0] != '\0') {
			end = LINE_DIGIT;
			break;
		}
		if (timeout_ms > 0 &&
		    now_ms() - start >= (uint64_t)timeout_ms) {
			end = LINE_TIMEOUT;
			break;
		}
		if ((end = modem_listen(m, rec, &ear, buf, n)) != LINE_OK)
			break;
	}
	if ((st = modem_rec_abort(m, &hold, cause)) == LINE_FAILED)
		return st;
	m->mode = MM_CMD;
	if (end == LINE_DIGIT)
		*key = line_key_pop(ln);
	if (st == LINE_GONE || m->gone != NULL)
		return LINE_GONE;
	return end;
}

static enum line_status
modem_wait_digit(struct line *ln, int timeout_ms, char *key, char **cause)
{
	struct modem *m = ln->priv;
	enum line_status st;

	if ((st = modem_ready(m, cause)) != LINE_OK)
		return st;
	if ((*key = line_key_pop(ln)) != '\0')
		return LINE_DIGIT;
	return modem_receive(m, NULL, timeout_ms > 0 ? timeout_ms : 1, key,
	    cause);
}

static enum line_status
modem_record(struct line *ln, const struct line_rec *rec, char *key,
    char **cause)
{
	struct modem *m = ln->priv;
	enum line_status st;

	if ((st = modem_ready(m, cause)) != LINE_OK)
		return st;
	if (rec->stop_on_key && (*key = line_key_pop(ln)) != '\0')
		return LINE_DIGIT;
	return modem_receive(m, rec, rec->max_ms, key, cause);
}

static enum line_status
modem_beep(struct line *ln, unsigned freq_hz, unsigned ms, char **cause)
{
	struct modem *m = ln->priv;
	enum line_status st;
	enum at_res r;
	char cmd[64];

	if ((st = modem_ready(m, cause)) != LINE_OK)
		return st;
	snprintf(cmd, sizeof cmd, "AT+VTS=[%u,0,%u]", freq_hz,
	    (ms + m->fam->vts_unit_ms - 1) / m->fam->vts_unit_ms);
	if (at_cmd(&m->at, cmd, (int)ms + m->cmd_ms, NULL, &r, cause) == -1)
		return LINE_FAILED;
	if (r == AT_R_NO_CARRIER || r == AT_R_BUSY)
		m->late_reply = 1;
	if (r == AT_R_ERROR) {
		log_warnx("%s: the modem cannot beep (%s refused)", m->tag,
		    cmd);
		st = LINE_OK;
	} else
		st = modem_cmd_status(m, cmd, r, cause);
	if (st == LINE_OK && m->fam->after_beep != NULL &&
	    strcmp(m->fam->after_beep, "AT+VLS=1") == 0)
		st = modem_call_cmd(m, m->vls_cmd, m->cmd_ms, NULL, cause);
	else if (st == LINE_OK && m->fam->after_beep != NULL)
		st = modem_call_cmd(m, m->fam->after_beep, m->cmd_ms, NULL,
		    cause);
	return st;
}

/*
 * On hook at once: AT+VLS=0, AT+FCLASS=0.  A command cut short by NO
 * CARRIER may still get its own answer (a CONNECT to AT+VTX on a modem
 * that kept the line): it is read first, or taken for the answer to
 * AT+VLS=0, and the data state it opened is left before going on.
 * 0, or -1 with *cause.
 */
static int
modem_hangup_cmds(struct modem *m, char **cause)
{
	enum at_res r = AT_R_ERROR;
	int i;

	if (modem_drain(m, m->late_reply ? MODEM_LATE_MS : 0, cause) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (m->stray_data)
			modem_leave_data(m);
		if (at_cmd(&m->at, "AT+VLS=0", m->cmd_ms, NULL, &r,
		    cause) == -1)
			return -1;
		if (r != AT_R_CONNECT)
			break;
		m->stray_data = 1;
	}
	if (r != AT_R_OK && r != AT_R_VCON)
		return kf_error(cause, "%s: AT+VLS=0: the modem answered %s",
		    m->tag, at_res_name(r));
	return at_ok(&m->at, "AT+FCLASS=0", m->cmd_ms, cause);
}

static enum line_status
modem_hangup(struct line *ln, char **cause)
{
	struct modem *m = ln->priv;
	char *why = NULL;

	m->mode = MM_CMD;
	if (modem_hangup_cmds(m, &why) == -1) {
		log_debug("%s: %s; trying ATH0", m->tag, why);
		free(why);
		if (m->stray_data)
			modem_leave_data(m);
		if (at_ok(&m->at, "ATH0", m->cmd_ms, cause) == -1)
			return LINE_FAILED;
	}
	/* Busy / dial tone reports still queued belong to the old call. */
	sleep_ms(50);
	port_flush(m->port, 0, 1);
	at_discard(&m->at);
	modem_call_reset(m);
	return LINE_OK;
}

const struct line_ops line_ops_modem = {
	.name = "modem",                /* V.253 voice modem */
	.kind = "modem",
	.recovery = "re-initialising the modem",
	.open = modem_open,             /* port, ATZ, family, +VSM=?, +VCID,
					   back to data mode */
	.wait_call = modem_wait_call,   /* count RING / DLE R, read caller ID */
	.answer = modem_answer,         /* +FCLASS=8, +VSM, +VSD, +VLS=<"T"> */
	.play = modem_play,             /* +VTX, shielded 100 ms chunks, DLE
					   ETX */
	.play_src = modem_play_src,     /* the same as the audio is made */
	.wait_digit = modem_wait_digit, /* +VRX, audio discarded, DLE ! */
	.record = modem_record,         /* +VRX into the sink, DLE ! */
	.beep = modem_beep,             /* +VTS=[f,0,d] */
	.hangup = modem_hangup,         /* +VLS=0, +FCLASS=0, or ATH0 */
	.close = modem_close,           /* port closed, state freed */
};

int
modem_probe(const struct conf_line *cl, const char *device,
    struct modem_probe *out, char **cause)
{
	struct modem *m;
	int r;

	memset(out, 0, sizeof *out);
	m = xcalloc(1, sizeof *m);
	m->cmd_ms = 3000;
	m->speed = 1;
	snprintf(m->tag, sizeof m->tag, "%s", device ? device : cl->device);
	r = modem_setup(m, cl, device ? device : cl->device, cause);
	if (r == 0)
		r = at_ok(&m->at, "AT+FCLASS=0", m->cmd_ms, cause);
	if (r == 0) {
		out->ati = xstrdup(sb_str(&m->ident[0]));
		out->ati3 = xstrdup(sb_str(&m->ident[1]));
		out->fmi = xstrdup(sb_str(&m->ident[2]));
		out->family = m->fam->name;
		out->family_why = m->fam_why;
		out->vsm = xstrdup(sb_str(&m->vsm_text));
		out->vls = xstrdup(sb_str(&m->vls_text));
		out->fmt = m->fmt;
		out->vsm_cmd = xstrdup(m->vsm_cmd);
		sb_addf(&m->notes, "silence detection: %s\n",
		    m->fam->soft_silence ? "in kefu (+VSD is ignored)" :
		    "modem (+VSD) and kefu");
		out->settings = xstrdup(sb_str(&m->notes));
	}
	modem_free(m);
	return r;
}

void
modem_probe_free(struct modem_probe *mp)
{
	free(mp->ati);
	free(mp->ati3);
	free(mp->fmi);
	free(mp->vsm);
	free(mp->vls);
	free(mp->vsm_cmd);
	free(mp->settings);
	memset(mp, 0, sizeof *mp);
}
