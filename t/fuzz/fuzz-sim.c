/*
 * fuzz-sim.c: the simulated line's protocol (sim.c, kefu-simline(7)) as
 * kefud reads it, through the driver's own line_ops over a real Unix
 * socket: the input is what a caller sends (HELLO, RING with caller ID,
 * KEY, AUDIO blocks, TIMEOUT, BYE...), then it hangs up; kefud answers
 * and waits for keys, records, plays and beeps until the call is over.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "line/line.h"
#include "util/util.h"
#include "fuzz.h"

static char fz_dir[64];
static char fz_path[96];
static struct conf_line fz_cl;
static struct line *fz_ln;
static atomic_int fz_in_wait;   /* the fuzzer's thread is in wait_call */

/*
 * The caller's ear: reads what kefud sends until kefud closes the call.
 * A caller refused before the call (bad HELLO or RING) leaves wait_call
 * waiting for the next one: stop it, and wake its poll with a client
 * that hangs up at once.
 */
static void *
fz_ear(void *arg)
{
	int fd = *(int *)arg;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[4096];
	ssize_t n;
	int r;

	/* libFuzzer's SIGALRM (-timeout) interrupts a wait: not an end */
	for (;;) {
		if ((r = poll(&pfd, 1, 10000)) == -1 && errno == EINTR)
			continue;
		if (r != 1)
			break;
		if ((n = read(fd, buf, sizeof buf)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
	}
	if (atomic_load(&fz_in_wait)) {
		fz_ln->stop = 1;
		close(fuzz_connect(fz_path));
	}
	return NULL;
}

static int
fz_sink(void *arg, const void *data, size_t len)
{
	(void)arg;
	(void)data;
	return len > 60000 ? -1 : 0;
}

/* At exit: the line's socket and its folder go. */
static void
fz_cleanup(void)
{
	fz_ln->ops->close(fz_ln);
	line_free(fz_ln);
	rmdir(fz_dir);
	free(fz_cl.name);
	free(fz_cl.type);
}

static void
fz_init(void)
{
	char *cause = NULL;

	log_set_level(KLOG_ERROR);
	signal(SIGPIPE, SIG_IGN);
	fuzz_tmpdir(fz_dir, sizeof fz_dir, "sim");
	snprintf(fz_path, sizeof fz_path, "%s/line", fz_dir);
	fz_cl.name = xstrdup("fuzz");
	fz_cl.type = xstrdup("sim");
	fz_cl.device = fz_path;
	fz_cl.rings = 2;
	fz_cl.silence_ms = 30;
	fz_cl.max_call_ms = 3000;
	if (line_new(&fz_cl, &fz_ln, &cause) == -1 ||
	    fz_ln->ops->open(fz_ln, &cause) == -1) {
		fprintf(stderr, "fuzz-sim: %s\n", cause);
		abort();
	}
	atexit(fz_cleanup);
}

/* One call's worth of operations until the caller is gone. */
static void
fz_call(struct line *ln)
{
	static const uint8_t audio[32];
	struct line_rec rec = { .sink = fz_sink, .max_ms = 10,
	    .silence_ms = 5, .stop_on_key = 1 };
	enum line_status st = LINE_OK;
	char key, *cause = NULL;
	int i;

	if (ln->ops->answer(ln, &cause) != LINE_OK)
		return;
	for (i = 0; i < 400 && st != LINE_GONE && st != LINE_FAILED; i++) {
		key = 0;
		switch (i % 4) {
		case 0:
			st = ln->ops->wait_digit(ln, 2, &key, &cause);
			break;
		case 1:
			st = ln->ops->record(ln, &rec, &key, &cause);
			break;
		case 2:
			st = ln->ops->play(ln, audio, sizeof audio, i & 1,
			    &key, &cause);
			break;
		default:
			st = ln->ops->beep(ln, 440, 1, &cause);
			break;
		}
		if (st == LINE_DIGIT && strchr("0123456789*#ABCD", key) == NULL)
			abort();
		free(cause);
		cause = NULL;
	}
	if (st != LINE_GONE && st != LINE_FAILED)
		abort();        /* the caller hung up: the call must end */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line *ln;
	pthread_t ear;
	char *cause = NULL;
	int fd;

	if (fz_ln == NULL)
		fz_init();
	ln = fz_ln;
	ln->stop = 0;
	memset(&ln->call, 0, sizeof ln->call);
	ln->keys[0] = '\0';
	fd = fuzz_connect(fz_path);
	if (size > 0 && send(fd, data, size, MSG_NOSIGNAL) != (ssize_t)size)
		abort();
	shutdown(fd, SHUT_WR);
	atomic_store(&fz_in_wait, 1);
	if (pthread_create(&ear, NULL, fz_ear, &fd) != 0)
		abort();
	if (ln->ops->wait_call(ln, &ln->call, &cause) == LINE_OK) {
		atomic_store(&fz_in_wait, 0);
		fz_call(ln);
		ln->ops->hangup(ln, &cause);
	}
	atomic_store(&fz_in_wait, 0);
	free(cause);
	pthread_join(ear, NULL);
	close(fd);
	return 0;
}
