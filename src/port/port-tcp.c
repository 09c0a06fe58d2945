/*
 * port-tcp.c: raw TCP serial servers ("tcp:HOST:PORT"; ser2net in raw
 * mode, terminal servers, socat).  No RFC 2217 negotiation: speed and
 * flow control are the server's business, so set_flow is a no-op and a
 * flush can only drop what we have not read.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "port/port-int.h"
#include "util/util.h"

#define TCP_CONNECT_MS 5000

/* Split "tcp:HOST:PORT" (HOST may be [v6]); 0 or -1. */
static int
tcp_split(const char *dev, char **host, char **serv)
{
	const char *h = dev + 4, *colon;

	if (*h == '[') {
		colon = strstr(h, "]:");
		if (colon == NULL)
			return -1;
		*host = xstrndup(h + 1, (size_t)(colon - h - 1));
		*serv = xstrdup(colon + 2);
	} else {
		colon = strrchr(h, ':');
		if (colon == NULL || colon == h)
			return -1;
		*host = xstrndup(h, (size_t)(colon - h));
		*serv = xstrdup(colon + 1);
	}
	if (**serv == '\0') {
		free(*host);
		free(*serv);
		return -1;
	}
	return 0;
}

static int
tcp_connect(const struct addrinfo *ai, const char **why)
{
	struct pollfd pfd;
	socklen_t len;
	int fd, err = 0, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1) {
		*why = strerror(errno);
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS) {
			*why = strerror(errno);
			close(fd);
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, TCP_CONNECT_MS) != 1) {
			*why = "connection timed out";
			close(fd);
			return -1;
		}
		len = sizeof err;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0) {
			*why = strerror(err);
			close(fd);
			return -1;
		}
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static int
tcp_open(struct port *p, const char *dev, const struct port_conf *pc,
    char **cause)
{
	struct addrinfo hints, *res, *ai;
	char *host, *serv;
	const char *why = "no address";
	int fd = -1, r;

	if (tcp_split(dev, &host, &serv) == -1)
		return kf_error(cause, "%s: expected tcp:HOST:PORT", dev);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	r = getaddrinfo(host, serv, &hints, &res);
	free(host);
	free(serv);
	if (r != 0)
		return kf_error(cause, "%s: %s", dev, gai_strerror(r));
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next)
		fd = tcp_connect(ai, &why);
	freeaddrinfo(res);
	if (fd == -1)
		return kf_error(cause, "%s: %s", dev, why);
	p->fd = fd;
	p->speed = 0;
	p->sock = 1;
	return 0;
}

static int
tcp_set_flow(struct port *p, enum port_flow flow, char **cause)
{
	return 0;
}

static int
tcp_flush(struct port *p, int output, int input)
{
	char buf[512];

	if (input)
		while (read(p->fd, buf, sizeof buf) > 0)
			;
	return 0;
}

static void
tcp_close(struct port *p)
{
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
}

const struct port_ops port_ops_tcp = {
	.name = "tcp",                  /* raw TCP serial server */
	.open = tcp_open,               /* getaddrinfo + non-blocking connect */
	.set_flow = tcp_set_flow,       /* the server's business: no-op */
	.flush = tcp_flush,             /* drops unread input only */
	.close = tcp_close,             /* close(2) */
};
