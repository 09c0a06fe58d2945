/*
 * port-tty.c: terminals opened with plain termios -- pseudo-terminals
 * (the modem simulator, socat bridges), which libserialport cannot open,
 * and any tty it refuses.  Raw 8N1; flow control as asked, never IXANY
 * (with voice, any event byte from the modem would restart output).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "port/port-int.h"
#include "util/util.h"

static const struct {
	int bps;
	speed_t code;
} tty_speeds[] = {
	{ 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 },
	{ 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 },
	{ 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 },
	{ 921600, B921600 },
};

static void
tty_apply_flow(struct termios *t, enum port_flow flow)
{
	t->c_cflag &= ~(tcflag_t)CRTSCTS;
	t->c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	switch (flow) {
	case PORT_FLOW_NONE:
		break;
	case PORT_FLOW_RTSCTS:
		t->c_cflag |= CRTSCTS;
		break;
	case PORT_FLOW_XON_OUT:
		t->c_iflag |= IXON;
		break;
	case PORT_FLOW_XON_IN:
		t->c_iflag |= IXOFF;
		break;
	}
}

int
port_tty_setup(int fd, const char *dev, int speed, enum port_flow flow,
    char **cause)
{
	struct termios t;
	size_t i;

	if (tcgetattr(fd, &t) == -1)
		return kf_error(cause, "%s: not a terminal: %s", dev,
		    strerror(errno));
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tty_apply_flow(&t, flow);
	if (speed > 0) {
		for (i = 0; i < nitems(tty_speeds); i++)
			if (tty_speeds[i].bps == speed)
				break;
		if (i == nitems(tty_speeds))
			return kf_error(cause, "%s: unsupported speed %d",
			    dev, speed);
		cfsetispeed(&t, tty_speeds[i].code);
		cfsetospeed(&t, tty_speeds[i].code);
	}
	if (tcsetattr(fd, TCSANOW, &t) == -1)
		return kf_error(cause, "%s: tcsetattr: %s", dev,
		    strerror(errno));
	return 0;
}

int
port_tty_set_flow(int fd, const char *dev, enum port_flow flow, char **cause)
{
	struct termios t;

	if (tcgetattr(fd, &t) == -1)
		return kf_error(cause, "%s: tcgetattr: %s", dev,
		    strerror(errno));
	tty_apply_flow(&t, flow);
	if (tcsetattr(fd, TCSANOW, &t) == -1)
		return kf_error(cause, "%s: tcsetattr: %s", dev,
		    strerror(errno));
	return 0;
}

static int
tty_open(struct port *p, const char *dev, const struct port_conf *pc,
    char **cause)
{
	int fd;

	fd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return kf_error(cause, "%s: %s", dev, strerror(errno));
	if (port_tty_setup(fd, dev, pc->speed, pc->flow, cause) == -1) {
		close(fd);
		return -1;
	}
	p->fd = fd;
	p->speed = pc->speed;
	return 0;
}

static int
tty_set_flow(struct port *p, enum port_flow flow, char **cause)
{
	return port_tty_set_flow(p->fd, p->dev, flow, cause);
}

static int
tty_flush(struct port *p, int output, int input)
{
	int q;

	if (output && input)
		q = TCIOFLUSH;
	else if (output)
		q = TCOFLUSH;
	else if (input)
		q = TCIFLUSH;
	else
		return 0;
	return tcflush(p->fd, q);
}

static void
tty_close(struct port *p)
{
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
}

const struct port_ops port_ops_tty = {
	.name = "tty",                  /* termios on a pty or plain tty */
	.open = tty_open,               /* open(2) + raw 8N1 + flow control */
	.set_flow = tty_set_flow,       /* CRTSCTS / IXON / IXOFF, no IXANY */
	.flush = tty_flush,             /* tcflush */
	.close = tty_close,             /* close(2) */
};
