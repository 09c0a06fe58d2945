/*
 * churn.c: other clients that come and go (churn.h).  Linux, POSIX
 * sockets.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"
#include "churn.h"

#define CHURN_CLIENTS 48         /* connections the child keeps open */


/* The other clients: keep CHURN_CLIENTS connections, echo what comes. */
static void
churn_child(int port)
{
	struct pollfd pf[CHURN_CLIENTS];
	struct sockaddr_in sin;
	char buf[256];
	ssize_t n;
	int i;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < CHURN_CLIENTS; i++)
		pf[i].fd = -1;
	for (;;) {
		for (i = 0; i < CHURN_CLIENTS; i++) {
			if (pf[i].fd != -1)
				continue;
			pf[i].fd = socket(AF_INET, SOCK_STREAM, 0);
			if (connect(pf[i].fd, (struct sockaddr *)&sin,
			    sizeof sin) != 0)
				_exit(0);       /* the test is over */
			pf[i].events = POLLIN;
		}
		if (poll(pf, CHURN_CLIENTS, -1) <= 0)
			continue;
		for (i = 0; i < CHURN_CLIENTS; i++) {
			if (!pf[i].revents)
				continue;
			n = read(pf[i].fd, buf, sizeof buf);
			if (n <= 0 || write(pf[i].fd, buf, (size_t)n) != n) {
				close(pf[i].fd);
				pf[i].fd = -1;
			}
		}
	}
}

/* One byte there and back on fd: 0, or -1 when the socket was cut. */
static int
churn_echo(int fd)
{
	struct pollfd pf;
	char c = 'k', back = 0;

	if (send(fd, &c, 1, MSG_NOSIGNAL) != 1)
		return -1;
	pf.fd = fd;
	pf.events = POLLIN;
	if (poll(&pf, 1, 5000) != 1 || read(fd, &back, 1) != 1)
		return -1;
	return back == c ? 0 : -1;
}

/* Check fd; a cut one is counted and left open (its number not reused). */
static int
churn_check(struct churn *r, int fd)
{
	if (churn_echo(fd) == 0)
		return 0;
	if (r->cut++ == 0)
		snprintf(r->why, sizeof r->why, "accepted socket %d stopped "
		    "carrying data (%s)", fd, strerror(errno));
	return -1;
}

/*
 * Accept the child's connections one after another: most live a few
 * milliseconds, one in four some seconds (as a call on the simulated
 * line does); each is checked before the test closes it, and closing
 * makes the child connect again -- new sockets all the time,
 * descriptors reused all the time.
 */
static void *
churn_main(void *arg)
{
	struct churn *r = arg;
	int ring[CHURN_CLIENTS], i, fd, k, idle = 0;
	uint64_t until[CHURN_CLIENTS], now;
	unsigned seed = (unsigned)getpid();

	for (k = 0; k < CHURN_CLIENTS; k++) {
		ring[k] = -1;
		until[k] = 0;
	}
	for (i = 0; !atomic_load(&r->stop);
	    i = (i + 1) % CHURN_CLIENTS) {
		now = now_ms();
		if (ring[i] != -1 && now < until[i]) {
			if (++idle >= CHURN_CLIENTS) {
				sleep_ms(1);
				idle = 0;
			}
			continue;
		}
		idle = 0;
		if (ring[i] != -1) {
			r->checked++;
			if (churn_check(r, ring[i]) == 0)
				close(ring[i]); /* the child connects again */
			ring[i] = -1;
		}
		/* A descriptor free a moment: a driver's socket may get it. */
		sleep_ms((unsigned)(rand_r(&seed) % 3));
		if ((fd = accept(r->lfd, NULL, NULL)) == -1) {
			if (r->cut++ == 0)
				snprintf(r->why, sizeof r->why, "the listener "
				    "stopped accepting (%s)", strerror(errno));
			sleep_ms(100);
			continue;
		}
		r->accepted++;
		ring[i] = fd;
		until[i] = now_ms() +
		    ((int)(rand_r(&seed) % 100) < r->long_pct ?
		    2000 + rand_r(&seed) % 4000 : rand_r(&seed) % 20);

	}
	for (k = 0; k < CHURN_CLIENTS; k++)
		if (ring[k] != -1) {
			r->checked++;
			if (churn_check(r, ring[k]) == 0)
				close(ring[k]);
		}
	return NULL;
}

int
churn_start(struct churn *r, int long_pct)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;

	memset(r, 0, sizeof *r);
	r->long_pct = long_pct;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((r->lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(r->lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(r->lfd, 64) != 0 ||
	    getsockname(r->lfd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	r->port = ntohs(sin.sin_port);
	if ((r->child = fork()) == 0) {
		close(r->lfd);
		churn_child(r->port);
	}
	return pthread_create(&r->tid, NULL, churn_main, r) == 0 ? 0 : -1;
}

void
churn_stop(struct churn *r)
{
	atomic_store(&r->stop, 1);
	/* accept() returns: a socket closed is one the child opens again. */
	pthread_join(r->tid, NULL);
	kill(r->child, SIGTERM);
	waitpid(r->child, NULL, 0);
	close(r->lfd);
}

