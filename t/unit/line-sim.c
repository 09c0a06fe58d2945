/*
 * line-sim.c: the simulated line driver (sim.c) through its socket, as
 * kefu-simline(7) describes it: the socket's mode and removal, HELLO and
 * RING with caller ID, playback framed and paced (fast and real time),
 * barge-in, keys and timeouts, TIMEOUT, [line] silence, recording ended
 * by silence and by max length, beeps, a caller vanishing, garbage
 * (which ends that call only), and a refusing device path.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "line/line-int.h"
#include "../tap.h"

static struct conf_line cl;
static struct line *ln;
static char sockpath[108];
static char gone_why[80];
static char inbuf[65536];
static size_t inlen;

static void
events(struct line *l, const struct line_event *ev, void *arg)
{
	(void)l;
	(void)arg;
	if (ev->type == LINE_EV_HANGUP)
		snprintf(gone_why, sizeof gone_why, "%s", ev->reason);
}

static int
cl_connect(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, sockpath);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		return -1;
	inlen = 0;
	return fd;
}

static void
cl_say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		tap_diag("short write");
}

/* Read into inbuf until there is a whole line; returns it (or NULL). */
static int
cl_fill(int fd, int ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t n;

	if (inlen == sizeof inbuf || poll(&pfd, 1, ms) <= 0)
		return -1;
	n = read(fd, inbuf + inlen, sizeof inbuf - inlen);
	if (n <= 0)
		return -1;
	inlen += (size_t)n;
	return 0;
}

static int
cl_line(int fd, char *out, size_t len)
{
	char *nl;
	size_t n;

	while ((nl = memchr(inbuf, '\n', inlen)) == NULL)
		if (cl_fill(fd, 3000) == -1)
			return -1;
	n = (size_t)(nl - inbuf);
	snprintf(out, len, "%.*s", (int)n, inbuf);
	memmove(inbuf, nl + 1, inlen - n - 1);
	inlen -= n + 1;
	return 0;
}

/*
 * Read lines until one starting with stop; AUDIO payloads are counted
 * into *audio; the stop line is copied to out.
 */
static int
cl_until(int fd, const char *stop, char *out, size_t len, size_t *audio)
{
	char l[256];
	size_t n, take;

	if (audio != NULL)
		*audio = 0;
	for (;;) {
		if (cl_line(fd, l, sizeof l) == -1)
			return -1;
		if (strncmp(l, "AUDIO ", 6) == 0) {
			n = strtoul(l + 6, NULL, 10);
			while (n > 0) {
				if (inlen == 0 && cl_fill(fd, 3000) == -1)
					return -1;
				take = inlen < n ? inlen : n;
				memmove(inbuf, inbuf + take, inlen - take);
				inlen -= take;
				n -= take;
				if (audio != NULL)
					*audio += take;
			}
			continue;
		}
		if (strncmp(l, stop, strlen(stop)) == 0) {
			snprintf(out, len, "%s", l);
			return 0;
		}
	}
}

/* An AUDIO block of ms of a loud square wave (voice) or of zeros. */
static void
cl_audio(int fd, int ms, int voice)
{
	size_t n = (size_t)ms * 16, i;
	char *buf = xcalloc(1, n);
	char hdr[32];

	for (i = 0; voice && i + 1 < n; i += 2)
		buf[i + 1] = (i / 2) % 16 < 8 ? 0x30 : (char)0xd0;
	snprintf(hdr, sizeof hdr, "AUDIO %zu\n", n);
	cl_say(fd, hdr);
	if (write(fd, buf, n) != (ssize_t)n)
		tap_diag("short audio write");
	free(buf);
}

static size_t recorded;
static int
sink(void *arg, const void *data, size_t len)
{
	(void)arg;
	(void)data;
	recorded += len;
	return 0;
}

/* A new call: connect, HELLO (fast or not), RING, wait_call, answer. */
static int
call_start(const char *hello, const char *ring)
{
	char *cause = NULL, l[256];
	int fd = cl_connect();

	cl_say(fd, hello);
	cl_say(fd, ring);
	memset(&ln->call, 0, sizeof ln->call);
	if (ln->ops->wait_call(ln, &ln->call, &cause) != LINE_OK)
		return -1;
	if (ln->ops->answer(ln, &cause) != LINE_OK)
		return -1;
	if (cl_line(fd, l, sizeof l) == -1 || strncmp(l, "HELLO kefu-sim 1",
	    16) != 0 || cl_line(fd, l, sizeof l) == -1 ||
	    strcmp(l, "ANSWERED") != 0)
		return -1;
	return fd;
}

static void
call_hangup(void)
{
	char *cause = NULL;

	is_int(ln->ops->hangup(ln, &cause), LINE_OK, "hang up");
}

static void
call_end(int fd)
{
	call_hangup();
	close(fd);
}

int
main(void)
{
	struct line_rec rec = { sink, NULL, 0, 0, 0 };
	static uint8_t audio[16000];
	char *cause = NULL, l[256], longl[300], key;
	struct stat st;
	enum line_status s;
	size_t got;
	uint64_t t0;
	int fd, bad;

	snprintf(sockpath, sizeof sockpath, "/tmp/kefu-line-sim-%d.sock",
	    (int)getpid());
	memset(&cl, 0, sizeof cl);
	cl.name = (char *)"t";
	cl.type = (char *)"sim";
	cl.device = sockpath;
	cl.rings = 2;
	cl.max_call_ms = 60000;
	cl.silence_ms = 1500;
	if (line_new(&cl, &ln, &cause) == -1) {
		printf("Bail out! %s\n", cause);
		return 1;
	}
	ln->event_h = events;
	is_str(ln->ops->name, "sim", "type = sim gives the sim driver");

	/* device */
	ok(ln->ops->open(ln, &cause) == 0, "open: %s", cause ? cause : "ok");
	ok(stat(sockpath, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    (st.st_mode & 0777) == 0660, "the socket exists with mode 0660");
	is_int(ln->fmt.enc, AUDIO_S16LE, "16-bit linear");
	is_int((int)ln->fmt.rate, 8000, "8 kHz");

	/* a call with caller ID, fast pacing */
	fd = call_start("HELLO kefu-sim 1 fast\n",
	    "RING 13800138000 ZHANG SAN\n");
	ok(fd >= 0, "a client is a call: HELLO, RING, ANSWERED");
	is_int(ln->call.cid.kind, LINE_CID_NUMBER, "caller ID kind");
	is_str(ln->call.cid.number, "13800138000", "caller ID number");
	is_str(ln->call.cid.name, "ZHANG SAN", "caller ID name");
	is_int((int)ln->call.rings, 2, "rings counted as configured");

	t0 = now_ms();
	s = ln->ops->play(ln, audio, sizeof audio, 1, &key, &cause);
	is_int(s, LINE_OK, "play to the end");
	ok(now_ms() - t0 < 400, "fast pacing: 1 s of audio in %llu ms",
	    (unsigned long long)(now_ms() - t0));
	cl_until(fd, "PROMPT", l, sizeof l, NULL);
	is_str(l, "PROMPT 16000 barge-in", "PROMPT announces the prompt");
	got = 0;
	cl_until(fd, "END", l, sizeof l, &got);
	is_int((int)got, 16000, "all 16000 bytes of audio arrive in frames");
	is_str(l, "END ok", "END ok at the end of the prompt");

	/* a key pressed earlier stops the next barge-in prompt at once */
	cl_say(fd, "KEY 5\n");
	s = ln->ops->wait_digit(ln, 1000, &key, &cause);
	is_int(s, LINE_DIGIT, "wait_digit reads a key");
	is_int(key, '5', "the key is 5");
	cl_say(fd, "KEY 7\n");          /* a Unix socket: there once written */
	s = ln->ops->play(ln, audio, sizeof audio, 1, &key, &cause);
	ok(s == LINE_DIGIT && key == '7', "a queued key barges in (%s %c)",
	    line_status_name(s), key ? key : '-');
	cl_say(fd, "KEY 8\n");
	s = ln->ops->play(ln, audio, sizeof audio, 0, &key, &cause);
	is_int(s, LINE_OK, "without barge-in the prompt plays to the end");
	s = ln->ops->wait_digit(ln, 1000, &key, &cause);
	ok(s == LINE_DIGIT && key == '8', "... and the key waits in the queue");

	/* timeouts */
	t0 = now_ms();
	s = ln->ops->wait_digit(ln, 300, &key, &cause);
	is_int(s, LINE_TIMEOUT, "no key: LINE_TIMEOUT");
	ok(now_ms() - t0 >= 290 && now_ms() - t0 < 1000,
	    "... after the timeout (%llu ms)",
	    (unsigned long long)(now_ms() - t0));
	cl_say(fd, "TIMEOUT\n");
	t0 = now_ms();
	s = ln->ops->wait_digit(ln, 5000, &key, &cause);
	ok(s == LINE_TIMEOUT && now_ms() - t0 < 1000,
	    "TIMEOUT (fast pacing) ends the wait at once");

	/* recording */
	cl_until(fd, "PROMPT", l, sizeof l, NULL);   /* drain what came */
	cl_audio(fd, 500, 1);
	cl_audio(fd, 1000, 0);
	recorded = 0;
	rec.max_ms = 10000;
	rec.silence_ms = 800;
	t0 = now_ms();
	s = ln->ops->record(ln, &rec, &key, &cause);
	is_int(s, LINE_SILENCE, "voice then silence: LINE_SILENCE");
	ok(recorded >= 20000 && recorded <= 24000,
	    "the sink got the voice and 800 ms of silence (%zu bytes)",
	    recorded);
	ok(now_ms() - t0 < 1000, "fast: ended by the audio, not the clock");
	cl_audio(fd, 2000, 1);
	recorded = 0;
	rec.max_ms = 1000;
	s = ln->ops->record(ln, &rec, &key, &cause);
	is_int(s, LINE_TIMEOUT, "max length reached: LINE_TIMEOUT");
	rec.stop_on_key = 1;
	rec.max_ms = 10000;
	cl_say(fd, "KEY #\n");
	s = ln->ops->record(ln, &rec, &key, &cause);
	ok(s == LINE_DIGIT && key == '#', "a key stops the recording");
	rec.stop_on_key = 0;

	/* beep */
	s = ln->ops->beep(ln, 1000, 300, &cause);
	is_int(s, LINE_OK, "beep");
	cl_until(fd, "BEEP", l, sizeof l, NULL);
	is_str(l, "BEEP 1000 300", "BEEP announces the tone");
	cl_until(fd, "END", l, sizeof l, &got);
	is_int((int)got, 4800, "300 ms of tone");
	call_hangup();
	cl_until(fd, "HANGUP", l, sizeof l, NULL);
	is_str(l, "HANGUP kefu ended the call", "HANGUP when kefu hangs up");
	close(fd);

	/* real-time pacing and a caller leaving mid-prompt */
	fd = call_start("HELLO kefu-sim 1\n", "RING private\n");
	ok(fd >= 0, "a second call");
	is_int(ln->call.cid.kind, LINE_CID_PRIVATE, "RING private");
	t0 = now_ms();
	s = ln->ops->play(ln, audio, 8000, 1, &key, &cause);
	ok(s == LINE_OK && now_ms() - t0 >= 450,
	    "real-time pacing: 0.5 s of audio takes %llu ms",
	    (unsigned long long)(now_ms() - t0));
	cl_say(fd, "KEY 3\n");
	s = ln->ops->wait_digit(ln, 1000, &key, &cause);
	ok(s == LINE_DIGIT && key == '3', "key 3");
	ok(write(fd, "TIMEOUT\n", 8) == 8, "(TIMEOUT in real time)");
	s = ln->ops->wait_digit(ln, 1000, &key, &cause);
	is_int(s, LINE_GONE, "TIMEOUT is refused without fast pacing");
	call_end(fd);

	fd = call_start("HELLO kefu-sim 1\n", "RING\n");
	ok(fd >= 0, "a third call, no caller ID");
	is_int(ln->call.cid.kind, LINE_CID_NONE, "no caller ID");
	shutdown(fd, SHUT_WR);
	gone_why[0] = '\0';
	t0 = now_ms();
	s = ln->ops->play(ln, audio, sizeof audio, 1, &key, &cause);
	ok(s == LINE_GONE && now_ms() - t0 < 500,
	    "the caller closing is LINE_GONE during a prompt");
	is_str(gone_why, "the caller hung up", "hang-up event");
	call_end(fd);

	/* [line] silence: recordings only, as on the modem */
	fd = call_start("HELLO kefu-sim 1\n", "RING 5551234\n");
	t0 = now_ms();
	s = ln->ops->wait_digit(ln, 2500, &key, &cause);
	ok(s == LINE_TIMEOUT && now_ms() - t0 >= 2400,
	    "a wait for keys longer than [line] silence (1.5 s) is not cut "
	    "short: %s after %llu ms", line_status_name(s),
	    (unsigned long long)(now_ms() - t0));
	gone_why[0] = '\0';
	rec.max_ms = 10000;
	rec.silence_ms = 800;
	rec.stop_on_key = 0;
	t0 = now_ms();
	s = ln->ops->record(ln, &rec, &key, &cause);
	ok(s == LINE_GONE && now_ms() - t0 >= 1400 && now_ms() - t0 < 3000,
	    "a recording with nothing said for [line] silence: %s after %llu "
	    "ms", line_status_name(s), (unsigned long long)(now_ms() - t0));
	is_str(gone_why, "silence (no voice)", "... the caller left");
	call_end(fd);

	/* garbage ends that call only */
	fd = call_start("HELLO kefu-sim 1 fast\n", "RING 1\n");
	cl_say(fd, "PRESS 9\n");
	s = ln->ops->wait_digit(ln, 2000, &key, &cause);
	is_int(s, LINE_GONE, "an unknown command ends the call");
	call_end(fd);
	fd = call_start("HELLO kefu-sim 1 fast\n", "RING 1\n");
	cl_say(fd, "KEY X\n");
	s = ln->ops->wait_digit(ln, 2000, &key, &cause);
	is_int(s, LINE_GONE, "a bad key ends the call");
	call_end(fd);
	fd = call_start("HELLO kefu-sim 1 fast\n", "RING 1\n");
	cl_say(fd, "AUDIO 99999999\n");
	s = ln->ops->wait_digit(ln, 2000, &key, &cause);
	is_int(s, LINE_GONE, "an oversized AUDIO block ends the call");
	call_end(fd);
	fd = call_start("HELLO kefu-sim 1 fast\n", "RING 1\n");
	memset(longl, 'x', sizeof longl);
	ok(write(fd, longl, sizeof longl) == (ssize_t)sizeof longl,
	    "(a long line)");
	t0 = now_ms();
	s = ln->ops->wait_digit(ln, 2000, &key, &cause);
	ok(s == LINE_GONE && now_ms() - t0 < 1000,
	    "a line without end ends the call at once");
	call_end(fd);

	/* a NUL inside a line is garbage, not the key before it */
	fd = call_start("HELLO kefu-sim 1 fast\n", "RING 1\n");
	ok(write(fd, "KEY 1\0junk\n", 11) == 11, "(KEY 1\\0junk)");
	s = ln->ops->wait_digit(ln, 2000, &key, &cause);
	ok(s == LINE_GONE, "KEY 1\\0junk is refused, not taken as KEY 1 (%s "
	    "%c)", line_status_name(s), s == LINE_DIGIT ? key : '-');
	call_end(fd);
	/* a malformed key line is logged without its digits */
	{
		struct strbuf logged = STRBUF_INIT;

		log_capture(&logged);
		fd = call_start("HELLO kefu-sim 1 fast\n", "RING 1\n");
		cl_say(fd, "KEY 7364\n");
		s = ln->ops->wait_digit(ln, 2000, &key, &cause);
		log_capture(NULL);
		is_int(s, LINE_GONE, "KEY 7364 ends the call");
		like(sb_str(&logged), "does not understand (\"KEY nnnn\")",
		    "it is logged as KEY nnnn");
		ok(strstr(sb_str(&logged), "7364") == NULL &&
		    strstr(sb_str(&logged), "736") == NULL,
		    "no digit of it reaches the log");
		call_end(fd);
		sb_free(&logged);
	}

	/* bad hellos are dropped; the next client is answered */
	bad = cl_connect();
	cl_say(bad, "GET / HTTP/1.0\n");
	fd = call_start("HELLO kefu-sim 1 fast\n", "RING 42\n");
	ok(fd >= 0, "after a client with a bad hello, the next is answered");
	is_str(ln->call.cid.number, "42", "... with its caller ID");
	ok(cl_line(bad, l, sizeof l) == -1, "the bad client was dropped");
	close(bad);
	s = ln->ops->play(ln, audio, 3200, 1, &key, &cause);
	is_int(s, LINE_OK, "and the call works");
	call_end(fd);

	/* silent clients delay nobody: a real call is answered at once */
	{
		int quiet[3], half;
		size_t i;

		for (i = 0; i < nitems(quiet); i++)
			quiet[i] = cl_connect();
		half = cl_connect();
		cl_say(half, "HELLO kefu-sim 1 fast\n");  /* and no RING */
		t0 = now_ms();
		fd = call_start("HELLO kefu-sim 1 fast\n", "RING 45\n");
		ok(fd >= 0 && now_ms() - t0 < 1000, "three silent clients and "
		    "one that never rings connected first: a real call is "
		    "answered in %llu ms", (unsigned long long)(now_ms() - t0));
		is_str(ln->call.cid.number, "45", "... the real caller's");
		call_end(fd);
		ok(cl_line(half, l, sizeof l) == 0 &&
		    strncmp(l, "HELLO kefu-sim 1", 16) == 0,
		    "the client that has not rung yet got its HELLO");
		for (i = 0; i < nitems(quiet); i++)
			close(quiet[i]);
		close(half);
	}

	/* max-call */
	cl.max_call_ms = 300;
	fd = call_start("HELLO kefu-sim 1\n", "RING 1\n");
	s = ln->ops->play(ln, audio, sizeof audio, 1, &key, &cause);
	is_int(s, LINE_GONE, "max-call ends a long prompt");
	is_str(gone_why, "maximum call length", "... as maximum call length");
	call_hangup();
	cl_until(fd, "HANGUP", l, sizeof l, NULL);
	is_str(l, "HANGUP maximum call length", "the caller is told why");
	close(fd);
	cl.max_call_ms = 60000;

	/* a second line on the same socket does not steal it */
	{
		struct line *ln2;

		ok(line_new(&cl, &ln2, &cause) == 0, "a second sim line");
		ok(ln2->ops->open(ln2, &cause) == -1,
		    "cannot open a socket another line listens on");
		like(cause, "already listening", "... saying so");
		free(cause);
		cause = NULL;
		line_free(ln2);
		ok(stat(sockpath, &st) == 0, "... and leaves it in place");
		fd = call_start("HELLO kefu-sim 1 fast\n", "RING 43\n");
		ok(fd >= 0, "the first line still answers");
		call_end(fd);
	}

	/* close removes the socket */
	ln->ops->close(ln);
	ok(stat(sockpath, &st) == -1 && errno == ENOENT,
	    "close removes the socket");

	/* a stale socket (its listener died) is replaced */
	{
		struct sockaddr_un sun;
		int sfd = socket(AF_UNIX, SOCK_STREAM, 0);

		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		strcpy(sun.sun_path, sockpath);
		ok(bind(sfd, (struct sockaddr *)&sun, sizeof sun) == 0,
		    "(a stale socket)");
		close(sfd);
		ok(ln->ops->open(ln, &cause) == 0,
		    "a stale socket is replaced: %s", cause ? cause : "ok");
		free(cause);
		cause = NULL;
		fd = call_start("HELLO kefu-sim 1 fast\n", "RING 44\n");
		ok(fd >= 0, "... and the line answers");
		call_end(fd);
	}
	ln->ops->close(ln);
	ok(stat(sockpath, &st) == -1 && errno == ENOENT,
	    "close removes the socket");

	/* a path that is not a socket is left alone */
	fd = open(sockpath, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ok(ln->ops->open(ln, &cause) == -1, "a regular file at the path is "
	    "refused");
	like(cause, "not a socket", "... saying why");
	free(cause);
	cause = NULL;
	ln->ops->close(ln);
	ok(stat(sockpath, &st) == 0, "... and not removed");
	unlink(sockpath);
	cl.device = NULL;
	ok(ln->ops->open(ln, &cause) == -1, "no device is refused");
	like(cause, "needs 'device'", "... saying so");
	free(cause);
	ln->ops->close(ln);
	line_free(ln);
	return tap_done();
}
