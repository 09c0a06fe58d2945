/*
 * modemsim.c: the modem side of ITU-T V.253 voice mode (with the V.250
 * command line rules it builds on) on a pseudo-terminal: AT command
 * parsing, +VTX/+VRX data states with DLE shielding, ring/caller ID,
 * DTMF and hang-up events, and faults on demand.  One thread per
 * simulator; everything it shares with callers sits behind sim->mu.
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
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"
#include "modemsim.h"

#define DLE 0x10
#define ETX 0x03
#define CAN 0x18
#define SUB 0x1a
#define ESC 0x1b

#define LINE_MAX_LEN 256

/* One +VSM compression method as a family lists it. */
struct fmt {
	int cml;                /* the +VSM number */
	const char *name;       /* the name string in AT+VSM=? */
	unsigned bits;          /* bits per sample */
	unsigned char silence;  /* the byte the modem sends for silence */
};

/* Everything that differs between the imitated modems. */
struct family {
	const char *name;
	const char *ati[10];    /* ATI0..ATI9 answers, NULL = ERROR */
	const char *fmi, *fmm, *fmr;
	const struct fmt *fmts;
	size_t nfmts;
	const char *rates;      /* the rate field of AT+VSM=? */
	int def_cml;            /* +VSM method after reset */
	const char *fclass_list;
	const char *vls_list;   /* AT+VLS=? answer */
	int vsd;                /* 1: honours +VSD (sends DLE s / DLE q) */
	int cid_spaces;         /* "NMBR = x" rather than "NMBR=x" */
	int vrx_etx;            /* DLE ETX before the OK that ends VRX */
	const char *ata_voice;  /* result of ATA in +FCLASS=8 */
	int dtmf_repeats;       /* DLE <k> repeats between DLE / and DLE ~ */
	int forget_voice;       /* voice settings reset when leaving class 8 */
	int use_sub;            /* shield 0x10 0x10 as DLE SUB */
	int conexant_cmds;      /* accepts -SCID, -STE, AT!nnnn */
	int usr_cmds;           /* accepts #CID */
};

static const struct fmt conexant_fmts[] = {
	{ 1, "UNSIGNED PCM", 8, 0x80 },
	{ 129, "IMA ADPCM", 4, 0x00 },
	{ 130, "UNSIGNED PCM", 8, 0x80 },
	{ 140, "2 Bit ADPCM", 2, 0x00 },
	{ 141, "4 Bit ADPCM", 4, 0x00 },
};
static const struct fmt usr_fmts[] = {
	{ 1, "UNSIGNED PCM", 8, 0x80 },
	{ 128, "8-BIT LINEAR", 8, 0x80 },
	{ 129, "ADPCM", 4, 0x00 },
	{ 130, "UNSIGNED PCM", 8, 0x80 },
	{ 131, "ULAW", 8, 0xff },
	{ 132, "ALAW", 8, 0xd5 },
	{ 133, "LINEAR", 16, 0x00 },
};
static const struct fmt v253_fmts[] = {
	{ 0, "SIGNED PCM", 8, 0x00 },
	{ 1, "UNSIGNED PCM", 8, 0x80 },
	{ 4, "ULAW", 8, 0xff },
	{ 5, "ALAW", 8, 0xd5 },
};

#define CX_VLS \
	"0,\"\",00000000,00000000,00000000\r\n" \
	"1,\"T\",0B8433C1,0FE431C1,0B8431C1\r\n" \
	"2,\"L\",00000000,00000000,00000000\r\n" \
	"3,\"LT\",0B8433C1,0FE431C1,0B8431C1\r\n" \
	"4,\"S\",00000000,00000000,00000000\r\n" \
	"5,\"ST\",0B8433C1,0FE431C1,0B8431C1\r\n" \
	"6,\"M\",00000000,00000000,00000000\r\n" \
	"7,\"MST\",0B8433C1,0FE431C1,0B8431C1"

static const struct family families[] = {
	[MSIM_CONEXANT] = {
		.name = "conexant",
		.ati = { "56000", "255", "OK", "CX93001-EIS_V0.2002-V92",
		    "Zoom 3095", NULL, NULL, NULL, NULL, NULL },
		.fmi = "CONEXANT", .fmm = "CX93001-EIS_V0.2002-V92",
		.fmr = "CX93001-EIS_V0.2002-V92",
		.fmts = conexant_fmts, .nfmts = nitems(conexant_fmts),
		.rates = "(8000)", .def_cml = 1,
		.fclass_list = "(0,1,1.0,8)",
		.vls_list = CX_VLS,
		.vsd = 0, .cid_spaces = 1, .vrx_etx = 0, .ata_voice = "OK",
		.dtmf_repeats = 2, .forget_voice = 0, .use_sub = 0,
		.conexant_cmds = 1,
	},
	[MSIM_USR] = {
		.name = "usr",
		.ati = { "5601", "255", "OK",
		    "U.S. Robotics 56K FAX USB V1.2.23",
		    "USRobotics 56K FAX USB", NULL, NULL, NULL, NULL, NULL },
		.fmi = "U.S. Robotics", .fmm = "56K FAX USB",
		.fmr = "V1.2.23",
		.fmts = usr_fmts, .nfmts = nitems(usr_fmts),
		.rates = "(7200,8000)", .def_cml = 128,
		.fclass_list = "(0,1,8)",
		.vls_list = CX_VLS,
		.vsd = 1, .cid_spaces = 0, .vrx_etx = 1, .ata_voice = "VCON",
		.dtmf_repeats = 3, .forget_voice = 1, .use_sub = 0,
		.usr_cmds = 1,
	},
	[MSIM_V253] = {
		.name = "v253",
		.ati = { "V253", "0", "OK", "kefu modemsim V.253", NULL, NULL,
		    NULL, NULL, NULL, NULL },
		.fmi = "kefu", .fmm = "modemsim", .fmr = "1.0",
		.fmts = v253_fmts, .nfmts = nitems(v253_fmts),
		.rates = "(7200,8000)", .def_cml = 1,
		.fclass_list = "(0,8)",
		.vls_list = CX_VLS,
		.vsd = 1, .cid_spaces = 1, .vrx_etx = 1, .ata_voice = "OK",
		.dtmf_repeats = 2, .forget_voice = 0, .use_sub = 1,
	},
};

enum ev_kind {
	EV_RING,        /* one ring of sequence <seq> */
	EV_CID,         /* the caller-ID block in <text> */
	EV_DTMF,        /* keys in <text> */
	EV_DCODES,      /* "<codes>|<keys>": rest of one key's DLE pattern */
	EV_HANGUP,      /* method <arg> */
	EV_REPEAT,      /* DLE <arg> repeated while the caller is gone */
};

struct ev {
	enum ev_kind kind;
	uint64_t at;            /* due (now_ms) when !by_byte */
	int by_byte;            /* due when the data session reaches at_byte */
	size_t at_byte;
	int arg;
	unsigned seq;
	char *text;
};

struct seg {
	unsigned char *b;       /* audio received (up to vtx_capture_max) */
	size_t len, cap;
	size_t heard;           /* bytes the caller heard, once ended */
	int heard_set;          /* fixed at DLE CAN */
	enum msim_vtx_end end;
	uint64_t first_us;      /* now_us() at its first audio byte; 0 before */
};

struct msim {
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* broadcast on every observable change */
	pthread_t thread;
	int wake[2];            /* API -> thread */
	int stop, vanish_req;

	const struct family *fam;
	struct msim_opts o;
	uint64_t key_us;        /* now_us() when the last key's first code went
				   out */
	char *link;
	char path[128];         /* slave name */
	int mfd, sfd;           /* master; our own slave (keeps the pty up) */
	int lfd;                /* tcp: listening socket; mfd = the client */
	int tcp_port;
	uint32_t rnd;

	/* modem state */
	enum msim_state state;
	int offhook, fclass, echo, verbose, quiet, vcid;
	int p_echo, p_verbose, p_vcid;  /* &W profile */
	int cml;
	unsigned rate;
	int vsd_sds, vsd_sdi, vgt, vgr, vtd, ifc_a, ifc_b, vit, vnh, vls;
	int vdr_on, vdr_report; /* +VDR: cadence reports, RING delay */
	unsigned ring_interval; /* of the current ring sequence, ms */
	unsigned char sreg[100];
	char line[LINE_MAX_LEN + 1];
	size_t linelen;
	int line_overflow;
	uint64_t hold_until;    /* command processing paused (beep) */
	const char *held_final; /* result sent when the hold ends */

	/* input */
	unsigned char in[4096];
	size_t in_len, in_off;
	int dle;                /* host DLE seen, code pending */

	/* output queue */
	unsigned char *out;
	size_t out_len, out_off, out_cap;
	size_t split_at;        /* write stops after this offset, 0 = none */
	int split_wait;         /* the rest waits until the host read that */
	uint64_t written;       /* bytes written to the host, ever */
	uint64_t out_hold;

	/* data sessions */
	uint64_t t0;            /* start of the audio timeline, 0 = not yet */
	uint64_t sess_bytes;    /* audio bytes of the current VTX/VRX */
	int ending;             /* VTX: DLE ETX seen, playing out */
	uint64_t end_at;
	int cancelled;
	uint64_t vrx_silence;   /* consecutive silent bytes sent */
	int vrx_voice, vrx_sd_sent;

	/* caller */
	int caller_gone;
	unsigned char *feed;
	size_t feed_len, feed_off;
	unsigned ring_seq;

	/* faults */
	unsigned f_drop_ok, f_split, f_spurious_d, f_underrun_u, f_chop;
	unsigned f_slow_cmd;    /* ms the next command line waits unread */
	unsigned f_ok_dle;      /* VRX-ending OKs held for the next DLE */
	int ok_held;            /* 1: output held since such an OK */
	int f_hang;             /* wedged: reads nothing, says nothing */
	int q_vsm_prefix, q_vsm_4args, q_no_ifc;   /* firmware variants */
	int q_nc_keeps_line;
	int vrx_etx;

	struct ev *evs;
	size_t nevs;
	char **tr;
	size_t ntr;
	struct seg *segs;
	size_t nsegs, nsegs_ended;
	struct msim_stats st;
};

static const char *state_names[] = {
	[MSIM_COMMAND] = "command", [MSIM_VTX] = "vtx", [MSIM_VRX] = "vrx",
	[MSIM_GONE] = "gone",
};
static const char *hup_names[] = {
	[MSIM_HUP_BUSY] = "busy", [MSIM_HUP_DIALTONE] = "dialtone",
	[MSIM_HUP_LOOP] = "loop", [MSIM_HUP_SILENCE] = "silence",
	[MSIM_HUP_QUIET] = "quiet", [MSIM_HUP_NOCARRIER] = "nocarrier",
	[MSIM_HUP_SILENT] = "silent", [MSIM_HUP_EXTENSION] = "extension",
};

const char *
msim_family_name(enum msim_family f)
{
	return (unsigned)f < nitems(families) ? families[f].name : "?";
}

int
msim_family_parse(const char *name, enum msim_family *out)
{
	size_t i;

	for (i = 0; i < nitems(families); i++)
		if (str_ieq(name, families[i].name)) {
			*out = (enum msim_family)i;
			return 0;
		}
	return -1;
}

const char *
msim_state_name(enum msim_state s)
{
	return (unsigned)s < nitems(state_names) ? state_names[s] : "?";
}

int
msim_hangup_parse(const char *name, enum msim_hangup *out)
{
	size_t i;

	for (i = 0; i < nitems(hup_names); i++)
		if (str_ieq(name, hup_names[i])) {
			*out = (enum msim_hangup)i;
			return 0;
		}
	return -1;
}

/* ---------------------------------------------------------------- */
/* helpers (called with sim->mu held) */

static void
wake(struct msim *sim)
{
	char c = 1;
	ssize_t r;

	r = write(sim->wake[1], &c, 1);
	(void)r;
}

static const struct fmt *
fmt_find(const struct family *fam, int cml)
{
	size_t i;

	for (i = 0; i < fam->nfmts; i++)
		if (fam->fmts[i].cml == cml)
			return &fam->fmts[i];
	return NULL;
}

/* Audio bytes per second of the selected +VSM format. */
static unsigned
bytes_per_sec(const struct msim *sim)
{
	const struct fmt *f = fmt_find(sim->fam, sim->cml);
	unsigned bits = f != NULL ? f->bits : 8;

	return sim->rate * bits / 8;
}

static unsigned char
silence_byte(const struct msim *sim)
{
	const struct fmt *f = fmt_find(sim->fam, sim->cml);

	return f != NULL ? f->silence : 0x80;
}

static uint32_t
rnd_next(struct msim *sim)
{
	uint32_t x = sim->rnd;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return sim->rnd = x;
}

static void
out_add(struct msim *sim, const void *p, size_t n)
{
	if (sim->state == MSIM_GONE)
		return;
	/* a TCP serial server drops what nobody is connected to read */
	if ((sim->o.tcp && sim->mfd < 0) || sim->f_hang)
		return;
	if (sim->out_off > 0 && sim->out_off == sim->out_len) {
		sim->out_off = sim->out_len = 0;
		sim->split_at = sim->split_wait = 0;
	}
	if (sim->out_len + n > sim->out_cap) {
		sim->out_cap = (sim->out_len + n) * 2 + 256;
		sim->out = xrealloc(sim->out, sim->out_cap);
	}
	memcpy(sim->out + sim->out_len, p, n);
	sim->out_len += n;
}

/* DLE <code>; honours the split fault by marking a write boundary. */
static void
out_dle(struct msim *sim, int code)
{
	unsigned char b[2] = { DLE, (unsigned char)code };

	out_add(sim, b, 1);
	if (sim->ok_held) {
		/* the held OK goes out with this DLE, the code later */
		sim->ok_held = 0;
		sim->out_hold = 0;
		sim->split_at = sim->out_len;
	} else if (sim->f_split > 0 && sim->split_at == 0) {
		sim->f_split--;
		sim->split_at = sim->out_len;
	}
	out_add(sim, b + 1, 1);
}

static void
out_str(struct msim *sim, const char *s)
{
	out_add(sim, s, strlen(s));
}

static int
numeric_code(const char *res)
{
	static const struct { const char *t; int n; } codes[] = {
		{ "OK", 0 }, { "CONNECT", 1 }, { "RING", 2 },
		{ "NO CARRIER", 3 }, { "ERROR", 4 }, { "NO DIALTONE", 6 },
		{ "BUSY", 7 }, { "NO ANSWER", 8 },
	};
	size_t i;

	for (i = 0; i < nitems(codes); i++)
		if (strcmp(codes[i].t, res) == 0)
			return codes[i].n;
	return -1;
}

/* A final or unsolicited result code, in the current V0/V1 form. */
static void
result(struct msim *sim, const char *res)
{
	char buf[32];
	int n;

	if (strcmp(res, "OK") == 0 && sim->f_drop_ok > 0) {
		sim->f_drop_ok--;
		return;
	}
	if (strcmp(res, "ERROR") == 0)
		sim->st.errors++;
	if (sim->quiet)
		return;
	if (!sim->verbose && (n = numeric_code(res)) >= 0) {
		snprintf(buf, sizeof buf, "%d\r", n);
		out_str(sim, buf);
		return;
	}
	out_str(sim, "\r\n");
	out_str(sim, res);
	out_str(sim, "\r\n");
}

static void
transcript_add(struct msim *sim, const char *s)
{
	sim->tr = xreallocarray(sim->tr, sim->ntr + 1, sizeof *sim->tr);
	sim->tr[sim->ntr++] = xstrdup(s);
	pthread_cond_broadcast(&sim->cv);
}

static void
ev_remove(struct msim *sim, size_t i)
{
	free(sim->evs[i].text);
	sim->evs[i] = sim->evs[--sim->nevs];
}

static struct ev *
ev_add(struct msim *sim, enum ev_kind kind, uint64_t at)
{
	struct ev *e;

	sim->evs = xreallocarray(sim->evs, sim->nevs + 1, sizeof *sim->evs);
	e = &sim->evs[sim->nevs++];
	memset(e, 0, sizeof *e);
	e->kind = kind;
	e->at = at;
	return e;
}

static void
voice_defaults(struct msim *sim)
{
	sim->cml = sim->fam->def_cml;
	sim->rate = 8000;
	sim->vsd_sds = 128;
	sim->vsd_sdi = 0;
	sim->vgt = sim->vgr = 128;
	sim->vtd = 100;
	sim->vit = 0;
	sim->vnh = 0;
	sim->vdr_on = sim->vdr_report = 0;
}

static struct seg *
cur_seg(struct msim *sim)
{
	return sim->nsegs > 0 ? &sim->segs[sim->nsegs - 1] : NULL;
}

static unsigned bytes_per_sec(const struct msim *sim);

/* Audio bytes of this VTX played out by now (all of them when fast). */
static uint64_t
vtx_played(struct msim *sim, uint64_t now)
{
	uint64_t p;

	if (sim->o.fast)
		return sim->sess_bytes;
	if (sim->t0 == 0)
		return 0;
	p = (now - sim->t0) * bytes_per_sec(sim) / 1000;
	return p < sim->sess_bytes ? p : sim->sess_bytes;
}

static void
seg_heard(struct seg *s, uint64_t played)
{
	if (s->heard_set)
		return;
	s->heard = played < s->len ? (size_t)played : s->len;
	s->heard_set = 1;
}

static void
seg_end(struct msim *sim, enum msim_vtx_end end)
{
	struct seg *s = cur_seg(sim);

	if (s != NULL && s->end == MSIM_VTX_OPEN) {
		s->end = end;
		/* played out completely, or cut off where it stood */
		seg_heard(s, end == MSIM_VTX_ABORT ?
		    vtx_played(sim, now_ms()) : s->len);
		sim->nsegs_ended++;
	}
}

static void
set_state(struct msim *sim, enum msim_state s)
{
	if (sim->state == s)
		return;
	if (sim->state == MSIM_VTX)
		seg_end(sim, MSIM_VTX_ABORT);
	log_debug("modemsim %s: %s -> %s", sim->path,
	    state_names[sim->state], state_names[s]);
	sim->state = s;
	sim->ending = 0;
	pthread_cond_broadcast(&sim->cv);
}

static void
set_hook(struct msim *sim, int off)
{
	size_t i;

	if (sim->offhook == off)
		return;
	sim->offhook = off;
	log_debug("modemsim %s: %s", sim->path, off ? "off-hook" : "on-hook");
	if (off) {
		sim->st.answers++;
		/* the ringing stops once the line is taken */
		for (i = sim->nevs; i-- > 0;)
			if (sim->evs[i].kind == EV_RING ||
			    sim->evs[i].kind == EV_CID)
				ev_remove(sim, i);
	} else {
		sim->st.hangups++;
		sim->st.onhook_us = now_us();
		sim->caller_gone = 0;
		sim->feed_len = sim->feed_off = 0;
		/* busy tone and a key being held end with the call */
		for (i = sim->nevs; i-- > 0;)
			if (sim->evs[i].kind == EV_REPEAT ||
			    sim->evs[i].kind == EV_DCODES)
				ev_remove(sim, i);
	}
	pthread_cond_broadcast(&sim->cv);
}

/* Power-on / ATZ state.  <factory>: forget the &W profile too. */
static void
modem_reset(struct msim *sim, int factory)
{
	if (factory) {
		sim->p_echo = 1;
		sim->p_verbose = 1;
		sim->p_vcid = 0;
	}
	sim->echo = sim->p_echo;
	sim->verbose = sim->p_verbose;
	sim->vcid = sim->p_vcid;
	sim->quiet = 0;
	sim->fclass = 0;
	sim->vls = 0;
	sim->ifc_a = sim->ifc_b = 2;
	voice_defaults(sim);
	memset(sim->sreg, 0, sizeof sim->sreg);
	sim->sreg[3] = '\r';
	sim->sreg[4] = '\n';
	sim->sreg[5] = 8;
	set_hook(sim, 0);
}

/* ---------------------------------------------------------------- */
/* events */

static void
send_event(struct msim *sim, int code)
{
	out_dle(sim, code);
}

/*
 * Send the DLE codes of one key, the first two now and the others one per
 * dtmf_repeat_ms as a real tone detector does ("/555~"), then go on with
 * the remaining <keys> after key_gap_ms.
 */
static void
dtmf_codes(struct msim *sim, const char *codes, const char *keys,
    uint64_t now)
{
	struct ev *e;
	int sent = 0;

	while (*codes != '\0' && sent < 2) {
		send_event(sim, *codes++);
		sent++;
	}
	if (*codes != '\0') {
		e = ev_add(sim, EV_DCODES, now + sim->o.dtmf_repeat_ms);
		e->text = xasprintf("%s|%s", codes, keys);
	} else if (*keys != '\0') {
		e = ev_add(sim, EV_DTMF, now + sim->o.key_gap_ms);
		e->text = xstrdup(keys);
	}
}

static void
dtmf_key(struct msim *sim, const char *keys, uint64_t now)
{
	int reps = sim->o.dtmf_repeats > 0 ? sim->o.dtmf_repeats :
	    sim->o.dtmf_repeats < 0 ? 0 : sim->fam->dtmf_repeats;
	char codes[40];
	int i, n = 0;

	if (reps > 30)
		reps = 30;
	if (reps == 0) {
		codes[n++] = keys[0];
	} else {
		codes[n++] = '/';
		for (i = 0; i < reps; i++)
			codes[n++] = keys[0];
		codes[n++] = '~';
	}
	codes[n] = '\0';
	sim->key_us = now_us();
	dtmf_codes(sim, codes, keys + 1, now);
}

static void
do_nocarrier(struct msim *sim)
{
	if (sim->state == MSIM_VRX && sim->vrx_etx)
		out_dle(sim, ETX);
	if (sim->state == MSIM_VTX)
		seg_end(sim, MSIM_VTX_ABORT);
	set_state(sim, MSIM_COMMAND);
	result(sim, "NO CARRIER");
	/* some firmware leaves the line to the host: off hook until ATH */
	if (!sim->q_nc_keeps_line)
		set_hook(sim, 0);
}

static void
do_hangup(struct msim *sim, enum msim_hangup how, uint64_t now)
{
	struct ev *e;
	int code = 0;
	unsigned every = 0;

	if (!sim->offhook) {
		sim->st.dropped_events++;
		return;
	}
	sim->caller_gone = 1;
	sim->st.hangup_us = now_us();
	switch (how) {
	case MSIM_HUP_BUSY:
		code = 'b';
		every = sim->o.busy_repeat_ms;
		break;
	case MSIM_HUP_DIALTONE:
		code = 'd';
		every = sim->o.dial_repeat_ms;
		break;
	case MSIM_HUP_LOOP:
		code = 'l';
		break;
	case MSIM_HUP_SILENCE:
	case MSIM_HUP_QUIET:
		/*
		 * Silence is judged in the receive state only (V.253: +VSD
		 * applies to AT+VRX); elsewhere the caller just falls
		 * silent and the next AT+VRX reports it after <sdi>.  The
		 * Conexant accepts +VSD but never reports silence.
		 */
		if (sim->fam->vsd && sim->state == MSIM_VRX) {
			code = how == MSIM_HUP_SILENCE ? 's' : 'q';
			sim->vrx_sd_sent = 1;
		}
		break;
	case MSIM_HUP_NOCARRIER:
		do_nocarrier(sim);
		return;
	case MSIM_HUP_SILENT:
		break;
	case MSIM_HUP_EXTENSION:
		/* Conexant -STE reports DLE P, others the handset DLE H */
		code = sim->fam->conexant_cmds ? 'P' : 'H';
		break;
	}
	if (code != 0)
		send_event(sim, code);
	if (every != 0) {
		e = ev_add(sim, EV_REPEAT, now + every);
		e->arg = code;
	}
}

static void
ev_run(struct msim *sim, struct ev *e, uint64_t now)
{
	struct ev *n;
	char buf[32];

	switch (e->kind) {
	case EV_RING:
		if (sim->offhook)
			break;
		sim->st.rings++;
		if (sim->vdr_on) {
			/* distinctive-ring cadence: 2 s on, the rest off */
			if (e->arg > 0) {
				snprintf(buf, sizeof buf, "DROF=%u",
				    sim->ring_interval > 2000 ?
				    (sim->ring_interval - 2000) / 100 : 0);
				result(sim, buf);
			}
			result(sim, "DRON=20");
			if (sim->vdr_report == 0)
				break;
		}
		if (sim->fclass == 8)
			send_event(sim, 'R');
		else
			result(sim, "RING");
		break;
	case EV_CID:
		/* formatted caller ID needs +VCID=1; raw text comes anyway */
		if (!sim->offhook && (sim->vcid != 0 || e->arg))
			out_str(sim, e->text);
		break;
	case EV_DTMF:
		if (!sim->offhook || sim->caller_gone || sim->fclass != 8) {
			sim->st.dropped_events++;
			break;
		}
		dtmf_key(sim, e->text, now);
		break;
	case EV_DCODES:
		/* "<codes>|<keys>": one code now, the rest later */
		send_event(sim, e->text[0]);
		if (e->text[1] != '|') {
			n = ev_add(sim, EV_DCODES, now + sim->o.dtmf_repeat_ms);
			n->text = xstrdup(e->text + 1);
		} else if (e->text[2] != '\0') {
			n = ev_add(sim, EV_DTMF, now + sim->o.key_gap_ms);
			n->text = xstrdup(e->text + 2);
		}
		break;
	case EV_HANGUP:
		do_hangup(sim, (enum msim_hangup)e->arg, now);
		break;
	case EV_REPEAT:
		if (!sim->offhook || !sim->caller_gone)
			break;
		send_event(sim, e->arg);
		n = ev_add(sim, EV_REPEAT, now + (e->arg == 'b' ?
		    sim->o.busy_repeat_ms : sim->o.dial_repeat_ms));
		n->arg = e->arg;
		break;
	}
}

/* Run every event that is due by time or by data-session byte count. */
static void
events_due(struct msim *sim, uint64_t now)
{
	size_t i;
	struct ev e;
	int in_sess = sim->state == MSIM_VTX || sim->state == MSIM_VRX;

	for (i = 0; i < sim->nevs;) {
		int due = sim->evs[i].by_byte ?
		    in_sess && sim->sess_bytes >= sim->evs[i].at_byte :
		    sim->evs[i].at <= now;
		if (!due) {
			i++;
			continue;
		}
		e = sim->evs[i];
		sim->evs[i] = sim->evs[--sim->nevs];
		ev_run(sim, &e, now);
		free(e.text);
		i = 0;  /* ev_run may add or remove events */
	}
}

static uint64_t
events_next(struct msim *sim)
{
	uint64_t t = UINT64_MAX;
	size_t i;

	for (i = 0; i < sim->nevs; i++)
		if (!sim->evs[i].by_byte && sim->evs[i].at < t)
			t = sim->evs[i].at;
	return t;
}

/* ---------------------------------------------------------------- */
/* AT commands */

/* Parse "n[,n]..." into v[]; missing fields stay -1.  Returns count or -1. */
static int
parse_nums(const char *s, long *v, int max)
{
	int n = 0;
	char *end;

	for (n = 0; n < max; n++)
		v[n] = -1;
	if (*s == '\0')
		return 0;
	for (n = 0; n < max; n++) {
		if (*s == ',' || *s == '\0') {
			/* empty field */
		} else {
			if (!isdigit((unsigned char)*s))
				return -1;
			v[n] = strtol(s, &end, 10);
			s = end;
		}
		if (*s == '\0')
			return n + 1;
		if (*s != ',')
			return -1;
		s++;
	}
	return -1;
}

struct reply {
	struct strbuf info;     /* information text, lines joined by CR LF */
	const char *final;      /* "OK", "ERROR", "CONNECT", ... or NULL */
	int stop;               /* ignore the rest of the command line */
	enum msim_state data;   /* MSIM_VTX / MSIM_VRX after CONNECT */
};

static void
info(struct reply *r, const char *fmt, ...) KF_PRINTF(2, 3);
static void
info(struct reply *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (r->info.len > 0)
		sb_adds(&r->info, "\r\n");
	sb_adds(&r->info, s);
	free(s);
}

static int
need_voice(struct msim *sim)
{
	return sim->fclass == 8 ? 0 : -1;
}

static int
cmd_vsm(struct msim *sim, const char *op, const char *arg, struct reply *r)
{
	long v[4];
	int n;
	size_t i;
	const struct fmt *f;

	if (strcmp(op, "=?") == 0) {
		for (i = 0; i < sim->fam->nfmts; i++) {
			f = &sim->fam->fmts[i];
			info(r, "%s%d,\"%s\",%u,0,%s,(0),(0)",
			    sim->q_vsm_prefix ? "+VSM: " : "", f->cml,
			    f->name, f->bits, sim->fam->rates);
		}
		return 0;
	}
	if (strcmp(op, "?") == 0) {
		info(r, "%d,%u,0,0", sim->cml, sim->rate);
		return 0;
	}
	if (strcmp(op, "=") != 0 || (n = parse_nums(arg, v, 4)) < 2)
		return -1;
	if (sim->q_vsm_4args && n != 4)
		return -1;
	if (fmt_find(sim->fam, (int)v[0]) == NULL)
		return -1;
	if (v[1] != 8000 && !(v[1] == 7200 &&
	    strstr(sim->fam->rates, "7200") != NULL))
		return -1;
	if ((v[2] > 0) || (v[3] > 0))
		return -1;
	sim->cml = (int)v[0];
	sim->rate = (unsigned)v[1];
	return 0;
}

static int
cmd_vls(struct msim *sim, const char *op, const char *arg, struct reply *r)
{
	long v[1];

	if (strcmp(op, "=?") == 0) {
		info(r, "%s", sim->fam->vls_list);
		return 0;
	}
	if (strcmp(op, "?") == 0) {
		info(r, "%d", sim->vls);
		return 0;
	}
	if (strcmp(op, "=") != 0 || parse_nums(arg, v, 1) != 1 ||
	    v[0] < 0 || v[0] > 7)
		return -1;
	sim->vls = (int)v[0];
	/* labels with "T" (1, 3, 5, 7) connect the modem to the line */
	set_hook(sim, (v[0] & 1) != 0);
	return 0;
}

/* A numeric parameter in [lo, hi] with =, ? and =?. */
static int
cmd_num(const char *op, const char *arg, struct reply *r, int *val,
    int lo, int hi)
{
	long v[1];

	if (strcmp(op, "=?") == 0) {
		info(r, "(%d-%d)", lo, hi);
		return 0;
	}
	if (strcmp(op, "?") == 0) {
		info(r, "%d", *val);
		return 0;
	}
	if (strcmp(op, "=") != 0 || parse_nums(arg, v, 1) != 1 ||
	    v[0] < lo || v[0] > hi)
		return -1;
	*val = (int)v[0];
	return 0;
}

/* Commands taking any numeric list (timers we do not model). */
static int
cmd_any(const char *op, const char *arg, struct reply *r, const char *name)
{
	long v[8];

	if (strcmp(op, "=?") == 0) {
		info(r, "(0-255)");
		return 0;
	}
	if (strcmp(op, "?") == 0) {
		info(r, "0");
		return 0;
	}
	(void)name;
	if (strcmp(op, "=") != 0 || parse_nums(arg, v, 8) < 1)
		return -1;
	return 0;
}

static int
cmd_vts(struct msim *sim, const char *arg, struct reply *r)
{
	long v[3];
	char buf[64];
	const char *p;
	unsigned ms = 0;

	if (arg[0] == '[') {
		snprintf(buf, sizeof buf, "%s", arg + 1);
		if (strchr(buf, ']') == NULL)
			return -1;
		*strchr(buf, ']') = '\0';
		if (parse_nums(buf, v, 3) < 1)
			return -1;
		ms = v[2] > 0 ? (unsigned)v[2] * 10 : (unsigned)sim->vtd * 10;
	} else {
		for (p = arg; *p != '\0'; p++) {
			if (*p == ',')
				continue;
			if (strchr("0123456789*#ABCD", *p) == NULL)
				return -1;
			ms += (unsigned)sim->vtd * 10;
		}
	}
	if (!sim->o.fast && ms > 0) {
		sim->hold_until = now_ms() + ms;
		sim->held_final = "OK";
		r->final = NULL;
	}
	return 0;
}

static int
cmd_data(struct msim *sim, int vtx, struct reply *r)
{
	struct seg *s;

	if (!sim->offhook || sim->fclass != 8)
		return -1;
	sim->t0 = 0;
	sim->sess_bytes = 0;
	sim->dle = 0;
	sim->ending = 0;
	sim->cancelled = 0;
	r->final = "CONNECT";
	r->stop = 1;
	r->data = vtx ? MSIM_VTX : MSIM_VRX;
	if (vtx) {
		sim->segs = xreallocarray(sim->segs, sim->nsegs + 1,
		    sizeof *sim->segs);
		s = &sim->segs[sim->nsegs++];
		memset(s, 0, sizeof *s);
		s->end = MSIM_VTX_OPEN;
		sim->st.vtx++;
		return 0;
	}
	sim->vrx_silence = 0;
	sim->vrx_voice = sim->vrx_sd_sent = 0;
	sim->st.vrx++;
	return 0;
}

/* An extended command: name (upper case), op ("", "?", "=", "=?"), arg. */
static int
cmd_ext(struct msim *sim, const char *name, const char *op, const char *arg,
    struct reply *r)
{
	const struct family *fam = sim->fam;
	long v[2];
	int rc;

	if (strcmp(name, "+FCLASS") == 0) {
		if (strcmp(op, "=?") == 0) {
			info(r, "%s", fam->fclass_list);
			return 0;
		}
		if (strcmp(op, "?") == 0) {
			info(r, "%d", sim->fclass);
			return 0;
		}
		if (strcmp(op, "=") != 0 || parse_nums(arg, v, 1) != 1 ||
		    (v[0] != 0 && v[0] != 1 && v[0] != 8))
			return -1;
		if (sim->fclass == 8 && v[0] != 8 && fam->forget_voice)
			voice_defaults(sim);
		sim->fclass = (int)v[0];
		return 0;
	}
	if (strcmp(name, "+FMI") == 0 || strcmp(name, "+GMI") == 0) {
		info(r, "%s", fam->fmi);
		return *op == '\0' || strcmp(op, "?") == 0 ? 0 : -1;
	}
	if (strcmp(name, "+FMM") == 0 || strcmp(name, "+GMM") == 0) {
		info(r, "%s", fam->fmm);
		return *op == '\0' || strcmp(op, "?") == 0 ? 0 : -1;
	}
	if (strcmp(name, "+FMR") == 0 || strcmp(name, "+GMR") == 0) {
		info(r, "%s", fam->fmr);
		return *op == '\0' || strcmp(op, "?") == 0 ? 0 : -1;
	}
	if (strcmp(name, "+VCID") == 0)
		return cmd_num(op, arg, r, &sim->vcid, 0, 2);
	if (strcmp(name, "+IFC") == 0 && sim->q_no_ifc)
		return -1;
	if (strcmp(name, "+IFC") == 0) {
		if (strcmp(op, "?") == 0) {
			info(r, "%d,%d", sim->ifc_a, sim->ifc_b);
			return 0;
		}
		if (strcmp(op, "=?") == 0) {
			info(r, "(0-2),(0-2)");
			return 0;
		}
		if (strcmp(op, "=") != 0 || parse_nums(arg, v, 2) < 1 ||
		    v[0] < 0 || v[0] > 2 || v[1] > 2)
			return -1;
		sim->ifc_a = (int)v[0];
		sim->ifc_b = v[1] >= 0 ? (int)v[1] : (int)v[0];
		return 0;
	}
	if (fam->conexant_cmds && (strcmp(name, "-SCID") == 0 ||
	    strcmp(name, "-STE") == 0 || name[0] == '!'))
		return 0;
	if (fam->usr_cmds && strcmp(name, "#CID") == 0)
		return cmd_num(op, arg, r, &sim->vcid, 0, 2);
	if (name[0] != '+' || name[1] != 'V')
		return -1;

	/* voice commands: only in +FCLASS=8 */
	if (need_voice(sim) < 0)
		return -1;
	if (strcmp(name, "+VSM") == 0)
		return cmd_vsm(sim, op, arg, r);
	if (strcmp(name, "+VLS") == 0)
		return cmd_vls(sim, op, arg, r);
	if (strcmp(name, "+VSD") == 0) {
		if (strcmp(op, "?") == 0) {
			/* the Conexant keeps 128,0 whatever it was told */
			if (fam->vsd)
				info(r, "%d,%d", sim->vsd_sds, sim->vsd_sdi);
			else
				info(r, "128,0");
			return 0;
		}
		if (strcmp(op, "=?") == 0) {
			info(r, "(0-255),(0-255)");
			return 0;
		}
		if (strcmp(op, "=") != 0 || parse_nums(arg, v, 2) != 2 ||
		    v[0] < 0 || v[0] > 255 || v[1] < 0 || v[1] > 255)
			return -1;
		sim->vsd_sds = (int)v[0];
		sim->vsd_sdi = (int)v[1];
		return 0;
	}
	if (strcmp(name, "+VGT") == 0)
		return cmd_num(op, arg, r, &sim->vgt, 0, 255);
	if (strcmp(name, "+VGR") == 0)
		return cmd_num(op, arg, r, &sim->vgr, 0, 255);
	if (strcmp(name, "+VTD") == 0)
		return cmd_num(op, arg, r, &sim->vtd, 0, 255);
	if (strcmp(name, "+VIT") == 0)
		return cmd_num(op, arg, r, &sim->vit, 0, 255);
	if (strcmp(name, "+VNH") == 0)
		return cmd_num(op, arg, r, &sim->vnh, 0, 2);
	if (strcmp(name, "+VDR") == 0 && strcmp(op, "=") == 0) {
		if (parse_nums(arg, v, 2) < 1 || v[0] < 0 || v[0] > 1 ||
		    v[1] > 255)
			return -1;
		sim->vdr_on = (int)v[0];
		sim->vdr_report = v[1] > 0 ? (int)v[1] : 0;
		return 0;
	}
	if (strcmp(name, "+VDR") == 0 || strcmp(name, "+VRA") == 0 ||
	    strcmp(name, "+VRN") == 0 || strcmp(name, "+VEM") == 0)
		return cmd_any(op, arg, r, name);
	if (strcmp(name, "+VIP") == 0 && *op == '\0') {
		voice_defaults(sim);
		return 0;
	}
	if (strcmp(name, "+VTS") == 0)
		return strcmp(op, "=") == 0 ? cmd_vts(sim, arg, r) : -1;
	if ((strcmp(name, "+VTX") == 0 || strcmp(name, "+VRX") == 0) &&
	    *op == '\0') {
		rc = cmd_data(sim, name[2] == 'T', r);
		return rc;
	}
	return -1;
}

/* One basic (V.250 single letter / &letter / S register) command at *pp. */
static int
cmd_basic(struct msim *sim, char **pp, struct reply *r)
{
	char *p = *pp, c, amp = 0;
	long n = -1, v;
	char *end;

	if (*p == '&')
		amp = *p++;
	if (*p == '\0')
		return -1;
	c = *p++;
	if (c == 'S' && !amp) {
		n = strtol(p, &end, 10);
		if (end == p || n < 0 || n >= (long)sizeof sim->sreg)
			return -1;
		p = end;
		if (*p == '?') {
			info(r, "%03u", sim->sreg[n]);
			*pp = p + 1;
			return 0;
		}
		if (*p != '=')
			return -1;
		v = strtol(++p, &end, 10);
		if (end == p || v < 0 || v > 255)
			return -1;
		sim->sreg[n] = (unsigned char)v;
		*pp = end;
		return 0;
	}
	if (isdigit((unsigned char)*p)) {
		n = strtol(p, &end, 10);
		p = end;
	}
	*pp = p;
	if (amp) {
		switch (c) {
		case 'F':
			modem_reset(sim, 1);
			return 0;
		case 'W':
			sim->p_echo = sim->echo;
			sim->p_verbose = sim->verbose;
			sim->p_vcid = sim->vcid;
			return 0;
		case 'C': case 'D': case 'K': case 'S': case 'V':
			return 0;
		default:
			return -1;
		}
	}
	switch (c) {
	case 'E':
		if (n > 1)
			return -1;
		sim->echo = n == 1;
		return 0;
	case 'V':
		if (n > 1)
			return -1;
		sim->verbose = n == 1;
		return 0;
	case 'Q':
		if (n > 1)
			return -1;
		sim->quiet = n == 1;
		return 0;
	case 'Z':
		modem_reset(sim, 0);
		r->stop = 1;
		return 0;
	case 'H':
		if (n > 0)
			return -1;
		set_hook(sim, 0);
		return 0;
	case 'A':
		r->stop = 1;
		if (sim->fclass == 8) {
			set_hook(sim, 1);
			r->final = sim->fam->ata_voice;
		} else {
			r->final = "NO CARRIER";
			set_hook(sim, 0);
		}
		return 0;
	case 'D':
		r->stop = 1;
		r->final = "NO CARRIER";
		return 0;
	case 'I':
		if (n < 0)
			n = 0;
		if (n > 9 || sim->fam->ati[n] == NULL)
			return -1;
		if (strcmp(sim->fam->ati[n], "OK") != 0)
			info(r, "%s", sim->fam->ati[n]);
		return 0;
	case 'L': case 'M': case 'X': case 'B': case 'N': case 'W':
	case 'P': case 'T':
		return 0;
	default:
		return -1;
	}
}

/* Execute one command line (without the line end) that starts with AT. */
static void
cmd_line(struct msim *sim, char *line)
{
	struct reply r = { STRBUF_INIT, "OK", 0, MSIM_COMMAND };
	char *p, *q, name[32], op[3];
	const char *arg;
	int inq = 0, rc = 0;
	size_t nl;

	sim->st.commands++;
	transcript_add(sim, line);
	log_debug("modemsim %s: <- %s", sim->path, line);
	/* upper-case outside quotes, drop spaces (V.250 5.2.1) */
	for (p = q = line; *p != '\0'; p++) {
		if (*p == '"')
			inq = !inq;
		if (!inq && *p == ' ')
			continue;
		*q++ = inq ? *p : (char)toupper((unsigned char)*p);
	}
	*q = '\0';
	p = line + 2;
	while (*p != '\0' && rc == 0 && !r.stop) {
		if (*p == ';') {
			p++;
			continue;
		}
		if (*p == '+' || *p == '-' || *p == '!' || *p == '#') {
			for (q = p + 1; *q != '\0' && *q != '=' && *q != '?' &&
			    *q != ';'; q++)
				;
			nl = (size_t)(q - p);
			if (nl >= sizeof name) {
				rc = -1;
				break;
			}
			memcpy(name, p, nl);
			name[nl] = '\0';
			op[0] = '\0';
			if (*q == '=' && q[1] == '?') {
				strcpy(op, "=?");
				q += 2;
			} else if (*q == '=' || *q == '?') {
				op[0] = *q++;
				op[1] = '\0';
			}
			arg = q;
			for (inq = 0; *q != '\0' && (inq || *q != ';'); q++)
				if (*q == '"')
					inq = !inq;
			p = *q == ';' ? q + 1 : q;
			*q = '\0';
			rc = cmd_ext(sim, name, op, arg, &r);
			continue;
		}
		rc = cmd_basic(sim, &p, &r);
	}
	if (r.info.len > 0 && !sim->quiet) {
		out_str(sim, "\r\n");
		out_add(sim, r.info.s, r.info.len);
		out_str(sim, "\r\n");
	}
	sb_free(&r.info);
	if (rc < 0) {
		result(sim, "ERROR");
		return;
	}
	if (r.final != NULL)
		result(sim, r.final);
	if (r.final == NULL || r.data == MSIM_COMMAND)
		return;
	set_state(sim, r.data);
	if (sim->f_spurious_d > 0) {
		/* the USR reports a dial tone that is not there */
		sim->f_spurious_d--;
		send_event(sim, 'd');
	}
}

/* A command line is complete: find "AT" and run it. */
static void
line_done(struct msim *sim)
{
	char *at;
	size_t i;

	sim->line[sim->linelen] = '\0';
	if (sim->line_overflow) {
		sim->line_overflow = 0;
		sim->linelen = 0;
		result(sim, "ERROR");
		return;
	}
	at = NULL;
	for (i = 0; i + 1 < sim->linelen; i++)
		if (toupper((unsigned char)sim->line[i]) == 'A' &&
		    toupper((unsigned char)sim->line[i + 1]) == 'T') {
			at = sim->line + i;
			break;
		}
	sim->linelen = 0;
	if (at == NULL)
		return;
	for (i = strlen(at); i > 0 && isspace((unsigned char)at[i - 1]); i--)
		at[i - 1] = '\0';
	cmd_line(sim, at);
}

static void
command_byte(struct msim *sim, unsigned char c)
{
	if (sim->echo)
		out_add(sim, &c, 1);
	if (c == sim->sreg[3]) {
		line_done(sim);
	} else if (c == sim->sreg[4] && sim->linelen == 0) {
		/* LF after CR */
	} else if (c == sim->sreg[5]) {
		if (sim->linelen > 0)
			sim->linelen--;
	} else if (sim->linelen < LINE_MAX_LEN) {
		sim->line[sim->linelen++] = (char)c;
	} else {
		sim->line_overflow = 1;
	}
}

/* ---------------------------------------------------------------- */
/* data states */

static void
vtx_audio(struct msim *sim, unsigned char c, uint64_t now)
{
	struct seg *s = cur_seg(sim);

	if (sim->t0 == 0)
		sim->t0 = now;
	sim->sess_bytes++;
	if (s != NULL && s->first_us == 0)
		s->first_us = now_us();
	if (s == NULL || s->len >= sim->o.vtx_capture_max)
		return;
	if (s->len == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4096;
		s->b = xrealloc(s->b, s->cap);
	}
	s->b[s->len++] = c;
}

static void
vtx_finish(struct msim *sim)
{
	seg_end(sim, sim->cancelled ? MSIM_VTX_CANCEL : MSIM_VTX_ETX);
	set_state(sim, MSIM_COMMAND);
	result(sim, "OK");
}

static void
inband_note(struct msim *sim, unsigned char c)
{
	char buf[24];

	switch (c) {
	case ETX: snprintf(buf, sizeof buf, "<DLE ETX>"); break;
	case CAN: snprintf(buf, sizeof buf, "<DLE CAN>"); break;
	case ESC: snprintf(buf, sizeof buf, "<DLE ESC>"); break;
	default:
		if (c > 0x20 && c < 0x7f)
			snprintf(buf, sizeof buf, "<DLE %c>", c);
		else
			snprintf(buf, sizeof buf, "<DLE 0x%02x>", c);
	}
	transcript_add(sim, buf);
}

static void
vtx_byte(struct msim *sim, unsigned char c, uint64_t now)
{
	if (!sim->dle) {
		if (c == DLE)
			sim->dle = 1;
		else
			vtx_audio(sim, c, now);
		return;
	}
	sim->dle = 0;
	switch (c) {
	case DLE:
		vtx_audio(sim, DLE, now);
		return;
	case SUB:
		vtx_audio(sim, DLE, now);
		vtx_audio(sim, DLE, now);
		return;
	case 0x00:
		return;         /* keep-alive */
	}
	inband_note(sim, c);
	if (c == CAN) {
		/* clear the buffer: nothing more is played out */
		if (cur_seg(sim) != NULL)
			seg_heard(cur_seg(sim), vtx_played(sim, now));
		sim->cancelled = 1;
		/* the buffer is empty: the timeline catches up */
		if (sim->t0 != 0)
			sim->t0 = now - sim->sess_bytes * 1000 /
			    bytes_per_sec(sim);
		return;
	}
	if (c != ETX)
		return;
	sim->ending = 1;
	sim->end_at = now;
	if (!sim->o.fast && !sim->cancelled && sim->t0 != 0)
		sim->end_at = sim->t0 + sim->sess_bytes * 1000 /
		    bytes_per_sec(sim);
	if (sim->end_at <= now)
		vtx_finish(sim);
}

static void
vrx_end(struct msim *sim)
{
	if (sim->vrx_etx)
		out_dle(sim, ETX);
	set_state(sim, MSIM_COMMAND);
	result(sim, "OK");
	if (!sim->vrx_etx && sim->f_ok_dle > 0) {
		sim->f_ok_dle--;
		sim->ok_held = 1;
		sim->out_hold = UINT64_MAX;
	}
}

static void
vrx_byte(struct msim *sim, unsigned char c)
{
	if (!sim->dle) {
		if (c == DLE)
			sim->dle = 1;
		return;         /* XON/XOFF and noise are ignored */
	}
	sim->dle = 0;
	if (c == 0x00)
		return;
	inband_note(sim, c);
	if (c == '!' || (c == ESC && sim->fam->use_sub))
		vrx_end(sim);
}

/* Stream <n> audio bytes of the caller (feed, then silence), shielded. */
static void
vrx_stream(struct msim *sim, size_t n)
{
	unsigned char sil = silence_byte(sim), c, prev = 0;
	size_t i;
	int from_feed;

	for (i = 0; i < n; i++) {
		from_feed = !sim->caller_gone && sim->feed_off < sim->feed_len;
		c = from_feed ? sim->feed[sim->feed_off++] : sil;
		if (from_feed) {
			sim->vrx_voice = 1;
			sim->vrx_silence = 0;
		} else {
			sim->vrx_silence++;
		}
		sim->sess_bytes++;
		sim->st.vrx_bytes++;
		if (c == DLE && prev == DLE && sim->fam->use_sub) {
			/* turn the previous DLE DLE into DLE SUB */
			sim->out[sim->out_len - 1] = SUB;
			prev = 0;
			continue;
		}
		if (c == DLE)
			out_dle(sim, DLE);
		else
			out_add(sim, &c, 1);
		prev = c;
	}
	if (sim->fam->vsd && sim->vsd_sdi > 0 && !sim->vrx_sd_sent &&
	    sim->vrx_silence >= (uint64_t)sim->vsd_sdi *
	    bytes_per_sec(sim) / 10) {
		sim->vrx_sd_sent = 1;
		send_event(sim, sim->vrx_voice ? 'q' : 's');
	}
}

/* Pacing of both data states; returns ms until it wants to run again. */
static unsigned
data_tick(struct msim *sim, uint64_t now)
{
	unsigned bps = bytes_per_sec(sim);
	uint64_t target;
	size_t pending = sim->out_len - sim->out_off;

	if (sim->state == MSIM_VTX) {
		if (sim->ending) {
			if (now >= sim->end_at) {
				vtx_finish(sim);
				return 0;
			}
			return (unsigned)(sim->end_at - now);
		}
		if (sim->o.fast || sim->t0 == 0)
			return 1000;
		/* buffer ran dry: the modem played silence meanwhile */
		target = (now - sim->t0) * bps / 1000;
		if (target > sim->sess_bytes + bps / 10) {
			sim->st.underruns++;
			if (sim->f_underrun_u)
				send_event(sim, 'u');
			sim->t0 = now - sim->sess_bytes * 1000 / bps;
		}
		return 10;
	}
	if (sim->state != MSIM_VRX)
		return 1000;
	if (sim->o.fast)
		bps *= 16;      /* fast mode records at 16 times real time */
	if (sim->t0 == 0)
		sim->t0 = now;
	target = (now - sim->t0) * bps / 1000;
	if (!sim->o.fast && target > sim->sess_bytes + bps / 2) {
		/*
		 * The pty is full and the modem's own buffer (half a second)
		 * overran: that audio is lost (DLE o).
		 */
		sim->st.overruns++;
		send_event(sim, 'o');
		sim->t0 = now - sim->sess_bytes * 1000 / bps;
		return 20;
	}
	if (target > sim->sess_bytes && pending < 4096)
		vrx_stream(sim, (size_t)(target - sim->sess_bytes));
	return 20;
}

/* How many input bytes the modem accepts now (pacing of VTX). */
static size_t
read_budget(struct msim *sim, uint64_t now)
{
	unsigned bps;
	uint64_t played, room;

	if (sim->state == MSIM_GONE || sim->f_hang)
		return 0;
	if (sim->state == MSIM_COMMAND)
		return sim->hold_until > now ? 0 : sizeof sim->in;
	if (sim->state == MSIM_VRX)
		return sizeof sim->in;
	if (sim->ending)
		return 0;
	if (sim->o.fast)
		return sizeof sim->in;
	bps = bytes_per_sec(sim);
	played = sim->t0 ? (now - sim->t0) * bps / 1000 : 0;
	room = played + bps / 8 + 1;    /* a 125 ms modem buffer */
	if (room <= sim->sess_bytes)
		return 0;
	room -= sim->sess_bytes;
	return room > sizeof sim->in ? sizeof sim->in : (size_t)room;
}

/* Run buffered input through the state machine as far as allowed. */
static void
input_run(struct msim *sim, uint64_t now)
{
	unsigned char c;

	while (sim->in_off < sim->in_len) {
		if (sim->state == MSIM_GONE)
			break;
		if (sim->state == MSIM_COMMAND && sim->hold_until > now)
			break;
		if (sim->state == MSIM_COMMAND && sim->f_slow_cmd > 0 &&
		    sim->linelen == 0) {
			/* busy: the next command is read late */
			sim->hold_until = now + sim->f_slow_cmd;
			sim->f_slow_cmd = 0;
			break;
		}
		if (sim->state == MSIM_VTX && sim->ending)
			break;
		c = sim->in[sim->in_off++];
		switch (sim->state) {
		case MSIM_COMMAND:
			command_byte(sim, c);
			break;
		case MSIM_VTX:
			vtx_byte(sim, c, now);
			events_due(sim, now);
			break;
		case MSIM_VRX:
			vrx_byte(sim, c);
			break;
		case MSIM_GONE:
			break;
		}
	}
}

/* ---------------------------------------------------------------- */
/* the thread */

static void
pty_close(struct msim *sim)
{
	if (sim->mfd >= 0)
		close(sim->mfd);
	if (sim->sfd >= 0)
		close(sim->sfd);
	if (sim->lfd >= 0)
		close(sim->lfd);
	sim->mfd = sim->sfd = sim->lfd = -1;
}

static void
do_vanish(struct msim *sim)
{
	if (sim->state == MSIM_VTX)
		seg_end(sim, MSIM_VTX_ABORT);
	pty_close(sim);
	if (sim->link != NULL)
		unlink(sim->link);
	sim->out_len = sim->out_off = sim->split_at = sim->split_wait = 0;
	sim->in_len = sim->in_off = 0;
	sim->st.vanished++;
	sim->state = MSIM_GONE;
	pthread_cond_broadcast(&sim->cv);
}

/*
 * Bytes written that the host has not read yet: what waits on our own
 * slave of the pty, or what the socket has not delivered.
 */
static int
host_unread(struct msim *sim)
{
	int n = 0;

	if (sim->o.tcp)
		return sim->mfd >= 0 && ioctl(sim->mfd, TIOCOUTQ, &n) == 0 ?
		    n : 0;
	return sim->sfd >= 0 && ioctl(sim->sfd, FIONREAD, &n) == 0 ? n : 0;
}

static void
flush_out(struct msim *sim, uint64_t now)
{
	size_t n;
	ssize_t w;
	int chop;

	while (sim->out_off < sim->out_len && sim->mfd >= 0) {
		if (sim->out_hold > now)
			return;
		if (sim->split_wait) {
			/* a separate read for certain, however late it comes */
			if (host_unread(sim) > 0) {
				sim->out_hold = now + 2;
				return;
			}
			sim->split_wait = 0;
		}
		n = sim->out_len - sim->out_off;
		if (sim->split_at > sim->out_off &&
		    sim->split_at < sim->out_len)
			n = sim->split_at - sim->out_off;
		chop = sim->f_chop && sim->state != MSIM_VRX;
		if (chop && n > 1)
			n = 1 + rnd_next(sim) % (n < 7 ? n : 7);
		w = sim->o.tcp ? send(sim->mfd, sim->out + sim->out_off, n,
		    MSG_NOSIGNAL) : write(sim->mfd, sim->out + sim->out_off, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN: the host is not reading */
		}
		sim->out_off += (size_t)w;
		sim->written += (uint64_t)w;
		if (chop) {
			/* a separate read for the host, most likely */
			sim->out_hold = now + 2;
			return;
		}
		if (sim->split_at != 0 && sim->out_off == sim->split_at) {
			sim->split_at = 0;
			sim->split_wait = 1;
			sim->out_hold = now + 30;
			return;
		}
	}
	if (sim->out_off == sim->out_len)
		sim->out_off = sim->out_len = 0;
}

static void
held_done(struct msim *sim, uint64_t now)
{
	if (sim->held_final != NULL && sim->hold_until <= now) {
		result(sim, sim->held_final);
		sim->held_final = NULL;
		sim->hold_until = 0;
	}
}

static void
tcp_accept(struct msim *sim)
{
	int fd, one = 1;

	fd = accept(sim->lfd, NULL, NULL);
	if (fd < 0)
		return;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	sim->mfd = fd;
	log_debug("modemsim %s: client connected", sim->path);
}

static void *
sim_main(void *arg)
{
	struct msim *sim = arg;
	struct pollfd pfd[2];
	uint64_t now, next;
	unsigned wait;
	size_t budget;
	ssize_t r;
	char drain[64];
	int timeout, nfds;

	pthread_mutex_lock(&sim->mu);
	while (!sim->stop) {
		now = now_ms();
		if (sim->vanish_req) {
			sim->vanish_req = 0;
			do_vanish(sim);
		}
		held_done(sim, now);
		events_due(sim, now);
		input_run(sim, now);
		wait = data_tick(sim, now);
		flush_out(sim, now);

		next = events_next(sim);
		if (next != UINT64_MAX)
			wait = next <= now ? 0 :
			    (next - now < wait ? (unsigned)(next - now) : wait);
		if (sim->hold_until > now && sim->hold_until - now < wait)
			wait = (unsigned)(sim->hold_until - now);
		if (sim->out_hold > now && sim->out_hold - now < wait)
			wait = (unsigned)(sim->out_hold - now);
		budget = sim->in_off < sim->in_len ? 0 : read_budget(sim, now);
		if (sim->state == MSIM_VTX && !sim->ending && budget == 0 &&
		    wait > 20)
			wait = 20;      /* by then 20 ms of audio were played */
		timeout = (int)wait;

		pfd[0].fd = sim->wake[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = sim->mfd;
		pfd[1].events = 0;
		if (budget > 0)
			pfd[1].events |= POLLIN;
		if (sim->out_off < sim->out_len && sim->out_hold <= now)
			pfd[1].events |= POLLOUT;
		if (sim->mfd < 0 && sim->lfd >= 0) {
			pfd[1].fd = sim->lfd;
			pfd[1].events = POLLIN;
		}
		nfds = pfd[1].fd >= 0 ? 2 : 1;
		pthread_mutex_unlock(&sim->mu);
		r = poll(pfd, (nfds_t)nfds, timeout);
		pthread_mutex_lock(&sim->mu);
		if (r <= 0)
			continue;
		if (pfd[0].revents & POLLIN)
			while (read(sim->wake[0], drain, sizeof drain) > 0)
				;
		if (nfds == 2 && pfd[1].fd == sim->lfd && sim->mfd < 0 &&
		    (pfd[1].revents & POLLIN)) {
			tcp_accept(sim);
			continue;
		}
		if (sim->mfd < 0 || pfd[1].fd != sim->mfd || budget == 0 ||
		    !(pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		/* an API call may have changed things while we polled */
		if (sim->in_off < sim->in_len ||
		    (budget = read_budget(sim, now_ms())) == 0)
			continue;
		r = read(sim->mfd, sim->in, budget);
		if (r > 0) {
			sim->in_len = (size_t)r;
			sim->in_off = 0;
		} else if (sim->o.tcp && (r == 0 || (errno != EAGAIN &&
		    errno != EINTR))) {
			/* the client went away; the modem stays up */
			log_debug("modemsim %s: client disconnected",
			    sim->path);

			close(sim->mfd);
			sim->mfd = -1;
			sim->out_off = sim->out_len = sim->split_at = 0;
			sim->split_wait = 0;
		}
	}
	pthread_mutex_unlock(&sim->mu);
	return NULL;
}

/* ---------------------------------------------------------------- */
/* set-up */

/* Listen on 127.0.0.1 (the same port again after a vanish). */
static int
tcp_open(struct msim *sim, char **cause)
{
	struct sockaddr_in sa;
	socklen_t slen = sizeof sa;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		return kf_error(cause, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)sim->tcp_port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    listen(fd, 4) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &slen) == -1) {
		close(fd);
		return kf_error(cause, "tcp 127.0.0.1:%d: %s", sim->tcp_port,
		    strerror(errno));
	}
	sim->tcp_port = ntohs(sa.sin_port);
	snprintf(sim->path, sizeof sim->path, "tcp:127.0.0.1:%d",
	    sim->tcp_port);
	sim->lfd = fd;
	return 0;
}

static int
pty_open(struct msim *sim, char **cause)
{
	struct termios t;
	char tmp[4200];
	int m, s;

	if (sim->o.tcp)
		return tcp_open(sim, cause);
	if (openpty(&m, &s, sim->path, NULL, NULL) == -1)
		return kf_error(cause, "openpty: %s", strerror(errno));
	if (tcgetattr(s, &t) == 0) {
		cfmakeraw(&t);
		cfsetispeed(&t, B115200);
		cfsetospeed(&t, B115200);
		tcsetattr(s, TCSANOW, &t);
	}
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	fcntl(m, F_SETFD, FD_CLOEXEC);
	fcntl(s, F_SETFD, FD_CLOEXEC);
	sim->mfd = m;
	sim->sfd = s;
	if (sim->link != NULL) {
		snprintf(tmp, sizeof tmp, "%s.new", sim->link);
		unlink(tmp);
		if (symlink(sim->path, tmp) == -1 ||
		    rename(tmp, sim->link) == -1) {
			pty_close(sim);
			return kf_error(cause, "%s: %s", sim->link,
			    strerror(errno));
		}
	}
	return 0;
}

int
msim_start(const struct msim_opts *opts, struct msim **out, char **cause)
{
	struct msim *sim;
	pthread_condattr_t ca;
	pthread_attr_t ta;
	int rc;

	sim = xcalloc(1, sizeof *sim);
	if (opts != NULL)
		sim->o = *opts;
	if ((unsigned)sim->o.family >= nitems(families)) {
		rc = (int)sim->o.family;
		free(sim);
		return kf_error(cause, "unknown modem family %d", rc);
	}
	sim->fam = &families[sim->o.family];
	if (sim->o.busy_repeat_ms == 0)
		sim->o.busy_repeat_ms = 4000;
	if (sim->o.dial_repeat_ms == 0)
		sim->o.dial_repeat_ms = 3000;
	if (sim->o.key_gap_ms == 0)
		sim->o.key_gap_ms = sim->o.fast ? 20 : 120;
	if (sim->o.dtmf_repeat_ms == 0)
		sim->o.dtmf_repeat_ms = sim->o.fast ? 5 : 70;
	if (sim->o.vtx_capture_max == 0)
		sim->o.vtx_capture_max = 4u << 20;
	sim->link = sim->o.link != NULL && !sim->o.tcp ?
	    xstrdup(sim->o.link) : NULL;
	sim->o.link = NULL;
	sim->mfd = sim->sfd = sim->lfd = -1;
	sim->tcp_port = sim->o.tcp_port;
	sim->rnd = (uint32_t)now_us() | 1;
	sim->vrx_etx = sim->fam->vrx_etx;
	pthread_mutex_init(&sim->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sim->cv, &ca);
	pthread_condattr_destroy(&ca);
	modem_reset(sim, 1);
	sim->st.hangups = 0;
	if (pipe(sim->wake) == -1) {
		rc = kf_error(cause, "pipe: %s", strerror(errno));
		goto fail;
	}
	fcntl(sim->wake[0], F_SETFL, O_NONBLOCK);
	fcntl(sim->wake[1], F_SETFL, O_NONBLOCK);
	fcntl(sim->wake[0], F_SETFD, FD_CLOEXEC);
	fcntl(sim->wake[1], F_SETFD, FD_CLOEXEC);
	if (pty_open(sim, cause) == -1) {
		rc = -1;
		goto fail_pipe;
	}
	pthread_attr_init(&ta);
	pthread_attr_setstacksize(&ta, 256 * 1024);
	rc = pthread_create(&sim->thread, &ta, sim_main, sim);
	pthread_attr_destroy(&ta);
	if (rc != 0) {
		pty_close(sim);
		rc = kf_error(cause, "pthread_create: %s", strerror(rc));
		goto fail_pipe;
	}
	*out = sim;
	return 0;
fail_pipe:
	close(sim->wake[0]);
	close(sim->wake[1]);
fail:
	pthread_cond_destroy(&sim->cv);
	pthread_mutex_destroy(&sim->mu);
	free(sim->link);
	free(sim);
	return rc;
}

void
msim_stop(struct msim *sim)
{
	size_t i;

	if (sim == NULL)
		return;
	pthread_mutex_lock(&sim->mu);
	sim->stop = 1;
	wake(sim);
	pthread_mutex_unlock(&sim->mu);
	pthread_join(sim->thread, NULL);
	pty_close(sim);
	if (sim->link != NULL)
		unlink(sim->link);
	close(sim->wake[0]);
	close(sim->wake[1]);
	for (i = 0; i < sim->nevs; i++)
		free(sim->evs[i].text);
	free(sim->evs);
	for (i = 0; i < sim->ntr; i++)
		free(sim->tr[i]);
	free(sim->tr);
	for (i = 0; i < sim->nsegs; i++)
		free(sim->segs[i].b);
	free(sim->segs);
	free(sim->out);
	free(sim->feed);
	free(sim->link);
	pthread_cond_destroy(&sim->cv);
	pthread_mutex_destroy(&sim->mu);
	free(sim);
}

const char *
msim_path(struct msim *sim)
{
	return sim->link != NULL ? sim->link : sim->path;
}

/* ---------------------------------------------------------------- */
/* injection API */

/* Queue <n> rings and, when <cid_text>, the caller ID after the first. */
static int
ring_queue(struct msim *sim, unsigned n, unsigned interval_ms,
    char *cid_text, int raw)
{
	uint64_t now = now_ms();
	struct ev *e;
	unsigned i;

	if (interval_ms == 0)
		interval_ms = 5000;
	sim->ring_interval = interval_ms;
	sim->ring_seq++;
	for (i = 0; i < n; i++) {
		e = ev_add(sim, EV_RING, now + (uint64_t)i * interval_ms);
		e->seq = sim->ring_seq;
		e->arg = (int)i;
	}
	if (cid_text != NULL) {
		e = ev_add(sim, EV_CID, now + interval_ms / 2);
		e->seq = sim->ring_seq;
		e->text = cid_text;
		e->arg = raw;
	}
	wake(sim);
	return 0;
}

int
msim_ring(struct msim *sim, unsigned n, unsigned interval_ms,
    const struct msim_cid *cid)
{
	struct strbuf sb = STRBUF_INIT;
	const char *eq;
	int rc;

	if (n == 0)
		return -1;
	pthread_mutex_lock(&sim->mu);
	eq = sim->fam->cid_spaces ? " = " : "=";
	if (cid != NULL) {
		sb_adds(&sb, "\r\n");
		if (cid->date != NULL)
			sb_addf(&sb, "DATE%s%s\r\n", eq, cid->date);
		if (cid->time != NULL)
			sb_addf(&sb, "TIME%s%s\r\n", eq, cid->time);
		if (cid->nmbr != NULL)
			sb_addf(&sb, "NMBR%s%s\r\n", eq, cid->nmbr);
		if (cid->name != NULL)
			sb_addf(&sb, "NAME%s%s\r\n", eq, cid->name);
	}
	rc = ring_queue(sim, n, interval_ms, cid != NULL ? sb_steal(&sb) :
	    NULL, 0);
	pthread_mutex_unlock(&sim->mu);
	return rc;
}

int
msim_ring_raw(struct msim *sim, unsigned n, unsigned interval_ms,
    const char *cid_text)
{
	int rc;

	if (n == 0)
		return -1;
	pthread_mutex_lock(&sim->mu);
	rc = ring_queue(sim, n, interval_ms, cid_text != NULL ?
	    xstrdup(cid_text) : NULL, 1);
	pthread_mutex_unlock(&sim->mu);
	return rc;
}

static int
keys_ok(const char *keys)
{
	return keys != NULL && *keys != '\0' &&
	    strspn(keys, "0123456789*#ABCD") == strlen(keys);
}

static int
ev_queue(struct msim *sim, enum ev_kind kind, int by_byte, uint64_t when,
    int arg, const char *text)
{
	struct ev *e;

	pthread_mutex_lock(&sim->mu);
	e = ev_add(sim, kind, by_byte ? 0 : now_ms() + when);
	e->by_byte = by_byte;
	e->at_byte = (size_t)when;
	e->arg = arg;
	e->text = text != NULL ? xstrdup(text) : NULL;
	wake(sim);
	pthread_mutex_unlock(&sim->mu);
	return 0;
}

int
msim_dtmf(struct msim *sim, const char *keys, unsigned after_ms)
{
	if (!keys_ok(keys))
		return -1;
	return ev_queue(sim, EV_DTMF, 0, after_ms, 0, keys);
}

int
msim_dtmf_at_byte(struct msim *sim, const char *keys, size_t nbytes)
{
	if (!keys_ok(keys))
		return -1;
	return ev_queue(sim, EV_DTMF, 1, nbytes, 0, keys);
}

int
msim_hangup(struct msim *sim, enum msim_hangup how, unsigned after_ms)
{
	if ((unsigned)how >= nitems(hup_names))
		return -1;
	return ev_queue(sim, EV_HANGUP, 0, after_ms, (int)how, NULL);
}

int
msim_hangup_at_byte(struct msim *sim, enum msim_hangup how, size_t nbytes)
{
	if ((unsigned)how >= nitems(hup_names))
		return -1;
	return ev_queue(sim, EV_HANGUP, 1, nbytes, (int)how, NULL);
}

int
msim_dle(struct msim *sim, char code)
{
	pthread_mutex_lock(&sim->mu);
	send_event(sim, (unsigned char)code);
	wake(sim);
	pthread_mutex_unlock(&sim->mu);
	return 0;
}

int
msim_feed(struct msim *sim, const void *audio, size_t len)
{
	pthread_mutex_lock(&sim->mu);
	if (sim->feed_off > 0) {
		memmove(sim->feed, sim->feed + sim->feed_off,
		    sim->feed_len - sim->feed_off);
		sim->feed_len -= sim->feed_off;
		sim->feed_off = 0;
	}
	sim->feed = xrealloc(sim->feed, sim->feed_len + len + 1);
	memcpy(sim->feed + sim->feed_len, audio, len);
	sim->feed_len += len;
	pthread_mutex_unlock(&sim->mu);
	return 0;
}

int
msim_send_raw(struct msim *sim, const void *bytes, size_t len)
{
	pthread_mutex_lock(&sim->mu);
	out_add(sim, bytes, len);
	wake(sim);
	pthread_mutex_unlock(&sim->mu);
	return 0;
}

int
msim_garbage(struct msim *sim, size_t n, int with_dle)
{
	unsigned char c;
	size_t i;

	pthread_mutex_lock(&sim->mu);
	for (i = 0; i < n; i++) {
		c = (unsigned char)rnd_next(sim);
		if (!with_dle && c == DLE)
			c = 0x11 + (unsigned char)(rnd_next(sim) % 0x60);
		out_add(sim, &c, 1);
	}
	wake(sim);
	pthread_mutex_unlock(&sim->mu);
	return 0;
}

int
msim_misbehave(struct msim *sim, enum msim_fault f, unsigned n)
{
	int rc = 0;

	pthread_mutex_lock(&sim->mu);
	switch (f) {
	case MSIM_FAULT_DROP_OK:
		sim->f_drop_ok = n;
		break;
	case MSIM_FAULT_SPLIT_DLE:
		sim->f_split = n;
		break;
	case MSIM_FAULT_SPURIOUS_D:
		sim->f_spurious_d = n;
		break;
	case MSIM_FAULT_UNDERRUN_U:
		sim->f_underrun_u = n;
		break;
	case MSIM_FAULT_VRX_NO_ETX:
		sim->vrx_etx = n == 0;
		break;
	case MSIM_FAULT_CHOP:
		sim->f_chop = n != 0;
		break;
	case MSIM_FAULT_VSM_PREFIX:
		sim->q_vsm_prefix = n != 0;
		break;
	case MSIM_FAULT_VSM_4ARGS:
		sim->q_vsm_4args = n != 0;
		break;
	case MSIM_FAULT_NO_IFC:
		sim->q_no_ifc = n != 0;
		break;
	case MSIM_FAULT_SLOW_CMD:
		sim->f_slow_cmd = n;
		break;
	case MSIM_FAULT_NC_KEEPS_LINE:
		sim->q_nc_keeps_line = n != 0;
		break;
	case MSIM_FAULT_OK_WITH_DLE:
		sim->f_ok_dle = n;
		break;
	case MSIM_FAULT_HANG:
		sim->f_hang = n != 0;
		if (n != 0) {
			sim->out_off = sim->out_len = sim->split_at = 0;
			sim->split_wait = 0;
		}
		wake(sim);
		break;
	default:
		rc = -1;
	}
	pthread_mutex_unlock(&sim->mu);
	return rc;
}

int
msim_vanish(struct msim *sim)
{
	pthread_mutex_lock(&sim->mu);
	if (sim->state != MSIM_GONE) {
		sim->vanish_req = 1;
		wake(sim);
		while (sim->state != MSIM_GONE)
			pthread_cond_wait(&sim->cv, &sim->mu);
	}
	pthread_mutex_unlock(&sim->mu);
	return 0;
}

int
msim_reappear(struct msim *sim, char **cause)
{
	int rc = 0;

	pthread_mutex_lock(&sim->mu);
	if (sim->state != MSIM_GONE) {
		pthread_mutex_unlock(&sim->mu);
		return kf_error(cause, "the modem has not vanished");
	}
	if (pty_open(sim, cause) == -1) {
		rc = -1;
	} else {
		/* power-on: the &W profile survives, as in NVRAM */
		modem_reset(sim, 0);
		sim->linelen = 0;
		sim->dle = 0;
		sim->hold_until = 0;
		sim->held_final = NULL;
		sim->state = MSIM_COMMAND;
		pthread_cond_broadcast(&sim->cv);
		wake(sim);
	}
	pthread_mutex_unlock(&sim->mu);
	return rc;
}

/* ---------------------------------------------------------------- */
/* observation API */

enum msim_state
msim_state(struct msim *sim)
{
	enum msim_state s;

	pthread_mutex_lock(&sim->mu);
	s = sim->state;
	pthread_mutex_unlock(&sim->mu);
	return s;
}

int
msim_offhook(struct msim *sim)
{
	int v;

	pthread_mutex_lock(&sim->mu);
	v = sim->offhook;
	pthread_mutex_unlock(&sim->mu);
	return v;
}

int
msim_fclass(struct msim *sim)
{
	int v;

	pthread_mutex_lock(&sim->mu);
	v = sim->fclass;
	pthread_mutex_unlock(&sim->mu);
	return v;
}

void
msim_stats(struct msim *sim, struct msim_stats *out)
{
	pthread_mutex_lock(&sim->mu);
	*out = sim->st;
	pthread_mutex_unlock(&sim->mu);
}

void
msim_vsm(struct msim *sim, int *cml, unsigned *rate)
{
	pthread_mutex_lock(&sim->mu);
	*cml = sim->cml;
	*rate = sim->rate;
	pthread_mutex_unlock(&sim->mu);
}

char *
msim_transcript(struct msim *sim)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	pthread_mutex_lock(&sim->mu);
	for (i = 0; i < sim->ntr; i++) {
		sb_adds(&sb, sim->tr[i]);
		sb_addc(&sb, '\n');
	}
	pthread_mutex_unlock(&sim->mu);
	return sb_steal(&sb);
}

size_t
msim_ncommands(struct msim *sim)
{
	size_t n;

	pthread_mutex_lock(&sim->mu);
	n = sim->ntr;
	pthread_mutex_unlock(&sim->mu);
	return n;
}

/* Wait on sim->cv until the deadline; 0, or -1 once it passed. */
static int
cv_wait_until(struct msim *sim, uint64_t deadline_ms)
{
	struct timespec ts;
	uint64_t now = now_ms();

	if (now >= deadline_ms)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)((deadline_ms - now) / 1000);
	ts.tv_nsec += (long)((deadline_ms - now) % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&sim->cv, &sim->mu, &ts);
	return 0;
}

static int
cmd_match(const char *got, const char *want)
{
	size_t n = strlen(want);

	if (n > 0 && want[n - 1] == '*')
		return strncasecmp(got, want, n - 1) == 0;
	return strcasecmp(got, want) == 0;
}

int
msim_wait_command(struct msim *sim, const char *cmd, size_t from,
    unsigned timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	size_t i = from;
	int found = -1;

	pthread_mutex_lock(&sim->mu);
	for (;;) {
		for (; i < sim->ntr; i++)
			if (cmd_match(sim->tr[i], cmd)) {
				found = (int)i;
				goto out;
			}
		if (cv_wait_until(sim, deadline) == -1)
			break;
	}
out:
	pthread_mutex_unlock(&sim->mu);
	return found;
}

int
msim_wait_state(struct msim *sim, enum msim_state s, unsigned timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	int rc = 0;

	pthread_mutex_lock(&sim->mu);
	while (sim->state != s)
		if ((rc = cv_wait_until(sim, deadline)) == -1)
			break;
	pthread_mutex_unlock(&sim->mu);
	return rc;
}

int
msim_wait_read(struct msim *sim, unsigned timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms, mark, now;
	int rc = -1;

	pthread_mutex_lock(&sim->mu);
	mark = sim->written + (sim->out_len - sim->out_off);
	for (;;) {
		if (sim->written >= mark &&
		    sim->written - (uint64_t)host_unread(sim) >= mark) {
			rc = 0;
			break;
		}
		/* nothing signals a read by the host: look again in 2 ms */
		if ((now = now_ms()) >= deadline ||
		    cv_wait_until(sim, now + 2 < deadline ? now + 2 :
		    deadline) == -1)
			break;
	}
	pthread_mutex_unlock(&sim->mu);
	return rc;
}

int
msim_wait_hook(struct msim *sim, int offhook, unsigned timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	int rc = 0;

	pthread_mutex_lock(&sim->mu);
	while (sim->offhook != (offhook != 0))
		if ((rc = cv_wait_until(sim, deadline)) == -1)
			break;
	pthread_mutex_unlock(&sim->mu);
	return rc;
}

int
msim_wait_vtx(struct msim *sim, size_t n, unsigned timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	int rc = 0;

	pthread_mutex_lock(&sim->mu);
	while (sim->nsegs_ended < n)
		if ((rc = cv_wait_until(sim, deadline)) == -1)
			break;
	pthread_mutex_unlock(&sim->mu);
	return rc;
}

void
msim_vtx_clear(struct msim *sim)
{
	size_t i;

	pthread_mutex_lock(&sim->mu);
	for (i = 0; i < sim->nsegs; i++) {
		free(sim->segs[i].b);
		sim->segs[i].b = NULL;
		sim->segs[i].len = sim->segs[i].cap = 0;
		sim->segs[i].heard = 0;
	}
	pthread_mutex_unlock(&sim->mu);
}

size_t
msim_vtx_heard(struct msim *sim, size_t i)
{
	size_t n = 0;

	pthread_mutex_lock(&sim->mu);
	if (i < sim->nsegs && sim->segs[i].end != MSIM_VTX_OPEN)
		n = sim->segs[i].heard;
	pthread_mutex_unlock(&sim->mu);
	return n;
}

int
msim_heard(struct msim *sim, size_t from, unsigned char **buf, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	pthread_mutex_lock(&sim->mu);
	for (i = from; i < sim->nsegs; i++)
		if (sim->segs[i].end != MSIM_VTX_OPEN && sim->segs[i].b)
			sb_add(&sb, sim->segs[i].b, sim->segs[i].heard);
	pthread_mutex_unlock(&sim->mu);
	*len = sb.len;
	*buf = (unsigned char *)sb_steal(&sb);
	return 0;
}

int
msim_wait_vtx_started(struct msim *sim, size_t n, unsigned timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	int rc = 0;

	pthread_mutex_lock(&sim->mu);
	while (sim->nsegs < n)
		if ((rc = cv_wait_until(sim, deadline)) == -1)
			break;
	pthread_mutex_unlock(&sim->mu);
	return rc;
}

size_t
msim_vtx_count(struct msim *sim)
{
	size_t n;

	pthread_mutex_lock(&sim->mu);
	n = sim->nsegs;
	pthread_mutex_unlock(&sim->mu);
	return n;
}

uint64_t
msim_vtx_first_us(struct msim *sim, size_t i)
{
	uint64_t t = 0;

	pthread_mutex_lock(&sim->mu);
	if (i < sim->nsegs)
		t = sim->segs[i].first_us;
	pthread_mutex_unlock(&sim->mu);
	return t;
}

uint64_t
msim_last_key_us(struct msim *sim)
{
	uint64_t t;

	pthread_mutex_lock(&sim->mu);
	t = sim->key_us;
	pthread_mutex_unlock(&sim->mu);
	return t;
}

int
msim_vtx_audio(struct msim *sim, size_t i, unsigned char **buf, size_t *len,
    enum msim_vtx_end *end)
{
	struct seg *s;

	pthread_mutex_lock(&sim->mu);
	if (i >= sim->nsegs) {
		pthread_mutex_unlock(&sim->mu);
		return -1;
	}
	s = &sim->segs[i];
	*buf = xmalloc(s->len + 1);
	if (s->len > 0)
		memcpy(*buf, s->b, s->len);
	*len = s->len;
	if (end != NULL)
		*end = s->end;
	pthread_mutex_unlock(&sim->mu);
	return 0;
}
