/*
 * sim.c: the simulated line driver ([line] type = sim) for demos and
 * tests of the running daemon without a modem: kefud listens on a Unix
 * stream socket (the line's device) and every client connection is one
 * call, spoken in the text-and-audio protocol of kefu-simline(7) (audio
 * is 8 kHz 16-bit signed little-endian linear).  Implements line_ops.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "line/line-int.h"

#define SIM_RATE 8000
#define SIM_FRAME 1600          /* 100 ms of audio per AUDIO frame */
#define SIM_LEAD_MS 200         /* audio sent ahead of real time, at most */
#define SIM_FAST 50             /* fast pacing: this many times real time */
#define SIM_HELLO_MS 5000       /* a new client says HELLO and RING by then */
#define SIM_WRITE_MS 5000       /* a client not reading for this long is gone */
#define SIM_LINE_MAX 256        /* longest command line */
#define SIM_AUDIO_MAX 65536     /* largest AUDIO block from a client */
#define SIM_PEND_MAX 16         /* new clients greeted at once */

/*
 * A client not yet ringing: every new client is greeted at once, from
 * one poll(2), each within its own SIM_HELLO_MS -- so a silent client
 * delays nobody; the first to ring is the call.
 */
struct sim_pend {
	int fd;
	uint64_t until;                 /* dropped if it has not rung by then */
	int hello;                      /* HELLO said and answered */
	int fast;                       /* it asked for fast pacing */
	char in[SIM_LINE_MAX + 1];      /* partial line */
	size_t inlen;
};

struct sim {
	struct line *ln;
	char tag[64];                   /* "line NAME" */
	char *path;                     /* the socket, NULL until bound */
	int lfd;                        /* listening socket */
	int fd;                         /* the caller, -1 when none */
	int fast;                       /* the client asked for fast pacing */
	char in[SIM_LINE_MAX + 1];      /* partial command line */
	size_t inlen;
	size_t audio_left;              /* bytes of an AUDIO block still to
					   come */
	const char *gone;               /* why the call is over, NULL while
					   on */
	int skip;                       /* TIMEOUT received: end the current
					   wait */
	uint64_t deadline;              /* max-call */
	struct sim_pend pend[SIM_PEND_MAX];     /* clients being greeted */
	size_t npend;
};

/* What the audio a caller sends is for (record) and what it sounded like. */
struct sim_ear {
	const struct line_rec *rec;     /* NULL: audio is only listened to */
	int refused;                    /* the sink returned -1 */
	int heard;                      /* voice since the start */
	uint64_t audio_bytes;           /* received so far */
	uint64_t quiet_bytes;           /* trailing quiet audio */
	uint64_t last_voice;            /* now_ms() of the last voice (or
					   start) */
};

static void
sim_gone(struct sim *s, const char *why)
{
	struct line_event ev = { .type = LINE_EV_HANGUP, .reason = why };

	if (s->gone != NULL)
		return;
	s->gone = why;
	if (s->ln->call.start_ms != 0)
		line_event(s->ln, &ev);
}

/*
 * A client broke the protocol: logged, the first 63 bytes, with every
 * digit as 'n' (a malformed "KEY 7364" may be a PIN) and every byte
 * that is not printable ASCII as '?'.
 */
static void
sim_garbage_log(struct sim *s, const char *what)
{
	char clean[64];
	size_t i;

	for (i = 0; i < sizeof clean - 1 && what[i] != '\0'; i++)
		clean[i] = isdigit((unsigned char)what[i]) ? 'n' :
		    what[i] >= 0x20 && what[i] < 0x7f ? what[i] : '?';
	clean[i] = '\0';
	log_warnx("%s: the simulated caller sent something kefu does not "
	    "understand (\"%s\"); ending that call", s->tag, clean);
}

/* The caller broke the protocol: logged, and the call ends. */
static void
sim_garbage(struct sim *s, const char *what)
{
	sim_garbage_log(s, what);
	sim_gone(s, "protocol error from the simulated caller");
}

/* Write all of buf; on trouble the caller is gone.  0 or -1. */
static int
sim_send(struct sim *s, const void *buf, size_t len)
{
	const char *p = buf;
	struct pollfd pfd;
	ssize_t n;

	if (s->fd == -1 || s->gone != NULL)
		return -1;
	while (len > 0) {
		n = send(s->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			pfd.fd = s->fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, SIM_WRITE_MS) > 0)
				continue;
			sim_gone(s, "the simulated caller stopped listening");
			return -1;
		}
		sim_gone(s, "the caller hung up");
		return -1;
	}
	return 0;
}

static int
sim_sendf(struct sim *s, const char *fmt, ...) KF_PRINTF(2, 3);

static int
sim_sendf(struct sim *s, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int r;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	r = sim_send(s, msg, strlen(msg));
	free(msg);
	return r;
}

/* Audio from the caller: to the recording, and judged for voice. */
static void
sim_audio(struct sim *s, struct sim_ear *ear, const uint8_t *buf, size_t n)
{
	size_t i, k;

	if (ear == NULL || n == 0)
		return;
	ear->audio_bytes += n;
	/* judged 20 ms at a time */
	for (i = 0; i < n; i += k) {
		k = n - i > 320 ? 320 : n - i;
		if (!vsm_quiet(AUDIO_S16LE, buf + i, k)) {
			ear->heard = 1;
			ear->quiet_bytes = 0;
			ear->last_voice = now_ms();
		} else
			ear->quiet_bytes += k;
	}
	if (ear->rec != NULL && !ear->refused &&
	    ear->rec->sink(ear->rec->arg, buf, n) == -1)
		ear->refused = 1;
	(void)s;
}

static int
sim_is_key(const char *k)
{
	return k[0] != '\0' && k[1] == '\0' && strchr("0123456789*#ABCD",
	    k[0]) != NULL;
}

/* One command line from a caller during a call. */
static void
sim_command(struct sim *s, char *cmd)
{
	struct line_event ev = { .type = LINE_EV_DTMF };
	const char *err;
	long long n;

	if (strncmp(cmd, "KEY ", 4) == 0 && sim_is_key(cmd + 4)) {
		line_key_push(s->ln, cmd[4]);
		ev.digit = cmd[4];
		line_event(s->ln, &ev);
	} else if (strncmp(cmd, "AUDIO ", 6) == 0 &&
	    str_tonum(cmd + 6, 0, SIM_AUDIO_MAX, &n, &err) == 0) {
		s->audio_left = (size_t)n;
	} else if (strcmp(cmd, "TIMEOUT") == 0 && s->fast) {
		s->skip = 1;
	} else if (strcmp(cmd, "BYE") == 0) {
		sim_gone(s, "the caller hung up");
	} else
		sim_garbage(s, cmd);
}

/*
 * Read what the caller sent, waiting up to timeout_ms for something:
 * keys are queued, audio goes to ear.  Returns -1 when the call is over
 * (s->gone says why).
 */
static int
sim_pump(struct sim *s, struct sim_ear *ear, int timeout_ms)
{
	uint8_t buf[4096];
	struct pollfd pfd;
	size_t i, take;
	ssize_t n;
	int r;

	if (s->gone != NULL)
		return -1;
	pfd.fd = s->fd;
	pfd.events = POLLIN;
	r = poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms);
	if (r == -1 && errno != EINTR) {
		sim_gone(s, "the simulated line failed");
		return -1;
	}
	if (r <= 0)
		return 0;
	n = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		sim_gone(s, "the caller hung up");
		return -1;
	}
	for (i = 0; i < (size_t)n && s->gone == NULL; ) {
		if (s->audio_left > 0) {
			take = (size_t)n - i < s->audio_left ? (size_t)n - i :
			    s->audio_left;
			sim_audio(s, ear, buf + i, take);
			s->audio_left -= take;
			i += take;
			continue;
		}
		if (buf[i] == '\n') {
			s->in[s->inlen] = '\0';
			i++;
			/* "KEY 1\0junk" is not KEY 1 */
			if (memchr(s->in, '\0', s->inlen) != NULL) {
				for (take = 0; take < s->inlen; take++)
					if (s->in[take] == '\0')
						s->in[take] = '?';
				s->inlen = 0;
				sim_garbage(s, s->in);
				continue;
			}
			if (s->inlen > 0 && s->in[s->inlen - 1] == '\r')
				s->in[s->inlen - 1] = '\0';
			s->inlen = 0;
			sim_command(s, s->in);
			continue;
		}
		if (s->inlen == SIM_LINE_MAX) {
			s->in[s->inlen] = '\0';
			sim_garbage(s, s->in);
			break;
		}
		s->in[s->inlen++] = (char)buf[i++];
	}
	return s->gone != NULL ? -1 : 0;
}

/* The call is over: caller gone, max-call, or kefud stopping. */
static int
sim_over(struct sim *s)
{
	if (s->gone != NULL)
		return 1;
	if (s->deadline != 0 && now_ms() >= s->deadline) {
		sim_gone(s, "maximum call length");
		return 1;
	}
	if (s->ln->stop) {
		sim_gone(s, "kefud is stopping");
		return 1;
	}
	return 0;
}

static void
sim_drop(struct sim *s)
{
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	s->inlen = 0;
	s->audio_left = 0;
	s->fast = 0;
	s->skip = 0;
	s->gone = NULL;
	s->deadline = 0;
}

static void
sim_close(struct line *ln)
{
	struct sim *s = ln->priv;

	if (s == NULL)
		return;
	sim_drop(s);
	while (s->npend > 0)
		close(s->pend[--s->npend].fd);
	if (s->lfd != -1)
		close(s->lfd);
	if (s->path != NULL)
		unlink(s->path);
	free(s->path);
	free(s);
	ln->priv = NULL;
}

static int
sim_open(struct line *ln, char **cause)
{
	const char *dev = ln->conf->device;
	struct sockaddr_un sun;
	struct sim *s;
	struct stat st;

	if (dev == NULL || *dev == '\0')
		return kf_error(cause,
		    "[line %s] is a simulated line and needs "
		    "'device' (the path of its socket)", ln->name);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(dev) >= sizeof sun.sun_path)
		return kf_error(cause, "socket path %s is too long", dev);
	strcpy(sun.sun_path, dev);
	s = xcalloc(1, sizeof *s);
	s->ln = ln;
	s->fd = -1;
	snprintf(s->tag, sizeof s->tag, "line %s", ln->name);
	ln->priv = s;
	ln->fmt.enc = AUDIO_S16LE;
	ln->fmt.rate = SIM_RATE;
	if ((s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return kf_error(cause, "socket: %s", strerror(errno));
	/* A socket left by a kefud that died is replaced; nothing else is. */
	if (lstat(dev, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return kf_error(cause, "%s exists and is not a socket",
			    dev);
		if (connect(s->lfd, (struct sockaddr *)&sun, sizeof sun) == 0)
			return kf_error(cause, "another program (a second "
			    "kefud?) is already listening on %s", dev);
		close(s->lfd);
		if ((s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) == -1)
			return kf_error(cause, "socket: %s", strerror(errno));
		unlink(dev);
	}
	if (bind(s->lfd, (struct sockaddr *)&sun, sizeof sun) == -1)
		return kf_error(cause, "cannot listen on %s: %s", dev,
		    strerror(errno));
	s->path = xstrdup(dev);
	if (chmod(dev, 0660) == -1 || listen(s->lfd, SIM_PEND_MAX) == -1)
		return kf_error(cause, "cannot listen on %s: %s", dev,
		    strerror(errno));
	log_info("%s: simulated line listening on %s", s->tag, dev);
	return 0;
}

static void
sim_pend_drop(struct sim *s, size_t i)
{
	close(s->pend[i].fd);
	s->pend[i] = s->pend[--s->npend];
}

/* The caller ID of a RING line into call; 0, or -1 for garbage. */
static int
sim_callerid(struct sim *s, char *l, struct line_call *call)
{
	char *num, *name;
	unsigned i;

	callerid_clear(&call->cid);
	num = l[4] == ' ' ? l + 5 : NULL;
	if (num == NULL || *num == '\0')
		return 0;
	if ((name = strchr(num, ' ')) != NULL)
		*name++ = '\0';
	if (strcmp(num, "private") == 0)
		call->cid.kind = LINE_CID_PRIVATE;
	else if (strcmp(num, "unavailable") == 0)
		call->cid.kind = LINE_CID_UNAVAILABLE;
	else if (strlen(num) < sizeof call->cid.number &&
	    strspn(num, "0123456789+*#") == strlen(num)) {
		call->cid.kind = LINE_CID_NUMBER;
		strcpy(call->cid.number, num);
	} else {
		sim_garbage_log(s, num);
		return -1;
	}
	if (name != NULL) {
		for (i = 0; i < sizeof call->cid.name - 1 && name[i] != '\0';
		    i++)
			call->cid.name[i] = name[i] >= 0x20 && name[i] < 0x7f ?
			    name[i] : '?';
		call->cid.name[i] = '\0';
	}
	return 0;
}

/* The line rings (as many times as configured) for the call in s->fd. */
static void
sim_ring(struct sim *s, struct line_call *call)
{
	struct line *ln = s->ln;
	struct line_event ev = { .type = LINE_EV_RING };
	unsigned i;

	for (i = 1; i <= (unsigned)(ln->conf->rings > 0 ? ln->conf->rings : 1);
	    i++) {
		ev.rings = i;
		line_event(ln, &ev);
		if (i == 1 && call->cid.kind != LINE_CID_NONE) {
			struct line_event cev = { .type = LINE_EV_CALLERID,
			    .cid = &call->cid };
			line_event(ln, &cev);
		}
	}
	call->rings = i - 1;
}

/*
 * One line from a client being greeted: HELLO (answered), then RING.
 * 1 when it rang (the call is in *call), 0 to wait for more, -1 to drop
 * it.
 */
static int
sim_pend_line(struct sim *s, struct sim_pend *p, char *l,
    struct line_call *call)
{
	char reply[64];

	if (!p->hello && (strcmp(l, "HELLO kefu-sim 1") == 0 ||
	    strcmp(l, "HELLO kefu-sim 1 fast") == 0)) {
		p->hello = 1;
		p->fast = strcmp(l, "HELLO kefu-sim 1 fast") == 0;
		snprintf(reply, sizeof reply, "HELLO kefu-sim 1 s16le %d %s\n",
		    SIM_RATE, p->fast ? "fast" : "real");
		return send(p->fd, reply, strlen(reply), MSG_NOSIGNAL |
		    MSG_DONTWAIT) == (ssize_t)strlen(reply) ? 0 : -1;
	}
	if (!p->hello || (strcmp(l, "RING") != 0 &&
	    strncmp(l, "RING ", 5) != 0)) {
		sim_garbage_log(s, l);
		return -1;
	}
	return sim_callerid(s, l, call) == 0 ? 1 : -1;
}

/*
 * What a client being greeted sent, read byte by byte (what follows the
 * RING belongs to the call): 1 when it rang, 0 to wait, -1 to drop it.
 */
static int
sim_pend_read(struct sim *s, struct sim_pend *p, struct line_call *call)
{
	ssize_t n;
	char c;
	int r;

	for (;;) {
		n = recv(p->fd, &c, 1, MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			log_info("%s: a simulated caller hung up before the "
			    "call was answered", s->tag);
			return -1;
		}
		if (c != '\n') {
			if (p->inlen == SIM_LINE_MAX) {
				p->in[p->inlen] = '\0';
				sim_garbage_log(s, p->in);
				return -1;
			}
			p->in[p->inlen++] = c;
			continue;
		}
		if (p->inlen > 0 && p->in[p->inlen - 1] == '\r')
			p->inlen--;
		p->in[p->inlen] = '\0';
		if (memchr(p->in, '\0', p->inlen) != NULL) {
			sim_garbage_log(s, p->in);
			return -1;
		}
		p->inlen = 0;
		if ((r = sim_pend_line(s, p, p->in, call)) != 0)
			return r;
	}
}

/* A new client; the oldest waiting one makes room if need be. */
static void
sim_pend_accept(struct sim *s)
{
	struct sim_pend *p;
	size_t i, oldest = 0;
	int fd;

	if ((fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return;
	if (s->npend == SIM_PEND_MAX) {
		for (i = 1; i < s->npend; i++)
			if (s->pend[i].until < s->pend[oldest].until)
				oldest = i;
		log_warnx("%s: %d simulated callers connected without "
		    "ringing; dropping the oldest", s->tag, SIM_PEND_MAX);
		sim_pend_drop(s, oldest);
	}
	p = &s->pend[s->npend++];
	memset(p, 0, sizeof *p);
	p->fd = fd;
	p->until = now_ms() + SIM_HELLO_MS;
}

/* Clients past their time to ring are dropped; the soonest next one. */
static uint64_t
sim_pend_expire(struct sim *s)
{
	uint64_t now = now_ms(), next = now + 100;
	size_t i;

	for (i = 0; i < s->npend; ) {
		if (now >= s->pend[i].until) {
			log_warnx("%s: a simulated caller connected but did "
			    "not ring; dropping it", s->tag);
			sim_pend_drop(s, i);
			continue;
		}
		if (s->pend[i].until < next)
			next = s->pend[i].until;
		i++;
	}
	return next;
}

static enum line_status
sim_wait_call(struct line *ln, struct line_call *call, char **cause)
{
	struct sim *s = ln->priv;
	struct pollfd pfd[1 + SIM_PEND_MAX];
	uint64_t next, now;
	size_t i, n;
	int r;

	(void)cause;
	sim_drop(s);
	/* clients that came during the last call get their full time */
	for (i = 0, now = now_ms(); i < s->npend; i++)
		if (s->pend[i].until < now + SIM_HELLO_MS)
			s->pend[i].until = now + SIM_HELLO_MS;
	while (!ln->stop) {
		next = sim_pend_expire(s);
		pfd[0].fd = s->lfd;
		pfd[0].events = POLLIN;
		for (i = 0, n = s->npend; i < n; i++) {
			pfd[1 + i].fd = s->pend[i].fd;
			pfd[1 + i].events = POLLIN;
		}
		now = now_ms();
		if (poll(pfd, 1 + n, next > now ? (int)(next - now) : 0) <= 0)
			continue;
		/* backwards: dropping one moves the last into its place */
		for (i = n; i-- > 0; ) {
			if (pfd[1 + i].revents == 0)
				continue;
			callerid_clear(&call->cid);
			if ((r = sim_pend_read(s, &s->pend[i], call)) == -1)
				sim_pend_drop(s, i);
			if (r != 1)
				continue;
			s->fd = s->pend[i].fd;
			s->fast = s->pend[i].fast;
			s->pend[i] = s->pend[--s->npend];
			sim_ring(s, call);
			return LINE_OK;
		}
		if (pfd[0].revents & POLLIN)
			sim_pend_accept(s);
	}
	return LINE_TIMEOUT;
}

static enum line_status
sim_answer(struct line *ln, char **cause)
{
	struct sim *s = ln->priv;

	(void)cause;
	ln->call.start_ms = now_ms();
	s->deadline = ln->call.start_ms + (uint64_t)(ln->conf->max_call_ms > 0 ?
	    ln->conf->max_call_ms : 900000);
	ln->keys[0] = '\0';
	if (sim_sendf(s, "ANSWERED\n") == -1)
		return LINE_GONE;
	log_info("%s: answered after %u ring(s)", s->tag, ln->call.rings);
	return LINE_OK;
}

/* Send audio in frames, paced; header is the line that announces it. */
static enum line_status
sim_send_audio(struct sim *s, const char *header, const uint8_t *a,
    size_t len, int barge_in, char *key)
{
	struct line *ln = s->ln;
	uint64_t t0, due;
	size_t pos = 0, n;
	unsigned scale = s->fast ? SIM_FAST : 1;
	const char *end = "ok";
	enum line_status st = LINE_OK;

	len &= ~(size_t)1;
	if (sim_sendf(s, "%s\n", header) == -1)
		return LINE_GONE;
	t0 = now_ms();
	for (;;) {
		if (sim_pump(s, NULL, 0) == -1 || sim_over(s)) {
			st = LINE_GONE;
			end = "gone";
			break;
		}
		if (barge_in && ln->keys[0] != '\0') {
			*key = line_key_pop(ln);
			st = LINE_DIGIT;
			end = "key";
			break;
		}
		if (pos >= len)
			break;
		/* no more than SIM_LEAD_MS ahead of the caller's ear */
		due = t0 + (uint64_t)pos * 1000 / (2 * SIM_RATE) / scale;
		if (due > now_ms() + SIM_LEAD_MS / scale) {
			sim_pump(s, NULL, (int)(due - now_ms() -
			    SIM_LEAD_MS / scale));
			continue;
		}
		n = len - pos > SIM_FRAME ? SIM_FRAME : len - pos;
		if (sim_sendf(s, "AUDIO %zu\n", n) == -1 ||
		    sim_send(s, a + pos, n) == -1)
			continue;       /* sim_over() reports it */
		pos += n;
	}
	/* the prompt ends when the caller has heard it */
	while (st == LINE_OK) {
		due = t0 + (uint64_t)len * 1000 / (2 * SIM_RATE) / scale;
		if (now_ms() >= due)
			break;
		if (sim_pump(s, NULL, (int)(due - now_ms())) == -1 ||
		    sim_over(s)) {
			st = LINE_GONE;
			end = "gone";
		} else if (barge_in && ln->keys[0] != '\0') {
			*key = line_key_pop(ln);
			st = LINE_DIGIT;
			end = "key";
		}
	}
	if (st != LINE_GONE)
		sim_sendf(s, "END %s\n", end);
	return st == LINE_OK && sim_over(s) ? LINE_GONE : st;
}

static enum line_status
sim_play(struct line *ln, const void *audio, size_t len, int barge_in,
    char *key, char **cause)
{
	struct sim *s = ln->priv;
	char header[64];

	(void)cause;
	if (sim_over(s))
		return LINE_GONE;
	if (barge_in && (*key = line_key_pop(ln)) != '\0')
		return LINE_DIGIT;
	snprintf(header, sizeof header, "PROMPT %zu %s", len,
	    barge_in ? "barge-in" : "no-barge-in");
	return sim_send_audio(s, header, audio, len, barge_in, key);
}

/* The end of a wait or a recording, as told to the caller. */
static enum line_status
sim_done(struct sim *s, enum line_status st)
{
	static const char *const words[] = {
		[LINE_OK] = "ok", [LINE_DIGIT] = "key",
		[LINE_TIMEOUT] = "timeout", [LINE_SILENCE] = "silence",
		[LINE_GONE] = "gone",
	};

	s->skip = 0;
	if (st != LINE_GONE && sim_sendf(s, "END %s\n", words[st]) == -1)
		st = LINE_GONE;
	return st;
}

static int
sim_gone_ms(struct sim *s)
{
	return s->ln->conf->silence_ms > 0 ? s->ln->conf->silence_ms : 7000;
}

static enum line_status
sim_wait_digit(struct line *ln, int timeout_ms, char *key, char **cause)
{
	struct sim *s = ln->priv;
	uint64_t now, end;

	(void)cause;
	if ((*key = line_key_pop(ln)) != '\0')
		return LINE_DIGIT;
	if (sim_over(s))
		return LINE_GONE;
	if (timeout_ms < 1)
		timeout_ms = 1;
	if (sim_sendf(s, "COLLECT %d\n", timeout_ms) == -1)
		return LINE_GONE;
	end = now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		now = now_ms();
		if (sim_over(s))
			return LINE_GONE;
		if ((*key = line_key_pop(ln)) != '\0')
			return sim_done(s, LINE_DIGIT);
		/*
		 * As on the modem, silence is not judged here: a caller
		 * thinking is silent too; the flow's timeouts and max-call
		 * bound the wait.
		 */
		if (s->skip || now >= end)
			return sim_done(s, LINE_TIMEOUT);
		sim_pump(s, NULL, (int)(end - now < 100 ? end - now : 100));
	}
}

static enum line_status
sim_record(struct line *ln, const struct line_rec *rec, char *key,
    char **cause)
{
	struct sim *s = ln->priv;
	struct sim_ear ear;
	uint64_t start, now, elapsed, quiet, aq;
	int gone_ms = sim_gone_ms(s);

	(void)cause;
	if (sim_over(s))
		return LINE_GONE;
	if (rec->stop_on_key && (*key = line_key_pop(ln)) != '\0')
		return LINE_DIGIT;
	if (sim_sendf(s, "RECORD %d %d\n", rec->max_ms, rec->silence_ms) == -1)
		return LINE_GONE;
	memset(&ear, 0, sizeof ear);
	ear.rec = rec;
	start = ear.last_voice = now_ms();
	for (;;) {
		sim_pump(s, &ear, 20);
		if (sim_over(s))
			return LINE_GONE;
		if (ear.refused)
			return sim_done(s, LINE_OK);
		if (rec->stop_on_key && ln->keys[0] != '\0') {
			*key = line_key_pop(ln);
			return sim_done(s, LINE_DIGIT);
		}
		/* time and silence by the clock or the audio, what is longer */
		now = now_ms();
		elapsed = now - start;
		if (ear.audio_bytes * 1000 / (2 * SIM_RATE) > elapsed)
			elapsed = ear.audio_bytes * 1000 / (2 * SIM_RATE);
		quiet = now - ear.last_voice;
		aq = ear.quiet_bytes * 1000 / (2 * SIM_RATE);
		if (aq > quiet)
			quiet = aq;
		if (s->skip)
			return sim_done(s, ear.heard ? LINE_SILENCE :
			    LINE_TIMEOUT);
		if (rec->max_ms > 0 && elapsed >= (uint64_t)rec->max_ms)
			return sim_done(s, LINE_TIMEOUT);
		if (ear.heard && rec->silence_ms > 0 &&
		    quiet >= (uint64_t)rec->silence_ms)
			return sim_done(s, LINE_SILENCE);
		if (!ear.heard && quiet >= (uint64_t)gone_ms) {
			sim_gone(s, "silence (no voice)");
			return LINE_GONE;
		}
	}
}

static enum line_status
sim_beep(struct line *ln, unsigned freq_hz, unsigned ms, char **cause)
{
	struct sim *s = ln->priv;
	enum line_status st;
	size_t i, n = (size_t)ms * SIM_RATE / 1000;
	uint8_t *tone;
	char header[64], key = 0;
	int v;

	(void)cause;
	if (sim_over(s))
		return LINE_GONE;
	tone = xmalloc(2 * n + 2);
	for (i = 0; i < n; i++) {
		v = (int)(8000.0 * sin(2.0 * M_PI * freq_hz * (double)i /
		    SIM_RATE));
		tone[2 * i] = (uint8_t)(v & 0xff);
		tone[2 * i + 1] = (uint8_t)((v >> 8) & 0xff);
	}
	snprintf(header, sizeof header, "BEEP %u %u", freq_hz, ms);
	st = sim_send_audio(s, header, tone, 2 * n, 0, &key);
	free(tone);
	return st;
}

static enum line_status
sim_hangup(struct line *ln, char **cause)
{
	struct sim *s = ln->priv;
	const char *why = s->gone;

	char msg[128];

	(void)cause;
	if (s->fd != -1) {
		/* best effort: the caller may be gone already */
		snprintf(msg, sizeof msg, "HANGUP %s\n", why != NULL ? why :
		    "kefu ended the call");
		(void)send(s->fd, msg, strlen(msg),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		shutdown(s->fd, SHUT_WR);
	}
	sim_drop(s);
	return LINE_OK;
}

const struct line_ops line_ops_sim = {
	.name = "sim",                  /* a Unix socket, kefu-simline(7) */
	.kind = "simulated line",
	.recovery = "opening the line again",
	.open = sim_open,               /* bind and listen on the device path */
	.wait_call = sim_wait_call,     /* accept, HELLO, RING [caller ID] */
	.answer = sim_answer,           /* ANSWERED */
	.play = sim_play,               /* PROMPT, AUDIO frames paced, END */
	.wait_digit = sim_wait_digit,   /* COLLECT, KEY / TIMEOUT, END */
	.record = sim_record,           /* RECORD, AUDIO from the caller, END */
	.beep = sim_beep,               /* BEEP and the tone as AUDIO, END */
	.hangup = sim_hangup,           /* HANGUP, close the connection */
	.close = sim_close,             /* close and remove the socket */
};
