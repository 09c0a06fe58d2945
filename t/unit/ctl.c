/*
 * Unit tests for src/ctl: the control socket protocol, both ends, idle
 * and slow clients, and deferred answers.
 */
#include "config.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "../tap.h"

static struct ctl_server *srv_g;        /* for ctl_defer */
static _Atomic(struct ctl_defer *) deferred;    /* the last "slow" */

static int
handler(const char *req, struct strbuf *reply, char **cause, void *arg)
{
	int *count = arg;

	(*count)++;
	if (strcmp(req, "slow") == 0) {
		atomic_store(&deferred, ctl_defer(srv_g));
		return CTL_DEFERRED;
	}
	if (strcmp(req, "status") == 0) {
		sb_adds(reply, "line 1: idle\nline 2: in call\n");
		return 0;
	}
	if (strcmp(req, "reload") == 0)
		return kf_error(cause, "flows/main.xml:3: unknown target");
	if (strcmp(req, "reload2") == 0)
		return kf_error(cause, "3 problems found, the running "
		    "configuration stays:\nflows/a.xml:3: one\n"
		    "flows/b.xml:4: two\nflows/c.xml:5: three\n");
	return kf_error(cause, "unknown request '%s'", req);
}

static int
client(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 when the server closed fd (EOF), 0 while it is still open. */
static int
closed(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&pfd, 1, 0) == 1 && recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

/* How many of the n clients in fd the server still keeps open. */
static int
nopen(const int *fd, int n)
{
	int i, open = 0;

	for (i = 0; i < n; i++)
		open += fd[i] != -1 && !closed(fd[i]);
	return open;
}

struct slow {
	int fd[10];
	atomic_int stop;
};

/* Slow clients: each sends one byte of "status" every 100 ms, no end. */
static void *
slow_main(void *arg)
{
	struct slow *sl = arg;
	size_t i;

	while (!atomic_load(&sl->stop)) {
		for (i = 0; i < nitems(sl->fd); i++)
			(void)send(sl->fd[i], "s", 1, MSG_NOSIGNAL);
		sleep_ms(100);  /* the test: a byte every 100 ms */
	}
	return NULL;
}

/* Send "slow" on a new connection; the deferred request, or NULL. */
static struct ctl_defer *
slow_request(const char *path, int *fd)
{
	struct ctl_defer *d = NULL;

	atomic_store(&deferred, NULL);
	if ((*fd = client(path)) == -1 || send(*fd, "slow\n", 5, 0) != 5)
		return NULL;
	tap_wait((d = atomic_load(&deferred)) != NULL, 2000);
	return d;
}

/* Everything the server sends on fd until it closes (1 s at most). */
static char *
read_all(int fd)
{
	struct strbuf sb = STRBUF_INIT;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[256];
	ssize_t n;

	while (poll(&pfd, 1, 1000) == 1 &&
	    (n = recv(fd, buf, sizeof buf, 0)) > 0)
		sb_add(&sb, buf, (size_t)n);
	return sb_steal(&sb);
}

/*
 * A deferred request (a reload, in kefud): other clients are served while
 * it waits, by the order of events -- kefu status is answered while the
 * slow client has nothing yet; it is not cut at the request deadline;
 * ctl_done's answer reaches it whole; a client gone before the answer
 * costs nothing.
 */
static void
test_defer(const char *path)
{
	struct ctl_defer *d;
	struct pollfd pfd;
	char *reply = NULL, *cause = NULL, *got;
	int fd;

	d = slow_request(path, &fd);
	ok(d != NULL, "a slow request is deferred by its handler");
	if (d == NULL)
		return;
	ok(ctl_request(path, "status", 1000, &reply, &cause) == 0,
	    "status answered while the slow request waits");
	free(reply);
	pfd.fd = fd;
	pfd.events = POLLIN;
	ok(poll(&pfd, 1, 0) == 0, "... before the slow one's answer (it has "
	    "no byte yet)");
	sleep_ms(2300);         /* the test: past the request deadline */
	ok(poll(&pfd, 1, 0) == 0, "past the 2 s request deadline the slow "
	    "client is still waiting, not cut");
	ctl_done(d, 0, "slow: done\n", NULL);
	got = read_all(fd);
	is_str(got, "slow: done\nok\n", "ctl_done's answer reaches it whole");
	free(got);
	close(fd);

	d = slow_request(path, &fd);
	ok(d != NULL, "a second slow request");
	close(fd);
	/*
	 * A moment for the server to see the client gone before the answer
	 * comes: the case under test, which nothing outside shows.
	 */
	sleep_ms(100);
	if (d != NULL)
		ctl_done(d, -1, NULL, xstrdup("gone"));
	ok(ctl_request(path, "status", 1000, &reply, &cause) == 0,
	    "its client left before the answer: the server goes on");
	free(reply);

	d = slow_request(path, &fd);
	if (d != NULL)
		ctl_done(d, -1, "partial\n", xstrdup("one\ntwo"));
	got = read_all(fd);
	is_str(got, "partial\nerror: one\nerror: two\n", "a deferred "
	    "refusal: every reason as an error line");
	free(got);
	close(fd);
}

/*
 * 100 idle clients, then 10 trickling a byte at a time: kefu status is
 * answered within a second all along; a client that has not sent its
 * line within the request deadline is cut, and one user keeps at most
 * 16 connections (the oldest are closed first).
 */
static void
test_crowd(const char *path)
{
	struct slow sl;
	pthread_t th;
	char *reply = NULL, *cause = NULL;
	uint64_t t0, worst = 0;
	int fd[100], i, n = 0;

	for (i = 0; i < 100; i++)
		fd[i] = client(path);
	/* the event: the server has taken them in, the oldest closed */
	ok(tap_wait(nopen(fd, 100) <= 16, 2000), "one user keeps at most 16 "
	    "connections (%d open)", nopen(fd, 100));
	for (i = 0; i < 5; i++) {
		t0 = now_ms();
		n += ctl_request(path, "status", 1000, &reply, &cause) == 0;
		if (now_ms() - t0 > worst)
			worst = now_ms() - t0;
		free(reply);
		free(cause);
		cause = NULL;
	}
	ok(n == 5 && worst < 1000, "100 idle clients connected: 5 of 5 "
	    "kefu status answered within 1 s (%d answered, worst %llu ms)",
	    n, (unsigned long long)worst);
	for (i = 0; i < 100; i++)
		if (fd[i] != -1)
			close(fd[i]);

	memset(&sl, 0, sizeof sl);
	for (i = 0; i < 10; i++)
		sl.fd[i] = client(path);
	pthread_create(&th, NULL, slow_main, &sl);
	worst = 0;
	n = 0;
	for (i = 0; i < 10; i++) {
		t0 = now_ms();
		n += ctl_request(path, "status", 1000, &reply, &cause) == 0;
		if (now_ms() - t0 > worst)
			worst = now_ms() - t0;
		free(reply);
		free(cause);
		cause = NULL;
		/* the test: the asks spread over the first second of the
		 * trickle, before the 2 s deadline cuts it */
		sleep_ms(100);
	}
	ok(n == 10 && worst < 1000, "10 clients sending a byte every 100 ms: "
	    "10 of 10 kefu status answered within 1 s (%d answered, worst "
	    "%llu ms)", n, (unsigned long long)worst);
	/* still trickling: cut at the deadline all the same */
	ok(tap_wait(nopen(sl.fd, 10) == 0, 4000), "each slow client is cut "
	    "at the request deadline (2 s), bytes or not (%d open)",
	    nopen(sl.fd, 10));
	atomic_store(&sl.stop, 1);
	pthread_join(th, NULL);
	for (i = 0; i < 10; i++)
		close(sl.fd[i]);
}

int
main(void)
{
	struct ctl_server *srv = NULL;
	char path[64], *reply = NULL, *cause = NULL;
	int count = 0, fd;
	struct sockaddr_un sun;

	snprintf(path, sizeof path, "/tmp/kefu-ctl-%ld.sock", (long)getpid());
	ok(ctl_listen(path, handler, &count, &srv, &cause) == 0,
	    "server listens");
	srv_g = srv;
	ok(ctl_request(path, "status", 2000, &reply, &cause) == 0,
	    "status answered ok");
	is_str(reply, "line 1: idle\nline 2: in call\n",
	    "answer body without the status line");
	free(reply);
	ok(ctl_request(path, "reload", 2000, &reply, &cause) == -1,
	    "an error answer is a failure");
	is_str(cause, "flows/main.xml:3: unknown target",
	    "the reason reaches the client");
	free(reply);
	free(cause);
	cause = NULL;
	ok(ctl_request(path, "frobnicate", 2000, &reply, &cause) == -1,
	    "unknown request refused");
	like(cause, "unknown request 'frobnicate'", "says which");
	free(reply);
	free(cause);
	cause = NULL;

	/* A client that connects and says nothing must not wedge the server. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	ok(connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0,
	    "silent client connects");
	close(fd);
	ok(ctl_request(path, "status", 4000, &reply, &cause) == 0,
	    "server still answers after a silent client");
	free(reply);

	ok(ctl_request(path, "reload2", 2000, &reply, &cause) == -1,
	    "a refusal with several reasons");
	is_str(cause, "3 problems found, the running configuration stays:\n"
	    "flows/a.xml:3: one\nflows/b.xml:4: two\nflows/c.xml:5: three",
	    "every reason reaches the client, line by line");
	free(reply);
	free(cause);
	cause = NULL;

	test_defer(path);
	test_crowd(path);

	/* A second server on the same live socket is refused. */
	{
		struct ctl_server *two = NULL;

		ok(ctl_listen(path, handler, &count, &two, &cause) == -1,
		    "second kefud on a live socket refused");
		like(cause, "another kefud is running", "says why");
		free(cause);
		cause = NULL;
	}
	is_int(count, 25, "handler ran once per complete request");
	ctl_close(srv);
	ok(access(path, F_OK) == -1, "socket file removed on close");
	ok(ctl_request(path, "status", 1000, &reply, &cause) == -1,
	    "no daemon: clear error");
	like(cause, "is kefud running?", "error tells what to check");
	free(cause);
	return tap_done();
}
