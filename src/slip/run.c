/*
 * run.c: one print of delivery slips from start to finish -- slip
 * numbers issued, slips claimed so that two runs (kefu and kefud, two
 * kefud nodes) never print one twice, the PDF and receipt text rendered,
 * the job handed to CUPS, and each slip counted printed only after the
 * queue accepted the job.  What kefud runs at a slot's cut-off.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "slip/slip.h"
#include "store/store.h"
#include "util/util.h"

#define RUN_STALE_MS    (10 * 60 * 1000)

int
slip_reprint_no(const struct store_slip *s)
{
	if (s->print_count > 0)
		return s->print_count;
	return s->in_doubt ? 1 : 0;
}

/* Local time ms from now as "YYYY-MM-DD HH:MM:SS". */
static void
run_time(char out[20], long long offset_ms)
{
	time_t t = time(NULL) + (time_t)(offset_ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Write bytes to path ("-": standard output). */
static int
run_write(const char *path, const struct strbuf *b, char **cause)
{
	if (strcmp(path, "-") == 0) {
		if (fwrite(b->s, 1, b->len, stdout) != b->len ||
		    fflush(stdout) != 0)
			return kf_error(cause, "slips: cannot write to "
			    "standard output");
		return 0;
	}
	return file_write_atomic(path, b->s, b->len, cause);
}

/*
 * Issue every slip and, for a printer, claim it; with r->claim, those
 * another run holds are moved to the tail, in order, and *keep counts
 * the rest.
 */
static int
run_claim(struct db_source *src, struct store_slip *s, size_t n,
    const struct slip_run *r, size_t *keep, char **cause)
{
	struct store_slip *tmp = xcalloc(n, sizeof *tmp);
	char now[20], stale[20];
	size_t i, k = 0, d = n;
	int got = 1;

	run_time(now, 0);
	run_time(stale, -(long long)(r->stale_ms ? r->stale_ms :
	    RUN_STALE_MS));
	for (i = 0; i < n; i++) {
		if (store_slip_issue(src, &s[i], cause) == -1 ||
		    (r->printer != NULL && store_slip_claim(src, &s[i], now,
		    stale, &got, cause) == -1)) {
			free(tmp);
			return -1;
		}
		/*
		 * Asked for by number, a slip printed or in another run's
		 * hands is printed all the same, as a reprint.
		 */
		if (!got && !r->claim) {
			s[i].in_doubt = !s[i].printed;
			got = 1;
		}
		if (got)
			tmp[k++] = s[i];
		else
			tmp[--d] = s[i];
	}
	memcpy(s, tmp, n * sizeof *s);
	free(tmp);
	*keep = k;
	return 0;
}

/* The claims of slips [0, n) given back (the queue refused the job). */
static void
run_release(struct db_source *src, struct store_slip *s, size_t n,
    const struct slip_run *r)
{
	char *cause = NULL;
	size_t i;

	for (i = 0; r->claim && i < n; i++)
		if (store_slip_release(src, &s[i], &cause) == -1) {
			log_warnx("%s", cause);
			free(cause);
			cause = NULL;
		}
}

static int
run_render(const struct store_slip *s, size_t n, struct slip_run *r,
    struct strbuf *pdf, char **cause)
{
	struct strbuf txt = STRBUF_INIT;
	int rc;

	if (r->text_path != NULL) {
		rc = slip_text_gb18030(&txt, s, n, r->text_cols, r->escpos,
		    cause);
		if (rc == 0)
			rc = run_write(r->text_path, &txt, cause);
		sb_free(&txt);
		if (rc == -1)
			return -1;
	}
	if (r->pdf_path == NULL && r->printer == NULL)
		return 0;
	if (slip_pdf(pdf, s, n, r->summary, &r->pages, cause) == -1)
		return -1;
	return r->pdf_path != NULL ? run_write(r->pdf_path, pdf, cause) : 0;
}

/* The queue accepted the job: count every slip printed. */
static int
run_record(struct db_source *src, struct store_slip *s, size_t n,
    const struct slip_run *r, char **cause)
{
	char now[20];
	size_t i;

	run_time(now, 0);
	for (i = 0; i < n; i++)
		if (store_slip_printed(src, &s[i], now, cause) == -1)
			return kf_error(cause, "slips: job %d printed but "
			    "not recorded from slip %s on (they will say "
			    "reprint next time)", r->job, s[i].slip_no);
	return 0;
}

int
slip_print_run(struct db_source *src, struct store_slip *s, size_t n,
    struct slip_run *r, char **cause)
{
	struct strbuf pdf = STRBUF_INIT;
	char title[96];
	size_t keep;

	r->slips = r->pages = 0;
	r->job = 0;
	if (r->printer != NULL && slip_cups_ready(r->printer, cause) == -1)
		return -1;
	if (run_claim(src, s, n, r, &keep, cause) == -1)
		return -1;
	if ((r->slips = keep) == 0)
		return 0;
	if (run_render(s, keep, r, &pdf, cause) == -1) {
		run_release(src, s, keep, r);
		sb_free(&pdf);
		return -1;
	}
	if (r->printer == NULL) {
		sb_free(&pdf);
		return 0;
	}
	snprintf(title, sizeof title, "kefu slips %s %s (%zu)", s[0].slot_date,
	    s[0].slot, keep);
	if (slip_cups_print(r->printer, title, &pdf, &r->job, cause) == -1) {
		run_release(src, s, keep, r);
		sb_free(&pdf);
		return -1;
	}
	sb_free(&pdf);
	log_info("slips: %zu slip(s) of %s %s sent to printer '%s' as job %d",
	    keep, s[0].slot_date, s[0].slot, r->printer, r->job);
	return run_record(src, s, keep, r, cause);
}

int
slip_print_slot(struct db_source *src, const char *printer, const char *date,
    const char *slot, size_t *printed, char **cause)
{
	struct slip_run r = { .printer = printer, .summary = 1, .claim = 1 };
	struct store_slip *s;
	size_t n;
	int rc;

	*printed = 0;
	if (store_slip_batch(src, date, slot, NULL, 1, &s, &n, cause) == -1)
		return -1;
	rc = n > 0 ? slip_print_run(src, s, n, &r, cause) : 0;
	*printed = r.slips;
	store_slips_free(s, n);
	return rc;
}
