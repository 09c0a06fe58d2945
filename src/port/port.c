/*
 * port.c: the device-independent half of the port layer -- choosing the
 * kind of port for a device name, reading and writing with poll()
 * timeouts (so that flow control and the kernel's buffers pace audio),
 * and the flow-control names of kefu.conf.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "port/port-int.h"
#include "util/util.h"

static const struct {
	const char *name;
	enum port_flow flow;
} port_flow_names[] = {
	{ "rtscts", PORT_FLOW_RTSCTS },
	{ "xonxoff", PORT_FLOW_XON_IN },
	{ "none", PORT_FLOW_NONE },
};

int
port_flow_parse(const char *name, enum port_flow *out)
{
	size_t i;

	if (name == NULL) {
		*out = PORT_FLOW_RTSCTS;
		return 0;
	}
	for (i = 0; i < nitems(port_flow_names); i++) {
		if (strcmp(name, port_flow_names[i].name) == 0) {
			*out = port_flow_names[i].flow;
			return 0;
		}
	}
	return -1;
}

static int
port_try(const struct port_ops *ops, const char *dev,
    const struct port_conf *pc, struct port **out, char **cause)
{
	struct port *p;

	p = xcalloc(1, sizeof *p);
	p->ops = ops;
	p->dev = xstrdup(dev);
	p->fd = -1;
	if (ops->open(p, dev, pc, cause) == -1) {
		free(p->dev);
		free(p);
		return -1;
	}
	if (fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK) == -1) {
		kf_error(cause, "%s: %s", dev, strerror(errno));
		port_close(p);
		return -1;
	}
	*out = p;
	return 0;
}

int
port_open(const char *dev, const struct port_conf *pc, struct port **out,
    char **cause)
{
	char *why = NULL;

	if (str_prefix(dev, "tcp:"))
		return port_try(&port_ops_tcp, dev, pc, out, cause);
	if (port_try(&port_ops_serial, dev, pc, out, &why) == 0)
		return 0;
	/* A pty, or a device libserialport does not know: plain termios. */
	if (port_try(&port_ops_tty, dev, pc, out, cause) == 0) {
		log_debug("%s: opened with termios (libserialport: %s)", dev,
		    why);
		free(why);
		return 0;
	}
	free(why);
	return -1;
}

void
port_close(struct port *p)
{
	if (p == NULL)
		return;
	p->ops->close(p);
	free(p->dev);
	free(p);
}

int
port_set_flow(struct port *p, enum port_flow flow, char **cause)
{
	return p->ops->set_flow(p, flow, cause);
}

int
port_flush(struct port *p, int output, int input)
{
	return p->ops->flush(p, output, input);
}

ssize_t
port_read(struct port *p, void *buf, size_t len, int timeout_ms,
    char **cause)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	ssize_t n;
	int r;

	for (;;) {
		n = read(p->fd, buf, len);
		if (n > 0) {
			p->nread += (unsigned long long)n;
			return n;
		}
		if (n == 0)
			return kf_error(cause, "%s: device closed", p->dev);
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return kf_error(cause, "%s: %s", p->dev,
			    strerror(errno));
		if (timeout_ms == 0)
			return 0;
		r = poll(&pfd, 1, timeout_ms);
		if (r == 0)
			return 0;
		if (r == -1 && errno != EINTR)
			return kf_error(cause, "%s: poll: %s", p->dev,
			    strerror(errno));
		if (r == 1 && (pfd.revents & POLLNVAL))
			return kf_error(cause, "%s: device closed", p->dev);
		/* POLLHUP/POLLERR: the read above reports what happened. */
		if (r == 1 && !(pfd.revents & POLLIN) &&
		    (pfd.revents & (POLLHUP | POLLERR))) {
			n = read(p->fd, buf, len);
			if (n > 0) {
				p->nread += (unsigned long long)n;
				return n;
			}
			return kf_error(cause, "%s: %s", p->dev, n == 0 ||
			    errno == EAGAIN ? "device hung up" :
			    strerror(errno));
		}
	}
}

int
port_write(struct port *p, const void *buf, size_t len, int timeout_ms,
    char **cause)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };
	const unsigned char *b = buf;
	ssize_t n;
	int r;

	while (len > 0) {
		/* a peer that went away must not raise SIGPIPE */
		n = p->sock ? send(p->fd, b, len, MSG_NOSIGNAL) :
		    write(p->fd, b, len);
		if (n > 0) {
			b += n;
			len -= (size_t)n;
			p->nwritten += (unsigned long long)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return kf_error(cause, "%s: %s", p->dev,
			    strerror(errno));
		r = poll(&pfd, 1, timeout_ms);
		if (r == 0)
			return kf_error(cause,
			    "%s: no write possible for %d ms "
			    "(flow control stuck?)", p->dev, timeout_ms);
		if (r == -1 && errno != EINTR)
			return kf_error(cause, "%s: poll: %s", p->dev,
			    strerror(errno));
		if (r == 1 && (pfd.revents & (POLLERR | POLLNVAL)))
			return kf_error(cause, "%s: device gone", p->dev);
	}
	return 0;
}

int
port_puts(struct port *p, const char *s, int timeout_ms, char **cause)
{
	return port_write(p, s, strlen(s), timeout_ms, cause);
}
