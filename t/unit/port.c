/*
 * port.c: the port layer on what a test machine has -- a pty (opened
 * with termios because libserialport refuses it), a TCP serial server on
 * loopback, missing devices, flow-control names, and enumeration.
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "port/port.h"
#include "util/util.h"
#include "../tap.h"

static void
test_pty(void)
{
	struct port_conf pc = { 115200, PORT_FLOW_RTSCTS };
	struct port *p;
	struct termios t;
	char *cause = NULL, name[64], buf[64];
	int master, slave;
	uint64_t t0;
	ssize_t n;

	if (openpty(&master, &slave, name, NULL, NULL) == -1) {
		ok(0, "openpty");
		return;
	}
	is_int(port_open(name, &pc, &p, &cause), 0, "pty opens: %s",
	    cause ? cause : "");
	if (p == NULL)
		return;
	is_str(p->ops->name, "tty", "through termios");
	tcgetattr(p->fd, &t);
	ok((t.c_iflag & IXANY) == 0, "never IXANY");
	ok((t.c_lflag & (ICANON | ECHO)) == 0, "raw mode");
	t0 = now_ms();
	is_int(port_read(p, buf, sizeof buf, 200, &cause), 0,
	    "read times out with 0");
	ok(now_ms() - t0 >= 150, "after about the timeout");
	is_int(port_puts(p, "ATZ\r", 1000, &cause), 0, "write");
	n = read(master, buf, sizeof buf);
	ok(n == 4 && memcmp(buf, "ATZ\r", 4) == 0, "bytes arrive unchanged");
	if (write(master, "OK\x10\x11\x13\r\n", 7) != 7)
		ok(0, "write master");
	n = port_read(p, buf, sizeof buf, 1000, &cause);
	ok(n == 7 && memcmp(buf, "OK\x10\x11\x13\r\n", 7) == 0,
	    "DLE, XON and XOFF are data when reading");
	is_int(port_set_flow(p, PORT_FLOW_XON_OUT, &cause), 0, "set XON out");
	tcgetattr(p->fd, &t);
	ok((t.c_iflag & IXON) && !(t.c_iflag & IXANY), "IXON without IXANY");
	port_set_flow(p, PORT_FLOW_XON_IN, &cause);
	tcgetattr(p->fd, &t);
	ok((t.c_iflag & IXOFF) && !(t.c_iflag & IXON), "IXOFF only");
	is_int(p->nread, 7, "read counter");
	is_int(p->nwritten, 4, "write counter");
	close(master);
	close(slave);
	n = port_read(p, buf, sizeof buf, 1000, &cause);
	is_int(n, -1, "the other side gone: -1");
	ok(cause != NULL, "with a message: %s", cause ? cause : "");
	free(cause);
	port_close(p);
}

static void
test_tcp(void)
{
	struct port_conf pc = { 115200, PORT_FLOW_RTSCTS };
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	struct port *p = NULL;
	char *cause = NULL, dev[64], buf[16];
	int lfd, cfd;
	ssize_t n;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(lfd, 1) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == -1) {
		ok(0, "listen on loopback");
		return;
	}
	snprintf(dev, sizeof dev, "tcp:127.0.0.1:%d", ntohs(sin.sin_port));
	is_int(port_open(dev, &pc, &p, &cause), 0, "%s opens", dev);
	if (p == NULL)
		return;
	is_str(p->ops->name, "tcp", "as tcp");
	cfd = accept(lfd, NULL, NULL);
	port_puts(p, "AT\r", 1000, &cause);
	n = read(cfd, buf, sizeof buf);
	ok(n == 3 && memcmp(buf, "AT\r", 3) == 0, "bytes reach the server");
	if (write(cfd, "OK\r\n", 4) != 4)
		ok(0, "server write");
	n = port_read(p, buf, sizeof buf, 1000, &cause);
	ok(n == 4 && memcmp(buf, "OK\r\n", 4) == 0, "and come back");
	close(cfd);
	is_int(port_read(p, buf, sizeof buf, 1000, &cause), -1,
	    "server closed: -1");
	free(cause);
	cause = NULL;
	/* the first writes may land in buffers; then EPIPE, no signal */
	ok(tap_wait(port_puts(p, "AT\r", 1000, &cause) == -1, 2000),
	    "writing to a closed server fails without SIGPIPE");
	free(cause);
	cause = NULL;
	port_close(p);
	close(lfd);
	is_int(port_open(dev, &pc, &p, &cause), -1, "nobody listening");
	like(cause, dev, "message names the device");
	free(cause);
	cause = NULL;
	is_int(port_open("tcp:nohostport", &pc, &p, &cause), -1,
	    "tcp: without a port");
	like(cause, "tcp:HOST:PORT", "says the expected form");
	free(cause);
	cause = NULL;
	is_int(port_open("tcp:[::1", &pc, &p, &cause), -1, "bad v6 form");
	free(cause);
}

static void
test_misc(void)
{
	struct port_conf pc = { 115200, PORT_FLOW_RTSCTS };
	struct port_info *list;
	struct port *p;
	enum port_flow f;
	char *cause = NULL;
	size_t n;

	is_int(port_open("/dev/kefu-no-such-modem", &pc, &p, &cause), -1,
	    "missing device");
	like(cause, "No such file", "says so");
	free(cause);
	cause = NULL;
	is_int(port_open("/dev/null", &pc, &p, &cause), -1,
	    "not a terminal is refused");
	like(cause, "not a terminal", "says so");
	free(cause);
	cause = NULL;
	is_int(port_flow_parse("rtscts", &f), 0, "rtscts");
	is_int(f, PORT_FLOW_RTSCTS, "is RTS/CTS");
	port_flow_parse("xonxoff", &f);
	is_int(f, PORT_FLOW_XON_IN, "xonxoff starts as XON in");
	port_flow_parse(NULL, &f);
	is_int(f, PORT_FLOW_RTSCTS, "default RTS/CTS");
	is_int(port_flow_parse("ixany", &f), -1, "unknown name");
	is_int(port_list(&list, &n, &cause), 0, "enumeration works");
	tap_diag("%zu serial port(s) here", n);
	port_list_free(list, n);
}

int
main(void)
{
	test_pty();
	test_tcp();
	test_misc();
	return tap_done();
}
