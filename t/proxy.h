/*
 * proxy.h: a loopback TCP proxy for tests of a database that goes away:
 * it forwards, plays a server that is down, or a frozen network, as the
 * test says.  Shared by t/unit/db-live and t/e2e/outage.
 */
#ifndef KEFU_T_PROXY_H
#define KEFU_T_PROXY_H

#include <stdint.h>
#include <sys/types.h>

struct proxy {
	int port;               /* where clients connect (127.0.0.1) */
	int ctl, ack;
	pid_t pid;
};

/* Modes for proxy_mode. */
#define PROXY_FORWARD 'p'       /* forward both ways */
#define PROXY_DOWN 'd'          /* every connection closed, new ones at once */
#define PROXY_FROZEN 'f'        /* nothing accepted or forwarded (held) */

/* Start forwarding to 127.0.0.1:upstream; 0, or -1. */
int proxy_start(struct proxy *px, int upstream);
/* Switch mode; now_ms() once it took effect, 0 when the proxy is gone. */
uint64_t proxy_mode(struct proxy *px, char mode);
void proxy_stop(struct proxy *px);
/*
 * An ODBC connection string with its Port= (5432 when absent) pointed at
 * port, malloc'd; *upstream gets the port it had.
 */
char *proxy_connstr(const char *connstr, int port, int *upstream);

#endif
