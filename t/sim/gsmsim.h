/*
 * gsmsim: a simulated GSM modem for SMS on a pseudo-terminal, for tests,
 * benchmarks and demos.  It plays the modem side of 3GPP TS 27.005 PDU
 * mode (/work/shared/reference/voice-modem-and-sms-protocol.md section
 * 9): AT+CMGS with the "> " prompt and Ctrl-Z, +CMGS / +CMS ERROR, +CMTI
 * or +CMT for inbound messages, AT+CMGR / AT+CMGL / AT+CMGD on its SIM
 * store, +CDS / +CDSI status reports, SIM PIN, unsolicited lines in the
 * middle of a command, slow and failing modes.  It shares no code with
 * kefu's line/ or port/ (so it can catch their bugs) but decodes what it
 * receives with kefu's PDU codec (msg/sms.h) and keeps every raw PDU, so
 * tests can also hand them to an independent decoder.
 *
 * One pty and one thread per simulator, everything behind sim->mu: every
 * function is thread-safe; no globals.  Errors: 0 / -1 with *cause.
 */
#ifndef KEFU_GSMSIM_H
#define KEFU_GSMSIM_H

#include <stddef.h>

#include "msg/sms.h"

struct gsim;

struct gsim_opts {
	const char *pin;        /* NULL: no PIN; else AT+CPIN? answers SIM
				   PIN until AT+CPIN="<pin>" */
	const char *link;       /* NULL, or a symlink pointing at the pty */
	unsigned send_ms;       /* time AT+CMGS takes before +CMGS (slow
				   networks: several seconds); 0: none */
	unsigned slots;         /* SIM store size; 0: 30 */
};

/* One AT+CMGS the modem accepted (or refused with a +CMS ERROR). */
struct gsim_sent {
	char *hex;              /* the PDU as the host typed it */
	unsigned len;           /* the <length> of AT+CMGS */
	int mr;                 /* TP-MR answered; -1: refused */
	int cms;                /* +CMS ERROR code given; 0: none */
	struct sms_msg msg;     /* decoded by kefu's codec */
};

int gsim_start(const struct gsim_opts *opts, struct gsim **out,
    char **cause);
void gsim_stop(struct gsim *sim);
const char *gsim_path(struct gsim *sim);

/*
 * An inbound message from <from>: its parts go to the SIM store with
 * +CMTI: "SM",<index> each (AT+CNMI <mt> 1, the default) or straight to
 * the host as +CMT: ,<length> and the PDU (<mt> 2).  -1 when the store is
 * full (+CMTI is not sent; the network keeps the message) or the text
 * does not encode.
 */
int gsim_deliver(struct gsim *sim, const char *from, const char *text,
    char **cause);
/* The same with the concatenation reference ref (-1: the simulator's)
 * and only the parts whose bit is set in mask (1: the first part). */
int gsim_deliver_parts(struct gsim *sim, const char *from, const char *text,
    int ref, unsigned mask, char **cause);

/*
 * Status reports: after an accepted AT+CMGS of a PDU with TP-SRR set, send
 * one with TP-ST <st> (0 delivered, 0x46 expired...) as +CDS (AT+CNMI
 * <ds> 1) or store it and send +CDSI (<ds> 2).  Off (<on> 0) by default.
 */
void gsim_status_reports(struct gsim *sim, int on, unsigned st);

/*
 * Reports held back (<on> 1) as a phone switched off holds them: kept in
 * order, each sent when released by its number (0 the first held); -1
 * when there is no such report or it went already.
 */
void gsim_hold_reports(struct gsim *sim, int on);
int gsim_release_report(struct gsim *sim, size_t i);

/*
 * AT+CSMS=1 (phase 2+): a +CMT or +CDS routed to the host waits for its
 * AT+CNMA (27.005 3.4.4) up to <ms> (5000 by default); none by then and
 * the network is told delivery failed, the modem stops routing (AT+CNMI
 * <mt> and <ds> 0), the message is offered again later (to the SIM
 * store while routing is off).  One at a time: the next is routed after
 * the acknowledgement.  gsim_acks: acknowledgements heard, the ones
 * missed or refused (AT+CNMA=2), and the current <mt>.
 */
void gsim_set_ack_ms(struct gsim *sim, unsigned ms);
void gsim_acks(struct gsim *sim, unsigned *acks, unsigned *nacks, int *mt);

/*
 * The TP-MR counter: the next accepted AT+CMGS answers (mr + 1) & 0xff,
 * as the modem's own counter does when it comes round (255 -> 0).
 */
void gsim_set_mr(struct gsim *sim, unsigned mr);

/* The next <n> AT+CMGS are answered +CMS ERROR: <code> (e.g. 332, 500). */
void gsim_fail_sends(struct gsim *sim, unsigned n, int code);

/* Time each AT+CMGS takes from Ctrl-Z to +CMGS (slow mode). */
void gsim_set_send_ms(struct gsim *sim, unsigned ms);

/*
 * A line sent unsolicited in the middle of the next command: after the
 * command's information lines (or the "> " prompt of AT+CMGS), before
 * its final result.  gsim_urc_now() sends one at once.
 */
void gsim_urc_next(struct gsim *sim, const char *line);
void gsim_urc_now(struct gsim *sim, const char *line);

/*
 * Unplugged: the pty is closed (the host reads EOF/EIO) and the link
 * removed.  gsim_replug: a new pty behind the same link, the modem as
 * after power-up (echo on, AT+CNMI defaults, the SIM asking its PIN
 * again); its SIM store and counters are kept.  An AT+CMGS still in
 * progress when it is unplugged is recorded (it may have reached the
 * network) but never answered, on either pty.
 */
void gsim_unplug(struct gsim *sim);
int gsim_replug(struct gsim *sim, char **cause);

/*
 * 1 while an AT+CMGS waits out its send_ms (the PDU is in, +CMGS not
 * yet out): the moment to unplug a modem "in the midst" of a send.
 * Unplugging or stopping the simulator ends that wait at once.
 */
int gsim_sending(struct gsim *sim);

/* A dead modem: reads and answers nothing (<on> 0: alive again). */
void gsim_set_dead(struct gsim *sim, int on);

/*
 * What the host sent: a copy of the <i>th AT+CMGS record (freed with
 * gsim_sent_free), the count, and waiting for the count to reach <n>.
 */
size_t gsim_nsent(struct gsim *sim);
int gsim_sent_get(struct gsim *sim, size_t i, struct gsim_sent *out);
void gsim_sent_free(struct gsim_sent *s);
int gsim_wait_sent(struct gsim *sim, size_t n, unsigned timeout_ms);

/* Every AT+CMGS PDU as "1<TAB>hex" lines (for t/sms-corpus files). */
int gsim_write_pdus(struct gsim *sim, const char *path, char **cause);

/* Every command line received, one per line (malloc'd). */
char *gsim_transcript(struct gsim *sim);
/* Wait for the host's first command line: 0, or -1 after timeout_ms. */
int gsim_wait_heard(struct gsim *sim, unsigned timeout_ms);

/* Messages in the SIM store (inbound parts and stored reports). */
size_t gsim_stored(struct gsim *sim);

#endif
