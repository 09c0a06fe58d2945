/*
 * modemsim: a simulated V.253 ("AT+V") voice modem on a pseudo-terminal,
 * for tests and demos.  It is an independent implementation of the MODEM
 * side of /work/shared/reference/voice-modem-and-sms-protocol.md sections
 * 1-8, written without kefu's line/port code so that it can catch their
 * bugs.  It owns one pty per simulator and one thread that plays the
 * modem; it must never include src/line or src/port headers.
 *
 * The host (kefu) opens msim_path() like a serial device.  Tests inject
 * calls and caller behaviour (rings with caller ID, DTMF, hang-ups, audio
 * to record), make the modem misbehave on demand, and observe what the
 * host did: the transcript of AT commands, the audio it played per AT+VTX
 * segment, the hook state.  Every function is thread-safe (one mutex per
 * simulator); there are no globals, so many simulators can run at once.
 *
 * Errors follow kefu's convention: 0 / -1 with a malloc'd *cause.
 */
#ifndef KEFU_MODEMSIM_H
#define KEFU_MODEMSIM_H

#include <stddef.h>
#include <stdint.h>

struct msim;

/*
 * Which real hardware to imitate (strings, +VSM lists, quirks).  USR and
 * V253 also emulate +VSD: during AT+VRX, after <sdi> x 0.1 s of silence
 * (the feed ran out) they send DLE q (something was said) or DLE s
 * (nothing was), once per recording.  The Conexant never does.
 */
enum msim_family {
	MSIM_CONEXANT,  /* Zoom 3095 / CX93010: ATI 56000, +VSM=1,8000,0,0 */
	MSIM_USR,       /* USR 5637: ATI 5601, +VSM=128,8000 */
	MSIM_V253,      /* textbook V.253: honours +VSD, offers mu-law/A-law */
};

/* What the modem is doing with the serial stream. */
enum msim_state {
	MSIM_COMMAND,   /* AT command mode (on- or off-hook) */
	MSIM_VTX,       /* AT+VTX: consuming audio from the host */
	MSIM_VRX,       /* AT+VRX: streaming audio to the host */
	MSIM_GONE,      /* vanished: the pty is closed */
};

/* How the far end's hang-up is signalled (protocol section 7). */
enum msim_hangup {
	MSIM_HUP_BUSY,      /* DLE b, repeated every busy_repeat_ms */
	MSIM_HUP_DIALTONE,  /* DLE d, repeated every dial_repeat_ms */
	MSIM_HUP_LOOP,      /* DLE l once (loop-current interruption) */
	MSIM_HUP_SILENCE,   /* the caller falls silent: DLE s now when in
			       AT+VRX, else from the next AT+VRX after its
			       +VSD period (CONEXANT: never; it ignores +VSD) */
	MSIM_HUP_QUIET,     /* DLE q now when in AT+VRX (CONEXANT: nothing) */
	MSIM_HUP_NOCARRIER, /* leave VTX/VRX, text NO CARRIER, go on-hook
			       (see MSIM_FAULT_NC_KEEPS_LINE) */
	MSIM_HUP_SILENT,    /* nothing signalled: the caller just goes quiet */
	MSIM_HUP_EXTENSION, /* an extension was picked up: DLE P (CONEXANT),
			       DLE H (others) */
};

/* How a VTX segment ended. */
enum msim_vtx_end {
	MSIM_VTX_OPEN,      /* still playing */
	MSIM_VTX_ETX,       /* DLE ETX, played out, OK sent */
	MSIM_VTX_CANCEL,    /* DLE CAN seen (buffer cleared), then DLE ETX */
	MSIM_VTX_ABORT,     /* cut: NO CARRIER (MSIM_HUP_NOCARRIER) or vanish */
};

/* Misbehaviour switches for msim_misbehave(). */
enum msim_fault {
	MSIM_FAULT_DROP_OK,     /* do not send the next <n> OK results */
	MSIM_FAULT_SPLIT_DLE,   /* split the next <n> DLE pairs across writes:
				   the code 30 ms after the DLE, once the host
				   has read it */
	MSIM_FAULT_SPURIOUS_D,  /* DLE d at the start of the next <n> VTX
				   or VRX sessions, as USR firmware does */
	MSIM_FAULT_UNDERRUN_U,  /* report VTX underruns with DLE u (n=1 on) */
	MSIM_FAULT_VRX_NO_ETX,  /* n=1: VRX ends in OK alone; 0: DLE ETX, OK */
	MSIM_FAULT_CHOP,        /* n=1: outside VRX, write everything in
				   pieces of 1-7 bytes 2 ms apart */
	MSIM_FAULT_HANG,        /* n=1: wedged firmware: reads nothing (the
				   host's writes block once the pty is full)
				   and sends nothing; n=0: alive again, the
				   input that piled up is then processed */
	/* firmware variants (n=1 on, n=0 off) */
	MSIM_FAULT_VSM_PREFIX,  /* AT+VSM=? lines start with "+VSM: " */
	MSIM_FAULT_VSM_4ARGS,   /* AT+VSM=c,r is ERROR, only c,r,0,0 works */
	MSIM_FAULT_NO_IFC,      /* AT+IFC is ERROR (vgetty's "V253ugly") */
	MSIM_FAULT_SLOW_CMD,    /* the next command line is read <n> ms
				   late (a busy modem): events sent
				   meanwhile overtake its answer */
	MSIM_FAULT_NC_KEEPS_LINE, /* after NO CARRIER stay off hook (so
				   AT+VTX still answers CONNECT) until the
				   host sends ATH or AT+VLS=0 */
	MSIM_FAULT_OK_WITH_DLE, /* the OK that ends the next <n> VRX
				   sessions without DLE ETX is held back
				   until the next DLE event and written in
				   one piece with that DLE; its code follows
				   as with MSIM_FAULT_SPLIT_DLE (a busy host
				   reading queued bytes in full buffers) */
};

struct msim_opts {
	enum msim_family family;
	int fast;               /* 1: VTX unpaced, VRX at 16x real time */
	const char *link;       /* NULL, or a symlink kept pointing to the
				   pty */
	int tcp;                /* 1: a raw TCP serial server on 127.0.0.1
				   instead of a pty; msim_path() is
				   "tcp:127.0.0.1:PORT".  One client at a
				   time; output with no client is dropped;
				   a disconnect leaves the modem as it is */
	int tcp_port;           /* 0: any free port */
	int dtmf_repeats;       /* 0: family default; -1: one code per key
				   (older firmware); n: DLE / n x DLE k DLE ~ */
	unsigned busy_repeat_ms;/* 0: 4000 */
	unsigned dial_repeat_ms;/* 0: 3000 */
	unsigned key_gap_ms;    /* pause between keys of one msim_dtmf();
				   0: 120 ms (fast: 20 ms) */
	unsigned dtmf_repeat_ms;/* between repeated codes of one key ("/" and
				   the first code go together); 0: 70 ms
				   (fast: 5 ms) */
	unsigned vtx_capture_max; /* bytes kept per VTX segment; 0: 4 MiB */
};

/* Caller-ID fields, each NULL when absent ("P"/"O" allowed in nmbr). */
struct msim_cid {
	const char *date;       /* MMDD */
	const char *time;       /* HHMM */
	const char *nmbr;
	const char *name;
};

struct msim_stats {
	unsigned rings;         /* RING / DLE R sent */
	unsigned answers;       /* on-hook -> off-hook transitions */
	unsigned hangups;       /* off-hook -> on-hook transitions */
	unsigned commands;      /* AT command lines received */
	unsigned errors;        /* ERROR results sent */
	unsigned vtx;           /* VTX segments started */
	unsigned vrx;           /* VRX sessions started */
	unsigned underruns;     /* VTX buffer ran dry while playing */
	unsigned overruns;      /* VRX: the pty (about 2 s of 8 kHz audio)
				   and 0.5 s more were not read (DLE o) */
	unsigned dropped_events;/* DTMF/hang-ups injected while on-hook */
	uint64_t vrx_bytes;     /* audio bytes (unshielded) sent in VRX */
	unsigned vanished;      /* times the device vanished */
	uint64_t hangup_us;     /* now_us() when the caller last hung up
				   (msim_hangup signalled it; 0: never) */
	uint64_t onhook_us;     /* now_us() when the line last went on hook */
};

/* Names for enums (for logs and the CLI), and their parsers. */
const char *msim_family_name(enum msim_family f);
int msim_family_parse(const char *name, enum msim_family *out);
const char *msim_state_name(enum msim_state s);
int msim_hangup_parse(const char *name, enum msim_hangup *out);

/* Create the pty, start the modem thread.  opts may be NULL (conexant). */
int msim_start(const struct msim_opts *opts, struct msim **out, char **cause);
/* Stop the thread, close the pty, remove the link, free everything. */
void msim_stop(struct msim *sim);
/*
 * The path the host opens: "tcp:127.0.0.1:PORT" in TCP mode (the same
 * after msim_reappear), the link when one was given (it survives
 * msim_vanish/msim_reappear), else the slave pty name (which changes on
 * reappear).  The string is owned by the simulator and stays valid until
 * the next msim_reappear() or msim_stop(); copy it if in doubt.
 */
const char *msim_path(struct msim *sim);

/*
 * Events.  Delays are milliseconds from now.  Ring: <n> rings every
 * <interval_ms> (0: 5000); caller ID, when given and AT+VCID=1 is set,
 * between the 1st and 2nd ring.  Rings stop when the host goes off-hook.
 * After AT+VDR=1,<n> each ring is reported as DROF=<off, 0.1 s> (not for
 * the first) and DRON=20, followed by RING only when <n> is not 0.
 * In +FCLASS=8 a ring is DLE R, else a RING result.
 */
int msim_ring(struct msim *sim, unsigned n, unsigned interval_ms,
    const struct msim_cid *cid);
/*
 * Like msim_ring, with the caller-ID text given verbatim (sent as is,
 * also without +VCID=1), e.g. the two MESG lines of Rockwell parts:
 * "\r\nMESG = 030132\r\nMESG = 0F0A\r\n".  NULL: no caller ID.
 */
int msim_ring_raw(struct msim *sim, unsigned n, unsigned interval_ms,
    const char *cid_text);
/* DTMF keys (0-9 * # A-D) after <after_ms>, each with the repeat pattern. */
int msim_dtmf(struct msim *sim, const char *keys, unsigned after_ms);
/* DTMF once the current or next VTX segment has consumed <nbytes>. */
int msim_dtmf_at_byte(struct msim *sim, const char *keys, size_t nbytes);
int msim_hangup(struct msim *sim, enum msim_hangup how, unsigned after_ms);
int msim_hangup_at_byte(struct msim *sim, enum msim_hangup how,
    size_t nbytes);
/* Send DLE <code> now (any event letter, e.g. 'H', 'u', 'c'). */
int msim_dle(struct msim *sim, char code);
/*
 * Queue audio the caller "says", as raw bytes in the +VSM format the host
 * selected; AT+VRX streams it (shielded), then the format's silence byte.
 * The queue is emptied when the line goes on-hook.
 */
int msim_feed(struct msim *sim, const void *audio, size_t len);

/* Misbehaviour. */
int msim_send_raw(struct msim *sim, const void *bytes, size_t len);
/* <n> random bytes: without DLE (line noise) or with (flood). */
int msim_garbage(struct msim *sim, size_t n, int with_dle);
/* Switch a fault on for <n> occurrences (see enum msim_fault). */
int msim_misbehave(struct msim *sim, enum msim_fault f, unsigned n);
/* Close the pty (the device disappears); the link is removed. */
int msim_vanish(struct msim *sim);
/*
 * Come back as a freshly powered-on modem (the &W profile survives, all
 * else is reset) on a new pty; the link is re-pointed (TCP: same port).
 */
int msim_reappear(struct msim *sim, char **cause);

/* Observation. */
enum msim_state msim_state(struct msim *sim);
int msim_offhook(struct msim *sim);
int msim_fclass(struct msim *sim);
void msim_stats(struct msim *sim, struct msim_stats *out);
/* Current +VSM method and rate. */
void msim_vsm(struct msim *sim, int *cml, unsigned *rate);
/*
 * The transcript: every AT command line received (as typed, without the
 * line end) and every in-band host command as "<DLE ETX>", "<DLE CAN>",
 * "<DLE !>", "<DLE 0x..>", one per line.  Malloc'd.
 */
char *msim_transcript(struct msim *sim);
size_t msim_ncommands(struct msim *sim);   /* transcript entries */
/*
 * Wait until a transcript entry with index >= from matches cmd (ASCII
 * case-insensitive; a trailing '*' matches any rest).  Returns its index,
 * or -1 on time-out.
 */
int msim_wait_command(struct msim *sim, const char *cmd, size_t from,
    unsigned timeout_ms);
int msim_wait_state(struct msim *sim, enum msim_state s, unsigned timeout_ms);
/*
 * Wait until the host has read everything the modem wrote or queued so
 * far (later bytes, such as VRX audio, may still wait).  0, or -1 after
 * timeout_ms.
 */
int msim_wait_read(struct msim *sim, unsigned timeout_ms);
int msim_wait_hook(struct msim *sim, int offhook, unsigned timeout_ms);
/* Wait until <n> VTX segments have ended. */
int msim_wait_vtx(struct msim *sim, size_t n, unsigned timeout_ms);
/* Wait until <n> VTX segments have started (AT+VTX answered CONNECT). */
int msim_wait_vtx_started(struct msim *sim, size_t n, unsigned timeout_ms);
size_t msim_vtx_count(struct msim *sim);   /* segments started */
/*
 * What the caller heard of ended segment <i>: the first <n> bytes of its
 * audio.  All of it after DLE ETX; after DLE CAN, or when the call was cut
 * (NO CARRIER, vanish), only what had been played by then at the +VSM
 * rate (everything received, in fast mode).  0 while still open.
 */
size_t msim_vtx_heard(struct msim *sim, size_t i);
/*
 * The heard audio of all ended segments from <from> on, concatenated:
 * "the exact prompt audio that reached the caller".  Malloc'd.
 */
int msim_heard(struct msim *sim, size_t from, unsigned char **buf,
    size_t *len);
/* Free the captured audio of all segments (long runs); counts remain. */
void msim_vtx_clear(struct msim *sim);
/*
 * Copy the de-shielded audio of VTX segment <i> (0-based) into a
 * malloc'd *buf; *end tells how it ended.  -1 when no such segment.
 */
int msim_vtx_audio(struct msim *sim, size_t i, unsigned char **buf,
    size_t *len, enum msim_vtx_end *end);
/*
 * Timing as the caller sees it (now_us() clock, for benchmarks): when
 * segment <i>'s first audio byte arrived (0: none yet, or no such
 * segment), and when the first DLE code of the last key pressed went out.
 */
uint64_t msim_vtx_first_us(struct msim *sim, size_t i);
uint64_t msim_last_key_us(struct msim *sim);

#endif
