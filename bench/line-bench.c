/*
 * line-bench.c: 64 lines playing one shared prompt at once, each through
 * its own line thread and modem driver to a paced modem simulator (t/sim,
 * 8000 bytes/s, in a child process so that its CPU is not counted).
 * Prints, measured in one run: each line's delivered byte rate against
 * the format's, kefu's CPU (whole process and the line threads while
 * playing) as a share of one core, and memory per line beyond the shared
 * prompt.  Figures, not a timed test.
 *
 * Usage: line-bench [LINES [SECONDS]]   (default 64 lines, 10 s prompt)
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "line/line.h"
#include "util/util.h"
#include "../t/sim/modemsim.h"

#define MAXLINES 256

struct bench_line {
	struct line *ln;
	struct conf_line cl;
	char name[16], device[64];
	enum line_status st;
	uint64_t play_us;       /* wall time of play() */
	uint64_t cpu_us;        /* this thread's CPU during play() */
	uint64_t start_us, end_us;
	atomic_int done;
};

static struct bench_line lines[MAXLINES];
static uint8_t *prompt;
static size_t prompt_len;

static uint64_t
thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t
process_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* Resident memory in KiB (VmRSS). */
static long
rss_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *fp;

	if ((fp = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, fp) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(fp);
	return kib;
}

static void
bench_call(struct line *ln, struct line_call *call, void *arg)
{
	struct bench_line *bl = arg;
	char key, *cause = NULL;
	uint64_t c0;

	c0 = thread_cpu_us();
	bl->start_us = now_us();
	bl->st = ln->ops->play(ln, prompt, prompt_len, 0, &key, &cause);
	bl->end_us = now_us();
	bl->cpu_us = thread_cpu_us() - c0;
	bl->play_us = bl->end_us - bl->start_us;
	if (bl->st != LINE_OK)
		fprintf(stderr, "line %s: %s %s\n", ln->name,
		    line_status_name(bl->st), cause ? cause : "");
	free(cause);
	bl->done = 1;
}

/* The child: n paced simulators; ring them on "go", stop on EOF. */
static void
simulators(int n, int rfd, int wfd)
{
	struct msim_opts o = { .family = MSIM_CONEXANT, .fast = 0 };
	struct msim *sims[MAXLINES];
	struct msim_stats st;
	unsigned underruns = 0;
	char link[64], *cause = NULL, c;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(link, sizeof link, "/tmp/kefu-line-bench-%d-%d",
		    (int)getppid(), i);
		o.link = link;
		if (msim_start(&o, &sims[i], &cause) == -1) {
			fprintf(stderr, "simulator %d: %s\n", i, cause);
			_exit(1);
		}
	}
	if (write(wfd, "r", 1) != 1)
		_exit(1);
	if (read(rfd, &c, 1) == 1)
		for (i = 0; i < n; i++)
			msim_ring(sims[i], 20, 1000, NULL);
	while (read(rfd, &c, 1) == 1)
		;
	for (i = 0; i < n; i++) {
		msim_stats(sims[i], &st);
		underruns += st.underruns;
		msim_stop(sims[i]);
	}
	dprintf(wfd, "%u\n", underruns);
	_exit(0);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 64;
	int secs = argc > 2 ? atoi(argv[2]) : 10;
	int down[2], up[2], i, ndone, nok = 0;
	char *cause = NULL, c, buf[64];
	long rss0, rss, rss_max = 0;
	uint64_t cpu0, cpu1, t0, t1, first = UINT64_MAX, last = 0, tcpu = 0;
	double rate, rmin = 1e9, rmax = 0, rsum = 0;
	pid_t pid;
	ssize_t k;

	if (n < 1 || n > MAXLINES || secs < 1) {
		fprintf(stderr, "usage: line-bench [LINES [SECONDS]]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	log_open("line-bench", "-", KLOG_WARN, NULL);
	if (pipe(down) == -1 || pipe(up) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		simulators(n, down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	if (read(up[0], &c, 1) != 1)
		fatalx("the simulators did not start");

	/* The shared prompt (a 400 Hz square wave with DLE bytes to shield). */
	prompt_len = (size_t)secs * 8000;
	prompt = xmalloc(prompt_len);
	for (i = 0; i < (int)prompt_len; i++)
		prompt[i] = (i / 10) % 2 ? 0x10 : 0xf0;
	rss0 = rss_kib();

	for (i = 0; i < n; i++) {
		struct bench_line *bl = &lines[i];

		snprintf(bl->name, sizeof bl->name, "%d", i);
		snprintf(bl->device, sizeof bl->device,
		    "/tmp/kefu-line-bench-%d-%d", (int)getpid(), i);
		bl->cl.name = bl->name;
		bl->cl.type = (char *)(uintptr_t)"modem";
		bl->cl.device = bl->device;
		bl->cl.family = (char *)(uintptr_t)"auto";
		bl->cl.speed = 115200;
		bl->cl.flow_control = (char *)(uintptr_t)"rtscts";
		bl->cl.rings = 1;
		bl->cl.max_call_ms = 600000;
		bl->cl.silence_ms = 7000;
		if (line_new(&bl->cl, &bl->ln, &cause) == -1 ||
		    line_start(bl->ln, bench_call, bl, &cause) == -1)
			fatalx("line %d: %s", i, cause);
	}
	/* wait until every line is idle, then ring them all */
	for (t0 = now_ms(); now_ms() - t0 < 30000; sleep_ms(50)) {
		for (i = 0; i < n; i++)
			if (line_state(lines[i].ln) != LINE_IDLE)
				break;
		if (i == n)
			break;
	}
	if (i != n)
		fatalx("only some lines came up");
	if (write(down[1], "g", 1) != 1)
		fatalx("simulators gone");
	cpu0 = process_cpu_us();
	t0 = now_us();
	for (;;) {
		for (i = 0, ndone = 0; i < n; i++)
			ndone += lines[i].done;
		if ((rss = rss_kib()) > rss_max)
			rss_max = rss;
		if (ndone == n ||
		    now_us() - t0 > (uint64_t)(secs + 30) * 1000000)
			break;
		sleep_ms(100);
	}
	cpu1 = process_cpu_us();
	t1 = now_us();
	for (i = 0; i < n; i++) {
		struct bench_line *bl = &lines[i];

		if (!bl->done || bl->st != LINE_OK)
			continue;
		nok++;
		rate = (double)prompt_len * 1e6 / (double)bl->play_us;
		rmin = rate < rmin ? rate : rmin;
		rmax = rate > rmax ? rate : rmax;
		rsum += rate;
		tcpu += bl->cpu_us;
		first = bl->start_us < first ? bl->start_us : first;
		last = bl->end_us > last ? bl->end_us : last;
	}
	for (i = 0; i < n; i++)
		line_stop(lines[i].ln);
	close(down[1]);
	k = read(up[0], buf, sizeof buf - 1);
	buf[k > 0 ? k : 0] = '\0';
	waitpid(pid, NULL, 0);

	printf("line-bench: %d lines, one shared %d s prompt (%zu bytes, "
	    "8-bit 8000/s), paced simulators\n", n, secs, prompt_len);
	printf("  calls played to the end: %d of %d\n", nok, n);
	if (nok > 0) {
		printf("  delivered rate per line: min %.1f, mean %.1f, max "
		    "%.1f bytes/s (target 8000; worst %+.2f %%)\n", rmin,
		    rsum / nok, rmax, (rmin - 8000) / 80);
		printf("  simulator underruns: %s", buf[0] ? buf : "?\n");
		printf("  CPU, whole kefu process, ring to last hang-up: "
		    "%.2f %% of one core (%.3f s in %.1f s)\n",
		    (double)(cpu1 - cpu0) * 100 / (double)(t1 - t0),
		    (double)(cpu1 - cpu0) / 1e6, (double)(t1 - t0) / 1e6);
		printf("  CPU, line threads while playing: %.2f %% of one core "
		    "(%.3f s in %.1f s)\n", (double)tcpu * 100 /
		    (double)(last - first), (double)tcpu / 1e6,
		    (double)(last - first) / 1e6);
		printf("  memory per line beyond the shared prompt: %.1f KiB "
		    "(RSS %ld KiB before the lines, %ld KiB at most)\n",
		    (double)(rss_max - rss0) / n, rss0, rss_max);
	}
	for (i = 0; i < n; i++)
		line_free(lines[i].ln);
	free(prompt);
	return nok == n ? 0 : 1;
}
