/*
 * gsmsim-main.c: the gsmsim program -- one simulated GSM modem for SMS
 * (3GPP TS 27.005 PDU mode) on a pty until SIGINT or SIGTERM.  It prints
 * the device path on the first line of standard output and, when it
 * stops, one line per AT+CMGS received; see gsmsim(1).
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "gsmsim.h"

#define GSMSIM_DELIVER 8        /* -d options at most */

static void
usage(void)
{
	fprintf(stderr, "usage: gsmsim [-r status] [-d from=text ...] "
	    "[-e code] [-l link] [-P pin] [-s send-ms]\n");
	exit(2);
}

/* What arrived, for the operator: "+CMGS: mr to text" per line. */
static void
summary(struct gsim *sim)
{
	struct gsim_sent s;
	size_t i;

	for (i = 0; gsim_sent_get(sim, i, &s) == 0; i++) {
		if (s.cms != 0)
			printf("+CMS ERROR: %d\t%s\n", s.cms, s.hex);
		else
			printf("+CMGS: %d\t%s\t%u/%u\t%s\n", s.mr, s.msg.addr,
			    s.msg.concat ? s.msg.seq : 1,
			    s.msg.concat ? s.msg.total : 1, s.msg.text);
		gsim_sent_free(&s);
	}
}

int
main(int argc, char **argv)
{
	struct gsim_opts o;
	struct gsim *sim;
	const char *deliver[GSMSIM_DELIVER], *errstr;
	char *cause = NULL, *from, *eq;
	long long v;
	sigset_t set;
	size_t nd = 0, i;
	int c, sig, fail = 0, st = -1;

	memset(&o, 0, sizeof o);
	while ((c = getopt(argc, argv, "d:e:l:P:r:s:")) != -1) {
		switch (c) {
		case 'd':
			if (nd == GSMSIM_DELIVER)
				usage();
			deliver[nd++] = optarg;
			break;
		case 'e':
			if (str_tonum(optarg, 1, 999, &v, &errstr) == -1)
				usage();
			fail = (int)v;
			break;
		case 'l':
			o.link = optarg;
			break;
		case 'P':
			o.pin = optarg;
			break;
		case 'r':
			if (str_tonum(optarg, 0, 255, &v, &errstr) == -1)
				usage();
			st = (int)v;
			break;
		case 's':
			if (str_tonum(optarg, 0, 600000, &v, &errstr) == -1)
				usage();
			o.send_ms = (unsigned)v;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (gsim_start(&o, &sim, &cause) == -1) {
		fprintf(stderr, "gsmsim: %s\n", cause);
		return 1;
	}
	if (st >= 0)
		gsim_status_reports(sim, 1, (unsigned)st);
	if (fail > 0)
		gsim_fail_sends(sim, ~0u, fail);
	printf("%s\n", gsim_path(sim));
	fflush(stdout);
	/* the network's messages come once a host talks to the modem */
	if (nd > 0 && gsim_wait_heard(sim, 10000) == -1)
		fprintf(stderr, "gsmsim: no host in 10 s, delivering anyway\n");
	for (i = 0; i < nd; i++) {
		from = xstrdup(deliver[i]);
		if ((eq = strchr(from, '=')) == NULL)
			usage();
		*eq = '\0';
		if (gsim_deliver(sim, from, eq + 1, &cause) == -1)
			fprintf(stderr, "gsmsim: %s\n", cause);
		free(from);
	}
	sigwait(&set, &sig);
	summary(sim);
	gsim_stop(sim);
	return 0;
}
