/*
 * gsmsim.c: the modem side of 3GPP TS 27.005 PDU mode (with the V.250
 * command line it builds on) on a pseudo-terminal: AT+CMGS with its "> "
 * prompt, the SIM message store (+CMTI, AT+CMGR/CMGL/CMGD), +CMT/+CDS/
 * +CDSI, SIM PIN (27.007 AT+CPIN), unsolicited lines mid-command, slow
 * and failing modes.  One thread per simulator, state behind sim->mu.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"
#include "gsmsim.h"

#define CTRL_Z 0x1a
#define ESC    0x1b
#define LINE_MAX_LEN 1024

/*
 * A message the network routes straight to the host (+CMT, +CDS) under
 * AT+CSMS=1: it stays the network's until the host acknowledges it with
 * AT+CNMA, and is offered again when it does not.
 */
struct netmsg {
	char *hex;
	unsigned len;
	int cds;                /* 1: a status report (+CDS) */
};

/* A message in the SIM store (27.005 <stat>: 0 unread, 1 read). */
struct slot {
	int used;
	int stat;
	char *hex;
	unsigned len;
};

struct gsim {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int mfd, sfd, wake[2];
	char path[256];
	char *link;
	int stop;

	/* modem settings */
	int echo;               /* ATE */
	int cmgf;               /* 0 PDU, 1 text */
	int cnmi_mt, cnmi_ds;   /* AT+CNMI <mt> and <ds> */
	int cmms;               /* AT+CMMS <n>: 0 off, 1/2 keep the link */
	unsigned plugs;         /* unplugged this many times */
	char *pin;              /* NULL or the PIN still to be entered */
	char *pin_orig;         /* the SIM's PIN, asked again after a replug */
	unsigned send_ms;
	int sending;            /* an AT+CMGS is in its send_ms */
	int dead;

	/* faults and reports */
	unsigned fail_n;
	int fail_code;
	int reports;
	unsigned report_st;
	int csms;               /* AT+CSMS <service>: 1 phase 2+, the host
				   acknowledges +CMT/+CDS with AT+CNMA */
	struct netmsg *net;     /* waiting at the network, first offered */
	size_t nnet;
	int ack_wait;           /* net[0] went, its AT+CNMA is awaited */
	uint64_t ack_until;     /* then the network gives up on it */
	uint64_t resend_at;     /* the network offers net[0] again then */
	unsigned ack_ms;        /* how long it waits for AT+CNMA */
	unsigned acks, nacks;   /* AT+CNMA heard; timeouts and RP-ERRORs */
	int hold;               /* reports kept until released */
	char **held;            /* their PDUs (hex), in order */
	unsigned *held_len;
	size_t nheld;
	char **urc;             /* lines for the middle of the next command */
	size_t nurc;

	/* the command line and AT+CMGS */
	char line[LINE_MAX_LEN];
	size_t len;
	int pdu_mode;           /* 1: after "> ", collecting hex */
	unsigned pdu_len;       /* <length> of that AT+CMGS */
	unsigned mr;            /* the last TP-MR given */

	struct slot *slots;
	unsigned nslots;
	struct gsim_sent *sent;
	size_t nsent;
	struct strbuf transcript;
};

/* ---------------------------------------------------------------- */
/* output */

static void
out(struct gsim *sim, const char *s)
{
	size_t n = strlen(s), off = 0;
	struct pollfd p;
	ssize_t w;

	while (off < n && sim->mfd >= 0) {
		w = write(sim->mfd, s + off, n - off);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && errno != EAGAIN && errno != EINTR)
			return;
		p.fd = sim->mfd;
		p.events = POLLOUT;
		if (poll(&p, 1, 1000) <= 0)
			return;         /* nobody reads: drop the rest */
	}
}

/* "\r\n<line>\r\n", as V.250 frames every result (ATV1). */
static void
out_line(struct gsim *sim, const char *s)
{
	out(sim, "\r\n");
	out(sim, s);
	out(sim, "\r\n");
}

static void
out_linef(struct gsim *sim, const char *fmt, ...) KF_PRINTF(2, 3);

static void
out_linef(struct gsim *sim, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	out_line(sim, s);
	free(s);
}

/* The unsolicited lines saved for the middle of this command. */
static void
urc_flush(struct gsim *sim)
{
	size_t i;

	for (i = 0; i < sim->nurc; i++) {
		out_line(sim, sim->urc[i]);
		free(sim->urc[i]);
	}
	sim->nurc = 0;
}

static void
final(struct gsim *sim, const char *res)
{
	urc_flush(sim);
	out_line(sim, res);
}

static void
cms_error(struct gsim *sim, int code)
{
	char b[32];

	snprintf(b, sizeof b, "+CMS ERROR: %d", code);
	final(sim, b);
}

/* A whole number in [min, max] (0), else -1. */
static int
num(const char *s, long long min, long long max, long long *v)
{
	const char *err;

	return str_tonum(s, min, max, v, &err);
}

/* ---------------------------------------------------------------- */
/* the SIM store */

static int
slot_add(struct gsim *sim, const char *hex, unsigned len)
{
	unsigned i;

	for (i = 0; i < sim->nslots; i++)
		if (!sim->slots[i].used) {
			sim->slots[i].used = 1;
			sim->slots[i].stat = 0;
			sim->slots[i].hex = xstrdup(hex);
			sim->slots[i].len = len;
			return (int)i + 1;
		}
	return -1;
}

static void
slot_del(struct slot *s)
{
	free(s->hex);
	memset(s, 0, sizeof *s);
}

/* A slot by its 1-based 27.005 <index>, or NULL. */
static struct slot *
slot_get(struct gsim *sim, const char *arg)
{
	long long v;

	if (num(arg, 1, sim->nslots, &v) == -1 ||
	    !sim->slots[v - 1].used)
		return NULL;
	return &sim->slots[v - 1];
}

/* ---------------------------------------------------------------- */
/* commands */

static void
net_pop(struct gsim *sim)
{
	free(sim->net[0].hex);
	memmove(sim->net, sim->net + 1, --sim->nnet * sizeof *sim->net);
}

/*
 * The network's side of AT+CSMS=1 (27.005 3.4.1, 3.4.4): one +CMT or
 * +CDS at a time, the next only after the host's AT+CNMA.  Without one
 * in ack_ms the network is told delivery failed and the modem stops
 * routing (AT+CNMI <mt> and <ds> become 0); the network offers the
 * message again later, and with routing off it goes to the SIM store.
 */
static void
net_pump(struct gsim *sim)
{
	uint64_t now = now_ms();
	struct netmsg *m;
	int idx;

	if (sim->ack_wait && now >= sim->ack_until) {
		sim->ack_wait = 0;
		sim->nacks++;
		sim->cnmi_mt = sim->cnmi_ds = 0;
		sim->resend_at = now + sim->ack_ms;
	}
	while (!sim->ack_wait && sim->nnet > 0 && now >= sim->resend_at &&
	    sim->mfd >= 0 && !sim->dead) {
		m = &sim->net[0];
		if (m->cds ? sim->cnmi_ds == 1 : sim->cnmi_mt == 2) {
			out_linef(sim, "%s: %s%u", m->cds ? "+CDS" : "+CMT",
			    m->cds ? "" : ",", m->len);
			out(sim, m->hex);
			out(sim, "\r\n");
			sim->ack_wait = 1;
			sim->ack_until = now + sim->ack_ms;
			return;
		}
		/* not routed to the host: stored, or a report dropped */
		if ((m->cds ? sim->cnmi_ds != 0 : 1) &&
		    (idx = slot_add(sim, m->hex, m->len)) > 0 &&
		    (m->cds || sim->cnmi_mt == 1))
			out_linef(sim, "%s: \"SM\",%d", m->cds ? "+CDSI" :
			    "+CMTI", idx);
		net_pop(sim);
	}
}

static void
net_add(struct gsim *sim, const char *hex, unsigned len, int cds)
{
	sim->net = xreallocarray(sim->net, sim->nnet + 1, sizeof *sim->net);
	sim->net[sim->nnet].hex = xstrdup(hex);
	sim->net[sim->nnet].len = len;
	sim->net[sim->nnet++].cds = cds;
	net_pump(sim);
}

/* A status report to the host: +CDSI (stored) or +CDS. */
static void
report_out(struct gsim *sim, const char *hex, unsigned len)
{
	int idx;

	if (sim->cnmi_ds == 1 && sim->csms == 1)
		net_add(sim, hex, len, 1);
	else if (sim->cnmi_ds == 2 && (idx = slot_add(sim, hex, len)) > 0)
		out_linef(sim, "+CDSI: \"SM\",%d", idx);
	else if (sim->cnmi_ds != 0) {
		out_linef(sim, "+CDS: %u", len);
		out(sim, hex);
		out(sim, "\r\n");
	}
}

/*
 * The report of the part just accepted: TP-SCTS is now (when the centre
 * took the part, local time with its zone), as a real centre stamps it,
 * so that a host can tell apart two parts that came to share a TP-MR.
 */
static void
report(struct gsim *sim, const struct sms_msg *m)
{
	struct sms_pdu st;
	time_t t = time(NULL);
	struct tm tm;
	char ts[16];

	localtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%y%m%d%H%M%S", &tm);
	if (!sim->reports || !m->srr ||
	    sms_encode_status(sim->mr, m->addr[0] != '\0' ? m->addr : "0",
	    ts, ts, (int)(tm.tm_gmtoff / 900), sim->report_st, &st,
	    NULL) == -1)
		return;
	if (sim->hold) {
		sim->held = xreallocarray(sim->held, sim->nheld + 1,
		    sizeof *sim->held);
		sim->held_len = xreallocarray(sim->held_len, sim->nheld + 1,
		    sizeof *sim->held_len);
		sim->held[sim->nheld] = st.hex;
		sim->held_len[sim->nheld++] = st.tpdu_len;
		return;
	}
	report_out(sim, st.hex, st.tpdu_len);
	free(st.hex);
}

static int
pdu_length_ok(const char *hex, unsigned len)
{
	size_t n = strlen(hex);
	unsigned smsc;

	if (n < 2 || n % 2 != 0 || strspn(hex, "0123456789abcdefABCDEF") != n)
		return 0;
	if (sscanf(hex, "%2x", &smsc) != 1)
		return 0;
	return n / 2 == (size_t)smsc + 1 + len;
}

/* A deadline ms from now on the monotonic clock (the clock of cv). */
static struct timespec
deadline(unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

/*
 * The time an AT+CMGS takes (mu held, released meanwhile): send_ms, cut
 * short when the modem is unplugged or stopped -- the answer would never
 * come then.
 */
static void
send_wait(struct gsim *sim, unsigned ms)
{
	struct timespec end = deadline(ms);
	unsigned plugs = sim->plugs;

	sim->sending = 1;
	while (sim->plugs == plugs && !sim->stop &&
	    pthread_cond_timedwait(&sim->cv, &sim->mu, &end) == 0)
		;
	sim->sending = 0;
}

/* Ctrl-Z ended the PDU: check, (wait), answer, record. */
static void
cmgs_done(struct gsim *sim)
{
	struct gsim_sent s;
	char *cause = NULL;
	unsigned ms, plugs;

	memset(&s, 0, sizeof s);
	s.hex = xstrndup(sim->line, sim->len);
	s.len = sim->pdu_len;
	s.mr = -1;
	if (!pdu_length_ok(s.hex, s.len) ||
	    sms_decode(s.hex, 1, 1, &s.msg, &cause) == -1) {
		s.cms = 304;            /* invalid PDU mode parameter */
		free(cause);
		s.msg.text = xstrdup("");
	} else if (sim->fail_n > 0) {
		sim->fail_n--;
		s.cms = sim->fail_code;
	}
	if ((ms = sim->send_ms) > 0) {
		plugs = sim->plugs;
		send_wait(sim, ms);
		if (sim->plugs != plugs) {
			/* unplugged meanwhile: the network may have it, the
			 * host never hears of it (nor does the next session) */
			s.mr = (int)(sim->mr = (sim->mr + 1) & 0xff);
			sim->sent = xreallocarray(sim->sent, sim->nsent + 1,
			    sizeof *sim->sent);
			sim->sent[sim->nsent++] = s;
			pthread_cond_broadcast(&sim->cv);
			return;
		}
	}
	if (s.cms != 0)
		cms_error(sim, s.cms);
	else {
		sim->mr = (sim->mr + 1) & 0xff;
		s.mr = (int)sim->mr;
		urc_flush(sim);
		out_linef(sim, "+CMGS: %u", sim->mr);
		final(sim, "OK");
	}
	sim->sent = xreallocarray(sim->sent, sim->nsent + 1,
	    sizeof *sim->sent);
	sim->sent[sim->nsent++] = s;
	pthread_cond_broadcast(&sim->cv);
	if (s.cms == 0)
		report(sim, &s.msg);
}

static void
cmd_cmgs(struct gsim *sim, const char *arg)
{
	long long v;

	if (sim->cmgf != 0) {
		cms_error(sim, 302);    /* text mode is not simulated */
		return;
	}
	if (num(arg, 1, 176, &v) == -1) {
		cms_error(sim, 304);
		return;
	}
	sim->pdu_mode = 1;
	sim->pdu_len = (unsigned)v;
	out(sim, "\r\n> ");
}

static void
cmd_cmgr(struct gsim *sim, const char *arg)
{
	struct slot *s = slot_get(sim, arg);

	if (s == NULL) {
		cms_error(sim, 321);    /* invalid memory index */
		return;
	}
	out_linef(sim, "+CMGR: %d,,%u", s->stat, s->len);
	out(sim, s->hex);
	out(sim, "\r\n");
	s->stat = 1;                    /* reading an unread one marks it */
	final(sim, "OK");
}

static void
cmd_cmgl(struct gsim *sim, const char *arg)
{
	long long want;
	unsigned i;

	if (num(arg, 0, 4, &want) == -1) {
		cms_error(sim, 304);
		return;
	}
	for (i = 0; i < sim->nslots; i++) {
		if (!sim->slots[i].used ||
		    (want != 4 && sim->slots[i].stat != want))
			continue;
		out_linef(sim, "+CMGL: %u,%d,,%u", i + 1, sim->slots[i].stat,
		    sim->slots[i].len);
		out(sim, sim->slots[i].hex);
		out(sim, "\r\n");
		sim->slots[i].stat = 1;
	}
	final(sim, "OK");
}

static void
cmd_cmgd(struct gsim *sim, const char *arg)
{
	char idx[16];
	const char *comma = strchr(arg, ',');
	struct slot *s;
	unsigned i;
	long long flag = 0;

	snprintf(idx, sizeof idx, "%.*s", comma != NULL ?
	    (int)(comma - arg) : (int)strlen(arg), arg);
	if (comma != NULL && num(comma + 1, 0, 4, &flag) == -1) {
		cms_error(sim, 304);
		return;
	}
	if (flag == 0) {
		if ((s = slot_get(sim, idx)) == NULL) {
			cms_error(sim, 321);
			return;
		}
		slot_del(s);
	} else
		for (i = 0; i < sim->nslots; i++)
			if (sim->slots[i].used && (flag == 4 ||
			    sim->slots[i].stat == 1))
				slot_del(&sim->slots[i]);
	final(sim, "OK");
}

static void
cmd_cpin(struct gsim *sim, const char *op, const char *arg)
{
	char given[32];

	if (strcmp(op, "?") == 0) {
		out_line(sim, sim->pin != NULL ? "+CPIN: SIM PIN" :
		    "+CPIN: READY");
		final(sim, "OK");
		return;
	}
	snprintf(given, sizeof given, "%s", arg[0] == '"' ? arg + 1 : arg);
	given[strcspn(given, "\",")] = '\0';
	if (sim->pin == NULL) {
		final(sim, "+CME ERROR: 3");    /* operation not allowed */
		return;
	}
	if (strcmp(given, sim->pin) != 0) {
		final(sim, "+CME ERROR: 16");   /* incorrect password */
		return;
	}
	free(sim->pin);
	sim->pin = NULL;
	final(sim, "OK");
}

/* "+CNMI=2,1,0,2,0": keep <mt> and <ds>. */
static void
cmd_cnmi(struct gsim *sim, const char *arg)
{
	int v[5] = { 0, 0, 0, 0, 0 };

	if (sscanf(arg, "%d,%d,%d,%d,%d", &v[0], &v[1], &v[2], &v[3],
	    &v[4]) < 2 || v[1] < 0 || v[1] > 3 || v[3] < 0 || v[3] > 2) {
		cms_error(sim, 303);
		return;
	}
	sim->cnmi_mt = v[1];
	sim->cnmi_ds = v[3];
	final(sim, "OK");
	net_pump(sim);          /* routing on again: what waits comes */
}

/* 27.005 3.5.6: AT+CMMS=[<n>] (0-2), AT+CMMS? and AT+CMMS=?. */
static void
cmd_cmms(struct gsim *sim, const char *op, const char *arg)
{
	long long v;

	if (strcmp(op, "?") == 0)
		out_linef(sim, "+CMMS: %d", sim->cmms);
	else if (strcmp(op, "=?") == 0)
		out_line(sim, "+CMMS: (0-2)");
	else if (strcmp(op, "=") == 0 && arg[0] == '\0')
		sim->cmms = 0;
	else if (strcmp(op, "=") != 0 || num(arg, 0, 2, &v) == -1) {
		cms_error(sim, 304);
		return;
	} else
		sim->cmms = (int)v;
	final(sim, "OK");
}

/* 27.005 3.4.4: AT+CNMA[=<n>] in PDU mode, n 0/1 RP-ACK, 2 RP-ERROR. */
static void
cmd_cnma(struct gsim *sim, const char *op, const char *arg)
{
	long long n = 0;
	char v[8];

	snprintf(v, sizeof v, "%.*s", (int)strcspn(arg, ","), arg);
	if (op[0] == '=' && v[0] != '\0' && num(v, 0, 2, &n) == -1) {
		cms_error(sim, 304);
		return;
	}
	if (sim->csms != 1 || !sim->ack_wait) {
		cms_error(sim, 340);    /* no +CNMA acknowledgement expected */
		return;
	}
	sim->ack_wait = 0;
	if (n == 2) {
		sim->nacks++;           /* the network keeps it, offers later */
		sim->resend_at = now_ms() + sim->ack_ms;
	} else {
		sim->acks++;
		net_pop(sim);
	}
	final(sim, "OK");
	net_pump(sim);
}

/* 27.005 3.2.1: AT+CSMS=<service> (0, 1), AT+CSMS?, AT+CSMS=?. */
static void
cmd_csms(struct gsim *sim, const char *op, const char *arg)
{
	long long v;

	if (strcmp(op, "?") == 0)
		out_linef(sim, "+CSMS: %d,1,1,1", sim->csms);
	else if (strcmp(op, "=?") == 0)
		out_line(sim, "+CSMS: (0,1)");
	else if (strcmp(op, "=") != 0 || num(arg, 0, 1, &v) == -1) {
		cms_error(sim, 303);
		return;
	} else {
		sim->csms = (int)v;
		out_line(sim, "+CSMS: 1,1,1");
	}
	final(sim, "OK");
}

/*
 * 27.007 identification and character set commands, answered as a modem
 * does (gammu and gammu-smsd ask them before anything else): the name,
 * its information line ("" none), and whether "=?" / "?" differ.
 */
static const struct ident {
	const char *name, *op, *info;
} idents[] = {
	{ "+CGMI", "", "kefu" },
	{ "+CGMM", "", "gsmsim" },
	{ "+CGMR", "", "1.0" },
	{ "+CGSN", "", "490154203237518" },
	{ "+CIMI", "", "460001234567890" },
	{ "+CSCS", "?", "+CSCS: \"GSM\"" },
	{ "+CSCS", "=?", "+CSCS: (\"GSM\",\"UCS2\",\"IRA\")" },
	{ "+CSCS", "=", "" },
	{ "+CMGF", "=?", "+CMGF: (0,1)" },
	{ "+CPMS", "=?", "+CPMS: (\"SM\"),(\"SM\"),(\"SM\")" },
	{ "+CNMI", "=?", "+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)" },
	{ "+CNMI", "?", NULL },
	{ "+CFUN", "=", "" },
	{ "+CFUN", "?", "+CFUN: 1" },
	{ "+CMEE", "", "" },
	{ "+CMEE", "=", "" },
};

/*
 * 27.005 3.2.2: AT+CPMS=<mem1>[,<mem2>[,<mem3>]] answers the used and
 * total slots of each, +CPMS: <used1>,<total1>,<used2>,<total2>,<used3>,
 * <total3>; AT+CPMS? names them too.  Only "SM" (and "MT", its alias
 * here) is simulated.
 */
static void
cmd_cpms(struct gsim *sim, const char *op, const char *arg)
{
	unsigned used = 0, i;

	for (i = 0; i < sim->nslots; i++)
		used += sim->slots[i].used ? 1 : 0;
	if (strcmp(op, "?") == 0)
		out_linef(sim, "+CPMS: \"SM\",%u,%u,\"SM\",%u,%u,\"SM\",%u,%u",
		    used, sim->nslots, used, sim->nslots, used, sim->nslots);
	else if (strcmp(op, "=") == 0 && (strstr(arg, "\"SM\"") == arg ||
	    strstr(arg, "\"MT\"") == arg))
		out_linef(sim, "+CPMS: %u,%u,%u,%u,%u,%u", used, sim->nslots,
		    used, sim->nslots, used, sim->nslots);
	else {
		cms_error(sim, 302);
		return;
	}
	final(sim, "OK");
}

/* 1 when name/op is an identification command, answered. */
static int
cmd_ident(struct gsim *sim, const char *name, const char *op)
{
	size_t i;

	for (i = 0; i < nitems(idents); i++) {
		if (strcmp(idents[i].name, name) != 0 ||
		    strcmp(idents[i].op, op) != 0)
			continue;
		if (idents[i].info == NULL)
			out_linef(sim, "+CNMI: 2,%d,0,%d,0", sim->cnmi_mt,
			    sim->cnmi_ds);
		else if (idents[i].info[0] != '\0')
			out_line(sim, idents[i].info);
		final(sim, "OK");
		return 1;
	}
	return 0;
}

/* Commands that need the SIM unlocked. */
static int
needs_sim(const char *name)
{
	static const char *sms[] = { "+CMGS", "+CMGR", "+CMGL", "+CMGD",
	    "+CSCA", "+CPMS", "+CNMI" };
	size_t i;

	for (i = 0; i < nitems(sms); i++)
		if (strcmp(name, sms[i]) == 0)
			return 1;
	return 0;
}

/* One extended command: name, "=" / "?" / "=?" and its argument. */
static void
cmd_ext(struct gsim *sim, const char *name, const char *op, const char *arg)
{
	if (needs_sim(name) && sim->pin != NULL && strcmp(op, "=?") != 0)
		cms_error(sim, 311);            /* SIM PIN required */
	else if (cmd_ident(sim, name, op))
		;
	else if (strcmp(name, "+CPIN") == 0)
		cmd_cpin(sim, op, arg);
	else if (strcmp(name, "+CMGF") == 0 && strcmp(op, "=") == 0 &&
	    (strcmp(arg, "0") == 0 || strcmp(arg, "1") == 0)) {
		sim->cmgf = arg[0] - '0';
		final(sim, "OK");
	} else if (strcmp(name, "+CMGF") == 0 && strcmp(op, "?") == 0) {
		out_linef(sim, "+CMGF: %d", sim->cmgf);
		final(sim, "OK");
	} else if (strcmp(name, "+CMGS") == 0 && strcmp(op, "=") == 0)
		cmd_cmgs(sim, arg);
	else if (strcmp(name, "+CMGR") == 0 && strcmp(op, "=") == 0)
		cmd_cmgr(sim, arg);
	else if (strcmp(name, "+CMGL") == 0)
		cmd_cmgl(sim, op[0] == '\0' ? "0" : arg);
	else if (strcmp(name, "+CMGD") == 0 && strcmp(op, "=") == 0)
		cmd_cmgd(sim, arg);
	else if (strcmp(name, "+CNMI") == 0 && strcmp(op, "=") == 0)
		cmd_cnmi(sim, arg);
	else if (strcmp(name, "+CSCA") == 0 && strcmp(op, "?") == 0) {
		out_line(sim, "+CSCA: \"+8613800100500\",145");
		final(sim, "OK");
	} else if (strcmp(name, "+CSQ") == 0) {
		out_line(sim, "+CSQ: 20,99");
		final(sim, "OK");
	} else if (strcmp(name, "+CMMS") == 0)
		cmd_cmms(sim, op, arg);
	else if (strcmp(name, "+CNMA") == 0)
		cmd_cnma(sim, op, arg);
	else if (strcmp(name, "+CSMS") == 0)
		cmd_csms(sim, op, arg);
	else if (strcmp(name, "+CPMS") == 0)
		cmd_cpms(sim, op, arg);
	else if (strcmp(name, "+CMEE") == 0)
		final(sim, "OK");
	else
		final(sim, "ERROR");
}

/* A whole command line (without "AT" and the CR). */
static void
cmd_line(struct gsim *sim, char *body)
{
	char name[16], *up;
	const char *op, *arg;
	size_t n;

	if (body[0] == '\0') {
		final(sim, "OK");
		return;
	}
	if (body[0] == 'E' && (body[1] == '0' || body[1] == '1' ||
	    body[1] == '\0')) {
		sim->echo = body[1] == '1';
		final(sim, "OK");
		return;
	}
	if (strcmp(body, "Z") == 0 || strcmp(body, "&F") == 0 ||
	    strcmp(body, "I") == 0) {
		if (body[0] == 'I')
			out_line(sim, "kefu gsmsim");
		final(sim, "OK");
		return;
	}
	if (body[0] != '+') {
		final(sim, "ERROR");
		return;
	}
	n = strcspn(body, "=?");
	snprintf(name, sizeof name, "%.*s", (int)n, body);
	for (up = name; *up != '\0'; up++)
		*up = (char)toupper((unsigned char)*up);
	op = body + n;
	if (op[0] == '=' && op[1] == '?')
		arg = op + 2, op = "=?";
	else if (op[0] == '=')
		arg = op + 1, op = "=";
	else if (op[0] == '?')
		arg = op + 1, op = "?";
	else
		arg = op, op = "";
	cmd_ext(sim, name, op, arg);
}

static void
line_done(struct gsim *sim)
{
	sim->line[sim->len] = '\0';
	sb_adds(&sim->transcript, sim->line);
	sb_addc(&sim->transcript, '\n');
	pthread_cond_broadcast(&sim->cv);       /* gsim_wait_heard */
	if (sim->len >= 2 && toupper((unsigned char)sim->line[0]) == 'A' &&
	    toupper((unsigned char)sim->line[1]) == 'T')
		cmd_line(sim, sim->line + 2);
	sim->len = 0;
}

static void
input_byte(struct gsim *sim, unsigned char c)
{
	if (sim->pdu_mode) {
		if (c == CTRL_Z) {
			sim->pdu_mode = 0;
			sim->line[sim->len] = '\0';
			cmgs_done(sim);
			sim->len = 0;
		} else if (c == ESC) {
			sim->pdu_mode = 0;      /* cancelled: nothing sent */
			sim->len = 0;
			final(sim, "OK");
		} else if (isxdigit(c) && sim->len + 1 < sizeof sim->line)
			sim->line[sim->len++] = (char)c;
		return;                 /* CR/LF inside the PDU are ignored */
	}
	if (sim->echo)
		out(sim, (char[]){ (char)c, '\0' });
	if (c == '\r')
		line_done(sim);
	else if (c == '\b' && sim->len > 0)
		sim->len--;
	else if (c != '\n' && sim->len + 1 < sizeof sim->line)
		sim->line[sim->len++] = (char)c;
}

/* ---------------------------------------------------------------- */
/* the thread */

static void *
sim_main(void *arg)
{
	struct gsim *sim = arg;
	struct pollfd p[2];
	unsigned char buf[512];
	char drain[64];
	ssize_t n, i;

	pthread_mutex_lock(&sim->mu);
	while (!sim->stop) {
		p[0].fd = sim->wake[0];
		p[0].events = POLLIN;
		p[1].fd = sim->mfd;
		p[1].events = sim->dead || sim->mfd < 0 ? 0 : POLLIN;
		pthread_mutex_unlock(&sim->mu);
		n = poll(p, 2, sim->nnet > 0 ? 20 : 1000);
		pthread_mutex_lock(&sim->mu);
		net_pump(sim);
		if (n <= 0)
			continue;
		if (p[0].revents & POLLIN)
			while (read(sim->wake[0], drain, sizeof drain) > 0)
				;
		if (sim->dead || sim->mfd < 0 || !(p[1].revents & POLLIN))
			continue;
		if ((n = read(sim->mfd, buf, sizeof buf)) <= 0)
			continue;
		for (i = 0; i < n && !sim->stop; i++)
			input_byte(sim, buf[i]);
	}
	pthread_mutex_unlock(&sim->mu);
	return NULL;
}

static void
wake(struct gsim *sim)
{
	char c = 0;

	if (write(sim->wake[1], &c, 1) == -1) {
		/* the pipe is full: the thread wakes anyway */
	}
}

static int
pty_open(struct gsim *sim, char **cause)
{
	struct termios t;
	char tmp[300];

	if (openpty(&sim->mfd, &sim->sfd, sim->path, NULL, NULL) == -1)
		return kf_error(cause, "openpty: %s", strerror(errno));
	if (tcgetattr(sim->sfd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(sim->sfd, TCSANOW, &t);
	}
	fcntl(sim->mfd, F_SETFL, fcntl(sim->mfd, F_GETFL) | O_NONBLOCK);
	fcntl(sim->mfd, F_SETFD, FD_CLOEXEC);
	fcntl(sim->sfd, F_SETFD, FD_CLOEXEC);
	if (sim->link == NULL)
		return 0;
	snprintf(tmp, sizeof tmp, "%s.new", sim->link);
	unlink(tmp);
	if (symlink(sim->path, tmp) == -1 || rename(tmp, sim->link) == -1)
		return kf_error(cause, "%s: %s", sim->link, strerror(errno));
	return 0;
}

int
gsim_start(const struct gsim_opts *opts, struct gsim **out,
    char **cause)
{
	struct gsim_opts o;
	struct gsim *sim;
	pthread_condattr_t ca;
	int rc;

	memset(&o, 0, sizeof o);
	if (opts != NULL)
		o = *opts;
	sim = xcalloc(1, sizeof *sim);
	sim->mfd = sim->sfd = -1;
	sim->echo = 1;
	sim->cnmi_mt = 1;
	sim->cnmi_ds = 1;
	sim->ack_ms = 5000;
	sim->pin = o.pin != NULL ? xstrdup(o.pin) : NULL;
	sim->pin_orig = o.pin != NULL ? xstrdup(o.pin) : NULL;
	sim->link = o.link != NULL ? xstrdup(o.link) : NULL;
	sim->send_ms = o.send_ms;
	sim->nslots = o.slots > 0 ? o.slots : 30;
	sim->slots = xcalloc(sim->nslots, sizeof *sim->slots);
	pthread_mutex_init(&sim->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sim->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pipe(sim->wake) == -1) {
		rc = kf_error(cause, "pipe: %s", strerror(errno));
		sim->wake[0] = sim->wake[1] = -1;
		goto fail;
	}
	fcntl(sim->wake[0], F_SETFL, O_NONBLOCK);
	fcntl(sim->wake[1], F_SETFL, O_NONBLOCK);
	if ((rc = pty_open(sim, cause)) == -1)
		goto fail;
	if ((rc = pthread_create(&sim->thread, NULL, sim_main, sim)) != 0) {
		rc = kf_error(cause, "pthread_create: %s", strerror(rc));
		goto fail;
	}
	*out = sim;
	return 0;
fail:
	sim->stop = 1;
	gsim_stop(sim);
	return rc;
}

void
gsim_stop(struct gsim *sim)
{
	size_t i;

	if (sim == NULL)
		return;
	pthread_mutex_lock(&sim->mu);
	i = (size_t)sim->stop;
	sim->stop = 1;
	if (sim->wake[1] >= 0)
		wake(sim);
	pthread_cond_broadcast(&sim->cv);
	pthread_mutex_unlock(&sim->mu);
	if (i == 0)
		pthread_join(sim->thread, NULL);
	if (sim->mfd >= 0)
		close(sim->mfd);
	if (sim->sfd >= 0)
		close(sim->sfd);
	if (sim->wake[0] >= 0) {
		close(sim->wake[0]);
		close(sim->wake[1]);
	}
	if (sim->link != NULL)
		unlink(sim->link);
	for (i = 0; i < sim->nslots; i++)
		free(sim->slots[i].hex);
	for (i = 0; i < sim->nsent; i++)
		gsim_sent_free(&sim->sent[i]);
	for (i = 0; i < sim->nurc; i++)
		free(sim->urc[i]);
	for (i = 0; i < sim->nheld; i++)
		free(sim->held[i]);
	for (i = 0; i < sim->nnet; i++)
		free(sim->net[i].hex);
	free(sim->net);
	free(sim->held);
	free(sim->held_len);
	free(sim->urc);
	free(sim->sent);
	free(sim->slots);
	free(sim->pin);
	free(sim->pin_orig);
	free(sim->link);
	sb_free(&sim->transcript);
	pthread_cond_destroy(&sim->cv);
	pthread_mutex_destroy(&sim->mu);
	free(sim);
}

void
gsim_unplug(struct gsim *sim)
{
	pthread_mutex_lock(&sim->mu);
	if (sim->mfd >= 0)
		close(sim->mfd);
	if (sim->sfd >= 0)
		close(sim->sfd);
	sim->mfd = sim->sfd = -1;
	sim->plugs++;
	if (sim->link != NULL)
		unlink(sim->link);
	sim->len = 0;
	sim->pdu_mode = 0;
	wake(sim);
	pthread_cond_broadcast(&sim->cv);      /* ends a send_wait */
	pthread_mutex_unlock(&sim->mu);
}

int
gsim_sending(struct gsim *sim)
{
	int on;

	pthread_mutex_lock(&sim->mu);
	on = sim->sending;
	pthread_mutex_unlock(&sim->mu);
	return on;
}

int
gsim_replug(struct gsim *sim, char **cause)
{
	int rc;

	pthread_mutex_lock(&sim->mu);
	/* a modem powered up again: factory settings, the SIM locked */
	sim->echo = 1;
	sim->cmgf = 0;
	sim->cnmi_mt = sim->cnmi_ds = 1;
	sim->cmms = 0;
	sim->csms = 0;
	sim->ack_wait = 0;
	free(sim->pin);
	sim->pin = sim->pin_orig != NULL ? xstrdup(sim->pin_orig) : NULL;
	rc = sim->mfd >= 0 ? 0 : pty_open(sim, cause);
	wake(sim);
	pthread_mutex_unlock(&sim->mu);
	return rc;
}

const char *
gsim_path(struct gsim *sim)
{
	return sim->link != NULL ? sim->link : sim->path;
}

/* ---------------------------------------------------------------- */
/* the test's side */

int
gsim_deliver(struct gsim *sim, const char *from, const char *text,
    char **cause)
{
	return gsim_deliver_parts(sim, from, text, -1, ~0u, cause);
}

int
gsim_deliver_parts(struct gsim *sim, const char *from, const char *text,
    int ref, unsigned mask, char **cause)
{
	struct sms_pdu *p;
	size_t n, i;
	int idx, rc = 0;

	pthread_mutex_lock(&sim->mu);
	if (sms_encode_deliver(text, from, "261206102030", 32,
	    ref >= 0 ? (unsigned)ref : (unsigned)sim->nsent + 7, &p, &n,
	    cause) == -1) {
		pthread_mutex_unlock(&sim->mu);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (i < 32 && !(mask & 1u << i))
			continue;       /* this part lost on the way */
		if (sim->cnmi_mt == 2 && sim->csms == 1)
			net_add(sim, p[i].hex, p[i].tpdu_len, 0);
		else if (sim->cnmi_mt == 2) {
			out_linef(sim, "+CMT: ,%u", p[i].tpdu_len);
			out(sim, p[i].hex);
			out(sim, "\r\n");
		} else if ((idx = slot_add(sim, p[i].hex, p[i].tpdu_len)) > 0)
			out_linef(sim, "+CMTI: \"SM\",%d", idx);
		else {
			rc = kf_error(cause, "SIM store full: part %zu of %zu "
			    "not delivered", i + 1, n);
			break;
		}
	}
	sms_pdus_free(p, n);
	pthread_mutex_unlock(&sim->mu);
	return rc;
}

void
gsim_status_reports(struct gsim *sim, int on, unsigned st)
{
	pthread_mutex_lock(&sim->mu);
	sim->reports = on;
	sim->report_st = st;
	pthread_mutex_unlock(&sim->mu);
}

void
gsim_hold_reports(struct gsim *sim, int on)
{
	pthread_mutex_lock(&sim->mu);
	sim->hold = on;
	pthread_mutex_unlock(&sim->mu);
}

int
gsim_release_report(struct gsim *sim, size_t i)
{
	pthread_mutex_lock(&sim->mu);
	if (i >= sim->nheld || sim->held[i] == NULL) {
		pthread_mutex_unlock(&sim->mu);
		return -1;
	}
	report_out(sim, sim->held[i], sim->held_len[i]);
	free(sim->held[i]);
	sim->held[i] = NULL;
	pthread_mutex_unlock(&sim->mu);
	return 0;
}

void
gsim_set_ack_ms(struct gsim *sim, unsigned ms)
{
	pthread_mutex_lock(&sim->mu);
	sim->ack_ms = ms;
	pthread_mutex_unlock(&sim->mu);
}

void
gsim_acks(struct gsim *sim, unsigned *acks, unsigned *nacks, int *mt)
{
	pthread_mutex_lock(&sim->mu);
	*acks = sim->acks;
	*nacks = sim->nacks;
	*mt = sim->cnmi_mt;
	pthread_mutex_unlock(&sim->mu);
}

void
gsim_set_mr(struct gsim *sim, unsigned mr)
{
	pthread_mutex_lock(&sim->mu);
	sim->mr = mr & 0xff;
	pthread_mutex_unlock(&sim->mu);
}

void
gsim_fail_sends(struct gsim *sim, unsigned n, int code)
{
	pthread_mutex_lock(&sim->mu);
	sim->fail_n = n;
	sim->fail_code = code;
	pthread_mutex_unlock(&sim->mu);
}

void
gsim_set_send_ms(struct gsim *sim, unsigned ms)
{
	pthread_mutex_lock(&sim->mu);
	sim->send_ms = ms;
	pthread_mutex_unlock(&sim->mu);
}

void
gsim_urc_next(struct gsim *sim, const char *line)
{
	pthread_mutex_lock(&sim->mu);
	sim->urc = xreallocarray(sim->urc, sim->nurc + 1, sizeof *sim->urc);
	sim->urc[sim->nurc++] = xstrdup(line);
	pthread_mutex_unlock(&sim->mu);
}

void
gsim_urc_now(struct gsim *sim, const char *line)
{
	pthread_mutex_lock(&sim->mu);
	out_line(sim, line);
	pthread_mutex_unlock(&sim->mu);
}

void
gsim_set_dead(struct gsim *sim, int on)
{
	pthread_mutex_lock(&sim->mu);
	sim->dead = on;
	wake(sim);
	pthread_mutex_unlock(&sim->mu);
}

size_t
gsim_nsent(struct gsim *sim)
{
	size_t n;

	pthread_mutex_lock(&sim->mu);
	n = sim->nsent;
	pthread_mutex_unlock(&sim->mu);
	return n;
}

int
gsim_sent_get(struct gsim *sim, size_t i, struct gsim_sent *out)
{
	const struct gsim_sent *s;

	pthread_mutex_lock(&sim->mu);
	if (i >= sim->nsent) {
		pthread_mutex_unlock(&sim->mu);
		return -1;
	}
	s = &sim->sent[i];
	*out = *s;
	out->hex = xstrdup(s->hex);
	out->msg.text = xstrdup(s->msg.text != NULL ? s->msg.text : "");
	pthread_mutex_unlock(&sim->mu);
	return 0;
}

void
gsim_sent_free(struct gsim_sent *s)
{
	free(s->hex);
	s->hex = NULL;
	sms_msg_free(&s->msg);
}

int
gsim_wait_sent(struct gsim *sim, size_t n, unsigned timeout_ms)
{
	struct timespec end = deadline(timeout_ms);
	int rc = 0;

	pthread_mutex_lock(&sim->mu);
	while (sim->nsent < n && rc == 0)
		rc = pthread_cond_timedwait(&sim->cv, &sim->mu, &end);
	rc = sim->nsent < n ? -1 : 0;
	pthread_mutex_unlock(&sim->mu);
	return rc;
}

int
gsim_write_pdus(struct gsim *sim, const char *path, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int rc;

	pthread_mutex_lock(&sim->mu);
	for (i = 0; i < sim->nsent; i++)
		if (sim->sent[i].cms == 0)
			sb_addf(&sb, "1\t%s\n", sim->sent[i].hex);
	pthread_mutex_unlock(&sim->mu);
	rc = file_write_atomic(path, sb_str(&sb), sb.len, cause);
	sb_free(&sb);
	return rc;
}

int
gsim_wait_heard(struct gsim *sim, unsigned timeout_ms)
{
	struct timespec end = deadline(timeout_ms);
	int rc = 0;

	pthread_mutex_lock(&sim->mu);
	while (sim->transcript.len == 0 && rc == 0)
		rc = pthread_cond_timedwait(&sim->cv, &sim->mu, &end);
	rc = sim->transcript.len == 0 ? -1 : 0;
	pthread_mutex_unlock(&sim->mu);
	return rc;
}

char *
gsim_transcript(struct gsim *sim)
{
	char *s;

	pthread_mutex_lock(&sim->mu);
	s = xstrdup(sb_str(&sim->transcript));
	pthread_mutex_unlock(&sim->mu);
	return s;
}

size_t
gsim_stored(struct gsim *sim)
{
	size_t n = 0, i;

	pthread_mutex_lock(&sim->mu);
	for (i = 0; i < sim->nslots; i++)
		n += sim->slots[i].used ? 1 : 0;
	pthread_mutex_unlock(&sim->mu);
	return n;
}
