/*
 * fuzz-ctl.c: the control-socket protocol (ctl.c) from both ends, over
 * real Unix sockets: the input is sent as a request to a ctl_listen
 * server (which must answer with a final "ok" or "error: ..." line), and
 * served as the answer a `kefu status` client (ctl_request) parses.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "util/util.h"
#include "fuzz.h"

static char fz_dir[64];
static struct ctl_server *fz_srv_h;
static char fz_srv[96];         /* the ctl_listen server */
static char fz_fake[96];        /* our fake kefud, for ctl_request */
static int fz_fake_fd = -1;
static pthread_mutex_t fz_mtx = PTHREAD_MUTEX_INITIALIZER;
static const uint8_t *fz_data;  /* what the fake kefud answers */
static size_t fz_size;

static int
fz_handler(const char *request, struct strbuf *reply, char **cause,
    void *arg)
{
	(void)arg;
	if (request[0] == 'e') {
		*cause = xasprintf("refused %zu bytes", strlen(request));
		return -1;
	}
	sb_addf(reply, "%s\n", request);
	return 0;
}

/* The fake kefud: read the request line, answer with the input. */
static void *
fz_fake_thread(void *arg)
{
	ssize_t n;
	char c;
	int fd;

	(void)arg;
	for (;;) {
		if ((fd = accept4(fz_fake_fd, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		for (;;) {
			if ((n = read(fd, &c, 1)) == -1 && errno == EINTR)
				continue;
			if (n != 1 || c == '\n')
				break;
		}
		pthread_mutex_lock(&fz_mtx);
		if (fz_size > 0)
			(void)send(fd, fz_data, fz_size, MSG_NOSIGNAL);
		pthread_mutex_unlock(&fz_mtx);
		close(fd);
	}
	return NULL;
}

/* At exit: the sockets and their folder go (the replay runs in make check). */
static void
fz_cleanup(void)
{
	ctl_close(fz_srv_h);
	unlink(fz_fake);
	rmdir(fz_dir);
}

static void
fz_init(void)
{
	struct sockaddr_un sun;
	pthread_t t;
	char *cause = NULL;

	log_set_level(KLOG_ERROR);
	signal(SIGPIPE, SIG_IGN);
	fuzz_tmpdir(fz_dir, sizeof fz_dir, "ctl");
	snprintf(fz_srv, sizeof fz_srv, "%s/ctl", fz_dir);
	snprintf(fz_fake, sizeof fz_fake, "%s/fake", fz_dir);
	if (ctl_listen(fz_srv, fz_handler, NULL, &fz_srv_h, &cause) == -1) {
		fprintf(stderr, "fuzz-ctl: %s\n", cause);
		abort();
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", fz_fake);
	fz_fake_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fz_fake_fd == -1 ||
	    bind(fz_fake_fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    listen(fz_fake_fd, 4) == -1 ||
	    pthread_create(&t, NULL, fz_fake_thread, NULL) != 0)
		abort();
	pthread_detach(t);
	atexit(fz_cleanup);
}

/* Send data as a request; the answer must end in "ok" or "error: ...". */
static void
fz_server(const uint8_t *data, size_t size)
{
	struct strbuf in = STRBUF_INIT;
	struct pollfd pfd;
	char buf[4096];
	const char *s, *last;
	ssize_t n;
	int fd, r;

	fd = fuzz_connect(fz_srv);
	(void)send(fd, data, size, MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* libFuzzer's SIGALRM (-timeout) interrupts a wait: not an answer */
	for (;;) {
		if ((r = poll(&pfd, 1, 10000)) == -1 && errno == EINTR)
			continue;
		if (r != 1)
			break;
		if ((n = read(fd, buf, sizeof buf)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sb_add(&in, buf, (size_t)n);
	}
	close(fd);
	s = sb_str(&in);
	if (size == 0 && in.len == 0) {
		/* a client that sent nothing is closed without a word */
		sb_free(&in);
		return;
	}
	if (in.len == 0 || s[in.len - 1] != '\n')
		abort();        /* no answer, or no final line */
	for (last = s + in.len - 1; last > s && last[-1] != '\n'; last--)
		;
	if (strcmp(last, "ok\n") != 0 && strncmp(last, "error: ", 7) != 0)
		abort();
	sb_free(&in);
}

/* Serve data as kefud's answer to `kefu status`. */
static void
fz_client(const uint8_t *data, size_t size)
{
	char *reply = NULL, *cause = NULL;
	int rc;

	pthread_mutex_lock(&fz_mtx);
	fz_data = data;
	fz_size = size;
	pthread_mutex_unlock(&fz_mtx);
	rc = ctl_request(fz_fake, "status", 2000, &reply, &cause);
	if (rc == 0 && reply == NULL)
		abort();
	if (rc == -1 && cause == NULL)
		abort();
	free(reply);
	free(cause);
	pthread_mutex_lock(&fz_mtx);
	fz_data = NULL;
	fz_size = 0;
	pthread_mutex_unlock(&fz_mtx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fz_fake_fd == -1)
		fz_init();
	fz_server(data, size);
	fz_client(data, size);
	return 0;
}
