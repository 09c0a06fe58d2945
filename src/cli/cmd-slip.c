/*
 * cmd-slip.c: `kefu slip print` -- delivery slips of orders named by
 * number, or of a slot (date, slot, area), printed to the [slips]
 * printer through CUPS, or written as PDF or receipt-printer text
 * (store/slip.c reads and records them, slip/ renders and prints).
 */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "slip/slip.h"
#include "store/store.h"
#include "util/util.h"

static void
cmd_slip_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu slip print [OPTIONS] ORDER...\n"
	    "       kefu slip print [OPTIONS] --date YYYY-MM-DD --slot SLOT "
	    "[--area AREA] [--all]\n"
	    "options: --printer QUEUE | --pdf FILE | --text FILE "
	    "[--columns 32|42|48] [--escpos]\n");
}

/* What the command line asked for (0; -1: usage error; 1: no printer). */
struct cmd_slip_args {
	const char *date, *slot, *area;
	int all;
	struct slip_run run;
};

static int
cmd_slip_date_ok(const char *d)
{
	static const char pat[] = "dddd-dd-dd";
	size_t i;

	for (i = 0; pat[i] != '\0'; i++)
		if (pat[i] == 'd' ? !isdigit((unsigned char)d[i]) :
		    d[i] != pat[i])
			return 0;
	return d[i] == '\0';
}

static int
cmd_slip_opts(int argc, char **argv, struct cmd_slip_args *a,
    const struct conf *conf)
{
	static const struct option opts[] = {
		{ "date", required_argument, NULL, 'd' },
		{ "slot", required_argument, NULL, 's' },
		{ "area", required_argument, NULL, 'a' },
		{ "all", no_argument, NULL, 'A' },
		{ "printer", required_argument, NULL, 'p' },
		{ "pdf", required_argument, NULL, 'f' },
		{ "text", required_argument, NULL, 't' },
		{ "columns", required_argument, NULL, 'c' },
		{ "escpos", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	const char *printer = NULL;
	int c;

	a->run.text_cols = conf->slips_columns;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->date = optarg; break;
		case 's': a->slot = optarg; break;
		case 'a': a->area = optarg; break;
		case 'A': a->all = 1; break;
		case 'p': printer = optarg; break;
		case 'f': a->run.pdf_path = optarg; break;
		case 't': a->run.text_path = optarg; break;
		case 'c': a->run.text_cols = atoi(optarg); break;
		case 'e': a->run.escpos = 1; break;
		default: return -1;
		}
	}
	if ((a->date != NULL) != (a->slot != NULL) ||
	    (a->date != NULL && optind != argc) ||
	    (a->date == NULL && (optind == argc || a->area || a->all))) {
		fprintf(stderr, "kefu slip print: give order numbers, or "
		    "--date and --slot\n");
		return -1;
	}
	if (a->date != NULL && !cmd_slip_date_ok(a->date)) {
		fprintf(stderr, "kefu slip print: --date %s: not "
		    "YYYY-MM-DD\n", a->date);
		return -1;
	}
	if (!SLIP_COLS_OK(a->run.text_cols)) {
		fprintf(stderr, "kefu slip print: --columns %d: receipt "
		    "printers have 32, 42 or 48\n", a->run.text_cols);
		return -1;
	}
	/* files instead of the printer, unless a printer is named too */
	a->run.printer = printer != NULL ? printer : a->run.pdf_path ||
	    a->run.text_path ? NULL : conf->slips_printer;
	if (a->run.printer == NULL && !a->run.pdf_path && !a->run.text_path) {
		fprintf(stderr, "kefu slip print: no printer: set [slips] "
		    "printer in %s, or give --printer, --pdf or --text\n",
		    conf->path);
		return 1;       /* not a usage error: the configuration */
	}
	return 0;
}

static void
cmd_slip_report(const struct cmd_slip_args *a, size_t found)
{
	const struct slip_run *r = &a->run;

	if (r->slips == 0) {
		printf("no %sslips to print%s%s%s%s\n", a->all ? "" :
		    "unprinted ", a->date ? " for " : "", a->date ? a->date :
		    "", a->date ? " " : "", a->slot ? a->slot : "");
		return;
	}
	if (r->printer != NULL)
		printf("%zu slip(s), %zu page(s) sent to printer '%s' as job "
		    "%d\n", r->slips, r->pages, r->printer, r->job);
	else
		fprintf(stderr, "%zu slip(s)%s written\n", r->slips,
		    r->pages ? " and a PDF" : "");
	if (found > r->slips)
		printf("%zu slip(s) left out: being printed by another run\n",
		    found - r->slips);
}

static int
cmd_slip_print(struct cli_store *st, int argc, char **argv)
{
	struct cmd_slip_args a = { .run = { .summary = 0 } };
	struct store_slip *s = NULL;
	char *cause = NULL;
	size_t n = 0;
	int rc;

	if ((rc = cmd_slip_opts(argc, argv, &a, st->conf)) != 0) {
		if (rc == -1)
			cmd_slip_usage(stderr);
		return rc == -1 ? CLI_USAGE : CLI_FAIL;
	}
	a.run.summary = a.date != NULL;
	a.run.claim = a.date != NULL && !a.all;
	rc = a.date != NULL ? store_slip_batch(st->src, a.date, a.slot,
	    a.area, !a.all, &s, &n, &cause) : store_slip_orders(st->src,
	    argv + optind, (size_t)(argc - optind), &s, &n, &cause);
	if (rc == 0 && n > 0)
		rc = slip_print_run(st->src, s, n, &a.run, &cause);
	if (rc == -1) {
		fprintf(stderr, "kefu slip print: %s\n", cause);
		free(cause);
	} else
		cmd_slip_report(&a, n);
	store_slips_free(s, n);
	return rc == 0 ? CLI_OK : CLI_FAIL;
}

int
cmd_slip_main(int argc, char **argv)
{
	struct cli_store st;
	int rc;

	if (argc < 2 || cli_wants_help(argc, argv)) {
		cmd_slip_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "print") != 0) {
		cmd_slip_usage(stderr);
		return CLI_USAGE;
	}
	if (cli_store_open("slip", &st) == -1)
		return CLI_FAIL;
	rc = cmd_slip_print(&st, argc - 1, argv + 1);
	cli_store_close(&st);
	return rc;
}
