/*
 * port: byte streams to modems.  This subsystem owns opening, configuring
 * and enumerating serial devices -- real ones (USB CDC, UARTs) through
 * libserialport, pseudo-terminals (which libserialport cannot open) with
 * termios, and raw TCP serial servers ("tcp:HOST:PORT") with sockets --
 * behind one struct port_ops, so that the modem code above is the same
 * for all three.  It knows nothing about AT commands.  Depends on util.
 *
 * I/O is non-blocking underneath with poll() timeouts, so a wedged modem
 * (CTS never raised, nothing read) costs a timeout, never a hung thread.
 */
#ifndef KEFU_PORT_H
#define KEFU_PORT_H

#include <stddef.h>
#include <sys/types.h>

/* Flow control; PORT_FLOW_XON_* never set IXANY (fatal for voice). */
enum port_flow {
	PORT_FLOW_NONE,
	PORT_FLOW_RTSCTS,       /* hardware, the default */
	PORT_FLOW_XON_OUT,      /* obey XON/XOFF from the modem (IXON), while
				   playing */
	PORT_FLOW_XON_IN,       /* send XON/XOFF to the modem (IXOFF), while
				   recording */
};

struct port_conf {
	int speed;              /* bit/s, 115200 by default */
	enum port_flow flow;
};

struct port;

/* One kind of port.  Every slot is required. */
struct port_ops {
	/* "serial", "tty", "tcp" */
	const char *name;
	/* Open dev and apply pc; fill p->fd.  0, or -1 with *cause. */
	int (*open)(struct port *p, const char *dev, const struct port_conf *pc,
	    char **cause);
	/* Change flow control on an open port.  0 or -1 with *cause. */
	int (*set_flow)(struct port *p, enum port_flow flow, char **cause);
	/* Discard unsent output (TCOFLUSH) and/or unread input.  0 or -1. */
	int (*flush)(struct port *p, int output, int input);
	/* Release everything; p->fd is closed. */
	void (*close)(struct port *p);
};

struct port {
	const struct port_ops *ops;
	char *dev;              /* as given: /dev/ttyACM0, /dev/pts/3,
				   tcp:h:p */
	int fd;                 /* non-blocking descriptor */
	void *priv;             /* the kind's own state (struct sp_port *...) */
	int speed;              /* bit/s in effect (0 for tcp) */
	int sock;               /* 1: a socket (written with MSG_NOSIGNAL) */
	unsigned long long nread, nwritten;     /* byte counters */
};

/*
 * Open a device: "tcp:HOST:PORT" is a raw TCP serial server; a path is
 * tried with libserialport first and, when it refuses (a pty), with
 * termios.  -1 with *cause ("/dev/ttyACM0: No such file or directory").
 */
int port_open(const char *dev, const struct port_conf *pc, struct port **out,
    char **cause);
void port_close(struct port *p);
int port_set_flow(struct port *p, enum port_flow flow, char **cause);
int port_flush(struct port *p, int output, int input);
/*
 * Read what is available, waiting at most timeout_ms for the first byte
 * (0: do not wait, -1: forever).  Returns the count, 0 on timeout, -1
 * with *cause when the device is gone (EOF, EIO, ENODEV...).
 */
ssize_t port_read(struct port *p, void *buf, size_t len, int timeout_ms,
    char **cause);
/*
 * Write all len bytes; flow control and the kernel's buffer pace it.
 * Fails (-1, *cause) when no byte could be written for timeout_ms.
 */
int port_write(struct port *p, const void *buf, size_t len, int timeout_ms,
    char **cause);
/* port_write of a string. */
int port_puts(struct port *p, const char *s, int timeout_ms, char **cause);

/* Parse "rtscts", "xonxoff", "none" (NULL: rtscts).  0 or -1. */
int port_flow_parse(const char *name, enum port_flow *out);

/* One serial device found by port_list(). */
struct port_info {
	char *name;             /* /dev/ttyACM0 */
	char *description;      /* "USRobotics USB Modem", never NULL */
	char *transport;        /* "usb", "native", "bluetooth" */
	int usb_vid, usb_pid;   /* -1 when not USB */
	char *manufacturer;     /* USB strings, "" when unknown */
	char *product;
	char *serial;
};
/* Every serial device libserialport sees.  0 or -1 with *cause. */
int port_list(struct port_info **out, size_t *n, char **cause);
void port_list_free(struct port_info *list, size_t n);

#endif
