/*
 * flow-bench.c: how flow loading grows with the size of a flow.  Writes
 * flows of N, 10N and 100N elements (menus, inputs, queries, sets, ifs,
 * plays, gotos; every node has an id and is the target of others, with
 * back edges), loads each with flow_set_load_files and checks it with
 * flow_check, and prints the CPU time per element of each size and its ratio
 * to the smallest: linear loading keeps the ratios near 1 (a quadratic
 * loader multiplies them by 10 at each step).  Not a test: it prints
 * figures measured in one run.  Usage: flow-bench [N] (default 1000;
 * 100N is then the limit of kefu-flow(5)).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flow/flow.h"
#include "util/util.h"

#define BENCH_ROUNDS 3          /* best of: the machine is shared */
#define BENCH_BLOCK 14          /* elements per generated block */

static void
bench_die(const char *what, const char *why)
{
	fprintf(stderr, "flow-bench: %s: %s\n", what, why);
	exit(1);
}

/* One block of nodes, all reachable, with edges back and forth. */
static void
bench_block(struct strbuf *sb, size_t i, size_t nblocks)
{
	size_t prev = i > 0 ? i - 1 : 0, next = (i + 1) % nblocks;

	sb_addf(sb, "  <menu id=\"m%zu\" greeting=\"menu.main\" "
	    "invalid-prompt=\"input.invalid\" timeout-prompt=\"input.timeout\" "
	    "escalate=\"h%zu\">\n"
	    "    <item key=\"1\" goto=\"in%zu\"/>\n"
	    "    <item key=\"2\" goto=\"m%zu\"/>\n"
	    "    <item key=\"3\" goto=\"m%zu\"/>\n"
	    "  </menu>\n", i, i, i, prev, next);
	sb_addf(sb, "  <input id=\"in%zu\" var=\"code\" "
	    "prompt=\"price.ask_code\" invalid-prompt=\"input.invalid\" "
	    "timeout-prompt=\"input.timeout\" "
	    "escalate=\"h%zu\"/>\n", i, i);
	sb_addf(sb, "  <query id=\"q%zu\" mapping=\"catalog.price\" "
	    "error=\"h%zu\" empty=\"p%zu\">\n"
	    "    <param name=\"code\" var=\"code\"/>\n"
	    "  </query>\n", i, i, i);
	sb_addf(sb, "  <set id=\"s%zu\" var=\"v%zu\" value=\"1\"/>\n", i,
	    i % 64);
	sb_addf(sb, "  <if id=\"c%zu\" var=\"code\" op=\"eq\" value=\"1\" "
	    "then=\"p%zu\" else=\"m%zu\"/>\n", i, i, i);
	sb_addf(sb, "  <play id=\"p%zu\"><prompt id=\"price.is\"/>"
	    "<say as=\"money\" var=\"code\"/></play>\n", i);
	sb_addf(sb, "  <goto id=\"g%zu\" target=\"m%zu\"/>\n", i, next);
	sb_addf(sb, "  <hangup id=\"h%zu\"/>\n", i);
}

/* Write flow "big" of about n elements into dir; its path. */
static char *
bench_write(const char *dir, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, nblocks = n / BENCH_BLOCK > 0 ? n / BENCH_BLOCK : 1;
	char *path = xasprintf("%s/big.xml", dir), *cause = NULL;

	sb_adds(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<flow name=\"big\">\n");
	for (i = 0; i < nblocks; i++)
		bench_block(&sb, i, nblocks);
	sb_adds(&sb, "</flow>\n");
	if (file_write_atomic(path, sb_str(&sb), sb.len, &cause) == -1)
		bench_die(path, cause);
	sb_free(&sb);
	return path;
}

/* CPU time of this process in ms: on a shared machine the wall clock lies. */
static double
bench_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Best CPU time of BENCH_ROUNDS loads (and checks) of the file, in ms. */
static double
bench_load(const char *path, const char *schema, double *check_ms)
{
	struct strbuf out = STRBUF_INIT;
	struct flow_set *set;
	const char *files[1] = { path };
	char *cause = NULL;
	double best = -1, bestc = -1, t0, t1, t2;
	int r;

	for (r = 0; r < BENCH_ROUNDS; r++) {
		t0 = bench_cpu_ms();
		if (flow_set_load_files(files, 1, schema, &set, &cause) == -1)
			bench_die(path, cause);
		t1 = bench_cpu_ms();
		(void)flow_check(set, NULL, &out);
		t2 = bench_cpu_ms();
		sb_free(&out);
		flow_set_unref(set);
		if (best < 0 || t1 - t0 < best)
			best = t1 - t0;
		if (bestc < 0 || t2 - t1 < bestc)
			bestc = t2 - t1;
	}
	*check_ms = bestc;
	return best;
}

int
main(int argc, char **argv)
{
	const char *src = getenv("KEFU_SRCDIR");
	char dir[] = "/tmp/kefu-flow-bench.XXXXXX", *schema, *path;
	size_t n0 = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000, n;
	double load, check, base_load = 0, base_check = 0;
	int k;

	if (n0 < BENCH_BLOCK)
		bench_die(argv[1], "at least 14 elements");
	if (mkdtemp(dir) == NULL)
		bench_die(dir, "cannot create");
	schema = xasprintf("%s/flows/flow.rng", src ? src : KEFU_BENCH_SRCDIR);
	printf("%9s %10s %10s %12s %12s %8s %8s\n", "elements", "load ms",
	    "check ms", "load us/el", "check us/el", "load x", "check x");
	for (k = 0, n = n0; k < 3; k++, n *= 10) {
		path = bench_write(dir, n);
		load = bench_load(path, schema, &check);
		n = n / BENCH_BLOCK * BENCH_BLOCK;
		if (k == 0) {
			base_load = load / (double)n;
			base_check = check / (double)n;
		}
		printf("%9zu %10.1f %10.1f %12.2f %12.2f %8.2f %8.2f\n", n,
		    load, check, 1000.0 * load / (double)n,
		    1000.0 * check / (double)n, load / (double)n / base_load,
		    check / (double)n / base_check);
		fflush(stdout);
		unlink(path);
		free(path);
	}
	rmdir(dir);
	free(schema);
	return 0;
}
