/*
 * ctl.c: the control socket.  One thread serves every connection from
 * one poll(2) loop: each connection has a whole-request deadline (the
 * request line read and the answer written within CTL_DEADLINE_MS, no
 * matter how slowly the bytes trickle in), and at most CTL_MAX_PER_UID
 * connections of one user (SO_PEERCRED) and CTL_MAX_CONN in all are
 * kept -- the oldest goes first -- so idle or slow clients never keep
 * `kefu status` waiting.  A request that takes long (a reload) is taken
 * by the daemon with ctl_defer and answered with ctl_done from its own
 * thread: the loop serves the other clients meanwhile.  Protocol: the
 * client writes one line; the server writes the answer lines, then "ok"
 * or "error: reason" (a reason of several lines is several "error: "
 * lines), and closes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl.h"

#define CTL_MAX_REQUEST 1024    /* longest request line */
#define CTL_DEADLINE_MS 2000    /* to send the request and read the answer */
#define CTL_MAX_CONN 128        /* connections kept at once */
#define CTL_MAX_PER_UID 16      /* ... of them from one user */
#define CTL_BACKLOG 128         /* connections waiting to be accepted */

/* One client connection, from accept to close. */
struct ctl_conn {
	int fd;
	uid_t uid;              /* the peer's user (SO_PEERCRED) */
	uint64_t seq;           /* order of arrival: the oldest goes first */
	uint64_t deadline;      /* now_ms() after which it is cut */
	char in[CTL_MAX_REQUEST];
	size_t inlen;
	int answering;          /* the answer is in out */
	struct ctl_defer *defer;        /* the answer comes by ctl_done */
	struct strbuf out;      /* the answer */
	size_t sent;            /* bytes of out written */
};

/*
 * A deferred request, from ctl_defer to ctl_done.  conn is NULL once the
 * client is gone; everything here is guarded by the server's dlock.
 */
struct ctl_defer {
	struct ctl_server *srv;
	struct ctl_conn *conn;
	int done;               /* ctl_done was called: on srv->finished */
	struct strbuf out;      /* the answer, status lines included */
	struct ctl_defer *next; /* on srv->finished */
};

struct ctl_server {
	int fd;                 /* listening socket */
	int wake[2];            /* pipe: a deferred answer came, or stop */
	atomic_int stop;        /* the thread ends */
	char *path;
	ctl_handler_h *handler;
	void *arg;
	pthread_t thread;
	struct ctl_conn *conn[CTL_MAX_CONN];    /* the loop's own, no lock */
	size_t nconn;
	uint64_t seq;
	uint64_t warned;        /* now_ms() of the last warning about a cut */
	struct ctl_conn *cur;   /* the connection in the handler */
	pthread_mutex_t dlock;  /* guards the deferred requests */
	pthread_cond_t dcond;   /* ndefer went down */
	struct ctl_defer *finished;     /* done, for the loop to send */
	int ndefer;             /* taken and not yet done */
};

static int
ctl_addr(const char *path, struct sockaddr_un *sun, char **cause)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun->sun_path)
		return kf_error(cause, "control socket path too long (%zu "
		    "bytes, at most %zu): %s", strlen(path),
		    sizeof sun->sun_path - 1, path);
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

static void
ctl_conn_drop(struct ctl_server *srv, size_t i)
{
	struct ctl_conn *c = srv->conn[i];

	if (c->defer != NULL) {
		/* its answer, when it comes, goes nowhere */
		pthread_mutex_lock(&srv->dlock);
		c->defer->conn = NULL;
		pthread_mutex_unlock(&srv->dlock);
	}
	close(c->fd);
	sb_free(&c->out);
	free(c);
	srv->conn[i] = srv->conn[--srv->nconn];
}

/* A connection cut to make room, said once in a while (not per client). */
static void
ctl_conn_evict(struct ctl_server *srv, size_t i, const char *why)
{
	uint64_t now = now_ms();

	if (srv->warned == 0 || now - srv->warned > 60000) {
		log_warnx("control socket: %s; the oldest connection (uid %u) "
		    "is closed to serve the new one", why,
		    (unsigned)srv->conn[i]->uid);
		srv->warned = now;
	}
	ctl_conn_drop(srv, i);
}

/* Room for a new connection of uid: cut the oldest of the user, or of all. */
static void
ctl_conn_room(struct ctl_server *srv, uid_t uid)
{
	size_t i, oldest = 0, mine = 0, n = 0;

	for (i = 0; i < srv->nconn; i++) {
		if (srv->conn[i]->uid != uid)
			continue;
		if (n++ == 0 || srv->conn[i]->seq < srv->conn[mine]->seq)
			mine = i;
	}
	if (n >= CTL_MAX_PER_UID) {
		ctl_conn_evict(srv, mine, "one user holds too many idle "
		    "connections");
		return;
	}
	if (srv->nconn < CTL_MAX_CONN)
		return;
	for (i = 1; i < srv->nconn; i++)
		if (srv->conn[i]->seq < srv->conn[oldest]->seq)
			oldest = i;
	ctl_conn_evict(srv, oldest, "too many connections");
}

/* Take one waiting client; -1 when there was none. */
static int
ctl_accept(struct ctl_server *srv)
{
	struct ctl_conn *c;
	struct ucred cred;
	socklen_t len = sizeof cred;
	int fd;

	fd = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd == -1) {
		if (errno != EINTR && errno != EAGAIN &&
		    errno != ECONNABORTED)
			log_warn("control socket: accept");
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		cred.uid = (uid_t)-1;
	ctl_conn_room(srv, cred.uid);
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->uid = cred.uid;
	c->seq = ++srv->seq;
	c->deadline = now_ms() + CTL_DEADLINE_MS;
	srv->conn[srv->nconn++] = c;
	return 0;
}

/* The final status: "ok", or every line of cause as an "error: " line. */
static void
ctl_status(struct strbuf *out, int rc, char *cause)
{
	char *line, *nl;

	if (rc == 0) {
		sb_adds(out, "ok\n");
		free(cause);
		return;
	}
	for (line = cause ? cause : (char *)"failed"; *line != '\0';
	    line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL) {
			sb_addf(out, "error: %s\n", line);
			break;
		}
		if (nl > line)
			sb_addf(out, "error: %.*s\n", (int)(nl - line), line);
	}
	free(cause);
}

/* The request is complete (or broken): run it and queue the answer. */
static void
ctl_answer(struct ctl_server *srv, struct ctl_conn *c, int broken)
{
	char *cause = NULL;
	int rc;

	if (broken) {
		c->answering = 1;
		sb_adds(&c->out, "error: request too long or not a line\n");
		return;
	}
	c->in[c->inlen] = '\0';
	srv->cur = c;
	rc = srv->handler(str_trim(c->in), &c->out, &cause, srv->arg);
	srv->cur = NULL;
	if (rc == CTL_DEFERRED && c->defer != NULL) {
		c->deadline = UINT64_MAX;       /* as long as the work takes */
		return;
	}
	c->answering = 1;
	ctl_status(&c->out, rc == CTL_DEFERRED ? -1 : rc, rc ==
	    CTL_DEFERRED ? xstrdup("internal error: a request deferred "
	    "without ctl_defer") : cause);
}

struct ctl_defer *
ctl_defer(struct ctl_server *srv)
{
	struct ctl_conn *c = srv->cur;
	struct ctl_defer *d;

	if (c == NULL || c->defer != NULL) {
		fatalx("ctl_defer called outside a request handler");
		return NULL;
	}
	d = xcalloc(1, sizeof *d);
	d->srv = srv;
	d->conn = c;
	c->defer = d;
	pthread_mutex_lock(&srv->dlock);
	srv->ndefer++;
	pthread_mutex_unlock(&srv->dlock);
	return d;
}

void
ctl_done(struct ctl_defer *d, int rc, const char *reply, char *cause)
{
	struct ctl_server *srv = d->srv;

	if (reply != NULL)
		sb_adds(&d->out, reply);
	ctl_status(&d->out, rc, cause);
	pthread_mutex_lock(&srv->dlock);
	if (d->conn == NULL) {
		sb_free(&d->out);
		free(d);
	} else {
		d->done = 1;
		d->next = srv->finished;
		srv->finished = d;
	}
	srv->ndefer--;
	pthread_cond_broadcast(&srv->dcond);
	pthread_mutex_unlock(&srv->dlock);
	(void)write(srv->wake[1], "d", 1);
}

/* Answers that came by ctl_done: to their clients (the loop's thread). */
static void
ctl_finished(struct ctl_server *srv)
{
	struct ctl_defer *d, *next;
	struct ctl_conn *c;
	char buf[64];

	while (read(srv->wake[0], buf, sizeof buf) == (ssize_t)sizeof buf)
		;
	pthread_mutex_lock(&srv->dlock);
	d = srv->finished;
	srv->finished = NULL;
	pthread_mutex_unlock(&srv->dlock);
	for (; d != NULL; d = next) {
		next = d->next;
		if ((c = d->conn) != NULL) {
			c->defer = NULL;
			sb_add(&c->out, d->out.s, d->out.len);
			c->answering = 1;
			c->deadline = now_ms() + CTL_DEADLINE_MS;
		}
		sb_free(&d->out);
		free(d);
	}
}

/* Bytes from the client; 0 to keep the connection, -1 to close it. */
static int
ctl_conn_read(struct ctl_server *srv, struct ctl_conn *c)
{
	char *nl;
	ssize_t n;

	n = recv(c->fd, c->in + c->inlen, sizeof c->in - 1 - c->inlen, 0);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0) {
		/* the client closed its side: a last line without '\n' */
		if (c->inlen == 0)
			return -1;
		ctl_answer(srv, c, 0);
		return 0;
	}
	c->inlen += (size_t)n;
	c->in[c->inlen] = '\0';
	if ((nl = strchr(c->in, '\n')) != NULL) {
		c->inlen = (size_t)(nl - c->in);
		if (nl > c->in && nl[-1] == '\r')
			c->inlen--;
		ctl_answer(srv, c, 0);
	} else if (c->inlen == sizeof c->in - 1)
		ctl_answer(srv, c, 1);
	return 0;
}

/* Write what the client can take; -1 when done (or failed): close. */
static int
ctl_conn_write(struct ctl_conn *c)
{
	ssize_t n;

	while (c->sent < c->out.len) {
		n = send(c->fd, c->out.s + c->sent, c->out.len - c->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		c->sent += (size_t)n;
	}
	return -1;
}

/* One connection's turn: 0 to keep it, -1 to close it. */
static int
ctl_conn_step(struct ctl_server *srv, struct ctl_conn *c, short revents)
{
	if (c->defer != NULL)   /* waiting for its answer: gone or not */
		return (revents & (POLLHUP | POLLERR | POLLNVAL)) ? -1 : 0;
	if (!c->answering && (revents & (POLLIN | POLLHUP | POLLERR)) &&
	    ctl_conn_read(srv, c) == -1)
		return -1;
	if (c->answering)
		return ctl_conn_write(c);
	if (revents & (POLLERR | POLLNVAL))
		return -1;
	return now_ms() >= c->deadline ? -1 : 0;
}

static void *
ctl_thread(void *arg)
{
	struct ctl_server *srv = arg;
	struct pollfd pfd[2 + CTL_MAX_CONN];
	struct ctl_conn *snap[CTL_MAX_CONN];
	uint64_t now, next;
	size_t i, n;
	int timeout;

	for (;;) {
		pfd[0].fd = srv->wake[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = srv->fd;
		pfd[1].events = POLLIN;
		now = now_ms();
		next = now + 60000;
		n = srv->nconn;
		for (i = 0; i < n; i++) {
			snap[i] = srv->conn[i];
			pfd[2 + i].fd = snap[i]->fd;
			pfd[2 + i].events = snap[i]->defer != NULL ? 0 :
			    snap[i]->answering ? POLLOUT : POLLIN;
			pfd[2 + i].revents = 0;
			if (snap[i]->deadline < next)
				next = snap[i]->deadline;
		}
		timeout = next > now ? (int)(next - now) : 0;
		if (poll(pfd, 2 + n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("control socket: poll");
			break;
		}
		if (atomic_load(&srv->stop))
			break;
		if (pfd[0].revents != 0)
			ctl_finished(srv);
		/* connections first, by the snapshot: accepting may cut one */
		for (i = 0; i < n; i++) {
			size_t j;

			for (j = 0; j < srv->nconn; j++)
				if (srv->conn[j] == snap[i])
					break;
			if (j < srv->nconn && (now_ms() >= snap[i]->deadline ||
			    ctl_conn_step(srv, snap[i], pfd[2 + i].revents) ==
			    -1))
				ctl_conn_drop(srv, j);
		}
		if (pfd[1].revents & POLLIN)
			for (i = 0; i < 32 && ctl_accept(srv) == 0; i++)
				;
	}
	while (srv->nconn > 0)
		ctl_conn_drop(srv, 0);
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
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
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
	if (listen(srv->fd, CTL_BACKLOG) == -1 ||
	    pipe2(srv->wake, O_CLOEXEC) == -1) {
		kf_error(cause, "control socket %s: %s", path,
		    strerror(errno));
		close(srv->fd);
		unlink(path);
		free(srv);
		return -1;
	}
	(void)fcntl(srv->wake[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(srv->wake[1], F_SETFL, O_NONBLOCK);
	srv->path = xstrdup(path);
	srv->handler = handler;
	srv->arg = arg;
	pthread_mutex_init(&srv->dlock, NULL);
	pthread_cond_init(&srv->dcond, NULL);
	*out = srv;     /* before the first request: handlers may use it */
	if (pthread_create(&srv->thread, NULL, ctl_thread, srv) != 0)
		fatalx("cannot start the control socket thread");
	return 0;
}

void
ctl_close(struct ctl_server *srv)
{
	if (srv == NULL)
		return;
	atomic_store(&srv->stop, 1);
	(void)write(srv->wake[1], "x", 1);
	pthread_join(srv->thread, NULL);
	/* the connections are gone; ctl_done must still find srv */
	pthread_mutex_lock(&srv->dlock);
	while (srv->ndefer > 0)
		pthread_cond_wait(&srv->dcond, &srv->dlock);
	pthread_mutex_unlock(&srv->dlock);
	while (srv->finished != NULL) {
		struct ctl_defer *d = srv->finished;

		srv->finished = d->next;
		sb_free(&d->out);
		free(d);
	}
	pthread_mutex_destroy(&srv->dlock);
	pthread_cond_destroy(&srv->dcond);
	close(srv->wake[0]);
	close(srv->wake[1]);
	close(srv->fd);
	unlink(srv->path);
	free(srv->path);
	free(srv);
}

/*
 * Split the answer into the body and its final status: "ok", or one or
 * more "error: " lines (the reason, line by line).
 */
static int
ctl_parse_reply(struct strbuf *in, char **reply, char **cause)
{
	struct strbuf why = STRBUF_INIT;
	char *s = sb_steal(in), *last, *first;
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
	if (!str_prefix(last, "error: ")) {
		free(s);
		*reply = NULL;
		return kf_error(cause, "kefud gave an incomplete answer");
	}
	/* back to the first of the trailing "error: " lines */
	for (first = last; first > s; first = last) {
		for (last = first - 1; last > s && last[-1] != '\n'; last--)
			;
		if (!str_prefix(last, "error: "))
			break;
	}
	for (last = first; last != NULL; ) {
		char *nl = strchr(last, '\n');

		sb_add(&why, last + 7, nl ? (size_t)(nl - last - 7) :
		    strlen(last + 7));
		if (nl != NULL)
			sb_addc(&why, '\n');
		last = nl ? nl + 1 : NULL;
	}
	if (cause != NULL)
		*cause = sb_steal(&why);
	sb_free(&why);
	*first = '\0';
	*reply = s;
	return -1;
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
