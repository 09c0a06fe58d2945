/*
 * modemsim-main.c: the modemsim program -- one simulated V.253 voice modem
 * on a pty, driven by a script (a file, or standard input).  It prints
 * the device path on the first line of standard output, then runs the
 * script; see kefu-modemsim(1) for the command language.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "modemsim.h"

#define MAXARGS 16

struct script {
	struct msim *sim;
	const char *file;
	int line;
	size_t cursor;          /* wait-command searches from here */
	int verbose;
};

static void
usage(void)
{
	fprintf(stderr, "usage: modemsim [-Fktv] [-f family] [-l link] "
	    "[-p port] [-r dtmf-repeats] [script]\n");
	exit(2);
}

/* Split a line into words; "double quotes" group, \r \n \xNN escapes. */
static int
split_words(char *s, char **av)
{
	int ac = 0;
	char *w;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#' || ac == MAXARGS)
			break;
		av[ac++] = w = s;
		if (*s == '"') {
			av[ac - 1] = w = ++s;
			while (*s != '\0' && *s != '"')
				s++;
		} else {
			while (*s != '\0' && *s != ' ' && *s != '\t') {
				if (*s == '"') {
					/* key="a b" */
					memmove(s, s + 1, strlen(s));
					while (*s != '\0' && *s != '"')
						s++;
					if (*s == '"')
						memmove(s, s + 1, strlen(s));
					continue;
				}
				s++;
			}
		}
		if (*s != '\0')
			*s++ = '\0';
		(void)w;
	}
	return ac;
}

/* Decode \r \n \t \\ \xNN in place; returns the length. */
static size_t
unescape(char *s)
{
	char *start = s, *o = s, *end;
	unsigned long v;

	while (*s != '\0') {
		if (*s != '\\' || s[1] == '\0') {
			*o++ = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'r': *o++ = '\r'; s++; break;
		case 'n': *o++ = '\n'; s++; break;
		case 't': *o++ = '\t'; s++; break;
		case 'x':
			v = strtoul(s + 1, &end, 16);
			if (end == s + 1 || end > s + 3) {
				*o++ = *s++;
				break;
			}
			*o++ = (char)v;
			s = end;
			break;
		default:
			*o++ = *s++;
		}
	}
	*o = '\0';
	return (size_t)(o - start);
}

static long
num(struct script *sc, const char *s, long lo, long hi)
{
	long long v;
	const char *err;

	if (str_tonum(s, lo, hi, &v, &err) == -1) {
		fprintf(stderr, "modemsim: %s:%d: %s: %s\n", sc->file,
		    sc->line, s, err);
		exit(1);
	}
	return (long)v;
}

/* "after=MS" or "at-byte=N" -> *bybyte, *n; 0 when absent. */
static void
when(struct script *sc, int ac, char **av, int i, int *bybyte, long *n)
{
	*bybyte = 0;
	*n = 0;
	for (; i < ac; i++) {
		if (strncmp(av[i], "after=", 6) == 0) {
			*n = num(sc, av[i] + 6, 0, 86400000);
		} else if (strncmp(av[i], "at-byte=", 8) == 0) {
			*bybyte = 1;
			*n = num(sc, av[i] + 8, 0, 1L << 30);
		} else {
			fprintf(stderr, "modemsim: %s:%d: unknown option %s\n",
			    sc->file, sc->line, av[i]);
			exit(1);
		}
	}
}

static int
feed_file(struct script *sc, const char *path)
{
	char *data, *cause;
	size_t len;

	if (file_read(path, &data, &len, &cause) == -1) {
		fprintf(stderr, "modemsim: %s\n", cause);
		free(cause);
		return -1;
	}
	msim_feed(sc->sim, data, len);
	free(data);
	return 0;
}

static int
save_vtx(struct script *sc, long i, const char *path)
{
	unsigned char *buf;
	size_t len;
	char *cause;
	int rc;

	if (msim_vtx_audio(sc->sim, (size_t)i, &buf, &len, NULL) == -1) {
		fprintf(stderr, "modemsim: no VTX segment %ld\n", i);
		return -1;
	}
	rc = file_write_atomic(path, buf, len, &cause);
	free(buf);
	if (rc == -1) {
		fprintf(stderr, "modemsim: %s\n", cause);
		free(cause);
	}
	return rc;
}

/*
 * Compare VTX segment <i> (or, when <heard>, what the caller heard from
 * segment <i> on) with a file; report the first difference.
 */
static int
expect_vtx(struct script *sc, long i, const char *path, int heard)
{
	unsigned char *buf;
	char *data, *cause;
	size_t len, flen, k;
	int rc = 0;

	if (heard) {
		msim_heard(sc->sim, (size_t)i, &buf, &len);
	} else if (msim_vtx_audio(sc->sim, (size_t)i, &buf, &len, NULL) ==
	    -1) {
		fprintf(stderr, "modemsim: no VTX segment %ld\n", i);
		return -1;
	}
	if (file_read(path, &data, &flen, &cause) == -1) {
		fprintf(stderr, "modemsim: %s\n", cause);
		free(cause);
		free(buf);
		return -1;
	}
	for (k = 0; k < len && k < flen; k++)
		if (buf[k] != (unsigned char)data[k])
			break;
	if (k < len || k < flen) {
		fprintf(stderr, "modemsim: %s:%d: %s %ld (%zu bytes) "
		    "differs from %s (%zu bytes) at byte %zu\n", sc->file,
		    sc->line, heard ? "audio heard from VTX segment" :
		    "VTX segment", i, len, path, flen, k);
		rc = -1;
	}
	free(data);
	free(buf);
	return rc;
}

static int
wait_failed(struct script *sc, const char *what)
{
	fprintf(stderr, "modemsim: %s:%d: %s: timed out (state %s)\n",
	    sc->file, sc->line, what, msim_state_name(msim_state(sc->sim)));
	return -1;
}

static int
cmd_ring(struct script *sc, int ac, char **av)
{
	struct msim_cid cid = { NULL, NULL, NULL, NULL };
	const char *raw = NULL;
	long n = 1, interval = 0;
	int i, have = 0;

	if (ac > 1)
		n = num(sc, av[1], 1, 100);
	for (i = 2; i < ac; i++) {
		if (strncmp(av[i], "nmbr=", 5) == 0)
			cid.nmbr = av[i] + 5, have = 1;
		else if (strncmp(av[i], "name=", 5) == 0)
			cid.name = av[i] + 5, have = 1;
		else if (strncmp(av[i], "date=", 5) == 0)
			cid.date = av[i] + 5, have = 1;
		else if (strncmp(av[i], "time=", 5) == 0)
			cid.time = av[i] + 5, have = 1;
		else if (strncmp(av[i], "raw=", 4) == 0) {
			unescape(av[i] + 4);
			raw = av[i] + 4;
		}
		else
			interval = num(sc, av[i], 1, 600000);
	}
	if (raw != NULL)
		return msim_ring_raw(sc->sim, (unsigned)n, (unsigned)interval,
		    raw);
	return msim_ring(sc->sim, (unsigned)n, (unsigned)interval,
	    have ? &cid : NULL);
}

static int
onoff(struct script *sc, int ac, char **av, long dflt)
{
	if (ac < 2)
		return (int)dflt;
	if (strcmp(av[1], "on") == 0)
		return 1;
	if (strcmp(av[1], "off") == 0)
		return 0;
	return (int)num(sc, av[1], 0, 1000000);
}

static int
run_command(struct script *sc, int ac, char **av)
{
	struct msim *sim = sc->sim;
	enum msim_hangup how;
	long n, t;
	int bybyte, idx, rc;
	char *cause, *s;
	struct msim_stats st;

	t = 10000;
	if (strcmp(av[0], "ring") == 0)
		return cmd_ring(sc, ac, av);
	if (strcmp(av[0], "dtmf") == 0 && ac >= 2) {
		when(sc, ac, av, 2, &bybyte, &n);
		return bybyte ? msim_dtmf_at_byte(sim, av[1], (size_t)n) :
		    msim_dtmf(sim, av[1], (unsigned)n);
	}
	if (strcmp(av[0], "hangup") == 0 && ac >= 2) {
		if (msim_hangup_parse(av[1], &how) == -1)
			return -1;
		when(sc, ac, av, 2, &bybyte, &n);
		return bybyte ? msim_hangup_at_byte(sim, how, (size_t)n) :
		    msim_hangup(sim, how, (unsigned)n);
	}
	if (strcmp(av[0], "dle") == 0 && ac == 2 && strlen(av[1]) == 1)
		return msim_dle(sim, av[1][0]);
	if (strcmp(av[0], "feed-file") == 0 && ac == 2)
		return feed_file(sc, av[1]);
	if (strcmp(av[0], "feed") == 0 && ac == 3) {
		n = num(sc, av[2], 0, 1L << 26);
		s = xmalloc((size_t)n + 1);
		memset(s, (int)num(sc, av[1], 0, 255), (size_t)n);
		msim_feed(sim, s, (size_t)n);
		free(s);
		return 0;
	}
	if (strcmp(av[0], "send") == 0 && ac == 2)
		return msim_send_raw(sim, av[1], unescape(av[1]));
	if ((strcmp(av[0], "garbage") == 0 || strcmp(av[0], "flood") == 0) &&
	    ac == 2)
		return msim_garbage(sim, (size_t)num(sc, av[1], 0, 1L << 24),
		    av[0][0] == 'f');
	if (strcmp(av[0], "drop-ok") == 0)
		return msim_misbehave(sim, MSIM_FAULT_DROP_OK,
		    (unsigned)onoff(sc, ac, av, 1));
	if (strcmp(av[0], "split-dle") == 0)
		return msim_misbehave(sim, MSIM_FAULT_SPLIT_DLE,
		    (unsigned)onoff(sc, ac, av, 1));
	if (strcmp(av[0], "ok-with-dle") == 0)
		return msim_misbehave(sim, MSIM_FAULT_OK_WITH_DLE,
		    (unsigned)onoff(sc, ac, av, 1));
	if (strcmp(av[0], "spurious-d") == 0)
		return msim_misbehave(sim, MSIM_FAULT_SPURIOUS_D,
		    (unsigned)onoff(sc, ac, av, 1000000));
	if (strcmp(av[0], "underrun-u") == 0)
		return msim_misbehave(sim, MSIM_FAULT_UNDERRUN_U,
		    (unsigned)onoff(sc, ac, av, 1));
	if (strcmp(av[0], "vsm-prefix") == 0)
		return msim_misbehave(sim, MSIM_FAULT_VSM_PREFIX,
		    (unsigned)onoff(sc, ac, av, 1));
	if (strcmp(av[0], "vsm-4args") == 0)
		return msim_misbehave(sim, MSIM_FAULT_VSM_4ARGS,
		    (unsigned)onoff(sc, ac, av, 1));
	if (strcmp(av[0], "no-ifc") == 0)
		return msim_misbehave(sim, MSIM_FAULT_NO_IFC,
		    (unsigned)onoff(sc, ac, av, 1));
	if (strcmp(av[0], "hang") == 0)
		return msim_misbehave(sim, MSIM_FAULT_HANG,
		    (unsigned)onoff(sc, ac, av, 1));
	if (strcmp(av[0], "chop") == 0)
		return msim_misbehave(sim, MSIM_FAULT_CHOP,
		    (unsigned)onoff(sc, ac, av, 1));
	if (strcmp(av[0], "vrx-no-etx") == 0)
		return msim_misbehave(sim, MSIM_FAULT_VRX_NO_ETX,
		    (unsigned)onoff(sc, ac, av, 1));
	if (strcmp(av[0], "nc-keeps-line") == 0)
		return msim_misbehave(sim, MSIM_FAULT_NC_KEEPS_LINE,
		    (unsigned)onoff(sc, ac, av, 1));
	if (strcmp(av[0], "slow-cmd") == 0 && ac == 2)
		return msim_misbehave(sim, MSIM_FAULT_SLOW_CMD,
		    (unsigned)num(sc, av[1], 1, 60000));
	if (strcmp(av[0], "vanish") == 0)
		return msim_vanish(sim);
	if (strcmp(av[0], "reappear") == 0) {
		if (msim_reappear(sim, &cause) == -1) {
			fprintf(stderr, "modemsim: %s\n", cause);
			free(cause);
			return -1;
		}
		printf("%s\n", msim_path(sim));
		fflush(stdout);
		return 0;
	}
	if (strcmp(av[0], "sleep") == 0 && ac == 2) {
		/* the script's own pause: what its author asked for */
		sleep_ms((unsigned)num(sc, av[1], 0, 86400000));
		return 0;
	}
	if (strcmp(av[0], "wait-command") == 0 && ac >= 2) {
		if (ac > 2)
			t = num(sc, av[2], 0, 86400000);
		idx = msim_wait_command(sim, av[1], sc->cursor, (unsigned)t);
		if (idx < 0)
			return wait_failed(sc, av[1]);
		sc->cursor = (size_t)idx + 1;
		return 0;
	}
	if (strcmp(av[0], "wait-state") == 0 && ac >= 2) {
		static const enum msim_state states[] = { MSIM_COMMAND,
		    MSIM_VTX, MSIM_VRX, MSIM_GONE };
		size_t i;

		if (ac > 2)
			t = num(sc, av[2], 0, 86400000);
		for (i = 0; i < nitems(states); i++)
			if (strcmp(av[1], msim_state_name(states[i])) == 0)
				break;
		if (i == nitems(states))
			return -1;
		if (msim_wait_state(sim, states[i], (unsigned)t) == -1)
			return wait_failed(sc, av[0]);
		return 0;
	}
	if (strcmp(av[0], "wait-hook") == 0 && ac >= 2) {
		if (ac > 2)
			t = num(sc, av[2], 0, 86400000);
		if (msim_wait_hook(sim, strcmp(av[1], "off") == 0,
		    (unsigned)t) == -1)
			return wait_failed(sc, av[0]);
		return 0;
	}
	if (strcmp(av[0], "wait-vtx") == 0 && ac >= 2) {
		if (ac > 2)
			t = num(sc, av[2], 0, 86400000);
		if (msim_wait_vtx(sim, (size_t)num(sc, av[1], 0, 1000000),
		    (unsigned)t) == -1)
			return wait_failed(sc, av[0]);
		return 0;
	}
	if (strcmp(av[0], "save-vtx") == 0 && ac == 3)
		return save_vtx(sc, num(sc, av[1], 0, 1000000), av[2]);
	if (strcmp(av[0], "expect-vtx") == 0 && ac == 3)
		return expect_vtx(sc, num(sc, av[1], 0, 1000000), av[2], 0);
	if (strcmp(av[0], "expect-heard") == 0 && (ac == 2 || ac == 3))
		return expect_vtx(sc, ac == 3 ? num(sc, av[2], 0, 1000000) : 0,
		    av[1], 1);
	if (strcmp(av[0], "transcript") == 0) {
		s = msim_transcript(sim);
		fputs(s, stdout);
		fflush(stdout);
		free(s);
		return 0;
	}
	if (strcmp(av[0], "stats") == 0) {
		msim_stats(sim, &st);
		printf("rings %u answers %u hangups %u commands %u errors %u "
		    "vtx %u vrx %u underruns %u dropped %u vanished %u\n",
		    st.rings, st.answers, st.hangups, st.commands, st.errors,
		    st.vtx, st.vrx, st.underruns, st.dropped_events,
		    st.vanished);
		fflush(stdout);
		return 0;
	}
	rc = -1;
	fprintf(stderr, "modemsim: %s:%d: unknown command or arguments: %s\n",
	    sc->file, sc->line, av[0]);
	return rc;
}

/* Run the script; 0 at "quit" or end of file, -1 on the first failure. */
static int
run_script(struct script *sc, FILE *fp)
{
	char buf[4096], *av[MAXARGS];
	int ac;

	while (fgets(buf, sizeof buf, fp) != NULL) {
		sc->line++;
		buf[strcspn(buf, "\r\n")] = '\0';
		ac = split_words(buf, av);
		if (ac == 0)
			continue;
		if (strcmp(av[0], "quit") == 0 || strcmp(av[0], "exit") == 0)
			return 0;
		if (sc->verbose)
			fprintf(stderr, "modemsim: %s:%d: %s\n", sc->file,
			    sc->line, av[0]);
		if (run_command(sc, ac, av) == -1) {
			fprintf(stderr, "modemsim: %s:%d: %s failed\n",
			    sc->file, sc->line, av[0]);
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct msim_opts o;
	struct script sc;
	sigset_t set;
	FILE *fp = stdin;
	char *cause;
	int ch, keep = 0, rc, sig;

	memset(&o, 0, sizeof o);
	memset(&sc, 0, sizeof sc);
	while ((ch = getopt(argc, argv, "Ff:kl:p:r:tv")) != -1) {
		switch (ch) {
		case 'F':
			o.fast = 1;
			break;
		case 'f':
			if (msim_family_parse(optarg, &o.family) == -1) {
				fprintf(stderr, "modemsim: unknown family %s "
				    "(conexant, usr, v253)\n", optarg);
				return 2;
			}
			break;
		case 'k':
			keep = 1;
			break;
		case 'l':
			o.link = optarg;
			break;
		case 'p':
			o.tcp = 1;
			o.tcp_port = atoi(optarg);
			break;
		case 'r':
			o.dtmf_repeats = atoi(optarg);
			break;
		case 't':
			o.tcp = 1;
			break;
		case 'v':
			sc.verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage();
	sc.file = "-";
	if (argc == 1) {
		sc.file = argv[0];
		if ((fp = fopen(argv[0], "r")) == NULL) {
			fprintf(stderr, "modemsim: %s: %s\n", argv[0],
			    strerror(errno));
			return 1;
		}
	}
	/* SIGINT/SIGTERM are taken with sigwait, in no other thread */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (msim_start(&o, &sc.sim, &cause) == -1) {
		fprintf(stderr, "modemsim: %s\n", cause);
		return 1;
	}
	printf("%s\n", msim_path(sc.sim));
	fflush(stdout);
	rc = run_script(&sc, fp) == -1 ? 1 : 0;
	if (fp != stdin)
		fclose(fp);
	if (keep && rc == 0)
		sigwait(&set, &sig);
	msim_stop(sc.sim);
	return rc;
}
