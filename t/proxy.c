/*
 * proxy.c: a loopback TCP proxy for tests (proxy.h), in a child process
 * so that its sockets are not the test's: 'p' forwards, 'd' is a server
 * that is down (every connection closed, new ones closed at once), 'f' a
 * frozen network (nothing accepted or forwarded; what waits is forwarded
 * again on 'p').
 */
#include "config.h"

#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"
#include "proxy.h"

#define PROXY_MAX 32

static void
proxy_close(int *cli, int *up, int i)
{
	close(cli[i]);
	close(up[i]);
	cli[i] = up[i] = -1;
}

static void
proxy_child(int lfd, int ctl, int ack, int upstream)
{
	struct pollfd pf[2 + 2 * PROXY_MAX];
	struct sockaddr_in sin;
	int cli[PROXY_MAX], up[PROXY_MAX];
	char buf[16384], mode = 'p', cmd;
	int i, k, fd, u, live;
	ssize_t n;

	for (i = 0; i < PROXY_MAX; i++)
		cli[i] = up[i] = -1;
	for (;;) {
		live = mode == 'p';
		pf[0].fd = ctl;
		pf[0].events = POLLIN;
		pf[1].fd = lfd;
		pf[1].events = mode == 'f' ? 0 : POLLIN;
		for (i = 0; i < PROXY_MAX; i++) {
			pf[2 + 2 * i].fd = live ? cli[i] : -1;
			pf[3 + 2 * i].fd = live ? up[i] : -1;
			pf[2 + 2 * i].events = pf[3 + 2 * i].events = POLLIN;
		}
		if (poll(pf, 2 + 2 * PROXY_MAX, -1) <= 0)
			continue;
		if (pf[0].revents) {
			if (read(ctl, &cmd, 1) != 1)
				break;
			mode = cmd;
			if (mode == 'd')
				for (i = 0; i < PROXY_MAX; i++)
					if (cli[i] != -1)
						proxy_close(cli, up, i);
			if (write(ack, "k", 1) != 1)
				break;
			continue;
		}
		if (pf[1].revents & POLLIN) {
			if ((fd = accept(lfd, NULL, NULL)) == -1)
				continue;
			if (mode == 'd') {
				close(fd);
				continue;
			}
			memset(&sin, 0, sizeof sin);
			sin.sin_family = AF_INET;
			sin.sin_port = htons((unsigned short)upstream);
			sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			u = socket(AF_INET, SOCK_STREAM, 0);
			for (k = 0; k < PROXY_MAX && cli[k] != -1; k++)
				;
			if (u == -1 || k == PROXY_MAX || connect(u,
			    (struct sockaddr *)&sin, sizeof sin) != 0) {
				close(fd);
				if (u != -1)
					close(u);
			} else {
				cli[k] = fd;
				up[k] = u;
			}
		}
		for (i = 0; i < PROXY_MAX; i++)
			for (k = 0; k < 2; k++) {
				if (cli[i] == -1 ||
				    !(pf[2 + 2 * i + k].revents &
				    (POLLIN | POLLHUP | POLLERR)))
					continue;
				fd = k == 0 ? cli[i] : up[i];
				n = read(fd, buf, sizeof buf);
				if (n <= 0 || write(k == 0 ? up[i] : cli[i],
				    buf, (size_t)n) != n)

					proxy_close(cli, up, i);
			}
	}
	_exit(0);
}

int
proxy_start(struct proxy *px, int upstream)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int lfd, ctl[2], ack[2];

	memset(px, 0, sizeof *px);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(lfd, 16) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) != 0 ||
	    pipe(ctl) != 0) {
		close(lfd);
		return -1;
	}
	if (pipe(ack) != 0 || (px->pid = fork()) == -1) {
		close(lfd);
		return -1;
	}
	if (px->pid == 0) {
		close(ctl[1]);
		close(ack[0]);
		proxy_child(lfd, ctl[0], ack[1], upstream);
	}
	close(lfd);
	close(ctl[0]);
	close(ack[1]);
	px->ctl = ctl[1];
	px->ack = ack[0];
	px->port = ntohs(sin.sin_port);
	return 0;
}

uint64_t
proxy_mode(struct proxy *px, char mode)
{
	char c;

	if (write(px->ctl, &mode, 1) != 1 || read(px->ack, &c, 1) != 1)
		return 0;
	return now_ms();
}

void
proxy_stop(struct proxy *px)
{
	if (px->pid <= 0)
		return;
	close(px->ctl);
	close(px->ack);
	waitpid(px->pid, NULL, 0);
}

char *
proxy_connstr(const char *connstr, int port, int *upstream)
{
	const char *p, *e;
	struct strbuf sb = STRBUF_INIT;

	*upstream = 5432;
	for (p = connstr; *p != '\0'; p++)
		if ((p == connstr || p[-1] == ';') &&
		    strncasecmp(p, "Port=", 5) == 0)
			break;
	if (*p == '\0') {
		sb_adds(&sb, connstr);
		sb_addf(&sb, "%sPort=%d", sb.len > 0 &&
		    sb.s[sb.len - 1] != ';' ? ";" : "", port);
		return sb_steal(&sb);
	}
	*upstream = atoi(p + 5);
	sb_add(&sb, connstr, (size_t)(p - connstr));
	sb_addf(&sb, "Port=%d", port);
	for (e = p; *e != '\0' && *e != ';'; e++)
		;
	sb_adds(&sb, e);
	return sb_steal(&sb);
}

