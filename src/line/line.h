/*
 * line: one phone line and the calls on it.  This subsystem owns the
 * contract between a line driver (the V.253 voice modem in modem.c, the
 * simulated line in sim.c; later SIP) and the call-flow interpreter: struct
 * line_ops, the line's state machine (one thread per line), caller ID,
 * and the parsers of modem output (AT results, the DLE stream, caller ID,
 * +VSM=? lists).  It depends on port (serial devices), audio_fmt.h and
 * util only; it must not know about flows, mappings or the store.
 *
 * Threads: every line runs in its own thread (line_start()).  All
 * line_ops calls on a line are made from that thread only, so drivers
 * need no locks; line_state() may be read from any thread.
 *
 * Status convention of the call operations (enum line_status): a
 * non-negative status says how the operation ended; LINE_FAILED (-1)
 * means the device misbehaved (timeout, garbage, vanished) and *cause
 * holds a message -- the interpreter stops the call and the line
 * re-initialises its device.  A caller hanging up is LINE_GONE, not a
 * failure: the interpreter ends the flow and lets the line hang up.
 */
#ifndef KEFU_LINE_H
#define KEFU_LINE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>

#include "audio/audio_fmt.h"
#include "conf/conf.h"

struct line;

/* How a call operation ended. */
enum line_status {
	LINE_FAILED = -1,       /* device failure; *cause says why */
	LINE_OK = 0,            /* done: played to the end, recorded... */
	LINE_DIGIT,             /* a key stopped it or was read: *key */
	LINE_TIMEOUT,           /* no key in time; record: max length */
	LINE_SILENCE,           /* record: the caller spoke, then fell silent */
	LINE_GONE,              /* the caller hung up, or max-call hit */
};

/* The line's state machine; one setter (line_set_state) logs each change. */
enum line_state {
	LINE_DOWN,              /* device closed (not yet, or to reopen) */
	LINE_INIT,              /* opening and initialising the device */
	LINE_IDLE,              /* on hook, waiting for RING */
	LINE_RINGING,           /* counting rings, reading caller ID */
	LINE_ANSWERING,         /* going off hook */
	LINE_CONNECTED,         /* off hook, between operations */
	LINE_PLAYING,           /* sending audio (AT+VTX) */
	LINE_COLLECTING,        /* waiting for keys */
	LINE_RECORDING,         /* receiving audio (AT+VRX) */
	LINE_BEEPING,           /* AT+VTS tone */
	LINE_HANGUP,            /* going back on hook */
	LINE_STOPPED,           /* line_stop() was called; thread ended */
	LINE_NSTATES
};

/* Caller ID of a call, as delivered between the first and second ring. */
enum line_cid_kind {
	LINE_CID_NONE,          /* nothing (no subscription, few rings) */
	LINE_CID_NUMBER,        /* number holds the caller's number */
	LINE_CID_PRIVATE,       /* NMBR=P: the caller withheld the number */
	LINE_CID_UNAVAILABLE,   /* NMBR=O: out of area / not available */
};
struct line_callerid {
	enum line_cid_kind kind;
	char number[33];        /* digits, + * #; "" but LINE_CID_NUMBER */
	char name[65];          /* NAME, printable ASCII, "" when absent */
	char date[5];           /* MMDD, "" when absent */
	char time[5];           /* HHMM (24 h), "" when absent */
};

/* One incoming call, filled by wait_call. */
struct line_call {
	unsigned rings;             /* rings counted before answering */
	struct line_callerid cid;
	uint64_t start_ms;          /* now_ms() when answered (0 before) */
	/*
	 * Set by the call handler (line_call_h) for work that must not keep
	 * a caller who hung up off hook, such as writing the call log: run
	 * once the line is on hook again (hung up or not), before it takes
	 * the next call.  NULL: nothing to do.
	 */
	void (*end_h)(struct line *ln, void *arg);
	void *end_arg;
};

/* Events a line reports to whoever listens (status display, call log). */
enum line_event_type {
	LINE_EV_RING,           /* a ring; ev->rings is the count so far */
	LINE_EV_CALLERID,       /* caller ID complete; ev->cid */
	LINE_EV_HANGUP,         /* the caller is gone; ev->reason: how */
	LINE_EV_DTMF,           /* a key; ev->digit */
	LINE_EV_DEVICE,         /* the device failed or came back; ev->reason */
};
struct line_event {
	enum line_event_type type;
	unsigned rings;
	const struct line_callerid *cid;
	const char *reason;
	char digit;
};
/* Called on the line's thread; must not block for long. */
typedef void (line_event_h)(struct line *ln, const struct line_event *ev,
    void *arg);

/*
 * What to do with recorded audio: sink receives the bytes in the line's
 * format (fmt()) as they arrive; returning -1 stops the recording
 * (status LINE_OK).
 */
typedef int (line_sink_h)(void *arg, const void *data, size_t len);
struct line_rec {
	line_sink_h *sink;      /* receives the audio */
	void *arg;              /* for sink */
	int max_ms;             /* LINE_TIMEOUT after this; 0: max-call */
	int silence_ms;         /* LINE_SILENCE after this; 0: off */
	int stop_on_key;        /* 1: a key stops it (LINE_DIGIT, *key) */
};

/*
 * Audio made while it plays (a product name being spoken): read returns
 * up to max bytes in the line's format, waiting at most wait_ms for
 * some: the bytes, 0 at the end, -1 when none came in time.
 */
struct line_src {
	ssize_t (*read)(void *arg, void *buf, size_t max, int wait_ms);
	void *arg;
};

/*
 * A line driver.  Every slot is required but play_src.  The call
 * operations (answer .. hangup) are what the flow interpreter uses,
 * through line_play, line_wait_digit, line_record and line_beep; open,
 * wait_call and close are driven by the line thread in line.c.  line.c
 * alone moves the line's state (enum line_state) around these calls: a
 * driver only reports LINE_EV_RING (-> LINE_RINGING) and never names
 * another driver.
 */
struct line_ops {
	/* The [line] type= that picks it, for `kefu status`: "modem". */
	const char *name;
	/* What the device is, in a log line: "modem", "simulated line". */
	const char *kind;
	/* What kefu does after it failed: "re-initialising the modem". */
	const char *recovery;
	/*
	 * Open and initialise the device named in ln->conf; fill ln->fmt.
	 * 0, or -1 with *cause (the thread retries with back-off).
	 */
	int (*open)(struct line *ln, char **cause);
	/*
	 * Wait, on hook, until a call has rung ln->conf->rings times; fill
	 * *call (rings, caller ID).  LINE_OK when a call is to be answered,
	 * LINE_TIMEOUT when line_stop() was asked for or a call stopped
	 * ringing (the line is idle again), LINE_FAILED when the device must
	 * be re-initialised.
	 */
	enum line_status (*wait_call)(struct line *ln, struct line_call *call,
	    char **cause);
	/* Go off hook, ready for audio.  LINE_OK, LINE_GONE, LINE_FAILED. */
	enum line_status (*answer)(struct line *ln, char **cause);
	/*
	 * Play len bytes of audio in the line's format.  With barge_in, a key
	 * (or one pressed earlier and not yet read) stops playback at once:
	 * LINE_DIGIT with *key set.  Without, keys are queued for wait_digit.
	 * LINE_OK at the end, LINE_GONE, LINE_FAILED.
	 */
	enum line_status (*play)(struct line *ln, const void *audio, size_t len,
	    int barge_in, char *key, char **cause);
	/*
	 * The same from a source, starting before all of it is made; NULL:
	 * line_play_src() reads it all first, then calls play.
	 */
	enum line_status (*play_src)(struct line *ln,
	    const struct line_src *src, int barge_in, char *key, char **cause);
	/*
	 * Return the next key (queued ones first), waiting at most
	 * timeout_ms: LINE_DIGIT with *key in "0123456789*#ABCD",
	 * LINE_TIMEOUT, LINE_GONE (the caller hung up, or max-call),
	 * LINE_FAILED.  Silence does not end this wait: the flow's own
	 * timeouts and retry limits do.
	 */
	enum line_status (*wait_digit)(struct line *ln, int timeout_ms,
	    char *key, char **cause);
	/*
	 * Record into rec->sink until max length (LINE_TIMEOUT), silence
	 * after voice (LINE_SILENCE), a key (LINE_DIGIT, *key, when
	 * rec->stop_on_key), the sink's refusal (LINE_OK), LINE_GONE (also
	 * conf->silence_ms of silence from the start) or LINE_FAILED.
	 */
	enum line_status (*record)(struct line *ln, const struct line_rec *rec,
	    char *key, char **cause);
	/* A tone of freq_hz for ms.  LINE_OK, LINE_GONE, LINE_FAILED. */
	enum line_status (*beep)(struct line *ln, unsigned freq_hz, unsigned ms,
	    char **cause);
	/* Go on hook, ready for the next call.  LINE_OK or LINE_FAILED. */
	enum line_status (*hangup)(struct line *ln, char **cause);
	/* Release the device (safe on a half-opened line). */
	void (*close)(struct line *ln);
};

/* The driver of [line] type=modem (modem.c). */
extern const struct line_ops line_ops_modem;
/* The driver of [line] type=sim: calls over a Unix socket (sim.c). */
extern const struct line_ops line_ops_sim;

/* What the line thread does with an answered call (the flow interpreter). */
typedef void (line_call_h)(struct line *ln, struct line_call *call,
    void *arg);

/*
 * A line.  Drivers keep their own state behind priv; the fields below are
 * the same for every driver.
 */
struct line {
	char *name;                     /* [line NAME] */
	const struct conf_line *conf;   /* its kefu.conf section (not owned) */
	const struct line_ops *ops;     /* chosen from conf->type */
	void *priv;                     /* the driver's state */
	struct audio_fmt fmt;           /* the audio format, valid after open */
	struct line_call call;          /* the call (wait_call .. hangup) */
	char keys[32];                  /* typed-ahead keys, NUL-terminated */
	line_event_h *event_h;          /* NULL: events are only logged */
	void *event_arg;
	line_call_h *call_h;            /* NULL: answer, then hang up at once */
	void *call_arg;
	int retry_ms;                   /* first back-off on failure (1 s) */
	int retry_max_ms;               /* back-off ceiling (30 s) */
	int cmd_timeout_ms;             /* wait for an AT result (3 s) */
	atomic_int stop;                /* line_stop() sets it; drivers poll */
	pthread_t thread;
	int started;                    /* thread is running */
	pthread_mutex_t mtx;            /* guards state and the counters */
	enum line_state state;
	unsigned calls;                 /* calls answered */
	unsigned failures;              /* device re-initialisations */
};

/*
 * Create a line for a [line] section (not yet opened).  -1 with *cause
 * for an unknown type.  conf must outlive the line.
 */
int line_new(const struct conf_line *conf, struct line **out, char **cause);
void line_free(struct line *ln);
/*
 * Start the line's thread: open the device (retrying with back-off),
 * wait for calls, answer, run call_h, hang up, repeat.  A device that
 * fails is closed and reopened; other lines are not affected.
 */
int line_start(struct line *ln, line_call_h *call_h, void *call_arg,
    char **cause);
/* Ask the thread to stop (within ~0.5 s) and join it. */
void line_stop(struct line *ln);

/* The state, readable from any thread. */
enum line_state line_state(struct line *ln);
/* "idle", "playing"... */
const char *line_state_name(enum line_state st);
/* Change state, logging "line NAME: playing -> collecting" (debug level). */
void line_set_state(struct line *ln, enum line_state st);
/* Report an event to ln->event_h (and the log). */
void line_event(struct line *ln, const struct line_event *ev);
/* "LINE_OK", ... for logs and tests. */
const char *line_status_name(enum line_status st);
/*
 * The call operations as the interpreter uses them: each moves the state
 * (playing, collecting, recording, beeping) and back to connected, and
 * calls the driver's slot (see struct line_ops for the statuses).
 * line_play_src plays from src with the driver's play_src, or reads it
 * all and calls play.
 */
enum line_status line_play(struct line *ln, const void *audio, size_t len,
    int barge_in, char *key, char **cause);
enum line_status line_play_src(struct line *ln, const struct line_src *src,
    int barge_in, char *key, char **cause);
enum line_status line_wait_digit(struct line *ln, int timeout_ms, char *key,
    char **cause);
enum line_status line_record(struct line *ln, const struct line_rec *rec,
    char *key, char **cause);
enum line_status line_beep(struct line *ln, unsigned freq_hz, unsigned ms,
    char **cause);
/* Queue a typed-ahead key (dropped when the queue is full). */
void line_key_push(struct line *ln, char key);
/* Take the oldest queued key; 0 when none. */
char line_key_pop(struct line *ln);

/*
 * modem.c: what `kefu modem probe` shows -- the modem's identity, the
 * family kefu would drive it as, what AT+VSM=? and AT+VLS=? offer, and
 * the settings kefu would use.  Strings are malloc'd ("" when the
 * modem refused the query).
 */
struct modem_probe {
	char *ati;              /* reply to ATI */
	char *ati3;             /* reply to ATI3 */
	char *fmi;              /* reply to AT+FMI? */
	const char *family;     /* "v253", "conexant", "usr" */
	const char *family_why; /* the detection rule matched, or "forced" */
	char *vsm;              /* reply to AT+VSM=? */
	char *vls;              /* reply to AT+VLS=? */
	struct audio_fmt fmt;   /* the format kefu would use */
	char *vsm_cmd;          /* the AT+VSM=... that set it */
	char *settings;         /* more, one a line ("flow control: ...") */
};
/*
 * Open the device of cl (or `device` when not NULL), initialise the
 * modem as kefud would and report; the modem is left on hook in data
 * mode.  0, or -1 with *cause.
 */
int modem_probe(const struct conf_line *cl, const char *device,
    struct modem_probe *out, char **cause);
void modem_probe_free(struct modem_probe *mp);

/* callerid.c: caller ID lines ("NMBR = 5551234", "NAME=JOHN DOE"). */
void callerid_clear(struct line_callerid *cid);
/*
 * Parse one text line from the modem into cid.  1 when the line was a
 * caller ID item (NMBR, NAME, DATE, TIME, DDN_NMBR, MESG, NDID...), 0
 * when it is something else.  Values are cleaned to printable ASCII and
 * cut to the field's size.
 */
int callerid_parse(struct line_callerid *cid, const char *text);

#endif
