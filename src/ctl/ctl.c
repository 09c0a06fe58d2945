/*
 * ctl.c: the control socket.  One accepting thread; requests are short
 * and handled one at a time, so a slow client cannot pile up threads.
 * Protocol: the client writes one line; the server writes the answer
 * lines, then "ok" or "error: reason", and closes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl.h"

#define CTL_MAX_REQUEST 1024

struct ctl_server {
	int fd;                 /* listening socket */
	int wake[2];            /* pipe: written to stop the thread */
	char *path;
	ctl_handler_h *handler;
	void *arg;
	pthread_t thread;
};

static int
ctl_addr(const char *path, struct sockaddr_un *sun, char **cause)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun->sun_path)
		return kf_error(cause, "control socket path too long: %s",
		    path);
	strcpy(sun->sun_path, path);
	return 0;
}

/* Write all of buf, giving up after timeout_ms without progress. */
static int
ctl_write_all(int fd, const char *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (len > 0) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return -1;
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read one request line (without the newline) within timeout_ms. */
static int
ctl_read_line(int fd, char *buf, size_t size, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	ssize_t n;
	char *nl;

	while (len < size - 1) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return -1;
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if ((nl = strchr(buf, '\n')) != NULL) {
			*nl = '\0';
			if (nl > buf && nl[-1] == '\r')
				nl[-1] = '\0';
			return 0;
		}
	}
	buf[len] = '\0';
	return len > 0 && len < size - 1 ? 0 : -1;
}

static void
ctl_serve_one(struct ctl_server *srv, int fd)
{
	char req[CTL_MAX_REQUEST];
	struct strbuf reply = STRBUF_INIT;
	char *cause = NULL;

	if (ctl_read_line(fd, req, sizeof req, 2000) == -1) {
		sb_adds(&reply, "error: request too long or not a line\n");
	} else if (srv->handler(str_trim(req), &reply, &cause,
	    srv->arg) == 0) {
		sb_adds(&reply, "ok\n");
	} else {
		sb_addf(&reply, "error: %s\n", cause ? cause : "failed");
		free(cause);
	}
	(void)ctl_write_all(fd, sb_str(&reply), reply.len, 2000);
	sb_free(&reply);
}

static void *
ctl_thread(void *arg)
{
	struct ctl_server *srv = arg;
	struct pollfd pfd[2];
	int fd;

	pfd[0].fd = srv->fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = srv->wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("control socket: poll");
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if ((pfd[0].revents & POLLIN) == 0)
			continue;
		fd = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EINTR && errno != EAGAIN)
				log_warn("control socket: accept");
			continue;
		}
		ctl_serve_one(srv, fd);
		close(fd);
	}
	return NULL;
}

/* A socket file nobody listens on is left over from a crash: remove it. */
static int
ctl_clear_stale(const char *path, const struct sockaddr_un *sun,
    char **cause)
{
	int fd;

	if (access(path, F_OK) == -1)
		return 0;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return kf_error(cause, "socket: %s", strerror(errno));
	if (connect(fd, (const struct sockaddr *)sun, sizeof *sun) == 0) {
		close(fd);
		return kf_error(cause, "%s is in use: another kefud is "
		    "running", path);
	}
	close(fd);
	if (unlink(path) == -1)
		return kf_error(cause, "cannot remove stale socket %s: %s",
		    path, strerror(errno));
	return 0;
}

int
ctl_listen(const char *path, ctl_handler_h *handler, void *arg,
    struct ctl_server **out, char **cause)
{
	struct ctl_server *srv;
	struct sockaddr_un sun;
	mode_t old;

	if (ctl_addr(path, &sun, cause) == -1 ||
	    ctl_clear_stale(path, &sun, cause) == -1)
		return -1;
	srv = xcalloc(1, sizeof *srv);
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv->fd == -1) {
		free(srv);
		return kf_error(cause, "socket: %s", strerror(errno));
	}
	old = umask(0117);   /* owner and group may talk to kefud */
	if (bind(srv->fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		umask(old);
		kf_error(cause, "cannot create control socket %s: %s", path,
		    strerror(errno));
		close(srv->fd);
		free(srv);
		return -1;
	}
	umask(old);
	if (listen(srv->fd, 16) == -1 || pipe2(srv->wake, O_CLOEXEC) == -1) {
		kf_error(cause, "control socket %s: %s", path,
		    strerror(errno));
		close(srv->fd);
		unlink(path);
		free(srv);
		return -1;
	}
	srv->path = xstrdup(path);
	srv->handler = handler;
	srv->arg = arg;
	if (pthread_create(&srv->thread, NULL, ctl_thread, srv) != 0)
		fatalx("cannot start the control socket thread");
	*out = srv;
	return 0;
}

void
ctl_close(struct ctl_server *srv)
{
	if (srv == NULL)
		return;
	(void)write(srv->wake[1], "x", 1);
	pthread_join(srv->thread, NULL);
	close(srv->wake[0]);
	close(srv->wake[1]);
	close(srv->fd);
	unlink(srv->path);
	free(srv->path);
	free(srv);
}

/* Split the answer into the body and its final status line. */
static int
ctl_parse_reply(struct strbuf *in, char **reply, char **cause)
{
	char *s = sb_steal(in), *last;
	size_t len = strlen(s);

	while (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	last = strrchr(s, '\n');
	last = last ? last + 1 : s;
	if (strcmp(last, "ok") == 0) {
		*last = '\0';
		*reply = s;
		return 0;
	}
	if (str_prefix(last, "error: ")) {
		kf_error(cause, "%s", last + 7);
		*last = '\0';
		*reply = s;
		return -1;
	}
	free(s);
	*reply = NULL;
	return kf_error(cause, "kefud gave an incomplete answer");
}

int
ctl_request(const char *path, const char *request, int timeout_ms,
    char **reply, char **cause)
{
	struct sockaddr_un sun;
	struct strbuf in = STRBUF_INIT;
	struct pollfd pfd;
	char buf[4096], *line;
	ssize_t n;
	int fd, rc;

	*reply = NULL;
	if (ctl_addr(path, &sun, cause) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return kf_error(cause, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		kf_error(cause, "cannot reach kefud at %s: %s (is kefud "
		    "running? is [kefu] socket the same in kefu.conf?)", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	line = xasprintf("%s\n", request);
	rc = ctl_write_all(fd, line, strlen(line), timeout_ms);
	free(line);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (rc == 0) {
		if (poll(&pfd, 1, timeout_ms) <= 0) {
			rc = -1;
			break;
		}
		n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sb_add(&in, buf, (size_t)n);
	}
	close(fd);
	if (rc == -1) {
		sb_free(&in);
		return kf_error(cause, "kefud at %s did not answer within "
		    "%d ms", path, timeout_ms);
	}
	return ctl_parse_reply(&in, reply, cause);
}
