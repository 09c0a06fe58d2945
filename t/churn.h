/*
 * churn.h: other clients of the process under test, for tests that
 * check the db layer never touches a socket not its own: a child
 * process keeps connecting to a listener of this process (as callers of
 * the control socket and the simulated line do), a thread accepts,
 * checks each connection with an echo both ways and closes it, so that
 * sockets come and go and descriptors are reused all the time.  Shared
 * by t/unit/db-race and t/e2e/outage.
 */
#ifndef KEFU_T_CHURN_H
#define KEFU_T_CHURN_H

#include <stdatomic.h>
#include <pthread.h>
#include <sys/types.h>

struct churn {
	int lfd;
	int port;
	pid_t child;
	int long_pct;           /* of the connections, live 2-6 s (else ms) */
	atomic_int stop;
	unsigned accepted;      /* connections accepted */
	unsigned checked;       /* of which checked before closing */
	unsigned cut;           /* of which did not carry the echo */
	char why[200];          /* the first cut */
	pthread_t tid;
};

/* Start the child and the accepting thread; 0, or -1. */
int churn_start(struct churn *r, int long_pct);
/* Check the connections still open, stop; the counts are final. */
void churn_stop(struct churn *r);

#endif
