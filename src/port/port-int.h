/*
 * port-int.h: what the kinds of port (port-serial.c, port-tty.c,
 * port-tcp.c) share with port.c.  Private to src/port/.
 */
#ifndef KEFU_PORT_INT_H
#define KEFU_PORT_INT_H

#include "port/port.h"

extern const struct port_ops port_ops_serial;   /* port-serial.c */
extern const struct port_ops port_ops_tty;      /* port-tty.c */
extern const struct port_ops port_ops_tcp;      /* port-tcp.c */

/*
 * port-tty.c: put a terminal into raw 8N1 at speed (0: leave the speed)
 * with the given flow control, never IXANY.  0 or -1 with *cause.
 */
int port_tty_setup(int fd, const char *dev, int speed, enum port_flow flow,
    char **cause);
int port_tty_set_flow(int fd, const char *dev, enum port_flow flow,
    char **cause);

#endif
